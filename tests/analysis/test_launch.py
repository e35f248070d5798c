"""The airline and market figures against hand computations and the closed-form logit."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
import yaml

from corridor.analysis.airline import airline_kpis, flight_cost_usd
from corridor.analysis.compare import compare
from corridor.analysis.market import WEEKDAYS, sensitivity, spread_days, traveller_benefit
from corridor.scenario.schema import Scenario
from corridor.simulation import run_replication

TOY = """\
name: toy
run: {start: 2027-03-01, horizon_days: 28, warmup_days: 7, drain_days: 3, replications: 2, seed: 5}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: Asia/Almaty}
  - {id: B, name: B, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: Asia/Almaty}
services:
  - {id: SLOW, mode: air, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 180,
     capacity: 100000, cost_usd: 50}
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: PER_WEEK}
choice:
  scale_usd: 40
  induced_elasticity: 0.5
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 0}
"""
FAST = """\
  - {id: FAST, mode: air, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 120,
     capacity: CAPACITY, cost_usd: 100, economics: {cost_per_block_hour_usd: 1000, cost_per_trip_usd: 500}}
"""
# FAST costs a traveller 100 + 30 x 2 h = 160 USD, SLOW 50 + 30 x 3 h = 140 USD
P_FAST = 1.0 / (1.0 + math.exp((160.0 - 140.0) / 40.0))


def toy(fast: bool, capacity: int = 100000, per_week: float = 700) -> Scenario:
    text = TOY.replace("PER_WEEK", str(per_week))
    if fast:
        text = text.replace("demand:", FAST.replace("CAPACITY", str(capacity)) + "demand:")
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def test_the_market_model_share_is_the_closed_form_logit() -> None:
    rows = sensitivity(toy(True), "FAST", frequencies=(7,))
    base = next(r for r in rows if r.parameter == "market" and r.value == 700)
    assert base.share == pytest.approx(P_FAST, rel=1e-12)
    assert base.passengers_per_week == pytest.approx(700 * P_FAST)
    # a fare 20% higher: FAST costs 180, so P = 1 / (1 + e^(40/40))
    fare = next(r for r in rows if r.parameter == "fare" and r.value == pytest.approx(120.0))
    assert fare.share == pytest.approx(1.0 / (1.0 + math.e), rel=1e-12)
    daily = next(r for r in rows if r.parameter == "frequency")
    assert daily.share == pytest.approx(P_FAST, rel=1e-12)  # 7 a week is the toy's own daily timetable


def test_break_even_follows_from_cost_seats_and_fare() -> None:
    block_h, cost, _ = flight_cost_usd(toy(True), "FAST")
    assert (block_h, cost) == (2.0, 2500.0)
    row = next(r for r in sensitivity(toy(True, capacity=100), "FAST", frequencies=())
               if r.parameter == "market" and r.value == 700)
    assert row.break_even_load_factor == pytest.approx(2500.0 / (100 * 100.0))
    # at a market M the flight carries M x share; it covers 7 x 2,500 a week at M x share x 100
    assert row.break_even_market_per_week == pytest.approx(7 * 2500.0 / (100.0 * P_FAST))
    assert row.passengers_per_week == pytest.approx(min(700 * P_FAST, 7 * 100))


def test_simulated_airline_figures_add_up_from_the_trip_log() -> None:
    scenario = toy(True, capacity=60)
    rec = run_replication(scenario, 0)
    k = airline_kpis(rec, scenario)["FAST"]
    trips = rec.trips
    s = rec.services.index("FAST")
    ran = ((trips["service"] == s) & (trips["scheduled_min"] >= rec.warmup_min)
           & (trips["scheduled_min"] < rec.horizon_min) & (trips["capacity"] > 0))
    assert k["flights"] == ran.sum() == 21
    assert k["passengers"] == trips["boarded"][ran].sum()
    assert k["revenue_usd"] == pytest.approx(100.0 * k["passengers"])  # one fare, one leg
    assert k["profit_usd"] == pytest.approx(k["revenue_usd"] - 2500.0 * 21)
    loads = [min(b, 60) / 60 for b in trips["boarded"][ran]]
    assert k["load_factor"] == pytest.approx(float(np.mean(loads)))
    assert k["break_even_load_factor"] == pytest.approx(2500.0 / (60 * 100.0))


def test_traveller_benefit_is_the_change_in_logsum() -> None:
    got = traveller_benefit(toy(False), toy(True), ["P"])["P"]
    after = -40.0 * math.log(math.exp(-160 / 40) + math.exp(-140 / 40))
    assert got["cost_before_usd"] == pytest.approx(140.0)
    assert got["cost_after_usd"] == pytest.approx(after)
    assert got["benefit_usd"] == pytest.approx(140.0 - after)
    assert got["induced_per_week"] == pytest.approx(700 * math.expm1(0.5 * (140.0 - after) / 40.0))


def test_induced_demand_past_what_a_number_holds_is_said_so() -> None:
    def sharp(s: Scenario) -> Scenario:  # within bounds: scale 0.001 USD, elasticity 10
        assert s.choice is not None
        return s.model_copy(update={"choice": s.choice.model_copy(
            update={"scale_usd": 0.001, "induced_elasticity": 10.0})})

    base = sharp(toy(False))
    fast = FAST.replace("CAPACITY", "100000").replace("cost_usd: 100", "cost_usd: 10")
    text = TOY.replace("PER_WEEK", "700").replace("demand:", fast + "demand:")
    cheap = sharp(Scenario.model_validate(yaml.safe_load(textwrap.dedent(text))))
    # FAST now costs 70 USD against 140: exp(10 x 70 / 0.001) was an OverflowError traceback
    got = traveller_benefit(base, cheap, ["P"])["P"]
    assert got["benefit_usd"] == pytest.approx(70.0) and got["induced_per_week"] == math.inf
    comp = compare([base, cheap], names=["without", "with"], replications=1, profiles=False)
    assert "which would induce more than any number can hold" in comp.headline


def test_compare_leads_with_the_new_service() -> None:
    comp = compare([toy(False), toy(True)], names=["without", "with"], replications=2, profiles=False)
    first = comp.headline.splitlines()[0]
    # the window the figures cover: the toy's warm-up ends 8 March, its horizon 28 March
    assert first.startswith("FAST (new in with, simulated over 08 Mar to 28 Mar 2027):")
    assert "break-even" in first
    case = comp.launches["with"][0]
    assert case.figures["share_of_market"].contains(P_FAST) or abs(
        case.figures["share_of_market"].mean - P_FAST) < 0.03
    assert not comp.to_frame("launches").empty and not comp.to_frame("sensitivity").empty


def test_sensitivity_rows_name_their_unit_and_the_scenario_own_setting() -> None:
    rows = sensitivity(toy(True, capacity=100), "FAST", frequencies=(3, 7))
    own = [(r.parameter, r.value) for r in rows if r.own]
    assert own == [("market", 700.0), ("fare", 100.0), ("rivals", 1.0), ("waiting", 1.0), ("frequency", 7)]
    assert {r.parameter: r.unit for r in rows} == {
        "market": "pax/week", "fare": "USD", "rivals": "x their fares", "waiting": "x the value of waiting",
        "frequency": "flights/week"}
    cheap = next(r for r in rows if r.parameter == "fare" and r.value == pytest.approx(60.0))
    assert cheap.break_even_load_factor == pytest.approx(2500.0 / (100 * 60.0))
    assert cheap.can_break_even  # 0.42: it can
    assert cheap.break_even_market_per_week == pytest.approx(2500.0 * 7 / (60.0 * cheap.share))
    # ten seats: a break-even load of 2500 / (10 x 100) = 250%, which no market fills (a
    # finite break-even market was printed, the market that would fill 250% of the seats)
    small = sensitivity(toy(True, capacity=10), "FAST", frequencies=())
    assert all(r.break_even_market_per_week == math.inf for r in small if not r.can_break_even)
    assert any(not r.can_break_even for r in small)


def test_the_waiting_rows_are_the_scenario_with_every_value_of_waiting_scaled() -> None:
    # a flight on Mondays only against a dearer daily one: a traveller wishing to leave on
    # Thursday waits days for it, at a value of waiting the scenario assumes (an ASSUMPTION the
    # direct flight's case rests on: USD 5 an hour, 2 gives 84% of the market, 25 gives 31%),
    # which the what-if table did not vary
    s = toy(True, capacity=100)
    services = [sv.model_copy(update={"timetable": sv.timetable.model_copy(update={"days": ["Mon"]})})
                if sv.id == "FAST" else sv.model_copy(update={"cost_usd": 150.0}) for sv in s.services]
    segments = [seg.model_copy(update={"schedule_delay_usd_per_h": 5.0}) for seg in s.choice.segments]
    s = s.model_copy(update={"services": services,
                             "choice": s.choice.model_copy(update={"segments": segments})})
    rows = [r for r in sensitivity(s, "FAST", frequencies=()) if r.parameter == "waiting"]
    assert [r.value for r in rows] == [0.4, 1.0, 2.0, 5.0]
    assert [r.own for r in rows] == [False, True, False, False]
    shares = [r.share for r in rows]
    assert shares == sorted(shares, reverse=True) and shares[0] > 1.5 * shares[-1]
    for r in rows:  # the same as the market row of the scenario written with that value
        scaled = [seg.model_copy(update={"schedule_delay_usd_per_h": 5.0 * r.value}) for seg in segments]
        other = s.model_copy(update={"choice": s.choice.model_copy(update={"segments": scaled})})
        own = next(p for p in sensitivity(other, "FAST", frequencies=(), wait_factors=())
                   if p.parameter == "market" and p.own)
        assert (r.share, r.break_even_market_per_week) == pytest.approx(
            (own.share, own.break_even_market_per_week), rel=1e-12)


def test_a_free_service_has_one_fare_row_and_no_break_even_load_shown_as_nan() -> None:
    # a fare of 0: the five fare rows were alike (0 x 0.6 ... 0 x 1.4) and every row's
    # break-even load, with no revenue to cover the cost, printed 'nan%'
    from corridor.report.compare_text import launch_rows

    s = toy(True, capacity=100)
    services = [sv.model_copy(update={"cost_usd": 0.0}) if sv.id == "FAST" else sv for sv in s.services]
    rows = sensitivity(s.model_copy(update={"services": services}), "FAST", frequencies=(7,))
    assert [(r.value, r.own) for r in rows if r.parameter == "fare"] == [(0.0, True)]
    assert all(math.isnan(r.break_even_load_factor) for r in rows)

    class Case:
        sensitivity = rows

    shown = launch_rows(Case())
    assert len(shown) == 5 + 1 + 4 + 4 + 1 and not any("nan" in cell for row in shown for cell in row)
    assert {row[7] for row in shown} == {"-"}


def test_a_frequency_row_counts_the_flights_it_flies_with_two_departures_a_day() -> None:
    # FAST twice a day: the rows of 1, 2 and 7 days a week fly 2, 4 and 14 flights; they read
    # '1, 2, 7 flights/wk' with the costs of twice as many, and the row of 7 days (14 flights)
    # was not the scenario's own
    s = toy(True, capacity=100)
    twice = {"times": ["10:00", "18:00"]}
    services = [sv.model_copy(update={"timetable": sv.timetable.model_copy(update=twice)})
                if sv.id == "FAST" else sv for sv in s.services]
    rows = sensitivity(s.model_copy(update={"services": services}), "FAST", frequencies=(1, 2, 7))
    flights = [r for r in rows if r.parameter == "frequency"]
    assert [r.value for r in flights] == [2.0, 4.0, 14.0]
    assert [r.own for r in flights] == [False, False, True]
    _, cost, _ = flight_cost_usd(s, "FAST")
    for r in flights:  # the profit of a week is of the flights the row says
        assert r.revenue_per_week_usd - r.profit_per_week_usd == pytest.approx(cost * r.value)


def test_fewer_days_than_the_scenario_flies_are_spread_over_the_week() -> None:
    # a daily flight's what-if row of two a week flew Monday and Tuesday, the first two of its
    # days, where docs/choice.md says the days are spread: so its share, and the break-even
    # market of every row under 7 a week, were those of flights on days next to each other
    assert spread_days(2, WEEKDAYS) == spread_days(2) == ["Mon", "Thu"]
    assert spread_days(3, WEEKDAYS) == spread_days(3) == ["Mon", "Thu", "Sat"]
    assert spread_days(2, ["Mon", "Tue", "Wed", "Thu", "Fri"]) == ["Mon", "Thu"]
    assert spread_days(2, ["Thu", "Sun"]) == ["Thu", "Sun"]  # the scenario's own days, kept
    assert spread_days(3, ["Thu", "Sun"]) == ["Tue", "Thu", "Sun"]
    # in the table: the daily toy's row of two a week is the toy flown on Monday and Thursday
    s = toy(True, capacity=100)
    two = {"days": ["Mon", "Thu"]}
    services = [sv.model_copy(update={"timetable": sv.timetable.model_copy(update=two)})
                if sv.id == "FAST" else sv for sv in s.services]
    spread = s.model_copy(update={"services": services})
    row = next(r for r in sensitivity(s, "FAST", frequencies=(2,)) if r.parameter == "frequency")
    own = next(r for r in sensitivity(spread, "FAST", frequencies=(2,)) if r.parameter == "frequency")
    assert (row.share, row.break_even_market_per_week) == (own.share, own.break_even_market_per_week)


def test_the_headline_gives_break_even_load_and_market_with_their_intervals() -> None:
    # README: load against break-even, profit and the break-even market, "each with its 95% interval"
    from corridor.analysis.launch import LaunchCase
    from corridor.kernels.stats import Estimate

    def est(mean: float, half: float) -> Estimate:
        return Estimate(mean, half, 5, 0.95)

    figures = {"share_of_market": est(0.7, 0.01), "passengers_per_week": est(100, 5),
               "load_factor": est(0.3, 0.01), "break_even_load_factor": est(0.78, 0.02),
               "profit_per_flight_usd": est(-20000, 500), "break_even_market_per_week": est(400, 10),
               "market_per_week": est(150, 0), "flights_per_week": est(2, 0)}
    text = LaunchCase("with", "FAST", None, figures, {}).sentence()
    assert "against a break-even of 78% (76% to 80%)" in text
    assert ("a market of about 400 travellers a week (390 to 410), with its rivals' fares as they are "
            "(the scenario assumes 150 a week; the what-if table varies the market and the rivals' "
            "fares)") in text
    # shares stay shares: two replications of a 74% share once read "46% to 102%"; a break-even
    # past 100% (a load no flight can carry) is said as it is
    wide = dict(figures, share_of_market=est(0.74, 0.28), load_factor=est(0.05, 0.08),
                break_even_load_factor=est(1.1, 0.2))
    text = LaunchCase("with", "FAST", None, wide, {}).sentence()
    assert "74% of its market's travellers choose it (95% CI 46% to 100%)" in text
    assert "load factor 5% (0% to 13%)" in text and "break-even of 110% (90% to 130%)" in text
    one = dict(figures, break_even_market_per_week=Estimate(400, math.nan, 1, 0.95),
               break_even_load_factor=Estimate(0.78, math.nan, 1, 0.95))
    text = LaunchCase("with", "FAST", None, one, {}).sentence()  # one replication: no interval
    assert "break-even of 78%;" in text and "400 travellers a week, with its rivals" in text
    # a break-even the same in every replication (the fare and the cost set it) read "94% (94% to 94%)"
    fixed = dict(figures, break_even_load_factor=est(0.94, 0.0))
    text = LaunchCase("with", "FAST", None, fixed, {}).sentence()
    assert "against a break-even of 94%; it loses money" in text, text


def test_one_replication_gives_no_infinite_interval_and_judges_by_its_profit() -> None:
    # compare baseline direct_flight --replications 1 said "76% of its market's travellers choose
    # it (95% CI -inf% to inf%); load factor 29% (-inf% to inf%) ...; it is not clearly above or
    # below cost, -26,351 USD a flight (-inf to +inf)", and run --replications 1 "KC-NQZ-VNO is
    # about at break-even: load 29% against a break-even of 78%"
    from corridor.analysis.launch import LaunchCase
    from corridor.kernels.stats import mean_ci
    from corridor.report.run_text import airline_verdict

    figures = {k: mean_ci([v]) for k, v in {
        "share_of_market": 0.76, "passengers_per_week": 109, "load_factor": 0.29,
        "break_even_load_factor": 0.78, "profit_per_flight_usd": -26351.0,
        "break_even_market_per_week": 401, "market_per_week": 150, "flights_per_week": 2}.items()}
    text = LaunchCase("direct_flight", "KC-NQZ-VNO", None, figures, {}).sentence()
    assert "inf" not in text
    assert "76% of its market's travellers choose it (one replication: no interval); load factor 29% " \
           "against a break-even of 78%; it loses money, -26,351 USD a flight;" in text
    summary = {f"airline.KC-NQZ-VNO.{k}": e.as_dict() for k, e in figures.items()}
    verdict = airline_verdict(summary, "KC-NQZ-VNO", [])
    assert verdict.startswith("Verdict: KC-NQZ-VNO loses money (one replication: no interval): load 29%")
    # its months are the ones simulated (a spring window), said so: "its best month was
    # 2027-05" read as a year's
    summary.update({f"airline.KC-NQZ-VNO.by_month.{m}.load_factor": {"mean": v}
                    for m, v in (("2027-03", 0.24), ("2027-04", 0.26), ("2027-05", 0.29))})
    verdict = airline_verdict(summary, "KC-NQZ-VNO", ["2027-03", "2027-04", "2027-05"])
    assert verdict.endswith("; of the months simulated, 2027-03 to 2027-05, its best was 2027-05 (29%), "
                            "its worst 2027-03 (24%).")


def test_the_verdict_counts_the_flights_of_its_best_and_worst_month() -> None:
    # direct_flight's window opens on 22 March: its March is two flights, April nine, May five.
    # run's verdict called March "its worst" month on a par with the others, and its by-month
    # line read "27-03 23 ± 6" with nothing to say it was two flights
    from corridor.report.run_text import airline_table, airline_verdict

    def est(mean: float, half: float = 0.0) -> dict[str, float]:
        return {"n": 3, "mean": mean, "low": mean - half, "high": mean + half}

    k = "airline.KC-NQZ-VNO."
    summary = {k + "load_factor": est(0.30, 0.03),
               k + "profit_per_flight_usd": est(-31080.0, 1420.0), k + "share_of_market": est(0.7, 0.05),
               k + "passengers_per_week": est(99.0, 10.0), k + "yield_usd_per_pkm": est(0.056),
               k + "break_even_load_factor": est(0.94), k + "break_even_market_per_week": est(474.0, 47.0),
               k + "market_per_week": est(150.0)}
    for m, load, flights in (("2027-03", 0.23, 2), ("2027-04", 0.30, 9), ("2027-05", 0.32, 5)):
        summary[f"{k}by_month.{m}.load_factor"] = est(load, 0.05)
        summary[f"{k}by_month.{m}.flights"] = est(flights)
    months = ["2027-03", "2027-04", "2027-05"]
    verdict = airline_verdict(summary, "KC-NQZ-VNO", months)
    assert verdict.endswith("its best was 2027-05 (32%, 5 flights), "
                            "its worst 2027-03 (23%, 2 flights)."), verdict

    class Result:
        kpis = [{"airline": {"KC-NQZ-VNO": {}}}]

    Result.summary = summary  # type: ignore[attr-defined]
    text = " ".join(airline_table(Result()).split())  # as wrapped to any terminal's width
    # the year in full, as the verdict under it writes the month: "27-03" read as 27 March
    assert ("load % by month (UTC): 2027-03 23 ± 5 (2 flights), 2027-04 30 ± 5 (9), 2027-05 32 ± 5 (5)"
            in text), text


def test_figures_that_are_not_numbers_are_said_in_words_not_nan() -> None:
    # a new flight whose first and last stops no demand flow joins (a feeder leg) has no share
    # of a market and no break-even market; one with no fare has no break-even load: compare's
    # headline and run's verdict printed 'nan% of its market's travellers choose it (95% CI nan%
    # to nan%)', 'a break-even of nan%' and 'a market of about nan travellers a week'
    from corridor.analysis.launch import LaunchCase
    from corridor.kernels.stats import Estimate
    from corridor.report.run_text import airline_verdict

    nan = Estimate(math.nan, math.nan, 0, 0.95)
    figures = {"share_of_market": nan, "passengers_per_week": Estimate(100, 5, 5, 0.95),
               "load_factor": Estimate(0.3, 0.01, 5, 0.95), "break_even_load_factor": nan,
               "profit_per_flight_usd": Estimate(-20000, 500, 5, 0.95), "break_even_market_per_week": nan,
               "market_per_week": nan, "flights_per_week": Estimate(2, 0, 5, 0.95)}
    text = LaunchCase("with", "FEEDER", None, figures, {}).sentence()
    assert "nan" not in text, text
    assert "no demand flow goes from its first stop to its last" in text
    assert "with no break-even load (its fares earn nothing a traveller)" in text
    summary = {f"airline.FEEDER.{k}": {"mean": v.mean, "low": v.low, "high": v.high}
               for k, v in figures.items()}
    verdict = airline_verdict(summary, "FEEDER", [])
    assert "nan" not in verdict, verdict
    assert verdict.startswith("Verdict: FEEDER loses money: load 30% (no break-even load")
    assert "no break-even market: no demand flow goes from its first stop to its last" in verdict


def test_a_flight_nobody_chooses_breaks_even_at_its_fare_and_no_market_fills_it() -> None:
    # FAST at USD 5,000 against SLOW at 50: e^(-4900/40) ~ 1e-53 of the travellers choose it.
    # The simulated break-even load, read off the yield passengers paid, was nan and the verdict
    # said its fares earn nothing a traveller; the market row gave a market of ~10^57 a week
    scenario = toy(True, capacity=180)
    fast = next(s for s in scenario.services if s.id == "FAST")
    dear = fast.model_copy(update={"cost_usd": 5000.0})
    scenario = scenario.model_copy(update={"services": [s if s.id != "FAST" else dear
                                                       for s in scenario.services]})
    rec = run_replication(scenario, 0)
    kpis = airline_kpis(rec, scenario)["FAST"]
    assert kpis["passengers"] == 0 and kpis["flights"] > 0
    assert kpis["break_even_load_factor"] == pytest.approx(2500.0 / (5000.0 * 180))
    row = next(r for r in sensitivity(scenario, "FAST", frequencies=())
               if r.parameter == "market" and r.value == 700)
    assert row.break_even_load_factor == pytest.approx(2500.0 / (5000.0 * 180))
    assert row.break_even_market_per_week == math.inf


def test_the_rivals_fares_row_is_the_closed_form_logit() -> None:
    # SLOW's fare at 0.6 x 50 = 30: it costs a traveller 120, FAST 160 as before
    rows = sensitivity(toy(True), "FAST", frequencies=())
    rival = {r.value: r for r in rows if r.parameter == "rivals"}
    assert rival[0.6].share == pytest.approx(1.0 / (1.0 + math.exp((160.0 - 120.0) / 40.0)), rel=1e-12)
    assert rival[1.0].share == pytest.approx(P_FAST, rel=1e-12) and rival[1.0].own
    assert rival[1.0].unit == "x their fares"


def test_each_what_if_table_names_the_scenario_it_is_of() -> None:
    # compare baseline direct_flight direct_4wk printed "KC-NQZ-VNO: what if?" twice, one
    # table of each scenario that adds the flight, the second just after the first scenario's
    # week profiles: neither said which scenario's fare and frequency it varied
    from corridor.report.compare_text import compare_text
    from corridor.report.html import report_html

    comp = compare([toy(False), toy(True), toy(True, capacity=100)], names=["without", "with", "small"],
                   replications=2, profiles=False)
    text = compare_text(comp)
    assert "FAST in with: what if?" in text and "FAST in small: what if?" in text
    assert text.index("FAST in with: what if?") < text.index("Simulated: with against without") < \
        text.index("FAST in small: what if?") < text.index("Simulated: small against without")
    page = report_html(comp, {}, {}, [])
    assert "New service FAST in with: what if?" in page and "New service FAST in small: what if?" in page


def test_a_flight_that_loses_money_even_full_has_no_break_even_market() -> None:
    # ten seats at USD 100 earn at most 1,000 a flight against its 2,500: the simulated figure
    # gave the market that would fill 250% of the seats, and run's verdict and compare's headline
    # said "it would need a market of about ..." where the what-if table said "-"
    from corridor.analysis.launch import FIGURES, NO_MARKET, LaunchCase
    from corridor.kernels.stats import mean_ci
    from corridor.report.run_text import airline_verdict

    scenario = toy(True, capacity=10)
    per_rep = [airline_kpis(run_replication(scenario, r), scenario)["FAST"] for r in range(2)]
    for k in per_rep:
        assert k["passengers"] > 0 and k["revenue_per_flight_usd"] <= 10 * 100.0
        assert k["break_even_load_factor"] > 1.0 and k["break_even_market_per_week"] == math.inf
    figures = {key: mean_ci([k[key] for k in per_rep]) for key in FIGURES}
    assert figures["break_even_market_per_week"].n == 0  # no replication has one
    text = LaunchCase("small", "FAST", None, figures, {}).sentence()
    assert NO_MARKET in text and "travellers a week" not in text and "inf" not in text, text
    summary = {f"airline.FAST.{key}": e.as_dict() for key, e in figures.items()}
    verdict = airline_verdict(summary, "FAST", [])
    assert NO_MARKET in " ".join(verdict.split()) and "would need a market" not in verdict, verdict
    # and a flight that can fill enough seats keeps its market
    roomy = toy(True, capacity=180)
    k = airline_kpis(run_replication(roomy, 0), roomy)["FAST"]
    assert k["break_even_load_factor"] <= 1.0 and math.isfinite(k["break_even_market_per_week"])


def test_the_what_if_table_says_which_break_even_market_to_quote() -> None:
    # compare's headline gave 470 (451 to 488) for KC-NQZ-VNO and its what-if row at the
    # scenario's own setting 438, outside that interval, with nothing to say which to quote
    import html

    from corridor.analysis.launch import LaunchCase
    from corridor.analysis.market import MarketPoint
    from corridor.kernels.stats import Estimate
    from corridor.report.compare_text import launch_table
    from corridor.report.html import _launch_html

    def point(value: float, market: float, own: bool) -> MarketPoint:
        return MarketPoint("market", value, 0.7, 70, 0.3, 0, 0, -1e5, 0.94, market, "pax/week", own)

    figures = {"break_even_market_per_week": Estimate(470.0, 18.5, 5, 0.95)}
    case = LaunchCase("with", "FAST", None, figures, {}, [point(75, 430, False), point(150, 438, True)])
    want = ("To quote: the simulated break-even market, about 470 travellers a week (452 to 488); the "
            "model gives 438 at the scenario's own setting (*): read the rows for how the figures move "
            "with each setting, not for their level")
    assert case.which_to_quote() == want
    assert want + "." in " ".join(launch_table(case).split())
    assert any(html.escape(want) in part for part in _launch_html(case))
    # nothing to set beside: no simulated market (even full it would lose money), or no own row
    unknown = {"break_even_market_per_week": Estimate(math.nan, math.nan, 0, 0.95)}
    none = LaunchCase("with", "FAST", None, unknown, {}, [point(150, 438, True)])
    assert none.which_to_quote() == "" and "To quote" not in launch_table(none)
    assert LaunchCase("with", "FAST", None, figures, {}, [point(75, 430, False)]).which_to_quote() == ""


def test_a_new_flight_that_flies_no_flight_in_the_run_says_so_not_nan() -> None:
    # FAST's validity starts after the run: no flight, so no load, profit or break-even. The
    # headline said 'load factor nan% with no break-even load (its fares earn nothing a
    # traveller); it loses money, +nan USD a flight' (its fare is USD 100), and the what-if
    # table gave seven frequency rows of 0 flights a week, each marked the scenario's own
    with_fast = toy(True)
    fast = next(s for s in with_fast.services if s.id == "FAST")
    later = fast.model_copy(update={"valid_from": with_fast.run.start.replace(year=2030)})
    with_fast = with_fast.model_copy(update={"services": [s if s.id != "FAST" else later
                                                         for s in with_fast.services]})
    comp = compare([toy(False), with_fast], names=["without", "with"], replications=2, profiles=False)
    first = comp.headline.splitlines()[0]
    assert "nan" not in first, first
    assert "FAST (new in with, simulated over 08 Mar to 28 Mar 2027): it flew no flight" in first, first
    assert "fares earn nothing" not in first and "loses money" not in first
    case = comp.launches["with"][0]
    assert case.sensitivity == []
    from corridor.report.compare_text import launch_table

    assert launch_table(case) == ("FAST in with: it flies no flight in the weeks after the warm-up, "
                                  "no sensitivity")


def test_a_break_even_market_read_off_full_flights_is_said_to_be_at_most() -> None:
    # at a market of 1,200 a week the direct flight ran full and read a break-even market of
    # 1,133, ~0.94 of the market it was given, said as "about" and set first to quote, where the
    # market model gives 438: a full flight carries fewer of its market than would choose it
    # (the others choose among trips with seats left), so the share it carried is capped by its
    # seats and the market scaled from it is an upper bound
    from corridor.analysis.launch import FIGURES, LaunchCase
    from corridor.kernels.stats import mean_ci
    from corridor.report.run_text import airline_verdict

    truth = 7 * 2500.0 / (100.0 * P_FAST)  # 25 fares of USD 100 a flight from a share P_FAST
    for per_week, full in ((2100, True), (700, False)):
        scenario = toy(True, capacity=30 if full else 100000, per_week=per_week)
        per_rep = []
        for r in range(2):
            rec = run_replication(scenario, r)
            k = airline_kpis(rec, scenario)["FAST"]
            t = rec.trips
            flights = [i for i in range(t["service"].size) if rec.services[t["service"][i]] == "FAST"
                       and rec.warmup_min <= t["scheduled_min"][i] < rec.horizon_min]
            full_flights = sum(t["peak_load"][i] == t["capacity"][i] for i in flights)
            assert k["full_share"] == full_flights / len(flights)
            per_rep.append(k)
        figures = {key: mean_ci([k[key] for k in per_rep]) for key in FIGURES}
        text = LaunchCase("with", "FAST", None, figures, {}).sentence()
        summary = {f"airline.FAST.{key}": e.as_dict() for key, e in figures.items()}
        verdict = " ".join(airline_verdict(summary, "FAST", []).split())
        rows = sensitivity(scenario, "FAST", frequencies=())
        assert next(p for p in rows if p.own).break_even_market_per_week == pytest.approx(truth)
        quote = LaunchCase("with", "FAST", None, figures, {}, rows).which_to_quote()
        market = figures["break_even_market_per_week"].mean
        if full:  # every flight full: the share carried is 30 x 7 / 2,100 = 10%, not P_FAST's 38%
            assert figures["full_share"].mean == 1.0
            assert market > 3 * truth
            assert "it carries 10% of its market's travellers" in text
            assert "100% of its flights left full" in text
            assert f"break even at a market of at most about {market:,.0f}" in text, text
            assert f"it would need a market of at most about {market:,.0f}" in verdict, verdict
            assert quote.startswith(f"To quote: the model's break-even market, {truth:,.0f}"), quote
        else:
            assert figures["full_share"].mean == 0.0
            assert market == pytest.approx(truth, rel=0.15)
            assert "of its market's travellers choose it" in text and "at most" not in text + verdict
            assert quote.startswith("To quote: the simulated break-even market, about"), quote


def test_the_load_by_month_says_how_many_flights_it_is_of() -> None:
    # the demo's March load factor came from two flights; the table did not say so. FAST flies
    # daily at 10:00 Almaty time (04:00 UTC): in the toy's window (8 to 28 March) 21 flights
    from corridor.report.compare_text import launch_table

    comp = compare([toy(False), toy(True)], names=["without", "with"], replications=2, profiles=False)
    case = comp.launches["with"][0]
    assert case.flights_by_month == {"2027-03": 21.0}
    assert "2027-03" in launch_table(case) and "(21 flights)" in launch_table(case)
