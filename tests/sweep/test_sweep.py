"""Sweeps: the cartesian product, common random numbers, summaries with t intervals, bad
combinations reported while the rest run, and resuming an interrupted sweep."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats
from sweep.scenarios import station_raw

from corridor.analysis.sweep import RunStore, grid, sweep
from corridor.errors import CorridorError
from corridor.report.sweep_out import sweep_text
from corridor.scenario.overrides import parse_setting


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all((math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    return station_raw(tmp_path_factory.mktemp("station"), days=14)


def test_a_setting_that_changes_nothing_gives_identical_kpis(station) -> None:
    """The operator's and the service's names are labels the simulation never reads: every KPI
    of every replication is the same bit for bit across their values. A setting that matters
    (servers) moves them. (A validity period was the second, until one on a dispatched service
    such as TRUCK was refused: a run ignored it.)"""
    raw, name = station
    res = sweep(raw, name, grid([parse_setting("services.TRUCK.operator='A',B,'C D'"),
                                 parse_setting("services.TRUCK.name=Truck,'Truck B'")]),
                replications=2, seed=3)
    assert len(res.combinations) == 6 and not res.failures
    for r in range(2):
        runs = [run for run in res.runs if run.replication == r]
        assert len(runs) == 6 and all(_same(runs[0].kpis, run.kpis) for run in runs[1:])
    moved = sweep(raw, name, grid([parse_setting("places.B.1.servers=1,3")]), replications=2, seed=3)
    one, three = moved.runs_of(0)[0].kpis, moved.runs_of(1)[0].kpis
    assert one["stations.B.1.utilisation"] > 1.5 * three["stations.B.1.utilisation"]


def test_a_sweep_of_the_name_is_named_by_the_scenario_not_its_first_value(station) -> None:
    # `--set name=a,b` headed the output "a: 2 combinations ..."
    raw, name = station
    res = sweep(raw, name, grid([parse_setting("name=a,b")]), replications=1, seed=3)
    assert res.scenario == raw["name"] and raw["name"] not in ("a", "b")


def test_summary_is_the_t_interval_of_the_replications(station) -> None:
    raw, name = station
    res = sweep(raw, name, grid([parse_setting("demand.F.per_week=100,200")]), replications=4, seed=5)
    frame = res.to_frame("summary")
    for c, per_week in enumerate((100, 200)):
        values = np.array([run.kpis["cargo.transit_days.mean"] for run in res.runs_of(c)])
        half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
        row = frame[(frame["demand.F.per_week"] == per_week) & (frame["kpi"] == "cargo.transit_days.mean")]
        assert row["mean"].item() == pytest.approx(values.mean(), rel=1e-12)
        assert row["ci_high"].item() - row["mean"].item() == pytest.approx(half, rel=1e-9)
        assert row["replications"].item() == 4
    runs = res.to_frame("runs")
    assert list(runs.columns[:3]) == ["demand.F.per_week", "replication", "seed"]
    assert len(runs) == 8 and runs["demand.F.per_week"].dtype.kind in "if"
    assert runs["cargo.feu_per_week"].notna().all()


def test_a_bad_combination_is_reported_and_the_others_run(station) -> None:
    raw, name = station
    res = sweep(raw, name, grid([parse_setting("places.B.1.servers=0,2"),
                                 parse_setting("services.TRUCK.timetable=null,{times: ['08:00']}")]),
                replications=2, seed=1)
    ran = {res.combinations[r.combination].label() for r in res.runs}
    assert ran == {"places.B.1.servers=2, services.TRUCK.timetable=null"}
    reasons = {res.combinations[f.combination].label(): f.reason for f in res.failures}
    assert len(reasons) == 3 and all(f.replication is None for f in res.failures)
    bad = reasons["places.B.1.servers=0, services.TRUCK.timetable=null"]
    assert bad.startswith("--set places.B.1.servers=0: places[1].servers:") and "got 0" in bad
    assert "exactly one" in reasons["places.B.1.servers=2, services.TRUCK.timetable={times: ['08:00']}"]
    failures = res.to_frame("failures")
    assert len(failures) == 3 and failures["replication"].isna().all()


def test_an_interrupted_sweep_resumes_without_redoing_runs(station, tmp_path) -> None:
    raw, name = station
    combos = grid([parse_setting("places.B.1.servers=1,2"), parse_setting("demand.F.per_week=100,200")])
    fresh = sweep(raw, name, combos, replications=3, seed=9)
    store = RunStore(tmp_path / "runs")

    def stop_after_five(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(raw, name, combos, replications=3, seed=9, store=store, progress=stop_after_five)
    assert len(store) == 5
    assert not [p for p in store.folder.iterdir() if not p.name.endswith(".json")]  # no partial files
    seen = []
    resumed = sweep(raw, name, combos, replications=3, seed=9, store=store,
                    progress=lambda done, total: seen.append((done, total)))
    assert sum(r.reused for r in resumed.runs) == 5 and len(resumed.runs) == 12
    assert seen[0] == (5, 12) and seen[-1] == (12, 12) and len(store) == 12
    assert all(_same(a.kpis, b.kpis) for a, b in zip(fresh.runs, resumed.runs, strict=True))
    # a changed scenario (another seed) shares no key with the stored runs
    other = sweep(raw, name, combos[:1], replications=1, seed=10, store=store)
    assert not other.runs[0].reused


@pytest.mark.parametrize("damage", [{"kpis": {"cargo.created": "lots"}}, {"events": "many"},
                                    {"kpis": {"cargo.created": [1]}}, {"events": 1e999},
                                    # edited: read back and averaged in, without a word
                                    {"kpis": {"cargo.created": float("nan")}},
                                    {"kpis": {"cargo.created": 7.0}},
                                    {"kpis": {"cargo.created": None}}, {"digest": None}])
def test_a_damaged_kept_run_is_run_again(station, tmp_path, damage) -> None:
    import json

    raw, name = station
    combos = grid([parse_setting("places.B.1.servers=1")])
    store = RunStore(tmp_path / "runs")
    fresh = sweep(raw, name, combos, replications=1, seed=9, store=store)
    path = next(store.folder.glob("*.json"))
    data = json.loads(path.read_text())
    if "kpis" in damage:
        data["kpis"].update(damage["kpis"])
    else:
        data.update(damage)
    path.write_text(json.dumps(data))
    # a ValueError or TypeError traceback on --resume
    resumed = sweep(raw, name, combos, replications=1, seed=9, store=store)
    assert not resumed.runs[0].reused and _same(fresh.runs[0].kpis, resumed.runs[0].kpis)
    assert resumed.damaged == 1 and "(1 kept run damaged or edited: run again)" in sweep_text(resumed)
    again = sweep(raw, name, combos, replications=1, seed=9, store=RunStore(store.folder))
    assert again.runs[0].reused and again.damaged == 0  # the run again is kept whole



def test_a_folder_where_a_kept_run_goes_is_named(station, tmp_path) -> None:
    # the message named the runs folder, not the entry in the way
    raw, name = station
    combos = grid([parse_setting("places.B.1.servers=1")])
    store = RunStore(tmp_path / "runs")
    sweep(raw, name, combos, replications=1, seed=9, store=store)
    path = next(store.folder.glob("*.json"))
    path.unlink()
    path.mkdir()
    with pytest.raises(CorridorError) as err:
        sweep(raw, name, combos, replications=1, seed=9, store=store)
    assert str(err.value).startswith(f"{path}: cannot write there"), err.value
    # what stays, and how to go on (no talk of room: the disk is not full)
    assert str(err.value).endswith(f"; 0 runs kept in {store.folder}: --resume goes on from there once "
                                   f"{path} can be written")
    assert not [p for p in store.folder.iterdir() if p.name.endswith(".tmp")]

def test_grid_and_limits(station) -> None:
    raw, name = station
    with pytest.raises(CorridorError, match="given twice"):
        grid([parse_setting("a.b=1,2"), parse_setting("a.b=3")])
    with pytest.raises(CorridorError, match="at most 100,000"):
        sweep(raw, name, grid([parse_setting("places.B.1.servers=" + ",".join(map(str, range(1, 501))))]),
              replications=201, seed=1)


def test_a_grid_too_large_is_refused_before_it_is_built() -> None:
    import time

    values = ",".join(map(str, range(1, 1001)))
    settings = [parse_setting(f"{path}={values}") for path in ("a", "b", "c", "d", "e")]
    start = time.monotonic()
    # 10^15 combinations were built one by one before the limit was checked: a MemoryError, or
    # a machine out of memory
    with pytest.raises(CorridorError, match=r"1,000,000,000,000,000 combinations; at most 100,000 runs"):
        grid(settings)
    assert time.monotonic() - start < 1


def test_a_sweep_run_holds_every_kpi_simulate_gives(station) -> None:
    from corridor.analysis.kpis import flatten
    from corridor.analysis.runs import simulate
    from corridor.scenario.load import validate_raw

    raw, name = station
    res = sweep(raw, name, grid([parse_setting("places.B.1.servers=2")]), replications=2, seed=3)
    sim = simulate(validate_raw(raw, name), replications=2, seed=3)  # servers are 2 already
    for r in range(2):
        assert _same(res.runs[r].kpis, flatten(sim.kpis[r]))


def test_runs_kept_by_an_engine_that_drew_other_numbers_are_not_read_back(station, tmp_path,
                                                                          monkeypatch) -> None:
    # --resume keyed runs by the scenario, seed, replication and version (0.1.0 all along): a
    # sweep begun before the random streams changed would have mixed old numbers with new ones
    from corridor.analysis import sweep as sweep_module

    raw, name = station
    combos = grid([parse_setting("places.B.1.servers=1")])
    store = RunStore(tmp_path / "runs")
    sweep(raw, name, combos, replications=1, seed=9, store=store)
    assert sweep(raw, name, combos, replications=1, seed=9, store=store).runs[0].reused
    monkeypatch.setattr(sweep_module, "RESULTS_REVISION", sweep_module.RESULTS_REVISION + 1)
    assert not sweep(raw, name, combos, replications=1, seed=9, store=store).runs[0].reused


def test_a_kept_run_that_is_a_device_or_a_pipe_is_run_again_not_read(tmp_path) -> None:
    # --resume read a run file to its end: one linked to /dev/zero filled the memory until the
    # process was killed, and a named pipe would wait for a writer for ever
    import os

    store = RunStore(tmp_path)
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "big.json").write_text(" " * (RunStore.MAX_BYTES + 1) + "{}")
    assert store.get("zero") is None and store.get("pipe") is None and store.get("big") is None
    store.put("fine", {"kpis": {"x": 1.0}, "events": 3})
    assert store.get("fine") is not None and store.get("fine")["kpis"] == {"x": 1.0}


def test_the_runs_table_counts_a_gateway_nobody_chose_in_a_run_as_0() -> None:
    # a run names only the gateways its containers chose: the runs table left the others empty,
    # so a mean taken over its column read a rarely chosen gateway high (the summary counts 0)
    from corridor.analysis.sweep import Combination, SweepResult, SweepRun

    combo = Combination({"x": 1}, {"x": "1"}, (("x", 1),))
    runs = [SweepRun(0, 0, 1, "a", {"flows.F.gateway_share.G1": 1.0, "cargo.created": 4.0}, 1, False),
            SweepRun(0, 1, 2, "b", {"flows.F.gateway_share.G1": 0.5, "flows.F.gateway_share.G2": 0.5,
                                    "cargo.created": 4.0}, 1, False),
            SweepRun(0, 2, 3, "c", {"cargo.created": 0.0}, 1, False)]  # no container chose
    result = SweepResult("s", ["x"], [combo], 3, 1, runs, [], 0.0)
    table = result.to_frame("runs")
    g2 = table["flows.F.gateway_share.G2"].tolist()
    assert g2[:2] == [0.0, 0.5] and math.isnan(g2[2])
    assert table["flows.F.gateway_share.G2"].mean() == result.summary()[0]["flows.F.gateway_share.G2"]["mean"]


def test_a_sweep_of_one_replication_does_not_promise_intervals(station) -> None:
    """With one replication per combination there is no interval: the table's title says so
    (it read "Mean over replications ± half-width" over bare numbers)."""
    from corridor.report.sweep_out import sweep_text

    raw, name = station
    one = sweep(raw, name, grid([parse_setting("demand.F.per_week=100")]), replications=1, seed=5)
    two = sweep(raw, name, grid([parse_setting("demand.F.per_week=100")]), replications=2, seed=5)
    assert "no interval" in sweep_text(one) and "±" not in sweep_text(one).split("no interval")[0]
    assert "± half-width" in sweep_text(two) and "no interval" not in sweep_text(two)


def test_a_table_wider_than_the_terminal_comes_in_parts_that_fit(station) -> None:
    """On a terminal, a sweep's table of 10-20 headline columns (300 characters and more) wrapped
    into lines that no longer lined up: it comes in parts no wider than the terminal, each with
    the swept settings, and with the same cells as the one wide table."""
    from corridor.report.sweep_out import sweep_text

    raw, name = station
    result = sweep(raw, name, grid([parse_setting("demand.F.per_week=100,200")]), replications=2, seed=5)

    def tables(text: str) -> list[list[str]]:
        body = text.split("half-width of its 95% interval\n")[1].split("\n\nwarning")[0]
        return [part.splitlines() for part in body.split("\n\n")]

    wide, narrow = tables(sweep_text(result)), tables(sweep_text(result, width=60))
    assert len(wide) == 1 and len(wide[0][0]) > 60 and len(narrow) > 1
    assert all(len(line) <= 60 for part in narrow for line in part)

    def columns(parts: list[list[str]]) -> dict[str, list[str]]:
        # a column's header and cells, read by the spans of its rule's dashes
        out = {}
        for lines in parts:
            spans = [(m.start(), m.end()) for m in re.finditer("-+", lines[1])]
            for a, b in spans:
                out[lines[0][a:b].strip()] = [line[a:b].strip() for line in lines[2:]]
        return out

    assert columns(narrow) == columns(wide)
    assert all(part[0].startswith("demand.F.per_week") for part in narrow)
