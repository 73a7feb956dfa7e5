"""One run as ``simulate run`` makes it: simulate a model, then fill its result folder.

``simulate run``, ``simulate run --overlay`` and every item of ``simulate
batch`` (in this process, a worker process or a Dask worker) go through these
functions, so a batch item's folder is what ``simulate run`` writes with the
item's seed, file for file.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import Model, Overlay
from .engine import Result, run
from .files import write_json, write_samples
from .report.data import pack_data, write_pack_data
from .sensitivity.oat import tornado

__all__ = ["RunOptions", "identify", "run_warnings", "simulate_model", "write_run"]

# The numba kernel runs in parallel over trials on its own thread pool; two
# runs started from two threads of one process (Dask workers with several
# threads) take turns here rather than oversubscribing the cores, and never
# enter a threading layer that is not thread-safe (workqueue) concurrently.
ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunOptions:
    """What the command line sets for a run (``None``: the config's ``simulation:``)."""

    trials: int | None = None
    seed: int | None = None
    sampling: str | None = None
    save_samples: bool = False
    figures: bool = True
    formats: tuple[str, ...] = ("png",)


def run_warnings(model: Model, options: RunOptions) -> list[str]:
    """The config's warnings, plus any about the options (sobol with 2^k trials)."""
    out = list(model.warnings)
    sampling = options.sampling or model.sampling
    trials = options.trials or model.trials
    if sampling == "sobol" and trials & (trials - 1):
        out.append(
            "sobol sampling is balanced only for a power-of-two number of "
            f"trials; {trials:,} is not (e.g. use {1 << (trials.bit_length() - 1):,} "
            f"or {1 << trials.bit_length():,})"
        )
    return out


def _overlay_digest(overlay: Overlay) -> bytes:
    """What identifies an overlay's content: its file's bytes, else its changes."""
    try:
        return Path(overlay.file).read_bytes()
    except OSError:
        return repr((overlay.name, overlay.description, overlay.changes)).encode()


def identify(model: Model, overlay: Overlay | None = None) -> tuple[Model, dict | None]:
    """The model with a ``config_hash`` over the config, its scenario and its overlay.

    The config as written keeps the hash of its file; with a scenario or an
    overlay the hash is the first 8 hex digits of SHA-256 over that hash, the
    scenario's name and the overlay file's bytes, so an overlaid or scenario
    run's summary.json and chart stamps differ from the base case's. Also
    returns the overlay as summary.json records it (``{"file", "name"}``),
    or None.
    """
    if model.scenario is None and model.overlay is None and overlay is None:
        return model, None
    h = hashlib.sha256(model.config_hash.encode())
    h.update(b"\0scenario\0" + (model.scenario or "").encode("utf-8", "surrogatepass"))
    h.update(b"\0overlay\0" + (model.overlay or "").encode("utf-8", "surrogatepass"))
    if overlay is not None:
        h.update(b"\0" + _overlay_digest(overlay))
    record = None
    if overlay is not None:
        record = {"file": overlay.file, "name": overlay.name}
    elif model.overlay is not None:
        record = {"file": None, "name": model.overlay}
    return replace(model, config_hash=h.hexdigest()[:8]), record


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
    The run's model carries the hash of :func:`identify`. Other keywords go
    to the engine (``n_paths``, ``with_irr``).
    """
    model, record = identify(model, overlay)
    with ENGINE_LOCK:
        return run(
            model,
            overlay=record,
            trials=options.trials or model.trials,
            seed=options.seed if seed is None else seed,
            sampling=options.sampling or model.sampling,
            keep_inputs=options.save_samples if keep_inputs is None else keep_inputs,
            **engine_options,
        )


def write_run(
    folder: Path,
    result: Result,
    options: RunOptions,
    *,
    sensitivity: Mapping[str, Any] | None = None,
    comparison: Any = None,
    command: str | None = None,
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
    run's folder here, so they agree.
    """
    folder = Path(folder)
    write_json(folder / "summary.json", result.summary())
    if options.save_samples:
        write_samples(folder / "samples.npz", result.sample_arrays())
    with ENGINE_LOCK:  # the tornado's and the TEI table's kernel calls
        rows = tornado(result.model)
        data = pack_data(
            result, tornado=rows, sensitivity=sensitivity, comparison=comparison, command=command
        )
    if options.figures:
        from .plotting.figures import write_standard  # matplotlib: only with charts

        write_standard(folder / "figures", result, options.formats, rows)
    write_pack_data(folder, data)
