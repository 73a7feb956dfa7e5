"""Distributions for uncertain values (MODEL.md section 2), as a registry.

Each distribution is a small frozen dataclass holding its *canonical*
parameters (a normal keeps ``mu`` and ``sigma`` whether the config gave
``mean``/``sd`` or ``p10``/``p90``) and offers a vectorised quantile function
(:meth:`Prior.ppf`), :meth:`Prior.cdf`, a fast :meth:`Prior.sample`,
:meth:`Prior.median`, :meth:`Prior.mean` and :meth:`Prior.support`.

:func:`parse_prior` turns one YAML mapping (``{dist: pert, min: ..., ...}``)
into a prior and reports every mistake in it at once as a
:class:`~simulate.errors.ConfigError`. Validation happens there, once: the
classes themselves trust their arguments, so build them through
:func:`parse_prior` unless the parameters are already known to be valid.

The hot paths (``ppf`` and ``sample`` over 1e6-1e7 values) use closed forms,
``scipy.special`` and the ``Generator``'s own samplers, never frozen
``scipy.stats`` objects, whose per-call overhead dominates at this scale.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from fractions import Fraction
from numbers import Real
from typing import Any, ClassVar

import numpy as np
from scipy import special

from ..errors import ConfigError, Problem, did_you_mean

__all__ = [
    "REGISTRY",
    "Bernoulli",
    "Beta",
    "Discrete",
    "Fixed",
    "Lognormal",
    "Metalog",
    "Normal",
    "Pert",
    "Prior",
    "Support",
    "Triangular",
    "Uniform",
    "parse_prior",
]

_Z90 = float(special.ndtri(0.9))  # standard normal 90th percentile
_PROB_SUM_TOL = 1e-9
# A truncated normal keeping less of its parent than this is almost surely a
# typo (bounds on the wrong side of the mean, or in the wrong units).
_MIN_TRUNCATED_MASS = 1e-6
# Keelin (2016): a 3-term metalog is a valid (increasing) quantile function
# iff a2 > 0 and |a3| / a2 < 1.66711.
_METALOG_MAX_RATIO = 1.66711
# Bisection steps of the metalog cdf: 2**-60 ~ 1e-18 in probability.
_METALOG_CDF_STEPS = 60
_EXAMPLE = "{dist: pert, min: 0.02, mode: 0.05, max: 0.10}"

FloatArray = np.ndarray


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    """A number as a person would write it (``0.1``, ``4``, ``inf``); lists as ``[a, b]``."""
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.12g}"


def _join(path: str, key: str) -> str:
    """``_join("priors.x", "max") == "priors.x.max"``; an empty key is the path itself."""
    if not key:
        return path
    if not path or key.startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}"


def _and(words: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _or(words: Iterable[str]) -> str:
    """``["a", "b"]`` -> ``"a or b"``; ``["a and b", "c"]`` -> ``"a and b, or c"``."""
    words = list(words)
    if len(words) == 1:
        return words[0]
    # A comma keeps "mean and sd, or p10 and p90" from reading as one list.
    last = ", or " if len(words) > 2 or any(" and " in w for w in words) else " or "
    return ", ".join(words[:-1]) + last + words[-1]


def _rescale(t: FloatArray, lo: float, hi: float) -> FloatArray:
    """``lo + (hi - lo) * t``, exact at ``t = 0`` and ``t = 1``.

    The plain affine map can land one ulp outside ``[lo, hi]`` at ``t = 1``;
    computing the upper half from ``hi`` keeps ppf(1) == hi exactly.
    """
    span = hi - lo
    return np.where(t <= 0.5, lo + span * t, hi - span * (1.0 - t))


def _standardise(x: Any, shift: float, scale: float) -> FloatArray:
    """``(x - shift) / scale`` as floats; beyond the float range it is rightly +-inf."""
    with np.errstate(over="ignore"):
        return (np.asarray(x, dtype=float) - shift) / scale


def _normal_mass(a: Any, b: Any) -> Any:
    """``P(a < Z < b)`` for a standard normal ``Z`` and ``a <= b``, accurate in both tails.

    Above the mean the difference is taken of survival probabilities, so a mass
    far in the upper tail is never the difference of two numbers close to 1.
    """
    upper = special.ndtr(-a) - special.ndtr(-b)
    lower = special.ndtr(b) - special.ndtr(a)
    return np.where(np.asarray(a) >= 0, upper, lower)


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


_SD_WHY = "for a value that is certain, write a plain number instead of a prior"


# --------------------------------------------------------------------------
# Support and the base class
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Support:
    """The set of values a prior can take.

    Attributes
    ----------
    lo, hi : float
        The ends; ``-inf``/``inf`` for an unbounded end (which is then open).
    lo_closed, hi_closed : bool
        Whether the end itself can be drawn.
    values : tuple of float, optional
        For a discrete prior, the values themselves (in increasing order).
    """

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    values: tuple[float, ...] | None = None

    def __str__(self) -> str:
        if self.values is not None:
            return "{" + ", ".join(_fmt(v) for v in self.values) + "}"
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{_fmt(self.lo)}, {_fmt(self.hi)}{right}"


@dataclass(frozen=True)
class Prior(ABC):
    """A distribution for one uncertain value.

    Subclasses are frozen dataclasses of their canonical parameters, one per
    ``dist`` name, listed in :data:`REGISTRY`. Every prior also carries the
    free-text ``source`` and ``note`` of its config entry, and ``params``: the
    parameters as the config wrote them, for :meth:`describe`.

    Class attributes describe the config syntax: ``dist`` is the name,
    ``forms`` the alternative sets of required keys (exactly one must be
    given), ``optional`` the keys that may be added to any form and
    ``list_keys`` the keys that take a list of numbers.
    """

    source: str | None = field(default=None, kw_only=True)
    note: str | None = field(default=None, kw_only=True)
    params: tuple[tuple[str, Any], ...] = field(default=(), kw_only=True, repr=False, compare=False)

    dist: ClassVar[str]
    forms: ClassVar[tuple[tuple[str, ...], ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    list_keys: ClassVar[frozenset[str]] = frozenset()
    _discrete: ClassVar[bool] = False

    # -- config syntax ----------------------------------------------------
    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """All parameter keys this distribution accepts, in a stable order."""
        ordered = dict.fromkeys(k for form in cls.forms for k in form)
        ordered.update(dict.fromkeys(cls.optional))
        return tuple(ordered)

    @classmethod
    def syntax(cls) -> str:
        """The accepted parameters in words.

        For example ``"mean and sd, or p10 and p90; optionally min and max"``.
        """
        text = _or(_and(form) for form in cls.forms)
        if cls.optional:
            text += f"; optionally {_and(cls.optional)}"
        return text

    @classmethod
    def form_problems(cls, present: Iterable[str]) -> list[str]:
        """Messages for a set of given keys that is not exactly one of ``forms``."""
        present = set(present)
        form_keys = {k for form in cls.forms for k in form}
        given = [k for k in cls.keys() if k in present and k in form_keys]
        if any(set(form) == set(given) for form in cls.forms):
            return []
        options = _or(_and(form) for form in cls.forms)
        if not given:
            return [f"a {cls.dist} prior needs {options}"]
        partial = [form for form in cls.forms if set(given) < set(form)]
        if partial:
            missing = _or(_and(k for k in form if k not in given) for form in partial)
            return [f"a {cls.dist} prior with {_and(given)} also needs {missing}"]
        return [
            f"{_and(given)} are different ways of describing a {cls.dist}; give exactly one "
            f"of: {options} (remove the others)"
        ]

    @classmethod
    @abstractmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        """Check the values of one complete form; return the constructor's arguments.

        ``p`` maps config keys to finite floats (tuples for ``list_keys``).
        Problems are appended with paths relative to the prior (``"max"``,
        ``"probs[2]"``, or ``""`` for the prior as a whole); when any is found
        the return value is ignored.
        """

    # -- distribution -----------------------------------------------------
    @abstractmethod
    def support(self) -> Support:
        """The values this prior can take."""

    @abstractmethod
    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantile function, elementwise over ``u`` in [0, 1].

        ``ppf(0)`` and ``ppf(1)`` are the support's ends (``-inf``/``inf`` when
        unbounded). For a discrete prior, the smallest value ``x`` with
        ``cdf(x) >= u``.
        """

    @abstractmethod
    def cdf(self, x: FloatArray) -> FloatArray:
        """Cumulative distribution function ``P(X <= x)``, elementwise."""

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent draws (float64), determined by the state of ``rng``."""
        return self.ppf(rng.random(n))

    def median(self) -> float:
        """``ppf(0.5)``; for a discrete prior the smallest value with ``cdf >= 0.5``."""
        return float(self.ppf(np.asarray(0.5)))

    @abstractmethod
    def mean(self) -> float:
        """The expected value (``inf``/``-inf`` where it diverges)."""

    @property
    def is_fixed(self) -> bool:
        """True only for a ``fixed`` prior (a constant)."""
        return False

    @property
    def is_discrete(self) -> bool:
        """True for ``discrete``, ``bernoulli`` and ``fixed``."""
        return self._discrete

    def describe(self) -> str:
        """The prior as written, e.g. ``"pert(min=0.02, mode=0.05, max=0.1)"``."""
        items = self.params or tuple(
            (f.name, getattr(self, f.name))
            for f in fields(self)
            if f.init and f.name not in ("source", "note", "params")
        )
        return f"{self.dist}(" + ", ".join(f"{k}={_fmt(v)}" for k, v in items) + ")"


# --------------------------------------------------------------------------
# The distributions
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Fixed(Prior):
    """A constant ``value``."""

    value: float

    dist = "fixed"
    forms = (("value",),)
    _discrete = True

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        return {"value": p["value"]}

    def support(self) -> Support:
        return Support(self.value, self.value, True, True, (self.value,))

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=float)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.where(np.asarray(x, dtype=float) >= self.value, 1.0, 0.0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return np.full(n, self.value, dtype=float)

    def median(self) -> float:
        return self.value

    def mean(self) -> float:
        return self.value

    @property
    def is_fixed(self) -> bool:
        return True


@dataclass(frozen=True)
class Uniform(Prior):
    """Uniform on ``[lo, hi]`` (config keys ``min``, ``max``)."""

    lo: float
    hi: float

    dist = "uniform"
    forms = (("min", "max"),)

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        _check_order(problems, p["min"], p["max"], "min", "max")
        return {"lo": p["min"], "hi": p["max"]}

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def ppf(self, u: FloatArray) -> FloatArray:
        return _rescale(np.asarray(u, dtype=float), self.lo, self.hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.clip(_standardise(x, self.lo, self.hi - self.lo), 0.0, 1.0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.uniform(self.lo, self.hi, n)

    def mean(self) -> float:
        return 0.5 * (self.lo + self.hi)


def _check_mode(problems: list[Problem], p: dict[str, Any]) -> None:
    """The checks triangular and pert share: min < max and min <= mode <= max."""
    lo, mode, hi = p["min"], p["mode"], p["max"]
    if _check_order(problems, lo, hi, "min", "max") and not lo <= mode <= hi:
        problems.append(
            Problem(
                f"mode ({_fmt(mode)}) must lie between min ({_fmt(lo)}) and max ({_fmt(hi)}); "
                "move it into that range or widen the range",
                "mode",
            )
        )


@dataclass(frozen=True)
class Triangular(Prior):
    """Triangular on ``[lo, hi]`` with peak at ``mode``."""

    lo: float
    mode: float
    hi: float

    dist = "triangular"
    forms = (("min", "mode", "max"),)

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        _check_mode(problems, p)
        return {"lo": p["min"], "mode": p["mode"], "hi": p["max"]}

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        lo, mode, hi = self.lo, self.mode, self.hi
        span = hi - lo
        left = lo + np.sqrt(u * span * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * span * (hi - mode))
        return np.where(u <= (mode - lo) / span, left, right)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        lo, mode, hi = self.lo, self.mode, self.hi
        span = hi - lo
        # One side has zero width when mode is at an end, and squares of huge x
        # overflow; the outer `where` never selects those, so silence them.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            left = (x - lo) ** 2 / (span * (mode - lo))
            right = 1.0 - (hi - x) ** 2 / (span * (hi - mode))
        inside = np.where(x <= mode, left, right)
        return np.where(x <= lo, 0.0, np.where(x >= hi, 1.0, inside))

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.triangular(self.lo, self.mode, self.hi, n)

    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3.0


class _ScaledBeta:
    """Methods shared by a beta distribution moved to ``[lo, hi]`` (beta and pert)."""

    lo: float
    hi: float
    alpha: float
    beta: float

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def ppf(self, u: FloatArray) -> FloatArray:
        t = special.betaincinv(self.alpha, self.beta, np.asarray(u, dtype=float))
        return _rescale(t, self.lo, self.hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        t = np.clip(_standardise(x, self.lo, self.hi - self.lo), 0.0, 1.0)
        return special.betainc(self.alpha, self.beta, t)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return _rescale(rng.beta(self.alpha, self.beta, n), self.lo, self.hi)

    def mean(self) -> float:
        return self.lo + (self.hi - self.lo) * self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True)
class Pert(_ScaledBeta, Prior):
    """Beta-PERT on ``[lo, hi]`` with mode ``mode`` and weight ``lam`` (config ``lambda``).

    The beta shapes are ``1 + lam * (mode - lo) / (hi - lo)`` and
    ``1 + lam * (hi - mode) / (hi - lo)``, so the mean is
    ``(lo + lam * mode + hi) / (lam + 2)``.
    """

    lo: float
    mode: float
    hi: float
    lam: float = 4.0
    alpha: float = field(init=False, repr=False, compare=False)
    beta: float = field(init=False, repr=False, compare=False)

    dist = "pert"
    forms = (("min", "mode", "max"),)
    optional = ("lambda",)

    def __post_init__(self) -> None:
        span = self.hi - self.lo
        object.__setattr__(self, "alpha", 1.0 + self.lam * (self.mode - self.lo) / span)
        object.__setattr__(self, "beta", 1.0 + self.lam * (self.hi - self.mode) / span)

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        _check_mode(problems, p)
        lam = p.get("lambda", 4.0)
        _check_positive(
            problems,
            lam,
            "lambda",
            "it sets how strongly values gather around the mode (4 is the usual choice)",
        )
        return {"lo": p["min"], "mode": p["mode"], "hi": p["max"], "lam": lam}

    def mean(self) -> float:
        return (self.lo + self.lam * self.mode + self.hi) / (self.lam + 2.0)


@dataclass(frozen=True)
class Beta(_ScaledBeta, Prior):
    """Beta(``alpha``, ``beta``) moved to ``[lo, hi]`` (config ``min``/``max``, default 0, 1).

    The ``mean``/``sd`` form describes the moved variable and is converted by
    the method of moments.
    """

    alpha: float
    beta: float
    lo: float = 0.0
    hi: float = 1.0

    dist = "beta"
    forms = (("alpha", "beta"), ("mean", "sd"))
    optional = ("min", "max")

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        lo, hi = p.get("min", 0.0), p.get("max", 1.0)
        range_ok = _check_order(problems, lo, hi, "min", "max")
        if "alpha" in p:
            why = "it is a shape parameter of the beta"
            _check_positive(problems, p["alpha"], "alpha", why)
            _check_positive(problems, p["beta"], "beta", why)
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
        limit = math.sqrt((mean - lo) * (hi - mean))
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
        m = (mean - lo) / (hi - lo)
        k = m * (1.0 - m) / (sd / (hi - lo)) ** 2 - 1.0
        return {"alpha": m * k, "beta": (1.0 - m) * k, "lo": lo, "hi": hi}


@dataclass(frozen=True)
class Normal(Prior):
    """Normal(``mu``, ``sigma``), optionally truncated to ``[lo, hi]``.

    The ``p10``/``p90`` form describes the parent normal, before truncation.
    The truncated quantile function works on whichever side of the mean keeps
    the tail probabilities small, so it stays accurate when the truncation
    lies far in a tail.
    """

    mu: float
    sigma: float
    lo: float = -math.inf
    hi: float = math.inf
    # Standardised bounds and the parent's mass between them.
    _a: float = field(init=False, repr=False, compare=False)
    _b: float = field(init=False, repr=False, compare=False)
    _mass: float = field(init=False, repr=False, compare=False)

    dist = "normal"
    forms = (("mean", "sd"), ("p10", "p90"))
    optional = ("min", "max")

    def __post_init__(self) -> None:
        a = (self.lo - self.mu) / self.sigma
        b = (self.hi - self.mu) / self.sigma
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        object.__setattr__(self, "_mass", float(_normal_mass(a, b)))

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        if "sd" in p:
            mu, sigma = p["mean"], p["sd"]
            _check_positive(problems, sigma, "sd", _SD_WHY)
        else:
            mu, sigma = 0.5 * (p["p10"] + p["p90"]), (p["p90"] - p["p10"]) / (2.0 * _Z90)
            _check_order(problems, p["p10"], p["p90"], "p10", "p90")
        lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
        if "min" in p and "max" in p:
            _check_order(problems, lo, hi, "min", "max")
        if problems:
            return {}
        a, b = (lo - mu) / sigma, (hi - mu) / sigma
        mass = float(_normal_mass(a, b))
        if mass < _MIN_TRUNCATED_MASS:
            # Blame the bound that cuts away more of the parent.
            key = "min" if float(special.ndtr(a)) >= float(special.ndtr(-b)) else "max"
            bounds = _and(f"{k} = {_fmt(p[k])}" for k in ("min", "max") if k in p)
            problems.append(
                Problem(
                    f"with {bounds}, only {mass:.1e} of this normal's probability (mean "
                    f"{_fmt(mu)}, sd {_fmt(sigma)}) is left, so the bounds cut away almost "
                    "all of it; move the bounds toward the mean, or check that they are in "
                    "the same units as the mean",
                    key,
                )
            )
        return {"mu": mu, "sigma": sigma, "lo": lo, "hi": hi}

    @property
    def truncated(self) -> bool:
        """Whether a ``min`` or ``max`` cuts the normal."""
        return self.lo > -math.inf or self.hi < math.inf

    def support(self) -> Support:
        return Support(self.lo, self.hi, math.isfinite(self.lo), math.isfinite(self.hi))

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        if not self.truncated:
            return self.mu + self.sigma * special.ndtri(u)
        a, b, mass = self._a, self._b, self._mass
        # Lower half: solve P(a < Z < z) = u * mass; upper half: P(z < Z < b) =
        # (1 - u) * mass. On each side use Phi or its complement, whichever keeps
        # the target probability small (so ndtri sees no cancellation).
        if a >= 0:
            z_low = -special.ndtri(special.ndtr(-a) - u * mass)
        else:
            z_low = special.ndtri(special.ndtr(a) + u * mass)
        if b <= 0:
            z_high = special.ndtri(special.ndtr(b) - (1.0 - u) * mass)
        else:
            z_high = -special.ndtri(special.ndtr(-b) + (1.0 - u) * mass)
        x = np.clip(self.mu + self.sigma * np.where(u <= 0.5, z_low, z_high), self.lo, self.hi)
        return np.where(u == 0.0, self.lo, np.where(u == 1.0, self.hi, x))

    def cdf(self, x: FloatArray) -> FloatArray:
        z = _standardise(x, self.mu, self.sigma)
        if not self.truncated:
            return special.ndtr(z)
        z = np.clip(z, self._a, self._b)
        below = _normal_mass(self._a, z) / self._mass
        above = _normal_mass(z, self._b) / self._mass
        return np.where(below <= 0.5, below, 1.0 - above)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        if not self.truncated:
            return rng.normal(self.mu, self.sigma, n)
        return self.ppf(rng.random(n))

    def mean(self) -> float:
        if not self.truncated:
            return self.mu

        def density(z: float) -> float:
            return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) if math.isfinite(z) else 0.0

        return self.mu + self.sigma * (density(self._a) - density(self._b)) / self._mass


@dataclass(frozen=True)
class Lognormal(Prior):
    """``exp(Normal(mu, sigma))``: ``mu`` and ``sigma`` are those of the logarithm."""

    mu: float
    sigma: float

    dist = "lognormal"
    forms = (("mean", "sd"), ("p10", "p90"), ("median", "p90"))

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        why = (
            "a lognormal only takes positive values "
            "(for values that can be 0 or less use normal or pert)"
        )
        if "sd" in p:
            mean, sd = p["mean"], p["sd"]
            ok = _check_positive(problems, mean, "mean", why)
            ok = _check_positive(problems, sd, "sd", _SD_WHY) and ok
            if not ok:
                return {}
            s2 = math.log1p((sd / mean) ** 2)
            return {"mu": math.log(mean) - 0.5 * s2, "sigma": math.sqrt(s2)}
        low_key = "p10" if "p10" in p else "median"
        low, p90 = p[low_key], p["p90"]
        if not _check_positive(problems, low, low_key, why) or not _check_order(
            problems, low, p90, low_key, "p90"
        ):
            return {}
        z_low = -_Z90 if low_key == "p10" else 0.0
        sigma = (math.log(p90) - math.log(low)) / (_Z90 - z_low)
        return {"mu": math.log(low) - sigma * z_low, "sigma": sigma}

    def support(self) -> Support:
        return Support(0.0, math.inf, False, False)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.exp(self.mu + self.sigma * special.ndtri(np.asarray(u, dtype=float)))

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):  # log of x <= 0 is masked below
            z = (np.log(x) - self.mu) / self.sigma
        return np.where(x > 0, special.ndtr(z), 0.0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, n)

    def median(self) -> float:
        return math.exp(self.mu)

    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)


def _metalog_to_z(x: Any, lo: float, hi: float) -> Any:
    """The metalog's transform of the value: identity, log or logit per bounds."""
    if math.isfinite(lo) and math.isfinite(hi):
        return np.log(x - lo) - np.log(hi - x)
    if math.isfinite(lo):
        return np.log(x - lo)
    if math.isfinite(hi):
        return -np.log(hi - x)
    return x


def _metalog_from_z(z: Any, lo: float, hi: float) -> Any:
    """Inverse of :func:`_metalog_to_z`."""
    with np.errstate(over="ignore"):  # exp overflow at extreme quantiles is the right inf
        if math.isfinite(lo) and math.isfinite(hi):
            # (lo + hi e^z) / (1 + e^z), written from the nearer end so that
            # neither end loses precision and e^z never overflows.
            span = hi - lo
            return np.where(z < 0, lo + span * special.expit(z), hi - span * special.expit(-z))
        if math.isfinite(lo):
            return lo + np.exp(z)
        if math.isfinite(hi):
            return hi - np.exp(-z)
        return z


# logit(y) and y - 0.5 at the fitted probabilities, computed as ppf computes them
# so that the fitted quantiles come back to within a few ulps.
_METALOG_L10, _METALOG_L90 = float(special.logit(0.1)), float(special.logit(0.9))
_METALOG_D10, _METALOG_D90 = 0.1 - 0.5, 0.9 - 0.5


def _metalog_coefficients(z10: float, z50: float, z90: float) -> tuple[float, float, float]:
    """``a1, a2, a3`` of M(y) = a1 + a2 L + a3 (y - 1/2) L through the three points."""
    s10 = (z10 - z50) / _METALOG_L10  # = a2 + a3 * (0.1 - 0.5)
    s90 = (z90 - z50) / _METALOG_L90  # = a2 + a3 * (0.9 - 0.5)
    a3 = (s90 - s10) / (_METALOG_D90 - _METALOG_D10)
    return z50, s90 - a3 * _METALOG_D90, a3


@dataclass(frozen=True)
class Metalog(Prior):
    """3-term metalog (Keelin 2016) through ``p10``, ``p50``, ``p90``.

    ``M(y) = a1 + a2 L + a3 (y - 1/2) L`` with ``L = ln(y / (1 - y))`` is the
    quantile function of the unbounded form; a ``lo`` bound gives
    ``lo + exp(M)``, a ``hi`` bound ``hi - exp(-M)``, and both
    ``(lo + hi exp(M)) / (1 + exp(M))``. Bounded ends are open.
    """

    p10: float
    p50: float
    p90: float
    lo: float = -math.inf
    hi: float = math.inf
    a1: float = field(init=False, repr=False, compare=False)
    a2: float = field(init=False, repr=False, compare=False)
    a3: float = field(init=False, repr=False, compare=False)

    dist = "metalog"
    forms = (("p10", "p50", "p90"),)
    optional = ("min", "max")

    def __post_init__(self) -> None:
        z = _metalog_to_z(np.array([self.p10, self.p50, self.p90]), self.lo, self.hi)
        a1, a2, a3 = _metalog_coefficients(*map(float, z))
        object.__setattr__(self, "a1", a1)
        object.__setattr__(self, "a2", a2)
        object.__setattr__(self, "a3", a3)

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        p10, p50, p90 = p["p10"], p["p50"], p["p90"]
        lo, hi = p.get("min", -math.inf), p.get("max", math.inf)
        _check_order(problems, p10, p50, "p10", "p50")
        _check_order(problems, p50, p90, "p50", "p90")
        if "min" in p and "max" in p and not _check_order(problems, lo, hi, "min", "max"):
            return {}
        open_end = (
            "the bounds of a metalog are never reached, "
            "so the quantiles must lie strictly inside them"
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
        z10, z50, z90 = (float(v) for v in _metalog_to_z(np.array([p10, p50, p90]), lo, hi))
        _, a2, a3 = _metalog_coefficients(z10, z50, z90)
        if not (a2 > 0 and abs(a3) / a2 < _METALOG_MAX_RATIO):
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
            edge = (1.0 - 0.4 * _METALOG_MAX_RATIO) / 2.0
            ratio = f"|a3|/a2 = {abs(a3) / a2:.4g}" if a2 > 0 else f"a2 = {a2:.4g}"
            problems.append(
                Problem(
                    f"p10 = {_fmt(p10)}, p50 = {_fmt(p50)}, p90 = {_fmt(p90)} cannot be fitted "
                    f"by a 3-term metalog: its quantile function would not be monotone ({ratio}; "
                    f"it needs a2 > 0 and |a3|/a2 < {_METALOG_MAX_RATIO}). p50 sits "
                    f"{share:.0%} of the way from p10 to p90{scale} and must sit between "
                    f"{edge:.0%} and {1 - edge:.0%}: move p50 toward the middle, {bound_hint}, "
                    "or use pert or lognormal",
                    "",
                )
            )
        return {"p10": p10, "p50": p50, "p90": p90, "lo": lo, "hi": hi}

    def support(self) -> Support:
        return Support(self.lo, self.hi, False, False)

    def _quantile_z(self, y: FloatArray) -> FloatArray:
        """M(y) on the transformed scale; +-inf at y = 1 and 0 (a2 -+ a3/2 > 0 there)."""
        with np.errstate(divide="ignore"):
            return self.a1 + special.logit(y) * (self.a2 + self.a3 * (y - 0.5))

    def ppf(self, u: FloatArray) -> FloatArray:
        return _metalog_from_z(self._quantile_z(np.asarray(u, dtype=float)), self.lo, self.hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        # Outside the support (log of <= 0) is masked below; x - lo may overflow to inf.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = _metalog_to_z(x, self.lo, self.hi)
        # M is increasing in y, so bisect on y for M(y) = z, all x at once.
        below, above = np.zeros(x.shape), np.ones(x.shape)
        for _ in range(_METALOG_CDF_STEPS):
            mid = 0.5 * (below + above)
            low = self._quantile_z(mid) < z
            below = np.where(low, mid, below)
            above = np.where(low, above, mid)
        y = 0.5 * (below + above)
        return np.where(x <= self.lo, 0.0, np.where(x >= self.hi, 1.0, y))

    def mean(self) -> float:
        if not math.isfinite(self.lo) and not math.isfinite(self.hi):
            # For Y uniform, E[L] = 0 and E[(Y - 1/2) L] = 1/2.
            return self.a1 + 0.5 * self.a3
        if math.isfinite(self.lo) and math.isfinite(self.hi):
            from scipy import integrate  # lazily: it adds 0.2 s to every start-up

            value, _ = integrate.quad(lambda y: float(self.ppf(y)), 0.0, 1.0, limit=200)
            return value
        # One bound: E[exp(+-M)] with y = expit(t), dy = expit(t) expit(-t) dt. The
        # tail behaves like exp((k - 1) |t|), k = a2 +- a3/2: the mean diverges for k >= 1.
        sign = 1.0 if math.isfinite(self.lo) else -1.0
        if self.a2 + sign * 0.5 * self.a3 >= 1.0:
            return sign * math.inf

        def integrand(t: float) -> float:
            m = self.a1 + t * (self.a2 + self.a3 * (float(special.expit(t)) - 0.5))
            return math.exp(sign * m - np.logaddexp(0.0, t) - np.logaddexp(0.0, -t))

        from scipy import integrate

        tail = sum(
            integrate.quad(integrand, *span, limit=200)[0] for span in ((-np.inf, 0), (0, np.inf))
        )
        return self.lo + tail if sign > 0 else self.hi - tail


@dataclass(frozen=True)
class Discrete(Prior):
    """Takes ``values[i]`` with probability ``probs[i]``."""

    values: tuple[float, ...]
    probs: tuple[float, ...]
    # Values with positive probability in increasing order, and their cdf.
    _x: np.ndarray = field(init=False, repr=False, compare=False)
    _cum: np.ndarray = field(init=False, repr=False, compare=False)

    dist = "discrete"
    forms = (("values", "probs"),)
    list_keys = frozenset({"values", "probs"})
    _discrete = True

    def __post_init__(self) -> None:
        pairs = sorted((v, p) for v, p in zip(self.values, self.probs, strict=True) if p > 0)
        total = sum(Fraction(p) for _, p in pairs)
        # Exact running sums, rounded once, so that ppf's "smallest value with
        # F >= u" is not moved by summation error (e.g. at the median).
        running, cum = Fraction(0), []
        for _, p in pairs:
            running += Fraction(p)
            cum.append(float(running / total))
        object.__setattr__(self, "_x", np.array([v for v, _ in pairs]))
        object.__setattr__(self, "_cum", np.array(cum))

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
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
                    f"values lists {_and(_fmt(v) for v in repeated)} more than once; give each "
                    "value once, with the probabilities added together",
                    "values",
                )
            )
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
                Problem(
                    f"probs add up to {total!r}, not 1; make them sum to 1 (within 1e-9)", "probs"
                )
            )
        return {"values": tuple(values), "probs": tuple(probs)}

    def support(self) -> Support:
        values = tuple(float(v) for v in self._x)
        return Support(values[0], values[-1], True, True, values)

    def ppf(self, u: FloatArray) -> FloatArray:
        index = np.searchsorted(self._cum, np.asarray(u, dtype=float), side="left")
        return self._x[np.minimum(index, self._x.size - 1)]

    def cdf(self, x: FloatArray) -> FloatArray:
        index = np.searchsorted(self._x, np.asarray(x, dtype=float), side="right") - 1
        return np.where(index >= 0, self._cum[np.maximum(index, 0)], 0.0)

    def mean(self) -> float:
        weighted = math.fsum(v * p for v, p in zip(self.values, self.probs, strict=True))
        return weighted / math.fsum(self.probs)


@dataclass(frozen=True)
class Bernoulli(Prior):
    """1 with probability ``p``, else 0 (a success flag)."""

    p: float

    dist = "bernoulli"
    forms = (("p",),)
    _discrete = True

    @classmethod
    def _from_params(cls, p: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
        if not 0.0 <= p["p"] <= 1.0:
            problems.append(
                Problem(f"p ({_fmt(p['p'])}) is a probability and must lie between 0 and 1", "p")
            )
        return {"p": p["p"]}

    def support(self) -> Support:
        return Support(0.0, 1.0, True, True, (0.0, 1.0))

    def ppf(self, u: FloatArray) -> FloatArray:
        # F(0) = 1 - p, so the smallest x with F(x) >= u is 0 for u <= 1 - p.
        return np.where(np.asarray(u, dtype=float) > 1.0 - self.p, 1.0, 0.0)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        return np.where(x < 0, 0.0, np.where(x < 1, 1.0 - self.p, 1.0))

    def mean(self) -> float:
        return self.p


REGISTRY: dict[str, type[Prior]] = {
    cls.dist: cls
    for cls in (
        Fixed,
        Uniform,
        Triangular,
        Pert,
        Normal,
        Lognormal,
        Beta,
        Metalog,
        Discrete,
        Bernoulli,
    )
}


# --------------------------------------------------------------------------
# Parsing a config entry
# --------------------------------------------------------------------------
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
            problems.append(Problem(message, _join(path, f"[{i}]")))
        numbers.append(number)
    return None if None in numbers else tuple(numbers)


def _prior_class(spec: Mapping, path: str) -> type[Prior]:
    """The class named by ``spec['dist']``, or a ConfigError saying what is valid."""
    names = ", ".join(REGISTRY)
    if "dist" not in spec:
        raise ConfigError(
            f"this prior has no dist: key; add one naming its distribution, one of: {names} "
            f"(for example {_EXAMPLE})",
            path=path,
        )
    dist = spec["dist"]
    if isinstance(dist, str) and dist in REGISTRY:
        return REGISTRY[dist]
    hint = did_you_mean(dist, REGISTRY) if isinstance(dist, str) else ""
    raise ConfigError(
        f"unknown distribution {dist!r}{hint}; use one of: {names}", path=_join(path, "dist")
    )


def parse_prior(spec: Mapping, path: str) -> Prior:
    """Validate one prior from a config and build it.

    Parameters
    ----------
    spec : Mapping
        The YAML mapping: ``dist:``, that distribution's parameters, and
        optional free-text ``source:`` and ``note:``.
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
        raise ConfigError(f"a prior must be a mapping such as {_EXAMPLE}, not {spec!r}", path=path)
    cls = _prior_class(spec, path)
    problems: list[Problem] = []
    arguments: dict[str, Any] = {}
    params, meta = _read_keys(cls, spec, path, problems)
    given = [k for k in spec if k in cls.keys()]
    form_messages = cls.form_problems(given)
    problems += [Problem(message, path) for message in form_messages]
    # The values can be checked together once each given one is a number and
    # they make up one form, even if a stray key or a bad note was reported.
    if not form_messages and len(params) == len(given):
        found: list[Problem] = []
        arguments = cls._from_params(params, found)
        problems += [Problem(p.message, _join(path, p.path)) for p in found]
    if problems:
        raise ConfigError(problems)
    return cls(**arguments, **meta, params=_as_written(cls, params))


def _read_keys(
    cls: type[Prior], spec: Mapping, path: str, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Split ``spec`` into numeric parameters and source/note, reporting bad keys and values."""
    allowed = cls.keys()
    params: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for key, value in spec.items():
        key_path = _join(path, str(key))
        if key == "dist":
            continue
        if key in ("source", "note"):
            if value is not None and not isinstance(value, str):
                problems.append(
                    Problem(f"{key} must be text, not {value!r}; put it in quotes", key_path)
                )
            elif value is not None:
                meta[key] = value
        elif key not in allowed:
            problems.append(
                Problem(
                    f"{str(key)!r} is not a parameter of a {cls.dist} prior"
                    f"{did_you_mean(str(key), allowed)}; it takes {cls.syntax()} "
                    "(plus optional source and note)",
                    key_path,
                )
            )
        elif key in cls.list_keys:
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


def _as_written(cls: type[Prior], params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The parameters in the order of their form, then the optional ones (for describe)."""
    form = next(f for f in cls.forms if set(f) <= set(params))
    return tuple((k, params[k]) for k in (*form, *cls.optional) if k in params)
