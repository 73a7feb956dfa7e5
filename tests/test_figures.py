"""A run's standard charts: what `simulate run` draws, from which numbers."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate import plotting
from simulate.cli import main
from simulate.plotting.figures import STANDARD, standard_figures, waterfall_items
from simulate.runner import RunOptions, write_run
from simulate.sensitivity import tornado


@pytest.fixture(scope="module")
def result():
    from conftest import CONFIGS

    model = simulate.load_config(CONFIGS / "omnichannel.yaml")
    return simulate.run(model, trials=4000, seed=2)


def test_run_writes_the_standard_charts(configs_dir, tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["run", str(configs_dir / "lead_conversion.yaml"), "--trials", "2000", "--out", str(out)]
    assert main([*argv, "--format", "png,svg", "--quiet"]) == 0
    folder = out / "lead_conversion" / "figures"
    for name in STANDARD:
        png = (folder / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n", name
        ET.parse(folder / f"{name}.svg")
    assert capsys.readouterr().out == ""
    assert main([*argv, "--no-figures", "--quiet"]) == 0
    # a run replaces only what it writes (issue 11 item 19): the earlier charts stay
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.{fmt}" for name in STANDARD for fmt in ("png", "svg")
    )
    summary = json.loads((out / "lead_conversion" / "summary.json").read_text())
    assert summary["trials"] == 2000


def test_waterfall_runs_from_line_pvs_to_the_mean_npv(result):
    items = waterfall_items(result)
    assert [name for name, _ in items] == [line.name for line in result.model.lines]
    assert sum(v for _, v in items) == pytest.approx(result.npv.mean(), rel=1e-9)
    costs = [
        v for (_, v), line in zip(items, result.model.lines, strict=True) if line.kind == "cost"
    ]
    assert all(v <= 0 for v in costs)


def test_charts_are_drawn_from_the_run(result):
    rows = tornado(result.model)
    figs = standard_figures(result, rows)
    assert list(figs) == list(STANDARD)
    # The tornado's bars read top to bottom in the computed order.
    labels = [t.get_text() for t in figs["tornado"].axes[0].get_yticklabels()]
    labels = [t.replace("\n", "") for t in labels]
    expect = [r["label"] for r in rows["rows"]][: len(labels)]
    assert [lab.replace(" ", "") for lab in labels] == [e.replace(" ", "") for e in expect]
    # The NPV chart marks the summary's percentiles.
    ax = figs["npv"].axes[0]
    xs = sorted({float(np.asarray(line.get_xdata())[0]) for line in ax.get_lines()})
    s = result.summary()["metrics"]["npv"]
    for q in ("p10", "p50", "p90"):
        assert any(x == pytest.approx(s[q]) for x in xs), q


def _count_calls(monkeypatch, func, count) -> None:
    """Wrap ``func`` wherever a loaded ``simulate`` module holds it; ``count(args)`` per call."""

    def counting(*args, **kwargs):
        count(args)
        return func(*args, **kwargs)

    held = 0
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("simulate"):
            continue
        for name, value in list(vars(module).items()):
            if value is func:
                monkeypatch.setattr(module, name, counting)
                held += 1
    assert held, f"no simulate module holds {func.__qualname__}"


def test_a_run_draws_and_saves_each_chart_once(result, tmp_path, monkeypatch):
    # write_run once drew and saved every chart twice; each must happen once
    charts = {
        "npv": plotting.npv_distribution,
        "roi": plotting.roi_distribution,
        "payback": plotting.payback_curve,
        "cashflow": plotting.cashflow_fan,
        "tornado": plotting.tornado,
        "waterfall": plotting.waterfall,
    }
    assert set(charts) == set(STANDARD)
    drawn: Counter = Counter()
    saved: Counter = Counter()
    for name, func in charts.items():
        _count_calls(monkeypatch, func, lambda args, name=name: drawn.update([name]))
    _count_calls(monkeypatch, plotting.save, lambda args: saved.update([Path(args[1]).name]))

    folder = tmp_path / "run"
    folder.mkdir()  # write_run fills a folder its caller made
    write_run(folder, result, RunOptions(formats=("svg",)))

    once = dict.fromkeys(STANDARD, 1)
    assert dict(drawn) == once
    assert dict(saved) == once
    files = sorted(p.name for p in (folder / "figures").iterdir())
    assert files == sorted(f"{name}.svg" for name in STANDARD)


def test_standard_charts_split_by_a_success_flag_and_step_at_the_paybacks():
    from conftest import TESTS

    model = simulate.load_config(TESTS / "chart_configs" / "failure_flag.yaml")
    result = simulate.run(model, trials=5000, keep_inputs=False)
    figs = standard_figures(result)
    for name in ("npv", "roi"):
        gids = {a.get_gid() for a in figs[name].axes[0].get_children()}
        assert {"group-0", "group-1"} <= gids, name
    fan = figs["cashflow"].axes[0]
    assert fan.get_legend().get_texts()[0].get_text().startswith("works = 1: ")
    # the payback curve steps at the interpolated paybacks, not at whole months
    xs = next(a for a in figs["payback"].axes[0].get_lines() if a.get_gid() == "payback-curve")
    assert any(not float(x).is_integer() for x in xs.get_xdata())


def test_dollar_signs_in_a_name_are_text_and_a_fixed_outcome_draws(write_config, tmp_path):
    """Two '$' in a title are not TeX maths (a backslash between them crashed the run),
    and an NPV that is the same in every trial still gets a window (no singular xlim)."""
    from simulate.cli import main

    path = write_config(
        'name: "Pay $5 \\\\frac to save $"\nhorizon_months: 12\ndiscount_rate: 0.1\n'
        "simulation: {trials: 500, seed: 1}\n"
        "benefits:\n  - {type: recurring, amount: 1000}\n"
        "costs:\n  - {type: one_time, amount: 5000}\n",
        name="dollar.yaml",
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--format", "svg"]) == 0
    svg = (out / "dollar" / "figures" / "npv.svg").read_text()
    assert "Pay $5 \\frac to save $" in svg
