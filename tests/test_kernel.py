"""The kernel's interface and build: ``simulate.kernel`` (tables, cashflow, jitcache).

What the kernel computes is checked against the oracles in ``test_engine.py``
(the reference model, hand-worked cases) and ``test_numpy_baseline.py``; the
IRR solver in ``test_irr.py``. Here: the tables the model becomes, the one
order of the outputs, lanes that do not see each other, and numba's on-disk
cache.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher
from oracles import numpy_model

from simulate import sampling
from simulate.config import model_from_dict
from simulate.config.schema import (
    PROFILE,
    RECURRING_BENEFIT,
    RECURRING_COST,
    SLOT_LAG,
    SLOT_SCALE,
)
from simulate.engine import Outputs, Result, evaluate
from simulate.kernel import announce, cashflow, irr, jitcache, launch
from simulate.kernel.tables import OUTPUT_NAMES, Tables, discount_factors, kernel_tables

TABLED = {
    "name": "tables",
    "horizon_months": 4,
    "discount_rate": 0.1,
    "priors": {"esc": {"dist": "uniform", "min": 0, "max": 0.1}},
    "benefits": [
        {"type": "recurring", "amount": {"dist": "uniform", "min": 1, "max": 2}, "lag": 2},
        {"type": "scheduled", "monthly": [1, 2, 3]},
    ],
    "costs": [
        {"type": "one_time", "amount": 100, "month": 1, "scale": 0.5},
        {"type": "recurring", "amount": 5, "escalation": "esc"},
    ],
}


# -- tables -----------------------------------------------------------------------------


def test_discount_factors_are_tei_style_yearly():
    d = discount_factors(36, 0.10)
    assert d[0] == 1.0
    for k in (1, 2, 3):
        assert d[12 * k] == pytest.approx(1.1**-k, rel=1e-15)


def test_tables_encode_each_line():
    model = model_from_dict(TABLED)
    t = kernel_tables(model)
    assert isinstance(t, Tables) and t._fields[-6:] == (
        "disc",
        "gate_src",
        "gate_const",
        "gate_at",
        "gate_month",
        "governs",
    )
    assert t.governs.shape == (4, 0)  # no gates
    np.testing.assert_array_equal(t.code, [RECURRING_BENEFIT, PROFILE, PROFILE, RECURRING_COST])
    np.testing.assert_array_equal(t.is_cost, [False, False, True, True])
    # An uncertain field reads its input's row; a fixed one is a constant.
    amount = model.input_names.index("benefits[0].amount")
    assert t.src[0, 0] == amount and t.src[0, SLOT_LAG] == -1 and t.const[0, SLOT_LAG] == 2.0
    assert t.src[3, 3] == model.input_names.index("esc")
    # The recurring cost's amount, start_month and end_month (default: the horizon).
    np.testing.assert_array_equal(t.const[3, :3], [5.0, 1.0, 4.0])
    # Scheduled and one_time lines walk a row of per-period amounts (times
    # slot 0 and the scale); the other lines have none.
    np.testing.assert_array_equal(t.prof_row, [-1, 0, 1, -1])
    np.testing.assert_array_equal(t.profiles[0], [0, 1, 2, 3, 0])
    np.testing.assert_array_equal(t.profiles[1], [0, 1, 0, 0, 0])
    assert t.const[1, 0] == 1.0 and t.const[2, 0] == 100.0
    assert t.const[2, SLOT_SCALE] == 0.5 and t.src[2, SLOT_SCALE] == -1
    np.testing.assert_array_equal(t.disc, discount_factors(4, 0.1))


# -- the outputs: one order ---------------------------------------------------------------


def test_the_kernel_writes_the_outputs_in_output_names_order():
    params = list(inspect.signature(cashflow.simulate.py_func).parameters)
    start = params.index("with_irr") + 1
    assert tuple(params[start : start + len(OUTPUT_NAMES)]) == OUTPUT_NAMES
    assert params[1 : start - 1] == list(Tables._fields)


def test_results_and_oracles_list_the_outputs_in_that_order():
    assert [f.name for f in dataclasses.fields(Outputs)][: len(OUTPUT_NAMES)] == list(OUTPUT_NAMES)
    names = [f.name for f in dataclasses.fields(Result)]
    assert names[names.index("npv") : names.index("npv") + len(OUTPUT_NAMES)] == list(OUTPUT_NAMES)
    model = model_from_dict(TABLED)
    out = numpy_model.numpy_simulate(kernel_tables(model), np.full((len(model.inputs), 3), 0.05))
    assert tuple(out) == OUTPUT_NAMES


# -- lanes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "stop"), [(0, 1), (37, 1000), (64, 128), (1023, 1100)])
def test_a_trial_sees_only_its_own_column(start, stop):
    # Blocks of 64 lanes and groups of 16 blocks: a trial's outputs must not
    # depend on which trials share its block, group or call.
    model = model_from_dict(TABLED)
    x = next(sampling.iter_chunks(model, 1100, 3))[1]
    whole = evaluate(model, x, n_paths=1100)
    part = evaluate(model, x[:, start:stop], n_paths=stop - start)
    for name in OUTPUT_NAMES:
        assert getattr(part, name).tobytes() == getattr(whole, name)[start:stop].tobytes(), name
    assert part.paths.tobytes() == whole.paths[start:stop].tobytes()
    assert part.discounted_paths.tobytes() == whole.discounted_paths[start:stop].tobytes()


# -- threads: ranges of groups, never a bit -------------------------------------------------


@pytest.mark.parametrize(
    ("n_groups", "threads"), [(0, 2), (1, 2), (5, 1), (17, 2), (256, 2), (256, 8)]
)
def test_task_ranges_cover_every_group_once_in_order(n_groups, threads):
    ranges = launch.task_ranges(n_groups, threads)
    assert [g for a, b in ranges for g in range(a, b)] == list(range(n_groups))
    assert len(ranges) <= max(1, threads * launch.TASKS_PER_THREAD)
    if threads == 1:
        assert len(ranges) <= 1


def test_outputs_do_not_depend_on_threads_or_ranges(monkeypatch):
    # one range on the calling thread, then many small ranges on two threads
    model = model_from_dict(TABLED)
    x = next(sampling.iter_chunks(model, 40_000, 5))[1]
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = evaluate(model, x, n_paths=100)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        monkeypatch.setattr(launch, "MIN_GROUPS_PER_TASK", 1)
        assert len(launch.task_ranges(40, numba.get_num_threads())) > 1 or before == 1
        many = evaluate(model, x, n_paths=100)
    finally:
        numba.set_num_threads(before)
    for name in (*OUTPUT_NAMES, "paths", "discounted_paths", "line_pv_sum"):
        assert getattr(one, name).tobytes() == getattr(many, name).tobytes(), name


def test_an_error_in_a_range_is_raised_after_every_range_ends():
    done = []

    def kernel(start, stop):
        if start == 0:
            raise MemoryError("no room")
        done.append((start, stop))

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        if numba.get_num_threads() < 2:
            pytest.skip("one thread only")
        with pytest.raises(MemoryError, match="no room"):
            launch.run_groups(kernel, (), 256, 256 * 1024)
    finally:
        numba.set_num_threads(before)
    assert sorted(done) == launch.task_ranges(256, 2)[1:]


# -- numba's on-disk cache ------------------------------------------------------------------


def _dispatchers(module) -> list[Dispatcher]:
    return [d for d in vars(module).values() if isinstance(d, Dispatcher)]


def test_kernel_functions_are_cached_on_disk():
    # cache=True on every kernel, so a second process loads instead of compiling.
    kernels = _dispatchers(cashflow) + _dispatchers(irr)
    names = {k.__name__ for k in kernels}
    assert {"simulate", "_line_block", "_load", "_effect", "irr", "_solve", "_npv3"} <= names
    for kernel in kernels:
        assert type(kernel._cache).__name__ == "FunctionCache", kernel.__name__


def test_kernel_cache_is_keyed_on_every_kernel_source(tmp_path):
    """Editing kernel/irr.py or config/schema.py alone must not load a stale cached kernel."""
    digest = jitcache.sources_digest()
    for kernel in _dispatchers(cashflow) + _dispatchers(irr):
        # numba compares this stamp with the one saved beside the cached code.
        assert kernel._cache._cache_file._source_stamp[-1] == digest, kernel.__name__
    # The digest covers each file: a copy with one byte of irr.py changed differs.
    copy = tmp_path / "simulate"
    copy.mkdir()
    for name in jitcache.KERNEL_SOURCES:
        (copy / name).parent.mkdir(exist_ok=True)
        (copy / name).write_bytes((jitcache._PACKAGE / name).read_bytes())
    assert jitcache.sources_digest(copy) == digest
    edited = copy / "kernel" / "irr.py"
    edited.write_text(edited.read_text() + "\n# edited\n")
    assert jitcache.sources_digest(copy) != digest


# A cached function with a caller: loading it must bring in the caller's compiled callee too.
_CACHED_MODULE = """
from numba import njit

@njit(cache=True)
def _half(x):
    return 0.5 * x

@njit(cache=True)
def twice_half(x):
    return _half(x) * 4.0 + x ** 0.5
"""
# Loads twice_half through load_cached, calls it, then compiles a new function in the same
# process (a compile needs numba's full refresh, which load_cached skipped).
_LOAD_CODE = """
import sys
import numba
from simulate.kernel import jitcache
import cached_mod
loaded = jitcache.load_cached(cached_mod.twice_half, (3.0,))
value = cached_mod.twice_half(3.0)
light = "numba.np.arraymath" not in sys.modules  # numba's registries were not loaded
fresh = numba.njit(lambda a: a.sum())
import numpy as np
print(loaded, light, repr(value), fresh(np.arange(4.0)))
"""


def _load_in_a_new_process(tmp_path) -> list[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(jitcache._PACKAGE.parent)])}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _LOAD_CODE], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    return done.stdout.split()


def test_load_cached_loads_from_the_cache_without_numbas_full_refresh(tmp_path):
    (tmp_path / "cached_mod.py").write_text(_CACHED_MODULE)
    expected = repr(0.5 * 3.0 * 4.0 + 3.0**0.5)
    # An empty cache: nothing to load (False), so the call compiles and saves as before.
    assert _load_in_a_new_process(tmp_path) == ["False", "False", expected, "6.0"]
    # The next process loads it without numba's registries (no numba.np.arraymath), gets the
    # same value and can still compile a new function afterwards.
    assert _load_in_a_new_process(tmp_path) == ["True", "True", expected, "6.0"]


def test_load_cached_declines_what_it_cannot_load():
    uncached = numba.njit(lambda x: x + 1.0)  # no on-disk cache
    assert jitcache.load_cached(uncached, (1.0,)) is False
    assert uncached(1.0) == 2.0
    uncached_twice = numba.njit(lambda x: x + 2.0)
    uncached_twice(1.0)
    assert jitcache.load_cached(uncached_twice, (1.0,)) is True  # already compiled


def test_collector_paused_turns_the_collector_off_and_back_as_it_was():
    import gc

    assert gc.isenabled()
    with jitcache.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), jitcache.collector_paused():
        raise RuntimeError("a failed compile")
    assert gc.isenabled()
    gc.disable()
    try:
        with jitcache.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before: off after
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0  # a process that froze nothing: nothing frozen


def test_a_process_that_froze_its_objects_leaves_a_compiles_objects_to_the_os():
    import gc

    code = (
        "import gc\n"
        "from simulate.kernel import jitcache\n"
        "gc.freeze()\n"
        "before = gc.get_freeze_count()\n"
        "with jitcache.collector_paused():\n"
        "    made = [[i] for i in range(5000)]\n"
        "print(gc.get_freeze_count() - before >= 5000, gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=jitcache._PACKAGE.parent)  # fmt: skip
    assert done.stdout.split() == ["True", "True"]
    assert gc.get_freeze_count() == 0  # this process froze nothing


def test_a_kernel_not_in_the_cache_is_compiled_with_the_collector_paused():
    import gc

    paused = []

    @numba.njit
    def fill(out, start, stop):  # no on-disk cache: load_cached declines, run_groups compiles
        for i in range(start, stop):
            out[i] = 2.0 * i

    def compile_and_note(sig, compile=fill.compile):
        paused.append(not gc.isenabled())
        return compile(sig)

    fill.compile = compile_and_note
    out = np.zeros(40)
    launch.run_groups(fill, (out,), 40, 40)
    assert paused == [True] and gc.isenabled()
    assert out.tolist() == [2.0 * i for i in range(40)]


def test_the_first_kernel_call_of_a_run_skips_numbas_full_refresh():
    """A run's kernel comes from the cache through load_cached, with the same results as
    numba's own first call (the pinned digests check the numbers themselves)."""
    code = (
        "import hashlib, sys\n"
        "import simulate\n"
        "from simulate import engine\n"
        "from simulate.kernel import jitcache\n"
        "if sys.argv[1] == 'numba':\n"
        "    jitcache.load_cached = lambda kernel, args: False\n"
        "model = simulate.load_config('configs/omnichannel.yaml')\n"
        "r = engine.run(model, trials=5000, seed=3)\n"
        "digest = hashlib.sha256(b''.join(a.tobytes() for a in r.outputs().values()))\n"
        "print(digest.hexdigest(), 'numba.np.arraymath' in sys.modules)\n"
    )
    root = jitcache._PACKAGE.parent
    # The kernel in numba's cache, whatever ran before (this process compiles it if not).
    tabled = model_from_dict(TABLED)
    evaluate(tabled, np.full((len(tabled.inputs), 4), 0.05))
    engine_run = [sys.executable, "-c", code]
    ours = subprocess.run([*engine_run, "ours"], capture_output=True, text=True, check=True,
                          cwd=root).stdout.split()  # fmt: skip
    theirs = subprocess.run([*engine_run, "numba"], capture_output=True, text=True, check=True,
                            cwd=root).stdout.split()  # fmt: skip
    assert ours[1] == "False" and theirs[1] == "True"
    assert ours[0] == theirs[0]


def test_kernel_threads_reads_numba_threads_without_loading_the_threading_layer():
    code = (
        "import numba\n"
        "from numba.np.ufunc import parallel\n"
        "from simulate.kernel import launch\n"
        "n = launch.kernel_threads()\n"
        "print(n == numba.config.NUMBA_NUM_THREADS, parallel._is_initialized)\n"
        "numba.set_num_threads(1)\n"
        "print(launch.kernel_threads())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "1"]


# -- announcing a cold compile ----------------------------------------------------------------


def test_an_empty_numba_cache_is_cold_and_checking_compiles_nothing(tmp_path):
    code = (
        "from simulate.kernel import announce, cashflow\n"
        "print(announce.cache_is_cold(), len(cashflow.simulate.signatures))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["True", "0"]
    assert not list(tmp_path.rglob("*.nbi"))  # nothing written either


def test_a_cache_the_kernel_was_loaded_from_or_saved_to_is_warm():
    model = model_from_dict(TABLED)
    evaluate(model, np.full((len(model.inputs), 3), 0.05))  # loads, or compiles and saves
    assert not announce.cache_is_cold()


@pytest.mark.parametrize("missing", ["_line_block", "irr"])
def test_a_cache_without_one_of_the_kernels_callees_is_cold(missing, monkeypatch):
    # The kernel cached but a callee not (an interrupted first run): the next run compiles.
    model = model_from_dict(TABLED)
    evaluate(model, np.full((len(model.inputs), 3), 0.05))
    function = {"_line_block": cashflow._line_block, "irr": irr.irr}[missing]
    monkeypatch.setattr(function._cache._cache_file, "_load_index", dict)
    assert announce.cache_is_cold()


class _Terminal(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("cold", "tty", "quiet", "printed"),
    [
        (True, True, False, True),
        (True, True, True, False),  # --quiet
        (True, False, False, False),  # a pipe or a log file
        (False, True, False, False),  # the cache is warm
    ],
)
def test_the_compile_notice_is_one_line_on_a_terminal_before_a_cold_compile(
    monkeypatch, cold, tty, quiet, printed
):
    monkeypatch.setattr(announce, "cache_is_cold", lambda: cold)
    stream = _Terminal(tty)
    assert announce.announce_compile(quiet, stream) is printed
    assert stream.getvalue() == (announce.COMPILE_NOTICE + "\n" if printed else "")


def test_the_kernels_callees_are_first_class_functions_of_one_signature():
    # The kernel calls _line_block and irr through pointers (jitcache.FirstClass): each
    # is its compiled code for the signature the kernel calls it with, loaded once.
    for callee, function in ((cashflow.LINE_FUNCTION, cashflow._line_block),
                             (cashflow.IRR_FUNCTION, irr.irr)):  # fmt: skip
        assert callee.function is function
        assert tuple(callee.signature().args) == callee.args
        address = callee.load()
        assert address > 0 and callee.load() == address
        cres = function.overloads[callee.args]
        assert address == cres.library.get_pointer_to_function(cres.fndesc.llvm_cfunc_wrapper_name)
    assert cashflow.CALLEES == (cashflow.LINE_FUNCTION, cashflow.IRR_FUNCTION)


def _twice(x):
    return 2.0 * x


def _twice_as_int(x):
    return int(2.0 * x)


def test_a_first_class_callee_compiles_on_a_cache_miss_and_loads_after(monkeypatch, tmp_path):
    # jitcache.compiled: a miss compiles (and numba saves it); a new dispatcher of the
    # same function then loads it from the cache instead of compiling.
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    args = (numba.types.float64,)
    first = numba.njit(cache=True, error_model="numpy")(_twice)
    assert jitcache.FirstClass(first, numba.types.float64, args).load() > 0
    assert first.stats.cache_misses[args] == 1 and list(tmp_path.rglob("*.nbi"))
    second = numba.njit(cache=True, error_model="numpy")(_twice)
    assert jitcache.FirstClass(second, numba.types.float64, args).load() > 0
    assert second._cache_hits[args] == 1 and not second.stats.cache_misses


def test_a_first_class_callee_must_not_raise_and_must_return_what_it_says():
    # Through a C wrapper an exception would be printed and lost: numpy's error model only.
    with pytest.raises(ValueError, match="error_model='numpy'"):
        jitcache.FirstClass(numba.njit(_twice), numba.types.float64, (numba.types.float64,))
    as_int = numba.njit(cache=False, error_model="numpy")(_twice_as_int)
    callee = jitcache.FirstClass(as_int, numba.types.float64, (numba.types.float64,))
    with pytest.raises(TypeError, match="returns int64, not float64"):
        callee.load()
