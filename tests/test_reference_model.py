"""Tests of the plain-Python reference model against hand-worked numbers and numpy-financial.

The oracle is ``oracles.reference_model``. The hand-worked cases (with their
arithmetic) live in ``oracles.handworked`` so that the engine's tests can be
parametrized over the same cases.
"""

import math
import re
from itertools import accumulate, pairwise

import numpy_financial as npf
import pytest
from oracles.handworked import HANDWORKED_CASES
from oracles.reference_model import effect_multiplier, irr_annual, payback, reference_trial

REL = 1e-12
ABS = 1e-9  # only matters for expected values at or near zero

CASES_BY_ID = {case["id"]: case for case in HANDWORKED_CASES}


def _trial(case_id):
    case = CASES_BY_ID[case_id]
    return reference_trial(case["config"], case["values"])


def _sign_changes(xs):
    signs = [x > 0 for x in xs if x != 0]
    return sum(a != b for a, b in pairwise(signs))


def _monthly_rate(annual):
    return (1 + annual) ** (1 / 12) - 1


# --------------------------------------------------------------------------
# The hand-worked cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", HANDWORKED_CASES, ids=lambda case: case["id"])
def test_handworked_case(case):
    result = reference_trial(case["config"], case["values"])
    for key, expected in case["expect"].items():
        got = result[key]
        if isinstance(expected, list):
            assert len(got) == len(expected), key
            assert got == pytest.approx(expected, rel=REL, abs=ABS), key
        else:
            assert got == pytest.approx(expected, rel=REL, abs=ABS, nan_ok=True), key


def test_case_ids_are_unique_and_every_config_has_a_nonzero_cost():
    assert len(CASES_BY_ID) == len(HANDWORKED_CASES)
    for case in HANDWORKED_CASES:
        amounts = [
            cost.get("amount", 0)
            or cost.get("initial", 0)
            or any(cost.get("monthly", []) + cost.get("annual", []))
            for cost in case["config"]["costs"]
        ]
        assert any(amounts), case["id"]


def test_every_line_type_and_mode_is_covered():
    benefit_kinds = set()
    cost_kinds = set()
    for case in HANDWORKED_CASES:
        for line in case["config"].get("benefits", []):
            mode = line.get("mode")
            if line["type"] == "retention":
                mode = mode or "relative"
            if line["type"] == "conversion":
                mode = mode or "absolute"
            benefit_kinds.add((line["type"], mode))
        for line in case["config"]["costs"]:
            cost_kinds.add(line["type"])
    assert benefit_kinds >= {
        ("retention", "relative"),
        ("retention", "absolute"),
        ("conversion", "absolute"),
        ("conversion", "relative"),
        ("spend_uplift", None),
        ("handle_time", None),
        ("deflection", None),
        ("recurring", None),
        ("scheduled", None),
    }
    assert cost_kinds == {"one_time", "recurring", "scheduled"}


def test_contact_centre_is_160k_a_month_and_1_92m_a_year():
    result = _trial("contact_centre_handle_time")
    # 200,000 contacts * (420 s - 360 s) / 3600 s/h * $48/h
    assert result["benefits"][1] == pytest.approx(200_000 * (420 - 360) / 3600 * 48, rel=REL)
    assert result["benefits"][1] == pytest.approx(160_000, rel=REL)
    assert sum(result["benefits"]) == pytest.approx(1_920_000, rel=REL)


def test_lead_conversion_is_7500_margin_a_quarter():
    result = _trial("lead_conversion_absolute")
    # 10,000 leads a quarter * 1 point * $150 * 50%
    assert sum(result["benefits"][1:4]) == pytest.approx(10_000 * 0.01 * 150 * 0.5, rel=REL)
    assert sum(result["benefits"][1:4]) == pytest.approx(7_500, rel=REL)


def test_annual_schedule_discounts_like_a_tei_table():
    result = _trial("annual_schedule_end_of_year_discounted")
    assert result["pv_benefits"] == pytest.approx(100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3, rel=REL)


# --------------------------------------------------------------------------
# Cross-checks with numpy-financial
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", HANDWORKED_CASES, ids=lambda case: case["id"])
def test_npv_matches_numpy_financial(case):
    result = reference_trial(case["config"], case["values"])
    r = case["config"].get("discount_rate", 0.10)
    # npf.npv discounts values[t] by (1 + rate) ** t, t = 0, 1, ...: t = month
    # at the monthly rate equivalent to the annual discount rate.
    expected = npf.npv(_monthly_rate(r), result["cf"])
    assert result["npv"] == pytest.approx(expected, rel=1e-10, abs=1e-8)


CONVENTIONAL_IDS = [
    case["id"]
    for case in HANDWORKED_CASES
    if _sign_changes(reference_trial(case["config"], case["values"])["cf"]) == 1
    and reference_trial(case["config"], case["values"])["cf"][0] != 0
]


def test_there_are_conventional_cases_to_check():
    assert "contact_centre_handle_time" in CONVENTIONAL_IDS
    assert "payback_never" in CONVENTIONAL_IDS
    assert "irr_conventional_negative" in CONVENTIONAL_IDS


@pytest.mark.parametrize("case_id", CONVENTIONAL_IDS)
def test_irr_matches_numpy_financial_for_conventional_flows(case_id):
    result = _trial(case_id)
    # npf.irr works per period (here: a month); the reference annualises.
    assert _monthly_rate(result["irr"]) == pytest.approx(npf.irr(result["cf"]), rel=1e-8, abs=1e-12)


def test_irr_of_numpy_financial_docstring_example():
    # npf's own example, as monthly flows: -100, then 39, 59, 55, 20 -> 0.28095 a month.
    config = {
        "name": "npf example",
        "horizon_months": 4,
        "benefits": [{"type": "scheduled", "monthly": [39, 59, 55, 20]}],
        "costs": [{"type": "one_time", "amount": 100}],
    }
    result = reference_trial(config)
    assert result["cf"] == [-100, 39, 59, 55, 20]
    monthly = npf.irr(result["cf"])
    assert round(monthly, 5) == 0.28095
    assert result["irr"] == pytest.approx((1 + monthly) ** 12 - 1, rel=1e-10)


def test_annual_table_irr_is_the_annual_irr_of_the_yearly_flows():
    # Flows only at months 0, 12, 24, 36: the annualised monthly IRR equals the
    # IRR of the yearly table -200, 100, 100, 100.
    result = _trial("annual_schedule_end_of_year_discounted")
    assert result["irr"] == pytest.approx(npf.irr([-200, 100, 100, 100]), rel=1e-10)


FINITE_IRR_IDS = [
    case["id"]
    for case in HANDWORKED_CASES
    if not math.isnan(reference_trial(case["config"], case["values"])["irr"])
]


@pytest.mark.parametrize("case_id", FINITE_IRR_IDS)
def test_npv_at_the_irr_is_zero(case_id):
    result = _trial(case_id)
    i = _monthly_rate(result["irr"])
    npv_at_irr = sum(c * (1 + i) ** -m for m, c in enumerate(result["cf"]))
    assert npv_at_irr == pytest.approx(0, abs=1e-9 * sum(abs(c) for c in result["cf"]))


# --------------------------------------------------------------------------
# IRR uniqueness rules (section 6)
# --------------------------------------------------------------------------


def test_norstrom_case_picks_the_non_negative_of_two_real_rates():
    result = _trial("irr_norstrom")
    cf = result["cf"]
    assert _sign_changes(cf) == 2
    assert _sign_changes(list(accumulate(cf))) == 1
    # both -50% and +100% a year zero the NPV; only +100% is non-negative
    for annual in (-0.5, 1.0):
        i = _monthly_rate(annual)
        assert sum(c * (1 + i) ** -m for m, c in enumerate(cf)) == pytest.approx(0, abs=1e-9)
    assert result["irr"] == pytest.approx(1.0, rel=REL)


def test_irr_is_nan_when_neither_rule_applies():
    result = _trial("irr_nan_two_rates")
    cf = result["cf"]
    assert _sign_changes(cf) == 2
    assert _sign_changes(list(accumulate(cf))) == 2
    # the yearly flows -100, 230, -132 have two IRRs, 10% and 20%
    for annual in (0.1, 0.2):
        i = _monthly_rate(annual)
        assert sum(c * (1 + i) ** -m for m, c in enumerate(cf)) == pytest.approx(0, abs=1e-9)
    assert math.isnan(result["irr"])


@pytest.mark.parametrize(
    ("cf", "expected_annual"),
    [
        ([-100, 110], 1.1**12 - 1),  # 10% a month
        ([-100, 0, 121], 1.1**12 - 1),  # zeros are skipped in the sign count
        ([-100, 50], 0.5**12 - 1),  # -50% a month: close to -100% a year
        ([100, -110], 1.1**12 - 1),  # a loan: one sign change too
        ([-100, 150, 150, -100], 2**12 - 1),  # Norstrom, monthly: i = 100%
        ([-100, 230, -132], math.nan),  # two rates
        ([-100, -5], math.nan),  # no sign change: no rate
        ([0, 0, 0], math.nan),
    ],
)
def test_irr_annual_on_small_flows(cf, expected_annual):
    assert irr_annual(cf) == pytest.approx(expected_annual, rel=1e-12, nan_ok=True)


def test_irr_annual_does_not_overflow_for_rates_near_minus_one():
    # -100 now, 1e-200 back after 600 months: i is about -53% a month
    cf = [-100.0] + [0.0] * 599 + [1e-200]
    i = (1e-200 / 100) ** (1 / 600) - 1
    assert irr_annual(cf) == pytest.approx((1 + i) ** 12 - 1, rel=1e-9)
    # -100 now, 1e-300 back next month: 1 + i = 1e-302, (1 + i) ** 12 underflows
    assert irr_annual([-100.0, 1e-300]) == -1.0


# --------------------------------------------------------------------------
# Payback (section 6)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([0, 5, 5], 0.0),  # never below zero: pays back at once
        ([-10, 4, 4, 4], 2 + 2 / 4),  # S = -10, -6, -2, 2
        ([-10, 10], 1.0),  # S_1 = 0 counts (>= 0)
        ([-10, 4, 4], math.inf),  # not within the horizon
        ([-10, 20, -30, 0], 0.5),  # a later dip does not undo it
        ([5, -10, 10], 1 + 5 / 10),  # S = 5, -5, 5: k = 1, crossing in month 2
    ],
)
def test_payback_rule(flows, expected):
    assert payback(flows) == pytest.approx(expected, rel=REL)


# --------------------------------------------------------------------------
# Timing of an effect (section 3)
# --------------------------------------------------------------------------


def test_lag_3_ramp_0_first_lands_at_the_end_of_month_4():
    e = [effect_multiplier(m, 3, 0, "linear", 0, 1) for m in range(1, 6)]
    assert e == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_s_curve_is_half_way_at_half_the_ramp_and_flat_at_the_ends():
    assert effect_multiplier(2, 0, 4, "s_curve", 0, 1) == pytest.approx(0.5, rel=REL)
    assert effect_multiplier(1, 0, 4, "s_curve", 0, 1) == pytest.approx(0.25**2 * 2.5, rel=REL)
    assert effect_multiplier(4, 0, 4, "s_curve", 0, 1) == 1.0


def test_decay_erodes_by_the_annual_rate_a_year_after_full_effect():
    # lag 1, ramp 2: full effect at m = 3; a year later (m = 15) times 0.8
    assert effect_multiplier(3, 1, 2, "linear", 0.2, 1) == 1.0
    assert effect_multiplier(15, 1, 2, "linear", 0.2, 1) == pytest.approx(0.8, rel=REL)
    assert effect_multiplier(15, 1, 2, "linear", 0.2, 0.5) == pytest.approx(0.4, rel=REL)


def test_effect_is_continuous_in_fractional_lag_and_ramp():
    for m in range(1, 8):
        a = effect_multiplier(m, 2.0, 1.5, "linear", 0.1, 1)
        b = effect_multiplier(m, 2.0 + 1e-9, 1.5 + 1e-9, "linear", 0.1, 1)
        assert a == pytest.approx(b, abs=1e-8)


# --------------------------------------------------------------------------
# Uncertain values (section 2) and the shape of the result
# --------------------------------------------------------------------------


def _two_line_config(**extra):
    config = {
        "name": "x",
        "horizon_months": 2,
        "discount_rate": 0.0,
        "priors": {
            "size": {"dist": "uniform", "min": 1, "max": 3},
            "fee": {"dist": "fixed", "value": 7},
        },
        "benefits": [
            {"type": "recurring", "amount": "size"},
            {
                "type": "recurring",
                "amount": "size",
                "scale": {"dist": "uniform", "min": 0, "max": 1},
            },
        ],
        "costs": [{"type": "one_time", "amount": "fee"}],
    }
    config.update(extra)
    return config


def test_named_prior_is_shared_and_inline_prior_is_keyed_by_path():
    result = reference_trial(_two_line_config(), {"size": 2.0, "benefits[1].scale": 0.25})
    assert result["benefits"] == [0.0, 2.0 + 0.5, 2.0 + 0.5]


def test_fixed_named_prior_uses_its_value_unless_given():
    values = {"size": 2.0, "benefits[1].scale": 0.25}
    assert reference_trial(_two_line_config(), values)["costs"] == [7.0, 0.0, 0.0]
    assert reference_trial(_two_line_config(), {**values, "fee": 9})["costs"] == [9.0, 0.0, 0.0]


@pytest.mark.parametrize("missing", ["size", "benefits[1].scale"])
def test_uncertain_field_without_a_value_is_a_key_error(missing):
    values = {"size": 2.0, "benefits[1].scale": 0.25}
    del values[missing]
    with pytest.raises(KeyError, match=re.escape(missing)):
        reference_trial(_two_line_config(), values)


def test_keys_the_model_does_not_use_are_ignored():
    extra = {
        "description": "d",
        "currency": "EUR",
        "simulation": {"trials": 10, "seed": 1, "sampling": "lhs"},
        "targets": {"payback_months": 12, "roi": 0.5},
        "correlations": [["size", "fee", 0.5]],
    }
    values = {"size": 2.0, "benefits[1].scale": 0.25}
    assert reference_trial(_two_line_config(**extra), values) == reference_trial(
        _two_line_config(), values
    )


def test_result_shape_and_line_pvs():
    result = _trial("scheduled_annual_spread")
    T = 14
    for key in ("benefits", "costs", "cf"):
        assert len(result[key]) == T + 1
    assert result["cf"] == [b - c for b, c in zip(result["benefits"], result["costs"], strict=True)]
    # one benefit line, then the two cost lines in config order (costs positive)
    assert result["line_pv"] == pytest.approx([160.0, 30.0, 70.0], rel=REL)
    assert sum(result["line_pv"][:1]) == pytest.approx(result["pv_benefits"], rel=REL)
    assert sum(result["line_pv"][1:]) == pytest.approx(result["pv_costs"], rel=REL)


@pytest.mark.parametrize(
    "line",
    [
        {"type": "scheduled", "monthly": [1], "lag": 1},
        {"type": "scheduled", "monthly": [1], "annual": [1]},
        {
            "type": "retention",
            "customers": 1,
            "arpu": 1,
            "base_churn": 0.1,
            "churn_reduction": 0.1,
            "mode": "x",
        },
        {"type": "recurring", "amount": 1, "ramp": 1, "ramp_shape": "cubic"},
    ],
)
def test_lines_the_spec_rejects_raise(line):
    config = {
        "name": "x",
        "horizon_months": 2,
        "benefits": [line],
        "costs": [{"type": "one_time", "amount": 1}],
    }
    with pytest.raises(ValueError):
        reference_trial(config)
