"""Build the networkx MultiDiGraph of a validated scenario.

Nodes are place ids with the place's attributes. Each service contributes one edge per
segment (key ``"SERVICE:i"``, ``kind="service"``); each link one edge per direction (key
the link id, and ``"LINK:back"`` for the way back of a two-way link; ``kind="link"``), so
every edge's key is its own and a valid GraphML edge id (ids hold no ``:``). Units are in
the attribute names: ``distance_km``, ``duration_min``, ``cost_usd``, ``co2_kg`` (per unit
carried), ``capacity`` (units per departure); a service edge's ``cost_usd`` is its distance
share of the fare, and its ``fare_basis`` says whether riders pay that (``distance``) or the
whole fare at boarding.
An attribute that does not apply is None (``servers`` of a place that does not queue,
``departures_per_week`` of a dispatched service); :func:`export_safe` leaves those out,
which GraphML and GEXF writers need.
"""

from __future__ import annotations

import networkx as nx

from corridor.network.geo import great_circle_km
from corridor.network.segments import service_segments
from corridor.scenario.schema import Scenario


def build_network(scenario: Scenario) -> nx.MultiDiGraph:
    """The scenario's places and connections as a MultiDiGraph."""
    graph = nx.MultiDiGraph(name=scenario.name, epoch=scenario.run.epoch.isoformat())
    places = {p.id: p for p in scenario.places}
    for place in scenario.places:
        graph.add_node(
            place.id,
            name=place.name,
            kind=place.kind,
            country=place.country,
            lat=place.lat,
            lon=place.lon,
            tz=place.tz,
            min_connection_min=place.min_connection_min,
            checkin_min=place.checkin_min,
            servers=place.servers,
            service_mean_min=place.service_time.mean_min if place.service_time else None,
        )
    for service in scenario.services:
        for seg in service_segments(service, places):
            graph.add_edge(
                seg.origin,
                seg.destination,
                key=f"{service.id}:{seg.index}",
                kind="service",
                service=service.id,
                mode=service.mode,
                unit=service.unit,
                distance_km=seg.distance_km,
                duration_min=seg.duration_min,
                depart_offset_min=seg.depart_offset_min,
                capacity=service.capacity,
                cost_usd=seg.cost_usd,
                fare_basis=service.fare_basis,
                co2_kg=seg.co2_kg,
                departures_per_week=(
                    len(service.timetable.weekdays) * len(service.timetable.clock_min)
                    if service.timetable is not None else None
                ),
            )
    for link in scenario.links:
        a, b = places[link.from_], places[link.to]
        distance = link.distance_km or float(great_circle_km(a.lat, a.lon, b.lat, b.lon))
        # every edge its own key, as GraphML's edge ids must be: the way back is "LINK:back"
        ends = [(link.from_, link.to, link.id)]
        if link.bidirectional:
            ends.append((link.to, link.from_, f"{link.id}:back"))
        for u, v, key in ends:
            graph.add_edge(
                u,
                v,
                key=key,
                kind="link",
                link=link.id,
                mode=link.mode,
                distance_km=distance,
                duration_min=link.duration_min,
                cost_usd=link.cost_usd,
                co2_kg=link.co2_kg,
            )
    return graph


def export_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` that ``networkx.write_graphml`` (and GEXF) can write: attributes
    that are None are left out (GraphML has no null), other values that are not text, numbers
    or booleans become text.

    >>> import io
    >>> g = nx.MultiDiGraph(name="x")
    >>> g.add_node("A", servers=None, lat=1.0)
    >>> nx.write_graphml(export_safe(g), io.BytesIO())
    """
    def clean(attrs: dict[str, object]) -> dict[str, object]:
        return {k: v if isinstance(v, str | int | float | bool) else str(v)
                for k, v in attrs.items() if v is not None}

    out = nx.MultiDiGraph(**clean(dict(graph.graph)))
    out.add_nodes_from((n, clean(d)) for n, d in graph.nodes(data=True))
    out.add_edges_from((u, v, k, clean(d)) for u, v, k, d in graph.edges(keys=True, data=True))
    return out
