"""Time ``simulate.kernel.irr.irr`` against an older version of the same file.

    python -m bench.irr                       # 200k flows of 60 months, old = HEAD
    python -m bench.irr --old d7b54de --trials 200000 --horizon 60 --repeat 7

Run from the repository root. The old version is ``git show
REV:simulate/kernel/irr.py`` (``simulate/_irr.py`` for revisions before the
package was laid out by stage) written to a file under the temp dir (named
by its hash, so numba's cache is reused across runs) and imported as a
module. Both versions are called once per row from the same small njit
driver, so the figures are per-trial costs as the kernel sees them.

Printed: µs per trial for old and new (one thread; the two take turns), as
the sum over batches of 1000 rows of each batch's best of ``--repeat`` (the
steadier figure on a shared machine) and as the best whole pass; the ratios;
the number of rows NaN in one but not the other (must be 0); and the largest
difference in annualised IRR, absolute and relative to max(|irr|, 1).

Once the fast solver is committed, HEAD is the new one: time against the
bracketed-Newton solver with ``--old d7b54de`` (the tests hold the new one
to that solver too, ``tests/oracles/old_irr.py``).

The flows: an up-front cost (spread over 1-3 months), a benefit that starts
after a lag and ramps (s-curve) to a level, recurring costs, multiplicative
noise, and, in some rows, a second investment or a benefit that decays. Most
rows are conventional (one sign change); noise gives some Norstrom and some
NaN rows. The machine may be shared: take the best of several repeats, and
compare figures only from the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from simulate.kernel import irr as new_irr

from . import _common

# Where the solver has lived: first the path of today's layout.
SOLVER_PATHS = ("simulate/kernel/irr.py", "simulate/_irr.py")
# Lines that key numba's cache on the package's files (jitcache): only
# meaningful inside the package, so dropped from a copy loaded on its own.
_PACKAGE_ONLY = (
    "from .jitcache import key_on_sources",
    "from ._jitcache import key_on_sources",
    "key_on_sources(globals())",
)


def _git_show(rev: str) -> str:
    """The solver's source at revision ``rev``, wherever it was then."""
    for path in SOLVER_PATHS:
        done = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=_common.ROOT, capture_output=True, text=True
        )
        if done.returncode == 0:
            return done.stdout
    raise SystemExit(f"no IRR solver at {rev} (looked for {', '.join(SOLVER_PATHS)})")


def _standalone(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line not in _PACKAGE_ONLY)


def load_old(rev: str):
    """Import the IRR solver as of git revision ``rev`` as a module."""
    text = _standalone(_git_show(rev))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "simulate_bench_irr" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"irr_{digest}.py"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"irr_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's cache finds the module by name
    spec.loader.exec_module(module)
    return module, text


def realistic_flows(n: int, horizon: int, seed: int) -> np.ndarray:
    """``(n, horizon + 1)`` monthly net cash flows of CX-investment-like trials."""
    rng = np.random.default_rng(seed)
    T1 = horizon + 1
    m = np.arange(T1, dtype=float)
    upfront = rng.uniform(2e5, 2e6, n)
    spread = rng.integers(1, 4, n)  # up-front cost paid over 1-3 months
    cost = np.where(m < spread[:, None], (upfront / spread)[:, None], 0.0)
    cost += np.where(m >= 1, rng.uniform(5e3, 4e4, n)[:, None], 0.0)  # licences, team
    lag = rng.uniform(0, 12, n)[:, None]
    ramp = rng.uniform(2, 18, n)[:, None]
    level = rng.lognormal(np.log(1.5e5), 0.6, n)[:, None]
    ben = level / (1.0 + np.exp(-(m - lag - ramp / 2) / (ramp / 8)))  # s-curve
    decay = np.where(rng.random(n) < 0.2, rng.uniform(0, 0.03, n), 0.0)[:, None]
    ben *= np.exp(-decay * np.maximum(m - lag, 0.0))
    ben *= np.maximum(1.0 + rng.normal(0, 0.08, (n, T1)), 0.0)
    second = rng.random(n) < 0.1  # a refresh investment in some trials
    at = rng.integers(T1 // 3, T1, n)
    cost[second, at[second]] += upfront[second] * rng.uniform(0.2, 1.0, second.sum())
    return ben - cost


@numba.njit(cache=False)  # a closure over the dispatcher; compiles in under a second
def _drive_old(cf, cum, out):
    for t in range(cf.shape[0]):
        out[t] = _old_irr(cf[t], cum[t])


@numba.njit(cache=False)
def _drive_new(cf, cum, out):
    for t in range(cf.shape[0]):
        out[t] = _new_irr(cf[t], cum[t])


def best_times(drives, cf, cum, outs, repeat: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Seconds per driver: (sum over batches of the best time of each batch,
    best time of one pass over all rows).

    The drivers take turns on each batch of ``batch`` rows, ``repeat`` times.
    A batch takes well under a millisecond, so on a shared machine most are
    timed at least once without being preempted: the sum of per-batch bests
    is the steadier figure. The rows of a batch are in cache, as they are in
    the kernel, which calls irr right after computing the flows.
    """
    for drive, out in zip(drives, outs, strict=True):
        drive(cf[:8], cum[:8], out[:8])  # compile / load from cache
    n = cf.shape[0]
    starts = range(0, n, batch)
    per_batch = np.full((len(drives), len(starts)), np.inf)
    whole = np.full(len(drives), np.inf)
    for _ in range(repeat):
        for i, drive in enumerate(drives):
            t0 = time.perf_counter()
            drive(cf, cum, outs[i])
            whole[i] = min(whole[i], time.perf_counter() - t0)
        for j, a in enumerate(starts):
            rows = slice(a, a + batch)
            for i, drive in enumerate(drives):
                t0 = time.perf_counter()
                drive(cf[rows], cum[rows], outs[i][rows])
                per_batch[i, j] = min(per_batch[i, j], time.perf_counter() - t0)
    return per_batch.sum(axis=1), whole


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="HEAD", help="git revision of the old solver")
    parser.add_argument("--trials", type=int, default=200_000)
    parser.add_argument("--horizon", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, default=1000, help="rows per timed batch")
    parser.add_argument("--seed", type=int, default=_common.SEED)
    args = parser.parse_args(argv)

    old_module, old_text = load_old(args.old)
    if old_text == _standalone(Path(new_irr.__file__).read_text(encoding="utf-8")):
        print(f"note: {SOLVER_PATHS[0]} is the same as at {args.old}; try --old d7b54de")
    global _old_irr, _new_irr
    _old_irr, _new_irr = old_module.irr, new_irr.irr

    cf = realistic_flows(args.trials, args.horizon, args.seed)
    cum = np.cumsum(cf, axis=1)
    out_old = np.empty(args.trials)
    out_new = np.empty(args.trials)
    (old_s, new_s), (old_whole, new_whole) = best_times(
        (_drive_old, _drive_new), cf, cum, (out_old, out_new), args.repeat, args.batch
    )

    nan_old, nan_new = np.isnan(out_old), np.isnan(out_new)
    both = ~nan_old & ~nan_new
    diff = np.abs(out_new[both] - out_old[both])
    rel = diff / np.maximum(np.abs(out_old[both]), 1.0)
    q = np.quantile(out_old[both], [0.01, 0.5, 0.99]) if both.any() else [np.nan] * 3
    print(
        f"{args.trials} flows, horizon {args.horizon} months, old = {args.old}, best of {args.repeat}"
    )
    print(f"  conventional {np.mean([(np.diff(np.sign(r[r != 0])) != 0).sum() == 1 for r in cf[:20000]]):.1%}"
          f" (of the first 20k), NaN {nan_old.mean():.2%}, annual IRR 1/50/99%: "
          f"{q[0]:.3g} / {q[1]:.3g} / {q[2]:.3g}")  # fmt: skip
    us = 1e6 / args.trials
    print(f"  µs/trial     batches of {args.batch}   whole pass")
    print(f"  old      {old_s * us:14.3f} {old_whole * us:12.3f}")
    print(f"  new      {new_s * us:14.3f} {new_whole * us:12.3f}")
    print(f"  old/new  {old_s / new_s:13.2f}x {old_whole / new_whole:11.2f}x")
    print(f"  NaN rows differ: {int((nan_old != nan_new).sum())}")
    if both.any():
        print(
            f"  max |new - old| annual IRR {diff.max():.3g}; relative to max(|irr|, 1) {rel.max():.3g}"
        )


_old_irr = _new_irr = None

if __name__ == "__main__":
    main()
