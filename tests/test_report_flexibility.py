"""The value of flexibility in the review pack (issue 16): report_data.json, report.html, report.xlsx.

Real runs of small configs with stage gates (one 0/1 gate over every line,
two gates with labels, a threshold gate, a gate that costs money), each
checked against the summary.json it came with: the pack shows the run's
numbers, never its own. A run without gates has no such section anywhere.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import openpyxl
import pytest
from report_fixture_html import AT_LEAST_GATE, COSTLY_GATE, NO_BENEFITS, ONE_GATE, TWO_GATES

import simulate
from simulate.cli import main
from simulate.files import dumps
from simulate.format import format_money, format_probability
from simulate.report.data import pack_data, read_pack_data
from simulate.report.flexibility import flexibility_view, gate_words
from simulate.report.html import render_html
from simulate.report.words import flexibility_sentence
from simulate.report.xlsx import write_xlsx
from simulate.sensitivity.labels import format_value

CONFIGS = {"one": ONE_GATE, "two": TWO_GATES, "at_least": AT_LEAST_GATE, "costly": COSTLY_GATE}
SUMMARY_KEYS = ("value", "value_interval", "with_gates", "without_gates")
GATE_KEYS = ("name", "month", "continue_if", "at_least", "condition", "lines", "pass_fraction")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Each config run as `simulate run CONFIG --report` leaves it, made once on first use."""
    root = tmp_path_factory.mktemp("gates")
    made: dict[str, Path] = {}

    def get(case: str) -> Path:
        if case not in made:
            config = root / f"{case}.yaml"
            config.write_text(CONFIGS[case], encoding="utf-8")
            argv = ["run", str(config), "--trials", "2000", "--seed", "5", "--report",
                    "--no-figures", "--quiet", "--out", str(root / "out")]  # fmt: skip
            assert main(argv) == 0
            made[case] = root / "out" / case
        return made[case]

    return get


def _files(folder: Path) -> tuple[dict, dict]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return summary, read_pack_data(folder)


def _section(text: str) -> str:
    """The words of the page's flexibility section, tags dropped, entities read."""
    found = re.search(r'<section id="flexibility">(.*?)</section>', text, re.S)
    assert found, "no flexibility section"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- report_data.json -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CONFIGS))
def test_report_data_carries_summary_json_s_block(folders, case):
    summary, data = _files(folders(case))
    flex, block = summary["flexibility"], data["flexibility"]
    for key in SUMMARY_KEYS:
        assert block[key] == flex[key], key
    assert len(block["gates"]) == len(flex["gates"])
    for gate, given in zip(block["gates"], flex["gates"], strict=True):
        assert {k: gate[k] for k in GATE_KEYS} == given
    # the existing keys are as they were, and the summary inside is summary.json itself
    assert data["summary"] == summary
    assert block["sentence"] == flexibility_sentence(flex, summary["currency"])


def test_each_gate_names_its_input_and_lines_as_the_pack_does(folders):
    _, data = _files(folders("two"))
    first, second = data["flexibility"]["gates"]
    assert first["label"] == "Pilot meets its targets" and first["every_line"] is True
    assert first["line_labels"][:2] == ["Contact centre savings", "Upsell from offers"]
    assert second["label"] == "Regional adoption above plan" and second["every_line"] is False
    assert second["lines"] == ["Upsell", "Regional team"]
    assert second["line_labels"] == ["Upsell from offers", "Regional team"]
    register = {a["name"]: a for a in data["assumptions"]}
    assert first["unit"] == register["pilot_succeeds"]["unit"]


def test_a_run_without_gates_has_no_flexibility_anywhere(tmp_path):
    config = tmp_path / "plain.yaml"
    config.write_text(NO_BENEFITS, encoding="utf-8")
    result = simulate.run(simulate.load_config(config), trials=500, seed=2)
    data = json.loads(dumps(pack_data(result)))
    assert "flexibility" not in data and "flexibility" not in data["summary"]
    text = render_html(data, svgs={})
    assert 'id="flexibility' not in text and "option to stop" not in text
    book = openpyxl.load_workbook(write_xlsx(tmp_path, data))
    assert "Flexibility" not in book.sheetnames


# -- report.html ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CONFIGS))
def test_the_page_says_what_the_option_to_stop_is_worth(folders, case):
    summary, data = _files(folders(case))
    flex, cur = summary["flexibility"], summary["currency"]
    text = (folders(case) / "report.html").read_text(encoding="utf-8")
    words = _section(text)
    iv = flex["value_interval"]
    assert (
        f"The option to stop is worth {format_money(flex['value'], cur)} (95% interval "
        f"{format_money(iv['low'], cur)} to {format_money(iv['high'], cur)}" in words
    )
    for side, name in (("with_gates", "With the option to stop"),
                       ("without_gates", "Without the option to stop")):  # fmt: skip
        figures = flex[side]
        row = [name, *(format_money(figures[k], cur) for k in
                       ("npv_mean", "npv_p10", "npv_p50", "npv_p90")),
               format_probability(figures["npv_positive"])]  # fmt: skip
        assert " ".join(row) in words, side
    for gate in data["flexibility"]["gates"]:
        said = (
            f"{gate['name']} , month {gate['month']}: continue where “{gate['label']}” is "
            + (
                "1"
                if gate["at_least"] is None
                else "at least " + format_value(gate["at_least"], gate["unit"], cur, minus="-")
            )
            + f" (passed in {format_probability(gate['pass_fraction'])} of trials); where it fails,"
        )
        assert said in words, (said, words)
    # near the headline figures: after them, before the financial table
    assert text.index('id="headline"') < text.index('id="flexibility"') < text.index('id="tei"')


def test_the_page_names_the_lines_a_gate_stops_and_escapes_names(folders):
    text = (folders("two") / "report.html").read_text(encoding="utf-8")
    words = _section(text)
    assert "where it fails, every line stops." in words
    assert "where it fails, Upsell from offers and Regional team stop." in words
    # a gate's name is text, never markup
    assert "Regional <b>go</b>/no-go" in words and "&lt;b&gt;go&lt;/b&gt;" in text


def test_a_gate_that_costs_money_is_said_to(folders):
    summary, _ = _files(folders("costly"))
    flex = summary["flexibility"]
    assert flex["value_interval"]["high"] < 0  # stopping a line that pays, in half the trials
    words = _section((folders("costly") / "report.html").read_text(encoding="utf-8"))
    assert f"worth {format_money(flex['value'], 'USD')}" in words
    assert "stopping where a gate fails gives up more than it saves" in words


def test_the_sentence_says_when_the_interval_includes_zero():
    block = {"value": 12.0, "value_interval": {"low": -3.0, "high": 27.0}, "gates": [{}, {}]}
    text = flexibility_sentence(block, "USD")
    assert text.startswith("The option to stop is worth $12 (95% interval -$3 to $27, which ")
    assert "includes zero" in text and "at the 2 gates" in text and "gives up" not in text
    block["value_interval"] = {"low": None, "high": None}
    assert "interval" not in flexibility_sentence(block, "USD").split(":")[0]


def test_a_pack_written_before_the_block_shows_the_summary_s(folders):
    """A report_data.json with summary.json's block but no top-level one (names as written)."""
    _, data = _files(folders("two"))
    older = {k: v for k, v in data.items() if k != "flexibility"}
    words = _section(render_html(older, svgs={}))
    assert "Regional <b>go</b>/no-go , month 12: continue where “regional_ok” is 1" in words
    assert "where it fails, Upsell and Regional team stop." in words
    assert flexibility_view(None, "USD") is None


def test_a_threshold_is_written_in_its_input_s_unit():
    gate = {"name": "g", "month": 3, "continue_if": "lift", "at_least": 0.05, "label": "Lift",
            "unit": "percent", "pass_fraction": 0.25, "lines": ["A"], "every_line": True}  # fmt: skip
    words = gate_words(gate, "EUR")
    assert words["condition"] == "“Lift” is at least 5%" and words["passed"] == "25.0%"
    assert words["stops"] == "every line stops"
    gate.update(unit="currency", at_least=25000.0, every_line=False, line_labels=["A", "B", "C"])
    words = gate_words(gate, "EUR")
    assert words["condition"] == f"“Lift” is at least {format_money(25000.0, 'EUR')}"
    assert words["stops"] == "A, B and C stop"


# -- report.xlsx ------------------------------------------------------------------------------------


def _by_label(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


@pytest.mark.parametrize("case", ["two", "at_least"])
def test_the_workbook_s_flexibility_sheet_holds_the_numbers(folders, case):
    summary, data = _files(folders(case))
    flex = summary["flexibility"]
    book = openpyxl.load_workbook(folders(case) / "report.xlsx")
    assert book.sheetnames[:2] == ["Summary", "Flexibility"]
    ws = book["Flexibility"]
    rows = _by_label(ws)
    value = rows["Value of the option to stop (mean NPV, with minus without)"]
    iv = flex["value_interval"]
    assert [ws.cell(value, c).value for c in (2, 3, 4)] == pytest.approx(
        [flex["value"], iv["low"], iv["high"]], rel=1e-15
    )
    assert ws.cell(value, 5).value == iv["method"]
    for side, name in (("with_gates", "With the option to stop"),
                       ("without_gates", "Without the option to stop")):  # fmt: skip
        r, figures = rows[name], flex[side]
        cells = [ws.cell(r, c) for c in range(2, 7)]
        assert [c.value for c in cells] == pytest.approx(
            [figures[k] for k in ("npv_mean", "npv_p10", "npv_p50", "npv_p90", "npv_positive")],
            rel=1e-15,
        )
        assert all("$" in c.number_format for c in cells[:4]) and "%" in cells[4].number_format
    for gate in data["flexibility"]["gates"]:
        r = rows[gate["name"]]
        month, at_least, passed = ws.cell(r, 2), ws.cell(r, 4), ws.cell(r, 5)
        assert month.value == gate["month"] and ws.cell(r, 3).value == gate["label"]
        assert at_least.value == (1 if gate["at_least"] is None else gate["at_least"])
        assert passed.value == pytest.approx(gate["pass_fraction"], rel=1e-15)
        assert "%" in passed.number_format and isinstance(at_least.value, (int, float))
        assert ws.cell(r, 7).value == gate["condition"]
