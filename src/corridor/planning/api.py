"""The routing questions users ask, for the CLI and notebooks alike.

>>> from corridor import load_scenario, RoutePlanner
>>> planner = RoutePlanner(load_scenario("scenarios/baseline.yaml"))   # doctest: +SKIP
>>> result = planner.plan("NQZ", "VNO", "2027-03-01T08:00")            # doctest: +SKIP
>>> result.itineraries[0].to_dict(planner.timetable)["arrive"]          # doctest: +SKIP
'2027-03-01T21:06:00+02:00'
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.errors import NoRouteError, PlanningError
from corridor.network.segments import service_segments
from corridor.network.timetable import MODES, Timetable, build_timetable
from corridor.planning.itinerary import Itinerary, legs_frame
from corridor.planning.links import dispatch_rides, link_closure, usable_rows
from corridor.planning.profile import Profile, compute_profile, week_grid
from corridor.planning.search import Planner, pareto_filter, place_index
from corridor.scenario.schema import Scenario
from corridor.timezone import zone
from corridor.units import MIN_PER_DAY

UNITS = ("pax", "feu")
MAX_OFFSET_DAYS = 200 * 365  # dates asked about lie within two centuries of the scenario's start
MAX_WINDOW_DAYS = 366.0
MAX_PROFILE_DAYS = 366.0
MAX_PROFILE_POINTS = 2_000_000


@dataclass
class PlanResult:
    """Itineraries from ``origin`` to ``target`` for one ready time, earliest arrival first."""

    origin: str
    target: str
    ready_min: float
    itineraries: list[Itinerary]
    timetable: Timetable
    notes: list[str] = field(default_factory=list)

    @property
    def earliest(self) -> Itinerary:
        return self.itineraries[0]

    def to_frame(self) -> Any:
        """One row per leg of every itinerary, earliest arrival first (columns
        :data:`corridor.planning.itinerary.LEG_COLUMNS`); a pandas DataFrame."""
        return legs_frame(self.itineraries, self.timetable)

    def to_dict(self) -> dict[str, Any]:
        tt = self.timetable
        return {
            "from": self.origin,
            "to": self.target,
            "ready": tt.local(self.ready_min, tt.index[self.origin]).isoformat(),
            "itineraries": [it.to_dict(tt) for it in self.itineraries],
            "notes": self.notes,
        }


@dataclass
class ProfileResult:
    """A week (or any span) of earliest arrivals, with the local start it was asked for."""

    origin: str
    target: str
    start: dt.datetime
    step_min: float
    profile: Profile
    timetable: Timetable
    notes: list[str] = field(default_factory=list)
    #: services from the origin that run on none of the days asked, with their periods ("; ..."),
    #: said when nothing reaches the destination
    validity: str = ""

    def route_shares(self) -> list[tuple[str, float]]:
        """Each winning pattern (services joined by '>') and the share of ready times it serves."""
        tt, prof = self.timetable, self.profile
        shares: dict[str, float] = {}
        n = prof.winner.size
        for idx, count in zip(*np.unique(prof.winner[prof.winner >= 0], return_counts=True), strict=True):
            steps = prof.patterns[int(idx)]
            name = " > ".join(s.name(tt) for s in steps)
            shares[name] = shares.get(name, 0.0) + float(count) / n
        return sorted(shares.items(), key=lambda kv: -kv[1])

    def instants(self, minutes: np.ndarray, place: str) -> list[str | None]:
        """Minutes since the epoch as ISO 8601 local times at ``place`` (None where infinite)."""
        tz = zone(self.timetable.place_tz[self.timetable.index[place]])
        epoch = self.timetable.epoch
        return [None if not np.isfinite(m) else
                (epoch + dt.timedelta(minutes=float(m))).astimezone(tz).isoformat() for m in minutes]

    def to_frame(self) -> Any:
        """One row per departure (ready) time: columns :data:`PROFILE_COLUMNS`; a pandas
        DataFrame."""
        import pandas as pd

        prof, tt = self.profile, self.timetable
        names = [" > ".join(s.name(tt) for s in steps) for steps in prof.patterns]
        reached = np.isfinite(prof.arrival_min)
        epoch = pd.Timestamp(tt.epoch)
        frame = pd.DataFrame({
            "depart_utc": epoch + pd.to_timedelta(prof.ready_min, unit="min"),
            "arrive_utc": epoch + pd.to_timedelta(np.where(reached, prof.arrival_min, np.nan), unit="min"),
            "depart_local": self.instants(prof.ready_min, self.origin),
            "arrive_local": self.instants(prof.arrival_min, self.target),
            "total_min": np.where(reached, prof.total_min, np.nan),
            "route": [names[w] if w >= 0 else None for w in prof.winner],
        })
        return frame[list(PROFILE_COLUMNS)]

    def to_dict(self) -> dict[str, Any]:
        """Summary, route shares, and one column per field over the departure times
        (``depart``, ``arrive`` as local ISO 8601 with offsets, ``total_min``)."""
        prof = self.profile
        total = [round(float(x), 3) if np.isfinite(x) else None for x in prof.total_min]
        return {
            "from": self.origin,
            "to": self.target,
            "start": self.start.isoformat(),
            "step_min": self.step_min,
            "summary": prof.summary(),
            "routes": [{"services": name, "share": round(share, 6)} for name, share in self.route_shares()],
            "notes": self.notes,
            "depart": self.instants(prof.ready_min, self.origin),
            "arrive": self.instants(prof.arrival_min, self.target),
            "total_min": total,
        }


#: The columns of ``ProfileResult.to_frame()``, one row per ready time at the origin:
#: ``depart_utc`` (the ready time) and ``arrive_utc`` (earliest arrival; NaT if none within the
#: window), timezone-aware UTC timestamps; ``depart_local`` and ``arrive_local``, ISO 8601 text
#: at the origin's and the target's offsets (None if unreachable); ``total_min``, arrival less
#: ready time (NaN if unreachable); ``route``, the winning services joined by " > " (links by
#: "+"), None if unreachable.
PROFILE_COLUMNS = ("depart_utc", "arrive_utc", "depart_local", "arrive_local", "total_min", "route")

PLAN_WINDOW_DAYS = 60.0  # default: journeys may arrive up to this long after the ready time


@dataclass
class _Window:
    """A timetable expanded over one window of minutes, with its searches per link rule."""

    timetable: Timetable
    searches: dict[tuple[str, tuple[str, ...] | None, bool], Planner] = field(default_factory=dict)


class RoutePlanner:
    """Plans on one scenario, for any date; build once, ask many questions.

    Timetables are weekly patterns (bounded by validity periods), so each question expands
    them over a window around the date asked: from the longest trip before it (a train that
    left its first stop yesterday may pass the origin today) to ``window_days`` after it.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._windows: dict[tuple[int, int], _Window] = {}
        self._place_ids = {p.id: i for i, p in enumerate(scenario.places)}
        places = {p.id: p for p in scenario.places}
        self._longest_trip_min = max(
            (service_segments(s, places)[-1].arrive_offset_min for s in scenario.services), default=0.0)

    @property
    def timetable(self) -> Timetable:
        """The timetable over the scenario's run (built when first asked for)."""
        return self._window(0.0, self.scenario.run.horizon_days * MIN_PER_DAY).timetable

    # ------------------------------------------------------------------ windows
    def _window(self, start_min: float, end_min: float) -> _Window:
        """The timetable with every trip that can matter for departures in [start, end)."""
        first_day = math.floor((start_min - self._longest_trip_min) / MIN_PER_DAY) - 1
        last_day = math.ceil(end_min / MIN_PER_DAY)
        key = (first_day, last_day)
        if key not in self._windows:
            if len(self._windows) >= 8:  # keep memory bounded on long sessions
                self._windows.pop(next(iter(self._windows)))
            tt = build_timetable(self.scenario, start_min=first_day * MIN_PER_DAY,
                                 end_min=last_day * MIN_PER_DAY)
            self._windows[key] = _Window(tt)
        return self._windows[key]

    def _search(self, window: _Window, unit: str, modes: tuple[str, ...] | None,
                direct_only: bool) -> Planner:
        key = (unit, modes, direct_only)
        if key not in window.searches:
            tt = window.timetable
            # a direct journey takes one vehicle, a dispatched one included, and no link
            hops = link_closure(tt, unit, rows=usable_rows(tt, unit, modes, links=not direct_only))
            dispatch = dispatch_rides(tt, usable_rows(tt, unit, modes, links=False, dispatched=True))
            window.searches[key] = Planner(tt, unit=unit, hops=hops, dispatch=dispatch)
        return window.searches[key]

    # ------------------------------------------------------------------ checks
    def place(self, place_id: str) -> int:
        return place_index(self._place_ids, place_id, {p.id: p.name for p in self.scenario.places})

    def units_serving(self, place_id: str) -> list[str]:
        """The units some service or link carries from ``place_id``."""
        sc = self.scenario
        units = {s.unit for s in sc.services if place_id in s.stops[:-1]}
        for link in sc.links:
            if link.from_ == place_id or (link.bidirectional and link.to == place_id):
                units.update(link.units)
        return [u for u in UNITS if u in units]

    def _unit(self, unit: str | None, origin: str) -> str:
        given = unit is not None
        serving = self.units_serving(origin)
        if unit is None:  # the one unit carried from there; else passengers from airports,
            # containers elsewhere (a city with only coaches leaving it asked for --unit pax)
            unit = serving[0] if len(serving) == 1 else (
                "pax" if self.scenario.place(origin).kind == "airport" else "feu")
        if unit not in UNITS:
            raise PlanningError(f"unknown unit {unit!r}; units are pax, feu")
        if unit not in serving:
            what = {"pax": "passengers (pax)", "feu": "containers (feu)"}
            if serving:
                others = " and ".join(what[u] for u in serving)
                raise PlanningError(
                    f"nothing carries {what[unit]} from {origin}"
                    f"{'' if given else ' (the default unit there)'}; it serves {others}: "
                    f"add --unit {serving[0]}")
            # a place nothing leaves is a fine question with an empty answer (exit 1, not 2)
            raise NoRouteError(f"no service or link leaves {origin}")
        return unit

    def _validity_note(self, origin: str, unit: str, when: dt.datetime,
                       until: dt.datetime | None = None) -> str:
        """Services from the origin that do not run on the date asked (or on any date from
        ``when`` to ``until``), with their periods."""
        notes = []
        first = when.date()
        last = until.date() if until is not None else first
        for service in self.scenario.services:
            if service.unit != unit or origin not in service.stops[:-1] or service.timetable is None:
                continue
            start, end = self.scenario.validity(service)
            if (start is not None and last < start) or (end is not None and first > end):
                period = (f"{start} to {end}" if start is not None and end is not None
                          else f"from {start}" if start is not None else f"until {end}")
                notes.append(f"{service.id} runs only {period}")
        return ("; " + "; ".join(notes)) if notes else ""

    def when(self, value: str | dt.datetime, place: str) -> float:
        """Minutes since the epoch of a time given as ISO text, datetime or date (its midnight, as
        the text ``2027-03-01`` is); naive means local at ``place``."""
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        if not isinstance(value, str | dt.datetime):
            raise PlanningError(f"a time is ISO text, a datetime or a date, not {type(value).__name__} "
                                f"{value!r}")
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError as exc:
                why = ("is not a real date or time" if re.search(r"must be in|out of range", str(exc))
                       else "is not ISO 8601")
                raise PlanningError(
                    f"time {value!r} {why} (e.g. 2027-03-01T08:00 or 2027-03-01T08:00+05:00)"
                ) from None
        if value.tzinfo is None:
            naive, tz = value, self.scenario.place(place).tz
            value = value.replace(tzinfo=zone(tz))
            try:
                skipped = value.astimezone(dt.UTC).astimezone(zone(tz)).replace(tzinfo=None) != naive
            except (OverflowError, ValueError):
                skipped = False  # out of range: said below
            if skipped:  # Python would move it an hour on without a word
                raise PlanningError(
                    f"time {naive.isoformat()} does not exist at {place} ({tz}): the clocks skip it "
                    f"that night; give a time the clocks show, or one with an offset")
        try:
            minutes = (value - self.scenario.run.epoch).total_seconds() / 60.0
            value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise PlanningError(f"time {value.isoformat()} is out of range: more than "
                                f"{MAX_OFFSET_DAYS // 365} years from the scenario's start "
                                f"{self.scenario.run.start}") from None
        if abs(minutes) > MAX_OFFSET_DAYS * MIN_PER_DAY:
            raise PlanningError(
                f"time {value.isoformat()} is more than {MAX_OFFSET_DAYS // 365} years from the "
                f"scenario's start {self.scenario.run.start}")
        return minutes

    def services(self, modes: Iterable[str] | None, unit: str, tt: Timetable) -> np.ndarray:
        if modes is not None:
            modes = list(modes)
            if not modes:
                raise PlanningError(f"no mode given; modes are {', '.join(MODES)}")
            bad = [m for m in modes if m not in MODES]
            if bad:
                raise PlanningError(f"unknown mode {bad[0]!r}; modes are {', '.join(MODES)}")
        return tt.service_mask(modes, unit)

    def _queue_notes(self, found: list[Itinerary]) -> list[str]:
        """Plans know timetables, not queues: name the stations and dispatched services on the
        way, whose waits only the simulation has."""
        places, services = self.scenario.places, {s.id: s for s in self.scenario.services}
        stations = {places[leg.dest].id for it in found for leg in it.legs
                    if places[leg.dest].servers is not None}
        dispatched = {leg.name for it in found for leg in it.legs
                      if leg.name in services and services[leg.name].dispatch is not None}
        if not stations and not dispatched:
            return []
        parts = []
        if stations:
            parts.append(f"the queues and customs holds at {', '.join(sorted(stations))}")
        if dispatched:
            parts.append("the waits of dispatched services to fill, for a path others took or for a "
                         f"vehicle ({', '.join(sorted(dispatched))}; planned at their cut-off, or on "
                         "the next day with paths)")
        return ["timetable times: " + " and ".join(parts) + " are left out; `corridor run` simulates them"]

    def _disruption_notes(self, start_min: float, end_min: float) -> list[str]:
        """Plans use the undisrupted timetable: say so for every disruption in the window."""
        epoch = self.scenario.run.epoch
        notes = []
        for d in self.scenario.disruptions:
            lo = (d.start - epoch).total_seconds() / 60.0
            hi = (d.end - epoch).total_seconds() / 60.0
            if lo < end_min and hi > start_min:
                what = "closed" if d.capacity_factor == 0 else f"at {d.capacity_factor:.0%} capacity"
                notes.append(f"planned on the undisrupted timetable: {d.target} is {what} from "
                             f"{d.start.isoformat()} to {d.end.isoformat()} ({d.id}); `corridor run` "
                             "simulates it")
        return notes

    # ------------------------------------------------------------------ questions
    def plan(
        self, origin: str, target: str, depart: str | dt.datetime, *,
        modes: Iterable[str] | None = None, unit: str | None = None,
        max_transfers: int | None = None, direct_only: bool = False, window_days: float | None = None,
    ) -> PlanResult:
        """The Pareto set over (arrival, transfers, cost, CO2), earliest arrival first, for a
        traveller (or container) ready at the origin at ``depart``, on any date."""
        o, d = self.place(origin), self.place(target)
        if o == d:
            raise PlanningError(f"origin and destination are both {origin!r}")
        ready = self.when(depart, origin)
        if max_transfers is not None and max_transfers < 0:
            raise PlanningError(f"max transfers must be 0 or more, got {max_transfers}")
        days = PLAN_WINDOW_DAYS if window_days is None else window_days
        if not 0 < days <= MAX_WINDOW_DAYS:
            raise PlanningError(
                f"window must be more than 0 and at most {MAX_WINDOW_DAYS:g} days, got {days:g}")
        try:
            unit = self._unit(unit, origin)
        except NoRouteError as exc:  # nothing leaves: still said from the moment asked
            local = self.scenario.run.epoch + dt.timedelta(minutes=ready)
            tz = zone(self.scenario.place(origin).tz)
            raise NoRouteError(str(exc), ready=local.astimezone(tz).isoformat()) from None
        mode_key = None if modes is None else tuple(sorted(set(modes)))
        window = self._window(ready, ready + days * MIN_PER_DAY)
        tt = window.timetable
        mask = self.services(mode_key, unit, tt)
        found = self._search(window, unit, mode_key, direct_only).pareto(
            o, d, ready, services=mask,
            max_transfers=0 if direct_only else max_transfers,
            window_min=days * MIN_PER_DAY,
        )
        if not found:
            limits = []
            if direct_only:
                limits.append("direct services only")
            elif max_transfers is not None:
                limits.append(f"at most {max_transfers} transfers")
            if mode_key is not None:
                limits.append(f"modes {','.join(mode_key)}")
            extra = f" with {' and '.join(limits)}" if limits else ""
            local = tt.local(ready, o)
            raise NoRouteError(
                f"no itinerary from {origin} to {target} leaving after {local.isoformat()}{extra} "
                f"arriving within {days:g} days{self._validity_note(origin, unit, local)}",
                ready=local.isoformat(),
            )
        kept = pareto_filter(found)
        notes = self._disruption_notes(ready, max(it.arrive_min for it in found)) + self._queue_notes(kept)
        return PlanResult(origin, target, ready, kept, tt, notes)

    def _local_days(self, t0: float, days: float, origin: str) -> float:
        """``days`` of the origin's wall clock from ``t0``, in days of 24 h: a week across a
        clock change is 167 or 169 hours, so it still ends at the same local time it began."""
        tz = zone(self.scenario.place(origin).tz)
        begin = (self.scenario.run.epoch + dt.timedelta(minutes=t0)).astimezone(tz)
        try:
            end = (begin.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=tz)
        except OverflowError:
            return days
        # aware datetimes of one zone subtract by wall clock: compare them in UTC
        return (end.astimezone(dt.UTC) - begin.astimezone(dt.UTC)).total_seconds() / 86400.0

    def default_start(self, origin: str) -> dt.datetime:
        """Monday 00:00 local time at the origin, of the week the scenario starts in."""
        start = self.scenario.run.start
        monday = start - dt.timedelta(days=start.weekday())
        return dt.datetime.combine(monday, dt.time(0, 0), tzinfo=zone(self.scenario.place(origin).tz))

    def profile(
        self, origin: str, target: str, *, start: str | dt.datetime | None = None,
        step_min: float = 1.0, days: float = 7.0, modes: Iterable[str] | None = None,
        unit: str | None = None, max_transfers: int | None = None,
    ) -> ProfileResult:
        """Earliest arrival for every ready time from ``start`` (default: Monday 00:00 local at
        the origin, of the scenario's first week) over ``days``, every ``step_min`` minutes."""
        o, d = self.place(origin), self.place(target)
        if o == d:
            raise PlanningError(f"origin and destination are both {origin!r}")
        if not (math.isfinite(days) and 0 < days <= MAX_PROFILE_DAYS):
            raise PlanningError(
                f"days must be more than 0 and at most {MAX_PROFILE_DAYS:g}, got {days:g}")
        if not (math.isfinite(step_min) and step_min > 0):
            raise PlanningError(f"step must be a positive number of minutes, got {step_min:g}")
        if days * MIN_PER_DAY / step_min > MAX_PROFILE_POINTS:
            raise PlanningError(
                f"{days:g} days every {step_min:g} min is more than {MAX_PROFILE_POINTS:,} departure "
                "times; lengthen --step-min or shorten --days")
        if max_transfers is not None and max_transfers < 0:
            raise PlanningError(f"max transfers must be 0 or more, got {max_transfers}")
        t0 = self.when(start if start is not None else self.default_start(origin), origin)
        grid = week_grid(t0, step_min=step_min, days=self._local_days(t0, days, origin))
        unit = self._unit(unit, origin)
        mode_key = None if modes is None else tuple(sorted(set(modes)))
        window = self._window(t0, float(grid[-1]) + PLAN_WINDOW_DAYS * MIN_PER_DAY)
        tt = window.timetable
        mask = self.services(mode_key, unit, tt)
        search = self._search(window, unit, mode_key, False)
        prof = compute_profile(tt, o, d, grid, services=mask, max_transfers=max_transfers,
                               hops=search.hops, dispatch=search.dispatch)
        # the timetable runs 60 days past the *last* ready time: keep each ready time to the
        # single query's window, as `plan` does (an arrival within 60 days of it)
        late = prof.arrival_min > grid + PLAN_WINDOW_DAYS * MIN_PER_DAY
        prof.arrival_min[late] = np.inf
        prof.winner[late] = -1
        finite = prof.arrival_min[np.isfinite(prof.arrival_min)]
        notes = self._disruption_notes(t0, float(finite.max()) if finite.size else float(grid[-1]))
        validity = self._validity_note(origin, unit, tt.local(t0, o), tt.local(float(grid[-1]), o))
        return ProfileResult(origin, target, tt.local(t0, o), step_min, prof, tt, notes, validity)
