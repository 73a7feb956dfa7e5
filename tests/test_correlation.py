"""The correlations: block: rows naming two uncertain priors, and a target that can hold."""

from __future__ import annotations

import pytest
from test_config import BASE, problems_of

from simulate import ConfigError, load_config

PRIORS = "  fixedp: {dist: fixed, value: 3}\n  c3: {dist: uniform, min: 0, max: 1}\n"


@pytest.mark.parametrize(
    ("rows", "expect"),
    [
        ("[[aht, nope, 0.5]]", "'nope' is not a named prior"),
        ("[[aht, {a: 1}, 0.5]]", "a mapping is not a named prior"),
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


def test_a_row_naming_a_prior_with_its_own_error_says_nothing_more(write_config):
    """The prior's error is the one line, as for the fields that name it."""
    bad = BASE.replace("mode: 20", "mode: 40").replace(
        "benefits:", "correlations: [[aht, churn_cut, 0.3]]\nbenefits:"
    )
    (only,) = problems_of(write_config, bad)
    assert "priors.aht.mode: mode (40) must lie between" in only


def test_a_row_naming_a_prior_a_scenario_breaks_says_nothing_more(write_config):
    text = BASE.replace("benefits:", "correlations: [[aht, churn_cut, 0.3]]\nbenefits:")
    path = write_config(text + "scenarios:\n  bad:\n    priors:\n      aht: {mode: 40}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, scenario="bad")
    (only,) = info.value.problems
    assert "scenarios.bad.priors.aht.mode: mode (40) must lie between" in str(only)


@pytest.mark.parametrize("block", ["[a]", "7"])
def test_a_priors_block_that_is_no_mapping_is_one_problem(write_config, block):
    """Not one more per field or row naming a prior it would have held."""
    text = BASE.replace("benefits:", "correlations: [[aht, churn_cut, 0.3]]\nbenefits:")
    start, end = text.index("priors:"), text.index("correlations:")
    (only,) = problems_of(write_config, text[:start] + f"priors: {block}\n" + text[end:])
    assert "priors: priors must be a mapping of keys to values" in only
