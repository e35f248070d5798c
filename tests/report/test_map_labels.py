"""Map labels: none covers another, a marker or the legend, each stays in the frame and near its
place. Checked with plain loops over the boxes, and on the shipped maps with the boxes
Matplotlib itself measures for the texts as drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.report.labels import RINGS_PX, needs_leader, place_labels

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _apart(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Two boxes (x0, y0, x1, y1) share no area (touching edges allowed)."""
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


points = st.lists(st.tuples(st.floats(0, 600), st.floats(0, 400)), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(points, st.data())
def test_labels_never_overlap_where_there_is_room(pts: list[tuple[float, float]],
                                                  data: st.DataObject) -> None:
    # points anywhere in the middle of a frame with wide margins (several at one pixel, or
    # at one pixel's distance, included): the rings reach far enough that every label has a
    # clear place, so none may cover another or a marker
    n = len(pts)
    if data.draw(st.booleans()):  # some points drawn on top of others
        k = data.draw(st.integers(0, n - 1))
        pts = pts + [pts[k]] * data.draw(st.integers(1, 3))
        n = len(pts)
    anchors = np.array(pts) + 300.0
    sizes = np.array([data.draw(st.tuples(st.floats(5, 70), st.floats(5, 11))) for _ in range(n)])
    marker = 4.0
    frame = (0.0, 0.0, 1200.0, 1000.0)
    offsets = place_labels(anchors, sizes, frame, marker_px=marker)
    boxes = [(ax + dx, ay + dy, ax + dx + w, ay + dy + h)
             for (ax, ay), (dx, dy), (w, h) in zip(anchors, offsets, sizes, strict=True)]
    for i, a in enumerate(boxes):
        assert frame[0] <= a[0] and frame[1] <= a[1] and a[2] <= frame[2] and a[3] <= frame[3]
        for j, b in enumerate(boxes):
            if i < j:
                assert _apart(a, b), (i, j, a, b)
        for px, py in anchors:
            assert _apart(a, (px - marker, py - marker, px + marker, py + marker)), (i, a, px, py)
        # near its point: within the farthest ring, and a leader line when not beside it
        px, py = anchors[i]
        gap = np.hypot(max(a[0] - px, px - a[2], 0.0), max(a[1] - py, py - a[3], 0.0))
        assert gap <= RINGS_PX[-1] + 1e-9
        assert needs_leader(offsets[i], sizes[i]) == (gap >= 10.0)


def test_a_lone_label_sits_up_and_right_beside_its_point() -> None:
    offset = place_labels(np.array([[100.0, 100.0]]), np.array([[30.0, 8.0]]), (0, 0, 500, 500),
                          marker_px=4.0)[0]
    # the first ring clear of the marker (half-width 4) to the upper right: 8 px at 45 degrees
    assert offset == pytest.approx([8 / np.sqrt(2), 8 / np.sqrt(2)])
    assert not needs_leader(offset, np.array([30.0, 8.0]))


def test_a_label_keeps_inside_the_frame_and_off_a_blocked_box() -> None:
    # a point at the frame's top right corner: its label goes down and left, and a box blocked
    # just below-left of it (a legend) pushes it elsewhere
    anchors, sizes = np.array([[195.0, 195.0]]), np.array([[40.0, 8.0]])
    free = place_labels(anchors, sizes, (0, 0, 200, 200))[0]
    assert free[0] + 40 <= 5 and free[1] + 8 <= 5  # wholly left of and below the point
    blocked = np.array([[100.0, 150.0, 195.0, 195.0]])
    moved = place_labels(anchors, sizes, (0, 0, 200, 200), blocked_px=blocked)[0]
    box = (195 + moved[0], 195 + moved[1], 235 + moved[0], 203 + moved[1])
    assert _apart(box, tuple(blocked[0])) and box[2] <= 200 and box[3] <= 200


@pytest.mark.parametrize("name", ["baseline", "kaunas_gateway", "hypothetical_hubs"])
def test_shipped_maps_have_every_place_labelled_with_no_label_over_another(name: str) -> None:
    from matplotlib.text import Text

    from corridor.report.figures import pyplot
    from corridor.report.mapplot import map_figure
    from corridor.scenario import load_scenario

    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    fig = map_figure(scenario)
    try:
        ax = fig.axes[0]
        fig.canvas.draw()  # an annotation's text takes its place as it is drawn
        renderer = fig.canvas.get_renderer()
        ids = {p.id for p in scenario.places}
        labels = [t for t in ax.texts if t.get_text() in ids]
        assert sorted(t.get_text() for t in labels) == sorted(ids)
        # the text's own box: an annotation's extent takes in its leader line too
        boxes = [Text.get_window_extent(t, renderer) for t in labels]
        frame = ax.get_window_extent(renderer)
        legend = ax.get_legend().get_window_extent(renderer)
        for i, a in enumerate(boxes):
            assert frame.x0 - 0.5 <= a.x0 and a.x1 <= frame.x1 + 0.5
            assert frame.y0 - 0.5 <= a.y0 and a.y1 <= frame.y1 + 0.5
            assert _apart((a.x0, a.y0, a.x1, a.y1), (legend.x0, legend.y0, legend.x1, legend.y1))
            for b in boxes[i + 1:]:
                # 0.5 px: the measured boxes are rounded by the renderer
                assert _apart((a.x0 + 0.5, a.y0 + 0.5, a.x1 - 0.5, a.y1 - 0.5), (b.x0, b.y0, b.x1, b.y1)), \
                    (labels[i].get_text(), a, b)
    finally:
        pyplot().close(fig)
