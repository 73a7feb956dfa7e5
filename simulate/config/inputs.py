"""The uncertain inputs: the ``priors:`` block, and what each numeric field refers to.

A numeric field of a line is a number, the name of a prior under
``priors:`` (shared by every field that names it) or an inline prior (its
own input, named by the field's path). A text that begins like a number
(``80,000``, ``$6``, ``2 months``) is a mistyped number, never a prior's
name. Each value must fit the field: a normal without bounds cannot be a
churn rate (the field's domain), and no value, constant or drawn, may be
larger than the field's bound (a trillion a month for an amount), so that
every sum the model takes stays finite.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError, describe_value, did_you_mean
from ..format import format_as_written
from .checks import Checks
from .loader import join_path
from .model import Input, Ref
from .numbers import (
    is_number,
    looks_numeric,
    mistyped_number,
    not_a_number,
    number_problem,
    percent_hint,
)
from .priors import U_EPS, Prior, parse_prior
from .priors.base import EDGE_LEVELS, computes
from .priors.parse import PRIOR_EXAMPLE
from .schema import FieldSpec
from .support import Support

__all__ = ["NAME_PATTERN", "U_TAIL", "Inputs"]

# What a prior's name may be (the JSON Schema checks it too).
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_NAME_RE = re.compile(NAME_PATTERN)
# Examples in messages: a rate or fraction gets fractions, never a whole-number percentage.
_EXAMPLES = {
    "amount": ("12", "{dist: triangular, min: 1, mode: 2, max: 4}"),
    "fraction": ("0.05", PRIOR_EXAMPLE),
}
# The sampler draws every prior at uniforms within [U_TAIL, 1 - U_TAIL] (priors.U_EPS,
# as sampling.py does), so an unbounded prior's draws lie between its quantiles there.
U_TAIL = U_EPS


def _constant(value: float) -> tuple[Ref, Support]:
    return Ref(value), Support(value, value)


class Inputs:
    """The named priors and the inputs (draws-matrix columns) of one config, as they are read.

    Parameters
    ----------
    checks
        Where problems are recorded.
    declared
        The ``priors:`` block as written, to tell a field naming a prior that
        failed its checks from one naming no prior at all.
    """

    def __init__(self, checks: Checks, declared: Any) -> None:
        self.checks = checks
        self.declared = declared if isinstance(declared, Mapping) else {}
        # a priors: block that is no mapping is one problem, not one per name it would hold
        self.broken = declared is not None and not isinstance(declared, Mapping)
        self.priors: dict[str, Prior] = {}
        self.index: dict[str, int] = {}
        self.used_by: dict[str, list[str]] = {}
        # fields that name a prior which failed its own checks (read as 0 meanwhile)
        self.unread: list[str] = []
        self._inputs: list[Input] = []

    def read_priors(self, priors: Mapping) -> None:
        """Parse the ``priors:`` block; each uncertain prior becomes an input."""
        for name, spec in priors.items():
            path = join_path("priors", str(name))
            if not isinstance(name, str) or not _NAME_RE.match(name):
                self.checks.error(
                    path,
                    f"{describe_value(name)} is not a usable prior name; use letters, digits and _ "
                    "(starting with a letter), e.g. churn_cut",
                )
                continue
            prior = self._parse(spec, path)
            if prior is None:
                continue
            self.priors[name] = prior
            if not prior.is_fixed:
                self._add(name, prior, inline=False)

    def failed(self, name: Any) -> bool:
        """Whether ``name`` names a prior whose own error is reported where it is declared.

        A field or correlation naming it says nothing more: one mistake, one line.
        """
        if isinstance(name, str) and name in self.priors:
            return False
        return self.broken or (isinstance(name, str) and name in self.declared)

    def prior_of(self, ref: Ref) -> Prior:
        """The prior behind a field that is not a constant."""
        return self._inputs[ref.input].prior

    def name_of(self, index: int) -> str:
        """The name of input ``index``."""
        return self._inputs[index].name

    def frozen(self, line_labels: Mapping[str, str] | None = None) -> tuple[Input, ...]:
        """The inputs, each with the fields that use it and its label.

        ``line_labels`` maps a line's path (``benefits[2]``) to what charts
        call it, for the labels of inline priors (see :class:`.Input`). A
        label that two inputs share gets the input's name added.
        """
        labels = [_label(i, line_labels or {}) for i in self._inputs]
        labels = [
            label if labels.count(label) == 1 or label == i.name else f"{label} ({i.name})"
            for i, label in zip(self._inputs, labels, strict=True)
        ]
        return tuple(
            Input(i.name, i.prior, i.inline, tuple(self.used_by.get(i.name, ())), label=label)
            for i, label in zip(self._inputs, labels, strict=True)
        )

    def resolve(
        self, value: Any, path: str, spec: FieldSpec, allowed: Support
    ) -> tuple[Ref, Support]:
        """One field as a constant or an input, and the values it can take.

        After a problem the field is a constant 0, so that checking can go on.
        """
        if spec.whole:
            v = self.checks.number(
                value, path, allowed.clipped(spec.bound.limit), whole=True, what="a whole number"
            )
            return _constant(0.0) if v is None else (Ref(float(v)), Support(v, v))
        if is_number(value):
            return self._number(value, path, spec, allowed)
        if isinstance(value, str) and _is_mistyped_number(value):
            self.checks.error(path, not_a_number(value))
            return _constant(0.0)
        if isinstance(value, str):
            return self._named(value, path, spec, allowed)
        if isinstance(value, Mapping):
            return self._inline(value, path, spec, allowed)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # nan, inf, or too long for a float
            self.checks.error(path, number_problem(value, example=_examples(spec)[0]))
            return _constant(0.0)
        self.checks.error(
            path,
            f"{describe_value(value)} is not a value; write a number, the name of a prior, "
            f"or an inline prior such as {_examples(spec)[1]}",
        )
        return _constant(0.0)

    def _number(
        self, value: float, path: str, spec: FieldSpec, allowed: Support
    ) -> tuple[Ref, Support]:
        if not allowed.contains_value(float(value)):
            hint = percent_hint(value, allowed, spec.per) if spec.per is not None else ""
            self.checks.error(
                path, f"{value!r}{hint or f' is outside the allowed range {allowed}'}"
            )
            return _constant(0.0)
        if abs(value) > spec.bound.limit:
            self.checks.error(
                path,
                f"{value!r} is more than {spec.bound.words} may be "
                f"(at most {format_as_written(spec.bound.limit)}); check the units",
            )
            return _constant(0.0)
        return _constant(float(value))

    def _named(
        self, name: str, path: str, spec: FieldSpec, allowed: Support
    ) -> tuple[Ref, Support]:
        if self.failed(name):
            # The prior's own error is reported where it is declared: one mistake, one line.
            self.unread.append(path)
            return _constant(0.0)
        if name not in self.priors:
            defined = ", ".join(self.priors) or "none"
            self.checks.error(
                path,
                f"{describe_value(name)} is not a prior{did_you_mean(name, self.priors)}; "
                f"defined priors: {defined}",
            )
            return _constant(0.0)
        prior = self.priors[name]
        self.used_by.setdefault(name, []).append(path)
        if not self._fits(prior, path, spec, allowed, f"prior {name!r}", name=name):
            return _constant(0.0)
        if prior.is_fixed:
            return _constant(float(prior.median()))
        return Ref(input=self.index[name]), prior.support()

    def _inline(
        self, value: Mapping, path: str, spec: FieldSpec, allowed: Support
    ) -> tuple[Ref, Support]:
        prior = self._parse(value, path)
        if prior is None or not self._fits(prior, path, spec, allowed, "this prior"):
            return _constant(0.0)
        if prior.is_fixed:
            return _constant(float(prior.median()))
        self._add(path, prior, inline=True)
        self.used_by[path] = [path]
        return Ref(input=self.index[path]), prior.support()

    def _add(self, name: str, prior: Prior, *, inline: bool) -> None:
        self.index[name] = len(self._inputs)
        self._inputs.append(Input(name, prior, inline=inline))

    def _parse(self, spec: Any, path: str) -> Prior | None:
        if is_number(spec):
            spec = {"dist": "fixed", "value": spec}
        if isinstance(spec, str) and _is_mistyped_number(spec):
            self.checks.error(path, not_a_number(spec))
            return None
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            self.checks.error(path, number_problem(spec))
            return None
        if not isinstance(spec, Mapping):
            self.checks.error(
                path,
                f"a prior must be a number or a mapping with dist:, not {describe_value(spec)}; "
                f"e.g. {PRIOR_EXAMPLE}",
            )
            return None
        try:
            prior = parse_prior(spec, path)
        except ConfigError as exc:
            self.checks.problems.extend(exc.problems)
            return None
        if any(map(math.isnan, _reach(prior))):
            self.checks.error(
                path,
                f"this prior ({prior.describe()}) cannot be drawn: at its extremes its quantile "
                "function gives values that are not finite or fall outside its own range, as "
                "its parameters are beyond what can be computed; check them for a unit slip",
            )
            return None
        return prior

    def _fits(
        self,
        prior: Prior,
        path: str,
        spec: FieldSpec,
        allowed: Support,
        what: str,
        *,
        name: str | None = None,
    ) -> bool:
        """Whether every value of ``prior`` is allowed in the field at ``path`` (else a problem).

        Its support must lie in the field's domain, and the values it can be
        drawn at within the field's bound. The problem with a named prior is
        also worded for the prior's place (``priors.<name>``), where a
        scenario or overlay that changed the prior has it reported.
        """
        support = prior.support()
        if not allowed.contains(support):
            hint = ""
            if spec.per is not None and 1 < support.hi <= 100:
                hint = " If these are percentages, divide them by 100: 12% is written 0.12."

            def message(field: str) -> str:
                return (
                    f"{what} ({prior.describe()}) can take values in {support}, but {field} must "
                    f"lie in {allowed}; bound the prior to the field's range (e.g. a normal with "
                    "min:/max:, a pert or beta within the range) or pick a distribution whose "
                    f"support fits.{hint}"
                )

        else:
            lo, hi = _reach(prior)  # numbers: _parse turned away a prior that cannot be drawn
            limit = spec.bound.limit
            if max(abs(lo), abs(hi)) <= limit:
                return True
            far = hi if abs(hi) >= abs(lo) else lo

            def message(field: str) -> str:
                words = (
                    spec.bound.words if field == "this field" else f"{field} ({spec.bound.words})"
                )
                return (
                    f"{what} ({prior.describe()}) can be drawn as far as {format_as_written(far)}, "
                    f"but {words} is at most {format_as_written(limit)} here; "
                    "check its units, or narrow its tails"
                )

        if name is None:
            self.checks.error(path, message("this field"))
        else:
            there = message(f"{path}, which uses it,")
            self.checks.caused(path, message("this field"), f"priors.{name}", there)
        return False


def _label(inp: Input, line_labels: Mapping[str, str]) -> str:
    """The prior's ``label:``; for an inline prior its line's and field's names; else its name."""
    if inp.prior.label:
        return inp.prior.label
    line, _, field = inp.name.rpartition(".")
    if inp.inline and line in line_labels:
        return f"{line_labels[line]}: {field.replace('_', ' ')}"
    return inp.name


def _reach(prior: Prior) -> tuple[float, float]:
    """The smallest and largest values ``prior`` can be drawn at; NaN where it cannot be drawn.

    A bounded end is the support's own; an unbounded one is the quantile at
    the sampler's most extreme uniform. A prior cannot be drawn when its
    quantiles there (and its median) are not finite or fall outside its own
    support (:func:`~.priors.base.computes`, which the readers of
    ``priors/params.py`` ask first, naming the parameter; this is the net
    behind them, for every distribution).
    """
    support = prior.support()
    try:
        if not computes(prior):
            return math.nan, math.nan
        if math.isfinite(support.lo) and math.isfinite(support.hi):
            return support.lo, support.hi  # (no quantile needed)
        with np.errstate(all="ignore"):
            q = np.asarray(prior.ppf(EDGE_LEVELS), dtype=float)
    except (ArithmeticError, ValueError):
        return math.nan, math.nan
    lo = support.lo if math.isfinite(support.lo) else float(q[0])
    hi = support.hi if math.isfinite(support.hi) else float(q[2])
    return lo, hi


def _is_mistyped_number(text: str) -> bool:
    """Whether a text in a number's place is a number written as people write them.

    Anything that begins as a number does (a digit, sign, currency symbol or
    point) can be no prior's name; a text that is no name but reads as a
    number (``USD 6``) is one too.
    """
    return looks_numeric(text) or (not _NAME_RE.match(text) and mistyped_number(text) is not None)


def _examples(spec: FieldSpec) -> tuple[str, str]:
    """A number and an inline prior to show in a message about ``spec``'s field."""
    return _EXAMPLES["fraction" if spec.per is not None else "amount"]
