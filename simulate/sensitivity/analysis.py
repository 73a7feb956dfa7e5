"""Every requested method at once: the dict written as ``sensitivity.json``.

:func:`analyze` checks the request once, picks the seed of every random
stream, runs the model when a method needs Monte Carlo samples and none were
given (:func:`needs_samples`), and gathers each method's section with the
notes and warnings that go with it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..config import Model
from ..engine import Result, run
from ..kernel.tables import kernel_tables
from ..seeds import as_seed_sequence, child, resolve_seed
from . import wording
from .frontier import DEFAULT_FRONTIER_GRID, DEFAULT_FRONTIER_TRIALS, default_pair, frontier
from .oat import spider, tornado
from .options import DEFAULT_METHODS, check_methods, check_metric, check_quantiles, check_targets
from .rank import rank_correlation
from .saltelli import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_REPLICATES,
    DEFAULT_SOBOL_N,
    _bootstrap_unused,
    sobol,
)
from .thresholds import DEFAULT_GOAL_SEEK_TRIALS, breakeven, goal_seek
from .voi import DEFAULT_BINS, value_of_information

__all__ = ["analyze", "needs_samples"]

# Spawn key of sensitivity's random streams under the run's seed: far from
# the chunk indices (0, 1, ...) and the sobol-sampling key (1 << 62) that
# sampling.py uses, so a run's draws and a sensitivity design never coincide.
_STREAM_KEY = (1 << 62) + 0x5E45


def needs_samples(methods: Sequence[str], goal_seek_targets: Sequence[Any] = ()) -> bool:
    """Whether ``methods`` or any goal seek use a run's Monte Carlo samples."""
    return bool({"rank", "voi", "frontier"} & set(methods) or goal_seek_targets)


def _check_result(model: Model, result: Result | None) -> None:
    if result is not None and (
        result.inputs is None or result.inputs.shape[0] != len(model.inputs)
    ):
        raise ValueError(
            "result has no draws for this model's inputs; run it with keep_inputs=True"
        )


def _order_notes(out: dict[str, Any]) -> list[str]:
    """A note for each ranking whose order some inputs' intervals leave open."""
    sections = []
    if "rank" in out:
        sections.append(
            ("Rank correlation", out["rank"], f"{out['trials']:,} trials", "more trials")
        )
    if "sobol" in out:
        size = f"{out['sobol']['n_base']:,} base samples"
        sections.append(("Sobol' ST", out["sobol"]["indices"], size, "more (--sobol-n)"))
    if "voi" in out:
        size = f"{out['voi']['trials']:,} trials"
        sections.append(("EVPPI", out["voi"]["evppi"], size, "more trials"))
    notes = [wording.order_unresolved(*section) for section in sections]
    return [n for n in notes if n]


def _frontier(model, result, npv_rows, pair, trials, grid, tables) -> dict[str, Any] | str:
    """The break-even frontier of ``pair`` (default: the top two continuous drivers),
    or the warning that says why there is none."""
    pair = pair or default_pair(model, npv_rows)
    if pair is None:
        return wording.frontier_missing(sum(not i.prior.is_discrete for i in model.inputs))
    return frontier(model, pair, inputs=result.inputs, trials=trials, grid=grid, tables=tables)


def _no_progress(name: str) -> None:
    pass


def _decisions(out, notes, step, model, result, targets, trials, tables, voi) -> None:
    """Goal seek (for each target) and the value of information, into ``out``."""
    if targets:
        step("goal seek")
        out["goal_seek"] = [
            goal_seek(model, name, t, inputs=result.inputs[:, :trials], tables=tables)
            for name, t in targets
        ]
        notes.append(wording.GOAL_SEEK)
    wanted, bins, seed = voi
    if wanted:
        step("voi")
        out["voi"] = value_of_information(model, result.inputs, result.npv, bins=bins, seed=seed)
        notes.append(wording.VOI)


def analyze(
    model: Model,
    result: Result | None = None,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    metric: str = "npv",
    low_q: float = 0.10,
    high_q: float = 0.90,
    n_base: int = DEFAULT_SOBOL_N,
    n_bootstrap: int | None = DEFAULT_BOOTSTRAP,
    replicates: int = DEFAULT_REPLICATES,
    trials: int | None = None,
    goal_seek_targets: Sequence[tuple[str, float]] = (),
    goal_seek_trials: int = DEFAULT_GOAL_SEEK_TRIALS,
    bins: int = DEFAULT_BINS,
    frontier_pair: Sequence[str] | None = None,
    frontier_trials: int = DEFAULT_FRONTIER_TRIALS,
    frontier_grid: int = DEFAULT_FRONTIER_GRID,
    seed: int | None = None,
    warn: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the chosen sensitivity methods; return the sensitivity.json dict.

    Parameters
    ----------
    model
        From :func:`simulate.load_config`.
    result
        A finished run with its draws (``run(..., keep_inputs=True)``): rank
        correlation, value of information and goal seek use its samples.
        Without it, they run the model (``trials``, ``seed``) first.
    methods
        Any of ``tornado``, ``spider``, ``rank``, ``sobol``, ``breakeven``,
        ``voi``, ``frontier`` (default: all but ``frontier``).
    metric
        ``npv``, ``roi`` or ``payback_months`` for tornado, spider, rank and
        Sobol. Break-even, goal seek and value of information are about NPV.
    low_q, high_q
        The tornado's quantiles.
    n_base, replicates
        Sobol' base samples (``n_base * (k + 2)`` evaluations) and the
        independently scrambled replicates they are split into, whose spread
        gives the intervals.
    n_bootstrap
        No longer used (the Sobol' intervals were once a bootstrap); giving it
        raises a :class:`DeprecationWarning`.
    trials
        Trials of the run made when ``result`` is not given.
    goal_seek_targets
        ``(input, target)`` pairs: where P(NPV > 0) reaches ``target``.
    goal_seek_trials
        How many of the samples each goal seek uses.
    bins
        Bins per input for EVPPI.
    frontier_pair, frontier_trials, frontier_grid
        The frontier's two inputs (given, ``frontier`` need not be among the
        methods; default: the two continuous inputs with the largest NPV
        swings), the samples used at each grid point and the points per axis.
    seed
        Root of every random stream here (default: the result's seed, then
        the config's, then OS entropy); recorded in the output.
    warn
        Also emit each warning as a :class:`SensitivityWarning`.
    progress
        Called with each method's name as it starts (for a progress bar).

    Returns
    -------
    dict
        ``metric``, ``base`` and one key per computed section (docs/interface.md),
        plus ``spider``, ``goal_seek``, ``notes`` and ``warnings``.
    """
    _bootstrap_unused(n_bootstrap)
    methods = check_methods(methods)
    if frontier_pair is not None and "frontier" not in methods:
        methods = (*methods, "frontier")
    check_metric(metric)
    check_quantiles(low_q, high_q)
    targets = check_targets(model, goal_seek_targets)
    _check_result(model, result)
    seed = resolve_seed(seed, None if result is None else result.seed, model.seed)
    sobol_seed, voi_seed = child(as_seed_sequence(seed), _STREAM_KEY).spawn(2)
    tables = kernel_tables(model)

    step = progress or _no_progress
    step("tornado")
    base = tornado(model, metric=metric, low_q=low_q, high_q=high_q, tables=tables)
    out: dict[str, Any] = {"metric": metric, "base": base["base"]}
    # A config of constants has nothing to rank: every section below is an empty list.
    notes: list[str] = [] if model.inputs else [wording.NO_INPUTS]
    warns: list[str] = []
    if "tornado" in methods:
        out["tornado"] = base["rows"]
        notes.append(wording.ONE_AT_A_TIME)
    if "spider" in methods:
        step("spider")
        out["spider"] = spider(model, metric=metric, tables=tables)
    if needs_samples(methods, targets):
        if result is None:
            step("simulate")
            result = run(model, trials=trials, seed=seed, keep_inputs=True, n_paths=0,
                         with_irr=False, line_flows=False)  # fmt: skip
        out["trials"] = result.trials
        out["sampling"] = result.sampling
    if "rank" in methods:
        out["rank"] = rank_correlation(model, result.inputs, getattr(result, metric))
        notes.append(wording.RANK)
    if "sobol" in methods:
        step("sobol")
        out["sobol"] = sobol(model, metric=metric, n_base=n_base, replicates=replicates,
                             seed=sobol_seed, tables=tables)  # fmt: skip
        warns += out["sobol"].pop("warnings")
    if "breakeven" in methods:
        out["breakeven"] = breakeven(model, tables=tables)
    _decisions(out, notes, step, model, result, targets, goal_seek_trials, tables,
               voi=("voi" in methods, bins, voi_seed))  # fmt: skip
    if "frontier" in methods:
        step("frontier")
        npv_rows = base["rows"] if metric == "npv" else tornado(model, tables=tables)["rows"]
        found = _frontier(model, result, npv_rows, frontier_pair, frontier_trials,
                          frontier_grid, tables)  # fmt: skip
        if isinstance(found, str):
            warns.append(found)
        else:
            out["frontier"] = found
    notes += _order_notes(out)
    out.update(seed=seed, notes=notes, warnings=warns)
    if warn:
        for w in warns:
            warnings.warn(w, wording.SensitivityWarning, stacklevel=2)
    return out
