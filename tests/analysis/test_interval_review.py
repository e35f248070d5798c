"""Independent review of the intervals corridor reports (2026-12 review).

Every reference here is computed in the test from the per-replication values, with scipy's t
(``stats.t.ppf`` / ``stats.ttest_rel``), not with ``corridor.kernels.stats``. Runs are small
(toy scenarios, a few replications, well under a second each).

What is checked:

* the gateway shares ``run`` prints and the shares ``compare`` pairs leave out a replication in
  which no container of the flow chose a gateway (the share is undefined there), as the summary
  (``run --json``) does: they averaged it in as 0 for every gateway, so the printed shares of a
  flow add up to less than 100% and differ from ``run --json``'s, and compare adds an exact-zero
  pair that pulls the difference towards 0 and narrows its interval;
* a share whose per-replication value can pass 1 (an airline's ``share_of_market``, "a ratio of
  rates") is printed with its mean inside its printed interval (it read "101 (95-100)");
* a figure averaged over only some of the replications (NaN in the others) says so in ``run``'s
  printed tables, and ``compare``'s summary.json / ``--json`` carries the number of pairs each
  difference is over (the ``kpis`` table has it as ``replications``; the JSON had nothing);
* with one replication there is no interval, so no verdict: ``significant`` is null, not false.
"""

from __future__ import annotations

import math
import re
import textwrap
from types import SimpleNamespace

import numpy as np
import yaml
from scipy import stats
from simulation.test_gateway_choice import TOY

from corridor import simulate
from corridor.scenario.schema import Scenario


def t_interval(values) -> tuple[float, float, float, int]:
    """Mean, low, high and n of the 95% t-interval of the finite ``values`` (scipy's t)."""
    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    n = x.size
    m = float(x.mean())
    h = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - h, m + h, n


def cell(mean: float, low: float, high: float) -> str:
    """A share's cell as run prints it, from the reference: percent, no decimals, the interval
    cut at 0 and 100 when it passes either."""
    if low < 0 or high > 1:
        lo, hi = (100 * min(max(v, 0.0), 1.0) for v in (low, high))
        return f"{100 * mean:.0f} ({lo:.0f}-{hi:.0f})%"
    return f"{100 * mean:.0f} ± {100 * (high - mean):.0f}%"


# --- gateway shares: a replication where no container chose says nothing ---------------------

GATEWAY_REPS = [
    {"flows": {"F": {"created": 2, "gateway_share": {"G1": 1.0}}}},
    {"flows": {"F": {"created": 2, "gateway_share": {"G1": 0.5, "G2": 0.5}}}},
    {"flows": {"F": {"created": 0}}},  # no container: no share of any gateway
    {"flows": {"F": {"created": 5, "gateway_share": {"G1": 0.8, "G2": 0.2}}}},
]


def _shares(reps, flow: str, gate: str) -> list[float]:
    """Per replication that chose: the gateway's share, 0 where others were chosen and not it."""
    return [r["flows"][flow]["gateway_share"].get(gate, 0.0) for r in reps
            if r["flows"][flow].get("gateway_share")]


def test_run_gateway_table_leaves_out_a_replication_where_no_container_chose() -> None:
    from corridor.analysis.kpis import summarise
    from corridor.report.run_text import cargo_tables

    text = "\n".join(cargo_tables(SimpleNamespace(summary=summarise(GATEWAY_REPS), kpis=GATEWAY_REPS)))
    row = next(line for line in text.splitlines() if line.startswith("F "))
    want = []
    for gate in ("G1", "G2"):
        m, lo, hi, n = t_interval(_shares(GATEWAY_REPS, "F", gate))
        assert n == 3
        want.append(cell(m, lo, hi))
    # reference: G1 0.767 over 3 replications, G2 0.233; printed were 57% and 18% (the empty
    # replication averaged in as 0), adding up to 75%
    assert " ".join(row.split()[1:]) == " ".join(want), (row, want)
    # and the same as the summary run --json writes
    s = summarise(GATEWAY_REPS)
    want_g1 = t_interval(_shares(GATEWAY_REPS, "F", "G1"))[0]
    assert math.isclose(s["flows.F.gateway_share.G1"]["mean"], want_g1)


# the two-gateway toy of the gateway tests, over two weeks at 1 FEU a week (a replication may
# make no container), G1's link priced by COST
GW_TOY = (TOY.replace("horizon_days: DAYS", "horizon_days: 14").replace("replications: 1, seed: 9",
                                                                         "replications: 6, seed: 3")
          .replace("cost_usd: 1000", "cost_usd: COST").replace("per_week: 700", "per_week: 1"))


def _gw_toy(cost: int = 1000, name: str = "toy") -> Scenario:
    text = GW_TOY.replace("COST", str(cost)).replace("name: toy", f"name: {name}")
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def test_run_gateway_table_on_a_run_with_a_replication_that_created_nothing() -> None:
    # 1 FEU a week for 14 days: seed 3 has a replication with no container (checked below)
    from corridor.report.run_text import cargo_tables

    result = simulate(_gw_toy(), seed=3)
    assert any(not k["flows"]["F"].get("gateway_share") for k in result.kpis), "precondition"
    assert sum(bool(k["flows"]["F"].get("gateway_share")) for k in result.kpis) >= 2, "precondition"
    text = "\n".join(cargo_tables(result))
    row = next(line for line in text.splitlines() if line.startswith("F "))
    want = [cell(*t_interval(_shares(result.kpis, "F", g))[:3]) for g in ("G1", "G2")]
    # printed 23 (0-50)% and 60 ± 39% where the reference is 28 (0-60)% and 72 (40-100)%
    assert " ".join(row.split()[1:]) == " ".join(want), (row, want)


def test_compare_pairs_gateway_shares_only_where_both_replications_chose() -> None:
    from corridor.analysis.compare import kpi_deltas

    other_reps = [
        {"flows": {"F": {"created": 2, "gateway_share": {"G1": 0.6, "G2": 0.4}}}},
        {"flows": {"F": {"created": 2, "gateway_share": {"G1": 0.5, "G2": 0.5}}}},
        {"flows": {"F": {"created": 0}}},
        {"flows": {"F": {"created": 5, "gateway_share": {"G1": 0.2, "G2": 0.8}}}},
    ]
    base_reps = [{**r, "stations": {}} for r in GATEWAY_REPS]
    other_reps = [{**r, "stations": {}} for r in other_reps]
    base, other = SimpleNamespace(kpis=base_reps), SimpleNamespace(kpis=other_reps)
    deltas = {d.key: d for d in kpi_deltas(base, other)}
    d = deltas["flows.F.gateway_share.G1"]
    both = [i for i in range(4) if GATEWAY_REPS[i]["flows"]["F"].get("gateway_share")
            and other_reps[i]["flows"]["F"].get("gateway_share")]
    a = np.array([GATEWAY_REPS[i]["flows"]["F"]["gateway_share"].get("G1", 0.0) for i in both]) * 100
    b = np.array([other_reps[i]["flows"]["F"]["gateway_share"].get("G1", 0.0) for i in both]) * 100
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    # reference: -33.3 points over 3 pairs, 95% CI -109.2 to 42.6; corridor paired the empty
    # replication as 0 against 0: -25.0 over 4 pairs, -72.7 to 22.7
    assert d.diff.n == len(both) == 3
    assert math.isclose(d.diff.mean, float(np.mean(b - a)), rel_tol=1e-9)
    assert math.isclose(d.diff.low, ci.low, rel_tol=1e-9) and math.isclose(d.diff.high, ci.high, rel_tol=1e-9)
    assert math.isclose(d.base.mean, float(a.mean()), rel_tol=1e-9)


def test_compare_gateway_shares_on_runs_with_a_replication_that_created_nothing() -> None:
    from corridor.analysis.compare import compare

    comp = compare([_gw_toy(), _gw_toy(1100, "toy2")], replications=6, seed=3)
    (deltas,) = comp.kpis.values()
    d = next(x for x in deltas if x.key == "flows.F.gateway_share.G1")
    ka, kb = comp.results[0].kpis, comp.results[1].kpis
    both = [i for i in range(6) if ka[i]["flows"]["F"].get("gateway_share")
            and kb[i]["flows"]["F"].get("gateway_share")]
    assert 2 <= len(both) < 6, "precondition: a replication with no container in it"
    a = np.array([ka[i]["flows"]["F"]["gateway_share"].get("G1", 0.0) for i in both]) * 100
    b = np.array([kb[i]["flows"]["F"]["gateway_share"].get("G1", 0.0) for i in both]) * 100
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert d.diff.n == len(both)
    assert math.isclose(d.diff.mean, float(np.mean(b - a)), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(d.diff.low, ci.low, rel_tol=1e-9) and math.isclose(d.diff.high, ci.high, rel_tol=1e-9)


# --- a share that can pass 1: its printed mean must lie in its printed interval ---------------

PRINTED = re.compile(r"^(-?[\d,.]+) \((-?[\d,.]+)-(-?[\d,.]+)\)%?$")


def test_cut_share_never_prints_a_mean_outside_its_interval() -> None:
    from corridor.report.tables import cut_share

    # share_of_market is a ratio of rates (travellers of the warm-up fly in the window): one
    # replication's value passes 1 where nearly all the market flies, and so may the mean
    for mean, low, high in [(1.0099, 0.9451, 1.0747), (1.03, 0.99, 1.07), (-0.004, -0.02, 0.012)]:
        text = cut_share(mean, low, high)
        assert text is not None
        m, lo, hi = (float(v) for v in PRINTED.match(text).groups())
        assert lo <= m <= hi, f"{text!r}: the mean is outside the interval printed beside it"


def test_airline_share_of_market_cell_holds_its_mean() -> None:
    from analysis.test_airline import _scenario

    from corridor.report.run_text import run_text

    result = simulate(_scenario(), replications=3, seed=6)
    values = [k["airline"]["F"]["share_of_market"] for k in result.kpis]
    m, lo, hi, _ = t_interval(values)
    assert m > 1.005, "precondition: this seed's mean share rounds above 100%"
    lines = run_text(result).splitlines()
    head = next(i for i, x in enumerate(lines) if "share %" in x)  # the airline table
    line = lines[head + 2]  # its first row, under the dashes: F
    assert line.startswith("F "), line
    cells = re.findall(r"(-?\d+) \((-?\d+)-(-?\d+)\)", line)
    assert cells, line  # the share's interval passes 100%: printed cut, as mean (low-high)
    for mean_s, lo_s, hi_s in cells:
        assert float(lo_s) <= float(mean_s) <= float(hi_s), f"{line!r}: a mean outside its printed interval"


# --- figures over some replications only: say how many ---------------------------------------

RARE = """\
name: rare
run: {start: 2027-01-04, horizon_days: 30, warmup_days: 1, drain_days: 1, replications: 4, seed: 2}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC, servers: 1,
     service_time: {dist: exponential, mean_min: 60}}
  - {id: C, name: C, kind: border_station, country: KZ, lat: 45, lon: 82, tz: UTC, servers: 1,
     service_time: {dist: exponential, mean_min: 60}}
services:
  - {id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 1}
  - {id: TRUCK2, mode: road, unit: feu, stops: [A, C], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 1}
demand:
  - {id: F, kind: cargo, from: A, to: B, per_week: FW}
  - {id: G, kind: cargo, from: A, to: C, per_week: 0.3}
"""


def _rare(per_week: int = 84, name: str = "rare") -> Scenario:
    text = RARE.replace("FW", str(per_week)).replace("name: rare", f"name: {name}")
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def test_run_table_says_a_flows_times_are_over_fewer_replications() -> None:
    # flow G (0.3 FEU a week) created no container in 2 of the 4 replications of seed 2: its door
    # to door is undefined there and its mean and interval are over the other 2; the JSON says
    # n = 2, the printed table showed "0.0 (0.0-0.1)" under "mean over replications"
    from corridor.report.run_text import run_text

    result = simulate(_rare(), seed=2)
    have = [k["flows"]["G"]["door_to_door_days"].get("mean") for k in result.kpis]
    n = sum(v is not None and math.isfinite(v) for v in have)
    total = len(result.kpis)
    assert 2 <= n < total, f"precondition: {have}"
    text = run_text(result)
    said = re.search(rf"\b{n}\s*(of|/)\s*{total}\b|\bn\s*=\s*{n}\b", text)
    assert said, f"nothing in run's tables says flow G's times are over {n} of {total} replications"


def test_compare_json_carries_the_pairs_each_difference_is_over() -> None:
    from corridor.analysis.compare import compare
    from corridor.report.compare_out import summary_json

    comp = compare([_rare(), _rare(90, "rare2")], replications=4, seed=2)
    flat = [[k["stations"].get("C", {}).get("mean_wait_min", math.nan) for k in r.kpis] for r in comp.results]
    pairs = sum(math.isfinite(a) and math.isfinite(b) for a, b in zip(*flat, strict=True))
    assert 2 <= pairs < 4, f"precondition: {flat}"
    out = summary_json(comp, {})
    (rows,) = out["kpis"].values()
    row = next(r for r in rows if r["source_kpi"] == "stations.C.mean_wait_min")
    counts = {k: row[k] for k in ("replications", "n", "pairs") if k in row}
    assert pairs in counts.values(), f"summary.json gives no count of the {pairs} pairs: {row}"


# --- one replication: no interval, no verdict --------------------------------------------------

def test_compare_with_one_replication_gives_no_verdict() -> None:
    # JUDGEMENT: with one replication there is no interval; "significant": false reads as "no
    # effect found" (here the wait at B rises by 3.3 h), where the truthful answer is "not
    # judged" (null), as the JSON already says for a KPI with no difference
    from corridor.analysis.compare import compare
    from corridor.report.compare_out import summary_json

    comp = compare([_rare(), _rare(140, "rare2")], replications=1, seed=2)
    (rows,) = summary_json(comp, {})["kpis"].values()
    row = next(r for r in rows if r["source_kpi"] == "stations.B.mean_wait_min")
    assert row["ci_low"] is None and row["ci_high"] is None
    assert row["difference"] != 0
    assert row["significant"] is None, row


def test_the_fewer_replications_line_names_the_figures_it_means() -> None:
    # poland_closure_2025 (3 replications) said "service BLK-DOSTYK-BREST 2 of 3" under a services
    # table whose trips and units for it are over all 3 (0 where it ran none): only its load
    # factor is over 2
    from corridor.report.run_text import _fewer_replications

    summary = {"services.S.trips": {"n": 3}, "services.S.carried": {"n": 3},
               "services.S.load_factor": {"n": 2}, "services.S.on_time_share": {"n": 0}}
    result = type("R", (), {"kpis": [{"services": {"S": {}}}] * 3, "summary": summary})
    assert _fewer_replications(result) == \
        "Over fewer replications (undefined in the others): service S 2 of 3 (load_factor)."
