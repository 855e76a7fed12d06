"""Measure ``check_bytes`` on one file at a time, each in its own child process.

Run as ``python tests/hostile/measure_child.py``: it imports the engine once, then for every
line ``CPU_SECONDS<TAB>WALL_GUARD<TAB>PATH`` on stdin forks a child that reads the file the way
the command line does (``read_file_bounded``) and checks it, and answers one JSON line on stdout:
the error and warning codes, the CPU seconds (user + system) the child spent in ``check_bytes``
by its own count (``cpu_seconds``) and in all as the kernel reports it to the parent
(``os.wait4``: ``cpu_total``), and its peak resident memory (``ru_maxrss``).

The limits are the child's own, as the kernel enforces them: CPU time (``RLIMIT_CPU``, SIGXCPU
past CPU_SECONDS) and address space (``RLIMIT_AS``). Wall-clock time is never a limit: on a
loaded machine it measures the other processes. WALL_GUARD only stops a child that hangs without
spending CPU (a deadlock, a blocked read); it is killed and reported as a hang. A child that dies
(a native abort, a limit) is reported with the signal.
"""

from __future__ import annotations

import json
import math
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(path: str, out_fd: int, cpu_limit: float) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    cpu = math.ceil(cpu_limit)  # whole seconds of CPU; SIGXCPU (fatal) at the soft limit
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    result: dict = {}
    try:
        if path == "<spin>":  # the harness's own test: spend CPU until the kernel stops it
            while True:
                pass
        if path == "<sleep>":  # ... and hang without spending any
            time.sleep(3600)
        data = read_file_bounded(Path(path))
        start = _cpu()
        checked = check_bytes(data, UNITS, PLANS)
        result["cpu_seconds"] = _cpu() - start
        result["errors"] = sorted({i.code for i in checked.errors})
        result["warnings"] = sorted({i.code for i in checked.warnings})
        result["messages"] = [i.message[:200] for i in checked.errors[:3]]
    except BaseException as exc:  # noqa: BLE001 - reporting what escaped is the point
        result["exception"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        result["traceback"] = traceback.format_exc()[-1500:]
    os.write(out_fd, json.dumps(result, ensure_ascii=False).encode())
    os.close(out_fd)


def measure(path: str, cpu_limit: float, wall_guard: float) -> dict:
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(path, write_fd, cpu_limit)
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
        if time.monotonic() - started > wall_guard:  # a hang guard, not a time limit
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
    result["wall_seconds"] = time.monotonic() - started  # reported for reading the numbers, never judged
    result["cpu_total"] = usage.ru_utime + usage.ru_stime
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    if timed_out:
        result["exception"] = (f"hang: still running after {wall_guard:.0f} s of wall-clock time having used "
                               f"{result['cpu_total']:.1f} s of CPU (the limit is {cpu_limit:.0f} s of CPU)")
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = {signal.SIGXCPU: f": over the CPU limit of {math.ceil(cpu_limit)} s",
               signal.SIGKILL: ": killed (the CPU hard limit, or the system out of memory)"}.get(sig, "")
        result["exception"] = f"died of signal {signal.Signals(sig).name}{why}"
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
        cpu_limit, wall_guard, path = line.rstrip("\n").split("\t", 2)
        print(json.dumps(measure(path, float(cpu_limit), float(wall_guard)), ensure_ascii=False), flush=True)
