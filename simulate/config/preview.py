"""What each prior of a valid config implies, before anything runs (``validate --preview``).

For every input (each named prior, fixed ones and unused ones too, and each
inline prior): its distribution in words, its exact quantiles at P1, P10,
P50, P90 and P99 (the quantile function, no sampling) in the unit of the
fields it feeds, those fields, its ``source:``, and warnings for tails that
are rarely meant:

- a rate or fraction whose P99 is more than ten times its median, or above
  a median of 0 (at least half the trials draw none of it);
- a lift or churn cut (``churn_reduction``, ``uplift``, an absolute
  ``conversion_lift``) whose P99 is above 0.5: half of all churn gone, or
  fifty points of conversion;
- an amount, count or duration whose P1 is negative. Validation already
  refuses a prior that can go below 0 in such a field, so this one guards
  the rule should a field ever allow it.

Only the config layer is used: no numba, scipy.stats or matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..format import format_as_written, format_money, format_number, format_percent
from .model import Model
from .priors import Prior
from .schema import BENEFIT_TYPES, COST_TYPES

__all__ = [
    "LEVELS",
    "PreviewRow",
    "describe",
    "field_units",
    "preview_rows",
    "shown",
    "tail_warnings",
]

LEVELS = (0.01, 0.10, 0.50, 0.90, 0.99)
# Rate or fraction: P99 more than this many times the median is a long tail.
RATE_TAIL = 10.0
# A lift or churn cut above this at P99 is rarely meant.
LIFT_P99 = 0.5
_LIFTS = ("churn_reduction", "uplift", "conversion_lift")
_NOT_NEGATIVE = ("currency", "count", "months", "seconds", "multiplier")


@dataclass(frozen=True)
class PreviewRow:
    """One input as the preview shows it."""

    name: str
    words: str  # the distribution in words
    quantiles: tuple[float, ...]  # at LEVELS
    unit: str  # of the fields it feeds (schema.UNITS), "mixed", or "" when no field uses it
    used_by: tuple[str, ...]
    source: str | None
    warnings: tuple[str, ...]


def field_units() -> dict[str, str]:
    """Each numeric field's unit, by field name (the same in every line type)."""
    return {
        f.name: f.unit for t in (BENEFIT_TYPES, COST_TYPES) for s in t.values() for f in s.fields
    }


def preview_rows(model: Model) -> list[PreviewRow]:
    """A row per named prior (in the config's order), then one per inline prior."""
    users = dict(model.prior_users)
    priors: list[tuple[str, Prior, tuple[str, ...]]] = [
        (name, prior, tuple(users.get(name, ()))) for name, prior in model.priors.items()
    ]
    priors += [(i.name, i.prior, i.used_by) for i in model.inputs if i.inline]
    modes = {line.path: line.options.get("mode", "") for line in model.lines}
    units = field_units()
    # A gate compares the prior with a threshold in the prior's own unit: its read
    # takes the unit of the fields, rather than making it "mixed".
    reads = {f"{gate.path}.continue_if" for gate in model.gates}
    rows = []
    for name, prior, used in priors:
        q = tuple(float(v) for v in np.asarray(prior.ppf(np.array(LEVELS)), dtype=float))
        kinds = {units.get(p.rpartition(".")[2], "") for p in used if p not in reads}
        unit = "" if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"
        lifts = [
            p
            for p in used
            if p.rpartition(".")[2] in _LIFTS
            and not (
                p.endswith(".conversion_lift") and modes.get(p.rpartition(".")[0]) == "relative"
            )
        ]
        rows.append(
            PreviewRow(
                name=name,
                words=describe(prior),
                quantiles=q,
                unit=unit,
                used_by=used,
                source=prior.source,
                warnings=tuple(tail_warnings(q, unit, lifts)),
            )
        )
    return rows


def tail_warnings(q: tuple[float, ...], unit: str, lifts: list[str]) -> list[str]:
    """The implausible tails of an input with quantiles ``q`` (at LEVELS) in ``unit``.

    ``lifts`` are the lift or churn-cut fields (among those it feeds) held to
    P99 <= 0.5.
    """
    p1, _, p50, _, p99 = q
    out = []
    # A median of 0 with a P99 above it is the limit of the rule (any P99 is "infinitely
    # many" times 0): at least half the trials draw none of the rate, 1 in 100 a lot of it.
    if unit == "percent" and p99 > RATE_TAIL * p50 and (p50 > 0 or (p50 == 0 and p99 > 0)):
        times = (
            f"{p99 / p50:.0f} times its median ({format_percent(p50)})"
            if p50 > 0
            else f"above its median of {format_percent(p50)}, which at least half the trials draw"
        )
        out.append(
            f"its P99 ({format_percent(p99)}) is {times}: a long upper tail for a rate or "
            "fraction; check the upper parameter, or bound the prior (max:)"
        )
    if lifts and p99 > LIFT_P99:
        out.append(
            f"its P99 is {format_percent(p99)} where it is {_lift_words(lifts)}: 1 trial in "
            f"100 assumes more than {format_percent(LIFT_P99)}; is that meant? Narrow the "
            "upper tail (a lower p90 or max:)"
        )
    if unit in _NOT_NEGATIVE and p1 < 0:
        out.append(f"its P1 ({format_number(p1)}) is negative, which {unit} cannot be")
    return out


def _lift_words(paths: list[str]) -> str:
    fields = sorted({p.rpartition(".")[2].replace("_", " ") for p in paths})
    return "a " + " and a ".join(fields)


def shown(value: float, unit: str, currency: str) -> str:
    """A quantile written in its unit: ``$48``, ``5%``, ``3.5 mo``, ``45 s``, ``×1.05``."""
    if unit == "currency":
        return format_money(value, currency)
    if unit == "percent":
        return format_percent(value)
    suffix = {"months": " mo", "seconds": " s"}.get(unit, "")
    return ("×" if unit == "multiplier" else "") + format_number(value) + suffix


def describe(prior: Prior) -> str:
    """The distribution in words: ``pert from 0.02 to 0.1, most likely 0.05``."""
    p: Mapping = dict(prior.params)
    w = {k: format_as_written(v) for k, v in p.items() if not isinstance(v, tuple)}
    dist = prior.dist
    bounds = _bounds(w)
    if dist == "fixed":
        return f"fixed at {w['value']}"
    if dist == "bernoulli":
        return f"1 with probability {w['p']}, else 0"
    if dist == "discrete":
        pairs = zip(p["values"], p["probs"], strict=True)
        return "one of " + ", ".join(
            f"{format_as_written(v)} ({format_percent(q)})" for v, q in pairs
        )
    if dist in ("uniform", "triangular", "pert"):
        mode = f", most likely {w['mode']}" if "mode" in w else ""
        lam = f" (lambda {w['lambda']})" if "lambda" in w else ""
        return f"{dist} from {w['min']} to {w['max']}{mode}{lam}"
    if dist == "beta" and "alpha" in w:
        return f"beta(alpha {w['alpha']}, beta {w['beta']}){bounds or ' on [0, 1]'}"
    if dist == "metalog":
        return f"metalog through P10 {w['p10']}, P50 {w['p50']}, P90 {w['p90']}{bounds}"
    shape = ", ".join(
        f"{'P' + k[1:] if k[0] == 'p' else k} {w[k]}"
        for k in ("mean", "sd", "median", "p10", "p90")
        if k in w
    )
    return f"{dist} with {shape}{bounds}"


def _bounds(w: Mapping[str, str]) -> str:
    if "min" in w and "max" in w:
        return f", within [{w['min']}, {w['max']}]"
    if "min" in w:
        return f", at least {w['min']}"
    if "max" in w:
        return f", at most {w['max']}"
    return ""
