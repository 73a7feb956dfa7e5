"""scipy imported without numpy's unused submodules (simulate/_scipy.py)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

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
