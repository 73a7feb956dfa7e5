"""A run's charts drawn in a process of their own, beside the simulation.

The six standard charts of a run are about a second of matplotlib, and
importing matplotlib (with the chart modules) is half a second more: a third
or more of ``simulate run``, all of it after the simulation. So ``simulate
run`` forks a chart process first thing (:meth:`ChartProcess.start`), which
imports the chart modules while the parent reads the configs and simulates;
each finished run is then sent to it (:meth:`ChartProcess.draw`), and the
parent writes summary.json and report_data.json while the charts are drawn.
The files are the same bytes as when they are drawn in-process.

The process is an ``os.fork`` of the command before it has any other thread
(a fork of a process with threads may inherit a held lock), so it is only
started from a single-threaded process that has not imported matplotlib yet
(a process that has pays nothing more to draw in-process); elsewhere, and
where ``fork`` is missing or fails, :meth:`ChartProcess.start` returns None
and the caller draws in-process. If the chart process dies, the charts are
drawn in-process after all; an error in drawing (a full disk) is raised in
the parent as if the charts had been drawn there. The process ignores
SIGINT (the command decides), is killed and reaped before a result folder
it writes into is removed (:meth:`ChartProcess.close`), and exits when its
pipe closes, so it never outlives the command.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from .config import Model
from .engine import Result

__all__ = ["ChartProcess", "Charts", "for_charts", "start_charts"]


def start_charts(figures: bool = True) -> Charts | None:
    """The chart process if one can be started, else :class:`Charts` (None without ``figures``)."""
    if not figures:
        return None
    return ChartProcess.start() or Charts()


def for_charts(result: Result) -> Result:
    """``result`` without what the charts do not read (the inputs, the TEI flows).

    Its summary (a cached property) goes with it, so it is not computed again.
    """
    light = replace(result, inputs=None, line_flows=None)
    light.__dict__["_summary"] = result.summary()
    return light


def _standard(
    folder: Path, result: Result, formats: Sequence[str], tornado: Mapping[str, Any] | None
) -> list[Path]:
    from .plotting.figures import write_standard  # matplotlib: in the chart process

    return write_standard(folder, result, formats, tornado)


def _sensitivity(
    folder: Path,
    sens: Mapping[str, Any],
    model: Model,
    result: Result | None,
    formats: Sequence[str],
    charts: Sequence[str],
    meta: Mapping[str, Any],
) -> list[Path]:
    from .plotting.figures import chart_meta, write_sensitivity_charts  # as in _standard

    stamp = chart_meta(model, result, **meta)
    return write_sensitivity_charts(folder, sens, stamp, formats, charts)


_JOBS: dict[str, Callable[..., list[Path]]] = {"standard": _standard, "sensitivity": _sensitivity}


class Charts:
    """Draws charts in this process, at once: what :class:`ChartProcess` does, without one."""

    def __init__(self) -> None:
        self._written: list[Path] = []

    def draw(
        self,
        folder: Path,
        result: Result,
        formats: Sequence[str],
        tornado: Mapping[str, Any] | None,
    ) -> None:
        """The standard charts of ``result`` into ``folder`` (:func:`write_standard`)."""
        self._submit("standard", (Path(folder), result, tuple(formats), tornado))

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
        """A sensitivity analysis's charts (:func:`write_sensitivity_charts`); ``meta`` goes
        to :func:`chart_meta` with ``model`` and ``result``."""
        light = None if result is None else for_charts(result)
        self._submit("sensitivity", (Path(folder), sens, model, light, tuple(formats),
                                     tuple(charts), meta))  # fmt: skip

    def _submit(self, kind: str, args: tuple) -> None:
        self._written = _JOBS[kind](*args)

    def wait(self) -> list[Path]:
        """The files of the charts last asked for, once written."""
        written, self._written = self._written, []
        return written

    def close(self) -> None:
        """Nothing to stop here."""


class ChartProcess(Charts):
    """A forked process that draws charts, one job at a time."""

    def __init__(self, pid: int, jobs: BinaryIO, replies: BinaryIO) -> None:
        super().__init__()
        self._pid = pid
        self._jobs, self._replies = jobs, replies
        self._sending: threading.Thread | None = None
        self._pending: tuple | None = None  # the job sent and not yet answered
        self._alive = True

    @classmethod
    def start(cls) -> ChartProcess | None:
        """Fork the chart process; None where it cannot be (see the module's docstring)."""
        if not hasattr(os, "fork") or "matplotlib" in sys.modules or threading.active_count() > 1:
            return None
        job_r, job_w = os.pipe()
        reply_r, reply_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            for fd in (job_r, job_w, reply_r, reply_w):
                os.close(fd)
            return None
        if pid == 0:  # the chart process: never returns
            os.close(job_w)
            os.close(reply_r)
            _serve(job_r, reply_w)
        os.close(job_r)
        os.close(reply_w)
        return cls(pid, os.fdopen(job_w, "wb"), os.fdopen(reply_r, "rb"))

    def draw(
        self,
        folder: Path,
        result: Result,
        formats: Sequence[str],
        tornado: Mapping[str, Any] | None,
    ) -> None:
        """Start drawing the standard charts of ``result``; :meth:`wait` for them."""
        self._submit("standard", (Path(folder), for_charts(result), tuple(formats), tornado))

    def _submit(self, kind: str, args: tuple) -> None:
        job = (kind, args)
        self._pending = job
        if not self._alive:
            return
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        # Sent from a thread: the pipe holds 64 kB, and the process may still be
        # importing, so the parent goes on with its own files meanwhile.
        self._sending = threading.Thread(target=self._send, args=(data,), daemon=True)
        self._sending.start()

    def _send(self, data: bytes) -> None:
        try:
            self._jobs.write(data)
            self._jobs.flush()
        except OSError:  # the process is gone: wait() draws in-process
            self._alive = False

    def wait(self) -> list[Path]:
        """The charts of the job sent by :meth:`draw`, written; the files' paths.

        Raises what drawing raised (an ``OSError`` for a full disk, say).
        """
        job, self._pending = self._pending, None
        if job is None:
            return []
        if self._sending is not None:
            self._sending.join()
            self._sending = None
        reply = None
        if self._alive:
            try:
                reply = pickle.load(self._replies)
            except (EOFError, OSError, pickle.UnpicklingError):
                reply = None
        if reply is None:  # the process died: draw here
            self._stop()
            kind, args = job
            return _JOBS[kind](*args)
        kind, value = reply
        if kind == "ok":
            return value
        raise value

    def close(self) -> None:
        """Kill the process and reap it: at the end of the command, or before a result
        folder it may be writing into is removed. Every chart :meth:`wait` returned is
        whole by then; no other is wanted. Later jobs are drawn in-process.
        """
        self._pending = None
        if self._alive:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._stop()

    def _stop(self) -> None:
        self._alive = False
        for f in (self._jobs, self._replies):
            try:
                f.close()
            except OSError:
                pass
        try:
            os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass


class _DrawingFailed(Exception):
    """An error in the chart process that cannot be sent back as itself."""


def _serve(job_fd: int, reply_fd: int) -> None:
    """The chart process: import the charts, then draw each job until the pipe closes."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.dup2(2, 1)  # a stray print goes to stderr, never into the replies
        jobs, replies = os.fdopen(job_fd, "rb"), os.fdopen(reply_fd, "wb")
        from .plotting import figures  # noqa: F401  (the point of this process: import early)

        while True:
            try:
                job = pickle.load(jobs)
            except EOFError:
                break
            try:
                kind, args = job
                reply = ("ok", _JOBS[kind](*args))
            except Exception as exc:  # sent back, raised in the parent
                if not isinstance(exc, OSError):  # a bug: say where it happened
                    exc.add_note("in the chart process:\n" + "".join(traceback.format_exc()))
                reply = ("error", _sendable(exc))
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
    except BaseException:  # the parent will draw in-process
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
