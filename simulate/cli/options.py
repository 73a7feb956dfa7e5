"""Command-line value types and the option groups several commands share.

Loaded with the parser, so it stays light: no engine, no numba, no matplotlib.
"""

from __future__ import annotations

import argparse
import re
import socket
from pathlib import Path

from ..config import SAMPLING_METHODS
from ..config.model import PrecisionTarget
from ..config.settings import MAX_SEED, MAX_TRIALS
from ..config.tolerance import parse_targets
from ..errors import ConfigError
from ..files import FIGURE_FORMATS as FORMATS
from ..files import writable_problem
from ..seeds import MAX_ROOT_SEED

__all__ = [
    "FORMATS",
    "add_output_options",
    "add_precision_options",
    "add_simulation_options",
    "check_dask_reachable",
    "check_sobol_n",
    "dask_address",
    "formats",
    "max_trials_value",
    "out_dir",
    "positive_int",
    "precision_value",
    "root_seed_value",
    "seed_value",
    "sensitivity_methods",
]


def positive_int(text: str) -> int:
    """A whole number >= 1 (``10_000`` and ``10,000`` allowed)."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _whole_number(text: str) -> int:
    """A whole number >= 0, for a seed."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def seed_value(text: str) -> int:
    """A run's random seed: a whole number from 0 to 2^63 - 1, as ``simulation.seed`` allows."""
    value = _whole_number(text)
    if value > MAX_SEED:
        # A batch's root seed (128 bits) pasted here is the likely mistake: say where it goes.
        hint = (
            "; a batch's root_seed is passed back with 'simulate batch --seed', and each "
            "row of batch_summary.csv records its run's own seed"
            if value <= MAX_ROOT_SEED
            else ""
        )
        raise argparse.ArgumentTypeError(
            f"{text!r} is too large: a run's seed is at most {MAX_SEED} "
            f"(63 bits, as simulation.seed){hint}"
        )
    return value


def root_seed_value(text: str) -> int:
    """A batch's root seed: a whole number from 0 to 2^128 - 1, as batch_summary.json records it."""
    value = _whole_number(text)
    if value > MAX_ROOT_SEED:
        raise argparse.ArgumentTypeError(
            f"{text!r} is too large: a batch's root seed is at most {MAX_ROOT_SEED} "
            "(128 bits, as batch_summary.json's root_seed)"
        )
    return value


def max_trials_value(text: str) -> int:
    """``--max-trials``: a whole number of trials from 1 to the most a run may have."""
    value = positive_int(text)
    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_TRIALS:,} trials")
    return value


def precision_value(text: str) -> tuple[PrecisionTarget, ...]:
    """``--precision``: ``FIG=TOL[,FIG=TOL...]`` or ``default`` (every problem in one message)."""
    targets, problems = parse_targets(text)
    if problems:
        raise argparse.ArgumentTypeError(
            "; ".join(f"{fig}: {msg}" if fig else msg for fig, msg in problems)
        )
    return targets


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


MAX_SOBOL_N = 1 << 22


def check_sobol_n(value: int | None) -> None:
    """``--sobol-n``: at least 2 base samples (Sobol' needs two), at most 2^22."""
    if value is None:
        return
    if value < 2:
        raise ConfigError(
            f"--sobol-n: {value} is too few; Sobol' indices need at least 2 base samples "
            "(best a power of two, e.g. 8192)"
        )
    if value > MAX_SOBOL_N:
        raise ConfigError(
            f"--sobol-n: {value:,} is more than {MAX_SOBOL_N:,} base samples; "
            "use a power of two up to that"
        )


def out_dir(text: str) -> Path:
    """``--out``: a folder that results can be written into (made if missing), checked now.

    A path that is a file or lies under a file, a folder this process cannot
    create files in, or a disk with less than a few MB free is refused
    before anything runs. An empty path is refused too: ``Path('')`` is the
    current folder, so ``--out ''`` (an unset shell variable, say) would
    scatter result folders and the batch summary where the command stands.
    """
    if not text.strip():  # '' or '   ': no name a user meant
        raise argparse.ArgumentTypeError("give a folder, not an empty path")
    path = Path(text)
    why = writable_problem(path)
    if why is not None:
        raise argparse.ArgumentTypeError(f"{text}: {why}")
    return path


_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?)"
_DASK_ADDRESS = re.compile(rf"^(?:(tcp|tls|ws|wss|ucx)://)?({_HOST}):([0-9]{{1,5}})/?$")


def dask_address(text: str) -> str:
    """``--dask``: ``tcp://host:port`` or ``host:port`` (also tls://, ws://, wss://, ucx://).

    Checked for its form only (a typo fails at once, not after a timeout);
    :func:`check_dask_reachable` tries to connect.
    """
    m = _DASK_ADDRESS.match(text.strip())
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address; write tcp://HOST:PORT or HOST:PORT, "
            "e.g. tcp://scheduler:8786"
        )
    return text.strip()


def check_dask_reachable(address: str, timeout: float = 3.0) -> None:
    """A ConfigError unless a TCP connection to ``address``'s host and port opens within ``timeout``."""
    m = _DASK_ADDRESS.match(dask_address(address))
    host, port = m.group(2).strip("[]"), int(m.group(3))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ConfigError(
            f"--dask: cannot reach the Dask scheduler at {address} ({reason} within "
            f"{timeout:g} s); start one with 'dask scheduler' (and workers with "
            "'dask worker ADDRESS'), or check the address"
        ) from None


def add_output_options(p: argparse.ArgumentParser, quiet: str = "print nothing on success") -> None:
    """--out, --no-figures, --format and --quiet, as every writing command has them."""
    p.add_argument("--out", type=out_dir, default="results", metavar="DIR",
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


def add_precision_options(p: argparse.ArgumentParser) -> None:
    """--precision and --max-trials: a run that stops at a precision (run, report)."""
    p.add_argument(
        "--precision",
        type=precision_value,
        metavar="FIG=TOL[,FIG=TOL...]|default",
        help="add trials until each figure's 95%% interval half-width is within its "
        "tolerance at two check points in a row, instead of --trials: FIG is npv_mean, "
        "npv_positive, npv_p10, npv_p50, npv_p90, roi_p10, roi_p50, roi_p90, payback_p10, "
        "payback_p50, payback_p90, "
        "payback_within_target or roi_at_least_target; TOL is absolute in the figure's "
        "unit (50000, 1.5 months), in percentage points for a probability or the ROI "
        "(0.5pp), or relative (2%%); default means npv_positive=0.5pp,npv_p50=2%%",
    )
    p.add_argument(
        "--max-trials",
        type=max_trials_value,
        metavar="N",
        help="with --precision: stop at N trials at most (default 10,000,000)",
    )
