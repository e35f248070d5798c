"""Kernel behaviour that mutation testing found unguarded: each test names the mutant it kills.

The witnesses are hand-worked numbers (in the comments), Poisson counts, or the rule of the
docstring written again; never the kernels' own output.
"""

from __future__ import annotations

import numpy as np
import pytest

from corridor.kernels import admit, fifo_waits, multi_server_waits

# --- queues ---------------------------------------------------------------------------------


def test_a_customer_finding_the_server_free_waits_exactly_zero() -> None:
    # arrivals 0.05, 0.75, 1.45, services 0.2, 0.2, 0.1: each leaves (0.25, 0.95) before the
    # next arrives, so every wait is 0. The closed form B_n = C_n + max(A_j - C_j) gives the
    # third start as 0.4 + (1.45 - 0.4) = 1.4499999999999997, a wait of -2.2e-16 unless
    # clamped (kills: dropping np.maximum(start - a, 0.0) in fifo_waits; a negative wait
    # turns a "waited" share or a log's sign check wrong)
    a, s = np.cumsum([0.05, 0.7, 0.7]), np.array([0.2, 0.2, 0.1])
    assert a.tolist() == [0.05, 0.75, 1.45]
    assert fifo_waits(a, s).tolist() == [0.0, 0.0, 0.0]
    assert multi_server_waits(a, s, 1).tolist() == [0.0, 0.0, 0.0]


def test_servers_are_free_from_the_start_even_before_minute_zero() -> None:
    # two servers, arrivals at -30, -20, -10 (minutes before an epoch), services 25, 25, 5.
    # By hand, as admit's rule (every server free from -inf): the first takes a server
    # -30 to -5, the second the other -20 to 5, the third the one free at -5: waits 0, 0, 5.
    # The loop started its servers free at 0 instead, so the first waited 30 (kills: free
    # initialised to 0, where the one-server closed form and Station start at -inf)
    a, s = np.array([-30.0, -20.0, -10.0]), np.array([25.0, 25.0, 5.0])
    assert multi_server_waits(a, s, 2).tolist() == [0.0, 0.0, 5.0]
    free = [-np.inf, -np.inf]
    assert [st - x for x, (st, _) in zip(a, (admit(free, x, w) for x, w in zip(a, s, strict=True)),
                                        strict=True)] == [0.0, 0.0, 5.0]
    # one server: -30 to -5, then -20 waits 15 (to 20), -10 waits 30: the same either way
    assert multi_server_waits(a, s, 1).tolist() == [0.0, 15.0, 30.0]
    assert fifo_waits(a, s).tolist() == [0.0, 15.0, 30.0]


def test_no_servers_is_refused_with_its_reason_even_without_customers() -> None:
    # kills: `servers < 1` loosened to `servers < 0` (NumPy's argmin of no servers still raised
    # a ValueError, about an empty sequence, and no customers passed silently)
    with pytest.raises(ValueError, match="servers must be 1 or more"):
        multi_server_waits([0.0, 1.0], [1.0, 1.0], 0)
    with pytest.raises(ValueError, match="servers must be 1 or more"):
        multi_server_waits(np.empty(0), np.empty(0), 0)
