"""Work on an uploaded file in a child process held to the per-file limits.

Reading a file is bounded by the reader's own budgets; everything else done with a file's
bytes (the marked-up workbook, the upload preview, the command line's ``annotate``) goes
through ``run_bounded``: the work runs in a forked child whose CPU time (``RLIMIT_CPU``) and
address space (``RLIMIT_AS``) the kernel caps, so a file that would take a minute or a
gigabyte costs at most ``CPU_SECONDS`` of CPU and ``MEMORY_BYTES`` more address space, and
the caller gets ``LimitExceeded`` instead. Wall-clock time is never the judge: on a busy
machine a fair file must not fail because others were using the cores.

The child is forked from the caller (already warm: nothing is imported again), runs one
function, sends its pickled result through a pipe and exits without running the parent's
clean-up. ``tests/hostile/measure_child.py`` measures the reader the same way.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import traceback
from dataclasses import dataclass
from typing import Any, Callable

CPU_SECONDS = 10  # the contract's per-file ceilings (tests/test_hostile.py)
MEMORY_BYTES = 500 * 1024 * 1024


class LimitExceeded(Exception):
    """The work on a file ran out of CPU time or address space (``what``: "cpu" or "memory")."""

    def __init__(self, what: str, detail: str = ""):
        super().__init__(f"{what} limit exceeded{': ' + detail if detail else ''}")
        self.what = what


class ChildFailed(Exception):
    """The function raised in the child (its type name and traceback text are kept)."""


@dataclass
class Usage:
    """What the child used: CPU seconds (user + system) and peak resident memory in bytes."""

    cpu_seconds: float
    peak_rss_bytes: int


def _address_space() -> int:
    """This process's current virtual size in bytes (VmSize), the base the child's cap adds to."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_self(cpu_seconds: float, memory_bytes: int) -> None:
    soft = max(1, int(cpu_seconds + 0.999))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))  # SIGXCPU at soft, SIGKILL at hard
    cap = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _run_child(write_fd: int, fn: Callable, args: tuple, kwargs: dict, cpu_seconds: float, memory_bytes: int) -> None:
    try:
        _limit_self(cpu_seconds, memory_bytes)
        try:
            payload = ("ok", fn(*args, **kwargs))
        except MemoryError:
            payload = ("memory", "")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, never lost
            payload = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}")
        try:
            raw = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            raw = pickle.dumps(("memory", "pickling the result"))
        view = memoryview(raw)
        while view:
            view = view[os.write(write_fd, view):]
    finally:
        os._exit(0)


def run_bounded(fn: Callable[..., Any], *args: Any, cpu_seconds: float = CPU_SECONDS,
                memory_bytes: int = MEMORY_BYTES, usage: list | None = None, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a forked child capped at ``cpu_seconds`` of CPU and ``memory_bytes``
    of address space above the caller's; its (pickled) result.

    Raises ``LimitExceeded`` when a cap was hit (or the child died of a signal), ``ChildFailed``
    when ``fn`` raised. When ``usage`` is a list, a ``Usage`` is appended to it."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _run_child(write_fd, fn, args, kwargs, cpu_seconds, memory_bytes)
    os.close(write_fd)
    chunks = []
    try:
        with os.fdopen(read_fd, "rb") as pipe:  # read to EOF first: a big result would fill the pipe
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
    finally:
        _, status, rusage = os.wait4(pid, 0)
    if usage is not None:
        usage.append(Usage(rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss * 1024))
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        what = "cpu" if sig in (signal.SIGXCPU, signal.SIGKILL) else "memory"
        raise LimitExceeded(what, f"killed by signal {signal.Signals(sig).name}")
    raw = b"".join(chunks)
    if not raw:
        raise LimitExceeded("memory", "the child ended without an answer")
    kind, value = pickle.loads(raw)
    if kind == "memory":
        raise LimitExceeded("memory", value)
    if kind == "error":
        raise ChildFailed(value)
    return value
