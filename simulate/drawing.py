"""Who draws a command's charts: this process, or chart processes beside the simulation.

The six standard charts of a run are about a second of matplotlib, and
importing matplotlib (with the chart modules) is half a second more: a third
or more of ``simulate run``, all of it after the simulation. So ``simulate
run`` and ``simulate sensitivity`` fork chart processes first thing, before
the command loads numba (:func:`start_early`, from the command line; one per
core, at most two), which import the chart modules while the parent imports
its own, reads the configs and simulates; the chart processes never load
numba. Each finished run is then sent to them, its charts shared out between
them by cost (:meth:`Charts.draw`, :func:`share`), and the parent writes
summary.json and report_data.json while they draw. The files are the same
bytes as charts drawn in-process (:class:`Charts`), since each chart is
drawn alone either way.

A chart process is an ``os.fork`` of the command before it has any other
thread (a fork of a process with threads may inherit a held lock), so they
are only started from a single-threaded process that has not imported
matplotlib yet (a process that has pays nothing more to draw in-process);
elsewhere, off Linux (macOS's system libraries are not safe to use in a
forked child), where ``fork`` fails, or with
``SIMULATE_CHART_PROCESSES=0``, the charts are drawn in-process. If a chart
process dies, its charts are drawn in-process after all; an error in drawing
(a full disk) is raised in the parent as if the charts had been drawn there.
A chart process ignores SIGINT (the command decides), is killed and reaped
before a result folder it writes into is removed (:meth:`Charts.close`), and
exits when its pipe closes, so it never outlives the command. The command
is their subreaper (``PR_SET_CHILD_SUBREAPER``): those the leader forked
are reaped by the command too, not left as zombies for init to collect after
the command has ended.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from .config import Model
from .results import Result

__all__ = [
    "MAX_PROCESSES",
    "ChartProcesses",
    "Charts",
    "closed_on_error",
    "drawing_charts",
    "for_charts",
    "share",
    "start_charts",
    "start_early",
    "stop_early",
]

# Chart processes at most (one per core): a run's charts shared out by cost (share).
MAX_PROCESSES = 2
# The environment variable that sets how many (0: draw in-process).
PROCESSES_VARIABLE = "SIMULATE_CHART_PROCESSES"
# The charts in the order each process draws its share of them.
_STANDARD_ORDER = ("tornado", "waterfall", "cashflow", "payback", "npv", "roi", "convergence")
_SENSITIVITY_ORDER = ("spider", "tornado", "frontier")
# About what a chart takes to draw and save, in tenths of a second of one core: about 1
# each, and a bar more for each bar of a waterfall (a line) or a tornado (an input).
# Measured on the example configs (2026-12-03: 0.09-0.16 s a chart; omnichannel's
# waterfall and tornado, 12 bars each, 0.2 s). Only the shares depend on them.
_CHART_COST = 1.0
_BAR_COST = 0.08
# Seconds stop() waits for a job being sent before it closes the pipe anyway.
_SEND_GRACE = 5.0
# How much lower a chart process's CPU priority is than the command's.
_NICENESS = 10


@contextmanager
def closed_on_error(charts: Charts | None) -> Iterator[None]:
    """Stop ``charts`` if the block fails: it may be writing into a folder the caller is
    about to remove, and must be gone first."""
    try:
        yield
    except BaseException:
        if charts is not None:
            charts.close()
        raise


@contextmanager
def drawing_charts(figures: bool) -> Iterator[Charts | None]:
    """:func:`start_charts` for a command, closed when it ends (None without ``figures``)."""
    charts = start_charts(figures)
    try:
        yield charts
    finally:
        if charts is not None:
            charts.close()


def start_charts(figures: bool = True) -> Charts | None:
    """Chart processes if they can be started, else :class:`Charts`; None without ``figures``.

    The processes :func:`start_early` forked, if it did.
    """
    global _early
    if not figures:
        return None
    if _early is not None:
        charts, _early = _early, None
        return charts
    return ChartProcesses.start(_processes_wanted()) or Charts()


# The chart processes start_early forked, until start_charts takes them.
_early: ChartProcesses | None = None


def start_early() -> None:
    """Fork the chart processes now, for the command's :func:`start_charts` to take.

    The command line calls it before it imports the command's modules: the
    chart processes import matplotlib on the core that the command's own
    imports leave idle, instead of when the simulation uses both. They
    import no numba (the chart modules, the job's ``Result`` and the
    sensitivity labels need none). :func:`stop_early` ends them if the
    command ends without taking them.
    """
    global _early
    if _early is None:
        _early = ChartProcesses.start(_processes_wanted())


def stop_early() -> None:
    """End the chart processes :func:`start_early` forked, if no command took them."""
    global _early
    charts, _early = _early, None
    if charts is not None:
        charts.close()


def _processes_wanted() -> int:
    text = os.environ.get(PROCESSES_VARIABLE, "").strip()
    if text.isdigit():
        return min(int(text), MAX_PROCESSES)
    return min(os.cpu_count() or 1, MAX_PROCESSES)


def for_charts(result: Result) -> Result:
    """``result`` without what the charts do not read (the inputs, the TEI flows).

    Its summary and quantile curves (a cached property), if computed, go with it.
    """
    light = replace(result, inputs=None, line_flows=None)
    if "_summary" in result.__dict__:
        light.__dict__["_summary"] = result.__dict__["_summary"]
    return light


def _standard(
    folder: Path,
    result: Result,
    formats: Sequence[str],
    tornado: Mapping[str, Any] | None,
    names: Sequence[str] | None = None,
) -> list[Path]:
    from .plotting.figures import write_standard  # matplotlib: in a chart process

    return write_standard(folder, result, formats, tornado, names)


def _sensitivity(
    folder: Path,
    sens: Mapping[str, Any],
    model: Model,
    result: Result | None,
    formats: Sequence[str],
    meta: Mapping[str, Any],
    charts: Sequence[str],
) -> list[Path]:
    from .plotting.figures import chart_meta, write_sensitivity_charts  # as in _standard

    stamp = chart_meta(model, result, **meta)
    return write_sensitivity_charts(folder, sens, stamp, formats, charts)


# Each job's last argument is the names of the charts to draw, dealt out by _deal.
_JOBS: dict[str, Callable[..., list[Path]]] = {"standard": _standard, "sensitivity": _sensitivity}
Job = tuple[str, tuple]


class Charts:
    """Draws charts in this process, at once; :class:`ChartProcesses` draws them beside it."""

    def __init__(self) -> None:
        self._written: list[Path] = []

    def draw(
        self,
        folder: Path,
        result: Result,
        formats: Sequence[str],
        tornado: Mapping[str, Any] | None,
    ) -> None:
        """The standard charts of ``result`` into ``folder`` (``write_standard``)."""
        args = (Path(folder), for_charts(result), tuple(formats), tornado)
        bars = {
            "waterfall": len(result.model.lines),
            "tornado": len((tornado or {}).get("rows") or ()),
        }
        skipped = set()
        if not bars["tornado"]:
            skipped.add("tornado")  # drawn only with a tornado's rows
        if not result.stop:
            skipped.add("convergence")  # drawn only for a run with precision targets
        names = [n for n in _STANDARD_ORDER if n not in skipped]
        self._deal("standard", args, names, _costs(names, bars))

    def draw_sensitivity(
        self,
        folder: Path,
        sens: Mapping[str, Any],
        model: Model,
        result: Result | None,
        formats: Sequence[str],
        charts: Sequence[str],
        **meta: Any,
    ) -> None:
        """A sensitivity analysis's charts (``write_sensitivity_charts``); ``meta`` goes
        to ``chart_meta`` with ``model`` and ``result``."""
        light = None if result is None else for_charts(result)
        args = (Path(folder), sens, model, light, tuple(formats), meta)
        names = [c for c in _SENSITIVITY_ORDER if c in charts]
        bars = {"tornado": len(sens.get("tornado") or ()), "spider": len(model.inputs)}
        self._deal("sensitivity", args, names, _costs(names, bars))

    def _deal(
        self, kind: str, args: tuple, names: Sequence[str], costs: Mapping[str, float]
    ) -> None:
        """Draw the charts ``names`` of job ``kind`` (``args`` and the names to draw);
        ``costs``: what each takes to draw, roughly (how chart processes share them)."""
        self._written = _JOBS[kind](*args, tuple(names))

    def wait(self) -> list[Path]:
        """The files of the charts last asked for, once written."""
        written, self._written = self._written, []
        return written

    def close(self) -> None:
        """Stop drawing: nothing to stop here."""


class ChartProcesses(Charts):
    """Forked processes that draw charts, each chart of a job by one of them.

    The first process (the leader) imports the chart modules, then forks the
    others from itself, so matplotlib is imported once. They form a process
    group of their own, killed as one; each holds the write end of a pipe
    that no one writes (the lifeline), so the command knows they are all
    gone when it reads the end of that pipe.
    """

    def __init__(self, leader: int, lifeline: int, workers: list[_Worker]) -> None:
        super().__init__()
        self._leader, self._lifeline = leader, lifeline
        self._workers = workers
        self._closed = False

    @classmethod
    def start(cls, n: int) -> ChartProcesses | None:
        """Fork ``n`` chart processes; None where none can be (see the module's docstring)."""
        if (
            n < 1
            or not sys.platform.startswith("linux")  # (macOS: system libraries unsafe to fork)
            or "matplotlib" in sys.modules
            or threading.active_count() > 1
        ):
            return None
        _adopt_orphans()
        pipes = [(os.pipe(), os.pipe()) for _ in range(n)]  # each: (job r, w), (reply r, w)
        life_r, life_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            for fd in (life_r, life_w, *(fd for pair in pipes for ends in pair for fd in ends)):
                os.close(fd)
            return None
        if pid == 0:  # the leader: never returns
            os.close(life_r)
            for (_, job_w), (reply_r, _) in pipes:
                os.close(job_w)
                os.close(reply_r)
            _lead([(job_r, reply_w) for (job_r, _), (_, reply_w) in pipes])
        os.close(life_w)
        workers = []
        for (job_r, job_w), (reply_r, reply_w) in pipes:
            os.close(job_r)
            os.close(reply_w)
            workers.append(_Worker(os.fdopen(job_w, "wb"), os.fdopen(reply_r, "rb")))
        return cls(pid, life_r, workers)

    def _deal(
        self, kind: str, args: tuple, names: Sequence[str], costs: Mapping[str, float]
    ) -> None:
        """Send each process its share of the charts ``names`` (:func:`share`)."""
        for worker, part in zip(self._workers, share(names, costs, len(self._workers)),
                                strict=True):  # fmt: skip
            worker.send((kind, (*args, part)))

    def wait(self) -> list[Path]:
        """Every chart of the last job, written (drawn here by any process that died).

        Raises what drawing raised (an ``OSError`` for a full disk, say).
        """
        written: list[Path] = []
        for worker in self._workers:
            written += worker.reply()
        return written

    def close(self) -> None:
        """Kill the processes and wait until they are gone: at the end of the command,
        or before a result folder they may be writing into is removed. Every chart
        :meth:`wait` returned is whole by then; no other is wanted. Later jobs are
        drawn here.
        """
        if self._closed:
            return
        self._closed = True
        try:
            os.killpg(self._leader, signal.SIGKILL)
        except OSError:  # no group yet (the leader had not made it): the leader alone
            try:
                os.kill(self._leader, signal.SIGKILL)
            except OSError:
                pass
        for worker in self._workers:
            worker.stop()
        try:
            while os.read(self._lifeline, 4096):  # empty once every process is gone
                pass
        finally:
            os.close(self._lifeline)
        # The leader, then the processes it forked, which came to this one when it died
        # (_adopt_orphans); every one is dead by now, so no wait is long.
        while True:
            try:
                os.waitpid(-self._leader, 0)
            except ChildProcessError:  # none left in the group (or the group never made)
                break
        try:
            os.waitpid(self._leader, 0)
        except ChildProcessError:
            pass


# prctl's option that makes a process the parent of its orphaned descendants (Linux 3.4).
_PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans() -> None:
    """Make this process the parent of descendants whose own parent dies (Linux).

    The chart processes other than the leader are the leader's children:
    killed with it, they would be left as zombies until init collects them,
    after the command has ended. As their subreaper, the command reaps them
    in :meth:`ChartProcesses.close`. Where prctl is missing, nothing changes.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def share(names: Sequence[str], costs: Mapping[str, float], n: int) -> list[tuple[str, ...]]:
    """``names`` in ``n`` parts of about equal cost, each part in the order of ``names``.

    The costliest chart first, each to the part with the least so far (the
    first such part on a tie): the last part to finish is what the command
    waits for.
    """
    loads = [0.0] * n
    owner: dict[str, int] = {}
    for name in sorted(names, key=lambda c: -costs[c]):  # stable: ties keep their order
        part = loads.index(min(loads))
        owner[name] = part
        loads[part] += costs[name]
    return [tuple(c for c in names if owner[c] == part) for part in range(n)]


def _costs(names: Sequence[str], bars: Mapping[str, int]) -> dict[str, float]:
    """What each chart of ``names`` takes to draw, roughly (:data:`_CHART_COST`)."""
    return {name: _CHART_COST + _BAR_COST * bars.get(name, 0) for name in names}


class _Worker:
    """The pipes to one chart process, and the job it was last sent."""

    def __init__(self, jobs: BinaryIO, replies: BinaryIO) -> None:
        self._jobs, self._replies = jobs, replies
        self._sending: threading.Thread | None = None
        self._pending: Job | None = None  # the job sent and not yet answered
        self._alive = True

    def send(self, job: Job) -> None:
        self._pending = job
        if not self._alive:
            return
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        # Sent from a thread: the pipe holds 64 kB, and the process may still be
        # importing, so the parent goes on with its own files meanwhile.
        sending = threading.Thread(target=self._write, args=(data,), daemon=True)
        sending.start()
        # Kept once started: an interrupt between the two made stop() join a thread
        # never started (RuntimeError, exit 1 instead of 130/143).
        self._sending = sending

    def _write(self, data: bytes) -> None:
        try:
            self._jobs.write(data)
            self._jobs.flush()
        except (OSError, ValueError):  # the process is gone (or stop() closed the pipe)
            self._alive = False

    def reply(self) -> list[Path]:
        """The files of the job sent; drawn here if the process died."""
        job, self._pending = self._pending, None
        if job is None:
            return []
        if self._sending is not None:
            self._sending.join()
            self._sending = None
        answer = None
        if self._alive:
            try:
                answer = pickle.load(self._replies)
            except (EOFError, OSError, pickle.UnpicklingError):
                answer = None
        if answer is None:  # the process died: draw here
            self.stop()
            kind, args = job
            return _JOBS[kind](*args)
        kind, value = answer
        if kind == "ok":
            return value
        raise value

    def stop(self) -> None:
        """Close the pipes: a process still alive reads the end of its jobs and exits.

        A job still being sent is let finish first (its process is dead, or reading:
        the write ends at once), so the pipe is never closed under it.
        """
        self._alive = False
        self._pending = None
        if self._sending is not None:
            self._sending.join(_SEND_GRACE)
            self._sending = None
        for f in (self._jobs, self._replies):
            try:
                f.close()
            except OSError:
                pass


class _DrawingFailed(Exception):
    """An error in a chart process that cannot be sent back as itself."""


def _lead(ends: list[tuple[int, int]]) -> None:
    """The first chart process: import the charts, fork the others, serve the first pipes."""
    try:
        os.setpgid(0, 0)  # a group of their own, killed as one by the command
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command decides
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # Behind the command on the CPU: its imports and kernel come first, and the
        # charts are drawn while it waits for them anyway.
        os.nice(_NICENESS)
        os.dup2(2, 1)  # a stray print goes to stderr, never into the replies
        from .plotting import figures  # noqa: F401  (the point of this process: import early)

        gc.freeze()  # as the command does once its modules are loaded (cli._freeze_objects)
        gc.enable()  # forked early (start_early), it may have been off while they loaded
    except BaseException:
        os._exit(1)  # the command draws the charts itself
    mine, others = ends[0], ends[1:]
    for i, (job_fd, reply_fd) in enumerate(others):
        try:
            pid = os.fork()  # a copy with the charts imported
        except OSError:
            pid = -1  # its pipes close below: the command draws its share
        if pid == 0:
            for other in (mine, *others[:i], *others[i + 1 :]):
                for fd in other:
                    _close(fd)
            _serve(job_fd, reply_fd)
        os.close(job_fd)
        os.close(reply_fd)
    _serve(*mine)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:  # closed already (a pipe this process handed on)
        pass


def _serve(job_fd: int, reply_fd: int) -> None:
    """A chart process: draw each job until the pipe closes; never returns."""
    status = 0
    try:
        jobs, replies = os.fdopen(job_fd, "rb"), os.fdopen(reply_fd, "wb")
        while True:
            try:
                kind, args = pickle.load(jobs)
            except EOFError:
                break
            try:
                answer = ("ok", _JOBS[kind](*args))
            except Exception as exc:  # sent back, raised in the parent
                if not isinstance(exc, OSError):  # a bug: say where it happened
                    exc.add_note("in a chart process:\n" + traceback.format_exc())
                answer = ("error", _sendable(exc))
            pickle.dump(answer, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
    except BaseException:  # the command draws the rest itself
        status = 1
    finally:
        os._exit(status)


def _sendable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a stand-in with its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return _DrawingFailed(f"drawing the charts failed:\n{text}")
