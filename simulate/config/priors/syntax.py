"""How a config writes a distribution: its alternative forms of parameters.

A normal is written ``{dist: normal, mean: .., sd: ..}`` or with ``p10`` and
``p90`` instead, optionally with ``min`` and ``max``: a :class:`Syntax` holds
those *forms* (exactly one must be given) and the optional keys, says them in
words for error messages, and names what is missing or mixed up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import Problem
from .base import Prior

__all__ = ["META", "PARAMETERS", "Syntax", "and_list", "or_list"]

# What each parameter key of a prior means, in words (the JSON Schema shows them).
PARAMETERS = {
    "value": "the value, certain",
    "min": "the smallest value",
    "max": "the largest value",
    "mode": "the most likely value",
    "lambda": "how strongly values gather around the mode (default 4)",
    "mean": "the mean",
    "sd": "the standard deviation (> 0)",
    "p10": "the 10th percentile: 1 in 10 values lie below it",
    "p50": "the median",
    "median": "the median",
    "p90": "the 90th percentile: 1 in 10 values lie above it",
    "alpha": "the first shape parameter (> 0)",
    "beta": "the second shape parameter (> 0)",
    "values": "the values it can take",
    "probs": "the probability of each value, in the same order (they sum to 1)",
    "p": "the probability of 1 (success)",
}
# Free-text keys every prior may carry.
META = {
    "source": "where the assumption came from (free text)",
    "note": "who owns it, or anything else worth knowing (free text)",
    "label": "the name charts and tables show (one line, at most 60 characters)",
}

# Checks the values of one complete form and returns the class's arguments.
Reader = Callable[[dict[str, Any], list[Problem]], dict[str, Any]]


def and_list(words: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def or_list(words: Iterable[str]) -> str:
    """``["a", "b"]`` -> ``"a or b"``; ``["a and b", "c"]`` -> ``"a and b, or c"``."""
    words = list(words)
    if len(words) == 1:
        return words[0]
    # A comma keeps "mean and sd, or p10 and p90" from reading as one list.
    last = ", or " if len(words) > 2 or any(" and " in w for w in words) else " or "
    return ", ".join(words[:-1]) + last + words[-1]


@dataclass(frozen=True)
class Syntax:
    """The config syntax of one distribution.

    Attributes
    ----------
    cls : type of Prior
        The distribution built (its ``dist`` is the config's name for it).
    forms : tuple of tuple of str
        The alternative sets of required keys; exactly one must be given.
    read : callable
        ``read(params, problems) -> arguments``: checks the values of one
        complete form (``params`` maps config keys to finite floats, tuples
        for ``list_keys``) and returns ``cls``'s arguments. Problems are
        appended with paths relative to the prior (``"max"``, ``"probs[2]"``,
        or ``""`` for the prior as a whole); when any is found the return
        value is ignored.
    optional : tuple of str
        Keys that may be added to any form.
    list_keys : frozenset of str
        Keys that take a list of numbers.
    """

    cls: type[Prior]
    forms: tuple[tuple[str, ...], ...]
    read: Reader
    optional: tuple[str, ...] = ()
    list_keys: frozenset[str] = frozenset()

    @property
    def dist(self) -> str:
        return self.cls.dist

    def keys(self) -> tuple[str, ...]:
        """All parameter keys this distribution accepts, in a stable order."""
        ordered = dict.fromkeys(k for form in self.forms for k in form)
        ordered.update(dict.fromkeys(self.optional))
        return tuple(ordered)

    def words(self) -> str:
        """The accepted parameters in words.

        For example ``"mean and sd, or p10 and p90; optionally min and max"``.
        """
        text = or_list(and_list(form) for form in self.forms)
        if self.optional:
            text += f"; optionally {and_list(self.optional)}"
        return text

    def form_problems(self, present: Iterable[str]) -> list[str]:
        """Messages for a set of given keys that is not exactly one of ``forms``."""
        present = set(present)
        form_keys = {k for form in self.forms for k in form}
        given = [k for k in self.keys() if k in present and k in form_keys]
        if any(set(form) == set(given) for form in self.forms):
            return []
        options = or_list(and_list(form) for form in self.forms)
        if not given:
            return [f"a {self.dist} prior needs {options}"]
        partial = [form for form in self.forms if set(given) < set(form)]
        if partial:
            missing = or_list(and_list(k for k in form if k not in given) for form in partial)
            return [f"a {self.dist} prior with {and_list(given)} also needs {missing}"]
        return [
            f"{and_list(given)} are different ways of describing a {self.dist}; give exactly one "
            f"of: {options} (remove the others)"
        ]

    def as_written(self, params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        """The parameters in the order of their form, then the optional ones (for describe)."""
        form = next(f for f in self.forms if set(f) <= set(params))
        return tuple((k, params[k]) for k in (*form, *self.optional) if k in params)
