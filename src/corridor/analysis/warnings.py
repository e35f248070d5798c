"""What a reader must know before trusting a run's tables, in words.

* Units never delivered: their times are left out of every mean, which then reads short; the
  warning says where most of them are (at a place, or on the way from one).
* Services that ran full: demand for them exceeds their capacity, and units queue for them.
* A warm-up shorter than the containers' journey: FEU/week delivered reads low.
* Queues that grew without bound: the station was nearly always busy, waits kept rising across
  the statistics window (or, just over capacity, its queue never emptied through the window's
  last quarter), and vehicles were still queued when demand stopped, however the drain
  cleared them after (a queue that builds during a disruption and clears before demand stops
  is not one).
* A backlog still queued at a station when demand stops, worth a day or more of its service,
  where the queue did not grow across the window (one a closure left that never cleared).
* A backlog growing through the window: containers created in its last quarter take more than
  a day longer than those of its first (the 95% interval wholly above a day), at a station,
  for paths or for a fleet, even one that the drain clears before the run ends.
* Containers stored in the corridor: the window delivered a good deal fewer than it created,
  so as many more were on the way at its end than at its start (a closure or a queue held
  them); FEU/week delivered is then what got through, not what the demand offered.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from corridor.simulation.entities import Status
from corridor.units import MIN_PER_DAY, MIN_PER_WEEK

SHORT_WARMUP_SHARE = 0.05  # FEU/week delivered reading this much low for a short warm-up is said
FULL_LOAD = 0.98  # a service whose trips average this load factor ran full
#: days of door-to-door rise across the window (last quarter's containers minus the first's) past
#: which, its 95% interval above it, a backlog grows through the window
MAX_RISE_DAYS = 1.0
#: days of a station's service still queued when demand stops past which a backlog is said
MIN_BACKLOG_DAYS = 1.0


#: the share of the window's containers by which its deliveries fall short of its creations (so
#: many more on the way at its end than at its start) past which run says so: a demand rising
#: through the window leaves some (the baseline's spring 6-10% a replication over 10, a month's
#: closure of Kena 22-24%: 2026-12-04)
STORED_SHARE = 0.15


#: a unit on a trip, a link or a dispatched vehicle when the run ends: its place is where it left
ON_THE_WAY = (Status.ONBOARD, Status.MOVING)


def _where_waiting(result: Any) -> dict[int, str]:
    """Per flow with undelivered units: where most of them are when the run ends, at a place or
    on the way from one (one pass over the units of every replication). Counted over the units
    created in the statistics window, as the KPI of undelivered units is."""
    places: dict[int, Counter[str]] = {}
    for rec in result.records:
        u = rec.units
        stuck = (u["status"] != Status.DELIVERED) & (u["created_min"] >= rec.warmup_min)
        for flow, place, status in zip(u["flow"][stuck].tolist(), u["place"][stuck].tolist(),
                                       u["status"][stuck].tolist(), strict=True):
            where = f"{'on the way from' if status in ON_THE_WAY else 'at'} {rec.places[place]}"
            places.setdefault(flow, Counter())[where] += 1
    out = {}
    for flow, counts in places.items():
        where, count = counts.most_common(1)[0]
        out[flow] = f"; {count / sum(counts.values()):.0%} of them are {where} when the run ends"
    return out


def rising_backlog(mean: float, low: float, high: float, *, bound: bool = False) -> str | None:
    """The rise in door-to-door time across the window (``cargo.door_to_door_rise_days``: its mean and 95%
    interval) said as a growing backlog when the whole interval lies above
    :data:`MAX_RISE_DAYS`; None otherwise (or with no interval: one replication). ``bound``:
    containers of the last quarter were still on the way at the end, so the rise is at least that.

    >>> rising_backlog(3.0, 2.0, 4.0, bound=True)[:65]
    "containers created in the window's last quarter take at least 3.0"
    """
    if not (math.isfinite(low) and low > MAX_RISE_DAYS):
        return None
    least = "at least " if bound else ""
    return (f"containers created in the window's last quarter take {least}{mean:.1f} days longer than those "
            f"of its first (95% CI {low:.1f} to {high:.1f}): a backlog grows through the window"
            + ("; those still on the way at the end count with their time so far" if bound else ""))


def rising_backlog_in(summary: dict[str, dict[str, float]]) -> str | None:
    """:func:`rising_backlog` of a KPI summary (``cargo.door_to_door_rise_at_least_days``: the
    rise, or its lower bound where containers of the last quarter were still on the way), None
    when it has none."""
    rise = summary.get("cargo.door_to_door_rise_at_least_days")  # the rise itself where all arrived
    if not rise:
        return None
    return rising_backlog(rise["mean"], rise.get("low", math.nan), rise.get("high", math.nan),
                          bound=rise_is_bound(summary))


def rise_is_bound(summary: dict[str, dict[str, float]]) -> bool:
    """Whether a KPI summary's rise is a lower bound: containers of the window's last quarter
    were still on the way at the end (in some replication)."""
    return summary.get("cargo.door_to_door_rise_undelivered", {}).get("mean", 0.0) > 0


def cargo_journeys(summary: dict[str, dict[str, float]], flows: list[str]) -> dict[str, tuple[float, float]]:
    """Per cargo flow of ``flows`` that delivered: its mean door-to-door days and containers
    created (means over replications), what :func:`short_warmup` weighs."""
    out = {}
    for flow in flows:
        door = summary.get(f"flows.{flow}.door_to_door_days.mean")
        created = summary.get(f"flows.{flow}.created")
        if door and created:
            out[flow] = (door["mean"], created["mean"])
    return out


def short_warmup(flows: dict[str, tuple[float, float]], warmup_days: float,
                 window_days: float) -> str | None:
    """Containers on the way longer than the warm-up: FEU/week delivered counts deliveries in the
    window [warm-up, horizon), and for the first ``door - warmup`` days of a flow whose
    containers take ``door`` days only what the warm-up created arrives, so that flow's share
    of the figure reads low by that part of the window. ``flows``: per cargo flow, its
    containers' mean door-to-door days and how many it created. Said when the whole figure
    reads :data:`SHORT_WARMUP_SHARE` low or more, naming the flows that take longest.

    >>> said = short_warmup({"A": (10.0, 700.0), "B": (40.0, 300.0)}, 20.0, 56.0)  # 30% x 20/56
    >>> said[:40], said[-39:]
    ('B takes 40.0 days door to door, longer t', 'about 11%; make warmup_days at least 40')
    >>> short_warmup({"A": (10.0, 900.0), "B": (30.0, 100.0)}, 20.0, 56.0) is None  # 10% x 10/56
    True
    """
    total = sum(n for _, n in flows.values())
    late = {f: (door, n) for f, (door, n) in flows.items() if math.isfinite(door) and door > warmup_days}
    if total <= 0 or not late:
        return None
    low = sum(n * min((door - warmup_days) / window_days, 1.0) for door, n in late.values()) / total
    if low < SHORT_WARMUP_SHARE:
        return None
    names = sorted(late, key=lambda f: -late[f][0])
    said = ", ".join(f"{f} takes {late[f][0]:.1f} days door to door" for f in names[:3])
    more = f" (and {len(names) - 3} more flows)" if len(names) > 3 else ""
    longest = late[names[0]][0]
    return (f"{said}{more}, longer than the warm-up ({warmup_days:g} days): FEU/week delivered counts "
            f"deliveries after it, and while the first containers of the window are still on the way only "
            f"those of the warm-up arrive, so it reads low, by about {low:.0%}; make warmup_days at least "
            f"{math.ceil(longest)}")


def stored(created: float, delivered: float, weeks: float) -> str | None:
    """Containers the window created (``created``) against those it delivered (``delivered``,
    whenever made), over ``weeks``: their difference is how many more were on the way at the
    window's end than at its start (each container is made once and delivered once). Said when
    it is :data:`STORED_SHARE` of ``created`` or more.

    >>> said = stored(5150.0, 3980.0, 8.0)
    >>> said[:86]
    'containers: 23% fewer were delivered in the window than it created (497.5 against 643.'
    >>> stored(5150.0, 4700.0, 8.0) is None  # 9%
    True
    """
    if not (created > 0 and weeks > 0 and math.isfinite(delivered)):
        return None
    gap = created - delivered
    if gap < STORED_SHARE * created:
        return None
    return (f"containers: {gap / created:.0%} fewer were delivered in the window than it created "
            f"({delivered / weeks:,.1f} against {created / weeks:,.1f} a week): about {gap:,.0f} more were "
            "on the way at its end than at its start, held by a closure or a queue (a demand rising "
            "through the window leaves some); FEU/week delivered is what got through in the window, "
            "not what the demand offered")


def run_warnings(result: Any) -> list[str]:
    s = result.summary
    out = []
    rec = result.records[0]
    cargo_flows = [f for f, pax in zip(rec.flows, rec.flow_pax, strict=True) if not pax]
    cargo = cargo_journeys(s, cargo_flows)
    if cargo_flows and rec.horizon_min > rec.warmup_min:
        weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
        # a journey long because a queue grows without bound is no warm-up's fault: a longer
        # warm-up would not raise what gets through (x20 the baseline's cargo was told to make it
        # 92 days, and delivered 4% more)
        caution = (None if jammed(result.kpis)
                   else short_warmup(cargo, rec.warmup_min / MIN_PER_DAY, weeks * 7))
        # a short warm-up fills the corridor through the window too: that warning says why
        made = s.get("cargo.created", {}).get("mean", 0.0)
        caution = caution or stored(made, s.get("cargo.feu_per_week", {}).get("mean", math.nan) * weeks,
                                    weeks)
        if caution:
            out.append(caution)
    where = _where_waiting(result)
    for f, flow in enumerate(result.records[0].flows):
        e = s.get(f"flows.{flow}.undelivered")
        created = s.get(f"flows.{flow}.created")
        if e and created and e["mean"] > 0:
            share = e["mean"] / max(created["mean"], 1e-9)
            # a mean under one (one replication of several left a unit) is not "0 of 144 (0%)"
            mean = float(e["mean"])
            some = f"{mean:,.0f}" if mean >= 9.5 or mean.is_integer() else f"{mean:.1f}"
            part = f"{share:.0%}" if share >= 0.005 else "under 1%"
            out.append(f"{flow}: {some} of {created['mean']:,.0f} units a replication "
                       f"({part}) were not delivered by the end of the run, and its times cover "
                       f"only those delivered{where.get(f, '')}")
    for service in result.kpis[0].get("services", {}):
        if service in result.records[0].dispatched:  # it leaves when full by design
            continue
        load = s.get(f"services.{service}.load_factor")
        carried = s.get(f"services.{service}.carried")
        if load and carried and carried["mean"] > 0 and load["mean"] >= FULL_LOAD:
            out.append(f"{service} ran full (load factor {load['mean']:.0%}): demand for it exceeds "
                       "its capacity, and units queue for it")
    backlog = rising_backlog_in(s)
    if backlog:
        out.append(f"{backlog} (a station, departure paths or a fleet short of what the demand needs, or a "
                   "disruption), even if the drain clears it before the run ends")
    n = len(result.kpis)
    for name in result.kpis[0]["stations"]:
        growing = _grew(result.kpis, "stations", name)
        if growing * 2 > n:
            outside = result.outside_full.get(name)
            why = (f"{outside}, so it grows whatever this scenario's own traffic" if outside else
                   "the traffic there, outside traffic included, exceeds what it can serve")
            out.append(f"{name}: the queue grew without bound in {growing:.0f} of {n} replications "
                       "(over 95% busy, waits rising across the window, or over 99% busy with a queue "
                       "never empty through its last quarter and longer there than in its first two; still "
                       f"queued when demand stops, however the drain clears it after): {why}")
            continue
        days = sum(k["stations"][name].get("backlog_days", 0.0) for k in result.kpis) / n
        if days >= MIN_BACKLOG_DAYS:
            queued = sum(k["stations"][name].get("queue_at_horizon", 0) for k in result.kpis) / n
            out.append(f"{name}: {queued:.0f} vehicles were still queued when demand stopped (mean of "
                       f"{n} replications), {days:.1f} days of its service: a backlog the window never "
                       "cleared (a closure, or more traffic than it serves), whose waits its statistics "
                       "read while it lasted")
    for section, what in (("paths", "departure paths of"), ("fleets", "vehicles of fleet")):
        for name in result.kpis[0].get(section, {}):
            growing = _grew(result.kpis, section, name)
            if growing * 2 > n:
                out.append(f"the queue of trains waiting for the {what} {name} grew without bound in "
                           f"{growing:.0f} of {n} replications (over 95% busy, waits rising across the "
                           "window, still waiting when demand stops): the cargo needs more than it has")
    return out


def jammed(kpis: list[dict[str, Any]]) -> bool:
    """Whether a queue (a station's, or of trains waiting for departure paths or a fleet) grew
    without bound in most replications."""
    n = len(kpis)
    return n > 0 and any(_grew(kpis, section, name) * 2 > n
                         for section in ("stations", "paths", "fleets") for name in kpis[0].get(section, {}))


def _grew(kpis: list[dict[str, Any]], section: str, name: str) -> float:
    """In how many replications the queue of ``section``'s ``name`` (a station, a pool of
    paths, a fleet) grew without bound."""
    return sum(k[section][name].get("growing", 0.0) for k in kpis)
