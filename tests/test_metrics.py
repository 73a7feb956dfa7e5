"""Summaries of per-trial outputs (docs/model.md section 7): exact rules and statistical checks.

Tests of ``simulate.metrics``. Statistical tolerances are tied to Monte Carlo
standard errors with fixed seeds.
"""

from __future__ import annotations

import hashlib
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from simulate import _pool, run
from simulate.config import model_from_dict
from simulate.kernel.tables import OUTPUT_NAMES
from simulate.metrics import (
    PERCENTILES,
    cvar,
    describe,
    fan_bands,
    payback_curve,
    percentiles,
    quantile_levels,
    summarize,
    summarize_with_curves,
)

# -- percentiles and summaries ---------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_percentiles_equal_numpy_on_finite_data(n):
    x = np.random.default_rng(n).normal(size=n)
    qs = [0, 5, 10, 25, 33.3, 50, 75, 90, 95, 100]
    np.testing.assert_allclose(percentiles(x, qs), np.percentile(x, qs), rtol=1e-13, atol=1e-13)


def test_percentiles_are_safe_for_infinity():
    x = np.array([1.0, 2.0, 3.0, np.inf])
    # positions (n-1) q: 1.5 -> 2.5; 2.25 -> weight on inf; 2.0 exactly -> 3; 3 -> inf
    got = percentiles(x, [50, 75, 200 / 3, 100])
    assert got[0] == 2.5 and got[1] == np.inf and got[2] == pytest.approx(3.0) and got[3] == np.inf
    assert (
        np.isnan(np.percentile(x, 75)) or np.percentile(x, 75) == np.inf
    )  # why we don't use it raw
    assert percentiles(np.array([np.inf, np.inf]), [0, 50])[0] == np.inf


def test_describe_moments_and_missing_statistics():
    d = describe(np.array([1.0, 2.0, 4.0]))
    assert d["mean"] == pytest.approx(7 / 3)
    assert d["sd"] == pytest.approx(np.std([1, 2, 4], ddof=1))
    single = describe(np.array([5.0]))
    assert single["sd"] is None and single["p50"] == 5.0
    pay = describe(np.array([1.0, 3.0, np.inf]), finite_moments=True)
    assert pay["mean"] == 2.0 and pay["p95"] is None and pay["p50"] == 3.0
    empty = describe(np.array([]))
    assert empty["mean"] is None and empty["p50"] is None


def test_cvar_is_the_mean_of_the_worst_ceil_5_percent():
    x = np.arange(1, 101, dtype=float)[::-1]  # 100 values
    assert cvar(x) == pytest.approx(np.mean([1, 2, 3, 4, 5]))
    assert cvar(np.arange(1.0, 22.0)) == pytest.approx(1.5)  # ceil(1.05) = 2 values


def test_payback_curve_and_fan_bands():
    months, prob = payback_curve(np.array([0.0, 2.5, 2.5, np.inf]), 4)
    np.testing.assert_array_equal(months, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(prob, [0.25, 0.25, 0.25, 0.75, 0.75])
    paths = np.arange(12.0).reshape(4, 3)
    bands = fan_bands(paths)
    np.testing.assert_allclose(bands["p50"], np.percentile(paths, 50, axis=0))


TWO_UNIFORMS = {
    "name": "two uniforms",
    "horizon_months": 12,
    "discount_rate": 0.0,
    "targets": {"payback_months": 6, "roi": 0.5},
    "benefits": [
        {"type": "recurring", "amount": {"dist": "uniform", "min": 0, "max": 2000}},
        {"type": "recurring", "amount": {"dist": "uniform", "min": 500, "max": 1500}},
    ],
    "costs": [{"type": "one_time", "amount": 20_000}],
}


def test_summary_against_closed_forms():
    model = model_from_dict(TWO_UNIFORMS)
    result = run(model, trials=40_000, seed=8)
    s = result.summary()
    m = s["metrics"]["npv"]
    # npv = 12 (A + B) - 20000, A ~ U(0, 2000), B ~ U(500, 1500) independent.
    mean = 12 * (1000 + 1000) - 20_000
    sd = 12 * math.sqrt(2000**2 / 12 + 1000**2 / 12)
    assert m["se_mean"] == pytest.approx(sd / math.sqrt(40_000), rel=0.02)
    assert abs(m["mean"] - mean) < 4 * m["se_mean"]
    assert m["sd"] == pytest.approx(sd, rel=0.02)
    # P(npv > 0) = P(A + B > 20000/12): the sum of two uniforms has a trapezoid law.
    exact = 1 - _sum_uniform_cdf(20_000 / 12)
    p = s["probabilities"]
    assert abs(p["npv_positive"] - exact) < 4 * p["npv_positive_se"]
    assert p["npv_positive_se"] == pytest.approx(math.sqrt(exact * (1 - exact) / 39_999), rel=0.05)
    # The definitions, on the arrays.
    assert p["payback_within_target"] == np.mean(result.payback_months <= 6)
    assert p["roi_at_least_target"] == np.mean(result.roi >= 0.5)
    assert s["metrics"]["roi"]["defined_fraction"] == 1.0
    assert m["cvar5"] == pytest.approx(np.sort(result.npv)[:2000].mean())
    assert set(s) == {
        "name", "config", "scenario", "overlay", "config_hash", "trials", "seed", "sampling",
        "horizon_months", "discount_rate", "currency", "targets", "metrics", "probabilities",
        "precision", "stop", "version",
    }  # fmt: skip
    assert list(s)[-3:] == ["precision", "stop", "version"]


def test_the_summary_has_every_output_in_the_kernels_order():
    s = summarize(_synthetic_result(100, 1))
    # The kernel's outputs over all trials, then ROI and IRR, then the paybacks.
    assert list(s["metrics"]) == [
        "npv", "pv_benefits", "pv_costs", "roi", "irr", "payback_months", "discounted_payback_months",
    ]  # fmt: skip
    assert set(s["metrics"]) == set(OUTPUT_NAMES)


def _sum_uniform_cdf(t: float) -> float:
    a = stats.uniform(0, 2000)
    b = stats.uniform(500, 1000)
    grid = np.linspace(500, 1500, 200_001)
    return float(np.trapezoid(a.cdf(t - grid) * b.pdf(grid), grid))


def test_undefined_roi_is_excluded_and_never_reaches_the_target():
    config = dict(TWO_UNIFORMS)
    config["costs"] = [
        {"type": "one_time", "amount": 100, "scale": {"dist": "bernoulli", "p": 0.5}}
    ]
    result = run(model_from_dict(config), trials=2000, seed=1)
    s = result.summary()
    undefined = np.isnan(result.roi)
    assert undefined.any()
    assert s["metrics"]["roi"]["defined_fraction"] == pytest.approx(1 - undefined.mean())
    assert s["probabilities"]["roi_at_least_target"] == np.mean(result.roi[~undefined] >= 0.5) * (
        1 - undefined.mean()
    )


# -- pinned digests and threads: the pool changes the timing, never a bit ------------------
#
# The digests below were taken from the code before sampling and summaries used threads
# (commit d7b54de), on numpy 2.4 / scipy 1.17 / x86-64. They pin the random streams: a
# change to how an input, a chunk or the Iman-Conover permutations draw fails here. A
# different numpy or scipy (or CPU) may move a quantile function in its last bit; then
# check that the new numbers come from that alone before updating a digest.

PINNED_SUMMARIES = {
    (1, 1): "03552cba7f1e0d11ebb55661bd101884e8d00126b2ffb2e6dad517940e5efa82",
    (2, 2): "a6ffc0830928d9cb0b9bc40fade8d66e543eee9eced567cc1443a144293a0c0a",
    (7, 3): "f8abb6df0110fa5be79933672be143401a4a23d5e01607a873f8c98ce69be95c",
    (1000, 4): "f96dca31465221c2099b467a8fdb15307ae2e87256673e7b1738dd62f82d9e90",
    (200_001, 5): "e16d25c8939edc64c86155ea254568c10a52d1cf1f860e8d1d1100abe05ab1d5",
}


def _synthetic_result(n: int, seed: int) -> SimpleNamespace:
    """What summarize reads from a Result, with NaN ROIs and IRRs and infinite paybacks."""
    u = np.random.default_rng(seed).random((7, n))
    roi = u[3] * 4 - 1
    roi[u[4] < 0.05] = np.nan
    irr = u[4] * 0.5 - 0.1
    irr[u[5] < 0.2] = np.nan
    pay = np.floor(u[5] * 48) + 0.5
    pay[u[6] < 0.3] = np.inf
    dpay = pay + np.round(u[6] * 4)
    dpay[u[6] < 0.6] = np.inf
    return SimpleNamespace(
        model=model_from_dict(TWO_UNIFORMS), trials=n, seed=seed, sampling="random",
        npv=(u[0] - 0.3) * 1e6 + u[1] * 1e-3, pv_benefits=u[1] * 2e6, pv_costs=u[2] * 5e5 + 1.0,
        roi=roi, irr=irr, payback_months=pay, discounted_payback_months=dpay,
    )  # fmt: skip


def _summary_digest(result) -> str:
    s = summarize(result)
    for key in ("version", "overlay", "config_hash", "targets"):  # labels, pinned elsewhere
        s.pop(key)
    return hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("n, seed", sorted(PINNED_SUMMARIES))
def test_summaries_match_their_pinned_digests(n, seed):
    assert _summary_digest(_synthetic_result(n, seed)) == PINNED_SUMMARIES[n, seed]


def test_summaries_with_and_without_threads_are_identical(pool_for_small_chunks):
    result = _synthetic_result(5001, 9)
    result.npv[::2] = 0.0  # zeros of both signs at most percentiles
    result.npv[1::4] = -0.0
    pooled = summarize(result)
    with _pool.serial():
        assert json.dumps(summarize(result)) == json.dumps(pooled)
    assert pooled["metrics"]["npv"]["p50"] == 0.0


def _percentiles_by_partition(x, qs):
    """percentiles() as it was before it sorted: one partition at every rank it needs."""
    x = np.asarray(x, dtype=float)
    qs = np.asarray(qs, dtype=float)
    n = x.size
    pos = (n - 1) * qs / 100.0
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    part = np.partition(x, np.unique(np.concatenate([lo, hi])))
    a, b = part[lo], part[hi]
    with np.errstate(invalid="ignore"):
        value = a + frac * (b - a)
    value = np.where(np.isinf(b) & (frac > 0), b, value)
    value = np.where(np.isinf(b) & (frac == 0), a, value)
    return np.where(np.isinf(a), a, value)


def _awkward(n: int, kind: str, seed: int, infinite: float = 0.3) -> np.ndarray:
    """``n`` normal values, rounded to ties, partly +inf, or with zeros of both signs."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    if kind == "ties":
        x = np.round(x * 3)
    elif kind == "infinite":
        x[rng.random(n) < infinite] = np.inf
    elif kind == "signed zeros":
        x = np.where(rng.random(n) < 0.5, np.round(x) * 0.0, x)  # 0.0 and -0.0
    return x


@pytest.mark.parametrize("n", [1, 2, 5, 100, 999, 20_000])
@pytest.mark.parametrize("kind", ["normal", "ties", "infinite", "signed zeros"])
def test_percentiles_are_bitwise_those_of_a_partition(n, kind):
    x = _awkward(n, kind, seed=n)
    for qs in (PERCENTILES, [50], [0, 100], [10, 50, 90], np.linspace(0, 100, 41)):
        got, want = percentiles(x, qs), _percentiles_by_partition(x, qs) + 0.0
        assert got.tobytes() == want.tobytes(), qs
        presorted = percentiles(np.sort(x), qs, presorted=True)
        assert presorted.tobytes() == want.tobytes(), qs


@pytest.mark.parametrize("seed", range(10))
def test_a_zero_percentile_is_reported_as_plus_zero(seed):
    # The sort may put 0.0 or -0.0 at a rank; the summary must not print "-0.0"
    # (here the third percentile is rank 19 exactly, with no weight on the +inf at 20).
    rng = np.random.default_rng(seed)
    n, zeros = 41, 20
    x = np.full(n, np.inf)
    x[:zeros] = np.where(rng.random(zeros) < 0.5, 0.0, -0.0)
    rng.shuffle(x)
    got = percentiles(x, [5, 50, 100 * (zeros - 1) / (n - 1), 95])
    assert got.tolist() == [0.0, np.inf, 0.0, np.inf]
    assert not np.signbit(got).any()


@pytest.mark.parametrize("n", [1, 2, 5, 999, 20_000])
@pytest.mark.parametrize("kind", ["normal", "ties", "infinite", "signed zeros"])
def test_one_percentile_is_bitwise_that_of_percentiles(n, kind):
    # simulate.precision reads single percentiles this way; they must be the summary's.
    from simulate.metrics import interpolate, percentile_ranks

    x = _awkward(n, kind, seed=n + 7, infinite=0.5)
    ordered = np.sort(x)
    for q in (0, 5, 10, 37.5, 50, 90, 95, 100):
        lo, hi, frac = percentile_ranks(n, q)
        got = interpolate(ordered[lo], ordered[hi], frac)
        want = percentiles(x, [q])[0]
        assert np.float64(got).tobytes() == want.tobytes(), q


@pytest.mark.parametrize("n", [1, 3, 4001])
def test_the_summary_and_its_curves_come_from_one_sort_with_the_same_bits(n):
    # Result.quantile_curves: the charts' NPV and ROI curves read from the summary's sorts.
    result = _synthetic_result(n, 5)
    summary, curves = summarize_with_curves(result)
    assert json.dumps(summary) == json.dumps(summarize(result))
    assert set(curves) == {"npv", "roi"}
    roi = result.roi[~np.isnan(result.roi)]
    for name, x in (("npv", result.npv), ("roi", roi)):
        want = percentiles(x, quantile_levels()) if x.size else None
        got = None if curves[name] is None else np.array(curves[name])
        assert (got is None) == (want is None)
        if want is not None:
            assert got.tobytes() == want.tobytes() and got.size == 2001
    result.roi[:] = np.nan  # no trial with costs: no ROI curve
    assert summarize_with_curves(result, ("roi",))[1] == {"roi": None}
    irr = result.irr[~np.isnan(result.irr)]
    with _pool.serial():
        got = summarize_with_curves(result, ("irr",))[1]["irr"]
    assert got == (percentiles(irr, quantile_levels()).tolist() if irr.size else None)


def test_quantile_levels_are_the_midpoints_of_2001_bins():
    levels = quantile_levels()
    assert levels.size == 2001 and levels[0] == pytest.approx(100 * 0.5 / 2001)
    np.testing.assert_allclose(np.diff(levels), 100 / 2001, rtol=1e-12)
    assert levels[1000] == 50.0


@pytest.mark.parametrize("seed", range(6))
def test_the_payback_curve_counts_what_a_sort_and_search_would(seed):
    # payback_curve tallies ceil(payback); the sorted search it replaced is the reference.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    horizon = int(rng.integers(1, 80))
    x = np.concatenate([
        rng.uniform(-2, horizon + 5, n),  # before month 0, inside, past the horizon
        rng.integers(0, horizon + 2, n).astype(float),  # exactly on whole months
        np.nextafter(rng.integers(1, horizon, n).astype(float), np.inf),  # just after one
        [np.inf, -np.inf, 1e300, 0.0, -0.0],
    ])  # fmt: skip
    if seed % 2:
        x[rng.integers(0, x.size, 5)] = np.nan
    rng.shuffle(x)
    months, prob = payback_curve(x, horizon)
    want = np.searchsorted(np.sort(x), np.arange(horizon + 1.0), side="right") / x.size
    np.testing.assert_array_equal(months, np.arange(horizon + 1.0))
    assert prob.tobytes() == want.tobytes()
