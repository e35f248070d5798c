"""Load a scenario file into a validated :class:`Scenario`, or report every problem found."""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from corridor.errors import Problem, ScenarioError
from corridor.scenario.checks import check_scenario
from corridor.scenario.extends import KEYED_SECTIONS, resolve
from corridor.scenario.schema import MAX_ITEMS, Scenario
from corridor.scenario.source import Position, SourceDict, SourceList, kind_of, locate, shown


def load_scenario(
    path: str | os.PathLike[str], *, allow_paths: Sequence[str | os.PathLike[str]] = ()
) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    ``allow_paths``: folders an ``extends`` may also read from. Without them, a scenario may
    only extend files inside its own folder (or below it), after symbolic links are followed.

    Raises :class:`~corridor.errors.ScenarioError` listing every problem with its file, line,
    column, field path and bad value; nothing else escapes for any input file.
    """
    path = Path(path)
    return validate_raw(resolve(path, allow_paths=allow_paths), str(path), allow_paths=allow_paths)


def load_located(
    path: str | os.PathLike[str], *, allow_paths: Sequence[str | os.PathLike[str]] = ()
) -> tuple[Scenario, dict[tuple[str, str], Position]]:
    """:func:`load_scenario`, and where each item of the scenario was given: by (section, id),
    the file, line and column of the last file of the chain that added or changed it (a GTFS
    feed's line for a service it gives). Places, services and links share one namespace of
    ids, so they are keyed by ``"item"``; demand flows, disruptions and fleets by their section."""
    path = Path(path)
    raw = resolve(path, allow_paths=allow_paths)
    scenario = validate_raw(raw, str(path), allow_paths=allow_paths)  # (adds a feed's services)
    where: dict[tuple[str, str], Position] = {}
    for section in KEYED_SECTIONS:
        items = raw.get(section)
        if not isinstance(items, SourceList):
            continue
        key = "item" if section in ("places", "services", "links") else section
        for item, pos in zip(items, items.positions, strict=True):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and pos is not None:
                where[(key, item["id"])] = pos
    return scenario, where


def scenario_files(path: str | os.PathLike[str], *,
                   allow_paths: Sequence[str | os.PathLike[str]] = ()) -> dict[Path, str]:
    """Every file the scenario at ``path`` is read from, resolved, and what it is to it: ``""``
    for the scenario itself, ``"extends"``, ``"services_from"`` (so that no output is written
    over one)."""
    from corridor.scenario.extends import _real

    raw = resolve(Path(path), allow_paths=allow_paths)
    files = {f: "extends" for f in raw.files[1:]}
    block = raw.get("services_from")
    if isinstance(block, SourceDict) and isinstance(block.get("gtfs"), str):
        file = (block.positions.get("gtfs") or (str(path), None, None))[0]
        files.setdefault(_real(Path(file).parent / block["gtfs"]), "services_from")
    files[raw.files[0]] = ""
    return files


def validate_raw(raw: SourceDict, name: str, *,
                 allow_paths: Sequence[str | os.PathLike[str]] = ()) -> Scenario:
    """Validate merged scenario data (what :func:`~corridor.scenario.extends.resolve` reads,
    perhaps changed by :mod:`corridor.scenario.overrides`) into a :class:`Scenario`.

    Problems are located by the positions the data carries; ``name`` stands in where it
    carries none. Raises :class:`~corridor.errors.ScenarioError` listing every problem.
    """
    _check_sizes(raw, name)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        problems = [_problem(err, raw, name) for err in errors]
        _note_feed_services(raw, errors, problems)
        raise ScenarioError(_first_per_place(problems)) from None
    if scenario.services_from is not None and not getattr(raw, "feed_read", False):
        add_feed_services(raw, scenario, name, allow_paths)  # then validate them with the rest
        return validate_raw(raw, name, allow_paths=allow_paths)
    problems = [_located(raw, loc, message, name) for loc, message in check_scenario(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _note_feed_services(raw: SourceDict, errors: list[Any], problems: list[Problem]) -> None:
    """Where a scenario reads services from a feed, a service given in part (keys missing)
    may be meant as a change to one of the feed's: say, at its first missing key, why that
    cannot be done here. The feed's services are read after the files are merged, so an
    extending scenario's entry of the same id is a new service, not a change."""
    if raw.get("services_from") is None or getattr(raw, "feed_read", False):
        return
    said: set[Any] = set()
    for k, err in enumerate(errors):
        loc = tuple(err["loc"])
        if err["type"] != "missing" or len(loc) != 3 or loc[0] != "services" or loc[1] in said:
            continue
        said.add(loc[1])
        item = raw["services"][loc[1]] if isinstance(raw.get("services"), list) else None
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        p = problems[k]
        problems[k] = Problem(p.file, p.line, p.column, p.path, (
            f"{p.message}; if {shown(item_id)} is meant to change a service that services_from reads "
            "from the GTFS feed, it cannot be changed here (the feed is read after the files are "
            "merged): give the route's values in services_from.routes"))


def add_feed_services(raw: SourceDict, scenario: Scenario, name: str,
                      allow_paths: Sequence[str | os.PathLike[str]]) -> None:
    """Append the services of ``services_from`` (a GTFS feed) to ``raw["services"]``, each
    located at its route's line in the feed, so they are validated and checked like the rest.

    The feed's path is relative to the file that names it, and must lie in the scenario's
    folder tree or an allowed folder, as ``extends`` must.
    """
    from corridor.interchange.gtfs_import import import_services
    from corridor.scenario.extends import _real, _roots

    spec = scenario.services_from
    assert spec is not None
    block = raw["services_from"]
    file, line, col = block.positions.get("gtfs") or block.start or (name, None, None)
    feed = Path(file).parent / spec.gtfs
    roots = _roots(Path(name), allow_paths)
    if not any(_real(feed).is_relative_to(root) for root in roots):
        allowed = ", ".join(str(r) for r in roots)
        raise ScenarioError([Problem(file, line, col, "services_from.gtfs",
                                     f"{shown(spec.gtfs)} leads outside the folders a scenario may read from "
                                     f"({allowed}); allow its folder (allow_paths, or corridor COMMAND "
                                     "--allow-path DIR)")])

    def spec_problem(loc: tuple[str | int, ...], message: str) -> Problem:
        return _located(raw, ("services_from", *loc), message, name)

    try:
        imported = import_services(feed, spec.gtfs, spec, list(scenario.places), spec_problem)
    except ScenarioError:
        raise
    except Exception as exc:  # noqa: BLE001 - a feed is input: whatever it holds, no traceback
        raise ScenarioError([Problem(file, line, col, "services_from.gtfs",
                                     f"{shown(spec.gtfs)}: cannot read the feed ({type(exc).__name__}: "
                                     f"{shown(str(exc), 120)})")]) from None
    services = raw.get("services")
    if not isinstance(services, SourceList):
        services = SourceList(services or [])
        services.start = block.start
        raw["services"] = services
    for item in imported:
        data = SourceDict(item.data)
        data.start = (item.file, item.line, None)  # type: ignore[assignment]
        data.positions = {k: data.start for k in data}  # type: ignore[misc]
        services.append(data)
        services.positions.append(data.start)
    raw.feed_read = True  # type: ignore[attr-defined]


def _check_sizes(raw: SourceDict, fallback: str) -> None:
    """Refuse sections with more items than :data:`MAX_ITEMS` before validating any."""
    problems = []
    for section, most in MAX_ITEMS.items():
        items = raw.get(section)
        if isinstance(items, SourceList) and len(items) > most:
            message = f"{len(items):,} {section}; at most {most:,} are allowed"
            problems.append(_located(raw, (section,), message, fallback))
    if problems:
        raise ScenarioError(problems)


def _first_per_place(problems: list[Problem]) -> list[Problem]:
    """One problem per field: a value that fails every branch of a union is reported once,
    and by the branch that got furthest (``days: [Thursday]`` is a bad weekday in the list,
    not "should be 'daily'"; ``days: []`` a list too short; ``speed_kph: 0`` a speed below
    the least, not "expected a list", the other branch of speed_kph)."""
    deeper = {p.path for p in problems}
    problems = [p for p in problems if not (
        _rank(p) < 2
        and any(q != p.path and (q.startswith(p.path + "[") or q.startswith(p.path + ".")) for q in deeper))]
    seen: dict[tuple[str, int | None, str], int] = {}
    out: list[Problem] = []
    for p in problems:
        key = (p.file, p.line, p.path)
        if key not in seen:
            seen[key] = len(out)
            out.append(p)
        elif _rank(p) > _rank(out[seen[key]]):
            out[seen[key]] = p  # another branch's finding says more than "should be 'daily'"
    return out


def _rank(p: Problem) -> int:
    """How much a union branch's finding says: 0 for "Input should be 'daily'" (another
    branch's literal), 1 for a value of another kind than the branch takes ("expected a list,
    not a number"), 2 for a value of the right kind that breaks a bound or a rule."""
    if p.message.startswith("Input should be '"):
        return 0
    if any(p.message.startswith(f"expected {kind}, not ") for kind in _TYPES.values()):
        return 1
    return 2


def _located(raw: SourceDict, loc: tuple[str | int, ...], message: str, fallback: str) -> Problem:
    pos, path = locate(raw, loc)
    file, line, col = pos if pos is not None else (fallback, None, None)
    return Problem(file, line, col, path, _other_placed(raw, message, file) + _removed_note(raw, message))


def _other_placed(raw: SourceDict, message: str, file: str) -> str:
    """``message``, and for an id used by another item (``... used by places[4]``) where that
    item is when it is in another file of the chain: an overlay's new place named as a service
    of its base is reported at the base's service, and the overlay's line is what to change."""
    named = re.search(r" used by ([a-z]+)\[(\d+)\]", message)
    if named is None:
        return message
    pos, path = locate(raw, (named.group(1), int(named.group(2))))
    if pos is None:
        return message
    if pos[0] == file:
        return f"{message[:named.start()]} used by {path}{message[named.end():]}"
    return f"{message[:named.start()]} used by {path} (at {pos[0]}:{pos[1]}:{pos[2]}){message[named.end():]}"


def _removed_note(raw: SourceDict, message: str) -> str:
    """For a reference to an id that a ``remove`` dropped: where it was removed."""
    named = re.match(r"unknown [a-z, ]+ '([^']*)'", message)
    where = raw.removed.get(named.group(1)) if named else None
    return f" (removed by the remove at {where[0]}:{where[1]}:{where[2]})" if where else ""


def _readded_note(raw: SourceDict, loc: tuple[str | int, ...]) -> str:
    """For a key missing from an item whose id a ``remove`` dropped: the item given again is
    a new one, with every key its own, not a change to the one removed."""
    if len(loc) != 3 or not isinstance(loc[1], int):
        return ""
    items = raw.get(str(loc[0]))
    item = items[loc[1]] if isinstance(items, list) and 0 <= loc[1] < len(items) else None
    item_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item_id, str) or item_id not in raw.removed:
        return ""
    file, line, col = raw.removed[item_id]
    return (f" ({shown(item_id)} was removed by the remove at {file}:{line}:{col}, so this is a new "
            "item and needs all its keys)")


def _near_id_note(raw: SourceDict, loc: tuple[str | int, ...]) -> str:
    """For a key missing from an item whose id is close to another item's of its section: a
    change meant for that item (``KENA-CLOSD`` for ``KENA-CLOSED`` in a file that extends) is
    read as a new item, which needs all its keys."""
    if len(loc) != 3 or not isinstance(loc[1], int):
        return ""
    items = raw.get(str(loc[0]))
    if not isinstance(items, list) or not 0 <= loc[1] < len(items) or not isinstance(items[loc[1]], dict):
        return ""
    item_id = items[loc[1]].get("id")
    places = getattr(items, "positions", None)
    if not isinstance(item_id, str) or not isinstance(places, list) or len(places) != len(items):
        return ""
    here = places[loc[1]][0] if places[loc[1]] else None
    # only the items of another file of the chain (the extended one): in one file, two ids
    # alike are two items, not a slip
    ids = [i.get("id") for k, i in enumerate(items) if k != loc[1] and isinstance(i, dict)
           and places[k] and places[k][0] != here]
    others = [o for o in ids if isinstance(o, str) and o != item_id]
    close = difflib.get_close_matches(item_id, others, n=1, cutoff=0.8)
    return (f" ({shown(item_id)} is no item of the scenario it extends, so this is a new item and needs "
            f"all its keys; did you mean {close[0]!r}?)") if close else ""


def _problem(err: Any, raw: SourceDict, fallback: str) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _known_keys(Scenario, loc[:-1])
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"unknown key {shown(key)}{hint}"
    elif kind == "missing":
        message = f"missing required key {loc[-1]!r}" + (_readded_note(raw, loc) or _near_id_note(raw, loc))
    elif kind == "union_tag_invalid":  # pydantic's message holds the tag in full, however long
        ctx = err.get("ctx") or {}
        message = (f"Input tag {shown(str(ctx.get('tag')))} found using {ctx.get('discriminator')} does not "
                   f"match any of the expected tags: {ctx.get('expected_tags')}")
    elif kind in _TYPES:
        message = f"expected {_TYPES[kind]}, not {kind_of(value)}"
        if not isinstance(value, dict | list):
            message += f" (got {_short(value)})"
    elif kind in ("too_short", "too_long") and isinstance(value, list):  # pydantic said "List should
        # have at least 2 items after validation, not 1", "after validation" being its own
        ctx = err.get("ctx") or {}
        least = kind == "too_short"
        bound = int(ctx.get("min_length" if least else "max_length", 0))
        message = (f"needs at {'least' if least else 'most'} {bound:,} item{'' if bound == 1 else 's'}, "
                   f"not {len(value):,}")
        if least:  # a short list is short to show; a long one would fill the line
            message += f" (got {_short(value)})"
    elif kind == "timezone_aware":  # pydantic says "should have timezone info", not how
        message = ("a moment needs its timezone as a UTC offset, as 2027-04-01T06:00+02:00 or "
                   f"2027-04-01T04:00Z (got {_short(value)})")
    else:
        message = err["msg"].removeprefix("Value error, ")
        if kind != "value_error" and not isinstance(value, dict | list):
            message += f" (got {_short(value)})"
    return _located(raw, loc, message, fallback)


# pydantic's type errors, said in a scenario author's words ("a mapping", not "a valid
# dictionary or instance of Run")
_TYPES = {
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "string_type": "text",
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
}


def _short(value: Any) -> str:
    """A bad value for a message: text quoted with control characters escaped, at most 60
    characters."""
    if isinstance(value, str):
        return shown(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Annotated, unions and Optional opened)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _known_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    """Keys a mapping may have at ``loc`` (following the schema's annotations)."""
    candidates: list[Any] = [model]
    for element in loc:
        following: list[Any] = []
        for cand in candidates:
            origin = typing.get_origin(cand)
            if isinstance(element, int) and origin in (list, tuple):
                following += _unwrap(typing.get_args(cand)[0])
            elif isinstance(cand, type) and issubclass(cand, BaseModel) and isinstance(element, str):
                for name, field in cand.model_fields.items():
                    if element in (name, field.alias):
                        following += _unwrap(field.annotation)
        if not following:  # a union branch tag, e.g. "lognormal": stay, keep the matching branch
            tagged = [c for c in candidates if _tag_matches(c, element)]
            following = tagged or candidates
        candidates = following
    keys: set[str] = set()
    for cand in candidates:
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            keys |= {f.alias or n for n, f in cand.model_fields.items()}
    return keys


def _tag_matches(cand: Any, tag: str | int) -> bool:
    if not (isinstance(cand, type) and issubclass(cand, BaseModel)) or "dist" not in cand.model_fields:
        return False
    return tag in typing.get_args(cand.model_fields["dist"].annotation)
