"""Batch runs, scenarios, overlays and paired comparisons (issue 5).

One local batch (two worker processes) over a folder of two good configs with
scenarios and one broken config is run once per module; the tests check it
against single ``simulate run`` calls, against a Dask ``LocalCluster`` and
against direct computations on the same draws.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from simulate import load_config
from simulate.batch import (
    ROW_COLUMNS,
    BatchItem,
    BatchReport,
    ItemOutcome,
    Progress,
    batch_text,
    discover,
    exit_status,
    item_seed,
    plan,
    run_item,
    write_config_comparison,
    write_summary,
)
from simulate.cli import main
from simulate.compare import key_figures, paired_comparison
from simulate.config import load_overlay
from simulate.errors import ConfigError
from simulate.format import format_probability
from simulate.overlay import overlay_analysis
from simulate.runner import RunOptions, simulate_model

TRIALS = 2000
ROOT_SEED = 5

CHURN = """\
name: Proactive care
horizon_months: 36
targets: {payback_months: 18}
priors:
  cut: {dist: pert, min: 0.05, mode: 0.10, max: 0.20}
  launch: {dist: uniform, min: 2, max: 4}
benefits:
  - type: retention
    name: Churn avoided
    customers: 50000
    arpu: 40
    margin: 0.6
    base_churn: 0.02
    churn_reduction: cut
    new_customers_per_month: 900
    lag: launch
    ramp: 6
costs:
  - type: one_time
    name: Set-up
    amount: 150000
  - type: recurring
    name: Care team
    amount: 20000
    start_month: launch
scenarios:
  conservative:
    priors:
      cut: {multiply: 0.5}
    discount_rate: 0.12
  optimistic:
    priors:
      cut: {min: 0.1, mode: 0.15, max: 0.25}
    horizon_months: 48
"""

AHT = """\
name: Agent assist
simulation: {seed: 11}
priors:
  seconds: {dist: pert, min: 30, mode: 60, max: 80}
  go_live: {dist: uniform, min: 2, max: 4}
benefits:
  - type: handle_time
    name: Handle time saved
    contacts_per_month: 200000
    seconds_saved: seconds
    cost_per_hour: 48
    lag: go_live
    ramp: 3
costs:
  - type: one_time
    amount: 600000
    scale: {dist: pert, min: 0.95, mode: 1.05, max: 1.6}
  - type: recurring
    amount: 18000
    start_month: go_live
scenarios:
  slow:
    lines:
      Handle time saved: {lag: {add: 3}, ramp: 9}
"""

BROKEN = """\
name: Broken
benefits:
  - type: recurring
    amount: {dist: pert, min: 1, mode: 5, max: 3}
costs:
  - type: one_time
    amount: 100
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Single runs of every item first (they compile the kernel), then one local batch."""
    root = tmp_path_factory.mktemp("batch")
    configs = root / "configs"
    configs.mkdir()
    _write(configs, "aht.yaml", AHT)
    _write(configs, "broken.yaml", BROKEN)
    _write(configs, "churn.yaml", CHURN)
    paths = [str(configs / n) for n in ("aht.yaml", "broken.yaml", "churn.yaml")]
    seeds = [item_seed(c) for c in np.random.SeedSequence(ROOT_SEED).spawn(3)]
    expected = {"aht": 11, "churn": seeds[2]}  # a config's own seed wins
    single = root / "single"
    for stem, scenarios in (
        ("aht", [None, "slow"]),
        ("churn", [None, "conservative", "optimistic"]),
    ):
        for s in scenarios:
            argv = ["run", str(configs / f"{stem}.yaml"), "--seed", str(expected[stem])]
            argv += ["--trials", str(TRIALS), "--out", str(single), "--quiet", "--no-figures"]
            assert main(argv + (["--scenario", s] if s else [])) == 0
    out = root / "out"
    argv = ["batch", str(configs), "--out", str(out), "--workers", "2", "--seed", str(ROOT_SEED)]
    status = main([*argv, "--trials", str(TRIALS), "--quiet", "--no-figures"])
    return {"root": root, "configs": configs, "paths": paths, "single": single, "out": out,
            "status": status, "expected_seeds": expected}  # fmt: skip


def _rows(out: Path) -> list[dict]:
    return json.loads((out / "batch_summary.json").read_text())["rows"]


def test_batch_items_equal_single_runs(batch):
    out, single = batch["out"], batch["single"]
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    assert len(rows) == 5
    for row in rows:
        stem = Path(row["result_dir"]).name
        mine = json.loads((out / stem / "summary.json").read_text())
        alone = json.loads((single / stem / "summary.json").read_text())
        assert mine == alone, stem
        assert (out / stem / "summary.json").read_bytes() == (
            single / stem / "summary.json"
        ).read_bytes()
        assert row["seed"] == batch["expected_seeds"][stem.split("--")[0]]
        assert row["prob_npv_positive"] == mine["probabilities"]["npv_positive"]
        assert row["npv_p50"] == mine["metrics"]["npv"]["p50"]


def test_broken_config_is_reported_and_skipped(batch):
    assert batch["status"] == 2  # every failure is an invalid config
    rows = _rows(batch["out"])
    broken = [r for r in rows if r["config"].endswith("broken.yaml")]
    assert [r["status"] for r in broken] == ["error"]
    assert "broken.yaml:4: benefits[0].amount.mode" in broken[0]["error"]
    assert not (batch["out"] / "broken").exists()
    assert [r["status"] for r in rows].count("ok") == 5


def test_summary_files_have_the_columns(batch):
    out = batch["out"]
    doc = json.loads((out / "batch_summary.json").read_text())
    assert doc["root_seed"] == ROOT_SEED and doc["root_seed_from"] == "--seed"
    assert all(list(r) == list(ROW_COLUMNS) for r in doc["rows"])
    with open(out / "batch_summary.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == list(ROW_COLUMNS)
    # rows in discovery order: config, then its scenarios
    assert [(Path(r["config"]).stem, r["scenario"]) for r in table] == [
        ("aht", ""), ("aht", "slow"), ("broken", ""),
        ("churn", ""), ("churn", "conservative"), ("churn", "optimistic"),
    ]  # fmt: skip
    ok = [r for r in table if r["status"] == "ok"]
    for r, j in zip(ok, [r for r in doc["rows"] if r["status"] == "ok"], strict=True):
        assert float(r["npv_mean"]) == j["npv_mean"]  # every digit kept
    assert not (out / "figures").exists() and doc["figures"] == []  # --no-figures


def test_comparison_charts(batch, tmp_path):
    path = batch["paths"][2]
    options = RunOptions(trials=500, seed=1)
    runs = []
    for s in (None, "conservative"):
        result = simulate_model(load_config(path, scenario=s), options)
        runs.append((result.model.stem, result.summary(), result.npv))
    rows, charts = write_config_comparison(tmp_path, path, runs, formats=("png", "svg"))
    assert [p.name for p in charts] == ["scenarios--churn.png", "scenarios--churn.svg"]
    assert all(p.stat().st_size > 1000 for p in charts)
    assert rows[0]["prob_a_above_b"] == float(np.mean(runs[0][2] > runs[1][2]))


def test_paired_comparisons_equal_direct_computation(batch):
    doc = json.loads((batch["out"] / "batch_summary.json").read_text())
    churn = [c for c in doc["comparisons"] if c["config"].endswith("churn.yaml")]
    assert [(c["a"], c["b"]) for c in churn] == [
        (None, "conservative"), (None, "optimistic"), ("conservative", "optimistic"),
    ]  # fmt: skip
    path = batch["paths"][2]
    options = RunOptions(trials=TRIALS)
    seed = batch["expected_seeds"]["churn"]
    npv = {
        s: simulate_model(load_config(path, scenario=s), options, seed=seed).npv
        for s in (None, "conservative", "optimistic")
    }
    for c in churn:
        a, b = npv[c["a"]], npv[c["b"]]
        assert c["paired"] is True
        assert c["prob_a_above_b"] == float(np.mean(a > b))
        assert c["prob_b_above_a"] == float(np.mean(b > a))
        assert c["npv_diff_mean"] == pytest.approx(float(np.mean(a - b)), rel=1e-12)
    per_config = json.loads((batch["out"] / "comparisons" / "churn.json").read_text())
    assert per_config["comparisons"] == churn


def test_paired_comparison_on_known_arrays():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([0.0, 2.0, 5.0, 1.0])
    got = paired_comparison(a, b)
    assert got["prob_a_above_b"] == 0.5 and got["prob_b_above_a"] == 0.25  # one tie
    assert got["npv_diff_mean"] == 0.5


def test_dask_gives_the_local_numbers(batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        argv = [
            "batch",
            str(batch["configs"]),
            "--out",
            str(out),
            "--dask",
            cluster.scheduler_address,
        ]
        status = main(
            [*argv, "--seed", str(ROOT_SEED), "--trials", str(TRIALS), "--quiet", "--no-figures"]
        )
    assert status == batch["status"] == 2
    local, remote = _rows(batch["out"]), _rows(out)
    skip = {"result_dir", "seconds"}
    assert [{k: v for k, v in r.items() if k not in skip} for r in remote] == [
        {k: v for k, v in r.items() if k not in skip} for r in local
    ]
    for r in local:
        if r["status"] == "ok":
            stem = Path(r["result_dir"]).name
            assert (out / stem / "summary.json").read_bytes() == (
                batch["out"] / stem / "summary.json"
            ).read_bytes()


def test_batch_text_is_the_summary_as_a_table(batch):
    doc = json.loads((batch["out"] / "batch_summary.json").read_text())
    rows = doc.pop("rows")
    stems = [Path(r["config"]).stem + (f"--{r['scenario']}" if r["scenario"] else "") for r in rows]
    report = BatchReport(rows, stems, doc["comparisons"], doc["figures"], doc, batch["status"])
    lines = batch_text(report).splitlines()
    assert lines[0] == (
        "Batch: 6 run(s) of 3 config(s) on 2 worker processes; root seed 5 (--seed)"
    )
    assert lines[1].startswith("  5 ok, 1 failed, in ")
    assert lines[3].split() == [
        "run", "P(NPV>0)", "NPV", "P10", "NPV", "P50", "NPV", "P90", "ROI", "P50", "payback", "P50",
    ]  # fmt: skip
    table = lines[4:10]
    assert [line.split()[0] for line in table] == stems
    assert table[2].split()[1] == "FAILED:" and "benefits[0].amount.mode" in table[2]
    churn = rows[3]
    assert table[3].split()[1] == format_probability(churn["prob_npv_positive"])
    paired = lines[
        lines.index("  Paired comparisons (same draws, trial by trial): P(A's NPV > B's)") + 1 :
    ]
    assert len(paired) == len(doc["comparisons"]) == 4  # aht: 1 pair, churn: 3
    assert paired[0].startswith("    aht: P(as written > slow) = ")
    for where, meta in (("this process", {"workers": 1}), ("Dask scheduler tcp://x:1", {"workers": None, "dask": "tcp://x:1"})):  # fmt: skip
        other = BatchReport(rows, stems, [], [], {**doc, **meta}, 2)
        assert f"on {where};" in batch_text(other).splitlines()[0]


def test_exit_status():
    ok = ItemOutcome(0, "ok")
    invalid = ItemOutcome(1, "error", "invalid", ["bad"])
    internal = ItemOutcome(2, "error", "internal", ["boom"])
    assert exit_status([]) == exit_status([ok]) == 0
    assert exit_status([ok, invalid]) == 2
    assert exit_status([invalid, internal, ok]) == 1


def test_summary_cells_for_missing_values(tmp_path):
    row = dict.fromkeys(ROW_COLUMNS)
    row.update(config="c.yaml", status="ok", npv_mean=0.1 + 0.2, roi_p50=float("nan"),
               payback_p50=float("inf"), seed=7)  # fmt: skip
    write_summary(tmp_path / "out", [row], {"root_seed": 1})
    with open(tmp_path / "out" / "batch_summary.csv", newline="") as fh:
        (cells,) = csv.DictReader(fh)  # one row
    assert cells["npv_mean"] == "0.30000000000000004"  # every digit
    assert cells["roi_p50"] == cells["payback_p50"] == cells["name"] == ""
    assert cells["seed"] == "7"
    doc = json.loads((tmp_path / "out" / "batch_summary.json").read_text())
    assert doc["root_seed"] == 1
    assert doc["rows"][0]["roi_p50"] is None and doc["rows"][0]["payback_p50"] is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "batch_summary.csv", "batch_summary.json",
    ]  # fmt: skip


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_starts_as_a_formula_is_quoted_a_number_never(tmp_path, start):
    # a config name or path such as '=HYPERLINK(...)' was written as is: Excel runs it
    row = dict.fromkeys(ROW_COLUMNS)
    row.update(config=f"{start}cmd.yaml", name=f"{start}1+2", scenario=f"{start}s", seed=7,
               status="error", error=f"{start}SUM(A1)", npv_mean=-1250.5, npv_p10=-3,
               result_dir="results/a-b=c")  # fmt: skip
    write_summary(tmp_path / "out", [row], {"root_seed": 1})
    with open(tmp_path / "out" / "batch_summary.csv", newline="") as fh:
        (cells,) = csv.DictReader(fh)
    for column in ("config", "name", "scenario", "error"):
        assert cells[column] == "'" + row[column], column
    assert cells["result_dir"] == "results/a-b=c"  # only a text's first character counts
    assert (cells["npv_mean"], cells["npv_p10"], cells["seed"]) == ("-1250.5", "-3", "7")
    doc = json.loads((tmp_path / "out" / "batch_summary.json").read_text())
    assert doc["rows"][0]["name"] == f"{start}1+2"  # the JSON keeps every text as written


def test_a_batch_of_formula_like_names_writes_its_tables_quoted(write_config, tmp_path):
    path = write_config(CHURN.replace("name: Proactive care", "name: '=HYPERLINK(\"x\")'"))
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--trials", "300", "--seed", "1",
                 "--quiet"]) == 0  # fmt: skip
    with open(out / "batch_summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["name"] for r in rows} == {'\'=HYPERLINK("x")'}
    assert any(float(r["npv_p10"]) < 0 for r in rows)  # negative numbers stay numbers
    with open(out / "figures" / "portfolio_table.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert table and all(r["initiative"].startswith("'=HYPERLINK") for r in table)


def test_run_item_reports_a_bad_config_without_raising():
    item = BatchItem(3, "broken.yaml", BROKEN.encode(), None, 1, "Broken")
    got = run_item(item, RunOptions(figures=False))
    assert (got.index, got.status, got.kind, got.files) == (3, "error", "invalid", {})
    assert "broken.yaml:4: benefits[0].amount.mode" in got.error


# -- what runs, and seeds --------------------------------------------------------------------


def test_discover_files_folders_globs(batch):
    configs = batch["configs"]
    found = discover([str(configs), str(configs / "churn.yaml"), str(configs / "a*.yaml")])
    assert [Path(p).name for p in found] == ["aht.yaml", "broken.yaml", "churn.yaml"]
    with pytest.raises(ConfigError, match="no such file or folder"):
        discover([str(configs / "nope.yaml")])
    with pytest.raises(ConfigError, match="matches no"):
        discover([str(configs / "*.yml")])


def test_plan_seeds_and_folder_clashes(batch, tmp_path):
    specs, items, failed, templates = plan(batch["paths"], np.random.SeedSequence(ROOT_SEED))
    assert templates == []
    assert [s.stem for s in specs] == [
        "aht", "aht--slow", "broken", "churn", "churn--conservative", "churn--optimistic",
    ]  # fmt: skip
    assert len(failed) == 1 and failed[0].kind == "invalid"
    assert len({it.seed for it in items if it.config.endswith("churn.yaml")}) == 1
    other = tmp_path / "elsewhere"
    other.mkdir()
    twin = _write(other, "churn.yaml", CHURN)
    with pytest.raises(ConfigError, match="would both write the result folder 'churn'"):
        plan([batch["paths"][2], str(twin)], np.random.SeedSequence(1))


def test_progress_line():
    stream = io.StringIO()
    bar = Progress(4, stream, enabled=True)
    bar.advance("ok churn")
    bar.note("error: something")
    bar.close()
    text = stream.getvalue()
    assert "1/4 runs" in text and "ETA" in text and "error: something\n" in text
    log = io.StringIO()
    quiet_log = Progress(2, log, enabled=False, log=True)
    quiet_log.advance("ok aht")
    quiet_log.close()
    assert log.getvalue().startswith("[1/2] ok aht")


# -- scenarios are validated like the config --------------------------------------------------


def test_scenario_unknown_key_did_you_mean(write_config, capsys):
    path = write_config(CHURN.replace("    discount_rate: 0.12", "    discount_rat: 0.12"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:30: scenarios.conservative.discount_rat:" in err
    assert "did you mean 'discount_rate'?" in err
    assert "Traceback" not in err


def test_scenario_bad_prior_override(write_config, capsys, tmp_path):
    path = write_config(CHURN.replace("cut: {multiply: 0.5}", "cut: {mode: 0.3}"))
    assert main(["run", str(path), "--scenario", "conservative", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:29: scenarios.conservative.priors.cut.mode: mode (0.3) must lie between" in err
    assert not (tmp_path / "r" / "case--conservative").exists()


def test_scenario_override_leaving_the_field_domain_names_the_scenario(write_config):
    # reported at the override, naming the field the changed prior no longer fits
    text = CHURN.replace("cut: {multiply: 0.5}", "cut: {dist: normal, mean: 0.1, sd: 0.05}")
    with pytest.raises(ConfigError, match=r":29: scenarios\.conservative\.priors\.cut: .*"
                       r"but benefits\[0\]\.churn_reduction, which uses it"):  # fmt: skip
        load_config(write_config(text), scenario="conservative")


def test_transforms_keep_the_draws_paired(write_config):
    path = write_config(CHURN)
    options = RunOptions(trials=TRIALS, seed=3)
    base = simulate_model(load_config(path), options, keep_inputs=True)
    half = simulate_model(load_config(path, scenario="conservative"), options, keep_inputs=True)
    j = base.model.input_names.index("cut")
    np.testing.assert_allclose(half.inputs[j], 0.5 * base.inputs[j], rtol=1e-12)
    k = base.model.input_names.index("launch")
    np.testing.assert_array_equal(half.inputs[k], base.inputs[k])


# -- overlays ----------------------------------------------------------------------------------

CFO = """\
name: CFO review
priors:
  cut: {multiply: 0.5}
lines:
  Churn avoided:
    lag: {add: 3}
discount_rate: 0.12
targets: {payback_months: 24}
"""


def test_overlay_attribution_is_consistent(write_config):
    path = write_config(CHURN)
    overlay = load_overlay(write_config(CFO, "cfo.yaml"))
    options = RunOptions(trials=TRIALS, seed=9)
    result, report = overlay_analysis(str(path), overlay, options)
    assert report["seed"] == result.seed == 9
    base = simulate_model(load_config(path), options).npv
    assert report["base"] == key_figures(base)
    assert report["overlaid"] == key_figures(result.npv)
    total = report["change"]
    seq = report["attribution"]["sequential"]["rows"]
    one = report["attribution"]["one_at_a_time"]
    assert [r["path"] for r in seq] == ["priors.cut", "lines.Churn avoided.lag", "discount_rate"]
    assert "sequential" in report["attribution"]["sequential"]["method"]
    assert "one at a time" in one["method"]
    for key in ("prob_npv_positive", "npv_p50", "npv_mean"):
        assert sum(r[key] for r in seq) == pytest.approx(total[key], rel=1e-9, abs=1e-9)
        assert one["sum"][key] + one["interaction"][key] == pytest.approx(total[key], abs=1e-6)
    # one at a time: each change applied alone, on the same draws
    for i, row in enumerate(one["rows"]):
        alone = simulate_model(load_config(path, overlay=overlay.subset([i, 3])), options).npv
        assert row["npv_mean"] == pytest.approx(np.mean(alone) - np.mean(base), rel=1e-12)
    assert report["paired"]["prob_a_above_b"] == float(np.mean(result.npv > base))
    assert any("no longer moves with costs[1].start_month" in n for n in report["notes"])


def test_overlay_cli_writes_overlay_json(write_config, tmp_path, capsys):
    path = write_config(CHURN)
    cfo = write_config(CFO, "cfo.yaml")
    out = tmp_path / "r"
    argv = ["run", str(path), "--overlay", str(cfo), "--out", str(out), "--trials", "1000"]
    assert main([*argv, "--seed", "2", "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "one at a time" in text and "sequential (file order)" in text
    folder = out / "case--cfo"
    report = json.loads((folder / "overlay.json").read_text())
    summary = json.loads((folder / "summary.json").read_text())
    assert report["overlaid"]["prob_npv_positive"] == summary["probabilities"]["npv_positive"]
    assert summary["discount_rate"] == 0.12
    assert [c["path"] for c in report["changes"]][-1] == "targets.payback_months"


def test_overlay_problems_name_the_overlay_file(write_config, tmp_path, capsys):
    path = write_config(CHURN)
    bad = write_config("simulation: {trials: 10}\npriors:\n  cutt: {multiply: 0.5}\n", "bad.yaml")
    assert main(["run", str(path), "--overlay", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: simulation: an overlay cannot override 'simulation'" in err
    bad.write_text("lines:\n  Churn avoidd: {lag: {add: 3}}\n", encoding="utf-8")
    assert main(["run", str(path), "--overlay", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: lines.Churn avoidd.lag: there is no line named 'Churn avoidd'" in err
    assert "did you mean 'Churn avoided'?" in err
    bad.write_text("priors:\n  cut: {add: 0.9}\n", encoding="utf-8")  # cut leaves [0, 1]
    assert main(["run", str(path), "--overlay", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: priors.cut: " in err and "benefits[0].churn_reduction, which uses it" in err


# -- charts ------------------------------------------------------------------------------------


def test_risk_return_labels_do_not_overlap():
    from simulate import plotting

    rng = np.random.default_rng(4)
    names = [f"Initiative number {i} with a fairly long descriptive name" for i in range(11)]
    points = []
    for name in names:
        m, p = rng.uniform(-2e5, 3e6), rng.uniform(0.0, 0.5)
        for s, dm, dp in ((None, 0, 0), ("conservative", -0.3, 0.1), ("optimistic", 0.3, -0.05)):
            points.append(
                plotting.PortfolioPoint(name, name, m * (1 + dm), min(max(p + dp, 0), 1), s)
            )
    meta = plotting.PortfolioMeta(
        "Portfolio", "EUR", "0", runs=len(points), trials=1000, root_seed=1
    )
    fig = plotting.risk_return(points, meta)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    boxes = [
        t.get_window_extent(renderer) for t in ax.texts if (t.get_gid() or "").startswith("label-")
    ]
    assert len(boxes) == len(names)
    assert not [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 for b in boxes)
    assert "€" in ax.yaxis.get_major_formatter()(1e6, 0)


def test_scenario_cdfs_one_curve_per_run():
    from simulate import plotting
    from simulate.compare import cdf_points

    rng = np.random.default_rng(2)
    curves = []
    for label, shift in (("as written", 0.0), ("conservative", -5e5)):
        x = rng.normal(1e6 + shift, 5e5, 500)
        curves.append((label, *cdf_points(x), float(np.mean(x > 0))))
    meta = plotting.ChartMeta("Case", "USD", 500, 1, "random", "0", "abc", 36)
    fig = plotting.scenario_cdfs(curves, meta)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(legend) == 2 and legend[1].startswith("conservative")
    assert legend[0].endswith(f"P(NPV > 0) {format_probability(curves[0][3])}")


def test_a_row_whose_folder_name_is_too_long_states_the_folder_rule(tmp_path, configs_dir):
    # each name fits on its own; config and scenario together ("<config>--<scenario>") do not
    from simulate.batch.plan import plan
    from simulate.files import FOLDER_RULE

    text = (configs_dir / "contact_center_aht.yaml").read_text(encoding="utf-8")
    text = text.replace("\n  conservative:\n", "\n  " + "c" * 120 + ":\n", 1)
    config = tmp_path / ("x" * 100 + ".yaml")
    config.write_text(text, encoding="utf-8")
    out = plan([str(config)], np.random.SeedSequence(1))
    (failed,) = out.failed
    (message,) = failed.problems
    assert "cannot name a result folder" in message and "it is 222 bytes long" in message
    assert message.endswith(FOLDER_RULE)  # the rule the folder check applies, not another
    assert len(out.items) == 2  # the config as written and its other scenario still run
