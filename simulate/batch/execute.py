"""Step 3 of a batch: run its items in this process, in worker processes, or on Dask.

Every backend runs each item through :func:`run_item`, the same code as
``simulate run``. A worker gets the config's bytes and returns the result
folder's files as bytes, so a cluster's workers need no shared file system.

Numbers do not depend on where an item runs: the kernel gives bitwise
identical results on any number of threads, and each worker process is given
``cores // workers`` numba threads so that the workers do not oversubscribe
the machine.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numba

from ..config import load_config
from ..errors import ConfigError
from ..runner import RunOptions, run_warnings, simulate_model, write_run
from .records import BatchItem, ItemOutcome

__all__ = ["dask_client", "run_item", "run_items"]

# Imported by the forkserver before it forks any worker, so that no worker
# pays for the import (the charts' modules bring in matplotlib).
WORKER_PRELOAD = ("simulate.batch", "simulate.runner", "simulate.plotting.figures")


def run_item(item: BatchItem, options: RunOptions) -> ItemOutcome:
    """Run one item as ``simulate run`` would and return its files as bytes.

    Never raises for a bad config (``kind="invalid"``) or a failed run
    (``kind="internal"``, with the traceback): one item's failure must not
    stop the batch.
    """
    start = time.perf_counter()
    try:
        model = load_config(item.config, scenario=item.scenario, data=item.data)
    except ConfigError as exc:
        problems = [str(p) for p in exc.problems]
        return ItemOutcome(item.index, "error", "invalid", problems, seconds=_since(start))
    try:
        seed = options.seed if options.seed is not None else model.seed
        result = simulate_model(model, options, seed=item.seed if seed is None else seed)
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
            seconds=_since(start),
        )
    except Exception as exc:
        return ItemOutcome(
            item.index,
            "error",
            "internal",
            [f"internal error: {type(exc).__name__}: {exc}"],
            traceback=traceback.format_exc(),
            seconds=_since(start),
        )


def _since(start: float) -> float:
    return time.perf_counter() - start


def _failed(item: BatchItem, exc: BaseException) -> ItemOutcome:
    """The outcome of an item whose worker died or whose task was lost."""
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
        yield from _run_processes(order, options, min(workers, len(order)))


# -- local worker processes --------------------------------------------------------------------


def _init_worker(threads: int) -> None:
    """Give a worker process its share of the cores for numba's parallel kernel."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def _context():
    """Worker processes that never fork a process with numba's threads running.

    ``forkserver`` where there is one: a server process imports the package
    once (no kernel has run in it, so no threads exist) and forks each worker
    from it, which saves every worker the import. Elsewhere ``spawn``.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run_processes(
    items: Sequence[BatchItem], options: RunOptions, workers: int
) -> Iterator[ItemOutcome]:
    threads = max(1, _cores() // workers)
    with ProcessPoolExecutor(
        workers, mp_context=_context(), initializer=_init_worker, initargs=(threads,)
    ) as pool:
        futures = {pool.submit(run_item, item, options): item for item in items}
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:
                    yield _failed(futures[future], exc)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


# -- a Dask cluster ----------------------------------------------------------------------------


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``, or a ConfigError saying how to get one."""
    try:
        from distributed import Client  # an optional extra, and slow to import
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


def _run_dask(
    items: Sequence[BatchItem], options: RunOptions, address: str
) -> Iterator[ItemOutcome]:
    from distributed import as_completed as dask_completed  # an optional extra, slow to import

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
