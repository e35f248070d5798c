"""services_from with what a feed cannot say for the simulation: a route entry's delay,
schedule padding and economics. A scenario's flights exported to GTFS and read back with them
simulate the same records, bit for bit, as the flights written in YAML; read back without
them, the flights leave on time and have no airline view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corridor import simulate
from corridor.cli import main
from corridor.interchange.gtfs_export import write_gtfs
from corridor.scenario import load_scenario

# A direct flight against a one-stop pair of flights, both ways, travellers choosing by a logit:
# delays spread through missed connections, padding makes some of them up, and the direct
# flight's economics give the airline view.
WRITTEN = """\
name: written
run: {start: 2027-03-01, horizon_days: 14, drain_days: 4, replications: 2, seed: 11}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ, lat: 51.0219, lon: 71.4669, tz: Asia/Almaty,
     min_connection_min: 60}
  - {id: IST, name: Istanbul, kind: airport, country: TR, lat: 41.2753, lon: 28.7519, tz: Europe/Istanbul,
     min_connection_min: 60}
  - {id: VNO, name: Vilnius, kind: airport, country: LT, lat: 54.6369, lon: 25.2878, tz: Europe/Vilnius}
services:
  - {id: D-OUT, operator: Direct Air, mode: air, unit: pax, stops: [NQZ, VNO], speed_kph: 780,
     overhead_min: 30, capacity: 30, cost_usd: 300, co2_g_per_unit_km: 90,
     delay: {dist: exponential, mean_min: 40}, schedule_padding: 0.05,
     economics: {cost_per_block_hour_usd: 4829, cost_per_trip_usd: 8851},
     timetable: {days: [Mon, Thu], times: ["08:30"]}}
  - {id: D-BACK, operator: Direct Air, mode: air, unit: pax, stops: [VNO, NQZ], speed_kph: 780,
     overhead_min: 30, capacity: 30, cost_usd: 300, co2_g_per_unit_km: 90,
     delay: {dist: exponential, mean_min: 40}, schedule_padding: 0.05,
     economics: {cost_per_block_hour_usd: 4829, cost_per_trip_usd: 8851},
     timetable: {days: [Mon, Thu], times: ["15:40"]}}
  - {id: T-NQZ-IST, mode: air, unit: pax, stops: [NQZ, IST], speed_kph: 780, overhead_min: 30,
     capacity: 40, cost_usd: 150, co2_g_per_unit_km: 90, delay: {dist: exponential, mean_min: 70},
     schedule_padding: 0.1, timetable: {days: daily, times: ["04:00"]}}
  - {id: T-IST-VNO, mode: air, unit: pax, stops: [IST, VNO], speed_kph: 780, overhead_min: 30,
     capacity: 40, cost_usd: 120, co2_g_per_unit_km: 90, timetable: {days: daily, times: ["09:30"]}}
  - {id: T-VNO-IST, mode: air, unit: pax, stops: [VNO, IST], speed_kph: 780, overhead_min: 30,
     capacity: 40, cost_usd: 120, co2_g_per_unit_km: 90, delay: {dist: uniform, low_min: 0, high_min: 120},
     timetable: {days: daily, times: ["06:00"]}}
  - {id: T-IST-NQZ, mode: air, unit: pax, stops: [IST, NQZ], speed_kph: 780, overhead_min: 30,
     capacity: 40, cost_usd: 150, co2_g_per_unit_km: 90, timetable: {days: daily, times: ["11:00"]}}
demand:
  - {id: OUT, from: NQZ, to: VNO, kind: passenger, per_week: 60}
  - {id: BACK, from: VNO, to: NQZ, kind: passenger, per_week: 50}
choice:
  window_days: 4
  scale_usd: 60
  segments:
    - {id: all, share: 1, value_of_time_usd_per_h: 26, schedule_delay_usd_per_h: 5}
"""

IDS = ["D-OUT", "D-BACK", "T-NQZ-IST", "T-IST-VNO", "T-VNO-IST", "T-IST-NQZ"]

# what the feed cannot carry, given again in each route's entry as the YAML wrote it (and an
# operator named over the feed's agency)
ENTRIES = """\
    - {id: D-OUT, delay: {dist: exponential, mean_min: 40}, schedule_padding: 0.05,
       economics: {cost_per_block_hour_usd: 4829, cost_per_trip_usd: 8851}}
    - {id: D-BACK, delay: {dist: exponential, mean_min: 40}, schedule_padding: 0.05,
       economics: {cost_per_block_hour_usd: 4829, cost_per_trip_usd: 8851}}
    - {id: T-NQZ-IST, delay: {dist: exponential, mean_min: 70}, schedule_padding: 0.1}
    - {id: T-IST-VNO, operator: Baltic Wings}
    - {id: T-VNO-IST, delay: {dist: uniform, low_min: 0, high_min: 120}}
    - T-IST-NQZ
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """written.yaml; feed.zip, its flights exported; read.yaml and bare.yaml, the flights read
    back from the feed with the entries and without them."""
    out = tmp_path_factory.mktemp("simulated")
    (out / "written.yaml").write_text(WRITTEN)
    write_gtfs(load_scenario(out / "written.yaml"), out / "feed.zip")
    head = ("extends: written.yaml\nname: {name}\nremove:\n  services: [" + ", ".join(IDS) + "]\n"
            "services_from:\n  gtfs: feed.zip\n")
    (out / "read.yaml").write_text(head.format(name="read") + "  routes:\n" + ENTRIES)
    (out / "bare.yaml").write_text(head.format(name="bare"))
    return out


def test_a_route_entry_gives_the_imported_flights_their_delays_padding_and_costs(folder: Path) -> None:
    written, read = load_scenario(folder / "written.yaml"), load_scenario(folder / "read.yaml")
    by_id = {s.id: s for s in read.services}
    for service in written.services:
        again = by_id[service.id]
        assert (again.delay, again.schedule_padding, again.economics) == (
            service.delay, service.schedule_padding, service.economics)
    # the feed's agency, or the operator the entry names
    assert (by_id["D-OUT"].operator, by_id["T-IST-VNO"].operator) == ("Direct Air", "Baltic Wings")
    a = simulate(written, workers=1)
    b = simulate(read, workers=1)
    for ra, rb in zip(a.records, b.records, strict=True):
        assert ra.units.keys() == rb.units.keys()
        for key, column in ra.units.items():
            np.testing.assert_array_equal(rb.units[key], column, err_msg=key)
        assert ra.trips is not None and rb.trips is not None
        for key, column in ra.trips.items():
            np.testing.assert_array_equal(rb.trips[key], column, err_msg=key)
    # the records are those of a run where delays spread and travellers missed connections
    units = a.records[0].units
    assert units["missed"].sum() > 0
    delays = a.records[0].trips["arrival_delay_min"]
    assert np.nanmax(delays) > 30
    assert b.kpis[0]["airline"] == a.kpis[0]["airline"]
    assert set(a.kpis[0]["airline"]) == {"D-OUT", "D-BACK"}


def test_without_the_entries_the_imported_flights_keep_their_timetable_and_have_no_airline_view(
        folder: Path) -> None:
    bare = simulate(load_scenario(folder / "bare.yaml"), workers=1, replications=1)
    trips = bare.records[0].trips
    assert trips is not None
    # no delay and no padding: every flight that ran reaches its last stop on time to the minute
    ran = np.isfinite(trips["arrival_delay_min"])
    assert ran.sum() > 50
    np.testing.assert_allclose(trips["arrival_delay_min"][ran], 0.0, atol=1e-9)
    assert not bare.kpis[0].get("airline")


def test_economics_on_a_container_route_is_refused_at_its_entry(folder: Path, capsys) -> None:
    entry = "    - {id: T-IST-NQZ, unit: feu, economics: {cost_per_block_hour_usd: 10}}"
    text = (folder / "read.yaml").read_text().replace("    - T-IST-NQZ\n", entry + "\n")
    (folder / "cargo.yaml").write_text(text)
    assert main(["validate", str(folder / "cargo.yaml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = text.splitlines().index(entry) + 1
    assert f"cargo.yaml:{line}:45: services_from.routes[5].economics: route 'T-IST-NQZ' carries feu: " \
           "economics is for passenger services" in err, err


@pytest.mark.parametrize(("entry", "said"), [
    ("{id: T-IST-NQZ, schedule_padding: 0.9}", "schedule_padding: Input should be less than or equal to 0.5"),
    ("{id: T-IST-NQZ, delay: {dist: exponential, mean_min: -5}}", "mean_min"),
])
def test_a_bad_value_in_a_route_entry_is_located_there(folder: Path, capsys, entry: str, said: str) -> None:
    text = (folder / "read.yaml").read_text().replace("    - T-IST-NQZ\n", f"    - {entry}\n")
    (folder / "bad.yaml").write_text(text)
    assert main(["validate", str(folder / "bad.yaml")]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index(f"    - {entry}") + 1
    assert f"bad.yaml:{line}:" in err and said in err, err
    assert "Traceback" not in err
    assert err.count("\n  ") == 1  # one problem, said once
