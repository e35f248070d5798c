"""Cross-section checks (scenario/checks.py) and --set paths at the edges of their rules, on
scenarios written by hand: each check's problem is found, a disruption may aim at a link, the
closed-airspace kind of check runs only on a sound scenario, a run's size counts a weekday as
often as it can come, and a path takes the longest id it names."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import yaml

from corridor.scenario import checks
from corridor.scenario.checks import check_scenario
from corridor.scenario.overrides import apply, load_raw
from corridor.scenario.schema import Scenario

BASE = """\
name: checks
run: {start: 2027-03-01, horizon_days: 14}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 60, tz: UTC}
  - {id: G, name: G, kind: border_station, country: KZ, lat: 45, lon: 61, tz: UTC}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
links:
  - {id: AG, from: A, to: G, duration_min: 60}
  - {id: GZ, from: G, to: Z, duration_min: 60}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: 10, gateways: {via: [G], value_of_time_usd_per_day: 100,
     scale_usd: 100}}
"""


def scenario(**changes: object) -> Scenario:
    data = yaml.safe_load(BASE)
    data.update(changes)
    return Scenario.model_validate(data)


def messages(s: Scenario) -> list[tuple[tuple, str]]:
    return check_scenario(s)


def test_a_sound_scenario_has_no_problem_and_may_aim_a_disruption_at_a_link() -> None:
    works = [{"id": "W", "target": "GZ", "start": "2027-03-02T00:00Z", "end": "2027-03-03T00:00Z"}]
    assert messages(scenario(disruptions=works)) == []


def test_two_fleets_of_one_id_are_a_problem() -> None:
    fleets = [{"id": "T", "vehicles": 2}, {"id": "T", "vehicles": 3}]
    assert messages(scenario(fleets=fleets)) == [(("fleets", 1, "id"), "id 'T' is already used by fleets[0]")]


def test_a_link_from_a_place_to_itself_is_a_problem() -> None:
    data = yaml.safe_load(BASE)
    data["links"].append({"id": "GG", "from": "G", "to": "G", "duration_min": 5})
    assert messages(Scenario.model_validate(data)) == [(("links", 2, "to"), "link goes from 'G' to itself")]


def test_a_gateway_at_the_flows_origin_is_a_problem() -> None:
    data = yaml.safe_load(BASE)
    data["demand"][0]["gateways"]["via"] = ["G", "A"]
    assert messages(Scenario.model_validate(data)) == [(("demand", 0, "gateways", "via", 1),
                                                         "gateway 'A' is the flow's origin; a gateway is a "
                                                         "place between")]


def test_the_checks_of_a_layer_above_run_only_on_a_sound_scenario(monkeypatch) -> None:  # noqa: ANN001
    seen: list[str] = []

    def above(s: Scenario) -> list:
        seen.append(s.name)
        return [(("places", 0), "above")]

    monkeypatch.setattr(checks, "EXTRA_CHECKS", [above])
    assert messages(scenario()) == [(("places", 0), "above")] and seen == ["checks"]
    fleets = [{"id": "T", "vehicles": 2}, {"id": "T", "vehicles": 3}]
    assert [m for _, m in messages(scenario(fleets=fleets))] == ["id 'T' is already used by fleets[0]"]
    assert seen == ["checks"]  # not run on the scenario with a problem of its own


def test_a_runs_size_counts_a_weekday_as_often_as_ten_days_can_hold_it() -> None:
    # ten days hold some weekday twice: a service every minute of the day (1,440 a day), every
    # day, through 501 stops (500 connections a trip) makes up to 1,440 x 7 x 2 x 500 =
    # 10,080,000 connections, over the 10,000,000 a run may hold (one week of them: 5,040,000)
    timetable = SimpleNamespace(times=None, headway_min=1.0, first="00:00", last="23:59",
                                weekdays=tuple(range(7)))
    service = SimpleNamespace(id="S", timetable=timetable, stops=[f"P{k}" for k in range(501)])
    run = SimpleNamespace(start=dt.date(2027, 3, 1), horizon_days=10, drain_days=0)
    (problem,) = checks._run_size(SimpleNamespace(run=run, services=[service], demand=[], places=[]))
    assert problem[0] == ("services", 0, "timetable") and "10,080,000 timetabled connections" in problem[1]


def test_a_set_path_takes_the_longest_id_it_names(tmp_path) -> None:  # noqa: ANN001
    # places B and B.1: places.B.1.servers is B.1's servers, not a key "1" inside B
    data = yaml.safe_load(BASE)
    data["places"] += [{"id": pid, "name": pid, "kind": "border_station", "country": "KZ", "lat": 46,
                        "lon": lon, "tz": "UTC", "servers": 1,
                        "service_time": {"dist": "fixed", "value_min": 30}}
                       for pid, lon in (("B", 60), ("B.1", 61))]
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(data))
    changed = apply(load_raw(path), [("places.B.1.servers", 4)])
    servers = {p["id"]: p["servers"] for p in changed["places"] if "servers" in p}
    assert servers == {"B": 1, "B.1": 4}

