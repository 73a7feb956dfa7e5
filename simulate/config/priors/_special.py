"""``scipy.special`` for the priors, imported when a value first needs it.

Importing ``scipy.special`` costs about 0.1 s (0.25 s without
:func:`simulate._scipy.load`), half of what ``simulate validate`` would
otherwise take. Reading a config asks each prior for its
quantiles at the sampler's extreme levels and its median
(:data:`~.base.EDGE_LEVELS`), and for the common priors those need only the
standard normal's and the logit's values at these three levels: they are
kept here as numbers (``tests/test_priors.py`` checks them against scipy bit
for bit), so a config of normals, lognormals, metalogs with at most one
bound, betas, PERTs, triangulars, uniforms and discretes validates without
scipy. A run imports it on its first draw.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from ... import _scipy
from .base import EDGE_LEVELS

__all__ = ["LOGIT_EDGES", "NDTRI_EDGES", "logit", "ndtri", "special"]

# special.ndtri(EDGE_LEVELS) and special.logit(EDGE_LEVELS), exactly.
NDTRI_EDGES = (-8.209536151601387, 0.0, 8.209536151601387)
LOGIT_EDGES = (-36.7368005696771, 0.0, 36.7368005696771)


class _Special:
    """``scipy.special``, imported on the first attribute asked of it."""

    _module: ModuleType | None = None

    def __getattr__(self, name: str) -> Any:
        if _Special._module is None:
            _Special._module = _scipy.load("scipy.special")
        return getattr(_Special._module, name)


special = _Special()


def _at_edges(u: np.ndarray) -> bool:
    return u.shape == EDGE_LEVELS.shape and bool(np.array_equal(u, EDGE_LEVELS))


def ndtri(u: Any) -> Any:
    """``special.ndtri(u)``; at :data:`~.base.EDGE_LEVELS` its known values, without scipy."""
    u = np.asarray(u, dtype=float)
    return np.array(NDTRI_EDGES) if _at_edges(u) else special.ndtri(u)


def logit(u: Any) -> Any:
    """``special.logit(u)``; at :data:`~.base.EDGE_LEVELS` its known values, without scipy."""
    u = np.asarray(u, dtype=float)
    return np.array(LOGIT_EDGES) if _at_edges(u) else special.logit(u)
