"""`corridor sweep` and `corridor throughput` from the command line: tables, plots, exit
statuses, readable refusals, --resume."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep.scenarios import write_station

from corridor.cli import main


@pytest.fixture
def station(tmp_path):
    return str(write_station(tmp_path, days=14, replications=2))


def test_sweep_writes_tables_plots_and_reports_a_bad_combination(station, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["sweep", station, "--set", "places.B.1.servers=0,1,2", "--set", "demand.F.per_week=100,200",
                 "--workers", "2", "--out", str(out)])
    text = capsys.readouterr()
    assert code == 1  # some runs failed; the others are written
    assert "6 combinations x 2 replications" in text.out and "8 runs, 2 combinations failed" in text.out
    assert "failed: places.B.1.servers=0, demand.F.per_week=100: --set places.B.1.servers=0: " \
           "places[1].servers: Input should be greater than or equal to 1 (got 0)" in text.out
    assert "Traceback" not in text.err
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.parent.name != "runs")
    assert names == ["plots/demand.F.per_week.png", "plots/places.B.1.servers.png", "sweep.json",
                     *[f"tables/{t}.{x}" for t in ("failures", "runs", "summary")
                       for x in ("csv", "parquet")]]
    assert len(list((out / "runs").glob("*.json"))) == 8
    runs = pd.read_parquet(out / "tables" / "runs.parquet")
    assert len(runs) == 8 and set(runs["places.B.1.servers"]) == {1, 2}
    assert pd.read_csv(out / "tables" / "runs.csv").shape == runs.shape
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["settings"] == ["places.B.1.servers", "demand.F.per_week"]
    assert [c["values"] for c in summary["combinations"]][2:4] == [  # numbers, not their text
        {"places.B.1.servers": 1, "demand.F.per_week": 100},
        {"places.B.1.servers": 1, "demand.F.per_week": 200}]
    assert len(summary["failures"]) == 2 and summary["failures"][0]["replication"] is None
    assert (out / "plots" / "places.B.1.servers.png").read_bytes()[:4] == b"\x89PNG"
    # the same --out again is refused unless resumed; resumed, nothing runs again
    assert main(["sweep", station, "--set", "places.B.1.servers=1,2", "--out", str(out)]) == 2
    assert "add --resume" in capsys.readouterr().err
    assert main(["sweep", station, "--set", "places.B.1.servers=1,2", "--set", "demand.F.per_week=100,200",
                 "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert "8 runs (8 read back from" in capsys.readouterr().out
    # resumed with settings that share no run, it would have replaced sweep.json and the tables
    # with another question's: refused, and the folder is as it was
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["sweep", station, "--set", "places.B.1.servers=3", "--out", str(out), "--resume",
                 "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "holds the results of 8 runs and this one would use none of them (it has 2)" in err, err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_sweep_json_and_days_lists(tmp_path, capsys) -> None:
    from conftest import MINIMAL

    path = tmp_path / "tiny.yaml"
    demand = "demand:\n  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 200}\n"
    path.write_text(MINIMAL + demand, encoding="utf-8")
    assert main(["sweep", str(path), "--set", "services.A2.timetable.days=[Mon,Wed],[Mon,Wed,Fri],daily",
                 "--replications", "1", "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["settings"]["services.A2.timetable.days"] for c in data["combinations"]] == \
        ["[Mon,Wed]", "[Mon,Wed,Fri]", "daily"]
    # and as values, typed as read (each was only text, a list included)
    assert [c["values"]["services.A2.timetable.days"] for c in data["combinations"]] == \
        [["Mon", "Wed"], ["Mon", "Wed", "Fri"], "daily"]
    created = [c["kpis"]["passengers.created"]["mean"] for c in data["combinations"]]
    assert len(set(created)) == 1  # demand is the same; only the days change
    d2d = [c["kpis"]["passengers.door_to_door_h.mean"]["mean"] for c in data["combinations"]]
    assert d2d[0] > d2d[1] > d2d[2]  # more days, less waiting for the second flight


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "places.X.servers=1"], "--set places.X.servers: places has no item with id 'X'"),
    # a number picked the item at that place of a list whose items have ids (the first place)
    (["--set", "places.0.servers=1"], "--set places.0.servers: places has no item with id '0'"),
    (["--set", "places.B.1.servers"], "write PATH=V1,V2"),
    (["--set", "places.B.1.servers=1", "--replications", "0"],
     "--replications must be a whole number from 1 to 1,000, not 0"),
    (["--set", "places.B.1.servers=1", "--resume"], "--resume needs --out"),
    (["--set", "places.B.1.servers=1", "--workers", "-1"],
     "--workers must be a whole number from 0 to 256 (0: one per core), not -1"),
    # a seed the scenario could not hold (run.seed is at most 2**63 - 1) was run, and the
    # tables then failed to write it as a 64-bit integer after every run had finished
    (["--set", "places.B.1.servers=1", "--seed", str(2**63)],
     f"--seed must be a whole number from 0 to {2**63 - 1:,}, not {2**63}"),
    # settings a sweep cannot vary ran, and every combination gave the same numbers
    (["--set", "run.seed=1,2"], "--set run.seed: every combination runs with the same seed (common random "
     "numbers); give --seed"),
    (["--set", "run.replications=1,2"], "--set run.replications: every combination runs the same "
     "replications; give --replications"),
    (["--set", "run={start: 2027-03-01, seed: 3}"], "--set run: every combination runs with the same seed"),
    (["--set", "extends=elsewhere.yaml"], "--set extends: the scenario is already merged with what it "
     "extends; set the values themselves"),
    # the feed is imported when the scenario is read: the routes, file and match_km went unused
    (["--set", "services_from.routes=[VK],[MV]"], "--set services_from.routes: the feed's services are "
     "imported once, when the scenario is read"),
    (["--set", "services_from.gtfs=a.zip,b.zip"], "--set services_from.gtfs: the feed's services"),
    # remove, a section of the file, was refused in every combination as "unknown key 'remove'"
    # (the scenario is merged before a setting applies), or as a path to nowhere
    (["--set", "remove={places: [A]}"], "--set remove: items are removed as the files of an extends "
     "chain are merged, before a setting applies"),
    (["--set", "remove.places=[A],[B.1]"], "--set remove.places: items are removed as the files"),
    # a setting a later one replaces whole ran every value of it to the same result
    (["--set", "places.B.1.servers=1,2", "--set", "places.B.1.service_time={dist: fixed, value_min: 9},"
      "{dist: fixed, value_min: 12}", "--set", "places=[]"],
     "--set places.B.1.servers: --set places, given after it, replaces what it sets whole"),
    (["--set", "demand.F.per_week=100,200", "--set", "demand.F={id: F, kind: cargo, from: A, to: B.1, "
      "per_week: 50}"], "--set demand.F.per_week: --set demand.F, given after it, replaces"),
    (["--zip", "--set", "places.B.1.servers=1,2", "--set", "demand.F.per_week=100"],
     "--zip moves the settings together, the k-th value of each, so each --set must list as many "
     "values: places.B.1.servers 2, demand.F.per_week 1"),
])
def test_sweep_refusals(station, args, message, capsys) -> None:
    assert main(["sweep", station, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_zip_moves_the_settings_together(station, capsys) -> None:
    # both directions of a flight change together: a cartesian product would also run each
    # direction's new timetable with the other's old one
    assert main(["sweep", station, "--zip", "--set", "places.B.1.servers=1,2,3",
                 "--set", "demand.F.per_week=100,150,200", "--replications", "1", "--workers", "1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [tuple(c["settings"].values()) for c in data["combinations"]] == [
        ("1", "100"), ("2", "150"), ("3", "200")]


def test_a_setting_inside_one_given_before_it_changes_what_that_one_set(station, capsys) -> None:
    # the flow replaced whole at 50 a week, then its rate swept: 100 and 200 a week reach B.1
    # (Poisson arrivals over 12 days of statistics: within 30% of the rate swept, not 50)
    assert main(["sweep", station, "--set", "demand.F={id: F, kind: cargo, from: A, to: B.1, per_week: 50}",
                 "--set", "demand.F.per_week=100,200", "--replications", "1", "--workers", "1",
                 "--json"]) == 0
    combos = json.loads(capsys.readouterr().out)["combinations"]
    rates = [c["kpis"]["stations.B.1.units_per_week"]["mean"] for c in combos]
    assert 70 < rates[0] < 130 and 140 < rates[1] < 260


def test_throughput_refuses_a_setting_a_later_one_replaces(station, capsys) -> None:
    assert main(["throughput", station, "--scale", "1", "--set", "places.B.1.servers=3",
                 "--set", "places.B.1={id: B.1, name: B, kind: border_station, country: KZ, lat: 45, "
                 "lon: 81, tz: UTC, servers: 1}"]) == 2
    err = capsys.readouterr().err
    assert "--set places.B.1.servers: --set places.B.1, given after it, replaces what it sets whole" in err
    assert "Traceback" not in err


def test_zip_lets_one_setting_repeat_a_value_while_the_combinations_differ(station, capsys) -> None:
    # a value repeated within one --set was refused ("a value is given twice") with --zip too,
    # where the k-th combination takes the k-th value of each: servers 1, 1, 2 against demand
    # 100, 150, 150 are three different combinations
    assert main(["sweep", station, "--zip", "--set", "places.B.1.servers=1,1,2",
                 "--set", "demand.F.per_week=100,150,150", "--replications", "1", "--workers", "1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [tuple(c["settings"].values()) for c in data["combinations"]] == [
        ("1", "100"), ("1", "150"), ("2", "150")]
    # a combination given twice is still refused, and says which
    assert main(["sweep", station, "--zip", "--set", "places.B.1.servers=1,2,1.0",
                 "--set", "demand.F.per_week=100,150,100"]) == 2
    err = capsys.readouterr().err
    assert "--zip: the combination places.B.1.servers=1.0, demand.F.per_week=100 is given twice" in err, err
    # crossed, a value given twice in one --set runs the same combinations twice: refused as before
    assert main(["sweep", station, "--set", "places.B.1.servers=1,1"]) == 2
    assert "--set places.B.1.servers: a value is given twice" in capsys.readouterr().err


def test_every_refused_combination_is_named(station, capsys) -> None:
    # an item's problem is located in the file, so the reasons alone did not say which
    # combination each belonged to
    assert main(["sweep", station, "--set", "places.B.1.service_time=null",
                 "--set", "places.B.1.servers=1,2"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: every combination is refused, so nothing ran:"
    assert lines[1].startswith("  places.B.1.service_time=null, places.B.1.servers=1: ")
    assert lines[2].startswith("  places.B.1.service_time=null, places.B.1.servers=2: ")


def test_a_combination_with_hundreds_of_problems_says_the_first_few(capsys) -> None:
    # emptying the baseline's places broke every stop, link and flow: 178 problems on one line
    baseline = str(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml")
    assert main(["sweep", baseline, "--set", "places=[]", "--set", "run.drain_days=14,21"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(len(line) < 1500 for line in lines), [len(x) for x in lines]
    assert "unknown place 'NQZ'" in lines[1] and "and 173 more problems" in lines[1]


def test_workers_and_dask_are_one_choice(station, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", station, "--set", "places.B.1.servers=1", "--workers", "2", "--dask", "local"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_dask_missing_names_the_install_command(station, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["run", station, "--dask", "local", "--replications", "1"]) == 2
    assert "pip install 'corridor[dask]'" in capsys.readouterr().err


@pytest.fixture
def not_dask():
    """A server on a free local port that is not a Dask scheduler: given a greeting it writes
    it on every connection (an SSH banner), else it takes the connection and never answers
    (as an HTTP server does to Dask's handshake); connections stay open."""
    servers = []

    def start(greeting: bytes = b"") -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        held: list[socket.socket] = []
        servers.append((listener, held))

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:  # closed at teardown
                    return
                held.append(conn)
                if greeting:
                    conn.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener, held in servers:
        listener.close()
        for conn in held:
            conn.close()


def _corridor_with_timeout(timeout_s: int, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """The command line in a process of its own (so that it must end, no thread or loop left
    to hold it), with Dask's timeout shortened."""
    code = ("import sys; import corridor.executors as ex; from corridor.cli import main; "
            f"ex.DASK_TIMEOUT_S = {timeout_s}; sys.exit(main())")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("command", [["run"], ["compare", "{s}"],
                                     ["sweep", "--set", "places.B.1.servers=1,2"],
                                     ["throughput", "--scale", "1:2:1"]])
def test_dask_at_a_server_that_greets_is_not_out_of_memory(station, tmp_path, not_dask, command) -> None:
    # an SSH banner read as a frame length had Dask allocate exabytes: the MemoryError was
    # told as the simulation out of memory ("a shorter horizon, less demand ...")
    pytest.importorskip("distributed")
    address = not_dask(b"SSH-2.0-OpenSSH_9.0\r\n")
    out = tmp_path / "out"
    args = [command[0], station, *(a.format(s=station) for a in command[1:]), "--replications", "1",
            "--quiet", "--out", str(out), "--dask", address]
    proc, took = _corridor_with_timeout(30, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: --dask {address}: no Dask scheduler answers there (")
    assert len(proc.stderr.splitlines()) == 1 and "out of memory" not in proc.stderr
    assert took < 30 and not out.exists()


def test_dask_at_a_server_that_never_answers_ends_at_the_timeout(station, tmp_path, not_dask) -> None:
    # an HTTP server takes the connection and waits for a request it understands: Dask's
    # handshake waited for its answer with no time limit, and the run hung for good
    pytest.importorskip("distributed")
    address = not_dask()
    out = tmp_path / "out"
    proc, took = _corridor_with_timeout(2, "run", station, "--replications", "1", "--quiet",
                                        "--out", str(out), "--dask", address)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (f"error: --dask {address}: no Dask scheduler answers there (nothing "
                           "answered in Dask's protocol within 3.2 s)\n")
    assert took < 60 and not out.exists()


def test_throughput_prints_the_verdict_and_writes_the_curve(tmp_path, capsys) -> None:
    station = str(write_station(tmp_path, service="fixed", days=14, replications=2, per_week=336))
    out = tmp_path / "curve"
    assert main(["throughput", station, "--scale", "0.5,0.9,1.5", "--max-transit-days", "50",
                 "--workers", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Highest sustainable throughput: ") and "x0.9" in text and "B.1" in text
    assert ": 3 steps x 2 replications (seed " in text.splitlines()[2], text  # what the intervals rest on
    data = json.loads((out / "throughput.json").read_text())
    assert [s["sustainable"] for s in data["steps"]] == [True, True, False]
    assert data["sustainable_scale"] == 0.9 and data["transit_bound"] == "50 days (given)"
    assert (out / "plots" / "saturation.png").is_file()
    steps = pd.read_parquet(out / "tables" / "steps.parquet")
    assert list(steps["bottleneck"]) == ["B.1"] * 3
    assert main(["throughput", station, "--scale", "0.5,0.9,1.5", "--json", "--workers", "1",
                 "--out", str(out), "--resume"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"][0]["scale"] == 0.5
    assert main(["throughput", station, "--scale", "1:0:1"]) == 2
    assert "STOP is below START" in capsys.readouterr().err
    # a value that starts with a minus sign is read and judged, not taken for an option
    # (argparse said "expected one argument")
    for scale in ("-1,1", "-0.5:1:0.5"):
        assert main(["throughput", station, "--scale", scale]) == 2
        assert f"--scale '{scale}': " in capsys.readouterr().err


def test_throughput_set_gives_the_curve_of_the_changed_file(tmp_path, capsys) -> None:
    # --set places.B.1.servers=3 against a file that says 3 servers: the same curve, step for step
    two = str(write_station(tmp_path, "two.yaml", service="fixed", days=14, replications=2, per_week=500))
    three = str(write_station(tmp_path, "three.yaml", service="fixed", days=14, replications=2, per_week=500,
                              servers=3))
    grid = ["--scale", "0.5,1,1.5", "--max-transit-days", "50", "--workers", "1", "--json"]
    assert main(["throughput", two, *grid, "--set", "places.B.1.servers=3"]) == 0
    changed = json.loads(capsys.readouterr().out)
    assert main(["throughput", three, *grid]) == 0
    written = json.loads(capsys.readouterr().out)
    assert changed["settings"] == {"places.B.1.servers": "3"} and written["settings"] == {}
    assert changed["steps"] == written["steps"]
    assert [s["sustainable"] for s in changed["steps"]] == [True, True, False]  # 3 servers: 504 a week
    assert main(["throughput", two, *grid, "--set", "places.B.1.servers=2"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] != written["steps"]
    assert main(["throughput", two, "--scale", "1", "--set", "places.B.1.servers=3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("one-station with places.B.1.servers=3 (--set), at every step")
    # the step table says what "98 (94-100)" in busy % is, as run's header says it of shares
    assert ("Per step: mean ± half-width of its 95% interval (mean (low-high) when it passes 0, "
            "or 100% for busy %, cut there)") in text
    # refused before anything runs: several values, a path twice, a path to nothing, a bad value
    for bad, said in ((["places.B.1.servers=2,3"], "throughput takes one value a setting, here 2"),
                      (["places.B.1.servers=2", "places.B.1.servers=3"],
                       "--set places.B.1.servers is given twice"),
                      (["places.C.servers=2"], "--set places.C.servers: "),
                      (["places.B.1.servers=0"], "--set places.B.1.servers=0: places[1].servers: Input")):
        args = [a for text in bad for a in ("--set", text)]
        assert main(["throughput", two, "--scale", "1", "--workers", "1", *args]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err, err


def test_an_interrupted_sweep_keeps_its_runs_and_resumes(station, tmp_path, monkeypatch, capsys) -> None:
    import corridor.cli as cli

    out = tmp_path / "out"
    args = ["sweep", station, "--set", "demand.F.per_week=100,200,300", "--workers", "1", "--out", str(out)]

    def stop_at_three(_args, noun="replications"):
        def show(done: int, total: int) -> None:
            if done == 3:
                raise KeyboardInterrupt
        return show

    monkeypatch.setattr(cli.run_commands, "_progress", stop_at_three)
    assert main(args) == 130
    err = capsys.readouterr().err
    assert "3 finished runs are kept in" in err and "--resume" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["runs"]  # nothing else, nothing half-written
    assert len(list((out / "runs").glob("*.json"))) == 3  # and runs/.command: whose runs they are
    monkeypatch.undo()
    assert main([*args, "--resume"]) == 0
    said = capsys.readouterr()
    assert "6 runs (3 read back from" in said.out and "no runs to resume" not in said.err
    assert sorted(p.name for p in out.iterdir()) == ["plots", "runs", "sweep.json", "tables"]


def test_a_finish_killed_half_way_leaves_nothing_behind_the_next_one(station, tmp_path, capsys) -> None:
    """``kill -9`` while the results were being moved in leaves the working folders of that
    process in ``--out``; the next sweep into it removes them, not those of a live run."""
    import os
    import subprocess

    from corridor.report.files import builder_tag

    out = tmp_path / "out"
    args = ["sweep", station, "--set", "demand.F.per_week=100,200", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)
    dead = int(gone.stdout)  # a process that has ended
    live = f".results.{builder_tag(os.getpid())}.live"
    for name in (f".results.{builder_tag(dead)}.abc", f".replaced.{builder_tag(dead)}.def", live):
        (out / name / "plots").mkdir(parents=True)
        (out / name / "sweep.json").write_text("{}")
    assert main([*args, "--resume"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [live, "plots", "runs", "sweep.json", "tables"]


def test_a_sweep_none_of_whose_combinations_validates_is_refused_before_writing(station, tmp_path,
                                                                                  capsys) -> None:
    out = tmp_path / "out"
    code = main(["sweep", station, "--set", "places.B.1.server=1,2", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "every combination is refused" in err and "unknown key 'server'" in err and "servers" in err
    assert not out.exists() and "Traceback" not in err


def test_sweep_says_when_units_were_left_undelivered(tmp_path, capsys) -> None:
    from sweep.scenarios import write_station

    # one server of 60 min against ~1.8 trucks an hour cannot keep up: most containers are
    # still queued when the run ends, and their times are left out; three servers can
    path = write_station(tmp_path, servers=1, per_week=300.0, service="fixed", days=14, replications=2)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--set", "places.B.1.servers=1,3", "--workers", "1",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    warnings = [line for line in text.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and all(w.startswith("warning: places.B.1.servers=1: ") for w in warnings)
    assert "of the containers created were not delivered" in warnings[0]
    assert "the queue at B.1 grew without bound" in warnings[1]
    runs = pd.read_csv(out / "tables" / "runs.csv")
    share = runs["cargo.undelivered"] / runs["cargo.created"]
    assert (runs["cargo.undelivered_share"] - share).abs().max() < 1e-12
    by_servers = runs.groupby("places.B.1.servers")["cargo.undelivered_share"].mean()
    assert by_servers[1] > 0.2 and by_servers[3] == 0.0
    assert f"{by_servers[1]:.0%} of the containers" in warnings[0]


def test_a_sweeps_kept_runs_respect_the_umask(station, tmp_path, capsys) -> None:
    # the kept runs (runs/*.json, read by --resume and by colleagues) were 0600, made by mkstemp,
    # while every other file of --out follows the umask
    import os
    import stat

    out = tmp_path / "res"
    old = os.umask(0o022)
    try:
        assert main(["sweep", station, "--set", "places.B.1.servers=1,2", "--replications", "1",
                     "--workers", "1", "--out", str(out), "--quiet"]) == 0
    finally:
        os.umask(old)
    runs = list((out / "runs").glob("*.json"))
    assert len(runs) == 2
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("value", ["inf", "nan", "-3", "0"])
def test_throughput_refuses_a_transit_bound_not_positive_and_finite(station, value, capsys) -> None:
    # 'inf' was taken, and the verdict read "mean transit within inf days"
    with pytest.raises(SystemExit) as exit_:
        main(["throughput", station, "--max-transit-days", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"must be a positive finite number, got {value}" in err and "Traceback" not in err


def test_a_zipped_sweep_plots_one_line_per_setting() -> None:
    # sweep direct_flight --zip over both directions' days drew each combination as a line of
    # one point (labelled by the other direction's days), nothing joined; a product keeps a line
    # for each value of the other setting
    from types import SimpleNamespace

    from corridor.analysis.sweep import grid
    from corridor.report.sweep_out import lines_of
    from corridor.scenario.overrides import parse_setting

    settings = [parse_setting("services.A.timetable.days=[Thu,Sun],[Mon,Thu,Sun],daily"),
                parse_setting("services.B.timetable.days=[Thu,Sun],[Mon,Thu,Sun],daily")]
    columns = [s.path for s in settings]
    zipped = SimpleNamespace(combinations=grid(settings, zipped=True), columns=columns)
    assert lines_of(zipped, columns[0]) == ([], {"": [0, 1, 2]})
    crossed = SimpleNamespace(combinations=grid(settings), columns=columns)
    others, groups = lines_of(crossed, columns[0])
    assert others == [columns[1]] and len(groups) == 3 and all(len(g) == 3 for g in groups.values())


@pytest.mark.parametrize(("first", "then"), [("sweep", "throughput"), ("throughput", "sweep")])
def test_resume_refuses_the_folder_of_the_other_command(station, tmp_path, capsys, first, then) -> None:
    # throughput --resume into a sweep's folder ran and wrote its tables/ and plots/ over the
    # sweep's, leaving sweep.json beside throughput.json to describe tables no longer there
    out = tmp_path / "out"
    runs = {"sweep": ["--set", "demand.F.per_week=100"], "throughput": ["--scale", "1"]}
    assert main([first, station, *runs[first], "--workers", "1", "--quiet", "--out", str(out)]) == 0
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    capsys.readouterr()
    assert main([then, station, *runs[then], "--workers", "1", "--quiet", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"holds the results of corridor {first} ({first}.json)" in err and "Traceback" not in err
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


@pytest.mark.parametrize(("first", "then"), [("sweep", "throughput"), ("throughput", "sweep")])
def test_resume_refuses_the_interrupted_runs_of_the_other_command(station, tmp_path, capsys, first,
                                                                   then) -> None:
    # an interrupted sweep leaves only runs/: throughput --resume took that folder, wrote its
    # throughput.json there, and from then on sweep --resume refused it as throughput's, so the
    # sweep's kept runs could no longer be resumed where they were
    import shutil

    out = tmp_path / "out"
    runs = {"sweep": ["--set", "demand.F.per_week=100"], "throughput": ["--scale", "1"]}
    assert main([first, station, *runs[first], "--workers", "1", "--quiet", "--out", str(out)]) == 0
    for name in ("sweep.json", "throughput.json", "tables", "plots"):  # as if stopped before the end
        if (out / name).is_dir():
            shutil.rmtree(out / name)
        else:
            (out / name).unlink(missing_ok=True)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    capsys.readouterr()
    assert main([then, station, *runs[then], "--workers", "1", "--quiet", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"holds the runs of an interrupted corridor {first}" in err and "Traceback" not in err
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    # its own command still resumes it
    again = [first, station, *runs[first], "--workers", "1", "--quiet", "--out", str(out), "--resume"]
    assert main(again) == 0


def test_a_share_whose_interval_passes_0_or_100_is_cut_there_in_the_sweep_table() -> None:
    # the sweep's table printed "missed % 4.68 ±59.46" (two replications): a missed-connection
    # rate down to -55%, where run's tables say "mean (low-high)" cut at 0 and 100%
    from corridor.report.sweep_out import headline_cell

    missed = {"mean": 0.0468, "low": -0.5478, "high": 0.6414, "n": 2}
    assert headline_cell(missed, 100.0, "%") == "4.68 (0.00-64.14)"
    assert headline_cell({"mean": 0.98, "low": 0.94, "high": 1.02, "n": 3}, 100.0, "%") == "98.0 (94.0-100.0)"
    assert headline_cell({"mean": 0.5, "low": 0.45, "high": 0.55, "n": 3}, 100.0, "%") == "50.0 ±5.0"
    # not a share, yet no fewer than 0: cut at 0 (the table said "FEU/wk 10.8 ±32.3"), but a
    # profit may be a loss
    assert headline_cell({"mean": 8.0, "low": -1.0, "high": 17.0, "n": 2}, 1.0, "days") == "8.00 (0.00-17.00)"
    assert headline_cell({"mean": 8.0, "low": 2.0, "high": 14.0, "n": 2}, 1.0, "days") == "8.00 ±6.00"
    loss = {"mean": -2e3, "low": -5e3, "high": 1e3, "n": 2}
    assert headline_cell(loss, 1e-3, "k USD/flight") == "-2.00 ±3.00"


def test_resume_does_not_echo_a_damaged_command_file(station, tmp_path, capsys) -> None:
    # runs/.command was echoed as it was: escape sequences cleared and recoloured the terminal
    runs = tmp_path / "out" / "runs"
    runs.mkdir(parents=True)
    (runs / ".command").write_bytes(b"sweep\n\x1b[2J\x1b[31mX")
    assert main(["sweep", station, "--set", "demand.F.per_week=100", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "out"), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "runs/.command is damaged (it names no command corridor writes there)" in err
    assert "\x1b" not in err and "Traceback" not in err


def test_resume_does_not_wait_on_a_command_file_that_is_a_pipe(station, tmp_path, capsys) -> None:
    # runs/.command was opened as a file: a named pipe there held --resume for ever, waiting for
    # a writer, with no word said
    import os

    runs = tmp_path / "out" / "runs"
    runs.mkdir(parents=True)
    os.mkfifo(runs / ".command")
    argv = ["sweep", station, "--set", "demand.F.per_week=100", "--workers", "1", "--quiet",
            "--out", str(tmp_path / "out"), "--resume"]
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(argv)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # let the waiting open go, so that the test ends
        os.close(os.open(runs / ".command", os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=60)
        pytest.fail("sweep --resume waited on a named pipe at runs/.command")
    assert codes == [2]
    err = capsys.readouterr().err
    assert "runs/.command is damaged (it names no command corridor writes there)" in err
    assert "Traceback" not in err


TIMES = """\
name: times
run: {start: 2027-03-01, horizon_days: 3, warmup_days: 0, drain_days: 1, replications: 1}
places:
  - {id: A, name: A, kind: rail_terminal, country: LT, lat: 54, lon: 25, tz: Europe/Vilnius}
  - {id: B, name: B, kind: rail_terminal, country: LT, lat: 55, lon: 25, tz: Europe/Vilnius}
services:
  - {id: S1, mode: rail, unit: pax, stops: [A, B], timetable: {times: ["08:00", "17:00"]},
     duration_min: 60, capacity: 10}
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: 20}
"""


def test_a_bad_listed_time_is_located_at_its_item(tmp_path, capsys) -> None:
    # a bad time set into a list was located at the list in the file ('times: ["08:00", ...]'),
    # which holds no bad value; and in a file, a bad time is now located at its own item
    path = tmp_path / "times.yaml"
    path.write_text(TIMES)
    assert main(["sweep", str(path), "--set", "services.S1.timetable.times.0=25:00,09:00",
                 "--workers", "1", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert ("failed: services.S1.timetable.times.0=25:00: --set services.S1.timetable.times.0=25:00: "
            "services[0].timetable.times[0]: time '25:00' is not HH:MM") in out, out
    path.write_text(TIMES.replace('"17:00"', '"7:65"'))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:7:81: services[0].timetable.times[1]: time '7:65' is not HH:MM" in err, err


def test_one_replications_interval_is_empty_in_the_tables(tmp_path, capsys) -> None:
    # with one replication the interval is undefined: the tables held -inf and inf where
    # sweep.json holds null
    station = write_station(tmp_path, days=14, replications=1)
    out = tmp_path / "out"
    assert main(["sweep", str(station), "--set", "demand.F.per_week=100,200", "--workers", "1",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    tables = out / "tables"
    for table in (pd.read_csv(tables / "summary.csv"), pd.read_parquet(tables / "summary.parquet")):
        assert table["replications"].max() == 1 and table["mean"].notna().any()
        assert table[["ci_low", "ci_high"]].isna().all().all()
    summary = json.loads((out / "sweep.json").read_text())
    assert all(e["low"] is None for c in summary["combinations"] for e in c["kpis"].values())


def test_a_run_file_that_is_a_folder_is_named_without_talk_of_room(station, tmp_path, capsys) -> None:
    # resumed with a folder where a run's file goes: "--resume goes on from there once there is
    # room", as if the disk were full
    out = tmp_path / "out"
    argv = ["sweep", station, "--set", "demand.F.per_week=100,200", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    (out / "sweep.json").unlink()  # as if interrupted before the end
    first = sorted((out / "runs").glob("*.json"))[0]
    first.unlink()
    first.mkdir()
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{first}: cannot write there" in err and "Traceback" not in err, err
    assert f"once {first} can be written" in err and "room" not in err


def test_a_sweep_warns_of_what_run_warns_of_per_combination(station, tmp_path, capsys) -> None:
    # B.1 serves 336 trucks a week: at 600 its queue grows without bound (the undelivered
    # share alone was said); its table looked as calm as at 100, and sweep.json held no warning
    out = tmp_path / "out"
    assert main(["sweep", station, "--set", "demand.F.per_week=100,600", "--replications", "3",
                 "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    calm, jammed = json.loads((out / "sweep.json").read_text())["combinations"]
    assert calm["warnings"] == []
    assert any("B.1" in w and "without bound" in w for w in jammed["warnings"])
    assert any("of the containers created were not delivered" in w for w in jammed["warnings"])
    assert "warning: demand.F.per_week=600: the queue at B.1 grew without bound" in text
    assert "per_week=100:" not in text


def test_a_sweep_warns_of_a_backlog_a_closure_left_as_run_does(tmp_path, capsys) -> None:
    # B.1 shut for the horizon's last four days: a backlog of 2.6 days' service still queued
    # when demand stops, which run names and the sweep did not
    from sweep.scenarios import station_yaml

    path = tmp_path / "shut.yaml"
    path.write_text(station_yaml(days=14, replications=2) + "disruptions:\n  - {id: SHUT, target: B.1, "
                    "start: 2027-01-15T00:00:00Z, end: 2027-01-25T00:00:00Z}\n")
    assert main(["sweep", str(path), "--set", "demand.F.per_week=200", "--workers", "1"]) == 0
    assert ("warning: demand.F.per_week=200: a backlog of a day or more was still queued at B.1"
            in capsys.readouterr().out)
    assert main(["run", str(path), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "B.1: " in out and "vehicles were still queued when demand stopped" in out


def test_sweep_shows_a_new_flights_break_even_market(capsys) -> None:
    # the market at which a flight pays is the launch question's answer: a market sweep showed
    # load and profit per flight, and left the break-even market to tables/summary.csv
    root = Path(__file__).resolve().parents[2]
    assert main(["sweep", str(root / "scenarios" / "direct_flight.yaml"), "--set",
                 "demand.PAX-NQZ-VNO.per_week=150,600", "--replications", "2", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.startswith("demand.PAX-NQZ-VNO.per_week"))
    assert "KC-NQZ-VNO break-even market pax/week" in header
    assert "KC-VNO-NQZ break-even market pax/week" in header
    assert main(["sweep", str(root / "scenarios" / "direct_flight.yaml"), "--set",
                 "demand.PAX-NQZ-VNO.per_week=150,600", "--replications", "2", "--workers", "1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = [line for line in text.splitlines() if line.lstrip().startswith(("150 ", "600 "))]
    for combination, row in zip(data["combinations"], rows, strict=True):
        e = combination["kpis"]["airline.KC-NQZ-VNO.break_even_market_per_week"]
        assert e["mean"] > 0
        assert f"{e['mean']:,.0f} ±" in row  # the cell is the summary's mean


def test_a_sweep_plots_title_stands_clear_of_its_panels_and_each_panel_spans_the_sweep(
        tmp_path, monkeypatch) -> None:
    # the figure's title was drawn over the top row's panel titles (six rows of panels), and a
    # panel with one point (the break-even market, which a fare of USD 232 has not: even full
    # the flight loses money) spanned that point alone
    import corridor.report.sweep_out as sweep_out
    from conftest import SCENARIOS

    real = sweep_out.png
    seen: list[tuple[bool, list[tuple[float, float]]]] = []

    def check(fig, *args, **kwargs):  # noqa: ANN001, ANN202
        save = fig.savefig

        def measured(*a, **k):  # noqa: ANN001, ANN202  (as laid out for the file)
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            title = fig._suptitle.get_window_extent(renderer)
            axes = [ax for ax in fig.axes if ax.get_visible()]
            clear = all(not title.overlaps(ax.title.get_window_extent(renderer)) for ax in axes)
            seen.append((clear, [ax.get_xlim() for ax in axes]))
            return save(*a, **k)

        fig.savefig = measured
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(sweep_out, "png", check)
    assert main(["sweep", str(SCENARIOS / "direct_flight.yaml"), "--set",
                 "services.KC-NQZ-VNO.cost_usd=232,290", "--replications", "2", "--quiet",
                 "--out", str(tmp_path / "out")]) == 0
    ((clear, limits),) = seen
    assert clear and len(limits) > 12
    assert all(low < 232 and high > 290 for low, high in limits), limits


def test_resume_into_a_folder_with_no_runs_says_it_starts_afresh(station, tmp_path, capsys) -> None:
    # --resume --out NEWDIR ran every run without a word: a mistyped folder went unnoticed
    out = tmp_path / "typo"
    assert main(["sweep", station, "--set", "demand.F.per_week=100,200", "--replications", "1",
                 "--workers", "1", "--quiet", "--out", str(out), "--resume"]) == 0
    assert f"note: {out} holds no runs to resume; starting afresh there" in capsys.readouterr().err
    assert len(list((out / "runs").glob("*.json"))) == 2


def _plotted(result, column: str, monkeypatch) -> object:
    """The figure of ``column``'s plot, before it is made a PNG."""
    from corridor.report import sweep_out

    figures: list[object] = []
    monkeypatch.setattr(sweep_out, "png", lambda fig: figures.append(fig) or b"")
    sweep_out.setting_plot(result, column)
    return figures[0]


def test_more_lines_than_a_legend_names_are_told_apart_by_a_colour_scale(tmp_path, monkeypatch) -> None:
    # a 60 x 60 sweep drew 60 lines in one colour cycle, with no legend and nothing to say
    # which line was which
    from corridor.analysis.sweep import grid, sweep
    from corridor.report.sweep_out import MAX_NAMED_LINES, line_shades, lines_of
    from corridor.scenario.overrides import load_raw, parse_setting

    values = list(range(100, 101 + MAX_NAMED_LINES))  # one line more than a legend names
    settings = [parse_setting(f"demand.F.per_week={','.join(map(str, values))}"),
                parse_setting("places.B.1.servers=1,2")]
    path = write_station(tmp_path, days=7, replications=1)
    result = sweep(load_raw(path), str(path), grid(settings), replications=1, seed=3)
    servers, per_week = "places.B.1.servers", "demand.F.per_week"
    others, groups = lines_of(result, servers)
    shades = line_shades(result, others, groups)
    assert shades is not None and sorted(shades.values.values()) == [float(v) for v in values]
    # each line's colour is its value's place on the scale: the least and the most at its ends
    from matplotlib import colormaps

    ends = colormaps["viridis"](0.0), colormaps["viridis"](1.0)
    assert (shades.colour(f"{per_week}=100"), shades.colour(f"{per_week}={values[-1]}")) == ends
    fig = _plotted(result, servers, monkeypatch)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == per_week
    # two lines on the other plot: named in a legend, no scale
    fig = _plotted(result, per_week, monkeypatch)
    assert not [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert fig.axes[0].get_legend() is not None


def test_many_lines_of_words_say_they_are_too_many_to_name(tmp_path, monkeypatch) -> None:
    from corridor.analysis.sweep import grid, sweep
    from corridor.report.sweep_out import MAX_NAMED_LINES, line_shades, lines_of
    from corridor.scenario.overrides import load_raw, parse_setting

    names = ",".join(f"A{k}" for k in range(MAX_NAMED_LINES + 1))  # a place's name: words
    settings = [parse_setting(f"places.A.name={names}"), parse_setting("places.B.1.servers=1,2")]
    path = write_station(tmp_path, days=7, replications=1)
    result = sweep(load_raw(path), str(path), grid(settings), replications=1, seed=3)
    others, groups = lines_of(result, "places.B.1.servers")
    assert line_shades(result, others, groups) is None
    fig = _plotted(result, "places.B.1.servers", monkeypatch)
    title = fig._suptitle.get_text()
    assert f"{MAX_NAMED_LINES + 1} lines, one for each places.A.name: too many to name" in title


def test_two_sweeps_started_on_one_new_out_do_not_both_write_there(station, tmp_path, capsys) -> None:
    # each found the new --out empty and wrote there: the later one's tables replaced the
    # earlier's over a runs/ holding both's runs, and each said it had written them (exit 0)
    from corridor.errors import CorridorError
    from corridor.report.sweep_out import open_store

    out = tmp_path / "out"
    first = open_store(out, resume=False)  # started, no run finished yet
    assert main(["sweep", station, "--set", "demand.F.per_week=100,200", "--replications", "1",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    with pytest.raises(CorridorError, match=f"^{out} was filled by another run meanwhile; choose"):
        first.put("k" * 40, {"events": 0, "kpis": {}})
    assert sorted(p.name for p in out.iterdir()) == ["plots", "runs", "sweep.json", "tables"]
    assert len(list((out / "runs").glob("*.json"))) == 2  # the winner's, none of the other's


def test_a_sweep_whose_new_out_gets_a_runs_results_meanwhile_leaves_them_alone(tmp_path) -> None:
    from corridor.errors import CorridorError
    from corridor.report.sweep_out import open_store

    out = tmp_path / "out"
    store = open_store(out, resume=False)
    out.mkdir()
    (out / "summary.json").write_text("{}\n")  # corridor run --out finished there meanwhile
    with pytest.raises(CorridorError, match="was filled by another run meanwhile"):
        store.put("k" * 40, {"events": 0, "kpis": {}})
    assert [p.name for p in out.iterdir()] == ["summary.json"]


@pytest.mark.parametrize("command", ["sweep", "throughput"])
def test_a_failure_to_write_the_results_says_the_runs_are_kept_for_resume(station, tmp_path, capsys,
                                                                         monkeypatch, command) -> None:
    # a full disk while the tables were written said only "cannot write there", though the runs
    # were kept and --resume would write them
    from corridor.errors import CorridorError
    from corridor.report import sweep_out, throughput_out

    def full(*_args, **_kwargs) -> None:
        raise CorridorError(f"{out}: cannot write there (File too large)")

    monkeypatch.setattr(sweep_out, "write_sweep", full)
    monkeypatch.setattr(throughput_out, "write_throughput", full)
    out = tmp_path / "out"
    argv = {"sweep": ["--set", "demand.F.per_week=100,200"], "throughput": ["--scale", "1"]}[command]
    assert main([command, station, *argv, "--replications", "1", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    kept = len(list((out / "runs").glob("*.json")))
    assert kept >= 1 and "Traceback" not in err
    assert (f"cannot write there (File too large); the {kept} finished runs are kept in {out}/runs: "
            "the same command with --resume writes the results") in err, err
    monkeypatch.undo()
    assert main([command, station, *argv, "--replications", "1", "--workers", "1", "--quiet",
                 "--out", str(out), "--resume"]) == 0
