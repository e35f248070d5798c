"""The numeric core: pure NumPy kernels (no SimPy, no networkx), each checked against a plain loop."""

from corridor.kernels.queues import admit, fifo_waits, multi_server_waits
from corridor.kernels.stats import Estimate, mean_ci, paired_difference
from corridor.kernels.timeseries import step_levels, time_weighted_mean

__all__ = [
    "Estimate",
    "admit",
    "fifo_waits",
    "mean_ci",
    "multi_server_waits",
    "paired_difference",
    "step_levels",
    "time_weighted_mean",
]
