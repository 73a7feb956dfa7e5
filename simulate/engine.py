"""The one pipeline: ``run(model, trials, seed) -> Result``.

Model -> kernel tables (once) -> for each piece of whole replicate batches:
draws -> kernel -> per-trial outputs. With ``precision`` targets the run
adds batches until every target is met at two successive check points
(:func:`run_set`; ``simulate.precision``). Sensitivity and batch reuse
:func:`run` and :func:`evaluate`; nothing else calls the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .config import Model
from .config.model import PrecisionTarget
from .config.settings import MAX_TRIALS
from .config.tolerance import DEFAULT_MAX_TRIALS
from .kernel import cashflow, coldstart, launch
from .kernel.checks import MUST_BE_FINITE, allocate, check_draws, check_outputs
from .kernel.tables import OUTPUT_NAMES, Tables, kernel_tables, line_flow_trials, year_edges
from .precision import (
    Design,
    Tracker,
    check_points,
    precision_targets,
)
from .results import Result
from .sampling import DEFAULT_CHUNK, Draws, batch_bounds, batch_size_for, pieces, ppf_matrix
from .seeds import resolve_seed

__all__ = [
    "DEFAULT_PATHS",
    "OUTPUT_NAMES",
    "Outputs",
    "Planned",
    "Result",
    "evaluate",
    "kernel_tables",
    "load_kernel",
    "run",
    "run_set",
]

# Trials whose cumulative cash-flow paths are kept (for fan charts).
DEFAULT_PATHS = 2000
# ``progress(done, total)``: how many trials are done, of how many at most (a progress bar).
Progress = Callable[[int, int], None]


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
    line_pv_blocks: np.ndarray  # (blocks, L): the same per block of cashflow.BLOCK trials


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
        edges, line_flows, int(flows_at), cashflow.LINE_FUNCTION, cashflow.IRR_FUNCTION,
    )  # fmt: skip
    coldstart.prepare_kernel(args)  # on a cold numba cache: compile on two cores
    launch.run_groups(cashflow.simulate, args, -(-n_blocks // cashflow.GROUP), n)
    return Outputs(**out, paths=paths, discounted_paths=dpaths, line_pv_sum=block_pv.sum(axis=0),
                   line_pv_blocks=block_pv)  # fmt: skip


def load_kernel(model: Model) -> None:
    """Load the kernel from numba's cache, or compile it on a cold cache, as the first
    :func:`evaluate` of a process does (on two cores: :mod:`simulate.kernel.coldstart`).

    Evaluates one trial, every input at its median. A batch calls it before
    its worker processes start, so that they load the kernel from the cache
    instead of each compiling it.
    """
    medians = ppf_matrix(model, np.full((len(model.inputs), 1), 0.5))
    with np.errstate(all="ignore"):
        evaluate(model, medians, n_paths=1)


def run(
    model: Model,
    trials: int | None = None,
    seed: int | None = None,
    *,
    sampling: str | None = None,
    keep_inputs: bool = True,
    n_paths: int = DEFAULT_PATHS,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int | None = None,
    with_irr: bool = True,
    overlay: dict[str, str | None] | None = None,
    precision: str | Mapping | Sequence[PrecisionTarget] | None = None,
    max_trials: int | None = None,
    progress: Progress | None = None,
    line_flows: bool = True,
) -> Result:
    """Simulate ``trials`` trials of ``model``, or until ``precision`` is reached.

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
        About how many trials are drawn and evaluated at a time; bounds
        memory. ``random`` sampling's streams are per chunk, so its results
        depend on it; never on the machine or thread count.
    batch_size
        Trials per replicate batch (``simulate.sampling.batch_bounds``): the
        unit of ``lhs`` and ``sobol`` designs and of correlations, from whose
        spread their intervals are measured. Results depend on it. Default:
        ``simulate.sampling.batch_size_for`` of the trials (of ``max_trials``
        with precision), 8,192 from 81,920 trials on.
    overlay
        The overlay record the summary writes (``{"file", "name"}``). By
        default the model's own (``model.overlay_record``: the overlay
        :func:`simulate.load_config` applied, or None), which is what to use;
        ``model.config_hash`` already covers the scenario and the overlay.
    precision, max_trials
        Precision targets (``"npv_positive=0.5pp,npv_p50=2%"``, ``"default"``,
        a mapping or :class:`PrecisionTarget` s): add trials until every
        target is met at two successive check points, or ``max_trials``
        (default the config's, else 10,000,000) is reached (:func:`run_set`).
        Without ``trials`` or ``precision``, the config's
        ``simulation.precision`` applies when it has one. ``trials`` and
        ``precision`` exclude each other.
    progress
        Called as ``progress(done, total)`` as trials are added: after each
        piece of a fixed run (``total`` its trials), after each check point of a
        precision run (``total`` its ``max_trials``). For a progress bar.
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
    if trials is not None and precision is not None:
        raise ValueError("give trials or precision, not both")
    seed = resolve_seed(seed, model.seed)
    sampling = sampling or model.sampling
    opts = dict(keep_inputs=keep_inputs, n_paths=n_paths, chunk_size=chunk_size,
                batch_size=batch_size, with_irr=with_irr, line_flows=line_flows)  # fmt: skip
    if precision is not None or (trials is None and model.precision):
        targets = precision_targets(model, model.precision if precision is None else precision)
        limit = max_trials or model.max_trials or DEFAULT_MAX_TRIALS
        plan = Planned(model, seed, sampling, targets, overlay)
        return run_set([plan], limit, progress=progress, **opts)[0]
    trials = model.trials if trials is None else int(trials)
    if trials < 1:
        raise ValueError(f"trials must be at least 1, not {trials}")
    opts["batch_size"] = batch_size or batch_size_for(trials)
    growing = _Growing(model, int(seed), sampling, trials, capacity=trials, **opts)
    growing.advance(len(growing.bounds) - 1, progress)
    return growing.result(overlay)


class Planned(NamedTuple):
    """One run of a set (:func:`run_set`): what it simulates and the targets it must meet."""

    model: Model
    seed: int
    sampling: str
    targets: tuple[PrecisionTarget, ...]
    overlay: dict[str, str | None] | None = None


def run_set(
    runs: Sequence[Planned],
    max_trials: int,
    *,
    keep_inputs: bool = True,
    n_paths: int = DEFAULT_PATHS,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int | None = None,
    with_irr: bool = True,
    line_flows: bool = True,
    progress: Progress | None = None,
) -> list[Result]:
    """Run every :class:`Planned` run on common trials until each meets its targets.

    Every run adds the same batches (of ``batch_size`` trials, by default
    ``batch_size_for(max_trials)``) and is checked at the same check points
    (``simulate.precision.check_points``): the set stops at the first check
    point where every target of every run has been met twice in a row (at
    two successive check points), or at the last whole batch within
    ``max_trials`` (``max_trials`` itself when that is less than a batch).
    So a set of scenarios stops together, and their trials stay paired.
    Each result equals a run of its recorded number of trials with the same
    seed: the check points are batch boundaries, a run's first batches do
    not depend on how many follow, and a design drawn batch by batch meets
    no target before it has ten batches (``Tracker``), from where
    ``batch_size_for`` gives the run's batch size again.
    """
    if not 1 <= max_trials <= MAX_TRIALS:
        raise ValueError(f"max_trials must be from 1 to {MAX_TRIALS:,}, not {max_trials}")
    batch_size = batch_size or batch_size_for(max_trials)
    last = max_trials // batch_size
    bounds = np.arange(last + 1) * batch_size if last else np.array([0, max_trials])
    capacity = int(bounds[min(len(bounds) - 1, 4)])
    opts = dict(keep_inputs=keep_inputs, n_paths=n_paths, chunk_size=chunk_size,
                batch_size=batch_size, with_irr=with_irr, line_flows=line_flows)  # fmt: skip
    growing = [_Growing(p.model, int(p.seed), p.sampling, bounds, capacity=capacity, **opts)
               for p in runs]  # fmt: skip
    trackers = [
        Tracker(p.model, p.targets, Design(p.sampling, bool(p.model.correlations), batch_size))
        for p in runs
    ]
    streak, reason = 0, "max_trials"
    for point in check_points(len(bounds) - 1):
        for g in growing:
            g.advance(point)
            g.verify()
        met = [
            t.check(g.outputs(), bounds[: point + 1])
            for g, t in zip(growing, trackers, strict=True)
        ]
        streak = streak + 1 if all(met) else 0
        if progress is not None:
            progress(int(bounds[point]), max_trials)
        if streak >= 2:
            reason = "precision"
            break
    stops = [
        {"reason": reason, "targets": p.targets, "max_trials": max_trials, "checks": t.history}
        for p, t in zip(runs, trackers, strict=True)
    ]
    return [g.result(p.overlay, s) for g, p, s in zip(growing, runs, stops, strict=True)]


class _Growing:
    """One run's per-trial results as its batches come in: arrays that grow as needed."""

    def __init__(
        self,
        model: Model,
        seed: int,
        sampling: str,
        bounds: np.ndarray | int,
        *,
        capacity: int,
        keep_inputs: bool,
        n_paths: int,
        chunk_size: int,
        batch_size: int,
        with_irr: bool,
        line_flows: bool,
    ) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, not {seed}")
        # the memory first: a run too large for it fails at once (ConfigError)
        self.arrays, self.kept = allocate(model, capacity, keep_inputs)
        if isinstance(bounds, (int, np.integer)):  # a number of trials: its batches
            bounds = batch_bounds(int(bounds), batch_size)
        self.model, self.seed, self.sampling, self.bounds = model, seed, sampling, bounds
        self.chunk_size, self.batch_size, self.with_irr = chunk_size, batch_size, with_irr
        self.draws = Draws(model, seed, sampling, bounds, chunk_size)
        # each bernoulli input's draws (a success flag): True where it drew 1
        self.flag_rows = [j for j, inp in enumerate(model.inputs) if inp.prior.dist == "bernoulli"]
        self.flags = np.empty((len(self.flag_rows), capacity), dtype=bool)
        T1 = model.horizon_months + 1
        self.paths = np.empty((min(n_paths, int(bounds[-1])), T1))
        self.dpaths = np.empty_like(self.paths)
        self.line_pv = np.zeros(len(model.lines))
        # each line's flows per year of the first trials (the TEI table): room for as many
        # as the last batch's run keeps; a run stopped earlier keeps its own count of them
        self.flows = None
        if line_flows:
            keep = line_flow_trials(int(bounds[-1]), model.horizon_months, len(model.lines))
            columns = year_edges(model.horizon_months).size + 2
            self.flows = np.empty((len(model.lines), columns, keep))
        self.batches = 0
        self.verified = 0  # trials whose outputs verify() has checked
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.tables = kernel_tables(model)
        # with stage gates: each trial's NPV without them, and each gate's passes
        self.ungated_tables = self.tables.without_gates()
        self.ungated = np.empty(capacity if model.gates else 0)
        self.passes = np.zeros(len(model.gates), np.int64)

    @property
    def n(self) -> int:
        return int(self.bounds[self.batches])

    def advance(self, last: int, progress: Progress | None = None) -> None:
        """Draw and evaluate the batches up to ``last`` (a piece of about a chunk at a time).

        ``progress(done, total)`` after each piece, ``total`` the last batch's end.
        """
        # Extreme inputs may overflow to inf or NaN (the discount table, a prior's draws, the
        # sums over trials): no numpy warning, for the draws and the outputs are checked and
        # the run stops with an error that names the cause.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for first, end in pieces(self.bounds, self.batches, last, self.chunk_size):
                self._piece(first, end)
                self.batches = end
                if progress is not None:
                    progress(self.n, int(self.bounds[-1]))

    def _piece(self, first: int, end: int) -> None:
        start, stop = int(self.bounds[first]), int(self.bounds[end])
        inputs = self.draws.draw(first, end)
        check_draws(self.model, inputs)
        self._grow(stop)
        n = stop - start
        want_paths = max(0, min(self.paths.shape[0] - start, n))
        views = {name: self.arrays[name][start:stop] for name in OUTPUT_NAMES}
        out = evaluate(self.model, inputs, with_irr=self.with_irr, n_paths=want_paths,
                       tables=self.tables, out=views, line_flows=self.flows,
                       flows_at=start)  # fmt: skip
        if want_paths:
            self.paths[start : start + want_paths] = out.paths
            self.dpaths[start : start + want_paths] = out.discounted_paths
        # Block by block, in trial order: the same sum however the batches were grouped.
        blocks = np.concatenate([self.line_pv[None, :], out.line_pv_blocks])
        self.line_pv = np.cumsum(blocks, axis=0)[-1]
        if self.kept is not None:
            self.kept[:, start:stop] = inputs
        if self.flag_rows:
            self.flags[:, start:stop] = inputs[self.flag_rows] > 0.5
        if self.model.gates:
            self._without_gates(inputs, start, stop)

    def _without_gates(self, inputs: np.ndarray, start: int, stop: int) -> None:
        """The piece's NPVs with no option to stop, and how often each gate passed in it."""
        out = evaluate(self.model, inputs, with_irr=False, tables=self.ungated_tables)
        self.ungated[start:stop] = out.npv
        for g, gate in enumerate(self.model.gates):
            flag = gate.flag
            value = (
                inputs[flag.input] if not flag.is_constant else np.full(stop - start, flag.value)
            )
            self.passes[g] += np.count_nonzero(value >= gate.threshold)

    def _grow(self, stop: int) -> None:
        """Room for ``stop`` trials: double the arrays (at most to the last batch) when short."""
        capacity = self.arrays["npv"].size
        if stop <= capacity:
            return
        capacity = min(max(2 * capacity, stop), int(self.bounds[-1]))
        arrays, kept = allocate(self.model, capacity, self.kept is not None, grown=True)
        n = self.n
        for name in OUTPUT_NAMES:
            arrays[name][:n] = self.arrays[name][:n]
        if kept is not None:
            kept[:, :n] = self.kept[:, :n]
        flags = np.empty((len(self.flag_rows), capacity), dtype=bool)
        flags[:, :n] = self.flags[:, :n]
        self.arrays, self.kept, self.flags = arrays, kept, flags
        if self.model.gates:
            self.ungated = np.concatenate([self.ungated[:n], np.empty(capacity - n)])

    def verify(self) -> None:
        """A ConfigError now, rather than after max_trials, when an output cannot be computed.

        Checks the trials added since the last call; the error itself is
        the one :func:`_check_outputs` gives for every trial so far.
        """
        n, a = self.n, self.verified
        with np.errstate(all="ignore"):
            fine = all(np.isfinite(self.arrays[k][a:n]).all() for k, _ in MUST_BE_FINITE)
        if not fine:
            check_outputs(self.model, self.outputs(), self.line_pv)
        self.verified = n

    def outputs(self) -> dict[str, np.ndarray]:
        """The outputs of the trials so far, by name (views)."""
        n = self.n
        return {name: a[:n] for name, a in self.arrays.items()}

    def _line_flows(self, n: int) -> np.ndarray | None:
        """The line flows a run of ``n`` trials keeps: those of its first trials."""
        if self.flows is None:
            return None
        keep = line_flow_trials(n, self.model.horizon_months, len(self.model.lines))
        return np.ascontiguousarray(self.flows[:, :, :keep])

    def _flags(self, n: int) -> dict[str, np.ndarray]:
        """Each bernoulli input's draws over the first ``n`` trials, by input name."""
        names = [self.model.inputs[j].name for j in self.flag_rows]
        return {name: self.flags[i, :n].copy() for i, name in enumerate(names)}

    def result(self, overlay: dict | None, stop: Mapping[str, Any] | None = None) -> Result:
        n = self.n
        arrays = self.outputs()
        check_outputs(self.model, arrays, self.line_pv)
        kept = self.kept
        if kept is not None and kept.shape[1] != n:
            kept = np.ascontiguousarray(kept[:, :n])
        n_paths = min(self.paths.shape[0], n)
        return Result(
            model=self.model,
            trials=n,
            seed=self.seed,
            sampling=self.sampling,
            chunk_size=self.chunk_size,
            **arrays,
            paths=self.paths[:n_paths],
            discounted_paths=self.dpaths[:n_paths],
            line_pv_mean=self.line_pv / n,
            inputs=kept,
            line_flows=self._line_flows(n),
            flags=self._flags(n),
            overlay=overlay if overlay is not None else self.model.overlay_record,
            batch_size=self.batch_size,
            stop=stop,
            npv_without_gates=self.ungated[:n].copy() if self.model.gates else None,
            gate_passes=self.passes.copy() if self.model.gates else None,
        )
