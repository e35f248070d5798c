"""Shared helpers for the benchmarks: timing, machine description, results file."""

from __future__ import annotations

import json
import os
import platform
import statistics
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
    quote. Quick runs go under SECTION_quick, so they never replace full figures."""
    target = RESULTS if os.environ.get("CORRIDOR_RECORD_BENCH") == "1" else LOCAL_RESULTS
    data: dict[str, Any] = {}
    if target.exists():
        data = json.loads(target.read_text(encoding="utf-8"))
    if figures.get("quick"):
        section += "_quick"
    data[section] = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **figures}
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target
