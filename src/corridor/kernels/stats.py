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


def replications_to_show(diff: Estimate, *, power: float = 0.8, limit: int = 10_000) -> int | None:
    """How many paired replications a two-sided t-test at ``diff.level`` needs to tell a true
    difference of ``diff.mean`` from none ``power`` of the time, at the spread ``diff`` measured
    (its sample standard deviation, read back from its interval): a guide to sizing the next
    run when an interval still holds zero, not a second verdict on this one. The power is
    exact for normal differences (the noncentral t). None where there is nothing to size (one
    pair, no spread, a mean of zero) or ``limit`` replications would not do.

    >>> replications_to_show(mean_ci([1.0, 3.0, -0.5]))  # a mean of 0.66 standard deviations
    20
    >>> replications_to_show(mean_ci([0.0, 0.0, 0.0])) is None
    True
    """
    from scipy.stats import nct

    n, mean, half = diff.n, abs(diff.mean), diff.half_width
    if n < 2 or not (np.isfinite(half) and half > 0) or not mean > 0:
        return None
    q = 0.5 + diff.level / 2
    effect = mean / (half * np.sqrt(n) / t_quantile(q, n - 1))  # the mean in standard deviations

    def shown(m: int) -> bool:
        crit = t_quantile(q, m - 1)
        shift = effect * np.sqrt(m)
        # the far tail, below -crit, is nil where SciPy's series gives NaN (a large shift)
        far = float(np.nan_to_num(nct.cdf(-crit, m - 1, shift), nan=0.0))
        return float(nct.sf(crit, m - 1, shift)) + far >= power

    if not shown(limit):
        return None
    lo, hi = 1, limit  # shown(hi), and not shown(lo): one pair has no test
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if shown(mid) else (mid, hi)
    return hi
