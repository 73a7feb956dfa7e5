"""The config's top-level settings: its name, horizon and rate, simulation and targets."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ..errors import control_problem, describe_value, did_you_mean
from ..format import count_months
from .checks import Checks
from .loader import join_path
from .model import PrecisionTarget, Settings
from .support import Support
from .tolerance import needed_target, parse_targets

__all__ = [
    "DEFAULT_TRIALS",
    "DISCOUNT_RATES",
    "MAX_DISCOUNT_GROWTH",
    "MAX_HORIZON",
    "MAX_SEED",
    "MAX_TRIALS",
    "SAMPLING_METHODS",
    "SIMULATION",
    "TARGETS",
    "TARGET_ROIS",
    "TOP",
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
# Every top-level key, in the order of configs/template.yaml, and what it is
# (the JSON Schema's descriptions: simulate schema).
TOP = {
    "name": "the initiative's name: the title of every chart and table (required)",
    "description": "what the initiative is, for whom (free text)",
    "currency": "ISO 4217 code of every amount, e.g. USD, EUR, GBP (default USD)",
    "horizon_months": f"months simulated, 1 to {MAX_HORIZON} (default 36)",
    "discount_rate": "annual discount rate as a fraction: 0.10 is 10% (default 0.10)",
    "simulation": "how many trials, the seed and the sampling; the command line overrides them",
    "targets": "targets for the probabilities reported: P(payback within), P(ROI at least)",
    "priors": "named distributions for uncertain values; every field that names one sees "
    "the same draw in a trial",
    "correlations": "Spearman rank correlations between named priors: rows [a, b, rho]",
    "benefits": "the benefit lines, each with a type:",
    "costs": "the cost lines, each with a type: (at least one, so that ROI is defined)",
    "gates": "stage gates: at a month, continue only if a prior passes (a pilot succeeded); "
    "where it fails, the lines it governs stop from that month on",
    "scenarios": "named sets of overrides, each run with 'simulate run --scenario NAME'",
    "template": "true marks a config to copy, not to run: simulate batch skips it",
}
TOP_KEYS = tuple(TOP)
SIMULATION = {
    "trials": f"the number of trials, 1 to {MAX_TRIALS} (default {DEFAULT_TRIALS})",
    "seed": "the root seed, 0 to 2^63 - 1 (default: drawn at random and recorded)",
    "sampling": "random (default), lhs (Latin hypercube) or sobol (scrambled Sobol')",
    "precision": "instead of trials: add trials until each figure's 95% interval is this "
    "tight, e.g. npv_positive=0.5pp,npv_p50=2%, or default",
    "max_trials": "with precision: stop at this many trials at most (default 10000000)",
}
SIMULATION_KEYS = tuple(SIMULATION)
TARGETS = {
    "payback_months": "report P(payback within this many months)",
    "roi": "report P(ROI at least this), a fraction: 0.5 is 50%",
}
TARGET_KEYS = tuple(TARGETS)


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
    precision, max_trials = _precision(raw, checks, {"payback_months": target_payback,
                                                    "roi": target_roi})  # fmt: skip
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
        precision=precision,
        max_trials=max_trials,
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
            f"a discount rate of {rate!r} over {count_months(horizon)} makes the last month's money "
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
    elif problem := control_problem(name, "name"):  # it titles every chart and table
        checks.error("name", problem)
    description = raw.get("description")
    if description is None:
        description = ""
    elif not isinstance(description, str):  # an empty list or a 0 is no text either
        checks.error("description", f"description must be text, not {describe_value(description)}")
        description = ""
    elif problem := control_problem(description, "description", line_breaks=True):
        checks.error("description", problem)  # free text: its paragraphs may stay
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
    trials = _trials(checks, sim.get("trials", DEFAULT_TRIALS), "simulation.trials", "100000")
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


def _trials(checks: Checks, value, path: str, example: str) -> int | None:
    """A number of trials (``trials``, ``max_trials``): whole, from 1 to MAX_TRIALS."""
    return checks.number(
        value,
        path,
        Support(1, MAX_TRIALS),
        whole=True,
        what=f"a whole number of trials from 1 to {MAX_TRIALS}",
        example=example,
    )


def _precision(
    raw: Mapping, checks: Checks, targets: Mapping[str, float | None]
) -> tuple[tuple[PrecisionTarget, ...] | None, int | None]:
    """``simulation: {precision, max_trials}``: the targets (None when not set) and the cap.

    ``precision`` and ``trials`` exclude each other: one fixes the number of
    trials, the other adds trials until the figures are precise enough. A
    figure whose probability needs a target (``payback_within_target``) needs
    that target in ``targets:``.
    """
    sim = raw.get("simulation")
    sim = sim if isinstance(sim, Mapping) else {}
    max_trials = sim.get("max_trials")
    if max_trials is not None:
        max_trials = _trials(checks, max_trials, "simulation.max_trials", "10000000")
    value = sim.get("precision")
    if value is None:
        return None, max_trials
    where = "simulation.precision"
    parsed, problems = parse_targets(value)
    by_key = isinstance(
        value, Mapping
    )  # else one text: the place is the text, named in the message
    for figure, message in problems:
        if figure and by_key:
            checks.error(join_path(where, figure), message)
        else:
            checks.error(where, f"{figure}: {message}" if figure else message)
    if sim.get("trials") is not None:
        checks.error(
            where,
            "simulation.trials and simulation.precision exclude each other: trials runs a fixed "
            "number of trials, precision adds trials until every target is met (up to "
            "max_trials); remove one of them",
        )
    for t in parsed:
        need = needed_target(t.figure)
        if need is not None and targets.get(need) is None:
            checks.error(
                join_path(where, t.figure) if by_key else where,
                f"{t.figure} needs targets.{need}, which the config does not set; add it, "
                "or drop this precision target",
            )
    return (parsed or None) if not problems else None, max_trials


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
