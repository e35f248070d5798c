"""`corridor run`: KPIs printed, records written whole, errors as exit 2."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest
import yaml

import corridor
from conftest import MINIMAL, SCENARIOS, validate_warnings
from corridor.cli import main
from corridor.scenario import load_scenario

ALLOW = ["--allow-path", str(SCENARIOS)]  # the scenarios here extend the shipped ones


def malaszewicze_load(servers: int | None = None, days: int | None = None) -> float:
    """The baseline's Małaszewicze offered load by its outside traffic over the first ``days`` of
    the run (its horizon by default), each day at its month's factor, counted here day by day."""
    import datetime as dt

    s = load_scenario(SCENARIOS / "baseline.yaml")
    place = next(p for p in s.places if p.id == "MALASZEWICZE")
    assert place.background_seasonality is not None and place.service_time is not None
    n = days or s.run.horizon_days
    factors = [place.background_seasonality[(s.run.start + dt.timedelta(days=k)).month - 1] for k in range(n)]
    return (place.background_per_day * sum(factors) / n * place.service_time.mean_min
            / ((servers or place.servers) * 1440))


def overlay(tmp_path: Path, base: str, name: str, body: str = "") -> str:
    """The path of a scenario NAME written in ``tmp_path`` that extends the shipped ``base`` by
    ``body`` (YAML)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {SCENARIOS / base}\nname: {name}\n{body}", encoding="utf-8")
    return str(path)


def short(tmp_path: Path, base: str = "baseline.yaml") -> str:
    """``base`` over three weeks, one of them warm-up, and two of drain: 2 replications."""
    return overlay(tmp_path, base, "short", "run: {horizon_days: 21, warmup_days: 7, drain_days: 14, "
                   "replications: 2}\n")


def test_run_prints_kpis_and_writes_records(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["run", short(tmp_path), "--out", str(out), *ALLOW]) == 0
    text = capsys.readouterr()
    assert "FEU-XIAN-DUISBURG" in text.out and "MALASZEWICZE" in text.out and "±" in text.out
    assert "Traceback" not in text.err and text.err.count("\n") <= 1  # no progress when piped
    names = sorted(p.name for p in out.iterdir())
    assert names == ["station_visits_rep0.csv", "station_visits_rep1.csv", "station_waits_rep0.csv",
                     "station_waits_rep1.csv", "summary.json", "units_rep0.csv", "units_rep1.csv"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2 and summary["scenario"] == "short"
    # the CSVs' times are minutes after the epoch, which the summary names (it did not)
    start = load_scenario(short(tmp_path), allow_paths=[SCENARIOS]).run.start
    assert summary["epoch"] == f"{start.isoformat()}T00:00:00+00:00" and summary["corridor_version"]
    with (out / "units_rep0.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(summary["per_replication"][0]["status"].values())
    assert {r["status"] for r in rows} <= {"delivered", "waiting", "onboard", "moving", "at_station"}
    # the gateway a container chose, and when a vehicle left a station (after a customs hold),
    # so the gateway shares and Little's law can be recomputed from the files (they could not)
    chosen = {r["gateway"] for r in rows if r["flow"] == "FEU-XIAN-DUISBURG"} - {""}
    assert chosen and chosen <= {"MALASZEWICZE", "KUZNICA", "SIEMIANOWKA", "SESTOKAI", "BRANIEWO"}
    assert all(r["gateway"] == "" for r in rows if r["kind"] == "pax")
    with (out / "station_visits_rep0.csv").open() as fh:
        visits = list(csv.DictReader(fh))
    assert all(float(v["leave_min"]) >= float(v["end_min"]) for v in visits)
    assert any(float(v["leave_min"]) > float(v["end_min"]) for v in visits if v["station"] == "ALASHANKOU")
    # the cargo line sets delivery beside creation: containers created in the window (days 7
    # to 21), a week's worth, counted from the records of both replications
    made = 0
    for rep in (0, 1):
        with (out / f"units_rep{rep}.csv").open() as fh:
            made += sum(1 for r in csv.DictReader(fh) if r["kind"] == "feu"
                        and 7 * 1440 <= float(r["created_min"]) < 21 * 1440)
    cargo = next(line for line in text.out.splitlines() if line.startswith("Cargo:"))
    assert cargo.endswith(f", {made / 2 / 2:,.1f} created a week;"), cargo
    # the same --out again is refused, and nothing is lost
    assert main(["run", short(tmp_path), "--out", str(out), *ALLOW]) == 2
    assert "already holds results" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text()) == summary


def test_run_json_and_seed(tmp_path: Path, capsys) -> None:
    assert main(["run", short(tmp_path), "--json", "--replications", "1", "--seed", "5", *ALLOW]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seed"] == 5 and data["replications"] == 1
    assert "cargo.feu_per_week" in data["summary"]


def test_run_errors(tmp_path: Path, capsys) -> None:
    assert main(["run", short(tmp_path), "--replications", "0", *ALLOW]) == 2
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
    assert main(["run", short(tmp_path), "--out", str(tmp_path / "no" / "such" / "dir"), *ALLOW]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "does not exist" in err


def test_more_workers_than_cores_is_a_note_and_the_run_goes_on(tmp_path: Path, capsys, monkeypatch) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL, encoding="utf-8")
    assert main(["run", str(scenario), "--replications", "2", "--workers", "3", "--json"]) == 0
    err = capsys.readouterr().err
    assert "--workers 3 is more than this machine's 2 cores" in err
    assert main(["run", str(scenario), "--replications", "2", "--workers", "2", "--json"]) == 0
    assert "cores" not in capsys.readouterr().err


def test_run_warns_of_units_never_delivered(tmp_path: Path, capsys) -> None:
    # a week's demand and only two days to drain: Xi'an containers (10 days) cannot arrive
    path = overlay(tmp_path, "baseline.yaml", "cut",
                   "run: {horizon_days: 21, warmup_days: 0, drain_days: 2, replications: 1}\n")
    assert main(["run", path, *ALLOW]) == 0
    out = capsys.readouterr().out
    assert "warning: FEU-XIAN-DUISBURG:" in out and "not delivered by the end of the" in " ".join(out.split())


def test_validate_says_an_overload_of_timetabled_trips_holds_if_they_run_loaded(tmp_path: Path,
                                                                                capsys) -> None:
    # a train a minute through a one-track station of 60 min is 6000% of it if every train is
    # loaded; 100 containers a week fill a few, and an empty trip passes without queueing: run
    # finds no queue growing, where validate said it "will grow without bound"
    text = textwrap.dedent("""\
        name: minutely
        run: {start: 2027-03-01, horizon_days: 14, drain_days: 7, replications: 1, seed: 1}
        places:
          - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 51.0, lon: 71.0, tz: Asia/Almaty}
          - {id: S, name: S, kind: border_station, country: BY, lat: 52.0, lon: 24.0, tz: Europe/Minsk,
             servers: 1, service_time: {dist: fixed, value_min: 60}}
          - {id: B, name: B, kind: rail_terminal, country: LT, lat: 54.6, lon: 25.3, tz: Europe/Vilnius}
        services:
          - {id: T1, mode: rail, unit: feu, stops: [A, S, B], speed_kph: 40, capacity: 50,
             timetable: {days: daily, headway_min: 1}}
        demand:
          - {id: D1, from: A, to: B, kind: cargo, per_week: 100}
        """)
    path = tmp_path / "minutely.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: S: offered load 6000% of capacity (at or over capacity if its timetabled trips all "
            "run loaded") in err and "will grow" not in err, err
    assert main(["run", str(path), "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["stations.S.growing"]["mean"] == 0.0 and summary["stations.S.utilisation"]["mean"] < 0.9


def test_validate_warns_of_overload(tmp_path: Path, capsys) -> None:
    # 8.7 outside trains a day of 455 min at March-May's factors on 3 tracks is 96%; on one
    # track, 289% (computed)
    path = overlay(tmp_path, "baseline.yaml", "tight", "places:\n  - {id: MALASZEWICZE, servers: 1}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert f"{malaszewicze_load(servers=1):.0%}" == "289%"
    assert "warning: MALASZEWICZE: offered load 289% of capacity" in err and "without bound" in err
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    # the baseline's one warning: Malaszewicze near capacity, as published waits of 2-3 days say
    warnings = validate_warnings(capsys.readouterr().err)
    assert len(warnings) == 1 and "MALASZEWICZE" in warnings[0] and "near capacity" in warnings[0]


def test_validate_counts_the_vehicles_cargo_demand_dispatches(tmp_path: Path, capsys) -> None:
    # trucks of one container each, dispatched at once, into one server of 60 min: 252 a week
    # is 36 a day, 36 h of work a day, 150% (computed); the simulation's queue grows without bound
    from validation.queue_scenarios import queue_scenario

    s = queue_scenario("M/M", 1, 1.5, days=30, replications=1)
    path = tmp_path / "trucks.yaml"
    path.write_text(yaml.safe_dump(json.loads(s.model_dump_json(exclude_none=True))), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: B: offered load 150% of capacity" in err and "36.0 dispatched" in err, err
    # at 60% no warning
    s = queue_scenario("M/M", 1, 0.6, days=30, replications=1)
    path.write_text(yaml.safe_dump(json.loads(s.model_dump_json(exclude_none=True))), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_validate_warns_of_a_disruption_outside_the_run(tmp_path: Path, capsys) -> None:
    # the year mistyped: the closure never happens in a run, and validate warned of the queue
    # it would build instead
    path = overlay(tmp_path, "kena_closure.yaml", "late",
                   "disruptions:\n  - {id: KENA-CLOSED, start: 2037-03-29T00:00:00+03:00, "
                   "end: 2037-04-05T00:00:00+03:00}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert ("warning: KENA-CLOSED: 2037-03-29T00:00:00+03:00 to 2037-04-05T00:00:00+03:00 is outside the "
            "simulated period (2027-03-01 to 2027-07-01 UTC, horizon and drain): runs never see it") in err
    assert "warning: KENA:" not in err
    assert main(["validate", str(SCENARIOS / "kena_closure.yaml")]) == 0
    err = capsys.readouterr().err
    assert "outside the simulated period" not in err and "warning: KENA:" in err


def test_validate_warns_of_a_flow_no_journey_serves(tmp_path: Path, capsys) -> None:
    # validate said OK, and only run's end told that every unit was left undelivered: the
    # return flow has no service, the containers nothing that carries containers
    from conftest import MINIMAL

    path = tmp_path / "oneway.yaml"
    path.write_text(MINIMAL + "demand:\n"
                    "  - {id: OUT, kind: passenger, from: NQZ, to: VNO, per_week: 10}\n"
                    "  - {id: BACK, kind: passenger, from: VNO, to: NQZ, per_week: 10}\n"
                    "  - {id: BOX, kind: cargo, from: NQZ, to: VNO, per_week: 10}\n")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: BACK: no journey takes passengers from VNO to NQZ on the services and links of the "
            "run (2027-03-01 to 2027-04-05 UTC, horizon and drain)") in err, err
    assert "warning: BOX: no journey takes containers from NQZ to VNO" in err
    assert "OUT" not in err
    result = corridor.simulate(load_scenario(path), replications=1)
    kpis = result.kpis[0]["flows"]
    assert kpis["OUT"]["undelivered"] == 0  # what validate let pass is delivered
    assert kpis["BACK"]["created"] == kpis["BACK"]["undelivered"] > 0
    assert kpis["BOX"]["created"] == kpis["BOX"]["undelivered"] > 0


def test_validate_warns_of_a_service_with_no_trip_in_the_run(tmp_path: Path, capsys) -> None:
    # a validity that ended before the run (a mistyped year): the flight never flies in a run
    from conftest import MINIMAL

    path = tmp_path / "gone.yaml"
    ended = "    duration_min: 146\n    valid_to: 2026-12-31\n"
    path.write_text(MINIMAL.replace("    duration_min: 146\n", ended))
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: A2: no trip in the simulated period (2027-03-01 to 2027-04-05 UTC" in err, err
    assert "A1" not in err
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(MINIMAL)
    assert main(["validate", str(tiny)]) == 0
    assert "no trip" not in capsys.readouterr().err

def test_validate_warns_of_departure_paths_on_no_day_of_the_run(tmp_path: Path, capsys) -> None:
    # EU trains leave on Saturday's paths only, and a run from Monday to Thursday has none: its
    # containers all wait at G to the end, which validate said nothing of; a week has one
    paths = textwrap.dedent("""\
        name: paths
        run: {start: 2027-01-04, horizon_days: 3, warmup_days: 0, drain_days: 1, replications: 1}
        places:
          - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
          - {id: G, name: G, kind: border_station, country: PL, lat: 52, lon: 23, tz: UTC}
          - {id: Z, name: Z, kind: rail_terminal, country: DE, lat: 51, lon: 7, tz: UTC}
        services:
          - {id: IN, mode: rail, unit: feu, stops: [A, G], dispatch: {cutoff_min: 0}, duration_min: 6000,
             capacity: 1}
          - {id: EU, mode: rail, unit: feu, stops: [G, Z], dispatch: {paths_per_day: 1, days: [Sat, Sun]},
             duration_min: 1440, capacity: 28}
        demand:
          - {id: F, kind: cargo, from: A, to: Z, per_week: 100}
        """)
    path = tmp_path / "paths.yaml"
    path.write_text(paths)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: EU: its departure paths are on Sat, Sun only, and no day of the run (2027-01-04 to "
            "2027-01-08 UTC") in err, err
    for run in ("horizon_days: 3, warmup_days: 0, drain_days: 3",  # to Saturday
                "horizon_days: 7, warmup_days: 0, drain_days: 0"):
        path.write_text(paths.replace("horizon_days: 3, warmup_days: 0, drain_days: 1", run))
        assert main(["validate", str(path)]) == 0
        assert "departure paths" not in capsys.readouterr().err


def test_validate_names_a_flow_that_closures_leave_no_journey_all_run(tmp_path: Path, capsys) -> None:
    # every flight out of Astana shut from before the run to after it, Warsaw's by two closures
    # end to end: the travellers would wait at NQZ to the end, which validate said nothing of;
    # one shut for half the run only delays them
    whole = "{start: 2027-01-01T00:00Z, end: 2028-01-01T00:00Z}"
    shut = "".join(f"  - {{id: NO-{k}, target: {s}, " + whole[1:] + "\n"
                   for k, s in enumerate(["KC-NQZ-FRA", "TK-NQZ-IST-NIGHT", "TK-NQZ-IST-DAY"]))
    shut += ("  - {id: NO-LO-A, target: LO-NQZ-WAW, start: 2027-01-01T00:00Z, end: 2027-04-01T00:00Z}\n"
             "  - {id: NO-LO-B, target: LO-NQZ-WAW, start: 2027-03-30T00:00Z, end: 2028-01-01T00:00Z}\n")
    path = overlay(tmp_path, "baseline.yaml", "shut", "disruptions:\n" + shut)
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert ("warning: PAX-NQZ-VNO: no journey takes passengers from NQZ to VNO without what NO-0, NO-1, "
            "NO-2, NO-LO-A, NO-LO-B hold shut for the whole run") in err
    assert "PAX-VNO-NQZ: no journey" not in err  # the flights back still fly
    # a destination shut all run: nothing reaches it (validate looked at what leaves it only)
    path = overlay(tmp_path, "baseline.yaml", "dest",
                   f"disruptions:\n  - {{id: NO-VNO, target: VNO, {whole[1:]}\n")
    assert main(["validate", path, *ALLOW]) == 0
    assert ("warning: PAX-NQZ-VNO: no journey takes passengers from NQZ to VNO without what NO-VNO holds "
            "shut") in capsys.readouterr().err
    # with another closure beside it, shut all run but in no flow's way: each flow is blamed on
    # what blocks it, not on every closure of the run
    path = overlay(tmp_path, "baseline.yaml", "two",
                   f"disruptions:\n  - {{id: NO-VNO, target: VNO, {whole[1:]}\n"
                   f"  - {{id: NO-BRA, target: BRANIEWO, {whole[1:]}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert "from NQZ to VNO without what NO-VNO holds shut" in err and "NO-BRA, NO-VNO" not in err
    gap = shut.replace("start: 2027-03-30T00:00Z, end: 2028", "start: 2027-05-01T00:00Z, end: 2028")
    half = overlay(tmp_path, "baseline.yaml", "half", "disruptions:\n" + gap)
    assert main(["validate", half, *ALLOW]) == 0
    assert "hold shut for the whole run" not in capsys.readouterr().err


def test_validate_says_a_station_closed_all_run_holds_what_comes_to_the_end(tmp_path: Path, capsys) -> None:
    # it said "a queue builds while it lasts" of a closure that lasts the whole run
    body = ("disruptions:\n"
            "  - {id: KENA-SHUT, target: KENA, start: 2027-01-01T00:00Z, end: 2028-01-01T00:00Z}\n"
            "  - {id: DOSTYK-WEEK, target: DOSTYK, start: 2027-04-01T00:00Z, end: 2027-04-08T00:00Z}\n")
    assert main(["validate", overlay(tmp_path, "baseline.yaml", "shut", body), *ALLOW]) == 0
    err = capsys.readouterr().err
    kena = next(line for line in validate_warnings(err) if line.startswith("warning: KENA:"))
    assert "closed for the whole run by KENA-SHUT: what comes waits to the end" in kena
    assert "while it lasts" not in kena
    dostyk = next(line for line in validate_warnings(err) if line.startswith("warning: DOSTYK:"))
    assert "closed during its disruption: a queue builds while it lasts" in dostyk


def test_validate_names_an_airport_placed_or_zoned_unlike_airportsdata(tmp_path: Path, capsys) -> None:
    # VNO in Tokyo's zone and south of the equator (a dropped sign): both are used as written,
    # and said; IST given as airportsdata has it, and an airport with a code of no record, are not
    path = tmp_path / "airports.yaml"
    vno = "  - {id: VNO, name: Vilnius, kind: airport, country: LT}"
    assert vno in MINIMAL
    text = MINIMAL.replace(vno, "  - {id: VNO, name: Vilnius, kind: airport, country: LT, lat: -54.6341, "
                           "lon: 25.2858, tz: Asia/Tokyo}\n  - {id: XQQ, name: Nowhere, kind: airport, "
                           "country: LT, lat: 55.0, lon: 25.0, tz: Europe/Vilnius}")
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: VNO: tz Asia/Tokyo, where airportsdata has Europe/Vilnius for VNO" in err
    assert "warning: VNO: at (-54.6341, 25.2858), 12,15" in err
    assert "km from where airportsdata has VNO" in err
    said = "\n".join(line for line in err.splitlines() if "airportsdata" in line)
    assert "IST" not in said and "XQQ" not in said and "NQZ" not in said
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    assert "airportsdata" not in capsys.readouterr().err


def test_validate_warns_of_a_distance_shorter_than_the_great_circle(tmp_path: Path, capsys) -> None:
    from conftest import MINIMAL

    # NQZ - IST is 3,410 km on the great circle: a 5 km flight was planned and simulated
    # without a word
    path = tmp_path / "short.yaml"
    link = "  - {id: L, from: IST, to: VNO, mode: road, duration_min: 60, distance_km: 10}\n"
    path.write_text(MINIMAL.replace("    speed_kph: 780\n", "    speed_kph: 780\n    distance_km: 5\n")
                    + "links:\n" + link)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: A1: the service's distance_km 5 is shorter than the 3,410 km great circle "
            "through NQZ, IST") in err
    assert "warning: L: the link's distance_km 10 is shorter than the" in err
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    assert "great circle" not in capsys.readouterr().err


ZERO = """name: zero
run: {start: 2027-03-01}
places:
  - {id: P1, name: One, kind: city, country: LT, lat: 54.6, lon: 25.3, tz: Europe/Vilnius}
  - {id: P2, name: Two, kind: city, country: LT, lat: 54.6, lon: 25.3, tz: Europe/Vilnius}
services:
  - {id: F, mode: air, unit: pax, stops: [P1, P2], timetable: {times: ["08:00"]},
     speed_kph: 800, capacity: 100}
"""


def test_stops_at_one_position_are_warned_of_and_shown(tmp_path: Path, capsys) -> None:
    # two places with the same coordinates: a one-minute flight, and `show` failed on its
    # detour ratio (0 km over 0 km) with a traceback
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO)
    assert main(["validate", str(path)]) == 0
    assert "warning: F: stops P1 and P2 are at the same position (54.6, 25.3)" in capsys.readouterr().err
    assert main(["show", str(path)]) == 0
    # the detour shown as "-" (right-aligned, as the column's numbers would be)
    assert "F    0          0       -  0 h 01" in capsys.readouterr().out


def test_one_replication_writes_strict_json(tmp_path: Path, capsys) -> None:
    out = tmp_path / "one"
    assert main(["run", short(tmp_path), "--replications", "1", "--json", "--out", str(out), *ALLOW]) == 0
    printed = capsys.readouterr().out
    for text in (printed, (out / "summary.json").read_text()):
        assert "Infinity" not in text and "NaN" not in text
        data = json.loads(text)
        assert data["summary"]["cargo.feu_per_week"]["high"] is None  # no interval from one run


def test_version_and_exit_codes(capsys) -> None:
    import pytest

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("corridor ")
    # every help text renders (a stray % in one once broke `corridor --help`)
    for command in ([], ["validate"], ["show"], ["map"], ["plan"], ["profile"], ["run"], ["compare"],
                    ["bench"]):
        with pytest.raises(SystemExit) as info:
            main([*command, "--help"])
        assert info.value.code == 0
    assert "compare" in capsys.readouterr().out


def test_run_names_a_queue_that_grows_without_bound(tmp_path: Path, capsys) -> None:
    # one track at Malaszewicze for 10 trains a day of 308 min: the queue never clears
    path = overlay(tmp_path, "baseline.yaml", "tight", "places:\n  - {id: MALASZEWICZE, servers: 1}\n"
                   "run: {horizon_days: 28, drain_days: 7, replications: 1}\n")
    assert main(["run", path, *ALLOW]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "warning: MALASZEWICZE: the queue grew without bound" in out
    # its outside traffic alone (8.7 trains a day of 455 min at March's factor on one track)
    # fills it 2.6 times over: the warning says so, not that the scenario's traffic overloads it
    alone = f"{malaszewicze_load(servers=1, days=28):.0%}"
    assert f"its outside traffic alone takes {alone} of its capacity, so it grows whatever this scenario's " \
           "own traffic" in out, out
    # three weeks of works at a station that otherwise keeps up (a fourth track: the baseline's
    # three fall short of its outside traffic in the spring) build a queue that clears before
    # demand stops: no such warning
    works = overlay(tmp_path, "malaszewicze_works.yaml", "works4",
                    "places:\n  - {id: MALASZEWICZE, servers: 4}\n")
    assert main(["run", works, "--replications", "1", *ALLOW]) == 0
    assert "grew without bound" not in capsys.readouterr().out


def test_a_queue_its_own_traffic_grows_is_blamed_on_the_traffic_there(capsys) -> None:
    # no outside traffic: M/M/1 at 1.2 grows by the scenario's own units
    from validation.queue_scenarios import queue_scenario

    from corridor import simulate
    from corridor.analysis.warnings import run_warnings

    result = simulate(queue_scenario("M/M", 1, 1.2, days=60, replications=2), workers=1)
    said = [w for w in run_warnings(result) if w.startswith("B: the queue grew without bound")]
    assert len(said) == 1 and said[0].endswith("the traffic there, outside traffic included, exceeds what it "
                                                "can serve"), said
    assert result.outside_full == {}


def test_a_queue_that_grows_until_demand_stops_is_named_though_the_drain_clears_it(
        tmp_path: Path, capsys) -> None:
    # 2021's Malaszewicze holds ~200 trains when demand stops; the drain clears them, and the
    # flag, which asked for vehicles queued at the end of the run, said nothing
    assert main(["run", short(tmp_path, "congestion_2021.yaml"), *ALLOW]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "warning: MALASZEWICZE: the queue grew without bound" in out


def test_validate_warns_of_a_capacity_cut_that_changes_nothing(tmp_path: Path, capsys) -> None:
    # a factor above 0 acts on a station's servers and a service's capacity; at a place without
    # servers, or on a link, only a closure (0) acts: a cut to half was simulated as no cut at all
    path = overlay(tmp_path, "kena_closure.yaml", "cuts",
                   "disruptions:\n"
                   "  - {id: HALF-VNO, target: VNO, start: 2027-03-29T00:00:00+03:00, "
                   "end: 2027-04-05T00:00:00+03:00, capacity_factor: 0.5}\n"
                   "  - {id: HALF-LINK, target: KENA-VILNIUS, start: 2027-03-29T00:00:00+03:00, "
                   "end: 2027-04-05T00:00:00+03:00, capacity_factor: 0.5}\n"
                   "  - {id: SHUT-VNO, target: VNO, start: 2027-04-29T00:00:00+03:00, "
                   "end: 2027-05-05T00:00:00+03:00}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert ("warning: HALF-VNO: capacity_factor 0.5 changes nothing at VNO, a place without servers: "
            "only a closure (0) holds what arrives there and leaves it") in err
    assert ("warning: HALF-LINK: capacity_factor 0.5 changes nothing on link KENA-VILNIUS: only a "
            "closure (0) holds what takes it") in err
    assert "SHUT-VNO" not in err and "KENA-CLOSED" not in err


def test_validate_warns_of_a_fleet_no_service_uses(tmp_path: Path, capsys) -> None:
    # a fleet added, or left when its services were removed, was accepted without a word
    path = overlay(tmp_path, "baseline.yaml", "spare",
                   "fleets:\n  - {id: SPARE, vehicles: 5, return_factor: 1.0, turnaround_min: 60}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert ("warning: SPARE: no dispatched service names this fleet (dispatch: {fleet: SPARE}): its "
            "vehicles never run") in err
    assert "DOSTYK-1520:" not in err and "ALTYNKOL-1520:" not in err


def test_validate_warns_of_a_capacity_factor_of_one(tmp_path: Path, capsys) -> None:
    # a factor of 1 (a slip for 0.1, or a cut written as 'what is lost') leaves the whole
    # capacity at a station as on a service; validate said nothing of it
    path = overlay(tmp_path, "kena_closure.yaml", "one",
                   "disruptions:\n  - {id: ALL-KENA, target: KENA, start: 2027-03-29T00:00:00+03:00, "
                   "end: 2027-04-05T00:00:00+03:00, capacity_factor: 1}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert "warning: ALL-KENA: capacity_factor 1 changes nothing anywhere: it leaves the whole" in err
    assert "KENA-CLOSED" not in err


def test_run_warns_when_the_warm_up_is_shorter_than_a_containers_journey(tmp_path: Path, capsys) -> None:
    # no warm-up (the default) and containers 16 days on the way: FEU/week delivered counted only
    # deliveries after the warm-up, so the first 16 days of the window saw almost none and the
    # figure read less than half the flow, with every container delivered and not a word said
    path = overlay(tmp_path, "baseline.yaml", "cold",
                   "run: {horizon_days: 35, warmup_days: 0, drain_days: 45, replications: 2}\n")
    assert main(["run", path, *ALLOW, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (warning,) = [w for w in data["warnings"] if "warm-up" in w]
    assert warning.startswith("FEU-XIAN-CONSTANTA takes") and "longer than the warm-up (0 days)" in warning
    assert "reads low" in warning and "warmup_days" in warning
    # the baseline's 21 days cover the Duisburg flows' 15-17, not the Middle Corridor's 34,
    # whose tenth of the containers reaches Constanta in almost none of a two-week window: that
    # flow alone is named (the mean over all flows, 17 days, said nothing)
    path = overlay(tmp_path, "baseline.yaml", "warm",
                   "run: {horizon_days: 35, warmup_days: 21, drain_days: 45, replications: 2}\n")
    assert main(["run", path, *ALLOW, "--json"]) == 0
    (warning,) = [w for w in json.loads(capsys.readouterr().out)["warnings"] if "warm-up" in w]
    assert warning.startswith("FEU-XIAN-CONSTANTA takes") and ", longer than the warm-up (21 days)" in warning


def test_validate_warns_of_a_flow_whose_season_misses_the_run(tmp_path: Path, capsys) -> None:
    # a flow of the Christmas rush only (December), in a run of March to May: not one unit of it
    # arrives in any run, and validate said nothing (a run showed it created 0 times)
    december = "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]"
    path = overlay(tmp_path, "baseline.yaml", "season",
                   f"demand:\n  - {{id: FEU-XIAN-VILNIUS, seasonality: {december}}}\n"
                   f"places:\n  - {{id: BREST, background_seasonality: {december}}}\n")
    assert main(["validate", path, *ALLOW]) == 0
    err = capsys.readouterr().err
    assert ("warning: FEU-XIAN-VILNIUS: its seasonality is 0 in every month of the horizon (2027-03 to "
            "2027-05, UTC): no unit of it arrives in a run") in err
    assert ("warning: BREST: its background_seasonality is 0 in every month of the horizon (2027-03 to "
            "2027-05, UTC): no background vehicle arrives in a run") in err
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    assert "seasonality is 0" not in capsys.readouterr().err


def test_outside_traffic_of_no_month_is_refused_as_a_flow_of_none_is(tmp_path: Path, capsys) -> None:
    # a flow whose seasonality is 0 in every month was refused; outside traffic with such a
    # season was taken, and no vehicle of it ever came
    zeros = "[" + ", ".join(["0"] * 12) + "]"
    path = overlay(tmp_path, "baseline.yaml", "none",
                   f"places:\n  - {{id: BREST, background_seasonality: {zeros}}}\n")
    assert main(["validate", path, *ALLOW]) == 2
    err = capsys.readouterr().err
    assert "places[" in err and "background_seasonality is 0 in every month" in err and "Traceback" not in err


@pytest.mark.parametrize(("via", "end"), [("DUISBURG", "destination"), ("XIAN", "origin")])
def test_a_gateway_at_the_flows_own_end_is_refused(tmp_path: Path, capsys, via: str, end: str) -> None:
    # every journey passes its own origin and destination: listed as a gateway, it was taken
    # without a word, and the flow chose among nothing
    path = overlay(tmp_path, "baseline.yaml", "ends",
                   f"demand:\n  - {{id: FEU-XIAN-DUISBURG, gateways: {{via: [{via}]}}}}\n")
    assert main(["validate", path, *ALLOW]) == 2
    err = capsys.readouterr().err
    assert f"gateways.via[0]: gateway {via!r} is the flow's {end}" in err, err


def test_validate_says_which_gateway_choosing_containers_its_load_leaves_out(capsys) -> None:
    # the baseline's Malaszewicze warning read '0.0 dispatched for cargo demand' although the
    # Duisburg flows may choose it: their blocks are not in the offered load, and now it says so
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    warning = next(w for w in validate_warnings(capsys.readouterr().err)
                   if w.startswith("warning: MALASZEWICZE"))
    assert "not counted: the containers of FEU-XIAN-DUISBURG, FEU-CHONGQING-DUISBURG, which reach it " \
           "by some of the gateways they choose among" in warning
    assert "FEU-XIAN-VILNIUS" not in warning  # its one gateway is Kena


def test_validate_names_at_kena_the_flows_its_load_leaves_out_not_the_one_it_counts(capsys) -> None:
    # kena_closure's Kena warning said the Vilnius containers were not counted, though their one
    # gateway's blocks are (0.2 dispatched a day), and did not name the Duisburg flows, whose
    # blocks to Sestokai and Braniewo cross at Kena and are not counted
    assert main(["validate", str(SCENARIOS / "kena_closure.yaml")]) == 0
    warning = next(w for w in validate_warnings(capsys.readouterr().err) if w.startswith("warning: KENA"))
    assert "0.2 dispatched for cargo demand" in warning
    assert "not counted: the containers of FEU-XIAN-DUISBURG, FEU-CHONGQING-DUISBURG, which reach it " \
           "by some of the gateways they choose among" in warning
    assert "FEU-XIAN-VILNIUS" not in warning


def test_validate_names_no_left_out_containers_where_no_flow_chooses(tmp_path: Path, capsys) -> None:
    from validation.queue_scenarios import queue_scenario

    s = queue_scenario("M/M", 1, 1.5, days=30, replications=1)
    path = tmp_path / "trucks.yaml"
    path.write_text(yaml.safe_dump(json.loads(s.model_dump_json(exclude_none=True))), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: B: offered load 150%" in err and "not counted" not in err


def test_the_services_table_says_its_load_factor_counts_the_scenario_demand_only(tmp_path: Path,
                                                                                   capsys) -> None:
    # the baseline's Turkish flights show loads of 1-7%: the 150 travellers a week modelled, not
    # the airline's other passengers; the title must not let that read as a real load factor
    assert main(["run", short(tmp_path), *ALLOW]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "load factor: peak load / capacity, of this scenario's demand only" in out
    assert "not modelled" in out


@pytest.mark.parametrize(("name", "during"), [("malaszewicze_works.yaml", "169% during its disruption"),
                                              ("poland_closure_2025.yaml", "closed during its disruption")])
def test_validate_names_the_disruption_of_a_place_already_near_capacity(capsys, name: str,
                                                                         during: str) -> None:
    # Malaszewicze is at 96% in the baseline, so its warning took the 'near capacity' branch and
    # never said that the works (8/14 of its capacity: 169%) or the 2025 closure shut it; the
    # smaller Polish crossings, under 90%, got the disruption warning
    assert main(["validate", str(SCENARIOS / name)]) == 0
    warning = next(w for w in validate_warnings(capsys.readouterr().err)
                   if w.startswith("warning: MALASZEWICZE"))
    assert "near capacity" in warning and during in warning and "a queue builds while it lasts" in warning


def test_validate_bounds_the_load_of_a_disruption_that_leaves_almost_nothing(tmp_path: Path,
                                                                         capsys) -> None:
    # capacity_factor 1e-300 at Kena printed its load as a percentage of 300 digits
    path = overlay(tmp_path, "baseline.yaml", "crumb", "disruptions:\n  - {id: CRUMB, target: KENA, "
                   "start: 2027-03-10T00:00:00+01:00, end: 2027-03-11T00:00:00+01:00, "
                   "capacity_factor: 1.0e-300}\n")
    assert main(["validate", path, *ALLOW]) == 0
    warning = next(w for w in validate_warnings(capsys.readouterr().err) if w.startswith("warning: KENA"))
    assert "over 1,000,000% during its disruption" in warning and len(warning) < 600


def test_run_leaves_out_the_tables_of_a_kind_of_demand_it_has_none_of(tmp_path: Path, capsys) -> None:
    # SCAT 2018 has passengers only: its cargo line, stations, fleets and paths were all zeros
    # or the outside traffic's alone; the baseline, with both kinds, keeps every table
    assert main(["run", short(tmp_path, "scat_2018.yaml"), *ALLOW]) == 0
    out = capsys.readouterr().out
    assert "Passengers: missed-connection rate" in out and "No cargo demand" in out
    assert "Cargo:" not in out and "Stations (" not in out and "Departure paths" not in out
    assert main(["run", short(tmp_path), *ALLOW]) == 0
    out = capsys.readouterr().out
    assert "Passengers:" in out and "Cargo:" in out and "Stations (" in out and "No cargo demand" not in out


def test_a_passenger_flow_that_made_no_traveller_is_still_passenger_demand(tmp_path: Path, capsys) -> None:
    # the kinds of demand came from the units made: two passenger flows too thin to make anyone
    # in a short run read as no demand at all, and the run said only outside traffic moved
    path = overlay(tmp_path, "scat_2018.yaml", "thin",
                   "run: {horizon_days: 2, warmup_days: 0, drain_days: 1, replications: 2}\n"
                   "demand:\n  - {id: PAX-NQZ-VNO, kind: passenger, from: NQZ, to: VNO, per_week: 0.001}\n"
                   "  - {id: PAX-VNO-NQZ, kind: passenger, from: VNO, to: NQZ, per_week: 0.001}\n")
    assert main(["run", path, *ALLOW]) == 0
    out = capsys.readouterr().out
    assert "No demand flows" not in out and "No cargo demand" in out and "Passengers:" in out


def test_run_without_demand_says_so_and_shows_the_outside_traffic(tmp_path: Path, capsys) -> None:
    path = overlay(tmp_path, "baseline.yaml", "none",
                   "run: {horizon_days: 14, warmup_days: 0, drain_days: 2, replications: 2}\n"
                   "remove: {demand: [PAX-NQZ-VNO, PAX-VNO-NQZ, FEU-XIAN-DUISBURG, FEU-CHONGQING-DUISBURG, "
                   "FEU-XIAN-VILNIUS, FEU-XIAN-CONSTANTA]}\n")
    assert main(["run", path, *ALLOW]) == 0
    out = capsys.readouterr().out
    assert "No demand flows: only the stations' outside traffic moves." in out
    assert "Stations (" in out and "MALASZEWICZE" in out and "No cargo demand" not in out


def test_the_arrival_against_plan_reads_either_way(tmp_path: Path, capsys) -> None:
    # with schedule padding flights land early, and the line said "later than planned by -9 min"
    assert main(["run", short(tmp_path), *ALLOW]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Passengers: missed-connection rate"))
    assert "arrival against the booked time" in line and "(+ late, - early)" in line
    assert "later than planned" not in line


def test_the_passenger_table_calls_first_departure_to_arrival_on_the_way(tmp_path: Path, capsys) -> None:
    # run's passenger table headed it "transit h" (to an airline, a transit passenger is one
    # changing planes) while compare, sweep and choice.md call the same figure "on the way"
    # (passengers.on_the_way_h); containers keep "transit", as the published figures say it
    assert main(["run", short(tmp_path), *ALLOW]) == 0
    lines = capsys.readouterr().out.splitlines()
    pax = lines[lines.index(next(x for x in lines if x.startswith("Passenger flows"))) + 1]
    cargo = lines[lines.index(next(x for x in lines if x.startswith("Cargo flows"))) + 1]
    assert pax.rstrip().endswith("on the way h")
    assert cargo.rstrip().endswith("transit d")


def test_validate_says_when_the_outside_traffics_seasons_take_a_station_past_capacity(capsys) -> None:
    # Malaszewicze is 96% loaded over the run (March to May 2027) at its months' factors, but
    # May's factor takes it past capacity: validate said only "near capacity", and the queue grew
    s = load_scenario(SCENARIOS / "baseline.yaml")
    place = next(p for p in s.places if p.id == "MALASZEWICZE")
    assert place.background_seasonality is not None and place.service_time is not None
    may = place.background_per_day * place.background_seasonality[4] * place.service_time.mean_min \
        / (place.servers * 1440)
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"warning: MALASZEWICZE: offered load {malaszewicze_load():.0%} of capacity (near capacity: " \
           f"expect long queues), {may:.0%} in 2027-05 with the outside traffic's seasons: a queue grows " \
           "while it lasts" in err


def test_run_says_no_service_carried_anything_instead_of_an_empty_table(write, capsys) -> None:
    # both flights closed for the whole run: the services table was its headers alone
    path = write("closed.yaml", MINIMAL + textwrap.dedent("""\
        demand:
          - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 70}
        disruptions:
          - {id: C1, target: A1, start: 2027-02-01T00:00:00+00:00, end: 2027-06-01T00:00:00+00:00}
          - {id: C2, target: A2, start: 2027-02-01T00:00:00+00:00, end: 2027-06-01T00:00:00+00:00}
        """))
    assert main(["run", str(path), "--workers", "1", "--replications", "2"]) == 0
    out = capsys.readouterr().out
    assert "Services: none carried a unit after the warm-up." in out
    assert "Services that carried units" not in out and "load factor %" not in out


def test_validate_says_no_queue_builds_at_a_closed_station_nothing_reaches(write, capsys) -> None:
    # a station shut for a week that no service, flow or outside traffic reaches: validate said
    # 'closed during its disruption: a queue builds while it lasts' of its 0.0 vehicles a day
    station = ("  - {id: B, name: B, kind: border_station, country: BY, lat: 52.1, lon: 23.7,\n"
               "     tz: Europe/Minsk, servers: 1, service_time: {dist: fixed, value_min: 120}}\n")
    shut = ("disruptions:\n  - {id: SHUT, target: B, start: 2027-03-05T00:00:00+03:00, "
            "end: 2027-03-12T00:00:00+03:00}\n")
    path = write("idle.yaml", MINIMAL.replace("services:\n", station + "services:\n", 1) + shut)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "SHUT" not in err and "queue builds" not in err, err


def test_validate_names_a_place_zoned_unlike_its_country(tmp_path: Path, capsys) -> None:
    # Astana given Vilnius's zone, or Kyiv's by its old name: every clock time there is read
    # hours off, silently. Not warned of: a zone of other countries that keeps the same clock
    # (Asia/Dubai for Oman; Europe/Oslo for Svalbard), a zone of no country (Etc/GMT-2), a
    # country with no zone of its own in the tables (Kosovo), an airport's zone as airportsdata
    # has it (San Juan, Puerto Rico, given as US), nor any shipped scenario.
    path = tmp_path / "zones.yaml"
    path.write_text("""name: zones
run: {start: 2027-03-01}
places:
  - {id: P1, name: One, kind: city, country: KZ, lat: 51.1, lon: 71.4, tz: Europe/Vilnius}
  - {id: P2, name: Two, kind: city, country: OM, lat: 23.6, lon: 58.4, tz: Asia/Dubai}
  - {id: P3, name: Three, kind: city, country: LT, lat: 54.9, lon: 23.9, tz: Etc/GMT-2}
  - {id: P4, name: Four, kind: city, country: KZ, lat: 51.2, lon: 71.5, tz: Europe/Kiev}
  - {id: P5, name: Five, kind: city, country: SJ, lat: 78.2, lon: 15.6, tz: Europe/Oslo}
  - {id: P6, name: Six, kind: city, country: XK, lat: 42.7, lon: 21.2, tz: Europe/Belgrade}
  - {id: SJU, name: San Juan, kind: airport, country: US}
services:
  - {id: F, mode: air, unit: pax, stops: [P1, P2, P3, P4, P5, P6, SJU], timetable: {times: ["08:00"]},
     speed_kph: 800, capacity: 100}
""")
    assert main(["validate", str(path)]) == 0
    zones = [line for line in capsys.readouterr().err.splitlines() if " is a zone of " in line]
    # each led by where its place is given
    at = {pid: f"{path}:{k + 1}:5: " for k, line in enumerate(path.read_text().splitlines())
          for pid in ("P1", "P4") if f"{{id: {pid}," in line}
    assert zones == [
        at["P1"] + "warning: P1: tz Europe/Vilnius is a zone of LT and keeps another clock than every zone "
        "of its country KZ: a slip? (its clock times are read in it)",
        at["P4"] + "warning: P4: tz Europe/Kiev is a zone of UA and keeps another clock than every zone of "
        "its country KZ: a slip? (its clock times are read in it)"]
    for scenario in sorted(SCENARIOS.glob("*.yaml")):  # nor a timing faster than its mode
        assert main(["validate", str(scenario)]) in (0, 1)
        err = capsys.readouterr().err
        assert " is a zone of " not in err and "km/h, faster than any" not in err, scenario.name


def test_validate_names_a_service_timed_faster_than_its_mode_can_go(tmp_path: Path, capsys) -> None:
    # NQZ - IST (3,410 km) in one minute, typed or from a feed, was planned and simulated without
    # a word; the same flight in 4 h 30 (758 km/h) and a train at 400 km/h are not warned of
    from conftest import MINIMAL

    path = tmp_path / "fast.yaml"
    assert "    speed_kph: 780\n" in MINIMAL
    path.write_text(MINIMAL.replace("    speed_kph: 780\n", "    duration_min: 1\n"))
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: A1: NQZ to IST is 3,410 km on the great circle in 1 min, 204,586 km/h, faster than "
            "any air service (above 1,300 km/h); check its timing") in err
    path.write_text(MINIMAL.replace("    speed_kph: 780\n", "    duration_min: 270\n"))
    assert main(["validate", str(path)]) == 0
    assert "km/h, faster than any" not in capsys.readouterr().err
    # its own distance where longer than the great circle (a ship round a continent), and links
    path.write_text(MINIMAL.replace("    speed_kph: 780\n", "    duration_min: 270\n    distance_km: 9000\n")
                    + "links:\n  - {id: R, from: IST, to: VNO, mode: road, duration_min: 300}\n")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert ("warning: A1: NQZ to IST is 9,000 km on its own distance in 270 min, 2,000 km/h, faster than "
            "any air service") in err
    assert "warning: R: IST to VNO is 1,507 km on the great circle in 300 min, 301 km/h, faster than any " \
        "road" in err


def test_validate_names_a_circuity_that_its_own_distance_makes_unused(tmp_path: Path, capsys) -> None:
    # circuity scales the great circle; beside distance_km it changed nothing without a word
    from conftest import MINIMAL

    path = tmp_path / "both.yaml"
    path.write_text(MINIMAL.replace("    speed_kph: 780\n", "    speed_kph: 780\n    distance_km: 3600\n"
                                    "    circuity: 1.3\n"))
    assert main(["validate", str(path)]) == 0
    assert ("warning: A1: circuity 1.3 is unused: distance_km 3600 is taken as given (circuity scales "
            "the great-circle distance when distance_km is left out)") in capsys.readouterr().err
    for text in (MINIMAL.replace("    speed_kph: 780\n", "    speed_kph: 780\n    circuity: 1.3\n"),
                 MINIMAL.replace("    speed_kph: 780\n", "    speed_kph: 780\n    distance_km: 3600\n")):
        path.write_text(text)
        assert main(["validate", str(path)]) == 0
        assert "circuity" not in capsys.readouterr().err


def test_a_run_without_demand_leaves_its_undefined_shares_and_waits_blank(tmp_path: Path, capsys) -> None:
    # the baseline without demand: no train asks a fleet, and two stations see no vehicle in
    # the window; their share that waited and their waits were 0 (a fleet's "0 ± 0%"), and
    # would now be "-%" if the sign were added to a dash
    ids = [f.id for f in load_scenario(SCENARIOS / "baseline.yaml").demand]
    path = overlay(tmp_path, "baseline.yaml", "idle", "run: {horizon_days: 14, warmup_days: 3, "
                   f"drain_days: 2, replications: 2}}\nremove: {{demand: [{', '.join(ids)}]}}\n")
    assert main(["run", path, "--quiet", *ALLOW]) == 0
    text = capsys.readouterr().out
    assert "nan" not in text.lower() and "-%" not in text
    fleet = next(line for line in text.splitlines() if line.startswith("DOSTYK-1520"))
    assert fleet.split()[-2:] == ["-", "-"]  # waited, mean wait h
    station = next(line for line in text.splitlines() if line.startswith("SESTOKAI"))
    assert station.split()[-5:] == ["-", "-", "0", "±", "0"]  # mean and max wait h, unserved
    assert main(["run", path, "--quiet", "--json", *ALLOW]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    for key in ("fleets.DOSTYK-1520.waited_share", "fleets.DOSTYK-1520.mean_wait_h",
                "stations.SESTOKAI.mean_wait_min", "passengers.missed_connection_rate",
                "cargo.undelivered_share"):
        assert summary[key]["mean"] is None and summary[key]["n"] == 0, key
    assert summary["fleets.DOSTYK-1520.trains"]["mean"] == 0  # a count stays 0


def test_one_replication_is_not_said_to_have_an_interval(tmp_path: Path, capsys) -> None:
    # its header still read "mean over replications ± half-width of the 95% confidence interval"
    (tmp_path / "s.yaml").write_text(MINIMAL)
    assert main(["run", str(tmp_path / "s.yaml"), "--replications", "1"]) == 0
    out = capsys.readouterr().out
    assert "values: of the one replication" in out and "half-width" not in out
    assert main(["run", str(tmp_path / "s.yaml"), "--replications", "2"]) == 0
    assert "± half-width of the 95% confidence interval" in capsys.readouterr().out


def test_a_path_in_the_throughput_help_is_not_split_at_its_hyphens(capsys, monkeypatch) -> None:
    # `corridor throughput --help` printed the example as "services.EU-BRANIEWO-" and, on the
    # next line, "DUISBURG.dispatch.paths_per_day=2": copied, it names no service
    import pytest

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["throughput", "--help"])
    out = capsys.readouterr().out
    assert "services.EU-BRANIEWO-DUISBURG.dispatch.paths_per_day=2" in out
    # the rest still wraps at the width (only a line holding the path may pass it)
    assert all(len(line) <= 80 for line in out.splitlines() if "paths_per_day" not in line)


def test_cargo_throughput_and_transit_say_which_containers_they_count(tmp_path: Path, capsys) -> None:
    # a one-day window with no drain: the warm-up's containers arrive in it (a throughput), the
    # window's own do not (no transit); the line read "273 FEU/week delivered ... over the 0
    # delivered", two counts of "delivered" that seemed to contradict each other
    path = overlay(tmp_path, "baseline.yaml", "day",
                   "run: {horizon_days: 22, warmup_days: 21, drain_days: 0, replications: 1}\n")
    assert main(["run", path, *ALLOW, "--quiet"]) == 0
    out = capsys.readouterr().out
    (line,) = [x for x in out.splitlines() if x.startswith("Cargo:")]
    assert "FEU/week delivered in the window (" in line and not line.startswith("Cargo: 0.0 FEU")
    assert "transit - days (p95 -; each flow's in its table) over the 0 of the window's delivered;" in out
    # over every cargo flow, said as such: the baseline's p95 is the Middle Corridor's 32 days
    assert "all cargo flows' transit - days" in out


def test_validate_leads_each_warning_with_where_its_item_is_given(tmp_path: Path, capsys) -> None:
    # the baseline's own warning: at Malaszewicze's line of baseline.yaml
    assert main(["validate", str(SCENARIOS / "baseline.yaml")]) == 0
    line = 1 + next(k for k, text in enumerate((SCENARIOS / "baseline.yaml").read_text().splitlines())
                    if text == "  - id: MALASZEWICZE")
    (warning,) = [w for w in capsys.readouterr().err.splitlines() if "warning: " in w]
    assert warning.startswith(f"{SCENARIOS / 'baseline.yaml'}:{line}:5: warning: MALASZEWICZE: offered load")
    # an overlay that changes the place: at the overlay's line, where the change is; a flow that
    # shares an id with a place (another namespace) at its own line, and so is a disruption
    path = overlay(tmp_path, "baseline.yaml", "located", textwrap.dedent("""\
        places:
          - {id: MALASZEWICZE, servers: 1}
        demand:
          - {id: KENA, from: NQZ, to: XIAN, kind: passenger, per_week: 5}
        disruptions:
          - {id: LATE, target: KENA, start: 2037-03-29T00:00Z, end: 2037-04-05T00:00Z,
             capacity_factor: 0}
        """))
    assert main(["validate", path, *ALLOW]) == 0
    said = [w for w in capsys.readouterr().err.splitlines() if "warning: " in w]
    assert [w.split(": warning: ")[0] for w in said] == [f"{path}:4:5", f"{path}:8:5", f"{path}:6:5"], said
    assert [w.split(": warning: ")[1].split(":")[0] for w in said] == ["MALASZEWICZE", "LATE", "KENA"]


def test_validate_says_what_memory_a_replication_takes_when_it_is_large(write, capsys, monkeypatch) -> None:
    # validate said OK of a run (a departure a minute for ten years, 5.3 M connections) that then
    # ran out of memory in its worker after 55 s (hostile trial, 2026-12-04). The counts here by
    # hand: 35 days of horizon and drain from a Monday, A1 daily (35) and A2 on Mondays and
    # Wednesdays (10); 70 travellers a week over the 14-day horizon (140)
    path = write("small.yaml", MINIMAL + "demand:\n"
                 "  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 70}\n")
    assert main(["validate", str(path)]) == 0
    assert "GB of memory" not in capsys.readouterr().err  # a few KB: nothing to say
    monkeypatch.setattr("corridor.analysis.load.MEMORY_WORTH_SAYING_GB", 0.0)
    assert main(["validate", str(path)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "GB of memory (45 timetabled connections over horizon and drain, about 140 units of demand)" in err
