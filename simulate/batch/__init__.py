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
   in this process, in local worker processes (:mod:`.workers`: they never
   outlive the batch), or on a Dask cluster. A worker gets the config's
   bytes and returns the result folder's files as bytes, so a cluster's
   workers need no shared file system. Any failure of an item is its error
   row. With ``--resume``, :mod:`.resume` first takes out the items an
   earlier batch finished.
4. :func:`run_batch` (here) writes each folder atomically as it arrives, then
   the paired comparisons of each config's scenarios (:mod:`.write`), the
   comparison charts (:mod:`.charts`) and the batch summary
   (:func:`write_summary`); interrupted, it writes the summary of what
   finished. :mod:`.progress` shows how far it is on stderr,
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

import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, Problem
from ..runner import RunOptions
from ..version import __version__
from .charts import draw_portfolio
from .discover import YAML_SUFFIXES, discover
from .execute import DASK_TIMEOUT, dask_client, run_item, run_items
from .plan import ConfigRuns, Plan, group_by_config, item_seed, plan
from .progress import Progress
from .records import BatchItem, BatchReport, ItemOutcome, RowSpec, exit_status
from .resume import earlier_batch
from .resume import resume as resume_batch
from .text import batch_text
from .write import ROW_COLUMNS, row_for, write_config_comparison, write_files, write_summary

__all__ = [
    "DASK_TIMEOUT",
    "ROW_COLUMNS",
    "YAML_SUFFIXES",
    "BatchItem",
    "BatchReport",
    "ConfigRuns",
    "ItemOutcome",
    "Plan",
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
    "for the i-th config found (skipped templates counted), first 63 bits; every "
    "scenario of a config shares its seed"
)


def run_batch(
    paths: Sequence[str | Path],
    out: Path,
    options: RunOptions,
    *,
    workers: int = 1,
    dask: str | None = None,
    dask_timeout: float = DASK_TIMEOUT,
    seed: int | None = None,
    figures: bool = True,
    resume: bool = False,
    include_templates: bool = False,
    note: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    announce: Callable[[], object] | None = None,
) -> BatchReport:
    """Run every config and scenario under ``paths`` and write the results to ``out``.

    ``seed`` is the batch's root seed (see the module docstring); ``options``
    apply to every item (``options.seed`` must be None). Each finished item's
    folder is written at once; a failed item is reported through ``note``
    (one line per problem; default: stderr) and the others go on. Writes
    ``out/batch_summary.csv``, ``out/batch_summary.json`` and, with
    ``figures``, the comparison charts in ``out/figures/``. With ``resume``,
    items whose folder an earlier batch completed are not run again
    (:mod:`.resume`). On Dask, ``dask_timeout`` seconds without a worker end
    the batch, the items not done reported as not run. A config marked
    ``template: true`` is skipped, with a note, unless ``include_templates``.
    ``announce`` is called once before the items start when they run on this
    machine (the command line says there whether the kernel compiles first).

    An earlier summary in ``out`` is removed before the first item runs. If
    the batch is interrupted (Ctrl-C, SIGTERM, an error), the workers are
    stopped and the summary of what finished is written, the other rows with
    status ``interrupted``, before the interrupt goes on.

    Raises
    ------
    ConfigError
        For paths that name no config (or only templates), two configs that
        would write the same folder, or a Dask scheduler that cannot be reached.
    """
    if options.seed is not None:
        raise ValueError("a batch's seed is its root seed: pass seed=, not options.seed")
    started = time.perf_counter()
    configs = discover(paths)
    root = np.random.SeedSequence(seed)
    seed_from = "OS entropy" if seed is None else "--seed"
    if resume:  # the resumed batch's root seed, passed back: it came from where it did
        earlier = earlier_batch(out)
        if seed is not None and earlier.get("root_seed") == seed:
            seed_from = earlier.get("root_seed_from", seed_from)
    note = note or _to_stderr
    specs, items, failed, templates = _plan(paths, configs, root, options, include_templates, note)
    configs = [c for c in configs if c not in templates]
    batch = _Batch(out, specs, items, options, figures, note)
    for o in failed:
        batch.outcomes[o.index] = o
        _report_failure(specs[o.index], o, batch.note)
    todo = batch.resume() if resume else list(items)
    meta = _meta(root, seed_from=seed_from, trials=options.trials, workers=workers,
                 dask=dask, configs=len(configs), templates=templates)  # fmt: skip
    for name in SUMMARY_FILES:  # never an earlier batch's summary beside this one's folders
        (out / name).unlink(missing_ok=True)
    if progress is not None:
        progress.total = len(todo)
    if announce is not None and todo and (dask is None or dask.startswith("inproc://")):
        announce()
    stream = run_items(todo, options, workers=workers, dask=dask, dask_timeout=dask_timeout)
    try:
        with contextlib.closing(stream):  # stops local workers at once on any interrupt
            for o in stream:
                batch.take(o, progress)
    except BaseException as exc:
        batch.write_summary(meta, configs, started, interrupted=exc)
        raise
    return batch.write_summary(meta, configs, started)


SUMMARY_FILES = ("batch_summary.csv", "batch_summary.json")
EXIT_WRITE_FAILED = 1  # a file that could not be written: a failure, not an invalid config


def _plan(
    paths: Sequence[str | Path],
    configs: Sequence[str],
    root: np.random.SeedSequence,
    options: RunOptions,
    include_templates: bool,
    note: Callable[[str], None],
) -> Plan:
    """The batch's plan; a note per template skipped, and an error naming ``paths`` if nothing is left."""
    planned = plan(configs, root, trials=options.trials, include_templates=include_templates)
    for t in planned.templates:
        note(
            f"note: {t}: skipped, it is a template (template: true); add --include-templates "
            "to run it, or delete that line in a config of your own"
        )
    if planned.templates and not planned.specs:
        raise ConfigError(
            Problem(
                "every config found is a template (template: true), so there is nothing to "
                "run; add --include-templates to run them",
                file=", ".join(str(p) for p in paths),
            )
        )
    return planned


class _Batch:
    """A running batch's outcomes, comparisons and charts, and how to write its summary."""

    def __init__(self, out, specs, items, options, figures, note):
        self.out, self.specs, self.items, self.options = out, specs, items, options
        self.figures, self.note = figures, note
        self.groups = group_by_config(items)
        self.outcomes: dict[int, ItemOutcome] = {}
        self.comparisons: list[dict[str, Any]] = []
        self.written: list[Path] = []
        self.resumed = 0
        self.draws_only: set[int] = set()  # rows run again for their draws, not their folder
        self.write_failed = False  # a comparison, chart or summary not written (or not made)

    def resume(self) -> list[BatchItem]:
        """The items still to run; what an earlier batch did is taken as done."""
        left = resume_batch(self.out, self.specs, self.items, self.options)
        # A done run simulated again for its draws is still taken as done: its
        # folder is kept, and so is its row (its seconds those recorded when it ran).
        self.outcomes.update(left.done)
        self.outcomes.update(left.kept)
        self.comparisons += left.comparisons
        self.written += left.charts
        self.resumed = len(left.done) + len(left.kept)
        self.draws_only = set(left.kept)
        return left.items

    def take(self, o: ItemOutcome, progress: Progress | None) -> None:
        """File one finished item; compare its config's runs once they are all done."""
        spec = self.specs[o.index]
        label = f"{'ok' if o.status == 'ok' else 'FAILED'} {spec.stem}"
        if o.index not in self.draws_only:
            _file_outcome(self.out / spec.stem, spec, o, self.note)
            self.outcomes[o.index] = o
        else:  # its row stays the folder's; only the comparisons needed the draws
            label += " (done before: simulated again for the comparisons, folder kept)"
            if o.status != "ok":
                _report_failure(spec, o, self.note)
                self.note(f"error: {spec.config}: {spec.stem} is left out of the comparisons: "
                          "simulating it again for its draws failed; its folder is kept")  # fmt: skip
                self.write_failed = True
        if progress is not None:
            progress.advance(label)
        group = self.groups[spec.config]
        group.done[o.index] = o
        if group.complete:
            try:
                rows, charts = _compare_config(self.out, group, self.specs, self.figures,
                                               self.options.formats)  # fmt: skip
            except OSError as exc:
                self._unwritten(f"{spec.config}: comparisons", exc)
                return
            self.comparisons += rows
            self.written += charts

    def _unwritten(self, what: str, exc: OSError) -> None:
        """A file beside the runs' folders that could not be written: one line, exit status 1."""
        self.note(f"error: {what}: {cannot_write(exc, self.out)}")
        self.write_failed = True

    def write_summary(
        self,
        meta: dict[str, Any],
        configs: Sequence[str],
        started: float,
        interrupted: BaseException | None = None,
    ) -> BatchReport:
        """Write batch_summary.csv/.json (and, when complete, the portfolio charts)."""
        stop = "interrupted" if isinstance(interrupted, KeyboardInterrupt) else "not run"
        missing = ItemOutcome(-1, stop, problems=[f"{stop}: the batch stopped before this run"])
        rows = [row_for(s, self.outcomes.get(s.index, missing), self.out) for s in self.specs]
        position = {c: i for i, c in enumerate(configs)}
        self.comparisons.sort(key=lambda c: position[c["config"]])  # stable: pairs keep order
        meta.update(items=len(rows), ok=sum(r["status"] == "ok" for r in rows),
                    failed=sum(r["status"] == "error" for r in rows),
                    interrupted=sum(r["status"] == stop for r in rows) if interrupted else 0,
                    resumed=self.resumed, comparisons=self.comparisons)  # fmt: skip
        if self.figures and interrupted is None:
            try:
                self.written += draw_portfolio(self.out, rows, meta, self.options.formats)
            except OSError as exc:
                self._unwritten("portfolio charts", exc)
        meta["figures"] = [str(p) for p in self.written]
        meta["wall_seconds"] = round(time.perf_counter() - started, 3)
        try:
            write_summary(self.out, rows, meta)
        except OSError as exc:
            self._unwritten("batch summary", exc)
        stems = [s.stem for s in self.specs]
        status = exit_status([self.outcomes.get(s.index, missing) for s in self.specs])
        status = EXIT_WRITE_FAILED if self.write_failed else status
        return BatchReport(rows, stems, self.comparisons, meta["figures"], meta, status)


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
    """Write a finished item's folder and pass on its warnings, or report its failure.

    A folder that cannot be written (a full disk, a folder made read-only)
    makes the item an error row naming the cause, as ``simulate run`` says
    it; the folder is left as it was, and the batch goes on.
    """
    if outcome.status == "ok":
        try:
            write_files(folder, outcome.files)
        except OSError as exc:
            _unwritten(outcome, exc, folder)
    outcome.files = {}  # written (or not to be): keep memory flat over a long batch
    if outcome.status != "ok":
        _report_failure(spec, outcome, note)
        return
    for w in outcome.warnings:
        note(f"warning: {spec.config}: {w}")


def cannot_write(exc: OSError, where: Path) -> str:
    """The one line for results that could not be written, as ``simulate run`` prints it."""
    return f"cannot write the results to {exc.filename or where}: {exc.strerror or exc}"


def _unwritten(outcome: ItemOutcome, exc: OSError, folder: Path) -> None:
    """Make a finished item whose folder could not be written an error row (exit status 1)."""
    outcome.status, outcome.kind = "error", "internal"
    outcome.problems = [f"{cannot_write(exc, folder)}; nothing was written"]
    outcome.summary, outcome.npv = None, None  # no folder: no figures in the row, no comparison


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
    *,
    seed_from: str,
    trials: int | None,
    workers: int,
    dask: str | None,
    configs: int,
    templates: Sequence[str] = (),
) -> dict[str, Any]:
    """``batch_summary.json`` but its rows; the counts, comparisons, figures and time come last."""
    return {
        "version": __version__,
        "root_seed": int(root.entropy),
        "root_seed_from": seed_from,
        "seed_rule": SEED_RULE,
        "trials": trials,
        "workers": None if dask else workers,
        "dask": dask,
        "configs": configs,
        "templates_skipped": list(templates),
        "items": 0,
        "ok": 0,
        "failed": 0,
        "interrupted": 0,
        "resumed": 0,
        "wall_seconds": None,
        "comparisons": [],
        "figures": [],
    }
