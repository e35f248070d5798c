"""Great-circle distances against FACTS.md figures and a plain scalar formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.network.geo import great_circle_km, path_km

# FACTS.md table (degrees) and its computed haversine distances, R = 6371 km.
AIRPORTS = {
    "NQZ": (51.0219, 71.4669), "VNO": (54.6369, 25.2878), "IST": (41.2753, 28.7519),
    "FRA": (50.0333, 8.5706), "WAW": (52.1657, 20.9671), "RIX": (56.9236, 23.9711),
    "HEL": (60.3172, 24.9633), "AMS": (52.3086, 4.7639),
}
FACTS_KM = [
    ("NQZ", "VNO", 3071), ("NQZ", "IST", 3410), ("IST", "VNO", 1508), ("NQZ", "FRA", 4309),
    ("FRA", "VNO", 1242), ("NQZ", "WAW", 3419), ("WAW", "VNO", 397), ("NQZ", "RIX", 3108),
    ("RIX", "VNO", 267), ("NQZ", "HEL", 3019), ("HEL", "VNO", 632), ("NQZ", "AMS", 4436),
    ("AMS", "VNO", 1378),
]


@pytest.mark.parametrize(("a", "b", "km"), FACTS_KM)
def test_facts_distances(a: str, b: str, km: int) -> None:
    assert float(great_circle_km(*AIRPORTS[a], *AIRPORTS[b])) == pytest.approx(km, abs=1.0)


def test_vectorised_over_all_pairs() -> None:
    lat1, lon1 = np.array([AIRPORTS[a] for a, _, _ in FACTS_KM]).T
    lat2, lon2 = np.array([AIRPORTS[b] for _, b, _ in FACTS_KM]).T
    got = great_circle_km(lat1, lon1, lat2, lon2)
    assert got.shape == (len(FACTS_KM),)
    assert np.allclose(got, [km for *_, km in FACTS_KM], atol=1.0)


def _plain(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Spherical law of cosines: a different formula for the same distance."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


lat = st.floats(-89, 89)
lon = st.floats(-180, 180)


@given(lat, lon, lat, lon)
def test_matches_law_of_cosines(a: float, b: float, c: float, d: float) -> None:
    assert float(great_circle_km(a, b, c, d)) == pytest.approx(_plain(a, b, c, d), abs=0.05)


def test_path_through_waypoints_is_longer_and_additive() -> None:
    nqz, vno = AIRPORTS["NQZ"], AIRPORTS["VNO"]
    via = (41.6, 45.0)
    assert path_km([nqz, via, vno]) == pytest.approx(
        float(great_circle_km(*nqz, *via) + great_circle_km(*via, *vno))
    )
    assert path_km([nqz, via, vno]) > path_km([nqz, vno])
    with pytest.raises(ValueError):
        path_km([nqz])
