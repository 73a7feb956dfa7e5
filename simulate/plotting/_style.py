"""The house style of every chart, in one place.

Colours are the Okabe-Ito palette (Okabe & Ito 2008), chosen to stay distinct
under the common forms of colour blindness and in greyscale print. Sizes are
set for a 10 x 5.625 in (16:9) figure that is pasted at half a slide's width
and still read from the back of a room. Tick labels go through
:mod:`simulate.format`, so a label on a chart and a line in a report agree.

Nothing here touches matplotlib's global state: :data:`RC` is applied with
``matplotlib.rc_context`` around each chart.
"""

from __future__ import annotations

import itertools

from matplotlib.ticker import Formatter

from ..format import MINUS, format_money, format_number, format_percent, round_sig

__all__ = [
    "FIGSIZE",
    "RC",
    "MoneyFormatter",
    "NumberFormatter",
    "PercentFormatter",
]

# --- palette (Okabe-Ito) ----------------------------------------------------

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"

INK = "#1A1A1A"  # titles, values
TEXT = "#333333"  # body text, tick labels
MUTED = "#6B6B6B"  # subtitles, notes
FAINT = "#8C8C8C"  # footer stamp
GRID = "#E3E3E3"
SPINE = "#9A9A9A"

# Roles, so that a chart says what a colour means rather than which it is.
MAIN = BLUE  # the distribution, the median path, benefits
LOSS = VERMILLION  # money lost, costs
LOSS_SHADE = "#FBE3D3"  # background of the loss region (vermillion, light)
TARGET = PURPLE  # targets set in the config
TARGET_TEXT = "#A34C82"  # the same hue, dark enough for text on white
LOW = ORANGE  # tornado: input at its low quantile
HIGH = BLUE  # tornado: input at its high quantile
TOTAL = "#404040"  # waterfall subtotal and NPV bars
BAND_OUTER = "#C6DBEF"  # fan: P10-P90
BAND_INNER = "#86B6DA"  # fan: P25-P75

# --- sizes ------------------------------------------------------------------

FIGSIZE = (10.0, 5.625)  # inches, 16:9
PNG_DPI = 200

TITLE_SIZE = 18
SUBTITLE_SIZE = 13
BASE_SIZE = 13  # tick labels, axis labels
LABEL_SIZE = 12  # labels placed on the data
NOTE_SIZE = 11
FOOTER_SIZE = 9

FONT = "DejaVu Sans"  # ships with matplotlib: same glyphs (incl. € £ ¥ ₹) everywhere
# Fallbacks for names in scripts DejaVu lacks (a config named in Japanese),
# used only where installed so that a missing font is never looked up.
_FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "Hiragino Sans",
    "Yu Gothic",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "TakaoPGothic",
    "VL PGothic",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
)


# What an SVG asks for when DejaVu Sans is missing where it is opened: fonts of
# about its width (Verdana is the closest), then any sans-serif. Charts are
# measured and drawn with DejaVu Sans; these names only reach the SVG's text.
_SVG_FALLBACKS = ("Bitstream Vera Sans", "Verdana", "Arial", "Helvetica")


def _font_families() -> list[str]:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    # "sans-serif" ends the list: matplotlib finds DejaVu Sans first, and an SVG
    # lists every name of font.sans-serif, then the generic family
    return [FONT] + [f for f in _FALLBACK_FONTS if f in installed] + ["sans-serif"]


RC: dict[str, object] = {
    "font.family": _font_families(),
    "font.sans-serif": [FONT, *_SVG_FALLBACKS],
    "font.size": BASE_SIZE,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.labelsize": BASE_SIZE,
    "axes.titlesize": BASE_SIZE,
    "axes.titleweight": "normal",
    "axes.titlecolor": INK,
    "axes.titlepad": 8,
    "axes.edgecolor": SPINE,
    "axes.linewidth": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "axes.unicode_minus": True,
    "axes.formatter.use_mathtext": False,
    "grid.color": GRID,
    "grid.linewidth": 0.9,
    "grid.linestyle": "-",
    "xtick.color": SPINE,
    "ytick.color": SPINE,
    "xtick.labelcolor": TEXT,
    "ytick.labelcolor": TEXT,
    "xtick.labelsize": BASE_SIZE,
    "ytick.labelsize": BASE_SIZE,
    "xtick.major.size": 4,
    "ytick.major.size": 0,
    "xtick.major.width": 0.9,
    "ytick.major.width": 0.9,
    "ytick.major.pad": 6,
    "legend.frameon": False,
    "legend.fontsize": LABEL_SIZE,
    "legend.handlelength": 1.2,
    "legend.handleheight": 0.9,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "figure.figsize": FIGSIZE,
    "lines.solid_capstyle": "butt",
    "savefig.facecolor": "white",
    "savefig.dpi": PNG_DPI,
    # Deterministic, editable vector output: text as text in SVG (it can be
    # edited in PowerPoint or Illustrator; the font stack above names DejaVu
    # Sans, then fonts of its width, then sans-serif), TrueType in PDF (text
    # stays selectable), and a fixed salt so SVG ids do not change between runs.
    "svg.fonttype": "none",
    "svg.hashsalt": "simulate",
    "pdf.fonttype": 42,
    # Glyphs as designed, not snapped to the pixel grid: at 200 dpi hinting shows
    # no difference a reader sees (and none once the chart is scaled onto a slide),
    # and skipping it measures and draws text, most of a chart's time, ~12% faster.
    "text.hinting": "no_hinting",
    # Names, labels and money are text: two "$" in a title ("Pay $5 to save $20")
    # must not start TeX maths (it ate the dollar signs, and a backslash crashed a run).
    "text.parse_math": False,
}

# --- axis formatters ---------------------------------------------------------------


class _CompactFormatter(Formatter):
    """Tick labels with the fewest significant digits (3 or more) that show each tick exactly."""

    def __init__(self) -> None:
        self._sig = 3

    def _format(self, value: float, sig: int) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x, pos=None):
        return self._format(x, self._sig)

    def format_ticks(self, values):
        values = [float(v) for v in values]
        scale = max((abs(v) for v in values), default=0.0)
        # a tick meant to be 0 can arrive as 1e-17: snap it
        values = [0.0 if abs(v) <= 1e-9 * scale else v for v in values]
        steps = [abs(b - a) for a, b in itertools.pairwise(values) if b != a]
        tol = 1e-6 * (min(steps) if steps else max(scale, 1e-300))
        for sig in range(3, 10):
            if all(abs(round_sig(v, sig) - v) <= tol for v in values):
                break
        self._sig = sig
        return [self._format(v, sig) for v in values]


class MoneyFormatter(_CompactFormatter):
    """Axis ticks as money: ``$0``, ``$500k``, ``−$1.5M``."""

    def __init__(self, currency: str) -> None:
        super().__init__()
        self.currency = currency

    def _format(self, value, sig):
        return format_money(value, self.currency, sig=sig, minus=MINUS)


class PercentFormatter(_CompactFormatter):
    """Axis ticks for fractions shown as percentages: 0.25 -> ``25%``."""

    def _format(self, value, sig):
        return format_percent(value, sig=sig, minus=MINUS)


class NumberFormatter(_CompactFormatter):
    """Axis ticks as compact plain numbers, with an optional unit (``" mo"``)."""

    def __init__(self, unit: str = "") -> None:
        super().__init__()
        self.unit = unit

    def _format(self, value, sig):
        return format_number(value, sig=sig, minus=MINUS) + self.unit
