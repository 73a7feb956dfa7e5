"""User-facing errors.

A mistake in a config is a :class:`ConfigError` (a ``ValueError``) carrying one
:class:`Problem` per mistake, each naming the file, the path inside it (such as
``benefits[1].lag``), the line where PyYAML knows it, and what to do about it.
The CLI prints one line per problem and exits with status 2; anything else that
escapes is a bug and is allowed to be loud.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["ConfigError", "Problem", "control_problem", "describe_value", "did_you_mean"]

# Text longer than this is shortened in messages, so that each stays one readable line.
_MAX_SHOWN = 80


@dataclass(frozen=True)
class Problem:
    """One mistake in a config: where it is and what to do about it."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<config>"
        if not where.isprintable():  # a line break in a file name must not forge a line
            where = repr(where)
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        return f"{where}: {self.message}"


class ConfigError(ValueError):
    """An invalid config or invalid user input (exit status 2 in the CLI)."""

    def __init__(self, problems: Problem | str | Iterable[Problem], *, path: str = ""):
        if isinstance(problems, str):
            problems = [Problem(problems, path=path)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, file: str | None, line_of=None) -> ConfigError:
        """A copy whose problems carry ``file`` and, via ``line_of(path)``, a line."""
        out = []
        for p in self.problems:
            line = p.line
            if line is None and line_of is not None:
                line = line_of(p.path)
            out.append(replace(p, file=p.file or file, line=line))
        return ConfigError(out)


def did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``.

    Words and choices are compared as text, so a key that YAML read as a
    number, a yes/no value or ``null`` is matched like any other.
    """
    close = difflib.get_close_matches(
        str(word)[:_MAX_SHOWN], [str(c) for c in choices], n=1, cutoff=0.6
    )
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe_value(value: Any) -> str:
    """A YAML value as an error message names it: ``'abc'``, ``12``, ``a list``, ``empty``.

    A mapping or list is named by its kind (its text can be long); ``yes`` or
    ``true`` is flagged as the yes/no value YAML reads it as; a long text is
    shortened, and a whole number of more than ~77 digits is named by its size.

    >>> describe_value(True), describe_value([1, 2]), describe_value(None), describe_value("x")
    ('True (a yes/no value)', 'a list', 'empty', "'x'")
    """
    if isinstance(value, str) and len(value) > _MAX_SHOWN:
        return f"{value[: _MAX_SHOWN - 20]!r}... (a text of {len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, bool):
        return f"{value!r} (a yes/no value)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return repr(value)


_CONTROLS = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
# Unicode's bidirectional embeddings, overrides and isolates: invisible, they reorder
# what is shown after them (a name that reads differently from what it is).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_problem(text: str, what: str, *, line_breaks: bool = False) -> str | None:
    """What is wrong with ``text`` if it holds a control character, or None.

    A name or description is printed on terminals, in error lines and in the
    review pack: an escaped control character (``"\\x07"``, ``"\\x1b[31m"``,
    ``"\\n"`` in double quotes) would ring the bell, recolour the terminal or
    split a one-line message; a bidirectional override (U+202E) would show it
    in another order than it is written. Unicode's control characters (C0,
    DEL, C1) and bidirectional controls are refused; ``line_breaks`` allows
    ``\\n`` (free text shown as paragraphs).

    >>> control_problem("Ca\\nlls", "name")
    'name must be one line of text, without control characters (it has a line break at character 3); remove it'
    """
    for i, c in enumerate(text, 1):
        if (unicodedata.category(c) == "Cc" or c in _BIDI) and not (line_breaks and c == "\n"):
            kind = _CONTROLS.get(c, f"the control character U+{ord(c):04X}")
            if line_breaks:
                return (
                    f"{what} must be text without control characters other than line breaks "
                    f"(it has {kind} at character {i}); remove it"
                )
            return (
                f"{what} must be one line of text, without control characters (it has {kind} "
                f"at character {i}); remove it"
            )
    return None
