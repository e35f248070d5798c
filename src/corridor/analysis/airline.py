"""An airline's view of its passenger services: load, revenue, yield, and the P&L per flight.

For every passenger service with ``economics`` in the scenario, over the trips that left in
the statistics window (by scheduled departure):

* ``flights``, ``passengers`` (boardings), ``load_factor`` (mean over flights of the peak load
  over the seats), ``revenue_usd`` (the fares its legs took) and ``yield_usd_per_pkm``
  (revenue over passenger-km flown: each passenger over the segments they rode, so one who
  boards at an intermediate stop counts for their own part of the route);
* ``cost_per_flight_usd`` = cost per block hour x block hours (first departure to last
  arrival of the timetable) + cost per trip; ``profit_per_flight_usd`` = revenue per flight
  minus that;
* ``break_even_load_factor``: the load factor at which revenue per flight equals its cost at
  the fares passengers paid (revenue grows in proportion to load at a given yield); when
  nobody flew, at its fare from first stop to last (none at a fare of 0);
* ``market_per_week``: the passenger demand from the service's first stop to its last,
  ``share_of_market``: its riders of that demand (first stop to last) over the travellers of
  it (riders of part of the route, and those connecting to or from it, are no share of it),
  and ``break_even_market_per_week``: the market at which the flight covers its cost, if the
  flight kept the same share of it at the same fare, had seats for it, and carried the same
  others (the share is not fixed for a real
  market, so a wider sensitivity is in :mod:`corridor.analysis.market`); infinite (no market)
  when the break-even load is above 100%: even full, the flight loses money at the fares paid,
  as in the market model's rows (a summary over replications leaves such a replication out);
* ``full_share``: the share of its flights that left with every seat taken on some leg. A
  full flight carries fewer of its market than would choose it (they choose among trips with
  seats left), so with flights full the share of market is what it carried, not what it would
  draw, and the break-even market an upper bound: at a market of 1,200 a week the baseline's
  direct flight, full, read a break-even market of 1,133, where the market model gives 438.

Per-week figures count the weeks of the statistics window.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from corridor.analysis.services import calendar_months
from corridor.network.segments import service_segments
from corridor.scenario.schema import Scenario, Service
from corridor.simulation.records import Records
from corridor.units import MIN_PER_HOUR, MIN_PER_WEEK


def flight_cost_usd(scenario: Scenario, service_id: str) -> tuple[float, float, float]:
    """(block hours, cost per flight in USD, distance in km) of one trip of ``service_id``."""
    service = scenario.service(service_id)
    if service.economics is None:
        raise ValueError(f"service {service_id} has no economics")
    segments = service_segments(service, {p.id: p for p in scenario.places})
    block_h = (segments[-1].arrive_offset_min - segments[0].depart_offset_min) / MIN_PER_HOUR
    cost = service.economics.cost_per_block_hour_usd * block_h + service.economics.cost_per_trip_usd
    return block_h, cost, sum(s.distance_km for s in segments)


def _flown(rec: Records, scenario: Scenario) -> list[tuple[Service, tuple[float, float, float], np.ndarray]]:
    """Per passenger service with economics: the service, (block hours, cost per flight, km), and
    which rows of the trip log are its flights that left in the statistics window (cancelled
    ones left out)."""
    trips = rec.trips
    assert trips is not None
    window = (trips["scheduled_min"] >= rec.warmup_min) & (trips["scheduled_min"] < rec.horizon_min)
    out = []
    by_id = {service.id: service for service in scenario.services}  # (a scan per service: n squared)
    for s, name in enumerate(rec.services):
        service = by_id[name]
        if service.economics is not None and service.unit == "pax":
            out.append((service, flight_cost_usd(scenario, name),
                        window & (trips["service"] == s) & (trips["capacity"] > 0)))
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def _at_least_0(x: float) -> float:
    """``x``, or 0 when the others' fares alone cover the cost (NaN kept)."""
    return max(0.0, x) if math.isfinite(x) else x


def airline_kpis(rec: Records, scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Per passenger service with economics: the figures of the module docstring, and the
    same month by month (``by_month``, see :func:`by_month`)."""
    trips = rec.trips
    if trips is None:
        return {}
    weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
    out: dict[str, dict[str, Any]] = {}
    months = by_month(rec, scenario)
    places = {p.id: p for p in scenario.places}
    for service, (block_h, cost, _), ran in _flown(rec, scenario):
        name = service.id
        flights = int(ran.sum())
        passengers = int(trips["boarded"][ran].sum())
        through = int(trips["through"][ran].sum())
        revenue = float(trips["revenue_usd"][ran].sum())
        load = float(np.mean(trips["peak_load"][ran] / trips["capacity"][ran])) if flights else math.nan
        per_flight = _ratio(revenue, flights)
        flows = [k for k, f in enumerate(scenario.demand)
                 if f.kind == "passenger" and f.from_ == service.stops[0] and f.to == service.stops[-1]]
        market = sum(scenario.demand[k].per_week for k in flows)
        u = rec.units
        created = int(np.sum(np.isin(u["flow"], flows) & (u["created_min"] >= rec.warmup_min)
                             & (u["created_min"] < rec.horizon_min)))
        cover = _ratio(cost, per_flight)  # how many times today's revenue the cost is
        even = load * cover
        fare = sum(seg.cost_usd for seg in service_segments(service, places))  # first stop to last
        if flights and not passengers:  # nobody to learn a yield from: the timetable's fare
            even = _ratio(cost, fare * service.capacity)
        # the market's revenue grows with the market; the partway and connecting riders' does not
        own = through * fare / flights if flights else math.nan
        rest = per_flight - own
        need = _at_least_0(market * _ratio(cost - rest, own)) if market else math.nan
        if even > 1.0 and market:  # even full it loses money: no market fills more than its seats
            need = math.inf
        out[name] = {
            "flights": flights,
            "flights_per_week": flights / weeks,
            "passengers": passengers,
            "passengers_per_week": passengers / weeks,
            "load_factor": load,
            "revenue_usd": revenue,
            "yield_usd_per_pkm": _ratio(revenue, float(trips["unit_km"][ran].sum())),
            "block_h": block_h,
            "cost_per_flight_usd": cost,
            "revenue_per_flight_usd": per_flight,
            "profit_per_flight_usd": per_flight - cost if flights else math.nan,
            "profit_usd": revenue - cost * flights,
            "break_even_load_factor": even,
            "market_per_week": float(market) if market else math.nan,
            # its own market's riders over the travellers its flows created in the window (a
            # traveller who came before the window and flew in it counts too: a ratio of rates)
            "share_of_market": _ratio(through, created),
            "break_even_market_per_week": need,
            "full_share": float(np.mean(trips["peak_load"][ran] >= trips["capacity"][ran])) if flights
            else math.nan,
            "by_month": months.get(name, {}),
        }
    return out


def by_month(rec: Records, scenario: Scenario) -> dict[str, dict[str, dict[str, Any]]]:
    """Per service with economics and calendar month (UTC, by scheduled departure): flights,
    passengers, load factor, revenue and profit."""
    trips = rec.trips
    if trips is None or not trips["scheduled_min"].size:
        return {}
    epoch = scenario.run.epoch
    months = calendar_months(epoch, trips["scheduled_min"])
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for service, (_, cost, _), rows in _flown(rec, scenario):
        name = service.id
        out[name] = {}
        for m in np.unique(months[rows]):
            ran = rows & (months == m)
            revenue = float(trips["revenue_usd"][ran].sum())
            out[name][str(m)] = {
                "flights": int(ran.sum()),
                "passengers": int(trips["boarded"][ran].sum()),
                "load_factor": float(np.mean(trips["peak_load"][ran] / trips["capacity"][ran])),
                "revenue_usd": revenue,
                "profit_usd": revenue - cost * int(ran.sum()),
            }
    return out
