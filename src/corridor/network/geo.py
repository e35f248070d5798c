"""Great-circle geometry, vectorised over NumPy arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0  # mean radius, as used for the figures in shared FACTS.md


def great_circle_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> np.ndarray:
    """Haversine distance in km between points given in degrees; broadcasts like NumPy.

    >>> round(float(great_circle_km(51.0222, 71.4669, 54.6341, 25.2858)))
    3072
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def path_km(points: Sequence[tuple[float, float]] | np.ndarray) -> float:
    """Length in km of the path through ``points`` ((lat, lon) pairs) in order."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
        raise ValueError(f"a path needs two or more (lat, lon) points, got shape {pts.shape}")
    return float(great_circle_km(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1]).sum())
