"""The convergence chart of a run that stopped at a precision (``--precision``).

One panel per precision target: the figure's estimate and its 95% interval
at each check point, against the trials so far (log scale), with the
tolerance the target asks for drawn around the final estimate and the
check point where the run stopped marked. It answers "is this enough
trials?" with the run's own record (summary.json's ``stop.checks``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .. import format as fmt
from ..config.model import PrecisionTarget
from ..config.tolerance import parse_targets
from . import _style as st
from ._frame import Frame, frame, start, styled
from .meta import ChartMeta

__all__ = ["FIGURE_LABELS", "convergence"]

# How each precision figure is named on the chart, and the kind of its value.
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "npv_mean": ("Mean NPV", "money"),
    "npv_positive": ("P(NPV > 0)", "probability"),
    "npv_p10": ("NPV P10", "money"),
    "npv_p50": ("NPV P50 (median)", "money"),
    "npv_p90": ("NPV P90", "money"),
    "roi_p10": ("ROI P10", "percent"),
    "roi_p50": ("ROI P50 (median)", "percent"),
    "roi_p90": ("ROI P90", "percent"),
    "payback_p10": ("Payback P10", "months"),
    "payback_p50": ("Payback P50 (median)", "months"),
    "payback_p90": ("Payback P90", "months"),
    "payback_within_target": ("P(payback by target)", "probability"),
    "roi_at_least_target": ("P(ROI ≥ target)", "probability"),
}


@styled
def convergence(stop: Mapping[str, Any], meta: ChartMeta, ax: Axes | None = None) -> Figure:
    """How each precision target's estimate and interval settled as trials were added.

    ``stop`` is summary.json's ``stop`` block of a run with precision
    targets (``targets`` and ``checks``). On a figure of its own, each panel
    shows one target's estimate (line) and 95% interval (band) at every
    check point, the final estimate plus and minus the tolerance asked for
    (dashed), and the stopping point. On a caller's ``ax`` (the review
    pack's one small chart), every target on one plot instead: its
    interval's half-width as a share of its tolerance, met below 100%.
    Raises ValueError when ``stop`` has no check points.
    """
    checks = list(stop.get("checks") or ())
    # the targets as the run compared them (what each allows at an estimate)
    parsed, _ = parse_targets(dict(stop.get("targets") or {}))
    targets = {t.figure: t for t in parsed}
    if not checks or not targets:
        raise ValueError("the run has no precision check points to draw")
    names = [n for n in targets if n in checks[-1]["figures"]]
    if ax is not None:
        return _shares(ax, names, targets, checks, stop, meta)
    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    # at the PNG's dpi, as start() makes a chart's figure: measured as drawn, drawn once
    size = (st.FIGSIZE[0], st.FIGSIZE[1] + 1.6 * (rows - 1))
    fig = Figure(figsize=size, layout="constrained", dpi=st.PNG_DPI)
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.16, h_pad=0.08, hspace=0.08, wspace=0.06)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    trials = np.array([c["trials"] for c in checks], dtype=float)
    for ax, name in zip(axes, names, strict=False):
        _panel(ax, name, targets[name], trials, checks, meta)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    reason = stop.get("reason")
    how = (
        "every target met at two check points in a row"
        if reason == "precision"
        else f"stopped at the cap of {int(stop.get('max_trials') or trials[-1]):,} trials"
        " before every target was met"
    )
    subtitle = (
        f"Estimate and 95% interval at each check point · {how}: "
        f"{int(stop.get('trials') or trials[-1]):,} trials"
    )
    notes = [
        "the interval is the simulation's own noise, not the business case's uncertainty; "
        "dashed lines: the final estimate ± the tolerance asked for"
    ]
    Frame(fig, meta, subtitle, notes)
    return fig


def _shares(ax: Axes, names, targets, checks, stop, meta: ChartMeta) -> Figure:
    """Every target's half-width over its tolerance against trials, on one Axes."""
    fig, ax, owned = start(ax)
    trials = np.array([c["trials"] for c in checks], dtype=float)
    colors = (st.MAIN, st.LOSS, st.GREEN, st.PURPLE, st.ORANGE, st.SKY_BLUE)
    top = 1.0
    for i, name in enumerate(names):
        share = []
        for c in checks:
            f = c["figures"][name]
            half = (
                None
                if f.get("low") is None or f.get("high") is None
                else (f["high"] - f["low"]) / 2
            )
            allowed = targets[name].allowed(_value(f.get("estimate")))
            share.append(math.nan if half is None or not allowed else half / allowed)
        share = np.array(share)
        label = f"{FIGURE_LABELS.get(name, (name, ''))[0]} (±{targets[name].text})"
        ax.plot(trials, share, color=colors[i % len(colors)], lw=2, marker="o", ms=3, label=label)
        if np.isfinite(share).any():
            top = max(top, float(np.nanmax(share)))
    ax.axhline(1.0, color=st.TARGET, lw=1.2, ls="--")
    _trials_axis(ax, trials)
    ax.set_ylim(0, min(top, 4.0) * 1.08)
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_xlabel("Trials (log scale)")
    ax.set_ylabel("Half-width ÷ tolerance")
    ax.legend(loc="upper right", fontsize=st.NOTE_SIZE - 1, frameon=False)
    n = int(stop.get("trials") or trials[-1])
    reason = "met at two check points in a row" if stop.get("reason") == "precision" else "capped"
    frame(fig, ax, owned, meta, f"Each target's 95% interval against its tolerance: {reason} at "
          f"{n:,} trials", "Met below the dashed line")  # fmt: skip
    return fig


def _panel(ax: Axes, name: str, target: PrecisionTarget, trials: np.ndarray, checks: Sequence,
           meta: ChartMeta):  # fmt: skip
    """One target's estimate and interval against trials (log x)."""
    label, kind = FIGURE_LABELS.get(name, (name, "number"))
    show = _shower(kind, meta)
    est, low, high = (
        np.array([_value(c["figures"][name].get(k)) for c in checks])
        for k in ("estimate", "low", "high")
    )
    ax.fill_between(trials, low, high, color=st.BAND_OUTER, lw=0, step=None, zorder=1)
    ax.plot(trials, est, color=st.MAIN, lw=2.0, zorder=3, marker="o", ms=3)
    final = est[-1]
    half = target.allowed(final)
    if math.isfinite(final) and half is not None:
        for y in (final - half, final + half):
            ax.axhline(y, color=st.TARGET, lw=1.2, ls="--", zorder=2)
    ax.axvline(trials[-1], color=st.SPINE, lw=1.0, zorder=2)
    _trials_axis(ax, trials)
    ax.yaxis.set_major_formatter(_formatter(kind, meta))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_title(
        f"{label}\n{show(final)} · target ±{_shown_tolerance(target, kind, meta)}",
        loc="left",
        fontsize=st.NOTE_SIZE,
        color=st.INK,
    )
    ax.set_xlabel("Trials (log scale)", fontsize=st.NOTE_SIZE)
    ax.tick_params(labelsize=st.NOTE_SIZE - 1)


def _shown_tolerance(target: PrecisionTarget, kind: str, meta: ChartMeta) -> str:
    """A target's tolerance as written, with its unit when it is a plain number."""
    if target.text.endswith(("pp", "%")):
        return target.text.replace("pp", " pp")
    if kind == "money":
        return fmt.format_money(target.tolerance, meta.currency)
    if kind == "months":
        shown = fmt.format_number(target.tolerance)
        return f"{shown} month" if shown == "1" else f"{shown} months"
    return fmt.format_number(target.tolerance)


def _trials_axis(ax: Axes, trials: np.ndarray) -> None:
    """Trials across on a log scale, ticked at the first and last check points and between."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(_trial_ticks(trials)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.format_number(v)))
    ax.set_xlim(trials[0] / 1.15, trials[-1] * 1.15)


def _value(v: float | None) -> float:
    return math.nan if v is None else float(v)


def _trial_ticks(trials: np.ndarray) -> list[float]:
    """Check points worth a tick: first, last, and powers-of-two multiples between."""
    first, last = float(trials[0]), float(trials[-1])
    ticks = [first]
    t = first * 4
    while t < last / 1.8:
        ticks.append(t)
        t *= 4
    if last > first:
        ticks.append(last)
    return ticks


def _shower(kind: str, meta: ChartMeta):
    if kind == "money":
        return lambda v: fmt.format_money(v, meta.currency) if math.isfinite(v) else "n/a"
    if kind == "probability":
        return lambda v: fmt.format_probability(v) if math.isfinite(v) else "n/a"
    if kind == "percent":
        return lambda v: fmt.format_percent(v) if math.isfinite(v) else "n/a"
    if kind == "months":
        return lambda v: fmt.format_months(v, meta.horizon_months)
    return lambda v: fmt.format_number(v)


def _formatter(kind: str, meta: ChartMeta):
    if kind == "money":
        return st.MoneyFormatter(meta.currency)
    if kind in ("probability", "percent"):
        return st.PercentFormatter()
    if kind == "months":
        return st.NumberFormatter(" mo")
    return st.NumberFormatter()
