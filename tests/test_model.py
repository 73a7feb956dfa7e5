"""The validated model: its result-folder stem and its views of lines and inputs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulate.config import Ref, model_from_dict

RAW = {
    "name": "Agent assist: pilot #2",
    "priors": {"uplift": {"dist": "uniform", "min": 1, "max": 2}},
    "benefits": [{"type": "recurring", "amount": "uplift"}],
    "costs": [{"type": "one_time", "amount": 100}],
    "scenarios": {"slow": {"horizon_months": 12}},
}


@pytest.mark.parametrize(
    ("file", "scenario", "overlay", "stem"),
    [
        (None, None, None, "Agent_assist_pilot_2"),
        ("configs/omni.yaml", None, None, "omni"),
        ("configs/omni.yaml", "slow", None, "omni--slow"),
        ("configs/omni.yaml", "slow", "cfo", "omni--slow--cfo"),
    ],
)
def test_stem_names_the_config_scenario_and_overlay(file, scenario, overlay, stem):
    model = model_from_dict(RAW, file=file, scenario=scenario)
    assert replace(model, overlay=overlay).stem == stem


def test_lines_and_inputs():
    model = model_from_dict(RAW)
    assert [line.path for line in model.lines] == ["benefits[0]", "costs[0]"]
    assert model.input_names == ("uplift",)
    amount = model.benefits[0].fields["amount"]
    assert not amount.is_constant and amount.input == 0
    assert model.costs[0].fields["amount"] == Ref(100.0) and Ref(100.0).is_constant
