"""What the commands share: reading a scenario, where replications run, progress, checks on outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corridor.errors import CorridorError

EXIT_EMPTY = 1  # a legitimate empty answer: no route


def _executor(args: argparse.Namespace):  # noqa: ANN202 - an Executor
    from corridor.executors import Executor

    return Executor(workers=args.workers, dask=args.dask)


def _read(path: Path, args: argparse.Namespace):  # noqa: ANN202 - returns a Scenario
    from corridor.scenario import load_scenario

    return load_scenario(path, allow_paths=args.allow_paths)


def _check_image(path: Path, *, page_too: bool = False) -> None:
    """A picture's name (``page_too``: map, which also writes .html)."""
    from corridor.report.files import check_writable_file

    check_writable_file(path)  # first: a folder is said to be one, not an image type to fix
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        kinds = ".png, .svg, .pdf or .html" if page_too else ".png, .svg or .pdf"
        raise CorridorError(f"{path}: unsupported image type {suffix or '(none)'!r}; use {kinds}")


def _not_an_input(outputs: dict[str, Path], args: argparse.Namespace) -> None:
    """No output may replace a file the scenario is read from: the scenario, a file it extends,
    its services_from feed (``export --gtfs feed.zip`` replaced the feed, and the scenario no
    longer loaded)."""
    from corridor.scenario.load import scenario_files

    inputs = scenario_files(args.scenario, allow_paths=args.allow_paths)
    for flag, out in outputs.items():
        role = inputs.get(Path(out).resolve())  # (a loop of links was refused as unwritable)
        if role is not None:
            raise CorridorError(f"{out}: the scenario is read from this file{f' ({role})' if role else ''}; "
                                f"write {flag} elsewhere")


def _load(args: argparse.Namespace):  # noqa: ANN202 - returns (scenario, graph)
    from corridor.network import build_network

    scenario = _read(args.scenario, args)
    return scenario, build_network(scenario)


def _progress(args: argparse.Namespace, noun: str = "replications"):  # noqa: ANN202 - a callback or None
    """A progress bar on stderr when it is a terminal (with the time left, once it can be
    guessed); nothing when piped or with --quiet."""
    if args.quiet or not sys.stderr.isatty():
        return None
    import time

    dask = getattr(args, "dask", None)
    if dask is not None:  # reaching a scheduler and its first worker can take a while: say so
        from corridor.executors import DASK_TIMEOUT_S

        what = ("starting a local Dask cluster" if dask == "local" else
                f"connecting to the Dask scheduler at {dask} (up to {DASK_TIMEOUT_S} s)")
        print(f"{what}; the bar starts once a worker is there", file=sys.stderr, flush=True)

    started: list[tuple[float, int]] = []

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if not started:
            started.append((now, done))  # runs read back (resumed) do not count towards the pace
        width = 30
        filled = width * done // max(total, 1)
        t0, d0 = started[0]
        left = ""
        if done > d0 and done < total and now - t0 > 2:
            seconds = (now - t0) / (done - d0) * (total - done)
            left = (f", about {seconds / 60:.0f} min left" if seconds >= 90
                    else f", about {seconds:.0f} s left")
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {noun}{left}\033[K",
              end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show


def _more_workers_than_cores(workers: int | None) -> None:
    """A note, not a refusal, when --workers asks for more processes than the machine has
    cores: they take turns on the cores, so the runs end no sooner, and each holds a
    replication in memory."""
    import os

    cores = os.cpu_count()
    if workers and cores and workers > cores:
        print(f"note: --workers {workers} is more than this machine's {cores} cores: the runs take "
              f"turns on them (no sooner done), and each worker holds a replication in memory",
              file=sys.stderr)


def _check_run_args(args: argparse.Namespace, *, out_checked: bool = False) -> None:
    # the bounds of run.seed and run.replications: the option takes what the file may say
    from corridor.analysis.runs import check_run_arguments

    check_run_arguments("", replications=args.replications, seed=args.seed, workers=args.workers,
                        options=True)
    if args.dask is not None and not args.dask.strip():
        raise CorridorError("--dask needs a scheduler address (tcp://HOST:PORT) or 'local'")
    _more_workers_than_cores(args.workers)
    if args.out is not None and not out_checked:
        from corridor.report.results import check_out

        check_out(args.out)
