"""``simulate run``: simulate configs and write summary.json, figures and more.

With ``--overlay``, each run is compared with the config as written on the
same draws (:mod:`simulate.overlay`); with ``--scenario all``, the scenarios
of a config are compared pairwise; with ``--sensitivity``, each run is also
analysed (:mod:`simulate.cli.sensitivity`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..batch import write_config_comparison
from ..config import Model, Overlay, load_config, load_overlay
from ..engine import Result
from ..errors import ConfigError
from ..files import atomic_dir, write_json
from ..overlay import overlay_analysis
from ..runner import RunOptions, run_warnings, simulate_model, write_run
from ..text import comparisons_text, overlay_text, summary_text
from .status import EXIT_INVALID, EXIT_OK, report_invalid, usage_error, warn

if TYPE_CHECKING:
    from .sensitivity import RunSensitivity  # for type checkers only: it loads scipy.stats

__all__ = ["cmd_run", "run_options"]


def run_options(args: argparse.Namespace) -> RunOptions:
    """The run options set by the flags of ``run`` (and of ``batch``, which has no --save-samples)."""
    return RunOptions(
        trials=args.trials,
        seed=args.seed,
        sampling=args.sampling,
        save_samples=getattr(args, "save_samples", False),
        figures=not args.no_figures,
        formats=tuple(args.format),
    )


def _sensitivity_step(text: str | None) -> RunSensitivity | None:
    """``--sensitivity``'s analysis of each run, or None without the flag."""
    if text is None:
        return None
    from .sensitivity import RunSensitivity  # scipy.stats and scipy.optimize: only when asked for

    return RunSensitivity.parse(text)


def _models_for(path: str, scenario: str | None, overlay: Overlay | None) -> list[Model]:
    """The models a ``run`` of ``path`` covers.

    ``--scenario all`` is the config as written and then each scenario, as in
    ``simulate batch``, so the paired comparisons include the base case.
    """
    if scenario != "all":
        return [load_config(path, scenario=scenario, overlay=overlay)]
    base = load_config(path, overlay=overlay)
    if not base.scenarios:
        raise ConfigError(f"{path}: --scenario all, but the config has no scenarios: block")
    return [base] + [load_config(path, scenario=s, overlay=overlay) for s in base.scenarios]


def _print_run(summary: dict[str, Any], target: Path, overlay_report: dict | None) -> None:
    print(summary_text(summary, target))
    print()
    if overlay_report is not None:
        print(overlay_text(overlay_report))
        print()


def _run_model(
    args: argparse.Namespace,
    path: str,
    model: Model,
    *,
    options: RunOptions,
    overlay: Overlay | None,
    sensitivity: RunSensitivity | None,
) -> Result:
    """Simulate one model of ``path`` (with its overlay and sensitivity), write and print it."""
    for w in run_warnings(model, options):
        warn(f"{path}: {w}")
    keep = args.save_samples or sensitivity is not None
    overlay_report = None
    if overlay is None:
        result = simulate_model(model, options, keep_inputs=keep)
    else:
        result, overlay_report = overlay_analysis(
            path, overlay, options, scenario=model.scenario, keep_inputs=keep
        )
    summary = result.summary()
    target = args.out / model.stem
    sens = sensitivity.analyze(model, result) if sensitivity is not None else None
    with atomic_dir(target) as tmp:
        write_run(tmp, result, options)
        if overlay_report is not None:
            write_json(tmp / "overlay.json", overlay_report)
        if sens is not None:
            sensitivity.write(tmp, sens, model, result, args)
    if not args.quiet:
        _print_run(summary, target, overlay_report)
        if sens is not None:
            sensitivity.show(sens, model)
    return result


def _write_scenario_comparison(
    args: argparse.Namespace, path: str, runs: list[tuple[str, Result]]
) -> None:
    """``run --scenario all``: P(A's NPV > B's) between the scenarios of one config."""
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


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate each config (and scenario); exit status 2 if any config is invalid."""
    try:
        sensitivity = _sensitivity_step(args.sensitivity)
    except ConfigError as exc:
        return usage_error(exc)
    options = run_options(args)
    overlay = load_overlay(args.overlay) if args.overlay else None
    status = EXIT_OK
    for path in args.configs:
        try:
            models = _models_for(path, args.scenario, overlay)
        except ConfigError as exc:
            report_invalid(exc)
            status = EXIT_INVALID
            continue
        done = []  # (folder, result) for --scenario all's paired comparison
        for model in models:
            result = _run_model(
                args, path, model, options=options, overlay=overlay, sensitivity=sensitivity
            )
            done.append((model.stem, result))
        if args.scenario == "all" and len(done) > 1:
            _write_scenario_comparison(args, path, done)
    return status
