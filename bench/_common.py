"""What the bench scripts share: where things are, timing, memory, the machine, the model.

Standard library only (``time``, ``resource``, ``/proc``), and nothing here
imports ``simulate``: :func:`import_simulate_from` must be able to run first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

ROOT = Path(__file__).resolve().parent.parent  # the checkout: configs/, simulate/, tests/
CONFIGS = ROOT / "configs"
SEED = 20240601

T = TypeVar("T")


# -- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing(Generic[T]):
    """The best of several calls: wall and process CPU seconds, and the last call's value."""

    wall: float
    cpu: float
    value: T


def best_of(repeat: int, fn: Callable[[], T]) -> Timing[T]:
    """Call ``fn`` ``repeat`` times; keep the best wall time and the best CPU time.

    The best, not the mean: on a shared machine the fastest call is the one
    least slowed by other work. The CPU time (all threads of this process)
    shows how much of a wall time was waiting for a core.
    """
    wall, cpu, value = float("inf"), float("inf"), None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        value = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return Timing(wall, cpu, value)


# -- memory -----------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak RSS (``ru_maxrss``, KiB on Linux), in MiB.

    A child's ``ru_maxrss`` starts at its parent's peak at fork time (Linux
    keeps it across exec): measure in a process started while the parent is small.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mib() -> float | None:
    """This process's own peak RSS (``VmHWM``; unlike ``ru_maxrss`` it is reset by exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# -- the machine ------------------------------------------------------------------------------


def load_average() -> float:
    """The 1-minute load average: other work on the machine slows every figure."""
    return os.getloadavg()[0]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def source_state(src: Path, module_file: str) -> dict[str, Any]:
    """Where the timed ``simulate`` came from: folder, file, commit, and its edited files."""
    state: dict[str, Any] = {"dir": str(src), "module": module_file}
    try:

        def git(*args: str) -> str:
            done = subprocess.run(
                ["git", "-C", str(src), *args], capture_output=True, text=True, check=True
            )
            return done.stdout.strip()

        state["commit"] = git("rev-parse", "--short", "HEAD")
        state["edited"] = git(
            "status", "--porcelain", "--untracked-files=no", "--", "simulate"
        ).splitlines()
    except (OSError, subprocess.CalledProcessError):
        pass
    return state


# -- which simulate, and the model ------------------------------------------------------------


def source_dir(argv: list[str] | None = None) -> Path:
    """The folder named by ``--src DIR`` on the command line, else this checkout.

    Read before ``simulate`` is imported, so a scratch copy with a proposed
    change can be timed with the same script and the same configs.
    """
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--src", type=Path, default=ROOT)
    return pre.parse_known_args(argv)[0].src.resolve()


def import_simulate_from(src: Path) -> None:
    """Make ``import simulate`` load the package in ``src`` rather than this checkout's.

    The package is registered under its own name from ``src/simulate``, so
    its modules (and every later ``import simulate...``) come from there,
    without touching ``sys.path``. Call it before anything imports ``simulate``.
    """
    if src == ROOT:
        return  # ``python -m bench.x`` from the checkout imports its own simulate
    if "simulate" in sys.modules:
        raise RuntimeError("simulate was imported before import_simulate_from")
    init = src / "simulate" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"--src {src}: no simulate package there")
    spec = importlib.util.spec_from_file_location(
        "simulate", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulate"] = module
    spec.loader.exec_module(module)


def load_model(path: str | Path, horizon: int | None = None):
    """The config at ``path``, with ``horizon_months`` replaced when given."""
    from simulate.config import load_config, model_from_dict  # after import_simulate_from
    from simulate.config.loader import load_yaml  # after import_simulate_from

    model = load_config(path)
    if horizon is None or horizon == model.horizon_months:
        return model
    raw, lines = load_yaml(Path(path).read_text(encoding="utf-8"), str(path))
    raw["horizon_months"] = horizon
    return model_from_dict(raw, file=str(path), lines=lines)


def write_json(path: Path | None, figures: dict[str, Any]) -> None:
    """Write the figures as JSON when ``--json PATH`` was given."""
    if path is not None:
        path.write_text(json.dumps(figures, indent=2) + "\n")
