"""The fast path (NumPy kernels for cargo) gives the SimPy engine's records on the same seed."""

from __future__ import annotations

import numpy as np
import pytest
from validation.queue_scenarios import queue_scenario

from conftest import SCENARIOS
from corridor import simulate
from corridor.errors import CorridorError
from corridor.scenario import load_scenario
from corridor.simulation.fast import covers


def same_records(a, b) -> None:
    for key in a.units:
        x, y = a.units[key], b.units[key]
        assert x.shape == y.shape, key
        if x.dtype.kind == "f":  # SimPy's clock adds delays one timeout at a time: rounding only
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-6, err_msg=key)
        else:
            assert np.array_equal(x, y), key
    assert a.stations.keys() == b.stations.keys()
    for name in a.stations:
        for key in ("arrive_min", "start_min", "end_min", "units"):
            np.testing.assert_allclose(a.stations[name][key], b.stations[name][key], rtol=0, atol=1e-6,
                                       err_msg=f"{name} {key}")
    order_a = np.lexsort((a.station_waits["place"], a.station_waits["unit"]))
    order_b = np.lexsort((b.station_waits["place"], b.station_waits["unit"]))
    for key in ("unit", "place", "arrive_min", "wait_min"):
        np.testing.assert_allclose(a.station_waits[key][order_a], b.station_waits[key][order_b], atol=1e-6)
    assert a.trips_run == b.trips_run


def short(name: str, days: int = 28):
    s = load_scenario(SCENARIOS / name)
    return s.model_copy(update={"run": s.run.model_copy(update={"horizon_days": days})})


@pytest.mark.parametrize("servers", [1, 3])
def test_queue_station_fast_equals_simpy(servers) -> None:
    s = queue_scenario("M/M", servers, 0.85, days=40, replications=2)
    fast, slow = simulate(s, engine="fast"), simulate(s, engine="simpy")
    for a, b in zip(fast.records, slow.records, strict=True):
        same_records(a, b)


def test_baseline_fast_equals_simpy() -> None:
    """Passengers (SimPy beside the fast path) and containers through every border station."""
    s = short("baseline.yaml")
    assert covers(s) is None
    fast, slow = simulate(s, replications=2, engine="fast"), simulate(s, replications=2, engine="simpy")
    for a, b in zip(fast.records, slow.records, strict=True):
        same_records(a, b)
        assert (b.units["station_wait_min"] > 0).sum() > 100  # the queues were really used
    assert fast.summary["cargo.transit_days.mean"] == pytest.approx(slow.summary["cargo.transit_days.mean"])


def test_units_under_way_at_the_end_are_left_where_simpy_leaves_them() -> None:
    s = short("baseline.yaml")
    s = s.model_copy(update={"run": s.run.model_copy(update={"drain_days": 0})})  # units left over
    fast, slow = simulate(s, replications=1, engine="fast"), simulate(s, replications=1, engine="simpy")
    same_records(fast.records[0], slow.records[0])
    status = slow.kpis[0]["status"]
    assert status["waiting"] > 0 and status["onboard"] > 0
    assert fast.kpis[0]["status"] == status


def test_out_of_scope_is_said_plainly() -> None:
    s = load_scenario(SCENARIOS / "malaszewicze_works.yaml")
    assert "disruptions" in covers(s)
    with pytest.raises(CorridorError, match="fast path cannot run malaszewicze_works: disruptions"):
        simulate(s, replications=1, engine="fast")
