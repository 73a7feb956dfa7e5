"""The review pack's charts as inline SVG, drawn by :mod:`simulate.plotting` from the data.

Each chart is drawn by the same chart function as the run's PNGs, from the
``charts`` and ``drivers`` blocks of ``report_data.json``: the NPV and ROI
histograms from their 2,001-point quantile grids (an even quantile summary
of the trials, so a histogram of it has the trials' shape; the NPV's from
each group's grid when a success flag splits the trials), the payback
curve (the empirical CDF of the paybacks), the cash-flow fan (each group's
when a success flag splits the trials) and the waterfall as saved, the
tornado from the sensitivity rows. Each is drawn on a figure sized for its
place on a printed page, so its text prints at a readable size, and inlined by
:func:`simulate.plotting.inline.inline_svg` (text as text, no font fetched,
ids prefixed with the chart's name).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from .. import plotting
from ..format import format_probability
from ..plotting import ChartMeta
from ..plotting.cashflow import FanGroup
from ..plotting.inline import inline_svg
from ..plotting.meta import run_title

__all__ = ["CHARTS", "FIGSIZE", "FIGSIZES", "SPLIT", "WIDE", "chart_title", "report_svgs"]

# The charts of the page, in the order it shows them, and their titles. (No ROI
# histogram: ROI is NPV over the PV of costs, and the page gives its P10/P50/P90.)
CHARTS = {
    "npv": "Net present value",
    "payback": "Payback",
    "cashflow": "Cumulative cash flow",
    "tornado": "What moves the NPV",
    "waterfall": "From benefits to NPV",
    "frontier": "Break-even frontier",
    "comparison": "Compared",
    "convergence": "How precise",
}
# Inches. Printed, the page is 7.3 in wide between its margins: the three
# small charts share a row, the tornado and the waterfall (a bar per input or
# line) two a row, so each is printed at about half its drawn width and the
# house's 13 pt text prints at 6-7 pt.
FIGSIZE = (5.0, 3.1)
WIDE = frozenset(
    {"tornado", "waterfall", "frontier", "comparison", "convergence"}
)  # the charts the page shows two a row
FIGSIZES = {
    **dict.fromkeys(WIDE, (6.4, 3.8)),
    # The payback chart's target label needs room beside a target point near
    # 100%, or it is set above the plot over the key figure: the same aspect,
    # drawn larger (its text prints 10% smaller than its neighbours').
    "payback": (5.6, 5.6 * 3.1 / 5.0),
    # a plane, its key above the plot, its table beside it in its row
    "frontier": (6.4, 3.8),
}
# A fan split by a success flag stacks its groups' key above the plot and
# labels two fans' ends at the right; the NPV histogram beside it labels each
# group's bars below its row of percentiles: both drawn taller, at the same
# width (so their text prints at their neighbours' size, and the row is as tall
# as the fan alone made it).
SPLIT = (5.0, 4.4)
_TORNADO_ROWS = 8
_WATERFALL_LINES = 8  # lines drawn one by one: a row each, with the subtotal and total
LABEL_CHARS = 32  # the longest word a chart label keeps whole
LABEL_WORDS_CHARS = 64  # the longest label of words a chart keeps whole (it wraps)


def _meta(summary: Mapping[str, Any]) -> ChartMeta:
    targets = summary.get("targets") or {}
    return ChartMeta.from_summary(
        summary,
        config_hash=str(summary.get("config_hash", "")),
        target_payback_months=targets.get("payback_months"),
        target_roi=targets.get("roi"),
    )


def chart_title(chart: str, summary: Mapping[str, Any]) -> str:
    """A pack chart's title: what it shows, then the run's scenario and overlay.

    ``Net present value · scenario: conservative · overlay: CFO review``: a
    chart copied out of the page still says which run it shows, as the run's
    own charts do (:func:`simulate.plotting.meta.run_title`); the config's
    name heads the page.
    """
    overlay = (summary.get("overlay") or {}).get("name")
    return run_title(chart, summary.get("scenario"), overlay)


def _label(name: Any) -> str:
    """A name as a chart labels it: no word over :data:`LABEL_CHARS` characters.

    A long name without spaces cannot wrap, and would squeeze the plot to
    nothing; a label of words wraps, and is cut at :data:`LABEL_WORDS_CHARS`.
    The page's tables give it whole.
    """
    name = str(name)
    if " " in name.strip() and max(len(w) for w in name.split()) <= LABEL_CHARS:
        limit = LABEL_WORDS_CHARS
    else:
        limit = LABEL_CHARS
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _grid(values: Any) -> np.ndarray:
    """A quantile grid as floats; a null (an undefined ROI) is left out."""
    return np.array([v for v in values or () if v is not None], dtype=float)


def _pooled(
    groups: Sequence[Mapping[str, Any]], size: int
) -> tuple[np.ndarray, list[tuple[str, np.ndarray]], list[float]]:
    """``charts.npv_groups`` as one summary of ``size`` values, each group's mask over it, its share.

    Each group gets values in proportion to its share of the trials (the
    largest remainders rounded up), read off its quantile grid at even
    levels: pooled, they are a quantile summary of all the trials that knows
    which group each value stands for, as ``npv_quantiles`` is one that does not.
    """
    shares = [float(g["share"]) for g in groups]
    exact = np.array(shares) * size
    counts = np.floor(exact).astype(int)
    for i in np.argsort(counts - exact)[: size - int(counts.sum())]:
        counts[i] += 1
    values, labels = [], []
    for g, n in zip(groups, counts, strict=True):
        grid = _grid(g["npv_quantiles"])
        levels = (np.arange(grid.size) + 0.5) / grid.size
        values.append(np.interp((np.arange(n) + 0.5) / n, levels, grid) if grid.size else [])
        labels.append(str(g["label"]))
    pooled = np.concatenate(values)
    owner = np.repeat(np.arange(len(groups)), [len(v) for v in values])
    return pooled, [(label, owner == i) for i, label in enumerate(labels)], shares


def _comparison_curves(rows: Any) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """``charts.comparison`` (when the data has it): a CDF per run from its quantile grid."""
    curves = []
    for row in rows or ():
        x = _grid(row.get("npv_quantiles"))
        if x.size:
            levels = (np.arange(x.size) + 0.5) / x.size
            curves.append((str(row["label"]), x, levels, row.get("npv_positive")))
    return curves


def _bands(bands: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Saved bands as arrays (a null, a group's band without paths, as NaN)."""
    return {k: np.asarray(v, float) for k, v in bands.items()}


def _fan(data: Mapping[str, Any]) -> Callable[[ChartMeta, Any], Any]:
    fan = data["charts"]["fan"]
    months = np.asarray(fan["months"], float)
    bands = _bands(fan["bands"])
    # the trials split by a success flag, as figures/cashflow draws them (null: one fan)
    groups = [
        FanGroup(g["label"], float(g["share"]), int(g["n_paths"]), _bands(g["bands"]))
        for g in fan.get("groups") or ()
    ]
    text = (
        "Cumulative net cash flow by month: median, P25-P75 and P10-P90 bands "
        + ("of each group " if groups else "")
        + f"over {int(fan['n_paths']):,} trials"
    )

    def draw(meta: ChartMeta, ax: Any) -> None:
        # the groups' key stacked: a row of two is wider than the page's small chart; the
        # short y label from the start: set after, it would make the plot taller than the
        # fan's end labels were spread for
        plotting.cashflow_fan(months, bands, meta, ax, subtitle=text, groups=groups or None,
                              key_columns=1, ylabel=meta.currency)  # fmt: skip

    return draw


def _payback(data: Mapping[str, Any]) -> Callable[[ChartMeta, Any], Any]:
    # The empirical CDF of the paybacks, as figures/payback draws it; a file
    # written before it was saved has the whole-month curve only.
    payback = data["charts"].get("payback_cdf") or data["charts"]["payback"]
    months, prob = np.asarray(payback["months"], float), np.asarray(payback["prob"], float)

    def draw(meta: ChartMeta, ax: Any) -> None:
        plotting.payback_curve(months, prob, data["summary"], meta, ax)
        _short_ylabel(ax, "")

    return draw


def _short_ylabel(ax: Any, text: str) -> None:
    """Replace a y label taller than a small chart's plot, which would run into its subtitle.

    The subtitle says what the axis is ("Cumulative net cash flow ...",
    "Share of trials that have recovered the investment ...").
    """
    ax.set_ylabel(text)


def _drawers(data: Mapping[str, Any]) -> dict[str, Callable[[ChartMeta, Any], Any]]:
    """How to draw each chart the data has, by name."""
    summary, charts = data["summary"], data["charts"]
    drivers = data.get("drivers") or {}
    draw: dict[str, Callable[[ChartMeta, Any], Any]] = {}
    npv = _grid(charts.get("npv_quantiles"))
    if npv.size:
        # every trial the same (no spread beyond rounding): the trials reach no further
        stats = summary["metrics"]["npv"]
        sd, mean = stats.get("sd"), stats.get("mean") or 0.0
        same = sd is not None and sd <= 1e-12 * max(abs(mean), 1.0)
        reach = (float(npv[0]), float(npv[-1])) if same else None
        groups = charts.get("npv_groups")  # a success flag splits the outcome (null: one group)
        if groups:
            pooled, masks, shares = _pooled(groups, npv.size)
            draw["npv"] = partial(_call, plotting.npv_distribution, pooled, summary,
                                  groups=masks, shares=shares)  # fmt: skip
        else:
            draw["npv"] = partial(_call, plotting.npv_distribution, npv, summary, reach=reach)
    if (charts.get("payback") or {}).get("months"):
        draw["payback"] = _payback(data)
    if (charts.get("fan") or {}).get("months"):
        draw["cashflow"] = _fan(data)
    rows = [
        {**r, "label": _label(r.get("label") or r["input"])} for r in drivers.get("tornado") or ()
    ]
    if rows:
        base, metric = drivers.get("base"), drivers.get("metric", "npv")
        draw["tornado"] = partial(
            _call, plotting.tornado, rows, base, metric=metric, max_rows=_TORNADO_ROWS
        )
    items = [(_label(n), float(v)) for n, v in charts.get("waterfall") or ()]
    if items:
        text = "Mean present value of each benefit (+) and cost (-) line, then the NPV"
        draw["waterfall"] = partial(
            _call, plotting.waterfall, items, subtitle=text, max_lines=_WATERFALL_LINES
        )
    if drivers.get("frontier"):
        block = _frontier_labels(drivers["frontier"])
        text = (
            "Base-case NPV = 0 with the other inputs at their medians; P(NPV > 0) with them "
            f"uncertain ({block['trials_per_point']:,} draws at each of "
            f"{block['grid']}×{block['grid']} points)"
        )
        draw["frontier"] = partial(_call, plotting.frontier, block, subtitle=text, head="")
    curves = _comparison_curves(charts.get("comparison"))
    if curves:
        draw["comparison"] = partial(_call, plotting.scenario_cdfs, curves)
    if (summary.get("stop") or {}).get("checks"):  # a run that stopped at precision targets
        draw["convergence"] = partial(_call, plotting.convergence, summary["stop"])
    return draw


def _frontier_labels(block: Mapping[str, Any]) -> dict[str, Any]:
    """The frontier with its axes' labels shortened as the other charts' are."""
    axes = [{**a, "label": _label(a.get("label") or a["input"])} for a in block["inputs"]]
    return {**block, "inputs": axes}


def _call(chart: Callable[..., Any], *args: Any, meta: ChartMeta, ax: Any, **kwargs: Any) -> None:
    """``chart(*args, meta, ax=ax, **kwargs)``: every chart function takes meta after its numbers."""
    chart(*args, meta, ax=ax, **kwargs)


def _split(key: str, charts: Mapping[str, Any]) -> bool:
    """Whether chart ``key`` is drawn in the groups of a success flag (and so taller)."""
    if key == "cashflow":
        return bool(charts["fan"].get("groups"))
    return key == "npv" and bool(charts.get("npv_groups"))


def _on_axes(drawer: Callable[..., Any], meta: ChartMeta, ax: Any) -> None:
    drawer(meta=meta, ax=ax)


def report_svgs(data: Mapping[str, Any]) -> dict[str, str]:
    """Each chart of the review pack that ``data`` (report_data.json) can draw, as inline SVG.

    Keys are those of :data:`CHARTS` in that order; a chart whose numbers the
    data lacks (no tornado without sensitivity rows, no comparison without
    ``charts.comparison``) is left out.
    """
    meta = _meta(data["summary"])
    svgs = {}
    drawers = _drawers(data)
    for key in CHARTS:
        if key in drawers:
            chart_meta = dataclasses.replace(meta, name=chart_title(CHARTS[key], data["summary"]))
            draw = partial(_on_axes, drawers[key], chart_meta)
            size = FIGSIZES.get(key, FIGSIZE)
            if _split(key, data["charts"]):
                size = SPLIT
            svgs[key] = inline_svg(draw, size, prefix=key, label=_name(key, data["charts"]))
    return svgs


def _name(key: str, charts: Mapping[str, Any]) -> str:
    """A chart's accessible name: its title; a split NPV histogram's or cash-flow fan's
    also names its groups and their shares.

    A reader who cannot tell the groups' colours apart hears what the labels
    on the bars and bands say.
    """
    if not _split(key, charts):
        return CHARTS[key]
    split = charts["npv_groups"] if key == "npv" else charts["fan"]["groups"]
    groups = [f"{g['label']} ({format_probability(g['share'])} of trials)" for g in split]
    return f"{CHARTS[key]}, in {len(groups)} groups: {' and '.join(groups)}"
