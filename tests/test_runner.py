"""simulate.runner: one run as ``simulate run`` makes it, and the files of its folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulate import load_config
from simulate.files import dumps
from simulate.plotting.figures import STANDARD
from simulate.runner import RunOptions, run_warnings, simulate_model, write_run

CASE = """\
name: Runner case
horizon_months: 24
simulation: {trials: 300, seed: 8, sampling: random}
priors:
  cut: {dist: pert, min: 0.05, mode: 0.10, max: 0.20}
benefits:
  - type: retention
    name: Churn avoided
    customers: 20000
    arpu: 40
    margin: 0.6
    base_churn: 0.02
    churn_reduction: cut
costs:
  - type: one_time
    name: Set-up
    amount: 50000
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("runner") / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return load_config(path)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- simulate_model -----------------------------------------------------------------------------


def test_the_config_sets_what_the_options_leave_unset(model):
    result = simulate_model(model, RunOptions())
    assert (result.trials, result.seed, result.sampling) == (300, 8, "random")
    assert result.inputs is None  # no samples saved, so no inputs kept


def test_options_and_seed_override_the_config(model):
    options = RunOptions(trials=256, seed=3, sampling="sobol", save_samples=True)
    result = simulate_model(model, options)
    assert (result.trials, result.seed, result.sampling) == (256, 3, "sobol")
    assert result.inputs is not None and result.inputs.shape == (len(model.inputs), 256)
    again = simulate_model(model, options, seed=4, keep_inputs=False)
    assert again.seed == 4 and again.inputs is None
    assert not np.array_equal(again.npv, result.npv)


def test_a_set_without_any_seed_shares_one_fresh_seed(tmp_path):
    """A config and its scenarios with no seed anywhere run on one seed drawn for the set,
    so their trials stay paired; each run records it. A scenario's own seed still wins."""
    from simulate.runner import simulate_set

    text = CASE.replace("seed: 8, ", "") + (
        "scenarios:\n"
        "  higher: {priors: {cut: {min: 0.06, mode: 0.11, max: 0.21}}}\n"
        "  own: {simulation: {seed: 5}}\n"
    )
    path = tmp_path / "noseed.yaml"
    path.write_text(text, encoding="utf-8")
    base = load_config(path)
    models = [base, *(load_config(path, scenario=s) for s in ("higher", "own"))]
    first = simulate_set(models, RunOptions())
    again = simulate_set(models, RunOptions())
    assert first[0].seed == first[1].seed != again[0].seed == again[1].seed
    assert first[2].seed == again[2].seed == 5
    # Paired: shifting the PERT up raises every trial's draw, so its NPV.
    assert np.all(first[1].npv >= first[0].npv)


def test_run_warnings_add_sobol_balance_to_the_config_warnings(model):
    assert run_warnings(model, RunOptions()) == list(model.warnings)
    assert run_warnings(model, RunOptions(sampling="sobol", trials=1024)) == list(model.warnings)
    warned = run_warnings(model, RunOptions(sampling="sobol", trials=1000))
    assert warned[: len(model.warnings)] == list(model.warnings)
    assert len(warned) == len(model.warnings) + 1
    # 1,000 trials are cut into batches of 64 (batch_size_for): a multiple of 64 is balanced.
    assert "1,000 trials is not a multiple of the 64 trials" in warned[-1]
    assert "960" in warned[-1] and "1,024" in warned[-1]
    single = run_warnings(model, RunOptions(sampling="sobol", trials=500))[-1]
    assert "500 trials is not a power of two (e.g. use 256 or 512)" in single
    large = run_warnings(model, RunOptions(sampling="sobol", trials=100_000))[-1]
    assert "multiple of the 8,192 trials" in large and "98,304 or 106,496" in large
    assert run_warnings(model, RunOptions(sampling="sobol", trials=98_304)) == list(model.warnings)


# -- write_run ----------------------------------------------------------------------------------


def test_write_run_without_charts_writes_the_summary_and_the_report_data(model, tmp_path):
    options = RunOptions(figures=False)
    result = simulate_model(model, options)
    write_run(tmp_path, result, options)
    assert _files(tmp_path) == {"summary.json", "report_data.json"}
    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    assert text == dumps(result.summary())
    assert json.loads(text)["seed"] == 8


def test_write_run_saves_samples_only_when_asked(model, tmp_path):
    options = RunOptions(figures=False, save_samples=True)
    result = simulate_model(model, options)
    write_run(tmp_path, result, options)
    assert _files(tmp_path) == {"summary.json", "report_data.json", "samples.npz"}
    expected = result.sample_arrays()
    assert "input__cut" in expected
    with np.load(tmp_path / "samples.npz") as saved:
        assert sorted(saved.files) == sorted(expected)
        for name, values in expected.items():
            np.testing.assert_array_equal(saved[name], values)


def test_write_run_draws_the_standard_charts_in_each_format(model, tmp_path):
    options = RunOptions(formats=("svg", "pdf"))
    result = simulate_model(model, options)
    write_run(tmp_path, result, options)
    charts = {f"figures/{name}.{fmt}" for name in STANDARD for fmt in ("svg", "pdf")}
    assert len(charts) == 12
    assert _files(tmp_path) == {"summary.json", "report_data.json"} | charts
    assert all((tmp_path / c).stat().st_size > 1000 for c in charts)
