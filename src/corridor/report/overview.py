"""What a scenario holds, as rows for tables and as JSON-ready dictionaries."""

from __future__ import annotations

import textwrap
from typing import Any

import networkx as nx

from corridor.analysis.airline import flight_cost_usd
from corridor.network.airspace import countries_crossed
from corridor.network.geo import great_circle_km, path_km
from corridor.network.paths import service_path
from corridor.report.tables import format_table, hours_minutes, terminal_width
from corridor.scenario.schema import Scenario, Service


def _fine(value: float) -> float:
    """A derived figure to a millionth: the float noise of sums gone (3,289 USD summed over
    segments is 3288.9999999999995), and fine enough that the text table, which rounds it
    again, shows what one rounding of the exact value shows (a JSON figure rounded to 0.1 km
    and again to the km read 1,454 for 1,454.54; to 0.01 kg and again, 486 for 485.497).

    >>> _fine(3288.9999999999995), _fine(1454.5399999)
    (3289.0, 1454.54)
    """
    return round(value, 6)


def overview(scenario: Scenario, graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Places, services (with derived distance and duration; for air services the route too),
    links, demand, disruptions."""
    places = {p.id: p for p in scenario.places}
    # each service's segments, in the graph's order, gathered in one pass over the edges: a
    # pass per service took 120 s for `show` of 5,000 services (25 million edges looked at)
    by_service: dict[str, list[dict[str, Any]]] = {}
    for _, _, d in graph.edges(data=True):
        if d.get("service") is not None:
            by_service.setdefault(d["service"], []).append(d)
    services = []
    for s in scenario.services:
        segs = sorted(by_service.get(s.id, []), key=lambda d: d["depart_offset_min"])
        fare = sum(d["cost_usd"] for d in segs)  # first stop to last
        services.append(
            {
                "id": s.id,
                "mode": s.mode,
                "unit": s.unit,
                "operator": s.operator,
                "stops": list(s.stops),
                "departures_per_week": segs[0]["departures_per_week"],
                "distance_km": _fine(sum(d["distance_km"] for d in segs)),
                "duration_min": _fine(segs[-1]["depart_offset_min"] + segs[-1]["duration_min"]),
                "capacity": s.capacity,
                "dispatch": s.dispatch.model_dump(mode="json") if s.dispatch is not None else None,
                "cost_usd": _fine(fare),
                "fare_basis": s.fare_basis,
                "co2_kg": _fine(sum(d["co2_kg"] for d in segs)),
                "economics": _economics(scenario, s, fare),
                **(_air_route(s, places) if s.mode == "air" else {}),
            }
        )
    return {
        "name": scenario.name,
        "description": scenario.description,
        "run": scenario.run.model_dump(mode="json"),
        "places": [
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "country": p.country,
                "lat": p.lat,
                "lon": p.lon,
                "tz": p.tz,
                "min_connection_min": p.min_connection_min,
                "checkin_min": p.checkin_min,
                "servers": p.servers,
                "service_mean_min": p.service_time.mean_min if p.service_time else None,
                "background_per_day": p.background_per_day,
                "customs_probability": p.customs.probability if p.customs else None,
                "customs_hold_mean_min": p.customs.hold.mean_min if p.customs else None,
            }
            for p in scenario.places
        ],
        "services": services,
        "links": [link.model_dump(mode="json", by_alias=True) for link in scenario.links],
        "demand": [d.model_dump(mode="json", by_alias=True) for d in scenario.demand],
        "disruptions": [d.model_dump(mode="json") for d in scenario.disruptions],
        "fleets": [f.model_dump(mode="json") for f in scenario.fleets],
        "choice": scenario.choice.model_dump(mode="json") if scenario.choice is not None else None,
    }


def _economics(scenario: Scenario, service: Service, fare: float) -> dict[str, float | None] | None:
    """A service's cost per trip as the airline view counts it, and the load at which its
    ``fare`` from first stop to last would cover it."""
    if service.economics is None:
        return None
    block_h, cost, _ = flight_cost_usd(scenario, service.id)
    return {"cost_per_block_hour_usd": service.economics.cost_per_block_hour_usd,
            "cost_per_trip_usd": service.economics.cost_per_trip_usd,
            "block_h": _fine(block_h), "cost_per_flight_usd": _fine(cost),
            "break_even_load_at_fare": _fine(cost / (fare * service.capacity)) if fare > 0 else None}


def _air_route(service: Service, places: dict[str, Any]) -> dict[str, Any]:
    """Where an air service flies: its path's length against the great circle through its
    stops, the closed airspace it keeps out of, and the countries under it in order."""
    path = service_path(service, places)
    stops = [places[p] for p in service.stops]
    circle = sum(float(great_circle_km(a.lat, a.lon, b.lat, b.lon))
                 for a, b in zip(stops, stops[1:], strict=False))
    km = path_km(path)
    airspace = service.airspace
    return {
        "path_km": _fine(km),
        "great_circle_km": _fine(circle),
        "detour_ratio": _fine(km / circle) if circle > 0 else None,
        "closed_airspace": list(airspace.closed) if airspace is not None else [],
        "buffer_km": airspace.buffer_km if airspace is not None else None,
        "countries": countries_crossed(path),
        "path": [[round(lat, 4), round(lon, 4)] for lat, lon in path],
    }


def overview_text(data: dict[str, Any], width: int | None = None) -> str:
    """The overview as terminal tables that fit ``width`` columns (default: the terminal's);
    long names are cut, and every service's stops follow in full. ``--json`` has it all."""

    width = width or terminal_width()
    head = f"{data['name']}: {data['description'] or ''}".rstrip(": ")
    blocks = [textwrap.fill(head, width)]
    blocks.append(
        format_table(
            ["id", "name", "kind", "cc", "tz", "MCT min", "servers", "service min"],
            [
                [p["id"], p["name"], p["kind"], p["country"], p["tz"],
                 p["min_connection_min"], p["servers"], p["service_mean_min"]]
                for p in data["places"]
            ],
            title=f"\nPlaces ({len(data['places'])})", max_width=width,
        )
    )
    blocks.append(
        format_table(
            ["id", "mode", "dep/wk", "km", "time", "capacity", "unit", "USD", "kg CO2"],
            [
                [s["id"], s["mode"], s["departures_per_week"],
                 s["distance_km"], hours_minutes(s["duration_min"]), s["capacity"], s["unit"],
                 f"{s['cost_usd']:,g}*" if s["fare_basis"] == "boarding" else s["cost_usd"],
                 s["co2_kg"]]
                for s in data["services"]
            ],
            title=f"\nServices ({len(data['services'])})", max_width=width,
        )
        + ("\n* charged whole at every boarding (fare_basis: boarding); the others by distance ridden"
           if any(s["fare_basis"] == "boarding" for s in data["services"]) else "")
    )
    air = [s for s in data["services"] if "path_km" in s]
    if air:
        closed = sorted({c for s in air for c in s["closed_airspace"]})
        blocks.append(
            format_table(
                ["id", "km", "circle km", "detour", "block", "countries crossed"],
                [[s["id"], s["path_km"], s["great_circle_km"],
                  "-" if s["detour_ratio"] is None else f"{s['detour_ratio']:.2f}x",  # no length: no ratio
                  hours_minutes(s["duration_min"]), " ".join(s["countries"])] for s in air],
                title=f"\nAir routes ({len(air)}; closed airspace: {', '.join(closed) or 'none'})",
                max_width=width,
            )
        )
    calls = [f"{s['id']}: {' > '.join(s['stops'])}" for s in data["services"]]
    if calls:
        blocks.append("\nStops\n" + "\n".join(textwrap.fill(c, width, subsequent_indent="    ")
                                             for c in calls))
    if data["links"]:
        blocks.append(
            format_table(
                ["id", "from", "to", "mode", "minutes", "both ways"],
                [[k["id"], k["from"], k["to"], k["mode"], k["duration_min"],
                  "yes" if k["bidirectional"] else "no"] for k in data["links"]],
                title=f"\nLinks ({len(data['links'])})",
            )
        )
    if data["demand"]:
        blocks.append(
            format_table(
                ["id", "kind", "from", "to", "per week", "arrivals"],
                [[d["id"], d["kind"], d["from"], d["to"], d["per_week"], d["arrivals"]]
                 for d in data["demand"]],
                title=f"\nDemand ({len(data['demand'])})",
            )
        )
    blocks += _passenger_blocks(data, width)
    blocks += _cargo_blocks(data, width)
    if data["disruptions"]:
        blocks.append(
            format_table(
                ["id", "target", "start", "end", "capacity factor"],
                [[d["id"], d["target"], d["start"], d["end"], d["capacity_factor"]]
                 for d in data["disruptions"]],
                title=f"\nDisruptions ({len(data['disruptions'])})",
            )
        )
    return "\n".join(blocks)


def _passenger_blocks(data: dict[str, Any], width: int) -> list[str]:
    """What the airline view and the passengers' choice assume: each service's cost per flight
    and the load its fare would need, and the logit's terms."""
    blocks = []
    costed = [s for s in data["services"] if s.get("economics")]
    if costed:
        blocks.append(format_table(
            ["service", "seats", "fare USD", "USD/block h", "USD/trip", "block h", "cost/flight USD",
             "break-even load"],
            [[s["id"], s["capacity"], s["cost_usd"], f"{s['economics']['cost_per_block_hour_usd']:,g}",
              f"{s['economics']['cost_per_trip_usd']:,g}", round(s["economics"]["block_h"], 2),
              f"{s['economics']['cost_per_flight_usd']:,.0f}",
              "-" if s["economics"]["break_even_load_at_fare"] is None
              else f"{s['economics']['break_even_load_at_fare']:.0%}"] for s in costed],
            title=f"\nAirline economics ({len(costed)}; break-even load at the full fare)", max_width=width))
    choice = data.get("choice")
    if choice:
        segments = "; ".join(
            f"{g['id']} {g['share']:.0%}: time USD {g['value_of_time_usd_per_h']:,g}/h, waiting for the "
            f"departure USD {g['schedule_delay_usd_per_h']:,g}/h" for g in choice["segments"])
        blocks.append("\nPassenger choice (logit on generalised cost, docs/choice.md)\n" + textwrap.fill(
            f"{segments}; a transfer USD {choice['transfer_penalty_usd']:,g}; logit scale USD "
            f"{choice['scale_usd']:,g}; itineraries over {choice['window_days']:g} days ahead; induced "
            f"demand elasticity {choice['induced_elasticity']:g}", width, subsequent_indent="    "))
    return blocks


def _cargo_blocks(data: dict[str, Any], width: int) -> list[str]:
    """What makes cargo wait, besides timetables: stations (servers, outside traffic, customs
    holds), dispatched services (cut-off, daily paths, fleet), fleets, and gateway choices."""
    blocks = []
    stations = [p for p in data["places"] if p["servers"]]
    if stations:
        blocks.append(format_table(
            ["station", "servers", "service min", "outside/day", "customs held", "hold h"],
            [[p["id"], p["servers"], p["service_mean_min"], p["background_per_day"] or "-",
              f"{p['customs_probability']:.0%}" if p["customs_probability"] is not None else "-",
              round(p["customs_hold_mean_min"] / 60, 1) if p["customs_hold_mean_min"] is not None else "-"]
             for p in stations],
            title=f"\nStations ({len(stations)}; vehicles queue for servers)", max_width=width))
    dispatched = [s for s in data["services"] if s["dispatch"] is not None]
    if dispatched:
        blocks.append(format_table(
            ["service", "capacity", "cut-off h", "paths/day", "fleet"],
            [[s["id"], s["capacity"], round(s["dispatch"]["cutoff_min"] / 60, 1), _paths(s["dispatch"]),
              s["dispatch"]["fleet"] or "-"] for s in dispatched],
            title=f"\nDispatched services ({len(dispatched)}; leave full or at their cut-off)",
            max_width=width))
    if data["fleets"]:
        blocks.append(format_table(
            ["fleet", "vehicles", "return x", "turnaround h"],
            [[f["id"], f["vehicles"], f["return_factor"], round(f["turnaround_min"] / 60, 1)]
             for f in data["fleets"]],
            title=f"\nFleets ({len(data['fleets'])})", max_width=width))
    choosing = [d for d in data["demand"] if d.get("gateways")]
    if choosing:
        blocks.append("\nGateway choice\n" + "\n".join(
            textwrap.fill(f"{d['id']}: {', '.join(d['gateways']['via'])} ({_choice_terms(d['gateways'])})",
                          width, subsequent_indent="    ")
            for d in choosing))
    return blocks


def _paths(dispatch: dict[str, Any]) -> str:
    """A dispatched service's departure paths a day, and their weekdays unless daily.

    >>> _paths({"paths_per_day": 1, "days": ["Tue", "Thu", "Sat"]}), _paths({"paths_per_day": None})
    ('1 (Tue, Thu, Sat)', '-')
    """
    if dispatch["paths_per_day"] is None:
        return "-"
    days = dispatch.get("days", "daily")
    return str(dispatch["paths_per_day"]) + ("" if days == "daily" else f" ({', '.join(days)})")


def _choice_terms(g: dict[str, Any]) -> str:
    """How a flow chooses its gateway, in words.

    >>> _choice_terms({"value_of_time_usd_per_day": 150, "scale_usd": 150, "co2_usd_per_t": 0,
    ...                "block_feu": 41, "experience_weight": 0.2})
    'value of time USD 150 a day, logit scale USD 150, 41 FEU decide together, learning 0.2 of each error'
    """
    terms = [f"value of time USD {g['value_of_time_usd_per_day']:,g} a day",
             f"logit scale USD {g['scale_usd']:,g}"]
    if g.get("co2_usd_per_t"):
        terms.append(f"CO2 at USD {g['co2_usd_per_t']:,g} a tonne")
    if g.get("block_feu", 1) > 1:
        terms.append(f"{g['block_feu']} FEU decide together")
    if g.get("experience_weight"):
        terms.append(f"learning {g['experience_weight']:g} of each error")
    return ", ".join(terms)
