"""The ``simulate`` command: the only place that parses argv and writes to disk.

Exit status: 0 success; 2 invalid config or usage (one line per problem on
stderr, no traceback); 1 an unexpected internal error (loud, with traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import ConfigError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
FORMATS = ("png", "svg", "pdf")


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _formats(text: str) -> tuple[str, ...]:
    items = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"{text!r}: formats are a comma-separated list of {', '.join(FORMATS)}"
        )
    return items


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulate",
        description=(
            "Monte Carlo risk for customer-experience investments: YAML priors on "
            "lift, churn, cost and lag in; NPV, ROI and payback distributions out."
        ),
        epilog="Run 'simulate COMMAND --help' for a command's options. "
        "Start a new config from configs/template.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"simulate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="simulate configs and write summary.json, figures and more",
        description=(
            "Simulate each CONFIG and write OUT/<config>[--<scenario>]/summary.json "
            "(plus figures/, and samples.npz with --save-samples). A short summary "
            "is printed for each. Command-line values override the config's "
            "simulation: block."
        ),
    )
    run.add_argument("configs", nargs="+", metavar="CONFIG", help="YAML config file(s)")
    _add_simulation_options(run)
    run.add_argument(
        "--scenario",
        metavar="NAME",
        help="apply the overrides of scenarios: NAME from the config ('all': each scenario)",
    )
    run.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                     help="where result folders go (default: results/)")  # fmt: skip
    run.add_argument(
        "--save-samples",
        action="store_true",
        help="also write samples.npz: every per-trial output and every input's draws",
    )
    run.add_argument("--no-figures", action="store_true", help="do not draw the charts")
    run.add_argument(
        "--format",
        type=_formats,
        default=("png",),
        metavar="FMT[,FMT]",
        help=f"chart formats, from {', '.join(FORMATS)} (default: png)",
    )
    run.add_argument("--quiet", action="store_true", help="print nothing on success")

    validate = sub.add_parser(
        "validate",
        help="check configs without running them",
        description="Check each CONFIG and report every problem found (exit status 2 if any).",
    )
    validate.add_argument("configs", nargs="+", metavar="CONFIG")
    return parser


def _add_simulation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trials", type=_positive_int, metavar="N", help="number of trials")
    p.add_argument("--seed", type=_seed, metavar="S", help="random seed (a whole number >= 0)")
    p.add_argument(
        "--sampling",
        choices=("random", "lhs", "sobol"),
        help="random (default), lhs (Latin hypercube) or sobol (scrambled Sobol')",
    )


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _report_invalid(exc: ConfigError) -> None:
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def cmd_validate(args) -> int:
    from .config import load_config

    status = EXIT_OK
    for path in args.configs:
        try:
            model = load_config(path)
            for scenario in model.scenarios:
                load_config(path, scenario=scenario)
        except ConfigError as exc:
            _report_invalid(exc)
            status = EXIT_INVALID
            continue
        for w in model.warnings:
            _warn(f"{path}: {w}")
        extra = f", scenarios: {', '.join(model.scenarios)}" if model.scenarios else ""
        print(
            f"{path}: ok ({len(model.benefits)} benefit(s), {len(model.costs)} cost(s), "
            f"{len(model.inputs)} uncertain input(s){extra})"
        )
    return status


def _models_for(path: str, scenario: str | None):
    """The models a ``run`` of ``path`` covers (one per scenario with 'all')."""
    from .config import load_config

    if scenario != "all":
        return [load_config(path, scenario=scenario)]
    base = load_config(path)
    if not base.scenarios:
        raise ConfigError(f"{path}: --scenario all, but the config has no scenarios: block")
    return [load_config(path, scenario=s) for s in base.scenarios]


def cmd_run(args) -> int:
    from .engine import run
    from .report import atomic_dir, summary_text, write_json, write_samples

    status = EXIT_OK
    for path in args.configs:
        try:
            models = _models_for(path, args.scenario)
        except ConfigError as exc:
            _report_invalid(exc)
            status = EXIT_INVALID
            continue
        for model in models:
            for w in model.warnings:
                _warn(f"{path}: {w}")
            sampling = args.sampling or model.sampling
            trials = args.trials or model.trials
            if sampling == "sobol" and trials & (trials - 1):
                _warn(
                    f"{path}: sobol sampling is balanced only for a power-of-two number of "
                    f"trials; {trials:,} is not (e.g. use {1 << (trials.bit_length() - 1):,} "
                    f"or {1 << trials.bit_length():,})"
                )
            result = run(
                model,
                trials=trials,
                seed=args.seed,
                sampling=sampling,
                keep_inputs=args.save_samples,
            )
            summary = result.summary()
            target = args.out / model.stem
            with atomic_dir(target) as tmp:
                write_json(tmp / "summary.json", summary)
                if args.save_samples:
                    write_samples(tmp / "samples.npz", result)
            if not args.quiet:
                print(summary_text(summary, target))
                print()
    return status


COMMANDS = {"run": cmd_run, "validate": cmd_validate}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simulate`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        _report_invalid(exc)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
