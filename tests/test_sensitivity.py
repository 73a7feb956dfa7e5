"""Sensitivity and decision analysis against hand computations and closed forms.

The configs here are small and linear so that every answer can be worked out
by hand: with ``discount_rate: 0`` and a 12-month horizon, a recurring
benefit of ``amount`` a month is worth ``12 * amount`` and a one-time cost at
month 0 its amount, so NPV is a linear function of the inputs.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from conftest import AVX512, X86_V3, pinned
from hypothesis import given, settings
from hypothesis import strategies as hst
from matplotlib.image import imread
from oracles import sobol_toys as toys
from scipy import stats

from simulate import _pool, load_config
from simulate import sensitivity as sa
from simulate.config import model_from_dict
from simulate.engine import run
from simulate.errors import ConfigError
from simulate.files import dumps
from simulate.plotting import ChartMeta
from simulate.plotting import spider as spider_chart
from simulate.plotting import tornado as tornado_chart
from simulate.sensitivity import options
from simulate.sensitivity import saltelli as sa_saltelli
from simulate.sensitivity.saltelli import saltelli_design

A_MAX, B_MAX = 1000.0, 2000.0  # a ~ U(0, 1000), b ~ U(0, 2000)


def linear_config(cost: float = 10_000.0, discount: float = 0.0, **extra) -> dict:
    """NPV = 12 * (a + b) - cost (discount 0): two independent uniform benefits."""
    cfg = {
        "name": "Two uniform benefits",
        "horizon_months": 12,
        "discount_rate": discount,
        "priors": {
            "a": {"dist": "uniform", "min": 0, "max": A_MAX},
            "b": {"dist": "uniform", "min": 0, "max": B_MAX},
        },
        "benefits": [
            {"type": "recurring", "name": "A", "amount": "a"},
            {"type": "recurring", "name": "B", "amount": "b"},
        ],
        "costs": [{"type": "one_time", "amount": cost}],
    }
    cfg.update(extra)
    return cfg


def shared_inline_config() -> dict:
    """NPV = 24 * s - c: one shared prior on two fields, one inline prior on the cost."""
    return {
        "name": "Shared and inline",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {"s": {"dist": "uniform", "min": 0, "max": 1000}},
        "benefits": [
            {"type": "recurring", "amount": "s"},
            {"type": "recurring", "amount": "s"},
        ],
        "costs": [{"type": "one_time", "amount": {"dist": "uniform", "min": 8000, "max": 12000}}],
    }


def meta_for(model) -> ChartMeta:
    return ChartMeta(
        name=model.name,
        currency=model.currency,
        trials=1000,
        seed=1,
        sampling="random",
        version="test",
        config_hash="00000000",
        horizon_months=model.horizon_months,
        discount_rate=model.discount_rate,
    )


# --------------------------------------------------------------------------
# Tornado and spider
# --------------------------------------------------------------------------
def test_tornado_rows_equal_a_hand_computation():
    model = model_from_dict(linear_config())
    t = sa.tornado(model)
    # base: a = 500, b = 1000 -> 12 * 1500 - 10000
    assert t["base"]["metric"] == pytest.approx(8000.0)
    assert t["base"]["inputs"] == pytest.approx({"a": 500.0, "b": 1000.0})
    b, a = t["rows"]  # b swings more, so it comes first
    assert b["input"] == "b" and a["input"] == "a"
    assert (b["low_value"], b["high_value"]) == pytest.approx((200.0, 1800.0))
    assert b["metric_low"] == pytest.approx(12 * (500 + 200) - 10_000)
    assert b["metric_high"] == pytest.approx(12 * (500 + 1800) - 10_000)
    assert b["swing"] == pytest.approx(12 * 1600)
    assert (a["low_value"], a["high_value"]) == pytest.approx((100.0, 900.0))
    assert a["metric_low"] == pytest.approx(12 * (100 + 1000) - 10_000)
    assert a["metric_high"] == pytest.approx(12 * (900 + 1000) - 10_000)
    assert a["swing"] == pytest.approx(12 * 800)
    for row in t["rows"]:
        assert set(row) == {"input", "label", "unit", "low_q", "high_q", "low_value",
                            "high_value", "metric_low", "metric_high", "swing"}  # fmt: skip
        assert (row["low_q"], row["high_q"]) == (0.1, 0.9)


def test_tornado_moves_every_field_of_a_shared_prior_and_names_inline_priors_by_path():
    model = model_from_dict(shared_inline_config())
    t = sa.tornado(model, low_q=0.05, high_q=0.95)
    rows = {r["input"]: r for r in t["rows"]}
    assert set(rows) == {"s", "costs[0].amount"}
    assert t["base"]["metric"] == pytest.approx(24 * 500 - 10_000)
    s = rows["s"]  # both benefits see s
    assert (s["low_value"], s["high_value"]) == pytest.approx((50.0, 950.0))
    assert s["metric_low"] == pytest.approx(24 * 50 - 10_000)
    assert s["metric_high"] == pytest.approx(24 * 950 - 10_000)
    c = rows["costs[0].amount"]
    assert (c["low_value"], c["high_value"]) == pytest.approx((8200.0, 11_800.0))
    assert c["metric_low"] == pytest.approx(12_000 - 8200)
    assert c["metric_high"] == pytest.approx(12_000 - 11_800)
    assert [r["input"] for r in t["rows"]] == ["s", "costs[0].amount"]


def test_tornado_roi_and_payback_metrics():
    model = model_from_dict(linear_config())
    roi = sa.tornado(model, metric="roi")
    assert roi["base"]["metric"] == pytest.approx(8000 / 10_000)
    row = next(r for r in roi["rows"] if r["input"] == "b")
    assert row["metric_low"] == pytest.approx((12 * 700 - 10_000) / 10_000)
    payback = sa.tornado(model, metric="payback_months")
    row = next(r for r in payback["rows"] if r["input"] == "b")
    # b at P10: 700 a month never repays 10,000 within 12 months
    assert math.isinf(row["metric_low"])
    assert row["metric_high"] == pytest.approx(10_000 / 2300)
    assert payback["rows"][0]["input"] == "b"  # an infinite swing ranks first


def test_spider_passes_through_the_base_case_at_the_median():
    model = model_from_dict(linear_config())
    sp = sa.spider(model)
    assert sp["percentiles"] == [float(p) for p in range(5, 100, 5)]
    assert [line["input"] for line in sp["lines"]] == ["b", "a"]  # widest first
    mid = sp["percentiles"].index(50.0)
    for line in sp["lines"]:
        assert line["metric"][mid] == pytest.approx(8000.0)
    b = sp["lines"][0]
    assert b["values"][0] == pytest.approx(0.05 * B_MAX)
    assert b["metric"][0] == pytest.approx(12 * (500 + 0.05 * B_MAX) - 10_000)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"low_q": 0.0}, "strictly between 0 and 1"),
        ({"high_q": 1.2}, "strictly between 0 and 1"),
        ({"low_q": 0.6, "high_q": 0.4}, "must be below"),
        ({"metric": "irr"}, "not a sensitivity metric"),
    ],
)
def test_bad_tornado_options_are_config_errors(kwargs, match):
    model = model_from_dict(linear_config())
    with pytest.raises(ConfigError, match=match):
        sa.tornado(model, **kwargs)


def test_checks_given_a_flag_name_it_in_their_message():
    model = model_from_dict(linear_config())
    for check, message in [
        (lambda: options.parse_methods("tornado,sobl", option="--methods"),
         "--methods: 'sobl' is not a sensitivity method (did you mean 'sobol'?); use any of: "),
        (lambda: options.check_metric("npvv", option="--metric"),
         "--metric: 'npvv' is not a metric (did you mean 'npv'?); use one of: npv, roi, "),
        (lambda: options.parse_quantile("x", option="--low-q"),
         "--low-q: 'x' is not a number; write e.g. 0.1 for P10"),
        (lambda: options.parse_quantile("1", option="--high-q"),
         "--high-q: 1 is outside (0, 1); a quantile lies strictly between 0 and 1, e.g. 0.05"),
        (lambda: options.check_quantiles(0.9, 0.2, names=("--low-q", "--high-q")),
         "--low-q (0.9) must be below --high-q (0.2), e.g. 0.1 and 0.9"),
        (lambda: options.parse_goal_seek("b", option="--goal-seek"),
         "--goal-seek: 'b' is not INPUT:TARGET"),
        (lambda: options.input_index(model, "bb", option="--goal-seek"),
         "--goal-seek: 'bb' is not an uncertain input (did you mean 'b'?); the uncertain "),
    ]:  # fmt: skip
        with pytest.raises(ConfigError) as info:
            check()
        (problem,) = info.value.problems
        assert problem.message.startswith(message), (problem.message, message)
    # without a flag, the library's own wording
    with pytest.raises(ConfigError, match="'npvv' is not a sensitivity metric"):
        options.check_metric("npvv")
    assert options.parse_quantile("0.05", option="--low-q") == 0.05


def test_samples_are_needed_for_rank_voi_and_goal_seek_only():
    assert not sa.needs_samples(("tornado", "spider", "sobol", "breakeven"))
    assert sa.needs_samples(("tornado", "rank")) and sa.needs_samples(("voi",))
    assert sa.needs_samples(("tornado",), [("b", 0.8)])


# --------------------------------------------------------------------------
# Rank correlation
# --------------------------------------------------------------------------
def test_rank_correlation_signs_and_order():
    cfg = shared_inline_config()
    cfg["priors"]["s"]["max"] = 5000  # s dominates the cost
    model = model_from_dict(cfg)
    result = run(model, trials=20_000, seed=3)
    rows = sa.rank_correlation(model, result.inputs, result.npv)
    assert [r["input"] for r in rows] == ["s", "costs[0].amount"]
    assert rows[0]["spearman"] > 0.9
    assert rows[1]["spearman"] < 0
    assert sum(r["contribution"] for r in rows) == pytest.approx(1.0)
    # the same number scipy gives
    j = model.input_names.index("costs[0].amount")
    expect = stats.spearmanr(result.inputs[j], result.npv).statistic
    assert rows[1]["spearman"] == pytest.approx(expect, abs=1e-12)


def test_rank_intervals_are_fishers_z_and_say_when_the_order_is_open():
    model = model_from_dict(linear_config())
    result = run(model, trials=3000, seed=5)
    rows = sa.rank_correlation(model, result.inputs, result.npv)
    half = 1.959963984540054 * math.sqrt(1.06 / (3000 - 3))
    for r in rows:
        z = math.atanh(r["spearman"])
        assert r["spearman_low"] == pytest.approx(math.tanh(z - half), rel=1e-12)
        assert r["spearman_high"] == pytest.approx(math.tanh(z + half), rel=1e-12)
    # b's range is twice a's: rho 0.89 against 0.45, far apart
    assert [r["input"] for r in rows] == ["b", "a"] and rows[0]["order_resolved"] is True
    assert rows[1]["order_resolved"] is None
    # two inputs alike: their order is not resolved, and analyze says so
    same = model_from_dict(linear_config(priors={
        "a": {"dist": "uniform", "min": 0, "max": 1000},
        "b": {"dist": "uniform", "min": 0, "max": 1000},
    }))  # fmt: skip
    out = sa.analyze(same, run(same, trials=3000, seed=5), methods=["rank"])
    assert out["rank"][0]["order_resolved"] is False
    (note,) = [n for n in out["notes"] if "not resolved" in n]
    assert note.startswith("Rank correlation: the order of ") and "at 3,000 trials" in note


def test_rank_intervals_cover_the_true_rank_correlation():
    # NPV = 12 (a + b) - cost with independent normals: (b, NPV) is bivariate normal with
    # Pearson r = sd_b / sd_(a+b), and Spearman's rho is 6 / pi asin(r / 2) (closed form).
    cfg = linear_config(priors={
        "a": {"dist": "normal", "mean": 5000, "sd": 500, "min": 0},
        "b": {"dist": "normal", "mean": 3000, "sd": 300, "min": 0},
    })  # fmt: skip
    model = model_from_dict(cfg)
    truth = 6 / math.pi * math.asin(300 / math.hypot(500, 300) / 2)
    hits = 0
    for seed in range(200):
        result = run(model, trials=500, seed=seed, n_paths=0, with_irr=False)
        row = next(r for r in sa.rank_correlation(model, result.inputs, result.npv)
                   if r["input"] == "b")  # fmt: skip
        hits += row["spearman_low"] <= truth <= row["spearman_high"]
    assert 0.92 <= hits / 200 <= 0.98, hits


def test_evppi_intervals_hold_the_estimate_and_order_the_rows():
    model = model_from_dict(linear_config(cost=18_000.0))
    result = run(model, trials=20_000, seed=3)
    voi = sa.value_of_information(model, result.inputs, result.npv, seed=4)
    rows = voi["evppi"]
    for r in rows:
        assert 0.0 <= r["value_low"] <= r["value"] <= r["value_high"]
    assert rows[0]["order_resolved"] == (rows[0]["value_low"] > rows[1]["value_high"])
    assert voi["evpi_low"] <= voi["evpi"] <= voi["evpi_high"]
    assert voi["evpi_high"] - voi["evpi"] == pytest.approx(1.96 * voi["evpi_se"], rel=1e-3)
    # The sections are their own stream: the EVPPIs and the noise floor are those of before.
    y = result.npv
    assert voi["noise_floor"] == sa.voi._noise_floor(y, voi["bins"], y.mean() > 0, 4)


def test_value_of_information_is_the_same_on_the_pool_and_on_one_thread():
    # Each input's EVPPI and the noise floor are tasks of the thread pool (from
    # 20,000 trials): which thread computes what must not move a bit.
    model = load_config("configs/omnichannel.yaml")
    result = run(model, trials=30_000, seed=5, n_paths=0, with_irr=False)
    with _pool.threads(1):
        one = sa.value_of_information(model, result.inputs, result.npv, seed=6)
    with _pool.threads(2):
        two = sa.value_of_information(model, result.inputs, result.npv, seed=6)
    assert dumps(two) == dumps(one)


# --------------------------------------------------------------------------
# Sobol
# --------------------------------------------------------------------------
def test_sobol_indices_of_two_independent_uniforms_are_their_variance_shares():
    model = model_from_dict(linear_config(discount=0.1))
    s = sa.sobol(model, n_base=4096, seed=20240601)
    assert s["n_base"] == 4096 and s["evaluations"] == 4096 * 4
    assert not s["warnings"]
    share = {"a": A_MAX**2 / (A_MAX**2 + B_MAX**2), "b": B_MAX**2 / (A_MAX**2 + B_MAX**2)}
    by = {r["input"]: r for r in s["indices"]}
    for name, v in share.items():
        r = by[name]
        assert set(r) == {"input", "label", "S1", "S1_conf", "ST", "ST_conf", "order_resolved"}
        assert abs(r["S1"] - v) <= r["S1_conf"], (name, r, v)
        assert abs(r["ST"] - v) <= r["ST_conf"], (name, r, v)
        # additive model: no interactions, total equals first order
        assert abs(r["ST"] - r["S1"]) <= r["S1_conf"] + r["ST_conf"]
        assert 0 < r["S1_conf"] < 0.05 and 0 < r["ST_conf"] < 0.05
    assert [r["input"] for r in s["indices"]] == ["b", "a"]


def test_sobol_is_reproducible_and_warns_on_small_samples():
    model = model_from_dict(linear_config())
    with pytest.warns(sa.SensitivityWarning, match="base samples"):
        one = sa.analyze(model, methods=["sobol"], n_base=256, seed=5)
    with pytest.warns(sa.SensitivityWarning, match="base samples"):
        two = sa.analyze(model, methods=["sobol"], n_base=256, seed=5)
    assert one == two
    assert any("base samples" in w for w in one["warnings"])


def test_sobol_warns_that_correlations_are_ignored():
    cfg = linear_config(correlations=[["a", "b", 0.5]])
    model = model_from_dict(cfg)
    with pytest.warns(sa.SensitivityWarning, match="independent inputs"):
        out = sa.analyze(model, methods=["sobol"], n_base=1024, seed=1)
    assert any("independent" in n for n in out["sobol"]["notes"])


# sha256 of the design's A then B (omnichannel, seed 20240601), as the design
# was built before sensitivity became a package: it must stay bit-identical.
# Moved once on purpose (issue 10 item 1; was 933ca13f... and 89c6da73...): the
# design maps its points through the draws' quantile functions, and a beta's or
# PERT's now come from the interpolant (config/priors/betainv.py). Only those
# five rows moved, by at most 1.8e-13 relative; the other seven are bitwise as before.
# Moved again (issue 15; was 76816c98... and 4001c935...): the body of that quantile
# function is now a table built with numpy and scipy.special; the same five rows moved,
# by at most 2.6e-13 relative, and with the old interpolant the old digests come back.
# Moved again, on purpose, by the Sobol' intervals' replicates (was 5d829a83... and
# 0e70a277..., bbc7c166... and 4eaf328e...): the design is now 16 independently
# scrambled Sobol' sequences, child j of the design's seed for replicate j (64 rows
# each at 1,024; 62 or 63 at 1,000), in place of one sequence of n_base rows, so every
# point is another. The quantile functions are untouched: the old code gives the old
# digests still. The X86_V3 digests were computed on an AVX-512 machine with numpy's
# AVX-512 loops turned off (NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"),
# which gives the old X86_V3 digests from the old code.
PINNED_DESIGNS = {
    1024: {
        AVX512: "16cbcdb9a1cb5a0b7c1827578014c4c0462ddfd0a705c0e61ab4a991be6511f5",
        X86_V3: "f7caab22283a1e238bc7556813c5baacdd942f6ff1cd3aa71dfbabba2f8ff94a",
    },
    1000: {
        AVX512: "a398de1135e8c20e9f55c4e03a5acc58db4d0cd950854e9519015d06438b69d4",
        X86_V3: "1a2c01e155e70f346220f67bdb24a0f445afe67aab8c93c141f88a67099be31d",
    },
}


@pytest.mark.parametrize("n_base", sorted(PINNED_DESIGNS))
def test_saltelli_design_matches_its_pinned_digest(configs_dir, n_base):
    model = load_config(configs_dir / "omnichannel.yaml")
    design_seed, _ = np.random.SeedSequence(20240601).spawn(2)
    a, b, balanced = saltelli_design(model, n_base, design_seed)
    assert a.shape == b.shape == (len(model.inputs), n_base)
    assert balanced == (n_base == 1024)
    digest = hashlib.sha256(np.ascontiguousarray(a).tobytes() + np.ascontiguousarray(b).tobytes())
    assert digest.hexdigest() == pinned(PINNED_DESIGNS[n_base])


@pytest.mark.parametrize(
    ("n_base", "sizes"),
    [
        (8192, [512] * 16),
        (1024, [64] * 16),
        (1000, [63] * 8 + [62] * 8),
        (999, [63] * 7 + [62] * 9),
        (256, [32] * 8),
        (128, [32] * 4),
        (100, [34, 33, 33]),
        (40, [20, 20]),
        (5, [3, 2]),
        (4, [2, 2]),
        (3, [3]),
        (2, [2]),
    ],
)
def test_replicate_sizes_keep_32_rows_a_replicate_and_at_least_two_replicates(n_base, sizes):
    assert sa_saltelli.replicate_sizes(n_base) == sizes


def test_each_replicate_is_its_own_scrambled_sequence_from_its_own_child_seed():
    # Replicate j of the design is qmc.Sobol seeded from child j of the design's
    # seed: its rows are what that engine gives alone, so replicates are independent.
    from scipy.stats import qmc

    model = model_from_dict(linear_config())
    seed = np.random.SeedSequence(7)
    a, b, balanced = saltelli_design(model, 128, seed, replicates=4)
    assert balanced and a.shape == (2, 128)
    for j in range(4):
        rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(j,)))
        u = qmc.Sobol(d=4, scramble=True, rng=rng).random_base2(5)
        cols = slice(32 * j, 32 * (j + 1))
        np.testing.assert_array_equal(a[:, cols], [A_MAX * u[:, 0], B_MAX * u[:, 1]])
        np.testing.assert_array_equal(b[:, cols], [A_MAX * u[:, 2], B_MAX * u[:, 3]])


def test_sobol_intervals_are_t_intervals_over_the_replicates_estimates():
    # By hand: the Jansen estimators on each replicate's rows; each index is their
    # mean, its half-width scipy's t quantile (R - 1 degrees of freedom) times their
    # sd over sqrt(R).
    model = model_from_dict(linear_config(discount=0.1))
    s = sa.sobol(model, n_base=1024, seed=11, replicates=8, conf_level=0.9)
    assert s["replicates"] == 8 and s["n_bootstrap"] is None
    xa, xb, _ = saltelli_design(model, 1024, np.random.SeedSequence(11).spawn(2)[0], replicates=8)
    f = {"a": run_at(model, xa), "b": run_at(model, xb)}
    f[0], f[1] = run_at(model, np.array([xb[0], xa[1]])), run_at(model, np.array([xa[0], xb[1]]))

    def jansen(rows):
        ya, yb = f["a"][rows], f["b"][rows]
        v = np.concatenate([ya, yb]).var()
        s1 = [1 - np.mean((yb - f[i][rows]) ** 2) / 2 / v for i in (0, 1)]
        st = [np.mean((ya - f[i][rows]) ** 2) / 2 / v for i in (0, 1)]
        return s1, st

    each = np.array([jansen(slice(128 * j, 128 * (j + 1))) for j in range(8)])  # (R, 2, k)
    t = stats.t.ppf(0.95, 7)
    by = {r["input"]: r for r in s["indices"]}
    for i, name in enumerate(("a", "b")):
        for m, key in enumerate(("S1", "ST")):
            est = each[:, m, i]
            assert by[name][key] == pytest.approx(est.mean(), rel=1e-9)
            assert by[name][f"{key}_conf"] == pytest.approx(
                t * est.std(ddof=1) / math.sqrt(8), rel=1e-9
            )
    assert any("8 independently scrambled replicates" in n and "t with 7 degrees" in n
               for n in s["notes"])  # fmt: skip


def run_at(model, x):
    from simulate.engine import evaluate

    return np.asarray(evaluate(model, x, with_irr=False).npv)


def test_sobol_says_when_the_design_is_unbalanced_or_has_one_replicate():
    model = model_from_dict(linear_config())
    s = sa.sobol(model, n_base=1000, seed=1)
    assert any("makes 16 replicates of 62-63 base samples, not a power of two" in n
               for n in s["notes"])  # fmt: skip
    assert any("only 1,000 Sobol' base samples (16 replicates)" in w for w in s["warnings"])
    one = sa.sobol(model, n_base=3, seed=1)
    assert one["replicates"] == 1
    assert all(r["S1_conf"] is None and r["ST_conf"] is None for r in one["indices"])
    assert all(r["order_resolved"] is None for r in one["indices"])
    assert any("one replicate of the design" in n for n in one["notes"])
    with pytest.raises(ConfigError, match="replicates is 1"):
        sa.sobol(model, n_base=1024, replicates=1)


def test_n_bootstrap_is_accepted_but_unused_and_says_so():
    model = model_from_dict(linear_config())
    plain = sa.sobol(model, n_base=512, seed=4)
    with pytest.warns(DeprecationWarning, match="n_bootstrap is no longer used"):
        given = sa.sobol(model, n_base=512, seed=4, n_bootstrap=1000)
    assert given == plain and plain["n_bootstrap"] is None
    with pytest.warns(DeprecationWarning, match="n_bootstrap is no longer used"):
        out = sa.analyze(model, methods=["sobol"], n_base=512, n_bootstrap=50, seed=4, warn=False)
    assert (
        out["sobol"]
        == sa.analyze(model, methods=["sobol"], n_base=512, seed=4, warn=False)["sobol"]
    )


def interval_record(model, truth, seeds, n_base):
    """Over ``seeds``: whether each 95% interval holds the true index, (seeds, 2k);
    the half-widths and estimates, (seeds, 2k) each."""
    hits, confs, ests = [], [], []
    for seed in seeds:
        by = {r["input"]: r for r in sa.sobol(model, n_base=n_base, seed=seed)["indices"]}
        row_hit, row_conf, row_est = [], [], []
        for name, (s1, st) in truth.items():
            for key, true in (("S1", s1), ("ST", st)):
                row_est.append(by[name][key])
                row_conf.append(by[name][f"{key}_conf"])
                row_hit.append(abs(by[name][key] - true) <= by[name][f"{key}_conf"])
        hits.append(row_hit)
        confs.append(row_conf)
        ests.append(row_est)
    return np.array(hits), np.array(confs), np.array(ests)


def assert_honest(hits, confs, ests, seeds, r=sa_saltelli.DEFAULT_REPLICATES):
    # Coverage: over the seeds each interval's hits are Binomial(n, 0.95); the mean
    # over the 2k intervals (correlated: S1 and ST share rows) has no larger
    # variance than one of them, so 3 binomial standard errors bound it.
    n = len(seeds)
    assert abs(hits.mean() - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / n), hits.mean(axis=0)
    # Width: honest half-widths t(R - 1) s / sqrt(R) have mean t c4(R) / 1.96 times
    # 1.96 x the estimates' sd across seeds (1.07 at R = 16; the bootstrap gave
    # 50-500). Both sides are estimated: the sd across seeds to a relative
    # 1 / sqrt(2 (n - 1)), the mean half-width to sqrt(1 / c4^2 - 1) / sqrt(n);
    # 3 of their combined standard errors are allowed.
    c4 = math.sqrt(2 / (r - 1)) * math.exp(math.lgamma(r / 2) - math.lgamma((r - 1) / 2))
    expected = stats.t.ppf(0.975, r - 1) * c4 / 1.96
    slack = 3 * math.sqrt(1 / (2 * (n - 1)) + (1 / c4**2 - 1) / n)
    ratio = confs.mean(axis=0) / (1.96 * ests.std(axis=0, ddof=1))
    assert np.all(np.abs(ratio / expected - 1) <= slack), (ratio, expected, slack)


def test_sobol_intervals_cover_the_closed_form_indices_of_a_linear_model():
    model = model_from_dict(toys.linear_config())
    seeds = range(200)
    hits, confs, ests = interval_record(model, toys.linear_truth(), seeds, 8192)
    assert_honest(hits, confs, ests, seeds)


@pytest.mark.slow
def test_sobol_intervals_cover_the_closed_form_indices_of_an_interaction():
    model = model_from_dict(toys.product_config())
    seeds = range(1000, 1200)
    hits, confs, ests = interval_record(model, toys.product_truth(), seeds, 8192)
    assert_honest(hits, confs, ests, seeds)


@pytest.mark.slow
def test_sobol_on_the_omnichannel_example(configs_dir):
    model = load_config(configs_dir / "omnichannel.yaml")
    with pytest.warns(sa.SensitivityWarning, match="independent inputs"):
        out = sa.analyze(model, methods=["sobol"], n_base=1 << 14, seed=1)
    idx = out["sobol"]["indices"]
    assert out["sobol"]["evaluations"] == (1 << 14) * (len(model.inputs) + 2)
    assert sum(r["S1"] for r in idx) <= 1.0 + 0.1
    for r in idx:
        assert r["ST"] >= r["S1"] - r["S1_conf"] - r["ST_conf"]


# --------------------------------------------------------------------------
# Break-even and goal seek
# --------------------------------------------------------------------------
def test_breakeven_against_hand_solved_values():
    cfg = linear_config(cost=5000.0, discount=0.1)
    cfg["priors"]["overrun"] = {"dist": "lognormal", "median": 1.0, "p90": 1.5}
    cfg["priors"]["tier"] = {
        "dist": "discrete",
        "values": [0, 5000, 20000],
        "probs": [0.3, 0.4, 0.3],
    }
    cfg["costs"][0]["scale"] = "overrun"
    cfg["costs"].append({"type": "one_time", "amount": "tier"})
    model = model_from_dict(cfg)
    rows = {r["input"]: r for r in sa.breakeven(model)}
    annuity = sum(1.1 ** (-m / 12) for m in range(1, 13))
    # base: a = 500, b = 1000, overrun = 1, tier = 5000 (smallest x with F(x) >= 0.5);
    # NPV = annuity * (a + b) - 5000 * overrun - tier
    # b: annuity * (500 + b) = 5000 + 5000
    assert rows["b"]["value"] == pytest.approx(10_000 / annuity - 500, rel=1e-9)
    assert rows["b"]["npv_positive"] == "above"
    # a: would need annuity * (a + 1000) = 10000, a < 0: none within [0, 1000]
    assert rows["a"]["value"] is None
    assert rows["a"]["note"].startswith("none within range")
    # overrun (unbounded above): annuity * 1500 = 5000 * overrun + 5000
    assert rows["overrun"]["value"] == pytest.approx((annuity * 1500 - 5000) / 5000, rel=1e-9)
    assert rows["overrun"]["npv_positive"] == "below"
    # discrete: NPV > 0 at tier 0 and 5000, not at 20000
    assert rows["tier"]["value"] is None
    assert rows["tier"]["positive_at"] == [0.0, 5000.0]


@pytest.mark.parametrize(("cost", "target"), [(10_000.0, 0.8), (10_000.0, 0.5), (20_000.0, 0.9)])
def test_goal_seek_lands_where_the_probability_hits_the_target(cost, target):
    model = model_from_dict(linear_config(cost=cost))
    n = 20_000
    inputs = run(model, trials=n, seed=11).inputs
    g = sa.goal_seek(model, "b", target, inputs=inputs)
    # Exact: P(NPV > 0 | b = v) = P(a > cost / 12 - v) = 1 - (cost / 12 - v) / 1000
    exact = cost / 12 - A_MAX * (1 - target)
    if not 0 <= exact <= B_MAX:
        assert g["value"] is None and g["note"].startswith("not reachable")
        return
    assert g["probability"] >= target
    se = math.sqrt(target * (1 - target) / n)
    assert g["value"] == pytest.approx(exact, abs=4 * se * A_MAX + 1e-3 * B_MAX)
    # with the same draws, the target is just met at the value, and missed a little below
    j = model.input_names.index("b")
    x = inputs.copy()
    a = x[model.input_names.index("a")]
    for v, meets in ((g["value"], True), (g["value"] - 2e-3 * B_MAX, False)):
        x[j] = v
        p = float(np.mean(12 * (a + v) - cost > 0))
        assert (p >= target) == meets


def test_goal_seek_not_reachable_and_bad_names():
    model = model_from_dict(linear_config(cost=20_000.0))
    inputs = run(model, trials=5000, seed=2).inputs
    g = sa.goal_seek(model, "a", 0.9, inputs=inputs)  # at best P(b > 666.7) = 2/3
    assert g["value"] is None
    assert g["note"].startswith("not reachable within range")
    with pytest.raises(ConfigError, match="did you mean 'a'"):
        sa.goal_seek(model, "aa", 0.5, inputs=inputs)
    assert sa.parse_goal_seek("churn_cut:80%") == ("churn_cut", 0.8)
    with pytest.raises(ConfigError, match="INPUT:TARGET"):
        sa.parse_goal_seek("churn_cut")


# --------------------------------------------------------------------------
# Value of information
# --------------------------------------------------------------------------
def normal_npv_config(mu: float, s: float) -> dict:
    """NPV = 12 * x - cost with x normal: NPV ~ N(mu, s) (truncation at 0 is ~1e-23)."""
    mean_x, sd_x = 1000.0, s / 12
    return {
        "name": "Normal NPV",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {"x": {"dist": "normal", "mean": mean_x, "sd": sd_x, "min": 0}},
        "benefits": [{"type": "recurring", "amount": "x"}],
        "costs": [{"type": "one_time", "amount": 12 * mean_x - mu}],
    }


@pytest.mark.parametrize(("mu", "s"), [(300.0, 1200.0), (-500.0, 1000.0)])
def test_evpi_matches_the_closed_form_for_a_normal_npv(mu, s):
    model = model_from_dict(normal_npv_config(mu, s))
    result = run(model, trials=200_000, seed=7)
    voi = sa.value_of_information(model, result.inputs, result.npv, seed=1)
    z = mu / s
    exact = mu * stats.norm.cdf(z) + s * stats.norm.pdf(z) - max(mu, 0.0)
    y = result.npv
    regret = np.maximum(-y, 0) if y.mean() > 0 else np.maximum(y, 0)
    se = regret.std(ddof=1) / math.sqrt(y.size)
    assert voi["evpi"] == pytest.approx(exact, abs=4 * se)
    assert voi["evpi_se"] == pytest.approx(se)
    # one input: knowing it is knowing everything (bins lose a little)
    (row,) = voi["evppi"]
    assert 0.95 * voi["evpi"] <= row["value"] <= voi["evpi"]


def test_evppi_of_a_discrete_input_and_of_an_irrelevant_one():
    cfg = {
        "name": "Flag",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {
            "a": {"dist": "uniform", "min": 0, "max": 1000},
            "works": {"dist": "bernoulli", "p": 0.9},
            "late": {"dist": "uniform", "min": 100, "max": 200},  # beyond the horizon
        },
        "benefits": [
            {"type": "recurring", "amount": "a", "scale": "works"},
            {"type": "recurring", "amount": 1000, "lag": "late"},
        ],
        "costs": [{"type": "one_time", "amount": 5000}],
    }
    model = model_from_dict(cfg)
    result = run(model, trials=100_000, seed=4)
    voi = sa.value_of_information(model, result.inputs, result.npv, seed=2)
    rows = {r["input"]: r["value"] for r in voi["evppi"]}
    # E[NPV | works = 1] = 6000 - 5000, E[NPV | works = 0] = -5000, E[NPV] = 0.9 * 6000 - 5000
    # EVPPI = 0.9 * 1000 - 400 = 500
    sd = result.npv.std()
    assert rows["works"] == pytest.approx(500.0, abs=4 * sd / math.sqrt(result.trials))
    assert voi["decision_now"] == "invest"
    assert rows["late"] <= 3 * voi["noise_floor"] + 1e-9
    assert all(0.0 <= v <= voi["evpi"] for v in rows.values())


@settings(max_examples=40, deadline=None)
@given(
    shift=hst.floats(-3, 3),
    n=hst.integers(40, 400),
    seed=hst.integers(0, 2**32 - 1),
)
def test_evppi_lies_between_zero_and_evpi(shift, n, seed):
    model = model_from_dict(linear_config())
    rng = np.random.default_rng(seed)
    x = rng.random((2, n))
    npv = x[0] + 0.5 * x[1] - 0.75 + 0.3 * shift + 0.1 * rng.standard_normal(n)
    voi = sa.value_of_information(model, x, npv, seed=seed)
    assert voi["evpi"] >= 0
    for r in voi["evppi"]:
        assert 0.0 <= r["value"] <= voi["evpi"] * (1 + 1e-12) + 1e-12


# --------------------------------------------------------------------------
# analyze: everything at once
# --------------------------------------------------------------------------
def test_analyze_sections_follow_the_interface():
    model = model_from_dict(linear_config())
    result = run(model, trials=5000, seed=9)
    out = sa.analyze(model, result, n_base=1024, goal_seek_targets=[("b", 0.8)])
    assert out["metric"] == "npv" and out["seed"] == 9
    assert set(out["base"]) >= {"metric", "inputs"}
    assert {"tornado", "spider", "rank", "sobol", "breakeven", "voi", "goal_seek"} <= set(out)
    assert set(out["sobol"]) >= {"n_base", "indices"}
    assert set(out["voi"]) >= {"evpi", "evppi"}
    for r in out["rank"]:
        assert set(r) == {"input", "label", "spearman", "contribution", "spearman_low",
                          "spearman_high", "order_resolved"}  # fmt: skip
    for r in out["breakeven"]:
        assert {"input", "value", "note"} <= set(r)
    for r in out["voi"]["evppi"]:
        assert {"input", "value"} <= set(r)
    only = sa.analyze(model, methods=["tornado"])
    assert set(only) == {"metric", "base", "tornado", "seed", "notes", "warnings"}
    with pytest.raises(ConfigError, match="did you mean 'sobol'"):
        sa.analyze(model, methods=["sobl"])
    json.dumps(out)  # plain lists, dicts and numbers


_PINNED_OUTPUT = {
    AVX512: "758bb57136f52766e74b25bd6644cebf52dd6535ee4c65ceb1921379c3c347fb",
    X86_V3: "7b48c3ff19b81d94baf5a90d6da1656d13e14ae783ea7546555ebda9511eb7ae",
}
_PINNED_BEFORE_PRECISION = {
    AVX512: "3a44bf216d1ce1598a8ab2fb1998a531f6653edb26a547105be650000d577d50",
    X86_V3: "4dec90f4c29da0d75b2dc658902ac242d4470eb937e8859a66f03c009e175a17",
}
_PINNED_BEFORE_LABELS = {
    AVX512: "4f4b089e0e0baec5f2886edab1d5d76ec22d8d906a67167e815797c2cc96b17d",
    X86_V3: "163608e51d10e5b366d0b9ec42a4e830e3bffd01663cc3fe9395bd4fdfc4b28e",
}
# The output without its Sobol' section and the notes and warnings about it
# (_without_sobol): the same before and after the replicates (the code before
# them gives these digests too), so they moved nothing else.
_PINNED_WITHOUT_SOBOL = {
    AVX512: "2bd7a38b785e7085d3b58805725ce9a7100da3779771d1af794e8f622b24ef55",
    X86_V3: "e863818a67ecfbfa9510498c994ca844298deae048cc3ea19d244f2053c72892",
}


def _without_sobol(out: dict) -> str:
    """The digest of ``out`` without ``sobol`` and the sentences about it."""
    bare = {key: value for key, value in out.items() if key != "sobol"}
    bare["notes"] = [n for n in out["notes"] if not n.startswith("Sobol' ST:")]
    bare["warnings"] = [w for w in out["warnings"] if "Sobol'" not in w]
    return hashlib.sha256(dumps(bare).encode()).hexdigest()


def _without_labels(out: dict) -> str:
    """The digest of ``out`` without what issue 14 added, as it was pinned before."""

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("label", "unit", "steps")}
        return [strip(v) for v in x] if isinstance(x, list) else x

    bare = strip(out)
    for g in bare.get("goal_seek", []):
        g["note"] = g["note"].replace("Churn reduction (relative)", "churn_cut")
    return hashlib.sha256(dumps(bare).encode()).hexdigest()


_PRECISION_KEYS = ("spearman_low", "spearman_high", "order_resolved", "value_low", "value_high",
                   "evpi_low", "evpi_high")  # fmt: skip


def _without_precision(out: dict) -> dict:
    """``out`` without what issue 13 added: the rankings' intervals and order notes."""

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in _PRECISION_KEYS}
        return [strip(v) for v in x] if isinstance(x, list) else x

    bare = strip(out)
    bare["notes"] = [n for n in bare["notes"] if ": the order of " not in n]
    return bare


def test_analyze_output_matches_its_pinned_digest(configs_dir):
    # every method, with goal seek, on a run's samples: sensitivity.json as
    # written before sensitivity became a package, byte for byte
    model = load_config(configs_dir / "omnichannel.yaml")
    # one batch of 3,000, as runs this short were drawn before sampling.batch_size_for
    result = run(model, trials=3000, seed=2, batch_size=8192)
    out = sa.analyze(model, result, n_base=256, goal_seek_targets=[("churn_cut", 0.7)],
                     warn=False)  # fmt: skip
    assert len(out["warnings"]) == 2  # correlations ignored; few base samples
    assert _without_sobol(out) == pinned(_PINNED_WITHOUT_SOBOL)
    # Issue 14 added what names and measures each input (label, unit) and where a
    # discrete spider line steps (steps), and words the goal seek with the label;
    # without them, every number is as it was.
    bare = _without_precision(out)
    # Issue 13 added the rankings' intervals and order notes; without them (and
    # without issue 14's labels), every number is as it was.
    assert hashlib.sha256(dumps(bare).encode()).hexdigest() == pinned(_PINNED_BEFORE_PRECISION)
    assert _without_labels(bare) == pinned(_PINNED_BEFORE_LABELS)
    digest = hashlib.sha256(dumps(out).encode()).hexdigest()
    # e0d8bf1 moved it (was f5db9028...): the spider's P20 of offers_work (bernoulli
    # p = 0.8, F(0) = 0.2 exactly) is now 0, as the exact quantile says, not 1.
    # Issue 10 item 1 moved it (was 4aa17213...): beta and PERT are drawn by inverse
    # CDF, so the rank correlations, goal seek and value of information see other
    # draws, and the Sobol' indices a design whose beta/PERT rows moved by 1e-13;
    # a few tornado and spider values moved by an ulp (a quantile near max is now
    # measured from max). The same config with its betas and PERTs made uniform and
    # triangular gives byte-identical output before and after.
    # Issue 13 moved it (was ec2cd2ae...) by adding only: spearman_low/high and
    # order_resolved to each rank row, order_resolved to each Sobol' row,
    # value_low/high and order_resolved to each EVPPI row, evpi_low/high, and a note per
    # ranking whose order is not resolved (by label); with those removed the output
    # hashes to ec2cd2ae... again (the draws of 3,000 trials, one batch, are those of before).
    # Issue 15 moved all three digests (was 18514b5c..., ec2cd2ae..., d8457e8f...): the
    # body of a beta's or PERT's quantile function is a numpy table now, within 2.6e-13
    # relative of the interpolant it replaced. Merged with issue 13, the output without
    # the rankings' intervals hashes to issue 15's own pin (4a819103...), and without
    # the labels too to its pin before labels (3bd73d94...): the two changes compose.
    # The Sobol' replicates moved all three on purpose (were 4a7ddb8a..., 4a819103...,
    # 3bd73d94...; d8d4f59b..., 2e670443..., 0a96e567... for X86_V3), in the sobol
    # section only: its design is 8 independently scrambled sequences of 32 rows (at
    # n_base 256) in place of one of 256, its indices the mean of the replicates'
    # estimates, S1_conf/ST_conf t intervals from their spread in place of a
    # bootstrap, n_bootstrap null and a new "replicates" key, a note on how the
    # intervals are made, the few-samples warning reworded, and the Sobol' ST order
    # note naming which inputs the new intervals cannot tell apart. Everything else
    # is byte-identical (_PINNED_WITHOUT_SOBOL, which the code before gives too; so
    # are the tornado, spider, rank, break-even, goal seek, EVPPI and frontier of
    # every config in configs/, checked when the change was made).
    assert digest == pinned(_PINNED_OUTPUT)


# --------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------
def test_spider_and_tornado_charts(tmp_path):
    from simulate.plotting import save

    model = model_from_dict(shared_inline_config())
    meta = meta_for(model)
    sp = sa.spider(model)
    fig = spider_chart(sp, 2000.0, meta)
    lines = [ln for ln in fig.axes[0].get_lines() if str(ln.get_gid()).startswith("line-")]
    assert len(lines) == len(model.inputs)
    t = sa.tornado(model)
    fig2 = tornado_chart(t["rows"], t["base"]["metric"], meta)
    names = [tick.get_text() for tick in fig2.axes[0].get_yticklabels()]
    assert [n.replace("\n", " ") for n in names] == [r["label"] for r in t["rows"]]
    for f, name in ((fig, "spider"), (fig2, "tornado")):
        (path,) = save(f, tmp_path / name, ["png"])
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert imread(path).shape[2] in (3, 4)


@pytest.mark.parametrize(
    "priors, amount",
    [({}, 20000), ({"saving": {"dist": "fixed", "value": 20000}}, "saving")],
    ids=["plain numbers", "fixed priors"],
)
def test_a_config_with_no_uncertain_input_gives_empty_sections_and_says_so(priors, amount):
    from simulate.sensitivity import wording
    from simulate.text import sensitivity_text

    model = model_from_dict({
        "name": "No uncertain input", "priors": priors,
        "benefits": [{"type": "recurring", "name": "Saving", "amount": amount}],
        "costs": [{"type": "one_time", "name": "Build", "amount": 300000}],
    })  # fmt: skip
    assert model.inputs == ()
    every = ("tornado", "spider", "rank", "sobol", "breakeven", "voi", "frontier")
    out = sa.analyze(model, methods=every, trials=1000, seed=3, warn=False)
    assert out["tornado"] == out["rank"] == out["breakeven"] == []
    assert out["spider"]["lines"] == out["sobol"]["indices"] == out["voi"]["evppi"] == []
    assert out["voi"]["evpi"] == 0.0 and "frontier" not in out
    assert out["notes"][0] == wording.NO_INPUTS
    json.loads(dumps(out))  # well-formed
    text = sensitivity_text(out, name=model.name, currency="USD", horizon_months=36)
    assert "No uncertain input to rank" in text and "EVPI" not in text
