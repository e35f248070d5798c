"""A throughput step's judgement at the edges of the rules of docs/sweeps.md, on steps written by
hand: a mean transit equal to its bound is within it, a step with no container created in
its window has nothing that shows it sustainable, no delivery sets no bound, and the offered
load weighs each month by the window's days in it."""

from __future__ import annotations

import math

from corridor.analysis.throughput import Step, _judged
from corridor.kernels.stats import Estimate


def _step(transit: Estimate | None, undelivered: float) -> Step:
    return Step(1.0, 100.0, Estimate(99.0, 1.0, 3, 0.95), transit, Estimate(0.0, 0.1, 3, 0.95),
                undelivered, {"B": Estimate(0.5, 0.01, 3, 0.95)})


def test_a_transit_equal_to_its_bound_stays_within_it() -> None:
    # "the mean transit stays within a stated bound": 10.0 days against a bound of 10.0
    at = _judged(_step(Estimate(10.0, 0.5, 3, 0.95), 0.0), 10.0)
    assert at.sustainable and at.failed_tests == ()
    over = _judged(_step(Estimate(10.001, 0.5, 3, 0.95), 0.0), 10.0)
    assert not over.sustainable and over.failed_tests == ("transit",)


def test_a_step_with_no_container_created_in_its_window_is_not_sustainable() -> None:
    # no container created in the window (0 of 0: the undelivered share is undefined) and no
    # transit: nothing was carried, so the step is no evidence of a sustainable throughput
    judged = _judged(_step(None, math.nan), 10.0)
    assert not judged.sustainable
    assert judged.why == "no container created in the window delivered"


def test_too_many_to_tell_from_most_is_scipys_binomial_tail() -> None:
    # k of n replications grew: not told from "most" when, at a growth chance of 1/2, k or
    # fewer has a chance above 2.5% (scipy's binomial CDF). 2 of 11: (1 + 11 + 55) / 2048 =
    # 3.3%, too many; 1 of 9: 10 / 512 = 2.0%, few enough
    from scipy.stats import binom

    from corridor.analysis.throughput import _could_be_most

    assert _could_be_most(2, 11) and not _could_be_most(1, 9)
    for n in range(1, 21):
        for k in range(n + 1):
            assert _could_be_most(k, n) == (binom.cdf(k, n, 0.5) > 0.025), (k, n)


def test_with_nothing_delivered_no_transit_bound_is_set() -> None:
    from corridor.analysis.throughput import _transit_bound

    # the containers of the warm-up may have reached their destination in the window: the
    # header said "no step delivered a container" above a table of 657 TEU a week delivered
    assert _transit_bound([_step(None, math.nan)], None) == (
        math.inf, "none (no step delivered a container created in its window)")
    # else twice the transit of the lightest step that has one
    bound, _ = _transit_bound([_step(None, math.nan), _step(Estimate(6.0, 1.0, 3, 0.95), 0.0)], None)
    assert bound == 12.0


def test_the_offered_load_weighs_only_the_window_s_part_of_each_month() -> None:
    # from 1 January, warm-up 35 days, horizon 59: the window is 5 to 28 February (24 days),
    # none of January; January at 10x, February at 1x: 100 FEU a week offered, as February's
    import datetime as dt
    from types import SimpleNamespace as NS

    from corridor.analysis.throughput import window_feu_per_week
    from corridor.scenario.schema import Demand

    flow = Demand.model_validate({"id": "F", "kind": "cargo", "from": "A", "to": "B", "per_week": 100.0,
                                  "seasonality": [10.0] + [1.0] * 11})
    run = NS(warmup_days=35, horizon_days=59, epoch=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert window_feu_per_week(NS(run=run, demand=[flow])) == 100.0
