"""``extends``: add, change and remove items by id; cycles and missing bases."""

from __future__ import annotations

import pytest

from conftest import MINIMAL, SCENARIOS
from corridor.errors import ScenarioError
from corridor.scenario import load_scenario


def test_add_change_and_keep(write, minimal) -> None:
    child = write(
        "child.yaml",
        """\
        extends: tiny.yaml
        name: child
        run: {seed: 99}
        services:
          - id: A2
            timetable: {days: daily}
          - id: A3
            mode: air
            unit: pax
            stops: [NQZ, VNO]
            timetable: {times: ["08:30"]}
            duration_min: 413
            capacity: 186
        """,
    )
    base, s = load_scenario(minimal), load_scenario(child)
    assert s.name == "child" and s.extends == "tiny.yaml"
    assert s.run.seed == 99 and s.run.horizon_days == base.run.horizon_days  # merged key by key
    a2 = s.service("A2")
    assert a2.timetable.days == "daily" and a2.timetable.times == ["08:20"]  # only days changed
    assert a2.duration_min == 146
    assert [x.id for x in s.services] == ["A1", "A2", "A3"]
    assert s.places == base.places


def test_remove_by_id(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove: {services: [A1]}\n")
    assert [x.id for x in load_scenario(child).services] == ["A2"]


def test_removing_a_place_still_in_use_is_reported(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove: {places: [IST]}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert any("unknown place 'IST'" in p.message for p in info.value.problems)


def test_remove_unknown_id(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove:\n  services: [A9]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (p,) = info.value.problems
    assert p.file == str(child) and p.line == 3 and "'A9'" in p.message


def test_remove_without_extends(write) -> None:
    with pytest.raises(ScenarioError, match="remove needs extends"):
        load_scenario(write("s.yaml", MINIMAL + "remove: {services: [A1]}\n"))


def test_error_points_into_the_file_that_said_it(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nservices:\n  - {id: A1, capacity: -5}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(child), 3, "services[0].capacity")


def test_cycle(write) -> None:
    write("a.yaml", "extends: b.yaml\nname: a\n")
    b = write("b.yaml", "extends: c.yaml\nname: b\n")
    write("c.yaml", "extends: a.yaml\nname: c\n")
    with pytest.raises(ScenarioError, match="cycle: b.yaml -> c.yaml -> a.yaml -> b.yaml"):
        load_scenario(b)


def test_missing_base(write) -> None:
    child = write("c.yaml", "name: c\nextends: gone.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (p,) = info.value.problems
    assert p.line == 2 and "not found" in p.message


def test_direct_flight_differs_from_baseline_only_by_the_flight() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    direct = load_scenario(SCENARIOS / "direct_flight.yaml")
    added = {s.id for s in direct.services} - {s.id for s in base.services}
    assert added == {"KC-NQZ-VNO", "KC-VNO-NQZ"}
    assert direct.places == base.places and direct.demand == base.demand
    assert [s for s in direct.services if s.id not in added] == base.services
