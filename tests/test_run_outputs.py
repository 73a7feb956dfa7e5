"""What a run writes, checked from outside: plain numbers, every prior, labels, finite outputs.

Issue 10 items 6 to 9 and issue 11 items 1, 11, 17 and 19 (the folder side):
result folders stay inside ``--out``, replace only what a run writes, and
survive concurrent runs.
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate import engine, runner
from simulate.batch import ItemOutcome, RowSpec, row_for, write_summary
from simulate.cli import main
from simulate.config import load_overlay
from simulate.config.build import model_from_dict
from simulate.files import dumps
from simulate.report.data import pack_data
from simulate.runner import RunOptions, simulate_model

CASE = """\
name: Outputs case
horizon_months: 24
discount_rate: 0.08
simulation: {trials: 400, seed: 5}
targets: {payback_months: 12, roi: 0.5}
priors:
  cut: {dist: pert, min: 0.05, mode: 0.10, max: 0.20}
  price: {dist: fixed, value: 40}
benefits:
  - type: recurring
    amount: 30000
    scale: cut
  - type: spend_uplift
    customers: 1000
    spend_per_customer: price
    uplift: 0.05
    margin: 0.5
costs:
  - type: one_time
    amount: 20000
scenarios:
  high: {priors: {cut: {min: 0.10, mode: 0.15, max: 0.25}}}
"""

OVERLAY = """\
name: Sceptic
priors:
  cut: {multiply: 0.5}
"""


@pytest.fixture
def case(tmp_path) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return path


def _walk(obj, where="summary"):
    """Every leaf of a JSON-like tree with its place."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{where}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{where}[{i}]")
    else:
        yield where, obj


# -- issue 10 item 6: plain numbers ---------------------------------------------------------------


def test_summary_holds_only_plain_python_values(case):
    summary = simulate.run(simulate.load_config(case), trials=400, seed=5).summary()
    for where, value in _walk(summary):
        assert value is None or type(value) in (str, int, float, bool), (where, type(value))


def test_batch_summary_csv_holds_plain_numbers(case, tmp_path):
    result = simulate.run(simulate.load_config(case), trials=400, seed=5)
    spec = RowSpec(0, str(case), None, "case", "Outputs case", 5)
    outcome = ItemOutcome(0, "ok", summary=result.summary(), seconds=0.25)
    # a summary as a caller may still hand it in, with numpy scalars inside
    raw = json.loads(json.dumps(result.summary()))
    raw["probabilities"]["npv_positive"] = np.float64(0.872)
    raw["trials"] = np.int64(400)
    odd = ItemOutcome(1, "ok", summary=raw, seconds=np.float64(0.5))
    rows = [row_for(spec, outcome, tmp_path), row_for(spec, odd, tmp_path)]
    write_summary(tmp_path / "out", rows, {"root_seed": 1})
    with open(tmp_path / "out" / "batch_summary.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    numeric = ["seed", "trials", "prob_npv_positive", "npv_mean", "npv_p10", "npv_p50",
               "npv_p90", "npv_cvar5", "roi_p50", "payback_p50", "payback_within_target",
               "roi_at_least_target", "seconds"]  # fmt: skip
    for row in table:
        for column in numeric:
            float(row[column])  # a plain number, never "np.float64(...)"
    assert table[1]["prob_npv_positive"] == "0.872"


# -- issue 10 item 7: every named prior in samples.npz ---------------------------------------------


def test_samples_hold_every_named_prior_fixed_ones_too(case, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out), "--no-figures", "--quiet",
                 "--save-samples"]) == 0  # fmt: skip
    with np.load(out / "case" / "samples.npz") as npz:
        assert {"input__cut", "input__price"} <= set(npz.files)
        price = npz["input__price"]
        assert price.shape == (400,) and np.all(price == 40.0)
        assert npz["input__cut"].std() > 0


# -- issue 10 item 8: labelled overlays and scenarios -----------------------------------------------


def test_summary_records_scenario_overlay_hash_and_targets(case, tmp_path):
    overlay_path = tmp_path / "sceptic.yaml"
    overlay_path.write_text(OVERLAY, encoding="utf-8")
    out = tmp_path / "out"
    base = ["run", str(case), "--out", str(out), "--no-figures", "--quiet"]
    assert main(base) == 0
    assert main([*base, "--overlay", str(overlay_path)]) == 0
    assert main([*base, "--scenario", "high"]) == 0
    plain = json.loads((out / "case" / "summary.json").read_text())
    overlaid = json.loads((out / "case--sceptic" / "summary.json").read_text())
    scenario = json.loads((out / "case--high" / "summary.json").read_text())
    assert plain["overlay"] is None and plain["scenario"] is None
    assert plain["config_hash"] == simulate.load_config(case).config_hash
    assert overlaid["overlay"] == {"file": str(overlay_path), "name": "Sceptic"}
    assert scenario["scenario"] == "high"
    hashes = {plain["config_hash"], overlaid["config_hash"], scenario["config_hash"]}
    assert len(hashes) == 3
    assert plain["targets"] == {"payback_months": 12.0, "roi": 0.5}
    keys = list(plain)
    for key in ("name", "config", "scenario", "trials", "seed", "sampling", "horizon_months",
                "discount_rate", "currency", "metrics", "probabilities", "version"):  # fmt: skip
        assert key in keys
    assert keys.index("metrics") < keys.index("probabilities") < keys.index("version")


def test_an_overlays_content_changes_the_hash(case, tmp_path):
    one, two = tmp_path / "a" / "o.yaml", tmp_path / "b" / "o.yaml"
    for path, factor in ((one, 0.5), (two, 0.6)):
        path.parent.mkdir()
        path.write_text(OVERLAY.replace("0.5", str(factor)), encoding="utf-8")
    hashes = set()
    for path in (one, two):
        overlay = load_overlay(path)
        model, record = runner.identify(simulate.load_config(case, overlay=overlay), overlay)
        hashes.add(model.config_hash)
        assert record == {"file": str(path), "name": "Sceptic"}
    assert len(hashes) == 2


def test_a_scenario_runs_model_and_summary_carry_its_hash(case):
    model = simulate.load_config(case, scenario="high")
    assert model.config_hash != simulate.load_config(case).config_hash  # its own, from loading
    result = simulate_model(model, RunOptions(trials=100, seed=1))
    assert result.model.config_hash == model.config_hash
    assert result.summary()["config_hash"] == result.model.config_hash


@pytest.mark.parametrize(
    "scenario, overlaid",
    [(None, False), ("high", False), (None, True), ("high", True)],
    ids=["base", "scenario", "overlay", "scenario+overlay"],
)
def test_the_api_summary_is_the_clis_summary_json(case, tmp_path, monkeypatch, scenario, overlaid):
    # docs/interface.md: result.summary() is "the dict written as summary.json", its
    # config_hash never the base case's for a scenario or overlay, and its overlay
    # {"file", "name"}. The API used to keep the base file's hash and overlay None.
    monkeypatch.chdir(tmp_path)  # relative paths, recorded as given by both
    Path("sceptic.yaml").write_text(OVERLAY, encoding="utf-8")
    argv = ["run", case.name, "--out", "out", "--no-figures", "--quiet", "--trials", "300",
            "--seed", "3"]  # fmt: skip
    argv += ["--scenario", scenario] if scenario else []
    argv += ["--overlay", "sceptic.yaml"] if overlaid else []
    assert main(argv) == 0
    folder = Path("out", "case" + (f"--{scenario}" if scenario else "")
                  + ("--sceptic" if overlaid else ""))  # fmt: skip
    written = json.loads((folder / "summary.json").read_text(encoding="utf-8"))

    overlay = load_overlay("sceptic.yaml") if overlaid else None
    model = simulate.load_config(case.name, scenario=scenario, overlay=overlay)
    result = simulate.run(model, trials=300, seed=3)
    assert json.loads(dumps(result.summary())) == written
    assert model.overlay_record == written["overlay"]
    pack = json.loads((folder / "report_data.json").read_text(encoding="utf-8"))
    assert json.loads(dumps(pack_data(result)["summary"])) == pack["summary"]
    if scenario or overlaid:
        assert written["config_hash"] != simulate.load_config(case.name).config_hash
    if overlaid:
        assert written["overlay"] == {"file": "sceptic.yaml", "name": "Sceptic"}


# -- issue 10 item 9: outputs that are not finite ---------------------------------------------------


def _huge(amount: float) -> simulate.Model:
    raw = {
        "name": "Huge", "horizon_months": 12, "discount_rate": 0.1,
        "priors": {"u": {"dist": "uniform", "min": 1, "max": 2}},
        "benefits": [{"type": "recurring", "amount": 1000, "scale": "u"}],
        "costs": [{"type": "one_time", "amount": 1.0, "name": "Build"}],
    }  # fmt: skip
    model = model_from_dict(raw, file="huge.yaml")
    # The config side may refuse such an amount one day: build the overflow through the API.
    cost = model.costs[0]
    fields = dict(cost.fields)
    fields["amount"] = type(fields["amount"])(value=amount)
    from dataclasses import replace

    return replace(model, costs=(replace(cost, fields=fields),))


@pytest.mark.parametrize("amount", [1e308, 1.7e308, 1e100])
def test_outputs_that_cannot_be_computed_are_an_error_naming_the_cause(amount):
    model = _huge(amount)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may leak
        if amount == 1e100:  # finite, and its spread is 0: a (silly) answer, not an error
            result = simulate.run(model, trials=300, seed=2)
            assert np.isfinite(result.summary()["metrics"]["npv"]["mean"])
            return
        with pytest.raises(simulate.ConfigError) as err:
            simulate.run(model, trials=300, seed=2)
    text = str(err.value)
    assert "huge.yaml" in text and "Build" in text
    assert "NPV" in text or "PV of costs" in text


def test_a_prior_that_draws_inf_is_an_error_naming_it(monkeypatch):
    raw = {
        "name": "Wide", "horizon_months": 12, "discount_rate": 0.1,
        "priors": {"u": {"dist": "uniform", "min": 1, "max": 2}},
        "benefits": [{"type": "recurring", "amount": 1000, "scale": "u"}],
        "costs": [{"type": "one_time", "amount": 10.0}],
    }  # fmt: skip
    model = model_from_dict(raw, file="wide.yaml")
    real = engine.Draws.draw

    def overflowing(self, first, last):
        inputs = real(self, first, last)
        inputs[0, ::2] = inputs[0, ::2] * 1e308 * 1e308  # overflows, as a bad ppf would
        return inputs

    monkeypatch.setattr(engine.Draws, "draw", overflowing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(simulate.ConfigError, match=r"wide.yaml: priors.u: .*150 values"):
            simulate.run(model, trials=300, seed=2)


def test_the_cli_reports_an_uncomputable_run_with_exit_2_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    path = tmp_path / "huge.yaml"
    path.write_text(
        "name: Huge\nhorizon_months: 12\ndiscount_rate: 0.1\n"
        "benefits: [{type: recurring, amount: 1000}]\n"
        "costs: [{type: one_time, amount: 1000, name: Build}]\n",
        encoding="utf-8",
    )
    import simulate.cli.run as run_cli

    real = run_cli.load_config

    def load(*args, **kwargs):
        model = real(*args, **kwargs)
        huge = _huge(1.7e308)
        from dataclasses import replace

        return replace(model, costs=huge.costs)

    monkeypatch.setattr(run_cli, "load_config", load)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not finite" in err or "too large" in err
    assert "Traceback" not in err and "RuntimeWarning" not in err
    assert not out.exists() or not any(out.rglob("*"))


# -- issue 11 items 1, 11, 17, 19 and 15: result folders ----------------------------------------

ESCAPING = """\
name: Escaping
horizon_months: 12
simulation: {trials: 200, seed: 1}
benefits: [{type: recurring, amount: 1000}]
costs: [{type: one_time, amount: 5000}]
scenarios:
  ok: {discount_rate: 0.05}
  "NAME": {discount_rate: 0.2}
"""


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("x/../../escaped", "x/../../escaped"),
        ("a" * 300, "a" * 300),
        ("a\\0b", "a\0b"),
        ("a\\\\b", "a\\b"),
    ],
)
def test_a_scenario_name_never_makes_a_folder_outside_out(tmp_path, capsys, written, name):
    path = tmp_path / "cfg" / "esc.yaml"
    path.parent.mkdir()
    path.write_text(ESCAPING.replace("NAME", written), encoding="utf-8")
    out = tmp_path / "deep" / "out"
    for args in (["--scenario", "all"], ["--scenario", name]):
        status = main(["run", str(path), "--out", str(out), "--no-figures", "--quiet", *args])
        assert status == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "esc.yaml" in err
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()
    assert not out.exists() or not any(out.rglob("*"))  # nothing written, not even the base


def test_a_batch_never_writes_a_scenarios_folder_outside_out(tmp_path):
    from simulate.batch import run_batch

    path = tmp_path / "cfg" / "esc.yaml"
    path.parent.mkdir()
    path.write_text(ESCAPING.replace("NAME", "x/../../escaped"), encoding="utf-8")
    out = tmp_path / "deep" / "out"
    report = run_batch([str(path)], out, RunOptions(figures=False), seed=1, note=lambda _: None)
    assert report.status == 2
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "deep" / "escaped").exists()
    bad = [r for r in report.rows if r["status"] == "error"]
    assert bad and all("esc.yaml" in r["error"] for r in bad)


def test_out_that_is_a_file_or_under_one_is_refused_before_simulating(tmp_path, case, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    for out in (a_file, a_file / "sub"):
        with pytest.raises(SystemExit) as exit_:
            main(["run", str(case), "--out", str(out), "--quiet"])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert "--out" in err and str(a_file) in err and "Traceback" not in err
    assert a_file.read_text() == "x"


def test_a_full_disk_while_writing_is_one_clean_line_and_leaves_the_old_folder(
    tmp_path, case, capsys, monkeypatch
):
    import errno

    from simulate import runner as runner_module

    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out), "--no-figures", "--quiet"]) == 0
    before = (out / "case" / "summary.json").read_bytes()

    def full(path, obj):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner_module, "write_json", full)
    status = main(["run", str(case), "--out", str(out), "--no-figures", "--quiet", "--seed", "9"])
    assert status == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert (out / "case" / "summary.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["case"]  # no temporary folder left


def test_two_configs_with_one_result_folder_are_refused(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.yaml").write_text(CASE, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["run", str(tmp_path / "a" / "x.yaml"), str(tmp_path / "b" / "x.yaml"),
                   "--out", str(out), "--no-figures", "--quiet"])  # fmt: skip
    assert status == 2
    assert "would both write the result folder 'x'" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_a_run_replaces_only_the_files_it_writes(tmp_path, case):
    out = tmp_path / "out"
    folder = out / "case"
    folder.mkdir(parents=True)
    (folder / "sensitivity.json").write_text("{}", encoding="utf-8")
    (folder / "figures").mkdir()
    (folder / "figures" / "npv.png").write_bytes(b"an earlier chart")
    assert main(["run", str(case), "--out", str(out), "--no-figures", "--quiet"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["figures", "report_data.json",
                                                        "sensitivity.json", "summary.json"]  # fmt: skip
    assert (folder / "figures" / "npv.png").read_bytes() == b"an earlier chart"


def test_scenario_all_writes_its_folders_and_comparison_as_a_set(tmp_path, case, monkeypatch):
    import simulate.batch
    import simulate.cli.run as run_cli

    out = tmp_path / "out"
    base = ["run", str(case), "--out", str(out), "--no-figures", "--quiet", "--scenario", "all"]
    assert main([*base, "--seed", "1"]) == 0
    names = ["case", "case--high", "comparisons"]
    assert sorted(p.name for p in out.iterdir()) == names
    old = {p: p.read_bytes() for p in out.rglob("*.json")}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # after the base and the scenario, before the comparison

    # run imports it from simulate.batch when a set needs it
    monkeypatch.setattr(simulate.batch, "write_config_comparison", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_cli.cmd_run(simulate.cli.build_parser().parse_args([*base, "--seed", "2"]))
    assert {p: p.read_bytes() for p in out.rglob("*.json")} == old  # the old set, whole
    assert sorted(p.name for p in out.iterdir()) == names  # no staging folder left
    monkeypatch.undo()
    assert main([*base, "--seed", "2"]) == 0
    seeds = {json.loads((out / n / "summary.json").read_text())["seed"] for n in names[:2]}
    assert seeds == {2}
    assert json.loads((out / "comparisons" / "case.json").read_text())["runs"][0]["seed"] == 2


def test_result_folders_respect_the_umask(tmp_path, case):
    import os

    old = os.umask(0o022)
    try:
        assert main(["run", str(case), "--out", str(tmp_path / "o"), "--no-figures",
                     "--quiet"]) == 0  # fmt: skip
    finally:
        os.umask(old)
    assert (tmp_path / "o" / "case").stat().st_mode & 0o777 == 0o755


def test_dask_addresses_are_checked_for_their_form_at_once():
    import argparse
    import time

    from simulate.cli.options import check_dask_reachable, dask_address

    assert dask_address("tcp://scheduler:8786") == "tcp://scheduler:8786"
    assert dask_address("10.0.0.5:8786") == "10.0.0.5:8786"
    for bad in ("not-an-address", "tcp://host", "host:0", "host:70000", "http://h:1", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="tcp://HOST:PORT"):
            dask_address(bad)
    start = time.perf_counter()
    with pytest.raises(simulate.ConfigError, match="--dask: cannot reach"):
        check_dask_reachable("tcp://127.0.0.1:1", timeout=1.0)  # nothing listens on port 1
    assert time.perf_counter() - start < 3


def test_sobol_n_below_two_is_a_usage_error_naming_the_flag(case, tmp_path, capsys):
    status = main(["sensitivity", str(case), "--methods", "sobol", "--sobol-n", "1",
                   "--out", str(tmp_path / "o"), "--no-figures", "--quiet"])  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --sobol-n: ") and "<config>" not in err


def test_more_trials_than_memory_allows_is_a_clean_error(case):
    with pytest.raises(simulate.ConfigError, match=r"trials need .* GiB of memory"):
        simulate.run(simulate.load_config(case), trials=10**13, seed=1)


def test_scenario_all_with_an_overlay_runs_every_scenario_overlaid(case, tmp_path):
    overlay_path = tmp_path / "sceptic.yaml"
    overlay_path.write_text(OVERLAY, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(case), "--out", str(out), "--no-figures", "--quiet", "--scenario",
                 "all", "--overlay", str(overlay_path)]) == 0  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [
        "case--high--sceptic", "case--sceptic", "comparisons"]  # fmt: skip
    hashes = {json.loads((out / n / "summary.json").read_text())["config_hash"]
              for n in ("case--high--sceptic", "case--sceptic")}  # fmt: skip
    assert len(hashes) == 2
    assert (out / "comparisons" / "case--sceptic.json").exists()


def test_an_extreme_discount_rate_is_an_error_without_numpy_warnings():
    from dataclasses import replace

    raw = {
        "name": "Rate", "horizon_months": 600, "discount_rate": 0.1,
        "benefits": [{"type": "recurring", "amount": 1000}],
        "costs": [{"type": "recurring", "amount": 10.0}],
    }  # fmt: skip
    # the config side may refuse such a rate one day: set it through the API
    model = replace(model_from_dict(raw, file="rate.yaml"), discount_rate=-0.9999999999)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(simulate.ConfigError, match=r"rate.yaml: NPV is not finite in 100 of"):
            simulate.run(model, trials=100, seed=1)


def test_sensitivity_refuses_a_scenario_name_that_leaves_out_before_any_work(tmp_path, capsys):
    path = tmp_path / "cfg" / "esc.yaml"
    path.parent.mkdir()
    path.write_text(ESCAPING.replace("NAME", "x/../../escaped"), encoding="utf-8")
    out = tmp_path / "deep" / "out"
    status = main(["sensitivity", str(path), "--scenario", "x/../../escaped", "--methods",
                   "tornado", "--out", str(out), "--no-figures", "--quiet"])  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    # refused by the config's rule on scenario names (with its line) or, as a
    # second net, by the folder check: either way one line naming file and scenario
    assert err.startswith(f"error: {path}") and "scenarios.x/../../escaped" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "escaped").exists() and not out.exists()
