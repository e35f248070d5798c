"""run's warnings in words, against what the records say."""

from __future__ import annotations

import textwrap

import numpy as np
import yaml

from corridor import simulate
from corridor.analysis.warnings import run_warnings
from corridor.scenario.schema import Scenario
from corridor.simulation.entities import Status

# a container a day from A, and a train at noon that takes six days to Z: when the run ends
# (three days after the last container) the last trains are still on their way
LONG_TRAIN = """\
name: long_train
run: {start: 2027-03-01, horizon_days: 14, warmup_days: 0, drain_days: 3, replications: 1, seed: 1}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 82, tz: UTC}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
services:
  - {id: T, mode: rail, unit: feu, stops: [A, Z], timetable: {times: ["12:00"]}, duration_min: 8640,
     capacity: 41}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: 7, arrivals: uniform}
"""


def test_units_on_the_way_when_the_run_ends_are_not_said_to_be_at_the_place_they_left() -> None:
    scenario = Scenario.model_validate(yaml.safe_load(textwrap.dedent(LONG_TRAIN)))
    result = simulate(scenario, replications=1)
    u = result.records[0].units
    stuck = u["status"] != Status.DELIVERED
    assert stuck.sum() > 0 and np.all(u["status"][stuck] == Status.ONBOARD)  # all on trains out of A
    said = [w for w in run_warnings(result) if w.startswith("F:")]
    assert len(said) == 1 and "100% of them are on the way from A when the run ends" in said[0], said
    assert "are at A" not in said[0]


def test_where_undelivered_units_are_is_said_of_those_the_count_is_of() -> None:
    # one seat a day for three containers a day, first come first served: when the run ends
    # the warm-up's containers are on the last trains and the window's all wait at A; the
    # warning counts the window's, and says where those are
    text = (LONG_TRAIN.replace("warmup_days: 0", "warmup_days: 7").replace("capacity: 41", "capacity: 1")
            .replace("per_week: 7", "per_week: 21"))
    result = simulate(Scenario.model_validate(yaml.safe_load(textwrap.dedent(text))), replications=1)
    u, rec = result.records[0].units, result.records[0]
    early = (u["created_min"] < rec.warmup_min) & (u["status"] == Status.ONBOARD)
    assert early.sum() > 0  # warm-up containers on the way, left out of the count
    [said] = [w for w in run_warnings(result) if w.startswith("F:")]
    assert "100% of them are at A when the run ends" in said, said


# a container a day from A, a daily train of a day to Z; ``CLOSED`` shuts the train for the
# window's last eight days, so what the window created then reaches Z only in the drain
DAILY = (LONG_TRAIN.replace("horizon_days: 14, warmup_days: 0, drain_days: 3",
                            "horizon_days: 35, warmup_days: 7, drain_days: 10")
         .replace("duration_min: 8640", "duration_min: 1440"))
CLOSED = "disruptions:\n  - {id: SHUT, target: T, start: 2027-03-28T00:00:00Z, end: 2027-04-05T00:00:00Z}\n"


def _window_books(result) -> tuple[int, int]:
    """Containers created in the window and containers delivered in it, counted one by one."""
    rec, created, delivered = result.records[0], 0, 0
    u = rec.units
    for made, status, arrived in zip(u["created_min"].tolist(), u["status"].tolist(),
                                     u["arrival_min"].tolist(), strict=True):
        created += rec.warmup_min <= made < rec.horizon_min
        delivered += status == Status.DELIVERED and rec.warmup_min <= arrived < rec.horizon_min
    return created, delivered


def test_containers_held_in_the_corridor_through_the_window_are_said() -> None:
    # a closure at the window's end: the figure of FEU/week delivered fell a third short of what
    # the window created, every container delivered in the drain, and nothing said why
    result = simulate(Scenario.model_validate(yaml.safe_load(DAILY + CLOSED)), replications=1)
    created, delivered = _window_books(result)
    assert created - delivered >= 0.25 * created  # the closure's eight days of 28
    assert np.all(result.records[0].units["status"] == Status.DELIVERED)
    [said] = [w for w in run_warnings(result) if w.startswith("containers:")]
    weeks = 4.0
    assert said.startswith(f"containers: {(created - delivered) / created:.0%} fewer were delivered in the "
                           f"window than it created ({delivered / weeks:,.1f} against "
                           f"{created / weeks:,.1f} a week)")
    assert f"about {created - delivered:,} more were on the way at its end than at its start" in said
    # open all along: the window delivers about what it creates, and nothing is said
    result = simulate(Scenario.model_validate(yaml.safe_load(DAILY)), replications=1)
    created, delivered = _window_books(result)
    assert abs(created - delivered) <= 3
    assert not [w for w in run_warnings(result) if w.startswith("containers:")]
