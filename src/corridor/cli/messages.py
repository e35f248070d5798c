"""Messages of the command line: errors on standard error, values clipped and made printable."""

from __future__ import annotations

import contextlib
import re
import sys
from typing import Any


def _say(message: str) -> None:
    """An error on standard error, if it can be written (full, the exit status still says it),
    any value in it clipped (:func:`_clipped`)."""
    with contextlib.suppress(OSError, ValueError):
        print(_clipped(message), file=sys.stderr)
        sys.stderr.flush()


def _clipped(message: str, longest: int = 240) -> str:
    """``message`` with each run of characters without a space longer than ``longest`` (a
    value given on the command line or in a file, echoed back: a 100,000-character place id)
    cut to its start and end, saying how much is left out.

    >>> print(_clipped("unknown place " + "0123456789" * 30 + " (did you mean 'NQZ'?)", longest=24))
    unknown place 01234567[... 290 more characters ...]89 (did you mean 'NQZ'?)
    """
    head, tail = longest // 3, longest // 12

    def clip(m: re.Match[str]) -> str:
        run = m.group()
        return f"{run[:head]}[... {len(run) - head - tail:,} more characters ...]{run[-tail:]}"

    return re.sub(rf"\S{{{longest + 1},}}", clip, message)


def _cannot_flush(stream: Any) -> bool:
    """Whether writing what ``stream`` holds fails (a full disk under it, say)."""
    try:
        stream.flush()
    except (OSError, ValueError):
        return True
    return False


def _printable(message: str) -> str:
    r"""``message`` with control characters other than newlines and tabs escaped (``\x1b``): a
    file name may hold them, and a terminal would run them (clear the screen, change colours).

    >>> print(_printable("error: a\x1b[2Jb.yaml: bad value"))
    error: a\x1b[2Jb.yaml: bad value
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
