"""``extends``: a scenario that says only what differs from another.

Rules, applied from the root scenario down the chain:

* Sections of items with ids (places, services, links, demand, disruptions, fleets) merge by
  id: an item with a new id is added; an item with a known id changes only the keys it gives
  (mappings merge key by key, lists and scalars replace).
* ``remove: {services: [ID, ...], places: [...]}`` drops items of the base before merging.
* Other sections (name, description, run) merge key by key.
* ``extends`` is resolved relative to the file that says it; a cycle is an error, and so is a
  chain of more than :data:`MAX_CHAIN` files.
* Confinement: an extended file must lie, once symbolic links are followed, inside the folder
  of the scenario being loaded (or below it), or inside one of the folders the caller allows
  explicitly (``allow_paths``). Anything else is refused before it is opened, without saying
  whether it exists.
* A file whose top level is not a mapping of scenario sections is not read further: the
  error names its first key that is not a section, and nothing else from it (so a file that
  is not a scenario, a configuration file say, never has its content echoed).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corridor.errors import Problem, ScenarioError
from corridor.scenario.schema import Scenario
from corridor.scenario.source import SourceDict, SourceList, kind_of, read_yaml, shown

KEYED_SECTIONS = ("places", "services", "links", "demand", "disruptions", "fleets")
#: Keys a scenario file may have at its top level.
SECTIONS = tuple(f.alias or n for n, f in Scenario.model_fields.items()) + ("remove",)
#: Longest chain of files (a scenario and those it extends, in turn).
MAX_CHAIN = 16


def _problem(data: SourceDict, key: str, message: str) -> Problem:
    file, line, col = data.positions.get(key) or data.start or ("?", None, None)
    return Problem(file, line, col, key, message)


def merge(base: Any, child: Any) -> Any:
    """Child over base: mappings merge key by key, everything else is replaced. A key the
    child sets to null is taken out (cleared), so that a mapping whose kind changes can drop
    the keys of its old kind (``service_time``: fixed to exponential drops ``value_min``)."""
    if not (isinstance(base, SourceDict) and isinstance(child, SourceDict)):
        return child
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = base.start
    for key, value in child.items():
        if value is None and key in base:
            del out[key]
            out.positions.pop(key, None)
            continue
        out[key] = merge(base[key], value) if key in base else value
        out.positions[key] = child.positions[key]
    return out


def _item_id(item: Any) -> str | None:
    """The id of a section's item, if it has one that can be an id (text)."""
    if isinstance(item, dict):
        value = item.get("id")
        if isinstance(value, str):
            return value
    return None


def _merge_items(section: str, base: Any, child: Any) -> Any:
    if not (isinstance(base, SourceList) and isinstance(child, SourceList)):
        return child
    out = SourceList(base)
    out.positions = list(base.positions)
    out.own = _own(base)
    out.start = child.start
    index = {item_id: i for i, item in enumerate(out) if (item_id := _item_id(item)) is not None}
    changed: dict[str, tuple[str, int | None, int | None]] = {}
    problems: list[Problem] = []
    for j, (item, pos) in enumerate(zip(child, child.positions, strict=True)):
        item_id = _item_id(item)
        file = pos[0] if pos else ""
        if item_id is not None and item_id in changed:  # a slip (another id meant?) merging would hide
            f, ln, c = pos or ("?", None, None)
            first = changed[item_id][1]
            problems.append(Problem(f, ln, c, f"{section}[{j}].id",
                                    f"{shown(item_id)} is changed twice (first at line {first}); "
                                    "give each change of an item once"))
        elif item_id is not None and item_id in index:
            changed[item_id] = pos or ("?", None, None)
            out[index[item_id]] = merge(out[index[item_id]], item)
            out.positions[index[item_id]] = pos
            out.own[index[item_id]][file] = j
        else:  # a new item, or one whose id is not text (validation reports that)
            out.append(item)
            out.positions.append(pos)
            out.own.append({file: j})
    if problems:
        raise ScenarioError(problems)
    return out


def _own(items: SourceList) -> list[dict[str, int]]:
    """A copy of ``items.own``; for a list read from one file, each item's index in it."""
    if items.own:
        return [dict(own) for own in items.own]
    return [{pos[0]: i} if pos else {} for i, pos in enumerate(items.positions)]


def _remove(base: SourceDict, child: SourceDict) -> SourceDict:
    removals = child["remove"]
    if not isinstance(removals, SourceDict):
        raise ScenarioError([_problem(child, "remove", "remove must map section names to id lists")])
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = base.start
    out.removed = dict(base.removed)
    problems: list[Problem] = []
    for section, ids in removals.items():
        file, line, col = removals.positions[section]
        where = f"remove.{section}" if section in KEYED_SECTIONS else "remove"
        if section not in KEYED_SECTIONS:
            problems.append(
                Problem(file, line, col, where, f"cannot remove from {shown(section)}; "
                        f"sections with ids: {', '.join(KEYED_SECTIONS)}")
            )
            continue
        items = base.get(section)
        if not isinstance(ids, list):
            problems.append(Problem(file, line, col, where, "expected a list of ids"))
            continue
        if items is None:  # the extended scenario has none: each id is not in it
            items = SourceList()
            items.start = (file, line, col)
        elif not isinstance(items, SourceList):  # the extended file's own error, said there
            continue
        present = {item_id for item in items if (item_id := _item_id(item)) is not None}
        dropped: set[str] = set()
        for j, item_id in enumerate(ids):
            here = ids.positions[j] if isinstance(ids, SourceList) else None
            f, ln, c = here or (file, line, col)
            if not isinstance(item_id, str):
                problems.append(
                    Problem(f, ln, c, f"{where}[{j}]", f"expected an id (text), not {kind_of(item_id)}")
                )
            elif item_id not in present:
                # services a feed gives are read after the files are merged: not there to remove
                feed = ("; the services its services_from reads from a GTFS feed cannot be removed "
                        "(choose the feed's routes with services_from.routes)"
                        if section == "services" and base.get("services_from") is not None else "")
                close = difflib.get_close_matches(item_id, sorted(present), n=1, cutoff=0.8)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(
                    Problem(f, ln, c, f"{where}[{j}]",
                            f"{shown(item_id)} is not in the extended scenario's {section}{hint}{feed}")
                )
            elif item_id in dropped:  # a slip (another id meant?) that removing twice would hide
                problems.append(Problem(f, ln, c, f"{where}[{j}]", f"{shown(item_id)} is removed twice"))
            else:
                dropped.add(item_id)
                out.removed[item_id] = (f, ln, c)
        kept = SourceList()
        kept.start = items.start
        for item, pos, own in zip(items, items.positions, _own(items), strict=True):
            if _item_id(item) not in dropped:
                kept.append(item)
                kept.positions.append(pos)
                kept.own.append(own)
        out[section] = kept
    if problems:
        raise ScenarioError(problems)
    return out


#: a top-level key written as a section's name is (a slip of one, named with a suggestion)
_KEY_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")


def _check_sections(data: SourceDict) -> None:
    """Refuse a file with a top-level key that is not a scenario section, naming that key
    only (see the module's docstring)."""
    for key in data:
        if key not in SECTIONS:
            sections = (f"a scenario's sections are {', '.join(SECTIONS)}, and a file with any other "
                        "key at the top is not read further")
            if not _KEY_LIKE.fullmatch(key):
                # not a section name mistyped: a line of some other file (/etc/shadow's first
                # line is one key, root's password hash in it), so nothing of it is shown
                file, line, col = data.positions.get(key) or data.start or ("?", None, None)
                raise ScenarioError([Problem(file, line, col, "", f"the first key at the top is not a "
                                             f"scenario section (nor written like one); {sections}")])
            close = difflib.get_close_matches(key, SECTIONS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError([_problem(data, key, f"unknown key {shown(key)}{hint}; {sections}")])


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        pass
    try:
        return Path(os.path.abspath(path))
    except OSError:  # the current folder was removed: a file named from it is not found either
        return path


def _shown_path(file: Path, scenario: Path) -> str:
    """How a file of the chain of ``scenario`` is named in positions and messages: the
    scenario as the user gave it, and a file it extends (found as a full path) relative to
    the current folder when the scenario was named so and the file lies below that folder.
    The name is still a path to the file: a feed a file names is found beside it."""
    if file == scenario or scenario.is_absolute():
        return str(file)
    try:
        return str(file.relative_to(Path.cwd()))
    except (OSError, ValueError):  # elsewhere, or no current folder
        return str(file)


def _roots(path: Path, allow_paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The folders extended files may come from: the scenario's own (where it really is, and
    where a symbolic link to it was named), then those allowed."""
    own = [_real(path).parent, _real(path.parent)]
    return [*dict.fromkeys(own), *(_real(Path(p)) for p in allow_paths)]


def _base_of(data: SourceDict, roots: list[Path], chain: list[Path]) -> Path:
    """The file ``data`` (read from ``chain[-1]``, where it really is: a name is relative to
    that file's folder, symbolic links followed first) extends, checked: a name, inside the
    allowed folders, not already in the chain, an existing regular file."""
    parent = data["extends"]

    def fail(message: str) -> ScenarioError:
        return ScenarioError([_problem(data, "extends", message)])

    if not isinstance(parent, str):
        raise fail(f"must be a file name, not {kind_of(parent)}")
    if not parent.strip():
        raise fail("is empty; give a file name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in parent):
        raise fail(f"{shown(parent)} holds a control character; give a file name")
    if len(chain) >= MAX_CHAIN:
        raise fail(f"makes a chain of more than {MAX_CHAIN} files")
    try:
        target = (chain[-1].parent / parent).resolve()
    except RuntimeError:  # Python before 3.13: a symbolic link loop
        raise fail(f"cannot follow {shown(parent)}: a loop of symbolic links") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise fail(f"cannot follow {shown(parent)}: {reason}") from None
    if not any(target.is_relative_to(root) for root in roots):
        allowed = ", ".join(str(r) for r in roots)
        raise fail(
            f"{shown(parent)} leads outside the folders scenarios may extend from ({allowed}); "
            "allow its folder explicitly (allow_paths, or corridor COMMAND --allow-path DIR) to use it"
        )
    if target in chain:
        cycle = " -> ".join(p.name for p in (*chain, target))
        raise fail(f"forms a cycle: {cycle}")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise fail(f"extended file not found: {shown(str(target), 200)}") from None
    except OSError as exc:
        raise fail(f"cannot read extended file {shown(parent)}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(f"extended file {shown(parent)} is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise fail(f"extended file {shown(parent)} is not a regular file (a pipe, device or socket is "
                   "never read)")
    return target


def _apply(base: SourceDict, data: SourceDict) -> SourceDict:
    """``data`` (a file that extends) over ``base`` (everything it extends, merged)."""
    if "remove" in data:
        base = _remove(base, data)
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = data.start
    out.removed = dict(base.removed)
    for key, value in data.items():
        if key == "remove":
            continue
        if key in KEYED_SECTIONS and key in base:
            out[key] = _merge_items(key, base[key], value)
        elif key in base:
            out[key] = merge(base[key], value)
        else:
            out[key] = value
        out.positions[key] = data.positions[key]
    return out


def resolve(path: Path, *, allow_paths: Sequence[str | os.PathLike[str]] = ()) -> SourceDict:
    """Read ``path`` and everything it extends, merged into one mapping.

    ``allow_paths``: folders, besides the one ``path`` is in, that extended files may come
    from. Together the files may hold at most :data:`~corridor.scenario.source.MAX_NODES`
    values.
    """
    path = Path(path)
    roots = _roots(path, allow_paths)
    files: list[SourceDict] = []
    chain: list[Path] = []
    counted = 0
    current, follow = path, True
    while True:
        data = read_yaml(current, counted=counted, follow_symlinks=follow, name=_shown_path(current, path))
        counted += data.size
        _check_sections(data)
        files.append(data)
        chain.append(_real(current))
        if data.get("extends") is None:
            break
        current, follow = _base_of(data, roots, chain), False
    merged = files[-1]
    if "remove" in merged:
        raise ScenarioError([_problem(merged, "remove", "remove needs extends")])
    for data in reversed(files[:-1]):
        merged = _apply(merged, data)
    merged.files = tuple(chain)
    return merged
