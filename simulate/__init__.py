"""simulate: Monte Carlo risk for customer-experience investments.

YAML priors on lift, churn, cost and lag -> simulated monthly cash flows ->
NPV, ROI and payback distributions, with sensitivity analysis.

>>> import simulate
>>> model = simulate.load_config("configs/contact_center_aht.yaml")
>>> result = simulate.run(model, trials=10_000, seed=1)
>>> result.summary()["probabilities"]["npv_positive"]  # doctest: +SKIP
"""

from .config import Model, load_config
from .engine import Result, run
from .errors import ConfigError

__version__ = "0.1.0"

__all__ = ["ConfigError", "Model", "Result", "__version__", "load_config", "run"]
