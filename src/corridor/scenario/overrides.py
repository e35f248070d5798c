"""Changing one value of a scenario by its dotted path, then validating it again.

A sweep asks "what if Malaszewicze had 10 servers?" without a new file per value. A path
names a value the way a reader would: section, then the item's ``id``, then keys, e.g.
``places.MALASZEWICZE.servers``, ``services.KC-NQZ-VNO.timetable.days``,
``demand.FEU-XIAN-DUISBURG.per_week``, ``run.horizon_days``. Ids may hold dots; the longest
id that matches wins. A list whose items have no id (``timetable.times``) is indexed by
number from 0.

The change is made to the scenario's merged YAML data (after ``extends``), and the result is
validated by the same model and checks as a file (:func:`corridor.scenario.load.validate_raw`),
so a bad value gets the same located message a file would, naming the ``--set`` it came
from. The base data is never changed: only the containers along the path are copied.

Values on the command line are YAML, read as scenario files are (``12:30`` is text, ``no``
is text, ``[Mon, Thu]`` is a list), separated by commas outside brackets and quotes:

>>> [s.text for s in [parse_setting("places.B.servers=1,2,3")]][0]
('1', '2', '3')
>>> parse_setting("services.X.timetable.days=[Mon,Thu],[Mon,Tue,Thu],daily").values
(['Mon', 'Thu'], ['Mon', 'Tue', 'Thu'], 'daily')
>>> parse_setting("services.X.timetable.times=['06:00', '18:30']").values
(['06:00', '18:30'],)
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from corridor.errors import CorridorError, ScenarioError
from corridor.scenario.extends import resolve
from corridor.scenario.load import validate_raw
from corridor.scenario.schema import Scenario
from corridor.scenario.source import Position, SourceDict, SourceList, parse_yaml, shown

MAX_VALUES = 1000  # values of one setting
MAX_SETTING_CHARS = 10_000
#: lists, mappings and scalars in all the values of one setting, an alias counted as all it
#: repeats: 10,000 characters of anchors and aliases can stand for billions, each copied
#: into every scenario a run validates
MAX_SETTING_NODES = 20_000


@dataclass(frozen=True)
class Setting:
    """One ``--set PATH=V1,V2,...``: the path and its values (parsed, and as typed)."""

    path: str
    values: tuple[Any, ...]
    text: tuple[str, ...]

    @property
    def numeric(self) -> bool:
        """Every value is a number (so a table column and a plot axis can be numeric)."""
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)


def load_raw(path: str | os.PathLike[str], *,
             allow_paths: Sequence[str | os.PathLike[str]] = ()) -> SourceDict:
    """A scenario file merged with everything it extends, not yet validated."""
    from pathlib import Path

    return resolve(Path(path), allow_paths=allow_paths)


def split_values(text: str) -> list[str]:
    """``text`` cut at the commas that stand outside brackets, braces and quotes.

    >>> split_values("[Mon,Thu],daily,'a,b'")
    ['[Mon,Thu]', 'daily', "'a,b'"]
    """
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth < 0:
                raise CorridorError(f"unbalanced {ch!r} in {shown(text)}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quote or depth:
        raise CorridorError(f"unclosed {'quote' if quote else 'bracket'} in {shown(text)}")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def value_key(value: Any) -> str:
    """A value's text for spotting repeats: a whole number the same with or without a point
    (``1`` and ``1.0`` set a number field alike)."""
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(value_key(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {value_key(v)}" for k, v in value.items()) + "}"
    return repr(value)


def parse_setting(text: str, *, repeats: bool = False) -> Setting:
    """``PATH=V1,V2,...`` as a :class:`Setting`; a clear error for anything malformed. A value
    given twice is refused unless ``repeats`` (``sweep --zip``, where the k-th combination takes
    the k-th value of every setting, so one setting may repeat a value while another moves)."""
    if len(text) > MAX_SETTING_CHARS:
        raise CorridorError(f"--set {shown(text)}: longer than {MAX_SETTING_CHARS:,} characters")
    path, eq, rest = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise CorridorError(f"--set {shown(text)}: write PATH=V1,V2,... "
                            "(e.g. places.MALASZEWICZE.servers=1,2)")
    if any(not part for part in path.split(".")):
        raise CorridorError(f"--set {shown(text)}: the path {shown(path)} has an empty part")
    try:
        pieces = split_values(rest)
    except CorridorError as exc:
        raise CorridorError(f"--set {shown(text)}: {exc}") from None
    if any(not p for p in pieces):
        raise CorridorError(f"--set {shown(text)}: an empty value (two commas, or a comma at an end); "
                            "quote text that holds a comma")
    if len(pieces) > MAX_VALUES:
        raise CorridorError(f"--set {path}: {len(pieces):,} values; at most {MAX_VALUES:,}")
    values: list[Any] = []
    left = MAX_SETTING_NODES
    for piece in pieces:
        try:
            values.append(_plain(parse_yaml(piece, f"--set {path}", max_nodes=left)))
            left -= _size(values[-1])
        except ScenarioError as exc:
            reason = exc.problems[0].message if exc.problems else str(exc)
            if reason.startswith(f"more than {left:,} values"):
                raise CorridorError(f"--set {path}: its values hold more than {MAX_SETTING_NODES:,} "
                                    "lists, mappings and scalars in all (an alias counts as all it "
                                    "repeats)") from None
            raise CorridorError(f"--set {path}: cannot read value {shown(piece)}: {reason}") from None
        except Exception as exc:  # a YAML syntax error: its problem ("found character '@' that
            # cannot start any token"), not only its context ("while scanning for the next token")
            problem = getattr(exc, "problem", None)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            said = f"{first}: {problem}" if problem and problem not in first else first
            raise CorridorError(f"--set {path}: cannot read value {shown(piece)} as YAML: {said}") from None
    if not repeats and len(set(map(value_key, values))) != len(values):
        raise CorridorError(f"--set {path}: a value is given twice")
    return Setting(path, tuple(values), tuple(pieces))


def _size(value: Any) -> int:
    """Lists, mappings and scalars in ``value``, itself and keys included, as the YAML
    reader counts them.

    >>> _size({"a": [1, 2], "b": None})
    7
    """
    if isinstance(value, dict):
        return 1 + sum(1 + _size(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_size(v) for v in value)
    return 1


def _plain(value: Any) -> Any:
    """Loaded YAML as plain dicts and lists (positions are set again where the value goes)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _where(parts: Sequence[str]) -> str:
    return ".".join(parts) or "the scenario"


def _item_index(items: list[Any], parts: list[str], i: int, done: list[str]) -> tuple[int, int]:
    """The list item parts[i:] start with: (index, parts used). Longest id first, then a number."""
    ids: dict[str, int] = {item["id"]: k for k, item in enumerate(items)
                           if isinstance(item, dict) and isinstance(item.get("id"), str)}
    for j in range(len(parts), i, -1):
        candidate = ".".join(parts[i:j])
        if candidate in ids:
            return ids[candidate], j - i
    if not ids and parts[i].isdigit() and int(parts[i]) < len(items):  # items with ids go by id:
        return int(parts[i]), 1  # ``services.1`` would change whichever service came second
    if ids:
        close = difflib.get_close_matches(parts[i], sorted(ids), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CorridorError(f"{_where(done)} has no item with id {shown(parts[i])}{hint}")
    if not items:
        raise CorridorError(f"{_where(done)} is empty: there is no {shown(parts[i])} to set (--set changes "
                            "what the scenario has; add items in a file that extends it)")
    count = f"{len(items)} item{'s' if len(items) != 1 else ''}"
    raise CorridorError(f"{_where(done)} has {count} and no ids; {shown(parts[i])} is not an index "
                        f"from 0 to {len(items) - 1}")


def _walk(raw: SourceDict, path: str) -> list[str | int]:
    """The keys and indexes ``path`` names in ``raw``, or a clear error. The last key of a
    mapping may be absent (a default being set); validation then judges it."""
    parts = path.split(".")
    steps: list[str | int] = []
    done: list[str] = []
    node: Any = raw
    i = 0
    while i < len(parts):
        if isinstance(node, dict):
            key = parts[i]
            if key not in node:
                if i == len(parts) - 1:
                    steps.append(key)
                    return steps
                close = difflib.get_close_matches(key, sorted(map(str, node)), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise CorridorError(f"{_where(done)} has no {shown(key)}{hint}")
            steps.append(key)
            done.append(key)
            node = node[key]
            i += 1
        elif isinstance(node, list):
            index, used = _item_index(node, parts, i, done)
            steps.append(index)
            done.append(".".join(parts[i:i + used]))
            node = node[index]
            i += used
        else:
            raise CorridorError(f"{_where(done)} is a single value ({shown(str(node))}); nothing inside "
                                f"it to set ({shown('.'.join(parts[i:]))} is left over)")
    return steps


#: paths a sweep cannot vary: setting them would change nothing, silently
FIXED = {
    "run.seed": "every combination runs with the same seed (common random numbers); give --seed",
    "run.replications": "every combination runs the same replications; give --replications",
    "extends": "the scenario is already merged with what it extends; set the values themselves",
    "services_from": "the feed's services are imported once, when the scenario is read; write a "
                     "scenario for each feed or route list (extends) and compare or run them",
    "remove": "items are removed as the files of an extends chain are merged, before a setting "
              "applies; write a scenario that extends this one and removes them, and compare them",
}


def check_setting(raw: SourceDict, setting: Setting) -> None:
    """Refuse a path that names nothing in the scenario, or a value a sweep cannot vary,
    before anything runs."""
    fixed = [setting.path] if setting.path in FIXED else []
    for section in ("services_from", "remove"):
        if setting.path.startswith(section + "."):
            fixed = [section]
    if setting.path == "run":
        fixed = [f"run.{key}" for key in ("seed", "replications")
                 if any(isinstance(v, dict) and key in v for v in setting.values)]
    if fixed:
        raise CorridorError(f"--set {setting.path}: {FIXED[fixed[0]]}")
    try:
        _walk(raw, setting.path)
    except CorridorError as exc:
        raise CorridorError(f"--set {setting.path}: {exc}") from None


def check_settings(raw: SourceDict, settings: Sequence[Setting]) -> None:
    """:func:`check_setting` for each, and refuse one that a later setting replaces whole
    (``places.X.servers`` before ``places.X``): it would change nothing, silently. A setting
    inside one given before it changes the value that one set, and is kept."""
    for setting in settings:
        check_setting(raw, setting)
    steps = [_walk(raw, setting.path) for setting in settings]
    for i, early in enumerate(settings):
        for j in range(i + 1, len(settings)):
            if steps[i][:len(steps[j])] == steps[j]:
                raise CorridorError(f"--set {early.path}: --set {settings[j].path}, given after it, "
                                    "replaces what it sets whole; give the later one first, or "
                                    "drop one")


def _copy(node: Any) -> Any:
    """A shallow copy that keeps what the loader noted on the container (positions, start,
    and anything else), with a list of positions of its own."""
    if isinstance(node, SourceDict):
        out = SourceDict(node)
        out.__dict__.update(node.__dict__)
        out.positions = dict(node.positions)
        return out
    if isinstance(node, SourceList):
        lst = SourceList(node)
        lst.__dict__.update(node.__dict__)
        lst.positions = list(node.positions)
        return lst
    return type(node)(node)


def _sourced(value: Any, where: Position) -> Any:
    """``value`` as loaded data whose every position is ``where`` (the --set it came from)."""
    if isinstance(value, dict):
        d = SourceDict({k: _sourced(v, where) for k, v in value.items()})
        d.positions, d.start = dict.fromkeys(value, where), where
        return d
    if isinstance(value, list):
        lst = SourceList([_sourced(v, where) for v in value])
        lst.positions, lst.start = [where] * len(value), where
        return lst
    return value


def apply(raw: SourceDict, changes: Sequence[tuple[str, Any]], *,
          labels: Sequence[str] | None = None) -> SourceDict:
    """``raw`` with each ``(path, value)`` set (the value replaces what is there whole; ``None``
    takes a key out, as ``null`` does in a file that extends); ``raw`` itself is left as it was. ``labels``
    (one per change, default ``--set PATH=VALUE``) are where a problem with the value is said
    to come from."""
    root = _copy(raw)
    for k, (path, value) in enumerate(changes):
        steps = _walk(root, path)
        label = labels[k] if labels is not None else f"--set {path}={value!r}"
        where = cast(Position, (label, None, None))
        node = root
        for step in steps[:-1]:
            child = _copy(node[step])
            node[step] = child
            node = child
        last = steps[-1]
        if isinstance(node, SourceDict) and value is None:  # taken out, as null in a file: the default
            node.pop(cast(str, last), None)
            node.positions.pop(cast(str, last), None)
        elif isinstance(node, SourceDict):
            node[cast(str, last)] = _sourced(value, where)
            node.positions[cast(str, last)] = where
        else:
            node[cast(int, last)] = _sourced(value, where)
            node.positions[cast(int, last)] = where
    return root


def scenario_with(raw: SourceDict, name: str, changes: Sequence[tuple[str, Any]],
                  *, labels: Sequence[str] | None = None) -> Scenario:
    """The scenario with ``changes`` made, validated as a file is (a located
    :class:`~corridor.errors.ScenarioError` if a value is bad)."""
    if labels is None:
        labels = [f"--set {path}={value!r}" for path, value in changes]
    return validate_changed(apply(raw, changes, labels=labels), name, labels)


def validate_changed(raw: SourceDict, name: str, labels: Sequence[str]) -> Scenario:
    """``raw``, changed by what ``labels`` name (:func:`apply`), validated as a file is. A
    problem located at a changed value names its ``--set``; one that a check across fields
    finds elsewhere (a flow's gateways when its ``kind`` was set, a run's bound when a
    ``per_week`` was) is located in the file, and says which changes were made."""
    try:
        return validate_raw(raw, name)
    except ScenarioError as exc:
        given = set(labels)
        if not given or all(p.file in given for p in exc.problems):
            raise
        made = ", ".join(labels)
        raise ScenarioError([p if p.file in given else replace(p, message=f"{p.message} (with {made})")
                             for p in exc.problems]) from None
