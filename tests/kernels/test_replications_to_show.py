"""replications_to_show against a Monte Carlo of the paired t-test it sizes: at the count it
gives, normal differences of the measured mean and spread are told from zero at least 80% of
the time, and at one fewer less often."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.kernels.stats import Estimate, mean_ci, replications_to_show

TRIALS = 40_000


def rejected_share(rng: np.random.Generator, mean: float, sd: float, m: int) -> float:
    """The share of TRIALS samples of ``m`` normal differences whose 95% t-interval leaves out
    zero, by a plain computation of each interval."""
    from scipy.stats import t

    x = rng.normal(mean, sd, size=(TRIALS, m))
    half = t.ppf(0.975, m - 1) * x.std(axis=1, ddof=1) / np.sqrt(m)
    return float(np.mean(np.abs(x.mean(axis=1)) > half))


@pytest.mark.parametrize("sample", [[1.0, 3.0, -0.5], [2.5, 7.6, 0.2], [-0.4, -1.9, 0.3, -2.2, 0.8],
                                    [5.0, 4.1, 5.2, 0.3], [0.2, -0.1, 0.4, 0.05, 0.3, -0.2, 0.1, 0.6]])
def test_the_count_shows_the_difference_eight_times_in_ten(sample: list[float]) -> None:
    rng = np.random.default_rng(7)
    est = mean_ci(sample)
    m = replications_to_show(est)
    assert m is not None and m > len(sample) - 1
    sd = float(np.std(sample, ddof=1))
    at_m = rejected_share(rng, est.mean, sd, m)
    assert at_m >= 0.8 - 0.006, (m, at_m)
    if m > 2:
        assert rejected_share(rng, est.mean, sd, m - 1) < 0.8 + 0.006, m


def test_nothing_to_size() -> None:
    assert replications_to_show(mean_ci([1.0])) is None  # one pair: no spread known
    assert replications_to_show(mean_ci([2.0, 2.0, 2.0])) is None  # no spread
    assert replications_to_show(Estimate(0.0, 1.0, 5, 0.95)) is None  # nothing to show
    assert replications_to_show(mean_ci([1.0, -1.0, 0.01])) is None  # beyond 10,000
    assert replications_to_show(mean_ci([1.0, -1.0, 0.01]), limit=10**6) is not None
