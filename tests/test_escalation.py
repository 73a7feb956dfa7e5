"""A benefit's ``escalation`` (issue 16): docs/model.md section 3, "Escalation".

The amount of month ``m`` of a benefit with timing fields is multiplied by
``g(m) = (1 + escalation) ** floor((m - m1) / 12)`` from its first month of
effect ``m1 = floor(lag) + 1``. Each case below is worked out by hand (in the
comments, and in the plain arithmetic of the expected values) and checked
three ways: the kernel (through ``evaluate``), the reference model and the
numpy model; then through ``simulate run``, against random configs with
uncertain lags and escalations, at the edges of the arithmetic, and for the
mistakes a config can make.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from oracles import numpy_model
from oracles.reference_model import escalation_factor, reference_trial
from test_numpy_baseline import assert_matches_numpy

from simulate import load_config
from simulate.config import model_from_dict
from simulate.config.schema import SLOT_ESCALATION
from simulate.engine import OUTPUT_NAMES, evaluate, kernel_tables
from simulate.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _config(benefit: dict, horizon: int, rate: float = 0.0, cost: float = 1000.0) -> dict:
    return {
        "name": "escalation",
        "horizon_months": horizon,
        "discount_rate": rate,
        "benefits": [benefit],
        "costs": [{"type": "one_time", "amount": cost}],
    }


def _kernel_benefits(config: dict, values: dict | None = None) -> np.ndarray:
    """The benefits of periods 0..T of each trial (rows), from the kernel's paths."""
    values = values or {}
    model = model_from_dict(config)
    n = len(next(iter(values.values()))) if values else 1
    x = np.array([values[i.name] for i in model.inputs], float).reshape(len(model.inputs), n)
    out = evaluate(model, x, n_paths=n)
    flows = np.diff(out.paths, axis=1, prepend=0.0)
    costs = np.zeros_like(flows)
    costs[:, 0] = sum(c["amount"] for c in config["costs"])
    return flows + costs


def _three_ways(config: dict, expected: list[float], rel: float = 1e-12) -> None:
    """Kernel, reference model and numpy model all give ``expected`` (periods 0..T)."""
    kernel = _kernel_benefits(config)[0]
    np.testing.assert_allclose(kernel, expected, rtol=rel, atol=1e-9)
    ref = reference_trial(config)
    np.testing.assert_allclose(ref["benefits"], expected, rtol=rel, atol=1e-9)
    model = model_from_dict(config)
    d = (1 + config["discount_rate"]) ** (-np.arange(config["horizon_months"] + 1) / 12)
    pv = float(np.dot(expected, d))
    got = numpy_model.numpy_simulate(kernel_tables(model), np.zeros((0, 1)))
    assert got["pv_benefits"][0] == pytest.approx(pv, rel=1e-12)
    assert evaluate(model, np.zeros((0, 1))).pv_benefits[0] == pytest.approx(pv, rel=1e-12)
    assert ref["pv_benefits"] == pytest.approx(pv, rel=1e-12)


# -- hand-worked ------------------------------------------------------------------------


def test_recurring_100_a_month_lag_2_5_escalating_10_percent():
    # m1 = floor(2.5) + 1 = 3 (tau = 0.5 > 0): months 3..14 pay 100, the 13th
    # month of effect (15) is the first escalated: 15..26 pay 110, 27..30 121.
    benefit = {"type": "recurring", "amount": 100, "lag": 2.5, "escalation": 0.1}
    expected = [0.0] * 3 + [100.0] * 12 + [110.0] * 12 + [121.0] * 4
    assert len(expected) == 31
    _three_ways(_config(benefit, 30), expected)
    # Discounted at 10% a year: 100 * sum of d_m over 3..14, + 110 * ..., + 121 * ...
    d = [1.1 ** (-m / 12) for m in range(31)]
    pv = 100 * sum(d[3:15]) + 110 * sum(d[15:27]) + 121 * sum(d[27:31])
    _three_ways(_config(benefit, 30, rate=0.1), expected)
    assert reference_trial(_config(benefit, 30, rate=0.1))["pv_benefits"] == pytest.approx(pv)


def test_handle_time_with_a_ramp_escalates_from_its_first_month_of_effect():
    # 3,600 contacts x 10 s / 3600 x $36/h = $360 a month at full effect.
    # lag 1, ramp 3 (linear): e = 1/3, 2/3 in months 2 and 3, then 1.
    # m1 = 2: months 2..13 unescalated, 14..25 x 1.05, 26..28 x 1.05^2.
    benefit = {
        "type": "handle_time",
        "contacts_per_month": 3600,
        "seconds_saved": 10,
        "cost_per_hour": 36,
        "lag": 1,
        "ramp": 3,
        "escalation": 0.05,
    }
    expected = [0.0, 0.0, 120.0, 240.0] + [360.0] * 10 + [378.0] * 12 + [396.9] * 3
    assert len(expected) == 29
    _three_ways(_config(benefit, 28), expected)


def test_retention_escalates_the_margin_of_the_customers_kept():
    # docs/model.md section 4's example: N0 = 1,000, c0 = 2%, d = 25% relative,
    # arpu 40, margin 0.6, full effect from month 1 (m1 = 1): B_m = 1000 x 0.98^m,
    # I_m = 1000 x 0.985^m, benefit (I_m - B_m) x 24; a price rise of 10% a
    # year on it from month 13 (customers are not escalated: only the money).
    benefit = {
        "type": "retention",
        "customers": 1000,
        "arpu": 40,
        "margin": 0.6,
        "base_churn": 0.02,
        "churn_reduction": 0.25,
        "escalation": 0.1,
    }
    expected = [0.0] + [
        (1000 * 0.985**m - 1000 * 0.98**m) * 24 * (1.1 if m >= 13 else 1.0) for m in range(1, 16)
    ]
    assert expected[1] == pytest.approx(120.0) and expected[2] == pytest.approx(235.80)
    _three_ways(_config(benefit, 15), expected, rel=1e-11)


def test_conversion_escalates_the_whole_months_value():
    # docs/model.md section 4's example: L = 10,000, d = 1 point, value 75, arpu
    # 20 at margin 0.5, churn 10%: X_m = 1000 (1 - 0.9^m), benefit 7,500 + 10 X_m;
    # lag 12.5 puts m1 at 13 (tau = 0.5), so X counts from month 13: months
    # 13..24 unescalated, month 25 x 1.2.
    benefit = {
        "type": "conversion",
        "leads_per_month": 10000,
        "conversion_lift": 0.01,
        "value_per_conversion": 75,
        "arpu": 20,
        "margin": 0.5,
        "churn": 0.1,
        "lag": 12.5,
        "escalation": 0.2,
    }
    expected = [0.0] * 13 + [
        (7500 + 10 * 1000 * (1 - 0.9 ** (m - 12))) * (1.2 if m >= 25 else 1.0)
        for m in range(13, 26)
    ]
    assert expected[13] == pytest.approx(8500.0) and expected[14] == pytest.approx(9400.0)
    _three_ways(_config(benefit, 25), expected, rel=1e-11)


@pytest.mark.parametrize(
    ("kind", "fields", "monthly"),
    [
        (
            "spend_uplift",
            {"customers": 100, "spend_per_customer": 50, "uplift": 0.1, "margin": 0.4},
            200.0,
        ),
        (
            "deflection",
            {"contacts_per_month": 1000, "deflection_rate": 0.2, "cost_per_contact": 5},
            1000.0,
        ),
    ],
)
def test_spend_and_deflection_escalate_their_monthly_amount(kind, fields, monthly):
    # lag 0: m1 = 1; escalation -0.5 halves the amount each 12 months (a price cut).
    benefit = {"type": kind, **fields, "escalation": -0.5}
    expected = [0.0] + [monthly] * 12 + [monthly / 2] * 12 + [monthly / 4]
    _three_ways(_config(benefit, 25), expected)


def test_a_whole_lag_starts_the_year_at_the_month_after_it():
    # lag 3 exactly: tau = 0 in month 3 (no effect), m1 = 4; the step is at 16.
    assert [escalation_factor(m, 3.0, 1.0) for m in (3, 4, 15, 16, 27, 28)] == [1, 1, 1, 2, 2, 4]
    benefit = {"type": "recurring", "amount": 10, "lag": 3, "escalation": 1.0}
    expected = [0.0] * 4 + [10.0] * 12 + [20.0] * 12 + [40.0]
    _three_ways(_config(benefit, 28), expected)


def test_decay_and_scale_are_applied_before_escalation():
    # decay 0.2 a year from full effect (month 1): e(m) = 0.8^(m/12), scale 0.5;
    # escalation 0.25 from month 13: month 12 is 100 x 0.8 x 0.5 = 40 and month
    # 24 is 100 x 0.64 x 0.5 x 1.25 = 40 too: a price rise that offsets the decay.
    benefit = {
        "type": "recurring",
        "amount": 100,
        "decay": 0.2,
        "scale": 0.5,
        "escalation": 0.25,
    }
    expected = [0.0] + [100 * 0.8 ** (m / 12) * 0.5 * 1.25 ** ((m - 1) // 12) for m in range(1, 25)]
    assert expected[12] == pytest.approx(40.0) and expected[24] == pytest.approx(40.0)
    _three_ways(_config(benefit, 24), expected, rel=1e-11)


# -- uncertain lags and escalations: each lane its own m1 -------------------------------


def test_each_trial_escalates_from_its_own_first_month_of_effect():
    config = _config(
        {"type": "recurring", "amount": 100, "lag": "go_live", "escalation": "rise"}, 40
    )
    config["priors"] = {
        "go_live": {"dist": "uniform", "min": 0, "max": 20},
        "rise": {"dist": "uniform", "min": -0.5, "max": 1},
    }
    lags = [0.0, 0.5, 1.0, 11.999, 12.0, 19.5, 7.25, 3.0]
    rises = [0.1, -0.5, 1.0, 0.3, 0.0, 0.9, -0.2, 1e-9]
    got = _kernel_benefits(config, {"go_live": lags, "rise": rises})
    for t, (lag, rise) in enumerate(zip(lags, rises, strict=True)):
        m1 = math.floor(lag) + 1
        want = [0.0] + [
            100 * (1 + rise) ** ((m - m1) // 12) if m >= m1 else 0.0 for m in range(1, 41)
        ]
        np.testing.assert_allclose(got[t], want, rtol=1e-12, atol=1e-9, err_msg=str(lag))
        ref = reference_trial(config, {"go_live": lag, "rise": rise})["benefits"]
        np.testing.assert_allclose(ref, want, rtol=1e-12, atol=1e-9)


def _random_escalating_config(rng: np.random.Generator) -> tuple[dict, dict]:
    """A config of every benefit type with timing, each escalating, some inputs uncertain."""
    values: dict[str, float] = {}

    def maybe_prior(path: str, lo: float, hi: float):
        v = float(rng.uniform(lo, hi))
        if rng.random() < 0.5:
            return v
        values[path] = v
        return {"dist": "uniform", "min": lo, "max": hi}

    kinds = {
        "retention": {"customers": 5000, "arpu": 30, "margin": 0.5, "base_churn": 0.03,
                      "churn_reduction": 0.3, "new_customers_per_month": 50},
        "conversion": {"leads_per_month": 4000, "conversion_lift": 0.01,
                       "value_per_conversion": 40, "arpu": 15, "margin": 0.5, "churn": 0.05},
        "spend_uplift": {"customers": 1000, "spend_per_customer": 80, "uplift": 0.05,
                         "margin": 0.3},
        "handle_time": {"contacts_per_month": 20000, "seconds_saved": 30, "cost_per_hour": 40},
        "deflection": {"contacts_per_month": 20000, "deflection_rate": 0.1,
                       "cost_per_contact": 4},
        "recurring": {"amount": 5000},
    }  # fmt: skip
    benefits = []
    for i, (kind, fields) in enumerate(kinds.items()):
        path = f"benefits[{i}]"
        line = {"type": kind, **fields}
        line["lag"] = maybe_prior(f"{path}.lag", 0, 30)
        line["ramp"] = maybe_prior(f"{path}.ramp", 0, 8)
        line["ramp_shape"] = str(rng.choice(["linear", "s_curve"]))
        line["decay"] = maybe_prior(f"{path}.decay", 0, 0.5)
        line["escalation"] = maybe_prior(f"{path}.escalation", -0.9, 1)
        benefits.append(line)
    config = {
        "name": "random escalation",
        "horizon_months": int(rng.integers(1, 121)),
        "discount_rate": float(rng.uniform(0, 0.2)),
        "benefits": benefits,
        "costs": [
            {"type": "one_time", "amount": 1e6},
            {
                "type": "recurring",
                "amount": 2000,
                "escalation": maybe_prior("costs[1].escalation", -0.5, 1),
            },
        ],
    }
    return config, values


@pytest.mark.parametrize("seed", range(40))
def test_kernel_equals_the_reference_model_on_random_escalating_configs(seed):
    config, values = _random_escalating_config(np.random.default_rng(seed))
    model = model_from_dict(config)
    x = np.array([[values[i.name]] for i in model.inputs]).reshape(len(model.inputs), 1)
    assert_trial_matches(evaluate(model, x, n_paths=1), reference_trial(config, values))


def assert_trial_matches(out, expect: dict) -> None:
    """The kernel's one trial (``n_paths=1``) equals the reference model's, to rounding."""
    for key in ("npv", "pv_benefits", "pv_costs", "payback_months"):
        assert getattr(out, key)[0] == pytest.approx(expect[key], rel=1e-9, abs=1e-6), key
    np.testing.assert_allclose(out.line_pv_sum, expect["line_pv"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(out.paths[0], np.cumsum(expect["cf"]), rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_kernel_equals_the_numpy_model_with_escalation_uncertain(seed):
    config, _ = _random_escalating_config(np.random.default_rng(100 + seed))
    model = model_from_dict(config)
    x = np.random.default_rng(seed).uniform(size=(len(model.inputs), 700))
    for j, inp in enumerate(model.inputs):  # uniform priors: map u onto [min, max]
        lo, hi = inp.prior.support().lo, inp.prior.support().hi
        x[j] = lo + (hi - lo) * x[j]
    tables = kernel_tables(model)
    assert (tables.src[:, SLOT_ESCALATION] >= 0).any() or config["benefits"]
    assert_matches_numpy(model, x, tables)


# -- the same bits without escalation; the edges of the arithmetic ----------------------


def test_escalation_0_is_the_line_without_escalation_bit_for_bit():
    base = {"type": "handle_time", "contacts_per_month": 1234, "seconds_saved": 17.3,
            "cost_per_hour": 41.7, "lag": 2.3, "ramp": 5.1, "decay": 0.13}  # fmt: skip
    plain = model_from_dict(_config(base, 60, rate=0.07))
    zero = model_from_dict(_config({**base, "escalation": 0}, 60, rate=0.07))
    a = evaluate(plain, np.zeros((0, 1)), n_paths=1)
    b = evaluate(zero, np.zeros((0, 1)), n_paths=1)
    for name in (*OUTPUT_NAMES, "paths", "line_pv_sum"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    # A tiny escalation goes through the escalating path: equal from month 1
    # to 12, then a step of 1e-12 (the path through E adds each amount once).
    tiny = model_from_dict(_config({**base, "escalation": 1e-12}, 60, rate=0.07))
    c = evaluate(tiny, np.zeros((0, 1)), n_paths=1)
    m1 = 3  # floor(2.3) + 1
    assert c.paths[0, : m1 + 12].tobytes() == a.paths[0, : m1 + 12].tobytes()
    assert c.npv[0] == pytest.approx(a.npv[0], rel=1e-10) and c.npv[0] > a.npv[0]


def test_the_largest_escalation_over_the_longest_horizon_stays_finite():
    # 600 months at +100% a year from month 1: g reaches 2^49 in months 589..600.
    benefit = {"type": "recurring", "amount": 1e12, "escalation": 1}
    model = model_from_dict(_config(benefit, 600, rate=0.0))
    out = evaluate(model, np.zeros((0, 1)), n_paths=1)
    flows = np.diff(out.paths[0], prepend=0.0)
    assert (
        flows[600] == 1e12 * 2.0**49 and flows[589] == flows[600] and flows[588] == 1e12 * 2.0**48
    )
    assert np.isfinite(out.pv_benefits).all() and np.isfinite(out.npv).all()
    want = 12 * 1e12 * (2.0**50 - 1)  # 12 months at each of 2^0 .. 2^49
    assert out.pv_benefits[0] == pytest.approx(want, rel=1e-12)
    # Nearly -100% a year: the amounts fall towards 0, never to NaN.
    falling = model_from_dict(_config({**benefit, "escalation": -0.999999}, 600))
    out = evaluate(falling, np.zeros((0, 1)), n_paths=1)
    assert np.isfinite(out.paths).all() and out.pv_benefits[0] > 12e12


def test_a_lag_beyond_the_horizon_escalates_nothing():
    benefit = {"type": "recurring", "amount": 100, "lag": 1e6, "escalation": 1}
    out = evaluate(model_from_dict(_config(benefit, 600)), np.zeros((0, 1)))
    assert out.pv_benefits[0] == 0.0


# -- through the command line -------------------------------------------------------------


def test_simulate_run_reports_the_hand_worked_npv(tmp_path):
    # The recurring benefit of 100 a month (lag 2.5, +10% a year) over 30 months:
    # 100 in months 3..14, 110 in 15..26, 121 in 27..30, discounted at 6% a
    # year, minus a 1,000 one-time cost at month 0.
    text = (
        "name: Escalating saving\nhorizon_months: 30\ndiscount_rate: 0.06\n"
        "benefits:\n"
        "  - {type: recurring, amount: 100, lag: 2.5, escalation: 0.1}\n"
        "costs:\n  - {type: one_time, amount: 1000}\n"
    )
    config = tmp_path / "esc.yaml"
    config.write_text(text)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "simulate", "run", str(config), "--out", str(out),
         "--trials", "16", "--seed", "1", "--no-figures", "--quiet"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "esc" / "summary.json").read_text())
    d = [1.06 ** (-m / 12) for m in range(31)]
    pv = 100 * sum(d[3:15]) + 110 * sum(d[15:27]) + 121 * sum(d[27:31])
    npv = summary["metrics"]["npv"]
    assert npv["mean"] == pytest.approx(pv - 1000, rel=1e-12)
    assert npv["sd"] == 0.0 and npv["p10"] == npv["p90"]


# -- mistakes ---------------------------------------------------------------------------


def _problems(write_config, benefit_yaml: str) -> list[str]:
    text = (
        "name: x\nhorizon_months: 24\nbenefits:\n"
        + benefit_yaml
        + "costs:\n  - {type: one_time, amount: 100}\n"
    )
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("value", ["-1", "-1.5"])
def test_escalation_of_minus_100_percent_or_less_is_refused(write_config, value):
    (msg,) = _problems(write_config, f"  - {{type: recurring, amount: 100, escalation: {value}}}\n")
    assert "benefits[0].escalation" in msg and "(-1, 1]" in msg and ":4:" in msg


def test_escalation_written_as_a_percentage_suggests_the_fraction(write_config):
    (msg,) = _problems(
        write_config,
        "  - type: handle_time\n    contacts_per_month: 1\n    seconds_saved: 1\n"
        "    cost_per_hour: 1\n    escalation: 3\n",
    )
    assert "benefits[0].escalation" in msg and "300% a year" in msg
    assert "did you mean 0.03?" in msg and ":8:" in msg


def test_an_escalation_prior_beyond_the_domain_is_refused(write_config):
    (msg,) = _problems(
        write_config,
        "  - {type: recurring, amount: 100, escalation: {dist: uniform, min: 0, max: 5}}\n",
    )
    assert "benefits[0].escalation" in msg and "(-1, 1]" in msg and "divide them by 100" in msg


def test_escalation_on_a_scheduled_benefit_says_its_amounts_are_written_out(write_config):
    (msg,) = _problems(
        write_config, "  - type: scheduled\n    annual: [100, 110]\n    escalation: 0.1\n"
    )
    assert "benefits[0].escalation" in msg and ":6:" in msg
    assert "written out" in msg and "annual: [...]" in msg
    assert "recurring benefit with escalation:" in msg


def test_escalation_may_be_uncertain_and_is_a_percent_input(write_config):
    path = write_config(
        "name: x\nhorizon_months: 24\npriors:\n  rise: {dist: pert, min: 0, mode: 0.03, max: 0.08}\n"
        "benefits:\n  - {type: recurring, amount: 100, escalation: rise}\n"
        "costs:\n  - {type: one_time, amount: 100}\n"
    )
    model = load_config(path)
    (rise,) = model.inputs
    assert rise.used_by == ("benefits[0].escalation",)
    assert kernel_tables(model).src[0, SLOT_ESCALATION] == 0
    from simulate.sensitivity.labels import input_unit

    assert input_unit(rise) == "percent"
