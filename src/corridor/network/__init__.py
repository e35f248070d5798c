"""From a validated scenario to a graph (structure) and arrays (timetables)."""

from corridor.network.geo import great_circle_km, path_km
from corridor.network.graph import build_network
from corridor.network.paths import check_airspace
from corridor.network.segments import Segment, service_segments
from corridor.scenario.checks import EXTRA_CHECKS

if check_airspace not in EXTRA_CHECKS:  # a scenario is checked against its closed airspace on load
    EXTRA_CHECKS.append(check_airspace)

__all__ = ["Segment", "build_network", "great_circle_km", "path_km", "service_segments"]
