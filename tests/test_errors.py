"""User-facing errors: where a problem is, and how a config value is named in it."""

from __future__ import annotations

import pytest

from simulate.errors import ConfigError, Problem, describe_value, did_you_mean


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("bad", "benefits[1].lag", "a.yaml", 42), "a.yaml:42: benefits[1].lag: bad"),
        (Problem("bad", "", "a.yaml"), "a.yaml: bad"),
        (Problem("bad", "costs"), "<config>: costs: bad"),
    ],
)
def test_a_problem_says_file_line_and_path(problem, text):
    assert str(problem) == text


def test_config_error_holds_every_problem():
    error = ConfigError([Problem("one", "a"), Problem("two", "b")])
    assert isinstance(error, ValueError)
    assert str(error) == "<config>: a: one\n<config>: b: two"
    assert ConfigError("three", path="c").problems == (Problem("three", "c"),)


def test_located_fills_in_only_what_is_missing():
    error = ConfigError([Problem("one", "a.b"), Problem("two", "c", "other.yaml", 3)])
    located = error.located("main.yaml", {"a.b": 7}.get)
    assert located.problems == (
        Problem("one", "a.b", "main.yaml", 7),
        Problem("two", "c", "other.yaml", 3),
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "True (a yes/no value)"),
        ("abc", "'abc'"),
        ({"a": 1}, "a mapping"),
        ([1, 2], "a list"),
        (None, "empty"),
        (1.5, "1.5"),
    ],
)
def test_describe_value(value, text):
    assert describe_value(value) == text


def test_did_you_mean():
    assert did_you_mean("horizon_month", ["horizon_months", "name"]) == (
        " (did you mean 'horizon_months'?)"
    )
    assert did_you_mean("zzz", ["horizon_months"]) == ""


def test_did_you_mean_takes_choices_that_yaml_read_as_numbers_or_null():
    # A scenario key `2025:` or `null:` reaches did_you_mean as an int or None.
    assert did_you_mean("2024", [2025, None, True]) == " (did you mean '2025'?)"
    assert did_you_mean(2025, ["2025"]) == " (did you mean '2025'?)"
    assert did_you_mean("x", [None]) == ""


def test_describe_value_keeps_long_values_short():
    assert describe_value("x" * 5000).endswith("... (a text of 5000 characters)")
    assert len(describe_value("x" * 5000)) < 100
    assert describe_value(10**400) == "a whole number of about 400 digits"
    assert describe_value(12345) == "12345"
