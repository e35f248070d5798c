"""Writing output files whole or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from corridor.errors import CorridorError


def umask() -> int:
    """The process's file-creation mask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_writable_file(path: Path) -> Path:
    """The folder ``path`` goes into, if a file can be written there; a clear error if not.
    A symbolic link is checked as the file it points to, which is written."""
    path = Path(path)
    try:
        return _writable_file(_link_target(path))
    except OSError as exc:  # a name too long for the system, a loop of links, ...
        raise cannot_write(path, exc) from None


def _writable_file(path: Path) -> Path:
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CorridorError(f"{path} is a folder; give a file name")
    if path.exists() and not path.is_file():  # a file is written beside and renamed over it,
        # which would put a plain file in place of a pipe or a device (/dev/null, say)
        raise CorridorError(f"{path} is not a regular file (a pipe, device or socket); give a file name")
    if not parent.is_dir():
        raise CorridorError(f"{path}: {parent} is a file, not a folder" if parent.exists()
                            else f"{path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or str(parent.resolve()).startswith(("/proc", "/sys")):
        raise CorridorError(f"{path}: cannot write in folder {parent}")
    return parent


def cannot_write(path: Path, exc: OSError) -> CorridorError:
    """``exc`` (a full disk, a quota, an I/O error), met writing ``path``, as a one-line error."""
    reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
    return CorridorError(f"{path}: cannot write there ({reason})")


def _link_target(path: Path) -> Path:
    """``path``, or the file a symbolic link at ``path`` points to (through any chain of
    links; one that points nowhere yet: the file it names). A loop is an error."""
    if not path.is_symlink():
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        return Path(os.path.realpath(path))
    except OSError as exc:
        raise CorridorError(f"{path}: a symbolic link that leads nowhere ({exc.strerror})") from None


def working_folder(parent: Path, name: str) -> Path:
    """A new hidden folder in ``parent`` to build ``name`` in before it moves into place:
    ``.NAME.PID-HOST.XXXXXXXX`` (:func:`builder_tag`), so that a later run can tell one a
    killed process left (:func:`drop_stale`) from one still being built."""
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.{builder_tag(os.getpid())}."))


def builder_tag(pid: int) -> str:
    """``PID-HOST``: the process building a working folder, and a short digest of the name of
    the machine it runs on. A process id means something only on its own machine: a folder on a
    disk that several machines share, built by a live run elsewhere, must not look left over.

    >>> import re
    >>> bool(re.fullmatch(r"4242-[0-9a-f]{8}", builder_tag(4242)))
    True
    """
    host = hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{pid}-{host}"


def drop_stale(folder: Path, name: str) -> None:
    """Remove the working folders for ``name`` (:func:`working_folder`) that a process killed
    outright (``kill -9``) left in ``folder``: those of this machine's processes that no longer
    run. A live run's are left alone, and so are another machine's, those of a process the
    system will not tell about (one of another user's) and anything not named as a working
    folder is."""
    try:
        entries = list(folder.iterdir())
    except OSError:  # not readable: nothing of ours is known to be there
        return
    for entry in entries:
        pid = _builder(entry.name, name)
        if pid is not None and not _running(pid):
            shutil.rmtree(entry, ignore_errors=True)


def _builder(entry: str, name: str) -> int | None:
    """The process id in ``entry``, if it is named as a working folder for ``name`` built on
    this machine; else None.

    >>> here = builder_tag(4242)
    >>> [_builder(entry, "out") for entry in (f".out.{here}.k3j_9xq1", ".out.4242.k3j_9xq1",
    ...                                       ".out.4242-0000ffff.k3j_9xq1", ".out.k3j_9xq1")]
    [4242, None, None, None]
    """
    head = f".{name}."
    if not entry.startswith(head):
        return None
    tag, dot, rest = entry[len(head):].partition(".")
    pid = tag.partition("-")[0]
    if not (dot and rest and "." not in rest and pid.isascii() and pid.isdigit()) \
            or tag != builder_tag(int(pid)):
        return None
    return int(pid)


def _running(pid: int) -> bool:
    """Whether process ``pid`` may be running: only "no such process" says it is not."""
    if os.name == "nt":  # there os.kill ends the process rather than asking after it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's (PermissionError), or no id the system takes
        return True
    return True


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    A failure leaves any earlier file at ``path`` untouched and no partial file behind. The
    file gets the usual permissions (0666 less the umask), so colleagues can read it. A
    symbolic link stays: the file it points to is written (as other programs do).
    """
    parent = check_writable_file(path)
    path = _link_target(Path(path))
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=path.suffix)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    kept = False
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        if _batches:  # renamed with the others of its batch (:func:`all_or_none`)
            _batches[-1].append((tmp, path))
            kept = True
        else:
            os.replace(tmp, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        if not kept:
            tmp.unlink(missing_ok=True)


_batches: list[list[tuple[Path, Path]]] = []  # open :func:`all_or_none` batches, innermost last


@contextlib.contextmanager
def all_or_none() -> Iterator[None]:
    """Files that :func:`write_atomically` writes inside go into place together when all are
    written; if any fails (or the run is interrupted), none does and no temporary file stays:
    a command of several outputs leaves the old ones, not a mix of old and new."""
    batch: list[tuple[Path, Path]] = []
    _batches.append(batch)
    try:
        try:
            yield
        finally:
            _batches.pop()
        for k, (tmp, path) in enumerate(batch):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise cannot_write(path, exc) from None
            batch[k] = (path, path)  # in place: nothing to remove
    finally:
        for tmp, path in batch:
            if tmp != path:
                tmp.unlink(missing_ok=True)


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``@``, a
    tab or a carriage return, or ``-``, and is not a number), quoted with a leading
    apostrophe; numbers and other text as they are. Scenario names and sweep settings are free
    text and reach the CSV tables.

    >>> [spreadsheet_safe(v) for v in ("=HYPERLINK(1)", "-2.5", "-x", "Baltic", 3)]
    ["'=HYPERLINK(1)", '-2.5', "'-x", 'Baltic', 3]
    """
    if not isinstance(value, str) or not value or value[0] not in "=+-@\t\r":
        return value
    try:
        float(value)  # a signed number is data, not a formula
    except ValueError:
        return "'" + value
    return value


#: the columns of a confidence interval's bounds in the tidy tables
INTERVAL_COLUMNS = ("ci_low", "ci_high")


def write_table(df: Any, folder: Path, name: str) -> list[Path]:
    """A tidy table as ``name.csv`` (times in ISO 8601 with their offset; text a spreadsheet
    would run as a formula quoted, :func:`spreadsheet_safe`) and ``name.parquet``. An interval
    that one replication leaves undefined (its half-width infinite) is empty in both, as it is
    null in the JSON summaries, not -inf to inf."""
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    df = df.copy()
    for col in INTERVAL_COLUMNS:
        if col in df.columns:
            df[col] = df[col].where(np.isfinite(df[col].astype(float)))
    out = df.copy()
    for col in out.columns:  # ISO 8601 with offset in CSV
        if str(out[col].dtype).startswith("datetime64"):
            out[col] = out[col].map(lambda t: None if t is None or t != t else t.isoformat())
        elif out[col].dtype == object or str(out[col].dtype) in ("str", "string"):
            out[col] = out[col].map(spreadsheet_safe)
    out.to_csv(csv_path, index=False)
    df.to_parquet(parquet_path, index=False)
    return [csv_path, parquet_path]
