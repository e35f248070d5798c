"""matplotlib, the one way the reports use it: off screen, names taken as text, PNG bytes."""

from __future__ import annotations

import io
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the off-screen Agg backend, with ``$`` in names shown as text
    rather than read as formulas."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["text.parse_math"] = False
    return plt


def png(fig: Any, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, laid out tight; the figure is closed either way."""
    buf = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        pyplot().close(fig)
    return buf.getvalue()
