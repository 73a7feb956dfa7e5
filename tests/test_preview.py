"""``simulate validate --preview`` (issue 16 item 2): what each prior implies, before a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulate.cli import main
from simulate.config import load_config, model_from_dict
from simulate.config.preview import LEVELS, describe, field_units, preview_rows, tail_warnings
from simulate.config.priors import parse_prior
from simulate.config.schema import UNITS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/portfolio/*.yaml")])


def _config(priors: dict, benefits: list[dict]) -> dict:
    return {
        "name": "preview",
        "priors": priors,
        "benefits": benefits,
        "costs": [{"type": "one_time", "amount": 1000}],
    }


def _write(tmp_path: Path, config: dict) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


LEADS = {"type": "conversion", "leads_per_month": 1000, "value_per_conversion": 50}
LONG_TAIL = {"dist": "metalog", "p10": 0.005, "p50": 0.01, "p90": 0.04, "min": 0, "max": 1}
CHURN = {"type": "retention", "customers": 1000, "arpu": 30, "margin": 0.5, "base_churn": 0.02}


@pytest.mark.parametrize(
    ("priors", "benefits", "name", "says"),
    [
        # the case: a metalog conversion lift whose P99 is 57 points
        (
            {"lift": {"dist": "metalog", "p10": 0.01, "p50": 0.05, "p90": 0.2, "min": 0, "max": 1}},
            [{**LEADS, "conversion_lift": "lift"}],
            "lift",
            "its P99 is 57.3% where it is a conversion lift",
        ),
        # a churn cut that removes more than half of all churn in 1 trial in 100
        (
            {"cut": {"dist": "pert", "min": 0.0, "mode": 0.1, "max": 0.8}},
            [{**CHURN, "churn_reduction": "cut"}],
            "cut",
            "its P99 is 56% where it is a churn reduction",
        ),
        # a monthly churn rate whose P99 is 18 times its median
        (
            {"churn": {"dist": "beta", "mean": 0.02, "sd": 0.03}},
            [{**CHURN, "base_churn": "churn", "churn_reduction": 0.1}],
            "churn",
            "is 18 times its median",
        ),
        # the same, inline: the row is named by the field's path
        (
            {},
            [{**CHURN, "churn_reduction": 0.1, "base_churn": LONG_TAIL}],
            "benefits[0].base_churn",
            "is 19 times its median",
        ),
    ],
    ids=["conversion-lift", "churn-cut", "named-rate", "inline-rate"],
)
def test_warnings_fire_on_implausible_tails(priors, benefits, name, says, tmp_path, capsys):
    path = _write(tmp_path, _config(priors, benefits))
    assert main(["validate", "--preview", path]) == 0
    captured = capsys.readouterr()
    assert f"warning: {path}: preview: {name}: " in captured.err
    assert says in captured.err, captured.err
    row = next(line for line in captured.out.splitlines() if f" {name} " in line)
    assert row.lstrip().startswith("!"), row  # the row is marked


def test_a_relative_conversion_lift_is_no_fraction_and_not_held_to_half():
    # mode: relative makes the lift a multiple of base_conversion: 0.6 is +60%
    lift = {"dist": "pert", "min": 0.2, "mode": 0.5, "max": 0.9}
    config = _config({"lift": lift}, [{**LEADS, "mode": "relative", "base_conversion": 0.05,
                                        "conversion_lift": "lift"}])  # fmt: skip
    (row,) = preview_rows(model_from_dict(config))
    assert row.quantiles[-1] > 0.5 and row.warnings == ()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_no_warning_on_the_example_configs(path, capsys):
    assert main(["validate", "--preview", str(path)]) == 0
    captured = capsys.readouterr()
    assert "preview:" not in captured.err, captured.err
    model = load_config(path)
    rows = preview_rows(model)
    assert not any(r.warnings for r in rows)
    # every input of the model, and every named prior, has a row
    names = {r.name for r in rows}
    assert names >= {i.name for i in model.inputs} | set(model.priors)


def test_rows_hold_the_exact_quantiles_in_the_fields_unit(tmp_path, capsys):
    config = yaml.safe_load((ROOT / "configs" / "contact_center_aht.yaml").read_text())
    model = model_from_dict(config)
    rows = {r.name: r for r in preview_rows(model)}
    # go_live is uniform(2, 4): its quantiles are 2 + 2u exactly
    assert rows["go_live"].quantiles == pytest.approx([2 + 2 * q for q in LEVELS], abs=1e-12)
    assert rows["go_live"].unit == "months"
    assert rows["go_live"].used_by == ("benefits[0].lag", "costs[2].start_month")
    assert rows["go_live"].words == "uniform from 2 to 4"
    assert rows["go_live"].source == "IT delivery plan, Q3 roadmap review"
    assert rows["cost_per_hour"].unit == "currency" and rows["overrun"].unit == "multiplier"
    path = _write(tmp_path, config)
    assert main(["validate", "--preview", path]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if " go_live " in x)
    assert "2.02 mo" in line and "3 mo" in line and "3.98 mo" in line and "benefits[0].lag" in line
    assert " $48.3 " in next(x for x in out.splitlines() if " cost_per_hour " in x)


def test_unused_priors_are_reported_unused_and_not_counted(tmp_path, capsys):
    priors = {
        "used": {"dist": "uniform", "min": 1, "max": 2},
        "spare": {"dist": "uniform", "min": 1, "max": 2},
        "fixed_spare": 3,
    }
    config = _config(priors, [{"type": "recurring", "amount": 10, "lag": "used"}])
    path = _write(tmp_path, config)
    assert main(["validate", "--preview", path]) == 0
    captured = capsys.readouterr()
    # one uncertain input: `spare` is a column no field reads
    assert "ok (1 benefit(s), 1 cost(s), 1 uncertain input(s))" in captured.out
    for name in ("spare", "fixed_spare"):
        row = next(x for x in captured.out.splitlines() if f" {name} " in x)
        assert "(unused)" in row
        assert f"prior {name!r} is defined but no field uses it" in captured.err
    assert main(["validate", path]) == 0  # without --preview: the count, no table
    out = capsys.readouterr().out
    assert "1 uncertain input(s)" in out and "(unused)" not in out


def test_the_negative_amount_rule():
    # Validation refuses a prior that can go below 0 in an amount field, so the
    # rule is checked on its own: a P1 below 0 is flagged for these units only.
    q = (-5.0, 1.0, 10.0, 20.0, 30.0)
    for unit in ("currency", "count", "months", "seconds", "multiplier"):
        assert any("negative" in w for w in tail_warnings(q, unit, []))
    assert not any("negative" in w for w in tail_warnings(q, "mixed", []))
    assert tail_warnings((0.0, 1.0, 10.0, 20.0, 30.0), "currency", []) == []


def test_every_field_has_a_unit_and_one_per_name():
    units = field_units()
    assert set(units.values()) <= set(UNITS)
    from simulate.config.schema import BENEFIT_TYPES, COST_TYPES

    for spec in (*BENEFIT_TYPES.values(), *COST_TYPES.values()):
        for f in spec.fields:
            assert units[f.name] == f.unit, (spec.type, f.name)


def test_the_units_agree_with_the_sensitivity_labels():
    # sensitivity/labels.py keeps its own table (it sits above config/); until it
    # reads schema.FieldSpec.unit, the two must not drift apart
    from simulate.sensitivity.labels import FIELD_UNITS

    assert FIELD_UNITS == field_units()


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"dist": "fixed", "value": 3}, "fixed at 3"),
        ({"dist": "pert", "min": 1, "mode": 2, "max": 4}, "pert from 1 to 4, most likely 2"),
        ({"dist": "normal", "p10": 1, "p90": 3, "min": 0}, "normal with P10 1, P90 3, at least 0"),
        ({"dist": "lognormal", "median": 2, "p90": 5}, "lognormal with median 2, P90 5"),
        ({"dist": "beta", "alpha": 2, "beta": 5}, "beta(alpha 2, beta 5) on [0, 1]"),
        ({"dist": "discrete", "values": [1, 2], "probs": [0.25, 0.75]}, "one of 1 (25%), 2 (75%)"),
        ({"dist": "bernoulli", "p": 0.8}, "1 with probability 0.8, else 0"),
    ],
)
def test_distributions_in_words(spec, words):
    assert describe(parse_prior(spec, "x")) == words


def test_preview_loads_neither_numba_nor_matplotlib_nor_scipy_stats():
    code = (
        "import sys\n"
        "from simulate.cli import main\n"
        "status = main(['validate', '--preview', 'configs/omnichannel.yaml', "
        "'configs/template.yaml'])\n"
        "heavy = sorted(m for m in ('numba', 'matplotlib', 'scipy.stats') if m in sys.modules)\n"
        "print('HEAVY', heavy, status)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY [] 0" in out, out


def test_quantiles_are_the_quantile_function_not_draws():
    prior = parse_prior({"dist": "pert", "min": 0.0, "mode": 0.1, "max": 0.8}, "x")
    config = _config({"cut": {"dist": "pert", "min": 0.0, "mode": 0.1, "max": 0.8}},
                     [{**CHURN, "churn_reduction": "cut"}])  # fmt: skip
    (row,) = preview_rows(model_from_dict(config))
    assert row.quantiles == tuple(float(v) for v in prior.ppf(np.array(LEVELS)))


SPEND = {"type": "spend_uplift", "customers": 1000, "spend_per_customer": 100, "margin": 0.3}


def test_a_gate_reading_a_prior_keeps_its_unit(tmp_path, capsys):
    # A gate's threshold is in the prior's own unit: its read neither sets nor mixes it.
    priors = {
        "adoption": {"dist": "pert", "min": 0.1, "mode": 0.3, "max": 0.6},
        "pilot": {"dist": "bernoulli", "p": 0.7},
        "churn": {"dist": "beta", "mean": 0.02, "sd": 0.03},  # P99 18 times its median
    }
    benefits = [
        {**SPEND, "uplift": "adoption", "scale": "pilot"},
        {**CHURN, "base_churn": "churn", "churn_reduction": 0.1},
    ]
    gates = [
        {"month": 6, "continue_if": "adoption", "at_least": 0.2},
        {"month": 3, "continue_if": "pilot"},
        {"month": 4, "continue_if": "churn", "at_least": 0.01},
    ]
    config = {**_config(priors, benefits), "gates": gates}
    rows = {r.name: r for r in preview_rows(model_from_dict(config))}
    assert rows["adoption"].unit == "percent" and rows["pilot"].unit == "multiplier"
    assert rows["adoption"].used_by == ("benefits[0].uplift", "gates[0].continue_if")
    assert any("18 times its median" in w for w in rows["churn"].warnings)
    assert main(["validate", "--preview", _write(tmp_path, config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "13.6%" in next(x for x in out if " adoption " in x)
    assert "×0" in next(x for x in out if " pilot " in x)


def test_a_gate_alone_gives_no_unit():
    priors = {"pilot": {"dist": "bernoulli", "p": 0.7}}
    config = {**_config(priors, [CHURN | {"churn_reduction": 0.1}]),
              "gates": [{"month": 3, "continue_if": "pilot"}]}  # fmt: skip
    (row,) = preview_rows(model_from_dict(config))
    assert row.unit == "" and row.used_by == ("gates[0].continue_if",)


def test_a_rate_with_a_median_of_zero_and_a_tail_is_warned(tmp_path, capsys):
    # Half the trials draw no deflection at all, 1 in 100 draws 90%: no finite multiple
    # of the median, but the longest tail there is.
    tail = {"dist": "discrete", "values": [0, 0.2, 0.9], "probs": [0.5, 0.3, 0.2]}
    defl = {"type": "deflection", "contacts_per_month": 1000, "cost_per_contact": 4}
    path = _write(tmp_path, _config({"tail": tail}, [{**defl, "deflection_rate": "tail"}]))
    assert main(["validate", "--preview", path]) == 0
    err = capsys.readouterr().err
    assert "preview: tail: its P99 (90%) is above its median of 0%" in err, err
    # the rule's edges: a rate that is 0 throughout, and an amount with a median of 0
    assert tail_warnings((0.0,) * 5, "percent", []) == []
    assert tail_warnings((0.0, 0.0, 0.0, 5.0, 9.0), "currency", []) == []
    assert len(tail_warnings((0.0, 0.0, 0.0, 0.5, 0.9), "percent", [])) == 1
