"""The help page's content (Hướng dẫn), in Vietnamese, made from the engine's own vocabularies so it
cannot drift from what the checks do: the accepted formats (ingest.SPREADSHEET_SUFFIXES), the size
limit (workbook.MAX_FILE_BYTES), every check with its Vietnamese name and message template
(issues.NAMES_VI, issues.TEMPLATES) and the plan's yes/no indicators.

Pure functions, no streamlit: pages/help.py draws what these return.
"""

from __future__ import annotations

import re

from plantrack.annotate import SEVERITY_VI
from plantrack.ingest import SPREADSHEET_SUFFIXES
from plantrack.issues import ERROR, NAMES_VI, TEMPLATES
from plantrack.plans import Plan
from plantrack.workbook import MAX_FILE_BYTES

FORMATS_VI = {
    ".xlsx": "Excel (.xlsx)",
    ".xlsm": "Excel có macro (.xlsm; macro không bao giờ được chạy)",
    ".xls": "Excel 97–2003 (.xls), cả Excel 5.0/95",
    ".ods": "LibreOffice/OpenOffice Calc (.ods)",
    ".xml": "Bảng tính XML 2003 — SpreadsheetML (.xml)",
}

# What the check looks at, for the codes whose message is all detail (the detail names the units)
DETAIL_HINTS_VI = {
    "unit-unknown": "Tên tỉnh hoặc đơn vị (xã, phường; huyện cũ) ghi trong tệp không khớp với đơn vị nào (hoặc khớp với nhiều đơn vị); "
                    "thông báo nêu các tên gần đúng. Hãy ghi đúng tên đơn vị như trong mẫu báo cáo.",
    "unit-mismatch": "Đơn vị ghi trong tệp không thuộc tỉnh ghi trong tệp, hoặc không phải đơn vị mà tài khoản được "
                     "nộp. Hãy chọn đúng tệp hoặc sửa tên đơn vị.",
}

SEVERITY_MEANING_VI = {
    ERROR: "Lỗi — tệp bị từ chối, không số liệu nào được lưu",
    "warning": "Cảnh báo — báo cáo vẫn được nhận, hãy xem lại",
}

HOTLINE = "111"
RECEIVING_OFFICE_CHANGE = "1/7/2025"


def _blank_fields(template: str) -> str:
    """A message template as a general sentence: each field becomes "…"."""
    text = re.sub(r"'?\{[a-z_]+\}'?", "…", template)
    text = re.sub(r"\(\s*…\s*\)", "", text)
    text = re.sub(r"\s{2,}", " ", text)
    return re.sub(r" ([.;,:])(?=\s|$)", r"\1", text).strip()


def check_rows() -> list[dict]:
    """Every check of a return: its Vietnamese name, whether it refuses the file, what it says to do.
    Errors first, then warnings, each in the contract's order."""
    rows = []
    for code in sorted(TEMPLATES, key=lambda c: TEMPLATES[c][0] != ERROR):
        severity, template = TEMPLATES[code]
        rows.append({
            "Loại lỗi": NAMES_VI[code],
            "Mức độ": SEVERITY_VI[severity],
            "Ý nghĩa và cách sửa": DETAIL_HINTS_VI.get(code) or _blank_fields(template),
        })
    return rows


def formats_text() -> str:
    names = [FORMATS_VI.get(s, s) for s in sorted(SPREADSHEET_SUFFIXES, key=list(FORMATS_VI).index)]
    return "; ".join(names)


def filling_text(plan: Plan) -> str:
    """How to fill in a return, as Markdown (the plan's own yes/no indicators named)."""
    yesno = [i for i in plan.indicators if i.is_yesno]
    yesno_names = ", ".join(f"**{i.code}** ({i.short_name})" for i in yesno) or "chỉ tiêu có/không"
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return "\n".join([
        "1. Vào trang **Nộp báo cáo**, chọn đơn vị và kỳ báo cáo rồi bấm **Tải mẫu báo cáo (.xlsx)**. Mẫu đã "
        "ghi sẵn tên tỉnh, đơn vị (xã, phường; các kỳ đến 30/6/2025: huyện) và kỳ báo cáo.",
        "2. Chỉ nhập vào **các ô màu vàng**: cột **Tổng số** (mẫu số) và cột **Số đạt** (tử số) của từng chỉ tiêu. "
        "Số lượng là số nguyên không âm, gõ như `1234` hoặc `1.234`; cột Tỷ lệ (%) tự tính, không cần sửa.",
        "3. **Chưa có số liệu thì để trống cả hai ô** — hệ thống ghi là *chưa báo cáo* (một cảnh báo), không tính "
        "là 0. Chỉ ghi **0** khi kết quả thật sự bằng 0.",
        f"4. {yesno_names}: trả lời ở cột **Số đạt** bằng **Có** hoặc **Không** (cũng nhận `x` = Có, `1`/`0`); "
        "để trống cột Tổng số (hoặc ghi 1). Để trống Số đạt là chưa báo cáo.",
        "5. Lưu tệp rồi tải lên ở bước 2 của trang **Nộp báo cáo**. Tệp được kiểm tra ngay: nếu có lỗi, mỗi lỗi "
        "ghi rõ trang tính, ô và cách sửa, và có thể tải **tệp đã đánh dấu lỗi** (ô lỗi tô đỏ, ô cảnh báo tô vàng "
        "cam). Sửa xong thì tải lên lại; mỗi lần nộp lại là một phiên bản mới, phiên bản mới nhất được dùng.",
        "",
        f"**Định dạng tệp được nhận** (tối đa {limit} MB mỗi tệp): {formats_text()}. Tệp có mật khẩu, tệp CSV, "
        "Word hay PDF không được nhận. Nếu dùng mẫu cũ, bảng chỉ tiêu phải có cột *Mã chỉ tiêu*, *Tổng số* và "
        "*Số đạt* trong 30 dòng đầu của trang tính.",
    ])


def contacts_text() -> str:
    return "\n".join([
        f"- **Tổng đài quốc gia bảo vệ trẻ em {HOTLINE}** (miễn phí, 24/7): báo tin trẻ em bị bạo lực, xâm hại "
        "hoặc có nguy cơ — theo các kế hoạch phòng, chống bạo lực, xâm hại trẻ em.",
        f"- **Nơi nhận báo cáo của tỉnh**: **Sở Y tế** từ ngày {RECEIVING_OFFICE_CHANGE} (công tác trẻ em chuyển "
        "sang ngành y tế); các kỳ trước đó là **Sở Lao động – Thương binh và Xã hội**.",
        "- **Tài khoản, mật khẩu, lỗi hệ thống**: người quản trị hệ thống của tỉnh.",
    ])
