"""The numpy baseline of bench/ computes the same model as the kernel.

``bench/engine.py`` times the numba engine against ``oracles.numpy_model``;
the comparison means something only if both give the same per-trial outputs.
Every example config is checked on a few thousand trials drawn the way
``run`` draws them, plus a synthetic config that reaches the branches the
examples leave out (uncertain ramp and decay, absolute modes, end_month, the
escalation of costs and of benefits, flows with several sign changes for each
IRR rule).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CONFIGS
from oracles import numpy_model

from simulate import engine, load_config, sampling
from simulate.config import model_from_dict

TRIALS = 3000
CHUNK = 1024  # several chunks, as in a real run

SYNTHETIC = {
    "name": "Every branch",
    "horizon_months": 48,
    "discount_rate": 0.08,
    "priors": {
        "go": {"dist": "uniform", "min": 1, "max": 6},
        "ramp": {"dist": "uniform", "min": 0, "max": 8},
        "decay": {"dist": "uniform", "min": 0, "max": 0.3},
        "esc": {"dist": "uniform", "min": -0.05, "max": 0.1},
        "stop": {"dist": "uniform", "min": 30, "max": 48},
        "works": {"dist": "uniform", "min": 0, "max": 1.5},
        "refresh": {"dist": "uniform", "min": 0, "max": 900000},
        "pilot": {"dist": "bernoulli", "p": 0.6},
    },
    "benefits": [
        {"type": "retention", "customers": 10000, "arpu": 30, "margin": 0.5,
         "base_churn": 0.03, "churn_reduction": {"dist": "uniform", "min": 0, "max": 0.02},
         "mode": "absolute", "new_customers_per_month": 100, "lag": "go", "ramp": "ramp",
         "ramp_shape": "s_curve", "decay": "decay", "scale": "works",
         "escalation": {"dist": "uniform", "min": -0.5, "max": 1}},
        {"type": "conversion", "leads_per_month": 5000,
         "conversion_lift": {"dist": "uniform", "min": 0, "max": 0.02},
         "value_per_conversion": 50, "arpu": 20, "margin": 0.5, "churn": 0.02,
         "lag": "go", "ramp": "ramp", "decay": "decay", "scale": "works", "escalation": "esc"},
        {"type": "recurring", "amount": 20000, "lag": {"dist": "uniform", "min": 0, "max": 3},
         "ramp": "ramp", "ramp_shape": "s_curve", "scale": "works", "escalation": 0.07},
        {"type": "scheduled", "monthly": [1000, 2000, 3000],
         "scale": {"dist": "uniform", "min": 0, "max": 1}},
    ],
    "costs": [
        {"type": "one_time", "amount": 400000, "scale": {"dist": "uniform", "min": 0.8, "max": 1.5}},
        # A mid-life refresh: flows change sign several times (IRR rules 2 and 3).
        {"type": "one_time", "amount": "refresh", "month": 24, "spread_months": 3,
         "scale": {"dist": "bernoulli", "p": 0.5}},
        {"type": "recurring", "amount": 5000, "start_month": "go", "end_month": "stop",
         "escalation": "esc"},
        {"type": "scheduled", "annual": [0, 50000]},
    ],
    # Stage gates: a flag on every line, a threshold on some (the earlier one wins).
    "gates": [
        {"month": 9, "continue_if": "pilot"},
        {"month": 5, "continue_if": "works", "at_least": 0.4,
         "lines": ["benefits[1]", "benefits[3]", "costs[1]", "costs[2]"]},
    ],
}  # fmt: skip

CASES = [
    pytest.param(lambda p=p: load_config(p), id=p.stem) for p in sorted(CONFIGS.glob("*.yaml"))
]
CASES.append(pytest.param(lambda: model_from_dict(SYNTHETIC), id="synthetic"))


@pytest.mark.parametrize("make_model", CASES)
def test_numpy_baseline_matches_kernel(make_model):
    model = make_model()
    draws = np.concatenate(
        [x for _, x in sampling.iter_chunks(model, TRIALS, 20240601, chunk_size=CHUNK)], axis=1
    )
    tables = engine.kernel_tables(model)
    assert_matches_numpy(model, draws, tables)
    if model.gates:  # the programme without the option to stop, too
        assert_matches_numpy(model, draws, tables.without_gates())


def assert_matches_numpy(model, draws: np.ndarray, tables) -> None:
    """Every per-trial output of the kernel equals the plain-numpy model's, to rounding."""
    kernel = engine.evaluate(model, draws, tables=tables)
    # A small block so several blocks (and a ragged last one) are exercised.
    baseline = numpy_model.numpy_simulate(tables, draws, block=1000)
    # npv is a difference of PVs: near zero its error is relative to the PVs.
    money = float(np.max(np.abs(kernel.pv_benefits)) + np.max(np.abs(kernel.pv_costs)))
    for name in engine.OUTPUT_NAMES:
        want, got = getattr(kernel, name), baseline[name]
        if name == "irr":
            # Bisection and the kernel's Newton stop at different last bits.
            tol = {"rtol": 1e-9, "atol": 1e-8}
        elif name == "npv":
            tol = {"rtol": 1e-9, "atol": 1e-12 * money}
        else:
            tol = {"rtol": 1e-9, "atol": 0.0}
        np.testing.assert_allclose(got, want, equal_nan=True, err_msg=name, **tol)


def test_synthetic_reaches_every_irr_rule():
    # The synthetic config is only useful if it covers the IRR branches.
    model = model_from_dict(SYNTHETIC)
    draws = next(sampling.iter_chunks(model, TRIALS, 20240601, chunk_size=TRIALS))[1]
    out = engine.evaluate(model, draws, n_paths=TRIALS)
    irr = out.irr
    flows = np.diff(out.paths, axis=1, prepend=0.0).T  # (months, trials)
    conventional = numpy_model._signs(flows)[0] == 1
    assert (conventional & (irr < 0)).mean() > 0.01  # rule 1, root below 0
    assert (conventional & (irr > 0)).mean() > 0.01  # rule 1, root above 0
    assert (~conventional & np.isfinite(irr)).mean() > 0.01  # rule 2
    assert (~conventional & np.isnan(irr)).mean() > 0.01  # rule 3
    assert np.isinf(out.payback_months).any() and (out.payback_months > 0).any()
