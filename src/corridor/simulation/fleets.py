"""A fleet: vehicles that dispatched services share, each back some time after it was unloaded.

A formed vehicle takes a free one at once, or waits, first come first served, for the first
one back (``take`` gives the event to wait on, or None when one was free). A vehicle coming
back goes straight to the longest-waiting formed vehicle, if any. Every wait is logged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy


class Fleet:
    """``vehicles`` vehicles; ``free`` of them at the home place now."""

    def __init__(self, env: simpy.Environment, vehicles: int) -> None:
        self.env = env
        self.vehicles = vehicles
        self.free = vehicles
        self._waiting: deque[simpy.Event] = deque()  # formed vehicles waiting, in order
        self.asked: list[float] = []  # when each formed vehicle asked for one
        self.got: list[float] = []  # and when it got one (in the same order once served)
        self.back: list[float] = []  # when each vehicle came back

    def take(self) -> simpy.Event | None:
        """A formed vehicle wants a vehicle now: None when one is free (taken), else the event
        that fires when one comes back for it."""
        now = float(self.env.now)
        self.asked.append(now)
        if self.free > 0 and not self._waiting:
            self.free -= 1
            self.got.append(now)
            return None
        event = self.env.event()
        self._waiting.append(event)
        return event

    def back_after(self, delay_min: float) -> None:
        """A vehicle just unloaded comes back ``delay_min`` from now."""
        self.env.process(self._back(delay_min))

    def _back(self, delay_min: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay_min)
        self.back.append(float(self.env.now))
        if self._waiting:
            event = self._waiting.popleft()
            self.got.append(float(self.env.now))
            event.succeed()
        else:
            self.free += 1

    def log(self) -> dict[str, np.ndarray]:
        """When each formed vehicle asked for a vehicle and when it got one (NaN: still waiting
        when the run ended), and when vehicles came back."""
        got = np.full(len(self.asked), np.nan)
        got[: len(self.got)] = self.got
        return {"asked_min": np.array(self.asked, dtype=float), "got_min": got,
                "back_min": np.array(self.back, dtype=float)}
