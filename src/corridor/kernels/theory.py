"""Queueing-theory results the simulation is checked against (mean waits in queue, minutes)."""

from __future__ import annotations


def _check(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    if arrival_rate <= 0 or service_rate <= 0:
        raise ValueError("rates must be positive")
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho:.3f} >= 1")
    return rho


def mm1_wait(arrival_rate: float, service_rate: float) -> float:
    """M/M/1: Wq = rho / (mu - lambda)."""
    rho = _check(arrival_rate, service_rate)
    return rho / (service_rate - arrival_rate)


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arrival waits in M/M/c (Erlang C)."""
    rho = _check(arrival_rate, service_rate, servers)
    a = arrival_rate / service_rate  # offered load in Erlangs
    term = 1.0
    total = 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers / (1 - rho)
    return last / (total + last)


def mmc_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """M/M/c: Wq = C(c, a) / (c mu - lambda)."""
    return erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)


def mg1_wait(arrival_rate: float, service_mean: float, service_variance: float) -> float:
    """M/G/1 by Pollaczek-Khinchine: Wq = lambda E[S^2] / (2 (1 - rho))."""
    rho = _check(arrival_rate, 1.0 / service_mean)
    return arrival_rate * (service_variance + service_mean**2) / (2 * (1 - rho))


def md1_wait(arrival_rate: float, service_min: float) -> float:
    """M/D/1: Pollaczek-Khinchine with no service variance, rho / (2 mu (1 - rho))."""
    return mg1_wait(arrival_rate, service_min, 0.0)


def little_l(arrival_rate: float, mean_time: float) -> float:
    """Little's law: L = lambda W."""
    return arrival_rate * mean_time


__all__ = ["erlang_c", "little_l", "md1_wait", "mg1_wait", "mm1_wait", "mmc_wait"]
