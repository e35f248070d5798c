"""The numeric core: pure NumPy kernels (no SimPy, no networkx), each checked against a plain loop."""

from corridor.kernels.queues import admit, batch_boarding, fifo_waits, multi_server_waits
from corridor.kernels.stats import Estimate, batch_means, mean_ci, paired_difference, percentiles
from corridor.kernels.timeseries import bin_counts, step_levels, time_weighted_mean

__all__ = [
    "Estimate",
    "admit",
    "batch_boarding",
    "batch_means",
    "bin_counts",
    "fifo_waits",
    "mean_ci",
    "multi_server_waits",
    "paired_difference",
    "percentiles",
    "step_levels",
    "time_weighted_mean",
]
