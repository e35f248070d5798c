"""Scenario files found to slip past the promise (a located one-line error, or a run that
works) by a round of hostile scenarios: each test is the smallest file that did."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from corridor.errors import ScenarioError
from corridor.scenario import load_scenario

CARGO = """\
name: loop
run: {start: 2027-03-01, horizon_days: 7, drain_days: 7, seed: 1}
places:
  - {id: XIAN, name: Xian, kind: rail_terminal, country: CN, lat: 34.42, lon: 109.07, tz: Asia/Shanghai}
  - {id: DOSTYK, name: Dostyk, kind: gauge_change_station, country: KZ, lat: 45.25, lon: 82.48,
     tz: Asia/Almaty, servers: 3, service_time: {dist: fixed, value_min: 255}}
  - {id: BREST, name: Brest, kind: border_station, country: BY, lat: 52.10, lon: 23.70, tz: Europe/Minsk}
services:
  - {id: LOOP, mode: rail, unit: UNIT, stops: STOPS, timetable: {days: daily, times: ["10:00"]},
     speed_kph: 50, capacity: 41}
  - {id: ON, mode: rail, unit: feu, stops: [DOSTYK, BREST], timetable: {days: daily, times: ["06:00"]},
     speed_kph: 42, capacity: 41}
demand:
  - {id: BOXES, kind: cargo, from: XIAN, to: BREST, per_week: 82, arrivals: uniform}
"""


def load(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)


def problems(text: str) -> list:
    with pytest.raises(ScenarioError) as info:
        load(text)
    return info.value.problems


# ---- a cargo service that calls at a place twice --------------------------------------------

@pytest.mark.parametrize(("unit", "stops"), [
    ("feu", "[XIAN, DOSTYK, XIAN]"),  # back where it started: nobody boards at the last stop
    ("pax", "[XIAN, DOSTYK, XIAN, DOSTYK]"),  # passengers book a call
])
def test_loops_run_and_their_books_balance(unit: str, stops: str) -> None:
    from corridor import simulate

    text = CARGO.replace("UNIT", unit).replace("STOPS", stops)
    if unit == "pax":
        text = text.replace("kind: cargo", "kind: passenger")
    result = simulate(load(text), replications=1, workers=1)
    assert result.summary["flows.BOXES.created"]["mean"] > 0


# ---- a date written as text that is a number ----------------------------------------------

DATED = CARGO.replace("UNIT", "feu").replace("STOPS", "[XIAN, DOSTYK]") + """\
disruptions:
  - {id: WORKS, target: DOSTYK, start: 2027-03-03T00:00:00+05:00, end: 2027-03-05T00:00:00+05:00}
"""


@pytest.mark.parametrize("seconds", ["'1803513600'", '"1803513600.0"', "'+1803513600'", "'-86400'",
                                     "'1.8e9'", "'2027'"])
@pytest.mark.parametrize(("old", "line"), [
    ("start: 2027-03-01", 2),  # run.start, a date
    ("start: 2027-03-03T00:00:00+05:00", 16),  # a disruption's start, an instant
])
def test_text_that_is_a_number_is_not_read_as_seconds_since_1970(seconds: str, old: str, line: int) -> None:
    """pydantic reads text of digits as seconds since 1970: '1803513600' loaded as
    2027-02-25 (in a run's start, a disruption's start or end, a validity), silently, where
    the number 1803513600 is refused."""
    [p] = problems(DATED.replace(old, f"start: {seconds}", 1))
    assert p.line == line and p.path.endswith("start")
    assert "not as a number" in p.message and seconds.strip("'\"") in p.message


# ---- a long bad value is shown cut short ----------------------------------------------------

LONG = "Q" * 5000


@pytest.mark.parametrize(("old", "new"), [
    ('times: ["06:00"]', f'times: ["{LONG}"]'),  # a departure time
    ('times: ["06:00"]', f'headway_min: 60, first: "{LONG}"'),  # a headway's first
    ("{dist: fixed, value_min: 255}", f"{{dist: {LONG}, value_min: 255}}"),  # a distribution's tag
    ("{id: XIAN, name: Xian, kind: rail_terminal, country: CN, lat: 34.42, lon: 109.07, tz: Asia/Shanghai}",
     f"{{id: XIAN, iata: {LONG}, name: Xian, kind: airport, country: CN}}"),  # an airport's IATA code
])
def test_a_long_bad_value_is_shown_cut_short_in_its_one_line(old: str, new: str) -> None:
    """Each of these echoed a 5,000-character value whole into its error line."""
    text = CARGO.replace("UNIT", "feu").replace("STOPS", "[XIAN, DOSTYK]")
    assert old in text
    found = problems(text.replace(old, new, 1))
    assert found and all(len(p.message) < 300 for p in found)
    assert any("QQQQQQQQ" in p.message for p in found)



@pytest.mark.parametrize(("bounds", "said"), [('first: "11:00"', "first goes"),
                                              ('first: "05:00", last: "09:00"', "first and last go")])
def test_first_and_last_with_listed_times_are_refused_not_ignored(bounds: str, said: str) -> None:
    """They bound a headway's departures; beside ``times`` they were read and ignored (a
    train listed at 06:00 with first 11:00 still left at 06:00)."""
    text = CARGO.replace("UNIT", "feu").replace("STOPS", "[XIAN, DOSTYK]")
    [p] = problems(text.replace('times: ["06:00"]', f'times: ["06:00"], {bounds}', 1))
    assert p.path.endswith("timetable") and f"{said} with headway_min" in p.message


@pytest.mark.parametrize("name", ["baseline.yaml", "direct_flight.yaml", "kaunas_gateway.yaml"])
def test_a_shipped_scenario_dumped_validates_again_to_the_same(name: str) -> None:
    """A dump writes every default, first and last beside times among them (a check of
    first and last that looked at which keys were given refused every dump)."""
    from conftest import SCENARIOS
    from corridor.scenario.schema import Scenario

    s = load_scenario(SCENARIOS / name)
    assert Scenario.model_validate(s.model_dump(by_alias=True)) == s

# ---- a name on one line -----------------------------------------------------------------------

@pytest.mark.parametrize("brk", ["\\u2028", "\\u2029"])
def test_a_name_holding_a_unicode_line_separator_is_refused(brk: str) -> None:
    """``show`` printed such a place's name across two lines, past the one-line check."""
    text = CARGO.replace("UNIT", "feu").replace("STOPS", "[XIAN, DOSTYK]")
    [p] = problems(text.replace("name: Xian,", f'name: "Xi{brk}an",', 1))
    assert p.line == 4 and p.path == "places[0].name" and "one line" in p.message
    [p] = problems(text.replace("name: loop", f'name: "lo{brk}op"', 1))
    assert p.line == 1 and "one line" in p.message


# ---- a warning of undelivered units never says "0 of" --------------------------------------

def test_a_fraction_of_a_unit_left_undelivered_is_not_warned_of_as_none() -> None:
    """A run whose demand outgrew its capacity left one passenger of 144 undelivered in one of
    two replications: the warning said "PAX: 0 of 144 units a replication (0%) were not
    delivered", a warning that nothing happened."""
    from types import SimpleNamespace

    import numpy as np

    from corridor.analysis.warnings import run_warnings
    from corridor.simulation.entities import Status

    units = {"flow": np.array([0]), "place": np.array([0]), "status": np.array([int(Status.WAITING)]),
             "created_min": np.array([10080.0])}
    record = SimpleNamespace(horizon_min=20160.0, warmup_min=10080.0, flows=["PAX"], flow_pax=(True,),
                             dispatched=set(), units=units, places=["NQZ"])
    result = SimpleNamespace(
        summary={"flows.PAX.undelivered": {"mean": 0.5}, "flows.PAX.created": {"mean": 144.0}},
        records=[record, record], kpis=[{"services": {}, "stations": {}}])
    [warning] = run_warnings(result)
    assert warning.startswith("PAX: 0.5 of 144 units a replication (under 1%) were not delivered")
