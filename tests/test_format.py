"""Numbers as text. Most formats are tested with the charts (test_plotting.py); here, the
form in which config errors and prior descriptions echo a number back."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.format import (
    count_months,
    format_as_written,
    format_months,
    format_probability,
    probability_decimals,
)
from simulate.text import _bound


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (4, "4"),
        (-2.5, "-2.5"),
        (1e-7, "1e-07"),
        (0.1 + 0.2, "0.3"),  # 12 significant digits hide the binary rounding
        (123456789.0, "123456789"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        ([1, 2.5], "[1, 2.5]"),
        ((0.05,), "[0.05]"),
        (2**63 - 1, "9223372036854775807"),  # a whole number exactly (a seed's limit)
        (10**12, "1000000000000"),
        (1e12, "1e+12"),
    ],
)
def test_format_as_written(value, text):
    assert format_as_written(value) == text


def test_a_count_of_months_is_singular_for_one():
    assert [count_months(n) for n in (1, 1.0, 36, 18.5, 0.5)] == [
        "1 month", "1 month", "36 months", "18.5 months", "0.5 months"
    ]  # fmt: skip
    assert format_months(None, 1) == "> 1 month"  # a payback beyond a 1-month horizon


def test_a_payback_within_days_is_not_zero_months():
    assert [format_months(m) for m in (0.0, 0.02, 0.0234, 0.049, 0.05, 0.96, 3e-6)] == [
        "0 months", "0.02 months", "0.023 months", "0.049 months", "0.1 months", "1 month",
        "3.0e-06 months",
    ]  # fmt: skip


# -- probabilities: never a false 0% or 100% -----------------------------------------------

_FALSE_ENDS = ("0%", "0.0%", "100%", "100.0%", "-0.0%")


def _checked(p: float, text: str) -> None:
    """``text`` (a probability ``p`` strictly between 0 and 1) is no end, and says ``p``."""
    assert text not in _FALSE_ENDS, (p, text)
    if text == "<0.1%":
        assert p * 100 < 0.05 + 1e-9, (p, text)  # at one decimal it would read 0.0
    elif text == ">99.9%":
        assert p * 100 > 99.95 - 1e-9, (p, text)
    else:
        assert abs(float(text.rstrip("%")) - p * 100) <= 0.05 + 1e-9, (p, text)


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.9995, ">99.9%"),  # rounds half-even (and half-up) to 100.0 at one decimal
        (0.99951, ">99.9%"),
        (0.99949999, "99.9%"),
        (0.999, "99.9%"),
        (1 - 1e-12, ">99.9%"),
        (0.0005, "0.1%"),  # rounds up: 0.05% is not 0.0%
        (0.00049999, "<0.1%"),
        (1e-12, "<0.1%"),
        (5e-324, "<0.1%"),
        (0.7243, "72.4%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (None, "n/a"),
        (math.nan, "n/a"),
    ],
)
def test_a_probability_is_one_decimal_and_never_a_false_end(p, text):
    assert format_probability(p) == text


def test_no_share_of_trials_prints_as_a_false_end():
    # k misses in n trials, for every trial count up to 20,000 and the k near either end
    for n in range(1, 20_001):
        tenth = n // 2000  # 0.05% of the trials: where one decimal rounds to an end
        for k in {1, 2, 3, tenth, tenth + 1, n - 1, n - 2, n - tenth, n - tenth - 1}:
            if 0 < k < n:
                _checked(k / n, format_probability(k / n))
                _checked(k / n, _bound(k / n))


def test_the_terminal_writes_a_near_end_with_the_digits_it_needs():
    assert [_bound(p) for p in (0.9995, 0.99995, 0.0005, 0.00004, 0.5, 1.0, 0.0)] == [
        "99.95%", "99.995%", "0.1%", "0.004%", "50.0%", "100%", "0%"
    ]  # fmt: skip


@given(st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True))
def test_any_probability_strictly_inside_prints_as_no_end(p):
    _checked(p, format_probability(p))
    _checked(p, _bound(p))


def _rounded_reaches_an_end(p: float, decimals: int) -> bool:
    """Whether ``p`` as a percentage at ``decimals`` reads 0 or 100, rounded half up or half even."""
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

    pct = Decimal(repr(p)) * 100
    step = Decimal(1).scaleb(-decimals)
    return any(
        pct.quantize(step, rounding=rule) in (0, 100) for rule in (ROUND_HALF_UP, ROUND_HALF_EVEN)
    )


@given(
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
    st.integers(min_value=0, max_value=3),
)
def test_the_decimals_a_spreadsheet_is_given_never_round_to_an_end(p, at_least):
    decimals = probability_decimals(p, at_least)
    assert at_least <= decimals <= 9
    if 1e-9 < p < 1 - 1e-9:  # beyond nine decimals of a percent no format can show it
        assert not _rounded_reaches_an_end(p, decimals), (p, decimals)


def test_the_decimals_of_shares_of_trials_near_either_end():
    for n in (2000, 20_000, 100_000, 10_000_000):
        for k in (1, n - 1):
            assert not _rounded_reaches_an_end(k / n, probability_decimals(k / n, 2)), (k, n)
    assert [probability_decimals(p, 2) for p in (0.5, 0.9995, 0.99995, 0.99996, 4e-5, 0, 1)] == [
        2, 2, 3, 3, 3, 2, 2
    ]  # fmt: skip
