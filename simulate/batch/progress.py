"""The batch's progress on stderr: a bar on a terminal, a line per finished run in a log."""

from __future__ import annotations

import io
import os
import threading
import time
from typing import TextIO

__all__ = ["Progress"]


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 100


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
        """The bar as text: ``[####----] 3/8 runs  elapsed 0:42  ETA 1:10  <last run>``."""
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
        """Count one finished run, called ``label``."""
        with self._lock:
            self.done += 1
            self.last = label
            if self.log:
                elapsed = _clock(time.monotonic() - self.start)
                self.stream.write(f"[{self.done}/{self.total}] {label}  ({elapsed} elapsed)\n")
                self.stream.flush()
            self._draw()

    def note(self, text: str) -> None:
        """Print ``text`` as a line above the bar."""
        with self._lock:
            if self.enabled:
                self.stream.write("\r\x1b[2K")
            self.stream.write(text + "\n")
            self._draw()

    def close(self) -> None:
        """Stop redrawing and clear the bar."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.enabled:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
