"""Small scenarios for sweep and throughput tests: one station fed by Poisson single-container
trucks (the textbook queue of tests/validation), written as YAML text so that sweeps can change
it through its merged data."""

from __future__ import annotations

import textwrap
from pathlib import Path

from corridor.scenario.overrides import load_raw
from corridor.scenario.source import SourceDict

SERVICE_MEAN_MIN = 60.0


def station_yaml(*, servers: int = 2, per_week: float = 300.0, service: str = "exponential",
                 days: int = 21, replications: int = 3, seed: int = 7) -> str:
    dist = ("{dist: exponential, mean_min: 60}" if service == "exponential"
            else "{dist: fixed, value_min: 60}")
    return textwrap.dedent(f"""\
        name: one-station
        run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: 2, drain_days: 1,
              replications: {replications}, seed: {seed}}}
        places:
          - {{id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
          - {{id: B.1, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
             servers: {servers}, service_time: {dist}}}
        services:
          - {{id: TRUCK, mode: road, unit: feu, stops: [A, B.1], dispatch: {{cutoff_min: 0}},
             duration_min: 30, capacity: 1, operator: Road Co}}
        demand:
          - {{id: F, kind: cargo, from: A, to: B.1, per_week: {per_week}}}
        """)


def write_station(folder: Path, name: str = "station.yaml", **kwargs: object) -> Path:
    path = folder / name
    path.write_text(station_yaml(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


def station_raw(folder: Path, **kwargs: object) -> tuple[SourceDict, str]:
    path = write_station(folder, **kwargs)
    return load_raw(path), str(path)
