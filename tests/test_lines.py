"""Benefit and cost lines (simulate/config/lines.py): margins where revenue enters, rates
given as fractions, amounts bounded."""

from __future__ import annotations

import pytest

from simulate import ConfigError, load_config

HEAD = """\
name: Lines
horizon_months: 24
benefits:
"""
COST = """\
costs:
  - type: one_time
    amount: 5000
"""
RETENTION = """\
  - type: retention
    customers: 1000
    arpu: 40
    base_churn: 0.02
    churn_reduction: 0.1
"""
SPEND = """\
  - type: spend_uplift
    customers: 1000
    spend_per_customer: 40
    uplift: 0.05
"""
CONVERSION = """\
  - type: conversion
    leads_per_month: 1000
    conversion_lift: 0.01
    value_per_conversion: 20
"""


def problems(write_config, benefits: str, costs: str = COST) -> list[str]:
    path = write_config(HEAD + benefits + costs)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def one(write_config, benefits: str, costs: str = COST) -> str:
    found = problems(write_config, benefits, costs)
    assert len(found) == 1, found
    return found[0]


def loads(write_config, benefits: str, costs: str = COST):
    return load_config(write_config(HEAD + benefits + costs))


# -- margin is required wherever revenue enters ---------------------------------------


@pytest.mark.parametrize(("line", "kind"), [(RETENTION, "retention"), (SPEND, "spend_uplift")])
def test_margin_is_required_where_revenue_enters(write_config, line, kind):
    msg = one(write_config, line)
    assert "benefits[0].margin" in msg and f"a {kind} benefit needs margin:" in msg
    assert "revenue is not profit" in msg and "margin: 0.35" in msg and "margin: 1" in msg
    model = loads(write_config, line + "    margin: 1\n")  # revenue as value, on purpose
    assert model.benefits[0].fields["margin"].value == 1.0


def test_a_conversion_with_recurring_arpu_needs_a_margin(write_config):
    msg = one(write_config, CONVERSION + "    arpu: 25\n")
    assert "benefits[0].margin" in msg and "arpu" in msg and "revenue is not profit" in msg
    prior = CONVERSION + "    arpu: {dist: uniform, min: 0, max: 30}\n"
    assert "revenue is not profit" in one(write_config, prior)
    assert loads(write_config, CONVERSION + "    arpu: 25\n    margin: 0.5\n")


@pytest.mark.parametrize("extra", ["", "    arpu: 0\n"])
def test_a_conversion_without_recurring_revenue_needs_no_margin(write_config, extra):
    assert loads(write_config, CONVERSION + extra).benefits[0].type == "conversion"


def test_an_absolute_conversion_lift_in_points_suggests_the_fraction(write_config):
    msg = one(write_config, CONVERSION.replace("conversion_lift: 0.01", "conversion_lift: 2"))
    assert "benefits[0].conversion_lift" in msg and "did you mean 0.02?" in msg
    relative = CONVERSION.replace("conversion_lift: 0.01", "conversion_lift: 2\n    mode: relative")
    assert loads(write_config, relative + "    base_conversion: 0.05\n")  # a multiple: 2 is fine


# -- rates and fractions written as percentages -----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("    arpu: 40\n", "    arpu: 40\n    margin: 35\n", ["3500%", "did you mean 0.35?"]),
        ("base_churn: 0.02", "base_churn: 2", ["200% a month", "did you mean 0.02?"]),
        (
            "    arpu: 40\n",
            "    arpu: 40\n    margin: 0.3\n    decay: 5\n",
            ["500% a year", "0.05?"],
        ),
    ],
)
def test_a_fraction_above_one_suggests_the_fraction(write_config, old, new, expect):
    text = RETENTION.replace(old, new)
    if "margin" not in text:
        text += "    margin: 0.3\n"
    msg = one(write_config, text)
    assert all(e in msg for e in expect), msg


def _recurring_cost(escalation: str) -> str:
    return COST + f"  - type: recurring\n    amount: 100\n    escalation: {escalation}\n"


def test_escalation_above_100_percent_suggests_the_fraction(write_config):
    msg = one(write_config, "", _recurring_cost("3"))
    assert "costs[1].escalation" in msg and "300% a year" in msg and "did you mean 0.03?" in msg
    msg = one(write_config, "", _recurring_cost("1.0e+10"))
    assert "costs[1].escalation" in msg and "(-1, 1]" in msg
    assert loads(write_config, "", _recurring_cost("1")).costs[1].fields["escalation"].value == 1


def test_an_escalation_prior_beyond_100_percent_says_to_divide_by_100(write_config):
    msg = one(write_config, "", _recurring_cost("{dist: pert, min: 2, mode: 3, max: 5}"))
    assert "costs[1].escalation" in msg and "(-1, 1]" in msg and "divide them by 100" in msg


# -- amounts bounded to what can be computed --------------------------------------------


def test_a_scheduled_amount_beyond_1e12_is_an_error(write_config):
    line = "  - type: scheduled\n    monthly: [1.0e+13]\n"
    msg = one(write_config, line)
    assert "benefits[0].monthly[0]" in msg and "1e+12" in msg


def test_a_bad_cost_amount_is_one_problem_not_also_every_cost_is_zero(write_config):
    msg = one(write_config, "", COST.replace("5000", "80,000"))
    assert "costs[0].amount" in msg and "write 80000" in msg
