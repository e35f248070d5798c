"""Fleet behaviour that mutation testing found unguarded: each test names the mutant it kills.

The witnesses are worked by hand from the module's rule (first come, first served; a vehicle
freed goes straight to the longest-waiting formed vehicle), never the fleet's own output.
"""

from __future__ import annotations

import math

import simpy

from corridor.simulation.fleets import Fleet


def test_a_vehicle_stood_down_holding_one_hands_it_to_the_first_in_the_queue() -> None:
    # one vehicle. A asks at 0 and gets it; B asks at 5 and C at 6, both queued. At 10 A is
    # stood down before it runs: the vehicle it holds, never gone, goes to B (the longest
    # waiting) at 10, not home; C still waits. Kills: withdraw of a held vehicle sending it
    # home (free += 1) instead of handing it on (B then waited for a vehicle back that never
    # came, while the fleet counted one free)
    env = simpy.Environment()
    fleet = Fleet(env, 1)
    got: dict[str, float] = {}
    asks: dict[str, list[float]] = {}

    def formed(name: str, at: float, stood_down_at: float | None = None):  # noqa: ANN202
        yield env.timeout(at)
        ask, event = fleet.take()
        asks[name] = ask
        if event is not None:
            yield event
        got[name] = float(env.now)
        if stood_down_at is not None:
            yield env.timeout(stood_down_at - env.now)
            fleet.withdraw(ask)

    env.process(formed("A", 0.0, stood_down_at=10.0))
    env.process(formed("B", 5.0))
    env.process(formed("C", 6.0))
    env.run(until=100.0)
    assert got == {"A": 0.0, "B": 10.0}
    assert fleet.free == 0
    assert math.isnan(asks["C"][1])
    log = fleet.log()  # A's ask, withdrawn, is not logged; C still waiting at the end
    assert log["asked_min"].tolist() == [5.0, 6.0]
    assert log["got_min"][0] == 10.0 and math.isnan(log["got_min"][1])
