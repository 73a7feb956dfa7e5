"""The correlations: block: rows naming two uncertain priors, and a target that can hold."""

from __future__ import annotations

import pytest
from test_config import BASE, problems_of

from simulate import load_config

PRIORS = "  fixedp: {dist: fixed, value: 3}\n  c3: {dist: uniform, min: 0, max: 1}\n"


@pytest.mark.parametrize(
    ("rows", "expect"),
    [
        ("[[aht, nope, 0.5]]", "'nope' is not a named prior"),
        ("[[aht, churn_cut, 1.0]]", "strictly between -1 and 1"),
        ("[[aht, churn_cut, 0.5], [churn_cut, aht, 0.3]]", "already correlated"),
        ("[[aht, aht, 0.5]]", "itself"),
        ("[[aht, fixedp, 0.5]]", "is fixed"),
        ("[[aht, churn_cut, 0.9], [aht, c3, 0.9], [churn_cut, c3, -0.9]]", "not positive definite"),
        ("{aht: churn_cut}", "must be a list of [prior_a, prior_b, rho] rows"),
        ("[[aht, churn_cut]]", "each correlation is a row [prior_a, prior_b, rho], not a list"),
    ],
)
def test_correlation_errors(write_config, rows, expect):
    text = BASE.replace("benefits:", f"{PRIORS}correlations: {rows}\nbenefits:")
    found = problems_of(write_config, text)
    assert any(expect in p for p in found), found


def test_rows_name_inputs_by_their_column(write_config):
    text = BASE.replace("benefits:", f"{PRIORS}correlations: [[c3, aht, -0.4]]\nbenefits:")
    model = load_config(write_config(text))
    assert model.input_names == ("aht", "churn_cut", "c3")
    assert model.correlations == ((2, 0, -0.4),)
