"""Tests for ``simulate.config.priors``.

Tier 1: every distribution and parameter form against ``scipy.stats`` (ppf,
cdf, median, mean, support) and the fitted quantiles/moments exactly; the
metalog against an independent implementation of Keelin's formulas.
Tier 2: properties (monotone ppf, cdf(ppf(u)) == u) over random parameters.
Tier 3: samples against the reference cdf (KS, chi-square) with fixed seeds.
And every config mistake gives a ConfigError naming the path and the fix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, optimize, special, stats

from simulate.config.priors import REGISTRY, Metalog, Prior, Support, parse_prior
from simulate.errors import ConfigError

PATH = "priors.x"
SEED = 20240611
N_DRAWS = 20_000
P_FLOOR = 1e-3
Z90 = stats.norm.ppf(0.9)

# Quantile levels including the exact ends and deep tails.
U_GRID = np.concatenate(
    [
        [0.0, 1e-12, 1e-6, 1e-3],
        np.linspace(0.01, 0.99, 99),
        [0.999, 1 - 1e-6, 1 - 1e-12, 1.0],
    ]
)


def make(**spec) -> Prior:
    """A prior from keyword arguments, as a config mapping would give them."""
    return parse_prior(spec, PATH)


def assert_is_quantile(prior: Prior, u, tol: float = 1e-13) -> None:
    """``ppf(u)`` is u's quantile to float resolution: cdf(x-) <= u <= cdf(x+).

    Comparing cdf(ppf(u)) with u directly fails where x itself cannot resolve u
    (near a bound such as 1000 - 1e-9, where one ulp of x moves the cdf by more
    than u's own ulp); the neighbouring floats always bracket the exact answer.
    """
    x = prior.ppf(u)
    below, above = prior.cdf(np.nextafter(x, -np.inf)), prior.cdf(np.nextafter(x, np.inf))
    assert np.all(below <= u + tol), u[below > u + tol]
    assert np.all(above >= u - tol), u[above < u - tol]


def _pert_ref(lo, mode, hi, lam=4.0):
    span = hi - lo
    a, b = 1 + lam * (mode - lo) / span, 1 + lam * (hi - mode) / span
    return stats.beta(a, b, loc=lo, scale=span)


def _truncnorm_ref(mu, sigma, lo=-np.inf, hi=np.inf):
    return stats.truncnorm((lo - mu) / sigma, (hi - mu) / sigma, loc=mu, scale=sigma)


def _beta_moments_ref(mean, sd, lo=0.0, hi=1.0):
    m, v = (mean - lo) / (hi - lo), (sd / (hi - lo)) ** 2
    k = m * (1 - m) / v - 1
    return stats.beta(m * k, (1 - m) * k, loc=lo, scale=hi - lo)


def _lognorm_moments_ref(mean, sd):
    s2 = math.log(1 + (sd / mean) ** 2)
    return stats.lognorm(math.sqrt(s2), scale=math.exp(math.log(mean) - s2 / 2))


# (id, config mapping, the scipy.stats distribution it must equal)
CONTINUOUS = [
    ("uniform", dict(dist="uniform", min=2, max=5), stats.uniform(2, 3)),
    (
        "triangular",
        dict(dist="triangular", min=1, mode=2, max=6),
        stats.triang(0.2, loc=1, scale=5),
    ),
    (
        "triangular-mode-at-min",
        dict(dist="triangular", min=0, mode=0, max=4),
        stats.triang(0.0, loc=0, scale=4),
    ),
    (
        "triangular-mode-at-max",
        dict(dist="triangular", min=-3, mode=1, max=1),
        stats.triang(1.0, loc=-3, scale=4),
    ),
    ("pert", dict(dist="pert", min=0.02, mode=0.05, max=0.1), _pert_ref(0.02, 0.05, 0.1)),
    (
        "pert-lambda",
        dict(dist="pert", min=10, mode=30, max=100, **{"lambda": 2}),
        _pert_ref(10, 30, 100, lam=2.0),
    ),
    ("normal", dict(dist="normal", mean=5, sd=2), stats.norm(5, 2)),
    (
        "normal-p10-p90",
        dict(dist="normal", p10=2, p90=10),
        stats.norm(6, 8 / (2 * Z90)),
    ),
    ("normal-min", dict(dist="normal", mean=2, sd=3, min=0), _truncnorm_ref(2, 3, lo=0)),
    (
        "normal-max",
        dict(dist="normal", mean=100, sd=20, max=110),
        _truncnorm_ref(100, 20, hi=110),
    ),
    (
        "normal-p10-p90-both",
        dict(dist="normal", p10=-1, p90=3, min=-2, max=2.5),
        _truncnorm_ref(1, 2 / Z90, -2, 2.5),
    ),
    (
        "normal-upper-tail",
        dict(dist="normal", mean=0, sd=1, min=4.2),
        _truncnorm_ref(0, 1, lo=4.2),
    ),
    (
        "normal-lower-tail",
        dict(dist="normal", mean=10, sd=2, max=1),
        _truncnorm_ref(10, 2, hi=1),
    ),
    (
        "normal-band-in-tail",
        dict(dist="normal", mean=0, sd=1, min=3.5, max=4),
        _truncnorm_ref(0, 1, 3.5, 4),
    ),
    (
        "lognormal-mean-sd",
        dict(dist="lognormal", mean=1000, sd=500),
        _lognorm_moments_ref(1000, 500),
    ),
    (
        "lognormal-p10-p90",
        dict(dist="lognormal", p10=0.5, p90=8),
        stats.lognorm(math.log(16) / (2 * Z90), scale=2.0),
    ),
    (
        "lognormal-median-p90",
        dict(dist="lognormal", median=3, p90=10),
        stats.lognorm(math.log(10 / 3) / Z90, scale=3.0),
    ),
    ("beta", dict(dist="beta", alpha=2, beta=5), stats.beta(2, 5)),
    (
        "beta-scaled",
        dict(dist="beta", alpha=0.7, beta=1.5, min=-1, max=3),
        stats.beta(0.7, 1.5, loc=-1, scale=4),
    ),
    ("beta-mean-sd", dict(dist="beta", mean=0.3, sd=0.1), _beta_moments_ref(0.3, 0.1)),
    (
        "beta-mean-sd-scaled",
        dict(dist="beta", mean=120, sd=30, min=50, max=300),
        _beta_moments_ref(120, 30, 50, 300),
    ),
]
CONTINUOUS_IDS = [case[0] for case in CONTINUOUS]


@pytest.fixture(params=CONTINUOUS, ids=CONTINUOUS_IDS)
def continuous(request):
    """(prior, scipy reference) for each continuous case."""
    _, spec, ref = request.param
    return parse_prior(spec, PATH), ref


# --------------------------------------------------------------------------
# Tier 1: against scipy.stats
# --------------------------------------------------------------------------
def test_ppf_matches_scipy(continuous):
    prior, ref = continuous
    # Up to 1e-6 from the ends: scipy's own truncnorm loses ~1e-6 relative
    # further out (test_truncated_normal_far_tails covers that with log_ndtr).
    u = U_GRID[(U_GRID == 0) | (U_GRID == 1) | ((U_GRID >= 1e-6) & (U_GRID <= 1 - 1e-6))]
    assert_allclose(prior.ppf(u), ref.ppf(u), rtol=1e-9, atol=1e-13 * ref.std())


def test_cdf_matches_scipy(continuous):
    prior, ref = continuous
    lo, hi = ref.support()
    x = ref.ppf(np.linspace(0.0005, 0.9995, 201))
    outside = [v for v in (lo - 1.0, hi + 1.0) if np.isfinite(v)]
    x = np.concatenate([x, outside, [lo, hi]])
    assert_allclose(prior.cdf(x), ref.cdf(x), rtol=1e-9, atol=1e-14)


def test_cdf_inverts_ppf(continuous):
    prior, _ = continuous
    assert_is_quantile(prior, U_GRID)
    inner = U_GRID[(U_GRID >= 1e-3) & (U_GRID <= 1 - 1e-3)]
    assert_allclose(prior.cdf(prior.ppf(inner)), inner, rtol=0, atol=1e-13)


def _truncnorm_tail_quantile(mu, sigma, lo, q):
    """Oracle for a normal truncated to [lo, inf) with lo above the mean.

    Returns the quantile at u = 1 - q by solving log P(Z > z) = log(q P(Z > a))
    with log_ndtr, which keeps full relative precision however small the tail
    probabilities are.
    """
    a = (lo - mu) / sigma
    target = math.log(q) + special.log_ndtr(-a)
    z = optimize.brentq(lambda t: special.log_ndtr(-t) - target, a, a + 40, xtol=1e-14, rtol=1e-15)
    return mu + sigma * z


TAIL_CASES = [(0, 1, 4.2), (2, 3, 0), (-10, 0.5, -8), (5, 2, 5)]


@pytest.mark.parametrize("mu, sigma, lo", TAIL_CASES)
@pytest.mark.parametrize("q", [0.5, 2**-10, 2**-30, 2**-52])  # 1 - q is exact in binary
def test_truncated_normal_far_upper_tail(mu, sigma, lo, q):
    prior = make(dist="normal", mean=mu, sd=sigma, min=lo)
    want = _truncnorm_tail_quantile(mu, sigma, lo, q)
    assert float(prior.ppf(np.array(1 - q))) == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize("mu, sigma, lo", TAIL_CASES)
@pytest.mark.parametrize("q", [0.5, 2**-30, 1e-20, 1e-100, 1e-300])
def test_truncated_normal_far_lower_tail(mu, sigma, lo, q):
    # The mirror image: a normal truncated to (-inf, -lo], probed at u = q.
    prior = make(dist="normal", mean=-mu, sd=sigma, max=-lo)
    want = -_truncnorm_tail_quantile(mu, sigma, lo, q)
    assert float(prior.ppf(np.array(q))) == pytest.approx(want, rel=1e-13)


def test_ppf_ends_are_support_ends(continuous):
    prior, ref = continuous
    support = prior.support()
    assert (support.lo, support.hi) == tuple(ref.support())
    assert prior.ppf(np.array([0.0, 1.0])).tolist() == [support.lo, support.hi]


def test_median_and_mean_match_scipy(continuous):
    prior, ref = continuous
    assert prior.median() == pytest.approx(ref.median(), rel=1e-10)
    assert prior.mean() == pytest.approx(ref.mean(), rel=1e-10)


def test_sample_passes_ks(continuous):
    prior, ref = continuous
    draws = prior.sample(np.random.default_rng(SEED), N_DRAWS)
    assert draws.dtype == np.float64 and draws.shape == (N_DRAWS,)
    assert stats.kstest(draws, ref.cdf).pvalue > P_FLOOR


def test_pert_mean_is_the_pert_formula():
    prior = make(dist="pert", min=10, mode=30, max=100, **{"lambda": 2})
    assert prior.mean() == pytest.approx((10 + 2 * 30 + 100) / 4, rel=1e-15)


# --------------------------------------------------------------------------
# Fitted points and moments are exact
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, levels, values",
    [
        (dict(dist="normal", p10=2, p90=10), [0.1, 0.9], [2, 10]),
        (dict(dist="normal", p10=-7.5, p90=-0.25), [0.1, 0.9], [-7.5, -0.25]),
        (dict(dist="lognormal", p10=0.5, p90=8), [0.1, 0.9], [0.5, 8]),
        (dict(dist="lognormal", p10=2e5, p90=3e6), [0.1, 0.9], [2e5, 3e6]),
        (dict(dist="lognormal", median=3, p90=10), [0.5, 0.9], [3, 10]),
        (dict(dist="lognormal", median=0.01, p90=0.5), [0.5, 0.9], [0.01, 0.5]),
    ],
)
def test_quantile_forms_fit_exactly(spec, levels, values):
    assert_allclose(make(**spec).ppf(np.array(levels)), values, rtol=1e-12, atol=0)


def test_truncated_normal_p10_p90_describe_the_parent():
    prior = make(dist="normal", p10=1, p90=2, min=0, max=2.2)
    parent = stats.norm(prior.mu, prior.sigma)
    assert_allclose(parent.ppf([0.1, 0.9]), [1, 2], rtol=1e-12)


@pytest.mark.parametrize("mean, sd", [(1000, 500), (0.02, 0.05), (3.0, 0.01)])
def test_lognormal_mean_sd_are_the_variables(mean, sd):
    prior = make(dist="lognormal", mean=mean, sd=sd)
    ref = stats.lognorm(prior.sigma, scale=math.exp(prior.mu))
    assert ref.mean() == pytest.approx(mean, rel=1e-12)
    assert ref.std() == pytest.approx(sd, rel=1e-12)
    assert prior.mean() == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(
    "mean, sd, lo, hi", [(0.3, 0.1, 0, 1), (120, 30, 50, 300), (0.5, 0.45, 0, 1), (-2, 0.5, -3, 0)]
)
def test_beta_mean_sd_are_the_rescaled_variables(mean, sd, lo, hi):
    prior = make(dist="beta", mean=mean, sd=sd, min=lo, max=hi)
    ref = stats.beta(prior.alpha, prior.beta, loc=lo, scale=hi - lo)
    assert ref.mean() == pytest.approx(mean, rel=1e-12)
    assert ref.std() == pytest.approx(sd, rel=1e-12)
    assert prior.mean() == pytest.approx(mean, rel=1e-12)


# --------------------------------------------------------------------------
# Metalog, against an independent implementation of Keelin (2016)
# --------------------------------------------------------------------------
class KeelinMetalog:
    """The 3-term metalog written out from the paper: solve the 3x3 system directly."""

    def __init__(self, p10, p50, p90, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        y = np.array([0.1, 0.5, 0.9])
        basis = np.column_stack([np.ones(3), np.log(y / (1 - y)), (y - 0.5) * np.log(y / (1 - y))])
        self.a = np.linalg.solve(basis, self.to_z(np.array([p10, p50, p90], dtype=float)))

    def to_z(self, x):
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return np.log((x - lo) / (hi - x))
        if lo is not None:
            return np.log(x - lo)
        if hi is not None:
            return -np.log(hi - x)
        return x

    def ppf(self, y):
        y = np.asarray(y, dtype=float)
        return self.at_logit(np.log(y / (1 - y)), y)

    def at_logit(self, logit, y):
        """The quantile at y, given logit = ln(y / (1 - y)) as well."""
        m = self.a[0] + self.a[1] * logit + self.a[2] * (y - 0.5) * logit
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return (lo + hi * np.exp(m)) / (1 + np.exp(m))
        if lo is not None:
            return lo + np.exp(m)
        if hi is not None:
            return hi - np.exp(-m)
        return m

    def cdf(self, x):
        return optimize.brentq(lambda y: float(self.ppf(y)) - x, 1e-15, 1 - 1e-15, xtol=1e-300)


METALOGS = [
    ("unbounded", dict(p10=1, p50=2, p90=4)),
    ("unbounded-left-skew", dict(p10=-10, p50=-3, p90=-1.5)),
    ("lower", dict(p10=1, p50=2, p90=5, min=0)),
    ("lower-heavy", dict(p10=1, p50=2, p90=10, min=0.5)),
    ("upper", dict(p10=10, p50=17, p90=19, max=20)),
    ("both", dict(p10=0.05, p50=0.2, p90=0.6, min=0, max=1)),
    ("both-wide", dict(p10=100, p50=150, p90=900, min=90, max=1000)),
]
METALOG_IDS = [case[0] for case in METALOGS]


def _keelin(params):
    return KeelinMetalog(
        params["p10"], params["p50"], params["p90"], params.get("min"), params.get("max")
    )


@pytest.mark.parametrize("params", [c[1] for c in METALOGS], ids=METALOG_IDS)
def test_metalog_fits_its_three_quantiles_exactly(params):
    prior = make(dist="metalog", **params)
    want = [params["p10"], params["p50"], params["p90"]]
    assert_allclose(prior.ppf(np.array([0.1, 0.5, 0.9])), want, rtol=1e-12, atol=0)
    assert prior.median() == pytest.approx(params["p50"], rel=1e-12)


@pytest.mark.parametrize("params", [c[1] for c in METALOGS], ids=METALOG_IDS)
def test_metalog_matches_keelin(params):
    prior, ref = make(dist="metalog", **params), _keelin(params)
    u = U_GRID[1:-1]
    assert_allclose(prior.ppf(u), ref.ppf(u), rtol=1e-10)
    x = ref.ppf(np.array([0.001, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999]))
    assert_allclose(prior.cdf(x), [ref.cdf(v) for v in x], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("params", [c[1] for c in METALOGS], ids=METALOG_IDS)
def test_metalog_cdf_ppf_support_and_sample(params):
    prior = make(dist="metalog", **params)
    support = prior.support()
    assert support == Support(params.get("min", -np.inf), params.get("max", np.inf), False, False)
    assert prior.ppf(np.array([0.0, 1.0])).tolist() == [support.lo, support.hi]
    assert_is_quantile(prior, U_GRID)
    inner = U_GRID[(U_GRID >= 1e-3) & (U_GRID <= 1 - 1e-3)]
    assert_allclose(prior.cdf(prior.ppf(inner)), inner, rtol=0, atol=1e-12)
    assert prior.cdf(np.array([support.lo, support.hi])).tolist() == [0.0, 1.0]
    assert np.all(np.diff(prior.ppf(np.linspace(0, 1, 2001))) > 0)
    draws = prior.sample(np.random.default_rng(SEED), N_DRAWS)
    assert stats.kstest(draws, prior.cdf).pvalue > P_FLOOR


@pytest.mark.parametrize("params", [c[1] for c in METALOGS], ids=METALOG_IDS)
def test_metalog_mean_matches_integral_of_keelin_quantile(params):
    prior, ref = make(dist="metalog", **params), _keelin(params)
    # E[X] = integral of Q(y) dy over (0, 1); with y = expit(t), dy = dt / (4 cosh(t/2)^2)
    # and every form's integrand decays exponentially in |t| (at least as
    # exp(-0.1 |t|) here), so [-300, 300] loses nothing at this tolerance.
    want, _ = integrate.quad(
        lambda t: float(ref.at_logit(t, special.expit(t))) / (4 * math.cosh(t / 2) ** 2),
        -300,
        300,
        points=[0],
        limit=1000,
    )
    assert prior.mean() == pytest.approx(want, rel=1e-8)


@pytest.mark.parametrize("half_width", [1.0, 1.5, 2.0, 2.19])
def test_metalog_mean_semi_bounded_closed_form(half_width):
    # p10, p90 symmetric on the log scale make a3 = 0 and exp(M) = e^a1 (y/(1-y))^a2,
    # whose mean is e^a1 * pi a2 / sin(pi a2) (a beta integral); finite while a2 < 1.
    h = half_width
    lower = make(dist="metalog", p10=5 + math.exp(-h), p50=6, p90=5 + math.exp(h), min=5)
    a2 = h / math.log(9)
    want = math.pi * a2 / math.sin(math.pi * a2)
    assert lower.mean() == pytest.approx(5 + want, rel=1e-9)
    upper = make(dist="metalog", p10=-math.exp(h), p50=-1, p90=-math.exp(-h), max=0)
    assert upper.mean() == pytest.approx(-want, rel=1e-9)


def test_metalog_mean_is_infinite_when_the_tail_is_too_heavy():
    # a2 = 2.3 / ln 9 > 1: E[exp(M)] diverges at y -> 1 (and at y -> 0 for max).
    h = 2.3
    lower = make(dist="metalog", p10=math.exp(-h), p50=1, p90=math.exp(h), min=0)
    upper = make(dist="metalog", p10=-math.exp(h), p50=-1, p90=-math.exp(-h), max=0)
    assert (lower.mean(), upper.mean()) == (math.inf, -math.inf)


@pytest.mark.parametrize(
    ("p10", "p50", "p90"), [(1, 2, 4), (20, 40, 150), (0.03, 0.08, 0.16), (1, 2, 30)]
)
def test_metalog_tail_index_is_the_power_of_its_tail(p10, p50, p90):
    # Independently of a2 and a3: the slope of ln(x - min) against ln(1 / (1 - y)) deep
    # in the tail (the a3 (y - 1/2) term's drift there is of order 1e-10 / ln ratio).
    lower = make(dist="metalog", p10=p10, p50=p50, p90=p90, min=0)
    e = np.array([1e-10, 1e-13])
    x = lower.ppf(1.0 - e)
    slope = (math.log(x[1]) - math.log(x[0])) / math.log(e[0] / e[1])
    assert lower.tail_index() == pytest.approx(slope, rel=1e-3)
    # the mirror image: bounded above, the lower tail
    upper = make(dist="metalog", p10=-p90, p50=-p50, p90=-p10, max=0)
    assert upper.tail_index() == pytest.approx(lower.tail_index(), rel=1e-12)
    # bounded on both sides, or neither: every moment is finite
    assert make(dist="metalog", p10=p10, p50=p50, p90=p90, min=0, max=10 * p90).tail_index() is None
    assert make(dist="metalog", p10=1, p50=3, p90=5).tail_index() is None


def test_metalog_mean_is_infinite_exactly_from_tail_index_1():
    for h in (2.19, 2.2):  # a2 = h / ln 9 either side of 1
        lower = make(dist="metalog", p10=math.exp(-h), p50=1, p90=math.exp(h), min=0)
        assert (lower.tail_index() >= 1.0) == (lower.mean() == math.inf)


def test_metalog_symmetric_means():
    assert make(dist="metalog", p10=1, p50=3, p90=5).mean() == pytest.approx(3, rel=1e-15)
    both = make(dist="metalog", p10=2, p50=5, p90=8, min=0, max=10)
    assert both.mean() == pytest.approx(5, rel=1e-10)


def test_metalog_feasibility_boundary():
    # p50 at share r of the way from p10 to p90 gives |a3|/a2 = |1 - 2r| / 0.4.
    edge = (1 - 0.4 * 1.66711) / 2
    make(dist="metalog", p10=0, p50=edge + 1e-6, p90=1)
    make(dist="metalog", p10=0, p50=1 - edge - 1e-6, p90=1)
    for p50 in (edge - 1e-6, 1 - edge + 1e-6):
        with pytest.raises(ConfigError, match="would not be monotone"):
            make(dist="metalog", p10=0, p50=p50, p90=1)


# --------------------------------------------------------------------------
# Discrete, bernoulli, fixed
# --------------------------------------------------------------------------
def _away_from_steps(u, steps):
    """The levels not within 1e-12 of a cdf step.

    Exactly at a step the answer turns on the last bit of a sum (scipy sums
    0.1 eight times to 0.7999999999999999, which is < 0.8); the tie-breaking
    rule is tested on exact binary fractions instead.
    """
    return u[np.min(np.abs(u[:, None] - np.asarray(steps)[None, :]), axis=1) > 1e-12]


DISCRETE = [
    ("three", [1.5, 2.25, 7.0], [0.2, 0.3, 0.5]),
    ("unsorted", [30, -1, 4, 12], [0.1, 0.4, 0.25, 0.25]),
    ("tie-at-half", [0, 1], [0.5, 0.5]),
    ("tenths", list(range(10)), [0.1] * 10),
]


@pytest.mark.parametrize("values, probs", [c[1:] for c in DISCRETE], ids=[c[0] for c in DISCRETE])
def test_discrete_matches_scipy(values, probs):
    prior = make(dist="discrete", values=values, probs=probs)
    ref = stats.rv_discrete(values=(values, probs))
    u = _away_from_steps(U_GRID[1:], np.cumsum(np.asarray(probs)[np.argsort(values)]))
    assert_allclose(prior.ppf(u), ref.ppf(u), rtol=0, atol=0)
    x = np.concatenate([np.sort(values), np.sort(values) + 0.5, [min(values) - 1]])
    assert_allclose(prior.cdf(x), ref.cdf(x), rtol=1e-14, atol=1e-15)
    assert prior.median() == ref.median()
    assert prior.mean() == pytest.approx(ref.mean(), rel=1e-14)
    assert prior.ppf(np.array([0.0, 1.0])).tolist() == [min(values), max(values)]
    assert prior.support() == Support(
        min(values), max(values), True, True, tuple(float(v) for v in sorted(values))
    )


def test_ties_at_a_step_take_the_smaller_value():
    # F(1) = 0.25 and F(2) = 0.5 exactly in binary.
    prior = make(dist="discrete", values=[1, 2, 3], probs=[0.25, 0.25, 0.5])
    assert prior.ppf(np.array([0.25, 0.5])).tolist() == [1, 2]
    assert prior.median() == 2
    assert make(dist="bernoulli", p=0.5).median() == 0
    assert make(dist="bernoulli", p=0.75).ppf(np.array([0.25, 0.2500001])).tolist() == [0, 1]


def test_discrete_ppf_is_smallest_value_reaching_u():
    prior = make(dist="discrete", values=[3, 1, 2], probs=[0.2, 0.3, 0.5])
    # F(1) = 0.3, F(2) = 0.8, F(3) = 1
    u = np.array([0.0, 0.3, 0.3000001, 0.8, 0.80001, 1.0])
    assert prior.ppf(u).tolist() == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("p", [0.9, 0.7, 0.3, 0.999, 0.1])
def test_bernoulli_quantile_at_its_step_is_failure(p):
    # F(0) = 1 - p; the decimal level 1 - p (0.1 for p = 0.9) reaches the step,
    # although in floating point 1 - 0.9 = 0.09999999999999998 < 0.1.
    prior = make(dist="bernoulli", p=p)
    step = float(f"{1 - p:.12g}")  # 1 - p as a person writes it
    assert prior.ppf(np.array([step, step + 1e-9])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "values, probs, level, want",
    [
        ([0, 1], [0.1, 0.9], 0.1, 0),
        ([0, 1, 2], [0.7, 0.2, 0.1], 0.9, 1),  # 0.7 + 0.2 is 0.8999999999999999
        ([5, 6, 7, 8], [0.1, 0.2, 0.3, 0.4], 0.6, 7),
        (list(range(10)), [0.1] * 10, 0.7, 6),
        ([0, 1, 2], [0.01, 0.09, 0.9], 0.1, 1),  # 0.01 + 0.09 sums exactly to just below 0.1
        ([0, 1, 2], [0.01, 0.19, 0.8], 0.2, 1),
    ],
)
def test_discrete_quantile_at_a_step_is_the_value_below(values, probs, level, want):
    prior = make(dist="discrete", values=values, probs=probs)
    assert prior.ppf(np.array([level])).tolist() == [want]
    assert prior.ppf(np.array([level + 1e-9])).tolist() == [values[values.index(want) + 1]]


@pytest.mark.parametrize("p", [0.0, 1.0, 1e-13, 1 - 1e-13])
def test_bernoulli_never_draws_a_value_it_cannot_take(p):
    # The tolerance at a step never gives a value with no probability any.
    prior = make(dist="bernoulli", p=p)
    u = np.array([2.0**-53, 1e-14, 1e-12, 0.5, 1 - 1e-12, 1 - 2.0**-53])
    x = prior.ppf(u)
    if p == 0.0:
        assert x.tolist() == [0.0] * u.size
    elif p == 1.0:
        assert x.tolist() == [1.0] * u.size
    else:  # each value keeps at least half its probability
        assert (x[0], x[-1]) == (0.0, 1.0)


def test_a_success_flag_gets_a_tornado_bar():
    from simulate.config import model_from_dict
    from simulate.sensitivity import tornado

    model = model_from_dict(
        {
            "name": "flag",
            "horizon_months": 12,
            "priors": {"success": {"dist": "bernoulli", "p": 0.9}},
            "benefits": [
                {"type": "recurring", "amount": 100, "scale": "success"},
                {"type": "recurring", "amount": {"dist": "uniform", "min": 1, "max": 2}},
            ],
            "costs": [{"type": "one_time", "amount": 500}],
        }
    )
    rows = {r["input"]: r for r in tornado(model)["rows"]}
    flag = rows["success"]
    assert (flag["low_value"], flag["high_value"]) == (0.0, 1.0)
    assert flag["metric_low"] < flag["metric_high"] and flag["swing"] > 0


def test_discrete_zero_probability_values_are_never_drawn():
    prior = make(dist="discrete", values=[0, 1, 2], probs=[0, 1, 0])
    assert prior.ppf(U_GRID).tolist() == [1.0] * U_GRID.size
    assert str(prior.support()) == "{1}"


@pytest.mark.parametrize("values, probs", [c[1:] for c in DISCRETE], ids=[c[0] for c in DISCRETE])
def test_discrete_sample_frequencies(values, probs):
    draws = make(dist="discrete", values=values, probs=probs).sample(
        np.random.default_rng(SEED), N_DRAWS
    )
    counts = np.array([np.count_nonzero(draws == v) for v in values])
    assert counts.sum() == N_DRAWS  # nothing outside the listed values
    assert stats.chisquare(counts, N_DRAWS * np.asarray(probs)).pvalue > P_FLOOR


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_bernoulli_matches_scipy(p):
    prior, ref = make(dist="bernoulli", p=p), stats.bernoulli(p)
    u = _away_from_steps(U_GRID[1:], [1 - p])
    assert_allclose(prior.ppf(u), ref.ppf(u), atol=0)
    assert_allclose(prior.cdf(np.array([-1, 0, 0.5, 1, 2])), ref.cdf([-1, 0, 0.5, 1, 2]))
    assert (prior.median(), prior.mean()) == (ref.median(), ref.mean())
    assert str(prior.support()) == "{0, 1}" and prior.is_discrete


@pytest.mark.parametrize("p", [0.03, 0.5, 0.8])
def test_bernoulli_sample_frequencies(p):
    draws = make(dist="bernoulli", p=p).sample(np.random.default_rng(SEED), N_DRAWS)
    ones = np.count_nonzero(draws == 1)
    assert ones + np.count_nonzero(draws == 0) == N_DRAWS
    assert (
        stats.chisquare([N_DRAWS - ones, ones], [N_DRAWS * (1 - p), N_DRAWS * p]).pvalue > P_FLOOR
    )


def test_fixed():
    prior = make(dist="fixed", value=2.5)
    assert prior.is_fixed and prior.is_discrete
    assert prior.sample(np.random.default_rng(SEED), 4).tolist() == [2.5] * 4
    assert prior.ppf(U_GRID).tolist() == [2.5] * U_GRID.size
    assert prior.cdf(np.array([2.4, 2.5, 2.6])).tolist() == [0, 1, 1]
    assert (prior.median(), prior.mean(), str(prior.support())) == (2.5, 2.5, "{2.5}")


# --------------------------------------------------------------------------
# Shape of the API
# --------------------------------------------------------------------------
def test_registry_is_model_md_table():
    assert set(REGISTRY) == {
        "fixed",
        "uniform",
        "triangular",
        "pert",
        "normal",
        "lognormal",
        "beta",
        "metalog",
        "discrete",
        "bernoulli",
    }
    assert all(cls.dist == name for name, cls in REGISTRY.items())


@pytest.mark.parametrize(
    "spec, text",
    [
        (dict(dist="uniform", min=0, max=1), "[0, 1]"),
        (dict(dist="pert", min=0.02, mode=0.05, max=0.1), "[0.02, 0.1]"),
        (dict(dist="normal", mean=0, sd=1), "(-inf, inf)"),
        (dict(dist="normal", mean=0, sd=1, min=-1), "[-1, inf)"),
        (dict(dist="normal", mean=0, sd=1, max=2.5), "(-inf, 2.5]"),
        (dict(dist="lognormal", mean=1, sd=1), "(0, inf)"),
        (dict(dist="beta", alpha=2, beta=2), "[0, 1]"),
        (dict(dist="metalog", p10=1, p50=2, p90=4, min=0), "(0, inf)"),
        (dict(dist="metalog", p10=1, p50=2, p90=4, max=5), "(-inf, 5)"),
        (dict(dist="metalog", p10=1, p50=2, p90=4, min=0, max=5), "(0, 5)"),
        (dict(dist="discrete", values=[3, 1], probs=[0.5, 0.5]), "{1, 3}"),
    ],
)
def test_support_text(spec, text):
    assert str(make(**spec).support()) == text


@pytest.mark.parametrize(
    ("allowed", "text"),
    [
        (Support(0, math.inf), "[0, inf)"),  # an infinite end is open however it is given
        (Support(0, 1, True, False), "[0, 1)"),
        (Support(-1, math.inf, False), "(-1, inf)"),
    ],
)
def test_a_fields_range_is_written_as_an_interval(allowed, text):
    assert str(allowed) == text


@pytest.mark.parametrize(
    ("allowed", "spec", "fits"),
    [
        (Support(0, math.inf), dict(dist="lognormal", mean=1, sd=1), True),
        (Support(0, 1, True, False), dict(dist="uniform", min=0, max=1), False),
        (
            Support(0, 1, True, False),
            dict(dist="metalog", p10=0.2, p50=0.5, p90=0.8, min=0, max=1),
            True,
        ),
        (Support(0, 1), dict(dist="normal", mean=0.5, sd=0.1), False),
        (Support(-1, math.inf, False), dict(dist="uniform", min=-1, max=0), False),
        (Support(-1, math.inf, False), dict(dist="normal", mean=0, sd=1, min=-1), False),
        (Support(-1, math.inf, False), dict(dist="metalog", p10=0, p50=1, p90=3, min=-1), True),
        (Support(0, 1), dict(dist="discrete", values=[0, 1], probs=[0.5, 0.5]), True),
    ],
)
def test_a_range_contains_a_prior_only_if_it_contains_every_value(allowed, spec, fits):
    support = make(**spec).support()
    assert allowed.contains(support) is fits
    if fits:  # the ends that can be drawn are allowed values
        ends = ((support.lo, support.lo_closed), (support.hi, support.hi_closed))
        assert all(allowed.contains_value(x) for x, closed in ends if closed)


@pytest.mark.parametrize(
    "spec, text",
    [
        (dict(dist="pert", min=0.02, mode=0.05, max=0.1), "pert(min=0.02, mode=0.05, max=0.1)"),
        (
            dict(dist="pert", max=9, min=1, mode=2, **{"lambda": 3}),
            "pert(min=1, mode=2, max=9, lambda=3)",
        ),
        (dict(dist="lognormal", p90=10, median=3), "lognormal(median=3, p90=10)"),
        (dict(dist="normal", p10=1, p90=2, max=5), "normal(p10=1, p90=2, max=5)"),
        (
            dict(dist="discrete", values=[3, 1], probs=[0.25, 0.75]),
            "discrete(values=[3, 1], probs=[0.25, 0.75])",
        ),
        (dict(dist="bernoulli", p=0.35), "bernoulli(p=0.35)"),
    ],
)
def test_describe(spec, text):
    assert make(**spec).describe() == text


def test_source_and_note_are_kept():
    prior = make(dist="uniform", min=0, max=1, source="2023 survey", note="owner: CX team")
    assert (prior.source, prior.note) == ("2023 survey", "owner: CX team")
    assert make(dist="uniform", min=0, max=1, source=None).source is None


def test_sampling_is_deterministic_for_a_seed():
    for _, spec, _ in CONTINUOUS:
        prior = parse_prior(spec, PATH)
        first = prior.sample(np.random.default_rng(7), 100)
        assert np.array_equal(first, prior.sample(np.random.default_rng(7), 100))
        assert not np.array_equal(first, prior.sample(np.random.default_rng(8), 100))


def test_ppf_and_cdf_keep_the_shape_of_their_input():
    u = np.random.default_rng(SEED).random((3, 4))
    for _, spec, _ in CONTINUOUS:
        prior = parse_prior(spec, PATH)
        assert prior.ppf(u).shape == (3, 4)
        assert prior.cdf(prior.ppf(u)).shape == (3, 4)


def test_numbers_from_numpy_and_ints_are_accepted():
    prior = make(dist="triangular", min=np.int64(1), mode=np.float32(2.5), max=4)
    assert prior.mean() == pytest.approx(2.5)


def test_probabilities_summing_to_one_within_tolerance_are_accepted():
    prior = make(
        dist="discrete", values=list(range(10)), probs=[0.1] * 10
    )  # sum 0.9999999999999999
    assert prior.cdf(np.array([9.0])).tolist() == [1.0]
    make(dist="discrete", values=[0, 1], probs=[0.5, 0.5 + 5e-10])


# --------------------------------------------------------------------------
# Tier 2: properties over random parameters
# --------------------------------------------------------------------------
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-3, 1e3)
unit = st.floats(0, 1)


@st.composite
def valid_specs(draw):
    """A random valid spec of a continuous distribution with bounds or a tail."""
    lo = draw(finite)
    width = draw(positive)
    mu, sd = draw(finite), draw(positive)
    kind = draw(st.sampled_from(["pert", "triangular", "normal-min", "normal-both", "metalog"]))
    if kind == "pert":
        mode = lo + draw(unit) * width
        return dict(dist="pert", min=lo, mode=mode, max=lo + width, **{"lambda": draw(positive)})
    if kind == "triangular":
        return dict(dist="triangular", min=lo, mode=lo + draw(unit) * width, max=lo + width)
    if kind == "normal-min":
        return dict(dist="normal", mean=mu, sd=sd, min=mu + draw(st.floats(-4, 4)) * sd)
    if kind == "normal-both":
        a = draw(st.floats(-4, 4))
        return dict(dist="normal", mean=mu, sd=sd, min=mu + a * sd, max=mu + (a + 0.5) * sd)
    # Metalog: choose the quantiles on the transformed scale, with p50's share
    # of the p10..p90 distance inside the feasible 0.167 .. 0.833.
    z10, dz, share = draw(st.floats(-3, 3)), draw(st.floats(0.1, 3)), draw(st.floats(0.2, 0.8))
    z = np.array([z10, z10 + share * dz, z10 + dz])
    bounds = draw(st.sampled_from(["none", "min", "max", "both"]))
    extra = {
        "none": ({}, lo + width * z),
        "min": ({"min": lo}, lo + np.exp(z)),
        "max": ({"max": lo}, lo - np.exp(-z)),
        "both": ({"min": lo, "max": lo + width}, lo + width / (1 + np.exp(-z))),
    }
    keys, p = extra[bounds]
    return dict(dist="metalog", p10=p[0], p50=p[1], p90=p[2], **keys)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(valid_specs())
def test_ppf_is_monotone_inside_support_and_inverted_by_cdf(spec):
    prior = make(**spec)
    u = np.linspace(0, 1, 257)
    x = prior.ppf(u)
    support = prior.support()
    assert np.all(np.diff(x) >= 0)
    assert np.all((x >= support.lo) & (x <= support.hi))
    assert_is_quantile(prior, u, tol=1e-12)


# --------------------------------------------------------------------------
# Config mistakes
# --------------------------------------------------------------------------
def _problems(spec) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_prior(spec, PATH)
    return [(p.path, p.message) for p in info.value.problems]


ERRORS = [
    # (id, spec, path of the problem, fragments its message must contain)
    ("not-a-mapping", 0.3, PATH, ["must be a mapping", "dist: pert"]),
    ("no-dist", dict(min=1, max=2), PATH, ["no dist: key", "uniform", "bernoulli"]),
    (
        "unknown-dist",
        dict(dist="pret"),
        f"{PATH}.dist",
        ["'pret'", "did you mean 'pert'", "lognormal"],
    ),
    ("dist-not-text", dict(dist=3), f"{PATH}.dist", ["unknown distribution 3", "use one of"]),
    (
        "unknown-key",
        dict(dist="pert", min=1, mode=2, max=3, lamda=4),
        f"{PATH}.lamda",
        ["'lamda' is not a parameter of a pert", "did you mean 'lambda'", "min, mode and max"],
    ),
    ("bool", dict(dist="bernoulli", p=True), f"{PATH}.p", ["yes/no value", "write a number"]),
    ("text", dict(dist="uniform", min="1", max=2), f"{PATH}.min", ["text '1'", "without quotes"]),
    ("percent", dict(dist="bernoulli", p="5%"), f"{PATH}.p", ["5% is 0.05"]),
    ("none", dict(dist="fixed", value=None), f"{PATH}.value", ["no value", "write a number"]),
    ("nan", dict(dist="uniform", min=float("nan"), max=2), f"{PATH}.min", ["not a finite number"]),
    ("inf", dict(dist="uniform", min=0, max=math.inf), f"{PATH}.max", ["not a finite number"]),
    ("list-for-number", dict(dist="fixed", value=[1]), f"{PATH}.value", ["must be a number"]),
    ("note-not-text", dict(dist="fixed", value=1, note=5), f"{PATH}.note", ["must be text"]),
    (
        "mixed-forms",
        dict(dist="normal", mean=1, sd=1, p10=0),
        PATH,
        ["different ways of describing a normal", "mean and sd, or p10 and p90"],
    ),
    (
        "lognormal-mixed-forms",
        dict(dist="lognormal", p10=1, median=2, p90=3),
        PATH,
        ["different ways", "mean and sd, p10 and p90, or median and p90"],
    ),
    (
        "beta-mixed-forms",
        dict(dist="beta", alpha=1, beta=2, mean=0.3, sd=0.1),
        PATH,
        ["different ways of describing a beta", "alpha and beta, or mean and sd"],
    ),
    ("incomplete-form", dict(dist="normal", mean=1), PATH, ["with mean also needs sd"]),
    ("ambiguous-incomplete", dict(dist="lognormal", p90=1), PATH, ["also needs p10 or median"]),
    ("no-parameters", dict(dist="pert"), PATH, ["needs min, mode and max"]),
    (
        "min-above-max",
        dict(dist="uniform", min=3, max=1),
        f"{PATH}.max",
        ["max (1)", "min (3)", "swap"],
    ),
    (
        "min-equals-max",
        dict(dist="triangular", min=1, mode=1, max=1),
        f"{PATH}.max",
        ["greater than"],
    ),
    (
        "mode-outside",
        dict(dist="pert", min=1, mode=5, max=4),
        f"{PATH}.mode",
        ["mode (5) must lie between min (1) and max (4)"],
    ),
    (
        "lambda-zero",
        dict(dist="pert", min=1, mode=2, max=4, **{"lambda": 0}),
        f"{PATH}.lambda",
        ["lambda (0) must be greater than 0", "4 is the usual"],
    ),
    (
        "normal-sd",
        dict(dist="normal", mean=1, sd=0),
        f"{PATH}.sd",
        ["sd (0) must be greater than 0"],
    ),
    ("normal-p10-p90", dict(dist="normal", p10=5, p90=5), f"{PATH}.p90", ["p90 (5)", "p10 (5)"]),
    (
        "normal-bounds",
        dict(dist="normal", mean=0, sd=1, min=1, max=-1),
        f"{PATH}.max",
        ["max (-1) must be greater than min (1)"],
    ),
    (
        "normal-no-mass",
        dict(dist="normal", mean=100, sd=10, max=40),
        f"{PATH}.max",
        ["max = 40", "is left", "same units"],
    ),
    (
        "normal-no-mass-both",
        dict(dist="normal", mean=0, sd=1, min=5, max=5.0001),
        f"{PATH}.min",
        ["min = 5 and max = 5.0001", "move the bounds"],
    ),
    (
        "lognormal-mean",
        dict(dist="lognormal", mean=0, sd=1),
        f"{PATH}.mean",
        ["mean (0) must be greater than 0", "positive values"],
    ),
    ("lognormal-sd", dict(dist="lognormal", mean=1, sd=-1), f"{PATH}.sd", ["sd (-1)"]),
    ("lognormal-p10", dict(dist="lognormal", p10=-1, p90=2), f"{PATH}.p10", ["p10 (-1)"]),
    (
        "lognormal-order",
        dict(dist="lognormal", p10=3, p90=2),
        f"{PATH}.p90",
        ["p90 (2)", "p10 (3)"],
    ),
    ("lognormal-median", dict(dist="lognormal", median=0, p90=2), f"{PATH}.median", ["median (0)"]),
    (
        "lognormal-median-order",
        dict(dist="lognormal", median=3, p90=2),
        f"{PATH}.p90",
        ["p90 (2) must be greater than median (3)"],
    ),
    ("beta-alpha", dict(dist="beta", alpha=0, beta=1), f"{PATH}.alpha", ["alpha (0)"]),
    ("beta-beta", dict(dist="beta", alpha=1, beta=-2), f"{PATH}.beta", ["beta (-2)"]),
    ("beta-range", dict(dist="beta", alpha=1, beta=1, min=2, max=1), f"{PATH}.max", ["max (1)"]),
    (
        "beta-mean-outside",
        dict(dist="beta", mean=1.5, sd=0.1),
        f"{PATH}.mean",
        ["mean (1.5) must lie strictly between min (0) and max (1)"],
    ),
    (
        "beta-sd-too-big",
        dict(dist="beta", mean=0.5, sd=0.5),
        f"{PATH}.sd",
        ["sd (0.5) is too large", "below sqrt((mean - min) * (max - mean)) = 0.5", "smaller sd"],
    ),
    ("beta-sd-zero", dict(dist="beta", mean=0.5, sd=0), f"{PATH}.sd", ["sd (0)"]),
    ("metalog-order", dict(dist="metalog", p10=1, p50=1, p90=2), f"{PATH}.p50", ["p50 (1)"]),
    (
        "metalog-min",
        dict(dist="metalog", p10=1, p50=2, p90=3, min=1),
        f"{PATH}.min",
        ["min (1) must be below p10 (1)", "strictly inside"],
    ),
    (
        "metalog-max",
        dict(dist="metalog", p10=1, p50=2, p90=3, max=2.5),
        f"{PATH}.max",
        ["max (2.5) must be above p90 (3)"],
    ),
    (
        "metalog-not-monotone",
        dict(dist="metalog", p10=1, p50=1.1, p90=5),
        PATH,
        [
            "would not be monotone",
            "1.66711",
            "of the way from p10 to p90",
            "a min a little below p10",
        ],
    ),
    (
        "metalog-not-monotone-bounded",
        dict(dist="metalog", p10=1, p50=4.9, p90=5, min=0),
        PATH,
        ["would not be monotone", "on the log scale that min sets", "a max a little above p90"],
    ),
    ("discrete-empty", dict(dist="discrete", values=[], probs=[]), f"{PATH}.values", ["empty"]),
    (
        "discrete-lengths",
        dict(dist="discrete", values=[1, 2, 3], probs=[0.5, 0.5]),
        f"{PATH}.probs",
        ["values has 3 entries but probs has 2"],
    ),
    (
        "discrete-repeated",
        dict(dist="discrete", values=[1, 2, 1], probs=[0.2, 0.3, 0.5]),
        f"{PATH}.values",
        ["lists 1 more than once", "added together"],
    ),
    (
        "discrete-negative",
        dict(dist="discrete", values=[1, 2], probs=[1.2, -0.2]),
        f"{PATH}.probs[1]",
        ["probs[1] (-0.2) is negative"],
    ),
    (
        "discrete-sum",
        dict(dist="discrete", values=[1, 2], probs=[0.5, 0.6]),
        f"{PATH}.probs",
        ["add up to 1.1, not 1"],
    ),
    (
        "discrete-sum-just-outside",
        dict(dist="discrete", values=[1, 2], probs=[0.5, 0.5 + 2e-9]),
        f"{PATH}.probs",
        ["not 1", "within 1e-9"],
    ),
    (
        "discrete-not-a-list",
        dict(dist="discrete", values=5, probs=[1]),
        f"{PATH}.values",
        ["must be a list of numbers"],
    ),
    (
        "discrete-bad-entry",
        dict(dist="discrete", values=[1, "two"], probs=[0.5, 0.5]),
        f"{PATH}.values[1]",
        ["values[1] is the text 'two'"],
    ),
    ("bernoulli-p", dict(dist="bernoulli", p=1.5), f"{PATH}.p", ["p (1.5)", "between 0 and 1"]),
    ("bernoulli-negative", dict(dist="bernoulli", p=-0.1), f"{PATH}.p", ["p (-0.1)"]),
]


@pytest.mark.parametrize(
    "spec, path, fragments", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_mistake_is_reported_with_path_and_fix(spec, path, fragments):
    problems = _problems(spec)
    assert len(problems) == 1, problems
    got_path, message = problems[0]
    assert got_path == path
    for fragment in fragments:
        assert fragment in message


def test_every_mistake_is_reported_at_once():
    spec = dict(dist="pert", min=5, mode=9, max=1, foo=1, note=3, **{"lambda": -1})
    paths = [path for path, _ in _problems(spec)]
    assert sorted(paths) == sorted([f"{PATH}.foo", f"{PATH}.note", f"{PATH}.max", f"{PATH}.lambda"])
    spec = dict(dist="normal", mean="a", sd=None, max=True)
    assert [path for path, _ in _problems(spec)] == [f"{PATH}.mean", f"{PATH}.sd", f"{PATH}.max"]
    spec = dict(dist="discrete", values=[1, 1, 2], probs=[-0.5, 0.5])
    assert sorted(path for path, _ in _problems(spec)) == [
        f"{PATH}.probs",
        f"{PATH}.probs[0]",
        f"{PATH}.values",
    ]


def test_config_error_text_names_the_path():
    with pytest.raises(ConfigError, match=r"priors\.churn_cut\.max: max \(0\.01\)"):
        parse_prior(dict(dist="uniform", min=0.05, max=0.01), "priors.churn_cut")
    with pytest.raises(ConfigError, match=r"benefits\[2\]\.uplift\.probs\[0\]"):
        parse_prior(dict(dist="discrete", values=[1], probs=[-1]), "benefits[2].uplift")


def test_metalog_constructed_directly_is_the_parsed_one():
    direct = Metalog(1.0, 2.0, 5.0, lo=0.0)
    assert direct == make(dist="metalog", p10=1, p50=2, p90=5, min=0)
    assert direct.describe() == "metalog(p10=1, p50=2, p90=5, lo=0, hi=inf)"


# --------------------------------------------------------------------------
# Tier 4: every accepted prior samples inside its support (issue 11 item 10)
# --------------------------------------------------------------------------
# Numbers a config can hold, weighted toward the ends of the float range and
# the awkward values in between.
_EXTREME = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e-160, 1e-20,
            1e-9, 0.1, 0.5, 0.9, 1.0, 3.0, 1e9, 1e20, 1e160, 1e200, 1e300, 1.7e308,
            1.7976931348623157e308, -1e-300, -1.0, -1e9, -1e160, -1e300, -1.7976931348623157e308]  # fmt: skip
any_number = st.one_of(
    st.sampled_from(_EXTREME),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e3, 1e3),
)
# Levels a run's draws can reach (uniforms are kept in [2^-53, 1 - 2^-53]).
_EDGE_LEVELS = np.array([2.0**-53, 1e-9, 0.5, 1 - 1e-9, 1 - 2.0**-53])


@st.composite
def any_prior_spec(draw):
    """Any form of any registered distribution, with numbers from anywhere.

    Numbers that one form lists in order (min, mode, max; p10, p50, p90) are
    usually drawn sorted and spreads usually positive, so that a good share
    of the specs make a distribution at all.
    """
    from simulate.config.priors.params import SYNTAX

    dist = draw(st.sampled_from(sorted(SYNTAX)))
    syntax = SYNTAX[dist]
    keys = list(draw(st.sampled_from(syntax.forms)))
    keys += [k for k in syntax.optional if draw(st.booleans())]
    spec: dict = {"dist": dist}
    if syntax.list_keys:
        n = draw(st.integers(1, 4))
        spec["values"] = draw(st.lists(any_number, min_size=n, max_size=n))
        weights = draw(st.lists(st.floats(0.0, 1e3), min_size=n, max_size=n))
        total = math.fsum(weights)
        spec["probs"] = [w / total for w in weights] if total > 0 else weights
        return spec
    numbers = [draw(any_number) for _ in keys]
    ordered = [
        k for k in ("min", "p10", "median", "mode", "mean", "p50", "p90", "max") if k in keys
    ]
    if draw(st.integers(0, 4)):  # mostly in the order the form wants
        for k, v in zip(ordered, sorted(numbers[: len(ordered)]), strict=False):
            spec[k] = v
    for k, v in zip(keys, numbers, strict=True):
        spec.setdefault(
            k,
            abs(v)
            if k in ("sd", "alpha", "beta", "lambda", "p") and draw(st.integers(0, 4))
            else v,
        )
    if dist == "bernoulli":
        spec["p"] = min(abs(spec["p"]), 1.0) if draw(st.integers(0, 4)) else spec["p"]
    return spec


def _check_samples_inside_support(spec) -> bool:
    """True if ``spec`` makes a prior (then checked), False if it is rejected cleanly."""
    try:
        prior = make(**spec)
    except ConfigError:
        return False
    support = prior.support()
    # A numpy RuntimeWarning (overflow, invalid value) fails the test: pytest turns
    # warnings into errors.
    x = prior.ppf(_EDGE_LEVELS)
    draws = prior.sample(np.random.default_rng(SEED), 1000)
    for values in (x, draws):
        assert np.all(np.isfinite(values)), (spec, values)
        outside = [v for v in values if not support.contains_value(float(v))]
        assert not outside, (spec, str(support), outside[:3])
    return True


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(any_prior_spec())
def test_every_accepted_prior_samples_inside_its_support(spec):
    _check_samples_inside_support(spec)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, derandomize=True, database=None)
@given(any_prior_spec())
def test_every_accepted_prior_samples_inside_its_support_long(spec):
    _check_samples_inside_support(spec)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 1, "sd": 1e160},
        {"dist": "lognormal", "mean": 5e-324, "sd": 1},
        {"dist": "beta", "alpha": 2, "beta": 3, "min": 0, "max": 1.7e308},
        {"dist": "beta", "mean": 1, "sd": 0.1, "min": -1.7e308, "max": 1.7e308},
        {"dist": "normal", "p10": 0, "p90": 5e-324},
        {"dist": "normal", "mean": 0, "sd": 1e308},
        {"dist": "metalog", "p10": 1e-300, "p50": 1, "p90": 1e300},
        {"dist": "metalog", "p10": -1e300, "p50": 0, "p90": 1e300},
        {"dist": "triangular", "min": 0, "mode": 1, "max": 1e200},
        {"dist": "uniform", "min": -1.7e308, "max": 1.7e308},
        {"dist": "pert", "min": -1e308, "mode": 0, "max": 1e308},
    ],
)
def test_extreme_parameters_are_rejected_or_sampled_inside_the_support(spec):
    # From issue 11 item 10: each overflowed or divided by zero inside a fit,
    # or drew values outside its own support.
    _check_samples_inside_support(spec)


# -- values kept so that validation needs no scipy (priors/_special.py) -------------------------


def test_kept_special_values_are_scipys_bit_for_bit():
    from simulate.config.priors import _special, metalog, normal
    from simulate.config.priors.base import EDGE_LEVELS

    assert np.array_equal(_special.ndtri(EDGE_LEVELS), special.ndtri(EDGE_LEVELS))
    assert np.array_equal(_special.logit(EDGE_LEVELS), special.logit(EDGE_LEVELS))
    assert normal.Z90 == special.ndtri(0.9)
    assert (metalog._L10, metalog._L90) == (special.logit(0.1), special.logit(0.9))
    # any other level is scipy's own
    u = np.array([1e-300, 0.1, 0.5, 0.7, 1.0 - 1e-16])
    assert np.array_equal(_special.ndtri(u), special.ndtri(u))
    assert np.array_equal(_special.logit(u), special.logit(u))


@pytest.mark.parametrize("dist", ["beta", "pert"])
def test_beta_edge_check_taken_without_quantiles_agrees_with_computing_them(dist):
    # computes() skips betaincinv for shapes in [MIN_SHAPE, MAX_SHAPE] and a float
    # range: over a grid of that box (and ranges up to the float limit) the quantiles
    # at the edge levels are all finite and inside the support, as it assumes.
    from simulate.config.priors.base import EDGE_LEVELS, computes
    from simulate.config.priors.beta import MAX_SHAPE, MIN_SHAPE, Beta, Pert

    shapes = [float(s) for s in np.geomspace(MIN_SHAPE, MAX_SHAPE, 41)]
    ranges = [(0.0, 1.0), (-1e308, 1e308), (1e-300, 2e-300), (-5.0, 1e300)]
    checked = 0
    for lo, hi in ranges:
        for a in shapes:
            for b in shapes[::4]:
                prior = Beta(a, b, lo, hi) if dist == "beta" else _pert_with_shapes(a, b, lo, hi)
                if prior is None:
                    continue
                x = prior.ppf(EDGE_LEVELS)
                full = bool(np.all(np.isfinite(x))) and all(
                    prior.support().contains_value(float(v)) for v in x
                )
                assert computes(prior) is full is True, (a, b, lo, hi)
                checked += prior.computes_at_edges() is True
    assert checked > 100  # the shortcut itself was taken
    # outside the box, or a range beyond the floats: computed
    wide = Beta(2.0, 3.0, -1e308, 1.7e308)
    assert wide.computes_at_edges() is None  # computed, as before
    assert Pert(0.0, 0.5, 1.0, lam=1e12).computes_at_edges() is None


def _pert_with_shapes(a: float, b: float, lo: float, hi: float):
    """A PERT on [lo, hi] with shapes near (a, b), if a PERT can have them (both >= 1)."""
    from simulate.config.priors.beta import Pert

    if a < 1.0 or b < 1.0:
        return None
    lam = (a - 1.0) + (b - 1.0)
    if lam == 0.0:
        return Pert(lo, lo + 0.5 * (hi - lo), hi, lam=0.0)
    mode = lo + (a - 1.0) / lam * (hi - lo) if math.isfinite(hi - lo) else None
    return None if mode is None else Pert(lo, mode, hi, lam=lam)
