"""Charts of a finished run, for slides and PDFs.

Every function takes finished results (per-trial arrays, the ``summary``
dict written as summary.json, sensitivity rows) and a :class:`ChartMeta`,
draws into ``ax`` or a new 16:9 :class:`~matplotlib.figure.Figure`, and
returns the Figure. Nothing here computes a statistic: percentiles and
probabilities are read from ``summary``; binning a histogram, clipping an
axis or stacking a waterfall is drawing. Nothing touches pyplot or the
global backend; the house style is applied with ``rc_context`` under a lock,
so charts can be drawn from threads (one at a time) and worker processes.

A chart drawn on its own figure carries the config's name as its title, a
subtitle that says what it shows and a footer stamp (tool version, trials,
seed, sampling, config hash) so that a chart pasted into a deck can be traced
to its run. :func:`save` writes PNG, SVG or PDF files that are byte-identical
for the same figure.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import transforms as mtransforms
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, MultipleLocator, NullLocator
from matplotlib.transforms import Bbox, blended_transform_factory

from simulate import _style as st
from simulate.errors import ConfigError

__all__ = [
    "FORMATS",
    "ChartMeta",
    "PortfolioMeta",
    "PortfolioPoint",
    "cashflow_fan",
    "npv_distribution",
    "payback_curve",
    "risk_return",
    "roi_distribution",
    "save",
    "scenario_cdfs",
    "spider",
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
_HEADER_BELOW = 0.12  # between the header block and the plot
_FOOTER_GAP = 0.04  # between the notes line and the stamp
_STAMP_GID = "simulate-stamp"


# rc_context swaps matplotlib's global settings for the duration of a chart;
# the lock keeps two threads from swapping them under each other.
_RC_LOCK = threading.RLock()


def _styled(func):
    """Run a chart function under the house style without leaking it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _RC_LOCK, mpl.rc_context(st.RC):
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
        # a caller's Axes was made outside the house style: apply what matters
        ax.spines[["top", "right"]].set_visible(False)
        ax.spines[["left", "bottom"]].set_color(st.SPINE)
        ax.tick_params(colors=st.SPINE, labelcolor=st.TEXT, labelsize=st.BASE_SIZE)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.label.set_size(st.BASE_SIZE)
        ax.yaxis.label.set_size(st.BASE_SIZE)
        ax.set_axisbelow(True)
        return ax.get_figure(root=True), ax, False
    fig = Figure(figsize=figsize or st.FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=_PAD_X, h_pad=0.04, hspace=0, wspace=0)
    return fig, fig.add_subplot(), True


def _fit_width(text, max_px: float, renderer) -> None:
    """Wrap a Text into balanced lines no wider than ``max_px`` (no lone last word)."""
    original = text.get_text()
    width = text.get_window_extent(renderer).width
    if width <= max_px:
        return
    n_lines = math.ceil(width / max_px)
    while n_lines <= 6:
        chars = math.ceil(len(original) / n_lines * 1.08)
        text.set_text(_wrap(original, chars))
        if text.get_window_extent(renderer).width <= max_px:
            return
        n_lines += 1


class _Frame:
    """Title block, notes and footer stamp around the plot of an owned figure.

    They are anchored in inches from the top and bottom edges, so the figure
    can grow (a tornado with long names) without moving them; the plot is
    laid out in the rectangle between.
    """

    def __init__(self, fig: Figure, meta: ChartMeta, subtitle: str, notes: Sequence[str]):
        self.fig = fig
        self.renderer = _renderer(fig)
        width_in = fig.get_size_inches()[0]
        self.x0 = _PAD_X / width_in
        self.max_px = (width_in - 2 * _PAD_X) * fig.dpi
        title = self._text(meta.name, -_PAD_TOP, "top", st.TITLE_SIZE, st.INK, fontweight="bold")
        y = _PAD_TOP + self._height(title) + _HEADER_GAP
        sub = self._text(subtitle, -y, "top", st.SUBTITLE_SIZE, st.MUTED)
        self.top_in = y + self._height(sub) + _HEADER_BELOW
        self.stamp = self._text(
            meta.stamp(), 0.0, "bottom", st.FOOTER_SIZE, st.FAINT, gid=_STAMP_GID
        )
        self.notes_text = None
        self.notes: list[str] = []
        self.set_notes(notes)

    def _text(self, s, dy_in, va, size, color, **kw):
        y0 = 1.0 if va == "top" else 0.0
        trans = mtransforms.offset_copy(
            self.fig.transFigure, fig=self.fig, x=0, y=dy_in, units="inches"
        )
        t = self.fig.text(
            self.x0, y0, s, transform=trans, ha="left", va=va, fontsize=size, color=color, **kw
        )
        _fit_width(t, self.max_px, self.renderer)
        return t

    def _height(self, t) -> float:
        return t.get_window_extent(self.renderer).height / self.fig.dpi if t.get_text() else 0.0

    def set_notes(self, notes: Sequence[str]) -> None:
        self.notes = [n for n in notes if n]
        if self.notes_text is not None:
            self.notes_text.remove()
            self.notes_text = None
        stamp_h = self._height(self.stamp)
        self.stamp.set_transform(
            mtransforms.offset_copy(
                self.fig.transFigure, fig=self.fig, x=0, y=_PAD_BOTTOM, units="inches"
            )
        )
        bottom = _PAD_BOTTOM + stamp_h + 0.06
        if self.notes:
            text = "Note: " + "; ".join(self.notes) + "."
            self.notes_text = self._text(
                text, bottom - 0.02, "bottom", st.NOTE_SIZE - 1, st.MUTED, gid="notes"
            )
            bottom += self._height(self.notes_text) + _FOOTER_GAP
        self.bottom_in = bottom
        self.apply()

    def apply(self) -> None:
        height = self.fig.get_size_inches()[1]
        self.fig.get_layout_engine().set(
            rect=(0, self.bottom_in / height, 1, 1 - (self.top_in + self.bottom_in) / height)
        )

    def set_height(self, height_in: float) -> None:
        self.fig.set_size_inches(self.fig.get_size_inches()[0], height_in)
        self.apply()


def _frame(
    fig: Figure,
    ax: Axes,
    owned: bool,
    meta: ChartMeta,
    subtitle: str,
    head: str = "",
    aside: str = "",
    aside_color: str = st.MUTED,
    notes: Sequence[str] = (),
    above: Sequence = (),
) -> _Frame | None:
    """Title, subtitle, key figure, aside, notes and footer stamp; then lay out.

    ``head`` (the chart's key figure, bold) and ``aside`` (a short note) sit
    just above the plot, left and right; an aside that would collide with the
    key figure joins the notes. On a figure of its own, the title block sits
    at the top-left and the notes and stamp at the bottom-left. On a caller's
    Axes, the title and subtitle stack above the key figure, notes join the
    aside, and the stamp becomes the figure's x super-label, once per figure.
    """
    lead = ax.set_title(head, loc="left", fontweight="bold", color=st.INK, fontsize=st.BASE_SIZE)
    if not owned:
        _caller_frame(fig, ax, meta, subtitle, lead, aside, aside_color, notes, above)
        return None

    frame = _Frame(fig, meta, subtitle, notes)
    if aside:
        right = ax.set_title(aside, loc="right", fontsize=st.NOTE_SIZE, color=aside_color)
        _execute_layout(fig)
        renderer = _renderer(fig)
        if head and _overlaps(
            lead.get_window_extent(renderer), right.get_window_extent(renderer), _px(fig, 12)
        ):
            right.set_text("")
            frame.set_notes([aside, *frame.notes])
        else:
            return frame
    _execute_layout(fig)
    return frame


def _caller_frame(fig, ax, meta, subtitle, lead, aside, aside_color, notes, above) -> None:
    """The frame on a caller's Axes: header stacked above it, notes under its x-axis.

    Texts are wrapped to the Axes' width as laid out, so the layout runs
    twice: once to find that width, once with the wrapped texts.
    """
    renderer = _renderer(fig)
    stack = [lead, *above]
    right = None
    if aside:
        right = ax.set_title(aside, loc="right", fontsize=st.NOTE_SIZE, color=aside_color)

    def header_anchor(renderer, _stack=stack):
        # the header sits on top of the key figure and whatever else is above the plot,
        # from the left edge of the y tick labels
        boxes = [a.get_window_extent(renderer) for a in _stack if a.get_visible()]
        top = max(b.y1 for b in boxes)
        left = _left_edge(ax, renderer)
        return Bbox.from_extents(left, top - 1, left + 1, top)

    texts = {"subtitle": subtitle, "name": meta.name}
    sub = ax.annotate(
        "",
        xy=(0, 1),
        xycoords=header_anchor,
        xytext=(0, 4),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=st.NOTE_SIZE,
        color=st.MUTED,
    )
    name = ax.annotate(
        "",
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
        label = root.supxlabel(
            meta.stamp(), x=0.99, ha="right", fontsize=st.FOOTER_SIZE, color=st.FAINT
        )
        label.set_gid(_STAMP_GID)
    if right is not None:
        right.set_visible(False)
    lead_text = lead.get_text()
    lead.set_text("")
    _execute_layout(fig)  # the Axes' width, before any long text can squeeze it
    left = _left_edge(ax, renderer)
    max_px = ax.bbox.x1 - left
    lead.set_text(lead_text)
    _fit_width(lead, ax.bbox.width, renderer)
    if right is not None:
        right.set_visible(True)
        free = ax.bbox.width - lead.get_window_extent(renderer).width - _px(fig, 16)
        if right.get_window_extent(renderer).width <= free:
            stack.append(right)
        else:  # no room beside the key figure: it joins the notes
            right.set_text("")
            notes = [aside, *notes]
    if notes:
        _notes_below(ax, "Note: " + "; ".join(notes) + ".", max_px, renderer)
    sub.set_text(texts["subtitle"])
    _fit_width(sub, max_px, renderer)
    name.set_text(texts["name"])
    _fit_width(name, max_px, renderer)
    _execute_layout(fig)


def _left_edge(ax: Axes, renderer) -> float:
    """Where a caller's Axes begins on the left: its y tick labels, or its frame."""
    bbox = ax.yaxis.get_tightbbox(renderer)
    return min(bbox.x0, ax.bbox.x0) if bbox is not None else ax.bbox.x0


def _notes_below(ax: Axes, text: str, max_px: float, renderer) -> None:
    """A note under the x-axis (tick labels and label included) of a caller's Axes."""

    def below_axis(renderer, ax=ax):
        bottom = ax.xaxis.get_tightbbox(renderer).y0
        left = _left_edge(ax, renderer)
        return Bbox.from_extents(left, bottom - 1, left + 1, bottom)

    note = ax.annotate(
        text,
        xy=(0, 0),
        xycoords=below_axis,
        xytext=(0, -4),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=st.NOTE_SIZE - 1,
        color=st.MUTED,
        annotation_clip=False,
        gid="notes",
    )
    _fit_width(note, max_px, renderer)


# --- layout helpers -----------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    """Wrap at spaces, and inside long names after ``.``, ``_``, ``/`` or ``-``."""
    tokens: list[tuple[str, str]] = []
    for i, word in enumerate(text.split()):
        # pieces end after a separator; a decimal point (99.5) is not one
        parts = re.findall(r"(?:\d+\.\d+|[^._/\-])+[._/\-]*|[._/\-]+", word) or [word]
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
    wishes = [desired[m] - o for m, o in zip(c["members"], c["offsets"], strict=True)]
    c["start"] = max(min(float(np.mean(wishes)), hi - c["width"]), lo)


def _overlaps(a, b, pad: float = 0.0) -> bool:
    return not (
        a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0
    )


def _distinct_labels(values: Sequence[float], fmt: Callable[[float, int], str]) -> list[str]:
    """Labels with the fewest significant digits (3 to 6) that tell different values apart."""
    for sig in range(3, 7):
        labels = [fmt(v, sig) for v in values]
        clash = any(
            labels[i] == labels[j] and not math.isclose(values[i], values[j], rel_tol=1e-9)
            for i in range(len(values))
            for j in range(i)
        )
        if not clash:
            break
    return labels


# --- distributions ------------------------------------------------------------


def _window(x: np.ndarray, keep: Sequence[float]) -> tuple[float, float, str]:
    """The x-range to draw, and which tail (if any) it cuts.

    A tail is cut at the 0.5th / 99.5th percentile of the values drawn when
    it would stretch the axis by more than a quarter of the middle 99%, which
    leaves the bulk of the distribution readable: a drawing decision, and
    the chart says so in a note.
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
    if hi - lo <= 0:
        half = abs(lo) * 0.05 or 1.0
        lo, hi = lo - half, hi + half
    span = hi - lo
    # show break-even when it is close to the data
    if 0 < lo <= 0.3 * span:
        lo = 0.0
    elif -0.3 * span <= hi < 0:
        hi = 0.0
    cut = {
        (True, True): "both tails",
        (True, False): "left tail",
        (False, True): "right tail",
    }.get((cut_left, cut_right), "")
    return lo, hi, cut


def _histogram(ax: Axes, x: np.ndarray, lo: float, hi: float) -> float:
    """Draw the histogram with bars left of 0 in the loss colour; return the tallest bar."""
    n_bins = int(np.clip(np.sqrt(x.size), 12, 80))
    width = (hi - lo) / n_bins
    # bin edges on a grid through 0, so that no bar straddles break-even
    k0, k1 = math.floor(lo / width), math.ceil(hi / width)
    edges = np.arange(k0, k1 + 1) * width
    counts, _ = np.histogram(x, bins=edges)
    split = int(np.clip(-k0, 0, len(counts)))  # index of the edge at 0
    if split > 0:
        ax.stairs(counts[:split], edges[: split + 1], fill=True, color=st.LOSS, lw=0, zorder=2)
    if split < len(counts):
        ax.stairs(counts[split:], edges[split:], fill=True, color=st.MAIN, lw=0, zorder=2)
    return float(counts.max()) if counts.size and counts.max() > 0 else 1.0


def _marker_row(ax: Axes, markers: Sequence[tuple[str, float, str, str, str]], peak: float):
    """Vertical marker lines with their labels in one row at the top of the plot.

    ``markers``: (label, x, colour, linestyle, gid). Labels that would collide
    are spread sideways (order kept) and joined to their line by a short
    leader; the y-range is then set so that the bars stay below the leaders.
    Expects the figure to be laid out already.
    """
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    axbb = ax.get_window_extent(renderer)
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    texts = [
        ax.text(
            x,
            0.985,
            label,
            transform=blend,
            ha="center",
            va="top",
            fontsize=st.LABEL_SIZE,
            color=st.TARGET_TEXT if color == st.TARGET else st.INK,
            linespacing=1.2,
            zorder=6,
            in_layout=False,
            gid=f"{gid}-label",
        )
        for label, x, color, _, gid in markers
    ]
    if not texts:
        ax.set_ylim(0, peak * 1.08)
        return
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((m[1], 0))[0] for m in markers]
    centres = _spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1, _px(fig, 10))
    inverse = ax.transData.inverted()
    for t, c in zip(texts, centres, strict=True):
        t.set_x(inverse.transform((c, 0))[0])
    label_bottom = min((b.y0 - axbb.y0) / axbb.height for b in boxes)
    knee = label_bottom - _px(fig, 9) / axbb.height
    for (_, x, color, style, gid), t, c, w in zip(markers, texts, centres, want, strict=True):
        ax.axvline(x, 0, knee, color=color, ls=style, lw=1.5, zorder=5, gid=gid)
        ax.plot(
            [x, t.get_position()[0]],
            [knee, label_bottom + 0.006],
            transform=blend,
            color=color,
            lw=0.9 if abs(c - w) > 1 else 1.5,
            ls="-",
            zorder=5,
            gid=f"{gid}-leader",
        )
    ax.set_ylim(0, peak / max(knee - 0.04, 0.3))


def _distribution(
    fig: Figure,
    ax: Axes,
    owned: bool,
    meta: ChartMeta,
    values: np.ndarray,
    markers: list[tuple[str, float, str, str, str]],
    xformatter,
    xlabel: str,
    head: str,
    loss_aside: str,
    notes: list[str],
    subtitle: str,
) -> None:
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(xformatter)
    ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    if x.size == 0:
        ax.text(0.5, 0.5, "No finite values to draw", transform=ax.transAxes, ha="center")
        _frame(fig, ax, owned, meta, subtitle, head, notes=notes)
        return
    lo, hi, cut = _window(x, [m[1] for m in markers])
    pad = 0.03 * (hi - lo)
    left, right = lo - pad, hi + pad
    if left < 0:
        ax.axvspan(left, min(0.0, right), color=st.LOSS_SHADE, lw=0, zorder=0, gid="loss-region")
    peak = _histogram(ax, x, lo, hi)
    ax.set_xlim(left, right)
    if cut == "both tails":
        notes = ["the x-axis shows the middle 99% of trials (0.5th to 99.5th percentile)", *notes]
    elif cut:
        side, q = ("left", "0.5th") if cut == "left tail" else ("right", "99.5th")
        notes = [
            f"the x-axis is cut at the {q} percentile of trials; the long {side} tail "
            "beyond it is not shown",
            *notes,
        ]
    aside = loss_aside if left < 0 else ""
    _frame(fig, ax, owned, meta, subtitle, head, aside, st.LOSS, notes)
    _marker_row(ax, markers, peak)


def _percentile_markers(stats: Mapping, fmt: Callable[[float, int], str]):
    keys = [k for k in ("p10", "p50", "p90") if stats.get(k) is not None]
    values = [float(stats[k]) for k in keys]
    labels = _distinct_labels(values, fmt)
    return [
        (f"{k.upper()}\n{label}", v, st.INK, "-" if k == "p50" else "--", f"marker-{k}")
        for k, v, label in zip(keys, values, labels, strict=True)
    ]


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
    markers = _percentile_markers(
        summary["metrics"]["npv"], lambda v, sig: st.format_money(v, cur, sig=sig, minus=st.MINUS)
    )
    p_pos = summary["probabilities"]["npv_positive"]
    _distribution(
        fig,
        ax,
        owned,
        meta,
        npv,
        markers,
        st.MoneyFormatter(cur),
        f"Net present value ({cur})",
        f"P(NPV > 0) = {st.format_probability(p_pos)}",
        "Shaded: loss (NPV < 0)",
        [],
        subtitle or f"Net present value of {meta.run_description()}",
    )
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
    ``meta.target_roi`` is drawn where set, and
    ``summary["probabilities"]["roi_at_least_target"]`` heads the plot
    (P(NPV > 0) without a target). Parameters and return as
    :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    roi = np.asarray(roi, dtype=float).ravel()
    undefined = int(np.count_nonzero(~np.isfinite(roi)))
    probs = summary["probabilities"]

    def pct(v, sig=3):
        return st.format_percent(v, sig=sig, minus=st.MINUS)

    markers = _percentile_markers(summary["metrics"]["roi"], pct)
    target = meta.target_roi
    if target is not None:
        markers.append((f"Target\n{pct(target)}", float(target), st.TARGET, "-", "marker-target"))
        p_t = probs.get("roi_at_least_target")
        head = f"P(ROI ≥ {pct(target)} target) = {st.format_probability(p_t)}"
    else:
        head = f"P(ROI > 0) = {st.format_probability(probs['npv_positive'])}"
    notes = []
    if undefined:
        what = "trial has" if undefined == 1 else "trials have"
        notes.append(f"{undefined:,} {what} no cost, so no ROI, and are not shown")
    _distribution(
        fig,
        ax,
        owned,
        meta,
        roi,
        markers,
        st.PercentFormatter(),
        "Return on investment (NPV ÷ PV of costs)",
        head,
        "Shaded: loss (ROI < 0)",
        notes,
        subtitle or f"Return on investment of {meta.run_description()}",
    )
    return fig


# --- payback ------------------------------------------------------------------


def _month_locator(span: float) -> MultipleLocator:
    for step in (1, 2, 3, 6, 12, 24, 60, 120):
        if span / step <= 8:
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
    is marked with ``summary["probabilities"]["payback_within_target"]``
    (without a target, the median payback from the summary heads the plot),
    and the share that never pays back within the horizon
    (1 - ``payback_within_horizon``) is stated and bracketed at the right.
    Parameters and return as :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    months = np.asarray(months, dtype=float).ravel()
    prob = np.asarray(prob_paid_back, dtype=float).ravel()
    probs = summary["probabilities"]
    horizon = meta.horizon_months
    target = meta.target_payback_months
    has_target = target is not None and math.isfinite(target)
    p_target = probs.get("payback_within_target") if has_target else None
    p_horizon = probs.get("payback_within_horizon")

    sx = np.repeat(months, 2)[1:]
    sy = np.repeat(prob, 2)[:-1]
    ax.fill_between(sx, 0, sy, color=st.MAIN, alpha=0.10, lw=0, zorder=1)
    ax.plot(sx, sy, color=st.MAIN, lw=2.4, zorder=3, gid="payback-curve")

    x_max = float(max(horizon, months.max() if months.size else horizon))
    if has_target:
        x_max = max(x_max, float(target))
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(MultipleLocator(0.25))
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.xaxis.set_major_locator(_month_locator(x_max))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel("Share of trials paid back")

    if p_target is not None:
        head = (
            f"{st.format_probability(p_target)} paid back within the "
            f"{_fmt_month(target)}-month target"
        )
    else:
        p50 = summary.get("metrics", {}).get("payback_months", {}).get("p50")
        head = f"Median payback: {st.format_months(p50, horizon)}"
    aside = ""
    if p_horizon is not None:
        never = 1.0 - float(p_horizon)
        aside = f"{st.format_probability(never)} not paid back within {horizon} months"
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Share of trials that have recovered the investment by each month "
            f"(undiscounted) · {horizon}-month horizon"
        ),
        head,
        aside,
        st.LOSS,
    )

    if p_horizon is not None and 1.0 - float(p_horizon) >= 0.04:
        # the never-paid-back share, bracketed just right of the curve's end
        nudge = mtransforms.ScaledTranslation(7 / 72, 0, fig.dpi_scale_trans)
        xb = float(months.max()) if months.size else float(horizon)
        ax.plot(
            [xb, xb],
            [float(p_horizon), 1.0],
            color=st.LOSS,
            lw=1.6,
            marker="_",
            ms=9,
            mew=1.6,
            transform=ax.transData + nudge,
            clip_on=False,
            zorder=4,
            gid="never-bracket",
        )

    if p_target is not None:
        pt, tx = float(p_target), float(target)
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
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
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
            color=st.TARGET_TEXT,
            zorder=7,
            in_layout=False,
            gid="target-label",
        )
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        inside = bb.x0 >= axbb.x0 and bb.x1 <= axbb.x1 and bb.y0 >= axbb.y0 and bb.y1 <= axbb.y1 + 2
        score = (not inside, sum(_count_inside(bb, p) for p in paths))
        if score == (False, 0):
            if best is not None:
                best[1].remove()
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
    for a, b in itertools.pairwise(pts):
        n = max(int(np.hypot(*(b - a)) / step), 1)
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


# --- cash flow fan --------------------------------------------------------------

_BANDS = (("p90", "P90"), ("p75", "P75"), ("p50", "Median"), ("p25", "P25"), ("p10", "P10"))


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
    each band's value at the horizon is written at the right. ``discounted``
    only changes the wording. Parameters and return as
    :func:`npv_distribution`.
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    m = np.asarray(months, dtype=float).ravel()
    b = {k: np.asarray(bands[k], dtype=float).ravel() for k, _ in _BANDS}
    ax.fill_between(m, b["p10"], b["p90"], color=st.BAND_OUTER, lw=0, zorder=1, gid="band-80")
    ax.fill_between(m, b["p25"], b["p75"], color=st.BAND_INNER, lw=0, zorder=2, gid="band-50")
    ax.axhline(0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    ax.plot(m, b["p50"], color=st.MAIN, lw=2.6, zorder=4, gid="median")
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.xaxis.set_major_locator(_month_locator(float(m.max() - m.min())))
    ax.yaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel(f"Cumulative net cash flow ({cur})")
    kind = "discounted" if discounted else "undiscounted"
    # the labels at the right take their room in the layout before it is done
    values = [float(b[k][-1]) for k, _ in _BANDS]
    texts = _distinct_labels(
        values, lambda v, sig: st.format_money(v, cur, sig=sig, minus=st.MINUS)
    )
    labels = [
        ax.annotate(
            f"{name} {text}",
            xy=(float(m[-1]), v),
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
        for (k, name), v, text in zip(_BANDS, values, texts, strict=True)
        # bands that end where the median ends say nothing the median label does not
        if k == "p50" or text != texts[2]
    ]
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            f"Cumulative net cash flow by month ({kind}): median, 50% band (P25–P75) "
            "and 80% band (P10–P90)"
        ),
    )
    _spread_end_labels(ax, labels)
    return fig


def _spread_end_labels(ax: Axes, labels: Sequence) -> None:
    """Move the right-hand labels apart vertically, with a leader where one moved."""
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    axbb = ax.get_window_extent(renderer)
    heights = [t.get_window_extent(renderer).height for t in labels]
    want = [ax.transData.transform(t.xy)[1] for t in labels]
    # labels come highest band first; equal ends keep that order top to bottom
    ranked = [w + 1e-6 * (len(want) - i) for i, w in enumerate(want)]
    centres = _spread(
        ranked, heights, axbb.y0 - 0.5 * heights[0], axbb.y1 + 0.5 * heights[0], _px(fig, 1)
    )
    scale = 72.0 / fig.dpi
    moved = [abs(c - w) * scale > 2 for w, c in zip(want, centres, strict=True)]
    for t, w, c, leader in zip(labels, want, centres, moved, strict=True):
        dy = (c - w) * scale
        t.xyann = (16 if any(moved) else 8, dy)
        if not leader:
            continue
        ax.annotate(
            "",
            xy=t.xy,
            xytext=(14, dy),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "color": st.FAINT, "lw": 0.8, "shrinkA": 0},
            annotation_clip=False,
        )


# --- tornado --------------------------------------------------------------------

_METRICS = {
    "npv": "Net present value",
    "roi": "Return on investment",
    "payback_months": "Payback period",
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


_NAME_WIDTH = 40  # characters of an input name per line


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
    labelled at its end with the input's value there; when both ends lie on
    the same side of the base, the row holds two half-height bars. At most
    ``max_rows`` rows are drawn; a note counts the rest. ``metric`` is
    ``"npv"``, ``"roi"`` or ``"payback_months"``; a payback beyond the
    horizon (None or inf) is drawn to the horizon, hatched. Long input names
    wrap; on a figure of its own the chart grows taller rather than let them
    touch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, xlabel = _metric_format(metric, meta.currency, meta.horizon_months)
    shown = list(rows[: max(int(max_rows), 0)])
    hidden = len(rows) - len(shown)
    n = len(shown)
    fig, ax, owned = _start(ax)
    q_lo = float(shown[0]["low_q"]) if shown else 0.1
    q_hi = float(shown[0]["high_q"]) if shown else 0.9
    low_name, high_name = st.format_quantile(q_lo), st.format_quantile(q_hi)

    def finite(v):
        if v is None or not math.isfinite(float(v)):
            return float(meta.horizon_months), True
        return float(v), False

    base, _ = finite(base_metric)
    ends = [base]
    labels = []
    beyond = False
    for i, row in enumerate(shown):
        lo_v, lo_open = finite(row["metric_low"])
        hi_v, hi_open = finite(row["metric_high"])
        beyond |= lo_open or hi_open
        d_lo = float(np.sign(lo_v - base)) or (-1.0 if hi_v >= base else 1.0)
        d_hi = float(np.sign(hi_v - base)) or -d_lo
        split = d_lo == d_hi
        for v, d, open_, color, q_value, which in (
            (lo_v, d_lo, lo_open, st.LOW, row["low_value"], "low"),
            (hi_v, d_hi, hi_open, st.HIGH, row["high_value"], "high"),
        ):
            y, h = (i + (-0.19 if which == "low" else 0.19), 0.36) if split else (i, 0.66)
            ax.barh(
                y,
                abs(v - base),
                left=min(v, base),
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
                    in_layout=False,  # kept inside the plot by _fit_xlim
                    gid=f"value-{i}-{which}",
                )
            )
            ends.append(v)

    names = [_wrap(str(r["input"]), _NAME_WIDTH) for r in shown]
    ax.set_yticks(range(n), names)
    top, bottom = -0.6, n - 0.5 + (0.9 if hidden else 0)
    if bottom - top < 6:  # a few rows: keep bars slim and centred, not slabs
        grow = (6 - (bottom - top)) / 2
        top, bottom = top - grow, bottom + grow
    ax.set_ylim(bottom, top)  # inverted: first row on top
    # the base line stops at the last row, clear of the note about hidden rows
    ax.vlines(base, top, n - 0.4 if hidden else bottom, color=st.INK, lw=1.3, zorder=4, gid="base")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_formatter(axis_fmt)
    ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="x", color=st.GRID, lw=0.9)
    ax.set_xlabel(xlabel)
    if hidden:
        ax.text(
            0.0,
            n + 0.15,
            f"+ {hidden} more input{'s' if hidden > 1 else ''} with smaller swings, not shown",
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="left",
            va="center",
            fontsize=st.NOTE_SIZE,
            fontstyle="italic",
            color=st.MUTED,
            in_layout=False,
            gid="cut-note",
        )
    if n == 0:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")
    lo, hi = min(ends), max(ends)
    span = hi - lo or max(abs(base) * 0.1, 1.0)
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)

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
    legend = ax.legend(
        [Patch(color=st.LOW), Patch(color=st.HIGH)],
        [f"input at {low_name}", f"input at {high_name}"],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        borderaxespad=0.2,
        columnspacing=1.2,
        handletextpad=0.5,
    )
    notes = (
        [f"a hatched bar means no payback within the {meta.horizon_months}-month horizon"]
        if beyond
        else []
    )
    frame = _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or f"{_METRICS[metric]} with one input at its {low_name} or {high_name}, "
        "all others at their median",
        notes=notes,
        above=(legend, base_text),
    )
    _fit_rows(ax, bottom - top, frame)
    _fit_xlim(ax, labels)
    _place_legend(ax, legend, base_text)
    return fig


def _fit_rows(ax: Axes, rows: float, frame: _Frame | None) -> None:
    """Give each input name room: shrink the font, then (own figure) grow it taller."""
    ticks = ax.get_yticklabels()
    if not ticks:
        return
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    lines = max(t.get_text().count("\n") + 1 for t in ticks)
    pitch_pt = ax.get_window_extent(renderer).height / rows * 72.0 / fig.dpi
    size = float(st.BASE_SIZE if lines == 1 else st.NOTE_SIZE)
    grown = False
    if frame is None:
        size = max(min(size, (pitch_pt - 3) / (lines * 1.2)), 7.0)
    else:
        needed = lines * size * 1.15 + 4
        if needed > pitch_pt:
            frame.set_height(fig.get_size_inches()[1] + (needed - pitch_pt) * rows / 72.0)
            grown = True
    if size == st.BASE_SIZE and not grown:
        return  # as laid out already
    for t in ticks:
        t.set_fontsize(size)
        t.set_linespacing(1.0)
    _execute_layout(fig)


def _fit_xlim(ax: Axes, labels: Sequence) -> None:
    """Widen the x-range until every bar-end label sits inside the plot.

    The plot's size is taken as laid out: a new x-range changes it by a few
    pixels at most, which the margin absorbs.
    """
    if not labels:
        return
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    margin = _px(fig, 4)
    for _ in range(4):
        axbb = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in labels]
        over_left = max(0.0, max(axbb.x0 + margin - bb.x0 for bb in boxes))
        over_right = max(0.0, max(bb.x1 - (axbb.x1 - margin) for bb in boxes))
        if over_left < 0.5 and over_right < 0.5:
            return
        x0, x1 = ax.get_xlim()
        free = axbb.width - over_left - over_right
        per_px = (x1 - x0) / max(free, axbb.width * 0.3)
        ax.set_xlim(x0 - over_left * per_px * 1.02, x1 + over_right * per_px * 1.02)


def _place_legend(ax: Axes, legend, base_text) -> None:
    """Keep the legend above the plot, clear of the base-case label.

    Tried in turn: legend right or left with the label centred on the base
    line, then the label beside the line on the free side; failing all, the
    label goes up a row.
    """
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    pad = _px(fig, 8)
    options = [
        ("right", "center"),
        ("left", "center"),
        ("left", "left"),
        ("right", "right"),
    ]
    for side, ha in options:
        legend.set_loc(f"lower {side}")
        legend.set_bbox_to_anchor((1.0 if side == "right" else 0.0, 1.0), transform=ax.transAxes)
        base_text.set_horizontalalignment(ha)
        base_text.xyann = ({"center": 0, "left": 4, "right": -4}[ha], 5)
        if not _overlaps(
            legend.get_window_extent(renderer), base_text.get_window_extent(renderer), pad
        ):
            return
    legend.set_loc("lower right")
    legend.set_bbox_to_anchor((1.0, 1.0), transform=ax.transAxes)
    base_text.set_horizontalalignment("center")
    height = legend.get_window_extent(renderer).height * 72.0 / fig.dpi
    base_text.xyann = (0, 8 + height)


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
    negative. When two or more benefits come before all costs, a "Gross
    benefits" bar stands between them (``subtotal``). The last bar is the
    total, ``total_label``. Every bar carries its value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    names = [str(label) for label, _ in items]
    vals = [float(v) for _, v in items]
    n_pos = sum(v >= 0 for v in vals)
    with_sub = (
        subtotal
        and 2 <= n_pos < len(vals)
        and all(v >= 0 for v in vals[:n_pos])
        and all(v < 0 for v in vals[n_pos:])
    )
    bars: list[tuple[str, float, float, str, str]] = []  # name, from, to, colour, kind
    running = 0.0
    for i, (name, v) in enumerate(zip(names, vals, strict=True)):
        if with_sub and i == n_pos:
            bars.append(("Gross benefits", 0.0, running, st.TOTAL, "total"))
        bars.append((name, running, running + v, st.MAIN if v >= 0 else st.LOSS, "step"))
        running += v
    bars.append((total_label, 0.0, running, st.TOTAL, "total"))

    def money(v):
        return st.format_money(v, cur, minus=st.MINUS)

    labels = []
    for x, (_, b0, b1, color, kind) in enumerate(bars):
        lo, hi = min(b0, b1), max(b0, b1)
        ax.bar(x, hi - lo, bottom=lo, width=0.66, color=color, lw=0, zorder=3, gid=f"bar-{x}")
        delta = b1 - b0
        up = delta >= 0 if kind == "step" else b1 >= 0
        text = money(b1) if kind == "total" else ("+" if delta > 0 else "") + money(delta)
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
                in_layout=False,  # kept inside the plot by _fit_ylim
                gid=f"value-{x}",
            )
        )
        if x < len(bars) - 1:
            ax.plot([x + 0.33, x + 0.67], [b1, b1], color=st.FAINT, lw=0.9, ls=(0, (2, 2)))
    ax.axhline(0, color=st.INK, lw=1.0, zorder=4)
    ax.yaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_ylabel(f"Present value ({cur})")
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, len(bars) - 0.4)
    levels = [0.0] + [b[1] for b in bars] + [b[2] for b in bars]
    lo, hi = min(levels), max(levels)
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span)
    ax.set_xticks(range(len(bars)), [b[0] for b in bars])
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Present value by line, from gross benefits to NPV · "
            f"{meta.horizon_months}-month horizon"
            + (
                f" · {st.format_discount_rate(meta.discount_rate)} discount rate"
                if meta.discount_rate is not None
                else ""
            )
        ),
    )
    _fit_categories(ax, [b[0] for b in bars], labels)
    _fit_ylim(ax, labels)
    return fig


def _fit_categories(ax: Axes, names: Sequence[str], labels: Sequence) -> None:
    """Fit the bar names and values to the bars' slots.

    Names wrap to their slot (at most three lines), shrinking to 9 pt; names
    that still do not fit are set at a slant instead. Values shrink until
    neighbours keep a clear gap.
    """
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    slot = ax.get_window_extent(renderer).width / max(len(names), 1)
    fitted = False
    for size in range(st.BASE_SIZE, 8, -1):
        chars = max(int(0.94 * slot / _px(fig, size * 0.62)), 4)
        ax.set_xticks(range(len(names)), [_wrap(nm, chars) for nm in names], fontsize=size)
        ticks = ax.get_xticklabels()
        lines = max(t.get_text().count("\n") + 1 for t in ticks)
        widest = max(t.get_window_extent(renderer).width for t in ticks)
        if widest <= 0.94 * slot and lines <= 3:
            fitted = True
            break
    if not fitted:
        ax.set_xticks(range(len(names)), [_wrap(nm, 28) for nm in names], fontsize=st.NOTE_SIZE)
        for t in ax.get_xticklabels():
            t.set_rotation(35)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
            t.set_linespacing(1.0)
    for size in range(st.LABEL_SIZE, 7, -1):
        for t in labels:
            t.set_fontsize(size)
        if max(t.get_window_extent(renderer).width for t in labels) <= slot - _px(fig, 8):
            break
    _execute_layout(fig)


def _fit_ylim(ax: Axes, labels: Sequence) -> None:
    """Extend the y-range until every bar label sits inside the plot."""
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    margin = _px(fig, 3)
    for _ in range(4):
        axbb = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in labels]
        over_bottom = max(0.0, max(axbb.y0 + margin - bb.y0 for bb in boxes))
        over_top = max(0.0, max(bb.y1 - (axbb.y1 - margin) for bb in boxes))
        if over_bottom < 0.5 and over_top < 0.5:
            return
        y0, y1 = ax.get_ylim()
        free = axbb.height - over_bottom - over_top
        per_px = (y1 - y0) / max(free, axbb.height * 0.3)
        ax.set_ylim(y0 - over_bottom * per_px * 1.02, y1 + over_top * per_px * 1.02)


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

    ``path_without_suffix`` gets ``.png`` etc. appended (its parent is
    created). Each file is written under a temporary name and moved into
    place, so a failure never leaves half a file. PNG is written at ``dpi``
    (at least 200). The same figure gives byte-identical files: no dates or
    software versions, fixed SVG ids.

    Raises
    ------
    simulate.errors.ConfigError
        For a format that is not one of :data:`FORMATS`.
    """
    if isinstance(formats, str):  # "png,svg" as on the command line
        formats = formats.split(",")
    wanted = [str(f).strip().lower().lstrip(".") for f in formats if str(f).strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ConfigError(
            f"{bad[0]!r} is not a figure format. It must be one of {', '.join(FORMATS)}",
            path="format",
        )
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with _RC_LOCK, mpl.rc_context(st.RC):
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


# --- spider ---------------------------------------------------------------------

# Okabe-Ito hues first; beyond them, dark grey and black with dashes.
_SPIDER_STYLES = (
    (st.BLUE, "-"),
    (st.VERMILLION, "-"),
    (st.GREEN, "-"),
    (st.ORANGE, "-"),
    (st.PURPLE, "-"),
    (st.SKY_BLUE, "-"),
    (st.TOTAL, (0, (5, 2))),
    (st.BLACK, (0, (1.5, 1.5))),
)


def _spider_style(i: int) -> tuple[str, object]:
    """Colour and dash of line ``i``: past the eight above, the hues again, dashed."""
    if i < len(_SPIDER_STYLES):
        return _SPIDER_STYLES[i]
    dash = (0, (4, 1.5)) if (i - len(_SPIDER_STYLES)) // 6 % 2 == 0 else (0, (1, 1.5))
    return _SPIDER_STYLES[(i - len(_SPIDER_STYLES)) % 6][0], dash


@_styled
def spider(
    spider_data: Mapping,
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_lines: int = 8,
    subtitle: str | None = None,
) -> Figure:
    """The metric as each input moves through its percentiles, the others at their median.

    ``spider_data`` is sensitivity.json's ``spider``: ``percentiles`` (5 to
    95) and ``lines``, widest first, each with ``input``, ``discrete``,
    ``values`` (the input at each percentile) and ``metric``. One line per
    input, at most ``max_lines`` (a note counts the rest), labelled at its
    right end with the input's name and its value range; every line passes
    through the base case at P50. A steep line is an input that matters; a
    bent one, an input whose effect is not proportional. Discrete inputs are
    drawn as steps. A payback beyond the horizon (None or inf) is drawn at
    the horizon, and a note says so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, ylabel = _metric_format(metric, meta.currency, meta.horizon_months)
    pct = np.asarray(spider_data["percentiles"], dtype=float)
    lines = list(spider_data["lines"])
    shown = lines[: max(int(max_lines), 0)]
    hidden = len(lines) - len(shown)
    fig, ax, owned = _start(ax)
    capped = False

    def finite(values) -> np.ndarray:
        nonlocal capped
        y = np.array([np.inf if v is None else float(v) for v in values])
        if metric == "payback_months" and np.isinf(y).any():
            capped = True
            y[np.isinf(y)] = meta.horizon_months
        return y

    labels = []
    for i, line in enumerate(shown):
        color, style = _spider_style(i)
        y = finite(line["metric"])
        ax.plot(
            pct,
            y,
            color=color,
            ls=style,
            lw=2.2,
            marker="o",
            ms=3.5,
            drawstyle="steps-mid" if line.get("discrete") else "default",
            zorder=4 + 0.01 * (len(shown) - i),
            gid=f"line-{i}",
        )
        values = [float(v) for v in line["values"]]
        span = (
            f"{st.format_number(values[0], minus=st.MINUS)}–"
            f"{st.format_number(values[-1], minus=st.MINUS)}"
        )
        labels.append(
            ax.annotate(
                f"{line['input']}  {span}",
                xy=(float(pct[-1]), float(y[-1])),
                xytext=(8, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=st.LABEL_SIZE - 1,
                color=color,
                annotation_clip=False,
                gid=f"label-{i}",
            )
        )
    base = float(base_metric) if base_metric is not None else math.nan
    if math.isfinite(base):
        ax.axhline(base, color=st.INK, lw=1.0, zorder=3, gid="base")
    ax.axvline(50.0, color=st.FAINT, lw=0.9, ls=(0, (2, 2)), zorder=2, gid="median")
    ticks = [p for p in (5, 25, 50, 75, 95) if pct.min() <= p <= pct.max()]
    ax.set_xticks(ticks, [st.format_quantile(p / 100.0) for p in ticks])
    ax.set_xlim(float(pct.min()) - 1.5, float(pct.max()) + 1.5)
    ax.set_xlabel("Percentile of the input (the other inputs at their median)")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(axis_fmt)
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    if not shown:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")
    notes = []
    if hidden:
        notes.append(
            f"{hidden} more input{'s' if hidden > 1 else ''} with narrower ranges not shown"
        )
    if capped:
        notes.append(f"no payback within {meta.horizon_months} months is drawn at the horizon")
    if math.isfinite(base):
        head = f"Base case {value_fmt(base)}"
    elif metric == "payback_months":
        head = f"Base case: no payback within {meta.horizon_months} months"
    else:
        head = ""
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or f"{_METRICS[metric]} as one input moves from its P5 to its P95, "
        "all others at their median",
        head=head,
        aside="labels: input, its P5–P95 values",
        notes=notes,
    )
    if labels:
        _spread_end_labels(ax, labels)
    return fig


# --- comparisons: scenarios of one config, a portfolio ------------------------------

# Series colours for comparisons: Okabe-Ito without vermillion (the loss colour)
# and yellow (too light for a line on white); past six, the hues again, dashed.
_SERIES = (st.BLUE, st.ORANGE, st.GREEN, st.PURPLE, st.SKY_BLUE, st.BLACK)


def _series_style(i: int) -> tuple[str, object]:
    dash = "-" if i < len(_SERIES) else (0, (4, 1.5))
    return _SERIES[i % len(_SERIES)], dash


@_styled
def scenario_cdfs(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray, float]],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """NPV cumulative distributions of one config's scenarios, overlaid.

    ``curves`` are ``(label, x, F, prob_npv_positive)``: ``x`` the NPV at
    cumulative probabilities ``F`` (``compare.cdf_points``), and P(NPV > 0)
    from the run's summary. A curve to the right is better; where it crosses
    NPV = 0 (marked) its height is the probability of loss, and reading
    across at 10% / 50% / 90% gives each scenario's P10 / P50 / P90. The
    axis spans the 0.5th to 99.5th percentiles of all curves (the first and
    last points of a curve are its extremes and are not drawn).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    lo = min(float(np.asarray(x)[1]) for _, x, _, _ in curves) if curves else -1.0
    hi = max(float(np.asarray(x)[-2]) for _, x, _, _ in curves) if curves else 1.0
    span = (hi - lo) or max(abs(hi), 1.0)
    if 0 < lo <= 0.3 * span:
        lo = 0.0
    elif -0.3 * span <= hi < 0:
        hi = 0.0
    left, right = lo - 0.03 * span, hi + 0.03 * span
    if left < 0:
        ax.axvspan(left, min(0.0, right), color=st.LOSS_SHADE, lw=0, zorder=0, gid="loss")
    if left < 0 < right:
        ax.axvline(0.0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    for i, (label, x, f, p_pos) in enumerate(curves):
        color, dash = _series_style(i)
        x = np.asarray(x, dtype=float)
        f = np.asarray(f, dtype=float)
        keep = (x >= left) & (x <= right)
        text = f"{_wrap(str(label), 26)}\nP(NPV > 0) {st.format_probability(p_pos)}"
        ax.plot(x[keep], f[keep], color=color, ls=dash, lw=2.4, zorder=4, label=text,
                gid=f"curve-{i}")  # fmt: skip
        # the crossing with NPV = 0, where the curve has one
        if left < 0 < right and p_pos is not None and x[0] <= 0.0 <= x[-1]:
            ax.plot([0.0], [1.0 - float(p_pos)], "o", ms=7, color=color, mec="white", mew=1.2,
                    zorder=6, gid=f"loss-point-{i}")  # fmt: skip
    ax.set_xlim(left, right)
    ax.set_ylim(0, 1)
    ax.margins(0)
    ax.set_yticks([0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.xaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="both")
    ax.set_xlabel(f"Net present value ({cur})")
    ax.set_ylabel("Share of trials with NPV at or below")
    if curves:  # outside the plot, at the right: CDFs fill the plot's diagonal
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.02, 1.0), handlelength=2.0, labelspacing=0.9,
            borderaxespad=0.0,
        )  # fmt: skip
    trials = f"{meta.trials:,} " if meta.trials else ""
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            f"Cumulative distribution of NPV per scenario, on the same {trials}simulated "
            "trials (common random numbers) · further right is better"
        ),
        head="At NPV = 0, each curve's height is its probability of loss" if left < 0 else "",
        aside="Shaded: loss (NPV < 0)" if left < 0 else "",
        aside_color=st.MUTED,
    )
    return fig


@dataclass(frozen=True)
class PortfolioPoint:
    """One run of a portfolio: its initiative (``group``), scenario, risk and return.

    ``label`` names the initiative (one label per group is drawn);
    ``scenario`` is None for the config as written.
    """

    label: str
    group: str
    npv_mean: float
    prob_loss: float  # P(NPV <= 0)
    scenario: str | None = None


@dataclass(frozen=True)
class PortfolioMeta:
    """What a portfolio chart says about the batch it comes from (its title and stamp)."""

    name: str
    currency: str
    version: str
    runs: int
    trials: int | None = None  # None when the runs differ
    root_seed: int | None = None

    def stamp(self) -> str:
        """``simulate 0.1.0 · 15 runs · 100,000 trials each · batch root seed 42``."""
        parts = [f"simulate {self.version}", f"{self.runs} runs"]
        parts.append(f"{self.trials:,} trials each" if self.trials else "trials differ by run")
        if self.root_seed is not None:
            parts.append(f"batch root seed {self.root_seed}")
        return " · ".join(parts)


# Marker of each scenario, by name where the name is a common one.
_SCENARIO_MARKERS = {None: "o", "base": "o", "conservative": "v", "pessimistic": "v",
                     "downside": "v", "optimistic": "^", "upside": "^"}  # fmt: skip
_MORE_MARKERS = ("s", "D", "P", "X", "h", "<", ">")


def _label_points(
    ax: Axes, anchors: Sequence[int], xy: np.ndarray, texts: Sequence[Sequence[str]], colors
) -> list:
    """Label point ``anchors[k]`` with one of ``texts[k]`` where it hits no label or point.

    ``texts[k]`` are the label's forms, preferred first (the name wrapped
    wide, then narrow). Candidates go round the point at growing distances
    (with a leader line beyond the nearest ring); the first form and place
    that is free and inside the axes wins, else the one with the fewest
    hits (a label on a label counts worse than a label on a point). Crowded
    points are labelled first, so that they get the nearest places. Labels
    are kept out of the layout engine, so that what was measured is drawn.
    """
    fig = _root(ax.get_figure())
    renderer = _renderer(fig)
    _execute_layout(fig)
    axbb = ax.get_window_extent(renderer)
    pts = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
    r = _px(fig, 6.0)  # a marker's radius and a little air, px
    gap_x, gap_y = _px(fig, 7.0), _px(fig, 2.0)  # between two labels: a word space, a line gap
    angles = np.deg2rad([0, 180, 30, 150, -30, -150, 60, 120, -60, -120, 90, -90])
    placed: list = []
    crowd = [-int(np.count_nonzero(np.hypot(*(pts - pts[a]).T) < _px(fig, 50))) for a in anchors]
    order = sorted(range(len(anchors)), key=lambda k: (crowd[k], k))
    out: list = [None] * len(anchors)

    def candidate(k, text, dx, dy):
        ha = "left" if dx > 1 else "right" if dx < -1 else "center"
        va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
        t = ax.annotate(
            text, xy=tuple(xy[anchors[k]]), xytext=(dx, dy), textcoords="offset points",
            ha=ha, va=va, fontsize=st.LABEL_SIZE - 1, color=st.INK, linespacing=1.05,
            zorder=5.5, annotation_clip=False, gid=f"label-{k}",
        )  # fmt: skip
        t.set_in_layout(False)
        return t, t.get_window_extent(renderer)

    def hits(a, bb):
        pad = mtransforms.Bbox.from_extents(
            bb.x0 - gap_x, bb.y0 - gap_y, bb.x1 + gap_x, bb.y1 + gap_y
        )
        inside = (
            bb.x0 >= axbb.x0 + 1 and bb.x1 <= axbb.x1 - 1
            and bb.y0 >= axbb.y0 + 1 and bb.y1 <= axbb.y1 - 1
        )  # fmt: skip
        near = (
            (pts[:, 0] >= pad.x0 - r) & (pts[:, 0] <= pad.x1 + r)
            & (pts[:, 1] >= pad.y0 - r) & (pts[:, 1] <= pad.y1 + r)
        )  # fmt: skip
        # its own point only counts when the text itself covers it
        near[a] = bb.x0 - r < pts[a, 0] < bb.x1 + r and bb.y0 - r < pts[a, 1] < bb.y1 + r
        labels = sum(_overlaps(pad, other) for other in placed)
        return (not inside, labels, int(np.count_nonzero(near)))

    for k in order:
        a = anchors[k]
        best = None
        for ring, dist in enumerate((9, 18, 30, 46, 64, 86)):
            for ang in angles:
                dx, dy = dist * math.cos(ang), dist * math.sin(ang) * 0.75
                for form, text in enumerate(texts[k]):
                    t, bb = candidate(k, text, dx, dy)
                    score = (*hits(a, bb), ring, form)
                    if best is None or score < best[0]:
                        if best is not None:
                            best[1].remove()
                        best = (score, t, bb, ring, dx, dy)
                    else:
                        t.remove()
                    if score[:3] == (False, 0, 0):
                        break
                if best[0][:3] == (False, 0, 0):
                    break
            if best[0][:3] == (False, 0, 0):
                break
        _, t, bb, ring, dx, dy = best
        placed.append(bb)
        out[k] = t
        if ring > 0:  # moved away from its point: a leader line
            lead = ax.annotate(
                "", xy=tuple(xy[a]), xytext=(dx, dy), textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": colors[k], "lw": 0.9, "shrinkA": 0,
                            "shrinkB": 5},
                zorder=4.5, annotation_clip=False,
            )  # fmt: skip
            lead.set_in_layout(False)
    return out


@_styled
def risk_return(
    points: Sequence[PortfolioPoint],
    meta: PortfolioMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Expected NPV against the probability of loss, one point per initiative and scenario.

    The best runs sit top-left (high expected NPV, low chance of losing
    money). The scenarios of one initiative share its colour, are joined by
    a thin line and are told apart by marker (a key names the shapes); each
    initiative is labelled once, at its first point, where the label
    overlaps no other label or point (with a leader line when it had to move
    away).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = _start(ax)
    cur = meta.currency
    groups = list(dict.fromkeys(p.group for p in points))
    color_of = {g: _series_style(i)[0] for i, g in enumerate(groups)}
    scenarios = list(dict.fromkeys(p.scenario for p in points))
    extra = iter(_MORE_MARKERS * 4)
    marker_of = {s: _SCENARIO_MARKERS.get(s) or next(extra) for s in scenarios}
    xs = np.array([p.prob_loss for p in points], dtype=float)
    ys = np.array([p.npv_mean for p in points], dtype=float)
    for g in groups:
        mine = sorted((p for p in points if p.group == g), key=lambda p: p.prob_loss)
        if len(mine) > 1:
            ax.plot([p.prob_loss for p in mine], [p.npv_mean for p in mine], color=color_of[g],
                    lw=1.3, alpha=0.55, zorder=3, gid="group-line")  # fmt: skip
    for i, p in enumerate(points):
        ax.plot([p.prob_loss], [p.npv_mean], marker=marker_of[p.scenario], ls="none", ms=10,
                color=color_of[p.group], mec="white", mew=1.2, zorder=6, gid=f"point-{i}")  # fmt: skip
    # room for labels around the points; break-even and zero risk in view
    x_hi = max(float(xs.max()) if xs.size else 0.0, 0.05)
    x_pad = 0.1 * x_hi
    y_lo, y_hi = (float(ys.min()), float(ys.max())) if ys.size else (-1.0, 1.0)
    y_lo, y_hi = min(y_lo, 0.0), max(y_hi, 0.0)
    y_span = (y_hi - y_lo) or max(abs(y_hi), 1.0)
    right = min(x_hi + 3 * x_pad, 1.0 + x_pad)
    ax.set_xlim(-x_pad, right)
    ax.set_ylim(y_lo - 0.12 * y_span, y_hi + 0.15 * y_span)
    bottom = ax.get_ylim()[0]
    if bottom < 0:
        ax.axhspan(bottom, 0.0, color=st.LOSS_SHADE, lw=0, zorder=0, gid="loss")
    ax.axhline(0.0, color=st.INK, lw=1.0, zorder=2, gid="zero")
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, min(right, 1.0))
    ax.set_xticks([t for t in ticks if -1e-12 <= t <= min(right, 1.0) + 1e-12])
    ax.xaxis.set_major_formatter(st.PercentFormatter())
    ax.yaxis.set_major_formatter(st.MoneyFormatter(cur))
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="both")
    ax.set_xlabel("Probability of loss, P(NPV ≤ 0)")
    ax.set_ylabel(f"Expected NPV ({cur})")
    if len(scenarios) > 1:
        handles = [
            mpl.lines.Line2D(
                [], [], marker=marker_of[s], ls="none", ms=9, color=st.MUTED, mec="white"
            )
            for s in scenarios
        ]
        names = [_wrap(s or "as written", 18) for s in scenarios]
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  title="Scenario", alignment="left", borderaxespad=0.0,
                  title_fontsize=st.LABEL_SIZE)  # fmt: skip
    _frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Expected NPV against the probability of losing money, one point per "
            "initiative and scenario"
        ),
        head="Better: up and to the left",
        aside="Shaded: expected loss (mean NPV < 0)" if bottom < 0 else "",
    )
    anchors = [next(i for i, p in enumerate(points) if p.group == g) for g in groups]
    labels = [
        list(dict.fromkeys((_wrap(points[a].label, 24), _wrap(points[a].label, 14))))
        for a in anchors
    ]
    _label_points(ax, anchors, np.column_stack([xs, ys]), labels, [color_of[g] for g in groups])
    return fig
