"""SCAT's 2018 Astana - Vilnius flight replayed (scenarios/scat_2018.yaml) against what happened.

FACTS: SCAT flew twice weekly with a Boeing 737 from 27 May 2018 and suspended the route on
10 January 2019 for weak winter demand (inform.kz; trend.az); Air Astana carries ~1.5 x more
passengers in Q3 than in Q1 (its quarterly results, 2024 and 2025).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCENARIOS
from corridor import simulate
from corridor.kernels.stats import mean_ci
from corridor.scenario import load_scenario

SUMMER = ("2018-06", "2018-07", "2018-08")
WINTER = ("2018-11", "2018-12", "2019-01")


@pytest.fixture(scope="module")
def scat():
    s = load_scenario(SCENARIOS / "scat_2018.yaml")
    return s, simulate(s, replications=3)


def _season_load(result, service: str, months: tuple[str, ...]) -> np.ndarray:
    """Per replication: the mean load factor over the flights of ``months``."""
    out = []
    for k in result.kpis:
        rows = k["airline"][service]["by_month"]
        flights = sum(rows[m]["flights"] for m in months)
        out.append(sum(rows[m]["load_factor"] * rows[m]["flights"] for m in months) / flights)
    return np.array(out)


@pytest.mark.parametrize("service", ["DV-NQZ-VNO", "DV-VNO-NQZ"])
def test_winter_loads_fall_below_summer_as_the_seasons_say(scat, service) -> None:
    _, result = scat
    summer, winter = _season_load(result, service, SUMMER), _season_load(result, service, WINTER)
    drop = mean_ci(winter / summer)
    # no seat runs out, so loads follow demand: the winter months' factors (0.85, 0.95, 0.78)
    # against the summer's (1.15, 1.22, 1.22) give 0.72
    expected = np.mean([0.85, 0.95, 0.78]) / np.mean([1.15, 1.22, 1.22])
    assert drop.high < 1.0
    assert abs(drop.mean - expected) < 0.06, (drop, expected)


def test_the_flight_never_covers_its_cost_and_least_so_in_winter(scat) -> None:
    scenario, result = scat
    for service in ("DV-NQZ-VNO", "DV-VNO-NQZ"):
        profit = mean_ci([k["airline"][service]["profit_per_flight_usd"] for k in result.kpis])
        even = mean_ci([k["airline"][service]["break_even_load_factor"] for k in result.kpis])
        assert profit.high < 0  # it was suspended (FACTS): at 150 a week it loses on every flight
        assert _season_load(result, service, WINTER).max() < even.low
    # it would take a market about twice the assumed one to break even (docs/choice.md)
    market = mean_ci([k["airline"]["DV-NQZ-VNO"]["break_even_market_per_week"] for k in result.kpis])
    assert market.low > 150
