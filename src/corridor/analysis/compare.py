"""Comparing scenarios: what changes, by how much, and how sure we are.

Two sides, both against the first (base) scenario:

* **Timetable** (deterministic): for every demand flow, both ways, the planner's week profile
  (earliest arrival for every departure minute) in each scenario; mean, median, p95 and
  minimum door-to-door time, the share of departure minutes that get faster and by how much.
* **Simulation** (stochastic): every scenario simulated with the same seed, so each random
  source draws the same numbers in both (common random numbers, :mod:`corridor.simulation.
  streams`); for each KPI the paired difference across replications and its 95% confidence
  interval. Identical scenarios differ by exactly zero.

The headline puts the answer in words first, with its numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.analysis.kpis import flatten, kpi_value
from corridor.analysis.launch import LaunchCase, launch_cases, round_trips
from corridor.analysis.runs import SimulationResult, check_run_arguments, simulate
from corridor.errors import CorridorError, PlanningError
from corridor.executors import Executor
from corridor.kernels.stats import Estimate, mean_ci, paired_difference, replications_to_show
from corridor.scenario.schema import Demand, Scenario
from corridor.units import MIN_PER_HOUR

IMPROVES_MIN = 1.0  # a departure minute "improves" when it arrives at least this much sooner

# The KPIs a comparison leads with: summary key, label, scale to the shown unit, unit.
HEADLINE_KPIS: tuple[tuple[str, str, float, str], ...] = (
    ("passengers.door_to_door_h.mean", "passengers wished time to arrival", 1.0, "h"),
    ("passengers.on_the_way_h.mean", "passengers on the way", 1.0, "h"),
    ("passengers.missed_connection_rate", "missed connections", 100.0, "%"),
    ("passengers.undelivered_share", "passengers undelivered", 100.0, "%"),
    ("cargo.transit_days.mean", "containers in transit", 1.0, "days"),
    ("cargo.door_to_door_days.mean", "containers door to door", 1.0, "days"),
    ("cargo.feu_per_week", "containers delivered", 1.0, "FEU/wk"),
    ("cargo.undelivered_share", "containers undelivered", 100.0, "%"),
    ("totals.cost_usd", "fares and tariffs, window", 1e-6, "M USD"),
    # the units' shares at their per-unit factors: a vehicle's empty places emit nothing here
    ("totals.co2_t", "CO2 of units delivered, window", 1.0, "t"),
    # whole vehicles, each place at the per-unit figure: a new flight's empty seats count here
    ("totals.vehicle_co2_t", "CO2 of vehicles run, window", 1.0, "t"),
)


#: a KPI name's unit word, and what it becomes for the unit its value is shown in
_UNIT_WORDS = {"h": ("_h", ("_min", "_days")), "days": ("_days", ("_min", "_h")),
               "%": ("_pct", ("_share", "_rate")), "M USD": ("_musd", ("_usd",))}


def shown_key(key: str, unit: str) -> str:
    """``key`` with its unit word replaced by that of ``unit`` (see :attr:`KpiDelta.shown_key`)."""
    if unit not in _UNIT_WORDS:
        return key
    new, old_words = _UNIT_WORDS[unit]
    parts = key.split(".")
    for i in range(len(parts) - 1, -1, -1):  # the last part that carries a unit word
        for word in old_words:
            if parts[i].endswith(word):
                parts[i] = parts[i][: -len(word)] + new
                return ".".join(parts)
    return key


@dataclass(frozen=True)
class KpiDelta:
    """One KPI in the base and another scenario, and their paired difference (other - base)."""

    key: str
    label: str
    unit: str
    base: Estimate
    other: Estimate
    diff: Estimate

    @property
    def shown_key(self) -> str:
        """The KPI's name with the unit its numbers here are in (``stations.KENA.mean_wait_h``
        for ``stations.KENA.mean_wait_min`` shown in hours), so that the name never says another
        unit than the values; ``key`` is the name in run's and sweep's tables.

        >>> e = Estimate(1.0, 0.0, 1, 0.95)
        >>> KpiDelta("stations.KENA.mean_wait_min", "wait", "h", e, e, e).shown_key
        'stations.KENA.mean_wait_h'
        >>> KpiDelta("flows.PAX.door_to_door_days.mean", "PAX", "h", e, e, e).shown_key
        'flows.PAX.door_to_door_h.mean'
        >>> KpiDelta("totals.cost_usd", "fares", "M USD", e, e, e).shown_key
        'totals.cost_musd'
        >>> KpiDelta("cargo.undelivered_share", "undelivered", "%", e, e, e).shown_key
        'cargo.undelivered_pct'
        """
        return shown_key(self.key, self.unit)

    @property
    def compared(self) -> bool:
        """Some replication has the KPI in both scenarios, so there is a difference: a rate of
        passengers where one scenario has none has no difference, only its value in the other."""
        return self.diff.n > 0

    @property
    def significant(self) -> bool:
        """The 95% interval of the paired difference leaves out zero."""
        return self.diff.n >= 2 and math.isfinite(self.diff.half_width) and not self.diff.contains(0.0)

    @property
    def verdict(self) -> bool | None:
        """:attr:`significant`, or None where there is no difference to judge (not
        :attr:`compared`) or no interval to judge it by (one pair): what the tables and JSON hold."""
        return self.significant if self.diff.n >= 2 else None


@dataclass(frozen=True)
class ProfileDelta:
    """A flow's week profile (door-to-door minutes for every departure minute) in two scenarios."""

    flow: str
    origin: str
    target: str
    unit: str
    base: dict[str, float]
    other: dict[str, float]
    improved_share: float  # of departure minutes reachable in both
    mean_gain_min: float  # over the minutes that improve (NaN if none)
    base_total_min: np.ndarray = field(repr=False)
    other_total_min: np.ndarray = field(repr=False)
    depart: list[str | None] = field(repr=False, default_factory=list)


@dataclass
class Comparison:
    """Everything a comparison found; ``to_frame`` turns each table into a pandas DataFrame."""

    names: list[str]
    scenarios: list[Scenario]
    results: list[SimulationResult]
    kpis: dict[str, list[KpiDelta]]  # per other scenario
    profiles: dict[str, list[ProfileDelta]]
    headline: str = ""
    warnings: dict[str, list[str]] = field(default_factory=dict)  # per scenario, from its run
    launches: dict[str, list[LaunchCase]] = field(default_factory=dict)  # new services, per scenario
    notes: list[str] = field(default_factory=list)  # about the timetable side

    @property
    def base(self) -> str:
        return self.names[0]

    def to_frame(self, table: str = "kpis") -> Any:
        """A tidy table: ``kpis`` (one row per scenario pair and KPI, in the units shown),
        ``replications`` (one row per scenario, replication and KPI, in the units of the KPI's
        name: ``_min``, ``_h``, ``_days``, rates as fractions, USD), ``profiles`` (one row per
        scenario, flow and departure minute), ``services`` (one row per scenario, replication and
        service), ``services_by_month`` (the same per calendar month, UTC), ``launches`` (one row
        per new passenger service and figure, with its interval) and ``sensitivity`` (the market
        model's rows for each new service: :mod:`corridor.analysis.market`)."""
        import pandas as pd

        if table == "kpis":
            kpis = pd.DataFrame([
                {"base": self.base, "scenario": name, "kpi": d.shown_key, "source_kpi": d.key,
                 "label": d.label, "unit": d.unit,
                 "base_mean": d.base.mean, "scenario_mean": d.other.mean, "difference": d.diff.mean,
                 "ci_low": d.diff.low, "ci_high": d.diff.high, "replications": d.diff.n,
                 "significant": d.verdict}
                for name, deltas in self.kpis.items() for d in deltas])
            # true, false, or missing where there is nothing to judge: a boolean column with
            # nulls, not a column of Python objects (Parquet then types it as a boolean)
            if not kpis.empty:
                kpis["significant"] = kpis["significant"].astype("boolean")
            return kpis
        if table == "replications":
            rows = []
            for name, res in zip(self.names, self.results, strict=True):
                for r, k in enumerate(res.kpis):
                    rows += [{"scenario": name, "replication": r, "kpi": key, "value": value}
                             for key, value in flatten(k).items()]
            return pd.DataFrame(rows)
        if table == "profiles":
            frames = []
            for name, deltas in self.profiles.items():
                for d in deltas:
                    for scen, total in ((self.base, d.base_total_min), (name, d.other_total_min)):
                        frames.append(pd.DataFrame({
                            "scenario": scen, "flow": d.flow, "from": d.origin, "to": d.target,
                            "depart_utc": pd.to_datetime(d.depart, format="ISO8601", utc=True),
                            "depart_local": d.depart, "total_min": total}))
            if not frames:
                return pd.DataFrame(columns=["scenario", "flow", "from", "to", "depart_utc", "depart_local",
                                             "total_min"])
            return pd.concat(frames, ignore_index=True).drop_duplicates(["scenario", "flow", "depart_utc"])
        if table == "services":
            rows = []
            for name, res in zip(self.names, self.results, strict=True):
                for r, k in enumerate(res.kpis):
                    for service, v in k.get("services", {}).items():
                        rows.append({"scenario": name, "replication": r, "service": service, **v})
            return pd.DataFrame(rows)
        if table == "services_by_month":
            from corridor.analysis.services import service_kpis

            rows = []
            for name, scenario, res in zip(self.names, self.scenarios, self.results, strict=True):
                for rec in res.records:
                    for service, v in service_kpis(rec, scenario.run.epoch).items():
                        rows += [{"scenario": name, "replication": rec.replication, "service": service,
                                  "month": month, **m} for month, m in v["by_month"].items()]
            return pd.DataFrame(rows)
        if table == "launches":
            return pd.DataFrame([
                {"scenario": c.scenario, "service": c.service, "figure": key, "mean": e.mean,
                 "ci_low": e.low, "ci_high": e.high, "replications": e.n}
                for cases in self.launches.values() for c in cases for key, e in c.figures.items()],
                columns=["scenario", "service", "figure", "mean", "ci_low", "ci_high", "replications"])
        if table == "sensitivity":
            from corridor.analysis.launch import case_rows

            return pd.DataFrame([row for cases in self.launches.values() for c in cases
                                 for row in case_rows(c)])
        raise CorridorError(f"unknown table {table!r}; tables are kpis, replications, profiles, services, "
                            "services_by_month, launches, sensitivity")


def kpi_deltas(base: SimulationResult, other: SimulationResult,
               keys: Sequence[tuple[str, str, float, str]] | None = None, *,
               passenger_flows: frozenset[str] = frozenset(),
               unpaired: frozenset[str] = frozenset()) -> list[KpiDelta]:
    """Paired differences, replication by replication, for the headline KPIs (or ``keys``),
    the per-flow door-to-door times (hours for ``passenger_flows``, days for the others; none
    for the ``unpaired`` flows, another flow under one id: :func:`other_flows`), the
    share of each cargo flow's containers that chose each of its gateways (when it has more
    than one; a gateway nobody chose in a replication counts 0 there) and every station's mean
    wait.

    The pairs are the replications that have the KPI in both; a KPI undefined in every
    replication of one scenario (a rate of passengers where it has none: NaN) is listed with
    its value in the other and no difference (``diff.n`` 0), and one undefined in both is left
    out."""
    if len(base.kpis) != len(other.kpis):
        raise CorridorError("paired comparison needs the same number of replications in both")
    flat_a = [flatten(k) for k in base.kpis]
    flat_b = [flatten(k) for k in other.kpis]
    chosen = list(keys or HEADLINE_KPIS)
    if keys is None:
        # a flow or station of one scenario only is listed too, with its value there (a new
        # flow's door to door); a gateway's share, 0 where a flow has the gateway and nobody
        # took it, only for flows of both
        flows = sorted((set(base.kpis[0]["flows"]) | set(other.kpis[0]["flows"])) - unpaired)
        chosen += [(f"flows.{f}.door_to_door_days.mean", f"{f} door to door", 24.0, "h")
                   if f in passenger_flows
                   else (f"flows.{f}.door_to_door_days.mean", f"{f} door to door", 1.0, "days")
                   for f in flows]
        for f in sorted((set(base.kpis[0]["flows"]) & set(other.kpis[0]["flows"])) - unpaired):
            gates = sorted({g for k in (*base.kpis, *other.kpis)
                            for g in k["flows"][f].get("gateway_share", {})})
            if len(gates) > 1:
                chosen += [(f"flows.{f}.gateway_share.{g}", f"{f} via {g}", 100.0, "%") for g in gates]
        stations = sorted(set(base.kpis[0]["stations"]) | set(other.kpis[0]["stations"]))
        chosen += [(f"stations.{s}.mean_wait_min", f"wait at {s}", 1 / MIN_PER_HOUR, "h") for s in stations]
    out = []
    for key, label, scale, unit in chosen:
        # a gateway share is 0 in a replication where the flow's containers chose others, and
        # undefined (left out of the pairs) where none chose
        a = np.array([kpi_value(f, key) for f in flat_a]) * scale
        b = np.array([kpi_value(f, key) for f in flat_b]) * scale
        both = np.isfinite(a) & np.isfinite(b)
        if both.any():
            out.append(KpiDelta(key, label, unit, mean_ci(a[both]), mean_ci(b[both]),
                                paired_difference(a[both], b[both])))
        elif np.isfinite(a).any() or np.isfinite(b).any():
            # defined on one side only: its value there, and no difference (not one against 0)
            out.append(KpiDelta(key, label, unit, mean_ci(a), mean_ci(b), mean_ci([])))
    return out


def profile_deltas(base: Scenario, other: Scenario, *, step_min: float = 1.0,
                   notes: list[str] | None = None) -> list[ProfileDelta]:
    """Week profiles of every demand flow of the base, both ways, in both scenarios. A way
    with no flow of its own is named after the flow it returns (``X (return)``). The
    planner's notes (disruptions it does not apply) are added to ``notes``."""
    from corridor.planning.api import RoutePlanner

    planners = RoutePlanner(base), RoutePlanner(other)
    unit_of = {f.id: "pax" if f.kind == "passenger" else "feu" for f in base.demand}
    named = {(f.from_, f.to, unit_of[f.id]): f.id for f in base.demand}
    pairs: list[tuple[str, str, str, str]] = []
    for flow in base.demand:
        unit = unit_of[flow.id]
        for a, b in ((flow.from_, flow.to), (flow.to, flow.from_)):
            name = named.get((a, b, unit), f"{flow.id} (return)")
            if (a, b, unit) not in {(p[1], p[2], p[3]) for p in pairs}:
                pairs.append((name, a, b, unit))
    out = []
    for name, a, b, unit in pairs:
        try:
            res = [p.profile(a, b, unit=unit, step_min=step_min) for p in planners]
        except PlanningError:
            continue  # nothing carries this unit that way (a one-way flow)
        if notes is not None:
            notes += [n for r in res for n in r.notes if n not in notes]
        depart, (ia, ib) = _same_wall_clock([r.instants(r.profile.ready_min, a) for r in res])
        ta, tb = res[0].profile.total_min[ia], res[1].profile.total_min[ib]
        if not (np.isfinite(ta).any() or np.isfinite(tb).any()):
            continue  # unreachable in both: nothing to compare
        both = np.isfinite(ta) & np.isfinite(tb)
        gain = np.where(both, ta - np.where(both, tb, 0.0), 0.0)
        better = both & (gain >= IMPROVES_MIN)
        out.append(ProfileDelta(
            name, a, b, unit, res[0].profile.summary(), res[1].profile.summary(),
            float(better.sum() / max(both.sum(), 1)),
            float(gain[better].mean()) if better.any() else float("nan"),
            ta, tb, depart))
    return out


def _same_wall_clock(stamps: Sequence[list[str | None]]) -> tuple[list[str | None], list[np.ndarray]]:
    """The departure times two profiles share on the origin's clock (weekday, time of day),
    as (the first profile's local times, each profile's indexes). A week with a clock change
    has an hour fewer or more than another; its repeated hour pairs with the other week's one
    hour first time first, and an hour it skips is left out.

    >>> week = ["2027-03-22T01:00:00+02:00", "2027-03-28T01:00:00+02:00", "2027-03-28T03:00:00+03:00"]
    >>> other = ["2027-03-01T01:00:00+02:00", "2027-03-07T01:00:00+02:00",
    ...          "2027-03-07T02:00:00+02:00", "2027-03-07T03:00:00+02:00"]
    >>> _same_wall_clock([week, other])[1]
    [array([0, 1, 2]), array([0, 1, 3])]
    """
    keys = []
    for times in stamps:
        seen: dict[tuple[int, int], int] = {}
        mine = {}
        for k, text in enumerate(times):
            assert text is not None  # a ready time is finite
            local = dt.datetime.fromisoformat(text)
            clock = (local.weekday(), round((local.hour * 60 + local.minute) * 60 + local.second
                                            + local.microsecond / 1e6))
            nth = seen.get(clock, 0)
            seen[clock] = nth + 1
            mine[(clock, nth)] = k
        keys.append(mine)
    shared = [key for key in keys[0] if key in keys[1]]
    index = [np.array([mine[key] for key in shared], dtype=np.intp) for mine in keys]
    return [stamps[0][k] for k in index[0]], index


def profile_note(scenarios: Sequence[Scenario]) -> str:
    """Why the simulated door-to-door times differ from the week profiles, for the kinds of
    demand the scenarios have (the note blamed station queues and fleets where a flight's
    travellers took 12 h longer because they chose a cheaper flight and waited for it)."""
    pax = any(f.kind == "passenger" for s in scenarios for f in s.demand)
    cargo = any(f.kind != "passenger" for s in scenarios for f in s.demand)
    why = []
    if pax:
        chooses = ("choose among itineraries by fare, time, waiting and changes (the choice model), "
                   if any(s.choice is not None for s in scenarios) else "")
        why.append(f"travellers {chooses}find seats run out, and meet delays and missed connections")
    if cargo:
        why.append("containers meet station queues, customs holds, departure paths and fleets")
    return ("The week profiles are the planner's earliest arrivals on the timetable for every departure "
            "minute; in the simulated times " + "; ".join(why or ["units meet what the run holds"]) + ".")


def compare(scenarios: Sequence[Scenario], *, names: Sequence[str] | None = None,
            replications: int | None = None, seed: int | None = None, workers: int = 1,
            executor: Executor | None = None, profiles: bool = True,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Compare each scenario after the first with the first (the base).

    Every scenario runs ``replications`` (default: the base's) with the same ``seed``
    (default: the base's), so paired differences use common random numbers.
    """
    if len(scenarios) < 2:
        raise CorridorError("compare needs a base scenario and at least one other")
    check_run_arguments("compare", replications=replications, seed=seed, workers=workers, scenarios=scenarios)
    if names is not None and (len(names) != len(scenarios) or len(set(names)) != len(names)):
        raise CorridorError(f"compare: names must give each of the {len(scenarios)} scenarios a name of "
                            f"its own, not {list(names)!r}")
    labels = list(names) if names is not None else _unique([s.name for s in scenarios])
    base = scenarios[0]
    n = replications if replications is not None else base.run.replications
    used_seed = base.run.seed if seed is None else seed
    total = n * len(scenarios)
    done = [0]

    def tick(k: int, _n: int) -> None:
        if progress is not None:
            progress(done[0] + k, total)

    results = []
    for s in scenarios:
        results.append(simulate(s, replications=n, seed=used_seed, workers=workers, executor=executor,
                                progress=tick))
        done[0] += n
    from corridor.analysis.warnings import run_warnings

    kpis = {}
    for k in range(1, len(scenarios)):
        # each pair's own: a third scenario's flow of the same id and another kind is not theirs
        pax = frozenset(f.id for s in (base, scenarios[k]) for f in s.demand if f.kind == "passenger")
        unpaired = other_flows(base, scenarios[k])
        kpis[labels[k]] = kpi_deltas(results[0], results[k], passenger_flows=pax, unpaired=unpaired)
        changed = changed_flows(base, scenarios[k])
        kinds = {"passengers" if f in pax else "cargo" for f in changed}
        if changed:  # each mix-held figure after the all-flow one, for the kinds whose flows changed
            held = {d.key.removesuffix(".base_mix") + ".mean": d
                    for d in mix_held_deltas(results[0], results[k], labels[0], passenger_flows=pax,
                                             unpaired=unpaired)
                    if d.key.split(".")[0] in kinds}
            kpis[labels[k]] = [x for d in kpis[labels[k]] for x in (d, held.get(d.key)) if x is not None]
    notes: list[str] = []
    profs = ({labels[k]: profile_deltas(base, scenarios[k], notes=notes) for k in range(1, len(scenarios))}
             if profiles else {})
    if profs:
        notes.append(profile_note(scenarios))
    warnings = {label: run_warnings(res) for label, res in zip(labels, results, strict=True)}
    for k in range(1, len(scenarios)):
        warnings[labels[k]] = unlike(base, scenarios[k], labels[0]) + warnings[labels[k]]
    comp = Comparison(labels, list(scenarios), results, kpis, profs, warnings=warnings, notes=notes)
    comp.launches = {labels[k]: launch_cases(base, scenarios[k], labels[k], results[k])
                     for k in range(1, len(scenarios))}
    comp.headline = headline(comp)
    return comp


def unlike(base: Scenario, other: Scenario, base_label: str) -> list[str]:
    """What makes ``other`` more than a change of ``base``: another period of the run, or
    other demand (its differences then mix the change with these). A flow's gateway choice
    (which gateways, how it weighs them) is a change of the network's use, not other demand."""
    out = []
    period = (base.run.start, base.run.horizon_days, base.run.warmup_days)
    if (other.run.start, other.run.horizon_days, other.run.warmup_days) != period:
        out.append(f"not the same period as {base_label}: it runs from {other.run.start} for "
                   f"{other.run.horizon_days} days (statistics after day {other.run.warmup_days}), "
                   f"{base_label} from {base.run.start} for {base.run.horizon_days} "
                   f"(after day {base.run.warmup_days}); seasons and calendars differ")
    for flow_id, was, now in _other_flows(base, other):
        out.append(f"its flow {flow_id} is another flow than {base_label}'s of that id ({now} here, {was} "
                   f"in {base_label}): the two are not paired, and neither is in the per-flow or "
                   "mix-held figures")
    changed = changed_flows(base, other)
    if changed:
        shown = ", ".join(changed[:4]) + (f" and {len(changed) - 4} more" if len(changed) > 4 else "")
        out.append(f"its demand differs from {base_label}'s ({shown}): the differences mix that "
                   f"with the change (door to door is also given with {base_label}'s mix of flows held)")
    return out


def other_flows(base: Scenario, other: Scenario) -> frozenset[str]:
    """Ids of flows of both scenarios that are not one flow: another kind of unit, or other ends
    (a change of rate or season is the same flow, changed)."""
    return frozenset(flow_id for flow_id, _, _ in _other_flows(base, other))


def _other_flows(base: Scenario, other: Scenario) -> list[tuple[str, str, str]]:
    """Each id of :func:`other_flows` with its flow in ``base`` and in ``other``, in words."""
    def said(flow: Demand) -> str:
        return f"{'passengers' if flow.kind == 'passenger' else 'cargo'} {flow.from_} -> {flow.to}"

    base_flows = {f.id: f for f in base.demand}
    return [(f.id, said(base_flows[f.id]), said(f)) for f in other.demand
            if f.id in base_flows and said(f) != said(base_flows[f.id])]


def changed_flows(base: Scenario, other: Scenario) -> list[str]:
    """The demand flows ``other`` adds, drops or changes (its rate, season, ...) against ``base``;
    a flow's gateway choice is not its demand (:func:`unlike`)."""
    def demand(flow: Demand) -> Demand:
        return flow.model_copy(update={"gateways": None})

    base_flows = {f.id: demand(f) for f in base.demand}
    changed = [f.id for f in other.demand if f.id not in base_flows or demand(f) != base_flows[f.id]]
    return changed + [fid for fid in base_flows if fid not in {f.id for f in other.demand}]


#: the door-to-door KPIs that :func:`mix_held_deltas` holds the base's mix of flows for: key,
#: whether of passenger flows, label, hours or days
MIX_HELD = (("passengers.door_to_door_h", True, "passengers door to door", 24.0, "h"),
            ("cargo.door_to_door_days", False, "containers door to door", 1.0, "days"))


def mix_held_deltas(base: SimulationResult, other: SimulationResult, base_label: str, *,
                    passenger_flows: frozenset[str],
                    unpaired: frozenset[str] = frozenset()) -> list[KpiDelta]:
    """Passengers' and containers' door to door with ``base``'s mix of flows held (a fixed-weight
    index), for scenarios whose demand differs: in each replication, over the flows both deliver
    (but the ``unpaired``, another flow under one id),
    each flow's mean in either scenario weighted by its units delivered in the base. The change
    of the same journeys, without what another mix of flows brings: doubling the fastest flow
    lowers the all-flow mean though no container goes faster. Keys end in ``.base_mix``.

    >>> from types import SimpleNamespace
    >>> def run(*reps):  # per replication, (flow, units delivered, mean days) per flow
    ...     return SimpleNamespace(kpis=[{"flows": {f: {"door_to_door_days": {"n": n, "mean": m}}
    ...                                             for f, n, m in rep}} for rep in reps])
    >>> # three times the containers on FAST, every flow as fast as before: the all-flow mean
    >>> # falls from 14.5 to 13.0 days (and from 13.75 to 12.5), the mix-held one does not move
    >>> a = run([("FAST", 100, 10.0), ("SLOW", 300, 16.0)], [("FAST", 100, 10.0), ("SLOW", 300, 15.0)])
    >>> b = run([("FAST", 300, 10.0), ("SLOW", 300, 16.0)], [("FAST", 300, 10.0), ("SLOW", 300, 15.0)])
    >>> d = mix_held_deltas(a, b, "base", passenger_flows=frozenset())[0]
    >>> d.key, d.label, d.base.mean, d.other.mean, d.diff.mean
    ('cargo.door_to_door_days.base_mix', "containers door to door, base's mix", 14.125, 14.125, 0.0)
    """
    out = []
    for key, pax, label, scale, unit in MIX_HELD:
        held_a, held_b = [], []
        for ka, kb in zip(base.kpis, other.kpis, strict=True):
            fa, fb = ka.get("flows", {}), kb.get("flows", {})
            weight = total_a = total_b = 0.0
            for flow in sorted((set(fa) & set(fb)) - unpaired):
                if (flow in passenger_flows) != pax:
                    continue
                a, b = fa[flow]["door_to_door_days"], fb[flow]["door_to_door_days"]
                if a["n"] > 0 and b["n"] > 0 and math.isfinite(a["mean"]) and math.isfinite(b["mean"]):
                    weight += a["n"]
                    total_a += a["n"] * a["mean"] * scale
                    total_b += a["n"] * b["mean"] * scale
            held_a.append(total_a / weight if weight else math.nan)
            held_b.append(total_b / weight if weight else math.nan)
        x, y = np.array(held_a), np.array(held_b)
        both = np.isfinite(x) & np.isfinite(y)
        if both.any():
            out.append(KpiDelta(f"{key}.base_mix", f"{label}, {base_label}'s mix", unit, mean_ci(x[both]),
                                mean_ci(y[both]), paired_difference(x[both], y[both])))
    return out


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name} ({k})", k + 1
        out.append(candidate)
    return out


def headline(comp: Comparison) -> str:
    """One or two sentences per other scenario that answer "what does it change?"."""
    lines = []
    for name in comp.names[1:]:
        lines += [case.sentence() for case in comp.launches.get(name, [])]
        lines += round_trips(comp.launches.get(name, []))
        # only differences there are: none of a KPI one scenario lacks (passengers where it has none)
        by_key = {d.key: d for d in comp.kpis[name] if d.compared}
        parts = []
        pax = by_key.get("passengers.door_to_door_h.mean")
        way = by_key.get("passengers.on_the_way_h.mean")
        if pax is not None and way is not None and pax.diff.mean > 0 > way.diff.mean:
            # travellers trade waiting for a better trip: say the trip first, then the wait
            parts.append(_sentence("passengers", way, "h").replace("door to door", "on the way (first "
                                                                    "departure to arrival)"))
            parts.append(f"they wait about {pax.diff.mean - way.diff.mean:.1f} h longer for the departure "
                         "they choose, so from the wished time to arrival they take "
                         + _sentence("", pax, "h").replace(" spend ", "", 1).strip()
                         .replace("more door to door", "longer").replace("less door to door", "less"))
        else:
            if pax is not None:
                parts.append(_sentence("passengers", pax, "h"))
            if way is not None and way.diff.mean != 0:
                parts.append(_sentence("passengers", way, "h").replace("door to door", "on the way"))
        held = by_key.get("passengers.door_to_door_h.base_mix")
        if held is not None:  # the demand differs (:func:`mix_held_deltas`)
            parts.append(f"with {comp.base}'s mix of flows held (the demand differs), "
                         + _sentence("passengers", held, "h"))
        cargo = by_key.get("cargo.door_to_door_days.mean")
        if cargo is not None:
            parts.append(_sentence("containers", cargo, "days"))
        held = by_key.get("cargo.door_to_door_days.base_mix")
        if held is not None:
            parts.append(f"with {comp.base}'s mix of flows held (the demand differs), "
                         + _sentence("containers", held, "days"))
        parts += _new_gateways(comp.kpis[name], comp.base)
        jam = _biggest_wait_change(comp.kpis[name])
        if jam:
            parts.append(jam)
        feu = by_key.get("cargo.feu_per_week")
        if feu is not None and feu.significant:
            parts.append(f"deliveries change by {feu.diff.mean:+,.0f} FEU/week "
                         f"(95% CI {feu.diff.low:+,.0f} to {feu.diff.high:+,.0f})")
        said = "; ".join(parts) or "no door-to-door times to compare (no units delivered in both)"
        text = f"{name} against {comp.base}: {said}."
        better = [p for p in comp.profiles.get(name, []) if p.improved_share > 0]
        if better:
            text += " On the timetable, " + "; ".join(
                f"{p.origin}->{p.target} gets faster for {p.improved_share:.0%} of departure minutes in a "
                f"week, by {p.mean_gain_min / MIN_PER_HOUR:.1f} h when it does (mean "
                f"{p.base['mean_min'] / 60:.1f} h -> {p.other['mean_min'] / 60:.1f} h)" for p in better) + "."
        elif comp.profiles.get(name):
            text += " On the timetable no flow gets faster."
        mine, theirs = comp.warnings.get(name, []), comp.warnings.get(comp.base, [])
        if set(mine) != set(theirs):
            text += " Read with care: the runs gave warnings, listed below."
        elif mine:  # the same in both (a station the outside traffic jams whatever the scenario)
            text += " Both runs gave the same warnings, listed below."
        lines.append(text)
    return "\n".join(lines)


#: a station's mean wait must change by at least this much (hours), significantly, to be told
#: in the headline
HEADLINE_WAIT_H = 1.0


def _biggest_wait_change(deltas: Sequence[KpiDelta]) -> str:
    """The station whose mean wait changes most, when that is significant and at least
    :data:`HEADLINE_WAIT_H`: where the corridor jams, or frees, which the door-to-door times of
    the flows that avoid it can hide ("" when none does).

    >>> from corridor.kernels.stats import Estimate as E
    >>> d = KpiDelta("stations.MALASZEWICZE.mean_wait_min", "wait at MALASZEWICZE", "h",
    ...              E(40.0, 5.0, 5, 0.95), E(188.0, 20.0, 5, 0.95), E(148.0, 18.0, 5, 0.95))
    >>> _biggest_wait_change([d])
    'the wait at MALASZEWICZE changes most: 40.0 -> 188.0 h (95% CI of the difference +130.0 to +166.0)'
    """
    waits = [d for d in deltas if d.key.startswith("stations.") and d.key.endswith(".mean_wait_min")
             and d.significant and abs(d.diff.mean) >= HEADLINE_WAIT_H]
    if not waits:
        return ""
    d = max(waits, key=lambda w: abs(w.diff.mean))
    place = d.key[len("stations."):-len(".mean_wait_min")]
    return (f"the wait at {place} changes most: {d.base.mean:.1f} -> {d.other.mean:.1f} h (95% CI of "
            f"the difference {d.diff.low:+.1f} to {d.diff.high:+.1f})")


def _new_gateways(deltas: Sequence[KpiDelta], base: str) -> list[str]:
    """Per gateway that no container took in the base run and some take in the other (a new
    gateway, Kaunas in kaunas_gateway): the share of each flow's containers it takes, with the
    interval of the difference. The question such a scenario asks, said before the tables.

    >>> from corridor.kernels.stats import Estimate as E
    >>> d = KpiDelta("flows.F.gateway_share.K", "F via K", "%",
    ...              E(0.0, 0.0, 5, 0.95), E(3.44, 3.2, 5, 0.95), E(3.44, 3.2, 5, 0.95))
    >>> print(*_new_gateways([d], "b"))
    K, which no container took in b, takes 3.4% of F (95% CI of the difference +0.2 to +6.6, significant)
    """
    taken: dict[str, list[str]] = {}
    for d in deltas:
        flow, sep, gateway = d.key.removeprefix("flows.").partition(".gateway_share.")
        # 0 in every base replication (one replication has no interval: its half-width is inf)
        if not sep or not d.key.startswith("flows.") or d.base.mean != 0 \
                or (d.base.n >= 2 and d.base.half_width != 0) or not d.other.mean > 0:
            continue
        verdict = "significant" if d.significant else "not significant" + _too_few(d)
        interval = (f"95% CI of the difference {d.diff.low:+.1f} to {d.diff.high:+.1f}, {verdict}"
                    if d.diff.n >= 2 and math.isfinite(d.diff.half_width) else "one replication: no interval")
        taken.setdefault(gateway, []).append(f"{d.other.mean:.1f}% of {flow} ({interval})")
    return [f"{gateway}, which no container took in {base}, takes {' and '.join(shares)}"
            for gateway, shares in taken.items()]


def _too_few(d: KpiDelta) -> str:
    """For a difference whose interval holds zero: how many replications would show one of its
    size (:func:`~corridor.kernels.stats.replications_to_show`), when that is more than were
    run, so that "not significant" over a few replications is not read as "no change".

    >>> from corridor.kernels.stats import mean_ci
    >>> e = mean_ci([1.0, 3.0, -0.5])
    >>> _too_few(KpiDelta("k", "k", "h", e, e, e))
    ' in 3 replications: about 20 would show one of this size 8 times in 10'
    """
    needed = replications_to_show(d.diff)
    if needed is None or needed <= d.diff.n:
        return ""
    return f" in {d.diff.n} replications: about {needed:,} would show one of this size 8 times in 10"


def _sentence(what: str, d: KpiDelta, unit: str) -> str:
    if d.diff.n < 2 or not math.isfinite(d.diff.half_width):
        return f"{what} {d.base.mean:.1f} -> {d.other.mean:.1f} {unit} (one replication: no interval)"
    if d.diff.mean == 0 and d.diff.half_width == 0:
        return f"{what} unchanged at {d.base.mean:.1f} {unit} door to door in all {d.diff.n} replications"
    verdict = "significant" if d.significant else "not significant"
    if abs(d.diff.mean) < 0.005 and not d.significant:  # "0.00 less" read as a change
        return (f"{what} about the same door to door ({d.base.mean:.1f} -> {d.other.mean:.1f} {unit}; "
                f"difference {d.diff.mean:+.2g}, 95% CI {d.diff.low:+.2g} to {d.diff.high:+.2g}, {verdict})")
    if not d.significant:
        verdict += _too_few(d)
    way = "less" if d.diff.mean < 0 else "more"
    # a change under 0.1 shows its two ends to 0.01: to 0.1 they read "17.2 -> 17.2" of 0.05
    # days less, and "17.1 -> 17.2" of 0.05 more
    ends = 2 if abs(d.diff.mean) < 0.1 else 1
    return f"{what} spend {abs(d.diff.mean):.2f} {unit} {way} door to door" + \
        f" ({d.base.mean:.{ends}f} -> {d.other.mean:.{ends}f} {unit}; 95% CI of the difference " \
        f"{d.diff.low:+.2f} to {d.diff.high:+.2f}, {verdict})"
