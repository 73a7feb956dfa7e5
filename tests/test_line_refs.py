"""Naming a line: by its path (``costs[1]``) or its name, in gates, scenarios and overlays.

Two lines may share a name (two ``recurring`` costs without one are both
``Recurring``; a benefit and a cost both ``Calls``). A reference by such a
name means neither: it is one problem at the reference, naming both paths and
the fix, wherever it is written (a gate's ``lines:``, a scenario's or an
overlay's ``lines:``), and ``simulate validate`` exits 2 with that line. A path
always means one line, so a line's name cannot be one.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from simulate import ConfigError, load_config
from simulate.cli import main
from simulate.config import load_overlay, model_from_dict

# A benefit and a cost both named Calls, two unnamed recurring costs (both "Recurring"),
# a benefit and a cost with the same label, and an unnamed one-time cost ("One time").
CONFIG = """\
name: Shared names
horizon_months: 24
priors:
  pilot: {dist: bernoulli, p: 0.7}
benefits:
  - type: recurring
    name: Calls
    amount: 1000
  - type: recurring
    name: Chat
    label: Digital
    amount: 800
costs:
  - type: recurring
    name: Calls
    amount: 100
  - type: recurring
    amount: 50
  - type: recurring
    amount: 60
    label: Digital
  - type: one_time
    amount: 5000
"""
FIX = "name the line by its path"


def _gate(*refs: str) -> str:
    items = "".join(f"      - {ref}\n" for ref in refs)
    return f"gates:\n  - month: 6\n    continue_if: pilot\n    lines:\n{items}"


# -- gates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("Calls", "two lines are named 'Calls' (benefits[0], costs[0]): name the line by its "
         "path, e.g. costs[0], or rename one"),
        ("Recurring", "two lines are named 'Recurring' (costs[1], costs[2]): name the line by "
         "its path, e.g. costs[2], or give one a name: of its own (a line without a name: is "
         "called by its type)"),
        ("Digital", "two lines are labelled 'Digital' (benefits[1], costs[2]): name the line "
         "by its path, e.g. costs[2], or by its name"),
    ],
)  # fmt: skip
def test_a_gate_naming_a_shared_name_is_one_problem_at_the_reference(write_config, ref, message):
    path = write_config(CONFIG + _gate("Chat", ref))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert str(problem) == f"{path}:29: gates[0].lines[1]: {message}"


def test_two_benefits_of_one_name_are_shared_too_not_missing(write_config):
    """Not "'Calls' is not a line": the name is there, twice."""
    text = CONFIG.replace("    name: Chat\n", "    name: Calls\n")
    path = write_config(text + _gate("Calls"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert problem.message.startswith(
        "three lines are named 'Calls' (benefits[0], benefits[1], costs[0]): " + FIX
    )


def test_a_gate_names_each_line_by_its_path_or_by_a_name_of_its_own(write_config):
    model = load_config(write_config(CONFIG + _gate("costs[0]", "Chat", "One time", "costs[2]")))
    governed = [model.lines[i].path for i in model.gates[0].lines]
    assert governed == ["benefits[1]", "costs[0]", "costs[2]", "costs[3]"]
    # the lines it governs, as summary.json names them: each once, told apart
    assert [model.lines[i].name for i in model.gates[0].lines] == [
        "Chat", "Calls (costs[0])", "Recurring (costs[2])", "One time",
    ]  # fmt: skip


def test_an_unknown_line_lists_how_each_line_can_be_named(write_config):
    path = write_config(CONFIG + _gate("Cals"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert problem.message == (
        "'Cals' is not a line (did you mean 'Calls'?); lines: benefits[0] (Calls), Chat, "
        "costs[0] (Calls), costs[1] (Recurring), costs[2] (Recurring), One time"
    )


def test_a_path_beyond_the_lines_is_a_problem(write_config):
    path = write_config(CONFIG + _gate("costs[4]"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert problem.message == "the config has 4 costs (numbered from 0), so no costs[4]"


def test_validate_refuses_a_shared_name_in_one_line_with_exit_status_2(write_config, capsys):
    path = write_config(CONFIG + _gate("Calls"))
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"error: {path}:28: gates[0].lines[0]: two lines are named 'Calls' (benefits[0], "
        "costs[0]): name the line by its path, e.g. costs[0], or rename one"
    ]


# -- scenarios and overlays --------------------------------------------------------------------


def _scenario(lines: str) -> str:
    return "scenarios:\n  cheap:\n    lines:\n" + textwrap.indent(lines, "      ")


@pytest.mark.parametrize(
    ("key", "shared"),
    [("Calls", "two lines are named 'Calls' (benefits[0], costs[0])"),
     ("Recurring", "two lines are named 'Recurring' (costs[1], costs[2])")],
)  # fmt: skip
def test_a_scenario_naming_a_shared_name_is_one_problem_at_the_override(write_config, key, shared):
    path = write_config(CONFIG + _scenario(f"{key}: {{amount: 10}}\n"))
    for scenario in (None, "cheap"):  # the file is refused whatever is loaded
        with pytest.raises(ConfigError) as err:
            load_config(path, scenario=scenario)
        (problem,) = err.value.problems
        assert str(problem).startswith(
            f"{path}:27: scenarios.cheap.lines.{key}.amount: {shared}: {FIX}, e.g. "
        )


def test_a_scenario_names_lines_by_path_and_by_their_type_s_name(write_config):
    path = write_config(CONFIG + _scenario("costs[0]: {amount: 10}\nOne time: {amount: 7}\n"))
    model = load_config(path, scenario="cheap")
    assert model.costs[0].fields["amount"].value == 10
    assert model.benefits[0].fields["amount"].value == 1000  # the other Calls, untouched
    assert model.costs[3].fields["amount"].value == 7


def test_an_overlay_naming_a_shared_name_is_one_problem_at_its_line(write_config):
    config = write_config(CONFIG)
    overlay = load_overlay(write_config("name: review\nlines:\n  Calls: {amount: 10}\n", "o.yaml"))
    with pytest.raises(ConfigError) as err:
        load_config(config, overlay=overlay)
    (problem,) = err.value.problems
    assert str(problem) == (
        f"{overlay.file}:3: lines.Calls.amount: two lines are named 'Calls' (benefits[0], "
        "costs[0]): name the line by its path, e.g. costs[0], or rename one"
    )


def test_run_with_an_overlay_naming_a_shared_name_exits_2_without_writing(
    write_config, tmp_path, capsys
):
    config = write_config(CONFIG)
    overlay = write_config("lines:\n  Calls: {amount: 10}\n", "o.yaml")
    out = tmp_path / "out"
    argv = ["run", str(config), "--overlay", str(overlay), "--out", str(out), "--quiet"]
    assert main([*argv, "--trials", "100", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: {overlay}:2: lines.Calls.amount: two lines are named 'Calls' (benefits[0], "
        "costs[0]): name the line by its path, e.g. costs[0], or rename one"
    ]
    assert not out.exists() or not any(out.iterdir())


# -- the names themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["costs[0]", "benefits[3]"])
def test_a_line_cannot_be_named_by_a_path(write_config, name):
    path = write_config(CONFIG.replace("name: Chat", f"name: '{name}'"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert str(problem) == (
        f"{path}:10: benefits[1].name: a line's name cannot be a path such as {name}: "
        f"scenarios, overlays and gates read {name} as the line at that place; give the line "
        "a name in words, e.g. name: Licences"
    )


def test_a_benefit_and_a_cost_of_one_name_are_shown_apart():
    """As two benefits of one name are: each name (and label) gets its path."""
    raw = {
        "name": "Both",
        "benefits": [{"type": "recurring", "name": "Calls", "amount": 10, "label": "X"}],
        "costs": [{"type": "recurring", "name": "Calls", "amount": 5, "label": "X"},
                  {"type": "recurring", "name": "Licence", "amount": 5}],
    }  # fmt: skip
    model = model_from_dict(raw)
    assert [line.name for line in model.lines] == [
        "Calls (benefits[0])", "Calls (costs[0])", "Licence",
    ]  # fmt: skip
    assert [line.display for line in model.lines] == [
        "X (benefits[0])", "X (costs[0])", "Licence",
    ]  # fmt: skip


def test_a_gate_on_every_line_says_so_when_a_benefit_and_a_cost_share_a_name(tmp_path):
    """summary.json names a gate's lines; the pack counts them to say "every line"."""
    from simulate import run
    from simulate.report.data import flexibility

    raw = {
        "name": "Both",
        "horizon_months": 12,
        "priors": {"pilot": {"dist": "bernoulli", "p": 0.5}},
        "benefits": [{"type": "recurring", "name": "Calls", "amount": 10}],
        "costs": [{"type": "recurring", "name": "Calls", "amount": 5},
                  {"type": "one_time", "amount": 5}],
        "gates": [{"month": 3, "continue_if": "pilot",
                   "lines": ["benefits[0]", "costs[0]", "One time"]}],
    }  # fmt: skip
    model = model_from_dict(raw)
    summary = json.loads(json.dumps(run(model, trials=64, seed=1).summary()))
    (gate,) = summary["flexibility"]["gates"]
    assert gate["lines"] == ["Calls (benefits[0])", "Calls (costs[0])", "One time"]
    (shown,) = flexibility(summary, model, [])["gates"]
    assert shown["every_line"]


@pytest.mark.parametrize(("name", "valid"), [("costs[0]", False), ("benefits[12]", False),
                                              ("costs[0] licence", True), (None, True)])  # fmt: skip
def test_the_json_schema_refuses_a_line_name_that_is_a_path(name, valid):
    import jsonschema
    import yaml

    from simulate.config.json_schema import config_schema

    raw = yaml.safe_load(CONFIG)
    raw["benefits"][1]["name"] = name
    errors = list(jsonschema.Draft7Validator(config_schema()).iter_errors(raw))
    assert (not errors) == valid
    if valid:
        model_from_dict(raw)  # the loader agrees
    else:
        with pytest.raises(ConfigError, match="cannot be a path"):
            model_from_dict(raw)
