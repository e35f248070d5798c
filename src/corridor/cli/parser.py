"""The command line's arguments: the parser of every command, and the types that read and
judge their values."""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path
from typing import NoReturn

from corridor.cli.messages import _CONTROL, _clipped

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
