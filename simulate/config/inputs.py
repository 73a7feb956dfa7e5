"""The uncertain inputs: the ``priors:`` block, and what each numeric field refers to.

A numeric field of a line is a number, the name of a prior under
``priors:`` (shared by every field that names it) or an inline prior (its
own input, named by the field's path). Each prior must fit the field: a
normal without bounds cannot be a churn rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError, describe_value, did_you_mean
from .checks import Checks
from .loader import is_number, join_path
from .model import Input, Ref
from .priors import Prior, parse_prior
from .priors.parse import PRIOR_EXAMPLE
from .schema import FieldSpec
from .support import Support

__all__ = ["Inputs"]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE_EXAMPLE = "{dist: triangular, min: 1, mode: 2, max: 4}"


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
        self.priors: dict[str, Prior] = {}
        self.index: dict[str, int] = {}
        self.used_by: dict[str, list[str]] = {}
        self._inputs: list[Input] = []

    def read_priors(self, priors: Mapping) -> None:
        """Parse the ``priors:`` block; each uncertain prior becomes an input."""
        for name, spec in priors.items():
            path = join_path("priors", str(name))
            if not isinstance(name, str) or not _NAME_RE.match(name):
                self.checks.error(
                    path,
                    f"{name!r} is not a usable prior name; use letters, digits and _ "
                    "(starting with a letter), e.g. churn_cut",
                )
                continue
            prior = self._parse(spec, path)
            if prior is None:
                continue
            self.priors[name] = prior
            if not prior.is_fixed:
                self._add(name, prior, inline=False)

    def prior_of(self, ref: Ref) -> Prior:
        """The prior behind a field that is not a constant."""
        return self._inputs[ref.input].prior

    def name_of(self, index: int) -> str:
        """The name of input ``index``."""
        return self._inputs[index].name

    def frozen(self) -> tuple[Input, ...]:
        """The inputs, each with the fields that use it."""
        return tuple(
            Input(i.name, i.prior, i.inline, tuple(self.used_by.get(i.name, ())))
            for i in self._inputs
        )

    def resolve(
        self, value: Any, path: str, spec: FieldSpec, allowed: Support
    ) -> tuple[Ref, Support]:
        """One field as a constant or an input, and the values it can take.

        After a problem the field is a constant 0, so that checking can go on.
        """
        if spec.whole:
            v = self.checks.number(value, path, allowed, whole=True, what="a whole number")
            return _constant(0.0) if v is None else (Ref(float(v)), Support(v, v))
        if is_number(value):
            if not allowed.contains_value(float(value)):
                self.checks.error(path, f"{value!r} is outside the allowed range {allowed}")
                return _constant(0.0)
            return _constant(float(value))
        if isinstance(value, str):
            return self._named(value, path, allowed)
        if isinstance(value, Mapping):
            return self._inline(value, path, allowed)
        self.checks.error(
            path,
            f"{describe_value(value)} is not a value; write a number, the name of a prior, "
            f"or an inline prior such as {_VALUE_EXAMPLE}",
        )
        return _constant(0.0)

    def _named(self, name: str, path: str, allowed: Support) -> tuple[Ref, Support]:
        if name not in self.priors:
            defined = ", ".join(self.priors) or "none"
            declared = (
                " (it is declared under priors: but has an error, reported above)"
                if name in self.declared
                else ""
            )
            self.checks.error(
                path,
                f"{name!r} is not a prior{declared}{did_you_mean(name, self.priors)}; "
                f"defined priors: {defined}",
            )
            return _constant(0.0)
        prior = self.priors[name]
        self.used_by.setdefault(name, []).append(path)
        if not self._fits(prior, path, allowed, f"prior {name!r}"):
            return _constant(0.0)
        if prior.is_fixed:
            return _constant(float(prior.median()))
        return Ref(input=self.index[name]), prior.support()

    def _inline(self, spec: Mapping, path: str, allowed: Support) -> tuple[Ref, Support]:
        prior = self._parse(spec, path)
        if prior is None or not self._fits(prior, path, allowed, "this prior"):
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
        if not isinstance(spec, Mapping):
            self.checks.error(
                path,
                f"a prior must be a number or a mapping with dist:, not {describe_value(spec)}; "
                f"e.g. {PRIOR_EXAMPLE}",
            )
            return None
        try:
            return parse_prior(spec, path)
        except ConfigError as exc:
            self.checks.problems.extend(exc.problems)
            return None

    def _fits(self, prior: Prior, path: str, allowed: Support, what: str) -> bool:
        """Whether every value of ``prior`` is allowed in the field at ``path`` (else a problem)."""
        support = prior.support()
        if allowed.contains(support):
            return True
        self.checks.error(
            path,
            f"{what} ({prior.describe()}) can take values in {support}, but this field must lie in "
            f"{allowed}; bound the prior to the field's range (e.g. a normal with min:/max:, "
            "a pert or beta within the range) or pick a distribution whose support fits",
        )
        return False
