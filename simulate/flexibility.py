"""The value of flexibility: what the option to stop at the stage gates is worth.

A run of a model with ``gates:`` also evaluates every trial without them
(the same draws; every line runs to its end, whatever the gate would have
decided). The value of flexibility is the mean of the paired differences,
NPV with the option minus NPV without it (docs/model.md section 5), with the
95% interval that summary.json gives the mean NPV (replicate batches under
``lhs``, ``sobol`` or correlations; the i.i.d. formula otherwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .config import Model
from .files import finite_or_none
from .metrics import percentiles
from .precision import Design, Figure
from .sampling import batch_bounds

__all__ = ["flexibility_block"]


def flexibility_block(result: Any) -> dict[str, Any]:
    """summary.json's ``flexibility`` block of a run with gates (docs/interface.md).

    ``result`` is an :class:`~simulate.results.Result` whose model has gates.
    """
    model: Model = result.model
    n = result.trials
    without = result.npv_without_gates
    diff = result.npv - without
    design = Design(result.sampling, bool(model.correlations), result.batch_size)
    bounds = batch_bounds(n, result.batch_size)
    interval = Figure("npv_mean", model, design).interval(diff, bounds, None)
    return {
        "value": interval.estimate,
        # an end that is not finite (one trial: no interval) is None, as in summary.json
        "value_interval": {
            "low": finite_or_none(interval.low),
            "high": finite_or_none(interval.high),
            "method": interval.method,
        },
        "with_gates": _outcome(result.npv),
        "without_gates": _outcome(without),
        "gates": [
            {
                "name": gate.name,
                "month": gate.month,
                "continue_if": gate.flag_name,
                "at_least": gate.at_least,
                "condition": gate.condition,
                "lines": [model.lines[i].name for i in gate.lines],
                "pass_fraction": int(result.gate_passes[g]) / n,
            }
            for g, gate in enumerate(model.gates)
        ],
    }


def _outcome(npv: np.ndarray) -> dict[str, float]:
    """The mean, P10/P50/P90 and P(NPV > 0) of one side of the comparison."""
    p10, p50, p90 = percentiles(npv, (10, 50, 90))
    return {
        "npv_mean": float(npv.mean()),
        "npv_p10": float(p10),
        "npv_p50": float(p50),
        "npv_p90": float(p90),
        "npv_positive": int(np.count_nonzero(npv > 0)) / npv.size,
    }
