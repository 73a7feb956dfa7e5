"""simulate.report.data and .words: report_data.json, its blocks, its sentences, its file."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate.cli import main
from simulate.config.priors import parse_prior
from simulate.errors import ConfigError
from simulate.files import dumps
from simulate.metrics import (
    fan_bands,
    outcome_split,
    payback_cdf,
    payback_curve,
    percentiles,
    split_fan,
)
from simulate.plotting.figures import waterfall_items as plotted_waterfall
from simulate.report import data as report_data
from simulate.report.data import (
    FILE_NAME,
    FORMAT,
    comparison_block,
    pack_data,
    read_pack_data,
    run_command,
    write_pack_data,
)
from simulate.report.tei import tei_table
from simulate.report.words import distribution_words, headline_sentence, number_words
from simulate.runner import RunOptions, write_run
from simulate.sensitivity import tornado

TESTS = Path(__file__).resolve().parent
CONFIGS = TESTS.parent / "configs"

CASE = """\
name: Pack <script>alert(1)</script> & co
description: A small case for the pack's numbers.
currency: EUR
horizon_months: 24
simulation: {trials: 2000, seed: 8}
priors:
  cut: {dist: pert, min: 0.05, mode: 0.10, max: 0.20, source: pilot, note: owner - CX}
  fee: {dist: fixed, value: 1500, source: contract}
  spare: {dist: normal, mean: 0.1, sd: 0.02}
  flag: {dist: bernoulli, p: 0.7}
benefits:
  - {type: retention, name: Churn avoided, customers: 20000, arpu: 40, margin: 0.6,
     base_churn: 0.02, churn_reduction: cut, lag: {dist: uniform, min: 1, max: 4}}
costs:
  - {type: one_time, name: Set-up, amount: 50000, scale: flag}
  - {type: recurring, name: Fees, amount: fee, scale: flag}
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(case):
    model = simulate.load_config(case)
    result = simulate.run(model, keep_inputs=False)
    return result, pack_data(result)


# -- the whole dict ------------------------------------------------------------------------------


def test_pack_data_has_the_contracts_blocks_and_is_plain_json(run):
    result, data = run
    assert list(data) == [
        "format", "summary", "config_file", "description", "command", "created", "headline",
        "tei", "assumptions", "drivers", "comparison", "charts",
    ]  # fmt: skip
    assert data["format"] == FORMAT
    assert data["summary"] == result.summary()
    assert data["description"] == "A small case for the pack's numbers."
    assert data["created"].endswith("Z") and len(data["created"]) == 20
    plain = tei_table(result)  # the TEI table, each row with its label added
    assert [{k: v for k, v in r.items() if k != "label"} for r in data["tei"]["rows"]] == plain[
        "rows"
    ]
    assert {k: v for k, v in data["tei"].items() if k != "rows"} == {
        k: v for k, v in plain.items() if k != "rows"
    }
    assert data["comparison"] is None
    json.loads(dumps(data))  # no NaN, no numpy scalar: dumps refuses what JSON cannot hold


def _plain(obj) -> bool:
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return obj is None or type(obj) in (str, int, float, bool)


def test_pack_data_holds_only_plain_python_values(run, case):
    assert _plain(run[1])
    result = simulate.run(simulate.load_config(case), trials=50, seed=2, keep_inputs=True)
    assert _plain(pack_data(result, sensitivity={"rank": [], "breakeven": None, "voi": None}))


def test_the_headline_is_the_roi_of_cx_sentence_from_the_summary(run):
    result, data = run
    s = result.summary()
    m = s["metrics"]
    assert data["headline"]["benefit_pv"] == {
        k: m["pv_benefits"][k] for k in ("p10", "p50", "p90", "mean")
    }
    assert data["headline"]["cost_pv"] == {
        k: m["pv_costs"][k] for k in ("p10", "p50", "p90", "mean")
    }
    sentence = data["headline"]["sentence"]
    assert sentence.startswith("Pack <script>alert(1)</script> & co brings €")
    assert "of benefit (P10-P90 €" in sentence and "in present value at a cost of €" in sentence
    assert "; median ROI " in sentence and sentence.endswith("%.")
    losing = 1.0 - s["probabilities"]["npv_positive"]
    assert f"chance of losing money {losing * 100:.1f}%." in sentence


def test_headline_sentence_worked_example():
    summary = {
        "name": "Omnichannel platform",
        "currency": "USD",
        "metrics": {
            "pv_benefits": {"p10": 8.1e6, "p50": 12.3e6, "p90": 17.0e6},
            "pv_costs": {"p10": 4.0e6, "p50": 4.2e6, "p90": 4.6e6},
            "roi": {"p50": 1.9},
        },
        "probabilities": {"npv_positive": 0.969},
    }
    assert headline_sentence({"summary": summary}) == (
        "Omnichannel platform brings $12.3M of benefit (P10-P90 $8.1M-$17M) in present value "
        "at a cost of $4.2M; median ROI 190%; chance of losing money 3.1%."
    )
    summary["metrics"]["roi"]["p50"] = None
    assert "; ROI undefined (no costs);" in headline_sentence({"summary": summary})
    summary.update(scenario="conservative", overlay={"file": "o.yaml", "name": "CFO review"})
    assert headline_sentence({"summary": summary}).startswith(
        "Omnichannel platform (scenario conservative) (with CFO review) brings $12.3M"
    )


# -- the command ---------------------------------------------------------------------------------


def test_the_command_reproduces_the_run_exactly(tmp_path):
    config = str(CONFIGS / "contact_center_aht.yaml")
    overlay = str(CONFIGS / "overlays" / "cfo_review.yaml")
    first = tmp_path / "first"
    argv = ["run", config, "--scenario", "conservative", "--overlay", overlay, "--seed", "7",
            "--trials", "1500", "--sampling", "lhs", "--no-figures", "--quiet", "--out", str(first)]  # fmt: skip
    assert main(argv) == 0
    (folder,) = first.iterdir()
    command = read_pack_data(folder)["command"]
    words = shlex.split(command)
    assert words[:3] == ["simulate", "run", config]
    assert words[words.index("--scenario") + 1] == "conservative"
    assert words[words.index("--overlay") + 1] == overlay
    again = tmp_path / "again"
    assert main([*words[1:], "--no-figures", "--quiet", "--out", str(again)]) == 0
    assert (again / folder.name / "summary.json").read_bytes() == (
        folder / "summary.json"
    ).read_bytes()


def test_the_command_names_the_seed_trials_and_sampling(run):
    result, data = run
    assert data["command"] == run_command(result)
    assert data["command"].endswith("--seed 8 --trials 2000 --sampling random")
    assert (
        pack_data(result, command="simulate batch configs")["command"] == "simulate batch configs"
    )


def test_a_chunk_size_only_the_api_can_set_is_said(case):
    result = simulate.run(simulate.load_config(case), trials=10, seed=1, chunk_size=4)
    assert run_command(result).endswith("# Python API: chunk_size=4")


# -- the assumptions register -------------------------------------------------------------------


def test_the_register_lists_named_priors_fixed_ones_too_then_inline_priors(run):
    result, data = run
    rows = {a["name"]: a for a in data["assumptions"]}
    assert [a["name"] for a in data["assumptions"]] == ["cut", "fee", "spare", "flag",
                                                        "benefits[0].lag"]  # fmt: skip
    assert rows["cut"]["distribution"] == "PERT 0.05 / 0.10 / 0.20"
    assert (rows["cut"]["source"], rows["cut"]["note"]) == ("pilot", "owner - CX")
    assert rows["cut"]["used_by"] == ["benefits[0].churn_reduction"]
    fee = rows["fee"]
    assert fee["fixed"] and fee["p10"] == fee["p50"] == fee["p90"] == 1500
    assert fee["rank"] is None
    assert rows["spare"]["used_by"] == [] and rows["spare"]["source"] is None
    # a fixed prior is no input, but the line that names it uses it, in its unit
    assert fee["used_by"] == ["costs[1].amount"] and fee["unit"] == "currency"
    assert fee["distribution"] == "Fixed 1,500 EUR"
    assert rows["benefits[0].lag"]["inline"] and rows["benefits[0].lag"]["unit"] == "months"
    assert rows["benefits[0].lag"]["distribution"] == "Uniform 1 to 4 months"
    prior = result.model.priors["cut"]
    np.testing.assert_allclose(
        [rows["cut"][q] for q in ("p10", "p50", "p90")], prior.ppf(np.array([0.1, 0.5, 0.9]))
    )


def test_ranks_and_swings_are_the_npv_tornados(run):
    result, data = run
    rows = tornado(result.model)["rows"]
    by_name = {a["name"]: a for a in data["assumptions"]}
    for rank, row in enumerate(rows, start=1):
        assert (by_name[row["input"]]["rank"], by_name[row["input"]]["swing"]) == (
            rank,
            row["swing"],
        )
    assert data["drivers"]["tornado"] == rows
    assert data["drivers"]["base"] == tornado(result.model)["base"]["npv"]
    assert data["drivers"]["rank"] is None and data["drivers"]["voi"] is None


def test_sensitivity_results_go_into_the_drivers(run):
    result, _ = run
    sens = {"rank": [{"input": "cut", "spearman": 0.9}], "breakeven": [], "voi": {"evpi": 1.0}}
    drivers = pack_data(result, sensitivity=sens)["drivers"]
    assert (drivers["rank"], drivers["breakeven"], drivers["voi"]) == (
        sens["rank"], [], {"evpi": 1.0},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "unit", "words"),
    [
        ({"dist": "pert", "min": 30, "mode": 60, "max": 80}, "seconds", "PERT 30 / 60 / 80 seconds"),
        ({"dist": "pert", "min": 1, "mode": 2, "max": 4, "lambda": 2}, None, "PERT 1 / 2 / 4 (lambda 2)"),
        ({"dist": "triangular", "min": 0.05, "mode": 0.1, "max": 0.2}, None,
         "Triangular 0.05 / 0.10 / 0.20"),
        ({"dist": "normal", "mean": 0.1, "sd": 0.02}, None, "Normal mean 0.1, sd 0.02"),
        ({"dist": "normal", "p10": 10, "p90": 30, "min": 0}, None, "Normal P10 10, P90 30, min 0"),
        ({"dist": "lognormal", "median": 5000, "p90": 20000}, "USD",
         "Lognormal median 5,000, P90 20,000 USD"),
        ({"dist": "beta", "alpha": 2, "beta": 5}, None, "Beta alpha 2, beta 5"),
        ({"dist": "uniform", "min": 9, "max": 15.5}, "months", "Uniform 9.0 to 15.5 months"),
        ({"dist": "metalog", "p10": 0.03, "p50": 0.08, "p90": 0.16, "min": 0}, None,
         "Metalog P10 0.03, P50 0.08, P90 0.16, min 0"),
        ({"dist": "discrete", "values": [45000, 60000], "probs": [0.25, 0.75]}, None,
         "Discrete 45,000 (25%), 60,000 (75%)"),
        ({"dist": "bernoulli", "p": 0.8}, None, "Bernoulli: 1 with probability 0.8, else 0"),
        ({"dist": "fixed", "value": 1e-7}, None, "Fixed 1e-07"),
    ],
)  # fmt: skip
def test_distribution_words(spec, unit, words):
    assert distribution_words(parse_prior(spec, "priors.x"), unit) == words


def test_number_words_pads_and_separates():
    assert number_words(5000) == "5,000"
    assert number_words(0.1, 2) == "0.10"
    assert number_words(0) == "0"
    assert number_words(1234567.5) == "1,234,567.5"


# -- the charts' data ----------------------------------------------------------------------------


def test_chart_data_is_quantiles_curves_and_bands_of_the_run(run):
    result, data = run
    charts = data["charts"]
    levels = (np.arange(2001) + 0.5) / 2001 * 100
    assert charts["npv_quantiles"] == percentiles(result.npv, levels).tolist()
    roi = result.roi[~np.isnan(result.roi)]
    assert roi.size < result.trials  # the flag sets every cost to 0 in some trials
    assert charts["roi_quantiles"] == percentiles(roi, levels).tolist()
    months, prob = payback_curve(result.payback_months, result.model.horizon_months)
    assert charts["payback"] == {"months": months.tolist(), "prob": prob.tolist()}
    months, prob = payback_cdf(result.payback_months, result.model.horizon_months)
    assert charts["payback_cdf"] == {"months": months.tolist(), "prob": prob.tolist()}
    bands = fan_bands(result.paths)
    assert charts["fan"]["bands"] == {k: v.tolist() for k, v in bands.items()}
    assert charts["fan"]["n_paths"] == 2000 and charts["fan"]["months"] == list(range(25))
    assert outcome_split(result.npv, result.flags) is None and charts["fan"]["groups"] is None
    assert charts["npv_groups"] is None  # no group: the histogram is npv_quantiles alone
    assert charts["waterfall"] == [list(item) for item in plotted_waterfall(result)]


ONE_MONTH = """\
name: One-month horizon
horizon_months: 1
priors:
  saved: {dist: pert, min: 20, mode: 40, max: 60}
benefits:
  - {type: handle_time, name: Saving, contacts_per_month: 100000, seconds_saved: saved,
     cost_per_hour: 40}
costs:
  - {type: one_time, name: Build, amount: {dist: uniform, min: 20000, max: 60000}}
"""


def test_the_payback_curve_is_the_ecdf_of_the_paybacks_within_the_month(tmp_path):
    """A one-month horizon: the paybacks fall within month 1, and so does the curve's rise.

    The whole-month curve (``payback``) is 0 at month 0 and jumps at month
    1; ``payback_cdf`` is what figures/payback draws, every step of it.
    """
    path = tmp_path / "h1.yaml"
    path.write_text(ONE_MONTH, encoding="utf-8")
    model = simulate.load_config(path)
    result = simulate.run(model, trials=2000, seed=7, keep_inputs=False)
    charts = report_data.chart_data(result)
    assert charts["payback"]["months"] == [0.0, 1.0]
    months, prob = payback_cdf(result.payback_months, 1)
    assert charts["payback_cdf"] == {"months": months.tolist(), "prob": prob.tolist()}
    inside = [p for m, p in zip(*charts["payback_cdf"].values(), strict=True) if 0 < m < 1]
    assert len(inside) > 100 and 0 < inside[0] < inside[-1] <= prob[-1]


def test_a_split_outcome_keeps_each_group_s_fan():
    """A success flag that splits the outcome: each group's bands, as figures/cashflow draws them."""
    model = simulate.load_config(TESTS / "chart_configs" / "failure_flag.yaml")
    result = simulate.run(model, trials=3000, seed=3, keep_inputs=False)
    split = outcome_split(result.npv, result.flags)
    assert split is not None
    groups = json.loads(dumps(report_data.chart_data(result)))["fan"]["groups"]
    assert groups == [
        {
            "label": label,
            "share": share,
            "n_paths": n,
            "bands": {k: v.tolist() for k, v in b.items()},
        }
        for label, share, n, b in split_fan(result.paths, split)
    ]
    assert [g["label"] for g in groups] == ["works = 1", "works = 0"]
    assert sum(g["n_paths"] for g in groups) == 2000


def test_a_split_outcome_keeps_each_group_s_npv():
    """A success flag that splits the outcome: each group's NPV, as figures/npv splits it.

    The groups are the trials where the flag drew 1 and 0: their shares and
    numbers of trials are the flag's, they add up to the run, and each grid
    is the group's NPV at the levels of ``npv_quantiles``.
    """
    model = simulate.load_config(TESTS / "chart_configs" / "failure_flag.yaml")
    result = simulate.run(model, trials=3000, seed=3, keep_inputs=False)
    assert outcome_split(result.npv, result.flags).flag == "works"
    charts = json.loads(dumps(report_data.chart_data(result)))
    groups = charts["npv_groups"]
    assert [g["label"] for g in groups] == ["works = 1", "works = 0"]
    assert list(groups[0]) == ["label", "share", "trials", "npv_quantiles"]
    works = result.flags["works"]
    levels = (np.arange(2001) + 0.5) / 2001 * 100
    for g, mask in zip(groups, (works, ~works), strict=True):
        assert g["trials"] == np.count_nonzero(mask)
        assert g["share"] == np.count_nonzero(mask) / result.trials
        assert g["npv_quantiles"] == percentiles(result.npv[mask], levels).tolist()
    assert sum(g["trials"] for g in groups) == result.trials
    assert sum(g["share"] for g in groups) == pytest.approx(1.0, abs=1e-12)
    # the fan's groups are the same groups, with the same shares
    assert [(g["label"], g["share"]) for g in charts["fan"]["groups"]] == [
        (g["label"], g["share"]) for g in groups
    ]
    # and the grid of all the trials is what it was
    assert charts["npv_quantiles"] == percentiles(result.npv, levels).tolist()


# -- the comparison ------------------------------------------------------------------------------


def test_scenario_rows_become_the_comparison_block():
    rows = [{"a": None, "b": "low", "paired": True, "prob_a_above_b": 0.8, "prob_b_above_a": 0.15,
             "npv_diff_mean": 5.0,
             "npv_diff_p10": 1.0, "npv_diff_p50": 4.0, "npv_diff_p90": 9.0, "note": ""}]  # fmt: skip
    block = comparison_block(rows)
    assert block["kind"] == "scenarios" and block["attribution"] is None
    (row,) = block["rows"]
    assert (row["a"], row["b"], row["p_a_beats_b"]) == ("as written", "low", 0.8)
    assert row["p_b_beats_a"] == 0.15  # ties count for neither: not 1 - 0.8
    assert row["diff"] == {"p10": 1.0, "p50": 4.0, "p90": 9.0, "mean": 5.0}
    assert comparison_block(block) == block and comparison_block(None) is None


def test_an_overlay_report_becomes_the_comparison_block(tmp_path):
    config = str(CONFIGS / "contact_center_aht.yaml")
    overlay = str(CONFIGS / "overlays" / "cfo_review.yaml")
    argv = ["run", config, "--overlay", overlay, "--trials", "500", "--seed", "1", "--no-figures",
            "--quiet", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((tmp_path / "contact_center_aht--cfo_review" / "overlay.json").read_text())
    block = comparison_block(report)
    assert block["kind"] == "overlay"
    (row,) = block["rows"]
    assert (row["a"], row["b"]) == ("CFO review", "as written")
    assert row["p_a_beats_b"] == report["paired"]["prob_a_above_b"]
    assert row["p_b_beats_a"] == report["paired"]["prob_b_above_a"]
    assert row["diff"]["p50"] == report["paired"]["npv_diff_p50"]
    assert block["attribution"] == report["attribution"]["sequential"]["rows"]


# -- the file ------------------------------------------------------------------------------------


def test_write_then_read_gives_the_data_back(run, tmp_path):
    _, data = run
    path = write_pack_data(tmp_path, data)
    assert path == tmp_path / FILE_NAME
    assert read_pack_data(tmp_path) == json.loads(dumps(data))
    assert not [p for p in tmp_path.iterdir() if p.name != FILE_NAME]  # no temporary file left


def _read_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as err:
        read_pack_data(folder)
    (problem,) = err.value.problems
    assert problem.file == str(folder / FILE_NAME)
    text = str(problem)
    assert "run `simulate run CONFIG` again, or `simulate report CONFIG`" in text
    assert "\n" not in text
    return text


def test_a_missing_file_is_an_error_naming_it_and_the_fix(tmp_path):
    assert "no report_data.json in this folder" in _read_error(tmp_path)
    assert "no report_data.json" in _read_error(tmp_path / "not-there")


def test_a_truncated_file_is_an_error_with_its_line(run, tmp_path):
    write_pack_data(tmp_path, run[1])
    path = tmp_path / FILE_NAME
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    message = _read_error(tmp_path)
    assert "is not complete JSON" in message and f"{FILE_NAME}:" in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"name": "a summary.json"}', "not a simulate report data file"),
        ("[1, 2]", "not a simulate report data file"),
        ('{"format": "simulate-report-data/2"}', "written by another version of simulate"),
        ('{"format": "something else"}', "is not report data"),
        (f'{{"format": "{FORMAT}", "summary": {{}}}}', "lacks config_file, description"),
        ("", "is not complete JSON"),
    ],
)
def test_a_foreign_file_is_an_error(tmp_path, content, words):
    (tmp_path / FILE_NAME).write_text(content, encoding="utf-8")
    assert words in _read_error(tmp_path)


def test_an_unreadable_file_is_an_error(tmp_path):
    (tmp_path / FILE_NAME).mkdir()  # a folder where the file should be
    assert "cannot be read" in _read_error(tmp_path)
    (tmp_path / FILE_NAME).rmdir()
    (tmp_path / FILE_NAME).write_bytes(b"\xff\xfe not utf-8")
    assert "cannot be read" in _read_error(tmp_path)


# -- written with every run ----------------------------------------------------------------------


def test_write_run_saves_the_pack_data_with_the_charts_tornado(case, tmp_path, monkeypatch):
    import simulate.plotting.figures as figures

    seen = []
    monkeypatch.setattr(
        figures,
        "write_standard",
        lambda folder, result, fmts, rows, names=None: seen.append(rows) or [],
    )
    result = simulate.run(simulate.load_config(case), keep_inputs=False)
    write_run(tmp_path, result, RunOptions(), command="simulate run X", comparison=[])
    data = read_pack_data(tmp_path)
    assert data["command"] == "simulate run X"
    assert data["comparison"] == {"kind": "scenarios", "baseline": "as written", "rows": [],
                                  "attribution": None}  # fmt: skip
    (rows,) = seen
    assert data["drivers"]["tornado"] == json.loads(dumps(rows["rows"]))
    assert data["summary"] == json.loads((tmp_path / "summary.json").read_text())


def test_the_pack_data_does_not_load_the_renderers():
    code = (
        "import sys, simulate.runner, simulate.report.data; "
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'xlsxwriter', 'scipy.stats') "
        "if m in sys.modules))"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert report_data.QUANTILE_LEVELS == 2001


def test_override_words_name_a_prior_by_its_label():
    from simulate.report.words import override_words

    labels = {"seconds_saved": "Seconds saved per contact", "plain": "plain"}
    assert override_words("priors.seconds_saved", labels) == (
        "Seconds saved per contact (priors.seconds_saved)"
    )
    assert override_words("priors.seconds_saved.max", labels) == (
        "Seconds saved per contact (priors.seconds_saved.max)"
    )
    assert override_words("priors.plain", labels) == "priors.plain"  # no label: the path
    assert override_words("lines.Handle time saved.lag", labels) == "lines.Handle time saved.lag"
    assert override_words("discount_rate", labels) == "discount_rate"


def test_the_page_counts_uncertain_inputs_as_validate_does_and_fixed_ones_apart(run, capsys, case):
    from simulate.report.html import render_html

    _, data = run
    text = render_html(data, {})
    assert "3 uncertain inputs, 1 fixed, largest effect on NPV first" in text
    assert main(["validate", str(case)]) == 0
    assert "3 uncertain input(s)" in capsys.readouterr().out
    fee = text[text.index(">fee<") :].split("</tr>")[0]
    assert "not used" not in fee and "€1.5k" in fee
