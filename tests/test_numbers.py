"""Numbers as a config writes them and as people mistype them (simulate/config/numbers.py)."""

from __future__ import annotations

import math

import pytest
import yaml

from simulate.config.numbers import (
    as_yaml_number,
    is_number,
    looks_numeric,
    mistyped_number,
    not_a_number,
    number_problem,
    percent_hint,
)
from simulate.config.support import Support


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, True),
        (0.5, True),
        (-3, True),
        (True, False),  # YAML's yes/true: a bool is an int in Python
        (math.nan, False),
        (math.inf, False),
        (10**400, False),  # too long for a float: math.isfinite would raise OverflowError
        (-(10**400), False),
        (2**1023, True),
        ("1", False),
        (None, False),
    ],
)
def test_is_number(value, ok):
    assert is_number(value) is ok


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("80,000", "80000"),
        ("1,234,567.5", "1234567.5"),
        ("80 000", "80000"),
        ("80_000", "80000"),
        ("$6", "6"),
        ("-$6", "-6"),
        ("US$6", "6"),
        ("€1.2M", "1200000"),
        ("6 USD", "6"),
        ("USD 6", "6"),
        ("2 months", "2"),
        ("60 seconds", "60"),
        ("1.5k", "1500"),
        ("3bn", "3000000000"),
        ("12%", "0.12"),
        ("10%", "0.10"),  # the digits as a person reads them, not 0.1
        ("7.5%", "0.075"),
        ("1e6", "1000000"),  # YAML 1.1 reads 1e6 as text
        ("1.5E+3", "1500"),
        ("2.5e-7", "2.5e-7"),
        (".5", "0.5"),
        # Guesses are not offered: a decimal comma, a lone m (million or months?), words.
        ("1,5", None),
        ("1.234,5", None),
        ("2m", None),
        ("3 apples", None),
        ("aht", None),
        ("", None),
        ("--5", None),
    ],
)
def test_mistyped_number(text, fix):
    assert mistyped_number(text) == fix


@pytest.mark.parametrize("text", ["80,000", "12%", "1e6", "1.5E+3", "2.5e-7", "$6", "2 months"])
def test_every_suggestion_is_a_number_to_yaml(text):
    fix = mistyped_number(text)
    assert is_number(yaml.safe_load(f"x: {fix}")["x"]), fix


@pytest.mark.parametrize("value", [80000, 0.12, 1e-9, 2.5e20, 1e300, -4.25, 123456789.123])
def test_as_yaml_number_reads_back_as_the_same_number(value):
    assert yaml.safe_load(f"x: {as_yaml_number(value)}")["x"] == pytest.approx(value, rel=1e-11)


def test_not_a_number_says_what_to_write():
    assert not_a_number("80,000") == "'80,000' is not a number: write 80000"
    assert "write 0.10" in not_a_number("10%") and "fraction" in not_a_number("10%")
    assert "1.0e+6" in not_a_number("1e6")
    vague = not_a_number("1,5")
    assert "is not a number" in vague and "plain number" in vague


def test_a_long_text_is_shortened_in_the_message():
    message = not_a_number("9" * 5000 + "x")
    assert len(message) < 300 and "5001 characters" in message


@pytest.mark.parametrize(
    ("text", "numeric"),
    [("80,000", True), ("$6", True), ("-3", True), (".5", True), ("€4", True), ("aht", False)],
)
def test_looks_numeric(text, numeric):
    assert looks_numeric(text) is numeric


def test_number_problem_names_each_kind_of_non_number():
    assert "not a finite number" in number_problem(math.nan)
    assert "not a finite number" in number_problem(-math.inf)
    assert "too large" in number_problem(10**400) and "digits" in number_problem(10**400)
    assert number_problem("$6") == "'$6' is not a number: write 6"
    text = number_problem("abc", "an annual rate", "0.10")
    assert text == "'abc' is not an annual rate; write an annual rate, e.g. 0.10"


def test_percent_hint_suggests_the_fraction_only_when_it_fits():
    rates = Support(-0.99, 1.0)
    assert percent_hint(12, rates, "a year") == (
        " is 1200% a year, outside the allowed range [-0.99, 1]; "
        "write it as a fraction: did you mean 0.12?"
    )
    assert "did you mean 0.5?" in percent_hint(50, Support(-1, 10), "")
    assert percent_hint(0.5, rates, "a year") == ""  # a fraction already
    assert percent_hint(150, rates, "a year") == ""  # 1.5 would not fit either


@pytest.mark.parametrize(
    "text", ["9" + " " * 3000 + "%9", "$" + " " * 5000 + "1 " + " " * 5000 + "z9"]
)
def test_a_long_text_is_read_in_linear_time(text):
    # A run of spaces that the number, its unit and the end could share made the
    # pattern backtrack for minutes: a config value could hang validation.
    import signal

    def too_slow(*_):
        raise TimeoutError("mistyped_number backtracks")

    old = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(5)
    try:
        assert mistyped_number(text) is None
        assert "is not a number" in not_a_number(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
