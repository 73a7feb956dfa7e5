"""``simulate validate``: check configs without running them; ``--preview`` shows the priors.

Loads the config layer only: no engine, numba, matplotlib or scipy.stats.
"""

from __future__ import annotations

import argparse

from ..config import Model, load_config
from ..config.preview import LEVELS, preview_rows, shown
from ..errors import ConfigError
from .status import EXIT_INVALID, EXIT_OK, report_invalid, warn

__all__ = ["cmd_validate"]


def _validate(path: str, preview: bool = False) -> bool:
    """Whether ``path`` and each of its scenarios are valid; every problem is reported."""
    try:
        model = load_config(path)  # checks every scenario too, as every command does
    except ConfigError as exc:
        report_invalid(exc)
        return False
    for w in model.warnings:
        warn(f"{path}: {w}")
    for name in model.scenarios:  # what a scenario adds (a gate its prior settles, say)
        for w in load_config(path, scenario=name).warnings:
            if w not in model.warnings:
                warn(f"{path}: scenario {name!r}: {w}")
    extra = f", scenarios: {', '.join(model.scenarios)}" if model.scenarios else ""
    used = sum(1 for i in model.inputs if i.used_by)  # an unused prior is no input of the model
    print(
        f"{path}: ok ({len(model.benefits)} benefit(s), {len(model.costs)} cost(s), "
        f"{used} uncertain input(s){extra})"
    )
    if preview:
        _preview(path, model)
    return True


def _preview(path: str, model: Model) -> None:
    """The table of every input on stdout; each implausible tail as a warning on stderr."""
    rows = preview_rows(model)
    head = ["", "input", *(f"P{round(q * 100)}" for q in LEVELS), "distribution", "used by",
            "source"]  # fmt: skip
    table = [head]
    for r in rows:
        values = [shown(v, r.unit, model.currency) for v in r.quantiles]
        used = ", ".join(r.used_by) if r.used_by else "(unused)"
        table.append(["!" if r.warnings else "", r.name, *values, r.words, used, r.source or ""])
    widths = [max(len(row[c]) for row in table) for c in range(len(head))]
    numeric = range(2, 2 + len(LEVELS))
    print(f"{path}: inputs, with their exact quantiles in the unit of the fields they feed")
    for row in table:
        cells = [
            cell.rjust(w) if c in numeric else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells).rstrip())
    for r in rows:  # an unused prior is among the config's own warnings already
        for w in r.warnings:
            warn(f"{path}: preview: {r.name}: {w}")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each config and report every problem found (exit status 2 if any)."""
    status = EXIT_OK
    for path in args.configs:
        if not _validate(path, getattr(args, "preview", False)):
            status = EXIT_INVALID
    return status
