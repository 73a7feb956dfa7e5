"""Paired numbers: key figures, their change, and P(A's NPV > B's) between runs.

test_batch.py checks paired_comparison on known arrays and against a batch.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulate.compare import (
    KEY_METRICS,
    PairedRun,
    cdf_points,
    key_figure_change,
    key_figures,
    scenario_comparisons,
)
from simulate.config import model_from_dict
from simulate.engine import run


def test_key_figures_are_the_summarys():
    model = model_from_dict(
        {
            "name": "One uniform",
            "horizon_months": 12,
            "discount_rate": 0.0,
            "priors": {"a": {"dist": "uniform", "min": 0, "max": 1000}},
            "benefits": [{"type": "recurring", "amount": "a"}],
            "costs": [{"type": "one_time", "amount": 6000}],
        }
    )
    result = run(model, trials=4001, seed=3)
    summary = result.summary()
    figures = key_figures(result.npv)
    assert list(figures) == list(KEY_METRICS)
    assert figures["prob_npv_positive"] == summary["probabilities"]["npv_positive"]
    assert figures["npv_p50"] == summary["metrics"]["npv"]["p50"]
    assert figures["npv_mean"] == pytest.approx(summary["metrics"]["npv"]["mean"], rel=1e-12)


def test_key_figure_change_is_none_where_either_side_is():
    a = {"prob_npv_positive": 0.75, "npv_p50": 10.0, "npv_mean": None}
    b = {"prob_npv_positive": 0.5, "npv_p50": 12.5, "npv_mean": 3.0}
    assert key_figure_change(a, b) == {"prob_npv_positive": 0.25, "npv_p50": -2.5, "npv_mean": None}


def test_an_unpaired_comparison_gives_each_sides_trials():
    # two precision runs that stopped at 24,576 and 16,384 trials: the row said trials 24576
    runs = [
        PairedRun(None, 1, 24_576, "random", np.zeros(24_576)),
        PairedRun("low", 1, 16_384, "random", np.zeros(16_384)),
        PairedRun("also", 1, 24_576, "random", np.ones(24_576)),
    ]
    unpaired, both, again = scenario_comparisons(runs)
    assert not unpaired["paired"] and unpaired["trials"] is None
    assert (unpaired["trials_a"], unpaired["trials_b"]) == (24_576, 16_384)
    assert both["paired"] and both["trials"] == both["trials_a"] == both["trials_b"] == 24_576
    assert again["trials"] is None and (again["trials_a"], again["trials_b"]) == (16_384, 24_576)


def test_scenario_comparisons_pair_only_runs_that_share_their_draws():
    npv = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 2.0, 5.0, 1.0], [9.0, 9.0, 9.0, 9.0]])
    runs = [
        PairedRun(None, 1, 4, "random", npv[0]),
        PairedRun("low", 1, 4, "random", npv[1]),
        PairedRun("own seed", 2, 4, "random", npv[2]),
    ]
    rows = scenario_comparisons(runs)
    assert [(r["a"], r["b"]) for r in rows] == [
        (None, "low"),
        (None, "own seed"),
        ("low", "own seed"),
    ]
    first = rows[0]
    assert first["paired"] and first["note"] == "" and first["trials"] == 4
    assert first["prob_a_above_b"] == 0.5 and first["prob_b_above_a"] == 0.25  # one tie
    assert first["npv_diff_mean"] == pytest.approx(0.5)
    for row in rows[1:]:
        assert not row["paired"]
        assert row["note"] == (
            "not paired: the runs differ in seed, trials or sampling (1/4/random vs 2/4/random)"
        )
        assert row["prob_a_above_b"] is None and row["npv_diff_p90"] is None
        assert list(row) == list(first)  # the same columns either way


def test_cdf_points_run_from_the_minimum_to_the_maximum():
    npv = np.random.default_rng(1).normal(size=1001)
    x, f = cdf_points(npv, n=11)
    assert f[0] == 0.0 and f[-1] == 1.0 and len(x) == len(f) == 11
    assert x[0] == npv.min() and x[-1] == npv.max()
    assert x[5] == pytest.approx(np.median(npv))
    assert np.all(np.diff(x) >= 0)
