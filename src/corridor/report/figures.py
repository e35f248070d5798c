"""matplotlib, the one way the reports use it: off screen, names taken as text, PNG bytes."""

from __future__ import annotations

import atexit
import io
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the off-screen Agg backend, with ``$`` in names shown as text
    rather than read as formulas."""
    _config_folder()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False
    return plt


def _config_folder() -> None:
    """Before matplotlib is first imported: if the folders it keeps its settings and font cache
    in cannot be made or written in (HOME read-only, or not a folder) and ``MPLCONFIGDIR`` does
    not name others, name a private temporary one, removed at exit. matplotlib would make one
    too, but print two lines of warning on every command that draws; where its own folders can
    be written in, or the user chose them, nothing changes."""
    if os.environ.get("MPLCONFIGDIR") or "matplotlib" in sys.modules:
        return
    try:
        if all(_writable_folder(folder) for folder in _matplotlib_folders()):
            return
    except RuntimeError:  # no home folder to be found (HOME unset, no user entry)
        pass
    folder = tempfile.mkdtemp(prefix="corridor-matplotlib-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder


def _matplotlib_folders() -> list[Path]:
    """The settings and cache folders matplotlib uses when ``MPLCONFIGDIR`` is not set (its
    ``get_configdir`` and ``get_cachedir``)."""
    if not sys.platform.startswith(("linux", "freebsd")):
        return [Path.home() / ".matplotlib"]
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(config) / "matplotlib", Path(cache) / "matplotlib"]


def _writable_folder(folder: Path) -> bool:
    """Whether ``folder`` is, or can be made, a folder to write in: tried as matplotlib tries
    it (made if missing, as it would make it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return folder.is_dir() and os.access(folder, os.W_OK)


def png(fig: Any, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, laid out tight (unless it has a layout of its own: a figure
    title needs the constrained one, which leaves room for it); the figure is closed either way."""
    buf = io.BytesIO()
    try:
        if fig.get_layout_engine() is None:
            fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        pyplot().close(fig)
    return buf.getvalue()


def error_bars(means: list[float], lows: list[float], highs: list[float], *, floor: float | None = 0.0,
               ceiling: float | None = None) -> list[list[float]]:
    """``yerr`` for matplotlib's ``errorbar``: below and above each mean, to its 95% interval
    cut at ``floor`` and ``ceiling`` as the tables cut it (a share at 0 and 1, a count or time
    at 0; None: not cut); 0 where the interval is undefined (one replication).

    >>> error_bars([0.98, 0.02, 5.0], [0.94, -0.01, float("nan")], [1.02, 0.05, float("nan")], ceiling=1.0)
    [[0.040000000000000036, 0.02, 0.0], [0.020000000000000018, 0.030000000000000002, 0.0]]
    """
    below, above = [], []
    for mean, low, high in zip(means, lows, highs, strict=True):
        if not (math.isfinite(low) and math.isfinite(high)):
            below.append(0.0)
            above.append(0.0)
            continue
        low = low if floor is None else max(low, floor)
        high = high if ceiling is None else min(high, ceiling)
        below.append(max(mean - low, 0.0))
        above.append(max(high - mean, 0.0))
    return [below, above]
