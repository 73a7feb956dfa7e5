"""CSV tables a batch writes: cells that Excel and pandas read as numbers."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["csv_text", "csv_value"]


def csv_value(v: Any) -> str:
    """A CSV cell: a plain number with every digit (never a numpy repr), or the text."""
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table: a heading row of ``columns``, then each row's cells (:func:`csv_value`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_value(c) for c in row])
    return buf.getvalue()
