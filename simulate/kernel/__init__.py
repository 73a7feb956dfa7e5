"""The numerical core: the model as tables, the numba cash-flow kernel and its IRR solver.

:mod:`.tables` turns a validated model into the small arrays the kernel walks
and names its outputs; :mod:`.cashflow` runs every trial's monthly cash flows
(docs/model.md sections 3-6); :mod:`.launch` runs its ranges of trials on
threads; :mod:`.irr` solves each trial's IRR; :mod:`.jitcache` keys numba's
on-disk cache on every file a kernel is compiled from and wraps the
kernel's callees as pointers (``FirstClass``); :mod:`.announce` says when
the next run will compile it, and :mod:`.coldstart` then compiles the
callees (the line function and the IRR solver) in a helper process beside
the kernel. Only
:mod:`simulate.engine` calls the kernel.
"""

__all__ = ["JIT_DISABLED", "jit_disabled"]

# What a run says when numba is told to run functions as plain Python.
JIT_DISABLED = (
    "NUMBA_DISABLE_JIT is set, and the kernel runs only as numba compiles it: "
    "unset NUMBA_DISABLE_JIT and run again"
)


def jit_disabled() -> bool:
    """Whether numba is set to run functions as plain Python (``NUMBA_DISABLE_JIT``).

    The kernel cannot run that way (:data:`JIT_DISABLED`). Loads numba.
    """
    from numba.core import config

    return bool(config.DISABLE_JIT)
