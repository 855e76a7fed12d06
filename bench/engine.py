"""Every engine call a dashboard page makes, timed on the national and the stress store.

Each call is repeated ROUNDS times, the calls interleaved (call 1, call 2, … then again), and
reported as median, p95 and min–max in milliseconds. Run alone: ``python bench/engine.py``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stores  # noqa: E402
from plantrack import history, measure  # noqa: E402
from plantrack.plans import load_plans  # noqa: E402
from plantrack.store import Store  # noqa: E402
from plantrack.units import load_units  # noqa: E402

ROUNDS = 20


def page_calls(store: Store) -> dict[str, callable]:
    """name -> the call, as pages/common.py makes them (Hồ Chí Minh: the most communes; Cần Thơ:
    three predecessors)."""
    units, plans = load_units(), load_plans()
    district = units.districts_of("93")[0].code
    commune = units.communes_of("79")[0].code
    return {
        "province_report 79 2025": lambda: measure.province_report(store, "79", "2025", units, plans),
        "province_report 92 2023": lambda: measure.province_report(store, "92", "2023", units, plans),
        "province_report 92 latest": lambda: measure.province_report(store, "92", None, units, plans),
        "trajectory province 92": lambda: measure.trajectory(store, "92", "CT01", units, plans),
        "trajectory district": lambda: measure.trajectory(store, district, "CT01", units, plans),
        "trajectory commune": lambda: measure.trajectory(store, commune, "CT01", units, plans),
        "provinces_comparison 2025": lambda: measure.provinces_comparison(store, "CT01", "2025", units, plans),
        "provinces_comparison 2023 old": lambda: measure.provinces_comparison(store, "CT01", "2023", units, plans,
                                                                              map_="pre2025"),
        "completeness_matrix 79": lambda: measure.completeness_matrix(store, "79", units, plans),
        "completeness_matrix 92": lambda: measure.completeness_matrix(store, "92", units, plans),
        "periods_with_data 92": lambda: measure.periods_with_data(store, "92", units),
        "provinces_with_data": lambda: measure.provinces_with_data(store, units),
        "return_history district": lambda: history.return_history(store, district),
    }


def time_calls(store: Store, rounds: int = ROUNDS, in_session: bool = True) -> dict[str, list[float]]:
    """ms per call. ``in_session``: inside an open store session, as a page run makes them
    (app.py opens the store once per run); otherwise each call opens and closes the store (the
    command line). The opening itself is timed as "open + close the store"."""
    calls = page_calls(store)
    for fn in calls.values():  # warm: units, plans and the schema check
        fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    times["open + close the store"] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        with store.session():
            times["open + close the store"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
        times["open + close the store"][-1] += (time.perf_counter() - t0) * 1000
        with store.session() if in_session else contextlib.nullcontext():
            for name, fn in calls.items():
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000)
    return times


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[18] if len(xs) > 1 else xs[0]


def report(kind: str, rounds: int = ROUNDS, in_session: bool = True) -> float:
    """Print each call's median / p95 / min–max on the ``kind`` store; return the worst p95 of
    the engine calls (the opening of the store, once per page run, printed beside them)."""
    store = Store(stores.build(kind))
    n = store.rows("SELECT count(*) FROM returns")[0][0]
    times = time_calls(store, rounds, in_session)
    how = "inside the page run's store session" if in_session else "each call opening the store"
    print(f"\nengine calls on the {kind} store ({n:,} returns), {how}, ms over {rounds} interleaved rounds:")
    worst = 0.0
    for name, xs in times.items():
        q = p95(xs)
        if not name.startswith("open"):
            worst = max(worst, q)
        print(f"  {name:<34} median {statistics.median(xs):7.1f}   p95 {q:7.1f}   min–max {min(xs):.1f}–{max(xs):.1f}")
    return worst


if __name__ == "__main__":
    for kind in sys.argv[1:] or ("national", "stress"):
        print(f"engine_p95_ms_{kind}: {report(kind):.1f}")
