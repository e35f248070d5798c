"""The Python API checks its arguments as the command line checks its options: a CorridorError
naming the argument and the value before any work, not an error from numpy, a process pool or
pandas, a hang, or an empty answer."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import corridor
from conftest import MINIMAL
from corridor import simulate
from corridor.analysis.compare import compare
from corridor.errors import CorridorError, PlanningError
from corridor.scenario.schema import Scenario


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Scenario:
    path = tmp_path_factory.mktemp("api") / "tiny.yaml"
    path.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    return corridor.load_scenario(path)


@pytest.mark.parametrize(("kwargs", "said"), [
    # 0 gave an empty summary
    ({"replications": 0}, "replications must be a whole number from 1 to 1,000, not 0"),
    ({"replications": 10**9}, "not 1000000000"),  # hung building its jobs
    ({"replications": 2.5}, "not 2.5"),
    ({"replications": True}, "not True"),
    ({"seed": -1}, "seed must be a whole number from 0 to"),  # numpy's "expected non-negative integer"
    ({"seed": "7"}, "not '7'"),
    ({"seed": 2**70}, f"not {2**70}"),
    ({"workers": -3}, "workers must be a whole number from 0 to 256 (0: one per core), not -3"),
])
def test_simulate_and_compare_refuse_run_arguments_out_of_bounds(tiny: Scenario, kwargs: dict,
                                                                 said: str) -> None:
    with pytest.raises(CorridorError, match="simulate: ") as err:
        simulate(tiny, **kwargs)
    assert said in str(err.value)
    with pytest.raises(CorridorError, match="compare: ") as err:
        compare([tiny, tiny], **kwargs)
    assert said in str(err.value)


def test_numpy_integers_are_whole_numbers(tiny: Scenario) -> None:
    a = simulate(tiny, replications=np.int64(2), seed=np.int64(3))
    b = simulate(tiny, replications=2, seed=3)
    assert a.summary == b.summary or all(
        np.allclose(a.summary[k]["mean"], b.summary[k]["mean"], equal_nan=True) for k in a.summary)


def test_a_dict_or_a_path_is_not_a_scenario(tiny: Scenario) -> None:
    for wrong in (tiny.model_dump(), "scenarios/baseline.yaml"):
        with pytest.raises(CorridorError, match="takes a Scenario .corridor.load_scenario"):
            simulate(wrong)  # type: ignore[arg-type]
        with pytest.raises(CorridorError, match="takes a Scenario"):
            compare([tiny, wrong])  # type: ignore[list-item]


def test_compare_names_one_each(tiny: Scenario) -> None:
    # too few was an IndexError, too many zip's ValueError, two alike merged their KPIs silently
    for names in (["a"], ["a", "b", "c"], ["x", "x"]):
        with pytest.raises(CorridorError, match="names must give each of the 2 scenarios a name of its own"):
            compare([tiny, tiny], names=names, replications=1)


def test_a_ready_date_is_its_midnight_and_nothing_else_is_a_time(tiny: Scenario) -> None:
    planner = corridor.RoutePlanner(tiny)
    on_date = planner.plan("NQZ", "VNO", dt.date(2027, 3, 1))  # was AttributeError: no tzinfo
    assert on_date.ready_min == planner.plan("NQZ", "VNO", "2027-03-01").ready_min
    for wrong in (None, 5):
        with pytest.raises(PlanningError, match="a time is ISO text, a datetime or a date"):
            planner.plan("NQZ", "VNO", wrong)  # type: ignore[arg-type]


def test_records_to_frame_needs_an_aware_epoch(tiny: Scenario) -> None:
    # None made every *_utc column NaT without a word; a naive datetime or a date was pandas'
    # "Cannot convert tz-naive Timestamp"
    rec = simulate(tiny, replications=1).records[0]
    for wrong in (None, dt.datetime(2027, 3, 1), dt.date(2027, 3, 1), "2027-03-01"):
        with pytest.raises(CorridorError, match="to_frame: epoch is the scenario's time zero"):
            rec.to_frame(wrong)  # type: ignore[arg-type]
    frame = rec.to_frame(tiny.run.epoch)
    assert frame["created_utc"].notna().all()
