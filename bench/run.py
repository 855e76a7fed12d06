"""Benchmarks: time measured side by side against a named baseline, printed as ratios.

Run with `make bench`. Never asserted in tests (shared machines are noisy); each number is
the median of several rounds, and the baseline runs in the same process right beside it.

1. reading a return: plantrack's streaming xlsx reader vs openpyxl (baseline: the library a
   hand-written reader would use), and python-calamine, on the same template returns;
2. checking a return end to end (read + locate + check) per file;
3. loading: one store session per file (what a folder load does) vs one open per query
   (the naive baseline the store's session avoids);
4. measuring: province_report on the full demo-sized store.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402

from plantrack import measure  # noqa: E402
from plantrack.demo import build_demo  # noqa: E402
from plantrack.ingest import _ingest, check_bytes, ingest_bytes  # noqa: E402
from plantrack.plans import load_plans  # noqa: E402
from plantrack.units import load_units  # noqa: E402
from plantrack.store import Store  # noqa: E402
from plantrack.workbook import MAX_FILE_BYTES, read_workbook  # noqa: E402
from tests.helpers import full_values, make_return  # noqa: E402


def median_time(fn, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(name: str, ours: float, baseline: float, baseline_name: str, per: int) -> None:
    print(f"{name:<44} {ours / per * 1000:8.2f} ms/file   {baseline_name:<26} {baseline / per * 1000:8.2f} ms/file"
          f"   ratio {baseline / ours:5.2f}×")


def main() -> None:
    files = [make_return(code, "2023", full_values(code)) for code in ("930", "931", "932", "933", "934", "935", "936", "937")]
    n = len(files)
    print(f"{n} template returns, {sum(map(len, files)) // n} bytes each on average\n")

    ours = median_time(lambda: [read_workbook(b) for b in files])
    base = median_time(lambda: [openpyxl.load_workbook(io.BytesIO(b), data_only=False) for b in files])
    row("read: plantrack.workbook (streaming)", ours, base, "openpyxl.load_workbook", n)
    cal = median_time(lambda: [python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(b)).get_sheet_by_index(0).to_python() for b in files])
    row("read: plantrack.workbook (streaming)", ours, cal, "python-calamine", n)

    check = median_time(lambda: [check_bytes(b) for b in files])
    print(f"{'check: read + locate + check':<44} {check / n * 1000:8.2f} ms/file")

    codes = ("930", "931", "932", "933", "934", "935", "936", "937")
    # distinct bytes for every load, so that none is "unchanged"
    batches = iter([[make_return(c, "2023", full_values(c, scale=k)) for c in codes] for k in range(2, 8)])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        units, plans = load_units(), load_plans()

        def load_with_session():
            for b in next(batches):
                ingest_bytes(store, b, "f.xlsx", units=units, plans=plans)

        def load_naive():  # baseline: every query opens and closes the store on its own
            for b in next(batches):
                _ingest(store, b, "f.xlsx", None, None, units, plans, MAX_FILE_BYTES, None, None)

        with_session = median_time(load_with_session, rounds=3)
        naive = median_time(load_naive, rounds=3)
        row("load: one store session per file", with_session, naive, "open per query", n)

    # a folder load: the store held across files for up to HOLD_SECONDS vs reopened for every file
    import plantrack.ingest as ingest_module
    folder_batches = iter([[make_return(c, "2023", full_values(c, scale=k)) for c in codes * 3] for k in range(20, 26)])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "folder.duckdb")

        def load_folder(hold: float):
            folder = Path(tmp) / f"f{hold}-{time.perf_counter_ns()}"
            folder.mkdir()
            for i, b in enumerate(next(folder_batches)):
                (folder / f"{i:03d}.xlsx").write_bytes(b)
            saved, ingest_module.HOLD_SECONDS = ingest_module.HOLD_SECONDS, hold
            try:
                list(ingest_module.ingest_paths(store, [folder]))
            finally:
                ingest_module.HOLD_SECONDS = saved

        held = median_time(lambda: load_folder(0.5), rounds=3)
        reopened = median_time(lambda: load_folder(0.0), rounds=3)
        row("folder load: store held ≤ 0.5 s at a time", held, reopened, "reopened for every file", 3 * n)

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.duckdb")
        t0 = time.perf_counter()
        build_demo(store, provinces=("93", "31"))
        print(f"\n{'demo load (2 provinces)':<44} {time.perf_counter() - t0:8.2f} s")
        rep = median_time(lambda: measure.province_report(store, "31", "2024"), rounds=5)
        print(f"{'measure: province_report (Hải Phòng, 1 period)':<44} {rep * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
