"""``simulate run``: simulate configs and write summary.json, figures and more.

With ``--overlay``, each run is compared with the config as written on the
same draws (:mod:`simulate.overlay`); with ``--scenario all``, the scenarios
of a config are compared pairwise; with ``--sensitivity``, each run is also
analysed (:mod:`simulate.cli.sensitivity`).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Model, Overlay, load_config, load_overlay
from ..drawing import Charts, drawing_charts
from ..errors import ConfigError, Problem
from ..files import atomic_dir, atomic_set, result_folder, write_json
from ..overlay import overlay_analysis
from ..report.data import comparison_block, read_pack_data, write_pack_data
from ..results import Result
from ..runner import RunOptions, run_warnings, simulate_model, simulate_set, targets_of, write_run
from ..text import comparisons_text, overlay_text, summary_text
from .progress import trial_bar
from .status import EXIT_FAILED, EXIT_INVALID, EXIT_OK, report_invalid, usage_error, warn

if TYPE_CHECKING:
    from .sensitivity import RunSensitivity  # for type checkers only: it loads scipy.stats

__all__ = ["cmd_run", "run_options"]


def run_options(args: argparse.Namespace) -> RunOptions:
    """The run options set by the flags of ``run`` (and of ``batch``, which has no --save-samples).

    Raises ConfigError when ``--trials`` and ``--precision`` are both given.
    """
    precision = getattr(args, "precision", None)
    if precision is not None and args.trials is not None:
        raise ConfigError(
            "--trials and --precision exclude each other: --trials runs a fixed number of "
            "trials, --precision adds trials until its targets are met (--max-trials caps "
            "it); give one of them"
        )
    return RunOptions(
        trials=args.trials,
        seed=args.seed,
        sampling=args.sampling,
        save_samples=getattr(args, "save_samples", False),
        figures=not args.no_figures,
        formats=tuple(args.format),
        precision=precision,
        max_trials=getattr(args, "max_trials", None),
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
    # the overlaid model may not list the config's scenarios: take them from the config
    names = base.scenarios if overlay is None else load_config(path).scenarios
    if not names:
        raise ConfigError(
            Problem("--scenario all, but the config has no scenarios: block", file=path)
        )
    return [base] + [load_config(path, scenario=s, overlay=overlay) for s in names]


def _folder_of(path: str, model: Model, out: Path) -> Path:
    """``OUT/<stem>``, or a ConfigError naming the scenario (or overlay) that cannot name it."""
    if model.scenario is not None:
        what, where = f"scenario {model.scenario!r}", f"scenarios.{model.scenario}"
    elif model.overlay is not None:
        what, where = f"overlay {model.overlay!r}", ""
    else:
        what, where = f"config {Path(path).name!r}", ""
    try:
        return result_folder(out, model.stem, what=what)
    except ConfigError as exc:
        raise ConfigError(Problem(exc.problems[0].message, path=where, file=path)) from None


def _check_folders(plans: list[tuple[str, list[Model]]], out: Path) -> None:
    """Every result folder is a safe name inside OUT, and no two configs share one.

    Checked before anything runs, as ``simulate batch`` does.
    """
    owner: dict[str, str] = {}
    problems = []
    for path, models in plans:
        for model in models:
            try:
                _folder_of(path, model, out)
            except ConfigError as exc:
                problems += exc.problems
                continue
            key = model.stem.lower()  # a clash on case-insensitive file systems too
            first = owner.setdefault(key, path)
            if os.path.realpath(first) != os.path.realpath(path):
                problems.append(
                    Problem(
                        f"{first} and {path} would both write the result folder "
                        f"{model.stem!r}; rename one, or run them with different --out",
                        file=path,
                    )
                )
    if problems:
        raise ConfigError(problems)


def _print_run(summary: dict[str, Any], target: Path, overlay_report: dict | None) -> None:
    print(summary_text(summary, target))
    print()
    if overlay_report is not None:
        print(overlay_text(overlay_report))
        print()


class _Done:
    """A simulated run of one model, ready to be written and printed."""

    def __init__(self, model: Model, result: Result, overlay_report, sens) -> None:
        self.model, self.result = model, result
        self.overlay_report, self.sens = overlay_report, sens

    def write(self, folder: Path, options: RunOptions, sensitivity, args, charts) -> None:
        """The run's files into ``folder`` (a temporary folder, moved into place after)."""
        write_run(folder, self.result, options, sensitivity=self.sens,
                  comparison=self.overlay_report, charts=charts)  # fmt: skip
        if self.overlay_report is not None:
            write_json(folder / "overlay.json", self.overlay_report)
        if self.sens is not None:
            sensitivity.write(folder, self.sens, self.model, self.result, args, charts)

    def show(self, target: Path, sensitivity) -> None:
        _print_run(self.result.summary(), target, self.overlay_report)
        if self.sens is not None:
            sensitivity.show(self.sens, self.model)


def _simulate(
    args: argparse.Namespace,
    path: str,
    model: Model,
    *,
    options: RunOptions,
    overlay: Overlay | None,
    sensitivity: RunSensitivity | None,
    result: Result | None = None,
) -> _Done:
    """Simulate one model of ``path`` (with its overlay and sensitivity); nothing written yet.

    ``result`` is the model's run when a set with ``--precision`` already
    made it (:func:`_run_config`).
    """
    for w in run_warnings(model, options):
        warn(f"{path}: {w}")
    if options.max_trials is not None and targets_of(model, options) is None:
        warn(f"{path}: --max-trials applies only with precision targets; this run has a "
             "fixed number of trials")  # fmt: skip
    keep = args.save_samples or sensitivity is not None or _trials_sheet(args) is not None
    overlay_report = None
    if overlay is not None:
        stopped = result  # where the set stopped: the overlay's runs take its trials
        same = options if stopped is None else replace(options, trials=stopped.trials,
                                                        precision=None)  # fmt: skip
        result, overlay_report = overlay_analysis(
            path, overlay, same, scenario=model.scenario, keep_inputs=keep
        )
        if stopped is not None:
            result = replace(result, stop=stopped.stop)
    elif result is None:  # (else the scenario set made it)
        label = path + (f" [{model.scenario}]" if model.scenario else "")
        open_ended = targets_of(model, options) is not None
        with trial_bar(label, quiet=args.quiet, open_ended=open_ended) as bar:
            result = simulate_model(model, options, keep_inputs=keep, progress=bar)
    result.summary()
    sens = sensitivity.analyze(model, result) if sensitivity is not None else None
    return _Done(model, result, overlay_report, sens)


def _trials_sheet(args: argparse.Namespace) -> int | None:
    """How many trials the pack's Trials sheet asks for (``report --samples``), or None."""
    return getattr(args, "samples", None) if getattr(args, "report", False) else None


def add_comparison(folder: Path, rows: list[dict]) -> None:
    """Put a scenario set's paired comparison into a folder's report_data.json."""
    data = read_pack_data(folder)
    data["comparison"] = comparison_block(rows)
    write_pack_data(folder, data)


def _write_packs(args: argparse.Namespace, folders: list[tuple[Path, Result]]) -> None:
    """``--report``: render each written folder's review pack (report.html, report.xlsx)."""
    from .pack import render_pack, trial_rows  # jinja2, xlsxwriter: only with --report

    for folder, result in folders:
        n = _trials_sheet(args)
        rows = None if n is None else trial_rows(result.sample_arrays(), n)
        render_pack(folder, pdf=getattr(args, "pdf", False), trials=rows)


def _write_scenario_comparison(
    args: argparse.Namespace, path: str, runs: list[tuple[str, Result]], staging: Path
) -> tuple[list[dict], str]:
    """``run --scenario all``: P(A's NPV > B's) between the scenarios of one config.

    Written into ``staging`` (the set's staging folder); returns the rows and the stem.
    """
    from ..batch import write_config_comparison  # its executor and workers: for a set only

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
        write_to=staging,
    )
    return rows, stem


def _run_config(args, path: str, models: list[Model], *, charts: Charts | None, **kw) -> None:
    """Simulate every model of ``path``, then write their folders (and comparison) as a set.

    ``charts`` draws their charts; ``kw`` is :func:`_simulate`'s.
    """
    options, sensitivity = kw["options"], kw["sensitivity"]
    ran: list[Result | None] = [None] * len(models)
    if len(models) > 1 and any(targets_of(m, options) for m in models):
        # --precision on a set: every scenario on common trials, so the pairs stay paired
        keep = args.save_samples or sensitivity is not None or _trials_sheet(args) is not None
        with trial_bar(f"{path} ({len(models)} scenarios)", quiet=args.quiet,
                       open_ended=True) as bar:  # fmt: skip
            ran = simulate_set(models, options, keep_inputs=keep, progress=bar,
                               overlays=[kw["overlay"]] * len(models))  # fmt: skip
    done = [
        _simulate(args, path, model, result=r, **kw) for model, r in zip(models, ran, strict=True)
    ]
    stems = [d.model.stem for d in done]
    if args.scenario == "all" and len(done) > 1:
        with atomic_set(args.out, stems) as staging:
            for d in done:
                (staging / d.model.stem).mkdir()
                d.write(staging / d.model.stem, options, sensitivity, args, charts)
            runs = [(d.model.stem, d.result) for d in done]
            rows, stem = _write_scenario_comparison(args, path, runs, staging)
            if args.report:
                folders = [(staging / d.model.stem, d.result) for d in done]
                for folder, _ in folders:
                    add_comparison(folder, rows)
                _write_packs(args, folders)
    else:
        for d in done:
            with atomic_dir(args.out / d.model.stem, root=args.out) as tmp:
                d.write(tmp, options, sensitivity, args, charts)
                if args.report:
                    _write_packs(args, [(tmp, d.result)])
        rows = None
    if args.quiet:
        return
    for d in done:
        d.show(args.out / d.model.stem, sensitivity)
    if rows is not None:
        model = done[0].model
        print(comparisons_text(model.name, rows, model.currency))
        print(f"  Comparison: {args.out / 'comparisons' / (stem + '.json')}")
        print()


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate each config (and scenario); exit status 2 if any config is invalid.

    Every config is loaded, and every result folder checked (a safe name
    inside ``--out``, no two configs sharing one), before anything runs. A
    failure to write (a full disk) is one ``error:`` line, exit status 1;
    the result folder is then left as it was.
    """
    with drawing_charts(not args.no_figures) as charts:  # they import matplotlib meanwhile
        return _run_all(args, charts)


def _run_all(args: argparse.Namespace, charts: Charts | None) -> int:
    """:func:`cmd_run`, its charts drawn by ``charts`` (None: no charts)."""
    try:
        sensitivity = _sensitivity_step(args.sensitivity)
        options = run_options(args)
    except ConfigError as exc:
        return usage_error(exc)
    if getattr(args, "pdf", False):
        from .pack import check_pdf_engine  # a browser check: only with --pdf

        try:
            check_pdf_engine()
        except ConfigError as exc:
            return usage_error(exc)
    overlay = load_overlay(args.overlay) if args.overlay else None
    status = EXIT_OK
    plans = []
    for path in args.configs:
        try:
            plans.append((path, _models_for(path, args.scenario, overlay)))
        except ConfigError as exc:
            report_invalid(exc)
            status = EXIT_INVALID
    _check_folders(plans, args.out)
    if plans:
        from ..kernel.announce import announce_compile  # loads numba: only when a run starts

        announce_compile(args.quiet)
    for path, models in plans:
        try:
            _run_config(args, path, models, options=options, overlay=overlay,
                        sensitivity=sensitivity, charts=charts)  # fmt: skip
        except ConfigError as exc:  # outputs that cannot be computed: nothing written
            report_invalid(exc)
            status = status if status == EXIT_FAILED else EXIT_INVALID
        except OSError as exc:  # writing failed: the old results are kept
            where = exc.filename or args.out
            print(f"error: {path}: cannot write the results to {where}: {exc.strerror or exc}; "
                  "nothing was written", file=sys.stderr)  # fmt: skip
            status = EXIT_FAILED
    return status
