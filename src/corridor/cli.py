"""The ``corridor`` command: parse arguments, call one function, print or write.

Every error a user can cause ends with a message on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from corridor.errors import CorridorError, NoRouteError, PlanningError, ScenarioLimitError

EXIT_EMPTY = 1  # a legitimate empty answer: no route
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}  # what a write to a full disk meets
BENCHES = ("planning", "queues", "simulation", "scaling", "executors", "throughput", "reference")


def _path(text: str) -> Path:
    """A file or folder name; an empty one (an unset shell variable, ``--out "$OUT"``) is
    refused: as a path it names the current folder, and results went there, or a scenario was
    'a folder'."""
    if not text:
        raise argparse.ArgumentTypeError("an empty name; give a file or folder name")
    if _CONTROL.search(text) or "\n" in text or "\t" in text:  # every message naming it would be garbled
        raise argparse.ArgumentTypeError(f"{text!r}: a name holding control characters (a newline, "
                                         "ESC, ...); rename it or give another")
    return Path(text)


def _out_path(text: str) -> Path:
    """An output file or folder name (:func:`_path`) in UTF-8: the table, GeoPackage and Parquet
    writers take nothing else (a name of other bytes went out as a traceback)."""
    path = _path(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"{text!r}: a name that is not UTF-8; give another") from None
    return path


def _out_file(text: str) -> Path:
    """An output file's name (:func:`_out_path`). One that ends in a slash names a folder, which
    the path would drop (``map.png/`` is ``map.png``): refused, as a folder given is."""
    path = _out_path(text)
    if text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{text}: ends in a slash, a folder's name; give a file name")
    return path


def _scenario_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=_path, help="scenario YAML file (see docs/scenarios.md)")
    _allow_path_arg(parser)


def _folder(text: str) -> Path:
    """A folder that exists (an --allow-path that names nothing, or a file, allowed nothing)."""
    path = _path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {'not a folder' if path.exists() else 'no such folder'}")
    return path


def _allow_path_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-path", dest="allow_paths", action="append", type=_folder, default=[],
                        metavar="DIR", help="a folder `extends` may also read from (repeatable); by "
                        "default a scenario extends only files in its own folder tree")


def _simulation_args(p: argparse.ArgumentParser, whose: str) -> None:
    p.add_argument("--replications", type=_whole, metavar="N", help=f"default: {whose} run.replications")
    p.add_argument("--seed", type=_whole, metavar="S", help=f"default: {whose} run.seed")
    _executor_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _executor_args(p: argparse.ArgumentParser) -> None:
    """One choice of where runs go, shared by run, compare, sweep and throughput; the numbers
    are the same, bit for bit, whichever is chosen."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_whole, metavar="N",
                       help="run in N local processes (default or 0: one per core; 1: in this process)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run on the dask.distributed scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786; "
                       "it and its workers need corridor installed), or 'local' for a Dask cluster on this "
                       "machine; needs pip install 'corridor[dask]'")


def _executor(args: argparse.Namespace):  # noqa: ANN202 - an Executor
    from corridor.executors import Executor

    return Executor(workers=args.workers, dask=args.dask)


def _read(path: Path, args: argparse.Namespace):  # noqa: ANN202 - returns a Scenario
    from corridor.scenario import load_scenario

    return load_scenario(path, allow_paths=args.allow_paths)


class _WholeIdsHelpFormatter(argparse.HelpFormatter):
    """Option help wrapped at spaces only: argparse also breaks at hyphens and within words
    longer than a line, which split the example path
    services.EU-BRANIEWO-DUISBURG.dispatch.paths_per_day=2 of ``throughput --help`` across two
    lines, so that it no longer worked when copied (a longer line is the lesser harm)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False, break_long_words=False)


class _Parser(argparse.ArgumentParser):
    """The command line's parser (and its commands'): a value echoed in an error is clipped
    (:func:`_clipped`)."""

    def error(self, message: str) -> NoReturn:
        super().error(_clipped(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corridor",
        description=(
            "Route planning and simulation for the Astana - Vilnius link and the "
            "China - Kazakhstan - Lithuania - Europe rail corridor."
        ),
    )
    from corridor import __version__

    parser.add_argument("--version", action="version", version=f"corridor {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of a one-line message")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a scenario file and print a one-line summary",
                       description="Load a scenario (with everything it extends) and check it. "
                       "Exit 0 with a summary, or exit 2 listing every problem with its place.")
    _scenario_arg(p)

    p = sub.add_parser("show", help="list places, services, links, demand and disruptions",
                       description="Print the scenario's contents as tables, with each service's "
                       "derived distance, duration, cost and CO2.")
    _scenario_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    p = sub.add_parser("map", help="draw the network to an image file or an interactive page",
                       description="Draw places at their coordinates and services coloured by mode: "
                       "a picture (.png, .svg, .pdf), or one self-contained page (.html) that pans and "
                       "zooms and needs no network.")
    _scenario_arg(p)
    p.add_argument("-o", "--output", type=_out_file, required=True,
                   help="file to write (.png, .svg, .pdf or .html)")

    p = sub.add_parser(
        "export", help="write the network for other tools: GTFS, GeoJSON, GeoPackage, GraphML",
        description="Write the scenario for analysts' tools (docs/interchange.md): its timetabled "
        "services as a GTFS feed, its places and services as GeoJSON or GeoPackage layers, its graph "
        "as GraphML. Give one or more outputs; each file is written whole or not at all.")
    _scenario_arg(p)
    p.add_argument("--gtfs", type=_out_file, metavar="OUT.zip", help="GTFS feed of the timetabled services")
    p.add_argument("--geojson", type=_out_file, metavar="OUT.geojson",
                   help="places, services and links (WGS 84)")
    p.add_argument("--gpkg", type=_out_file, metavar="OUT.gpkg",
                   help="the same as a GeoPackage (needs GeoPandas)")
    p.add_argument("--graphml", type=_out_file, metavar="OUT.graphml", help="the networkx graph as GraphML")
    p.add_argument("--timezone", metavar="ZONE",
                   help="the GTFS feed's time zone (default: the zone most services start in)")
    p.add_argument("--start", type=_date_arg, metavar="DATE",
                   help="first day of the GTFS feed (default: the scenario's valid_from, else run.start)")
    p.add_argument("--end", type=_date_arg, metavar="DATE",
                   help="last day of the GTFS feed (default: the scenario's valid_to, else 364 days on)")

    p = sub.add_parser(
        "plan", help="earliest arrival and alternatives from one place to another",
        description="Exact earliest-arrival itinerary on the scenario's timetables, and every "
        "alternative that no other beats in all of arrival, transfers, cost and CO2. Minimum "
        "connection and check-in times apply; times print in local time with UTC offsets.")
    _scenario_arg(p)
    _route_args(p)
    p.add_argument("--depart", required=True, metavar="TIME",
                   help="when the traveller or container is ready at the origin, ISO 8601; local "
                   "time at the origin unless an offset is given (2027-03-01T08:00, ...T08:00+05:00)")
    p.add_argument("--direct-only", action="store_true", help="only journeys on a single service")
    p.add_argument("--window-days", type=_positive_float, metavar="D",
                   help="only journeys arriving within D days of --depart (default 60)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = sub.add_parser(
        "profile", help="earliest arrival for every departure time across a week",
        description="For every departure time from --start over --days, the earliest arrival and the "
        "total time including the wait for the next service; prints summary statistics and which "
        "route is fastest for what share of the time.")
    _scenario_arg(p)
    _route_args(p)
    p.add_argument("--start", metavar="TIME",
                   help="first departure time, ISO 8601, local at the origin unless an offset is given "
                   "(default: Monday 00:00 local at the origin, of the week the scenario starts in)")
    p.add_argument("--step-min", type=_positive_float, default=1.0, metavar="M",
                   help="minutes between departure times (default 1)")
    p.add_argument("--days", type=_profile_days, default=7.0, help="span in days (default 7, at most a year)")
    p.add_argument("--plot", type=_out_file, metavar="FILE",
                   help="also draw total time against departure time")
    p.add_argument("--json", action="store_true", help="print JSON (with every total time) instead of text")

    p = sub.add_parser(
        "run", help="simulate the scenario's demand and print KPIs",
        description="Discrete-event simulation of passengers and containers over the scenario's horizon "
        "(plus its drain days), replicated; prints KPIs with 95% confidence intervals. With --out, "
        "writes per-entity records (CSV) and summary.json into a new folder.")
    _scenario_arg(p)
    _simulation_args(p, "the scenario's")
    p.add_argument("--out", type=_out_path, metavar="DIR",
                   help="new (or empty) folder for records and summary")
    p.add_argument("--json", action="store_true", help="print the KPI summary as JSON")

    p = sub.add_parser(
        "compare", help="what changes between scenarios: paired differences with 95%% CIs",
        description="Compare each scenario with the first (the base). Timetable side: the week "
        "profile of every demand flow, both ways. Simulation side: every scenario run with the "
        "same seed (common random numbers), each KPI's paired difference with its 95% confidence "
        "interval. Prints the headline first; --out writes summary.json, tidy tables (CSV and "
        "Parquet), plots and a self-contained report.html.")
    p.add_argument("scenarios", type=_path, nargs="+", metavar="SCENARIO",
                   help="base scenario, then one or more to compare with it")
    _allow_path_arg(p)
    _simulation_args(p, "the base's")
    p.add_argument("--out", type=_out_path, metavar="DIR",
                   help="new (or empty) folder for the report and tables")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")

    _sweep_parsers(sub)

    p = sub.add_parser(
        "bench", help="run the speed benchmarks (from a source checkout)",
        description="Run the benchmarks in benchmarks/ side by side and print figures and ratios; "
        "each records its figures. --quick runs smaller sizes. The queue benchmark needs the bench "
        "extra (ciw) and is skipped without it. "
        "Figures go to benchmarks/results.local.json; CORRIDOR_RECORD_BENCH=1 records them in the "
        "tracked benchmarks/results.json the docs quote.")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help=f"which to run (default all): {', '.join(BENCHES)}")
    p.add_argument("--quick", action="store_true",
                   help="smaller sizes, about a minute and a half in all on 2 cores")
    return parser


def _date_arg(text: str):  # noqa: ANN202 - returns a date
    import datetime as dt

    from corridor.scenario.schema import FIRST_DATE, LAST_DATE  # a scenario's dates' bounds

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"date {day} is outside {FIRST_DATE.year} to {LAST_DATE.year}")
    return day


SET_HELP = """\
PATH names a scenario value: section, item id, keys (places.MALASZEWICZE.servers,
services.KC-NQZ-VNO.timetable.days, demand.FEU-XIAN-DUISBURG.per_week, run.horizon_days);
a list without ids is indexed from 0 (services.X.timetable.times.0). Values are YAML, as in
a scenario file, separated by commas outside brackets and quotes:
  --set places.MALASZEWICZE.servers=1,2,3
  --set services.KC-NQZ-VNO.timetable.days=[Thu,Sun],[Mon,Thu,Sun],daily
  --set "services.KC-NQZ-VNO.timetable.times=['08:30'],['08:30','20:15']"
Each combination is the scenario with those values, validated again: a bad value fails
that combination (with the reason) and the others run. With --zip the settings move
together (the k-th value of each), as both directions of a flight must:
  --zip --set services.KC-NQZ-VNO.timetable.days=[Thu,Sun],daily
        --set services.KC-VNO-NQZ.timetable.days=[Thu,Sun],daily"""


def _sweep_parsers(sub: argparse._SubParsersAction) -> None:
    import textwrap

    about = textwrap.fill(
        "Run the scenario at every combination of the --set values (the cartesian "
        "product), each with the same replications and seed (common random numbers). Prints each "
        "combination's headline KPIs with 95% intervals; --out writes sweep.json, tables (one row "
        "per run with the settings as columns, a summary per combination with intervals, the "
        "failures; CSV and Parquet) and a plot of each headline KPI against each setting. Finished "
        "runs are kept in DIR/runs/ as they arrive: --resume finishes an interrupted sweep without "
        "redoing them. Exit status 1 if some runs failed (the others are written).", width=90)
    p = sub.add_parser(
        "sweep", help="run a scenario at every combination of settings (--set PATH=V1,V2,...)",
        description=about, epilog=SET_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)  # the examples keep their lines
    _scenario_arg(p)
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=V1,V2,...",
                   required=True, help="a setting and the values to sweep it over (repeatable; see below)")
    p.add_argument("--zip", action="store_true",
                   help="move the settings together instead of crossing them: the k-th run takes "
                   "the k-th value of every --set (each lists as many), e.g. both directions of a flight")
    _grid_args(p, "combination")

    p = sub.add_parser(
        "throughput", help="how much cargo the corridor carries before it jams (saturation curve)",
        description="Scale every cargo flow's demand over a grid (passengers stay as they are), run "
        "each step, and find the highest sustainable throughput: TEU a week delivered while no "
        "queue (a station's, or for departure paths or a fleet's vehicles) grows without bound, at "
        "most 1% of containers are left undelivered, "
        "mean transit stays within a bound (--max-transit-days; default twice the transit at the "
        "lightest step that delivered a container), and the door to door of containers created late "
        "in the window is no more than a day above that of the early ones (no backlog growing "
        "through the window). Outside "
        "traffic at stations stays as it is. Names the bottleneck at each "
        "step, the busiest station, pool of departure paths or fleet, and how busy it is; --out "
        "writes throughput.json, tables and plots/saturation.png (throughput, transit and "
        "utilisation against offered load), and keeps runs for --resume.",
        formatter_class=_WholeIdsHelpFormatter)  # its --set example is a path with hyphens
    _scenario_arg(p)
    p.add_argument("--scale", default=None, metavar="START:STOP:STEP",
                   help="factors on cargo demand, STOP included, or a list a,b,c (default 0.25:3:0.25)")
    p.add_argument("--max-transit-days", type=_positive_float, metavar="D",
                   help="a step whose mean container transit exceeds D days is not sustainable "
                   "(default: twice the mean transit at the lightest step that delivered a container)")
    p.add_argument("--set", action="append", default=[], dest="settings", metavar="PATH=VALUE",
                   help="change one value of the scenario for the whole curve (repeatable; paths as "
                   "in corridor sweep), e.g. services.EU-BRANIEWO-DUISBURG.dispatch.paths_per_day=2: "
                   "how an assumption moves the answer, without writing a scenario that extends it")
    _grid_args(p, "step")


def _grid_args(p: argparse.ArgumentParser, point: str) -> None:
    p.add_argument("--replications", type=_whole, metavar="N",
                   help=f"replications of each {point} (default: the scenario's run.replications)")
    p.add_argument("--seed", type=_whole, metavar="S", help="default: the scenario's run.seed")
    _executor_args(p)
    p.add_argument("--out", type=_out_path, metavar="DIR",
                   help="new (or empty) folder for results; finished runs are kept there as they arrive")
    p.add_argument("--resume", action="store_true",
                   help="--out DIR holds an interrupted run of this command: read back its finished "
                   "runs and do only the rest")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _whole(text: str) -> int:
    """A whole number as a scenario file writes one: digits with an optional sign (Python's
    ``int`` also takes ``1_000``, spaces and other scripts' digits, which a file refuses).

    >>> _whole("-12"), _whole("+3")
    (-12, 3)
    """
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def _profile_days(text: str) -> float:
    """A profile's span: refused here, where argparse names the option, not by the planner."""
    from corridor.planning.api import MAX_PROFILE_DAYS

    value = _positive_float(text)
    if value > MAX_PROFILE_DAYS:
        raise argparse.ArgumentTypeError(f"at most {MAX_PROFILE_DAYS:g} days, got {text}")
    return value


def _route_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="origin", required=True, metavar="PLACE",
                   help="origin place id (e.g. NQZ)")
    p.add_argument("--to", dest="target", required=True, metavar="PLACE",
                   help="destination place id (e.g. VNO)")
    p.add_argument("--modes", type=lambda t: [m.strip() for m in t.split(",") if m.strip()],
                   metavar="M,M", help="modes allowed, comma-separated: air, rail, ferry, sea, road")
    p.add_argument("--max-transfers", type=_whole, metavar="N", help="at most N changes of vehicle")
    p.add_argument("--unit", choices=["pax", "feu"],
                   help="what travels: pax (passengers) or feu (containers); default the one unit "
                   "carried from the origin, else pax from an airport, feu otherwise")


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


def cmd_validate(args: argparse.Namespace) -> int:
    from corridor.analysis.load import (
        blocked_flows,
        idle_cuts,
        idle_fleets,
        idle_seasons,
        offered_load,
        outside_run,
        pathless_services,
        simulated_period,
        unroutable_flows,
    )
    from corridor.network import build_network
    from corridor.network.geo import airports_unlike_records, short_distances, zones_unlike_countries
    from corridor.network.segments import implausible_speeds, unused_circuity
    from corridor.network.timetable import build_timetable
    from corridor.scenario.load import load_located
    from corridor.scenario.schema import WEEKDAYS
    from corridor.simulation.gateways import gateways_left_out, gateways_shut, shut_all_run

    scenario, where = load_located(args.scenario, allow_paths=args.allow_paths)
    graph = build_network(scenario)

    def warn(text: str, section: str = "item") -> None:
        """A warning about the item whose id begins ``text``, led by where it was given."""
        pos = where.get((section, text.split(": ", 1)[0]))
        at = "" if pos is None else ":".join(str(x) for x in pos if x is not None) + ": "
        print(f"{at}warning: {text}", file=sys.stderr)

    days = scenario.run.horizon_days + scenario.run.drain_days
    tt = build_timetable(scenario, horizon_days=days) if scenario.services else None
    # what plans the scenario's journeys first: links that chain past the planner's bounds are
    # an error, not an OK and then an error
    loads, unroutable, left_out = offered_load(scenario, tt), unroutable_flows(scenario, tt), \
        gateways_left_out(scenario, tt)
    # links of a unit no demand flow carries (whose planner, above, has not chained them):
    # `plan` chains them too, so past the bounds they are an error here, not an OK
    planned = {"pax" if f.kind == "passenger" else "feu" for f in scenario.demand}
    unplanned = sorted({u for link in scenario.links for u in link.units} - planned)
    if unplanned:
        from corridor.planning.links import link_closure

        chained = tt if tt is not None else build_timetable(scenario, horizon_days=days)
        for unit in unplanned:
            link_closure(chained, unit)
    queues = sum(1 for p in scenario.places if p.queues)
    def count(n: int, noun: str) -> str:
        return f"{n} {noun}{'s' if n != 1 else ''}"

    print(
        f"{args.scenario}: OK - {scenario.name}: {count(len(scenario.places), 'place')} "
        f"({queues} with queues), {count(len(scenario.services), 'service')} "
        f"({count(graph.number_of_edges(), 'edge')}), {count(len(scenario.links), 'link')}, "
        f"{count(len(scenario.demand), 'demand flow')}, {count(len(scenario.disruptions), 'disruption')}"
    )
    shut = shut_all_run(scenario)
    for load in loads:
        what = (f"{load.vehicles_per_day:.1f} vehicles a day ({load.timetabled_per_day:.1f} timetabled, "
                f"loaded or not; {load.dispatched_per_day:.1f} dispatched for cargo demand, counted full; "
                f"{load.background_per_day:.1f} background) x {load.service_min:.0f} min on {load.servers} "
                f"server{'s' if load.servers != 1 else ''}")
        if load.uncounted_flows:
            what += (f"; not counted: the containers of {', '.join(load.uncounted_flows)}, which reach it "
                     "by some of the gateways they choose among (corridor run shows its queue and their "
                     "shares)")
        # a factor near 0 (1e-300) leaves a load of hundreds of digits: past 10,000 times capacity
        # the figure says nothing more
        worst = ("closed" if load.worst_utilisation == float("inf")
                 else "over 1,000,000%" if load.worst_utilisation > 10_000
                 else f"{load.worst_utilisation:,.0%}")
        # a disruption that takes the place past capacity is said also when it is near capacity anyway
        # (malaszewicze_works, poland_closure_2025: the place they are about)
        # (a closed place that nothing is counted or chooses to reach: no queue builds there)
        comes = load.vehicles_per_day > 0 or bool(load.uncounted_flows)
        during = (f", {worst} during its disruption: a queue builds while it lasts"
                  if comes and load.worst_utilisation >= 1.0 and load.worst_utilisation > load.utilisation
                  else "")
        if during and load.place in shut:  # no while: what comes waits to the end of the run
            during = (f", closed for the whole run by {', '.join(shut[load.place])}: what comes waits to "
                      "the end")
        # the outside traffic's seasons: over capacity in a month, a queue grows through it
        peak = (f", {load.peak_utilisation:.0%} in {load.peak_month} with the outside traffic's seasons: "
                "a queue grows while it lasts"
                if load.peak_month and load.peak_utilisation >= 1.0 > load.utilisation else "")
        if load.utilisation >= 0.9 or peak or during:
            # an empty timetabled trip passes without queueing: with them, the figure is a bound
            sure = load.loaded_utilisation
            verdict = ("at or over capacity: its queue will grow without bound" if sure >= 1.0
                       else "at or over capacity if its timetabled trips all run loaded, an empty one "
                            "passing without queueing: its queue would then grow without bound"
                       if load.utilisation >= 1.0
                       else "near capacity: expect long queues" if sure >= 0.9
                       else "near capacity if its timetabled trips all run loaded" if load.utilisation >= 0.9
                       else "")
            warn(f"{load.place}: offered load {load.utilisation:.0%} of capacity"
                 f"{f' ({verdict})' if verdict else ''}{peak}{during}; {what}")
    start, end = simulated_period(scenario)
    for d in outside_run(scenario):
        warn(f"{d.id}: {d.start.isoformat()} to {d.end.isoformat()} is outside the simulated "
             f"period ({start.date()} to {end.date()} UTC, horizon and drain): runs never see it",
             "disruptions")
    for item, key, months in idle_seasons(scenario):
        what = "unit of it" if key == "seasonality" else "background vehicle"
        warn(f"{item}: its {key} is 0 in every month of the horizon ({months}, UTC): no {what} "
             "arrives in a run", "demand" if key == "seasonality" else "item")
    for d, why in idle_cuts(scenario):
        warn(f"{d.id}: capacity_factor {d.capacity_factor:g} changes nothing {why}", "disruptions")
    for fleet in idle_fleets(scenario):
        warn(f"{fleet}: no dispatched service names this fleet (dispatch: {{fleet: {fleet}}}): "
             "its vehicles never run", "fleets")
    for message in [*short_distances(scenario), *airports_unlike_records(scenario),
                    *zones_unlike_countries(scenario), *implausible_speeds(scenario),
                    *unused_circuity(scenario)]:
        warn(message)
    for k, service in enumerate(scenario.services):
        if tt is not None and service.timetable is not None and tt.service_starts[k].size == 0:
            warn(f"{service.id}: no trip in the simulated period ({start.date()} to {end.date()} "
                 "UTC, horizon and drain): its days and validity leave none, so runs never see it")
    for service_id, weekdays in pathless_services(scenario):
        names = ", ".join(WEEKDAYS[d] for d in weekdays)
        warn(f"{service_id}: its departure paths are on {names} only, and no day of the run "
             f"({start.date()} to {end.date()} UTC, horizon and drain) is one: none of its vehicles "
             "leaves")
    units = {"pax": "passengers", "feu": "containers"}
    for flow_id, carried in unroutable:
        flow = next(f for f in scenario.demand if f.id == flow_id)
        warn(f"{flow_id}: no journey takes {units[carried]} from {flow.from_} to {flow.to} on the "
             f"services and links of the run ({start.date()} to {end.date()} UTC, horizon and drain): "
             "every unit of it waits at its origin to the end of a run", "demand")
    for flow_id, carried, closures in blocked_flows(scenario, tt):
        flow = next(f for f in scenario.demand if f.id == flow_id)
        holds = "holds" if len(closures) == 1 else "hold"
        warn(f"{flow_id}: no journey takes {units[carried]} from {flow.from_} to {flow.to} without "
             f"what {', '.join(closures)} {holds} shut for the whole run (services, links, or places: "
             "nothing leaves or reaches one): every unit of it waits at its origin to the end of a run",
             "demand")
    for flow_id, gateway in left_out:
        warn(f"{flow_id}: no route crosses gateway {gateway} alone (a chain of links and "
             "dispatched services through it and none of the flow's other gateways): its containers "
             "cannot choose it", "demand")
    for flow_id, gateway, closures in gateways_shut(scenario, tt):
        holds = "holds" if len(closures) == 1 else "hold"
        warn(f"{flow_id}: every route through gateway {gateway} takes what {', '.join(closures)} "
             f"{holds} shut for the whole run (services, links, or places: nothing leaves or reaches one): "
             "its containers cannot choose it", "demand")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from corridor.report.overview import overview, overview_text

    scenario, graph = _load(args)
    data = overview(scenario, graph)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else overview_text(data))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    html = args.output.suffix.lower() == ".html"
    if html:
        from corridor.report.files import check_writable_file

        check_writable_file(args.output)
    else:
        _check_image(args.output, page_too=True)
    scenario, _ = _load(args)
    _not_an_input({"-o": args.output}, args)
    if not scenario.places:
        raise CorridorError(f"{args.scenario}: no places to draw")
    if html:
        from corridor.report.map_html import write_map_html

        write_map_html(scenario, args.output)
    else:
        from corridor.report.mapplot import draw_map

        draw_map(scenario, args.output)
    print(f"wrote {args.output}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from corridor.interchange.geojson import geojson_path, geopackage_path
    from corridor.interchange.gtfs_export import gtfs_path
    from corridor.report.files import check_writable_file

    given = (("--gtfs", args.gtfs), ("--geojson", args.geojson), ("--gpkg", args.gpkg),
             ("--graphml", args.graphml))
    outputs = {flag: out for flag, out in given if out is not None}
    if not outputs:
        raise CorridorError("export: give at least one of --gtfs, --geojson, --gpkg, --graphml")
    feed_only = [flag for flag, value in (("--timezone", args.timezone), ("--start", args.start),
                                          ("--end", args.end)) if value is not None]
    if feed_only and args.gtfs is None:  # they were taken and never read
        raise CorridorError(f"export: {' and '.join(feed_only)} {'is' if len(feed_only) == 1 else 'are'} "
                            "for the GTFS feed: give --gtfs too")
    kinds = {"--gtfs": gtfs_path, "--geojson": geojson_path, "--gpkg": geopackage_path}
    named: dict[Path, str] = {}
    for flag, out in outputs.items():  # every output checked before any is written
        if flag in kinds:
            kinds[flag](out)
        check_writable_file(out)
        same = named.setdefault(out.resolve(), flag)
        if same != flag:
            raise CorridorError(f"{out}: given for both {same} and {flag}; give each a file of its own")
    scenario, graph = _load(args)
    _not_an_input(outputs, args)
    if args.gpkg is not None:  # refused before the outputs given with it are written
        from corridor.interchange.geojson import check_geopackage

        check_geopackage(scenario, args.gpkg)
    from corridor.report.files import all_or_none

    with all_or_none():  # a failure (a full disk, Ctrl-C) at any output leaves every old file
        said = _export(args, scenario, graph)
    for line, note in said:
        print(line, file=sys.stderr if note else sys.stdout)
    return 0


def _export(args: argparse.Namespace, scenario: Any, graph: Any) -> list[tuple[str, bool]]:
    """Write the outputs ``export`` was given; what to say of each (True: a note)."""
    said: list[tuple[str, bool]] = []
    if args.gtfs is not None:
        from corridor.interchange.gtfs_export import write_gtfs

        feed = write_gtfs(scenario, args.gtfs, timezone=args.timezone, start=args.start, end=args.end)
        trips = len(feed.tables["trips.txt"])
        said.append((f"wrote {args.gtfs}: {len(feed.tables['routes.txt'])} routes, {trips} trips, "
                     f"{feed.start} to {feed.end}, times in {feed.timezone}", False))
        if feed.skipped:
            said.append(("note: dispatched services have no timetable and are not in the feed: "
                         f"{', '.join(feed.skipped)}", True))
    if args.geojson is not None:
        from corridor.interchange.geojson import write_geojson

        write_geojson(scenario, args.geojson)
        said.append((f"wrote {args.geojson}", False))
    if args.gpkg is not None:
        from corridor.interchange.geojson import write_geopackage

        write_geopackage(scenario, args.gpkg)
        said.append((f"wrote {args.gpkg}", False))
    if args.graphml is not None:
        import networkx as nx

        from corridor.network.graph import export_safe
        from corridor.report.files import write_atomically

        write_atomically(args.graphml, lambda tmp: nx.write_graphml(export_safe(graph), tmp))
        said.append((f"wrote {args.graphml}", False))
    return said


def _check_time(planner: Any, flag: str, value: str | None, place: str) -> None:
    """A time option that cannot be read is said with the option's name, as argparse says
    others' ("argument --depart: time 'now' is not ISO 8601 ..."); an unknown place is left to
    the question, which says it."""
    if value is None or place not in {p.id for p in planner.scenario.places}:
        return
    try:
        planner.when(value, place)
    except PlanningError as exc:
        raise PlanningError(f"argument {flag}: {exc}") from None


def cmd_plan(args: argparse.Namespace) -> int:
    from corridor.planning import RoutePlanner
    from corridor.report.planning_text import plan_text

    planner = RoutePlanner(_read(args.scenario, args))
    _check_time(planner, "--depart", args.depart, args.origin)
    try:
        result = planner.plan(
            args.origin, args.target, args.depart, modes=args.modes, unit=args.unit,
            max_transfers=args.max_transfers, direct_only=args.direct_only, window_days=args.window_days,
        )
    except NoRouteError as exc:
        if args.json:  # a script reading the output gets an answer it can parse: no itinerary
            empty = {"from": args.origin, "to": args.target, "depart": args.depart}
            if exc.ready is not None:  # as an answer says it: local, with its UTC offset
                empty["ready"] = exc.ready
            print(json.dumps({**empty, "itineraries": [], "no_route": str(exc)}, indent=2))
        raise
    print(json.dumps(result.to_dict(), indent=2) if args.json else plan_text(result))
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from corridor.planning import RoutePlanner
    from corridor.report.planning_text import profile_text
    if args.plot is not None:
        _check_image(args.plot)
    planner = RoutePlanner(_read(args.scenario, args))
    _check_time(planner, "--start", args.start, args.origin)
    if args.plot is not None:
        _not_an_input({"--plot": args.plot}, args)
    try:
        result = planner.profile(
            args.origin, args.target, start=args.start, step_min=args.step_min, days=args.days,
            modes=args.modes, unit=args.unit, max_transfers=args.max_transfers,
        )
    except NoRouteError as exc:
        if args.json:  # nothing leaves the origin: still an answer a script can parse
            print(json.dumps({"from": args.origin, "to": args.target, "summary": {"reachable_share": 0.0},
                              "routes": [], "no_route": str(exc)}))
        raise
    reached = result.profile.summary()["reachable_share"] > 0
    if args.plot is not None and reached:  # an empty plot is no answer: nothing is written
        from corridor.report.profileplot import draw_profile

        draw_profile([result], args.plot)
    answer = result.to_dict()
    if not reached:  # say why, in the JSON and on standard error, as an empty plan does
        limits = ([f"modes {','.join(args.modes)}"] if args.modes else []) + (
            [f"at most {args.max_transfers} transfers"] if args.max_transfers is not None else [])
        answer["no_route"] = (f"none of the {result.profile.ready_min.size:,} departure times from "
                              f"{args.origin} reaches {args.target} within the timetable"
                              + (f" with {' and '.join(limits)}" if limits else "") + result.validity)
        print(f"no route: {answer['no_route']}", file=sys.stderr)
    print(json.dumps(answer) if args.json else profile_text(result))
    if args.plot is not None and not reached:
        print(f"nothing reaches {args.target}: no plot written to {args.plot}", file=sys.stderr)
    elif args.plot is not None and not args.json:
        print(f"wrote {args.plot}")
    return 0 if reached else EXIT_EMPTY


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


def _check_run_args(args: argparse.Namespace, *, out_checked: bool = False) -> None:
    # the bounds of run.seed and run.replications: the option takes what the file may say
    from corridor.analysis.runs import check_run_arguments

    check_run_arguments("", replications=args.replications, seed=args.seed, workers=args.workers,
                        options=True)
    if args.dask is not None and not args.dask.strip():
        raise CorridorError("--dask needs a scheduler address (tcp://HOST:PORT) or 'local'")
    if args.out is not None and not out_checked:
        from corridor.report.results import check_out

        check_out(args.out)


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
        write_sweep(result, args.out, [args.scenario], args.allow_paths)
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
    if len({setting.path for setting in settings}) != len(settings):
        raise CorridorError("--set: a path is given twice")
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
        write_throughput(res, args.out, [args.scenario], args.allow_paths)
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


def _exit_now(code: int) -> None:
    """End the process at once, its clean-up done (temporary files removed, workers stopped):
    a process pool's thread can be stuck for good reading the half-sent result of a worker
    stopped mid-send, and Python's exit would wait for it (a hang that only a second Ctrl-C,
    with tracebacks, or a kill ended)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    os._exit(code)


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop a run like Ctrl-C does: temporary files are removed, workers
    are stopped, and the exit status is 130. The first of them starts that clean-up, and the
    ones after it are ignored so that it ends (Ctrl-C pressed twice broke into it: status 1
    and tracebacks). A Ctrl-C the process was started to ignore stays ignored."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    names = [name for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        names.remove("SIGINT")
    signals = [getattr(signal, name) for name in names]

    def interrupt(signum: int, frame: object) -> None:
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    for sig in signals:
        signal.signal(sig, interrupt)


COMMANDS = {
    "bench": cmd_bench,
    "compare": cmd_compare,
    "run": cmd_run,
    "sweep": cmd_sweep,
    "throughput": cmd_throughput,
    "validate": cmd_validate,
    "show": cmd_show,
    "map": cmd_map,
    "export": cmd_export,
    "plan": cmd_plan,
    "profile": cmd_profile,
}


#: Options whose value may start with a minus sign without being one number (argparse takes
#: ``--scale -1,1`` for a missing value and another option)
SIGNED_VALUES = ("--scale",)


def _glued(argv: list[str]) -> list[str]:
    """``--scale -1,1`` as ``--scale=-1,1``, so that the value is read and judged.

    >>> _glued(["throughput", "x.yaml", "--scale", "-1,1", "--json"])
    ['throughput', 'x.yaml', '--scale=-1,1', '--json']
    """
    out: list[str] = []
    k = 0
    while k < len(argv):
        if argv[k] in SIGNED_VALUES and k + 1 < len(argv) and re.match(r"-[\d.]", argv[k + 1]):
            out.append(f"{argv[k]}={argv[k + 1]}")
            k += 2
        else:
            out.append(argv[k])
            k += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 success, 1 a legitimate empty answer (no route) or a sweep some of whose
    runs failed (the others' results written), 2 bad input, 130 interrupted (run as the
    command, ``argv`` None, an interrupted process ends at once: :func:`_exit_now`). ``--debug``
    shows the traceback of an error instead of its message."""
    if sys.stderr is None:  # started with it closed: messages would go to standard output
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - kept for the life of the process
    if sys.stdout is None:  # started with it closed (`>&-`): every command prints, so none can
        # run (a run's files written, then its table lost, would end in an error all the same)
        print("error: standard output is closed; corridor prints its results there", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args, extra = parser.parse_known_args(_glued(list(sys.argv[1:] if argv is None else argv)))
    if extra:  # said with the command's own usage (the top level's listed only the commands)
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    _stop_on_signals()
    if isinstance(sys.stdout, io.TextIOWrapper):  # a name an ASCII or Latin-1 terminal cannot show
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        code = COMMANDS[args.command](args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk shows here, not as "Exception ignored" on the way out
        return code
    except NoRouteError as exc:
        if args.debug:
            raise
        _say(f"no route: {_printable(str(exc))}")
        return EXIT_EMPTY
    except CorridorError as exc:
        if args.debug:
            raise
        # a bound the scenario passes as a whole is said with its file (no line is to blame)
        limit = isinstance(exc, ScenarioLimitError) and getattr(args, "scenario", None)
        where = f"{args.scenario}: " if limit else ""
        _say(_printable(f"error: {where}{exc}"))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if args.debug:
            raise
        return _interrupted(argv)
    except BrokenPipeError:  # e.g. `corridor show ... | head`
        return 0
    except MemoryError:
        if args.debug:
            raise
        _say(f"error: out of memory in `corridor {args.command}`: a shorter horizon, less demand or "
             "fewer workers (each holds a replication) need less")
        return EXIT_USAGE
    except OSError as exc:
        # a full disk under standard output (every file written is named in a CorridorError)
        if args.debug or exc.filename is not None or exc.errno not in OUTPUT_ERRNOS:
            raise
        # standard error itself, full (a warning printed there): said nowhere, but the status says it
        stream = "standard error" if _cannot_flush(sys.stderr) else "standard output"
        _say(f"error: cannot write to {stream} ({exc.strerror or exc})")
        for dead in (sys.stdout, sys.stderr):  # what is still buffered goes nowhere, so the exit
            with contextlib.suppress(OSError, ValueError, AttributeError):  # cannot fail on it
                os.dup2(os.open(os.devnull, os.O_WRONLY), dead.fileno())
        return EXIT_USAGE
    except Exception as exc:
        # an interrupt inside a C extension's import comes out as "ImportError: initialization
        # failed" caused by it (a Ctrl-C while summarising first imported scipy.stats)
        if args.debug or not _from_interrupt(exc):
            raise
        return _interrupted(argv)


def _say(message: str) -> None:
    """An error on standard error, if it can be written (full, the exit status still says it),
    any value in it clipped (:func:`_clipped`)."""
    with contextlib.suppress(OSError, ValueError):
        print(_clipped(message), file=sys.stderr)
        sys.stderr.flush()


def _clipped(message: str, longest: int = 240) -> str:
    """``message`` with each run of characters without a space longer than ``longest`` (a
    value given on the command line or in a file, echoed back: a 100,000-character place id)
    cut to its start and end, saying how much is left out.

    >>> print(_clipped("unknown place " + "0123456789" * 30 + " (did you mean 'NQZ'?)", longest=24))
    unknown place 01234567[... 290 more characters ...]89 (did you mean 'NQZ'?)
    """
    head, tail = longest // 3, longest // 12

    def clip(m: re.Match[str]) -> str:
        run = m.group()
        return f"{run[:head]}[... {len(run) - head - tail:,} more characters ...]{run[-tail:]}"

    return re.sub(rf"\S{{{longest + 1},}}", clip, message)


def _cannot_flush(stream: Any) -> bool:
    """Whether writing what ``stream`` holds fails (a full disk under it, say)."""
    try:
        stream.flush()
    except (OSError, ValueError):
        return True
    return False


def _printable(message: str) -> str:
    r"""``message`` with control characters other than newlines and tabs escaped (``\x1b``): a
    file name may hold them, and a terminal would run them (clear the screen, change colours).

    >>> print(_printable("error: a\x1b[2Jb.yaml: bad value"))
    error: a\x1b[2Jb.yaml: bad value
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _from_interrupt(exc: BaseException) -> bool:
    """A KeyboardInterrupt is among the causes of ``exc``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted(argv: Sequence[str] | None) -> int:
    print("interrupted", file=sys.stderr)
    if argv is None:  # the command itself, not a call from Python: end the process now
        _exit_now(EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
