"""The config's top-level settings: its name, horizon and rate, simulation and targets."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ..errors import describe_value, did_you_mean
from .checks import Checks
from .model import Settings
from .support import Support

__all__ = [
    "DEFAULT_TRIALS",
    "DISCOUNT_RATES",
    "MAX_DISCOUNT_GROWTH",
    "MAX_HORIZON",
    "MAX_SEED",
    "MAX_TRIALS",
    "SAMPLING_METHODS",
    "TARGET_ROIS",
    "read_settings",
    "read_template",
]

SAMPLING_METHODS = ("random", "lhs", "sobol")
DEFAULT_TRIALS = 100_000
MAX_TRIALS = 100_000_000
MAX_SEED = 2**63 - 1  # seeds are 63-bit, as drawn from OS entropy (seeds.py)
MAX_HORIZON = 600
# An annual rate is a fraction: 0.10 is 10%; above 1 (100% a year) it is a percentage mistyped.
DISCOUNT_RATES = Support(-0.99, 1.0)
# A negative rate makes late flows worth more than today's; beyond this factor the
# discounted sums lose every digit of the early months (and soon overflow).
MAX_DISCOUNT_GROWTH = 1e12
# ROI is a fraction too (0.5 = 50%); it cannot fall below -1 (every unit spent lost).
TARGET_ROIS = Support(-1.0, 10.0)
TOP_KEYS = (
    "name",
    "description",
    "currency",
    "horizon_months",
    "discount_rate",
    "simulation",
    "targets",
    "priors",
    "correlations",
    "benefits",
    "costs",
    "scenarios",
    "template",
)
SIMULATION_KEYS = ("trials", "seed", "sampling")
TARGET_KEYS = ("payback_months", "roi")


def read_settings(raw: Mapping, checks: Checks) -> Settings:
    """Check the top-level keys and read everything but priors, lines and correlations.

    A bad value is reported to ``checks`` and replaced by its default, so
    that the rest of the config can still be checked against it.
    """
    checks.check_keys(raw, TOP_KEYS, "", "the config")
    name, description, currency = _labels(raw, checks)
    horizon = checks.number(
        raw.get("horizon_months", 36),
        "horizon_months",
        Support(1, MAX_HORIZON),
        whole=True,
        what=f"a whole number of months from 1 to {MAX_HORIZON}",
    )
    rate = checks.number(
        raw.get("discount_rate", 0.10),
        "discount_rate",
        DISCOUNT_RATES,
        what="an annual rate as a fraction",
        example="0.10 for 10%",
        per="a year",
    )
    if rate is not None and horizon is not None:
        _check_discount_growth(rate, int(horizon), checks)
    trials, seed, sampling = _simulation(raw, checks)
    target_payback, target_roi = _targets(raw, checks)
    return Settings(
        name=name,
        description=description,
        currency=currency,
        horizon_months=int(horizon or 36),
        discount_rate=float(0.10 if rate is None else rate),
        trials=int(trials or DEFAULT_TRIALS),
        seed=None if seed is None else int(seed),
        sampling=sampling,
        target_payback_months=target_payback,
        target_roi=target_roi,
    )


def read_template(raw: Mapping, checks: Checks) -> bool:
    """``template: true`` marks a config to copy, not to run: ``simulate batch`` skips it."""
    value = raw.get("template", False)
    if isinstance(value, bool):
        return value
    checks.error(
        "template",
        f"template must be true or false, not {describe_value(value)}; template: true marks a "
        "config to copy (simulate batch skips it); delete the line in a config of your own",
    )
    return False


def _check_discount_growth(rate: float, horizon: int, checks: Checks) -> None:
    """A negative rate compounds: ``(1 + r) ** (-T / 12)`` must stay below MAX_DISCOUNT_GROWTH."""
    if rate >= 0:
        return
    log_growth = -horizon / 12 * math.log1p(rate)
    if log_growth > math.log(MAX_DISCOUNT_GROWTH):
        checks.error(
            "discount_rate",
            f"a discount rate of {rate!r} over {horizon} months makes the last month's money "
            f"worth {math.exp(log_growth):.3g} times today's ((1 + r)^(T/12)), more than the "
            f"{MAX_DISCOUNT_GROWTH:.0e} the sums can hold accurately; use a rate closer to 0 "
            "or a shorter horizon",
        )


def _labels(raw: Mapping, checks: Checks) -> tuple[str, str, str]:
    """``name``, ``description`` and ``currency``."""
    name = raw.get("name")
    if name is None:
        checks.error("name", "the config needs a name:, e.g. name: Agent assist pilot")
    elif not isinstance(name, str) or not name.strip():
        checks.error("name", f"name must be text, not {describe_value(name)}")
    description = raw.get("description", "") or ""
    if not isinstance(description, str):
        checks.error("description", "description must be text")
        description = ""
    currency = raw.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        checks.error(
            "currency",
            f"{describe_value(currency)} is not an ISO 4217 code; write three capital letters, e.g. USD, EUR, GBP",
        )
        currency = "USD"
    return (str(name) if isinstance(name, str) else ""), description, currency


def _simulation(raw: Mapping, checks: Checks) -> tuple[int | None, int | None, str]:
    """``simulation: {trials, seed, sampling}``."""
    sim = checks.mapping(raw.get("simulation"), "simulation", "simulation")
    checks.check_keys(sim, SIMULATION_KEYS, "simulation", "simulation")
    trials = checks.number(
        sim.get("trials", DEFAULT_TRIALS),
        "simulation.trials",
        Support(1, MAX_TRIALS),
        whole=True,
        what=f"a whole number of trials from 1 to {MAX_TRIALS}",
        example="100000",
    )
    seed = sim.get("seed")
    if seed is not None:
        seed = checks.number(
            seed,
            "simulation.seed",
            Support(0, MAX_SEED),
            whole=True,
            what="a whole number from 0 to 2^63 - 1",
            example="7",
        )
    sampling = sim.get("sampling", "random")
    if sampling not in SAMPLING_METHODS:
        checks.error(
            "simulation.sampling",
            f"{describe_value(sampling)} is not a sampling method{did_you_mean(str(sampling), SAMPLING_METHODS)}; "
            f"use one of: {', '.join(SAMPLING_METHODS)}",
        )
        sampling = "random"
    return trials, seed, sampling


def _targets(raw: Mapping, checks: Checks) -> tuple[float | None, float | None]:
    """``targets: {payback_months, roi}``; None where not set."""
    targets = checks.mapping(raw.get("targets"), "targets", "targets")
    checks.check_keys(targets, TARGET_KEYS, "targets", "targets")
    target_payback = target_roi = None
    if targets.get("payback_months") is not None:
        target_payback = checks.number(
            targets["payback_months"],
            "targets.payback_months",
            Support(0, math.inf, False),
            what="a number of months",
            example="18",
        )
    if targets.get("roi") is not None:
        target_roi = checks.number(
            targets["roi"],
            "targets.roi",
            TARGET_ROIS,
            what="an ROI as a fraction",
            example="0.5 for 50%",
            per="",
        )
    return target_payback, target_roi
