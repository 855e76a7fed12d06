"""Loading returns: read, check, and store one file (or a folder of them) in one transaction.

Every file received is kept byte for byte with who sent it and when, whatever the outcome.
A refused file stores nothing else; an accepted one becomes a new version of its district's
return for the period; the same bytes again are ``unchanged``.

When the system fails instead (a full disk, a read-only or damaged store, a store locked past
its wait) the file is not judged: ``ingest_bytes`` raises ``StoreFault`` and nothing of the
file is stored; ``ingest_paths`` reports it with status ``system-error`` and stops there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from plantrack.bounded import ChildFailed, LimitExceeded, run_bounded
from plantrack.checks import Checked, check_history, check_return, check_timeliness
from plantrack.issues import Issue, make_issue
from plantrack.layout import locate
from plantrack.plans import Plans, load_plans, parse_period
from plantrack.store import Store, StoreFault, fault_from, is_system_error
from plantrack.units import NEW_MAP, OLD_MAP, Units, load_units
from plantrack.workbook import MAX_FILE_BYTES, ReadError, read_workbook

log = logging.getLogger(__name__)

# .xml: Excel 2003's XML Spreadsheet; the bytes decide (workbook.sniff), so other XML is refused as file-type
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xml"}


@dataclass
class Outcome:
    """What became of one file; ``to_json`` is the shape of ``ingest --json`` (cli.md)."""

    file: str
    status: str  # accepted | unchanged | rejected | system-error
    sha256: str
    province_code: str | None = None
    province: str | None = None
    district_code: str | None = None
    district: str | None = None  # the reporting unit: a district, or a commune on today's map
    map: str | None = None  # "pre2025" | "2025" (units.md)
    period: str | None = None
    version: int | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    values: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    message: str | None = None  # what failed, for a system-error

    def to_json(self) -> dict:
        level = "commune" if self.map == NEW_MAP else "district"
        out = {
            "file": self.file, "status": self.status, "map": self.map or OLD_MAP,
            "province_code": self.province_code, "province": self.province,
            f"{level}_code": self.district_code, level: self.district,
            "period": self.period, "version": self.version, "sha256": self.sha256,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
        }
        if self.status == "system-error":
            out["message"] = self.message
        return out


_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def clean_name(name: str) -> str:
    """A file name fit to print and store: ANSI escape sequences, control characters and
    bidirectional overrides removed (a name can otherwise rewrite a terminal or a log line)."""
    name = _ANSI.sub("", str(name))
    return "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") or ch == "\u200d")


def _describe(outcome: Outcome, units: Units) -> None:
    map_ = outcome.map or OLD_MAP
    provinces = units.provinces if map_ == OLD_MAP else units.provinces_2025
    reporting = units.districts if map_ == OLD_MAP else units.communes
    if outcome.province_code and outcome.province_code in provinces:
        outcome.province = provinces[outcome.province_code].name
    if outcome.district_code and outcome.district_code in reporting:
        outcome.district = reporting[outcome.district_code].full_name


def check_bytes(data: bytes, units: Units | None = None, plans: Plans | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> Checked:
    """Read and check a file's bytes without touching the store (for previews)."""
    units = units or load_units()
    plans = plans or load_plans()
    try:
        workbook = read_workbook(data, max_bytes=max_bytes)
    except ReadError as exc:
        if is_system_error(exc):  # the reader's own I/O failed (a full temp disk), not the file
            raise fault_from(exc) from exc
        out = Checked()
        out.issues.append(_read_issue(exc, max_bytes))
        return out
    return check_return(locate(workbook), units, plans)


def _read_issue(exc: ReadError, max_bytes: int) -> Issue:
    return make_issue(exc.code, detail=exc.detail or exc.code, limit=f"{max_bytes / 1024 / 1024:.0f} MB")


def ingest_bytes(store: Store, data: bytes, filename: str, *, sender: str | None = None,
                 received: dt.datetime | None = None, units: Units | None = None,
                 plans: Plans | None = None, max_bytes: int = MAX_FILE_BYTES,
                 expect_district: str | None = None, expect_period: str | None = None,
                 check: Callable[..., Checked] | None = None) -> Outcome:
    """Check one file and store it; the return goes in whole or not at all.

    ``check``: how the file is read and checked (default ``check_bytes``, in this process); the web
    app passes ``check_bytes_bounded`` so storing an upload is held to the same limits as its preview.

    The store is opened once for the file (``Store.session``) and closed after it, so other
    processes get their turn between files.

    ``expect_district``/``expect_period`` (from the upload page) refuse a file that is about
    another district or period than the one chosen (a district can touch only its own data).
    """
    try:
        with store.session():
            return _ingest(store, data, clean_name(filename), sender, received, units or load_units(),
                           plans or load_plans(), max_bytes, expect_district, expect_period, check or check_bytes)
    except StoreFault:
        raise
    except Exception as exc:
        if is_system_error(exc):
            raise fault_from(exc) from exc
        raise


def preview_bytes(store: Store, data: bytes, filename: str, *, received: dt.datetime | None = None,
                  units: Units | None = None, plans: Plans | None = None, max_bytes: int = MAX_FILE_BYTES,
                  expect_district: str | None = None, expect_period: str | None = None) -> Outcome:
    """What ``ingest_bytes`` would do with this file now, without writing anything: the same
    status (``accepted`` meaning "would be accepted"), version, errors and every warning storing
    would give (``denominator-jump`` and ``late`` included), read against the store as it is.

    The file is read in a child held to the per-file limits (``plantrack.bounded``); a file past
    them is refused (``file-too-large``)."""
    units, plans = units or load_units(), plans or load_plans()
    received = received or dt.datetime.now()
    sha = hashlib.sha256(data).hexdigest()
    with store.session() as con:
        known = _Known()
        known.read_files(con, [sha])
        outcome = _unchanged(known, sha, filename, len(data), max_bytes, units, expect_district, expect_period)
        if outcome is None:
            checked = check_bytes_bounded(data, units, plans, max_bytes)
            known.read_units(con, [checked])
            outcome, _ = _verdict(known, checked, sha, filename, received, units, expect_district, expect_period)
            if outcome.status == "accepted":
                outcome.version = known.next_version(checked)
    return outcome


def check_bytes_bounded(data: bytes, units: Units | None = None, plans: Plans | None = None,
                        max_bytes: int = MAX_FILE_BYTES) -> Checked:
    """``check_bytes`` in a child held to the per-file limits; a file past them is ``file-too-large``."""
    units, plans = units or load_units(), plans or load_plans()
    try:
        return run_bounded(check_bytes, data, units, plans, max_bytes)
    except (LimitExceeded, ChildFailed) as exc:
        log.warning("checking a file hit its limits: %s", exc)
        out = Checked()
        out.issues.append(make_issue("file-too-large", detail="vượt giới hạn xử lý (thời gian hoặc bộ nhớ)",
                                     limit=f"{max_bytes / 1024 / 1024:.0f} MB"))
        return out


# --- judging a file against the store, and storing it -------------------------------------
#
# What the store says about a file (its bytes already accepted? the unit's versions of the
# period, its earlier Tổng số) is read for a whole batch of files in three queries (``_Known``)
# and kept current in memory as the batch is stored, under the store's write lock, so no other
# writer of this process comes between (other processes are kept out by the store's file lock).
# Each file is then written in its own transaction, one multi-row statement per table.


class _Known:
    """What the store holds that judging a batch of files needs, kept current as they are stored."""

    def __init__(self) -> None:
        self.by_sha: dict[str, tuple] = {}  # sha -> the newest accepted return of those bytes (id, province, unit, period, version, map)
        self.versions: dict[tuple[str, str, str], int] = {}  # (map, unit, period) -> newest version
        self.denominators: dict[tuple[str, str], dict[str, dict[str, int | None]]] = {}  # (map, unit) -> period -> Tổng số
        self._units: set[tuple[str, str]] = set()

    def read_files(self, con, shas: list[str]) -> None:
        shas = [s for s in set(shas) if s and s not in self.by_sha]
        if not shas:
            return
        for sha, *ret in con.execute(
                "SELECT c.sha256, r.id, r.province_code, r.district_code, r.period, r.version, r.map FROM receipts c "
                "JOIN returns r ON r.id = c.return_id WHERE c.sha256 IN (SELECT unnest(?)) AND c.outcome = 'accepted'",
                [shas]).fetchall():
            if sha not in self.by_sha or ret[4] > self.by_sha[sha][4]:
                self.by_sha[sha] = tuple(ret)

    def read_units(self, con, checked: list[Checked | None]) -> None:
        keys = {(c.map or OLD_MAP, c.district_code) for c in checked if c is not None and c.district_code}
        keys -= self._units
        if not keys:
            return
        codes = sorted({code for _, code in keys})
        for map_, code, period, version in con.execute(
                "SELECT map, district_code, period, max(version) FROM returns WHERE district_code IN (SELECT unnest(?)) "
                "GROUP BY ALL", [codes]).fetchall():
            if (map_, code) in keys:
                self.versions[(map_, code, period)] = version
        for map_, code, period, indicator, denominator in con.execute(
                "SELECT r.map, r.district_code, r.period, v.indicator, v.denominator FROM returns r "
                "JOIN return_values v ON v.return_id = r.id WHERE r.is_current AND r.district_code IN (SELECT unnest(?))",
                [codes]).fetchall():
            if (map_, code) in keys:
                self.denominators.setdefault((map_, code), {}).setdefault(period, {})[indicator] = denominator
        self._units |= keys

    def next_version(self, checked: Checked) -> int:
        return self.versions.get((checked.map or OLD_MAP, checked.district_code, checked.period.code), 0) + 1

    def previous_denominators(self, checked: Checked) -> dict[str, int | None]:
        """Tổng số of the unit's latest return before this period (or the same period's current version)."""
        by_period = {}
        for code, values in self.denominators.get((checked.map or OLD_MAP, checked.district_code), {}).items():
            p = parse_period(code)
            if p is not None and not (checked.period < p):
                by_period[p] = values
        return by_period[max(by_period)] if by_period else {}

    def stored(self, outcome: "Outcome", checked: Checked, return_id: int) -> None:
        map_ = checked.map or OLD_MAP
        self.by_sha[outcome.sha256] = (return_id, checked.province_code, checked.district_code, outcome.period,
                                       outcome.version, map_)
        self.versions[(map_, checked.district_code, outcome.period)] = outcome.version
        self.denominators.setdefault((map_, checked.district_code), {})[outcome.period] = {
            c: v.denominator for c, v in checked.values.items()}


def _unchanged(known: _Known, sha: str, filename: str, size: int, max_bytes: int, units: Units,
               expect_district: str | None, expect_period: str | None) -> Outcome | None:
    """The outcome of bytes the store already accepted (``unchanged``), or None."""
    previous = known.by_sha.get(sha) if size <= max_bytes else None
    if previous is None or not _allowed(previous[2], previous[3], expect_district, expect_period):
        return None
    outcome = Outcome(file=filename, status="unchanged", sha256=sha)
    _, outcome.province_code, outcome.district_code, outcome.period, outcome.version, outcome.map = previous
    _describe(outcome, units)
    return outcome


def _verdict(known: _Known, checked: Checked, sha: str, filename: str, received: dt.datetime, units: Units,
             expect_district: str | None, expect_period: str | None) -> tuple[Outcome, bool]:
    """The outcome of a checked file with the checks that need the store (history, timeliness), and
    whether it came on time. ``checked`` gains those checks' issues."""
    outcome = Outcome(file=filename, status="rejected", sha256=sha)
    _check_expected(checked, expect_district, expect_period, units)
    outcome.province_code, outcome.district_code = checked.province_code, checked.district_code
    outcome.map = checked.map
    outcome.period = checked.period.code if checked.period else None
    _describe(outcome, units)
    on_time = True
    if not checked.errors:
        check_history(checked, known.previous_denominators(checked))
        on_time = check_timeliness(checked, received)
    outcome.errors, outcome.warnings = checked.errors, checked.warnings
    outcome.values = {c: (v.numerator, v.denominator) for c, v in checked.values.items()}
    if not checked.errors:
        outcome.status = "accepted"
    return outcome, on_time


def _allowed(district: str | None, period: str | None, expect_district: str | None, expect_period: str | None) -> bool:
    return (expect_district is None or district == expect_district) and (expect_period is None or period == expect_period)


def _check_expected(checked: Checked, expect_district: str | None, expect_period: str | None, units: Units) -> None:
    if expect_district and checked.district_code and checked.district_code != expect_district:
        mine = units.districts.get(expect_district) or units.communes.get(expect_district)
        theirs = units.districts.get(checked.district_code) or units.communes.get(checked.district_code)
        checked.issues.append(make_issue(
            "unit-mismatch", sheet=checked.sheet, cell=None,
            detail=(f"Tệp này là báo cáo của {theirs.full_name if theirs else checked.district_code}, không phải của "
                    f"{mine.full_name if mine else expect_district}. Hãy chọn đúng tệp báo cáo của đơn vị mình.")))
        # the refusal belongs to the district that sent it, not to the one the file names
        checked.district_code = expect_district
        checked.province_code = mine.province_code if mine else None
        checked.map = mine.map if mine else checked.map
    if expect_period and checked.period and checked.period.code != expect_period:
        chosen = parse_period(expect_period)
        checked.issues.append(make_issue(
            "period-invalid", sheet=checked.sheet, cell=None,
            detail=f"Tệp ghi kỳ '{checked.period.label}', khác kỳ đã chọn '{chosen.label if chosen else expect_period}'.",
            first=checked.plan.first_year if checked.plan else "", last=checked.plan.last_year if checked.plan else ""))


@dataclass
class _Rows:
    """What storing one file writes: its bytes, its receipt, and when accepted its return and values."""

    blob: tuple | None
    receipt: tuple
    supersede: tuple | None = None  # (map, unit, period) whose current version stops counting
    ret: tuple | None = None
    values: list[tuple] = field(default_factory=list)
    issues: list[tuple] = field(default_factory=list)


def _ids(con, n: int) -> list[tuple[int, int]]:
    """n (receipt id, return id) pairs from the store's sequences."""
    return con.execute("SELECT nextval('receipt_id_seq'), nextval('return_id_seq') FROM range(?)", [n]).fetchall()


def _rows(known: _Known, data: bytes, outcome: Outcome, sender: str | None, received: dt.datetime,
          ids: tuple[int, int], *, issues: list[Issue] = (), checked: Checked | None = None,
          on_time: bool = True, return_id: int | None = None) -> _Rows:
    """The rows of one file (``checked``: an accepted one's checks), ``known`` updated as if written."""
    receipt_id, new_return_id = ids
    oversize = any(i.code == "file-too-large" for i in outcome.errors)
    map_ = outcome.map or OLD_MAP
    out = _Rows(blob=None if oversize else (outcome.sha256, len(data), data), receipt=())  # an oversize file is not kept
    if checked is not None:
        return_id = new_return_id
        outcome.version = known.next_version(checked)
        if outcome.version > 1:  # the new version is the newest: the one before stops counting
            out.supersede = (map_, checked.district_code, outcome.period)
        out.ret = (return_id, checked.province_code, checked.district_code, outcome.period, outcome.version,
                   receipt_id, outcome.sha256, received, on_time, map_, True)
        out.values = [(return_id, v.indicator, v.numerator, v.denominator) for v in checked.values.values()]
        known.stored(outcome, checked, return_id)
    out.receipt = (receipt_id, outcome.sha256, outcome.file, sender, received, dt.datetime.now(), outcome.status,
                   outcome.province_code, outcome.district_code, outcome.period, return_id, map_)
    out.issues = [(receipt_id, n, i.code, i.severity, i.sheet, i.cell, i.indicator, i.message)
                  for n, i in enumerate(issues)]
    return out


# the columns written, with their Arrow types (a batch of files goes in as Arrow tables)
_COLUMNS = {
    "blobs": (("sha256", "string"), ("size", "int64"), ("content", "binary")),
    "receipts": (("id", "int64"), ("sha256", "string"), ("filename", "string"), ("sender", "string"),
                 ("received_at", "timestamp"), ("loaded_at", "timestamp"), ("outcome", "string"),
                 ("province_code", "string"), ("district_code", "string"), ("period", "string"),
                 ("return_id", "int64"), ("map", "string")),
    "returns": (("id", "int64"), ("province_code", "string"), ("district_code", "string"), ("period", "string"),
                ("version", "int64"), ("receipt_id", "int64"), ("sha256", "string"), ("received_at", "timestamp"),
                ("on_time", "bool"), ("map", "string"), ("is_current", "bool")),
    "return_values": (("return_id", "int64"), ("indicator", "string"), ("numerator", "int64"),
                      ("denominator", "int64")),
    "issues": (("receipt_id", "int64"), ("seq", "int64"), ("code", "string"), ("severity", "string"),
               ("sheet", "string"), ("cell", "string"), ("indicator", "string"), ("message", "string")),
}


def _insert(con, table: str, rows: list[tuple], verb: str = "INSERT INTO") -> None:
    """Rows into a table: one multi-row statement for a file's few rows, an Arrow table for a batch's
    many (a VALUES list of thousands of parameters costs DuckDB more to plan than to write)."""
    if not rows:
        return
    columns = _COLUMNS[table]
    names = ", ".join(name for name, _ in columns)
    if len(rows) <= 64:
        one = "(" + ", ".join(["?"] * len(columns)) + ")"
        con.execute(f"{verb} {table} ({names}) VALUES " + ", ".join([one] * len(rows)),
                    [x for row in rows for x in row])
        return
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "binary": pa.binary(), "bool": pa.bool_(),
             "timestamp": pa.timestamp("us")}
    batch = pa.table({name: pa.array([row[i] for row in rows], type=types[kind])
                      for i, (name, kind) in enumerate(columns)})
    view = f"_plantrack_{table}"
    con.register(view, batch)
    try:
        con.execute(f"{verb} {table} ({names}) SELECT {names} FROM {view}")
    finally:
        con.unregister(view)


def _write(con, files: list[_Rows]) -> None:
    """Write the rows of files in the open transaction: one statement per table."""
    _insert(con, "blobs", list({f.blob[0]: f.blob for f in files if f.blob}.values()), "INSERT OR IGNORE INTO")
    _insert(con, "receipts", [f.receipt for f in files])
    for map_, code, period in {f.supersede for f in files if f.supersede}:
        con.execute("UPDATE returns SET is_current = false WHERE map = ? AND district_code = ? AND period = ? "
                    "AND is_current", [map_, code, period])
    returns = [f.ret for f in files if f.ret]
    newest = {}
    for r in returns:  # within the files, only the newest version of a unit's period counts
        newest[(r[9], r[2], r[3])] = r[0]
    _insert(con, "returns", [r[:-1] + (newest[(r[9], r[2], r[3])] == r[0],) for r in returns])
    _insert(con, "return_values", [v for f in files for v in f.values])
    _insert(con, "issues", [i for f in files for i in f.issues])


def _ingest(store: Store, data: bytes, filename: str, sender: str | None, received: dt.datetime | None,
            units: Units, plans: Plans, max_bytes: int, expect_district: str | None,
            expect_period: str | None, check: Callable[..., Checked] = check_bytes) -> Outcome:
    received = received or dt.datetime.now()
    sha = hashlib.sha256(data).hexdigest()
    with store.connect() as con:
        known = _Known()
        known.read_files(con, [sha])
    checked = None
    if _unchanged(known, sha, filename, len(data), max_bytes, units, expect_district, expect_period) is None:
        checked = check(data, units, plans, max_bytes)
    with store._write_lock, store.connect() as con:  # read again: another thread may have stored since
        known = _Known()
        known.read_files(con, [sha])
        item = _Judged(filename, data, sha, checked, sender, received)
        return next(_store_batch(store, con, known, [item], units, max_bytes, expect_district, expect_period,
                                 check=check))


@dataclass
class _Judged:
    """A file ready to store: its bytes and its store-free checks (None: not checked, its bytes known)."""

    name: str
    data: bytes
    sha: str
    checked: Checked | None
    sender: str | None
    received: dt.datetime
    path: Path | str | None = None
    early: Outcome | None = None  # unreadable, or the reader failed: refused, nothing stored


def _store_batch(store: Store, con, known: _Known, items: list[_Judged], units: Units, max_bytes: int,
                 expect_district: str | None = None, expect_period: str | None = None,
                 together: bool = False, check: Callable[..., Checked] = check_bytes) -> Iterator[Outcome]:
    """Judge and store files in order, each in its own transaction (``together``: all in one, for
    the demo), yielding each outcome once stored. Called under the store's write lock with
    ``known`` read for the files' bytes."""
    if con is None:  # every file refused unread
        yield from (item.early for item in items)
        return
    known.read_units(con, [i.checked for i in items if i.early is None])
    with store.transaction() as tx:  # a failure (a read-only store) is the system's, never the file's
        ids = _ids(tx, len(items))
    # a batch's bytes go in first, in one statement: content-addressed, so a blob with no receipt
    # yet (the load stopped) is harmless and the file's load again finds it. Each file's receipt,
    # return, values and issues are still one transaction of its own.
    first = {} if together else {
        i.sha: (i.sha, len(i.data), i.data) for i in items
        if i.early is None and i.checked is not None and len(i.data) <= max_bytes
        and not any(x.code == "file-too-large" for x in i.checked.issues)}
    if len(first) > 1:
        with store.transaction() as tx:
            _insert(tx, "blobs", list(first.values()), "INSERT OR IGNORE INTO")
    else:
        first = {}
    outcomes, pending = [], []  # together: told once the batch is stored
    for item, pair in zip(items, ids):
        if item.early is not None:
            if together:
                outcomes.append(item.early)
            else:
                yield item.early
            continue
        outcome = _unchanged(known, item.sha, item.name, len(item.data), max_bytes, units, expect_district, expect_period)
        if outcome is not None:
            rows = _rows(known, item.data, outcome, item.sender, item.received, pair,
                         return_id=known.by_sha[item.sha][0])
        else:
            checked = item.checked
            if checked is None:  # known bytes that another unit or period than the one expected sent
                checked = check(item.data, units, load_plans(), max_bytes)
                known.read_units(con, [checked])
            outcome, on_time = _verdict(known, checked, item.sha, item.name, item.received, units,
                                        expect_district, expect_period)
            rows = _rows(known, item.data, outcome, item.sender, item.received, pair, issues=checked.issues,
                         checked=checked if outcome.status == "accepted" else None, on_time=on_time)
        if rows.blob and rows.blob[0] in first:
            rows.blob = None  # already written with the batch's
        if together:
            pending.append(rows)
        else:
            with store.transaction() as tx:
                _write(tx, [rows])
            yield outcome
            continue
        outcomes.append(outcome)
    if together:
        if pending:
            with store.transaction() as tx:
                _write(tx, pending)
        yield from outcomes


def collect_files(paths: Iterable[str | Path], follow_links: bool = False,
                  skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Files named, and spreadsheet files found recursively in folders named (sorted).

    Inside folders, symbolic links (to files or folders) are skipped unless ``follow_links``, and
    so is anything that is not a regular file (a FIFO would block the load, a device never ends);
    each skipped path is added to ``skipped`` with the reason (Vietnamese)."""
    out: list[Path] = []
    skipped = skipped if skipped is not None else []
    for p in map(Path, paths):
        if p.is_dir():
            out += _walk(p, follow_links, skipped, seen=set())
        else:
            out.append(p)
    return out


def _walk(folder: Path, follow_links: bool, skipped: list[tuple[Path, str]], seen: set) -> list[Path]:
    try:
        key = (folder.stat().st_dev, folder.stat().st_ino)
        entries = sorted(folder.iterdir())
    except OSError as exc:
        skipped.append((folder, f"không đọc được thư mục ({exc.strerror})"))
        return []
    if key in seen:  # a link loop
        return []
    seen.add(key)
    out: list[Path] = []
    for f in entries:
        if f.name.startswith(("~$", ".~lock")):
            continue
        try:
            link = f.is_symlink()
            mode = f.stat().st_mode if (follow_links or not link) else f.lstat().st_mode
        except OSError:
            skipped.append((f, "liên kết hỏng hoặc không đọc được"))
            continue
        if link and not follow_links:
            skipped.append((f, "liên kết tượng trưng (dùng --follow-links để đọc)"))
            continue
        if stat.S_ISDIR(mode):
            out += _walk(f, follow_links, skipped, seen)
        elif f.suffix.lower() not in SPREADSHEET_SUFFIXES:
            continue
        elif stat.S_ISREG(mode):
            out.append(f)
        else:
            skipped.append((f, "không phải tệp thường"))
    return sorted(out)


def read_file_bounded(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, or only max_bytes + 1 of them when it is too large (never all of a huge file)."""
    with open(path, "rb") as fh:
        return fh.read(max_bytes + 1)


def ingest_paths(store: Store, paths: Iterable[str | Path], *, sender: str | None = None,
                 received: dt.datetime | None = None, max_bytes: int = MAX_FILE_BYTES,
                 progress: Callable[[int, int, Path], None] | None = None,
                 files: list[Path] | None = None, workers: int | None = None) -> Iterator[Outcome]:
    """Ingest every file named or found in folders (or the ``files`` already collected), one transaction each.

    Files are read and given every check that needs no store ahead of storing (in ``workers``
    processes: default one per core, up to 2, for folders of more than a few files); the store
    is then opened for a batch of checked files and each is stored in its own transaction
    (with the checks that need the store: unchanged, denominator-jump, version). The store is
    held for one batch (CHECK_AHEAD files) at a time and closed between batches, so the app and
    other loads get their turn. At the first system failure an outcome with status ``system-error``
    is yielded and the load stops."""
    files = collect_files(paths) if files is None else files
    items = ((path, None) for path in files)
    yield from _ingest_prepared(store, items, len(files), sender, received, max_bytes, progress, workers)


def ingest_many(store: Store, items: Iterable[tuple[str, bytes, str | None, dt.datetime | None]], *,
                total: int | None = None, workers: int | None = None,
                max_bytes: int = MAX_FILE_BYTES, grouped: bool = False) -> Iterator[Outcome]:
    """``ingest_bytes`` for many (name, bytes, sender, received), in order, as a folder load stores
    them (checked ahead, stored in batches, one transaction each). ``bytes`` may be a picklable
    callable that makes them: it is called where the file is checked (in a worker process).

    ``grouped``: a batch of files in one transaction (every check the same; a failure stores none
    of the batch). For the demo, whose files plantrack writes itself; a district's files are
    always stored one transaction each."""
    prepared = ((name, (data, sender, received)) for name, data, sender, received in items)
    yield from _ingest_prepared(store, prepared, total, None, None, max_bytes, None, workers, grouped)


CHECK_AHEAD = 64  # files checked ahead of the writer before it opens the store


def _ingest_prepared(store, items, total, sender, received, max_bytes, progress, workers,
                     grouped: bool = False) -> Iterator[Outcome]:
    units = load_units()
    workers = _workers(workers, total)
    with contextlib.ExitStack() as stack:
        if workers > 1:
            import multiprocessing
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            checked_files = pool.imap(_prepare_one, ((item, max_bytes) for item in items), chunksize=4)
        else:
            checked_files = (_prepare_one((item, max_bytes)) for item in items)
        n = 0
        done = False
        while not done:
            batch: list[_Judged] = []
            fault = None
            try:
                while len(batch) < CHECK_AHEAD:
                    name, path, data, sha, checked, extra, early = next(checked_files)
                    who, when = (extra[1], extra[2]) if extra else (sender, received)
                    batch.append(_Judged(name, data, sha, checked, who, when or dt.datetime.now(), path, early))
            except StopIteration:
                done = True
            except StoreFault as exc:
                fault, done = exc, True
            k = 0  # the batch's files yielded
            try:
                with _batch_session(store, batch) as (con, known):
                    for outcome in _store_batch(store, con, known, batch, units, max_bytes, together=grouped):
                        n += 1
                        if progress:
                            progress(n, total, batch[k].path)
                        k += 1
                        yield outcome
            except Exception as exc:
                if not is_system_error(exc):
                    raise
                at = batch[k].name if k < len(batch) and not grouped else ""
                yield Outcome(file=at, status="system-error", sha256="", message=str(fault_from(exc)))
                return
            if fault is not None:
                yield Outcome(file="", status="system-error", sha256="", message=str(fault))
                return


@contextlib.contextmanager
def _batch_session(store: Store, batch: list["_Judged"]):
    """The store held for a batch (none opened when every file of it was refused unread)."""
    if all(item.early is not None for item in batch):
        yield None, None
        return
    with store._write_lock, store.session() as con:
        known = _Known()
        known.read_files(con, [item.sha for item in batch if item.early is None])
        yield con, known


def _workers(workers: int | None, total: int | None) -> int:
    if workers is None:
        import os
        import threading
        # forking is safe only from a process that runs no other thread (the command line, the demo)
        alone = threading.current_thread() is threading.main_thread() and threading.active_count() == 1
        many = total is None or total >= 2 * CHECK_AHEAD  # None: not known, the demo's ~1,900
        alone = alone and not getattr(Store._local, "sessions", None)  # no database open while forking
        workers = min(2, len(os.sched_getaffinity(0))) if alone and many else 1
    return max(1, workers)


def _read_path(path: Path, max_bytes: int) -> tuple[str, bytes | None, Outcome | None]:
    """(clean name, bytes, None), or (name, None, a refusal) for a file that cannot be opened; a
    failing disk is the system's fault (``StoreFault``), never the file's."""
    name = clean_name(str(path))
    try:
        return name, read_file_bounded(path, max_bytes), None
    except OSError as exc:
        if is_system_error(exc):
            raise fault_from(exc) from exc
        outcome = Outcome(file=name, status="rejected", sha256="")
        outcome.errors = [make_issue("file-type", detail=f"không mở được tệp: {exc.strerror}")]
        return name, None, outcome


def _prepare_one(arg) -> tuple:
    """The store-free part of a file's load (in a worker process): read it, hash it, check it.
    (name, path, data, sha, checked, extra, early outcome)."""
    (path_or_name, extra), max_bytes = arg
    units, plans = load_units(), load_plans()  # cached per process
    if extra is None:
        path = Path(path_or_name)
        name, data, refused = _read_path(path, max_bytes)
        if refused is not None:
            return name, path, None, "", None, None, refused
    else:
        path = name = clean_name(path_or_name)
        data = extra[0]() if callable(extra[0]) else extra[0]  # a form made here, in the worker (the demo)
    sha = hashlib.sha256(data).hexdigest()
    try:
        checked = check_bytes(data, units, plans, max_bytes) if len(data) <= max_bytes else None
    except StoreFault:
        raise
    except Exception as exc:  # a reader bug must not end a folder load; the file is reported refused
        if is_system_error(exc):
            raise fault_from(exc) from exc
        log.exception("unexpected error reading %s", name)
        outcome = Outcome(file=name, status="rejected", sha256=sha)
        outcome.errors = [make_issue("file-type", detail=f"lỗi khi đọc tệp: {type(exc).__name__}")]
        return name, path, None, sha, None, None, outcome
    return name, path, data, sha, checked, extra, None


def _ingest_path(store: Store, path: Path, sender: str | None, received: dt.datetime | None, max_bytes: int,
                 units: Units, plans: Plans) -> Outcome:
    name, data, refused = _read_path(path, max_bytes)
    if refused is not None:
        return refused
    try:
        return ingest_bytes(store, data, name, sender=sender, received=received, units=units,
                            plans=plans, max_bytes=max_bytes)
    except (StoreFault, KeyboardInterrupt):
        raise
    except Exception as exc:  # a reader bug must not end a folder load; the file is reported refused
        if is_system_error(exc):
            raise fault_from(exc) from exc
        log.exception("unexpected error reading %s", name)
        outcome = Outcome(file=name, status="rejected", sha256=hashlib.sha256(data).hexdigest())
        outcome.errors = [make_issue("file-type", detail=f"lỗi khi đọc tệp: {type(exc).__name__}")]
        return outcome
