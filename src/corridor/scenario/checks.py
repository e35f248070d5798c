"""Checks that need the whole scenario: unique ids, references between sections, and the size
of a run."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from corridor.scenario.schema import Scenario, clock_minutes

Loc = tuple[str | int, ...]

#: Checks that need a layer above this one: corridor.network registers the closed-airspace
#: check here when it is imported (the scenario layer never imports the network). Each returns
#: (location, message) pairs like the checks below, and runs only on a scenario whose
#: references are sound.
EXTRA_CHECKS: list[Callable[[Scenario], list[tuple[Loc, str]]]] = []

#: Most of each thing one simulation run may hold, so that what validates can run in memory:
#: timetabled connections (one per trip and segment) over horizon + drain, units of demand
#: over the horizon, and background vehicles over horizon + drain.
MAX_RUN_CONNECTIONS = 10_000_000
MAX_RUN_UNITS = 10_000_000
MAX_RUN_BACKGROUND = 10_000_000


def _duplicates(section: str, ids: Iterable[str]) -> Iterator[tuple[Loc, str]]:
    seen: dict[str, int] = {}
    for index, item_id in enumerate(ids):
        if item_id in seen:
            yield (section, index, "id"), f"id {item_id!r} is already used by {section}[{seen[item_id]}]"
        else:
            seen[item_id] = index


def check_scenario(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Every cross-section problem as ``(location, message)``; empty when all is well."""
    problems: list[tuple[Loc, str]] = []
    places = {p.id for p in scenario.places}
    problems += _duplicates("places", (p.id for p in scenario.places))
    problems += _duplicates("services", (s.id for s in scenario.services))
    problems += _duplicates("links", (k.id for k in scenario.links))
    problems += _duplicates("demand", (d.id for d in scenario.demand))
    problems += _duplicates("disruptions", (d.id for d in scenario.disruptions))
    problems += _shared_ids(scenario)

    services = {s.id for s in scenario.services}

    def unknown_place(loc: Loc, place_id: str) -> None:
        if place_id not in places:
            problems.append((loc, f"unknown place {place_id!r}{_hint(place_id, places)}"))

    for index, service in enumerate(scenario.services):
        for j, stop in enumerate(service.stops):
            unknown_place(("services", index, "stops", j), stop)
    for index, link in enumerate(scenario.links):
        unknown_place(("links", index, "from"), link.from_)
        unknown_place(("links", index, "to"), link.to)
        if link.from_ == link.to:
            problems.append((("links", index, "to"), f"link goes from {link.to!r} to itself"))
    for index, flow in enumerate(scenario.demand):
        unknown_place(("demand", index, "from"), flow.from_)
        unknown_place(("demand", index, "to"), flow.to)
        if flow.from_ == flow.to:
            problems.append((("demand", index, "to"), f"demand goes from {flow.to!r} to itself"))
        for j, gateway in enumerate(flow.gateways.via if flow.gateways else []):
            unknown_place(("demand", index, "gateways", "via", j), gateway)
            if gateway in (flow.from_, flow.to):  # every journey passes there: no choice
                end = "origin" if gateway == flow.from_ else "destination"
                problems.append((("demand", index, "gateways", "via", j),
                                 f"gateway {gateway!r} is the flow's {end}; a gateway is a place between"))
    targets = places | services | {k.id for k in scenario.links}
    for index, disruption in enumerate(scenario.disruptions):
        if disruption.target not in targets:
            problems.append(
                (
                    ("disruptions", index, "target"),
                    f"unknown place, service or link {disruption.target!r}"
                    f"{_hint(disruption.target, targets)}",
                )
            )
    problems += _duplicates("fleets", (f.id for f in scenario.fleets))
    problems += _fleets(scenario)
    problems += _run_size(scenario)
    if not problems:
        for check in EXTRA_CHECKS:
            problems += check(scenario)
    return problems


def _fleets(scenario: Scenario) -> list[tuple[Loc, str]]:
    """A service's fleet is one of ``fleets``, and a fleet's services start at one place (where
    its vehicles come back to)."""
    fleets = {f.id for f in scenario.fleets}
    problems: list[tuple[Loc, str]] = []
    # a fleet's home is where most of its services start (the first such service named), so
    # the one an overlay moved elsewhere is blamed, not the others, whatever the order
    starts: dict[str, Counter[str]] = {}
    for service in scenario.services:
        if service.dispatch is not None and service.dispatch.fleet in fleets:
            starts.setdefault(service.dispatch.fleet, Counter())[service.stops[0]] += 1
    home: dict[str, tuple[str, str]] = {}  # fleet -> (its home, the first service from there)
    for service in scenario.services:
        fleet = service.dispatch.fleet if service.dispatch is not None else None
        if fleet in starts and service.stops[0] == starts[fleet].most_common(1)[0][0]:
            home.setdefault(fleet, (service.stops[0], service.id))
    for index, service in enumerate(scenario.services):
        fleet = service.dispatch.fleet if service.dispatch is not None else None
        if fleet is None:
            continue
        loc: Loc = ("services", index, "dispatch", "fleet")
        if fleet not in fleets:
            problems.append((loc, f"unknown fleet {fleet!r}{_hint(fleet, fleets)}"))
            continue
        first = home.setdefault(fleet, (service.stops[0], service.id))
        if first[0] != service.stops[0]:
            problems.append((loc, f"fleet {fleet!r} runs from {first[0]!r} (service {first[1]!r}); "
                                  f"this service starts at {service.stops[0]!r}: a fleet's vehicles "
                                  "come back to one place"))
    return problems


def _shared_ids(scenario: Scenario) -> Iterator[tuple[Loc, str]]:
    """A disruption's target names a place, a service or a link, so one id may not name two
    of them (a disruption aimed at a place would also close the service of the same id)."""
    owner: dict[str, tuple[str, int]] = {}
    sections: tuple[tuple[str, list[str]], ...] = (
        ("places", [p.id for p in scenario.places]),
        ("services", [s.id for s in scenario.services]),
        ("links", [k.id for k in scenario.links]),
    )
    for section, ids in sections:
        for index, item_id in enumerate(ids):
            first = owner.setdefault(item_id, (section, index))
            if first[0] != section:
                yield ((section, index, "id"),
                       f"id {item_id!r} is also used by {first[0]}[{first[1]}]; places, services "
                       "and links need ids of their own")


def _run_size(scenario: Scenario) -> list[tuple[Loc, str]]:
    """What one replication would hold, against :data:`MAX_RUN_CONNECTIONS` and the others
    (upper bounds, computed without building the timetable)."""
    run = scenario.run
    days = run.horizon_days + run.drain_days
    weeks = math.ceil(days / 7)  # a weekday comes at most this often in the run
    connections: dict[str, float] = {}
    for service in scenario.services:
        timetable = service.timetable
        if timetable is None:
            continue
        if timetable.times is not None:
            per_day = len({clock_minutes(t) for t in timetable.times})
        else:
            assert timetable.headway_min is not None
            span = clock_minutes(timetable.last) - clock_minutes(timetable.first)
            per_day = math.floor(span / timetable.headway_min) + 1
        connections[service.id] = per_day * len(timetable.weekdays) * weeks * (len(service.stops) - 1)
    # a month's seasonal factor (up to 100) multiplies what a flow or the outside traffic makes
    flows = demand_units(scenario)
    # outside traffic, like demand, arrives until the horizon (the drain only clears it)
    outside = {p.id: over_horizon(scenario, p.background_per_day, p.background_seasonality)
               for p in scenario.places}
    out: list[tuple[Loc, str]] = []
    whole = f"horizon_days + drain_days ({days} days)"
    # where each part is set: the error is located at the part that gives the most, which may
    # be in the file that extends another when the run's length is the base's
    where: dict[str, dict[str, Loc]] = {
        "services": {s.id: ("services", k, "timetable") for k, s in enumerate(scenario.services)},
        "demand": {d.id: ("demand", k, "per_week") for k, d in enumerate(scenario.demand)},
        "places": {p.id: ("places", k, "background_per_day") for k, p in enumerate(scenario.places)},
    }
    for count, most, what, parts, section in (
        (sum(connections.values()), MAX_RUN_CONNECTIONS, f"timetabled connections over {whole}", connections,
         "services"),
        (sum(flows.values()), MAX_RUN_UNITS,
         f"units of demand over horizon_days ({run.horizon_days} days)", flows, "demand"),
        (sum(outside.values()), MAX_RUN_BACKGROUND,
         f"background vehicles over horizon_days ({run.horizon_days} days)", outside, "places"),
    ):
        if count > most:
            top = max(parts, key=parts.__getitem__, default=None)  # the item that gives the most
            most_from = f", {parts[top]:,.0f} of them {top}'s" if top is not None else ""
            out.append((where[section][top] if top is not None else ("run", "horizon_days"),
                        f"a run this long holds up to {count:,.0f} {what}{most_from}; at most {most:,} fit "
                        "one simulation run (shorten the run, or thin the timetables and flows)"))
    return out


def demand_units(scenario: Scenario) -> dict[str, float]:
    """Each demand flow's units over the horizon on average, its months at their seasonal factors."""
    return {d.id: over_horizon(scenario, d.per_week / 7, d.seasonality) for d in scenario.demand}


def over_horizon(scenario: Scenario, per_day: float, factors: list[float] | None) -> float:
    """What ``per_day`` a day makes over the run's horizon, each day at its month's factor (1
    without seasons): a flow's units, or a station's outside vehicles."""
    return _seasonal(per_day, factors, _days_by_month(scenario.run.start, scenario.run.horizon_days))


def _days_by_month(first: dt.date, days: int) -> list[int]:
    """How many of the ``days`` days from ``first`` fall in each calendar month, January first
    (the run's days are whole UTC days from its epoch, as the months of seasons are).

    >>> _days_by_month(dt.date(2027, 3, 20), 20)[1:4]
    [0, 12, 8]
    """
    counts = [0] * 12
    day, end = first, first + dt.timedelta(days=days)
    while day < end:
        month_after = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        counts[day.month - 1] += (min(month_after, end) - day).days
        day = month_after
    return counts


def _seasonal(per_day: float, factors: list[float] | None, days_by_month: list[int]) -> float:
    """What ``per_day`` a day at each month's factor (1 without seasons) makes over those days."""
    if factors is None:
        return per_day * sum(days_by_month)
    return per_day * math.fsum(f * n for f, n in zip(factors, days_by_month, strict=True))


def _hint(word: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
