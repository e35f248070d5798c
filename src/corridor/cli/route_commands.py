"""Route planning commands: ``plan`` and ``profile``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from corridor.cli.common import EXIT_EMPTY, _check_image, _not_an_input, _read
from corridor.errors import NoRouteError, PlanningError


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
