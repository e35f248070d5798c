"""Compare's plots drawn from records of a shape the scenarios rarely give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from corridor.simulation.entities import Status


def _result(transit_min: np.ndarray) -> SimpleNamespace:
    n = transit_min.size
    units = {"pax": np.zeros(n, dtype=bool), "status": np.full(n, int(Status.DELIVERED)),
             "created_min": np.zeros(n), "first_departure_min": np.full(n, 100.0),
             "arrival_min": 100.0 + transit_min}
    return SimpleNamespace(records=[SimpleNamespace(units=units, warmup_min=0.0)])


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("spread", [0.0, 7e-12, 1e-3])
def test_the_transit_histogram_of_one_time_has_bins_of_width(spread: float, monkeypatch) -> None:
    # containers of a dispatched truck all take 600 min, to rounding (600 - 7e-12): the bins
    # had no width (numpy's 0/0, an empty plot) or spanned 1e-13 days (a density of 6e15)
    from corridor.report import compare_plots

    drawn = []
    monkeypatch.setattr(compare_plots, "png", lambda fig: drawn.append(fig) or b"png")
    transit = 600.0 - spread * np.linspace(0.0, 1.0, 50)
    comp = SimpleNamespace(names=["a", "b"], results=[_result(transit), _result(transit)])
    assert compare_plots.cargo_transit(comp) == b"png"
    ax = drawn[0].axes[0]
    low, high = ax.get_xlim()
    assert high - low >= 1 / 24  # an hour or more of days on the axis
    for patch in ax.patches:  # each step outline: a density a day can hold (the bins' widths)
        heights = patch.get_path().vertices[:, 1]
        assert np.isfinite(heights).all() and heights.max() <= 24 * 60 / (120 / 49) + 1e-6


@pytest.mark.parametrize("plot", ["cargo_transit", "door_to_door_cdf"])
def test_a_scenario_equal_to_the_base_says_so_and_leaves_the_base_in_sight(plot: str, monkeypatch) -> None:
    # a direct flight leaves the containers as they were (common random numbers): both transit
    # histograms were the same line, the base's hidden under the other's with two names in the key
    from corridor.report import compare_plots

    drawn = []
    monkeypatch.setattr(compare_plots, "png", lambda fig: drawn.append(fig) or b"png")
    same, other = np.linspace(500.0, 900.0, 40), np.linspace(400.0, 700.0, 40)

    def result(transit: np.ndarray) -> SimpleNamespace:
        res = _result(transit)
        res.records[0].units["pax"][:] = plot == "door_to_door_cdf"
        return res

    comp = SimpleNamespace(names=["base", "flight", "rail"],
                           results=[result(same), result(same), result(other)])
    assert getattr(compare_plots, plot)(comp) == b"png"
    ax = drawn[0].axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["base", "flight (the same as base)", "rail"]
    styles = [a.get_linestyle() for a in (ax.patches if plot == "cargo_transit" else ax.lines)]
    assert styles[0] == styles[2] and styles[0] in ("-", "solid") and styles[1] not in ("-", "solid")
