"""``throughput``'s judgement of each step against the rules of its docstring and of
docs/sweeps.md, applied again to the per-replication figures of the runs it made: delivered
TEU/week, transit and its rise with scipy's t intervals, the undelivered share over all
replications, stations growing in more than half of them (and not counted when they grow at
the lightest step), the transit bound (given, or twice the lightest step's), the bottleneck
(station, path pool or fleet; not a station that grows at the lightest step), and the limit:
the last sustainable step before the first that is not. On small random corridors: a
queueing station fed by trucks, EU trains on a daily pool of paths out of it, a fleet, a
station whose own outside traffic may overload it, short drains that leave containers
undelivered."""

from __future__ import annotations

import math
import statistics
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats

from corridor.analysis.throughput import throughput
from corridor.scenario.overrides import load_raw


def interval(values: list[float]) -> tuple[float, float, float]:
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return math.nan, math.nan, math.nan
    mean = statistics.fmean(v)
    if len(v) == 1:
        return mean, -math.inf, math.inf
    sem = statistics.stdev(v) / math.sqrt(len(v))
    if sem == 0:
        return mean, mean, mean
    low, high = stats.t.interval(0.95, len(v) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)


@st.composite
def corridor_yaml(draw) -> str:  # noqa: ANN001
    servers = draw(st.integers(1, 2))
    service = draw(st.sampled_from(["{dist: fixed, value_min: 60}", "{dist: exponential, mean_min: 60}"]))
    eu = draw(st.booleans())
    fleet = draw(st.booleans())
    # outside traffic a day at a station no cargo uses: 24 fill it, and its queue then grows in
    # some replications and not in others
    side = draw(st.sampled_from([0, 10, 24, 30]))
    horizon = draw(st.sampled_from([10, 21, 28]))
    lines = [
        "name: toy",
        f"run: {{start: 2027-01-04, horizon_days: {horizon}, warmup_days: {draw(st.integers(0, 3))}, "
        f"drain_days: {draw(st.sampled_from([0, 2, 10]))}, replications: 3, seed: 1}}",
        "places:",
        "  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}",
        f"  - {{id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC, "
        f"servers: {servers}, service_time: {service}}}",
        "  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}",
    ]
    if side:
        lines.append(f"  - {{id: S, name: S, kind: border_station, country: KZ, lat: 46, lon: 80, tz: UTC, "
                     f"servers: 1, service_time: {{dist: fixed, value_min: 60}}, "
                     f"background_per_day: {side}}}")
    if fleet:
        lines += ["fleets:", f"  - {{id: TRUCKS, vehicles: {draw(st.integers(2, 8))}, return_factor: 1.0, "
                  f"turnaround_min: {draw(st.sampled_from([0, 600]))}}}"]
    dispatch = "{cutoff_min: 0, fleet: TRUCKS}" if fleet else "{cutoff_min: 0}"
    lines += ["services:",
              f"  - {{id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {dispatch}, "
              f"duration_min: {draw(st.sampled_from([30, 300]))}, capacity: 1}}"]
    if eu:
        lines.append(f"  - {{id: EU, mode: rail, unit: feu, stops: [B, Z], dispatch: {{cutoff_min: "
                     f"{draw(st.sampled_from([600, 2880]))}, paths_per_day: {draw(st.integers(1, 3))}}}, "
                     f"duration_min: 600, capacity: {draw(st.sampled_from([5, 10]))}}}")
    lines += ["demand:", f"  - {{id: F, kind: cargo, from: A, to: {'Z' if eu else 'B'}, "
              f"per_week: {draw(st.sampled_from([50, 150, 300]))}}}"]
    return "\n".join(lines) + "\n"


#: one EU path a day of 10 FEU out of B, 70 FEU a week, and a 10-day drain: at x1.5 (75 a week)
#: the transit rises by 1.1 days across the window on average, its interval reaching below a
#: day (sustainable); at x2 by 7 days (not)
PATHS = """\
name: toy
run: {start: 2027-01-04, horizon_days: 28, warmup_days: 2, drain_days: 10, replications: 3, seed: 1}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 60}}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
services:
  - {id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 1}
  - {id: EU, mode: rail, unit: feu, stops: [B, Z], dispatch: {cutoff_min: 2880, paths_per_day: 1},
     duration_min: 600, capacity: 10}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: 50}
"""

#: EU trains that wait two days for their cut-off at x0.5 leave 1.6% of the containers undelivered
#: after a 2-day drain (not sustainable), fill sooner at x1 and x1.5 (sustainable), and jam at x3;
#: S's outside traffic overloads it at every step
UNEVEN = """\
name: toy
run: {start: 2027-01-04, horizon_days: 21, warmup_days: 2, drain_days: 2, replications: 3, seed: 1}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 60}}
  - {id: S, name: S, kind: border_station, country: KZ, lat: 46, lon: 80, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 60}, background_per_day: 30}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
fleets:
  - {id: TRUCKS, vehicles: 7, return_factor: 1.0, turnaround_min: 0}
services:
  - {id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {cutoff_min: 0, fleet: TRUCKS},
     duration_min: 30, capacity: 1}
  - {id: EU, mode: rail, unit: feu, stops: [B, Z], dispatch: {cutoff_min: 2880, paths_per_day: 3},
     duration_min: 600, capacity: 5}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: 50}
"""


@example(PATHS, [1.0, 1.5, 2.0], 100.0, 3)
@example(UNEVEN, [0.5, 1.0, 1.5, 3.0], None, 3)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corridor_yaml(),
       st.lists(st.sampled_from([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]), min_size=2, max_size=4, unique=True)
       .map(sorted),
       st.one_of(st.none(), st.sampled_from([0.05, 0.5, 3.0, 100.0])), st.sampled_from([1, 2, 3, 3]))
def test_each_step_is_judged_by_the_documented_rules(text, scales, bound, replications) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "toy.yaml"
        path.write_text(text, encoding="utf-8")
        res = throughput(load_raw(path), str(path), scales, replications=replications, seed=3,
                         max_transit_days=bound)
    runs = [[r.kpis for r in res.sweep.runs_of(c)] for c in range(len(scales))]
    assert all(len(r) == replications for r in runs)  # every step ran here

    def growing(kpis: list[dict[str, float]]) -> set[str]:
        # queues growing in most replications: stations by name, paths and fleets with their kind
        out = set()
        for head, kind in (("stations.", None), ("paths.", "paths"), ("fleets.", "fleet")):
            for key in kpis[0]:
                if key.startswith(head) and key.endswith(".growing") and \
                        sum(k[key] for k in kpis) > len(kpis) / 2:
                    name = key[len(head):-len(".growing")]
                    out.add(name if kind is None else f"{name} ({kind})")
        return out

    # set aside: stations whose outside traffic alone takes 95% of their capacity or more (the
    # docs), and whose queue grows at the lightest step; at one the cargo shares, its queue is
    # that cargo's bottleneck (these toys have fixed service times, no seasons and no cuts)
    data = yaml.safe_load(text)
    assert not data.get("disruptions")
    outside = {p["id"] for p in data["places"]
               if p.get("background_per_day") and "background_seasonality" not in p
               and p["background_per_day"] * p["service_time"]["value_min"] / (p["servers"] * 1440) >= 0.95}
    # and stations whose outside traffic alone takes their whole capacity, whose queue grows at
    # the lightest step in some replications, not most
    full = {p["id"] for p in data["places"] if p["id"] in outside
            and p["background_per_day"] * p["service_time"]["value_min"] / (p["servers"] * 1440) >= 1.0}
    sometimes = {key[len("stations."):-len(".growing")] for key in runs[0][0]
                 if key.startswith("stations.") and key.endswith(".growing")
                 and 0 < sum(k[key] for k in runs[0]) <= len(runs[0]) / 2}
    standing = (growing(runs[0]) & outside) | (sometimes & full)
    assert set(res.standing) == standing
    transit = [interval([k.get("cargo.transit_days.mean", math.nan) for k in kpis]) for kpis in runs]
    lightest = next((t[0] for t in transit if math.isfinite(t[0])), math.inf)
    want_bound = bound if bound is not None else 2 * lightest
    assert res.max_transit_days == pytest.approx(want_bound, rel=1e-12)
    verdicts = []
    for step, kpis, (t_mean, _, _) in zip(res.steps, runs, transit, strict=True):
        delivered = interval([k["cargo.teu_per_week"] for k in kpis])
        assert (step.delivered_teu_per_week.mean, step.delivered_teu_per_week.low,
                step.delivered_teu_per_week.high) == pytest.approx(delivered, rel=1e-9, abs=1e-9)
        created = sum(k["cargo.created"] for k in kpis)
        undelivered = sum(k["cargo.undelivered"] for k in kpis)
        share = undelivered / created if created else math.nan
        assert step.undelivered_share == pytest.approx(share, nan_ok=True)
        # the rise's lower bound (the rise where every container arrived), undefined unless
        # every replication defines it (the docs)
        values = [k.get("cargo.door_to_door_rise_at_least_days", math.nan) for k in kpis]
        rise = interval(values if all(math.isfinite(v) for v in values) else [])
        grows = growing(kpis)
        assert set(step.growing) == grows
        reasons = {
            "growing": bool(grows - standing),
            "undelivered": not share <= 0.01,
            "transit": not (math.isfinite(t_mean) and t_mean <= want_bound),
            "rise": math.isfinite(rise[1]) and rise[1] > 1.0,
        }
        sustainable = not any(reasons.values())
        assert step.sustainable == sustainable, (step.scale, reasons, step.why)
        if reasons["rise"]:
            assert "a backlog grows through the window" in step.why
        busy = {}
        for key in kpis[0]:
            for head, tail, kind in (("stations.", ".utilisation", None), ("paths.", ".utilisation", "paths"),
                                     ("fleets.", ".busy", "fleet")):
                if key.startswith(head) and key.endswith(tail):
                    name = key[len(head):-len(tail)]
                    if kind is None and name in standing:  # grows whatever the cargo: never the bottleneck
                        continue
                    shown = name if kind is None else f"{name} ({kind})"
                    if statistics.fmean(k[key] for k in kpis) > 0:  # one nothing used is no bottleneck
                        busy[shown] = statistics.fmean(k[key] for k in kpis)
        # the busiest; the docs name no order among resources equally busy (all 100%, to rounding)
        if not busy:
            assert step.bottleneck is None
        else:
            top = max(busy.values())
            assert step.bottleneck in {b for b, u in busy.items() if u >= top - 1e-9}, (busy, step.bottleneck)
        verdicts.append(sustainable)
    first_bad = next((k for k, ok in enumerate(verdicts) if not ok), len(verdicts))
    assert res.limit == (first_bad - 1 if first_bad > 0 else None)
    verdict = res.verdict()
    # a limit its cautions leave unsettled is said first to be tentative
    verdict = verdict.removeprefix("Tentative, too few replications to settle the limit (see the caution): ")
    if not any(verdicts):
        assert verdict.startswith("No step of the grid is sustainable")
    elif res.limit is None:  # the lightest step is not, some heavier one is: the verdict must not deny it
        assert "No step of the grid is sustainable" not in verdict, verdict
        later = [f"x{s:g}" for s, ok in zip(scales, verdicts, strict=True) if ok]
        assert all(x in verdict for x in later), verdict
    elif first_bad == len(verdicts):
        assert verdict.startswith("No limit within the grid")
    else:
        assert verdict.startswith("Highest sustainable throughput") and f"x{scales[res.limit]:g} " in verdict
