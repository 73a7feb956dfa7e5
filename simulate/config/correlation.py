"""Rank-correlation targets: the user's Spearman matrix and its normal-scores Pearson target.

Validation checks that the target is positive definite (config load), and the
sampling stage imposes it with Iman-Conover; both use this one definition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["correlation_matrices"]


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
