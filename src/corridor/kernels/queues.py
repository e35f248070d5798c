"""Queue recursions in closed form or vectorised across replications (pure NumPy).

Every function takes arrays whose last axis is the customer (or departure) order and whose
leading axes, if any, are independent replications; times are minutes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

# When a server may next start: ``opening(t) -> t_open >= t`` (a station with closures), and
# when a service of ``work`` minutes begun then ends: ``finish(start, work) -> end`` (with
# capacity cuts; None: always open, and a service ends ``work`` minutes after it starts).
Opening = Callable[[float], float]
Finish = Callable[[float, float], float]


def admit(free_min: list[float], arrival_min: float, service_min: float,
          opening: Opening | None = None, finish: Finish | None = None) -> tuple[float, float]:
    """One customer's FCFS admission to a multi-server station, in one step.

    ``free_min`` is a heap of the times each server is next free (one entry per server); the
    customer takes the server that frees first and starts at the first open moment at or after
    ``max(arrival, that time)``; its service of ``service_min`` ends then, or when ``finish``
    says. Returns (start, end) and updates the heap. Called in order of arrival, this is
    :func:`multi_server_waits`.

    >>> free = [0.0, 0.0]
    >>> [admit(free, a, 3.0) for a in (0.0, 1.0, 2.0)]
    [(0.0, 3.0), (1.0, 4.0), (3.0, 6.0)]
    """
    start = max(arrival_min, free_min[0])
    if opening is not None:
        start = opening(start)
    end = start + service_min if finish is None else finish(start, service_min)
    heapq.heapreplace(free_min, end)
    return start, end


def fifo_waits(arrival_min: ArrayLike, service_min: ArrayLike) -> np.ndarray:
    """Waiting times in queue of a FIFO single-server queue (Lindley), without a loop.

    Customer n starts service at B_n = max(A_n, B_{n-1} + S_{n-1}). Unrolled,
    B_n = C_n + max_{j<=n}(A_j - C_j) with C_n the service time of all customers before n,
    so W_n = B_n - A_n is a cumulative sum and a running maximum.

    >>> fifo_waits([0.0, 1.0, 2.0], [3.0, 3.0, 3.0]).tolist()
    [0.0, 2.0, 4.0]
    """
    a = np.asarray(arrival_min, dtype=np.float64)
    s = np.asarray(service_min, dtype=np.float64)
    if a.shape != s.shape:
        raise ValueError(f"arrivals {a.shape} and service times {s.shape} differ in shape")
    before = np.cumsum(s, axis=-1) - s  # C_n: work brought by earlier customers
    start = before + np.maximum.accumulate(a - before, axis=-1)
    return np.maximum(start - a, 0.0)  # a wait is never negative; this drops rounding noise


def multi_server_waits(arrival_min: ArrayLike, service_min: ArrayLike, servers: int) -> np.ndarray:
    """Waiting times of a FCFS queue with ``servers`` servers: each customer, in order of
    arrival, goes to the server that frees first (the step of :func:`admit`, with no closures).

    Loops over customers only; each step works on all replications at once (the leading axes),
    so many replications cost little more than one.
    """
    if servers < 1:
        raise ValueError(f"servers must be 1 or more, got {servers}")
    a = np.asarray(arrival_min, dtype=np.float64)
    s = np.asarray(service_min, dtype=np.float64)
    if a.shape != s.shape:
        raise ValueError(f"arrivals {a.shape} and service times {s.shape} differ in shape")
    if servers == 1:
        return fifo_waits(a, s)
    lead = a.shape[:-1]
    n = a.shape[-1]
    a2 = a.reshape(-1, n)
    s2 = s.reshape(-1, n)
    reps = a2.shape[0]
    free = np.full((reps, servers), -np.inf)  # when each server is next free (from the start, as admit)
    rows = np.arange(reps)
    waits = np.empty_like(a2)
    for k in range(n):
        j = np.argmin(free, axis=1)
        earliest = free[rows, j]
        start = np.maximum(earliest, a2[:, k])
        waits[:, k] = start - a2[:, k]
        free[rows, j] = start + s2[:, k]
    return waits.reshape(*lead, n)
