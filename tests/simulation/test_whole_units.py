"""A vehicle's whole units under a capacity factor: floor(f x capacity) of f as written,
against exact decimal arithmetic (``decimal``, not the engine's ``fractions``)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from corridor.simulation.stations import whole_units


@given(st.integers(0, 10**6), st.integers(1, 10), st.integers(1, 10**6))
def test_whole_units_of_a_decimal_factor(digits_num: int, places: int, capacity: int) -> None:
    # a factor written with up to ten decimals, in [0, 1]
    factor = Decimal(min(digits_num, 10**places)) / Decimal(10**places)
    f = float(str(factor))
    want = int((factor * capacity).to_integral_value(rounding="ROUND_FLOOR"))
    assert whole_units(capacity, f) == want


def test_products_that_doubles_put_below_a_whole_number() -> None:
    # 0.29 * 100 == 28.999999999999996 and 0.57 * 100 == 56.99999999999999 as doubles
    cases = [(k / 100, 100) for k in range(101)] + [(k / 1000, 1000) for k in range(1001)]
    assert [whole_units(c, f) for f, c in cases] == [round(f * c) for f, c in cases]
