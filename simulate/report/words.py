"""The review pack's sentences: the headline, the value of flexibility, each distribution in words.

Numbers are turned into text by :mod:`simulate.format` only, so the pack
says an amount the way the terminal and the charts do. A distribution is
described from its parameters *as the config wrote them* (``Prior.params``),
never from the canonical parameters a form was converted to: a lognormal
written with ``median`` and ``p90`` reads "Lognormal median 5,000, P90
20,000".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..config.priors import Prior
from ..format import format_as_written, format_money, format_percent, format_probability

__all__ = [
    "distribution_words",
    "flexibility_sentence",
    "headline_sentence",
    "number_words",
    "override_words",
]

# How a distribution's name is written, and the parameters read as a "low / mid / high" triple.
_NAMES = {
    "pert": "PERT",
    "triangular": "Triangular",
    "uniform": "Uniform",
    "normal": "Normal",
    "lognormal": "Lognormal",
    "beta": "Beta",
    "metalog": "Metalog",
    "discrete": "Discrete",
    "bernoulli": "Bernoulli",
    "fixed": "Fixed",
}
_TRIPLES = {"pert": ("min", "mode", "max"), "triangular": ("min", "mode", "max")}
# Parameter names as a reader says them.
_KEYS = {"sd": "sd", "p10": "P10", "p50": "P50", "p90": "P90", "median": "median"}


def _decimals(value: float) -> int:
    """The decimals ``value`` has as written (``0.05`` -> 2, ``60`` -> 0)."""
    text = format_as_written(value)
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1])


def number_words(value: Any, decimals: int | None = None) -> str:
    """A parameter as written, with thousands separators: ``5,000``, ``0.1``, ``1e-07``.

    ``decimals`` pads it to that many decimals (``0.1`` -> ``0.10``), so
    the numbers of one triple line up.
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(number_words(v) for v in value) + "]"
    value = float(value)
    if not math.isfinite(value):
        return format_as_written(value)
    text = format_as_written(value)
    if "e" in text:  # tiny or huge: as written, no separators
        return text
    if value == 0:
        return "0"
    d = _decimals(value) if decimals is None else max(decimals, _decimals(value))
    return f"{value:,.{d}f}"


def _joined(values: list[Any]) -> str:
    """``30 / 60 / 80``, padded to a common number of decimals."""
    d = max(_decimals(float(v)) for v in values)
    return " / ".join(number_words(v, d) for v in values)


def _discrete_words(params: Mapping[str, Any]) -> str:
    values, probs = params.get("values", ()), params.get("probs", ())
    parts = [
        f"{number_words(v)} ({format_percent(float(p))})"
        for v, p in zip(values, probs, strict=False)
    ]
    return ", ".join(parts)


def distribution_words(prior: Prior, unit: str | None = None) -> str:
    """The prior in words, from its parameters as written, with the field's unit.

    ``"PERT 30 / 60 / 80 seconds"``, ``"Triangular 0.05 / 0.10 / 0.20"``,
    ``"Normal mean 0.1, sd 0.02"``, ``"Lognormal median 5,000, P90 20,000"``,
    ``"Discrete 45,000 (30%), 60,000 (50%), 80,000 (20%)"``, ``"Fixed 3"``.
    A PERT's ``lambda`` is named only when it is not the usual 4.
    """
    dist = prior.dist
    params = dict(prior.params) if prior.params else _canonical(prior)
    name = _NAMES.get(dist, dist.capitalize())
    suffix = f" {unit}" if unit else ""
    if dist in _TRIPLES and all(k in params for k in _TRIPLES[dist]):
        text = f"{name} {_joined([params[k] for k in _TRIPLES[dist]])}"
        lam = params.get("lambda")
        if lam is not None and float(lam) != 4.0:
            text += f" (lambda {number_words(lam)})"
        return text + suffix
    if dist == "uniform" and "min" in params and "max" in params:
        return f"{name} {_joined([params['min'], params['max']])}".replace(" / ", " to ") + suffix
    if dist == "fixed":
        return f"{name} {number_words(params.get('value', prior.median()))}{suffix}"
    if dist == "bernoulli":
        return f"{name}: 1 with probability {number_words(params.get('p', prior.mean()))}, else 0"
    if dist == "discrete":
        return f"{name} {_discrete_words(params)}{suffix}"
    items = ", ".join(f"{_KEYS.get(k, k)} {number_words(v)}" for k, v in params.items())
    return f"{name} {items}{suffix}"


def _canonical(prior: Prior) -> dict[str, Any]:
    """A prior's own parameters, when it carries none as written (made in code)."""
    text = prior.describe()  # "dist(a=1, b=2)"
    inner = text[text.index("(") + 1 : -1]
    out: dict[str, Any] = {}
    for part in filter(None, inner.split(", ")):
        key, _, value = part.partition("=")
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def headline_sentence(data: Mapping[str, Any]) -> str:
    """The Forrester ROI-of-CX sentence for a pack's data.

    "Omnichannel platform brings $12.3M of benefit (P10-P90 $8.1M-$17.0M) in
    present value at a cost of $4.2M; median ROI 190%; chance of losing money
    3.1%." Benefit and cost are the medians of their present values; the
    chance of losing money is P(NPV <= 0). A scenario or an overlay is named
    after the config's name: "... (scenario conservative) (with CFO review)".
    """
    summary = data["summary"]
    cur = summary["currency"]
    metrics = summary["metrics"]
    ben, cost = metrics["pv_benefits"], metrics["pv_costs"]

    def money(x: float | None) -> str:
        return "n/a" if x is None else format_money(x, cur)

    roi = metrics["roi"]["p50"]
    roi_text = "ROI undefined (no costs)" if roi is None else f"median ROI {format_percent(roi)}"
    p_pos = summary["probabilities"]["npv_positive"]
    losing = format_probability(None if p_pos is None else 1.0 - p_pos)
    who = summary["name"]
    if summary.get("scenario"):
        who += f" (scenario {summary['scenario']})"
    if summary.get("overlay"):
        who += f" (with {summary['overlay'].get('name') or 'an overlay'})"
    return (
        f"{who} brings {money(ben['p50'])} of benefit "
        f"(P10-P90 {money(ben['p10'])}-{money(ben['p90'])}) in present value "
        f"at a cost of {money(cost['p50'])}; {roi_text}; chance of losing money {losing}."
    )


def flexibility_sentence(block: Mapping[str, Any], currency: str) -> str:
    """What the option to stop at the stage gates is worth, in one sentence.

    "The option to stop is worth $378 (95% interval $358 to $397): the mean
    NPV with the option to stop at the gate minus without it, on the same
    trials." ``block`` is summary.json's ``flexibility``. A negative value
    (gates that stop lines worth continuing) says that stopping lowers the
    mean NPV; an interval that includes zero says so.
    """
    value = block["value"]
    iv = block.get("value_interval") or {}
    low, high = iv.get("low"), iv.get("high")
    text = f"The option to stop is worth {format_money(value, currency)}"
    if low is not None and high is not None:
        zero = ", which includes zero" if low <= 0 <= high else ""
        text += (
            f" (95% interval {format_money(low, currency)} to {format_money(high, currency)}{zero})"
        )
    n = len(block.get("gates") or ())
    where = "the gate" if n == 1 else f"the {n} gates"
    text += (
        f": the mean NPV with the option to stop at {where} minus without it, on the same trials"
    )
    if value < 0:
        text += "; stopping where a gate fails gives up more than it saves"
    return text + "."


def override_words(path: str, labels: Mapping[str, str]) -> str:
    """An overlay's override as the pack names it: a prior by its label, then the path.

    ``priors.seconds_saved`` -> ``Seconds saved per contact (priors.seconds_saved)``;
    ``labels`` maps a prior's name to its label (the assumptions register's).
    A line's path (``lines.Handle time saved.lag``) already names it.
    """
    head, _, rest = str(path).partition(".")
    name = rest.split(".")[0]
    label = labels.get(name) if head == "priors" else None
    return f"{label} ({path})" if label and label != name else str(path)
