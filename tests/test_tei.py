"""simulate.report.tei: the TEI-style table, checked by hand and against an independent oracle.

The hand-worked cases have fixed inputs, so every trial is the same and each
cell is the annual sum worked out in the comments (Initial undiscounted; a
flow at month 12k discounted at ``(1 + r)^-k``, as a Forrester TEI study
does). The uncertain cases compare each cell's P10/P50/P90 with numpy
percentiles of per-trial annual flows that the plain-numpy oracle
(tests/oracles/numpy_model.py) computes month by month, line by line.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math

import numpy as np
import pytest
from conftest import AVX512, X86_V3, pinned
from oracles.numpy_model import _add_line_flows

import simulate
from simulate.kernel.tables import kernel_tables
from simulate.report import tei
from simulate.report.tei import tei_columns, tei_table, trials_for_table, year_edges
from simulate.report.tei_rows import risk_adjustment
from simulate.sensitivity import base_case, tornado

# r = 0.10, T = 36, every input fixed.
#   Agent productivity (scheduled, annual, end of year): 100,000 at month 12,
#     200,000 at month 24, 300,000 at month 36. PV = 100,000 / 1.1 + 200,000 / 1.21
#     + 300,000 / 1.331 = 90,909.09 + 165,289.26 + 225,394.44 = 481,592.79.
#   Legacy retired (recurring 1,000 a month, lag 3): months 4..36.
#     Year 1: 9 x 1,000 = 9,000; years 2 and 3: 12,000 each; total 33,000.
#   Build (one_time 500,000 at month 0): Initial 500,000 (undiscounted, PV 500,000).
#   Licences (recurring 2,000 a month from month 1, escalation 10%): months 1-12
#     pay 2,000 (24,000), 13-24 pay 2,200 (26,400), 25-36 pay 2,420 (29,040): 79,440.
#   Hardware (scheduled: initial 50,000; annual [0, 30,000] at year ends):
#     Initial 50,000, Year 2 30,000; PV 50,000 + 30,000 / 1.21 = 74,793.39.
#   Totals: benefits 0 / 109,000 / 212,000 / 312,000, total 633,000;
#     costs 550,000 / 24,000 / 56,400 / 29,040, total 659,440;
#     net -550,000 / 85,000 / 155,600 / 282,960, total -26,440.
HAND = """\
name: TEI by hand
horizon_months: 36
discount_rate: 0.10
simulation: {trials: 64, seed: 5}
priors:
  licence_fee: {dist: fixed, value: 2000, source: vendor quote}
benefits:
  - {type: scheduled, name: Agent productivity, annual: [100000, 200000, 300000]}
  - {type: recurring, name: Legacy retired, amount: 1000, lag: 3}
costs:
  - {type: one_time, name: Build, amount: 500000}
  - {type: recurring, name: Licences, amount: licence_fee, escalation: 0.10}
  - {type: scheduled, name: Hardware, initial: 50000, annual: [0, 30000]}
"""
HAND_FLOWS = {  # Initial, Year 1, Year 2, Year 3, Total
    "Agent productivity": [0, 100_000, 200_000, 300_000, 600_000],
    "Legacy retired": [0, 9_000, 12_000, 12_000, 33_000],
    "Total benefits": [0, 109_000, 212_000, 312_000, 633_000],
    "Build": [500_000, 0, 0, 0, 500_000],
    "Licences": [0, 24_000, 26_400, 29_040, 79_440],
    "Hardware": [50_000, 0, 30_000, 0, 80_000],
    "Total costs": [550_000, 24_000, 56_400, 29_040, 659_440],
    "Net benefits": [-550_000, 85_000, 155_600, 282_960, -26_440],
}

# A config with an uncertain input in every kind of line and field the table
# reads: timing (lag, ramp, decay, s-curve), retention, conversion, a
# discrete amount, a scaled scheduled line, escalation, a partial last year.
UNCERTAIN = """\
name: TEI uncertain
horizon_months: 30
discount_rate: 0.08
simulation: {trials: 3000, seed: 11}
priors:
  go_live: {dist: triangular, min: 2, mode: 4, max: 9}
  cut: {dist: pert, min: 0.02, mode: 0.06, max: 0.15}
  overrun: {dist: lognormal, median: 1.1, p90: 1.5}
  tier: {dist: discrete, values: [1000, 1500, 2500], probs: [0.3, 0.5, 0.2]}
  works: {dist: bernoulli, p: 0.7}
correlations:
  - [go_live, overrun, 0.5]
benefits:
  - type: retention
    name: Churn avoided
    customers: 200000
    arpu: 40
    margin: 0.5
    base_churn: 0.02
    churn_reduction: cut
    lag: go_live
    ramp: {dist: uniform, min: 2, max: 8}
    ramp_shape: s_curve
    decay: 0.1
  - type: conversion
    name: Conversion
    leads_per_month: 4000
    base_conversion: 0.05
    conversion_lift: {dist: metalog, p10: 0.03, p50: 0.08, p90: 0.2, min: 0}
    mode: relative
    value_per_conversion: 30
    arpu: 20
    margin: 0.4
    churn: 0.02
    lag: go_live
  - type: scheduled
    name: Space released
    annual: [0, 60000, 90000]
    timing: spread
    scale: works
costs:
  - {type: one_time, name: Build, amount: 400000, scale: overrun, month: 1, spread_months: 6}
  - {type: recurring, name: Licences, amount: tier, start_month: go_live, escalation: 0.05}
"""


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = tmp_path_factory.mktemp("tei") / "hand.yaml"
    path.write_text(HAND, encoding="utf-8")
    model = simulate.load_config(path)
    return model, tei_table(simulate.run(model, keep_inputs=False))


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory):
    path = tmp_path_factory.mktemp("tei") / "uncertain.yaml"
    path.write_text(UNCERTAIN, encoding="utf-8")
    model = simulate.load_config(path)
    result = simulate.run(model, keep_inputs=True)
    return model, result, tei_table(result)


def _rows(table) -> dict[str, dict]:
    return {row["name"]: row for row in table["rows"]}


# -- columns -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("horizon", "years"),
    [
        (1, ["Year 1 (month 1)"]),  # not "(months 1-1)"
        (12, ["Year 1"]),
        (13, ["Year 1", "Year 2 (month 13)"]),
        (30, ["Year 1", "Year 2", "Year 3 (months 25-30)"]),
        (36, ["Year 1", "Year 2", "Year 3"]),
    ],
)
def test_columns_are_initial_each_year_total_and_present_value(horizon, years):
    assert tei_columns(horizon) == ["Initial", *years, "Total", "Present value"]
    edges = year_edges(horizon)
    assert edges[0] == 0 and edges[-1] == horizon and len(edges) == len(years) + 1


def test_a_600_month_horizon_has_fifty_years():
    cols = tei_columns(600)
    assert len(cols) == 53 and cols[50] == "Year 50"


# -- hand-worked --------------------------------------------------------------------------------


def test_every_cell_of_a_fixed_config_is_the_annual_sum_worked_by_hand(hand):
    _, table = hand
    assert table["columns"] == ["Initial", "Year 1", "Year 2", "Year 3", "Total", "Present value"]
    rows = _rows(table)
    assert [r["name"] for r in table["rows"]] == list(HAND_FLOWS)
    for name, flows in HAND_FLOWS.items():
        cells = rows[name]["cells"]
        for col, want in enumerate(flows):
            for stat in ("p10", "p50", "p90", "mean"):
                assert cells[col][stat] == pytest.approx(want, rel=1e-12, abs=1e-6), (name, col)
        # with nothing uncertain, the deterministic case is the same and no haircut is implied
        assert rows[name]["deterministic"][:5] == pytest.approx(flows, rel=1e-12, abs=1e-6)
        assert rows[name]["risk_adjustment"] == pytest.approx(0.0, abs=1e-12)


def test_present_value_is_the_tei_convention_for_year_end_amounts(hand):
    rows = _rows(hand[1])
    pv = rows["Agent productivity"]["cells"][-1]["p50"]
    assert pv == pytest.approx(100_000 / 1.1 + 200_000 / 1.1**2 + 300_000 / 1.1**3, rel=1e-12)
    assert rows["Build"]["cells"][-1]["p50"] == 500_000  # Initial is not discounted
    assert rows["Hardware"]["cells"][-1]["p50"] == pytest.approx(50_000 + 30_000 / 1.21, rel=1e-12)


def test_present_value_of_monthly_flows_is_the_sum_of_discounted_months(hand):
    rows = _rows(hand[1])
    d = [1.1 ** (-m / 12) for m in range(37)]
    legacy = sum(1000 * d[m] for m in range(4, 37))
    licences = sum(2000 * 1.1 ** ((m - 1) // 12) * d[m] for m in range(1, 37))
    assert rows["Legacy retired"]["cells"][-1]["mean"] == pytest.approx(legacy, rel=1e-12)
    assert rows["Licences"]["cells"][-1]["mean"] == pytest.approx(licences, rel=1e-12)
    net = rows["Net benefits"]["cells"][-1]["p50"]
    hand_net = 100_000 / 1.1 + 200_000 / 1.21 + 300_000 / 1.331 + legacy
    hand_net -= 500_000 + licences + 50_000 + 30_000 / 1.21
    assert net == pytest.approx(hand_net, rel=1e-12)


def test_roi_and_payback_of_a_fixed_config(hand):
    _, table = hand
    roi = table["roi"]
    assert roi["p10"] == roi["p50"] == roi["p90"] == pytest.approx(roi["deterministic"], rel=1e-12)
    # Never pays back: the cumulative net flow ends at -26,440.
    assert table["payback_months"] == {"p10": None, "p50": None, "p90": None, "deterministic": None}


# -- against the oracle -------------------------------------------------------------------------


def _oracle_line_flows(model, inputs: np.ndarray) -> np.ndarray:
    """``(lines, columns, n)``: each line's Initial, annual sums, total and PV, from the
    plain-numpy model's monthly flows (costs positive)."""
    tables = kernel_tables(model)
    code, _, mode, scurve, src, const, prof_row, profiles, disc = tables[:9]
    edges = year_edges(model.horizon_months)
    out = []
    for line in range(code.shape[0]):
        flows = np.zeros((model.horizon_months + 1, inputs.shape[1]))
        params = [
            inputs[j] if j >= 0 else float(c) for j, c in zip(src[line], const[line], strict=True)
        ]
        profile = profiles[prof_row[line]] if prof_row[line] >= 0 else None
        never = np.full(inputs.shape[1], np.inf)  # no gates: no line stops
        _add_line_flows(
            flows, int(code[line]), params, mode[line] == 1, scurve[line] == 1, profile, never
        )
        years = [flows[a + 1 : b + 1].sum(axis=0) for a, b in itertools.pairwise(edges)]
        pv = (flows * disc[:, None]).sum(axis=0)
        out.append(np.stack([flows[0], *years, flows.sum(axis=0), pv]))
    return np.stack(out)


def _assert_cells_match(cells, values, scale):
    want = np.percentile(values, [10, 50, 90])
    got = [cells["p10"], cells["p50"], cells["p90"]]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale)
    assert cells["mean"] == pytest.approx(values.mean(), rel=1e-9, abs=1e-9 * scale)


def test_each_cell_matches_numpy_percentiles_of_the_oracles_annual_flows(uncertain):
    model, result, table = uncertain
    flows = _oracle_line_flows(model, result.inputs)
    assert table["trials_used"] == table["trials"] == result.trials
    assert table["columns"][3] == "Year 3 (months 25-30)"
    lines = [r for r in table["rows"] if r["kind"] in ("benefit", "cost")]
    assert [r["name"] for r in lines] == [line.name for line in model.lines]
    varied = 0
    for i, row in enumerate(lines):
        scale = np.abs(flows[i]).max() + 1.0
        for col, cells in enumerate(row["cells"]):
            _assert_cells_match(cells, flows[i, col], scale)
            varied += cells["p10"] != cells["p90"]
    assert varied >= 12  # the check is about distributions, not constants


def test_totals_are_the_per_trial_sums_and_match_the_summary(uncertain):
    model, result, table = uncertain
    flows = _oracle_line_flows(model, result.inputs)
    kinds = np.array([line.kind for line in model.lines])
    ben, cost = flows[kinds == "benefit"].sum(axis=0), flows[kinds == "cost"].sum(axis=0)
    rows = _rows(table)
    for name, values in (
        ("Total benefits", ben),
        ("Total costs", cost),
        ("Net benefits", ben - cost),
    ):
        scale = np.abs(values).max()
        for col, cells in enumerate(rows[name]["cells"]):
            _assert_cells_match(cells, values[col], scale)
    # The totals' present values are the run's own outputs: exactly summary.json's numbers.
    summary = result.summary()["metrics"]
    for name, key in (("Total benefits", "pv_benefits"), ("Total costs", "pv_costs"),
                      ("Net benefits", "npv")):  # fmt: skip
        pv = rows[name]["cells"][-1]
        assert [pv["p10"], pv["p50"], pv["p90"]] == [summary[key][q] for q in ("p10", "p50", "p90")]
        assert pv["mean"] == summary[key]["mean"]


def test_each_lines_mean_present_value_is_the_runs(uncertain):
    _, result, table = uncertain
    lines = [r for r in table["rows"] if r["kind"] in ("benefit", "cost")]
    got = np.array([r["cells"][-1]["mean"] for r in lines])
    np.testing.assert_allclose(got, result.line_pv_mean, rtol=1e-12)


def test_the_deterministic_column_is_every_input_at_its_median(uncertain):
    model, _, table = uncertain
    base = base_case(model)
    flows = _oracle_line_flows(model, base[:, None])[:, :, 0]
    lines = [r for r in table["rows"] if r["kind"] in ("benefit", "cost")]
    for i, row in enumerate(lines):
        np.testing.assert_allclose(row["deterministic"], flows[i], rtol=1e-10, atol=1e-6)
    net = _rows(table)["Net benefits"]["deterministic"][-1]
    assert net == pytest.approx(tornado(model)["base"]["npv"], rel=1e-12)
    expected = simulate.engine.evaluate(model, base[:, None], with_irr=False)
    assert table["roi"]["deterministic"] == pytest.approx(expected.roi[0], rel=1e-12)
    assert table["payback_months"]["deterministic"] == pytest.approx(expected.payback_months[0])
    assert 0 < table["payback_months"]["deterministic"] < model.horizon_months


def test_roi_and_payback_rows_are_summary_jsons(uncertain):
    _, result, table = uncertain
    summary = result.summary()["metrics"]
    for q in ("p10", "p50", "p90", "mean"):
        assert table["roi"][q] == summary["roi"][q]
    for q in ("p10", "p50", "p90"):
        assert table["payback_months"][q] == summary["payback_months"][q]


def test_the_implied_risk_adjustment_follows_its_definition(uncertain):
    _, _, table = uncertain
    for row in table["rows"]:
        mean, det = row["cells"][-1]["mean"], row["deterministic"][-1]
        if row["kind"] in ("cost", "total_costs"):
            assert row["risk_adjustment"] == pytest.approx(mean / det - 1.0)
        else:
            assert row["risk_adjustment"] == pytest.approx((det - mean) / abs(det))
    # A lognormal overrun (mean above its median) makes the build cost more than planned.
    assert _rows(table)["Build"]["risk_adjustment"] > 0.01


def test_risk_adjustment_signs_and_a_zero_base():
    assert risk_adjustment("benefit", 80.0, 100.0) == pytest.approx(0.2)
    assert risk_adjustment("cost", 120.0, 100.0) == pytest.approx(0.2)
    # a net that loses money in the plan and more in the risk-adjusted case: a haircut > 0
    assert risk_adjustment("net_benefits", -150.0, -100.0) == pytest.approx(0.5)
    assert risk_adjustment("benefit", 0.0, 0.0) is None
    assert risk_adjustment("benefit", None, 5.0) is None


# -- the draws: kept or drawn again; the memory bound -------------------------------------------


@pytest.mark.parametrize("sampling", ["random", "lhs", "sobol"])
def test_draws_drawn_again_give_the_table_of_the_kept_draws(uncertain, sampling):
    model = uncertain[0]
    kw = {"trials": 2500, "seed": 3, "sampling": sampling, "chunk_size": 1000}
    kept = tei_table(simulate.run(model, keep_inputs=True, **kw))
    again = tei_table(simulate.run(model, keep_inputs=False, **kw))
    assert kept == again


def test_a_table_over_the_budget_uses_the_first_trials_and_says_so(uncertain, monkeypatch):
    model = uncertain[0]
    result = simulate.run(model, trials=2500, seed=3, keep_inputs=False, chunk_size=1000)
    n_cols = len(tei_columns(model.horizon_months))
    monkeypatch.setattr(tei, "CELL_BUDGET", 1234 * (len(model.lines) + 3) * n_cols)
    table = tei_table(result)
    assert (table["trials_used"], table["trials"]) == (1234, 2500)
    kept = simulate.run(model, trials=2500, seed=3, keep_inputs=True, chunk_size=1000)
    flows = _oracle_line_flows(model, kept.inputs[:, :1234])
    row = table["rows"][0]
    for col, cells in enumerate(row["cells"]):
        _assert_cells_match(cells, flows[0, col], np.abs(flows[0]).max())
    net_pv = _rows(table)["Net benefits"]["cells"][-1]["p50"]
    assert net_pv == pytest.approx(np.percentile(kept.npv[:1234], 50), rel=1e-12)


def test_trials_for_table_bounds_cells_and_paths():
    assert trials_for_table(100_000, 60, 12) == 100_000
    n = trials_for_table(1_000_000, 60, 12)
    assert n * 15 * 8 <= tei.CELL_BUDGET < (n + 1) * 15 * 8
    n = trials_for_table(1_000_000, 600, 2)  # paths of 601 months dominate
    assert n * 601 <= tei.CELL_BUDGET < (n + 1) * 601
    assert trials_for_table(5, 600, 400) == 5
    assert trials_for_table(10**8, 600, 10**6) == 1  # never zero


def test_a_config_without_uncertain_inputs_and_a_one_month_horizon(write_config):
    path = write_config(
        "name: Tiny\nhorizon_months: 1\ndiscount_rate: 0.12\n"
        "benefits:\n  - {type: recurring, name: Fee, amount: 100}\n"
        "costs:\n  - {type: one_time, name: Set-up, amount: 50}\n"
    )
    model = simulate.load_config(path)
    table = tei_table(simulate.run(model, trials=10, seed=1))
    rows = _rows(table)
    assert table["columns"] == ["Initial", "Year 1 (month 1)", "Total", "Present value"]
    assert [c["p50"] for c in rows["Net benefits"]["cells"][:3]] == [-50, 100, 50]
    assert rows["Fee"]["cells"][-1]["p50"] == pytest.approx(100 * 1.12 ** (-1 / 12), rel=1e-12)
    assert table["payback_months"]["p50"] == pytest.approx(0.5)
    assert not math.isnan(table["roi"]["deterministic"])


# -- pinned: the table's numbers do not move when its computation does ---------------------------

# sha256 of tei_table's JSON, computed line by line through engine.evaluate (the
# computation before the per-line flows were kept by the run's own kernel pass).
# Re-pinned when issue 13's replicate batches and issue 15's beta/PERT table changed the
# draws: the per-line computation of before (simulate/report/tei.py at 6b6455c, run on
# the new draws) gives these same digests, so the kernel pass still matches it.
PINNED_TABLES = {
    (
        "uncertain",
        3000,
        "random",
    ): {
        AVX512: "75021cb2c7dfc8d8ad902382f23f79ba42cd0ebe5cdb425298aba9e32750d351",
        X86_V3: "a611cbd7e5a939ccb571cea9fa5f2ddf359c635d094b50a352e7e68bea2036a0",
    },
    (
        "omnichannel",
        20_000,
        "random",
    ): {
        AVX512: "6eb1c5fd3485ab056d2ea3e0dea4e6da695fb5447093a5545b916d077d62d458",
        X86_V3: "d0a9031cf4e785b4b4d589907f4223bb3c909fff596ac135ec218061ffde1031",
    },
    (
        "omnichannel",
        5000,
        "lhs",
    ): {
        AVX512: "8e9a7579bab06d6071fccaeb50a5d7baf2da00b4e51b977f0473e6c3860296db",
        X86_V3: "23bb7c9396d8295e2fec272cf5cee900f6dabcbe690accbdfd8e94ca81b7a672",
    },
}


def _table_digest(table) -> str:
    return hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize(("config", "trials", "sampling"), sorted(PINNED_TABLES))
def test_tables_match_their_pinned_digests(uncertain, configs_dir, config, trials, sampling):
    model = (
        uncertain[0]
        if config == "uncertain"
        else simulate.load_config(configs_dir / f"{config}.yaml")
    )
    # Pinned before short runs were cut into smaller batches (sampling.batch_size_for): the
    # batches of 8,192 they had then keep their draws, so the table's own arithmetic is pinned.
    result = simulate.run(model, trials=trials, seed=7, sampling=sampling, keep_inputs=False,
                          batch_size=8192)  # fmt: skip
    assert _table_digest(tei_table(result)) == pinned(PINNED_TABLES[config, trials, sampling])


# -- the run's kernel pass keeps the bits of one-line models ------------------------------------


def _one_line_model_flows(model, inputs: np.ndarray) -> np.ndarray:
    """``(lines, columns, n)`` as the table was first computed: each line alone (its slice of
    the kernel tables) through engine.evaluate, annual flows as differences of the one-line
    model's cumulative net path, its PV the one-line model's PV of benefits or costs."""
    tables = kernel_tables(model)
    edges = year_edges(model.horizon_months)
    n = inputs.shape[1]
    out = []
    for i, line in enumerate(model.lines):
        one = slice(i, i + 1)
        fields = ("code", "is_cost", "mode", "scurve", "src", "const", "prof_row", "governs")
        line_tables = tables._replace(**{f: getattr(tables, f)[one] for f in fields})
        with np.errstate(over="ignore", invalid="ignore"):
            got = simulate.engine.evaluate(
                model, inputs, with_irr=False, n_paths=n, tables=line_tables
            )
        cum = got.paths[:, edges].T
        cells = np.empty((edges.size + 2, n))
        cells[0] = cum[0]
        np.subtract(cum[1:], cum[:-1], out=cells[1 : edges.size])
        cells[edges.size] = cum[-1]
        cost = line.kind == "cost"
        if cost:
            cells[: edges.size + 1] *= -1.0
        cells[-1] = got.pv_costs if cost else got.pv_benefits
        out.append(cells + 0.0)
    return np.stack(out)


@pytest.mark.parametrize("config", ["uncertain", "omnichannel", "contact_center_aht"])
def test_the_runs_line_flows_are_the_bits_of_each_line_alone(uncertain, configs_dir, config):
    if config == "uncertain":
        model = uncertain[0]
    else:
        model = simulate.load_config(configs_dir / f"{config}.yaml")
    # chunks of 1000: the kept trials span chunks, and blocks of 64 lanes straddle them
    result = simulate.run(model, trials=2100, seed=4, chunk_size=1000)
    assert result.line_flows.shape == (
        len(model.lines),
        len(tei_columns(model.horizon_months)),
        2100,
    )
    want = _one_line_model_flows(model, result.inputs)
    assert result.line_flows.tobytes() == want.tobytes()


def test_a_run_without_line_flows_gets_the_same_table_from_one_more_pass(uncertain):
    model = uncertain[0]
    kw = {"trials": 2500, "seed": 3, "chunk_size": 1000}
    with_flows = simulate.run(model, keep_inputs=False, **kw)
    without = simulate.run(model, keep_inputs=False, line_flows=False, **kw)
    assert without.line_flows is None and with_flows.npv.tobytes() == without.npv.tobytes()
    assert tei_table(without) == tei_table(with_flows)


def test_keeping_line_flows_changes_no_other_output(uncertain):
    model = uncertain[0]
    a = simulate.run(model, trials=3000, seed=9, chunk_size=1000)
    b = simulate.run(model, trials=3000, seed=9, chunk_size=1000, line_flows=False)
    for name in (*simulate.engine.OUTPUT_NAMES, "paths", "discounted_paths", "line_pv_mean"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
