"""Writing a simulation's records and summary into a folder, whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corridor.analysis.warnings import run_warnings
from corridor.errors import CorridorError
from corridor.report.files import cannot_write, drop_stale, umask, working_folder


def strict(value: Any) -> Any:
    """``value`` with every non-finite float (an undefined interval) as None: strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    return value


def result_json(result: Any) -> dict[str, Any]:
    """The run's summary as JSON-ready data (what summary.json and --json hold); intervals
    that are undefined (one replication) are null."""
    from corridor import __version__

    return strict({
        "scenario": result.scenario,
        "corridor_version": __version__,
        # the records' times (*_min columns of the CSVs) are minutes after this moment
        "epoch": result.epoch,
        "seed": result.seed,
        "replications": len(result.records),
        "events": result.events,
        "warnings": run_warnings(result),
        "summary": result.summary,
        "per_replication": result.kpis,
    })


def check_out(out: Path) -> Path:
    """The folder to build results in before they move to ``out`` (a new folder, or an empty
    one), checked before a run, so a long simulation is not lost at the end: ``out``'s parent,
    or ``out`` itself when it exists and only it can be written in (a folder made for the
    results in a shared place). A link to a folder stands for that folder; a link to nothing is
    refused. The folders an earlier run into ``out`` was building when it was killed outright
    are removed from both places first (:func:`~corridor.report.files.drop_stale`)."""
    out = Path(out)
    try:
        return _out_parent(out)
    except OSError as exc:  # a name too long for the system, a loop of links, ...
        raise cannot_write(out, exc) from None


def _can_write_in(folder: Path) -> bool:
    """Whether a file can be made in ``folder``, tried (permission bits do not tell root's,
    an access list's or a read-only file system's answer)."""
    if str(folder.resolve()).startswith(("/proc", "/sys")):
        return False
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".corridor-check.")
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _out_parent(out: Path) -> Path:
    if out.is_symlink() and not out.exists():
        try:
            out.resolve(strict=True)
        except FileNotFoundError:
            raise CorridorError(f"{out} is a link to {os.readlink(out)}, which does not exist; "
                                "--out takes a new or empty folder") from None
        except (RuntimeError, OSError):  # ELOOP (Python 3.13), "Symlink loop" (3.11, 3.12)
            raise CorridorError(f"{out} is a loop of symbolic links; --out takes a new or empty "
                                "folder") from None
    target = followed(out)
    parent = target.parent if str(target.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise CorridorError(f"{out}: {parent} is a file, not a folder")
    if not parent.is_dir():
        raise CorridorError(f"{out}: folder {parent} does not exist")
    if out.exists() and not out.is_dir():
        what = "is a file" if out.is_file() else "is not a folder"  # a pipe, a device, a socket
        raise CorridorError(f"{out} {what}; --out takes a new or empty folder")
    drop_stale(parent, target.name)  # what a run into ``out`` killed outright left (kill -9)
    if out.is_dir():
        drop_stale(target, target.name)
    if out.exists() and any(out.iterdir()):
        raise CorridorError(f"{out} already holds results or other files; choose another --out")
    if out.exists():  # an empty folder: the results go in it, built beside it where that can be
        if not _can_write_in(target):
            raise CorridorError(f"{out}: cannot write there")
        return parent if _can_write_in(parent) else target
    if not _can_write_in(parent):
        raise CorridorError(f"{out}: cannot write in folder {parent}")
    return parent


def write_results(result: Any, out: Path) -> None:
    """Per-replication CSVs and summary.json, built in a temporary folder and moved in place."""
    out = Path(out)
    parent = check_out(out)
    tmp = working_folder(parent, followed(out).name)
    try:
        os.chmod(tmp, 0o777 & ~umask())  # colleagues can read shared results
        for rec in result.records:
            rec.write_csv(tmp)
        text = json.dumps(result_json(result), indent=2, allow_nan=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        replace_folder(tmp, out)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def followed(out: Path) -> Path:
    """``out``, or the folder it links to: the results go into that folder, the link stays.
    A name without a last part of its own (``.``, ``..``, an empty one) stands for the folder
    it names, by its full path: ``--out .`` has the current folder's parent and name."""
    if out.is_symlink():
        return out.resolve()
    return Path(os.path.abspath(out)) if out.name in ("", "..") else out


def replace_folder(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``, which must be absent or empty: a new
    folder in one rename; an empty one is kept and filled (a shell standing in it, as after
    ``--out .``, still sees it), also from a ``tmp`` made inside it. If another run filled
    ``out`` meanwhile, the results stay in ``tmp``'s place under a new name and the error says
    where."""
    out = followed(out)
    try:
        if out.is_dir():
            with _filling(out):  # two runs that found it empty fill it one after the other
                if any(entry.resolve() != tmp.resolve() for entry in out.iterdir()):
                    raise OSError(errno.ENOTEMPTY, "not empty", str(out))
                for entry in sorted(tmp.iterdir()):
                    os.replace(entry, out / entry.name)
            tmp.rmdir()
        else:
            os.replace(tmp, out)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise cannot_write(out, exc) from None
        keep = out.with_name(f"{out.name}-{os.getpid()}")
        try:
            os.replace(tmp, keep)
        except OSError:  # built inside ``out``, whose parent cannot be written in: kept in it
            keep = out / keep.name
            os.replace(tmp, keep)
        raise CorridorError(f"{out} was filled by another run meanwhile; these results are in "
                            f"{keep}") from None


@contextlib.contextmanager
def _filling(folder: Path) -> Iterator[None]:
    """The folder locked (``flock``, where the system has it) while a run checks it is empty and
    moves its results in: two runs that finished together each found it empty and moved theirs
    in, file by file, a mix of both, each saying it wrote them. The lock goes with the process."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
