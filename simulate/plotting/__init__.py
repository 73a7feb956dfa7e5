"""Charts: the only package that imports matplotlib.

Every chart function takes finished numbers (per-trial arrays, the summary
dict, sensitivity rows) and a :class:`ChartMeta`, and returns a Figure; none
computes a statistic. The charts of one run, a module per kind:
:mod:`.distributions` (NPV and ROI histograms), :mod:`.payback`,
:mod:`.cashflow` (the fan), :mod:`.convergence` (a precision run's estimates
against trials), :mod:`.waterfalls`, :mod:`.sensitivity`
(tornado and spider) and :mod:`.frontier` (the two-input break-even
frontier). :mod:`.compare` has the comparison charts of scenarios and
portfolios (:mod:`.portfolio` the NPV ranges and table of a
large portfolio), :mod:`.output` saves a figure to files, and
:mod:`.figures` connects a finished run to its standard charts and files.
The house style (:mod:`._style`), the frame around every chart
(:mod:`._frame`) and the shared label placement (:mod:`._layout`) are
private to the package.
"""

from .cashflow import cashflow_fan
from .compare import (
    MAX_NAMED,
    PortfolioMeta,
    PortfolioPoint,
    named_groups,
    risk_return,
    scenario_cdfs,
)
from .convergence import convergence
from .distributions import npv_distribution, roi_distribution
from .frontier import frontier
from .meta import ChartMeta
from .output import FORMATS, save
from .payback import payback_curve
from .portfolio import npv_ranges, portfolio_table
from .sensitivity import spider, tornado
from .waterfalls import waterfall

__all__ = [
    "FORMATS",
    "MAX_NAMED",
    "ChartMeta",
    "PortfolioMeta",
    "PortfolioPoint",
    "cashflow_fan",
    "convergence",
    "frontier",
    "named_groups",
    "npv_distribution",
    "npv_ranges",
    "payback_curve",
    "portfolio_table",
    "risk_return",
    "roi_distribution",
    "save",
    "scenario_cdfs",
    "spider",
    "tornado",
    "waterfall",
]
