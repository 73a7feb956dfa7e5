"""Terminal text: each table from hand-made results, line by line.

The inputs are written out here (not computed) so every branch of a table is
reached: a long input name, a discrete break-even, undefined numbers, EVPPI
below the noise floor, an infinite payback swing, an overlay change that is
not valid on its own and a pair of runs that do not share their draws.
"""

from __future__ import annotations

import math
from itertools import takewhile
from pathlib import Path

from simulate.text import comparisons_text, overlay_text, sensitivity_text, summary_text

SUMMARY = {
    "name": "Agent assist",
    "scenario": "conservative",
    "currency": "USD",
    "trials": 20000,
    "seed": 7,
    "sampling": "lhs",
    "horizon_months": 36,
    "discount_rate": 0.1,
    "metrics": {
        "npv": {"p10": -125000.0, "p50": 558000.0, "p90": 998000.0, "mean": 555000.0},
        "roi": {"p10": -0.0773, "p50": 0.414, "p90": None},
        "payback_months": {"p50": 22.2},
    },
    "probabilities": {
        "npv_positive": 0.9432,
        "npv_positive_se": 0.00516,
        "payback_within_horizon": 0.985,
        "payback_within_target": 0.071,
        "roi_at_least_target": None,
    },
}

SENS = {
    "metric": "npv",
    "base": {"metric": 8000.0, "npv": 8000.0, "inputs": {"b": 1000.0, "a": 500.0, "tier": 5000.0}},
    "tornado": [
        {
            "input": "b",
            "low_q": 0.1,
            "high_q": 0.9,
            "low_value": 200.0,
            "high_value": 1800.0,
            "metric_low": -1600.0,
            "metric_high": 17600.0,
            "swing": 19200.0,
        },
        {
            "input": "a_really_long_input_name_that_goes_on",
            "low_q": 0.1,
            "high_q": 0.9,
            "low_value": 100.0,
            "high_value": 900.0,
            "metric_low": 3200.0,
            "metric_high": 12800.0,
            "swing": 9600.0,
        },
        {
            "input": "tier",
            "low_q": 0.1,
            "high_q": 0.9,
            "low_value": 0.0,
            "high_value": 20000.0,
            "metric_low": 13000.0,
            "metric_high": -7000.0,
            "swing": 20000.0,
        },
    ],
    "breakeven": [
        {"input": "b", "value": 1333.3333, "note": ""},
        {"input": "a_really_long_input_name_that_goes_on", "value": None, "note": ""},
        {
            "input": "tier",
            "value": None,
            "note": "",
            "values": [0.0, 5000.0, 20000.0],
            "positive_at": [0.0, 5000.0],
        },
    ],
    "sobol": {
        "indices": [
            {"input": "b", "S1": 0.8, "S1_conf": 0.02, "ST": 0.81, "ST_conf": 0.03},
            {"input": "tier", "S1": 0.1, "S1_conf": 0.01, "ST": 0.12, "ST_conf": None},
            {
                "input": "a_really_long_input_name_that_goes_on",
                "S1": None,
                "S1_conf": None,
                "ST": None,
                "ST_conf": None,
            },
        ]
    },
    "rank": [
        {"input": "b", "spearman": 0.91, "contribution": 0.8},
        {"input": "tier", "spearman": -0.3, "contribution": 0.1},
        {"input": "a_really_long_input_name_that_goes_on", "spearman": None, "contribution": None},
    ],
    "voi": {
        "evpi": 1500.0,
        "expected_npv": 8000.0,
        "decision_now": "invest",
        "noise_floor": 40.0,
        "evppi": [
            {"input": "b", "value": 1200.0},
            {"input": "tier", "value": 300.0},
            {"input": "a_really_long_input_name_that_goes_on", "value": 70.0},
        ],
    },
    "goal_seek": [
        {"input": "b", "target": 0.8, "note": "P(NPV > 0) reaches 80% with b at or above 1,234"}
    ],
}

PAYBACK = {
    "metric": "payback_months",
    "base": {"metric": 14.5, "inputs": {"b": 1.0, "a": 2.0}},
    "tornado": [
        {
            "input": "b",
            "low_q": 0.05,
            "high_q": 0.95,
            "metric_low": math.inf,
            "metric_high": 4.3,
            "swing": math.inf,
        },
        {
            "input": "a",
            "low_q": 0.05,
            "high_q": 0.95,
            "metric_low": 12.0,
            "metric_high": 16.25,
            "swing": 4.25,
        },
    ],
}

REPORT = {
    "name": "Agent assist",
    "scenario": None,
    "overlay": "cfo.yaml",
    "overlay_name": "CFO review",
    "trials": 2000,
    "seed": 3,
    "currency": "USD",
    "base": {"prob_npv_positive": 1.0, "npv_p50": 2920000.0, "npv_mean": 2910000.0},
    "overlaid": {"prob_npv_positive": 0.943, "npv_p50": 558000.0, "npv_mean": 555000.0},
    "change": {"prob_npv_positive": -0.057, "npv_p50": -2362000.0, "npv_mean": -2355000.0},
    "paired": {"prob_a_above_b": 0.0},
    "attribution": {
        "one_at_a_time": {
            "rows": [
                {
                    "path": "priors.seconds_saved",
                    "prob_npv_positive": -0.015,
                    "npv_p50": -2130000.0,
                    "note": "",
                },
                {
                    "path": "lines.Handle time saved and a very long name.lag",
                    "prob_npv_positive": None,
                    "npv_p50": None,
                    "note": "not valid on its own: lag leaves its range",
                },
            ],
            "interaction": None,
        },
        "sequential": {
            "rows": [
                {
                    "path": "priors.seconds_saved",
                    "prob_npv_positive": -0.015,
                    "npv_p50": -2130000.0,
                },
                {
                    "path": "lines.Handle time saved and a very long name.lag",
                    "prob_npv_positive": -0.042,
                    "npv_p50": 232000.0,
                },
            ]
        },
    },
}

ROWS = [
    {
        "a": None,
        "b": "conservative",
        "paired": True,
        "prob_a_above_b": 0.875,
        "npv_diff_mean": 120000.0,
        "npv_diff_p10": -5000.0,
        "npv_diff_p90": 260000.0,
        "note": "",
    },
    {
        "a": None,
        "b": "optimistic",
        "paired": False,
        "prob_a_above_b": None,
        "npv_diff_mean": None,
        "npv_diff_p10": None,
        "npv_diff_p90": None,
        "note": "not paired: the runs differ in seed, trials or sampling (1/100/random vs 2/100/random)",
    },
]


# What each function printed for these inputs when text.py was split out.
SUMMARY_TEXT = [
    "Agent assist [conservative]",
    "  20,000 trials, seed 7, lhs sampling, 36 months at 10.0% a year",
    "",
    "  P(NPV > 0)            94.3%  (Monte Carlo s.e. 0.516%)",
    "  NPV   P10/P50/P90     -$125k / $558k / $998k   (mean $555k)",
    "  ROI   P10/P50/P90     -7.73% / 41.4% / n/a",
    "  Payback median        22.2 months   (paid back within the horizon: 98.5%)",
    "  P(payback by target)  7.1%",
    "",
    "  Results: results/x",
]

SENSITIVITY_TEXT = [
    "Sensitivity of NPV: Linear",
    "  base case (every input at its median): NPV €8k",
    "",
    "  input                                  NPV at P10 / P90   swing     NPV = 0 at     Sobol ST  rank rho  EVPPI",
    "  -------------------------------------  ----------------  ------  -------------  -----------  --------  -----",
    "  b                                       -€1.6k / €17.6k  €19.2k         1.333k  0.81 ± 0.03     +0.91  €1.2k",
    "  a_really_long_input_name_that_goes_on    €3.2k / €12.8k   €9.6k  none in range          n/a       n/a     ~0",
    "  ... and 1 more input(s) in sensitivity.json",
    "",
    "  EVPI €1.5k: the most that perfect knowledge of every input is worth to the decision (now: invest, expected NPV €8k).",
    "  EVPPI: the same for one input alone, the most a pilot measuring it is worth; ~0 means at or below the noise level (€80).",
    "  Goal seek: P(NPV > 0) = 80.0% via b: P(NPV > 0) reaches 80% with b at or above 1,234",
    "",
    "  Results: r/x",
]

PAYBACK_TEXT = [
    "Sensitivity of Payback: Linear",
    "  base case (every input at its median): Payback 14.5 mo",
    "",
    "  input  Payback at P5 / P95   swing",
    "  -----  -------------------  ------",
    "  b         > 24 mo / 4.3 mo       ∞",
    "  a          12 mo / 16.2 mo  4.2 mo",
]

OVERLAY_TEXT = [
    "Overlay cfo.yaml (CFO review) on Agent assist",
    "  2,000 trials, seed 3: every run on the same draws",
    "",
    "                                      P(NPV > 0)     NPV P50    NPV mean",
    "  as written                                100%      $2.92M      $2.91M",
    "  with the overlay                         94.3%       $558k       $555k",
    "  change                                -5.7 pts     -$2.36M     -$2.36M",
    "  P(NPV with the overlay > as written) = 0% of trials",
    "",
    "  Attribution of the change                    one at a time     sequential (file order)",
    "                                      P(NPV > 0)     NPV P50      P(NPV > 0)     NPV P50",
    "  priors.seconds_saved                  -1.5 pts     -$2.13M        -1.5 pts     -$2.13M",
    "  lines.Handle time saved and a ve…          n/a         n/a        -4.2 pts      +$232k",
    "  note: lines.Handle time saved and a very long name.lag: not valid on its own: lag leaves its range",
]

COMPARISONS_TEXT = [
    "Churn: paired comparisons (same draws, trial by trial)",
    "                              P(A > B)   mean A - B  P10 .. P90 of A - B",
    "  as written > conservative      87.5%        £120k  -£5k .. £260k",
    "  as written > optimistic    not paired: the runs differ in seed, trials or sampling (1/100/random vs 2/100/random)",
]


def test_summary_text():
    assert summary_text(SUMMARY, Path("results/x")).split("\n") == SUMMARY_TEXT


def test_sensitivity_text_has_a_column_per_section_and_cuts_at_top():
    text = sensitivity_text(SENS, name="Linear", currency="EUR", horizon_months=12, top=2,
                            result_dir=Path("r/x"))  # fmt: skip
    assert text.split("\n") == SENSITIVITY_TEXT


def test_sensitivity_text_of_payback_shows_months_and_an_infinite_swing():
    text = sensitivity_text(PAYBACK, name="Linear", currency="EUR", horizon_months=24)
    assert text.split("\n") == PAYBACK_TEXT


def test_sensitivity_text_orders_inputs_by_the_first_section_present():
    def order(sens):
        text = sensitivity_text(sens, name="x", currency="USD", horizon_months=12)
        rows = takewhile(bool, text.split("\n")[5:])  # the table ends at a blank line
        return [line.split()[0] for line in rows]

    # precedence: tornado, then Sobol', then rank, then EVPPI, then the model's order
    sens = {"metric": "roi", "base": {"metric": 0.25, "inputs": {"z": 1.0, "y": 2.0}}}
    assert order(sens) == ["z", "y"]
    sens["voi"] = {
        **SENS["voi"],
        "evppi": [{"input": "y", "value": 1.0}, {"input": "z", "value": 0.0}],
    }
    assert order(sens) == ["y", "z"]
    sens["rank"] = [{"input": "z", "spearman": 0.5}, {"input": "y", "spearman": None}]
    assert order(sens) == ["z", "y"]
    sobol = [{"input": "y", "ST": 0.9, "ST_conf": 0.1}, {"input": "z", "ST": 0.1, "ST_conf": 0.1}]
    sens["sobol"] = {"indices": sobol}
    assert order(sens) == ["y", "z"]


def test_overlay_text_notes_changes_not_valid_alone():
    assert overlay_text(REPORT).split("\n") == OVERLAY_TEXT


def test_overlay_text_shows_the_interaction_when_every_change_is_valid():
    one = REPORT["attribution"]["one_at_a_time"]
    rows = [{**r, "prob_npv_positive": -0.01, "npv_p50": 1000.0, "note": ""} for r in one["rows"]]
    inter = {"prob_npv_positive": -0.037, "npv_p50": -216000.0}
    report = {**REPORT, "attribution": {**REPORT["attribution"],
              "one_at_a_time": {"rows": rows, "interaction": inter}}}  # fmt: skip
    lines = overlay_text(report).split("\n")
    assert lines[-1] == "  interaction (total - sum)             -3.7 pts      -$216k"
    assert not any("note:" in line for line in lines)


def test_comparisons_text_says_why_a_pair_is_not_compared():
    assert comparisons_text("Churn", ROWS, "GBP").split("\n") == COMPARISONS_TEXT
