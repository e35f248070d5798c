"""Run a piece of a test within a time limit and a memory limit, so that a hang or a runaway
allocation fails the test at once instead of stalling or exhausting the machine."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path


class TookTooLong(AssertionError):
    pass


def _address_space() -> int | None:
    """Bytes of address space this process maps now (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def bounded(seconds: float, extra_bytes: int = 2 * 2**30) -> Iterator[None]:
    """Fail with :class:`TookTooLong` after ``seconds``; fail with MemoryError if the block
    maps more than ``extra_bytes`` beyond what the process maps now. Each guard is skipped
    where the platform lacks it (no SIGALRM, not the main thread, no /proc or ``resource``)."""
    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    old_handler = None
    if use_alarm:
        def on_alarm(signum: int, frame: object) -> None:
            raise TookTooLong(f"took more than {seconds} s")

        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    limits = None
    now = _address_space()
    if now is not None and sys.platform.startswith("linux"):
        import resource

        limits = resource.getrlimit(resource.RLIMIT_AS)
        cap = now + extra_bytes
        if limits[1] == resource.RLIM_INFINITY or cap < limits[1]:
            resource.setrlimit(resource.RLIMIT_AS, (cap, limits[1]))
        else:
            limits = None
    try:
        yield
    finally:
        if limits is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, limits)
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
