"""An overlay's effect on the same draws, and its attribution to each change.

test_batch.py checks the attribution's arithmetic on a valid overlay; here an
overlay whose first change is not valid on its own, and what the report says
about each change.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulate.compare import KEY_METRICS, key_figure_change, key_figures
from simulate.config import load_config, load_overlay
from simulate.overlay import overlay_analysis
from simulate.runner import RunOptions, simulate_model

CHURN = """\
name: Churn programme
horizon_months: 36
discount_rate: 0.1
simulation: {trials: 2000, seed: 5}
targets: {payback_months: 18}
priors:
  cut: {dist: pert, min: 0.05, mode: 0.1, max: 0.2}
  launch: {dist: uniform, min: 1, max: 3}
benefits:
  - type: retention
    name: Churn avoided
    customers: 50000
    arpu: 40
    margin: 0.6
    base_churn: 0.02
    churn_reduction: cut
    lag: launch
costs:
  - type: one_time
    name: Set-up
    amount: 150000
  - type: recurring
    name: Care team
    amount: 20000
    start_month: launch
"""

# cut x 6 leaves churn_reduction's [0, 1] unless the line stops using cut
REVIEW = """\
name: Review
description: A tougher look.
priors:
  cut: {multiply: 6}
lines:
  Churn avoided:
    churn_reduction: 0.15
discount_rate: 0.12
targets: {payback_months: 24}
"""


@pytest.fixture
def review(write_config):
    config = write_config(CHURN, "churn.yaml")
    overlay = load_overlay(write_config(REVIEW, "review.yaml"))
    result, report = overlay_analysis(str(config), overlay, RunOptions(trials=2000, seed=4))
    return config, overlay, result, report


def test_changes_say_what_they_were_and_what_they_became(review):
    _, overlay, _, report = review
    rows = {c["path"]: c for c in report["changes"]}
    assert list(rows) == [c.label for c in overlay.changes]
    assert (rows["priors.cut"]["from"], rows["priors.cut"]["to"]) == (
        "pert(min=0.05, mode=0.1, max=0.2)", "pert(min=0.3, mode=0.6, max=1.2)")  # fmt: skip
    line = rows["lines.Churn avoided.churn_reduction"]
    assert (line["from"], line["to"]) == ("cut: pert(min=0.05, mode=0.1, max=0.2)", "0.15")
    assert (rows["discount_rate"]["from"], rows["discount_rate"]["to"]) == ("0.1", "0.12")
    target = rows["targets.payback_months"]
    assert (target["from"], target["to"], target["affects_npv"]) == ("18", "24", False)
    assert [c["line"] for c in report["changes"]] == [4, 7, 8, 9]
    assert report["notes"] == ["prior 'cut' is defined but no field uses it"]  # new warnings only


def test_a_change_not_valid_alone_is_reported_not_summed(review):
    config, overlay, result, report = review
    options = RunOptions(trials=2000, seed=4)

    def figures(indices):
        model = load_config(str(config), overlay=overlay.subset(indices))
        return key_figures(simulate_model(model, options).npv)

    base = key_figures(simulate_model(load_config(str(config)), options).npv)
    assert report["base"] == base and report["overlaid"] == key_figures(result.npv)
    one = report["attribution"]["one_at_a_time"]
    assert [r["path"] for r in one["rows"]] == [c.label for c in overlay.changes[:3]]
    alone, line, rate = one["rows"]  # the target moves no cash flow: in every subset
    assert alone["note"].startswith("not valid on its own: prior 'cut'")
    assert all(alone[k] is None for k in KEY_METRICS)
    assert line == {"path": line["path"], **key_figure_change(figures([1, 3]), base), "note": ""}
    assert rate == {"path": rate["path"], **key_figure_change(figures([2, 3]), base), "note": ""}
    assert one["sum"] == {k: line[k] + rate[k] for k in KEY_METRICS}
    assert one["interaction"] is None  # not every change has an effect of its own
    seq = report["attribution"]["sequential"]
    assert seq["order"] == [r["path"] for r in one["rows"]]
    first, second, third = seq["rows"]
    assert first["note"] == alone["note"]
    assert second["note"] == "follows a step that is not valid"
    assert all(second[k] is None for k in KEY_METRICS)
    assert third == {"path": "discount_rate", "note": "",
                     **key_figure_change(report["overlaid"], figures([0, 1, 3]))}  # fmt: skip


def test_every_run_shares_one_seed_and_the_overlaid_run_keeps_its_draws(write_config):
    config = write_config(CHURN, "churn.yaml")
    overlay = load_overlay(write_config(REVIEW, "review.yaml"))
    result, report = overlay_analysis(str(config), overlay, RunOptions(), keep_inputs=True)
    assert report["seed"] == result.seed == 5  # the config's, with no --seed
    assert (report["trials"], report["sampling"]) == (2000, "random")
    assert result.inputs is not None and result.inputs.shape == (len(result.model.inputs), 2000)
    base = simulate_model(load_config(str(config)), RunOptions()).npv
    assert report["paired"]["prob_a_above_b"] == float(np.mean(result.npv > base))
    _, without = overlay_analysis(str(config), overlay, RunOptions(), keep_inputs=False)
    assert without == report
