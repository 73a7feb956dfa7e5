"""A cold compile of the kernel with a helper process: ``simulate.kernel.coldstart``.

The helper must change where the kernel's callees (``_line_block`` and
``irr``) are compiled, never a bit: the kernel compiled through it gives the
same outputs as one compiled in one process, and a helper that fails, hangs
or is interrupted leaves this process to compile them itself. No timings
here (bench/README.md has them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulate import engine
from simulate.config import load_config
from simulate.kernel import cashflow, coldstart, jitcache, launch

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "omnichannel.yaml"  # every kind of line the kernel has a branch for

# A fresh process with an empty numba cache: run (the kernel prepared with the
# helper, or with the child given as argv[2]), save the results to argv[1] and
# report what this process compiled.
_COLD_RUN = """
import json, sys
import numpy as np
from numba.core import event
from simulate import engine
from simulate.config import load_config
from simulate.kernel import cashflow, coldstart, irr
compiled = []
class Listener(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__name__)
    def on_end(self, ev):
        pass
event.register("numba:compile", Listener())
command = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
helped = []
prepare = coldstart.prepare_kernel
coldstart.prepare_kernel = lambda args: helped.append(prepare(args, command)) or helped[-1]
result = engine.run(load_config({config!r}), trials=700, seed=5)
helped = helped[0]
np.savez(sys.argv[1], line_flows=result.line_flows, **result.outputs())
kernel_ir = "".join(cashflow.simulate.inspect_llvm().values())
defined = [line for line in kernel_ir.splitlines() if line.startswith("define")]
print(json.dumps({{
    "helped": helped, "compiled": compiled,
    "links": [name for name in ("_line_block", "3irr") if any(name in d for d in defined)],
    "signatures": [len(cashflow._line_block.signatures), len(irr.irr.signatures)],
}}))
"""


def _cold_run(tmp_path, *command: str) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-c", _COLD_RUN.format(config=str(CONFIG)), str(tmp_path / "out.npz")]
    if command:
        argv.append(json.dumps(list(command)))
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    assert done.stderr == ""  # the helper prints nothing, nor does a compile
    return json.loads(done.stdout)


def _same_bits_as_this_process(saved) -> bool:
    """Whether the cold process's results are those of this process's kernel, bit for bit."""
    result = engine.run(load_config(CONFIG), trials=700, seed=5)
    mine = {"line_flows": result.line_flows, **result.outputs()}
    with np.load(saved) as theirs:
        assert sorted(theirs.files) == sorted(mine)
        return all(
            theirs[k].tobytes() == np.ascontiguousarray(v).tobytes() for k, v in mine.items()
        )


def test_the_helper_compiles_the_callees_into_the_cache_this_process_then_loads_them(tmp_path):
    cold = _cold_run(tmp_path)
    assert cold["helped"] is True
    # This process compiled the kernel, not the line function nor the IRR solver:
    # it loaded the helper's from numba's cache, for the one signature used.
    assert "simulate" in cold["compiled"]
    assert not {"_line_block", "irr", "_solve", "_npv3", "_scan"} & set(cold["compiled"])
    assert cold["signatures"] == [1, 1]
    assert cold["links"] == []  # called through pointers: their code is not in the kernel's
    assert list((tmp_path / "numba").rglob("irr.irr-*.nbi"))
    assert list((tmp_path / "numba").rglob("cashflow._line_block-*.nbi"))
    assert _same_bits_as_this_process(tmp_path / "out.npz")  # as compiled in one process


@pytest.mark.slow  # a second cold compile (about 7 CPU-s); the unit tests below cover the rest
def test_a_failing_helper_leaves_this_process_to_compile_the_callees(tmp_path):
    cold = _cold_run(tmp_path, sys.executable, "-c", "raise SystemExit(3)")
    assert cold["helped"] is False
    assert {"simulate", "_line_block", "irr"} <= set(cold["compiled"])
    assert cold["signatures"] == [1, 1]
    assert _same_bits_as_this_process(tmp_path / "out.npz")


@pytest.fixture
def kernel_args(monkeypatch):
    """The arguments of a kernel call (engine.evaluate's), as prepare_kernel gets them."""
    seen = []
    monkeypatch.setattr(coldstart, "prepare_kernel", seen.append)
    engine.run(load_config(CONFIG), trials=100, seed=1)
    monkeypatch.undo()
    return seen[0]


@pytest.fixture
def unprepared(monkeypatch):
    """prepare_kernel as on a cold cache, in this process (the kernel loads from
    numba's cache, or compiles once), the helpers it starts kept."""
    monkeypatch.setattr(coldstart, "_prepared", False)
    monkeypatch.setattr(coldstart, "_worth_a_helper", lambda: True)
    started = []
    start = coldstart._start_helper

    def keep(command):
        started.append(start(command))
        return started[-1]

    monkeypatch.setattr(coldstart, "_start_helper", keep)
    return started


def test_a_hanging_helper_is_stopped_after_the_timeout(kernel_args, unprepared):
    hang = [sys.executable, "-c", "import time; time.sleep(600)"]
    assert coldstart.prepare_kernel(kernel_args, hang, timeout=0.5) is False
    assert unprepared[0].returncode not in (None, 0)  # killed, not left running


def test_an_interrupt_stops_the_helper(kernel_args, unprepared, monkeypatch):
    def interrupted(kernel, args):
        raise KeyboardInterrupt

    monkeypatch.setattr(jitcache, "load_or_compile", interrupted)  # this process's share
    hang = [sys.executable, "-c", "import time; time.sleep(600)"]
    with pytest.raises(KeyboardInterrupt):
        coldstart.prepare_kernel(kernel_args, hang)
    assert unprepared[0].returncode not in (None, 0)


def test_no_helper_for_a_process_with_one_kernel_thread(monkeypatch):
    # A batch worker given one thread shares the cores with other workers.
    monkeypatch.setattr(launch, "kernel_threads", lambda: 1)
    monkeypatch.setattr(coldstart, "cache_is_cold", lambda: True)
    monkeypatch.setattr(cashflow, "simulate", type("Cold", (), {"signatures": []}))
    assert not coldstart._worth_a_helper()
    monkeypatch.setattr(launch, "kernel_threads", lambda: 2)
    monkeypatch.setattr(coldstart._pool, "_cpu_count", lambda: 2)
    assert coldstart._worth_a_helper()


def test_a_helper_that_cannot_start_changes_nothing(kernel_args, unprepared, tmp_path):
    assert coldstart.prepare_kernel(kernel_args, [str(tmp_path / "no-such-program")]) is False
    assert unprepared == [None]


def test_prepare_kernel_does_its_work_once(kernel_args, unprepared):
    assert coldstart.prepare_kernel(kernel_args, [sys.executable, "-c", "pass"]) is True
    assert coldstart.prepare_kernel(kernel_args, [sys.executable, "-c", "pass"]) is False
    assert len(unprepared) == 1
