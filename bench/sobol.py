"""Time Sobol' sensitivity analysis (Saltelli design in replicates, Jansen estimators).

    python -m bench.sobol                                  # omnichannel, 2^14 base samples
    python -m bench.sobol --n-base 65536 --repeat 3 --json /tmp/sobol.json
    python -m bench.sobol configs/contact_center_aht.yaml

Run from the repository root. What it reports (best of ``--repeat`` wall-clock times, ``time.perf_counter``;
the JIT is warmed first, so no compilation is timed):

a. end to end: ``sensitivity.sobol(model, n_base=N, seed=...)``: the design's
   16 scrambled Sobol' sequences in 2k dimensions, quantile transforms, ``N * (k + 2)`` kernel
   evaluations and the replicates' estimates; as wall time and as kernel
   evaluations per second;
b. the kernel alone on the same number of evaluations (``engine.evaluate``
   without IRR), i.e. how much of (a) is the model itself;
c. the design alone (``saltelli.saltelli_design``: ``qmc.Sobol`` per replicate +
   ``sampling.ppf_matrix`` of A and B).

The machine may be shared: the load average before and after is printed;
compare figures only from quiet runs.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numba
import numpy as np

from simulate import sensitivity
from simulate.engine import evaluate, kernel_tables
from simulate.sampling import ppf_matrix
from simulate.sensitivity.saltelli import saltelli_design

from . import _common


def measure(model, n: int, repeat: int) -> tuple[float, dict, float, float]:
    """Best wall seconds of the analysis (with its result), of the kernel alone and of the design."""
    k = len(model.inputs)
    tables = kernel_tables(model)

    def full():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sensitivity.SensitivityWarning)  # correlations note
            return sensitivity.sobol(model, n_base=n, seed=_common.SEED, tables=tables)

    with warnings.catch_warnings():  # warm-up: JIT cache, first qmc call
        warnings.simplefilter("ignore", sensitivity.SensitivityWarning)
        sensitivity.sobol(model, n_base=1024, seed=_common.SEED, tables=tables)
    analysis = _common.best_of(repeat, full)

    x = ppf_matrix(model, np.random.default_rng(_common.SEED).random((k, n)))

    def kernel():
        for _ in range(k + 2):
            evaluate(model, x, with_irr=False, tables=tables)

    def design():
        return saltelli_design(model, n, np.random.SeedSequence(_common.SEED))

    t_kernel = _common.best_of(repeat, kernel).wall
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a non-power-of-two n
        t_design = _common.best_of(repeat, design).wall
    return analysis.wall, analysis.value, t_kernel, t_design


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", default=str(_common.CONFIGS / "omnichannel.yaml"))
    p.add_argument("--n-base", type=int, default=1 << 14, help="base samples (default 2^14)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)

    model = _common.load_model(args.config)
    k = len(model.inputs)
    n = args.n_base
    evaluations = n * (k + 2)
    load_before = _common.load_average()
    t_full, result, t_kernel, t_design = measure(model, n, args.repeat)
    load_after = _common.load_average()

    figures = {
        "config": str(args.config),
        "inputs": k,
        "n_base": n,
        "evaluations": evaluations,
        "horizon_months": model.horizon_months,
        "threads": numba.get_num_threads(),
        "sobol_seconds": round(t_full, 3),
        "sobol_evaluations_per_second": round(evaluations / t_full),
        "kernel_seconds": round(t_kernel, 3),
        "kernel_evaluations_per_second": round(evaluations / t_kernel),
        "design_seconds": round(t_design, 3),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    print(f"Sobol' indices of {model.name} ({args.config})")
    print(f"  {k} inputs, {n:,} base samples -> {evaluations:,} kernel evaluations, "
          f"{model.horizon_months}-month horizon, {figures['threads']} numba threads")  # fmt: skip
    print(f"  end to end     {t_full:7.2f} s   {evaluations / t_full:12,.0f} evaluations/s")
    print(f"  kernel only    {t_kernel:7.2f} s   {evaluations / t_kernel:12,.0f} evaluations/s")
    print(f"  design only    {t_design:7.2f} s   (qmc.Sobol replicates + quantile transforms)")
    print(f"  load average   {load_before:.2f} before, {load_after:.2f} after")
    top = result["indices"][:3]
    print("  top by ST      " + ", ".join(f"{r['input']} {r['ST']:.2f}" for r in top))
    _common.write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
