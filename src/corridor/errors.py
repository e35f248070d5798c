"""The one error hierarchy of corridor.

Every error a user can cause derives from :class:`CorridorError`; the CLI prints it and exits
with status 2 instead of showing a traceback. Messages name the file, the place in it and the
bad value.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CorridorError", "DistributionError", "NoRouteError", "PlanningError", "Problem", "ScenarioError",
           "ScenarioLimitError"]


class CorridorError(Exception):
    """Base class of every error corridor raises on bad input."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario file, located as precisely as is known."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ScenarioError(CorridorError, ValueError):
    """A scenario file could not be read or is invalid; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in scenario"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class DistributionError(CorridorError, ValueError):
    """A distribution drew a value that is not a finite number. Validation bounds every
    distribution's parameters so that this cannot happen; the check stays as a last guard."""


class PlanningError(CorridorError, ValueError):
    """A routing question cannot be answered (unknown place, unreachable, bad constraint)."""


class ScenarioLimitError(PlanningError):
    """The scenario as a whole passes a bound of the planner (its links chain into more chains
    than it keeps): no one value in it is wrong, so the CLI names the scenario's file."""


class NoRouteError(PlanningError):
    """A well-posed routing question whose answer is empty: nothing reaches the destination.
    The CLI exits 1 for it, not 2: the input was fine. ``ready`` is the local instant the
    question left from (ISO 8601 with its offset), when it has one."""

    def __init__(self, message: str, *, ready: str | None = None) -> None:
        super().__init__(message)
        self.ready = ready
