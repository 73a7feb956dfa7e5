"""``simulate batch``: many configs and their scenarios, on one machine or a Dask cluster.

The stages, in order:

1. :func:`discover` expands the command line's files, folders (their
   ``*.yaml`` / ``*.yml``, not recursive) and globs (``**`` recurses) into
   config paths, in the order given, folders and globs sorted, duplicates
   dropped.
2. :func:`plan` reads each config once, gives it a seed and lists its items:
   the config as written, then each of its scenarios. A config that does not
   load becomes an error row and is skipped.
3. Each item runs through :func:`run_item`, the same code as ``simulate run``
   (``runner.simulate_model`` and ``runner.write_run``), in this process, in
   local worker processes, or on a Dask cluster. A worker gets the config's
   bytes and returns the result folder's files as bytes, so a cluster's
   workers need no shared file system.
4. The caller writes each folder atomically as it arrives, then the batch
   summary (:func:`write_summary`), the paired comparisons of each config's
   scenarios and the comparison charts.

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

import csv
import glob
import io
import math
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..errors import ConfigError, Problem
from ..format import format_money, format_months, format_percent, format_probability
from ..runner import RunOptions

__all__ = [
    "ROW_COLUMNS",
    "BatchItem",
    "BatchReport",
    "ItemOutcome",
    "Progress",
    "RowSpec",
    "batch_text",
    "discover",
    "item_seed",
    "plan",
    "run_batch",
    "run_item",
    "run_items",
    "write_summary",
]

YAML_SUFFIXES = (".yaml", ".yml")
ROW_COLUMNS = (
    "config",
    "name",
    "scenario",
    "seed",
    "trials",
    "sampling",
    "currency",
    "status",
    "error",
    "prob_npv_positive",
    "npv_mean",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "npv_cvar5",
    "roi_p50",
    "payback_p50",
    "payback_within_target",
    "roi_at_least_target",
    "result_dir",
    "seconds",
)


@dataclass(frozen=True)
class BatchItem:
    """One run of a batch: a config (as the user would name it), a scenario, a seed."""

    index: int  # the row's position
    config: str
    data: bytes = field(repr=False)
    scenario: str | None
    seed: int  # the config's batch seed; the config's own simulation.seed wins
    name: str = ""
    cost: float = 0.0  # a rough size, to start the largest items first


@dataclass
class ItemOutcome:
    """What a worker sends back: the summary, NPV per trial, the folder's files."""

    index: int
    status: str  # "ok" or "error"
    kind: str = ""  # for errors: "invalid" (a ConfigError) or "internal"
    problems: list[str] = field(default_factory=list)
    traceback: str = ""
    summary: dict[str, Any] | None = None
    npv: np.ndarray | None = field(default=None, repr=False)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)
    stem: str | None = None
    config_hash: str = ""
    seconds: float = 0.0

    @property
    def error(self) -> str:
        return "; ".join(self.problems)


# --------------------------------------------------------------------------
# 1-2. What to run
# --------------------------------------------------------------------------


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in YAML_SUFFIXES and not p.name.startswith(".")
    )


def discover(paths: Sequence[str | Path]) -> list[str]:
    """Config files named by ``paths``: files, folders and glob patterns.

    Raises
    ------
    ConfigError
        Naming each path that is missing or matches no YAML file.
    """
    found: list[str] = []
    seen: set[str] = set()
    problems = []
    for raw in paths:
        text = str(raw)
        p = Path(text)
        if p.is_dir():
            matches = _yaml_files(p)
            if not matches:
                problems.append(Problem("the folder has no *.yaml or *.yml files", file=text))
        elif p.is_file():
            matches = [p]
        elif glob.has_magic(text):
            matches = sorted(
                Path(m)
                for m in glob.glob(text, recursive=True)
                if Path(m).is_file() and Path(m).suffix.lower() in YAML_SUFFIXES
            )
            if not matches:
                problems.append(Problem("the pattern matches no *.yaml or *.yml file", file=text))
        else:
            problems.append(Problem("no such file or folder", file=text))
            matches = []
        for m in matches:
            key = os.path.realpath(m)
            if key not in seen:
                seen.add(key)
                found.append(str(m))
    if problems:
        raise ConfigError(problems)
    return found


def item_seed(child: np.random.SeedSequence) -> int:
    """A config's batch seed: the first 63 bits of its child ``SeedSequence``."""
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class RowSpec:
    """One row of the batch summary, known before anything runs."""

    index: int
    config: str
    scenario: str | None
    stem: str  # the result folder's name
    name: str  # the config's name (empty when it does not load)
    seed: int  # the config's batch seed


def plan(
    configs: Sequence[str], root: np.random.SeedSequence, *, trials: int | None = None
) -> tuple[list[RowSpec], list[BatchItem], list[ItemOutcome]]:
    """The rows of the batch, the items to run, and error rows for configs that do not load.

    Each config gets child ``i`` of ``root`` and contributes a row for itself
    and one per scenario (a config that does not load: one error row).
    ``trials`` (the batch's ``--trials``) only sizes the items, to start the
    largest first.

    Raises
    ------
    ConfigError
        When two rows would write the same result folder.
    """
    from ..config import load_config

    specs: list[RowSpec] = []
    items: list[BatchItem] = []
    failed: list[ItemOutcome] = []
    for config, child in zip(configs, root.spawn(len(configs)), strict=True):
        seed = item_seed(child)
        stem = Path(config).stem
        try:
            data = Path(config).read_bytes()
            model = load_config(config, data=data)
        except OSError as exc:
            problem = Problem(f"cannot read the config: {exc.strerror}", file=config)
            failed.append(ItemOutcome(len(specs), "error", "invalid", [str(problem)]))
            specs.append(RowSpec(len(specs), config, None, stem, "", seed))
            continue
        except ConfigError as exc:
            problems = [str(p) for p in exc.problems]
            failed.append(ItemOutcome(len(specs), "error", "invalid", problems))
            specs.append(RowSpec(len(specs), config, None, stem, "", seed))
            continue
        cost = (trials or model.trials) * (model.horizon_months + 1) * max(len(model.lines), 1)
        for scenario in (None, *model.scenarios):
            spec = RowSpec(
                len(specs),
                config,
                scenario,
                f"{stem}--{scenario}" if scenario else stem,
                model.name,
                seed,
            )
            specs.append(spec)
            items.append(BatchItem(spec.index, config, data, scenario, seed, model.name, cost))
    owner: dict[str, str] = {}
    clashes = []
    for spec in specs:
        key = spec.stem.lower()  # a clash on case-insensitive file systems too
        if key in owner and owner[key] != spec.config:
            clashes.append(
                Problem(
                    f"{owner[key]} and {spec.config} would both write the result folder "
                    f"{spec.stem!r}; rename one, or run them in separate batches",
                    file=spec.config,
                )
            )
        owner.setdefault(key, spec.config)
    if clashes:
        raise ConfigError(clashes)
    return specs, items, failed


# --------------------------------------------------------------------------
# 3. Running one item (in a worker)
# --------------------------------------------------------------------------


def run_item(item: BatchItem, options: RunOptions) -> ItemOutcome:
    """Run one item as ``simulate run`` would and return its files as bytes.

    Never raises for a bad config (``kind="invalid"``) or a failed run
    (``kind="internal"``, with the traceback): one item's failure must not
    stop the batch.
    """
    from ..config import load_config
    from ..runner import run_warnings, simulate_model, write_run

    start = time.perf_counter()
    try:
        model = load_config(item.config, scenario=item.scenario, data=item.data)
    except ConfigError as exc:
        return ItemOutcome(
            item.index,
            "error",
            "invalid",
            [str(p) for p in exc.problems],
            seconds=time.perf_counter() - start,
        )
    try:
        seed = options.seed if options.seed is not None else model.seed
        seed = item.seed if seed is None else seed
        result = simulate_model(model, options, seed=seed)
        with tempfile.TemporaryDirectory(prefix="simulate-item-") as tmp:
            write_run(Path(tmp), result, options)
            files = {
                p.relative_to(tmp).as_posix(): p.read_bytes()
                for p in sorted(Path(tmp).rglob("*"))
                if p.is_file()
            }
        return ItemOutcome(
            item.index,
            "ok",
            summary=result.summary(),
            npv=result.npv,
            files=files,
            warnings=run_warnings(model, options),
            stem=model.stem,
            config_hash=model.config_hash,
            seconds=time.perf_counter() - start,
        )
    except Exception as exc:
        return ItemOutcome(
            item.index,
            "error",
            "internal",
            [f"internal error: {type(exc).__name__}: {exc}"],
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
        )


def _init_worker(threads: int) -> None:
    """Give a worker process its share of the cores for numba's parallel kernel."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _context():
    """Worker processes that never fork a process with numba's threads running.

    ``forkserver`` where there is one: a server process imports the package
    once (no kernel has run in it, so no threads exist) and forks each worker
    from it, which saves every worker the import. Elsewhere ``spawn``.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(
            ["simulate.batch", "simulate.runner", "simulate.figures", "simulate.plotting"]
        )
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _failed(item: BatchItem, exc: BaseException) -> ItemOutcome:
    return ItemOutcome(
        item.index,
        "error",
        "internal",
        [f"internal error: the worker failed: {type(exc).__name__}: {exc}"],
        traceback="".join(traceback.format_exception(exc)),
    )


def run_items(
    items: Sequence[BatchItem],
    options: RunOptions,
    *,
    workers: int = 1,
    dask: str | None = None,
) -> Iterator[ItemOutcome]:
    """Run ``items`` and yield each outcome as it completes (largest items start first).

    ``workers == 1`` runs them in this process; more start that many worker
    processes (never by a plain ``fork``: numba's threading layers and
    ``fork`` do not mix; see :func:`_context`);
    ``dask`` is the address of a running Dask scheduler.
    """
    order = sorted(items, key=lambda it: -it.cost)
    if dask is not None:
        yield from _run_dask(order, options, dask)
    elif workers <= 1 or len(order) <= 1:
        for item in order:
            yield run_item(item, options)
    else:
        workers = min(workers, len(order))
        threads = max(1, _cores() // workers)
        with ProcessPoolExecutor(
            workers, mp_context=_context(), initializer=_init_worker, initargs=(threads,)
        ) as pool:
            futures = {pool.submit(run_item, item, options): item for item in order}
            try:
                for future in as_completed(futures):
                    try:
                        yield future.result()
                    except Exception as exc:
                        yield _failed(futures[future], exc)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``, or a ConfigError saying how to get one."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            "--dask needs Dask's distributed scheduler, which is not installed; "
            "install the extra with: pip install -e '.[distributed]'"
        ) from None
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address!r}: {exc}; start one with "
            "'dask scheduler' (and workers with 'dask worker ADDRESS'), or check the address"
        ) from None


def _run_dask(items: Sequence[BatchItem], options: RunOptions, address: str):
    from distributed import as_completed as dask_completed

    client = dask_client(address)
    try:
        futures = {
            client.submit(run_item, item, options, pure=False, priority=-i): item
            for i, item in enumerate(items)
        }
        for future in dask_completed(futures, loop=client.loop):
            item = futures.pop(future)  # the cluster may drop the result once it is here
            try:
                outcome = future.result()
            except Exception as exc:  # a worker died or the task was lost
                outcome = _failed(item, exc)
            yield outcome
    finally:
        client.close()


# --------------------------------------------------------------------------
# 4. Rows, files and progress
# --------------------------------------------------------------------------


def row_for(spec: RowSpec, outcome: ItemOutcome, out: Path) -> dict[str, Any]:
    """The batch_summary row of an item (see :data:`ROW_COLUMNS`)."""
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(config=spec.config, name=spec.name or None, scenario=spec.scenario, seed=spec.seed)
    row["status"] = outcome.status
    row["error"] = outcome.error
    row["seconds"] = round(outcome.seconds, 3)
    s = outcome.summary
    if s is not None:
        m, p = s["metrics"], s["probabilities"]
        row.update(
            name=s["name"],
            seed=s["seed"],
            trials=s["trials"],
            sampling=s["sampling"],
            currency=s["currency"],
            prob_npv_positive=p["npv_positive"],
            npv_mean=m["npv"]["mean"],
            npv_p10=m["npv"]["p10"],
            npv_p50=m["npv"]["p50"],
            npv_p90=m["npv"]["p90"],
            npv_cvar5=m["npv"]["cvar5"],
            roi_p50=m["roi"]["p50"],
            payback_p50=m["payback_months"]["p50"],
            payback_within_target=p["payback_within_target"],
            roi_at_least_target=p["roi_at_least_target"],
            result_dir=str(out / spec.stem),
        )
    return row


def write_files(target: Path, files: Mapping[str, bytes]) -> None:
    """Write a result folder from a worker's files, atomically (see ``report.atomic_dir``)."""
    from ..files import atomic_dir

    with atomic_dir(target) as tmp:
        for rel, blob in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def write_summary(out: Path, rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> None:
    """``batch_summary.csv`` (one row per item) and ``batch_summary.json`` (``meta`` and rows).

    In the CSV an empty cell is a missing value (a failed item, a payback
    beyond the horizon, a target that is not set); floats keep every digit.
    """
    from ..files import dumps, replace_text

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROW_COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(row.get(c)) for c in ROW_COLUMNS])
    out.mkdir(parents=True, exist_ok=True)
    replace_text(out / "batch_summary.csv", buf.getvalue())
    replace_text(out / "batch_summary.json", dumps({**meta, "rows": list(rows)}))


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """A one-line progress bar with count, elapsed time and ETA, on a terminal.

    Redrawn when an item finishes and once a second. :meth:`note` prints a
    line above the bar (just the line when the bar is off). With ``log`` and
    no terminal, each finished item is a line instead (for overnight logs).
    """

    def __init__(
        self, total: int, stream: TextIO, enabled: bool, *, log: bool = False, width: int = 20
    ):
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = enabled
        self.log = log and not enabled  # without a terminal: one line per finished item
        self.width = width
        self.start = time.monotonic()
        self.last = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                self._draw()

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        frac = self.done / self.total if self.total else 0.0
        fill = round(frac * self.width)
        bar = "#" * fill + "-" * (self.width - fill)
        eta = _clock(elapsed / self.done * (self.total - self.done)) if self.done else "?"
        text = f"[{bar}] {self.done}/{self.total} runs  elapsed {_clock(elapsed)}  ETA {eta}"
        return text + (f"  {self.last}" if self.last else "")

    def _draw(self) -> None:
        if self.enabled and self.total and not self._stop.is_set():
            self.stream.write("\r\x1b[2K" + self.line()[: _columns(self.stream) - 1])
            self.stream.flush()

    def advance(self, label: str) -> None:
        with self._lock:
            self.done += 1
            self.last = label
            if self.log:
                elapsed = _clock(time.monotonic() - self.start)
                self.stream.write(f"[{self.done}/{self.total}] {label}  ({elapsed} elapsed)\n")
                self.stream.flush()
            self._draw()

    def note(self, text: str) -> None:
        with self._lock:
            if self.enabled:
                self.stream.write("\r\x1b[2K")
            self.stream.write(text + "\n")
            self._draw()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.enabled:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 100


# --------------------------------------------------------------------------
# 4. The whole batch
# --------------------------------------------------------------------------


@dataclass
class BatchReport:
    """What a batch did: its rows, the paired comparisons, the files written."""

    rows: list[dict[str, Any]]
    stems: list[str]
    comparisons: list[dict[str, Any]]
    figures: list[str]
    meta: dict[str, Any]
    status: int  # the exit status: see exit_status


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
    (one line per problem) and the others go on. Writes
    ``out/batch_summary.csv``, ``out/batch_summary.json`` and, with
    ``figures``, the comparison charts in ``out/figures/``.

    Raises
    ------
    ConfigError
        For paths that name no config, two configs that would write the same
        folder, or a Dask scheduler that cannot be reached.
    """
    from ..version import __version__

    if options.seed is not None:
        raise ValueError("a batch's seed is its root seed: pass seed=, not options.seed")
    note = note or (lambda text: print(text, file=sys.stderr))
    started = time.perf_counter()
    configs = discover(paths)
    root = np.random.SeedSequence(seed)
    specs, items, failed = plan(configs, root, trials=options.trials)
    outcomes: dict[int, ItemOutcome] = {}
    for o in failed:
        outcomes[o.index] = o
        for problem in o.problems:
            note(f"error: {problem}")
    groups = group_by_config(items)
    comparisons: list[dict[str, Any]] = []
    written: list[Path] = []
    if progress is not None:
        progress.total = len(items)
    for o in run_items(items, options, workers=workers, dask=dask):
        spec = specs[o.index]
        if o.status == "ok":
            write_files(out / spec.stem, o.files)
            o.files = {}
            for w in o.warnings:
                note(f"warning: {spec.config}: {w}")
        else:
            where = f"{spec.config}" + (f" [scenario {spec.scenario}]" if spec.scenario else "")
            for problem in o.problems:
                note(f"error: {problem}" if o.kind == "invalid" else f"error: {where}: {problem}")
            if o.traceback:
                note(o.traceback.rstrip())
        outcomes[o.index] = o
        if progress is not None:
            progress.advance(f"{'ok' if o.status == 'ok' else 'FAILED'} {spec.stem}")
        group = groups[spec.config]
        group.done[o.index] = o
        if group.complete:
            ok = [group.done[i] for i in group.indices if group.done[i].status == "ok"]
            if len(ok) >= 2:
                rows, charts = write_config_comparison(
                    out,
                    group.config,
                    [(specs[o.index].stem, o.summary, o.npv) for o in ok],
                    figures=figures,
                    formats=options.formats,
                    config_hash=ok[0].config_hash,
                )
                comparisons += rows
                written += charts
            for o in group.done.values():
                o.npv = None  # keep memory flat over a long batch
    rows = [row_for(spec, outcomes[spec.index], out) for spec in specs]
    position = {c: i for i, c in enumerate(configs)}
    comparisons.sort(key=lambda c: position[c["config"]])  # stable: pairs keep their order
    meta = {
        "version": __version__,
        "root_seed": int(root.entropy),
        "root_seed_from": "--seed" if seed is not None else "OS entropy",
        "seed_rule": (
            "a config's simulation.seed if it sets one (a scenario's own seed for that "
            "scenario); otherwise child i of SeedSequence(root_seed).spawn(number of configs) "
            "for the i-th config, first 63 bits; every scenario of a config shares its seed"
        ),
        "trials": options.trials,
        "workers": None if dask else workers,
        "dask": dask,
        "configs": len(configs),
        "items": len(rows),
        "ok": sum(r["status"] == "ok" for r in rows),
        "failed": sum(r["status"] != "ok" for r in rows),
        "wall_seconds": None,
        "comparisons": comparisons,
        "figures": [],
    }
    if figures:
        written += draw_portfolio(out, rows, meta, options.formats)
    meta["figures"] = [str(p) for p in written]
    meta["wall_seconds"] = round(time.perf_counter() - started, 3)
    write_summary(out, rows, meta)
    return BatchReport(
        rows,
        [s.stem for s in specs],
        comparisons,
        meta["figures"],
        meta,
        exit_status(outcomes.values()),
    )


# --------------------------------------------------------------------------
# Comparisons and charts
# --------------------------------------------------------------------------


@dataclass
class ConfigRuns:
    """The items of one config, gathered until all of them are done."""

    config: str
    name: str
    indices: list[int]
    done: dict[int, ItemOutcome] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.indices)


def group_by_config(items: Iterable[BatchItem]) -> dict[str, ConfigRuns]:
    groups: dict[str, ConfigRuns] = {}
    for it in items:
        groups.setdefault(it.config, ConfigRuns(it.config, it.name, [])).indices.append(it.index)
    return groups


def write_config_comparison(
    out: Path,
    config: str,
    runs: Sequence[tuple[str, Mapping[str, Any], np.ndarray]],
    *,
    figures: bool = True,
    formats: Sequence[str] = ("png",),
    config_hash: str = "",
    stem: str | None = None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Paired comparisons of one config's runs: ``OUT/comparisons/<stem>.json`` and a chart.

    ``runs`` are ``(result folder name, summary, npv per trial)`` in the order
    to compare (the config as written first, then its scenarios). Writes the
    comparison file, and with ``figures`` the overlaid NPV CDFs as
    ``OUT/figures/scenarios--<stem>``; ``stem`` defaults to the config's
    (``run --overlay`` adds ``--<overlay>``). Returns the comparison rows and
    the chart files.
    """
    from ..compare import PairedRun, cdf_points, scenario_comparisons
    from ..files import write_json

    paired = [
        PairedRun(s["scenario"], s["seed"], s["trials"], s["sampling"], npv) for _, s, npv in runs
    ]
    first = runs[0][1]
    rows = [{"config": config, "name": first["name"], **r} for r in scenario_comparisons(paired)]
    stem = stem or Path(config).stem
    doc = {
        "config": config,
        "name": first["name"],
        "currency": first["currency"],
        "common_random_numbers": "runs with the same seed, trials and sampling share their "
        "draws, so each comparison is over the same simulated futures",
        "runs": [
            {
                "scenario": s["scenario"],
                "result_dir": str(out / folder),
                "seed": s["seed"],
                "trials": s["trials"],
                "prob_npv_positive": s["probabilities"]["npv_positive"],
                "npv_mean": s["metrics"]["npv"]["mean"],
                "npv_p50": s["metrics"]["npv"]["p50"],
            }
            for folder, s, _ in runs
        ],
        "comparisons": rows,
    }
    (out / "comparisons").mkdir(parents=True, exist_ok=True)
    write_json(out / "comparisons" / f"{stem}.json", doc)
    written: list[Path] = []
    if figures and len(runs) >= 2:
        from .. import plotting  # matplotlib: only when charts are asked for

        curves = []
        for _, s, npv in runs:
            x, f = cdf_points(npv)
            curves.append((s["scenario"] or "as written", x, f, s["probabilities"]["npv_positive"]))
        meta = plotting.ChartMeta.from_summary({**first, "scenario": None}, config_hash=config_hash)
        fig = plotting.scenario_cdfs(curves, meta)
        written = plotting.save(fig, out / "figures" / f"scenarios--{stem}", formats)
    return rows, written


def draw_portfolio(
    out: Path, rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any], formats
) -> list[Path]:
    """Risk-return charts of every successful row, one per currency."""
    from .. import plotting  # matplotlib: only when charts are asked for

    ok = [r for r in rows if r["status"] == "ok"]
    written: list[Path] = []
    currencies = sorted({r["currency"] for r in ok})
    for cur in currencies:
        mine = [r for r in ok if r["currency"] == cur]
        if len(mine) < 2:
            continue
        points = [
            plotting.PortfolioPoint(
                label=r["name"],
                group=r["config"],
                npv_mean=r["npv_mean"],
                prob_loss=1.0 - r["prob_npv_positive"],
                scenario=r["scenario"],
            )
            for r in mine
        ]
        trials = sorted({r["trials"] for r in mine})
        pmeta = plotting.PortfolioMeta(
            name="Portfolio: risk and return",
            currency=cur,
            version=str(meta.get("version", "")),
            runs=len(points),
            trials=trials[0] if len(trials) == 1 else None,
            root_seed=meta.get("root_seed"),
        )
        fig = plotting.risk_return(points, pmeta)
        name = "risk_return" if len(currencies) == 1 else f"risk_return--{cur}"
        written += plotting.save(fig, out / "figures" / name, formats)
    return written


def batch_text(report: BatchReport) -> str:
    """The table printed on stdout at the end of a batch."""
    meta = report.meta
    where = (
        f"Dask scheduler {meta['dask']}"
        if meta["dask"]
        else (
            f"{meta['workers']} worker process{'es' if meta['workers'] != 1 else ''}"
            if meta["workers"] and meta["workers"] > 1
            else "this process"
        )
    )
    lines = [
        f"Batch: {meta['items']} run(s) of {meta['configs']} config(s) on {where}; "
        f"root seed {meta['root_seed']} ({meta['root_seed_from']})",
        f"  {meta['ok']} ok, {meta['failed']} failed, in {meta['wall_seconds']:.1f} s",
        "",
    ]
    width = max([len(s) for s in report.stems] + [3])
    lines.append(
        f"  {'run':{width}}  {'P(NPV>0)':>8}  {'NPV P10':>9}  {'NPV P50':>9}  {'NPV P90':>9}"
        f"  {'ROI P50':>8}  {'payback P50':>12}"
    )
    for row, stem in zip(report.rows, report.stems, strict=True):
        if row["status"] != "ok":
            first = (row["error"] or "").split("; ")[0]
            lines.append(f"  {stem:{width}}  FAILED: {first[:110]}")
            continue
        cur = row["currency"]
        roi = "n/a" if row["roi_p50"] is None else format_percent(row["roi_p50"])
        lines.append(
            f"  {stem:{width}}  {format_probability(row['prob_npv_positive']):>8}"
            f"  {format_money(row['npv_p10'], cur):>9}  {format_money(row['npv_p50'], cur):>9}"
            f"  {format_money(row['npv_p90'], cur):>9}  {roi:>8}"
            f"  {format_months(row['payback_p50'], None):>12}"
        )
    paired = [c for c in report.comparisons if c["paired"]]
    if paired:
        lines += ["", "  Paired comparisons (same draws, trial by trial): P(A's NPV > B's)"]
        for c in paired:
            a, b = c["a"] or "as written", c["b"] or "as written"
            lines.append(
                f"    {Path(c['config']).stem}: P({a} > {b}) = "
                f"{format_probability(c['prob_a_above_b'])}, "
                f"P({b} > {a}) = {format_probability(c['prob_b_above_a'])}"
            )
    return "\n".join(lines)


def exit_status(outcomes: Iterable[ItemOutcome]) -> int:
    """0 when every item succeeded, 1 when any failed for an internal reason, else 2."""
    failed = [o for o in outcomes if o.status != "ok"]
    if not failed:
        return 0
    return 1 if any(o.kind == "internal" for o in failed) else 2
