"""``extends``: a scenario that says only what differs from another.

Rules, applied from the root scenario down the chain:

* Sections of items with ids (places, services, links, demand, disruptions) merge by id: an
  item with a new id is added; an item with a known id changes only the keys it gives
  (mappings merge key by key, lists and scalars replace).
* ``remove: {services: [ID, ...], places: [...]}`` drops items of the base before merging.
* Other sections (name, description, run) merge key by key.
* ``extends`` is resolved relative to the file that says it; a cycle is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corridor.errors import Problem, ScenarioError
from corridor.scenario.source import SourceDict, SourceList, read_yaml

KEYED_SECTIONS = ("places", "services", "links", "demand", "disruptions")


def _problem(data: SourceDict, key: str, message: str) -> Problem:
    file, line, col = data.positions.get(key) or data.start or ("?", None, None)
    return Problem(file, line, col, key, message)


def merge(base: Any, child: Any) -> Any:
    """Child over base: mappings merge key by key, everything else is replaced."""
    if not (isinstance(base, SourceDict) and isinstance(child, SourceDict)):
        return child
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = base.start
    for key, value in child.items():
        out[key] = merge(base[key], value) if key in base else value
        out.positions[key] = child.positions[key]
    return out


def _merge_items(base: Any, child: Any) -> Any:
    if not (isinstance(base, SourceList) and isinstance(child, SourceList)):
        return child
    out = SourceList(base)
    out.positions = list(base.positions)
    out.start = child.start
    index = {item.get("id"): i for i, item in enumerate(out) if isinstance(item, dict)}
    for item, pos in zip(child, child.positions, strict=True):
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id is not None and item_id in index:
            out[index[item_id]] = merge(out[index[item_id]], item)
            out.positions[index[item_id]] = pos
        else:
            out.append(item)
            out.positions.append(pos)
    return out


def _remove(base: SourceDict, child: SourceDict) -> SourceDict:
    removals = child["remove"]
    if not isinstance(removals, SourceDict):
        raise ScenarioError([_problem(child, "remove", "remove must map section names to id lists")])
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = base.start
    problems: list[Problem] = []
    for section, ids in removals.items():
        file, line, col = removals.positions[section]
        if section not in KEYED_SECTIONS:
            problems.append(
                Problem(file, line, col, f"remove.{section}",
                        f"cannot remove from {section!r}; sections with ids: {', '.join(KEYED_SECTIONS)}")
            )
            continue
        items = base.get(section)
        if not isinstance(ids, list) or not isinstance(items, SourceList):
            problems.append(Problem(file, line, col, f"remove.{section}", "expected a list of ids"))
            continue
        present = {item.get("id") for item in items if isinstance(item, dict)}
        for j, item_id in enumerate(ids):
            if item_id not in present:
                here = ids.positions[j] if isinstance(ids, SourceList) else None
                f, ln, c = here or (file, line, col)
                problems.append(
                    Problem(f, ln, c, f"remove.{section}[{j}]",
                            f"{item_id!r} is not in the extended scenario's {section}")
                )
        kept = SourceList()
        kept.start = items.start
        for item, pos in zip(items, items.positions, strict=True):
            if not (isinstance(item, dict) and item.get("id") in set(ids)):
                kept.append(item)
                kept.positions.append(pos)
        out[section] = kept
    if problems:
        raise ScenarioError(problems)
    return out


def resolve(path: Path, _chain: tuple[Path, ...] = ()) -> SourceDict:
    """Read ``path`` and everything it extends, merged into one mapping."""
    data = read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        if "remove" in data:
            raise ScenarioError([_problem(data, "remove", "remove needs extends")])
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([_problem(data, "extends", f"extends must be a file name, got {parent!r}")])
    parent_path = (path.parent / parent).resolve()
    chain = (*_chain, path.resolve())
    if parent_path in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent_path))
        raise ScenarioError([_problem(data, "extends", f"extends forms a cycle: {cycle}")])
    if not parent_path.is_file():
        raise ScenarioError([_problem(data, "extends", f"extended file not found: {parent_path}")])
    base = resolve(parent_path, chain)
    if "remove" in data:
        base = _remove(base, data)
    out = SourceDict(base)
    out.positions = dict(base.positions)
    out.start = data.start
    for key, value in data.items():
        if key == "remove":
            continue
        if key in KEYED_SECTIONS and key in base:
            out[key] = _merge_items(base[key], value)
        elif key in base:
            out[key] = merge(base[key], value)
        else:
            out[key] = value
        out.positions[key] = data.positions[key]
    return out
