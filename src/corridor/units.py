"""Time constants, in the one internal unit: minutes."""

from __future__ import annotations

MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
MIN_PER_WEEK = 7 * MIN_PER_DAY
