"""``add:``/``multiply:`` on a value as a config writes it: a number or a prior.

A transform keeps a prior's shape: a uniform, triangular, pert, normal, beta,
metalog, discrete or fixed prior has its location parameters shifted and
scaled (so the same random draw maps to ``draw * multiply + add`` exactly);
a lognormal can be multiplied but not shifted; a bernoulli flag cannot be
transformed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .numbers import is_number

__all__ = ["TRANSFORM_KEYS", "Unfit", "divided", "is_divisible", "is_transform", "transform"]

TRANSFORM_KEYS = ("add", "multiply")

# The parameters of each distribution that move with its values under
# x -> x * multiply + add ("location"), and those that only scale ("spread").
_LOCATION = {
    "fixed": ("value",),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "normal": ("mean", "p10", "p90", "min", "max"),
    "beta": ("mean", "min", "max"),
    "metalog": ("p10", "p50", "p90", "min", "max"),
    "discrete": ("values",),
}
_SPREAD = {
    "normal": ("sd",),
    "beta": ("sd",),
    "lognormal": ("mean", "sd", "p10", "p90", "median"),
}


class Unfit(Exception):
    """An override that the value it changes cannot take.

    ``suffix`` is the path inside the override to blame (``".add"``), if any.
    """

    def __init__(self, message: str, suffix: str = ""):
        super().__init__(message)
        self.suffix = suffix


def is_transform(value: Any) -> bool:
    """Whether an override is a transform (a mapping with ``add:`` or ``multiply:``)."""
    return isinstance(value, Mapping) and bool(set(value) & set(TRANSFORM_KEYS))


def transform(current: Any, add: float, multiply: float, what: str) -> Any:
    """``current * multiply + add``: a number, or a prior mapping with its parameters moved.

    Raises
    ------
    Unfit
        For a value that cannot be transformed (a name, a bernoulli, a
        shifted lognormal); ``what`` names it in the message.
    """
    if is_number(current):
        return current * multiply + add
    if not isinstance(current, Mapping):
        raise Unfit(f"{what} is {current!r}, which add:/multiply: cannot transform")
    dist = current.get("dist")
    if dist == "lognormal" and add != 0:
        raise Unfit(
            f"{what} is a lognormal, which lives above 0 and cannot be shifted; use "
            "multiply:, or replace it with a prior that can (e.g. a pert)",
            ".add",
        )
    # A dist that is no name (a list, say) can be no key of the tables either.
    if not isinstance(dist, str) or (dist not in _LOCATION and dist not in _SPREAD):
        raise Unfit(
            f"{what} is a {dist} prior, which add:/multiply: cannot transform; replace it "
            "whole (e.g. {dist: bernoulli, p: 0.6})"
        )
    return _moved(current, lambda x: x * multiply + add, lambda x: x * multiply)


def divided(current: Any, by: float, what: str) -> Any:
    """``current / by`` (``by`` > 0), each number divided exactly (correctly rounded).

    A number, or a prior mapping whose values all divide by ``by``: the same
    random draw maps to ``draw / by``. An annual amount becomes a monthly one
    so (``by`` = 12).

    Raises
    ------
    Unfit
        For a value that cannot be divided (a name, a bernoulli flag).
    """
    if is_number(current):
        return current / by
    dist = current.get("dist") if isinstance(current, Mapping) else None
    if not isinstance(current, Mapping) or not is_divisible(current):
        shown = f"a {dist} prior" if isinstance(dist, str) else repr(current)
        raise Unfit(
            f"{what} is {shown}, which cannot be divided: give a number or a prior of "
            "amounts (uniform, triangular, pert, normal, lognormal, beta, metalog, discrete)"
        )
    return _moved(current, lambda x: x / by, lambda x: x / by)


def is_divisible(value: Mapping) -> bool:
    """Whether a prior mapping names a distribution :func:`divided` can divide."""
    dist = value.get("dist")
    return isinstance(dist, str) and (dist in _LOCATION or dist in _SPREAD)


def _moved(current: Mapping, location: Callable, spread: Callable) -> dict:
    """A prior mapping with its location and spread parameters mapped (see the tables above)."""
    dist = current["dist"]
    out = dict(current)
    if dist == "beta":  # make the default range explicit so that it moves too
        out.setdefault("min", 0.0)
        out.setdefault("max", 1.0)
    for key in _LOCATION.get(dist, ()):
        if key in out:
            out[key] = _each(out[key], location)
    for key in _SPREAD.get(dist, ()):
        if key in out:
            out[key] = _each(out[key], spread)
    return out


def _each(x: Any, f: Callable) -> Any:
    if isinstance(x, list):
        return [_each(v, f) for v in x]
    return f(x) if is_number(x) else x  # a bad value is left for validation
