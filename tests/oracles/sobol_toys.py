"""Toy models whose Sobol' indices are known in closed form (docs/model.md section 8).

``linear``: NPV = 12 (x1 + x2 + x3) - 10,000 with independent inputs, so
S1_i = ST_i = var_i / sum_j var_j. ``product``: NPV = 12 (75 L d + z) - 20,000,
where leads L and lift d interact. With discount rate 0 and no lag, e(m) = 1 and
every month adds the same amounts. ``tests/test_sensitivity.py`` checks the
Sobol' intervals' coverage on them; ``bench/sobol_coverage.py`` measures it.
"""

from __future__ import annotations


def linear_config() -> dict:
    """NPV = 12 (x1 + x2 + x3) - 10,000: every index in closed form, S1 = ST."""
    return {
        "name": "Three linear benefits",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {
            "x1": {"dist": "normal", "mean": 1000, "sd": 125, "min": 0},  # 8 sd: untruncated
            "x2": {"dist": "uniform", "min": 0, "max": 1200},
            "x3": {"dist": "triangular", "min": 0, "mode": 200, "max": 1000},
        },
        "benefits": [
            {"type": "recurring", "name": "X1", "amount": "x1"},
            {"type": "recurring", "name": "X2", "amount": "x2"},
            {"type": "recurring", "name": "X3", "amount": "x3"},
        ],
        "costs": [{"type": "one_time", "amount": 10_000}],
    }


def linear_truth() -> dict[str, tuple[float, float]]:
    var = {"x1": 125.0**2, "x2": 1200.0**2 / 12, "x3": (200.0**2 + 1000.0**2 - 200.0 * 1000) / 18}
    total = sum(var.values())
    return {k: (v / total, v / total) for k, v in var.items()}


def product_config() -> dict:
    """NPV = 12 (75 L d + z) - 20,000 with L, d, z independent: L and d interact."""
    return {
        "name": "Leads times lift",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {
            "leads": {"dist": "uniform", "min": 1000, "max": 5000},
            "lift": {"dist": "uniform", "min": 0.0, "max": 0.02},
            "z": {"dist": "normal", "mean": 5000, "sd": 600, "min": 0},  # 8.3 sd: untruncated
        },
        "benefits": [
            {
                "type": "conversion",
                "name": "Conversions",
                "leads_per_month": "leads",
                "conversion_lift": "lift",
                "value_per_conversion": 75,
            },
            {"type": "recurring", "name": "Z", "amount": "z"},
        ],
        "costs": [{"type": "one_time", "amount": 20_000}],
    }


def product_truth() -> dict[str, tuple[float, float]]:
    # f = c L d + z (the factor 12 scales every term alike): Var(L d) splits into
    # c^2 mu_d^2 var_L (L alone), c^2 mu_L^2 var_d (d alone), c^2 var_L var_d (both).
    c = 75.0
    mu_l, var_l = 3000.0, 4000.0**2 / 12
    mu_d, var_d = 0.01, 0.02**2 / 12
    v_l, v_d, v_ld = c * c * mu_d**2 * var_l, c * c * mu_l**2 * var_d, c * c * var_l * var_d
    v_z = 600.0**2
    total = v_l + v_d + v_ld + v_z
    return {
        "leads": (v_l / total, (v_l + v_ld) / total),
        "lift": (v_d / total, (v_d + v_ld) / total),
        "z": (v_z / total, v_z / total),
    }
