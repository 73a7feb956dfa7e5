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

Docstrings. As scipy imports a module, it rewrites the docstring of each of
its array-API-aware functions: it parses the docstring (numpydoc's
``FunctionDoc``), appends a table of the array libraries the function
supports and prints it back. That is 20-30 ms of ``import scipy.special``
and 80-100 ms of ``scipy.stats`` with ``scipy.optimize``, for text nobody in
a ``simulate`` command reads. The command line calls :func:`plain_docs`
once it has parsed its arguments; then the first :func:`load` imports
scipy with that parser replaced by one that hands each function its own
docstring back unchanged (so only the support table is missing from it),
for every scipy module the process imports after. Should the stand-in not
suit a later scipy (an error while importing), scipy's parser is put back
and the import made again, as usual. Python code that imports simulate
(not the command line) gets scipy's docstrings as scipy writes them.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np

__all__ = ["UNUSED_NUMPY_SUBMODULES", "load", "plain_docs"]

# numpy's lazily loaded submodules that scipy's namespace copy would import.
UNUSED_NUMPY_SUBMODULES = ("f2py", "testing", "ma", "polynomial", "ctypeslib", "rec", "char",
                           "strings")  # fmt: skip
# The module that makes the copy (scipy's vendored array-API compatibility layer).
_COPY = "scipy._lib.array_api_compat.numpy"
# The scipy module whose docstring parser rewrites docstrings as scipy imports.
_DOCS = "scipy._lib._array_api"
_lock = threading.Lock()
_plain = False  # plain_docs() was called: the first load() replaces the parser


def plain_docs() -> None:
    """Have scipy leave its functions' docstrings as they are when it is loaded (the
    command line; see the module's docstring). Nothing changes if scipy is loaded already."""
    global _plain
    _plain = True


def load(name: str) -> ModuleType:
    """``importlib.import_module(name)`` for a scipy module (see the module's docstring)."""
    if _COPY in sys.modules or name in sys.modules:
        return importlib.import_module(name)
    with _lock, _hidden_from_star_import(np, UNUSED_NUMPY_SUBMODULES):
        if _plain and _DOCS not in sys.modules:
            return _import_with_own_docs(name)
        return importlib.import_module(name)


class _OwnDoc(defaultdict):
    """Stands in for scipy's ``FunctionDoc``: each section an empty list to append to,
    and as text a blank signature line over the function's own docstring."""

    def __init__(self, function: object, *_args: object, **_kwargs: object) -> None:
        super().__init__(list)
        self.text = getattr(function, "__doc__", None) or ""

    def __str__(self) -> str:
        return "\n" + self.text


def _import_with_own_docs(name: str) -> ModuleType:
    """Import ``name`` with scipy's docstring parser replaced by :class:`_OwnDoc` for good;
    on an error, with the parser put back, as scipy has it."""
    try:
        api = importlib.import_module(_DOCS)
    except ImportError:  # a scipy laid out otherwise
        return importlib.import_module(name)
    parser = getattr(api, "FunctionDoc", None)
    if parser is None:  # a scipy that rewrites no docstrings, or not this way
        return importlib.import_module(name)
    api.FunctionDoc = _OwnDoc
    try:
        return importlib.import_module(name)
    except Exception:  # the stand-in does not suit this scipy: import it as it is
        # (importlib has dropped the modules that failed; those that were imported
        # keep their own docstrings, which is all the stand-in changes)
        api.FunctionDoc = parser
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
