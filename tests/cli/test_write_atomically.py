"""write_atomically on its own (not behind the command line's early checks): a pipe or a folder
at the path, directly or behind a symbolic link, is refused and left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from corridor.errors import CorridorError
from corridor.report.files import write_atomically


def _write(tmp: Path) -> None:
    tmp.write_text("figures\n", encoding="utf-8")


@pytest.mark.parametrize("via_link", [False, True])
def test_a_pipe_is_refused_not_replaced_by_a_file(tmp_path: Path, via_link: bool) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    path = fifo
    if via_link:
        path = tmp_path / "link"
        path.symlink_to(fifo.name)
    with pytest.raises(CorridorError, match="not a regular file"):
        write_atomically(path, _write)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"pipe", path.name})  # no file left


def test_a_folder_is_refused_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(CorridorError, match="is a folder; give a file name"):
        write_atomically(folder, _write)
    assert folder.is_dir() and not any(folder.iterdir()) and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_link_stays_and_its_target_is_written(tmp_path: Path) -> None:
    target = tmp_path / "kept" / "table.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "table.csv"
    link.symlink_to(target)
    write_atomically(link, _write)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "figures\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]  # no temporary left
