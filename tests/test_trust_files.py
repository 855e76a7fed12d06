"""A file's content is data: nothing live is handed back, text shows as text, and every piece
of work on a file is held to the per-file limits (issue 7).

The quirks are hostile-corpus fixtures made by ``tests/hostile/make_hostile.py``:
``live-formulas.xlsx`` (HYPERLINK, WEBSERVICE and DDE formulas, text starting with = + - @,
hyperlinks to a web page and to javascript:, a DDE defined name, an external link),
``markup-in-text.xlsx`` (Markdown, HTML, javascript: and shortcodes in cells and the sheet's
name) and the built ``empty-cells-below.xlsx`` (360,000 empty cells below row 500).
"""

from __future__ import annotations

import importlib.util
import io
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from plantrack import annotate
from plantrack.annotate import ISSUES_SHEET, annotate_workbook, cached_annotation, issues_only_workbook
from plantrack.bounded import ChildFailed, LimitExceeded, run_bounded
from plantrack.ingest import check_bytes
from plantrack.issues import make_issue
from plantrack.plain import file_name, markdown_text, text_cell, unique_name
from tests.live_content import PLANTRACK_FORMULA, live_content
from tests.markup_check import markup_in

HOSTILE = Path(__file__).resolve().parent / "hostile" / "files"
_spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE.parent / "make_hostile.py")
mh = sys.modules.get("make_hostile") or importlib.util.module_from_spec(_spec)
if "make_hostile" not in sys.modules:
    sys.modules["make_hostile"] = mh
    _spec.loader.exec_module(mh)


def _hostile(name: str) -> bytes:
    return (HOSTILE / name).read_bytes()


# --- the limits: one mechanism, the kernel's --------------------------------------------------

def _spin():
    while True:
        pass


def _grab(megabytes: int):
    return len(bytearray(megabytes << 20))


def _fail():
    raise ValueError("broken on purpose")


def test_run_bounded_returns_the_result_and_what_the_child_used():
    usage = []
    assert run_bounded(sum, [1, 2, 3], usage=usage) == 6
    assert usage and usage[0].cpu_seconds < 5


def test_run_bounded_stops_a_child_at_its_cpu_limit_not_at_a_clock():
    start = time.process_time()
    with pytest.raises(LimitExceeded) as hit:
        run_bounded(_spin, cpu_seconds=1)
    assert hit.value.what == "cpu"
    assert time.process_time() - start < 1  # the parent only waited


def test_run_bounded_stops_a_child_at_its_address_space_limit():
    assert run_bounded(_grab, 20, memory_bytes=200 << 20) == 20 << 20
    with pytest.raises(LimitExceeded) as hit:
        run_bounded(_grab, 400, memory_bytes=200 << 20)
    assert hit.value.what == "memory"


def test_run_bounded_reports_an_exception_in_the_child():
    with pytest.raises(ChildFailed, match="broken on purpose"):
        run_bounded(_fail)


# --- no live formulas handed back -------------------------------------------------------------

def test_annotated_copy_hands_back_no_formula_link_name_or_rule_of_the_upload():
    data = _hostile("live-formulas.xlsx")
    assert len(live_content(data, PLANTRACK_FORMULA)) >= 10  # the fixture is as hostile as it says
    checked = check_bytes(data)
    assert [i.code for i in checked.errors] == ["value-not-number"]
    out = annotate_workbook(data, checked.issues)
    assert live_content(out) == []
    ws = load_workbook(io.BytesIO(out))["BaoCao"]
    assert ws["F11"].value == 900 and ws["H11"].value == "ok" and ws["H12"].value == 0  # saved values
    for ref, start in (("H13", "=HYPERLINK"), ("H14", "+cmd"), ("H15", "-2+3"), ("H16", "@SUM")):
        assert ws[ref].data_type == "s" and ws[ref].value.startswith(start), ref  # text stays text
    assert ws["C6"].hyperlink is None and ws["C7"].hyperlink is None
    assert ws["E12"].comment is not None  # still marked


def test_text_from_a_file_in_the_issues_sheet_is_never_a_formula():
    issue = make_issue("unit-unknown", sheet="=1+2", cell="C7", detail="=HYPERLINK(\"http://attacker.example\",\"x\")")
    for out in (issues_only_workbook([issue]), annotate_workbook(_hostile("markup-in-text.xlsx"), [issue])):
        assert live_content(out) == []
        ws = load_workbook(io.BytesIO(out))[ISSUES_SHEET]
        texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        assert texts and all(c.data_type == "s" for c in texts)


# --- bounded, and made once -------------------------------------------------------------------

def test_annotate_past_its_limits_gives_the_issues_sheet_alone(tmp_path, monkeypatch):
    """The issue's file loaded whole by openpyxl (as before): past one second of CPU the copy is
    the Loi sheet alone, at once, never a crash."""
    path = tmp_path / "empty-cells-below.xlsx"
    mh.empty_cells_below_the_table(path)
    data = path.read_bytes()
    issues = check_bytes(data).issues
    monkeypatch.setattr(annotate, "MAX_OPENPYXL_XML_BYTES", 64 << 20)  # the old way: load it as it is
    start = time.process_time()
    out = annotate_workbook(data, issues, cpu_seconds=1)
    assert time.process_time() - start < 1
    wb = load_workbook(io.BytesIO(out))
    assert wb.sheetnames == [ISSUES_SHEET]
    assert any(c.value == issues[0].message for row in wb[ISSUES_SHEET].iter_rows() for c in row)


def test_empty_cells_below_the_table_cost_little(tmp_path):
    """The issue's file: 360,000 empty cells below row 500 cost openpyxl 9 s and 240 MB when it was
    loaded as it is; now it is rebuilt from what the reader saw."""
    path = tmp_path / "empty-cells-below.xlsx"
    mh.empty_cells_below_the_table(path)
    data = path.read_bytes()
    issues = check_bytes(data).issues
    usage = []
    out = run_bounded(annotate._annotate, data, issues, usage=usage)
    assert usage[0].cpu_seconds < 3, usage
    assert "BaoCao" in load_workbook(io.BytesIO(out)).sheetnames


def test_annotated_copy_is_made_once_per_file_and_issue_list(tmp_path, monkeypatch):
    data = _hostile("live-formulas.xlsx")
    issues = check_bytes(data).issues
    made = []
    real = annotate.annotate_workbook
    monkeypatch.setattr(annotate, "annotate_workbook", lambda *a, **k: made.append(1) or real(*a, **k))
    first = cached_annotation(tmp_path / "cache", data, issues)
    again = cached_annotation(tmp_path / "cache", data, issues)
    assert first == again and len(made) == 1
    cached_annotation(tmp_path / "cache", data, issues[:0])  # other issues: another copy
    assert len(made) == 2


# --- one helper for text shown as text --------------------------------------------------------

def test_markdown_text_leaves_no_markup():
    assert markup_in(mh.MARKUP)  # the checker sees the payload
    assert markup_in(markdown_text(mh.MARKUP)) == []
    assert markdown_text("a\n# b") == "a \\# b"
    assert markdown_text(None) == ""


def test_file_names_lose_folders_and_control_characters_and_stay_unique():
    assert file_name("../../etc/passwd") == "passwd"
    assert file_name("C:\\bao cao\\huyen\x00\x1b[31m.xlsx") == "huyen[31m.xlsx"
    assert file_name("..") == "bao-cao.xlsx" and file_name("") == "bao-cao.xlsx"
    assert file_name("a\u202egnp.xlsx") == "agnp.xlsx"  # no right-to-left override
    taken: set[str] = set()
    assert [unique_name(n, taken) for n in ("a.xlsx", "A.xlsx", "a.xlsx")] == ["a.xlsx", "A-2.xlsx", "a-3.xlsx"]


def test_text_cell_keeps_a_string_starting_with_equals_as_text():
    from openpyxl import Workbook

    ws = Workbook().active
    ws["A1"] = "=1+2"
    assert ws["A1"].data_type == "f"  # what openpyxl does on its own
    assert text_cell(ws["A1"]).data_type == "s"


def test_export_writes_every_name_as_text_never_as_a_formula(tmp_path):
    """The consolidated report writes names as text: a unit whose name starts with '=' (the registry
    has none today) stays a name, not a formula that would run in the planner's Excel."""
    import dataclasses
    import datetime as dt

    from plantrack.export import export_report
    from plantrack.store import Store
    from plantrack.units import Units, load_units
    from tests.helpers import full_values, load

    real = load_units()
    hostile = dataclasses.replace(real.districts["933"], kind='=HYPERLINK("http://attacker.example","x")&"Huyện"')
    units = Units(dict(real.provinces), {**real.districts, "933": hostile})
    store = Store(tmp_path / "export.duckdb")
    assert load(store, "933", "2023", full_values("933"), received=dt.datetime(2023, 11, 1)).status == "accepted"
    out = export_report(store, "93", "2023", units=units)
    assert live_content(out) == []
    names = [c.value for ws in load_workbook(io.BytesIO(out)).worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert names
