"""Fuzzing: any mutation of the shipped scenarios loads, or fails with a ScenarioError, within
bounded time and memory; and what loads can be built into a network and drawn from.

Hypothesis mutates the text of one shipped scenario (the others sit beside it, so ``extends``
chains run through the mutated file): a value replaced by a hostile YAML snippet (impossible
dates, huge or non-finite numbers, YAML 1.1 forms, tags, deep nesting, lists where ids
belong, control characters, aliases), a key added, a line deleted or repeated, ``extends``
aimed at pipes, loops, folders and files outside the scenario's folder, or raw characters
inserted anywhere. Each example runs under a time limit and a memory limit (bounded.py).
The same mutated texts also parse alike with libyaml and the pure-Python parser.

200 examples run in a few seconds; FUZZ_EXAMPLES=5000 runs more.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from bounded import bounded
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_source import flatten

from conftest import SCENARIOS
from corridor.errors import ScenarioError
from corridor.network import build_network
from corridor.network.timetable import build_timetable
from corridor.scenario import Scenario, load_scenario, source
from corridor.scenario.source import parse_yaml

SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted(SCENARIOS.glob("*.yaml"))}
NAMES = sorted(SHIPPED)
# every "key: value" (block or flow); the value runs to a comma, brace, bracket, comment or line end
VALUE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*): (?P<value>[^,{}\[\]#\n]*)")


def spots_in(text: str) -> list[tuple[int, int]]:
    """Where values are in ``text`` (not in comments)."""
    return [(m.start("value"), m.end("value")) for m in VALUE.finditer(text)
            if "#" not in text[text.rfind("\n", 0, m.start()) + 1: m.start()]]


SPOTS = {name: spots_in(text) for name, text in SHIPPED.items()}
LINES = {name: text.splitlines(keepends=True) for name, text in SHIPPED.items()}

SNIPPETS = [
    # empty, null, collections where a scalar belongs
    "", "~", "null", "[]", "{}", "[S]", "[[S]]", "{id: S}", "[{id: [S]}]", "{a: , b: 1}",
    # numbers: huge, tiny, non-finite, YAML 1.1 forms, long literals
    "0", "-1", "-0.0", "1e-6", "1e-320", "5e-324", "1e12", "1e30", "1e308", "1e309", "-1e309",
    ".nan", ".inf", "-.inf", ".NaN", "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "1" * 40, "9" * 5000, "190:20:30", "1:30", "0x1F", "0o17", "017", "1_000", "+12", "1.", ".5",
    # booleans YAML 1.1 knew
    "yes", "no", "on", "off", "NO", "y", "true", "False",
    # dates and instants: impossible, out of range, odd offsets
    "2027-02-30", "2027-13-01", "2027-00-10", "0000-01-01", "0001-01-01", "9999-12-31", "1989-12-31",
    "2101-01-01", "2027-03-01T00:00:00+99:00", "2027-03-01T00:00:00+23:59", "2027-03-01 00:00:00 +1",
    "9999-12-31T23:00:00-05:00", "2027-03-01T25:00:00Z", "20270301", "1e8",
    # tags
    "!!binary aGVsbG8=", "!!timestamp 2027-03-01", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]",
    "!!python/object/apply:os.system [ls]", "!!int abc", "!!int 190:20:30", "!!float x", "!!bool maybe",
    "!!null x", "!!map [1]", "!!seq {a: 1}", "!!str [1]", "!!str 5", "!foo bar", "!<tag:x> y", "!!merge x",
    # anchors and aliases
    "&a [1]", "*a", "*undefined", "&b {x: *b}", "&c [*c]", "<<", "{<<: 1}", "{<<: [1]}", "[&d 1, *d, *d]",
    # text that is not quite text
    '"\\0"', '"\\x1b[2J"', '"\\ud800"', '"\\u202e"', "'it''s'", '"\\t"', "a?b", "? a", "\t1", "- a",
    "|\n  block", ">-\n  folded", "'unclosed", '"unclosed', "x" * 300, "é😀", "%YAML 1.1", "---", "...",
    # nesting, shallow and deep
    "[" * 33 + "]" * 33, "[" * 200 + "]" * 200, "{a: " * 40 + "1" + "}" * 40,
]
EXTENDS = [
    "baseline.yaml", "direct_flight.yaml", "fifo", "loop", "folder", "outside.yaml", "inside.yaml",
    "/etc/passwd", "/dev/zero", "../outside.yaml", "sub/../baseline.yaml", '"a\\0b"', "x" * 300,
    "'" + "d/" * 200 + "x.yaml'", "''", "[baseline.yaml]", "{a: 1}", "notes.yaml", "missing.yaml",
]
NOISE = st.text(alphabet=list("[]{}:,-&*!?|>'\"#%@\t\n \\\ufeff0123456789aZ\x85\u2028"),
                min_size=1, max_size=8)


@st.composite
def mutation(draw: st.DrawFn, name: str) -> tuple[str, ...]:
    kind = draw(st.sampled_from(["value", "value", "value", "key", "delete", "repeat", "extends", "noise"]))
    if kind == "value":
        spot = draw(st.integers(0, len(SPOTS[name]) - 1))
        snippet = draw(st.one_of(
            st.sampled_from(SNIPPETS),
            st.integers(-(2**70), 2**70).map(str),
            st.floats().map(lambda x: repr(x).replace("inf", ".inf").replace("nan", ".nan")),
        ))
        return (kind, str(spot), snippet)
    if kind == "key":
        line = draw(st.integers(0, len(LINES[name])))
        key = draw(st.sampled_from(["name", "id", "capacity", "secret", "run", "places", "remove", "extends",
                                    "\"\\x1b\"", "'a b'", "1", "[k]", "per_week", "headway_min", "delay"]))
        return (kind, str(line), key, draw(st.sampled_from(SNIPPETS)))
    if kind in ("delete", "repeat"):
        return (kind, str(draw(st.integers(0, len(LINES[name]) - 1))))
    if kind == "extends":
        return (kind, draw(st.sampled_from(EXTENDS)))
    return (kind, str(draw(st.integers(0, len(SHIPPED[name])))), draw(NOISE))


def apply(name: str, mutations: list[tuple[str, ...]]) -> str:
    """The text of ``name`` after the mutations (spots and lines refer to the original text,
    so mutations are applied from the end of the text backwards)."""
    text = SHIPPED[name]
    lines = list(LINES[name])
    line_ops = [m for m in mutations if m[0] in ("key", "delete", "repeat")]
    for op in sorted(line_ops, key=lambda m: -int(m[1])):
        i = int(op[1])
        if op[0] == "key":
            indent = re.match(r"\s*", lines[i - 1]).group() if 0 < i <= len(lines) else ""
            lines.insert(i, f"{indent}{op[2]}: {op[3]}\n")
        elif op[0] == "delete" and i < len(lines):
            del lines[i]
        elif i < len(lines):
            lines.insert(i, lines[i])
    if line_ops:
        text = "".join(lines)
        spots = spots_in(text)
    else:
        spots = SPOTS[name]
    edits: list[tuple[int, int, str]] = []
    for op in mutations:
        if op[0] == "value" and spots:
            start, end = spots[int(op[1]) % len(spots)]
            edits.append((start, end, op[2]))
        elif op[0] == "noise":
            at = min(int(op[1]), len(text))
            edits.append((at, at, op[2]))
    for start, end, new in sorted(edits, key=lambda e: (-e[0], -e[1])):
        text = text[:start] + new + text[end:]
    for op in mutations:
        if op[0] == "extends":
            text = re.sub(r"(?m)^extends: .*\n", "", text)
            text = f"extends: {op[1]}\n" + text
    return text


def populate(folder: Path, name: str, text: str) -> Path:
    """The shipped scenarios in ``folder`` with ``name`` replaced by ``text``, and the odd
    files ``extends`` may be aimed at."""
    for other, original in SHIPPED.items():
        (folder / other).write_text(text if other == name else original, encoding="utf-8")
    os.mkfifo(folder / "fifo")
    os.symlink("loop", folder / "loop")
    (folder / "folder").mkdir()
    (folder / "sub").mkdir()
    outside = folder.parent / (folder.name + "-outside.yaml")
    secret = SHIPPED["baseline.yaml"].replace("name: baseline", "name: SECRET-OUTSIDE")
    outside.write_text(secret, encoding="utf-8")
    os.symlink(outside, folder / "outside.yaml")
    os.symlink(folder / "baseline.yaml", folder / "inside.yaml")
    (folder / "notes.yaml").write_text("password: SECRET-VALUE\ntoken: [SECRET-LIST]\n", encoding="utf-8")
    return folder / name


def check_loaded(scenario: Scenario) -> None:
    """What validates can be built into a network and a timetable for the whole run, and its
    distributions draw finite numbers."""
    build_network(scenario)
    build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)
    rng = np.random.default_rng(0)
    dists = [p.service_time for p in scenario.places] + [s.delay for s in scenario.services]
    for dist in dists:
        if dist is not None:
            assert np.isfinite(dist.sample(rng, 200)).all()


Case = tuple[str, str, list[tuple[str, ...]]]  # file mutated, file loaded, mutations


@st.composite
def cases(draw: st.DrawFn) -> Case:
    name = draw(st.sampled_from(NAMES))
    mutations = draw(st.lists(mutation(name), min_size=1, max_size=4))
    load = draw(st.sampled_from([name, name, "direct_flight.yaml"]))  # direct_flight extends baseline
    return name, load, mutations


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_mutated_scenarios_load_or_fail_cleanly(case: Case) -> None:
    name, load, mutations = case
    text = apply(name, mutations)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenarios"
        folder.mkdir()
        populate(folder, name, text)
        with bounded(seconds=20):
            try:
                scenario = load_scenario(folder / load)
            except ScenarioError as exc:
                message = str(exc)
                assert exc.problems and "Traceback" not in message
                event(exc.problems[0].message[:40])  # --hypothesis-show-statistics lists them
                assert "SECRET" not in message  # nothing from outside the folder or a non-scenario
                return
            event("loaded")
            check_loaded(scenario)


def parsed(text: str, libyaml: bool) -> object:
    """Every value and position of ``text`` parsed, or the error it raises."""
    try:
        return flatten(parse_yaml(text, "f.yaml", libyaml=libyaml))
    except (yaml.YAMLError, ScenarioError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.skipif(not source.HAVE_LIBYAML, reason="PyYAML built without libyaml")
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_mutated_scenarios_parse_alike_with_either_parser(case: Case) -> None:
    name, _, mutations = case
    text = apply(name, mutations)
    with bounded(seconds=20):
        assert parsed(text, libyaml=True) == parsed(text, libyaml=False)
