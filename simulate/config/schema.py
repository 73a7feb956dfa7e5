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
    "BENEFIT_TYPES",
    "COST_TYPES",
    "N_SLOTS",
    "SLOT_DECAY",
    "SLOT_LAG",
    "SLOT_RAMP",
    "SLOT_SCALE",
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
ABOVE_MINUS_ONE = Support(-1.0, INF, False)
MONTH = Support(1.0, INF)


@dataclass(frozen=True)
class FieldSpec:
    """One numeric field of a line type.

    ``default`` is a number, ``None`` for a required field, or ``"horizon"``
    for a default of ``horizon_months``. ``whole`` fields are fixed whole
    numbers (no prior allowed).
    """

    name: str
    slot: int
    domain: Support  # the values the field allows
    default: float | str | None = None
    whole: bool = False
    what: str = ""


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
        keys = ("type", "name", *self.field_names, *self.options)
        if self.scheduled:
            keys += ("initial", "monthly", "annual", "timing")
        return keys


# Kernel type codes (the kernels in kernel/cashflow.py import these).
RETENTION, CONVERSION, SPEND, HANDLE, DEFLECT, RECURRING_BENEFIT, PROFILE, RECURRING_COST = range(8)

_TIMING = (
    FieldSpec("lag", SLOT_LAG, NONNEG, 0.0, what="months before any effect"),
    FieldSpec("ramp", SLOT_RAMP, NONNEG, 0.0, what="months from first to full effect"),
    FieldSpec("decay", SLOT_DECAY, DECAY, 0.0, what="annual erosion after full effect"),
    FieldSpec("scale", SLOT_SCALE, NONNEG, 1.0, what="multiplier on the effect"),
)
_SCALE = (FieldSpec("scale", SLOT_SCALE, NONNEG, 1.0, what="multiplier"),)
_SHAPE = {"ramp_shape": ("linear", "s_curve")}

BENEFIT_TYPES: dict[str, LineSpec] = {
    s.type: s
    for s in (
        LineSpec(
            "retention",
            RETENTION,
            (
                FieldSpec("customers", 0, NONNEG, what="customers at the start (N0)"),
                FieldSpec("arpu", 1, NONNEG, what="revenue per customer per month"),
                FieldSpec("margin", 2, UNIT, 1.0),
                FieldSpec("base_churn", 3, UNIT, what="monthly churn without the programme"),
                FieldSpec("churn_reduction", 4, UNIT),
                FieldSpec("new_customers_per_month", 5, NONNEG, 0.0),
                *_TIMING,
            ),
            {"mode": ("relative", "absolute"), **_SHAPE},
        ),
        LineSpec(
            "conversion",
            CONVERSION,
            (
                FieldSpec("leads_per_month", 0, NONNEG),
                # Needed only in relative mode; checked in lines.py.
                FieldSpec("base_conversion", 1, UNIT, 0.0),
                # The allowed range depends on mode: [0, 1] absolute, [0, inf) relative.
                FieldSpec("conversion_lift", 2, NONNEG),
                FieldSpec("value_per_conversion", 3, NONNEG, 0.0),
                FieldSpec("arpu", 4, NONNEG, 0.0),
                FieldSpec("margin", 5, UNIT, 1.0),
                FieldSpec("churn", 6, UNIT, 0.0),
                *_TIMING,
            ),
            {"mode": ("absolute", "relative"), **_SHAPE},
        ),
        LineSpec(
            "spend_uplift",
            SPEND,
            (
                FieldSpec("customers", 0, NONNEG),
                FieldSpec("spend_per_customer", 1, NONNEG, what="monthly spend"),
                FieldSpec("uplift", 2, UNIT),
                FieldSpec("margin", 3, UNIT, 1.0),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "handle_time",
            HANDLE,
            (
                FieldSpec("contacts_per_month", 0, NONNEG),
                FieldSpec("seconds_saved", 1, NONNEG, what="per contact"),
                FieldSpec("cost_per_hour", 2, NONNEG, what="fully loaded"),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "deflection",
            DEFLECT,
            (
                FieldSpec("contacts_per_month", 0, NONNEG),
                FieldSpec("deflection_rate", 1, UNIT),
                FieldSpec("cost_per_contact", 2, NONNEG),
                *_TIMING,
            ),
            dict(_SHAPE),
        ),
        LineSpec(
            "recurring",
            RECURRING_BENEFIT,
            (FieldSpec("amount", 0, NONNEG, what="per month"), *_TIMING),
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
                FieldSpec("amount", 0, NONNEG),
                FieldSpec("month", -1, Support(0.0, INF), 0.0, whole=True),
                FieldSpec("spread_months", -1, MONTH, 1.0, whole=True),
                *_SCALE,
            ),
            {},
        ),
        LineSpec(
            "recurring",
            RECURRING_COST,
            (
                FieldSpec("amount", 0, NONNEG, what="per month"),
                FieldSpec("start_month", 1, MONTH, 1.0),
                FieldSpec("end_month", 2, MONTH, "horizon"),
                FieldSpec("escalation", 3, ABOVE_MINUS_ONE, 0.0, what="annual"),
                *_SCALE,
            ),
            {},
        ),
        LineSpec("scheduled", PROFILE, _SCALE, {}, scheduled=True),
    )
}
