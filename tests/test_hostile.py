"""Hostile files: each is refused (or accepted, where it is valid) with the right code, within
10 s of CPU and 500 MB, without bringing down the app or the command line, and nothing of a
refused file is stored but its receipt, its bytes and its outcome.

The corpus and what must become of each file are in ``tests/hostile/make_hostile.py``; the
small files are committed in ``tests/hostile/files/``, the big ones are built per test session.
CPU time and peak memory are measured in a forked child per file (``tests/hostile/measure_child.py``),
whose limits are the kernel's (RLIMIT_CPU, RLIMIT_AS): CPU time, never wall-clock time, which on a
shared machine measures the other processes. A generous wall-clock guard only catches a hang.
Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest

from openpyxl import load_workbook

from plantrack import annotate
from plantrack.annotate import ISSUES_SHEET, annotate_workbook
from plantrack.bounded import LimitExceeded, run_bounded
from plantrack.ingest import check_bytes_bounded, ingest_bytes, read_file_bounded
from plantrack.issues import TEMPLATES
from plantrack.plans import load_plans, parse_period
from plantrack.store import Store
from plantrack.workbook import MAX_FILE_BYTES, ReadError, read_workbook
from tests.live_content import PLANTRACK_FORMULA, live_content

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
mh = importlib.util.module_from_spec(_spec)
sys.modules["make_hostile"] = mh
_spec.loader.exec_module(mh)

CODES = set(TEMPLATES)  # the returns.md codes (a test of issues.py holds them to the spec)
SECONDS, MEGABYTES = 10.0, 500.0  # the contract's ceilings per file: CPU seconds, peak memory
CPU_RLIMIT = SECONDS + 2  # the kernel stops a child past this; the assertion below names the exact time first
HANG_GUARD = 120.0  # wall-clock seconds: only a child that hangs (spending no CPU) gets this far
CASES = {c.name: c for c in mh.CASES}

# Engine bugs these files found outside the reader (reported to the lead, not fixed here):
# name -> (reason, strict). Slowness is not strict: on an idle machine it may squeeze under 10 s.
KNOWN_BUGS: dict[str, tuple[str, bool]] = {}  # all found so far are fixed (see the note on issue 4)
# slow on purpose: left out of the one-folder command-line run (each is judged on its own above)
SLOW_FOR_CLI = {"merged-ranges-flood-no-table", "columns-16384-by-100-rows", "form-rows-16384-wide",
                "shared-strings-flood", "rows-1048576", "style-bloat-64000-formats"}


def _param(name: str):
    marks = []
    if name in KNOWN_BUGS:
        reason, strict = KNOWN_BUGS[name]
        # a known slowness is not run (it would only burn its 10 s); a known crash is, strictly
        marks.append(pytest.mark.xfail(strict=strict, run=strict, reason=reason))
    if CASES[name].big:
        marks.append(pytest.mark.slow)
    return pytest.param(name, id=name, marks=marks)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    """Every hostile file in one folder: the committed small ones, the big ones built now."""
    folder = tmp_path_factory.mktemp("hostile")
    for case in mh.CASES:
        committed = mh.FILES / case.filename
        target = folder / case.filename
        if not case.big and committed.exists():
            target.symlink_to(committed)
        else:
            case.build(target)
    return folder


@pytest.fixture(scope="module")
def measurer():
    """A warm process that forks one child per file and reports its time and peak memory."""
    proc = subprocess.Popen([sys.executable, str(HOSTILE / "measure_child.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)
    ready = json.loads(proc.stdout.readline())
    assert ready["ready"], ready

    def measure(path: Path, cpu_limit: float, wall_guard: float = HANG_GUARD) -> dict:
        proc.stdin.write(f"{cpu_limit}\t{wall_guard}\t{path}\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    measure.baseline_mb = ready["baseline_mb"]
    yield measure
    proc.stdin.close()
    proc.wait(timeout=30)


def _expect(case, errors: list[str], status: str) -> None:
    assert set(errors) <= CODES, f"codes outside returns.md: {set(errors) - CODES}"
    if case.expect == "accepted":
        assert status == "accepted" and not errors, f"{case.name} should be accepted, got {status} {errors}"
    else:
        assert status == "rejected", f"{case.name} should be refused, got {status}"
        missing = set(case.codes) - set(errors)
        assert not missing, f"{case.name}: expected {case.codes} among the errors, got {errors}"


# --- time and memory, one child per file -------------------------------------------------

@pytest.mark.parametrize("name", [_param(c.name) for c in mh.CASES])
def test_hostile_file_is_judged_within_10_cpu_seconds_and_500_mb(name, hostile_dir, measurer):
    case = CASES[name]
    path = hostile_dir / case.filename
    result = measurer(path, CPU_RLIMIT)
    # the forked child's own peak, plus the warm parent's whole footprint: what a fresh process would need at most
    peak = result["peak_mb"] + measurer.baseline_mb
    print(f"\n{name:40} {path.stat().st_size:>10,} B  {result.get('cpu_seconds', float('nan')):6.2f} s CPU"
          f" ({result['wall_seconds']:6.2f} s wall)  peak ≤ {peak:6.1f} MB  {result.get('errors') or result.get('exception')}")
    assert "exception" not in result, f"{name}: " + (result.get("traceback") or result["exception"])
    assert result["cpu_seconds"] < SECONDS, f"{name}: {result['cpu_seconds']:.1f} s of CPU"
    assert peak < MEGABYTES, f"{name}: {peak:.0f} MB"
    _expect(case, result["errors"], "rejected" if result["errors"] else "accepted")


# --- the app's path: ingest in-process, the store keeps only the receipt ------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    s = Store(tmp_path_factory.mktemp("hostile-store") / "store.duckdb")
    with s.session():  # one connection for every file: what is tested is the engine, not opening the file
        yield s


def _counts(store: Store) -> dict[str, int]:
    return {t: store.rows(f"SELECT count(*) FROM {t}")[0][0]
            for t in ("receipts", "blobs", "returns", "return_values", "issues")}


@pytest.mark.parametrize("name", [_param(c.name) for c in mh.CASES])
def test_hostile_file_stores_only_its_receipt_when_refused(name, hostile_dir, store):
    case = CASES[name]
    data = read_file_bounded(hostile_dir / case.filename)
    before = _counts(store)
    outcome = ingest_bytes(store, data, case.filename, sender="hostile-test")
    after = _counts(store)
    _expect(case, [i.code for i in outcome.errors], outcome.status)
    assert after["receipts"] == before["receipts"] + 1
    receipt = store.rows("SELECT outcome, sha256, return_id FROM receipts ORDER BY id DESC LIMIT 1")[0]
    assert receipt[0] == outcome.status and receipt[1] == outcome.sha256
    kept = store.rows("SELECT content FROM blobs WHERE sha256 = ?", [outcome.sha256])
    if outcome.status == "rejected":
        assert receipt[2] is None
        assert (after["returns"], after["return_values"]) == (before["returns"], before["return_values"])
        if any(i.code == "file-too-large" for i in outcome.errors):
            assert not kept  # an oversize file is not kept (ingest.py): only its receipt and outcome
        else:
            assert kept and bytes(kept[0][0]) == data
        assert after["issues"] - before["issues"] == len(outcome.errors) + len(outcome.warnings)
    else:
        plan = load_plans().for_province(outcome.province_code)
        assert after["returns"] == before["returns"] + 1
        assert after["return_values"] == before["return_values"] + len(plan.indicators)
        assert kept and bytes(kept[0][0]) == data


# --- beyond reading: preview, annotate and export, within the same limits ------------------------

@pytest.mark.parametrize("name", [_param(c.name) for c in mh.CASES])
def test_hostile_file_is_previewed_and_annotated_within_limits_with_nothing_live(name, hostile_dir):
    """The upload preview (a bounded check) and the marked-up copy, each in a child held to 10 s of
    CPU and 500 MB of address space (``plantrack.bounded``): judged as ingest judges it, and the copy
    holds no formula, link, name or rule of the upload."""
    case = CASES[name]
    data = read_file_bounded(hostile_dir / case.filename)
    checked = check_bytes_bounded(data)
    _expect(case, [i.code for i in checked.errors], "rejected" if checked.errors else "accepted")
    usage: list = []
    try:
        out = run_bounded(annotate._annotate, data, checked.issues, usage=usage)
        fell_back = False
    except LimitExceeded:
        out, fell_back = annotate_workbook(data, checked.issues), True
    cpu = usage[0].cpu_seconds if usage else float("nan")
    print(f"\n{name:40} annotate {cpu:6.2f} s CPU  peak {usage[0].peak_rss_bytes / 2**20 if usage else 0:6.1f} MB"
          f"{'  (limit hit: Loi sheet only)' if fell_back else ''}")
    assert live_content(out) == [], live_content(out)
    sheets = load_workbook(io.BytesIO(out), read_only=True).sheetnames
    assert sheets[0] == ISSUES_SHEET
    assert fell_back or cpu < SECONDS


def test_export_and_template_after_the_whole_corpus_hold_nothing_live(hostile_dir, store):
    """After every hostile file went through ingest (the module's store), the consolidated report
    holds no formula at all, and the template only plantrack's own Tỷ lệ (%) formula."""
    from plantrack.export import export_report
    from plantrack.template import template_bytes
    from plantrack.units import load_units

    for case in mh.CASES:
        if not store.rows("SELECT 1 FROM receipts WHERE filename = ?", [case.filename]):
            ingest_bytes(store, read_file_bounded(hostile_dir / case.filename), case.filename, sender="hostile-test")
    assert store.rows("SELECT count(*) FROM returns WHERE period = '2023'")[0][0] >= 1
    assert live_content(export_report(store, "93", "2023")) == []
    units = load_units()
    form = template_bytes(load_plans().for_province("93"), units.provinces["93"], units.districts["933"],
                          parse_period("2023"))
    assert live_content(form, PLANTRACK_FORMULA) == []
    assert live_content(form)  # the scanner does see formulas: the template's own


def test_upload_and_history_pages_survive_the_committed_corpus(tmp_path, monkeypatch):
    """Every committed hostile file uploaded at once on the upload page (previewed, refused files
    recorded with their marked-up copy), then the history page opened on each receipt."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLANTRACK_DB", str(tmp_path / "pages.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    user = {"username": "huyen933", "role": "district", "province_code": "93", "district_code": "933"}
    files = [(c.filename, (mh.FILES / c.filename).read_bytes()) for c in mh.CASES if not c.big]
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=300)
        at.session_state["user"] = user
        at.run()
        at.radio(key="upload_mode").set_value("file").run()
        at.file_uploader(key="upload_files").set_value([(n, d, "application/octet-stream") for n, d in files])
        at.run()
        assert not at.exception, at.exception
        assert len(at.get("download_button")) > 1  # the form and marked-up copies
        history = AppTest.from_file(str(ROOT / "pages" / "history.py"), default_timeout=300)
        history.session_state["user"] = user
        history.run()
        options = history.selectbox(key="history_receipt").options
        assert len(options) >= len([c for c in mh.CASES if not c.big and c.expect != "accepted"])
        for n in range(len(options)):
            history.selectbox(key="history_receipt").select_index(n)
            history.run()
            assert not history.exception, (options[n], history.exception)
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


# --- the command line: one folder of every hostile file, one run ------------------------------

@pytest.mark.slow
def test_cli_survives_a_folder_of_every_hostile_file(hostile_dir, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    cases = [c for c in mh.CASES if c.name not in KNOWN_BUGS and c.name not in SLOW_FOR_CLI]
    for case in cases:
        (folder / case.filename).symlink_to(hostile_dir / case.filename)
    db = tmp_path / "cli.duckdb"
    run = subprocess.run([sys.executable, "-m", "plantrack", "ingest", str(folder), "--db", str(db), "--json",
                          "--received", "2023-11-01", "--follow-links"],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=300)
    assert run.returncode == 1, run.stderr[-3000:]  # 1: some input was refused; not a crash
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    by_file = {Path(o["file"]).name: o for o in lines}
    assert set(by_file) == {c.filename for c in cases}
    for case in cases:
        o = by_file[case.filename]
        _expect(case, [e["code"] for e in o["errors"]], o["status"])
        for issue in o["errors"] + o["warnings"]:
            assert set(issue) == {"code", "sheet", "cell", "indicator", "message"} and issue["message"]
    store = Store(db)
    accepted = [o for o in lines if o["status"] == "accepted"]
    refused = [o for o in lines if o["status"] == "rejected"]
    assert store.rows("SELECT count(*) FROM returns")[0][0] == len(accepted)
    assert store.rows("SELECT count(*) FROM return_values")[0][0] == 8 * len(accepted)  # Hậu Giang's plan: 8
    assert store.rows("SELECT count(*) FROM receipts")[0][0] == len(cases)
    for o in refused:  # a refused file leaves its receipt, its bytes (unless oversize) and its issues only
        (outcome, return_id), = store.rows("SELECT outcome, return_id FROM receipts WHERE sha256 = ? AND filename = ?",
                                           [o["sha256"], o["file"]])
        assert (outcome, return_id) == ("rejected", None)
        kept = store.rows("SELECT count(*) FROM blobs WHERE sha256 = ?", [o["sha256"]])[0][0]
        assert kept == (0 if any(e["code"] == "file-too-large" for e in o["errors"]) else 1), o["file"]
    # and the command line still answers afterwards
    report = subprocess.run([sys.executable, "-m", "plantrack", "report", "--province", "93", "--json", "--db", str(db)],
                            capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert report.returncode == 0, report.stderr[-2000:]
    assert json.loads(report.stdout)["completeness"]["received"] == 1


# --- the protections themselves ---------------------------------------------------------------

def test_billion_laughs_is_a_real_bomb_and_the_reader_refuses_its_dtd():
    """The entity bomb in the corpus expands (a plain parser, three levels: 1,000 lols); the reader's
    defusedxml parser refuses the DTD before a single entity is expanded."""
    data = (mh.FILES / "billion-laughs-sheet.xlsx").read_bytes() if (mh.FILES / "billion-laughs-sheet.xlsx").exists() \
        else mh.billion_laughs_sheet()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(mh.SHEET).decode()
    assert "<!ENTITY lol9" in sheet and "&lol9;" in sheet
    small = sheet.split("<!ENTITY lol4", 1)[0] + "]><r>&lol3;</r>"
    assert ElementTree.fromstring(small).text == "lol" * 1000  # what 9 levels would make 10⁹ of
    with pytest.raises(ReadError) as refused:
        read_workbook(data)
    assert refused.value.code == "file-type" and "DTDForbidden" in refused.value.detail


def test_entity_in_shared_strings_workbook_and_ods_is_refused_too():
    for build in (mh.billion_laughs_shared_strings, mh.billion_laughs_workbook_part, mh.ods_billion_laughs,
                  mh.external_entity, mh.quadratic_blowup):
        with pytest.raises(ReadError) as refused:
            read_workbook(build())
        assert refused.value.code == "file-type" and "DTDForbidden" in refused.value.detail, build.__name__


def test_4gib_sheet_is_declared_in_a_small_file_and_refused_before_inflating(hostile_dir):
    path = hostile_dir / "sheet-4gib.xlsx"
    assert path.stat().st_size < MAX_FILE_BYTES
    info = zipfile.ZipFile(path).getinfo(mh.SHEET)
    assert info.file_size >= 4 << 30 and info.file_size / info.compress_size > 500
    with pytest.raises(ReadError) as refused:
        read_workbook(path.read_bytes())
    assert refused.value.code == "file-too-large"


def test_repeated_deflate_block_builds_a_genuine_stream(tmp_path):
    """The 4 GiB builder's trick at 64 MiB: the archive inflates to its declared size with its CRC right."""
    path = tmp_path / "small-bomb.xlsx"
    size = mh.sheet_4gib(path, total=64 << 20)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(mh.SHEET)
        assert info.file_size == size >= 64 << 20
        inflated = 0
        with zf.open(info) as fh:  # zipfile checks the CRC-32 at the end of the stream
            while chunk := fh.read(1 << 22):
                inflated += len(chunk)
    assert inflated == size


def test_crc32_combine_matches_zlib():
    a, b = "Tổng số".encode() * 7, b"<row/>" * 1001
    assert mh._crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert mh._crc32_repeat(b, 13) == zlib.crc32(b * 13)


def test_committed_corpus_is_complete_and_small():
    missing = [c.filename for c in mh.CASES if not c.big and not (mh.FILES / c.filename).exists()]
    assert not missing, f"run python tests/hostile/make_hostile.py: missing {missing}"
    total = sum((mh.FILES / c.filename).stat().st_size for c in mh.CASES if not c.big)
    assert total < 2 << 20, f"the committed corpus grew to {total:,} bytes"
    assert not [c for c in mh.CASES if c.big and (mh.FILES / c.filename).exists()], "big files are built, not committed"


def test_every_expected_code_is_a_returns_md_code():
    for case in mh.CASES:
        assert set(case.codes) <= CODES, case.name
        assert (case.expect == "accepted") == (not case.codes), case.name


@pytest.mark.skipif(not hasattr(os, "fork"), reason="measuring needs fork")
def test_measurer_reports_what_escapes_a_child(tmp_path, measurer):
    """The measuring harness itself: an exception in the child is reported, not hidden."""
    result = measurer(tmp_path / "does-not-exist.xlsx", 5)
    assert "exception" in result and "FileNotFoundError" in result["exception"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="measuring needs fork")
def test_measurer_limits_cpu_time_not_wall_clock_time(measurer):
    """The harness's own check (its pseudo-paths <spin> and <sleep>): a child spinning past its CPU limit
    is stopped by the kernel (SIGXCPU) and reported so; one sleeping spends no CPU, runs on past its CPU
    limit in wall-clock time, and is caught only by the hang guard, reported as a hang."""
    result = measurer("<spin>", 1, wall_guard=60)
    assert "SIGXCPU" in result.get("exception", ""), result
    assert result["cpu_total"] > 0.5 and result["wall_seconds"] < 60  # the kernel counts CPU in ticks
    result = measurer("<sleep>", 1, wall_guard=3)
    assert result.get("exception", "").startswith("hang"), result
    assert result["cpu_total"] < 1 and result["wall_seconds"] >= 3
