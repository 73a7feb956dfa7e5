"""Numbers as a config writes them, and as people mistype them.

A numeric value in a config is a finite ``int`` or ``float`` that fits a
float (:func:`is_number`). People write numbers as they would in a
spreadsheet or an e-mail: ``80,000``, ``$6``, ``6 USD``, ``2 months``,
``1.5k``, ``12%``, ``1e6`` (which YAML 1.1 reads as text). None of these is
accepted; each is an error that says what to write instead
(:func:`mistyped_number`), and a text that begins like a number (a digit, a
sign, a currency symbol or a point) is never taken for a prior's name.
A rate or fraction written as a percentage (``discount_rate: 12``) gets
the fraction suggested (:func:`percent_hint`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import describe_value
from ..format import format_as_written
from .support import Support

__all__ = [
    "CURRENCY_SIGNS",
    "as_yaml_number",
    "is_number",
    "looks_numeric",
    "mistyped_number",
    "not_a_number",
    "number_problem",
    "percent_as_fraction",
    "percent_hint",
]

CURRENCY_SIGNS = "$€£¥₹₩₪"

# Units that leave the number as it is: `2 months` is 2 in a field counted in months.
_UNITS = "month|months|mo|mos|mth|mths|a month|per month|/month|/mo|pm|s|sec|secs|second|seconds"
_UNITS += (
    "|per hour|/hour|/h|/hr|an hour|a year|per year|/year|/yr|pa|p.a.|customers|contacts|leads"
)
_PLAIN_UNITS = frozenset(_UNITS.split("|"))
# Multipliers people append to amounts. A lone "m" is left out: million or months?
_MULTIPLIERS = {"k": 3, "K": 3, "thousand": 3, "M": 6, "MM": 6, "mn": 6, "mm": 6, "million": 6}
_MULTIPLIERS |= {"B": 9, "bn": 9, "billion": 9}
_CODE = r"(?:[A-Z]{3})"
_WRITTEN = re.compile(
    r"^(?P<sign>[-+\u2212]?)\s*"
    rf"(?:{_CODE}\s*|[A-Z]{{0,2}}[{CURRENCY_SIGNS}]\s*)?"  # USD 6, $6, US$6
    r"(?P<sign2>[-+\u2212]?)"
    # A space inside a number only between digits (80 000), so that no run of
    # spaces can be split between the number, the unit and the end in many ways.
    r"(?P<body>[0-9](?:[0-9,.'_\u00a0\u202f]| (?=[0-9]))*|\.[0-9]+)"
    r"(?P<exp>[eE][-+]?[0-9]+)?"
    r"\s*(?P<tail>[^0-9\s](?:[^0-9]*[^0-9\s])?)?\s*$"
)
# Longer texts are no number anyone meant (and a regular expression need not read them).
_MAX_WRITTEN = 64
_THOUSANDS = re.compile(r"^[0-9]{1,3}([,' \u00a0\u202f])[0-9]{3}(\1[0-9]{3})*(\.[0-9]+)?$")
_PLAIN = re.compile(r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_YAML_WHOLE_LIMIT = Decimal(10) ** 15


def is_number(value: Any) -> bool:
    """Whether a YAML value is a finite number that fits a float.

    ``yes``/``true`` is not one (bool is an int in Python), and neither is a
    whole number too long for a float (``10**400``), which the arithmetic
    could not use.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def looks_numeric(text: str) -> bool:
    """Whether ``text`` begins as a number does: a digit, a sign, a currency symbol or a point.

    Such a text is never the name of a prior (names start with a letter or
    ``_``), so it is a mistyped number.
    """
    head = text.lstrip()[:1]
    return bool(head) and (head.isdigit() or head in "+-\u2212." + CURRENCY_SIGNS)


def as_yaml_number(value: Decimal | float | int) -> str:
    """A number as YAML reads it back as a number: ``80000``, ``0.12``, ``1.5e+20``.

    YAML 1.1 (PyYAML) reads ``1e6`` as text, so an exponent comes with a point.
    """
    d = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if d == 0:
        return "0"
    if Decimal("1e-6") <= abs(d) < _YAML_WHOLE_LIMIT:
        text = format(d, "f")
        return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text
    mantissa, exponent = f"{d:.12e}".split("e")
    mantissa = mantissa.rstrip("0")
    mantissa = mantissa + "0" if mantissa.endswith(".") else mantissa
    return f"{mantissa}e{exponent}"


def _percent_text(d: Decimal) -> str:
    """``12`` (percent) as the fraction ``0.12``, ``10`` as ``0.10``: the digits as written."""
    fraction = d.scaleb(-2)
    if Decimal("1e-6") <= abs(fraction) < _YAML_WHOLE_LIMIT:
        return format(fraction, "f")
    return as_yaml_number(fraction)


def mistyped_number(text: str) -> str | None:
    """What to write instead of ``text``, if it is a number written as people write them.

    ``"80,000"`` -> ``"80000"``, ``"$6"`` -> ``"6"``, ``"12%"`` -> ``"0.12"``,
    ``"1.5k"`` -> ``"1500"``, ``"2 months"`` -> ``"2"``, ``"1e6"`` ->
    ``"1000000"``; None when the reading would be a guess (``"1,5"``,
    ``"2m"``: million or months?) or the text is no number at all.
    """
    text = text.strip()
    m = _WRITTEN.match(text) if len(text) <= _MAX_WRITTEN else None
    if m is None:
        return None
    signs = (m.group("sign") or "") + (m.group("sign2") or "")
    if len(signs) > 1:
        return None
    negative = signs in ("-", "\u2212")
    body = m.group("body").strip()
    tail = m.group("tail") or ""
    percent = tail.startswith("%")
    if percent:
        tail = tail[1:].strip()
    number = _body_number(body)
    if number is None:
        return None
    if m.group("exp"):
        number = number.scaleb(int(m.group("exp")[1:]))
    if tail in _MULTIPLIERS and not percent:
        number = number.scaleb(_MULTIPLIERS[tail])
    elif tail and tail not in _PLAIN_UNITS and not re.fullmatch(_CODE, tail):
        return None
    number = -number if negative else number
    return _percent_text(number) if percent else as_yaml_number(number.normalize())


def _body_number(body: str) -> Decimal | None:
    """The digits of a number with at most thousands separators, or None if ambiguous."""
    if _PLAIN.match(body):
        cleaned = body
    elif _THOUSANDS.match(body):
        cleaned = re.sub(r"[,' \u00a0\u202f]", "", body)
    elif re.fullmatch(r"[0-9]+(_[0-9]+)+", body):
        cleaned = body.replace("_", "")
    else:
        return None  # "1,5", "1.234,5", "1.2.3": no reading that is not a guess
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def not_a_number(text: str) -> str:
    """The message for a text that is meant as a number but is not one.

    >>> not_a_number("80,000")
    "'80,000' is not a number: write 80000"
    """
    fix = mistyped_number(text)
    if fix is None:
        return (
            f"{describe_value(text)} is not a number: write a plain number such as 80000 or 0.12 "
            "(digits with an optional sign and point; no units, currency or thousands separators)"
        )
    note = ""
    if "%" in text:
        note = f" (a percentage is written as a fraction: {text.strip()} is {fix})"
    elif re.search(r"[0-9][eE][-+]?[0-9]", text):
        note = f" (YAML reads {text.strip()} as text; write the digits, or a point before the e: 1.0e+6)"
    return f"{describe_value(text)} is not a number: write {fix}{note}"


def percent_as_fraction(value: Any) -> Decimal | None:
    """``value`` / 100 exactly as written (``12`` -> ``0.12``) for a number above 1, else None.

    What a rate or fraction written as a whole percentage was meant to be.
    """
    if not is_number(value) or value <= 1:
        return None
    try:
        return Decimal(repr(float(value))).scaleb(-2).normalize()
    except InvalidOperation:
        return None


def percent_hint(value: float, allowed: Support, per: str = "") -> str:
    """``" is 1200% a year, outside ...; write it as a fraction: did you mean 0.12?"``, or ``""``.

    For a rate or fraction above 1 whose value divided by 100 is allowed (a
    percentage written as a whole number); ``per`` is the period (``"a year"``).
    """
    fraction = percent_as_fraction(value)
    if fraction is None or not allowed.contains_value(float(fraction)):
        return ""
    period = f" {per}" if per else ""
    return (
        f" is {format_as_written(value * 100)}%{period}, outside the allowed range {allowed}; "
        f"write it as a fraction: did you mean {as_yaml_number(fraction)}?"
    )


def number_problem(value: Any, what: str = "a number", example: str = "12") -> str:
    """The message for a value that is not a usable number (``is_number(value)`` is False).

    A text that reads as a mistyped number gets what to write instead; an
    infinity, a NaN or a whole number too large for a float is named as such.
    """
    if isinstance(value, str) and (looks_numeric(value) or mistyped_number(value) is not None):
        return not_a_number(value)
    if isinstance(value, float):  # the only floats that are no number: nan and +-inf
        return f"{value!r} is not a finite number; write {what}, e.g. {example}"
    if isinstance(value, int) and not isinstance(value, bool):
        return (
            f"{describe_value(value)} is too large to compute with (beyond the float range, "
            f"about 1.8e+308); write {what}, e.g. {example}"
        )
    return f"{describe_value(value)} is not {what}; write {what}, e.g. {example}"
