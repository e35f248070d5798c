"""A sweep's store and summary at their edges, on runs written by hand: a kept run is read
back only under the key it was kept under, the summary holds only the combinations that ran,
and a finished folder is refused only to a run that reuses none of it."""

from __future__ import annotations

import json
import statistics

from scipy import stats

from corridor.analysis.sweep import Combination, RunStore, SweepResult, SweepRun


def test_a_kept_run_is_read_back_only_under_its_own_key(tmp_path) -> None:  # noqa: ANN001
    store = RunStore(tmp_path)
    store.put("a" * 40, {"kpis": {"cargo.created": 4.0}, "events": 3})
    assert store.get("a" * 40)["kpis"] == {"cargo.created": 4.0}
    # the same file under another run's name (copied, or renamed by hand) is not that run
    (tmp_path / f"{'b' * 40}.json").write_text((tmp_path / f"{'a' * 40}.json").read_text())
    assert json.loads((tmp_path / f"{'b' * 40}.json").read_text())["key"] == "a" * 40
    assert store.get("b" * 40) is None


def test_the_summary_holds_only_the_combinations_that_ran() -> None:
    # two combinations; every run of the second failed: its summary is absent, not empty
    combos = [Combination({"x": 1}, {"x": "1"}, (("x", 1),)), Combination({"x": 2}, {"x": "2"}, (("x", 2),))]
    runs = [SweepRun(0, r, 1, str(r), {"cargo.created": v}, 1, False) for r, v in enumerate((4.0, 6.0, 8.0))]
    summary = SweepResult("s", ["x"], combos, 3, 1, runs, [], 0.0).summary()
    assert set(summary) == {0}
    # 4, 6, 8: mean 6, s = 2, half-width t(0.975, 2) x 2 / sqrt(3)
    half = stats.t.ppf(0.975, 2) * statistics.stdev([4.0, 6.0, 8.0]) / 3 ** 0.5
    got = summary[0]["cargo.created"]
    assert got["mean"] == 6.0 and abs(got["high"] - (6.0 + half)) < 1e-9


def test_a_finished_folder_goes_on_when_it_reuses_some_of_its_runs(tmp_path) -> None:  # noqa: ANN001
    # --resume on a finished run's folder: one replication kept, a second asked for. It reuses
    # the kept one and runs the other; only a run reusing none of them is refused
    import pytest
    from sweep.scenarios import station_raw

    from corridor.analysis.sweep import grid, sweep
    from corridor.errors import CorridorError
    from corridor.scenario.overrides import parse_setting

    raw, name = station_raw(tmp_path, days=14)
    combos = grid([parse_setting("places.B.1.servers=1")])
    sweep(raw, name, combos, replications=1, seed=3, store=RunStore(tmp_path / "runs"))
    more = sweep(raw, name, combos, replications=2, seed=3, store=RunStore(tmp_path / "runs", finished=True))
    assert [r.reused for r in more.runs] == [True, False]
    with pytest.raises(CorridorError, match="would use none of them"):
        sweep(raw, name, combos, replications=1, seed=4, store=RunStore(tmp_path / "runs", finished=True))


def test_the_table_shows_the_waits_the_sweep_is_about() -> None:
    # a sweep that closed Poland's crossings showed no wait at all: the jam was in its tables
    # only. The stations a setting names come first, then those whose wait moves most (an
    # hour or more), at most two; a wait that moves less, or one no run has, is not shown
    from corridor.report.sweep_out import headline_keys

    def result(column: str, waits: list[dict[str, float]]) -> SweepResult:
        combos = [Combination({column: k}, {column: str(k)}, ((column, k),)) for k in range(len(waits))]
        runs = [SweepRun(c, r, 1, f"{c}{r}", {f"stations.{s}.mean_wait_min": m + r for s, m in w.items()},
                         1, False) for c, w in enumerate(waits) for r in range(2)]
        return SweepResult("s", [column], combos, 2, 1, runs, [], 0.0)

    def waits(res: SweepResult) -> list[str]:
        return [label for key, label, _, _ in headline_keys(res) if key.startswith("stations.")]

    closed = result("disruptions.SHUT.capacity_factor",
                    [{"M": 1800.0, "K": 100.0, "S": 30.0, "B": 5.0},
                     {"M": 17000.0, "K": 40.0, "S": 6000.0, "B": 65.0}])
    assert waits(closed) == ["wait at M", "wait at S"]  # M moves 15,200 min, S 5,970; B 60 is the third
    named = result("places.K.servers", [{"M": 1800.0, "K": 100.0}, {"M": 17000.0, "K": 100.0}])
    assert waits(named) == ["wait at K", "wait at M"]
    calm = result("places.Q.servers", [{"M": 100.0}, {"M": 159.0}])
    assert waits(calm) == []
    # ids may hold dots
    dotted = result("places.B.1.servers", [{"B.1": 10.0, "B": 5.0}, {"B.1": 20.0, "B": 5.0}])
    assert waits(dotted) == ["wait at B.1"]
