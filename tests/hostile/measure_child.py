"""Measure ``check_bytes`` on one file at a time, each in its own child process.

Run as ``python tests/hostile/measure_child.py``: it imports the engine once, then for every
line ``SECONDS<TAB>PATH`` on stdin runs, in a child forked by ``plantrack.bounded.run_bounded``
(the same mechanism the engine uses for every piece of work on a file), a reading of the file the
way the command line does (``read_file_bounded``) and its check, and answers one JSON line on
stdout: the error and warning codes, the child's CPU seconds in ``check_bytes``, and its peak
resident memory as the kernel reports it to the parent (``os.wait4`` → ``ru_maxrss``). The child
is capped by the kernel at SECONDS of CPU and 500 MB of address space above this process
(RLIMIT_CPU, RLIMIT_AS), never by a wall clock: a busy machine slows a file down without failing
it. A child that hits a cap or dies is reported as such. Forking from an already-warm process
keeps this cheap enough to run for every hostile file.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402,F401 - imported lazily by the reader; warm it before forking

from plantrack.bounded import MEMORY_BYTES, ChildFailed, LimitExceeded, run_bounded  # noqa: E402
from plantrack.ingest import check_bytes, read_file_bounded  # noqa: E402
from plantrack.plans import load_plans  # noqa: E402
from plantrack.units import load_units  # noqa: E402


def _judge(path: str) -> dict:
    data = read_file_bounded(Path(path))
    start = time.process_time()
    checked = check_bytes(data, UNITS, PLANS)
    return {"seconds": time.process_time() - start,
            "errors": sorted({i.code for i in checked.errors}),
            "warnings": sorted({i.code for i in checked.warnings}),
            "messages": [i.message[:200] for i in checked.errors[:3]]}


def measure(path: str, limit: float) -> dict:
    usage: list = []
    started = time.monotonic()
    try:
        result = run_bounded(_judge, path, cpu_seconds=limit, memory_bytes=MEMORY_BYTES, usage=usage)
    except LimitExceeded as exc:
        result = {"exception": f"{exc.what} limit: {exc}"}
    except ChildFailed as exc:
        text = str(exc)
        result = {"exception": text.split("\n", 1)[0][:300], "traceback": text[-1500:]}
    except BaseException as exc:  # noqa: BLE001 - reporting what escaped is the point
        result = {"exception": f"{type(exc).__name__}: {str(exc)[:300]}", "traceback": traceback.format_exc()[-1500:]}
    result["wall_seconds"] = time.monotonic() - started
    result["peak_mb"] = usage[0].peak_rss_bytes / 2**20 if usage else 0.0
    return result


if __name__ == "__main__":
    UNITS, PLANS = load_units(), load_plans()
    check_bytes(b"", UNITS, PLANS)  # warm every lazy import before the first fork
    # VmHWM, not getrusage: ru_maxrss survives exec, so it would report the pytest process that started us
    hwm = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"ready": True, "baseline_mb": int(hwm.split()[1]) / 1024}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        seconds, _, path = line.rstrip("\n").partition("\t")
        print(json.dumps(measure(path, float(seconds)), ensure_ascii=False), flush=True)
