"""The geographic path a service follows: the one place that says where a vehicle flies or runs.

Segment distances, the map, and exports all read the path from here, so a routed path (hand
waypoints today) is drawn, measured and exported alike.
"""

from __future__ import annotations

from corridor.scenario.schema import Place, Service

LatLon = tuple[float, float]


def service_path(service: Service, places: dict[str, Place]) -> list[LatLon]:
    """The (lat, lon) points a service passes, from its first stop to its last.

    A two-stop service with ``waypoints`` goes through them; otherwise the path is its stops.
    """
    stops = [(places[s].lat, places[s].lon) for s in service.stops]
    if service.waypoints:
        return [stops[0], *((float(a), float(b)) for a, b in service.waypoints), stops[-1]]
    return stops
