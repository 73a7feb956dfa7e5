"""CSV tables a batch writes: cells that Excel and pandas read as numbers.

A text that starts as a formula would (``=``, ``+``, ``-``, ``@``, a tab or a
carriage return: a config's ``name:``, path or scenario, an error message) is
written with a single quote before it, so that a spreadsheet opening the CSV
shows it as text and never runs it (OWASP's guard against CSV injection).
Numbers are never quoted: a negative NPV stays a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..files import FORMULA_START

__all__ = ["csv_text", "csv_value"]


def csv_value(v: Any) -> str:
    """A CSV cell: a plain number with every digit (never a numpy repr), or the text.

    A text that a spreadsheet would read as a formula gets a ``'`` before it.
    """
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return repr(v) if math.isfinite(v) else ""
    text = str(v)
    return "'" + text if text.startswith(FORMULA_START) else text


def _quoted(cell: str) -> str:
    """A cell as RFC 4180 writes it: in double quotes when it holds a comma, a quote or a line break.

    Python's csv writer leaves a carriage return unquoted when lines end in
    ``\\n``, and a reader then breaks the row there.
    """
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table: a heading row of ``columns``, then each row's cells (:func:`csv_value`)."""
    lines = [",".join(_quoted(c) for c in columns)]
    lines += [",".join(_quoted(csv_value(c)) for c in row) for row in rows]
    return "\n".join(lines) + "\n"
