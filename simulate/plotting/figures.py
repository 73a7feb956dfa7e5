"""A run's standard charts: hand each chart its finished numbers, then save it.

The numbers come from :mod:`simulate.metrics` and :mod:`simulate.sensitivity`;
the drawing from :mod:`simulate.plotting`. This module only connects them, so
that ``run``, ``sensitivity`` and ``batch`` draw the same charts the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics
from ..config import Model
from ..results import Result
from ..version import __version__
from .cashflow import FanGroup, cashflow_fan
from .convergence import convergence
from .distributions import npv_distribution, roi_distribution
from .frontier import frontier as frontier_chart
from .meta import ChartMeta, run_title
from .output import save
from .payback import payback_curve
from .sensitivity import spider
from .sensitivity import tornado as tornado_chart  # `tornado` names the rows in this module
from .waterfalls import waterfall

__all__ = [
    "CONVERGENCE",
    "STANDARD",
    "chart_meta",
    "standard_figures",
    "waterfall_items",
    "write_sensitivity_charts",
    "write_standard",
]

# The charts of a run, in the order a business case reads them.
STANDARD = ("npv", "roi", "payback", "cashflow", "tornado", "waterfall")
# ... and the one a run that stopped at a precision (--precision) adds.
CONVERGENCE = "convergence"


def chart_meta(
    model: Model,
    result: Result | None = None,
    *,
    trials: int | None = None,
    seed: int | None = None,
    sampling: str | None = None,
) -> ChartMeta:
    """The title, subtitle facts and footer stamp of a chart of ``model``.

    The title names the scenario and the overlay (its ``name:``, as the
    result records it, else the overlay file's stem); the stamp's hash is the
    model's, which :func:`simulate.runner.identify` makes cover both.
    """
    record = result.overlay if result is not None else None
    overlay = (record or {}).get("name") or model.overlay
    return ChartMeta(
        name=run_title(model.name, model.scenario, overlay),
        currency=model.currency,
        trials=result.trials if result is not None else int(trials or model.trials),
        seed=result.seed if result is not None else int(seed or 0),
        sampling=result.sampling if result is not None else (sampling or model.sampling),
        version=__version__,
        config_hash=model.config_hash,
        horizon_months=model.horizon_months,
        target_payback_months=model.target_payback_months,
        target_roi=model.target_roi,
        discount_rate=model.discount_rate,
        scenario=model.scenario,
        overlay=overlay,
    )


def waterfall_items(result: Result) -> list[tuple[str, float]]:
    """Mean PV of each benefit line (+) and cost line (-), in config order."""
    return metrics.waterfall_items(result.model.lines, result.line_pv_mean)


def standard_figures(result: Result, tornado: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The six charts of a run, by name (``tornado`` needs the one-at-a-time rows).

    ``tornado`` is the dict of :func:`simulate.sensitivity.tornado` (``base``
    and ``rows``); without it there is no tornado chart. A run that stopped
    at precision targets also gets its convergence chart (``convergence``).
    """
    return {name: make() for name, make in _standard_makers(result, tornado).items()}


def _standard_makers(
    result: Result, tornado: Mapping[str, Any] | None
) -> dict[str, Callable[[], Any]]:
    """Each standard chart of ``result`` as a function that draws it, in reading order."""
    model = result.model
    summary = result.summary()
    meta = chart_meta(model, result)
    paths = result.paths
    # a success flag that drives the outcome splits the charts into its two groups
    split = metrics.outcome_split(result.npv, result.flags)
    groups = split.groups() if split is not None else None

    def fan() -> Any:
        fan_groups = (
            [FanGroup(*g) for g in metrics.split_fan(paths, split)] if split is not None else None
        )
        return cashflow_fan(
            np.arange(model.horizon_months + 1, dtype=float),
            metrics.fan_bands(paths),
            meta,
            groups=fan_groups,
            sample=paths.shape[0],
        )

    makers: dict[str, Callable[[], Any]] = {
        "npv": lambda: npv_distribution(result.npv, summary, meta, groups=groups),
        "roi": lambda: roi_distribution(result.roi, summary, meta, groups=groups),
        "payback": lambda: payback_curve(
            *metrics.payback_cdf(result.payback_months, model.horizon_months), summary, meta
        ),
        "cashflow": fan,
        "waterfall": lambda: waterfall(
            waterfall_items(result),
            meta,
            subtitle="Mean present value of each benefit and cost line, from gross benefits to NPV",
        ),
    }
    if tornado is not None and tornado.get("rows"):
        rows, base = tornado["rows"], tornado["base"]["metric"]
        makers["tornado"] = lambda: tornado_chart(rows, base, meta)
    if summary["stop"].get("checks"):
        makers[CONVERGENCE] = lambda: convergence(summary["stop"], meta)
    return {name: makers[name] for name in (*STANDARD, CONVERGENCE) if name in makers}


def write_standard(
    folder: Path,
    result: Result,
    formats: Sequence[str],
    tornado: Mapping[str, Any] | None = None,
    names: Sequence[str] | None = None,
) -> list[Path]:
    """Draw the standard charts (those in ``names``) and save each in ``formats`` under ``folder``.

    Each is drawn and saved before the next is drawn.
    """
    written = []
    for name, make in _standard_makers(result, tornado).items():
        if names is None or name in names:
            written += save(make(), Path(folder) / name, formats)
    return written


def write_sensitivity_charts(
    folder: Path,
    sens: Mapping[str, Any],
    meta: ChartMeta,
    formats: Sequence[str],
    charts: Sequence[str] = ("tornado", "spider", "frontier"),
) -> list[Path]:
    """The tornado, spider and frontier charts of a sensitivity analysis (``sensitivity.json``).

    Each of ``charts`` is drawn when its section is there; the tornado and
    spider get a suffix for a metric other than NPV, the frontier (always of
    NPV) none.
    """
    metric = sens["metric"]
    suffix = "" if metric == "npv" else f"_{metric}"
    base = sens["base"]["metric"]
    written = []
    if "tornado" in charts and sens.get("tornado"):
        fig = tornado_chart(sens["tornado"], base, meta, metric)
        written += save(fig, Path(folder) / f"tornado{suffix}", formats)
    if "spider" in charts and sens.get("spider"):
        fig = spider(sens["spider"], base, meta, metric)
        written += save(fig, Path(folder) / f"spider{suffix}", formats)
    if "frontier" in charts and sens.get("frontier"):
        fig = frontier_chart(sens["frontier"], meta)
        written += save(fig, Path(folder) / "frontier", formats)
    return written
