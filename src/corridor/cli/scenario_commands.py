"""Commands about a scenario itself: ``validate``, ``show``, ``map`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corridor.cli.common import _check_image, _load, _not_an_input
from corridor.errors import CorridorError


def cmd_validate(args: argparse.Namespace) -> int:
    from corridor.analysis.load import (
        MEMORY_WORTH_SAYING_GB,
        blocked_flows,
        idle_cuts,
        idle_fleets,
        idle_seasons,
        offered_load,
        outside_run,
        pathless_services,
        replication_memory_gb,
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
    gb, connections, units_made = replication_memory_gb(scenario, tt)
    if gb >= MEMORY_WORTH_SAYING_GB:
        warn(f"a replication of this run takes about {gb:,.0f} GB of memory ({connections:,} timetabled "
             f"connections over horizon and drain, about {units_made:,.0f} units of demand), and each "
             "worker (--workers) holds one: a shorter run or thinner timetables and flows need less",
             "run")
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
