"""``simulate sensitivity``, and the sensitivity step of ``simulate run --sensitivity``.

Every value on the command line is checked by :mod:`simulate.sensitivity.options`,
the same checks :func:`simulate.sensitivity.analyze` makes, worded for the flag.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Model, load_config
from ..drawing import Charts, closed_on_error, drawing_charts
from ..engine import Result, run
from ..errors import ConfigError, Problem
from ..files import atomic_dir, result_folder, write_json
from ..runner import identify
from ..seeds import resolve_seed
from ..sensitivity import DEFAULT_SOBOL_N, analyze, needs_samples
from ..sensitivity.frontier import check_pair
from ..sensitivity.options import (
    check_metric,
    check_quantiles,
    input_index,
    parse_goal_seek,
    parse_methods,
    parse_pair,
    parse_quantile,
)
from ..text import sensitivity_text
from .options import check_sobol_n
from .progress import step_bar, trial_bar
from .status import EXIT_OK, usage_error, warn

__all__ = ["RunSensitivity", "cmd_sensitivity"]


def _write(folder: Path, sens: dict[str, Any], args: argparse.Namespace, which: tuple[str, ...],
           drawer: Charts | None, model: Model, result: Result | None,
           early: dict[str, Any] | None = None, **meta: Any) -> None:  # fmt: skip
    """sensitivity.json and the charts in ``which`` (tornado, spider, frontier) into ``folder``.

    The charts are drawn by ``drawer`` (chart processes or this one) while
    sensitivity.json is written; ``model``, ``result`` and ``meta`` stamp them.
    ``early`` is the analysis whose tornado and spider charts :func:`_early_charts`
    is drawing already: they are kept where ``sens`` has the same sections.
    """
    if args.no_figures:
        write_json(folder / "sensitivity.json", sens)
        return
    drawer = drawer or Charts()
    with closed_on_error(drawer):
        drawn = []
        if early is not None:
            drawer.wait()
            drawn = [c for c in _EARLY if c in early and sens.get(c) == early[c]]
        rest = tuple(c for c in which if c not in drawn and sens.get(c))
        if rest:
            drawer.draw_sensitivity(folder / "figures", sens, model, result, args.format, rest,
                                    **meta)  # fmt: skip
        write_json(folder / "sensitivity.json", sens)
        drawer.wait()


# The charts whose sections take milliseconds: drawn while the rest is analysed.
_EARLY = ("tornado", "spider")


def _early_charts(folder: Path, args: argparse.Namespace, request: _Request,
                  charts: Charts | None, models: tuple[Model, Model], result: Result | None,
                  asked: dict[str, Any], stamp: dict[str, Any]) -> dict[str, Any] | None:  # fmt: skip
    """Start drawing the tornado and spider charts (one-at-a-time runs: milliseconds) while
    the slower methods run; the analysis they are drawn from, or None.

    ``models``: the model analysed, and the same model labelled for the stamp.
    """
    quick = [m for m in _EARLY if m in request.methods]
    if charts is None or not quick:
        return None
    model, labelled = models
    early = analyze(model, result, methods=quick, **asked)
    charts.draw_sensitivity(folder / "figures", early, labelled, result, args.format, quick,
                            **stamp)  # fmt: skip
    return early


def _print(sens: dict[str, Any], model: Model, target: Path | None = None) -> None:
    """The ranked table on stdout, and where the results are (``target``)."""
    print(sensitivity_text(sens, name=model.name, currency=model.currency,
                           horizon_months=model.horizon_months, result_dir=target))  # fmt: skip
    print()


@dataclass(frozen=True)
class RunSensitivity:
    """``run --sensitivity``: analyse each finished run, write and print what it found."""

    methods: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> RunSensitivity:
        """From the flag's value (``all`` or a comma-separated list); ConfigError if bad."""
        return cls(parse_methods(text, option="--sensitivity"))

    def analyze(self, model: Model, result: Result) -> dict[str, Any]:
        """The sensitivity.json dict of ``result``; its warnings go to stderr."""
        sens = analyze(model, result, methods=self.methods, warn=False)
        for w in sens["warnings"]:
            warn(f"{model.file}: {w}")
        return sens

    def write(self, folder: Path, sens: dict[str, Any], model: Model, result: Result,
              args: argparse.Namespace, charts: Charts | None = None) -> None:  # fmt: skip
        """sensitivity.json and the spider (and frontier) charts: the run draws its tornado."""
        _write(folder, sens, args, ("spider", "frontier"), charts, result.model, result)

    def show(self, sens: dict[str, Any], model: Model) -> None:
        """The ranked table on stdout."""
        _print(sens, model)


@dataclass(frozen=True)
class _Request:
    """What ``simulate sensitivity`` was asked for, each value checked."""

    methods: tuple[str, ...]
    low_q: float
    high_q: float
    goals: tuple[tuple[str, float], ...]
    pair: tuple[str, str] | None


def _request(args: argparse.Namespace) -> _Request:
    """The flags as analyze takes them; a ConfigError names the flag at fault."""
    methods = parse_methods(args.methods, option="--methods")
    pair = parse_pair(args.frontier, option="--frontier") if args.frontier else None
    if pair is not None and "frontier" not in methods:
        methods = (*methods, "frontier")
    check_metric(args.metric, option="--metric")
    low_q = parse_quantile(args.low_q, option="--low-q")
    high_q = parse_quantile(args.high_q, option="--high-q")
    check_quantiles(low_q, high_q, names=("--low-q", "--high-q"))
    goals = tuple(parse_goal_seek(text, option="--goal-seek") for text in args.goal_seek)
    check_sobol_n(args.sobol_n)
    return _Request(methods, low_q, high_q, goals, pair)


def _target(args: argparse.Namespace, model: Model) -> Path:
    """``OUT/<stem>``, or a ConfigError naming the file and the scenario that cannot name it."""
    what = f"scenario {args.scenario!r}" if args.scenario else f"config {Path(args.config).name!r}"
    try:
        return result_folder(args.out, model.stem, what=what)
    except ConfigError as exc:
        where = f"scenarios.{args.scenario}" if args.scenario else ""
        raise ConfigError(Problem(exc.problems[0].message, path=where, file=args.config)) from None


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``simulate sensitivity``: sensitivity.json, its charts, a ranked table.

    The result folder may already hold a run's results: the new files are
    written into a temporary folder that then replaces it, keeping every
    other file (:func:`simulate.files.atomic_dir`), so a failure leaves it
    untouched.
    """
    with drawing_charts(not args.no_figures) as charts:  # they import matplotlib meanwhile
        return _sensitivity(args, charts)


def _sensitivity(args: argparse.Namespace, charts: Charts | None) -> int:
    """:func:`cmd_sensitivity`, its charts drawn by ``charts`` (None: no charts)."""
    try:
        request = _request(args)
    except ConfigError as exc:
        return usage_error(exc)
    model = load_config(args.config, scenario=args.scenario)
    target = _target(args, model)  # checked before any work
    for w in model.warnings:
        warn(f"{args.config}: {w}")
    try:
        for name, _ in request.goals:
            input_index(model, name, option="--goal-seek")
        if request.pair is not None:
            check_pair(model, request.pair, option="--frontier")
    except ConfigError as exc:
        return usage_error(exc)
    result = None
    from ..kernel.announce import announce_compile  # loads numba: only when analysis starts

    announce_compile(args.quiet)
    if needs_samples(request.methods, request.goals):
        with trial_bar(args.config, quiet=args.quiet) as bar:
            result = run(model, trials=args.trials, seed=args.seed, sampling=args.sampling,
                         keep_inputs=True, n_paths=0, with_irr=False, line_flows=False,
                         progress=bar)  # fmt: skip
    # The seed analyze would pick, picked once: the early charts and the analysis share it.
    seed = resolve_seed(args.seed, None if result is None else result.seed, model.seed)
    labelled, _ = identify(model)  # the stamp's hash covers the scenario, as a run's does
    stamp = {"trials": args.trials, "seed": seed, "sampling": args.sampling}
    asked = {"metric": args.metric, "low_q": request.low_q, "high_q": request.high_q,
             "seed": seed, "warn": False}  # fmt: skip
    # the folder keeps its other files; a failure stops the chart processes before it goes
    with atomic_dir(target, root=args.out) as tmp, closed_on_error(charts):
        early = _early_charts(tmp, args, request, charts, (model, labelled), result, asked,
                              stamp)  # fmt: skip
        steps = len(request.methods) + bool(request.goals)
        with step_bar(f"{args.config}: sensitivity", steps, quiet=args.quiet) as bar:
            sens = analyze(model, result, methods=request.methods,
                           n_base=args.sobol_n or DEFAULT_SOBOL_N,
                           goal_seek_targets=request.goals, frontier_pair=request.pair,
                           progress=bar, **asked)  # fmt: skip
        for w in sens["warnings"]:
            warn(f"{args.config}: {w}")
        _write(tmp, sens, args, ("tornado", "spider", "frontier"), charts, labelled, result,
               early=early, **stamp)  # fmt: skip
    if not args.quiet:
        _print(sens, model, target)
    return EXIT_OK
