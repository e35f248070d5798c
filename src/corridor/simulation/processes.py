"""Processes of the engine: generators of timeouts, driven like ``simpy.Process`` with two
events fewer.

``env.process(gen)`` costs two events besides the generator's own timeouts: one that starts it
(scheduled *urgent* at the current time, so the process's first step runs before the time's
ordinary events) and one that marks its end, for whoever waits on the process. Nothing in the
engine waits on a process (``yield from`` runs a sub-step inside its caller), and the processes
made before the run would all start at time 0 ahead of any other event. So:

* :func:`start` schedules the same urgent start event, and drops the end event;
* :func:`start_now` runs the first step at once: before the environment runs, in the order
  the start events would have run; during the run, as part of the event that starts it (a
  process whose first step belongs to that moment's event);
* :func:`start_at` runs the first step when a given event happens (a process that waits for
  that event before anything else).

Same-time order is therefore unchanged: every timeout is scheduled at the same moment, in the
same order, as under ``env.process``. A generator must yield fresh, untriggered events (the
engine's yield only ``env.timeout``); their values are sent back as SimPy does.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from simpy.events import URGENT

Steps = Generator[simpy.Event, Any, None]


class _Driver:
    """Sends each event's value into the generator and waits on what it yields next."""

    __slots__ = ("_generator",)

    def __init__(self, generator: Steps) -> None:
        self._generator = generator

    def __call__(self, event: simpy.Event) -> None:
        try:
            following = self._generator.send(event._value)  # as simpy.Process does (a property is slower)
        except StopIteration:
            return  # ended: nobody waits on it, so no event says so
        following.callbacks.append(self)  # type: ignore[union-attr]


class _Start(simpy.Event):
    """Triggered on creation, urgent (like ``simpy.events.Initialize``): a process's first step."""

    def __init__(self, env: simpy.Environment, driver: _Driver) -> None:
        super().__init__(env)
        self.callbacks.append(driver)  # type: ignore[union-attr]
        self._ok = True
        self._value = None
        env.schedule(self, URGENT)


def start(env: simpy.Environment, generator: Steps) -> None:
    """Run ``generator`` as a process from now: ``env.process`` without the end event."""
    _Start(env, _Driver(generator))


def start_at(event: simpy.Event, generator: Steps) -> None:
    """Run ``generator`` as a process from when ``event`` (scheduled, untriggered by anyone
    else) happens: its first step then, with no start event of its own."""
    event.callbacks.append(_Driver(generator))  # type: ignore[union-attr]


def start_now(generator: Steps) -> None:
    """Run ``generator`` as a process, its first step now (see the module's notes)."""
    driver = _Driver(generator)
    try:
        first = next(generator)
    except StopIteration:
        return
    first.callbacks.append(driver)  # type: ignore[union-attr]
