"""A simulation run's outcome: :class:`Result`, what :func:`simulate.engine.run` returns.

Its own module, apart from the engine, so that what only reads a run (the
charts' processes, which unpickle one) needs neither numba nor the kernel.
:mod:`simulate.engine` makes it and exports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .config import Model
from .files import plain_numbers
from .flexibility import flexibility_block
from .kernel.tables import OUTPUT_NAMES
from .metrics import summarize_with_curves
from .precision import precision_block, stop_block
from .sampling import DEFAULT_BATCH

__all__ = ["Result"]


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one simulation run: per-trial arrays plus what made them.

    ``inputs`` is the ``(k, n)`` matrix of draws (row ``j`` is
    ``model.inputs[j]``), kept when ``run(..., keep_inputs=True)``.
    ``stop`` records a run with precision targets: ``{"reason", "targets"
    (the :class:`~simulate.config.model.PrecisionTarget` s), "max_trials",
    "checks"}``, from which summary.json's ``stop`` is made
    (:func:`simulate.precision.stop_block`); None for a run of a fixed
    number of trials.
    """

    model: Model
    trials: int
    seed: int
    sampling: str
    chunk_size: int
    npv: np.ndarray
    roi: np.ndarray
    pv_benefits: np.ndarray
    pv_costs: np.ndarray
    payback_months: np.ndarray
    discounted_payback_months: np.ndarray
    irr: np.ndarray
    paths: np.ndarray
    discounted_paths: np.ndarray
    line_pv_mean: np.ndarray
    inputs: np.ndarray | None = field(default=None, repr=False)
    # ``(L, len(year_edges) + 2, m)``: each line's flows per column (Initial, each
    # year, Total, Present value; costs positive) of the first m trials, kept by
    # the run's own kernel pass for the TEI table (report/tei.py); None if not kept.
    line_flows: np.ndarray | None = field(default=None, repr=False)
    # Each bernoulli input's draws (a success flag), by input name: True where it drew 1.
    # Kept whether or not ``inputs`` is, for charts that split the trials by a flag.
    flags: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # The overlay applied ({"file", "name"}), as summary.json records it; None without one
    # (engine.run takes it from the model: Model.overlay_record).
    overlay: dict[str, str | None] | None = None
    batch_size: int = DEFAULT_BATCH
    stop: Mapping[str, Any] | None = None
    # With stage gates: each trial's NPV without the option to stop (the same draws, the
    # gates ignored), and in how many trials each gate passed. None without gates.
    npv_without_gates: np.ndarray | None = field(default=None, repr=False)
    gate_passes: np.ndarray | None = field(default=None, repr=False)

    def outputs(self) -> dict[str, np.ndarray]:
        """The per-trial outputs of docs/model.md section 6, by name."""
        return {name: getattr(self, name) for name in OUTPUT_NAMES}

    def sample_arrays(self) -> dict[str, np.ndarray]:
        """What ``samples.npz`` holds: each output, and each input as ``input__<name>``.

        With the inputs kept: every uncertain input in the model's order, then
        every other named prior (a ``fixed`` one) as a constant array.
        """
        arrays = self.outputs()
        if self.inputs is not None:
            for j, inp in enumerate(self.model.inputs):
                arrays[f"input__{inp.name}"] = self.inputs[j]
            for name, prior in self.model.priors.items():
                if prior.is_fixed and f"input__{name}" not in arrays:
                    arrays[f"input__{name}"] = np.full(self.trials, prior.median())
        return arrays

    @cached_property
    def _summary(self) -> tuple[dict[str, Any], dict[str, list[float] | None]]:
        summary, curves = summarize_with_curves(self)  # NPV and ROI
        version = summary.pop("version")
        summary["precision"] = plain_numbers(precision_block(self))
        summary["stop"] = plain_numbers(stop_block(self))
        if self.model.gates:
            summary["flexibility"] = plain_numbers(flexibility_block(self))
        summary["version"] = version
        return summary, curves

    def summary(self) -> dict[str, Any]:
        """The dict written as ``summary.json`` (docs/interface.md)."""
        return self._summary[0]

    def quantile_curves(self) -> dict[str, list[float] | None]:
        """The NPV's and ROI's quantile curves (``simulate.metrics.quantile_levels``; ROI's
        over the trials where it is defined, None where it is nowhere), as the charts of
        report_data.json draw them: computed with the summary, from its sorts."""
        return self._summary[1]
