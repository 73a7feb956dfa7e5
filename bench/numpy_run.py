"""The plain numpy model as a whole process: what ``simulate run --no-figures`` does, in numpy.

    python -m bench.numpy_run bench/million.yaml --trials 1000000 --seed 42 --out DIR

Loads the config, draws the trials chunk by chunk exactly as the engine does
(``sampling.iter_chunks``), runs ``tests/oracles/numpy_model.py`` on each
chunk instead of the numba kernel, summarises with the engine's own summary
and writes ``DIR/summary.json``. ``bench/commands.py`` times it against
``simulate run`` for the ratio row; ``tests/test_numpy_baseline.py`` checks
that the numpy model computes the kernel's numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from simulate import engine
from simulate.config import load_config
from simulate.files import write_json
from simulate.sampling import DEFAULT_CHUNK, iter_chunks
from tests.oracles.numpy_model import numpy_simulate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", type=Path)
    p.add_argument("--trials", type=int, default=None, help="default: the config's")
    p.add_argument("--seed", type=int, default=None, help="default: the config's")
    p.add_argument("--out", type=Path, required=True, help="folder for summary.json")
    args = p.parse_args(argv)
    model = load_config(args.config)
    trials = args.trials or model.trials
    seed = model.seed if args.seed is None else args.seed
    tables = engine.kernel_tables(model)
    arrays = {name: np.empty(trials) for name in engine.OUTPUT_NAMES}
    for start, x in iter_chunks(model, trials, seed, model.sampling, DEFAULT_CHUNK):
        out = numpy_simulate(tables, x)
        for name in engine.OUTPUT_NAMES:
            arrays[name][start : start + x.shape[1]] = out[name]
    T1 = model.horizon_months + 1
    result = engine.Result(
        model=model, trials=trials, seed=seed, sampling=model.sampling, chunk_size=DEFAULT_CHUNK,
        **arrays, paths=np.empty((0, T1)), discounted_paths=np.empty((0, T1)),
        line_pv_mean=np.zeros(len(model.lines)),
    )  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "summary.json", result.summary())  # as simulate run writes it
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
