"""Duration distributions, written one way everywhere in scenario files.

Every distribution is a frozen model tagged by ``dist`` with its parameters in minutes
(``_min`` in the key name). Each knows its exact mean and variance (so tests can compare
sample statistics with theory) and draws vectorised samples from a caller's
``numpy.random.Generator``; none holds random state of its own.

========== ======================================== =========================
dist       keys                                     mean
========== ======================================== =========================
fixed      value_min                                value
exponential mean_min                                mean
uniform    low_min, high_min                        (low + high) / 2
triangular low_min, mode_min, high_min              (low + mode + high) / 3
lognormal  mean_min, sd_min                         mean
gamma      mean_min, sd_min                         mean
empirical  values_min, weights (optional)           weighted mean
========== ======================================== =========================

Bounds: every parameter in minutes is at most :data:`MAX_MINUTES` (a year); a mean or
standard deviation is at least :data:`MIN_SCALE_MIN`; an empirical distribution has at most
:data:`MAX_VALUES` values and weights up to :data:`MAX_WEIGHT`. Within them every draw is a
finite number; ``sample`` checks that all the same and raises
:class:`~corridor.errors.DistributionError` if one is not.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from corridor.errors import DistributionError

#: Longest duration a scenario may give anywhere, in minutes: a year.
MAX_MINUTES = 525_600.0
#: Smallest mean or standard deviation of a distribution, in minutes (60 ms). With it the
#: shape and scale of a gamma and the log-parameters of a lognormal stay finite.
MIN_SCALE_MIN = 0.001
#: Most values of an empirical distribution.
MAX_VALUES = 10_000
#: Largest weight of an empirical distribution's value (weights are relative frequencies).
MAX_WEIGHT = 1e12

Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False, strict=True)]
Scale = Annotated[float, Field(ge=MIN_SCALE_MIN, le=MAX_MINUTES, allow_inf_nan=False, strict=True)]
Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)]


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Every subclass provides ``mean_min`` and ``variance_min2`` (as a field or a property)
    # and ``sample(rng, size)`` returning float64 minutes, passed through ``_finite``.

    def _finite(self, draws: np.ndarray) -> np.ndarray:
        """``draws`` if every one is a finite number; else :class:`DistributionError`."""
        if not np.isfinite(draws).all():
            raise DistributionError(
                f"{self!r} drew a value that is not a finite number; its parameters are out of range"
            )
        return draws


class Fixed(_Distribution):
    dist: Literal["fixed"]
    value_min: Minutes

    @property
    def mean_min(self) -> float:
        return self.value_min

    @property
    def variance_min2(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return self._finite(np.full(size, self.value_min, dtype=np.float64))


class Exponential(_Distribution):
    dist: Literal["exponential"]
    mean_min: Scale

    @property
    def variance_min2(self) -> float:
        return self.mean_min**2

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return self._finite(rng.exponential(self.mean_min, size))


class Uniform(_Distribution):
    dist: Literal["uniform"]
    low_min: Minutes
    high_min: Minutes

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_min < self.low_min:
            raise ValueError(f"high_min {self.high_min} is below low_min {self.low_min}")
        return self

    @property
    def mean_min(self) -> float:
        return (self.low_min + self.high_min) / 2

    @property
    def variance_min2(self) -> float:
        return (self.high_min - self.low_min) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return self._finite(rng.uniform(self.low_min, self.high_min, size))


class Triangular(_Distribution):
    dist: Literal["triangular"]
    low_min: Minutes
    mode_min: Minutes
    high_min: Minutes

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low_min <= self.mode_min <= self.high_min:
            raise ValueError(
                f"need low_min <= mode_min <= high_min, got "
                f"{self.low_min}, {self.mode_min}, {self.high_min}"
            )
        if self.low_min == self.high_min:
            raise ValueError(f"low_min and high_min are both {self.low_min}; use dist: fixed")
        return self

    @property
    def mean_min(self) -> float:
        return (self.low_min + self.mode_min + self.high_min) / 3

    @property
    def variance_min2(self) -> float:
        a, c, b = self.low_min, self.mode_min, self.high_min
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return self._finite(rng.triangular(self.low_min, self.mode_min, self.high_min, size))


class LogNormal(_Distribution):
    """Log-normal given by its own mean and standard deviation (not those of the log)."""

    dist: Literal["lognormal"]
    mean_min: Scale
    sd_min: Scale

    @property
    def variance_min2(self) -> float:
        return self.sd_min**2

    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd_min / self.mean_min) ** 2)
        return math.log(self.mean_min) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        mu, sigma = self._log_params()
        return self._finite(rng.lognormal(mu, sigma, size))


class Gamma(_Distribution):
    """Gamma given by mean and standard deviation: shape (mean/sd)^2, scale sd^2/mean."""

    dist: Literal["gamma"]
    mean_min: Scale
    sd_min: Scale

    @property
    def variance_min2(self) -> float:
        return self.sd_min**2

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        shape = (self.mean_min / self.sd_min) ** 2
        return self._finite(rng.gamma(shape, self.sd_min**2 / self.mean_min, size))


class Empirical(_Distribution):
    """Observed values, optionally weighted; samples are drawn from them with replacement."""

    dist: Literal["empirical"]
    values_min: Annotated[list[Minutes], Field(min_length=1, max_length=MAX_VALUES)]
    weights: Annotated[list[Weight], Field(max_length=MAX_VALUES)] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values_min):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values_min has "
                f"{len(self.values_min)}"
            )
        p = self._probabilities()
        if not (np.isfinite(p).all() and abs(float(p.sum()) - 1.0) < 1e-9):
            raise ValueError("weights do not make probabilities (too small to divide by their sum)")
        return self

    def _probabilities(self) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.values_min), 1.0 / len(self.values_min))
        w = np.asarray(self.weights, dtype=np.float64)
        return w / w.sum()

    @property
    def mean_min(self) -> float:
        return float(np.dot(self._probabilities(), self.values_min))

    @property
    def variance_min2(self) -> float:
        v = np.asarray(self.values_min, dtype=np.float64)
        p = self._probabilities()
        return float(np.dot(p, (v - np.dot(p, v)) ** 2))

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        values = np.asarray(self.values_min, dtype=np.float64)
        return self._finite(rng.choice(values, size=size, p=self._probabilities()))


Distribution = Annotated[
    Fixed | Exponential | Uniform | Triangular | LogNormal | Gamma | Empirical,
    Field(discriminator="dist"),
]

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "LogNormal",
    "Triangular",
    "Uniform",
]
