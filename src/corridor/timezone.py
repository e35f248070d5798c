"""IANA time zones from the pinned ``tzdata`` package.

The zone files are read from the ``tzdata`` package, not the operating system, so every
machine converts local timetables to UTC the same way (Kazakhstan's move to UTC+5 on
2024-03-01 is in tzdata 2024a and later; an old system database would still say UTC+6).
"""

from __future__ import annotations

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
