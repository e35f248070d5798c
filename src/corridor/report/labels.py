"""Where a picture's point labels go so that none covers another: each label is tried round
its point, nearest first, and takes the first place clear of the labels already placed, of
every point's marker and of the frame's edge; a label put further off than beside its point
gets a leader line. All in display pixels, so the caller measures the texts as drawn."""

from __future__ import annotations

import math

import numpy as np

#: distances (px) from a point to its label that are tried, nearest first
RINGS_PX = (3.0, 8.0, 14.0, 22.0, 32.0, 44.0, 58.0, 75.0, 95.0, 120.0, 150.0, 190.0, 240.0)
#: directions tried on each ring: to the upper right first (where a label is read as the point's)
DIRECTIONS = 16
#: a label this far from its point or further is joined to it by a line
LEADER_FROM_PX = 10.0


def place_labels(anchors_px: np.ndarray, sizes_px: np.ndarray, frame_px: tuple[float, float, float, float],
                 *, marker_px: float | np.ndarray = 4.0, gap_px: float = 1.0,
                 blocked_px: np.ndarray | None = None) -> np.ndarray:
    """The lower-left corner of each label's box, less its point (px), so that no two boxes
    overlap, no box covers a point's marker, its own included (a square reaching
    ``marker_px`` from each point: one for all, or one each), and every box lies inside
    ``frame_px`` (x0, y0, x1, y1) and outside the boxes ``blocked_px`` (rows of x0, y0, x1,
    y1: a legend, say), wherever there is such a place within the farthest ring. Labels in the
    most crowded places choose first. A label that finds no clear place takes, of the places
    tried, the one it overlaps least.

    >>> # two points 2 px apart: the first label goes to the upper right, clear of both markers
    >>> # (4 px round each point), the second beside them to the right, below the first
    >>> place_labels(np.array([[50.0, 50.0], [52.0, 50.0]]), np.array([[20.0, 8.0], [20.0, 8.0]]),
    ...              (0.0, 0.0, 200.0, 200.0)).round(1).tolist()
    [[5.7, 5.7], [8.0, -4.0]]
    """
    anchors = np.asarray(anchors_px, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes_px, dtype=np.float64).reshape(-1, 2)
    n = anchors.shape[0]
    out = np.zeros((n, 2))
    if n == 0:
        return out
    x0, y0, x1, y1 = frame_px
    half = np.broadcast_to(np.asarray(marker_px, dtype=np.float64), (n,))[:, None]
    markers = np.hstack([anchors - half, anchors + half])  # (x0, y0, x1, y1) per point
    boxes_in_way = [np.asarray(blocked_px if blocked_px is not None else [], dtype=np.float64).reshape(-1, 4)]
    candidates = _candidates()
    # only what lies within this of a point can be in its label's way (a label of any size)
    reach = RINGS_PX[-1] + float(sizes.sum(axis=1).max()) + float(half.max()) + gap_px
    for i in _most_crowded_first(anchors, float(sizes[:, 0].max()) + 20.0).tolist():
        w, h = sizes[i]
        corner = anchors[i] + _corners(candidates, w, h)
        boxes = np.hstack([corner, corner + (w, h)])
        inside = (boxes[:, 0] >= x0) & (boxes[:, 1] >= y0) & (boxes[:, 2] <= x1) & (boxes[:, 3] <= y1)
        placed = np.vstack(boxes_in_way)
        covered = (_overlap(boxes, _near(placed, anchors[i], reach), gap_px).sum(axis=1)
                   + _overlap(boxes, _near(markers, anchors[i], reach), 0.0).sum(axis=1))
        clear = np.flatnonzero(inside & (covered == 0))
        pick = int(clear[0]) if clear.size else int(np.argmin(np.where(inside, covered, np.inf))
                                                    if inside.any() else 0)
        out[i] = corner[pick] - anchors[i]
        boxes_in_way = [placed, boxes[pick][None, :]]
    return out


def _most_crowded_first(anchors: np.ndarray, reach: float) -> np.ndarray:
    """The points in order of how many others lie within ``reach`` of each, most first (ties
    in the order given), counted a block of rows at a time to keep memory small."""
    n = anchors.shape[0]
    crowd = np.empty(n, dtype=np.int64)
    for start in range(0, n, 512):
        d = anchors[start:start + 512, None, :] - anchors[None, :, :]
        crowd[start:start + 512] = (np.hypot(d[..., 0], d[..., 1]) < reach).sum(axis=1)
    return np.lexsort((np.arange(n), -crowd))


def _near(boxes: np.ndarray, point: np.ndarray, reach: float) -> np.ndarray:
    """The boxes with a corner or edge within ``reach`` of ``point`` in both directions."""
    keep = ((boxes[:, 0] - reach <= point[0]) & (point[0] <= boxes[:, 2] + reach)
            & (boxes[:, 1] - reach <= point[1]) & (point[1] <= boxes[:, 3] + reach))
    return boxes[keep]


def needs_leader(offset_px: np.ndarray, size_px: np.ndarray) -> bool:
    """Whether a label at ``offset_px`` (its box's lower-left corner less its point) is far
    enough from its point to be joined to it by a line."""
    (dx, dy), (w, h) = offset_px, size_px
    gap_x = max(dx, -(dx + w), 0.0)  # from the point to the box's nearest edge
    gap_y = max(dy, -(dy + h), 0.0)
    return math.hypot(gap_x, gap_y) >= LEADER_FROM_PX


def _candidates() -> np.ndarray:
    """(ring, cos, sin) of every place tried, nearest ring first, upper right first on each."""
    angles = math.pi / 4 + 2 * math.pi * np.arange(DIRECTIONS) / DIRECTIONS
    # on each ring: upper right, then alternately either side of it going round
    turn = np.argsort(np.minimum(np.arange(DIRECTIONS), DIRECTIONS - np.arange(DIRECTIONS)), kind="stable")
    rows = [(r, math.cos(a), math.sin(a)) for r in RINGS_PX for a in angles[turn]]
    return np.array(rows)


def _corners(candidates: np.ndarray, w: float, h: float) -> np.ndarray:
    """Each candidate's box corner less the point: the box sits on the side its direction
    points to (beside the point when the direction is nearly along an axis)."""
    r, c, s = candidates[:, 0], candidates[:, 1], candidates[:, 2]
    x = np.where(c > 0.3, r * c, np.where(c < -0.3, r * c - w, -w / 2))
    y = np.where(s > 0.3, r * s, np.where(s < -0.3, r * s - h, -h / 2))
    return np.column_stack([x, y])


def _overlap(boxes: np.ndarray, others: np.ndarray, gap: float) -> np.ndarray:
    """Whether each of ``boxes`` overlaps each of ``others`` (closer than ``gap`` counts)."""
    if others.size == 0:
        return np.zeros((boxes.shape[0], 0), dtype=bool)
    a, b = boxes[:, None, :], others[None, :, :]
    return ((a[..., 0] < b[..., 2] + gap) & (b[..., 0] < a[..., 2] + gap)
            & (a[..., 1] < b[..., 3] + gap) & (b[..., 1] < a[..., 3] + gap))
