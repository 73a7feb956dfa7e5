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

import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..config import load_config
from ..engine import load_kernel
from ..errors import ConfigError
from ..kernel.announce import cache_is_cold
from ..runner import RunOptions, run_warnings, simulate_model, write_run
from .records import BatchItem, ItemOutcome
from .workers import WORKER_PRELOAD, worker_pool

__all__ = ["DASK_TIMEOUT", "WORKER_PRELOAD", "dask_client", "run_item", "run_items"]

# How often a Dask batch looks for finished items and for workers.
POLL_SECONDS = 0.25
# Seconds a Dask batch waits with no worker before it reports the rest as not run.
DASK_TIMEOUT = 60.0


def run_item(item: BatchItem, options: RunOptions) -> ItemOutcome:
    """Run one item as ``simulate run`` would and return its files as bytes.

    Never raises for a bad config (``kind="invalid"``) or any other failure
    (``kind="internal"``, with the traceback): one item's failure must not
    stop the batch. With ``item.write`` false (``--resume`` needs only the
    draws, to compare a config's runs) no files are made.
    """
    start = time.perf_counter()
    try:
        model = load_config(item.config, scenario=item.scenario, data=item.data)
        seed = options.seed if options.seed is not None else model.seed
        result = simulate_model(model, options, seed=item.seed if seed is None else seed)
        files = _files(result, options) if item.write else {}
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
    except ConfigError as exc:
        problems = [str(p) for p in exc.problems]
        return ItemOutcome(item.index, "error", "invalid", problems, seconds=_since(start))
    except Exception as exc:
        return ItemOutcome(
            item.index,
            "error",
            "internal",
            [_one_line(f"internal error: {type(exc).__name__}: {exc}")],
            traceback=traceback.format_exc(),
            seconds=_since(start),
        )


def _files(result, options: RunOptions) -> dict[str, bytes]:
    """The result folder's files, by relative path, written by ``write_run`` to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="simulate-item-") as tmp:
        write_run(Path(tmp), result, options)
        return {
            p.relative_to(tmp).as_posix(): p.read_bytes()
            for p in sorted(Path(tmp).rglob("*"))
            if p.is_file()
        }


def _since(start: float) -> float:
    return time.perf_counter() - start


def _one_line(text: str) -> str:
    """A message on one line (an exception's text may hold newlines)."""
    return " ".join(text.split())


def failed(item: BatchItem, exc: BaseException, what: str = "the worker failed") -> ItemOutcome:
    """The outcome of an item whose run raised, whose worker died or whose task was lost."""
    return ItemOutcome(
        item.index,
        "error",
        "internal",
        [_one_line(f"internal error: {what}: {type(exc).__name__}: {exc}")],
        traceback="".join(traceback.format_exception(exc)),
    )


def run_items(
    items: Sequence[BatchItem],
    options: RunOptions,
    *,
    workers: int = 1,
    dask: str | None = None,
    dask_timeout: float = DASK_TIMEOUT,
) -> Iterator[ItemOutcome]:
    """Run ``items`` and yield each outcome as it completes (largest items start first).

    ``workers == 1`` runs them in this process; more start that many worker
    processes (:mod:`.workers`); ``dask`` is the address of a running Dask
    scheduler, and ``dask_timeout`` how long to wait with no worker there
    before the items not yet done are reported as not run. Every item yields
    one outcome, whatever goes wrong with it. Close the iterator to stop
    early: local workers are stopped at once.
    """
    order = sorted(items, key=lambda it: -it.cost)
    if dask is not None:
        yield from _run_dask(order, options, dask, dask_timeout)
    elif workers <= 1 or len(order) <= 1:
        for item in order:
            yield _run_here(item, options)
    else:
        tasks = [(run_item, (item, options)) for item in order]
        workers = min(workers, len(order))
        yield from worker_pool(tasks, workers, lambda i, exc: failed(order[i], exc),
                               prepare=lambda: compile_first(order[0]))  # fmt: skip


def compile_first(item: BatchItem) -> None:
    """On a cold numba cache, compile the kernel in this process, once, before workers start.

    Each worker would otherwise compile the whole kernel for itself, every
    worker at once (about 7 CPU-s and 300 MB each); here it compiles once,
    on two cores (:mod:`simulate.kernel.coldstart`), while the forkserver
    imports the package (:func:`.workers.worker_pool` calls this then), and
    the workers load it from the cache. If that fails, the workers compile
    it (or report the item's error) as they did before.
    """
    if not cache_is_cold():
        return
    try:
        load_kernel(load_config(item.config, scenario=item.scenario, data=item.data))
    except Exception:  # the workers compile it and report any error themselves
        pass


def _run_here(item: BatchItem, options: RunOptions) -> ItemOutcome:
    """``run_item`` in this process; anything it lets escape is the item's error, not the batch's."""
    try:
        return run_item(item, options)
    except Exception as exc:
        return failed(item, exc, "the run failed")


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
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: an inproc:// address unknown
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address!r}: {exc}; start one with "
            "'dask scheduler' (and workers with 'dask worker ADDRESS'), or check the address"
        ) from None


def _run_dask(
    items: Sequence[BatchItem], options: RunOptions, address: str, timeout: float
) -> Iterator[ItemOutcome]:
    """Each item's outcome from the cluster, as they complete.

    Every second or so the scheduler is asked how many workers it has; after
    ``timeout`` seconds in a row with none, the items not yet done are
    cancelled and yield an error each ("no Dask workers"), instead of waiting
    forever for a worker that may never come.
    """
    from distributed import as_completed as dask_completed  # an optional extra, slow to import

    client = dask_client(address)
    try:
        futures = {
            client.submit(run_item, item, options, pure=False, priority=-i): item
            for i, item in enumerate(items)
        }
        arrived, idle_since = dask_completed(futures, loop=client.loop), None
        while futures:
            done = arrived.next_batch(block=False) if arrived.has_ready() else []
            for future in done:
                yield _dask_outcome(futures.pop(future), future)
            if done or _has_workers(client):
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= timeout:
                client.cancel(list(futures))
                yield from (_no_workers(item, address, timeout) for item in futures.values())
                return
            if not done:
                time.sleep(min(POLL_SECONDS, timeout / 4))
    finally:
        client.close()


def _dask_outcome(item: BatchItem, future) -> ItemOutcome:
    """A finished future's outcome (the cluster may drop the result once it is here)."""
    try:
        return future.result()
    except Exception as exc:  # a worker died or the task was lost
        return failed(item, exc)


def _has_workers(client) -> bool:
    """Whether the scheduler has a worker now (a scheduler that does not answer has none)."""
    try:
        return bool(client.nthreads())
    except Exception:  # the scheduler is gone or does not answer: no worker either way
        return False


def _no_workers(item: BatchItem, address: str, timeout: float) -> ItemOutcome:
    return ItemOutcome(
        item.index,
        "error",
        "internal",
        [
            f"no workers: the Dask scheduler at {address} had no worker for {timeout:g} s, "
            "so this run was not done; start workers ('dask worker ADDRESS') and rerun with "
            "--resume, or set --dask-timeout"
        ],
    )
