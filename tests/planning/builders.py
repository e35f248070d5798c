"""Scenario pieces for hand-made planning cases: a place, a daily timetabled service, a link
(YAML data, UTC, on the equator)."""

from __future__ import annotations

from typing import Any


def place(pid: str, lon: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
            "tz": "UTC", **extra}


def service(sid: str, stops: list[str], times: list[str], duration_min: float,
            **extra: Any) -> dict[str, Any]:
    return {"id": sid, "mode": "rail", "unit": "pax", "stops": stops,
            "timetable": {"days": "daily", "times": times}, "duration_min": duration_min,
            "capacity": 100, **extra}


def link(lid: str, a: str, b: str, minutes: float, cost: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": lid, "from": a, "to": b, "duration_min": minutes, "cost_usd": cost,
            "bidirectional": False, **extra}
