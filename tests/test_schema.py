"""The line types as data: every field has its own kernel slot, and its default is allowed."""

from __future__ import annotations

import pytest

from simulate.config.schema import (
    BENEFIT_TYPES,
    COST_TYPES,
    N_SLOTS,
    SLOT_DECAY,
    SLOT_LAG,
    SLOT_RAMP,
    SLOT_SCALE,
)

SPECS = [*BENEFIT_TYPES.values(), *COST_TYPES.values()]
TIMING = {"lag": SLOT_LAG, "ramp": SLOT_RAMP, "decay": SLOT_DECAY, "scale": SLOT_SCALE}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_each_field_has_its_own_slot(spec):
    slots = [f.slot for f in spec.fields if f.slot >= 0]  # -1: read into the profile instead
    assert len(set(slots)) == len(slots) and all(s < N_SLOTS for s in slots)
    for f in spec.fields:
        if f.name in TIMING:
            assert f.slot == TIMING[f.name]
        else:
            assert f.slot < SLOT_LAG, f.name  # the type's own fields come before timing


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_defaults_lie_in_their_fields_range(spec):
    for f in spec.fields:
        if isinstance(f.default, float):
            assert f.domain.contains_value(f.default), f.name
            assert not f.whole or f.default.is_integer(), f.name
    for option, allowed in spec.options.items():
        assert len(set(allowed)) == len(allowed), option


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_allowed_keys_are_the_fields_and_options(spec):
    keys = spec.allowed_keys()
    assert len(set(keys)) == len(keys)
    assert set(keys) >= {"type", "name", *spec.field_names, *spec.options}
    assert ("monthly" in keys) is spec.scheduled


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_every_field_is_bounded_and_rates_are_fractions(spec):
    for f in spec.fields:
        assert 0 < f.bound.limit <= 1e12, f.name  # what the arithmetic can carry
        # A rate or fraction: above 1 is a percentage mistyped. (A conversion lift is
        # one only in absolute mode; lines.py narrows its range to [0, 1] there.)
        if f.per is not None and f.name != "conversion_lift":
            assert f.domain.hi <= 1 and f.domain.lo >= -1, f.name
    names = {f.name for f in spec.fields}
    if spec.type in ("retention", "spend_uplift"):
        margin = next(f for f in spec.fields if f.name == "margin")
        assert margin.default is None  # required: revenue is not profit
    if "escalation" in names:
        escalation = next(f for f in spec.fields if f.name == "escalation")
        assert escalation.domain.hi == 1 and escalation.per == "a year"
