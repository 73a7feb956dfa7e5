"""Charts that stay right for any shape of outcome (issue 14, items 1, 5 and 7).

The awkward configs in ``tests/chart_configs/`` are run through the engine
and drawn as a run draws them: a long right tail (a metalog lift with P90 of
3 points and max 1), a 25% failure flag (EUR), a programme that never pays
back (JPY) and a 600-month horizon (GBP). What is checked is what a reader
takes from the chart: the marked values are summary.json's, the end bar's
count is the number of trials beyond it, the mean is marked when it differs
from the median, two outcomes show as two groups, and no text collides.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from test_plotting import _all_text, _by_gid, _collisions, _outside, _run, _texts

import simulate
from simulate import format as fmt
from simulate import metrics
from simulate.plotting import (
    _bins,
    cashflow_fan,
    npv_distribution,
    payback_curve,
    roi_distribution,
    save,
    scenario_cdfs,
)
from simulate.plotting.cashflow import FanGroup
from simulate.plotting.figures import chart_meta

CHART_CONFIGS = Path(__file__).parent / "chart_configs"
TRIALS = 10_000


def _draw(name: str) -> dict:
    """Run a chart config and draw its distribution charts, payback curve and fan."""
    model = simulate.load_config(CHART_CONFIGS / f"{name}.yaml")
    result = simulate.run(model, trials=TRIALS, keep_inputs=False)
    summary, meta = result.summary(), chart_meta(model, result)
    split = metrics.outcome_split(result.npv, result.flags)
    groups = split.groups() if split else None
    fan_groups = [FanGroup(*g) for g in metrics.split_fan(result.paths, split)] if split else None
    months = np.arange(model.horizon_months + 1, dtype=float)
    return {
        "result": result,
        "summary": summary,
        "split": split,
        "npv": npv_distribution(result.npv, summary, meta, groups=groups),
        "roi": roi_distribution(result.roi, summary, meta, groups=groups),
        "payback": payback_curve(
            *metrics.payback_cdf(result.payback_months, model.horizon_months), summary, meta
        ),
        "cashflow": cashflow_fan(
            months,
            metrics.fan_bands(result.paths),
            meta,
            groups=fan_groups,
            sample=result.paths.shape[0],
        ),
    }


@pytest.fixture(scope="module")
def charts() -> dict:
    names = ("huge_tail", "failure_flag", "never_pays_back", "long_horizon")
    return {name: _draw(name) for name in names}


def _money(text: str) -> float:
    """A money label back to a number: ``−€2.54M`` -> -2.54e6."""
    sign = -1.0 if text.strip().startswith(("−", "-")) else 1.0
    m = re.search(r"([\d,]+(?:\.\d+)?)\s*([kMBT]?)", text)
    scale = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[m.group(2)]
    return sign * float(m.group(1).replace(",", "")) * scale


def _lines_x(ax, gid: str) -> float:
    return float(np.asarray(_by_gid(ax, gid).get_xdata(), dtype=float)[0])


# --- the awkward configs ---------------------------------------------------------


@pytest.mark.parametrize("name", ["huge_tail", "failure_flag", "never_pays_back", "long_horizon"])
def test_awkward_configs_mark_the_summary_values_and_no_text_collides(charts, name):
    c = charts[name]
    for kind in ("npv", "roi"):
        ax = c[kind].axes[0]
        stats = c["summary"]["metrics"][kind]
        for key in ("p10", "p50", "p90"):
            assert _lines_x(ax, f"marker-{key}") == stats[key], (kind, key)
    problems = {}
    for kind in ("npv", "roi", "payback", "cashflow"):
        fig = c[kind]
        texts = _texts(fig)
        clashes, outside = _collisions(fig, texts), _outside(fig, texts)
        if clashes or outside:
            problems[kind] = {"overlap": clashes, "outside": outside}
    assert not problems


def test_a_long_tail_goes_into_an_end_bar_that_counts_its_trials(charts):
    c = charts["huge_tail"]
    npv = c["result"].npv
    ax = c["npv"].axes[0]
    label = _by_gid(ax, "end-above-label").get_text()
    # "463 trials (4.6%)\nabove $13.6M,\nup to $176M"
    count = int(re.match(r"([\d,]+) trials", label).group(1).replace(",", ""))
    threshold = _money(label.split("above ")[1])
    assert count == np.count_nonzero(npv > threshold)
    assert count == sum(b.get_height() for b in ax.patches if b.get_gid().startswith("end-above"))
    assert f"up to {fmt.format_money(npv.max(), 'USD', minus=fmt.MINUS)}" in label
    p10, p90 = c["summary"]["metrics"]["npv"]["p10"], c["summary"]["metrics"]["npv"]["p90"]
    # the range stops at the first bin edge past P90 + 1.5 (P90 - P10), as the note says
    assert p90 + 1.5 * (p90 - p10) <= threshold < p90 + 1.6 * (p90 - p10)
    assert "stops at P90 + 1.5 × (P90 − P10)" in _all_text(c["npv"])
    # the P10-P90 range takes a fair share of the axis, not a sliver at its left
    lo, hi = ax.get_xlim()
    assert (p90 - p10) / (hi - lo) > 0.3


def test_a_quantile_grid_gives_shares_and_the_reach_only_when_told(charts):
    # the review pack draws from 2,001 quantiles, not the trials: no trial counts,
    # and the grid's extremes are not the trials' (it says how far only when told)
    c = charts["huge_tail"]
    npv, summary = c["result"].npv, c["summary"]
    meta = chart_meta(c["result"].model, c["result"])
    grid = metrics.percentiles(npv, (np.arange(2001) + 0.5) / 2001 * 100)
    label = _by_gid(npv_distribution(grid, summary, meta).axes[0], "end-above-label").get_text()
    assert re.fullmatch(r"[\d.]+% of trials\nabove \$[\d.]+M", label), label
    fig = npv_distribution(grid, summary, meta, reach=(npv.min(), npv.max()))
    label = _by_gid(fig.axes[0], "end-above-label").get_text()
    assert label.endswith(f"up to {fmt.format_money(npv.max(), 'USD', minus=fmt.MINUS)}")


def test_the_mean_is_marked_where_it_differs_from_the_median(charts, normal_run):
    c = charts["huge_tail"]
    stats = c["summary"]["metrics"]["npv"]
    assert abs(stats["mean"] - stats["p50"]) > 0.1 * (stats["p90"] - stats["p10"])
    ax = c["npv"].axes[0]
    assert _lines_x(ax, "marker-mean") == stats["mean"]
    expect = fmt.format_money(stats["mean"], "USD", minus=fmt.MINUS)
    assert _by_gid(ax, "marker-mean-label").get_text() == f"Mean\n{expect}"
    # a symmetric outcome: the mean sits on the median and is not marked
    npv, summary, meta = normal_run
    fig = npv_distribution(npv, summary, meta)
    assert not [a for a in fig.axes[0].get_children() if a.get_gid() == "marker-mean"]


def test_the_tail_note_appears_only_when_a_tail_is_cut():
    # a normal tail is not a long one (the 0.5th / 99.5th percentile rule cut this
    # sample's and said "the long right tail beyond it is not shown")
    rng = np.random.default_rng(1)
    npv = rng.normal(1.2e6, 0.9e6, 20_000)
    summary, meta = _run(npv, npv / 1.5e6, np.full(npv.size, 10.0))
    fig = npv_distribution(npv, summary, meta)
    text = _all_text(fig)
    assert "tail" not in text and "end bar" not in text
    assert not [a for a in fig.axes[0].get_children() if str(a.get_gid()).startswith("end-")]


def test_a_success_flag_splits_the_charts_into_two_groups(charts):
    c = charts["failure_flag"]
    split, result = c["split"], c["result"]
    assert split is not None and split.flag == "works"
    on = int(np.count_nonzero(split.on))
    for kind in ("npv", "roi"):
        ax = c[kind].axes[0]
        assert f"works = 1\n{on:,} trials" in _by_gid(ax, "group-0").get_text()
        assert f"works = 0\n{TRIALS - on:,} trials" in _by_gid(ax, "group-1").get_text()
    # the ROI of a failed trial is -100% exactly: one bar, cut short, that says so
    assert _by_gid(c["roi"].axes[0], "cut-bar-0") and _by_gid(c["roi"].axes[0], "cut-bar-1")
    # the fan: each group's median from its own kept paths
    ax = c["cashflow"].axes[0]
    kept = result.paths.shape[0]
    for g, mask in enumerate((split.on, ~split.on)):
        mine = result.paths[mask[:kept]]
        np.testing.assert_array_equal(
            _by_gid(ax, f"median-{g}").get_ydata(), np.percentile(mine, 50, axis=0)
        )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    share = fmt.format_probability(on / TRIALS)
    assert legend[0] == f"works = 1: {share} of trials"


def test_a_tall_bar_is_cut_short_only_when_the_others_have_a_shape_to_lose():
    # two outcomes, one bar each: both read at their true heights, nothing is cut
    npv = np.repeat([-6e5, 4.88e5], [2000, 18000])
    summary, meta = _run(npv, npv / 6e5, np.full(npv.size, 10.0))
    on = npv > 0
    fig = npv_distribution(npv, summary, meta, groups=[("works = 1", on), ("works = 0", ~on)])
    ax = fig.axes[0]
    assert not [a for a in ax.get_children() if (a.get_gid() or "").startswith("cut-bar")]
    heights = {}
    for g in (0, 1):
        values, _, baseline = _by_gid(ax, f"bars-{g}").get_data()
        heights[g] = float((values - baseline).max())  # the groups are stacked
    assert heights == {0: 18000, 1: 2000}
    # the P10 (379k, interpolated into the gap) would put the failures in an end bar;
    # each group's own P10-P90 stays in view instead
    assert not [a for a in ax.get_children() if str(a.get_gid()).startswith("end-")]
    assert not _collisions(fig)


def test_the_fan_says_undiscounted_its_sample_and_marks_the_target(charts):
    c = charts["long_horizon"]
    fig = c["cashflow"]
    ax = fig.axes[0]
    assert "undiscounted" in ax.get_ylabel()
    text = _all_text(fig)
    assert f"bands from the first 2,000 of the {TRIALS:,} trials" in text
    assert _lines_x(ax, "target") == 120
    assert _by_gid(ax, "target-label").get_text() == "Payback target: month 120"
    months = ax.get_xticks()
    assert len([m for m in months if 0 <= m <= 600]) <= 9
    # every trial drawn: no sample note
    months, bands = np.arange(37.0), metrics.fan_bands(np.zeros((5, 37)))
    meta = _run(np.ones(5), np.ones(5), np.ones(5))[1]
    assert "bands from" not in _all_text(cashflow_fan(months, bands, meta, sample=5))


def test_a_group_with_few_paths_gets_its_median_only():
    months = np.arange(13.0)
    meta = _run(np.ones(5), np.ones(5), np.ones(5))[1]
    rng = np.random.default_rng(6)
    many = np.cumsum(rng.normal(1e4, 5e3, (300, 13)), axis=1)
    few = np.cumsum(rng.normal(-1e4, 5e3, (5, 13)), axis=1)
    groups = [
        FanGroup("works = 1", 0.98, 300, metrics.fan_bands(many)),
        FanGroup("works = 0", 0.02, 5, metrics.fan_bands(few)),
    ]
    fig = cashflow_fan(months, metrics.fan_bands(np.vstack([many, few])), meta, groups=groups)
    gids = {a.get_gid() for a in fig.axes[0].get_children()}
    assert {"band-80-0", "band-50-0", "median-0", "median-1"} <= gids
    assert "band-80-1" not in gids and "end-p10-1" not in gids
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[1] == "works = 0: 2.0% of trials (median of 5 paths)"
    assert not _collisions(fig)


def test_never_paying_back_is_stated(charts):
    c = charts["never_pays_back"]
    text = _all_text(c["payback"])
    assert "100% not paid back within 36 months" in text
    assert "0% paid back within the 24-month target" in text
    assert "¥" in _by_gid(c["npv"].axes[0], "marker-p50-label").get_text()


# --- the payback curve: the empirical CDF of the interpolated paybacks ----------


def test_payback_cdf_is_the_empirical_cdf():
    months, prob = metrics.payback_cdf(np.array([0.0, 2.5, 2.5, 3.25, np.inf]), 4)
    np.testing.assert_array_equal(months, [0, 2.5, 3.25, 4])
    np.testing.assert_array_equal(prob, [0.2, 0.6, 0.8, 0.8])
    months, prob = metrics.payback_cdf(np.array([1.5, np.inf]), 6)
    np.testing.assert_array_equal(months, [0, 1.5, 6])
    np.testing.assert_array_equal(prob, [0, 0.5, 0.5])
    assert metrics.payback_cdf(np.array([np.inf, np.inf]), 6)[1].tolist() == [0, 0]


def test_payback_cdf_keeps_points_on_the_curve_and_close_between():
    rng = np.random.default_rng(4)
    x = rng.gamma(9, 2.0, 50_000)
    x[x > 36] = np.inf
    months, prob = metrics.payback_cdf(x, 36, points=501)
    assert months.size <= 503 and months[0] == 0 and months[-1] == 36
    exact = np.searchsorted(np.sort(x), months, side="right") / x.size
    np.testing.assert_array_equal(prob, exact)
    # between two points the exact curve rises by at most ceil(paid / (points - 1)) trials
    step = np.diff(prob) * x.size
    assert step.max() <= np.ceil(np.isfinite(x).sum() / 500) + 1


def test_payback_chart_steps_at_the_interpolated_paybacks():
    payback = np.array([2.5, 2.5, 7.25, 11.6, np.inf])
    summary, meta = _run(np.ones(5), np.ones(5), payback, target_months=8.0)
    months, prob = metrics.payback_cdf(payback, 36)
    fig = payback_curve(months, prob, summary, meta)
    line = _by_gid(fig.axes[0], "payback-curve")
    xs, ys = line.get_xdata(), line.get_ydata()
    # it rises at 2.5, 7.25 and 11.6 months, not at whole months
    rises = sorted({float(x) for x, a, b in zip(xs[1:], ys[:-1], ys[1:], strict=True) if b > a})
    assert rises == [2.5, 7.25, 11.6]
    assert _by_gid(fig.axes[0], "target").get_ydata()[0] == 0.6


# --- what splits the trials -------------------------------------------------------


def test_outcome_split_takes_a_flag_only_when_it_drives_the_outcome():
    rng = np.random.default_rng(9)
    n = 20_000
    works = rng.random(n) < 0.75
    minor = rng.random(n) < 0.5
    rare = rng.random(n) < 0.02
    npv = np.where(works, rng.normal(2e6, 8e5, n), rng.normal(-1e6, 1e5, n))
    npv = npv + np.where(minor, 1e5, 0.0) + np.where(rare, -5e6, 0.0)
    split = metrics.outcome_split(npv, {"minor": minor, "works": works, "rare": rare})
    assert split.flag == "works" and np.array_equal(split.on, works)
    assert metrics.outcome_split(npv, {"minor": minor, "rare": rare}) is None
    assert metrics.outcome_split(npv, {}) is None
    assert metrics.outcome_split(np.ones(10), {"works": works[:10]}) is None


def test_the_engine_keeps_each_flag_as_drawn(configs_dir):
    model = simulate.load_config(configs_dir / "omnichannel.yaml")
    kept = simulate.run(model, trials=3000, seed=5, keep_inputs=True)
    plain = simulate.run(model, trials=3000, seed=5, keep_inputs=False)
    j = [inp.name for inp in model.inputs].index("offers_work")
    assert list(plain.flags) == ["offers_work"]
    np.testing.assert_array_equal(plain.flags["offers_work"], kept.inputs[j] == 1.0)
    assert plain.npv.tobytes() == kept.npv.tobytes()


# --- axes and files ---------------------------------------------------------------


def test_huge_percentages_thin_the_ticks_instead_of_overlapping():
    rng = np.random.default_rng(1)
    roi = -rng.lognormal(13, 1.5, 5000) + 2e6  # ROI of millions of percent
    summary, meta = _run(roi, roi, np.full(5000, 5.0))
    summary["metrics"]["roi"] |= metrics.describe(roi)
    fig = roi_distribution(roi, summary, meta)
    assert not _collisions(fig)
    assert _by_gid(fig.axes[0], "end-below-label")  # a long left tail: an end bar there


def test_bins_are_round_on_a_grid_through_zero():
    rng = np.random.default_rng(2)
    x = rng.normal(1.234e6, 3.1e5, 10_000)
    bins = _bins.bin_values(x)
    width = bins.width
    mantissa = width / 10 ** np.floor(np.log10(width))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) < 1e-9
    assert np.allclose(bins.edges / width, np.round(bins.edges / width))
    assert bins.counts.sum() == x.size and not bins.above.any() and not bins.below.any()


def test_svg_text_stays_text_and_the_file_is_byte_identical(tmp_path, normal_run):
    npv, summary, meta = normal_run
    a = save(npv_distribution(npv, summary, meta), tmp_path / "a", ["svg"])[0]
    b = save(npv_distribution(npv, summary, meta), tmp_path / "b", ["svg"])[0]
    assert a.read_bytes() == b.read_bytes()
    ns = "{http://www.w3.org/2000/svg}"
    texts = ET.parse(a).getroot().iter(f"{ns}text")
    found = {"".join(t.itertext()): t.get("style") for t in texts}
    assert meta.name in found
    style = found[meta.name]
    family = re.search(r"font-family: ([^;]*)", style).group(1)
    assert family.startswith("'DejaVu Sans'") and family.endswith(", sans-serif")
    assert "DejaVuSans-" not in a.read_text()  # no glyph outlines (ids like DejaVuSans-50)


def test_scenario_cdf_axis_is_linear_with_a_tick_every_ten_percent():
    rng = np.random.default_rng(3)
    meta = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    curves = []
    for i, mu in enumerate((0.0, 5e5)):
        x = np.sort(rng.normal(mu, 4e5, 2001))
        f = np.linspace(0, 1, 201)
        curves.append((f"s{i}", np.quantile(x, f), f, float((x > 0).mean())))
    fig = scenario_cdfs(curves, meta)
    fig.draw_without_rendering()
    ticks = [t for t in fig.axes[0].get_yticks() if -1e-9 <= t <= 1 + 1e-9]
    np.testing.assert_allclose(ticks, np.linspace(0, 1, 11))
    assert fig.axes[0].get_yscale() == "linear"


@pytest.fixture(scope="module")
def normal_run():
    rng = np.random.default_rng(20240601)
    npv = rng.normal(1.2e6, 0.9e6, 20_000)
    summary, meta = _run(npv, npv / 1.5e6, np.full(npv.size, 10.0))
    return npv, summary, meta


# --- one value in every trial; never paid back -------------------------------------


def test_one_value_in_every_trial_is_a_labelled_value_not_a_histogram():
    c = _draw("same_every_trial")
    npv = float(c["result"].npv[0])
    assert np.all(c["result"].npv == npv)
    for kind, text in (("npv", fmt.format_money(npv, "USD", minus=fmt.MINUS)),
                       ("roi", fmt.format_percent(float(c["result"].roi[0]), minus=fmt.MINUS))):  # fmt: skip
        fig = c[kind]
        ax = fig.axes[0]
        label = _by_gid(ax, "single-value-label").get_text()
        assert label == f"{text}\nin all {TRIALS:,} trials", kind
        assert not [p for p in ax.patches if p.get_gid() and "bar" in p.get_gid()]
        assert not [a for a in ax.get_children() if str(a.get_gid()).startswith("marker-p")]
        lo, hi = ax.get_xlim()
        assert lo < float(_by_gid(ax, "single-value").get_xdata()[0]) < hi
        assert f"every trial gives the same {kind.upper()}" in _all_text(fig)
        texts = _texts(fig)
        assert not _collisions(fig, texts) and not _outside(fig, texts), kind
    roi_ax = c["roi"].axes[0]
    assert _by_gid(roi_ax, "marker-target").get_xdata()[0] == pytest.approx(0.2)
    # the payback: every trial at month 15, said beside the step
    pay = c["payback"]
    assert _by_gid(pay.axes[0], "single-payback").get_text() == (
        "every trial pays back\nat month 15"
    )
    assert not _collisions(pay, _texts(pay))


def test_a_run_that_never_pays_back_says_so_and_draws_no_flat_curve():
    c = _draw("never_pays_back_at_all")
    assert c["summary"]["probabilities"]["payback_within_horizon"] == 0
    ax = c["payback"].axes[0]
    said = _by_gid(ax, "never-paid-back").get_text()
    assert said == "No trial pays back within the 24-month horizon"
    assert not [a for a in ax.get_children() if a.get_gid() == "payback-curve"]
    assert not _collisions(c["payback"], _texts(c["payback"]))


def test_the_pack_draws_one_value_as_one_value(tmp_path):
    """The pack's NPV chart (from the quantile grid) says 'in every trial' when sd is 0."""
    import json

    from simulate.files import dumps
    from simulate.report.charts import report_svgs
    from simulate.report.data import pack_data

    result = simulate.run(simulate.load_config(CHART_CONFIGS / "same_every_trial.yaml"))
    data = json.loads(dumps(pack_data(result)))
    svg = report_svgs(data)["npv"]
    money = fmt.format_money(float(result.npv[0]), "USD", minus=fmt.MINUS)
    assert "in every trial" in svg and money in svg
    assert 'id="npv-single-value' in svg or "single-value" in svg


# --- labels in a script the house font lacks -----------------------------------------

JAPANESE = """\
name: 顧客体験の改善
currency: JPY
horizon_months: 24
discount_rate: 0.02
simulation: {trials: 2000, seed: 3}
priors:
  deflection: {dist: pert, min: 0.05, mode: 0.08, max: 0.12, label: 自己解決率}
  aht: {dist: uniform, min: 10, max: 40, label: 短縮秒数}
benefits:
  - {type: deflection, name: チャットボット, contacts_per_month: 100000,
     deflection_rate: deflection, cost_per_contact: 600}
  - {type: handle_time, name: Agent assist, label: オペレーター支援, contacts_per_month: 100000,
     seconds_saved: aht, cost_per_hour: 3000}
costs:
  - {type: one_time, name: 構築, amount: 30000000}
"""


def _cjk_font_installed() -> bool:
    from matplotlib import font_manager

    from simulate.plotting._style import RC

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return any(f in installed for f in RC["font.family"][1:-1])


def test_a_japanese_config_gives_one_note_and_no_glyph_warnings(tmp_path, capfd, monkeypatch):
    """Without a font for them, one line names the characters and the fix; with one, none."""
    import warnings

    from simulate.cli import main
    from simulate.plotting import _glyphs

    monkeypatch.setattr(_glyphs, "_noted", False)
    monkeypatch.setattr(_glyphs, "_missing", set())
    config = tmp_path / "jp.yaml"
    config.write_text(JAPANESE, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["report", str(config), "--out", str(tmp_path / "out"), "--quiet",
                     "--sensitivity", "tornado"]) == 0  # fmt: skip
    err = capfd.readouterr().err
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert "Glyph" not in err
    notes = [line for line in err.splitlines() if line.startswith("warning: charts:")]
    if _cjk_font_installed():  # a fallback font draws them: nothing to say
        assert notes == [] and not _glyphs.missing_glyphs()
    else:
        assert len(notes) == 1 and "顧" in notes[0] and "fonts-noto-cjk" in notes[0]
        assert {"顧", "自", "オ"} <= _glyphs.missing_glyphs()
    # SVG keeps the text as text, whatever the fonts: the page shows it where a font has it
    page = (tmp_path / "out" / "jp" / "report.html").read_text(encoding="utf-8")
    assert "自己解決率" in page and "オペレーター支援" in page
    assert (tmp_path / "out" / "jp" / "figures" / "tornado.png").stat().st_size > 10_000


def test_other_warnings_raised_while_drawing_still_reach_the_caller(monkeypatch):
    import warnings

    from simulate.plotting import _glyphs
    from simulate.plotting._glyphs import noting_missing_glyphs

    monkeypatch.setattr(_glyphs, "_noted", True)  # noted already: nothing printed
    monkeypatch.setattr(_glyphs, "_missing", set())

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with noting_missing_glyphs():
            warnings.warn("something else", RuntimeWarning, stacklevel=1)
            warnings.warn("Glyph 12398 (\\N{HIRAGANA LETTER NO}) missing from font(s) X.",
                          UserWarning, stacklevel=1)  # fmt: skip
    assert [str(w.message) for w in caught] == ["something else"]
    assert _glyphs.missing_glyphs() == {"の"}
