"""The routing questions users ask, for the CLI and notebooks alike.

>>> from corridor import load_scenario, RoutePlanner
>>> planner = RoutePlanner(load_scenario("scenarios/baseline.yaml"))   # doctest: +SKIP
>>> result = planner.plan("NQZ", "VNO", "2027-03-01T08:00")            # doctest: +SKIP
>>> result.itineraries[0].to_dict(planner.timetable)["arrive"]          # doctest: +SKIP
'2027-03-01T21:06:00+02:00'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor.errors import PlanningError
from corridor.network.timetable import MODES, Timetable, build_timetable
from corridor.planning.itinerary import Itinerary
from corridor.planning.profile import Profile, compute_profile, week_grid
from corridor.planning.search import Planner, pareto_filter
from corridor.scenario.schema import Scenario
from corridor.timezone import zone

UNITS = ("pax", "feu")


@dataclass
class PlanResult:
    """Itineraries from ``origin`` to ``target`` for one ready time, earliest arrival first."""

    origin: str
    target: str
    ready_min: float
    itineraries: list[Itinerary]
    timetable: Timetable

    @property
    def earliest(self) -> Itinerary:
        return self.itineraries[0]

    def to_dict(self) -> dict[str, Any]:
        tt = self.timetable
        return {
            "from": self.origin,
            "to": self.target,
            "ready": tt.local(self.ready_min, tt.index[self.origin]).isoformat(),
            "itineraries": [it.to_dict(tt) for it in self.itineraries],
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

    def route_shares(self) -> list[tuple[str, float]]:
        """Each winning pattern (services joined by '>') and the share of ready times it serves."""
        tt, prof = self.timetable, self.profile
        shares: dict[str, float] = {}
        n = prof.winner.size
        for idx, count in zip(*np.unique(prof.winner[prof.winner >= 0], return_counts=True), strict=True):
            steps = prof.patterns[int(idx)]
            name = " > ".join(tt.services[s.service] if s.hop is None else "+".join(s.hop.ids)
                              for s in steps)
            shares[name] = shares.get(name, 0.0) + float(count) / n
        return sorted(shares.items(), key=lambda kv: -kv[1])

    def to_dict(self) -> dict[str, Any]:
        prof = self.profile
        total = [round(float(x), 3) if np.isfinite(x) else None for x in prof.total_min]
        return {
            "from": self.origin,
            "to": self.target,
            "start": self.start.isoformat(),
            "step_min": self.step_min,
            "summary": prof.summary(),
            "routes": [{"services": name, "share": round(share, 6)} for name, share in self.route_shares()],
            "total_min": total,
        }


class RoutePlanner:
    """Plans on one scenario; build once, ask many questions."""

    def __init__(self, scenario: Scenario, *, horizon_days: float | None = None) -> None:
        self.scenario = scenario
        self.timetable = build_timetable(scenario, horizon_days=horizon_days)
        self._searches = {unit: Planner(self.timetable, unit=unit) for unit in UNITS}
        self.search = self._searches["pax"]  # for place look-ups

    def _unit(self, unit: str | None, origin: str) -> str:
        if unit is None:  # passengers from airports, containers elsewhere
            unit = "pax" if self.scenario.place(origin).kind == "airport" else "feu"
        if unit not in UNITS:
            raise PlanningError(f"unknown unit {unit!r}; units are pax, feu")
        return unit

    def when(self, value: str | dt.datetime, place: str) -> float:
        """Minutes since the epoch of a time given as ISO text or datetime; naive means local at ``place``."""
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                raise PlanningError(
                    f"time {value!r} is not ISO 8601 (e.g. 2027-03-01T08:00 or 2027-03-01T08:00+05:00)"
                ) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone(self.timetable.place_tz[self.search.place(place)]))
        return self.timetable.from_datetime(value)

    def services(self, modes: Iterable[str] | None, unit: str) -> np.ndarray:
        if modes is not None:
            modes = list(modes)
            bad = [m for m in modes if m not in MODES]
            if bad:
                raise PlanningError(f"unknown mode {bad[0]!r}; modes are {', '.join(MODES)}")
        return self.timetable.service_mask(modes, unit)

    def plan(
        self, origin: str, target: str, depart: str | dt.datetime, *,
        modes: Iterable[str] | None = None, unit: str | None = None,
        max_transfers: int | None = None, direct_only: bool = False, window_days: float | None = None,
    ) -> PlanResult:
        """The Pareto set over (arrival, transfers, cost, CO2), earliest arrival first."""
        o, d = self.search.place(origin), self.search.place(target)
        ready = self.when(depart, origin)
        if max_transfers is not None and max_transfers < 0:
            raise PlanningError(f"max transfers must be 0 or more, got {max_transfers}")
        unit = self._unit(unit, origin)
        mask = self.services(modes, unit)
        found = self._searches[unit].pareto(
            o, d, ready, services=mask,
            max_transfers=0 if direct_only else max_transfers,
            use_links=not direct_only,
            window_min=None if window_days is None else window_days * 1440.0,
        )
        if not found:
            limits = []
            if direct_only:
                limits.append("direct services only")
            elif max_transfers is not None:
                limits.append(f"at most {max_transfers} transfers")
            if modes is not None:
                limits.append(f"modes {','.join(modes)}")
            extra = f" with {' and '.join(limits)}" if limits else ""
            raise PlanningError(
                f"no itinerary from {origin} to {target} leaving after "
                f"{self.timetable.local(ready, o).isoformat()}{extra} within the timetable "
                f"(ends {self.timetable.to_utc(self.timetable.horizon_min).isoformat()})"
            )
        return PlanResult(origin, target, ready, pareto_filter(found), self.timetable)

    def profile(
        self, origin: str, target: str, *, start: str | dt.datetime | None = None,
        step_min: float = 1.0, days: float = 7.0, modes: Iterable[str] | None = None,
        unit: str | None = None, max_transfers: int | None = None,
    ) -> ProfileResult:
        """Earliest arrival for every ready time from ``start`` (default: local midnight of the
        scenario's first day at the origin) over ``days``, every ``step_min`` minutes."""
        o, d = self.search.place(origin), self.search.place(target)
        if start is None:
            start = dt.datetime.combine(self.scenario.run.start, dt.time(0, 0))
        t0 = max(self.when(start, origin), 0.0)
        grid = week_grid(t0, step_min=step_min, days=days)
        if grid[-1] >= self.timetable.horizon_min:
            raise PlanningError(
                f"the profile reaches past the timetable's {self.timetable.horizon_min / 1440:g} days; "
                "shorten --days or lengthen run.horizon_days"
            )
        unit = self._unit(unit, origin)
        mask = self.services(modes, unit)
        prof = compute_profile(self.timetable, o, d, grid, services=mask,
                               max_transfers=max_transfers, hops=self._searches[unit].hops)
        local_start = self.timetable.local(t0, o)
        return ProfileResult(origin, target, local_start, step_min, prof, self.timetable)
