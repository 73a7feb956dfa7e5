"""``simulate batch``: many configs and their scenarios, on one machine or a Dask cluster.

The stages, in order, one module each:

1. :func:`discover` (:mod:`.discover`) expands the command line's files,
   folders (their ``*.yaml`` / ``*.yml``, not recursive) and globs (``**``
   recurses) into config paths, in the order given, folders and globs
   sorted, duplicates dropped.
2. :func:`plan` (:mod:`.plan`) reads each config once, gives it a seed and
   lists its items: the config as written, then each of its scenarios. A
   config that does not load becomes an error row and is skipped; two
   configs that would write the same result folder stop the batch.
3. Each item runs through :func:`run_item` (:mod:`.execute`), the same code
   as ``simulate run`` (``runner.simulate_model`` and ``runner.write_run``),
   in this process, in local worker processes, or on a Dask cluster. A
   worker gets the config's bytes and returns the result folder's files as
   bytes, so a cluster's workers need no shared file system.
4. :func:`run_batch` (here) writes each folder atomically as it arrives, then
   the paired comparisons of each config's scenarios (:mod:`.write`), the
   comparison charts (:mod:`.charts`) and the batch summary
   (:func:`write_summary`). :mod:`.progress` shows how far it is on stderr,
   :func:`batch_text` (:mod:`.text`) is the table printed at the end.

Seeds. A config whose ``simulation:`` sets a seed keeps it (a scenario's own
seed wins for that scenario). Otherwise the seed comes from the batch's root
``SeedSequence`` (``--seed``, or OS entropy, recorded in
``batch_summary.json``): ``root.spawn(n)`` gives one child per config, in the
order of step 1, and the child's first 63 bits are the seed. Every scenario of
a config gets the config's seed, so they are compared on common random
numbers. Each row records its seed: ``simulate run CONFIG [--scenario NAME]
--seed SEED`` (with the batch's ``--trials``, if any) writes the same folder.

Numbers do not depend on where an item runs: the kernel gives bitwise
identical results on any number of threads, and each worker process is given
``cores // workers`` numba threads so that the workers do not oversubscribe
the machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..runner import RunOptions
from ..version import __version__
from .charts import draw_portfolio
from .discover import YAML_SUFFIXES, discover
from .execute import dask_client, run_item, run_items
from .plan import ConfigRuns, group_by_config, item_seed, plan
from .progress import Progress
from .records import BatchItem, BatchReport, ItemOutcome, RowSpec, exit_status
from .text import batch_text
from .write import ROW_COLUMNS, row_for, write_config_comparison, write_files, write_summary

__all__ = [
    "ROW_COLUMNS",
    "YAML_SUFFIXES",
    "BatchItem",
    "BatchReport",
    "ConfigRuns",
    "ItemOutcome",
    "Progress",
    "RowSpec",
    "batch_text",
    "dask_client",
    "discover",
    "draw_portfolio",
    "exit_status",
    "group_by_config",
    "item_seed",
    "plan",
    "row_for",
    "run_batch",
    "run_item",
    "run_items",
    "write_config_comparison",
    "write_files",
    "write_summary",
]

SEED_RULE = (
    "a config's simulation.seed if it sets one (a scenario's own seed for that "
    "scenario); otherwise child i of SeedSequence(root_seed).spawn(number of configs) "
    "for the i-th config, first 63 bits; every scenario of a config shares its seed"
)


def run_batch(
    paths: Sequence[str | Path],
    out: Path,
    options: RunOptions,
    *,
    workers: int = 1,
    dask: str | None = None,
    seed: int | None = None,
    figures: bool = True,
    note: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> BatchReport:
    """Run every config and scenario under ``paths`` and write the results to ``out``.

    ``seed`` is the batch's root seed (see the module docstring); ``options``
    apply to every item (``options.seed`` must be None). Each finished item's
    folder is written at once; a failed item is reported through ``note``
    (one line per problem; default: stderr) and the others go on. Writes
    ``out/batch_summary.csv``, ``out/batch_summary.json`` and, with
    ``figures``, the comparison charts in ``out/figures/``.

    Raises
    ------
    ConfigError
        For paths that name no config, two configs that would write the same
        folder, or a Dask scheduler that cannot be reached.
    """
    if options.seed is not None:
        raise ValueError("a batch's seed is its root seed: pass seed=, not options.seed")
    note = note or _to_stderr
    started = time.perf_counter()
    configs = discover(paths)
    root = np.random.SeedSequence(seed)
    specs, items, failed = plan(configs, root, trials=options.trials)
    outcomes: dict[int, ItemOutcome] = {}
    for o in failed:
        outcomes[o.index] = o
        _report_failure(specs[o.index], o, note)
    groups = group_by_config(items)
    comparisons: list[dict[str, Any]] = []
    written: list[Path] = []
    if progress is not None:
        progress.total = len(items)
    for o in run_items(items, options, workers=workers, dask=dask):
        spec = specs[o.index]
        _file_outcome(out / spec.stem, spec, o, note)
        outcomes[o.index] = o
        if progress is not None:
            progress.advance(f"{'ok' if o.status == 'ok' else 'FAILED'} {spec.stem}")
        group = groups[spec.config]
        group.done[o.index] = o
        if group.complete:
            rows, charts = _compare_config(out, group, specs, figures, options.formats)
            comparisons += rows
            written += charts
    rows = [row_for(spec, outcomes[spec.index], out) for spec in specs]
    position = {c: i for i, c in enumerate(configs)}
    comparisons.sort(key=lambda c: position[c["config"]])  # stable: pairs keep their order
    meta = _meta(root, rows, comparisons, seed_given=seed is not None, trials=options.trials,
                 workers=workers, dask=dask, configs=len(configs))  # fmt: skip
    if figures:
        written += draw_portfolio(out, rows, meta, options.formats)
    meta["figures"] = [str(p) for p in written]
    meta["wall_seconds"] = round(time.perf_counter() - started, 3)
    write_summary(out, rows, meta)
    stems = [s.stem for s in specs]
    status = exit_status(outcomes.values())
    return BatchReport(rows, stems, comparisons, meta["figures"], meta, status)


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr)


def _report_failure(spec: RowSpec, outcome: ItemOutcome, note: Callable[[str], None]) -> None:
    """One ``error:`` line per problem; an internal error names the run and adds its traceback."""
    where = f"{spec.config}" + (f" [scenario {spec.scenario}]" if spec.scenario else "")
    for problem in outcome.problems:
        note(f"error: {problem}" if outcome.kind == "invalid" else f"error: {where}: {problem}")
    if outcome.traceback:
        note(outcome.traceback.rstrip())


def _file_outcome(
    folder: Path, spec: RowSpec, outcome: ItemOutcome, note: Callable[[str], None]
) -> None:
    """Write a finished item's folder and pass on its warnings, or report its failure."""
    if outcome.status != "ok":
        _report_failure(spec, outcome, note)
        return
    write_files(folder, outcome.files)
    outcome.files = {}  # written: keep memory flat over a long batch
    for w in outcome.warnings:
        note(f"warning: {spec.config}: {w}")


def _compare_config(
    out: Path,
    group: ConfigRuns,
    specs: Sequence[RowSpec],
    figures: bool,
    formats: Sequence[str],
) -> tuple[list[dict[str, Any]], list[Path]]:
    """A config's paired comparisons once all its items are done (with two good runs or more)."""
    ok = [group.done[i] for i in group.indices if group.done[i].status == "ok"]
    done: tuple[list[dict[str, Any]], list[Path]] = ([], [])
    if len(ok) >= 2:
        done = write_config_comparison(
            out,
            group.config,
            [(specs[o.index].stem, o.summary, o.npv) for o in ok],
            figures=figures,
            formats=formats,
            config_hash=ok[0].config_hash,
        )
    for o in group.done.values():
        o.npv = None  # compared: keep memory flat over a long batch
    return done


def _meta(
    root: np.random.SeedSequence,
    rows: Sequence[Mapping[str, Any]],
    comparisons: list[dict[str, Any]],
    *,
    seed_given: bool,
    trials: int | None,
    workers: int,
    dask: str | None,
    configs: int,
) -> dict[str, Any]:
    """``batch_summary.json`` but its rows; ``wall_seconds`` and ``figures`` are filled in last."""
    return {
        "version": __version__,
        "root_seed": int(root.entropy),
        "root_seed_from": "--seed" if seed_given else "OS entropy",
        "seed_rule": SEED_RULE,
        "trials": trials,
        "workers": None if dask else workers,
        "dask": dask,
        "configs": configs,
        "items": len(rows),
        "ok": sum(r["status"] == "ok" for r in rows),
        "failed": sum(r["status"] != "ok" for r in rows),
        "wall_seconds": None,
        "comparisons": comparisons,
        "figures": [],
    }
