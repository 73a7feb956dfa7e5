"""Faults in a batch (issue 11, items 15, 16, 18): every failure is its item's row.

One item that fails in any way (a ConfigError, a KeyError while planning,
any exception escaping ``run_item``) becomes that item's error row, with a
one-line message, in every execution mode; a Dask cluster that loses its
last worker ends the batch after ``dask_timeout``; ``--resume`` runs only
what an earlier batch did not finish.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import time
from pathlib import Path

import pytest

from simulate.batch import BatchItem, execute, run_batch, run_item, run_items
from simulate.cli import main
from simulate.engine import Result
from simulate.runner import RunOptions

TRIALS = 500
plan = importlib.import_module(
    "simulate.batch.plan"
)  # the module: the package exports its function

GOOD = """\
name: {name}
priors:
  cut: {{dist: pert, min: 0.05, mode: 0.10, max: 0.20}}
benefits:
  - type: retention
    customers: 20000
    arpu: 30
    margin: 0.5
    base_churn: 0.02
    churn_reduction: cut
costs:
  - type: one_time
    amount: 50000
scenarios:
  low:
    priors:
      cut: {{multiply: 0.5}}
"""


@pytest.fixture
def configs(tmp_path) -> Path:
    folder = tmp_path / "configs"
    folder.mkdir()
    for name in ("alpha", "beta", "gamma"):
        (folder / f"{name}.yaml").write_text(GOOD.format(name=name), encoding="utf-8")
    return folder


def _batch(configs: Path, out: Path, *extra: str) -> int:
    argv = ["batch", str(configs), "--out", str(out), "--seed", "3", "--trials", str(TRIALS)]
    return main([*argv, "--no-figures", "--quiet", *extra])


def _rows(out: Path) -> dict[str, dict]:
    rows = json.loads((out / "batch_summary.json").read_text())["rows"]
    return {
        Path(r["config"]).stem + (f"--{r['scenario']}" if r["scenario"] else ""): r for r in rows
    }


def _raising_for(stem: str, exc: Exception):
    real = execute.run_item

    def run(item, options):
        if Path(item.config).stem == stem:
            raise exc
        return real(item, options)

    return run


def test_an_exception_escaping_run_item_is_that_items_row_in_this_process(
    configs, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(execute, "run_item", _raising_for("beta", TypeError("bad\noperand")))
    assert _batch(configs, tmp_path / "out") == 1  # an internal failure
    rows = _rows(tmp_path / "out")
    assert [rows[s]["status"] for s in ("alpha", "beta", "beta--low", "gamma")] == [
        "ok", "error", "error", "ok",
    ]  # fmt: skip
    assert rows["beta"]["error"] == (
        "internal error: the run failed: TypeError: bad operand"  # one line
    )
    assert (tmp_path / "out" / "gamma--low" / "summary.json").is_file()
    assert "Traceback" in capsys.readouterr().err  # an internal error is loud


def test_an_exception_while_planning_is_that_configs_row(configs, tmp_path, monkeypatch):
    real = plan.load_config

    def load(path, **kwargs):
        if Path(path).stem == "alpha":
            raise KeyError("amount")
        return real(path, **kwargs)

    monkeypatch.setattr(plan, "load_config", load)
    assert _batch(configs, tmp_path / "out") == 1
    rows = _rows(tmp_path / "out")
    assert rows["alpha"]["status"] == "error"
    assert rows["alpha"]["error"].endswith("alpha.yaml: internal error: KeyError: 'amount'")
    assert rows["beta"]["status"] == rows["gamma--low"]["status"] == "ok"


def test_run_item_turns_any_failure_into_the_items_row():
    # bytes of the wrong type reach load_config, which fails with a bug-type error
    item = BatchItem(4, "broken.yaml", 12345, None, 1, "Broken")  # type: ignore[arg-type]
    got = run_item(item, RunOptions(figures=False))
    assert (got.index, got.status, got.kind) == (4, "error", "internal")
    assert got.error.startswith(("internal error: AttributeError:", "internal error: TypeError:"))
    assert "\n" not in got.error
    assert "Traceback" in got.traceback


def test_a_failure_in_a_worker_process_is_that_items_row(configs):
    good = (configs / "alpha.yaml").read_bytes()
    items = [
        BatchItem(0, "alpha.yaml", good, None, 1, "alpha", cost=2),
        BatchItem(1, "broken.yaml", 12345, None, 1, "Broken", cost=1),  # type: ignore[arg-type]
    ]
    got = {
        o.index: o for o in run_items(items, RunOptions(trials=TRIALS, figures=False), workers=2)
    }
    assert got[0].status == "ok"
    assert (got[1].status, got[1].kind) == ("error", "internal")
    assert got[1].error.startswith(
        ("internal error: AttributeError:", "internal error: TypeError:")
    )


def test_a_failure_on_dask_is_that_items_row(configs, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(execute, "run_item", _raising_for("gamma", ValueError("no")))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert _batch(configs, tmp_path / "out", "--dask", cluster.scheduler_address) == 1
    rows = _rows(tmp_path / "out")
    assert rows["gamma"]["status"] == rows["gamma--low"]["status"] == "error"
    assert rows["gamma"]["error"] == "internal error: the worker failed: ValueError: no"
    assert rows["alpha"]["status"] == rows["beta--low"]["status"] == "ok"


def test_dask_without_workers_reports_no_workers_after_the_timeout(configs, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    _SLOW["first_done"] = False
    monkeypatch.setattr(execute, "run_item", _slow_after_the_first)
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:

        def close_the_worker(label: str) -> None:
            for worker in list(cluster.workers.values()):
                cluster.sync(worker.close)

        progress = type("P", (), {"total": 0, "advance": staticmethod(close_the_worker)})()
        started = time.monotonic()
        report = run_batch([configs], out, RunOptions(trials=TRIALS, figures=False), seed=3,
                           dask=cluster.scheduler_address, dask_timeout=2.0, figures=False,
                           progress=progress, note=lambda text: None)  # fmt: skip
        took = time.monotonic() - started
    assert took < 30  # not forever
    statuses = [r["status"] for r in report.rows]
    assert statuses.count("ok") >= 1 and report.status == 1
    errors = [r["error"] for r in report.rows if r["status"] == "error"]
    assert errors and all(e.startswith("no workers: the Dask scheduler at ") for e in errors)
    assert "had no worker for 2 s" in errors[0]
    assert json.loads((out / "batch_summary.json").read_text())["rows"] == json.loads(
        json.dumps(report.rows)
    )


def test_a_dask_address_that_cannot_be_reached_is_one_line_naming_it(configs, tmp_path, capsys):
    # an inproc:// address that names no scheduler ended in a traceback (a ValueError)
    assert _batch(configs, tmp_path / "out", "--dask", "inproc://nowhere") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Dask scheduler at 'inproc://nowhere'")
    assert err.count("\n") == 1 and "<config>" not in err


_SLOW = {"first_done": False}
_REAL_RUN_ITEM = execute.run_item


def _slow_after_the_first(item, options):
    """run_item, half a second slower after the first (Dask pickles it: module level)."""
    if _SLOW["first_done"]:
        time.sleep(0.5)
    outcome = _REAL_RUN_ITEM(item, options)
    _SLOW["first_done"] = True
    return outcome


# -- --resume ------------------------------------------------------------------------------------


@pytest.fixture
def hashed_summaries(monkeypatch):
    """summary.json with ``config_hash`` (issue 10 adds it; this stands in until then)."""
    real = Result.summary

    def summary(self):
        return {**real(self), "config_hash": self.model.config_hash}

    monkeypatch.setattr(Result, "summary", summary)


def test_resume_runs_only_what_is_not_done(configs, tmp_path, hashed_summaries):
    out = tmp_path / "out"
    assert _batch(configs, out) == 0
    first = _rows(out)
    comparisons = json.loads((out / "batch_summary.json").read_text())["comparisons"]
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*/summary.json")}
    for gone in ("beta--low", "gamma"):  # as if the batch was interrupted before these
        for f in (out / gone).iterdir():
            f.unlink()
        (out / gone).rmdir()
    time.sleep(0.01)
    # no --seed, no --trials: those of the batch it resumes, from its batch_summary.json
    assert (
        main(["batch", str(configs), "--out", str(out), "--resume", "--no-figures", "--quiet"]) == 0
    )
    doc = json.loads((out / "batch_summary.json").read_text())
    assert (doc["root_seed"], doc["trials"]) == (3, TRIALS)
    again = _rows(out)
    skip = {"seconds", "result_dir"}
    assert {k: {c: v for c, v in r.items() if c not in skip} for k, r in again.items()} == {
        k: {c: v for c, v in r.items() if c not in skip} for k, r in first.items()
    }
    # alpha's two runs are taken as done, and so are beta and gamma--low: simulated
    # again for their draws only (their comparisons need them), their folders and
    # rows left as they are (their seconds those they took; they were the re-runs')
    assert doc["comparisons"] == comparisons and doc["resumed"] == 4
    for done in ("beta", "gamma--low"):
        assert again[done]["seconds"] == first[done]["seconds"]
    for path, mtime in mtimes.items():
        if path.parent.name in ("alpha", "alpha--low", "beta", "gamma--low"):
            assert path.stat().st_mtime_ns == mtime  # not written again
        else:
            assert path.is_file()


def test_resume_keeps_the_seconds_a_run_took_or_leaves_them_empty(configs, tmp_path):
    # the resumed rows showed seconds 0.0, as if they had taken no time
    out = tmp_path / "out"
    assert _batch(configs, out) == 0
    first = _rows(out)
    for f in (out / "gamma").iterdir():  # as if the batch stopped before gamma
        f.unlink()
    (out / "gamma").rmdir()
    assert _batch(configs, out, "--resume") == 0
    doc = json.loads((out / "batch_summary.json").read_text())
    # alpha's and beta's; gamma--low too: simulated again for its draws only, its folder
    # kept, and its row with the seconds it took when it ran (it showed the re-run's)
    assert doc["resumed"] == 5
    again = _rows(out)
    resumed = ("alpha", "alpha--low", "beta", "beta--low", "gamma--low")
    assert [again[k]["seconds"] for k in resumed] == [first[k]["seconds"] for k in resumed]
    assert all(r["seconds"] > 0 for r in again.values())
    # a second resume carries the times on; without the earlier summary they are unknown
    assert _batch(configs, out, "--resume") == 0
    assert _rows(out) == again
    (out / "batch_summary.json").unlink()
    assert _batch(configs, out, "--resume") == 0
    assert {r["seconds"] for r in _rows(out).values()} == {None}
    csv_rows = (out / "batch_summary.csv").read_text().splitlines()
    column = csv_rows[0].split(",").index("seconds")
    assert {line.split(",")[column] for line in csv_rows[1:]} == {""}


def _same_rows(a: Path, b: Path) -> None:
    """The two batches' rows are equal but for their time and folder."""
    skip = {"seconds", "result_dir"}
    assert [{c: v for c, v in r.items() if c not in skip} for r in _rows(a).values()] == [
        {c: v for c, v in r.items() if c not in skip} for r in _rows(b).values()
    ]


def test_a_root_seed_drawn_from_os_entropy_can_be_passed_back(configs, tmp_path, capsys):
    # a recorded root seed of 38-39 digits was refused: "a seed is at most 9223372036854775807"
    argv = ["batch", str(configs), "--trials", str(TRIALS), "--no-figures", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "drawn")]) == 0
    drawn = json.loads((tmp_path / "drawn" / "batch_summary.json").read_text())
    assert drawn["root_seed_from"] == "OS entropy"
    seed = str(drawn["root_seed"])
    assert main([*argv, "--out", str(tmp_path / "given"), "--seed", seed]) == 0
    given = json.loads((tmp_path / "given" / "batch_summary.json").read_text())
    assert (given["root_seed"], given["root_seed_from"]) == (drawn["root_seed"], "--seed")
    _same_rows(tmp_path / "drawn", tmp_path / "given")  # per-row seeds and results alike
    # the largest root seed SeedSequence draws is accepted; one more is one line, exit 2
    assert main([*argv, "--out", str(tmp_path / "top"), "--seed", str(2**128 - 1)]) == 0
    assert (
        json.loads((tmp_path / "top" / "batch_summary.json").read_text())["root_seed"] == 2**128 - 1
    )
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([*argv, "--out", str(tmp_path / "over"), "--seed", str(2**128)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: --seed: ") and f"at most {2**128 - 1} (128 bits" in err
    assert not (tmp_path / "over").exists()


def test_resume_keeps_where_the_root_seed_came_from(configs, tmp_path):
    # after --resume of a batch seeded from OS entropy, root_seed_from said '--seed'
    out = tmp_path / "out"
    argv = ["batch", str(configs), "--out", str(out), "--no-figures", "--quiet"]
    assert main([*argv, "--trials", str(TRIALS)]) == 0
    first = json.loads((out / "batch_summary.json").read_text())
    for f in (out / "gamma--low").iterdir():
        f.unlink()
    (out / "gamma--low").rmdir()
    assert main([*argv, "--resume"]) == 0
    again = json.loads((out / "batch_summary.json").read_text())
    assert (again["root_seed"], again["root_seed_from"]) == (first["root_seed"], "OS entropy")
    assert again["trials"] == TRIALS and again["resumed"] == 5
    # a batch seeded with --seed, resumed without it, still says --seed
    assert _batch(configs, tmp_path / "seeded") == 0
    assert main(["batch", str(configs), "--out", str(tmp_path / "seeded"), "--resume",
                 "--no-figures", "--quiet"]) == 0  # fmt: skip
    seeded = json.loads((tmp_path / "seeded" / "batch_summary.json").read_text())
    assert (seeded["root_seed"], seeded["root_seed_from"]) == (3, "--seed")


def test_a_done_run_that_fails_when_simulated_again_for_its_draws_keeps_its_row(
    configs, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "out"
    assert _batch(configs, out) == 0
    first = _rows(out)
    for f in (out / "gamma").iterdir():  # gamma--low is done; its comparison needs its draws
        f.unlink()
    (out / "gamma").rmdir()
    capsys.readouterr()
    real = execute.run_item

    def run(item, options):
        if (Path(item.config).stem, item.scenario) == ("gamma", "low"):
            raise RuntimeError("boom")
        return real(item, options)

    monkeypatch.setattr(execute, "run_item", run)
    assert _batch(configs, out, "--resume") == 1  # a comparison could not be made
    err = capsys.readouterr().err
    assert "gamma--low is left out of the comparisons" in err and "its folder is kept" in err
    again = _rows(out)
    assert again["gamma--low"]["status"] == "ok"  # its folder is whole, and so is its row
    assert again["gamma--low"]["seconds"] == first["gamma--low"]["seconds"]
    assert json.loads((out / "batch_summary.json").read_text())["resumed"] == 5


def test_resume_runs_again_what_does_not_match(configs, tmp_path, hashed_summaries):
    out = tmp_path / "out"
    assert _batch(configs, out) == 0
    mtimes = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/summary.json")}
    time.sleep(0.01)
    assert _batch(configs, out, "--resume", "--trials", str(TRIALS + 1)) == 0  # other trials
    assert all(p.stat().st_mtime_ns != mtimes[p.parent.name] for p in out.glob("*/summary.json"))
    assert {r["trials"] for r in _rows(out).values()} == {TRIALS + 1}


def test_resume_runs_again_a_folder_without_config_hash(configs, tmp_path):
    out = tmp_path / "out"
    assert _batch(configs, out) == 0
    mtime = (out / "alpha" / "summary.json").stat().st_mtime_ns
    time.sleep(0.01)
    assert _batch(configs, out, "--resume") == 0
    summary = json.loads((out / "alpha" / "summary.json").read_text())
    resumed = json.loads((out / "batch_summary.json").read_text())["resumed"]
    assert (resumed == 0) == ("config_hash" not in summary)
    assert ((out / "alpha" / "summary.json").stat().st_mtime_ns != mtime) == (resumed == 0)


def test_a_fifo_among_the_configs_is_its_error_row_never_a_hang(tmp_path):
    import os

    from simulate.batch.plan import _load

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    got = _load(str(fifo))  # reading a FIFO would block forever
    assert isinstance(got, list) and len(got) == 1 and str(fifo) in got[0]


def _disk_full_for(stem: str):
    """``Path.write_bytes`` that fails as a full disk does for the files of ``stem``'s folder."""
    real = Path.write_bytes

    def write_bytes(path: Path, data: bytes) -> int:
        if any(part.startswith(f".{stem}.") for part in path.parts):  # its temporary folder
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)

    return write_bytes


def test_a_folder_that_cannot_be_written_is_that_items_row(configs, tmp_path, monkeypatch, capsys):
    # a batch on a disk that filled up printed a traceback and marked every
    # row not written yet "not run: the batch stopped before this run"
    monkeypatch.setattr(Path, "write_bytes", _disk_full_for("beta"))
    out = tmp_path / "out"
    assert _batch(configs, out) == 1  # as any failure other than an invalid config
    rows = _rows(out)
    assert [rows[s]["status"] for s in ("alpha", "beta", "beta--low", "gamma--low")] == [
        "ok", "error", "ok", "ok",
    ]  # fmt: skip
    message = f"cannot write the results to {out / 'beta'}: No space left on device"
    assert rows["beta"]["error"] == f"{message}; nothing was written"
    assert (
        capsys.readouterr().err
        == f"error: {configs / 'beta.yaml'}: {message}; nothing was written\n"
    )
    assert not (out / "beta").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # nothing half-written


def test_a_summary_that_cannot_be_written_is_one_line(configs, tmp_path, monkeypatch, capsys):
    def full(path, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(importlib.import_module("simulate.batch.write"), "replace_text", full)
    assert _batch(configs, tmp_path / "out") == 1
    message = f"cannot write the results to {tmp_path / 'out'}: No space left on device"
    assert capsys.readouterr().err == f"error: batch summary: {message}\n"


# -- progress -------------------------------------------------------------------------------------


def test_off_a_terminal_each_finished_run_is_a_line_and_quiet_is_silent(configs, tmp_path, capsys):
    # stderr to a log (an overnight job): a line per run, as the docs now say, not a bar
    argv = ["batch", str(configs), "--seed", "3", "--trials", str(TRIALS), "--no-figures"]
    assert main([*argv, "--out", str(tmp_path / "logged")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert len(lines) == 6 and all(" ok " in line and line.endswith(" elapsed)") for line in lines)
    assert lines[-1].startswith("[6/6] ok ")
    assert main([*argv, "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
