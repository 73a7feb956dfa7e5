"""Progress on long work: a bar on stderr once a job has run two seconds, on a terminal only.

Short jobs print nothing; with ``--quiet``, or when stderr is not a
terminal (a log file, a pipe, a CI job), nothing is printed at all. The
bar is tqdm's (well kept, handles terminal width, rates and ETA); it is
cleared when the job ends, so the summary that follows stands alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["DELAY", "StepBar", "TrialBar", "is_terminal", "step_bar", "trial_bar"]

DELAY = 2.0  # seconds of work before a bar appears


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class TrialBar:
    """``bar(done, total)``: trials simulated so far (the engine's ``progress`` callback).

    ``open_ended`` (a run that stops at a precision): the bar counts trials
    and their rate without a total, for the total is only a cap.
    """

    def __init__(self, label: str, stream: TextIO, *, open_ended: bool = False) -> None:
        from tqdm import tqdm  # only when a bar can be shown

        self.open_ended = open_ended
        # redrawn at every call (a piece of trials, a check point: a few a second at most)
        self.bar = tqdm(desc=label, total=None, unit=" trials", unit_scale=True, delay=DELAY,
                        mininterval=0, leave=False, file=stream, dynamic_ncols=True)  # fmt: skip

    def __call__(self, done: int, total: int) -> None:
        if not self.open_ended and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class StepBar:
    """``bar(name)``: the named step of a job of ``total`` steps begins."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        from tqdm import tqdm  # only when a bar can be shown

        self.started = False
        self.bar = tqdm(desc=label, total=total, unit=" steps", delay=DELAY, mininterval=0,
                        leave=False, file=stream, dynamic_ncols=True)  # fmt: skip

    def __call__(self, name: str) -> None:
        self.bar.set_postfix_str(name, refresh=False)
        self.bar.update(1 if self.started else 0)  # drawn once the delay has passed
        self.started = True

    def close(self) -> None:
        self.bar.close()


@contextmanager
def _on_terminal(make, quiet: bool, stream: TextIO | None) -> Iterator:
    """``make(stream)`` on a terminal, closed at the end; None with ``quiet`` or off one."""
    stream = sys.stderr if stream is None else stream
    if quiet or not is_terminal(stream):
        yield None
        return
    bar = make(stream)
    try:
        yield bar
    finally:
        bar.close()


def trial_bar(label: str, *, quiet: bool, open_ended: bool = False, stream: TextIO | None = None):
    """A :class:`TrialBar` on a terminal (None with ``quiet`` or off a terminal)."""
    return _on_terminal(lambda s: TrialBar(label, s, open_ended=open_ended), quiet, stream)


def step_bar(label: str, total: int, *, quiet: bool, stream: TextIO | None = None):
    """A :class:`StepBar` on a terminal (None with ``quiet`` or off a terminal)."""
    return _on_terminal(lambda s: StepBar(label, total, s), quiet, stream)
