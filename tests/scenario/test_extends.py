"""``extends``: add, change and remove items by id; cycles and missing bases; hostile names,
chains and targets; confinement to the scenario's folder."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from bounded import bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINIMAL, SCENARIOS
from corridor.errors import Problem, ScenarioError
from corridor.scenario import load_scenario
from corridor.scenario.extends import MAX_CHAIN, SECTIONS


def the_problem(path: Path | str) -> Problem:
    """The one problem that loading ``path`` reports."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    return p


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



def test_null_clears_a_key_so_a_mapping_can_change_its_kind(write, minimal) -> None:
    # a key set to null is taken out of the merged item: A1 timed by speed becomes timed by
    # duration, and a fixed service time becomes exponential. Before, null stayed a value:
    # 'speed_kph' and 'duration_min' together were refused, and 'value_min' was an unknown
    # key of an exponential, located in the file that had said it validly
    base = write("base.yaml", minimal.read_text().replace(
        "  - {id: IST, name: Istanbul, kind: airport, country: TR, min_connection_min: 60}",
        "  - {id: IST, name: Istanbul, kind: airport, country: TR, min_connection_min: 60, servers: 1,\n"
        "     service_time: {dist: fixed, value_min: 20}}"))
    child = write("c.yaml", f"""\
        extends: {base.name}
        places:
          - {{id: IST, service_time: {{dist: exponential, mean_min: 5, value_min: null}}}}
          - {{id: NQZ, checkin_min: null}}
        services:
          - {{id: A1, speed_kph: null, overhead_min: null, duration_min: 400}}
        """)
    s = load_scenario(child)
    a1 = s.service("A1")
    assert a1.duration_min == 400 and a1.speed_kph is None and a1.overhead_min == 0
    ist = next(p for p in s.places if p.id == "IST")
    assert ist.service_time.dist == "exponential" and ist.service_time.mean_min == 5
    nqz = next(p for p in s.places if p.id == "NQZ")
    assert nqz.checkin_min == type(nqz).model_fields["checkin_min"].default

def test_remove_by_id(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove: {services: [A1]}\n")
    assert [x.id for x in load_scenario(child).services] == ["A2"]


def test_removing_a_place_still_in_use_is_reported(write, minimal) -> None:
    # each use is found where it is (in the base), and the message says which remove dropped it
    child = write("c.yaml", "extends: tiny.yaml\nname: c\nremove: {places: [IST]}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    uses = [p for p in info.value.problems if "unknown place 'IST'" in p.message]
    assert len(uses) == 2 and all(p.file.endswith("tiny.yaml") for p in uses)
    assert all(p.message.endswith(f"(removed by the remove at {child}:3:19)") for p in uses), uses


def test_an_item_given_again_after_its_remove_is_new_and_says_so(write, minimal) -> None:
    # remove A1 then give A1 its capacity only: read as a change to A1 it would be fine, but
    # A1 is gone, so the item is new and lacks mode, unit and stops; each missing key says why
    child = write("c.yaml", "extends: tiny.yaml\nname: c\nremove: {services: [A1]}\n"
                            "services:\n  - {id: A1, capacity: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    missing = {p.message.split("'")[1] for p in info.value.problems}
    assert {"mode", "unit", "stops"} <= missing
    said = f"('A1' was removed by the remove at {child}:3:21, so this is a new item and needs all its keys)"
    assert all(p.message.endswith(said) for p in info.value.problems), info.value.problems
    # the item given whole is the way to replace one: it loads
    full = write("d.yaml", "extends: tiny.yaml\nname: d\nremove: {services: [A1]}\nservices:\n"
                           "  - {id: A1, mode: air, unit: pax, stops: [NQZ, IST], duration_min: 300,\n"
                           "     timetable: {times: ['10:00']}, capacity: 100}\n")
    assert load_scenario(full).service("A1").capacity == 100
    # a missing key of an item that was never removed says nothing of removes
    other = write("e.yaml", "extends: tiny.yaml\nname: e\nservices:\n  - {id: NEW, capacity: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(other)
    assert not any("removed" in p.message for p in info.value.problems)


def test_a_change_to_a_mistyped_id_says_which_item_was_meant(write, minimal) -> None:
    # a file extending kena_closure.yaml changed "KENA-CLOSD"'s end: read as a new disruption,
    # it said only "missing required key 'target'" and 'start', not that KENA-CLOSED was meant
    child = write("c.yaml", "extends: tiny.yaml\nname: c\nservices:\n  - {id: A11, capacity: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    said = "('A11' is no item of the scenario it extends, so this is a new item and needs all its keys; " \
           "did you mean 'A1'?)"
    problems = info.value.problems
    assert problems and all(p.message.endswith(said) for p in problems), problems
    # a new item whose id is like no other's says nothing of it
    other = write("e.yaml", "extends: tiny.yaml\nname: e\nservices:\n  - {id: NEW, capacity: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(other)
    assert not any("did you mean" in p.message for p in info.value.problems)
    # nor does one whose id is like another's of its own file: two items, not a slip
    both = write("f.yaml", "extends: tiny.yaml\nname: f\nservices:\n  - {id: NEW1, mode: air, unit: pax, "
                           "stops: [NQZ, IST], duration_min: 300,\n     timetable: {times: ['10:00']}, "
                           "capacity: 1}\n  - {id: NEW2, capacity: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(both)
    assert not any("did you mean" in p.message for p in info.value.problems), info.value.problems


def test_remove_unknown_id(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove:\n  services: [A9]\n")
    p = the_problem(child)
    assert p.file == str(child) and p.line == 3 and "'A9'" in p.message


def test_remove_names_an_id_given_twice(write, minimal) -> None:
    # a repeated id was accepted without a word, though the second was likely meant as another
    child = write("c.yaml", "extends: tiny.yaml\nremove:\n  services: [A1, A1]\n")
    p = the_problem(child)
    assert p.file == str(child) and p.line == 3 and p.path == "remove.services[1]"
    assert "'A1' is removed twice" in p.message


def test_an_item_changed_twice_in_one_file_is_an_error(write, minimal) -> None:
    # the second change was merged over the first without a word ('capacity: 10' then
    # 'capacity: 20' gave 20), though a copied block was likely meant for another id
    child = write("c.yaml", "extends: tiny.yaml\nservices:\n  - {id: A2, capacity: 10}\n"
                            "  - {id: A1, capacity: 30}\n  - {id: A2, capacity: 20}\n")
    p = the_problem(child)
    assert (p.file, p.line, p.path) == (str(child), 5, "services[2].id")  # the file's own third
    assert p.message.startswith("'A2' is changed twice (first at line 3)")


def test_an_item_removed_then_given_again_is_replaced(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nremove: {services: [A2]}\nservices:\n"
                            "  - {id: A2, mode: rail, unit: feu, stops: [NQZ, IST], duration_min: 60,\n"
                            "     capacity: 40, timetable: {times: ['08:00']}}\n")
    assert load_scenario(child).service("A2").mode == "rail"


def test_an_id_shared_across_files_says_where_the_other_item_is(write, minimal) -> None:
    # an overlay's new place named as the base's service A1 was reported at the base's
    # service only ("also used by places[3]"), so nothing pointed at the overlay's line
    child = write("c.yaml", "extends: tiny.yaml\nplaces:\n"
                            "  - {id: A1, name: X, kind: city, country: KZ, lat: 1, lon: 1, tz: UTC}\n")
    p = the_problem(child)
    assert p.file.endswith("tiny.yaml") and p.path.startswith("services[")
    assert f"also used by places[0] (at {child}:3:5);" in p.message, p.message  # the overlay's first


def test_an_item_is_named_by_its_index_in_the_file_the_message_points_into(write, minimal) -> None:
    # an overlay's first place was named places[3] (where merging put it, after tiny.yaml's
    # three) at the overlay's line, where its author finds places[0]
    child = write("c.yaml", "extends: tiny.yaml\nplaces:\n"
                            "  - {id: X, name: X, kind: city, country: KZ, lat: 95, lon: 1, tz: UTC}\n"
                            "services:\n  - {id: A2, capacity: -1}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    found = {(p.file, p.line, p.path) for p in info.value.problems}
    assert (str(child), 3, "places[0].lat") in found  # merged: places[3]
    assert (str(child), 5, "services[0].capacity") in found  # merged: services[1]
    # a key the overlay leaves to the base is named by the base's index, at the base's line:
    # A2 is the base's second service, the overlay's first change and, A1 removed, the first merged
    base = write("base2.yaml", MINIMAL.replace("    capacity: 180\n", "    capacity: -5\n")
                 .replace("capacity: -5", "capacity: 180", 1))
    over = write("o.yaml", "extends: base2.yaml\nremove: {services: [A1]}\nservices:\n"
                           "  - {id: A2, name: Changed}\n")
    p = the_problem(over)
    assert (p.file, p.line, p.path) == (str(base), 22, "services[1].capacity"), p


def test_files_of_the_chain_are_named_as_the_scenario_was(write, minimal, tmp_path, monkeypatch) -> None:
    # a base was named by its full resolved path even when the scenario was named relative
    # to the current folder ("sub/c.yaml:... /tmp/.../sub/tiny.yaml:...")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tiny.yaml").write_text(MINIMAL.replace("    capacity: 180", "    capacity: -5", 1))
    (tmp_path / "sub" / "c.yaml").write_text("extends: tiny.yaml\nname: c\n")
    monkeypatch.chdir(tmp_path)
    p = the_problem("sub/c.yaml")
    assert p.file == os.path.join("sub", "tiny.yaml"), p.file
    assert the_problem(tmp_path / "sub" / "c.yaml").file == str(tmp_path / "sub" / "tiny.yaml")
    monkeypatch.chdir(tmp_path / "sub")
    assert the_problem("c.yaml").file == "tiny.yaml"


def test_remove_without_extends(write) -> None:
    with pytest.raises(ScenarioError, match="remove needs extends"):
        load_scenario(write("s.yaml", MINIMAL + "remove: {services: [A1]}\n"))


def test_error_points_into_the_file_that_said_it(write, minimal) -> None:
    child = write("c.yaml", "extends: tiny.yaml\nservices:\n  - {id: A1, capacity: -5}\n")
    p = the_problem(child)
    assert (p.file, p.line, p.path) == (str(child), 3, "services[0].capacity")


def test_cycle(write) -> None:
    write("a.yaml", "extends: b.yaml\nname: a\n")
    b = write("b.yaml", "extends: c.yaml\nname: b\n")
    write("c.yaml", "extends: a.yaml\nname: c\n")
    with pytest.raises(ScenarioError, match="cycle: b.yaml -> c.yaml -> a.yaml -> b.yaml"):
        load_scenario(b)


def test_missing_base(write) -> None:
    child = write("c.yaml", "name: c\nextends: gone.yaml\n")
    p = the_problem(child)
    assert p.line == 2 and "not found" in p.message


def test_direct_flight_differs_from_baseline_only_by_the_flight() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    direct = load_scenario(SCENARIOS / "direct_flight.yaml")
    added = {s.id for s in direct.services} - {s.id for s in base.services}
    assert added == {"KC-NQZ-VNO", "KC-VNO-NQZ"}
    assert direct.places == base.places and direct.demand == base.demand
    assert [s for s in direct.services if s.id not in added] == base.services


# ---- hostile extends: generated cases ---------------------------------------------------------

# Generated cases each get a fresh folder (a fixture's would be shared across examples); all
# of them sit in one folder removed when the tests end.
_TMP = tempfile.TemporaryDirectory(prefix="corridor-test-extends-")
FAST = settings(max_examples=int(os.environ.get("EXAMPLES", "40")), deadline=None, database=None)
ids_that_are_not_text = st.recursive(
    st.one_of(st.integers(-(2**63), 2**63), st.booleans(), st.floats(allow_nan=False), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(["a", "id", "S"]), inner, min_size=1, max_size=2),
    ),
    max_leaves=6,
)


def chain_problems(files: dict[str, str], load: str = "c.yaml", **kwargs: object) -> tuple[Path, list]:
    """Write ``files`` into a fresh folder (``tiny.yaml`` is MINIMAL) and load ``load``; the
    folder and the problems (none if it loads)."""
    tmp = Path(tempfile.mkdtemp(dir=_TMP.name))
    (tmp / "tiny.yaml").write_text(MINIMAL, encoding="utf-8")
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text, encoding="utf-8")
    try:
        with bounded(seconds=20):
            load_scenario(tmp / load, **kwargs)  # type: ignore[arg-type]
    except ScenarioError as exc:
        return tmp, exc.problems
    return tmp, []



@pytest.mark.parametrize("section", ["fleets", "links", "disruptions"])
def test_removing_from_a_section_the_extended_scenario_lacks_names_the_id(section: str) -> None:
    # MINIMAL has no fleets, links or disruptions: the list of ids was said not to be one
    _, found = chain_problems({"c.yaml": f"extends: tiny.yaml\nremove: {{{section}: [X1]}}\n"})
    assert [(p.path, p.line) for p in found] == [(f"remove.{section}[0]", 2)]
    assert found[0].message == f"'X1' is not in the extended scenario's {section}"
    assert chain_problems({"c.yaml": f"extends: tiny.yaml\nremove: {{{section}: []}}\n"})[1] == []

def test_removing_a_misspelt_id_names_the_id_it_is_close_to() -> None:
    # a new item given a misspelt id says which id it is close to; removing one said only that
    # it was not there
    _, found = chain_problems({"c.yaml": "extends: tiny.yaml\nremove: {services: [A2X, ZZZ]}\n"})
    assert [p.message for p in found] == [
        "'A2X' is not in the extended scenario's services (did you mean 'A2'?)",
        "'ZZZ' is not in the extended scenario's services",
    ]


@FAST
@given(bad=ids_that_are_not_text, where=st.sampled_from(["services", "places", "links", "remove", "base"]))
def test_an_id_that_is_not_text_is_a_located_error(bad: object, where: str) -> None:
    value = json.dumps(bad)  # JSON is YAML
    if where == "remove":
        files = {"c.yaml": f"extends: tiny.yaml\nremove: {{services: [{value}]}}\n"}
    elif where == "base":
        files = {"b.yaml": MINIMAL + f"links: [{{id: {value}}}]\n", "c.yaml": "extends: b.yaml\nname: c\n"}
    else:
        files = {"c.yaml": f"extends: tiny.yaml\n{where}: [{{id: {value}}}]\n"}
    _, found = chain_problems(files)
    assert found and all(p.line is not None for p in found)
    if where == "remove":
        assert [p.path for p in found] == ["remove.services[0]"]
    else:
        assert any(p.path.endswith("].id") for p in found)


@FAST
@given(name=st.tuples(st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=20),
                     st.sampled_from(["\x00", "\t", "\n", "\x1b", "\x7f"]))
       .map(lambda t: t[0] + t[1]).flatmap(lambda t: st.permutations(list(t)).map("".join)),
       quoting=st.sampled_from(["double", "single"]))
def test_extends_with_a_control_character(name: str, quoting: str) -> None:
    """A NUL, say: refused by the YAML reader (raw) or by the loader (an escape); a tab or a
    line feed, which YAML allows, refused as part of a file name."""
    text = json.dumps(name) if quoting == "double" else "'" + name.replace("'", "''") + "'"
    tmp = Path(tempfile.mkdtemp(dir=_TMP.name))
    (tmp / "c.yaml").write_bytes(f"extends: {text}\nname: c\n".encode("utf-8", "surrogatepass"))
    with bounded(seconds=5), pytest.raises(ScenarioError) as info:
        load_scenario(tmp / "c.yaml")
    (p,) = info.value.problems
    assert p.line is not None and 1 <= p.line <= 1 + name.count("\n") and len(p.message) < 300
    if quoting == "double":  # every control character stays in the name, escaped
        assert "control character" in p.message


@FAST
@given(length=st.integers(256, 5000), slashes=st.booleans())
def test_extends_with_a_name_too_long(length: int, slashes: bool) -> None:
    name = ("d/" * (length // 2) + "x.yaml") if slashes else "x" * length + ".yaml"
    _, found = chain_problems({"c.yaml": f"extends: {name}\nname: c\n"})
    (p,) = found
    assert p.path == "extends" and p.line == 1 and len(p.message) < 300


@FAST
@given(links=st.integers(1, 5))
def test_extends_through_a_loop_of_symbolic_links(links: int) -> None:
    tmp = Path(tempfile.mkdtemp(dir=_TMP.name))
    for i in range(links):
        os.symlink(tmp / f"l{(i + 1) % links}.yaml", tmp / f"l{i}.yaml")
    (tmp / "c.yaml").write_text("extends: l0.yaml\nname: c\n")
    p = the_problem(tmp / "c.yaml")
    assert p.path == "extends" and "loop" in p.message


@FAST
@given(code=st.sampled_from([errno.EACCES, errno.EPERM, errno.EIO, errno.ENAMETOOLONG, errno.ELOOP,
                             errno.ENOTDIR, errno.EOVERFLOW]),
       step=st.sampled_from(["stat", "open"]))
def test_extends_into_an_unreadable_folder(code: int, step: str) -> None:
    """(Permissions do not stop root, so the refusal is simulated at the system call.)"""
    tmp = Path(tempfile.mkdtemp(dir=_TMP.name))
    (tmp / "locked").mkdir()
    (tmp / "locked" / "b.yaml").write_text(MINIMAL)
    (tmp / "c.yaml").write_text("extends: locked/b.yaml\nname: c\n")
    target = str(tmp / "locked" / "b.yaml")
    real = getattr(os, step)

    def refuse(path: object, *args: object, **kwargs: object) -> object:
        if str(path) == target:
            raise OSError(code, os.strerror(code), target)
        return real(path, *args, **kwargs)

    with mock.patch.object(os, step, refuse), pytest.raises(ScenarioError) as info:
        load_scenario(tmp / "c.yaml")
    (p,) = info.value.problems
    if code == errno.ELOOP:
        assert "loop" in p.message or os.strerror(code) in p.message
    else:
        assert os.strerror(code) in p.message


@settings(max_examples=10, deadline=None, database=None)
@given(length=st.integers(MAX_CHAIN, 1000))  # length + 1 files
def test_a_chain_too_long_is_refused(length: int) -> None:
    files = {f"f{i}.yaml": f"extends: f{i + 1}.yaml\nname: f{i}\n" for i in range(length)}
    files[f"f{length}.yaml"] = MINIMAL
    _, found = chain_problems(files, load="f0.yaml")
    (p,) = found
    assert f"more than {MAX_CHAIN} files" in p.message


@settings(max_examples=5, deadline=None, database=None)
@given(length=st.integers(1, MAX_CHAIN - 2))
def test_a_chain_within_the_limit_loads(length: int) -> None:  # length + 2 files
    files = {f"f{i}.yaml": f"extends: f{i + 1}.yaml\nrun: {{seed: {i}}}\n" for i in range(length)}
    files[f"f{length}.yaml"] = "extends: tiny.yaml\n"
    _, found = chain_problems(files, load="f0.yaml")
    assert found == []


# ---- confinement: extends reads only inside the scenario's folder, or folders allowed ------------

SECRET = "hunter2-SECRET"


def outside_setup() -> tuple[Path, Path]:
    """A scenario folder and, beside it, a folder with a scenario and a file of secrets."""
    root = Path(tempfile.mkdtemp(dir=_TMP.name))
    inside, outside = root / "scenarios", root / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    (outside / "base.yaml").write_text(MINIMAL.replace("name: tiny", f"name: {SECRET}"))
    (outside / "secrets.yaml").write_text(f"password: {SECRET}\napi_key: {SECRET}\nname: [{SECRET}]\n")
    return inside, outside


@FAST
@given(form=st.sampled_from(["absolute", "dotdot", "symlink", "symlinked-folder", "dotdot-deep"]),
       target=st.sampled_from(["base.yaml", "secrets.yaml", "missing.yaml"]))
def test_extends_outside_the_folder_is_refused_unread(form: str, target: str) -> None:
    inside, outside = outside_setup()
    if form == "absolute":
        name = str(outside / target)
    elif form == "dotdot":
        name = f"../elsewhere/{target}"
    elif form == "dotdot-deep":
        (inside / "sub").mkdir()
        name = f"sub/../../elsewhere/{target}"
    elif form == "symlink":
        os.symlink(outside / target, inside / "link.yaml")
        name = "link.yaml"
    else:
        os.symlink(outside, inside / "shared")
        name = f"shared/{target}"
    (inside / "c.yaml").write_text(f"extends: {name}\nname: c\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(inside / "c.yaml")
    (p,) = info.value.problems
    assert p.path == "extends" and "outside the folders" in p.message
    assert " extends: '" in str(p) and "extends: extends" not in str(p)  # the field is named once
    assert SECRET not in str(info.value) and "missing" not in p.message.replace(name, "")
    if target == "base.yaml":  # allowed explicitly, it loads
        assert load_scenario(inside / "c.yaml", allow_paths=[outside]).name == "c"



def test_a_scenario_named_by_a_symbolic_link_extends_from_where_it_really_is(tmp_path: Path) -> None:
    # t/link.yaml -> sub/real.yaml, which extends base.yaml: sub/base.yaml, whether the link is
    # loaded or extended. Loaded, it read t/base.yaml (a file of that name beside the link),
    # and extended from t/top.yaml it read sub/base.yaml: one file, two scenarios
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text(MINIMAL.replace("name: tiny", "name: beside-the-file"))
    (tmp_path / "base.yaml").write_text(MINIMAL.replace("name: tiny", "name: beside-the-link"))
    (tmp_path / "sub" / "real.yaml").write_text("extends: base.yaml\ndescription: real\n")
    os.symlink(Path("sub") / "real.yaml", tmp_path / "link.yaml")
    (tmp_path / "top.yaml").write_text("extends: link.yaml\n")
    assert load_scenario(tmp_path / "link.yaml").name == "beside-the-file"
    assert load_scenario(tmp_path / "top.yaml").name == "beside-the-file"

def test_extends_inside_the_folder_tree_needs_no_permission(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(MINIMAL)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    child = tmp_path / "sub" / "deeper" / "c.yaml"
    child.write_text("extends: ../../tiny.yaml\nname: c\n")
    with pytest.raises(ScenarioError, match="outside the folders"):
        load_scenario(child)  # the tree is that of the file loaded: tiny.yaml is above it
    assert load_scenario(child, allow_paths=[tmp_path]).name == "c"
    (tmp_path / "top.yaml").write_text("extends: sub/deeper/mid.yaml\nname: top\n")
    (tmp_path / "sub" / "deeper" / "mid.yaml").write_text("extends: ../../tiny.yaml\nname: mid\n")
    assert load_scenario(tmp_path / "top.yaml").name == "top"  # tiny.yaml is in top.yaml's folder


@FAST
@given(entries=st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True).filter(lambda k: k not in SECTIONS),
    st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=3, max_size=20).map(
        lambda t: SECRET + t), st.just([SECRET])),
    min_size=1, max_size=6),
    first_known=st.booleans())
def test_a_file_not_a_scenario_has_only_its_first_odd_key_named(entries: dict, first_known: bool) -> None:
    inside, _ = outside_setup()
    lines = "".join(f"{k}: {json.dumps(v)}\n" for k, v in entries.items())
    text = ("name: x\n" if first_known else "") + lines
    (inside / "conf.yaml").write_text(text)
    (inside / "c.yaml").write_text("extends: conf.yaml\nname: c\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(inside / "c.yaml")
    (p,) = info.value.problems
    first = next(iter(entries))
    assert p.path == first and p.file == str((inside / "conf.yaml").resolve())
    assert SECRET not in str(info.value)
    assert all(repr(k) not in str(info.value) for k in entries if k != first)


@pytest.mark.parametrize("line", [
    "root:$6$salt$Zm9vYmFyYmF6:20228:0:99999:7:::\n",  # /etc/shadow: the line is one key
    "user:$apr1$x$Zm9vYmFyYmF6: yes\n",  # an .htpasswd entry that reads as a mapping
    "'Zm9vYmFyYmF6 secret words': 1\n",
])
def test_a_first_key_not_written_as_a_section_name_is_not_shown(tmp_path: Path, line: str) -> None:
    # the message named the key and gave it as the field: /etc/shadow's root hash came back
    (tmp_path / "conf.yaml").write_text(line + "other: 1\n")
    (tmp_path / "c.yaml").write_text("extends: conf.yaml\nname: c\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "c.yaml")
    (p,) = info.value.problems
    assert "Zm9vYmFyYmF6" not in str(info.value) and p.path == ""
    assert p.file == str((tmp_path / "conf.yaml").resolve()) and p.line == 1
    assert "the first key at the top is not a scenario section" in p.message


def test_a_mistyped_section_is_still_named_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("nmae: x\n")
    with pytest.raises(ScenarioError, match=r"unknown key 'nmae' \(did you mean 'name'\?\)"):
        load_scenario(tmp_path / "s.yaml")


def test_a_run_too_big_for_the_demand_a_child_adds_is_placed_in_the_child(write, minimal) -> None:
    # the run's length is the base's, the demand that overflows it the child's: the error
    # points at the flow in the file that sets it (it pointed at the base's horizon_days)
    child = write("big.yaml", """\
        extends: tiny.yaml
        demand:
          - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 10000000}
        """)
    p = the_problem(child)
    assert (Path(p.file).name, p.line, p.path) == ("big.yaml", 3, "demand[0].per_week"), p
    assert "units of demand over horizon_days" in p.message and "of them P's" in p.message
