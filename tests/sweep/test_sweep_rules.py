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
