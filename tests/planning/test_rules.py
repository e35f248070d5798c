"""The planner's written rules, each on a small hand-made case with the answer worked out.

Cases named after a defect failed before it was fixed: Pareto sets that lost journeys,
profiles that differed from single queries on journeys passing a place twice, link legs
all reported as road, and rides through a segment with no seat left.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from planning.brute_reference import World

from corridor.cli import main
from corridor.errors import NoRouteError, PlanningError
from corridor.network.segments import service_segments
from corridor.network.timetable import build_timetable, first_departures_min
from corridor.planning import RoutePlanner
from corridor.planning.itinerary import chain_legs
from corridor.planning.search import START, Label, Planner, dominates
from corridor.scenario.schema import Scenario


def place(pid: str, lat: float = 0.0, lon: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": lat, "lon": lon,
            "tz": "UTC", **extra}


def service(sid: str, stops: list[str], times: list[str], duration_min: float,
            **extra: Any) -> dict[str, Any]:
    return {"id": sid, "mode": "rail", "unit": "pax", "stops": stops,
            "timetable": {"days": "daily", "times": times}, "duration_min": duration_min,
            "capacity": 100, **extra}


def scenario_data(places: list[dict], services: list[dict], links: list[dict] | None = None,
                  **extra: Any) -> dict[str, Any]:
    """The scenario as the dict its YAML holds (for the brute-force reference too)."""
    return {"name": "case", "run": {"start": "2027-03-22", "horizon_days": 14},
            "places": places, "services": services, "links": links or [], **extra}


def scenario(places: list[dict], services: list[dict], links: list[dict] | None = None,
             **extra: Any) -> Scenario:
    return Scenario.model_validate(scenario_data(places, services, links, **extra))


def hub_x() -> dict[str, Any]:
    """X, where boarding after a link waits a 120-min check-in, and off a vehicle nothing."""
    return place("X", 0, 1, checkin_min=120, min_connection_min=0)


def brute_earliest(data: dict[str, Any], origin: str, target: str, ready: str | dt.datetime) -> float:
    """The earliest arrival by the brute-force reference (shares no code with corridor), as
    minutes since the run's start, for a ready time given in UTC."""
    world = World(data, dt.date(2027, 3, 14), dt.date(2027, 4, 12))
    when = ready if isinstance(ready, dt.datetime) else dt.datetime.fromisoformat(ready + "+00:00")
    return float(world.earliest(world.index[origin], world.index[target], world.minutes(when), unit="pax"))


def link(lid: str, a: str, b: str, minutes: float, cost: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": lid, "from": a, "to": b, "duration_min": minutes, "cost_usd": cost,
            "bidirectional": False, **extra}


def criteria(planner: RoutePlanner, origin: str, target: str, depart: str, **kw: Any) -> set[tuple]:
    result = planner.plan(origin, target, depart, unit="pax", **kw)
    return {(it.to_dict(result.timetable)["arrive"][11:16], it.transfers, round(it.cost_usd, 2))
            for it in result.itineraries}


# ---------------------------------------------------------------- defect 1: ride, then link
def test_ride_then_link_survives_beside_links() -> None:
    # O -> X by S at 09:00 (60 min, free); links O->X 10 min $0, X->W 10 min $0, O->W 15 min $100.
    # Ready 08:00: O->W by link arrives 08:15 for $100; the free chain O->X->W arrives 08:20
    # (it beats S + X->W at 10:10, also free). Before the fix only 08:15 came back.
    sc = scenario([place("O"), place("X", 0, 1), place("W", 0, 2)],
                  [service("S", ["O", "X"], ["09:00"], 60)],
                  [link("OX", "O", "X", 10), link("XW", "X", "W", 10), link("OW", "O", "W", 15, 100)])
    got = criteria(RoutePlanner(sc), "O", "W", "2027-03-26T08:00")
    assert got == {("08:15", 0, 100.0), ("08:20", 0, 0.0)}


def test_ride_then_link_when_no_free_chain() -> None:
    # as above, but the walk X->W is only reachable off the train: O->X by link costs $30, so
    # S + X->W (10:10, $0) is Pareto-optimal beside O->W (08:15, $100) and O->X->W (08:20, $30)
    sc = scenario([place("O"), place("X", 0, 1), place("W", 0, 2)],
                  [service("S", ["O", "X"], ["09:00"], 60)],
                  [link("OX", "O", "X", 10, 30), link("XW", "X", "W", 10), link("OW", "O", "W", 15, 100)])
    got = criteria(RoutePlanner(sc), "O", "W", "2027-03-26T08:00")
    assert got == {("08:15", 0, 100.0), ("08:20", 0, 30.0), ("10:10", 0, 0.0)}


def test_a_label_that_may_not_link_does_not_dominate_one_that_may() -> None:
    by_link = Label(480.0, 0, 0.0, 0.0, False, START)
    by_ride = Label(600.0, 1, 0.0, 0.0, True, START)
    assert not dominates(by_link, by_ride)
    assert dominates(by_ride._replace(time_min=400.0, boardings=0), by_link)


# ---------------------------------------------------------------- defect 2: a place passed twice
def profile_equals_plan(planner: RoutePlanner, origin: str, target: str, start: str) -> np.ndarray:
    result = planner.profile(origin, target, start=start, days=1, step_min=5, unit="pax")
    prof = result.profile
    for k in range(0, prof.ready_min.size, 3):
        ready = result.timetable.to_utc(prof.ready_min[k])
        try:
            want = planner.plan(origin, target, ready, unit="pax").earliest.arrive_min
        except NoRouteError:
            want = np.inf
        assert prof.arrival_min[k] == want, ready
    return prof.arrival_min


def test_out_of_the_origin_by_link_and_back_through_it() -> None:
    # O has a 240-min check-in; link O->X 10 min; R runs X -> O -> T at 08:15, 120 min in all.
    # Ready 08:00: walk to X by 08:10, board R at 08:15, ride through O, reach T at 10:15.
    sc = scenario([place("O", checkin_min=240), place("X", 0, 1), place("T", 0, -1)],
                  [service("R", ["X", "O", "T"], ["08:15"], 120)], [link("OX", "O", "X", 10)])
    planner = RoutePlanner(sc)
    assert criteria(planner, "O", "T", "2027-03-26T08:00") == {("10:15", 0, 0.0)}
    arrivals = profile_equals_plan(planner, "O", "T", "2027-03-26T00:00")
    ready = planner.profile("O", "T", start="2027-03-26T08:00", days=1 / 1440, unit="pax")
    assert ready.profile.total_min[0] == 135
    assert np.isfinite(arrivals).all()
    limited = planner.profile("O", "T", start="2027-03-26T08:00", days=1 / 1440, unit="pax", max_transfers=0)
    assert limited.profile.total_min[0] == 135


def test_through_one_place_twice() -> None:
    # S1 A->Y->X, S2 X->Y->B; 255 min to connect at Y, none at X. Ready 07:00 at A: S1 at
    # 08:00 reaches Y 09:00 (too late for S2 at Y 11:30 with 255 min) and X 10:00; S2 leaves X
    # 10:30, passes Y 11:30 and reaches B 12:30.
    sc = scenario([place("A", 0, 0), place("Y", 0, 1, min_connection_min=255), place("X", 0, 2),
                   place("B", 1, 1)],
                  [service("S1", ["A", "Y", "X"], ["08:00"], 120),
                   service("S2", ["X", "Y", "B"], ["10:30"], 120)])
    planner = RoutePlanner(sc)
    assert criteria(planner, "A", "B", "2027-03-26T07:00") == {("12:30", 1, 0.0)}
    profile_equals_plan(planner, "A", "B", "2027-03-26T00:00")
    one = planner.profile("A", "B", start="2027-03-26T07:00", days=1 / 1440, unit="pax")
    assert one.profile.total_min[0] == 330


def profile_at(planner: RoutePlanner, origin: str, target: str, ready: str) -> float:
    """The profile's arrival (minutes since the run's start) for the one ready time ``ready``."""
    prof = planner.profile(origin, target, start=ready, days=1 / 1440, unit="pax").profile
    return float(prof.arrival_min[0])


def test_profile_changes_at_the_origin_come_back_to_by_vehicle() -> None:
    # Guards against the profile refusing to alight where the journey has merely STOPPED (left
    # by link) rather than alighted before (``q in visited`` for ``q in alighted``). O has a
    # 240-min check-in; walk O->X 10 min; R X->O 08:15 (30 min); S O->T 09:00 (60 min). Ready
    # Fri 26 March 08:00 at O: by hand, walk to X by 08:10, R at 08:15, off at O 08:45, which
    # is off a vehicle (connection time 0, not check-in), S 09:00, T 10:00 the same day. The
    # mutant could only board S after check-in: T 10:00 the next day.
    data = scenario_data([place("O", checkin_min=240), place("X", 0, 1), place("T", 0, 2)],
                         [service("R", ["X", "O"], ["08:15"], 30), service("S", ["O", "T"], ["09:00"], 60)],
                         [link("L", "O", "X", 10)])
    planner = RoutePlanner(Scenario.model_validate(data))
    ten = planner.when("2027-03-26T10:00", "T")
    assert profile_at(planner, "O", "T", "2027-03-26T08:00") == ten
    assert brute_earliest(data, "O", "T", "2027-03-26T08:00") == ten
    # over the day, every ready time as the brute force (before 08:00 the walk waits for R)
    prof = planner.profile("O", "T", start="2027-03-26T00:00", days=1, step_min=45, unit="pax").profile
    epoch = dt.datetime(2027, 3, 22, tzinfo=dt.UTC)
    for ready, arrival in zip(prof.ready_min, prof.arrival_min, strict=True):
        assert arrival == brute_earliest(data, "O", "T", epoch + dt.timedelta(minutes=float(ready))), ready


def test_profile_boards_after_a_link_only_after_check_in() -> None:
    # Guards against the profile waiting only the connection time after a link
    # (``after_link = min_connection_min``). X: check-in 120, connection 0; walk O->X 10 min;
    # S2 X->T 08:45 (60 min). Ready 08:00: at X 08:10, may board from 10:10 (the larger of
    # check-in and connection time after a link), so by hand today's S2 is missed and T is
    # reached at 09:45 the next day, as the single query and the brute force say; the mutant
    # boarded today's S2 at 08:45.
    data = scenario_data([place("O"), hub_x(), place("T", 0, 2)],
                         [service("S2", ["X", "T"], ["08:45"], 60)], [link("L", "O", "X", 10)])
    planner = RoutePlanner(Scenario.model_validate(data))
    next_day = planner.when("2027-03-27T09:45", "T")
    assert profile_at(planner, "O", "T", "2027-03-26T08:00") == next_day
    assert brute_earliest(data, "O", "T", "2027-03-26T08:00") == next_day
    assert planner.plan("O", "T", "2027-03-26T08:00", unit="pax").earliest.arrive_min == next_day


def test_profile_lower_bound_of_a_dispatched_vehicle_is_its_cutoff_and_ride() -> None:
    # Guards against a lower bound on the way on that overstates a dispatched vehicle's time
    # (there: cut-off + ride + 1), which prunes a pattern that is in fact best. DIRECT O->T
    # 08:00 (61 min, at T 09:01); S0 O->Y 07:30 (30 min); D Y->T dispatched, cut-off 0.5 min,
    # 60 min ride. Ready 07:00: by hand S0 lands at Y 08:00, D leaves 08:00:30, at T 09:00:30,
    # half a minute before DIRECT. The bound from Y must be at most 60.5 min, or Y (boarding at
    # 08:00) looks unable to beat 09:01.
    data = scenario_data([place("O"), place("Y", 0, 1), place("T", 0, 2)],
                         [service("DIRECT", ["O", "T"], ["08:00"], 61),
                          service("S0", ["O", "Y"], ["07:30"], 30), dispatched("D", "Y", "T", 0.5, 60)])
    planner = RoutePlanner(Scenario.model_validate(data))
    want = planner.when("2027-03-26T09:00", "T") + 0.5
    assert profile_at(planner, "O", "T", "2027-03-26T07:00") == want
    assert brute_earliest(data, "O", "T", "2027-03-26T07:00") == want
    result = planner.profile("O", "T", start="2027-03-26T07:00", days=1 / 1440, unit="pax")
    assert result.route_shares() == [("S0 > D", 1.0)]


# ---------------------------------------------------------------- defect 3: link modes
@pytest.mark.parametrize("mode", ["rail", "transfer", "road"])
def test_link_legs_keep_their_own_mode(mode: str, capsys, tmp_path) -> None:
    sc = scenario([place("O"), place("W", 0, 1)], [], [link("BRIDGE", "O", "W", 20, mode=mode)])
    leg = RoutePlanner(sc).plan("O", "W", "2027-03-26T08:00", unit="pax").earliest.legs[0]
    assert (leg.kind, leg.mode) == ("link", mode)


def test_modes_filter_vehicle_links_but_not_walks() -> None:
    sc = scenario([place("O"), place("X", 0, 1), place("W", 0, 2)], [],
                  [link("ROAD", "O", "W", 20, mode="road"), link("WALK", "O", "X", 5, mode="transfer"),
                   link("TRAIN", "X", "W", 30, mode="rail")])
    planner = RoutePlanner(sc)
    assert criteria(planner, "O", "W", "2027-03-26T08:00", modes=["road"]) == {("08:20", 0, 0.0)}
    assert criteria(planner, "O", "W", "2027-03-26T08:00", modes=["rail"]) == {("08:35", 0, 0.0)}
    with pytest.raises(NoRouteError):
        planner.plan("O", "W", "2027-03-26T08:00", unit="pax", modes=["air"])


# ---------------------------------------------------------------- dispatched services
def dispatched(sid: str, a: str, b: str, cutoff: float, minutes: float) -> dict[str, Any]:
    return {"id": sid, "mode": "road", "unit": "pax", "stops": [a, b], "dispatch": {"cutoff_min": cutoff},
            "duration_min": minutes, "capacity": 8, "cost_usd": 5}


def test_dispatched_vehicle_waits_its_cutoff_and_counts_as_a_boarding() -> None:
    # a minibus O->X leaves at the latest 30 min after one is there; 60 min ride; then S X->W
    sc = scenario([place("O"), place("X", 0, 1), place("W", 0, 2)],
                  [service("S", ["X", "W"], ["10:00"], 60), dispatched("BUS", "O", "X", 30, 60)])
    planner = RoutePlanner(sc)
    result = planner.plan("O", "W", "2027-03-26T08:00", unit="pax")
    legs = result.earliest.legs
    assert [(leg.kind, leg.name) for leg in legs] == [("dispatch", "BUS"), ("service", "S")]
    assert legs[0].dep_min - result.ready_min == 30 and legs[0].duration_min == 60
    assert result.earliest.transfers == 1
    with pytest.raises(NoRouteError):  # two vehicles are not direct
        planner.plan("O", "W", "2027-03-26T08:00", unit="pax", direct_only=True)
    with pytest.raises(NoRouteError):
        planner.plan("O", "W", "2027-03-26T08:00", unit="pax", max_transfers=0)
    direct = planner.plan("O", "X", "2027-03-26T08:00", unit="pax", direct_only=True).earliest
    assert direct.total_min == 90 and direct.transfers == 0
    with pytest.raises(NoRouteError):  # the bus is road: --modes rail leaves it out
        planner.plan("O", "W", "2027-03-26T08:00", unit="pax", modes=["rail"])


@pytest.mark.parametrize("by_link", [False, True])
def test_a_journey_led_by_a_dispatched_vehicle_sets_off_at_the_ready_moment(by_link: bool) -> None:
    # D (cut-off 0) then T at 10:00 or 20:00 (equal: both make U at 23:00). Asking again from
    # just after the 10:00's moment found D at 09:00 + 1e-6 min into the 20:00, and it was shown
    # so: a two-hour wait at A no rule allows, and 09:00:00.000060 in --json. Likewise after a
    # link A -> X before D.
    start = "X" if by_link else "A"
    sc = scenario([place("A"), place("X", 0, 1), place("B", 0, 10), place("C", 0, 20), place("E", 0, 30)],
                  [dispatched("D", start, "B", 0, 60), service("T", ["B", "C"], ["10:00", "20:00"], 60),
                   service("U", ["C", "E"], ["23:00"], 60)],
                  [{"id": "L", "from": "A", "to": "X", "duration_min": 30}] if by_link else None)
    result = RoutePlanner(sc).plan("A", "E", "2027-03-26T07:00", unit="pax")
    (it,) = result.itineraries
    d = next(leg for leg in it.legs if leg.name == "D")
    assert d.dep_min == result.ready_min + (30 if by_link else 0)
    assert it.legs[0].dep_min == result.ready_min
    assert all(leg.dep_min == round(leg.dep_min) and leg.arr_min == round(leg.arr_min) for leg in it.legs)


def dispatch_times(sc: Scenario, origin: str, target: str) -> list[tuple[str, str, str]]:
    """(leg, departure, arrival) as hh:mm of the earliest plan from 2027-03-26 08:00, after
    checking that the Pareto set's fastest, and the profile at that minute, arrive with it."""
    planner = RoutePlanner(sc)
    result = planner.plan(origin, target, "2027-03-26T08:00", unit="pax")
    tt, earliest = result.timetable, result.earliest
    assert result.itineraries[0].arrive_min == earliest.arrive_min
    prof = planner.profile(origin, target, start="2027-03-26T08:00", days=1, unit="pax").profile
    assert prof.arrival_min[0] == earliest.arrive_min
    day = (earliest.arrive_min - earliest.ready_min) // 1440  # days after the 26th, if any
    last = earliest.legs[-1]
    return [(leg.name, tt.local(leg.dep_min, leg.origin).strftime("%H:%M"),
             tt.local(leg.arr_min, leg.dest).strftime("%H:%M") + ("+1" if day and leg is last else ""))
            for leg in earliest.legs]


def test_a_dispatched_vehicle_is_joined_after_check_in_at_the_origin() -> None:
    # O has a 60-min check-in; a bus O->X leaves at the latest 30 min after one joins it, 60 min
    # ride. Ready 08:00: joins at 09:00 (as for any vehicle from the origin), planned to leave
    # 09:30 (the latest the cut-off guarantees), at X 10:30. Before the fix: left 08:30 (as a
    # link from the ready time), at X 09:30, an hour before the simulation's unit gets there.
    sc = scenario([place("O", checkin_min=60), place("X", 0, 1)], [dispatched("BUS", "O", "X", 30, 60)])
    assert dispatch_times(sc, "O", "X") == [("BUS", "09:30", "10:30")]


def test_landing_from_a_dispatched_vehicle_takes_the_connection_time_not_check_in() -> None:
    # bus O->X (cut-off 0, 60 min); X: check-in 60, connection 0; train S X->W at 09:30 (60 min).
    # Ready 08:00: the bus leaves 08:00, lands 09:00, boards at 09:00 + 0 (off a vehicle: the
    # connection time), so S 09:30 -> W 10:30. Before the fix X's check-in (after a link) made
    # boarding 10:00: S the next day, W 10:30 a day later.
    sc = scenario([place("O"), place("X", 0, 1, checkin_min=60), place("W", 0, 2)],
                  [dispatched("BUS", "O", "X", 0, 60), service("S", ["X", "W"], ["09:30"], 60)])
    assert dispatch_times(sc, "O", "W") == [("BUS", "08:00", "09:00"), ("S", "09:30", "10:30")]


def test_a_dispatched_vehicle_after_a_link_is_joined_after_the_connection_time() -> None:
    # walk O->X 10 min; X: connection 30; bus X->W (cut-off 30, 60 min). Ready 08:00: at X
    # 08:10, joins the bus at 08:10 + max(check-in 0, connection 30) = 08:40, planned to leave
    # 09:10, at W 10:10. Before the fix the walk and the bus were one chain of links: the bus
    # left 08:40 (08:10 + cut-off), at W 09:40.
    sc = scenario([place("O"), place("X", 0, 1, min_connection_min=30), place("W", 0, 2)],
                  [dispatched("BUS", "X", "W", 30, 60)], [link("WALK", "O", "X", 10, units=["pax"])])
    assert dispatch_times(sc, "O", "W") == [("WALK", "08:00", "08:10"), ("BUS", "09:10", "10:10")]


def test_a_link_after_a_dispatched_vehicle_waits_the_connection_time() -> None:
    # bus O->X (cut-off 0, 60 min); X: connection 20; walk X->W 10 min. Ready 08:00: the bus
    # lands 09:00, the walk may leave 09:20 (off a vehicle), at W 09:30. Before the fix the bus
    # and the walk were one chain: at W 09:10.
    sc = scenario([place("O"), place("X", 0, 1, min_connection_min=20), place("W", 0, 2)],
                  [dispatched("BUS", "O", "X", 0, 60)], [link("WALK", "X", "W", 10, units=["pax"])])
    assert dispatch_times(sc, "O", "W") == [("BUS", "08:00", "09:00"), ("WALK", "09:20", "09:30")]


def test_a_journey_led_by_a_dispatched_vehicle_is_not_set_off_before_the_ready_time() -> None:
    # Guards against ``_slack`` measuring the wait after a dispatched vehicle with the
    # after-link time (check-in) instead of the connection time: the slack came out negative,
    # the search for the journey that sets off last was asked from BEFORE the ready time, and
    # it showed E leaving 07:35 though the traveller is ready at 09:00. X: check-in 120,
    # connection 0; E O->X 07:35 (10 min); S X->T 10:00 (60 min); D O->X dispatched, cut-off
    # 0, 30 min, free. Ready 09:00: by hand D leaves 09:00, lands 09:30, S 10:00, T 11:00;
    # tomorrow's E and S arrive a day later for the same transfers and fare.
    data = scenario_data([place("O"), hub_x(), place("T", 0, 2)],
                         [service("E", ["O", "X"], ["07:35"], 10), service("S", ["X", "T"], ["10:00"], 60),
                          {**dispatched("D", "O", "X", 0, 30), "cost_usd": 0}])
    result = RoutePlanner(Scenario.model_validate(data)).plan("O", "T", "2027-03-26T09:00", unit="pax")
    (it,) = result.itineraries
    tt = result.timetable
    assert [(leg.name, tt.local(leg.dep_min, leg.origin).strftime("%d %H:%M")) for leg in it.legs] == [
        ("D", "26 09:00"), ("S", "26 10:00")]
    assert all(leg.dep_min >= result.ready_min for leg in it.legs)
    assert it.arrive_min == brute_earliest(data, "O", "T", "2027-03-26T09:00")


def test_chain_legs_join_a_dispatched_vehicle_after_a_link_after_check_in() -> None:
    # Guards against ``chain_legs`` (the simulation's gateway legs) waiting only the connection
    # time after a link before joining a dispatched vehicle. Walk L O->X 10 min; X: check-in
    # 120, connection 0; D X->T dispatched, cut-off 0, 30 min. Ready 08:00: by hand L 08:00 to
    # 08:10, D joined after max(check-in, connection) = 10:10, leaves then, at T 10:40. The
    # mutant left 08:10. The planner and the brute force time the same chain so.
    data = scenario_data([place("O"), hub_x(), place("T", 0, 2)],
                         [dispatched("D", "X", "T", 0, 30)], [link("L", "O", "X", 10)])
    tt = build_timetable(Scenario.model_validate(data), horizon_days=2)
    rows = (tt.links.ids.index("L"), tt.links.ids.index("D"))
    got = [(leg.name, leg.dep_min, leg.arr_min) for leg in chain_legs(tt, tt.index["O"], rows, 480.0)]
    assert got == [("L", 480.0, 490.0), ("D", 610.0, 640.0)]
    planned = Planner(tt).earliest(tt.index["O"], tt.index["T"], 480.0)
    assert [(leg.name, leg.dep_min, leg.arr_min) for leg in planned.legs] == got
    world = World(data, dt.date(2027, 3, 21), dt.date(2027, 3, 24))
    (found,) = world.search(world.index["O"], world.index["T"], 480, unit="pax")
    assert [(m[1], m[4], m[5]) for m in found.moves] == got


# ---------------------------------------------------------------- rounding
def test_running_times_round_the_running_total_half_up() -> None:
    places = {p["id"]: p for p in [place("A", 0, 0), place("B", 0, 1), place("C", 0, 2)]}
    from corridor.scenario.schema import Place, Service

    objs = {k: Place.model_validate(v) for k, v in places.items()}
    two = Service.model_validate(service("S", ["A", "B"], ["08:00"], 60.5))
    assert service_segments(two, objs)[0].arrive_offset_min == 61  # not banker's 60
    three = Service.model_validate(service("S", ["A", "B", "C"], ["08:00"], 121))  # 60.5 + 60.5
    segs = service_segments(three, objs)
    assert [(s.depart_offset_min, s.arrive_offset_min) for s in segs] == [(0, 61), (61, 121)]
    dwell = Service.model_validate(service("S", ["A", "B", "C"], ["08:00"], 121.5, dwell_min=0.5))
    segs = service_segments(dwell, objs)  # 60.5 | dwell 0.5 | 60.5: arrive 61, leave 61, arrive 122
    assert [(s.depart_offset_min, s.arrive_offset_min) for s in segs] == [(0, 61), (61, 122)]


def test_a_stop_after_a_segment_stretched_to_a_minute_keeps_its_dwell() -> None:
    # A -> B -> A -> C, 1,000 km in all, 60 min of running and 5 min dwells: A-B and B-A are
    # 0.3 min each by distance, so B is reached at 1 (stretched from 0), left at 6 (0.3 + 5,
    # rounded, + 1 stretched), A reached at 7 (5.6 rounded 6, stretched), and left at 12: a
    # stop of 5 min. Before the fix A was left at 11 (10.6 rounded), a stop of 4.
    from corridor.scenario.schema import Place, Service

    objs = {k: Place.model_validate(place(k, 0, x)) for k, x in (("A", 0.0), ("B", 0.045), ("C", 9.0))}
    svc = Service.model_validate(service("S", ["A", "B", "A", "C"], ["08:00"], 70, dwell_min=5,
                                         distance_km=1000.0))
    segs = [(s.depart_offset_min, s.arrive_offset_min) for s in service_segments(svc, objs)]
    for (_, arrive), (leave, _) in zip(segs, segs[1:], strict=False):
        assert leave - arrive >= 5
    assert segs[-1][1] == 70  # the last segment gives the time back


# ---------------------------------------------------------------- any date
@pytest.fixture(scope="module")
def baseline() -> RoutePlanner:
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    return RoutePlanner(load_scenario(SCENARIOS / "baseline.yaml"))


@pytest.mark.parametrize("depart", ["2026-12-10T08:00", "2027-03-03T08:00", "2027-07-06T08:00",
                                    "2027-10-30T20:00", "2028-02-02T08:00"])
def test_plan_on_any_date_shows_the_offsets_of_that_date(baseline, depart: str) -> None:
    # before, inside and after the run's 70 days, across both summer-time changes: every leg
    # time is the local time the standard library gives for that instant at that place
    result = baseline.plan("NQZ", "VNO", depart)
    it = result.earliest.to_dict(result.timetable)
    assert it["legs"][0]["depart"] >= dt.datetime.fromisoformat(depart).isoformat()
    zones = {p.id: ZoneInfo(p.tz) for p in baseline.scenario.places}
    for leg in it["legs"]:
        for key, where in (("depart", leg["from"]), ("arrive", leg["to"])):
            when = dt.datetime.fromisoformat(leg[key])
            assert when.astimezone(zones[where]).isoformat() == leg[key]
    if depart.startswith("2027-07"):
        assert it["arrive"].endswith("+03:00")  # Vilnius in summer
    if depart.startswith("2028"):
        assert it["arrive"].endswith("+02:00")


def test_weekly_repeat_far_from_the_run(baseline) -> None:
    # 3 March 2027 and 8 December 2027 are both Wednesdays in winter time everywhere on the way
    a = baseline.plan("NQZ", "VNO", "2027-03-03T08:00").earliest
    b = baseline.plan("NQZ", "VNO", "2027-12-08T08:00").earliest
    assert b.arrive_min - a.arrive_min == (dt.date(2027, 12, 8) - dt.date(2027, 3, 3)).days * 1440
    assert [leg.name for leg in a.legs] == [leg.name for leg in b.legs]


def test_autumn_fold_reads_the_first_offset() -> None:
    # 03:30 on Sunday 31 October 2027 happens twice in Vilnius (EEST, then EET): the first,
    # +03:00, is 00:30 UTC; a week later it is 01:30 UTC
    epoch = dt.datetime(2027, 10, 25, tzinfo=dt.UTC)
    t = first_departures_min((6,), (210,), "Europe/Vilnius", epoch, 14 * 1440)
    assert t.tolist() == [6 * 1440 + 30, 13 * 1440 + 90]


def test_profile_starts_monday_local_midnight_and_reports_instants(baseline) -> None:
    result = baseline.profile("NQZ", "VNO", step_min=60)
    assert result.start.isoformat() == "2027-03-01T00:00:00+05:00"
    data = result.to_dict()
    assert data["depart"][0] == "2027-03-01T00:00:00+05:00" and len(data["depart"]) == 7 * 24
    arrive = dt.datetime.fromisoformat(data["arrive"][0])
    depart = dt.datetime.fromisoformat(data["depart"][0])
    assert (arrive - depart).total_seconds() / 60 == data["total_min"][0]


def test_profile_before_the_run_is_not_moved_to_the_epoch(baseline) -> None:
    result = baseline.profile("NQZ", "VNO", start="2026-11-02T00:00", days=1, step_min=60)
    assert result.start.isoformat() == "2026-11-02T00:00:00+05:00"
    assert np.isfinite(result.profile.total_min).all()


def test_plan_finds_a_trip_that_left_its_first_stop_days_before_the_ready_time() -> None:
    # Guards against the plan's window of trips starting the day before the ready time rather
    # than the longest trip before it. LONG runs A -> B -> C on Mondays at 00:00, 4200 min,
    # B 20/21 of the way (places 120 and 126 degrees along the equator): by hand, Monday 22
    # March's trip is at B Wednesday 24 at 18:40 (4000 min) and at C 22:00. Asked B -> C
    # from Wednesday 12:00, that trip is the way (the next passes B a week later); the
    # mutant saw no trip and said there was no route.
    data = scenario_data([place("A", 0, 0), place("B", 0, 120), place("C", 0, 126)],
                         [service("LONG", ["A", "B", "C"], ["00:00"], 4200,
                                  timetable={"days": ["Mon"], "times": ["00:00"]})])
    planner = RoutePlanner(Scenario.model_validate(data))
    for ready in ("2027-03-24T12:00", "2027-03-31T12:00"):  # in the run, and the next week
        result = planner.plan("B", "C", ready, unit="pax", window_days=3)
        (it,) = result.itineraries
        d = it.to_dict(result.timetable)
        assert (d["depart"], d["arrive"]) == (f"{ready[:10]}T18:40:00+00:00", f"{ready[:10]}T22:00:00+00:00")
        assert it.arrive_min == brute_earliest(data, "B", "C", ready)


# ---------------------------------------------------------------- validity
def test_validity_period_bounds_a_seasonal_service() -> None:
    # SCAT flew NQZ-VNO from May 2018 to January 2019 (FACTS.md)
    sc = scenario([place("O"), place("W", 0, 1)],
                  [service("SEASONAL", ["O", "W"], ["09:00"], 60, valid_from="2018-05-15",
                           valid_to="2019-01-31")])
    planner = RoutePlanner(sc)
    assert planner.plan("O", "W", "2018-06-01T08:00", unit="pax").earliest.total_min == 120
    last = planner.plan("O", "W", "2019-01-31T08:00", unit="pax").earliest
    assert last.total_min == 120
    with pytest.raises(NoRouteError, match="SEASONAL runs only 2018-05-15 to 2019-01-31"):
        planner.plan("O", "W", "2027-03-26T08:00", unit="pax")
    with pytest.raises(NoRouteError):  # the evening of the last day: the next would be 1 Feb
        planner.plan("O", "W", "2019-01-31T10:00", unit="pax")


def test_a_profile_that_reaches_nothing_names_the_periods_too(tmp_path, capsys) -> None:
    # plan said which services do not run on the date asked; profile, over a week, did not
    import yaml

    from corridor.cli import main

    sc = scenario([place("O"), place("W", 0, 1)],
                  [service("SEASONAL", ["O", "W"], ["09:00"], 60, valid_from="2018-05-15",
                           valid_to="2019-01-31")])
    path = tmp_path / "seasonal.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json", by_alias=True, exclude_none=True)))
    args = ["profile", str(path), "--from", "O", "--to", "W", "--unit", "pax", "--days", "2"]
    assert main([*args, "--start", "2027-03-26T08:00"]) == 1  # nothing reached
    assert "SEASONAL runs only 2018-05-15 to 2019-01-31" in capsys.readouterr().err
    # a week that meets the period by a day: the service runs in it, and nothing is said of it
    assert main([*args, "--start", "2019-01-30T08:00"]) == 0
    err = capsys.readouterr().err
    assert "runs only" not in err


@pytest.mark.parametrize(("bounds", "said"), [
    ({"valid_to": "2019-01-31"}, "SEASONAL runs only until 2019-01-31"),  # was "before to 2019-01-31"
    ({"valid_from": "2028-05-15"}, "SEASONAL runs only from 2028-05-15"),  # was "2028-05-15 to onwards"
])
def test_an_open_validity_period_is_said_in_words(bounds: dict[str, str], said: str) -> None:
    sc = scenario([place("O"), place("W", 0, 1)], [service("SEASONAL", ["O", "W"], ["09:00"], 60, **bounds)])
    with pytest.raises(NoRouteError, match=said):
        RoutePlanner(sc).plan("O", "W", "2027-03-26T08:00", unit="pax")


def test_scenario_validity_narrows_every_service() -> None:
    sc = scenario([place("O"), place("W", 0, 1)], [service("S", ["O", "W"], ["09:00"], 60)],
                  valid_from="2027-01-01", valid_to="2027-06-30")
    tt = build_timetable(sc, start_min=-200 * 1440, end_min=200 * 1440)
    days = sorted({(sc.run.epoch + dt.timedelta(minutes=float(t))).date() for t in tt.service_starts[0]})
    assert days[0] == dt.date(2027, 1, 1) and days[-1] == dt.date(2027, 6, 30)


# ---------------------------------------------------------------- units
def test_unit_hint_names_the_units_that_serve(capsys) -> None:
    from conftest import SCENARIOS

    code = main(["plan", str(SCENARIOS / "baseline.yaml"), "--from", "NQZ", "--to", "VNO",
                 "--depart", "2027-03-01T08:00", "--unit", "feu"])
    err = capsys.readouterr().err
    assert code == 2 and "passengers (pax)" in err and "--unit pax" in err


def test_the_default_unit_is_the_one_carried_from_the_origin() -> None:
    # a junction (or a city) left only by a passenger service: the default was feu everywhere
    # but at airports, and plan asked for --unit pax where nothing else could be meant
    sc = scenario([place("O"), place("W", 0, 1)], [service("S", ["O", "W"], ["09:00"], 60)])
    (it, *_) = RoutePlanner(sc).plan("O", "W", "2027-03-26T08:00").itineraries
    assert [leg.name for leg in it.legs] == ["S"]
    with pytest.raises(PlanningError, match="add --unit pax"):  # asked for, it is still refused
        RoutePlanner(sc).plan("O", "W", "2027-03-26T08:00", unit="feu")


def test_plans_say_they_ignore_disruptions(capsys) -> None:
    from conftest import SCENARIOS

    # Kena is closed 12 - 19 April 2027; a Xi'an container ready on 5 April crosses it then
    code = main(["plan", str(SCENARIOS / "kena_closure.yaml"), "--from", "XIAN", "--to", "VILNIUS",
                 "--depart", "2027-04-05T08:00"])
    out = capsys.readouterr().out
    assert code == 0 and "note: planned on the undisrupted timetable: KENA is closed" in out
    code = main(["plan", str(SCENARIOS / "kena_closure.yaml"), "--from", "XIAN", "--to", "VILNIUS",
                 "--depart", "2027-06-10T08:00"])
    assert code == 0 and "undisrupted" not in capsys.readouterr().out  # long after it


def test_a_profile_week_is_a_week_of_the_origin_clock(baseline) -> None:
    # Vilnius falls back an hour on Sunday 31 October 2027: that week has 169 hours
    autumn = baseline.profile("VNO", "NQZ", start="2027-10-25T00:00", step_min=60).to_dict()
    assert len(autumn["depart"]) == 169
    assert autumn["depart"][-1] == "2027-10-31T23:00:00+02:00"
    spring = baseline.profile("VNO", "NQZ", start="2027-03-22T00:00", step_min=60).to_dict()
    assert len(spring["depart"]) == 167 and spring["depart"][-1] == "2027-03-28T23:00:00+03:00"


def test_plans_say_they_leave_out_queues_and_dispatch_waits() -> None:
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    # a station (servers) on the way and a dispatched service are named; a timetable of plain
    # stops gets no note
    sc = scenario([place("O"), place("W", 0, 1)], [service("S", ["O", "W"], ["09:00"], 60)])
    assert RoutePlanner(sc).plan("O", "W", "2027-03-01T08:00", unit="pax").notes == []
    queued = sc.model_copy(update={"places": [sc.places[0], sc.places[1].model_copy(
        update={"servers": 1, "service_time": {"dist": "fixed", "value_min": 30}})]})
    (note,) = RoutePlanner(queued).plan("O", "W", "2027-03-01T08:00", unit="pax").notes
    assert "queues and customs holds at W" in note and "dispatched" not in note
    baseline = RoutePlanner(load_scenario(SCENARIOS / "baseline.yaml"))
    (note,) = baseline.plan("XIAN", "DUISBURG", "2027-03-01T08:00").notes
    assert "MALASZEWICZE" in note and "dispatched services" in note
    assert baseline.plan("NQZ", "VNO", "2027-03-01T08:00").notes == []


def test_a_place_nothing_leaves_is_no_route_not_bad_input(capsys) -> None:
    from conftest import SCENARIOS

    # Duisburg is where the westbound corridor ends: a fair question, an empty answer (exit 1)
    for command in (["plan", "--depart", "2027-03-01T08:00"], ["profile"]):
        code = main([command[0], str(SCENARIOS / "baseline.yaml"), "--from", "DUISBURG", "--to", "XIAN",
                     *command[1:]])
        assert code == 1 and "no service or link leaves DUISBURG" in capsys.readouterr().err
    # the JSON answer says the moment asked from, as every empty plan does (it had no "ready")
    assert main(["plan", str(SCENARIOS / "baseline.yaml"), "--from", "DUISBURG", "--to", "XIAN",
                 "--depart", "2027-03-01T08:00", "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["ready"] == "2027-03-01T08:00:00+01:00" and answer["itineraries"] == []


# ---------------------------------------------------------------- defect 4: full segments
def test_a_segment_without_seats_cannot_be_ridden_through() -> None:
    # S runs A -> B -> C -> D daily at 08:00, an hour a segment. The simulation marks a segment
    # with no seat left unusable (``allowed``); on the first day B -> C is full. Ready at A
    # 07:00: riding A -> D on that trip needs a seat B -> C, so the first way is the next
    # day's trip, at D 11:00 on day 2 (2100). Before the fix both searches rode through the
    # full segment (D 11:00 on day 1) and the engine booked a seat it did not have.
    sc = scenario([place("A", 0, 0), place("B", 0, 1), place("C", 0, 2), place("D", 0, 3)],
                  [service("S", ["A", "B", "C", "D"], ["08:00"], 180)])
    tt = build_timetable(sc, horizon_days=3)
    planner = Planner(tt)
    a, b, c, d = (tt.index[p] for p in "ABCD")
    allowed = np.ones(tt.n_connections, dtype=bool)
    allowed[(tt.origin == b) & (tt.dest == c) & (tt.dep_min < 1440)] = False
    it = planner.earliest(a, d, 420.0, allowed=allowed)
    assert it is not None and (it.depart_min, it.arrive_min) == (1920.0, 2100.0)
    assert [x.criteria() for x in planner.pareto(a, d, 420.0, allowed=allowed)] == [(2100.0, 0, 0.0, 0.0)]
    # getting on after the full segment is fine: C -> D on day 1 still has seats
    assert planner.earliest(c, d, 420.0, allowed=allowed).arrive_min == 660.0
    assert planner.earliest(a, b, 420.0, allowed=allowed).arrive_min == 540.0


# ---------------------------------------------------------------- leaving last, two at once
def test_picks_sharing_a_first_flight_each_leave_last() -> None:
    # Flights O -> H at 06:00 and 12:00 (an hour, same fare); on from H at 18:00 (at T 19:00,
    # USD 90) or at 22:00 (at T 23:00, USD 40). Ready at 04:00 the scan finds both on the
    # 06:00 flight, and both have the same later equal on the 12:00: the re-asked search must
    # reach 23:00, not stop at the first pick's 19:00 (the second then kept its 06:00 flight).
    sc = scenario([place("O", checkin_min=60), place("H", 0, 1, min_connection_min=60), place("T", 0, 2)],
                  [service("OUT", ["O", "H"], ["06:00", "12:00"], 60, cost_usd=100),
                   service("FAST", ["H", "T"], ["18:00"], 60, cost_usd=90),
                   service("SLOW", ["H", "T"], ["22:00"], 60, cost_usd=40)])
    tt = build_timetable(sc, horizon_days=2)
    o, t = tt.index["O"], tt.index["T"]
    found = Planner(tt).pareto(o, t, 240.0, window_min=1440.0)
    assert [(it.arrive_min, it.cost_usd, it.legs[0].dep_min) for it in found] == [
        (19 * 60.0, 190.0, 12 * 60.0), (23 * 60.0, 140.0, 12 * 60.0)]


# ---------------------------------------------------------------- fare by boarding
def test_a_fare_by_boarding_is_paid_whole_at_every_boarding() -> None:
    # S runs A -> B -> C (USD 300, B halfway), T runs B -> C after S reaches B (USD 300). By
    # boarding, A -> B on S pays 300, not its distance share of 150, and changing to T pays
    # 600 (150 + 300 by distance)
    sc = scenario([place("A", 0, 0), place("B", 0, 1), place("C", 0, 2)],
                  [service("S", ["A", "B", "C"], ["08:00"], 120, cost_usd=300, fare_basis="boarding"),
                   service("T", ["B", "C"], ["09:30"], 60, cost_usd=300, fare_basis="boarding")])
    tt = build_timetable(sc, horizon_days=1)
    a, b, c = (tt.index[p] for p in "ABC")
    planner = Planner(tt)
    assert [(x.arrive_min, x.transfers, x.cost_usd) for x in planner.pareto(a, c, 0.0)] == [(600.0, 0, 300.0)]
    assert [x.cost_usd for x in planner.pareto(a, b, 0.0)] == [300.0]
    # boarding S at B, its second stop, pays it whole too
    assert [(x.arrive_min, x.cost_usd) for x in planner.pareto(b, c, 0.0)] == [(600.0, 300.0)]
    assert planner.earliest(b, c, 0.0).cost_usd == 300.0
    with pytest.raises(ValueError, match="fare_basis boarding"):
        scenario([place("A"), place("B", 0, 1)],
                 [service("S", ["A", "B"], ["08:00"], 60, cost_usd_per_unit_km=1.0, fare_basis="boarding")])
