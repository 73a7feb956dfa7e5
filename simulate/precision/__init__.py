"""How precise each headline figure is: a 95% interval on each, and the check points of ``--precision``.

docs/model.md section 7 ("How precise the figures are") gives the methods.
In short: with ``random`` sampling and no correlations the trials are
independent, and the intervals are the exact i.i.d. ones (a t interval for
the mean NPV, Wilson intervals for the probabilities, distribution-free
order-statistic intervals for the percentiles). With ``lhs``, ``sobol`` or
correlated inputs the trials of a replicate batch depend on each other
(one Latin hypercube, one scrambled Sobol' sequence, one Iman-Conover
rearrangement per batch; ``simulate.sampling``), and the batches are
independent replicates: the error is measured from the spread between them
(batch means, and sectioning for the percentiles, with a t quantile on
``R - 1`` degrees of freedom). With fewer than :data:`MIN_BATCHES` batches,
or where the spread cannot be measured, the i.i.d. interval stands in, and
``method`` says so.

- :mod:`.formulas`: the level, Wilson's and the order-statistic intervals, a design;
- :mod:`.orders`: order statistics at a few ranks, per batch, of a growing sample;
- :mod:`.figure`: one figure's estimate and interval;
- :mod:`.run`: summary.json's ``precision`` and ``stop``, and the check points.

The same code gives the summary's intervals (:func:`precision_block`) and
the check points of a run with ``--precision`` (:class:`Tracker`), so the
half-width a run stopped on is the one its summary.json reports.
"""

from __future__ import annotations

from ..config.tolerance import FIGURES
from .figure import FIGURE_SPEC, Figure, figure_exists
from .formulas import (
    LEVEL,
    MIN_BATCHES,
    Design,
    Interval,
    order_statistic_ranks,
    shown_half_width,
    wilson,
)
from .orders import BatchPercentiles, Window
from .run import Tracker, check_points, precision_block, precision_targets, stop_block

__all__ = [
    "FIGURES",
    "FIGURE_SPEC",
    "LEVEL",
    "MIN_BATCHES",
    "BatchPercentiles",
    "Design",
    "Figure",
    "Interval",
    "Tracker",
    "Window",
    "check_points",
    "figure_exists",
    "order_statistic_ranks",
    "precision_block",
    "precision_targets",
    "shown_half_width",
    "stop_block",
    "wilson",
]
