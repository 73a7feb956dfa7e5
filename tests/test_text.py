"""Terminal text: each table from hand-made results, line by line.

The inputs are written out here (not computed) so every branch of a table is
reached: a long input name, a discrete break-even, undefined numbers, EVPPI
below the noise floor, an infinite payback swing, an overlay change that is
not valid on its own and a pair of runs that do not share their draws.
"""

from __future__ import annotations

import json
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


# What each function printed for these inputs when text.py was split out (the summary:
# as laid out since issue 13, here for a summary.json written before intervals).
SUMMARY_TEXT = [
    "Agent assist [conservative]",
    "  20,000 trials, seed 7, lhs sampling, 36 months at 10.0% a year",
    "",
    "  P(NPV > 0)            94.3%",
    "  NPV   P10/P50/P90     -$125k / $558k / $998k",
    "  NPV   mean            $555k",
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


# -- intervals beside the figures (issue 13) ----------------------------------------------------


def _fig(estimate, low, high, method="t interval, independent trials"):
    return {"estimate": estimate, "low": low, "high": high, "method": method}


PRECISE = {
    **SUMMARY,
    "scenario": None,
    "targets": {"payback_months": 18.0, "roi": 0.5},
    "probabilities": {**SUMMARY["probabilities"], "roi_at_least_target": 0.99996},
    "precision": {
        "level": 0.95,
        "figures": {
            "npv_mean": _fig(555000.0, 545000.0, 565000.0),
            "npv_positive": _fig(0.9432, 0.9400, 0.9464),
            "npv_p10": _fig(-125000.0, -140000.0, -110000.0),
            "npv_p50": _fig(558000.0, 551000.0, 565000.0),
            "npv_p90": _fig(998000.0, 980000.0, 1016000.0),
            "roi_p50": _fig(0.414, 0.411, 0.417),
            "payback_p50": _fig(22.2, 22.1, 22.3),
            "payback_within_target": _fig(0.071, 0.0686, 0.0734),
            "roi_at_least_target": _fig(0.99996, 0.99982, 0.999993),
        },
    },
    "stop": {"reason": "precision", "trials": 20000,
             "targets": {"npv_positive": "0.5pp", "npv_p50": "2%"}, "max_trials": 10_000_000},
}  # fmt: skip

PRECISE_TEXT = [
    "Agent assist",
    "  20,000 trials, seed 7, lhs sampling, 36 months at 10.0% a year",
    "",
    "  P(NPV > 0)            94.3% ± 0.3 pp",
    "  NPV   P10/P50/P90     -$125k ± $15k / $558k ± $7k / $998k ± $18k",
    "  NPV   mean            $555k ± $10k",
    "  ROI   P10/P50/P90     -7.73% / 41.4% ± 0.3 pp / n/a",
    "  Payback median        22.2 months ± 0.1   (paid back within the horizon: 98.5%)",
    "  P(payback by target)  7.1% ± 0.2 pp",
    "  P(ROI >= target)      99.996% (95%: 99.98% to 99.999%)",
    "",
    "  ± is half a 95% interval of the simulation's own noise (see summary.json)",
    "  Precision targets npv_positive=0.5pp, npv_p50=2%",
    "  met at two check points in a row: stopped at 20,000 trials",
    "",
    "  Results: results/x",
]


def test_summary_text_with_intervals():
    assert summary_text(PRECISE, Path("results/x")).split("\n") == PRECISE_TEXT


def test_summary_text_never_prints_a_false_certainty():
    figures = dict(PRECISE["precision"]["figures"])
    figures["npv_positive"] = _fig(1.0, 0.99981, 1.0, "Wilson, independent trials")
    figures["payback_within_target"] = _fig(0.0004, 0.0001, 0.0011, "Wilson, independent trials")
    s = {**PRECISE, "precision": {"level": 0.95, "figures": figures}, "stop": None}
    lines = summary_text(s).split("\n")
    assert "  P(NPV > 0)            100% (95%: 99.98% to 100%)" in lines
    assert "  P(payback by target)  0.04% (95%: 0.01% to 0.1%)" in lines
    assert not any("Precision targets" in line for line in lines)


def test_summary_text_says_which_targets_a_capped_run_missed():
    stop = {"reason": "max_trials", "trials": 40960,
            "targets": {"npv_positive": "0.5pp", "npv_mean": "1000"}, "max_trials": 45000}  # fmt: skip
    lines = summary_text({**PRECISE, "stop": stop}).split("\n")
    assert lines[-2:] == [
        "  Precision targets npv_positive=0.5pp, npv_mean=1000",
        "  not all met (npv_mean=1000): stopped at 40,960 trials, the --max-trials limit (45,000)",
    ]


def test_summary_text_says_why_a_capped_run_whose_targets_all_hold_did_not_stop():
    # Every interval is within its target at the cap, but the run did not stop there.
    stop = {"reason": "max_trials", "trials": 8192, "targets": {"npv_positive": "0.5pp"},
            "max_trials": 10000, "checks": [{"trials": 8192, "met": True}]}  # fmt: skip
    lines = summary_text({**PRECISE, "stop": stop}).split("\n")
    assert lines[-2:] == [
        "  Precision targets npv_positive=0.5pp",
        "  met at the last check point only, where two in a row are needed: stopped at 8,192 "
        "trials, the --max-trials limit (10,000)",
    ]
    stop["checks"] = [{"trials": 8192, "met": False}]  # a stand-in interval (too few batches)
    assert summary_text({**PRECISE, "stop": stop}).split("\n")[-1] == (
        "  met only by intervals taken as if the trials were independent; 10 batches are "
        "needed to measure the error: stopped at 8,192 trials, the --max-trials limit (10,000)"
    )


def test_a_payback_beyond_the_horizon_prints_its_open_interval():
    figures = dict(PRECISE["precision"]["figures"])
    figures["payback_p50"] = _fig(None, 35.5, None, "order statistics, independent trials")
    s = {**PRECISE, "metrics": {**PRECISE["metrics"], "payback_months": {"p50": None}},
         "precision": {"level": 0.95, "figures": figures}}  # fmt: skip
    line = next(x for x in summary_text(s).split("\n") if "Payback median" in x)
    assert line.startswith("  Payback median        > 36 months (95%: 35.5 months to ...)")


def test_sensitivity_text_shows_intervals_and_open_orders():
    sens = json.loads(json.dumps(SENS))
    sens["rank"][0].update(spearman_low=0.90, spearman_high=0.92, order_resolved=False)
    sens["rank"][1].update(spearman_low=0.89, spearman_high=0.93, order_resolved=None)
    text = sensitivity_text(sens, name="Linear", currency="EUR", horizon_months=12)
    assert "+0.91 ± 0.01" in text
    assert "  Order not resolved at this sample size (95% intervals overlap):" in text
    assert "    rank rho: " + " ≈ ".join(r["input"] for r in sens["rank"][:2]) in text
