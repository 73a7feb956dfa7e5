"""``simulate batch``: many configs and all their scenarios (see :mod:`simulate.batch`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..batch import Progress, batch_text, run_batch
from .run import run_options

__all__ = ["cmd_batch"]


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the batch with progress on stderr and a table on stdout; its exit status."""
    options = replace(run_options(args), seed=None)
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
