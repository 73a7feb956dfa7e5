"""Intervals of values: what a prior can take, and what a field allows.

One type serves both sides of the check that a prior fits its field
(``benefits[0].margin`` must lie in ``[0, 1]``; a normal without bounds takes
values in ``(-inf, inf)``), so the two print and compare the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..format import format_as_written

__all__ = ["Support"]


@dataclass(frozen=True)
class Support:
    """A set of values: an interval, or for a discrete prior its values.

    Attributes
    ----------
    lo, hi : float
        The ends; ``-inf``/``inf`` for an unbounded end (which is then open).
    lo_closed, hi_closed : bool
        Whether the end itself belongs to the set.
    values : tuple of float, optional
        For a discrete prior, the values themselves (in increasing order).
    """

    lo: float
    hi: float
    lo_closed: bool = True
    hi_closed: bool = True
    values: tuple[float, ...] | None = None

    def __str__(self) -> str:
        if self.values is not None:
            return "{" + ", ".join(format_as_written(v) for v in self.values) + "}"
        # An infinite end is never reached, so it is shown open however it was given.
        left = "[" if self.lo_closed and math.isfinite(self.lo) else "("
        right = "]" if self.hi_closed and math.isfinite(self.hi) else ")"
        return f"{left}{format_as_written(self.lo)}, {format_as_written(self.hi)}{right}"

    def contains_value(self, x: float) -> bool:
        """Whether ``x`` lies in the interval."""
        above = x > self.lo or (x == self.lo and self.lo_closed)
        below = x < self.hi or (x == self.hi and self.hi_closed)
        return above and below

    def contains(self, other: Support) -> bool:
        """Whether every value of ``other`` (a prior's support) lies in this interval."""
        ok_lo = other.lo > self.lo or (
            other.lo == self.lo and (self.lo_closed or not other.lo_closed)
        )
        ok_hi = other.hi < self.hi or (
            other.hi == self.hi and (self.hi_closed or not other.hi_closed)
        )
        return ok_lo and ok_hi

    def clipped(self, limit: float) -> Support:
        """This interval within ``[-limit, limit]`` (an end moved in becomes closed)."""
        lo, hi = max(self.lo, -limit), min(self.hi, limit)
        return Support(lo, hi, self.lo_closed or lo > self.lo, self.hi_closed or hi < self.hi)
