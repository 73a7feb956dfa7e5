"""Stage gates and the value of flexibility (docs/model.md section 5, "Stage gates").

Every expected value here is worked out by hand from the rule: where a gate
fails, the lines it governs stop from its month on (a benefit's effect, a
cost's amount); the programme without the option to stop runs every line
to its end on the same draws.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from oracles.reference_model import gate_stops, reference_trial
from test_escalation import _random_escalating_config, assert_trial_matches
from test_numpy_baseline import assert_matches_numpy

from simulate import engine
from simulate.config import model_from_dict
from simulate.errors import ConfigError
from simulate.kernel.tables import kernel_tables

# The worked example of docs/model.md: 24 months at 0%, a benefit of 100 a month that the
# pilot's flag scales, a licence of 50 a month, one gate at month 7 on the flag.
WORKED = {
    "name": "Gate",
    "horizon_months": 24,
    "discount_rate": 0.0,
    "simulation": {"trials": 4000, "seed": 7},
    "priors": {"pilot_succeeds": {"dist": "bernoulli", "p": 0.6}},
    "benefits": [
        {"type": "recurring", "name": "Savings", "amount": 100, "scale": "pilot_succeeds"}
    ],
    "costs": [{"type": "recurring", "name": "Licence", "amount": 50}],
    "gates": [{"name": "pilot review", "month": 7, "continue_if": "pilot_succeeds"}],
}


def _model(**changes):
    return model_from_dict({**WORKED, **changes})


def _npv(model, column, gates=True):
    """NPV of one trial whose inputs are ``column`` (one value per input)."""
    tables = kernel_tables(model)
    tables = tables if gates else tables.without_gates()
    inputs = np.asarray(column, float).reshape(-1, 1)
    return engine.evaluate(model, inputs, with_irr=False, tables=tables)


def test_the_worked_example_trial_by_trial():
    model = _model()
    assert _npv(model, [1.0]).npv[0] == 1200.0  # 24 x (100 - 50)
    assert _npv(model, [0.0]).npv[0] == -300.0  # the licence in months 1..6 only
    assert _npv(model, [0.0], gates=False).npv[0] == -1200.0  # paid to the end
    assert _npv(model, [1.0], gates=False).npv[0] == 1200.0


def test_the_value_of_flexibility_is_the_closed_form_on_the_run_s_own_draws():
    """(1 - pass rate) x 900 exactly; the pass rate within 4 standard errors of p."""
    result = engine.run(_model(), 4000, 7)
    flex = result.summary()["flexibility"]
    passed = flex["gates"][0]["pass_fraction"]
    assert passed == np.mean(result.inputs[0] == 1.0)
    assert flex["value"] == pytest.approx((1 - passed) * 900.0, rel=1e-12)
    assert abs(passed - 0.6) < 4 * math.sqrt(0.6 * 0.4 / 4000)
    assert flex["with_gates"]["npv_mean"] == pytest.approx(passed * 1200 - (1 - passed) * 300)
    assert flex["without_gates"]["npv_mean"] == pytest.approx(passed * 1200 - (1 - passed) * 1200)
    low, high = flex["value_interval"]["low"], flex["value_interval"]["high"]
    assert low < flex["value"] < high
    # the paired differences are 0 or 900: their standard error, by hand
    se = np.std(np.where(result.inputs[0] == 1.0, 0.0, 900.0), ddof=1) / math.sqrt(4000)
    assert (high - low) / 2 == pytest.approx(se * 1.9606, rel=1e-3)
    assert flex["with_gates"]["npv_mean"] == result.summary()["metrics"]["npv"]["mean"]


def test_a_gate_stops_costs_from_its_month_and_keeps_what_was_paid_before():
    costs = [
        {"type": "one_time", "name": "Pilot", "amount": 1000, "month": 0},
        {"type": "one_time", "name": "Rollout", "amount": 5000, "month": 8},
        {"type": "one_time", "name": "At the gate", "amount": 700, "month": 7},
        {"type": "recurring", "name": "Licence", "amount": 50, "start_month": 3, "end_month": 10},
    ]
    model = _model(costs=costs)
    failed = _npv(model, [0.0])
    # months 0..6 only: the pilot and the licence of months 3..6
    assert failed.npv[0] == -(1000 + 4 * 50)
    assert failed.pv_costs[0] == 1200.0
    assert _npv(model, [0.0], gates=False).pv_costs[0] == 1000 + 5000 + 700 + 8 * 50


def test_a_failed_gate_ends_a_retention_effect_and_kept_customers_churn_at_the_base_rate():
    """Hand-worked: 1000 customers, churn 10% cut by half, 10 a month, gate at month 3."""
    model = model_from_dict(
        {
            "name": "Retention gate",
            "horizon_months": 4,
            "discount_rate": 0.0,
            "benefits": [
                {
                    "type": "retention",
                    "customers": 1000,
                    "arpu": 10,
                    "margin": 1,
                    "base_churn": 0.1,
                    "churn_reduction": 0.5,
                }
            ],
            "costs": [{"type": "one_time", "amount": 1}],
            "gates": [{"month": 3, "continue_if": 0}],  # a constant: the gate always fails
        }
    )
    # base 900, 810, 729, 656.1; treated 950, 902.5, then at the base churn 812.25, 731.025
    expected = (950 - 900) * 10 + (902.5 - 810) * 10 + (812.25 - 729) * 10 + (731.025 - 656.1) * 10
    out = _npv(model, np.zeros(0))
    assert out.pv_benefits[0] == pytest.approx(expected, rel=1e-13)
    assert model.gates[0].condition == "gates[0].continue_if = 1"


def test_at_least_and_the_earliest_failed_gate():
    raw = {
        **WORKED,
        "priors": {"lift": {"dist": "uniform", "min": 0, "max": 0.2}},
        "benefits": [{"type": "recurring", "name": "Savings", "amount": 100}],
        "costs": [{"type": "recurring", "name": "Licence", "amount": 50}],
        "gates": [
            {"name": "late", "month": 12, "continue_if": "lift", "at_least": 0.05},
            {
                "name": "early",
                "month": 4,
                "continue_if": "lift",
                "at_least": 0.1,
                "lines": ["Licence"],
            },
        ],
    }
    model = model_from_dict(raw)
    assert [g.condition for g in model.gates] == ["lift >= 0.05", "lift >= 0.1"]
    # passes both: everything runs
    assert _npv(model, [0.15]).npv[0] == 24 * 50
    # fails the early gate only: the licence stops from month 4, the benefit runs on
    assert _npv(model, [0.07]).npv[0] == 24 * 100 - 3 * 50
    # fails both: the benefit stops from month 12, the licence from month 4 (the earlier)
    assert _npv(model, [0.01]).npv[0] == 11 * 100 - 3 * 50
    # exactly at the threshold passes
    assert _npv(model, [0.05]).npv[0] == 24 * 100 - 3 * 50
    result = engine.run(model, 2000, 3)
    lift = result.inputs[0]
    passes = result.summary()["flexibility"]["gates"]
    assert passes[0]["pass_fraction"] == np.mean(lift >= 0.05)
    assert passes[1]["pass_fraction"] == np.mean(lift >= 0.1)


def test_a_run_without_gates_has_no_flexibility_block():
    model = _model(gates=None)
    result = engine.run(model, 1000, 1)
    assert "flexibility" not in result.summary()
    assert result.npv_without_gates is None


def test_a_precision_run_keeps_the_ungated_npvs_of_exactly_its_trials():
    model = _model()
    result = engine.run(model, seed=5, precision="npv_mean=5%", max_trials=100_000)
    fixed = engine.run(model, result.trials, 5)
    assert np.array_equal(result.npv_without_gates, fixed.npv_without_gates)
    assert result.summary()["flexibility"] == fixed.summary()["flexibility"]


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        ({"month": 6}, "gates: must be a list"),
        ([{"continue_if": "pilot_succeeds"}], "gates[0].month: a gate needs month:"),
        ([{"month": 0, "continue_if": "pilot_succeeds"}], "gates[0].month: 0 is outside"),
        ([{"month": 601, "continue_if": "pilot_succeeds"}], "gates[0].month: 601 is outside"),
        ([{"month": 6.5, "continue_if": "pilot_succeeds"}], "not a whole number"),
        ([{"month": 6}], "gates[0].continue_if: a gate needs continue_if:"),
        ([{"month": 6, "continue_if": "pilot_sucess"}], "did you mean 'pilot_succeeds'"),
        ([{"month": 6, "continue_if": "lift"}], "not only 0 and 1"),
        ([{"month": 6, "continue_if": 0.3}], "not only 0 and 1"),
        ([{"month": 6, "continue_if": "unit"}], "takes values in [0, 1], not only 0 and 1"),
        (
            [{"month": 6, "continue_if": {"dist": "beta", "alpha": 2, "beta": 2}}],
            "not only 0 and 1",
        ),
        (
            [{"month": 6, "continue_if": "pilot_succeeds", "name": 12}],
            "gates[0].name: a gate's name must be text, not 12",
        ),
        (
            [{"month": 6, "continue_if": "pilot_succeeds", "lines": ["Savngs"]}],
            "gates[0].lines[0]: 'Savngs' is not a line (did you mean 'Savings'?)",
        ),
        ([{"month": 6, "continue_if": "pilot_succeeds", "colour": 1}], "unknown key 'colour'"),
        ([{"month": 6, "continue_if": "lift", "at_least": "high"}], "gates[0].at_least"),
        (
            [
                {"month": 6, "continue_if": "pilot_succeeds", "name": "review"},
                {"month": 9, "continue_if": "pilot_succeeds", "name": "review"},
            ],
            "gates[1].name: 'review' is already the name of gates[0]",
        ),
    ],
)
def test_a_bad_gate_is_one_clear_problem(gates, message):
    priors = {
        **WORKED["priors"],
        "lift": {"dist": "uniform", "min": 0, "max": 0.2},
        "unit": {"dist": "uniform", "min": 0, "max": 1},
    }
    with pytest.raises(ConfigError) as err:
        _model(gates=gates, priors=priors)
    assert message in str(err.value)
    assert len(err.value.problems) == 1


def test_a_prior_read_only_by_a_gate_is_used():
    raw = {**WORKED, "benefits": [{"type": "recurring", "amount": 100}]}
    model = model_from_dict(raw)
    assert not any("no field uses it" in w for w in model.warnings)
    assert model.prior_users["pilot_succeeds"] == ("gates[0].continue_if",)


def test_the_cli_reports_the_value_of_flexibility(tmp_path):
    import yaml  # test-only: write the worked example as a config file

    config = tmp_path / "gate.yaml"
    config.write_text(yaml.safe_dump(WORKED))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulate",
            "run",
            str(config),
            "--out",
            str(tmp_path / "out"),
            "--no-figures",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads((tmp_path / "out" / "gate" / "summary.json").read_text())
    flex = summary["flexibility"]
    assert flex["value"] == pytest.approx((1 - flex["gates"][0]["pass_fraction"]) * 900)
    assert "Value of flexibility" in out.stdout
    assert "gate 'pilot review' at month 7: continue if pilot_succeeds = 1" in out.stdout


def test_the_json_schema_takes_a_gate_and_rejects_a_typo_d_key():
    jsonschema = pytest.importorskip("jsonschema")
    from simulate.config.json_schema import config_schema

    validator = jsonschema.Draft7Validator(config_schema())
    assert not list(validator.iter_errors(WORKED))
    bad = {**WORKED, "gates": [{"month": 7, "continue_if": "pilot_succeeds", "montth": 8}]}
    assert list(validator.iter_errors(bad))
    assert "gates" in config_schema()["properties"]
    assert "stop from this month on" in json.dumps(config_schema()["definitions"]["gates"])


def test_a_batch_row_carries_the_value_of_flexibility(tmp_path):
    import yaml  # test-only: write the configs

    from simulate.cli import main

    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "gated.yaml").write_text(yaml.safe_dump(WORKED))
    (folder / "plain.yaml").write_text(yaml.safe_dump({**WORKED, "gates": None}))
    out = tmp_path / "out"
    argv = ["batch", str(folder), "--out", str(out), "--workers", "1", "--seed", "3"]
    assert main([*argv, "--trials", "2000", "--quiet", "--no-figures"]) == 0
    rows = {r["config"]: r for r in json.loads((out / "batch_summary.json").read_text())["rows"]}
    gated = next(r for c, r in rows.items() if c.endswith("gated.yaml"))
    plain = next(r for c, r in rows.items() if c.endswith("plain.yaml"))
    summary = json.loads((out / "gated" / "summary.json").read_text())
    assert gated["flexibility_value"] == summary["flexibility"]["value"] > 0
    assert plain["flexibility_value"] is None


# -- the kernel against the independent reference model and the numpy model --------------


def _random_gated_config(rng: np.random.Generator) -> tuple[dict, dict]:
    """Every line type (escalating benefits too), with a flag gate and a threshold gate."""
    config, values = _random_escalating_config(rng)
    config["priors"] = {
        "pilot": {"dist": "bernoulli", "p": 0.5},
        "measured": {"dist": "uniform", "min": 0, "max": 1},
    }
    values["pilot"] = float(rng.integers(0, 2))
    values["measured"] = float(rng.uniform(0, 1))
    config["benefits"].append({"type": "scheduled", "name": "Table", "monthly": [900] * 40})
    config["costs"] += [
        {"type": "one_time", "name": "Rollout", "amount": 3e5, "month": int(rng.integers(0, 20)),
         "spread_months": int(rng.integers(1, 6))},
        {"type": "scheduled", "name": "Support", "annual": [1e4, 2e4, 3e4]},
    ]  # fmt: skip
    T = config["horizon_months"]
    names = ["benefits[0]", "benefits[3]", "Table", "costs[1]", "Rollout", "Support"]
    config["gates"] = [
        {"month": int(rng.integers(1, T + 1)), "continue_if": "pilot"},
        {"month": int(rng.integers(1, T + 1)), "continue_if": "measured", "at_least": 0.4,
         "lines": [str(n) for n in rng.choice(names, size=3, replace=False)]},
    ]  # fmt: skip
    return config, values


@pytest.mark.parametrize("seed", range(30))
def test_kernel_equals_the_reference_model_with_gates_and_without(seed):
    config, values = _random_gated_config(np.random.default_rng(seed))
    model = model_from_dict(config)
    x = np.array([[values[i.name]] for i in model.inputs]).reshape(len(model.inputs), 1)
    tables = kernel_tables(model)
    for gates, t in ((True, tables), (False, tables.without_gates())):
        out = engine.evaluate(model, x, n_paths=1, tables=t)
        assert_trial_matches(out, reference_trial(config, values, gates=gates))


@pytest.mark.parametrize("seed", range(4))
def test_kernel_equals_the_numpy_model_with_gates(seed):
    config, _ = _random_gated_config(np.random.default_rng(200 + seed))
    model = model_from_dict(config)
    rng = np.random.default_rng(seed)
    x = np.empty((len(model.inputs), 600))
    for j, inp in enumerate(model.inputs):
        x[j] = inp.prior.ppf(rng.uniform(size=600))
    tables = kernel_tables(model)
    assert tables.governs.any(axis=0).all()
    assert_matches_numpy(model, x, tables)
    assert_matches_numpy(model, x, tables.without_gates())


def test_a_gate_does_not_change_the_unit_of_the_input_it_reads():
    from simulate.sensitivity.labels import input_unit

    raw = {
        **WORKED,
        "priors": {"adoption": {"dist": "uniform", "min": 0.2, "max": 0.9}},
        "benefits": [{"type": "spend_uplift", "customers": 100, "spend_per_customer": 10,
                      "uplift": "adoption", "margin": 0.5}],
        "gates": [{"month": 6, "continue_if": "adoption", "at_least": 0.5}],
    }  # fmt: skip
    (adoption,) = model_from_dict(raw).inputs
    assert adoption.used_by == ("benefits[0].uplift", "gates[0].continue_if")
    assert input_unit(adoption) == "percent"


def test_an_unnamed_gate_never_takes_another_gate_s_name():
    model = _model(gates=[
        {"month": 6, "continue_if": "pilot_succeeds", "name": "gate 2"},
        {"month": 9, "continue_if": "pilot_succeeds"},
    ])  # fmt: skip
    assert [g.name for g in model.gates] == ["gate 2", "gate 2 (gates[1])"]


def test_lines_are_found_by_name_before_label():
    """A benefit labelled 'Licence' does not take the gate of the cost named 'Licence'."""
    benefits = [{"type": "recurring", "name": "A", "label": "Licence", "amount": 100}]
    model = _model(benefits=benefits, gates=[
        {"month": 7, "continue_if": "pilot_succeeds", "lines": ["Licence"]},
    ])  # fmt: skip
    assert [model.lines[i].name for i in model.gates[0].lines] == ["Licence"]
    stops = gate_stops({**WORKED, "benefits": benefits, "gates": model.gates and [
        {"month": 7, "continue_if": "pilot_succeeds", "lines": ["Licence"]}]},
        {"pilot_succeeds": 0.0}, WORKED["priors"])  # fmt: skip
    assert stops == {"benefits[0]": math.inf, "costs[0]": 7}


def test_a_gate_beyond_a_scenario_s_shorter_horizon_never_acts_and_says_so():
    raw = {**WORKED, "scenarios": {"short": {"horizon_months": 5}}}
    model = model_from_dict(raw, scenario="short")
    assert any("gates[0] is at month 7, beyond the horizon (5 months)" in w for w in model.warnings)
    out = _npv(model, [0.0])
    assert out.npv[0] == -5 * 50  # the licence runs to the (shorter) end


def test_an_inline_flag_is_labelled_by_its_gate():
    model = _model(gates=[
        {"name": "pilot review", "month": 7, "continue_if": {"dist": "bernoulli", "p": 0.5}},
    ])  # fmt: skip
    inline = [i for i in model.inputs if i.name == "gates[0].continue_if"]
    assert inline and inline[0].label == "pilot review: continue if"


def test_one_trial_gives_a_value_without_an_interval():
    flex = engine.run(_model(), 1, 3).summary()["flexibility"]
    assert flex["value_interval"]["low"] is None and flex["value_interval"]["high"] is None
    from simulate.text import summary_text

    text = summary_text(engine.run(_model(), 1, 3).summary())
    assert "Value of flexibility" in text and "∞" not in text


# -- a threshold that decides nothing --------------------------------------------------------

# The QA case: adoption is a fraction, the threshold a whole percentage.
_ADOPTION = """\
name: gate unit
priors:
  adoption: {dist: pert, min: 0.1, mode: 0.3, max: 0.6}
  churn: {dist: pert, min: 0.01, mode: 0.02, max: 0.04}
  fixed: 0.4
  flag: {dist: bernoulli, p: 0.5}
  tier: {dist: discrete, values: [1, 2, 3], probs: [0.2, 0.5, 0.3]}
  spread: {dist: normal, mean: 0, sd: 1}
gates:
  - {month: 6, continue_if: CONTINUE, at_least: AT_LEAST}
benefits:
  - {type: spend_uplift, customers: 10000, spend_per_customer: 50, uplift: adoption, margin: 0.4,
     scale: churn}
costs:
  - {type: one_time, amount: 100000}
"""


def _gate_config(write_config, continue_if, at_least, extra=""):
    text = _ADOPTION.replace("CONTINUE", continue_if).replace("AT_LEAST", at_least)
    return write_config(text + extra)


@pytest.mark.parametrize(
    ("continue_if", "at_least", "words"),
    [
        # above the greatest value: the gate fails in every trial (a percentage: its fraction)
        ("adoption", "20", "20 is above every value prior 'adoption' can take, [0.1, 0.6], so "
         "the gate would fail in every trial; prior 'adoption' is a fraction, so write its "
         "threshold as one: did you mean 0.2?"),
        ("churn", "2", "did you mean 0.02?"),
        ("adoption", "0.7", "0.7 is above every value prior 'adoption' can take, [0.1, 0.6], so "
         "the gate would fail in every trial; give a threshold in (0.1, 0.6)"),
        ("adoption", "90", "fail in every trial; give a threshold in (0.1, 0.6)"),  # 0.9 too high
        ("adoption", "0.6", "0.6 is the top of the range of prior 'adoption', [0.1, 0.6], which "
         "a draw reaches with probability 0, so the gate would fail in every trial"),
        ("tier", "3.5", "above every value prior 'tier' can take, {1, 2, 3}, so the gate would "
         "fail in every trial; give a threshold in (1, 3]"),
        # at or below the least value: the gate passes in every trial and never stops anything
        ("adoption", "0.1", "0.1 is at or below every value prior 'adoption' can take, "
         "[0.1, 0.6], so the gate would pass in every trial and never stop anything; give a "
         "threshold in (0.1, 0.6)"),
        ("flag", "0", "would pass in every trial and never stop anything; give a threshold in "
         "(0, 1]"),
        ("tier", "1", "would pass in every trial"),
        # a fixed value decides the same in every trial, whatever the threshold
        ("fixed", "0.5", "prior 'fixed' is fixed at 0.4, so the gate would fail in every trial; "
         "a gate with at_least: needs continue_if to vary"),
        ("fixed", "0.4", "prior 'fixed' is fixed at 0.4, so the gate would pass in every trial"),
        ("0.4", "0.5", "continue_if is fixed at 0.4, so the gate would fail in every trial"),
    ],
)  # fmt: skip
def test_a_threshold_that_decides_nothing_is_one_problem_at_its_line(
    write_config, continue_if, at_least, words
):
    from simulate.config import load_config

    path = _gate_config(write_config, continue_if, at_least)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert str(problem) == f"{path}:10: gates[0].at_least: {problem.message}"
    assert words in problem.message, problem.message


@pytest.mark.parametrize(
    ("continue_if", "at_least"),
    [("adoption", "0.11"), ("adoption", "0.59"), ("churn", "0.02"), ("flag", "1"),
     ("flag", "0.5"), ("tier", "3"), ("tier", "1.5"), ("spread", "1000")],
)  # fmt: skip
def test_a_threshold_some_draws_pass_and_some_fail_is_taken(write_config, continue_if, at_least):
    from simulate.config import load_config

    model = load_config(_gate_config(write_config, continue_if, at_least))
    assert model.gates[0].at_least == float(at_least)


@pytest.mark.parametrize("argv", [["validate"], ["run", "--no-figures", "--quiet"]])
def test_the_cli_refuses_a_whole_percentage_threshold_in_one_line(
    write_config, tmp_path, capsys, argv
):
    from simulate.cli import main

    path = _gate_config(write_config, "adoption", "20")
    out = ["--out", str(tmp_path / "out")] if argv[0] == "run" else []
    assert main([argv[0], str(path), *argv[1:], *out]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {path}:10: gates[0].at_least: 20 is above every value prior 'adoption' can "
        "take, [0.1, 0.6], so the gate would fail in every trial; prior 'adoption' is a "
        "fraction, so write its threshold as one: did you mean 0.2?"
    ]
    assert not (tmp_path / "out").exists()


def test_a_scenario_or_overlay_that_settles_a_gate_through_its_prior_is_a_warning(
    write_config,
):
    """A scenario may settle the gate on purpose (adoption so low the programme always stops)."""
    from simulate.config import load_config, load_overlay

    scenarios = (
        "scenarios:\n"
        "  bleak: {priors: {adoption: {dist: pert, min: 0.05, mode: 0.1, max: 0.2}}}\n"
        "  rosy: {priors: {adoption: {min: 0.3, mode: 0.4}}}\n"
        "  percent: {priors: {adoption: {dist: uniform, min: 0.1, max: 0.2}}}\n"
        "  other: {priors: {churn: {max: 0.05}}}\n"
    )
    path = _gate_config(write_config, "adoption", "0.3", scenarios)
    assert not any("gates" in w for w in load_config(path).warnings)
    bleak = load_config(path, scenario="bleak").warnings
    assert (
        "gates[0].at_least: 0.3 is above every value prior 'adoption' can take, [0.05, 0.2], "
        "so the gate would fail in every trial" in bleak
    )
    rosy = load_config(path, scenario="rosy").warnings
    assert any(w.startswith("gates[0].at_least: 0.3 is at or below every value") for w in rosy)
    overlay = load_overlay(write_config(
        "priors:\n  adoption: {dist: uniform, min: 0.4, max: 0.5}\n", "review.yaml"
    ))  # fmt: skip
    assert any("pass in every trial" in w for w in load_config(path, overlay=overlay).warnings)
    # an untouched prior is as refused as without the scenario; a percentage always is
    moot = _gate_config(write_config, "adoption", "0.05", scenarios)
    with pytest.raises(ConfigError) as err:
        load_config(moot, scenario="other")
    assert "never stop anything" in str(err.value) and "scenario 'other'" in str(err.value)
    slip = _gate_config(write_config, "adoption", "15", scenarios)
    with pytest.raises(ConfigError) as err:
        load_config(slip, scenario="percent")
    assert "did you mean 0.15?" in str(err.value)


def test_validate_says_what_a_scenario_settles(write_config, capsys):
    # The scenario's own warnings are the run's; validate, which checks every scenario,
    # prints them too, under the scenario's name, and each once.
    from simulate.cli import main

    scenarios = (
        "scenarios:\n"
        "  bleak: {priors: {adoption: {dist: pert, min: 0.05, mode: 0.1, max: 0.2}}}\n"
        "  other: {priors: {churn: {max: 0.05}}}\n"
    )
    path = _gate_config(write_config, "adoption", "0.3", scenarios)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    said = [line for line in err if "gates[0]" in line]
    assert said == [
        f"warning: {path}: scenario 'bleak': gates[0].at_least: 0.3 is above every value prior "
        "'adoption' can take, [0.05, 0.2], so the gate would fail in every trial"
    ]
