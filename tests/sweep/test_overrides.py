"""--set: a value found by its dotted path, changed in the merged data, validated again."""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from corridor.errors import CorridorError, ScenarioError
from corridor.scenario import load_scenario
from corridor.scenario.load import validate_raw
from corridor.scenario.overrides import (
    MAX_SETTING_NODES,
    apply,
    check_setting,
    load_raw,
    parse_setting,
    scenario_with,
    split_values,
)


@pytest.fixture(scope="module")
def direct_raw():
    return load_raw(SCENARIOS / "direct_flight.yaml")


def test_the_issue_paths_change_exactly_their_value(direct_raw) -> None:
    base = validate_raw(direct_raw, "direct_flight.yaml")
    changed = scenario_with(direct_raw, "x", [
        ("places.MALASZEWICZE.servers", 5),
        ("services.KC-NQZ-VNO.timetable.days", ["Mon", "Thu"]),
        ("demand.FEU-XIAN-DUISBURG.per_week", 300),
    ])
    assert changed.place("MALASZEWICZE").servers == 5 != base.place("MALASZEWICZE").servers
    assert changed.service("KC-NQZ-VNO").timetable.days == ["Mon", "Thu"]
    assert {d.id: d.per_week for d in changed.demand}["FEU-XIAN-DUISBURG"] == 300.0
    # everything else as loaded from the file, and the base data untouched
    dump, other = base.model_dump(), changed.model_dump()
    for section in ("places", "services", "demand"):
        differ = [a["id"] for a, b in zip(dump[section], other[section], strict=True) if a != b]
        assert differ == {"places": ["MALASZEWICZE"], "services": ["KC-NQZ-VNO"],
                          "demand": ["FEU-XIAN-DUISBURG"]}[section]
    assert validate_raw(direct_raw, "again") == base
    assert base == load_scenario(SCENARIOS / "direct_flight.yaml")



def test_null_takes_a_key_out_as_in_a_file_that_extends(direct_raw, tmp_path) -> None:
    # it was set to None, and refused ("expected a whole number, not an empty value")
    changed = scenario_with(direct_raw, "x", [("run.drain_days", None), ("places.NQZ.checkin_min", None)])
    child = tmp_path / "c.yaml"
    child.write_text(f"extends: {SCENARIOS / 'direct_flight.yaml'}\nrun: {{drain_days: null}}\n"
                     "places: [{id: NQZ, checkin_min: null}]\n")
    by_file = load_scenario(child, allow_paths=[SCENARIOS]).model_dump()
    assert changed.model_dump() == by_file | {"extends": changed.extends}
    base = validate_raw(direct_raw, "direct_flight.yaml")
    assert base.run.drain_days != changed.run.drain_days == type(base.run).model_fields["drain_days"].default
    assert changed.place("NQZ").checkin_min == 0 != base.place("NQZ").checkin_min

def test_ids_with_dots_and_list_indexes(tmp_path) -> None:
    from sweep.scenarios import station_raw

    raw, name = station_raw(tmp_path)
    s = scenario_with(raw, name, [("places.B.1.servers", 5), ("services.TRUCK.stops.1", "B.1"),
                                  ("places.B.1.background_per_day", 2.0)])
    assert s.place("B.1").servers == 5 and s.place("B.1").background_per_day == 2.0
    # items with ids go by id only: a number picked the item at that place in the file
    with pytest.raises(CorridorError, match="places has no item with id '1'"):
        scenario_with(raw, name, [("places.1.background_per_day", 2.0)])


def test_a_bad_value_is_located_at_its_setting(direct_raw) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_with(direct_raw, "x", [("places.MALASZEWICZE.servers", 0)],
                      labels=["--set places.MALASZEWICZE.servers=0"])
    (problem,) = err.value.problems
    assert problem.file == "--set places.MALASZEWICZE.servers=0" and problem.path.endswith(".servers")
    assert "greater than or equal to 1" in problem.message and "got 0" in problem.message
    with pytest.raises(ScenarioError, match="unknown place 'VNX'.*did you mean 'VNO'"):
        scenario_with(direct_raw, "x", [("services.KC-NQZ-VNO.stops", ["NQZ", "VNX"])])
    with pytest.raises(ScenarioError, match="Thx"):
        scenario_with(direct_raw, "x", [("services.KC-NQZ-VNO.timetable.days", ["Mon", "Thx"])])


def test_a_problem_a_setting_causes_elsewhere_names_the_setting(direct_raw) -> None:
    from corridor.analysis.throughput import throughput
    from corridor.scenario.overrides import parse_setting

    # a cross-field check finds it at the flow's gateways, in the file; it said nothing of the
    # --set that made the flow a passenger one (throughput --set named only baseline.yaml:736:5)
    label = "--set demand.FEU-XIAN-DUISBURG.kind=passenger"
    with pytest.raises(ScenarioError) as err:
        scenario_with(direct_raw, "x", [("demand.FEU-XIAN-DUISBURG.kind", "passenger")], labels=[label])
    (problem,) = err.value.problems
    assert problem.file.endswith("baseline.yaml") and problem.line is not None
    assert problem.message.endswith(f"gateways are chosen by cargo flows (kind: cargo) (with {label})")
    # a run too big for the demand is placed at the flow that gives the most: the --set itself
    with pytest.raises(ScenarioError, match=r"--set demand.FEU-XIAN-DUISBURG.per_week=6000000: "
                                            r"demand\[\d+\].per_week: a run this long holds up to .* units "
                                            r"of demand .* 69,300,000 of them FEU-XIAN-DUISBURG's"):
        throughput(direct_raw, "x", [1.0], replications=1, seed=1,
                   settings=[parse_setting("demand.FEU-XIAN-DUISBURG.per_week=6000000")])
    # a problem at the value itself names its --set as its place, and nothing more
    with pytest.raises(ScenarioError) as err:
        scenario_with(direct_raw, "x", [("places.MALASZEWICZE.servers", 0)],
                      labels=["--set places.MALASZEWICZE.servers=0"])
    assert "(with" not in str(err.value)


@pytest.mark.parametrize(("path", "message"), [
    ("places.MALASZEWICZ.servers", "no item with id 'MALASZEWICZ' (did you mean 'MALASZEWICZE'?)"),
    ("placez.X", "no 'placez' (did you mean 'places'?)"),
    ("services.KC-NQZ-VNO.timetable.dayz.x", "timetable has no 'dayz' (did you mean 'days'?)"),
    ("run.seed.x", "run.seed is a single value"),
    ("services.KC-NQZ-VNO.timetable.times.5", "has 1 item and no ids; '5' is not an index from 0 to 0"),
    ("disruptions.0.capacity_factor", "disruptions is empty: there is no '0' to set"),  # was 'from 0 to -1'
])
def test_a_path_that_names_nothing_is_refused_before_running(direct_raw, path, message) -> None:
    with pytest.raises(CorridorError) as err:
        check_setting(direct_raw, parse_setting(f"{path}=1"))
    assert message in str(err.value) and str(err.value).startswith(f"--set {path}:")


def test_value_syntax() -> None:
    s = parse_setting("services.X.timetable.days=[Mon,Thu], [Mon,Tue,Thu] ,daily")
    assert s.values == (["Mon", "Thu"], ["Mon", "Tue", "Thu"], "daily")
    assert s.text == ("[Mon,Thu]", "[Mon,Tue,Thu]", "daily")
    # YAML 1.2 as in scenario files: clock times and 'no' are text, numbers are numbers
    assert parse_setting("a.b=08:30,no,2.5,3,'x, y'").values == ("08:30", "no", 2.5, 3, "x, y")
    assert parse_setting("a.b=1,2").numeric and not parse_setting("a.b=1,x").numeric
    assert split_values("{a: [1, 2]},'[',\"]\"") == ["{a: [1, 2]}", "'['", '"]"']


@pytest.mark.parametrize(("text", "message"), [
    ("a.b", "write PATH=V1,V2"),
    ("=1", "write PATH=V1,V2"),
    ("a..b=1", "empty part"),
    ("a.b=1,,2", "an empty value"),
    ("a.b=[1,2", "unclosed bracket"),
    ("a.b=1]", "unbalanced"),
    ("a.b='x", "unclosed quote"),
    ("a.b=1,1", "given twice"),
    # the same number written twice ran twice, as two rows of identical results
    ("a.b=1,1.0", "given twice"),
    ("a.b=[1, 2],[1.0, 2]", "given twice"),
    ("a.b=!!binary eA==", "cannot read value"),
    # the reason, not only where the scanner was: "while scanning for the next token" alone
    ("a.b=@x", "as YAML: while scanning for the next token: found character '@' that cannot start any token"),
])
def test_malformed_settings(text, message) -> None:
    with pytest.raises(CorridorError, match=message):
        parse_setting(text)


def test_aliases_count_as_all_they_repeat_over_all_values_of_a_setting() -> None:
    # a list of four lists of 11, 111, 1,111 and 11,111 lists and numbers (each the one
    # before ten times, and itself), 12,345 in all, written in 120 characters: one fits in
    # the limit, two together do not (values like these hung a sweep that copied them into
    # every scenario it validated)
    bomb = ("[&a [1,2,3,4,5,6,7,8,9,10], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], "
            "&c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]]")

    def size(v) -> int:  # noqa: ANN001 - counted by hand: every list and number
        return 1 + sum(map(size, v)) if isinstance(v, list) else 1

    one = parse_setting(f"a.b={bomb}")
    assert size(one.values[0]) == 1 + 11 + 111 + 1111 + 11_111
    assert size(one.values[0]) <= MAX_SETTING_NODES < 2 * size(one.values[0])
    with pytest.raises(CorridorError, match=f"more than {MAX_SETTING_NODES:,} lists, mappings and scalars"):
        parse_setting(f"a.b={bomb},[0, {bomb}]")
    # a thousand plain values are far from it
    assert len(parse_setting("a.b=" + ",".join(map(str, range(1000)))).values) == 1000


def test_apply_copies_only_the_path(direct_raw) -> None:
    changed = apply(direct_raw, [("places.MALASZEWICZE.servers", 9)])
    assert changed["places"] is not direct_raw["places"]
    assert changed["services"] is direct_raw["services"]  # shared, unchanged
    index = next(i for i, p in enumerate(direct_raw["places"]) if p["id"] == "MALASZEWICZE")
    assert direct_raw["places"][index]["servers"] != 9
