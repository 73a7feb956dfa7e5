"""SIGINT and SIGTERM to ``simulate run`` and ``simulate batch`` (issue 11, items 13-15).

Each test starts the command in a subprocess of its own session (so that
every process it starts can be found by session id in ``/proc``) with a
private TMPDIR, waits for a moment worth interrupting (read from the
process table or the result folder, not guessed from a clock), sends the
signal and then checks the exit status, stderr, the result folder, the
temporary folder and the process table.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CONFIGS, ROOT

from simulate.cli import status as cli_status
from simulate.cli.status import Interrupted, catch_signals, restore_signals

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the state on (the name may hold spaces)


def session(sid: int) -> list[int]:
    """The live (not zombie) processes of session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def start(argv: list[str], tmp: Path) -> subprocess.Popen:
    (tmp / "tmp").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MPLBACKEND": "Agg",
        "TMPDIR": str(tmp / "tmp"),
        "PYTHONFAULTHANDLER": "1",
    }  # a hung command shows its threads' stacks (interrupt)
    return subprocess.Popen(
        [sys.executable, "-m", "simulate", *argv],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(what: Callable[[], bool], proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert proc.poll() is None, f"ended before the moment to interrupt: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.005)


def interrupt(proc: subprocess.Popen, sig: int, group: bool = False) -> tuple[int, str, float]:
    """Send ``sig`` (to the whole group, as Ctrl-C does, with ``group``): status, stderr, seconds."""
    sent = time.monotonic()
    (os.killpg if group else os.kill)(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # pragma: no cover - the hang these tests are for
        # SIGABRT first: faulthandler prints where every thread of the command is stuck,
        # which the failing assertion then shows with the rest of stderr.
        os.kill(proc.pid, signal.SIGABRT)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return proc.returncode, err, time.monotonic() - sent


def no_process_left(sid: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := session(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # pragma: no cover - clean up after a failure
        os.kill(pid, signal.SIGKILL)
    return left


def hidden(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob(".*")) if out.exists() else []


def loaded(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_start_up_imports(tmp_path, sig, status):
    # numpy loads with the config layer, after main() catches the signals
    # (before, `import simulate` loaded it: a KeyboardInterrupt traceback, or
    # death by SIGTERM)
    argv = ["run", str(CONFIGS / "lead_conversion.yaml"), "--out", str(tmp_path / "out")]
    proc = start(argv, tmp_path)
    wait_for(lambda: loaded(proc.pid, "_multiarray_umath"), proc)
    code, err, _ = interrupt(proc, sig)
    assert (code, err) == (status, "interrupted\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_a_run_writes_its_folder(tmp_path, sig, status):
    out = tmp_path / "out"
    argv = ["run", str(CONFIGS / "subscription_churn.yaml"), "--trials", "2000", "--out", str(out)]
    proc = start(argv, tmp_path)
    wait_for(lambda: bool(hidden(out)), proc)  # the result folder is being filled
    code, err, _ = interrupt(proc, sig, group=sig == signal.SIGINT)
    assert (code, err) == (status, "interrupted\n")
    assert hidden(out) == [] and list(out.iterdir()) == []  # nothing half-written
    assert list((tmp_path / "tmp").iterdir()) == []
    assert no_process_left(proc.pid) == []


# A pool whose manager thread is reading half a result (what a worker killed while it sent
# one leaves in the pipe), then stopped as the batch stops it on an interrupt.
_HALF_A_RESULT = """
import multiprocessing, os, struct, time
from concurrent.futures import ProcessPoolExecutor
from simulate.batch import workers

pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
futures = [pool.submit(time.sleep, 30) for _ in range(6)]  # 2 running, 4 waiting
while len(pool._processes) < 2:
    time.sleep(0.01)
manager = pool._executor_manager_thread
# a length of 100 bytes, and 10 of them: the manager reads them and waits for the rest
os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 100) + bytes(10))
time.sleep(0.5)
workers._stop(pool)
print("manager alive:", manager.is_alive(), flush=True)
"""


def test_a_stopped_pool_ends_even_with_half_a_result_in_its_pipe():
    # Before, the manager thread waited for the rest of the message forever and Python's exit
    # waited for it: the batch printed "interrupted" and hung (about one interrupt in ten).
    done = subprocess.run([sys.executable, "-c", _HALF_A_RESULT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "manager alive: False"
    assert done.stderr == ""  # no traceback from the manager (a cancelled future marked broken)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_stops_a_two_worker_batch_at_once(tmp_path, sig, status):
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "batch_summary.csv").write_text("an earlier batch's summary\n")
    argv = ["batch", str(CONFIGS / "portfolio"), "--workers", "2", "--trials", "200000"]
    proc = start([*argv, "--seed", "1", "--no-figures", "--out", str(out)], tmp_path)
    wait_for(lambda: len(session(proc.pid)) >= 5, proc)  # both workers are computing
    time.sleep(0.5)
    code, err, seconds = interrupt(proc, sig, group=sig == signal.SIGINT)
    assert code == status, err
    assert err.splitlines()[-1] == "interrupted" and "Traceback" not in err, err
    assert seconds < 40  # not the minutes the items would take (generous: a loaded CI machine)
    assert no_process_left(proc.pid) == []  # workers, forkserver, resource tracker
    assert list((tmp_path / "tmp").iterdir()) == []  # no simulate-batch-*, simulate-item-*
    assert hidden(out) == []
    doc = json.loads((out / "batch_summary.json").read_text())  # this batch's, not the old one
    assert doc["interrupted"] == len(doc["rows"]) - doc["ok"] - doc["failed"] > 0
    assert {r["status"] for r in doc["rows"]} <= {"ok", "interrupted"}
    csv_rows = (out / "batch_summary.csv").read_text().splitlines()
    assert csv_rows[0].startswith("config,") and len(csv_rows) == len(doc["rows"]) + 1


def _forkserver_started(pid: int) -> bool:
    for p in session(pid):
        try:
            if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes():
                return True
        except OSError:
            pass
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_the_workers_start(tmp_path, sig):
    # the forkserver imports the package (seconds) before it forks the
    # workers and before it ignores SIGINT: Ctrl-C to the group then gave a
    # KeyboardInterrupt traceback from it, and a worker forked after the
    # batch had gone died with a traceback (its semaphores removed)
    out = tmp_path / "out"
    argv = ["batch", str(CONFIGS / "portfolio"), "--workers", "2", "--trials", "20000"]
    proc = start([*argv, "--seed", "1", "--no-figures", "--out", str(out)], tmp_path)
    wait_for(lambda: _forkserver_started(proc.pid), proc)
    time.sleep(0.2)  # the batch is past starting it; the server imports for seconds more
    code, err, _ = interrupt(proc, sig, group=sig == signal.SIGINT)
    assert (code, err) == (128 + sig, "interrupted\n")
    assert no_process_left(proc.pid) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_workers_end_when_the_batch_is_killed(tmp_path):
    # SIGKILL gives the batch no chance to clean up: the workers see their
    # lifeline close and end themselves (and their temporary folders)
    out = tmp_path / "out"
    argv = ["batch", str(CONFIGS / "portfolio"), "--workers", "2", "--trials", "200000"]
    proc = start([*argv, "--seed", "1", "--no-figures", "--out", str(out)], tmp_path)
    wait_for(lambda: len(session(proc.pid)) >= 5, proc)
    time.sleep(0.5)
    code, _, _ = interrupt(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert no_process_left(proc.pid) == []
    assert list((tmp_path / "tmp").iterdir()) == []


class _Finalized:
    """Sends SIGTERM from its ``__del__``, where Python drops any exception raised."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100_000):  # the handler runs here, inside __del__
            pass


def test_an_interrupt_inside_a_finalizer_is_delivered_after_it():
    # a run once finished (exit 0, 30 s later) after a SIGTERM that landed in
    # a __del__: the interrupt was printed and dropped
    saved = catch_signals()
    try:
        with pytest.raises(Interrupted) as caught:
            _Finalized()  # made and deleted at once
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
        assert caught.value.signum == signal.SIGTERM
    finally:
        restore_signals(saved)


def _signal_inside_a_ctypes_callback(sig: int) -> None:
    """Call a Python function from C (as LLVM calls llvmlite's object cache) and signal in it."""

    def callback() -> None:
        os.kill(os.getpid(), sig)
        for _ in range(100_000):  # the handler runs here, inside the callback
            pass

    ctypes.CFUNCTYPE(None)(callback)()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_inside_a_ctypes_callback_is_delivered_after_it(capfd, sig):
    # a SIGTERM that landed in llvmlite's _raw_object_cache_notify (a ctypes
    # callback) while numba loaded the kernel printed "Exception ignored on
    # calling ctypes callback function" and its traceback, and the run went
    # on to the end
    saved = catch_signals()
    try:
        with pytest.raises(Interrupted) as caught:
            _signal_inside_a_ctypes_callback(sig)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
        assert caught.value.signum == sig
    finally:
        restore_signals(saved)
    assert capfd.readouterr().err == ""


def test_llvmlite_callbacks_defer_the_interrupt():
    # LLVM's callbacks are llvmlite.binding code: the handler waits until they return
    scope = {"__name__": "llvmlite.binding.executionengine"}
    frame = eval("sys._getframe()", {**scope, "sys": sys})
    assert cli_status._swallowed_here(frame)
    assert not cli_status._swallowed_here(sys._getframe())


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_before_the_command_takes_its_chart_processes(tmp_path, sig, status):
    # The chart processes are forked before the command's modules load (drawing.start_early);
    # a signal while numba loads ends them with the command.
    argv = ["run", str(CONFIGS / "lead_conversion.yaml"), "--out", str(tmp_path / "out")]
    proc = start(argv, tmp_path)
    wait_for(lambda: loaded(proc.pid, "llvmlite") and len(session(proc.pid)) > 1, proc)
    code, err, _ = interrupt(proc, sig)
    assert (code, err) == (status, "interrupted\n")
    assert not (tmp_path / "out").exists()
    assert no_process_left(proc.pid) == []


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_while_the_command_loads_is_quiet(tmp_path, sig, status):
    # The command's modules stand in for simulate.cli: the signal arrives while they load,
    # before the command has set its own handlers (status.catch_signals).
    code = (
        "import os, signal, sys, time, types\n"
        "import simulate.__main__ as entry\n"
        "cli = types.ModuleType('simulate.cli')\n"
        "def loading(name):\n"
        f"    os.kill(os.getpid(), {int(sig)})\n"
        "    time.sleep(10)\n"
        "cli.__getattr__ = loading\n"
        "sys.modules['simulate.cli'] = cli\n"
        "entry.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)  # fmt: skip
    assert (done.returncode, done.stderr, done.stdout) == (status, "interrupted\n", "")


def _everyone(sid: int) -> list[tuple[int, str]]:
    """Every process of session ``sid``, zombies too, with its state."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[3]) == sid:
                found.append((int(entry.name), fields[0]))
    return found


def test_a_run_with_charts_leaves_no_process_not_even_a_zombie(tmp_path):
    # The chart processes the leader forks are the command's to reap (drawing._adopt_orphans):
    # when the command has ended, nothing of its session is left, dead or alive.
    for _ in range(3):
        proc = start(["run", str(CONFIGS / "omnichannel.yaml"), "--trials", "3000",
                      "--out", str(tmp_path / "out"), "--quiet"], tmp_path)  # fmt: skip
        _, err = proc.communicate(timeout=120)
        assert (proc.returncode, err) == (0, "")
        assert _everyone(proc.pid) == []
