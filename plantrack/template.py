"""The return form a reporting unit downloads: header filled, one row per plan indicator.

A district's form for an old-map period, a commune's (addressed to Sở Y tế) for a period on
today's map (units.md).

Input cells (Tổng số, Số đạt, Ghi chú) are unlocked and validated; everything else is
protected (without a password: protection guards against slips, not people). The form is
an ordinary workbook that the reader reads like any other return.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from plantrack.plain import text_cell
from plantrack.plans import Period, Plan
from plantrack.units import NEW_MAP, Unit

SHEET = "BaoCao"
HEADER_ROW = 10
FIRST_ROW = HEADER_ROW + 1
COLUMNS = ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Tổng số", "Số đạt", "Tỷ lệ (%)", "Ghi chú"]
COL_DEN, COL_NUM, COL_RATIO, COL_NOTE = 5, 6, 7, 8
WIDTHS = [6, 12, 62, 11, 14, 14, 11, 24]

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
_BOLD = Font(name="Times New Roman", bold=True, size=12)
_NORMAL = Font(name="Times New Roman", size=12)


def cell_of(row_index: int, column: int) -> str:
    """A1 address of the template's input cell for the n-th indicator (0-based)."""
    return f"{get_column_letter(column)}{FIRST_ROW + row_index}"


def receiving_office(unit: Unit) -> str:
    """Who receives the return: Sở Y tế since the reform, Sở LĐ-TB&XH before (units.md)."""
    return "Sở Y tế" if unit.map == NEW_MAP else "Sở LĐ-TB&XH"


def _header_texts(plan: Plan, province: Unit, district: Unit, period: Period) -> tuple[str, str, str, str]:
    """The texts of A1, C6, C7 and B9: all that names the unit and its province."""
    return (f"UBND {district.full_name.upper()}", province.full_name, district.full_name,
            f"Gửi {receiving_office(district)} {province.full_name}. Hạn nộp: "
            f"{plan.due_date(period).strftime('%d/%m/%Y')}. Chỉ nhập vào các ô màu vàng.")


def _period_line(plan: Plan, period: Period) -> str:
    """The instructions sheet's A2."""
    return f"Kỳ báo cáo: {period.label}. Hạn nộp: {plan.due_date(period).strftime('%d/%m/%Y')}."


def build_template(plan: Plan, province: Unit, district: Unit, period: Period,
                   values: dict[str, tuple[object, object]] | None = None) -> Workbook:
    """The form as an openpyxl Workbook for ``district`` (a district, or a commune on today's
    map); ``values`` (code -> (Tổng số, Số đạt)) pre-fills it (demo, tests)."""
    commune = district.level == "commune"
    plan = plan.worded_for("2025" if commune else period.map)  # a commune's form names its own level (CT08)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    values = values or {}

    heading, province_text, unit_text, note = _header_texts(plan, province, district, period)
    ws["A1"] = heading
    ws["E1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["E2"] = "Độc lập - Tự do - Hạnh phúc"
    ws.merge_cells("A3:H3")
    ws["A3"] = "BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH HÀNH ĐỘNG PHÒNG, CHỐNG BẠO LỰC, XÂM HẠI TRẺ EM"
    ws.merge_cells("A4:H4")
    ws["A4"] = f"(theo {plan.document}; {plan.title})"
    for row, (label, value) in enumerate([
        ("Tỉnh/Thành phố:", province_text),
        ("Xã/Phường/Đặc khu:" if commune else "Huyện/Thị xã/Thành phố:", unit_text),
        ("Kỳ báo cáo:", period.label),
    ], start=6):
        ws.cell(row, 2, label).font = _BOLD
        text_cell(ws.cell(row, 3, value)).font = _NORMAL
    ws.cell(9, 2, note).font = Font(
        name="Times New Roman", italic=True, size=11)

    for col, title in enumerate(COLUMNS, start=1):
        c = ws.cell(HEADER_ROW, col, title)
        c.font, c.fill, c.border = _BOLD, _HEAD_FILL, _BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[col - 1]

    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="Số không hợp lệ",
                           error="Chỉ nhập số nguyên không âm; để trống nếu chưa có số liệu.")
    yes_no = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Giá trị không hợp lệ", error="Chọn Có hoặc Không.")
    ws.add_data_validation(whole)
    ws.add_data_validation(yes_no)

    for i, ind in enumerate(plan.indicators):
        r = FIRST_ROW + i
        den, num = values.get(ind.code, (None, None))
        row = [i + 1, ind.code, ind.name, ind.unit, den, num, None, None]
        for col, v in enumerate(row, start=1):
            c = text_cell(ws.cell(r, col, v))  # the ratio formula below is the only formula
            c.font, c.border = _NORMAL, _BOX
            c.alignment = Alignment(vertical="center", wrap_text=col == 3)
        ws.cell(r, 3).comment = Comment(f"Số đạt: {ind.numerator}\nTổng số: {ind.denominator}", "plantrack")
        if ind.is_yesno:
            ws.cell(r, COL_DEN).fill = _LOCKED_FILL
            yes_no.add(ws.cell(r, COL_NUM))
            _unlock(ws.cell(r, COL_NUM))
        else:
            whole.add(ws.cell(r, COL_DEN))
            whole.add(ws.cell(r, COL_NUM))
            _unlock(ws.cell(r, COL_DEN))
            _unlock(ws.cell(r, COL_NUM))
            d, n = get_column_letter(COL_DEN), get_column_letter(COL_NUM)
            ws.cell(r, COL_RATIO, f'=IF(AND(ISNUMBER({d}{r}),ISNUMBER({n}{r}),{d}{r}>0),ROUND({n}{r}/{d}{r}*100,2),"")')
            ws.cell(r, COL_RATIO).number_format = "0.00"
        _unlock(ws.cell(r, COL_NOTE))
        for col in (COL_DEN, COL_NUM):
            ws.cell(r, col).number_format = "#,##0"
        ws.row_dimensions[r].height = 48

    end = FIRST_ROW + len(plan.indicators) + 1
    ws.cell(end + 1, 2, "Người lập biểu").font = _BOLD
    ws.cell(end + 1, 6, "Thủ trưởng đơn vị").font = _BOLD
    ws.cell(end + 2, 6, "(Ký tên, đóng dấu)").font = Font(name="Times New Roman", italic=True, size=11)

    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # officers may widen columns

    _instructions(wb.create_sheet("HuongDan"), plan, period, district)
    return wb


def _unlock(cell) -> None:
    cell.protection = Protection(locked=False)
    cell.fill = _INPUT_FILL


def _instructions(ws, plan: Plan, period: Period, unit: Unit) -> None:
    level = "xã, phường" if unit.level == "commune" else "huyện"
    lines = [
        ("HƯỚNG DẪN ĐIỀN BÁO CÁO", True),
        (_period_line(plan, period), False),
        (f"1. Chỉ nhập vào các ô màu vàng ở trang 'BaoCao'; không sửa tên tỉnh, {level}, kỳ báo cáo và mã chỉ tiêu.", False),
        ("2. 'Tổng số' là mẫu số (ví dụ tổng số gia đình có trẻ em); 'Số đạt' là số đã đạt chỉ tiêu.", False),
        ("3. Chỉ ghi số nguyên không âm, không ghi chữ hay đơn vị (ví dụ 1234 hoặc 1.234). Số đạt không được lớn hơn Tổng số.", False),
        ("4. Chưa có số liệu thì để trống cả hai ô — hệ thống tính là 'chưa báo cáo', không phải bằng 0. Nếu thực tế bằng 0 thì ghi 0.", False),
        (f"5. Chỉ tiêu CT08 (dịch vụ bảo vệ trẻ em ở {level}) chọn 'Có' hoặc 'Không' ở cột Số đạt.", False),
        ("6. Cột 'Tỷ lệ (%)' tự tính; không cần nhập.", False),
        (f"7. Lưu tệp (.xlsx) và nộp trên trang 'Nộp báo cáo' của hệ thống, hoặc gửi cho {receiving_office(unit)}.", False),
        ("Kế hoạch: " + plan.document + " — " + plan.title, False),
    ]
    ws.column_dimensions["A"].width = 120
    for i, (text, bold) in enumerate(lines, start=1):
        c = ws.cell(i, 1, text)
        c.font = Font(name="Times New Roman", bold=bold, size=12)
        c.alignment = Alignment(wrap_text=True)
    ws.protection.sheet = True


def template_bytes(*args, **kwargs) -> bytes:
    buf = io.BytesIO()
    build_template(*args, **kwargs).save(buf)
    return buf.getvalue()


# --- many forms at once (the demo) --------------------------------------------------------------

_HEADER_CELLS = ("A1", "C6", "C7", "B9")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed: the same form gives the same bytes


class FormWriter:
    """The form's bytes for many units, fast: the workbook is built with openpyxl once per plan
    and unit level (its styles, validation, comments and instructions sheet), then the
    cells that name the unit, its province and the period, and the input cells, are written into a copy of the
    sheet's XML. The result reads exactly as ``template_bytes``'s (a test compares them)."""

    def __init__(self) -> None:
        self._skeletons: dict[tuple, tuple[dict[str, bytes], str]] = {}

    def form_bytes(self, plan: Plan, province: Unit, district: Unit, period: Period,
                   values: dict[str, tuple[object, object]] | None = None) -> bytes:
        key = (plan.id, plan.document, district.level, district.map)
        if key not in self._skeletons:
            with zipfile.ZipFile(io.BytesIO(template_bytes(plan, province, district, period))) as zf:
                parts = {i.filename: zf.read(i) for i in zf.infolist()}
            rest = io.BytesIO()  # every part but the two sheets, compressed once
            with zipfile.ZipFile(rest, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, body in parts.items():
                    if name not in (_SHEET_PART, _GUIDE_PART):
                        zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), body, compress_type=zipfile.ZIP_DEFLATED)
            self._skeletons[key] = (rest.getvalue(), parts[_SHEET_PART].decode("utf-8"),
                                    parts[_GUIDE_PART].decode("utf-8"))
        rest, sheet, guide = self._skeletons[key]
        cells = dict(zip(_HEADER_CELLS, _header_texts(plan, province, district, period)))
        cells["C8"] = period.label
        values = values or {}
        for i, ind in enumerate(plan.indicators):
            den, num = values.get(ind.code, (None, None))
            cells[cell_of(i, COL_DEN)], cells[cell_of(i, COL_NUM)] = den, num
        sheet = _CELL.sub(lambda m: _cell_xml(m, cells), sheet)
        guide = _CELL.sub(lambda m: _cell_xml(m, {"A2": _period_line(plan, period)}), guide)
        buf = io.BytesIO(rest)
        with zipfile.ZipFile(buf, "a") as zf:
            for name, body in ((_SHEET_PART, sheet), (_GUIDE_PART, guide)):
                zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), body.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        return buf.getvalue()


_SHEET_PART = "xl/worksheets/sheet1.xml"
_GUIDE_PART = "xl/worksheets/sheet2.xml"
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(r'\ss="[0-9]+"')


def _cell_xml(m: re.Match, cells: dict[str, object]) -> str:
    ref = m.group(1)
    if ref not in cells:
        return m.group(0)
    style = _STYLE.search(m.group(2))
    s = style.group(0) if style else ""
    value = cells[ref]
    if value is None:
        return f'<c r="{ref}"{s} t="n" />'
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"{s} t="n"><v>{value}</v></c>'
