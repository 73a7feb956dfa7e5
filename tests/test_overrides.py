"""Scenarios and overlays: reading overrides (overrides), applying them (merge, transform).

The end-to-end paths (the CLI's --scenario and --overlay, paired draws) are
tested in test_batch.py; these tests pin the pieces: what a change says, where
a problem is reported, and what add:/multiply: do to each kind of value.
"""

from __future__ import annotations

import textwrap

import pytest
from test_config import BASE

from simulate import ConfigError, load_config
from simulate.config import load_overlay
from simulate.config.merge import apply_changes, relocate
from simulate.config.overrides import parse_changes
from simulate.config.transform import Unfit, transform
from simulate.errors import Problem

RAW = {
    "priors": {"aht": {"dist": "pert", "min": 10, "mode": 20, "max": 30}},
    "benefits": [
        {"type": "handle_time", "name": "Saved", "seconds_saved": "aht", "decay": "aht"},
    ],
    "costs": [{"type": "one_time", "amount": 5000}],
    "scenarios": {"slow": {}},
}


def test_scenario_overrides(write_config):
    text = BASE + textwrap.dedent(
        """\
        scenarios:
          slow:
            horizon_months: 36
            priors:
              aht: {max: 25}
          bad:
            priors:
              aht: {mode: 40}
        """
    )
    good = write_config(text[: text.index("  bad:")], "good.yaml")
    base = load_config(good)
    assert base.scenarios == ("slow",)
    slow = load_config(good, scenario="slow")
    assert slow.horizon_months == 36 and slow.scenario == "slow"
    assert slow.priors["aht"].support().hi == 25
    assert slow.stem == "good--slow"
    path = write_config(text)
    with pytest.raises(ConfigError, match="mode"):
        load_config(path, scenario="bad")
    with pytest.raises(ConfigError, match="did you mean 'slow'"):
        load_config(path, scenario="slo")


@pytest.mark.parametrize(
    "body",
    [
        "    prior:\n      aht: {max: 25}\n",  # a key a scenario cannot override
        "    priors:\n      aht: {multiply: -1}\n",
        "    priors:\n      aht: {add: .nan}\n",
        "    horizon_months: 0\n",
        "    priors:\n      nope: {max: 3}\n",  # an unknown prior
        "    lines:\n      Nope: {lag: 3}\n",  # an unknown line
    ],
)
def test_a_bad_scenario_makes_the_file_invalid_whatever_is_loaded(write_config, body):
    """validate refuses the file, so loading it as written (run, sensitivity, report, batch),
    with another scenario or with an overlay refuses it too, with the scenario's one line."""
    text = BASE + "scenarios:\n  slow:\n    horizon_months: 36\n  bad:\n" + body
    path = write_config(text)
    for kw in ({}, {"scenario": "slow"}, {"scenario": "bad"}):
        with pytest.raises(ConfigError) as info:
            load_config(path, **kw)
        (problem,) = info.value.problems
        assert f"{path}:" in str(problem) and "scenarios.bad" in str(problem), str(problem)


def test_a_scalar_scenario_makes_the_file_invalid(write_config):
    path = write_config(BASE + "scenarios:\n  bad: 5\n")
    with pytest.raises(ConfigError, match=r"scenarios\.bad: a scenario must be a mapping"):
        load_config(path)


@pytest.mark.parametrize("command", ["run", "sensitivity", "report"])
def test_the_cli_refuses_a_bad_scenario_without_scenario_and_writes_nothing(
    write_config, tmp_path, capsys, command
):
    from simulate.cli import main

    path = write_config(BASE + "scenarios:\n  bad:\n    prior:\n      aht: {max: 25}\n")
    out = tmp_path / "out"
    assert main([command, str(path), "--trials", "1000", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: {path}:20: scenarios.bad.prior: a scenario cannot override 'prior' (did you "
        "mean 'priors'?); it may override: description, horizon_months, discount_rate, "
        "targets, priors, lines, simulation"
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"multiply": 0.5, "add": 3.0}, "multiply by 0.5, then add 3"),
        ({"max": 25.0, "mode": 0.125}, "set max: 25, mode: 0.125"),
        (
            {"dist": "pert", "min": 1, "mode": 2.0, "max": 3, "source": "survey"},
            "replace with {dist: pert, min: 1, mode: 2, max: 3}",
        ),
        (0.12, "set to 0.12"),
    ],
)
def test_a_change_says_what_it_does(value, text):
    (change,) = parse_changes({"priors": {"aht": value}}, "", {}, "cfo.yaml")
    assert change.describe() == text


def test_every_bad_override_is_reported_at_its_line():
    lines = {
        "s.currency": 2,
        "s.lines.Saved.type": 4,
        "s.priors.aht": 6,
        "s.priors.aht.multiply": 7,
    }
    overrides = {
        "currency": "EUR",
        "lines": {"Saved": {"type": "deflection"}},
        "priors": {"aht": {"multiply": 0, "max": 3}},
    }
    with pytest.raises(ConfigError) as info:
        parse_changes(overrides, "s", lines, "c.yaml")
    found = [(p.path, p.line, p.message.split(";")[0]) for p in info.value.problems]
    assert found == [
        ("s.currency", 2, "a scenario cannot override 'currency'"),
        ("s.lines.Saved.type", 4, "a line's type cannot be overridden"),
        (
            "s.priors.aht",
            6,
            "add:/multiply: transform the value as it stands and cannot be combined with max",
        ),
        (
            "s.priors.aht.multiply",
            7,
            "multiply must be above 0 (a factor that keeps the order of values), not 0",
        ),
    ]


def test_a_field_transformed_alone_gets_its_own_copy_of_a_shared_prior():
    changes = parse_changes(
        {"lines": {"Saved": {"seconds_saved": {"multiply": 0.5}}}},
        "scenarios.s",
        {"scenarios.s.lines.Saved.seconds_saved": 7},
        "c.yaml",
    )
    out, origins, notes = apply_changes(RAW, changes)
    assert "scenarios" not in out and RAW["benefits"][0]["seconds_saved"] == "aht"
    assert out["benefits"][0]["seconds_saved"] == {
        "dist": "pert",
        "min": 5.0,
        "mode": 10.0,
        "max": 15.0,
    }
    assert out["benefits"][0]["decay"] == "aht"
    assert list(origins) == ["benefits[0].seconds_saved"]
    (note,) = notes
    assert "own copy of prior 'aht' (multiply by 0.5)" in note
    assert "no longer moves with benefits[0].decay" in note


def test_problems_are_moved_to_the_override_that_caused_them():
    changes = parse_changes(
        {"priors": {"aht": {"max": 5}}}, "scenarios.s", {"scenarios.s.priors.aht": 9}, "c.yaml"
    )
    _, origins, _ = apply_changes(RAW, changes)
    moved, other = relocate(
        [Problem("too low", path="priors.aht.max"), Problem("no costs", path="costs")],
        origins,
        "with scenario 's' applied",
    )
    assert (moved.path, moved.file, moved.line) == ("scenarios.s.priors.aht.max", "c.yaml", 9)
    assert other == Problem("no costs (with scenario 's' applied)", path="costs")


# A rate and a fraction, each read through a named prior (the fields on lines 10 and 11).
UNITS = """\
name: Units
priors:
  churn: {dist: pert, min: 0.01, mode: 0.02, max: 0.04}
  cut: {dist: beta, alpha: 2, beta: 8}
  marg: 0.4
benefits:
  - type: retention
    customers: 10000
    arpu: 50
    margin: marg
    base_churn: churn
    churn_reduction: cut
costs:
  - type: one_time
    amount: 100000
"""


@pytest.mark.parametrize(
    ("override", "field", "shown"),
    [
        ("churn: {min: 1, mode: 2, max: 4}", "base_churn", "pert(min=1, mode=2, max=4)"),
        ("churn: {multiply: 100}", "base_churn", "pert(min=1, mode=2, max=4)"),
        ("churn: {add: 5}", "base_churn", "pert(min=5.01, mode=5.02, max=5.04)"),
        ("marg: 40", "margin", "fixed(value=40)"),
    ],
)
def test_a_changed_prior_that_a_field_cannot_take_is_reported_at_the_change(
    write_config, override, field, shown
):
    # The field that the prior no longer fits is named, with the fix, at the override's line.
    path = write_config(UNITS + f"scenarios:\n  s:\n    priors:\n      {override}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, scenario="s")
    (problem,) = info.value.problems
    name = override.split(":")[0]
    assert (problem.file, problem.line, problem.path) == (
        str(path),
        19,
        f"scenarios.s.priors.{name}",
    )
    assert f"prior {name!r} ({shown})" in problem.message
    assert f"but benefits[0].{field}, which uses it, must lie in [0, 1]" in problem.message
    assert "with scenario" not in problem.message
    overlay = load_overlay(write_config(f"name: review\npriors:\n  {override}\n", "ov.yaml"))
    config = write_config(UNITS, "units.yaml")
    with pytest.raises(ConfigError) as info:
        load_config(config, overlay=overlay)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.path) == (overlay.file, 3, f"priors.{name}")
    assert f"but benefits[0].{field}, which uses it," in problem.message


def test_a_prior_that_a_field_cannot_take_is_reported_at_the_field_without_overrides(
    write_config,
):
    with pytest.raises(ConfigError) as info:
        load_config(write_config(UNITS.replace("marg: 0.4", "marg: 40")))
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (10, "benefits[0].margin")
    assert "but this field must lie in [0, 1]" in problem.message
    # A field overridden along with the prior is where the problem stays.
    scenario = (
        "scenarios:\n  s:\n    priors: {marg: 40}\n    lines:\n      benefits[0]: {margin: 50}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(write_config(UNITS + scenario), scenario="s")
    (problem,) = info.value.problems
    assert problem.path == "scenarios.s.lines.benefits[0].margin"


@pytest.mark.parametrize(
    ("value", "moved"),
    [
        (4.0, 11.0),
        (
            {"dist": "normal", "mean": 1.0, "sd": 2.0, "max": 5.0},
            {"dist": "normal", "mean": 5.0, "sd": 4.0, "max": 13.0},
        ),
        (
            {"dist": "beta", "alpha": 2, "beta": 3},
            {"dist": "beta", "alpha": 2, "beta": 3, "min": 3.0, "max": 5.0},
        ),
        ({"dist": "discrete", "values": [1, 2]}, {"dist": "discrete", "values": [5, 7]}),
    ],
)
def test_a_transform_moves_locations_and_scales_spreads(value, moved):
    assert transform(value, add=3, multiply=2, what="x") == moved


def test_a_lognormal_is_scaled_but_never_shifted():
    lognormal = {"dist": "lognormal", "median": 2.0, "p90": 5.0}
    assert transform(lognormal, 0, 3, "x") == {"dist": "lognormal", "median": 6.0, "p90": 15.0}
    with pytest.raises(Unfit, match="cannot be shifted") as info:
        transform(lognormal, 1, 1, "x")
    assert info.value.suffix == ".add"


@pytest.mark.parametrize(
    "value", ["aht", {"dist": "bernoulli", "p": 0.5}, {"dist": ["pert"]}, None]
)
def test_what_a_transform_cannot_take_is_a_problem(value):
    with pytest.raises(Unfit, match="add:/multiply: cannot transform"):
        transform(value, 1, 2, "prior 'x'")


def test_an_override_of_a_line_whose_type_is_a_list_is_a_problem():
    raw = {**RAW, "benefits": [{"type": ["handle_time"], "name": "Saved"}]}
    changes = parse_changes({"lines": {"Saved": {"lag": {"add": 3}}}}, "", {}, "o.yaml")
    with pytest.raises(ConfigError, match="lag is None, which add:/multiply: cannot transform"):
        apply_changes(raw, changes)


# -- numbers too large for a float in add:/multiply: ------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        "{multiply: " + "9" * 400 + "}",
        "{add: " + "9" * 400 + "}",
        "{add: -" + "9" * 400 + "}",
        "{add: .nan}",
        "{multiply: '80,000'}",
    ],
)
def test_an_add_or_multiply_that_is_no_usable_number_is_a_problem(write_config, override):
    text = BASE + f"scenarios:\n  big:\n    priors:\n      aht: {override}\n"
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, scenario="big")
    (problem,) = info.value.problems
    assert problem.path.startswith("scenarios.big.priors.aht.") and problem.line == 21
    assert len(problem.message) < 300


def test_a_transform_that_overflows_is_a_problem_not_an_infinity(write_config):
    text = BASE + "scenarios:\n  big:\n    priors:\n      aht: {multiply: 1.0e+307}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text), scenario="big")
    assert any(p.path.startswith("scenarios.big.priors.aht") for p in info.value.problems)


# -- scenario names: text that can name a result folder ---------------------------------


@pytest.mark.parametrize(
    ("key", "text"),
    [("2025", "'2025'"), ("null", "'null'"), ("true", "'true'"), ("1.5", "'1.5'")],
)
def test_a_scenario_name_that_is_not_text_is_a_problem(write_config, key, text):
    path = write_config(BASE + f"scenarios:\n  {key}: {{discount_rate: 0.2}}\n")
    for scenario in (None, key, "other"):
        with pytest.raises(ConfigError) as info:
            load_config(path, scenario=scenario)
        (problem,) = info.value.problems
        assert problem.line == 19 and problem.path.startswith("scenarios.")
        assert "scenario names are text" in problem.message and f"write {text}" in problem.message


# What a name cannot be, in the file's YAML (double-quoted), and why.
REFUSED_NAMES = [
    ("x/../../escaped_dir", "contains '/'"),
    ("a\\0b", "contains the control character U+0000"),
    ("..", "starts with '.'"),
    (".", "starts with '.'"),
    (".hidden", "starts with '.'"),
    ("trail.", "ends with '.'"),
    ("trail ", "ends with a space"),
    (" ", "ends with a space"),
    ("back\\\\slash", "contains '\\\\'"),
    ("a:b", "contains ':'"),
    ("what?", "contains '?'"),
    ("a*b", "contains '*'"),
    ('say \\"hi\\"', "contains '\"'"),
    ("a<b>c", "contains '<'"),
    ("a|b", "contains '|'"),
    ("tab\\there", "contains the control character U+0009"),
    ("c1\\x85", "contains the control character U+0085"),
    ("bidi\\u202eb", "contains the bidirectional control U+202E"),
    ("x" * 201, "is 201 bytes long"),
    ("\u00e9" * 101, "is 202 bytes long"),  # 101 characters, 2 bytes each
]


@pytest.mark.parametrize(("name", "why"), REFUSED_NAMES)
def test_a_scenario_name_that_cannot_name_a_folder_is_a_problem(write_config, name, why):
    path = write_config(BASE + f'scenarios:\n  "{name}": {{discount_rate: 0.2}}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.line == 19 and "cannot name a result folder: it " + why in problem.message
    # the rule itself, so the user knows what to write instead
    assert "Linux, macOS and Windows" in problem.message and '/ \\ : * ? " < > |' in problem.message
    assert "at most 200 bytes" in problem.message


def test_a_scenario_named_all_is_a_problem(write_config):
    # --scenario all runs every scenario, so a scenario called all could never run alone
    path = write_config(BASE + "scenarios:\n  all: {discount_rate: 0.2}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.line == 19 and problem.path == "scenarios.all"
    assert (
        "--scenario all means every scenario" in problem.message and "rename it" in problem.message
    )
    # "All" and "all levers" are names like any other
    path = write_config(BASE + "scenarios:\n  All: {discount_rate: 0.2}\n  all levers: {}\n")
    assert load_config(path).scenarios == ("All", "all levers")


# docs/interface.md "Result folder names" promised these; the rule was 1 to 64 of
# [A-Za-z0-9 ._-], which refused every one of the last six.
ACCEPTED_NAMES = ["optimistic", "bear-case", "Q3 2025", "v1.2_final", "x" * 64,
                  "Bear case (CFO)", "caf\u00e9", "plan+10%", "x" * 65, "y" * 200,
                  "\u65e5\u672c" * 33, " lead"]  # fmt: skip


@pytest.mark.parametrize("name", ACCEPTED_NAMES)
def test_ordinary_scenario_names_are_accepted(write_config, name):
    path = write_config(BASE + f"scenarios:\n  '{name}': {{discount_rate: 0.2}}\n")
    assert load_config(path).scenarios == (name,)
    assert load_config(path, scenario=name).discount_rate == 0.2


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [("Bear", "bear", "differ only in case"),
     ("caf\u00e9", "cafe\u0301", "differ only in how their accents are encoded")],
)  # fmt: skip
def test_two_scenario_names_one_folder_apart_on_macos_or_windows_are_a_problem(
    write_config, first, second, why
):
    path = write_config(
        BASE + f"scenarios:\n  '{first}': {{discount_rate: 0.2}}\n"
        f"  '{second}': {{discount_rate: 0.3}}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert problem.line == 20 and problem.path == f"scenarios.{second}"
    assert why in problem.message and "the same result folder" in problem.message
