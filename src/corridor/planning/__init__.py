"""Timetable routing: exact earliest arrival, Pareto alternatives, week profiles."""

from corridor.planning.api import PlanResult, ProfileResult, RoutePlanner
from corridor.planning.itinerary import Itinerary, Leg
from corridor.planning.profile import Profile, compute_profile
from corridor.planning.search import Planner, pareto_filter

__all__ = [
    "Itinerary",
    "Leg",
    "PlanResult",
    "Planner",
    "Profile",
    "ProfileResult",
    "RoutePlanner",
    "compute_profile",
    "pareto_filter",
]
