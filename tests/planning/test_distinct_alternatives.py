"""What ``plan`` shows of a Pareto set: a journey that saves under a dollar and a kilogram of
CO2 on one no later with no more transfers is left out, every other kept, in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corridor.planning.itinerary import Itinerary, Leg
from corridor.planning.search import SAME_KG, SAME_USD, distinct_alternatives


def journey(arrive: float, transfers: int, cost: float, co2: float) -> Itinerary:
    legs = tuple(Leg("service", f"S{k}", "rail", k, k + 1, 0.0, arrive, cost if k == 0 else 0.0,
                     co2 if k == 0 else 0.0) for k in range(transfers + 1))
    return Itinerary(0.0, legs)


def covers(k: Itinerary, it: Itinerary) -> bool:
    """``k`` makes ``it`` no alternative: no later, no more changes, at most a dollar and a kg dearer."""
    return (k.arrive_min <= it.arrive_min and k.transfers <= it.transfers
            and k.cost_usd - it.cost_usd <= SAME_USD and k.co2_kg - it.co2_kg <= SAME_KG)


# costs and CO2 on a grid of quarters: differences of exactly a dollar or a kilogram happen
amounts = st.integers(0, 40).map(lambda q: q / 4)


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), amounts, amounts), max_size=9))
def test_every_journey_left_out_is_covered_by_one_kept_before_it(raw) -> None:  # noqa: ANN001
    its = [journey(*r) for r in sorted(raw)]  # earliest arrival first, as the planner gives them
    kept, left = distinct_alternatives(its)
    assert left == len(its) - len(kept)
    positions = [next(i for i, x in enumerate(its) if x is k) for k in kept]
    assert positions == sorted(positions)  # in the set's order
    for i, it in enumerate(its):
        before = [k for k, p in zip(kept, positions, strict=True) if p < i]
        if any(k is it for k in kept):
            assert not any(covers(k, it) for k in before)
        else:
            assert any(covers(k, it) for k in before)


def test_a_journey_a_dollar_and_a_kilogram_cheaper_or_more_is_kept() -> None:
    first = journey(100, 1, 500.0, 2770.0)
    assert distinct_alternatives([first, journey(200, 1, 499.0, 2769.0)]) == ([first], 1)  # at most: out
    cheaper = journey(200, 1, 498.9, 2770.0)
    assert distinct_alternatives([first, cheaper]) == ([first, cheaper], 0)
    greener = journey(200, 1, 500.0, 2768.9)
    assert distinct_alternatives([first, greener]) == ([first, greener], 0)
    fewer = journey(200, 0, 500.0, 2770.0)  # fewer changes, later: a choice
    assert distinct_alternatives([first, fewer]) == ([first, fewer], 0)
