"""Time the simulation engine, stage by stage, against a plain numpy baseline.

    python -m bench.engine                       # omnichannel, 60 months, 1M trials
    python -m bench.engine --trials 200000 --repeat 5 --json /tmp/bench.json
    python -m bench.engine --memory              # also 10M trials in a subprocess (peak RSS)

Run from the repository root. What it reports (best of ``--repeat``
wall-clock times, ``time.perf_counter``; the JIT is warmed first, so no
compilation is timed):

a. end to end: ``engine.run(model, trials, seed, keep_inputs=False)`` plus
   ``result.summary()``;
b. the numpy baseline (``tests/oracles/numpy_model.py``) end to end on the
   same draws (sampling + numpy model + summary), and the ratio to (a);
c. stages: sampling without correlations, the Iman-Conover step, the kernel
   without IRR, IRR (kernel with IRR minus without), summary;
d. the floor: ``rng.standard_normal((k, n))`` for k = number of inputs;
e. threads: ``numba.get_num_threads()`` and the kernel at 1..N threads;
f. with ``--memory``: 10M trials through ``run(..., keep_inputs=False)`` and
   ``summary()`` in a fresh process: peak RSS (``ru_maxrss``, and the
   process's own ``VmHWM``) and wall time. It runs first, while this process
   is small, because a child's ``ru_maxrss`` starts at its parent's peak.

The machine may be shared: the load average before and after is printed;
compare figures only from quiet runs. The environment is used as found
(thread counts, OPENBLAS_CORETYPE and so on).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

from . import _common

# --src DIR: time the simulate package in DIR; it must be chosen before the imports below.
SRC = _common.source_dir()
_common.import_simulate_from(SRC)

from simulate import engine, metrics, sampling  # noqa: E402
from simulate.config.correlation import correlation_matrices  # noqa: E402
from tests.oracles.numpy_model import numpy_simulate  # noqa: E402

CPU: dict[str, float] = {}  # best process CPU time of each figure (all threads)


def best_of(repeat: int, fn, name: str | None = None):
    """(best wall time in seconds, the last return value); the best CPU time kept as ``CPU[name]``."""
    timing = _common.best_of(repeat, fn)
    if name:
        CPU[name] = timing.cpu
    return timing.wall, timing.value


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| / max(|b|, 1) over entries finite in both (nan and inf must match)."""
    if not (np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(np.isinf(a), np.isinf(b))):
        return float("inf")
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1.0), initial=0.0))


def result_from(model, arrays: dict, seed: int, chunk: int) -> engine.Result:
    """A Result around per-trial arrays, so the engine's own summary can run on them."""
    T1 = model.horizon_months + 1
    return engine.Result(
        model=model, trials=arrays["npv"].size, seed=seed, sampling="random", chunk_size=chunk,
        **{name: arrays[name] for name in engine.OUTPUT_NAMES},
        paths=np.empty((0, T1)), discounted_paths=np.empty((0, T1)),
        line_pv_mean=np.zeros(len(model.lines)),
    )  # fmt: skip


# ---------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------


def engine_end_to_end(model, trials, seed, chunk):
    result = engine.run(model, trials, seed, keep_inputs=False, chunk_size=chunk)
    result.summary()
    return result


def numpy_end_to_end(model, trials, seed, chunk):
    tables = engine.kernel_tables(model)
    arrays = {name: np.empty(trials) for name in engine.OUTPUT_NAMES}
    for start, x in sampling.iter_chunks(model, trials, seed, "random", chunk):
        out = numpy_simulate(tables, x)
        for name in engine.OUTPUT_NAMES:
            arrays[name][start : start + x.shape[1]] = out[name]
    result = result_from(model, arrays, seed, chunk)
    result.summary()
    return result


def draw_all(model, trials, seed, chunk):
    return [x for _, x in sampling.iter_chunks(model, trials, seed, "random", chunk)]


def iman_conover_all(model, chunks, seed):
    """The correlation step of sampling, on already drawn chunks (as _draw_chunk does it)."""
    if not model.correlations:
        return
    idx = sorted({i for r in model.correlations for i in r[:2]})
    _, target = correlation_matrices(model.correlations)
    children = np.random.SeedSequence(seed).spawn(len(chunks))
    for x, child in zip(chunks, children, strict=True):
        sampling.iman_conover(x[idx], target, np.random.default_rng(child))


def kernel_all(model, chunks, with_irr, tables):
    outs = []
    for c, x in enumerate(chunks):
        n_paths = engine.DEFAULT_PATHS if c == 0 else 0
        outs.append(engine.evaluate(model, x, with_irr=with_irr, n_paths=n_paths, tables=tables))
    return outs


def stages(model, args, tables):
    """End to end, then each stage: (seconds by figure, the run's result, the drawn chunks)."""
    n, seed, chunk, rep = args.trials, args.seed, args.chunk, args.repeat
    fig: dict[str, float] = {}
    fig["engine_end_to_end"], result = best_of(
        rep, lambda: engine_end_to_end(model, n, seed, chunk), "engine_end_to_end"
    )
    no_corr = dataclasses.replace(model, correlations=())
    fig["sampling_no_correlation"], plain = best_of(
        rep, lambda: draw_all(no_corr, n, seed, chunk), "sampling_no_correlation"
    )
    fig["iman_conover"], _ = best_of(
        rep, lambda: iman_conover_all(model, plain, seed), "iman_conover"
    )
    plain = None  # free the uncorrelated draws
    fig["sampling_total"], chunks = best_of(
        rep, lambda: draw_all(model, n, seed, chunk), "sampling_total"
    )
    fig["kernel_no_irr"], _ = best_of(
        rep, lambda: kernel_all(model, chunks, False, tables), "kernel_no_irr"
    )
    fig["kernel_with_irr"], _ = best_of(
        rep, lambda: kernel_all(model, chunks, True, tables), "kernel_with_irr"
    )
    fig["irr"] = fig["kernel_with_irr"] - fig["kernel_no_irr"]
    summary_input = result_from(model, result.outputs(), seed, chunk)
    fig["summary"], _ = best_of(rep, lambda: metrics.summarize(summary_input), "summary")
    k = len(model.inputs)
    fig["floor_standard_normal"], _ = best_of(
        rep, lambda: np.random.default_rng(seed).standard_normal((k, n)), "floor_standard_normal"
    )
    return fig, result, chunks


def by_threads(model, chunks, tables, rep) -> dict:
    """The kernel (with IRR) at 1..N threads, and whether each gives the same answer."""
    threads = numba.get_num_threads()
    seconds, answers = {}, []
    for t in range(1, numba.config.NUMBA_NUM_THREADS + 1):
        numba.set_num_threads(t)
        seconds[t], outs = best_of(rep, lambda: kernel_all(model, chunks, True, tables))
        answers.append(np.concatenate([o.npv for o in outs]))
    numba.set_num_threads(threads)
    return {
        "numba_num_threads": threads,
        "threading_layer": numba.threading_layer(),
        "kernel_with_irr_by_threads": seconds,
        "identical_across_threads": all(np.array_equal(a, answers[0]) for a in answers),
    }


def numpy_baseline(model, args, tables, chunks, fig, result) -> dict:
    """The numpy model end to end on the same draws, and alone; the speed-ups and differences."""
    nrep = args.numpy_repeat or args.repeat
    t_np, np_result = best_of(
        nrep,
        lambda: numpy_end_to_end(model, args.trials, args.seed, args.chunk),
        "numpy_end_to_end",
    )
    t_np_model, _ = best_of(
        nrep, lambda: [numpy_simulate(tables, x) for x in chunks], "numpy_model"
    )
    same = {
        name: max_rel_diff(np_result.outputs()[name], result.outputs()[name])
        for name in engine.OUTPUT_NAMES
    }
    return {
        "numpy_end_to_end": t_np,
        "numpy_model": t_np_model,
        "speedup_end_to_end": t_np / fig["engine_end_to_end"],
        "speedup_model": t_np_model / fig["kernel_with_irr"],
        "max_rel_diff": same,
    }


def memory_child(args) -> None:
    """Run in a fresh process: report peak RSS of a large run as JSON on stdout."""
    model = _common.load_model(args.config, args.horizon)
    engine.run(model, 1000, 1, keep_inputs=False).summary()  # load the cached JIT
    rss_before = _common.peak_rss_mib()
    c0, t0 = time.process_time(), time.perf_counter()
    result = engine.run(model, args.trials, args.seed, keep_inputs=False, chunk_size=args.chunk)
    summary = result.summary()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "trials": args.trials,
        "chunk_size": args.chunk,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": _common.peak_rss_mib(),
        "vm_hwm_mib": _common.vm_hwm_mib(),
        "rss_after_warmup_mib": rss_before,
        "npv_mean": summary["metrics"]["npv"]["mean"],
    }))  # fmt: skip


def memory_run(args, trials: int) -> dict:
    cmd = [
        sys.executable, "-m", "bench.engine", "--memory-child",
        "--config", args.config, "--trials", str(trials), "--seed", str(args.seed),
        "--chunk", str(args.chunk), "--src", str(SRC),
    ]  # fmt: skip
    if args.horizon is not None:
        cmd += ["--horizon", str(args.horizon)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=_common.ROOT, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["process_wall_s"] = time.perf_counter() - t0
    return report


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=1_000_000)
    p.add_argument("--config", default=str(_common.CONFIGS / "omnichannel.yaml"))
    p.add_argument("--horizon", type=int, default=60, help="horizon_months (default 60)")
    p.add_argument("--repeat", type=int, default=3, help="best of this many (default 3)")
    p.add_argument("--numpy-repeat", type=int, default=None,
                   help="repeats of the (slow) numpy baseline (default: --repeat)")  # fmt: skip
    p.add_argument("--seed", type=int, default=_common.SEED)
    p.add_argument("--chunk", type=int, default=sampling.DEFAULT_CHUNK, help="trials per chunk")
    p.add_argument("--no-numpy", action="store_true", help="skip the numpy baseline")
    p.add_argument("--memory", action="store_true", help="also 10M trials in a subprocess")
    p.add_argument("--memory-trials", type=int, default=10_000_000)
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    p.add_argument("--src", type=Path, default=_common.ROOT, metavar="DIR",
                   help="folder holding the simulate package to time (default: this checkout)")  # fmt: skip
    p.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args)
        return 0
    # First, while this process is small: a child's ru_maxrss starts from its
    # parent's peak at fork time (Linux keeps it across exec).
    memory = memory_run(args, args.memory_trials) if args.memory else None
    model = _common.load_model(args.config, args.horizon)
    tables = engine.kernel_tables(model)
    load_before = os.getloadavg()

    # Warm up: load the cached JIT (or compile it) and touch every code path once.
    engine.run(model, 2000, args.seed, keep_inputs=False).summary()
    numpy_simulate(tables, draw_all(model, 2000, args.seed, args.chunk)[0])

    fig, result, chunks = stages(model, args, tables)
    threads = by_threads(model, chunks, tables, args.repeat)
    numpy_fig = {} if args.no_numpy else numpy_baseline(model, args, tables, chunks, fig, result)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "config": args.config,
        "horizon_months": model.horizon_months,
        "trials": args.trials,
        "inputs": len(model.inputs),
        "lines": len(model.lines),
        "seed": args.seed,
        "chunk_size": args.chunk,
        "repeat": args.repeat,
        "seconds": fig,
        "cpu_seconds": dict(CPU),
        "numpy": numpy_fig,
        "threads": threads,
        "memory": memory,
        "source": _common.source_state(SRC, engine.__file__),
        "machine": {
            "nproc": os.cpu_count(),
            "processor": _common.cpu_name(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
    }
    print_report(report)
    _common.write_json(args.json, report)
    return 0


def print_report(r: dict) -> None:
    s, n = r["seconds"], r["trials"]
    floor = s["floor_standard_normal"]
    per_m = 1e6 / n
    print(f"{Path(r['config']).name}, {r['horizon_months']} months, {n:,} trials, "
          f"{r['inputs']} inputs, {r['lines']} lines; chunk {r['chunk_size']:,}, "
          f"best of {r['repeat']}; {r['date']}")  # fmt: skip
    src = r["source"]
    edits = f", {len(src['edited'])} edited file(s) in simulate/" if src.get("edited") else ""
    print(f"simulate from {src['dir']} (commit {src.get('commit', '?')}{edits})")
    print(f"{r['machine']['processor']}, nproc {r['machine']['nproc']}, numba threads "
          f"{r['threads']['numba_num_threads']} ({r['threads']['threading_layer']}); "
          f"load avg {r['machine']['loadavg_before'][0]:.2f} -> "
          f"{r['machine']['loadavg_after'][0]:.2f}")  # fmt: skip
    print()
    cpu = r["cpu_seconds"]
    rows = [
        ("sampling, no correlations", "sampling_no_correlation"),
        ("Iman-Conover correlation", "iman_conover"),
        ("  (sampling total)", "sampling_total"),
        ("kernel, no IRR", "kernel_no_irr"),
        ("IRR (kernel with - without)", "irr"),
        ("  (kernel with IRR)", "kernel_with_irr"),
        ("summary", "summary"),
        ("END TO END run() + summary()", "engine_end_to_end"),
        ("floor: standard_normal((k, n))", "floor_standard_normal"),
    ]
    print(f"{'stage':34s} {'seconds':>9s} {'s per 1M':>9s} {'x floor':>8s} {'CPU s':>8s}")

    def row(label: str, t: float, c: float | None) -> None:
        c_text = f"{c:8.3f}" if c is not None else f"{'':8s}"
        print(f"{label:34s} {t:9.3f} {t * per_m:9.3f} {t / floor:8.1f} {c_text}")

    for label, key in rows:
        row(label, s[key], cpu.get(key))
    stage_sum = s["sampling_total"] + s["kernel_with_irr"] + s["summary"]
    row("  (sum of stages)", stage_sum, None)
    if r["numpy"]:
        q = r["numpy"]
        print()
        row("numpy model (kernel equivalent)", q["numpy_model"], cpu.get("numpy_model"))
        row("numpy END TO END", q["numpy_end_to_end"], cpu.get("numpy_end_to_end"))
        print(f"speed-up over numpy: end to end {q['speedup_end_to_end']:.2f}x, "
              f"model alone {q['speedup_model']:.2f}x (requirement: >= 5x end to end)")  # fmt: skip
        worst = max(q["max_rel_diff"].values())
        print(f"numpy vs engine, same draws: max relative difference {worst:.1e}")
    print_threads_and_memory(r)


def print_threads_and_memory(r: dict) -> None:
    th = r["threads"]
    print()
    for t, sec in th["kernel_with_irr_by_threads"].items():
        print(f"kernel with IRR, {t} thread(s): {sec:.3f} s")
    print(f"identical outputs across thread counts: {th['identical_across_threads']}")
    if r["memory"]:
        m = r["memory"]
        print()
        print(
            f"{m['trials']:,} trials (keep_inputs=False, chunk {m['chunk_size']:,}): "
            f"{m['wall_s']:.2f} s run + summary (CPU {m['cpu_s']:.1f} s); peak RSS "
            f"{m['peak_rss_mib']:.0f} MiB ru_maxrss, {m['vm_hwm_mib']:.0f} MiB VmHWM "
            f"(after import and warm-up {m['rss_after_warmup_mib']:.0f} MiB)"
        )


if __name__ == "__main__":
    sys.exit(main())
