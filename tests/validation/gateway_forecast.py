"""How far gateway choice's forecasts were from what the blocks then met.

For each block of a flow with gateway choice the records keep when its forecast said its last
container would leave the gateway (the learnt correction included) and when it left. The
error is the second less the first, in days (positive: the block left later than it was told),
over the blocks that chose after the warm-up and all left. ``python tests/validation/
gateway_forecast.py [SCENARIO] [REPLICATIONS]`` prints it per gateway, as docs/simulation.md
quotes it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from corridor.kernels.stats import mean_ci
from corridor.units import MIN_PER_DAY


def block_errors(rec: Any, *, learnt: bool = True) -> dict[str, np.ndarray]:
    """Per gateway, each block's error in days (``learnt=False``: against the forecast without
    the gateway's correction)."""
    b = rec.gateway_blocks
    done = (b["chose_min"] >= rec.warmup_min) & np.isfinite(b["left_min"])
    told = b["forecast_min"] - (0.0 if learnt else b["correction_min"])
    error = (b["left_min"] - told) / MIN_PER_DAY
    return {rec.places[g]: error[done & (b["gateway"] == g)] for g in np.unique(b["gateway"][done]).tolist()}


def mean_abs_error(records: list[Any], *, learnt: bool = True) -> float:
    """The blocks' mean absolute error in days, all gateways and replications together."""
    errors = [e for rec in records for e in block_errors(rec, learnt=learnt).values()]
    return float(np.mean(np.abs(np.concatenate(errors)))) if errors else float("nan")


def main(argv: list[str]) -> int:
    from corridor import simulate
    from corridor.scenario import load_scenario

    root = Path(__file__).resolve().parents[2]
    path = Path(argv[0]) if argv else root / "scenarios" / "baseline.yaml"
    reps = int(argv[1]) if len(argv) > 1 else 5
    result = simulate(load_scenario(path), replications=reps)
    per_rep = [block_errors(rec) for rec in result.records]
    raw = [block_errors(rec, learnt=False) for rec in result.records]
    print("| gateway | blocks | error, d: mean [95% CI over replications] | without the correction |")
    print("|---|---|---|---|")
    for g in sorted({g for r in per_rep for g in r}):
        n = sum(r[g].size for r in per_rep if g in r)
        est = mean_ci(np.array([r[g].mean() for r in per_rep if g in r and r[g].size]))
        bare = mean_ci(np.array([r[g].mean() for r in raw if g in r and r[g].size]))
        print(f"| {g} | {n} | {est.mean:+.2f} [{est.low:+.2f}, {est.high:+.2f}] | {bare.mean:+.2f} |")
    print(f"mean absolute error, all blocks: {mean_abs_error(result.records):.2f} d")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
