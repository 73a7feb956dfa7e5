"""Charts for a web page: drawn at a given size, exported as an ``<svg>`` element to inline.

:mod:`simulate.report` places several charts in one self-contained HTML
page. Each is drawn by a chart function on an Axes of a figure of the size
the page needs (:func:`inline_svg`), then written as SVG with its text kept
as text (``svg.fonttype: none``), every font list ending in a generic
family (so a browser never fetches a font), no XML prolog, metadata, style
sheet or fixed size, and every id prefixed so that charts sharing a page
never share an id.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator

from ._frame import RC_LOCK
from ._glyphs import noting_missing_glyphs
from ._layout import renderer_of

__all__ = ["inline_svg", "svg_element", "thin_crowded_ticks"]

_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "simulate-inline"}
_GENERIC = ("sans-serif", "serif", "monospace", "system-ui")


def inline_svg(
    draw: Callable[[Axes], object], size: tuple[float, float], *, prefix: str, label: str
) -> str:
    """Call ``draw(ax)`` on a new ``size`` (inches) figure; return it as :func:`svg_element`."""
    with RC_LOCK, noting_missing_glyphs():
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw(ax)
        thin_crowded_ticks(ax)
        return svg_element(fig, prefix, label)


_TICK_GAP_PX = 6.0


def _crowded(labels, renderer) -> bool:
    boxes = sorted(
        (t.get_window_extent(renderer) for t in labels if t.get_text()), key=lambda b: b.x0
    )
    return any(b.x0 - a.x1 < _TICK_GAP_PX for a, b in itertools.pairwise(boxes))


def thin_crowded_ticks(ax: Axes) -> None:
    """Fewer x ticks where their labels touch, as wide labels do on a small chart.

    The house charts choose their ticks for a 10-inch figure; drawn smaller,
    labels such as ``−$1.9995M`` (or months every 3) can run together. A
    "nice number" locator gets fewer bins, a month locator a step twice as long.
    """
    locator = ax.xaxis.get_major_locator()
    renderer = renderer_of(ax.get_figure(root=True))
    for nbins in (6, 5, 4, 3, 2):
        if not _crowded(ax.xaxis.get_majorticklabels(), renderer):
            return
        if isinstance(locator, MaxNLocator):
            locator.set_params(nbins=nbins)
        elif isinstance(locator, MultipleLocator):
            ticks = ax.get_xticks()
            if len(ticks) < 2:
                return
            locator.set_params(base=2 * float(ticks[1] - ticks[0]))
        else:
            return


def _with_generic_font(match: re.Match) -> str:
    families = match.group(1).strip()
    if families.split(",")[-1].strip().strip("'\"") in _GENERIC:
        return match.group(0)
    return f"font-family: {families}, sans-serif"


def svg_element(fig: Figure, prefix: str, label: str) -> str:
    """``fig`` as an ``<svg>`` element to place in an HTML page.

    No XML prolog, metadata or style sheet (a page's own style sets
    ``stroke-linejoin: round; stroke-linecap: butt``, which that sheet held);
    no fixed size (the page sizes it, keeping its aspect through its
    viewBox); every id, and every reference to one, prefixed with
    ``prefix-``; text kept as text with a generic fallback font; ``label``
    as its accessible name. matplotlib escapes every text it writes.
    """
    buf = io.StringIO()
    with RC_LOCK, mpl.rc_context(_SVG_RC), noting_missing_glyphs():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = re.sub(r"font-family:\s*([^;\"]+)", _with_generic_font, svg)
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    escaped = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    head += f' class="chart" role="img" aria-label="{escaped}"'
    return head + svg[head_end:]
