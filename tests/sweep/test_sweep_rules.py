"""A sweep's store and summary at their edges, on runs written by hand: a kept run is read
back only under the key it was kept under, and the summary holds only the combinations that
ran."""

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
