"""The map's work grows with its places only as far as it must: the figure is drawn once, the
markers are a collection per kind of place (not one a place), and the leader lines are one
collection of plain lines (no arrow that is clipped to its label at every drawing). Counted,
not timed, so a loaded machine cannot fail them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corridor.report.labels import needs_leader

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _places(n: int) -> str:
    """A scenario of ``n`` places, two far apart and the rest on a crowded grid between them
    (many labels put off their points), and one service."""
    at = [(40.0, 0.0), (60.0, 40.0)] + [(50 + (i // 20) * 0.02, 20 + (i % 20) * 0.05) for i in range(n - 2)]
    rows = [f"  - {{id: P{i:04d}, name: P{i}, kind: {'junction' if i % 3 else 'port'}, country: DE, "
            f"lat: {lat:.2f}, lon: {lon:.2f}, tz: Europe/Berlin}}" for i, (lat, lon) in enumerate(at)]
    return ("name: crowded\nrun: {start: 2027-03-01, horizon_days: 7}\nplaces:\n" + "\n".join(rows)
            + "\nservices:\n  - {id: R1, mode: rail, unit: feu, capacity: 41, speed_kph: 50, "
            "stops: [P0000, P0001], timetable: {days: daily, times: ['10:00']}}\n")


@pytest.mark.parametrize("n", [30, 300])
def test_the_map_is_drawn_once_with_a_collection_per_kind_and_one_of_leaders(tmp_path: Path, n: int,
                                                                              monkeypatch) -> None:
    import yaml
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    from corridor.report import mapplot
    from corridor.scenario.schema import Scenario

    scenario = Scenario.model_validate(yaml.safe_load(_places(n)))
    draws = []
    real_draw = Figure.draw

    def counted(fig, renderer):  # type: ignore[no-untyped-def]
        draws.append(fig)
        return real_draw(fig, renderer)

    kept = []
    real_figure = mapplot.map_figure
    monkeypatch.setattr(mapplot, "map_figure", lambda *a, **k: kept.append(real_figure(*a, **k)) or kept[-1])
    monkeypatch.setattr(Figure, "draw", counted)
    mapplot.draw_map(scenario, tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 0
    assert len(draws) == 1  # was three: to measure the labels, to lay out for saving, to save
    ax = kept[0].axes[0]
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(markers) == 2  # junctions and ports, whatever n
    assert sum(len(c.get_offsets()) for c in markers) == n
    assert not [a for a in ax.get_children() if isinstance(a, FancyArrowPatch)]
    assert all(getattr(t, "arrow_patch", None) is None for t in ax.texts)
    leaders = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(leaders) == 1 and len(leaders[0].get_segments()) > 0


@pytest.mark.parametrize("name", ["baseline", "hypothetical_hubs"])
def test_each_leader_runs_from_its_label_to_its_place(name: str) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.text import Text

    from corridor.report.figures import pyplot
    from corridor.report.mapplot import map_figure
    from corridor.scenario import load_scenario

    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    fig = map_figure(scenario)
    try:
        ax = fig.axes[0]
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ids = {p.id for p in scenario.places}
        labels = [t for t in ax.texts if t.get_text() in ids]
        leaders = [c for c in ax.collections if isinstance(c, LineCollection)]
        segments = [ax.transData.transform(s) for c in leaders for s in c.get_segments()]
        far = []
        for t in labels:
            box = Text.get_window_extent(t, renderer)
            point = ax.transData.transform(t.xy)
            if needs_leader(np.array([box.x0, box.y0]) - point, np.array([box.width, box.height])):
                far.append((box, point))
        assert len(segments) == len(far) > 0
        margin = 2.0 * fig.dpi / 72.0
        for box, point in far:  # a leader starts just off its label's box and ends just short of its point
            ends = [s for s in segments if np.hypot(*(s[1] - point)) <= margin + 0.5]
            assert any(box.x0 - margin - 1 <= s[0][0] <= box.x1 + margin + 1
                       and box.y0 - margin - 1 <= s[0][1] <= box.y1 + margin + 1 for s in ends), (box, point)
    finally:
        pyplot().close(fig)
