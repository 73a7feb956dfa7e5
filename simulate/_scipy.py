"""scipy's modules, imported without the numpy submodules scipy never uses.

The first import of any scipy module that works on arrays (``scipy.special``,
``scipy.stats``, ...) loads scipy's array-API layer, which builds its numpy
namespace as a copy of numpy's: ``from numpy import *`` and a ``getattr``
of every name in ``dir(numpy)``. numpy loads its submodules lazily, on the
first access of their names, so that copy imports ``numpy.f2py`` (which
imports ``charset_normalizer``), ``numpy.testing``, ``numpy.ma`` and
``numpy.polynomial``: 0.15 s of every command's start-up, for modules no
part of scipy that simulate calls reads through that namespace (scipy's
own code imports them by name where it needs them).

:func:`load` imports a scipy module with those not-yet-loaded submodules
left out of ``numpy.__all__`` and ``dir(numpy)`` for the duration of the
import, then puts both back as they were. numpy itself is untouched:
``numpy.ma`` and the rest still load on first use, by anyone. Once scipy's
array-API layer is loaded (by this or by a caller's own ``import scipy``
before it), :func:`load` is a plain import. Two consequences: while
:func:`load` imports, another thread's ``dir(numpy)`` lacks those names too
(loads are serialised by a lock; the command line makes its first at
import, before it starts any thread); and scipy's copy of numpy's namespace
lacks them for good, which nothing in scipy's numpy paths reads (its
``xp.testing`` calls are for CuPy and PyTorch; for numpy it calls
``numpy.testing`` itself).
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np

__all__ = ["UNUSED_NUMPY_SUBMODULES", "load"]

# numpy's lazily loaded submodules that scipy's namespace copy would import.
UNUSED_NUMPY_SUBMODULES = ("f2py", "testing", "ma", "polynomial", "ctypeslib", "rec", "char",
                           "strings")  # fmt: skip
# The module that makes the copy (scipy's vendored array-API compatibility layer).
_COPY = "scipy._lib.array_api_compat.numpy"
_lock = threading.Lock()


def load(name: str) -> ModuleType:
    """``importlib.import_module(name)`` for a scipy module (see the module's docstring)."""
    if _COPY in sys.modules or name in sys.modules:
        return importlib.import_module(name)
    with _lock, _hidden_from_star_import(np, UNUSED_NUMPY_SUBMODULES):
        return importlib.import_module(name)


@contextmanager
def _hidden_from_star_import(module: ModuleType, names: tuple[str, ...]) -> Iterator[None]:
    """``names`` not yet loaded left out of ``module.__all__`` and ``dir(module)`` in the block."""
    attrs = vars(module)
    hide = {n for n in names if n not in attrs}
    old_all, old_dir = attrs.get("__all__"), attrs.get("__dir__")
    if not hide or not isinstance(old_all, list) or not callable(old_dir):
        yield  # another numpy: import as it is
        return
    module.__all__ = [n for n in old_all if n not in hide]
    module.__dir__ = lambda: [n for n in old_dir() if n not in hide]
    try:
        yield
    finally:
        module.__all__ = old_all
        module.__dir__ = old_dir
