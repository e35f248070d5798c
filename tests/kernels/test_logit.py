"""The logit kernel against the closed form and against counting."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from corridor.kernels.logit import draw, draw_one, draw_one_floats, logsum, shares

finite = st.floats(-50, 50, allow_nan=False)


@given(finite, finite)
def test_two_alternatives_follow_the_binary_logit(v1: float, v2: float) -> None:
    p = shares([v1, v2])
    assert math.isclose(p[0], 1.0 / (1.0 + math.exp(v2 - v1)), rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(float(logsum([v1, v2])), math.log(math.exp(v1) + math.exp(v2)),
                        rel_tol=1e-12, abs_tol=1e-12)


@given(st.lists(finite, min_size=1, max_size=8), st.floats(-1e6, 1e6))
def test_a_common_shift_changes_no_share_and_moves_the_logsum(vs: list[float], shift: float) -> None:
    u = np.array(vs)
    assert np.allclose(shares(u), shares(u + shift), atol=1e-9)
    assert math.isclose(float(logsum(u + shift)), float(logsum(u)) + shift, rel_tol=1e-9, abs_tol=1e-6)


def test_huge_utilities_neither_overflow_nor_vanish() -> None:
    assert np.allclose(shares([1e6, 1e6 - math.log(3.0)]), [0.75, 0.25], atol=1e-9)
    assert np.isfinite(logsum([-1e6, -1e6 - 1.0]))


def test_draws_land_in_proportion_to_the_shares() -> None:
    rng = np.random.default_rng(7)
    u = np.tile([0.0, 1.0, -np.inf, 2.0], (200_000, 1))
    picks = draw(u, rng.random(len(u)))
    counts = np.bincount(picks, minlength=4) / len(u)
    expected = np.exp([0.0, 1.0, 0.0, 2.0]) * [1, 1, 0, 1]
    expected /= expected.sum()
    assert counts[2] == 0.0  # an absent alternative is never picked
    # binomial standard error at n = 200,000 is below 0.0011: five of them
    assert np.all(np.abs(counts - expected) < 0.0055)


def test_a_uniform_at_the_top_picks_the_last_available_alternative() -> None:
    assert int(draw([0.0, 0.0, -np.inf], np.nextafter(1.0, 0.0))) == 1


@given(st.lists(st.one_of(finite, st.just(-math.inf)), min_size=1, max_size=8),
       st.floats(0.0, 1.0, exclude_max=True))
def test_one_situation_picks_as_the_batch_does(vs: list[float], uniform: float) -> None:
    u = np.array(vs)
    if np.isneginf(u).all():
        for bad in (lambda: draw(u, uniform), lambda: draw_one(u, uniform),
                    lambda: draw_one_floats(vs, uniform)):
            try:
                bad()
            except ValueError:
                continue
            raise AssertionError("no available alternative must raise")
        return
    assert draw_one(u, uniform) == int(draw(u, uniform))
    assert draw_one(u, uniform) == int(draw(u[None, :], np.array([uniform]))[0])
    assert draw_one_floats(vs, uniform) == draw_one(u, uniform)


@given(st.lists(st.one_of(finite, st.just(-math.inf)), min_size=2, max_size=12).filter(
    lambda vs: not all(math.isinf(v) for v in vs)))
def test_one_situation_picks_as_the_batch_does_on_every_boundary(vs: list[float]) -> None:
    # uniforms placed on the batch's cumulative shares and a hair either side: a share summed
    # or divided even one rounding differently would pick another alternative on one of them
    u = np.array(vs)
    cum = np.cumsum(shares(u))
    for edge in cum.tolist():
        for v in (np.nextafter(edge, 0.0), edge, np.nextafter(edge, 1.0)):
            if 0.0 <= v < 1.0:
                assert draw_one(u, float(v)) == int(draw(u, v))
                assert draw_one_floats(vs, float(v)) == int(draw(u, v))
