"""The cash-flow fan's labels: none covers another, a band, the median or a line.

Each config is run and its fan drawn twice, as a run saves it
(figures/cashflow.png, 10 in wide) and as the review pack inlines it (a
5 x 3.1 in chart with the short y label, its x ticks thinned as the page
thins them). Measured on the drawn figure: every text's box against every
other's (:func:`test_plotting._collisions`), and against the data: the
P10-P90 and P25-P75 band polygons, the median line, the zero line and the
payback target's dashed line. The configs are those that broke it: the
template, a one-month horizon (the target on the last month), a fan that
never reaches the zero line, and one with no spread at all.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from test_plotting import _by_gid, _collisions, _outline, _texts

import simulate
from simulate import metrics
from simulate.plotting import cashflow_fan
from simulate.plotting.cashflow import FanGroup
from simulate.plotting.figures import chart_meta
from simulate.plotting.inline import thin_crowded_ticks
from simulate.report import charts as report_charts
from simulate.report.data import chart_data

ROOT = Path(__file__).parent.parent
CONFIGS = {
    "template": ROOT / "configs" / "template.yaml",
    "one_month_horizon": ROOT / "tests" / "chart_configs" / "one_month_horizon.yaml",
    "always_loses": ROOT / "tests" / "chart_configs" / "always_loses.yaml",
    "fixed_priors": ROOT / "tests" / "chart_configs" / "fixed_priors.yaml",
}
TRIALS = 5_000
_DATA_GIDS = ("band-80", "band-50", "median", "zero", "target")


@pytest.fixture(scope="module")
def runs() -> dict:
    return {
        name: simulate.run(simulate.load_config(path), trials=TRIALS, keep_inputs=False)
        for name, path in CONFIGS.items()
    }


def _run_png(result) -> Figure:
    """The fan as figures/cashflow.png draws it."""
    model = result.model
    split = metrics.outcome_split(result.npv, result.flags)
    groups = [FanGroup(*g) for g in metrics.split_fan(result.paths, split)] if split else None
    return cashflow_fan(
        np.arange(model.horizon_months + 1, dtype=float),
        metrics.fan_bands(result.paths),
        chart_meta(model, result),
        groups=groups,
        sample=result.paths.shape[0],
    )


def _page_chart(result) -> Figure:
    """The fan as report.html inlines it (:func:`simulate.plotting.inline.inline_svg`)."""
    data = {"summary": result.summary(), "charts": {"fan": chart_data(result)["fan"]}}
    title = report_charts.chart_title(report_charts.CHARTS["cashflow"], data["summary"])
    meta = dataclasses.replace(report_charts._meta(data["summary"]), name=title)
    fig = Figure(figsize=report_charts.FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    report_charts._drawers(data)["cashflow"](meta=meta, ax=ax)
    thin_crowded_ticks(ax)
    return fig


def _data_paths(ax) -> list:
    """(name, display path, filled) of each band, the median and the zero and target lines."""
    out = []
    for a in ax.get_children():
        gid = a.get_gid() or ""
        if not gid.startswith(_DATA_GIDS):
            continue
        if isinstance(a, PolyCollection):
            out += [(gid, p.transformed(a.get_transform()), True) for p in a.get_paths()]
        elif isinstance(a, Line2D):
            out.append((gid, a.get_path().transformed(a.get_transform()), False))
    return out


def _covered(fig: Figure, texts) -> list[tuple[str, str]]:
    """(text, data) where a text's box covers a band or crosses a line."""
    renderer = fig.canvas.get_renderer()
    data = _data_paths(fig.axes[0])
    assert {g.split("-")[0] for g, _, _ in data} >= {"median", "zero"}
    hits = []
    for t in texts:
        box = _outline(t, renderer)
        for gid, path, filled in data:
            if filled:
                hit = box.intersects_path(path, filled=True)
            else:  # a line: crossing the box, or inside it
                hit = (
                    path.intersects_path(box, filled=False)
                    or box.contains_points(path.vertices).any()
                )
            if hit:
                hits.append((t.get_text(), gid))
    return hits


@pytest.mark.parametrize("where", ["png", "page"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_no_fan_label_covers_another_or_the_data(runs, name, where):
    fig = (_run_png if where == "png" else _page_chart)(runs[name])
    texts = _texts(fig)  # drawn: laid out as saved
    ax = fig.axes[0]
    key = ax.get_legend()
    # the target's label: in the plot, or where it has no room there, a key above it
    label = key.get_texts()[0] if key else _by_gid(ax, "target-label")
    assert "payback target: month" in label.get_text().lower().replace("\n", " ")
    assert label in texts
    assert _collisions(fig, texts) == []
    assert _covered(fig, texts) == []
    # a run's chart has room for it in the plot
    assert (key is None) or where == "page"
