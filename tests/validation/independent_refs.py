"""Queueing references written without corridor's kernels or formulas: Markov chains solved
with NumPy, Pollaczek-Khinchine from the moments, and plain loops.

Each function says what it computes and how; the tests that use them break each one on
purpose (``test_references_catch_a_wrong_answer``) to show that a wrong reference fails.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import yaml
from scipy import stats

from corridor.scenario.schema import Scenario


# --------------------------------------------------------------------------- scenarios
def station_scenario(servers: int, rate_per_min: float, service: str, *, days: int, replications: int,
                     seed: int, warmup_share: float = 0.1, drain_days: int = 5,
                     customs: str = "") -> Scenario:
    """Poisson single-container trucks (dispatched at once, 30 minutes' drive) into station B
    with ``servers`` servers and ``service`` (a distribution's YAML); ``customs``: B's customs
    hold, in YAML."""
    extra = f", customs: {customs}" if customs else ""
    per_week = rate_per_min * 10080.0
    text = textwrap.dedent(f"""\
        name: qtrial-station
        run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: {max(1, int(days * warmup_share))},
              drain_days: {drain_days}, replications: {replications}, seed: {seed}}}
        places:
          - {{id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
          - {{id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
             servers: {servers}, service_time: {service}{extra}}}
        services:
          - {{id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {{cutoff_min: 0}},
             duration_min: 30, capacity: 1}}
        demand:
          - {{id: F, kind: cargo, from: A, to: B, per_week: {per_week!r}}}
        """)
    return Scenario.model_validate(yaml.safe_load(text))


def train_scenario(headway_h: int, capacity: int, rate_per_min: float, *, days: int, replications: int,
                   seed: int, warmup_share: float = 0.1, drain_days: int = 21, kind: str = "cargo",
                   flows: int = 1) -> Scenario:
    """Poisson containers at A, carried to B by a timetabled train every ``headway_h`` hours
    (from 00:00 UTC; 24 must be a multiple of it) that takes ``capacity`` of them; with
    ``kind`` passenger, travellers and a flight (they book the first flight with a seat left);
    ``flows``: the rate split evenly over that many flows."""
    assert 24 % headway_h == 0
    unit, mode = ("pax", "air") if kind == "passenger" else ("feu", "rail")
    per_week = rate_per_min * 10080.0 / flows
    demand = "\n".join(f"  - {{id: F{k}, kind: {kind}, from: A, to: B, per_week: {per_week!r}}}"
                       for k in range(flows))
    text = textwrap.dedent(f"""\
        name: qtrial-bulk
        run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: {max(1, int(days * warmup_share))},
              drain_days: {drain_days}, replications: {replications}, seed: {seed}}}
        places:
          - {{id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
          - {{id: B, name: B, kind: rail_terminal, country: KZ, lat: 45, lon: 81, tz: UTC}}
        services:
          - {{id: TRAIN, mode: {mode}, unit: {unit}, stops: [A, B], duration_min: 60, capacity: {capacity},
             timetable: {{days: daily, headway_min: {headway_h * 60}, first: "00:00", last: "23:59"}}}}
        demand:
        """) + demand + "\n"
    return Scenario.model_validate(yaml.safe_load(text))


# --------------------------------------------------------------------------- statistics
def t_interval(values, level: float = 0.999) -> tuple[float, float]:  # noqa: ANN001
    """Student's t interval of the mean of independent replications."""
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


def check(values, want: float, what: str, *, width: float = 0.25, level: float = 0.999) -> str:  # noqa: ANN001
    """'' if the interval holds ``want`` and is narrower than ``width`` x ``want`` either side,
    else what went wrong (so a test can report every failure of a case at once)."""
    lo, hi = t_interval(values, level)
    mean = float(np.mean(values))
    if not lo <= want <= hi:
        return f"{what}: theory {want:.5g} outside [{lo:.5g}, {hi:.5g}] (mean {mean:.5g})"
    if hi - lo >= 2 * width * abs(want):
        return f"{what}: interval [{lo:.5g}, {hi:.5g}] too wide for {want:.5g}"
    return ""


# --------------------------------------------------------------------------- M/M/c
def mmc_by_chain(servers: int, lam: float, mu: float, states: int = 6000) -> dict[str, float]:
    """M/M/c from its birth-death chain truncated at ``states`` (balance equations solved as
    products, in logs): mean wait in queue, probability of waiting, mean number waiting."""
    n = np.arange(states + 1)
    log_ratio = np.log(lam) - np.log(mu * np.minimum(n[1:], servers))
    logp = np.r_[0.0, np.cumsum(log_ratio)]
    p = np.exp(logp - logp.max())
    p /= p.sum()
    assert p[-1] < 1e-14, "truncation too short"
    lq = float(np.sum(np.maximum(n - servers, 0) * p))
    return {"wait": lq / lam, "p_wait": float(p[servers:].sum()), "lq": lq}


# --------------------------------------------------------------------------- M/D/c
def mdc_by_chain(servers: int, lam: float, service: float, states: int = 3000) -> dict[str, float]:
    """M/D/c exactly (Crommelin's argument): the number in system Q at any t and at t + D obey
    Q(t + D) = max(Q(t) - c, 0) + A, A ~ Poisson(lam D) (those in service at t have left by
    t + D, those waiting at t are all still there, and the arrivals of (t, t + D] are), so the
    time-stationary law of Q is the stationary law of that chain. Then Lq = E[Q] - lam D (the
    mean busy servers) and Wq = Lq / lam by Little."""
    m = lam * service
    c = servers
    n = np.arange(states + 1)
    pmf = stats.poisson.pmf(np.arange(states + c + 1), m)
    P = np.zeros((states + 1, states + 1))
    for q in range(states + 1):
        base = max(q - c, 0)
        P[q, base:] = pmf[: states + 1 - base]
        P[q, -1] += 1.0 - P[q].sum()  # the tail beyond the truncation, lumped (negligible)
    pi = stationary(P)
    assert pi[-50:].sum() < 1e-12, "truncation too short"
    lq = float(pi @ n) - m
    return {"wait": lq / lam, "lq": lq, "p_wait": float(pi[c:].sum())}


def stationary(P: np.ndarray) -> np.ndarray:
    """The stationary row vector of a stochastic matrix: pi (P - I) = 0 with sum pi = 1 in place
    of one balance equation, solved directly."""
    k = P.shape[0]
    A = (P - np.eye(k)).T
    A[-1, :] = 1.0  # one balance equation is redundant: normalisation in its place
    b = np.zeros(k)
    b[-1] = 1.0
    pi = np.linalg.solve(A, b)
    assert pi.min() > -1e-12, "not a stationary distribution"
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


# --------------------------------------------------------------------------- M/G/1
def pk_wait(lam: float, mean: float, second_moment: float) -> float:
    """Pollaczek-Khinchine: Wq = lam E[S^2] / (2 (1 - rho))."""
    rho = lam * mean
    assert rho < 1
    return lam * second_moment / (2.0 * (1.0 - rho))


# --------------------------------------------------------------------------- bulk service
def backlog_matrix(mean_arrivals: float, capacity: int, states: int) -> np.ndarray:
    """The backlog chain B' = max(B + A - C, 0), A ~ Poisson(``mean_arrivals``), C =
    ``capacity``, on 0..``states`` (the tail beyond lumped into the last state)."""
    C = capacity
    P = np.zeros((states + 1, states + 1))
    pmf = stats.poisson.pmf(np.arange(states + C + 1), mean_arrivals)
    cdf = np.cumsum(pmf)
    k = np.arange(1, states + 1)
    for b in range(states + 1):
        # B' = 0 when A <= C - b; B' = k >= 1 when A = k + C - b
        if C - b >= 0:
            P[b, 0] = cdf[C - b]
        idx = k + C - b
        ok = idx >= 0
        P[b, k[ok]] = pmf[idx[ok]]
        P[b, -1] += max(0.0, 1.0 - P[b].sum())
    return P


def bulk_wait(headway: float, capacity: int, lam: float, states: int | None = None) -> dict[str, float]:
    """Poisson(lam) units, a departure every ``headway`` taking up to ``capacity`` of them,
    first come first served.

    The backlog just after a departure is the chain B' = max(B + A - C, 0), A ~ Poisson(lam T).
    A unit arriving u after a departure finds B (stationary, independent of the arrivals
    after it) and j earlier arrivals of its own interval, j ~ Poisson(lam u); it is number
    B + j + 1 in line, so it leaves on departure ceil((B + j + 1) / C) after its arrival: it
    waits T - u + (ceil((B + j + 1) / C) - 1) T. Poisson arrivals fall uniformly in the
    interval, and over u ~ U(0, T), P(j = n) = P(Poisson(lam T) > n) / (lam T).
    Returns the mean wait, P(not on the first departure) and the mean backlog after a departure.
    """
    m = lam * headway
    C = capacity
    if states is None:
        states = int(20 * C + m + 40 * math.sqrt(m) + 400)
    pi = stationary(backlog_matrix(m, C, states))
    assert pi[-20:].sum() < 1e-12, "truncation too short"
    ahead = np.arange(states + 1)  # earlier arrivals of the unit's own interval
    pj = stats.poisson.sf(ahead, m) / m
    assert 1.0 - pj.sum() < 1e-12
    backlog = np.arange(states + 1)
    extra = np.ceil((backlog[:, None] + ahead[None, :] + 1) / C) - 1.0
    mean_extra = float(pi @ extra @ pj)
    missed = float(pi @ (extra > 0) @ pj)
    return {"wait": headway / 2 + headway * mean_extra, "missed": missed, "backlog": float(pi @ backlog)}


def bulk_plain_loop(headway: float, capacity: int, lam: float, departures: int,
                    rng: np.random.Generator) -> tuple[float, float]:
    """The same system as a plain loop, departure by departure: mean wait and share missed."""
    queue: list[float] = []  # arrival times waiting, in order
    waits, missed, t0 = [], 0, 0.0
    for k in range(1, departures + 1):
        t = k * headway
        n = rng.poisson(lam * headway)
        queue.extend(sorted(rng.uniform(t0, t, n).tolist()))
        t0 = t
        take, queue = queue[:capacity], queue[capacity:]
        for a in take:
            waits.append(t - a)
            missed += (t - a) > headway
    return float(np.mean(waits)), missed / len(waits)


# --------------------------------------------------------------------------- dispatch at a cut-off
def cutoff_wait(lam: float, capacity: int, cutoff: float) -> dict[str, float]:
    """A vehicle of ``capacity`` leaves when full or ``cutoff`` after its first unit arrived
    (Poisson(lam) units). Each vehicle's story starts afresh at its first unit: with N(s) the
    later arrivals in (0, s], it leaves at min(cutoff, the (C-1)th of them), so its units wait
    E int_0^cutoff (1 + N(s)) 1{N(s) < C - 1} ds in all, over a load of 1 + E min(C - 1, N(cutoff))."""
    from scipy import integrate

    n = np.arange(max(capacity - 1, 0))

    def present(s: float) -> float:
        return float(np.sum((1 + n) * stats.poisson.pmf(n, lam * s)))

    total = integrate.quad(present, 0.0, cutoff, limit=200, epsabs=1e-10, epsrel=1e-10)[0]
    k = np.arange(capacity)
    size = 1.0 + float(np.sum(np.minimum(k, capacity - 1) * stats.poisson.pmf(k, lam * cutoff))
                       + (capacity - 1) * stats.poisson.sf(capacity - 1, lam * cutoff))
    return {"wait": total / size, "load": size}


def cutoff_plain_loop(lam: float, capacity: int, cutoff: float, units: int,
                      rng: np.random.Generator) -> float:
    """The same, unit by unit: the mean wait."""
    arrivals = np.cumsum(rng.exponential(1.0 / lam, units))
    waits: list[float] = []
    k = 0
    while k < units:
        first = arrivals[k]
        batch = [first]
        k += 1
        while k < units and len(batch) < capacity and arrivals[k] <= first + cutoff:
            batch.append(arrivals[k])
            k += 1
        leave = batch[-1] if len(batch) == capacity else first + cutoff
        waits.extend(leave - a for a in batch)
    return float(np.mean(waits))


# --------------------------------------------------------------------------- closures
def closed_station_plain_loop(servers: int, lam: float, service, closed: tuple[float, float],  # noqa: ANN001
                              customers: int, rng: np.random.Generator) -> dict[str, float]:
    """c servers, FCFS, Poisson(lam); the station shut [a, b) minutes into every day: a vehicle
    takes the server that frees first and starts at the first open moment at or after
    max(arrival, that server free); a service under way when a closure starts goes on.
    ``service(rng, n)`` draws n service times. Mean wait, utilisation over the run."""
    a, b = closed
    arrivals = np.cumsum(rng.exponential(1.0 / lam, customers))
    work = service(rng, customers)
    free = [0.0] * servers
    total_wait = 0.0
    for t, s in zip(arrivals.tolist(), work.tolist(), strict=True):
        k = min(range(servers), key=free.__getitem__)
        start = max(t, free[k])
        day = math.floor(start / 1440.0)
        if a <= start - day * 1440.0 < b:
            start = day * 1440.0 + b
        free[k] = start + s
        total_wait += start - t
    return {"wait": total_wait / customers, "utilisation": float(work.sum() / (servers * arrivals[-1]))}


# --------------------------------------------------------------------------- daily departure paths
def paths_wait(per_day: int, lam: float, day: float = 1440.0, nodes: int = 120) -> dict[str, float]:
    """Units that each leave at once on one of ``per_day`` departure paths a day, or, when the
    day's are taken, on the first path of a later day (at its start), first come first served.
    The backlog at the start of a day is the chain B' = max(B + A - N, 0), A ~ Poisson(lam day).
    A unit arriving u into the day with j earlier arrivals that day is number k = B + j + 1 in
    line: it leaves at once if k <= N, else at the start of day ceil(k / N) - 1 after its own,
    waiting day - u + (ceil(k / N) - 2) day. Averaged over u ~ U(0, day) (Gauss-Legendre), j ~
    Poisson(lam u) given u. Returns the mean wait and the share that wait."""
    N = per_day
    m = lam * day
    states = int(12 * N + m + 40 * math.sqrt(m) + 300)
    pi = stationary(backlog_matrix(m, N, states))
    x, w = np.polynomial.legendre.leggauss(nodes)
    us, ws = (x + 1) * day / 2, w / 2  # nodes in (0, day), weights summing to 1
    line = np.arange(states + 1)
    wait = waited = 0.0
    for u, wu in zip(us, ws, strict=True):
        pj = stats.poisson.pmf(line, lam * u)
        k = line[:, None] + line[None, :] + 1
        days_on = np.ceil(k / N)
        late = days_on >= 2
        wait += wu * float(pi @ np.where(late, day - u + (days_on - 2) * day, 0.0) @ pj)
        waited += wu * float(pi @ late @ pj)
    return {"wait": wait, "waited": waited}


def welch_check(sim, ref, what: str, *, width: float = 0.25, level: float = 0.999) -> str:  # noqa: ANN001
    """'' if two independent sets of replications (the engine's, a plain loop's) agree in mean
    by Welch's t-interval at ``level``, and the interval is under ``width`` x the reference's
    mean either side; else what went wrong."""
    a, b = np.asarray(sim, dtype=float), np.asarray(ref, dtype=float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    diff = float(a.mean() - b.mean())
    if abs(diff) > half:
        return (f"{what}: engine {a.mean():.5g}, plain loop {b.mean():.5g}; "
                f"difference {diff:.4g} +- {half:.3g}")
    if half >= width * abs(b.mean()):
        return f"{what}: interval of the difference +-{half:.3g} too wide for {b.mean():.5g}"
    return ""


def two_stop_plain_loop(headway: float, capacity: int, lam_first: float, lam_second: float, offset: float,
                        departures: int, rng: np.random.Generator) -> tuple[float, float]:
    """A train every ``headway`` from A (at k T) calls at M ``offset`` later and goes on to B;
    Poisson(lam_first) units at A for B, Poisson(lam_second) at M for B; each stop's units board
    first come first served into the room left. Mean wait of each stop's units."""
    queue_a: list[float] = []
    queue_m: list[float] = []
    waits_a: list[float] = []
    waits_m: list[float] = []
    last_a = last_m = 0.0
    for k in range(1, departures + 1):
        t_a, t_m = k * headway, k * headway + offset
        queue_a += sorted(rng.uniform(last_a, t_a, rng.poisson(lam_first * (t_a - last_a))).tolist())
        queue_m += sorted(rng.uniform(last_m, t_m, rng.poisson(lam_second * (t_m - last_m))).tolist())
        last_a, last_m = t_a, t_m
        take, queue_a = queue_a[:capacity], queue_a[capacity:]
        waits_a += [t_a - x for x in take]
        room = capacity - len(take)
        take, queue_m = queue_m[:room], queue_m[room:]
        waits_m += [t_m - x for x in take]
    return float(np.mean(waits_a)), float(np.mean(waits_m))


def bulk_wait_cyclic(intervals: list[float], capacity: int, lam: float) -> dict[str, float]:
    """bulk_wait with departures a repeating cycle of gaps apart (``intervals[i]``: from
    departure i to the next). The backlog after departure i is a periodic chain: at the first,
    the stationary law of the product of the gaps' transition matrices; after each, that law
    times its gap's matrix. A unit arriving in gap i, with j earlier arrivals of that gap (j ~
    Poisson(lam u), u uniform in the gap), is number B + j + 1 in line and leaves on the k-th
    departure after its arrival, k = ceil((B + j + 1) / C): it waits the rest of its gap, on
    average half of it, and the k - 1 gaps after. Averaged over the gaps by their lengths."""
    C, n = capacity, len(intervals)
    mean_gap = float(np.mean(intervals))
    m_max = lam * max(intervals)
    states = int(30 * C + 8 * m_max + 40 * math.sqrt(m_max) + 400)
    mats = [backlog_matrix(lam * gap, C, states) for gap in intervals]
    cycle = np.eye(states + 1)
    for P in mats:
        cycle = cycle @ P
    pi = stationary(cycle)
    assert pi[-20:].sum() < 1e-12, "truncation too short"
    line = np.arange(states + 1)
    total = 0.0
    for i, gap in enumerate(intervals):
        pj = stats.poisson.sf(line, lam * gap) / (lam * gap)
        k = np.ceil((line[:, None] + line[None, :] + 1) / C).astype(int)
        after = np.r_[0.0, np.cumsum([intervals[(i + m) % n] for m in range(1, int(k.max()) + 1)])]
        total += gap * (gap / 2 + float(pi @ after[k - 1] @ pj))
        pi = pi @ mats[i]
    return {"wait": total / (n * mean_gap)}
