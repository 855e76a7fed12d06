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
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

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

    @property
    def formula_without_value(self) -> bool:
        return self.formula and self.value is None and self.error is None


@dataclass
class Sheet:
    name: str
    visible: bool = True
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (row, col), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2

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
    format: str  # "xlsx" | "xlsm" | "xls" | "ods"
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
        date_styles = _xlsx_date_styles(zf, member(_rel_target(rels, "styles") or "xl/styles.xml"), budget)
        sheets = []
        for name, rid, visible in sheets_meta:
            target = rels.get(rid, (None, None))[1]
            info = member(target) if target else None
            if info is None:
                continue  # a chart sheet or a dangling reference: nothing to read
            sheet = Sheet(name=name, visible=visible)
            with _open_member(zf, info) as fh:
                complete = _xlsx_sheet(fh, sheet, strings, date_styles, budget)
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


def _xlsx_shared_strings(zf, info, budget: _Budget) -> list[str]:
    strings: list[str] = []
    if info is None:
        return strings
    parts: list[str] = []
    skip = 0  # inside <rPh> (phonetic hints), whose text is not part of the string
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, budget=budget):
            tag = _local(el.tag)
            if event == "start":
                if tag == "rPh":
                    skip += 1
                elif tag == "si":
                    parts = []
                continue
            if tag == "rPh":
                skip -= 1
            elif tag == "t" and not skip:
                parts.append(el.text or "")
            elif tag == "si":
                strings.append("".join(parts))
                el.clear()
    return strings


def _xlsx_date_styles(zf, info, budget: _Budget) -> set[int]:
    """Indexes of cell formats (cellXfs) that show numbers as dates or times."""
    if info is None:
        return set()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    pending: list[int] = []  # number formats of the xf elements of the container being read
    # end events only, each element cleared once read: a workbook bloated with Excel's 64,000 styles
    # costs half the parse budget it would otherwise, and little memory
    with _open_member(zf, info) as fh:
        for event, el in _events(fh, ("end",), budget):
            tag = _local(el.tag)
            if tag == "numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif tag == "xf":
                pending.append(int(el.get("numFmtId", "0") or 0))
            elif tag == "cellXfs":
                xfs, pending = pending, []
            elif tag == "cellStyleXfs":
                pending = []
            if tag in ("xf", "cellXfs", "cellStyleXfs", "cellStyle", "cellStyles", "dxfs", "fonts", "fills", "borders"):
                el.clear()
    dates = set()
    for idx, fmt in enumerate(xfs):
        if fmt in _DATE_BUILTIN or (fmt in custom and _is_date_format(custom[fmt])):
            dates.add(idx)
    return dates


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


def _xlsx_sheet(fh, sheet: Sheet, strings: list[str], date_styles: set[int], budget: _Budget) -> bool:
    """Fill the sheet from its XML; False when it stopped early at MAX_ROWS."""
    row = 0
    col = 0
    cell_attrs: dict = {}
    value_text: str | None = None
    inline: list[str] = []
    has_formula = False
    for event, el in _events(fh, budget=budget):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row = int(r) if r else row + 1
                col = 0
                if row > MAX_ROWS:
                    return False
            elif tag == "c":
                cell_attrs = dict(el.attrib)
                value_text, inline, has_formula = None, [], False
            continue
        if tag == "v":
            value_text = el.text or ""
        elif tag == "f":
            has_formula = True
        elif tag == "t":
            inline.append(el.text or "")
        elif tag == "c":
            ref = cell_attrs.get("r")
            if ref:
                row, col = parse_ref(ref)
            else:
                col += 1
            if col <= MAX_COLS and row <= MAX_ROWS:
                cell = _xlsx_cell(cell_attrs, value_text, inline, has_formula, strings, date_styles)
                if cell is not None:
                    sheet.cells[(row, col)] = cell
            el.clear()
        elif tag == "row":
            el.clear()
        elif tag == "mergeCell":
            ref = el.get("ref", "")
            if ":" in ref:
                (r1, c1), (r2, c2) = (parse_ref(p) for p in ref.split(":", 1))
                sheet.merged.append((r1, c1, r2, c2))
    return True


def _xlsx_cell(attrs: dict, text: str | None, inline: list[str], formula: bool,
               strings: list[str], date_styles: set[int]) -> Cell | None:
    typ = attrs.get("t", "n")
    if typ == "inlineStr":
        return Cell("".join(inline), formula)
    if text is None or (formula and not text.strip() and typ not in ("str", "s")):
        # openpyxl writes <f>…</f><v/>: an empty saved value is no value
        return Cell(None, True) if formula else None
    if typ == "s":
        idx = int(text)
        return Cell(strings[idx] if 0 <= idx < len(strings) else "", formula)
    if typ in ("str",):
        return Cell(text, formula)
    if typ == "b":
        return Cell(text.strip() == "1", formula)
    if typ == "e":
        return Cell(None, formula, error=text)
    if typ == "d":
        return Cell(text, formula, is_date=True)
    try:
        number = float(text)
    except ValueError:
        return Cell(text, formula)
    if number.is_integer() and abs(number) < 2**53:
        number = int(number)
    style = int(attrs.get("s", "0") or 0)
    return Cell(number, formula, is_date=style in date_styles)


# --- xls and ods, through calamine ---------------------------------------------------------

def _read_with_calamine(data: bytes, fmt: str) -> list[Sheet]:
    import python_calamine as pc

    try:
        unsaved: dict[int, set[tuple[int, int]]] = {}  # ODS formula cells without a saved value
        if fmt == "ods":
            zf = zipfile.ZipFile(io.BytesIO(data))
            _check_archive(zf)
            cells = _ods_extent(zf, unsaved)
        else:
            cells = _xls_extent(data)
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
            sheet = Sheet(name=meta.name, visible=visible)
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


def _calamine_cell(value: object) -> Cell | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return Cell(value, is_date=True)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return Cell(int(value))
    return Cell(value)


# --- how much calamine would lay out, measured before it is asked --------------------------

def _ods_extent(zf: zipfile.ZipFile, formulas: dict[int, set[tuple[int, int]]] | None = None) -> int:
    """Σ over the tables of content.xml of the used range's area, with repeated rows and columns counted.

    Fills ``formulas`` (sheet index -> cells) with the formula cells that carry no saved value,
    which calamine cannot tell from empty ones."""
    names = {n.lower(): n for n in zf.namelist()}
    if "content.xml" not in names:
        return 0
    total = 0
    sheet_index = -1
    tables: list[dict] = []  # a stack: a table may sit inside a cell of another
    with _open_member(zf, zf.getinfo(names["content.xml"])) as fh:
        for event, el in _events(fh):
            tag = _local(el.tag)
            t = tables[-1] if tables else None
            if event == "start":
                if tag == "table":
                    # box: min row, min col, max row, max col of the non-empty cells
                    if not tables:
                        sheet_index += 1
                    tables.append({"box": None, "row": 0, "col": 0, "rep": 1, "cells": [], "sheet": sheet_index,
                                   "nested": bool(tables)})
                elif tag == "table-row" and t is not None:
                    t["rep"], t["col"], t["cells"] = _repeat(el, "number-rows-repeated"), 0, []
                continue
            if t is None:
                continue
            if tag in ("table-cell", "covered-table-cell"):
                rep = _repeat(el, "number-columns-repeated")
                attrs = {_local(k) for k in el.attrib}
                if (formulas is not None and "formula" in attrs and "value-type" not in attrs and not t["nested"]
                        and t["row"] < MAX_ROWS and t["col"] < MAX_COLS):
                    formulas.setdefault(t["sheet"], set()).add((t["row"] + 1, t["col"] + 1))
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


def _repeat(el, name: str) -> int:
    value = next((v for k, v in el.attrib.items() if _local(k) == name), "1")
    return max(1, int(value)) if value.isdigit() else 1


_BIFF_CELLS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}  # FORMULA NUMBER LABEL BOOLERR RK LABELSST RSTRING
_BIFF_MULRK, _BIFF_BOF, _BIFF_FILEPASS = 0x00BD, {0x0809, 0x0409, 0x0209, 0x0009}, 0x002F


def _xls_extent(data: bytes) -> int:
    """Σ over the sheets of an .xls of the used range's area, read from the BIFF cell records."""
    stream = _ole_stream(data, ("workbook", "book"))
    if stream is None:
        return 0
    total, box, pos, end = 0, None, 0, len(stream)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        pos = body + size
        if kind in _BIFF_BOF:
            if box is not None:
                total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
            box = None
        elif kind == _BIFF_FILEPASS:
            raise ReadError("file-encrypted")
        elif (kind in _BIFF_CELLS and size >= 4) or (kind == _BIFF_MULRK and size >= 6):
            r, c1 = struct.unpack_from("<HH", stream, body)
            c2 = struct.unpack_from("<H", stream, body + size - 2)[0] if kind == _BIFF_MULRK else c1
            box = [r, c1, r, c2] if box is None else [min(box[0], r), min(box[1], c1), max(box[2], r), max(box[3], c2)]
    if box is not None:
        total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
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
