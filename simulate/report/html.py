"""report.html: the review pack as one self-contained page.

The page is rendered by Jinja2 with autoescaping on, so a config's name,
a line's name or an assumption's note is always text, never markup. It has
no external file, script, font or request: the style sheet is inline, the
charts are inline SVG (:mod:`.charts`), the fonts are the reader's own. It
prints on two A4 or Letter pages (the style sheet's print rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..files import replacing
from .charts import WIDE, report_svgs
from .page import page_view

__all__ = ["TEMPLATE", "render_html", "write_html"]

TEMPLATE = "report.html.j2"


def _environment() -> jinja2.Environment:
    # The templates are package data (simulate/report/templates/), read through
    # importlib.resources, so they are found in a wheel or a zip as in a checkout.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("simulate.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(data: Mapping[str, Any], svgs: Mapping[str, str] | None = None) -> str:
    """The page for ``data`` (report_data.json), with ``svgs`` (:func:`.charts.report_svgs`)."""
    if svgs is None:
        svgs = report_svgs(data)
    view = page_view(data)
    # The SVG comes from matplotlib, which escapes every text it writes: it is markup.
    charts = [(key, key in WIDE, Markup(svg)) for key, svg in svgs.items()]
    return _environment().get_template(TEMPLATE).render(**view, charts=charts)


def write_html(folder: Path, data: Mapping[str, Any]) -> Path:
    """Write ``folder/report.html`` (whole or not at all) and return its path."""
    target = Path(folder) / "report.html"
    text = render_html(data)
    with replacing(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
