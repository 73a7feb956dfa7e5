"""``simulate report`` and ``simulate run --report``: the review pack end to end.

What the pack's pages and sheets hold is tested beside each renderer
(test_report_html, test_report_xlsx) and the numbers in test_tei and
test_report_data; here: which command writes which files where, that a
result folder renders the same pack without simulating, and that every
refusal is one line, exit status 2, with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.cli import main
from simulate.cli import pack as report_cli

ROOT = Path(__file__).resolve().parent.parent
PACK = ("report.html", "report.xlsx")


@pytest.fixture
def small_yaml(write_config) -> Path:
    return write_config(
        """\
name: Small <script>alert(1)</script> pack
horizon_months: 24
discount_rate: 0.1
simulation: {trials: 2000, seed: 5}
priors:
  uplift: {dist: pert, min: 0.01, mode: 0.03, max: 0.06, source: "Pilot, Q3 2025"}
  size: {dist: normal, mean: 20000, sd: 4000, min: 0}
benefits:
  - {name: Deflection, type: deflection, contacts_per_month: size, deflection_rate: uplift,
     cost_per_contact: 6}
costs:
  - {name: Build, type: one_time, amount: 15000}
  - {name: Licence, type: recurring, amount: 400}
scenarios:
  cautious:
    priors:
      uplift: {min: 0.005, mode: 0.02, max: 0.05}
""",
        name="small.yaml",
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_report_from_a_config_runs_then_writes_the_pack(small_yaml, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", str(small_yaml), "--out", str(out), "--no-figures"]) == 0
    folder = out / "small"
    for name in (*PACK, "summary.json", "report_data.json"):
        assert (folder / name).is_file(), name
    data = json.loads((folder / "report_data.json").read_text())
    # The default drivers: the rank correlation, EVPPI and the frontier of the two
    # largest swings are in the pack's numbers, and the frontier on the page.
    assert data["drivers"]["rank"] and data["drivers"]["voi"]
    frontier = data["drivers"]["frontier"]
    assert {a["input"] for a in frontier["inputs"]} == {"uplift", "size"}
    assert len(frontier["table"]["rows"]) == 3
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-frontier"' in page and 'id="frontier-table"' in page
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_folder_renders_the_pack_without_changing_anything_else(small_yaml, tmp_path):
    a = tmp_path / "a"
    assert main(["run", str(small_yaml), "--out", str(a), "--no-figures", "--quiet"]) == 0
    plain = _files(a / "small")
    assert "report.html" not in plain  # a plain run saves the numbers, not the pack
    assert main(["report", str(a / "small"), "--quiet"]) == 0
    after = _files(a / "small")
    assert set(PACK) <= set(after)
    assert {k: v for k, v in after.items() if k not in PACK} == plain  # nothing else changed


def test_the_page_is_a_function_of_the_saved_numbers(small_yaml, tmp_path):
    b = tmp_path / "b"
    assert main(["run", str(small_yaml), "--out", str(b), "--no-figures", "--quiet",
                 "--report"]) == 0  # fmt: skip
    page = (b / "small" / "report.html").read_bytes()
    assert main(["report", str(b / "small"), "--quiet"]) == 0
    # From the folder it is the run's own page, byte for byte: nothing is simulated again.
    assert (b / "small" / "report.html").read_bytes() == page


@pytest.mark.parametrize("flag", [["--seed", "3"], ["--trials", "100"], ["--scenario", "x"],
                                  ["--sampling", "lhs"]])  # fmt: skip
def test_a_result_folder_refuses_options_that_choose_a_run(small_yaml, tmp_path, capsys, flag):
    out = tmp_path / "out"
    assert main(["run", str(small_yaml), "--out", str(out), "--no-figures", "--quiet"]) == 0
    before = _files(out / "small")
    assert main(["report", str(out / "small"), *flag]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag[0] in err[0] and "give the config instead" in err[0]
    assert err[0].startswith(f"error: {out / 'small'}: {flag[0]} chooses a run")  # not <config>
    assert _files(out / "small") == before


def test_a_folder_without_the_runs_numbers_is_one_line_with_the_fix(tmp_path, capsys):
    empty = tmp_path / "results" / "old"
    empty.mkdir(parents=True)
    assert main(["report", str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "report_data.json" in err[0] and "simulate" in err[0]
    assert list(empty.iterdir()) == []


def test_samples_from_a_folder_need_samples_npz(small_yaml, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small_yaml), "--out", str(out), "--no-figures", "--quiet"]) == 0
    assert main(["report", str(out / "small"), "--samples", "10"]) == 2
    err = capsys.readouterr().err
    assert "--save-samples" in err and err.startswith(f"error: {out / 'small'}: --samples: ")
    assert not (out / "small" / "report.html").exists()
    assert main(["run", str(small_yaml), "--out", str(out), "--no-figures", "--quiet",
                 "--save-samples"]) == 0  # fmt: skip
    assert main(["report", str(out / "small"), "--samples", "10", "--quiet"]) == 0
    assert (out / "small" / "report.xlsx").is_file()


def test_pdf_without_a_browser_is_refused_before_anything_runs(small_yaml, tmp_path, capsys,
                                                               monkeypatch):  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "out"
    assert main(["report", str(small_yaml), "--out", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "chromium" in err[0] and "apt-get install" in err[0]
    assert not (out / "small").exists()


def test_pdf_without_a_browser_names_the_folder_and_every_browser_looked_for(
    small_yaml, tmp_path, capsys, monkeypatch
):
    from simulate.report.pdf import BROWSERS

    out = tmp_path / "out"
    assert main(["run", str(small_yaml), "--out", str(out), "--no-figures", "--quiet"]) == 0
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    for target, prefix in ((out / "small", f"error: {out / 'small'}: --pdf: "),
                           (small_yaml, "error: --pdf: ")):  # fmt: skip
        assert main(["report", str(target), "--out", str(out), "--pdf"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(prefix), err
        assert f"looked for {', '.join(BROWSERS)} on the PATH" in err[0]
        assert "google-chrome-stable" in err[0]
    assert not (out / "small" / "report.html").exists()


def test_a_failed_render_leaves_the_folder_as_it_was(small_yaml, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert main(["run", str(small_yaml), "--out", str(out), "--no-figures", "--quiet",
                 "--report"]) == 0  # fmt: skip
    before = _files(out / "small")
    from simulate.report import xlsx

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx, "write_xlsx", broken)
    with pytest.raises(OSError):
        report_cli.render_pack(out / "small")
    assert _files(out / "small") == before
    assert not [p for p in (out / "small").iterdir() if p.name.startswith(".")]


def test_scenario_all_writes_a_pack_per_scenario_with_the_paired_comparison(small_yaml, tmp_path):
    out = tmp_path / "out"
    assert main(["report", str(small_yaml), "--out", str(out), "--no-figures", "--quiet",
                 "--scenario", "all", "--sensitivity", "tornado"]) == 0  # fmt: skip
    for stem in ("small", "small--cautious"):
        data = json.loads((out / stem / "report_data.json").read_text())
        assert data["comparison"]["kind"] == "scenarios", stem
        assert (out / stem / "report.html").is_file()
    data = json.loads((out / "small--cautious" / "report_data.json").read_text())
    (row,) = [r for r in data["comparison"]["rows"] if {r["a"], r["b"]} == {"as written",
                                                                             "cautious"}]  # fmt: skip
    # The cautious PERT is lower at every quantile: on common draws it never wins.
    p = row["p_a_beats_b"] if row["a"] == "cautious" else row["p_b_beats_a"]
    assert p == 0.0


def test_overlay_pack_carries_the_overlay_and_its_attribution(tmp_path):
    out = tmp_path / "out"
    config = ROOT / "configs" / "contact_center_aht.yaml"
    overlay = ROOT / "configs" / "overlays" / "cfo_review.yaml"
    assert main(["report", str(config), "--overlay", str(overlay), "--out", str(out),
                 "--trials", "2000", "--seed", "1", "--no-figures", "--quiet",
                 "--sensitivity", "tornado"]) == 0  # fmt: skip
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    data = json.loads((folder / "report_data.json").read_text())
    assert data["summary"]["overlay"]["name"]
    assert data["comparison"]["kind"] == "overlay" and data["comparison"]["attribution"]
    assert "--overlay" in data["command"]


def test_trials_sheet_is_cut_to_a_worksheet_with_a_warning(capsys):
    import numpy as np

    arrays = {"npv": np.arange(5.0), "input__a": np.arange(5.0)}
    assert report_cli.trial_rows(arrays, None) is None
    rows = report_cli.trial_rows(arrays, 3)
    assert [len(v) for v in rows.values()] == [3, 3] and capsys.readouterr().err == ""
    rows = report_cli.trial_rows(arrays, 9)
    assert len(rows["npv"]) == 5 and "has 5 trials" in capsys.readouterr().err


def test_report_help_names_both_forms(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "CONFIG|RESULT_DIR" in text and "--pdf" in text and "--samples" in text


def test_a_config_with_no_uncertain_input_gets_its_pack_saying_so(tmp_path):
    config = tmp_path / "plain.yaml"
    config.write_text(
        "name: No uncertain input\n"
        "benefits: [{type: recurring, name: Saving, amount: 20000}]\n"
        "costs: [{type: one_time, name: Build, amount: 300000}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["report", str(config), "--trials", "1000", "--out", str(out), "--no-figures",
                 "--quiet", "--sensitivity", "all"]) == 0  # fmt: skip
    page = (out / "plain" / "report.html").read_text(encoding="utf-8")
    assert "No uncertain input to rank" in page and "its EVPPI:" not in page
    assert "No uncertain input: every value in the config is fixed" in page
    sens = json.loads((out / "plain" / "sensitivity.json").read_text(encoding="utf-8"))
    assert sens["tornado"] == sens["rank"] == [] and sens["sobol"]["indices"] == []
    assert (out / "plain" / "report.xlsx").is_file()
