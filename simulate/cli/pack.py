"""Render a result folder's review pack: the step ``run --report`` and ``report`` share.

The pack is ``report.html`` and ``report.xlsx`` (and ``report.pdf`` with
``--pdf``), rendered from the folder's ``report_data.json`` (every run saves
one); nothing else in the folder changes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..report.data import read_pack_data
from .status import warn

__all__ = ["EXCEL_MAX_ROWS", "check_pdf_engine", "render_pack", "trial_rows"]

# Rows of data a worksheet holds below its header row (Excel's limit is 1,048,576).
EXCEL_MAX_ROWS = 1_048_575


def check_pdf_engine() -> None:
    """A ConfigError with the fix when ``--pdf`` is asked for and no browser can print it."""
    from ..report.pdf import BROWSERS, find_browser  # only with --pdf

    if find_browser() is None:
        raise ConfigError(
            "--pdf: no headless Chromium found to print report.html (looked for "
            f"{', '.join(BROWSERS)} on the PATH); install one (Debian/Ubuntu: apt-get install "
            "chromium), or leave out --pdf and print report.html from a browser"
        )


def trial_rows(arrays: Mapping[str, np.ndarray], n: int | None) -> dict[str, np.ndarray] | None:
    """The first ``n`` trials of each per-trial array, for the workbook's ``Trials`` sheet.

    ``n`` beyond the trials there are, or beyond a worksheet's rows, is cut
    to fit with a warning; ``None`` means no Trials sheet.
    """
    if n is None:
        return None
    trials = min(len(a) for a in arrays.values())
    rows = min(n, trials, EXCEL_MAX_ROWS)
    if n > EXCEL_MAX_ROWS and trials > EXCEL_MAX_ROWS:
        warn(
            f"--samples {n:,}: a worksheet holds {EXCEL_MAX_ROWS:,} rows of data; "
            f"the Trials sheet has the first {rows:,} trials (samples.npz holds them all: "
            "use --save-samples)"
        )
    elif n > trials:
        warn(f"--samples {n:,}: the run has {trials:,} trials; the Trials sheet has them all")
    return {name: np.asarray(a[:rows]) for name, a in arrays.items()}


def render_pack(
    folder: Path, *, pdf: bool = False, trials: Mapping[str, np.ndarray] | None = None
) -> list[Path]:
    """Render ``folder``'s ``report_data.json`` into report.html, report.xlsx (and report.pdf).

    The files are rendered into a temporary folder inside ``folder`` and moved
    into place only when all are written: an error or an interrupt leaves the
    folder as it was. Returns the files written.
    """
    from ..report.html import write_html  # jinja2 and matplotlib: only for a pack
    from ..report.xlsx import write_xlsx  # xlsxwriter: only for a pack

    folder = Path(folder)
    data = read_pack_data(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
    try:
        made = [write_html(tmp, data), write_xlsx(tmp, data, trials)]
        if pdf:
            from ..report.pdf import write_pdf  # a browser: only with --pdf

            made.append(write_pdf(made[0], tmp / "report.pdf"))
        written = []
        for path in made:
            os.replace(path, folder / path.name)
            written.append(folder / path.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
