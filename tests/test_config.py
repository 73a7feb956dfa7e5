"""Config validation: every mistake named with file, path, line and a fix."""

from __future__ import annotations

import textwrap

import pytest

import simulate
from simulate import ConfigError, load_config
from simulate.cli import main

BASE = """\
name: Test case
horizon_months: 24
priors:
  aht:
    dist: pert
    min: 10
    mode: 20
    max: 30
  churn_cut: {dist: uniform, min: 0.05, max: 0.15}
benefits:
  - type: handle_time
    contacts_per_month: 1000
    seconds_saved: aht
    cost_per_hour: 40
costs:
  - type: one_time
    amount: 5000
"""


def problems_of(write_config, text: str) -> list[str]:
    path = write_config(textwrap.dedent(text))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert all(str(path) in str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def one_problem(write_config, text: str) -> str:
    found = problems_of(write_config, text)
    assert len(found) == 1, found
    return found[0]


def test_base_config_is_valid(write_config):
    model = load_config(write_config(BASE))
    assert model.name == "Test case"
    assert model.horizon_months == 24
    assert model.discount_rate == 0.10
    assert model.currency == "USD"
    assert model.trials == 100_000 and model.seed is None and model.sampling == "random"
    assert [i.name for i in model.inputs] == ["aht", "churn_cut"]
    assert model.inputs[0].used_by == ("benefits[0].seconds_saved",)
    assert any("churn_cut" in w and "no field uses it" in w for w in model.warnings)


def test_prior_source_and_note_are_kept(write_config):
    text = BASE.replace(
        "    max: 30\n", "    max: 30\n    source: pilot report\n    note: owner ops\n"
    )
    prior = load_config(write_config(text)).priors["aht"]
    assert prior.source == "pilot report" and prior.note == "owner ops"


def test_unknown_top_level_key_suggests_the_nearest(write_config):
    msg = one_problem(write_config, BASE + "horizon_month: 36\n")
    assert "horizon_month" in msg and "did you mean 'horizon_months'" in msg
    assert ":18:" in msg  # the line of the key


def test_unknown_benefit_type_and_field(write_config):
    text = BASE.replace("type: handle_time", "type: handletime")
    msg = one_problem(write_config, text)
    assert "benefits[0].type" in msg and "did you mean 'handle_time'" in msg
    text = BASE.replace("cost_per_hour: 40", "cost_per_hour: 40\n    lagg: 3")
    msg = one_problem(write_config, text)
    assert "benefits[0].lagg" in msg and "did you mean 'lag'" in msg and ":15:" in msg


def test_missing_required_field(write_config):
    msg = one_problem(write_config, BASE.replace("    cost_per_hour: 40\n", ""))
    assert "benefits[0].cost_per_hour" in msg and "needs cost_per_hour" in msg


def test_missing_prior_reference_lists_defined_ones(write_config):
    msg = one_problem(write_config, BASE.replace("seconds_saved: aht", "seconds_saved: ahtt"))
    assert "'ahtt' is not a prior" in msg and "did you mean 'aht'" in msg
    assert "defined priors: aht, churn_cut" in msg


def test_wrong_types(write_config):
    msg = one_problem(write_config, BASE.replace("cost_per_hour: 40", "cost_per_hour: [40]"))
    assert "benefits[0].cost_per_hour" in msg and "a list" in msg
    msg = one_problem(write_config, BASE.replace("cost_per_hour: 40", "cost_per_hour: true"))
    assert "yes/no" in msg


def test_support_outside_domain_is_an_error_not_a_clip(write_config):
    text = BASE.replace(
        "costs:\n",
        "  - type: retention\n    customers: 100\n    arpu: 10\n    margin: 0.4\n"
        "    base_churn: {dist: normal, mean: 0.02, sd: 0.01}\n    churn_reduction: churn_cut\n"
        "costs:\n",
    )
    msg = one_problem(write_config, text)
    assert "benefits[1].base_churn" in msg
    assert "(-inf, inf)" in msg and "[0, 1]" in msg and "min:" in msg
    # Bounded, it is fine.
    fixed = text.replace("sd: 0.01}", "sd: 0.01, min: 0, max: 1}")
    load_config(write_config(fixed, "fixed.yaml"))


def test_decay_domain_is_half_open(write_config):
    msg = one_problem(
        write_config, BASE.replace("cost_per_hour: 40", "cost_per_hour: 40\n    decay: 1")
    )
    assert "decay" in msg and "[0, 1)" in msg


def test_shared_prior_checked_against_every_field(write_config):
    text = BASE.replace("cost_per_hour: 40", "cost_per_hour: 40\n    decay: aht")
    msg = one_problem(write_config, text)
    assert "benefits[0].decay" in msg and "prior 'aht'" in msg


def test_costs_all_zero_or_absent(write_config):
    msg = one_problem(write_config, BASE.replace("amount: 5000", "amount: 0"))
    assert "every cost is zero" in msg and "ROI" in msg
    msg = one_problem(write_config, BASE.split("costs:")[0])
    assert "no costs" in msg
    beyond = BASE.replace("amount: 5000", "amount: 5000\n    month: 30")
    found = problems_of(write_config, beyond)
    assert any("every cost is zero" in p for p in found)


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("horizon_months: 24", "horizon_months: 24.5", "not a whole number"),
        ("horizon_months: 24", "horizon_months: 601", "[1, 600]"),
        ("horizon_months: 24", "horizon_months: 24\nsimulation: {trials: 0}", "trials"),
        ("horizon_months: 24", "horizon_months: 24\nsimulation: {seed: -1}", "seed"),
        (
            "horizon_months: 24",
            "horizon_months: 24\nsimulation: {sampling: sobel}",
            "did you mean 'sobol'",
        ),
        ("horizon_months: 24", "horizon_months: 24\ncurrency: usd", "ISO 4217"),
        ("horizon_months: 24", "horizon_months: 24\ndiscount_rate: -1", "discount_rate"),
        (
            "horizon_months: 24",
            "horizon_months: 24\ntargets: {payback_months: 0}",
            "payback_months",
        ),
        ("amount: 5000", "amount: 5000\n    spread_months: 1.5", "not a whole number"),
        ("amount: 5000", "amount: 5000\n    month: {dist: uniform, min: 0, max: 2}", "a mapping"),
    ],
)
def test_top_level_and_whole_number_errors(write_config, old, new, expect):
    found = problems_of(write_config, BASE.replace(old, new, 1))
    assert any(expect in p for p in found), found


def test_whole_numbers_may_be_written_with_a_point(write_config):
    model = load_config(write_config(BASE.replace("horizon_months: 24", "horizon_months: 24.0")))
    assert model.horizon_months == 24 and isinstance(model.horizon_months, int)


def test_line_specific_rules(write_config):
    text = BASE.replace(
        "costs:",
        "  - type: conversion\n    leads_per_month: 100\n    conversion_lift: 0.1\n    mode: relative\n"
        "  - type: scheduled\n    monthly: [1, 2]\n    annual: [3]\n"
        "  - type: scheduled\n    annual: [3]\n    lag: 2\n"
        "costs:",
    )
    text += "  - type: recurring\n    amount: 10\n    start_month: {dist: uniform, min: 2, max: 6}\n    end_month: 4\n"
    found = problems_of(write_config, text)
    joined = "\n".join(found)
    assert "benefits[1].base_conversion" in joined and "relative" in joined
    assert "monthly: or annual:, not both" in joined
    assert "benefits[3].lag" in joined and "unknown key" in joined
    assert "costs[1].end_month" in joined and "start month" in joined
    assert len(found) == 4, found


def test_absolute_conversion_lift_must_be_a_fraction(write_config):
    text = BASE.replace(
        "costs:",
        "  - type: conversion\n    leads_per_month: 100\n    conversion_lift: 1.5\ncosts:",
    )
    msg = one_problem(write_config, text)
    assert "benefits[1].conversion_lift" in msg and "[0, 1]" in msg
    relative = text.replace(
        "conversion_lift: 1.5", "conversion_lift: 1.5\n    mode: relative\n    base_conversion: 0.1"
    )
    load_config(write_config(relative, "rel.yaml"))


def test_every_problem_is_reported_at_once(write_config):
    text = BASE.replace("type: handle_time", "type: handle_time\n    lagg: 1").replace(
        "amount: 5000", "amount: -5"
    )
    found = problems_of(write_config, text)
    assert len(found) >= 2


def test_schedule_beyond_horizon_warns(write_config):
    text = BASE + "  - type: scheduled\n    annual: [1, 2, 3]\n"
    model = load_config(write_config(text))
    assert any("beyond the 24-month horizon" in w for w in model.warnings)


# -- the CLI's handling of bad input ---------------------------------------------------


def test_cli_invalid_config_exits_2_without_traceback_or_result(write_config, tmp_path, capsys):
    path = write_config(BASE.replace("seconds_saved: aht", "seconds_saved: nope"))
    out = tmp_path / "results"
    assert main(["run", str(path), "--out", str(out), "--trials", "100"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{path}:13: benefits[0].seconds_saved" in err
    assert not out.exists() or not any(out.iterdir())


def test_cli_validate(write_config, capsys):
    good = write_config(BASE, "good.yaml")
    assert main(["validate", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    bad = write_config(BASE + "bogus: 1\n", "bad.yaml")
    assert main(["validate", str(good), str(bad)]) == 2


def test_cli_usage_errors_exit_2(write_config, capsys):
    path = write_config(BASE)
    for argv in (
        ["run", str(path), "--trials", "0"],
        ["run", str(path), "--seed", "-3"],
        ["frobnicate"],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2


def test_public_api():
    assert set(simulate.__all__) >= {"load_config", "run", "ConfigError", "Model", "Result"}
    assert issubclass(ConfigError, ValueError)


# -- values of the wrong kind are problems, not crashes ------------------------------------------


@pytest.mark.parametrize("value", ["[handle_time]", "{kind: handle_time}"])
def test_a_type_that_is_a_list_or_mapping_is_a_problem(write_config, value):
    msg = one_problem(write_config, BASE.replace("type: handle_time", f"type: {value}"))
    assert "benefits[0].type" in msg and "is not a benefit type" in msg
    text = BASE.replace("type: one_time", f"type: {value.replace('handle_time', 'one_time')}")
    found = problems_of(write_config, text)
    assert any("costs[0].type" in p and "is not a cost type" in p for p in found), found


@pytest.mark.parametrize("priors", ["5", "true", "ahtx"])
def test_a_field_naming_a_prior_when_priors_is_not_a_mapping(write_config, priors):
    text = BASE.split("priors:")[0] + f"priors: {priors}\nbenefits:" + BASE.split("benefits:")[1]
    (only,) = problems_of(write_config, text)  # not one more per field naming a prior
    assert "priors must be a mapping" in only


@pytest.mark.parametrize("cost", ["  - type: recurring", "  - type: one_time\n    month: 2"])
def test_a_cost_without_amount_is_one_problem(write_config, cost):
    msg = one_problem(write_config, BASE.replace("  - type: one_time\n    amount: 5000", cost))
    assert "costs[0].amount" in msg and "needs amount" in msg


def test_a_correlation_naming_a_prior_when_priors_is_not_a_mapping(write_config):
    text = (
        BASE.split("priors:")[0]
        + "priors: 5\ncorrelations: [[aht, churn_cut, 0.3]]\nbenefits:"
        + BASE.split("benefits:")[1]
    )
    (only,) = problems_of(write_config, text)  # not one more per row naming a prior
    assert "priors must be a mapping" in only


@pytest.mark.parametrize("key", ["2025", "null", "true"])
def test_cli_a_scenario_name_that_is_not_text_exits_2_in_validate_run_and_batch(
    write_config, tmp_path, capsys, key
):
    path = write_config(BASE + f"scenarios:\n  {key}: {{discount_rate: 0.2}}\n")
    out = tmp_path / "results"
    for argv in (
        ["validate", str(path)],
        ["run", str(path), "--scenario", "all", "--no-figures", "--trials", "100"],
        ["run", str(path), "--scenario", key, "--no-figures", "--trials", "100"],
        ["batch", str(path), "--no-figures", "--trials", "100"],
    ):
        assert main([*argv, "--out", str(out)] if argv[0] != "validate" else argv) == 2
        err = capsys.readouterr().err
        shown = {"2025": "2025", "null": "None", "true": "True"}[key]  # the key as Python reads it
        assert "Traceback" not in err and f"{path}:19: scenarios.{shown}" in err
        assert "scenario names are text" in err
    assert not (out / "case").exists()


@pytest.mark.parametrize(("rho", "expect"), [("'30%'", "write 0.30"), ("9" * 400, "too large")])
def test_a_correlation_rho_that_is_no_usable_number_is_a_problem(write_config, rho, expect):
    text = BASE.replace("benefits:", f"correlations: [[aht, churn_cut, {rho}]]\nbenefits:")
    msg = one_problem(write_config, text)
    assert "correlations[0]" in msg and expect in msg and len(msg) < 400


HEAVY = """\
name: Heavy tail
horizon_months: 24
priors:
  value: {dist: metalog, p10: 20, p50: 40, p90: P90, BOUND}
benefits:
  - type: recurring
    amount: value
  - type: recurring
    amount: {dist: metalog, p10: 20, p50: 40, p90: P90, BOUND}
costs:
  - type: one_time
    amount: 5000
"""


@pytest.mark.parametrize(
    ("p90", "bound", "says"),
    [(150, "min: 0", "its variance is infinite"),  # tail index 0.64
     (900, "min: 0", "its mean is infinite")],  # 1.55: drawn as far as 1e26 -> refused below
)  # fmt: skip
def test_a_metalog_tail_without_a_finite_variance_is_a_warning(
    write_config, capsys, p90, bound, says
):
    # a named prior and one written in a field: both are named in the warning
    text = HEAVY.replace("P90", str(p90)).replace("BOUND", bound)
    path = write_config(text)
    if p90 == 900:  # an amount that far out is refused outright: the warning never matters
        with pytest.raises(ConfigError, match="can be drawn as far as"):
            load_config(path)
        return
    warnings = load_config(path).warnings
    assert [w.split(":")[0] for w in warnings] == ["prior 'value'", "benefits[1].amount"]
    assert all(says in w and "tail index 0.64" in w and "p90 nearer p50" in w for w in warnings)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().err.count(says) == 2


@pytest.mark.parametrize(
    "spec",
    ["{dist: metalog, p10: 0.03, p50: 0.08, p90: 0.16, min: 0}",  # omnichannel's lift: 0.30
     "{dist: metalog, p10: 20, p50: 40, p90: 150, min: 0, max: 1000}",  # bounded both sides
     "{dist: lognormal, median: 40, p90: 150}"],
)  # fmt: skip
def test_tails_with_a_finite_variance_give_no_warning(write_config, spec):
    text = HEAVY.replace("{dist: metalog, p10: 20, p50: 40, p90: P90, BOUND}", spec)
    assert load_config(write_config(text)).warnings == ()


def test_a_metalog_bounded_above_is_warned_of_for_its_lower_tail():
    # no amount field takes values below 0, so this one is checked on the prior itself
    from simulate.config.build import _heavy_tail
    from simulate.config.priors import Metalog

    why = _heavy_tail(Metalog(-150, -40, -20, hi=0.0))
    assert "lower tail" in why and "tail index 0.64" in why and "p10 nearer p50" in why
    assert _heavy_tail(Metalog(-0.16, -0.08, -0.03, hi=0.0)) is None
