"""Time Sobol' sensitivity analysis (Saltelli design, Jansen estimators, bootstrap).

    python bench/sobol.py                                  # omnichannel, 2^14 base samples
    python bench/sobol.py --n-base 65536 --repeat 3 --json /tmp/sobol.json
    python bench/sobol.py configs/contact_center_aht.yaml

What it reports (best of ``--repeat`` wall-clock times, ``time.perf_counter``;
the JIT is warmed first, so no compilation is timed):

a. end to end: ``sensitivity.sobol(model, n_base=N, seed=...)``: the scrambled
   Sobol' design in 2k dimensions, quantile transforms, ``N * (k + 2)`` kernel
   evaluations and 1,000 bootstrap resamples; as wall time and as kernel
   evaluations per second;
b. the kernel alone on the same number of evaluations (``engine.evaluate``
   without IRR), i.e. how much of (a) is the model itself;
c. the design alone (``qmc.Sobol`` + ``sampling.ppf_matrix`` of A and B).

The machine may be shared: the load average before and after is printed;
compare figures only from quiet runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numba
import numpy as np
from scipy.stats import qmc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's simulate, as the tests use it

from simulate import sensitivity  # noqa: E402
from simulate.config import load_config  # noqa: E402
from simulate.engine import evaluate, kernel_tables  # noqa: E402
from simulate.sampling import ppf_matrix  # noqa: E402

SEED = 20240601


def best_of(repeat: int, func) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", default=str(ROOT / "configs" / "omnichannel.yaml"))
    p.add_argument("--n-base", type=int, default=1 << 14, help="base samples (default 2^14)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)

    model = load_config(args.config)
    k = len(model.inputs)
    n = args.n_base
    evaluations = n * (k + 2)
    tables = kernel_tables(model)
    load_before = os.getloadavg()

    def full():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sensitivity.SensitivityWarning)  # correlations note
            return sensitivity.sobol(model, n_base=n, seed=SEED, tables=tables)

    with warnings.catch_warnings():  # warm-up: JIT cache, first qmc call
        warnings.simplefilter("ignore", sensitivity.SensitivityWarning)
        sensitivity.sobol(model, n_base=1024, seed=SEED, tables=tables)
    t_full, result = best_of(args.repeat, full)

    x = ppf_matrix(model, np.random.default_rng(SEED).random((k, n)))

    def kernel():
        for _ in range(k + 2):
            evaluate(model, x, with_irr=False, tables=tables)

    t_kernel, _ = best_of(args.repeat, kernel)

    def design():
        u = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(SEED)).random(n)
        return ppf_matrix(model, u[:, :k].T), ppf_matrix(model, u[:, k:].T)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a non-power-of-two n
        t_design, _ = best_of(args.repeat, design)
    load_after = os.getloadavg()

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
        "load_average_before": load_before[0],
        "load_average_after": load_after[0],
    }
    print(f"Sobol' indices of {model.name} ({args.config})")
    print(f"  {k} inputs, {n:,} base samples -> {evaluations:,} kernel evaluations, "
          f"{model.horizon_months}-month horizon, {figures['threads']} numba threads")  # fmt: skip
    print(f"  end to end     {t_full:7.2f} s   {evaluations / t_full:12,.0f} evaluations/s")
    print(f"  kernel only    {t_kernel:7.2f} s   {evaluations / t_kernel:12,.0f} evaluations/s")
    print(f"  design only    {t_design:7.2f} s   (qmc.Sobol + quantile transforms)")
    print(f"  load average   {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    top = result["indices"][:3]
    print("  top by ST      " + ", ".join(f"{r['input']} {r['ST']:.2f}" for r in top))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
