"""Rank correlations between priors: the ``correlations:`` rows and the target they make.

Validation reads the rows and checks that the target is positive definite
(config load); the sampling stage imposes the target with Iman-Conover. Both
use :func:`correlation_matrices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import describe_value, did_you_mean
from .checks import Checks
from .inputs import Inputs
from .loader import join_path
from .numbers import is_number, looks_numeric, not_a_number

__all__ = ["correlation_matrices", "read_correlations"]

# An eigenvalue at or below this makes the target singular in practice.
_MIN_EIGENVALUE = 1e-10


def correlation_matrices(
    rows: Sequence[tuple[int, int, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """The Spearman matrix of ``rows`` and its normal-scores Pearson target.

    Rows and columns follow the sorted input indices that appear in ``rows``.
    """
    idx = sorted({i for r in rows for i in r[:2]})
    pos = {j: p for p, j in enumerate(idx)}
    spearman = np.eye(len(idx))
    for a, b, rho in rows:
        spearman[pos[a], pos[b]] = spearman[pos[b], pos[a]] = rho
    pearson = 2.0 * np.sin(np.pi * spearman / 6.0)
    np.fill_diagonal(pearson, 1.0)
    return spearman, pearson


def read_correlations(
    rows: Any, checks: Checks, inputs: Inputs
) -> tuple[tuple[int, int, float], ...]:
    """``correlations: [[prior_a, prior_b, rho], ...]`` as ``(input_a, input_b, rho)`` rows."""
    if rows is None:
        return ()
    if not isinstance(rows, list):
        checks.error("correlations", "correlations: must be a list of [prior_a, prior_b, rho] rows")
        return ()
    out = []
    seen: dict[frozenset, str] = {}
    for r, row in enumerate(rows):
        path = join_path("correlations", r)
        if not _row_is_valid(row, path, checks, inputs):
            continue
        a, b, rho = row
        pair = frozenset((a, b))
        if pair in seen:
            checks.error(
                path, f"the pair ({a}, {b}) is already correlated at {seen[pair]}; keep one row"
            )
            continue
        seen[pair] = path
        out.append((inputs.index[a], inputs.index[b], float(rho)))
    if out and not checks.any_under("correlations"):
        _check_positive_definite(out, checks, inputs)
    return tuple(out)


def _row_is_valid(row: Any, path: str, checks: Checks, inputs: Inputs) -> bool:
    """Whether ``row`` names two different uncertain priors and a rho in (-1, 1)."""
    if not (isinstance(row, list) and len(row) == 3):
        checks.error(
            path, f"each correlation is a row [prior_a, prior_b, rho], not {describe_value(row)}"
        )
        return False
    a, b, rho = row
    ok = True
    for name in (a, b):
        if inputs.failed(name):  # its own error is reported under priors:
            ok = False
        elif not isinstance(name, str) or name not in inputs.priors:
            known = [n for n, p in inputs.priors.items() if not p.is_fixed]
            checks.error(
                path,
                f"{describe_value(name)} is not a named prior{did_you_mean(str(name), known)}; "
                f"correlations take names defined under priors: ({', '.join(known) or 'none'})",
            )
            ok = False
        elif inputs.priors[name].is_fixed:
            checks.error(
                path, f"prior {name!r} is fixed, so it cannot be correlated; remove this row"
            )
            ok = False
    if ok and a == b:
        checks.error(path, f"a prior cannot be correlated with itself ({a!r})")
        ok = False
    if not is_number(rho) or not -1 < rho < 1:
        typed = f"; {not_a_number(rho)}" if isinstance(rho, str) and looks_numeric(rho) else ""
        checks.error(
            path,
            f"rho must be a number strictly between -1 and 1, not {describe_value(rho)}{typed}",
        )
        ok = False
    return ok


def _check_positive_definite(
    rows: Sequence[tuple[int, int, float]], checks: Checks, inputs: Inputs
) -> None:
    names = [inputs.name_of(i) for i in sorted({i for r in rows for i in r[:2]})]
    spearman, pearson = correlation_matrices(rows)
    for label, mat in (
        ("Spearman correlation matrix", spearman),
        ("its normal-scores target", pearson),
    ):
        if np.linalg.eigvalsh(mat).min() <= _MIN_EIGENVALUE:
            checks.error(
                "correlations",
                f"the {label} over ({', '.join(names)}) is not positive definite: these "
                "correlations cannot hold together (e.g. a~b and b~c strongly positive "
                "but a~c negative); weaken or remove some",
            )
            return
