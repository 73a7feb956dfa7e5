"""A strict YAML loader that remembers where every value came from.

PyYAML's ``safe_load`` silently keeps the last of two equal keys; a config
that says ``lag: 3`` and later ``lag: 6`` in one mapping is almost always a
copy-paste slip, so here it is an error. The loader also records the line of
every key and list item, so that validation messages can say
``omnichannel.yaml:42: benefits[1].lag: ...``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, Problem

__all__ = ["is_number", "join_path", "load_yaml", "read_yaml_file"]


def is_number(value: Any) -> bool:
    """Whether a YAML value is a finite number (``yes``/``true`` is not: bool is an int in Python)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def join_path(parent: str, key: str | int) -> str:
    """``join_path("benefits", 1) == "benefits[1]"``; ``join_path("a", "b") == "a.b"``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def load_yaml(text: str, file: str | None = None) -> tuple[Any, dict[str, int]]:
    """Parse ``text`` into plain Python objects and a map of path -> 1-based line.

    Raises
    ------
    ConfigError
        On a syntax error (with PyYAML's line and column), a key given twice in
        one mapping, or a key that is not a plain scalar.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            Problem(f"this is not valid YAML: {what}", file=file, line=line)
        ) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    if node is None:
        return None, lines
    value = _convert(loader, node, "", lines, problems, file)
    if problems:
        raise ConfigError(problems)
    return value, lines


def _convert(loader, node, path, lines, problems, file):
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolve `<<: *anchor` merge keys first
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem("a key must be a plain name", path=path, file=file, line=line)
                )
                continue
            key = loader.construct_object(key_node)
            child = join_path(path, str(key))
            if key in out:
                problems.append(
                    Problem(
                        f"{key!r} is given twice in this mapping (first on line "
                        f"{lines.get(child, '?')}); YAML would silently keep the last "
                        "one. Delete one of them.",
                        path=child,
                        file=file,
                        line=line,
                    )
                )
                continue
            lines[child] = line
            out[key] = _convert(loader, value_node, child, lines, problems, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            child = join_path(path, i)
            lines[child] = item.start_mark.line + 1
            items.append(_convert(loader, item, child, lines, problems, file))
        return items
    return loader.construct_object(node, deep=True)


def read_yaml_file(
    path: str | Path, what: str, data: bytes | None = None
) -> tuple[Any, dict[str, int], bytes]:
    """Read a YAML file (``what`` names it in messages: "config", "overlay").

    Returns the parsed value, its path -> line map and the file's bytes.
    ``data`` gives the bytes when they are already at hand (a cluster worker).
    """
    file = str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(
                Problem(f"cannot read the {what}: {exc.strerror}", file=file)
            ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(Problem("the file is not UTF-8 text", file=file)) from None
    raw, lines = load_yaml(text, file)
    return raw, lines, data
