"""Numbers as text: money, percentages, probabilities, months, quantiles.

The only place that turns a number into words, for the terminal tables, the
JSON-free reports, the chart labels and the numbers that config errors echo
back alike, so a label on a chart and a line in a report agree. Pure Python:
nothing here imports matplotlib or numpy.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "MINUS",
    "count_months",
    "currency_symbol",
    "format_as_written",
    "format_discount_rate",
    "format_money",
    "format_months",
    "format_number",
    "format_percent",
    "format_points",
    "format_probability",
    "format_quantile",
    "probability_decimals",
    "round_sig",
]

MINUS = "\u2212"  # a true minus sign, for text drawn on charts

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


def format_as_written(value: Any) -> str:
    """A number as a person would write it in a config; a list of them as ``[a, b]``.

    Up to 12 significant digits, no thousands separators, ``inf``/``-inf``
    for the infinities: the form error messages and descriptions of priors
    echo back (``max (0.1) must be greater than min (0.2)``).

    >>> format_as_written(0.1), format_as_written(4), format_as_written([1, 2.5])
    ('0.1', '4', '[1, 2.5]')
    """
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_as_written(v) for v in value) + "]"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)  # exactly: a seed's limit is 9223372036854775807, not 9.2e+18
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.12g}"


def round_sig(value: float, sig: int) -> float:
    """``value`` rounded to ``sig`` significant digits."""
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
    rounded = round_sig(magnitude, sig)  # before choosing a unit: 999,950 -> 1M
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
    sign = minus if value < 0 and round_sig(abs(value), sig) != 0 else ""
    return f"{sign}{currency_symbol(currency)}{_compact(abs(value), sig)}"


def format_number(value: float, *, sig: int = 3, minus: str = "-") -> str:
    """A plain number in compact form: ``0.05``, ``12``, ``1.2k``, ``3.5M``."""
    value = float(value)
    special = _special(value, minus)
    if special is not None:
        return special
    sign = minus if value < 0 and round_sig(abs(value), sig) != 0 else ""
    return sign + _compact(abs(value), sig)


def format_percent(fraction: float, *, sig: int = 3, minus: str = "-") -> str:
    """A fraction as a percentage with ``sig`` significant digits: 0.253 -> ``25.3%``."""
    fraction = float(fraction)
    special = _special(fraction, minus)
    if special is not None:
        return special
    pct = abs(fraction) * 100
    if pct == 0 or round_sig(pct, sig) == 0:
        return "0%"
    sign = minus if fraction < 0 else ""
    return f"{sign}{_trim(round_sig(pct, sig), sig)}%"


def format_points(fraction: float) -> str:
    """A probability's (or ROI's) half-width in percentage points: ``0.2 pp``, ``0.036 pp``."""
    pts = fraction * 100
    return f"{pts:.2g} pp" if pts < 0.1 else f"{pts:.1f} pp"


def format_probability(p: float | None) -> str:
    """A probability to one decimal of a percent, never rounding to a false 0% or 100%.

    >>> format_probability(0.7243), format_probability(0.9995), format_probability(0.0004)
    ('72.4%', '>99.9%', '<0.1%')

    ``0%`` and ``100%`` are kept for exactly 0 and 1. The test is on the text
    as it would be written, so every value whose one-decimal rounding reaches
    ``0.0`` or ``100.0`` (0.9995 rounds half-even to 100.0, as 0.99951 does)
    is ``<0.1%`` or ``>99.9%``, whatever the rounding rule or binary error.
    """
    if p is None:
        return "n/a"
    p = float(p)
    if math.isnan(p):
        return "n/a"
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    text = f"{p * 100:.1f}"
    if text == "0.0":
        return "<0.1%"
    if text == "100.0":
        return ">99.9%"
    return text + "%"


def probability_decimals(p: float | None, at_least: int = 1) -> int:
    """The decimals of a percent that show ``p`` as 0% or 100% only when it is exactly so.

    For a number that another program rounds (a spreadsheet's number format),
    where the text cannot be checked as :func:`format_probability` checks
    its own: at ``d`` decimals ``p`` must lie at least 0.6 of the last digit
    from 0% and 100%, which no rounding rule (half up, half even, a binary
    error) carries to the end. ``at_least`` decimals, more where needed, at
    most 9; ``at_least`` for None, NaN, 0, 1 and values outside.

    >>> probability_decimals(0.9995, 2), probability_decimals(0.99995, 2), probability_decimals(0.5)
    (2, 3, 1)
    """
    if p is None:
        return at_least
    pct = float(p) * 100
    if not 0 < pct < 100:  # NaN too
        return at_least
    for digits in range(at_least, 10):
        margin = 0.6 * 10.0**-digits
        if margin <= pct <= 100 - margin:
            return digits
    return max(at_least, 9)


def count_months(n: float) -> str:
    """A number of months as written in a config: ``"36 months"``, ``"1 month"``, ``"18.5 months"``.

    For horizons, targets and gates, which are given, not estimated: no
    rounding, unlike :func:`format_months`.
    """
    return f"{n:g} month" if n == 1 else f"{n:g} months"


def format_months(months: float | None, horizon: int | None = None) -> str:
    """``"14.2 months"``; a payback beyond the horizon (None or inf) is ``"> 36 months"``."""
    if months is None or not math.isfinite(float(months)):
        return f"> {count_months(horizon)}" if horizon is not None else "beyond horizon"
    months = float(months)
    text = f"{months:.1f}".rstrip("0").rstrip(".") if abs(months) < 100 else f"{months:.0f}"
    if 0 < abs(months) < 0.05:  # a payback within days is not "0 months": two digits
        text = f"{months:.2g}" if abs(months) >= 1e-4 else f"{months:.1e}"
    return f"{text} month" if text == "1" else f"{text} months"


def format_discount_rate(rate: float) -> str:
    """0.1 -> ``"10%"``, 0.075 -> ``"7.5%"``."""
    return format_percent(rate, sig=3)


def format_quantile(q: float) -> str:
    """0.1 -> ``"P10"``, 0.025 -> ``"P2.5"``."""
    return "P" + _trim(round_sig(float(q) * 100, 4), 4) if q > 0 else "P0"
