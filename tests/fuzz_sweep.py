"""Sweep thousands of mutated configs (:mod:`fuzzing`) and group what breaks the contract.

Each failure is grouped by exception type and the innermost line of the
``simulate`` package that raised it (or, for a broken contract, the
assertion's first words); the smallest case of each group is printed, and
written to ``--save DIR`` when given::

    PYTHONPATH=. python tests/fuzz_sweep.py --cases 5000 --seed 4 --save /tmp/classes
    PYTHONPATH=. python tests/fuzz_sweep.py --cases 3000 --semantic   # no tags, aliases, merges
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from fuzzing import (
    MUTATIONS,
    ROOT,
    SEMANTIC,
    Case,
    Hang,
    RandomChooser,
    check_case,
    make_case,
    time_limit,
)


def raising_place(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame in the simulate package, else the last."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/simulate/" in f.filename]
    f = (ours or frames)[-1]
    name = f.filename.split("/simulate/")[-1] if "/simulate/" in f.filename else f.filename
    where = f"simulate/{name}" if ours else name
    return f"{where}:{f.lineno} in {f.name}"


def sweep(
    cases: int, seed: int, folder: Path, mutations: list[Callable], limit: float = 20.0
) -> dict[tuple, list[Case]]:
    """Run ``cases`` random cases; failures by (exception type, raising place)."""
    rng = random.Random(seed)
    failures: dict[tuple, list[Case]] = {}
    for i in range(cases):
        case = make_case(RandomChooser(rng), mutations)
        try:
            with time_limit(limit):
                check_case(case, folder)
        except (Exception, Hang) as exc:
            first = str(exc).splitlines()[0][:160] if str(exc) else ""
            if isinstance(exc, AssertionError):
                key = ("AssertionError", first.split(" (first")[0][:90], raising_place(exc))
            else:
                key = (type(exc).__name__, raising_place(exc), "")
            failures.setdefault(key, []).append(case)
        if (i + 1) % 500 == 0:
            print(f"{i + 1} cases, {sum(map(len, failures.values()))} failing", file=sys.stderr)
    return failures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Sweep mutated configs; group the failures.")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--semantic", action="store_true", help="no tags, aliases or merge keys")
    parser.add_argument("--save", type=Path, help="write the smallest case of each class here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        failures = sweep(args.cases, args.seed, Path(tmp), SEMANTIC if args.semantic else MUTATIONS)
    bad = sum(map(len, failures.values()))
    print(f"{args.cases} cases: {args.cases - bad} kept the contract, {bad} did not")
    for key, found in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        smallest = min(found, key=lambda c: len(c.text))
        print(f"\n== {len(found)} x {' | '.join(k for k in key if k)}")
        print(f"   smallest: {smallest.describe().splitlines()[0][:400]}")
        if args.save:
            name = "_".join(k for k in key if k)[:80].replace("/", "_").replace(" ", "_")
            (args.save / f"{name}.yaml").write_text(smallest.describe(), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the checkout's simulate package
    sys.exit(main(sys.argv[1:]))
