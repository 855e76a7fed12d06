"""Crashes: a load killed (SIGKILL) at random moments leaves the store consistent — no return without all
its values, no value without its return, every receipt whole or absent — and the next start needs no
repair: the store opens, and loading the same folder again converges to the full set, once each."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plantrack.store import Store
from plantrack.units import load_units
from test_concurrency import (PERIOD, RECEIVED, WHOLENESS_SQL, hyphenated_districts, indicators_per_province,
                              make_returns_folder, returns_seen, wholeness_problems)

ROOT = Path(__file__).resolve().parent.parent
KILLS = 10
FILES = 40


def consistency_problems(store: Store, expected: dict[str, int]) -> list[str]:
    """What a crash must never leave behind, read after the store is opened again as usual."""
    problems = wholeness_problems(store.rows(WHOLENESS_SQL), expected)
    checks = {
        "returns without their receipt": "SELECT count(*) FROM returns r WHERE NOT EXISTS "
                                         "(SELECT 1 FROM receipts c WHERE c.id = r.receipt_id AND c.return_id = r.id "
                                         "AND c.outcome = 'accepted' AND c.sha256 = r.sha256)",
        "receipts without their file's bytes": "SELECT count(*) FROM receipts c WHERE NOT EXISTS "
                                               "(SELECT 1 FROM blobs b WHERE b.sha256 = c.sha256)",
        "kept bytes that do not match their SHA-256": "SELECT count(*) FROM blobs WHERE sha256(content) <> sha256 "
                                                      "OR octet_length(content) <> size",
        "accepted receipts without their return": "SELECT count(*) FROM receipts c WHERE c.outcome IN "
                                                  "('accepted', 'unchanged') AND NOT EXISTS "
                                                  "(SELECT 1 FROM returns r WHERE r.id = c.return_id)",
        "issues without their receipt": "SELECT count(*) FROM issues i WHERE NOT EXISTS "
                                        "(SELECT 1 FROM receipts c WHERE c.id = i.receipt_id)",
        "a district's return made twice": "SELECT count(*) FROM (SELECT district_code FROM returns "
                                          "GROUP BY district_code, period HAVING count(*) > 1)",
    }
    for what, sql in checks.items():
        n = store.rows(sql)[0][0]
        if n:
            problems.append(f"{n} {what}")
    return problems


def _ingest(folder: Path, db: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PLANTRACK_LOCK_TIMEOUT="60")
    return subprocess.Popen([sys.executable, "-m", "plantrack", "ingest", str(folder), "--db", str(db), "--json",
                             "--received", RECEIVED], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)


@pytest.mark.slow
def test_load_killed_at_random_moments_leaves_the_store_consistent_and_converges(tmp_path):
    """10 kills: 2 at random times during start-up (opening, migrating), 8 at random files of the folder
    (after the n-th file's line, plus a random few milliseconds: inside the next file's read, check,
    commit or the checkpoint that follows it)."""
    rng = random.Random(1863)
    codes = rng.sample(sorted(set(load_units().districts) - hyphenated_districts()), FILES)
    folder = tmp_path / "inbox"
    make_returns_folder(folder, codes)
    db = tmp_path / "crash.duckdb"
    expected = indicators_per_province()
    targets = rng.sample(range(1, FILES), KILLS - 2)
    log = []
    for kill in range(KILLS):
        proc = _ingest(folder, db)
        done = None  # files the killed run reported (not read for the start-up kills)
        if kill < 2:
            point = f"{rng.uniform(0.2, 1.2):.2f} s"
            time.sleep(float(point.split()[0]))
        else:
            target, done = targets[kill - 2], 0
            for _ in proc.stdout:
                done += 1
                if done >= target:
                    break
            jitter = rng.uniform(0, 0.08)
            time.sleep(jitter)
            point = f"file {target} + {jitter * 1000:.0f} ms"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        store = Store(db)  # the next start: opened as usual, no repair step
        problems = consistency_problems(store, expected) if db.exists() else []
        returns = returns_seen(store.rows(WHOLENESS_SQL)) if db.exists() else 0
        log.append((point, done, returns))
        assert problems == [], f"after kill {kill} at {point}: {problems}"
    print(f"\n{KILLS} kills (where, files the killed run reported, returns in the store): {log}")

    final = subprocess.run([sys.executable, "-m", "plantrack", "ingest", str(folder), "--db", str(db), "--json",
                            "--received", RECEIVED], capture_output=True, text=True, cwd=ROOT, timeout=300,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert final.returncode == 0, final.stderr[-2000:]
    statuses = [json.loads(line)["status"] for line in final.stdout.splitlines()]
    assert len(statuses) == FILES and set(statuses) <= {"accepted", "unchanged"}
    store = Store(db)
    assert consistency_problems(store, expected) == []
    assert sorted(r[0] for r in store.rows("SELECT district_code FROM returns")) == sorted(codes)
    assert store.rows("SELECT max(version) FROM returns")[0][0] == 1  # converged: one version each, no duplicates
    again = subprocess.run([sys.executable, "-m", "plantrack", "ingest", str(folder), "--db", str(db), "--json",
                            "--received", RECEIVED], capture_output=True, text=True, cwd=ROOT, timeout=300,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert {json.loads(line)["status"] for line in again.stdout.splitlines()} == {"unchanged"}


_WRITER = """
import sys, datetime as dt
from pathlib import Path
from plantrack.ingest import ingest_bytes
from plantrack.store import Store
store = Store(sys.argv[1])
files = sorted(Path(sys.argv[2]).rglob("*.xlsx"))
with store.session():  # one connection for the whole run: commits pile up in the write-ahead log
    for n, path in enumerate(files):
        ingest_bytes(store, path.read_bytes(), path.name, received=dt.datetime(2023, 7, 1))
        print(n, flush=True)
"""


@pytest.mark.slow
def test_writer_killed_with_unmerged_write_ahead_log_recovers_on_next_open(tmp_path):
    """Killed while holding the store open for many commits (the app's way): the log is replayed on the
    next open, and what was committed is all there, whole."""
    rng = random.Random(696)
    codes = rng.sample(sorted(set(load_units().districts) - hyphenated_districts()), 30)
    folder = tmp_path / "inbox"
    make_returns_folder(folder, codes)
    db = tmp_path / "wal.duckdb"
    Store(db).rows("SELECT 1")
    expected = indicators_per_province()
    committed_total = 0
    for kill in range(3):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(folder)], stdout=subprocess.PIPE,
                                text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        target = rng.randint(3, 12)
        committed = -1
        for line in proc.stdout:
            committed = int(line)
            if committed >= target:
                break
        time.sleep(rng.uniform(0, 0.05))  # land inside the next file's work, or its commit
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert committed >= target
        store = Store(db)
        assert consistency_problems(store, expected) == []
        n = returns_seen(store.rows(WHOLENESS_SQL))
        assert n >= committed + 1  # files 0..committed were in (accepted now or before): all survived the kill
        committed_total = n
    print(f"\nwrite-ahead-log kills: {committed_total} returns survived 3 kills")


def test_period_of_the_crash_folder_is_in_every_plan():
    from plantrack.plans import load_plans, parse_period

    plans = load_plans()
    assert all(plans.for_province(p).in_range(parse_period(PERIOD)) for p in load_units().provinces)
