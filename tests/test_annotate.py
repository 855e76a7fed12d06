"""The marked-up workbook a refused district downloads (plantrack.annotate), and the tables the
upload page draws from a checked return."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from plantrack.annotate import (
    COL_CELL, COL_CODE, COL_INDICATOR, COL_KIND, COL_MESSAGE, COL_NUM, COL_RATIO, ERROR_COLOR, ISSUES_SHEET, NOT_REPORTED,
    WARNING_COLOR, annotate_workbook, issue_rows, value_rows,
)
from plantrack.ingest import check_bytes
from plantrack.issues import make_issue
from plantrack.plans import load_plans
from tests.helpers import full_values, make_return

BAD = {"CT01": (100, 120), "CT02": (50, "abc"), "CT03": (10, -1), "CT04": (10.5, 3)}


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rgb(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].upper()


@pytest.fixture(scope="module")
def bad():
    data = make_return("933", "2023", {**full_values("933"), **BAD})
    checked = check_bytes(data)
    assert checked.errors, "the fixture must be refused"
    return data, checked


def test_error_cell_is_red_with_the_message_as_comment(bad):
    data, checked = bad
    wb = _open(annotate_workbook(data, checked.issues))
    for issue in checked.errors:
        cell = wb[issue.sheet][issue.cell]
        assert _rgb(cell) == ERROR_COLOR, issue
        assert cell.comment is not None and issue.message in cell.comment.text


def test_warning_cell_is_amber():
    values = full_values("933")
    values["CT05"] = (None, None)  # left empty: not-reported warning
    data = make_return("933", "2023", values)
    checked = check_bytes(data)
    warning = next(i for i in checked.warnings if i.code == "not-reported")
    wb = _open(annotate_workbook(data, checked.issues))
    cell = wb[warning.sheet][warning.cell]
    assert _rgb(cell) == WARNING_COLOR
    assert warning.message in cell.comment.text


def test_first_sheet_lists_every_issue_including_those_without_a_cell(bad):
    data, checked = bad
    floating = make_issue("late", received="05/12/2023", due="30/11/2023", period="2023")
    issues = [*checked.issues, floating]
    wb = _open(annotate_workbook(data, issues))
    assert wb.sheetnames[0] == ISSUES_SHEET
    assert wb.active.title == ISSUES_SHEET
    listed = [row for row in wb[ISSUES_SHEET].iter_rows(min_row=5, values_only=True) if any(row)]
    assert len(listed) == len(issues)
    assert any(floating.message in row for row in listed)
    codes_cells = {(row[5], row[2] or "") for row in listed}
    assert {(i.code, i.cell or "") for i in issues} <= codes_cells


def test_annotated_file_reads_back_the_same_and_is_accepted_once_fixed(bad):
    """The officer fixes the red cells in the marked-up file and sends it back."""
    data, checked = bad
    annotated = annotate_workbook(data, checked.issues)
    again = check_bytes(annotated)
    assert [(i.code, i.sheet, i.cell) for i in again.issues] == [(i.code, i.sheet, i.cell) for i in checked.issues]

    wb = _open(annotated)
    ws = wb["BaoCao"]
    good = full_values("933")
    for issue in checked.errors:
        row = ws[issue.cell].row
        code = ws.cell(row, 2).value
        ws.cell(row, 5).value, ws.cell(row, 6).value = good[code]
    buf = io.BytesIO()
    wb.save(buf)
    fixed = check_bytes(buf.getvalue())
    assert fixed.errors == []


def test_xlsm_comes_back_as_plain_xlsx_without_macros(bad):
    data, checked = bad
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a macro project")
    out_bytes = annotate_workbook(buf.getvalue(), checked.issues)
    names = zipfile.ZipFile(io.BytesIO(out_bytes)).namelist()
    assert "xl/vbaProject.bin" not in names
    types = zipfile.ZipFile(io.BytesIO(out_bytes)).read("[Content_Types].xml").decode()
    assert "macroEnabled" not in types


def test_unreadable_file_gives_only_the_issues_sheet():
    checked = check_bytes(b"%PDF-1.4 this is not a workbook")
    assert [i.code for i in checked.errors] == ["file-type"]
    wb = _open(annotate_workbook(b"%PDF-1.4 this is not a workbook", checked.issues))
    assert wb.sheetnames == [ISSUES_SHEET]
    text = " ".join(str(v) for row in wb[ISSUES_SHEET].iter_rows(values_only=True) for v in row if v)
    assert checked.errors[0].message in text


def test_reannotating_replaces_the_old_issues_sheet(bad):
    data, checked = bad
    twice = annotate_workbook(annotate_workbook(data, checked.issues), checked.issues[:1])
    wb = _open(twice)
    assert wb.sheetnames.count(ISSUES_SHEET) == 1 and wb.sheetnames[0] == ISSUES_SHEET
    listed = [row for row in wb[ISSUES_SHEET].iter_rows(min_row=5, values_only=True) if any(row)]
    assert len(listed) == 1


def test_cell_inside_a_merged_range_marks_its_top_left_cell(bad):
    data, _ = bad
    issue = make_issue("period-invalid", sheet="BaoCao", cell="D3", detail="Kỳ báo cáo không rõ.", first=2020, last=2025)
    wb = _open(annotate_workbook(data, [issue]))  # A3:H3 is merged in the template
    assert _rgb(wb["BaoCao"]["A3"]) == ERROR_COLOR
    assert issue.message in wb["BaoCao"]["A3"].comment.text


def _ods(rows: list[list[object]], sheet: str = "BaoCao") -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice saves), built by hand."""
    def cell(v):
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_ods_is_rebuilt_as_xlsx_with_the_same_cells_marked():
    rows = [
        ["Tỉnh:", "Hậu Giang"],
        ["Huyện:", "Châu Thành"],
        ["Kỳ báo cáo:", "Năm 2023"],
        [],
        ["Mã chỉ tiêu", "Tổng số", "Số đạt"],
        ["CT01", 100, 150],
        ["CT02", 200, "=1+1"],  # text that looks like a formula must stay text
    ]
    data = _ods(rows)
    checked = check_bytes(data)
    err = next(i for i in checked.errors if i.code == "numerator-exceeds-denominator")
    wb = _open(annotate_workbook(data, checked.issues))
    assert wb.sheetnames == [ISSUES_SHEET, "BaoCao"]
    ws = wb["BaoCao"]
    assert ws["B2"].value == "Châu Thành" and ws["B6"].value == 100
    assert ws["C7"].data_type == "s" and ws["C7"].value == "=1+1"
    assert _rgb(ws[err.cell]) == ERROR_COLOR and err.message in ws[err.cell].comment.text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is needed to make an .xls")
def test_xls_is_rebuilt_as_xlsx_with_the_same_cells_marked(bad, tmp_path: Path):
    data, _ = bad
    src = tmp_path / "bao-cao.xlsx"
    src.write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "xls", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=120)
    xls = (tmp_path / "bao-cao.xls").read_bytes()
    checked = check_bytes(xls)
    assert checked.errors
    wb = _open(annotate_workbook(xls, checked.issues))
    for issue in checked.errors:
        cell = wb[issue.sheet][issue.cell]
        assert _rgb(cell) == ERROR_COLOR and issue.message in cell.comment.text


# --- tables ----------------------------------------------------------------------------

def test_issue_rows_name_cell_indicator_message_and_code(bad):
    _, checked = bad
    plan = load_plans().for_province("93")
    rows = issue_rows(checked.errors, plan)
    assert len(rows) == len(checked.errors)
    first = rows[0]
    assert first[COL_CELL] == "F11" and first[COL_KIND] == "Số đạt lớn hơn Tổng số"  # the code's Vietnamese name
    assert COL_CODE not in first  # the code itself is for exports and JSON
    assert first[COL_INDICATOR].startswith("CT01 — ")
    assert "lớn hơn Tổng số" in first[COL_MESSAGE]
    assert issue_rows([i.to_dict() for i in checked.errors], plan) == rows  # dicts read the same


def test_value_rows_show_vietnamese_numbers_and_not_reported():
    values = full_values("933")
    values["CT01"] = (12345, 10000)
    values["CT05"] = (None, None)
    checked = check_bytes(make_return("933", "2023", values))
    rows = {r["Mã chỉ tiêu"]: r for r in value_rows(checked.values, load_plans().for_province("93"))}
    assert rows["CT01"]["Tổng số"] == "12.345" and rows["CT01"][COL_NUM] == "10.000"
    assert rows["CT01"][COL_RATIO] == "81,0 %"  # the screen's rule: one decimal
    assert rows["CT05"][COL_NUM] == NOT_REPORTED
    assert rows["CT08"][COL_NUM] == "Có" and rows["CT08"][COL_RATIO] == ""
    assert list(rows) == load_plans().for_province("93").codes


def test_workbook_with_a_flood_of_merged_ranges_is_rebuilt_not_loaded(bad):
    """openpyxl would take minutes over a merge flood; the reader's bounded view is used instead."""
    data, _ = bad
    wb = _open(data)
    ws = wb["BaoCao"]
    for n in range(2500):
        r, c = 30 + n // 20, 10 + 2 * (n % 20)
        ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 1)
    buf = io.BytesIO()
    wb.save(buf)
    flooded = buf.getvalue()
    checked = check_bytes(flooded)
    out = _open(annotate_workbook(flooded, checked.issues))
    err = checked.errors[0]
    assert _rgb(out[err.sheet][err.cell]) == ERROR_COLOR
    assert len(out["BaoCao"].merged_cells.ranges) <= 2000
