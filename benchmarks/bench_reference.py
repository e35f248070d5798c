"""corridor against a textbook SimPy model of the same cargo corridor: same KPIs, how much faster.

The reference (``benchmarks/reference_cargo.py``) is the cargo corridor written the way
SimPy's own documentation teaches: a process per container, per train trip, per convoy and
per background vehicle, a ``simpy.Resource`` per queueing station and a ``simpy.Store`` per
platform. It shares only corridor's scenario model, timetable and planner (for routes), and
draws its own random numbers, so the two are compared statistically.

Both run the baseline's containers on its timetabled trains (``scenarios/baseline.yaml``
with the passenger flows removed, and without its block trains and what came with them: see
:func:`cargo_scenario`; it has no disruptions) for the same number of replications, side by side in one
process, and the table gives, for each model, the mean over replications and its 95%
confidence interval of:

* per cargo flow: mean transit days (first departure to arrival) and door-to-door days;
* over all containers: how many were created after the warm-up; transit, door to door,
  time in vehicles at stations (hours);
* throughput: FEU delivered a week in [warm-up, horizon);
* per queueing station: mean wait of a vehicle for a server (minutes) and utilisation.

"overlap" says whether the two confidence intervals meet; "diff" whether the 95% Welch
interval of the difference holds zero (the stricter test: expect about one KPI in twenty to
fail it by chance). Then wall time per replication of each (set-up included: timetable and
planner), the speed ratio reference / corridor (target: corridor >= 10x), and how much of
the reference's time its per-container route queries take.

Run: python benchmarks/bench_reference.py [--quick]   (--quick: 4 replications, 42 days)
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, parse_quick, record, timed  # noqa: E402
from reference_cargo import run_reference  # noqa: E402

from corridor.analysis.runs import simulate  # noqa: E402
from corridor.planning.search import Planner  # noqa: E402
from corridor.scenario import load_scenario  # noqa: E402
from corridor.scenario.schema import Scenario, Timetable  # noqa: E402
from corridor.simulation import run_timetable  # noqa: E402
from corridor.units import MIN_PER_DAY  # noqa: E402

LEVEL = 0.95
TOL = 1e-6  # relative: gaps this small are rounding (a wait of 1e-13 minutes), not a difference
REFERENCE_SEED = 1


def cargo_scenario(quick: bool) -> Scenario:
    """The baseline's containers on its timetabled trains (and, quick, a shorter horizon).

    The reference writes the corridor's rules as they were before block trains: timetabled
    trains, stations with servers and outside traffic, links. So the baseline is taken without
    what came after (its block trains and other dispatched services, fleets, gateway choice,
    customs holds and seasonality), its EU trains, which leave on a daily pool of paths, run on
    a timetable of one departure per path, spread over the day (without them the only way on
    from Poland is Kaunas's three trains a week, and the corridor jams: 70 days to Duisburg),
    and its flows that the timetabled trains alone cannot carry (Xi'an - Constanta, whose
    Caspian ferry is dispatched) are left out; the others take the timetabled routes.
    """
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    services = [_on_its_paths(s) if s.dispatch is not None and s.dispatch.paths_per_day else s
                for s in base.services if s.dispatch is None or s.unit != "feu" or s.dispatch.paths_per_day]
    places = [p.model_copy(update={"customs": None, "background_seasonality": None}) for p in base.places]
    flows = [f.model_copy(update={"gateways": None, "seasonality": None})
             for f in base.demand if f.kind == "cargo"]
    update: dict[str, Any] = {"services": services, "places": places, "fleets": []}
    if quick:
        update["run"] = base.run.model_copy(update={"horizon_days": 42})
    timetabled = base.model_copy(update=update)
    tt = run_timetable(timetabled)
    planner = Planner(tt, unit="feu")
    start = (timetabled.run.warmup_days + 7) * 1440.0
    carried = [f for f in flows if planner.earliest(tt.index[f.from_], tt.index[f.to], start) is not None]
    return timetabled.model_copy(update={"demand": carried})


def _on_its_paths(service: Any) -> Any:
    """A dispatched service with a daily pool of paths as a timetabled one: a departure at each
    path, spread evenly over the day."""
    n = service.dispatch.paths_per_day
    times = [f"{(m := int(MIN_PER_DAY) * k // n) // 60:02d}:{m % 60:02d}" for k in range(n)]
    return service.model_copy(update={"dispatch": None, "timetable": Timetable(times=times)})


def kpi_names(scenario: Scenario) -> list[tuple[str, str]]:
    """(corridor summary key, label) of every KPI compared, in table order."""
    rows = []
    for f in scenario.demand:
        rows.append((f"flows.{f.id}.transit_days.mean", f"{f.id} transit (d)"))
        rows.append((f"flows.{f.id}.door_to_door_days.mean", f"{f.id} door to door (d)"))
    rows += [("cargo.created", "FEU created after warm-up"),
             ("cargo.transit_days.mean", "all containers transit (d)"),
             ("cargo.door_to_door_days.mean", "all containers door to door (d)"),
             ("cargo.station_h.mean", "time at stations per FEU (h)"),
             ("cargo.feu_per_week", "FEU delivered / week")]
    stations = [p.id for p in scenario.places if p.servers and p.service_time is not None]
    rows += [(f"stations.{p}.mean_wait_min", f"{p} mean wait (min)") for p in stations]
    rows += [(f"stations.{p}.utilisation", f"{p} utilisation") for p in stations]
    return rows


ALIASES = {"cargo.station_h.mean": "cargo.station_wait_h.mean"}  # its name before the rewrite


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """corridor's nested per-replication KPIs under its summary's dotted names."""
    out: dict[str, float] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = float(value)
    return out


def ci(values: np.ndarray) -> dict[str, float]:
    """Mean and t-based confidence interval over independent replications."""
    x = values[np.isfinite(values)]
    if x.size < 2:
        m = float(x.mean()) if x.size else math.nan
        return {"mean": m, "low": -math.inf, "high": math.inf, "n": int(x.size)}
    half = float(stats.t.ppf(0.5 + LEVEL / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return {"mean": float(x.mean()), "low": float(x.mean()) - half, "high": float(x.mean()) + half,
            "n": int(x.size)}


def welch_holds_zero(a: np.ndarray, b: np.ndarray) -> bool | None:
    """Does the Welch confidence interval of mean(a) - mean(b) hold 0? (None: too few values)"""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return None
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(a.mean() - b.mean())
    if abs(diff) <= TOL * max(1.0, abs(float(a.mean()))):
        return True
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return bool(abs(diff) <= stats.t.ppf(0.5 + LEVEL / 2, df) * math.sqrt(va + vb))


def _fmt(e: dict[str, float]) -> str:
    m, lo, hi = e["mean"], e["low"], e["high"]
    if not math.isfinite(m):
        return f"{'-':>26s}"
    digits = 3 if abs(m) < 10 else 2 if abs(m) < 100 else 1
    return f"{m:8.{digits}f} [{lo:7.{digits}f}, {hi:7.{digits}f}]"


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "4 replications of a 42-day horizon instead of 10 of 70", argv)
    scenario = cargo_scenario(quick)
    n = 4 if quick else 10
    run = scenario.run
    print(f"cargo of {scenario.name}: {len(scenario.demand)} flows, {run.horizon_days} days of demand "
          f"(warm-up {run.warmup_days}, drain {run.drain_days}), {n} replications each")

    t_corridor, result = timed(lambda: simulate(scenario, replications=n), repeats=1)
    t_reference, (ref_kpis, net) = timed(
        lambda: run_reference(scenario, n, seed=REFERENCE_SEED), repeats=1)
    corridor_reps = [flatten(k) for k in result.kpis]

    rows: dict[str, dict[str, Any]] = {}
    print(f"\n{'KPI (mean [95% CI])':40s} {'corridor':>26s} {'reference':>26s} {'overlap':>8s} {'diff':>5s}")
    for key, label in kpi_names(scenario):
        theirs = key if key in result.summary else ALIASES.get(key, key)
        if theirs not in result.summary:
            print(f"{label:40s} corridor has no {key}")
            continue
        c = {k: float(result.summary[theirs][k]) for k in ("mean", "low", "high")}
        c_values = np.array([rep.get(theirs, math.nan) for rep in corridor_reps])
        r_values = np.array([rep[key] for rep in ref_kpis])
        r = ci(r_values)
        gap = max(c["low"], r["low"]) - min(c["high"], r["high"])
        overlap = bool(gap <= TOL * max(1.0, abs(c["mean"]), abs(r["mean"])))
        # a station no vehicle reached in either model has no wait to compare: agreed, not apart
        neither = not math.isfinite(c["mean"]) and r["n"] == 0
        overlap = overlap or neither
        welch = welch_holds_zero(c_values, r_values)
        rows[key] = {"corridor": c, "reference": r, "overlap": overlap, "welch_holds_zero": welch}
        mark = "none" if neither else "yes" if overlap else "NO"
        wmark = "-" if welch is None else "0 in" if welch else "NO"
        print(f"{label:40s} {_fmt(c)} {_fmt(r)} {mark:>8s} {wmark:>5s}")

    per_corridor = t_corridor / n
    per_reference = t_reference / n
    routing = net.routing_s / n
    ratio = per_reference / per_corridor
    ratio_dynamics = (per_reference - routing) / per_corridor
    apart = [k for k, v in rows.items() if not v["overlap"]]
    welch_apart = [k for k, v in rows.items() if v["welch_holds_zero"] is False]
    print(f"\nwall time per replication (set-up included): corridor {per_corridor:.3f} s, "
          f"reference {per_reference:.3f} s")
    print(f"speed ratio reference / corridor: {ratio:.1f} x   (target >= 10 x)"
          f"{'' if ratio >= 10 else '   BELOW TARGET'}")
    print(f"  the reference's route queries (one planner call per container) take {routing:.3f} s a "
          f"replication ({routing / per_reference:.0%}); without them: {ratio_dynamics:.1f} x")
    print(f"KPIs compared: {len(rows)}; confidence intervals apart: {len(apart)}"
          f"{' (' + ', '.join(apart) + ')' if apart else ''}; Welch difference excludes 0: "
          f"{len(welch_apart)}{' (' + ', '.join(welch_apart) + ')' if welch_apart else ''}")
    where = record("reference", {
        "quick": quick,
        "scenario": f"{scenario.name}, cargo flows only",
        "replications": n,
        "horizon_days": run.horizon_days,
        "corridor_s_per_replication": per_corridor,
        "reference_s_per_replication": per_reference,
        "reference_routing_s_per_replication": routing,
        "speed_ratio": ratio,
        "speed_ratio_without_reference_routing": ratio_dynamics,
        "target_ratio": 10.0,
        "cis_apart": apart,
        "welch_differences": welch_apart,
        "kpis": rows,
    })
    print(f"figures written to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
