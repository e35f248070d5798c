"""Random streams: one ``numpy.random.Generator`` per named random source.

A source's stream depends only on the scenario seed, the replication number and the source's
name (``"delay:TK-IST-VNO"``), never on which other sources exist or in what order they are
asked for. Two scenarios with the same seed therefore draw the same numbers for every source
they share: common random numbers, so a paired comparison sees the change, not the noise.
"""

from __future__ import annotations

import hashlib

import numpy as np


def source_key(name: str) -> tuple[int, int, int, int]:
    """Four 32-bit words for a source name (128 bits of BLAKE2b, the same on every machine and
    run): wide enough that no two names of a scenario share a stream. CRC-32's 32 bits did (flows
    ``FCRJD`` and ``FBBAAA`` drew the same arrivals; among the 40,000 names a large scenario
    holds, two share a CRC-32 once in five)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    a, b, c, d = (int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return a, b, c, d


class Streams:
    """The generators of one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        if name not in self._cache:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, *source_key(name)))
            self._cache[name] = np.random.Generator(np.random.PCG64(seq))
        return self._cache[name]
