"""The system's faults are not the district's: a full disk, a read-only store or a store that stays
locked is a system error (status ``system-error``, exit 3), never a refusal of the file; nothing
partial is stored, and a folder load stops at the first one."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import full_values, make_return
from plantrack import cli, ingest
from plantrack.ingest import ingest_bytes
from plantrack.store import Store, StoreBusy, StoreFault
from plantrack.workbook import ReadError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for code in ("930", "931", "933"):
        (inbox / f"{code}.xlsx").write_bytes(make_return(code, "2023", full_values(code)))
    return inbox


def _counts(store: Store) -> tuple:
    return store.rows("SELECT (SELECT count(*) FROM receipts), (SELECT count(*) FROM blobs), "
                      "(SELECT count(*) FROM returns), (SELECT count(*) FROM return_values), (SELECT count(*) FROM issues)")[0]


class _FullDisk:
    """A connection whose writes fail as DuckDB fails when the disk is full."""

    def __init__(self, con):
        self._con = con

    def _check(self, sql: str) -> None:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise duckdb.IOException('Could not write file "store.duckdb.wal": No space left on device')

    def execute(self, sql, *args, **kwargs):
        self._check(sql)
        return self._con.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        self._check(sql)
        return self._con.executemany(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.fixture
def full_disk(monkeypatch):
    real = Store.transaction

    @contextlib.contextmanager
    def transaction(self):
        with real(self) as con:
            yield _FullDisk(con)

    monkeypatch.setattr(Store, "transaction", transaction)


def _main(capsys, *args) -> tuple[int, list[dict], str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_a_full_disk_is_a_system_error_not_a_refused_file(tmp_path, full_disk):
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(StoreFault, match="ổ đĩa của máy chủ đã đầy") as caught:
        ingest_bytes(store, make_return("933", "2023", full_values("933")), "933.xlsx")
    assert "không phải của tệp" in str(caught.value) and str(tmp_path) not in str(caught.value)
    assert _counts(store) == (0, 0, 0, 0, 0)  # nothing partial


def test_a_folder_load_stops_at_the_first_system_error_with_exit_3(tmp_path, folder, full_disk, capsys):
    db = tmp_path / "s.duckdb"
    code, lines, err = _main(capsys, "ingest", str(folder), "--json", "--db", str(db))
    assert code == 3
    assert [(Path(o["file"]).name, o["status"]) for o in lines] == [("930.xlsx", "system-error")]
    assert lines[0]["errors"] == [] and "ổ đĩa" in lines[0]["message"]
    assert "LỖI HỆ THỐNG" in err and "chưa được kiểm tra" in err
    assert _counts(Store(db)) == (0, 0, 0, 0, 0)


def test_a_disk_full_while_the_reader_works_is_not_a_file_type_refusal(tmp_path, monkeypatch):
    def failing_reader(data, max_bytes=0):
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/tmp/plantrack-read")
        except OSError as exc:
            raise ReadError("file-type", f"bảng tính bị hỏng ({exc})") from exc

    monkeypatch.setattr(ingest, "read_workbook", failing_reader)
    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(StoreFault):
        ingest_bytes(store, make_return("933", "2023", full_values("933")), "933.xlsx")
    assert _counts(store) == (0, 0, 0, 0, 0)


def test_a_read_only_store_is_a_system_error(tmp_path, folder, monkeypatch, capsys):
    db = tmp_path / "s.duckdb"
    Store(db).rows("SELECT 1")  # made and migrated while writable
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda path=":memory:", *a, **k: real(path, read_only=True))
    code, lines, err = _main(capsys, "ingest", str(folder), "--json", "--db", str(db))
    assert code == 3
    assert [o["status"] for o in lines] == ["system-error"]
    assert "chỉ đọc" in lines[0]["message"]
    monkeypatch.setattr(duckdb, "connect", real)
    assert _counts(Store(db)) == (0, 0, 0, 0, 0)


_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_a_store_locked_past_its_wait_exits_3_and_judges_nothing(tmp_path, folder):
    db = tmp_path / "s.duckdb"
    Store(db).rows("SELECT 1")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANTRACK_LOCK_TIMEOUT": "1"}
        started = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "plantrack", "ingest", str(folder), "--json", "--db", str(db)],
                             capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert time.monotonic() - started < 60
    finally:
        holder.kill()
        holder.wait()
    assert res.returncode == 3, res.stderr
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["status"] for o in lines] == ["system-error"]
    assert "Traceback" not in res.stderr
    assert _counts(Store(db)) == (0, 0, 0, 0, 0)


def test_store_busy_is_a_store_fault():
    assert issubclass(StoreBusy, StoreFault)


# --- the upload page -------------------------------------------------------------------------

def test_the_upload_page_says_the_fault_is_the_servers_and_the_file_was_not_judged(tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLANTRACK_DB", str(tmp_path / "s.duckdb"))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=120)
        at.session_state["user"] = {"username": "huyen933", "role": "district", "province_code": "93",
                                    "district_code": "933"}
        at.session_state["period"] = "2023"
        at.run()
        good = make_return("933", "2023", full_values("933"))
        at.file_uploader(key="upload_files").set_value([("933.xlsx", good, "application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet")])
        at.run()
        real = Store.transaction

        @contextlib.contextmanager
        def transaction(self):
            with real(self) as con:
                yield _FullDisk(con)

        monkeypatch.setattr(Store, "transaction", transaction)
        next(b for b in at.button if b.label == "Nộp báo cáo này").click().run()
        assert not at.exception
        errors = [e.value for e in at.error]
        assert any("Lỗi của máy chủ, không phải của tệp" in e and "chưa được kiểm tra" in e for e in errors), errors
        assert not any("Không nhận tệp này" in e for e in errors)
        assert [b.label for b in at.button if b.label == "Nộp báo cáo này"]  # still there to try again
        monkeypatch.setattr(Store, "transaction", real)
        assert _counts(Store(tmp_path / "s.duckdb")) == (0, 0, 0, 0, 0)
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
