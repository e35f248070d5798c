"""Reading and validating a GTFS feed with gtfs-kit, within limits.

gtfs-kit 9 is the last release with a validator (``gtfs_kit.validate``), and its reader
declares three columns narrower than GTFS allows: ``route_type`` as an 8-bit integer (the
extended types run to 1702; air is 1100), ``min_transfer_time`` and ``headway_secs`` as 16-bit
ones (at most 9 h 6 min; a road link between terminals may take longer, and a frequency-based
trip is read to be refused at its line). :func:`read_feed` reads those as 32-bit integers, as
gtfs-kit 10 and later do for ``route_type``. Nothing else of gtfs-kit is changed.

Before gtfs-kit opens anything, the archive is checked: it must exist (gtfs-kit would
otherwise try it as a URL), be a zip, and hold at most :data:`MAX_FILES` members and
:data:`MAX_UNPACKED_BYTES` once unpacked, so a hostile file cannot fill the disk. Its tables
are then read as CSV once: a file of more than :data:`MAX_RECORDS` records (which pandas would
hold in gigabytes), a header of more than :data:`MAX_COLUMNS` columns, a record with more
fields than its header (which pandas would read shifted one column, or refuse naming neither
file nor line), a header that names a column twice, or a quote left open is refused at its
line. When gtfs-kit still cannot read the feed,
the first cell its column's type refuses (``stop_lat`` ``abc``, ``stop_sequence`` ``2.5``) is
found and named at its line.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corridor.errors import CorridorError

MAX_FILES = 64
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COLUMNS = 1_000  # a file's columns: 200,000 took pandas 28 s and 680 MB before any was refused
MAX_RECORDS = 2_000_000  # a file's records: 512 MB of stop_times (13.7 million) took 7.6 GB and
# 3 minutes before a word was said; 2 million stop times (1 million trips) took 2.26 GB and
# 76-115 s to validate (2026-12-04)
_WIDER = {"route_type": "Int32", "min_transfer_time": "Int32", "headway_secs": "Int32"}
_LOCK = threading.Lock()


class FeedError(CorridorError, ValueError):
    """A GTFS feed that cannot be read or used; the message names the file and the place, or
    ``member``, ``line`` and ``column`` do (a file of the archive, its line from 1, the column
    when one is at fault)."""

    def __init__(self, message: str, *, member: str | None = None, line: int | None = None,
                 column: str = "") -> None:
        super().__init__(message)
        self.member, self.line, self.column = member, line, column


def check_archive(path: Path) -> None:
    """Refuse what is not a bounded zip archive, before anything is unpacked."""
    if not path.is_file():
        what = ("a folder" if path.is_dir() else "not a regular file" if path.exists()
                else "no such GTFS feed")
        raise FeedError(f"{path}: {what}{', not a GTFS feed' if path.exists() else ''} (a .zip file)")
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FeedError(f"{path}: not a GTFS zip archive ({exc})") from None
    if len(members) > MAX_FILES:
        raise FeedError(f"{path}: {len(members)} files in the archive; at most {MAX_FILES}")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FeedError(f"{path}: {unpacked:,} bytes unpacked; at most {MAX_UNPACKED_BYTES:,}")
    names = {m.filename for m in members}
    if len(names) < len(members):  # zipfile and gtfs-kit read the last of them, unsaid
        twice = sorted(n for n in names if sum(m.filename == n for m in members) > 1)
        raise FeedError(f"{path}: {twice[0]} is in the archive twice; a feed holds each file once")
    for required in ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"):
        if required not in names:
            raise FeedError(
                f"{path}: the feed has no {required}"
                + (
                    " (its files are in a folder inside the zip; GTFS wants them at the top)"
                    if any(n.endswith("/" + required) for n in names)
                    else ""
                )
            )


def read_feed(path: str | Path) -> Any:
    """The feed at ``path`` as a ``gtfs_kit.Feed`` (distances in km)."""
    import gtfs_kit
    import gtfs_kit.constants as constants

    path = Path(path)
    check_archive(path)
    with _LOCK:
        saved = {k: constants.DTYPE.get(k) for k in _WIDER}
        constants.DTYPE.update(_WIDER)
        try:
            types = dict(constants.DTYPE)  # _WIDER's included
            tables = frozenset(constants.GTFS_REF["table"])
            # what pandas would read shifted, without a word; text it would read as missing
            located, literal = _first_pass(path, tables, types)
            if located is None:
                feed = gtfs_kit.read_feed(path, dist_units="km")
                _put_back(feed, literal)
                return feed
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, OSError, OverflowError) as exc:
            located = (_not_utf8(path) if isinstance(exc, UnicodeDecodeError)
                       else _bad_cell(path, tables, types))
            raise located or FeedError(f"{path}: gtfs-kit cannot read the feed: {exc}") from None
        finally:
            for k, v in saved.items():
                if v is None:
                    constants.DTYPE.pop(k, None)
                else:
                    constants.DTYPE[k] = v
    raise located


def _not_utf8(path: Path) -> FeedError | None:
    """The first file of the archive that is not UTF-8 text, at its line (gtfs-kit names only
    the byte and its position, not the file)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if "/" in name or not name.endswith(".txt"):
                continue
            data = zf.read(name)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return FeedError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); GTFS files are UTF-8",
                                 member=name, line=data.count(b"\n", 0, exc.start) + 1)
    return None


def _rows(zf: zipfile.ZipFile, tables: frozenset[str]) -> Iterator[tuple[str, list[str], int, list[str]]]:
    """(member, header, line, fields) of every record of the tables gtfs-kit reads (``.txt``
    files at the archive's top), the line being where the record starts; blank lines are
    skipped, as pandas skips them. A quote left open to the end of a file is a :class:`FeedError`
    at the line where its record starts."""
    for name in sorted(zf.namelist()):
        if "/" in name or not name.endswith(".txt") or name[:-4] not in tables:
            continue
        with zf.open(name) as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), strict=True)
            header: list[str] | None = None
            start = 1
            try:
                for fields in reader:
                    if fields:
                        if header is None:
                            header = fields
                            _check_header(name, header, start)
                        else:
                            yield name, header, start, fields
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise FeedError(f"the record starting here is not CSV ({exc}; a quote left open?)",
                                member=name, line=start) from None


def _check_header(member: str, header: list[str], line: int) -> None:
    """Refuse a header that names a column twice. gtfs-kit strips the spaces round each name,
    and pandas then keeps both columns under one name (a stop's ``stop_lat`` read as a pair of
    values) or, for names written alike, renames the second (``route_type.1``) and drops it
    unsaid: either way the feed says two things and one is lost. Unnamed columns (a comma at
    the end of the header) name nothing and are let be."""
    if len(header) > MAX_COLUMNS:
        raise FeedError(f"the header names {len(header):,} columns; at most {MAX_COLUMNS:,} (a GTFS "
                        "file has a few dozen)", member=member, line=line)
    seen: set[str] = set()
    for column in (field.strip() for field in header):
        if column in seen:
            raise FeedError(f"the header names the column {column!r} twice; each column once",
                            member=member, line=line, column=column)
        if column:
            seen.add(column)


def record_lines(path: Path, member: str) -> list[int]:
    """The line where each record of the archive's ``member`` (``stops.txt``) starts, in the
    order the reader numbers them: what a record's line is when blank lines are skipped or a
    quoted field spans lines. Empty when the archive has no such file."""
    with zipfile.ZipFile(path) as zf:
        return [line for name, _, line, _ in _rows(zf, frozenset({member[:-4]})) if name == member]


def _first_pass(path: Path, tables: frozenset[str],
                types: dict[str, str]) -> tuple[FeedError | None, list[tuple[str, int, str, str]]]:
    """One pass over the records before gtfs-kit reads them. The first record with more fields
    than its file's header names is an error: pandas reads a file whose every record has one
    more (a comma at the end of each line) with its first column as the index, so every value
    lands one column to the left, and refuses one such record among others without naming the
    file. And the cells of text columns, and of columns gtfs-kit does not know (corridor's own),
    that pandas would read as missing (``NA``, ``None``):
    (member, record, column, text), for :func:`_put_back`."""
    literal = []
    with zipfile.ZipFile(path) as zf:
        records: dict[str, int] = {}
        for name, header, line, fields in _rows(zf, tables):
            if len(fields) > len(header):
                return FeedError(f"{len(fields)} fields where the header names {len(header)}",
                                 member=name, line=line), []
            k = records[name] = records.get(name, -1) + 1
            if k >= MAX_RECORDS:
                return FeedError(f"{name} holds more than {MAX_RECORDS:,} records, the most a file may "
                                 "(pandas takes some 600 bytes of memory a record)",
                                 member=name, line=line), []
            for column, text in zip(header, fields, strict=False):
                if text and text in _MISSING and types.get(column, "string") == "string":
                    literal.append((name, k, column, text))
    return None, literal


def _put_back(feed: Any, literal: list[tuple[str, int, str, str]]) -> None:
    """Put back the text of cells of text columns that pandas read as missing because they
    spell one of its missing-value words (``literal``: member, record, column, text): a route
    or stop whose id is ``NA`` or ``None`` (valid ids, which corridor itself exports) was read
    with no id at all, and a ``corridor_capacity`` of ``nan`` as one the feed does not give."""
    for name, k, column, text in literal:
        frame = getattr(feed, name[:-4], None)
        if frame is not None and column in frame.columns and k < len(frame):
            if frame[column].dtype != object:  # a column of corridor's own, read as numbers
                frame[column] = frame[column].astype(object)
            frame.iloc[k, frame.columns.get_loc(column)] = text


#: what pandas reads as a missing value (its default ``na_values``)
_MISSING = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                      "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                      "nan", "null"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity)", re.IGNORECASE)


def _cell_problem(text: str, kind: str) -> str | None:
    """Why gtfs-kit's reader refuses ``text`` in a column of type ``kind`` ('float', 'Int8',
    'Int16', 'Int32'), or None."""
    text = text.strip()
    if text in _MISSING:
        return None
    if _NUMBER.fullmatch(text) is None:
        return f"{text!r} is not a number"
    if kind == "float":
        return None
    bits = int(kind[3:])
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    value = float(text)
    if not (math.isfinite(value) and value == math.floor(value) and low <= value <= high):
        return f"{text!r} is not a whole number from {low} to {high}"
    return None


def _bad_cell(path: Path, tables: frozenset[str], types: dict[str, str]) -> FeedError | None:
    """The first cell that gtfs-kit's reader cannot read as its column's type, at its line
    (pandas names neither the file nor the line); or the quote left open that :func:`_rows`
    finds."""
    with zipfile.ZipFile(path) as zf:
        try:
            for name, header, line, fields in _rows(zf, tables):
                for column, text in zip(header, fields, strict=False):
                    kind = types.get(column, "string")
                    if kind != "string" and (why := _cell_problem(text, kind)) is not None:
                        return FeedError(why, member=name, line=line, column=column)
        except FeedError as exc:
            return exc
    return None


def validate(feed: Any) -> Any:
    """gtfs-kit's validation report: a DataFrame of (type, message, table, rows)."""
    import gtfs_kit

    return gtfs_kit.validate(feed, as_df=True, include_warnings=True)
