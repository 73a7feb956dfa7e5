"""Annual amounts (issue 16 item 5): ``<field>_per_year:`` is read as the monthly field / 12."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from simulate.cli import main
from simulate.config import model_from_dict
from simulate.config.schema import BENEFIT_TYPES, COST_TYPES
from simulate.errors import ConfigError

MONTHLY = [
    (kind, t, f.name)
    for kind, types in (("benefits", BENEFIT_TYPES), ("costs", COST_TYPES))
    for t, spec in types.items()
    for f in spec.fields
    if f.monthly
]
LINES = {
    "retention": {"customers": 1000, "arpu": 30, "margin": 0.5, "base_churn": 0.02,
                  "churn_reduction": 0.1},
    "conversion": {"leads_per_month": 1000, "conversion_lift": 0.01, "value_per_conversion": 5,
                   "arpu": 20, "margin": 0.4, "churn": 0.03},
    "spend_uplift": {"customers": 1000, "spend_per_customer": 40, "uplift": 0.02, "margin": 0.3},
    "recurring": {"amount": 600},
}  # fmt: skip


def _config(kind: str, type_: str, fields: dict) -> dict:
    line = {"type": type_, **({"lag": 2} if kind == "benefits" else {}), **fields}
    config = {"name": "annual", "horizon_months": 24, "benefits": [], "costs": []}
    config[kind].append(line)
    if kind == "benefits":
        config["costs"].append({"type": "one_time", "amount": 1000})
    return config


def test_every_monthly_amount_has_an_annual_form():
    assert {(k, t, f) for k, t, f in MONTHLY} == {
        ("benefits", "retention", "arpu"),
        ("benefits", "conversion", "arpu"),
        ("benefits", "spend_uplift", "spend_per_customer"),
        ("benefits", "recurring", "amount"),
        ("costs", "recurring", "amount"),
    }


@pytest.mark.parametrize(("kind", "type_", "name"), MONTHLY)
def test_a_number_per_year_is_the_monthly_number_divided_by_12(kind, type_, name):
    monthly = _config(kind, type_, LINES[type_])
    annual = copy.deepcopy(monthly)
    line = annual[kind][0]
    line[f"{name}_per_year"] = 12 * line.pop(name)
    a, b = model_from_dict(monthly), model_from_dict(annual)
    assert a.lines == b.lines  # the same model: the kernel sees monthly amounts only
    odd = copy.deepcopy(annual)
    odd[kind][0][f"{name}_per_year"] = 1000  # not a multiple of 12: divided, correctly rounded
    line = model_from_dict(odd).lines[0 if kind == "benefits" else -1]
    assert line.fields[name].value == 1000 / 12


def test_an_inline_prior_per_year_is_the_monthly_prior_scaled():
    monthly = _config("costs", "recurring", {"amount": {"dist": "pert", "min": 10, "mode": 20,
                                                        "max": 40}})  # fmt: skip
    annual = _config(
        "costs", "recurring", {"amount_per_year": {"dist": "pert", "min": 120, "mode": 240,
                                                   "max": 480, "source": "budget"}},
    )  # fmt: skip
    a, b = model_from_dict(monthly), model_from_dict(annual)
    (ia,), (ib,) = a.inputs, b.inputs
    assert ib.name == "costs[0].amount" and ib.used_by == ("costs[0].amount",)
    assert ib.prior.source == "budget"
    u = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(ib.prior.ppf(u), ia.prior.ppf(u), rtol=1e-14, atol=0)
    for spec in (
        {"dist": "normal", "mean": 1200, "sd": 120, "min": 0},
        {"dist": "lognormal", "median": 1200, "p90": 2400},
        {"dist": "metalog", "p10": 600, "p50": 1200, "p90": 3000, "min": 0},
        {"dist": "discrete", "values": [1200, 2400], "probs": [0.5, 0.5]},
        {"dist": "beta", "alpha": 2, "beta": 3, "max": 1200},
    ):
        m = model_from_dict(_config("costs", "recurring", {"amount_per_year": spec}))
        x = m.inputs[0].prior.ppf(np.array([0.01, 0.5, 0.99]))
        from simulate.config.priors import parse_prior

        y = parse_prior(spec, "x").ppf(np.array([0.01, 0.5, 0.99])) / 12
        np.testing.assert_allclose(x, y, rtol=1e-12, err_msg=spec["dist"])


def test_a_run_of_an_annual_config_equals_the_monthly_one():
    from simulate.engine import run

    monthly = _config("costs", "recurring", {"amount": {"dist": "triangular", "min": 100,
                                                        "mode": 200, "max": 400}})  # fmt: skip
    monthly["benefits"] = [{"type": "recurring", "amount": 500}]
    annual = copy.deepcopy(monthly)
    annual["costs"][0]["amount_per_year"] = {"dist": "triangular", "min": 1200, "mode": 2400,
                                             "max": 4800}  # fmt: skip
    del annual["costs"][0]["amount"]
    annual["benefits"][0] = {"type": "recurring", "amount_per_year": 6000}
    a = run(model_from_dict(monthly), 2000, 7)
    b = run(model_from_dict(annual), 2000, 7)
    np.testing.assert_allclose(b.npv, a.npv, rtol=1e-12)


@pytest.mark.parametrize(
    ("fields", "path", "says"),
    [
        ({"amount": 5, "amount_per_year": 60}, "costs[0].amount_per_year", "not both"),
        ({"amount_per_year": "budget"}, "costs[0].amount_per_year", "not the named prior"),
        ({"amount_per_year": {"dist": "bernoulli", "p": 0.5}}, "costs[0].amount_per_year",
         "bernoulli prior, which cannot be divided"),
        ({"amount_per_year": -12}, "costs[0].amount_per_year", "-12 is outside"),
        ({"amount_per_year": 2e13}, "costs[0].amount_per_year", "an amount of money a year"),
        ({"amount_per_year": {"dist": "normal", "mean": 100, "sd": 10}},
         "costs[0].amount_per_year", "read as amount: = amount_per_year / 12"),
        ({"amount_per_year": "12,000"}, "costs[0].amount_per_year", "12000"),
        ({}, "costs[0].amount", "needs amount: (per month), or amount_per_year: (a year)"),
        # what is no value gets the messages of any field, at the key written
        ({"amount_per_year": float("inf")}, "costs[0].amount_per_year", "not a finite number"),
        ({"amount_per_year": True}, "costs[0].amount_per_year", "(a yes/no value) is not a value"),
        ({"amount_per_year": None}, "costs[0].amount_per_year", "is not a value"),
        ({"amount_per_year": {"multiply": 2}}, "costs[0].amount_per_year", "has no dist: key"),
        ({"amount_per_year": {"dist": "pertt"}}, "costs[0].amount_per_year.dist",
         "unknown distribution 'pertt'"),
    ],
)  # fmt: skip
def test_annual_amount_mistakes_are_named_where_written(fields, path, says, tmp_path, capsys):
    config = _config("costs", "recurring", fields)
    config["priors"] = {"budget": {"dist": "uniform", "min": 1, "max": 2}}
    config["benefits"] = [{"type": "recurring", "amount": 10, "lag": "budget"}]
    with pytest.raises(ConfigError) as info:
        model_from_dict(config)
    assert any(p.path == path and says in p.message for p in info.value.problems), [
        (p.path, p.message) for p in info.value.problems
    ]
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: " in err and "Traceback" not in err


def test_a_scenario_can_override_an_annual_amount():
    config = _config("costs", "recurring", {"amount_per_year": 1200, "name": "Licences"})
    config["scenarios"] = {"dearer": {"lines": {"Licences": {"amount_per_year": {"multiply": 2}}}}}
    model = model_from_dict(config, scenario="dearer")
    assert model.costs[0].fields["amount"].value == 200


def test_a_scenario_may_name_either_form_of_an_annual_amount(tmp_path, capsys):
    # a whole value in the other form replaces the line's; a transform or a
    # change of some keys must name the form the line gives, and says so
    config = _config("costs", "recurring", {"amount_per_year": 1200, "name": "Licences"})
    config["scenarios"] = {
        "monthly": {"lines": {"Licences": {"amount": 150}}},
        "back": {"lines": {"Licences": {"amount_per_year": 2400}}},
        "scaled": {"lines": {"Licences": {"amount": {"multiply": 2}}}},
    }
    assert model_from_dict(config, scenario="monthly").costs[0].fields["amount"].value == 150
    assert model_from_dict(config, scenario="back").costs[0].fields["amount"].value == 200
    with pytest.raises(ConfigError) as info:
        model_from_dict(config, scenario="scaled")
    (problem,) = info.value.problems
    assert problem.path == "scenarios.scaled.lines.Licences.amount"
    assert "costs[0] gives amount_per_year:, not amount:; change amount_per_year" in problem.message
    monthly = _config("costs", "recurring", {"amount": 100, "name": "Licences"})
    monthly["scenarios"] = {"annual": {"lines": {"Licences": {"amount_per_year": 2400}}}}
    assert model_from_dict(monthly, scenario="annual").costs[0].fields["amount"].value == 200
