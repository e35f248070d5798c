"""Whole-scenario simulation speed: events and entities per second.

Runs, one replication each and side by side in one process:

* the baseline over a year (365 days of demand, then its drain);
* the baseline with 10x the demand (all flows) over its own horizon;
* the same 10x case over a year.

A year of the baseline should take seconds, not minutes, on one core.

Run: python benchmarks/bench_simulation.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, record  # noqa: E402

from corridor.scenario import load_scenario  # noqa: E402
from corridor.scenario.schema import Scenario  # noqa: E402
from corridor.simulation import run_replication  # noqa: E402


def scaled(scenario: Scenario, *, demand: float = 1.0, days: int | None = None) -> Scenario:
    """The scenario with every flow's demand times ``demand`` and a new horizon."""
    flows = [f.model_copy(update={"per_week": f.per_week * demand}) for f in scenario.demand]
    run = scenario.run if days is None else scenario.run.model_copy(update={"horizon_days": days})
    return scenario.model_copy(update={"demand": flows, "run": run})


def measure(scenario: Scenario) -> dict[str, float]:
    t0 = time.perf_counter()
    rec = run_replication(scenario, 0)
    seconds = time.perf_counter() - t0
    entities = int(rec.units["id"].size)
    return {
        "days": scenario.run.horizon_days + scenario.run.drain_days,
        "seconds": seconds,
        "events": rec.events,
        "entities": entities,
        "events_per_s": rec.events / seconds,
        "entities_per_s": entities / seconds,
        "trips": rec.trips_run,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter horizons")
    args = parser.parse_args(argv)
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    year = 91 if args.quick else 365
    cases = {
        f"baseline, {year} days": scaled(base, days=year),
        "baseline x10 demand, 70 days": scaled(base, demand=10.0),
        f"baseline x10 demand, {year} days": scaled(base, demand=10.0, days=year),
    }
    results = {}
    print(f"{'case':34s} {'simulated':>10s} {'wall s':>8s} {'events':>11s} {'events/s':>10s} "
          f"{'entities':>9s} {'entities/s':>10s}")
    for name, scenario in cases.items():
        r = measure(scenario)
        results[name] = r
        print(f"{name:34s} {r['days']:>8.0f} d {r['seconds']:8.2f} {r['events']:11,} "
              f"{r['events_per_s']:10,.0f} {r['entities']:9,} {r['entities_per_s']:10,.0f}")
    record("simulation", {"quick": args.quick, **results})
    print("figures written to benchmarks/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
