"""Run inside the peer's own virtual environment (benchmarks/.peers/pyraptor): build a pyraptor
timetable from a GTFS feed corridor exported, run its earliest-arrival and range queries,
and print the answers and timings as JSON on stdout. Never imported by corridor.

pyraptor's own GTFS reader is written for the Dutch NS feed (calendar_dates.txt only, one
service date, platforms with parent stations, agency names); this adapter reads the standard
tables instead and fills pyraptor's structures (Station, Stop, Trip, TripStopTime, Routes) the
way that reader does: one station per stop, times in seconds. Trips run on many days here
(journeys cross midnight and the week), so each trip is expanded over the days asked for
and its times counted from one reference instant, with GTFS's noon-minus-12h rule.

Earliest arrivals are read from the algorithm's best labels over all rounds (``bag_star``):
``RaptorAlgorithm.run`` stops early when no stop improves and leaves the later rounds' bags
at infinity, so pyraptor's own ``run_raptor`` reports no journey whenever the answer needs
fewer rounds than it was given (seen for every question from Vilnius). The range query is
pyraptor's own ``run_range_raptor``.

Input (JSON on stdin): feed (path of the .zip), unit (keep routes whose corridor_unit is it),
first_day, last_day (service days to expand, YYYY-MM-DD), ref_utc (ISO instant that is
second 0), rounds, queries ([origin, seconds] pairs), range (origin, target, from_s, to_s) or
null.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import time
import zipfile
from zoneinfo import ZoneInfo

import pandas as pd
from loguru import logger
from pyraptor.model.raptor import RaptorAlgorithm, best_stop_at_target_station
from pyraptor.model.structures import (
    Routes,
    Station,
    Stations,
    Stop,
    Stops,
    Timetable,
    Transfers,
    Trip,
    Trips,
    TripStopTime,
    TripStopTimes,
)
from pyraptor.query_range_raptor import run_range_raptor

DAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def build(args: dict) -> Timetable:
    with zipfile.ZipFile(args["feed"]) as zf:
        read = lambda name: pd.read_csv(io.BytesIO(zf.read(name)), dtype=str)  # noqa: E731
        agency, routes, trips, stop_times, calendar, stops = (
            read(n)
            for n in ("agency.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt", "stops.txt")
        )
    tz = ZoneInfo(agency["agency_timezone"].iloc[0])
    ref = dt.datetime.fromisoformat(args["ref_utc"])
    first = dt.date.fromisoformat(args["first_day"])
    last = dt.date.fromisoformat(args["last_day"])
    keep = set(routes.loc[routes["corridor_unit"] == args["unit"], "route_id"])
    trips = trips[trips["route_id"].isin(keep)]

    stations, all_stops = Stations(), Stops()
    for sid in stops["stop_id"]:
        station = stations.add(Station(sid, sid))
        stop = Stop(sid, sid, station, "0")
        station.add_stop(stop)
        all_stops.add(stop)

    times = {
        tid: g.sort_values("stop_sequence", key=lambda c: c.astype(int))
        for tid, g in stop_times[stop_times["trip_id"].isin(set(trips["trip_id"]))].groupby("trip_id")
    }
    calendar = calendar.set_index("service_id")
    out_trips, trip_stop_times = Trips(), TripStopTimes()
    day = first
    while day <= last:
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz).astimezone(dt.UTC)
        start = int((noon - dt.timedelta(hours=12) - ref).total_seconds())
        for row in trips.itertuples(index=False):
            cal = calendar.loc[row.service_id]
            if not (
                cal["start_date"] <= day.strftime("%Y%m%d") <= cal["end_date"]
                and cal[DAY_COLUMNS[day.weekday()]] == "1"
            ):
                continue
            trip = Trip()
            trip.hint = f"{row.trip_id}@{day.isoformat()}"
            for k, st in enumerate(times[row.trip_id].itertuples(index=False)):
                tst = TripStopTime(
                    trip,
                    k,
                    all_stops.get(st.stop_id),
                    start + seconds(st.arrival_time),
                    start + seconds(st.departure_time),
                    0,
                )
                trip_stop_times.add(tst)
                trip.add_stop_time(tst)
            out_trips.add(trip)
        day += dt.timedelta(days=1)
    routes_out = Routes()
    for trip in out_trips:
        routes_out.add(trip)
    return Timetable(
        stations=stations,
        stops=all_stops,
        trips=out_trips,
        trip_stop_times=trip_stop_times,
        routes=routes_out,
        transfers=Transfers(),
    )


def main() -> int:
    logger.remove()  # pyraptor logs every round at INFO; printing is not what is measured
    args = json.load(sys.stdin)
    t0 = time.perf_counter()
    timetable = build(args)
    build_s = time.perf_counter() - t0
    answers = []
    t0 = time.perf_counter()
    for origin, target, dep in args["queries"]:
        raptor = RaptorAlgorithm(timetable)
        raptor.run(timetable.stations.get(origin).stops, int(dep), args["rounds"])
        # the best arrival over all rounds: pyraptor's run() leaves the last round's bag empty
        # when the search settles earlier (query_raptor would then report no journey)
        best = raptor.bag_star
        stop = best_stop_at_target_station(timetable.stations.get(target).stops, best)
        arrival = best[stop].earliest_arrival_time if stop != 0 else None
        answers.append(None if arrival is None or arrival >= 2147483647 else int(arrival))
    query_s = time.perf_counter() - t0
    result = {"build_s": build_s, "query_s": query_s, "answers": answers, "trips": len(timetable.trips)}
    if args.get("range"):
        origin, target, lo, hi = args["range"]
        t0 = time.perf_counter()
        journeys = run_range_raptor(timetable, origin, int(lo), int(hi), args["rounds"])
        result["range_s"] = time.perf_counter() - t0
        result["range"] = sorted({(j.dep(), j.arr()) for j in journeys.get(target, [])})
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
