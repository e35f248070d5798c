"""Shared helpers for the benchmarks: timing, machine description, results file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"  # the figures the docs quote, rewritten only on purpose
LOCAL_RESULTS = HERE / "results.local.json"  # everyone's own runs (not tracked by git)


def parse_quick(doc: str | None, what: str, argv: list[str] | None) -> bool:
    """The benchmark's command line: its docstring as help, and --quick."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=what)
    return bool(parser.parse_args(argv).quick)


def timed(fn: Callable[[], Any], *, repeats: int = 5) -> tuple[float, Any]:
    """Median wall time in seconds over ``repeats`` calls, and the last result."""
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    import numpy as np

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "processor": f"{_cpu_model()} ({platform.machine()})",
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
    }


def record(section: str, figures: dict[str, Any]) -> Path:
    """Merge one benchmark's figures into results.local.json (other sections are kept), or,
    with CORRIDOR_RECORD_BENCH=1 in the environment, into the tracked results.json the docs
    quote. Quick runs go under SECTION_quick, so they never replace full figures.

    A results file that cannot be read as sections of figures is left as it is, and the run's
    figures go to a file of their own beside it; either way a problem is a CorridorError that
    names the file (the figures were printed before)."""
    from corridor.errors import CorridorError

    target = RESULTS if os.environ.get("CORRIDOR_RECORD_BENCH") == "1" else LOCAL_RESULTS
    if figures.get("quick"):
        section += "_quick"
    entry = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **figures}
    try:
        # one benchmark at a time reads, merges and rewrites it: two at once kept one section
        with open(target.with_name(target.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data, problem = _read_results(target)
            if problem is None:
                data[section] = entry
                _write_json(target, data)
                return target
            aside = target.with_name(f"{target.stem}.{time.strftime('%Y%m%d-%H%M%S')}.json")
            _write_json(aside, {section: entry})
    except OSError as exc:
        raise CorridorError(f"{target}: cannot record the benchmark's figures there ({exc.strerror or exc}); "
                            "they are printed above") from None
    raise CorridorError(f"{target}: not benchmark results ({problem}); left as it is, and this run's "
                        f"figures are in {aside}")


def _read_results(path: Path) -> tuple[dict[str, Any], str | None]:
    """The sections of a results file (none if it is missing), or the problem reading it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, str(exc)
    if not isinstance(data, dict):
        return {}, f"a JSON {type(data).__name__}, not an object of sections"
    return data, None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file of its own, renamed)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
