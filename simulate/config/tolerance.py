"""Precision targets: what ``--precision`` and ``simulation.precision`` ask of a run.

A target names a headline figure and the largest 95% interval half-width
accepted for it (docs/interface.md, ``--precision``):

- absolute, in the figure's unit: an amount of money for the NPV figures
  (``npv_mean=50000``), months for the payback (``payback_p50=1.5``);
- in percentage points for a probability or the ROI (``npv_positive=0.5pp``);
- relative to the estimate (``npv_p50=2%``).

A plain number for a probability or the ROI is refused (is ``0.5`` half a
point or fifty?), and so are percentage points for money or months. The
command line writes targets as ``FIG=TOL[,FIG=TOL...]``; a config as that
text or as a mapping ``{FIG: TOL}``; ``default`` is
``npv_positive=0.5pp,npv_p50=2%``. Parsing collects every problem, each as
``(figure or "", message)``, so a config can report them all at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..errors import describe_value, did_you_mean
from ..format import format_as_written
from .model import PrecisionTarget

__all__ = [
    "DEFAULT_MAX_TRIALS",
    "DEFAULT_TARGETS",
    "FIGURES",
    "PROBABILITY_FIGURES",
    "describe_targets",
    "needed_target",
    "parse_targets",
]

# Every figure that can carry a precision target, in the order summary.json lists them.
FIGURES = (
    "npv_mean",
    "npv_positive",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "roi_p10",
    "roi_p50",
    "roi_p90",
    "payback_p10",
    "payback_p50",
    "payback_p90",
    "payback_within_target",
    "roi_at_least_target",
)
PROBABILITY_FIGURES = ("npv_positive", "payback_within_target", "roi_at_least_target")
DEFAULT_TARGETS = "npv_positive=0.5pp,npv_p50=2%"
DEFAULT_MAX_TRIALS = 10_000_000
# The unit of each figure's absolute tolerance.
_MONEY = ("npv_mean", "npv_p10", "npv_p50", "npv_p90")
_POINTS = (*PROBABILITY_FIGURES, "roi_p10", "roi_p50", "roi_p90")
# The config target a figure needs: P(payback within target) needs the target month.
_NEEDS = {"payback_within_target": "payback_months", "roi_at_least_target": "roi"}
_TOLERANCE = re.compile(
    r"^(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*(?P<unit>pp|%)?$"
)

Problems = list[tuple[str, str]]


def needed_target(figure: str) -> str | None:
    """The ``targets:`` key that ``figure`` needs (``payback_months``, ``roi``), if any."""
    return _NEEDS.get(figure)


def describe_targets(targets: tuple[PrecisionTarget, ...]) -> str:
    """The targets as the command line writes them: ``npv_positive=0.5pp,npv_p50=2%``."""
    return ",".join(f"{t.figure}={t.text}" for t in targets)


def parse_targets(value: Any) -> tuple[tuple[PrecisionTarget, ...], Problems]:
    """The targets in ``value`` (``"default"``, ``"FIG=TOL,..."`` or ``{FIG: TOL}``), and the problems.

    Each problem is ``(figure, message)``; ``figure`` is ``""`` for one about
    the whole value. The targets are only meaningful when there is no problem.
    """
    if isinstance(value, str) and value.strip().lower() == "default":
        value = DEFAULT_TARGETS
    if isinstance(value, str):
        pairs, problems = _split(value)
    elif isinstance(value, Mapping):
        pairs, problems = [(str(k), v) for k, v in value.items()], []
    else:
        why = (
            f"{describe_value(value)} is not a set of precision targets; write FIG=TOL pairs, "
            f"e.g. {DEFAULT_TARGETS}, or default"
        )
        return (), [("", why)]
    if not pairs and not problems:
        problems.append(
            ("", f"no precision target given; write e.g. {DEFAULT_TARGETS}, or default")
        )
    targets = []
    seen: set[str] = set()
    for figure, tol in pairs:
        if figure not in FIGURES:
            problems.append((figure, _unknown(figure)))
        elif figure in seen:
            problems.append((figure, f"{figure} is given twice; give each figure one tolerance"))
        else:
            seen.add(figure)
            target = _tolerance(figure, tol, problems)
            if target is not None:
                targets.append(target)
    return tuple(targets), problems


def _unknown(figure: str) -> str:
    return (
        f"{describe_value(figure)} is not a figure with a precision target"
        f"{did_you_mean(figure, FIGURES)}; use one of: {', '.join(FIGURES)}"
    )


def _split(text: str) -> tuple[list[tuple[str, Any]], Problems]:
    """``"a=1,b=2"`` as ``[("a", "1"), ("b", "2")]``; a piece without ``=`` is a problem."""
    pairs, problems = [], []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            continue
        figure, eq, tol = piece.partition("=")
        if not eq or not figure.strip():
            problems.append(
                (
                    "",
                    f"{describe_value(piece)} is not FIG=TOL; write e.g. npv_positive=0.5pp "
                    "(targets are separated by commas, so write numbers without thousands "
                    "separators: 50000)",
                )
            )
            continue
        pairs.append((figure.strip(), tol.strip()))
    return pairs, problems


def _tolerance(figure: str, value: Any, problems: Problems) -> PrecisionTarget | None:
    """The target ``figure=value``, or None after adding the problem to ``problems``."""
    number, unit = _read(value)
    if number is None:
        problems.append((figure, f"{describe_value(value)} is not a tolerance; {_example(figure)}"))
        return None
    if number <= 0:
        problems.append((figure, f"the tolerance must be above 0; {_example(figure)}"))
        return None
    if unit is not None and number > 100:
        problems.append(
            (
                figure,
                f"{format_as_written(number)}{unit} is more than 100{unit}; {_example(figure)}",
            )
        )
        return None
    if unit is None and figure in _POINTS:
        what = "the ROI, a percentage" if figure.startswith("roi_p") else "a probability"
        problems.append(
            (
                figure,
                f"a plain number ({format_as_written(number)}) is ambiguous for {what}; "
                f"{_example(figure)}",
            )
        )
        return None
    if unit == "pp" and figure not in _POINTS:
        problems.append(
            (
                figure,
                f"percentage points (pp) are for probabilities and the ROI; {_example(figure)}",
            )
        )
        return None
    text = format_as_written(number) + (unit or "")
    if unit is None:
        return PrecisionTarget(figure, float(number), False, text)
    return PrecisionTarget(figure, float(number) / 100.0, unit == "%", text)


def _read(value: Any) -> tuple[float | None, str | None]:
    """A tolerance as (number, unit), the unit ``"pp"``, ``"%"`` or None; (None, None) if unreadable.

    A number beyond the float range (``1e400``, a YAML ``.inf``, a whole
    number of 400 digits) is unreadable too, as ``inf`` is: no tolerance,
    rather than one that "must be above 0".
    """
    if isinstance(value, bool):
        return None, None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None, None
        return (number, None) if math.isfinite(number) else (None, None)
    if not isinstance(value, str):
        return None, None
    m = _TOLERANCE.match(value.strip())
    if m is None or not math.isfinite(float(m["number"])):
        return None, None
    return float(m["number"]), m["unit"]


def _example(figure: str) -> str:
    if figure in PROBABILITY_FIGURES:
        return (
            f"write percentage points or a relative tolerance, e.g. {figure}=0.5pp or {figure}=2%"
        )
    if figure.startswith("roi_p"):
        return f"write percentage points or a relative tolerance, e.g. {figure}=1pp or {figure}=2%"
    if figure.startswith("payback_p"):
        return f"write months or a relative tolerance, e.g. {figure}=0.5 or {figure}=2%"
    return f"write an amount of money or a relative tolerance, e.g. {figure}=50000 or {figure}=2%"
