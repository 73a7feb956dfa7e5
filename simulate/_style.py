"""The house style of every chart, in one place.

Colours are the Okabe-Ito palette (Okabe & Ito 2008), chosen to stay distinct
under the common forms of colour blindness and in greyscale print. Sizes are
set for a 10 x 5.625 in (16:9) figure that is pasted at half a slide's width
and still read from the back of a room. The number formatters here are the
only place that turns money, percentages and plain numbers into text, so a
label in a chart and a line in a report agree.

Nothing here touches matplotlib's global state: :data:`RC` is applied with
``matplotlib.rc_context`` around each chart.
"""

from __future__ import annotations

import itertools
import math

from matplotlib.ticker import Formatter

__all__ = [
    "FIGSIZE",
    "MINUS",
    "RC",
    "MoneyFormatter",
    "NumberFormatter",
    "PercentFormatter",
    "currency_symbol",
    "format_discount_rate",
    "format_money",
    "format_months",
    "format_number",
    "format_percent",
    "format_probability",
    "format_quantile",
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
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
)


def _font_families() -> list[str]:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [FONT] + [f for f in _FALLBACK_FONTS if f in installed]


MINUS = "\u2212"  # a true minus sign, for text drawn on charts

RC: dict[str, object] = {
    "font.family": _font_families(),
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
    # Deterministic, portable vector output: glyphs as paths in SVG (no font
    # needed where the slide is opened), TrueType in PDF (text stays
    # selectable), and a fixed salt so SVG ids do not change between runs.
    "svg.fonttype": "path",
    "svg.hashsalt": "simulate",
    "pdf.fonttype": 42,
}

# --- currencies ---------------------------------------------------------------

# Symbols in common use in English-language finance decks. A code that is not
# here is written before the number ("CHF 1.2M"), which is never ambiguous.
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "CNY": "CN¥",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "MXN": "MX$",
    "BRL": "R$",
}

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def currency_symbol(currency: str) -> str:
    """The prefix written before an amount: ``"$"`` for USD, ``"CHF "`` for CHF."""
    code = (currency or "").strip().upper()
    return _SYMBOLS.get(code, f"{code} " if code else "")


def _round_sig(value: float, sig: int) -> float:
    return float(f"{value:.{sig}g}")


def _trim(mantissa: float, sig: int) -> str:
    """``mantissa`` (> 0) with ``sig`` significant digits, trailing zeros dropped."""
    digits = max(sig - 1 - math.floor(math.log10(mantissa)), 0)
    text = f"{mantissa:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _compact(magnitude: float, sig: int) -> str:
    """A non-negative number as ``"350"``, ``"1.2k"``, ``"3.5M"``, ``"0.05"``."""
    if magnitude == 0:
        return "0"
    rounded = _round_sig(magnitude, sig)  # before choosing a unit: 999,950 -> 1M
    for scale, suffix in _SUFFIXES:  # largest first: the first that fits is the unit
        if rounded >= scale:
            return _trim(rounded / scale, sig) + suffix
    if rounded < 1e-4:
        return f"{rounded:.{sig}g}"
    return _trim(rounded, sig)


def _special(value: float, minus: str) -> str | None:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else f"{minus}∞"
    return None


def format_money(value: float, currency: str, *, sig: int = 3, minus: str = "-") -> str:
    """An amount in compact form with its currency.

    >>> format_money(1_234_567, "USD"), format_money(-350_000, "USD")
    ('$1.23M', '-$350k')
    >>> format_money(350_000, "EUR"), format_money(1.2e6, "CHF")
    ('€350k', 'CHF 1.2M')

    ``sig`` significant digits, trailing zeros dropped; units k, M, B, T.
    ``minus`` is the sign written before a negative amount (charts pass a
    true minus sign, :data:`MINUS`).
    """
    value = float(value)
    special = _special(value, minus)
    if special is not None:
        return special
    sign = minus if value < 0 and _round_sig(abs(value), sig) != 0 else ""
    return f"{sign}{currency_symbol(currency)}{_compact(abs(value), sig)}"


def format_number(value: float, *, sig: int = 3, minus: str = "-") -> str:
    """A plain number in compact form: ``0.05``, ``12``, ``1.2k``, ``3.5M``."""
    value = float(value)
    special = _special(value, minus)
    if special is not None:
        return special
    sign = minus if value < 0 and _round_sig(abs(value), sig) != 0 else ""
    return sign + _compact(abs(value), sig)


def format_percent(fraction: float, *, sig: int = 3, minus: str = "-") -> str:
    """A fraction as a percentage with ``sig`` significant digits: 0.253 -> ``25.3%``."""
    fraction = float(fraction)
    special = _special(fraction, minus)
    if special is not None:
        return special
    pct = abs(fraction) * 100
    if pct == 0 or _round_sig(pct, sig) == 0:
        return "0%"
    sign = minus if fraction < 0 else ""
    return f"{sign}{_trim(_round_sig(pct, sig), sig)}%"


def format_probability(p: float | None) -> str:
    """A probability to one decimal of a percent, never rounding to a false 0% or 100%."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    p = float(p)
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    if p < 0.0005:
        return "<0.1%"
    if p > 0.9995:
        return ">99.9%"
    return f"{p * 100:.1f}%"


def format_months(months: float | None, horizon: int | None = None) -> str:
    """``"14.2 months"``; a payback beyond the horizon (None or inf) is ``"> 36 months"``."""
    if months is None or not math.isfinite(float(months)):
        return f"> {horizon} months" if horizon is not None else "beyond horizon"
    months = float(months)
    text = f"{months:.1f}".rstrip("0").rstrip(".") if abs(months) < 100 else f"{months:.0f}"
    return f"{text} month" if text == "1" else f"{text} months"


def format_discount_rate(rate: float) -> str:
    """0.1 -> ``"10%"``, 0.075 -> ``"7.5%"``."""
    return format_percent(rate, sig=3)


def format_quantile(q: float) -> str:
    """0.1 -> ``"P10"``, 0.025 -> ``"P2.5"``."""
    return "P" + _trim(_round_sig(float(q) * 100, 4), 4) if q > 0 else "P0"


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
            if all(abs(_round_sig(v, sig) - v) <= tol for v in values):
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
