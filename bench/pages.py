"""Each dashboard page's time to its chart in headless Chromium, against the floor page (one plotly
chart, same Streamlit: FLOOR_PAGE, written to a temporary file), on the national store; and the app's RSS after
every page. Run alone: ``python bench/pages.py``; part of ``make bench``.

Every visit is a fresh browser page (a new Streamlit session); floor and page visits are
interleaved (floor, page 1, floor, page 2, …) for ROUNDS rounds; time = from navigation to the
first plotly chart drawn (``.js-plotly-plot .main-svg``).
"""

from __future__ import annotations

import os
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

from bench import stores  # noqa: E402

PY = sys.executable
SERVE = ("import sys; from streamlit.runtime.pages_manager import PagesManager; "
         "PagesManager.uses_pages_directory = False; from streamlit.web.cli import main; "
         "sys.argv[0] = 'streamlit'; sys.exit(main())")
PAGES = os.environ.get("BENCH_PAGES", "tong-quan tien-do huyen so-sanh-tinh nop-bao-cao-cac-huyen").split()
QUERY = "?province=92"
ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "3"))
FLOOR_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Bar(x=[f"CT0{i}" for i in range(1, 9)], y=[60, 72, 81, 55, 90, 47, 66, 75])))
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(script: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([PY, "-c", SERVE, "run", script, "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise TimeoutError(script)


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def main() -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "national.duckdb"
        shutil.copy(stores.build("national"), db)
        app, app_url = _start("serve.py", {"PLANTRACK_DB": str(db)})
        (Path(tmp) / "floor_page.py").write_text(FLOOR_PAGE, encoding="utf-8")
        floor, floor_url = _start(str(Path(tmp) / "floor_page.py"), {})
        times: dict[str, list[float]] = {p: [] for p in ["floor", *PAGES]}
        rss = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])

                def visit(url: str) -> float:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    try:
                        t0 = time.perf_counter()
                        page.goto(url)
                        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=60_000)
                        return time.perf_counter() - t0
                    except Exception:
                        print(f"  no chart within 60 s: {url}: {page.inner_text('body')[-400:]!r}")
                        return float("nan")
                    finally:
                        page.close()

                visit(floor_url)  # warm both servers (first script run imports)
                visit(f"{app_url}/tong-quan{QUERY}")
                for _ in range(ROUNDS):
                    for p in PAGES:
                        times["floor"].append(visit(floor_url))
                        times[p].append(visit(f"{app_url}/{p}{QUERY}"))
                        rss.append(_rss_mb(app.pid))
                browser.close()
        finally:
            for proc in (app, floor):
                proc.terminate()
                proc.wait(10)
    base = statistics.median(times["floor"])
    print(f"\ntime to the first chart in headless Chromium (national store, {QUERY}), s over {ROUNDS} interleaved rounds:")
    worst = 0.0
    for name, xs in times.items():
        xs = [x for x in xs if x == x] or [float("nan")]
        ratio = statistics.median(xs) / base
        if name != "floor":
            worst = max(worst, ratio)
        print(f"  {name:<24} median {statistics.median(xs):6.2f}   min–max {min(xs):.2f}–{max(xs):.2f}   ×{ratio:.2f}")
    print(f"  app RSS after each page: max {max(rss)} MB")
    return {"page_render_ratio_vs_plotly_page": worst, "app_rss_mb": float(max(rss))}


if __name__ == "__main__":
    for k, v in main().items():
        print(f"{k}: {v:.2f}")
