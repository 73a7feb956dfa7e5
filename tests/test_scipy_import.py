"""scipy imported without numpy's unused submodules (simulate/_scipy.py)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

from simulate import _scipy

ROOT = Path(__file__).resolve().parent.parent


def _lazy_module() -> tuple[types.ModuleType, list[str]]:
    """A module like numpy: ``heavy`` in ``__all__`` and ``dir()``, loaded on first access."""
    module = types.ModuleType("lazy_like_numpy")
    loaded: list[str] = []

    def __getattr__(name):
        if name == "heavy":
            loaded.append(name)
            module.heavy = "loaded"
            return module.heavy
        raise AttributeError(name)

    module.__getattr__ = __getattr__
    module.__dir__ = lambda: ["heavy", "light"]
    module.__all__ = ["heavy", "light"]
    module.light = 1
    return module, loaded


def _copy(module: types.ModuleType) -> dict:
    """What scipy's array-API layer does to numpy: a star import and a getattr of dir()."""
    sys.modules[module.__name__] = module
    try:
        names: dict = {}
        exec(f"from {module.__name__} import *", names)
        names.update({n: getattr(module, n) for n in dir(module) if hasattr(module, n)})
        return {k: v for k, v in names.items() if not k.startswith("__")}
    finally:
        del sys.modules[module.__name__]


def test_a_hidden_submodule_is_neither_copied_nor_loaded_and_the_module_is_restored():
    module, loaded = _lazy_module()
    all_before, dir_before = module.__all__, module.__dir__
    with _scipy._hidden_from_star_import(module, ("heavy", "absent")):
        assert _copy(module) == {"light": 1}
    assert loaded == []
    assert module.__all__ is all_before and module.__dir__ is dir_before
    # outside the block the copy loads it, as before
    assert _copy(module) == {"heavy": "loaded", "light": 1} and loaded == ["heavy"]


def test_a_loaded_submodule_stays_in_the_copy_and_an_error_restores_the_module():
    module, _ = _lazy_module()
    module.heavy = "already"
    with _scipy._hidden_from_star_import(module, ("heavy",)):
        assert _copy(module) == {"heavy": "already", "light": 1}
    module, _ = _lazy_module()
    all_before = module.__all__
    try:
        with _scipy._hidden_from_star_import(module, ("heavy",)):
            raise KeyError("inside the import")
    except KeyError:
        pass
    assert module.__all__ is all_before and "heavy" in dir(module)


def test_scipy_loads_without_f2py_and_testing_and_numpy_is_as_it_was():
    code = (
        "import sys, numpy\n"
        "all_before, dir_before = list(numpy.__all__), dir(numpy)\n"
        "from simulate import _scipy\n"
        "special = _scipy.load('scipy.special')\n"
        "print('SKIPPED', [m for m in ('numpy.f2py', 'numpy.testing') if m in sys.modules])\n"
        "print('RESTORED', numpy.__all__ == all_before, dir(numpy) == dir_before)\n"
        "from scipy import stats\n"  # the rest of scipy works on the same array-API layer
        "print('WORKS', special.ndtri(0.975) == stats.norm.ppf(0.975),\n"
        "      float(stats.rankdata(numpy.array([3.0, 1.0, 2.0]))[0]),\n"
        "      numpy.ma.masked_array([1, 2], mask=[0, 1]).sum())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "SKIPPED []" in out and "RESTORED True True" in out, out
    assert "WORKS True 3.0 1" in out, out


# -- docstrings (plain_docs) -------------------------------------------------------------

_NOTE = "Array API Standard Support"


def _scipy_rewrites_docstrings() -> bool:
    """Whether this scipy rewrites docstrings as it imports (its array-API support notes)."""
    api = importlib.import_module(_scipy._DOCS)
    return getattr(api, "FunctionDoc", None) is not None


needs_rewriting = pytest.mark.skipif(
    not _scipy_rewrites_docstrings(), reason="this scipy writes no support notes into docstrings"
)


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_the_stand_in_parser_hands_back_the_functions_own_docstring():
    def f():
        """Summary line.

        More text.
        """

    doc = _scipy._OwnDoc(f)
    doc["Notes"].append("a table scipy would add")  # what scipy's decorator does with it
    assert str(doc).split("\n", 1)[1].lstrip(" \n") == f.__doc__.lstrip(" \n")
    assert str(_scipy._OwnDoc(len)).split("\n", 1)[1] == len.__doc__
    assert str(_scipy._OwnDoc(object())).split("\n", 1)[1] == object.__doc__


_DOCS_CODE = (
    "import sys\n"
    "from simulate import _scipy\n"
    "{setup}"
    "special = _scipy.load('scipy.special')\n"
    "import scipy._lib._docscrape as docscrape\n"
    "from scipy import stats\n"  # a later plain import of scipy, as sensitivity makes
    "print('NOTES', {note!r} in special.ndtri.__doc__, {note!r} in stats.rankdata.__doc__)\n"
    "print('TEXT', 'Value of x such that' in special.ndtri.__doc__)\n"
    "print('VALUE', special.ndtri(0.975) == stats.norm.ppf(0.975))\n"
)


def test_plain_docs_leaves_scipys_docstrings_as_they_are_and_scipy_works():
    out = _run(_DOCS_CODE.format(setup="_scipy.plain_docs()\n", note=_NOTE))
    assert "NOTES False False" in out and "TEXT True" in out and "VALUE True" in out, out


@needs_rewriting
def test_without_plain_docs_scipy_writes_its_docstrings_as_usual():
    out = _run(_DOCS_CODE.format(setup="", note=_NOTE))
    assert "NOTES True True" in out and "TEXT True" in out and "VALUE True" in out, out


@needs_rewriting
def test_a_stand_in_that_does_not_suit_scipy_gives_way_to_scipys_parser():
    setup = (
        "_scipy.plain_docs()\n"
        "def broken(self):\n"
        "    raise RuntimeError('a later scipy uses the parser otherwise')\n"
        "_scipy._OwnDoc.__str__ = broken\n"
    )
    out = _run(_DOCS_CODE.format(setup=setup, note=_NOTE))
    assert "NOTES True True" in out and "VALUE True" in out, out


def test_the_command_line_imports_scipy_with_plain_docs(tmp_path):
    # main() as the console script calls it (argv None), then scipy's docstrings; with
    # charts, whose early processes load scipy before the command is imported
    config = ROOT / "configs" / "omnichannel.yaml"
    argv = ["simulate", "run", str(config), "--trials", "2000", "--quiet",
            "--out", str(tmp_path)]  # fmt: skip
    code = (
        "import sys\n"
        f"sys.argv = {argv!r}\n"
        "from simulate import cli\n"
        "status, _ = cli._main(None)\n"
        "import scipy.special\n"
        f"print('STATUS', status, {_NOTE!r} in scipy.special.ndtri.__doc__)\n"
    )
    assert "STATUS 0 False" in _run(code)
