"""How a config names one of its lines: by its path (``costs[1]``) or by its name.

Scenarios' and overlays' ``lines:`` (:mod:`.merge`) and a gate's ``lines:``
(:mod:`.gates`) find lines here, in the config as written. A line's name is
its ``name:``, or else its type's (``one_time``: ``One time``). Names need
not be unique (two ``recurring`` costs without one are both ``Recurring``),
so a name that two lines share names neither: such a reference is an error
that lists them, and the fix is a path, which always means one line. A name
cannot itself look like a path (:func:`name_problem`), so no path is ever
read two ways.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import control_problem, describe_value

__all__ = ["LINE_PATH", "LineNames", "LineRefError", "default_name", "name_problem"]

# A line named by its place rather than its name: benefits[0], costs[2].
LINE_PATH = re.compile(r"(benefits|costs)\[(\d+)\]")
_SECTIONS = ("benefits", "costs")
_COUNTS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class LineRefError(ValueError):
    """A reference to a line that names more than one, or a place with no line."""


def default_name(type_: str) -> str:
    """A line's name when it gives none: its type's (``one_time``: ``One time``)."""
    return type_.replace("_", " ").capitalize()


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a line's name (it reads as a line's path), or None."""
    if not LINE_PATH.fullmatch(name):
        return None
    return (
        f"a line's name cannot be a path such as {name}: scenarios, overlays and gates read "
        f"{name} as the line at that place; give the line a name in words, e.g. name: Licences"
    )


def _count(n: int) -> str:
    return _COUNTS[n] if n < len(_COUNTS) else str(n)


@dataclass(frozen=True)
class _Item:
    path: str
    name: str | None  # None: neither a name: nor a type to take one from
    named: bool  # whether the name is written (not the type's)
    label: str | None


class LineNames:
    """The lines of a config as written (its raw ``benefits:`` and ``costs:``), to find by name."""

    def __init__(self, raw: Mapping) -> None:
        self._sizes: dict[str, int] = {}
        self._items: dict[str, _Item | None] = {}  # by path; None: an item that is no mapping
        self._named: dict[str, list[_Item]] = {}
        self._labelled: dict[str, list[_Item]] = {}
        for section in _SECTIONS:
            items = raw.get(section)
            items = items if isinstance(items, list) else []
            self._sizes[section] = len(items)
            for i, item in enumerate(items):
                path = f"{section}[{i}]"
                line = _item(path, item) if isinstance(item, Mapping) else None
                self._items[path] = line
                if line is not None and line.name is not None:
                    self._named.setdefault(line.name, []).append(line)
                if line is not None and line.label is not None:
                    self._labelled.setdefault(line.label, []).append(line)

    def find(self, ref: Any, *, labels: bool = False) -> str | None:
        """The path of the one line ``ref`` names, or None if it names none.

        ``ref`` is a path (``costs[1]``), else a line's name; with ``labels``,
        else a line's ``label:``.

        Raises
        ------
        LineRefError
            For a name (or label) that more than one line has, and a path
            beyond the lines or at an item that is no line.
        """
        if not isinstance(ref, str):
            return None
        m = LINE_PATH.fullmatch(ref)
        if m:
            section, i = m.group(1), int(m.group(2))
            size = self._sizes[section]
            if i >= size:
                raise LineRefError(
                    f"the config has {size} {section} (numbered from 0), so no {ref}"
                )
            if self._items[ref] is None:
                raise LineRefError(f"{ref} is not a line with fields")
            return ref
        named = self._named.get(ref, [])
        if not named and labels:
            named = self._labelled.get(ref.strip(), [])
            if len(named) > 1:
                raise LineRefError(_shared(ref, named, "labelled", "or by its name"))
        elif len(named) > 1:
            fix = (
                "or rename one"
                if all(item.named for item in named)
                else "or give one a name: of its own (a line without a name: is called by its type)"
            )
            raise LineRefError(_shared(ref, named, "named", fix))
        return named[0].path if named else None

    @property
    def names(self) -> list[str]:
        """Each line's name, once (for a suggestion)."""
        return list(self._named)

    def choices(self) -> str:
        """How each line can be named: its name, or where another shares it its path (and name)."""
        return ", ".join(
            item.name if item.name and len(self._named[item.name]) == 1 else _as_path(item)
            for item in self._items.values()
            if item is not None
        )


def _item(path: str, item: Mapping) -> _Item:
    name, type_, label = item.get("name"), item.get("type"), item.get("label")
    # A name with control characters is refused where it is written, and never printed here.
    named = isinstance(name, str) and control_problem(name, "name") is None
    if not named:
        name = default_name(type_) if isinstance(type_, str) else None
    return _Item(
        path, name, named, label.strip() if isinstance(label, str) and label.strip() else None
    )


def _as_path(item: _Item) -> str:
    return f"{item.path} ({item.name})" if item.name else item.path


def _shared(ref: str, items: Sequence[_Item], how: str, other: str) -> str:
    paths = [item.path for item in items]
    return (
        f"{_count(len(items))} lines are {how} {describe_value(ref)} ({', '.join(paths)}): "
        f"name the line by its path, e.g. {paths[-1]}, {other}"
    )
