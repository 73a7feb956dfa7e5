"""The chart process (simulate/drawing.py): the same files, errors raised in the parent,
a dead process replaced by drawing in-process, nothing left behind on an interrupt.

The process is only forked from a single-threaded process that has not imported
matplotlib, which pytest's is not, so these tests drive it from subprocesses.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path

import pytest
from conftest import CONFIGS, ROOT
from test_signals import hidden, interrupt, no_process_left, start, wait_for

from simulate import drawing
from simulate.cli import main
from simulate.drawing import ChartProcesses

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="chart processes: Linux only"
)

CONFIG = CONFIGS / "subscription_churn.yaml"


def _python(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


_RUN = """
    import json, os, signal, sys
    from pathlib import Path
    from simulate.drawing import ChartProcesses
    charts = ChartProcesses.start({n})
    assert charts is not None and len(charts._workers) == {n}
    assert "matplotlib" not in sys.modules
    import simulate
    from simulate.sensitivity.oat import tornado
    model = simulate.load_config({config!r})
    result = simulate.run(model, trials=2000, seed=3)
    {before}
    try:
        charts.draw(Path({folder!r}), result, ["png"], tornado(model))
        paths = charts.wait()
        outcome = sorted(Path(p).name for p in paths)
    except OSError as exc:
        outcome = [type(exc).__name__, str(exc.filename)]
    charts.close()
    print(json.dumps({{"outcome": outcome, "matplotlib": "matplotlib" in sys.modules}}))
"""


@pytest.mark.parametrize("processes", ["2", "1"])
def test_chart_processes_draw_the_bytes_drawn_in_process(tmp_path, processes):
    # a fresh `simulate run` forks chart processes; pytest's draws in-process
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "SIMULATE_CHART_PROCESSES": processes}  # fmt: skip
    argv = ["run", str(CONFIG), "--trials", "3000", "--seed", "5", "--quiet"]
    subprocess.run([sys.executable, "-m", "simulate", *argv, "--out", str(tmp_path / "forked")],
                   env=env, check=True, timeout=300)  # fmt: skip
    import matplotlib  # noqa: F401  (so that this process draws in-process)

    assert ChartProcesses.start(2) is None
    assert main([*argv, "--out", str(tmp_path / "here")]) == 0
    forked = sorted((tmp_path / "forked" / "subscription_churn" / "figures").iterdir())
    here = tmp_path / "here" / "subscription_churn" / "figures"
    assert [p.name for p in forked] == sorted(p.name for p in here.iterdir())
    assert len(forked) == 6
    for path in forked:
        assert path.read_bytes() == (here / path.name).read_bytes(), path.name


def test_how_many_chart_processes(monkeypatch):
    import matplotlib  # noqa: F401  (so that no process is forked here)

    from simulate import drawing

    for text, n in (("0", 0), ("1", 1), ("7", drawing.MAX_PROCESSES)):
        monkeypatch.setenv(drawing.PROCESSES_VARIABLE, text)
        assert drawing._processes_wanted() == n
    monkeypatch.setenv(drawing.PROCESSES_VARIABLE, "many")  # not a count: the default
    assert drawing._processes_wanted() == min(os.cpu_count() or 1, drawing.MAX_PROCESSES)
    assert drawing.ChartProcesses.start(0) is None
    assert type(drawing.start_charts(True)) is drawing.Charts  # matplotlib is loaded
    assert drawing.start_charts(False) is None


def test_a_drawing_error_is_raised_in_the_parent(tmp_path):
    (tmp_path / "afile").write_text("")
    got = _python(_RUN.format(config=str(CONFIG), folder=str(tmp_path / "afile" / "figures"),
                              before="pass", n=2), tmp_path)  # fmt: skip
    assert got["outcome"][0] in ("NotADirectoryError", "FileExistsError")
    assert got["matplotlib"] is False  # drawn (and failed) in the chart process only


def test_dead_chart_processes_are_replaced_by_drawing_in_process(tmp_path):
    kill = "os.killpg(charts._leader, signal.SIGKILL)"
    got = _python(_RUN.format(config=str(CONFIG), folder=str(tmp_path / "figures"),
                              before=kill, n=2), tmp_path)  # fmt: skip
    assert got == {
        "outcome": ["cashflow.png", "npv.png", "payback.png", "roi.png", "tornado.png",
                    "waterfall.png"],
        "matplotlib": True,
    }  # fmt: skip


def test_a_chart_process_in_a_threaded_process_is_not_started():
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert ChartProcesses.start(2) is None
    finally:
        stop.set()
        thread.join()


def _drawing_into_hidden_folder(out: Path) -> bool:
    """A chart (or its temporary file) is in the result's hidden temporary folder: the
    charts are being drawn and nothing is in place yet (a finished folder does not count)."""
    return any(".png" in p.name for tmp in out.glob(".*") for p in tmp.rglob("*"))


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_the_chart_process_draws(tmp_path, sig, status):
    out = tmp_path / "out"
    argv = ["run", str(CONFIGS / "omnichannel.yaml"), "--trials", "20000", "--out", str(out)]
    proc = start(argv, tmp_path)

    def drawing() -> bool:
        return _drawing_into_hidden_folder(out)

    wait_for(drawing, proc)
    code, err, _ = interrupt(proc, sig, group=sig == signal.SIGINT)
    assert (code, err) == (status, "interrupted\n")
    assert hidden(out) == [] and list(out.iterdir()) == []  # nothing half-written
    assert list((tmp_path / "tmp").iterdir()) == []
    assert no_process_left(proc.pid) == []


def test_sensitivity_charts_from_the_chart_process_are_those_drawn_in_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    argv = ["sensitivity", str(CONFIG), "--methods", "tornado,spider", "--quiet"]
    subprocess.run([sys.executable, "-m", "simulate", *argv, "--out", str(tmp_path / "forked")],
                   env=env, check=True, timeout=300)  # fmt: skip
    import matplotlib  # noqa: F401  (so that this process draws in-process)

    assert main([*argv, "--out", str(tmp_path / "here")]) == 0
    forked = sorted((tmp_path / "forked" / "subscription_churn" / "figures").iterdir())
    assert [p.name for p in forked] == ["spider.png", "tornado.png"]
    for path in forked:
        here = tmp_path / "here" / "subscription_churn" / "figures" / path.name
        assert path.read_bytes() == here.read_bytes(), path.name


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143)])
def test_signal_while_sensitivity_draws_its_early_charts(tmp_path, sig, status):
    # the tornado and spider are drawn while Sobol' indices and the rest run; a large Sobol'
    # design keeps the analysis running well after the charts (the chart processes run at
    # nice 10, so on a busy machine they drew late and the signal could land after the commit)
    out = tmp_path / "out"
    argv = ["sensitivity", str(CONFIGS / "omnichannel.yaml"), "--out", str(out),
            "--sobol-n", "131072"]  # fmt: skip
    proc = start(argv, tmp_path)
    wait_for(lambda: _drawing_into_hidden_folder(out), proc)
    code, err, _ = interrupt(proc, sig)
    assert code == status and err.endswith("interrupted\n")
    assert hidden(out) == [] and list(out.iterdir()) == []
    assert list((tmp_path / "tmp").iterdir()) == []
    assert no_process_left(proc.pid) == []


class _Recorder:
    """A drawer that notes what it is asked to draw."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def draw_sensitivity(self, folder, sens, model, result, formats, charts, **meta):
        self.asked.append(tuple(charts))

    def wait(self):
        return []

    def close(self):
        pass


def test_early_charts_are_kept_only_where_the_analysis_agrees(tmp_path):
    import argparse

    from simulate.cli.sensitivity import _write

    args = argparse.Namespace(no_figures=False, format=("png",))
    early = {"tornado": [1, 2], "spider": [3]}
    sens = {"tornado": [1, 2], "spider": [4], "frontier": {"x": 1}, "metric": "npv"}
    drawer = _Recorder()
    _write(tmp_path, sens, args, ("tornado", "spider", "frontier"), drawer, None, None,
           early=early)  # fmt: skip
    assert drawer.asked == [("spider", "frontier")]  # the spider changed; no frontier early
    assert json.loads((tmp_path / "sensitivity.json").read_text())["spider"] == [4]
    drawer = _Recorder()
    _write(tmp_path, {"tornado": [1, 2], "spider": [3]}, args, ("tornado", "spider", "frontier"),
           drawer, None, None, early=early)  # fmt: skip
    assert drawer.asked == []  # all drawn early; no frontier asked for


def test_closing_while_a_job_is_being_sent_is_quiet(tmp_path):
    # an interrupt right after draw(): the job may not even have started on its way
    # when close() kills the processes; the pipe must not be closed under its thread
    code = textwrap.dedent(f"""
        import json, time
        from pathlib import Path
        from simulate import drawing
        charts = drawing.ChartProcesses.start(2)
        send = drawing._Worker._write
        def late(self, data):  # the sending thread starts only after close() began
            time.sleep(0.3)
            send(self, data)
        drawing._Worker._write = late
        import simulate
        model = simulate.load_config({str(CONFIG)!r})
        result = simulate.run(model, trials=100_000, seed=3)
        result.summary()
        charts.draw(Path({str(tmp_path)!r}), result, ["png"], None)
        charts.close()
        time.sleep(0.6)  # time for a thread left behind to fail
        print(json.dumps("closed"))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == '"closed"', out.stderr
    assert out.stderr == ""  # no thread's traceback


def test_an_interrupt_before_the_sending_thread_starts_leaves_nothing_to_join(monkeypatch):
    # Ctrl-C between making the sending thread and starting it: stop() must not join a
    # thread that never started (RuntimeError: the command exited 1, not 130 or 143).
    class Interrupted(threading.Thread):
        def start(self) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr(drawing, "threading", types.SimpleNamespace(Thread=Interrupted))
    jobs_r, jobs_w = os.pipe()
    replies_r, replies_w = os.pipe()
    worker = drawing._Worker(os.fdopen(jobs_w, "wb"), os.fdopen(replies_r, "rb"))
    with pytest.raises(KeyboardInterrupt):
        worker.send(("standard", ()))
    worker.stop()  # no RuntimeError
    for fd in (jobs_r, replies_w):
        os.close(fd)


def test_charts_are_shared_so_that_each_process_has_about_as_much_to_draw():
    one = {"a": 1.0, "b": 1.0, "c": 1.0}
    assert drawing.share(["a", "b", "c"], one, 2) == [("a", "c"), ("b",)]
    assert drawing.share(["a", "b", "c"], one, 1) == [("a", "b", "c")]
    assert drawing.share(["a"], one, 2) == [("a",), ()]
    # the costliest first, each to the process with the least so far; each part in order
    costs = {"w": 2.0, "x": 1.0, "y": 1.0, "z": 1.0, "v": 1.0}
    parts = drawing.share(["x", "w", "y", "z", "v"], costs, 2)
    assert parts == [("w", "z"), ("x", "y", "v")]
    assert sorted(c for p in parts for c in p) == sorted(costs)


class _Pipe:
    """A chart process's pipe that keeps what it is sent."""

    def __init__(self):
        self.parts = []

    def send(self, job):
        self.parts.append(job[1][-1])  # the last argument of a job: the names to draw


def _dealt(result, tornado=None):
    workers = [_Pipe(), _Pipe()]
    ChartProcesses(0, -1, workers).draw(Path("unused"), result, ("png",), tornado)
    return [w.parts[0] for w in workers]


def test_a_runs_charts_are_dealt_by_what_they_cost_and_only_those_it_draws():
    # omnichannel's waterfall has 12 bars: it goes with one chart, the others with three.
    # Before, the waterfall, payback and ROI (about 0.52 s) went to one process, the
    # cash-flow fan and NPV (0.31 s) to the other.
    from simulate import engine
    from simulate.config import load_config

    result = engine.run(load_config(CONFIGS / "omnichannel.yaml"), trials=2000, seed=1)
    assert _dealt(result) == [("waterfall", "npv"), ("cashflow", "payback", "roi")]
    rows = [{"input": f"x{i}"} for i in range(12)]
    parts = _dealt(result, {"rows": rows, "base": {}})
    assert sorted(c for p in parts for c in p) == sorted(
        ["tornado", "waterfall", "cashflow", "payback", "npv", "roi"]
    )
    assert {"tornado", "waterfall"} not in [set(p) & {"tornado", "waterfall"} for p in parts]
    # a run with precision targets draws the convergence chart too
    targets = engine.run(load_config(CONFIGS / "lead_conversion.yaml"), seed=1,
                         precision="npv_positive=5pp", max_trials=20000)  # fmt: skip
    assert "convergence" in {c for p in _dealt(targets) for c in p}


def test_chart_processes_are_forked_before_numba_and_never_load_it(tmp_path):
    # `simulate run` forks them first thing (drawing.start_early), so that they import
    # matplotlib while the command imports numba; nothing they import or are sent needs it.
    from test_signals import loaded, session

    argv = ["run", str(CONFIG), "--trials", "20000", "--seed", "5", "--quiet",
            "--out", str(tmp_path / "out")]  # fmt: skip
    proc = start(argv, tmp_path)
    charts: list[int] = []

    def drawn_by_processes_with_matplotlib() -> bool:
        charts[:] = [p for p in session(proc.pid) if p != proc.pid and loaded(p, "ft2font")]
        return len(charts) == 2 and loaded(proc.pid, "llvmlite")

    wait_for(drawn_by_processes_with_matplotlib, proc)
    assert not any(loaded(p, "llvmlite") for p in charts)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(list((tmp_path / "out" / "subscription_churn" / "figures").iterdir())) == 6


def test_a_job_for_the_chart_processes_unpickles_without_numba(tmp_path):
    from simulate import engine
    from simulate.config import load_config

    result = engine.run(load_config(CONFIG), trials=500, seed=2, keep_inputs=False)
    result.summary()
    job = tmp_path / "job.pickle"
    job.write_bytes(pickle.dumps(("standard", (tmp_path, drawing.for_charts(result), ("png",)))))
    code = (
        "import pickle, sys\n"
        "import simulate.drawing, simulate.plotting.figures\n"
        f"kind, args = pickle.loads(open({str(job)!r}, 'rb').read())\n"
        "print(type(args[1]).__module__, args[1].summary()['trials'], 'numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout  # fmt: skip
    assert out.split() == ["simulate.results", "500", "False"]


def test_the_command_takes_the_chart_processes_forked_early_or_ends_them(monkeypatch):
    closed = []

    class Early:
        def close(self):
            closed.append(self)

    early = Early()
    monkeypatch.setattr(drawing, "_early", early)
    assert drawing.start_charts(True) is early and drawing._early is None
    drawing.stop_early()  # nothing left to end
    assert closed == []
    monkeypatch.setattr(drawing, "_early", early)
    drawing.stop_early()  # not taken (the command ended first): ended
    assert closed == [early] and drawing._early is None
