"""What an input is called and in what unit its values are written.

Every row of ``sensitivity.json`` names its input twice: ``input``, the name
in the config (a prior's name, or an inline prior's path such as
``costs[0].scale``), and ``label``, what charts and tables show
(:attr:`simulate.config.Input.label`: the prior's ``label:``, else its
line's label and field, else its name). Rows that show an input's values add
``unit``, inferred from the fields the input feeds:

============  ==========================================================  =========
unit          fields                                                      written
============  ==========================================================  =========
currency      amounts: arpu, spend and value per customer or conversion,  ``$48``
              cost per hour or contact, a line's amount
months        lag, ramp, start_month, end_month                           ``3.5 mo``
seconds       seconds_saved                                               ``45 s``
percent       rates and fractions: margin, churn, churn_reduction,        ``5%``
              uplift, deflection and conversion rates and lifts, decay,
              escalation
multiplier    scale                                                       ``×1.05``
count         customers, contacts, leads                                  ``200k``
============  ==========================================================  =========

An input that feeds fields of different units is ``mixed`` and written as a
plain number (no unit is right for all its fields); one that feeds no field
is ``number``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..config import Input
from ..format import MINUS, format_money, format_number, format_percent

__all__ = [
    "FIELD_UNITS",
    "UNITS",
    "field_unit",
    "fields_unit",
    "format_value",
    "input_unit",
    "named",
    "unit_suffix",
    "valued",
]

UNITS = ("currency", "months", "seconds", "percent", "multiplier", "count", "mixed", "number")

_BY_UNIT = {
    "currency": ("arpu", "spend_per_customer", "cost_per_hour", "cost_per_contact",
                 "value_per_conversion", "amount"),
    "months": ("lag", "ramp", "start_month", "end_month", "month", "spread_months"),
    "seconds": ("seconds_saved",),
    "percent": ("margin", "base_churn", "churn_reduction", "churn", "uplift",
                "deflection_rate", "base_conversion", "conversion_lift", "decay",
                "escalation"),
    "multiplier": ("scale",),
    "count": ("customers", "new_customers_per_month", "contacts_per_month",
              "leads_per_month"),
}  # fmt: skip
# The unit of each numeric field of every line type (tests check none is missing).
FIELD_UNITS: dict[str, str] = {f: unit for unit, names in _BY_UNIT.items() for f in names}


def field_unit(path: str) -> str:
    """The unit of the field at ``path`` (``benefits[0].lag`` -> ``months``)."""
    return FIELD_UNITS.get(path.rpartition(".")[2], "number")


def input_unit(inp: Input) -> str:
    """The unit of an input: that of every field it feeds, ``mixed`` if they differ."""
    return fields_unit(inp.used_by)


def fields_unit(paths: Iterable[str]) -> str:
    """The unit of a value that feeds the fields at ``paths``, ``mixed`` if they differ.

    A stage gate (``gates[i].continue_if``) reads the value in the unit of those
    fields, so it adds none of its own. For a fixed prior, which is no
    :class:`Input`, pass the fields that name it (``Model.prior_users``).
    """
    units = {field_unit(p) for p in paths if not p.startswith("gates[")}
    if not units:
        return "number"
    return units.pop() if len(units) == 1 else "mixed"


def named(inp: Input) -> dict[str, str]:
    """The start of a row about ``inp``: ``{"input": name, "label": label}``."""
    return {"input": inp.name, "label": inp.label or inp.name}


def valued(inp: Input) -> dict[str, str]:
    """The start of a row that shows ``inp``'s values: its name, label and unit."""
    return {**named(inp), "unit": input_unit(inp)}


def format_value(value: Any, unit: str | None, currency: str, *, minus: str = MINUS) -> str:
    """An input's value written in its unit: ``$48``, ``3.5 mo``, ``5%``, ``×1.05``.

    ``unit`` None, ``mixed`` or ``number`` (or unknown) gives the plain number.
    Charts pass a true minus sign (the default); tables pass ``-``.
    """
    if value is None:
        return "n/a"
    v = float(value)
    if unit == "currency":
        return format_money(v, currency, minus=minus)
    if unit == "percent":
        return format_percent(v, minus=minus)
    plain = format_number(v, minus=minus)
    if unit == "multiplier":
        return f"×{plain}"
    if unit == "months":
        return f"{plain} mo"
    if unit == "seconds":
        return f"{plain} s"
    return plain


def unit_suffix(unit: str | None, currency: str) -> str:
    """The unit in words for an axis or a legend: ``USD``, ``months``, ``%``; "" for none."""
    return {
        "currency": currency,
        "months": "months",
        "seconds": "seconds",
        "percent": "%",
        "multiplier": "×",
        "count": "count",
    }.get(unit or "", "")
