"""Exit status, interrupts, and how the ``simulate`` command reports problems on stderr.

0 success; 2 an invalid config or usage (one line per problem, no
traceback); 1 an unexpected internal error (loud, with traceback); 130
interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (``interrupted`` on stderr).
A stdout that cannot be written does not fail the command's files
(:class:`Stdout`).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from ..errors import ConfigError

__all__ = [
    "EXIT_FAILED",
    "EXIT_INVALID",
    "EXIT_OK",
    "Interrupted",
    "Stdout",
    "catch_signals",
    "exit_interrupted",
    "interrupted_anyway",
    "report_invalid",
    "restore_signals",
    "usage_error",
    "warn",
]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handlers = dict[int, Callable | int | None]


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread.

    A ``KeyboardInterrupt``, so it unwinds as Ctrl-C does: past every ``except
    Exception``, through every ``finally`` and context manager that removes a
    temporary file or folder, and through the batch, which stops its workers.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _ignore(signum: int, frame: object) -> None:
    """A second signal while the first one's clean-up runs: the clean-up must finish."""


received: list[int] = []  # the signal that interrupted the command, once it has


def _swallowed_here(frame: FrameType | None) -> bool:
    """Whether an exception raised in ``frame`` would be printed and dropped, not unwound.

    Python ignores an exception raised in a ``__del__`` method, in a weakref
    callback or in a ctypes callback (after printing it): an interrupt
    landing there would be lost, and the command would run on. Measured: the
    import system's module-lock callback (``importlib._bootstrap``'s ``cb``),
    ``__del__``, and llvmlite's object-cache callbacks, which LLVM calls
    through ctypes while numba loads the kernel. A frame gives no sign that C
    called it, so other ctypes callbacks are left to :func:`_unraisable`.
    """
    if frame is not None and frame.f_code.co_name == "cb":
        if frame.f_globals.get("__name__") == "importlib._bootstrap":
            return True
    while frame is not None:
        if frame.f_code.co_name == "__del__" or frame.f_globals.get("__name__") == "weakref":
            return True
        if str(frame.f_globals.get("__name__")).startswith("llvmlite.binding"):
            return True  # LLVM's callbacks into Python; a moment's wait elsewhere in it
        frame = frame.f_back
    return False


def _deliver_again(signum: int) -> None:
    """Send ``signum`` to this process again in a moment, when the handler may raise."""
    threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()


def _raise(signum: int, frame: FrameType | None) -> None:
    if _swallowed_here(frame):  # deliver it again in a moment, outside the finalizer
        _deliver_again(signum)
        return
    for sig in SIGNALS:
        signal.signal(sig, _ignore)  # once only; a Python handler (SIG_IGN would be inherited)
    received.append(signum)
    raise Interrupted(signum)


_hook_before: list[Callable] = []  # sys.unraisablehook as catch_signals found it


def _unraisable(unraisable: object) -> None:
    """``sys.unraisablehook``: an interrupt that Python dropped is delivered again.

    Python passes here every exception it cannot raise (in ``__del__``, a
    weakref or ctypes callback, ...) and prints it, then carries on. Should
    :func:`_raise` not have seen that it was in such a place, its interrupt
    ends here: not printed, the handler armed again, and the signal sent
    again, to be raised where it unwinds the command.
    """
    exc = getattr(unraisable, "exc_value", None)
    if isinstance(exc, Interrupted) and exc.signum in received:
        received.remove(exc.signum)
        for sig in SIGNALS:
            signal.signal(sig, _raise)
        _deliver_again(exc.signum)
        return
    (_hook_before[-1] if _hook_before else sys.__unraisablehook__)(unraisable)


def catch_signals() -> Handlers:
    """Turn SIGINT and SIGTERM into :class:`Interrupted`; return the handlers they had.

    Does nothing off the main thread (only the main thread may set handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    received.clear()
    if sys.unraisablehook is not _unraisable:
        _hook_before.append(sys.unraisablehook)
        sys.unraisablehook = _unraisable
    return {sig: signal.signal(sig, _raise) for sig in SIGNALS}


def restore_signals(saved: Handlers) -> None:
    """Put back the handlers (and ``sys.unraisablehook``) :func:`catch_signals` replaced."""
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    if saved and sys.unraisablehook is _unraisable and _hook_before:
        sys.unraisablehook = _hook_before.pop()


def exit_interrupted(exc: KeyboardInterrupt) -> int:
    """``interrupted`` on stderr; 128 + the signal: 130 for SIGINT, 143 for SIGTERM."""
    print("interrupted", file=sys.stderr)
    return 128 + getattr(exc, "signum", signal.SIGINT)


def interrupted_anyway(status: int) -> int:
    """The status of a command that returned although a signal interrupted it.

    Some library caught the interrupt and carried on (the command finished:
    its files are whole); the exit status still says it was interrupted.
    """
    if not received:
        return status
    print("interrupted", file=sys.stderr)
    return 128 + received[0]


def warn(message: str) -> None:
    """``warning: message`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def report_invalid(exc: ConfigError) -> None:
    """One ``error:`` line per problem, each naming its file and place in it."""
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def usage_error(exc: ConfigError) -> int:
    """Report a bad command-line value (problems without a file show only their message)."""
    for problem in exc.problems:
        text = str(problem) if problem.file else problem.message
        print(f"error: {text}", file=sys.stderr)
    return EXIT_INVALID


class Stdout:
    """``sys.stdout`` while a command runs: a stdout that fails loses only what is printed.

    Results go to disk and a short summary to stdout. A write to stdout that
    fails (a reader that went away: ``simulate run CFG | head -1``; a full
    device: ``> /dev/full``) raised an OSError in the middle of the command,
    which then reported its result folder as not written when it was, and
    stopped before the next config. Here the first such error is kept, what
    is printed after it is dropped, and the command goes on; :meth:`status`
    says at the end what it means for the exit status.
    """

    def __init__(self, stream) -> None:
        self.stream = stream  # the stdout it stands for, put back when the command ends
        self.error: OSError | None = None

    def __getattr__(self, name: str):
        return getattr(self.stream, name)  # encoding, isatty, fileno, ...

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return self.stream.write(text)
            except OSError as exc:
                self._failed(exc)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """Keep ``exc``; point stdout's file at /dev/null, where what is buffered can go.

        The bytes the failed write left in the stream's buffer would fail
        again at Python's exit (``Exception ignored ... BrokenPipeError``,
        exit status 120), as Python's documentation on SIGPIPE explains.
        """
        self.error = exc
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):  # not a file (pytest's capture, StringIO)
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)

    def status(self, status: int) -> int:
        """The exit status of a command that returned ``status``, once stdout is flushed.

        A reader that went away (EPIPE: ``| head``) was done reading: nothing
        is said and the status stays the command's, as a tool that ends quietly
        on SIGPIPE. Any other failure (a full device) is one line on stderr,
        saying that only the printed text is lost, and exit status 1 if the
        command had succeeded.
        """
        self.flush()
        exc = self.error
        if exc is None or exc.errno == errno.EPIPE:
            return status
        print(f"error: cannot write to stdout: {exc.strerror or exc}; what the command printed "
              "is incomplete (the files it wrote are not affected)", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED if status == EXIT_OK else status
