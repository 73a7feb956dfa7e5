"""A portfolio that holds at fifty initiatives (issue 14, item 4).

The risk-return chart names the largest investments (a stated rule) and sizes
points by investment; the NPV ranges ("forest") chart and the portfolio table
(CSV and chart) carry the rest; ``simulate batch`` skips template configs and
prints its root seed readably.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_plotting import _collisions, _outside, _texts

from simulate import plotting
from simulate.batch import batch_text, draw_portfolio, run_batch
from simulate.batch.text import readable_seed
from simulate.cli import main
from simulate.runner import RunOptions

CONFIG = """\
name: NAME
horizon_months: 24
priors:
  lift: {dist: pert, min: 0.3, mode: 1.0, max: 1.6, label: Benefit realised}
benefits:
  - type: recurring
    amount: MONTHLY
    scale: lift
costs:
  - type: one_time
    amount: COST
    scale: {dist: uniform, min: 0.9, max: 1.4}
"""

_REGIONS = ("pilot", "rollout", "EMEA", "APAC", "for premium customers in the northern region")


def _portfolio(folder: Path, n: int = 50) -> list[Path]:
    """``n`` small configs with long and repeated names, every tenth with a scenario."""
    rng = np.random.default_rng(14)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        cost = float(rng.choice([2e5, 1e6, 4e6])) * rng.uniform(0.5, 1.5)
        text = (
            CONFIG.replace("NAME", f"Initiative {i % 17} {_REGIONS[i % 5]}")
            .replace("MONTHLY", str(round(cost / rng.uniform(12, 40))))
            .replace("COST", str(round(cost)))
        )
        if i % 10 == 0:
            text += "scenarios:\n  conservative:\n    priors:\n      lift: {multiply: 0.7}\n"
        path = folder / f"init_{i:02d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def fifty(tmp_path_factory):
    """A batch of fifty initiatives (no run charts), and its portfolio charts drawn once."""
    root = tmp_path_factory.mktemp("fifty")
    _portfolio(root / "configs")
    template = (Path(__file__).parent.parent / "configs" / "template.yaml").read_text()
    (root / "configs" / "template.yaml").write_text(template, encoding="utf-8")
    out = root / "out"
    notes: list[str] = []
    report = run_batch([root / "configs"], out, RunOptions(trials=300, figures=False),
                       seed=3, note=notes.append)  # fmt: skip
    files = draw_portfolio(out, report.rows, report.meta, ["png"])
    return {"root": root, "out": out, "report": report, "notes": notes, "files": files}


def _points(report) -> list:
    from simulate.batch.charts import _points as points_of

    return points_of([r for r in report.rows if r["status"] == "ok"])


def _meta(n: int) -> plotting.PortfolioMeta:
    return plotting.PortfolioMeta("Portfolio", "USD", "0.1.0", runs=n, trials=300,
                                  root_seed="3 (--seed)")  # fmt: skip


def _clean(fig) -> None:
    texts = _texts(fig)
    assert not _collisions(fig, texts)
    assert not _outside(fig, texts)


# --- the batch ------------------------------------------------------------------------


def test_the_template_is_skipped_with_a_note_and_moves_no_seed(fifty):
    report = fifty["report"]
    assert report.status == 0
    assert not any(r["config"].endswith("template.yaml") for r in report.rows)
    assert [Path(t).name for t in report.meta["templates_skipped"]] == ["template.yaml"]
    (note,) = [n for n in fifty["notes"] if "template" in n]
    assert "template.yaml: skipped" in note and "--include-templates" in note
    assert report.meta["configs"] == 50
    assert len(report.rows) == 55  # 50 as written, 5 scenarios
    assert "1 template(s) skipped" in batch_text(report).splitlines()[0]


def test_include_templates_runs_it_and_keeps_every_other_seed(fifty, tmp_path):
    configs = fifty["root"] / "configs"
    chosen = [configs / "init_00.yaml", configs / "template.yaml", configs / "init_01.yaml"]
    out = tmp_path / "out"
    argv = ["batch", *map(str, chosen), "--out", str(out), "--seed", "3", "--trials", "200",
            "--no-figures", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    skipped = json.loads((out / "batch_summary.json").read_text())
    assert main([*argv, "--include-templates"]) == 0
    included = json.loads((out / "batch_summary.json").read_text())
    assert skipped["templates_skipped"] == [str(chosen[1])]
    assert included["templates_skipped"] == []
    seeds = {r["config"]: r["seed"] for r in included["rows"]}
    assert str(chosen[1]) in seeds
    assert {r["config"]: r["seed"] for r in skipped["rows"]} == {
        c: s for c, s in seeds.items() if c != str(chosen[1])
    }


def test_a_batch_of_templates_only_is_a_usage_error(fifty, tmp_path, capsys):
    template = fifty["root"] / "configs" / "template.yaml"
    assert main(["batch", str(template), "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "every config found is a template" in err and "--include-templates" in err
    assert "Traceback" not in err
    # the error names what was given (it said "<config>:"): the file, or the folder
    assert f"\nerror: {template}: every config found is a template" in err
    only = tmp_path / "templates"
    only.mkdir()
    (only / "template.yaml").write_text(template.read_text(), encoding="utf-8")
    assert main(["batch", str(only), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"\nerror: {only}: every config found is a template" in err and "<config>" not in err


def test_rows_carry_the_investment(fifty):
    for r in fifty["report"].rows:
        summary = json.loads((Path(r["result_dir"]) / "summary.json").read_text())
        assert r["pv_costs_mean"] == summary["metrics"]["pv_costs"]["mean"]


@pytest.mark.parametrize(
    ("meta", "text"),
    [
        ({"root_seed": 42, "root_seed_from": "--seed"}, "42 (--seed)"),
        ({"root_seed": 10**40 + 7, "root_seed_from": "--seed"}, f"{10**40 + 7} (--seed)"),
        (
            {"root_seed": 123456789012345678901234567890123456789, "root_seed_from": "OS entropy"},
            "123456789012… (OS entropy; first 12 digits, all in batch_summary.json)",
        ),
    ],
)
def test_the_root_seed_is_printed_readably(meta, text):
    assert readable_seed(meta) == text


def test_footers_print_the_entropy_seed_cut_short(fifty, tmp_path):
    out = tmp_path / "out"
    configs = [str(fifty["root"] / "configs" / f"init_0{i}.yaml") for i in (2, 3)]
    report = run_batch(configs, out, RunOptions(trials=200, figures=False), note=lambda _: None)
    seed = str(report.meta["root_seed"])
    assert len(seed) > 30 and report.meta["root_seed_from"] == "OS entropy"
    first = batch_text(report).splitlines()[0]
    assert f"root seed {seed[:12]}… (OS entropy" in first and seed not in first
    fig_files = draw_portfolio(out, report.rows, report.meta, ["png"])
    assert [p.name for p in fig_files] == ["risk_return.png", "npv_ranges.png",
                                           "portfolio_table.csv"]  # fmt: skip
    meta = plotting.PortfolioMeta("P", "USD", "0", 2, 200, readable_seed(report.meta))
    assert f"batch root seed {seed[:12]}…" in meta.stamp() and seed not in meta.stamp()


# --- the risk-return chart --------------------------------------------------------------


def test_risk_return_names_the_largest_investments_and_sizes_points(fifty):
    points = _points(fifty["report"])
    named = plotting.named_groups(points)
    groups = list(dict.fromkeys(p.group for p in points))
    assert len(groups) == 50 and len(named) == plotting.MAX_NAMED
    first = {g: next(p for p in points if p.group == g) for g in groups}
    by_size = sorted(groups, key=lambda g: -first[g].investment)
    assert set(named) == set(by_size[: plotting.MAX_NAMED])
    fig = plotting.risk_return(points, _meta(len(points)), table="portfolio_table.csv")
    ax = fig.axes[0]
    labels = [t for t in ax.texts if str(t.get_gid()).startswith("label-")]
    assert sorted(t.get_text().replace("\n", " ") for t in labels) == sorted(
        first[g].label for g in named
    )
    text = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "named: the 12 largest investments (PV of costs) of 50 initiatives" in text
    assert "portfolio_table.csv lists the other 38" in text
    drawn = {
        int(line.get_gid().split("-")[1]): line.get_markersize()
        for line in ax.get_lines()
        if str(line.get_gid()).startswith("point-")
    }
    order = np.argsort([p.investment for p in points])
    assert np.all(np.diff([drawn[i] for i in order]) >= 0)  # area grows with investment
    _clean(fig)
    boxes = [t.get_window_extent() for t in labels]
    assert not [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]


def test_a_few_initiatives_are_all_named():
    points = [
        plotting.PortfolioPoint(f"Case {i}", f"c{i}", 1e5 * i, 0.1 * i, investment=1e5 * (i + 1))
        for i in range(5)
    ]
    assert plotting.named_groups(points) == [f"c{i}" for i in range(5)]
    fig = plotting.risk_return(points, _meta(5))
    assert "named:" not in " ".join(t.get_text() for t in fig.texts)
    _clean(fig)


def test_ties_and_unknown_investments_rank_in_order():
    points = [
        plotting.PortfolioPoint(f"C{i}", f"c{i}", 0.0, 0.5, investment=inv)
        for i, inv in enumerate([None, 5.0, 5.0, 9.0, None])
    ]
    assert plotting.named_groups(points, max_named=3) == ["c1", "c2", "c3"]
    assert plotting.named_groups(points, max_named=4) == ["c0", "c1", "c2", "c3"]


# --- NPV ranges and the portfolio table ---------------------------------------------


def test_npv_ranges_are_sorted_by_median_and_grow_with_the_rows(fifty):
    points = [p for p in _points(fifty["report"]) if p.scenario is None]
    fig = plotting.npv_ranges(points, _meta(len(points)))
    ax = fig.axes[0]
    medians = [p.npv_p50 for p in sorted(points, key=lambda p: -p.npv_p50)]
    drawn = [
        float(line.get_xdata()[0])
        for line in sorted(
            (ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("median-")),
            key=lambda ln: int(ln.get_gid().split("-")[1]),
        )
    ]
    assert drawn == medians
    ranges = {ln.get_gid(): list(ln.get_xdata()) for ln in ax.get_lines()}
    best = max(points, key=lambda p: p.npv_p50)
    assert ranges["range-0"] == [best.npv_p10, best.npv_p90]
    names = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert names[0] == best.label
    assert fig.get_size_inches()[1] > 50 * 0.28  # a row per initiative, never crowded
    _clean(fig)


def test_the_portfolio_table_lists_the_rest_and_fits(fifty):
    files = {p.name: p for p in fifty["files"]}
    assert set(files) == {"risk_return.png", "npv_ranges.png", "portfolio_table.csv",
                          "portfolio_table.png"}  # fmt: skip
    with open(files["portfolio_table.csv"], newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 55
    investments = [float(r["pv_costs_mean"]) for r in table]
    assert investments == sorted(investments, reverse=True)
    named = {r["config"] for r in table if r["named_on_chart"] == "True"}
    assert named == set(plotting.named_groups(_points(fifty["report"])))
    points = _points(fifty["report"])
    rest = [p for p in points if p.group not in named]
    longest = "A customer-experience programme whose name goes on " * 3  # too long for a cell
    rest.append(plotting.PortfolioPoint(longest, "long", 1e6, 0.2, "downside", 2e6))
    fig = plotting.portfolio_table(rest, _meta(len(rest)))
    cells = [t.get_text() for t in fig.axes[0].texts if str(t.get_gid()).startswith("cell-")]
    assert len(cells) == 5 * len(rest)
    assert cells[-5:-3] == [cells[-5], "downside"] and cells[-3:] == ["20.0%", "$1M", "$2M"]
    assert cells[-5].endswith("…") and longest.startswith(cells[-5][:-1])
    for p, name in zip(rest, cells[::5], strict=True):  # whole, or cut where it must be
        assert name == p.label or (name.endswith("…") and p.label.startswith(name[:-1]))
    assert sum(name.endswith("…") for name in cells[::5]) < len(rest) // 2
    _clean(fig)
