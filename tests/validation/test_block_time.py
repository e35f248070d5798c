"""Block times of the baseline's air model against published flight times (shared FACTS.md).

The model: block = 30 min + path km / (780 km/h + 65 km/h x the share of the path pointing
east), on the path computed round the closed airspace (FACTS rule of thumb; the wind fitted to
LOT's pair of times). Each published figure is a press figure: a range is asserted, not the
minute.
"""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from corridor.network.segments import service_segments
from corridor.scenario import load_scenario
from corridor.scenario.schema import Place, Service


@pytest.fixture(scope="module")
def air() -> Service:
    """The baseline's air model (speed, overhead, wind, closed airspace) on an Air Astana service."""
    return load_scenario(SCENARIOS / "baseline.yaml").service("KC-NQZ-FRA")


COUNTRY = {"WAW": "PL", "ALA": "KZ", "LHR": "GB", "SCO": "KZ", "NQZ": "KZ", "VNO": "LT"}


def airport(code: str) -> Place:
    return Place.model_validate({"id": code, "name": code, "kind": "airport", "country": COUNTRY[code]})


PLACES = {c: airport(c) for c in ("WAW", "ALA", "LHR", "SCO", "NQZ", "VNO")}


def block_min(model: Service, *stops: str, closed: bool = True) -> float:
    """Block time of one flight over ``stops`` (one segment per pair), ground stops excluded."""
    update = {"id": "-".join(stops), "stops": list(stops), "dwell_min": 0.0}
    if not closed:
        update["airspace"] = None
    service = model.model_copy(update=update)
    return sum(seg.duration_min for seg in service_segments(service, PLACES))


def test_lot_warsaw_almaty_eastbound(air) -> None:
    """FACTS: LOT WAW-ALA from 31 May 2026, ~6.5 h out (fakt.pl)."""
    assert 390 - 15 <= block_min(air, "WAW", "ALA") <= 390 + 15


def test_lot_almaty_warsaw_westbound(air) -> None:
    """FACTS: ~7.5 h back, against the winds (fakt.pl)."""
    assert 450 - 15 <= block_min(air, "ALA", "WAW") <= 450 + 15


def test_detour_no_longer_under_read(air) -> None:
    """FACTS: the rule on the great circle under-reads WAW-ALA by ~37 min; on the computed
    path the mean of the two directions is within 10 min of the published mean (7 h)."""
    mean = (block_min(air, "WAW", "ALA") + block_min(air, "ALA", "WAW")) / 2
    on_circle = (block_min(air, "WAW", "ALA", closed=False) + block_min(air, "ALA", "WAW", closed=False)) / 2
    assert abs(mean - 420) <= 10
    assert on_circle < 420 - 30


def test_almaty_london_nonstop_after_the_ban(air) -> None:
    """FACTS: Air Astana A321LR Almaty-London nonstop 9 h 35 (the winter block, round Russia)."""
    assert 575 - 30 <= block_min(air, "ALA", "LHR") <= 575 + 30


def test_almaty_london_with_the_fuel_stop(air) -> None:
    """FACTS: 9 h 40 including a fuel stop at Aktau (flugrevue.de, Apr 2024); the nonstop that
    replaced it in Oct 2024 was said to save 1.5 h (9 h 35 + 1.5 h = 11 h 05, airwaysmag.com).
    The model, with an hour on the ground at Aktau (ASSUMPTION), lands between the two."""
    total = block_min(air, "ALA", "SCO") + 60 + block_min(air, "SCO", "LHR")
    assert 580 <= total <= 665 + 15


@pytest.mark.xfail(strict=True, reason=(
    "FACTS quotes an airline manager: 'only six and a half hours' Almaty-London over Russia "
    "before the ban (flugrevue.de). The model reads ~8 h 19 westbound and ~7 h 11 eastbound on "
    "the great circle, the same rule that meets LOT's times; 6 h 30 is 5,624 km at ~930 km/h, "
    "so the quote is a round figure, not a block time the model should meet."))
def test_almaty_london_before_the_ban(air) -> None:
    assert abs(block_min(air, "ALA", "LHR", closed=False) - 390) <= 30


def test_the_wind_splits_directions_but_keeps_the_rule_on_average(air) -> None:
    """East and west differ; their mean stays within a few minutes of the FACTS rule without
    wind (the rule fits both directions' average within ~5 min, FACTS)."""
    still = air.model_copy(update={"wind_east_kph": 0.0})
    east = block_min(air, "VNO", "NQZ")
    west = block_min(air, "NQZ", "VNO")
    calm = block_min(still, "NQZ", "VNO")
    assert east < calm < west
    assert abs((east + west) / 2 - calm) <= 5
