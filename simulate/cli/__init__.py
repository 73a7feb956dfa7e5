"""The ``simulate`` command: the only place that parses argv and writes to disk.

Exit status: 0 success; 2 invalid config or usage (one line per problem on
stderr, no traceback); 1 an unexpected internal error (loud, with traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from ..version import __version__

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
        help="apply the overrides of scenarios: NAME from the config ('all': the config "
        "as written and then each scenario, compared on the same draws)",
    )
    run.add_argument(
        "--save-samples",
        action="store_true",
        help="also write samples.npz: every per-trial output and every input's draws",
    )
    _add_output_options(run)
    run.add_argument(
        "--overlay",
        metavar="FILE",
        help="a reviewer's overrides (YAML: priors:, lines:, horizon_months:, discount_rate:, "
        "targets:) to apply on top; writes OUT/<config>--<overlay>/ with overlay.json: the "
        "change in P(NPV > 0) and NPV, attributed to each override on the same draws",
    )
    run.add_argument(
        "--sensitivity",
        nargs="?",
        const="all",
        type=_sensitivity_methods_arg,
        metavar="METHODS",
        help="also write sensitivity.json (and a spider chart) from the run's samples: "
        "'all' (the default when given bare) or a comma-separated list of "
        "tornado, spider, rank, sobol, breakeven, voi; put it after the CONFIGs or "
        "write --sensitivity=METHODS",
    )

    validate = sub.add_parser(
        "validate",
        help="check configs without running them",
        description="Check each CONFIG and report every problem found (exit status 2 if any).",
    )
    validate.add_argument("configs", nargs="+", metavar="CONFIG")
    _add_sensitivity_parser(sub)
    _add_batch_parser(sub)
    return parser


def _add_output_options(
    p: argparse.ArgumentParser, quiet: str = "print nothing on success"
) -> None:
    """--out, --no-figures, --format and --quiet, as every writing command has them."""
    p.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                   help="where result folders go (default: results/)")  # fmt: skip
    p.add_argument("--no-figures", action="store_true", help="do not draw the charts")
    p.add_argument("--format", type=_formats, default=("png",), metavar="FMT[,FMT]",
                   help=f"chart formats, from {', '.join(FORMATS)} (default: png)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help=quiet)


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
    from ..config import load_config

    status = EXIT_OK
    for path in args.configs:
        try:
            model = load_config(path)
        except ConfigError as exc:
            _report_invalid(exc)
            status = EXIT_INVALID
            continue
        bad = False
        for scenario in model.scenarios:  # every scenario, not just the first bad one
            try:
                load_config(path, scenario=scenario)
            except ConfigError as exc:
                _report_invalid(exc)
                bad = True
        if bad:
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


def _models_for(path: str, scenario: str | None, overlay=None):
    """The models a ``run`` of ``path`` covers.

    ``--scenario all`` is the config as written and then each scenario, as in
    ``simulate batch``, so the paired comparisons include the base case.
    """
    from ..config import load_config

    if scenario != "all":
        return [load_config(path, scenario=scenario, overlay=overlay)]
    base = load_config(path, overlay=overlay)
    if not base.scenarios:
        raise ConfigError(f"{path}: --scenario all, but the config has no scenarios: block")
    return [base] + [load_config(path, scenario=s, overlay=overlay) for s in base.scenarios]


def cmd_run(args) -> int:
    from ..config import load_overlay
    from ..files import atomic_dir, write_json
    from ..overlay import overlay_analysis
    from ..plotting.figures import chart_meta
    from ..runner import run_warnings, simulate_model, write_run
    from ..text import overlay_text, summary_text

    status = EXIT_OK
    try:
        sens_methods = _sensitivity_methods(args.sensitivity, "--sensitivity")
    except ConfigError as exc:
        return _usage_error(exc)
    options = _run_options(args)
    overlay = load_overlay(args.overlay) if args.overlay else None
    for path in args.configs:
        try:
            models = _models_for(path, args.scenario, overlay)
        except ConfigError as exc:
            _report_invalid(exc)
            status = EXIT_INVALID
            continue
        done = []  # (folder, result) for --scenario all's paired comparison
        for model in models:
            for w in run_warnings(model, options):
                _warn(f"{path}: {w}")
            keep = args.save_samples or bool(sens_methods)
            overlay_report = None
            if overlay is None:
                result = simulate_model(model, options, keep_inputs=keep)
            else:
                result, overlay_report = overlay_analysis(
                    path, overlay, options, scenario=model.scenario, keep_inputs=keep
                )
            summary = result.summary()
            target = args.out / model.stem
            sens = _analyze_run(model, result, sens_methods) if sens_methods else None
            with atomic_dir(target) as tmp:
                write_run(tmp, result, options)
                if overlay_report is not None:
                    write_json(tmp / "overlay.json", overlay_report)
                if sens is not None:
                    _write_sensitivity(tmp, sens, chart_meta(model, result), args)
            if not args.quiet:
                print(summary_text(summary, target))
                print()
                if overlay_report is not None:
                    print(overlay_text(overlay_report))
                    print()
                if sens is not None:
                    _print_sensitivity(sens, model)
            done.append((model.stem, result))
        if args.scenario == "all" and len(done) > 1:
            _write_scenario_comparison(args, path, done)
    return status


# --- sensitivity ------------------------------------------------------------------


def _add_sensitivity_parser(sub) -> None:
    p = sub.add_parser(
        "sensitivity",
        help="which inputs drive the result, break-even values, value of information",
        description=(
            "Sensitivity and decision analysis of CONFIG: tornado and spider (one input at a "
            "time), rank correlation and Sobol' indices (which inputs drive the spread), "
            "break-even values, goal seek and the value of information (EVPI/EVPPI). Writes "
            "OUT/<config>/sensitivity.json and figures/tornado and figures/spider, keeping "
            "anything else already in that folder (such as a run's summary.json), and prints "
            "a short ranked table."
        ),
    )
    p.add_argument("config", metavar="CONFIG", help="YAML config file")
    p.add_argument(
        "--methods",
        default="all",
        metavar="M[,M]",
        help="any of tornado, spider, rank, sobol, breakeven, voi (default: all)",
    )
    p.add_argument("--metric", default="npv",
                   help="npv (default), roi or payback_months: what the tornado, spider, "
                   "rank and Sobol' rank inputs by (break-even, goal seek and value of "
                   "information are always about NPV)")  # fmt: skip
    p.add_argument("--low-q", default="0.1", metavar="Q",
                   help="the tornado's low quantile (default 0.1 = P10)")  # fmt: skip
    p.add_argument("--high-q", default="0.9", metavar="Q",
                   help="the tornado's high quantile (default 0.9 = P90)")  # fmt: skip
    p.add_argument("--sobol-n", type=_positive_int, default=None, metavar="N",
                   help="Sobol' base samples, best a power of two (default 8192); costs "
                   "N x (inputs + 2) model evaluations")  # fmt: skip
    p.add_argument("--goal-seek", action="append", default=[], metavar="INPUT:P",
                   help="the value of INPUT (the others uncertain) at which P(NPV > 0) "
                   "reaches P, e.g. churn_cut:0.8; may be repeated")  # fmt: skip
    _add_simulation_options(p)
    p.add_argument("--scenario", metavar="NAME",
                   help="apply the overrides of scenarios: NAME from the config")  # fmt: skip
    _add_output_options(p)


def _sensitivity_methods_arg(text: str) -> str:
    # `run --sensitivity configs/x.yaml` would take the config as the methods
    if text.lower().endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        raise argparse.ArgumentTypeError(
            f"{text!r} looks like a config, not a list of methods: put --sensitivity after "
            "the CONFIGs, or write --sensitivity=METHODS"
        )
    return text


def _usage_error(exc: ConfigError, option: str | None = None) -> int:
    for problem in exc.problems:
        text = str(problem) if problem.file else problem.message
        print(f"error: {option + ': ' if option else ''}{text}", file=sys.stderr)
    return EXIT_INVALID


def _sensitivity_methods(text: str | None, option: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    from ..sensitivity import parse_methods  # scipy.stats and more: only when asked for

    try:
        return parse_methods(text)
    except ConfigError as exc:
        raise ConfigError(f"{option}: {exc.problems[0].message}") from None


def _quantile_option(text: str, option: str) -> float:
    try:
        q = float(text)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a number; write e.g. 0.1 for P10") from None
    if not 0.0 < q < 1.0:
        raise ConfigError(
            f"{option}: {text} is outside (0, 1); a quantile lies strictly between 0 and 1, "
            "e.g. 0.05 for P5"
        )
    return q


def _analyze_run(model, result, methods):
    """Sensitivity of a finished run (``run --sensitivity``), warnings on stderr."""
    from ..sensitivity import analyze

    sens = analyze(model, result, methods=methods, warn=False)
    for w in sens["warnings"]:
        _warn(f"{model.file}: {w}")
    return sens


def _write_sensitivity(folder: Path, sens, meta, args, charts=("spider",)) -> None:
    """sensitivity.json and the charts in ``charts`` (tornado, spider) into ``folder``."""
    from ..files import write_json
    from ..plotting.figures import write_sensitivity_charts

    write_json(folder / "sensitivity.json", sens)
    if not args.no_figures:
        write_sensitivity_charts(folder / "figures", sens, meta, args.format, charts)


def _print_sensitivity(sens, model, target: Path | None = None) -> None:
    from ..text import sensitivity_text

    print(sensitivity_text(sens, name=model.name, currency=model.currency,
                           horizon_months=model.horizon_months, result_dir=target))  # fmt: skip
    print()


def cmd_sensitivity(args) -> int:
    """``simulate sensitivity``: sensitivity.json, tornado and spider charts, a ranked table.

    The result folder may already hold a run's results: it is rebuilt in a
    temporary folder from a copy of what is there plus the new files, then
    swapped in whole (report.atomic_dir), so a failure leaves it untouched.
    """
    import shutil

    from .. import sensitivity as sa
    from ..config import load_config
    from ..engine import run
    from ..errors import did_you_mean
    from ..files import atomic_dir
    from ..plotting.figures import chart_meta

    try:
        methods = _sensitivity_methods(args.methods, "--methods")
        if args.metric not in sa.METRICS:
            raise ConfigError(
                f"--metric: {args.metric!r} is not a metric{did_you_mean(args.metric, sa.METRICS)}"
                f"; use one of: {', '.join(sa.METRICS)}"
            )
        low_q = _quantile_option(args.low_q, "--low-q")
        high_q = _quantile_option(args.high_q, "--high-q")
        if low_q >= high_q:
            raise ConfigError(
                f"--low-q ({low_q:g}) must be below --high-q ({high_q:g}), e.g. 0.1 and 0.9"
            )
        goals = []
        for text in args.goal_seek:
            try:
                goals.append(sa.parse_goal_seek(text))
            except ConfigError as exc:
                raise ConfigError(f"--goal-seek: {exc.problems[0].message}") from None
    except ConfigError as exc:
        return _usage_error(exc)
    model = load_config(args.config, scenario=args.scenario)
    for w in model.warnings:
        _warn(f"{args.config}: {w}")
    for name, _ in goals:
        try:
            sa.input_index(model, name)
        except ConfigError as exc:
            return _usage_error(exc, "--goal-seek")
    result = None
    if {"rank", "voi"} & set(methods) or goals:
        result = run(model, trials=args.trials, seed=args.seed, sampling=args.sampling,
                     keep_inputs=True, n_paths=0, with_irr=False)  # fmt: skip
    sens = sa.analyze(
        model,
        result,
        methods=methods,
        metric=args.metric,
        low_q=low_q,
        high_q=high_q,
        n_base=args.sobol_n or sa.DEFAULT_SOBOL_N,
        goal_seek_targets=goals,
        seed=args.seed,
        warn=False,
    )
    for w in sens["warnings"]:
        _warn(f"{args.config}: {w}")
    meta = chart_meta(model, result, trials=args.trials, seed=sens["seed"], sampling=args.sampling)
    target = args.out / model.stem
    with atomic_dir(target) as tmp:
        if target.is_dir():
            shutil.copytree(target, tmp, dirs_exist_ok=True)
        _write_sensitivity(tmp, sens, meta, args, charts=("tornado", "spider"))
    if not args.quiet:
        _print_sensitivity(sens, model, target)
    return EXIT_OK


# --- batch, overlays, scenario comparisons -------------------------------------------


def _add_batch_parser(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="run many configs and all their scenarios, locally or on a Dask cluster",
        description=(
            "Run every config named by PATH (files, folders of *.yaml / *.yml, or glob "
            "patterns; '**' recurses) and each of its scenarios, as 'simulate run' would: "
            "one result folder per config and scenario in OUT, plus OUT/batch_summary.csv "
            "and .json (one row per run), OUT/comparisons/<config>.json (P(A's NPV > B's) "
            "for the scenarios of a config, on the same draws) and comparison charts in "
            "OUT/figures/. A config that sets simulation.seed keeps it; the others get a "
            "child of the batch's root seed (--seed, or OS entropy), recorded in each row. "
            "A config that fails is reported and skipped; the exit status is then 2 if "
            "every failure is an invalid config, 1 if any run failed otherwise."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="config files, folders or globs")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                       help="local worker processes (default 1: run in this process)")  # fmt: skip
    where.add_argument("--dask", metavar="ADDRESS",
                       help="send the runs to a running Dask scheduler, e.g. "
                       "tcp://scheduler:8786 (needs pip install -e '.[distributed]')")  # fmt: skip
    p.add_argument("--trials", type=_positive_int, metavar="N",
                   help="trials for every run (default: each config's)")  # fmt: skip
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="the batch's root seed (default: drawn from OS entropy and recorded); "
                   "configs that set simulation.seed keep theirs")  # fmt: skip
    p.add_argument("--sampling", choices=("random", "lhs", "sobol"),
                   help="sampling for every run (default: each config's)")  # fmt: skip
    _add_output_options(p, quiet="no progress and no table; problems are still reported")


def _run_options(args):
    from ..runner import RunOptions

    return RunOptions(
        trials=args.trials,
        seed=getattr(args, "seed", None),
        sampling=args.sampling,
        save_samples=getattr(args, "save_samples", False),
        figures=not args.no_figures,
        formats=tuple(args.format),
    )


def cmd_batch(args) -> int:
    """``simulate batch``: see :mod:`simulate.batch`."""
    from dataclasses import replace

    from ..batch import Progress, batch_text, run_batch

    options = replace(_run_options(args), seed=None)
    tty = sys.stderr.isatty()
    progress = Progress(0, sys.stderr, enabled=tty and not args.quiet, log=not args.quiet)
    try:
        report = run_batch(
            args.paths,
            args.out,
            options,
            workers=args.workers,
            dask=args.dask,
            seed=args.seed,
            figures=not args.no_figures,
            note=progress.note,
            progress=progress,
        )
    finally:
        progress.close()
    if not args.quiet:
        print(batch_text(report))
        print()
        print(f"  Summary: {args.out / 'batch_summary.csv'}, {args.out / 'batch_summary.json'}")
        if report.figures:
            print(f"  Charts:  {len(report.figures)} file(s) in {args.out / 'figures'}")
    return report.status


def _write_scenario_comparison(args, path: str, runs) -> None:
    """``run --scenario all``: P(A's NPV > B's) between the scenarios of one config."""
    from ..batch import write_config_comparison
    from ..text import comparisons_text

    model = runs[0][1].model
    stem = Path(path).stem + (f"--{model.overlay}" if model.overlay else "")
    rows, _ = write_config_comparison(
        args.out,
        path,
        [(folder, result.summary(), result.npv) for folder, result in runs],
        figures=not args.no_figures,
        formats=args.format,
        config_hash=model.config_hash,
        stem=stem,
    )
    if not args.quiet:
        print(comparisons_text(model.name, rows, model.currency))
        print(f"  Comparison: {args.out / 'comparisons' / (stem + '.json')}")
        print()


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "sensitivity": cmd_sensitivity,
    "batch": cmd_batch,
}


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
