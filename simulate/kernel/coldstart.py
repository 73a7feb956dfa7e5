"""A cold compile of the kernel on two cores: the IRR solver in a helper process.

On a cold numba cache (the first run after an install, an upgrade or an edit
of the kernel's sources) the kernel's first call compiles three big pieces
one after the other: the line function ``cashflow._line_block`` (about 4 CPU-s),
the IRR solver ``irr.irr`` (about 3.5) and then the kernel itself (about 7),
which needs both. numba compiles under one process-wide lock, so a thread
cannot compile beside it; a process can. :func:`prepare_kernel` starts a
child that compiles ``irr`` into numba's on-disk cache while this process
compiles ``_line_block``, waits for the child, and leaves the kernel's own
compile to its first call, which then loads ``irr`` from the cache instead
of compiling it (bench/README.md has the times).

The results never change: the same sources compiled for the same signature,
loaded as every warm run loads them. Whatever goes wrong with the child (it
cannot start, fails, dies, or takes longer than :data:`HELPER_TIMEOUT`), the
kernel compiles ``irr`` itself, as it did before there was a child. The child
writes nothing but numba's cache and prints nothing; an interrupt or an error
here stops it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from numba import types

from .. import _pool
from . import cashflow, jitcache, launch
from .announce import cache_is_cold

__all__ = ["HELPER_TIMEOUT", "LINE_BLOCK_SIGNATURE", "prepare_kernel"]

# The signature the kernel calls _line_block with (irr's is in _HELPER_CODE):
# ``tests/test_coldstart.py`` checks that a cold compile through this module
# gives each one signature, no other.
_F1, _F2, _B = types.float64[::1], types.float64[:, ::1], types.boolean
LINE_BLOCK_SIGNATURE = (
    types.int64, _B, _B, _B, _B,  # c, absolute, scurve, decays, escalates
    _F2, _F2, _F2, _F1, _F1, _F1,  # P, W, S, stop, profile, disc
    _F2, _F2, _F1, types.int64,  # out, E, lpv, nb
)  # fmt: skip
# Seconds to wait for the child after this process's share: it needs about
# as long as that share, so only a stuck child (or a machine far busier than
# two cores) reaches this; the kernel then compiles irr itself.
HELPER_TIMEOUT = 60.0
# The child: the same package (its folder first on the path), importing only
# irr (not this module, whose imports would load the config layer) and
# compiling it for the kernel's irr(flow, cum), which numba saves to its on-disk cache.
_HELPER_CODE = (
    "import gc, sys; sys.path.insert(0, {root!r})\n"
    "gc.disable()\n"  # as jitcache.collector_paused: no full collections in the compile
    "from numba import types\n"
    "from simulate.kernel import irr\n"
    "irr.irr.compile((types.float64[::1], types.float64[::1]))\n"
    "gc.freeze()\n"  # its exit collects none of the compile's objects: it is done
)
_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding simulate/

_lock = threading.Lock()
_prepared = False


def _start_helper(command: list[str] | None = None) -> subprocess.Popen | None:
    """The child compiling ``irr`` (``command``, else :data:`_HELPER_CODE`), or None if it
    cannot start."""
    if command is None:
        if not sys.executable or getattr(sys, "frozen", False):
            return None  # no interpreter to start (embedded), or one that is an app
        # -B: no .pyc files either (the child writes only numba's cache).
        command = [sys.executable, "-B", "-c", _HELPER_CODE.format(root=str(_ROOT))]
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return None  # no child: the kernel compiles everything itself


def _stop(helper: subprocess.Popen) -> None:
    if helper.poll() is None:
        helper.kill()
        helper.wait()


def _worth_a_helper() -> bool:
    """A cold cache, and at least two cores for this process (a batch worker given one
    kernel thread shares the machine with other workers: a child would only compete)."""
    kernel = cashflow.simulate
    if not hasattr(kernel, "signatures") or kernel.signatures:  # no jit, or compiled
        return False
    if min(_pool._cpu_count(), launch.kernel_threads()) < 2:
        return False
    return cache_is_cold()


def prepare_kernel(command: list[str] | None = None, timeout: float = HELPER_TIMEOUT) -> bool:
    """Before the kernel's first call in this process: on a cold cache, compile its
    callees on two cores (see the module's docstring).

    Cheap after the first call (it does nothing then). ``command`` replaces
    the child's (tests: a child that fails or hangs). Returns whether a child
    compiled ``irr`` for the kernel.
    """
    global _prepared
    with _lock:
        if _prepared:
            return False
        _prepared = True
        if not _worth_a_helper():
            return False
        helper = _start_helper(command)
        try:
            try:
                with jitcache.collector_paused():
                    cashflow._line_block.compile(LINE_BLOCK_SIGNATURE)
            except Exception:  # the kernel's own call compiles it again and raises there
                pass
            return helper is not None and helper.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            return False  # the kernel compiles irr itself
        finally:
            if helper is not None:
                _stop(helper)  # after an interrupt, an error or the timeout
