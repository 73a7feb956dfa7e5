"""The one pipeline: ``run(model, trials, seed) -> Result``.

Model -> kernel tables (once) -> for each chunk of trials: draws -> kernel ->
per-trial outputs. Sensitivity and batch reuse :func:`run` and
:func:`evaluate`; nothing else calls the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .config import Model
from .errors import ConfigError, Problem
from .kernel import cashflow, launch
from .kernel.tables import OUTPUT_NAMES, Tables, kernel_tables, line_flow_trials, year_edges
from .metrics import summarize
from .sampling import DEFAULT_CHUNK, iter_chunks
from .seeds import resolve_seed

__all__ = ["DEFAULT_PATHS", "OUTPUT_NAMES", "Outputs", "Result", "evaluate", "kernel_tables", "run"]

# Trials whose cumulative cash-flow paths are kept (for fan charts).
DEFAULT_PATHS = 2000


@dataclass(frozen=True)
class Outputs:
    """Per-trial outputs of the kernel for one matrix of inputs (docs/model.md section 6).

    The first fields are :data:`OUTPUT_NAMES`, in order.
    """

    npv: np.ndarray
    roi: np.ndarray
    pv_benefits: np.ndarray
    pv_costs: np.ndarray
    payback_months: np.ndarray
    discounted_payback_months: np.ndarray
    irr: np.ndarray
    paths: np.ndarray
    discounted_paths: np.ndarray
    line_pv_sum: np.ndarray  # (L,) sum over trials of each line's PV


def evaluate(
    model: Model,
    inputs: np.ndarray,
    *,
    with_irr: bool = True,
    n_paths: int = 0,
    tables: Tables | None = None,
    out: dict[str, np.ndarray] | None = None,
    line_flows: np.ndarray | None = None,
    flows_at: int = 0,
) -> Outputs:
    """Run the kernel on a given ``(k, n)`` matrix of input values.

    This is how sensitivity analysis evaluates chosen points (medians,
    quantiles, Saltelli designs) with exactly the model of :func:`run`.
    ``out`` may give contiguous ``(n,)`` arrays, by output name, to write
    the per-trial outputs into (:func:`run` passes slices of its results).
    ``line_flows``, a C-contiguous ``(L, len(year_edges) + 2, m)`` array,
    receives each line's flows per column (Initial, each year, Total,
    Present value; costs positive) of trial ``t`` at ``[:, :, flows_at + t]``,
    for the trials that fit.
    """
    tables = tables or kernel_tables(model)
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    k, n = inputs.shape
    if k != len(model.inputs):
        raise ValueError(f"inputs has {k} rows, the model has {len(model.inputs)} inputs")
    if k == 0:
        inputs = np.zeros((0, n))
    T1 = model.horizon_months + 1
    if out is None:
        out = {name: np.empty(n) for name in OUTPUT_NAMES}
    else:
        for name in OUTPUT_NAMES:
            a = out[name]
            if a.shape != (n,) or a.dtype != np.float64 or not a.flags.c_contiguous:
                raise ValueError(f"out[{name!r}] must be a contiguous float64 array of {n} values")
    n_paths = min(n_paths, n)
    paths = np.empty((n_paths, T1))
    dpaths = np.empty((n_paths, T1))
    n_blocks = -(-n // cashflow.BLOCK)
    block_pv = np.zeros((n_blocks, len(model.lines)))
    outputs = [out[name] for name in OUTPUT_NAMES]  # the kernel's order
    edges = year_edges(model.horizon_months)
    if line_flows is None:
        line_flows = np.empty((len(model.lines), edges.size + 2, 0))
    elif line_flows.shape[:2] != (len(model.lines), edges.size + 2) or not (
        line_flows.dtype == np.float64 and line_flows.flags.c_contiguous
    ):
        raise ValueError(f"line_flows must be a contiguous float64 array, not {line_flows.shape}")
    args = (
        inputs, *tables, with_irr, *outputs, paths, dpaths, block_pv,
        edges, line_flows, int(flows_at),
    )  # fmt: skip
    launch.run_groups(cashflow.simulate, args, -(-n_blocks // cashflow.GROUP), n)
    return Outputs(**out, paths=paths, discounted_paths=dpaths, line_pv_sum=block_pv.sum(axis=0))


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one simulation run: per-trial arrays plus what made them.

    ``inputs`` is the ``(k, n)`` matrix of draws (row ``j`` is
    ``model.inputs[j]``), kept when ``run(..., keep_inputs=True)``.
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
    # The overlay applied ({"file", "name"}), as summary.json records it; None without one.
    overlay: dict[str, str | None] | None = None

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
    def _summary(self) -> dict[str, Any]:
        return summarize(self)

    def summary(self) -> dict[str, Any]:
        """The dict written as ``summary.json`` (docs/interface.md)."""
        return self._summary


def run(
    model: Model,
    trials: int | None = None,
    seed: int | None = None,
    *,
    sampling: str | None = None,
    keep_inputs: bool = True,
    n_paths: int = DEFAULT_PATHS,
    chunk_size: int = DEFAULT_CHUNK,
    with_irr: bool = True,
    overlay: dict[str, str | None] | None = None,
    line_flows: bool = True,
) -> Result:
    """Simulate ``trials`` trials of ``model``.

    Parameters
    ----------
    model
        From :func:`simulate.load_config`.
    trials, seed, sampling
        Override the config's ``simulation:`` block. With no seed anywhere, one
        is drawn from OS entropy and recorded in the result.
    keep_inputs
        Keep the ``(k, trials)`` matrix of draws (needed for ``samples.npz``
        and rank sensitivity; 8 bytes per input per trial).
    n_paths
        How many trials' cumulative cash-flow paths to keep (fan charts).
    chunk_size
        Trials drawn at a time; bounds memory. Results depend on it (each
        chunk has its own child seed), never on the machine or thread count.
    overlay
        The overlay applied to ``model`` (``{"file", "name"}``), recorded in the
        summary; ``model.config_hash`` should already cover it
        (:func:`simulate.runner.identify` does both).
    line_flows
        Keep each line's flows per year of the first
        :func:`~simulate.kernel.tables.line_flow_trials` trials (``Result.line_flows``,
        for the TEI table), computed in the same kernel pass.

    Raises
    ------
    ConfigError
        When a prior draws values that are not finite, or an output that must be
        finite (NPV, the PVs; ROI where there are costs) is not: the inputs are
        too extreme to compute. The message names the output, the number of
        trials and the likely inputs.
    """
    trials = model.trials if trials is None else int(trials)
    if trials < 1:
        raise ValueError(f"trials must be at least 1, not {trials}")
    seed = resolve_seed(seed, model.seed)
    if seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, not {seed}")
    sampling = sampling or model.sampling
    arrays, kept = _allocate(model, trials, keep_inputs)
    flags = {
        inp.name: np.empty(trials, dtype=bool)
        for inp in model.inputs
        if inp.prior.dist == "bernoulli"
    }
    flag_rows = [(j, flags[inp.name]) for j, inp in enumerate(model.inputs) if inp.name in flags]
    T1 = model.horizon_months + 1
    paths = np.empty((min(n_paths, trials), T1))
    dpaths = np.empty_like(paths)
    line_pv = np.zeros(len(model.lines))
    flows = None
    if line_flows:
        keep = line_flow_trials(trials, model.horizon_months, len(model.lines))
        flows = np.empty((len(model.lines), year_edges(model.horizon_months).size + 2, keep))
    # Extreme inputs may overflow to inf or NaN (the discount table, a prior's draws, the
    # sums over trials): no numpy warning, for the draws and the outputs are checked and
    # the run stops with an error that names the cause.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tables = kernel_tables(model)
        for start, inputs in iter_chunks(model, trials, int(seed), sampling, chunk_size):
            _check_draws(model, inputs)
            n = inputs.shape[1]
            want_paths = max(0, min(paths.shape[0] - start, n))
            views = {name: arrays[name][start : start + n] for name in OUTPUT_NAMES}
            out = evaluate(
                model, inputs, with_irr=with_irr, n_paths=want_paths, tables=tables, out=views,
                line_flows=flows, flows_at=start,
            )  # fmt: skip
            if want_paths:
                paths[start : start + want_paths] = out.paths
                dpaths[start : start + want_paths] = out.discounted_paths
            line_pv += out.line_pv_sum
            if kept is not None:
                kept[:, start : start + n] = inputs
            for j, flag in flag_rows:
                flag[start : start + n] = inputs[j] > 0.5
    _check_outputs(model, arrays, line_pv)
    return Result(
        model=model,
        trials=trials,
        seed=int(seed),
        sampling=sampling,
        chunk_size=chunk_size,
        **arrays,
        paths=paths,
        discounted_paths=dpaths,
        line_pv_mean=line_pv / trials,
        inputs=kept,
        line_flows=flows,
        flags=flags,
        overlay=overlay,
    )


def _allocate(
    model: Model, trials: int, keep_inputs: bool
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The per-trial output arrays (and the kept draws), or a ConfigError if memory is short."""
    rows = len(OUTPUT_NAMES) + (len(model.inputs) if keep_inputs else 0)
    try:
        arrays = {name: np.empty(trials) for name in OUTPUT_NAMES}
        kept = np.empty((len(model.inputs), trials)) if keep_inputs else None
    except MemoryError:
        need = rows * trials * 8 / 2**30
        raise ConfigError(
            Problem(
                f"{trials:,} trials need {need:,.1f} GiB of memory for the per-trial results, "
                "more than this machine can give; use fewer trials (--trials)",
                path="simulation.trials",
                file=model.file,
            )
        ) from None
    return arrays, kept


def _check_draws(model: Model, inputs: np.ndarray) -> None:
    """A ConfigError naming each input whose draws are not all finite."""
    bad = ~np.isfinite(inputs)
    if not bad.any():
        return
    problems = []
    for j in np.flatnonzero(bad.any(axis=1)):
        inp = model.inputs[j]
        count = int(bad[j].sum())
        problems.append(
            Problem(
                f"the prior {inp.prior.describe()} drew {count:,} values that are not finite "
                "numbers (its parameters are too extreme to compute); narrow it",
                path=inp.name if inp.inline else f"priors.{inp.name}",
                file=model.file,
            )
        )
    raise ConfigError(problems)


# Outputs that must be finite in every trial (docs/model.md section 6).
_MUST_BE_FINITE = (("npv", "NPV"), ("pv_benefits", "PV of benefits"), ("pv_costs", "PV of costs"))


def _check_outputs(model: Model, arrays: dict[str, np.ndarray], line_pv: np.ndarray) -> None:
    """A ConfigError when an output is not finite where it must be, naming the likely cause.

    NPV and the PVs must be finite in every trial; ROI may be undefined (NaN)
    only where the PV of costs is 0; a payback is never NaN.
    """
    n = arrays["npv"].size
    found = []
    for key, label in _MUST_BE_FINITE:
        x = arrays[key]
        count = n - int(np.count_nonzero(np.isfinite(x)))
        if count:
            found.append(f"{label} is not finite in {count:,} of {n:,} trials")
            continue
        with np.errstate(all="ignore"):  # the summary's mean and sd must exist too
            spread = float(np.std(x)) if n > 1 else 0.0
            mean = float(np.mean(x))
        if not (math.isfinite(mean) and math.isfinite(spread)):
            found.append(f"{label} is too large to summarise (its mean or sd overflows)")
    with np.errstate(invalid="ignore"):
        roi_nan = np.isnan(arrays["roi"]) & (arrays["pv_costs"] != 0)
    count = int(np.count_nonzero(roi_nan | np.isinf(arrays["roi"])))
    if count and not found:
        found.append(f"ROI is not finite in {count:,} of {n:,} trials with costs")
    for key in ("payback_months", "discounted_payback_months"):
        count = int(np.count_nonzero(np.isnan(arrays[key])))
        if count and not found:
            found.append(f"{key.replace('_', ' ')} is undefined in {count:,} of {n:,} trials")
    if not found:
        return
    lines = [line for line, pv in zip(model.lines, line_pv, strict=True) if not np.isfinite(pv)]
    if not lines and model.lines:  # no line overflowed on its own: name the largest
        lines = [model.lines[int(np.argmax(np.abs(line_pv)))]]
    where = ", ".join(
        line.name if line.path in line.name else f"{line.path} ({line.name})" for line in lines
    )
    check = f"check {where} and the discount rate" if where else "check the discount rate"
    raise ConfigError(
        Problem(
            f"{'; '.join(found)}: the amounts or rates are too large to compute with; "
            f"{check}, and write smaller numbers",
            path=lines[0].path if len(lines) == 1 else "",
            file=model.file,
        )
    )
