"""simulate: Monte Carlo risk for customer-experience investments.

YAML priors on lift, churn, cost and lag -> simulated monthly cash flows ->
NPV, ROI and payback distributions, with sensitivity analysis.

>>> import simulate
>>> model = simulate.load_config("configs/contact_center_aht.yaml")
>>> result = simulate.run(model, trials=10_000, seed=1)
>>> result.summary()["probabilities"]["npv_positive"]  # doctest: +SKIP

The layout follows the pipeline, each stage importing only the stages before
it (README, "How the code is laid out"): ``config`` -> ``sampling`` ->
``kernel`` -> ``metrics`` -> ``engine`` -> ``sensitivity`` / ``compare`` ->
``text`` / ``plotting`` -> ``runner`` -> ``overlay`` / ``batch`` -> ``cli``.
The equations are in ``docs/model.md``, the files and commands in
``docs/interface.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ConfigError
from .version import __version__

if TYPE_CHECKING:  # for type checkers only: the config layer loads scipy, the engine numba
    from .config import Model, load_config  # for type checkers only: loads numpy and scipy
    from .engine import Result, run  # for type checkers only: the engine loads numba

__all__ = ["ConfigError", "Model", "Result", "__version__", "load_config", "run"]


def __getattr__(name: str):
    # The engine compiles or loads numba kernels: loading a config (``simulate
    # validate``) must not pay for it, so ``run`` and ``Result`` load on first use.
    # The config layer loads numpy and scipy (most of a second): the console
    # script imports this package before it can catch SIGINT and SIGTERM, so
    # ``load_config`` and ``Model`` load on first use too.
    if name in ("load_config", "Model"):
        from . import config  # numpy, scipy: only when a config is loaded

        return getattr(config, name)
    if name in ("run", "Result"):
        from . import engine  # loads numba: only when a run is asked for

        return getattr(engine, name)
    raise AttributeError(f"module 'simulate' has no attribute {name!r}")
