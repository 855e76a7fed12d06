"""Measure ``check_bytes`` on one file at a time, each in its own child process.

Run as ``python tests/hostile/measure_child.py``: it imports the engine once, then for every
line ``SECONDS<TAB>PATH`` on stdin forks a child that reads the file the way the command line
does (``read_file_bounded``) and checks it, and answers one JSON line on stdout: the error and
warning codes, the child's own seconds in ``check_bytes``, and its peak resident memory as the
kernel reports it to the parent (``os.wait4`` → ``ru_maxrss``). A child that runs past SECONDS
is killed; one that dies (a native abort, the address-space limit) is reported as such. Forking
from an already-warm process keeps this cheap enough to run for every hostile file.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402,F401 - imported lazily by the reader; warm it before forking

from plantrack.ingest import check_bytes, read_file_bounded  # noqa: E402
from plantrack.plans import load_plans  # noqa: E402
from plantrack.units import load_units  # noqa: E402

ADDRESS_SPACE_LIMIT = 3 << 30  # a regression fails here instead of swapping the machine


def _child(path: str, out_fd: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    result: dict = {}
    try:
        data = read_file_bounded(Path(path))
        start = time.perf_counter()
        checked = check_bytes(data, UNITS, PLANS)
        result["seconds"] = time.perf_counter() - start
        result["errors"] = sorted({i.code for i in checked.errors})
        result["warnings"] = sorted({i.code for i in checked.warnings})
        result["messages"] = [i.message[:200] for i in checked.errors[:3]]
    except BaseException as exc:  # noqa: BLE001 - reporting what escaped is the point
        result["exception"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        result["traceback"] = traceback.format_exc()[-1500:]
    os.write(out_fd, json.dumps(result, ensure_ascii=False).encode())
    os.close(out_fd)


def measure(path: str, limit: float) -> dict:
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(path, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    chunks: list[bytes] = []
    timed_out = False
    while True:
        try:
            while chunk := os.read(read_fd, 1 << 16):
                chunks.append(chunk)
        except BlockingIOError:
            pass
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > limit:
            os.kill(pid, signal.SIGKILL)
            timed_out = True
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.005)
    try:
        while chunk := os.read(read_fd, 1 << 16):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    os.close(read_fd)
    raw = b"".join(chunks)
    result = json.loads(raw) if raw and not timed_out else {}
    result["wall_seconds"] = time.monotonic() - started
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    if timed_out:
        result["exception"] = f"killed after {limit:.0f} s"
    elif os.WIFSIGNALED(status):
        result["exception"] = f"died of signal {os.WTERMSIG(status)}"
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
