"""The embedded DuckDB store: where it is, how it is opened, and its schema migrations.

The web app and the command line share one file. A DuckDB file can be open in one process
at a time, so every operation opens it, does its work and closes it; a process that finds
the file locked by another waits and retries (up to ``lock_timeout`` seconds) instead of
failing. Inside one process DuckDB shares one database instance between connections, and
every user takes its own connection (a connection is not thread-safe); writes within a
process are serialised by a lock so that version numbers never race.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import threading
import time
from pathlib import Path
from typing import Iterator

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "plantrack.duckdb"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_LOCK_TIMEOUT = 60.0


class StoreFault(RuntimeError):
    """The store cannot be used: disk full, read-only, damaged, or locked past its wait.

    The system's fault, never the district's: a file being loaded when it happens was not
    judged, and nothing of it was stored. The message is Vietnamese and names no file path."""


class StoreBusy(StoreFault):
    """The store stayed locked by another process for longer than the timeout."""


# errno values that mean the machine, not the file, failed
SYSTEM_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT, errno.ENOMEM, errno.EMFILE, errno.ENFILE}


def is_system_error(exc: BaseException) -> bool:
    """Whether an exception (or one it was raised from) is the machine failing: a full disk, a
    read-only file system, an I/O error, memory, or any DuckDB error of the store."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (StoreFault, MemoryError, duckdb.Error)):
            return True
        if isinstance(exc, OSError) and exc.errno in SYSTEM_ERRNOS:
            return True
        text = str(exc).lower()
        if isinstance(exc, OSError) and ("no space left" in text or "read-only file system" in text):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def fault_from(exc: BaseException) -> StoreFault:
    """A StoreFault saying, in Vietnamese, what kind of system failure ``exc`` is."""
    if isinstance(exc, StoreFault):
        return exc
    text = str(exc).lower()
    if "no space left" in text or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        why = "ổ đĩa của máy chủ đã đầy"
    elif "read-only" in text or "read only" in text or getattr(exc, "errno", None) == errno.EROFS \
            or "permission denied" in text:
        why = "cơ sở dữ liệu đang ở chế độ chỉ đọc hoặc không ghi được"
    else:
        why = "máy chủ không đọc/ghi được cơ sở dữ liệu"
    return StoreFault(f"Lỗi hệ thống: {why} ({type(exc).__name__}). Đây là lỗi của máy chủ, không phải của tệp; "
                      "tệp chưa được kiểm tra và không có gì được lưu. Hãy báo quản trị hệ thống và thử lại sau.")


def default_db_path() -> Path:
    return Path(os.environ.get("PLANTRACK_DB") or DEFAULT_DB)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "resource temporarily unavailable" in text


def _is_closing_race(exc: Exception) -> bool:
    # Threads of one process share one database instance; when the last connection closes while another
    # thread connects, the new instance finds the file still attached by the closing one. It is gone a
    # moment later, so this is retried like a lock.
    text = str(exc).lower()
    return "unique file handle conflict" in text or "already attached" in text


class Store:
    """One DuckDB file. Use ``with store.connect() as con:``; ``with store.transaction() as con:`` to write."""

    _write_locks: dict[str, threading.RLock] = {}
    _migrated: set[str] = set()
    _guard = threading.Lock()

    def __init__(self, path: Path | str | None = None, lock_timeout: float | None = None):
        self.path = Path(path) if path else default_db_path()
        env_timeout = os.environ.get("PLANTRACK_LOCK_TIMEOUT")
        self.lock_timeout = lock_timeout if lock_timeout is not None else float(env_timeout or DEFAULT_LOCK_TIMEOUT)
        key = str(self.path.resolve())
        with Store._guard:
            self._write_lock = Store._write_locks.setdefault(key, threading.RLock())
        self._key = key

    # --- opening ------------------------------------------------------------------------

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fault_from(exc) from exc
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path))
            except (duckdb.IOException, duckdb.ConnectionException, duckdb.ResourceInUseException) as exc:
                if _is_closing_race(exc) and time.monotonic() < deadline:
                    time.sleep(0.001 + 0.004 * random.random())
                    continue
                if not _is_lock_error(exc) or time.monotonic() >= deadline:
                    if _is_lock_error(exc):
                        raise StoreBusy(
                            f"Cơ sở dữ liệu {self.path} đang được một tiến trình khác sử dụng quá {self.lock_timeout:.0f} giây. "
                            "Hãy thử lại sau."
                        ) from exc
                    raise fault_from(exc) from exc
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)

    _local = threading.local()

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation, with the schema up to date; closed afterwards.

        Inside ``session()`` on the same thread, the session's connection is reused."""
        active = getattr(Store._local, "sessions", {}).get(self._key)
        if active is not None:
            yield active
            return
        con = self._open()
        try:
            if self._key not in Store._migrated:
                with self._write_lock:
                    migrate(con)
                Store._migrated.add(self._key)
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold one connection for several operations on this thread (one file's ingest, the demo)."""
        sessions = Store._local.__dict__.setdefault("sessions", {})
        if self._key in sessions:
            yield sessions[self._key]
            return
        with self.connect() as con:
            sessions[self._key] = con
            try:
                yield con
            finally:
                del sessions[self._key]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: committed whole, or rolled back whole."""
        with self._write_lock, self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException as exc:
                with contextlib.suppress(duckdb.Error):  # a failed commit may have ended it already
                    con.execute("ROLLBACK")
                if is_system_error(exc) and not isinstance(exc, StoreFault):
                    raise fault_from(exc) from exc
                raise
            try:
                con.execute("COMMIT")
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise fault_from(exc) from exc

    @contextlib.contextmanager
    def writes_paused(self) -> Iterator[None]:
        """No other thread of this process writes meanwhile (a backup copies, a restore replaces the file).

        Other processes are kept out by the file lock of whatever connection is open."""
        with self._write_lock:
            yield

    def stamp(self) -> tuple:
        """A mark that changes whenever any process writes the store: the size and time of its file
        and of its write-ahead log (DuckDB appends every commit to the log, and a checkpoint rewrites
        the file). The app compares it at every page run to drop figures cached before a load made
        elsewhere (the command line, another server process). A few microseconds: no query."""
        out = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = path.stat()
                out.append((st.st_size, st.st_mtime_ns))
            except OSError:
                out.append(None)
        return tuple(out)

    def forget_schema(self) -> None:
        """The file was replaced (a restore): check its migrations again on the next connection."""
        with Store._guard:
            Store._migrated.discard(self._key)

    def query(self, sql: str, params: list | tuple | None = None):
        """A query's result as a pandas DataFrame."""
        with self.connect() as con:
            return con.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | tuple | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()


# --- migrations -------------------------------------------------------------------------

def migration_files() -> list[tuple[int, str, Path]]:
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        out.append((number, path.stem, path))
    numbers = [n for n, _, _ in out]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"duplicate migration numbers in {MIGRATIONS_DIR}")
    return out


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet recorded in the store, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for number, name, path in migration_files():
        if number in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied
