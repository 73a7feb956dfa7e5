"""Key numba's on-disk cache on every source file a kernel is built from.

numba checks a cached kernel against the stamp of the one file that defines
it. The kernel in ``cashflow`` also compiles in ``totals`` and the constants
of ``config/schema`` (and calls ``irr.irr``), so after an edit (or a ``git
pull``) that changes only those files numba would load a stale kernel and
compute with the old code. Adding a digest of all these files to each
kernel's stamp makes any such change recompile it.

:class:`FirstClass` passes a kernel a numba function as a first-class
function (a pointer), so the kernel compiles without it.

:func:`load_cached` loads a kernel from that cache without numba's full
start: numba refreshes its whole target context before every cache load
(its typing and lowering registries, numpy's and cffi's implementations, a
``scipy.linalg`` import to look for BLAS), which a compile needs but a
cached kernel's machine code does not: 0.18 s of every command's first
kernel call. :func:`collector_paused` keeps Python's garbage collector out
of a cold compile.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from numba.core.compiler import CompileResult
from numba.core.compiler_lock import global_compiler_lock
from numba.core.dispatcher import Dispatcher
from numba.core.runtime import nrt
from numba.core.types import Type
from numba.core.types.function_type import WrapperAddressProtocol
from numba.core.typing.templates import Signature

from . import JIT_DISABLED

_PACKAGE = Path(__file__).parent.parent  # simulate/
# Paths relative to the package folder.
KERNEL_SOURCES = (
    "kernel/cashflow.py",
    "kernel/totals.py",
    "kernel/irr.py",
    "config/schema.py",
    "kernel/jitcache.py",
)


def sources_digest(root: Path = _PACKAGE) -> str:
    """SHA-256 over the kernel's source files in ``root``, in a fixed order."""
    h = hashlib.sha256()
    for name in KERNEL_SOURCES:
        h.update(name.encode())
        h.update((root / name).read_bytes())
    return h.hexdigest()


def key_on_sources(namespace: dict) -> None:
    """Make the cache of every numba dispatcher in ``namespace`` depend on :func:`sources_digest`.

    Uses numba's cache-file stamp (a private attribute, checked by
    ``tests/test_engine.py`` so a numba upgrade that moves it fails loudly).
    """
    digest = sources_digest()
    for d in list(namespace.values()):
        if not isinstance(d, Dispatcher):
            continue
        cache_file = d._cache._cache_file
        stamp = cache_file._source_stamp
        if not (isinstance(stamp, tuple) and stamp[-1] == digest):
            cache_file._source_stamp = (stamp, digest)


def load_cached(kernel: Dispatcher, args: tuple) -> bool:
    """Load ``kernel``'s overload for ``args`` from numba's on-disk cache, if it is there.

    Does what the kernel's first call does on a cache hit (numba's
    ``Dispatcher.compile``: load, register the entry point, add the
    overload), but initialises only numba's runtime (NRT, which the kernel's
    code calls) instead of refreshing the whole target context. The code
    loaded is the same, so are the results. Returns False, leaving the first
    call to numba as before, when the overload is not cached (the call then
    compiles it, with the full refresh), or when anything here fails (numba's
    private cache API is not what this expects, say): numba's own first call
    then loads or compiles it, or raises its own error. True when the
    overload is loaded (or already was).
    """
    try:
        return load_signature(kernel, _signature(kernel, args))
    except Exception:  # a value numba cannot type: its own first call says so
        return False


def load_signature(kernel: Dispatcher, signature: tuple) -> bool:
    """:func:`load_cached` for the argument types ``signature``."""
    try:
        with global_compiler_lock:
            if signature in kernel.overloads:
                return True
            context = kernel.targetctx
            nrt.rtsys.initialize(context)
            loaded = kernel._cache._load_overload(signature, context)
            if loaded is None or loaded.objectmode:
                return False
            kernel._cache_hits[signature] += 1
            context.insert_user_function(loaded.entry_point, loaded.fndesc, [loaded.library])
            kernel.add_overload(loaded)
            return True
    except Exception:  # another numba's internals, a damaged cache: numba's own first call
        return False


def load_or_compile(kernel: Dispatcher, args: tuple) -> None:
    """Before ``kernel``'s first call with ``args``: load it (:func:`load_cached`), or on a
    cold cache make the compile that call would make, with the collector paused."""
    if not load_cached(kernel, args):
        with collector_paused():
            kernel.compile(_signature(kernel, args))


def compiled(function: Dispatcher, signature: tuple) -> CompileResult:
    """``function``'s compiled code for the argument types ``signature``: loaded from the
    cache (:func:`load_signature`), else compiled (with the collector paused)."""
    if not load_signature(function, signature):
        with collector_paused():
            function.compile(signature)
    return function.overloads[signature]


class FirstClass(WrapperAddressProtocol):
    """A numba function compiled for one signature, passed to a kernel as a first-class function.

    A kernel that takes a callee as an argument calls it through a pointer
    instead of linking the callee's code into its own, so a cold compile of
    the kernel neither waits for the callee's compile nor optimises its code
    a second time (numba re-optimises every callee linked into a caller):
    they can compile side by side (:mod:`.coldstart`). The code called is the
    same, so are the bits. The address (of the callee's C wrapper) is loaded
    from numba's cache, or compiled, on first use, once per process
    (``coldstart.prepare_kernel`` calls :meth:`load` on the calling thread,
    before a kernel's threads ask for it). A C wrapper cannot pass an
    exception on, so the callee must use numpy's error model and raise nothing.
    """

    def __init__(self, function: Dispatcher, returns: Type, args: tuple) -> None:
        # Called through its C wrapper, a function that raised would have its exception
        # printed and lost, and a zero returned: only numpy's error model, which never
        # raises on arithmetic, and the function itself must not raise either.
        if not isinstance(function, Dispatcher):  # NUMBA_DISABLE_JIT: a plain function
            raise RuntimeError(JIT_DISABLED)
        if function.targetoptions.get("error_model") != "numpy":
            raise ValueError(f"{function.__name__}: a first-class callee needs error_model='numpy'")
        self.function, self.args = function, args
        self._signature = returns(*args)
        self._lock = threading.Lock()
        self._address = 0

    def signature(self) -> Signature:
        return self._signature

    def load(self) -> int:
        """The address of the function's compiled code, loaded (or compiled) on first use."""
        with self._lock:
            if not self._address:
                cres = compiled(self.function, self.args)
                if cres.signature.return_type != self._signature.return_type:
                    raise TypeError(f"{self.function.__name__} returns "
                                    f"{cres.signature.return_type}, not "
                                    f"{self._signature.return_type}")  # fmt: skip
                wrapper = cres.fndesc.llvm_cfunc_wrapper_name
                address = cres.library.get_pointer_to_function(wrapper)
                if not address:
                    raise RuntimeError(f"no compiled code for {self.function.__name__}")
                self._address = address
            return self._address

    def __wrapper_address__(self) -> int:
        return self.load()


def _signature(kernel: Dispatcher, args: tuple) -> tuple:
    """The types numba's dispatcher gives ``args`` when ``kernel`` is called with them."""
    return tuple(kernel.typeof_pyval(a) for a in args)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (a compile), as it was after.

    numba's compile of a kernel makes millions of short-lived objects, and
    the collector's full collections over them took 5-8% of a cold compile
    (0.3-0.4 CPU-s of the kernel's 6). The garbage is collected after the
    block instead (one collection: 0.12 s after ``_line_block``'s compile,
    0.2 s after the kernel's); a cold compile peaks about 60 MB higher. In a
    process that has frozen its objects (``gc.freeze``: the command line
    does, :func:`simulate.cli.main`), the block's objects are frozen too,
    left to the OS at exit like the rest instead of collected on the first
    run's critical path.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count():
            gc.freeze()
        if was_on:
            gc.enable()
