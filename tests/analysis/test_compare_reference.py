"""``compare``'s paired differences against scipy: for every KPI it reports, the per-replication
values of both scenarios (the unit KPIs from kpi_reference's plain loop, the stations' waits
from the replications' own KPIs), paired replication by replication over those both have, in
the unit the KPI is shown in (converted here from the unit word of its name), and scipy's
paired t-test interval and p-value; on small random scenarios against a variant that changes a
running time, a capacity, a station, a flow's demand, or nothing."""

from __future__ import annotations

import copy
import math
import statistics

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_reference import reference_kpis, small_scenario, vehicle_co2
from scipy import stats

from corridor.analysis.compare import compare
from corridor.analysis.kpis import flatten
from corridor.scenario.schema import Scenario

#: (the unit word that ends a KPI's name, the unit it is shown in): the factor between them
FACTORS = {("_h", "h"): 1.0, ("_days", "h"): 24.0, ("_min", "h"): 1 / 60, ("_days", "days"): 1.0,
           ("_share", "%"): 100.0, ("_rate", "%"): 100.0, ("_usd", "M USD"): 1e-6, ("_t", "t"): 1.0,
           ("_per_week", "FEU/wk"): 1.0}


def factor(key: str, unit: str) -> float:
    parts = key.split(".")
    name = parts[-2] if parts[-1] in ("mean", "p50", "p95") else parts[-1]
    found = [f for (word, shown), f in FACTORS.items() if shown == unit and name.endswith(word)]
    assert len(found) == 1, (key, unit)
    return found[0]


def variant(data: dict, change: str, draw: st.DataObject) -> dict:
    other = copy.deepcopy(data)
    services = other["services"]
    if change == "running time":
        s = draw.draw(st.sampled_from(services))
        s["duration_min"] = max(10, s["duration_min"] + draw.draw(st.sampled_from([-30, 45, 600])))
    elif change == "capacity":
        s = draw.draw(st.sampled_from(services))
        s["capacity"] = draw.draw(st.integers(1, 12))
    elif change == "station":
        station = next(p for p in other["places"] if "servers" in p)
        station["servers"] = 3 - station["servers"]
    elif change == "demand":
        flow = draw.draw(st.sampled_from(other["demand"]))
        flow["per_week"] = flow["per_week"] * 2
    other["name"] = "other"
    return other


def paired(a: list[float], b: list[float]) -> tuple[float, float, float, float, int]:
    """Mean of b - a over the pairs both have, its 95% interval and the paired t-test's p-value."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if math.isfinite(x) and math.isfinite(y)]
    # a difference within rounding of the values is none (the documented rule): the reference's
    # plain loops sum in another order than the run's KPIs, so two equal values may differ in
    # their last bits, the same in every replication, and a zero-width interval would leave out 0
    d = [0.0 if abs(y - x) <= 1e-12 * max(abs(x), abs(y)) else y - x for x, y in pairs]
    mean = statistics.fmean(d)
    if len(d) == 1:
        return mean, -math.inf, math.inf, math.nan, 1
    if statistics.stdev(d) == 0:
        return mean, mean, mean, (1.0 if mean == 0 else 0.0), len(d)
    test = stats.ttest_1samp(d, 0.0)
    ci = test.confidence_interval(0.95)
    return mean, float(ci.low), float(ci.high), float(test.pvalue), len(d)


def mix_held(base: list[dict[str, float]], new: list[dict[str, float]], flows: list[str],
             hours: bool) -> tuple[list[float], list[float]]:
    """Door to door over ``flows`` with the base's mix held, replication by replication: each
    flow's mean in either scenario weighted by the base's units delivered, over the flows both
    deliver (docs/simulation.md, Comparing scenarios)."""
    a, b = [], []
    for x, y in zip(base, new, strict=True):
        kept = [f for f in flows if x.get(f"flows.{f}.door_to_door_days.n", 0) > 0
                and y.get(f"flows.{f}.door_to_door_days.n", 0) > 0]
        n = [x[f"flows.{f}.door_to_door_days.n"] for f in kept]
        scale = 24.0 if hours else 1.0
        a.append(sum(w * x[f"flows.{f}.door_to_door_days.mean"] * scale for w, f in zip(n, kept, strict=True))
                 / sum(n) if kept else math.nan)
        b.append(sum(w * y[f"flows.{f}.door_to_door_days.mean"] * scale for w, f in zip(n, kept, strict=True))
                 / sum(n) if kept else math.nan)
    return a, b


def per_replication(result, data: dict) -> list[dict[str, float]]:  # noqa: ANN001
    """Every replication's KPIs: the unit KPIs and the vehicles' CO2 from the reference, the
    rest (stations) as run."""
    out = []
    for rec, kpis in zip(result.records, result.kpis, strict=True):
        flat = flatten(kpis)
        out.append({**{k: v for k, v in flat.items() if k.startswith("stations.")}, **reference_kpis(rec),
                    **vehicle_co2(rec, data)})
    return out


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy, on near-equal pairs
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenario(), st.sampled_from(["running time", "capacity", "station", "demand", "nothing"]),
       st.data())
def test_paired_differences_are_scipys(data, change, draw) -> None:  # noqa: ANN001
    other = variant(data, change, draw)
    comp = compare([Scenario.model_validate(data), Scenario.model_validate(other)], profiles=False)
    base, new = (per_replication(r, d) for r, d in zip(comp.results, (data, other), strict=True))
    pax = {f["id"] for f in data["demand"] if f["kind"] == "passenger"}
    deltas = comp.kpis["other"]
    seen = set()
    for d in deltas:
        if d.key.startswith("flows."):
            assert d.unit == ("h" if d.key.split(".")[1] in pax else "days"), d.key
        if d.key.endswith(".base_mix"):  # the demand changed: the base's mix of flows held
            hours = d.key.startswith("passengers.")
            a, b = mix_held(base, new, [f["id"] for f in data["demand"] if (f["id"] in pax) == hours], hours)
        else:
            scale = factor(d.key, d.unit)
            a = [r.get(d.key, math.nan) * scale for r in base]
            b = [r.get(d.key, math.nan) * scale for r in new]
        both = [(x, y) for x, y in zip(a, b, strict=True) if math.isfinite(x) and math.isfinite(y)]
        seen.add(d.key)
        if not both:  # defined in one scenario only: its value there, no difference, no verdict
            assert d.diff.n == 0 and math.isnan(d.diff.mean) and not d.significant, d.key
            for side, values in ((d.base, a), (d.other, b)):
                finite = [x for x in values if math.isfinite(x)]
                assert side.n == len(finite), d.key
                assert side.mean == pytest.approx(statistics.fmean(finite), rel=1e-9, abs=1e-12) \
                    if finite else math.isnan(side.mean), d.key
            continue
        mean, low, high, p, n = paired(a, b)
        assert d.diff.n == n, d.key
        assert d.diff.mean == pytest.approx(mean, rel=1e-9, abs=1e-9), d.key
        assert (d.diff.low, d.diff.high) == pytest.approx((low, high), rel=1e-7, abs=1e-9), d.key
        assert d.base.mean == pytest.approx(statistics.fmean(x for x, _ in both), rel=1e-9, abs=1e-12)
        assert d.other.mean == pytest.approx(statistics.fmean(y for _, y in both), rel=1e-9, abs=1e-12)
        if n >= 2:
            assert d.significant == (p < 0.05), (d.key, p, d.diff)
        else:
            assert not d.significant
    # every headline KPI, flow and station that either scenario has in some replication is listed
    # (a rate of no units is NaN, undefined: one that neither has is left out)
    flows = [f"flows.{f['id']}.door_to_door_days.mean" for f in data["demand"]]
    stations = {k for r in base for k in r if k.startswith("stations.") and k.endswith(".mean_wait_min")}
    wanted = ["passengers.door_to_door_h.mean", "passengers.on_the_way_h.mean",
              "passengers.missed_connection_rate", "passengers.undelivered_share",
              "cargo.transit_days.mean", "cargo.door_to_door_days.mean", "cargo.feu_per_week",
              "cargo.undelivered_share", "totals.cost_usd", "totals.co2_t", "totals.vehicle_co2_t", *flows,
              *sorted(stations)]
    for key in wanted:
        has = any(math.isfinite(x.get(key, math.nan)) or math.isfinite(y.get(key, math.nan))
                  for x, y in zip(base, new, strict=True))
        assert (key in seen) == has, key
    # with the base's mix held: where a flow of the kind changed its demand and both deliver one
    changed = {f["id"] for f, g in zip(data["demand"], other["demand"], strict=True) if f != g}
    for key, hours in (("passengers.door_to_door_h.base_mix", True),
                       ("cargo.door_to_door_days.base_mix", False)):
        kind = [f["id"] for f in data["demand"] if (f["id"] in pax) == hours]
        has = bool(changed & set(kind)) and any(math.isfinite(x) for x in mix_held(base, new, kind, hours)[0])
        assert (key in seen) == has, key
    if change == "nothing":
        assert all(d.diff.mean == 0 and not d.significant for d in deltas if d.compared)
    frame = comp.to_frame("kpis")
    # NaN where there is no difference (equal to NaN here)
    np.testing.assert_array_equal(frame["difference"], [d.diff.mean for d in deltas])
    np.testing.assert_array_equal(frame["ci_low"], [d.diff.low for d in deltas])
