"""Chart files: a figure saved as PNG, SVG or PDF, the same bytes for the same figure."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from ..errors import ConfigError
from ..files import FIGURE_FORMATS as FORMATS
from ..files import replacing
from . import _style as st
from ._frame import RC_LOCK
from ._glyphs import noting_missing_glyphs

__all__ = ["FORMATS", "save"]


_SAVE_OPTIONS = {
    # No dates and no software versions in the files: the same figure gives
    # the same bytes, and a re-run that changed nothing changes no file.
    # zlib level 1 (as _png): a chart's flat colours compress nearly as well as at the
    # default 6 (about 10% larger) in two thirds of the time
    "png": {"metadata": {"Software": None}, "pil_kwargs": {"compress_level": 1}},
    "svg": {"metadata": {"Date": None, "Creator": "simulate"}},
    "pdf": {
        "metadata": {"CreationDate": None, "ModDate": None, "Creator": "simulate", "Producer": None}
    },
}


def _formats(formats: Sequence[str] | str) -> list[str]:
    """The formats asked for, lower-case and without dots, each one checked."""
    if isinstance(formats, str):  # "png,svg" as on the command line
        formats = formats.split(",")
    wanted = [str(f).strip().lower().lstrip(".") for f in formats if str(f).strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ConfigError(
            f"{bad[0]!r} is not a figure format. It must be one of {', '.join(FORMATS)}",
            path="format",
        )
    return list(dict.fromkeys(wanted))


def _write(fig: Figure, path: Path, fmt: str, png_dpi: int) -> None:
    """Write ``fig`` to ``path`` as ``fmt``; a chart's own figure as PNG is drawn once.

    savefig runs the layout engine in a draw of its own before the draw that
    renders the file. A figure on a plain Agg canvas at the PNG's dpi (every
    chart made here) is drawn by its canvas instead: one draw, its layout
    run inside it, the same pixels, encoded by :func:`_png`.
    """
    if (
        fmt == "png"
        and type(fig.canvas) is FigureCanvasAgg
        and fig.dpi == png_dpi
        and same_color(fig.get_facecolor(), "white")
    ):
        fig.canvas.draw()
        path.write_bytes(_png(np.asarray(fig.canvas.buffer_rgba()), png_dpi))
        return
    fig.savefig(
        path,
        format=fmt,
        dpi=png_dpi if fmt == "png" else 72,
        facecolor="white",
        **_SAVE_OPTIONS[fmt],
    )


_BLOCK_ROWS = 128


def _png(rgba: np.ndarray, dpi: int) -> bytes:
    """An RGBA image (rows top to bottom) as a PNG file: its rows unfiltered, zlib level 1.

    Pillow filters every row adaptively (it tries the five PNG filters on
    each), most of its time on a chart. A chart's runs of flat colour
    compress about as well unfiltered (1.17 MB for the six standard charts
    against Pillow's 1.20 MB at the same level) in under half the time. No
    date and no software in the file: the same pixels give the same bytes.
    """
    height, width, _ = rgba.shape
    pixels = rgba.reshape(height, 4 * width)
    # compressed a block of rows at a time: no second copy of the whole image
    block = np.zeros((min(height, _BLOCK_ROWS), 1 + 4 * width), dtype=np.uint8)
    packer = zlib.compressobj(1)
    idat = []
    for top in range(0, height, _BLOCK_ROWS):
        rows = block[: min(_BLOCK_ROWS, height - top)]
        rows[:, 1:] = pixels[top : top + len(rows)]  # each row: filter 0 (none), its pixels
        idat.append(packer.compress(rows))
    idat.append(packer.flush())
    per_metre = round(dpi / 0.0254)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            # 8 bits per channel, colour type 6 (RGBA), deflate, no interlacing
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", b"".join(idat)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def save(
    fig: Figure,
    path_without_suffix: Path | str,
    formats: Sequence[str] | str = ("png",),
    *,
    dpi: int = st.PNG_DPI,
) -> list[Path]:
    """Write ``fig`` once per format (``png``, ``svg``, ``pdf``); return the paths.

    ``path_without_suffix`` gets ``.png`` etc. appended (its parent is
    created). Each file is written under a temporary name and moved into
    place, so a failure never leaves half a file. PNG is written at ``dpi``
    (at least 200). The same figure gives byte-identical files: no dates or
    software versions, fixed SVG ids.

    Raises
    ------
    simulate.errors.ConfigError
        For a format that is not one of :data:`FORMATS`.
    """
    wanted = _formats(formats)
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with RC_LOCK, mpl.rc_context(st.RC), noting_missing_glyphs():
        for fmt in wanted:
            target = base.with_name(f"{base.name}.{fmt}")
            with replacing(target) as tmp:
                _write(fig, tmp, fmt, max(int(dpi), st.PNG_DPI))
            written.append(target)
    return written
