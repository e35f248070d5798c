"""Scenario comparison: common random numbers, the paired interval, a known difference, and
the report a person reads."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from chromium import headless

from conftest import SCENARIOS
from corridor.analysis.compare import compare
from corridor.cli import main
from corridor.kernels import paired_difference
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario


def short(name: str, days: int = 21) -> Scenario:
    s = load_scenario(SCENARIOS / name)
    run = s.run.model_copy(update={"horizon_days": days, "warmup_days": 7, "drain_days": 14})
    return s.model_copy(update={"run": run})


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    s = short("baseline.yaml")
    comp = compare([s, s], replications=3)
    deltas = comp.kpis[comp.names[1]]
    assert len(deltas) > 10
    for d in deltas:
        # a KPI seen in one replication only (the weekly Middle Corridor block on a 21-day
        # run) has no interval: its difference is still exactly zero
        assert d.diff.mean == 0.0 and (d.diff.half_width == 0.0 or d.diff.n < 2), d.key
        assert not d.significant
    assert comp.names == ["baseline", "baseline (2)"]
    assert all(p.improved_share == 0.0 for p in comp.profiles[comp.names[1]])


def test_a_comparison_without_demand_says_so() -> None:
    text = textwrap.dedent(ONE_FLIGHT.replace("NAME", "idle").replace("DURATION", "480"))
    idle = Scenario.model_validate({k: v for k, v in yaml.safe_load(text).items() if k != "demand"})
    comp = compare([idle, idle], replications=2)
    # the headline was "idle (2) against idle: ." with nothing between
    assert comp.headline == ("idle (2) against idle: no door-to-door times to compare "
                             "(no units delivered in both).")


def test_paired_interval_is_the_textbook_one() -> None:
    # d = b - a = [1, 0.5, 1.5, 1]: mean 1, s = sqrt(0.5 / 3), t(0.975, 3) = 3.182446305 (tables)
    est = paired_difference([1.0, 2.0, 3.0, 4.0], [2.0, 2.5, 4.5, 5.0])
    half = 3.182446305 * np.sqrt(0.5 / 3) / np.sqrt(4)
    assert est.mean == pytest.approx(1.0)
    assert est.half_width == pytest.approx(half, rel=1e-8)
    assert (est.low, est.high) == pytest.approx((1 - half, 1 + half), rel=1e-8)


ONE_FLIGHT = """\
name: NAME
run: {start: 2027-03-01, horizon_days: 28, warmup_days: 0, drain_days: 3, replications: 4, seed: 5}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ, checkin_min: 120}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
services:
  - {id: DIRECT, mode: air, unit: pax, stops: [NQZ, VNO], timetable: {times: ["09:00"]},
     duration_min: DURATION, capacity: 500, cost_usd: 300, co2_kg: 400}
demand:
  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 100}
"""


def one_flight(name: str, duration: int) -> Scenario:
    text = ONE_FLIGHT.replace("NAME", name).replace("DURATION", str(duration))
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def test_the_window_line_gives_each_scenarios_own_length_when_they_differ() -> None:
    # compare baseline poland_closure_2025 said "totals are sums over the statistics window (56
    # days ...)" of both, though the second's window is 50 days: its totals read as 56 days'
    from corridor.report.compare_text import compare_text

    other = one_flight("short", 480).model_copy(update={"run": one_flight("short", 480).run.model_copy(
        update={"horizon_days": 21})})
    text = compare_text(compare([one_flight("long", 480), other], replications=2))
    assert "statistics window (28 days in long, 21 days in short, warm-up" in " ".join(text.split())
    same = compare_text(compare([one_flight("slow", 480), one_flight("fast", 420)], replications=2))
    assert "statistics window (28 days, warm-up" in " ".join(same.split())


def test_a_service_made_60_minutes_faster_is_reported_as_such() -> None:
    comp = compare([one_flight("slow", 480), one_flight("fast", 420)])
    deltas = {d.key: d for d in comp.kpis["fast"]}
    door = deltas["passengers.door_to_door_h.mean"]
    assert door.diff.mean == pytest.approx(-1.0, abs=1e-9)  # every passenger, every replication
    assert door.diff.half_width == pytest.approx(0.0, abs=1e-9)
    assert door.significant or door.diff.half_width == pytest.approx(0.0, abs=1e-9)
    profile = next(p for p in comp.profiles["fast"] if p.origin == "NQZ")
    assert profile.improved_share == 1.0 and profile.mean_gain_min == pytest.approx(60.0)
    assert profile.base["mean_min"] - profile.other["mean_min"] == pytest.approx(60.0)
    assert "passengers spend 1.00 h less" in comp.headline
    frame = comp.to_frame("kpis")
    assert {"base", "scenario", "kpi", "difference", "ci_low", "ci_high", "significant"} <= set(frame.columns)
    # a boolean column, missing where nothing is compared (it held True/False/None objects)
    assert frame["significant"].dtype == "boolean"
    # per-service results against the unit records: every passenger rides one DIRECT flight
    services = comp.to_frame("services")
    for res, name in zip(comp.results, comp.names, strict=True):
        for rec in res.records:
            row = services[(services["scenario"] == name)
                           & (services["replication"] == rec.replication)].iloc[0]
            left = rec.units["first_departure_min"]
            rode = np.isfinite(left) & (left < rec.horizon_min)
            assert row["carried"] == rode.sum() > 0
            assert row["revenue_usd"] == pytest.approx(300.0 * rode.sum())
            assert row["trips"] == 28  # daily over 28 days
            # one leg, room for all: each flight's peak load is what boarded it
            assert row["load_factor"] == pytest.approx(rode.sum() / 28 / 500)
    monthly = comp.to_frame("services_by_month")
    assert set(monthly["month"]) == {"2027-03"} and set(monthly["service"]) == {"DIRECT"}
    # 28 daily flights in March, each replication: the months add up to the whole
    assert (monthly.groupby(["scenario", "replication"])["trips"].sum() == 28).all()
    prof = comp.to_frame("profiles")
    assert str(prof["depart_utc"].dt.tz) == "UTC" and len(prof) == 2 * 7 * 1440
    assert prof["depart_local"].iloc[0] == "2027-03-01T00:00:00+05:00"


def test_compare_cli_writes_a_report_that_renders(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = tmp_path / "cmp"
    for name, minutes in (("slow", 480), ("fast", 420)):
        text = ONE_FLIGHT.replace("NAME", name).replace("DURATION", str(minutes))
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text) + "# ASSUMPTION: demand\n")
    assert main(["compare", str(tmp_path / "slow.yaml"), str(tmp_path / "fast.yaml"),
                 "--replications", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("fast against slow: passengers spend 1.00 h less")
    shown = [line for line in text.splitlines() if not line.startswith("wrote ")]  # a path may be long
    assert max(len(line) for line in shown) <= 100  # fits the terminal
    # the totals' period and what a flow's row measures are said (read as weekly, and unlabelled)
    assert "window: totals are sums over the statistics window (" in text
    assert any(line.lstrip().startswith("P door to door") for line in shown), text
    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert {"summary.json", "report.html", "tables/kpis.csv", "tables/kpis.parquet", "tables/units.csv",
            "tables/profiles.parquet", "plots/door_to_door_cdf.png", "plots/week_profiles.png"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 5 and summary["version"] and len(summary["files"]) == 2
    page = (out / "report.html").read_text()
    assert "ASSUMPTION: demand" in page and "spend 1.00 h less" in page
    assert page.count("data:image/png;base64,") >= 2
    for external in ("http://", "https://", "//cdn", "@import", "src=\"/", "url("):
        assert external not in page, external
    import pandas as pd

    units = pd.read_csv(out / "tables" / "units.csv")
    assert set(units["scenario"]) == {"slow", "fast"} and set(units["replication"]) == {0, 1}
    assert units["created_local"].str.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+05:00").all()
    shot = tmp_path / "report.png"
    headless(tmp_path / "profile", "--window-size=1200,3000", f"--screenshot={shot}",
             (out / "report.html").as_uri())
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] == 3000 and pixels.shape[1] == 1200
    # the plots drew: matplotlib's first two line colours (blue #1f77b4, orange #ff7f0e) are on the page
    blue = np.all(np.abs(pixels - np.array([0x1F, 0x77, 0xB4]) / 255) < 0.06, axis=-1)
    orange = np.all(np.abs(pixels - np.array([0xFF, 0x7F, 0x0E]) / 255) < 0.06, axis=-1)
    assert blue.sum() > 200 and orange.sum() > 200


def test_one_replication_gives_strict_json(tmp_path: Path, capsys) -> None:
    for name, minutes in (("slow", 480), ("fast", 420)):
        text = ONE_FLIGHT.replace("NAME", name).replace("DURATION", str(minutes))
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text))
    assert main(["compare", str(tmp_path / "slow.yaml"), str(tmp_path / "fast.yaml"),
                 "--replications", "1", "--json", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text and "NaN" not in text
    first = json.loads(text)["kpis"]["fast"][0]
    assert first["difference"] == pytest.approx(-1.0) and first["ci_low"] is None


def test_a_comparison_says_when_it_is_not_like_for_like() -> None:
    import datetime as dt

    from corridor.analysis.compare import unlike

    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert unlike(base, base, "base") == []
    later = base.model_copy(update={"run": base.run.model_copy(update={"start": dt.date(2025, 8, 1)})})
    (period,) = unlike(base, later, "base")
    assert "not the same period as base" in period and "2025-08-01" in period
    more = base.model_copy(update={"demand": [f.model_copy(update={"per_week": f.per_week * 1.5})
                                              if f.id == "FEU-XIAN-DUISBURG" else f for f in base.demand]})
    (demand,) = unlike(base, more, "base")
    assert "FEU-XIAN-DUISBURG" in demand and "PAX" not in demand
    # the shipped closure scenarios are flagged for what they change besides the closure
    kena, poland = (load_scenario(SCENARIOS / f) for f in ("kena_closure.yaml", "poland_closure_2025.yaml"))
    assert any("demand differs" in w for w in unlike(base, kena, "b"))
    assert any("period" in w for w in unlike(base, poland, "b"))
    # more gateways to choose from is the change compared, not other demand
    assert unlike(base, load_scenario(SCENARIOS / "kaunas_gateway.yaml"), "b") == []


def test_a_flow_id_that_names_another_flow_in_the_other_scenario_is_not_paired() -> None:
    # X is NQZ -> VNO in the base and VNO -> NQZ, on a slower flight, in the other: by its id
    # alone the mix-held door to door paired the two, and the headline read their difference
    # as the change; P is one flow, an hour faster in every replication
    back = ("  - {id: BACK, mode: air, unit: pax, stops: [VNO, NQZ], timetable: {times: [\"12:00\"]},\n"
            "     duration_min: 600, capacity: 500, cost_usd: 300, co2_kg: 400}\n")

    def scenario(name: str, duration: int, x_from: str, x_to: str) -> Scenario:
        text = ONE_FLIGHT.replace("NAME", name).replace("DURATION", str(duration))
        text = text.replace("demand:\n", back + "demand:\n")
        text += f"  - {{id: X, kind: passenger, from: {x_from}, to: {x_to}, per_week: 100}}\n"
        return Scenario.model_validate(yaml.safe_load(text))

    comp = compare([scenario("slow", 480, "NQZ", "VNO"), scenario("fast", 420, "VNO", "NQZ")], replications=3)
    deltas = {d.key: d for d in comp.kpis["fast"]}
    assert "flows.X.door_to_door_days.mean" not in deltas and "flows.P.door_to_door_days.mean" in deltas
    held = deltas["passengers.door_to_door_h.base_mix"]
    assert held.diff.mean == pytest.approx(-1.0, abs=1e-9)
    assert held.diff.half_width == pytest.approx(0.0, abs=1e-9)
    assert "passengers spend 1.00 h less" in comp.headline, comp.headline
    said = " ".join(" ".join(comp.warnings["fast"]).split())
    assert "its flow X is another flow than slow's of that id (passengers VNO -> NQZ here, passengers " \
           "NQZ -> VNO in slow): the two are not paired" in said, said


def test_a_flow_is_a_passenger_flow_by_the_two_scenarios_compared_not_a_third() -> None:
    # X carries containers in slow and fast (more of them in fast), and passengers in a third
    # scenario: comparing slow with fast, X is cargo, its row in days, and its change of rate
    # calls for the containers' mix-held figure, not the passengers' (where its days read as
    # hours)
    freight = ("  - {id: FREIGHT, mode: rail, unit: feu, stops: [NQZ, VNO],\n"
               "     timetable: {times: [\"10:00\"]}, duration_min: 4000, capacity: 100}\n")

    def scenario(name: str, duration: int, kind: str, per_week: int) -> Scenario:
        text = ONE_FLIGHT.replace("NAME", name).replace("DURATION", str(duration))
        text = text.replace("demand:\n", freight + "demand:\n")
        text += f"  - {{id: X, kind: {kind}, from: NQZ, to: VNO, per_week: {per_week}}}\n"
        return Scenario.model_validate(yaml.safe_load(text))

    comp = compare([scenario("slow", 480, "cargo", 50), scenario("fast", 420, "cargo", 60),
                    scenario("third", 480, "passenger", 50)], replications=2)
    deltas = {d.key: d for d in comp.kpis["fast"]}
    assert deltas["flows.X.door_to_door_days.mean"].unit == "days"
    assert deltas["flows.P.door_to_door_days.mean"].diff.mean == pytest.approx(-1.0, abs=1e-9)
    assert "cargo.door_to_door_days.base_mix" in deltas
    assert "passengers.door_to_door_h.base_mix" not in deltas


def test_a_significant_difference_too_small_for_two_decimals_shows_its_digits() -> None:
    # compare baseline malaszewicze_works: FEU-XIAN-VILNIUS -0.0013 days (-0.0024 to -0.00014),
    # significant, printed as "0.00  0.00 to 0.00  yes"
    from types import SimpleNamespace

    from corridor.kernels.stats import Estimate
    from corridor.report.compare_text import kpi_rows

    def delta(diff: Estimate, significant: bool) -> SimpleNamespace:
        return SimpleNamespace(label="FEU-XIAN-VILNIUS", unit="days", base=Estimate(10.7537, 0.1, 5, 0.95),
                               other=Estimate(10.7524, 0.1, 5, 0.95), diff=diff, significant=significant)

    tiny = Estimate(-0.0012876, 0.0011482, 5, 0.95)
    row = kpi_rows([delta(tiny, True)])[0]
    assert row[4:] == ["-0.0013", "-0.0024 to -0.00014", "yes"]
    # not significant, or large enough to show: as before
    assert kpi_rows([delta(tiny, False)])[0][4:] == ["0.00", "0.00 to 0.00", "no"]
    assert kpi_rows([delta(Estimate(0.24, 0.34, 5, 0.95), False)])[0][4:] == ["0.24", "-0.10 to 0.58", "no"]
    # a difference of 0 in every replication has no interval: "0.00 to 0.00" read as certain
    # (a count of delivered containers moved by a few is 0 in most replications)
    assert kpi_rows([delta(Estimate(0.0, 0.0, 5, 0.95), False)])[0][4:] == ["0.00", "0 in all 5", "no"]
    # nor has one the same in every replication, but for rounding (the CO2 of vehicles run)
    same = Estimate(2578.96, 2578.96 * 1e-13, 5, 0.95)
    assert kpi_rows([delta(same, True)])[0][4:] == ["2,578.96", "2,578.96 in all 5", "yes"]


def test_a_difference_that_rounds_to_nothing_is_not_told_as_a_change() -> None:
    # the direct flight's compare said "containers spend 0.00 days less" of a difference of
    # a few seconds, not significant; a real change keeps its wording
    from corridor.analysis.compare import KpiDelta, _sentence
    from corridor.kernels.stats import Estimate

    def delta(mean: float, half: float) -> KpiDelta:
        return KpiDelta("cargo.door_to_door_days.mean", "containers", "days", Estimate(16.5, 0.1, 5, 0.95),
                        Estimate(16.5 + mean, 0.1, 5, 0.95), Estimate(mean, half, 5, 0.95))

    tiny = _sentence("containers", delta(-3e-5, 4e-4), "days")
    assert "about the same" in tiny and "0.00 days less" not in tiny and "not significant" in tiny
    real = _sentence("containers", delta(-0.4, 0.1), "days")
    assert real.startswith("containers spend 0.40 days less") and ", significant)" in real
    assert "about the same" not in _sentence("containers", delta(0.003, 0.001), "days")  # significant


def test_a_small_change_shows_its_ends_to_the_hundredth() -> None:
    # compare baseline kaunas_daily (10 replications) said "containers spend 0.05 days less door
    # to door (17.2 -> 17.2 days; ...)": the ends, to 0.1, hid the change the sentence told
    from corridor.analysis.compare import KpiDelta, _sentence
    from corridor.kernels.stats import Estimate

    def delta(base: float, mean: float) -> KpiDelta:
        return KpiDelta("cargo.door_to_door_days.mean", "containers", "days", Estimate(base, 0.1, 10, 0.95),
                        Estimate(base + mean, 0.1, 10, 0.95), Estimate(mean, 0.07, 10, 0.95))

    assert "(17.23 -> 17.17 days;" in _sentence("containers", delta(17.23, -0.06), "days")
    assert "(17.12 -> 17.17 days;" in _sentence("containers", delta(17.12, 0.05), "days")
    assert "(16.5 -> 16.9 days;" in _sentence("containers", delta(16.5, 0.4), "days")  # 0.1 or more


def test_an_unchanged_time_says_which_time_it_is() -> None:
    # compare baseline direct_flight said "containers unchanged at 17.6 days": door to door
    # (cargo.door_to_door_days), not the 16.8 days in transit a reader of the table next to it
    # could take it for; a change already said "door to door"
    from corridor.analysis.compare import KpiDelta, _sentence
    from corridor.kernels.stats import Estimate

    same, zero = Estimate(17.6, 0.5, 3, 0.95), Estimate(0.0, 0.0, 3, 0.95)
    d = KpiDelta("cargo.door_to_door_days.mean", "containers", "days", same, same, zero)
    assert _sentence("containers", d, "days") == \
        "containers unchanged at 17.6 days door to door in all 3 replications"


def test_the_headline_names_the_station_whose_wait_changes_most() -> None:
    # compare baseline malaszewicze_works headlined "containers ... not significant" while the
    # wait at Malaszewicze went from 50 to 212 h: the flows that go round it hid the jam
    from corridor.analysis.compare import KpiDelta, _biggest_wait_change
    from corridor.kernels.stats import Estimate

    def wait(place: str, base: float, other: float, half: float) -> KpiDelta:
        return KpiDelta(f"stations.{place}.mean_wait_min", f"wait at {place}", "h",
                        Estimate(base, 1.0, 5, 0.95), Estimate(other, 1.0, 5, 0.95),
                        Estimate(other - base, half, 5, 0.95))

    noisy = wait("KENA", 10.0, 90.0, 100.0)  # the biggest change, but its interval holds 0
    small = wait("BREST", 2.0, 2.5, 0.1)  # significant, but under an hour
    jam = wait("MALASZEWICZE", 50.4, 212.0, 26.1)
    assert _biggest_wait_change([noisy, small, jam]).startswith("the wait at MALASZEWICZE changes most: "
                                                                "50.4 -> 212.0 h")
    assert _biggest_wait_change([noisy, small]) == ""
    freed = wait("BRUZGI", 30.0, 5.0, 3.0)
    assert "BRUZGI" in _biggest_wait_change([small, freed])  # a wait that falls is told too
    # and the headline tells it
    from corridor.analysis.compare import Comparison, headline

    comp = Comparison(["baseline", "works"], [], [], {"works": [noisy, small, jam]}, {})
    assert "the wait at MALASZEWICZE changes most: 50.4 -> 212.0 h" in headline(comp)


def test_a_warning_both_runs_give_is_said_once() -> None:
    # compare baseline direct_flight printed Malaszewicze's jam (the outside traffic's, whatever
    # the scenario) twice, five lines each, and headlined the flight "Read with care"
    from corridor.analysis.compare import Comparison, headline
    from corridor.report.compare_text import shared_warnings

    jam = "MALASZEWICZE: the queue grew without bound in 2 of 2 replications"
    same = Comparison(["baseline", "flight"], [], [], {"flight": []}, {},
                      warnings={"baseline": [jam], "flight": [jam]})
    assert headline(same).endswith("Both runs gave the same warnings, listed below.")
    assert shared_warnings(same.warnings) == [(["baseline", "flight"], jam)]
    more = Comparison(["baseline", "flight"], [], [], {"flight": []}, {},
                      warnings={"baseline": [jam], "flight": [jam, "KC-NQZ-VNO: 3 trips cancelled"]})
    assert headline(more).endswith("Read with care: the runs gave warnings, listed below.")
    assert shared_warnings(more.warnings)[1] == (["flight"], "KC-NQZ-VNO: 3 trips cancelled")
    calm = Comparison(["baseline", "flight"], [], [], {"flight": []}, {})
    assert "warnings" not in headline(calm)


def test_passengers_left_stranded_are_a_compared_kpi() -> None:
    # the flight closed for the whole run strands every passenger: the KPI table had no
    # passenger row at all (door-to-door times need units delivered in both), only
    # "containers undelivered", so the one change that mattered was not in it
    base = one_flight("open", 480)
    closure = {"id": "SHUT", "target": "DIRECT", "start": "2027-02-01T00:00:00+00:00",
               "end": "2027-05-01T00:00:00+00:00"}
    shut = Scenario.model_validate({**base.model_dump(by_alias=True, exclude_none=True), "name": "shut",
                                    "disruptions": [closure]})
    comp = compare([base, shut], replications=2)
    stranded = {d.key: d for d in comp.kpis["shut"]}["passengers.undelivered_share"]
    assert stranded.unit == "%" and stranded.base.mean == 0.0 and stranded.other.mean == 100.0


def test_compare_gives_each_gateways_share_counting_one_nobody_chose_as_zero() -> None:
    # baseline against kaunas_gateway: per Duisburg flow, a row per gateway of either, with the
    # shares found again from the containers' chosen gateways (created after the warm-up), and
    # Kaunas at 0 in the baseline, where it is no option
    base, kaunas = (load_scenario(SCENARIOS / f) for f in ("baseline.yaml", "kaunas_gateway.yaml"))
    comp = compare([base, kaunas], replications=2, profiles=False)
    rows = {d.label: d for d in comp.kpis["kaunas_gateway"] if " via " in d.label}
    for flow in ("FEU-XIAN-DUISBURG", "FEU-CHONGQING-DUISBURG"):
        gates = sorted(label.split(" via ")[1] for label in rows if label.startswith(flow + " "))
        assert gates == ["BRANIEWO", "KAUNAS_KIT", "KUZNICA", "MALASZEWICZE", "SESTOKAI", "SIEMIANOWKA"]
        for result, side in zip(comp.results, ("base", "other"), strict=True):
            shares = {g: [] for g in gates}
            for rec in result.records:
                u = rec.units
                mine = (u["flow"] == rec.flows.index(flow)) & (u["created_min"] >= rec.warmup_min)
                took = u["gateway"][mine]
                took = took[took >= 0]
                for g in gates:
                    shares[g].append(100 * np.mean(took == rec.places.index(g)))
            for g in gates:
                assert getattr(rows[f"{flow} via {g}"], side).mean == pytest.approx(np.mean(shares[g]))
        assert rows[f"{flow} via KAUNAS_KIT"].base.mean == 0.0
        assert sum(rows[f"{flow} via {g}"].other.mean for g in gates) == pytest.approx(100.0)
    # a flow with one gateway (Xi'an - Vilnius by Kena) has no row: 100% on both sides says nothing
    assert not any(label.startswith("FEU-XIAN-VILNIUS via") for label in rows)


def test_the_headline_says_what_share_a_new_gateway_takes() -> None:
    from corridor.analysis.compare import Comparison, KpiDelta, headline
    from corridor.kernels.stats import Estimate as E

    # kaunas_gateway's question is Kaunas's share: the headline said only door-to-door times,
    # and the share was a row among 40 in the KPI table
    zero = E(0.0, 0.0, 5, 0.95)
    new = KpiDelta("flows.F.gateway_share.KIT", "F via KIT", "%", zero, E(3.44, 3.2, 5, 0.95),
                   E(3.44, 3.2, 5, 0.95))
    old = KpiDelta("flows.F.gateway_share.B", "F via B", "%", E(40.0, 3.0, 5, 0.95),
                   E(37.0, 3.0, 5, 0.95), E(-3.0, 4.0, 5, 0.95))
    none = KpiDelta("flows.F.gateway_share.C", "F via C", "%", zero, zero, zero)
    comp = Comparison(["base", "other"], [], [], {"other": [old, new, none]}, {})
    text = headline(comp)
    assert ("KIT, which no container took in base, takes 3.4% of F (95% CI of the difference +0.2 "
            "to +6.6, significant)") in text
    assert " B," not in text and " C," not in text


# passengers on a flight too small for them, containers on a train that cannot take them all
# and takes three days: some of each undelivered, by a share that varies by replication
MIXED = """\
name: mixed
run: {start: 2027-03-01, horizon_days: 10, warmup_days: 2, drain_days: 1, replications: 3, seed: 3}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 82, tz: UTC}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
services:
  - {id: DIRECT, mode: air, unit: pax, stops: [NQZ, VNO], timetable: {times: ["09:00"]},
     duration_min: 480, capacity: 10, cost_usd: 300}
  - {id: T, mode: rail, unit: feu, stops: [A, Z], timetable: {times: ["12:00"]}, duration_min: 4320,
     capacity: 5, cost_usd: 900}
demand:
  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 100}
  - {id: F, kind: cargo, from: A, to: Z, per_week: 30}
"""


def mixed(name: str, keep: tuple[str, ...] = ("P", "F")) -> Scenario:
    data = yaml.safe_load(MIXED)
    data["name"] = name
    data["demand"] = [f for f in data["demand"] if f["id"] in keep]
    return Scenario.model_validate(data)


def test_a_rate_of_units_a_scenario_has_none_of_is_undefined_not_zero() -> None:
    # the scenario without passengers had a missed-connection rate and a share undelivered of
    # 0.00%, and compare set them against the base's as a change ("14.70  0.00  -14.70")
    from corridor.report.compare_out import summary_json
    from corridor.report.compare_text import kpi_rows

    comp = compare([mixed("mixed"), mixed("nopax", keep=("F",))], profiles=False)
    for kpis in comp.results[1].kpis:
        pax = kpis["passengers"]
        assert pax["created"] == pax["undelivered"] == 0  # counts stay 0
        assert np.isnan(pax["missed_connection_rate"]) and np.isnan(pax["undelivered_share"])
    assert comp.results[1].summary["passengers.missed_connection_rate"]["n"] == 0
    deltas = {d.key: d for d in comp.kpis["nopax"]}
    for key in ("passengers.missed_connection_rate", "passengers.undelivered_share",
                "passengers.door_to_door_h.mean"):
        d = deltas[key]
        assert np.isfinite(d.base.mean) and np.isnan(d.other.mean), key  # listed, with the base's value
        assert d.diff.n == 0 and not d.significant and d.verdict is None, key
    row = kpi_rows([deltas["passengers.undelivered_share"]])[0]
    assert row[0] == "passengers undelivered" and row[2] != "-" and row[3:] == ["-", "-", "-", "-"]
    shown = {r["source_kpi"]: r for r in summary_json(comp, {})["kpis"]["nopax"]}
    missed = shown["passengers.missed_connection_rate"]
    assert missed["other"] is None and missed["difference"] is None and missed["significant"] is None
    frame = comp.to_frame("kpis").set_index("source_kpi")
    assert np.isnan(frame.loc["passengers.undelivered_share", "difference"])
    assert frame.loc["passengers.undelivered_share", "significant"] is pd.NA  # a boolean column's null
    assert frame.loc["cargo.undelivered_share", "significant"] in (True, False)  # defined in both
    assert "passengers" not in comp.headline  # no sentence built on a rate of no one
    # the cargo is the same in both (common random numbers): compared, and unchanged
    assert deltas["cargo.undelivered_share"].diff.n == 3 and deltas["cargo.undelivered_share"].diff.mean == 0


def test_a_scenario_without_demand_has_no_share_undelivered_to_differ_from() -> None:
    # compare with the base without demand printed "containers undelivered  %  0.00  52.58  52.58
    # 32.48 to 72.67  yes": a significant change from a share of no containers
    comp = compare([mixed("none", keep=()), mixed("mixed")], profiles=False)
    deltas = {d.key: d for d in comp.kpis["mixed"]}
    for key in ("cargo.undelivered_share", "passengers.undelivered_share",
                "passengers.missed_connection_rate"):
        d = deltas[key]
        assert np.isnan(d.base.mean) and np.isfinite(d.other.mean), key
        assert d.diff.n == 0 and not d.significant, key
    assert deltas["cargo.undelivered_share"].other.mean > 0
    # the counts and sums stay compared against 0
    assert deltas["totals.cost_usd"].diff.n == 3 and deltas["totals.cost_usd"].base.mean == 0
    assert not any("undelivered" in line for line in comp.headline.splitlines())
    from corridor.report.compare_text import compare_text

    text = compare_text(comp)
    assert "nan" not in text.lower()
    line = next(x for x in text.splitlines() if x.startswith("containers undelivered"))
    assert line.split()[3] == "-" and line.split()[-1] == "-" and "yes" not in line


def test_a_flow_of_one_scenario_only_is_listed_with_its_value_there() -> None:
    # docs/simulation.md: a KPI defined in one scenario only is listed with its value there;
    # a flow the other scenario added (and a station) was left out of the table
    base = one_flight("base", 480)
    added = base.model_copy(update={"name": "added", "demand": [
        *base.demand, base.demand[0].model_copy(update={"id": "Q", "per_week": 50.0})]})
    comp = compare([base, added], profiles=False)
    deltas = {d.key: d for d in comp.kpis["added"]}
    q = deltas["flows.Q.door_to_door_days.mean"]
    assert q.unit == "h" and q.diff.n == 0 and np.isnan(q.base.mean)
    door = comp.results[1].summary["flows.Q.door_to_door_days.mean"]["mean"] * 24
    assert q.other.mean == pytest.approx(door)
    assert deltas["flows.P.door_to_door_days.mean"].diff.n == 4  # in both: compared


def test_more_of_one_flow_is_also_told_with_the_base_mix_of_flows_held() -> None:
    # twice the Xi'an - Vilnius containers, the fastest flow: the headline said "containers spend
    # 0.53 days less door to door ... significant", where the flow itself gained 0.11 days and
    # the others none. The figure with the base's mix held: each replication's flows' door to
    # door from the unit records, weighted by the base's deliveries (a plain loop)
    from corridor.simulation.entities import Status

    base = short("baseline.yaml", days=35)
    more = base.model_copy(update={"name": "more", "demand": [
        f.model_copy(update={"per_week": f.per_week * 2}) if f.id == "FEU-XIAN-VILNIUS" else f
        for f in base.demand]})
    comp = compare([base, more], replications=3, profiles=False)
    deltas = {d.key: d for d in comp.kpis["more"]}
    held = deltas["cargo.door_to_door_days.base_mix"]
    assert "passengers.door_to_door_h.base_mix" not in deltas  # no passenger flow changed
    keys = [d.key for d in comp.kpis["more"]]
    assert keys.index("cargo.door_to_door_days.base_mix") == keys.index("cargo.door_to_door_days.mean") + 1

    def flows(rec) -> dict[int, tuple[int, float]]:  # noqa: ANN001
        out: dict[int, list[float]] = {}
        u = rec.units
        for k in range(u["id"].size):
            made, done = u["created_min"][k], u["arrival_min"][k]
            if not u["pax"][k] and u["status"][k] == Status.DELIVERED and made >= rec.warmup_min:
                out.setdefault(int(u["flow"][k]), []).append((done - made) / 1440)
        return {f: (len(v), sum(v) / len(v)) for f, v in out.items()}

    want_a, want_b = [], []
    for ra, rb in zip(comp.results[0].records, comp.results[1].records, strict=True):
        fa, fb = flows(ra), flows(rb)
        weight = sum(fa[f][0] for f in fa if f in fb)
        want_a.append(sum(fa[f][0] * fa[f][1] for f in fa if f in fb) / weight)
        want_b.append(sum(fa[f][0] * fb[f][1] for f in fa if f in fb) / weight)
    assert held.base.mean == pytest.approx(np.mean(want_a), rel=1e-9)
    assert held.other.mean == pytest.approx(np.mean(want_b), rel=1e-9)
    diff = paired_difference(want_a, want_b)
    assert (held.diff.mean, held.diff.half_width) == pytest.approx((diff.mean, diff.half_width), rel=1e-9)
    # the all-flow mean falls with the mix; held, it falls by less
    every = deltas["cargo.door_to_door_days.mean"]
    assert every.diff.high < 0 and held.diff.mean > every.diff.mean + 0.2
    told = " ".join(comp.headline.split())
    assert "with baseline's mix of flows held (the demand differs), containers" in told
    # the same demand: no mix-held figure
    assert not any(d.key.endswith(".base_mix") for d in compare([base, base], replications=2, profiles=False)
                   .kpis["baseline (2)"])
