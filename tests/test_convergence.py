"""Convergence made visible (issue 13 item 4): a precision run's check points, and their chart."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import simulate
from simulate import precision as pr
from simulate.cli import main
from simulate.format import format_points
from simulate.plotting import convergence
from simulate.plotting.figures import chart_meta

TARGETS = {"npv_positive": "1pp", "npv_p50": "3%", "payback_p50": "0.5"}


@pytest.fixture(scope="module")
def stopped():
    from conftest import CONFIGS

    model = simulate.load_config(CONFIGS / "omnichannel.yaml")
    text = ",".join(f"{k}={v}" for k, v in TARGETS.items())
    return simulate.run(model, seed=4, precision=text, max_trials=200 * 256, batch_size=256)


def test_every_check_point_is_recorded_up_to_the_stop(stopped):
    stop = stopped.summary()["stop"]
    assert stop["reason"] == "precision"
    checks = stop["checks"]
    # the check points of docs/model.md, up to the one the run stopped at
    points = [p * 256 for p in pr.check_points(200) if p * 256 <= stopped.trials]
    assert [c["trials"] for c in checks] == points
    assert checks[-1]["trials"] == stopped.trials == stop["trials"]
    met = [c["met"] for c in checks]
    assert met[-2:] == [True, True] and not any(a and b for a, b in itertools.pairwise(met[:-1]))
    # each check's interval is the one the summary would give for its trials: the last
    # equals the run's own precision block, figure for figure
    final = stopped.summary()["precision"]["figures"]
    for name in TARGETS:
        shown = {k: final[name][k] for k in ("estimate", "low", "high")}
        assert checks[-1]["figures"][name] == pytest.approx(shown, rel=1e-12)
    json.dumps(stop)  # plain JSON


def test_a_fixed_run_has_no_check_points(stopped):
    fixed = simulate.run(stopped.model, trials=2000, seed=4)
    assert fixed.summary()["stop"] == {"reason": "trials", "trials": 2000}


def test_the_chart_draws_each_target_from_the_check_points(stopped):
    summary = stopped.summary()
    stop = summary["stop"]
    fig = convergence(stop, chart_meta(stopped.model, stopped))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(TARGETS)
    trials = [c["trials"] for c in stop["checks"]]
    for ax, name in zip(panels, TARGETS, strict=True):
        assert ax.get_xscale() == "log"
        (line,) = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
        np.testing.assert_array_equal(line.get_xdata(), trials)
        estimates = [c["figures"][name]["estimate"] for c in stop["checks"]]
        np.testing.assert_allclose(line.get_ydata(), estimates, rtol=1e-12)
        # the band spans each check's interval
        (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
        ys = band.get_paths()[0].vertices[:, 1]
        lows = [c["figures"][name]["low"] for c in stop["checks"]]
        highs = [c["figures"][name]["high"] for c in stop["checks"]]
        assert ys.min() == pytest.approx(min(lows)) and ys.max() == pytest.approx(max(highs))
        # the tolerance asked for, around the final estimate
        dashed = sorted(ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--")
        final = estimates[-1]
        half = {"npv_positive": 0.01, "npv_p50": 0.03 * abs(final), "payback_p50": 0.5}[name]
        assert dashed == pytest.approx([final - half, final + half])
    title = " ".join(ax.get_title(loc="left") for ax in panels)
    assert "P(NPV > 0)" in title and "±1 pp" in title and "±0.5 months" in title
    assert "$" in panels[1].get_title(loc="left")  # a relative target on money shows money
    assert stopped.model.name in fig.texts[0].get_text()


def test_the_chart_refuses_a_run_without_check_points(stopped):
    with pytest.raises(ValueError, match="no precision check points"):
        convergence({"reason": "trials", "trials": 10}, chart_meta(stopped.model, stopped))


def test_run_with_precision_writes_the_convergence_chart(configs_dir, tmp_path):
    out = tmp_path / "results"
    config = str(configs_dir / "lead_conversion.yaml")
    argv = ["run", config, "--out", str(out), "--quiet"]
    assert main([*argv, "--precision", "npv_positive=2pp", "--max-trials", "20000"]) == 0
    figures = out / "lead_conversion" / "figures"
    assert (figures / "convergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*argv, "--trials", "2000"]) == 0  # a fixed run draws none
    summary = json.loads((out / "lead_conversion" / "summary.json").read_text())
    assert "checks" not in summary["stop"]


# -- the intervals on the charts (issue 13 item 1: "carried to the charts") -------------------


def test_distribution_charts_print_each_figure_with_its_interval(stopped):
    from simulate.plotting import npv_distribution, payback_curve, roi_distribution
    from simulate.plotting.figures import chart_meta as meta_of

    summary = stopped.summary()
    figures = summary["precision"]["figures"]
    meta = meta_of(stopped.model, stopped)

    def half(name):
        f = figures[name]
        return (f["high"] - f["low"]) / 2

    def texts(fig):
        return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))

    npv = texts(npv_distribution(stopped.npv, summary, meta))
    assert "P(NPV > 0) =" in npv
    assert f"± {format_points(half('npv_positive'))}" in npv, npv
    assert "simulation noise (95%): P10 ±" in npv and "P50 ±" in npv and "P90 ±" in npv
    roi = texts(roi_distribution(stopped.roi, summary, meta))
    assert "target) = " in roi and f"± {format_points(half('roi_at_least_target'))}" in roi
    assert f"P50 ± {format_points(half('roi_p50'))}" in roi
    from simulate import metrics

    pay = texts(payback_curve(*metrics.payback_cdf(stopped.payback_months, 60), summary, meta))
    assert f"± {format_points(half('payback_within_target'))} paid back within" in pay, pay


def test_a_chart_without_intervals_prints_none(stopped):
    from simulate.plotting import npv_distribution
    from simulate.plotting.figures import chart_meta as meta_of

    summary = dict(stopped.summary())
    summary.pop("precision")
    fig = npv_distribution(stopped.npv, summary, meta_of(stopped.model, stopped))
    text = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "±" not in text and "simulation noise" not in text


def test_the_review_pack_draws_the_convergence_of_a_precision_run(stopped):
    from simulate.report.charts import report_svgs

    summary = json.loads(json.dumps(stopped.summary()))  # as report_data.json holds it
    svgs = report_svgs({"summary": summary, "charts": {}, "drivers": {}})
    assert list(svgs) == ["convergence"]
    svg = svgs["convergence"]
    assert "Half-width ÷ tolerance" in svg and "P(NPV &gt; 0) (±1pp)" in svg
    fixed = json.loads(json.dumps(simulate.run(stopped.model, trials=2000, seed=4).summary()))
    assert "convergence" not in report_svgs({"summary": fixed, "charts": {}, "drivers": {}})


def test_the_one_axes_form_puts_each_target_against_its_tolerance(stopped):
    import matplotlib.pyplot as plt

    stop = stopped.summary()["stop"]
    fig, ax = plt.subplots()
    convergence(stop, chart_meta(stopped.model, stopped), ax=ax)
    lines = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(lines) == len(TARGETS)
    last = stop["checks"][-1]["figures"]["payback_p50"]
    share = (last["high"] - last["low"]) / 2 / 0.5
    (payback,) = [ln for ln in lines if "Payback" in ln.get_label()]
    assert payback.get_ydata()[-1] == pytest.approx(share)
    assert share <= 1.0  # met at the stop
    plt.close(fig)


def test_report_runs_a_config_to_a_precision_and_shows_its_convergence(configs_dir, tmp_path):
    out = tmp_path / "results"
    config = str(configs_dir / "lead_conversion.yaml")
    argv = ["report", config, "--precision", "npv_positive=2pp", "--max-trials", "40000"]
    assert main([*argv, "--out", str(out), "--quiet", "--sensitivity", "tornado"]) == 0
    folder = out / "lead_conversion"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["stop"]["targets"] == {"npv_positive": "2pp"}
    assert 'id="chart-convergence"' in (folder / "report.html").read_text()
    # a result folder holds one run: asking it for a precision is a usage error
    assert main(["report", str(folder), "--precision", "default", "--quiet"]) == 2
