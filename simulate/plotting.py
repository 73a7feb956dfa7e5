"""Charts of a finished run, for slides and PDFs.

Every function takes finished results (per-trial arrays, the ``summary``
dict written as summary.json, sensitivity rows) and a :class:`ChartMeta`,
draws into ``ax`` or a new 16:9 :class:`~matplotlib.figure.Figure`, and
returns the Figure. Nothing here computes a statistic: percentiles and
probabilities are read from ``summary``; binning a histogram, clipping an
axis or stacking a waterfall is drawing. Nothing touches pyplot or the
global backend, so charts can be drawn in threads and worker processes.

A chart drawn on its own figure carries the config's name as its title, a
subtitle that says what it shows and a footer stamp (tool version, trials,
seed, sampling, config hash) so that a chart pasted into a deck can be traced
to its run. :func:`save` writes PNG, SVG or PDF files that are byte-identical
for the same figure.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, MultipleLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from simulate import _style as st
from simulate.errors import ConfigError

__all__ = [
    "FORMATS",
    "ChartMeta",
    "cashflow_fan",
    "npv_distribution",
    "payback_curve",
    "roi_distribution",
    "save",
    "tornado",
    "waterfall",
]

FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about the run it comes from.

    ``name`` is the chart title; the rest feeds the subtitle and the footer
    stamp. ``discount_rate`` (annual, 0.10 = 10%) and ``scenario`` are
    optional and shown when given.
    """

    name: str
    currency: str
    trials: int
    seed: int
    sampling: str
    version: str
    config_hash: str
    horizon_months: int
    target_payback_months: float | None = None
    target_roi: float | None = None
    discount_rate: float | None = None
    scenario: str | None = None

    @classmethod
    def from_summary(
        cls,
        summary: Mapping,
        *,
        config_hash: str,
        target_payback_months: float | None = None,
        target_roi: float | None = None,
    ) -> ChartMeta:
        """A ChartMeta from a summary.json dict plus what it does not hold."""
        return cls(
            name=str(summary["name"]),
            currency=str(summary.get("currency") or "USD"),
            trials=int(summary["trials"]),
            seed=int(summary["seed"]),
            sampling=str(summary["sampling"]),
            version=str(summary["version"]),
            config_hash=str(config_hash),
            horizon_months=int(summary["horizon_months"]),
            target_payback_months=target_payback_months,
            target_roi=target_roi,
            discount_rate=summary.get("discount_rate"),
            scenario=summary.get("scenario"),
        )

    def stamp(self) -> str:
        """The footer: ``simulate 0.1.0 · 100,000 trials · seed 42 · random · config 3fa9c2e1``."""
        parts = [f"simulate {self.version}"]
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
        parts += [
            f"{self.trials:,} trials",
            f"seed {self.seed}",
            self.sampling,
            f"config {self.config_hash}",
        ]
        return " · ".join(parts)

    def run_description(self) -> str:
        """``100,000 simulated trials · 36-month horizon · 10% annual discount rate``."""
        parts = [f"{self.trials:,} simulated trials", f"{self.horizon_months}-month horizon"]
        if self.discount_rate is not None:
            parts.append(f"{st.format_discount_rate(self.discount_rate)} annual discount rate")
        return " · ".join(parts)


# --- figure, header, footer -------------------------------------------------

_PAD_X = 0.16  # in: left/right margin of the header and footer
_PAD_TOP = 0.14
_PAD_BOTTOM = 0.09
_HEADER_GAP = 0.05  # between title and subtitle
_HEADER_BELOW = 0.14  # between the header block and the plot
_STAMP_GID = "simulate-stamp"


def _styled(func):
    """Run a chart function under the house style without leaking it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(st.RC):
            return func(*args, **kwargs)

    return wrapper


def _root(fig):
    return fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig


def _renderer(fig):
    root = _root(fig)
    if not hasattr(root.canvas, "get_renderer"):
        FigureCanvasAgg(root)  # a bare Figure(): give it a canvas that can measure text
    return root.canvas.get_renderer()


def _execute_layout(fig) -> None:
    root = _root(fig)
    engine = root.get_layout_engine()
    if engine is not None:
        engine.execute(root)


def _px(fig, points: float) -> float:
    return points * _root(fig).dpi / 72.0


def _start(ax: Axes | None, figsize=None) -> tuple[Figure, Axes, bool]:
    if ax is not None:
        return ax.get_figure(root=False), ax, False
    fig = Figure(figsize=figsize or st.FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=_PAD_X, h_pad=0.04, hspace=0, wspace=0)
    return fig, fig.add_subplot(), True


def _fit_width(text, max_px: float, renderer) -> None:
    """Wrap a Text so that no line is wider than ``max_px``."""
    original = text.get_text()
    width = text.get_window_extent(renderer).width
    if width <= max_px:
        return
    chars = max(int(len(original) * max_px / width), 12)
    while chars > 12:
        text.set_text(_wrap(original, chars))
        if text.get_window_extent(renderer).width <= max_px:
            return
        chars -= 3


def _frame(
    fig: Figure, ax: Axes, owned: bool, meta: ChartMeta, subtitle: str, lead: object
) -> None:
    """Title, subtitle and footer stamp.

    On a figure of its own, the title block sits at the top-left and the stamp
    at the bottom-left, and the plot is laid out in the space between. On a
    caller's Axes, the title and subtitle stack above ``lead`` (the Axes'
    left title, which carries the chart's key figure) and the stamp becomes
    the figure's x super-label, once per figure.
    """
    renderer = _renderer(fig)
    if owned:
        width_in, height_in = fig.get_size_inches()
        dpi = fig.dpi
        x0 = _PAD_X / width_in
        max_px = (width_in - 2 * _PAD_X) * dpi
        title = fig.text(
            x0,
            1 - _PAD_TOP / height_in,
            meta.name,
            ha="left",
            va="top",
            fontsize=st.TITLE_SIZE,
            fontweight="bold",
            color=st.INK,
        )
        _fit_width(title, max_px, renderer)
        y_in = _PAD_TOP + title.get_window_extent(renderer).height / dpi + _HEADER_GAP
        sub = fig.text(
            x0,
            1 - y_in / height_in,
            subtitle,
            ha="left",
            va="top",
            fontsize=st.SUBTITLE_SIZE,
            color=st.MUTED,
        )
        _fit_width(sub, max_px, renderer)
        top_in = y_in + sub.get_window_extent(renderer).height / dpi + _HEADER_BELOW
        stamp = fig.text(
            x0,
            _PAD_BOTTOM / height_in,
            meta.stamp(),
            ha="left",
            va="bottom",
            fontsize=st.FOOTER_SIZE,
            color=st.FAINT,
            gid=_STAMP_GID,
        )
        bottom_in = _PAD_BOTTOM + stamp.get_window_extent(renderer).height / dpi + 0.06
        fig.get_layout_engine().set(
            rect=(0, bottom_in / height_in, 1, 1 - (top_in + bottom_in) / height_in)
        )
        return

    sub = ax.annotate(
        subtitle,
        xy=(0, 1),
        xycoords=lead,
        xytext=(0, 4),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=st.NOTE_SIZE,
        color=st.MUTED,
    )
    ax.annotate(
        meta.name,
        xy=(0, 1),
        xycoords=sub,
        xytext=(0, 3),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=st.SUBTITLE_SIZE,
        fontweight="bold",
        color=st.INK,
    )
    root = _root(fig)
    if not any(t.get_gid() == _STAMP_GID for t in root.texts):
        root.supxlabel(meta.stamp(), x=0.99, ha="right", fontsize=st.FOOTER_SIZE, color=st.FAINT)
        root.texts[-1].set_gid(_STAMP_GID)


def _headline(ax: Axes, left: str, right: str = "", right_color: str = st.MUTED):
    """The key figure above the plot (left) and a note (right); returns the left Text."""
    lead = ax.set_title(left, loc="left", fontweight="bold", color=st.INK, fontsize=st.BASE_SIZE)
    if right:
        ax.set_title(right, loc="right", fontsize=st.NOTE_SIZE, color=right_color)
    return lead


# --- layout helpers -----------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    """Wrap at spaces, and inside long names after ``.``, ``_``, ``/`` or ``-``."""
    tokens: list[tuple[str, str]] = []
    for i, word in enumerate(text.split()):
        parts = re.findall(r"[^._/\-]+[._/\-]*|[._/\-]+", word) or [word]
        for j, part in enumerate(parts):
            tokens.append((part, " " if (i > 0 and j == 0) else ""))
    lines: list[str] = []
    line = ""
    for part, sep in tokens:
        if line and len(line) + len(sep) + len(part) > width:
            lines.append(line)
            line = part
        else:
            line = line + sep + part if line else part
    lines.append(line)
    return "\n".join(lines)


def _spread(desired: Sequence[float], sizes: Sequence[float], lo: float, hi: float, gap: float):
    """Centres near ``desired`` for intervals of ``sizes`` that do not overlap.

    Order is kept; overlapping neighbours are merged into clusters centred on
    their members' wishes (least squares) and kept inside ``[lo, hi]``.
    """
    order = np.argsort(np.asarray(desired, dtype=float), kind="stable")
    clusters: list[dict] = []
    for i in order:
        clusters.append({"members": [int(i)], "offsets": [sizes[i] / 2], "width": sizes[i]})
        _place_cluster(clusters[-1], desired, lo, hi)
        while len(clusters) > 1:
            a, b = clusters[-2], clusters[-1]
            if a["start"] + a["width"] + gap <= b["start"]:
                break
            shift = a["width"] + gap
            a["members"] += b["members"]
            a["offsets"] += [o + shift for o in b["offsets"]]
            a["width"] += gap + b["width"]
            clusters.pop()
            _place_cluster(a, desired, lo, hi)
    out = np.empty(len(desired))
    for c in clusters:
        for m, o in zip(c["members"], c["offsets"], strict=True):
            out[m] = c["start"] + o
    return out


def _place_cluster(c: dict, desired, lo: float, hi: float) -> None:
    start = float(np.mean([desired[m] - o for m, o in zip(c["members"], c["offsets"], strict=True)]))
    start = min(start, hi - c["width"])
    c["start"] = max(start, lo)


def _overlaps(a, b, pad: float = 0.0) -> bool:
    return not (
        a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0
    )


# --- distributions ------------------------------------------------------------


def _window(x: np.ndarray, keep: Sequence[float]) -> tuple[float, float, str]:
    """The x-range to draw, and which tail (if any) it cuts.

    A tail is cut at the 0.5th / 99.5th percentile of the values drawn only
    when it stretches the axis by more than a quarter of the middle 99%:
    that is a drawing decision, and the chart says so.
    """
    lo_q, hi_q = (float(v) for v in np.quantile(x, [0.005, 0.995]))
    mn, mx = float(x.min()), float(x.max())
    core = hi_q - lo_q
    cut_left = core > 0 and (lo_q - mn) > 0.25 * core
    cut_right = core > 0 and (mx - hi_q) > 0.25 * core
    lo = lo_q if cut_left else mn
    hi = hi_q if cut_right else mx
    for k in keep:
        if k is not None and math.isfinite(k):
            lo, hi = min(lo, k), max(hi, k)
    span = hi - lo
    if span <= 0:
        half = max(abs(lo) * 0.05, 1e-9 if lo == 0 else abs(lo) * 0.05, 1.0 if lo == 0 else 0)
        lo, hi, span = lo - half, hi + half, 2 * half
    # show break-even when it is close to the data
    if 0 < lo <= 0.3 * span:
        lo = 0.0
    elif -0.3 * span <= hi < 0:
        hi = 0.0
    if cut_left and cut_right:
        cut = "both tails"
    elif cut_left:
        cut = "left tail"
    elif cut_right:
        cut = "right tail"
    else:
        cut = ""
    return lo, hi, cut


def _histogram(ax: Axes, x: np.ndarray, lo: float, hi: float) -> float:
    """Draw the histogram with bars left of 0 in the loss colour; return the tallest bar."""
    n_bins = int(np.clip(np.sqrt(x.size), 12, 80))
    width = (hi - lo) / n_bins
    # bin edges on a grid through 0, so that no bar straddles break-even
    k0, k1 = math.floor(lo / width), math.ceil(hi / width)
    edges = np.arange(k0, k1 + 1) * width
    inside = x[(x >= edges[0]) & (x <= edges[-1])]
    counts, _ = np.histogram(inside, bins=edges)
    split = int(np.clip(-k0, 0, len(counts)))  # index of the edge at 0
    if split > 0:
        ax.stairs(counts[:split], edges[: split + 1], fill=True, color=st.LOSS, lw=0, zorder=2)
    if split < len(counts):
        ax.stairs(counts[split:], edges[split:], fill=True, color=st.MAIN, lw=0, zorder=2)
    return float(counts.max()) if counts.size else 1.0


def _marker_row(
    ax: Axes,
    markers: list[tuple[str, float, str, str, str]],
    peak: float,
) -> None:
    """Vertical marker lines with their labels in one row at the top of the plot.

    ``markers``: (label, x, colour, linestyle, gid). Labels that would collide
    are spread sideways (order kept) and joined to their line by a short
    leader; the y-range is then set so that the bars stay below the leaders.
    """
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    _execute_layout(fig)
    axbb = ax.get_window_extent(renderer)
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    markers = [m for m in markers if m[1] is not None and math.isfinite(m[1])]
    texts = []
    for label, x, color, _, gid in markers:
        texts.append(
            ax.text(
                x,
                0.985,
                label,
                transform=blend,
                ha="center",
                va="top",
                fontsize=st.LABEL_SIZE,
                color=st.INK if color == st.INK else color,
                linespacing=1.2,
                zorder=6,
                gid=f"{gid}-label",
            )
        )
    if not texts:
        ax.set_ylim(0, peak * 1.08)
        return
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((m[1], 0))[0] for m in markers]
    centres = _spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1, _px(fig, 10))
    inverse = ax.transData.inverted()
    label_bottom = 1.0
    for t, c in zip(texts, centres, strict=True):
        t.set_x(inverse.transform((c, 0))[0])
    for b in boxes:
        label_bottom = min(label_bottom, (b.y0 - axbb.y0) / axbb.height)
    knee = label_bottom - _px(fig, 9) / axbb.height
    for (_, x, color, style, gid), t in zip(markers, texts, strict=True):
        ax.axvline(x, 0, knee, color=color, ls=style, lw=1.5, zorder=5, gid=gid)
        lx = t.get_position()[0]
        ax.plot(
            [x, lx],
            [knee, label_bottom + 0.006],
            transform=blend,
            color=color,
            ls="-",
            lw=0.9,
            zorder=5,
            gid=f"{gid}-leader",
        )
    ax.set_ylim(0, peak / max(knee - 0.04, 0.3))


def _distribution(
    fig: Figure,
    ax: Axes,
    values: np.ndarray,
    markers: list[tuple[str, float, str, str, str]],
    keep: Sequence[float],
    xformatter,
    xlabel: str,
    loss_label: str,
    extra_note: str = "",
) -> None:
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(xformatter)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    if x.size == 0:
        ax.text(0.5, 0.5, "No finite values to draw", transform=ax.transAxes, ha="center")
        return
    lo, hi, cut = _window(x, [m[1] for m in markers] + list(keep))
    pad = 0.03 * (hi - lo)
    left, right = lo - pad, hi + pad
    if left < 0:
        ax.axvspan(left, min(0.0, right), color=st.LOSS_SHADE, lw=0, zorder=0)
    peak = _histogram(ax, x, lo, hi)
    ax.set_xlim(left, right)
    notes = []
    if left < 0:
        notes.append(loss_label)
    if cut:
        where = {"left tail": "0.5th", "right tail": "99.5th", "both tails": "0.5th/99.5th"}[cut]
        notes.append(f"{cut.capitalize()} cut at {where} percentile")
    if extra_note:
        notes.append(extra_note)
    ax.set_title("  ·  ".join(notes), loc="right", fontsize=st.NOTE_SIZE, color=st.MUTED)
    _marker_row(ax, markers, peak)


def _percentile_markers(stats: Mapping, fmt: Callable[[float], str]):
    out = []
    for key, style in (("p10", "--"), ("p50", "-"), ("p90", "--")):
        value = stats.get(key)
        if value is None:
            continue
        value = float(value)
        out.append((f"{key.upper()}\n{fmt(value)}", value, st.INK, style, f"marker-{key}"))
    return out


@_styled
def npv_distribution(
    npv: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Histogram of NPV across trials.

    The loss region (NPV < 0) is shaded, P10 / P50 / P90 (from
    ``summary["metrics"]["npv"]``) are marked with their values, and
    P(NPV > 0) (``summary["probabilities"]["npv_positive"]``) heads the plot.
    A long tail is cut at the 0.5th / 99.5th percentile of the values drawn,
    with a note saying so.

    Parameters
    ----------
    npv : per-trial NPV; non-finite values are not drawn.
    summary : the summary.json dict of the same run.
    meta : what the chart says about the run.
    ax : draw here instead of on a new figure.
    subtitle : replaces the default subtitle.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    stats = summary["metrics"]["npv"]
    p_pos = summary["probabilities"]["npv_positive"]
    markers = _percentile_markers(stats, lambda v: st.format_money(v, cur, minus=st.MINUS))
    lead = _headline(ax, f"P(NPV > 0) = {st.format_probability(p_pos)}")
    _distribution(
        fig,
        ax,
        npv,
        markers,
        [],
        st.MoneyFormatter(cur),
        f"Net present value ({cur})",
        "Shaded: loss (NPV < 0)",
    )
    _frame(fig, ax, owned, meta, subtitle or f"Net present value · {meta.run_description()}", lead)
    return fig


@_styled
def roi_distribution(
    roi: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Histogram of ROI (NPV / PV of costs) across trials, in percent.

    Trials with an undefined ROI (NaN: no cost) are not drawn, and a note
    says how many. P10 / P50 / P90 come from ``summary["metrics"]["roi"]``;
    ``meta.target_roi`` is drawn where set, with
    ``summary["probabilities"]["roi_at_least_target"]`` heading the plot.
    Parameters and return as :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    roi = np.asarray(roi, dtype=float).ravel()
    undefined = int(np.count_nonzero(~np.isfinite(roi)))
    stats = summary["metrics"]["roi"]
    probs = summary["probabilities"]
    markers = _percentile_markers(stats, lambda v: st.format_percent(v, minus=st.MINUS))
    target = meta.target_roi
    keep = []
    if target is not None:
        tlabel = f"Target\n{st.format_percent(target, minus=st.MINUS)}"
        markers.append((tlabel, float(target), st.TARGET, "-", "marker-target"))
        keep.append(float(target))
        p_t = probs.get("roi_at_least_target")
        head = (
            f"P(ROI ≥ {st.format_percent(target, minus=st.MINUS)} target) = "
            f"{st.format_probability(p_t)}"
        )
    else:
        head = f"P(ROI > 0) = {st.format_probability(probs['npv_positive'])}"
    lead = _headline(ax, head)
    note = ""
    if undefined:
        trials = "trial" if undefined == 1 else "trials"
        note = f"{undefined:,} {trials} with no cost (ROI undefined) not shown"
    _distribution(
        fig,
        ax,
        roi,
        markers,
        keep,
        st.PercentFormatter(),
        "Return on investment (NPV / PV of costs)",
        "Shaded: loss (ROI < 0)",
        note,
    )
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle or f"Return on investment · {meta.run_description()}",
        lead,
    )
    return fig


# --- payback ------------------------------------------------------------------


def _month_locator(span: float) -> MultipleLocator:
    for step in (1, 3, 6, 12, 24, 60, 120):
        if span / step <= 12:
            return MultipleLocator(step)
    return MultipleLocator(240)


def _fmt_month(m: float) -> str:
    return f"{m:g}" if float(m).is_integer() else f"{m:.1f}"


@_styled
def payback_curve(
    months: np.ndarray,
    prob_paid_back: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Probability of having paid back by month m, as a step curve.

    ``prob_paid_back[i]`` is the share of trials paid back (undiscounted) by
    the end of ``months[i]``. The target month (``meta.target_payback_months``)
    is marked with ``summary["probabilities"]["payback_within_target"]``, and
    the share that never pays back within the horizon
    (1 - ``payback_within_horizon``) is stated and bracketed at the right.
    Parameters and return as :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    months = np.asarray(months, dtype=float).ravel()
    prob = np.asarray(prob_paid_back, dtype=float).ravel()
    probs = summary["probabilities"]
    horizon = meta.horizon_months
    target = meta.target_payback_months
    p_target = probs.get("payback_within_target")
    p_horizon = probs.get("payback_within_horizon")

    sx = np.repeat(months, 2)[1:]
    sy = np.repeat(prob, 2)[:-1]
    ax.fill_between(sx, 0, sy, color=st.MAIN, alpha=0.10, lw=0, zorder=1)
    ax.plot(sx, sy, color=st.MAIN, lw=2.4, zorder=3, gid="payback-curve")

    x_max = float(max(horizon, months.max() if months.size else horizon))
    if target is not None and math.isfinite(target):
        x_max = max(x_max, float(target))
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 1.0)
    ax.margins(y=0)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(MultipleLocator(0.25))
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.xaxis.set_major_locator(_month_locator(x_max))
    ax.grid(axis="y")
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel("Share of trials paid back")

    if target is not None and p_target is not None:
        head = (
            f"{st.format_probability(p_target)} paid back within the "
            f"{_fmt_month(target)}-month target"
        )
    else:
        p50 = summary.get("metrics", {}).get("payback_months", {}).get("p50")
        head = f"Median payback: {st.format_months(p50, horizon)}"
    right = ""
    if p_horizon is not None:
        never = 1.0 - float(p_horizon)
        right = f"{st.format_probability(never)} never pay back within {horizon} months"
    lead = _headline(ax, head, right, right_color=st.LOSS)
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Chance of having recovered the investment by each month "
            f"(undiscounted cumulative cash flow) · {meta.run_description()}"
        ),
        lead,
    )

    if p_horizon is not None and float(p_horizon) < 0.995:
        # the never-paid-back share, bracketed above the curve's end
        ph = float(p_horizon)
        xb = float(months.max()) if months.size else float(horizon)
        ax.annotate(
            "",
            xy=(xb, 1.0),
            xytext=(xb, ph),
            arrowprops={"arrowstyle": "|-|,widthA=0.3,widthB=0.3", "color": st.LOSS, "lw": 1.4},
            zorder=4,
        )

    if target is not None and p_target is not None and math.isfinite(target):
        pt = float(p_target)
        tx = float(target)
        guide = {"color": st.TARGET, "lw": 1.3, "ls": (0, (3, 2)), "zorder": 4}
        ax.plot([tx, tx], [0, pt], gid="target-vline", **guide)
        ax.plot([0, tx], [pt, pt], gid="target-hline", **guide)
        ax.plot(
            [tx], [pt], "o", ms=8, color=st.TARGET, mec="white", mew=1.5, zorder=6, gid="target"
        )
        _label_point(
            ax,
            tx,
            pt,
            f"{st.format_probability(pt)} by month {_fmt_month(tx)}\n(target)",
            avoid=[(sx, sy), ([tx, tx], [0, pt]), ([0, tx], [pt, pt])],
        )
    return fig


def _label_point(ax: Axes, x: float, y: float, text: str, avoid) -> None:
    """Label a point on the first side where the text hits no line and stays inside."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    _execute_layout(fig)
    axbb = ax.get_window_extent(renderer)
    paths = []
    for xs, ys in avoid:
        pts = ax.transData.transform(np.column_stack([xs, ys]))
        paths.append(_densify(pts, _px(fig, 2)))
    candidates = [
        ((-10, 10), "right", "bottom"),
        ((10, -10), "left", "top"),
        ((10, 10), "left", "bottom"),
        ((-10, -10), "right", "top"),
        ((12, 0), "left", "center"),
        ((-12, 0), "right", "center"),
    ]
    best = None
    for offset, ha, va in candidates:
        t = ax.annotate(
            text,
            xy=(x, y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=st.LABEL_SIZE,
            fontweight="bold",
            color=st.TARGET,
            zorder=7,
            gid="target-label",
        )
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        inside = (
            bb.x0 >= axbb.x0 and bb.x1 <= axbb.x1 and bb.y0 >= axbb.y0 and bb.y1 <= axbb.y1 + 2
        )
        hits = sum(_count_inside(bb, p) for p in paths)
        score = (not inside, hits)
        if score == (False, 0):
            return
        if best is None or score < best[0]:
            if best is not None:
                best[1].remove()
            best = (score, t)
        else:
            t.remove()


def _count_inside(bb, pts: np.ndarray) -> int:
    x, y = pts[:, 0], pts[:, 1]
    return int(np.count_nonzero((x >= bb.x0) & (x <= bb.x1) & (y >= bb.y0) & (y <= bb.y1)))


def _densify(pts: np.ndarray, step: float) -> np.ndarray:
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(int(np.hypot(*(b - a)) / step), 1)
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


# --- cash flow fan --------------------------------------------------------------


@_styled
def cashflow_fan(
    months: np.ndarray,
    bands: Mapping[str, np.ndarray],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    discounted: bool = False,
    subtitle: str | None = None,
) -> Figure:
    """Cumulative net cash flow by month: P10-P90 and P25-P75 bands, median line.

    ``bands`` maps ``"p10", "p25", "p50", "p75", "p90"`` to arrays over
    ``months`` (0..T). The investment shows as the dip below the zero line;
    the value of each band at the horizon is written at the right.
    ``discounted`` only changes the wording. Parameters and return as
    :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    m = np.asarray(months, dtype=float).ravel()
    b = {k: np.asarray(bands[k], dtype=float).ravel() for k in ("p10", "p25", "p50", "p75", "p90")}
    ax.fill_between(m, b["p10"], b["p90"], color=st.BAND_OUTER, lw=0, zorder=1, gid="band-p10-p90")
    ax.fill_between(m, b["p25"], b["p75"], color=st.BAND_INNER, lw=0, zorder=2, gid="band-p25-p75")
    ax.axhline(0, color=st.INK, lw=1.0, zorder=3)
    ax.plot(m, b["p50"], color=st.MAIN, lw=2.6, zorder=4, gid="median")
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.xaxis.set_major_locator(_month_locator(float(m.max() - m.min())))
    ax.yaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y")
    ax.set_xlabel("Months from the decision")
    kind = "discounted" if discounted else "undiscounted"
    ax.set_ylabel(f"Cumulative net cash flow ({cur})")
    lead = _headline(ax, "")
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            f"Cumulative net cash flow by month ({kind}): median, "
            f"50% band (P25–P75) and 80% band (P10–P90) · {meta.run_description()}"
        ),
        lead,
    )
    _end_labels(ax, m, b, cur)
    return fig


def _end_labels(ax: Axes, m: np.ndarray, b: Mapping[str, np.ndarray], cur: str) -> None:
    """Label each band's value at the horizon, to the right of the plot, spread apart."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    names = [("p90", "P90"), ("p75", "P75"), ("p50", "Median"), ("p25", "P25"), ("p10", "P10")]
    x_end = float(m[-1])
    # make room for the labels first (their width is known before their place)
    probe = [
        ax.annotate(
            f"{label} {st.format_money(b[k][-1], cur, minus=st.MINUS)}",
            xy=(x_end, float(b[k][-1])),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=st.LABEL_SIZE,
            fontweight="bold" if k == "p50" else "normal",
            color=st.MAIN if k == "p50" else st.MUTED,
            annotation_clip=False,
            gid=f"end-{k}",
        )
        for k, label in names
    ]
    _execute_layout(fig)
    axbb = ax.get_window_extent(renderer)
    heights = [t.get_window_extent(renderer).height for t in probe]
    want = [ax.transData.transform((x_end, float(b[k][-1])))[1] for k, _ in names]
    lo = axbb.y0 - 0.5 * heights[0]
    hi = axbb.y1 + 0.5 * heights[0]
    centres = _spread(want, heights, lo, hi, _px(fig, 1))
    scale = 72.0 / fig.dpi
    for t, w, c in zip(probe, want, centres, strict=True):
        dy = (c - w) * scale
        t.xyann = (14 if abs(dy) > 2 else 8, dy)
        if abs(dy) > 2:
            t.arrow_patch = None
            ax.annotate(
                "",
                xy=t.xy,
                xytext=(12, dy),
                textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": st.FAINT, "lw": 0.8, "shrinkA": 0},
                annotation_clip=False,
            )


# --- tornado --------------------------------------------------------------------

_METRICS = {
    "npv": ("NPV", "Net present value"),
    "roi": ("ROI", "Return on investment"),
    "payback_months": ("Payback", "Payback period"),
}


def _metric_format(metric: str, currency: str, horizon: int):
    if metric == "npv":
        return (
            lambda v: st.format_money(v, currency, minus=st.MINUS),
            st.MoneyFormatter(currency),
            f"Net present value ({currency})",
        )
    if metric == "roi":
        return (
            lambda v: st.format_percent(v, minus=st.MINUS),
            st.PercentFormatter(),
            "Return on investment",
        )
    if metric == "payback_months":
        return (
            lambda v: st.format_months(v, horizon),
            st.NumberFormatter(" mo"),
            "Payback (months, undiscounted)",
        )
    raise ValueError(f"{metric!r} is not a tornado metric. It must be one of {sorted(_METRICS)}")


@_styled
def tornado(
    rows: Sequence[Mapping],
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_rows: int = 12,
    subtitle: str | None = None,
) -> Figure:
    """One-at-a-time sensitivity: the metric with each input at its low and high quantile.

    ``rows`` are sensitivity.json's tornado rows, sorted by swing, largest
    first; the first is drawn at the top. Each bar runs from ``base_metric``
    to ``metric_low`` (input at its low quantile) or ``metric_high`` and is
    labelled at its end with the input's value there. At most ``max_rows``
    rows are drawn; a note counts the rest. ``metric`` is ``"npv"``,
    ``"roi"`` or ``"payback_months"``; a payback beyond the horizon (None or
    inf) is drawn to the horizon, hatched.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, xlabel = _metric_format(metric, meta.currency, meta.horizon_months)
    shown = list(rows[: max(int(max_rows), 0)])
    hidden = len(rows) - len(shown)
    n = len(shown)
    height = max(st.FIGSIZE[1], 1.9 + 0.3 * (n + (1 if hidden else 0)))
    fig, ax, owned = _start(ax, figsize=(st.FIGSIZE[0], height))
    short = _METRICS[metric][0]
    q_lo = float(shown[0]["low_q"]) if shown else 0.1
    q_hi = float(shown[0]["high_q"]) if shown else 0.9
    low_name, high_name = st.format_quantile(q_lo), st.format_quantile(q_hi)

    def clean(v):
        if v is None or not math.isfinite(float(v)):
            return float(meta.horizon_months), True
        return float(v), False

    base = float(base_metric) if base_metric is not None else float(meta.horizon_months)
    ends = [base]
    labels = []
    beyond = False
    for i, row in enumerate(shown):
        lo_v, lo_open = clean(row["metric_low"])
        hi_v, hi_open = clean(row["metric_high"])
        beyond |= lo_open or hi_open
        d_lo = np.sign(lo_v - base) or (-1.0 if hi_v >= base else 1.0)
        d_hi = np.sign(hi_v - base) or -d_lo
        split = d_lo == d_hi
        for v, d, open_, color, q_value, which in (
            (lo_v, d_lo, lo_open, st.LOW, row["low_value"], "low"),
            (hi_v, d_hi, hi_open, st.HIGH, row["high_value"], "high"),
        ):
            if split:
                y, h = (i - 0.19, 0.36) if which == "low" else (i + 0.19, 0.36)
            else:
                y, h = i, 0.66
            ax.barh(
                y,
                v - base,
                left=base,
                height=h,
                color=color,
                lw=0,
                hatch="///" if open_ else None,
                edgecolor="white",
                zorder=3,
                gid=f"bar-{i}-{which}",
            )
            labels.append(
                ax.annotate(
                    st.format_number(q_value, minus=st.MINUS),
                    xy=(v, y),
                    xytext=(5 * d, 0),
                    textcoords="offset points",
                    ha="left" if d > 0 else "right",
                    va="center",
                    fontsize=st.LABEL_SIZE - 1,
                    color=st.TEXT,
                    zorder=5,
                    annotation_clip=False,
                    gid=f"value-{i}-{which}",
                )
            )
            ends.append(v)

    ax.axvline(base, color=st.INK, lw=1.3, zorder=4, gid="base")
    ax.set_yticks(range(n), [_wrap(str(r["input"]), 30) for r in shown])
    ax.set_ylim(n - 0.5 + (0.9 if hidden else 0), -0.6)  # inverted: first row on top
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_formatter(axis_fmt)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="x")
    ax.set_xlabel(xlabel)
    if hidden:
        ax.text(
            0.0,
            n + 0.15,
            f"+ {hidden} more input{'s' if hidden > 1 else ''} with smaller swings not shown",
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="left",
            va="center",
            fontsize=st.NOTE_SIZE,
            fontstyle="italic",
            color=st.MUTED,
            gid="cut-note",
        )
    if n == 0:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")

    lo, hi = min(ends), max(ends)
    span = hi - lo or max(abs(base) * 0.1, 1.0)
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)

    handles = [Patch(color=st.LOW), Patch(color=st.HIGH)]
    legend_labels = [f"input at {low_name}", f"input at {high_name}"]
    right_notes = []
    if beyond:
        right_notes.append(f"Hatched: no payback within {meta.horizon_months} months")
    lead = _headline(ax, "", "  ·  ".join(right_notes))
    what = _METRICS[metric][1]
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            f"{what} with one input at its {low_name} or {high_name}, "
            f"all others at their median · {meta.run_description()}"
        ),
        lead,
    )
    _fit_tick_labels(ax, n)
    _fit_xlim(ax, labels)
    base_text = ax.annotate(
        f"Base case {value_fmt(base)}",
        xy=(base, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 5),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=st.LABEL_SIZE,
        fontweight="bold",
        color=st.INK,
        gid="base-label",
    )
    _place_legend(ax, handles, legend_labels, base_text)
    _ = short
    return fig


def _fit_tick_labels(ax: Axes, n: int) -> None:
    """Shrink the input names just enough that wrapped names do not touch."""
    if n == 0:
        return
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    _execute_layout(fig)
    pitch = ax.transData.transform((0, 0))[1] - ax.transData.transform((0, 1))[1]
    pitch_pt = abs(pitch) * 72.0 / fig.dpi
    lines = max(t.get_text().count("\n") + 1 for t in ax.get_yticklabels())
    size = min(st.BASE_SIZE, pitch_pt * 0.85 / (lines * 1.2))
    if size < st.BASE_SIZE:
        for t in ax.get_yticklabels():
            t.set_fontsize(max(size, 7))
            t.set_linespacing(1.05)
    _ = renderer


def _fit_xlim(ax: Axes, labels: Sequence) -> None:
    """Widen the x-range until every bar-end label sits inside the plot."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    margin = _px(fig, 4)
    for _ in range(6):
        _execute_layout(fig)
        axbb = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in labels]
        if not boxes:
            return
        over_left = max(0.0, max(axbb.x0 + margin - bb.x0 for bb in boxes))
        over_right = max(0.0, max(bb.x1 - (axbb.x1 - margin) for bb in boxes))
        if over_left < 0.5 and over_right < 0.5:
            return
        x0, x1 = ax.get_xlim()
        per_px = (x1 - x0) / axbb.width
        free = axbb.width - over_left - over_right
        per_px = (x1 - x0) / max(free, axbb.width * 0.3)
        ax.set_xlim(x0 - over_left * per_px * 1.05, x1 + over_right * per_px * 1.05)


def _place_legend(ax: Axes, handles, labels, avoid) -> None:
    """The legend above the plot, on the side away from ``avoid`` (the base label)."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    for loc, anchor in (("lower right", (1.0, 1.0)), ("lower left", (0.0, 1.0))):
        leg = ax.legend(
            handles,
            labels,
            loc=loc,
            bbox_to_anchor=anchor,
            ncols=2,
            borderaxespad=0.2,
            columnspacing=1.2,
            handletextpad=0.5,
        )
        _execute_layout(fig)
        if not _overlaps(leg.get_window_extent(renderer), avoid.get_window_extent(renderer), 6):
            return
    # neither side is free: the base label moves up above the legend
    avoid.xyann = (0, 5 + leg.get_window_extent(renderer).height * 72.0 / fig.dpi)


# --- waterfall ------------------------------------------------------------------


@_styled
def waterfall(
    items: Sequence[tuple[str, float]],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    total_label: str = "NPV",
    subtotal: bool = True,
    subtitle: str | None = None,
) -> Figure:
    """Present value of each benefit line (up) and cost line (down), ending in NPV.

    ``items`` are (label, present value) in order: benefits positive, costs
    negative. When all benefits come before all costs and there are two or
    more, a "Gross benefits" bar is drawn between them (``subtotal``). The
    last bar is the total, ``total_label``. Every bar carries its value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    vals = [float(v) for _, v in items]
    signs = [v >= 0 for v in vals]
    n_pos = sum(signs)
    with_sub = (
        subtotal
        and n_pos >= 2
        and n_pos < len(vals)
        and all(signs[:n_pos])
        and not any(signs[n_pos:])
    )
    bars: list[tuple[str, float, float, str, str]] = []  # label, bottom, top, colour, kind
    running = 0.0
    for i, (label, v) in enumerate(zip((lab for lab, _ in items), vals, strict=True)):
        if with_sub and i == n_pos:
            bars.append(("Gross benefits", 0.0, running, st.TOTAL, "total"))
        bars.append((str(label), running, running + v, st.MAIN if v >= 0 else st.LOSS, "step"))
        running += v
    bars.append((total_label, 0.0, running, st.TOTAL, "total"))

    xs = np.arange(len(bars))
    labels = []
    fmt = lambda v: st.format_money(v, cur, minus=st.MINUS)  # noqa: E731
    for x, (label, b0, b1, color, kind) in zip(xs, bars, strict=True):
        lo, hi = min(b0, b1), max(b0, b1)
        ax.bar(x, hi - lo, bottom=lo, width=0.66, color=color, lw=0, zorder=3, gid=f"bar-{x}")
        delta = b1 - b0
        up = delta >= 0
        text = fmt(b1) if kind == "total" else ("+" if delta > 0 else "") + fmt(delta)
        labels.append(
            ax.annotate(
                text,
                xy=(x, hi if up else lo),
                xytext=(0, 4 if up else -4),
                textcoords="offset points",
                ha="center",
                va="bottom" if up else "top",
                fontsize=st.LABEL_SIZE,
                fontweight="bold" if kind == "total" else "normal",
                color=st.INK,
                zorder=5,
                annotation_clip=False,
                gid=f"value-{x}",
            )
        )
    for x in xs[:-1]:
        level = bars[x][2]
        ax.plot(
            [x + 0.33, x + 1 - 0.33],
            [level, level],
            color=st.FAINT,
            lw=0.9,
            ls=(0, (2, 2)),
            zorder=2,
        )
    ax.axhline(0, color=st.INK, lw=1.0, zorder=4)
    ax.yaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y")
    ax.set_ylabel(f"Present value ({cur})")
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, len(bars) - 0.4)
    levels = [0.0] + [b[1] for b in bars] + [b[2] for b in bars]
    lo, hi = min(levels), max(levels)
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span)

    lead = _headline(ax, "")
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Present value of each benefit and cost line, from gross benefits to NPV · "
            f"{meta.run_description()}"
        ),
        lead,
    )
    _set_category_labels(ax, [b[0] for b in bars])
    _fit_ylim(ax, labels)
    return fig


def _set_category_labels(ax: Axes, names: Sequence[str]) -> None:
    """Category names under the bars, wrapped to the bar slot and shrunk if needed."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    _execute_layout(fig)
    slot_px = ax.get_window_extent(renderer).width / max(len(names), 1)
    size = st.BASE_SIZE if len(names) <= 8 else max(st.BASE_SIZE - (len(names) - 8), 9)
    chars = max(int(slot_px * 0.92 / _px(fig, size * 0.6)), 6)
    ax.set_xticks(range(len(names)), [_wrap(nm, chars) for nm in names], fontsize=size)
    for _ in range(3):
        ticks = ax.get_xticklabels()
        widest = max(t.get_window_extent(renderer).width for t in ticks)
        if widest <= slot_px * 0.96 or size <= 8:
            break
        size -= 1
        for t in ticks:
            t.set_fontsize(size)


def _fit_ylim(ax: Axes, labels: Sequence) -> None:
    """Extend the y-range until every bar label sits inside the plot."""
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    margin = _px(fig, 3)
    for _ in range(6):
        _execute_layout(fig)
        axbb = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in labels]
        over_bottom = max(0.0, max(axbb.y0 + margin - bb.y0 for bb in boxes))
        over_top = max(0.0, max(bb.y1 - (axbb.y1 - margin) for bb in boxes))
        if over_bottom < 0.5 and over_top < 0.5:
            return
        y0, y1 = ax.get_ylim()
        free = axbb.height - over_bottom - over_top
        per_px = (y1 - y0) / max(free, axbb.height * 0.3)
        ax.set_ylim(y0 - over_bottom * per_px * 1.05, y1 + over_top * per_px * 1.05)


# --- files ----------------------------------------------------------------------

_SAVE_OPTIONS = {
    # No dates and no software versions in the files: the same figure gives
    # the same bytes, and a re-run that changed nothing changes no file.
    "png": {"metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None, "Creator": "simulate"}},
    "pdf": {
        "metadata": {"CreationDate": None, "ModDate": None, "Creator": "simulate", "Producer": None}
    },
}


def save(
    fig: Figure,
    path_without_suffix: Path | str,
    formats: Sequence[str] = ("png",),
    *,
    dpi: int = st.PNG_DPI,
) -> list[Path]:
    """Write ``fig`` once per format (``png``, ``svg``, ``pdf``); return the paths.

    Each file is written next to its final name and moved into place, so a
    failure never leaves half a file. PNG is written at ``dpi`` (at least 200).
    Output is deterministic: the same figure gives byte-identical files.

    Raises
    ------
    simulate.errors.ConfigError
        For a format that is not one of :data:`FORMATS`.
    """
    wanted = [str(f).strip().lower().lstrip(".") for f in formats]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ConfigError(
            f"{bad[0]!r} is not a figure format. It must be one of {', '.join(FORMATS)}",
            path="format",
        )
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with mpl.rc_context(st.RC):
        for fmt in dict.fromkeys(wanted):
            target = base.with_name(f"{base.name}.{fmt}")
            tmp = target.with_name(f".{target.name}.part")
            try:
                fig.savefig(
                    tmp,
                    format=fmt,
                    dpi=max(int(dpi), st.PNG_DPI) if fmt == "png" else 72,
                    facecolor="white",
                    **_SAVE_OPTIONS[fmt],
                )
                os.replace(tmp, target)
            finally:
                if tmp.exists():
                    tmp.unlink()
            written.append(target)
    return written
