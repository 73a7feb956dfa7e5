"""The config's top-level settings (simulate/config/settings.py): rates, targets, trials and seed.

Rates and ROI targets are fractions; a percentage written as a whole number
is an error that suggests the fraction. Every value is bounded to what the
arithmetic can carry, and no number, however long, raises anything but a
ConfigError.
"""

from __future__ import annotations

import pytest

from simulate import ConfigError, load_config
from simulate.config.settings import MAX_SEED, MAX_TRIALS

BASE = """\
name: Settings
horizon_months: 24
benefits:
  - type: recurring
    amount: 1000
costs:
  - type: one_time
    amount: 5000
"""


def problems(write_config, extra: str, horizon: int = 24) -> list[str]:
    text = BASE.replace("horizon_months: 24", f"horizon_months: {horizon}\n{extra}")
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = [str(p) for p in info.value.problems]
    assert all(p.startswith(f"{path}:") for p in found), found
    return found


def one(write_config, extra: str, horizon: int = 24) -> str:
    found = problems(write_config, extra, horizon)
    assert len(found) == 1, found
    return found[0]


def loads(write_config, extra: str, horizon: int = 24):
    return load_config(
        write_config(BASE.replace("horizon_months: 24", f"horizon_months: {horizon}\n{extra}"))
    )


# -- rates as people mistype them ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pct", "fraction"), [("12", "1200%", "0.12"), ("7.5", "750%", "0.075")]
)
def test_a_discount_rate_above_one_suggests_the_fraction(write_config, value, pct, fraction):
    msg = one(write_config, f"discount_rate: {value}")
    assert ":3: discount_rate:" in msg
    assert f"is {pct} a year" in msg and f"write it as a fraction: did you mean {fraction}?" in msg


def test_a_discount_rate_written_as_a_percentage_suggests_a_fraction(write_config):
    msg = one(write_config, "discount_rate: 10%")
    assert "discount_rate" in msg and "write 0.10" in msg
    assert "e.g. 12" not in msg


@pytest.mark.parametrize("text", ["discount_rate: ten", "discount_rate: [0.1]"])
def test_a_discount_rate_that_is_no_number_gets_a_fraction_as_its_example(write_config, text):
    msg = one(write_config, text)
    assert "e.g. 0.10" in msg and "e.g. 12" not in msg


@pytest.mark.parametrize("rate", ["1", "0.10", "0", "-0.05", "-0.99"])
def test_rates_up_to_100_percent_a_year_are_accepted(write_config, rate):
    assert loads(write_config, f"discount_rate: {rate}").discount_rate == float(rate)


def test_a_roi_target_above_1000_percent_suggests_the_fraction(write_config):
    msg = one(write_config, "targets: {roi: 50}")
    assert "targets.roi" in msg and "5000%" in msg and "did you mean 0.5?" in msg
    assert loads(write_config, "targets: {roi: 10}").target_roi == 10
    assert loads(write_config, "targets: {roi: -1}").target_roi == -1
    assert "targets.roi" in one(write_config, "targets: {roi: -2}")
    assert "e.g. 0.5" in one(write_config, "targets: {roi: high}")


def test_a_roi_target_as_a_percentage_suggests_a_fraction(write_config):
    assert "write 0.25" in one(write_config, "targets: {roi: 25%}")


# -- rates that compound beyond what can be computed ------------------------------------


def test_a_discount_rate_near_minus_one_is_an_error_not_a_nan(write_config):
    msg = one(write_config, "discount_rate: -0.9999999999", horizon=600)
    assert "discount_rate" in msg and "[-0.99, 1]" in msg


@pytest.mark.parametrize(("rate", "horizon"), [(-0.5, 600), (-0.99, 120)])
def test_a_negative_rate_may_not_compound_past_1e12(write_config, rate, horizon):
    msg = one(write_config, f"discount_rate: {rate}", horizon=horizon)
    assert "discount_rate" in msg and "closer to 0 or a shorter horizon" in msg


@pytest.mark.parametrize(("rate", "horizon"), [(-0.5, 36), (-0.05, 600), (1, 600)])
def test_a_rate_whose_compounding_stays_finite_is_accepted(write_config, rate, horizon):
    assert loads(write_config, f"discount_rate: {rate}", horizon=horizon).discount_rate == rate


# -- trials and seed: bounded, and never an OverflowError -------------------------------


def test_seed_limits_are_exact(write_config):
    assert loads(write_config, f"simulation: {{seed: {MAX_SEED}}}").seed == 2**63 - 1
    msg = one(write_config, f"simulation: {{seed: {2**63}}}")
    assert "simulation.seed" in msg and str(2**63 - 1) in msg
    assert "simulation.seed" in one(write_config, "simulation: {seed: -1}")


def test_trials_limit(write_config):
    assert loads(write_config, f"simulation: {{trials: {MAX_TRIALS}}}").trials == MAX_TRIALS
    msg = one(write_config, f"simulation: {{trials: {MAX_TRIALS + 1}}}")
    assert "simulation.trials" in msg and "100000000" in msg


@pytest.mark.parametrize(
    "extra",
    [
        "simulation: {seed: " + "9" * 400 + "}",
        "simulation: {trials: " + "9" * 400 + "}",
        "horizon_months: " + "9" * 400,
        "discount_rate: " + "9" * 400,
        "targets: {roi: -" + "9" * 400 + "}",
        "targets: {payback_months: " + "9" * 400 + "}",
    ],
)
def test_integers_too_large_for_a_float_are_a_config_error(write_config, extra):
    text = BASE.replace("horizon_months: 24\n", "") + extra + "\n"
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    (problem,) = info.value.problems
    assert "too large" in problem.message and problem.line is not None
    assert len(str(problem)) < 400  # the number is named by its size, not printed


# -- simulation.precision and simulation.max_trials (issue 13) -----------------------------


@pytest.mark.parametrize(
    ("extra", "want"),
    [
        ("simulation: {precision: default}", "npv_positive=0.5pp,npv_p50=2%"),
        ("simulation: {precision: 'npv_mean=50000, roi_p50=1pp'}", "npv_mean=50000,roi_p50=1pp"),
        ("simulation:\n  precision: {npv_p90: 3%, payback_p50: 1.5, npv_positive: .25pp}",
         "npv_p90=3%,payback_p50=1.5,npv_positive=0.25pp"),
    ],
)  # fmt: skip
def test_precision_targets_are_read(write_config, extra, want):
    from simulate.config.tolerance import describe_targets

    model = loads(write_config, extra)
    assert describe_targets(model.precision) == want
    assert model.max_trials is None


def test_precision_tolerances_are_in_the_figures_units(write_config):
    model = loads(
        write_config, "simulation: {precision: 'npv_positive=0.5pp,npv_p50=2%,npv_mean=9'}"
    )
    got = {t.figure: (t.tolerance, t.relative) for t in model.precision}
    assert got == {
        "npv_positive": (0.005, False),
        "npv_p50": (0.02, True),
        "npv_mean": (9.0, False),
    }


@pytest.mark.parametrize(
    ("extra", "where", "words"),
    [
        ("simulation: {precision: 'npv_positive=0.5'}", ":3: simulation.precision:",
         "npv_positive: a plain number (0.5) is ambiguous for a probability"),
        ("simulation:\n  precision: {npv_mean: 1pp}", ":4: simulation.precision.npv_mean:",
         "percentage points (pp) are for probabilities and the ROI"),
        ("simulation:\n  precision: {npv_meen: 5}", ":4: simulation.precision.npv_meen:",
         "(did you mean 'npv_mean'?)"),
        ("simulation: {precision: 'npv_p50=0%'}", "simulation.precision:", "must be above 0"),
        ("simulation: {precision: 'npv_mean=1e400'}", "simulation.precision:",
         "npv_mean: '1e400' is not a tolerance"),
        ("simulation: {precision: 'npv_p50=150%'}", "simulation.precision:", "more than 100%"),
        ("simulation: {precision: 'npv_p50=2%,npv_p50=3%'}", "simulation.precision:",
         "npv_p50 is given twice"),
        ("simulation: {precision: 'npv_mean=50,000'}", "simulation.precision:",
         "without thousands separators"),
        ("simulation: {precision: [npv_mean]}", "simulation.precision:",
         "a list is not a set of precision targets"),
        ("simulation: {precision: default, trials: 5000}", "simulation.precision:",
         "simulation.trials and simulation.precision exclude each other"),
        ("simulation: {precision: 'payback_within_target=1pp'}", "simulation.precision:",
         "payback_within_target needs targets.payback_months"),
        ("simulation: {max_trials: 0}", "simulation.max_trials:", "outside the allowed range"),
        (f"simulation: {{max_trials: {MAX_TRIALS + 1}}}", "simulation.max_trials:",
         "outside the allowed range"),
        ("simulation: {max_trials: 1.5}", "simulation.max_trials:", "not a whole number"),
    ],
)  # fmt: skip
def test_a_bad_precision_setting_is_one_problem_at_its_place(write_config, extra, where, words):
    msg = one(write_config, extra)
    assert where in msg and words in msg, msg


def test_a_scenario_can_drop_the_precision_for_a_number_of_trials(write_config):
    text = BASE.replace(
        "horizon_months: 24",
        "horizon_months: 24\nsimulation: {precision: default}\n"
        "scenarios:\n  quick:\n    simulation: {precision: null, trials: 500}",
    )
    model = load_config(write_config(text), scenario="quick")
    assert model.precision is None and model.trials == 500
