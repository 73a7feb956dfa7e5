"""Summaries (MODEL.md 7) and sampling (MODEL.md 2): exact rules and statistical checks.

Statistical tolerances are tied to Monte Carlo standard errors with fixed seeds.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from simulate import load_config, run
from simulate.config import model_from_dict
from simulate.metrics import cvar, describe, fan_bands, payback_curve, percentiles
from simulate.sampling import correlation_matrices, iman_conover, iter_chunks

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
        "name", "config", "scenario", "trials", "seed", "sampling", "horizon_months",
        "discount_rate", "currency", "metrics", "probabilities", "version",
    }  # fmt: skip


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


# -- sampling ------------------------------------------------------------------------------

MIXED = {
    "name": "mixed priors",
    "horizon_months": 12,
    "priors": {
        "a": {"dist": "pert", "min": 1, "mode": 2, "max": 6},
        "b": {"dist": "lognormal", "median": 100, "p90": 180},
        "c": {"dist": "normal", "mean": 50, "sd": 10, "min": 0},
        "d": {"dist": "discrete", "values": [1, 2, 3], "probs": [0.2, 0.5, 0.3]},
        "e": {"dist": "metalog", "p10": 2, "p50": 5, "p90": 11, "min": 0},
    },
    "benefits": [
        {"type": "recurring", "amount": "a"},
        {"type": "recurring", "amount": "b"},
        {"type": "recurring", "amount": "c", "lag": "d"},
        {"type": "recurring", "amount": "e"},
    ],
    "costs": [{"type": "one_time", "amount": 100}],
}


def draws(model, n, seed, sampling="random", chunk=1 << 18):
    return np.concatenate([x for _, x in iter_chunks(model, n, seed, sampling, chunk)], axis=1)


@pytest.mark.parametrize("sampling", ["random", "lhs", "sobol"])
def test_marginals_follow_the_priors(sampling):
    model = model_from_dict(MIXED)
    x = draws(model, 8192, 4, sampling)
    for j, inp in enumerate(model.inputs):
        if inp.prior.is_discrete:
            values, counts = np.unique(x[j], return_counts=True)
            np.testing.assert_array_equal(values, [1, 2, 3])
            expected = np.array([0.2, 0.5, 0.3]) * x.shape[1]
            assert stats.chisquare(counts, expected).pvalue > 1e-3
        else:
            assert stats.kstest(x[j], inp.prior.cdf).pvalue > 1e-3, inp.name


@pytest.mark.parametrize("sampling", ["lhs", "sobol"])
def test_quasi_random_designs_are_stratified(sampling):
    model = model_from_dict(MIXED)
    n = 1024
    x = draws(model, n, 9, sampling)
    for j, inp in enumerate(model.inputs):
        if inp.prior.is_discrete:
            continue
        strata = np.floor(inp.prior.cdf(x[j]) * n + 1e-9).astype(int)
        # one draw in each of the n equal-probability strata (up to rounding at edges)
        assert len(np.unique(np.clip(strata, 0, n - 1))) >= n - 2, inp.name


def test_draws_depend_on_seed_and_chunk_only():
    model = model_from_dict(MIXED)
    np.testing.assert_array_equal(
        draws(model, 3000, 1, chunk=1000), draws(model, 3000, 1, chunk=1000)
    )
    assert not np.array_equal(draws(model, 3000, 1), draws(model, 3000, 2))
    # The first chunk does not depend on how many trials follow.
    np.testing.assert_array_equal(
        draws(model, 3000, 1, chunk=1000)[:, :1000], draws(model, 1000, 1, chunk=1000)
    )


def test_common_random_numbers_across_a_changed_prior():
    model = model_from_dict(MIXED)
    changed = dict(
        MIXED, priors=dict(MIXED["priors"], b={"dist": "lognormal", "median": 120, "p90": 200})
    )
    other = model_from_dict(changed)
    x, y = draws(model, 2000, 5), draws(other, 2000, 5)
    for j, name in enumerate(model.input_names):
        if name != "b":
            np.testing.assert_array_equal(x[j], y[j])
    # Inverse-transform sampling: the changed input moves monotonically with the same uniforms.
    assert stats.spearmanr(x[1], y[1]).statistic == pytest.approx(1.0)


def test_iman_conover_keeps_marginals_and_hits_the_rank_correlation():
    rng = np.random.default_rng(0)
    n = 100_000
    x = np.stack([rng.lognormal(size=n), rng.uniform(size=n), rng.gamma(2.0, size=n)])
    rows = [(0, 1, 0.6), (0, 2, -0.3), (1, 2, 0.2)]
    spearman, target = correlation_matrices(rows)
    out = iman_conover(x, target, rng)
    for j in range(3):
        np.testing.assert_array_equal(np.sort(out[j]), np.sort(x[j]))
    achieved = stats.spearmanr(out.T).statistic
    # The sampling sd of a Spearman coefficient is about (1 - rho^2) / sqrt(n) ~ 0.003 here;
    # the uncorrected method lands ~0.02 low, which this would catch.
    np.testing.assert_allclose(achieved, spearman, atol=0.006)


def test_correlations_in_a_run():
    config = dict(MIXED, correlations=[["a", "b", 0.7], ["c", "e", -0.4]])
    model = model_from_dict(config)
    x = draws(model, 50_000, 3)
    assert stats.spearmanr(x[0], x[1]).statistic == pytest.approx(0.7, abs=0.01)
    assert stats.spearmanr(x[2], x[4]).statistic == pytest.approx(-0.4, abs=0.01)
    assert abs(stats.spearmanr(x[0], x[2]).statistic) < 0.02
    # Marginals are still the priors'.
    assert stats.kstest(x[1], model.inputs[1].prior.cdf).pvalue > 1e-3


def test_example_configs_run(configs_dir):
    for path in sorted(configs_dir.glob("*.yaml")):
        model = load_config(path)
        result = run(model, trials=500, seed=1, keep_inputs=False)
        s = result.summary()
        assert s["trials"] == 500 and s["metrics"]["npv"]["mean"] is not None, path
        assert result.inputs is None


def test_sampling_override_is_recorded():
    model = replace(model_from_dict(MIXED), sampling="lhs")
    assert run(model, trials=64, seed=1).summary()["sampling"] == "lhs"
    assert run(model, trials=64, seed=1, sampling="sobol").summary()["sampling"] == "sobol"
