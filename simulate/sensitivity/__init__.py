"""Sensitivity and decision analysis (docs/model.md section 8): numbers only.

Which assumption is the result riding on, what would it take to break even,
and what would a pilot that measures a lever be worth? Every point evaluated
here goes through :func:`simulate.engine.evaluate` (the same numba kernel as
a run); nothing re-implements the model, draws a chart or writes a file.

- :func:`tornado`: one input at a time to its low and high quantile, the rest
  at their medians (the *base case*); :func:`spider`: the metric as each
  input moves through its percentiles (:mod:`.oat`).
- :func:`rank_correlation`: Spearman correlation of each input with the metric
  over Monte Carlo samples, and its normalised square ("contribution to
  variance", an approximation) (:mod:`.rank`).
- :func:`sobol`: first-order and total Sobol' indices from a Saltelli design
  (scrambled Sobol' points from ``scipy.stats.qmc``) with the Jansen
  estimators, and confidence intervals from independently scrambled replicates
  of the design (:mod:`.saltelli`).
- :func:`breakeven`: per input, the value at which the base-case NPV is zero;
  :func:`goal_seek`: the value of one input, the others uncertain, at which
  P(NPV > 0) reaches a target (:mod:`.thresholds`).
- :func:`value_of_information`: EVPI, and per-input EVPPI by binning (:mod:`.voi`).
- :func:`frontier`: for two inputs, the line in their plane where the
  base-case NPV is zero, and the contours of P(NPV > 0) with the others
  uncertain (:mod:`.frontier`).

:func:`analyze` (:mod:`.analysis`) runs the requested methods and returns the
dict written as ``sensitivity.json`` (docs/interface.md): plain lists and
dicts, with ``None`` for numbers that do not exist. What may be requested,
and the one check of each request, are in :mod:`.options`; the English of
the notes and warnings in :mod:`.wording`.

Inputs are named as in the model (``model.inputs``): a named prior by its
name (it moves every field that names it), an inline prior by its path
(``benefits[2].uplift``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# What every run loads anyway (its report_data.json has the tornado and the frontier).
from .frontier import DEFAULT_FRONTIER_GRID, DEFAULT_FRONTIER_TRIALS, FRONTIER_LEVELS, frontier
from .oat import SPIDER_PERCENTILES, base_case, spider, tornado
from .options import (
    DEFAULT_METHODS,
    METHODS,
    METRICS,
    input_index,
    parse_goal_seek,
    parse_methods,
    parse_pair,
)
from .thresholds import DEFAULT_GOAL_SEEK_TRIALS, breakeven, goal_seek
from .wording import SensitivityWarning

if TYPE_CHECKING:  # loaded from their modules on first use (__getattr__ below)
    from .analysis import analyze, needs_samples
    from .rank import rank_correlation
    from .saltelli import DEFAULT_BOOTSTRAP, DEFAULT_REPLICATES, DEFAULT_SOBOL_N, sobol
    from .voi import DEFAULT_BINS, MIN_PER_BIN, value_of_information

# The methods a run does not use (Sobol' indices, ranks, value of information)
# and the analysis that runs them load when one of their names is first asked
# for: importing a module of this package (a run's .oat and .frontier) does not
# load them.
_LAZY = {
    "analyze": "analysis",
    "needs_samples": "analysis",
    "rank_correlation": "rank",
    "DEFAULT_BOOTSTRAP": "saltelli",
    "DEFAULT_REPLICATES": "saltelli",
    "DEFAULT_SOBOL_N": "saltelli",
    "sobol": "saltelli",
    "DEFAULT_BINS": "voi",
    "MIN_PER_BIN": "voi",
    "value_of_information": "voi",
}


def __getattr__(name: str) -> Any:
    """A public name, from its module (imported on first use; then kept as a global)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_BINS",
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_FRONTIER_GRID",
    "DEFAULT_FRONTIER_TRIALS",
    "DEFAULT_GOAL_SEEK_TRIALS",
    "DEFAULT_METHODS",
    "DEFAULT_REPLICATES",
    "DEFAULT_SOBOL_N",
    "FRONTIER_LEVELS",
    "METHODS",
    "METRICS",
    "MIN_PER_BIN",
    "SPIDER_PERCENTILES",
    "SensitivityWarning",
    "analyze",
    "base_case",
    "breakeven",
    "frontier",
    "goal_seek",
    "input_index",
    "needs_samples",
    "parse_goal_seek",
    "parse_methods",
    "parse_pair",
    "rank_correlation",
    "sobol",
    "spider",
    "tornado",
    "value_of_information",
]
