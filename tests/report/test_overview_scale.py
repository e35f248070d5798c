"""`corridor show` of a large scenario: each service's segments are found in one pass over the
network's edges, not a pass per service (5,000 services took 120 s, 20,000 over an hour)."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from corridor.network import build_network
from corridor.report.overview import overview
from corridor.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scenario"))
from bounded import bounded  # noqa: E402


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


def test_the_overview_of_thousands_of_services_takes_one_pass_over_the_edges(tmp_path: Path) -> None:
    scenario = load_scenario(_many_services(tmp_path, 500, 3000))
    graph = build_network(scenario)
    start = time.perf_counter()
    with bounded(20):  # a pass per service: 9 million edges looked at, about 40 s
        view = overview(scenario, graph)
    assert time.perf_counter() - start < 5
    assert [s["id"] for s in view["services"]] == [s.id for s in scenario.services]
    # the figures are the segments' own: the first service's one segment, say
    (first,) = [d for _, _, d in graph.edges(data=True) if d.get("service") == "S0"]
    assert view["services"][0]["distance_km"] == round(first["distance_km"], 6)
    assert view["services"][0]["duration_min"] == round(first["duration_min"], 6)
