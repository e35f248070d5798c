"""Station behaviour that mutation testing found unguarded: each test names the mutant it kills.

The witnesses are hand-worked numbers (in the comments), never the station's own output.
"""

from __future__ import annotations

import numpy as np

from corridor.simulation.stations import Station


def test_a_stations_servers_are_free_from_the_start_even_before_minute_zero() -> None:
    # two servers, vehicles at -30, -20, -10 (minutes before the epoch), services 25, 25, 5.
    # By hand, each server free from -inf (as admit and multi_server_waits start them): the
    # first takes a server -30 to -5, the second the other -20 to 5, the third the one free
    # at -5 and waits 5. Kills: Station.free_min started at 0 rather than -inf (the first two
    # then waited to 0, the third to 25)
    station = Station(0, 2, None, None, [], draws=np.array([25.0, 25.0, 5.0]))
    for t in (-30.0, -20.0, -10.0):
        station.visit(t, 1)
    assert station.start == [-30.0, -20.0, -5.0]
    assert station.end == [-5.0, 5.0, 0.0]
    # the servers now free at 0 and 5: a vehicle arriving at -40 would start at 0, 40 later
    assert station.expected_wait(-40.0) == 40.0
