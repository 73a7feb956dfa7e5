"""Characters no installed font can draw: one note for them, not a warning per glyph.

The house font (DejaVu Sans) has no Chinese, Japanese or Korean glyphs. Where
a fallback font that has them is installed (:data:`simulate.plotting._style.
FALLBACK_FONTS`), matplotlib draws them with it. Where none is, matplotlib
warns once per missing glyph and per place in its code: a config named in
Japanese printed hundreds of ``UserWarning: Glyph 12398 ... missing`` lines.
:func:`noting_missing_glyphs` wraps every drawing and saving of a chart,
swallows those warnings, keeps the characters, and prints one line on stderr
per process naming them and the fix (PNG and PDF charts show them as boxes;
SVG charts and report.html keep the text, which a viewer draws with its own
fonts).
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["missing_glyphs", "noting_missing_glyphs"]

_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")
_LOCK = threading.Lock()
_missing: set[str] = set()  # every character found missing in this process
_noted = False  # whether the note was printed


def missing_glyphs() -> frozenset[str]:
    """The characters this process's charts could not draw with any installed font."""
    with _LOCK:
        return frozenset(_missing)


def _note(chars: set[str]) -> str:
    shown = "".join(sorted(chars))
    if len(shown) > 12:
        shown = shown[:12] + "…"
    return (
        f"warning: charts: no installed font has the characters {shown} (the house font "
        "DejaVu Sans has no Chinese, Japanese or Korean): PNG and PDF charts show them as "
        "empty boxes, SVG charts and report.html keep the text. Install a font that has "
        "them (Debian/Ubuntu: apt-get install fonts-noto-cjk) and run again"
    )


@contextmanager
def noting_missing_glyphs() -> Iterator[None]:
    """Run the block with matplotlib's missing-glyph warnings swallowed and noted once.

    Other warnings raised in the block go on as they would have. The first
    block of a process that finds a character no font has prints one line
    on stderr; later ones add to :func:`missing_glyphs` silently.
    """
    global _noted
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    found: set[str] = set()
    for w in caught:
        match = _GLYPH.search(str(w.message))
        if match:
            found.add(chr(int(match.group(1))))
        else:  # not ours: as if the block had not caught it
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    if not found:
        return
    with _LOCK:
        _missing.update(found)
        first = not _noted
        _noted = True
    if first:
        print(_note(found), file=sys.stderr)
