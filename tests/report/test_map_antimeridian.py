"""Maps of a network that crosses the antimeridian: drawn in one piece, centred on it, in the
picture and in the page; a network that does not is drawn as before (its longitudes as given)."""

from __future__ import annotations

import re

import numpy as np
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corridor.network.geo import centre_lon, wrapped_lon
from corridor.scenario.schema import Scenario

PACIFIC = """\
name: pacific
run: {start: 2027-03-01, horizon_days: 7, replications: 1, seed: 1}
places:
  - {id: PKC, name: Petropavlovsk, kind: airport, country: RU, lat: 53.17, lon: 158.45, tz: Asia/Kamchatka}
  - {id: ANC, name: Anchorage, kind: airport, country: US, lat: 61.17, lon: -149.99, tz: America/Anchorage}
  - {id: SUV, name: Suva, kind: airport, country: FJ, lat: -18.04, lon: 178.56, tz: Pacific/Fiji}
  - {id: APW, name: Apia, kind: airport, country: WS, lat: -13.83, lon: -171.99, tz: Pacific/Apia}
services:
  - {id: X1, mode: air, unit: pax, stops: [PKC, ANC], timetable: {times: ["10:00"]}, speed_kph: 800,
     capacity: 150}
  - {id: X2, mode: rail, unit: feu, stops: [SUV, APW], timetable: {times: ["10:00"]}, speed_kph: 80,
     capacity: 150}
"""


def _covers(centre: float, lons: np.ndarray, half: float) -> bool:
    """Every longitude within ``half`` degrees of ``centre``, the short way round."""
    return bool(np.all(np.abs((lons - centre + 180.0) % 360.0 - 180.0) <= half + 1e-9))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-180.0, 180.0, allow_nan=False), min_size=1, max_size=12))
@example([0.0, 72.0, 168.0, 1e-09, -96.45106322839088])
def test_the_centre_is_that_of_the_shortest_arc_holding_every_longitude(lons: list[float]) -> None:
    # brute force: an arc that holds them all and is shortest starts at one of them and runs
    # east to another; try every pair
    x = np.array(lons)
    best = min((b - a) % 360.0 for a in x for b in x
               if _covers(a + ((b - a) % 360.0) / 2, x, ((b - a) % 360.0) / 2))
    c = centre_lon(x)
    assert -180.0 <= c < 180.0
    assert _covers(c, x, best / 2)
    w = wrapped_lon(x, c)
    # the brute force's arc may be short of the true one by twice _covers' 1e-9 (for [0, 1e-9,
    # 72, 168, -96.45...] it ran from 1e-9, leaving 0 out by 1e-9)
    assert np.all(np.abs(w - c) <= 180.0) and np.ptp(w) <= best + 3e-9
    # moved by whole turns only, and only where needed
    assert np.allclose((w - x) % 360.0, 0.0) or np.allclose((w - x) % 360.0, 360.0)
    assert np.all((w == x) | (np.abs(x - c) > 180.0))


def test_a_network_east_of_greenwich_keeps_its_longitudes() -> None:
    lons = np.array([25.28, 71.45, 108.94, 6.76])  # Vilnius, Astana, Xi'an, Duisburg
    assert wrapped_lon(lons, centre_lon(lons)).tolist() == lons.tolist()


def test_the_picture_draws_a_pacific_network_in_one_piece() -> None:
    from corridor.report.figures import pyplot
    from corridor.report.mapplot import map_figure

    fig = map_figure(Scenario.model_validate(yaml.safe_load(PACIFIC)))
    try:
        ax = fig.axes[0]
        xs = [np.asarray(line.get_xdata(), dtype=float) for line in ax.lines if len(line.get_xdata()) > 1]
        assert len(xs) == 2  # the two services
        for x in xs:  # no step runs across the map
            assert np.nanmax(np.abs(np.diff(x))) < 20.0
        # the view spans the 52 degrees from Kamchatka to Alaska, not the 308 the other way
        x0, x1 = ax.get_xlim()
        assert x1 - x0 < 70.0
        fig.canvas.draw()
        ticks = {t.get_text().replace("\N{MINUS SIGN}", "-") for t in ax.get_xticklabels()}
        assert "180" in ticks and all(abs(float(t)) <= 180 for t in ticks if t)
    finally:
        pyplot().close(fig)


def test_the_page_draws_a_pacific_network_in_one_piece() -> None:
    from corridor.report.map_html import WIDTH, map_html

    page = map_html(Scenario.model_validate(yaml.safe_load(PACIFIC)))
    for sid in ("X1", "X2"):
        d = re.search(rf'data-id="{sid}" d="([^"]*)"', page)
        assert d is not None
        xs = [float(x) for x in re.findall(r"[ML]([-\d.]+),", d.group(1))]
        # the page is WIDTH wide: Kamchatka to Alaska fills it once, not once round the world
        assert max(xs) - min(xs) <= WIDTH
    centres = {m.group(1): float(m.group(2)) for m in re.finditer(r'data-id="(\w+)" cx="([-\d.]+)"', page)}
    # Suva (178.56 E) is drawn west of Apia (171.99 W), its neighbour over the antimeridian
    assert centres["SUV"] < centres["APW"] and centres["APW"] - centres["SUV"] < 0.2 * WIDTH
