"""One small thread pool for the numpy work around the kernel (draws, summaries).

numpy's generators, sorts and ufuncs release the GIL, so independent rows of
work (one input's draws, one output's summary) run side by side. Callers write
each task's result into a fixed place, so which thread does what changes the
timing only, never the numbers. ``sampling`` and ``metrics`` use it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["PARALLEL_MIN_TRIALS", "Executor", "executor", "results", "serial", "threads"]

# Below this many trials a chunk is drawn (and a summary computed) on the
# calling thread: handing work to the pool costs more than it saves.
PARALLEL_MIN_TRIALS = 20_000


_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()
_override: int | None = None  # set by threads(); None means one per CPU


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _forget_pool() -> None:
    # A forked child has none of the parent's threads: drop the pool (and a
    # lock another thread may have held at the fork) without joining anything.
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


class _Inline:
    """The executor interface, run on the calling thread (small or serial jobs)."""

    @staticmethod
    def submit(fn: Callable, /, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed on by result(), as the pool would
            future.set_exception(exc)
        return future


Executor = ThreadPoolExecutor | _Inline


def executor(n: int, tasks: int = 2) -> Executor:
    """The shared pool for ``tasks`` jobs over ``n`` trials, or run them inline.

    The pool is made on first use, with one thread per CPU (or as many as
    ``threads`` says), and made again in a forked child.
    """
    global _pool, _pool_size
    workers = _cpu_count() if _override is None else _override
    if workers < 2 or tasks < 2 or n < PARALLEL_MIN_TRIALS:
        return _Inline()
    with _pool_lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="simulate")
            _pool_size = workers
        return _pool


@contextlib.contextmanager
def threads(workers: int) -> Iterator[None]:
    """Use ``workers`` threads (1: everything on the calling thread) inside the block.

    For tests and benchmarks; not thread-safe.
    """
    global _override
    saved, _override = _override, workers
    try:
        yield
    finally:
        _override = saved


def serial() -> contextlib.AbstractContextManager[None]:
    """Draw and summarise on the calling thread only, inside the block."""
    return threads(1)


def results(futures: Sequence[Future]) -> list:
    """Each future's result, in order, once all are done (the first error is raised)."""
    for f in futures:
        f.exception()  # waits; does not raise
    return [f.result() for f in futures]
