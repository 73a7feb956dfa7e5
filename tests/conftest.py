"""Shared fixtures. Tests import the package from the checkout.

``tests/`` is not a package, so pytest puts it on ``sys.path`` (its default
"prepend" import mode): tests import this module's names with ``from conftest
import CONFIGS`` and the oracles with ``from oracles import reference_model``.
"""

from __future__ import annotations

import os
import select
import signal
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from simulate import _pool

os.environ.setdefault("MPLBACKEND", "Agg")
TESTS = Path(__file__).parent
ROOT = TESTS.parent
CONFIGS = ROOT / "configs"


@pytest.fixture
def configs_dir() -> Path:
    return CONFIGS


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def pool_for_small_chunks(monkeypatch):
    """Use a 2-thread pool even for the small chunks of these tests (and on one CPU)."""
    monkeypatch.setattr(_pool, "PARALLEL_MIN_TRIALS", 0)
    with _pool.threads(2):
        yield


def in_forked_child(work: Callable[[], str], timeout: float = 60.0) -> str:
    """What ``work()`` returns when run in a forked child of this process.

    For code that must survive a fork (a thread pool the child does not
    have): a child that hangs is killed after ``timeout`` seconds, and the
    answer then says so.
    """
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.write(write, work().encode())
        finally:
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], timeout)
    if not ready:  # pragma: no cover - the failure such tests are for
        os.kill(pid, signal.SIGKILL)
    with os.fdopen(read) as f:
        got = f.read() if ready else f"no answer from the child in {timeout:g} s"
    os.waitpid(pid, 0)
    return got
