"""GTFS's clock: times counted from "noon minus 12 h" of a service day in the feed's zone.

GTFS stop times are not wall-clock times: they are the time elapsed since noon minus 12 hours
of the service day, in the agency's time zone. On most days that is midnight, so the numbers
read as a clock; on a day the clocks change it is an hour off midnight, and a trip that runs
past midnight keeps counting (``25:30:00``). Export and import both go through the two
functions here, so a departure written and read back is the same instant.

>>> import datetime as dt
>>> from corridor.timezone import zone
>>> vilnius = zone("Europe/Vilnius")
>>> day_start(dt.date(2027, 3, 28), vilnius).isoformat()      # the spring-forward day
'2027-03-27T21:00:00+00:00'
>>> service_day(dt.datetime(2027, 3, 28, 2, 0, tzinfo=dt.UTC), vilnius)
(datetime.date(2027, 3, 28), 18000)
>>> format_time(90000), parse_time("25:00:00")
('25:00:00', 90000)
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

_TIME = re.compile(r"^\s*(\d{1,4}):([0-5]\d):([0-5]\d)\s*$")


@lru_cache(maxsize=8192)  # a feed asks each day of its years again for every departure
def day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The instant (UTC) a service day's times count from: noon minus 12 h, local in ``tz``."""
    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=tz)
    return noon.astimezone(dt.UTC) - dt.timedelta(hours=12)


def service_day(instant: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, int]:
    """The service day an instant is counted in (its local date in ``tz``, or the day before
    when it falls before that day's start) and the seconds since that day's start."""
    day = instant.astimezone(tz).date()
    seconds = (instant - day_start(day, tz)).total_seconds()
    if seconds < 0:  # in the hour before a fall-back day's start
        day -= dt.timedelta(days=1)
        seconds = (instant - day_start(day, tz)).total_seconds()
    return day, int(round(seconds))


def format_time(seconds: int) -> str:
    """``HH:MM:SS``, with hours past 24 (and past 99) as GTFS allows."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def parse_time(text: str) -> int:
    """Seconds of a GTFS ``H:MM:SS`` time; ``ValueError`` naming the text if it is not one."""
    match = _TIME.match(str(text))
    if match is None:
        raise ValueError(f"time {text!r} is not H:MM:SS")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(match.group(3))
