"""A saturation curve as terminal text, JSON, a plot, and a folder (throughput.json, tables,
plots/saturation.png, and runs/ for --resume)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corridor.analysis.throughput import MAX_UNDELIVERED_SHARE, ThroughputResult, share_percent
from corridor.analysis.warnings import MAX_RISE_DAYS
from corridor.kernels.stats import Estimate
from corridor.report.figures import error_bars, png, pyplot
from corridor.report.files import write_table
from corridor.report.results import strict
from corridor.report.sweep_out import failure_lines, finish_folder, metadata
from corridor.report.tables import cut_at_zero, cut_share, format_table


def _pm(e: Estimate | None, digits: int, scale: float = 1.0, *, signed: bool = False) -> str:
    """Mean ± half-width; for a figure that cannot be negative (``signed`` False), an interval
    passing below 0 as ``mean (0-high)``, cut there, as run's tables give it: no station's
    "11 ±119" TEU a week over 2 replications.

    >>> _pm(Estimate(11.0, 108.0, 2, 0.95), 0), _pm(Estimate(-0.5, 2.0, 2, 0.95), 1, signed=True)
    ('11 (0-119)', '-0.5 ±2.0')
    """
    if e is None or not math.isfinite(e.mean):
        return "-"
    text = f"{e.mean * scale:,.{digits}f}"
    if math.isfinite(e.half_width):
        cut = None if signed else cut_at_zero(e.mean * scale, e.low * scale, e.high * scale,
                                              lambda x: f"{x:,.{digits}f}")
        if cut is not None:
            return cut
        text += f" ±{e.half_width * scale:,.{digits}f}"
    return text


def _busy(e: Estimate | None) -> str:
    """A utilisation in percent as :func:`_pm` gives it, or, when its interval passes 0 or
    100%, as ``mean (low-high)`` cut there."""
    cut = cut_share(e.mean, e.low, e.high) if e is not None else None
    return cut if cut is not None else _pm(e, 0, 100.0)


def throughput_text(res: ThroughputResult) -> str:
    sw = res.sweep
    n = len(res.steps)
    lines = []
    if res.settings:
        changed = ", ".join(f"{path}={value}" for path, value in res.settings.items())
        lines += [f"{res.scenario} with {changed} (--set), at every step", ""]
    lines += [res.verdict(), "",
              f"{res.scenario}: {n} step{'s' if n != 1 else ''} x {sw.replications} "
              f"replication{'s' if sw.replications != 1 else ''} (seed {sw.seed}) on {sw.executor}: "
              f"{len(sw.runs)} run{'s' if len(sw.runs) != 1 else ''}"
              + (f" ({sum(r.reused for r in sw.runs)} read back)" if any(r.reused for r in sw.runs) else "")
              + (f" ({sw.damaged} kept run{'s' if sw.damaged != 1 else ''} damaged or edited: run again)"
                 if sw.damaged else "")
              + (f", {len(sw.failures)} failed" if sw.failures else "") + f", {sw.seconds:,.1f} s",
              f"Sustainable: no queue growing without bound (in most replications), at most "
              f"{MAX_UNDELIVERED_SHARE:.0%} of containers undelivered, mean transit within {res.bound}, "
              f"door to door rising by no more than {MAX_RISE_DAYS:g} day across the window.", ""]
    rows = []
    for s in res.steps:
        b = s.bottleneck
        rows.append([f"x{s.scale:g}", f"{s.offered_teu_per_week:,.0f}", _pm(s.delivered_teu_per_week, 0),
                     _pm(s.transit_days, 1 if s.transit_days is None or s.transit_days.mean >= 10 else 2),
                     _pm(s.door_to_door_rise_at_least_days, 1, signed=True),
                     "-" if not math.isfinite(s.undelivered_share) else share_percent(s.undelivered_share),
                     b or "-", _busy(s.utilisation.get(b) if b else None),
                     "yes" if s.sustainable else ("failed" if s.failed else "no")])
    lines.append(format_table(["scale", "offered TEU/wk", "delivered TEU/wk", "transit days", "rise days",
                               "undelivered", "bottleneck", "busy %", "sustainable"], rows,
                              title="Per step: mean ± half-width of its 95% interval "
                                    "(mean (low-high) when it passes 0, or 100% for busy %, cut "
                                    "there)"))
    lines.append("offered: the cargo demand of the statistics window, with its seasons; delivered: what "
                 "reached its destination in the window, which follows what was offered by the transit "
                 "(so less when the season grows through the window)")
    lines.append("rise: door to door of containers created in the window's last quarter minus its "
                 "first's (days of rise: a backlog growing through the window, at the origin too); at "
                 "least that where some were still on the way at the end (counted with their time so far)")
    stations = res.through_stations()
    ran = [s for s in res.steps if s.failed is None]
    if stations and ran:
        lines += ["", format_table(
            ["station", *(f"x{s.scale:g}" for s in ran)],
            [[name, *(_pm(s.station_teu_per_week.get(name), 0) for s in ran)] for name in stations],
            title="TEU a week of the scenario's containers reaching each station (outside traffic not "
                  "counted): where the cargo goes as it grows")]
    why = [f"x{s.scale:g}: {s.failed or s.why}" for s in res.steps if not s.sustainable]
    if why:
        lines += ["", "Not sustainable:"] + [f"  {w}" for w in why]
    failures = [f for f in failure_lines(res.sweep) if "replication" in f]
    if failures:
        lines += [""] + failures
    return "\n".join(lines)


def _est(e: Estimate | None) -> dict[str, float] | None:
    return None if e is None else {"mean": e.mean, "low": e.low, "high": e.high, "n": e.n}


def throughput_json(res: ThroughputResult, meta: dict[str, Any]) -> dict[str, Any]:
    """What throughput.json and --json hold: the verdict, the bound, and every step."""
    limit = res.steps[res.limit] if res.limit is not None else None
    return strict({
        **meta,
        "settings": res.settings,
        "verdict": res.verdict(),
        "max_transit_days": res.max_transit_days if math.isfinite(res.max_transit_days) else None,
        "transit_bound": res.bound,
        "max_undelivered_share": MAX_UNDELIVERED_SHARE,
        "sustainable_teu_per_week": _est(limit.delivered_teu_per_week) if limit else None,
        "sustainable_scale": limit.scale if limit else None,
        "saturated_within_grid": res.saturated,
        "steps": [{"scale": s.scale, "offered_teu_per_week": s.offered_teu_per_week,
                   "delivered_teu_per_week": _est(s.delivered_teu_per_week),
                   "transit_days": _est(s.transit_days),
                   "door_to_door_rise_at_least_days": _est(s.door_to_door_rise_at_least_days),
                   "undelivered_share": s.undelivered_share,
                   "bottleneck": s.bottleneck,
                   "utilisation": {k: _est(e) for k, e in sorted(s.utilisation.items())},
                   "station_teu_per_week": {k: _est(e) for k, e in sorted(s.station_teu_per_week.items())},
                   "growing": list(s.growing), "sustainable": s.sustainable,
                   "why": s.why or None, "failed": s.failed}
                  for s in res.steps],
        "failures": [{"scale": res.sweep.combinations[f.combination].values["scale"],
                      "replication": f.replication, "reason": f.reason} for f in res.sweep.failures],
    })


#: the transit bound is drawn when at most this many times the highest transit plotted
BOUND_DRAWN = 10.0


def saturation_plot(res: ThroughputResult) -> bytes | None:
    """Delivered throughput and transit against offered load, and the bottleneck's
    utilisation; 95% intervals as bars; the sustainable limit marked."""
    ran = [s for s in res.steps if s.delivered_teu_per_week is not None]
    if not ran:
        return None
    plt = pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(8.5, 9.0), sharex=True)
    x = [s.offered_teu_per_week for s in ran]

    def bars(ax: Any, values: list[Estimate | None], scale: float = 1.0, ceiling: float | None = None,
             **kw: Any) -> None:
        """Means with their intervals cut at 0 (and ``ceiling``), as the tables cut them."""
        pts = [(xi, e) for xi, e in zip(x, values, strict=True) if e is not None and math.isfinite(e.mean)]
        if pts:
            yerr = error_bars([p[1].mean for p in pts], [p[1].low for p in pts], [p[1].high for p in pts],
                              ceiling=ceiling)
            ax.errorbar([p[0] for p in pts], [p[1].mean * scale for p in pts],
                        yerr=[[v * scale for v in side] for side in yerr],
                        marker="o", ms=4, capsize=3, lw=1.3, **kw)

    top, mid, low = axes
    bars(top, [s.delivered_teu_per_week for s in ran], label="delivered")
    top.plot([0, max(x)], [0, max(x)], color="grey", lw=0.8, ls=":", label="delivered = offered")
    top.set_ylabel("TEU a week delivered")
    bars(mid, [s.transit_days for s in ran], color="tab:orange", label="mean transit")
    transits = [e.high if math.isfinite(e.high) else e.mean for e in (s.transit_days for s in ran)
                if e is not None and math.isfinite(e.mean)]  # one replication: no interval
    # a bound far above every transit (--max-transit-days 1e308: none, in effect) is named, not
    # drawn: the axis would run up to it (overflowing matplotlib at 1e308) and flatten the curve
    if math.isfinite(res.max_transit_days) and res.max_transit_days <= max([*transits, 1.0]) * BOUND_DRAWN:
        mid.axhline(res.max_transit_days, color="tab:red", lw=0.9, ls="--", label="bound")
    elif math.isfinite(res.max_transit_days):
        mid.plot([], [], color="tab:red", lw=0.9, ls="--",
                 label=f"bound {res.max_transit_days:,.3g} days (off the scale)")
    mid.set_ylabel("container transit, days")
    for name in sorted({s.bottleneck for s in ran if s.bottleneck}):
        bars(low, [s.utilisation.get(name) for s in ran], 100.0, ceiling=1.0, label=name)
    low.axhline(100, color="grey", lw=0.8, ls=":")
    low.set_ylabel("utilisation, %")
    low.set_xlabel("cargo offered, TEU a week")
    if res.limit is not None:
        for ax in axes:
            ax.axvline(res.steps[res.limit].offered_teu_per_week, color="tab:green", lw=1.0, ls="--")
        top.plot([], [], color="tab:green", ls="--", label="highest sustainable step")
    for ax in axes:
        ax.grid(True, lw=0.3, alpha=0.6)
        if ax.get_legend_handles_labels()[0]:  # no station, no bottleneck: nothing to name
            ax.legend(fontsize=8)
    top.set_title(f"{res.scenario}: saturation curve (mean, 95% interval)")
    return png(fig)


def write_throughput(res: ThroughputResult, out: Path, paths: list[Path],
                     allow_paths: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """throughput.json, tables/ (steps, utilisation, runs as CSV and Parquet) and
    plots/saturation.png into ``out``, beside its runs/; the names written."""
    def build(tmp: Path) -> None:
        meta = metadata(res.sweep, paths, allow_paths)
        text = json.dumps(throughput_json(res, meta), indent=2, allow_nan=False)
        (tmp / "throughput.json").write_text(text + "\n", encoding="utf-8")
        tables = tmp / "tables"
        tables.mkdir()
        write_table(res.to_frame(), tables, "steps")
        write_table(res.utilisation_frame(), tables, "utilisation")
        write_table(res.sweep.to_frame("runs"), tables, "runs")
        write_table(res.sweep.to_frame("failures"), tables, "failures")
        picture = saturation_plot(res)
        if picture is not None:
            (tmp / "plots").mkdir()
            (tmp / "plots" / "saturation.png").write_bytes(picture)

    return finish_folder(out, build)
