"""Plot of total travel time against departure time across the profile's span."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from corridor.planning.api import ProfileResult
from corridor.report.figures import pyplot
from corridor.report.files import write_atomically


def draw_profile(results: list[ProfileResult], out: Path, *, labels: list[str] | None = None) -> None:
    """One step line per result: hours from ready to arrival, against local departure time."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(12, 5))
    for k, res in enumerate(results):
        prof = res.profile
        days = (prof.ready_min - prof.ready_min[0]) / 1440.0
        hours = np.where(np.isfinite(prof.total_min), prof.total_min / 60.0, np.nan)
        label = labels[k] if labels else f"{res.origin} -> {res.target}"
        ax.step(days, hours, where="post", lw=1.2, label=label)
    first = results[0]
    start = first.start
    span_days = first.profile.ready_min.size * first.step_min / 1440
    # ticks at local midnights at the origin
    first_midnight = (24 - start.hour - start.minute / 60) % 24 / 24
    ticks = np.arange(first_midnight, span_days + 1e-9, 1.0)
    ax.set_xticks(ticks)
    ax.set_xticklabels([(start + dt.timedelta(days=float(d))).strftime("%a %d %b") for d in ticks],
                       fontsize=8)
    ax.set_xlabel(f"departure, local time at {first.origin} (from {start.strftime('%Y-%m-%d %H:%M %z')})")
    ax.set_ylabel("hours to arrival, wait included")
    ax.grid(True, lw=0.3, alpha=0.6)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    ax.set_title(f"{first.origin} -> {first.target}: earliest arrival for each departure time")
    fig.tight_layout()
    try:
        fmt = Path(out).suffix.lstrip(".")
        write_atomically(Path(out), lambda tmp: fig.savefig(tmp, dpi=120, format=fmt))
    finally:
        plt.close(fig)
