"""Statistics and time series against plain loops and textbook values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.kernels import mean_ci, paired_difference, step_levels, time_weighted_mean
from corridor.kernels.stats import t_quantile
from corridor.kernels.theory import erlang_c, md1_wait, mg1_wait, mm1_wait, mmc_wait


def test_t_quantiles_match_tables() -> None:
    assert t_quantile(0.975, 9) == pytest.approx(2.262, abs=1e-3)
    assert t_quantile(0.995, 29) == pytest.approx(2.756, abs=1e-3)


def test_mean_ci_by_hand() -> None:
    est = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    # mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776
    assert est.mean == 3.0
    assert est.half_width == pytest.approx(2.776 * np.sqrt(2.5) / np.sqrt(5), abs=1e-3)


def test_ci_coverage_over_many_samples() -> None:
    rng = np.random.default_rng(1)
    hits = sum(mean_ci(rng.normal(2.0, 1.0, 15)).contains(2.0) for _ in range(4000))
    assert 0.94 <= hits / 4000 <= 0.96  # exact 95% for normal samples; 4000 trials: sd 0.34 points


def test_paired_difference_removes_shared_noise() -> None:
    rng = np.random.default_rng(2)
    shared = rng.normal(100, 30, 20)
    a, b = shared, shared + 1.0 + rng.normal(0, 0.1, 20)
    paired = paired_difference(a, b)
    assert paired.contains(1.0) and paired.half_width < 0.1
    assert mean_ci(b).half_width > 10 * paired.half_width


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 100), st.sampled_from([1, -1])), max_size=40),
       st.lists(st.integers(0, 120), min_size=2, max_size=8, unique=True))
def test_time_weighted_mean_equals_fine_grid(changes, edges) -> None:
    t, level = step_levels([c[0] for c in changes], [c[1] for c in changes])
    e = np.array(sorted(edges), dtype=float)
    got = time_weighted_mean(t, level, e)
    for i in range(e.size - 1):  # exact integral of a step function on integer knots, by loop
        area = 0.0
        for x in range(int(e[i]), int(e[i + 1])):
            k = np.searchsorted(t, x, side="right") - 1
            area += level[k] if k >= 0 else 0.0
        assert got[i] == pytest.approx(area / (e[i + 1] - e[i]), abs=1e-9)


def test_theory_textbook_values() -> None:
    # M/M/1, lambda 0.9, mu 1: Wq = 0.9 / 0.1 = 9
    assert mm1_wait(0.9, 1.0) == pytest.approx(9.0)
    # M/M/2, lambda 1, mu 1 (a = 1, rho = .5): C = 1/3, Wq = (1/3) / (2 - 1)
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1 / 3)
    assert mmc_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    # M/M/c with c = 1 equals M/M/1
    assert mmc_wait(0.5, 1.0, 1) == pytest.approx(mm1_wait(0.5, 1.0))
    # M/D/1 is half M/M/1 at the same load; M/G/1 with exponential variance is M/M/1
    assert md1_wait(0.8, 1.0) == pytest.approx(mm1_wait(0.8, 1.0) / 2)
    assert mg1_wait(0.8, 1.0, 1.0) == pytest.approx(mm1_wait(0.8, 1.0))
    with pytest.raises(ValueError):
        mm1_wait(1.0, 1.0)
