"""Charts: the only package that imports matplotlib.

Every chart function takes finished numbers (per-trial arrays, the summary
dict, sensitivity rows) and a :class:`ChartMeta`, and returns a Figure; none
computes a statistic. :mod:`.charts` has the charts of one run,
:mod:`.compare` the comparison charts of scenarios and portfolios,
:mod:`.figures` connects a finished run to its standard charts and files.
The house style (:mod:`._style`) and the shared frame and label placement
(:mod:`._layout`) are private to the package.
"""

from .charts import (
    FORMATS,
    cashflow_fan,
    npv_distribution,
    payback_curve,
    roi_distribution,
    save,
    spider,
    tornado,
    waterfall,
)
from .compare import PortfolioMeta, PortfolioPoint, risk_return, scenario_cdfs
from .meta import ChartMeta

__all__ = [
    "FORMATS",
    "ChartMeta",
    "PortfolioMeta",
    "PortfolioPoint",
    "cashflow_fan",
    "npv_distribution",
    "payback_curve",
    "risk_return",
    "roi_distribution",
    "save",
    "scenario_cdfs",
    "spider",
    "tornado",
    "waterfall",
]
