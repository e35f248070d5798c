"""From a validated scenario to a graph (structure) and arrays (timetables)."""

from corridor.network.geo import great_circle_km, path_km
from corridor.network.graph import build_network
from corridor.network.segments import Segment, service_segments

__all__ = ["Segment", "build_network", "great_circle_km", "path_km", "service_segments"]
