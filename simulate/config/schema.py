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
    "SLOT_DECAY",
    "SLOT_LAG",
    "SLOT_RAMP",
    "SLOT_SCALE",
    "Bound",
    "FieldSpec",
    "LineSpec",
]

INF = math.inf

# Kernel parameter slots: 0..7 are the type's own fields, then the timing fields.
N_SLOTS = 12
SLOT_LAG, SLOT_RAMP, SLOT_DECAY, SLOT_SCALE = 8, 9, 10, 11


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
    taken for a percentage and its fraction suggested.
    """

    name: str
    slot: int
    domain: Support  # the values the field allows
    default: float | str | None = None
    whole: bool = False
    what: str = ""
    bound: Bound = FRACTION
    per: str | None = None


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
        keys = ("type", "name", "label", *self.field_names, *self.options)
        if self.scheduled:
            keys += ("initial", "monthly", "annual", "timing")
        return keys


# Kernel type codes (the kernels in kernel/cashflow.py import these).
RETENTION, CONVERSION, SPEND, HANDLE, DEFLECT, RECURRING_BENEFIT, PROFILE, RECURRING_COST = range(8)

_TIMING = (
    FieldSpec("lag", SLOT_LAG, NONNEG, 0.0, what="months before any effect", bound=MONTHS),
    FieldSpec(
        "ramp", SLOT_RAMP, NONNEG, 0.0, what="months from first to full effect", bound=MONTHS
    ),
    FieldSpec(
        "decay", SLOT_DECAY, DECAY, 0.0, what="annual erosion after full effect", per="a year"
    ),
    FieldSpec("scale", SLOT_SCALE, NONNEG, 1.0, what="multiplier on the effect", bound=FACTOR),
)
_SCALE = (FieldSpec("scale", SLOT_SCALE, NONNEG, 1.0, what="multiplier", bound=FACTOR),)
_SHAPE = {"ramp_shape": ("linear", "s_curve")}

BENEFIT_TYPES: dict[str, LineSpec] = {
    s.type: s
    for s in (
        LineSpec(
            "retention",
            RETENTION,
            (
                FieldSpec("customers", 0, NONNEG, what="customers at the start (N0)", bound=COUNT),
                FieldSpec("arpu", 1, NONNEG, what="revenue per customer per month", bound=AMOUNT),
                FieldSpec("margin", 2, UNIT, what=MARGIN_WHY, per=""),
                FieldSpec(
                    "base_churn", 3, UNIT, what="monthly churn without the programme", per="a month"
                ),
                FieldSpec("churn_reduction", 4, UNIT, per=""),
                FieldSpec("new_customers_per_month", 5, NONNEG, 0.0, bound=COUNT),
                *_TIMING,
            ),
            {"mode": ("relative", "absolute"), **_SHAPE},
        ),
        LineSpec(
            "conversion",
            CONVERSION,
            (
                FieldSpec("leads_per_month", 0, NONNEG, bound=COUNT),
                # Needed only in relative mode; checked in lines.py.
                FieldSpec("base_conversion", 1, UNIT, 0.0, per=""),
                # The allowed range depends on mode: [0, 1] absolute, [0, inf) relative.
                FieldSpec("conversion_lift", 2, NONNEG, bound=FACTOR, per=""),
                FieldSpec("value_per_conversion", 3, NONNEG, 0.0, bound=AMOUNT),
                FieldSpec("arpu", 4, NONNEG, 0.0, bound=AMOUNT),
                # Required when arpu is given (checked in lines.py): it applies to arpu only.
                FieldSpec("margin", 5, UNIT, 1.0, what=MARGIN_WHY, per=""),
                FieldSpec("churn", 6, UNIT, 0.0, per="a month"),
                *_TIMING,
            ),
            {"mode": ("absolute", "relative"), **_SHAPE},
        ),
        LineSpec(
            "spend_uplift",
            SPEND,
            (
                FieldSpec("customers", 0, NONNEG, bound=COUNT),
                FieldSpec("spend_per_customer", 1, NONNEG, what="monthly spend", bound=AMOUNT),
                FieldSpec("uplift", 2, UNIT, per=""),
                FieldSpec("margin", 3, UNIT, what=MARGIN_WHY, per=""),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "handle_time",
            HANDLE,
            (
                FieldSpec("contacts_per_month", 0, NONNEG, bound=COUNT),
                FieldSpec("seconds_saved", 1, NONNEG, what="per contact", bound=FACTOR),
                FieldSpec("cost_per_hour", 2, NONNEG, what="fully loaded", bound=AMOUNT),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "deflection",
            DEFLECT,
            (
                FieldSpec("contacts_per_month", 0, NONNEG, bound=COUNT),
                FieldSpec("deflection_rate", 1, UNIT, per=""),
                FieldSpec("cost_per_contact", 2, NONNEG, bound=AMOUNT),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "recurring",
            RECURRING_BENEFIT,
            (FieldSpec("amount", 0, NONNEG, what="per month", bound=AMOUNT), *_TIMING),
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
                FieldSpec("amount", 0, NONNEG, bound=AMOUNT),
                FieldSpec("month", -1, NONNEG, 0.0, whole=True, bound=MONTHS),
                FieldSpec("spread_months", -1, MONTH, 1.0, whole=True, bound=MONTHS),
                *_SCALE,
            ),
            {},
        ),
        LineSpec(
            "recurring",
            RECURRING_COST,
            (
                FieldSpec("amount", 0, NONNEG, what="per month", bound=AMOUNT),
                FieldSpec("start_month", 1, MONTH, 1.0, bound=MONTHS),
                FieldSpec("end_month", 2, MONTH, "horizon", bound=MONTHS),
                FieldSpec("escalation", 3, ESCALATION, 0.0, what="annual", per="a year"),
                *_SCALE,
            ),
            {},
        ),
        LineSpec("scheduled", PROFILE, _SCALE, {}, scheduled=True),
    )
}
