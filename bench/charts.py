"""Time drawing the charts of one run, in process (issue 14: "the standard set well under 2 s").

    python -m bench.charts                    # configs/omnichannel.yaml, 100k trials
    python -m bench.charts CONFIG --trials 20000 --repeat 9

Simulates once, then draws the six standard PNGs (``write_standard``) and the
sensitivity charts (tornado, spider, frontier: ``write_sensitivity_charts``)
into a temporary folder: one untimed warm-up, then ``--repeat`` timed draws
of each. Prints the best and the median wall and CPU time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from simulate.config import load_config
from simulate.engine import run
from simulate.plotting.figures import chart_meta, write_sensitivity_charts, write_standard
from simulate.sensitivity import analyze, tornado


def _timed(draw: Callable[[Path], object], repeat: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for k in range(repeat + 1):
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu = time.perf_counter(), time.process_time()
            draw(Path(folder))
            if k:  # the first draw warms the caches (fonts, text layout)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
    return walls, cpus


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default="configs/omnichannel.yaml")
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    model = load_config(args.config)
    result = run(model, trials=args.trials, seed=model.seed or 0)
    rows = tornado(model)
    sens = analyze(model, result, methods=("tornado", "spider", "frontier"), warn=False)
    meta = chart_meta(model, result)
    draws = {
        "standard (six PNGs)": lambda d: write_standard(d, result, ["png"], rows),
        "sensitivity (tornado, spider, frontier)": lambda d: write_sensitivity_charts(
            d, sens, meta, ["png"]
        ),
    }
    print(f"{args.config}, {args.trials:,} trials; best / median of {args.repeat}")
    for name, draw in draws.items():
        walls, cpus = _timed(draw, args.repeat)
        print(
            f"  {name}: wall {min(walls):.3f} / {statistics.median(walls):.3f} s, "
            f"CPU {min(cpus):.3f} / {statistics.median(cpus):.3f} s"
        )


if __name__ == "__main__":
    main()
