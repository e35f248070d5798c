"""Logit behaviour that mutation testing found unguarded: each test names the mutant it kills.

The witness is the batch :func:`draw` (NumPy's cumulative shares), which :func:`draw_one`
promises to match pick for pick, at a uniform on the edge where the two sums differ."""

from __future__ import annotations

import numpy as np

from corridor.kernels.logit import draw, draw_one, draw_one_floats


def test_eight_alternatives_are_summed_as_numpy_sums_them() -> None:
    # eight utilities: NumPy sums eight or more terms in eight lanes, pairwise, not one by one;
    # here the two sums differ in the last bit, so the first share read off one by one is a
    # hair above NumPy's (0.04849955015334383). At a uniform of exactly NumPy's first
    # cumulative share the batch picks alternative 1 (cum <= uniform). Kills: SEQUENTIAL_SUM
    # raised from 8 to 9 (eight terms added one by one, the first share a hair higher, so
    # draw_one picked 0 where draw picks 1)
    u = np.array([-0.5, -0.3, 0.4, 1.0, -0.1, 1.4, -0.7, 0.4])
    e = np.exp(u - u.max())
    one_by_one = 0.0
    for x in e.tolist():
        one_by_one += x
    assert one_by_one != float(e.sum())  # the case needs the two sums to differ
    v = float(np.cumsum(e / e.sum())[0])
    assert v == 0.04849955015334383
    assert draw(u[None], [v]).tolist() == [1]
    assert draw_one(u, v) == 1
    assert draw_one_floats(u.tolist(), v) == 1
