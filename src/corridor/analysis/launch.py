"""Is a new passenger service worth launching? The case for each service a scenario adds.

A comparison finds, in each scenario after the base, the passenger services the base lacks
that carry ``economics``, and for each puts together:

* from the simulation of the scenario that has it: the share of its market's
  travellers who chose it, passengers a week, load factor, profit per flight, and the
  break-even load factor and market size, each with its 95% interval over replications;
  load factor by calendar month;
* from the market model (:mod:`corridor.analysis.market`): how share, load and profit move
  with market size, fare, the rivals' fares, the value of waiting and frequency (flying on 1 to
  7 days a week, each row the flights a week that makes), the return service following the
  same frequency.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.analysis.airline import by_month
from corridor.analysis.kpis import flatten
from corridor.analysis.market import MarketPoint, sensitivity, traveller_benefit
from corridor.analysis.runs import SimulationResult
from corridor.kernels.stats import Estimate, mean_ci
from corridor.scenario.schema import Scenario

FIGURES = ("share_of_market", "passengers_per_week", "load_factor", "break_even_load_factor",
           "profit_per_flight_usd", "break_even_market_per_week", "market_per_week", "flights_per_week",
           "full_share")


#: what a verdict says of a flight whose break-even load is above 100%
NO_MARKET = ("even full it would fall short of its cost at the fares paid, so no market makes it pay "
             "at this fare and size")


@dataclass(frozen=True)
class LaunchCase:
    """One new service: simulated figures with intervals, monthly load, and sensitivities."""

    scenario: str
    service: str
    return_service: str | None
    figures: dict[str, Estimate]
    load_by_month: dict[str, Estimate]
    sensitivity: list[MarketPoint] = field(default_factory=list)
    benefit: dict[str, dict[str, float]] = field(default_factory=dict)  # per flow it serves
    #: the statistics window the figures cover, in words (a spring's figures are not a year's)
    window: str = ""
    #: why ``sensitivity`` is empty, in words
    no_sensitivity: str = "no choice model"
    #: what the share turns on most, in words: the value the choice model puts on waiting
    waiting: str = ""
    #: flights a replication in each month of ``load_by_month`` (a month of two flights says little)
    flights_by_month: dict[str, float] = field(default_factory=dict)
    #: its profit per flight in each replication, in order (a round trip's interval pairs them)
    profits: tuple[float, ...] = ()

    def sentence(self) -> str:
        f = self.figures
        share, load, even = f["share_of_market"], f["load_factor"], f["break_even_load_factor"]
        profit, market = f["profit_per_flight_usd"], f["break_even_market_per_week"]
        over = f", simulated {self.window}" if self.window else ", simulated"
        if not math.isfinite(load.mean):  # no flight in any replication: its validity, or a closure
            return (f"{self.service} (new in {self.scenario}{over}): it flew no flight, so there is no "
                    "load, profit or break-even to judge (its days, validity or a closure leave it none)."
                    + self._benefit())
        if _known(profit):
            verdict = "covers its cost" if profit.low > 0 else (
                "loses money" if profit.high < 0 else "is not clearly above or below cost")
        else:  # one replication: no interval, so the one profit's sign
            verdict = "covers its cost" if profit.mean > 0 else "loses money"
        # a figure that is not a number is said in words, not printed as 'nan%': no share when no
        # demand flow goes from its first stop to its last, no break-even when a fare earns nothing
        full = self.full_flights()
        if math.isfinite(share.mean):
            interval = (_interval(share, '.0%', '95% CI ', within=(0.0, 1.0)) if _known(share)
                        else " (one replication: no interval)")
            chosen = f"{share.mean:.0%} of its market's travellers choose it{interval}"
            if self.waiting:
                chosen += f", {self.waiting}"
            if full:  # those who found it full chose among trips with seats: it drew more than it carried
                chosen = (f"it carries {share.mean:.0%} of its market's travellers{interval}, and "
                          f"{full:.0%} of its flights left full, so more would choose it than it carried")
        else:
            chosen = "no demand flow goes from its first stop to its last, so no share of a market"
        against = (f"against a break-even of {whole_percent(even.mean)}{_interval(even, '.0%')}"
                   if math.isfinite(even.mean)
                   else "with no break-even load (its fares earn nothing a traveller)")
        text = (f"{self.service} (new in {self.scenario}{over}): {chosen}; load factor "
                f"{load.mean:.0%}{_interval(load, '.0%', within=(0.0, 1.0))} {against}; it {verdict}, "
                f"{profit.mean:+,.0f} USD a flight{_interval(profit, '+,.0f')}")
        if even.mean > 1.0 and math.isfinite(f["market_per_week"].mean):  # (NaN compares False)
            text += f"; {NO_MARKET}"
        elif math.isfinite(market.mean):
            about = "at most about" if full else "about"
            text += (f"; it would break even at a market of {about} {market.mean:,.0f} travellers a week"
                     f"{_interval(market, ',.0f')}, with its rivals' fares as they are (the scenario assumes "
                     f"{f['market_per_week'].mean:,.0f} a week; the what-if table varies the market and "
                     "the rivals' fares)")
            if full:
                text += (": an upper bound, scaled from the share its full flights carried, "
                         "which their seats cap")
        return text + "." + self._benefit()

    def full_flights(self) -> float:
        """The mean share of its flights that left full (0 when none did, or not known)."""
        full = self.figures.get("full_share")
        return full.mean if full is not None and math.isfinite(full.mean) and full.mean > 0 else 0.0

    def _benefit(self) -> str:
        """What the service changes for each flow's travellers, in sentences (each led by a space)."""
        text = ""
        for flow, b in self.benefit.items():
            if math.isfinite(b["benefit_usd"]):
                better = "better" if b["benefit_usd"] >= 0 else "worse"
                text += (f" Each {flow} traveller is {better} off by {abs(b['benefit_usd']):,.0f} USD a trip "
                         f"(expected generalised cost, fare plus time, waiting and changes valued as the "
                         f"choice model does: {b['cost_before_usd']:,.0f} -> {b['cost_after_usd']:,.0f})")
                if b["induced_per_week"] == math.inf:
                    text += (", which would induce more than any number can hold at the assumed logsum "
                             f"elasticity {b['elasticity']:g} over so small a logit scale (not simulated)")
                elif b["induced_per_week"] > 0:
                    text += (f", which would induce about {b['induced_per_week']:,.0f} more a week at the "
                             f"assumed logsum elasticity {b['elasticity']:g} (not simulated)")
                text += "."
        return text

    def which_to_quote(self) -> str:
        """What the what-if table's reader should quote: the simulated break-even market (the
        headline's), beside what the market model gives at the scenario's own setting (its *
        rows), which leaves out seasons, seats, delays and misses; empty when either is missing."""
        own = next((p for p in self.sensitivity if p.own), None)
        market = self.figures.get("break_even_market_per_week")
        if own is None or market is None or not math.isfinite(market.mean) \
                or not math.isfinite(own.break_even_market_per_week):
            return ""
        full = self.full_flights()
        if full:  # the simulated figure is a bound: the model's choosers are not capped by seats
            return (f"To quote: the model's break-even market, {own.break_even_market_per_week:,.0f} "
                    f"travellers a week at the scenario's own setting (*); the simulated one, about "
                    f"{market.mean:,.0f}{_interval(market, ',.0f')}, is an upper bound, as {full:.0%} of "
                    "its flights left full and carried fewer of the market than would choose it")
        return (f"To quote: the simulated break-even market, about {market.mean:,.0f} travellers a week"
                f"{_interval(market, ',.0f')}; the model gives {own.break_even_market_per_week:,.0f} at "
                "the scenario's own setting (*): read the rows for how the figures move with each "
                "setting, not for their level")


def round_trips(cases: list[LaunchCase]) -> list[str]:
    """For each new service whose return is new too, the route's P&L both ways: profit per round
    trip (the two directions' mean profits per flight) and over 52 weeks at the round trips a
    week flown (the fewer of the two directions'), at the loads of the window simulated. An
    airline launches a route, not a direction.

    >>> from corridor.kernels.stats import mean_ci
    >>> def case(sid, back, profit):
    ...     return LaunchCase("x", sid, back, {"profit_per_flight_usd": mean_ci([profit]),
    ...                                       "flights_per_week": mean_ci([2.0])}, {}, window="over spring")
    >>> round_trips([case("AB", "BA", -31080.0), case("BA", "AB", -26016.0)])[0][:96]
    'AB and BA together: -57,096 USD a round trip; over 52 weeks at 2 round trips a week, about -5.94'
    """
    by_id = {c.service: c for c in cases}
    out, done = [], set()
    for c in cases:
        back = by_id.get(c.return_service or "")
        if back is None or c.service in done:
            continue
        done.update({c.service, back.service})
        profit = c.figures["profit_per_flight_usd"].mean + back.figures["profit_per_flight_usd"].mean
        weekly = min(c.figures["flights_per_week"].mean, back.figures["flights_per_week"].mean)
        if not (math.isfinite(profit) and math.isfinite(weekly)):
            continue
        when = f" ({c.window})" if c.window else ""
        year = profit * weekly * 52 / 1e6
        # the two directions' profits paired by replication (the same travellers' draws)
        pair = (mean_ci(np.add(c.profits, back.profits))
                if len(c.profits) == len(back.profits) and len(c.profits) > 1 else None)
        trip = year_ci = ""
        if pair is not None and _known(pair):
            trip = f" (95% CI {pair.low:+,.0f} to {pair.high:+,.0f})"
            scale = weekly * 52 / 1e6
            year_ci = f" ({pair.low * scale:+,.2f} to {pair.high * scale:+,.2f})"
        out.append(f"{c.service} and {back.service} together: {profit:+,.0f} USD a round trip{trip}; "
                   f"over 52 weeks at {weekly:.3g} round trips a week, about {year:+,.2f} million USD"
                   f"{year_ci}, at the loads simulated{when}.")
    return out


def _known(e: Estimate) -> bool:
    """The estimate has an interval (not one replication's)."""
    return math.isfinite(e.low) and math.isfinite(e.high)


def whole_percent(x: float) -> str:
    """A share in whole percent, not rounded onto 0% when it is above 0: a break-even load of
    0.0003% (a fare of millions) read "load 0% against a break-even of 0%; it loses money".

    >>> [whole_percent(x) for x in (0.0, 0.000003, 0.005, 0.0051, 0.62, 1.7)]
    ['0%', '<1%', '<1%', '1%', '62%', '170%']
    """
    text = f"{x:.0%}"
    return "<1%" if x > 0.0 and text == "0%" else text


def _interval(e: Estimate, fmt: str, label: str = "", *, within: tuple[float, float] | None = None) -> str:
    """' (LOW to HIGH)' for an estimate whose interval is known, else nothing (one replication);
    a share (``within`` its bounds) is not said to reach past them, as a t-interval of few
    replications near 0 or 1 does."""
    if not _known(e):
        return ""
    low, high = (e.low, e.high) if within is None else (max(e.low, within[0]), min(e.high, within[1]))
    if f"{low:{fmt}}" == f"{high:{fmt}}":
        return ""  # the same in every replication: "94% (94% to 94%)" says nothing more
    return f" ({label}{low:{fmt}} to {high:{fmt}})"


def _new_services(base: Scenario, other: Scenario) -> list[tuple[str, str | None]]:
    """New passenger services with economics, each with the new service flying the other way."""
    known = {s.id for s in base.services}
    new = [s for s in other.services if s.id not in known and s.unit == "pax" and s.economics is not None]
    out: list[tuple[str, str | None]] = []
    paired: set[str] = set()
    for s in new:
        if s.id in paired:
            continue
        back = next((r.id for r in new if r.id != s.id and r.stops == list(reversed(s.stops))), None)
        out.append((s.id, back))
        paired.update([s.id, *([back] if back else [])])
    return out


def launch_cases(base: Scenario, other: Scenario, name: str, result: SimulationResult, *,
                 with_sensitivity: bool = True) -> list[LaunchCase]:
    """The case for each new passenger service of ``other`` (run as ``result``)."""
    cases = []
    flat = [flatten(k) for k in result.kpis]
    for service, back in _new_services(base, other):
        for sid, rev in ((service, back), *(((back, service),) if back else ())):
            figures = {key: mean_ci([f.get(f"airline.{sid}.{key}", np.nan) for f in flat]) for key in FIGURES}
            months: dict[str, list[float]] = {}
            flights: dict[str, list[int]] = {}
            for rec in result.records:
                for month, row in by_month(rec, other).get(sid, {}).items():
                    months.setdefault(month, []).append(row["load_factor"])
                    flights.setdefault(month, []).append(row["flights"])
            load_by_month = {m: mean_ci(v) for m, v in sorted(months.items())}
            flights_by_month = {m: float(np.mean(v)) for m, v in sorted(flights.items())}
            choice = with_sensitivity and other.choice is not None and base.choice is not None
            rows = sensitivity(other, sid, with_return=rev) if choice else []
            s = other.service(sid)
            flows = [f.id for f in other.demand
                     if f.kind == "passenger" and f.from_ == s.stops[0] and f.to == s.stops[-1]]
            benefit = traveller_benefit(base, other, flows) if choice else {}
            why = "no choice model" if not choice else "it flies no flight in the weeks after the warm-up"
            profits = tuple(f.get(f"airline.{sid}.profit_per_flight_usd", np.nan) for f in flat)
            cases.append(LaunchCase(name, sid, rev, figures, load_by_month, rows, benefit,
                                    statistics_window(other), why, waiting_words(other), flights_by_month,
                                    profits))
    return cases


def waiting_words(scenario: Scenario) -> str:
    """The value the scenario's choice model puts on waiting for a departure, which a flight
    a few times a week turns on: "as its choice model values waiting for the departure at 5 to
    25 USD an hour by segment" ("" without one). The demo's 70% share fell to 47% at twice it."""
    if scenario.choice is None:
        return ""
    values = sorted({seg.schedule_delay_usd_per_h for seg in scenario.choice.segments})
    said = f"{values[0]:g}" if len(values) == 1 else f"{values[0]:g} to {values[-1]:g}"
    return (f"as its choice model values waiting for the departure at {said} USD an hour"
            f"{' by segment' if len(values) > 1 else ''} (the what-if table varies it)")


def statistics_window(scenario: Scenario) -> str:
    """``over 22 Mar to 16 May 2027`` (UTC days): from the end of the warm-up to the horizon."""
    run = scenario.run
    first = run.epoch + dt.timedelta(days=run.warmup_days)
    last = run.epoch + dt.timedelta(days=run.horizon_days) - dt.timedelta(minutes=1)
    return f"over {first:%d %b} to {last:%d %b %Y}"


def case_rows(case: LaunchCase) -> list[dict[str, Any]]:
    """The sensitivity of one case as tidy rows."""
    return [{"scenario": case.scenario, "service": case.service, **p.__dict__} for p in case.sensitivity]
