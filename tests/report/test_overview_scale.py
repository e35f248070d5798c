"""`corridor show` of a large scenario: each service's segments are found in one pass over the
network's edges, not a pass per service (5,000 services took 120 s, 20,000 over an hour).
The passes are counted, not timed: a count does not depend on the machine's load."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import networkx as nx

from corridor.network import build_network
from corridor.report.overview import overview
from corridor.scenario import load_scenario


class _Counting(nx.MultiDiGraph):
    """A graph that counts how often its edges are looked at."""

    passes = 0

    @property
    def edges(self) -> Any:
        _Counting.passes += 1
        return super().edges


def _many_services(tmp_path: Path, places: int, services: int) -> Path:
    rng = random.Random(3)
    lines = ["name: many", "run: {start: 2027-03-01, horizon_days: 7}", "places:"]
    lines += [f"  - {{id: P{i}, name: P{i}, kind: rail_terminal, country: DE, "
              f"lat: {rng.uniform(47, 55):.4f}, lon: {rng.uniform(6, 15):.4f}, tz: Europe/Berlin}}"
              for i in range(places)]
    lines.append("services:")
    for k in range(services):
        a, b = rng.sample(range(places), 2)
        lines.append(f"  - {{id: S{k}, mode: rail, unit: pax, stops: [P{a}, P{b}], "
                     f"timetable: {{times: ['{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}']}}, "
                     "speed_kph: 100, capacity: 100}")
    path = tmp_path / "many.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_overview_of_many_services_takes_one_pass_over_the_edges(tmp_path: Path) -> None:
    scenario = load_scenario(_many_services(tmp_path, 50, 300))
    graph = build_network(scenario)
    graph.__class__ = _Counting
    _Counting.passes = 0
    view = overview(scenario, graph)
    assert _Counting.passes <= 2  # a pass per service made 300
    graph.__class__ = nx.MultiDiGraph
    assert [s["id"] for s in view["services"]] == [s.id for s in scenario.services]
    # the figures are the segments' own: the first service's one segment, say
    (first,) = [d for _, _, d in graph.edges(data=True) if d.get("service") == "S0"]
    assert view["services"][0]["distance_km"] == round(first["distance_km"], 6)
    assert view["services"][0]["duration_min"] == round(first["duration_min"], 6)
