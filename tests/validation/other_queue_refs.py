"""References for test_queue_other_params.py, written from queueing theory and the rules in
docs/simulation.md without corridor's kernels: Erlang C from its defining sum (in logs, so
twelve servers near saturation stay exact), Pollaczek-Khinchine, the Allen-Cunneen
approximation, and a plain FCFS event loop for a multi-server station whose place closes and
runs at a cut factor for a while (the rule of the stations table: a vehicle starts at the
first open moment at or after max(arrival, the earliest free server); work goes at the factor
of the cut in force; a closure stops no service under way)."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import yaml
from scipy import stats

from corridor.scenario.schema import Scenario

EPOCH_DATE = "2027-01-04"  # a Monday; the scenarios' places keep UTC


def scenario_from(text: str) -> Scenario:
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def station_yaml(*, servers: int | list[int], per_min: float, service: str | list[str], days: int,
                 replications: int, seed: int, warmup_days: int, drain_days: int,
                 arrivals: str = "poisson", flows: int = 1, disruptions: str = "",
                 drive_min: float = 30.0, first_station: str = "") -> str:
    """Poisson (or evenly spaced) single-container trucks, dispatched at once, from A through the
    stations S1..Sk in a row (``servers`` and ``service`` a list for tandem stations) to Z.
    ``flows`` splits the rate over that many identical flows; ``first_station``: more keys of S1
    (``background_per_day: 20, customs: {...}``)."""
    servers = [servers] if isinstance(servers, int) else servers
    service = [service] if isinstance(service, str) else service
    assert len(servers) == len(service)
    ids = [f"S{k + 1}" for k in range(len(servers))]
    places = ["  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}"]
    for k, (c, s) in enumerate(zip(servers, service, strict=True)):
        places.append(f"  - {{id: {ids[k]}, name: {ids[k]}, kind: border_station, country: KZ, lat: 45,"
                      f" lon: {80.5 + k}, tz: UTC, servers: {c}, service_time: {s}"
                      f"{', ' + first_station if first_station and k == 0 else ''}}}")
    # the last station is the destination of a single station; a tandem ends at Z
    stops = ["A", *ids]
    if len(ids) > 1:
        places.append("  - {id: Z, name: Z, kind: rail_terminal, country: KZ, lat: 45,"
                      f" lon: {81 + len(ids)}, tz: UTC}}")
    services = []
    for a, b in zip(stops, stops[1:] + (["Z"] if len(ids) > 1 else []), strict=False):
        services.append(f"  - {{id: T{a}{b}, mode: road, unit: feu, stops: [{a}, {b}],"
                        f" dispatch: {{cutoff_min: 0}}, duration_min: {drive_min!r}, capacity: 1}}")
    dest = "Z" if len(ids) > 1 else ids[0]
    per_week = per_min * 10080.0 / flows
    demand = [f"  - {{id: F{k}, kind: cargo, from: A, to: {dest}, per_week: {per_week!r},"
              f" arrivals: {arrivals}}}" for k in range(flows)]
    text = (f"name: other-params\n"
            f"run: {{start: {EPOCH_DATE}, horizon_days: {days}, warmup_days: {warmup_days},"
            f" drain_days: {drain_days}, replications: {replications}, seed: {seed}}}\n"
            "places:\n" + "\n".join(places) + "\nservices:\n" + "\n".join(services)
            + "\ndemand:\n" + "\n".join(demand) + "\n")
    if disruptions:
        text += "disruptions:\n" + textwrap.dedent(disruptions)
    return text


def station_scenario(**kw: object) -> Scenario:
    return scenario_from(station_yaml(**kw))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- M/M/c


def erlang_c(c: int, a: float) -> float:
    """P(wait > 0) in M/M/c with offered load a = lambda / mu < c, from its defining sum
    P_wait = (a^c / c!) / (1 - a/c) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - a/c)), each term
    taken in logs."""
    assert 0 < a < c
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    top = c * math.log(a) - math.lgamma(c + 1) - math.log1p(-a / c)
    m = max([*logs, top])
    below = sum(math.exp(x - m) for x in logs)
    return math.exp(top - m) / (below + math.exp(top - m))


@dataclass(frozen=True)
class MMc:
    servers: int
    lam: float  # per minute
    mu: float  # per minute

    @property
    def p_wait(self) -> float:
        return erlang_c(self.servers, self.lam / self.mu)

    @property
    def drain(self) -> float:
        """The rate of the wait's exponential tail: P(W > t) = P_wait exp(-(c mu - lambda) t)."""
        return self.servers * self.mu - self.lam

    @property
    def wait(self) -> float:
        return self.p_wait / self.drain

    def tail(self, t: float) -> float:
        return self.p_wait * math.exp(-self.drain * t)


# ---------------------------------------------------------------------- general service


def pk_wait(lam: float, mean: float, second: float) -> float:
    """Pollaczek-Khinchine: M/G/1's mean wait in queue, lambda E[S^2] / (2 (1 - rho))."""
    rho = lam * mean
    assert rho < 1
    return lam * second / (2.0 * (1.0 - rho))


def allen_cunneen(c: int, lam: float, mean: float, scv_arrival: float, scv_service: float) -> float:
    """Allen-Cunneen's approximation of GI/G/c's mean wait: M/M/c's times (ca^2 + cs^2) / 2
    (Kingman's heavy-traffic formula when c = 1)."""
    return MMc(c, lam, 1.0 / mean).wait * (scv_arrival + scv_service) / 2.0


# --------------------------------------------------------------------- exact witnesses


def lindley_single(arrive: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Start times of a FIFO single server, by W_{n+1} = max(0, W_n + S_n - (A_{n+1} - A_n)),
    one customer at a time."""
    start = np.empty_like(arrive)
    w = 0.0
    for n in range(arrive.size):
        if n:
            w = max(0.0, w + service[n - 1] - (arrive[n] - arrive[n - 1]))
        start[n] = arrive[n] + w
    return start


def kiefer_wolfowitz(arrive: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Start times of a FIFO c-server queue by the Kiefer-Wolfowitz workload vector: V sorted
    ascending holds each server's remaining work; customer n waits V[0], adds S_n to it, and
    the vector ages by the gap to the next arrival."""
    v = np.zeros(servers)
    start = np.empty_like(arrive)
    for n in range(arrive.size):
        if n:
            v = np.maximum(v - (arrive[n] - arrive[n - 1]), 0.0)
            v.sort()
        start[n] = arrive[n] + v[0]
        v[0] += service[n]
    return start


def fcfs_with_windows(arrive: np.ndarray, work: np.ndarray, servers: int,
                      windows: list[tuple[float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A plain event loop: vehicles in order of arrival, each to the server that frees first,
    starting at the first moment at or after max(arrival, that server's free time) that no
    closure (factor 0) covers; its ``work`` minutes then go at the factor of the cut (0 < f < 1)
    in force, minute piece by piece, through closures at full speed. ``windows``: (start, end,
    factor) with the windows of one factor kind not overlapping. Returns (start, end)."""
    closures = sorted((a, b) for a, b, f in windows if f == 0.0)
    cuts = sorted((a, b, f) for a, b, f in windows if f > 0.0)
    free = [0.0] * servers
    starts, ends = np.empty_like(arrive), np.empty_like(arrive)
    for n in range(arrive.size):
        k = min(range(servers), key=lambda i: free[i])
        t = max(arrive[n], free[k])
        moved = True
        while moved:
            moved = False
            for a, b in closures:
                if a <= t < b:
                    t, moved = b, True
        starts[n] = t
        left = work[n]
        # walk the cuts in time order from t
        while True:
            inside = [(a, b, f) for a, b, f in cuts if a <= t < b]
            if inside:
                _, b, f = inside[0]
                if left / f <= b - t:
                    t += left / f
                    break
                left -= (b - t) * f
                t = b
            else:
                nxt = min([a for a, _, _ in cuts if a > t], default=math.inf)
                if t + left <= nxt:
                    t += left
                    break
                left -= nxt - t
                t = nxt
        ends[n] = t
        free[k] = t
    return starts, ends


# ------------------------------------------------------------------------- statistics


def t_interval(values: list[float] | np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean and Student-t interval over independent replications."""
    x = np.asarray(values, dtype=np.float64)
    half = float(stats.t.ppf(0.5 + level / 2.0, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    m = float(x.mean())
    return m, m - half, m + half


def within(values: list[float] | np.ndarray, want: float, level: float, what: str) -> str:
    """'' when ``want`` lies in the t-interval of ``values``, else a line saying what missed."""
    m, lo, hi = t_interval(values, level)
    return "" if lo <= want <= hi else f"{what}: {want:.6g} outside {m:.6g} [{lo:.6g}, {hi:.6g}]"
