"""The province's consolidated report (plantrack.export): built from real returns loaded
through the template and the reader, then read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from plantrack.export import (
    DIRECTOR,
    PREPARER,
    SUMMARY_SHEET,
    TOTAL_LABEL,
    export_report,
    sheet_name,
)
from plantrack.ingest import ingest_bytes
from plantrack.plans import Period, load_plans
from plantrack.store import Store
from plantrack.template import template_bytes
from plantrack.units import load_units

PROVINCE = "93"  # Hậu Giang: 8 districts
VI_THANH, CHAU_THANH, PHUNG_HIEP = "930", "933", "934"

H1 = {  # 6 tháng đầu năm 2023: three districts, all on time
    VI_THANH: {"CT01": (1000, 900), "CT02": (5000, 4500), "CT03": (50, 40), "CT04": (30, 25), "CT05": (12, 10),
               "CT06": (8, 6), "CT07": (10, 9), "CT08": (None, "Có")},
    CHAU_THANH: {"CT01": (2000, 1500), "CT02": (8000, 6000), "CT03": (60, 30), "CT04": (40, 20), "CT05": (15, 9),
                 "CT06": (10, 5), "CT07": (6, 4), "CT08": (None, "Không")},
    PHUNG_HIEP: {"CT01": (1500, 1200), "CT02": (9000, 8100), "CT03": (70, 56), "CT04": (45, 40), "CT05": (16, 12),
                 "CT06": (9, 9), "CT07": (4, 4), "CT08": (None, "Có")},
}
ANNUAL = {  # năm 2023: Phụng Hiệp does not report; Châu Thành is late and leaves CT07 empty
    VI_THANH: {"CT01": (1010, 950), "CT02": (5100, 4900), "CT03": (52, 48), "CT04": (30, 28), "CT05": (12, 11),
               "CT06": (8, 7), "CT07": (12, 12), "CT08": (None, "Có")},
    CHAU_THANH: {"CT01": (2020, 1800), "CT02": (8100, 7000), "CT03": (61, 45), "CT04": (40, 30), "CT05": (15, 12),
                 "CT06": (10, 8), "CT07": (None, None), "CT08": (None, "Không")},
}
RECEIVED = {("2023H1", VI_THANH): dt.datetime(2023, 5, 10), ("2023H1", CHAU_THANH): dt.datetime(2023, 5, 14),
            ("2023H1", PHUNG_HIEP): dt.datetime(2023, 5, 12), ("2023", VI_THANH): dt.datetime(2023, 11, 20),
            ("2023", CHAU_THANH): dt.datetime(2023, 12, 5)}


@pytest.fixture(scope="module")
def units():
    return load_units()


@pytest.fixture(scope="module")
def plans():
    return load_plans()


@pytest.fixture(scope="module")
def store(tmp_path_factory, units, plans):
    s = Store(tmp_path_factory.mktemp("export") / "t.duckdb")
    plan = plans.for_province(PROVINCE)
    for period, returns in ((Period(2023, True), H1), (Period(2023, False), ANNUAL)):
        for code, values in returns.items():
            data = template_bytes(plan, units.provinces[PROVINCE], units.districts[code], period, values=values)
            out = ingest_bytes(s, data, f"{code}-{period.code}.xlsx", received=RECEIVED[(period.code, code)],
                               units=units, plans=plans)
            assert out.status == "accepted", [e.message for e in out.errors]
    return s


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))  # values as written: the file carries no formulas to evaluate


@pytest.fixture(scope="module")
def annual(store, units, plans):
    return _open(export_report(store, PROVINCE, "2023", units, plans, today=dt.date(2024, 1, 15)))


def _row_of(ws, column: int, text: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, column).value == text:
            return row
    raise AssertionError(f"{text!r} not in column {column} of {ws.title}")


def _texts(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def _summary_row(ws, code: str) -> dict:
    header = _row_of(ws, 2, "Mã chỉ tiêu")
    titles = [ws.cell(header, c).value for c in range(1, ws.max_column + 1)]
    row = _row_of(ws, 2, code)
    return {t: ws.cell(row, c).value for c, t in enumerate(titles, start=1) if t}


def _group_columns(ws, code: str) -> int:
    """First column of an indicator's group in a period sheet (header row 4)."""
    for c in range(1, ws.max_column + 1):
        v = ws.cell(4, c).value
        if isinstance(v, str) and v.startswith(code + "."):
            return c
    raise AssertionError(f"no column group for {code} in {ws.title}")


# --- sheets ---------------------------------------------------------------------------------

def test_sheet_names_summary_then_periods_with_data_newest_first(annual):
    assert annual.sheetnames == [SUMMARY_SHEET, "Nam 2023", "6T 2023"]
    for name in annual.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_periods_after_the_chosen_one_are_left_out(store, units, plans):
    wb = _open(export_report(store, PROVINCE, "2023H1", units, plans))
    assert wb.sheetnames == [SUMMARY_SHEET, "6T 2023"]


def test_sheet_name():
    assert sheet_name(Period(2023, False)) == "Nam 2023"
    assert sheet_name(Period(2024, True)) == "6T 2024"


# --- the summary sheet ----------------------------------------------------------------------

def test_summary_percentage_is_ratio_of_sums(annual):
    ws = annual[SUMMARY_SHEET]
    ct01 = _summary_row(ws, "CT01")
    num = ANNUAL[VI_THANH]["CT01"][1] + ANNUAL[CHAU_THANH]["CT01"][1]
    den = ANNUAL[VI_THANH]["CT01"][0] + ANNUAL[CHAU_THANH]["CT01"][0]
    assert (ct01["Số đạt"], ct01["Tổng số"]) == (num, den) == (2750, 3030)
    assert ct01["Tỷ lệ (%)"] == pytest.approx(round(num / den * 100, 2)) == pytest.approx(90.76)
    # not the mean of the district percentages (94.06 and 89.11)
    assert ct01["Tỷ lệ (%)"] != pytest.approx(round((950 / 1010 + 1800 / 2020) / 2 * 100, 2))
    assert ct01["Mục tiêu (%)"] == 100
    assert ct01["Số huyện báo cáo"] == "2/8"
    assert ct01["Trạng thái"] in {"Đúng tiến độ", "Cần đẩy nhanh", "Tiến triển hạn chế", "Đi xuống", "Đã đạt", "Năm gốc"}


def test_summary_numbers_are_numbers_with_formats(annual):
    ws = annual[SUMMARY_SHEET]
    row = _row_of(ws, 2, "CT01")
    header = _row_of(ws, 2, "Mã chỉ tiêu")
    formats = {}
    for col in range(4, 8):
        title = ws.cell(header, col).value
        cell = ws.cell(row, col)
        assert isinstance(cell.value, (int, float)), title
        assert cell.data_type == "n"
        formats[title] = cell.number_format
    assert formats["Tổng số"].endswith("#,##0") and formats["Số đạt"].endswith("#,##0")
    assert formats["Tỷ lệ (%)"].endswith("0.00")


def test_summary_header_and_completeness(annual):
    text = _texts(annual[SUMMARY_SHEET])
    assert "BÁO CÁO TỔNG HỢP" in text
    assert "Tỉnh Hậu Giang" in text and "Năm 2023" in text
    assert "Kế hoạch 1960/KH-UBND" in text
    assert "2/8 huyện đã báo cáo, 1 đúng hạn" in text
    assert PREPARER in text and DIRECTOR in text
    assert "Hậu Giang, ngày" in text and "tháng" in text and "năm" in text
    assert "15/01/2024" in text


def test_summary_yes_no_indicator(annual):
    ct08 = _summary_row(annual[SUMMARY_SHEET], "CT08")
    assert (ct08["Số đạt"], ct08["Tổng số"]) == (1, 2)  # Vị Thanh "Có", Châu Thành "Không"
    assert ct08["Tỷ lệ (%)"] == pytest.approx(50.0)
    assert ct08["Số huyện báo cáo"] == "2/8"


def test_summary_indicator_reported_by_one_district(annual):
    ct07 = _summary_row(annual[SUMMARY_SHEET], "CT07")
    assert (ct07["Số đạt"], ct07["Tổng số"], ct07["Số huyện báo cáo"]) == (12, 12, "1/8")
    assert ct07["Trạng thái"] == "Đã đạt"


def test_summary_has_no_formulas(annual):
    for ws in annual.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value.startswith("=")), (ws.title, c.coordinate)


# --- a period sheet -------------------------------------------------------------------------

def test_period_sheet_lists_every_district_and_marks_the_missing(annual, units):
    ws = annual["Nam 2023"]
    names = [d.full_name for d in units.districts_of(PROVINCE)]
    rows = {name: _row_of(ws, 2, name) for name in names}
    assert list(rows.values()) == sorted(rows.values())  # in code order
    missing = rows[units.districts[PHUNG_HIEP].full_name]
    assert ws.cell(missing, 3).value == "Chưa nộp"
    first = _group_columns(ws, "CT01")
    assert ws.cell(missing, first).value == "Chưa báo cáo"
    for c in range(first, ws.max_column + 1):  # nothing else: no zero anywhere on the row
        assert ws.cell(missing, c).value in (None, "Chưa báo cáo")
    assert ws.cell(rows[units.districts[VI_THANH].full_name], 3).value == "Đúng hạn"
    assert ws.cell(rows[units.districts[CHAU_THANH].full_name], 3).value == "Trễ hạn"


def test_period_sheet_district_values(annual, units):
    ws = annual["Nam 2023"]
    row = _row_of(ws, 2, units.districts[CHAU_THANH].full_name)
    c = _group_columns(ws, "CT01")
    assert [ws.cell(5, c + k).value for k in range(3)] == ["Tổng số", "Số đạt", "Tỷ lệ (%)"]
    assert ws.cell(row, c).value == 2020
    assert ws.cell(row, c + 1).value == 1800
    assert ws.cell(row, c + 2).value == pytest.approx(89.11)
    assert ws.cell(row, c + 2).number_format.endswith("0.00")
    # an indicator left empty on a return that came in is "not reported", not zero
    assert ws.cell(row, _group_columns(ws, "CT07")).value == "Chưa báo cáo"


def test_period_sheet_totals_row(annual):
    ws = annual["Nam 2023"]
    total = _row_of(ws, 2, TOTAL_LABEL)
    c = _group_columns(ws, "CT01")
    assert ws.cell(total, c).value == 1010 + 2020
    assert ws.cell(total, c + 1).value == 950 + 1800
    assert ws.cell(total, c + 2).value == pytest.approx(round(2750 / 3030 * 100, 2))
    c2 = _group_columns(ws, "CT02")
    assert (ws.cell(total, c2).value, ws.cell(total, c2 + 1).value) == (5100 + 8100, 4900 + 7000)
    assert ws.cell(total, c2 + 2).value == pytest.approx(round(11900 / 13200 * 100, 2))
    c7 = _group_columns(ws, "CT07")  # only Vị Thanh reported it
    assert (ws.cell(total, c7).value, ws.cell(total, c7 + 1).value) == (12, 12)
    assert ws.cell(total, 3).value == "2/8 đã nộp"
    for col in (c, c + 1, c + 2):
        assert ws.cell(total, col).data_type == "n"


def test_period_sheet_yes_no_column(annual, units):
    ws = annual["Nam 2023"]
    c = _group_columns(ws, "CT08")
    assert ws.cell(5, c).value == "Có/Không"
    assert ws.cell(_row_of(ws, 2, units.districts[VI_THANH].full_name), c).value == "Có"
    assert ws.cell(_row_of(ws, 2, units.districts[CHAU_THANH].full_name), c).value == "Không"
    assert ws.cell(_row_of(ws, 2, units.districts[PHUNG_HIEP].full_name), c).value in (None, "Chưa báo cáo")
    assert ws.cell(_row_of(ws, 2, TOTAL_LABEL), c).value == "1/2 huyện"


def test_earlier_period_sheet_has_its_own_figures(annual, units):
    ws = annual["6T 2023"]
    row = _row_of(ws, 2, units.districts[PHUNG_HIEP].full_name)
    c = _group_columns(ws, "CT01")
    assert (ws.cell(row, c).value, ws.cell(row, c + 1).value) == (1500, 1200)
    total = _row_of(ws, 2, TOTAL_LABEL)
    assert (ws.cell(total, c).value, ws.cell(total, c + 1).value) == (4500, 3600)
    assert ws.cell(total, c + 2).value == pytest.approx(80.0)
    assert ws.cell(total, _group_columns(ws, "CT08")).value == "2/3 huyện"
    assert "3/8 huyện đã báo cáo, 3 đúng hạn" in _texts(ws)


# --- printing -------------------------------------------------------------------------------

def test_print_setup(annual):
    for ws in annual.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows
        assert ws.freeze_panes
        assert ws.print_area
        assert "&P" in ws.oddFooter.right.text
        assert ws.cell(1, 1).font.name == "Times New Roman"
    ws = annual["Nam 2023"]
    assert ws.print_title_rows == "$4:$5"
    assert ws.column_dimensions["B"].width >= 15


def test_vietnamese_text_is_unicode_nfc(annual):
    import unicodedata

    text = _texts(annual[SUMMARY_SHEET]) + _texts(annual["Nam 2023"])
    assert unicodedata.normalize("NFC", text) == text
    for word in ("Chưa báo cáo", "Toàn tỉnh", "Gia đình có trẻ em", "Trạng thái", "Cộng hòa xã hội chủ nghĩa".upper()):
        assert word in text


# --- no data --------------------------------------------------------------------------------

def test_empty_store_gives_a_valid_file_saying_no_data(tmp_path, units, plans):
    data = export_report(Store(tmp_path / "empty.duckdb"), PROVINCE, "2024", units, plans)
    wb = _open(data)
    assert wb.sheetnames == [SUMMARY_SHEET, "Nam 2024"]
    summary = _texts(wb[SUMMARY_SHEET])
    assert "Chưa có số liệu" in summary
    assert "0/8 huyện đã báo cáo" in summary
    ct01 = _summary_row(wb[SUMMARY_SHEET], "CT01")
    assert ct01["Trạng thái"] == "Chưa có số liệu"
    assert ct01["Tỷ lệ (%)"] in (None, "—") and ct01["Số đạt"] in (None, "—")
    ws = wb["Nam 2024"]
    for d in units.districts_of(PROVINCE):
        row = _row_of(ws, 2, d.full_name)
        assert (ws.cell(row, 3).value, ws.cell(row, 4).value) == ("Chưa nộp", "Chưa báo cáo")
    total = _row_of(ws, 2, TOTAL_LABEL)
    assert ws.cell(total, _group_columns(ws, "CT01")).value == "Chưa có số liệu"
    numbers = [c.value for row in ws.iter_rows(min_row=6, min_col=4) for c in row if isinstance(c.value, (int, float))]
    assert numbers == []


def test_period_with_no_returns_in_a_store_with_others(store, units, plans):
    wb = _open(export_report(store, PROVINCE, "2024H1", units, plans))
    assert wb.sheetnames == [SUMMARY_SHEET, "6T 2024", "Nam 2023", "6T 2023"]
    assert "Chưa có số liệu" in _texts(wb[SUMMARY_SHEET])


def test_plan_with_an_extra_indicator(tmp_path, units, plans):
    """Hải Phòng's plan adds CT09: it gets its own summary row and column group."""
    wb = _open(export_report(Store(tmp_path / "hp.duckdb"), "31", "2023", units, plans))
    assert _summary_row(wb[SUMMARY_SHEET], "CT09")["Mã chỉ tiêu"] == "CT09"
    assert _group_columns(wb["Nam 2023"], "CT09")


def test_bad_period_is_refused(tmp_path, units, plans):
    with pytest.raises(ValueError):
        export_report(Store(tmp_path / "x.duckdb"), PROVINCE, "not a period", units, plans)
