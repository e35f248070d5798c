"""IANA time zones from the pinned ``tzdata`` package.

The zone files are read from the ``tzdata`` package, not the operating system, so every
machine converts local timetables to UTC the same way (Kazakhstan's move to UTC+5 on
2024-03-01 is in tzdata 2024a and later; an old system database would still say UTC+6).
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (e.g. ``"Asia/Almaty"``); ``KeyError`` if there is none."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise KeyError(name)
    parts = name.split("/")
    package = ".".join(["tzdata", "zoneinfo", *parts[:-1]])
    try:
        ref = resources.files(package).joinpath(parts[-1])
        with ref.open("rb") as fobj:
            return ZoneInfo.from_file(fobj, key=name)
    except (ModuleNotFoundError, OSError, ValueError):  # OSError: no such file, a folder, a
        # name longer than the system takes ("File name too long" reached export as a traceback)
        raise KeyError(name) from None


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone the ``tzdata`` package holds, by name (its ``zones`` list)."""
    return tuple(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def close_zone(name: str) -> str | None:
    """The zone a name that is none most likely meant: a misspelling (``Asia/Tashkend``), or a
    city written alone (``Tashkent``); ``None`` when nothing is close, or for a name longer than
    any zone's by far (a hostile megabyte is not compared with every zone).

    >>> close_zone("Asia/Tashkend"), close_zone("vilnius"), close_zone("Nowhere/Atall")
    ('Asia/Tashkent', 'Europe/Vilnius', None)
    """
    if len(name) > 64:  # the longest zone names have about 30 characters
        return None
    names = zone_names()
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    if close:
        return close[0]
    cities = {z.rsplit("/", 1)[-1].lower(): z for z in names if "/" in z}
    close = difflib.get_close_matches(name.strip().replace(" ", "_").lower(), cities, n=1, cutoff=0.8)
    return cities[close[0]] if close else None
