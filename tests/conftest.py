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


# numpy runs float64 exp, log, log1p, expm1 and power with the best SIMD loop the
# CPU has, and the AVX-512 loops differ from the others in the last bit of some
# values. Draws that go through them (lognormals, the beta/PERT table) are bitwise
# reproducible on one kind of CPU, not across kinds, so a pinned digest is kept per
# kind (found by running the pinned tests on each): AVX512 for a CPU with AVX-512
# (x86-64-v4), else the loops numpy picked, by name.
AVX512 = "avx512"
X86_V3 = (
    "exp:X86_V3,expm1:baseline(X86_V2),log:X86_V3,log1p:baseline(X86_V2),power:baseline(X86_V2)"
)
_MATH_FUNCTIONS = "^(exp|log|log1p|expm1|power)$"


def float_math() -> str:
    """Which of numpy's float64 exp/log loops this machine runs (the key of a pinned digest)."""
    from numpy.lib.introspect import opt_func_info

    info = opt_func_info(func_name=_MATH_FUNCTIONS, signature="float64")
    picked = [f"{name}:{loops[sig]['current']}" for name, loops in sorted(info.items())
              for sig in sorted(loops)]  # fmt: skip
    if any("X86_V4" in p or "AVX512" in p for p in picked):
        return AVX512
    return ",".join(picked)


def pinned(by_math: dict[str, str]) -> str:
    """The digest pinned for this machine's float64 math; the test is skipped if none is."""
    kind = float_math()
    if kind not in by_math:
        pytest.skip(f"no digest pinned for this CPU's float64 math ({kind}); run the test on "
                    "it once and add the digest it computes")  # fmt: skip
    return by_math[kind]


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
