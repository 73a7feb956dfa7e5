"""The thread pool around the kernel: ``simulate._pool``.

That the draws and summaries are bitwise the same with and without the pool
is checked where they are made (``test_sampling.py``, ``test_metrics.py``).
Here: when work goes to the pool, how errors come back, and a forked child.
"""

from __future__ import annotations

import os
import threading

import pytest
from conftest import in_forked_child

from simulate import _pool


def _thread_name() -> str:
    return threading.current_thread().name


def test_small_or_single_jobs_run_on_the_calling_thread():
    with _pool.threads(2):
        n = _pool.PARALLEL_MIN_TRIALS
        assert _pool.executor(n - 1, 4).submit(_thread_name).result() == _thread_name()
        assert _pool.executor(n, 1).submit(_thread_name).result() == _thread_name()
    with _pool.serial():
        assert _pool.executor(10 * n, 4).submit(_thread_name).result() == _thread_name()


def test_large_jobs_go_to_the_shared_pool():
    n = _pool.PARALLEL_MIN_TRIALS
    with _pool.threads(2):
        pool = _pool.executor(n, 2)
        names = _pool.results([pool.submit(_thread_name) for _ in range(4)])
        assert all(name.startswith("simulate") for name in names)
        assert _pool.executor(n, 2) is pool  # made once, then shared
    with _pool.threads(3):
        assert _pool.executor(n, 2) is not pool  # made again for another size


def test_threads_restores_the_setting_after_the_block():
    with _pool.threads(1):
        with _pool.threads(2):
            assert _pool._override == 2
        assert _pool._override == 1
    with pytest.raises(RuntimeError), _pool.threads(2):
        raise RuntimeError
    assert _pool._override is None


@pytest.mark.parametrize("workers", [1, 2])
def test_results_waits_for_every_job_then_raises_the_first_error(workers):
    done = []

    def job(i: int) -> int:
        if i in (1, 3):
            raise ValueError(f"job {i}")
        done.append(i)
        return i

    with _pool.threads(workers):
        pool = _pool.executor(_pool.PARALLEL_MIN_TRIALS, 2)
        futures = [pool.submit(job, i) for i in range(6)]
        with pytest.raises(ValueError, match="job 1"):
            _pool.results(futures)
        assert sorted(done) == [0, 2, 4, 5]
        assert _pool.results(futures[4:]) == [4, 5]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_makes_its_own_pool():
    # A forked child has none of the parent's threads: handing work to the
    # parent's pool there would wait forever.
    n = _pool.PARALLEL_MIN_TRIALS
    with _pool.threads(2):
        parent = _pool.executor(n, 2)
        assert parent.submit(_thread_name).result().startswith("simulate")

        def child() -> str:
            pool = _pool.executor(n, 2)
            names = _pool.results([pool.submit(_thread_name) for _ in range(4)])
            fresh = pool is not parent and all(s.startswith("simulate") for s in names)
            return "fresh pool" if fresh else "parent's pool"

        assert in_forked_child(child) == "fresh pool"
