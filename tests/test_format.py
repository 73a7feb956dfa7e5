"""Numbers as text. Most formats are tested with the charts (test_plotting.py); here, the
form in which config errors and prior descriptions echo a number back."""

from __future__ import annotations

import math

import pytest

from simulate.format import count_months, format_as_written, format_months


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
