"""Every problem found in a return has one shape: Issue(code, severity, sheet, cell, indicator, message).

Codes are the ones in spec/returns.md; each has a Vietnamese message template that says
what is wrong and what to do about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

# code -> (severity, Vietnamese message template). Templates use str.format fields.
TEMPLATES: dict[str, tuple[str, str]] = {
    "file-type": (ERROR, "Tệp không phải bảng tính được chấp nhận ({detail}). Hãy gửi tệp .xlsx, .xlsm, .xls hoặc .ods mở được bằng Excel/LibreOffice."),
    "file-encrypted": (ERROR, "Tệp được đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại."),
    "file-too-large": (ERROR, "Tệp quá lớn hoặc quá nhiều ô để đọc ({detail}); một tệp báo cáo không quá {limit}. Hãy xoá các trang tính, hình ảnh, dòng cột thừa hoặc dùng mẫu báo cáo của hệ thống."),
    "no-table": (ERROR, "Không tìm thấy bảng chỉ tiêu: cần một dòng tiêu đề có cột 'Mã chỉ tiêu' (hoặc 'Chỉ tiêu'), 'Tổng số' và 'Số đạt' trong 30 dòng đầu của trang tính. Hãy dùng mẫu báo cáo tải từ hệ thống."),
    "unit-unknown": (ERROR, "{detail}"),
    "unit-mismatch": (ERROR, "{detail}"),
    "period-invalid": (ERROR, "{detail} Kỳ báo cáo phải ghi như '6 tháng đầu năm 2023' hoặc 'Năm 2023' (từ {first} đến {last})."),
    "indicator-unknown": (WARNING, "Dòng chỉ tiêu '{text}' không có trong kế hoạch nên được bỏ qua. Nếu đây là chỉ tiêu của kế hoạch, hãy ghi đúng mã (CT01…)."),
    "indicator-duplicate": (ERROR, "Chỉ tiêu {indicator} xuất hiện hai lần (lần trước ở ô {first}). Hãy giữ lại một dòng."),
    "value-not-number": (ERROR, "Ô {cell} ({column}) ghi '{text}', không phải là số. {hint}"),
    "value-negative": (ERROR, "Ô {cell} ({column}) là số âm ({text}). Số lượng phải từ 0 trở lên."),
    "value-not-whole": (ERROR, "Ô {cell} ({column}) có phần lẻ ({text}). Số lượng phải là số nguyên, ví dụ 1234 hoặc 1.234."),
    "formula-no-value": (ERROR, "Ô {cell} ({column}) chứa công thức chưa có giá trị đã lưu. Hãy mở tệp bằng Excel hoặc LibreOffice, để bảng tính tự tính rồi lưu lại và gửi lại."),
    "numerator-exceeds-denominator": (ERROR, "Chỉ tiêu {indicator}: Số đạt ({numerator}) lớn hơn Tổng số ({denominator}). Hãy kiểm tra lại hai ô {num_cell} và {den_cell}."),
    "not-reported": (WARNING, "Chỉ tiêu {indicator} chưa có số liệu (để trống hoặc thiếu dòng): được tính là chưa báo cáo, không phải bằng 0."),
    "ratio-mismatch": (WARNING, "Chỉ tiêu {indicator}: Tỷ lệ ghi trên biểu ({given}) khác Số đạt ÷ Tổng số ({computed}). Hệ thống dùng Số đạt và Tổng số; hãy kiểm tra lại."),
    "denominator-jump": (WARNING, "Chỉ tiêu {indicator}: Tổng số thay đổi {change} so với kỳ trước ({previous} → {current}). Hãy kiểm tra lại nếu không có lý do."),
    "late": (WARNING, "Báo cáo nhận ngày {received}, sau hạn nộp {due} của kỳ {period}."),
}


# code -> its short Vietnamese name: what the officer reads in the tables' "Loại lỗi" column and on
# the help page. The code itself stays in exports, JSON and the marked-up workbook.
NAMES_VI: dict[str, str] = {
    "file-type": "Tệp không đúng loại",
    "file-encrypted": "Tệp có mật khẩu",
    "file-too-large": "Tệp quá lớn",
    "no-table": "Không thấy bảng chỉ tiêu",
    "unit-unknown": "Không nhận ra tỉnh, đơn vị",
    "unit-mismatch": "Đơn vị không khớp",
    "period-invalid": "Kỳ báo cáo không hợp lệ",
    "indicator-unknown": "Dòng không có trong kế hoạch",
    "indicator-duplicate": "Chỉ tiêu ghi hai lần",
    "value-not-number": "Ô không phải là số",
    "value-negative": "Số âm",
    "value-not-whole": "Số có phần lẻ",
    "formula-no-value": "Công thức chưa có giá trị",
    "numerator-exceeds-denominator": "Số đạt lớn hơn Tổng số",
    "not-reported": "Chỉ tiêu chưa báo cáo",
    "ratio-mismatch": "Tỷ lệ ghi sai",
    "denominator-jump": "Tổng số thay đổi bất thường",
    "late": "Nộp sau hạn",
}


def name_vi(code: str | None) -> str:
    """The Vietnamese name of an issue code; an unknown code (an old receipt) reads as itself."""
    return NAMES_VI.get(code or "", code or "")


# Variants of a code's message for a case the code covers but its usual wording does not fit:
# name -> (code, template). The code (and so the severity) is the contract's; only the words differ.
VARIANTS: dict[str, tuple[str, str]] = {
    "no-table-several-returns": ("no-table", "Tệp có nhiều báo cáo khác nhau trên các trang tính đang hiển thị ({sheets}), nên không biết đâu là báo cáo cần nộp. Hãy giữ lại một trang tính báo cáo (xoá hoặc ẩn các trang còn lại) rồi gửi lại."),
    "hidden-table": ("indicator-unknown", "Bảng chỉ tiêu ở {where} bị ẩn nên không được đọc (chỉ đọc bảng đang hiển thị). Nếu đó là số liệu cần báo cáo, hãy bỏ ẩn và xoá bảng cũ."),
    "letterhead-other-unit": ("indicator-unknown", "Tiêu đề '{letterhead}' ghi đơn vị {letterhead_unit}, khác với đơn vị báo cáo ghi ở ô {label_cell}: {label_unit}. Hệ thống lấy {label_unit}; hãy kiểm tra lại nếu nhầm."),
}


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    indicator: str | None
    message: str

    def to_dict(self) -> dict:
        out = asdict(self)
        del out["severity"]
        return out

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str:
        """`BaoCao!F12`, or the sheet alone, or ''."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell or ""


class _Blank(dict):
    def __missing__(self, key):  # a template field nobody filled reads as empty, never crashes
        return ""


def make_issue(code: str, *, sheet: str | None = None, cell: str | None = None,
               indicator: str | None = None, variant: str | None = None, **fields) -> Issue:
    """Build an Issue from its code's template (or a named variant of it); fields fill the template."""
    severity, template = TEMPLATES[code]
    if variant is not None:
        variant_code, template = VARIANTS[variant]
        if variant_code != code:
            raise ValueError(f"variant {variant} belongs to {variant_code}, not {code}")
    fields = {"cell": cell or "", "indicator": indicator or "", **fields}
    message = template.format_map(_Blank(fields)).replace("  ", " ").strip()
    return Issue(code, severity, sheet, cell, indicator, message)
