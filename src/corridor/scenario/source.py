"""Safe, bounded YAML reading that remembers where every value came from.

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

What a scenario file may hold is deliberately small and bounded:

* Only plain data: mappings, lists, text, numbers, ``true``/``false`` and null. Scalars are
  typed by the YAML 1.2 core schema, not YAML 1.1: ``12:30`` is text (1.1 read it as the
  base-60 number 750), ``no`` is text (Norway's country code, not false), ``2027-03-01`` is
  text that the schema reads as a date (so an impossible date is a located validation
  error), and ``!!binary``, ``!!timestamp``, ``!!set`` and every other tag but ``!!str``,
  ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq`` and ``!!map`` are refused.
* At most :data:`MAX_FILE_BYTES` bytes, read from a regular file only (never a pipe or a
  device, which could block or never end).
* At most :data:`MAX_DEPTH` levels of nested lists and mappings, and at most
  :data:`MAX_NODES` values in all, counting what an alias (``*name``) repeats as often as it
  is repeated (so an alias "bomb" cannot blow up later stages). These limits are checked on
  the event stream, before any node is built.
* Integers of at most :data:`MAX_INT_DIGITS` digits.
"""

from __future__ import annotations

import gc
import math
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from corridor.errors import Problem, ScenarioError

Position = tuple[str, int, int]
TAG = "tag:yaml.org,2002:"
MERGE_TAG = TAG + "merge"
STR_TAG = TAG + "str"

#: Largest scenario file read, in bytes (the largest benchmark scenario, 2,304 services, is
#: under 0.5 MB; 20,000 services are about 4 MB).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Most values (scalars, lists and mappings, aliases counted in full) in a file and all the
#: files it extends together. 20,000 services hold about 300,000.
MAX_NODES = 1_000_000
#: Deepest nesting of lists and mappings; a scenario needs 5 (waypoints of a service).
MAX_DEPTH = 32
#: Longest integer literal; a 64-bit seed has 20 digits.
MAX_INT_DIGITS = 30


def kind_of(value: Any) -> str:
    """What a loaded value is, in the words of a scenario's author (not Python's type names).

    >>> kind_of(SourceList()), kind_of({}), kind_of("x"), kind_of(True), kind_of(2.5)
    ('a list', 'a mapping', 'text', 'true/false', 'a number')
    """
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return "a value of another kind"


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a message: control characters escaped, at most ``limit`` characters.

    >>> print(shown("a\\x1b[2Jb"), shown("x" * 80)[-6:])
    'a\\x1b[2Jb' xxx...
    """
    out = repr(text)
    return out if len(out) <= limit else out[: limit - 3] + "..."


class SourceDict(dict[str, Any]):
    """A mapping with ``positions[key] = (file, line, column)`` and its own ``start``.

    ``size``, on a mapping :func:`read_yaml` returns, is the number of values in its file
    (aliases counted in full)."""

    positions: dict[str, Position]
    start: Position | None
    size: int
    #: on a merged scenario: the ids a ``remove`` dropped, and where it says so
    removed: dict[str, Position]
    #: on a merged scenario: the files read, the scenario's first and those it extends after
    files: tuple[Path, ...]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions = {}
        self.start = None
        self.size = 0
        self.removed = {}
        self.files = ()


class SourceList(list[Any]):
    """A sequence with ``positions[i] = (file, line, column)`` and its own ``start``.

    ``own``, on a section merged from several files (``extends``), gives for each item its
    index in each file that gives it (``{file: index}``): an item is named by its index in
    the file a message points into, not by where merging put it. Empty: every item's index
    is its own."""

    positions: list[Position | None]
    start: Position | None
    own: list[dict[str, int]]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.positions = [None] * len(self)
        self.start = None
        self.own = []

    def own_index(self, i: int, file: str) -> int:
        """Item ``i``'s index in ``file`` (``i`` when the file does not give it apart)."""
        return self.own[i].get(file, i) if i < len(self.own) else i


# libyaml's loader; yaml.CSafeLoader only exists when PyYAML was built with libyaml.
_C_SAFE_LOADER: type[Any] | None = (
    getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None
)
#: PyYAML was built with libyaml, so :func:`read_yaml` parses with ``yaml.CSafeLoader``.
HAVE_LIBYAML: bool = _C_SAFE_LOADER is not None


class _ParsersDisagree(Exception):
    """libyaml placed a node where the pure parser would not: parse with the pure one."""


class _Refused(ConstructorError):
    """A value YAML allows but a scenario does not (a tag, a huge integer); its message is
    reported as it is, without the ``invalid YAML`` of a syntax error."""


# ---- the YAML 1.2 core schema's implicit types -------------------------------------------

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NONZERO = re.compile("[1-9]")
_SPECIAL_FLOAT = {".inf": float("inf"), ".nan": float("nan")}


class _CoreResolver(yaml.resolver.BaseResolver):
    """Implicit tags of the YAML 1.2 core schema (and ``<<`` merge keys)."""


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", rf"^(?:{_INT.pattern})$", "-+0123456789"),
    ("float", rf"^(?:{_FLOAT.pattern}|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    _CoreResolver.add_implicit_resolver(TAG + _tag, re.compile(_pattern), list(_first))


def _scalar_text(loader: Any, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _Refused(None, None, f"!!{what} needs a single value, not {node.id}", node.start_mark)
    return str(node.value)


def _construct_null(loader: Any, node: yaml.Node) -> None:
    _scalar_text(loader, node, "null")
    return None


def _construct_bool(loader: Any, node: yaml.Node) -> bool:
    text = _scalar_text(loader, node, "bool").lower()
    if text not in ("true", "false"):
        raise _Refused(None, None, f"!!bool {shown(text)} is neither true nor false", node.start_mark)
    return text == "true"


def _construct_int(loader: Any, node: yaml.Node) -> int:
    text = _scalar_text(loader, node, "int")
    if _INT.fullmatch(text) is None:
        raise _Refused(None, None, f"{shown(text)} is not an integer", node.start_mark)
    digits = text.lstrip("+-")
    if len(digits) > MAX_INT_DIGITS:
        raise _Refused(
            None, None, f"an integer of {len(digits):,} digits; at most {MAX_INT_DIGITS} are read",
            node.start_mark,
        )
    if digits.startswith(("0o", "0x")):
        return int(digits[2:], 8 if digits[1] == "o" else 16)
    return int(text, 10)


def _construct_float(loader: Any, node: yaml.Node) -> float:
    text = _scalar_text(loader, node, "float")
    special = text.lower().lstrip("+")
    if special in _SPECIAL_FLOAT or special == "-.inf":
        return -_SPECIAL_FLOAT[".inf"] if special == "-.inf" else _SPECIAL_FLOAT[special]
    if _FLOAT.fullmatch(text) is None:
        raise _Refused(None, None, f"{shown(text)} is not a number", node.start_mark)
    value = float(text)
    # a number a double cannot hold would be reported, and used, as 0.0 or inf: said as written
    if value == 0.0 and _NONZERO.search(text.lower().partition("e")[0]):
        raise _Refused(None, None, f"{shown(text)} is too close to zero to be held as a number "
                       "(it would read as 0; write 0 if that is meant)", node.start_mark)
    if math.isinf(value):
        raise _Refused(None, None, f"{shown(text)} is too large to be held as a number "
                       "(the largest is about 1.8e308)", node.start_mark)
    return value


# What a double-quoted scalar's escapes could put in text and no scenario needs: control
# characters (tab and line feed aside) and lone surrogates (not characters: they cannot be
# printed or written as UTF-8). The YAML reader refuses them written out.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _construct_str(loader: Any, node: yaml.Node) -> str:
    text = _scalar_text(loader, node, "str")
    found = _UNPRINTABLE.search(text) if node.style == '"' else None
    if found is not None:
        raise _Refused(
            None, None, f"text holds the control character or lone surrogate {found.group()!r}",
            node.start_mark,
        )
    return text


def _construct_refused(loader: Any, node: yaml.Node) -> Any:
    tag = str(node.tag)
    tag = "!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag
    raise _Refused(
        None, None,
        f"the tag {shown(tag)} is not allowed: a scenario holds only text, numbers, "
        "true/false, null, lists and mappings",
        node.start_mark,
    )


# ---- limits, checked on the event stream ---------------------------------------------------

class _Budget:
    """Feeds on parser events in order and raises :class:`ScenarioError` as soon as the text
    nests deeper than :data:`MAX_DEPTH` or holds more than ``max_nodes`` values, an alias
    counting as everything its anchor holds; or on an alias inside the collection it names.

    :meth:`feed` returns False at an event the composer will reject (an undefined alias, a
    duplicate anchor, a second document): the composer's error is the one to report.

    ``check_empty``: raise :class:`_ParsersDisagree` at an empty value in a flow mapping
    (``{a: , b: 1}``), which libyaml places at the next token and the pure parser just after
    the colon.
    """

    def __init__(self, name: str, max_nodes: int, *, counted: int = 0, check_empty: bool = False) -> None:
        self.name = name
        self.max_nodes = max_nodes
        self.check_empty = check_empty
        self.counted = counted  # values of other files (those read before) that count too
        self.count = counted
        self.documents = 0
        # per open collection: [anchor, count at its start, tallest child, flow mapping?, at key?]
        self.stack: list[list[Any]] = []
        self.open: set[str] = set()
        self.done: dict[str, tuple[int, int]] = {}  # anchor -> (values, height)

    def _fail(self, mark: Any, message: str) -> ScenarioError:
        return ScenarioError([Problem(self.name, mark.line + 1, mark.column + 1, "", message)])

    def _add(self, values: int, height: int, mark: Any) -> None:
        self.count += values
        if self.count > self.max_nodes:
            others = " with the scenario files read before it" if self.counted else ""
            raise self._fail(
                mark, f"more than {self.max_nodes:,} values{others} (an alias counts as all it "
                "repeats); a scenario this large is refused",
            )
        if len(self.stack) + height > MAX_DEPTH:
            raise self._fail(
                mark, f"lists and mappings nested more than {MAX_DEPTH} deep; a scenario needs 5"
            )

    def _child(self, event: Event) -> None:
        """Bookkeeping of the mapping that holds a new node: keys and values alternate, and
        an empty value in a flow mapping is where the two parsers disagree."""
        top = self.stack[-1]
        at_key = top[4]
        top[4] = not at_key
        if (top[3] and not at_key and self.check_empty and type(event) is ScalarEvent
                and event.start_mark.index == event.end_mark.index):
            raise _ParsersDisagree

    def feed(self, event: Event) -> bool:
        kind = type(event)
        stack = self.stack
        if kind is ScalarEvent:  # the common case first, and quickly
            anchor = event.anchor
            if anchor is not None and (anchor in self.done or anchor in self.open):
                return False  # duplicate anchor
            if stack and stack[-1][3] is not None:
                self._child(event)
            self.count += 1
            if self.count > self.max_nodes:
                self._add(0, 0, event.start_mark)
            if anchor is not None:
                self.done[anchor] = (1, 0)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            anchor = event.anchor
            if anchor is not None and (anchor in self.done or anchor in self.open):
                return False  # duplicate anchor
            if stack and stack[-1][3] is not None:
                self._child(event)
            flow_mapping = event.flow_style if kind is MappingStartEvent else None
            stack.append([anchor, self.count, 0, flow_mapping, True])
            self._add(1, 0, event.start_mark)
            if anchor is not None:
                self.open.add(anchor)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            anchor, start, tallest, _, _ = stack.pop()
            height = tallest + 1
            if stack and stack[-1][2] < height:
                stack[-1][2] = height
            if anchor is not None:
                self.open.discard(anchor)
                self.done[anchor] = (self.count - start, height)
        elif kind is AliasEvent:
            anchor = event.anchor
            if anchor in self.open:
                raise self._fail(event.start_mark, f"the alias *{anchor} is inside the collection it names")
            if anchor not in self.done or not stack:
                return False  # undefined alias
            if stack[-1][3] is not None:
                self._child(event)
            values, height = self.done[anchor]
            self._add(values, height, event.start_mark)
            if stack[-1][2] < height:
                stack[-1][2] = height
        elif kind is DocumentStartEvent:
            self.documents += 1
            return self.documents == 1
        return True


def _loader_for(filename: str, base: type[Any] = yaml.SafeLoader, budget: _Budget | None = None) -> type[Any]:
    """A subclass of ``base``, ``yaml.SafeLoader`` or ``yaml.CSafeLoader`` (the same
    constructor and resolver, only the parser differs), that types scalars by the core schema
    and builds SourceDict / SourceList tagged with ``filename``.

    ``budget``: fed every event the composer takes (the pure parser only; libyaml composes in
    C, so its text is measured by a pass over the events first).
    """

    class Loader(base):
        yaml_implicit_resolvers = _CoreResolver.yaml_implicit_resolvers
        yaml_constructors: dict[Any, Any] = {}
        root: yaml.Node | None = None  # the document being built, to name where an error is

        def construct_document(self, node: yaml.Node) -> Any:
            self.root = node
            return super().construct_document(node)

        if budget is not None:
            def get_event(self) -> Any:
                event = super().get_event()
                budget.feed(event)
                return event

    def mark(node: yaml.Node) -> Position:
        return (filename, node.start_mark.line + 1, node.start_mark.column + 1)

    def construct(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
        """The value ``loader.construct_object(node, deep=True)`` gives, built directly for a
        scalar with a standard tag (construct_object's cache and cycle check only matter for
        collections)."""
        if type(node) is yaml.ScalarNode:
            if node.tag == STR_TAG:
                return node.value if node.style != '"' else _construct_str(loader, node)
            scalar = scalars.get(node.tag)
            if scalar is not None:
                return scalar(loader, node)
        return loader.construct_object(node, deep=True)

    def merged(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> list[SourceDict]:
        """The mappings a merge key names (``<<: *a`` or ``<<: [*a, *b]``), each as loaded."""
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for sub in nodes:
            if not isinstance(sub, yaml.MappingNode):
                what = "a mapping" if sub is not node else "a mapping or list of mappings"
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f"expected {what} for merging, but found {sub.id}", sub.start_mark)
        return [construct(loader, sub) for sub in nodes]

    def construct_mapping(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> SourceDict:
        """The mapping's own keys, each at most once, and those of the mappings it merges
        (``<<``) that it does not give itself, the earlier mapping's first: YAML's merge rule,
        which PyYAML's in-place flattening gets wrong for a mapping that merges one that
        merges."""
        if not isinstance(node, yaml.MappingNode):
            raise _Refused(None, None, f"!!map needs a mapping, not a {node.id}", node.start_mark)
        own = SourceDict()
        sources: list[SourceDict] | None = None
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                if sources is not None:
                    where = _node_path(loader.root, node)  # type: ignore[attr-defined]
                    raise ScenarioError([Problem(filename, *mark(key_node)[1:], where, "duplicate key '<<'")])
                sources = merged(loader, value_node)
                continue
            key = construct(loader, key_node)
            if not isinstance(key, str):
                raise ScenarioError(
                    [Problem(filename, *mark(key_node)[1:], "", f"keys must be text, not {kind_of(key)}")]
                )
            if key in own:
                where = _node_path(loader.root, node)  # type: ignore[attr-defined]
                path = _path_part(key) if not where else f"{where}.{_path_part(key)}"
                problem = Problem(filename, *mark(key_node)[1:], path, f"duplicate key {shown(key)}")
                raise ScenarioError([problem])
            own[key] = construct(loader, value_node)
            own.positions[key] = mark(value_node)
        out = SourceDict()
        out.start = mark(node)
        for source in sources or []:
            for key, value in source.items():
                if key not in own and key not in out:
                    out[key] = value
                    out.positions[key] = source.positions[key]
        out.update(own)
        out.positions.update(own.positions)
        return out

    def construct_sequence(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> SourceList:
        if not isinstance(node, yaml.SequenceNode):
            raise _Refused(None, None, f"!!seq needs a list, not a {node.id}", node.start_mark)
        out = SourceList(construct(loader, child) for child in node.value)
        out.positions = [mark(child) for child in node.value]
        out.start = mark(node)
        return out

    Loader.yaml_constructors = {
        TAG + "null": _construct_null,
        TAG + "bool": _construct_bool,
        TAG + "int": _construct_int,
        TAG + "float": _construct_float,
        STR_TAG: _construct_str,
        TAG + "seq": construct_sequence,
        TAG + "map": construct_mapping,
        None: _construct_refused,
    }
    scalars = {TAG + t: Loader.yaml_constructors[TAG + t] for t in ("null", "bool", "int", "float")}
    return Loader


def _parsers_may_differ(text: str) -> bool:
    """Does the text hold a character around which libyaml and the pure parser disagree?

    libyaml accepts a tab where the pure parser rejects it (``{a:<TAB>1}``) and a ``?``
    inside a plain scalar in a flow collection (``{a: b?}``, where the pure parser ends the
    scalar), and it skips a byte-order mark inside the text without counting its column.
    """
    return "\t" in text or "?" in text or text.find("\ufeff", 1) >= 0


def _load(text: str, loader_class: type[Any]) -> Any:
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_yaml(text: str, name: str, *, libyaml: bool | None = None, max_nodes: int = MAX_NODES,
               counted: int = 0) -> Any:
    """Parse YAML text into SourceDict / SourceList / scalars, positions tagged with ``name``.

    ``libyaml``: parse with libyaml (True), the pure-Python parser (False), or libyaml when
    PyYAML has it (None). A text libyaml rejects is parsed again by the pure parser, so every
    ``yaml.YAMLError`` raised is the pure parser's; a text with a character the two treat
    differently (see :func:`_parsers_may_differ`) goes to the pure parser only, and so does
    one with an empty value in a flow mapping. Keys that are not text, duplicate keys, and a
    text over the limits (``max_nodes`` values, ``counted`` of them already used by other
    files; :data:`MAX_DEPTH` levels) raise :class:`ScenarioError`. A returned SourceDict's
    ``size`` is its number of values.
    """
    c_loader = None
    if libyaml or (libyaml is None and HAVE_LIBYAML):
        if _C_SAFE_LOADER is None:
            raise RuntimeError("PyYAML was built without libyaml")
        c_loader = _C_SAFE_LOADER
    with _gc_paused():
        if c_loader is not None and not _parsers_may_differ(text):
            budget = _Budget(name, max_nodes, counted=counted, check_empty=True)
            try:
                # Measure first: libyaml builds every node in C before any Python runs. A
                # limit passed is reported as it is (the events' positions are the pure
                # parser's: the texts where they differ go to the pure parser).
                for event in yaml.parse(text, Loader=c_loader):
                    if not budget.feed(event):
                        break
                data = _load(text, _loader_for(name, c_loader))
            except (yaml.YAMLError, _ParsersDisagree):
                pass  # said again below, in the pure parser's words and place
            else:
                if isinstance(data, SourceDict):
                    data.size = budget.count - counted
                return data
        budget = _Budget(name, max_nodes, counted=counted)
        data = _load(text, _loader_for(name, yaml.SafeLoader, budget))
        if isinstance(data, SourceDict):
            data.size = budget.count - counted
        return data


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


def read_text(path: Path, *, follow_symlinks: bool = True) -> str:
    """The text of a scenario file: a regular file of at most :data:`MAX_FILE_BYTES` bytes in
    UTF-8, line ends made ``\\n``. Anything else raises :class:`ScenarioError` at once (a pipe
    or a device is never read from, so it can neither block nor run on for ever)."""
    name = str(path)

    def fail(message: str, line: int | None = None, col: int | None = None) -> ScenarioError:
        return ScenarioError([Problem(name, line, col, "", message)])

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise fail("file not found") from None
    except IsADirectoryError:
        raise fail("is a folder, not a scenario file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise fail(f"cannot read file: {_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise fail("is a folder, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise fail("is not a regular file (a pipe, device or socket is never read)")
        if info.st_size > MAX_FILE_BYTES:
            raise fail(_too_large(info.st_size))
        chunks = []
        size = 0
        while size <= MAX_FILE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise fail(f"cannot read file: {_reason(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        raise fail(_too_large(len(data)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(f"cannot read file: not UTF-8 text (byte 0x{data[exc.start]:02x})", line, col) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _too_large(size: int) -> str:
    return (f"file of more than {MAX_FILE_BYTES // 2**20} MiB ({size:,} bytes or more); "
            "a scenario this large is refused")


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """A syntax error in words, with what the parser was doing when its line is another: the
    problem alone can be half a sentence ("second occurrence" of an anchor, "but found another
    document")."""
    if not exc.problem:
        return str(exc)
    if not exc.context:
        return exc.problem
    c, m = exc.context_mark, exc.problem_mark
    there = f" (line {c.line + 1}, column {c.column + 1})" if c is not None and m is not None and \
        c.line != m.line else ""
    return f"{exc.context}{there}, {exc.problem}"


def read_yaml(path: Path, *, libyaml: bool | None = None, max_nodes: int = MAX_NODES, counted: int = 0,
              follow_symlinks: bool = True, name: str | None = None) -> SourceDict:
    """Read one scenario file; raise :class:`ScenarioError` for a file that cannot be read
    (see :func:`read_text`), bad YAML, or a text over the limits (see :func:`parse_yaml`).

    ``libyaml`` chooses the parser as in :func:`parse_yaml`; ``follow_symlinks=False`` refuses
    a file whose name is a symbolic link. ``name``: the file's name in positions and messages
    (``path`` as given by default).
    """
    name = str(path) if name is None else name
    text = read_text(path, follow_symlinks=follow_symlinks)
    try:
        data = parse_yaml(text, name, libyaml=libyaml, max_nodes=max_nodes, counted=counted)
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        line, col = (m.line + 1, m.column + 1) if m is not None else (None, None)
        refused = isinstance(exc, _Refused)
        msg = str(exc.problem) if refused else f"invalid YAML: {_yaml_problem(exc)}"
        where = _path_at(text, m.index) if refused and m is not None else ""
        raise ScenarioError([Problem(name, line, col, where, msg)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, at an index
        at = min(max(int(exc.position), 0), len(text))
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        msg = f"invalid YAML: the character U+{char:04X} is not allowed ({exc.reason})"
        raise ScenarioError([Problem(name, line, col, "", msg)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, None, "", f"invalid YAML: {exc}")]) from None
    if data is None:
        data = SourceDict()
    if not isinstance(data, SourceDict):
        raise ScenarioError(
            [Problem(name, 1, 1, "", f"a scenario must be a mapping of sections, not {kind_of(data)}")]
        )
    return data


def _path_at(text: str, index: int) -> str:
    """The dotted path (``run.horizon_days``, ``places[2].lat``) of the node that starts at
    ``index`` of ``text``, or "" when none does. A value refused while it is built (a tag, an
    integer too large) fails before there is data to :func:`locate` it in; the text is composed
    again, to nodes only (which builds no value, so nothing is refused), and searched."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ""
    seen: set[int] = set()  # an alias may point back at a node that holds it
    todo: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())] if root is not None else []
    while todo:
        node, parts = todo.pop()
        if node.start_mark.index == index and parts:
            return ".".join(parts).replace(".[", "[")
        if id(node) in seen:
            continue
        seen.add(id(node))
        # children in the order of the text (the stack pops the last first), so a node is
        # reached where it is written before where an alias repeats it
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if key.start_mark.index == index:
                    return ".".join(parts).replace(".[", "[")  # a key refused: its mapping
                label = _path_part(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                todo.append((value, (*parts, label)))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, (*parts, f"[{k}]")) for k, item in reversed(list(enumerate(node.value))))
    return ""


def _node_path(root: yaml.Node | None, target: yaml.Node) -> str:
    """The dotted path (``services[1].timetable``) from the document's ``root`` to the node
    ``target``, by the first way to it ("" for the root, or when it is not found)."""
    stack: list[tuple[yaml.Node, str]] = [] if root is None else [(root, "")]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                part = _path_part(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                stack.append((value, f"{path}.{part}" if path else part))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(node.value))))
    return ""


def _path_part(key: str) -> str:
    """A key as it appears in a dotted path: escaped if it holds control characters, and cut
    short if long."""
    if key.isprintable() and len(key) <= 60:
        return key
    return shown(key)


def locate(data: Any, loc: tuple[str | int, ...]) -> tuple[Position | None, str]:
    """Follow ``loc`` (a pydantic-style path) through loaded data.

    Returns the position of the deepest element reached and the dotted path of the elements
    that exist in the data (path elements that name a union branch rather than a key are
    skipped).
    """
    pos: Position | None = getattr(data, "start", None)
    parts: list[str | tuple[SourceList, int]] = []  # an item of a list is named once pos is known
    node = data
    for i, element in enumerate(loc):
        if isinstance(node, SourceDict) and isinstance(element, str) and element in node:
            pos = node.positions.get(element, pos)
            node = node[element]
            parts.append(_path_part(element))
        elif isinstance(node, SourceList) and isinstance(element, int) and 0 <= element < len(node):
            pos = node.positions[element] or pos
            parts.append((node, element))
            node = node[element]
        elif (i == len(loc) - 1 and isinstance(element, str) and isinstance(node, SourceDict)
              and element.isidentifier()):  # not a branch tag such as 'constrained-str'
            parts.append(_path_part(element))  # a missing key: name it, at the position of its parent
        # otherwise: a union branch tag or validator name, not part of the data
    file = pos[0] if pos is not None else ""
    named = [p if isinstance(p, str) else f"[{p[0].own_index(p[1], file)}]" for p in parts]
    path = ".".join(named).replace(".[", "[")
    return pos, path
