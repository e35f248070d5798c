"""`corridor run`: KPIs printed, records written whole, errors as exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import SCENARIOS
from corridor.cli import main

SMALL = """\
extends: {base}
name: short
run: {{horizon_days: 21, warmup_days: 7, drain_days: 14, replications: 2}}
"""


def short(tmp_path: Path) -> str:
    path = tmp_path / "short.yaml"
    path.write_text(SMALL.format(base=SCENARIOS / "baseline.yaml"), encoding="utf-8")
    return str(path)


def test_run_prints_kpis_and_writes_records(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["run", short(tmp_path), "--out", str(out)]) == 0
    text = capsys.readouterr()
    assert "FEU-XIAN-DUISBURG" in text.out and "MALASZEWICZE" in text.out and "±" in text.out
    assert "replication 2/2" in text.err  # progress goes to stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["station_visits_rep0.csv", "station_visits_rep1.csv", "station_waits_rep0.csv",
                     "station_waits_rep1.csv", "summary.json", "units_rep0.csv", "units_rep1.csv"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2 and summary["scenario"] == "short"
    with (out / "units_rep0.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(summary["per_replication"][0]["status"].values())
    assert {r["status"] for r in rows} <= {"delivered", "waiting", "onboard", "moving"}
    # the same --out again is refused, and nothing is lost
    assert main(["run", short(tmp_path), "--out", str(out)]) == 2
    assert "already holds results" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text()) == summary


def test_run_json_and_seed(tmp_path: Path, capsys) -> None:
    assert main(["run", short(tmp_path), "--json", "--replications", "1", "--seed", "5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seed"] == 5 and data["replications"] == 1
    assert "cargo.feu_per_week" in data["summary"]


def test_run_errors(tmp_path: Path, capsys) -> None:
    assert main(["run", short(tmp_path), "--replications", "0"]) == 2
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert main(["run", short(tmp_path), "--out", str(tmp_path / "no" / "such" / "dir")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "does not exist" in err


def test_engine_fast_refuses_what_it_cannot_run(capsys) -> None:
    works = str(SCENARIOS / "malaszewicze_works.yaml")
    assert main(["run", works, "--engine", "fast", "--replications", "1"]) == 2
    assert "fast path cannot run malaszewicze_works: disruptions" in capsys.readouterr().err
