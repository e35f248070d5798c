"""Validation bounds what the engine gets: every number has documented limits; a run's size is
bounded; every distribution that validates draws finite numbers; places, services and links
have ids of their own. Values are generated (Hypothesis) at and beyond each bound."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bounded import bounded
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from corridor.errors import DistributionError, ScenarioError
from corridor.scenario import load_scenario
from corridor.scenario.checks import MAX_RUN_BACKGROUND, MAX_RUN_CONNECTIONS, MAX_RUN_UNITS
from corridor.scenario.distributions import MAX_MINUTES, MAX_WEIGHT, MIN_SCALE_MIN, Distribution, Gamma

EXAMPLES = int(os.environ.get("EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

# A small scenario that uses every numeric field (as plain data, dumped to YAML per example).
BASE: dict[str, Any] = {
    "name": "bounds",
    "run": {"start": "2027-03-01", "horizon_days": 14, "warmup_days": 0, "drain_days": 7, "replications": 2,
            "seed": 1},
    "places": [
        {"id": "A", "name": "A", "kind": "rail_terminal", "country": "KZ", "lat": 51.0, "lon": 71.0,
         "tz": "Asia/Almaty", "min_connection_min": 30, "checkin_min": 60, "servers": 2,
         "service_time": {"dist": "gamma", "mean_min": 100, "sd_min": 50}, "background_per_day": 4},
        {"id": "B", "name": "B", "kind": "rail_terminal", "country": "LT", "lat": 54.7, "lon": 25.3,
         "tz": "Europe/Vilnius"},
        {"id": "C", "name": "C", "kind": "junction", "country": "PL", "lat": 52.0, "lon": 23.0,
         "tz": "Europe/Warsaw"},
    ],
    "services": [
        {"id": "S1", "mode": "rail", "unit": "feu", "stops": ["A", "C", "B"],
         "timetable": {"days": "daily", "headway_min": 240, "first": "02:00", "last": "22:00"},
         "speed_kph": 50, "overhead_min": 10, "dwell_min": 30, "circuity": 1.2, "capacity": 41,
         "cost_usd_per_unit_km": 0.3, "co2_g_per_unit_km": 20,
         "delay": {"dist": "lognormal", "mean_min": 60, "sd_min": 30}},
        {"id": "S2", "mode": "rail", "unit": "feu", "stops": ["B", "A"],
         "timetable": {"days": ["Mon", "Thu"], "times": ["08:00"]}, "duration_min": 4000,
         "distance_km": 3500, "capacity": 41, "cost_usd": 1000, "co2_kg": 100,
         "waypoints": [[50.0, 40.0]]},
        {"id": "S3", "mode": "road", "unit": "feu", "stops": ["A", "C"], "dispatch": {"cutoff_min": 60},
         "duration_min": 600, "capacity": 1},
    ],
    "links": [{"id": "L1", "from": "C", "to": "B", "mode": "road", "duration_min": 30, "distance_km": 20,
               "cost_usd": 5, "co2_kg": 1}],
    "demand": [{"id": "D1", "kind": "cargo", "from": "A", "to": "B", "per_week": 50}],
    "disruptions": [{"id": "X1", "target": "A", "start": "2027-03-05T00:00:00+05:00",
                     "end": "2027-03-06T00:00:00+05:00", "capacity_factor": 0.5}],
}

# (path, lowest, highest, whole numbers?, lowest allowed itself?) for every bounded number
FIELDS: list[tuple[tuple[Any, ...], float, float, bool, bool]] = [
    (("run", "horizon_days"), 1, 3650, True, True),
    (("run", "drain_days"), 0, 3650, True, True),
    (("run", "replications"), 1, 1000, True, True),
    (("run", "seed"), 0, 2**63 - 1, True, True),
    (("places", 0, "lat"), -90, 90, False, True),
    (("places", 0, "lon"), -180, 180, False, True),
    (("places", 0, "min_connection_min"), 0, MAX_MINUTES, False, True),
    (("places", 0, "checkin_min"), 0, MAX_MINUTES, False, True),
    (("places", 0, "servers"), 1, 1000, True, True),
    (("places", 0, "background_per_day"), 0, 10_000, False, True),  # 0, or from 0.001
    (("places", 0, "service_time", "mean_min"), MIN_SCALE_MIN, MAX_MINUTES, False, True),
    (("places", 0, "service_time", "sd_min"), MIN_SCALE_MIN, MAX_MINUTES, False, True),
    (("services", 0, "timetable", "headway_min"), 1, 1440, False, True),
    (("services", 0, "speed_kph"), 1, 3000, False, True),
    (("services", 0, "overhead_min"), 0, MAX_MINUTES, False, True),
    (("services", 0, "dwell_min"), 0, MAX_MINUTES, False, True),
    (("services", 0, "circuity"), 1, 5, False, True),
    (("services", 0, "capacity"), 1, 100_000, True, True),
    (("services", 0, "cost_usd_per_unit_km"), 0, 10_000, False, True),
    (("services", 0, "co2_g_per_unit_km"), 0, 10_000_000, False, True),
    (("services", 0, "delay", "mean_min"), MIN_SCALE_MIN, MAX_MINUTES, False, True),
    (("services", 0, "delay", "sd_min"), MIN_SCALE_MIN, MAX_MINUTES, False, True),
    (("services", 1, "duration_min"), 0, MAX_MINUTES, False, False),
    (("services", 1, "distance_km"), 0, 100_000, False, False),
    (("services", 1, "cost_usd"), 0, 10_000_000, False, True),
    (("services", 1, "co2_kg"), 0, 1_000_000, False, True),
    (("services", 1, "waypoints", 0, 0), -90, 90, False, True),
    (("services", 1, "waypoints", 0, 1), -180, 180, False, True),
    (("services", 2, "dispatch", "cutoff_min"), 0, MAX_MINUTES, False, True),
    (("links", 0, "duration_min"), 0, MAX_MINUTES, False, False),
    (("links", 0, "distance_km"), 0, 100_000, False, False),
    (("links", 0, "cost_usd"), 0, 10_000_000, False, True),
    (("links", 0, "co2_kg"), 0, 1_000_000, False, True),
    (("demand", 0, "per_week"), 0.001, 10_000_000, False, True),
    (("disruptions", 0, "capacity_factor"), 0, 1, False, True),
]


def dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def with_value(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def to_yaml(value: Any) -> str:
    """``value`` as flow YAML that reads back exactly: text always quoted (JSON), numbers as
    Python writes them."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_yaml(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    return json.dumps(value)


def load(data: dict[str, Any]) -> list:
    """Problems of loading ``data`` (empty when it loads)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text("".join(f"{k}: {to_yaml(v)}\n" for k, v in data.items()), encoding="utf-8")
        try:
            with bounded(seconds=20):
                load_scenario(path)
        except ScenarioError as exc:
            return exc.problems
    return []


def test_the_base_scenario_loads() -> None:
    assert load(BASE) == []


@st.composite
def beyond(draw: st.DrawFn) -> tuple[tuple[Any, ...], Any]:
    """A field and a value outside its bounds (or not a finite number at all)."""
    path, lo, hi, whole, lo_ok = draw(st.sampled_from(FIELDS))
    if whole:
        huge = st.sampled_from([2**63, 2**64, -(2**63)]).filter(lambda v: not lo <= v <= hi)
        below_int, above_int = st.integers(max_value=int(lo) - 1), st.integers(min_value=int(hi) + 1)
        value: Any = draw(st.one_of(below_int, above_int, huge))
        value = min(max(value, -(10**29)), 10**29)  # within what YAML reads at all
        if draw(st.booleans()) and abs(value) < 2**53:
            value = float(value)  # 1e8 for an integer field, say
    else:
        below = st.floats(max_value=lo, exclude_max=lo_ok, allow_nan=False)
        above = st.floats(min_value=hi, exclude_min=True, allow_nan=False)
        odd = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 1e30]).filter(
            lambda v: not lo <= v <= hi)
        value = draw(st.one_of(below, above, odd))
    return path, value


@SETTINGS
@given(case=beyond())
def test_values_beyond_the_bounds_are_located_errors(case: tuple[tuple[Any, ...], Any]) -> None:
    path, value = case
    found = load(with_value(path, value))
    assert dotted(path) in [p.path for p in found], (value, found)


@pytest.mark.parametrize("path", [f[0] for f in FIELDS if f[3]])
@pytest.mark.parametrize(("value", "said"),
                         [(1e30, "less than or equal to"), (-1e30, "greater than or equal to")])
def test_a_huge_whole_number_written_as_a_float_says_the_bound(path: tuple[Any, ...], value: float,
                                                               said: str) -> None:
    # 'capacity: 1e30' said pydantic's 'Unable to parse input string as an integer, exceeded
    # maximum size', not the field's bound
    found = [p for p in load(with_value(path, value)) if p.path == dotted(path)]
    assert found and said in found[0].message, found


@st.composite
def within(draw: st.DrawFn) -> tuple[tuple[Any, ...], Any]:
    path, lo, hi, whole, lo_ok = draw(st.sampled_from(FIELDS))
    if whole:
        value: Any = draw(st.integers(int(lo), int(hi)))
    else:
        value = draw(st.floats(lo, hi, exclude_min=not lo_ok))
        if path[-1] == "background_per_day" and value < 0.001:
            value = 0.0  # 0 or at least 0.001 (test_a_rate_is_zero_or_sensible)
    return path, value


@SETTINGS
@given(case=within())
def test_values_within_the_bounds_are_accepted(case: tuple[tuple[Any, ...], Any]) -> None:
    """(Relations between fields, say warmup shorter than the horizon, may still complain,
    but never about the field itself.)"""
    path, value = case
    # the run's size is such a relation (the horizon times the demand), placed at the flow
    found = [p for p in load(with_value(path, value)) if "fit one simulation run" not in p.message]
    assert dotted(path) not in [p.path for p in found], (value, found)


@SETTINGS
@given(value=st.sampled_from(["0", "0.0001", "1e-9", "5e-324"]))
def test_a_rate_is_zero_or_sensible(value: str) -> None:
    """background_per_day may be 0 (none), but not so small its mean gap overflows."""
    found = load(with_value(("places", 0, "background_per_day"), float(value)))
    assert (found == []) == (float(value) == 0), found


# ---- the size of a run -----------------------------------------------------------------------

@SETTINGS
@given(per_week=st.floats(10_000, 10_000_000), horizon=st.integers(1, 3650))
def test_demand_over_the_run_is_bounded(per_week: float, horizon: int) -> None:
    data = with_value(("demand", 0, "per_week"), per_week)
    data["run"]["horizon_days"] = horizon
    found = [p for p in load(data) if "units of demand" in p.message]
    too_many = per_week * horizon / 7 > MAX_RUN_UNITS
    assert bool(found) == too_many
    if too_many:  # placed at the flow that gives the most (in the file that sets it)
        assert found[0].path == "demand[0].per_week"


def seasonal_days(start: str, days: int, factors: list[float]) -> float:
    """The sum over the run's days of its month's factor (months of the UTC calendar), day by day."""
    first = dt.date.fromisoformat(start)
    return math.fsum(factors[(first + dt.timedelta(days=k)).month - 1] for k in range(days))


@SETTINGS
@given(per_week=st.floats(10_000, 10_000_000), horizon=st.integers(1, 3650),
       factors=st.lists(st.sampled_from([0.0, 0.5, 1.0, 7.0, 100.0]), min_size=12, max_size=12)
       .filter(any))
def test_seasonal_demand_over_the_run_is_bounded(per_week: float, horizon: int, factors: list[float]) -> None:
    # a flow's seasonal factor (up to 100) multiplies what it makes: per_week 500,000 at 100 in
    # every month passed for 1.4 million units in 14 days and made 100 million (out of memory)
    data = with_value(("demand", 0, "per_week"), per_week)
    data["demand"][0]["seasonality"] = factors
    data["run"]["horizon_days"] = horizon
    units = per_week / 7 * seasonal_days(data["run"]["start"], horizon, factors)
    assume(abs(units - MAX_RUN_UNITS) > 1e-6 * MAX_RUN_UNITS)
    found = [p for p in load(data) if "units of demand" in p.message]
    assert bool(found) == (units > MAX_RUN_UNITS), (units, found)
    if found:
        assert found[0].path == "demand[0].per_week"
        assert f"of them {data['demand'][0]['id']}'s" in found[0].message


@SETTINGS
@given(per_day=st.floats(1_000, 10_000), horizon=st.integers(1, 3650), drain=st.integers(0, 3650),
       factors=st.lists(st.sampled_from([0.0, 0.5, 1.0, 7.0, 100.0]), min_size=12, max_size=12)
       .filter(any))
def test_seasonal_background_over_the_run_is_bounded(per_day: float, horizon: int, drain: int,
                                                    factors: list[float]) -> None:
    # outside traffic arrives until the horizon, as demand does: the drain made none, yet it
    # was counted (10,000 a day for 1,000 days was refused for a drain of 21)
    data = with_value(("places", 0, "background_per_day"), per_day)
    data["places"][0]["background_seasonality"] = factors
    data["run"].update(horizon_days=horizon, drain_days=drain)
    vehicles = per_day * seasonal_days(data["run"]["start"], horizon, factors)
    assume(abs(vehicles - MAX_RUN_BACKGROUND) > 1e-6 * MAX_RUN_BACKGROUND)
    found = [p for p in load(data) if "background vehicles" in p.message]
    assert bool(found) == (vehicles > MAX_RUN_BACKGROUND), (vehicles, found)
    if found:  # the error is placed at the traffic of the place that gives the most, and names it
        place = data["places"][0]["id"]
        assert f" of them {place}'s;" in found[0].message, found[0].message
        assert found[0].path == "places[0].background_per_day"


@SETTINGS
@given(headways=st.lists(st.floats(1, 30), min_size=1, max_size=40), horizon=st.integers(1, 3650),
       drain=st.integers(0, 3650))
def test_timetabled_connections_over_the_run_are_bounded(headways: list[float], horizon: int,
                                                         drain: int) -> None:
    data = copy.deepcopy(BASE)
    data["run"].update(horizon_days=horizon, drain_days=drain)
    line = data["services"][0]  # three stops, daily, 02:00 to 22:00
    data["services"] = [dict(line, id=f"S{i}", timetable=dict(line["timetable"], headway_min=h))
                        for i, h in enumerate(headways)]
    data["disruptions"] = []
    trips = [math.floor(1200 / h) + 1 for h in headways]
    per_day = sum(trips) * 2  # two segments
    found = [p for p in load(data) if "connections" in p.message]
    weeks = math.ceil((horizon + drain) / 7)
    assert bool(found) == (per_day * 7 * weeks > MAX_RUN_CONNECTIONS)
    if found:  # it names the service that gives the most (the first of equals)
        top = trips.index(max(trips))
        assert f" of them S{top}'s;" in found[0].message, found[0].message
        assert found[0].path == f"services[{top}].timetable"


def test_a_headway_of_a_microsecond_is_refused_at_once() -> None:
    with bounded(seconds=5):
        found = load(with_value(("services", 0, "timetable", "headway_min"), 1e-6))
    assert [p.path for p in found] == ["services[0].timetable.headway_min"]


# ---- distributions: what validates draws finite numbers ----------------------------------------------

DIST = TypeAdapter(Distribution)
minutes = st.floats(0, MAX_MINUTES)
scales = st.floats(MIN_SCALE_MIN, MAX_MINUTES)


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "exponential", "uniform", "triangular", "lognormal", "gamma",
                                 "empirical"]))
    if kind == "fixed":
        return {"dist": kind, "value_min": draw(minutes)}
    if kind == "exponential":
        return {"dist": kind, "mean_min": draw(scales)}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean_min": draw(scales), "sd_min": draw(scales)}
    if kind == "uniform":
        a, b = sorted(draw(st.tuples(minutes, minutes)))
        return {"dist": kind, "low_min": a, "high_min": b}
    if kind == "triangular":
        a, c, b = sorted(draw(st.tuples(minutes, minutes, minutes)))
        if a == b:  # a triangle needs some width
            a, b = (b - 1, b) if b >= 1 else (a, a + 1)
        return {"dist": kind, "low_min": a, "mode_min": c, "high_min": b}
    values = draw(st.lists(minutes, min_size=1, max_size=20))
    weights = draw(st.lists(st.floats(1e-300, MAX_WEIGHT), min_size=len(values), max_size=len(values)))
    return {"dist": kind, "values_min": values, "weights": weights}


@SETTINGS
@given(spec=distributions(), seed=st.integers(0, 2**32))
def test_every_distribution_that_validates_draws_finite_numbers(spec: dict[str, Any], seed: int) -> None:
    try:
        dist = DIST.validate_python(spec)
    except ValidationError:
        assert spec["dist"] == "empirical"  # only weights too small to divide may be refused
        return
    draws = dist.sample(np.random.default_rng(seed), 2000)
    assert np.isfinite(draws).all() and (draws >= 0).all()
    assert math.isfinite(dist.mean_min) and math.isfinite(dist.variance_min2)


@SETTINGS
@given(dist=st.sampled_from(["exponential", "lognormal", "gamma"]),
       key=st.sampled_from(["mean_min", "sd_min"]),
       value=st.one_of(st.floats(max_value=MIN_SCALE_MIN, exclude_max=True),
                       st.floats(min_value=MAX_MINUTES, exclude_min=True)))
def test_distribution_parameters_beyond_the_bounds_are_refused(dist: str, key: str, value: float) -> None:
    spec = {"dist": dist, "mean_min": 10.0} | ({"sd_min": 5.0} if dist != "exponential" else {})
    if dist == "exponential" and key == "sd_min":
        key = "mean_min"
    with pytest.raises(ValidationError):
        DIST.validate_python(spec | {key: value})


@SETTINGS
@given(weight=st.floats(MAX_WEIGHT, exclude_min=True))
def test_empirical_weights_beyond_the_bound_are_refused(weight: float) -> None:
    with pytest.raises(ValidationError):
        DIST.validate_python({"dist": "empirical", "values_min": [1, 2], "weights": [1, weight]})


def test_a_draw_that_is_not_finite_raises_a_corridor_error() -> None:
    """The last guard, past validation: a gamma of mean 1e200 and sd 1e-200 has an infinite shape."""
    wild = Gamma.model_construct(dist="gamma", mean_min=1e200, sd_min=1e-200)
    with pytest.raises(DistributionError, match="not a finite number"):
        wild.sample(np.random.default_rng(0), 10)


# ---- ids of their own ------------------------------------------------------------------------------

@SETTINGS
@given(new_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True),
       sections=st.permutations(["places", "services", "links"]).map(lambda p: p[:2]))
def test_places_services_and_links_never_share_an_id(new_id: str, sections: list[str]) -> None:
    data = copy.deepcopy(BASE)
    data["disruptions"] = []
    renamed = {"places": ("A", 0), "services": ("S1", 0), "links": ("L1", 0)}
    for section in sections:  # rename the first item of two sections to the same new id
        old, index = renamed[section]
        data[section][index]["id"] = new_id
        if section == "places":  # and the references to the place
            for s in data["services"]:
                s["stops"] = [new_id if x == old else x for x in s["stops"]]
            data["demand"][0]["from"] = new_id
    others = {"A", "B", "C", "S1", "S2", "S3", "L1"} - {renamed[s][0] for s in sections}
    found = load(data)
    if new_id in others:
        assert found  # clashes with another item too
        return
    later = max(sections, key=["places", "services", "links"].index)
    assert [p.path for p in found] == [f"{later}[0].id"]
    assert "ids of their own" in found[0].message


def test_a_disruption_aimed_at_a_place_no_longer_closes_a_service_of_the_same_name() -> None:
    data = copy.deepcopy(BASE)
    data["services"][2]["id"] = "A"  # the dispatched road service, named as place A
    found = load(data)
    assert [p.path for p in found] == ["services[2].id"]


def test_the_factory_zone_is_refused() -> None:
    # tzdata's "Factory" (an unset clock, -00) passed as a place's zone
    from corridor.scenario.schema import Place

    place = {"id": "P", "name": "P", "kind": "junction", "country": "KZ", "lat": 50.0, "lon": 70.0}
    Place.model_validate({**place, "tz": "Asia/Almaty"})
    with pytest.raises(ValueError, match="'Factory' is the zone of an unset clock"):
        Place.model_validate({**place, "tz": "Factory"})
