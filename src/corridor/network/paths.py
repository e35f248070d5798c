"""The geographic path a service follows: the one place that says where a vehicle flies or runs.

Segment distances, block times, the map and exports all read the path from here, so a routed
path is drawn, measured and exported alike.

* An air service under closed airspace (its own ``airspace``, else the scenario's, which the
  schema hands down to it) flies, stop to stop, the shortest path on the sphere that keeps
  out (:mod:`corridor.network.airspace`).
* Hand ``waypoints`` (two-stop services) are followed as given, and checked against the
  closed airspace: a path that enters it is refused with the country and the point.
* Otherwise the path is the great circle from stop to stop.
"""

from __future__ import annotations

from functools import lru_cache

from corridor.errors import Problem, ScenarioError
from corridor.network.airspace import (
    MAX_HOP_DEG,
    AirspaceError,
    compliant_route,
    opposite_hop,
    path_violations,
)
from corridor.scenario.schema import Place, Scenario, Service

LatLon = tuple[float, float]
Loc = tuple[str | int, ...]

MAX_ROUTED_LEGS = 1_000  # distinct legs routed round closed airspace in one scenario


class _Refused(Exception):
    """A service's path breaks its closed airspace: where in the service, and why."""

    def __init__(self, where: Loc, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def segment_paths(service: Service, places: dict[str, Place]) -> list[list[LatLon]]:
    """The (lat, lon) points of each segment of ``service`` (one list per pair of consecutive
    stops, each from its first stop to its second).

    Raises :class:`~corridor.errors.ScenarioError` naming the service, the closed country and
    the point when hand waypoints enter closed airspace, or an airport lies in it (a scenario
    loaded from a file has been checked already: :func:`check_airspace`).
    """
    try:
        return _segment_paths(service, places)
    except _Refused as exc:
        field = ".".join(str(w) for w in exc.where)
        raise ScenarioError([Problem(f"service {service.id}", None, None, field, exc.message)]) from None


def service_path(service: Service, places: dict[str, Place]) -> list[LatLon]:
    """The (lat, lon) points a service passes, from its first stop to its last: its segments'
    paths joined."""
    parts = segment_paths(service, places)
    out = list(parts[0])
    for part in parts[1:]:
        out += part[1:]
    return out


def check_airspace(scenario: Scenario) -> list[tuple[Loc, str]]:
    """Every air service's path against its closed airspace, as (location, message) pairs for
    the loader (registered in :data:`corridor.scenario.checks.EXTRA_CHECKS`): computing the
    routes here also leaves them cached for what comes next."""
    places = {p.id: p for p in scenario.places}
    too_many = _too_many_legs(scenario, places)
    if too_many is not None:
        return [too_many]
    problems: list[tuple[Loc, str]] = []
    for index, service in enumerate(scenario.services):
        closed = service.mode == "air" and service.airspace is not None and bool(service.airspace.closed)
        if not (closed or service.waypoints):
            continue
        try:
            _segment_paths(service, places)
        except _Refused as exc:
            problems.append((("services", index, *exc.where), exc.message))
    return problems


def _too_many_legs(scenario: Scenario, places: dict[str, Place]) -> tuple[Loc, str] | None:
    """Refuses, before any is computed, more legs to route round closed airspace than
    :data:`MAX_ROUTED_LEGS` (a leg flown both ways, or by several services, counts once), at
    the service whose legs pass the bound: each takes about a second, so 20,000 services of
    distinct legs, within every other bound, took hours to validate."""
    legs: set[tuple[LatLon, LatLon, tuple[str, ...], float]] = set()
    for index, service in enumerate(scenario.services):
        airspace = service.airspace if service.mode == "air" else None
        if airspace is None or not airspace.closed or service.waypoints:
            continue
        closed = tuple(sorted(airspace.closed))
        stops = [(places[s].lat, places[s].lon) for s in service.stops]
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            legs.add((min(a, b), max(a, b), closed, float(airspace.buffer_km)))
        if len(legs) > MAX_ROUTED_LEGS:
            return (("services", index, "stops"), (
                f"more than {MAX_ROUTED_LEGS:,} legs of air services to route round closed airspace "
                f"(each a computation of about a second) by this service; give services "
                f"waypoints, or fewer distinct legs"))
    return None


def _segment_paths(service: Service, places: dict[str, Place]) -> list[list[LatLon]]:
    stops = [(places[s].lat, places[s].lon) for s in service.stops]
    airspace = service.airspace if service.mode == "air" else None
    closed = tuple(sorted(airspace.closed)) if airspace is not None else ()
    if service.waypoints:
        path = [stops[0], *((float(a), float(b)) for a, b in service.waypoints), stops[-1]]
        _no_opposite_hop(path)
        if closed:
            assert airspace is not None
            bad = _violations(tuple(path), closed, airspace.buffer_km)
            if bad:
                raise _Refused(("waypoints",), "the path through its waypoints " + "; ".join(bad))
        return [path]
    if not closed:
        return [[a, b] for a, b in zip(stops[:-1], stops[1:], strict=True)]
    assert airspace is not None
    out = []
    for i, (a, b) in enumerate(zip(stops[:-1], stops[1:], strict=True)):
        try:
            out.append(compliant_route(a, b, closed, airspace.buffer_km))
        except AirspaceError as exc:  # at the airport inside closed airspace, else the leg's start
            at = i + (exc.end or 0)
            said = str(exc)
            if len(stops) > 2 and said.endswith("give this one waypoints"):
                said += " (waypoints are for two-stop services: make this leg a service of its own)"
            raise _Refused(("stops", at), f"{service.stops[i]} -> {service.stops[i + 1]}: {said}") from None
    return out


def _no_opposite_hop(path: list[LatLon]) -> None:
    """Refuses a hop of a path through hand waypoints between nearly opposite points (more
    than :data:`MAX_HOP_DEG` apart): no one great circle joins them."""
    opposite = opposite_hop(path)
    if opposite is not None:
        k, arc = opposite
        (a_lat, a_lon), (b_lat, b_lon) = path[k], path[k + 1]
        raise _Refused(("waypoints",), (
            f"({a_lat:g}, {a_lon:g}) to ({b_lat:g}, {b_lon:g}) spans {arc:.1f} degrees of arc, "
            f"nearly opposite points of the globe, where the great circle between them is not "
            f"defined (at most {MAX_HOP_DEG:g}): add a waypoint between"))


@lru_cache(maxsize=256)
def _violations(path: tuple[LatLon, ...], closed: tuple[str, ...], buffer_km: float) -> tuple[str, ...]:
    return tuple(str(v) for v in path_violations(list(path), closed, buffer_km))
