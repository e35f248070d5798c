"""corridor: route planning and discrete-event simulation of the Astana - Vilnius link and
the China - Kazakhstan - Lithuania - Europe cargo corridor."""

from corridor.errors import CorridorError, PlanningError, ScenarioError
from corridor.network import build_network, great_circle_km
from corridor.planning import RoutePlanner
from corridor.scenario import Scenario, load_scenario

__all__ = [
    "CorridorError",
    "PlanningError",
    "RoutePlanner",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "build_network",
    "great_circle_km",
    "load_scenario",
    "simulate",
]
__version__ = "0.1.0"


def __getattr__(name: str):  # noqa: ANN202 - the simulation loads SciPy and SimPy only when asked for
    if name in ("simulate", "SimulationResult"):
        from corridor.analysis import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")
