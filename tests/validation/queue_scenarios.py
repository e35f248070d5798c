"""Small scenarios that are textbook queues: Poisson arrivals of single-container trucks
(dispatched at once) into one station with c servers."""

from __future__ import annotations

import textwrap

from corridor.scenario.schema import Scenario

SERVICE_MEAN_MIN = 60.0


def queue_scenario(model: str, servers: int, rho: float, *, days: int, replications: int,
                   seed: int = 7, service: str | None = None) -> Scenario:
    """M/M/c ("M/M") or M/D/1 ("M/D") at utilisation ``rho``; service mean 60 min. ``service``:
    another service time of mean 60 min, in the YAML of a distribution (M/G/c)."""
    if service is None:
        service = ("{dist: exponential, mean_min: 60}" if model == "M/M"
                   else "{dist: fixed, value_min: 60}")
    per_week = rho * servers / SERVICE_MEAN_MIN * 10080.0
    text = textwrap.dedent(f"""\
        name: queue
        run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: {max(1, days // 20)},
              drain_days: 1, replications: {replications}, seed: {seed}}}
        places:
          - {{id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
          - {{id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
             servers: {servers}, service_time: {service}}}
        services:
          - {{id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {{cutoff_min: 0}},
             duration_min: 30, capacity: 1}}
        demand:
          - {{id: F, kind: cargo, from: A, to: B, per_week: {per_week}}}
        """)
    import yaml

    return Scenario.model_validate(yaml.safe_load(text))
