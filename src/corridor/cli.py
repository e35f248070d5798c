"""The ``corridor`` command: parse arguments, call one function, print or write.

Every error a user can cause ends with a message on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from corridor.errors import CorridorError

EXIT_USAGE = 2


def _scenario_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario YAML file (see docs/scenarios.md)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corridor",
        description=(
            "Route planning and simulation for the Astana - Vilnius link and the "
            "China - Kazakhstan - Lithuania - Europe rail corridor."
        ),
    )
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

    p = sub.add_parser("map", help="draw the network to an image file",
                       description="Draw places at their coordinates and services coloured by mode.")
    _scenario_arg(p)
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="image file to write (.png, .svg or .pdf)")
    return parser


def _load(path: Path):  # noqa: ANN202 - returns (scenario, graph)
    from corridor.network import build_network
    from corridor.scenario import load_scenario

    scenario = load_scenario(path)
    return scenario, build_network(scenario)


def cmd_validate(args: argparse.Namespace) -> int:
    scenario, graph = _load(args.scenario)
    queues = sum(1 for p in scenario.places if p.queues)
    print(
        f"{args.scenario}: OK - {scenario.name}: {len(scenario.places)} places "
        f"({queues} with queues), {len(scenario.services)} services "
        f"({graph.number_of_edges()} edges), {len(scenario.links)} links, "
        f"{len(scenario.demand)} demand flows, {len(scenario.disruptions)} disruptions"
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from corridor.report.overview import overview, overview_text

    scenario, graph = _load(args.scenario)
    data = overview(scenario, graph)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else overview_text(data))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from corridor.report.mapplot import draw_map

    suffix = args.output.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise CorridorError(f"{args.output}: unsupported image type {suffix or '(none)'!r}; "
                            "use .png, .svg or .pdf")
    scenario, _ = _load(args.scenario)
    draw_map(scenario, args.output)
    print(f"wrote {args.output}")
    return 0


COMMANDS = {"validate": cmd_validate, "show": cmd_show, "map": cmd_map}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CorridorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `corridor show ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
