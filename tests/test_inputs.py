"""A line's numeric fields as read by simulate/config/inputs.py: numbers, prior names,
inline priors; mistyped numbers; values bounded to what can be computed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulate import ConfigError, load_config
from simulate.config.inputs import U_TAIL
from simulate.engine import run

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
name: Inputs
horizon_months: 24
priors:
  aht: {dist: pert, min: 10, mode: 20, max: 30}
benefits:
  - type: handle_time
    contacts_per_month: 1000
    seconds_saved: aht
    cost_per_hour: 40
costs:
  - type: one_time
    amount: 5000
"""


def one(write_config, old: str, new: str) -> str:
    path = write_config(BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:"), found
    return found[0]


# -- numbers written as people write them ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where", "fix"),
    [
        ("amount: 5000", "amount: 80,000", ":12: costs[0].amount", "write 80000"),
        ("cost_per_hour: 40", "cost_per_hour: $6", ":9: benefits[0].cost_per_hour", "write 6"),
        ("cost_per_hour: 40", "cost_per_hour: 6 USD", ":9: benefits[0].cost_per_hour", "write 6"),
        ("cost_per_hour: 40", "cost_per_hour: USD 6", ":9: benefits[0].cost_per_hour", "write 6"),
        (
            "cost_per_hour: 40",
            "cost_per_hour: 40\n    lag: 2 months",
            ":10: benefits[0].lag",
            "write 2",
        ),
        ("amount: 5000", "amount: 1.5k", ":12: costs[0].amount", "write 1500"),
        (
            "cost_per_hour: 40",
            "cost_per_hour: 40\n    decay: 12%",
            ":10: benefits[0].decay",
            "write 0.12",
        ),
        ("amount: 5000", "amount: 1,5", ":12: costs[0].amount", "write a plain number"),
        ("amount: 5000", "amount: 3rd", ":12: costs[0].amount", "write a plain number"),
    ],
)
def test_a_mistyped_number_is_not_a_number_rather_than_an_unknown_prior(
    write_config, old, new, where, fix
):
    msg = one(write_config, old, new)
    assert where in msg and "is not a number" in msg and fix in msg
    assert "is not a prior" not in msg and "defined priors" not in msg


def test_a_misspelt_prior_name_is_still_an_unknown_prior(write_config):
    msg = one(write_config, "seconds_saved: aht", "seconds_saved: ahtt")
    assert "'ahtt' is not a prior" in msg and "did you mean 'aht'" in msg


def test_a_mistyped_number_as_a_prior_is_not_a_number(write_config):
    text = BASE.replace("  aht: {dist: pert, min: 10, mode: 20, max: 30}", "  aht: '20,000'")
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    first = info.value.problems[0]
    assert first.path == "priors.aht" and "write 20000" in first.message


@pytest.mark.parametrize(
    ("value", "expect"), [(".nan", "not a finite number"), (".inf", "not a finite number")]
)
def test_nan_and_infinity_are_not_finite_numbers(write_config, value, expect):
    msg = one(write_config, "cost_per_hour: 40", f"cost_per_hour: {value}")
    assert "benefits[0].cost_per_hour" in msg and expect in msg


# -- bounded to what can be computed ----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("amount: 5000", "amount: 1.0e+307", "costs[0].amount"),
        ("amount: 5000", "amount: 1.0e+13", "costs[0].amount"),
        ("amount: 5000", "amount: " + "9" * 400, "costs[0].amount"),
        (
            "contacts_per_month: 1000",
            "contacts_per_month: 2.0e+10",
            "benefits[0].contacts_per_month",
        ),
        ("cost_per_hour: 40", "cost_per_hour: 40\n    lag: 1.0e+300", "benefits[0].lag"),
        ("cost_per_hour: 40", "cost_per_hour: 40\n    scale: 1.0e+9", "benefits[0].scale"),
    ],
)
def test_constants_beyond_their_bound_are_errors(write_config, old, new, where):
    msg = one(write_config, old, new)
    assert where in msg and ("at most" in msg or "too large" in msg)


@pytest.mark.parametrize(
    "prior",
    [
        "{dist: triangular, min: 0, mode: 1, max: 1.0e+20}",
        "{dist: uniform, min: 0, max: 1.0e+13}",
        "{dist: lognormal, median: 1000, p90: 1.0e+9}",  # its extreme draws pass 1e12
        "{dist: discrete, values: [1, 1.0e+14], probs: [0.5, 0.5]}",
    ],
)
def test_a_prior_that_can_be_drawn_beyond_the_bound_is_an_error(write_config, prior):
    msg = one(write_config, "amount: 5000", f"amount: {prior}")
    assert "costs[0].amount" in msg and "can be drawn as far as" in msg and "1e+12" in msg


def test_a_named_fixed_prior_beyond_the_bound_is_an_error(write_config):
    text = BASE.replace("  aht: {", "  big: 1.0e+15\n  aht: {").replace(
        "amount: 5000", "amount: big"
    )
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.path == "costs[0].amount" and "prior 'big'" in problem.message
    assert "at most 1e+12" in problem.message


def test_an_ordinary_lognormal_amount_is_accepted_and_draws_within_the_bound(write_config):
    text = BASE.replace("amount: 5000", "amount: {dist: lognormal, median: 5000, p90: 20000}")
    model = load_config(write_config(text))
    draws = run(model, trials=2000, seed=1).inputs
    assert np.isfinite(draws).all() and draws.max() < 1e12


def test_the_bound_is_checked_at_the_uniforms_the_sampler_uses():
    from simulate.sampling import _U_EPS

    assert U_TAIL == _U_EPS


@pytest.mark.parametrize("value", ["[0.1]", ".nan", "true"])
def test_a_fraction_field_is_shown_fractions_in_its_examples(write_config, value):
    msg = one(write_config, "cost_per_hour: 40", f"cost_per_hour: 40\n    decay: {value}")
    assert "benefits[0].decay" in msg and "0.05" in msg
    assert "e.g. 12" not in msg and "min: 1, mode: 2" not in msg


@pytest.mark.parametrize(
    ("prior", "key", "fix"),
    [
        # its moment fit gives mu = -inf, sigma = inf: its quantiles are NaN
        ("{dist: lognormal, mean: 5.0e-324, sd: 1}", "sd", "write them in other units"),
        ("{dist: uniform, min: -1.0e+308, max: 1.0e+308}", "max", "in larger units"),  # width inf
        ("{dist: lognormal, median: 1, p90: 1.0e+100}", "p90", "narrow the spread"),  # drawn at inf
    ],
)
@pytest.mark.parametrize("where", ["named and unused", "inline"])
def test_a_prior_that_cannot_be_drawn_is_an_error_even_unused(write_config, where, prior, key, fix):
    # One problem, at the parameter to change, with the fix (priors/params.py).
    if where == "inline":
        text = BASE.replace("amount: 5000", f"amount: {prior}")
        expect = "costs[0].amount"
    else:
        text = BASE.replace("  aht: {", f"  tiny: {prior}\n  aht: {{")
        expect = "priors.tiny"
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.path == f"{expect}.{key}" and fix in problem.message, str(problem)


def test_a_triangular_up_to_1e200_can_be_drawn_but_is_no_amount(write_config):
    # Its quantile function once overflowed to inf (issue 10 item 9); it takes
    # the square roots apart now, so its draws are finite and inside [0, 1e200]:
    # unused, it is a prior like any other; as an amount it is past the bound.
    prior = "{dist: triangular, min: 0, mode: 1, max: 1.0e+200}"
    model = load_config(write_config(BASE.replace("  aht: {", f"  tiny: {prior}\n  aht: {{")))
    draws = run(model, trials=2000, seed=1).inputs[model.input_names.index("tiny")]
    assert np.isfinite(draws).all() and draws.min() >= 0 and draws.max() <= 1e200
    assert np.median(draws) > 1e199  # nearly all its mass is far above the mode
    msg = one(write_config, "amount: 5000", f"amount: {prior}")
    assert ":12: costs[0].amount:" in msg and "at most 1e+12" in msg, msg


def test_a_number_in_exponent_form_is_read_as_that_number(tmp_path):
    # YAML 1.1 reads 1e6 as text; the loader reads it as the number people mean.
    path = tmp_path / "case.yaml"
    text = (ROOT / "configs" / "omnichannel.yaml").read_text(encoding="utf-8")
    assert "amount: 30000" in text
    path.write_text(text.replace("amount: 30000", "amount: 3e4", 1), encoding="utf-8")
    a = load_config(path)
    b = load_config(ROOT / "configs" / "omnichannel.yaml")
    assert [line.fields for line in a.lines] == [line.fields for line in b.lines]


def test_every_field_at_its_bound_still_gives_finite_results():
    # The bounds are what the arithmetic can carry: every line at its largest
    # values, for 600 months, at the most negative rate that compounds to 1e12.
    from simulate.config import model_from_dict

    amount, count, big = 1e12, 1e10, 1e6
    raw = {
        "name": "At the bounds",
        "horizon_months": 600,
        "discount_rate": -0.42,
        "benefits": [
            {"type": "retention", "customers": count, "arpu": amount, "margin": 1,
             "base_churn": 1, "churn_reduction": 1, "new_customers_per_month": count},
            {"type": "conversion", "mode": "relative", "leads_per_month": count,
             "base_conversion": 1, "conversion_lift": big, "value_per_conversion": amount,
             "arpu": amount, "margin": 1},
            {"type": "spend_uplift", "customers": count, "spend_per_customer": amount,
             "uplift": 1, "margin": 1},
            {"type": "handle_time", "contacts_per_month": count, "seconds_saved": big,
             "cost_per_hour": amount},
            {"type": "deflection", "contacts_per_month": count, "deflection_rate": 1,
             "cost_per_contact": amount},
            {"type": "recurring", "amount": amount, "ramp": big},
            {"type": "scheduled", "initial": amount, "monthly": [amount] * 600},
        ],
        "costs": [
            {"type": "one_time", "amount": amount},
            {"type": "recurring", "amount": amount, "escalation": 1},
            {"type": "scheduled", "annual": [amount] * 50, "timing": "spread"},
        ],
    }  # fmt: skip
    for line in raw["benefits"] + raw["costs"]:
        line["scale"] = big
    result = run(model_from_dict(raw), trials=10, seed=1)
    for name in ("npv", "pv_benefits", "pv_costs", "roi"):
        assert np.isfinite(getattr(result, name)).all(), name
