"""Commands that simulate: ``run``, ``compare``, ``sweep``, ``throughput``, and ``bench``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.cli.common import EXIT_EMPTY, _check_run_args, _executor, _progress, _read
from corridor.cli.parser import BENCHES
from corridor.errors import CorridorError

if TYPE_CHECKING:
    from corridor.analysis.sweep import RunStore


def cmd_run(args: argparse.Namespace) -> int:
    from corridor.analysis.runs import simulate
    from corridor.report.results import result_json, write_results
    from corridor.report.run_text import run_text

    _check_run_args(args)
    scenario = _read(args.scenario, args)
    result = simulate(scenario, replications=args.replications, seed=args.seed, executor=_executor(args),
                      progress=_progress(args))
    if args.out is not None:
        write_results(result, args.out)
    print(json.dumps(result_json(result), indent=2, allow_nan=False) if args.json else run_text(result))
    if args.out is not None and not args.json:
        print(f"records and summary written to {args.out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from corridor.analysis.compare import compare
    from corridor.report.compare_text import compare_text

    if len(args.scenarios) < 2:
        raise CorridorError("compare needs a base scenario and at least one other")
    _check_run_args(args)
    scenarios = [_read(path, args) for path in args.scenarios]
    comp = compare(scenarios, replications=args.replications, seed=args.seed, executor=_executor(args),
                   progress=_progress(args))
    written = []
    if args.out is not None:
        from corridor.report.compare_out import write_comparison

        written = write_comparison(comp, args.out, list(args.scenarios), args.allow_paths)
    if args.json:
        from corridor.report.compare_out import metadata, summary_json

        meta = metadata(comp, list(args.scenarios), args.allow_paths)
        print(json.dumps(summary_json(comp, meta), indent=2, allow_nan=False))
    else:
        print(compare_text(comp))
        if written:
            print(f"\nwrote {args.out}/: report.html, summary.json, {len(written) - 2} tables and plots")
    return 0


def _grid_start(args: argparse.Namespace):  # noqa: ANN202 - (raw data, name, replications, seed, store)
    """The common start of sweep and throughput: arguments checked, the scenario read and
    validated as it is (a broken file fails here, before anything runs), the store opened."""
    from corridor.scenario.load import validate_raw
    from corridor.scenario.overrides import load_raw

    _check_run_args(args, out_checked=True)  # open_store checks --out, knowing --resume
    if args.resume and args.out is None:
        raise CorridorError("--resume needs --out DIR, the folder of the run to finish")
    raw = load_raw(args.scenario, allow_paths=args.allow_paths)
    base = validate_raw(raw, str(args.scenario))
    replications = args.replications if args.replications is not None else base.run.replications
    seed = args.seed if args.seed is not None else base.run.seed
    store = None
    if args.out is not None:
        from corridor.report.sweep_out import open_store

        store = open_store(args.out, resume=args.resume, command=args.command)
        if args.resume and len(store) == 0:  # a mistyped folder would run everything unsaid
            print(f"note: {args.out} holds no runs to resume; starting afresh there", file=sys.stderr)
    return raw, replications, seed, store


def _write_keeping_runs(write: Callable[[], object], args: argparse.Namespace,
                        store: RunStore | None) -> None:
    """``write`` the tables and plots; where that fails (a full disk), the error says that the
    finished runs are kept and that --resume writes them (it said only "cannot write there")."""
    try:
        write()
    except CorridorError as exc:
        if store is None or len(store) == 0:
            raise
        raise CorridorError(f"{exc}; the {len(store)} finished runs are kept in {args.out}/runs: the same "
                            "command with --resume writes the results without running them again") from None


def _resume_hint(args: argparse.Namespace, store: object) -> None:
    if store is not None and len(store) > 0:  # type: ignore[arg-type]
        # on a line of its own: the progress bar an interrupt stopped may hold the cursor
        print(f"\n{len(store)} finished runs are kept in {args.out}/runs; the same command with "  # type: ignore[arg-type]
              "--resume does only the rest", file=sys.stderr)


def cmd_sweep(args: argparse.Namespace) -> int:
    from corridor.analysis.sweep import grid, sweep
    from corridor.executors import ClusterLost
    from corridor.scenario.overrides import check_settings, parse_setting

    settings = [parse_setting(text, repeats=args.zip) for text in args.settings]
    combos = grid(settings, zipped=args.zip)
    raw, replications, seed, store = _grid_start(args)
    check_settings(raw, settings)
    try:
        result = sweep(raw, str(args.scenario), combos, replications=replications, seed=seed,
                       executor=_executor(args), store=store, progress=_progress(args, "runs"),
                       refuse_empty=True)
    except (KeyboardInterrupt, ClusterLost):
        _resume_hint(args, store)
        raise
    from corridor.report.sweep_out import metadata, sweep_json, sweep_text, write_sweep
    from corridor.report.tables import terminal_width

    if args.out is not None and (result.runs or result.failures):
        if not args.quiet and sys.stderr.isatty():  # a grid of thousands takes a minute to write
            print(f"writing {args.out}/: the tables and plots of {len(result.combinations):,} "
                  "combinations", file=sys.stderr, flush=True)
        if store is not None:
            store.claim()  # no run kept (every one failed): still refused if another filled it
        _write_keeping_runs(lambda: write_sweep(result, args.out, [args.scenario], args.allow_paths),
                            args, store)
    if args.json:
        meta = metadata(result, [args.scenario], args.allow_paths)
        print(json.dumps(sweep_json(result, meta), indent=2, allow_nan=False))
    else:
        # on a terminal, a table wider than it comes in parts that fit (one line a row in a file)
        print(sweep_text(result, out=args.out, width=terminal_width() if sys.stdout.isatty() else None))
        if args.out is not None:
            print(f"\nwrote {args.out}/: sweep.json, tables/ (runs, summary, failures), plots/")
    if not result.runs:
        raise CorridorError(f"every combination failed ({len(result.failures)}); nothing ran")
    return EXIT_EMPTY if result.failures else 0


def cmd_throughput(args: argparse.Namespace) -> int:
    from corridor.analysis.throughput import DEFAULT_SCALES, parse_scales, throughput
    from corridor.executors import ClusterLost
    from corridor.scenario.overrides import check_settings, parse_setting

    scales = parse_scales(args.scale if args.scale is not None else DEFAULT_SCALES)
    settings = [parse_setting(text) for text in args.settings]
    for setting in settings:
        if len(setting.values) != 1:
            raise CorridorError(f"--set {setting.path}: throughput takes one value a setting, here "
                                f"{len(setting.values)} (corridor sweep runs several)")
    paths = [setting.path for setting in settings]
    twice = next((path for k, path in enumerate(paths) if path in paths[:k]), None)
    if twice is not None:
        raise CorridorError(f"--set {twice} is given twice")
    raw, replications, seed, store = _grid_start(args)
    check_settings(raw, settings)
    try:
        res = throughput(raw, str(args.scenario), scales, replications=replications, seed=seed,
                         max_transit_days=args.max_transit_days, executor=_executor(args), store=store,
                         progress=_progress(args, "runs"), settings=settings)
    except (KeyboardInterrupt, ClusterLost):
        _resume_hint(args, store)
        raise
    from corridor.report.sweep_out import metadata
    from corridor.report.throughput_out import throughput_json, throughput_text, write_throughput

    if args.out is not None:
        if store is not None:
            store.claim()
        _write_keeping_runs(lambda: write_throughput(res, args.out, [args.scenario], args.allow_paths),
                            args, store)
    if args.json:
        meta = metadata(res.sweep, [args.scenario], args.allow_paths)
        print(json.dumps(throughput_json(res, meta), indent=2, allow_nan=False))
    else:
        print(throughput_text(res))
        if args.out is not None:
            print(f"\nwrote {args.out}/: throughput.json, tables/ (steps, utilisation, runs), "
                  "plots/saturation.png")
    return EXIT_EMPTY if res.sweep.failures else 0


def cmd_bench(args: argparse.Namespace) -> int:
    import importlib.util

    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    if not folder.is_dir():
        raise CorridorError(f"benchmarks/ not found next to the package ({folder}); "
                            "corridor bench runs from a source checkout")
    names = args.names or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise CorridorError(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHES)}")
    if "queues" in names and importlib.util.find_spec("ciw") is None:
        names = [n for n in names if n != "queues"]
        print("=== queues === skipped: its peer, ciw, is not installed (pip install -e '.[bench]')\n",
              flush=True)
    sys.path.insert(0, str(folder))
    for name in names:
        print(f"=== {name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(f"bench_{name}", folder / f"bench_{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        code = module.main(["--quick"] if args.quick else [])
        if code:
            return int(code)
        print()
    return 0
