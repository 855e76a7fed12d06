"""One tiny file per spreadsheet quirk (tests/fixtures/files/), checked against expected.json.

The files and expected.json are made by tests/fixtures/make_fixtures.py; each expectation is
what spec/returns.md says the reader must make of that file. The test ids are the quirks'
file names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from plantrack.ingest import check_bytes, ingest_bytes
from plantrack.store import Store
from plantrack.workbook import sniff

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
FILES = FIXTURES / "files"
EXPECTED: dict[str, dict] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
RETURNS_MD = REPO.parent / "shared" / "spec" / "returns.md"

# Codes that need the store's history or the receipt date: tested below through ingest_bytes.
HISTORY_CODES = {"late", "denominator-jump"}


def _key(issue) -> tuple:
    if isinstance(issue, dict):
        return issue["code"], issue["cell"], issue["indicator"]
    return issue.code, issue.cell, issue.indicator


def _compare_issues(kind: str, expected: list[dict], actual: list) -> list[str]:
    problems = []
    want, got = Counter(map(_key, expected)), Counter(map(_key, actual))
    if want != got:
        problems.append(f"{kind}: missing {sorted((want - got).elements(), key=str)}, "
                        f"unexpected {sorted((got - want).elements(), key=str)}")
    for exp in expected:
        for text in exp.get("message_contains", ()):
            messages = [i.message for i in actual if _key(i) == _key(exp)]
            if messages and not any(text in m for m in messages):
                problems.append(f"{kind}: {exp['code']} message {messages[0]!r} does not name {text!r}")
    return problems


@pytest.mark.parametrize("name", list(EXPECTED), ids=lambda n: n)
def test_quirk(name):
    exp = EXPECTED[name]
    checked = check_bytes((FILES / name).read_bytes(), **({"max_bytes": exp["max_bytes"]} if "max_bytes" in exp else {}))
    problems = []
    status = "rejected" if checked.errors else "accepted"
    if status != exp["status"]:
        problems.append(f"status {status}, expected {exp['status']}")
    actual_unit = {
        "province_code": checked.province_code,
        "district_code": checked.district_code,
        "period": checked.period.code if checked.period else None,
    }
    for key, value in actual_unit.items():
        if value != exp[key]:
            problems.append(f"{key} {value!r}, expected {exp[key]!r}")
    if "sheet" in exp and checked.sheet != exp["sheet"]:
        problems.append(f"sheet {checked.sheet!r}, expected {exp['sheet']!r}")
    if exp["status"] == "accepted":
        values = {code: [v.numerator, v.denominator] if v.reported else None for code, v in checked.values.items()}
        if values != exp["values"]:
            diff = {c: (values.get(c, "absent"), exp["values"].get(c, "absent"))
                    for c in sorted(set(values) | set(exp["values"])) if values.get(c, "absent") != exp["values"].get(c, "absent")}
            problems.append(f"values differ (actual, expected): {diff}")
    problems += _compare_issues("errors", exp["errors"], checked.errors)
    problems += _compare_issues("warnings", exp["warnings"], checked.warnings)
    assert not problems, f"{name} ({exp['quirk']}):\n  " + "\n  ".join(problems)


def test_every_fixture_file_is_described_and_every_description_has_a_file():
    on_disk = {p.name for p in FILES.iterdir() if p.is_file()}
    assert sorted(set(EXPECTED) - on_disk) == [], "named in expected.json but missing from files/"
    assert sorted(on_disk - set(EXPECTED)) == [], "in files/ but not in expected.json"


@pytest.mark.parametrize("name", [n for n, e in EXPECTED.items() if e["status"] == "accepted"], ids=lambda n: n)
def test_accepted_fixture_is_the_type_its_name_says(name):
    # guards the fixtures themselves: a .xls made by LibreOffice really is Excel 97-2003, and so on
    # (a file whose name says otherwise, such as SpreadsheetML renamed .xls, states its "format")
    assert sniff((FILES / name).read_bytes()) == EXPECTED[name].get("format", Path(name).suffix.lstrip("."))


def _spec_codes() -> dict[str, str]:
    """code -> kind (error | warning) from the checks table of spec/returns.md."""
    if not RETURNS_MD.exists():
        pytest.skip(f"{RETURNS_MD} not present")
    found = dict(re.findall(r"^\|\s*`([a-z-]+)`\s*\|\s*(error|warning)\s*\|", RETURNS_MD.read_text(encoding="utf-8"), re.M))
    assert found, "no check codes found in returns.md"
    return found


def test_every_check_code_of_the_contract_is_triggered_by_a_fixture():
    spec = _spec_codes()
    seen: dict[str, set[str]] = {}
    for exp in EXPECTED.values():
        for kind, issues in (("error", exp["errors"]), ("warning", exp["warnings"])):
            for i in issues:
                seen.setdefault(i["code"], set()).add(kind)
    assert sorted(set(spec) - set(seen) - HISTORY_CODES) == []
    assert sorted(set(seen) - set(spec)) == [], "expected.json uses codes the contract does not have"
    wrong_kind = {code: (kinds, spec[code]) for code, kinds in seen.items() if code in spec and kinds != {spec[code]}}
    assert wrong_kind == {}, "expected.json lists a code as the other kind than the contract"
    assert HISTORY_CODES <= set(spec)


# --- checks that need the store: history and receipt dates ---------------------------------

def _warnings(outcome) -> list[tuple]:
    return sorted(map(_key, outcome.warnings), key=str)


def test_late_after_the_due_date(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    data = (FILES / "template-openpyxl.xlsx").read_bytes()  # 6 tháng đầu năm 2023: due 15 May 2023
    on_time = ingest_bytes(store, data, "on-time.xlsx", received=dt.datetime(2023, 5, 15, 17, 0))
    assert on_time.status == "accepted"
    assert _warnings(on_time) == []

    late_store = Store(tmp_path / "late.duckdb")
    late = ingest_bytes(late_store, data, "late.xlsx", received=dt.datetime(2023, 5, 16, 8, 0))
    assert late.status == "accepted", "late is a warning: the return still goes in"
    assert _warnings(late) == [("late", None, None)]


def test_denominator_jump_against_the_previous_return(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    first = ingest_bytes(store, (FILES / "history-2023h1.xlsx").read_bytes(), "h1.xlsx",
                         received=dt.datetime(2023, 5, 10))
    assert first.status == "accepted" and _warnings(first) == []

    name = "history-2023-denominator-jump.xlsx"
    second = ingest_bytes(store, (FILES / name).read_bytes(), name, received=dt.datetime(2023, 11, 20))
    assert second.status == "accepted", "a jump is a warning: the return still goes in"
    assert second.period == "2023"
    den_cell = "D10"  # CT01's Tổng số in the fixture (first data row, column D)
    assert _warnings(second) == [("denominator-jump", den_cell, "CT01")]


def test_denominator_within_half_is_no_jump(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    ingest_bytes(store, (FILES / "history-2023h1.xlsx").read_bytes(), "h1.xlsx", received=dt.datetime(2023, 5, 10))
    again = ingest_bytes(store, (FILES / "period-nam.xlsx").read_bytes(), "nam.xlsx", received=dt.datetime(2023, 11, 20))
    assert again.status == "accepted"
    assert _warnings(again) == []


def test_a_small_denominator_is_no_jump_under_twenty_units(tmp_path):
    # CT05 14 -> 30 facilities: +114 % but only 16 units; returns.md wants more than 50 % and at least 20
    store = Store(tmp_path / "t.duckdb")
    ingest_bytes(store, (FILES / "history-2023h1.xlsx").read_bytes(), "h1.xlsx", received=dt.datetime(2023, 5, 10))
    name = "history-2023-small-denominator-change.xlsx"
    again = ingest_bytes(store, (FILES / name).read_bytes(), name, received=dt.datetime(2023, 11, 20))
    assert again.status == "accepted"
    assert _warnings(again) == []
