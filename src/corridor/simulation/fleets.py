"""A fleet: vehicles that dispatched services share, each back some time after it was unloaded.

A formed vehicle takes a free one at once, or waits, first come first served, for the first
one back (``take`` gives the event to wait on, or None when one was free). A vehicle coming
back goes straight to the longest-waiting formed vehicle, if any. Every wait is logged. A
formed vehicle stood down before it runs (left with no unit) withdraws: it leaves the queue, or
hands the vehicle it holds to the next in it, and its wait is not logged.
"""

from __future__ import annotations

import math
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
        # formed vehicles waiting, in order: the event each waits on, and its ask
        self._waiting: deque[tuple[simpy.Event, list[float]]] = deque()
        # per formed vehicle, in the order they asked: [when it asked, when it got one (NaN
        # while waiting)]; a withdrawn ask is marked NaN and not logged
        self._asks: list[list[float]] = []
        self.back: list[float] = []  # when each vehicle came back

    def take(self) -> tuple[list[float], simpy.Event | None]:
        """A formed vehicle wants a vehicle now: its ask (to withdraw it) and None when one is
        free (taken), else the event that fires when one comes back for it."""
        now = float(self.env.now)
        ask = [now, math.nan]
        self._asks.append(ask)
        if self.free > 0 and not self._waiting:
            self.free -= 1
            ask[1] = now
            return ask, None
        event = self.env.event()
        self._waiting.append((event, ask))
        return ask, event

    def withdraw(self, ask: list[float]) -> None:
        """A formed vehicle is stood down before it runs: it leaves the queue, or the vehicle it
        holds is free now (for the first waiting), never having left home."""
        if math.isnan(ask[1]):
            self._waiting = deque(w for w in self._waiting if w[1] is not ask)
        else:
            self._hand_on()
        ask[0] = math.nan

    def back_after(self, delay_min: float) -> None:
        """A vehicle just unloaded comes back ``delay_min`` from now."""
        self.env.process(self._back(delay_min))

    def _back(self, delay_min: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay_min)
        self.back.append(float(self.env.now))
        self._hand_on()

    def _hand_on(self) -> None:
        """A vehicle is free now: the longest-waiting formed vehicle gets it, or it stays home."""
        if self._waiting:
            event, ask = self._waiting.popleft()
            ask[1] = float(self.env.now)
            event.succeed()
        else:
            self.free += 1

    def log(self) -> dict[str, np.ndarray]:
        """When each formed vehicle asked for a vehicle and when it got one (NaN: still waiting
        when the run ended), and when vehicles came back."""
        return {**asks_log(self._asks), "back_min": np.array(self.back, dtype=float)}


def asks_log(asks: list[list[float]]) -> dict[str, np.ndarray]:
    """Formed vehicles' asks, each [when it asked, when it got what it asked for], as a log's
    columns, without those withdrawn (asked NaN: stood down). A fleet's vehicles and a
    service's departure paths are asked for alike.

    >>> {k: v.tolist() for k, v in asks_log([[0.0, 10.0], [math.nan, 20.0], [5.0, math.nan]]).items()}
    {'asked_min': [0.0, 5.0], 'got_min': [10.0, nan]}
    """
    kept = np.array([a for a in asks if not math.isnan(a[0])], dtype=np.float64).reshape(-1, 2)
    return {"asked_min": kept[:, 0], "got_min": kept[:, 1]}
