"""Wall time of ``simulate batch`` against the same runs made one by one.

    python -m bench.batch                      # configs/, 2 workers, figures on
    python -m bench.batch configs/portfolio --workers 2 --repeat 3 --no-figures

Run from the repository root. For PATH (default ``configs/``) it times, as separate commands (each a fresh
Python, as a user would type them):

1. ``simulate batch PATH --workers 1``;
2. ``simulate batch PATH --workers N``;
3. one ``simulate run CONFIG [--scenario S] --seed SEED`` per batch row, with
   the seed the batch recorded, summed; each run's summary.json is checked
   against the batch's (they must be identical).

It prints the figures, the sum of the per-item times measured inside the
batch (compute without start-up), the number of cores and the load average
(other work on the machine slows every figure). With ``--repeat`` each
command runs that many times and the fastest is kept. Timings are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import _common


def _simulate(*argv: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "simulate", *argv],
        cwd=_common.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2):  # 2: some config in PATH is invalid (reported)
        sys.exit(f"simulate {' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="configs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", default="1", help="the batch's root seed (default 1)")
    parser.add_argument("--trials", help="trials for every run (default: each config's)")
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args()
    common = ["--seed", args.seed, "--quiet"]
    if args.trials:
        common += ["--trials", args.trials]
    if args.no_figures:
        common.append("--no-figures")

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        # compile the kernel once, outside the timings
        _simulate("run", "configs/lead_conversion.yaml", "--trials", "100", "--out",
                  str(tmp / "warm"), "--quiet", "--no-figures")  # fmt: skip
        load_before = _common.load_average()
        modes = list(dict.fromkeys((1, args.workers)))
        walls = {w: math.inf for w in modes}
        singles_each: dict[str, float] = {}
        rows: list[dict] = []
        for _ in range(args.repeat):  # interleaved, so that a busy spell hits every mode
            for workers in modes:
                argv = ["batch", args.path, "--out", str(tmp / f"w{workers}")]
                argv += ["--workers", str(workers), *common]
                walls[workers] = min(walls[workers], _simulate(*argv))
            doc = json.loads((tmp / "w1" / "batch_summary.json").read_text())
            rows = [r for r in doc["rows"] if r["status"] == "ok"]
            for r in rows:
                argv = ["run", r["config"], "--seed", str(r["seed"]), "--out", str(tmp / "single")]
                argv += ["--quiet"] + (["--scenario", r["scenario"]] if r["scenario"] else [])
                argv += ["--trials", args.trials] if args.trials else []
                argv += ["--no-figures"] if args.no_figures else []
                key = r["result_dir"]
                singles_each[key] = min(singles_each.get(key, math.inf), _simulate(*argv))
        singles = sum(singles_each.values())
        inside = sum(r["seconds"] for r in rows)
        for r in rows:
            stem = Path(r["result_dir"]).name
            for w in walls:
                batch_json = (tmp / f"w{w}" / stem / "summary.json").read_bytes()
                if batch_json != (tmp / "single" / stem / "summary.json").read_bytes():
                    sys.exit(f"{stem}: the batch's summary.json differs from the single run's")

    print(f"simulate batch {args.path}: {len(rows)} runs ({doc['failed']} failed config rows), "
          f"{os.cpu_count()} cores, 1-minute load average {load_before:.1f} before and "
          f"{_common.load_average():.1f} after; fastest of {args.repeat}")  # fmt: skip
    print(f"  sum of {len(rows)} single 'simulate run' commands   {singles:8.1f} s")
    print(f"  sum of the runs' own times (inside the batch) {inside:8.1f} s")
    for w, wall in walls.items():
        print(f"  simulate batch --workers {w:<2}                  {wall:8.1f} s  "
              f"({singles / wall:.1f}x faster than the single commands)")  # fmt: skip
    print("  every batch item's summary.json is identical to its single run's")


if __name__ == "__main__":
    main()
