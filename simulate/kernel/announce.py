"""Say so on the terminal when the next run will compile the kernel.

The first run after an install (or an upgrade, or an edit of the kernel's
sources, see :mod:`.jitcache`) compiles the numba kernel, a wait of several
seconds; :func:`announce_compile` prints one line before it instead of a
silent pause. The command line calls it before its first run.
"""

from __future__ import annotations

import pickle
import sys
from typing import TextIO

from . import cashflow

__all__ = ["COMPILE_NOTICE", "announce_compile", "cache_is_cold"]

# One line on stderr before a cold compile (bench/README.md has the measured time).
COMPILE_NOTICE = "compiling the simulation core, once: about 5-15 s (later runs start at once)"


def cache_is_cold() -> bool:
    """Whether the next kernel call compiles: numba's cache lacks the kernel or one of its
    callees (``cashflow.CALLEES``) for these sources.

    Reads the index numba keeps beside each cached function (a private
    method, like the stamp :mod:`.jitcache` sets): missing, from another
    numba, or stamped with other sources, it is empty. Compiles nothing.
    """
    functions = (cashflow.simulate, *(callee.function for callee in cashflow.CALLEES))
    try:
        return not all(f._cache._cache_file._load_index() for f in functions)
    except (OSError, EOFError, ValueError, AttributeError, pickle.UnpicklingError):
        return True  # an unreadable index (numba will compile), or numba moved its private API


def announce_compile(quiet: bool, stream: TextIO | None = None) -> bool:
    """Print :data:`COMPILE_NOTICE` to ``stream`` (stderr) before a cold compile.

    Only when ``stream`` is a terminal and not ``quiet``: logs and pipes stay
    as they were. Returns whether it printed.
    """
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if quiet or isatty is None or not isatty() or not cache_is_cold():
        return False
    print(COMPILE_NOTICE, file=stream, flush=True)
    return True
