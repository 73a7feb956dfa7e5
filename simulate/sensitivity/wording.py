"""What sensitivity.json says in words: its notes, its warnings and the per-row notes.

Every English sentence the analysis writes into its results is here, so the
methods compute numbers and this module words them. Numbers become text
through :mod:`simulate.format` only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..format import count_months, format_number, format_probability

__all__ = [
    "BREAKEVEN_ALL_POSITIVE",
    "BREAKEVEN_NONE_POSITIVE",
    "GOAL_SEEK",
    "NO_INPUTS",
    "ONE_AT_A_TIME",
    "RANK",
    "SOBOL",
    "SOBOL_BOOTSTRAP_UNUSED",
    "SOBOL_CORRELATIONS_IGNORED",
    "VOI",
    "SensitivityWarning",
    "breakeven_none",
    "breakeven_positive_only_at",
    "breakeven_root",
    "frontier_missing",
    "frontier_note",
    "goal_everywhere",
    "goal_reached",
    "goal_unreachable",
    "order_unresolved",
    "ranked",
    "sobol_beyond_horizon",
    "sobol_constant",
    "sobol_dropped",
    "sobol_few_samples",
    "sobol_replicates",
    "sobol_unbalanced",
    "sobol_wide",
    "unresolved_groups",
]


class SensitivityWarning(UserWarning):
    """A sensitivity result that should be read with care (said in the output too)."""


# --- analyze: how to read each section -----------------------------------------------

NO_INPUTS = (
    "No uncertain input to rank: every value in the config is fixed, so every trial "
    "gives the same result and each method's list is empty."
)
ONE_AT_A_TIME = (
    "Tornado, spider and break-even move one input at a time, the others at their "
    "medians: they ignore correlations and interactions."
)
RANK = (
    "Rank contribution is the squared Spearman correlation normalised to 100%: an "
    "approximation of each input's share of the variance, fair when the model is "
    "monotone and near-additive in its inputs; correlated inputs share credit."
)
GOAL_SEEK = (
    "Goal seek fixes one input and keeps the others uncertain (their own draws, not "
    "conditioned on the fixed input through correlations)."
)
VOI = (
    "EVPPI by binning is biased upward when bins hold few samples; voi.noise_floor is "
    "what an input with no influence would score, so values near it mean nothing."
)

# --- Sobol' ----------------------------------------------------------------------

SOBOL = (
    "Sobol' indices assume independent inputs: the design samples each input on its own "
    "(correlations in the config are not applied here).",
    "S1: share of the variance explained by the input alone; ST: including its "
    "interactions with others. ST - S1 is the interaction share. Estimates near 0 can be "
    "slightly negative through sampling noise.",
)
SOBOL_CORRELATIONS_IGNORED = (
    "the config correlates some inputs, but Sobol' indices assume independent inputs: "
    "the design ignores the correlations, so the indices describe the model with "
    "independent inputs (read them alongside the rank correlations, which keep them)"
)


SOBOL_BOOTSTRAP_UNUSED = (
    "n_bootstrap is no longer used: Sobol' intervals come from independently scrambled "
    "replicates of the design (replicates=), not from a bootstrap; drop the argument"
)


def _replicates(count: int) -> str:
    return "one replicate" if count == 1 else f"{count} replicates"


def _each(sizes: Sequence[int]) -> str:
    low, high = min(sizes), max(sizes)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def sobol_replicates(sizes: Sequence[int], conf_level: float) -> str:
    r = len(sizes)
    if r < 2:
        return (
            f"S1_conf and ST_conf: none, {sum(sizes):,} base samples make one replicate of "
            "the design and an interval needs the spread of two or more."
        )
    return (
        f"S1_conf and ST_conf are half-widths of {conf_level:.0%} intervals from the spread "
        f"of {r} independently scrambled replicates of the design ({_each(sizes)} base "
        f"samples each; t with {r - 1} degrees of freedom); each index is the mean of the "
        "replicates' estimates."
    )


def sobol_unbalanced(n_base: int, sizes: Sequence[int]) -> str:
    return (
        f"n_base = {n_base:,} makes {_replicates(len(sizes))} of {_each(sizes)} base "
        "samples, not a power of two, which loses the Sobol' sequence's balance; powers of "
        "two (4,096, 8,192, 16,384) converge faster."
    )


def sobol_beyond_horizon(count: int, horizon_months: int) -> str:
    return (
        f"{count:,} evaluations had no payback within the horizon and count as "
        f"{count_months(horizon_months)}."
    )


def sobol_dropped(count: int, metric: str) -> str:
    return f"{count:,} design rows with an undefined {metric} were dropped."


def sobol_constant(metric: str) -> str:
    return f"the {metric} does not vary over the Sobol' design: no indices to report"


def sobol_few_samples(n_base: int, minimum: int, replicates: int) -> str:
    return (
        f"only {n_base:,} Sobol' base samples ({_replicates(replicates)}): below {minimum:,} "
        "the intervals are themselves unreliable; use at least 4,096 (--sobol-n)"
    )


def sobol_wide(widest: float) -> str:
    return (
        f"Sobol' confidence intervals are as wide as ±{widest:.2f}: too wide to rank "
        "inputs whose intervals overlap; raise the number of base samples (--sobol-n)"
    )


# --- how sure an order is ---------------------------------------------------------


def unresolved_groups(rows: Sequence[dict]) -> list[list[str]]:
    """Runs of consecutive inputs (by label) whose order is not resolved (``order_resolved`` False)."""
    groups, current = [], []
    for row in rows:
        current.append(row.get("label") or row["input"])
        if row.get("order_resolved") is not False:  # resolved, unknown or the last row
            if len(current) > 1:
                groups.append(current)
            current = []
    if len(current) > 1:
        groups.append(current)
    return groups


def ranked(section: str, rows: Sequence[dict]) -> list[dict]:
    """The rows of a ranking worth ordering: for EVPPI, those above the noise floor."""
    if section == "EVPPI":
        return [r for r in rows if r.get("above_noise", True)]
    return list(rows)


def order_unresolved(section: str, rows: Sequence[dict], sample: str, more: str) -> str | None:
    """A note naming the inputs whose order ``section`` cannot tell apart at this sample size."""
    groups = unresolved_groups(ranked(section, rows))
    if not groups:
        return None
    shown = "; ".join(" ≈ ".join(g) for g in groups)
    return (
        f"{section}: the order of {shown} is not resolved at {sample} (their 95% intervals "
        f"overlap); do not rank them, or use {more}"
    )


# --- break-even ------------------------------------------------------------------

BREAKEVEN_ALL_POSITIVE = "none within range: NPV is positive at every value"
BREAKEVEN_NONE_POSITIVE = "none within range: NPV is negative (or zero) at every value"


def breakeven_positive_only_at(positive: Sequence[float]) -> str:
    shown = ", ".join(format_number(v) for v in positive)
    return f"discrete input: NPV is positive only at {shown}"


def breakeven_none(sign: str, lo: float, hi: float) -> str:
    return f"none within range: NPV stays {sign} from {format_number(lo)} to {format_number(hi)}"


def breakeven_root(value: float, side: str, crossings: int) -> str:
    text = f"NPV is zero at {format_number(value, sig=4)}"
    if side:
        text += f"; positive {side} it"
    if crossings > 1:
        text += f" (NPV crosses zero {crossings} times in range)"
    return text


# --- goal seek -------------------------------------------------------------------


def goal_unreachable(best: float, at: float) -> str:
    return (
        f"not reachable within range: P(NPV > 0) is at most {format_probability(best)} "
        f"(at {format_number(at, sig=4)})"
    )


def goal_everywhere(lowest: float, lo: float, hi: float) -> str:
    return (
        f"reached across the whole range: P(NPV > 0) is at least "
        f"{format_probability(lowest)} for every value from {format_number(lo)} "
        f"to {format_number(hi)}"
    )


def goal_reached(
    target: float, input_name: str, direction: str, value: float, current: float
) -> str:
    return (
        f"P(NPV > 0) reaches {format_probability(target)} with {input_name} "
        f"{direction} {format_number(value, sig=4)} (now {format_probability(current)})"
    )


# --- frontier --------------------------------------------------------------------


def frontier_note(a: str, b: str, crosses: bool, trials: int) -> str:
    head = (
        f"Break-even frontier of {a} and {b}: NPV = 0 along the line, with every other input "
        "at its median"
        if crosses
        else f"The base-case NPV does not change sign over the plane of {a} and {b} (P1 to P99)"
    )
    return (
        f"{head}; the contours are where P(NPV > 0) reaches each level with the other inputs "
        f"uncertain ({trials:,} draws, the same at every grid point, not conditioned on "
        f"{a} or {b} through correlations)."
    )


def frontier_missing(count: int) -> str:
    return (
        "no break-even frontier: it needs two continuous uncertain inputs, and this config "
        f"has {count}"
    )
