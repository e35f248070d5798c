"""Synthetic scenarios of any size, for the scale benchmarks: random rail lines at
30-minute headways between junctions spread from Germany to western China.

Places are ``junction``s scattered over a box from 12°E to 88°E, numbered west to east
(``J0000`` is the westmost), each with the country and time zone of its longitude band.
A backbone of four-stop lines links every place to the next ones eastward, so the westmost
place always reaches the eastmost (:func:`corridor_ends`); the other services run two to
five stops eastward or westward, each stop one of the next few places in that direction.

Every service runs daily from 05:00 to 23:00 local time every 30 minutes (37 departures a
day), so a scenario expands to about ``expected_connections`` connections; the first
service holds an anchor the others merge (``<<: *rail``), as the shipped scenarios do.
Everything is drawn from one seed: the same arguments give the same text.
"""

from __future__ import annotations

import math
import random

# Longitude bands, west to east: (eastern edge, country, time zone).
BANDS = (
    (14.5, "DE", "Europe/Berlin"),
    (24.0, "PL", "Europe/Warsaw"),
    (26.5, "LT", "Europe/Vilnius"),
    (32.0, "BY", "Europe/Minsk"),
    (50.0, "RU", "Europe/Moscow"),
    (80.0, "KZ", "Asia/Almaty"),
    (180.0, "CN", "Asia/Shanghai"),
)
LON_RANGE = (12.0, 88.0)
LAT_RANGE = (41.0, 56.0)
FIRST, LAST, HEADWAY_MIN = "05:00", "23:00", 30
DEPARTURES_PER_DAY = (18 * 60) // HEADWAY_MIN + 1  # 05:00 to 23:00 inclusive
BACKBONE_STOPS = 4
NEIGHBOURS = 6  # a random line's next stop is one of this many nearest places ahead
MEAN_RANDOM_SEGMENTS = 2.5  # two to five stops, uniform


def default_places(n_services: int) -> int:
    """Places for a scenario of ``n_services``: grows as the square root, 10 to 400."""
    return max(10, min(400, round(4 * math.sqrt(n_services))))


def backbone_lines(n_places: int) -> list[list[int]]:
    """The backbone: lines of up to four stops chaining all places west to east."""
    step = BACKBONE_STOPS - 1
    return [list(range(k, min(k + BACKBONE_STOPS, n_places))) for k in range(0, n_places - 1, step)]


def place_id(i: int) -> str:
    return f"J{i:04d}"


def corridor_ends(n_services: int, n_places: int | None = None) -> tuple[str, str]:
    """The westmost and eastmost places: a query between them crosses the whole network."""
    n = n_places if n_places is not None else default_places(n_services)
    return place_id(0), place_id(n - 1)


def expected_connections(n_services: int, *, days: float = 14, n_places: int | None = None) -> float:
    """About how many connections the scenario expands to over ``days`` days (random lines
    are counted at their mean length before they are cut short at the ends of the box)."""
    backbone = backbone_lines(n_places if n_places is not None else default_places(n_services))[:n_services]
    segments = sum(len(line) - 1 for line in backbone) + (n_services - len(backbone)) * MEAN_RANDOM_SEGMENTS
    return segments * DEPARTURES_PER_DAY * days


def services_for(connections: float, *, days: float = 14) -> int:
    """The number of services whose scenario expands to about ``connections`` connections."""
    n = 1
    while expected_connections(n + 1, days=days) <= connections:
        n += 1
    below, above = expected_connections(n, days=days), expected_connections(n + 1, days=days)
    return n if connections - below <= above - connections else n + 1


def _band(lon: float) -> tuple[str, str]:
    for edge, country, tz in BANDS:
        if lon < edge:
            return country, tz
    raise ValueError(f"longitude {lon} beyond the last band")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between (lat, lon) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def synthetic_scenario(
    n_services: int, *, seed: int = 0, n_places: int | None = None, horizon_days: int = 14,
    start: str = "2027-03-01",
) -> str:
    """A valid scenario of ``n_services`` rail services (unit FEU) as YAML text.

    ``n_places`` defaults to :func:`default_places`. The first services are the west-east
    :func:`backbone_lines` (as many as ``n_services`` allows); a fifth of the others give
    ``duration_min`` instead of ``speed_kph``.
    """
    if n_services < 1:
        raise ValueError("n_services must be at least 1")
    n = n_places if n_places is not None else default_places(n_services)
    if n < 2:
        raise ValueError("n_places must be at least 2")
    rng = random.Random(seed)
    coords = sorted(
        ((round(rng.uniform(*LAT_RANGE), 3), round(rng.uniform(*LON_RANGE), 3)) for _ in range(n)),
        key=lambda p: p[1],
    )
    out = [
        f"name: synthetic-{n_services}-services-seed-{seed}",
        f"description: {n_services} random rail services at {HEADWAY_MIN}-minute headways over "
        f"{n} junctions (benchmarks/synthetic.py).",
        f"run: {{start: {start}, horizon_days: {horizon_days}, seed: {seed}}}",
        "",
        "places:",
    ]
    for i, (lat, lon) in enumerate(coords):
        country, tz = _band(lon)
        out.append(
            f"  - {{id: {place_id(i)}, name: Junction {i}, kind: junction, country: {country}, "
            f"lat: {lat}, lon: {lon}, tz: {tz}, min_connection_min: {rng.choice((30, 60, 90, 120))}, "
            f"checkin_min: 60}}"
        )

    backbone = backbone_lines(n)[:n_services]
    out += ["", "services:"]
    for s in range(n_services):
        if s < len(backbone):
            stops = backbone[s]
        else:
            stops = _random_line(rng, n, rng.randint(2, 5))
        out.append(f"  - id: R{s:05d}")
        out.append("    <<: &rail {mode: rail, unit: feu, circuity: 1.2, cost_usd_per_unit_km: 0.327, "
                   "co2_g_per_unit_km: 280}" if s == 0 else "    <<: *rail")
        out.append(f"    stops: [{', '.join(place_id(i) for i in stops)}]")
        out.append(f'    timetable: {{days: daily, headway_min: {HEADWAY_MIN}, first: "{FIRST}", '
                   f'last: "{LAST}"}}')
        if s >= len(backbone) and rng.random() < 0.2:
            km = sum(_km(coords[a], coords[b]) for a, b in zip(stops, stops[1:], strict=False))
            out.append(f"    duration_min: {max(len(stops) - 1, round(km * 1.2 / rng.uniform(40, 70) * 60))}")
        else:
            out.append(f"    speed_kph: {rng.randint(35, 80)}")
        if len(stops) > 2:
            out.append(f"    dwell_min: {rng.choice((15, 30, 60))}")
        out.append(f"    capacity: {rng.choice((41, 50, 57))}")
    return "\n".join(out) + "\n"


def _random_line(rng: random.Random, n: int, n_stops: int) -> list[int]:
    """A line of up to ``n_stops`` places, heading east or west from a random place, each
    stop one of the nearest places ahead (by index, the places being sorted by longitude)."""
    east = rng.random() < 0.5
    here = rng.randrange(n - 1) if east else rng.randrange(1, n)
    stops = [here]
    for _ in range(n_stops - 1):
        if east:
            ahead = range(here + 1, min(n, here + 1 + NEIGHBOURS))
        else:
            ahead = range(max(0, here - NEIGHBOURS), here)
        if not ahead:
            break
        here = rng.choice(ahead)
        stops.append(here)
    return stops
