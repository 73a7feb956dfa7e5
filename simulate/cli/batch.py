"""``simulate batch``: many configs and all their scenarios (see :mod:`simulate.batch`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..batch import Progress, batch_text, run_batch
from ..batch.resume import earlier_batch
from ..errors import ConfigError
from ..kernel.announce import announce_compile
from .options import check_dask_reachable
from .run import run_options
from .status import EXIT_INVALID, usage_error

__all__ = ["cmd_batch"]


def _resumed(args: argparse.Namespace) -> None:
    """``--resume`` without --seed or --trials: those of the batch it resumes, if recorded."""
    earlier = earlier_batch(args.out)
    if args.seed is None:
        args.seed = earlier.get("root_seed")
    if args.trials is None:
        args.trials = earlier.get("trials")


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the batch with progress on stderr and a table on stdout; its exit status."""
    if args.dask and not args.dask.startswith("inproc://"):  # in-process: nothing to reach
        # A typo or a scheduler that is not there fails now, in one line, not
        # after the client's connection timeout.
        try:
            check_dask_reachable(args.dask)
        except argparse.ArgumentTypeError as exc:
            print(f"error: --dask: {exc}", file=sys.stderr)
            return EXIT_INVALID
        except ConfigError as exc:
            return usage_error(exc)
    if args.resume:
        _resumed(args)
    options = replace(run_options(args), seed=None)
    tty = sys.stderr.isatty()
    progress = Progress(0, sys.stderr, enabled=tty and not args.quiet, log=not args.quiet)
    error = None
    try:
        report = run_batch(
            args.paths,
            args.out,
            options,
            workers=args.workers,
            dask=args.dask,
            dask_timeout=args.dask_timeout,
            seed=args.seed,
            resume=args.resume,
            include_templates=args.include_templates,
            figures=not args.no_figures,
            note=progress.note,
            progress=progress,
            announce=lambda: announce_compile(args.quiet),
        )
    except ConfigError as exc:
        error = exc
    finally:
        progress.close()
    if error is not None:  # a problem without a file is its message (never "<config>: ...")
        return usage_error(error)
    if not args.quiet:
        print(batch_text(report))
        print()
        print(f"  Summary: {args.out / 'batch_summary.csv'}, {args.out / 'batch_summary.json'}")
        if report.figures:
            print(f"  Charts:  {len(report.figures)} file(s) in {args.out / 'figures'}")
    return report.status
