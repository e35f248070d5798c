"""Reading and validating a GTFS feed with gtfs-kit, within limits.

gtfs-kit 9 is the last release with a validator (``gtfs_kit.validate``), and its reader
declares two columns narrower than GTFS allows: ``route_type`` as an 8-bit integer (the
extended types run to 1702; air is 1100) and ``min_transfer_time`` as a 16-bit one (at most
9 h 6 min; a road link between terminals may take longer). :func:`read_feed` reads those two
as 32-bit integers, as gtfs-kit 10 and later do for ``route_type``. Nothing else of gtfs-kit
is changed.

Before gtfs-kit opens anything, the archive is checked: it must exist (gtfs-kit would
otherwise try it as a URL), be a zip, and hold at most :data:`MAX_FILES` members and
:data:`MAX_UNPACKED_BYTES` once unpacked, so a hostile file cannot fill the disk.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path
from typing import Any

from corridor.errors import CorridorError

MAX_FILES = 64
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
_WIDER = {"route_type": "Int32", "min_transfer_time": "Int32"}
_LOCK = threading.Lock()


class FeedError(CorridorError, ValueError):
    """A GTFS feed that cannot be read or used; the message names the file and the place, or
    ``member`` and ``line`` do (a file of the archive, its line from 1)."""

    def __init__(self, message: str, *, member: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.member, self.line = member, line


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
            return gtfs_kit.read_feed(path, dist_units="km")
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, OSError) as exc:
            located = _not_utf8(path) if isinstance(exc, UnicodeDecodeError) else None
            raise located or FeedError(f"{path}: gtfs-kit cannot read the feed: {exc}") from None
        finally:
            for k, v in saved.items():
                if v is None:
                    constants.DTYPE.pop(k, None)
                else:
                    constants.DTYPE[k] = v


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


def validate(feed: Any) -> Any:
    """gtfs-kit's validation report: a DataFrame of (type, message, table, rows)."""
    import gtfs_kit

    return gtfs_kit.validate(feed, as_df=True, include_warnings=True)
