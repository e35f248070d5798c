"""The market model: what share of travellers a passenger service would win, and whether it pays,
across market sizes, fares and frequencies, from the timetable and the choice model alone.

For each passenger flow the service can carry, travellers wishing to leave at every
``STEP_MIN`` of one week (from the run's start) and of each segment choose among their
Pareto itineraries by the scenario's logit (:mod:`corridor.simulation.choice`); the service's
share is the mean probability of choosing an itinerary that rides it. Nothing runs out of
seats here, so this is the demand a service would meet, before spill: the simulation (``run``,
``compare``) gives the figures with seats, delays and misses, at the scenario's own market size.

From the share, per week: passengers = market x share; load factor = passengers / seats,
capped at 1 (the rest spill); revenue = passengers carried x the fare; profit = revenue -
flights x cost per flight (:func:`corridor.analysis.airline.flight_cost_usd`). Market size
changes only the first line; a fare changes every traveller's choice (the itineraries that ride
the service cost more), and so does the value travellers put on waiting for their departure;
a frequency builds the timetable anew with the flights spread over the week.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from corridor.analysis.airline import flight_cost_usd
from corridor.kernels.logit import shares
from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario, Service
from corridor.simulation.choice import Alternatives, ChoiceCache, expected_cost_usd, utilities
from corridor.units import MIN_PER_DAY, MIN_PER_WEEK

STEP_MIN = 30.0  # wished departure times, every half hour of the week
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MARKET_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
FARE_FACTORS = (0.6, 0.8, 1.0, 1.2, 1.4)
FREQUENCIES = (1, 2, 3, 4, 5, 6, 7)
#: the other services' fares on the travellers' alternatives, scaled (the one-stop fares the
#: new service competes with are often ASSUMPTIONs: what its case rests on)
RIVAL_FACTORS = (0.6, 0.8, 1.0, 1.2)
#: every segment's value of waiting for the departure (``schedule_delay_usd_per_h``) scaled:
#: a flight of two a week wins travellers willing to wait days for it, and those values are
#: ASSUMPTIONs (the baseline's leisure USD 5 an hour: 2, 5, 10 and 25)
WAIT_FACTORS = (0.4, 1.0, 2.0, 5.0)
MAX_EXPONENT = 709.0  # math.exp overflows a float beyond about 709.78
MIN_SHARE = 1e-6  # below one traveller in a million choosing it, no market fills the flight


@dataclass(frozen=True)
class MarketPoint:
    """The service's week at one setting (a sensitivity row)."""

    parameter: str  # "market", "fare", "rivals" (the other fares' factor) or "frequency"
    value: float  # market per week, fare in USD, the factor on the other fares, or flights per week
    share: float  # of the service's flows' travellers who would choose it
    passengers_per_week: float  # carried (at most the seats)
    load_factor: float
    spilled_per_week: float  # who chose it beyond the seats
    revenue_per_week_usd: float
    profit_per_week_usd: float
    break_even_load_factor: float
    break_even_market_per_week: float
    unit: str = ""  # of ``value``: pax/week, USD or flights/week
    own: bool = False  # the scenario's own setting

    @property
    def can_break_even(self) -> bool:
        """A break-even load above 100% cannot be flown at this fare and capacity."""
        return self.break_even_load_factor <= 1.0


UNITS = {"market": "pax/week", "fare": "USD", "frequency": "flights/week", "rivals": "x their fares",
         "waiting": "x the value of waiting"}


def spread_days(n: int, around: Sequence[str] = ()) -> list[str]:
    """``n`` weekdays spread over the week: the days of ``around`` first (in week order), then
    each added day the one farthest from the days already chosen (the earlier on a tie). When
    ``around`` has more than ``n`` days, its first is kept and the others are chosen among its
    own the same way, so a daily flight's two a week are Monday and Thursday, not Monday and
    Tuesday.

    >>> spread_days(2, ["Thu", "Sun"]), spread_days(3, ["Thu", "Sun"]), spread_days(3)
    (['Thu', 'Sun'], ['Tue', 'Thu', 'Sun'], ['Mon', 'Thu', 'Sat'])
    >>> spread_days(2, WEEKDAYS), spread_days(2, ["Mon", "Tue", "Wed", "Thu", "Fri"])
    (['Mon', 'Thu'], ['Mon', 'Thu'])
    """
    if not 1 <= n <= 7:
        raise ValueError(f"a week has 1 to 7 days of flights, not {n}")
    own = [WEEKDAYS.index(d) for d in WEEKDAYS if d in around]
    pool = own if len(own) > n else list(range(7))
    chosen = (own[:1] if len(own) > n else own) or [0]

    def gap(day: int) -> int:
        return min(min(abs(day - c), 7 - abs(day - c)) for c in chosen)

    while len(chosen) < n:
        chosen.append(max((d for d in pool if d not in chosen), key=lambda d: (gap(d), -d)))
    return [WEEKDAYS[d] for d in sorted(chosen)]


class _Week:
    """Every flow's choice sets over one week of wished departure times, on one timetable."""

    def __init__(self, scenario: Scenario, flows: list[int]) -> None:
        if scenario.choice is None:
            raise ValueError("the market model needs the scenario's choice section")
        self.scenario, self.choice = scenario, scenario.choice
        start = scenario.run.warmup_days * MIN_PER_DAY
        tt = build_timetable(scenario, start_min=start - 2 * MIN_PER_DAY,
                             end_min=start + MIN_PER_WEEK + (self.choice.window_days + 3) * MIN_PER_DAY)
        self.tt = tt
        cache = ChoiceCache(Planner(tt, unit="pax"), np.ones(tt.n_connections, dtype=bool), self.choice)
        wished = start + np.arange(0.0, MIN_PER_WEEK, STEP_MIN)
        self.sets: list[tuple[int, float, Alternatives | None]] = []
        self._on: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        for f in flows:
            flow = scenario.demand[f]
            o, d = tt.index[flow.from_], tt.index[flow.to]
            for t in wished.tolist():
                self.sets.append((f, t, cache.alternatives(o, d, t)))

    def expected_cost(self) -> dict[int, float]:
        """Per flow: the expected least generalised cost of a journey, in USD (minus the
        logsum times the scale), over wished times and segments; NaN when a flow has no route."""
        out: dict[int, list[float]] = {}
        for f, t, alts in self.sets:
            cost = math.nan if alts is None else sum(
                seg.share * expected_cost_usd(alts, t, seg, self.choice) for seg in self.choice.segments)
            out.setdefault(f, []).append(cost)
        return {f: float(np.mean(v)) for f, v in out.items()}

    def on_service(self, alts: Alternatives, service: str) -> tuple[np.ndarray, np.ndarray]:
        """Per alternative: does it ride ``service``, and the fare it pays on it (worked out once
        per set: wished times that catch the same departures share one)."""
        key = (id(alts), service)  # the sets live as long as this week does
        if key not in self._on:
            self._on[key] = self._ride_fares(alts, service)
        return self._on[key]

    @staticmethod
    def _ride_fares(alts: Alternatives, service: str) -> tuple[np.ndarray, np.ndarray]:
        rides = np.array([any(leg.name == service and leg.kind == "service" for leg in it.legs)
                          for it, _ in alts.options])
        fare = np.array([sum(leg.cost_usd for leg in it.legs if leg.name == service and leg.kind == "service")
                         for it, _ in alts.options])
        return rides, fare

    def share(self, service: str, fare_factor: float = 1.0, rival_factor: float = 1.0,
              wait_factor: float = 1.0) -> dict[int, float]:
        """Per flow: the mean probability (over wished times and segments) of riding ``service``,
        its fare times ``fare_factor``, every other fare on the alternatives times ``rival_factor``
        and every segment's value of waiting for the departure times ``wait_factor`` (the choice
        sets are the Pareto itineraries, whatever the values: the same sets serve)."""
        segments = self.choice.segments if wait_factor == 1.0 else [
            seg.model_copy(update={"schedule_delay_usd_per_h": seg.schedule_delay_usd_per_h * wait_factor})
            for seg in self.choice.segments]
        sums: dict[int, list[float]] = {}
        for f, t, alts in self.sets:
            p = 0.0
            if alts is not None:
                rides, fare = self.on_service(alts, service)
                if rides.any():
                    others = alts.fare_usd - fare
                    priced = alts._replace(fare_usd=fare * fare_factor + others * rival_factor)
                    for seg in segments:
                        p += seg.share * float(shares(utilities(priced, t, seg, self.choice))[rides].sum())
            sums.setdefault(f, []).append(p)
        return {f: float(np.mean(v)) for f, v in sums.items()}


def _flows(scenario: Scenario, service: Service) -> list[int]:
    """The passenger flows whose travellers could ride ``service``: from a stop to a later stop
    of it, or any flow when it is linked up (we let the choice sets decide)."""
    stops = service.stops
    return [f for f, flow in enumerate(scenario.demand)
            if flow.kind == "passenger" and flow.from_ in stops and flow.to in stops
            and stops.index(flow.from_) < stops.index(flow.to)] or \
        [f for f, flow in enumerate(scenario.demand) if flow.kind == "passenger"]


def _point(parameter: str, value: float, scenario: Scenario, service: Service, flows: list[int],
           share: dict[int, float], market_factor: float, fare: float, per_week: float) -> MarketPoint:
    seats = per_week * service.capacity
    demand = sum(scenario.demand[f].per_week * market_factor for f in flows)
    wanted = sum(scenario.demand[f].per_week * market_factor * share[f] for f in flows)
    carried = min(wanted, seats)
    _, cost, _ = flight_cost_usd(scenario, service.id)
    revenue = carried * fare
    flown_cost = cost * per_week
    mean_share = wanted / demand if demand > 0 else math.nan
    even_load = flown_cost / (seats * fare) if seats and fare > 0 else math.nan
    # the market that would fill the break-even load; none when that load is above 100% (the
    # seats cannot carry it, however large the market), or when fewer than one traveller in
    # MIN_SHARE chooses it (the logit's tail gave markets of 10^33 a week)
    even_market = (flown_cost / (fare * mean_share)
                   if fare > 0 and mean_share >= MIN_SHARE and even_load <= 1.0 else math.inf)
    return MarketPoint(
        parameter, value, mean_share, carried, carried / seats if seats else math.nan,
        wanted - carried, revenue, revenue - flown_cost, even_load, even_market,
    )


def _flights_per_week(scenario: Scenario, service: Service) -> float:
    tt = build_timetable(scenario, start_min=scenario.run.warmup_days * MIN_PER_DAY,
                         end_min=scenario.run.warmup_days * MIN_PER_DAY + 4 * MIN_PER_WEEK)
    return float(tt.service_starts[tt.services.index(service.id)].size) / 4.0


def sensitivity(scenario: Scenario, service_id: str, *,
                market_factors: Sequence[float] = MARKET_FACTORS,
                fare_factors: Sequence[float] = FARE_FACTORS,
                frequencies: Sequence[int] = FREQUENCIES,
                rival_factors: Sequence[float] = RIVAL_FACTORS,
                wait_factors: Sequence[float] = WAIT_FACTORS,
                with_return: str | None = None) -> list[MarketPoint]:
    """Rows for market size, fare, the rivals' fares, the travellers' value of waiting for their
    departure and frequency around the scenario's own setting; none when the service flies no
    flight in the weeks after the warm-up.

    ``with_return`` names the service flying the other way, whose days follow the same
    frequency (a route is launched both ways).
    """
    service = scenario.service(service_id)
    if service.economics is None:
        raise ValueError(f"service {service_id} has no economics: the market model needs its costs")
    flows = _flows(scenario, service)
    week = _Week(scenario, flows)
    base_share = week.share(service_id)
    fare = float(service.cost_usd or 0.0)
    per_week = _flights_per_week(scenario, service)
    if per_week == 0:  # its validity leaves it no flight: every row would be of nothing flown
        return []
    market = sum(scenario.demand[f].per_week for f in flows)
    rows = [_point("market", market * k, scenario, service, flows, base_share, k, fare, per_week)
            for k in market_factors]
    # a fare of 0 scaled is 0 again: one row, not five alike
    rows += [_point("fare", fare * k, scenario, service, flows, week.share(service_id, k), 1.0, fare * k,
                    per_week) for k in (fare_factors if fare > 0 else (1.0,))]
    rows += [_point("rivals", k, scenario, service, flows, week.share(service_id, 1.0, k), 1.0, fare,
                    per_week) for k in rival_factors]
    rows += [_point("waiting", k, scenario, service, flows, week.share(service_id, 1.0, 1.0, k), 1.0, fare,
                    per_week) for k in wait_factors]
    for n in frequencies:  # n days a week; the row is of the flights they fly (two a day: 2n)
        changed = _with_frequency(scenario, [service_id, *([with_return] if with_return else [])], n)
        other = _Week(changed, flows)
        flights = _flights_per_week(changed, service)
        rows.append(_point("frequency", flights, changed, changed.service(service_id), flows,
                           other.share(service_id), 1.0, fare, flights))
    own = {"market": market, "fare": fare, "frequency": per_week, "rivals": 1.0, "waiting": 1.0}
    return [replace(r, unit=UNITS[r.parameter], own=math.isclose(r.value, own[r.parameter])) for r in rows]


def _with_frequency(scenario: Scenario, service_ids: list[str], n: int) -> Scenario:
    services = []
    for s in scenario.services:
        if s.id in service_ids and s.timetable is not None:
            days = s.timetable.days
            around = list(WEEKDAYS) if days == "daily" else list(days)
            s = s.model_copy(update={"timetable": s.timetable.model_copy(
                update={"days": spread_days(n, around)})})
        services.append(s)
    return scenario.model_copy(update={"services": services})


def traveller_benefit(base: Scenario, other: Scenario, flows: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per flow id: the expected generalised cost of a journey in each scenario (USD), the
    benefit per traveller (base minus other: the consumer surplus of the change), and the
    demand ``other`` would induce: market x (exp(elasticity x benefit / scale) - 1)."""
    if other.choice is None or base.choice is None:
        raise ValueError("the traveller benefit needs both scenarios' choice section")
    index = {f.id: k for k, f in enumerate(other.demand)}
    base_index = {f.id: k for k, f in enumerate(base.demand)}
    ids = [f for f in flows if f in index and f in base_index]
    before = _Week(base, [base_index[f] for f in ids]).expected_cost()
    after = _Week(other, [index[f] for f in ids]).expected_cost()
    out = {}
    for f in ids:
        a, b = before[base_index[f]], after[index[f]]
        gain = a - b
        market = other.demand[index[f]].per_week
        growth = other.choice.induced_elasticity * gain / other.choice.scale_usd
        # past e^709 a float overflows: a growth that large (a scale of a fraction of a dollar)
        # is reported as without bound, not raised
        induced = market * math.expm1(growth) if growth < MAX_EXPONENT else math.inf
        out[f] = {"cost_before_usd": a, "cost_after_usd": b, "benefit_usd": gain,
                  "induced_per_week": induced, "elasticity": other.choice.induced_elasticity}
    return out
