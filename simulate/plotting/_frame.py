"""What surrounds every chart: the house style while it is drawn, its figure, its frame.

Each chart function runs under the house style (:func:`styled`), draws on a
new 16:9 figure or a caller's Axes (:func:`start`), and ends with
:func:`frame`: the title block, key figure, notes and footer stamp that
trace a chart to its run, laid out so that none of them collides.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from typing import Protocol

import matplotlib as mpl
from matplotlib import transforms as mtransforms
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from . import _style as st
from ._glyphs import noting_missing_glyphs
from ._layout import execute_layout, overlaps, px, renderer_of, root_figure, wrap

__all__ = [
    "RC_LOCK",
    "Frame",
    "FrameMeta",
    "fit_stamp",
    "fit_width",
    "frame",
    "start",
    "styled",
]


class FrameMeta(Protocol):
    """What the frame needs of a chart's meta (a ChartMeta, a PortfolioMeta)."""

    @property
    def name(self) -> str:
        """The chart's title."""

    def stamp(self) -> str:
        """The footer stamp that traces the chart to its run."""


_PAD_X = 0.16  # in: left/right margin of the header and footer
_PAD_TOP = 0.14
_PAD_BOTTOM = 0.09
_HEADER_GAP = 0.05  # between title and subtitle
_HEADER_BELOW = 0.12  # between the header block and the plot
_FOOTER_GAP = 0.04  # between the notes line and the stamp
_STAMP_GID = "simulate-stamp"


# rc_context swaps matplotlib's global settings for the duration of a chart;
# the lock keeps two threads from swapping them under each other.
RC_LOCK = threading.RLock()


def styled(func):
    """Run a chart function under the house style without leaking it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with RC_LOCK, mpl.rc_context(st.RC), noting_missing_glyphs():
            return func(*args, **kwargs)

    return wrapper


def start(ax: Axes | None) -> tuple[Figure, Axes, bool]:
    """The figure and Axes to draw on, and whether the chart owns the figure.

    A caller's ``ax`` gets the parts of the house style that matter; without
    one, a new 16:9 figure with one Axes and constrained layout.
    """
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
    # drawn at the PNG's dpi: the text measured for the layout is the text rendered
    # (matplotlib caches a text's size per dpi), not measured again at save time
    fig = Figure(figsize=st.FIGSIZE, layout="constrained", dpi=st.PNG_DPI)
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=_PAD_X, h_pad=0.04, hspace=0, wspace=0)
    return fig, fig.add_subplot(), True


def fit_width(text, max_px: float, renderer) -> None:
    """Wrap a Text into balanced lines no wider than ``max_px`` (no lone last word)."""
    original = text.get_text()
    width = text.get_window_extent(renderer).width
    if width <= max_px:
        return
    n_lines = math.ceil(width / max_px)
    while n_lines <= 6:
        chars = math.ceil(len(original) / n_lines * 1.08)
        text.set_text(wrap(original, chars))
        if text.get_window_extent(renderer).width <= max_px:
            return
        n_lines += 1


def fit_stamp(text, max_px: float, renderer) -> None:
    """Break a footer stamp no wider than ``max_px`` into lines at its `` · ``.

    The stamp is kept whole: a seed drawn at random has 19 digits, and the
    run is reproduced from the seed as shown, so no part is shortened or cut
    inside; a part too long for a line alone (a long scenario name) is
    wrapped at its spaces by :func:`fit_width`.
    """
    width = text.get_window_extent(renderer).width
    if width <= max_px:
        return
    parts = text.get_text().split(" · ")
    lines = [parts[0]]
    for part in parts[1:]:
        text.set_text(f"{lines[-1]} · {part}")
        if text.get_window_extent(renderer).width <= max_px:
            lines[-1] = text.get_text()
        else:
            lines.append(part)
    text.set_text("\n".join(lines))
    if text.get_window_extent(renderer).width <= max_px:
        return
    # a part too long for a line alone: wrap each line by itself, so that the
    # breaks between parts stay where they are (wrapping the whole text would
    # join them with spaces and lose their separators)
    wrapped = []
    for line in lines:
        text.set_text(line)
        fit_width(text, max_px, renderer)
        wrapped.append(text.get_text())
    text.set_text("\n".join(wrapped))


class Frame:
    """Title block, notes and footer stamp around the plot of an owned figure.

    They are anchored in inches from the top and bottom edges, so the figure
    can grow (a tornado with long names) without moving them; the plot is
    laid out in the rectangle between.
    """

    def __init__(self, fig: Figure, meta: FrameMeta, subtitle: str, notes: Sequence[str]):
        self.fig = fig
        self.renderer = renderer_of(fig)
        width_in = fig.get_size_inches()[0]
        self.x0 = _PAD_X / width_in
        self.max_px = (width_in - 2 * _PAD_X) * fig.dpi
        title = self._text(meta.name, -_PAD_TOP, "top", st.TITLE_SIZE, st.INK, fontweight="bold")
        y = _PAD_TOP + self._height(title) + _HEADER_GAP
        sub = self._text(subtitle, -y, "top", st.SUBTITLE_SIZE, st.MUTED)
        self.top_in = y + self._height(sub) + _HEADER_BELOW
        self.stamp = self._text(
            meta.stamp(), 0.0, "bottom", st.FOOTER_SIZE, st.FAINT, fit=fit_stamp, gid=_STAMP_GID
        )
        self.notes_text = None
        self.notes: list[str] = []
        self.set_notes(notes)

    def _text(self, s, dy_in, va, size, color, fit=fit_width, **kw):
        y0 = 1.0 if va == "top" else 0.0
        trans = mtransforms.offset_copy(
            self.fig.transFigure, fig=self.fig, x=0, y=dy_in, units="inches"
        )
        t = self.fig.text(
            self.x0, y0, s, transform=trans, ha="left", va=va, fontsize=size, color=color, **kw
        )
        fit(t, self.max_px, self.renderer)
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


def frame(
    fig: Figure,
    ax: Axes,
    owned: bool,
    meta: FrameMeta,
    subtitle: str,
    head: str = "",
    *,
    aside: str = "",
    aside_color: str = st.MUTED,
    notes: Sequence[str] = (),
    above: Sequence = (),
) -> Frame | None:
    """Title, subtitle, key figure, aside, notes and footer stamp; then lay out.

    ``head`` (the chart's key figure, bold) and ``aside`` (a short note) sit
    just above the plot, left and right; an aside that would collide with the
    key figure joins the notes. On a figure of its own, the title block sits
    at the top-left and the notes and stamp at the bottom-left. On a caller's
    Axes, the title and subtitle stack above the key figure (and ``above``,
    the artists a chart puts over its plot, such as a legend), notes join
    the aside, and the stamp becomes the figure's x super-label, once per
    figure. Returns the :class:`Frame` of an owned figure, else None.
    """
    lead = ax.set_title(head, loc="left", fontweight="bold", color=st.INK, fontsize=st.BASE_SIZE)
    if not owned:
        right = None
        if aside:
            right = ax.set_title(aside, loc="right", fontsize=st.NOTE_SIZE, color=aside_color)
        _caller_frame(ax, meta, subtitle, lead, right, notes=notes, above=above)
        return None

    framed = Frame(fig, meta, subtitle, notes)
    if aside:
        right = ax.set_title(aside, loc="right", fontsize=st.NOTE_SIZE, color=aside_color)
        execute_layout(fig)
        renderer = renderer_of(fig)
        if head and overlaps(
            lead.get_window_extent(renderer), right.get_window_extent(renderer), px(fig, 12)
        ):
            right.set_text("")
            framed.set_notes([aside, *framed.notes])
        else:
            return framed
    execute_layout(fig)
    return framed


def _caller_frame(
    ax: Axes,
    meta: FrameMeta,
    subtitle: str,
    lead,
    right,
    *,
    notes: Sequence[str],
    above: Sequence,
) -> None:
    """The frame on a caller's Axes: header stacked above it, notes under its x-axis.

    ``lead`` and ``right`` (None without an aside) are the Axes' left and
    right titles. Texts are wrapped to the Axes' width as laid out, so the
    layout runs twice: once to find that width, once with the wrapped texts.
    """
    fig = root_figure(ax.get_figure())
    renderer = renderer_of(fig)
    stack = [lead, *above]  # what the header sits on; the aside joins it if it fits
    sub, name = _caller_header(ax, stack)
    _stamp_once(fig, meta)
    if right is not None:
        right.set_visible(False)
    lead_text = lead.get_text()
    lead.set_text("")
    execute_layout(fig)  # the Axes' width, before any long text can squeeze it
    max_px = ax.bbox.x1 - _left_edge(ax, renderer)
    lead.set_text(lead_text)
    fit_width(lead, ax.bbox.width, renderer)
    if right is not None:
        right.set_visible(True)
        free = ax.bbox.width - lead.get_window_extent(renderer).width - px(fig, 16)
        if right.get_window_extent(renderer).width <= free:
            stack.append(right)
        else:  # no room beside the key figure: it joins the notes
            notes = [right.get_text(), *notes]
            right.set_text("")
    if notes:
        _notes_below(ax, "Note: " + "; ".join(notes) + ".", max_px, renderer)
    sub.set_text(subtitle)
    fit_width(sub, max_px, renderer)
    name.set_text(meta.name)
    fit_width(name, max_px, renderer)
    execute_layout(fig)


def _caller_header(ax: Axes, stack: list) -> tuple:
    """The (empty) subtitle and title of a caller's Axes, stacked on top of ``stack``.

    They are placed at draw time, on whatever in ``stack`` is visible then:
    the list may still grow.
    """

    def header_anchor(renderer):
        # from the left edge of the y tick labels, on top of the key figure and
        # whatever else is above the plot
        boxes = [a.get_window_extent(renderer) for a in stack if a.get_visible()]
        top = max(b.y1 for b in boxes)
        left = _left_edge(ax, renderer)
        return Bbox.from_extents(left, top - 1, left + 1, top)

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
    return sub, name


def _stamp_once(fig: Figure, meta: FrameMeta) -> None:
    """The footer stamp as the figure's x super-label, unless a chart on it set one.

    It ends at the figure's right edge, so a stamp wider than the figure
    (a random seed's 19 digits on a small chart) is broken into lines
    (:func:`fit_stamp`) rather than cut off on the left.
    """
    if not any(t.get_gid() == _STAMP_GID for t in fig.texts):
        label = fig.supxlabel(
            meta.stamp(), x=0.99, ha="right", fontsize=st.FOOTER_SIZE, color=st.FAINT
        )
        label.set_gid(_STAMP_GID)
        fit_stamp(label, fig.bbox.width * 0.98 - px(fig, 4), renderer_of(fig))


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
    fit_width(note, max_px, renderer)
