"""report.html and report.pdf: the page's content, its escaping, and how a real browser shows it.

The fast tests render the hand-made data of :mod:`report_fixture_html` and
read the page with :mod:`html.parser`. The browser tests drive a headless
Chromium over its DevTools pipe: they load the page, record every request
and console message, read the headline figure off the page, take a
screenshot and print it on A4 and Letter. Without a browser they skip,
unless ``SIMULATE_REQUIRE_BROWSER=1`` (CI), which makes that a failure.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import os
import re
import stat
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from report_fixture_html import (
    AT_LEAST_GATE,
    NEVER_PAYS_BACK,
    NO_BENEFITS,
    Chromium,
    make_data,
    many_inputs,
    many_lines,
    page_problems,
    pdf_pages,
)

import simulate
from simulate.cli import main
from simulate.compare import PairedRun, scenario_comparisons
from simulate.config import load_overlay
from simulate.errors import ConfigError
from simulate.files import dumps
from simulate.format import format_money, format_percent, format_probability
from simulate.overlay import overlay_analysis
from simulate.report import charts as chart_module
from simulate.report import pdf as report_pdf
from simulate.report.charts import CHARTS, LABEL_CHARS, report_svgs
from simulate.report.data import pack_data, read_pack_data
from simulate.report.frontier import frontier_cell
from simulate.report.html import render_html, write_html
from simulate.report.page import MAX_YEAR_COLUMNS, PRINT_INPUTS, tei_view
from simulate.report.tei_rows import PRINT_LINES, risk_adjustment
from simulate.runner import RunOptions
from simulate.sensitivity.analysis import analyze
from simulate.sensitivity.labels import format_value

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LINES_12 = {
    "benefits": [
        "Churn avoided",
        "Sales conversion",
        "Personalised offers",
        "Agent assist",
        "Self-service deflection",
        "Legacy systems retired",
        "Office space released",
    ],
    "costs": ["Platform build", "Change management", "Licences", "Platform team", "Hardware"],
}


@pytest.fixture(scope="module")
def svgs():
    """The charts of the standard fixture, drawn once (the slow part of a page)."""
    return report_svgs(make_data())


class _Page(HTMLParser):
    """The parts of a page the tests read: texts by element id, table cells, every attribute."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.ids: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.text_by_id: dict[str, list[str]] = {}
        self.tags: list[str] = []
        self.rows: list[list[str]] = []  # the TEI table's rows, a text per cell
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
        if "id" in a:
            self.ids.append(a["id"])
        if tag in ("meta", "br", "img", "input", "link"):
            return
        self.stack.append((tag, a.get("id")))
        if tag == "tr" and self._in("tei"):
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("meta", "br", "img", "input", "link"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" | ".join(t for t in self._cell if t.strip()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, ident in self.stack:
            if ident:
                self.text_by_id.setdefault(ident, []).append(data)
        if self._cell is not None:
            self._cell.append(data.strip())

    def _in(self, ident: str) -> bool:
        return any(i == ident for _, i in self.stack)

    def text(self, ident: str) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text_by_id.get(ident, []))).strip()


def page_of(data, svgs=None) -> tuple[str, _Page]:
    text = render_html(data, svgs if svgs is not None else report_svgs(data))
    return text, _Page(text)


# -- what the page says ------------------------------------------------------------------------


def test_every_section_is_there_in_order(svgs):
    text, page = page_of(make_data(comparison="overlay"), svgs)
    order = [
        "headline",
        "figure-npv_positive",
        "tei",
        "charts",
        "assumptions",
        "drivers",
        "comparison",
        "provenance",
    ]
    positions = [text.index(f'id="{ident}"') for ident in order]
    assert positions == sorted(positions)
    for key in ("npv", "payback", "cashflow", "tornado", "waterfall"):
        assert f"chart-{key}" in page.ids
    assert "what a pilot is worth" in page.text("drivers").lower()
    assert "Break-even values" in page.text("drivers")


def test_the_headline_figures_are_the_summary_s(svgs):
    data = make_data()
    _, page = page_of(data, svgs)
    s = data["summary"]
    p = s["probabilities"]["npv_positive"]
    assert page.text("figure-npv_positive").startswith(f"P(NPV > 0) {format_probability(p)}")
    # without summary.precision: P(NPV > 0) and mean NPV carry 1.96 standard errors
    half = 1.959963984540054 * s["probabilities"]["npv_positive_se"]
    assert f"± {half * 100:.2g} pp (95%)" in page.text("figure-npv_positive")
    se = s["metrics"]["npv"]["se_mean"]
    assert f"mean ± {format_money(1.959963984540054 * se, 'USD')}" in page.text("figure-npv")
    assert data["headline"]["sentence"] in page.text("headline")
    assert format_money(s["metrics"]["npv"]["cvar5"], "USD") in page.text("figure-cvar5")


def test_precision_figures_replace_the_standard_errors(svgs):
    _, page = page_of(make_data(precision=True), svgs)
    assert "95% interval 88.5% to 88.9%" in page.text("figure-npv_positive")
    assert "95% interval $4.56M to $4.61M" in page.text("figure-npv")
    assert "pp (95%)" not in page.text("figure-npv_positive")


def _tei_rows(page: _Page) -> dict[str, list[str]]:
    return {r[0]: r[1:] for r in page.rows if r and r[0]}


def accounting(value: float, sign: float = 1.0) -> str:
    """An amount as a statement prints it: an outflow or a loss in parentheses."""
    value *= sign
    text = format_money(abs(value), "USD")
    return f"({text})" if value < 0 else text


def test_tei_cells_show_the_data_s_numbers(svgs):
    data = make_data()
    _, page = page_of(data, svgs)
    rows = _tei_rows(page)
    headings = next(r for r in page.rows if r and r[0] == "")
    assert headings[1:] == [*data["tei"]["columns"], "Deterministic PV", "Implied risk adjustment"]
    seen_negative = False
    for row in data["tei"]["rows"]:
        shown = rows[row["name"]]
        sign = -1.0 if row["kind"] in ("cost", "total_costs") else 1.0
        assert len(shown) == len(row["cells"]) + 2
        for cell, text in zip(row["cells"], shown, strict=False):
            parts = text.split(" | ")
            assert parts[0] == accounting(cell["p50"], sign), (row["name"], text)
            seen_negative |= cell["p50"] * sign < 0
            if cell["p10"] == cell["p90"]:  # no range to show
                assert len(parts) == 1, (row["name"], text)
            else:
                expected = f"{accounting(cell['p10'], sign)}–{accounting(cell['p90'], sign)}"
                assert parts[1] == expected, (row["name"], text)
        assert shown[-2] == accounting(row["deterministic"][-1], sign)
        adjustment = row["risk_adjustment"]
        assert shown[-1] == ("n/a" if adjustment is None else format_percent(round(adjustment, 3)))
    assert seen_negative  # costs and the initial net outflow, in parentheses
    assert rows["Platform build"][0].startswith("($")


def test_a_mean_is_shown_only_where_it_differs_materially(svgs):
    data = make_data()
    _, page = page_of(data, svgs)
    rows = _tei_rows(page)
    churn = data["tei"]["rows"][0]  # made skewed: mean 1.32 x median
    pv = churn["cells"][-1]
    assert rows["Churn avoided"][len(churn["cells"]) - 1].endswith(
        f"mean {format_money(pv['mean'], 'USD')}"
    )
    plain = data["tei"]["rows"][1]  # mean 1.02 x median, P10-P90 0.46 x: not material
    assert "mean" not in rows[plain["name"]][len(plain["cells"]) - 1]


def test_a_rare_event_shows_its_mean_and_an_invisible_spread_no_range(svgs):
    data = make_data()
    rows = data["tei"]["rows"]
    rare = next(r for r in rows if r["kind"] == "cost")
    rare["cells"][1] = {"p10": 0.0, "p50": 0.0, "p90": 0.0, "mean": 5_000.0}  # 5% of trials
    tiny = rows[0]
    tiny["cells"][2] = {"p10": 171_990.0, "p50": 172_000.0, "p90": 172_010.0, "mean": 172_004.0}
    _, page = page_of(data, svgs)
    shown = _tei_rows(page)
    assert shown[rare["name"]][1] == "$0 | mean ($5k)"
    assert shown[tiny["name"]][2] == "$172k"  # no "$172k to $172k", no "mean $172k"


def test_a_one_month_horizon_is_one_month_not_1_months():
    text, _ = page_of(make_data(horizon_months=1), svgs={})
    assert "paid back within 1 month:" in text
    assert not re.search(r"\b1 months\b|months 1-1\b", text)


def test_a_long_horizon_keeps_the_table_to_a_page_s_width():
    data = make_data(horizon_months=606)  # 50 years and a half
    _, page = page_of(data, svgs={})
    headings = next(r for r in page.rows if r and r[0] == "")[1:]
    years = [h for h in headings if h.startswith("Year")]
    assert len(years) == MAX_YEAR_COLUMNS
    assert headings[0] == "Initial" and headings[-4:-2] == ["Total", "Present value"]
    assert f"Years {MAX_YEAR_COLUMNS - 1}-50" in headings
    assert headings[MAX_YEAR_COLUMNS] == "Year 51 (months 601-606)"
    # the grouped column is the sum of the years' means: a sum of medians would mean nothing
    net = data["tei"]["rows"][-1]
    group = slice(MAX_YEAR_COLUMNS - 1, 51)
    total = sum(c["mean"] for c in net["cells"][group])
    cell = _tei_rows(page)["Net benefits"][MAX_YEAR_COLUMNS - 1]
    assert cell == f"{format_money(total, 'USD')} | sum of means"


def test_a_subset_of_the_trials_is_said():
    _, page = page_of(make_data(trials=2_000_000, trials_used=500_000), svgs={})
    assert "from the first 500,000 of 2,000,000 trials" in page.text("tei")
    _, page = page_of(make_data(), svgs={})
    assert "from the first" not in page.text("tei")


def test_the_register_flags_inputs_without_a_source(svgs):
    data = make_data(n_inputs=9)
    _, page = page_of(data, svgs)
    missing = [a for a in data["assumptions"] if not a["source"] and a["used_by"]]
    assert missing
    assert f"{len(missing)} without a source" in page.text("assumptions")
    assert page.text("assumptions").count("no source") == len(missing)
    assert "not used" in page.text("assumptions")  # the last input is used by no line
    assert "PERT 30 / 60 / 80 seconds" in page.text("assumptions")


def test_a_project_that_never_pays_back(svgs):
    _, page = page_of(make_data(never_pays_back=True), svgs={})
    assert "> 60 months" in page.text("figure-payback")
    assert page.text("figure-npv_positive").startswith("P(NPV > 0) 0%")


def test_the_overlay_comparison_and_its_attribution(svgs):
    data = make_data(comparison="overlay")
    _, page = page_of(data, svgs)
    text = page.text("comparison")
    row = data["comparison"]["rows"][0]
    assert format_probability(row["p_a_beats_b"]) in text
    for k in ("p10", "p50", "p90"):
        assert format_money(row["diff"][k], "USD") in text
    assert "priors.overrun -6.2 pp -$1.1M -$1.05M" in text
    assert "P(B beats A)" not in text  # the data has no p_b_beats_a
    data["comparison"]["rows"][0]["p_b_beats_a"] = 0.75  # ties: 0.1875 + 0.75 < 1
    text = page_of(data, svgs)[1].text("comparison")
    assert "P(B beats A)" in text and "18.8% 75.0%" in text


def test_an_override_of_a_labelled_prior_is_named_by_its_label(svgs):
    """overlay.json names an override by its path; the pack adds the prior's label."""
    data = make_data(comparison="overlay")
    data["assumptions"].append({**data["assumptions"][0], "name": "overrun",
                                "label": "Platform build overrun"})  # fmt: skip
    text = page_of(data, svgs)[1].text("comparison")
    assert "Platform build overrun (priors.overrun) -6.2 pp" in text
    assert "benefits[0].adoption -2.1 pp" in text  # a line's field: its path says it
    _, page = page_of(make_data(), svgs)
    assert "comparison" not in page.ids


def test_markup_in_any_text_of_the_config_is_shown_as_text():
    data = make_data(
        name=MARKUP, description=MARKUP, note=MARKUP, benefits=[MARKUP], costs=["Build"]
    )
    data["assumptions"][1]["source"] = MARKUP
    data["drivers"]["tornado"][0]["input"] = MARKUP
    data["command"] = f"simulate run '{MARKUP}.yaml'"
    text, page = page_of(data)
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert "script" not in page.tags and "img" not in page.tags
    assert page.text("tei").count(MARKUP) >= 1  # the line's name, as text
    assert MARKUP in page.text("assumptions") and MARKUP in page.text("provenance")
    h1 = re.search(r"<h1>(.*?)</h1>", text, re.S).group(1)
    assert "&lt;script&gt;" in h1


def test_the_page_refers_to_nothing_outside_itself(svgs):
    text, page = page_of(make_data(comparison="scenarios"), svgs)
    assert external_references(text) == []
    assert not {"script", "link", "iframe", "object", "embed", "img"} & set(page.tags)


def external_references(text: str) -> list[str]:
    """Every src=, href=, url(...) or @import that is not a fragment or a data: URL."""
    found = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", text, re.I)
    found += re.findall(r"""url\(\s*["']?([^"')]+)""", text, re.I)
    found += re.findall(r"""@import\s+["']?([^"';\s]+)""", text, re.I)
    return [u for u in found if not u.startswith(("#", "data:"))]


def test_the_reference_check_catches_each_kind():
    page = (
        '<img src="http://x/a.png"><a href=//x/b>b</a><div style="background:url(c.png)">'
        "<style>@import 'd.css';</style><svg><use href='#ok'/></svg><i style='x:url(#ok)'>"
    )
    assert external_references(page) == ["http://x/a.png", "//x/b", "c.png", "d.css"]


def test_the_charts_are_svg_with_text_as_text_and_ids_of_their_own(svgs):
    text, page = page_of(make_data(), svgs)
    assert len(page.ids) == len(set(page.ids)), "an id is used twice"
    for key, svg in svgs.items():
        assert svg.startswith("<svg") and "<?xml" not in svg and "<metadata" not in svg
        assert f'aria-label="{CHARTS[key]}"' in svg
        assert f">{CHARTS[key]}</text>" in svg  # the title, as text
        families = re.findall(r"font-family:\s*([^;\"]+)", svg)
        assert families and all(f.rstrip().endswith("sans-serif") for f in families)
        refs = re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", svg)
        assert all((a or b).startswith(f"{key}-") for a, b in refs)
    assert "<text" in text


def test_the_charts_are_drawn_from_the_data_s_numbers(svgs):
    data = make_data()
    npv = data["summary"]["metrics"]["npv"]
    # the histogram's markers are the summary's P10 / P50 / P90
    for k in ("p10", "p50", "p90"):
        label = format_money(npv[k], "USD", minus="\u2212")
        assert label in svgs["npv"], k
    # a line of the waterfall and an input of the tornado
    assert ">Licences</text>" in svgs["waterfall"]
    assert data["drivers"]["tornado"][0]["input"] in svgs["tornado"]


def test_no_tornado_without_rows_and_a_comparison_chart_when_the_data_has_one():
    data = make_data(n_inputs=0, comparison="scenarios")
    data["charts"]["comparison"] = [
        {
            "label": "as written",
            "npv_quantiles": data["charts"]["npv_quantiles"],
            "npv_positive": 0.8873,
        },
        {
            "label": "optimistic",
            "npv_quantiles": [v + 1e6 for v in data["charts"]["npv_quantiles"]],
            "npv_positive": 0.95,
        },
    ]
    svgs = report_svgs(data)
    assert "tornado" not in svgs
    assert "optimistic" in svgs["comparison"]


def test_a_long_name_without_spaces_keeps_the_charts_and_tables_whole():
    long = "Customer" + "x" * 150  # cannot wrap: at full length it squeezed a plot to nothing
    data = make_data(benefits=[long, "Agent assist"], n_inputs=3)
    data["drivers"]["tornado"][0]["input"] = long
    data["assumptions"][0]["name"] = long
    svgs = report_svgs(data)  # a collapsed layout warns, and warnings are errors here
    label = long[: LABEL_CHARS - 1] + "…"
    assert f">{label}</text>" in svgs["tornado"] and f">{label}</text>" in svgs["waterfall"]
    _, page = page_of(data, svgs)
    assert long in page.text("tei") and long in page.text("assumptions")


def test_write_html_writes_report_html_and_nothing_else(tmp_path, svgs, monkeypatch):
    from simulate.report import html as report_html

    monkeypatch.setattr(report_html, "report_svgs", lambda data: svgs)
    path = write_html(tmp_path, make_data())
    assert path == tmp_path / "report.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_failed_render_leaves_no_file(tmp_path, monkeypatch):
    from simulate.report import html as report_html

    def broken(data):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_html, "report_svgs", broken)
    with pytest.raises(RuntimeError):
        write_html(tmp_path, make_data())
    assert list(tmp_path.iterdir()) == []


# -- report.pdf without a real browser -----------------------------------------------------------


def _fake_browser(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_without_a_browser_the_error_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert report_pdf.find_browser() is None
    (tmp_path / "report.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        report_pdf.write_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    message = str(err.value)
    assert "\n" not in message
    assert "apt-get install chromium" in message and "print it to PDF" in message
    assert str(tmp_path / "report.pdf") in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_browser_is_looked_for_by_its_usual_names_in_order(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _fake_browser(bin_dir, "google-chrome", "exit 0\n")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert report_pdf.find_browser() == str(bin_dir / "google-chrome")
    _fake_browser(bin_dir, "chromium-browser", "exit 0\n")
    assert report_pdf.find_browser() == str(bin_dir / "chromium-browser")


PRINTS = r"""
for a in "$@"; do
  case "$a" in
    --print-to-pdf=*) out="${a#--print-to-pdf=}";;
    --user-data-dir=*) profile="${a#--user-data-dir=}";;
  esac
done
printf '%s\n' "$@" > "$ARGS_FILE"
echo "$HOME" >> "$ARGS_FILE"
mkdir -p "$profile/Default" && echo x > "$profile/Default/Preferences"
printf '%%PDF-1.4 fake' > "$out"
"""


def test_write_pdf_prints_with_the_browser_inside_the_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<p>x</p>", encoding="utf-8")
    browser = _fake_browser(tmp_path / "bin", "chromium", PRINTS)
    monkeypatch.setenv("ARGS_FILE", str(tmp_path / "args"))
    path = report_pdf.write_pdf(out / "report.html", out / "report.pdf", browser=str(browser))
    assert path == out / "report.pdf" and path.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]
    args = (tmp_path / "args").read_text(encoding="utf-8").splitlines()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"):
        assert flag in args
    assert args[-2] == (out / "report.html").resolve().as_uri()
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    assert Path(profile).parent == out and args[-1] == profile  # HOME too
    printed = next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf="))
    assert Path(printed).parent == out.resolve()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo 'cannot open display' >&2\nexit 3\n", "exit status 3: cannot open display"),
        ("exit 0\n", "exit status 0"),  # said it printed, wrote nothing
        ("sleep 30 &\nwait\n", "did not print within 0.5 s"),
    ],
)
def test_a_failed_print_leaves_no_file_and_says_what_to_do(tmp_path, body, expected):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<p>x</p>", encoding="utf-8")
    browser = _fake_browser(tmp_path / "bin", "chromium", body)
    started = time.monotonic()
    with pytest.raises(ConfigError) as err:
        report_pdf.write_pdf(
            out / "report.html", out / "report.pdf", browser=str(browser), timeout=0.5
        )
    assert time.monotonic() - started < 10
    assert expected in str(err.value) and "print it to PDF" in str(err.value)
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]


# -- a real browser ----------------------------------------------------------------------------


def browser_or_skip() -> str:
    path = report_pdf.find_browser()
    if path is None:
        reason = (
            "no headless Chromium on PATH (apt-get install chromium): the browser tests of "
            "report.html did not run"
        )
        if os.environ.get("SIMULATE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + ", and SIMULATE_REQUIRE_BROWSER=1 requires them")
        pytest.skip(reason)
    return path


def test_a_missing_browser_skips_the_browser_tests_unless_ci_requires_them(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("SIMULATE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser_or_skip()
    monkeypatch.setenv("SIMULATE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="SIMULATE_REQUIRE_BROWSER=1 requires"):
        browser_or_skip()


PAPER = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = browser_or_skip()
    chromium = Chromium(exe, tmp_path_factory.mktemp("browser-profile"))
    yield chromium
    chromium.close()


def _look(browser: Chromium, folder: Path, data: dict, svgs=None) -> dict:
    """Load the page of ``data`` in the browser: its problems, headline, screenshot and pages."""
    path = folder / "report.html"
    path.write_text(render_html(data, svgs), encoding="utf-8")
    url = path.as_uri()
    session = browser.open(url)
    shown = browser.send(
        "Runtime.evaluate",
        {
            "expression": "document.querySelector('#figure-npv_positive .value').textContent",
            "returnByValue": True,
        },
        session=session,
    )["result"]["value"]
    shot = browser.send(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
    )["data"]
    (folder / "screenshot.png").write_bytes(base64.b64decode(shot))
    pages = {}
    for paper, (width, height) in PAPER.items():
        printed = browser.send(
            "Page.printToPDF",
            {"paperWidth": width, "paperHeight": height, "printBackground": True},
            session=session,
        )["data"]
        pdf = base64.b64decode(printed)
        (folder / f"report-{paper}.pdf").write_bytes(pdf)
        pages[paper] = pdf_pages(pdf)
    room = {}
    for (paper, size), (where, place) in itertools.product(PAPER.items(), ROOM_AT.items()):
        browser.send("Runtime.evaluate", {"expression": SPACER % (ROOM_PX, place)}, session=session)
        room[paper, where] = _printed_pages(browser, session, size)
    browser.send("Runtime.evaluate", {"expression": "document.getElementById('room').remove()"},
                 session=session)  # fmt: skip
    return {"problems": page_problems(browser, session, url), "headline": shown, "pages": pages,
            "room": room}  # fmt: skip


# Room to spare on both sheets: a block this tall (CSS px: 0.83 in, 21 mm), put at the end of
# the page or right after the headline, still prints on two sheets of A4 and of Letter. The
# page of 30 lines and 25 inputs of long labels was within 21 px of a third Letter sheet, the
# omnichannel example within 46: a change that eats the room fails here before a page spills.
ROOM_PX = 80
ROOM_AT = {
    "end": "document.querySelector('main').appendChild(s)",
    "after the headline": "document.getElementById('headline').after(s)",
}
SPACER = """(() => { const s = document.getElementById('room') || document.createElement('div');
  s.id = 'room'; s.style.height = '%dpx'; %s; return true; })()"""


def _printed_pages(browser: Chromium, session: str, size: tuple[float, float]) -> int:
    width, height = size
    printed = browser.send(
        "Page.printToPDF",
        {"paperWidth": width, "paperHeight": height, "printBackground": True},
        session=session,
    )["data"]
    return pdf_pages(base64.b64decode(printed))


def test_the_problem_check_sees_a_request_and_a_console_error(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><p>x</p><img src="http://127.0.0.1:9/none.png">'
        "<script>console.error('broken')</script>",
        encoding="utf-8",
    )
    session = browser.open(bad.as_uri())
    problems = page_problems(browser, session, bad.as_uri())
    assert any(p.startswith("request: http://127.0.0.1:9/none.png") for p in problems), problems
    assert any("broken" in p for p in problems), problems


def test_write_pdf_prints_the_page_with_the_real_browser(tmp_path, svgs, monkeypatch):
    browser_or_skip()
    from simulate.report import html as report_html

    monkeypatch.setattr(report_html, "report_svgs", lambda data: svgs)
    html = write_html(tmp_path, make_data())
    pdf = report_pdf.write_pdf(html, tmp_path / "report.pdf")
    assert 1 <= pdf_pages(pdf.read_bytes()) <= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]


# -- real runs: the example configs and awkward ones ----------------------------------------------

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
AWKWARD = {
    "never_pays_back": NEVER_PAYS_BACK,
    "no_benefits": NO_BENEFITS,
    "many_inputs": many_inputs(),  # EUR, 20 inputs, 594 months, a fat tail, markup in names
    # 30 lines and 20 inputs of long labels and sources: print keeps 12 lines and 10 inputs,
    # the screen all
    "many_lines": many_lines(),
    # a stage gate: the value of flexibility below the headline, still two pages
    "gated": AT_LEAST_GATE,
    # a success flag splits the outcome: the fan of each group, taller, still two pages
    "split": (Path(__file__).parent / "chart_configs" / "failure_flag.yaml").read_text("utf-8"),
}
REAL = ["omnichannel", "overlay", "scenarios", *AWKWARD]


def _real_data(case: str, folder: Path) -> dict:
    """report_data of a real run of ``case`` (small: the page, not the precision, is tested)."""
    options = RunOptions(trials=3000, seed=20240601, figures=False)
    if case == "overlay":
        overlay = load_overlay(CONFIG_DIR / "overlays" / "cfo_review.yaml")
        result, report = overlay_analysis(str(CONFIG_DIR / "contact_center_aht.yaml"), overlay,
                                          options)  # fmt: skip
        return pack_data(result, comparison=report)
    if case == "scenarios":
        path = CONFIG_DIR / "contact_center_aht.yaml"
        names = [None, *simulate.load_config(path).scenarios]
        runs = [simulate.run(simulate.load_config(path, scenario=n), trials=3000, seed=7)
                for n in names]  # fmt: skip
        rows = scenario_comparisons([PairedRun.of(r) for r in runs])
        return pack_data(runs[0], comparison=rows)
    if case in AWKWARD:
        path = folder / f"{case}.yaml"
        path.write_text(AWKWARD[case], encoding="utf-8")
    else:
        path = CONFIG_DIR / f"{case}.yaml"
    model = simulate.load_config(path)
    result = simulate.run(model, trials=3000, seed=20240601, keep_inputs=True)
    sens = None
    if case == "omnichannel":  # the drivers' rank correlation, break-even, EVPPI and frontier
        sens = analyze(model, result, methods=("rank", "breakeven", "voi", "frontier"),
                       frontier_grid=11, warn=False)  # fmt: skip
    return pack_data(result, sensitivity=sens)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The report data of each real case, made once on first use."""
    made: dict[str, tuple[dict, dict]] = {}
    folder = tmp_path_factory.mktemp("configs")

    def get(case: str) -> tuple[dict, dict]:
        if case not in made:
            data = json.loads(dumps(_real_data(case, folder)))  # as report_data.json holds it
            made[case] = (data, report_svgs(data))
        return made[case]

    return get


@pytest.mark.parametrize("case", REAL)
def test_a_real_run_s_page(real, case):
    data, svgs = real(case)
    text, page = page_of(data, svgs)
    s = data["summary"]
    assert page.text("figure-npv_positive").startswith(
        f"P(NPV > 0) {format_probability(s['probabilities']['npv_positive'])}"
    )
    rows = _tei_rows(page)
    cur = s["currency"]
    for row in data["tei"]["rows"]:
        sign = -1.0 if row["kind"] in ("cost", "total_costs") else 1.0
        pv = row["cells"][-1]["p50"] * sign
        text_pv = format_money(abs(pv), cur)
        assert rows[row.get("label") or row["name"]][-3].split(" | ")[0] == (
            f"({text_pv})" if pv < 0 else text_pv
        )
    register = page.text("assumptions")
    assert all(a["label"] in register for a in data["assumptions"])
    assert external_references(text) == [] and "<script" not in text.lower()
    assert len(page.ids) == len(set(page.ids))
    assert {"npv", "payback", "cashflow", "waterfall"} <= set(svgs)
    if data["comparison"]:
        for row in data["comparison"]["rows"]:
            assert format_probability(row["p_a_beats_b"]) in page.text("comparison")


@pytest.mark.parametrize("case", REAL)
def test_a_browser_shows_a_real_page_on_at_most_two_pages(browser, tmp_path, real, case):
    data, svgs = real(case)
    seen = _look(browser, tmp_path, data, svgs)
    assert seen["problems"] == []
    # the headline figure on the page is summary.json's, as the terminal writes it
    summary = json.loads(dumps(data["summary"]))
    assert seen["headline"] == format_probability(summary["probabilities"]["npv_positive"])
    assert seen["pages"]["A4"] <= 2 and seen["pages"]["Letter"] <= 2, seen["pages"]
    # and with room to spare on both sheets: ROOM_PX more at the end or after the headline
    assert all(n <= 2 for n in seen["room"].values()), seen["room"]
    assert (tmp_path / "screenshot.png").stat().st_size > 10_000


SHOWN = """JSON.stringify([...document.querySelectorAll('table.tei tbody tr, table.register tbody tr')]
  .filter(e => e.offsetParent !== null).map(e => e.closest('table').className + ': ' + e.className))"""


def _shown(browser: Chromium, session: str, media: str) -> list[str]:
    """``table: row`` classes of the TEI and register rows a reader sees in ``media``."""
    browser.send("Emulation.setEmulatedMedia", {"media": media}, session=session)
    expression = {"expression": SHOWN, "returnByValue": True}
    return json.loads(
        browser.send("Runtime.evaluate", expression, session=session)["result"]["value"]
    )


def test_a_long_config_prints_its_largest_lines_and_inputs_and_shows_every_one(browser, tmp_path,
                                                                               real):  # fmt: skip
    """30 lines and 25 inputs printed on four A4 pages: print keeps 12 lines and 10 inputs, the
    screen all."""
    data, svgs = real("many_lines")
    cur = data["summary"]["currency"]
    view = tei_view(data["tei"], cur, data["summary"]["horizon_months"])
    rows = data["tei"]["rows"]
    screen = [r for r in view["rows"] if "print-only" not in r["css"]]
    assert [r["name"] for r in screen] == [r.get("label") or r["name"] for r in rows]
    lines = [r for r in rows if r["kind"] in ("benefit", "cost")]
    largest = sorted(lines, key=lambda r: -abs(r["cells"][-1]["mean"]))[:PRINT_LINES]
    printed = [r for r in view["rows"] if "screen-only" not in r["css"]]
    for kind, word in (("benefit", "benefit"), ("cost", "cost")):
        rest = [r for r in lines if r["kind"] == kind and r not in largest]
        kept = [r["name"] for r in printed if r["kind"] == kind and "print-only" not in r["css"]]
        assert kept == [
            r.get("label") or r["name"] for r in lines if r["kind"] == kind and r in largest
        ]
        (summed,) = [r for r in printed if r["kind"] == kind and "print-only" in r["css"]]
        assert summed["name"] == f"{len(rest)} other {word} lines"
        sign = -1.0 if kind == "cost" else 1.0
        mean_pv = sum(r["cells"][-1]["mean"] for r in rest)
        det_pv = sum(r["deterministic"][-1] for r in rest)
        text = format_money(mean_pv, cur)
        assert summed["cells"][-1]["median"] == (f"({text})" if sign < 0 else text)
        assert summed["cells"][-1]["range"] == "sum of means"
        det = format_money(det_pv, cur)
        assert summed["deterministic"] == (f"({det})" if sign < 0 else det)
        adjustment = risk_adjustment(kind, mean_pv, det_pv)
        assert summed["adjustment"] == format_percent(round(adjustment, 3))
    # in a browser: the screen has every row, print the largest and the sums
    path = tmp_path / "report.html"
    path.write_text(render_html(data, svgs), encoding="utf-8")
    session = browser.open(path.as_uri())
    screen, paper = _shown(browser, session, "screen"), _shown(browser, session, "print")
    inputs = len(data["assumptions"])
    assert inputs > PRINT_INPUTS
    assert sum(c.startswith("tei: line") for c in screen) == len(lines)
    assert sum(c.startswith("register") for c in screen) == inputs
    assert not any("print-only" in c for c in screen)
    assert (
        sum(c.startswith("tei: line") for c in paper) == PRINT_LINES + 2
    )  # and a sum of each kind
    assert sum(c.startswith("register") for c in paper) == PRINT_INPUTS
    more = f"And {inputs - PRINT_INPUTS} more inputs, of smaller effect, in report.xlsx."
    assert more in page_of(data, svgs)[0]


# The width the page prints in on A4 (the narrower paper): 210 mm less the @page margins of 10 mm.
A4_PRINT_PX = round((210 - 2 * 10) / 25.4 * 96)
TABLE_WIDTH = """(() => {
  const table = document.querySelector('table.tei'), main = document.querySelector('main');
  const style = getComputedStyle(main);
  const inner = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [table.getBoundingClientRect().width, inner];
})()"""


def _table_width(browser: Chromium, session: str, width: int, media: str) -> tuple[float, float]:
    """The TEI table's rendered width and the page's text width, in CSS px, at ``width``."""
    browser.send("Emulation.setEmulatedMedia", {"media": media}, session=session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    expression = {"expression": TABLE_WIDTH, "returnByValue": True}
    return tuple(browser.send("Runtime.evaluate", expression, session=session)["result"]["value"])


@pytest.mark.parametrize(("horizon", "currency"), [(120, "USD"), (600, "JPY"), (606, "EUR")])
def test_the_tei_table_fits_the_page_s_width_on_screen_and_in_print(browser, tmp_path, horizon,
                                                                     currency):  # fmt: skip
    """Measured, not counted: Total, PV, deterministic PV and the risk adjustment were cut off."""
    data = make_data(horizon_months=horizon, currency=currency, **LINES_12)
    path = tmp_path / "report.html"
    path.write_text(render_html(data, {}), encoding="utf-8")
    session = browser.open(path.as_uri())
    for width, media in ((1280, "screen"), (1024, "screen"), (A4_PRINT_PX, "print")):
        table, page = _table_width(browser, session, width, media)
        assert table <= page + 0.5, (width, media, table, page)


def test_from_a_result_folder_the_page_s_headline_is_summary_json_s(browser, tmp_path):
    """The files as a run leaves them: summary.json and report_data.json, read back."""
    config = CONFIG_DIR / "contact_center_aht.yaml"
    argv = ["run", str(config), "--trials", "3000", "--seed", "11", "--no-figures", "--quiet",
            "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    folder = tmp_path / "contact_center_aht"
    html = write_html(folder, read_pack_data(folder))
    session = browser.open(html.as_uri())
    shown = browser.send(
        "Runtime.evaluate",
        {"expression": "document.querySelector('#figure-npv_positive .value').textContent",
         "returnByValue": True},
        session=session,
    )["result"]["value"]  # fmt: skip
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert shown == format_probability(summary["probabilities"]["npv_positive"])
    assert page_problems(browser, session, html.as_uri()) == []


# -- labels, identity and the frontier on real runs -----------------------------------------------


def _svg_text(svg: str) -> str:
    """The words of an SVG's text, wrapped lines joined by spaces."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", svg)).strip())


def test_the_pack_names_inputs_by_their_labels_in_their_units(real):
    data, svgs = real("omnichannel")
    _, page = page_of(data, svgs)
    register, drivers = page.text("assumptions"), page.text("drivers")
    by_name = {a["name"]: a for a in data["assumptions"]}
    assert all(a["label"] in register for a in data["assumptions"])
    # each value in its input's unit: months, a percentage, a multiplier, money
    assert by_name["go_live"]["unit"] == "months" and by_name["churn_cut"]["unit"] == "percent"
    for name in ("go_live", "churn_cut", "overrun", "benefits[4].cost_per_contact"):
        a = by_name[name]
        assert format_value(a["p50"], a["unit"], "USD", minus="-") in register, name
    assert "6.54 mo" in register and "×1.1" in register
    # a raw path shows only as the register's small config name, never as a row's name
    inline = by_name["benefits[2].uplift"]
    assert inline["label"] == "Personalised offers: uplift"
    assert "benefits[2].uplift" not in drivers
    for key in ("tornado", "frontier"):
        assert "benefits[" not in svgs[key] and "_" not in _svg_text(svgs[key]).replace(
            "config_", ""
        )
    shown = _svg_text(svgs["tornado"])
    top = data["drivers"]["tornado"][0]
    assert top["label"] == "Platform build overrun" and top["label"] in shown
    assert top["label"] in drivers and "overrun " not in drivers.replace("build overrun", "")


def test_the_frontier_reaches_the_page_its_table_and_its_chart(real):
    data, svgs = real("omnichannel")
    block = data["drivers"]["frontier"]
    first, second = block["inputs"]
    table = block["table"]
    assert [r["quantile"] for r in table["rows"]] == [0.1, 0.5, 0.9]
    _, page = page_of(data, svgs)
    shown = page.text("frontier-table")
    assert first["label"] in shown and "P(NPV > 0) = 80%" in shown
    for row in table["rows"]:
        assert format_value(row["value"], first["unit"], "USD", minus="-") in shown
        for cell in row["cells"]:
            assert frontier_cell(cell, table["rises"], second["unit"], "USD") in shown
    # each crossing is where the line drawn on the chart meets the first input's value
    for row, line in itertools.product(table["rows"], block["zero_curve"]):
        pts = np.array(line)
        for y in row["cells"][0]["values"]:
            assert np.interp(y, pts[:, 1], pts[:, 0]) == pytest.approx(row["value"], rel=1e-6)
    words = _svg_text(svgs["frontier"])
    assert first["label"] in words and second["label"] in words
    assert "Break-even frontier" in words and "P(NPV > 0) = 95%" in words
    assert list(svgs).index("frontier") == list(svgs).index("waterfall") + 1


@pytest.mark.parametrize("case", ["overlay", "scenarios"])
def test_every_chart_of_the_pack_says_which_run_it_shows(real, case):
    data, svgs = real(case)
    summary = data["summary"]
    overlay = (summary.get("overlay") or {}).get("name")
    for key, svg in svgs.items():
        words = _svg_text(svg)
        assert words.startswith(CHARTS[key]) or f" {CHARTS[key]}" in words, key
        assert f"config {summary['config_hash']}" in words, key
        if overlay:
            assert f"overlay: {overlay}" in words, key
    if overlay:  # the stamp's hash covers the overlay: not the hash of the config as written
        assert summary["config_hash"] != real("scenarios")[0]["summary"]["config_hash"]


def test_a_split_outcome_s_fan_is_split_on_the_page_as_in_its_png(real):
    """Each group of the success flag gets its bands and a key with its share (figures/cashflow)."""
    data, svgs = real("split")
    groups = data["charts"]["fan"]["groups"]
    assert [g["label"] for g in groups] == ["works = 1", "works = 0"]
    fan = svgs["cashflow"]
    for g in groups:
        assert f">{g['label']}: {format_probability(g['share'])} of trials</text>" in fan
    assert 'id="cashflow-median-0"' in fan and 'id="cashflow-median-1"' in fan
    # the chart's name says the groups too, for a reader who cannot tell the colours apart
    shares = [f"{g['label']} ({format_probability(g['share'])} of trials)" for g in groups]
    assert f'aria-label="{CHARTS["cashflow"]}, in 2 groups: {" and ".join(shares)}"' in fan
    one = real("omnichannel")[1]["cashflow"]  # no flag splits it: one fan
    assert " of trials</text>" not in one and 'id="cashflow-median"' in one
    assert f'aria-label="{CHARTS["cashflow"]}"' in one


def test_a_split_outcome_s_npv_histogram_is_split_on_the_page_as_in_its_png(real):
    """Each group's bars in its colour, labelled with its name and share (figures/npv).

    Drawn from the groups' quantile grids pooled in proportion to their
    shares: on common bins the groups' counts add up to those of the grid of
    all the trials, within the rounding of two 2,001-value summaries.
    """
    data, svgs = real("split")
    groups = data["charts"]["npv_groups"]
    assert [g["label"] for g in groups] == ["works = 1", "works = 0"]
    npv = svgs["npv"]
    for i, g in enumerate(groups):
        assert f'id="npv-bars-{i}"' in npv and f'id="npv-group-{i}"' in npv
        label = npv[npv.index(f'id="npv-group-{i}"') :]
        assert f">{g['label']}</text>" in label[: label.index("</g>", label.index("<text"))]
        assert f">{format_probability(g['share'])} of trials</text>" in label
    # colour and words: the groups' colours are the fan's, and the chart's name says the groups
    assert "fill: #0072b2" in _between(npv, 'id="npv-bars-0"', "</g>")
    assert "fill: #e69f00" in _between(npv, 'id="npv-bars-1"', "</g>")
    shares = [f"{g['label']} ({format_probability(g['share'])} of trials)" for g in groups]
    assert f'aria-label="Net present value, in 2 groups: {shares[0]} and {shares[1]}"' in npv
    pooled, masks, pooled_shares = chart_module._pooled(groups, 2001)
    assert [label for label, _ in masks] == ["works = 1", "works = 0"]
    assert pooled_shares == [g["share"] for g in groups]
    assert all(
        abs(m.sum() - 2001 * g["share"]) <= 1 for (_, m), g in zip(masks, groups, strict=True)
    )
    grid = np.array(data["charts"]["npv_quantiles"])
    edges = np.histogram_bin_edges(np.r_[grid, pooled], 40)
    counts = sum(np.histogram(pooled[m], edges)[0] for _, m in masks)
    assert counts.sum() == 2001 and np.abs(counts - np.histogram(grid, edges)[0]).max() <= 3
    # without a split, one histogram in the loss and gain colours, as before
    one = real("omnichannel")[1]["npv"]
    assert 'id="npv-group-0"' not in one and 'aria-label="Net present value"' in one
    assert "fill: #d55e00" in _between(one, 'id="npv-bars-0"', "</g>")


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


def test_the_npv_histogram_is_split_only_when_the_data_has_groups(monkeypatch):
    """Without groups (null, or a file written before they were saved), the histogram of
    ``npv_quantiles`` as before; with them, the pooled groups and their shares."""
    from simulate import plotting

    drawn = []
    draw = plotting.npv_distribution

    def spy(npv, summary, meta, ax=None, **kwargs):
        drawn.append((np.asarray(npv).tolist(), kwargs))
        return draw(npv, summary, meta, ax, **kwargs)

    monkeypatch.setattr(plotting, "npv_distribution", spy)
    data = make_data(horizon_months=24)
    grid = data["charts"]["npv_quantiles"]
    report_svgs(data)
    del data["charts"]["npv_groups"]
    report_svgs(data)
    assert drawn == [(grid, {"reach": None})] * 2
    drawn.clear()
    data["charts"]["npv_groups"] = [
        {"label": "works = 1", "share": 0.75, "trials": 75_000, "npv_quantiles": grid},
        {"label": "works = 0", "share": 0.25, "trials": 25_000,
         "npv_quantiles": [v - 9e6 for v in grid]},
    ]  # fmt: skip
    report_svgs(data)
    ((values, kwargs),) = drawn
    assert len(values) == len(grid) and kwargs["shares"] == [0.75, 0.25]
    assert [(label, int(m.sum())) for label, m in kwargs["groups"]] == [
        ("works = 1", 1501), ("works = 0", 500)
    ]  # fmt: skip


def test_the_page_s_payback_curve_is_the_ecdf_of_the_paybacks(monkeypatch):
    """The curve is drawn from ``payback_cdf`` (the paybacks, not whole months), as
    figures/payback is; an older file without it draws the whole-month ``payback``."""
    from simulate import plotting

    drawn = []
    draw = plotting.payback_curve

    def spy(months, prob, *args, **kwargs):
        drawn.append((list(months), list(prob)))
        return draw(months, prob, *args, **kwargs)

    monkeypatch.setattr(plotting, "payback_curve", spy)
    data = make_data(horizon_months=24)
    data["charts"]["payback_cdf"] = {"months": [0, 0.4, 0.9, 24], "prob": [0, 0.25, 0.5, 0.6]}
    report_svgs(data)
    del data["charts"]["payback_cdf"]
    report_svgs(data)
    assert drawn == [
        ([0, 0.4, 0.9, 24], [0, 0.25, 0.5, 0.6]),
        (data["charts"]["payback"]["months"], data["charts"]["payback"]["prob"]),
    ]
