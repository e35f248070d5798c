"""Checks that need the whole scenario: unique ids and references between sections."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from corridor.scenario.schema import Scenario

Loc = tuple[str | int, ...]


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

    services = {s.id for s in scenario.services}
    for index, link in enumerate(scenario.links):
        if link.id in services:
            problems.append((("links", index, "id"), f"id {link.id!r} is also a service id"))

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
    return problems


def _hint(word: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
