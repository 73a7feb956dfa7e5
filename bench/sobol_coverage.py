"""How honest the Sobol' intervals are: coverage, width and spread over many seeds.

    python -m bench.sobol_coverage linear                       # closed form, 200 seeds
    python -m bench.sobol_coverage product --seeds 200
    python -m bench.sobol_coverage configs/omnichannel.yaml --seeds 100 --reference-n 1048576
    python -m bench.sobol_coverage omnichannel-capped --seeds 200
    python -m bench.sobol_coverage linear --replicates 4,8,16,32 --n-base 8192

Run from the repository root. No timings: every figure is a statistic of the
estimates. For each replicate count R (``--replicates``), each seed runs the
design of ``sensitivity.sobol`` (R independently scrambled replicates,
``n_base * (k + 2)`` evaluations) and records, for every input's S1 and ST,

- the estimate from every row ("pooled") and the mean of the R replicates'
  own estimates ("mean", what ``sobol`` reports);
- the half-width ``t(R - 1) s / sqrt(R)`` and whether the interval about
  each estimate holds the true index.

The true indices are closed forms for the two built-in models (``linear``:
NPV = 12 (x1 + x2 + x3) - cost, a normal (bounded at 0, 8 sd away: its
truncation moves no digit shown), a uniform and a triangular amount;
``product``: a conversion line whose leads and lift are both uncertain, so NPV
has an x1 * x2 interaction, plus a normal recurring amount), and for a config
file (or ``omnichannel-capped``, below) the estimate of one run with
``--reference-n`` base samples (its own half-widths are printed: they should
be far below the ones measured).

Printed per R, for the interval about each estimator ("pooled" and "mean"):
coverage of the 95% intervals (over inputs and over S1 and ST, then the
lowest, with its index, and highest of any one index); ``width``, the
median over the indices of the mean half-width over 1.96 x the estimates' sd
across seeds (1 is an interval as wide as the spread it should describe);
the estimator's root mean square error, bias and sd about the truth (means
over the indices, S1 then ST); and, with ``--single``, the sd of one
scrambled sequence of ``n_base`` rows (the design before replicates: the
precision the replicates give up).
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

# the toy models with closed-form indices, shared with the tests
from tests.oracles.sobol_toys import linear_config, linear_truth, product_config, product_truth

from . import _common


def capped_omnichannel() -> dict:
    """configs/omnichannel.yaml with its conversion lift's metalog given ``max: 1``.

    Bounded at 0 only, the metalog's upper tail falls as ``p ** -0.3`` (its
    quantile at ``1 - p``): NPV then has no finite fourth moment, and no
    estimate of a variance share has a finite variance. Capped at a 100%
    relative lift it has every moment; the other inputs are as written.
    """
    import yaml

    cfg = yaml.safe_load((_common.CONFIGS / "omnichannel.yaml").read_text())
    cfg["priors"]["conversion_lift"]["max"] = 1.0
    return cfg


def one_seed(model, n_base: int, replicates: int, seed: int, tables) -> dict:
    """Pooled and mean-of-replicates estimates, and half-widths, of S1 and ST (each (k,))."""
    from simulate.seeds import as_seed_sequence
    from simulate.sensitivity import saltelli as sl

    design_seed, _ = as_seed_sequence(seed).spawn(2)
    sizes = sl.replicate_sizes(n_base, replicates)
    xa, xb, _ = sl.saltelli_design(model, n_base, design_seed, replicates=replicates)
    replicate = np.repeat(np.arange(len(sizes)), sizes)
    outputs = sl._design_outputs(model, xa, xb, "npv", tables)
    ya, yb, yab, replicate = sl._usable(model, outputs, replicate, "npv", [])
    s1, st = sl._jansen(ya, yb, yab)
    r1, rt = sl._replicate_estimates(ya, yb, yab, replicate)
    _, _, c1, ct = sl._replicate_indices(ya, yb, yab, replicate, 0.95)
    return {"S1": s1, "ST": st, "S1_mean": r1.mean(0), "ST_mean": rt.mean(0),
            "S1_conf": c1, "ST_conf": ct, "R": len(sizes)}  # fmt: skip


def single_scramble(model, n_base: int, seed: int, tables) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST from one scrambled sequence of ``n_base`` rows (the design before replicates)."""
    from scipy.stats import qmc

    from simulate.sampling import ppf_matrix
    from simulate.seeds import as_seed_sequence
    from simulate.sensitivity import saltelli as sl

    k = len(model.inputs)
    design_seed, _ = as_seed_sequence(seed).spawn(2)
    engine = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(design_seed))
    u = engine.random_base2(n_base.bit_length() - 1)
    xa, xb = ppf_matrix(model, u[:, :k].T), ppf_matrix(model, u[:, k:].T)
    ya, yb, yab, _ = sl._usable(model, sl._design_outputs(model, xa, xb, "npv", tables),
                                np.zeros(n_base, int), "npv", [])  # fmt: skip
    return sl._jansen(ya, yb, yab)


def reference(model, n: int, tables) -> dict[str, tuple[float, float]]:
    """S1, ST of one run with ``n`` base samples, as ``sobol`` gives them (half-widths printed)."""
    r = one_seed(model, n, 16, _common.SEED + 1, tables)
    names = [inp.name for inp in model.inputs]
    print(f"reference: n_base {n:,}, 16 replicates; widest half-width "
          f"S1 {np.nanmax(r['S1_conf']):.2e}, ST {np.nanmax(r['ST_conf']):.2e}")  # fmt: skip
    return {name: (r["S1_mean"][j], r["ST_mean"][j]) for j, name in enumerate(names)}


def measure(model, truth, n_base: int, replicates: int, seeds: range, tables) -> dict:
    """Coverage, width and error of the intervals about each estimator, over ``seeds``."""
    names = [inp.name for inp in model.inputs]
    true = {"S1": np.array([truth[n][0] for n in names]),
            "ST": np.array([truth[n][1] for n in names])}  # fmt: skip
    runs = [one_seed(model, n_base, replicates, s, tables) for s in seeds]
    out = {"R": runs[0]["R"]}
    for label, suffix in (("pooled", ""), ("mean", "_mean")):
        covered, widths, errors = [], [], []
        for key in ("S1", "ST"):
            est = np.array([r[key + suffix] for r in runs])  # (seeds, k)
            conf = np.array([r[f"{key}_conf"] for r in runs])
            covered.append(np.abs(est - true[key]) <= conf)
            widths.append(conf.mean(axis=0) / (1.96 * est.std(axis=0, ddof=1)))
            err = est - true[key]
            errors.append((np.sqrt((err**2).mean(axis=0)), np.abs(err.mean(axis=0)),
                           est.std(axis=0, ddof=1)))  # fmt: skip
        hits = np.concatenate(covered, axis=1)  # (seeds, 2k)
        by_index = hits.mean(axis=0)
        worst = int(by_index.argmin())
        out[label] = {
            "coverage": float(hits.mean()),
            "coverage_S1": float(covered[0].mean()),
            "coverage_ST": float(covered[1].mean()),
            "coverage_min": float(by_index.min()),
            "coverage_max": float(by_index.max()),
            "worst": f"{('S1', 'ST')[worst // len(names)]} {names[worst % len(names)]}",
            "width_S1": float(np.median(widths[0])),
            "width_ST": float(np.median(widths[1])),
            "rmse": [float(e[0].mean()) for e in errors],
            "bias": [float(e[1].mean()) for e in errors],
            "sd": [float(e[2].mean()) for e in errors],
        }
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", help="linear, product, omnichannel-capped or a config file")
    p.add_argument("--n-base", type=int, default=1 << 13)
    p.add_argument("--replicates", default="16", help="comma-separated replicate counts")
    p.add_argument("--seeds", type=int, default=200, help="seeds 0, 1, ..., SEEDS - 1")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--reference-n", type=int, default=1 << 20)
    p.add_argument("--single", action="store_true", help="also one scramble of n_base rows")
    args = p.parse_args(argv)

    from simulate import load_config
    from simulate.config import model_from_dict
    from simulate.kernel.tables import kernel_tables

    if args.model == "linear":
        model, truth = model_from_dict(linear_config()), linear_truth()
    elif args.model == "product":
        model, truth = model_from_dict(product_config()), product_truth()
    elif args.model == "omnichannel-capped":
        model, truth = model_from_dict(capped_omnichannel()), None
    else:
        model = load_config(args.model)
        truth = None
    tables = kernel_tables(model)
    if truth is None:
        truth = reference(model, args.reference_n, tables)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"{args.model}: {len(model.inputs)} inputs, n_base {args.n_base:,}, "
          f"seeds {seeds.start}..{seeds.stop - 1}")  # fmt: skip
    print("  true S1, ST: " + ", ".join(f"{n} {a:.4f} {b:.4f}" for n, (a, b) in truth.items()))
    if args.single:
        est = [single_scramble(model, args.n_base, s, tables) for s in seeds]
        sd1 = np.array([e[0] for e in est]).std(axis=0, ddof=1).mean()
        sdt = np.array([e[1] for e in est]).std(axis=0, ddof=1).mean()
        print(f"  one scramble of {args.n_base:,} rows: sd S1 {sd1:.2e}, ST {sdt:.2e}")
    binom = 3 * math.sqrt(0.95 * 0.05 / len(seeds))
    print(
        f"  (95% +- 3 binomial se at {len(seeds)} seeds: {0.95 - binom:.1%} to {0.95 + binom:.1%})"
    )
    for r in (int(x) for x in args.replicates.split(",")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = measure(model, truth, args.n_base, r, seeds, tables)
        for label in ("pooled", "mean"):
            e = m[label]
            print(f"  R = {m['R']:>2}, {label:6}: coverage {e['coverage']:.1%} (S1 "
                  f"{e['coverage_S1']:.1%}, ST {e['coverage_ST']:.1%}; each index "
                  f"{e['coverage_min']:.1%} ({e['worst']})-{e['coverage_max']:.1%}); width "
                  f"S1 {e['width_S1']:.2f}, ST {e['width_ST']:.2f}; rmse S1 {e['rmse'][0]:.2e}, "
                  f"ST {e['rmse'][1]:.2e}; bias {e['bias'][0]:.1e}, {e['bias'][1]:.1e}; "
                  f"sd {e['sd'][0]:.2e}, {e['sd'][1]:.2e}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
