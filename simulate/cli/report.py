"""``simulate report``: the review pack of a result folder, or of a config run for it.

Given a config, ``report`` is ``run --report``: it simulates, writes the run's
folder as ``run`` does, and renders the pack into it (:mod:`.pack`). Given a
result folder, it renders the pack from the folder's ``report_data.json``
(every run saves one) without simulating again, changing no other file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..errors import ConfigError, Problem
from .pack import check_pdf_engine, render_pack, trial_rows

__all__ = ["DEFAULT_REPORT_SENSITIVITY", "cmd_report"]

# What `simulate report CONFIG` computes for the pack's drivers unless
# --sensitivity says otherwise: all but Sobol' (the slowest, and the rank
# correlation already says which inputs drive the spread) and the spider
# (the tornado says it for the pack), with the two-input break-even frontier
# of the two inputs with the largest NPV swings.
DEFAULT_REPORT_SENSITIVITY = "tornado,rank,breakeven,voi,frontier"

# The options that choose a run, meaningless for a result folder (its run is fixed).
_RUN_CHOICES = (
    "scenario", "overlay", "trials", "seed", "sampling", "sensitivity", "precision", "max_trials"
)  # fmt: skip


def _samples_of(folder: Path, n: int | None) -> dict[str, np.ndarray] | None:
    """The Trials sheet's rows from a result folder's samples.npz (a ConfigError if absent)."""
    if n is None:
        return None
    path = folder / "samples.npz"
    if not path.is_file():
        raise ConfigError(
            Problem(
                "--samples: this result folder has no samples.npz to take trials from; run "
                "`simulate report CONFIG --samples N`, or `simulate run CONFIG --save-samples` "
                "first",
                file=str(folder),
            )
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError) as exc:
        raise ConfigError(
            Problem(
                f"not a readable samples file ({exc}); run the config again with --save-samples",
                file=str(path),
            )
        ) from None
    return trial_rows(arrays, n)


def _report_folder(args: argparse.Namespace, folder: Path) -> int:
    """``simulate report RESULT_DIR``: render the pack from what the run saved.

    Every problem names the folder (a problem of no file of its own would
    print as ``<config>``, and there is no config here).
    """
    try:
        return _render_folder(args, folder)
    except ConfigError as exc:
        raise exc.located(str(folder)) from None


def _render_folder(args: argparse.Namespace, folder: Path) -> int:
    given = [f"--{name}" for name in _RUN_CHOICES if getattr(args, name, None) is not None]
    if given:
        choose = "chooses" if len(given) == 1 else "choose"
        raise ConfigError(
            f"{', '.join(given)} {choose} a run, and a result folder holds one run "
            "already; give the config instead (simulate report CONFIG "
            f"{' '.join(given)} ...)"
        )
    if args.pdf:
        check_pdf_engine()
    written = render_pack(folder, pdf=args.pdf, trials=_samples_of(folder, args.samples))
    if not args.quiet:
        for path in written:
            print(f"  {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Render the review pack of a result folder, or run a config and render its pack."""
    target = Path(args.target)
    if target.is_dir():
        return _report_folder(args, target)
    from .run import cmd_run  # numba and the charts: only when simulating

    args.configs = [args.target]
    args.report = True
    args.save_samples = False
    if args.sensitivity is None:
        args.sensitivity = DEFAULT_REPORT_SENSITIVITY
    return cmd_run(args)
