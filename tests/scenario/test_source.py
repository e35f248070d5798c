"""YAML reading with positions: libyaml and the pure-Python parser give the same values at the
same file, line and column, and the same errors."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
import yaml

from conftest import MINIMAL, ROOT, SCENARIOS
from corridor.errors import ScenarioError
from corridor.scenario import load_scenario, source
from corridor.scenario.extends import resolve
from corridor.scenario.source import SourceDict, SourceList, parse_yaml

needs_libyaml = pytest.mark.skipif(not source.HAVE_LIBYAML, reason="PyYAML built without libyaml")


def flatten(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every container's start, every value's position, and every scalar, in order."""
    out: list[tuple[Any, ...]] = []
    if isinstance(data, SourceDict):
        out.append((path, "start", data.start))
        for key, value in data.items():
            out.append((path + (key,), "at", data.positions[key]))
            out += flatten(value, path + (key,))
    elif isinstance(data, SourceList):
        out.append((path, "start", data.start))
        for i, value in enumerate(data):
            out.append((path + (i,), "at", data.positions[i]))
            out += flatten(value, path + (i,))
    else:
        out.append((path, "value", type(data).__name__, repr(data)))
    return out


def synthetic_text(n_services: int) -> str:
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_scenario(n_services, seed=3)


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    assert bool(yaml.__with_libyaml__) is source.HAVE_LIBYAML


def test_without_libyaml_the_pure_parser_reads_everything(monkeypatch) -> None:
    expected = flatten(parse_yaml(MINIMAL, "tiny.yaml", libyaml=False))
    monkeypatch.setattr(source, "_C_SAFE_LOADER", None)
    monkeypatch.setattr(source, "HAVE_LIBYAML", False)
    assert flatten(parse_yaml(MINIMAL, "tiny.yaml")) == expected
    with pytest.raises(RuntimeError, match="without libyaml"):
        parse_yaml(MINIMAL, "tiny.yaml", libyaml=True)


@needs_libyaml
def test_a_plain_scenario_is_parsed_by_libyaml(monkeypatch) -> None:
    bases = []
    real = source._loader_for
    monkeypatch.setattr(source, "_loader_for", lambda name, base: bases.append(base) or real(name, base))
    parse_yaml((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"), "baseline.yaml")
    assert bases == [yaml.CSafeLoader]


@needs_libyaml
@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_shipped_scenarios_same_positions_with_both_parsers(name: str, monkeypatch) -> None:
    path = SCENARIOS / name
    fast = flatten(resolve(path))  # extends chains too: positions in several files
    monkeypatch.setattr(source, "HAVE_LIBYAML", False)
    pure = flatten(resolve(path))
    assert len(fast) > 20
    assert fast == pure


@needs_libyaml
def test_synthetic_scenario_same_positions_with_both_parsers() -> None:
    text = synthetic_text(40)  # flow-style places, block services, an anchor merged 39 times
    fast = flatten(parse_yaml(text, "synthetic.yaml", libyaml=True))
    pure = flatten(parse_yaml(text, "synthetic.yaml", libyaml=False))
    assert len(fast) > 1000
    assert fast == pure


EDGE_CASES = {
    "minimal": MINIMAL,
    "non-ascii": "a: Małaszewicze\nb: [ą, ę, 'x']\nc: {d: 😀😀, e: 1}\n😀: 2\n",
    "crlf": "a: 1\r\nb:\r\n  - 2\r\n  - {c: 3}\r\n",
    "other line breaks": "a: [1,\u2028 2]\nb: 3\x85c: 4\n",
    "leading bom": "\ufeffa: 1\nb: [1, 2]\n",
    "bom inside": "a: {b: 1,\ufeff c: 2}\n",
    "merge keys": "x: &a {p: 1, q: [1, 2]}\ny:\n  <<: *a\n  r: 3\nz: {<<: [*a, {s: 1}], t: 9}\n",
    "anchors and tags": "a: &x !!str 1\nb: *x\nc: !!int '7'\nd: &y\n  - 1\n  - &z [2]\ne: *z\n",
    "block scalars": "a: |\n  one\n  two\nb: >-\n  folded\n  text\nc: 'multi\n  line'\nd: \"\\u00e9\"\n",
    "empty block values": "a:\nb: ~\nc: []\nd: {}\ne:\n  -\n  - \n",
    "empty flow values": "a: {b: , c: 1}\nd: [e: ]\nf: {g:\n  , h: 2}\n",
    "empty flow value merged": "y:\n  <<: &a {p: , q: 1}\n  r: 2\nz:\n  <<: *a\n",
    "question marks": "a: {b: c?}\nd: e?f\n",
    "tab": "a: {b:\t1}\n",
    "comments and markers": "--- # c\na: 1 # x\n# y\nb:\n  # z\n  - 1\n...\n",
    "scalar types": "a: 2027-03-01\nb: 2027-03-01T00:00:00+05:00\nc: 12:30\nd: 0o17\ne: 0x1F\nf: .inf\n",
}


@needs_libyaml
@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_same_outcome_with_both_parsers(name: str) -> None:
    def outcome(libyaml: bool) -> Any:
        try:
            return flatten(parse_yaml(EDGE_CASES[name], "f.yaml", libyaml=libyaml))
        except (yaml.YAMLError, ScenarioError) as exc:
            return type(exc).__name__, str(exc)

    assert outcome(True) == outcome(False)


BAD = {
    "unclosed flow": "name: x\nplaces:\n  - {id: A, name: [unclosed\n",
    "tab indent": "name: x\nplaces:\n\t- a\n",
    "bad indent": "name: x\nrun:\n  start: 2027-03-01\n seed: 2\n",
    "undefined alias": "name: *nope\n",
    "colon in value": "name: a: b\n",
    "control character": "name: \x07\n",
    "two documents": "name: a\n---\nname: b\n",
    "duplicate key": MINIMAL + "name: again\n",
    "key not text": MINIMAL + "1: one\n",
    "duplicate inside flow": "name: x\nrun: {start: 2027-03-01, seed: 1, seed: 2}\n",
    "unsafe tag": "name: !!python/object/apply:os.system ['echo pwned']\n",
    "bad value": MINIMAL.replace("capacity: 180\n  - id: A2", "capacity: -1\n  - id: A2"),
    "empty flow value": MINIMAL.replace("horizon_days: 14", "horizon_days: "),
    "question mark": MINIMAL.replace("stops: [IST, VNO]", "stops: [IST, VNO?]"),
}


@needs_libyaml
@pytest.mark.parametrize("name", sorted(BAD))
def test_same_problems_with_both_parsers(name: str, write, monkeypatch) -> None:
    path = write("bad.yaml", BAD[name])

    def problems() -> list[Any]:
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        return info.value.problems

    fast = problems()
    monkeypatch.setattr(source, "HAVE_LIBYAML", False)
    pure = problems()
    assert fast == pure
    assert all(p.file == str(path) for p in fast)


@pytest.mark.parametrize("libyaml", [False, True] if source.HAVE_LIBYAML else [False])
def test_a_key_written_beside_a_merge_overrides_the_merged_one(libyaml: bool) -> None:
    # YAML's merge key: the mapping's own keys win, then the earlier merged mapping. Each
    # override was refused as a "duplicate key", so shared settings could not be changed for
    # one item (`<<: *air` then `speed_kph: 700`)
    text = ("x: &a {p: 1, q: 2, speed_kph: 7}\nb: &b {p: 5, r: 6, speed_kph: 8}\n"
            "y: &y\n  <<: *a\n  p: 3\n"
            "z: {<<: [*a, *b], q: 4}\n"
            "w: {<<: *y, r: 0}\n")
    data = parse_yaml(text, "f.yaml", libyaml=libyaml)
    assert data["y"] == {"p": 3, "q": 2, "speed_kph": 7} and data["y"].positions["p"] == ("f.yaml", 5, 6)
    assert data["z"] == {"p": 1, "q": 4, "r": 6, "speed_kph": 7}
    assert data["w"] == {"p": 3, "q": 2, "speed_kph": 7, "r": 0}  # PyYAML alone gives p: 1
    assert data["w"].positions["p"] == ("f.yaml", 5, 6)


@pytest.mark.parametrize("libyaml", [False, True] if source.HAVE_LIBYAML else [False])
def test_a_key_written_twice_beside_a_merge_is_still_a_duplicate(libyaml: bool) -> None:
    for text, line in (("x: &a {p: 1}\ny:\n  <<: *a\n  p: 2\n  p: 3\n", 5),
                       ("x: &a {p: 1}\ny:\n  <<: *a\n  <<: {q: 2}\n", 4)):
        with pytest.raises(ScenarioError) as info:
            parse_yaml(text, "f.yaml", libyaml=libyaml)
        (p,) = info.value.problems
        assert p.message.startswith("duplicate key") and p.line == line, p



@pytest.mark.parametrize("libyaml", [False, True] if source.HAVE_LIBYAML else [False])
def test_a_duplicate_key_is_named_by_its_whole_path(libyaml: bool) -> None:
    # the path was the key alone ("days"), where every other problem gives it whole
    for text, path in (("name: x\nname: y\n", "name"),
                       ("s: [{id: A, c: 1}, {id: B, t: {days: daily, days: [Mon]}}]\n", "s[1].t.days"),
                       ("a: &a {p: 1}\nb:\n  - x: {q: 1}\n  - {<<: *a, <<: *a}\n", "b[1]"),
                       ("a: &a {p: 1, p: 2}\nb: *a\n", "a.p")):
        with pytest.raises(ScenarioError) as info:
            parse_yaml(text, "f.yaml", libyaml=libyaml)
        (p,) = info.value.problems
        assert p.message.startswith("duplicate key") and p.path == path, (text, p)

def test_a_service_can_override_a_shared_setting(write) -> None:
    text = (MINIMAL.replace("  - id: A1\n    mode: air\n    unit: pax\n",
                            "  - id: A1\n    <<: &air {mode: air, unit: pax, speed_kph: 780}\n")
            .replace("    speed_kph: 780\n    overhead_min: 30\n", "    overhead_min: 30\n")
            .replace("  - id: A2\n    mode: air\n    unit: pax\n",
                     "  - id: A2\n    <<: *air\n    speed_kph: 700\n")
            .replace("    duration_min: 146\n", ""))
    path = write("s.yaml", text)
    s = load_scenario(path)
    assert [(x.mode, x.speed_kph) for x in s.services] == [("air", 780), ("air", 700)]
