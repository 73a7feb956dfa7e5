"""Hand-worked cases: small configs with their outputs worked out by hand from the spec.

Each case is ``{"id", "config", "values", "expect"}``. ``expect`` holds values
worked out by hand from ``docs/model.md`` (the arithmetic is in the comments),
never computed with code: neither with :mod:`oracles.reference_model` nor with
``simulate``. Lists run over periods 0..T. Where ``discount_rate`` is 0 every
discount factor is 1, so PVs are plain sums and both paybacks coincide.

Both the reference model (``tests/test_reference_model.py``) and the kernel
(``tests/test_engine.py``) are checked against every case.
"""

from __future__ import annotations

import math

__all__ = ["HANDWORKED_CASES"]

_NAN = math.nan
_INF = math.inf

# Deflection case: q = 1.1 ** (-1/12) is the monthly discount factor at 10% a year.
_q = 1.1 ** (-1 / 12)
# Decay case: 0.64 ** (1/12) is one month of a 36% annual decay.
_g = 0.64 ** (1 / 12)

HANDWORKED_CASES = [
    # Contact centre, handle time: 200,000 contacts a month, 60 s saved per
    # contact (420 s -> 360 s), agents cost $48/hour fully loaded:
    #   200,000 * 60 / 3600 = 3,333.33 hours a month; * $48 = $160,000 a month;
    #   12 months: $1,920,000 (r = 0, undiscounted). Cost: $500,000 up front.
    #   npv = 1,920,000 - 500,000 = 1,420,000; roi = 1,420,000 / 500,000 = 2.84.
    #   S_0 = -500,000, S_1 = -340,000, S_2 = -180,000, S_3 = -20,000,
    #   S_4 = +140,000: payback = 3 + 20,000 / 160,000 = 3.125 months.
    {
        "id": "contact_centre_handle_time",
        "config": {
            "name": "Contact centre handle time",
            "horizon_months": 12,
            "discount_rate": 0.0,
            "priors": {"seconds_saved": {"dist": "triangular", "min": 30, "mode": 60, "max": 90}},
            "benefits": [
                {
                    "type": "handle_time",
                    "contacts_per_month": 200_000,
                    "seconds_saved": "seconds_saved",
                    "cost_per_hour": 48,
                }
            ],
            "costs": [{"type": "one_time", "amount": 500_000}],
        },
        "values": {"seconds_saved": 60},
        "expect": {
            "benefits": [0.0] + [160_000.0] * 12,
            "costs": [500_000.0] + [0.0] * 12,
            "pv_benefits": 1_920_000.0,
            "pv_costs": 500_000.0,
            "npv": 1_420_000.0,
            "roi": 2.84,
            "payback_months": 3.125,
            "discounted_payback_months": 3.125,
        },
    },
    # Lead conversion, absolute lift: 10,000 leads a quarter = 3,333.33 a month;
    # +1 percentage point (absolute); $150 order at 50% margin = $75 per
    # conversion. Per month: 3,333.33 * 0.01 * 75 = $2,500; a quarter: $7,500.
    # No recurring value (arpu defaults to 0). Cost $1,000 up front.
    #   npv = 7,500 - 1,000 = 6,500; roi = 6.5.
    #   S_0 = -1,000, S_1 = +1,500: payback = 0 + 1,000 / 2,500 = 0.4 months.
    {
        "id": "lead_conversion_absolute",
        "config": {
            "name": "Lead conversion",
            "horizon_months": 3,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "conversion",
                    "leads_per_month": 10_000 / 3,
                    "conversion_lift": 0.01,
                    "value_per_conversion": 150 * 0.5,
                }
            ],
            "costs": [{"type": "one_time", "amount": 1_000}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 2_500.0, 2_500.0, 2_500.0],
            "pv_benefits": 7_500.0,
            "pv_costs": 1_000.0,
            "npv": 6_500.0,
            "roi": 6.5,
            "payback_months": 0.4,
            "discounted_payback_months": 0.4,
        },
    },
    # Conversion, relative lift, with recurring value: 1,000 leads a month,
    # base conversion 2%, +50% relative: dp = 0.02 * 0.5 = 0.01, so 10 extra
    # conversions a month, each worth $5 once, then $20 a month at 50% margin
    # ($10 a month) while they stay (churn 10% a month):
    #   X_1 = 10, X_2 = 10 * 0.9 + 10 = 19, X_3 = 19 * 0.9 + 10 = 27.1
    #   benefit = 10 * 5 + 10 * X_m = 150, 240, 321; total 711.
    #   Cost $200 up front: npv = 511, roi = 511 / 200 = 2.555.
    #   S_0 = -200, S_1 = -50, S_2 = +190: payback = 1 + 50 / 240.
    {
        "id": "conversion_relative_recurring_value",
        "config": {
            "name": "Conversion, relative lift",
            "horizon_months": 3,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "conversion",
                    "mode": "relative",
                    "leads_per_month": 1_000,
                    "base_conversion": 0.02,
                    "conversion_lift": 0.5,
                    "value_per_conversion": 5,
                    "arpu": 20,
                    "margin": 0.5,
                    "churn": 0.1,
                }
            ],
            "costs": [{"type": "one_time", "amount": 200}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 150.0, 240.0, 321.0],
            "pv_benefits": 711.0,
            "pv_costs": 200.0,
            "npv": 511.0,
            "roi": 2.555,
            "payback_months": 1 + 50 / 240,
        },
    },
    # Retention, relative mode (the default), scaled: 1,000 customers, $50 arpu
    # at 40% margin ($20 a month each), base churn 5% a month (named prior),
    # churn reduction 40% (inline prior) kept at scale 0.5, 10 new customers a
    # month. scale multiplies the effect: c_m = 0.05 * (1 - 0.4 * 0.5) = 0.04.
    #   B: 1000*0.95+10 = 960, 960*0.95+10 = 922, 922*0.95+10 = 885.9
    #   I: 1000*0.96+10 = 970, 970*0.96+10 = 941.2, 941.2*0.96+10 = 913.552
    #   I - B = 10, 19.2, 27.652; * 20 = 200, 384, 553.04; total 1,137.04.
    #   Cost $100 up front: npv = 1,037.04; roi = 10.3704;
    #   payback = 0 + 100 / 200 = 0.5.
    {
        "id": "retention_relative_scaled",
        "config": {
            "name": "Retention, relative",
            "horizon_months": 3,
            "discount_rate": 0.0,
            "priors": {"base_churn": {"dist": "uniform", "min": 0.04, "max": 0.06}},
            "benefits": [
                {
                    "type": "retention",
                    "customers": 1_000,
                    "arpu": 50,
                    "margin": 0.4,
                    "base_churn": "base_churn",
                    "churn_reduction": {"dist": "pert", "min": 0.2, "mode": 0.4, "max": 0.6},
                    "scale": 0.5,
                    "new_customers_per_month": 10,
                }
            ],
            "costs": [{"type": "one_time", "amount": 100}],
        },
        "values": {"base_churn": 0.05, "benefits[0].churn_reduction": 0.4},
        "expect": {
            "benefits": [0.0, 200.0, 384.0, 553.04],
            "pv_benefits": 1_137.04,
            "pv_costs": 100.0,
            "npv": 1_037.04,
            "roi": 10.3704,
            "payback_months": 0.5,
        },
    },
    # Retention, absolute mode: 1,000 customers, $10 arpu (margin 1: revenue
    # counted as value), base churn 5%, churn reduction 2 points: c_m = 0.05 - 0.02 = 0.03.
    #   B: 950, 902.5, 857.375   I: 970, 940.9, 912.673
    #   I - B = 20, 38.4, 55.298; * 10 = 200, 384, 552.98; total 1,136.98.
    #   Cost $100 up front: npv = 1,036.98; roi = 10.3698.
    {
        "id": "retention_absolute",
        "config": {
            "name": "Retention, absolute",
            "horizon_months": 3,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "retention",
                    "mode": "absolute",
                    "customers": 1_000,
                    "arpu": 10,
                    "margin": 1,
                    "base_churn": 0.05,
                    "churn_reduction": 0.02,
                }
            ],
            "costs": [{"type": "one_time", "amount": 100}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 200.0, 384.0, 552.98],
            "pv_benefits": 1_136.98,
            "npv": 1_036.98,
            "roi": 10.3698,
        },
    },
    # Retention, absolute reduction larger than the churn: c_m =
    # max(0.05 - 0.08, 0) = 0, so no one leaves with the investment.
    #   B: 950, 902.5, 857.375   I: 1000, 1000, 1000
    #   I - B = 50, 97.5, 142.625; * $10 = 500, 975, 1,426.25; total 2,901.25.
    #   Cost $1,000: npv = 1,901.25; roi = 1.90125;
    #   S_0 = -1000, S_1 = -500, S_2 = +475: payback = 1 + 500 / 975.
    {
        "id": "retention_absolute_churn_floor",
        "config": {
            "name": "Retention, churn floored at zero",
            "horizon_months": 3,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "retention",
                    "mode": "absolute",
                    "customers": 1_000,
                    "arpu": 10,
                    "margin": 1,
                    "base_churn": 0.05,
                    "churn_reduction": 0.08,
                }
            ],
            "costs": [{"type": "one_time", "amount": 1_000}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 500.0, 975.0, 1_426.25],
            "pv_benefits": 2_901.25,
            "npv": 1_901.25,
            "roi": 1.90125,
            "payback_months": 1 + 500 / 975,
        },
    },
    # Spend uplift with lag 2 and a 4-month linear ramp: 1,000 customers *
    # $20 * 5% uplift * 50% margin = $500 a month at full effect.
    #   tau = m - 2: months 1, 2 -> 0; month 3: 1/4 -> 125; 4: 2/4 -> 250;
    #   5: 3/4 -> 375; 6, 7, 8: 500. Total 2,250.
    #   Cost: recurring $100 a month, months 1..8 (defaults): 800.
    #   npv = 1,450; roi = 1.8125.
    #   cf = 0, -100, -100, 25, 150, 275, 400, 400, 400;
    #   S = 0, -100, -200, -175, -25, 250 (S_0 = 0 is not < 0, so k = 1):
    #   payback = 4 + 25 / 275.
    {
        "id": "spend_uplift_lag_linear_ramp",
        "config": {
            "name": "Spend uplift",
            "horizon_months": 8,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "spend_uplift",
                    "customers": 1_000,
                    "spend_per_customer": 20,
                    "uplift": 0.05,
                    "margin": 0.5,
                    "lag": 2,
                    "ramp": 4,
                }
            ],
            "costs": [{"type": "recurring", "amount": 100}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 0.0, 0.0, 125.0, 250.0, 375.0, 500.0, 500.0, 500.0],
            "costs": [0.0] + [100.0] * 8,
            "pv_benefits": 2_250.0,
            "pv_costs": 800.0,
            "npv": 1_450.0,
            "roi": 1.8125,
            "payback_months": 4 + 25 / 275,
        },
    },
    # Recurring benefit $1,000 a month, fractional lag 0.5 and ramp 2.5,
    # s-curve: tau = m - 0.5.
    #   m=1: x = 0.5/2.5 = 0.2, 0.2^2 * (3 - 0.4) = 0.104 -> 104
    #   m=2: x = 1.5/2.5 = 0.6, 0.6^2 * (3 - 1.2) = 0.648 -> 648
    #   m=3: x = 1 -> 1,000;  m=4: 1,000. Total 2,752.
    #   Cost $500 one-time in month 1: npv = 2,252; roi = 4.504.
    #   S = 0, -396, +252: payback = 1 + 396 / 648.
    {
        "id": "recurring_s_curve_fractional",
        "config": {
            "name": "S-curve ramp",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "recurring",
                    "amount": 1_000,
                    "lag": 0.5,
                    "ramp": 2.5,
                    "ramp_shape": "s_curve",
                }
            ],
            "costs": [{"type": "one_time", "amount": 500, "month": 1}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 104.0, 648.0, 1_000.0, 1_000.0],
            "costs": [0.0, 500.0, 0.0, 0.0, 0.0],
            "pv_benefits": 2_752.0,
            "npv": 2_252.0,
            "roi": 4.504,
            "payback_months": 1 + 396 / 648,
        },
    },
    # Recurring benefit $1,200 a month, linear ramp, fractional lag 1.5 and
    # ramp 1.5 (an inline prior): tau = m - 1.5.
    #   m=1: tau < 0 -> 0;  m=2: x = 0.5/1.5 = 1/3 -> 400;  m=3, 4: 1,200.
    #   Total 2,800. Cost $1,000 up front: npv = 1,800; roi = 1.8.
    #   S = -1000, -1000, -600, +600: payback = 2 + 600 / 1,200 = 2.5.
    {
        "id": "recurring_linear_fractional",
        "config": {
            "name": "Linear ramp",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "recurring",
                    "amount": 1_200,
                    "lag": 1.5,
                    "ramp": {"dist": "uniform", "min": 1, "max": 2},
                    "ramp_shape": "linear",
                }
            ],
            "costs": [{"type": "one_time", "amount": 1_000}],
        },
        "values": {"benefits[0].ramp": 1.5},
        "expect": {
            "benefits": [0.0, 0.0, 400.0, 1_200.0, 1_200.0],
            "pv_benefits": 2_800.0,
            "npv": 1_800.0,
            "roi": 1.8,
            "payback_months": 2.5,
        },
    },
    # Decay: recurring $1,000 a month, 3-month ramp, then 36% a year erosion:
    #   m=1, 2, 3: 1000/3, 2000/3, 1000 (tau = ramp at m=3: not yet decaying)
    #   m=3+j: 1000 * 0.64 ** (j/12), j = 1..12: 800 at m=9, 640 at m=15.
    #   pv_benefits = 2000 + 1000 * (g + g^2 + ... + g^12), g = 0.64 ** (1/12),
    #               = 2000 + 1000 * g * (1 - 0.64) / (1 - g).
    #   Cost: $1,000 up front with an overrun scale (inline prior) of 1.2: 1,200.
    #   S = -1200, -866.67, -200, +800: payback = 2 + 200 / 1000 = 2.2.
    {
        "id": "recurring_decay_cost_scale",
        "config": {
            "name": "Decay",
            "horizon_months": 15,
            "discount_rate": 0.0,
            "benefits": [{"type": "recurring", "amount": 1_000, "ramp": 3, "decay": 0.36}],
            "costs": [
                {
                    "type": "one_time",
                    "amount": 1_000,
                    "scale": {"dist": "uniform", "min": 1.0, "max": 1.5},
                }
            ],
        },
        "values": {"costs[0].scale": 1.2},
        "expect": {
            "benefits": [0.0, 1000 / 3, 2000 / 3, 1000.0] + [1000 * _g**j for j in range(1, 13)],
            "costs": [1_200.0] + [0.0] * 15,
            "pv_benefits": 2000 + 1000 * _g * (1 - 0.64) / (1 - _g),
            "pv_costs": 1_200.0,
            "npv": 2000 + 1000 * _g * (1 - 0.64) / (1 - _g) - 1_200,
            "payback_months": 2.2,
        },
    },
    # Deflection with discounting: 50,000 contacts * 10% deflected * $6 =
    # $30,000 a month for 12 months at r = 10% a year; q = 1.1 ** (-1/12):
    #   pv_benefits = 30,000 * (q + ... + q^12) = 30,000 * q * (1 - 1/1.1) / (1 - q)
    #   Cost $100,000 up front (undiscounted).
    #   payback = 3 + 10,000 / 30,000 (S_3 = -10,000, S_4 = +20,000).
    #   Discounted: S_3 = -100,000 + 30,000 (q + q^2 + q^3) < 0 and
    #   S_4 = S_3 + 30,000 q^4 > 0, so 3 + (-S_3) / (30,000 q^4).
    {
        "id": "deflection_discounted",
        "config": {
            "name": "Deflection",
            "horizon_months": 12,
            "discount_rate": 0.10,
            "benefits": [
                {
                    "type": "deflection",
                    "contacts_per_month": 50_000,
                    "deflection_rate": 0.1,
                    "cost_per_contact": 6,
                }
            ],
            "costs": [{"type": "one_time", "amount": 100_000}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0] + [30_000.0] * 12,
            "pv_benefits": 30_000 * _q * (1 - 1 / 1.1) / (1 - _q),
            "pv_costs": 100_000.0,
            "npv": 30_000 * _q * (1 - 1 / 1.1) / (1 - _q) - 100_000,
            "roi": (30_000 * _q * (1 - 1 / 1.1) / (1 - _q) - 100_000) / 100_000,
            "payback_months": 3 + 10_000 / 30_000,
            "discounted_payback_months": 3
            + (100_000 - 30_000 * (_q + _q**2 + _q**3)) / (30_000 * _q**4),
        },
    },
    # An annual table, TEI style: scheduled benefit [100, 100, 100] end of
    # year (the default timing) lands at months 12, 24, 36; horizon and
    # discount rate take their defaults (36, 10%): d_12k = 1.1 ** -k.
    #   pv_benefits = 100/1.1 + 100/1.1^2 + 100/1.1^3 = 248.685...
    #   Cost: scheduled initial $200 at period 0, undiscounted.
    #   Undiscounted: S_0..S_11 = -200, S_12..S_23 = -100, S_24 = 0 >= 0:
    #   payback = 23 + 100 / 100 = 24.
    #   Discounted: S_24 = -200 + 100/1.1 + 100/1.1^2 < 0, S_36 > 0:
    #   35 + (200 - 100/1.1 - 100/1.1^2) / (100/1.1^3).
    {
        "id": "annual_schedule_end_of_year_discounted",
        "config": {
            "name": "Annual table",
            "benefits": [{"type": "scheduled", "annual": [100, 100, 100]}],
            "costs": [{"type": "scheduled", "initial": 200}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0] + ([0.0] * 11 + [100.0]) * 3,
            "costs": [200.0] + [0.0] * 36,
            "pv_benefits": 100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3,
            "pv_costs": 200.0,
            "npv": 100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3 - 200,
            "roi": (100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3 - 200) / 200,
            "payback_months": 24.0,
            "discounted_payback_months": 35 + (200 - 100 / 1.1 - 100 / 1.1**2) / (100 / 1.1**3),
        },
    },
    # Scheduled monthly with initial and scale: benefit initial 5, monthly
    # [10, 20, 30, 40, 50], scale 2, horizon 4 (the 50 in month 5 is dropped):
    #   benefits = 10, 20, 40, 60, 80; total 210.
    #   Cost: scheduled initial 30 and monthly [30, 30, 30] at scale 0.5:
    #   costs = 15, 15, 15, 15, 0; total 60.
    #   npv = 150; roi = 2.5. cf = -5, 5, 25, 45, 80:
    #   S_0 = -5, S_1 = 0 >= 0: payback = 0 + 5 / 5 = 1.
    {
        "id": "scheduled_monthly_initial_scale",
        "config": {
            "name": "Scheduled monthly",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [
                {"type": "scheduled", "initial": 5, "monthly": [10, 20, 30, 40, 50], "scale": 2}
            ],
            "costs": [{"type": "scheduled", "initial": 30, "monthly": [30, 30, 30], "scale": 0.5}],
        },
        "values": {},
        "expect": {
            "benefits": [10.0, 20.0, 40.0, 60.0, 80.0],
            "costs": [15.0, 15.0, 15.0, 15.0, 0.0],
            "pv_benefits": 210.0,
            "pv_costs": 60.0,
            "npv": 150.0,
            "roi": 2.5,
            "payback_months": 1.0,
        },
    },
    # Scheduled annual, spread: [120, 240] -> $10 in each of months 1..12,
    # $20 in months 13..24; horizon 14 keeps months 13 and 14 only.
    #   benefits total = 120 + 2 * 20 = 160.
    #   Costs: $30 up front + recurring $5 a month * 14 = 100.
    #   npv = 60; roi = 0.6. cf = -30, then +5 for 12 months:
    #   S_m = -30 + 5 m, S_5 = -5, S_6 = 0: payback = 5 + 5 / 5 = 6.
    {
        "id": "scheduled_annual_spread",
        "config": {
            "name": "Scheduled annual, spread",
            "horizon_months": 14,
            "discount_rate": 0.0,
            "benefits": [{"type": "scheduled", "annual": [120, 240], "timing": "spread"}],
            "costs": [
                {"type": "one_time", "amount": 30},
                {"type": "recurring", "amount": 5},
            ],
        },
        "values": {},
        "expect": {
            "benefits": [0.0] + [10.0] * 12 + [20.0, 20.0],
            "costs": [30.0] + [5.0] * 14,
            "pv_benefits": 160.0,
            "pv_costs": 100.0,
            "npv": 60.0,
            "roi": 0.6,
            "payback_months": 6.0,
        },
    },
    # One-time cost spread: $1,200 from month 2 over 4 months = $300 in months
    # 2, 3, 4 (month 5 is beyond the horizon: dropped). Benefit $400 a month.
    #   pv_costs = 900; pv_benefits = 1,600; npv = 700; roi = 7/9.
    #   cf = 0, 400, 100, 100, 100: S never < 0, so payback = 0 (at once).
    #   No sign change in cf or S: irr NaN.
    {
        "id": "one_time_spread_pays_at_once",
        "config": {
            "name": "One-time spread",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [{"type": "recurring", "amount": 400}],
            "costs": [{"type": "one_time", "amount": 1_200, "month": 2, "spread_months": 4}],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 400.0, 400.0, 400.0, 400.0],
            "costs": [0.0, 0.0, 300.0, 300.0, 300.0],
            "pv_benefits": 1_600.0,
            "pv_costs": 900.0,
            "npv": 700.0,
            "roi": 7 / 9,
            "payback_months": 0.0,
            "discounted_payback_months": 0.0,
            "irr": _NAN,
        },
    },
    # Recurring costs with escalation, horizon defaults to 36 (r = 0 given):
    #   line A: $100 a month, +10% a year: 100 (m 1-12), 110 (13-24), 121 (25-36);
    #           total 1200 + 1320 + 1452 = 3,972.
    #   line B: $10 a month from month 2.5, +50% a year:
    #           m=1: w = clip(-0.5) = 0; m=2: w = 0.5, floor(0/12) = 0 -> 5;
    #           m=3..14: floor((m - 2.5)/12) = 0 -> 10 (m=14: 11.5/12);
    #           m=15..26: floor = 1 -> 15;  m=27..36: floor = 2 -> 22.5;
    #           total 5 + 120 + 180 + 225 = 530.
    #   costs by month: 100, 105, 110 (x10), 120 (x2), 125 (x10), 136 (x2),
    #   143.5 (x10); total 4,502. Benefit $200 a month: 7,200.
    #   npv = 2,698; roi = 2,698 / 4,502; cf >= 0 throughout: payback 0.
    {
        "id": "recurring_cost_escalation",
        "config": {
            "name": "Escalation",
            "discount_rate": 0.0,
            "benefits": [{"type": "recurring", "amount": 200}],
            "costs": [
                {"type": "recurring", "amount": 100, "escalation": 0.1},
                {"type": "recurring", "amount": 10, "start_month": 2.5, "escalation": 0.5},
            ],
        },
        "values": {},
        "expect": {
            "benefits": [0.0] + [200.0] * 36,
            "costs": [0.0, 100.0, 105.0]
            + [110.0] * 10
            + [120.0] * 2
            + [125.0] * 10
            + [136.0] * 2
            + [143.5] * 10,
            "pv_benefits": 7_200.0,
            "pv_costs": 4_502.0,
            "npv": 2_698.0,
            "roi": 2_698 / 4_502,
            "payback_months": 0.0,
        },
    },
    # Fractional start and end of a recurring cost, sharing a named prior with
    # a benefit's lag (go_live = 2.5), horizon 7:
    #   licence $100 a month, start_month go_live, end_month 5.25:
    #     m=1: clip(-0.5) = 0;  m=2: clip(0.5) * clip(4.25) = 0.5 -> 50;
    #     m=3..5: 1 -> 100;  m=6: clip(0.25) = 0.25 -> 25;  m=7: clip(-0.75) = 0.
    #     total 50 + 300 + 25 = 375.
    #   benefit $100 a month, lag go_live: tau = m - 2.5 > 0 from m = 3: total 500.
    #   npv = 125; roi = 125 / 375 = 1/3.
    #   cf = 0, 0, -50, 0, 0, 0, 75, 100; S = 0, 0, -50, -50, -50, -50, 25:
    #   payback = 5 + 50 / 75.
    {
        "id": "recurring_cost_fractional_window_go_live",
        "config": {
            "name": "Go-live window",
            "horizon_months": 7,
            "discount_rate": 0.0,
            "priors": {"go_live": {"dist": "uniform", "min": 2, "max": 4}},
            "benefits": [{"type": "recurring", "amount": 100, "lag": "go_live"}],
            "costs": [
                {"type": "recurring", "amount": 100, "start_month": "go_live", "end_month": 5.25}
            ],
        },
        "values": {"go_live": 2.5},
        "expect": {
            "benefits": [0.0, 0.0, 0.0, 100.0, 100.0, 100.0, 100.0, 100.0],
            "costs": [0.0, 0.0, 50.0, 100.0, 100.0, 100.0, 25.0, 0.0],
            "pv_benefits": 500.0,
            "pv_costs": 375.0,
            "npv": 125.0,
            "roi": 1 / 3,
            "payback_months": 5 + 50 / 75,
        },
    },
    # Never pays back: $10 a month for 12 months against $1,000 up front.
    #   npv = 120 - 1,000 = -880; roi = -0.88; S_12 = -880 < 0: payback inf.
    {
        "id": "payback_never",
        "config": {
            "name": "Never pays back",
            "horizon_months": 12,
            "discount_rate": 0.0,
            "benefits": [{"type": "recurring", "amount": 10}],
            "costs": [{"type": "one_time", "amount": 1_000}],
        },
        "values": {},
        "expect": {
            "pv_benefits": 120.0,
            "pv_costs": 1_000.0,
            "npv": -880.0,
            "roi": -0.88,
            "payback_months": _INF,
            "discounted_payback_months": _INF,
        },
    },
    # A later dip does not undo payback: cf = -100, 60, 60, -200, 0
    # (scheduled benefit [60, 60]; costs $100 up front and $200 in month 3).
    #   S = -100, -40, +20, -180, -180: first crossing at m=2:
    #   payback = 1 + 40 / 60, even though S ends negative.
    #   npv = 120 - 300 = -180; roi = -0.6.
    #   cf changes sign twice (-, +, -), S twice (-, +, -): irr NaN.
    {
        "id": "payback_later_dip_irr_nan",
        "config": {
            "name": "Later dip",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [{"type": "scheduled", "monthly": [60, 60]}],
            "costs": [
                {"type": "one_time", "amount": 100},
                {"type": "one_time", "amount": 200, "month": 3},
            ],
        },
        "values": {},
        "expect": {
            "benefits": [0.0, 60.0, 60.0, 0.0, 0.0],
            "costs": [100.0, 0.0, 0.0, 200.0, 0.0],
            "npv": -180.0,
            "roi": -0.6,
            "payback_months": 1 + 40 / 60,
            "discounted_payback_months": 1 + 40 / 60,
            "irr": _NAN,
        },
    },
    # Conventional IRR, positive: -$100 now, +$121 at month 24 (scheduled
    # annual [0, 121], end of year). (1 + i)^24 = 1.21, so (1 + i)^12 = 1.1:
    # irr = 10% a year. At r = 5%: npv = 121 / 1.05^2 - 100; roi = npv / 100.
    #   payback = 23 + 100 / 121; discounted: 23 + 100 / (121 / 1.05^2).
    {
        "id": "irr_conventional_positive",
        "config": {
            "name": "IRR 10%",
            "horizon_months": 24,
            "discount_rate": 0.05,
            "benefits": [{"type": "scheduled", "annual": [0, 121]}],
            "costs": [{"type": "one_time", "amount": 100}],
        },
        "values": {},
        "expect": {
            "pv_benefits": 121 / 1.05**2,
            "pv_costs": 100.0,
            "npv": 121 / 1.05**2 - 100,
            "roi": (121 / 1.05**2 - 100) / 100,
            "payback_months": 23 + 100 / 121,
            "discounted_payback_months": 23 + 100 / (121 / 1.05**2),
            "irr": 0.1,
        },
    },
    # Conventional IRR, negative: -$100 now, +$81 at month 24.
    # (1 + i)^24 = 0.81, (1 + i)^12 = 0.9: irr = -10% a year.
    #   r = 0: npv = -19; roi = -0.19; never pays back.
    {
        "id": "irr_conventional_negative",
        "config": {
            "name": "IRR -10%",
            "horizon_months": 24,
            "discount_rate": 0.0,
            "benefits": [{"type": "scheduled", "annual": [0, 81]}],
            "costs": [{"type": "one_time", "amount": 100}],
        },
        "values": {},
        "expect": {
            "npv": -19.0,
            "roi": -0.19,
            "payback_months": _INF,
            "irr": -0.1,
        },
    },
    # Norstrom: yearly flows -100, +150, +150, -100 (months 0, 12, 24, 36):
    # benefit annual [150, 150]; costs scheduled initial 100 and annual [0, 0, 100].
    #   cf changes sign twice, so rule 1 does not apply; S = -100, 50, 200, 100
    #   changes sign once, so rule 2 gives the unique non-negative rate.
    #   With z = 1 / (1 + R) (R the annual rate):
    #   -100 + 150 z + 150 z^2 - 100 z^3 = -100 (z + 1) (z - 2) (z - 0.5),
    #   so R = 1.0 (z = 0.5) or R = -0.5 (z = 2): irr = 1.0 (100% a year).
    #   r = 10% (default): pv_benefits = 150/1.1 + 150/1.1^2,
    #   pv_costs = 100 + 100/1.1^3.
    #   payback = 11 + 100 / 150; discounted = 11 + 100 / (150 / 1.1).
    {
        "id": "irr_norstrom",
        "config": {
            "name": "Norstrom",
            "horizon_months": 36,
            "benefits": [{"type": "scheduled", "annual": [150, 150]}],
            "costs": [{"type": "scheduled", "initial": 100, "annual": [0, 0, 100]}],
        },
        "values": {},
        "expect": {
            "pv_benefits": 150 / 1.1 + 150 / 1.1**2,
            "pv_costs": 100 + 100 / 1.1**3,
            "npv": 150 / 1.1 + 150 / 1.1**2 - 100 - 100 / 1.1**3,
            "roi": (150 / 1.1 + 150 / 1.1**2 - 100 - 100 / 1.1**3) / (100 + 100 / 1.1**3),
            "payback_months": 11 + 100 / 150,
            "discounted_payback_months": 11 + 100 / (150 / 1.1),
            "irr": 1.0,
        },
    },
    # Two rates, IRR undefined: yearly -100, +230, -132 (months 0, 12, 24) has
    # annual roots 10% and 20% ((1+R)^2 * -100 + 230 (1+R) - 132 = 0).
    # cf signs -, +, -; S = -100, 130, -2 also changes sign twice: irr NaN.
    #   r = 15%: pv_benefits = 230 / 1.15 = 200; pv_costs = 100 + 132 / 1.15^2.
    #   payback = 11 + 100 / 230 (the dip to S_24 = -2 does not undo it);
    #   discounted = 11 + 100 / 200 = 11.5.
    {
        "id": "irr_nan_two_rates",
        "config": {
            "name": "Two IRRs",
            "horizon_months": 24,
            "discount_rate": 0.15,
            "benefits": [{"type": "scheduled", "annual": [230]}],
            "costs": [{"type": "scheduled", "initial": 100, "annual": [0, 132]}],
        },
        "values": {},
        "expect": {
            "pv_benefits": 200.0,
            "pv_costs": 100 + 132 / 1.15**2,
            "npv": 100 - 132 / 1.15**2,
            "payback_months": 11 + 100 / 230,
            "discounted_payback_months": 11.5,
            "irr": _NAN,
        },
    },
    # A cost scaled to zero (a bernoulli scale drawn 0): pv_costs = 0, so roi
    # is NaN. Benefit $50 a month for 2 months: npv = 100; payback 0; cf never
    # changes sign: irr NaN.
    {
        "id": "cost_scaled_to_zero_roi_nan",
        "config": {
            "name": "Cost scaled to zero",
            "horizon_months": 2,
            "discount_rate": 0.0,
            "benefits": [{"type": "recurring", "amount": 50}],
            "costs": [
                {"type": "one_time", "amount": 100, "scale": {"dist": "bernoulli", "p": 0.9}}
            ],
        },
        "values": {"costs[0].scale": 0},
        "expect": {
            "pv_costs": 0.0,
            "npv": 100.0,
            "roi": _NAN,
            "payback_months": 0.0,
            "irr": _NAN,
        },
    },
]
