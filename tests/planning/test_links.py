"""Chains of links (planning/links.py) and the Pareto bags of the search (planning/search.py):
bounded, so that a scenario of links or services cannot make the planner run for hours or out
of memory; refused with a clear error instead."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from scenario.bounded import bounded

from corridor.cli import main
from corridor.errors import PlanningError
from corridor.network.timetable import build_timetable
from corridor.planning.links import MAX_CHAIN_LINKS, MAX_CHAINS_PER_PAIR, link_closure
from corridor.scenario.schema import Scenario


def places(ids: list[str]) -> list[dict]:
    return [{"id": p, "name": p, "kind": "city", "country": "LT", "lat": 54.0 + k * 0.001,
             "lon": 20.0 + k * 0.001, "tz": "UTC"} for k, p in enumerate(ids)]


def ladder(n: int) -> Scenario:
    """n stages X_i -> X_i+1, each by a slow free link or a fast paid pair via M_i: every one of
    the 2^n chains from X_0 to X_n trades time for money against the others."""
    links = []
    for i in range(n):
        links += [{"id": f"A{i}", "from": f"X{i}", "to": f"X{i + 1}", "duration_min": 2 ** i,
                   "bidirectional": False},
                  {"id": f"B{i}", "from": f"X{i}", "to": f"M{i}", "duration_min": 0.001,
                   "cost_usd": 2 ** i, "bidirectional": False},
                  {"id": f"C{i}", "from": f"M{i}", "to": f"X{i + 1}", "duration_min": 0.001,
                   "bidirectional": False}]
    ids = [f"X{i}" for i in range(n + 1)] + [f"M{i}" for i in range(n)]
    return Scenario.model_validate({"name": "ladder", "run": {"start": "2027-03-01", "horizon_days": 7},
                                    "places": places(ids), "links": links})


def line(n: int) -> Scenario:
    """n two-way links in a line: every place reaches every other, over up to n links."""
    links = [{"id": f"L{i}", "from": f"X{i}", "to": f"X{i + 1}", "duration_min": 10} for i in range(n)]
    return Scenario.model_validate({"name": "line", "run": {"start": "2027-03-01", "horizon_days": 7},
                                    "places": places([f"X{i}" for i in range(n + 1)]), "links": links})


def test_chains_that_all_trade_time_for_money_are_refused_quickly() -> None:
    # 20 stages, 60 links: a million chains from X0 to X20, each beaten by none (n = 12 took
    # 11 s, every further stage four times as long: days for 20). The refusal takes ~5 s on a
    # quiet machine and 10 s beside other work; the bound, far below days, is loose enough for
    # a CI run sharing its cores (it took over 20 s in one)
    tt = build_timetable(ladder(20))
    with bounded(seconds=120), pytest.raises(PlanningError, match=f"more than {MAX_CHAINS_PER_PAIR} chains"):
        link_closure(tt, "pax")
    small = build_timetable(ladder(6))  # 64 chains X0 to X6: under the bound, all kept
    assert sum(h.dest == small.index["X6"] for h in link_closure(small, "pax")[small.index["X0"]]) == 64


def test_a_long_line_of_links_is_refused_before_it_fills_the_memory() -> None:
    # 2,000 links in a line: 4 million chains of 667 links on average (800 took 4.4 GB)
    tt = build_timetable(line(2000))
    with bounded(seconds=30), pytest.raises(PlanningError, match=f"more than {MAX_CHAIN_LINKS:,} links"):
        link_closure(tt, "pax")
    hops = link_closure(build_timetable(line(40)), "pax")
    assert sum(len(h) for h in hops) == 41 * 40  # each place to each other, one chain


def test_validate_says_so_with_exit_2(tmp_path, capsys) -> None:
    data = yaml.safe_load(textwrap.dedent("""\
        demand: [{id: P, kind: passenger, from: X0, to: X20, per_week: 1}]
        """))
    scenario = ladder(20).model_dump(mode="json", by_alias=True, exclude_none=True) | data
    path = tmp_path / "ladder.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with bounded(seconds=30):
        assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err and f"error: {path}: links: from X0 to X10 " in err, err  # 2^10 > 1,000
    assert "OK" not in out  # the summary said OK, then the warnings' planner raised
    # with no demand too: validate said OK where `plan` and `run` refused, naming no file
    path.write_text(yaml.safe_dump(ladder(20).model_dump(mode="json", by_alias=True, exclude_none=True)))
    with bounded(seconds=30):
        assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert f"error: {path}: links: from X0 to X10 " in err and "OK" not in out, err


def service_ladder(n: int) -> Scenario:
    """n stages X_i -> X_i+1, each by a fast service costing 2^i or a free one 2^i minutes
    slower, both every minute: the 2^n journeys from X_0 to X_n each beat the others in arrival
    or in cost."""
    services = []
    for i in range(n):
        services += [{"id": f"F{i}", "mode": "rail", "unit": "pax", "stops": [f"X{i}", f"X{i + 1}"],
                      "timetable": {"headway_min": 1}, "duration_min": 10, "capacity": 10,
                      "cost_usd": 2 ** i},
                     {"id": f"S{i}", "mode": "rail", "unit": "pax", "stops": [f"X{i}", f"X{i + 1}"],
                      "timetable": {"headway_min": 1}, "duration_min": 10 + 2 ** i, "capacity": 10}]
    return Scenario.model_validate({"name": "services", "run": {"start": "2027-03-01", "horizon_days": 7},
                                    "places": places([f"X{i}" for i in range(n + 1)]), "services": services})


def test_journeys_that_all_trade_time_for_money_are_refused_past_the_bound() -> None:
    # 14 stages, 28 services: 16,384 journeys none beats; a plan took minutes (20 stages, days)
    from corridor.planning import RoutePlanner
    from corridor.planning.search import MAX_BAG

    assert len(RoutePlanner(service_ladder(8)).plan("X0", "X8", "2027-03-01T08:00", unit="pax",
                                                    window_days=3).itineraries) == 2 ** 8
    with bounded(seconds=60), pytest.raises(PlanningError, match=f"more than {MAX_BAG:,} journeys"):
        RoutePlanner(service_ladder(14)).plan("X0", "X14", "2027-03-01T08:00", unit="pax", window_days=3)
