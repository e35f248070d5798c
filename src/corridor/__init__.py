"""corridor: route planning and discrete-event simulation of the Astana - Vilnius link and
the China - Kazakhstan - Lithuania - Europe cargo corridor.

The names below are loaded when first asked for, so that the command line sets its signal
handlers before the heavy imports (NumPy, networkx, pydantic, the airspace shapes): a Ctrl-C
or SIGTERM in the first second of a command ended it with a traceback from the imports."""

from importlib import import_module
from typing import Any

from corridor.errors import CorridorError, PlanningError, ScenarioError

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

#: each lazily loaded name -> the module it comes from
_HOMES = {
    "build_network": "corridor.network",
    "great_circle_km": "corridor.network",
    "RoutePlanner": "corridor.planning",
    "Scenario": "corridor.scenario",
    "load_scenario": "corridor.scenario",
    "simulate": "corridor.analysis.runs",
    "SimulationResult": "corridor.analysis.runs",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'corridor' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
