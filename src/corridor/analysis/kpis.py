"""KPIs of a replication, vectorised over its record columns, and their summary over replications."""

from __future__ import annotations

from typing import Any

import numpy as np

from corridor.kernels.stats import mean_ci
from corridor.kernels.timeseries import step_levels, time_weighted_mean
from corridor.simulation.engine import DELIVERED, STATUS_NAMES
from corridor.simulation.records import Records

WEEK_MIN = 7 * 1440.0


def _dist(values: np.ndarray, scale: float) -> dict[str, float]:
    v = values[np.isfinite(values)] / scale
    if v.size == 0:
        return {"n": 0}
    return {"n": int(v.size), "mean": float(v.mean()), "p50": float(np.percentile(v, 50)),
            "p95": float(np.percentile(v, 95))}


def station_kpis(log: dict[str, Any], warmup: float, horizon: float, run_end: float) -> dict[str, float]:
    """Utilisation, queue (vehicles waiting) and waits over [warmup, horizon); Little's law over
    the whole run [0, run_end)."""
    arrive, start, finish = log["arrive_min"], log["start_min"], log["end_min"]
    servers = log["servers"]
    span = horizon - warmup
    started = np.isfinite(start)
    busy_from = np.clip(start[started], warmup, horizon)
    busy_to = np.clip(np.where(np.isfinite(finish[started]), finish[started], run_end), warmup, horizon)
    utilisation = float(np.sum(busy_to - busy_from) / (servers * span)) if span > 0 else np.nan
    # vehicles in queue: +1 on arrival, -1 on start of service
    t_q, q = step_levels(np.r_[arrive, start[started]], np.r_[np.ones(arrive.size), -np.ones(started.sum())])
    mean_queue = float(time_weighted_mean(t_q, q, np.array([warmup, horizon]))[0]) if t_q.size else 0.0
    in_window = (t_q >= warmup) & (t_q < horizon)
    max_queue = float(q[in_window].max()) if in_window.any() else 0.0
    window = (arrive >= warmup) & (arrive < horizon) & started
    waits = start[window] - arrive[window]
    # Little's law: the time-average number in the station from the event series, against
    # arrival rate times mean time in the station from the visit records.
    done = np.isfinite(finish)
    t_s, n_s = step_levels(np.r_[arrive, finish[done]], np.r_[np.ones(arrive.size), -np.ones(done.sum())])
    l_series = float(time_weighted_mean(t_s, n_s, np.array([0.0, run_end]))[0]) if t_s.size else 0.0
    sojourn = np.where(done, finish, run_end) - arrive
    lam_w = float(arrive.size / run_end * sojourn.mean()) if arrive.size else 0.0
    return {
        "vehicles": int(np.sum((arrive >= warmup) & (arrive < horizon))),
        "utilisation": utilisation,
        "mean_queue": mean_queue,
        "max_queue": max_queue,
        "mean_wait_min": float(waits.mean()) if waits.size else 0.0,
        "max_wait_min": float(waits.max()) if waits.size else 0.0,
        "little_L": l_series,
        "little_lambda_W": lam_w,
    }


def _flow_kpis(of_flow: np.ndarray, window: np.ndarray, delivered: np.ndarray, door: np.ndarray,
               transit: np.ndarray) -> dict[str, Any]:
    done = of_flow & window & delivered
    return {
        "created": int(np.sum(window & of_flow)),
        "door_to_door_days": _dist(np.where(done, door, np.nan), 1440.0),
        "transit_days": _dist(np.where(done, transit, np.nan), 1440.0),
    }


def replication_kpis(rec: Records) -> dict[str, Any]:
    u = rec.units
    window = u["created_min"] >= rec.warmup_min
    delivered = u["status"] == DELIVERED
    pax, feu = u["pax"], ~u["pax"]
    door = u["arrival_min"] - u["created_min"]
    transit = u["arrival_min"] - u["first_departure_min"]
    weeks = (rec.horizon_min - rec.warmup_min) / WEEK_MIN
    # throughput counts deliveries inside [warm-up, horizon), not those of the drain after it
    in_window = (u["arrival_min"] >= rec.warmup_min) & (u["arrival_min"] < rec.horizon_min)
    feu_per_week = float(np.sum(delivered & in_window & feu) / weeks) if weeks > 0 else np.nan
    pax_done = pax & window & delivered
    late = u["arrival_min"] - u["planned_arrival_min"]
    kpis: dict[str, Any] = {
        "passengers": {
            "created": int(np.sum(pax & window)),
            "door_to_door_h": _dist(np.where(pax_done, door, np.nan), 60.0),
            "missed_connection_rate": float(np.mean(u["missed"][pax & window] > 0))
            if np.any(pax & window) else 0.0,
            "late_vs_plan_h": _dist(np.where(pax_done, late, np.nan), 60.0),
        },
        "cargo": {
            "created": int(np.sum(feu & window)),
            "transit_days": _dist(np.where(feu & window & delivered, transit, np.nan), 1440.0),
            "door_to_door_days": _dist(np.where(feu & window & delivered, door, np.nan), 1440.0),
            "feu_per_week": feu_per_week,
            "teu_per_week": 2 * feu_per_week,
            "station_wait_h": _dist(np.where(feu & window & delivered, u["station_wait_min"], np.nan), 60.0),
        },
        "flows": {flow: _flow_kpis(u["flow"] == f, window, delivered, door, transit)
                  for f, flow in enumerate(rec.flows)},
        "stations": {name: station_kpis(log, rec.warmup_min, rec.horizon_min, rec.end_min)
                     for name, log in rec.stations.items()},
        "totals": {
            "cost_usd": float(u["cost_usd"][window & delivered].sum()),
            "co2_t": float(u["co2_kg"][window & delivered].sum() / 1000.0),
        },
        "status": {STATUS_NAMES[k]: int(np.sum(u["status"] == k)) for k in range(len(STATUS_NAMES))},
        "trips": {"run": rec.trips_run, "cancelled": rec.trips_cancelled},
    }
    return kpis


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_leaves(value, name + "."))
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out


def summarise(per_replication: list[dict[str, Any]], *, level: float = 0.95) -> dict[str, dict[str, float]]:
    """Every numeric KPI as mean and confidence interval over replications."""
    flat = [_leaves(k) for k in per_replication]
    names = sorted(set().union(*flat)) if flat else []
    return {n: mean_ci([f.get(n, np.nan) for f in flat], level=level).as_dict() for n in names}
