"""The planner's time stamps to the millisecond, written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from corridor.report.planning_text import _stamp

UTC5 = dt.timezone(dt.timedelta(hours=5))


@pytest.mark.parametrize(("microsecond", "clock"), [
    (45_000, "15:10:00.045"),   # under a tenth of a second: three digits all the same
    (7_000, "15:10:00.007"),
    (1_499, "15:10:00.001"),
    (99_600, "15:10:00.100"),
    (501, "15:10:00.001"),      # over half a millisecond rounds up
    (499, "15:10"),
    (999_499, "15:10:00.999"),
    (999_500, "15:10:01"),      # a whole second once rounded
])
def test_part_of_a_second_is_three_digits_of_milliseconds(microsecond: int, clock: str) -> None:
    when = dt.datetime(2101, 1, 3, 15, 10, tzinfo=UTC5).replace(microsecond=microsecond)
    assert _stamp(when, 2101) == f"Mon 03 Jan {clock} +05"
