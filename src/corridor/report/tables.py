"""Plain-text tables for the terminal."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``COLUMNS`` when set), or ``default`` when not on one."""
    import shutil

    return shutil.get_terminal_size((default, 24)).columns


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None,
    max_width: int | None = None,
) -> str:
    """A table with a header rule; numbers right-aligned, text left-aligned. With
    ``max_width``, the widest text columns are cut (ending in "~") until the table fits."""
    cells, widths = _cells(headers, rows)
    numeric = [bool(cells) and all(_looks_numeric(r[i]) for r in cells) for i in range(len(headers))]
    if max_width is not None:
        widths = _fit(widths, numeric, headers, max_width)
        cells = [[_cut(v, w) for v, w in zip(r, widths, strict=True)] for r in cells]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [] if title is None else [title]
    out.append(line(list(headers)))
    out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in cells]
    return "\n".join(out)


def format_table_in_parts(headers: Sequence[str], rows: Sequence[Sequence[object]], *, keep: int,
                          title: str | None = None, max_width: int | None = None) -> str:
    """A table too wide for ``max_width`` columns as several, one under another, each with the
    first ``keep`` columns (what names a row) and as many of the others, in order, as fit; no
    cell is cut (a cut number misleads). Without ``max_width``, or when it fits: one table.

    >>> print(format_table_in_parts(["k", "aaaa", "bbbb", "cccc"], [["x", 1, 2, 3]], keep=1, max_width=14))
    k  aaaa  bbbb
    -  ----  ----
    x     1     2
    <BLANKLINE>
    k  cccc
    -  ----
    x     3
    """
    _, widths = _cells(headers, rows)
    lead = sum(widths[:keep]) + 2 * (keep - 1)
    parts: list[list[int]] = [[]]
    used = lead
    for i in range(keep, len(headers)):
        if max_width is not None and parts[-1] and used + 2 + widths[i] > max_width:
            parts.append([])
            used = lead
        parts[-1].append(i)
        used += 2 + widths[i]
    tables = []
    for k, part in enumerate(parts):
        columns = [*range(keep), *part]
        tables.append(format_table([headers[i] for i in columns], [[row[i] for i in columns] for row in rows],
                                   title=title if k == 0 else None))
    return "\n\n".join(tables)


def _cells(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> tuple[list[list[str]], list[int]]:
    """The rows' cells as text, and each column's width (its header's or its widest cell's)."""
    cells = [[_cell(v) for v in row] for row in rows]
    return cells, [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]


def _fit(widths: list[int], numeric: list[bool], headers: Sequence[str], max_width: int) -> list[int]:
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > max_width:
        # the first column names the row: it is never cut
        text = [i for i, num in enumerate(numeric)
                if i > 0 and not num and widths[i] > max(len(headers[i]), 8)]
        if not text:
            break
        widest = max(text, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "~"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.1f}"
    return str(value)


def _looks_numeric(text: str) -> bool:
    """A number, or a cell that stands for one not there (empty, or "-" for an undefined
    value): a column of numbers with some undefined stays right-aligned.

    >>> [_looks_numeric(t) for t in ("1,234.5", "-", "", "-0.2", "0 in all 2")]
    [True, True, True, True, False]
    """
    if text in ("", "-"):
        return True
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def hours_minutes(minutes: float) -> str:
    """A duration, written so it cannot be read as a clock time (hours may exceed 24).

    >>> hours_minutes(412.7), hours_minutes(1575), hours_minutes(1492.5), hours_minutes(1493.5)
    ('6 h 53', '26 h 15', '24 h 53', '24 h 54')
    """
    total = math.floor(minutes + 0.5)  # halves up, as times are rounded (round() sends them to even)
    return f"{total // 60} h {total % 60:02d}"


def cut_at_zero(mean: float, low: float, high: float, number: Callable[[float], str]) -> str | None:
    """A figure that cannot be negative (a count, a time, a cost) as ``mean (0-high)`` when its
    interval passes below 0, each written by ``number``; None when the interval does not pass
    0, or is not finite, or the mean itself is negative (then the interval is the truth). Run's,
    sweep's and throughput's tables cut by this one rule: no count of blocks reads "2 ± 19".
    An interval so cut that it reads as one figure is that figure alone, as in
    :func:`cut_share`.

    >>> fmt = lambda x: f"{x:,.1f}"
    >>> cut_at_zero(17.0, -1.0, 35.0, fmt), cut_at_zero(17.0, 1.0, 33.0, fmt)
    ('17.0 (0.0-35.0)', None)
    >>> cut_at_zero(0.01, -0.02, 0.04, fmt)
    '0.0'
    """
    if not (math.isfinite(low) and math.isfinite(high)) or not low < 0.0 <= mean:
        return None
    zero, top = number(0.0), number(high)
    return number(mean) if zero == top else f"{number(mean)} ({zero}-{top})"


def cut_share(mean: float, low: float, high: float, digits: int = 0) -> str | None:
    """A share (0-1) in percent as ``mean (low-high)`` with its interval cut at 0 and 100%,
    when the interval passes either (a "98 ± 4" would read past 100%); None when it does not.
    A ratio that may pass 100% (an airline's share of a market, a ratio of rates) and whose
    mean does keeps that end: the mean is never printed outside its interval.

    An interval so cut that it rounds to one figure is that figure alone (a queue busy all the
    time in every replication read "100 (100-100)").

    >>> cut_share(0.98, 0.94, 1.02), cut_share(0.5, 0.45, 0.55), cut_share(1.01, 0.95, 1.07)
    ('98 (94-100)', None, '101 (95-107)')
    >>> cut_share(0.99999, 0.99997, 1.00001)
    '100'
    """
    if not (low < 0.0 or high > 1.0) or not (math.isfinite(low) and math.isfinite(high)):
        return None
    lo = max(low, 0.0) if mean >= 0.0 else low
    hi = min(high, 1.0) if mean <= 1.0 else high
    lo_text, hi_text = f"{100 * lo:.{digits}f}", f"{100 * hi:.{digits}f}"
    if lo_text == hi_text:
        return f"{100 * mean:.{digits}f}"
    return f"{100 * mean:.{digits}f} ({lo_text}-{hi_text})"
