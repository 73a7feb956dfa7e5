"""Each distribution's parameters as a config writes them: checked, then fitted.

One reader per distribution turns the numbers of one complete form into the
class's canonical arguments (``p10``/``p90`` into a normal's ``mu`` and
``sigma``), and says what is wrong when they do not make a distribution
(``min >= max``, ``sd <= 0``, a metalog that would not be monotone). The
registry at the end pairs each name with its class and its :class:`Syntax`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import Problem
from ...format import format_as_written as _fmt
from . import metalog
from ._special import special
from .base import U_EPS, Prior, computes
from .beta import MAX_SHAPE, MIN_SHAPE, Beta, Pert, beta_sd_limit, beta_shapes_from_moments
from .discrete import Bernoulli, Discrete, Fixed
from .metalog import Metalog
from .normal import (
    Lognormal,
    Normal,
    lognormal_from_moments,
    lognormal_from_quantiles,
    normal_from_quantiles,
    normal_mass,
)
from .syntax import Syntax, and_list
from .uniform import Triangular, Uniform

__all__ = ["REGISTRY", "SYNTAX"]

_PROB_SUM_TOL = 1e-9
# A truncated normal keeping less of its parent than this is almost surely a
# typo (bounds on the wrong side of the mean, or in the wrong units).
_MIN_TRUNCATED_MASS = 1e-6
_SD_WHY = "for a value that is certain, write a plain number instead of a prior"
_POSITIVE_WHY = (
    "a lognormal only takes positive values (for values that can be 0 or less use normal or pert)"
)


def _check_order(problems: list[Problem], lo: float, hi: float, lo_key: str, hi_key: str) -> bool:
    """Append a problem unless ``lo < hi``; return whether they are in order."""
    if lo < hi:
        return True
    problems.append(
        Problem(
            f"{hi_key} ({_fmt(hi)}) must be greater than {lo_key} ({_fmt(lo)}); swap them if "
            "they are the wrong way round (for a value that is certain, write a plain number)",
            hi_key,
        )
    )
    return False


def _check_positive(problems: list[Problem], value: float, key: str, why: str) -> bool:
    """Append a problem unless ``value > 0``; return whether it is."""
    if value > 0:
        return True
    problems.append(Problem(f"{key} ({_fmt(value)}) must be greater than 0; {why}", key))
    return False


def _check_span(problems: list[Problem], lo: float, hi: float, lo_key: str, hi_key: str) -> bool:
    """Append a problem unless ``hi - lo`` is a float (the quantiles are scaled by it)."""
    if math.isfinite(hi - lo):
        return True
    problems.append(
        Problem(
            f"{lo_key} ({_fmt(lo)}) and {hi_key} ({_fmt(hi)}) are too far apart to compute "
            f"with: {hi_key} - {lo_key} is beyond the largest float (about 1.8e308); write "
            "the values in larger units (thousands or millions)",
            hi_key,
        )
    )
    return False


def _range_ok(problems: list[Problem], lo: float, hi: float, lo_key: str, hi_key: str) -> bool:
    """``lo < hi`` and ``hi - lo`` a float, each reported when it fails."""
    return _check_order(problems, lo, hi, lo_key, hi_key) and _check_span(
        problems, lo, hi, lo_key, hi_key
    )


def _check_computes(problems: list[Problem], prior: Prior, key: str, fix: str) -> bool:
    """Append a problem unless the quantiles a run can reach are finite and in the support."""
    if computes(prior):
        return True
    with np.errstate(all="ignore"):
        low, high = (float(v) for v in prior.ppf(np.array([U_EPS, 1.0 - U_EPS])))
    problems.append(
        Problem(
            f"with these parameters the {prior.dist}'s draws would reach {low:.3g} and "
            f"{high:.3g} (its quantiles at 1e-16 and 1 - 1e-16), beyond what floats hold in "
            f"{prior.support()}; {fix}",
            key,
        )
    )
    return False


def _check_mode(problems: list[Problem], p: dict[str, Any]) -> None:
    """The checks triangular and pert share: min < max and min <= mode <= max."""
    lo, mode, hi = p["min"], p["mode"], p["max"]
    if _range_ok(problems, lo, hi, "min", "max") and not lo <= mode <= hi:
        problems.append(
            Problem(
                f"mode ({_fmt(mode)}) must lie between min ({_fmt(lo)}) and max ({_fmt(hi)}); "
                "move it into that range or widen the range",
                "mode",
            )
        )


# --------------------------------------------------------------------------
# One reader per distribution
# --------------------------------------------------------------------------
def _read_fixed(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    return {"value": p["value"]}


def _read_uniform(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    _range_ok(problems, p["min"], p["max"], "min", "max")
    return {"lo": p["min"], "hi": p["max"]}


def _read_triangular(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    _check_mode(problems, p)
    return {"lo": p["min"], "mode": p["mode"], "hi": p["max"]}


def _read_pert(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    _check_mode(problems, p)
    lam = p.get("lambda", 4.0)
    why = "it sets how strongly values gather around the mode (4 is the usual choice)"
    if _check_positive(problems, lam, "lambda", why) and lam >= MAX_SHAPE:
        problems.append(
            Problem(
                f"lambda ({_fmt(lam)}) is too large to compute with (it must be below "
                f"{MAX_SHAPE:.0e}); the value is then all but certain to be the mode: write "
                "the mode as a plain number instead",
                "lambda",
            )
        )
    return {"lo": p["min"], "mode": p["mode"], "hi": p["max"], "lam": lam}


def _read_beta(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Shapes as given, or the moments of the moved variable (``mean``/``sd`` on min..max)."""
    lo, hi = p.get("min", 0.0), p.get("max", 1.0)
    range_ok = _range_ok(problems, lo, hi, "min", "max")
    if "alpha" in p:
        why = "it is a shape parameter of the beta"
        for key in ("alpha", "beta"):
            if _check_positive(problems, p[key], key, why):
                _check_shape(problems, p[key], key)
        return {"alpha": p["alpha"], "beta": p["beta"], "lo": lo, "hi": hi}
    mean, sd = p["mean"], p["sd"]
    sd_ok = _check_positive(problems, sd, "sd", _SD_WHY)
    if not range_ok:
        return {}
    if not lo < mean < hi:
        problems.append(
            Problem(
                f"mean ({_fmt(mean)}) must lie strictly between min ({_fmt(lo)}) and "
                f"max ({_fmt(hi)}); a beta lives on that range",
                "mean",
            )
        )
        return {}
    limit = beta_sd_limit(mean, lo, hi)
    if sd_ok and sd >= limit:
        problems.append(
            Problem(
                f"sd ({_fmt(sd)}) is too large for a beta with mean {_fmt(mean)} between "
                f"{_fmt(lo)} and {_fmt(hi)}: it must be below sqrt((mean - min) * (max - mean))"
                f" = {limit:.4g}; use a smaller sd or a wider min/max",
                "sd",
            )
        )
    if problems:
        return {}
    alpha, beta = beta_shapes_from_moments(mean, sd, lo, hi)
    if not (MIN_SHAPE <= alpha <= MAX_SHAPE and MIN_SHAPE <= beta <= MAX_SHAPE):
        problems.append(
            Problem(
                f"mean {_fmt(mean)} and sd {_fmt(sd)} on {_fmt(lo)}..{_fmt(hi)} make a beta "
                f"with shapes {alpha:.3g} and {beta:.3g}, outside what can be computed "
                f"({_fmt(MIN_SHAPE)} to {_fmt(MAX_SHAPE)}): an sd this small makes the value "
                "all but certain (write a plain number), one this close to its limit puts "
                "all the probability on min and max (use a discrete or bernoulli)",
                "sd",
            )
        )
        return {}
    return {"alpha": alpha, "beta": beta, "lo": lo, "hi": hi}


def _check_shape(problems: list[Problem], value: float, key: str) -> None:
    """A beta's shape within what its quantile function computes."""
    if not MIN_SHAPE <= value <= MAX_SHAPE:
        problems.append(
            Problem(
                f"{key} ({_fmt(value)}) is outside what can be computed: a beta's shapes lie "
                f"between {_fmt(MIN_SHAPE)} and {_fmt(MAX_SHAPE)} (above that the value is "
                "all but certain: write a plain number)",
                key,
            )
        )


def _read_normal(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """``mean``/``sd``, or ``p10``/``p90`` of the parent normal (before any truncation)."""
    if "sd" in p:
        mu, sigma = p["mean"], p["sd"]
        _check_positive(problems, sigma, "sd", _SD_WHY)
        spread_key = "sd"
    else:
        spread_key = "p90"
        if _check_order(problems, p["p10"], p["p90"], "p10", "p90"):
            mu, sigma = normal_from_quantiles(p["p10"], p["p90"])
            if not sigma > 0:  # p90 - p10 below the smallest float once divided
                problems.append(
                    Problem(
                        f"p10 ({_fmt(p['p10'])}) and p90 ({_fmt(p['p90'])}) are too close "
                        "together to compute a spread; for a value that is certain, write a "
                        "plain number",
                        "p90",
                    )
                )
    lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
    if "min" in p and "max" in p:
        _check_order(problems, lo, hi, "min", "max")
    if problems:
        return {}
    _check_computes(
        problems,
        Normal(mu, sigma),
        spread_key,
        "use a smaller spread, or write the values in larger units",
    )
    if problems:
        return {}
    _check_truncated_mass(problems, p, mu, sigma)
    return {"mu": mu, "sigma": sigma, "lo": lo, "hi": hi}


def _check_truncated_mass(
    problems: list[Problem], p: dict[str, Any], mu: float, sigma: float
) -> None:
    """Bounds that leave almost none of the normal are a mistake: blame the worse one."""
    a = (p.get("min", -math.inf) - mu) / sigma
    b = (p.get("max", math.inf) - mu) / sigma
    mass = float(normal_mass(a, b))
    if mass >= _MIN_TRUNCATED_MASS:
        return
    # The bound that cuts away more of the parent.
    key = "min" if float(special.ndtr(a)) >= float(special.ndtr(-b)) else "max"
    bounds = and_list(f"{k} = {_fmt(p[k])}" for k in ("min", "max") if k in p)
    problems.append(
        Problem(
            f"with {bounds}, only {mass:.1e} of this normal's probability (mean "
            f"{_fmt(mu)}, sd {_fmt(sigma)}) is left, so the bounds cut away almost "
            "all of it; move the bounds toward the mean, or check that they are in "
            "the same units as the mean",
            key,
        )
    )


def _read_lognormal(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    if "sd" in p:
        mean, sd = p["mean"], p["sd"]
        ok = _check_positive(problems, mean, "mean", _POSITIVE_WHY)
        ok = _check_positive(problems, sd, "sd", _SD_WHY) and ok
        if not ok:
            return {}
        mu, sigma = lognormal_from_moments(mean, sd)
        key = "sd"
    else:
        low_key = "p10" if "p10" in p else "median"
        low, p90 = p[low_key], p["p90"]
        if not _check_positive(problems, low, low_key, _POSITIVE_WHY) or not _check_order(
            problems, low, p90, low_key, "p90"
        ):
            return {}
        mu, sigma = lognormal_from_quantiles(low, p90, median=low_key == "median")
        key = "p90"
    if not _check_computes(
        problems,
        Lognormal(mu, sigma),
        key,
        "a lognormal's values must stay between about 1e-308 and 1e308: write them in "
        "other units, or narrow the spread",
    ):
        return {}  # mu and sigma may be infinite: nothing more to report about them
    return {"mu": mu, "sigma": sigma}


def _read_metalog(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    p10, p50, p90 = p["p10"], p["p50"], p["p90"]
    lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
    _check_order(problems, p10, p50, "p10", "p50")
    _check_order(problems, p50, p90, "p50", "p90")
    if "min" in p and "max" in p and not _range_ok(problems, lo, hi, "min", "max"):
        return {}
    open_end = (
        "the bounds of a metalog are never reached, so the quantiles must lie strictly inside them"
    )
    if not lo < p10:
        problems.append(
            Problem(f"min ({_fmt(lo)}) must be below p10 ({_fmt(p10)}); {open_end}", "min")
        )
    if not p90 < hi:
        problems.append(
            Problem(f"max ({_fmt(hi)}) must be above p90 ({_fmt(p90)}); {open_end}", "max")
        )
    if problems:
        return {}
    _check_monotone(problems, p)
    if problems:
        return {}
    prior = Metalog(p10, p50, p90, lo, hi)
    _check_computes(
        problems,
        prior,
        "",
        "bring p10 and p90 closer to p50, set a min or max, or write the values in other units",
    )
    return {"p10": p10, "p50": p50, "p90": p90, "lo": lo, "hi": hi}


def _check_monotone(problems: list[Problem], p: dict[str, Any]) -> None:
    """Explain, on the scale the bounds set, why three quantiles make no metalog."""
    p10, p50, p90 = p["p10"], p["p50"], p["p90"]
    lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
    with np.errstate(all="ignore"):
        z10, z50, z90 = (float(v) for v in metalog.to_z(np.array([p10, p50, p90]), lo, hi))
        _, a2, a3 = metalog.coefficients(z10, z50, z90)
    if not (math.isfinite(a2) and math.isfinite(a3) and z10 < z50 < z90):
        # The bounds' log scale squeezed two quantiles into one float, or the
        # differences overflowed.
        problems.append(
            Problem(
                f"p10 = {_fmt(p10)}, p50 = {_fmt(p50)}, p90 = {_fmt(p90)} are too close together "
                "(or too far apart) for a metalog to be computed on the scale its bounds set; "
                "spread them out, move min/max away from them, or use pert or lognormal",
                "",
            )
        )
        return
    if metalog.is_monotone(a2, a3):
        return
    scale = {
        (False, False): "",
        (True, False): " (on the log scale that min sets)",
        (False, True): " (on the log scale that max sets)",
        (True, True): " (on the logit scale that min and max set)",
    }[("min" in p, "max" in p)]
    share = (z50 - z10) / (z90 - z10)
    # A bound near the short tail lets the log/logit form absorb the skew.
    bound_hint = (
        "set (or raise) a min a little below p10"
        if share < 0.5
        else "set (or lower) a max a little above p90"
    )
    edge = (1.0 - 0.4 * metalog.MAX_RATIO) / 2.0
    ratio = f"|a3|/a2 = {abs(a3) / a2:.4g}" if a2 > 0 else f"a2 = {a2:.4g}"
    problems.append(
        Problem(
            f"p10 = {_fmt(p10)}, p50 = {_fmt(p50)}, p90 = {_fmt(p90)} cannot be fitted "
            f"by a 3-term metalog: its quantile function would not be monotone ({ratio}; "
            f"it needs a2 > 0 and |a3|/a2 < {metalog.MAX_RATIO}). p50 sits "
            f"{share:.0%} of the way from p10 to p90{scale} and must sit between "
            f"{edge:.0%} and {1 - edge:.0%}: move p50 toward the middle, {bound_hint}, "
            "or use pert or lognormal",
            "",
        )
    )


def _read_discrete(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    values, probs = p["values"], p["probs"]
    if not values:
        problems.append(
            Problem("values is empty; list at least one value, e.g. [1, 2, 3]", "values")
        )
    elif len(values) != len(probs):
        problems.append(
            Problem(
                f"values has {len(values)} entries but probs has {len(probs)}; give exactly "
                "one probability per value, in the same order",
                "probs",
            )
        )
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        problems.append(
            Problem(
                f"values lists {and_list(_fmt(v) for v in repeated)} more than once; give each "
                "value once, with the probabilities added together",
                "values",
            )
        )
    _check_probabilities(problems, probs)
    return {"values": tuple(values), "probs": tuple(probs)}


def _check_probabilities(problems: list[Problem], probs: tuple[float, ...]) -> None:
    """Each probability at least 0, and together 1."""
    negative = [i for i, q in enumerate(probs) if q < 0]
    for i in negative:
        problems.append(
            Problem(
                f"probs[{i}] ({_fmt(probs[i])}) is negative; probabilities lie between 0 and 1",
                f"probs[{i}]",
            )
        )
    total = math.fsum(probs)
    if probs and not negative and abs(total - 1.0) > _PROB_SUM_TOL:
        problems.append(
            Problem(f"probs add up to {total!r}, not 1; make them sum to 1 (within 1e-9)", "probs")
        )


def _read_bernoulli(p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    if not 0.0 <= p["p"] <= 1.0:
        problems.append(
            Problem(f"p ({_fmt(p['p'])}) is a probability and must lie between 0 and 1", "p")
        )
    return {"p": p["p"]}


# --------------------------------------------------------------------------
# The registry: every distribution a config can name, in the order listed to users
# --------------------------------------------------------------------------
SYNTAX: dict[str, Syntax] = {
    s.dist: s
    for s in (
        Syntax(Fixed, (("value",),), _read_fixed),
        Syntax(Uniform, (("min", "max"),), _read_uniform),
        Syntax(Triangular, (("min", "mode", "max"),), _read_triangular),
        Syntax(Pert, (("min", "mode", "max"),), _read_pert, optional=("lambda",)),
        Syntax(Normal, (("mean", "sd"), ("p10", "p90")), _read_normal, optional=("min", "max")),
        Syntax(Lognormal, (("mean", "sd"), ("p10", "p90"), ("median", "p90")), _read_lognormal),
        Syntax(Beta, (("alpha", "beta"), ("mean", "sd")), _read_beta, optional=("min", "max")),
        Syntax(Metalog, (("p10", "p50", "p90"),), _read_metalog, optional=("min", "max")),
        Syntax(
            Discrete,
            (("values", "probs"),),
            _read_discrete,
            list_keys=frozenset({"values", "probs"}),
        ),
        Syntax(Bernoulli, (("p",),), _read_bernoulli),
    )
}
REGISTRY: dict[str, type[Prior]] = {name: syntax.cls for name, syntax in SYNTAX.items()}
