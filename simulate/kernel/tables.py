"""The kernel's interface: the model in as small tables, the per-trial outputs out by name.

:func:`kernel_tables` turns a validated model's lines into the small integer
and float arrays the kernel walks; :data:`OUTPUT_NAMES` names the per-trial
outputs (docs/model.md section 6) in the order the kernel writes them. That
order is the one definition the engine's results, the summary and the
oracles follow.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..config import Model
from ..config.schema import BENEFIT_TYPES, COST_TYPES, N_SLOTS, SLOT_SCALE

__all__ = [
    "CELL_BUDGET",
    "OUTPUT_NAMES",
    "Tables",
    "discount_factors",
    "kernel_tables",
    "line_flow_trials",
    "year_edges",
]

# The per-trial outputs, in the order of the kernel's output arguments.
OUTPUT_NAMES = (
    "npv",
    "roi",
    "pv_benefits",
    "pv_costs",
    "payback_months",
    "discounted_payback_months",
    "irr",
)


# At most this many float64 values (200 MB) of per-trial line flows are kept by a
# run: its first trials' flows of each line per year (the TEI table of report/tei.py).
CELL_BUDGET = 25_000_000


def year_edges(horizon_months: int) -> np.ndarray:
    """The months closing each column of a line's flows: 0, 12, 24, ..., and the horizon."""
    return np.unique(np.r_[np.arange(0, horizon_months, 12), horizon_months])


def line_flow_trials(
    trials: int, horizon_months: int, n_lines: int, budget: int = CELL_BUDGET
) -> int:
    """How many of a run's first trials keep their line flows: all, unless that passes
    ``budget`` (trials x months, or trials x (lines + 3 totals) x columns)."""
    n_cols = year_edges(horizon_months).size + 2  # Initial, years, Total, Present value
    per_trial = max(horizon_months + 1, (n_lines + 3) * n_cols)
    return max(1, min(trials, budget // per_trial))


class Tables(NamedTuple):
    """The model as the kernel sees it (see :mod:`simulate.kernel.cashflow`)."""

    code: np.ndarray
    is_cost: np.ndarray
    mode: np.ndarray
    scurve: np.ndarray
    src: np.ndarray
    const: np.ndarray
    prof_row: np.ndarray
    profiles: np.ndarray
    disc: np.ndarray
    # The stage gates (docs/model.md section 5), one entry per gate: the input column
    # each reads (-1: the constant gate_const), its threshold and month, and
    # governs[l, g]: whether gate g governs line l.
    gate_src: np.ndarray
    gate_const: np.ndarray
    gate_at: np.ndarray
    gate_month: np.ndarray
    governs: np.ndarray

    def without_gates(self) -> Tables:
        """The same model without its gates: the programme with no option to stop."""
        n = self.code.shape[0]
        return self._replace(
            gate_src=np.zeros(0, np.int64),
            gate_const=np.zeros(0),
            gate_at=np.zeros(0),
            gate_month=np.zeros(0),
            governs=np.zeros((n, 0), np.bool_),
        )


def discount_factors(horizon_months: int, rate: float) -> np.ndarray:
    """``d_m = (1 + r) ** (-m / 12)`` for m = 0..T (docs/model.md section 1)."""
    return (1.0 + rate) ** (-np.arange(horizon_months + 1) / 12.0)


def kernel_tables(model: Model) -> Tables:
    """Turn the model's lines into the small arrays the kernel walks."""
    lines = model.lines
    n = len(lines)
    code = np.zeros(n, np.int64)
    is_cost = np.zeros(n, np.bool_)
    mode = np.zeros(n, np.int64)
    scurve = np.zeros(n, np.int64)
    src = np.full((n, N_SLOTS), -1, np.int64)
    const = np.zeros((n, N_SLOTS))
    prof_row = np.full(n, -1, np.int64)
    profiles = []
    for i, line in enumerate(lines):
        spec = (COST_TYPES if line.kind == "cost" else BENEFIT_TYPES)[line.type]
        code[i] = spec.code
        is_cost[i] = line.kind == "cost"
        mode[i] = line.options.get("mode") == "absolute"
        scurve[i] = line.options.get("ramp_shape") == "s_curve"
        const[i, 0] = 1.0  # a scheduled line's amount multiplier
        const[i, SLOT_SCALE] = 1.0
        for f in spec.fields:
            if f.slot < 0:
                continue
            ref = line.fields[f.name]
            if ref.is_constant:
                const[i, f.slot] = ref.value
            else:
                src[i, f.slot] = ref.input
        if line.profile is not None:
            prof_row[i] = len(profiles)
            profiles.append(line.profile)
    prof = np.array(profiles, float) if profiles else np.zeros((0, model.horizon_months + 1))
    gates = model.gates
    governs = np.zeros((n, len(gates)), np.bool_)
    for g, gate in enumerate(gates):
        governs[list(gate.lines), g] = True
    return Tables(
        code, is_cost, mode, scurve, src, const, prof_row, prof,
        discount_factors(model.horizon_months, model.discount_rate),
        np.array([g.flag.input for g in gates], np.int64),
        np.array([g.flag.value if g.flag.is_constant else 0.0 for g in gates], float),
        np.array([g.threshold for g in gates], float),
        np.array([float(g.month) for g in gates], float),
        governs,
    )  # fmt: skip
