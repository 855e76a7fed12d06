"""Showing a district what was found in its return: the marked-up workbook and the tables.

``annotate_workbook`` gives back the district's own workbook with every cell named by an
error filled red and every cell named by a warning filled amber, each with a comment
carrying the Vietnamese message, and a first sheet ``Loi`` listing every issue (those
without a cell can only be read there). Nothing in the file is evaluated: ``.xlsx``/``.xlsm``
are loaded with openpyxl without their macros and saved as ``.xlsx``; ``.xls``/``.ods``
(which openpyxl cannot load) are rebuilt from the values the reader saw. A file that cannot
be read at all gives a workbook holding only the ``Loi`` sheet.

Nothing live from the upload is handed back: every formula becomes its saved value, and cell
hyperlinks, defined names, data validations, conditional formats, tables, pivot tables,
charts, external links and DDE are dropped (``_neutralise``); text is written as text, never
as a formula. The work runs in a child held to the per-file limits (``plantrack.bounded``);
a file that exceeds them gets the ``Loi`` sheet alone. ``cached_annotation`` makes the copy
once per file and issue list and keeps it on disk.

``issue_rows`` and ``value_rows`` are the tables the upload and history pages draw.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from plantrack import __version__
from plantrack.bounded import ChildFailed, LimitExceeded, run_bounded
from plantrack.charts import format_count, format_percent
from plantrack.issues import Issue, name_vi
from plantrack.plain import file_name, unique_name
from plantrack.plans import Plan
from plantrack.workbook import MAX_COLS, MAX_ROWS, ReadError, parse_ref, read_workbook

ISSUES_SHEET = "Loi"
ERROR_COLOR = "FF9C9C"  # red: must be fixed
WARNING_COLOR = "FFD27F"  # amber: look again
ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOR)
WARNING_FILL = PatternFill("solid", fgColor=WARNING_COLOR)
AUTHOR = "plantrack"
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo"}

# Columns of the issue tables (pages) and of the Loi sheet.
COL_SHEET, COL_CELL, COL_INDICATOR, COL_MESSAGE, COL_CODE = "Trang tính", "Ô", "Chỉ tiêu", "Lỗi và cách sửa", "Mã lỗi"
COL_SEVERITY = "Mức độ"
COL_KIND = "Loại lỗi"  # the code's Vietnamese name (issues.NAMES_VI): what the pages show instead of the code
# Columns of the values table (preview of what will be stored).
COL_IND_CODE, COL_IND_NAME, COL_DEN, COL_NUM, COL_RATIO = "Mã chỉ tiêu", "Chỉ tiêu", "Tổng số", "Số đạt", "Tỷ lệ (%)"
NOT_REPORTED = "Chưa báo cáo"
YES, NO = "Có", "Không"

# openpyxl reads a whole workbook into memory (every cell, every merged range); past these
# sizes the district's file is rebuilt from the bounded values the reader saw instead of
# being loaded as it is. A real return is a few hundred kB of XML and a few dozen merges;
# 7.5 MB of empty cells below the table cost openpyxl 9 s of CPU and 240 MB.
MAX_OPENPYXL_XML_BYTES = 2 * 1024 * 1024
MAX_MERGES = 2000

_FONT = Font(name="Times New Roman", size=12)
_BOLD = Font(name="Times New Roman", size=12, bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


# --- tables for the pages ----------------------------------------------------------------

def indicator_label(code: str | None, plan: Plan | None = None) -> str:
    """``CT01 — Gia đình được cung cấp kiến thức BVTE`` (the code alone without a plan)."""
    if not code:
        return ""
    ind = plan.indicator(code) if plan else None
    return f"{code} — {ind.short_name}" if ind else code


def issue_rows(issues: Iterable[Issue | Mapping], plan: Plan | None = None) -> list[dict]:
    """One row per issue: Trang tính, Ô, Chỉ tiêu, Lỗi và cách sửa, Loại lỗi (in the given order).

    The last column is the code's Vietnamese name, not the code (the officer reads Vietnamese; the
    code stays in exports, JSON and the marked-up workbook's Loi sheet). Accepts Issues or their dicts (``Issue.to_dict``, rows of ``history.receipt_issues``)."""
    rows = []
    for issue in issues:
        get = issue.get if isinstance(issue, Mapping) else lambda k, i=issue: getattr(i, k)
        rows.append({
            COL_SHEET: get("sheet") or "",
            COL_CELL: get("cell") or "",
            COL_INDICATOR: indicator_label(get("indicator"), plan),
            COL_MESSAGE: get("message") or "",
            COL_KIND: name_vi(get("code")),
        })
    return rows


def value_rows(values: Mapping[str, object], plan: Plan | None = None) -> list[dict]:
    """What a return says, one row per indicator of the plan (in the plan's order).

    ``values`` maps an indicator code to a ``checks.Value`` or to a (numerator, denominator)
    pair (``Outcome.values``). Counts and percentages are text in Vietnamese notation; an
    indicator left empty reads "Chưa báo cáo", never 0."""
    codes = list(plan.codes) if plan else []
    codes += [c for c in values if c not in codes]
    rows = []
    for code in codes:
        v = values.get(code)
        if v is None:
            num = den = None
        elif isinstance(v, tuple):
            num, den = v
        else:
            num, den = v.numerator, v.denominator
        ind = plan.indicator(code) if plan else None
        row = {COL_IND_CODE: code, COL_IND_NAME: ind.short_name if ind else ""}
        if num is None or den is None:
            row.update({COL_DEN: "", COL_NUM: NOT_REPORTED, COL_RATIO: ""})
        elif ind is not None and ind.is_yesno:
            row.update({COL_DEN: "", COL_NUM: YES if num else NO, COL_RATIO: ""})
        else:
            row.update({COL_DEN: format_count(den), COL_NUM: format_count(num),
                        COL_RATIO: format_percent(100 * num / den) if den else "—"})
        rows.append(row)
    return rows


# --- the marked-up workbook -------------------------------------------------------------

def annotate_workbook(data: bytes, issues: Sequence[Issue], *, bounded: bool = True, **limits) -> bytes:
    """The district's workbook (``.xlsx`` bytes) with the issues' cells highlighted and commented,
    behind a first sheet ``Loi`` listing every issue.

    Made in a child held to the per-file limits (``limits``: ``cpu_seconds``, ``memory_bytes`` of
    ``run_bounded``); past them, or if making it fails, the workbook holds the ``Loi`` sheet alone."""
    if not bounded:
        return _annotate(data, list(issues))
    try:
        return run_bounded(_annotate, data, list(issues), **limits)
    except (LimitExceeded, ChildFailed):
        return issues_only_workbook(issues)


def issues_only_workbook(issues: Sequence[Issue]) -> bytes:
    """A workbook holding only the ``Loi`` sheet (cheap: the issue list alone, never the file)."""
    wb = Workbook()
    wb.remove(wb.active)
    _issues_sheet(wb, issues, set())
    return _save(wb)


def _annotate(data: bytes, issues: list[Issue]) -> bytes:
    try:
        found = read_workbook(data)  # sniffs the type and refuses bombs before anything loads it whole
    except ReadError:
        wb = Workbook()
        wb.remove(wb.active)
    else:
        wb = None
        small = (_xml_bytes(data) <= MAX_OPENPYXL_XML_BYTES
                 and sum(len(s.merged) for s in found.sheets) <= MAX_MERGES) if found.format in ("xlsx", "xlsm") else False
        if small:
            wb = _load_as_is(data)
        if wb is None:
            wb = _rebuild(found)
    marked = _mark_cells(wb, issues)
    _issues_sheet(wb, issues, marked)
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def annotation_key(data: bytes, issues: Sequence[Issue]) -> str:
    """What an annotated copy depends on: the file's bytes, its issues and plantrack's version."""
    h = hashlib.sha256()
    h.update(hashlib.sha256(data).digest())
    h.update(__version__.encode())
    h.update(json.dumps([i.to_dict() for i in issues], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def annotation_dir(store_path: str | os.PathLike) -> str:
    """Where the annotated copies of a store's files are kept: beside the store (``X.duckdb.annotated``)."""
    return os.fspath(store_path) + ".annotated"


def cached_annotation(cache_dir: str | os.PathLike, data: bytes, issues: Sequence[Issue], **limits) -> bytes:
    """``annotate_workbook`` made once per (file, issues, plantrack version) and kept in ``cache_dir``.

    A copy that fell back to the ``Loi`` sheet alone is kept too: the same file would hit the same
    limits again."""
    path = os.path.join(cache_dir, annotation_key(data, issues) + ".xlsx")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        pass
    out = annotate_workbook(data, issues, **limits)
    try:
        os.makedirs(cache_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(out)
        os.replace(tmp, path)  # whole or not at all, for the other sessions reading it
    except OSError:
        pass  # a read-only disk costs a rebuild next time, not the page
    return out


MARKED_SUFFIX = "-danh-dau-loi.xlsx"


def write_annotated(data: bytes, issues: Sequence[Issue], out_dir: str | os.PathLike, original_name: str,
                    taken: set[str], **limits) -> str:
    """Write the annotated copy of a file into ``out_dir`` as ``<its name>-danh-dau-loi.xlsx``, the name
    cleaned of folders and control characters (``plain.file_name``) and made unique among ``taken``
    (names compared ignoring case; the name used is added). Returns the path written."""
    base = file_name(original_name, default="bao-cao")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    name = unique_name(file_name(stem + MARKED_SUFFIX), taken)
    path = os.path.join(out_dir, name)
    out = annotate_workbook(data, issues, **limits)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(out)
    os.replace(tmp, path)
    return path


def _xml_bytes(data: bytes) -> int:
    """What the workbook's XML inflates to (every member but pictures, which openpyxl drops)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist() if not i.filename.lower().startswith("xl/media/"))


def _load_as_is(data: bytes) -> Workbook | None:
    """The workbook through openpyxl, formulas replaced by their saved values, nothing live kept; or None."""
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True, keep_vba=False, keep_links=False, rich_text=False)
    except Exception:  # a file our reader copes with but openpyxl does not: rebuild it instead
        return None
    wb.template = False  # always saved as a plain .xlsx workbook
    _neutralise(wb)
    return wb


def _neutralise(wb: Workbook) -> None:
    """Drop whatever in an uploaded workbook could run, fetch or link when a planner opens our copy."""
    wb._external_links = []  # external workbooks and DDE links
    wb._pivots = []
    for name in list(wb.defined_names):  # a name can hold any formula, DDE included
        del wb.defined_names[name]
    wb.vba_archive = None
    for ws in wb.worksheets:
        for name in list(ws.defined_names):
            del ws.defined_names[name]
        ws._hyperlinks = []
        ws._charts, ws._images, ws._pivots = [], [], []
        ws._tables.clear()  # calculated columns and totals rows are formulas
        ws.data_validations.dataValidation = []
        ws.conditional_formatting = type(ws.conditional_formatting)()
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, MergedCell):
                    continue
                cell.hyperlink = None
                if cell.data_type == "f":  # data_only leaves none; kept as a guard: a formula is never written back
                    cell.value = None
                elif isinstance(cell.value, str):
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
                    cell.data_type = "s"  # text starting with '=' stays text, never a formula


def _rebuild(found) -> Workbook:
    """A new workbook holding the values the reader saw (as values: nothing becomes a formula)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in found.sheets:
        ws = wb.create_sheet(_safe_title(sheet.name, wb))
        if not sheet.visible:
            ws.sheet_state = "hidden"
        for (row, col), cell in sheet.cells.items():
            value = cell.value
            if value is None and cell.error:
                value = cell.error
            if value is None:
                continue
            target = ws.cell(row, col)
            if isinstance(value, str):
                target.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                target.data_type = "s"  # text starting with '=' stays text, never a formula
            else:
                try:
                    target.value = value
                except (TypeError, ValueError):
                    target.value = str(value)
                    target.data_type = "s"
        for r1, c1, r2, c2 in sheet.merged[:MAX_MERGES]:
            if (r1, c1) != (r2, c2) and r1 <= MAX_ROWS and c1 <= MAX_COLS:
                r2, c2 = min(r2, MAX_ROWS), min(c2, MAX_COLS)
                try:
                    ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
                except ValueError:
                    pass
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    return wb


def _safe_title(name: str, wb: Workbook) -> str:
    title = "".join(ch for ch in (name or "Sheet") if ch not in '[]:*?/\\')[:31] or "Sheet"
    base, n = title, 1
    while title in wb.sheetnames:
        n += 1
        title = f"{base[:28]}_{n}"
    return title


def _target_cell(ws, ref: str):
    """The openpyxl cell at ``ref``; for a cell inside a merged range, the range's top-left cell."""
    row, col = parse_ref(ref)
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def _mark_cells(wb: Workbook, issues: Sequence[Issue]) -> set[int]:
    """Fill and comment every issue's cell; the indexes of the issues marked in the workbook."""
    by_cell: dict[tuple[str, str], list[tuple[int, Issue]]] = {}
    for n, issue in enumerate(issues):
        if issue.sheet and issue.cell and issue.sheet in wb.sheetnames and issue.sheet != ISSUES_SHEET:
            by_cell.setdefault((issue.sheet, issue.cell), []).append((n, issue))
    marked: set[int] = set()
    for (sheet, ref), found in by_cell.items():
        try:
            cell = _target_cell(wb[sheet], ref)
        except ValueError:  # not an A1 address: listed on the Loi sheet only
            continue
        is_error = any(i.is_error for _, i in found)
        cell.fill = ERROR_FILL if is_error else WARNING_FILL
        if any(i.code == "value-not-whole" for _, i in found):
            cell.number_format = "General"  # a "#,##0" format would show 10.5 as 11 and hide the slip
        text = "\n\n".join(f"{SEVERITY_VI.get(i.severity, i.severity)}: {i.message}" for _, i in found)
        if cell.comment is not None and cell.comment.text and cell.comment.author != AUTHOR:
            text = f"{text}\n\n({cell.comment.text})"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 360, min(600, 60 + 18 * (len(text) // 45 + text.count("\n") + 1))
        cell.comment = comment
        marked.update(n for n, _ in found)
    return marked


def _issues_sheet(wb: Workbook, issues: Sequence[Issue], marked: set[int]) -> None:
    """The first sheet: every issue, with a link to its cell; opened first."""
    if ISSUES_SHEET in wb.sheetnames:  # an annotated file sent back: its old list is stale
        wb.remove(wb[ISSUES_SHEET])
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    errors = sum(1 for i in issues if i.is_error)
    warnings = len(issues) - errors
    if errors:
        head = (f"Tệp có {errors} lỗi và {warnings} cảnh báo. Sửa các ô tô đỏ (lỗi), xem lại các ô tô vàng cam "
                "(cảnh báo); di chuột vào ô để đọc ghi chú. Lưu tệp bằng Excel hoặc LibreOffice rồi nộp lại.")
    elif warnings:
        head = f"Tệp có {warnings} cảnh báo (ô tô vàng cam). Báo cáo vẫn được nhận; hãy xem lại các ô này."
    else:
        head = "Không có lỗi hay cảnh báo nào."
    ws.cell(1, 1, "DANH SÁCH LỖI VÀ CẢNH BÁO").font = Font(name="Times New Roman", size=14, bold=True)
    ws.merge_cells("A2:F2")
    ws.cell(2, 1, head).font, ws.cell(2, 1).alignment = _FONT, _WRAP
    ws.row_dimensions[2].height = 36
    header = [COL_SEVERITY, COL_SHEET, COL_CELL, COL_INDICATOR, COL_MESSAGE, COL_CODE]
    for col, title in enumerate(header, start=1):
        c = ws.cell(4, col, title)
        c.font, c.fill = _BOLD, PatternFill("solid", fgColor="DCE6F1")
    for r, (n, issue) in enumerate(enumerate(issues), start=5):
        row = [SEVERITY_VI.get(issue.severity, issue.severity), issue.sheet or "", issue.cell or "",
               issue.indicator or "", issue.message, issue.code]
        for col, value in enumerate(row, start=1):
            c = ws.cell(r, col, value)
            c.data_type = "s"
            c.font, c.alignment = _FONT, _WRAP
        ws.cell(r, 1).fill = ERROR_FILL if issue.is_error else WARNING_FILL
        if n in marked:  # a click jumps to the cell
            where = ws.cell(r, 3)
            quoted = issue.sheet.replace("'", "''")
            where.hyperlink = Hyperlink(ref=where.coordinate, location=f"'{quoted}'!{issue.cell}",
                                        display=issue.cell)
            where.font = Font(name="Times New Roman", size=12, color="0563C1", underline="single")
    for col, width in zip("ABCDEF", (10, 14, 8, 10, 90, 26)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "4:4"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
