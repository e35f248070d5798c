"""A formed vehicle stood down by the first-come rule while it waits: for a vehicle of its
fleet (queued, or holding one during a closure of its service), or for its place to open with
a departure path taken. Each case is timed by hand: feeders land one container at G at 07:00,
10:00, 11:00 and 12:00 on Monday (day 0) and one at 08:00 on Tuesday (1920); S carries 2 but is
cut to 1 on Monday; the fleet's two sets are each gone 600 + 600 min a round trip."""

from __future__ import annotations

import numpy as np
import yaml

from corridor import simulate
from corridor.scenario.schema import Scenario

BASE = """\
name: handover
run: {start: 2027-03-01, horizon_days: 2, warmup_days: 0, drain_days: 5, replications: 1, seed: 1}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: G, name: G, kind: border_station, country: PL, lat: 52, lon: 23, tz: UTC}
  - {id: Z, name: Z, kind: rail_terminal, country: DE, lat: 51, lon: 7, tz: UTC}
fleets:
  - {id: SETS, vehicles: 2, return_factor: 1.0, turnaround_min: 0}
services:
  - {id: MON, mode: rail, unit: feu, stops: [O, G], duration_min: 120, capacity: 1,
     timetable: {days: [Mon], times: ["05:00", "08:00", "09:00"]}}
  - {id: MON2, mode: rail, unit: feu, stops: [O, G], duration_min: 120, capacity: LAST,
     timetable: {days: [Mon], times: ["10:00"]}}
  - {id: TUE, mode: rail, unit: feu, stops: [O, G], duration_min: 120, capacity: 1,
     timetable: {days: [Tue], times: ["06:00"]}}
  - {id: S, mode: rail, unit: feu, stops: [G, Z], dispatch: DISPATCH, duration_min: 600, capacity: 2}
demand:
  - {id: F, kind: cargo, from: O, to: Z, per_week: 1000}
disruptions:
"""


def _run(dispatch: str, disruptions: list[tuple[str, float, str, str]], last: int = 1):
    text = BASE.replace("DISPATCH", dispatch).replace("LAST", str(last))
    for k, (target, factor, start, end) in enumerate(disruptions):
        text += (f"  - {{id: D{k}, target: {target}, capacity_factor: {factor}, "
                 f"start: 2027-03-{start}:00+00:00, end: 2027-03-{end}:00+00:00}}\n")
    rec = simulate(Scenario.model_validate(yaml.safe_load(text)), workers=1).records[0]
    dep = rec.departures
    at_g = sorted(dep["depart_min"][dep["place"] == rec.places.index("G")].tolist())
    return rec, at_g


CUT = ("S", 0.5, "01T00:00", "02T00:00")  # S carries 1 on Monday


def test_a_vehicle_stood_down_in_the_fleets_queue_leaves_it() -> None:
    # c1 (07:00) and c2 (10:00) leave at once with the two sets (back at 1620 and 1800); c3
    # (11:00) forms A and c4 (12:00) B, both queued for a set. S is shut from Tuesday 00:00 to
    # 03:30: A gets the first set back (1620) and leaves at 1650 with both (room 2 again); B,
    # empty, stands down and leaves the queue. The second set, back at 1800, stays home: c5
    # (1920) takes it at once. Left in the queue, B got it and kept it: c5 waited for A's (2850)
    rec, at_g = _run("{cutoff_min: 0, fleet: SETS}", [CUT, ("S", 0.0, "02T00:00", "02T03:30")])
    assert at_g == [420.0, 600.0, 1650.0, 1650.0, 1920.0]
    log = rec.fleets["SETS"]
    assert log["asked_min"].tolist() == [420.0, 600.0, 660.0, 1920.0]
    assert log["got_min"].tolist() == [420.0, 600.0, 1620.0, 1920.0]
    # each set back a round trip (1200 min) after it left
    assert sorted(log["back_min"].tolist()) == sorted(t + 1200.0 for t in (420.0, 600.0, 1650.0, 1920.0))


def test_of_two_vehicles_queued_since_one_minute_the_one_stood_down_alone_leaves_the_queue() -> None:
    # As above, with c4 and c5 landing together at 12:00 (720): each forms a vehicle of its own
    # (B, C), both queued for a set since 720. A leaves at 1650 with c3 and c4; B keeps c5, C is
    # left empty and stands down. B is still queued: it gets the set back at 1800 and leaves
    # then; Tuesday's c6 (1920) waits for A's set (2850). Asks of one minute compare equal: C's
    # withdrawal took B out of the queue too, c5 never left and c6 took B's set at 1920
    rec, at_g = _run("{cutoff_min: 0, fleet: SETS}", [CUT, ("S", 0.0, "02T00:00", "02T03:30")], last=2)
    assert at_g == [420.0, 600.0, 1650.0, 1650.0, 1800.0, 2850.0]
    log = rec.fleets["SETS"]
    assert log["asked_min"].tolist() == [420.0, 600.0, 660.0, 720.0, 1920.0]
    assert log["got_min"].tolist() == [420.0, 600.0, 1620.0, 1800.0, 2850.0]


def test_a_vehicle_stood_down_holding_a_set_through_a_closure_hands_it_on() -> None:
    # S shut from Tuesday 00:00 to 07:00: A gets the set back at 1620, B the one back at 1800;
    # both wait for S to reopen. At 1860 A leaves with c3 and c4; B stands down while it waits
    # out the closure, and its set is free for c5 at 1920. B woke after standing down and
    # went on (with no container): the run failed
    rec, at_g = _run("{cutoff_min: 0, fleet: SETS}", [CUT, ("S", 0.0, "02T00:00", "02T07:00")])
    assert at_g == [420.0, 600.0, 1860.0, 1860.0, 1920.0]
    log = rec.fleets["SETS"]
    assert log["asked_min"].tolist() == [420.0, 600.0, 660.0, 1920.0]
    assert log["got_min"].tolist() == [420.0, 600.0, 1620.0, 1920.0]


def test_a_vehicle_stood_down_waiting_for_its_place_gives_back_its_own_days_path() -> None:
    # Two paths a day. G closed from Tuesday 00:00 to 06:30 (1830), S cut until then and shut
    # from 06:30 to 07:00 (1860). A gets its set at 1620 and takes Tuesday's first path then
    # (mid-day: at once), B at 1800 Tuesday's second; both wait for G to open, then for S. At
    # 1860 A leaves with c3 and c4, and B stands down: it gives back Tuesday's path (taken at
    # 1800), which c5 takes at 1920. Given back as the next day's (1800 rounded up to day 2),
    # Tuesday counted both paths and c5 waited for Wednesday's (2880)
    rec, at_g = _run("{cutoff_min: 0, fleet: SETS, paths_per_day: 2}",
                     [("S", 0.5, "01T00:00", "02T06:30"), ("G", 0.0, "02T00:00", "02T06:30"),
                      ("S", 0.0, "02T06:30", "02T07:00")])
    assert at_g == [420.0, 600.0, 1860.0, 1860.0, 1920.0]
    paths = rec.paths["S"]
    used = dict(zip(paths["day"].tolist(), paths["used"].tolist(), strict=True))
    left_on = np.bincount((np.array(at_g) // 1440).astype(int))  # containers leaving G each day
    assert used == {0: 2, 1: 2}  # day 0: c1's and c2's; day 1: A's (c3, c4) and c5's
    assert left_on.tolist() == [2, 3]
    assert paths["asked_min"].tolist() == [420.0, 600.0, 1620.0, 1920.0]
