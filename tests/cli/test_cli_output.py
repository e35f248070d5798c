"""Output paths: refused before any work when they cannot be written, files readable by
colleagues, durations that do not read as clock times."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from conftest import SCENARIOS
from corridor.cli import main

BASELINE = str(SCENARIOS / "baseline.yaml")


@pytest.mark.parametrize("target", ["folder", "/proc/corridor.png", "readonly/map.png"])
def test_map_refuses_paths_it_cannot_write(tmp_path: Path, capsys, target: str) -> None:
    (tmp_path / "folder.png").mkdir()
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    path = {"folder": str(tmp_path / "folder.png"), "/proc/corridor.png": "/proc/corridor.png",
            "readonly/map.png": str(readonly / "map.png")}[target]
    try:
        code = main(["map", BASELINE, "-o", path])
    finally:
        readonly.chmod(0o755)
    err = capsys.readouterr().err
    if target == "readonly/map.png" and os.geteuid() == 0:
        assert code in (0, 2)  # root may write anywhere
        return
    assert code == 2 and "Traceback" not in err and path in err


def test_an_output_under_a_file_says_the_file_is_not_a_folder(tmp_path: Path, capsys) -> None:
    # 'map -o notes.txt/map.png' said 'folder notes.txt does not exist' of a file that does
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["map", BASELINE, "-o", str(tmp_path / "notes.txt" / "map.png")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in err and "does not exist" not in err, err
    assert (tmp_path / "notes.txt").read_text() == "mine\n"



@pytest.mark.parametrize("command", [["map", "-o", "out.html"], ["export", "--graphml", "out.graphml"],
                                     ["export", "--geojson", "out.geojson"]])
def test_an_output_that_is_a_pipe_is_refused_not_replaced(tmp_path: Path, capsys, command: list[str]) -> None:
    # the file written beside it was renamed over it: a pipe (or /dev/null) became a plain file
    fifo = tmp_path / command[2]
    os.mkfifo(fifo)
    assert main([command[0], BASELINE, command[1], str(fifo)]) == 2
    err = capsys.readouterr().err
    assert f"{fifo} is not a regular file" in err and "Traceback" not in err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)

@pytest.mark.parametrize("command", [["map", "-o", "out.html"], ["export", "--geojson", "out.geojson"]])
def test_an_output_that_is_a_link_writes_the_file_it_points_to(tmp_path: Path, capsys,
                                                               command: list[str]) -> None:
    # the file written beside the link was renamed over it: the link became a plain file and
    # the file it pointed to kept its old contents; a link pointing nowhere yet makes its file,
    # and a loop of links is an error naming it
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / command[2]
    target.write_text("old\n")
    link = tmp_path / command[2]
    link.symlink_to(Path("kept") / command[2])
    assert main([command[0], BASELINE, command[1], str(link)]) == 0
    assert link.is_symlink() and target.read_text() != "old\n" and target.stat().st_size > 1000
    target.unlink()
    assert main([command[0], BASELINE, command[1], str(link)]) == 0
    assert link.is_symlink() and target.is_file()
    loop = tmp_path / f"loop{Path(command[2]).suffix}"
    loop.symlink_to(loop.name)
    assert main([command[0], BASELINE, command[1], str(loop)]) == 2
    err = capsys.readouterr().err
    assert f"{loop}: a symbolic link that leads nowhere" in err and "Traceback" not in err, err


def test_run_checks_its_output_folder_before_running(tmp_path: Path, capsys) -> None:
    readonly = tmp_path / "ro"
    readonly.mkdir()
    assert main(["run", BASELINE, "--out", "/proc/results", "--replications", "1"]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_map_of_a_scenario_named_with_dollars(tmp_path: Path, capsys) -> None:
    path = tmp_path / "cash.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: 'cost $5 vs $6'\n", encoding="utf-8")
    out = tmp_path / "map.png"
    assert main(["map", str(path), "-o", str(out), "--allow-path", str(SCENARIOS)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_files_respect_the_umask(tmp_path: Path, capsys) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "map.png"
        assert main(["map", BASELINE, "-o", str(out)]) == 0
        folder = tmp_path / "res"
        assert main(["run", BASELINE, "--replications", "1", "--out", str(folder)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in folder.iterdir())


def test_durations_are_not_clock_times(capsys) -> None:
    assert main(["plan", BASELINE, "--from", "NQZ", "--to", "VNO", "--depart", "2027-03-01T08:00"]) == 0
    out = capsys.readouterr().out
    assert "29 h 07 after ready" in out and "29:07" not in out  # the routes round closed airspace


def test_show_fits_a_100_column_terminal(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["show", BASELINE]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "KZ-DOSTYK-BREST: DOSTYK > " in out  # every stop is still there


def test_out_that_is_a_file_says_so(tmp_path: Path, capsys) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert main(["run", BASELINE, "--out", str(afile)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["run", BASELINE, "--out", str(afile / "sub")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert afile.read_text() == "keep me"


def test_out_that_is_a_broken_link_is_refused_before_running(tmp_path: Path, capsys) -> None:
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    link = tmp_path / "results"
    link.symlink_to(tmp_path / "nowhere")
    for argv in (["run", str(scenario)], ["compare", str(scenario), str(scenario)],
                 ["sweep", str(scenario), "--set", "demand.P.per_week=10,20"]):
        # every run was done, then the folder could not be made: "filled by another run
        # meanwhile" (run, compare) or a traceback (sweep)
        assert main([*argv, "--replications", "1", "--workers", "1", "--out", str(link)]) == 2, argv
        err = capsys.readouterr().err
        assert f"{link} is a link to {tmp_path / 'nowhere'}, which does not exist" in err, argv
        assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "tiny.yaml"]


def test_out_that_links_to_an_empty_folder_is_written_through_the_link(tmp_path: Path, capsys) -> None:
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    for argv in (["run", str(scenario)], ["compare", str(scenario), str(scenario)]):
        folder = tmp_path / f"{argv[0]}-folder"
        folder.mkdir()
        link = tmp_path / f"{argv[0]}-link"
        link.symlink_to(folder)
        # the results were moved aside to LINK-PID with "filled by another run meanwhile"
        assert main([*argv, "--replications", "1", "--workers", "1", "--out", str(link)]) == 0, argv
        assert link.is_symlink() and (folder / "summary.json").is_file(), argv
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compare-folder", "compare-link", "run-folder", "run-link", "tiny.yaml"]


@pytest.mark.parametrize("name", [".", "./"])
def test_out_naming_the_current_folder_fills_it(tmp_path: Path, capsys, monkeypatch, name: str) -> None:
    # run and compare with --out . in an empty folder: every run was done, then a ValueError
    # traceback ('PosixPath('.') has an empty name'), and the results were lost
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    for argv in (["run", str(scenario)], ["compare", str(scenario), str(scenario)]):
        here = tmp_path / f"{argv[0]}-here"
        here.mkdir()
        monkeypatch.chdir(here)
        assert main([*argv, "--replications", "1", "--workers", "1", "--out", name]) == 0, argv
        assert (here / "summary.json").is_file() and Path.cwd().samefile(here), argv
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], argv
    # the same again: the folder now holds results, and is refused before running
    assert main(["run", str(scenario), "--replications", "1", "--workers", "1", "--out", name]) == 2
    assert "already holds results" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["validate", ""], ["run", "SCENARIO", "--out", ""], ["map", "SCENARIO", "-o", ""],
    ["export", "SCENARIO", "--gtfs", ""], ["validate", "SCENARIO", "--allow-path", ""],
    ["profile", "SCENARIO", "--from", "NQZ", "--to", "IST", "--plot", ""],
])
def test_an_empty_name_is_refused_not_read_as_the_current_folder(tmp_path: Path, capsys, monkeypatch,
                                                                  argv: list[str]) -> None:
    # an unset shell variable (--out "$OUT"): '' is the current folder as a path, so a run wrote
    # its results there, validate '' said ".: is a folder", and --allow-path '' allowed it
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main([str(scenario) if a == "SCENARIO" else a for a in argv])
    assert info.value.code == 2
    assert "an empty name; give a file or folder name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "throughput"])
def test_a_full_disk_is_a_one_line_error(tmp_path: Path, capsys, monkeypatch, command: str) -> None:
    import errno

    argv = _commands(tmp_path)[command]
    real = Path.write_text

    def full(self: Path, *args, **kwargs) -> int:
        if self.suffix == ".json":  # summary.json, sweep.json, throughput.json
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "out"
    # a traceback, after every run had finished
    assert main([*argv, "--replications", "1", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: cannot write there (No space left on device)" in err and "Traceback" not in err
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == ["runs"]  # kept for --resume


def test_a_full_disk_while_a_sweep_keeps_its_runs_is_a_one_line_error(tmp_path: Path, capsys,
                                                                      monkeypatch) -> None:
    import errno

    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")

    def full(fd: int, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("corridor.analysis.sweep.os.fdopen", full)
    out = tmp_path / "out"
    assert main(["sweep", str(scenario), "--set", "demand.P.per_week=10,20", "--replications", "1",
                 "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'runs'}: cannot write there (No space left on device)" in err and "Traceback" not in err
    assert "--resume goes on from there once there is room" in err
    assert list((out / "runs").iterdir()) == []  # no half-written run


@pytest.mark.parametrize("command", ["run", "sweep", "resume", "map", "export", "profile"])
def test_an_output_name_too_long_for_the_system_is_a_one_line_error(tmp_path: Path, capsys,
                                                                      command: str) -> None:
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    long = str(tmp_path / ("a" * 300))
    argv = {"run": ["run", str(scenario), "--out", long],
            "sweep": ["sweep", str(scenario), "--set", "demand.P.per_week=10", "--out", long],
            "resume": ["sweep", str(scenario), "--set", "demand.P.per_week=10", "--out", long, "--resume"],
            "map": ["map", str(scenario), "-o", long + ".png"],
            "export": ["export", str(scenario), "--geojson", long + ".geojson"],
            "profile": ["profile", str(scenario), "--from", "NQZ", "--to", "VNO", "--plot", long + ".png"],
            }[command]
    assert main(argv) == 2  # an OSError (File name too long) traceback
    err = capsys.readouterr().err
    assert "cannot write there (File name too long)" in err and "Traceback" not in err


def test_text_a_spreadsheet_would_run_is_quoted_in_the_csv_tables(tmp_path: Path, capsys) -> None:
    # a scenario's name is free text and reaches compare's tables: opened in a spreadsheet, a
    # cell starting with "=" would run as a formula; the Parquet copy keeps the name as it is
    import csv

    import pandas as pd

    from conftest import MINIMAL

    hostile = '=HYPERLINK("http://example.invalid","x")'
    demand = "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n"
    base = tmp_path / "tiny.yaml"
    base.write_text(MINIMAL + demand)
    other = tmp_path / "other.yaml"
    other.write_text(MINIMAL.replace("name: tiny", f"name: '{hostile}'") + demand)
    out = tmp_path / "results"
    argv = ["compare", str(base), str(other), "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    cells = [cell for path in out.rglob("*.csv") for row in csv.reader(path.open()) for cell in row]
    assert "'" + hostile in cells and hostile not in cells
    frames = [pd.read_parquet(p) for p in out.rglob("*.parquet")]
    assert any(f[c].astype(str).eq(hostile).any() for f in frames for c in f.columns)


def test_map_legend_says_what_dashed_and_dotted_lines_are() -> None:
    # The dashed lines are every service drawn straight for want of a path: the baseline's rail
    # blocks Dostyk - Brest as much as the sea legs; the legend used to call them all "sea".
    from corridor.report.mapplot import SCHEMATIC_LABEL, legend_lines
    from corridor.scenario.load import load_scenario

    scenario = load_scenario(BASELINE)
    lines = {label: ls for label, _, ls in legend_lines(scenario)}
    assert "sea" not in SCHEMATIC_LABEL and lines[SCHEMATIC_LABEL] == "--"
    assert lines["link"] == ":" and lines["rail"] == "-"
    dashed_modes = {s.mode for s in scenario.services if s.distance_km is not None and not s.waypoints}
    assert "rail" in dashed_modes
    plain = scenario.model_copy(update={"services": [s for s in scenario.services if s.distance_km is None
                                                       or s.waypoints]})
    assert SCHEMATIC_LABEL not in {label for label, _, _ in legend_lines(plain)}


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_an_out_that_is_a_loop_of_links_or_a_pipe_is_named_as_such(tmp_path: Path, capsys,
                                                                     command: str) -> None:
    # a loop of links was "a link to loopB, which does not exist" (loopB is there), and a named
    # pipe "is a file"
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n")
    (tmp_path / "loopA").symlink_to("loopB")
    (tmp_path / "loopB").symlink_to("loopA")
    os.mkfifo(tmp_path / "pipe")
    argv = {"run": ["run", str(scenario)], "sweep": ["sweep", str(scenario), "--set", "demand.P.per_week=10"]}
    for out, said in (("loopA", "is a loop of symbolic links"), ("pipe", "is not a folder")):
        assert main([*argv[command], "--workers", "1", "--quiet", "--out", str(tmp_path / out)]) == 2
        err = capsys.readouterr().err
        assert f"{tmp_path / out} {said}; --out takes a new or empty folder" in err, err


def test_map_and_profile_plot_refuse_to_write_over_the_scenario(tmp_path: Path, capsys) -> None:
    # a scenario file may have any name: `map s.html -o s.html` and `profile s.png --plot s.png`
    # replaced the scenario with the picture (and `map child.yaml -o base.html` the file it
    # extends), as `export` already refused to
    from conftest import MINIMAL

    for name in ("s.html", "s.png", "base.html"):
        (tmp_path / name).write_text(MINIMAL)
    (tmp_path / "child.yaml").write_text("extends: base.html\nname: child\n")
    runs = [(["map", "s.html", "-o", "s.html"], "s.html: the scenario is read from this file; write -o"),
            (["profile", "s.png", "--from", "NQZ", "--to", "VNO", "--plot", "s.png"],
             "s.png: the scenario is read from this file; write --plot"),
            (["map", "child.yaml", "-o", "base.html"],
             "base.html: the scenario is read from this file (extends)")]
    for argv, said in runs:
        argv = [str(tmp_path / a) if a.endswith((".html", ".png", ".yaml")) else a for a in argv]
        assert main(argv) == 2
        assert said in capsys.readouterr().err
    for name in ("s.html", "s.png", "base.html"):
        assert (tmp_path / name).read_text() == MINIMAL


def _unwritable(monkeypatch, folder: Path) -> None:
    """Nothing can be made in ``folder``, as for a user without the right (root, who runs the
    tests here, passes any permission bits)."""
    import errno
    import tempfile

    def refuse(where: object) -> None:
        if where is not None and Path(where).resolve() == folder.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(where))

    real_mkstemp, real_mkdtemp, real_replace = tempfile.mkstemp, tempfile.mkdtemp, os.replace

    def mkstemp(*args, dir=None, **kwargs):  # noqa: A002 (tempfile's own name)
        refuse(dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    def mkdtemp(*args, dir=None, **kwargs):  # noqa: A002
        refuse(dir)
        return real_mkdtemp(*args, dir=dir, **kwargs)

    def replace(src, dst, **kwargs):
        refuse(Path(dst).parent)
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(os, "replace", replace)


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    """Each command that writes a results folder, on a tiny scenario with passengers and cargo."""
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    cargo = MINIMAL.replace("unit: pax\n    stops: [IST, VNO]", "unit: feu\n    stops: [IST, VNO]")
    scenario.write_text(cargo + "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 20}\n"
                        "  - {id: F, kind: cargo, from: IST, to: VNO, per_week: 1}\n")
    return {"run": ["run", str(scenario)], "compare": ["compare", str(scenario), str(scenario)],
            "sweep": ["sweep", str(scenario), "--set", "demand.P.per_week=10,20"],
            "throughput": ["throughput", str(scenario), "--scale", "1,2"]}


def _into_empty_out(tmp_path: Path, monkeypatch, command: str, unwritable: Path, made: bool = False) -> int:
    """``command`` with ``--out`` an empty folder ``tmp_path/out`` (``made`` already), nothing
    made in ``unwritable``: its exit status."""
    argv = _commands(tmp_path)[command]
    out = tmp_path / "out"
    out.mkdir(exist_ok=made)
    _unwritable(monkeypatch, unwritable)
    return main([*argv, "--replications", "1", "--workers", "1", "--quiet", "--out", str(out)])


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "throughput"])
def test_an_empty_out_folder_that_cannot_be_written_in_is_refused_before_running(
        tmp_path: Path, capsys, monkeypatch, command: str) -> None:
    # an empty read-only folder: run and compare ran every replication, then said it "was
    # filled by another run meanwhile" and left the results beside it; sweep and throughput
    # ended in a PermissionError traceback
    out = tmp_path / "out"
    assert _into_empty_out(tmp_path, monkeypatch, command, unwritable=out) == 2
    err = capsys.readouterr().err
    assert f"{out}: cannot write there" in err and "Traceback" not in err, err
    assert list(out.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.yaml"]


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_an_empty_out_folder_in_a_folder_that_cannot_be_written_in_is_filled(
        tmp_path: Path, capsys, monkeypatch, command: str) -> None:
    # a folder made for the results in a shared place: refused ("cannot write in folder"),
    # though only the folder itself is written in
    out = tmp_path / "out"
    assert _into_empty_out(tmp_path, monkeypatch, command, unwritable=tmp_path) == 0
    names = sorted(p.name for p in out.iterdir())
    assert ("summary.json" if command != "sweep" else "sweep.json") in names, names
    assert not [n for n in names if n.startswith(".")], names  # nothing left of the building
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny.yaml"]


# the tiny scenario's containers all take one transit time: compare's histogram had bins of
# no width, and numpy divided 0 by 0 (an empty plot, and a RuntimeWarning)
@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_the_same_seed_writes_the_same_summary_byte_for_byte(tmp_path: Path, capsys, command: str) -> None:
    # the run's wall-clock seconds (run, sweep) and the moment it was written (compare, sweep)
    # made two summaries of one seed differ
    argv = [*_commands(tmp_path)[command], "--replications", "1", "--workers", "1", "--quiet"]
    name = "sweep.json" if command == "sweep" else "summary.json"
    texts = []
    for out in ("a", "b"):
        assert main([*argv, "--out", str(tmp_path / out)]) == 0
        texts.append((tmp_path / out / name).read_bytes())
    capsys.readouterr()
    assert texts[0] == texts[1]


@pytest.mark.parametrize("argv", [
    ["map", "-o", "{out}/"], ["export", "--gtfs", "{out}/"], ["export", "--geojson", "{out}/"],
    ["profile", "--from", "NQZ", "--to", "VNO", "--plot", "{out}/"]])
def test_an_output_file_named_with_a_slash_at_its_end_is_refused_and_nothing_written(
        tmp_path: Path, capsys, argv: list[str]) -> None:
    # "-o y.png/" wrote the file y.png: the path had dropped the slash that says a folder was meant
    out = tmp_path / "y.png"
    args = [a.format(out=out) for a in argv]
    with pytest.raises(SystemExit) as exit_:
        main([args[0], str(SCENARIOS / "baseline.yaml"), *args[1:]])
    assert exit_.value.code == 2
    assert f"{out}/: ends in a slash, a folder's name; give a file name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["plan", "--from", "{long}", "--to", "VNO", "--depart", "2027-03-01T08:00"],
    ["plan", "--from", "NQZ", "--to", "VNO", "--depart", "{long}"],
    ["throughput", "--scale", "{long}"],
    ["export", "--gtfs", "{out}", "--timezone", "{long}"],
])
def test_a_very_long_value_is_echoed_clipped_and_a_long_zone_name_is_no_traceback(
        tmp_path: Path, capsys, argv: list[str]) -> None:
    # a 100,000-character place id came back whole in the error; a zone name longer than the
    # system takes as a file name ("File name too long") ended export in a traceback
    long = "Q" * 100_000 if argv[-2] != "--timezone" else "Q" * 300
    args = [a.format(long=long, out=tmp_path / "feed.zip") for a in argv]
    try:
        code = main([args[0], str(SCENARIOS / "baseline.yaml"), *args[1:]])
    except SystemExit as exit_:  # argparse's refusal
        code = exit_.value.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert len(err) < 1_000, err[:300]
    assert re.search(r"Q{70}\[\.\.\. [\d,]+ more characters \.\.\.\]Q{15}", err), err
    assert list(tmp_path.iterdir()) == []



def _fill(tmp: Path, out: Path, start: Any, said: Any) -> None:
    from corridor.errors import CorridorError
    from corridor.report.results import replace_folder

    start.wait()
    try:
        replace_folder(tmp, out)
        said.put("ok")
    except CorridorError as exc:
        said.put(str(exc))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="two processes started by fork")
def test_two_runs_filling_one_empty_out_at_once_do_not_mix_their_results(tmp_path: Path) -> None:
    # both found the empty --out empty and moved their files in one by one: a folder of both,
    # and each run said it had written it
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out = tmp_path / "out"
    out.mkdir()
    built = []
    for tag in "ab":
        tmp = tmp_path / f".out.{tag}"
        tmp.mkdir()
        for i in range(1000):
            (tmp / f"{tag}{i:04d}.csv").write_text(tag)
        built.append(tmp)
    start, said = context.Barrier(2), context.Queue()
    runs = [context.Process(target=_fill, args=(tmp, out, start, said)) for tmp in built]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    told = sorted([said.get(timeout=10), said.get(timeout=10)])
    assert told[1] == "ok" and "was filled by another run meanwhile" in told[0]
    assert len(list(out.iterdir())) == 1000 and len({p.name[0] for p in out.iterdir()}) == 1


def _ended_pid() -> int:
    """The id of a process that has ended (that of a run killed outright)."""
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)
    return int(ended.stdout)


def _working_folder(folder: Path, name: str) -> None:
    (folder / name).mkdir()
    (folder / name / "summary.json").write_text("{}")


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_run_killed_while_writing_leaves_nothing_behind_the_next_one(tmp_path: Path, capsys,
                                                                         command: str) -> None:
    # kill -9 while the results were built left their hidden folder beside --out for ever; the
    # next run removes those of ended processes, not a live run's nor one it cannot tell
    from corridor.report.files import builder_tag

    ended = _ended_pid()
    dead, live = f".out.{builder_tag(ended)}.k3j_9xq1", f".out.{builder_tag(os.getpid())}.live0000"
    # an ended process on another machine sharing the disk may be a live run there
    elsewhere = f".out.{ended}-{'0' * 8}.k3j_9xq1"
    others = [".out.k3j_9xq1", f".other.{builder_tag(ended)}.k3j_9xq1", f".out.v2.{ended}.k3j_9xq1",
              f".out.{ended}.k3j_9xq1", elsewhere]
    for name in (dead, live, *others):
        _working_folder(tmp_path, name)
    argv = [*_commands(tmp_path)[command], "--replications", "1", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live, *others, "out", "tiny.yaml"])


@pytest.mark.parametrize("command", ["run", "compare"])
def test_what_a_killed_run_left_in_an_empty_out_does_not_make_it_refused(tmp_path: Path, capsys,
                                                                           monkeypatch, command: str) -> None:
    # an empty --out whose parent cannot be written in has its results built inside it: a run
    # killed there left the next one refused ("already holds results or other files")
    out = tmp_path / "out"
    out.mkdir()
    from corridor.report.files import builder_tag

    _working_folder(out, f".out.{builder_tag(_ended_pid())}.k3j_9xq1")
    assert _into_empty_out(tmp_path, monkeypatch, command, unwritable=tmp_path, made=True) == 0
    capsys.readouterr()
    names = sorted(p.name for p in out.iterdir())
    assert "summary.json" in names and not [n for n in names if n.startswith(".")], names


def test_a_working_folder_of_another_users_process_is_kept(tmp_path: Path, monkeypatch) -> None:
    # the system will not say whether another user's process runs (EPERM): it may still be writing
    from corridor.report.files import builder_tag, drop_stale

    def not_yours(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    name = f".out.{builder_tag(1)}.k3j_9xq1"
    _working_folder(tmp_path, name)
    monkeypatch.setattr(os, "kill", not_yours)
    drop_stale(tmp_path, "out")
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize("home", ["writable", "a file", "read-only"])
def test_plots_drawn_with_a_home_that_cannot_be_written_in_print_no_warning(tmp_path: Path,
                                                                           home: str) -> None:
    # matplotlib, finding no folder it could write its settings in, printed two lines ("mkdir -p
    # failed ...", "Matplotlib created a temporary cache directory ...") on every compare
    import subprocess
    import sys

    folder = tmp_path / "home"
    if home == "a file":
        folder.write_text("")  # a HOME nobody, not even root, can make folders in
    else:
        folder.mkdir(mode=0o555 if home == "read-only" else 0o777)
    temp = tmp_path / "temp"
    temp.mkdir()
    chosen = ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")  # folders that would stand for HOME's
    env = {k: v for k, v in os.environ.items() if k not in chosen}
    env.update(HOME=str(folder), TMPDIR=str(temp))
    argv = [*_commands(tmp_path)["compare"], "--replications", "1", "--workers", "1", "--quiet"]
    done = subprocess.run([sys.executable, "-m", "corridor", *argv, "--out", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "matplotlib" not in done.stderr.lower(), done.stderr
    assert (tmp_path / "out" / "plots").is_dir()
    assert list(temp.iterdir()) == []  # the folder it used instead is removed at exit
    if home == "writable":  # matplotlib's own folders, as before
        assert (folder / ".config" / "matplotlib").is_dir()
