"""Fuzzing the reader and the checks: no exception escapes ``check_bytes`` or ``ingest_bytes``, and
every outcome is accepted or refused with codes from returns.md.

Inputs: random grids of values written to .xlsx by openpyxl, the real template with random
values in its cells, and random byte mutations of a real template return — flipped, truncated,
inserted bytes in the archive, and the same inside the deflated sheet XML (mutated, then
re-zipped so that the archive itself is sound and the XML parser meets the damage).

``make test`` runs FUZZ_EXAMPLES (default 60) examples per test; ``make fuzz`` runs 5000.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from plantrack.ingest import check_bytes, ingest_bytes
from plantrack.issues import TEMPLATES
from plantrack.plans import load_plans, parse_period
from plantrack.store import Store
from plantrack.template import build_template, template_bytes
from plantrack.units import load_units

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 60))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CODES = set(TEMPLATES)
UNITS, PLANS = load_units(), load_plans()
PROVINCE, DISTRICT, PERIOD = "93", "933", "2023"
PLAN = PLANS.for_province(PROVINCE)
SHEET = "xl/worksheets/sheet1.xml"


def _template(values: dict | None = None) -> bytes:
    return template_bytes(PLAN, UNITS.provinces[PROVINCE], UNITS.districts[DISTRICT], parse_period(PERIOD),
                          values=values if values is not None else
                          {i.code: ((None, "Có") if i.is_yesno else (500 + n, 400 + n)) for n, i in enumerate(PLAN.indicators)})


VALID = _template()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    with s.session():  # one connection for all examples: the fuzzer tests the engine, not file opening
        yield s


def judge(data: bytes, store: Store) -> None:
    """Accepted or refused, with contract codes, accepted values that are sane, and a refused file
    leaves no return behind. (ingest_bytes runs check_bytes inside; it is called alone when the
    bytes were already accepted and ingest short-cuts to 'unchanged'.)"""
    before = store.rows("SELECT count(*) FROM returns")[0][0]
    outcome = ingest_bytes(store, data, "fuzz.xlsx", units=UNITS, plans=PLANS, received=dt.datetime(2023, 7, 1))
    after = store.rows("SELECT count(*) FROM returns")[0][0]
    assert outcome.status in ("accepted", "rejected", "unchanged")
    issues = outcome.errors + outcome.warnings
    assert {i.code for i in issues} <= CODES, {i.code for i in issues} - CODES
    for issue in issues:
        assert issue.severity == ("error" if issue in outcome.errors else "warning") and issue.message.strip()
        assert issue.cell is None or isinstance(issue.cell, str)
    if outcome.status == "rejected":
        assert outcome.errors and after == before
        return
    if outcome.status == "unchanged":
        assert after == before and not check_bytes(data, UNITS, PLANS).errors
        return
    assert not outcome.errors and after == before + 1
    assert outcome.district_code in UNITS.districts and outcome.period is not None
    plan = PLANS.for_province(outcome.province_code)
    rid = store.rows("SELECT max(id) FROM returns")[0][0]
    stored = store.rows("SELECT indicator, numerator, denominator FROM return_values WHERE return_id = ?", [rid])
    assert len(stored) == len(plan.indicators)
    for code, num, den in stored:
        ind = plan.indicator(code)
        assert ind is not None and outcome.values[code] == (num, den)
        if num is None or den is None:
            assert num is None and den is None
        else:
            assert 0 <= num <= den < 10**12
            assert not ind.is_yesno or (den == 1 and num in (0, 1))


# --- values a cell may hold ------------------------------------------------------------------

LABELS = ["Tỉnh", "Tỉnh:", "Tỉnh/Thành phố:", "Hậu Giang", "Tỉnh Hậu Giang", "Huyện", "Huyện:", "Châu Thành",
          "Huyện Châu Thành", "Châu Thành A", "Long Mỹ", "Kỳ báo cáo", "Kỳ báo cáo:", "Năm 2023", "2023",
          "6 tháng đầu năm 2023", "Mã chỉ tiêu", "Mã", "Chỉ tiêu", "Tổng số", "Số đạt", "Kết quả", "Tỷ lệ (%)",
          "STT", "Ghi chú", "CT01", "CT02", "CT08", "ct 3", "CT99", "Có", "Không", "x", "1.234", "12 345",
          "1,5", "-3", "−7", "1e308", "NaN", "inf", "", " ", "=A1", "HËu Giang", "Haäu Giang"]

texts = st.one_of(st.sampled_from(LABELS),
                  st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
numbers = st.one_of(st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -0.0, 1e308, -1e308, 0.5, 2**53, 2**63, 10**12]))
dates = st.one_of(st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
                  st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)))
cell_values = st.one_of(st.none(), texts, numbers, st.booleans(), dates)


def _xlsx(grid: dict[tuple[int, int], object], merges: list[tuple[int, int, int, int]] = ()) -> bytes | None:
    wb = Workbook()
    ws = wb.active
    ws.title = "BaoCao"
    try:
        for (r, c), v in grid.items():
            ws.cell(r, c, v)
    except (IllegalCharacterError, ValueError, TypeError, OverflowError):
        return None  # openpyxl will not write it: not an input a district can send
    for r1, c1, r2, c2 in merges:
        try:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        except ValueError:
            pass
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except (IllegalCharacterError, ValueError, TypeError, OverflowError):
        return None
    return buf.getvalue()


grids = st.dictionaries(st.tuples(st.integers(1, 40), st.integers(1, 12)), cell_values, max_size=60)
merges = st.lists(st.tuples(st.integers(1, 30), st.integers(1, 10), st.integers(1, 30), st.integers(1, 10))
                  .map(lambda t: (min(t[0], t[2]), min(t[1], t[3]), max(t[0], t[2]), max(t[1], t[3]))), max_size=6)


@FUZZ
@given(grid=grids, merged=merges)
def test_fuzz_random_grid_written_by_openpyxl(grid, merged, store):
    data = _xlsx(grid, merged)
    if data is not None:
        judge(data, store)


@FUZZ
@given(header=st.dictionaries(st.sampled_from(["C6", "C7", "C8", "B6", "B7", "B8", "E10", "F10", "B10"]), cell_values,
                              max_size=3),
       values=st.dictionaries(st.sampled_from([i.code for i in PLAN.indicators]),
                              st.tuples(cell_values, cell_values), max_size=8))
def test_fuzz_template_with_random_cell_values(header, values, store):
    try:
        wb = build_template(PLAN, UNITS.provinces[PROVINCE], UNITS.districts[DISTRICT], parse_period(PERIOD),
                            values=values)
        ws = wb["BaoCao"]
        for ref, v in header.items():
            ws[ref] = v
        buf = io.BytesIO()
        wb.save(buf)
    except (IllegalCharacterError, ValueError, TypeError, OverflowError):
        return  # openpyxl will not write it: not an input a district can send
    judge(buf.getvalue(), store)


# --- byte mutations of a real return ---------------------------------------------------------------

def _mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, payload in edits:
        pos = where % (len(out) + 1)
        if kind == "flip" and out:
            pos %= len(out)
            out[pos] ^= payload[0] if payload and payload[0] else 0xFF
        elif kind == "insert":
            out[pos:pos] = payload
        elif kind == "delete":
            del out[pos: pos + 1 + len(payload)]
        elif kind == "truncate":
            del out[pos:]
        elif kind == "duplicate":
            out[pos:pos] = out[pos: pos + 1 + len(payload) * 7]
    return bytes(out)


edits = st.lists(st.tuples(st.sampled_from(["flip", "flip", "insert", "delete", "truncate", "duplicate"]),
                           st.integers(0, 1 << 20), st.binary(max_size=12)), min_size=1, max_size=6)


@FUZZ
@given(changes=edits)
def test_fuzz_byte_mutations_of_the_archive(changes, store):
    judge(_mutate(VALID, changes), store)


def _rezip(data: bytes, name: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info))
    return buf.getvalue()


xml_tokens = st.sampled_from([b"<", b">", b"/>", b"</c>", b"<c r=\"E11\">", b"<v>", b"</v>", b"&amp;", b"&#0;",
                              b"&lol;", b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"<![CDATA[", b"]]>", b"\"", b"'",
                              b"t=\"s\"", b"t=\"e\"", b"t=\"d\"", b"t=\"b\"", b"s=\"99999\"", b"r=\"XFD1048576\"",
                              b"r=\"A0\"", b"<v>1e308</v>", b"<v>NaN</v>", b"<f>[1]S!A1</f>", b"\xff\xfe", b"\x00",
                              "Tỉnh".encode(), b"<mergeCell ref=\"A1:XFD1048576\"/>", b"<row r=\"0\">"])
xml_edits = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]),
                               st.integers(0, 1 << 16), st.one_of(xml_tokens, st.binary(max_size=8))),
                     min_size=1, max_size=5)


@FUZZ
@given(part=st.sampled_from([SHEET, SHEET, SHEET, "xl/workbook.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels",
                             "[Content_Types].xml"]),
       changes=xml_edits)
def test_fuzz_mutations_inside_the_deflated_xml(part, changes, store):
    with zipfile.ZipFile(io.BytesIO(VALID)) as zf:
        body = zf.read(part)
    judge(_rezip(VALID, part, _mutate(body, changes)), store)


@FUZZ
@given(changes=edits)
def test_fuzz_byte_mutations_of_non_zip_formats(changes, store):
    """The OLE (.xls), OpenDocument and plain-text paths, from the committed fixtures when present."""
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "files"
    seeds = [p.read_bytes() for p in (fixtures / "template-libreoffice.xls", fixtures / "template-libreoffice.ods")
             if p.exists()] or [VALID]
    for seed in seeds:
        judge(_mutate(seed, changes), store)


def test_fuzz_seeds_are_accepted():
    """The starting points are valid returns, so mutations start from somewhere real."""
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "files"
    for seed in [VALID] + [p.read_bytes() for p in (fixtures / "template-libreoffice.xls",
                                                     fixtures / "template-libreoffice.ods") if p.exists()]:
        checked = check_bytes(seed, UNITS, PLANS)
        assert not checked.errors, checked.errors
