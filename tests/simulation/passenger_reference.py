"""A reference simulator of passengers, written from the docs alone.

Sources: docs/simulation.md (the "passengers", "trips" and "disruptions" rows, "One engine,
one rule set", "Books"), docs/planning.md ("Boarding rules") and docs/scenarios.md. Nothing
here comes from ``corridor.simulation`` or ``corridor.planning``: the reference reads the
scenario as a plain mapping (the one written as YAML) and gets from corridor only each
passenger's creation time (an input: demand arrivals are drawn) and ``great_circle_km`` (to
share a multi-stop service's running time by distance; only ratios are used), and each trip's
delay as drawn (an input too: ``delays``, per service its trips' scheduled starts to their
draws from the ``delay:SERVICE`` stream, docs/simulation.md "Randomness"; without it a
``fixed`` delay's value).

Scope: timetabled passenger services and links (no stations with servers, no dispatched
services, no choice model), delays of every distribution (the draws given), ``schedule_padding``,
``dwell_min``, closures of services, places and links, capacity cuts of services.

The rules, as the docs give them:

* Time is minutes since midnight UTC of ``run.start``; a timetable is local time at the
  service's first stop, read with the offset in force before a clock change that day (a time
  in the spring gap leaves at that instant, one in the autumn fold the first time), and a gap's
  time on the instant of another of the service's times is that one departure
  (docs/scenarios.md, "services"); a multi-stop service's arrivals are the exact running total
  (``duration_min`` shared by great-circle distance) rounded to the minute, halves up.
* A trip leaves its first stop at its timetable time plus its delay, never leaves a stop before
  its timetable, runs each leg in its timetabled time x (1 - padding), and waits at a closed
  place until it opens.
* A passenger books at creation the earliest-arriving itinerary (of those, the one that leaves
  last) on the timetable: first boarding ``checkin_min`` after creation, next boarding
  ``min_connection_min`` after alighting, each ride over segments that still have a seat;
  the seats are booked segment by segment.
* A passenger not ready when a booked trip leaves has missed it: the seats still booked are
  given back and the passenger rebooks from where they are, on a trip leaving after the missed
  moment (at the trip's departure if they are there by then, else where they land).
* A closure of a service cancels the trips that would leave their first stop while it holds;
  it is known from its start (or the run's start): from then no one books those trips, nor
  any trip of the service until it lifts; those booked on them rebook at once if they are
  waiting at a place, else at the trip's departure if they wait by then, else where they land.
* A trip of a service under a cut f > 0 at its scheduled departure carries ⌊f × capacity⌋
  seats (of cuts that overlap, the smallest), none: cancelled; a cut of a place without
  servers does nothing.
* Links (those that carry ``pax``; both ways unless ``bidirectional: false``): a chain of
  them is one hop, the shortest; taken from the origin at the ready moment (before check-in),
  after alighting once ``min_connection_min`` has passed; at the place it reaches a trip may
  be boarded max(``checkin_min``, ``min_connection_min``) after; a journey may end by one. A
  passenger on one is ``moving``; its start is a departure (``first_departure``). Of
  journeys equal in arrival the booking takes the one the traveller may be ready for latest
  (planning.md: the first ride's departure less the check-in, or the links before it).
* A closed link (a disruption of factor 0 whose target is the link) holds a passenger who is
  to set off on it until it reopens ("a link under a disruption with factor 0 holds units until
  it reopens"), ``waiting`` at its place ("`waiting` at a place (... a closed link ...)");
  on a chain of links, at each link. A cut of a link does nothing ("on a link, only 0 acts").
  The booking does not know link closures (docs/simulation.md says no moment they are learnt
  of, as it does for a service's). Closures that between them hold a link shut over the whole
  run take it out of every journey (docs/scenarios.md, disruptions).
* A rebooking finds trips leaving after the moment it is made.
* The run stops at its end before the events due then.

Where the docs were silent the reference takes corridor's reading, found by comparing (each
is an option of :class:`Reference`, so the other reading can be tried); docs/simulation.md
("Passengers: the fine print") has said each since:

* "nor any trip of the service until the closure lifts" is read as the trips cancelled (those
  leaving their first stop before it lifts), not every trip of the service while it holds
  (``closure_blocks_service``);
* a trip that would leave its first stop before the run's start does not run
  (``trips_before_start``);
* a vehicle reaching a closed place lands when it opens (``closed_place_holds_landing``),
  and one standing there when the run ends holds its passengers ``at_station``;
* "at the trip's departure" (a cancelled trip, passengers on the way) is its departure from
  its first stop, delay included (``gone_at_first_stop``);
* a closure becoming known rebooks its trips' passengers trip by trip, each trip's in the
  order they booked it;
* a passenger not yet at the place of a booked trip when it leaves (still riding to it, or
  waiting for an earlier ride) has the miss counted, the seats given back and the rebooking
  made where they land for it, not when it leaves (``miss_on_landing``; the docs said "has
  missed it: the seats still booked are given back", the reading ``False``), so a run that
  ends before the landing records no miss;
* of journeys equal in arrival and in the latest moment to be ready, the one a connection scan keeps (the
  first to reach each place: see :meth:`Reference.search`);
* a rebooking counts once whether or not it finds a journey;
* a passenger on a chain of links goes link by link, and a closed place it reaches holds
  them until it opens, as it holds a vehicle (``at_station`` when the run ends so), and a
  closed place they are to leave holds them too ("nothing leaves it");
* passengers found not ready as a trip leaves rebook in the order they came to the place
  (by creation at their origin);
* a rebooking at a place reached by link is a new journey, which may set off by link again
  (``rebook_by_link``);
* a passenger waiting to set off on a link (in their connection time, or at a closed link)
  is on the way, not waiting for a trip, when a closure of a later trip of theirs becomes known
  or the trip is gone: they rebook where they land and find it gone
  (``link_wait_on_the_way``; found 2026-12-04 on seeds 193, 464 and 492 of the new features);
* of journeys equal in arrival, the latest moment to be ready is looked for up to the run's
  end: moments past it tie (``ties_within_run``; seed 111: two journeys leaving after the run's
  end, one by link at once, the other by a later ride);
* in the scan's tie-break a chain of links reaches its place when taken at once, and counts as
  a ride does (``links_in_ties``; seed 523: a change at CCC reached by ride at 2460 over one
  reached by a 400-minute link at 2545);
* a late vehicle stays at an intermediate stop the stop its timetable publishes there, from
  its arrival or from the opening of a place whose closure held it (``dwell_stay=
  "published"``; docs/scenarios.md: "a vehicle stays its dwell_min at every intermediate
  stop", and docs/simulation.md: a late one makes up its padding alone). corridor's late
  vehicle used to leave at once once its timetable had passed, making up its dwell too
  (``"none"``): this reference found it (2026-12-04), on about 30 of 80 seeds with dwells;
  ``"exact"`` stays ``dwell_min`` unrounded;
* passengers setting off on links at one moment go, and land, in the order their last waits
  were scheduled, those scheduled at one moment in the order of the waits before ("same-minute
  events run in the order SimPy scheduled them"; ``walk_order``): a wait for a closed link
  runs from one start or end of the link's closures to the next, one for a closed place to
  its opening (corridor's; seeds 7 of the dwell features, 831 and 129067);
* a link closing while a passenger is on it does not stop them (the docs hold units that are
  to set off; "a closure stops no service under way" is said of a place's);
* a cut is in its trips' seats from the run's start, also one that leaves no whole seat (its
  trips never booked, no one rebooked), and one a closure holds too: not known from its start
  as a closure is (``cut_in_seats``); of cuts that overlap, the smallest factor (four seeds
  had overlaps).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from zoneinfo import ZoneInfo

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WAITING, ONBOARD, MOVING, AT_STATION, DELIVERED = 0, 1, 2, 3, 4  # the status codes of corridor's unit records
MAX_RIDES = 6


def _instant_min(text: str, epoch: dt.datetime) -> float:
    t = dt.datetime.fromisoformat(text)
    return (t - epoch).total_seconds() / 60.0


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


@dataclass
class Trip:
    number: int  # order: service by service as listed, each service's trips by departure
    service: int
    stops: list[str]
    sdep: list[float]  # scheduled departure at each stop (the last: unused)
    sarr: list[float]  # scheduled arrival at each stop (the first: unused)
    adep: list[float] = field(default_factory=list)
    reach: list[float] = field(default_factory=list)  # when it reaches each stop, closed or not
    aarr: list[float] = field(default_factory=list)
    seats: list[int] = field(default_factory=list)
    cancelled: bool = False
    delay: float = 0.0


@dataclass
class Pax:
    uid: int
    origin: str
    dest: str
    created: float
    place: str = ""
    status: int = WAITING
    ready: float = 0.0  # when they may board a trip
    link_ready: float | None = None  # when they may take a link (None: just came by one)
    rides: list = field(default_factory=list)  # legs not yet begun: (trip, board k, alight j),
    # or (None, from, to) for a chain of links
    onboard: tuple | None = None  # (trip, alight j)
    missed: int = 0
    rebooked: int = 0
    first_dep: float = math.nan
    arrival: float = math.nan
    planned: float = math.nan
    pending: bool = False  # rebook where they land
    held: list = field(default_factory=list)  # (reached, opens) of closed places on their walk
    waits: list = field(default_factory=list)  # (from, to) of waits for a closed link on it
    came: int = 0  # the order they came to where they are (0: created there)
    ambiguous: int = 0  # bookings where the docs leave more than one itinerary
    log: list = field(default_factory=list)  # (moment, [(service, trip number, k, j)]) per booking


def _whole_seats(f: float, capacity: int) -> int:
    """⌊f × capacity⌋ of the factor as written (0.29 x 100 seats is 29; in binary floating
    point 28.999999999999996)."""
    return math.floor(Fraction(repr(f)) * capacity)


def _leg_id(leg) -> tuple:
    tr, k, j = leg
    return ("link", k, j) if tr is None else (tr.number, k, j)


class Reference:
    """Plain event loop over the rules above. ``units``: (uid, flow id, created minute)."""

    def __init__(self, scn: dict, units, great_circle_km, *, closure_blocks_service: bool = False,
                 planning_days_after_end: float = 0.0, closed_place_holds_landing: bool = True,
                 trips_before_start: bool = False, gone_at_first_stop: bool = True,
                 miss_on_landing: bool = True, one_trip_an_instant: bool = True,
                 cut_in_seats: bool = True, rebook_by_link: bool = True, delays: dict | None = None,
                 link_wait_on_the_way: bool = True, ties_within_run: bool = True,
                 links_in_ties: bool = True, dwell_stay: str = "published",
                 walk_order: bool = True):
        self.scn = scn
        run = scn["run"]
        start = dt.date.fromisoformat(str(run["start"]))
        self.epoch = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
        self.end = (run.get("horizon_days", 28) + run.get("drain_days", 21)) * 1440.0
        self.places = {p["id"]: p for p in scn["places"]}
        self.closure_blocks_service = closure_blocks_service
        self.closed_place_holds_landing = closed_place_holds_landing
        self.trips_before_start = trips_before_start
        self.gone_at_first_stop = gone_at_first_stop
        self.miss_on_landing = miss_on_landing
        self.one_trip_an_instant = one_trip_an_instant
        self.cut_in_seats = cut_in_seats
        self.rebook_by_link = rebook_by_link
        self.gc = great_circle_km
        self.delays = delays or {}
        self.link_wait_on_the_way = link_wait_on_the_way
        self.ties_within_run = ties_within_run
        self.links_in_ties = links_in_ties
        self.dwell_stay = dwell_stay
        self.walk_order = walk_order
        self._closures()
        self._chains()
        self._trips(start, planning_days_after_end)
        flows = {f["id"]: f for f in scn["demand"]}
        self.pax = {}
        for uid, flow, created in units:
            f = flows[flow]
            self.pax[uid] = Pax(uid, f["from"], f["to"], float(created), place=f["from"])

    # ---- scenario -------------------------------------------------------------------------
    def _closures(self):
        self.place_closed: dict[str, list[tuple[float, float]]] = {}
        self.service_closed: list[tuple[str, float, float]] = []
        sids = {s["id"] for s in self.scn.get("services", [])}
        self.service_cut: list[tuple[str, float, float, float]] = []
        self.link_closed: dict[str, list[tuple[float, float]]] = {}
        lids = {link["id"] for link in self.scn.get("links", [])}
        capacity = {s["id"]: s["capacity"] for s in self.scn.get("services", [])}
        for d in self.scn.get("disruptions", []):
            f = d.get("capacity_factor", 0)
            s, e = _instant_min(d["start"], self.epoch), _instant_min(d["end"], self.epoch)
            if d["target"] in sids:
                if f == 0 or (not self.cut_in_seats and _whole_seats(f, capacity[d["target"]]) == 0):
                    self.service_closed.append((d["target"], s, e))
                else:
                    self.service_cut.append((d["target"], s, e, f))
            elif d["target"] in lids:
                if f == 0:  # on a link only 0 acts
                    self.link_closed.setdefault(d["target"], []).append((s, e))
            elif f == 0:  # a cut acts at a place with servers only
                self.place_closed.setdefault(d["target"], []).append((s, e))

    def _seats(self, svc: dict, t0: float) -> int:
        """A trip under a cut at its scheduled departure carries the whole seats it leaves."""
        seats = svc["capacity"]
        for sid, s, e, f in self.service_cut:
            if sid == svc["id"] and s <= t0 < e:
                seats = min(seats, _whole_seats(f, svc["capacity"]))
        return seats

    def _chains(self):
        """The shortest chain of pax links from each place to each other (one hop), and the
        places it passes (``via``: the next place on it)."""
        ids = list(self.places)
        d = {a: {b: (0.0 if a == b else math.inf) for b in ids} for a in ids}
        self.via = {a: {b: b for b in ids} for a in ids}
        self.hop_link: dict[tuple[str, str], str] = {}  # the link a hop a -> b takes
        for link in self.scn.get("links", []):
            if "pax" not in link.get("units", ["pax", "feu"]):
                continue
            if self._shut_all_run(self.link_closed.get(link["id"], [])):
                continue  # closures holding it shut over the whole run take it out (scenarios.md)
            ends = [(link["from"], link["to"])]
            if link.get("bidirectional", True):
                ends.append((link["to"], link["from"]))
            for a, b in ends:
                if float(link["duration_min"]) < d[a][b]:
                    d[a][b] = float(link["duration_min"])
                    self.hop_link[(a, b)] = link["id"]
        for m in ids:
            for a in ids:
                for b in ids:
                    if d[a][m] + d[m][b] < d[a][b]:
                        d[a][b], self.via[a][b] = d[a][m] + d[m][b], self.via[a][m]
        self.link_min = {a: dict(row) for a, row in d.items()}
        self.chain = {a: {b: x for b, x in row.items() if b != a and x < math.inf} for a, row in d.items()}

    def _shut_all_run(self, windows: list) -> bool:
        """Whether closures between them hold [0, end) shut."""
        t, moved = 0.0, True
        while moved and t < self.end:
            moved = False
            for s, e in windows:
                if s <= t < e:
                    t, moved = e, True
        return t >= self.end

    def _set_off(self, a: str, q: str, t: float) -> float:
        """The first moment at or after t when the link a -> q may be taken: its place open
        (nothing leaves a closed place) and the link not closed (it holds units until it
        reopens)."""
        self.waits_from = []  # when each wait began (for the same-minute order)
        windows = self.link_closed.get(self.hop_link[(a, q)], [])
        while True:
            u = t
            if any(s <= t < e for s, e in windows):
                # corridor waits from one start or end of the link's closures to the next
                # (closures over one another: a wait at each), which sets the same-moment order
                u = min(x for w in windows for x in w if x > t) if self.walk_order else \
                    next(e for s, e in windows if s <= t < e)
            if u == t:
                u = self._open_at(a, t)
            if u == t:
                return t
            self.waits_from.append(t)
            t = u

    def _walk_end(self, a: str, b: str, t: float, holds: list, waits: list | None = None) -> float:
        """When a chain of links set off from a at t reaches b: link by link, each held at a
        closed place it reaches until it opens, as a vehicle is (the fine print), and at a closed
        link until it reopens; ``holds`` gets (reached, opens) of each closed place, ``waits``
        (from, to) of each wait at a closed link past the chain's first place."""
        first = True
        while a != b:
            q = self.via[a][b]
            u = self._set_off(a, q, t)
            if not first and waits is not None and self._open_at(a, t) < u:
                waits.append((self._open_at(a, t), u))
            first = False
            t = u + self.link_min[a][q]
            if self.closed_place_holds_landing:
                holds.append((t, self._open_at(q, t)))
                t = holds[-1][1]
            a = q
        return t

    def _after_link(self, place: str) -> float:
        q = self.places[place]
        return max(q.get("checkin_min", 0), q.get("min_connection_min", 0))

    def _open_at(self, place: str, t: float) -> float:
        """The first moment at or after t when the place is not closed."""
        moved = True
        while moved:
            moved = False
            for s, e in self.place_closed.get(place, []):
                if s <= t < e:
                    t, moved = e, True
        return t

    def _trips(self, start: dt.date, after_end_days: float):
        self.trips: list[Trip] = []
        limit = self.end + after_end_days * 1440.0
        n_days = int(self.end // 1440) + int(after_end_days) + 3
        for si, svc in enumerate(self.scn.get("services", [])):
            places = [self.places[p] for p in svc["stops"]]
            dists = [float(self.gc(a["lat"], a["lon"], b["lat"], b["lon"]))
                     for a, b in zip(places, places[1:], strict=False)]
            total = sum(dists)
            # the exact running total, a dwell at each intermediate stop, each time rounded;
            # duration_min is "first departure to last arrival, dwell included" (scenarios.md)
            dwell = float(svc.get("dwell_min", 0))
            running = svc["duration_min"] - dwell * (len(dists) - 1)
            cum, offs, arr_offs = 0.0, [0], [0]
            for m, d in enumerate(dists, start=1):
                cum += d
                run_total = running * cum / total + dwell * (m - 1)
                # (to 1e-6: a service calling at a place twice has legs of one length, whose
                # great-circle distances may differ in their last bits)
                arr_offs.append(_round_half_up(round(run_total, 6)))
                offs.append(_round_half_up(round(run_total + (dwell if m < len(dists) else 0), 6)))
            assert all(b - a >= 1 for a, b in zip(offs, arr_offs[1:], strict=False)), "segment under a minute"
            zone = ZoneInfo(places[0]["tz"])
            tt = svc["timetable"]
            days = DAYS if tt.get("days", "daily") == "daily" else tt["days"]
            deps = []
            for day in range(-2, n_days):
                date = start + dt.timedelta(days=day)
                if DAYS[date.weekday()] not in days:
                    continue
                for hm in tt["times"]:
                    h, m = map(int, hm.split(":"))
                    local = dt.datetime(date.year, date.month, date.day, h, m, tzinfo=zone)
                    t0 = (local.astimezone(dt.UTC) - self.epoch).total_seconds() / 60.0
                    if (t0 >= 0 or (self.trips_before_start and t0 + offs[-1] > -1)) and t0 < limit:
                        deps.append(t0)
            if self.one_trip_an_instant:  # a gap's time on another time's instant is that one
                deps = list(set(deps))
            delay = svc.get("delay")
            drawn = self.delays.get(svc["id"])
            pad = float(svc.get("schedule_padding", 0.0))
            for t0 in sorted(deps):
                tr = Trip(0, si, list(svc["stops"]), [t0 + o for o in offs], [t0 + o for o in arr_offs])
                tr.cancelled = any(sid == svc["id"] and s <= t0 < e for sid, s, e in self.service_closed)
                # a cut is in the seats from the start, a closure over it cancels the trip when
                # it is known (docs/simulation.md, the fine print)
                tr.seats = [self._seats(svc, t0)] * (len(offs) - 1)
                # a delay is drawn for each trip (an input, as creation times are)
                if delay is None:
                    dmin = 0.0
                elif drawn is not None:
                    dmin = float(drawn[round(t0, 3)])
                else:
                    dmin = float(delay["value_min"])
                tr.delay = dmin
                # actual times
                adep, aarr, reach = [0.0] * len(offs), [0.0] * len(offs), [0.0] * len(offs)
                t = self._open_at(tr.stops[0], t0 + dmin)
                adep[0] = t
                for k in range(1, len(offs)):
                    aarr[k] = adep[k - 1] + (tr.sarr[k] - tr.sdep[k - 1]) * (1.0 - pad)
                    reach[k] = aarr[k]
                    if self.closed_place_holds_landing:
                        aarr[k] = self._open_at(tr.stops[k], aarr[k])
                    # a vehicle stays its dwell at every intermediate stop, and never leaves
                    # before its timetable
                    stay = {"exact": dwell, "published": tr.sdep[k] - tr.sarr[k],
                            "none": 0.0}[self.dwell_stay] if k < len(offs) - 1 else 0.0
                    adep[k] = self._open_at(tr.stops[k], max(tr.sdep[k], aarr[k] + stay))
                tr.adep, tr.aarr, tr.reach = adep, aarr, reach
                tr.number = len(self.trips)
                self.trips.append(tr)
        self.calls: dict[str, list[tuple[float, Trip, int]]] = {}
        for tr in self.trips:
            for k in range(len(tr.stops) - 1):
                self.calls.setdefault(tr.stops[k], []).append((tr.sdep[k], tr.number, tr, k))
        for v in self.calls.values():
            v.sort(key=lambda c: (c[0], c[1]))

    # ---- the planner: earliest arrival with seats, of those the one that leaves last -------
    def _bookable(self, tr: Trip, now: float) -> bool:
        if tr.cancelled and any(self.known[i] for i in self._cancelling(tr)):
            return False
        if self.closure_blocks_service:
            sid = self.scn["services"][tr.service]["id"]
            for i, (s2, _s, e) in enumerate(self.service_closed):
                if s2 == sid and self.known[i] and now < e:
                    return False
        return True

    def _cancelling(self, tr: Trip):
        sid = self.scn["services"][tr.service]["id"]
        return [i for i, (s2, s, e) in enumerate(self.service_closed) if s2 == sid and s <= tr.sdep[0] < e]

    def search(self, origin: str, ready: float, now: float, dest: str, link_ready: float | None = None,
               lead: float = 0.0):
        """The legs of the journey booked, whether others tied with it, and its arrival.
        ``ready``: when a trip may be boarded at the origin; ``link_ready``: when a link may
        be taken there (None: not); ``lead``: the time from being ready to boarding a trip
        there (the check-in at the origin), which ties are broken on."""
        best: list = [math.inf, []]  # arrival, [(latest ready moment, legs)]

        def reach(a, f, legs):
            if a < best[0]:
                best[0], best[1] = a, []
            if a == best[0]:
                best[1].append((f, legs))

        def walk(place, lr, legs, f):
            for q, d in self.chain[place].items():
                nl = [*legs, (None, place, q)]
                if q == dest:
                    reach(lr + d, f if legs else lr, nl)
                elif len(nl) < MAX_RIDES:
                    after = d + self._after_link(q)
                    rides(q, lr + after, nl, f, after)

        def rides(place, r, legs, f, lead):
            # f: the latest moment one may be ready for the journey (set by its first ride);
            # lead: before the first ride, the time from that moment to boarding it
            for s, _, tr, k in self.calls.get(place, []):
                if s < r or s <= now or tr.number in used(legs):
                    continue
                if s >= best[0]:
                    break
                if not self._bookable(tr, now):
                    continue
                for j in range(k + 1, len(tr.stops)):
                    if tr.seats[j - 1] <= 0:
                        break
                    a = tr.sarr[j]
                    if a > best[0]:
                        break
                    nl = [*legs, (tr, k, j)]
                    g = f if f is not None else s - lead
                    q = tr.stops[j]
                    if q == dest:
                        reach(a, g, nl)
                        break
                    if len(nl) < MAX_RIDES:
                        lr = a + self.places[q].get("min_connection_min", 0)
                        rides(q, lr, nl, g, 0)
                        walk(q, lr, nl, g)

        def used(legs):
            return {tr.number for tr, _, _ in legs if tr is not None}

        rides(origin, ready, [], None, lead)
        if link_ready is not None:
            walk(origin, link_ready, [], None)
        if not best[1]:
            return None, False, math.nan
        # corridor's planner asks again for later ready moments only up to the run's end
        # (``ties_within_run``): later moments to be ready tie there
        cap = self.end if self.ties_within_run else math.inf
        last = max(min(f, cap) for f, _ in best[1])
        cands = {tuple(_leg_id(leg) for leg in legs): legs for f, legs in best[1] if min(f, cap) == last}
        # Beyond the first departure the docs name no tie-break. planning.md says the
        # scan "keeps the first journey to reach a place": from the last ride back, each ride
        # the one that reaches its alighting place first, by the segment into it that leaves
        # first, on the trip boarded at its earliest stop.
        # A chain of links counts too (``links_in_ties``): it reaches its place when taken at
        # once (at the ready moment, or min_connection_min after alighting) plus its duration.
        def order(c):
            entries, t = [], None
            for n, k, j in c:
                if n != "link":
                    tr = self.trips[n]
                    t = tr.sarr[j]
                    entries.append((t, tr.sdep[j - 1], tr.sdep[k]))
                elif self.links_in_ties:
                    start = link_ready if t is None else t + self.places[k].get("min_connection_min", 0)
                    t = start + self.link_min[k][j]
                    entries.append((t, start, start))
            return tuple(reversed(entries)), c

        key = min(cands, key=order)
        return cands[key], len(cands) > 1, best[0]

    def _for_a_link(self, p: Pax) -> bool:
        """Whether the passenger waits to set off on a link (in the connection time, or at a
        closed link), read as on the way, not waiting for a trip (``link_wait_on_the_way``)."""
        return self.link_wait_on_the_way and bool(p.rides) and p.rides[0][0] is None

    # ---- the event loop -------------------------------------------------------------------
    def _release(self, p: Pax, r: int = 0):
        """Give back the seats of the booked rides from the r-th on."""
        for tr, k, j in p.rides[r:]:
            if tr is None:
                continue
            for seg in range(k, j):
                tr.seats[seg] += 1
            self.booked[(tr.number, k)].discard(p.uid)
        del p.rides[r:]

    def _book(self, p: Pax, now: float, ready: float, rebooking: bool):
        self._release(p)
        p.pending = False
        if rebooking:
            p.rebooked += 1
        link_ready = None if p.link_ready is None else max(p.link_ready, now)
        lead = 0.0 if p.link_ready is None else p.ready - p.link_ready
        rides, amb, arrival = self.search(p.place, ready, now, p.dest, link_ready, lead)
        p.ambiguous += amb
        p.log.append((now, [_leg_id(leg) for leg in rides or []]))
        if rides is None:
            return
        for tr, k, j in rides:
            if tr is None:
                continue
            for seg in range(k, j):
                tr.seats[seg] -= 1
            self.booked.setdefault((tr.number, k), set()).add(p.uid)
            self.booked_when[(p.uid, tr.number)] = len(self.booked_when)
        p.rides = list(rides)
        if not rebooking and math.isnan(p.planned) and p.rebooked == 0:
            p.planned = arrival
        if p.status == WAITING and rides[0][0] is None:
            self._walk_from(p, link_ready, now)

    def _walk_from(self, p: Pax, t: float, now: float):
        """Set off on the chain of links that is the passenger's next leg (a closed place
        holds them)."""
        _, a, b = p.rides[0]
        at = self._set_off(a, self.via[a][b], t)
        # passengers setting off at one moment go in the order their last waits were scheduled
        # ("same-minute events run in the order SimPy scheduled them"): a wait for a closure
        # from when it began, one for the connection time from now (``walk_order``)
        # (the moments each wait was scheduled, the last first: those scheduled at one moment
        # go in the order of the waits before)
        chain = [now, *(w for w in self.waits_from if w > now)]
        sched = tuple(reversed(chain)) if self.walk_order else (0.0,)
        self._push(at, 0, (3, sched, p.uid), "walk", (p.uid, p.rides[0]))

    def _push(self, *event):
        heapq.heappush(self.heap, event)

    def _arrive(self, p: Pax, place: str, t: float, ready: float, link_ready: float | None):
        """The passenger reaches a place, off a trip or a chain of links."""
        self.arrivals += 1
        p.came = self.arrivals
        p.place = place
        if place == p.dest:
            p.status, p.arrival = DELIVERED, t
            return
        p.status, p.ready, p.link_ready = WAITING, ready, link_ready
        if p.pending and not p.rides:
            self._book(p, t, p.ready, rebooking=True)
        elif p.rides and p.rides[0][0] is None:
            self._walk_from(p, link_ready, t)
        elif p.rides and (p.rides[0][0].number, p.rides[0][1]) in self.departed:
            p.missed += 1  # its next trip left while they were on the way
            self._book(p, t, p.ready, rebooking=True)

    def run(self):
        self.known = [False] * len(self.service_closed)
        self.booked: dict[tuple[int, int], set[int]] = {}
        self.booked_when: dict[tuple[int, int], int] = {}
        self.departed: set[tuple[int, int]] = set()
        heap = self.heap = []
        self.arrivals = 0
        self.seq = 0
        # (time, priority, order, kind, payload): priority 0 ordinary events, 1 departures
        for i, (_, s, _e) in enumerate(self.service_closed):
            heapq.heappush(heap, (max(s, 0.0), 0, (0, i), "known", i))
        for p in self.pax.values():
            heapq.heappush(heap, (p.created, 0, (1, p.uid), "create", p.uid))
        for tr in self.trips:
            if tr.cancelled:
                continue
            for k in range(len(tr.stops) - 1):
                heapq.heappush(heap, (tr.adep[k], 1, (tr.number, k), "depart", (tr, k)))
            for j in range(1, len(tr.stops)):
                heapq.heappush(heap, (tr.aarr[j], 0, (2, tr.adep[j - 1], tr.number, j), "land", (tr, j)))
        while heap:
            t, prio, _, kind, what = heapq.heappop(heap)
            if t >= self.end:
                break
            if kind == "create":
                p = self.pax[what]
                p.ready = p.created + self.places[p.origin].get("checkin_min", 0)
                p.link_ready = p.created
                self._book(p, t, p.ready, rebooking=False)
            elif kind == "known":
                self.known[what] = True
                # trip by trip (in their order), each trip's passengers in the order they
                # booked it, as docs/simulation.md's fine print says
                done = set()
                for tr in self.trips:
                    if not (tr.cancelled and what in self._cancelling(tr)):
                        continue
                    uids = sorted(set().union(*(self.booked.get((tr.number, k), set())
                                                for k in range(len(tr.stops) - 1))),
                                  key=lambda u, n=tr.number: self.booked_when[(u, n)])
                    for uid in uids:
                        p = self.pax[uid]
                        if uid in done or not any(r[0] is tr for r in p.rides):
                            continue
                        done.add(uid)
                        if p.status == WAITING and not self._for_a_link(p):
                            self._book(p, t, p.ready, rebooking=True)
                        else:
                            # "at the trip's departure": from its first stop, delay included
                            # (corridor's reading), or from the stop they board it at
                            tr1, k, _ = next(r for r in p.rides if r[0] is not None and r[0].cancelled)
                            gone = tr1.sdep[0] + tr1.delay if self.gone_at_first_stop else tr1.sdep[k]
                            heapq.heappush(heap, (gone, 1, (tr1.number, k), "gone", (p.uid, tr1.number)))
            elif kind == "gone":
                uid, number = what
                p = self.pax[uid]
                if not any(_leg_id(leg)[0] == number for leg in p.rides):
                    continue
                if p.status == WAITING and not self._for_a_link(p):
                    self._book(p, t, p.ready, rebooking=True)
                else:  # on the way: rebook where they land
                    r = next(i for i, leg in enumerate(p.rides) if _leg_id(leg)[0] == number)
                    self._release(p, r)
                    p.pending = True
            elif kind == "depart":
                tr, k = what
                self.departed.add((tr.number, k))
                # who is found not ready first: in the order they came to the place (at the
                # origin, by creation), as the fine print says
                for uid in sorted(self.booked.get((tr.number, k), ()), key=lambda u: (self.pax[u].came, u)):
                    p = self.pax[uid]
                    r = next(i for i, ride in enumerate(p.rides) if ride[0] is tr and ride[1] == k)
                    if r == 0 and p.status == WAITING and p.place == tr.stops[k] and p.ready <= t:
                        _, _, j = p.rides.pop(0)
                        self.booked[(tr.number, k)].discard(uid)
                        p.status, p.onboard = ONBOARD, (tr, j)
                        if math.isnan(p.first_dep):
                            p.first_dep = t
                        continue
                    if r == 0 and p.status == WAITING and p.place == tr.stops[k]:
                        p.missed += 1
                        self._book(p, t, p.ready, rebooking=True)  # there, in the connection time
                        continue
                    if self.miss_on_landing:
                        continue  # corridor: the miss is found where they land for it (the fine print)
                    p.missed += 1
                    # on the way to it: the seats from it on go back, the rides before it stay,
                    # and the passenger rebooks where they land for it
                    self._release(p, r)
                    p.pending = True
            elif kind == "land":
                tr, j = what
                for p in sorted(self.pax.values(), key=lambda q: q.uid):
                    if p.status != ONBOARD or p.onboard[0] is not tr or p.onboard[1] != j:
                        continue
                    p.onboard = None
                    ready = t + self.places[tr.stops[j]].get("min_connection_min", 0)
                    self._arrive(p, tr.stops[j], t, ready, ready)
            elif kind == "walk":
                uid, leg = what
                p = self.pax[uid]
                if p.status != WAITING or not p.rides or p.rides[0] is not leg:
                    continue  # rebooked meanwhile
                p.rides.pop(0)
                p.status = MOVING
                if math.isnan(p.first_dep):
                    p.first_dep = t
                p.held, p.waits = [], []
                there = self._walk_end(leg[1], leg[2], t, p.held, p.waits)
                self.seq += 1
                order = (3, (t,), self.seq) if self.walk_order else (3, (0.0,), uid, len(heap))
                heapq.heappush(heap, (there, 0, order, "walked", what))
            elif kind == "walked":
                uid, (_, _, place) = what
                # a rebooking there is a new journey, which may set off by link (the fine print)
                ready = t + self._after_link(place)
                self._arrive(self.pax[uid], place, t, ready, ready if self.rebook_by_link else None)
        # A vehicle standing at a closed place when the run ends (reached, not yet landed or
        # left) holds its passengers there: corridor counts them at_station (the fine print).
        for p in self.pax.values():
            if p.status == ONBOARD:
                tr, j = p.onboard
                if any(tr.reach[m] <= self.end < (tr.aarr[m] if m == j else tr.adep[m])
                       and self._open_at(tr.stops[m], self.end) > self.end for m in range(1, j + 1)):
                    p.status = AT_STATION
            if p.status == MOVING and any(r <= self.end < o for r, o in p.held):
                p.status = AT_STATION  # held at a closed place on a chain of links
            if p.status == MOVING and any(r <= self.end < o for r, o in p.waits):
                p.status = WAITING  # at a place on a chain of links, waiting for a closed link
        return self.pax
