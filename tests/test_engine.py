"""The engine (``run``, ``evaluate``) against hand-worked values and an independent slow model.

``oracles.reference_model`` is a plain-Python implementation of docs/model.md
written separately from the kernel, straight from the spec; here the kernel,
through :func:`simulate.engine.evaluate`, must agree with it on the
hand-worked cases of ``oracles.handworked`` and on hundreds of random configs
that exercise every line type, option and timing field. Then whole runs:
determinism, chunks, seeds, exact ties and extreme inputs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numba
import numpy as np
import numpy_financial as npf
import pytest
from conftest import CONFIGS
from oracles.handworked import HANDWORKED_CASES
from oracles.reference_model import reference_trial

import simulate
from simulate.config import Ref, model_from_dict
from simulate.engine import OUTPUT_NAMES as OUTPUTS
from simulate.engine import evaluate, run
from simulate.kernel.tables import discount_factors


def engine_trial(config: dict, values: dict[str, float]) -> dict:
    """Evaluate one trial of ``config`` with the kernel."""
    model = model_from_dict(config)
    inputs = np.array([[values[i.name]] for i in model.inputs]).reshape(len(model.inputs), 1)
    out = evaluate(model, inputs, n_paths=1)
    result = {name: float(getattr(out, name)[0]) for name in OUTPUTS}
    result["cumulative"] = out.paths[0]
    result["line_pv"] = out.line_pv_sum
    return result


def assert_close(actual: float, expected: float, rel: float = 1e-9, abs_: float = 1e-9) -> None:
    if math.isnan(expected):
        assert math.isnan(actual), (actual, expected)
    elif math.isinf(expected):
        assert actual == expected
    else:
        assert actual == pytest.approx(expected, rel=rel, abs=abs_)


@pytest.mark.parametrize("case", HANDWORKED_CASES, ids=[c["id"] for c in HANDWORKED_CASES])
def test_kernel_matches_hand_worked_values(case):
    got = engine_trial(case["config"], case["values"])
    expect = case["expect"]
    for key in OUTPUTS:
        if key in expect:
            assert_close(got[key], expect[key], rel=1e-9, abs_=1e-7)
    if "benefits" in expect and "costs" in expect:
        cf = np.array(expect["benefits"]) - np.array(expect["costs"])
        np.testing.assert_allclose(got["cumulative"], np.cumsum(cf), rtol=1e-10, atol=1e-7)


def test_contact_centre_fixed_inputs_give_160k_a_month():
    config = {
        "name": "aht",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "benefits": [
            {
                "type": "handle_time",
                "contacts_per_month": 200_000,
                "seconds_saved": 420 - 360,
                "cost_per_hour": 48,
            }
        ],
        "costs": [{"type": "one_time", "amount": 1.0}],
    }
    got = engine_trial(config, {})
    assert got["pv_benefits"] == pytest.approx(1_920_000.0, rel=1e-12)
    assert got["cumulative"][1] - got["cumulative"][0] == pytest.approx(160_000.0, rel=1e-12)


def test_lead_conversion_fixed_inputs_give_7500_a_quarter():
    config = {
        "name": "leads",
        "horizon_months": 3,
        "discount_rate": 0.0,
        "benefits": [
            {
                "type": "conversion",
                "leads_per_month": 10_000 / 3,
                "base_conversion": 0.08,
                "conversion_lift": 0.01,
                "value_per_conversion": 150 * 0.5,
            }
        ],
        "costs": [{"type": "one_time", "amount": 1.0}],
    }
    assert engine_trial(config, {})["pv_benefits"] == pytest.approx(7_500.0, rel=1e-12)


# -- random configs against the reference model ---------------------------------------


class ConfigMaker:
    """Random but valid configs covering every line type and option."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.values: dict[str, float] = {}

    def field(self, path: str, lo: float, hi: float, dom_lo: float, dom_hi: float):
        """A number, or an inline uniform prior (its value recorded)."""
        v = float(self.rng.uniform(lo, hi))
        if self.rng.random() < 0.5:
            return v
        width = (hi - lo) * 0.1 + 1e-9
        a, b = max(dom_lo, v - width), min(dom_hi, v + width)
        self.values[path] = v
        return {"dist": "uniform", "min": a, "max": b}

    def timing(self, path: str) -> dict:
        r = self.rng
        t = {}
        if r.random() < 0.8:
            t["lag"] = self.field(f"{path}.lag", 0, 8, 0, math.inf)
        if r.random() < 0.7:
            t["ramp"] = self.field(f"{path}.ramp", 0, 10, 0, math.inf)
            t["ramp_shape"] = str(r.choice(["linear", "s_curve"]))
        if r.random() < 0.5:
            t["decay"] = self.field(f"{path}.decay", 0, 0.6, 0, 0.999)
        if r.random() < 0.5:
            t["scale"] = self.field(f"{path}.scale", 0, 2, 0, math.inf)
        if r.random() < 0.4:
            t["escalation"] = self.field(f"{path}.escalation", -0.5, 1, -0.99, 1)
        return t

    def schedule(self, horizon: int, path: str) -> dict:
        r = self.rng
        item: dict = {"type": "scheduled"}
        if r.random() < 0.5:
            item["initial"] = float(r.uniform(0, 1000))
        if r.random() < 0.5:
            item["monthly"] = [float(x) for x in r.uniform(0, 500, r.integers(1, horizon + 4))]
        else:
            item["annual"] = [float(x) for x in r.uniform(0, 5000, r.integers(1, 6))]
            item["timing"] = str(r.choice(["end_of_year", "spread"]))
        if r.random() < 0.5:
            item["scale"] = self.field(f"{path}.scale", 0, 2, 0, math.inf)
        return item

    def benefit(self, i: int, horizon: int) -> dict:
        r = self.rng
        path = f"benefits[{i}]"
        kind = str(
            r.choice(
                [
                    "retention",
                    "conversion",
                    "spend_uplift",
                    "handle_time",
                    "deflection",
                    "recurring",
                    "scheduled",
                ]
            )
        )
        f = self.field
        if kind == "scheduled":
            return self.schedule(horizon, path)
        item: dict = {"type": kind}
        if kind == "retention":
            mode = str(r.choice(["relative", "absolute"]))
            item |= {
                "customers": f(f"{path}.customers", 100, 5000, 0, math.inf),
                "arpu": f(f"{path}.arpu", 1, 80, 0, math.inf),
                "margin": f(f"{path}.margin", 0.1, 1, 0, 1),
                "base_churn": f(f"{path}.base_churn", 0, 0.2, 0, 1),
                "churn_reduction": f(f"{path}.churn_reduction", 0, 1, 0, 1),
                "mode": mode,
                "new_customers_per_month": f(
                    f"{path}.new_customers_per_month", 0, 100, 0, math.inf
                ),
            }
        elif kind == "conversion":
            mode = str(r.choice(["relative", "absolute"]))
            item |= {
                "leads_per_month": f(f"{path}.leads_per_month", 10, 5000, 0, math.inf),
                "base_conversion": f(f"{path}.base_conversion", 0, 0.2, 0, 1),
                "conversion_lift": f(f"{path}.conversion_lift", 0, 0.05, 0, 1)
                if mode == "absolute"
                else f(f"{path}.conversion_lift", 0, 2, 0, math.inf),
                "mode": mode,
                "value_per_conversion": f(f"{path}.value_per_conversion", 0, 100, 0, math.inf),
                "arpu": f(f"{path}.arpu", 0, 50, 0, math.inf),
                "margin": f(f"{path}.margin", 0, 1, 0, 1),
                "churn": f(f"{path}.churn", 0, 0.3, 0, 1),
            }
        elif kind == "spend_uplift":
            item |= {
                "customers": f(f"{path}.customers", 10, 5000, 0, math.inf),
                "spend_per_customer": f(f"{path}.spend_per_customer", 1, 100, 0, math.inf),
                "uplift": f(f"{path}.uplift", 0, 0.3, 0, 1),
                "margin": f(f"{path}.margin", 0, 1, 0, 1),
            }
        elif kind == "handle_time":
            item |= {
                "contacts_per_month": f(f"{path}.contacts_per_month", 10, 1e5, 0, math.inf),
                "seconds_saved": f(f"{path}.seconds_saved", 0, 90, 0, math.inf),
                "cost_per_hour": f(f"{path}.cost_per_hour", 10, 80, 0, math.inf),
            }
        elif kind == "deflection":
            item |= {
                "contacts_per_month": f(f"{path}.contacts_per_month", 10, 1e5, 0, math.inf),
                "deflection_rate": f(f"{path}.deflection_rate", 0, 0.3, 0, 1),
                "cost_per_contact": f(f"{path}.cost_per_contact", 1, 10, 0, math.inf),
            }
        else:
            item["amount"] = f(f"{path}.amount", 0, 20000, 0, math.inf)
        return item | self.timing(path)

    def cost(self, i: int, horizon: int) -> dict:
        r = self.rng
        path = f"costs[{i}]"
        kind = str(r.choice(["one_time", "recurring", "scheduled"]))
        if kind == "scheduled":
            return self.schedule(horizon, path)
        item: dict = {"type": kind, "amount": self.field(f"{path}.amount", 10, 50000, 0, math.inf)}
        if kind == "one_time":
            item["month"] = int(r.integers(0, horizon + 3))
            item["spread_months"] = int(r.integers(1, 8))
        else:
            start = float(r.uniform(1, 6))
            if r.random() < 0.5:
                self.values[f"{path}.start_month"] = start
                item["start_month"] = {"dist": "uniform", "min": 1, "max": 6}
            else:
                item["start_month"] = start
            if r.random() < 0.5:
                item["end_month"] = float(r.uniform(6, horizon + 6))
            item["escalation"] = self.field(f"{path}.escalation", -0.3, 0.5, -0.99, math.inf)
        if r.random() < 0.5:
            item["scale"] = self.field(f"{path}.scale", 0.5, 2, 0, math.inf)
        return item

    def config(self) -> dict:
        r = self.rng
        horizon = int(r.integers(1, 49))
        benefits = [self.benefit(i, horizon) for i in range(int(r.integers(0, 5)))]
        # A positive first cost keeps ROI defined (an all-zero-cost config is invalid).
        costs = [{"type": "one_time", "amount": float(r.uniform(100, 1e5))}]
        costs += [self.cost(i, horizon) for i in range(1, int(r.integers(1, 4)))]
        return {
            "name": "random",
            "horizon_months": horizon,
            "discount_rate": float(r.uniform(-0.05, 0.3)),
            "benefits": benefits,
            "costs": costs,
        }


@pytest.mark.filterwarnings("ignore")  # configs with amounts beyond the horizon
@pytest.mark.parametrize("seed", range(300))
def test_kernel_matches_reference_on_random_configs(seed):
    maker = ConfigMaker(np.random.default_rng(seed))
    config = maker.config()
    expect = reference_trial(config, maker.values)
    got = engine_trial(config, maker.values)
    for key in OUTPUTS:
        if key == "irr":
            assert_close(got[key], expect[key], rel=1e-7, abs_=1e-9)
        else:
            assert_close(got[key], expect[key], rel=1e-9, abs_=1e-6)
    np.testing.assert_allclose(got["cumulative"], np.cumsum(expect["cf"]), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(got["line_pv"], expect["line_pv"], rtol=1e-9, atol=1e-6)


# -- independent checks with numpy-financial ---------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_npv_and_irr_match_numpy_financial(seed):
    rng = np.random.default_rng(1000 + seed)
    horizon = int(rng.integers(6, 60))
    rate = float(rng.uniform(0.0, 0.25))
    monthly = rng.uniform(1_000, 20_000, horizon).tolist()
    config = {
        "name": "npf",
        "horizon_months": horizon,
        "discount_rate": rate,
        "benefits": [{"type": "scheduled", "monthly": monthly}],
        "costs": [{"type": "one_time", "amount": float(rng.uniform(10_000, 200_000))}],
    }
    got = engine_trial(config, {})
    cf = np.diff(got["cumulative"], prepend=0.0)
    monthly_rate = (1 + rate) ** (1 / 12) - 1
    assert got["npv"] == pytest.approx(npf.npv(monthly_rate, cf), rel=1e-10)
    expected_irr = (1 + npf.irr(cf)) ** 12 - 1
    if math.isnan(expected_irr):
        assert math.isnan(got["irr"])
    else:
        assert got["irr"] == pytest.approx(expected_irr, rel=1e-8, abs=1e-10)


# -- whole runs: determinism and chunking -------------------------------------------------


@pytest.fixture(scope="module")
def omnichannel():
    return simulate.load_config(CONFIGS / "omnichannel.yaml")


def test_same_seed_same_numbers_on_one_or_two_threads(omnichannel):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(omnichannel, trials=5000, seed=3)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run(omnichannel, trials=5000, seed=3)
    finally:
        numba.set_num_threads(before)
    for name in OUTPUTS:
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    np.testing.assert_array_equal(one.paths, two.paths)
    np.testing.assert_array_equal(one.line_pv_mean, two.line_pv_mean)
    assert one.summary() == two.summary()


def test_chunks_are_evaluated_as_one_matrix(omnichannel):
    chunked = run(omnichannel, trials=3000, seed=5, chunk_size=1024, n_paths=2500)
    whole = evaluate(omnichannel, chunked.inputs, n_paths=2500)
    for name in OUTPUTS:
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))
    np.testing.assert_array_equal(chunked.paths, whole.paths)
    # Per-line mean PVs add up to the mean NPV.
    benefit = chunked.line_pv_mean[: len(omnichannel.benefits)].sum()
    cost = chunked.line_pv_mean[len(omnichannel.benefits) :].sum()
    assert benefit - cost == pytest.approx(chunked.npv.mean(), rel=1e-10)


def test_seed_zero_is_a_seed_and_no_seed_is_recorded(omnichannel):
    a = run(omnichannel, trials=200, seed=0)
    b = run(omnichannel, trials=200, seed=0)
    np.testing.assert_array_equal(a.npv, b.npv)
    unseeded = replace(omnichannel, seed=None)
    c = run(unseeded, trials=200)
    d = run(unseeded, trials=200, seed=c.seed)
    np.testing.assert_array_equal(c.npv, d.npv)


def test_example_configs_run(configs_dir):
    for path in sorted(configs_dir.glob("*.yaml")):
        model = simulate.load_config(path)
        result = run(model, trials=500, seed=1, keep_inputs=False)
        s = result.summary()
        assert s["trials"] == 500 and s["metrics"]["npv"]["mean"] is not None, path
        assert result.inputs is None


def test_sampling_override_is_recorded(omnichannel):
    model = replace(omnichannel, sampling="lhs")
    assert run(model, trials=64, seed=1).summary()["sampling"] == "lhs"
    assert run(model, trials=64, seed=1, sampling="sobol").summary()["sampling"] == "sobol"


# -- exact ties and extreme inputs (found in review of the trials-innermost kernel) --


def _one_trial(config, model=None):
    model = model or model_from_dict(config)
    out = evaluate(model, np.zeros((0, 1)), n_paths=1)
    return {name: getattr(out, name)[0] for name in OUTPUTS}, out.paths[0]


def test_net_flow_is_benefits_minus_costs_so_exact_ties_stay_zero():
    # 0.5 - (0.2 + 0.1 + 0.2) is exactly 0 when costs are summed first (docs/model.md
    # section 6: cf_m = benefits_m - costs_m); adding -0.2, -0.1, -0.2 to 0.5 one
    # line at a time leaves -2.8e-17, which would read as "never pays back".
    config = {
        "name": "tie",
        "horizon_months": 1,
        "discount_rate": 0.0,
        "benefits": [{"type": "recurring", "amount": 0.5}],
        "costs": [
            {"type": "recurring", "amount": 0.2},
            {"type": "recurring", "amount": 0.1},
            {"type": "recurring", "amount": 0.2},
        ],
    }
    got, path = _one_trial(config)
    assert path.tolist() == [0.0, 0.0]
    assert got["payback_months"] == 0.0
    assert got["discounted_payback_months"] == 0.0
    assert got["npv"] == 0.0


def test_irr_sign_rules_see_an_exactly_zero_month():
    # Month 2 nets to exactly 0, so the flows change sign once and the IRR exists.
    config = {
        "name": "tie-irr",
        "horizon_months": 3,
        "discount_rate": 0.0,
        "benefits": [{"type": "scheduled", "monthly": [30, 0.5, 30]}],
        "costs": [
            {"type": "one_time", "amount": 100},
            {"type": "scheduled", "monthly": [0, 0.2]},
            {"type": "scheduled", "monthly": [0, 0.1]},
            {"type": "scheduled", "monthly": [0, 0.2]},
        ],
    }
    got, _ = _one_trial(config)
    expected = reference_trial(config, {})["irr"]
    assert got["irr"] == pytest.approx(expected, rel=1e-10)
    assert got["irr"] == pytest.approx((1 + npf.irr([-100, 30, 0, 30])) ** 12 - 1, rel=1e-10)


def test_pv_benefits_sum_month_totals_so_break_even_npv_is_zero():
    # pv_benefits = sum over months of (all benefits that month) * d_m. Here the
    # month totals are 0.1 + 0.2 and 0.1 + 0.3, which add to 0.7000000000000001
    # (the cost), while summing each line's PV first gives 0.7: npv -1.1e-16.
    config = {
        "name": "npv-tie",
        "horizon_months": 2,
        "discount_rate": 0.0,
        "benefits": [
            {"type": "scheduled", "monthly": [0.1, 0.1]},
            {"type": "scheduled", "monthly": [0.2, 0.3]},
        ],
        "costs": [{"type": "one_time", "amount": 0.7000000000000001}],
    }
    got, _ = _one_trial(config)
    assert got["npv"] == 0.0
    assert got["roi"] == 0.0


def test_an_ended_recurring_cost_stops_escalating():
    # Escalating after end_month would overflow to inf and give 0 * inf = NaN.
    # Validation caps escalation at 1 (100% a year), so the kernel gets 1e7 directly.
    config = {
        "name": "esc",
        "horizon_months": 600,
        "discount_rate": 0.1,
        "benefits": [{"type": "recurring", "amount": 1000}],
        "costs": [
            {"type": "one_time", "amount": 100},
            {"type": "recurring", "amount": 10, "end_month": 24, "escalation": 1},
        ],
    }
    model = model_from_dict(config)
    line = model.costs[1]
    line = replace(line, fields={**line.fields, "escalation": Ref(1e7)})
    got, path = _one_trial(config, replace(model, costs=(model.costs[0], line)))
    d = discount_factors(600, 0.1)
    m = np.arange(601)
    # 10 a month in months 1-12, 10 * (1 + 1e7) in months 13-24, nothing after.
    costs = (
        100.0 * (m == 0) + 10.0 * ((m >= 1) & (m <= 12)) + 10.0 * (1 + 1e7) * (m >= 13) * (m <= 24)
    )
    assert np.isfinite(path).all()
    assert got["pv_costs"] == pytest.approx((costs * d).sum(), rel=1e-12)
    assert got["npv"] == pytest.approx(1000.0 * d[1:].sum() - (costs * d).sum(), rel=1e-12)


def test_evaluate_checks_the_arrays_it_writes_into(omnichannel):
    inputs = run(omnichannel, trials=10, seed=1).inputs
    out = {name: np.empty(10) for name in OUTPUTS}
    evaluate(omnichannel, inputs, out=out)
    np.testing.assert_array_equal(out["npv"], evaluate(omnichannel, inputs).npv)
    for bad in (np.empty(11), np.empty(10, np.float32), np.empty(20)[::2]):
        with pytest.raises(ValueError, match="contiguous float64 array of 10"):
            evaluate(omnichannel, inputs, out={**out, "irr": bad})
