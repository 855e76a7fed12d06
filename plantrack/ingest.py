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
import time
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

HOLD_SECONDS = 0.5  # how long a folder load keeps the store before letting others in
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
                 expect_district: str | None = None, expect_period: str | None = None) -> Outcome:
    """Check one file and store it; the return goes in whole or not at all.

    The store is opened once for the file (``Store.session``) and closed after it, so other
    processes get their turn between files.

    ``expect_district``/``expect_period`` (from the upload page) refuse a file that is about
    another district or period than the one chosen (a district can touch only its own data).
    """
    try:
        with store.session():
            return _ingest(store, data, clean_name(filename), sender, received, units or load_units(),
                           plans or load_plans(), max_bytes, expect_district, expect_period)
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
    with store.session():
        outcome, checked, _, _ = _judge(store, data, filename, received, units, plans, max_bytes,
                                        expect_district, expect_period, check=check_bytes_bounded)
        if outcome.status == "accepted":
            outcome.version = store.rows("SELECT coalesce(max(version), 0) + 1 FROM returns "
                                         "WHERE district_code = ? AND period = ?",
                                         [checked.district_code, outcome.period])[0][0]
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


def _ingest(store: Store, data: bytes, filename: str, sender: str | None, received: dt.datetime | None,
            units: Units, plans: Plans, max_bytes: int, expect_district: str | None,
            expect_period: str | None, checked: Checked | None = None, sha: str | None = None) -> Outcome:
    received = received or dt.datetime.now()
    outcome, checked, on_time, previous = _judge(store, data, filename, received, units, plans, max_bytes,
                                                 expect_district, expect_period, checked=checked, sha=sha)
    if outcome.status == "unchanged":
        _record(store, data, outcome, sender, received, return_id=previous)
    elif outcome.status == "rejected":
        _record(store, data, outcome, sender, received, issues=checked.issues)
    else:
        _record(store, data, outcome, sender, received, issues=checked.issues, checked=checked, on_time=on_time)
    return outcome


def _judge(store: Store, data: bytes, filename: str, received: dt.datetime | None, units: Units, plans: Plans,
           max_bytes: int, expect_district: str | None, expect_period: str | None,
           check: Callable[..., Checked] | None = None, checked: Checked | None = None,
           sha: str | None = None) -> tuple[Outcome, Checked | None, bool, int | None]:
    """Every check of a file, the store only read: (outcome, checked, on time, the return an
    ``unchanged`` file already is). Shared by ``ingest_bytes`` and ``preview_bytes``.

    ``checked``: the file's store-free checks (``check_bytes``), already made elsewhere (a folder
    load checks ahead, in other processes); the checks that need the store are made here."""
    received = received or dt.datetime.now()
    sha = sha or hashlib.sha256(data).hexdigest()
    outcome = Outcome(file=filename, status="rejected", sha256=sha)

    if len(data) <= max_bytes:
        previous = store.rows(
            "SELECT r.id, r.province_code, r.district_code, r.period, r.version, r.map FROM receipts c "
            "JOIN returns r ON r.id = c.return_id WHERE c.sha256 = ? AND c.outcome = 'accepted' "
            "ORDER BY r.version DESC LIMIT 1", [sha])
        if previous and _allowed(previous[0][2], previous[0][3], expect_district, expect_period):
            rid, outcome.province_code, outcome.district_code, outcome.period, outcome.version, outcome.map = previous[0]
            outcome.status = "unchanged"
            _describe(outcome, units)
            return outcome, None, True, rid

    if checked is None:
        checked = (check or check_bytes)(data, units, plans, max_bytes)
    _check_expected(checked, expect_district, expect_period, units)
    outcome.province_code, outcome.district_code = checked.province_code, checked.district_code
    outcome.map = checked.map
    outcome.period = checked.period.code if checked.period else None
    _describe(outcome, units)

    on_time = True
    if not checked.errors:
        before = _previous_denominators(store, checked)
        check_history(checked, before)
        on_time = check_timeliness(checked, received)
    outcome.errors, outcome.warnings = checked.errors, checked.warnings
    outcome.values = {c: (v.numerator, v.denominator) for c, v in checked.values.items()}
    if not checked.errors:
        outcome.status = "accepted"
    return outcome, checked, on_time, None


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


def _previous_denominators(store: Store, checked: Checked) -> dict[str, int | None]:
    """Tổng số of the unit's latest return before this period (or the same period's current version)."""
    rows = store.rows(
        "SELECT period, indicator, denominator FROM current_returns r JOIN return_values v ON v.return_id = r.id "
        "WHERE r.map = ? AND r.district_code = ?", [checked.map or OLD_MAP, checked.district_code])
    by_period: dict = {}
    for period, indicator, denominator in rows:
        p = parse_period(period)
        if p is not None and not (checked.period < p):
            by_period.setdefault(p, {})[indicator] = denominator
    if not by_period:
        return {}
    return by_period[max(by_period)]


def _record(store: Store, data: bytes, outcome: Outcome, sender: str | None, received: dt.datetime, *,
            issues: list[Issue] = (), checked: Checked | None = None, on_time: bool = True,
            return_id: int | None = None) -> None:
    """Write the receipt (and, when accepted, the return and its values) in one transaction."""
    now = dt.datetime.now()
    oversize = any(i.code == "file-too-large" for i in outcome.errors)
    with store.transaction() as con:
        if not oversize:  # an oversize file is not kept: only its receipt and outcome are
            con.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", [outcome.sha256, len(data), data])
        if checked is not None:
            # another thread of this process may have stored the same bytes since we looked
            same = con.execute(
                "SELECT r.id, r.version FROM receipts c JOIN returns r ON r.id = c.return_id "
                "WHERE c.sha256 = ? AND c.outcome = 'accepted' AND r.district_code = ? ORDER BY r.version DESC LIMIT 1",
                [outcome.sha256, checked.district_code]).fetchone()
            if same:
                outcome.status, (return_id, outcome.version) = "unchanged", same
                checked = None
        if checked is not None:
            version, return_id = con.execute(
                "SELECT coalesce(max(version), 0) + 1, nextval('return_id_seq') FROM returns WHERE map = ? "
                "AND district_code = ? AND period = ?", [checked.map or OLD_MAP, checked.district_code, outcome.period]
            ).fetchone()
            outcome.version = version
        receipt_id = con.execute(
            "INSERT INTO receipts (sha256, filename, sender, received_at, loaded_at, outcome, province_code, "
            "district_code, period, return_id, map) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [outcome.sha256, outcome.file, sender, received, now, outcome.status, outcome.province_code,
             outcome.district_code, outcome.period, return_id, outcome.map or OLD_MAP]).fetchone()[0]
        if checked is not None:
            if outcome.version > 1:  # the new version is the newest: the one before stops counting
                    con.execute("UPDATE returns SET is_current = false WHERE map = ? AND district_code = ? AND period = ? "
                            "AND is_current", [checked.map or OLD_MAP, checked.district_code, outcome.period])
            con.execute(
                "INSERT INTO returns (id, province_code, district_code, period, version, receipt_id, sha256, received_at, "
                "on_time, map, is_current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
                [return_id, checked.province_code, checked.district_code, outcome.period, outcome.version,
                 receipt_id, outcome.sha256, received, on_time, checked.map or OLD_MAP])
            values = list(checked.values.values())
            if values:  # one multi-row statement (executemany runs one statement per row)
                con.execute("INSERT INTO return_values VALUES " + ", ".join(["(?, ?, ?, ?)"] * len(values)),
                            [x for v in values for x in (return_id, v.indicator, v.numerator, v.denominator)])
        if issues:
            con.execute("INSERT INTO issues VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(issues)),
                        [x for n, i in enumerate(issues)
                         for x in (receipt_id, n, i.code, i.severity, i.sheet, i.cell, i.indicator, i.message)])


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
    held for at most HOLD_SECONDS at a time and closed between batches, so the app and other
    loads get their turn. At the first system failure an outcome with status ``system-error``
    is yielded and the load stops."""
    files = collect_files(paths) if files is None else files
    items = ((path, None) for path in files)
    yield from _ingest_prepared(store, items, len(files), sender, received, max_bytes, progress, workers)


def ingest_many(store: Store, items: Iterable[tuple[str, bytes, str | None, dt.datetime | None]], *,
                total: int | None = None, workers: int | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> Iterator[Outcome]:
    """``ingest_bytes`` for many (name, bytes, sender, received), in order, as a folder load stores
    them (checked ahead, stored in batches, one transaction each); the demo uses it."""
    prepared = ((name, (data, sender, received)) for name, data, sender, received in items)
    yield from _ingest_prepared(store, prepared, total, None, None, max_bytes, None, workers)


CHECK_AHEAD = 64  # files checked ahead of the writer before it opens the store


def _ingest_prepared(store, items, total, sender, received, max_bytes, progress, workers) -> Iterator[Outcome]:
    units, plans = load_units(), load_plans()
    workers = _workers(workers, total)
    with contextlib.ExitStack() as stack:
        if workers > 1:
            import multiprocessing
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            checked_files = pool.imap(_prepare_one, ((item, max_bytes) for item in items), chunksize=4)
        else:
            checked_files = (_prepare_one((item, max_bytes)) for item in items)
        batch: list = []
        n = 0
        done = False
        while not done:
            batch.clear()
            try:
                while len(batch) < CHECK_AHEAD:
                    batch.append(next(checked_files))
            except StopIteration:
                done = True
            except StoreFault as exc:
                batch.append(exc)
                done = True
            held = contextlib.ExitStack()
            opened_at = None
            try:
                for prepared in batch:
                    n += 1
                    if isinstance(prepared, StoreFault):
                        yield Outcome(file="", status="system-error", sha256="", message=str(prepared))
                        return
                    name, path, data, sha, checked, extra, early = prepared
                    if progress:
                        progress(n, total, path)
                    if early is not None:  # unreadable, or the reader failed: refused, nothing stored
                        yield early
                        continue
                    who, when = (extra[1], extra[2]) if extra else (sender, received)
                    try:
                        if opened_at is None:
                            held.enter_context(store.session())
                            opened_at = time.monotonic()
                        yield _store_prepared(store, data, name, who, when, units, plans, max_bytes, checked, sha)
                    except StoreFault as exc:
                        yield Outcome(file=name, status="system-error", sha256="", message=str(exc))
                        return
                    if time.monotonic() - opened_at > HOLD_SECONDS:
                        held.close()
                        opened_at = None
            finally:
                held.close()


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
        data = extra[0]
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


def _store_prepared(store, data, name, sender, received, units, plans, max_bytes, checked, sha) -> Outcome:
    try:
        return _ingest(store, data, name, sender, received, units, plans, max_bytes, None, None,
                       checked=checked, sha=sha)
    except (StoreFault, KeyboardInterrupt):
        raise
    except Exception as exc:
        if is_system_error(exc):
            raise fault_from(exc) from exc
        log.exception("unexpected error storing %s", name)
        outcome = Outcome(file=name, status="rejected", sha256=sha)
        outcome.errors = [make_issue("file-type", detail=f"lỗi khi đọc tệp: {type(exc).__name__}")]
        return outcome


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
