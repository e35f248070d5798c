"""KPIs of a replication, vectorised over its record columns, and their summary over replications."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from corridor.analysis.services import service_kpis
from corridor.kernels.stats import mean_ci
from corridor.kernels.timeseries import step_levels, time_weighted_mean
from corridor.simulation.entities import STATUS_NAMES, Status
from corridor.simulation.records import Records
from corridor.units import MIN_PER_DAY, MIN_PER_HOUR, MIN_PER_WEEK

GROWING_UTILISATION = 0.95  # a station this busy whose waits keep rising across the window ...
GROWING_RATE = 0.02  # ... by at least this many minutes a minute (29 min a day) is flagged
#: ... and so is one this busy whose queue never emptied over the window's last quarter and is
#: longer there than in its first two: an overload of under 2% (a trend below
#: GROWING_RATE), where the queue grows about as the root of time, was passed as steady while
#: ``validate`` warned of it
SATURATED = 0.99
#: the rise leaves out flows with a container of the window's first quarter still on the way
#: when the run ends, up to this share of the window's containers; beyond, it is undefined
STUCK_SHARE = 0.05


def _dist(values: np.ndarray, scale: float) -> dict[str, float]:
    """Mean, median and 95th percentile (linear between order statistics, NumPy's default) of
    the finite ``values`` in units of ``scale``; over none, undefined (NaN), with ``n`` 0."""
    v = values[np.isfinite(values)] / scale
    if v.size == 0:
        return {"n": 0, "mean": math.nan, "p50": math.nan, "p95": math.nan}
    return {"n": int(v.size), "mean": float(v.mean()), "p50": float(np.percentile(v, 50)),
            "p95": float(np.percentile(v, 95))}


def _unit_time(log: dict[str, Any], warmup: float, horizon: float) -> float:
    """Unit-minutes spent in vehicles at the station inside [warmup, horizon), from the visit log
    (until each vehicle leaves: its service end plus any customs hold)."""
    leave = log.get("leave_min", log["end_min"])
    inside = np.clip(leave, warmup, horizon) - np.clip(log["arrive_min"], warmup, horizon)
    return float(np.sum(log["units"] * inside))


def station_kpis(log: dict[str, Any], warmup: float, horizon: float, run_end: float,
                 unit_waits: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """Utilisation, queue (vehicles waiting) and waits over the statistics window [warmup,
    horizon), and Little's law for the units there.

    Every visit's start and end are known on arrival (closed-form admission); a vehicle still
    queued when the run ends has its wait cut at the end and is counted in ``unserved``. With
    no vehicle in the window the waits are NaN (no wait to average), the counts 0.
    Little's law is checked with two witnesses: ``little_L_units``, the time-average number of
    units at the station from the vehicle log, and ``little_lambda_W_units``, unit arrivals per
    minute times their mean time there, from the per-unit records (``unit_waits``), which also
    give ``units_per_week``: the units that reached the station in the window, a week.
    """
    arrive, start, finish = log["arrive_min"], log["start_min"], log["end_min"]
    servers = log["servers"]
    span = horizon - warmup
    busy_from = np.clip(start, warmup, horizon)
    busy_to = np.clip(np.minimum(finish, run_end), warmup, horizon)
    busy = float(np.sum(np.maximum(busy_to - busy_from, 0.0)))
    utilisation = busy / (servers * span) if span > 0 else np.nan
    # vehicles in queue: +1 on arrival, -1 on start of service (if it starts before the end)
    started = start < run_end
    t_q, q = step_levels(np.r_[arrive, start[started]], np.r_[np.ones(arrive.size), -np.ones(started.sum())])
    mean_queue = float(time_weighted_mean(t_q, q, np.array([warmup, horizon]))[0]) if t_q.size else 0.0
    in_window = (t_q >= warmup) & (t_q < horizon)
    # the queue there when the window opens counts too (one left by a closure in the warm-up)
    before = np.searchsorted(t_q, warmup, side="right") - 1
    at_open = float(q[before]) if before >= 0 else 0.0
    max_queue = max(at_open, float(q[in_window].max())) if in_window.any() else at_open
    window = (arrive >= warmup) & (arrive < horizon)
    waits = np.minimum(start[window], run_end) - arrive[window]
    queued_at_end = int(np.sum(~started))  # every visit arrived before the end
    # queued when demand stops: a drain that clears the backlog afterwards does not undo it
    queued_at_horizon = int(np.sum((arrive < horizon) & (start > horizon)))
    out = {
        "vehicles": int(window.sum()),
        "unserved": int(np.sum(window & ~started)),
        "utilisation": utilisation,
        "mean_queue": mean_queue,
        "max_queue": max_queue,
        # no vehicle in the window: no wait to average (NaN), not a wait of 0
        "mean_wait_min": float(waits.mean()) if waits.size else np.nan,
        "max_wait_min": float(waits.max()) if waits.size else np.nan,
        "queue_at_end": queued_at_end,
        # queued when demand stops, and the days of service they hold: a backlog the window
        # never cleared (after a closure, say) even when the queue no longer grows
        "queue_at_horizon": queued_at_horizon,
        "backlog_days": _backlog_days(log, queued_at_horizon),
        # the trend uses each wait as admission fixed it, even past the end: cut waits would hide it;
        # or, just over capacity (a trend under GROWING_RATE), servers that never rested with a
        # queue that never emptied over the window's last quarter, longer there than in its first two
        "growing": float(queued_at_horizon > 0 and (
            _growing(arrive[window], start[window] - arrive[window], warmup, span, utilisation)
            or (utilisation >= SATURATED and _never_empty(t_q, q, horizon - span / 4, horizon)
                and _rising(t_q, q, warmup, horizon)))),
    }
    if unit_waits is not None and span > 0:
        seen = (unit_waits["arrive_min"] >= warmup) & (unit_waits["arrive_min"] < horizon)
        minutes = unit_waits["station_min"][seen]
        out["little_L_units"] = _unit_time(log, warmup, horizon) / span
        out["little_lambda_W_units"] = float(seen.sum() / span * minutes.mean()) if minutes.size else 0.0
        # the scenario's own units through it (outside traffic carries none): a border's share
        # of the corridor's cargo, as ``throughput`` reports it per step
        out["units_per_week"] = float(seen.sum() / span * MIN_PER_WEEK)
    return out


def _backlog_days(log: dict[str, Any], queued: int) -> float:
    """Days the station's servers need for ``queued`` vehicles at its mean service time (that
    of the visits served; 0 when none was).

    >>> log = {"servers": 2, "start_min": np.array([0.0, 10.0]), "end_min": np.array([720.0, 730.0])}
    >>> _backlog_days(log, 8)  # 8 vehicles x 12 h over 2 servers
    2.0
    """
    served = np.isfinite(log["end_min"]) & np.isfinite(log["start_min"])
    if not queued or not served.any():
        return 0.0
    per_vehicle = float(np.mean(log["end_min"][served] - log["start_min"][served]))
    return queued * per_vehicle / max(int(log["servers"]), 1) / MIN_PER_DAY


def _growing(arrive: np.ndarray, waits: np.ndarray, warmup: float, span: float, utilisation: float) -> bool:
    """A queue growing without bound (given vehicles are still queued when demand stops): the
    station is nearly always busy, and vehicles arriving in the last quarter of the window wait
    longer than those in the first by at least ``GROWING_RATE`` of the time between them (and
    an hour). The waits are those admission fixed, past the end of the run if need be."""
    if waits.size < 8 or utilisation < GROWING_UTILISATION:
        return False
    first = waits[arrive < warmup + span / 4]
    last = waits[arrive >= warmup + 3 * span / 4]
    if first.size == 0 or last.size == 0:
        return False
    return bool(last.mean() - first.mean() >= max(GROWING_RATE * span / 2, MIN_PER_HOUR))


def _rising(t_q: np.ndarray, q: np.ndarray, warmup: float, horizon: float) -> bool:
    """Whether the queue's time-average over the window's last quarter is above that over each
    of its first two: a backlog a closure or cut left early, draining through the rest of the
    window while it never empties, is not growing (flagged in 9 of 10 replications at rho 0.9
    after a closure in the warm-up; in 13 of 16 at rho 0.97 after a cut in the first quarter,
    whose backlog peaked in the second, when the last quarter was set against the first
    alone). Not against the third: a queue just over capacity rises too slowly for the last
    quarter to beat the one before it by more than chance (9 of 10 replications at rho 1.01
    and 365 days fell to 4).

    >>> t, q = np.array([0.0, 50.0]), np.array([5.0, 3.0])
    >>> _rising(t, q, 0.0, 100.0), _rising(t[:1], q[:1], 0.0, 100.0)
    (False, False)
    >>> _rising(np.array([0.0, 25.0, 50.0, 75.0]), np.array([4.0, 9.0, 6.0, 5.0]), 0.0, 100.0)
    False
    >>> _rising(np.array([0.0, 25.0, 50.0, 75.0]), np.array([4.0, 6.0, 11.0, 10.0]), 0.0, 100.0)
    True
    """
    quarter = (horizon - warmup) / 4
    means = time_weighted_mean(t_q, q, warmup + quarter * np.arange(5))
    return bool(means[3] > means[:2].max())


def _never_empty(t_q: np.ndarray, q: np.ndarray, start: float, end: float) -> bool:
    """Whether the queue (levels ``q`` from the moments ``t_q`` on) held a vehicle all the time
    from ``start`` to ``end``.

    >>> t, q = np.array([0.0, 5.0, 8.0]), np.array([1.0, 2.0, 0.0])
    >>> _never_empty(t, q, 1.0, 8.0), _never_empty(t, q, 1.0, 9.0), _never_empty(t, q, -1.0, 4.0)
    (True, False, False)
    """
    first = int(np.searchsorted(t_q, start, side="right")) - 1  # the level in force at ``start``
    if first < 0:
        return False
    last = int(np.searchsorted(t_q, end, side="left"))  # changes before ``end``
    return bool(q[first:last].min() > 0)


def _times(values: np.ndarray, done: np.ndarray, created: np.ndarray, scale: float) -> dict[str, float]:
    """A distribution over the units delivered, saying how many it leaves out: units created in
    the window and not delivered by the end of the run (censored: their times are unknown,
    and longer than any seen)."""
    out = _dist(np.where(done, values, np.nan), scale)
    out["undelivered"] = int(np.sum(created & ~done))
    return out


def _rise(door_min: np.ndarray, created_min: np.ndarray, done: np.ndarray, feu: np.ndarray,
          warmup_min: float, horizon_min: float, end_min: float, *, at_least: bool = False) -> float:
    """Mean door-to-door time (days) of the containers created in the last quarter of the window
    minus that of those created in its first quarter: days, when a backlog grows through the
    window, even one that a drain clears before the run ends. Door to door, not transit: a
    backlog at the origin (a fleet's vehicles or departure paths there) delays the first
    departure, which transit starts from.

    A quarter with a container not delivered when the run ends has no known mean, and the rise
    is NaN (over the delivered alone, a short drain read the fast ones, and a backlog as a fall).
    ``at_least``: the last quarter's undelivered count with the time they had taken by then, so
    the figure is a lower bound of the rise (NaN still with the first quarter's undelivered:
    a bound of that quarter would bound the rise the wrong way). A witness that a backlog
    grows when it is above a day; below, it says nothing.

    >>> created = np.array([0.0, 10.0, 90.0, 95.0])
    >>> done, feu = np.ones(4, bool), np.ones(4, bool)
    >>> _rise(np.array([1440.0, 2880.0, 5760.0, 7200.0]), created, done, feu, 0.0, 100.0, 9000.0)
    3.0
    >>> # the last one still on the way at the end (7,295): 7,200 min so far
    >>> door, late = np.array([1440.0, 2880.0, 1440.0, np.nan]), done & [1, 1, 1, 0]
    >>> _rise(door, created, late, feu, 0.0, 100.0, 7295.0), _rise(door, created, late, feu, 0.0, 100.0,
    ...                                                              7295.0, at_least=True)
    (nan, 1.5)
    >>> _rise(door[::-1], created, done & [0, 1, 1, 1], feu, 0.0, 100.0, 7295.0, at_least=True)
    nan
    """
    quarter = (horizon_min - warmup_min) / 4
    door = np.where(done, door_min, end_min - created_min)
    first = feu & (created_min >= warmup_min) & (created_min < warmup_min + quarter)
    last = feu & (created_min >= horizon_min - quarter) & (created_min < horizon_min)
    complete = done[first].all() and (at_least or done[last].all())
    if not first.any() or not last.any() or not complete:
        return float("nan")
    return float((door[last].mean() - door[first].mean()) / MIN_PER_DAY)


def _rise_units(flow: np.ndarray, created_min: np.ndarray, feu: np.ndarray, delivered: np.ndarray,
                warmup_min: float, horizon_min: float) -> np.ndarray:
    """The containers the rise is taken over: those of the flows that delivered any in the run
    and all of theirs created in the window's first quarter (a flow with one of those still on
    the way has no known first-quarter mean; a tiny one stuck behind a closure left the rise
    undefined). None when the flows left out hold more than :data:`STUCK_SHARE` of the window's
    containers: a rise of the rest would speak for a few (a main flow stuck behind a closure
    was left out, and the rise read a side flow's 3%).

    >>> flow, feu = np.array([0, 0, 1, 1]), np.ones(4, bool)
    >>> _rise_units(flow, np.array([0.0, 90.0, 5.0, 95.0]), feu, np.array([1, 1, 0, 1], bool), 0.0, 100.0)
    array([False, False, False, False])
    """
    window = (created_min >= warmup_min) & feu
    first_quarter = window & (created_min < warmup_min + (horizon_min - warmup_min) / 4)
    stuck = np.unique(flow[first_quarter & ~delivered])
    moving = feu & np.isin(flow, np.setdiff1d(np.unique(flow[feu & delivered]), stuck))
    if np.sum(window & ~moving) > STUCK_SHARE * np.sum(window):
        return np.zeros_like(moving)
    return moving


def _flow_kpis(of_flow: np.ndarray, window: np.ndarray, delivered: np.ndarray, door: np.ndarray,
               transit: np.ndarray) -> dict[str, Any]:
    created = of_flow & window
    done = created & delivered
    return {
        "created": int(np.sum(created)),
        "undelivered": int(np.sum(created & ~delivered)),
        "door_to_door_days": _times(door, done, created, MIN_PER_DAY),
        "transit_days": _times(transit, done, created, MIN_PER_DAY),
    }


def _gateway_shares(u: dict[str, np.ndarray], of_flow: np.ndarray, window: np.ndarray,
                    places: tuple[str, ...], via: tuple[str, ...] = ()) -> dict[str, Any]:
    """For a cargo flow that chooses its gateway: the share of its containers created after the
    warm-up that took each gateway, of those that chose (one still waiting for its block train
    to leave the origin when the run ends has not; nothing for other flows, nor for a flow none
    of whose containers chose). Every gateway of ``via`` (the flow's own) is named, 0 where
    nobody took it; without ``via``, those taken.

    >>> u = {"gateway": np.array([2, 2, -1, 0])}
    >>> _gateway_shares(u, np.ones(4, bool), np.ones(4, bool), ("A", "B", "C"), via=("C", "B", "A"))
    {'gateway_share': {'C': 0.6666666666666666, 'B': 0.0, 'A': 0.3333333333333333}}
    """
    if "gateway" not in u:
        return {}
    chosen = u["gateway"][of_flow & window]
    chosen = chosen[chosen >= 0]
    if chosen.size == 0:
        return {}
    counts = np.bincount(chosen, minlength=len(places))
    named = [places.index(g) for g in via] if via else np.flatnonzero(counts).tolist()
    return {"gateway_share": {places[p]: float(counts[p] / chosen.size) for p in named}}


def _vehicle_co2_t(rec: Records) -> float:
    """The CO2 of the vehicles that left in the statistics window (by schedule), each place at
    its service's per-unit figure: a flight full or empty, a cargo vehicle when loaded (the trip
    log's ``vehicle_co2_kg``). Unlike ``co2_t`` (the units delivered), a new flight's empty seats
    count; so do the seats that other markets fill on a modelled flight."""
    trips = rec.trips
    if trips is None:
        return 0.0
    window = (trips["scheduled_min"] >= rec.warmup_min) & (trips["scheduled_min"] < rec.horizon_min)
    return float(trips["vehicle_co2_kg"][window].sum() / 1000.0)


def replication_kpis(rec: Records) -> dict[str, Any]:
    u = rec.units
    window = u["created_min"] >= rec.warmup_min
    delivered = u["status"] == Status.DELIVERED
    pax, feu = u["pax"], ~u["pax"]
    door = u["arrival_min"] - u["created_min"]
    transit = u["arrival_min"] - u["first_departure_min"]
    weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
    # throughput counts deliveries inside [warm-up, horizon), not those of the drain after it
    in_window = (u["arrival_min"] >= rec.warmup_min) & (u["arrival_min"] < rec.horizon_min)
    feu_per_week = float(np.sum(delivered & in_window & feu) / weeks) if weeks > 0 else np.nan
    pax_created, feu_created = pax & window, feu & window
    pax_done, feu_done = pax_created & delivered, feu_created & delivered
    late = u["arrival_min"] - u["planned_arrival_min"]
    last_quarter = rec.horizon_min - (rec.horizon_min - rec.warmup_min) / 4  # its first minute
    in_last_quarter = (u["created_min"] >= last_quarter) & (u["created_min"] < rec.horizon_min)
    moving = _rise_units(u["flow"], u["created_min"], feu, delivered, rec.warmup_min, rec.horizon_min)
    at_least = _rise(door, u["created_min"], delivered, moving, rec.warmup_min, rec.horizon_min, rec.end_min,
                     at_least=True)
    sw = rec.station_waits
    kpis: dict[str, Any] = {
        "passengers": {
            "created": int(np.sum(pax_created)),
            "undelivered": int(np.sum(pax_created & ~delivered)),
            "undelivered_share": _share(pax_created & ~delivered, pax_created),
            "door_to_door_h": _times(door, pax_done, pax_created, MIN_PER_HOUR),
            # first departure to arrival: the trip itself, without the wait for the chosen day
            "on_the_way_h": _times(transit, pax_done, pax_created, MIN_PER_HOUR),
            "missed_connection_rate": _share(pax_created & (u["missed"] > 0), pax_created),
            "late_vs_plan_h": _times(late, pax_done, pax_created, MIN_PER_HOUR),
        },
        "cargo": {
            "created": int(np.sum(feu_created)),
            "undelivered": int(np.sum(feu_created & ~delivered)),
            "undelivered_share": _share(feu_created & ~delivered, feu_created),
            "transit_days": _times(transit, feu_done, feu_created, MIN_PER_DAY),
            "door_to_door_days": _times(door, feu_done, feu_created, MIN_PER_DAY),
            "feu_per_week": feu_per_week,
            "teu_per_week": 2 * feu_per_week,
            "station_h": _times(u["station_min"], feu_done, feu_created, MIN_PER_HOUR),
            # door to door, so that a backlog at the origin (for a fleet or paths there) counts
            # too; over the flows that delivered, all their first quarter (above)
            "door_to_door_rise_days": _rise(door, u["created_min"], delivered, moving, rec.warmup_min,
                                            rec.horizon_min, rec.end_min),
            "door_to_door_rise_at_least_days": at_least,
            # containers of the window's last quarter still on the way at the end (those the
            # lower bound counts with their time so far); undefined with the bound, which then
            # counts none (0 read as "nothing on the way" where hundreds were)
            "door_to_door_rise_undelivered": (int(np.sum(moving & ~delivered & in_last_quarter))
                                              if math.isfinite(at_least) else math.nan),
        },
        "flows": {flow: _flow_kpis(u["flow"] == f, window, delivered, door, transit)
                  | _gateway_shares(u, u["flow"] == f, window, rec.places,
                                    rec.flow_gateways[f] if rec.flow_gateways else ())
                  for f, flow in enumerate(rec.flows)},
        "stations": {
            name: station_kpis(log, rec.warmup_min, rec.horizon_min, rec.end_min,
                               {k: v[sw["place"] == rec.places.index(name)] for k, v in sw.items()})
            for name, log in rec.stations.items()
        },
        "totals": {
            "cost_usd": float(u["cost_usd"][window & delivered].sum()),
            "co2_t": float(u["co2_kg"][window & delivered].sum() / 1000.0),
            "vehicle_co2_t": _vehicle_co2_t(rec),
        },
        "status": {STATUS_NAMES[k]: int(np.sum(u["status"] == k)) for k in range(len(STATUS_NAMES))},
        "trips": {"run": rec.trips_run, "cancelled": rec.trips_cancelled},
        "services": service_kpis(rec),
    }
    if rec.fleets:
        kpis["fleets"] = {name: fleet_kpis(log, rec.warmup_min, rec.horizon_min, rec.end_min)
                          for name, log in rec.fleets.items()}
    if rec.paths:
        kpis["paths"] = {name: path_kpis(log, rec.warmup_min, rec.horizon_min)
                         for name, log in rec.paths.items()}
    forecasts = gateway_forecast_kpis(rec)
    if forecasts:
        kpis["gateways"] = forecasts
    return kpis


def gateway_forecast_kpis(rec: Records) -> dict[str, dict[str, float]]:
    """Per gateway, over the blocks that chose it in [warm-up, horizon) and all left it: how
    many, how much later than their forecast said their last container left it
    (``forecast_error_days``, the learnt correction included; negative: earlier), and the
    correction their choice added (``correction_days``)."""
    b = rec.gateway_blocks
    if not b or b["gateway"].size == 0:
        return {}
    chose = b["chose_min"]
    done = (chose >= rec.warmup_min) & (chose < rec.horizon_min) & np.isfinite(b["left_min"])
    out = {}
    for g in np.unique(b["gateway"][done]).tolist():
        sel = done & (b["gateway"] == g)
        out[rec.places[g]] = {
            "blocks": int(sel.sum()),
            "forecast_error_days": float(np.mean(b["left_min"][sel] - b["forecast_min"][sel]) / MIN_PER_DAY),
            "correction_days": float(np.mean(b["correction_min"][sel]) / MIN_PER_DAY),
        }
    return out


def path_kpis(log: dict[str, Any], warmup: float, horizon: float) -> dict[str, float]:
    """A dispatched service's daily departure paths over the whole UTC days of [warmup,
    horizon) that have paths: paths a day, on how many days a week, and the share taken
    (``utilisation``; NaN when the window holds no such day)."""
    first, last = math.ceil(warmup / MIN_PER_DAY), math.floor(horizon / MIN_PER_DAY)
    open_days = log.get("open", np.ones(7, dtype=bool))  # by day number mod 7
    days = int(np.sum(open_days[np.arange(first, max(last, first)) % 7]))
    inside = (log["day"] >= first) & (log["day"] < last)
    taken = int(log["used"][inside].sum())
    utilisation = taken / (days * log["per_day"]) if days else np.nan
    out = {"per_day": int(log["per_day"]), "days_a_week": int(np.sum(open_days)), "utilisation": utilisation}
    if "asked_min" in log:  # vehicles queueing for paths, as at a station (the waits the takes fixed)
        out["growing"] = _queue_grows(log["asked_min"], log["got_min"], warmup, horizon, utilisation)
    return out


def _queue_grows(asked: np.ndarray, got: np.ndarray, warmup: float, horizon: float, busy: float,
                 run_end: float = math.inf) -> float:
    """Vehicles queueing for a resource other than a station's servers (a pool of paths, a
    fleet's vehicles) whose queue grows without bound, by the stations' trend rule: some still
    queued when demand stops, the resource nearly always busy, and vehicles asking in the
    window's last quarter waiting longer than those of its first by ``GROWING_RATE`` of the time
    between them (and an hour). ``got`` is when each got what it asked for, NaN when it had not
    when the run ended (its wait is cut at ``run_end``: a lower figure, so the rule errs
    towards not growing)."""
    window = (asked >= warmup) & (asked < horizon)
    queued_at_horizon = bool(np.any((asked < horizon) & ~(got <= horizon)))  # NaN: still queued
    span = horizon - warmup
    if not queued_at_horizon or not span > 0 or not np.isfinite(busy):
        return 0.0
    waits = np.where(np.isnan(got), run_end, got) - asked
    return float(_growing(asked[window], waits[window], warmup, span, busy))


def fleet_kpis(log: dict[str, Any], warmup: float, horizon: float, run_end: float) -> dict[str, float]:
    """A fleet over the formed vehicles that asked for one in [warmup, horizon): how many, the
    share that waited, and their mean wait (one still waiting at the end waits until then); and
    ``busy``, the time-average share of its vehicles away from home over the window. With no
    train asking, the share that waited and the mean wait are NaN (undefined), not 0."""
    asked, got = log["asked_min"], log["got_min"]
    sel = (asked >= warmup) & (asked < horizon)
    wait = np.where(np.isnan(got), run_end, got)[sel] - asked[sel]
    # vehicles out (taken, not yet back) over the window, as a share of the fleet
    taken, back = got[np.isfinite(got)], log["back_min"]
    t, out = step_levels(np.r_[taken, back], np.r_[np.ones(taken.size), -np.ones(back.size)])
    busy = 0.0
    if horizon > warmup:
        busy = float(time_weighted_mean(t, out, np.array([warmup, horizon]))[0]) / log["vehicles"]
        busy = min(busy, 1.0)  # a whole fleet out all window: 1, not 1 + rounding
    return {
        "vehicles": int(log["vehicles"]),
        "busy": busy,
        "trains": int(np.sum(sel)),
        # no train asked: no share or wait (NaN), not 0
        "waited_share": float(np.mean(wait > 0)) if wait.size else np.nan,
        "mean_wait_h": float(wait.mean() / MIN_PER_HOUR) if wait.size else np.nan,
        "unserved": int(np.sum(np.isnan(got)[sel])),
        # trains queueing for its vehicles, growing without bound (the stations' trend rule)
        "growing": _queue_grows(asked, got, warmup, horizon, busy, run_end),
    }


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    """The share of ``whole`` (a mask) that ``part`` (a mask within it) holds; NaN when
    ``whole`` is empty: a share of no units is undefined, not 0 (a scenario without passengers
    has no missed-connection rate, which ``compare`` would otherwise set against another's).

    >>> _share(np.array([True, False]), np.array([True, True])), _share(np.zeros(2, bool), np.zeros(2, bool))
    (0.5, nan)
    """
    n = int(np.sum(whole))
    return float(np.sum(part & whole)) / n if n else float("nan")


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of a nested KPI tree, keyed by its dotted path."""
    out: dict[str, float] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out


def summarise(per_replication: list[dict[str, Any]], *, level: float = 0.95) -> dict[str, dict[str, float]]:
    """Every numeric KPI as mean and confidence interval over replications. A gateway that no
    container of a flow chose in a replication where some chose counts 0 there (named so by
    the replication, or, in records that name only the gateways chosen, taken as 0); a KPI a
    replication lacks otherwise is left out of it."""
    flat = [flatten(k) for k in per_replication]
    names = sorted(set().union(*flat)) if flat else []
    out = {}
    for n in names:
        values = [kpi_value(f, n) for f in flat]
        if n in WHOLE_KPIS and not all(math.isfinite(v) for v in values):
            values = []  # undefined where the worst replications are: no mean of the others
        out[n] = mean_ci(values, level=level).as_dict()
    return out


#: KPIs whose summary is undefined unless every replication defines them: the replications
#: that leave them undefined are not a fair draw (the rise is undefined where containers were
#: still on the way, the worst jams), so a mean of the rest would mislead
WHOLE_KPIS = frozenset({"cargo.door_to_door_rise_days", "cargo.door_to_door_rise_at_least_days"})


def kpi_value(flat: dict[str, float], name: str) -> float:
    """KPI ``name`` of one replication's flat KPIs: a gateway share the replication does not
    name, where it names the flow's others, is 0; any other KPI it lacks is NaN.

    >>> kpi_value({"flows.F.gateway_share.G1": 1.0}, "flows.F.gateway_share.G2")
    0.0
    """
    if name in flat:
        return flat[name]
    head, share, _ = name.partition(".gateway_share.")
    if share and any(k.startswith(head + share) for k in flat):
        return 0.0
    return np.nan
