"""Local worker processes for a batch, which never outlive it.

A worker is forked by a ``forkserver`` (never by a plain ``fork``: numba's
threading layers and ``fork`` do not mix), so its parent is the forkserver,
not the batch. Three things tie the workers to the batch:

- **Interrupts.** Workers ignore SIGINT (Ctrl-C reaches the whole process
  group; the batch decides). When the batch stops early (SIGINT, SIGTERM,
  an error), :func:`_stop` freezes the forkserver, kills every worker it
  forked (they write only to the batch's temporary folder) and the server,
  cancels what has not started and waits for the workers (a recorded one
  still alive after :data:`GRACE_SECONDS` is killed again), so none
  computes on.
- **The batch's death.** Each worker holds the read end of a pipe whose only
  write end is the batch's. A thread in the worker waits on it; when the
  batch dies in any way (even SIGKILL) the pipe reaches end-of-file and the
  worker removes its temporary files and ends itself at once. The forkserver
  and multiprocessing's resource tracker then see their last client gone and
  end too.
- **Temporary files.** A worker's temporary folders (``simulate-item-*``)
  are made inside one folder of the batch's (``simulate-batch-*``), which the
  batch removes when it ends, however its workers ended.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numba

__all__ = ["GRACE_SECONDS", "WORKER_PRELOAD", "cores", "worker_pool"]

# Imported by the forkserver before it forks any worker, so that no worker
# pays for the import (the charts' modules bring in matplotlib).
WORKER_PRELOAD = ("simulate.batch", "simulate.runner", "simulate.plotting.figures")
# How long a terminated worker has to end before it is killed.
GRACE_SECONDS = 1.0


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _context():
    """``forkserver`` where there is one (the package imported once, no threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


def _init_worker(threads: int, tmp: str, lifeline: Connection, leftovers: list[str]) -> None:
    """Set up a worker: its numba threads, its temporary folder, its tie to the batch."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    tempfile.tempdir = tmp
    threading.Thread(target=_watch, args=(lifeline, leftovers), daemon=True).start()


def _watch(lifeline: Connection, leftovers: list[str]) -> None:
    """End this worker as soon as the batch is gone (its end of ``lifeline`` closed).

    ``leftovers`` are the folders the batch would have removed: its temporary
    folder and multiprocessing's (the forkserver's socket).
    """
    try:
        lifeline.recv_bytes()  # nothing is ever sent: returns only at end-of-file
    except (EOFError, OSError):
        pass
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(1)


def _children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (from /proc; none where there is no /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def _stop_forkserver() -> None:
    """Stop this batch's forkserver and kill every worker it forked, started or starting.

    An interrupt while a worker starts (the forkserver may take seconds to
    import the package first) leaves workers the pool has not recorded yet,
    or a fork still to come: the server is frozen first, so that it forks
    nothing more, then its children are killed (they write only to the
    batch's temporary folder), then the server. A later batch starts a new one.
    """
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if not server:
        return
    with contextlib.suppress(OSError):
        os.kill(server, signal.SIGSTOP)
        for pid in _children(server):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os.kill(server, signal.SIGKILL)


def _start_helpers() -> None:
    """Start multiprocessing's resource tracker and forkserver, deaf to Ctrl-C and quiet.

    Both are started with SIGINT ignored, which they and the workers inherit
    (Python then installs no KeyboardInterrupt handler): the forkserver
    imports the package before it ignores SIGINT itself, and Ctrl-C to the
    process group in those seconds gave a KeyboardInterrupt traceback from
    it. (Blocking alone was not enough: a library it imports unblocks
    signals.) A SIGINT to the batch in the few milliseconds of the start is
    lost (another of its threads takes it while it is ignored): Ctrl-C again.

    numba makes a named semaphore in each worker; a worker killed on an
    interrupt cannot remove it, and the tracker removes it for the worker,
    with a warning on the batch's stderr. The removal is what matters: the
    warning is turned off in the tracker's process (it reads PYTHONWARNINGS
    when it starts).
    """
    saved = os.environ.get("PYTHONWARNINGS")
    quiet = "ignore:resource_tracker:UserWarning"
    os.environ["PYTHONWARNINGS"] = f"{saved},{quiet}" if saved else quiet
    context = _context()  # the forkserver's preload list, before it starts
    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        resource_tracker.ensure_running()
        if context.get_start_method() == "forkserver":
            forkserver.ensure_running()
    finally:
        if main:
            signal.signal(signal.SIGINT, handler)
        if saved is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = saved


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end every worker now (terminate, then kill).

    The pool's manager thread cancels the futures that have not started
    (``cancel_futures``), not this one: a future cancelled here while the
    manager marks the pending ones broken (it sees a worker die) made Python
    3.11's manager raise InvalidStateError, a traceback on stderr.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # shutdown(wait=False) forgets both: kept for _end_manager
    manager = getattr(pool, "_executor_manager_thread", None)
    results = getattr(pool, "_result_queue", None)
    _stop_forkserver()  # also the workers the pool has not recorded yet
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(GRACE_SECONDS)
    for p in processes:
        if p.is_alive():  # pragma: no cover - a worker that ignored SIGTERM
            p.kill()
            p.join(GRACE_SECONDS)
    _end_manager(manager, results)
    pool.shutdown(wait=True)  # its threads see the workers gone and close the queues


def _end_manager(manager: threading.Thread | None, results: Any) -> None:
    """Let the pool's manager thread end, even after a worker was killed while it sent a result.

    Such a worker leaves part of a message in the pipe of results. The
    manager thread reads it and waits for the rest, which never comes: the
    pool holds a write end of that pipe too, so the read never ends either.
    Python's exit then waits for that thread (concurrent.futures joins its
    managers at exit), and the batch printed ``interrupted`` and hung
    (``tests/test_signals.py``, about one interrupt in ten on two busy
    cores). Every worker is dead here: closing the pool's own write end ends
    that read with end-of-file, which the manager takes for a broken pool,
    and it ends. It then marks every future it still has pending as failed:
    only those not done are left to it, for a done one (cancelled) would make
    Python 3.11's manager raise InvalidStateError, a traceback on stderr. The
    list is replaced, not changed in place: the manager may be reading its own.
    """
    if manager is None or results is None:
        return
    with contextlib.suppress(AttributeError, OSError):
        pending = list(manager.pending_work_items.items())
        manager.pending_work_items = {k: w for k, w in pending if not w.future.done()}
        results._writer.close()
    manager.join(GRACE_SECONDS)


def worker_pool(
    tasks: Sequence[tuple[Callable[..., Any], tuple]],
    workers: int,
    failed: Callable[[int, BaseException], Any],
    prepare: Callable[[], Any] | None = None,
) -> Iterator[Any]:
    """Run ``fn(*args)`` for each task in ``workers`` processes; yield results as they come.

    A task whose worker raised or died yields ``failed(task index,
    exception)``. When the caller stops early (an exception, Ctrl-C,
    ``close()``), every worker is stopped before this returns; the batch's
    temporary folder is removed in every case. ``prepare()`` runs here once
    the forkserver has started (it imports the package meanwhile) and before
    any worker does (the kernel's compile on a cold cache, say).
    """
    threads = max(1, cores() // workers)
    _start_helpers()
    if prepare is not None:
        prepare()
    tmp = tempfile.mkdtemp(prefix="simulate-batch-")
    ends: list[Connection] = []
    try:
        # the batch holds the only write end: it closes when the batch ends, however
        ends[:] = multiprocessing.Pipe(duplex=False)
        keep = ends[0]  # the read end, for the workers
        leftovers = [tmp, multiprocessing.util.get_temp_dir()]  # the latter: the forkserver's
        pool = ProcessPoolExecutor(
            workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(threads, tmp, keep, leftovers),
        )
        yield from _collect(pool, tasks, failed)
    finally:
        for end in ends:
            end.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _collect(
    pool: ProcessPoolExecutor,
    tasks: Sequence[tuple[Callable[..., Any], tuple]],
    failed: Callable[[int, BaseException], Any],
) -> Iterator[Any]:
    """Submit the tasks, yield their results as they come; stop the workers on any interrupt."""
    futures: dict[Future, int] = {}
    try:
        futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(tasks)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:
                yield failed(futures[future], exc)
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)
