"""Benchmarks for issue 11 ("fast at national size"), measured side by side, printed as ratios.

Run with `make bench` (`python bench/run.py [ingest] [engine] [start]` for a part). Never
asserted in tests: shared machines are noisy. Every comparison runs its contenders interleaved
(A, B, C, A, B, C, …) and prints medians with min–max.

1. ingest: the 696 returns of a folder (every old district, 2023), end to end as a user runs it
   (a fresh process: `plantrack ingest FOLDER --json` into a new store — every check, every
   byte kept, one transaction per file) vs an analyst's script (bench/analyst_script.py:
   pandas.read_excel per file + one DuckDB insert) with openpyxl and with calamine. Peak RSS of
   our load is printed too.
2. engine: every engine call a page makes on the national store and on the 10,000-unit ×
   12-period stress store (bench/stores.py, bench/engine.py), p95 in ms.
3. start: `make run`'s first start on a fresh store: `plantrack demo` (every demo return through
   the real ingest), then the server up and answering its health check.
4. pages: each dashboard page's time to its chart in headless Chromium against a page with one
   plotly chart, and the app's RSS after every page (bench/pages.py).
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import engine  # noqa: E402

PY = sys.executable
RESULTS = ROOT / "bench" / "results"
FOLDER = RESULTS / "returns-696"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):7.2f}   min–max {min(xs):.2f}–{max(xs):.2f}"


def returns_folder() -> Path:
    """The 696 template returns (tests/test_concurrency.py's make_returns_folder), made once."""
    if not FOLDER.exists() or len(list(FOLDER.rglob("*.xlsx"))) != 696:
        from tests.test_concurrency import make_returns_folder
        shutil.rmtree(FOLDER, ignore_errors=True)
        make_returns_folder(FOLDER)
    return FOLDER


def run_timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB of the process or any child it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(before, after) // 1024


def bench_ingest() -> dict[str, float]:
    folder = returns_folder()
    contenders = {
        "plantrack ingest (every check, bytes kept)": lambda db: [PY, "-m", "plantrack", "ingest", str(folder),
                                                                  "--json", "--received", "2023-07-01", "--db", str(db)],
        "analyst script: pandas + openpyxl": lambda db: [PY, "bench/analyst_script.py", str(folder), str(db),
                                                         "--engine", "openpyxl"],
        "analyst script: pandas + calamine": lambda db: [PY, "bench/analyst_script.py", str(folder), str(db),
                                                         "--engine", "calamine"],
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    rss: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(ROUNDS):
            for name, cmd in contenders.items():
                db = Path(tmp) / f"{r}-{len(times[name])}-{name[:9].replace(' ', '_')}.duckdb"
                wall, peak = run_timed(cmd(db))
                times[name].append(wall)
                if name.startswith("plantrack"):
                    rss.append(peak)
    print(f"\ningest of {len(list(folder.rglob('*.xlsx')))} returns, end to end (a fresh process each), "
          f"seconds over {ROUNDS} interleaved rounds:")
    for name, xs in times.items():
        print(f"  {name:<44} {spread(xs)}")
    print(f"  peak RSS of plantrack ingest (the process or a checking child, the largest): {max(rss)} MB "
          "(ru_maxrss of children: a high-water mark over the run so far)")
    ours = statistics.median(times["plantrack ingest (every check, bytes kept)"])
    return {"ingest_speedup_vs_pandas_openpyxl": statistics.median(times["analyst script: pandas + openpyxl"]) / ours,
            "ingest_speedup_vs_pandas_calamine": statistics.median(times["analyst script: pandas + calamine"]) / ours}


def bench_engine() -> dict[str, float]:
    out = {"engine_p95_ms_national": engine.report("national"), "engine_p95_ms_stress": engine.report("stress")}
    engine.report("national", rounds=10, in_session=False)  # the command line: one opening per call
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_start() -> dict[str, float]:
    """`make run`'s first start on a fresh store: the demo, then the server until it answers."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "first.duckdb"
        env = {"PLANTRACK_DB": str(db)}
        demo, peak = run_timed([PY, "-m", "plantrack", "demo"], env)
        port = free_port()
        serve = ("import sys; from streamlit.runtime.pages_manager import PagesManager; "
                 "PagesManager.uses_pages_directory = False; from streamlit.web.cli import main; "
                 "sys.argv[0] = 'streamlit'; sys.exit(main())")
        t0 = time.perf_counter()
        proc = subprocess.Popen([PY, "-c", serve, "run", "serve.py", "--server.port", str(port),
                                 "--server.headless", "true"], cwd=ROOT, env={**os.environ, **env},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while time.perf_counter() - t0 < 60:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            server = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(10)
        from plantrack.store import Store
        n = Store(db).rows("SELECT count(*) FROM receipts")[0][0]
    print(f"\nfirst start on a fresh store: demo {demo:.1f} s ({n} files through the real ingest, "
          f"peak RSS {peak} MB) + server up {server:.1f} s = {demo + server:.1f} s")
    return {"first_start_s": demo + server}


def main() -> None:
    parts = sys.argv[1:] or ["ingest", "engine", "start", "pages"]
    out: dict[str, float] = {}
    if "ingest" in parts:
        out.update(bench_ingest())
    if "engine" in parts:
        out.update(bench_engine())
    if "start" in parts:
        out.update(bench_start())
    if "pages" in parts:
        from bench import pages
        out.update(pages.main())
    print()
    for key, value in out.items():
        print(f"{key}: {value:.2f}" if "speedup" in key or "ratio" in key or key.endswith("_s") else f"{key}: {value:.1f}")


if __name__ == "__main__":
    main()
