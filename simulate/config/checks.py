"""The problems and warnings found in one config, and the checks every part of it shares."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Problem, describe_value, did_you_mean
from .loader import join_path
from .numbers import is_number, number_problem, percent_hint
from .support import Support

__all__ = ["Checks"]


class Checks:
    """Collects every problem found while a config is read, rather than stopping at the first.

    Attributes
    ----------
    problems : list of Problem
        Mistakes, each at its path in the config (file and line come later).
    warnings : list of str
        Things worth knowing that do not stop a run (amounts beyond the horizon).
    causes : dict
        For a problem (its path and message) that a value written elsewhere
        brings about, that value's path and the message as it reads there: a
        field that a named prior does not fit is reported at the field, but
        where a scenario or overlay changed the prior, at the change (see
        :func:`.relocate`).
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.causes: dict[tuple[str, str], tuple[str, str]] = {}

    def error(self, path: str, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(Problem(message, path=path))

    def caused(self, path: str, message: str, cause: str, there: str) -> None:
        """Record a problem at ``path`` brought about by the value at ``cause`` (``there`` there)."""
        self.error(path, message)
        self.causes[(path, message)] = (cause, there)

    def any_under(self, path: str) -> bool:
        """Whether a problem has been recorded at ``path`` or inside it."""
        return any(p.path.startswith(path) for p in self.problems)

    def check_keys(self, mapping: Mapping, allowed: Iterable[str], path: str, what: str) -> None:
        """One problem per key of ``mapping`` that is not ``allowed``, with the nearest name."""
        allowed = tuple(allowed)
        for key in mapping:
            if key not in allowed:
                self.error(
                    join_path(path, str(key)),
                    f"unknown key {describe_value(key)} in {what}"
                    f"{did_you_mean(str(key), allowed)}; "
                    f"allowed keys: {', '.join(allowed)}",
                )

    def number(
        self,
        value: Any,
        path: str,
        allowed: Support | None = None,
        *,
        whole: bool = False,
        what: str = "a number",
        example: str = "12",
        per: str | None = None,
    ) -> float | int | None:
        """A plain number (or whole number) in ``allowed``, or None after an error.

        ``example`` is shown in the fix for a value that is not a number;
        ``per`` marks a rate or fraction (``"a year"``, or ``""``): a value
        above 1 gets its fraction suggested (``12`` -> "did you mean 0.12?").
        """
        if not is_number(value):
            self.error(path, number_problem(value, what, example))
            return None
        if whole and not float(value).is_integer():
            self.error(path, f"{value!r} is not a whole number; write e.g. {math.floor(value)}")
            return None
        # A whole number is compared as it is: 2**63 - 1 is not 2**63, as its float would be.
        exact = value if isinstance(value, int) else float(value)
        if allowed is not None and not allowed.contains_value(exact):
            hint = percent_hint(value, allowed, per) if per is not None else ""
            self.error(path, f"{value!r}{hint or f' is outside the allowed range {allowed}'}")
            return None
        return int(value) if whole else float(value)

    def mapping(self, value: Any, path: str, what: str) -> Mapping:
        """``value`` if it is a mapping, ``{}`` if it is empty, else ``{}`` after an error."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(
                path, f"{what} must be a mapping of keys to values, not {describe_value(value)}"
            )
            return {}
        return value
