"""A cold compile of the kernel on two cores: its callees in a helper process.

On a cold numba cache (the first run after an install, an upgrade or an edit
of the kernel's sources) the kernel's first call compiles three pieces: the
kernel itself (about 3.3 CPU-s), the line function ``cashflow._line_block``
(about 2) and the IRR solver ``irr.irr`` (about 1.2). The kernel calls both
through pointers (``jitcache.FirstClass``), so none of these compiles
needs another; numba compiles under one process-wide lock, so a thread
cannot compile beside another, but a process can. :func:`prepare_kernel`
starts a child that compiles ``_line_block`` and ``irr`` into numba's
on-disk cache while this process compiles the kernel; this process then
loads the two from the cache instead of compiling them (bench/README.md has
the times).

The results never change: the same sources compiled for the same signatures,
loaded as every warm run loads them. Whatever goes wrong with the child (it
cannot start, fails, dies, or takes longer than :data:`HELPER_TIMEOUT`), this
process compiles what the child did not, as it did before there was a child.
The child writes nothing but numba's cache and prints nothing; an interrupt
or an error here stops it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from .. import _pool
from . import cashflow, jitcache, launch
from .announce import cache_is_cold

__all__ = ["HELPER_TIMEOUT", "prepare_kernel"]

# Seconds to wait for the child after this process's share: it needs about
# as long as that share, so only a stuck child (or a machine far busier than
# two cores) reaches this; this process then compiles the callees itself.
HELPER_TIMEOUT = 60.0
# The child: the same package (its folder first on the path), compiling the
# kernel's callees for the signatures it calls them with, which numba saves
# to its on-disk cache (``tests/test_coldstart.py`` checks that a cold compile
# through this module gives each of them that one signature, no other).
_HELPER_CODE = (
    "import gc, sys; sys.path.insert(0, {root!r})\n"
    "gc.disable()\n"  # as jitcache.collector_paused: no full collections in the compile
    "from simulate.kernel import cashflow\n"
    "for callee in cashflow.CALLEES:\n"
    "    callee.function.compile(callee.args)\n"
    "gc.freeze()\n"  # its exit collects none of the compile's objects: it is done
)
_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding simulate/

_lock = threading.Lock()
_prepared = False


def _start_helper(command: list[str] | None = None) -> subprocess.Popen | None:
    """The child compiling the kernel's callees (``command``, else :data:`_HELPER_CODE`),
    or None if it cannot start."""
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
        return None  # no child: this process compiles everything itself


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


def prepare_kernel(
    args: tuple, command: list[str] | None = None, timeout: float = HELPER_TIMEOUT
) -> bool:
    """Before the kernel's first call in this process (with ``args``, less the range of
    groups): on a cold cache, compile the kernel here while a child compiles its
    callees (see the module's docstring).

    Cheap after the first call (it does nothing then). Then, cold or warm,
    it loads the callees (``cashflow.CALLEES``) here, once, before the
    kernel's threads ask for them. ``command`` replaces the child's (tests: a
    child that fails or hangs). Returns whether a child compiled the callees
    for the kernel.
    """
    global _prepared
    with _lock:
        if _prepared:
            return False
        _prepared = True
        helped = _worth_a_helper() and _beside_a_helper(args, command, timeout)
        for callee in cashflow.CALLEES:
            callee.load()  # from the cache, or compiled here if the child did not
        return helped


def _beside_a_helper(args: tuple, command: list[str] | None, timeout: float) -> bool:
    """Compile the kernel here while a child compiles its callees; whether the child did."""
    helper = _start_helper(command)
    try:
        try:
            jitcache.load_or_compile(cashflow.simulate, (*args, 0, 0))
        except Exception:  # the kernel's own call compiles it again and raises there
            pass
        return helper is not None and helper.wait(timeout) == 0
    except subprocess.TimeoutExpired:
        return False  # this process compiles the callees itself
    finally:
        if helper is not None:
            _stop(helper)  # after an interrupt, an error or the timeout
