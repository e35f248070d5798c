"""Scenario files: YAML with positions, ``extends``, validation into a frozen model."""

from corridor.scenario.load import load_scenario
from corridor.scenario.schema import (
    Demand,
    Disruption,
    Link,
    Place,
    Run,
    Scenario,
    Service,
    Timetable,
)

__all__ = [
    "Demand",
    "Disruption",
    "Link",
    "Place",
    "Run",
    "Scenario",
    "Service",
    "Timetable",
    "load_scenario",
]
