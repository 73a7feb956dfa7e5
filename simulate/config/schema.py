"""What each benefit and cost type accepts: field names, defaults and domains.

This is docs/model.md sections 4 and 5 as data. :mod:`.lines` validates
against it and :mod:`simulate.kernel.tables` turns each line into a row of the
kernel's tables through the ``slot`` of each field, so adding a field means
adding one row here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .support import Support

__all__ = [
    "AMOUNT",
    "BENEFIT_TYPES",
    "COST_TYPES",
    "COUNT",
    "FACTOR",
    "MARGIN_WHY",
    "MONTHS",
    "N_SLOTS",
    "PER_YEAR",
    "SLOT_DECAY",
    "SLOT_ESCALATION",
    "SLOT_LAG",
    "SLOT_RAMP",
    "SLOT_SCALE",
    "UNITS",
    "Bound",
    "FieldSpec",
    "LineSpec",
]

INF = math.inf

# Kernel parameter slots: 0..6 are the type's own fields, then the timing fields
# (a benefit's escalation in the free slot 7).
N_SLOTS = 12
SLOT_ESCALATION, SLOT_LAG, SLOT_RAMP, SLOT_DECAY, SLOT_SCALE = 7, 8, 9, 10, 11


NONNEG = Support(0.0, INF)
UNIT = Support(0.0, 1.0)
DECAY = Support(0.0, 1.0, True, False)
# An annual rate is a fraction: above 1 (100% a year) it is a percentage mistyped.
ESCALATION = Support(-1.0, 1.0, False, True)
MONTH = Support(1.0, INF)


@dataclass(frozen=True)
class Bound:
    """The largest size a field's values may have: what the arithmetic can carry.

    Far above any real programme (a trillion a month), so that the sums of
    every line over 600 months, discounted, stay finite and exact enough.
    """

    limit: float
    words: str  # what the values are, for messages: "an amount of money"


AMOUNT = Bound(1e12, "an amount of money (per month, per customer, per hour)")
COUNT = Bound(1e10, "a count of customers, contacts or leads")
MONTHS = Bound(1e6, "a number of months")
FACTOR = Bound(1e6, "a multiplier, relative lift or number of seconds")
FRACTION = Bound(1.0, "a rate or fraction")

# What a field's values are written in (simulate.sensitivity.labels shows them so).
UNITS = ("currency", "months", "seconds", "percent", "multiplier", "count")
PER_YEAR = "_per_year"  # the suffix of a monthly amount's annual form: amount_per_year

MARGIN_WHY = (
    "revenue is not profit: give the contribution margin, e.g. margin: 0.35; "
    "write margin: 1 to count revenue as value on purpose"
)


@dataclass(frozen=True)
class FieldSpec:
    """One numeric field of a line type.

    ``default`` is a number, ``None`` for a required field, or ``"horizon"``
    for a default of ``horizon_months``. ``whole`` fields are fixed whole
    numbers (no prior allowed). ``domain`` is what the field means (an
    amount is >= 0, a margin in [0, 1]); ``bound`` caps the size of its
    values, for a prior the values it can draw. ``per`` marks a rate or
    fraction (``"a year"``, ``"a month"`` or ``""``): a value above 1 is
    taken for a percentage and its fraction suggested. ``unit`` is what its
    values are written in (one of :data:`UNITS`); ``monthly`` marks an amount
    of money per month, which may be given per year instead as
    ``<name>_per_year:`` (converted at load: divided by 12; :mod:`.lines`).
    ``what`` is the field in words: messages and the JSON Schema show it.
    """

    name: str
    slot: int
    domain: Support  # the values the field allows
    default: float | str | None = None
    whole: bool = False
    what: str = ""
    bound: Bound = FRACTION
    per: str | None = None
    unit: str = "percent"
    monthly: bool = False


@dataclass(frozen=True)
class LineSpec:
    """A benefit or cost type: its numeric fields and its word-valued options."""

    type: str
    code: int
    fields: tuple[FieldSpec, ...]
    options: dict[str, tuple[str, ...]]  # option -> allowed values, first is default
    scheduled: bool = False  # takes initial/monthly/annual/timing

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def allowed_keys(self) -> tuple[str, ...]:
        annual = tuple(f.name + PER_YEAR for f in self.fields if f.monthly)
        keys = ("type", "name", "label", *self.field_names, *annual, *self.options)
        if self.scheduled:
            keys += ("initial", "monthly", "annual", "timing")
        return keys


# Kernel type codes (the kernels in kernel/cashflow.py import these).
RETENTION, CONVERSION, SPEND, HANDLE, DEFLECT, RECURRING_BENEFIT, PROFILE, RECURRING_COST = range(8)

_TIMING = (
    FieldSpec(
        "lag", SLOT_LAG, NONNEG, 0.0, what="months before any effect", bound=MONTHS, unit="months"
    ),
    FieldSpec(
        "ramp",
        SLOT_RAMP,
        NONNEG,
        0.0,
        what="months from first to full effect",
        bound=MONTHS,
        unit="months",
    ),
    FieldSpec(
        "decay", SLOT_DECAY, DECAY, 0.0, what="annual erosion after full effect", per="a year"
    ),
    FieldSpec(
        "escalation",
        SLOT_ESCALATION,
        ESCALATION,
        0.0,
        what="annual rise of the amount, from the 13th month of effect (a price rise)",
        per="a year",
    ),
    FieldSpec(
        "scale",
        SLOT_SCALE,
        NONNEG,
        1.0,
        what="multiplier on the effect (a risk adjustment, or a bernoulli success flag)",
        bound=FACTOR,
        unit="multiplier",
    ),
)
_SCALE = (
    FieldSpec(
        "scale",
        SLOT_SCALE,
        NONNEG,
        1.0,
        what="multiplier (overrun risk, or a bernoulli flag)",
        bound=FACTOR,
        unit="multiplier",
    ),
)
_SHAPE = {"ramp_shape": ("linear", "s_curve")}


def _count(name: str, slot: int, what: str, default: float | None = None) -> FieldSpec:
    return FieldSpec(name, slot, NONNEG, default, what=what, bound=COUNT, unit="count")


def _money(
    name: str, slot: int, what: str, default: float | None = None, *, monthly: bool = False
) -> FieldSpec:
    return FieldSpec(
        name, slot, NONNEG, default, what=what, bound=AMOUNT, unit="currency", monthly=monthly
    )


def _months(name: str, slot: int, domain: Support, default, what: str, **kw) -> FieldSpec:
    return FieldSpec(name, slot, domain, default, what=what, bound=MONTHS, unit="months", **kw)


BENEFIT_TYPES: dict[str, LineSpec] = {
    s.type: s
    for s in (
        LineSpec(
            "retention",
            RETENTION,
            (
                _count("customers", 0, "customers at the start (N0)"),
                _money("arpu", 1, "revenue per customer per month", monthly=True),
                FieldSpec("margin", 2, UNIT, what=MARGIN_WHY, per=""),
                FieldSpec(
                    "base_churn", 3, UNIT, what="monthly churn without the programme", per="a month"
                ),
                FieldSpec(
                    "churn_reduction",
                    4,
                    UNIT,
                    what="the cut in churn: a fraction of base_churn (mode: relative) or "
                    "points of monthly churn (mode: absolute)",
                    per="",
                ),
                _count("new_customers_per_month", 5, "customers acquired each month", 0.0),
                *_TIMING,
            ),
            {"mode": ("relative", "absolute"), **_SHAPE},
        ),
        LineSpec(
            "conversion",
            CONVERSION,
            (
                _count("leads_per_month", 0, "leads each month"),
                # Needed only in relative mode; checked in lines.py.
                FieldSpec(
                    "base_conversion",
                    1,
                    UNIT,
                    0.0,
                    what="conversion rate without the programme (needed for mode: relative)",
                    per="",
                ),
                # The allowed range depends on mode: [0, 1] absolute, [0, inf) relative.
                FieldSpec(
                    "conversion_lift",
                    2,
                    NONNEG,
                    what="points of conversion added (mode: absolute, in [0, 1]) or a "
                    "relative lift on base_conversion (mode: relative)",
                    bound=FACTOR,
                    per="",
                ),
                _money("value_per_conversion", 3, "one-off margin per conversion", 0.0),
                _money(
                    "arpu",
                    4,
                    "recurring revenue per converted customer per month",
                    0.0,
                    monthly=True,
                ),
                # Required when arpu is given (checked in lines.py): it applies to arpu only.
                FieldSpec("margin", 5, UNIT, 1.0, what=MARGIN_WHY, per=""),
                FieldSpec(
                    "churn",
                    6,
                    UNIT,
                    0.0,
                    what="monthly churn of converted customers",
                    per="a month",
                ),
                *_TIMING,
            ),
            {"mode": ("absolute", "relative"), **_SHAPE},
        ),
        LineSpec(
            "spend_uplift",
            SPEND,
            (
                _count("customers", 0, "customers who spend"),
                _money("spend_per_customer", 1, "monthly spend per customer", monthly=True),
                FieldSpec("uplift", 2, UNIT, what="fractional rise in spend", per=""),
                FieldSpec("margin", 3, UNIT, what=MARGIN_WHY, per=""),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "handle_time",
            HANDLE,
            (
                _count("contacts_per_month", 0, "contacts handled each month"),
                FieldSpec(
                    "seconds_saved",
                    1,
                    NONNEG,
                    what="per contact",
                    bound=FACTOR,
                    unit="seconds",
                ),
                _money("cost_per_hour", 2, "fully loaded"),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "deflection",
            DEFLECT,
            (
                _count("contacts_per_month", 0, "contacts each month"),
                FieldSpec("deflection_rate", 1, UNIT, what="share of contacts avoided", per=""),
                _money("cost_per_contact", 2, "cost of handling one contact"),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "recurring",
            RECURRING_BENEFIT,
            (_money("amount", 0, "per month", monthly=True), *_TIMING),
            dict(_SHAPE),
        ),
        LineSpec("scheduled", PROFILE, _SCALE, {}, scheduled=True),
    )
}

COST_TYPES: dict[str, LineSpec] = {
    s.type: s
    for s in (
        LineSpec(
            "one_time",
            PROFILE,
            (
                _money("amount", 0, "the whole amount, once"),
                _months(
                    "month",
                    -1,
                    NONNEG,
                    0.0,
                    "whole month it is paid in, 0 = at the decision",
                    whole=True,
                ),
                _months(
                    "spread_months",
                    -1,
                    MONTH,
                    1.0,
                    "spread evenly over this many months",
                    whole=True,
                ),
                *_SCALE,
            ),
            {},
        ),
        LineSpec(
            "recurring",
            RECURRING_COST,
            (
                _money("amount", 0, "per month", monthly=True),
                _months("start_month", 1, MONTH, 1.0, "paid from this month"),
                _months("end_month", 2, MONTH, "horizon", "paid up to this month"),
                FieldSpec("escalation", 3, ESCALATION, 0.0, what="annual", per="a year"),
                *_SCALE,
            ),
            {},
        ),
        LineSpec("scheduled", PROFILE, _SCALE, {}, scheduled=True),
    )
}
