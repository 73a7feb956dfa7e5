"""The model at chosen points: :func:`simulate.engine.evaluate`, the engine loaded on first use.

The methods that evaluate the model (:mod:`.oat`, :mod:`.frontier`,
:mod:`.thresholds`) call it through here, so that importing this package
does not load the engine and numba with it: the charts' processes import
the package for its labels (:mod:`.labels`) and never evaluate anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Outputs

__all__ = ["evaluate"]


def evaluate(*args: Any, **kwargs: Any) -> Outputs:
    """:func:`simulate.engine.evaluate` (the same arguments)."""
    from ..engine import evaluate as kernel  # numba: only where a point is evaluated

    return kernel(*args, **kwargs)
