"""Statistics over replications: means with confidence intervals and paired differences.
Pure NumPy, with Student's t quantiles from SciPy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Estimate:
    """A mean with the half-width of its confidence interval (``level``, e.g. 0.95)."""

    mean: float
    half_width: float
    n: int
    level: float

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n, "level": self.level}


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(p, df))


def mean_ci(values: ArrayLike, *, level: float = 0.95) -> Estimate:
    """Mean of independent replications and its t-based confidence interval."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return Estimate(float("nan"), float("nan"), 0, level)
    if n == 1:
        return Estimate(float(x[0]), float("inf"), 1, level)
    half = t_quantile(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return Estimate(float(x.mean()), float(half), n, level)


def paired_difference(a: ArrayLike, b: ArrayLike, *, level: float = 0.95) -> Estimate:
    """Mean of ``b - a`` over paired replications (common random numbers) with its CI. A
    difference within rounding of the values (1e-12 of them) is none: the same quantity summed
    in another order differs in its last bits, and a run of such differences, all alike, has a
    zero-width interval that would leave out zero.

    >>> e = paired_difference([0.1 + 0.2, 0.7], [0.3, 0.7])
    >>> e.mean, e.half_width
    (0.0, 0.0)
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in shape: {x.shape} and {y.shape}")
    d = y - x
    d[np.abs(d) <= 1e-12 * np.maximum(np.abs(x), np.abs(y))] = 0.0
    return mean_ci(d, level=level)
