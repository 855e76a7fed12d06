"""Reading a spreadsheet file into a plain grid of cells, without trusting it.

The file type is decided by its bytes, never by its name. Nothing in the file is executed:
macros are ignored and formulas are never evaluated (their saved value is used, and a
formula without one is marked so that the checks can refuse it). XML is parsed with
defusedxml (no entity expansion), archives are measured before they are inflated and
inflated through a byte cap, and only the top-left part of each sheet that can hold a
return is read, so a hostile file is refused quickly and in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from plantrack.text import decode_with_font

MAX_FILE_BYTES = 10 * 1024 * 1024  # the contract's default size limit
MAX_INFLATED_BYTES = 200 * 1024 * 1024  # what an archive may inflate to, in all
MAX_RATIO = 200  # a member inflating more than this many times its packed size is a bomb
MAX_ROWS = 500  # a return's table starts in the first 30 rows and has a few dozen rows
MAX_COLS = 60
MAX_XML_EVENTS = 1_000_000  # XML parse events in all of a workbook (~2 s); a return needs a few thousand
MAX_GRID_CELLS = 2_000_000  # cells calamine may lay out for an .xls/.ods (it fills the whole used range)
MAX_MERGES = MAX_ROWS * MAX_COLS // 2  # more multi-cell ranges than that in the read area must overlap


class ReadError(Exception):
    """The file cannot be read as a workbook; ``code`` is a returns.md error code."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


@dataclass
class Cell:
    value: object = None  # str | int | float | bool | datetime | None
    formula: bool = False  # the cell holds a formula (its saved value is ``value``)
    is_date: bool = False  # the number is shown as a date or time
    error: str | None = None  # a saved error value such as "#DIV/0!"
    percent: bool = False  # the number is shown as a percentage (0.86 shown as 86 %)
    font: str | None = None  # the cell's font when it says how to read the text (see text.decode_with_font)

    @property
    def formula_without_value(self) -> bool:
        return self.formula and self.value is None and self.error is None


@dataclass
class Sheet:
    name: str
    visible: bool = True
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (row, col), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    hidden_rows: set[int] = field(default_factory=set)  # rows the officer hid (1-based)
    hidden_cols: set[int] = field(default_factory=set)

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def value(self, row: int, col: int) -> object:
        cell = self.cells.get((row, col))
        return cell.value if cell else None

    # The grid is read once and then only looked at, so its extent and merge anchors are
    # computed once, on first use (the readers fill ``cells``/``merged`` before anyone asks).
    @functools.cached_property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @functools.cached_property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=0)

    @functools.cached_property
    def _anchors(self) -> dict[tuple[int, int], tuple[int, int]]:
        out: dict[tuple[int, int], tuple[int, int]] = {}
        budget = 4 * MAX_ROWS * MAX_COLS  # overlapping ranges in a hostile file cannot make this quadratic
        for r1, c1, r2, c2 in self.merged:
            for r in range(r1, min(r2, MAX_ROWS) + 1):
                for c in range(c1, min(c2, MAX_COLS) + 1):
                    out.setdefault((r, c), (r1, c1))
                budget -= min(c2, MAX_COLS) - c1 + 1
            if budget < 0:
                break
        return out

    def merge_anchor(self, row: int, col: int) -> tuple[int, int] | None:
        """The top-left cell of the merged range covering (row, col), if any."""
        return self._anchors.get((row, col))


@dataclass
class Workbook:
    format: str  # "xlsx" | "xlsm" | "xls" | "ods" | "xml" (SpreadsheetML 2003)
    sheets: list[Sheet]


# --- addresses -------------------------------------------------------------------------

def col_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_ref(ref: str) -> tuple[int, int]:
    m = _REF_RE.match(ref.strip())
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


# --- sniffing --------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def sniff(data: bytes) -> str:
    """The spreadsheet format of the bytes: xlsx, xlsm, xls, ods; or raise ReadError."""
    if data.startswith(ZIP_MAGIC):
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ReadError("file-type", f"tệp nén bị hỏng hoặc không đầy đủ: {exc}") from exc
        if "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names):
            return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
        if "mimetype" in names:
            try:
                mime = _read_member(zf, zf.getinfo("mimetype"), limit=200).decode("ascii", "replace").strip()
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
                    zlib.error) as exc:
                raise ReadError("file-type", f"tệp nén bị hỏng hoặc không đầy đủ: {exc}") from exc
            if mime == "application/vnd.oasis.opendocument.spreadsheet":
                return "ods"
            raise ReadError("file-type", f"tài liệu OpenDocument loại {mime}, không phải bảng tính")
        if "[Content_Types].xml" in names:
            try:  # a workbook whose main part is not at xl/workbook.xml (some generators)
                types = _read_member(zf, zf.getinfo("[Content_Types].xml"), limit=1 << 20)
            except (ReadError, zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
                    zlib.error):
                types = b""
            if b"sheet.macroEnabled.main+xml" in types:
                return "xlsm"
            if b"spreadsheetml.sheet.main+xml" in types or b"spreadsheetml.template.main+xml" in types:
                return "xlsx"
            raise ReadError("file-type", "tài liệu Office (Word, PowerPoint…), không phải bảng tính")
        raise ReadError("file-type", "tệp nén, không phải bảng tính")
    if data.startswith(OLE_MAGIC):
        if _ole_has_stream(data, "EncryptedPackage") or _ole_has_stream(data, "EncryptionInfo"):
            raise ReadError("file-encrypted")
        if _ole_has_stream(data, "Workbook") or _ole_has_stream(data, "Book"):
            return "xls"
        raise ReadError("file-type", "tài liệu Office cũ không phải bảng tính")
    if data.startswith(b"%PDF"):
        raise ReadError("file-type", "tệp PDF")
    if not data:
        raise ReadError("file-type", "tệp rỗng")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if SPREADSHEETML_NS.encode() in head and re.search(rb"<(?:\w+:)?workbook[\s>]", head):
        return "xml"
    if re.search(rb"<(?:!doctype\s+html|html[\s>]|table[\s>]|meta\s)", head):
        # a web page named .xls: portals export tables like this, and Excel opens them with a warning
        raise ReadError("file-type", "đây là trang web (HTML) đặt tên .xls, thường do cổng thông tin xuất ra, "
                                     "không phải tệp Excel thật. Hãy mở tệp bằng Excel, lưu dạng .xlsx "
                                     "(Tệp → Lưu thành → Sổ làm việc Excel) rồi gửi tệp .xlsx đó")
    if head.startswith(b"<"):
        raise ReadError("file-type", "tệp XML nhưng không phải bảng tính: chỉ đọc được tệp XML Spreadsheet 2003 "
                                     "của Excel; hãy gửi tệp .xlsx")
    raise ReadError("file-type", "không phải tệp bảng tính, có thể là tệp CSV hoặc văn bản đổi đuôi")


def _ole_has_stream(data: bytes, name: str) -> bool:
    # Directory entries store names in UTF-16LE; a byte search avoids parsing the whole CFB.
    return name.encode("utf-16-le") in data


# --- the entry point -------------------------------------------------------------------

def read_workbook(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> Workbook:
    """Read the bytes of a spreadsheet into a Workbook, or raise ReadError with a returns.md code."""
    if len(data) > max_bytes:
        raise ReadError("file-too-large", f"{len(data) / 1024 / 1024:.1f} MB")
    fmt = sniff(data)
    if fmt in ("xlsx", "xlsm"):
        return Workbook(fmt, _read_xlsx(data))
    if fmt == "xml":
        return Workbook(fmt, _read_spreadsheetml(data))
    return Workbook(fmt, _read_with_calamine(data, fmt))


# --- zip members, inflated through a cap -------------------------------------------------

class _CappedReader(io.RawIOBase):
    """A file-like view of a zip member that raises once more than ``limit`` bytes came out."""

    def __init__(self, raw: IO[bytes], limit: int):
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        chunk = self.raw.read(min(len(buf), 1 << 16))
        self.left -= len(chunk)
        if self.left < 0:
            raise ReadError("file-too-large", "khi giải nén vượt quá giới hạn")
        buf[: len(chunk)] = chunk
        return len(chunk)


def _check_archive(zf: zipfile.ZipFile) -> None:
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > MAX_INFLATED_BYTES or total > MAX_INFLATED_BYTES:
            raise ReadError("file-too-large", f"phần {info.filename} giải nén ra {info.file_size / 1024 / 1024:.0f} MB")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 10 << 20:
            raise ReadError("file-too-large", f"phần {info.filename} giải nén ra gấp {info.file_size // info.compress_size} lần")


def _open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    return io.BufferedReader(_CappedReader(zf.open(info), MAX_INFLATED_BYTES // 4))


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ReadError("file-too-large", f"phần {info.filename} quá lớn")
    return data


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Budget:
    """The XML parse events one workbook may still spend: a file of millions of tiny elements (a
    16,384-column sheet, a flood of shared strings) is refused quickly and in bounded memory."""

    def __init__(self, events: int = MAX_XML_EVENTS):
        self.left = events


def _events(fh: IO[bytes], events=("start", "end"), budget: _Budget | None = None) -> Iterator[tuple[str, object]]:
    budget = budget or _Budget()
    try:
        for item in iterparse(fh, events=events, forbid_dtd=True):
            budget.left -= 1
            if budget.left < 0:
                raise ReadError("file-too-large", f"bảng tính có quá nhiều ô hoặc phần tử (hơn {MAX_XML_EVENTS:,} phần tử XML)")
            yield item
    except DefusedXmlException as exc:
        raise ReadError("file-type", f"nội dung XML bị cấm ({type(exc).__name__})") from exc
    except SyntaxError as exc:  # xml.etree.ElementTree.ParseError
        raise ReadError("file-type", f"nội dung XML bị hỏng ({exc})") from exc


# --- xlsx / xlsm -----------------------------------------------------------------------

_DATE_BUILTIN = set(range(14, 23)) | {45, 46, 47}


def _is_date_format(code: str) -> bool:
    # strip quoted text, escapes and colour/condition brackets, then look for date letters
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return bool(re.search(r"[dmyhs]", code, re.I)) and not re.fullmatch(r"[#0,.\s%]*", code)


def _read_xlsx(data: bytes) -> list[Sheet]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        _check_archive(zf)
        names = {n.lower(): n for n in zf.namelist()}

        def member(path: str) -> zipfile.ZipInfo | None:
            name = names.get(path.lstrip("/").lower())
            return zf.getinfo(name) if name else None

        budget = _Budget()
        # the workbook part is where the package's own relationships say (almost always xl/workbook.xml)
        package = _xlsx_rels(zf, member("_rels/.rels"), budget, base="")
        wb_path = _rel_target(package, "officeDocument") or "xl/workbook.xml"
        wb_info = member(wb_path) or member("xl/workbook.xml")
        if wb_info is None:
            raise ReadError("file-type", "không tìm thấy phần workbook trong tệp")
        wb_dir, wb_file = posixpath.split(wb_info.filename)
        sheets_meta = _xlsx_workbook(zf, wb_info, budget)
        rels = _xlsx_rels(zf, member(posixpath.join(wb_dir, "_rels", wb_file + ".rels")), budget, base=wb_dir)
        strings = _xlsx_shared_strings(zf, member(_rel_target(rels, "sharedStrings") or "xl/sharedStrings.xml"), budget)
        styles = _xlsx_styles(zf, member(_rel_target(rels, "styles") or "xl/styles.xml"), budget)
        sheets = []
        for name, rid, visible in sheets_meta:
            target = rels.get(rid, (None, None))[1]
            info = member(target) if target else None
            if info is None:
                continue  # a chart sheet or a dangling reference: nothing to read
            sheet = Sheet(name=name, visible=visible)
            with _open_member(zf, info) as fh:
                complete = _xlsx_sheet(fh, sheet, strings, styles, budget)
            if not complete:  # the sheet goes on past what a return can use
                with _open_member(zf, info) as fh:
                    sheet.merged += _scan_merges(fh)
            sheet.merged = _usable_merges(sheet.merged)
            sheets.append(sheet)
        return sheets
    except ReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, ValueError, RuntimeError,
            NotImplementedError, zlib.error) as exc:
        # RuntimeError: zipfile's "encrypted member"; NotImplementedError: a compression method zipfile
        # lacks (Deflate64, AES); zlib.error: a damaged deflate stream; the rest: truncated or corrupt archives
        raise ReadError("file-type", f"bảng tính bị hỏng ({exc})") from exc


def _xlsx_workbook(zf, info, budget: _Budget) -> list[tuple[str, str, bool]]:
    out = []
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, ("end",), budget):
            if _local(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                out.append((el.get("name", ""), rid, el.get("state", "visible") == "visible"))
    return out


def _xlsx_rels(zf, info, budget: _Budget, base: str = "xl") -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, target path inside the archive); relative targets from ``base``."""
    rels: dict[str, tuple[str, str]] = {}
    if info is None:
        return rels
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, ("end",), budget):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                if el.get("TargetMode") == "External":
                    continue
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                rels[el.get("Id", "")] = (el.get("Type", "").rsplit("/", 1)[-1], path)
    return rels


def _rel_target(rels: dict[str, tuple[str, str]], kind: str) -> str | None:
    return next((path for typ, path in rels.values() if typ == kind), None)


Runs = tuple[tuple[str, "str | None"], ...]  # rich text: (text, the run's own font or None) per run


class _RunCollector:
    """Collects the text of an <si>/<is> element, run by run with each run's font (<rPr><rFont>);
    phonetic hints (<rPh>) are not part of the string."""

    def __init__(self):
        self.runs: list[list] = []
        self.skip = 0
        self.in_run = False

    def start(self, tag: str) -> None:
        if tag == "rPh":
            self.skip += 1
        elif tag == "r" and not self.skip:
            self.in_run = True
            self.runs.append(["", None])

    def end(self, tag: str, el) -> None:
        if tag == "rPh":
            self.skip -= 1
        elif self.skip:
            return
        elif tag == "t":
            if not self.in_run:
                self.runs.append(["", None])
            self.runs[-1][0] += el.text or ""
        elif tag == "rFont" and self.in_run:
            self.runs[-1][1] = el.get("val")
        elif tag == "r":
            self.in_run = False

    def value(self) -> "str | Runs":
        if any(font for _, font in self.runs):
            return tuple((text, font) for text, font in self.runs)
        return "".join(text for text, _ in self.runs)


def _xlsx_shared_strings(zf, info, budget: _Budget) -> list:
    strings: list = []
    if info is None:
        return strings
    item = _RunCollector()
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, budget=budget):
            tag = _local(el.tag)
            if event == "start":
                if tag == "si":
                    item = _RunCollector()
                else:
                    item.start(tag)
                continue
            if tag == "si":
                strings.append(item.value())
                el.clear()
            else:
                item.end(tag, el)
    return strings


def _xlsx_text(value: "str | Runs", font: str | None) -> str:
    """A string of a cell in the given font, decoded run by run where runs carry their own font."""
    if isinstance(value, str):
        return decode_with_font(value, font)
    return "".join(decode_with_font(text, run_font or font) for text, run_font in value)


@dataclass
class _Styles:
    """What a cell's style index says about its value: shown as a date, as a percentage, and the
    font that tells how to read its text (None: the default font, which tells nothing)."""

    dates: set[int] = field(default_factory=set)
    percents: set[int] = field(default_factory=set)
    fonts: list[str | None] = field(default_factory=list)

    def font(self, index: int) -> str | None:
        return self.fonts[index] if 0 <= index < len(self.fonts) else None


def telling_font(name: str | None, default: str | None) -> str | None:
    """The font name if it says how to read a cell's text: a legacy font always does; any other font
    does unless it is the workbook's default (which a CSV-born or untouched cell has)."""
    name = (name or "").strip()
    if not name:
        return None
    if decoding_font(name):
        return name
    return None if default is not None and name.lower() == default.strip().lower() else name


def decoding_font(name: str | None) -> bool:
    low = (name or "").strip().lower()
    return low.startswith((".vn", "vni-", "vni ")) or low in ("vni", "tcvn3")


def _is_percent_format(code: str) -> bool:
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def _xlsx_styles(zf, info, budget: _Budget) -> _Styles:
    """Date, percentage and font of each cell format (cellXfs) of styles.xml."""
    if info is None:
        return _Styles()
    custom: dict[int, str] = {}
    xfs: list[tuple[int, int]] = []
    pending: list[tuple[int, int]] = []  # (number format, font) of the xf elements of the container being read
    fonts: list[str] = []
    font_name: str | None = None
    in_fonts = False
    # end events only for the bulky parts, each element cleared once read: a workbook bloated with
    # Excel's 64,000 styles costs half the parse budget it would otherwise, and little memory
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, ("start", "end"), budget):
            tag = _local(el.tag)
            if event == "start":
                if tag == "fonts":
                    in_fonts = True
                elif tag == "font" and in_fonts:
                    font_name = None
                continue
            if tag == "numFmt":
                custom[int(el.get("numFmtId", "0") or 0)] = el.get("formatCode", "")
            elif tag == "name" and in_fonts:
                font_name = el.get("val")
            elif tag == "font" and in_fonts:
                fonts.append(font_name or "")
            elif tag == "fonts":
                in_fonts = False
            elif tag == "xf":
                pending.append((int(el.get("numFmtId", "0") or 0), int(el.get("fontId", "0") or 0)))
            elif tag == "cellXfs":
                xfs, pending = pending, []
            elif tag == "cellStyleXfs":
                pending = []
            if tag in ("xf", "cellXfs", "cellStyleXfs", "cellStyle", "cellStyles", "dxfs", "fonts", "font", "fills",
                       "borders"):
                el.clear()
    out = _Styles()
    default = fonts[0] if fonts else None
    for idx, (fmt, font) in enumerate(xfs):
        code = custom.get(fmt)
        if fmt in _DATE_BUILTIN or (code is not None and _is_date_format(code)):
            out.dates.add(idx)
        elif fmt in (9, 10) or (code is not None and _is_percent_format(code)):
            out.percents.add(idx)
        out.fonts.append(telling_font(fonts[font], default) if 0 <= font < len(fonts) else None)
    return out


def _scan_merges(fh: IO[bytes]) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a sheet too long to parse whole: they follow the cell data."""
    found, tail = [], b""
    while chunk := fh.read(1 << 20):
        buf = tail + chunk
        for m in _MERGE_RE.finditer(buf):
            (r1, c1), (r2, c2) = (parse_ref(p.decode()) for p in m.groups())
            if r1 <= MAX_ROWS and c1 <= MAX_COLS:
                found.append((r1, c1, r2, c2))
        tail = buf[-200:]
    return sorted(set(found))


def _usable_merges(merged: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Merged ranges that can show a value in the part of the sheet that is read, clipped to it.

    A range whose top-left cell lies outside the read area shows nothing that was read, a 1×1 range
    changes nothing, and one reaching to XFD1048576 is cut to the read area (so that nothing later
    walks its billions of cells). More distinct ranges than the area holds must overlap, which no
    spreadsheet program writes: such a sheet is refused rather than searched."""
    clipped = {(r1, c1, min(r2, MAX_ROWS), min(c2, MAX_COLS)) for r1, c1, r2, c2 in merged
               if 1 <= r1 <= MAX_ROWS and 1 <= c1 <= MAX_COLS}
    out = sorted(m for m in clipped if m[2] >= m[0] and m[3] >= m[1] and (m[0], m[1]) != (m[2], m[3]))
    if len(out) > MAX_MERGES:
        raise ReadError("file-type", f"{len(out)} vùng ô gộp chồng lên nhau")
    return out


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]+\d+):([A-Z]+\d+)"')


def _xlsx_sheet(fh, sheet: Sheet, strings: list, styles: _Styles, budget: _Budget) -> bool:
    """Fill the sheet from its XML; False when it stopped early at MAX_ROWS."""
    row = 0
    col = 0
    cell_attrs: dict = {}
    value_text: str | None = None
    inline = _RunCollector()
    has_formula = False
    in_cell = False
    for event, el in _events(fh, budget=budget):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row = int(r) if r else row + 1
                col = 0
                if row > MAX_ROWS:
                    return False
                if el.get("hidden") in ("1", "true"):
                    sheet.hidden_rows.add(row)
            elif tag == "c":
                cell_attrs = dict(el.attrib)
                value_text, inline, has_formula, in_cell = None, _RunCollector(), False, True
            elif in_cell:
                inline.start(tag)
            continue
        if tag == "v":
            value_text = el.text or ""
        elif tag == "f":
            has_formula = True
        elif tag == "c":
            in_cell = False
            ref = cell_attrs.get("r")
            if ref:
                row, col = parse_ref(ref)
            else:
                col += 1
            if col <= MAX_COLS and row <= MAX_ROWS:
                cell = _xlsx_cell(cell_attrs, value_text, inline, has_formula, strings, styles)
                if cell is not None:
                    sheet.cells[(row, col)] = cell
            el.clear()
        elif in_cell:
            inline.end(tag, el)
        elif tag == "row":
            el.clear()
        elif tag == "col":
            if el.get("hidden") in ("1", "true"):
                try:
                    first, last = int(el.get("min", "0")), int(el.get("max", "0"))
                except ValueError:
                    continue
                sheet.hidden_cols.update(range(max(first, 1), min(last, MAX_COLS) + 1))
        elif tag == "mergeCell":
            ref = el.get("ref", "")
            if ":" in ref:
                (r1, c1), (r2, c2) = (parse_ref(p) for p in ref.split(":", 1))
                sheet.merged.append((r1, c1, r2, c2))
    return True


def _xlsx_cell(attrs: dict, text: str | None, inline: _RunCollector, formula: bool,
               strings: list, styles: _Styles) -> Cell | None:
    typ = attrs.get("t", "n")
    try:
        style = int(attrs.get("s", "0") or 0)
    except ValueError:
        style = 0
    font = styles.font(style)
    if typ == "inlineStr":
        return Cell(_xlsx_text(inline.value(), font), formula, font=font)
    if text is None or (formula and not text.strip() and typ not in ("str", "s")):
        # openpyxl writes <f>…</f><v/>: an empty saved value is no value
        return Cell(None, True) if formula else None
    if typ == "s":
        idx = int(text)
        return Cell(_xlsx_text(strings[idx], font) if 0 <= idx < len(strings) else "", formula, font=font)
    if typ in ("str",):
        return Cell(_xlsx_text(text, font), formula, font=font)
    if typ == "b":
        return Cell(text.strip() == "1", formula)
    if typ == "e":
        return Cell(None, formula, error=text)
    if typ == "d":
        return Cell(text, formula, is_date=True)
    try:
        number = float(text)
    except ValueError:
        return Cell(_xlsx_text(text, font), formula, font=font)
    if number.is_integer() and abs(number) < 2**53:
        number = int(number)
    return Cell(number, formula, is_date=style in styles.dates, percent=style in styles.percents)


# --- SpreadsheetML 2003 (Excel 2003's "XML Spreadsheet", saved as .xml or renamed .xls) ---------

SPREADSHEETML_NS = "urn:schemas-microsoft-com:office:spreadsheet"


def _ss_attr(el, name: str) -> str | None:
    return next((v for k, v in el.attrib.items() if _local(k) == name), None)


def _ss_int(el, name: str) -> int | None:
    value = _ss_attr(el, name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _read_spreadsheetml(data: bytes) -> list[Sheet]:
    """Read an Excel 2003 XML workbook: styles (font, number format), ss:Index skips, merges,
    hidden rows, columns and sheets, formulas with their saved Data value; bounded like .xlsx."""
    budget = _Budget()
    styles: dict[str, tuple[str | None, bool, str | None]] = {}  # id -> (font, percent, parent)
    sheets: list[Sheet] = []
    sheet: Sheet | None = None
    style_id: str | None = None
    row = col = 0
    cell_el = None
    in_options = False
    default_font: str | None = None

    def style_font(sid: str | None) -> str | None:
        for _ in range(8):
            if sid is None or sid not in styles:
                return None
            font, _, parent = styles[sid]
            if font:
                return telling_font(font, default_font)
            sid = parent
        return None

    def style_percent(sid: str | None) -> bool:
        return sid in styles and styles[sid][1]

    def data_text(el, font: str | None) -> str:
        # rich text: <ss:Data><Font html:Face=".VnTime">…</Font>…</ss:Data>; each run read in its own font
        parts = [decode_with_font(el.text or "", font)]
        for child in el:
            face = _ss_attr(child, "Face")
            parts.append(decode_with_font("".join(child.itertext()), telling_font(face, default_font) if face else font))
            parts.append(decode_with_font(child.tail or "", font))
        return "".join(parts)

    try:
        for event, el in _events(io.BytesIO(data), budget=budget):
            tag = _local(el.tag)
            if event == "start":
                if tag == "Worksheet":
                    sheet = Sheet(name=_ss_attr(el, "Name") or f"Sheet{len(sheets) + 1}")
                    sheets.append(sheet)
                    row = 0
                    col_at = 0
                elif tag == "Style":
                    style_id = _ss_attr(el, "ID")
                    if style_id is not None:
                        styles[style_id] = (None, False, _ss_attr(el, "Parent"))
                elif tag == "Row" and sheet is not None:
                    row = _ss_int(el, "Index") or row + 1
                    col = 0
                    if _ss_attr(el, "Hidden") in ("1", "true") and row <= MAX_ROWS:
                        sheet.hidden_rows.add(row)
                elif tag == "Cell" and sheet is not None:
                    col = _ss_int(el, "Index") or col + 1
                    cell_el = el
                elif tag == "WorksheetOptions":
                    in_options = True
                continue
            if tag == "Font" and style_id is not None and cell_el is None:
                font, percent, parent = styles[style_id]
                styles[style_id] = (_ss_attr(el, "FontName") or font, percent, parent)
                if style_id == "Default":
                    default_font = _ss_attr(el, "FontName")
            elif tag == "NumberFormat" and style_id is not None:
                fmt = _ss_attr(el, "Format") or ""
                font, _, parent = styles[style_id]
                styles[style_id] = (font, fmt.lower() == "percent" or _is_percent_format(fmt), parent)
            elif tag == "Style":
                style_id = None
                el.clear()
            elif tag == "Column" and sheet is not None:
                col_at = _ss_int(el, "Index") or col_at + 1
                last = col_at + max(0, _ss_int(el, "Span") or 0)
                if _ss_attr(el, "Hidden") in ("1", "true"):
                    sheet.hidden_cols.update(range(col_at, min(last, MAX_COLS) + 1))
                col_at = last
            elif tag == "Cell" and sheet is not None and cell_el is not None:
                across, down = max(0, _ss_int(el, "MergeAcross") or 0), max(0, _ss_int(el, "MergeDown") or 0)
                if row <= MAX_ROWS and col <= MAX_COLS:
                    cell = _ss_cell(el, style_font, style_percent, data_text)
                    if cell is not None:
                        sheet.cells[(row, col)] = cell
                    if across or down:
                        sheet.merged.append((row, col, row + down, col + across))
                col += across
                cell_el = None
                el.clear()
            elif tag == "Row":
                el.clear()
            elif tag == "WorksheetOptions":
                in_options = False
            elif tag == "Visible" and in_options and sheet is not None:
                sheet.visible = (el.text or "").strip() not in ("SheetHidden", "SheetVeryHidden")
            elif tag == "Worksheet" and sheet is not None:
                sheet.merged = _usable_merges(sheet.merged)
                el.clear()
    except ReadError:
        raise
    except (ValueError, OverflowError) as exc:
        raise ReadError("file-type", f"bảng tính XML bị hỏng ({exc})") from exc
    return sheets


def _ss_cell(el, style_font, style_percent, data_text) -> Cell | None:
    sid = _ss_attr(el, "StyleID")
    formula = _ss_attr(el, "Formula") is not None
    data = next((child for child in el if _local(child.tag) == "Data"), None)
    if data is None:
        return Cell(None, True) if formula else None
    typ = _ss_attr(data, "Type") or "String"
    if typ == "String":
        font = style_font(sid)
        return Cell(data_text(data, font), formula, font=font)
    text = "".join(data.itertext()).strip()
    if typ == "Number":
        try:
            number = float(text)
        except ValueError:
            return Cell(text, formula)
        if number.is_integer() and abs(number) < 2**53:
            number = int(number)
        return Cell(number, formula, percent=style_percent(sid))
    if typ == "Boolean":
        return Cell(text == "1", formula)
    if typ == "DateTime":
        return Cell(text, formula, is_date=True)
    if typ == "Error":
        return Cell(None, formula, error=text)
    return Cell(text, formula)


# --- xls and ods, through calamine ---------------------------------------------------------

def _read_with_calamine(data: bytes, fmt: str) -> list[Sheet]:
    import python_calamine as pc

    try:
        unsaved: dict[int, set[tuple[int, int]]] = {}  # ODS formula cells without a saved value
        meta_by_name: dict[str, _SheetMeta] = {}
        if fmt == "ods":
            zf = zipfile.ZipFile(io.BytesIO(data))
            _check_archive(zf)
            cells = _ods_extent(zf, unsaved, meta_by_name)
        else:
            cells = _xls_extent(data, meta_by_name)
    except ReadError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, RuntimeError, NotImplementedError,
            zlib.error, struct.error) as exc:
        raise ReadError("file-type", f"bảng tính bị hỏng ({exc})") from exc
    if cells > MAX_GRID_CELLS:
        # calamine lays out every sheet's used range in full, empty cells included: two values at A1
        # and IV65536 of a 6 kB .xls, or one ODS cell repeated over a million rows, would take GBs
        raise ReadError("file-too-large", f"vùng dữ liệu {cells:,} ô")
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for index, meta in enumerate(wb.sheets_metadata):
            visible = str(meta.visible).lower().endswith("visible") and "hidden" not in str(meta.visible).lower()
            if "worksheet" not in str(meta.typ).lower():
                continue
            src = wb.get_sheet_by_name(meta.name)
            # NFC: a BIFF5 sheet name in code page 1258 carries its tone marks as combining characters
            sheet = Sheet(name=unicodedata.normalize("NFC", meta.name), visible=visible)
            r0, c0 = src.start or (0, 0)
            for i, values in enumerate(src.iter_rows()):
                row = r0 + i + 1
                if row > MAX_ROWS:
                    break
                for j, value in enumerate(values[: max(0, MAX_COLS - c0)]):
                    cell = _calamine_cell(value)
                    if cell is not None:
                        sheet.cells[(row, c0 + j + 1)] = cell
            for rng in src.merged_cell_ranges or []:
                (ra, ca), (rb, cb) = rng
                sheet.merged.append((ra + 1, ca + 1, rb + 1, cb + 1))
            for row, col in unsaved.get(index, ()):
                sheet.cells[(row, col)] = Cell(None, formula=True)
            _settle_text(sheet, meta_by_name.get(meta.name))
            sheets.append(sheet)
        return sheets
    except pc.PasswordError as exc:
        raise ReadError("file-encrypted") from exc
    except ReadError:
        raise
    except Exception as exc:  # calamine reports every kind of corruption as its own error types
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReadError("file-encrypted") from exc
        raise ReadError("file-type", f"bảng tính bị hỏng ({exc})") from exc
    except BaseException as exc:
        # a Rust panic inside calamine (a malformed file it does not guard against) arrives as pyo3's
        # PanicException, a BaseException: the file is unreadable, the process is fine
        if type(exc).__name__ != "PanicException":
            raise
        raise ReadError("file-type", f"bảng tính bị hỏng ({exc})") from exc


def _settle_text(sheet: Sheet, meta: _SheetMeta | None) -> None:
    """Give a calamine-read sheet what its file says beyond the values: hidden rows and columns,
    percentage formats, and each string read as its cell's font says (text.decode_with_font)."""
    meta = meta or _SheetMeta()
    sheet.hidden_rows |= meta.hidden_rows
    sheet.hidden_cols |= meta.hidden_cols
    for at, cell in sheet.cells.items():
        if at in meta.texts and isinstance(cell.value, str):
            cell.value = meta.texts[at]
        if at in meta.percents and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
            cell.percent = True
        if isinstance(cell.value, str):
            cell.font = meta.fonts.get(at)
            runs = meta.runs.get(at)
            if runs and "".join(text for text, _ in runs) == cell.value:  # the runs are of this very text
                cell.value = _xlsx_text(runs, cell.font)
            else:
                cell.value = decode_with_font(cell.value, cell.font)


def _calamine_cell(value: object) -> Cell | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return Cell(value, is_date=True)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return Cell(int(value))
    return Cell(value)


# --- how much calamine would lay out, measured before it is asked --------------------------

class _OdsStyles:
    """Cell styles of an .ods (content.xml's automatic styles, styles.xml's named ones): the font
    each names, directly (fo:font-family) or through a font face (style:font-name), and its parent."""

    def __init__(self):
        self.faces: dict[str, str] = {}
        self.styles: dict[str, tuple[str | None, str | None]] = {}  # name -> (font, parent)
        self.current: str | None = None

    def event(self, event: str, el, tag: str) -> None:
        if event == "start":
            if tag == "style":
                self.current = _attr(el, "name")
                if self.current is not None:
                    self.styles[self.current] = (None, _attr(el, "parent-style-name"))
            return
        if tag == "font-face":
            name, family = _attr(el, "name"), _attr(el, "font-family")
            if name:
                self.faces[name] = (family or name).strip("'\" ")
        elif tag == "text-properties" and self.current is not None:
            face = _attr(el, "font-name")
            font = self.faces.get(face, face) if face else (_attr(el, "font-family") or "").strip("'\" ") or None
            if font:
                self.styles[self.current] = (font, self.styles[self.current][1])
        elif tag == "style":
            self.current = None

    def font(self, style: str | None) -> str | None:
        for _ in range(8):  # a parent chain, guarded against loops
            if style is None or style not in self.styles:
                return None
            font, parent = self.styles[style]
            if font:
                # the document's Default style is the default font, which tells nothing unless legacy
                return font if style != "Default" or decoding_font(font) else None
            style = parent
        return None


def _attr(el, name: str) -> str | None:
    return next((v for k, v in el.attrib.items() if _local(k) == name), None)


def _ods_extent(zf: zipfile.ZipFile, formulas: dict[int, set[tuple[int, int]]] | None = None,
                metas: dict[str, _SheetMeta] | None = None) -> int:
    """Σ over the tables of content.xml of the used range's area, with repeated rows and columns counted.

    Fills ``formulas`` (sheet index -> cells) with the formula cells that carry no saved value,
    which calamine cannot tell from empty ones, and ``metas`` (sheet name -> _SheetMeta) with each
    cell's font and percentage type and the hidden (collapsed or filtered) rows and columns."""
    names = {n.lower(): n for n in zf.namelist()}
    if "content.xml" not in names:
        return 0
    budget = _Budget()
    styles = _OdsStyles()
    if metas is not None and "styles.xml" in names:
        with _open_member(zf, zf.getinfo(names["styles.xml"])) as fh:
            for event, el in _events(fh, budget=budget):
                styles.event(event, el, _local(el.tag))
                if event == "end" and _local(el.tag) in ("style", "font-face", "number-style", "page-layout"):
                    el.clear()
    total = 0
    sheet_index = -1
    tables: list[dict] = []  # a stack: a table may sit inside a cell of another
    with _open_member(zf, zf.getinfo(names["content.xml"])) as fh:
        for event, el in _events(fh, budget=budget):
            tag = _local(el.tag)
            t = tables[-1] if tables else None
            if t is None and metas is not None and tag in ("style", "font-face", "text-properties"):
                styles.event(event, el, tag)
            if event == "start":
                if tag == "table":
                    # box: min row, min col, max row, max col of the non-empty cells
                    meta = None
                    if not tables:
                        sheet_index += 1
                        if metas is not None:
                            meta = metas.setdefault(_attr(el, "name") or "", _SheetMeta())
                    tables.append({"box": None, "row": 0, "col": 0, "rep": 1, "cells": [], "sheet": sheet_index,
                                   "nested": bool(tables), "meta": meta, "columns": [], "ncols": 0})
                elif tag == "table-row" and t is not None:
                    t["rep"], t["col"], t["cells"] = _repeat(el, "number-rows-repeated"), 0, []
                    if t["meta"] is not None and _attr(el, "visibility") in ("collapse", "filter"):
                        t["meta"].hidden_rows.update(range(t["row"] + 1, min(t["row"] + t["rep"], MAX_ROWS) + 1))
                continue
            if t is None:
                continue
            if tag == "table-column" and t["meta"] is not None:
                rep = _repeat(el, "number-columns-repeated")
                first = t["ncols"] + 1
                t["ncols"] += rep
                if first <= MAX_COLS:
                    t["columns"].append((first, t["ncols"], _attr(el, "default-cell-style-name")))
                    if _attr(el, "visibility") in ("collapse", "filter"):
                        t["meta"].hidden_cols.update(range(first, min(t["ncols"], MAX_COLS) + 1))
            elif tag in ("table-cell", "covered-table-cell"):
                rep = _repeat(el, "number-columns-repeated")
                attrs = {_local(k) for k in el.attrib}
                inside = t["row"] < MAX_ROWS and t["col"] < MAX_COLS
                if (formulas is not None and "formula" in attrs and "value-type" not in attrs and not t["nested"]
                        and inside):
                    formulas.setdefault(t["sheet"], set()).add((t["row"] + 1, t["col"] + 1))
                if t["meta"] is not None and inside and ("value-type" in attrs or len(el)):
                    style = _attr(el, "style-name") or next(
                        (s for a, b, s in t["columns"] if a <= t["col"] + 1 <= b), None)
                    font = styles.font(style)
                    runs = _ods_runs(el, styles) if len(el) else None
                    for c in range(t["col"] + 1, min(t["col"] + rep, MAX_COLS) + 1):
                        for r in range(t["row"] + 1, min(t["row"] + t["rep"], MAX_ROWS) + 1):
                            if font is not None:
                                t["meta"].fonts[(r, c)] = font
                            if runs:
                                t["meta"].runs[(r, c)] = runs
                            if _attr(el, "value-type") == "percentage":
                                t["meta"].percents.add((r, c))
                if "value-type" in attrs or len(el):
                    t["cells"].append((t["col"] + 1, t["col"] + rep))
                t["col"] += rep
                el.clear()
            elif tag == "table-row":
                if t["cells"]:
                    first, last = min(c for c, _ in t["cells"]), max(c for _, c in t["cells"])
                    r1, r2, box = t["row"] + 1, t["row"] + t["rep"], t["box"]
                    t["box"] = [r1, first, r2, last] if box is None else [
                        min(box[0], r1), min(box[1], first), max(box[2], r2), max(box[3], last)]
                t["row"] += t["rep"]
                el.clear()
            elif tag == "table":
                box = tables.pop()["box"]
                if box is not None:
                    total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
                el.clear()
    return total


def _ods_runs(cell, styles: _OdsStyles) -> Runs | None:
    """The text of an .ods cell run by run: each <text:span> in the font its text style names (None: the
    cell's own font), paragraphs joined by a line break; None when no span names a font."""
    runs: list[tuple[str, str | None]] = []
    told = False

    def add(text: str | None, font: str | None) -> None:
        if text:
            if runs and runs[-1][1] == font:
                runs[-1] = (runs[-1][0] + text, font)
            else:
                runs.append((text, font))

    def walk(el, font: str | None, depth: int) -> None:
        nonlocal told
        tag = _local(el.tag)
        if tag == "s":  # <text:s text:c="3"/>: that many spaces
            count = _attr(el, "c") or "1"
            add(" " * min(int(count) if count.isdigit() else 1, 1000), font)
        elif tag == "tab":
            add("\t", font)
        elif tag == "line-break":
            add("\n", font)
        elif tag != "annotation" and depth < 20:
            if tag == "span":
                own = styles.font(_attr(el, "style-name"))
                told |= own is not None
                font = own or font
            add(el.text, font)
            for child in el:
                walk(child, font, depth + 1)
                add(child.tail, font)

    for i, p in enumerate(p for p in cell if _local(p.tag) in ("p", "h")):
        if i:
            add("\n", None)
        walk(p, None, 0)
    return tuple(runs) if told else None


def _repeat(el, name: str) -> int:
    value = next((v for k, v in el.attrib.items() if _local(k) == name), "1")
    return max(1, int(value)) if value.isdigit() else 1


_BIFF_CELLS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}  # FORMULA NUMBER LABEL BOOLERR RK LABELSST RSTRING
_BIFF_MULRK, _BIFF_BOF, _BIFF_FILEPASS = 0x00BD, {0x0809, 0x0409, 0x0209, 0x0009}, 0x002F
_BIFF_EOF, _BIFF_BLANK, _BIFF_MULBLANK, _BIFF_ROW, _BIFF_COLINFO = 0x000A, 0x0201, 0x00BE, 0x0208, 0x007D
_BIFF_FONT, _BIFF_XF, _BIFF_FORMAT, _BIFF_SHEET, _BIFF_CODEPAGE = 0x0031, 0x00E0, 0x041E, 0x0085, 0x0042
_BIFF_LABEL, _BIFF_RSTRING, _BIFF_SST, _BIFF_CONTINUE, _BIFF_LABELSST = 0x0204, 0x00D6, 0x00FC, 0x003C, 0x00FD
MAX_SST_WALK = 100_000  # shared strings walked for rich-text runs; a return uses a few hundred


@dataclass
class _SheetMeta:
    """What calamine does not tell about a sheet of an .xls or .ods, read from the file itself."""

    fonts: dict[tuple[int, int], str | None] = field(default_factory=dict)  # (row, col) -> telling font
    percents: set[tuple[int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # strings calamine gets wrong (BIFF5 code pages)
    runs: dict[tuple[int, int], Runs] = field(default_factory=dict)  # rich text: (text, the run's font or None)
    sst: dict[tuple[int, int], int] = field(default_factory=dict)  # .xls: (row, col) -> shared string index


def _biff_string(body: bytes, pos: int, len_bytes: int, biff8: bool, codepage: str) -> tuple[str, int]:
    """A BIFF string at pos (its length in 1 or 2 bytes; BIFF8 adds a flags byte); (text, end)."""
    cch = body[pos] if len_bytes == 1 else struct.unpack_from("<H", body, pos)[0]
    pos += len_bytes
    if not biff8:
        return body[pos: pos + cch].decode(codepage, "replace"), pos + cch
    flags = body[pos]
    pos += 1
    if flags & 1:
        return body[pos: pos + 2 * cch].decode("utf-16-le", "replace"), pos + 2 * cch
    return body[pos: pos + cch].decode("latin-1"), pos + cch


class _Continued:
    """The body of a record and its CONTINUE records, read across their boundaries as MS-XLS says:
    character data split by a boundary restarts with a flags byte (its width may change), anything
    else runs straight on."""

    def __init__(self, chunks: list[bytes]):
        self.chunks, self.i, self.pos = chunks, 0, 0

    def take(self, n: int) -> bytes:
        out = bytearray()
        while n > 0:
            while self.pos >= len(self.chunks[self.i]):  # IndexError past the last record
                self.i, self.pos = self.i + 1, 0
            part = self.chunks[self.i][self.pos: self.pos + n]
            out += part
            self.pos += len(part)
            n -= len(part)
        return bytes(out)

    def chars(self, cch: int, wide: bool) -> str:
        parts = []
        while cch > 0:
            chunk = self.chunks[self.i]
            if self.pos >= len(chunk):
                self.i, self.pos = self.i + 1, 1
                chunk = self.chunks[self.i]
                wide = bool(chunk[0] & 1)
            size = 2 if wide else 1
            n = min(cch, (len(chunk) - self.pos) // size)
            if n == 0:
                raise IndexError("a character split across records")
            parts.append(chunk[self.pos: self.pos + n * size].decode("utf-16-le" if wide else "latin-1"))
            self.pos += n * size
            cch -= n
        return "".join(parts)


def _sst_runs(chunks: list[bytes], wanted: set[int], fonts: list[str]) -> dict[int, Runs]:
    """Shared strings (SST) of the ``wanted`` indexes that carry rich-text runs, as (text, font) runs.

    A rich string (fRichSt) lists after its characters cRun pairs (ich, ifnt): from character ich on
    the text is in FONT ifnt; before the first run it is in the cell's own font (None here)."""
    out: dict[int, Runs] = {}
    if not wanted or not chunks or len(chunks[0]) < 8:
        return out
    data = _Continued(chunks)
    data.take(8)  # cstTotal, cstUnique
    last = min(max(wanted), MAX_SST_WALK)
    for index in range(last + 1):
        cch, flags = struct.unpack("<HB", data.take(3))
        runs = struct.unpack("<H", data.take(2))[0] if flags & 0x08 else 0
        ext = struct.unpack("<I", data.take(4))[0] if flags & 0x04 else 0
        text = data.chars(cch, bool(flags & 1))
        pairs = [struct.unpack_from("<HH", data.take(4)) for _ in range(runs)]
        data.take(ext)
        if index in wanted and pairs:
            bounds = sorted((min(ich, len(text)), ifnt - (ifnt > 4)) for ich, ifnt in pairs)  # FONT 4 does not exist
            pieces: list[tuple[str, str | None]] = [(text[: bounds[0][0]], None)]
            for (start, font), (end, _) in zip(bounds, bounds[1:] + [(len(text), 0)]):
                pieces.append((text[start:end], fonts[font] if 0 <= font < len(fonts) else None))
            out[index] = tuple(p for p in pieces if p[0])
    return out


_CODEPAGES = {1200: "utf-16-le", 367: "ascii", 10000: "mac_roman", 32768: "mac_roman", 32769: "cp1252"}


def _xls_extent(data: bytes, metas: dict[str, _SheetMeta] | None = None) -> int:
    """Σ over the sheets of an .xls of the used range's area, read from the BIFF cell records.

    Fills ``metas`` (sheet name -> _SheetMeta) with each cell's font and percentage format, the
    hidden rows and columns, and (BIFF5, whose 8-bit strings are in the file's code page) the text
    of string cells."""
    stream = _ole_stream(data, ("workbook", "book"))
    if stream is None:
        return 0
    total, box, pos, end = 0, None, 0, len(stream)
    biff8, codepage = True, "cp1252"
    fonts: list[str] = []
    xfs: list[tuple[int, int]] = []  # (font index, number format index)
    formats: dict[int, str] = {}
    offsets: dict[int, str] = {}  # substream offset -> sheet name
    stack: list[_SheetMeta | None] = []
    meta: _SheetMeta | None = None
    first = True
    sst: list[bytes] = []  # the SST record's body and its CONTINUE records'
    in_sst = False

    def xf_of(row: int, col: int, xf: int) -> None:
        if meta is None or row >= MAX_ROWS or col >= MAX_COLS or not 0 <= xf < len(xfs):
            return
        font, fmt = xfs[xf]
        font -= font > 4  # FONT index 4 does not exist
        if 0 <= font < len(fonts):
            meta.fonts[(row + 1, col + 1)] = telling_font(fonts[font], fonts[0])
        if fmt in (9, 10) or _is_percent_format(formats.get(fmt, "")):
            meta.percents.add((row + 1, col + 1))

    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        body_at = pos + 4
        here, pos = pos, body_at + size
        if kind in _BIFF_BOF:
            if first and size >= 2:
                biff8 = struct.unpack_from("<H", stream, body_at)[0] >= 0x0600
                first = False
            elif metas is not None:
                name = offsets.get(here)
                meta = metas.setdefault(name, _SheetMeta()) if name is not None else None
                stack.append(meta)
            if box is not None:
                total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
            box = None
            continue
        elif kind == _BIFF_FILEPASS:
            raise ReadError("file-encrypted")
        elif kind == _BIFF_EOF:
            if stack:
                stack.pop()
            meta = stack[-1] if stack else None
            continue
        elif (kind in _BIFF_CELLS and size >= 4) or (kind == _BIFF_MULRK and size >= 6):
            r, c1 = struct.unpack_from("<HH", stream, body_at)
            c2 = struct.unpack_from("<H", stream, body_at + size - 2)[0] if kind == _BIFF_MULRK else c1
            box = [r, c1, r, c2] if box is None else [min(box[0], r), min(box[1], c1), max(box[2], r), max(box[3], c2)]
        if metas is None:
            continue
        body = stream[body_at: pos]
        if kind == _BIFF_SST or (in_sst and kind == _BIFF_CONTINUE):
            in_sst = True
            sst.append(body)
            continue
        in_sst = False
        try:
            if kind == _BIFF_CODEPAGE and size >= 2:
                cp = struct.unpack_from("<H", body)[0]
                codepage = _CODEPAGES.get(cp, f"cp{cp}")
                "".encode(codepage)  # an unknown code page falls back to cp1252
            elif kind == _BIFF_FONT and size >= 15:
                fonts.append(_biff_string(body, 14, 1, biff8, codepage)[0])
            elif kind == _BIFF_XF and size >= 4:
                xfs.append(struct.unpack_from("<HH", body))
            elif kind == _BIFF_FORMAT and size >= 3:
                formats[struct.unpack_from("<H", body)[0]] = _biff_string(body, 2, 2 if biff8 else 1, biff8, codepage)[0]
            elif kind == _BIFF_SHEET and size >= 7:
                offsets[struct.unpack_from("<I", body)[0]] = _biff_string(body, 6, 1, biff8, codepage)[0]
            elif meta is None:
                continue
            elif (kind in _BIFF_CELLS or kind == _BIFF_BLANK) and size >= 6:
                r, c, xf = struct.unpack_from("<HHH", body)
                xf_of(r, c, xf)
                if kind in (_BIFF_LABEL, _BIFF_RSTRING) and not biff8 and r < MAX_ROWS and c < MAX_COLS:
                    meta.texts[(r + 1, c + 1)] = unicodedata.normalize("NFC", _biff_string(body, 6, 2, False, codepage)[0])
                elif kind == _BIFF_LABELSST and size >= 10 and r < MAX_ROWS and c < MAX_COLS:
                    meta.sst[(r + 1, c + 1)] = struct.unpack_from("<I", body, 6)[0]
            elif kind in (_BIFF_MULRK, _BIFF_MULBLANK) and size >= 6:
                r, c = struct.unpack_from("<HH", body)
                step = 6 if kind == _BIFF_MULRK else 2
                for i, at in enumerate(range(4, size - 2, step)):
                    if c + i >= MAX_COLS:
                        break
                    xf_of(r, c + i, struct.unpack_from("<H", body, at)[0])
            elif kind == _BIFF_ROW and size >= 14:
                r = struct.unpack_from("<H", body)[0]
                if struct.unpack_from("<H", body, 12)[0] & 0x20 and r < MAX_ROWS:
                    meta.hidden_rows.add(r + 1)
            elif kind == _BIFF_COLINFO and size >= 10:
                c1, c2, _, _, flags = struct.unpack_from("<HHHHH", body)
                if flags & 1:
                    meta.hidden_cols.update(range(c1 + 1, min(c2, MAX_COLS - 1) + 2))
        except (struct.error, IndexError, LookupError):
            continue  # a damaged record tells nothing; calamine judges the file
    if box is not None:
        total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    if metas and any(map(decoding_font, fonts)):  # runs change how text reads only where a legacy font is
        wanted = {i for m in metas.values() for i in m.sst.values()}
        try:
            rich = _sst_runs(sst, wanted, fonts)
        except (struct.error, IndexError, UnicodeDecodeError):
            rich = {}  # a damaged table of strings: the cells are read by their own fonts
        for m in metas.values():
            m.runs.update((at, rich[i]) for at, i in m.sst.items() if i in rich)
    return total


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The bytes of the first stream of an OLE2 (compound file) with one of the names, or None.

    Just enough of MS-CFB to measure an .xls: sector chains are followed with loop guards, so a
    crafted file cannot make this read more than the file holds."""
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
        raise ValueError("bad compound file header")
    size = 1 << shift
    n_sectors = max(0, (len(data) - size) // size)
    first_dir, _, cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIIIII", data, 0x30)

    def sector(sid: int) -> bytes:
        if sid >= n_sectors:
            raise ValueError("sector outside the file")
        return data[(sid + 1) * size: (sid + 2) * size]

    fat_ids = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    sid, seen = first_difat, set()
    while sid < 0xFFFFFFFA and sid not in seen and len(seen) < n_sectors:
        seen.add(sid)
        words = struct.unpack(f"<{size // 4}I", sector(sid))
        fat_ids += [s for s in words[:-1] if s < 0xFFFFFFFA]
        sid = words[-1]
    fat = [w for s in fat_ids[:n_sectors] for w in struct.unpack(f"<{size // 4}I", sector(s))]

    def chain(start: int, table: list[int], read) -> bytes:
        out, sid, seen = [], start, set()
        while sid < 0xFFFFFFFA and sid not in seen and sid < len(table):
            seen.add(sid)
            out.append(read(sid))
            sid = table[sid]
        return b"".join(out)

    directory = chain(first_dir, fat, sector)
    entries = []
    for off in range(0, len(directory) - 127, 128):
        nlen, kind = struct.unpack_from("<HB", directory, off + 64)
        name = directory[off: off + min(nlen, 64)].decode("utf-16-le", "replace").rstrip("\x00").lower()
        start, length = struct.unpack_from("<II", directory, off + 116)
        entries.append((name, kind, start, length))
    if not entries:
        return None
    wanted = next((e for n in names for e in entries if e[0] == n and e[1] == 2), None)
    if wanted is None:
        return None
    _, _, start, length = wanted
    if length >= cutoff:
        return chain(start, fat, sector)[:length]
    minifat = [w for b in [chain(first_minifat, fat, sector)] for w in struct.unpack(f"<{len(b) // 4}I", b[: len(b) // 4 * 4])]
    ministream = chain(entries[0][2], fat, sector)
    msize = 1 << mini_shift

    def mini(sid: int) -> bytes:
        return ministream[sid * msize: (sid + 1) * msize]
    return chain(start, minifat, mini)[:length]
