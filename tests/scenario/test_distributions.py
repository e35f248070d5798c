"""Every distribution's samples agree with its own exact mean and variance."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from corridor.scenario.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)

CASES = [
    {"dist": "fixed", "value_min": 42},
    {"dist": "exponential", "mean_min": 15},
    {"dist": "uniform", "low_min": 30, "high_min": 90},
    {"dist": "triangular", "low_min": 45, "mode_min": 60, "high_min": 90},
    {"dist": "lognormal", "mean_min": 255, "sd_min": 60},
    {"dist": "gamma", "mean_min": 120, "sd_min": 120},
    {"dist": "empirical", "values_min": [0, 10, 60, 240], "weights": [5, 3, 1, 1]},
]


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s["dist"])
def test_sample_moments_match_theory(spec: dict) -> None:
    dist = ADAPTER.validate_python(spec)
    n = 400_000
    x = dist.sample(np.random.default_rng(12345), n)
    assert x.shape == (n,) and x.dtype == np.float64 and (x >= 0).all()
    sd = np.sqrt(dist.variance_min2)
    # the sample mean lies within 5 standard errors of the exact mean
    assert abs(x.mean() - dist.mean_min) <= 5 * sd / np.sqrt(n) + 1e-12
    if dist.variance_min2 > 0:
        # variance of the sample variance is about (mu4 - sigma^4)/n; 5% is far beyond that here
        assert x.var() == pytest.approx(dist.variance_min2, rel=0.05)
    else:
        assert x.var() == 0


def test_hand_computed_moments() -> None:
    tri = ADAPTER.validate_python({"dist": "triangular", "low_min": 0, "mode_min": 0, "high_min": 6})
    assert tri.mean_min == 2 and tri.variance_min2 == pytest.approx(36 / 18)
    emp = ADAPTER.validate_python({"dist": "empirical", "values_min": [0, 10], "weights": [3, 1]})
    assert emp.mean_min == 2.5 and emp.variance_min2 == pytest.approx(0.75 * 2.5**2 + 0.25 * 7.5**2)


def test_same_seed_same_draws() -> None:
    dist = ADAPTER.validate_python({"dist": "lognormal", "mean_min": 100, "sd_min": 30})
    a = dist.sample(np.random.default_rng(9), 1000)
    b = dist.sample(np.random.default_rng(9), 1000)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "uniform", "low_min": 10, "high_min": 5},
        {"dist": "triangular", "low_min": 1, "mode_min": 9, "high_min": 5},
        {"dist": "exponential", "mean_min": 0},
        {"dist": "lognormal", "mean_min": 10},
        {"dist": "empirical", "values_min": [1, 2], "weights": [1]},
        {"dist": "normal", "mean_min": 3},
        {"dist": "fixed", "value_min": -1},
        {"dist": "exponential", "mean": 5},
    ],
)
def test_bad_parameters_rejected(spec: dict) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(spec)
