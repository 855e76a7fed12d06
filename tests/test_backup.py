"""Backup and restore: a consistent copy of the store (kept file bytes included) taken while others
use it, brought back whole, and anything that is not a plantrack backup refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from plantrack.backup import BackupError, backup, restore
from plantrack.ingest import ingest_bytes
from plantrack.store import Store, StoreBusy
from tests.helpers import full_values, load, make_return

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("schema_migrations", "receipts", "blobs", "returns", "return_values", "issues")


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (blobs as bytes)."""
    out = {}
    with store.connect() as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
        for t in sorted(set(names) | set(TABLES)):
            out[t] = con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()
    return out


def demo_ish(store: Store) -> None:
    """A few districts over two periods, a refused file, an unchanged resend, a second version."""
    when = dt.datetime(2023, 7, 1)
    for d in ("930", "931", "933"):
        load(store, d, "2023H1", received=when)
        load(store, d, "2023", received=dt.datetime(2023, 12, 20))
    bad = full_values("934")
    bad["CT02"] = (10, 99)  # Số đạt > Tổng số: refused
    load(store, "934", "2023", values=bad, received=when)
    again = make_return("932", "2023H1", full_values("932"))
    assert ingest_bytes(store, again, "932.xlsx", received=when).status == "accepted"
    assert ingest_bytes(store, again, "932-again.xlsx", received=when).status == "unchanged"  # same bytes
    load(store, "931", "2023H1", values=full_values("931", scale=2), received=when)  # a second version


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    s = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    demo_ish(s)
    assert not Path(f"{s.path}.wal").exists()  # every connection closed: the file is whole
    return s.path


@pytest.fixture
def store(demo_file, tmp_path) -> Store:
    """A fresh copy of the demo-ish store for each test."""
    import shutil

    shutil.copyfile(demo_file, tmp_path / "live.duckdb")
    return Store(tmp_path / "live.duckdb")


def test_backup_then_mutate_then_restore_gives_back_the_same_rows_and_blob_bytes(store, tmp_path):
    before = snapshot(store)
    assert len(before["returns"]) == 8 and len(before["blobs"]) == 9 and len(before["receipts"]) == 10
    counts = backup(store, tmp_path / "backups" / "b1.duckdb")
    assert counts["returns"] == 8 and counts["blobs"] == 9
    assert not list((tmp_path / "backups").glob(".*.tmp*")), "no temporary file left beside the backup"

    load(store, "935", "2023", received=dt.datetime(2023, 7, 1))  # mutate: new data, deleted data
    with store.transaction() as con:
        con.execute("DELETE FROM issues")
        con.execute("UPDATE blobs SET content = 'x'::BLOB WHERE sha256 = (SELECT min(sha256) FROM blobs)")
    assert snapshot(store) != before

    restore(store, tmp_path / "backups" / "b1.duckdb")
    after = snapshot(store)
    assert after == before
    with store.connect() as con:
        for sha, content in con.execute("SELECT sha256, content FROM blobs").fetchall():
            import hashlib
            assert hashlib.sha256(content).hexdigest() == sha

    # the restored store goes on: its sequences continue past the restored ids
    out = load(store, "936", "2023", received=dt.datetime(2023, 7, 1))
    assert out.status == "accepted"
    assert len(snapshot(store)["returns"]) == 9


def test_backup_of_a_store_being_written_by_another_thread_is_consistent(store, tmp_path):
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                ingest_bytes(store, make_return("937", "2023", full_values("937", scale=n)), f"w{n}.xlsx",
                             received=dt.datetime(2023, 7, 1))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)
        paths = []
        for i in range(3):
            paths.append(tmp_path / f"b{i}.duckdb")
            backup(store, paths[-1])
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    for path in paths:
        con = duckdb.connect(str(path), read_only=True)
        try:
            marks = dict(con.execute("SELECT table_name, row_count FROM plantrack_backup").fetchall())
            for table, n in marks.items():
                assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == n
            # a return is wholly in or not: every return has all 8 values, every value its return and receipt
            assert con.execute("SELECT count(*) FROM returns r WHERE (SELECT count(*) FROM return_values v "
                               "WHERE v.return_id = r.id) <> 8").fetchone()[0] == 0
            assert con.execute("SELECT count(*) FROM return_values v WHERE v.return_id NOT IN "
                               "(SELECT id FROM returns)").fetchone()[0] == 0
            assert con.execute("SELECT count(*) FROM returns r WHERE r.receipt_id NOT IN "
                               "(SELECT id FROM receipts)").fetchone()[0] == 0
        finally:
            con.close()


_HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_backup_and_restore_wait_for_another_process_holding_the_store(store, tmp_path):
    proc = _hold(store.path, 1.5)
    try:
        start = time.monotonic()
        backup(store, tmp_path / "waited.duckdb")
        assert time.monotonic() - start > 0.5  # it waited for the lock instead of failing
    finally:
        proc.wait(30)
    load(store, "935", "2023", received=dt.datetime(2023, 7, 1))
    proc = _hold(store.path, 1.5)
    try:
        start = time.monotonic()
        restore(store, tmp_path / "waited.duckdb")
        assert time.monotonic() - start > 0.5
    finally:
        proc.wait(30)
    assert len(snapshot(store)["returns"]) == 8


def test_restore_gives_up_with_store_busy_when_the_lock_never_comes(store, tmp_path):
    backup(store, tmp_path / "b.duckdb")
    proc = _hold(store.path, 2)
    try:
        impatient = Store(store.path, lock_timeout=0.3)
        with pytest.raises(StoreBusy):
            restore(impatient, tmp_path / "b.duckdb")
    finally:
        proc.wait(30)
    assert len(snapshot(store)["returns"]) == 8


def test_restore_refuses_while_this_process_holds_the_store_open(store, tmp_path):
    backup(store, tmp_path / "b.duckdb")
    with store.session():
        with pytest.raises(StoreBusy):
            restore(store, tmp_path / "b.duckdb")


def _tampered_blob(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("UPDATE blobs SET content = 'not the file'::BLOB WHERE sha256 = (SELECT min(sha256) FROM blobs)")
    con.close()


def _missing_rows(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM return_values WHERE return_id = (SELECT min(id) FROM returns)")
    con.close()


def _newer_schema(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("UPDATE plantrack_backup SET schema_version = 999")
    con.close()


@pytest.mark.parametrize("fault", ["random-bytes", "workbook", "empty", "plain-store", "other-duckdb", "missing",
                                   "tampered-blob", "missing-rows", "newer-schema", "truncated"])
def test_restore_refuses_what_is_not_a_whole_plantrack_backup(fault, store, tmp_path):
    good = tmp_path / "good.duckdb"
    backup(store, good)
    bad = tmp_path / f"{fault}.duckdb"
    if fault == "random-bytes":
        bad.write_bytes(os.urandom(20000))
    elif fault == "workbook":
        bad.write_bytes(make_return("930", "2023"))
    elif fault == "empty":
        bad.write_bytes(b"")
    elif fault == "plain-store":
        other = Store(tmp_path / "plain.duckdb")
        load(other, "930", "2023")
        bad = other.path
    elif fault == "other-duckdb":
        con = duckdb.connect(str(bad))
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        con.close()
    elif fault == "missing":
        bad = tmp_path / "nope.duckdb"
    elif fault == "truncated":
        bad.write_bytes(good.read_bytes()[:16384])  # headers, no data blocks
    else:
        bad.write_bytes(good.read_bytes())
        {"tampered-blob": _tampered_blob, "missing-rows": _missing_rows, "newer-schema": _newer_schema}[fault](bad)
    before = snapshot(store)
    with pytest.raises(BackupError):
        restore(store, bad)
    assert snapshot(store) == before
    assert not list(tmp_path.glob(".live.duckdb.restore-*")), "no temporary file left beside the store"


def test_backup_killed_midway_leaves_no_file_or_a_whole_one(store, tmp_path):
    """A backup process killed at random moments: the destination is absent or a backup that restores."""
    import random

    rng = random.Random(1863)
    out = tmp_path / "killed.duckdb"
    script = "import sys; from plantrack.store import Store; from plantrack.backup import backup; backup(Store(sys.argv[1]), sys.argv[2])"
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", script, str(store.path), str(out)], cwd=ROOT)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        if out.exists():
            restore(Store(tmp_path / "probe.duckdb"), out)  # whole: it restores
    assert len(snapshot(store)["returns"]) == 8  # and the live store never noticed


# --- the command line -----------------------------------------------------------------------

def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plantrack", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=timeout)


@pytest.mark.slow
def test_cli_backup_and_restore_round_trip(store, tmp_path):
    db = str(store.path)
    report = _cli("report", "--province", "93", "--json", "--db", db)
    assert report.returncode == 0, report.stderr
    saved = tmp_path / "cli-backup.duckdb"
    run = _cli("backup", "-o", str(saved), "--db", db)
    assert run.returncode == 0, run.stderr
    assert saved.exists() and run.stdout == ""  # messages go to stderr

    later = tmp_path / "later.xlsx"
    later.write_bytes(make_return("936", "2023", full_values("936")))
    assert _cli("ingest", str(later), "--db", db, "--received", "2023-07-01").returncode == 0
    assert len(snapshot(store)["returns"]) == 9

    run = _cli("restore", str(saved), "--db", db)
    assert run.returncode == 0, run.stderr
    assert json.loads(_cli("report", "--province", "93", "--json", "--db", db).stdout) == json.loads(report.stdout)


@pytest.mark.slow
def test_cli_restore_refuses_a_file_that_is_not_a_backup(store, tmp_path):
    before = snapshot(store)
    not_backup = tmp_path / "return.xlsx"
    not_backup.write_bytes(make_return("930", "2023"))
    run = _cli("restore", str(not_backup), "--db", str(store.path))
    assert run.returncode != 0
    assert "không phải tệp sao lưu" in run.stderr
    assert snapshot(store) == before


# --- integrity: a backup whose rows are all there but do not fit together is refused ---------------

def _tampered_backup(tmp_path, sql: str, marker_fix: str | None = None) -> tuple[Store, Path]:
    store = Store(tmp_path / "live.duckdb")
    demo_ish(store)
    out = tmp_path / "b.duckdb"
    backup(store, out)
    con = duckdb.connect(str(out))
    con.execute(sql)
    if marker_fix:  # keep the row counts consistent, so only the integrity checks can notice
        con.execute(marker_fix)
    con.close()
    return store, out


@pytest.mark.parametrize("sql,marker_fix,says", [
    ("UPDATE return_values SET numerator = denominator + 5 WHERE denominator IS NOT NULL "
     "AND (return_id, indicator) IN (SELECT (return_id, indicator) FROM return_values "
     "WHERE denominator IS NOT NULL LIMIT 1)", None, "Số đạt lớn hơn Tổng số"),
    ("DELETE FROM returns WHERE id = (SELECT max(id) FROM returns)",
     "UPDATE plantrack_backup SET row_count = row_count - 1 WHERE table_name = 'returns'", "không thuộc báo cáo nào"),
    ("UPDATE receipts SET sha256 = 'ab' || substr(sha256, 3) WHERE id = (SELECT min(id) FROM receipts)",
     None, "không có tệp gốc"),
])
def test_restore_refuses_an_inconsistent_backup_and_says_what_is_wrong(tmp_path, sql, marker_fix, says):
    store, out = _tampered_backup(tmp_path, sql, marker_fix)
    before = snapshot(store)
    with pytest.raises(BackupError, match=says):
        restore(store, out)
    assert snapshot(store) == before  # nothing changed
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    res = subprocess.run([sys.executable, "-m", "plantrack", "restore", str(out), "--db", str(store.path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 1 and says in res.stderr and "Traceback" not in res.stderr


def test_a_restore_ends_every_session_of_the_backup(tmp_path):
    from plantrack.accounts import create_user
    from plantrack.sessions import end_session, start_session, user_for_cookie

    store = Store(tmp_path / "live.duckdb")
    create_user(store, "huyen933", "mat-khau-dai", "district", district_code="933")
    cookie = start_session(store, "huyen933")
    backup(store, tmp_path / "b.duckdb")
    end_session(store, cookie)  # logged out after the backup was taken
    restore(store, tmp_path / "b.duckdb")
    assert user_for_cookie(store, cookie) is None
