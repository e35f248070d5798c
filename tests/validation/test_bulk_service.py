"""Bulk service: Poisson containers at an origin, a timetabled train every T hours taking up to
C of them, first come first served; against the backlog chain of independent_refs.bulk_wait
(B' = max(B + A - C, 0), A ~ Poisson(lambda T), solved with NumPy) and, for the chain itself,
a plain loop written there.

Per case, 20 replications, 99.9% t-intervals: the containers' mean wait for their train
(first departure - creation, created in [warm-up, horizon)), the share that do not get on the
first train after they arrive, and the mean backlog left just after a departure.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from validation.independent_refs import bulk_plain_loop, bulk_wait, check, train_scenario

from corridor import simulate

REPS = 20

CASES = [  # headway (h), capacity, load, days
    (24, 1, 0.5, 3650),
    (2, 1, 0.95, 1500),
    (1, 1, 0.75, 400),
    (6, 3, 0.8, 1000),
    (8, 10, 0.9, 800),
    (3, 20, 0.95, 400),
    (4, 40, 0.7, 250),
    (24, 80, 0.5, 250),
    (2, 80, 0.95, 120),
]
# the same for travellers booking the first flight with a seat left (first come, first served
# too: seats only fill), and for two flows sharing the train (each its own mean wait: PASTA)
OTHERS = [  # kind, flows, headway (h), capacity, load, days
    ("passenger", 1, 24, 1, 0.5, 3650),
    ("passenger", 1, 6, 3, 0.8, 1000),
    ("passenger", 1, 8, 10, 0.9, 800),
    ("passenger", 1, 4, 40, 0.7, 250),
    ("passenger", 1, 2, 80, 0.95, 120),
    ("cargo", 2, 6, 5, 0.9, 800),
]


def measured(result, scenario, headway: float, flow: int | None = None,  # noqa: ANN001
             ) -> tuple[list[float], list[float], list[float]]:
    waits, missed, backlog = [], [], []
    for rec in result.records:
        u = rec.units
        created, left = u["created_min"], u["first_departure_min"]
        seen = (created >= rec.warmup_min) & (created < rec.horizon_min)
        if flow is not None:
            seen &= u["flow"] == flow
        assert np.isfinite(left[seen]).all(), "a container of the window never left"
        assert np.all(left[seen] >= created[seen])
        # every departure is on the timetable
        np.testing.assert_allclose(np.round(left[seen] / headway) * headway, left[seen], atol=1e-6)
        w = left[seen] - created[seen]
        waits.append(float(w.mean()))
        first = np.ceil(created[seen] / headway) * headway  # the first departure after arrival
        missed.append(float(np.mean(left[seen] > first + 1e-6)))
        # backlog just after each departure of the window: arrived before it, not yet gone
        deps = np.arange(math.ceil(rec.warmup_min / headway), math.floor(rec.horizon_min / headway)) * headway
        order_c, order_l = np.sort(created), np.sort(np.where(np.isfinite(left), left, np.inf))
        after = np.searchsorted(order_c, deps, side="left") - np.searchsorted(order_l, deps, side="right")
        backlog.append(float(after.mean()))
        trips = rec.trips
        assert trips is not None and trips["boarded"].max() <= trips["capacity"].max()
    return waits, missed, backlog


@pytest.mark.parametrize(("headway_h", "capacity", "load", "days"), CASES,
                         ids=[f"T{t}h-C{c}-load{r}" for t, c, r, _ in CASES])
def test_timetabled_train_against_the_backlog_chain(headway_h, capacity, load, days) -> None:
    headway = headway_h * 60.0
    lam = load * capacity / headway
    scenario = train_scenario(headway_h, capacity, lam, days=days, replications=REPS,
                              seed=400 + capacity + int(100 * load))
    result = simulate(scenario, workers=2)
    waits, missed, backlog = measured(result, scenario, headway)
    want = bulk_wait(headway, capacity, lam)
    fails = [check(waits, want["wait"], "mean wait (min)", width=0.15),
             check(missed, want["missed"], "P(not on the first train)", width=0.2)
             if want["missed"] > 0.01 else
             ("" if np.mean(missed) < 0.01 else f"P(not on the first train) {np.mean(missed):.4g}, "
              f"theory {want['missed']:.3g}")]
    if want["backlog"] > 0.05:
        fails.append(check(backlog, want["backlog"], "backlog after a departure", width=0.35))
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


@pytest.mark.parametrize(("kind", "flows", "headway_h", "capacity", "load", "days"), OTHERS,
                         ids=[f"{k}-{f}flows-T{t}h-C{c}-load{r}" for k, f, t, c, r, _ in OTHERS])
def test_travellers_and_shared_trains_against_the_backlog_chain(kind, flows, headway_h, capacity, load,
                                                                 days) -> None:
    headway = headway_h * 60.0
    lam = load * capacity / headway
    scenario = train_scenario(headway_h, capacity, lam, days=days, replications=REPS,
                              seed=450 + capacity + int(100 * load), kind=kind, flows=flows)
    result = simulate(scenario, workers=2)
    want = bulk_wait(headway, capacity, lam)
    fails = []
    for flow in range(flows) if flows > 1 else [None]:
        waits, missed, backlog = measured(result, scenario, headway, flow)
        fails += [check(waits, want["wait"], f"flow {flow}: mean wait (min)", width=0.15),
                  check(missed, want["missed"], f"flow {flow}: P(not on the first train)", width=0.2)
                  if want["missed"] > 0.01 else ""]
    for rec in result.records:
        assert not np.any(rec.units["missed"])  # nobody misses a flight they booked
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


def test_the_backlog_chain_against_a_plain_loop_and_broken() -> None:
    rng = np.random.default_rng(2026)
    for headway, capacity, load in [(60.0, 1, 0.75), (360.0, 10, 0.9), (240.0, 80, 0.95)]:
        lam = load * capacity / headway
        want = bulk_wait(headway, capacity, lam)
        runs = [bulk_plain_loop(headway, capacity, lam, 20_000, rng) for _ in range(12)]
        assert not check([w for w, _ in runs], want["wait"], "plain loop: wait", width=0.1)
        assert not check([m for _, m in runs], want["missed"], "plain loop: missed", width=0.1)
        # broken on purpose: one unit ahead more in line, or the wrong half of the interval
        wrong = bulk_wait(headway, capacity, lam * 1.03)
        assert check([w for w, _ in runs], wrong["wait"], "load 3% higher", width=0.1)
        assert check([w for w, _ in runs], want["wait"] - headway / 2 + headway / 3, "arrivals not uniform",
                     width=0.1)
