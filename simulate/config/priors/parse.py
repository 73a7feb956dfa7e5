"""Turning one YAML mapping (``{dist: pert, min: ..., ...}``) into a prior.

Every mistake in the mapping is reported at once: an unknown distribution or
key, a parameter that is not a finite number, a missing parameter or a mix of
alternative forms, and (through the distribution's reader in
:mod:`.params`) values that do not make a distribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from ...errors import ConfigError, Problem, control_problem, did_you_mean
from ...format import format_as_written
from ..loader import join_path
from .base import Prior
from .params import REGISTRY, SYNTAX
from .syntax import Syntax

__all__ = ["LABEL_MAX", "PRIOR_EXAMPLE", "label_problem", "parse_prior"]

PRIOR_EXAMPLE = "{dist: pert, min: 0.02, mode: 0.05, max: 0.10}"  # shown in error messages
# A label names an input or a line on charts and tables: one line, short enough
# for a tornado row or a legend entry.
LABEL_MAX = 60
_LABEL_EXAMPLE = "label: Churn reduction (relative)"


def label_problem(value: Any) -> str | None:
    """What is wrong with a ``label:`` value, or None for a usable label.

    A label is text on one line, not blank, of at most :data:`LABEL_MAX`
    characters (leading and trailing spaces aside: the label used is stripped).
    """
    if value is None:
        return f"label has no value; write the name to show on charts, e.g. {_LABEL_EXAMPLE}"
    if isinstance(value, (bool, int, float)):
        return f'label must be text, not the number {value!r}; put it in quotes: label: "{value}"'
    if not isinstance(value, str):
        return f"label must be text, not a {type(value).__name__}; e.g. {_LABEL_EXAMPLE}"
    text = value.strip()
    if not text:
        return f"label is blank; write the name to show on charts, e.g. {_LABEL_EXAMPLE}"
    if control_problem(text, "label") is not None:
        return "label must be one line of text (no line breaks or tabs); put longer text in note:"
    if len(text) > LABEL_MAX:
        return (
            f"label is {len(text)} characters long; keep it to {LABEL_MAX} at most (it names "
            "the input on charts and tables) and put the rest in note:"
        )
    return None


def parse_prior(spec: Mapping, path: str) -> Prior:
    """Validate one prior from a config and build it.

    Parameters
    ----------
    spec : Mapping
        The YAML mapping: ``dist:``, that distribution's parameters, and
        optional free-text ``source:``, ``note:`` and ``label:``.
    path : str
        Where the mapping sits in the config (``"priors.churn_cut"``,
        ``"benefits[2].uplift"``); problem paths extend it
        (``"priors.churn_cut.max"``).

    Returns
    -------
    Prior
        An instance of ``REGISTRY[spec["dist"]]``.

    Raises
    ------
    ConfigError
        With one :class:`~simulate.errors.Problem` per mistake found: an
        unknown distribution or key, a parameter that is not a finite number,
        a missing parameter or a mix of alternative forms, or values that do
        not make a distribution (``min >= max``, ``sd <= 0``, ...).

    Examples
    --------
    >>> parse_prior({"dist": "pert", "min": 0.02, "mode": 0.05, "max": 0.1}, "priors.x").describe()
    'pert(min=0.02, mode=0.05, max=0.1)'
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"a prior must be a mapping such as {PRIOR_EXAMPLE}, not {spec!r}", path=path
        )
    syntax = _syntax_of(spec, path)
    problems: list[Problem] = []
    arguments: dict[str, Any] = {}
    params, meta = _read_keys(syntax, spec, path, problems)
    given = [k for k in spec if k in syntax.keys()]
    form_messages = syntax.form_problems(given)
    problems += [Problem(message, path) for message in form_messages]
    # The values can be checked together once each given one is a number and
    # they make up one form, even if a stray key or a bad note was reported.
    if not form_messages and len(params) == len(given):
        found: list[Problem] = []
        arguments = _fitted(syntax, params, found)
        problems += [Problem(p.message, _within(path, p.path)) for p in found]
    if problems:
        raise ConfigError(problems)
    return syntax.cls(**arguments, **meta, params=syntax.as_written(params))


# The ends of a support may be infinite; every other fitted number must be finite.
_MAY_BE_INFINITE = frozenset({"lo", "hi"})


def _fitted(syntax: Syntax, params: dict[str, float], found: list[Problem]) -> dict[str, Any]:
    """The distribution's arguments fitted from ``params``, or a problem if they cannot be computed.

    Values at the edge of floating point (an sd of 1e-300 against a mean near
    1, a p90 of 5e-324, an sd of 1e160) make the fits divide by zero or
    overflow: that is the user's units going wrong, and it is reported as such.
    """
    try:
        with np.errstate(all="raise"):
            arguments = syntax.read(params, found)
    except (ArithmeticError, FloatingPointError, ValueError):
        arguments = None
    if arguments is not None and all(
        k in _MAY_BE_INFINITE or not isinstance(v, float) or math.isfinite(v)
        for k, v in arguments.items()
    ):
        return arguments
    given = ", ".join(f"{k}={format_as_written(v)}" for k, v in params.items())
    found.append(
        Problem(
            f"these parameters ({given}) are too extreme to compute the distribution "
            "with (a division by zero or an overflow); check their units and write "
            "values of a sensible size",
            "",
        )
    )
    return {}


def _within(path: str, key: str) -> str:
    """A path inside the prior at ``path``: ``"max"``, ``"[2]"``, or ``""`` for the prior itself."""
    if not key:
        return path
    if not path or key.startswith("["):
        return f"{path}{key}"
    return join_path(path, key)


def _syntax_of(spec: Mapping, path: str) -> Syntax:
    """The syntax of the distribution ``spec['dist']`` names, or a ConfigError saying what is valid."""
    names = ", ".join(REGISTRY)
    if "dist" not in spec:
        raise ConfigError(
            f"this prior has no dist: key; add one naming its distribution, one of: {names} "
            f"(for example {PRIOR_EXAMPLE})",
            path=path,
        )
    dist = spec["dist"]
    if isinstance(dist, str) and dist in SYNTAX:
        return SYNTAX[dist]
    hint = did_you_mean(dist, REGISTRY) if isinstance(dist, str) else ""
    raise ConfigError(
        f"unknown distribution {dist!r}{hint}; use one of: {names}", path=_within(path, "dist")
    )


def _read_keys(
    syntax: Syntax, spec: Mapping, path: str, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Split ``spec`` into numeric parameters and source/note/label, reporting bad keys and values."""
    allowed = syntax.keys()
    params: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for key, value in spec.items():
        key_path = _within(path, str(key))
        if key == "dist":
            continue
        if key == "label":
            message = label_problem(value)
            if message:
                problems.append(Problem(message, key_path))
            else:
                meta[key] = value.strip()
        elif key in ("source", "note"):
            if value is not None and not isinstance(value, str):
                problems.append(
                    Problem(f"{key} must be text, not {value!r}; put it in quotes", key_path)
                )
            elif value is not None:
                meta[key] = value
        elif key not in allowed:
            problems.append(
                Problem(
                    f"{str(key)!r} is not a parameter of a {syntax.dist} prior"
                    f"{did_you_mean(str(key), allowed)}; it takes {syntax.words()} "
                    "(plus optional source, note and label)",
                    key_path,
                )
            )
        elif key in syntax.list_keys:
            numbers = _number_list(value, key, key_path, problems)
            if numbers is not None:
                params[key] = numbers
        else:
            number, message = _number(value, key)
            if message:
                problems.append(Problem(message, key_path))
            else:
                params[key] = number
    return params, meta


def _number(value: Any, key: str) -> tuple[float | None, str | None]:
    """``(float, None)`` for a finite real number, else ``(None, message)``."""
    if isinstance(value, bool):  # YAML's yes/no/true/false; bool is an int in Python
        return None, f"{key} is {str(value).lower()}, a yes/no value, not a number; write a number"
    if isinstance(value, Real):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            return (
                None,
                f"{key} is {value!r}, which is not a finite number; write an ordinary number",
            )
        return number, None
    if value is None:
        return None, f"{key} has no value; write a number after '{key}:'"
    if isinstance(value, str):
        hint = (
            " (a percentage is written as a fraction: 5% is 0.05)"
            if value.strip().endswith("%")
            else ""
        )
        return (
            None,
            f"{key} is the text {value!r}, not a number; write a number without quotes{hint}",
        )
    return None, f"{key} must be a number, not {type(value).__name__} {value!r}"


def _number_list(
    value: Any, key: str, path: str, problems: list[Problem]
) -> tuple[float, ...] | None:
    """A list of finite numbers, appending one problem per bad entry."""
    if not isinstance(value, (list, tuple)):
        problems.append(
            Problem(f"{key} must be a list of numbers such as [1, 2, 3], not {value!r}", path)
        )
        return None
    numbers = []
    for i, item in enumerate(value):
        number, message = _number(item, f"{key}[{i}]")
        if message:
            problems.append(Problem(message, join_path(path, i)))
        numbers.append(number)
    return None if None in numbers else tuple(numbers)
