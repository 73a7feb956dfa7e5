"""A strict YAML loader that remembers where every value came from.

PyYAML's ``safe_load`` silently keeps the last of two equal keys; a config
that says ``lag: 3`` and later ``lag: 6`` in one mapping is almost always a
copy-paste slip, so here it is an error. The loader also records the line of
every key and list item, so that validation messages can say
``omnichannel.yaml:42: benefits[1].lag: ...``.

It reads hostile files safely (see limits.py): only a regular file, at most
``MAX_FILE_BYTES``; the document is composed within the node, depth and entry
limits (compose.py); only plain YAML types are built, never a tag's object.
YAML 1.1 readings that silently change a number (``1:30`` is 90, ``010`` is
8) are errors that say so; a date (``2025-01-31``) stays the text written.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..errors import ConfigError, Problem
from . import limits
from .compose import TAG, Refused, compose, show_key, show_tag, too_many

__all__ = [
    "decode",
    "is_number",
    "join_path",
    "limits_now",
    "load_yaml",
    "read_file_bytes",
    "read_yaml_file",
]

# What YAML allows in a file (PyYAML's Reader and libyaml agree).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_STR, _INT = TAG + "str", TAG + "int"
_EXAMPLE = {"config": "configs/template.yaml", "overlay": "configs/overlays/cfo_review.yaml"}


def is_number(value: Any) -> bool:
    """Whether a YAML value is a finite number (``yes``/``true`` is not: bool is an int in Python)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if isinstance(value, int):  # math.isfinite would overflow past 1.8e308
        return abs(value) <= sys.float_info.max
    return math.isfinite(value)


def join_path(parent: str, key: str | int) -> str:
    """``join_path("benefits", 1) == "benefits[1]"``; ``join_path("a", "b") == "a.b"``.

    A key that is empty or holds a line break or another unprintable
    character is shown quoted with escapes (``a.'x\\ny'``), so that a problem
    stays on one line.
    """
    if isinstance(key, int):
        return f"{parent}[{key}]"
    key = show_key(str(key))
    return f"{parent}.{key}" if parent else key


def load_yaml(text: str, file: str | None = None) -> tuple[Any, dict[str, int]]:
    """Parse ``text`` into plain Python objects and a map of path -> 1-based line.

    Raises
    ------
    ConfigError
        On a character YAML does not allow, a syntax error (with PyYAML's line
        and column), a limit of limits.py passed, a tag, a key given twice in
        one mapping, a key that is not a plain scalar, or a number YAML 1.1
        would silently read as another (``1:30``, ``010``).
    """
    _check_characters(text, file)
    try:
        node = compose(text)
    except Refused as exc:
        raise ConfigError(Problem(exc.message, path=exc.path, file=file, line=exc.line)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            what += f" (column {mark.column + 1}); " + _syntax_hint(text, mark)
        raise ConfigError(
            Problem(f"this is not valid YAML: {what}", file=file, line=line)
        ) from None
    if node is None:
        return None, {}
    builder = _Builder(file)
    value = builder.value(node, "")
    if builder.problems:
        raise ConfigError(dict.fromkeys(builder.problems))  # a merged mistake once
    return value, builder.lines


def _syntax_hint(text: str, mark) -> str:
    """What to check at a syntax error: a tab where YAML wants spaces, or the usual suspects."""
    lines = text.split("\n")
    here = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
    if here == "\t":
        return "this is a tab: YAML indents with spaces"
    return "check the indentation, colons and quotes"


def read_file_bytes(path: str | Path, what: str = "config") -> bytes:
    """The bytes of the regular file at ``path``, at most ``MAX_FILE_BYTES`` of them.

    A folder, named pipe, device or socket is refused before it is opened
    (and the file is opened non-blocking, so one swapped in meanwhile cannot
    block either); no more than the limit plus one byte is ever read.
    """
    file = str(path)
    try:
        info = os.stat(path)
        _check_kind(info.st_mode, file, what)
        _check_size(info.st_size, file, what)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
        try:
            _check_kind(os.fstat(fd).st_mode, file, what)
            chunks, left = [], limits.MAX_FILE_BYTES + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 16))):
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfigError(
            Problem(f"cannot read the {what}: {exc.strerror or exc}", file=file)
        ) from None
    except ConfigError:
        raise
    except ValueError:  # os.stat: a NUL in the path
        raise ConfigError(
            Problem(f"cannot read the {what}: its path has a NUL character", file=repr(file))
        ) from None
    data = b"".join(chunks)
    _check_size(len(data), file, what)
    return data


def decode(data: bytes, file: str | None = None, what: str = "config") -> str:
    """``data`` as text: UTF-8 (a UTF-8 byte-order mark is dropped), within the size limit."""
    _check_size(len(data), file, what)
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise ConfigError(
                Problem(f"the file is {name} text; save it as UTF-8", file=file, line=1)
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            Problem(
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on this line "
                "cannot be read); save it as UTF-8",
                file=file,
                line=line,
            )
        ) from None


def read_yaml_file(
    path: str | Path, what: str, data: bytes | None = None
) -> tuple[Any, dict[str, int], bytes]:
    """Read a YAML file (``what`` names it in messages: "config", "overlay").

    Returns the parsed value, its path -> line map and the file's bytes.
    ``data`` gives the bytes when they are already at hand (a cluster worker).

    Raises
    ------
    ConfigError
        As :func:`read_file_bytes`, :func:`decode` and :func:`load_yaml` do,
        and for a file with no YAML content.
    """
    file = str(path)
    if data is None:
        data = read_file_bytes(path, what)
    global _last_read
    key = (hashlib.sha256(data).digest(), limits_now())
    last_key, raw, lines = _last_read
    if last_key == key:  # a config is read once per scenario (validate, run --scenario all)
        return _copy(raw), dict(lines), data
    raw, lines = load_yaml(decode(data, file, what), file)
    if raw is None:
        example = _EXAMPLE.get(what, "the docs")
        raise ConfigError(
            Problem(
                f"the {what} is empty (nothing but blank lines or comments); "
                f"write its keys, as in {example}",
                file=file,
                line=1,
            )
        )
    _last_read = (key, raw, lines)
    return _copy(raw), dict(lines), data


# The last document read_yaml_file parsed, never handed out itself (callers get
# copies), with its key: its bytes' digest and the limits it was read within.
_last_read: tuple[Any, Any, dict[str, int]] = (None, None, {})


def limits_now() -> tuple:
    """The limits of limits.py as they stand (tests lower them): part of a cache key."""
    return tuple(getattr(limits, name) for name in limits.__all__ if name.isupper())


def _copy(value: Any) -> Any:
    """A copy of a parsed document (mappings, lists and immutable scalars)."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def _check_kind(mode: int, file: str, what: str) -> None:
    for test, kind in _KINDS:
        if test(mode):
            raise ConfigError(
                Problem(
                    f"cannot read the {what}: it is {kind}, not a file: give the path of a YAML file",
                    file=file,
                )
            )
    if not stat.S_ISREG(mode):
        raise ConfigError(
            Problem(
                f"cannot read the {what}: it is not a regular file: give the path of a YAML file",
                file=file,
            )
        )


def _check_size(size: int, file: str | None, what: str) -> None:
    if size > limits.MAX_FILE_BYTES:
        raise ConfigError(
            Problem(
                f"the {what} is larger than {limits.MAX_FILE_BYTES:,} bytes (1 MiB), the limit "
                "for an input file (a config is a few kilobytes): is it the right file?",
                file=file,
            )
        )


def _check_characters(text: str, file: str | None) -> None:
    """A ConfigError at the first character YAML does not allow (a NUL, a control character)."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is None:
        return
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    code = f"U+{ord(bad.group()):04X}"
    if bad.group() == "\0":
        message = (
            f"a NUL character ({code}) in column {column}, which YAML does not allow: "
            "is the file UTF-16 or binary? Save it as UTF-8 text"
        )
    else:
        message = (
            f"the control character {code} in column {column}, which YAML does not allow: delete it"
        )
    raise ConfigError(Problem(message, file=file, line=line))


class _Unclear(ValueError):
    """A scalar that YAML would read as something other than what is written."""


class _Builder:
    """Plain Python values from composed nodes, with the line of every path."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []

    def problem(self, message: str, path: str, node) -> None:
        self.problems.append(
            Problem(message, path=path, file=self.file, line=node.start_mark.line + 1)
        )

    def value(self, node, path: str) -> Any:
        if type(node) is ScalarNode:
            return self.scalar(node, path)
        if type(node) is MappingNode:
            return self.mapping(node, path)
        items = []
        for i, item in enumerate(node.value):
            child = f"{path}[{i}]"
            self.lines[child] = item.start_mark.line + 1
            items.append(self.value(item, child))
        return items

    def mapping(self, node, path: str) -> dict:
        out: dict[Any, Any] = {}
        explicit: dict[Any, int] = {}  # key -> its line, for the mapping's own keys
        for key_node, value_node, merged in self.pairs(node, path):
            if not isinstance(key_node, ScalarNode):
                self.problem("a key must be a plain name", path, key_node)
                continue
            key = self.scalar(key_node, join_path(path, key_node.value))
            child = join_path(path, str(key))
            if key in explicit:
                self.problem(
                    f"{key!r} is given twice in this mapping (first on line "
                    f"{explicit[key]}); YAML would silently keep the last one. Delete "
                    "one of them.",
                    child,
                    key_node,
                )
                continue
            if not merged:
                explicit[key] = key_node.start_mark.line + 1
            self.lines[child] = key_node.start_mark.line + 1
            out[key] = self.value(value_node, child)
        cap = limits.entries_limit(path)  # again: merges add entries, aliases move them
        if len(out) > cap[0]:
            line = self.lines.get(path, node.start_mark.line + 1)  # the key, not the anchor
            self.problems.append(Problem(too_many(cap, "mapping"), path, self.file, line))
        return out

    def pairs(self, node, path: str) -> list[tuple[Any, Any, bool]]:
        """``(key, value, merged)`` nodes with ``<<:`` merges resolved as PyYAML does.

        The merged entries come first, so the mapping's own keys override them,
        and of ``<<: [*a, *b]``, ``a``'s entries override ``b``'s.
        """
        merge: list[tuple[Any, Any, bool]] = []
        own: list[tuple[Any, Any, bool]] = []
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag == TAG + "merge"):
                own.append((key_node, value_node, False))
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            if not all(isinstance(s, MappingNode) for s in sources):
                self.problem(
                    "<< (a merge) takes a mapping, e.g. <<: *defaults, or a list of them, "
                    "not a number, text or a list of other values: fix or remove it",
                    join_path(path, "<<"),
                    key_node,
                )
                continue
            for source in reversed(sources):
                merge += [(k, v, True) for k, v, _ in self.pairs(source, path)]
        return merge + own

    def scalar(self, node, path: str) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        if tag == _INT and text.isdigit() and text[0] != "0" and len(text) < 300:
            return int(text)  # the common case, read as _whole_number would
        kind = tag[len(TAG) :]
        try:
            if kind == "int":
                return _whole_number(text)
            if kind == "float":
                return _real_number(text)
            if kind == "bool":
                return _BOOLS[text.lower()]
            if kind == "null":
                if text.lower() not in ("", "~", "null"):
                    raise ValueError
                return None
        except _Unclear as exc:
            self.problem(str(exc), path, node)
        except (ValueError, KeyError, IndexError):
            self.problem(
                f"{text!r} cannot be read as {show_tag(tag)}: fix the value or remove the tag",
                path,
                node,
            )
        # text, a date kept as written, or "<<" and "=" written as values
        return text


def _whole_number(text: str) -> int:
    """YAML 1.1's integers, less base 60 and the leading-zero octal (see _Unclear)."""
    if len(text) > limits.MAX_NUMBER_CHARS:
        raise _Unclear(_too_large(text))
    t = text.replace("_", "")
    sign, digits = (-1, t[1:]) if t[:1] == "-" else (1, t.lstrip("+"))
    if ":" in digits:
        value = sum(int(p) * 60**i for i, p in enumerate(reversed(digits.split(":"))))
        raise _Unclear(_base60(text, sign * value))
    if digits[:2] in ("0b", "0x"):
        value = int(digits[2:], 2 if digits[1] == "b" else 16)
    elif digits.startswith("0") and digits != "0":
        decimal = digits.lstrip("0") or "0"
        raise _Unclear(
            f"{text} starts with 0, so YAML 1.1 reads it as the octal number "
            f"{sign * int(digits, 8)}: write {'-' if sign < 0 else ''}{decimal} (no leading "
            "zero) for the decimal number, or quote it if it is text"
        )
    else:
        value = int(digits)
    if value > sys.float_info.max:
        raise _Unclear(_too_large(text))
    return sign * value


def _real_number(text: str) -> float:
    """YAML 1.1's floats, less base 60; a finite number written too large is an error."""
    if len(text) > limits.MAX_NUMBER_CHARS:
        raise _Unclear(_too_large(text))
    t = text.replace("_", "").lower()
    sign, body = (-1.0, t[1:]) if t[:1] == "-" else (1.0, t.lstrip("+"))
    if body in (".inf", ".nan"):  # not numbers a config can use: validation says so
        return sign * math.inf if body == ".inf" else math.nan
    if ":" in body:
        value = sum(float(p) * 60**i for i, p in enumerate(reversed(body.split(":"))))
        raise _Unclear(_base60(text, sign * value))
    value = sign * float(body)
    if not math.isfinite(value) and body not in ("inf", "nan", "infinity"):
        raise _Unclear(_too_large(text))
    return value


def _base60(text: str, value: float) -> str:
    return (
        f"{text} is a base-60 number to YAML 1.1, read as {value:g}: write the number "
        f"you mean (e.g. {value:g}), or quote it ('{text}') if it is text"
    )


def _too_large(text: str) -> str:
    shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} characters)"
    return f"{shown} is too large: a number in a config must be below 1.8e308"
