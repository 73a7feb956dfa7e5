"""The beta's quantile function as drawn (``simulate.config.priors.betainv``).

The table of the body against ``scipy.stats.beta.ppf`` (in u and in x, from
the nearer end), exact tails, which shapes it serves, that it increases in u,
that it does not depend on threads or the cache, and that two priors a hair
apart never draw in the wrong order.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special, stats

from simulate.config.priors import betainv, parse_prior

SEED = 20240611
EPS = 2.0**-52

# Shapes the table serves: PERTs' (1 to 5), U-shaped (0.1, 0.1: the finer table),
# a mass packed at one end, narrow betas (a config's mean and sd), and tall ones.
SERVED = [(2.3, 4.1), (1.0, 5.0), (5.0, 1.0), (1.0, 1.0), (3.0, 3.0), (0.5, 0.5), (0.05, 3.0),
          (0.1, 0.1), (1001.0, 1.0), (400.0, 600.0), (35.0, 1128.0), (1e6, 1e6), (1e9, 1e9)]  # fmt: skip
# Where scipy's betainc itself is good to 1e-15 (it is not for (35, 1128)).
BETAINC_GOOD = [s for s in SERVED if s != (35.0, 1128.0)]
LEVELS = np.concatenate(
    [
        [0.0, 2.0**-53, 1e-12, 1e-6, 9.99e-4],
        np.linspace(1e-3, 1 - 1e-3, 2001),
        [1 - 9.99e-4, 1 - 1e-6, 1 - 1e-12, 1 - 2.0**-53, 1.0],
    ]
)
BODY = np.linspace(betainv.TAIL, 1 - betainv.TAIL, 20_001)


def _ids(shapes):
    return [f"{a:g},{b:g}" for a, b in shapes]


@pytest.mark.parametrize("a, b", BETAINC_GOOD, ids=_ids(BETAINC_GOOD))
def test_quantiles_are_within_1e14_in_u(a, b):
    d, upper = betainv.unit_quantile(a, b, LEVELS)
    # Each quantile is its distance from the nearer end: check it against the
    # beta's cdf from that end, which keeps the precision of u and of 1 - u.
    error = np.where(
        upper, special.betainc(b, a, d) - (1 - LEVELS), special.betainc(a, b, d) - LEVELS
    )
    x = np.where(upper, 1 - d, d)
    exact = special.betaincinv(a, b, LEVELS)
    # Allowed: 1e-14, or what one ulp of the exact quantile moves the cdf by.
    with np.errstate(divide="ignore"):
        grain = stats.beta(a, b).pdf(exact) * np.spacing(np.minimum(exact, 1 - exact))
    assert np.all(np.abs(error) <= 1e-14 + 4 * grain), LEVELS[np.argmax(np.abs(error))]
    assert np.all((d >= 0) & (d <= 0.5 + 1e-15)) and np.all((x >= 0) & (x <= 1))
    assert (x[0], x[-1]) == (0.0, 1.0)


@pytest.mark.parametrize("a, b", SERVED, ids=_ids(SERVED))
def test_table_is_scipy_ppf_to_1e14_in_u(a, b):
    # Against scipy.stats.beta.ppf from the nearer end (ppf of the beta with its
    # shapes swapped at 1 - u): |x - ppf(u)| times the density there, the error
    # in u, is at most 1e-14 plus a few roundings of the logit where it is tall.
    assert betainv._table(a, b) is not None
    d, upper = betainv.unit_quantile(a, b, BODY)
    lower = BODY <= special.betainc(a, b, 0.5)
    near = np.where(lower, stats.beta(a, b).ppf(BODY), stats.beta(b, a).ppf(1 - BODY))
    dens = np.where(lower, stats.beta(a, b).pdf(near), stats.beta(b, a).pdf(near))
    # Both measure from the same end, but at a quantile of 1/2 give or take rounding.
    other = upper == lower
    assert np.all(np.abs(near[other] - 0.5) < 1e-12)
    d = np.where(other, 1 - d, d)
    y = np.abs(special.logit(near))
    allowed = 1e-14 + 16 * EPS * dens * near * (y + abs(np.log(a / b)) + 1)
    assert np.all(np.abs(d - near) * dens <= allowed), BODY[np.argmax(np.abs(d - near) * dens)]


@pytest.mark.parametrize("a, b", SERVED, ids=_ids(SERVED))
def test_tails_are_betaincinv_itself(a, b):
    u = np.concatenate([LEVELS[:5], LEVELS[-5:], np.geomspace(1e-300, 9.99e-4, 50)])
    u = np.concatenate([u, 1 - u[u > 1e-16]])
    assert np.all((u < betainv.TAIL) | (u > 1 - betainv.TAIL))
    got, want = betainv.unit_quantile(a, b, u), betainv.exact_unit_quantile(a, b, u)
    assert_array_equal(got[0], want[0])
    assert_array_equal(got[1], want[1])


def test_table_is_refused_where_it_cannot_match_ppf():
    # Quantiles that underflow (a shape of 0.001); and shapes where scipy's
    # betaincinv misses by up to 2e-9 in u, erratically, so no smooth table
    # matches it between its nodes: betaincinv serves every level there.
    for a, b in [(1e-3, 5.0), (5.0, 1e-3), (1000.0, 1e5), (1e-8, 1e-8), (0.0, 1.0), (np.inf, 1.0)]:
        assert betainv._table(a, b) is None, (a, b)


def test_a_piece_that_turns_down_is_caught():
    # w - 3w^2 + 2w^3 falls between w = 0.21 and 0.79: the Bernstein check says so.
    one = np.ones(1)
    assert not betainv._increasing((0 * one, one, -3 * one, 2 * one, 0 * one, 0 * one))
    assert betainv._increasing((0 * one, one, -one, one, 0 * one, 0 * one))  # 1 - 2w + 3w^2 > 0


@pytest.mark.parametrize("a, b", SERVED, ids=_ids(SERVED))
def test_draws_increase_with_u_across_pieces_and_tails(a, b):
    # Sorted uniforms, the joins of the pieces and of the tails, and levels a
    # hair either side of each: the values never go down. (Where the density is
    # tall, from shapes of 1e6, one ulp of x is more than the table's error in u:
    # across the join of table and tail a value may then go down by that ulp.)
    n = 512 if (a, b) != (0.1, 0.1) else 4096
    joins = special.expit(betainv._T0 + (-2 * betainv._T0 / n) * np.arange(n + 1))
    hair = np.concatenate([joins * (1 - 1e-12), joins, joins * (1 + 1e-12)])
    u = np.sort(np.concatenate([np.random.default_rng(SEED).random(100_000), hair, LEVELS]))
    d, upper = betainv.unit_quantile(a, b, u)
    x = np.where(upper, 1 - d, d)
    ulp = np.spacing(x[1:]) if min(a, b) >= 1e6 else 0.0
    assert np.all(np.diff(x) >= -ulp), u[np.flatnonzero(np.diff(x) < -ulp)[:3]]


def _pert(mode: float, lam: float):
    return parse_prior({"dist": "pert", "min": 0.0, "mode": mode, "max": 1.0, "lambda": lam}, "p")


def _beta(a: float, b: float):
    return parse_prior({"dist": "beta", "alpha": a, "beta": b}, "p")


HAIR_PAIRS = [
    *[(_pert(m, lam), _pert(m * (1 + 1e-9), lam)) for m in (0.05, 0.3, 0.5, 0.9) for lam in (4, 0.5, 50)],
    *[(_beta(a, b), _beta(a * (1 + 1e-9), b)) for a, b in [(2.0, 3.0), (0.5, 0.5), (35.0, 1128.0)]],
    *[(_beta(a, b), _beta(a, b / (1 + 1e-9))) for a, b in [(1.0, 5.0), (0.1, 0.1), (400.0, 600.0)]],
]  # fmt: skip


def test_priors_a_hair_apart_never_draw_in_the_wrong_order():
    # A mode or shape raised by 1e-9 of itself makes the prior stochastically
    # larger: at every level, body and tails, it draws at least as much.
    u = np.concatenate(
        [np.random.default_rng(SEED).random(200_000), np.geomspace(1e-12, 1e-3, 2000)]
    )
    u = np.concatenate([u, 1 - u[-2000:]])
    for low, high in HAIR_PAIRS:
        below = np.flatnonzero(high.draw(u) < low.draw(u))
        assert below.size == 0, (low, u[below[:3]])


@pytest.mark.parametrize(
    "spec",
    [
        dict(dist="pert", min=10, mode=30, max=100),
        dict(dist="beta", alpha=0.5, beta=0.5),
        dict(dist="beta", alpha=400, beta=600, min=-3, max=7),
    ],
)
def test_ppf_is_betaincinv_and_only_draws_build_the_table(spec, monkeypatch):
    # ppf answers validation, the tornado and the base case at a few levels:
    # betaincinv there, with no table built. Draws use the table, within its
    # 1e-14 in u of those values.
    monkeypatch.setattr(betainv, "_cache", {})
    prior = parse_prior(spec, "p")
    x = prior.ppf(LEVELS)
    assert betainv._cache == {}
    span = prior.hi - prior.lo
    exact = prior.lo + span * special.betaincinv(prior.alpha, prior.beta, LEVELS)
    assert_allclose(x, exact, rtol=0, atol=4e-16 * span)
    drawn = prior.draw(LEVELS)
    assert list(betainv._cache) == [(prior.alpha, prior.beta)]
    assert betainv._cache[prior.alpha, prior.beta] is not None
    assert_allclose(drawn, x, rtol=0, atol=1e-13 * span)


@pytest.mark.parametrize("a, b", [(1e-3, 5.0), (5.0, 1e-3), (1e-8, 1e-8), (1e9, 7.0)])
def test_quantiles_of_extreme_shapes_stay_in_0_1_and_agree_with_betaincinv(a, b):
    # Where betaincinv serves every level: each value from the end it is near.
    d, upper = betainv.unit_quantile(a, b, LEVELS)
    x = np.where(upper, 1 - d, d)
    assert np.all((d >= 0) & (d <= 0.5 + 1e-15)) and (x[0], x[-1]) == (0.0, 1.0)
    lower = LEVELS <= 0.5
    assert_allclose(x[lower], special.betaincinv(a, b, LEVELS[lower]), rtol=1e-12, atol=1e-15)
    assert_allclose(
        (1 - x)[~lower], special.betaincinv(b, a, 1 - LEVELS[~lower]), rtol=1e-12, atol=1e-15
    )


def test_quantiles_do_not_depend_on_threads_or_the_cache(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    u = np.random.default_rng(SEED).random(50_000)
    shapes = [(2.2, 3.8), (1.5, 4.5), (2.2, 3.8), (1e-3, 5.0), (1.5, 4.5)]
    want = [betainv.unit_quantile(a, b, u)[0] for a, b in shapes]
    monkeypatch.setattr(betainv, "_cache", {})  # built again, in two threads at once
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda ab: betainv.unit_quantile(*ab, u)[0], shapes))
    for w, g in zip(want, got, strict=True):
        assert_array_equal(w, g)


def test_drawing_a_beta_imports_no_scipy_stats():
    # scipy.stats costs about 0.65 s of CPU to import: a run that draws PERTs
    # and betas must not need it.
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from simulate.config.priors import parse_prior\n"
        "p = parse_prior({'dist': 'pert', 'min': 1, 'mode': 2, 'max': 5}, 'p')\n"
        "p.draw(np.linspace(0, 1, 1001))\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
