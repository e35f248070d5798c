"""How much cargo the corridor carries before it jams: the saturation curve.

Every cargo flow's ``per_week`` is multiplied by each scale of a grid (passenger demand stays
as it is), and each step runs as a point of a sweep (:mod:`corridor.analysis.sweep`), with the
same replications and seed: common random numbers along the curve. At each step:

* offered load: the cargo demand of the statistics window, with the flows' seasons, TEU a week
  (1 FEU = 2 TEU; :func:`window_feu_per_week`);
* delivered throughput: containers delivered in the statistics window, TEU a week, with its
  95% interval;
* container transit (mean, days) with its interval, and the share of containers created in
  the window but not delivered when the run ends;
* how busy every resource is: each queueing station's utilisation, each daily pool of
  departure paths' share taken (named ``SERVICE (paths)``), each fleet's share of vehicles away
  from home (``FLEET (fleet)``); and the bottleneck: the busiest of them, but for a station
  whose queue grows whatever the cargo (below), and none that nothing used;
* queues that grew without bound, at stations, for departure paths (``SERVICE (paths)``) or
  for a fleet's vehicles (``FLEET (fleet)``) (the engine's ``growing`` flag: vehicles still
  queued when demand stops, and over 95% busy with waits rising across the window; at a
  station also over 99% busy with a queue never empty through the window's last quarter and
  longer there than in its first two) in more than half the replications, the rule ``run``
  warns by; a station that grows already at the
  lightest step, where outside traffic alone fills it (``load.outside_overload``: 95% of its
  capacity, or over it in a season or under a cut), grows whatever the cargo and is named but
  not counted, nor taken for the bottleneck (elsewhere it is the cargo's own jam); so is one
  that outside traffic alone takes to its whole capacity (on the mean or in a month) and that
  grows there in some replications, not most;
* the rise in door-to-door time across the window: containers created in its last quarter
  against those of its first (``cargo.door_to_door_rise_at_least_days``: where some of the last
  quarter's were still on the way at the end, with their time so far, a lower bound). Any
  backlog that grows through the window shows here, at a station, for departure paths or for a
  fleet's vehicles, at the origin too, even when the run's drain clears it before the end
  (vehicles no longer queued, nothing undelivered). Transit, from the first departure, missed
  a backlog at the origin: a fleet there short by half passed as sustainable while door to
  door went from 2.7 to 15.8 days.

A step is **sustainable** when no queue grows without bound, at most
:data:`MAX_UNDELIVERED_SHARE` of the containers are left undelivered, the mean transit
stays within a stated bound (given, or :data:`DEFAULT_TRANSIT_FACTOR` times the transit at
the lightest step), and the rise in door-to-door time is not above
:data:`~corridor.analysis.warnings.MAX_RISE_DAYS` (its 95% interval wholly above it). The
highest sustainable throughput is the delivered TEU/week of the last
sustainable step before the first that is not; a step that did not run (its demand refused by
validation, or every run failed) is passed over.

On a corridor of one station with ``c`` servers and mean service time ``s``, the curve rises
along offered load and flattens at the analytic capacity ``c / s`` vehicles a minute; the
limit found lies just below it (``tests/sweep/test_throughput.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from corridor.analysis.load import blocked_flows, outside_over_capacity, outside_overload, unroutable_flows
from corridor.analysis.runs import check_run_arguments
from corridor.analysis.sweep import Combination, RunStore, SweepResult, sweep
from corridor.analysis.warnings import (
    MAX_RISE_DAYS,
    cargo_journeys,
    rise_is_bound,
    rising_backlog,
    short_warmup,
)
from corridor.errors import CorridorError
from corridor.executors import IN_PROCESS, Executor
from corridor.kernels.stats import Estimate
from corridor.scenario.checks import demand_units
from corridor.scenario.load import validate_raw
from corridor.scenario.overrides import Setting, apply, validate_changed
from corridor.scenario.schema import MAX_PER_WEEK, MIN_RATE, Scenario
from corridor.scenario.source import SourceDict
from corridor.simulation.demand import month_edges
from corridor.units import MIN_PER_DAY

DEFAULT_SCALES = "0.25:3:0.25"
MAX_STEPS = 200
MAX_UNDELIVERED_SHARE = 0.01  # of containers created in the window
DEFAULT_TRANSIT_FACTOR = 2.0  # the transit bound, against the lightest step's mean transit
TEU_PER_FEU = 2.0


def share_percent(share: float, digits: int = 1) -> str:
    """A share (0-1) in percent, never rounded onto 0% or 100% when it is neither: 1 container
    in 3,000 undelivered reads "<0.1%", 2,999 of 3,000 ">99.9%", not "0.0%" and "100.0%".

    >>> [share_percent(x) for x in (0.0, 0.0003, 0.25, 0.9997, 1.0)]
    ['0.0%', '<0.1%', '25.0%', '>99.9%', '100.0%']
    """
    text = f"{share:.{digits}%}"
    step = 10.0 ** -(digits + 2)
    if 0.0 < share < 1.0:
        if float(text[:-1]) == 0.0:
            return f"<{step:.{digits}%}"
        if float(text[:-1]) == 100.0:
            return f">{1.0 - step:.{digits}%}"
    return text


def _count(n: float) -> str:
    """A count of steps as read: with thousands separators, or as a power of ten past a million
    millions (a 300-digit number says no more).

    >>> _count(1234), _count(1e308)
    ('1,234', 'about 1e+308')
    """
    return f"{int(n):,}" if n < 1e12 else f"about {n:.0e}"


def parse_scales(text: str) -> list[float]:
    """``START:STOP:STEP`` (STOP included) or a comma-separated list of positive factors.

    >>> parse_scales("0.25:1:0.25"), parse_scales("0.5, 1, 2")
    ([0.25, 0.5, 0.75, 1.0], [0.5, 1.0, 2.0])
    """
    what = f"--scale {text!r}"
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise CorridorError(f"{what}: write START:STOP:STEP, e.g. {DEFAULT_SCALES}")
            start, stop, step = parts
            if not (math.isfinite(start) and math.isfinite(stop) and math.isfinite(step)):
                raise CorridorError(f"{what}: START, STOP and STEP must be finite numbers")
            if step <= 0:
                raise CorridorError(f"{what}: STEP must be a positive number")
            if stop < start:
                raise CorridorError(f"{what}: STOP is below START")
            count = math.floor((stop - start) / step + 1e-9) + 1
            if count > MAX_STEPS:
                raise CorridorError(f"{what}: {_count(count)} steps; at most {MAX_STEPS}")
            # ten significant digits (0.1 x 3 is 0.3, not 0.30000000000000004), not ten decimal
            # places, which turned scales below 5e-11 into 0
            scales = [float(f"{start + k * step:.10g}") for k in range(count)]
        else:
            scales = [float(p) for p in text.split(",")]
    except ValueError:
        raise CorridorError(f"{what}: not numbers; write START:STOP:STEP or a list, e.g. 0.5,1,2") from None
    if not scales or any(not (math.isfinite(s) and s > 0) for s in scales):
        raise CorridorError(f"{what}: every scale must be a positive number")
    if len(scales) > MAX_STEPS:
        raise CorridorError(f"{what}: {_count(len(scales))} steps; at most {MAX_STEPS}")
    if len(set(scales)) != len(scales):
        raise CorridorError(f"{what}: a scale is given twice")
    return sorted(scales)


@dataclass(frozen=True)
class Step:
    """One point of the saturation curve (``failed``: why it has no results)."""

    scale: float
    offered_teu_per_week: float
    delivered_teu_per_week: Estimate | None = None
    transit_days: Estimate | None = None
    # last quarter's door to door minus the first's; a lower bound where containers were still
    # on the way at the end (they count with their time so far)
    door_to_door_rise_at_least_days: Estimate | None = None
    undelivered_share: float = math.nan
    utilisation: dict[str, Estimate] = field(default_factory=dict)
    growing: tuple[str, ...] = ()
    sustainable: bool = False
    why: str = ""
    failed: str | None = None
    standing: tuple[str, ...] = ()  # stations whose queue grows whatever the cargo: no bottleneck
    #: per station, the TEU a week of the scenario's own containers that reached it in the window
    station_teu_per_week: dict[str, Estimate] = field(default_factory=dict)
    rise_is_bound: bool = False  # some of the last quarter's containers were still on the way
    #: which tests it failed: "queue", "undelivered", "none delivered", "transit", "rise" (the
    #: reasons of ``why``, in its order)
    failed_tests: tuple[str, ...] = ()
    #: queues that grew without bound in some replications but not in most, which the rule lets
    #: pass: (name, replications it grew in, replications)
    growing_some: tuple[tuple[str, int, int], ...] = ()

    @property
    def bottleneck(self) -> str | None:
        """The resource (station, path pool or fleet) busiest on average at this step, of those
        not ``standing``; of equally busy ones, a station before a path pool before a fleet,
        each kind by name; none of those nothing used (a closed corridor: every one 0% busy)."""
        busy = {k: e.mean for k, e in self.utilisation.items()
                if math.isfinite(e.mean) and e.mean > 0 and k not in self.standing}
        kind = lambda k: 2 if k.endswith(" (fleet)") else 1 if k.endswith(" (paths)") else 0  # noqa: E731
        return min(busy, key=lambda k: (-busy[k], kind(k), k)) if busy else None


@dataclass
class ThroughputResult:
    scenario: str
    steps: list[Step]
    max_transit_days: float
    bound: str  # how the transit bound was set, in words
    limit: int | None  # the last sustainable step before the first that is not (of those that ran)
    sweep: SweepResult = field(repr=False)
    #: a warm-up shorter than the containers' journey: delivered TEU/week reads low (or "")
    caution: str = ""
    #: stations whose queue grows already at the lightest step (``lightest``): not counted
    standing: tuple[str, ...] = ()
    lightest: float = math.nan
    #: the scenario's values changed for every step (``--set``): path -> value as typed
    settings: dict[str, str] = field(default_factory=dict)
    #: why each of ``standing`` grows whatever the cargo (its outside traffic), in words
    standing_why: dict[str, str] = field(default_factory=dict)

    @property
    def saturated(self) -> bool:
        """Some step of the grid is not sustainable (the limit lies inside the grid)."""
        return any(not s.sustainable and s.failed is None for s in self.steps)

    def verdict(self) -> str:
        """The answer in a sentence or two, and the caution of a short warm-up. A step that did
        not run (its scenario refused, or every run failed) is no evidence either way: the
        verdict rests on the others."""
        answer = self._answer() + self._standing()
        unsettled = [c for c in (self._undecided(), self._split()) if c]
        if unsettled:  # said first: a reader takes the headline and stops (2 replications put
            # the baseline's limit at x2.25, 1,816 TEU/week, where 10 put it at x2, 1,626)
            answer = "Tentative, too few replications to settle the limit (see the caution): " + answer
        return answer + "".join(f" Caution: {c}." for c in (*unsettled, self.caution) if c)

    def _standing(self) -> str:
        if not self.standing:
            return ""
        grows = "grows" if len(self.standing) == 1 else "grow"
        why = "; ".join(f"{g}: {self.standing_why[g]}" if len(self.standing) > 1 else self.standing_why[g]
                        for g in self.standing if g in self.standing_why)
        return (f" Not counted against any step, nor taken for the bottleneck: the queue at "
                f"{_and(list(self.standing))} {grows} without bound already at x{self.lightest:g}, the "
                f"lightest step, so whatever the cargo ({why}).")

    def _undecided(self) -> str:
        """Steps up to the limit that pass the rise test only by a wide interval: the mean rise
        is above :data:`~corridor.analysis.warnings.MAX_RISE_DAYS`, the interval reaches below
        it. A short run (few replications) would otherwise push the limit up unsaid."""
        if self.limit is None:
            return ""
        shaky = [(s, s.door_to_door_rise_at_least_days) for s in self.steps[:self.limit + 1]
                 if s.failed is None and s.sustainable and s.door_to_door_rise_at_least_days is not None
                 and s.door_to_door_rise_at_least_days.mean > MAX_RISE_DAYS]
        if not shaky:
            return ""
        n = shaky[0][1].n
        reps = "one replication, no interval" if n < 2 else f"{n} replications"
        pass_ = "it passes" if len(shaky) == 1 else "they pass"
        return (f"at {_and([f'x{s.scale:g}' for s, _ in shaky])} door to door rises by more than "
                f"{MAX_RISE_DAYS:g} day across the window on average "
                f"({_and([f'{r.mean:.1f}' for _, r in shaky])} days), and {pass_} only because the 95% "
                f"interval reaches below it ({reps}): run more replications to decide")

    def _split(self) -> str:
        """The limit's step passes the queue test while a queue grew without bound in some of its
        replications, not most, but in too many to tell from most (:func:`_could_be_most`): the
        baseline over 3 replications put the limit at x2.25, 1,814 TEU/week, its Braniewo paths
        growing in 1 of 3; over 10 they grow in 6 there, and the limit is x2, 1,626."""
        if self.limit is None:
            return ""
        step = self.steps[self.limit]
        split = [(name, k, n) for name, k, n in step.growing_some
                 if name not in self.standing and _could_be_most(k, n)]
        if not split:
            return ""
        n = split[0][2]
        grew = (f"the queue at {split[0][0]} grew without bound in {split[0][1]} of {n} replications"
                if len(split) == 1 else
                f"the queues at {_and([f'{name} ({k} of {n})' for name, k, _ in split])} grew without "
                f"bound in some of its {n} replications")
        # the last step that passed: "the limit" where a heavier one failed, "the heaviest step"
        # where every step passed (the answer then says the limit lies beyond the grid)
        heavier_ran = any(s.failed is None for s in self.steps[self.limit + 1:])
        which = "the limit" if heavier_ran else "the heaviest step"
        return (f"at x{step.scale:g}, {which}, {grew}, too many to tell from most (a step fails on a "
                "queue that grows in most): run more replications to decide")

    def _answer(self) -> str:
        ran = [k for k, s in enumerate(self.steps) if s.failed is None]
        if not ran:
            return f"No step of the grid ran: {self.steps[0].failed}."
        missing = [f"x{s.scale:g}" for s in self.steps if s.failed is not None]
        note = ""
        if missing:
            listed = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
            note = f" ({listed} did not run)"
        if self.limit is None:
            first = self.steps[ran[0]]
            # failed on the transit bound alone, the lightest step is no jam: smaller scales
            # carry as long (a bound of 0.001 days was met with "try smaller scales")
            advice = (f"The transit bound ({self.bound}) is below the transit of the lightest step: "
                      "raise it with --max-transit-days." if first.failed_tests == ("transit",)
                      else "Try smaller scales.")
            # a heavier step may pass where the lightest did not (a cut-off that light demand
            # waits out, a noisy rise): no limit, but not "no step"
            passed = [f"x{s.scale:g}" for s in self.steps if s.failed is None and s.sustainable]
            if passed:
                return (f"No sustainable limit: the lightest step, x{first.scale:g} "
                        f"({first.offered_teu_per_week:,.0f} TEU/week offered), is not sustainable "
                        f"({first.why}), though {_and(passed)} {'is' if len(passed) == 1 else 'are'}. "
                        f"{advice}{note}")
            return (f"No step of the grid is sustainable: already at x{first.scale:g} "
                    f"({first.offered_teu_per_week:,.0f} TEU/week offered) {first.why}. "
                    f"{advice}{note}")
        step = self.steps[self.limit]
        d = step.delivered_teu_per_week
        assert d is not None
        at = (f"{d.mean:,.0f} TEU/week{_ci(d, ',.0f')} delivered at x{step.scale:g} of {self.scenario}'s "
              f"cargo demand ({step.offered_teu_per_week:,.0f} TEU/week offered)")
        busiest = ""
        if step.bottleneck is not None:
            busiest = f"{step.bottleneck}, {step.utilisation[step.bottleneck].mean:.0%} busy"
        later = [k for k in ran if k > self.limit]
        if not later:
            return (f"No limit within the grid: every step is sustainable, up to {at}"
                    + (f"; the busiest there is {busiest}" if busiest else "")
                    + f". The limit lies beyond x{step.scale:g} (extend --scale).{note}")
        nxt = self.steps[later[0]]
        # a step that fails on the transit bound alone is no jam: the bound, not the bottleneck,
        # sets the limit (a default bound moves with the grid's lightest step)
        rests = (f" The limit is the transit bound ({self.bound}), not a jam: raise it with "
                 "--max-transit-days to look further." if nxt.failed_tests == ("transit",)
                 else _resting(step.bottleneck))
        return (f"Highest sustainable throughput: {at}"
                + (f"; the bottleneck is {busiest}" if busiest else "")
                + f". At x{nxt.scale:g} ({nxt.offered_teu_per_week:,.0f} TEU/week) it is not: "
                f"{nxt.why}.{rests}{self._passed_after(later[0])}{note}")

    def _passed_after(self, first_failed: int) -> str:
        """Steps past the first unsustainable one that pass again: the limit is the first
        failure, but a curve that comes back (a queue still building over a short horizon, a
        noisy test with few replications) is said, not hidden."""
        again = [f"x{s.scale:g}" for s in self.steps[first_failed + 1:] if s.failed is None and s.sustainable]
        if not again:
            return ""
        pass_ = "passes" if len(again) == 1 else "pass"
        return (f" {_and(again)} {pass_} again: the tests at this edge are close (more replications or "
                "a longer horizon would settle them), and the limit stays at the first step that fails.")

    def to_frame(self) -> Any:
        """One row per step: offered and delivered TEU/week, transit, the rise of door to door
        through the window, undelivered share, the bottleneck and its utilisation (with 95%
        intervals), and the verdict."""
        import pandas as pd

        rows = []
        for s in self.steps:
            d, t, r = s.delivered_teu_per_week, s.transit_days, s.door_to_door_rise_at_least_days
            b = s.bottleneck
            u = s.utilisation.get(b) if b is not None else None
            rows.append({
                "scale": s.scale, "offered_teu_per_week": s.offered_teu_per_week,
                "delivered_teu_per_week": _mean(d), "delivered_ci_low": _low(d),
                "delivered_ci_high": _high(d),
                "transit_days": _mean(t), "transit_ci_low": _low(t), "transit_ci_high": _high(t),
                "door_to_door_rise_at_least_days": _mean(r), "rise_ci_low": _low(r), "rise_ci_high": _high(r),
                "undelivered_share": s.undelivered_share, "bottleneck": b,
                "bottleneck_utilisation": _mean(u), "bottleneck_ci_low": _low(u),
                "bottleneck_ci_high": _high(u),
                "growing": ", ".join(s.growing), "sustainable": s.sustainable,
                "why": s.failed or s.why})
        return pd.DataFrame(rows)

    def utilisation_frame(self) -> Any:
        """One row per step and resource (station, ``SERVICE (paths)``, ``FLEET (fleet)``): how
        busy it is, with its 95% interval, and for a station the TEU a week of the scenario's
        containers that reached it (NaN for the others)."""
        import pandas as pd

        return pd.DataFrame([{"scale": s.scale, "offered_teu_per_week": s.offered_teu_per_week,
                              "resource": name, "utilisation": e.mean, "ci_low": e.low, "ci_high": e.high,
                              "teu_per_week": _mean(t := s.station_teu_per_week.get(name)),
                              "teu_ci_low": _low(t), "teu_ci_high": _high(t)}
                             for s in self.steps for name, e in sorted(s.utilisation.items())])

    def through_stations(self) -> list[str]:
        """The stations the scenario's containers reach at some step, busiest (at the heaviest
        step that ran) first."""
        ran = [s for s in self.steps if s.failed is None]
        if not ran:
            return []
        names = {n for s in ran for n, e in s.station_teu_per_week.items()
                 if math.isfinite(e.mean) and e.mean > 0}
        heaviest = ran[-1].station_teu_per_week

        def load(name: str) -> float:
            v = _mean(heaviest.get(name))
            return v if math.isfinite(v) else 0.0

        return sorted(names, key=lambda n: (-load(n), n))


def _could_be_most(k: int, n: int) -> bool:
    """``k`` of ``n`` replications grew: too few to tell from growing in most, the rule a step
    fails by, at 95% (exact binomial: at a growth chance of 1/2, ``k`` or fewer is not below 2.5%).

    >>> _could_be_most(1, 3), _could_be_most(2, 10), _could_be_most(1, 10)
    (True, True, False)
    """
    return sum(math.comb(n, j) for j in range(k + 1)) / 2**n > 0.025


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


def _mean(e: Estimate | None) -> float:
    return e.mean if e is not None else math.nan


def _low(e: Estimate | None) -> float:
    return e.low if e is not None else math.nan


def _high(e: Estimate | None) -> float:
    return e.high if e is not None else math.nan


def _ci(e: Estimate, fmt: str) -> str:
    if not math.isfinite(e.half_width):
        return ""
    return f" (95% CI {format(e.low, fmt)} to {format(e.high, fmt)})"


def cargo_flows(scenario: Scenario, name: str) -> dict[str, float]:
    """Every cargo flow's id and its FEU a week."""
    flows = {d.id: d.per_week for d in scenario.demand if d.kind == "cargo"}
    if not flows:
        raise CorridorError(f"{name}: the scenario has no cargo demand to scale")
    return flows


def refuse_stranded(scenario: Scenario, name: str) -> None:
    """Refuse a curve that a cargo flow with no journey in the run would flatten: its containers
    all stay undelivered at any scale, so every step would read unsustainable, and the advice
    to try smaller scales would be wrong (`corridor validate` warns of such a flow)."""
    cargo = {d.id for d in scenario.demand if d.kind == "cargo"}
    stranded = sorted({f for f, _ in unroutable_flows(scenario)} | {f for f, _, _ in blocked_flows(scenario)})
    stranded = [f for f in stranded if f in cargo]
    if stranded:
        them = "it" if len(stranded) == 1 else "them"
        raise CorridorError(
            f"{name}: cargo flow{'s' if len(stranded) > 1 else ''} {', '.join(stranded)} "
            f"{'has' if len(stranded) == 1 else 'have'} no journey in the run (`corridor validate` "
            f"says why): no scale delivers {them}, so every step would read unsustainable; give "
            f"{them} a route, or leave {them} out (a scenario that extends this one with "
            f"`remove: {{demand: [{', '.join(stranded)}]}}`)")


def window_feu_per_week(scenario: Scenario) -> float:
    """The cargo demand of the statistics window [warm-up, horizon), FEU a week: each flow's
    ``per_week`` times the mean of its months' seasonal factors over the window (UTC months,
    as arrivals follow them). A window in a peak season offers more than ``per_week`` says.

    >>> import datetime as dt
    >>> from corridor.scenario.schema import Demand
    >>> from types import SimpleNamespace as NS
    >>> flow = Demand.model_validate({"id": "F", "kind": "cargo", "from": "A", "to": "B", "per_week": 100.0,
    ...                              "seasonality": [1.0, 3.0] + [1.0] * 10})
    >>> run = NS(warmup_days=0, horizon_days=28 + 28, epoch=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    >>> window_feu_per_week(NS(run=run, demand=[flow]))   # February at 3x, March at 1x
    200.0
    """
    run = scenario.run
    start, end = run.warmup_days * MIN_PER_DAY, run.horizon_days * MIN_PER_DAY
    edges, months = month_edges(run.epoch, end)
    lengths = np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], start), 0.0, None)
    total = 0.0
    for flow in scenario.demand:
        if flow.kind != "cargo":
            continue
        if flow.seasonality is None or end <= start:
            total += flow.per_week
        else:
            factors = np.asarray(flow.seasonality, dtype=np.float64)[months]
            total += flow.per_week * float(np.sum(factors * lengths) / np.sum(lengths))
    return total


def _caution(raw: SourceDict, name: str, summary: dict[str, dict[str, float]] | None) -> str:
    """The short warm-up's caution (:func:`~corridor.analysis.warnings.short_warmup`) at a step."""
    if not summary:
        return ""
    scenario = validate_raw(raw, name)
    run = scenario.run
    cargo = cargo_journeys(summary, [f.id for f in scenario.demand if f.kind != "passenger"])
    return short_warmup(cargo, run.warmup_days, run.horizon_days - run.warmup_days) or ""


#: Containers one step's replication may make over its horizon: the baseline's cargo x200 makes
#: 950,000 and took 26 s and 1.1 GB a run; x1000 (4.7 million) ran past 5 minutes and 3.3 GB
#: without ending, its queues growing (a step that far past the saturation point tells nothing
#: that a lighter one past it does not)
MAX_STEP_CONTAINERS = 1_000_000


def _refuse_huge_steps(scenario: Scenario, flows: dict[str, float], scales: list[float]) -> None:
    """Refuse the grid when a step that would validate makes more than MAX_STEP_CONTAINERS (one
    whose per_week passes its bound fails alone, as any step that does not validate)."""
    made = sum(units for fid, units in demand_units(scenario).items() if fid in flows)
    valid = [s for s in scales
             if all(MIN_RATE <= per_week * s <= MAX_PER_WEEK for per_week in flows.values())]
    huge = [s for s in valid if made * s > MAX_STEP_CONTAINERS]
    if huge:
        most = MAX_STEP_CONTAINERS / made
        raise CorridorError(f"--scale {huge[0]:g}: x{huge[0]:g} of the cargo demand makes about "
                            f"{made * huge[0]:,.0f} containers a replication, more than the "
                            f"{MAX_STEP_CONTAINERS:,} a step may (here up to about x{most:,.4g}): a run "
                            "that far past saturation takes many minutes and GB, its queues only growing")


def throughput(raw: SourceDict, name: str, scales: list[float], *, replications: int, seed: int,
               max_transit_days: float | None = None, executor: Executor = IN_PROCESS,
               store: RunStore | None = None,
               progress: Callable[[int, int], None] | None = None,
               settings: Sequence[Setting] = ()) -> ThroughputResult:
    """The saturation curve of the scenario ``raw`` over cargo demand ``scales``, with the one
    value of each of ``settings`` set first (the same for every step)."""
    check_run_arguments("throughput", replications=replications, seed=seed)
    labels = [f"--set {s.path}={s.text[0]}" for s in settings]
    if settings:
        raw = apply(raw, [(s.path, s.values[0]) for s in settings], labels=labels)
    scenario = validate_changed(raw, name, labels)
    flows = cargo_flows(scenario, name)
    refuse_stranded(scenario, name)
    base_feu = window_feu_per_week(scenario)  # the window's own demand, with its seasons
    _refuse_huge_steps(scenario, flows, scales)
    combos = [Combination({"scale": s}, {"scale": f"{s:g}"},
                          tuple((f"demand.{fid}.per_week", per_week * s) for fid, per_week in flows.items()),
                          source=f"--scale {s:g} (cargo demand x{s:g})")
              for s in scales]
    result = sweep(raw, name, combos, replications=replications, seed=seed, executor=executor,
                   store=store, progress=progress, columns=["scale"], refuse_empty=True,
                   called="step")
    summary = result.summary()
    failed = {f.combination: f.reason for f in result.failures if f.replication is None}
    steps = []
    for c, s in enumerate(scales):
        offered = base_feu * s * TEU_PER_FEU
        if c not in summary:
            why = failed.get(c) or "every run failed: " + "; ".join(
                f.reason for f in result.failures if f.combination == c)[:500]
            steps.append(Step(s, offered, failed=why))
            continue
        steps.append(_step(s, offered, summary[c], result, c))
    bound, note = _transit_bound(steps, max_transit_days)
    # a queue that grows already at the lightest step grows whatever the cargo (outside traffic
    # over a station's capacity): said, but no limit of the cargo the curve measures
    ran_steps = [step for step in steps if step.failed is None]
    lightest = min(ran_steps, key=lambda step: step.scale) if ran_steps else None
    # only a station that its outside traffic alone fills: at one the cargo shares, the queue
    # at the lightest step is that cargo's (a third of a station's trains from outside passed
    # x1.1 of its capacity as sustainable, the station left out as 'over its capacity')
    outside = outside_overload(scenario)
    standing: tuple[str, ...] = ()
    said = dict(outside)
    if lightest is not None:
        standing = tuple(g for g in lightest.growing if g in outside)
        # one its outside traffic alone fills in a month grows then whatever the cargo, whether
        # the growth test catches it in most replications or in some (Małaszewicze at x0.5 on
        # another seed: 5 of 10, and it became the bottleneck, the limit 412 TEU/week for 1,626)
        full = outside_over_capacity(scenario)
        for g, k, n in lightest.growing_some:
            if g in full and g in outside and g not in standing:
                standing += (g,)
                said[g] = f"{outside[g]}; it grew in {k} of {n} replications there"
    steps = [_judged(step, bound, standing) for step in steps]
    limit = None
    for k, step in enumerate(steps):
        if step.failed is not None:
            continue  # it did not run: no evidence either way
        if not step.sustainable:
            break
        limit = k
    # at the limit: a step past it, jammed, is slow because its queues grow, which no warm-up
    # changes (x20 the baseline's cargo was told to make warmup_days 92, and delivered 4% more)
    caution = _caution(raw, name, summary.get(limit)) if limit is not None else ""
    return ThroughputResult(result.scenario, steps, bound, note, limit, result, caution, standing,
                            lightest.scale if lightest is not None else math.nan,
                            {s.path: s.text[0] for s in settings}, {g: said[g] for g in standing})


def _est(e: dict[str, float] | None) -> Estimate | None:
    if e is None:
        return None
    return Estimate(e["mean"], e["high"] - e["mean"], int(e["n"]), e["level"])


def _step(scale: float, offered: float, summary: dict[str, dict[str, float]], result: SweepResult,
          combination: int) -> Step:
    runs = result.runs_of(combination)
    head, tail = "stations.", ".utilisation"  # station ids may hold dots
    stations = sorted(k[len(head):-len(tail)] for k in summary if k.startswith(head) and k.endswith(tail))
    utilisation = {name: e for name in stations if (e := _est(summary.get(f"stations.{name}.utilisation")))}
    # the station KPI counts containers (FEU): in TEU here, as the rest of the curve
    through = {name: Estimate(TEU_PER_FEU * e.mean, TEU_PER_FEU * e.half_width, e.n, e.level)
               for name in stations if (e := _est(summary.get(f"stations.{name}.units_per_week")))}
    for section, tail, kind in (("paths.", ".utilisation", "paths"), ("fleets.", ".busy", "fleet")):
        for key in summary:
            if key.startswith(section) and key.endswith(tail) and (e := _est(summary[key])):
                utilisation[f"{key[len(section):-len(tail)]} ({kind})"] = e
    # a queue that grows in most replications: at a station, for departure paths, for a fleet
    queues = [(name, f"stations.{name}.growing") for name in stations]
    for section, kind in (("paths.", "paths"), ("fleets.", "fleet")):
        queues += [(f"{key[len(section):-len('.growing')]} ({kind})", key) for key in summary
                   if key.startswith(section) and key.endswith(".growing")]
    grew = {name: sum(1 for r in runs if r.kpis.get(key, 0.0) > 0) for name, key in queues}
    growing = tuple(name for name, k in grew.items() if 2 * k > len(runs))
    # and those that grew in some replications, not most: the verdict says so at the limit
    growing_some = tuple((name, k, len(runs)) for name, k in grew.items() if k > 0 and 2 * k <= len(runs))
    created = sum(r.kpis.get("cargo.created", 0.0) for r in runs)
    undelivered = sum(r.kpis.get("cargo.undelivered", 0.0) for r in runs)
    return Step(scale, offered,
                delivered_teu_per_week=_est(summary.get("cargo.teu_per_week")),
                transit_days=_est(summary.get("cargo.transit_days.mean")),
                # the rise, or where containers were still on the way its lower bound: above a
                # day, a backlog grows either way
                door_to_door_rise_at_least_days=_est(summary.get("cargo.door_to_door_rise_at_least_days")),
                undelivered_share=undelivered / created if created else math.nan,
                utilisation=utilisation, growing=growing,
                rise_is_bound=rise_is_bound(summary), growing_some=growing_some,
                station_teu_per_week=through)


def _transit_bound(steps: list[Step], given: float | None) -> tuple[float, str]:
    if given is not None:
        return given, f"{given:g} days (given)"
    for step in steps:
        if step.transit_days is not None and math.isfinite(step.transit_days.mean):
            bound = DEFAULT_TRANSIT_FACTOR * step.transit_days.mean
            return bound, (f"{bound:.3g} days ({DEFAULT_TRANSIT_FACTOR:g} x the {step.transit_days.mean:.3g} "
                           f"days at the lightest step, x{step.scale:g})")
    return math.inf, "none (no step delivered a container created in its window)"


def _above(value: float, bound: float) -> str:
    """``value`` (above ``bound``) with the decimals that show it above: 17.03 against 17 read
    "17 days exceeds the bound of 17".

    >>> _above(17.03, 17.0), _above(23.4, 17.0), _above(17.0004, 17.0)
    ('17.03', '23.4', '17.0004')
    """
    limit = float(f"{bound:.3g}")  # as the bound is shown
    digits = 3
    while float(f"{value:.{digits}g}") <= limit and digits < 12:
        digits += 1
    return f"{value:.{digits}g}"


def _judged(step: Step, bound: float, standing: tuple[str, ...] = ()) -> Step:
    """``step`` judged sustainable or not, and why; a station in ``standing`` (its queue grows
    already at the lightest step) is no reason, nor its bottleneck."""
    if step.failed is not None:
        return step
    none = "no container created in the window delivered"  # those of the warm-up may be
    why: dict[str, str] = {}
    growing = [name for name in step.growing if name not in standing]
    if growing:
        why["queue"] = (f"the queue at {growing[0]} grows without bound" if len(growing) == 1 else
                        f"the queues at {_and(growing)} grow without bound")
    if not step.undelivered_share <= MAX_UNDELIVERED_SHARE:
        why["undelivered"] = none if not math.isfinite(step.undelivered_share) else \
            f"{share_percent(step.undelivered_share)} of containers undelivered at the end of the run"
    t = step.transit_days
    if t is None or not math.isfinite(t.mean):
        if step.undelivered_share < 1.0 and none not in why.values():  # else said by the share
            why["none delivered"] = none
    elif t.mean > bound:
        why["transit"] = f"mean transit {_above(t.mean, bound)} days exceeds the bound of {bound:.3g}"
    r = step.door_to_door_rise_at_least_days
    backlog = rising_backlog(r.mean, r.low, r.high, bound=step.rise_is_bound) if r is not None else None
    if backlog:
        why["rise"] = backlog
    return replace(step, sustainable=not why, why="; ".join(why.values()), standing=standing,
                   failed_tests=tuple(why))


def _resting(bottleneck: str | None) -> str:
    """What the limit rests on: the bottleneck's capacity as the scenario sets it, and the
    setting that moves it (throughput scales the scenario's own cargo flows only, over the
    outside traffic as it is).

    >>> _resting("DOSTYK-1520 (fleet)")[:75]
    " The limit rests on DOSTYK-1520's vehicles as the scenario sets them (--set"
    """
    if bottleneck is None:
        return ""
    name, _, kind = bottleneck.partition(" (")
    what, path = {"paths)": ("departure paths a day", f"services.{name}.dispatch.paths_per_day"),
                  "fleet)": ("vehicles", f"fleets.{name}.vehicles")}.get(
        kind, ("servers", f"places.{name}.servers"))
    return (f" The limit rests on {name}'s {what} as the scenario sets them (--set {path}=... moves "
            "it), for the scenario's cargo flows over its outside traffic as it is.")
