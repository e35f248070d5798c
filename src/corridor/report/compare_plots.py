"""The pictures of a comparison, as PNG bytes (to embed in the HTML report and to save).

* door-to-door time of passengers, as a cumulative distribution per scenario;
* the week profiles (door to door for every departure minute) of a passenger flow, overlaid;
* the distribution of container transit times per scenario;
* the queue (vehicles waiting) over time at the busiest station, per scenario.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corridor.kernels.timeseries import step_levels
from corridor.report.figures import png, pyplot
from corridor.simulation.entities import Status
from corridor.units import MIN_PER_DAY, MIN_PER_HOUR


def _figure(width: float = 9.0, height: float = 4.2) -> Any:
    return pyplot().subplots(figsize=(width, height))


def _finish(fig: Any, ax: Any, xlabel: str, ylabel: str, title: str) -> bytes:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, lw=0.3, alpha=0.6)
    ax.legend()
    return png(fig)


class _Overlay:
    """The series of one plot, drawn one over another: a series equal to one already drawn
    (a scenario that leaves this part of the network as it was, on common random numbers)
    says so in the legend and is drawn dashed, so the one beneath still shows."""

    def __init__(self) -> None:
        self._drawn: list[tuple[str, list[np.ndarray]]] = []

    def style(self, name: str, *data: np.ndarray) -> dict[str, Any]:
        """The label and line style to draw ``name``'s series (its arrays ``data``) with."""
        arrays = [np.asarray(d) for d in data]
        same = next((earlier for earlier, seen in self._drawn
                     if len(seen) == len(arrays) and all(np.array_equal(a, b, equal_nan=True)
                                                         for a, b in zip(seen, arrays, strict=True))), None)
        self._drawn.append((name, arrays))
        return {"label": name} if same is None else {"label": f"{name} (the same as {same})", "ls": "--"}


def _pooled(result: Any, what: str, *, pax: bool) -> np.ndarray:
    """Minutes ``door`` to door or in ``transit``, over every replication: delivered units of
    one kind created after warm-up."""
    out = []
    for rec in result.records:
        u = rec.units
        keep = (u["pax"] == pax) & (u["status"] == Status.DELIVERED) & (u["created_min"] >= rec.warmup_min)
        start = u["created_min"] if what == "door" else u["first_departure_min"]
        out.append((u["arrival_min"] - start)[keep])
    return np.concatenate(out) if out else np.empty(0)


def door_to_door_cdf(comp: Any) -> bytes | None:
    fig, ax = _figure()
    drawn, overlay = False, _Overlay()
    for name, res in zip(comp.names, comp.results, strict=True):
        hours = np.sort(_pooled(res, "door", pax=True)) / MIN_PER_HOUR
        if hours.size:
            ax.step(hours, np.arange(1, hours.size + 1) / hours.size, where="post",
                    **overlay.style(name, hours))
            drawn = True
    if not drawn:
        import matplotlib.pyplot as plt

        plt.close(fig)
        return None
    return _finish(fig, ax, "door to door from the wished time, hours (waits for a departure, "
                   "delays and missed connections included)",
                   "share of passengers", "Passengers: door-to-door time, simulated")


def profiles_overlay(comp: Any) -> bytes | None:
    deltas = [d for ds in comp.profiles.values() for d in ds if d.unit == "pax"]
    if not deltas:
        return None
    first = deltas[0]
    fig, ax = _figure(10.0, 4.2)
    days = np.arange(first.base_total_min.size) / MIN_PER_DAY
    overlay = _Overlay()
    ax.step(days, first.base_total_min / MIN_PER_HOUR, where="post", lw=1.1,
            **overlay.style(comp.base, first.base_total_min))
    for name, ds in comp.profiles.items():
        for d in ds:
            if (d.origin, d.target, d.unit) == (first.origin, first.target, first.unit):
                ax.step(days, d.other_total_min / MIN_PER_HOUR, where="post", lw=1.1,
                        **overlay.style(name, d.other_total_min))
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, f"departure: days from {first.depart[0] if first.depart else 'the start'} "
                   f"(local at {first.origin})", "hours to arrival, wait included",
                   f"{first.origin} -> {first.target}: earliest arrival for every departure minute of a week")


def cargo_transit(comp: Any) -> bytes | None:
    series = [(name, _pooled(res, "transit", pax=False)) for name, res in zip(comp.names, comp.results,
                                                                              strict=True)]
    series = [(n, v) for n, v in series if v.size]
    if not series:
        return None
    fig, ax = _figure()
    lo, hi = min(v.min() for _, v in series), max(v.max() for _, v in series)
    if hi - lo < 1.0:  # one transit time for all, to rounding: bins of no width drew nothing
        mid = (lo + hi) / 2  # (density 0 / 0), or of 1e-13 days, a density of 6e15
        lo, hi = mid - MIN_PER_HOUR, mid + MIN_PER_HOUR
    edges = np.linspace(lo, hi, 50) / MIN_PER_DAY
    overlay = _Overlay()
    for name, v in series:
        ax.hist(v / MIN_PER_DAY, bins=edges, histtype="step", lw=1.3, density=True,
                **overlay.style(name, np.sort(v)))
    return _finish(fig, ax, "container transit, days (first departure to arrival)", "density",
                   "Containers: transit-time distribution, simulated")


def station_queue(comp: Any) -> tuple[str, bytes] | None:
    base = comp.results[0]
    waits = {name: np.mean([k["stations"][name]["mean_queue"] for k in base.kpis])
             for name in base.kpis[0]["stations"]}
    if not waits:
        return None
    busiest = max(waits, key=lambda n: waits[n])
    fig, ax = _figure()
    overlay = _Overlay()
    for name, res in zip(comp.names, comp.results, strict=True):
        rec = res.records[0]
        log = rec.stations.get(busiest)
        if log is None:
            continue
        started = log["start_min"] < rec.end_min
        t, q = step_levels(np.r_[log["arrive_min"], log["start_min"][started]],
                           np.r_[np.ones(log["arrive_min"].size), -np.ones(started.sum())])
        ax.step(t / MIN_PER_DAY, q, where="post", lw=0.9, **overlay.style(name, t, q))
    ax.axvline(base.records[0].horizon_min / MIN_PER_DAY, color="grey", lw=0.8, ls="--")
    return busiest, _finish(fig, ax, "days from the start of the run (dashed: end of demand)",
                            "vehicles waiting", f"Queue at {busiest}, replication 0")


def all_plots(comp: Any) -> dict[str, bytes]:
    """File name -> PNG bytes, for the plots that have something to show."""
    out: dict[str, bytes] = {}
    for name, make in (("door_to_door_cdf.png", door_to_door_cdf), ("week_profiles.png", profiles_overlay),
                       ("cargo_transit.png", cargo_transit)):
        png = make(comp)
        if png is not None:
            out[name] = png
    queue = station_queue(comp)
    if queue is not None:
        out["station_queue.png"] = queue[1]
    return out
