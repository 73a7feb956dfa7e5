"""Numbers as text. Most formats are tested with the charts (test_plotting.py); here, the
form in which config errors and prior descriptions echo a number back."""

from __future__ import annotations

import math

import pytest

from simulate.format import format_as_written


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
