"""Writing a comparison into a folder, whole or not at all: summary.json, tidy tables (CSV and
Parquet), plots and report.html."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corridor.report.compare_plots import all_plots
from corridor.report.files import cannot_write, umask, working_folder, write_table
from corridor.report.html import report_html
from corridor.report.results import check_out, followed, replace_folder, strict
from corridor.simulation.entities import STATUS_NAMES
from corridor.timezone import zone


def scenario_files(paths: list[Path], allow_paths: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """The files given and every file they extend, each once, in order: the files the scenario
    loader reads (``extends`` as YAML reads it, within the folders a scenario may read from),
    never a file named by text that only looks like an ``extends`` line."""
    from corridor.scenario.extends import resolve

    out: list[Path] = []
    for path in paths:
        for file in resolve(Path(path), allow_paths=allow_paths).files:
            if file not in out:
                out.append(file)
    return out


def assumptions(paths: list[Path], allow_paths: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    """Every value the scenario files (and what they extend) mark ASSUMPTION: the line that
    says it, with the comment lines that continue it; the file's opening comment block, which
    explains the convention, is left out."""
    out = []
    for path in scenario_files(paths, allow_paths):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        header = 0
        while header < len(lines) and (not lines[header].strip() or lines[header].lstrip().startswith("#")):
            header += 1
        for k in range(header, len(lines)):
            if "ASSUMPTION" not in lines[k]:
                continue
            text = [lines[k].strip()]
            j = k + 1
            while j < len(lines) and lines[j].lstrip().startswith("#") and "ASSUMPTION" not in lines[j]:
                text.append(lines[j].strip().lstrip("#").strip())
                j += 1
            out.append(f"{path.name}:{k + 1}: {' '.join(text)}")
    return out


def metadata(comp: Any, paths: list[Path],
             allow_paths: Sequence[str | os.PathLike[str]] = ()) -> dict[str, Any]:
    from corridor import __version__

    return {
        "version": __version__,
        "seed": comp.results[0].seed,
        "replications": len(comp.results[0].records),
        "scenarios": comp.names,
        "files": {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in scenario_files(paths, allow_paths)},
    }


def summary_json(comp: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """What summary.json and --json hold: the headline and every paired difference. Undefined
    values (a rate over no units, a difference with one side undefined) and intervals (one
    replication) are null, so the file is strict JSON; so is ``significant`` where there is no
    difference or no interval. ``replications``: the pairs of replications, both defined, that
    a difference is over."""
    return strict({
        **meta,
        "base": comp.base,
        "headline": comp.headline,
        "warnings": comp.warnings,
        "notes": comp.notes,
        "kpis": {name: [{"kpi": d.shown_key, "source_kpi": d.key, "label": d.label, "unit": d.unit,
                         "base": d.base.mean,
                         "other": d.other.mean, "difference": d.diff.mean,
                         "ci_low": d.diff.low, "ci_high": d.diff.high, "replications": d.diff.n,
                         "significant": d.verdict} for d in deltas]
                 for name, deltas in comp.kpis.items()},
        "profiles": {name: [{"flow": p.flow, "from": p.origin, "to": p.target, "unit": p.unit,
                             "base": p.base, "other": p.other,
                             "improved_share": p.improved_share, "mean_gain_min": p.mean_gain_min}
                            for p in deltas]
                     for name, deltas in comp.profiles.items()},
        "launches": {name: [{"service": c.service, "return_service": c.return_service,
                             "figures": {k: e.as_dict() for k, e in c.figures.items()},
                             "load_factor_by_month": {m: e.as_dict() for m, e in c.load_by_month.items()},
                             "flights_by_month": c.flights_by_month,
                             "sensitivity": [p.__dict__ for p in c.sensitivity]}
                            for c in cases]
                     for name, cases in comp.launches.items()},
    })


def units_frame(comp: Any) -> Any:
    """One row per unit, scenario and replication; times as UTC timestamps and as local ISO
    8601 text with offsets (at the origin for creation, at the destination for arrival)."""
    import pandas as pd

    frames = []
    for name, scenario, res in zip(comp.names, comp.scenarios, comp.results, strict=True):
        epoch = pd.Timestamp(scenario.run.epoch)
        tz_of = {p.id: p.tz for p in scenario.places}
        for rec in res.records:
            u = rec.units
            flows = np.array(rec.flows, dtype=object)[u["flow"]]
            df = pd.DataFrame({
                "scenario": name, "replication": rec.replication, "unit": u["id"], "flow": flows,
                "kind": np.where(u["pax"], "pax", "feu"),
                "status": np.array(STATUS_NAMES, dtype=object)[u["status"]] if u["status"].size else [],
                "missed": u["missed"], "cost_usd": u["cost_usd"], "co2_kg": u["co2_kg"],
                "station_min": u["station_min"],
            })
            for col in ("created_min", "first_departure_min", "arrival_min"):
                df[col.replace("_min", "_utc")] = epoch + pd.to_timedelta(u[col], unit="min")
            flow_spec = {f.id: f for f in scenario.demand}
            created_local, arrival_local = [], []
            for flow, c, a in zip(flows.tolist(), u["created_min"].tolist(), u["arrival_min"].tolist(),
                                  strict=True):
                spec = flow_spec[flow]
                created_local.append(_local(scenario.run.epoch, c, tz_of[spec.from_]))
                arrival_local.append(_local(scenario.run.epoch, a, tz_of[spec.to]))
            df["created_local"] = created_local
            df["arrival_local"] = arrival_local
            frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _local(epoch: dt.datetime, minutes: float, tz: str) -> str | None:
    if not np.isfinite(minutes):
        return None
    return (epoch + dt.timedelta(minutes=minutes)).astimezone(zone(tz)).isoformat()


def write_comparison(comp: Any, out: Path, paths: list[Path],
                     allow_paths: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """Everything into ``out`` (new or empty), built in a temporary folder beside it and moved
    into place whole; the names written, relative to ``out``."""
    out = Path(out)
    parent = check_out(out)
    tmp = working_folder(parent, followed(out).name)
    try:
        os.chmod(tmp, 0o777 & ~umask())
        meta = metadata(comp, paths, allow_paths)
        text = json.dumps(summary_json(comp, meta), indent=2, allow_nan=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        tables = tmp / "tables"
        tables.mkdir()
        for name in ("kpis", "replications", "profiles", "services", "services_by_month", "launches",
                     "sensitivity"):
            write_table(comp.to_frame(name), tables, name)
        write_table(units_frame(comp), tables, "units")
        plots = all_plots(comp)
        (tmp / "plots").mkdir()
        for name, png in plots.items():
            (tmp / "plots" / name).write_bytes(png)
        page = report_html(comp, plots, meta, assumptions(paths, allow_paths))
        (tmp / "report.html").write_text(page, encoding="utf-8")
        written = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        for p in tmp.rglob("*"):
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~umask())
        replace_folder(tmp, out)
        return [Path(w) for w in written]
    except OSError as exc:
        raise cannot_write(out, exc) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
