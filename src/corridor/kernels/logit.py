"""The multinomial logit in closed form, vectorised over choice situations (pure NumPy).

Utilities are arrays whose last axis holds the alternatives of one choice situation and
whose leading axes, if any, are independent situations. Alternatives that do not exist
carry a utility of ``-inf`` and get probability 0. Every function subtracts the row maximum
before exponentiating, so utilities of any size neither overflow nor underflow to 0/0.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def _rows(utility: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    u = np.asarray(utility, dtype=np.float64)
    if u.ndim == 0 or u.shape[-1] == 0:
        raise ValueError("a choice needs at least one alternative")
    if np.isnan(u).any() or np.isposinf(u).any():
        raise ValueError("utilities must be finite numbers or -inf (an absent alternative)")
    top = u.max(axis=-1, keepdims=True)
    if np.isneginf(top).any():
        raise ValueError("every choice situation needs at least one available alternative")
    return u, top


def shares(utility: ArrayLike) -> np.ndarray:
    """Choice probabilities exp(V_i) / sum_j exp(V_j) along the last axis.

    >>> shares([0.0, np.log(3.0)]).round(6).tolist()
    [0.25, 0.75]
    >>> shares([[1000.0, 1000.0, -np.inf]]).tolist()
    [[0.5, 0.5, 0.0]]
    """
    u, top = _rows(utility)
    e = np.exp(u - top)
    return e / e.sum(axis=-1, keepdims=True)


def logsum(utility: ArrayLike) -> np.ndarray:
    """The expected maximum utility log(sum_j exp(V_j)) of each situation (the "logsum"),
    the measure of how good a choice set is that induced demand and consumer surplus use.

    >>> round(float(logsum([0.0, 0.0])), 6) == round(float(np.log(2.0)), 6)
    True
    """
    u, top = _rows(utility)
    return (top + np.log(np.exp(u - top).sum(axis=-1, keepdims=True)))[..., 0]


def draw(utility: ArrayLike, uniforms: ArrayLike) -> np.ndarray:
    """The alternative each situation picks, by inverting its cumulative shares at a uniform
    in [0, 1): one uniform per situation, so a stream of uniforms fixes every choice.

    >>> draw([[0.0, 0.0], [0.0, 0.0]], [0.2, 0.7]).tolist()
    [0, 1]
    """
    p = shares(utility)
    v = np.asarray(uniforms, dtype=np.float64)
    cum = np.cumsum(p, axis=-1)
    # rounding can leave the sum a hair below 1: the last available alternative closes it
    n = p.shape[-1]
    last = n - 1 - np.argmax((p > 0)[..., ::-1], axis=-1)
    cum[np.arange(n) >= last[..., None]] = np.inf
    return (cum <= v[..., None]).sum(axis=-1)


def draw_one(utility: np.ndarray, uniform: float) -> int:
    """:func:`draw` for one choice situation (a 1-D array of utilities, one uniform): the same
    arithmetic in the same order, so the same pick, without the batch's array set-up (a
    simulation draws once per traveller). One alternative is picked without arithmetic.

    The exponentials are NumPy's (``np.exp``, as :func:`shares` takes them); the rest is done
    on floats, in NumPy's order: a sum of fewer than ``SEQUENTIAL_SUM`` terms is added one by
    one, as NumPy's pairwise summation does below its block size (longer ones are NumPy's).

    >>> draw_one(np.array([0.0, 0.0]), 0.7), draw_one(np.array([3.0]), 0.9)
    (1, 0)
    """
    u = np.asarray(utility, dtype=np.float64)
    if u.ndim != 1:
        raise ValueError("draw_one takes the utilities of one choice situation")
    top = float(u.max()) if u.size else math.nan
    if not math.isfinite(top):  # NaN, +inf or no available alternative: draw() says which
        _rows(u)
        raise ValueError("a choice needs at least one alternative")
    if u.size == 1:
        return 0
    exps = np.exp(u - top)
    return _pick(exps, uniform)


def draw_one_floats(utility: list[float], uniform: float) -> int:
    """:func:`draw_one` of utilities given as a list of floats: the same pick by the same
    arithmetic (the differences to the largest are the floats NumPy's subtraction gives, and
    their exponentials are NumPy's), with one array made, for the exponentials.

    >>> draw_one_floats([0.0, 0.0], 0.7), draw_one_floats([3.0], 0.9)
    (1, 0)
    """
    top = max(utility) if utility else math.nan
    if not math.isfinite(top) or any(x != x for x in utility):  # draw_one says what is wrong
        return draw_one(np.array(utility, dtype=np.float64), uniform)
    if len(utility) == 1:
        return 0
    return _pick(np.exp(np.array([x - top for x in utility])), uniform)


def _pick(exps: np.ndarray, uniform: float) -> int:
    """The pick of :func:`draw_one` from the exponentials of the utilities less their largest."""
    e = exps.tolist()
    if len(e) < SEQUENTIAL_SUM:
        total = 0.0
        for x in e:
            total += x
    else:
        total = float(exps.sum())
    last = 0  # the last available alternative closes the sum (rounding may leave it short of 1)
    picked, cum = 0, 0.0
    for k, x in enumerate(e):
        share = x / total
        if share > 0:
            last = k
        cum = share if k == 0 else cum + share
        e[k] = cum
    for k in range(last):
        if e[k] <= uniform:
            picked += 1
    return picked


SEQUENTIAL_SUM = 8  # NumPy's pairwise summation adds blocks shorter than this one by one
