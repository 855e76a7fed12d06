"""Benchmark stores built synthetically, through the store's own schema and plain SQL inserts.

- ``national``: every old district (696) × the 11 old-map periods (2020H1 … 2025H1) and every
  commune of today (3,321) × 2025, every indicator of its plan; 3 % of the returns have a second
  version (so "the newest version counts" has work to do).
- ``stress``: the national store plus 10,000 synthetic communes × 12 periods (120,000 more
  returns, ~1 M values), spread over today's 34 provinces.

Rows are those ingest writes (receipts, returns, values); the file bytes (blobs) are left out:
no engine call a page makes reads them. Cached under bench/results/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plantrack.plans import load_plans  # noqa: E402
from plantrack.store import Store  # noqa: E402
from plantrack.units import NEW_MAP, OLD_MAP, load_units  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
STRESS_UNITS, STRESS_PERIODS = 10_000, 12


def _rows():
    """(map, province, unit, period, indicators) for every return of the national store."""
    units, plans = load_units(), load_plans()
    for code, prov in sorted(units.provinces.items()):
        plan = plans.for_province(code)
        inds = plan.indicators_for(code)
        for p in (p for p in plan.periods() if p.map == OLD_MAP):
            for d in units.districts_of(code):
                yield OLD_MAP, code, d.code, p.code, inds
    for code, prov in sorted(units.provinces_2025.items()):
        plan = plans.for_unit(prov, units)
        for p in (p for p in plan.periods() if p.map == NEW_MAP):
            for c in units.communes_of(code):
                yield NEW_MAP, code, c.code, p.code, plan.codes


def _stress_rows():
    units, plans = load_units(), load_plans()
    provinces = sorted(units.provinces_2025)
    plan = plans.for_unit(units.provinces_2025["92"], units)
    periods = [p.code for p in plan.periods()][:STRESS_PERIODS]
    for n in range(STRESS_UNITS):
        for period in periods:
            yield NEW_MAP, provinces[n % len(provinces)], f"S{n:05d}", period, plan.codes


def _insert(store: Store, rows, seed: int) -> int:
    rng = random.Random(seed)
    rec, ret, val = [], [], []
    with store.connect() as con:
        next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM returns").fetchone()[0]
    received = dt.datetime(2023, 5, 1, 9, 30)
    for map_, prov, unit, period, inds in rows:
        for version in (1, 2) if rng.random() < 0.03 else (1,):
            rid = next_id
            next_id += 1
            sha = f"{rid:064x}"
            rec.append((rid, sha, f"{unit}-{period}.xlsx", None, received, received, "accepted", prov, unit, period, rid, map_))
            ret.append((rid, prov, unit, period, version, rid, sha, received, rng.random() < 0.9, map_))
            for ind in inds:
                if rng.random() < 0.05:
                    val.append((rid, ind, None, None))  # not reported
                elif ind == "CT08":
                    val.append((rid, ind, int(rng.random() < 0.6), 1))
                else:
                    den = rng.randint(50, 40000)
                    val.append((rid, ind, rng.randint(0, den), den))
    receipts = pd.DataFrame(rec, columns=["id", "sha256", "filename", "sender", "received_at", "loaded_at", "outcome",
                                          "province_code", "district_code", "period", "return_id", "map"])
    returns = pd.DataFrame(ret, columns=["id", "province_code", "district_code", "period", "version", "receipt_id",
                                         "sha256", "received_at", "on_time", "map"])
    values = pd.DataFrame(val, columns=["return_id", "indicator", "numerator", "denominator"]).astype(
        {"numerator": "Int64", "denominator": "Int64"})
    with store.transaction() as con:
        con.register("rec_df", receipts)
        con.register("ret_df", returns)
        con.register("val_df", values)
        con.execute("INSERT INTO receipts (id, sha256, filename, sender, received_at, loaded_at, outcome, province_code, "
                    "district_code, period, return_id, map) SELECT * FROM rec_df")
        con.execute(f"INSERT INTO returns ({', '.join(returns.columns)}) SELECT * FROM ret_df")
        con.execute("INSERT INTO return_values SELECT * FROM val_df")
        for name in ("rec_df", "ret_df", "val_df"):
            con.unregister(name)
    _after_insert(store)
    return len(ret)


def _after_insert(store: Store) -> None:
    """Only the newest version of each return counts (the flag ingest keeps, migration 005)."""
    with store.transaction() as con:
        if "is_current" in {r[0] for r in con.execute("DESCRIBE returns").fetchall()}:
            con.execute("UPDATE returns SET is_current = false WHERE is_current AND id NOT IN (SELECT id FROM returns "
                        "QUALIFY version = max(version) OVER (PARTITION BY map, district_code, period))")


def build(kind: str, fresh: bool = False) -> Path:
    """The store of ``kind`` ('national' or 'stress'), built once and cached (keyed by the schema)."""
    from plantrack.store import migration_files
    schema = migration_files()[-1][0]
    path = RESULTS / f"{kind}-m{schema}.duckdb"
    if path.exists() and not fresh:
        return path
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    if kind == "stress":
        shutil.copy(build("national"), tmp)
        _insert(Store(tmp), _stress_rows(), seed=10_000)
    else:
        _insert(Store(tmp), _rows(), seed=696)
    tmp.rename(path)
    return path


if __name__ == "__main__":
    for kind in sys.argv[1:] or ("national", "stress"):
        p = build(kind, fresh=True)
        s = Store(p)
        print(kind, p, s.rows("SELECT count(*) FROM returns")[0][0], "returns,",
              s.rows("SELECT count(*) FROM return_values")[0][0], "values")
