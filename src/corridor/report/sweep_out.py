"""A sweep as terminal text, JSON, and a folder: sweep.json, tidy tables (CSV and Parquet),
a plot of each headline KPI against each swept setting.

The folder also keeps every finished run in ``runs/`` (one JSON file each, written the moment
it arrives), so ``--resume`` can finish an interrupted sweep without redoing them. The
results are built in a temporary folder beside them and moved into place whole at the end.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor.analysis.compare import HEADLINE_KPIS
from corridor.analysis.sweep import RunStore, SweepResult
from corridor.analysis.warnings import MIN_BACKLOG_DAYS, rising_backlog_in
from corridor.errors import CorridorError
from corridor.report.compare_out import scenario_files
from corridor.report.figures import error_bars, png, pyplot
from corridor.report.files import cannot_write, drop_stale, umask, working_folder, write_table
from corridor.report.results import check_out, strict
from corridor.report.tables import cut_at_zero, cut_share, format_table_in_parts

RUNS = "runs"  # the folder of finished runs inside --out


#: The file each command that keeps runs writes its results to.
RESULT_FILES = {"sweep": "sweep.json", "throughput": "throughput.json"}


def open_store(out: Path, *, resume: bool, command: str = "sweep") -> RunStore:
    """Where a sweep keeps its runs, after checking ``out``: new or empty, or with ``resume``
    a folder a sweep (``command``: or throughput) wrote before (its runs are read back, not run
    again). A folder with the other command's results is not resumed: the two would share
    tables/ and plots/, and its results file would describe tables no longer there."""
    out = Path(out)
    try:
        kept = resume and out.is_dir() and any(out.iterdir())
    except OSError as exc:  # a name too long for the system, a folder it may not read
        raise cannot_write(out, exc) from None
    if kept:
        if not (out / RUNS).is_dir():
            raise CorridorError(f"{out} holds no sweep's runs (no {RUNS}/ folder in it); --resume continues "
                                "a sweep or throughput run stored there")
        for other, name in RESULT_FILES.items():
            if other != command and (out / name).exists():
                raise CorridorError(f"{out} holds the results of corridor {other} ({name}); --resume "
                                    f"continues a {command} stored there: choose another --out")
        store = RunStore(out / RUNS, command, finished=(out / RESULT_FILES[command]).exists())
        kept_by = store.kept_by()
        if kept_by is not None and kept_by not in RESULT_FILES:  # not one this tool writes
            raise CorridorError(f"{out / RUNS / store.COMMAND_FILE} is damaged (it names no command "
                                "corridor writes there): choose another --out, or remove the file "
                                "if its runs are this command's")
        if kept_by is not None and kept_by != command:  # interrupted: no results file to tell
            raise CorridorError(f"{out} holds the runs of an interrupted corridor {kept_by} ({RUNS}/); "
                                f"--resume continues a {command} stored there: finish it with corridor "
                                f"{kept_by} --resume, or choose another --out")
        if not os.access(out / RUNS, os.W_OK | os.X_OK):
            raise CorridorError(f"{out / RUNS}: cannot write there")
        return store
    try:
        check_out(out)
    except CorridorError as exc:
        if "already holds" in str(exc):
            raise CorridorError(f"{out} already holds results or other files; add --resume to finish the "
                                f"{command} stored there, or choose another --out") from None
        raise
    return RunStore(out / RUNS, command, fresh=True)


def metadata(result: SweepResult, paths: list[Path],
             allow_paths: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    from corridor import __version__

    return {
        "version": __version__,
        "scenario": result.scenario,
        "seed": result.seed,
        "replications": result.replications,
        "executor": result.executor,
        "files": {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in scenario_files(paths, allow_paths)},
    }


# short headers for the terminal table, by KPI
SHORT = {
    "passengers.door_to_door_h.mean": "pax d2d h",
    "passengers.on_the_way_h.mean": "pax on way h",
    "passengers.missed_connection_rate": "missed %",
    "passengers.undelivered_share": "pax undeliv. %",
    "cargo.transit_days.mean": "transit d",
    "cargo.door_to_door_days.mean": "cargo d2d d",
    "cargo.feu_per_week": "FEU/wk",
    "cargo.undelivered_share": "undelivered %",
    "totals.cost_usd": "M USD",
    "totals.co2_t": "units' CO2 t",
    "totals.vehicle_co2_t": "vehicles' CO2 t",
}


def headline_keys(result: SweepResult) -> list[tuple[str, str, float, str]]:
    """The headline KPIs (those of compare) that some combination has a number for; those of
    passengers or containers only where some combination created any."""
    summary = result.summary()

    def present(key: str) -> bool:
        return any(math.isfinite(s.get(key, {}).get("mean", math.nan)) and s[key]["mean"] > 0
                   for s in summary.values())

    out = []
    for key, label, scale, unit in HEADLINE_KPIS:
        kind = key.split(".")[0]
        if kind in ("passengers", "cargo") and not present(f"{kind}.created"):
            continue
        if any(math.isfinite(s.get(key, {}).get("mean", math.nan)) for s in summary.values()):
            out.append((key, label, scale, unit))
    out += _wait_keys(result, summary)
    # the airline's own figures for every passenger service with economics (a frequency sweep
    # asks about them first), with the market at which it would pay
    services = sorted({key.split(".")[1] for s in summary.values() for key in s
                       if key.startswith("airline.") and key.endswith(".load_factor")
                       and ".by_month." not in key})
    for service in services:
        out += [(f"airline.{service}.load_factor", f"{service} load", 100.0, "%"),
                (f"airline.{service}.profit_per_flight_usd", f"{service} profit", 1e-3, "k USD/flight"),
                (f"airline.{service}.break_even_market_per_week", f"{service} break-even market", 1.0,
                 "pax/week")]
    return out


#: a station's mean wait is a column of the sweep's table when it is a swept setting's place,
#: or when it moves across the combinations by at least this many minutes (the most such)
WAIT_SPREAD_MIN = 60.0
WAIT_COLUMNS = 2


def _wait_keys(result: SweepResult, summary: dict[int, dict[str, dict[str, float]]]
               ) -> list[tuple[str, str, float, str]]:
    """The mean wait at the stations the sweep is about: those a setting names
    (``places.MALASZEWICZE.servers``), then those whose wait moves most across the
    combinations, by an hour or more (a sweep that closed Poland's crossings showed no wait
    at all, the jam only in its tables)."""
    means: dict[str, list[float]] = {}
    for s in summary.values():
        for key, e in s.items():
            if key.startswith("stations.") and key.endswith(".mean_wait_min") and math.isfinite(e["mean"]):
                means.setdefault(key, []).append(e["mean"])
    moved = {key: max(v) - min(v) for key, v in means.items()}
    station = {key: key[len("stations."):-len(".mean_wait_min")] for key in moved}  # an id may hold dots
    keys: list[str] = []
    for col in result.columns:  # the longest id the path starts with (B.1's, not B's)
        named = [k for k in moved if col.startswith(f"places.{station[k]}.")]
        if named:
            keys.append(max(named, key=lambda k: len(station[k])))
    keys = list(dict.fromkeys(keys))
    keys += sorted((k for k, m in moved.items() if m >= WAIT_SPREAD_MIN and k not in keys),
                   key=lambda k: -moved[k])[:max(WAIT_COLUMNS - len(keys), 0)]
    return [(k, f"wait at {station[k]}", 1 / 60, "h") for k in keys]


def sweep_json(result: SweepResult, meta: dict[str, Any]) -> dict[str, Any]:
    """What sweep.json and --json hold: the settings, every combination with its KPI summary
    (mean, 95% interval, replications) and warnings, and what failed. Undefined intervals are null."""
    summary = result.summary()
    warned = combination_warnings(result)
    return strict({
        **meta,
        "settings": result.columns,
        "runs": len(result.runs),
        "reused": sum(r.reused for r in result.runs),
        "damaged": result.damaged,
        "combinations": [{"settings": c.text, "values": _json_values(c.values),
                          "replications": len(result.runs_of(k)),
                          "kpis": summary.get(k, {}), "warnings": warned.get(k, [])}
                         for k, c in enumerate(result.combinations)],
        "failures": [{"settings": result.combinations[f.combination].text, "replication": f.replication,
                      "reason": f.reason} for f in result.failures],
    })


def _json_values(value: Any) -> Any:
    """A combination's values as read (numbers as numbers, lists as lists), for JSON: a date
    or time as ISO 8601, anything else JSON has no type for as its text.

    >>> import datetime as dt
    >>> _json_values({"run.seed": 7, "x.days": ["Mon", "Wed"], "run.start": dt.date(2027, 3, 1)})
    {'run.seed': 7, 'x.days': ['Mon', 'Wed'], 'run.start': '2027-03-01'}
    """
    if isinstance(value, dict):
        return {str(k): _json_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_values(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _num(value: float, digits: int) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.{digits}f}"


#: the headline units whose figures may be negative (every other is a count, time, share, mass
#: or cost, which cannot)
SIGNED_UNITS = frozenset({"k USD/flight"})


def headline_cell(e: dict[str, float] | None, scale: float, unit: str) -> str:
    """A KPI's mean ± half-width in the sweep's table; an interval that passes 0, or 100% for a
    share (unit %), which the figure cannot pass, as ``mean (low-high)`` cut there, as run's
    tables show it (no "4.68 ±59.46" of a missed-connection rate, no "10.8 ±32.3" FEU a week).

    >>> headline_cell({"mean": 10.8, "low": -21.5, "high": 43.1, "n": 2}, 1.0, "FEU/wk")
    '10.8 (0.0-43.1)'
    >>> headline_cell({"mean": -3e3, "low": -9e3, "high": 3e3, "n": 2}, 1e-3, "k USD/flight")
    '-3.00 ±6.00'
    """
    if not e or not math.isfinite(e.get("mean", math.nan)):
        return "-"
    mean = e["mean"] * scale
    digits = 0 if abs(mean) >= 100 else 1 if abs(mean) >= 10 else 2
    if unit == "%" and scale == 100.0:
        cut = cut_share(e["mean"], e.get("low", math.nan), e.get("high", math.nan), digits)
        if cut is not None:
            return cut
    low, high = e.get("low", math.nan) * scale, e.get("high", math.nan) * scale
    cut = None if unit in SIGNED_UNITS else cut_at_zero(mean, low, high, lambda x: _num(x, digits))
    if cut is not None:
        return cut
    half = (e["high"] - e["mean"]) * scale
    return _num(mean, digits) + (f" ±{_num(half, digits)}" if math.isfinite(half) else "")


def varied(result: SweepResult) -> list[str]:
    """The settings given more than one value (all of them, if none was)."""
    out = [col for col in result.columns if len({c.text[col] for c in result.combinations}) > 1]
    return out or list(result.columns)


def failure_lines(result: SweepResult) -> list[str]:
    out = []
    for f in result.failures:
        what = result.combinations[f.combination].label()
        rep = "" if f.replication is None else f", replication {f.replication}"
        out.append(f"failed: {what}{rep}: {f.reason}")
    return out


def _failed(result: SweepResult) -> str:
    """What failed, by what it counts: whole combinations (refused before running) and runs."""
    whole = sum(f.replication is None for f in result.failures)
    runs = len(result.failures) - whole
    return "".join(f", {n} {noun}{'s' if n != 1 else ''} failed"
                   for n, noun in ((whole, "combination"), (runs, "run")) if n)


def sweep_text(result: SweepResult, *, out: Path | None = None, width: int | None = None) -> str:
    """The sweep's table of headline KPIs per combination, with its warnings and failures; with
    ``width`` (a terminal's columns), a table too wide for it is printed in parts that fit,
    each with the swept settings."""
    n_comb = len(result.combinations)
    reused = sum(r.reused for r in result.runs)
    lines = [f"{result.scenario}: {n_comb} combination{'s' if n_comb != 1 else ''} x "
             f"{result.replications} replication{'s' if result.replications != 1 else ''} "
             f"(seed {result.seed}) "
             f"on {result.executor}: {len(result.runs)} run{'s' if len(result.runs) != 1 else ''}"
             + (f" ({reused} read back from {out})" if reused and out is not None else "")
             + (f" ({result.damaged} kept run{'s' if result.damaged != 1 else ''} damaged or edited: "
                "run again)" if result.damaged else "")
             + _failed(result)
             + f", {result.seconds:,.1f} s", ""]
    keys = headline_keys(result)
    summary = result.summary()
    swept = varied(result)
    fixed = [col for col in result.columns if col not in swept]
    if fixed:  # one value each: said once, not in every row
        first = result.combinations[0]
        lines += [f"fixed: {', '.join(f'{col}={first.text[col]}' for col in fixed)}", ""]
    headers = [*swept, *[SHORT.get(key, f"{label} {unit}") for key, label, _, unit in keys]]
    rows = []
    for k, c in enumerate(result.combinations):
        if k in summary:
            rows.append([*[c.text[col] for col in swept],
                         *[headline_cell(summary[k].get(key), scale, unit) for key, _, scale, unit in keys]])
        else:
            blank = (["failed"] + ["-"] * (len(keys) - 1))[:len(keys)]
            rows.append([*[c.text[col] for col in swept], *blank])
    # never cut to fit: a cut number misleads
    title = ("Mean over replications ± half-width of its 95% interval" if result.replications > 1
             else "Of the one replication (no interval: give --replications 2 or more)")
    lines.append(format_table_in_parts(headers, rows, keep=len(swept), title=title, max_width=width))
    warnings = [f"warning: {result.combinations[k].label()}: {said}"
                for k, found in combination_warnings(result).items() for said in found]
    if warnings:
        lines += [""] + warnings
    if result.failures:
        lines += [""] + failure_lines(result)
    return "\n".join(lines)


def combination_warnings(result: SweepResult, limit: float = 0.01) -> dict[int, list[str]]:
    """Per combination that ran, what ``run`` would warn of in its figures: more than ``limit``
    of its passengers or containers undelivered (its times cover only the fastest), a backlog
    growing through the window, a station whose queue grew without bound in most of its
    replications, or that still had a day's backlog when demand stopped."""
    out: dict[int, list[str]] = {}
    for k, kpis in result.summary().items():
        found = []
        for kind, noun in (("cargo", "containers"), ("passengers", "passengers")):
            share = kpis.get(f"{kind}.undelivered_share", {}).get("mean", 0.0)
            if math.isfinite(share) and share > limit:
                found.append(f"{share:.0%} of the {noun} created were not delivered when the run ended; "
                             "its times leave them out (the slowest)")
        backlog = rising_backlog_in(kpis)
        if backlog:
            found.append(backlog)
        growing = sorted(key[len("stations."):-len(".growing")] for key, e in kpis.items()
                         if key.startswith("stations.") and key.endswith(".growing") and e["mean"] > 0.5)
        if growing:
            found.append(f"the queue at {', '.join(growing)} grew without bound in most replications "
                         "(corridor run names why)")
        backlog_days = {key[len("stations."):-len(".backlog_days")]: e["mean"] for key, e in kpis.items()
                        if key.startswith("stations.") and key.endswith(".backlog_days")}
        left = sorted(name for name, days in backlog_days.items()
                      if name not in growing and days >= MIN_BACKLOG_DAYS)
        if left:
            found.append(f"a backlog of a day or more was still queued at {', '.join(left)} when demand "
                         "stopped (a closure, or more traffic than it serves)")
        if found:
            out[k] = found
    return out


# ---- plots ---------------------------------------------------------------------------------

def setting_plot(result: SweepResult, column: str) -> bytes | None:
    """Every headline KPI against one swept setting: the mean with its 95% interval, a line
    for each combination of the other settings."""
    keys = headline_keys(result)
    summary = result.summary()
    if not keys or not summary:
        return None
    plt = pyplot()
    cols = min(len(keys), 3)
    rows = math.ceil(len(keys) / cols)
    # constrained: the figure's title above the panels' own (tight_layout set it over them)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False,
                             layout="constrained")
    numeric = result.numeric(column)
    texts = list(dict.fromkeys(c.text[column] for c in result.combinations))
    others, groups = lines_of(result, column)
    swept = [float(c.values[column]) for c in result.combinations] if numeric else []
    span = (min(swept), max(swept)) if swept else None
    shade = line_shades(result, others, groups) if len(groups) > MAX_NAMED_LINES else None
    for ax, (key, label, scale, unit) in zip(axes.flat, keys, strict=False):
        for name, members in groups.items():
            xs, found = [], []
            for k in members:
                e = summary.get(k, {}).get(key)
                if not e or not math.isfinite(e["mean"]):
                    continue
                c = result.combinations[k]
                xs.append(float(c.values[column]) if numeric else texts.index(c.text[column]))
                found.append(e)
            if xs:  # intervals cut as the table cuts them: a share at 0 and 100%, a count at 0
                yerr = error_bars([e["mean"] for e in found], [e.get("low", math.nan) for e in found],
                                  [e.get("high", math.nan) for e in found],
                                  floor=None if unit in SIGNED_UNITS else 0.0,
                                  ceiling=1.0 if unit == "%" and scale == 100.0 else None)
                ax.errorbar(xs, [e["mean"] * scale for e in found],
                            yerr=[[abs(v * scale) for v in side] for side in yerr],
                            marker="o", ms=4, capsize=3, lw=1.2, label=name or None,
                            **({"color": shade.colour(name)} if shade else {}))
        ax.set_title(f"{label}, {unit}", fontsize=10)
        ax.grid(True, lw=0.3, alpha=0.6)
        if not numeric:
            ax.set_xticks(range(len(texts)), texts, rotation=20 if len(texts) > 3 else 0, fontsize=8)
        elif span:  # every panel over the whole sweep, points missing or not (a break-even market
            # no fare reaches): one with a single point was drawn round it alone
            pad = 0.05 * (span[1] - span[0] or 1.0)
            ax.set_xlim(span[0] - pad, span[1] + pad)
        ax.set_xlabel(column, fontsize=8)
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    title = f"{result.scenario}: headline KPIs against {column} (mean, 95% interval)"
    if others and len(groups) <= MAX_NAMED_LINES:
        axes.flat[0].legend(fontsize=7)
    elif shade:  # too many lines to name: their colour reads the other setting's value off a scale
        fig.colorbar(shade.mappable(), ax=axes, label=others[0], shrink=0.8)
    elif others:
        title += f"\n{len(groups)} lines, one for each {' and '.join(others)}: too many to name"
    fig.suptitle(title, fontsize=11)
    return png(fig)


#: Lines a sweep's plot names in a legend; more are told apart by a colour scale, where one
#: numeric setting draws them, or said to be too many.
MAX_NAMED_LINES = 12


@dataclass(frozen=True)
class LineShades:
    """Each line's colour on a scale of the one other setting that draws the lines."""

    values: dict[str, float]  # a line's name: its value of that setting

    def _norm(self) -> Any:
        from matplotlib.colors import Normalize

        return Normalize(min(self.values.values()), max(self.values.values()))

    def colour(self, name: str) -> Any:
        from matplotlib import colormaps

        return colormaps["viridis"](self._norm()(self.values[name]))

    def mappable(self) -> Any:
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable

        return ScalarMappable(norm=self._norm(), cmap=colormaps["viridis"])


def line_shades(result: SweepResult, others: list[str], groups: dict[str, list[int]]) -> LineShades | None:
    """Colours for the lines of a plot when one numeric setting draws them (a 60 x 60 sweep's
    60 lines, which no legend can name); None for lines of several settings or of words."""
    if len(others) != 1 or not result.numeric(others[0]):
        return None
    other = others[0]
    return LineShades({name: float(result.combinations[members[0]].values[other])
                       for name, members in groups.items()})


def lines_of(result: SweepResult, column: str) -> tuple[list[str], dict[str, list[int]]]:
    """The other settings that vary on their own beside ``column``, and the combinations on each
    line of its plot, one line for each of their values. A setting that moves with ``column``
    (``--zip``: one value of it for each of ``column``'s) draws no lines of its own: the
    points of a zipped sweep are one line, not one unconnected point a line."""
    own = len({c.text[column] for c in result.combinations})
    others = [o for o in varied(result) if o != column
              and len({(c.text[column], c.text[o]) for c in result.combinations}) > own]
    groups: dict[str, list[int]] = {}
    for k, c in enumerate(result.combinations):
        groups.setdefault(", ".join(f"{o}={c.text[o]}" for o in others), []).append(k)
    return others, groups


def plot_name(column: str) -> str:
    """A file name for a setting's plot.

    >>> plot_name("services.KC-NQZ-VNO.timetable.days")
    'services.KC-NQZ-VNO.timetable.days.png'
    """
    return re.sub(r"[^A-Za-z0-9_.-]", "_", column)[:150] + ".png"


def plot_names(columns: list[str]) -> dict[str, str]:
    """A file name for each setting's plot, no two alike, nor alike but for case (a folder on
    macOS or Windows holds one of them): a name taken already gets ``-2``, ``-3``, ...

    >>> plot_names(["places.vno.servers", "places.VNO.servers", "demand.F G.x", "demand.F_G.x"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'places.vno.servers': 'places.vno.servers.png', 'places.VNO.servers': 'places.VNO.servers-2.png',
     'demand.F G.x': 'demand.F_G.x.png', 'demand.F_G.x': 'demand.F_G.x-2.png'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        stem = plot_name(column)[:-len(".png")]
        name, k = stem + ".png", 1
        while name.lower() in taken:
            k += 1
            name = f"{stem}-{k}.png"
        taken.add(name.lower())
        out[column] = name
    return out


# ---- the folder ----------------------------------------------------------------------------

def finish_folder(out: Path, build: Callable[[Path], None]) -> list[Path]:
    """``build(tmp)`` into a temporary folder inside ``out``, then each thing it made moved
    into ``out`` in one rename, replacing what an earlier (resumed) run left there; the names
    written. ``runs/`` is never touched."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _drop_stale(out)
    tmp = working_folder(out, "results")
    old = working_folder(out, "replaced")
    try:
        build(tmp)
        for p in tmp.rglob("*"):
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~umask())
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        for entry in sorted(tmp.iterdir()):
            target = out / entry.name
            if target.exists():
                os.replace(target, old / entry.name)
            os.replace(entry, target)
        return written
    except OSError as exc:
        raise cannot_write(out, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _drop_stale(out: Path) -> None:
    """Remove the working folders (``.results.PID.*``, ``.replaced.PID.*``) that a run killed
    while finishing left in ``out``: those of a process no longer running. Everything in them
    is made again from ``runs/``; a live run's are left alone."""
    for name in ("results", "replaced"):
        drop_stale(out, name)


def write_sweep(result: SweepResult, out: Path, paths: list[Path],
                allow_paths: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """sweep.json, tables/ (runs, summary, failures as CSV and Parquet) and plots/ into
    ``out``, beside its runs/; the names written."""
    def build(tmp: Path) -> None:
        text = json.dumps(sweep_json(result, metadata(result, paths, allow_paths)), indent=2, allow_nan=False)
        (tmp / "sweep.json").write_text(text + "\n", encoding="utf-8")
        tables = tmp / "tables"
        tables.mkdir()
        for name in ("runs", "summary", "failures"):
            write_table(result.to_frame(name), tables, name)
        plots = tmp / "plots"
        plots.mkdir()
        columns = varied(result)
        names = plot_names(columns)
        for column in columns:
            picture = setting_plot(result, column)
            if picture is not None:
                (plots / names[column]).write_bytes(picture)

    return finish_folder(out, build)
