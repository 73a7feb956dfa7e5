"""Command-line value types and the option groups several commands share.

Loaded with the parser, so it stays light: no engine, no numba, no matplotlib.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import SAMPLING_METHODS

__all__ = [
    "FORMATS",
    "add_output_options",
    "add_simulation_options",
    "formats",
    "positive_int",
    "seed_value",
    "sensitivity_methods",
]

FORMATS = ("png", "svg", "pdf")


def positive_int(text: str) -> int:
    """A whole number >= 1 (``10_000`` and ``10,000`` allowed)."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def seed_value(text: str) -> int:
    """A random seed: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def formats(text: str) -> tuple[str, ...]:
    """Comma-separated chart formats from :data:`FORMATS`."""
    items = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"{text!r}: formats are a comma-separated list of {', '.join(FORMATS)}"
        )
    return items


def sensitivity_methods(text: str) -> str:
    """``run --sensitivity``'s value, refused when it looks like a config.

    The methods themselves are checked by :func:`simulate.sensitivity.parse_methods`
    when the command runs (it loads scipy: not while parsing).
    """
    # `run --sensitivity configs/x.yaml` would take the config as the methods
    if text.lower().endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        raise argparse.ArgumentTypeError(
            f"{text!r} looks like a config, not a list of methods: put --sensitivity after "
            "the CONFIGs, or write --sensitivity=METHODS"
        )
    return text


def add_output_options(p: argparse.ArgumentParser, quiet: str = "print nothing on success") -> None:
    """--out, --no-figures, --format and --quiet, as every writing command has them."""
    p.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                   help="where result folders go (default: results/)")  # fmt: skip
    p.add_argument("--no-figures", action="store_true", help="do not draw the charts")
    p.add_argument("--format", type=formats, default=("png",), metavar="FMT[,FMT]",
                   help=f"chart formats, from {', '.join(FORMATS)} (default: png)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help=quiet)


def add_simulation_options(p: argparse.ArgumentParser) -> None:
    """--trials, --seed and --sampling, overriding a config's ``simulation:`` block."""
    p.add_argument("--trials", type=positive_int, metavar="N", help="number of trials")
    p.add_argument("--seed", type=seed_value, metavar="S", help="random seed (a whole number >= 0)")
    p.add_argument(
        "--sampling",
        choices=SAMPLING_METHODS,
        help="random (default), lhs (Latin hypercube) or sobol (scrambled Sobol')",
    )
