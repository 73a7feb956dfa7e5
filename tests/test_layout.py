"""The package's shape: imports run one way down the pipeline, with no cycle.

Read from the source (AST), not by importing: every ``import`` and ``from``
inside ``simulate/`` is resolved to the module it names, and each module is
placed on a layer by its first component (``simulate.config.priors`` is on the
``config`` layer). A module may import from its own component or from a lower
layer, never from a higher one or a sibling on its own layer, and never from
the package's face (``simulate/__init__.py``, which re-exports the public
API and so sits above everything).

Each rule is a function of a package folder, so the last tests can check
that every rule catches what it is for, on small packages built for it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "simulate"

# Lowest first. The README's "How the code is laid out" explains each.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "version", "format"}),
    frozenset({"files", "seeds", "_pool", "_scipy"}),
    frozenset({"config"}),
    frozenset({"sampling"}),
    frozenset({"kernel"}),
    frozenset({"metrics"}),
    frozenset({"precision"}),
    frozenset({"flexibility"}),
    frozenset({"results"}),
    frozenset({"engine"}),
    frozenset({"sensitivity", "compare"}),
    frozenset({"text", "plotting"}),
    frozenset({"report", "drawing"}),
    frozenset({"runner"}),
    frozenset({"overlay", "batch"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
FACE = ""  # the component of ``simulate`` itself (its __init__.py)
# Libraries too slow to import at start-up: a function-level import of one of
# these is allowed anywhere; any other function-level import must give a reason.
SLOW = ("matplotlib", "scipy.stats", "scipy.integrate", "distributed", "dask", "numba")
MAX_MODULE_LINES = 600
# Lines of code (docstrings and blank lines aside) a function may have; the
# rule is about 60, this is the hard limit. numba kernels are exempt.
MAX_FUNCTION_LINES = 80

Import = tuple[str, int, bool]  # (module named, line, at module level: not in a function)


def _modules(package: Path) -> dict[str, Path]:
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(name: str, path: Path) -> Iterator[Import]:
    """What each import in module ``name`` (at ``path``) names: a module, or a name in one.

    ``from X import y`` yields ``X.y``: the graph keeps the longest known
    module it names, which is ``X.y`` where ``y`` is a module and else ``X``.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        top = id(node) not in in_function
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, top
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                yield f"{mod}.{alias.name}", node.lineno, top


def _graph(package: Path) -> dict[str, list[Import]]:
    """Each module's imports of modules of ``package``, resolved to the module they name."""
    modules = _modules(package)
    root = package.name
    graph = {}
    for name, path in modules.items():
        edges = []
        for target, line, top in _imports(name, path):
            if target != root and not target.startswith(root + "."):
                continue
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]
            if target != name and target in modules:
                edges.append((target, line, top))
        graph[name] = edges
    return graph


def _component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACE


def unplaced_components(package: Path) -> list[str]:
    return sorted({_component(m) for m in _modules(package)} - set(RANK) - {FACE})


def upward_imports(package: Path) -> list[str]:
    wrong = []
    for module, edges in _graph(package).items():
        src = _component(module)
        if src == FACE:  # the package's face re-exports the public API
            continue
        for target, line, _ in edges:
            dst = _component(target)
            if dst == src:
                continue
            if dst == FACE:
                wrong.append(f"{module}:{line} imports the package's face {target}")
            elif RANK[dst] >= RANK[src]:
                wrong.append(f"{module}:{line} imports {target} (layer {RANK[dst]} >= {RANK[src]})")
    return wrong


def find_cycle(package: Path) -> list[str] | None:
    graph = {m: sorted({t for t, _, _ in edges}) for m, edges in _graph(package).items()}
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in graph[m]:
            if state.get(t) == 1:
                return [*stack[stack.index(t) :], t]
            if t not in state and (cycle := visit(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in graph:
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def unexplained_sibling_imports(package: Path) -> list[str]:
    """Function-level imports of the package's own modules without a reason on the line."""
    unexplained = []
    for name, edges in _graph(package).items():
        path = _modules(package)[name]
        lines = path.read_text(encoding="utf-8").splitlines()
        for target, line, top in dict.fromkeys(edges):
            if not top and "#" not in lines[line - 1]:
                unexplained.append(f"{path.relative_to(package.parent)}:{line} imports {target}")
    return unexplained


def unexplained_library_imports(package: Path) -> list[str]:
    """Function-level imports of other libraries that are neither slow ones nor explained."""
    unexplained = []
    for name, path in _modules(package).items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for target, line, top in _imports(name, path):
            if top or target.startswith(package.name) or "#" in lines[line - 1]:
                continue
            if not any(target == s or target.startswith(s + ".") for s in SLOW):
                unexplained.append(f"{path.relative_to(package.parent)}:{line} imports {target}")
    return unexplained


def long_modules(package: Path, limit: int = MAX_MODULE_LINES) -> dict[str, int]:
    return {
        str(p.relative_to(package.parent)): n
        for p in _modules(package).values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit
    }


def _is_njit(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "njit"


def _docstring_lines(node: ast.AST) -> set[int]:
    lines = set()
    for inner in ast.walk(node):
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
            inner.body
            and isinstance(inner.body[0], ast.Expr)
            and isinstance(inner.body[0].value, ast.Constant)
            and isinstance(inner.body[0].value.value, str)
        ):
            lines.update(range(inner.body[0].lineno, inner.body[0].end_lineno + 1))
    return lines


def long_functions(package: Path, limit: int = MAX_FUNCTION_LINES) -> dict[str, int]:
    """Functions (not numba kernels) with more than ``limit`` lines of code.

    Counted from the ``def`` line to the last, leaving out docstrings
    (its own and those of functions and classes inside it) and blank lines.
    """
    long = {}
    for path in _modules(package).values():
        source = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(source))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if any(_is_njit(d) for d in node.decorator_list):
                continue
            docs = _docstring_lines(node)
            span = range(node.lineno, node.end_lineno + 1)
            n = sum(1 for i in span if i not in docs and source[i - 1].strip())
            if n > limit:
                long[f"{path.relative_to(package.parent)}:{node.lineno} {node.name}"] = n
    return long


# -- the rules, on simulate/ ------------------------------------------------------------------


def test_every_module_has_a_layer():
    unplaced = unplaced_components(PACKAGE)
    assert not unplaced, f"add these to LAYERS (and the README's layout): {unplaced}"


def test_imports_run_down_the_layers():
    wrong = upward_imports(PACKAGE)
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    cycle = find_cycle(PACKAGE)
    assert cycle is None, " -> ".join(cycle)


def test_function_level_imports_of_siblings_say_why():
    """A sibling imported inside a function keeps a slow library off start-up: say which."""
    unexplained = unexplained_sibling_imports(PACKAGE)
    assert not unexplained, "give each a one-line reason:\n" + "\n".join(unexplained)


def test_function_level_imports_of_libraries_are_slow_ones_or_say_why():
    unexplained = unexplained_library_imports(PACKAGE)
    assert not unexplained, "import at module top, or give a reason:\n" + "\n".join(unexplained)


def test_no_module_is_too_long_to_read():
    long = long_modules(PACKAGE)
    assert not long, long


def test_no_function_is_too_long_to_read():
    long = long_functions(PACKAGE)
    assert not long, "\n".join(f"{where}: {n} lines" for where, n in long.items())


def test_numbers_and_text_never_import_matplotlib():
    offenders = []
    for name, path in _modules(PACKAGE).items():
        if _component(name) == "plotting":
            continue
        for target, line, _ in _imports(name, path):
            if target.split(".")[0] == "matplotlib":
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert not offenders, offenders


def _loaded_after(argv: list[str], modules: tuple[str, ...]) -> tuple[list[str], int]:
    """Which of ``modules`` a fresh interpreter has loaded after ``simulate argv``, and the status."""
    code = (
        "import sys\n"
        "from simulate.cli import main\n"
        f"status = main({argv!r})\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules), status)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded, status = ast.literal_eval(out.strip().splitlines()[-1].replace("] ", "], "))
    return loaded, status


@pytest.mark.parametrize(
    "argv",
    [["validate", "configs/omnichannel.yaml"], ["validate", "configs/template.yaml"]],
)
def test_validate_loads_neither_numba_nor_matplotlib(argv):
    assert _loaded_after(argv, ("numba", "matplotlib", "scipy.stats")) == ([], 0)


def test_validate_of_common_priors_loads_no_scipy():
    # omnichannel has betas, PERTs, a one-bound metalog, a lognormal, triangulars,
    # uniforms and discretes: each is checked at the edge levels without scipy.special
    # (0.2-0.3 s to import); a truncated normal needs it, and loads it then.
    argv = ["validate", "configs/omnichannel.yaml"]
    assert _loaded_after(argv, ("scipy.special", "scipy")) == ([], 0)


def test_a_run_without_charts_loads_no_batch_nor_unused_sensitivity_method(tmp_path):
    # A run's report_data.json needs the tornado and the frontier; Sobol' indices,
    # ranks, value of information and the batch machinery cost it import time only.
    argv = ["run", "configs/omnichannel.yaml", "--no-figures", "--quiet", "--trials", "2000",
            "--out", str(tmp_path / "out")]  # fmt: skip
    unused = ("simulate.batch", "simulate.sensitivity.analysis", "simulate.sensitivity.rank",
              "simulate.sensitivity.saltelli", "simulate.sensitivity.voi", "matplotlib",
              "scipy.stats")  # fmt: skip
    assert _loaded_after(argv, unused) == ([], 0)
    assert (tmp_path / "out" / "omnichannel" / "report_data.json").is_file()


# -- each rule catches what it is for ------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    """A package ``simulate`` under ``root`` with these files (relative path -> source)."""
    package = root / "simulate"
    for rel, text in {"__init__.py": "", **files}.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


def test_a_clean_package_passes_every_rule(tmp_path):
    package = _package(
        tmp_path,
        {
            "__init__.py": "from .engine import run\nfrom . import kernel\n",
            "errors.py": "X = 1\n",
            "kernel/__init__.py": "",
            "kernel/tables.py": "from ..errors import X\nfrom . import cashflow\n",
            "kernel/cashflow.py": "import numpy\nfrom simulate.errors import X\n",
            "engine.py": (
                "from .kernel import tables\nfrom simulate.kernel.cashflow import numpy\n"
                "def run():\n    from scipy.stats import qmc\n    import json  # why\n"
            ),
        },
    )
    assert unplaced_components(package) == []
    assert upward_imports(package) == []
    assert find_cycle(package) is None
    assert unexplained_sibling_imports(package) == []
    assert unexplained_library_imports(package) == []
    assert long_modules(package) == {} and long_functions(package) == {}


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("files.py", "from .engine import run\n"),
        ("files.py", "from . import engine\n"),
        ("files.py", "from simulate import engine\n"),
        ("files.py", "from simulate.engine import run\n"),
        ("files.py", "import simulate.engine\n"),
        ("files.py", "def f():\n    from .engine import run  # lazily\n"),
        ("files.py", "from . import seeds\n"),  # a sibling on the same layer
        ("kernel/tables.py", "from ..engine import run\n"),
        ("kernel/tables.py", "from .. import engine\n"),
        ("kernel/tables.py", "from simulate import ConfigError\n"),  # the face
        ("kernel/tables.py", "from .. import ConfigError\n"),
    ],
)
def test_an_upward_import_is_caught(tmp_path, where, source):
    files = {"engine.py": "run = 1\n", "seeds.py": "", "kernel/__init__.py": "", where: source}
    wrong = upward_imports(_package(tmp_path, files))
    module = "simulate." + where.removesuffix(".py").replace("/", ".")
    assert len(wrong) == 1 and wrong[0].startswith(module + ":"), wrong


def test_an_unplaced_module_is_caught(tmp_path):
    assert unplaced_components(_package(tmp_path, {"helpers.py": ""})) == ["helpers"]


@pytest.mark.parametrize(
    "files",
    [
        {"kernel/a.py": "from . import b\n", "kernel/b.py": "from .a import f\n"},
        {"kernel/a.py": "from . import b\n", "kernel/b.py": "def f():\n    from . import a\n"},
        {
            "config/__init__.py": "from .model import M\n",
            "config/model.py": "from .. import config\n",
        },
    ],
)
def test_a_cycle_is_caught(tmp_path, files):
    cycle = find_cycle(_package(tmp_path, {"kernel/__init__.py": "", **files}))
    assert cycle is not None and len(cycle) == 3 and cycle[0] == cycle[-1], cycle


def test_a_module_importing_itself_is_no_cycle(tmp_path):
    files = {
        "kernel/__init__.py": "",
        "kernel/a.py": "def f():\n    from simulate.kernel import a\n",
    }
    assert find_cycle(_package(tmp_path, files)) is None


def test_an_unexplained_function_level_import_is_caught(tmp_path):
    package = _package(
        tmp_path,
        {
            "errors.py": "",
            "engine.py": (
                "def f():\n    from . import errors\n    import json\n"
                "    from numba import njit\n    import matplotlib.pyplot as plt\n"
            ),
        },
    )
    assert unexplained_sibling_imports(package) == ["simulate/engine.py:2 imports simulate.errors"]
    assert unexplained_library_imports(package) == ["simulate/engine.py:3 imports json"]


def test_a_long_module_is_caught(tmp_path):
    package = _package(tmp_path, {"errors.py": "x = 1\n" * 601, "format.py": "x = 1\n" * 600})
    assert long_modules(package) == {"simulate/errors.py": 601}


def test_a_long_function_is_caught_but_not_a_numba_kernel(tmp_path):
    def function(name: str, code_lines: int, indent: str = "", doc_lines: int = 0) -> str:
        doc = f'{indent}    """' + "\n" * doc_lines + f'{indent}    """\n' if doc_lines else ""
        body = f"{indent}    x = 1\n\n" * (code_lines - 1)  # blank lines do not count
        return f"{indent}def {name}():\n{doc}{body}"

    kernels = "import numba\nfrom numba import njit\n\n"
    kernels += "@njit(cache=True)\n" + function("kernel", 200)
    kernels += "@numba.njit\n" + function("kernel2", 200)
    kernels += "class C:\n" + function("method", 81, indent="    ")
    kernels += "def outer():\n" + function("inner", 81, indent="    ")
    package = _package(
        tmp_path,
        {
            "errors.py": function("at_limit", 80, doc_lines=30) + function("over", 81),
            "kernel/__init__.py": "",
            "kernel/cashflow.py": kernels,
        },
    )
    long = {where.split()[-1]: n for where, n in long_functions(package).items()}
    assert long == {"over": 81, "method": 81, "outer": 82, "inner": 81}
