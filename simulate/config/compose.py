"""Compose a YAML document into nodes within the input limits (see limits.py).

PyYAML's own composer follows aliases without counting, so a "billion
laughs" of nine nested aliases expands to 9**9 values, a recursive alias
(``a: &a [*a]``) or 500 levels of nesting ends in ``RecursionError``, and an
explicit tag reaches the constructor. This composer reads the parser's
events and, as it builds each node, counts

- the values the document expands to (an alias adds the whole size of the
  value it names, known once that value is complete),
- the nesting depth, aliases expanded, and
- the entries of each mapping and list,

and stops at the first one past its limit, with the line of the event that
went past it. An alias to a value that is not complete yet is a recursive
alias. A tag is allowed only if it names a plain YAML type (``!!str``,
``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq``, ``!!map``), so
nothing is ever constructed from a tag.

The events come from libyaml when PyYAML has it (about 20 times faster than
the pure-Python parser), else from PyYAML's parser; plain scalars are typed
by PyYAML's YAML 1.1 rules either way (plus ``1e5`` as a float, see
_Resolver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import limits

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

__all__ = ["TAG", "Refused", "compose", "show_key", "show_tag", "too_many"]

TAG = "tag:yaml.org,2002:"
_TAGS_OF = {
    ScalarNode: {TAG + t for t in ("str", "int", "float", "bool", "null")},
    SequenceNode: {TAG + "seq"},
    MappingNode: {TAG + "map"},
}


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1's implicit types, plus ``1e5`` and ``2.5E-3`` as floats.

    YAML 1.1 wants a dot and a signed exponent (``1.0e+5``), so PyYAML reads
    ``1e5`` as the text "1e5"; YAML 1.2, like every other reader of numbers,
    reads a number.
    """


_Resolver.add_implicit_resolver(
    TAG + "float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
# first character of a plain scalar -> ((tag, pattern), ...), tried in order
_IMPLICIT = {c: tuple(r) for c, r in _Resolver.yaml_implicit_resolvers.items()}


@dataclass
class Refused(Exception):
    """The document breaks a limit or a rule at ``line`` (1-based) of ``path``."""

    message: str
    line: int
    path: str


def too_many(cap: tuple[int, str], kind: str) -> str:
    """The message for a mapping or list with more than ``cap`` entries (limits.entries_limit)."""
    most, what = cap
    if what == "scenarios":
        return (
            f"more than {most:,} scenarios: each is validated and run as a config of its "
            "own; split them over several configs"
        )
    return (
        f"more than {most:,} {what} in one {kind}: a config has at most a few hundred; "
        "split it or shorten it"
    )


def show_key(key: str) -> str:
    """A key as a path shows it: quoted, with escapes, if empty or not printable.

    A line break or a bidirectional override in a key must not break, or
    reorder, the one line a problem is printed on.

    >>> show_key("lag"), show_key(""), show_key("a\\nb")
    ('lag', "''", "'a\\\\nb'")
    """
    return key if key.isprintable() and key else repr(key)


def show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/name:os.system`` as written: ``!!python/name:os.system``."""
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def compose(text: str):
    """The root node of the single document in ``text`` (None if it has none).

    Raises
    ------
    yaml.YAMLError
        On a syntax error (with PyYAML's marks).
    Refused
        On a limit (limits.py), a tag, an alias without its anchor, an
        anchor defined twice or a second document, with the line and path.
    """
    parser = _parser(text)
    try:
        return _Composer(parser).single_node()
    finally:
        parser.dispose()


def _parser(text: str):
    return yaml.SafeLoader(text) if CParser is None else CParser(text)


class _Composer:
    """PyYAML's ``Composer``, counting (see the module docstring)."""

    def __init__(self, parser) -> None:
        self.parser = parser
        self.anchors: dict[str, yaml.Node] = {}
        # id(collection) -> (values, depth, characters of scalar text) as expanded
        self.measure: dict[int, tuple[int, int, int]] = {}
        self.open: set[int] = set()  # collections being composed
        self.nodes = 0
        self.text = 0
        self.depth = 0
        self.where: list[str | int] = []  # the path to the node being composed

    def single_node(self):
        p = self.parser
        p.get_event()  # stream start
        node = None
        if not p.check_event(StreamEndEvent):
            p.get_event()  # document start
            node = self.node()
            p.get_event()  # document end
        if not p.check_event(StreamEndEvent):
            self.where = []
            self.stop(
                "a second YAML document starts here (after ---), but a file holds one: "
                "delete the second or move it to a file of its own",
                p.get_event(),
            )
        p.get_event()
        return node

    def stop(self, message: str, event) -> None:
        parts = [f"[{p}]" if isinstance(p, int) else f".{show_key(p)}" for p in self.where]
        path = "".join(parts).lstrip(".")
        if len(parts) > 8:  # a path 64 levels deep is too long to read
            head, tail = "".join(parts[:3]).lstrip("."), "".join(parts[-3:]).lstrip(".")
            path = f"{head} ...({len(parts) - 6} more)... {tail}"
        raise Refused(message, event.start_mark.line + 1, path)

    def count(self, values: int, depth: int, text: int, event) -> None:
        """Add ``values`` nodes nesting ``depth`` levels below the current one, with ``text``."""
        self.nodes += values
        self.text += text
        if self.text > limits.MAX_TEXT:
            self.stop(
                f"the document expands to more than {limits.MAX_TEXT:,} characters of text "
                "(each alias counts the text it names again): write the text once, "
                "or use fewer aliases",
                event,
            )
        if self.nodes > limits.MAX_NODES:
            self.stop(
                f"the document expands to more than {limits.MAX_NODES:,} values (each "
                "alias counts what it names again; a config has a few hundred): "
                "write the values out or use fewer aliases",
                event,
            )
        if self.depth + depth > limits.MAX_DEPTH:
            self.stop(
                f"mappings and lists nest more than {limits.MAX_DEPTH} levels deep "
                "(a config needs 5): flatten the structure",
                event,
            )

    def node(self):
        event = self.parser.get_event()
        kind = type(event)
        if kind is AliasEvent:
            return self.alias(event)
        if event.anchor is not None and event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark.line + 1
            self.stop(
                f"the anchor &{event.anchor} is already defined on line {first}: "
                "give this one another name",
                event,
            )
        if kind is ScalarEvent:
            node = self.scalar(event)
        else:
            node = self.collection(
                SequenceNode if kind is SequenceStartEvent else MappingNode, event
            )
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def alias(self, event):
        node = self.anchors.get(event.anchor)
        if node is None:
            self.stop(
                f"the alias *{event.anchor} names no anchor &{event.anchor} above it: define "
                f"the anchor first, or write the value (a prior is named without *)",
                event,
            )
        if id(node) in self.open:
            self.stop(
                f"the alias *{event.anchor} is inside the value it names (a recursive "
                "alias), which never ends: remove the alias",
                event,
            )
        if type(node) is ScalarNode:
            self.count(1, 0, len(node.value), event)
        else:
            self.count(*self.measure[id(node)], event)
        return node

    def tag(self, kind, event, value) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            if kind is not ScalarNode:
                return TAG + ("seq" if kind is SequenceNode else "map")
            if event.implicit[0]:  # a plain scalar: the first implicit type that matches
                for implicit, pattern in _IMPLICIT.get(value[:1], ()):
                    if pattern.match(value):
                        return implicit
            return TAG + "str"
        if tag not in _TAGS_OF[kind]:
            self.stop(
                f"the YAML tag {show_tag(tag)} is not allowed: a config holds only plain "
                "numbers, text, lists and mappings; remove the tag",
                event,
            )
        return tag

    def scalar(self, event):
        self.nodes += 1
        self.text += len(event.value)
        if self.nodes > limits.MAX_NODES or self.text > limits.MAX_TEXT:
            self.count(0, 0, 0, event)
        tag = self.tag(ScalarNode, event, event.value)
        return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)

    def collection(self, kind, start):
        self.count(1, 1, 0, start)
        tag = self.tag(kind, start, None)
        node = kind(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if start.anchor is not None:
            self.anchors[start.anchor] = node  # for an alias inside it: recursive
        before, text = self.nodes, self.text  # this node included
        self.depth += 1
        self.open.add(id(node))
        cap = limits.entries_limit(self.where[0] if len(self.where) == 1 else "")
        self.where.append(0)
        end = SequenceEndEvent if kind is SequenceNode else MappingEndEvent
        deepest = self.fill(node, end, cap)
        self.where.pop()
        self.open.discard(id(node))
        self.depth -= 1
        self.measure[id(node)] = (self.nodes - before + 1, deepest + 1, self.text - text)
        node.end_mark = self.parser.get_event().end_mark
        return node

    def fill(self, node, end, cap: tuple[int, str]) -> int:
        """Compose the entries of ``node`` up to the ``end`` event; their deepest nesting.

        ``cap`` is the most entries allowed and what they are called (limits.py).
        """
        p, items, where, measure = self.parser, node.value, self.where, self.measure
        deepest = 0
        while not p.check_event(end):
            if len(items) >= cap[0]:
                del where[-1]  # the path of the mapping or list
                kind = "list" if end is SequenceEndEvent else "mapping"
                self.stop(too_many(cap, kind), p.peek_event())
            if end is SequenceEndEvent:
                where[-1] = len(items)
                item = self.node()
                items.append(item)
                depth = measure[id(item)][1] if id(item) in measure else 0
            else:
                where[-1] = "?"
                event = p.peek_event()
                key = self.node()
                if type(event) is AliasEvent:  # the key where the alias is, for its line
                    key = type(key)(key.tag, key.value, event.start_mark, event.end_mark)
                where[-1] = key.value if type(key) is ScalarNode else "?"
                value = self.node()
                items.append((key, value))
                depth = max(measure.get(id(key), (1, 0))[1], measure.get(id(value), (1, 0))[1])
            deepest = max(deepest, depth)
        return deepest
