"""Random streams: one ``numpy.random.Generator`` per named random source.

A source's stream depends only on the scenario seed, the replication number and the source's
name (``"delay:TK-IST-VNO"``), never on which other sources exist or in what order they are
asked for. Two scenarios with the same seed therefore draw the same numbers for every source
they share: common random numbers, so a paired comparison sees the change, not the noise.
"""

from __future__ import annotations

import zlib

import numpy as np


def source_key(name: str) -> int:
    """A stable 32-bit number for a source name (CRC-32, the same on every machine and run)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The generators of one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        if name not in self._cache:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, source_key(name)))
            self._cache[name] = np.random.Generator(np.random.PCG64(seq))
        return self._cache[name]
