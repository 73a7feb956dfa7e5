"""Key numba's on-disk cache on every source file a kernel is built from.

numba checks a cached kernel against the stamp of the one file that defines
it. The kernel in ``cashflow`` also compiles in ``totals``, ``irr.irr`` and the constants
of ``config/schema``, so after an edit (or a ``git pull``) that changes only those
files numba would load a stale kernel and compute with the old code. Adding
a digest of all these files to each kernel's stamp makes any such change
recompile it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba.core.dispatcher import Dispatcher

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
