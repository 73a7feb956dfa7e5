"""What a run's kernel passes may take and must give: room for the outputs, finite draws and results.

A run allocates its per-trial arrays here (a clear error when memory is
short), checks each piece of draws before the kernel sees it, and checks the
outputs after (docs/model.md section 6: NPV and the PVs finite in every
trial, ROI only undefined without costs, a payback never NaN), naming the
likely cause when they fail.
"""

from __future__ import annotations

import math

import numpy as np

from ..config import Model
from ..errors import ConfigError, Problem
from .tables import OUTPUT_NAMES

__all__ = ["MUST_BE_FINITE", "allocate", "check_draws", "check_outputs"]


def allocate(
    model: Model, trials: int, keep_inputs: bool, grown: bool = False
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The per-trial output arrays (and the kept draws), or a ConfigError if memory is short."""
    rows = len(OUTPUT_NAMES) + (len(model.inputs) if keep_inputs else 0)
    try:
        arrays = {name: np.empty(trials) for name in OUTPUT_NAMES}
        kept = np.empty((len(model.inputs), trials)) if keep_inputs else None
    except MemoryError:
        need = rows * trials * 8 / 2**30
        fix = "a smaller --max-trials" if grown else "fewer trials (--trials)"
        raise ConfigError(
            Problem(
                f"{trials:,} trials need {need:,.1f} GiB of memory for the per-trial results, "
                f"more than this machine can give; use {fix}",
                path="simulation.max_trials" if grown else "simulation.trials",
                file=model.file,
            )
        ) from None
    return arrays, kept


def check_draws(model: Model, inputs: np.ndarray) -> None:
    """A ConfigError naming each input whose draws are not all finite."""
    bad = ~np.isfinite(inputs)
    if not bad.any():
        return
    problems = []
    for j in np.flatnonzero(bad.any(axis=1)):
        inp = model.inputs[j]
        count = int(bad[j].sum())
        problems.append(
            Problem(
                f"the prior {inp.prior.describe()} drew {count:,} values that are not finite "
                "numbers (its parameters are too extreme to compute); narrow it",
                path=inp.name if inp.inline else f"priors.{inp.name}",
                file=model.file,
            )
        )
    raise ConfigError(problems)


# Outputs that must be finite in every trial (docs/model.md section 6).
MUST_BE_FINITE = (("npv", "NPV"), ("pv_benefits", "PV of benefits"), ("pv_costs", "PV of costs"))


def check_outputs(model: Model, arrays: dict[str, np.ndarray], line_pv: np.ndarray) -> None:
    """A ConfigError when an output is not finite where it must be, naming the likely cause.

    NPV and the PVs must be finite in every trial; ROI may be undefined (NaN)
    only where the PV of costs is 0; a payback is never NaN.
    """
    n = arrays["npv"].size
    found = []
    for key, label in MUST_BE_FINITE:
        x = arrays[key]
        count = n - int(np.count_nonzero(np.isfinite(x)))
        if count:
            found.append(f"{label} is not finite in {count:,} of {n:,} trials")
            continue
        with np.errstate(all="ignore"):  # the summary's mean and sd must exist too
            spread = float(np.std(x)) if n > 1 else 0.0
            mean = float(np.mean(x))
        if not (math.isfinite(mean) and math.isfinite(spread)):
            found.append(f"{label} is too large to summarise (its mean or sd overflows)")
    with np.errstate(invalid="ignore"):
        roi_nan = np.isnan(arrays["roi"]) & (arrays["pv_costs"] != 0)
    count = int(np.count_nonzero(roi_nan | np.isinf(arrays["roi"])))
    if count and not found:
        found.append(f"ROI is not finite in {count:,} of {n:,} trials with costs")
    for key in ("payback_months", "discounted_payback_months"):
        count = int(np.count_nonzero(np.isnan(arrays[key])))
        if count and not found:
            found.append(f"{key.replace('_', ' ')} is undefined in {count:,} of {n:,} trials")
    if not found:
        return
    lines = [line for line, pv in zip(model.lines, line_pv, strict=True) if not np.isfinite(pv)]
    if not lines and model.lines:  # no line overflowed on its own: name the largest
        lines = [model.lines[int(np.argmax(np.abs(line_pv)))]]
    where = ", ".join(
        line.name if line.path in line.name else f"{line.path} ({line.name})" for line in lines
    )
    check = f"check {where} and the discount rate" if where else "check the discount rate"
    raise ConfigError(
        Problem(
            f"{'; '.join(found)}: the amounts or rates are too large to compute with; "
            f"{check}, and write smaller numbers",
            path=lines[0].path if len(lines) == 1 else "",
            file=model.file,
        )
    )
