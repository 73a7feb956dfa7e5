"""A batch on a cold numba cache: the kernel is compiled once, here, before the workers start.

Without this every worker compiled the whole kernel for itself, all of them
at once on the same cores. No timings here (bench/README.md has them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simulate.batch as batch_module
from simulate import engine
from simulate.batch import execute, run_batch, workers
from simulate.batch.plan import plan
from simulate.config import load_config
from simulate.kernel import cashflow
from simulate.runner import RunOptions

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [ROOT / "configs" / n for n in ("lead_conversion.yaml", "contact_center_aht.yaml")]


@pytest.fixture
def configs(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    for path in CONFIGS:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture
def recorded(monkeypatch):
    """What run_items did, in order: compiled the kernel here (``load_kernel``), started workers."""
    calls: list[str] = []
    monkeypatch.setattr(execute, "load_kernel", lambda model: calls.append(f"compile {model.stem}"))

    def pool(tasks, workers, on_error, prepare=None):
        calls.append("forkserver")
        if prepare is not None:
            prepare()
        calls.append(f"workers {workers}")
        return iter(())

    monkeypatch.setattr(execute, "worker_pool", pool)
    return calls


def _items(configs: Path) -> list:
    """The items a batch of the folder runs."""
    paths = sorted(str(p) for p in configs.iterdir())
    return plan(paths, np.random.SeedSequence(1), trials=300).items


def test_a_cold_cache_is_compiled_here_before_the_workers_start(configs, recorded, monkeypatch):
    monkeypatch.setattr(execute, "cache_is_cold", lambda: True)
    items = _items(configs)
    list(execute.run_items(items, RunOptions(trials=300), workers=2))
    largest = max(items, key=lambda it: it.cost)  # the first to run
    assert recorded == ["forkserver", f"compile {Path(largest.config).stem}", "workers 2"]


def test_a_warm_cache_starts_the_workers_at_once(configs, recorded, monkeypatch):
    monkeypatch.setattr(execute, "cache_is_cold", lambda: False)
    list(execute.run_items(_items(configs), RunOptions(trials=300), workers=2))
    assert recorded == ["forkserver", "workers 2"]


def test_a_compile_that_fails_here_is_left_to_the_workers(configs, recorded, monkeypatch):
    monkeypatch.setattr(execute, "cache_is_cold", lambda: True)

    def fails(model):
        raise RuntimeError("no compiler")

    monkeypatch.setattr(execute, "load_kernel", fails)
    list(execute.run_items(_items(configs), RunOptions(trials=300), workers=2))
    assert recorded == ["forkserver", "workers 2"]


def test_the_pool_prepares_once_its_forkserver_started_and_before_any_worker(monkeypatch):
    # The forkserver imports the package while ``prepare`` (the compile) runs; no worker
    # may start before it is done, or the worker would compile the kernel too.
    calls = []
    monkeypatch.setattr(workers, "_start_helpers", lambda: calls.append("forkserver"))

    class Stop(Exception):
        pass

    def pool(*args, **kwargs):
        calls.append("workers")
        raise Stop

    monkeypatch.setattr(workers, "ProcessPoolExecutor", pool)
    with pytest.raises(Stop):
        list(workers.worker_pool([(print, ())], 2, None, prepare=lambda: calls.append("prepare")))
    assert calls == ["forkserver", "prepare", "workers"]


def test_load_kernel_leaves_the_kernel_ready_and_the_results_unchanged():
    model = load_config(CONFIGS[0])
    engine.load_kernel(model)
    assert cashflow.simulate.overloads  # loaded (or compiled) in this process
    assert all(callee._address for callee in cashflow.CALLEES)
    a = engine.run(model, trials=500, seed=3)
    engine.load_kernel(model)
    b = engine.run(model, trials=500, seed=3)
    assert a.npv.tobytes() == b.npv.tobytes()


@pytest.mark.parametrize(("dask", "todo", "called"), [
    (None, True, 1), ("inproc://", True, 1), ("tcp://10.0.0.1:8786", True, 0), (None, False, 0),
])  # fmt: skip
def test_the_batch_announces_a_compile_only_where_its_items_run(
    configs, tmp_path, monkeypatch, dask, todo, called
):
    # ``announce`` (the command line's notice of a cold compile) is called once, before the
    # items start, when they run on this machine; not for a remote cluster, nor for nothing.
    monkeypatch.setattr(batch_module, "run_items", lambda *a, **k: (o for o in ()))
    calls = []
    out = tmp_path / "out"
    if not todo:  # all done already (--resume)
        monkeypatch.setattr(batch_module._Batch, "resume", lambda self: [])
    run_batch([str(configs)], out, RunOptions(trials=300), dask=dask, figures=False,
              resume=not todo, announce=lambda: calls.append(1), note=lambda _: None)  # fmt: skip
    assert len(calls) == called


@pytest.mark.slow  # a cold compile of the kernel (about 7 CPU-s)
def test_a_cold_batch_compiles_the_kernel_once_and_its_workers_load_it(configs, tmp_path):
    # numba says what it saves to and loads from its cache (NUMBA_DEBUG_CACHE): the kernel
    # is saved once (by this process; the helper's callees print nothing), and each worker
    # loads it. Before, both workers compiled and saved everything.
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "NUMBA_DEBUG_CACHE": "1"}
    argv = [sys.executable, "-m", "simulate", "batch", str(configs), "--workers", "2",
            "--trials", "300", "--seed", "1", "--quiet", "--no-figures",
            "--out", str(tmp_path / "out")]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("[cache] data")]
    saved = [line for line in lines if line.startswith("[cache] data saved")]
    assert len(saved) == 1 and "cashflow.simulate-" in saved[0], lines
    loaded = [line for line in lines if "cashflow.simulate-" in line and "loaded" in line]
    # One per worker that started: the pool starts its second worker only when an item
    # waits while the first is busy, which a short batch on a busy machine may not need.
    assert 1 <= len(loaded) <= 2, lines
    assert (tmp_path / "out" / "lead_conversion" / "summary.json").is_file()
