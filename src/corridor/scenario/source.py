"""Safe YAML reading that remembers where every value came from.

Mappings load as :class:`SourceDict` and sequences as :class:`SourceList`; both are plain
``dict`` / ``list`` subclasses that also carry, for each key or index, the file, line and
column (1-based) of the value. Those positions survive merging (``extends``) because merged
containers copy them, so a validation error found after merging still points into the file
that said the bad value.

Parsing uses libyaml (``yaml.CSafeLoader``) when PyYAML was built with it, and the pure-Python
``yaml.SafeLoader`` otherwise; both give the same values and the same positions (taken from
each node's ``start_mark``). libyaml words its syntax errors differently, so a file it
rejects is read again by the pure loader, whose error (message and position) is the one
reported; and the few things the two treat differently (a tab, ``?``, a byte-order mark
inside the text, an empty value in a flow mapping) send a file to the pure loader. A file
therefore loads with the same positions, or fails with the same error, whichever loader is
installed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from corridor.errors import Problem, ScenarioError

Position = tuple[str, int, int]
MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
# Tags whose safe constructors build a value from a scalar node in one call.
SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "binary", "timestamp"))


class SourceDict(dict[str, Any]):
    """A mapping with ``positions[key] = (file, line, column)`` and its own ``start``."""

    positions: dict[str, Position]
    start: Position | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions = {}
        self.start = None


class SourceList(list[Any]):
    """A sequence with ``positions[i] = (file, line, column)`` and its own ``start``."""

    positions: list[Position | None]
    start: Position | None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.positions = [None] * len(self)
        self.start = None


# libyaml's loader; yaml.CSafeLoader only exists when PyYAML was built with libyaml.
_C_SAFE_LOADER: type[Any] | None = (
    getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None
)
#: PyYAML was built with libyaml, so :func:`read_yaml` parses with ``yaml.CSafeLoader``.
HAVE_LIBYAML: bool = _C_SAFE_LOADER is not None


class _ParsersDisagree(Exception):
    """libyaml placed a node where the pure parser would not: parse with the pure one."""


def _has_empty_flow_value(node: yaml.MappingNode) -> bool:
    """Does this flow mapping, or a mapping it merges (``<<``), hold an empty value
    (``{a: , b: 1}``)? libyaml places one at the next token, the pure parser just after the
    colon."""
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            if any(isinstance(s, yaml.MappingNode) and _has_empty_flow_value(s) for s in sources):
                return True
        elif (node.flow_style and isinstance(value_node, yaml.ScalarNode)
              and value_node.start_mark.index == value_node.end_mark.index):
            return True
    return False


def _loader_for(filename: str, base: type[Any] = yaml.SafeLoader) -> type[Any]:
    """A subclass of ``base``, ``yaml.SafeLoader`` or ``yaml.CSafeLoader`` (the same
    constructor and resolver, only the parser differs), that builds SourceDict / SourceList
    tagged with ``filename``.

    With libyaml, a mapping with an empty flow value (:func:`_has_empty_flow_value`) raises
    :class:`_ParsersDisagree`.
    """
    check_empty = base is not yaml.SafeLoader

    class Loader(base):
        pass

    scalars = {tag: Loader.yaml_constructors[tag] for tag in SCALAR_TAGS}

    def mark(node: yaml.Node) -> Position:
        return (filename, node.start_mark.line + 1, node.start_mark.column + 1)

    def construct(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
        """The value ``loader.construct_object(node, deep=True)`` gives, built directly for a
        scalar with a standard tag (construct_object's cache and cycle check only matter for
        collections)."""
        if type(node) is yaml.ScalarNode:
            if node.tag == STR_TAG:
                return node.value
            scalar = scalars.get(node.tag)
            if scalar is not None:
                return scalar(loader, node)
        return loader.construct_object(node, deep=True)

    def construct_mapping(loader: yaml.constructor.SafeConstructor, node: yaml.MappingNode) -> SourceDict:
        if check_empty and _has_empty_flow_value(node):
            raise _ParsersDisagree
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        out = SourceDict()
        out.start = mark(node)
        for key_node, value_node in node.value:
            key = construct(loader, key_node)
            if not isinstance(key, str):
                raise ScenarioError(
                    [Problem(filename, *mark(key_node)[1:], "", f"keys must be text, got {key!r}")]
                )
            if key in out:
                raise ScenarioError(
                    [Problem(filename, *mark(key_node)[1:], key, f"duplicate key {key!r}")]
                )
            out[key] = construct(loader, value_node)
            out.positions[key] = mark(value_node)
        return out

    def construct_sequence(loader: yaml.constructor.SafeConstructor, node: yaml.SequenceNode) -> SourceList:
        out = SourceList(construct(loader, child) for child in node.value)
        out.positions = [mark(child) for child in node.value]
        out.start = mark(node)
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def _parsers_may_differ(text: str) -> bool:
    """Does the text hold a character around which libyaml and the pure parser disagree?

    libyaml accepts a tab where the pure parser rejects it (``{a:<TAB>1}``) and a ``?``
    inside a plain scalar in a flow collection (``{a: b?}``, where the pure parser ends the
    scalar), and it skips a byte-order mark inside the text without counting its column.
    """
    return "\t" in text or "?" in text or text.find("\ufeff", 1) >= 0


def parse_yaml(text: str, name: str, *, libyaml: bool | None = None) -> Any:
    """Parse YAML text into SourceDict / SourceList / scalars, positions tagged with ``name``.

    ``libyaml``: parse with libyaml (True), the pure-Python parser (False), or libyaml when
    PyYAML has it (None). A text libyaml rejects is parsed again by the pure parser, so every
    ``yaml.YAMLError`` raised is the pure parser's; a text with a character the two treat
    differently (see :func:`_parsers_may_differ`) goes to the pure parser only, and so does
    one with an empty value in a flow mapping. Keys that are not text and duplicate keys
    raise :class:`ScenarioError`.
    """
    c_loader = None
    if libyaml or (libyaml is None and HAVE_LIBYAML):
        if _C_SAFE_LOADER is None:
            raise RuntimeError("PyYAML was built without libyaml")
        c_loader = _C_SAFE_LOADER
    with _gc_paused():
        if c_loader is not None and not _parsers_may_differ(text):
            try:
                return yaml.load(text, Loader=_loader_for(name, c_loader))  # noqa: S506 - safe
            except (yaml.YAMLError, _ParsersDisagree):
                pass  # a YAML error is said again below, in the pure parser's words and place
        return yaml.load(text, Loader=_loader_for(name, yaml.SafeLoader))  # noqa: S506 - safe


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector: building tens of thousands of nodes and
    containers (none of them garbage yet) would set it off over and over, about half the
    time of a large parse."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_yaml(path: Path, *, libyaml: bool | None = None) -> SourceDict:
    """Read one scenario file; raise :class:`ScenarioError` for a missing file or bad YAML.

    ``libyaml`` chooses the parser as in :func:`parse_yaml`.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, None, None, "", f"cannot read file: {exc}")]) from None
    try:
        data = parse_yaml(text, name, libyaml=libyaml)
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        line, col = (m.line + 1, m.column + 1) if m is not None else (None, None)
        msg = f"invalid YAML: {exc.problem or exc}"
        raise ScenarioError([Problem(name, line, col, "", msg)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, None, "", f"invalid YAML: {exc}")]) from None
    if data is None:
        data = SourceDict()
    if not isinstance(data, SourceDict):
        raise ScenarioError(
            [Problem(name, 1, 1, "", f"a scenario must be a mapping of sections, got {type(data).__name__}")]
        )
    return data


def locate(data: Any, loc: tuple[str | int, ...]) -> tuple[Position | None, str]:
    """Follow ``loc`` (a pydantic-style path) through loaded data.

    Returns the position of the deepest element reached and the dotted path of the elements
    that exist in the data (path elements that name a union branch rather than a key are
    skipped).
    """
    pos: Position | None = getattr(data, "start", None)
    parts: list[str] = []
    node = data
    for i, element in enumerate(loc):
        if isinstance(node, SourceDict) and isinstance(element, str) and element in node:
            pos = node.positions.get(element, pos)
            node = node[element]
            parts.append(element)
        elif isinstance(node, SourceList) and isinstance(element, int) and 0 <= element < len(node):
            pos = node.positions[element] or pos
            node = node[element]
            parts.append(f"[{element}]")
        elif i == len(loc) - 1 and isinstance(element, str) and isinstance(node, SourceDict):
            parts.append(element)  # a missing key: name it, at the position of its parent
        # otherwise: a union branch tag or validator name, not part of the data
    path = ".".join(parts).replace(".[", "[")
    return pos, path
