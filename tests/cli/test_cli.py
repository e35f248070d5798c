"""The command line, run in-process (and once as a real process for the exit code)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SCENARIOS
from corridor.cli import main

BASELINE = str(SCENARIOS / "baseline.yaml")


def test_validate_ok(capsys) -> None:
    assert main(["validate", BASELINE]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "OK" in out and "40 places" in out


def test_validate_counts_one_of_a_kind_in_the_singular(write, capsys) -> None:
    # it said "1 services (2 edges)" (and profile "1 departure times")
    from conftest import MINIMAL

    one = MINIMAL.split("  - id: A2")[0]
    assert main(["validate", str(write("one.yaml", one))]) == 0
    out = capsys.readouterr().out
    assert "3 places (0 with queues), 1 service (1 edge), 0 links, 0 demand flows, 0 disruptions" in out, out
    assert main(["profile", str(write("one2.yaml", one)), "--from", "NQZ", "--to", "IST",
                 "--step-min", "20000"]) == 0
    assert "(1 departure time)" in capsys.readouterr().out


def test_validate_bad_exits_2_without_traceback(write, capsys) -> None:
    bad = write("bad.yaml", "name: x\nrun: {start: 2027-03-01}\nplaces: []\nservices: 3\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4:11: services:" in err and "Traceback" not in err


def test_show_rounds_each_figure_once(capsys) -> None:
    # the table rounded the JSON's 0.1 km and 0.01 kg again, half to even: KC-NQZ-VNO's 485.497
    # kg read 486 and EU-KUZNICA-DUISBURG's 1,454.54 km read 1,454, against plan's 485 and 1,455
    from corridor import build_network
    from corridor.scenario import load_scenario

    path = SCENARIOS / "direct_flight.yaml"
    graph = build_network(load_scenario(path))
    exact: dict[str, list[float]] = {}
    for _, _, d in graph.edges(data=True):
        if d.get("service"):
            km_co2 = exact.setdefault(d["service"], [0.0, 0.0])
            km_co2[0] += d["distance_km"]
            km_co2[1] += d["co2_kg"]
    assert main(["show", str(path)]) == 0
    rows: dict[str, list[str]] = {}  # the services table's row (the air routes' comes after)
    for line in capsys.readouterr().out.splitlines():
        if line.strip():
            rows.setdefault(line.split()[0], line.split())
    checked = 0
    for service, (km, co2) in exact.items():
        cells = rows[service]
        shown = lambda v: f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"  # noqa: E731 (the tables' digits)
        assert shown(km) in cells and cells[-1] == shown(co2), (service, km, co2, cells)
        checked += 1
    assert checked > 40 and f"{exact['KC-NQZ-VNO'][1]:.0f}" == "485"


def test_show_tables_and_json(capsys) -> None:
    assert main(["show", str(SCENARIOS / "direct_flight.yaml")]) == 0
    text = capsys.readouterr().out
    assert "KC-NQZ-VNO" in text and "Places (40)" in text
    assert main(["show", BASELINE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"places", "services", "links", "demand", "disruptions"} <= set(data)
    tk = next(s for s in data["services"] if s["id"] == "TK-IST-VNO")
    # FACTS: IST-VNO is 1,508 km on the great circle, which crosses Ukraine and Belarus; the
    # computed path round them (Bulgaria - Romania - Slovakia - Poland) is ~1,756 km
    assert tk["departures_per_week"] == 14 and tk["distance_km"] == pytest.approx(1756, abs=10)
    # what makes cargo wait is listed too: stations, dispatched services, fleets, gateway choice
    assert {f["id"]: f["vehicles"] for f in data["fleets"]} == {"DOSTYK-1520": 80, "ALTYNKOL-1520": 60}
    mal = next(p for p in data["places"] if p["id"] == "MALASZEWICZE")
    assert mal["servers"] == 3 and mal["customs_probability"] == 0.1 and mal["background_per_day"] > 0
    eu = next(s for s in data["services"] if s["id"] == "EU-MALASZEWICZE-DUISBURG")
    assert eu["dispatch"]["paths_per_day"] == 3
    # the ERAI tariff is charged whole at every boarding; a fare shared by distance looked the same
    kz = next(s for s in data["services"] if s["id"] == "KZ-DOSTYK-BREST")
    assert (kz["cost_usd"], kz["fare_basis"], tk["fare_basis"]) == (3289.0, "boarding", "distance")
    assert main(["show", BASELINE]) == 0
    text = capsys.readouterr().out
    assert "Dispatched services (22" in text and "Fleets (2)" in text
    assert "3,289*" in text and "* charged whole at every boarding" in text
    assert "FEU-XIAN-DUISBURG: MALASZEWICZE, KUZNICA, SIEMIANOWKA, SESTOKAI, BRANIEWO" in text
    # and how it chooses: the listed gateways alone did not say the value of time or the learning
    assert ("FEU-CHONGQING-DUISBURG: MALASZEWICZE, KUZNICA, SIEMIANOWKA, SESTOKAI, BRANIEWO (value of "
            "time USD 150 a day, logit scale USD 150, 41 FEU decide together, learning 0.2 of each "
            "error)") in " ".join(text.split())


def test_map_writes_png_atomically(tmp_path: Path, capsys) -> None:
    out = tmp_path / "map.png"
    assert main(["map", BASELINE, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary left behind


def test_map_refuses_unknown_suffix_and_missing_folder(tmp_path: Path, capsys) -> None:
    assert main(["map", BASELINE, "-o", str(tmp_path / "map.txt")]) == 2
    assert main(["map", BASELINE, "-o", str(tmp_path / "no" / "map.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_real_process_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "corridor.cli", "validate", str(tmp_path / "missing.yaml")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize("args", [["validate"], ["show", "--json"]])
def test_standard_output_on_a_full_disk_is_a_one_line_error(unbuffered: str, args: list[str]) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    with open("/dev/full", "w") as full:
        # a traceback (unbuffered), or "Exception ignored" and status 120 as Python exits
        proc = subprocess.run([sys.executable, "-m", "corridor.cli", args[0], BASELINE, *args[1:]],
                              stdout=full, stderr=subprocess.PIPE, text=True, check=False, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[-1] == "error: cannot write to standard output (No space left on device)"
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(("scenario", "why"), [("baseline.yaml", "a warning"), ("missing.yaml", "the error")])
def test_standard_error_on_a_full_disk_ends_with_the_status_of_an_error(scenario: str, why: str) -> None:
    # the baseline's validate warns (of Malaszewicze), a missing file is an error: either
    # written to a full standard error ended with status 1, a route not found, and a traceback
    # that went nowhere; standard output still reads OK for the baseline
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "corridor.cli", "validate", str(SCENARIOS / scenario)],
                              stdout=subprocess.PIPE, stderr=full, text=True, check=False)
    assert proc.returncode == 2, (why, proc.stdout)


@pytest.mark.parametrize("args", [["validate"], ["show", "--json"]])
def test_a_closed_standard_output_is_a_one_line_error(args: list[str]) -> None:
    import os

    # started as `corridor ... >&-`, Python prints to nothing: the command ended with status 0
    # having shown nothing
    proc = subprocess.run([sys.executable, "-m", "corridor.cli", args[0], BASELINE, *args[1:]],
                          stderr=subprocess.PIPE, text=True, check=False, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == ["error: standard output is closed; corridor prints its results there"]


def test_with_standard_output_closed_nothing_is_written(tmp_path: Path) -> None:
    import os

    # export wrote its feed over the old one, then failed to say so (exit 2, the file replaced)
    old = tmp_path / "feed.zip"
    old.write_text("old")
    proc = subprocess.run([sys.executable, "-m", "corridor.cli", "export", BASELINE, "--gtfs", str(old)],
                          stderr=subprocess.PIPE, text=True, check=False, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2 and old.read_text() == "old"


@pytest.mark.parametrize("scenario", [BASELINE, "missing.yaml"])
def test_with_both_outputs_closed_the_status_still_says_why(scenario: str) -> None:
    import os

    # an error printed to a closed standard error went to standard output (closed too): an
    # uncaught OSError and exit 1, the status of "no route"
    def close_both() -> None:
        os.close(1)
        os.close(2)

    proc = subprocess.run([sys.executable, "-m", "corridor.cli", "validate", scenario],
                          check=False, preexec_fn=close_both)
    assert proc.returncode == 2


def test_a_name_the_output_encoding_lacks_is_escaped(write) -> None:
    import os

    from conftest import MINIMAL

    path = write("plane.yaml", MINIMAL.replace("name: tiny", "name: 'Tiny ✈ Žalgiris'"))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # as a Latin-1 or ASCII terminal is
    proc = subprocess.run([sys.executable, "-m", "corridor.cli", "validate", str(path)],
                          capture_output=True, text=True, check=False, env=env)
    # it was a UnicodeEncodeError traceback after the work was done
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "Tiny \\u2708 \\u017dalgiris" in proc.stdout


@pytest.mark.parametrize("suffix", [".png", ".html"])
def test_a_map_of_no_places_is_refused(write, tmp_path: Path, capsys, suffix: str) -> None:
    path = write("empty.yaml", "name: empty\nrun: {start: 2027-03-01}\nplaces: []\n")
    out = tmp_path / f"map{suffix}"
    assert main(["map", str(path), "-o", str(out)]) == 2  # a ValueError traceback
    err = capsys.readouterr().err
    assert f"{path}: no places to draw" in err and "Traceback" not in err
    assert not out.exists()


def test_a_current_folder_that_was_removed(tmp_path: Path, monkeypatch, capsys) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    # a FileNotFoundError traceback from the folder's absolute path
    assert main(["validate", "tiny.yaml"]) == 2
    err = capsys.readouterr().err
    assert "tiny.yaml: file not found" in err and "Traceback" not in err and "standard output" not in err


@pytest.mark.parametrize("name", ["esc\x1b[2J\x1b[31mX.yaml", "new\nline.yaml"])
@pytest.mark.parametrize("command", [["validate", "NAME"], ["map", "SCENARIO", "-o", "NAME"]])
def test_a_file_name_with_control_characters_is_refused_shown_escaped(tmp_path: Path, capsys, name: str,
                                                                        command: list[str]) -> None:
    # a terminal runs what reaches it raw: a file named with ESC [2J cleared the screen when
    # validate named it in an error (values inside files were escaped, file names were not),
    # and a newline in a name split one problem over two lines
    from conftest import MINIMAL

    bad, scenario = tmp_path / name, tmp_path / "tiny.yaml"
    bad.write_text("name: [\n")
    scenario.write_text(MINIMAL)
    with pytest.raises(SystemExit) as info:
        main([{"NAME": str(bad), "SCENARIO": str(scenario)}.get(a, a) for a in command])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "a name holding control characters" in err, err
    assert f"{str(bad)!r}: a name" in err  # the name whole on its one line, escaped


def test_an_output_name_that_is_not_utf8_is_refused(tmp_path: Path, capsys) -> None:
    # the Parquet and GeoPackage writers took it to a UnicodeEncodeError traceback
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL)
    out = str(tmp_path) + "/b" + b"\xff\xfe".decode("utf-8", "surrogateescape") + "d.gpkg"
    with pytest.raises(SystemExit) as info:
        main(["export", str(scenario), "--gpkg", out])
    assert info.value.code == 2
    assert "a name that is not UTF-8" in capsys.readouterr().err


def test_gtfs_options_without_a_feed_are_refused(tmp_path: Path, capsys) -> None:
    # --timezone Bogus with only --gpkg exited 0: the feed's options were never read
    from conftest import MINIMAL

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL)
    out = tmp_path / "n.geojson"
    assert main(["export", str(scenario), "--geojson", str(out), "--timezone", "Bogus"]) == 2
    assert "export: --timezone is for the GTFS feed: give --gtfs too" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("value", ["1_000", " 7", "١٢", "3.0"])
def test_whole_number_options_read_as_a_scenario_file_reads_them(value: str, capsys) -> None:
    # Python's int() took '1_000' (and padded or Arabic-Indic digits) where the same text in a
    # file is refused; every whole-number option now takes digits with an optional sign only
    with pytest.raises(SystemExit) as info:
        main(["run", "scenario.yaml", "--seed", value])
    assert info.value.code == 2
    assert f"argument --seed: not a whole number: {value!r}" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["run", "S", "--bogus"],
    ["plan", "S", "--from", "A", "--to", "B", "--depart", "2027-03-01T08:00", "--bogus", "x"],
])
def test_an_unknown_option_is_said_with_its_commands_usage(command: list[str], capsys) -> None:
    # it was said with the top level's usage, which lists only the commands
    with pytest.raises(SystemExit) as info:
        main(command)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"corridor {command[0]}: error: unrecognized arguments: --bogus" in err
    assert f"usage: corridor {command[0]} " in err


def test_python_m_corridor_is_the_command_line() -> None:
    """``python -m corridor`` runs the same command line as ``corridor`` (there was no
    ``__main__``: "No module named corridor.__main__")."""
    proc = subprocess.run([sys.executable, "-m", "corridor", "validate", str(SCENARIOS / "baseline.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "baseline" in proc.stdout.lower()
    bad = subprocess.run([sys.executable, "-m", "corridor", "no-such-command"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_show_gives_a_flights_costs_and_the_passengers_choice(capsys, monkeypatch) -> None:
    # show listed the direct flight's fare and seats, but not what a flight costs nor the logit's
    # terms: what a launch answer rests on was only in the YAML
    path = SCENARIOS / "direct_flight.yaml"
    assert main(["show", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kc = next(s for s in data["services"] if s["id"] == "KC-NQZ-VNO")
    # block hours: the flight's time in the services table (from the network's edges)
    block_h = kc["duration_min"] / 60
    assert kc["economics"]["block_h"] == pytest.approx(block_h) == pytest.approx(7 + 35 / 60)
    # 4,829 USD a block hour and 8,851 a trip (the YAML), a USD 290 fare and 166 seats
    cost = 4829 * block_h + 8851
    assert kc["economics"]["cost_per_flight_usd"] == pytest.approx(cost)
    assert kc["economics"]["break_even_load_at_fare"] == pytest.approx(cost / (290 * 166))
    assert next(s for s in data["services"] if s["id"] == "TK-IST-VNO")["economics"] is None
    assert [g["id"] for g in data["choice"]["segments"]] == ["leisure", "business"]
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["show", str(path)]) == 0
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("KC-NQZ-VNO ") and "4,829" in line)
    assert row.split()[-2:] == [f"{cost:,.0f}", f"{cost / (290 * 166):.0%}"]
    assert "Passenger choice" in text and "a transfer USD 60; logit scale USD 60" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 100
