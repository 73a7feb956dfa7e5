"""``simulate validate``: check configs without running them.

Loads the config layer only: no engine, numba, matplotlib or scipy.stats.
"""

from __future__ import annotations

import argparse

from ..config import load_config
from ..errors import ConfigError
from .status import EXIT_INVALID, EXIT_OK, report_invalid, warn

__all__ = ["cmd_validate"]


def _validate(path: str) -> bool:
    """Whether ``path`` and each of its scenarios are valid; every problem is reported."""
    try:
        model = load_config(path)
    except ConfigError as exc:
        report_invalid(exc)
        return False
    bad = False
    for scenario in model.scenarios:  # every scenario, not just the first bad one
        try:
            load_config(path, scenario=scenario)
        except ConfigError as exc:
            report_invalid(exc)
            bad = True
    if bad:
        return False
    for w in model.warnings:
        warn(f"{path}: {w}")
    extra = f", scenarios: {', '.join(model.scenarios)}" if model.scenarios else ""
    print(
        f"{path}: ok ({len(model.benefits)} benefit(s), {len(model.costs)} cost(s), "
        f"{len(model.inputs)} uncertain input(s){extra})"
    )
    return True


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each config and report every problem found (exit status 2 if any)."""
    status = EXIT_OK
    for path in args.configs:
        if not _validate(path):
            status = EXIT_INVALID
    return status
