"""A unit joining a full formed vehicle at the very minute the first-come rule reshuffled the
formed vehicles of its service (docs/simulation.md, "dispatched services" and "One engine, one
rule set").

Rules used (docs/simulation.md): a vehicle leaves when full or ``cutoff_min`` after its first
unit began to wait; with ``paths_per_day`` a formed vehicle takes the first UTC day with a path
left and, until it leaves, a unit that joins the service boards the last formed vehicle if it
has room and no unit waits for a vehicle of its own; units ready at one minute board by unit
id, whichever landed first (a joining unit that sorts before the full vehicle's latest takes its
place). Where disruptions change the service's room, a vehicle that leaves takes, up to its
room, the first come of all the units waiting for the service by (ready time, unit id), the
other formed vehicles keep their number of units, and one left with none stands down. A closure
over a vehicle's path day gives its path back and the vehicle takes a path again when the
service reopens (that day's, if one is left), leaving at once.

``Formed.latest`` (entities.py) is a cache of the unit that boards a full formed vehicle last;
the first-come rule moves units between vehicles and the pool, so whatever it caches must be
forgotten there. The case below is timed so that a cache kept across the reshuffle names a unit
that has gone to the pool when, at that same minute, a unit ready then with a smaller id joins.
"""

from __future__ import annotations

from collections import Counter

import yaml

from corridor import simulate
from corridor.scenario.schema import Scenario

# Day 0 is Monday 2027-03-01, minute 0 its 00:00 UTC. Every feeder carries the first units of
# a flow that has far more waiting at its origin than the feeder takes, so each trip lands a
# known number of containers at G, at its departure + duration (no delay, no padding, no
# connection time at G).
YARD = """\
name: yard
run: {start: 2027-03-01, horizon_days: 2, warmup_days: 0, drain_days: 4, replications: 1, seed: 1}
places:
  - {id: OA, name: OA, kind: rail_terminal, country: KZ, lat: 40, lon: 80, tz: UTC}
  - {id: OB, name: OB, kind: rail_terminal, country: KZ, lat: 41, lon: 80, tz: UTC}
  - {id: OC, name: OC, kind: rail_terminal, country: KZ, lat: 42, lon: 80, tz: UTC}
  - {id: OE, name: OE, kind: rail_terminal, country: KZ, lat: 43, lon: 80, tz: UTC}
  - {id: OF, name: OF, kind: rail_terminal, country: KZ, lat: 44, lon: 80, tz: UTC}
  - {id: G, name: G, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: Z, name: Z, kind: rail_terminal, country: PL, lat: 52, lon: 23, tz: UTC}
services:
  - {id: RA, mode: rail, unit: feu, stops: [OA, G], duration_min: 60, capacity: 4,
     timetable: {days: [Mon], times: ["03:00"]}}
  - {id: RB, mode: rail, unit: feu, stops: [OB, G], duration_min: 60, capacity: 3,
     timetable: {days: [Mon], times: ["04:00"]}}
  - {id: RC, mode: rail, unit: feu, stops: [OC, G], duration_min: 60, capacity: 1,
     timetable: {days: [Mon], times: ["06:00", "07:00"]}}
  - {id: RE, mode: rail, unit: feu, stops: [OE, G], duration_min: 420, capacity: 2,
     timetable: {days: [Mon], times: ["23:00"]}}
  - {id: RF, mode: rail, unit: feu, stops: [OF, G], duration_min: 60, capacity: 1,
     timetable: {days: [Tue], times: ["05:00"]}}
  - {id: S, mode: rail, unit: feu, stops: [G, Z], duration_min: 600, capacity: 4,
     dispatch: {cutoff_min: 60, paths_per_day: 1}}
demand:
  - {id: FA, kind: cargo, from: OA, to: Z, per_week: 1008, arrivals: uniform}
  - {id: FB, kind: cargo, from: OB, to: Z, per_week: 1008, arrivals: uniform}
  - {id: FC, kind: cargo, from: OC, to: Z, per_week: 1008, arrivals: uniform}
  - {id: FE, kind: cargo, from: OE, to: Z, per_week: 20, arrivals: uniform}
  - {id: FF, kind: cargo, from: OF, to: Z, per_week: 1008, arrivals: uniform}
disruptions:
  - {id: SHUT, target: S, capacity_factor: 0.0, start: 2027-03-02T00:00:00+00:00,
     end: 2027-03-02T06:00:00+00:00}
  - {id: HALF, target: S, capacity_factor: 0.5, start: 2027-03-02T06:00:00+00:00,
     end: 2027-03-04T00:00:00+00:00}
"""

DAY = 1440.0
# where each flow's containers land at G (ready there), from the feeders' timetables
LANDS = {"FA": [240.0], "FB": [300.0], "FC": [420.0, 480.0], "FE": [DAY + 360.0], "FF": [DAY + 360.0]}


def test_a_unit_joining_a_full_vehicle_the_first_come_rule_just_refilled_boards_by_id() -> None:
    """Worked on paper (S carries 4; room 4 on day 0, 0 on day 1 00:00-06:00, 2 from then to
    day 3 00:00, 4 after; one path a UTC day):

    * day 0 04:00: a1-a4 land, fill V0, which takes day 0's path and leaves (minute 240);
    * 05:00: b1-b3 land; at the cut-off, 06:00, they form V1 (day 1's path);
    * 07:00: c1 boards V1, the last formed, which has room; 08:00: c2 finds V1 full and waits;
      at 09:00 its cut-off forms V2 = [c2] (day 2's path);
    * day 1 00:00: S is closed on V1's path: V1 gives the path back and waits for 06:00;
    * day 1 06:00, in this order (SimPy's queue: events scheduled first run first):
      S reopens with room 2; e1, e2 (RE, left 23:00 the day before) land: e1 boards V2, which
      has room (V2 = [c2, e1]), e2 finds it full (its latest is e1) and waits; V1 wakes, takes
      day 1's path again and leaves at once with the first 2 of all units waiting, b1 and b2
      (minute 1800): V2 keeps its 2 units, now the next two, [b3, c1], and c2, e1, e2 wait;
      then f1 lands (RF, left 05:00 that day), ready at 06:00 like e1 but with a smaller id:
      V2 is full, its latest is c1 (day 0), so f1 waits too. Four units wait for room 2: V3 =
      [c2, f1] (the first come: c2, then f1 before e1 by id) takes day 3's path, V4 = [e1, e2]
      day 4's;
    * day 2 00:00: V2 leaves with b3 and c1 (minute 2880);
    * day 3 00:00: V3 leaves with room 4 again: the first come of all waiting, c2, f1, e1 and
      e2 (minute 4320); V4, left with none, stands down.

    A vehicle that kept naming e1 as V2's latest after the reshuffle (e1 is in the pool by
    then) would try to swap f1 for a unit not on V2 when f1 joins."""
    scenario = Scenario.model_validate(yaml.safe_load(YARD))
    rec = simulate(scenario, workers=1).records[0]
    u, dep = rec.units, rec.departures
    flow_of = {i: rec.flows[f] for i, f in zip(u["id"].tolist(), u["flow"].tolist(), strict=True)}
    g = rec.places.index("G")
    left_g = {i: t for i, p, t in zip(dep["unit"].tolist(), dep["place"].tolist(), dep["depart_min"].tolist(),
                                      strict=True) if p == g}
    # the case needs f1 (the first container of FF) to sort before e1 and e2 (FE's first two)
    # at the minute both land: ids follow creation, and FF's first comes within 10 minutes
    e1, e2 = sorted(i for i, f in flow_of.items() if f == "FE")[:2]
    f1 = min(i for i, f in flow_of.items() if f == "FF")
    assert f1 < e1 < e2

    want = Counter({("FA", 240.0): 4, ("FB", 1800.0): 2, ("FB", 2880.0): 1, ("FC", 2880.0): 1,
                    ("FC", 4320.0): 1, ("FE", 4320.0): 2, ("FF", 4320.0): 1})
    assert Counter((flow_of[i], t) for i, t in left_g.items()) == want
    assert left_g[f1] == left_g[e1] == left_g[e2] == 4320.0

    # first come first served at G, as a plain loop: each flow's k-th container to leave G is
    # ready at its k-th landing (a trip's units land together), so none may leave after a unit
    # with a larger (ready time, unit id)
    ready = {}
    for f, lands in LANDS.items():
        mine = sorted(i for i in left_g if flow_of[i] == f)
        per_trip = len(mine) // len(lands)
        for k, i in enumerate(mine):
            ready[i] = lands[min(k // per_trip, len(lands) - 1)]
    order = sorted(left_g, key=lambda i: (ready[i], i))
    for a, b in zip(order, order[1:], strict=False):
        assert left_g[a] <= left_g[b], (a, b)
