"""The province's consolidated report: the Excel file a province sends upward.

One summary sheet (``TongHop``) of the province's status against the plan's targets for the
chosen period, then one sheet per period with data (newest first, up to the chosen one)
with districts as rows and indicators as column groups. Every figure comes from
``measure.province_report`` and is written as a value, never a formula, so the file reads
the same in any viewer without recalculation. Text is Vietnamese; pages print landscape,
fitted to the page width, with the header rows repeated and a signature block.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from plantrack.bounded import run_bounded
from plantrack.charts import COMPLETENESS_LABELS_VI, NO_DATA_TEXT, NOT_REPORTED_TEXT, STATUS_LABELS_VI
from plantrack.measure import periods_with_data, province_report, province_unit, scope_of
from plantrack.plain import text_cell
from plantrack.plans import Period, Plans, load_plans, parse_period, worded_report
from plantrack.store import Store
from plantrack.units import Unit, Units, load_units

SUMMARY_SHEET = "TongHop"
TOTAL_LABEL = "Toàn tỉnh"
PREPARER = "Người lập biểu"
DIRECTOR = "Giám đốc Sở LĐ-TB&XH"  # a former province's report (periods before 1/7/2025)
DIRECTOR_2025 = "Giám đốc Sở Y tế"  # today's provinces: child protection is Sở Y tế's since the reform (units.md)


def director(report: dict) -> str:
    """Who signs the report: Sở Y tế for a province of today or a period on today's map."""
    return DIRECTOR_2025 if "2025" in (report.get("province_map"), report.get("map")) else DIRECTOR
REPORT_TITLE = "BÁO CÁO TỔNG HỢP KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU PHÒNG, CHỐNG BẠO LỰC, XÂM HẠI TRẺ EM"
DETAIL_TITLE = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THEO ĐƠN VỊ CẤP HUYỆN"
DETAIL_TITLE_COMMUNES = "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THEO ĐƠN VỊ CẤP XÃ"  # periods from 1/7/2025
YES, NO = "Có", "Không"

# Number formats: the display follows the reader's locale in Excel (a Vietnamese Windows shows
# 12.345 and 93,04); the [$-42A] (vi-VN) tag makes LibreOffice use Vietnamese separators too.
COUNT_FORMAT = "[$-42A]#,##0"
PERCENT_FORMAT = "[$-42A]0.00"
TARGET_FORMAT = "[$-42A]0"
DISTRICTS_FORMAT = '[$-42A]#,##0" huyện"'
COMMUNES_FORMAT = '[$-42A]#,##0" xã"'  # "xã, phường" would not fit the cell

FONT_NAME = "Times New Roman"
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_MISSING_COLOR = "595959"

_SUMMARY_COLUMNS = [  # (title, width)
    ("STT", 5), ("Mã chỉ tiêu", 8), ("Chỉ tiêu", 46), ("Tổng số", 11), ("Số đạt", 11), ("Tỷ lệ (%)", 9),
    ("Mục tiêu (%)", 9), ("Giá trị cần đạt theo lộ trình (%)", 12), ("Trạng thái", 15), ("Số huyện báo cáo", 10),
]
_DETAIL_FIXED = [("STT", 4), ("Huyện, thị xã, thành phố", 19), ("Nộp báo cáo", 8.5)]
_DETAIL_SUB = [("Tổng số", 7.5), ("Số đạt", 7.5), ("Tỷ lệ (%)", 6.5)]  # counts widen to fit
_YESNO_WIDTH = 9.5
_ROW_HEIGHT = 18


def export_report(store: Store, province_code: "str | Unit", period: str | Period, units: Units | None = None,
                  plans: Plans | None = None, *, today: dt.date | None = None) -> bytes:
    """The consolidated report for a province and period as ``.xlsx`` bytes (see the module doc).

    The figures are read from the store here; the workbook is built and saved in a child held to
    the per-file limits (``plantrack.bounded``), like every other workbook plantrack writes."""
    units = units or load_units()
    with store.session():  # one opening of the store for every period's figures
        figures = _figures(store, province_code, period, units, plans)
    return run_bounded(_save, figures, units, today or dt.date.today())


def build_report(store: Store, province_code: "str | Unit", period: str | Period, units: Units | None = None,
                 plans: Plans | None = None, *, today: dt.date | None = None) -> Workbook:
    """The consolidated report as an openpyxl Workbook."""
    units = units or load_units()
    return _workbook(_figures(store, province_code, period, units, plans), units, today or dt.date.today())


def _figures(store: Store, province_code: str, period: str | Period, units: Units, plans: Plans | None) -> tuple:
    """Everything the report shows, read from the store: (chosen period's report, target year,
    [(period, its report, district -> on time)] newest first)."""
    plans = plans or load_plans()
    chosen = period if isinstance(period, Period) else parse_period(period)
    if chosen is None:
        raise ValueError(f"not a reporting period: {period!r}")
    province = province_unit(units, province_code)  # today's province, or a former one (units.md)
    plan = plans.for_unit(province, units)
    chosen = plan.period(chosen)
    report = worded_report(province_report(store, province, chosen.code, units, plans), plan)
    target_year = max(i.target_year for i in plan.indicators)
    shown = {plan.period(c) for c in periods_with_data(store, province, units)}
    shown = sorted((p for p in shown if p is not None and not chosen < p), reverse=True)
    if chosen not in shown:
        shown.insert(0, chosen)  # the chosen period always gets its sheet, even with no returns
    periods = [(p, report if p == chosen else worded_report(province_report(store, province, p.code, units, plans), plan),
                _submissions(store, province, p.code, units)) for p in shown]
    return report, target_year, periods


def _save(figures: tuple, units: Units, today: dt.date) -> bytes:
    buf = io.BytesIO()
    _workbook(figures, units, today).save(buf)
    return buf.getvalue()


def _workbook(figures: tuple, units: Units, today: dt.date) -> Workbook:
    report, target_year, periods = figures
    wb = Workbook()
    _summary_sheet(wb.active, report, units, today, target_year)
    for p, r, submitted in periods:
        _detail_sheet(wb.create_sheet(sheet_name(p)), r, submitted, units)
    wb.properties.title = f"{REPORT_TITLE} – {report['province']} – {report['period_label']}"
    wb.properties.creator = "plantrack"
    wb.properties.language = "vi-VN"
    return wb


def sheet_name(period: Period) -> str:
    """An Excel-safe sheet name for a period: ``Nam 2023``, ``6T 2023``."""
    return f"6T {period.year}" if period.half else f"Nam {period.year}"


# --- the summary sheet ----------------------------------------------------------------------

def _summary_sheet(ws: Worksheet, report: dict, units: Units, today: dt.date, target_year: int) -> None:
    ws.title = SUMMARY_SHEET
    ncols = len(_SUMMARY_COLUMNS)
    province = units.province(report["province_map"], report["province_code"])
    _letterhead(ws, province.full_name, ncols)
    _line(ws, 4, ncols, REPORT_TITLE, bold=True, size=14, height=36)
    _line(ws, 5, ncols, f"{province.full_name} – Kỳ báo cáo: {report['period_label']}", bold=True, size=13)
    plan = report["plan"]
    _line(ws, 6, ncols, f"(Theo {plan['document']}: {plan['title']})", italic=True, height=32)
    _line(ws, 7, ncols, _completeness_text(report), bold=not _has_data(report))

    head = 9
    for col, (title, width) in enumerate(_SUMMARY_COLUMNS, start=1):
        if title == "Số huyện báo cáo" and report.get("unit_level") == "commune":
            title = "Số xã, phường báo cáo"
        _head(ws.cell(head, col, title))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[head].height = 48

    row = head
    for n, ind in enumerate(report["indicators"], start=1):
        row += 1
        yesno = ind["kind"] == "yesno"
        word = unit_word(report)
        name = ind["name"] + (f" (số {word} có dịch vụ / số {word} báo cáo)" if yesno else "")
        count_format = (COMMUNES_FORMAT if report.get("unit_level") == "commune" else DISTRICTS_FORMAT) if yesno \
            else COUNT_FORMAT
        cells = [
            (n, None, "center"), (ind["code"], None, "center"), (name, None, "left"),
            (ind["denominator"], count_format, "right"), (ind["numerator"], count_format, "right"),
            (ind["value"], PERCENT_FORMAT, "right"), (ind["target"], TARGET_FORMAT, "right"),
            (ind["required"], PERCENT_FORMAT, "right"),
            (STATUS_LABELS_VI.get(ind["status"], ind["status"]), None, "center"),
            (f"{ind['units_reported']}/{ind['units_total']}", None, "center"),
        ]
        for col, (value, fmt, align) in enumerate(cells, start=1):
            missing = value is None
            c = ws.cell(row, col, "—" if missing else value)
            _body(c, align="center" if missing else align, wrap=col == 3)
            if fmt and not missing:
                c.number_format = fmt
        ws.row_dimensions[row].height = 46 if len(name) > 90 else 32

    row += 1
    word = unit_word(report)
    notes = [
        f"Ghi chú: Tỷ lệ của tỉnh = tổng Số đạt ÷ tổng Tổng số của các {word} đã báo cáo (không lấy trung bình "
        f"tỷ lệ của các {word}); {word} chưa báo cáo không được tính, không coi là 0.",
        "Giá trị cần đạt theo lộ trình: điểm trên đường thẳng từ giá trị năm gốc đến mục tiêu 100 % năm "
        f"{target_year}; trạng thái so sánh mức tăng thực tế với mức tăng cần đạt.",
        f"Số liệu tổng hợp từ các báo cáo {word} đã được tiếp nhận đến ngày {today.strftime('%d/%m/%Y')}.",
    ]
    for text in notes:
        row += 1
        _line(ws, row, ncols, text, italic=True, size=11, align="left", height=30)
    end = _signature(ws, row + 2, province.name, left=(1, 3), right=(6, ncols), signer=director(report))

    _print_setup(ws, report, f"{head}:{head}", f"A1:{get_column_letter(ncols)}{end}")
    ws.page_setup.fitToHeight = 1  # a handful of indicators: one page, signature included
    ws.freeze_panes = ws.cell(head + 1, 4)


# --- one sheet per period -------------------------------------------------------------------

def _detail_sheet(ws: Worksheet, report: dict, submitted: dict[str, bool], units: Units) -> None:
    indicators = report["indicators"]
    layout = []  # (indicator, first column, number of columns)
    col = len(_DETAIL_FIXED) + 1
    for ind in indicators:
        span = 1 if ind["kind"] == "yesno" else len(_DETAIL_SUB)
        layout.append((ind, col, span))
        col += span
    ncols = col - 1
    province = units.province(report["province_map"], report["province_code"])

    word = unit_word(report)
    title = DETAIL_TITLE_COMMUNES if report.get("unit_level") == "commune" else DETAIL_TITLE
    _line(ws, 1, ncols, f"{title} – {report['period_label'].upper()}", bold=True, size=14, height=24)
    _line(ws, 2, ncols, f"{province.full_name} – theo {report['plan']['document']} – {_completeness_text(report)}",
          size=12)

    top, sub = 4, 5
    for c, (title, width) in enumerate(_DETAIL_FIXED, start=1):
        if c == 2 and report.get("unit_level") == "commune":
            title = "Xã, phường, đặc khu"  # the reporting units since 1/7/2025
        _head(ws.cell(top, c, title))
        ws.merge_cells(start_row=top, start_column=c, end_row=sub, end_column=c)
        _box_range(ws, top, c, sub, c)
        ws.column_dimensions[get_column_letter(c)].width = width
    for ind, first, span in layout:
        _head(ws.cell(top, first, f"{ind['code']}. {ind['short_name']}"), size=10)
        if span == 1:
            _head(ws.cell(sub, first, f"{YES}/{NO}"), size=10)
            ws.column_dimensions[get_column_letter(first)].width = _YESNO_WIDTH
            continue
        ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=first + span - 1)
        _box_range(ws, top, first, top, first + span - 1)
        for k, (title, width) in enumerate(_DETAIL_SUB):
            _head(ws.cell(sub, first + k, title), size=10)
            ws.column_dimensions[get_column_letter(first + k)].width = max(width, _count_width(ind, k))
    ws.row_dimensions[top].height = 66
    ws.row_dimensions[sub].height = 30

    row = sub
    districts = [u for u in indicators[0]["units"]] if indicators else []
    for n, unit in enumerate(districts):
        row += 1
        code = unit["unit_code"]
        _body(ws.cell(row, 1, n + 1), align="center")
        _body(ws.cell(row, 2, unit["unit"]), wrap=True)
        ws.row_dimensions[row].height = _ROW_HEIGHT
        if code not in submitted:
            _body(ws.cell(row, 3, COMPLETENESS_LABELS_VI["missing"]), align="center", missing=True)
            _merged_note(ws, row, len(_DETAIL_FIXED) + 1, ncols, NOT_REPORTED_TEXT)
            continue
        _body(ws.cell(row, 3, COMPLETENESS_LABELS_VI["on_time" if submitted[code] else "late"]), align="center")
        for ind, first, span in layout:
            u = ind["units"][n]
            if u["numerator"] is None:
                _merged_note(ws, row, first, first + span - 1, NOT_REPORTED_TEXT)
            elif span == 1:
                _body(ws.cell(row, first, YES if u["numerator"] else NO), align="center")
            else:
                _numbers(ws, row, first, u["denominator"], u["numerator"], u["value"])

    row += 1
    comp = report["completeness"]
    _body(ws.cell(row, 1, ""), bold=True, fill=_TOTAL_FILL)
    _body(ws.cell(row, 2, TOTAL_LABEL), bold=True, fill=_TOTAL_FILL)
    _body(ws.cell(row, 3, f"{comp['received']}/{comp['expected']} đã nộp"), bold=True, fill=_TOTAL_FILL,
          align="center", wrap=True)
    for ind, first, span in layout:
        if ind["numerator"] is None:
            _merged_note(ws, row, first, first + span - 1, NO_DATA_TEXT, fill=_TOTAL_FILL)
        elif span == 1:
            _body(ws.cell(row, first, f"{ind['numerator']}/{ind['denominator']} {word}"), align="center",
                  bold=True, fill=_TOTAL_FILL)
        else:
            _numbers(ws, row, first, ind["denominator"], ind["numerator"], ind["value"], bold=True, fill=_TOTAL_FILL)
    ws.row_dimensions[row].height = 30
    total_row = row

    notes = [
        f"Ghi chú: Dòng \"{TOTAL_LABEL}\" = tổng Số đạt ÷ tổng Tổng số của các {word} đã báo cáo; "
        f"{word} \"{NOT_REPORTED_TEXT}\" không được tính vào tổng, không coi là 0.",
        f"Chỉ tiêu dạng {YES}/{NO}: dòng \"{TOTAL_LABEL}\" ghi số {word} trả lời \"{YES}\" / số {word} đã báo cáo.",
    ]
    row = total_row + 1
    for text in notes:
        row += 1
        _line(ws, row, ncols, text, italic=True, size=11, align="left")
    mid = max(len(_DETAIL_FIXED) + 1, ncols - 8)
    end = _signature(ws, row + 2, province.name, left=(1, len(_DETAIL_FIXED) + 2), right=(mid, ncols),
                     signer=director(report))

    _print_setup(ws, report, f"{top}:{sub}", f"A1:{get_column_letter(ncols)}{end}")
    ws.freeze_panes = ws.cell(sub + 1, len(_DETAIL_FIXED) + 1)


def _count_width(ind: dict, k: int) -> float:
    """Width a count column needs for its largest figure (k: 0 Tổng số, 1 Số đạt, 2 Tỷ lệ)."""
    if k == 2:
        return 0
    key = "denominator" if k == 0 else "numerator"
    biggest = max([ind[key] or 0] + [u[key] or 0 for u in ind["units"]])
    digits = len(str(biggest))
    return digits + (digits - 1) // 3 + 2  # digits, thousands dots, padding


def _submissions(store: Store, province: Unit, period: str, units: Units) -> dict[str, bool]:
    """Unit code -> on time, for units with an accepted return (on time if any version was,
    as ``measure.completeness`` counts it)."""
    where, params = scope_of(units, province).where()
    rows = store.rows(f"SELECT district_code, bool_or(on_time) FROM returns r WHERE {where} AND period = ? "
                      "GROUP BY district_code", [*params, period])
    return {d: bool(t) for d, t in rows}


# --- shared pieces --------------------------------------------------------------------------

def _has_data(report: dict) -> bool:
    return report["completeness"]["received"] > 0


def _completeness_text(report: dict) -> str:
    c = report["completeness"]
    if not _has_data(report):
        return f"{NO_DATA_TEXT}: 0/{c['expected']} {unit_word(report)} đã báo cáo kỳ này."
    return f"{c['received']}/{c['expected']} {unit_word(report)} đã báo cáo, {c['on_time']} đúng hạn."


def unit_word(report: dict) -> str:
    """What the reporting units are called in a period: districts before the reform, communes after."""
    return "xã, phường" if report.get("unit_level") == "commune" else "huyện"


def _font(bold: bool = False, italic: bool = False, size: float = 12, color: str | None = None) -> Font:
    return Font(name=FONT_NAME, bold=bold, italic=italic, size=size, color=color)


def _head(cell, size: float = 11) -> None:
    text_cell(cell)
    cell.font = _font(bold=True, size=size)
    cell.fill = _HEAD_FILL
    cell.border = _BOX
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _body(cell, align: str = "left", wrap: bool = False, bold: bool = False, missing: bool = False,
          fill: PatternFill | None = None, size: float = 11) -> None:
    text_cell(cell)  # a name or label starting with '=' is text, never a formula
    cell.font = _font(bold=bold, italic=missing, size=size, color=_MISSING_COLOR if missing else None)
    cell.border = _BOX
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if fill is not None:
        cell.fill = fill


def _numbers(ws: Worksheet, row: int, first: int, denominator: int, numerator: int, value: float | None,
             bold: bool = False, fill: PatternFill | None = None) -> None:
    for k, (v, fmt) in enumerate(((denominator, COUNT_FORMAT), (numerator, COUNT_FORMAT), (value, PERCENT_FORMAT))):
        c = ws.cell(row, first + k, "—" if v is None else v)  # a ratio over a zero Tổng số has no value
        _body(c, align="center" if v is None else "right", bold=bold, fill=fill)
        if v is not None:
            c.number_format = fmt


def _merged_note(ws: Worksheet, row: int, first: int, last: int, text: str, fill: PatternFill | None = None) -> None:
    _body(ws.cell(row, first, text), align="center", missing=True, fill=fill, wrap=first == last)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        _box_range(ws, row, first, row, last, fill)


def _box_range(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, fill: PatternFill | None = None) -> None:
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            ws.cell(r, c).border = _BOX
            if fill is not None:
                ws.cell(r, c).fill = fill


def _line(ws: Worksheet, row: int, ncols: int, text: str, bold: bool = False, italic: bool = False,
          size: float = 12, align: str = "center", height: float | None = None) -> None:
    """One line of text across the whole table width."""
    c = text_cell(ws.cell(row, 1, text))
    c.font = _font(bold=bold, italic=italic, size=size)
    c.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    if height:
        ws.row_dimensions[row].height = height


def _text(ws: Worksheet, row: int, cols: tuple[int, int], text: str, bold: bool = False, italic: bool = False,
          size: float = 12) -> None:
    c = text_cell(ws.cell(row, cols[0], text))
    c.font = _font(bold=bold, italic=italic, size=size)
    c.alignment = Alignment(horizontal="center", vertical="center")
    if cols[1] > cols[0]:
        ws.merge_cells(start_row=row, start_column=cols[0], end_row=row, end_column=cols[1])


def _letterhead(ws: Worksheet, province_full_name: str, ncols: int) -> None:
    """The administrative heading: issuing body on the left, national motto on the right."""
    left, right = (1, 3), (6, ncols)
    _text(ws, 1, left, f"UBND {province_full_name.upper()}", size=12)
    _text(ws, 2, left, "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", bold=True, size=12)
    _text(ws, 1, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _text(ws, 2, right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=12)


def _signature(ws: Worksheet, row: int, place: str, left: tuple[int, int], right: tuple[int, int],
               signer: str = DIRECTOR) -> int:
    """Place and date line, then the preparer's and the director's signature blocks; the last row used."""
    _text(ws, row, right, f"{place}, ngày ….. tháng ….. năm ……", italic=True)
    _text(ws, row + 1, left, PREPARER, bold=True)
    _text(ws, row + 1, right, signer, bold=True)
    _text(ws, row + 2, left, "(Ký, ghi rõ họ tên)", italic=True, size=11)
    _text(ws, row + 2, right, "(Ký tên, đóng dấu)", italic=True, size=11)
    return row + 7  # room to sign


def _print_setup(ws: Worksheet, report: dict, title_rows: str, area: str) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.5
    ws.page_margins.bottom = 0.6
    ws.page_margins.footer = 0.25
    ws.print_title_rows = title_rows
    ws.print_area = area
    # '&' starts a code in headers and footers: keep it out of the text
    ws.oddFooter.left.text = f"{report['province']} – {report['period_label']}"
    ws.oddFooter.right.text = "Trang &P/&N"
    for part in (ws.oddFooter.left, ws.oddFooter.right):
        part.font = f"{FONT_NAME},Italic"
        part.size = 9
