"""The loader lets only scenario errors out, whatever the file: impossible dates, deep nesting,
huge literals, YAML 1.1 typing and tags, control characters, pipes, devices, huge files and
alias bombs. Each class of input is generated (Hypothesis), not listed."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from bounded import bounded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL
from corridor.errors import ScenarioError
from corridor.scenario import load_scenario, source
from corridor.scenario.schema import MAX_ITEMS, Scenario
from corridor.scenario.source import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_INT_DIGITS,
    MAX_NODES,
    parse_yaml,
    read_yaml,
)

FAST = settings(max_examples=int(os.environ.get("EXAMPLES", "60")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BOTH_PARSERS = [False, True] if source.HAVE_LIBYAML else [False]


def problems(text: str, name: str = "s.yaml", **kwargs) -> list:
    """The problems of a scenario with this text (in a fresh folder), under time and memory
    limits; fails if it loads."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        with bounded(seconds=20), pytest.raises(ScenarioError) as info:
            load_scenario(path, **kwargs)
    return info.value.problems


def parse_problems(text: str, libyaml: bool) -> list:
    """The problems of reading this text as YAML (not yet as a scenario)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.yaml"
        path.write_text(text, encoding="utf-8")
        with bounded(seconds=20), pytest.raises(ScenarioError) as info:
            read_yaml(path, libyaml=libyaml)
    return info.value.problems


# ---- impossible dates and instants ----------------------------------------------------------

def _is_date(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


impossible_dates = st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).filter(
    lambda t: not _is_date(*t)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}")
out_of_range_dates = st.one_of(
    st.dates(max_value=dt.date(1989, 12, 31)), st.dates(min_value=dt.date(2101, 1, 1))).map(dt.date.isoformat)
bad_offsets = st.tuples(st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99)).filter(
    lambda t: t[1] > 23 or t[2] > 59).map(lambda t: f"{t[0]}{t[1]:02d}:{t[2]:02d}")


@FAST
@given(date=st.one_of(impossible_dates, out_of_range_dates),
       where=st.sampled_from(["run.start", "valid_from", "valid_to", "services[0].valid_from"]))
def test_impossible_or_far_dates_are_located_errors(date: str, where: str) -> None:
    if where == "run.start":
        text = MINIMAL.replace("start: 2027-03-01", f"start: {date}")
    elif where.startswith("services"):
        old = "    capacity: 180\n  - id: A2"
        text = MINIMAL.replace(old, f"    capacity: 180\n    valid_from: {date}\n  - id: A2")
    else:
        text = MINIMAL + f"{where}: {date}\n"
    (p,) = problems(text)
    assert p.path == where and p.line is not None


@pytest.mark.parametrize("where", ["scenario", "service"])
def test_a_validity_ending_before_it_starts_is_located_at_valid_to(where: str) -> None:
    # the scenario's was reported at the file's line 1, column 1, with no field named; a
    # service's at the service's first line
    period = "valid_from: 2027-06-01\nvalid_to: 2027-05-01\n"
    if where == "scenario":
        text, path, line = MINIMAL + period, "valid_to", MINIMAL.count("\n") + 2
    else:
        old = "    capacity: 180\n  - id: A2"
        text = MINIMAL.replace(old, "    capacity: 180\n" + "".join(f"    {x}\n" for x in period.splitlines())
                               + "  - id: A2")
        path, line = "services[0].valid_to", text[:text.index("valid_to")].count("\n") + 1
    (p,) = problems(text)
    assert (p.path, p.line) == (path, line), p
    assert p.message == "valid_to 2027-05-01 is before valid_from 2027-06-01"


@FAST
@given(instant=st.one_of(
    impossible_dates.map(lambda d: f"{d}T00:00:00Z"),
    out_of_range_dates.map(lambda d: f"{d}T00:00:00+05:00"),
    bad_offsets.map(lambda o: f"2027-03-02T00:00:00{o}"),
    st.sampled_from(["9999-12-31T23:00:00-05:00", "0001-01-01T01:00:00+05:00", "2027-03-02T24:00:00Z"]),
))
def test_impossible_or_far_instants_are_located_errors(instant: str) -> None:
    text = MINIMAL + f"disruptions:\n  - {{id: X, target: IST, start: {instant}, end: 2027-03-03T00:00Z}}\n"
    found = problems(text)
    assert [p.path for p in found] == ["disruptions[0].start"]


@FAST
@given(number=st.one_of(
    st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.integers(631_152_000, 4_133_980_799),  # seconds since 1970 that fall in 1990 to 2100
    st.integers(631_152_000_000, 4_133_980_799_000),  # the same in milliseconds
), tagged=st.booleans())
def test_a_date_given_as_a_number_is_refused_not_read_as_seconds(number: float, tagged: bool) -> None:
    value = f"!!timestamp {number}" if tagged else repr(number)
    (p,) = problems(MINIMAL.replace("start: 2027-03-01", f"start: {value}"))
    assert p.line == 2
    assert p.path == "run.start"
    if tagged:
        assert "not allowed" in p.message


@pytest.mark.parametrize("libyaml", BOTH_PARSERS)
@pytest.mark.parametrize(("text", "where", "said"), [
    ("name: x\nrun: {start: 2027-03-01, horizon_days: !!int 1.5}\n", (2, 40, "run.horizon_days"),
     "'1.5' is not an integer"),
    ("name: x\nplaces:\n  - {id: A, lat: 1}\n  - id: B\n    lat: !!float q\n", (5, 10, "places[1].lat"),
     "'q' is not a number"),
    ("name: x\nrun:\n  seed: !!timestamp 2027-03-01\n", (3, 9, "run.seed"), "the tag '!!timestamp' is not"),
    ("name: x\nrun:\n  seed: " + "9" * 40 + "\n", (3, 9, "run.seed"), "an integer of 40 digits"),
    # where the anchor is written, not where an alias repeats it
    ("name: x\nrun: &r {start: 2027-03-01, seed: !!bool maybe}\nnotes: [*r, {<<: *r}]\n",
     (2, 35, "run.seed"), "!!bool 'maybe' is neither true nor false"),
    # a key refused: the mapping that holds it
    ("name: x\nrun:\n  !!int 2.5 : 3\n", (3, 3, "run"), "'2.5' is not an integer"),
    # numbers a double cannot hold: said as written, not as the 0.0 or inf they would read as
    ("name: x\nplaces:\n  - {id: A, lat: 1e-400}\n", (3, 18, "places[0].lat"),
     "'1e-400' is too close to zero"),
    ("name: x\nplaces:\n  - {id: A, lat: -0.00001e-320}\n", (3, 18, "places[0].lat"),
     "'-0.00001e-320' is too close to zero"),
    ("name: x\nplaces:\n  - {id: A, lat: 1e309}\n", (3, 18, "places[0].lat"),
     "'1e309' is too large to be held"),
])
def test_a_value_refused_while_it_is_built_is_named_by_its_path(text: str, where: tuple[int, int, str],
                                                                  said: str, libyaml: bool) -> None:
    # a tag or a literal refused as the YAML is read fails before there is data to locate it
    # in: it was said at its line and column, with no field
    (p,) = parse_problems(text, libyaml)
    assert (p.line, p.column, p.path) == where
    assert said in p.message


# ---- nesting, long literals, aliases ----------------------------------------------------------

@FAST
@given(depth=st.integers(MAX_DEPTH + 1, 3000), style=st.sampled_from(["flow", "flow-map", "block-seq"]),
       libyaml=st.sampled_from(BOTH_PARSERS))
def test_deep_nesting_is_refused_with_either_parser(depth: int, style: str, libyaml: bool) -> None:
    if style == "flow":
        value = "[" * depth + "]" * depth
    elif style == "flow-map":
        value = "{a: " * depth + "1" + "}" * depth
    else:
        value = "\n" + "- " * depth + "x"
    (p,) = parse_problems(f"name: x\nplaces: {value}\n", libyaml)
    assert f"nested more than {MAX_DEPTH} deep" in p.message and p.line is not None


@FAST
@given(depth=st.integers(1, MAX_DEPTH - 1))
def test_nesting_within_the_limit_is_read(depth: int) -> None:
    data = parse_yaml("a: " + "[" * depth + "1" + "]" * depth, "f.yaml")["a"]  # the mapping is a level
    for _ in range(depth):
        data = data[0]
    assert data == 1


@FAST
@given(digits=st.integers(MAX_INT_DIGITS + 1, 20_000), sign=st.sampled_from(["", "-", "+"]),
       libyaml=st.sampled_from(BOTH_PARSERS))
def test_huge_integer_literals_are_refused(digits: int, sign: str, libyaml: bool) -> None:
    (p,) = parse_problems(f"name: x\nrun: {{seed: {sign}{'7' * digits}}}\n", libyaml)
    assert f"{digits:,} digits" in p.message and (p.line, p.column) == (2, 13)


@FAST
@given(width=st.integers(2, 12), depth=st.integers(2, 30))
def test_alias_bombs_are_refused_before_anything_expands(width: int, depth: int) -> None:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    text = "\n".join(lines) + "\n"
    size = 1 + width  # a0: the list and its scalars
    values = 1 + 1 + size  # the top mapping, key a0, a0
    for _ in range(depth):
        size = 1 + width * size  # each alias counts as all its anchor holds
        values += 1 + size
    if values <= MAX_NODES:
        parse_yaml(text, "f.yaml")
    else:
        (p,) = parse_problems(text, libyaml=BOTH_PARSERS[-1])
        assert f"more than {MAX_NODES:,} values" in p.message


@pytest.mark.parametrize("libyaml", BOTH_PARSERS)
def test_an_alias_inside_what_it_names_is_refused(libyaml: bool) -> None:
    (p,) = parse_problems("a: &x [1, *x]\n", libyaml)
    assert "inside the collection it names" in p.message


def test_too_many_values_counts_every_file_of_a_chain(tmp_path: Path) -> None:
    # each file holds just over half the values allowed: 1,000 scalars repeated by 501 aliases
    bomb = "[&a [" + ", ".join(["1"] * 1000) + "], " + ", ".join(["*a"] * (MAX_NODES // 2 // 1001)) + "]\n"
    (tmp_path / "base.yaml").write_text("description: " + bomb)
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\ndescription: " + bomb)
    with bounded(seconds=20), pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (p,) = info.value.problems
    assert p.file == str(tmp_path / "base.yaml") and "read before it" in p.message


def test_a_flat_list_of_too_many_values_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "flat.yaml"
    path.write_text("name: x\nplaces: [" + "1," * (MAX_NODES + 10) + "1]\n")
    with bounded(seconds=10, extra_bytes=2**30), pytest.raises(ScenarioError, match="values"):
        load_scenario(path)


@settings(max_examples=5, deadline=None, database=None)
@given(section=st.sampled_from(sorted(MAX_ITEMS)), extra=st.integers(1, 3))
def test_sections_with_too_many_items_are_refused_before_validation(section: str, extra: int) -> None:
    count = MAX_ITEMS[section] + extra
    text = "name: tiny\nrun: {start: 2027-03-01}\n" + f"{section}: [" + ", ".join(["{id: X}"] * count) + "]\n"
    with bounded(seconds=20):
        found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (section, f"{count:,} {section}; at most {MAX_ITEMS[section]:,} are allowed")
    ]


# ---- YAML 1.1 typing, tags, control characters ----------------------------------------------------

@FAST
@given(parts=st.lists(st.integers(0, 99), min_size=2, max_size=4), sign=st.sampled_from(["", "-"]))
def test_base_60_numbers_are_text(parts: list[int], sign: str) -> None:
    literal = sign + ":".join(str(p) for p in parts)
    assert parse_yaml(f"a: {literal}", "f.yaml")["a"] == literal
    (p,) = problems(MINIMAL.replace("capacity: 180\n  - id: A2", f"capacity: {literal}\n  - id: A2"))
    assert p.path == "services[0].capacity" and repr(literal) in p.message


@FAST
@given(word=st.sampled_from(["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N"]))
def test_yaml_1_1_booleans_are_text(word: str) -> None:
    assert parse_yaml(f"a: {word}", "f.yaml")["a"] == word


def test_norway_is_a_country_code() -> None:
    assert parse_yaml("country: NO", "f.yaml") == {"country": "NO"}


@FAST
@given(n=st.integers(-(10**20), 10**20), x=st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_read_as_the_core_schema_says(n: int, x: float) -> None:
    data = parse_yaml(f"i: {n}\nf: {x!r}\nh: 0x{abs(n):x}\no: 0o{abs(n):o}\nz: 0{abs(n)}", "f.yaml")
    assert data == {"i": n, "f": x, "h": abs(n), "o": abs(n), "z": abs(n)}


@FAST
@given(tag=st.sampled_from(["binary", "timestamp", "set", "omap", "pairs", "python/object/apply:os.system",
                            "python/name:os.system", "merge", "value", "yaml"]),
       libyaml=st.sampled_from(BOTH_PARSERS))
def test_tags_beyond_plain_data_are_refused(tag: str, libyaml: bool) -> None:
    (p,) = parse_problems(f"name: !!{tag} aGVsbG8=\n", libyaml)
    assert f"'!!{tag}' is not allowed" in p.message and (p.line, p.column) == (1, 7)


@FAST
@given(case=st.sampled_from([("int", "abc"), ("int", "1.5"), ("int", "190:20:30"), ("float", "x"),
                             ("float", "1:30"), ("bool", "maybe"), ("bool", "yes"), ("map", "[1]"),
                             ("seq", "{a: 1}"), ("str", "[1]"), ("int", "{a: 1}"), ("null", "[x]")]),
       libyaml=st.sampled_from(BOTH_PARSERS))
def test_standard_tags_on_the_wrong_text_are_refused(case: tuple[str, str], libyaml: bool) -> None:
    tag, text = case
    (p,) = parse_problems(f"name: !!{tag} {text}\n", libyaml)
    assert (p.line, p.column) == (1, 7) and "invalid YAML" not in p.message


@FAST
@given(code=st.one_of(st.integers(0, 8), st.integers(11, 31),
                      st.integers(127, 159).filter(lambda c: c != 133), st.integers(0xD800, 0xDFFF)),
       as_key=st.booleans())
def test_control_characters_and_lone_surrogates_are_refused(code: int, as_key: bool) -> None:
    escape = f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"
    text = f'"a{escape}b": 1\n' if as_key else f'name: "a{escape}b"\n'
    (p,) = problems(text)
    assert "control character or lone surrogate" in p.message and p.line == 1


@FAST
@given(code=st.sampled_from([0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]),
       field=st.sampled_from(["name", "description", "places[0].name", "services[0].name",
                              "services[0].operator"]),
       raw=st.booleans())
def test_bidirectional_controls_in_text_are_refused_where_they_stand(code: int, field: str,
                                                                    raw: bool) -> None:
    # names and descriptions are printed as written: a right-to-left override in one would
    # reorder the rest of a line of the terminal (loaded raw or written as a YAML escape)
    text = chr(code) if raw else f"\\u{code:04x}"
    value = f'"Vil{text}nius"'
    data = MINIMAL
    if field == "name":
        data = data.replace("name: tiny", f"name: {value}")
    elif field == "description":
        data = data.replace("name: tiny", f"name: tiny\ndescription: {value}")
    elif field == "places[0].name":
        data = data.replace("name: Astana", f"name: {value}")
    else:
        key = field.split(".")[1]
        data = data.replace("    mode: air\n", f"    mode: air\n    {key}: {value}\n", 1)
    (p,) = problems(data)
    assert p.path == field and f"control character U+{code:04X}" in p.message
    assert p.line is not None


def test_a_left_to_right_mark_and_other_scripts_are_text() -> None:
    # marks that only shape text stay allowed: Hebrew with a left-to-right mark, a zero-width joiner
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        name = '"\u05ea\u05dc \u200e(TLV) \U0001F468\u200d\U0001F469"'
        path.write_text(MINIMAL.replace("name: Astana", f"name: {name}"), encoding="utf-8")
        assert load_scenario(path).places[0].name.startswith("\u05ea")


@pytest.mark.parametrize("name", ["\u200b", "\u200e\u2060", " \u200b ", "\u0301"])
def test_a_name_with_nothing_to_see_is_refused(name: str) -> None:
    # zero-width characters alone validated and showed as an empty name in every table
    found = problems(MINIMAL.replace("name: Astana", f'name: "{name}"'))
    assert any("a name is one line of 1 to" in p.message for p in found), found


# ---- what is read at all ------------------------------------------------------------------------

def test_a_pipe_is_never_opened_for_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    with bounded(seconds=5), pytest.raises(ScenarioError) as info:
        load_scenario(fifo)  # would block for ever waiting for a writer
    assert "not a regular file" in info.value.problems[0].message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_never_read(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with bounded(seconds=5), pytest.raises(ScenarioError) as info:
        load_scenario(device)
    assert "not a regular file" in info.value.problems[0].message


def test_a_folder_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="folder"):
        load_scenario(tmp_path)


@settings(max_examples=20, deadline=None, database=None)
@given(size=st.integers(MAX_FILE_BYTES + 1, 2**40))
def test_a_huge_file_is_refused_unread(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huge.yaml"
        with open(path, "wb") as f:
            f.truncate(size)  # sparse: nothing is written
        with bounded(seconds=5, extra_bytes=2**28), pytest.raises(ScenarioError) as info:
            load_scenario(path)
    assert "MiB" in info.value.problems[0].message


@FAST
@given(junk=st.binary(min_size=1, max_size=20).filter(lambda b: not _is_utf8(b)))
def test_text_that_is_not_utf8_is_located(junk: bytes) -> None:
    data = b"name: x\ndescription: " + junk + b"\n"
    with pytest.raises(UnicodeDecodeError) as bad:
        data.decode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_bytes(data)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
    (p,) = info.value.problems
    assert p.line == 1 + data[: bad.value.start].count(b"\n") and "not UTF-8" in p.message


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ---- messages in the author's words ---------------------------------------------------------------

PYTHON_WORDS = ("SourceList", "SourceDict", "NoneType", "instance of", "dictionary", "<class")
wrong_kinds = st.sampled_from(["[]", "[1, 2]", "{}", "{a: 1}", "1", "1.5", "true", "~", "text", "[[x]]"])


@FAST
@given(section=st.sampled_from(["name", "run", "places", "services", "links", "demand", "disruptions",
                                "valid_from", "extends", "remove", "description"]),
       value=wrong_kinds, top=st.sampled_from(["", "[]", "- a", "1", "text"]))
def test_messages_name_kinds_in_the_authors_words(section: str, value: str, top: str) -> None:
    text = top + "\n" if top else MINIMAL.replace("name: tiny\n", "") + f"name: tiny\n{section}: {value}\n"
    if section == "name" and not top:
        text = text.replace("name: tiny\nname:", "name:")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as exc:
            message = str(exc)
            assert not any(word in message for word in PYTHON_WORDS), message


def test_a_list_where_a_scenario_belongs() -> None:
    (p,) = problems("- a\n- b\n")
    assert p.message == "a scenario must be a mapping of sections, not a list"


@FAST
@given(libyaml=st.sampled_from(BOTH_PARSERS), key=st.sampled_from(["[k]", "{k: 1}", "1", "1.5", "true", "~"]))
def test_keys_that_are_not_text(libyaml: bool, key: str) -> None:
    (p,) = parse_problems(f"name: x\n? {key}\n: v\n", libyaml)
    assert p.message.startswith("keys must be text, not ") and p.line == 2
    assert yaml  # the module under test is PyYAML's; keep the import honest


@pytest.mark.parametrize("name", ["''", "'   '", '"two\\nlines"', "|\n  two\n  lines", "x" * 201])
def test_a_scenario_name_is_one_short_line(name: str) -> None:
    # each was accepted: an empty name printed ": 1 replication" and "(2) against : ...", a
    # line break split validate's one-line summary, and a long one filled every report heading
    (p,) = problems(MINIMAL.replace("name: tiny", f"name: {name}"))
    assert p.path == "name" and p.line == 1
    assert p.message.startswith("a scenario's name is one line of 1 to 200 characters")


@pytest.mark.parametrize(("days", "said"), [
    ("[]", "needs at least 1 item, not 0 (got [])"),
    ("[Mon, Tue, Wed, Thu, Fri, Sat, Sun, Mon]", "needs at most 7 items, not 8"),
])
def test_a_list_of_days_of_the_wrong_length_says_so(days: str, said: str) -> None:
    # it said "Input should be 'daily'", the other branch of days, naming no bad value
    (p,) = problems(MINIMAL.replace('days: daily', f"days: {days}"))
    assert p.path == "services[0].timetable.days" and p.message.startswith(said), p


@pytest.mark.parametrize(("old", "new", "said"), [
    ('times: ["03:40"]', 'times: ["03:40", "19:55", "03:40"]', "time '03:40' is given twice"),
    ("days: [Mon, Wed]", "days: [Mon, Wed, Mon]", "day 'Mon' is given twice"),
])
def test_a_departure_time_or_day_given_twice_is_refused(old: str, new: str, said: str) -> None:
    # each ran once, as if written once: a copied '03:40' meant for '15:40', or 'Mon' for 'Fri',
    # lost a departure a day (or a week) without a word
    (p,) = problems(MINIMAL.replace(old, new, 1))
    assert p.path.endswith(".timetable." + ("times" if "time" in said else "days")), p
    assert p.message.startswith(said), p


def test_a_links_unit_given_twice_is_refused() -> None:
    # [pax, pax] was taken as [pax]: every other list refuses an entry given twice
    link = "links:\n  - {id: L, from: NQZ, to: VNO, duration_min: 60, units: [pax, pax]}\n"
    (p,) = problems(MINIMAL + link)
    assert p.path == "links[0].units" and p.message.startswith("unit 'pax' is given twice"), p
    assert Scenario.model_validate(yaml.safe_load(MINIMAL + link.replace("[pax, pax]", "[pax, feu]")))


@pytest.mark.parametrize(("speed", "said"), [
    ("0", "Input should be greater than or equal to 1 (got 0)"),
    ("5000", "Input should be less than or equal to 3000 (got 5000)"),
    (".inf", "Input should be a finite number (got inf)"),
    (".nan", "Input should be a finite number (got nan)"),
])
def test_a_speed_out_of_bounds_says_its_bound_not_expected_a_list(speed: str, said: str) -> None:
    # each said "expected a list, not a number", the other branch of speed_kph (one speed or
    # one per segment), though a number is what was meant and its bound what was broken
    (p,) = problems(MINIMAL.replace("speed_kph: 780", f"speed_kph: {speed}", 1))
    assert p.path == "services[0].speed_kph" and p.message == said, p


def test_a_bad_speed_in_a_list_is_reported_once_at_its_place() -> None:
    # it came with "expected a number, not a list" at the list itself, the other branch's word
    (p,) = problems(MINIMAL.replace("speed_kph: 780", "speed_kph: [.inf]", 1))
    assert p.path == "services[0].speed_kph[0]" and p.message.startswith("Input should be a finite number")


@pytest.mark.parametrize(("old", "new"), [
    ("capacity: 180", "capacity: true"),            # read as 1
    ("capacity: 180", "capacity: '1_80'"),          # read as 180
    ("capacity: 180", "capacity: '180'"),
    ("speed_kph: 780", "speed_kph: true"),          # read as 1 km/h
    ("speed_kph: 780", "speed_kph: ' 780 '"),
    ("horizon_days: 14", "horizon_days: true"),
    ("seed: 7", "seed: '7'"),
])
def test_true_false_and_text_are_not_numbers(old: str, new: str) -> None:
    (p,) = problems(MINIMAL.replace(old, new, 1))
    assert p.message.startswith(("expected a number, not ", "expected a whole number, not ")), p


def test_a_whole_number_may_be_written_with_a_point() -> None:
    from conftest import MINIMAL as text

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(text.replace("capacity: 180", "capacity: 180.0", 1), encoding="utf-8")
        assert load_scenario(path).services[0].capacity == 180


@pytest.mark.parametrize("value", ["no", "off", "'false'", "0", "1"])
def test_only_true_and_false_are_booleans_in_a_boolean_field(value: str) -> None:
    # read as false or true by pydantic, though the file says text or a number
    link = "  - {id: L1, from: IST, to: VNO, mode: road, duration_min: 5, bidirectional: VALUE}\n"
    (p,) = problems(MINIMAL + "links:\n" + link.replace("VALUE", value))
    assert p.path == "links[0].bidirectional" and p.message.startswith("expected true or false, not "), p


@pytest.mark.parametrize("field", ["places[1].name", "services[0].name", "services[0].operator"])
@pytest.mark.parametrize("value", ["''", "'   '", '"two\\nlines"', "x" * 201])
def test_names_of_places_and_services_are_one_short_line(field: str, value: str) -> None:
    # a place named "Line one\nLine two" broke show's table into a row of its own, and nothing
    # bounded a name that heads tables and map labels
    if field.startswith("places"):
        text = MINIMAL.replace("{id: IST, name: Istanbul,", f"{{id: IST, name: {value},")
    else:
        key = field.split(".")[1]
        text = MINIMAL.replace("  - id: A1\n", f"  - id: A1\n    {key}: {value}\n")
    (p,) = problems(text)
    assert p.path == field
    assert "is one line of 1 to 200 characters" in p.message


@pytest.mark.parametrize("libyaml", BOTH_PARSERS)
@pytest.mark.parametrize(("text", "said"), [
    # the problem alone was half a sentence: "invalid YAML: second occurrence"
    ("a: &x 1\nb: &x 2\n", "duplicate anchor 'x'; first occurrence (line 1, column 4), second occurrence"),
    # "invalid YAML: but found another document"
    ("name: a\n---\nname: b\n", "expected a single document in the stream (line 1, column 1), "
                                "but found another document"),
])
def test_a_syntax_error_says_what_the_parser_was_doing(text: str, said: str, libyaml: bool) -> None:
    (p,) = parse_problems(text, libyaml)
    assert said in p.message, p.message
