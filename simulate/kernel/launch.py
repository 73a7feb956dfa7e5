"""Run the kernel's groups of trials on threads: numba's ``nogil`` code, Python's threads.

:func:`simulate.kernel.cashflow.simulate` computes a range of groups of
trials and releases the GIL, so ranges run side by side on the package's
thread pool (:mod:`simulate._pool`, which also draws and summarises). That replaces numba's ``parallel=True``: the same
kernel code, the same speed per core, and a cold compile about half as long
(numba's parallel passes and its gufunc were the other half).

Every trial writes only its own outputs and the per-line PV sums are kept
per block, so the split into ranges and threads changes the timing only,
never a bit. The number of threads is ``numba.get_num_threads()``: what
``numba.set_num_threads`` (a batch worker's one thread, a test's) or
``NUMBA_NUM_THREADS`` sets, as it was for the parallel kernel.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numba
from numba.np.ufunc import parallel as _numba_parallel

from .. import _pool
from . import jitcache

__all__ = ["MIN_GROUPS_PER_TASK", "TASKS_PER_THREAD", "kernel_threads", "run_groups", "task_ranges"]

# Ranges per thread: a few, so a thread slowed by other work is caught up by the others.
TASKS_PER_THREAD = 4
# A range has at least this many groups (16,384 trials): each call costs tens of µs.
MIN_GROUPS_PER_TASK = 16


def kernel_threads() -> int:
    """``numba.get_num_threads()``, without loading numba's threading layer (50 ms) to read it.

    Until something calls ``numba.set_num_threads`` (which loads the layer),
    the number is ``NUMBA_NUM_THREADS``; numba's private flag says whether it has.
    """
    if not getattr(_numba_parallel, "_is_initialized", True):
        return numba.config.NUMBA_NUM_THREADS
    return numba.get_num_threads()


def task_ranges(n_groups: int, threads: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, stop)`` ranges of groups covering ``0..n_groups``, in order."""
    tasks = max(1, min(threads * TASKS_PER_THREAD, n_groups // MIN_GROUPS_PER_TASK))
    if threads < 2:
        tasks = 1
    edges = [n_groups * k // tasks for k in range(tasks + 1)]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def run_groups(kernel: Callable[..., None], args: tuple, n_groups: int, trials: int) -> None:
    """``kernel(*args, start, stop)`` over ranges covering groups ``0..n_groups``, on threads.

    The ranges go to the package's thread pool (:mod:`simulate._pool`, one
    thread per CPU), taken in order by whichever thread is free; with one
    kernel thread, one CPU or few ``trials``, they run on the calling thread.
    Returns when all are done; the first error (a MemoryError, say) is
    raised. Not to be called from a task of that pool (nothing does): its
    threads would wait for each other.
    """
    if not getattr(kernel, "overloads", True):  # a numba kernel's first call in this process
        jitcache.load_or_compile(kernel, (*args, 0, 0))  # (start, stop): two ints
    ranges = task_ranges(n_groups, kernel_threads())
    pool = _pool.executor(trials, len(ranges))
    _pool.results([pool.submit(kernel, *args, start, stop) for start, stop in ranges])
