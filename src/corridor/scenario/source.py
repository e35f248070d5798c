"""Safe YAML reading that remembers where every value came from.

Mappings load as :class:`SourceDict` and sequences as :class:`SourceList`; both are plain
``dict`` / ``list`` subclasses that also carry, for each key or index, the file, line and
column (1-based) of the value. Those positions survive merging (``extends``) because merged
containers copy them, so a validation error found after merging still points into the file
that said the bad value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from corridor.errors import Problem, ScenarioError

Position = tuple[str, int, int]


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


def _loader_for(filename: str) -> type[yaml.SafeLoader]:
    """A SafeLoader subclass that builds SourceDict / SourceList tagged with ``filename``."""

    class Loader(yaml.SafeLoader):
        pass

    def mark(node: yaml.Node) -> Position:
        return (filename, node.start_mark.line + 1, node.start_mark.column + 1)

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> SourceDict:
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        out = SourceDict()
        out.start = mark(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise ScenarioError(
                    [Problem(filename, *mark(key_node)[1:], "", f"keys must be text, got {key!r}")]
                )
            if key in out:
                raise ScenarioError(
                    [Problem(filename, *mark(key_node)[1:], key, f"duplicate key {key!r}")]
                )
            out[key] = loader.construct_object(value_node, deep=True)
            out.positions[key] = mark(value_node)
        return out

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> SourceList:
        out = SourceList(loader.construct_object(child, deep=True) for child in node.value)
        out.positions = [mark(child) for child in node.value]
        out.start = mark(node)
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def read_yaml(path: Path) -> SourceDict:
    """Read one scenario file; raise :class:`ScenarioError` for a missing file or bad YAML."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, None, None, "", f"cannot read file: {exc}")]) from None
    try:
        data = yaml.load(text, Loader=_loader_for(name))  # noqa: S506 - a SafeLoader subclass
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
