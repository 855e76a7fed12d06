"""Backups of the store: one consistent DuckDB file, taken while the app runs, and restored whole.

A backup is a new DuckDB file with a copy of every table, view and sequence of the store
(``COPY FROM DATABASE``) — the received files' bytes live in ``blobs``, so they come along —
and a ``plantrack_backup`` table that marks it as one and records how many rows each table
had. It is taken through the store's own connection, so it waits for the file lock like every
other user, and while no other thread of the process may write, so it is a copy of one moment.
It is written beside its destination and renamed into place, so a backup file is whole or absent.

Restoring refuses anything that is not a whole plantrack backup (not a DuckDB file, no marker,
a table short of its rows, a kept file whose bytes do not match their SHA-256, a schema newer
than this program), prepares the new store file beside the old one, and swaps it in with
``os.replace`` while holding the old file's lock, so no process ever opens half of either.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import itertools
import os
import shutil
import threading
import time
from pathlib import Path

import duckdb

from plantrack.store import Store, StoreBusy, migration_files

BACKUP_FORMAT = "plantrack-backup-1"
MARKER = "plantrack_backup"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-12 of every DuckDB database file
_aliases = itertools.count(1)


class BackupError(Exception):
    """The file is not a (whole) plantrack backup; nothing was changed."""


# --- the store's integrity (run on a backup before it is restored, and by `plantrack check`) -------

# (code, query counting the rows that break the rule, Vietnamese message with {n})
_INTEGRITY_CHECKS = (
    ("value-without-return",
     "SELECT count(*) FROM return_values v WHERE NOT EXISTS (SELECT 1 FROM returns r WHERE r.id = v.return_id)",
     "{n} số liệu chỉ tiêu không thuộc báo cáo nào"),
    ("return-without-values",
     "SELECT count(*) FROM returns r WHERE NOT EXISTS (SELECT 1 FROM return_values v WHERE v.return_id = r.id)",
     "{n} báo cáo không có số liệu chỉ tiêu nào"),
    ("numerator-exceeds-denominator",
     "SELECT count(*) FROM return_values WHERE numerator > denominator OR numerator < 0 OR denominator < 0",
     "{n} số liệu có Số đạt lớn hơn Tổng số (hoặc số âm)"),
    ("return-without-receipt",
     "SELECT count(*) FROM returns r WHERE NOT EXISTS (SELECT 1 FROM receipts c WHERE c.id = r.receipt_id "
     "AND c.sha256 = r.sha256 AND c.outcome = 'accepted')",
     "{n} báo cáo không có biên nhận tệp tương ứng"),
    ("receipt-without-return",
     "SELECT count(*) FROM receipts c WHERE c.outcome IN ('accepted', 'unchanged') AND NOT EXISTS "
     "(SELECT 1 FROM returns r WHERE r.id = c.return_id)",
     "{n} biên nhận tệp được nhận nhưng không có báo cáo tương ứng"),
    ("receipt-without-file",
     "SELECT count(*) FROM receipts c WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = c.sha256) "
     "AND NOT EXISTS (SELECT 1 FROM issues i WHERE i.receipt_id = c.id AND i.code = 'file-too-large')",
     "{n} biên nhận không có tệp gốc (mã SHA-256 không khớp tệp nào đã lưu)"),
    ("file-damaged",
     "SELECT count(*) FROM blobs WHERE sha256(content) <> sha256 OR octet_length(content) <> size",
     "{n} tệp gốc không khớp mã SHA-256 hoặc dung lượng ghi kèm"),
)


def integrity_problems(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every broken rule of the store's data, as {code, count, message}; empty when it is sound."""
    problems = []
    for code, sql, message in _INTEGRITY_CHECKS:
        n = con.execute(sql).fetchone()[0]
        if n:
            problems.append({"code": code, "count": n, "message": message.format(n=n)})
    return problems


def check_store(store: Store) -> list[dict]:
    """The integrity problems of a live store (``plantrack check``)."""
    with store.connect() as con:
        return integrity_problems(con)


def backup(store: Store, out_path: str | Path) -> dict[str, int]:
    """Write a consistent copy of the store to ``out_path``; returns the rows copied per table."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    _remove_db(tmp)
    alias = f"plantrack_backup_{os.getpid()}_{next(_aliases)}"
    try:
        with store.writes_paused(), store.connect() as con:
            source = con.execute("SELECT current_database()").fetchone()[0]
            tables = _tables(con, source)
            counts = {t: con.execute(f"SELECT count(*) FROM {_ident(source)}.{_ident(t)}").fetchone()[0] for t in tables}
            schema = con.execute(f"SELECT coalesce(max(version), 0) FROM {_ident(source)}.schema_migrations").fetchone()[0]
            con.execute(f"ATTACH {_literal(tmp)} AS {alias}")
            try:
                con.execute(f"COPY FROM DATABASE {_ident(source)} TO {alias}")
                con.execute(f"CREATE TABLE {alias}.{MARKER} (format VARCHAR NOT NULL, made_at TIMESTAMP NOT NULL, "
                            "source VARCHAR, schema_version INTEGER NOT NULL, table_name VARCHAR NOT NULL, "
                            "row_count BIGINT NOT NULL)")
                made = dt.datetime.now()
                con.executemany(f"INSERT INTO {alias}.{MARKER} VALUES (?, ?, ?, ?, ?, ?)",
                                [[BACKUP_FORMAT, made, str(store.path), schema, t, n] for t, n in counts.items()])
            finally:
                con.execute(f"DETACH {alias}")  # checkpoints the copy into its file
        _settle(tmp)
        _check(tmp, drop_marker=False)  # read back what was written before calling it a backup
        os.replace(tmp, out)
    except BaseException:
        _remove_db(tmp)
        raise
    return counts


def restore(store: Store, backup_path: str | Path) -> dict[str, int]:
    """Replace the store with the backup at ``backup_path``; returns the rows restored per table.

    Must not be called by a process that holds the store open (the command line does not)."""
    src = Path(backup_path)
    if not src.is_file():
        raise BackupError(f"Không có tệp sao lưu {src}.")
    with open(src, "rb") as fh:
        head = fh.read(16)
    if head[8:12] != DUCKDB_MAGIC:
        raise BackupError(f"{src} không phải tệp sao lưu của plantrack (không phải cơ sở dữ liệu DuckDB).")
    if Path(f"{src}.wal").exists():
        raise BackupError(f"{src} đang được mở hoặc chưa đóng hẳn (còn tệp {src.name}.wal); không dùng được để khôi phục.")
    tmp = store.path.with_name(f".{store.path.name}.restore-{os.getpid()}.tmp")
    _remove_db(tmp)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(src, tmp)  # the backup itself is never opened for writing
        counts = _check(tmp, drop_marker=True)
        _settle(tmp)
        _swap_in(store, tmp)
    except BaseException:
        _remove_db(tmp)
        raise
    store.forget_schema()
    return counts


# --- checking a backup file ----------------------------------------------------------------

def _check(path: Path, drop_marker: bool) -> dict[str, int]:
    """The marker's row counts, once every check passed; with ``drop_marker`` the file becomes a plain store."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise BackupError(f"Tệp không phải tệp sao lưu của plantrack (không mở được: {exc}).") from exc
    try:
        name = con.execute("SELECT current_database()").fetchone()[0]
        tables = set(_tables(con, name))
        if MARKER not in tables or "schema_migrations" not in tables:
            raise BackupError("Tệp là cơ sở dữ liệu DuckDB nhưng không phải bản sao lưu của plantrack.")
        marks = con.execute(f"SELECT format, schema_version, table_name, row_count FROM {MARKER}").fetchall()
        if not marks or {m[0] for m in marks} != {BACKUP_FORMAT}:
            raise BackupError("Bản sao lưu có định dạng không nhận ra.")
        newest = max((n for n, _, _ in migration_files()), default=0)
        if max(m[1] for m in marks) > newest:
            raise BackupError("Bản sao lưu được tạo bởi phiên bản plantrack mới hơn; hãy cập nhật chương trình trước.")
        counts = {m[2]: m[3] for m in marks}
        for table, expected in counts.items():
            if table not in tables:
                raise BackupError(f"Bản sao lưu thiếu bảng {table}.")
            found = con.execute(f"SELECT count(*) FROM {_ident(table)}").fetchone()[0]
            if found != expected:
                raise BackupError(f"Bản sao lưu không đầy đủ: bảng {table} có {found} dòng, cần {expected}.")
        if "blobs" in tables:
            bad = con.execute("SELECT count(*) FROM blobs WHERE sha256(content) <> sha256 OR octet_length(content) <> size"
                              ).fetchone()[0]
            if bad:
                raise BackupError(f"Bản sao lưu hỏng: {bad} tệp gốc không khớp mã SHA-256 của nó.")
        if {"returns", "return_values", "receipts", "blobs", "issues"} <= tables:
            problems = integrity_problems(con)
            if problems:
                raise BackupError("Bản sao lưu không nhất quán, không khôi phục: "
                                  + "; ".join(p["message"] for p in problems) + ".")
        if drop_marker:
            if "sessions" in tables:  # a logout made after the backup must not come back to life
                con.execute("UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL")
            con.execute(f"DROP TABLE {MARKER}")
            con.execute("CHECKPOINT")
        return counts
    except duckdb.Error as exc:
        raise BackupError(f"Bản sao lưu hỏng hoặc không đọc được: {exc}") from exc
    finally:
        con.close()


# --- swapping the file in --------------------------------------------------------------------

def _swap_in(store: Store, new_file: Path) -> None:
    """os.replace the store file by ``new_file`` while holding the old file's lock (the one DuckDB takes)."""
    live = store.path
    with store.writes_paused():
        if _open_here(live):
            raise StoreBusy(f"Tiến trình này đang mở {live}; hãy đóng ứng dụng trước khi khôi phục.")
        if not live.exists():
            _remove(Path(f"{live}.wal"))
            os.replace(new_file, live)
            return
        fd = _lock(live, store.lock_timeout)
        try:
            # the old file's log must never be replayed onto the new one
            _remove(Path(f"{live}.wal"))
            os.replace(new_file, live)
        finally:
            os.close(fd)  # releases the lock on the old (now unlinked) file


def _lock(path: Path, timeout: float) -> int:
    """An fd of ``path`` holding the whole-file POSIX write lock DuckDB uses, waiting for other processes."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreBusy(f"Cơ sở dữ liệu {path} đang được một tiến trình khác sử dụng quá {timeout:.0f} giây. "
                                "Hãy thử lại sau.") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _open_here(path: Path) -> bool:
    """This process has the file open (a POSIX lock of ours would not exclude it, and closing ours would
    drop its lock). Linux only; elsewhere assume not."""
    target = str(path.resolve())
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


# --- small helpers ---------------------------------------------------------------------------

def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary ORDER BY table_name",
        [database]).fetchall()]


def _settle(path: Path) -> None:
    """Fold a left-over write-ahead log into the file (opening and closing checkpoints it)."""
    if Path(f"{path}.wal").exists():
        duckdb.connect(str(path)).close()
    if Path(f"{path}.wal").exists():
        raise BackupError(f"Không ghi được trọn tệp {path}.")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _remove_db(path: Path) -> None:
    _remove(path)
    _remove(Path(f"{path}.wal"))
