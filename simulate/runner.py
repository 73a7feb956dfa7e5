"""One run as ``simulate run`` makes it: simulate a model, then fill its result folder.

``simulate run``, ``simulate run --overlay`` and every item of ``simulate
batch`` (in this process, a worker process or a Dask worker) go through these
functions, so a batch item's folder is what ``simulate run`` writes with the
item's seed, file for file.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import Model, Overlay
from .config.identity import config_hash
from .config.model import PrecisionTarget
from .config.tolerance import DEFAULT_MAX_TRIALS
from .drawing import Charts, closed_on_error
from .engine import Planned, Result, run, run_set
from .files import write_json, write_samples
from .precision import precision_targets
from .report.data import pack_data, write_pack_data
from .sampling import batch_size_for
from .seeds import resolve_seed
from .sensitivity.oat import tornado

__all__ = [
    "RunOptions",
    "identify",
    "run_warnings",
    "simulate_model",
    "simulate_set",
    "targets_of",
    "write_run",
]

# The numba kernel runs on the package's thread pool (kernel/launch.py); two
# runs started from two threads of one process (Dask workers with several
# threads) take turns here rather than oversubscribing the cores.
ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunOptions:
    """What the command line sets for a run (``None``: the config's ``simulation:``).

    ``precision`` (the targets of ``--precision``) and ``trials`` exclude
    each other; either one replaces whichever the config sets.
    """

    trials: int | None = None
    seed: int | None = None
    sampling: str | None = None
    save_samples: bool = False
    figures: bool = True
    formats: tuple[str, ...] = ("png",)
    precision: tuple[PrecisionTarget, ...] | None = None
    max_trials: int | None = None


def targets_of(model: Model, options: RunOptions) -> tuple[PrecisionTarget, ...] | None:
    """The precision targets a run of ``model`` must meet, or None for a fixed number of trials.

    ``--trials`` wins over the config's ``precision``, ``--precision`` over
    its ``trials``. Raises ConfigError (naming the config) for a target the
    model cannot have (``payback_within_target`` without the target month).
    """
    if options.trials is not None:
        return None
    targets = options.precision if options.precision is not None else model.precision
    return precision_targets(model, targets) if targets else None


def _max_trials(model: Model, options: RunOptions) -> int:
    return options.max_trials or model.max_trials or DEFAULT_MAX_TRIALS


def run_warnings(model: Model, options: RunOptions) -> list[str]:
    """The config's warnings, plus any about the options (sobol with unbalanced batches)."""
    out = list(model.warnings)
    sampling = options.sampling or model.sampling
    trials = options.trials or model.trials
    batch = batch_size_for(trials)
    one = trials < 2 * batch  # a single batch of every trial
    balanced = trials & (trials - 1) == 0 if one else trials % batch == 0
    if sampling == "sobol" and not balanced and targets_of(model, options) is None:
        if one:
            how = "a power of two"
            low, high = 1 << (trials.bit_length() - 1), 1 << trials.bit_length()
        else:
            how = f"a multiple of the {batch:,} trials of its batches"
            low, high = (trials // batch) * batch, (trials // batch + 1) * batch
        out.append(
            "sobol sampling is balanced only when each batch of trials is a power of two: "
            f"{trials:,} trials is not {how} (e.g. use {low:,} or {high:,})"
        )
    return out


def identify(model: Model, overlay: Overlay | None = None) -> tuple[Model, dict | None]:
    """The model with the ``config_hash`` a run records, and its overlay as summary.json has it.

    :func:`simulate.load_config` already gives a model loaded with a scenario
    or an overlay its own hash (the first 8 hex digits of SHA-256 over the
    config file's hash, the scenario's name and the overlay file's bytes:
    :func:`simulate.config.identity.config_hash`) and its overlay record, so
    an overlaid or scenario run's summary.json and chart stamps differ from
    the base case's; such a model is returned as it is, with
    ``model.overlay_record`` (``{"file", "name"}``, or None). Given the
    ``overlay`` a model was loaded with, the same. Given another (a script
    written when the model did not carry its identity), the hash and the
    record are made as if the model had been loaded with it; its changes are
    not applied by this: load the config with ``overlay=`` for that.
    """
    if overlay is not None and (overlay.file, overlay.name) != (
        model.overlay_file,
        model.overlay_name,
    ):
        model = replace(
            model,
            config_hash=config_hash(model.file_hash, model.scenario, overlay),
            overlay=overlay.stem,
            overlay_file=overlay.file,
            overlay_name=overlay.name,
        )
    return model, model.overlay_record


def simulate_model(
    model: Model,
    options: RunOptions,
    *,
    seed: int | None = None,
    keep_inputs: bool | None = None,
    overlay: Overlay | None = None,
    **engine_options,
) -> Result:
    """:func:`simulate.engine.run` with the command line's trials, seed and sampling.

    ``seed`` replaces ``options.seed``; ``keep_inputs`` defaults to whether
    samples are saved; ``overlay`` is the overlay ``model`` was loaded with.
    The run's model carries the hash of :func:`identify`. With precision
    targets (``--precision``, or the config's) the run stops at them
    (:func:`targets_of`). Other keywords go to the engine (``n_paths``,
    ``with_irr``).
    """
    return simulate_set([model], options, seed=seed, keep_inputs=keep_inputs,
                        overlays=[overlay], **engine_options)[0]  # fmt: skip


def simulate_set(
    models: Sequence[Model],
    options: RunOptions,
    *,
    seed: int | None = None,
    keep_inputs: bool | None = None,
    overlays: Sequence[Overlay | None] | None = None,
    **engine_options,
) -> list[Result]:
    """Simulate ``models`` (a config and its scenarios) as :func:`simulate_model` does each.

    Runs with precision targets run together on common trials
    (:func:`simulate.engine.run_set`): they stop at the same check point,
    when every target of every one is met, so their trials stay paired for
    the comparisons. The others run their fixed number of trials.
    """
    overlays = list(overlays) if overlays is not None else [None] * len(models)
    keep = options.save_samples if keep_inputs is None else keep_inputs
    plans: list[tuple[int, Planned]] = []
    results: list[Result | None] = [None] * len(models)
    # With no seed given anywhere, the whole set shares one fresh seed: its runs stay
    # paired (common random numbers), and each records it.
    fresh = resolve_seed()
    with ENGINE_LOCK:
        for i, (m, overlay) in enumerate(zip(models, overlays, strict=True)):
            m, record = identify(m, overlay)
            run_seed = resolve_seed(options.seed if seed is None else seed, m.seed, fresh)
            sampling = options.sampling or m.sampling
            targets = targets_of(m, options)
            if targets is None:
                results[i] = run(m, overlay=record, trials=options.trials or m.trials,
                                 seed=run_seed, sampling=sampling, keep_inputs=keep,
                                 **engine_options)  # fmt: skip
            else:
                plans.append((i, Planned(m, run_seed, sampling, targets, record)))
        if plans:
            limit = min(_max_trials(p.model, options) for _, p in plans)
            done = run_set([p for _, p in plans], limit, keep_inputs=keep, **engine_options)
            for (i, _), result in zip(plans, done, strict=True):
                results[i] = result
    return results


def write_run(
    folder: Path,
    result: Result,
    options: RunOptions,
    *,
    sensitivity: Mapping[str, Any] | None = None,
    comparison: Any = None,
    command: str | None = None,
    charts: Charts | None = None,
) -> None:
    """Write a run's files into ``folder`` (a temporary folder moved into place after).

    ``summary.json`` and ``report_data.json`` (:func:`simulate.report.data.pack_data`:
    what ``simulate report`` renders the review pack from) always;
    ``samples.npz`` with ``save_samples``; with ``figures``, the run's standard
    charts (:func:`simulate.plotting.figures.write_standard`) in ``figures/``,
    each drawn once. The NPV tornado (:func:`simulate.sensitivity.tornado`) is
    computed once for both. ``sensitivity`` (sensitivity.json's dict),
    ``comparison`` (scenario comparison rows or overlay.json's dict) and
    ``command`` go into report_data.json. ``run`` and ``batch`` both write a
    run's folder here, so they agree. ``charts`` draws the charts (a chart
    process of :mod:`simulate.drawing` draws them while the other files are
    written); by default they are drawn here. The call returns once every
    file is written.
    """
    folder = Path(folder)
    write_json(folder / "summary.json", result.summary())
    with ENGINE_LOCK:  # the tornado's kernel calls
        rows = tornado(result.model)
    drawer = (charts or Charts()) if options.figures else None
    if drawer is not None:
        drawer.draw(folder / "figures", result, options.formats, rows)
    with closed_on_error(drawer):
        if options.save_samples:
            write_samples(folder / "samples.npz", result.sample_arrays())
        with ENGINE_LOCK:  # the TEI table's kernel calls
            data = pack_data(
                result, tornado=rows, sensitivity=sensitivity, comparison=comparison,
                command=command,
            )  # fmt: skip
        write_pack_data(folder, data)
        if drawer is not None:
            drawer.wait()
