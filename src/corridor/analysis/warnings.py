"""What a reader must know before trusting a run's tables, in words.

* Units never delivered: their times are left out of every mean, which then reads short; the
  warning says where most of them are (at a place, or on the way from one).
* Services that ran full: demand for them exceeds their capacity, and units queue for them.
* A warm-up shorter than the containers' journey: FEU/week delivered reads low.
* Queues that grew without bound: the station was nearly always busy, waits kept rising across
  the statistics window, and vehicles were still queued when demand stopped, however the drain
  cleared them after (a queue that builds during a disruption and clears before demand stops
  is not one).
* A backlog growing through the window: containers created in its last quarter take more than
  a day longer than those of its first (the 95% interval wholly above a day), at a station,
  for paths or for a fleet, even one that the drain clears before the run ends.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from corridor.simulation.entities import Status
from corridor.units import MIN_PER_DAY

SHORT_WARMUP_SHARE = 0.05  # FEU/week delivered reading this much low for a short warm-up is said
FULL_LOAD = 0.98  # a service whose trips average this load factor ran full
#: days of transit rise across the window (last quarter's containers minus the first's) past
#: which, its 95% interval above it, a backlog grows through the window
MAX_RISE_DAYS = 1.0
#: days of a station's service still queued when demand stops past which a backlog is said
MIN_BACKLOG_DAYS = 1.0


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


def rising_backlog(mean: float, low: float, high: float) -> str | None:
    """The rise in transit across the window (``cargo.transit_rise_days``: its mean and 95%
    interval) said as a growing backlog when the whole interval lies above
    :data:`MAX_RISE_DAYS`; None otherwise (or with no interval: one replication)."""
    if not (math.isfinite(low) and low > MAX_RISE_DAYS):
        return None
    return (f"containers created in the window's last quarter take {mean:.1f} days longer than those of "
            f"its first (95% CI {low:.1f} to {high:.1f}): a backlog grows through the window")


def short_warmup(door_days: float, warmup_days: float, window_days: float) -> str | None:
    """Containers on the way longer than the warm-up: FEU/week delivered counts deliveries in the
    window [warm-up, horizon), and for its first ``door_days - warmup_days`` days only what the
    warm-up created arrives, so the figure reads low by about that share of the window (said
    from :data:`SHORT_WARMUP_SHARE` on)."""
    if not (math.isfinite(door_days) and door_days > warmup_days):
        return None
    low = min((door_days - warmup_days) / window_days, 1.0)
    if low < SHORT_WARMUP_SHARE:
        return None
    return (f"containers take {door_days:.1f} days door to door on average, longer than the warm-up "
            f"({warmup_days:g} days): FEU/week delivered counts deliveries after it, and in the first "
            f"{door_days - warmup_days:.1f} days of the window only containers of the warm-up arrive, so it "
            f"reads low, by about {low:.0%}; make warmup_days at least {math.ceil(door_days)}")


def run_warnings(result: Any) -> list[str]:
    s = result.summary
    out = []
    rec = result.records[0]
    door = s.get("cargo.door_to_door_days.mean")
    if door and rec.horizon_min > rec.warmup_min:
        caution = short_warmup(door["mean"], rec.warmup_min / MIN_PER_DAY,
                               (rec.horizon_min - rec.warmup_min) / MIN_PER_DAY)
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
    rise = s.get("cargo.transit_rise_days")
    backlog = rising_backlog(rise["mean"], rise.get("low", math.nan), rise.get("high", math.nan)) \
        if rise else None
    if backlog:
        out.append(f"{backlog} (a station, departure paths or a fleet short of what the demand needs, or a "
                   "disruption), even if the drain clears it before the run ends")
    n = len(result.kpis)
    for name in result.kpis[0]["stations"]:
        growing = sum(k["stations"][name].get("growing", 0.0) for k in result.kpis)
        if growing * 2 > n:
            out.append(f"{name}: the queue grew without bound in {growing:.0f} of {n} replications "
                       "(over 95% busy, waits rising across the window, still queued when demand "
                       "stops, however the drain clears it after): the traffic there, outside "
                       "traffic included, exceeds what it can serve")
            continue
        days = sum(k["stations"][name].get("backlog_days", 0.0) for k in result.kpis) / n
        if days >= MIN_BACKLOG_DAYS:
            queued = sum(k["stations"][name].get("queue_at_horizon", 0) for k in result.kpis) / n
            out.append(f"{name}: {queued:.0f} vehicles were still queued when demand stopped (mean of "
                       f"{n} replications), {days:.1f} days of its service: a backlog the window never "
                       "cleared (a closure, or more traffic than it serves), whose waits its statistics "
                       "read while it lasted")
    return out
