"""Property-based fuzz of config loading, running and the CLI (issue 11).

Mutated example configs and overlays (:mod:`fuzzing`: keys deleted or
misspelt, types swapped, extreme, huge and non-finite numbers, unicode and
long strings, non-string keys, undefined priors, YAML tags, aliases and
merge keys) must each end as a ``ConfigError`` whose every problem names the
file and a place in it on one line, or as a model whose run gives finite
NPV, PV of benefits and PV of costs in every trial (or refuses with such a
``ConfigError``): never another exception, a numpy warning or a hang. A
sample goes through ``python -m simulate validate`` and ``run`` as the user
would: exit 0 with a finite ``summary.json``, or exit 2 with one ``error:``
line per problem naming the file, no traceback and nothing written.

The default run checks a few hundred cases; ``-m slow`` checks thousands.
``tests/fuzz_corpus/`` keeps semantic cases the fuzz found, each with one
mistake that loading must report as one located problem (``validate``: exit 2,
one line naming the file); ``tests/fuzz_corpus/run/`` those whose overflow only
the numbers show, which loading or running must refuse (``run``: exit 2, one
line naming the file, nothing written), never with a non-finite result;
``tests/fuzz_corpus/accepted/`` cases once refused or broken that are valid
configs now, which must load and run to finite results.
``python tests/fuzzing.py --cases N`` sweeps N random cases and groups the
failures by exception and raising line.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fuzzing import (
    BASE_CONFIGS,
    CHECKED_OUTPUTS,
    MERGE,
    MUTATIONS,
    OVERLAYS,
    ROOT,
    Case,
    RandomChooser,
    Shared,
    Tagged,
    assert_names_files,
    check_case,
    check_run,
    m_nudge,
    make_case,
    time_limit,
    to_yaml,
)
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import simulate
from simulate.errors import ConfigError, Problem

CORPUS = Path(__file__).parent / "fuzz_corpus"
HARD_LIMIT = 30.0  # seconds for one case, whatever happens inside (the deadline is 10 s)
CLI_TIMEOUT = 120.0  # seconds for one command (it loads numba's cached kernels first)
# No shrinking: each failure is reported with the case's YAML and mutations (short
# already), and shrinking a slow case took hypothesis its full five minutes.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# To report a failure, hypothesis imports libcst (to offer a patch), which warns
# through mypy_extensions; under filterwarnings=error that warning would replace
# the report with an INTERNALERROR. Imported here, quietly, it warns no more.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401


class HypothesisChooser:
    """The mutations' choices drawn by hypothesis, so a failure shrinks to a small case."""

    def __init__(self, data) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder for the mutated files; the engine is loaded first, outside any deadline."""
    model = simulate.load_config(BASE_CONFIGS[0])
    simulate.run(model, trials=8, seed=0)
    return tmp_path_factory.mktemp("fuzz")


def _fuzz_one(data, folder: Path) -> None:
    case = make_case(HypothesisChooser(data))
    note(case.describe())
    with time_limit(HARD_LIMIT):
        check_case(case, folder)


@settings(FUZZ, max_examples=250)
@given(data=st.data())
def test_mutated_configs_are_refused_clearly_or_run_finite(data, folder):
    _fuzz_one(data, folder)


@pytest.mark.slow
@settings(FUZZ, max_examples=2000)
@given(data=st.data())
def test_thousands_of_mutated_configs_are_refused_clearly_or_run_finite(data, folder):
    _fuzz_one(data, folder)


# --- The harness itself ----------------------------------------------------------


def test_the_dumper_writes_tags_anchors_aliases_and_merge_keys():
    loop: list = []
    loop.append(loop)
    shared = Shared(3)
    text = to_yaml(
        {
            "a": Tagged("tag:yaml.org,2002:python/object/apply:os.system", ["echo"]),
            "b": Tagged("!unknown", "5"),
            "c": shared,
            "d": shared,
            "e": loop,
            "f": {MERGE: {"x": 1}},
            2025: 10**400,
            None: float("nan"),
        }
    )
    assert "a: !!python/object/apply:os.system" in text
    assert "b: !unknown '5'" in text
    assert "c: &id001 3\nd: *id001" in text
    assert "e: &id002\n- *id002" in text
    assert "f:\n  <<:\n    x: 1" in text
    assert f"2025: {10**400}" in text and "null: .nan" in text


@pytest.mark.parametrize("base", [*BASE_CONFIGS, *OVERLAYS], ids=lambda p: p.stem)
def test_each_example_unmutated_runs_finite(base, folder):
    """The harness on the examples as written: loaded, each scenario too, and run finite."""
    text = to_yaml(yaml.safe_load(base.read_text(encoding="utf-8")))
    assert check_case(Case(base, text, overlay=base in OVERLAYS), folder) == "ran"


def test_a_problem_without_the_file_or_a_place_breaks_the_contract():
    files = {"a.yaml"}
    assert_names_files(ConfigError(Problem("bad", path="x", file="a.yaml")), files)
    for problem in (
        Problem("bad", path="x"),
        Problem("bad", file="a.yaml"),
        Problem("bad\nworse", path="x", file="a.yaml"),
    ):
        with pytest.raises(AssertionError):
            assert_names_files(ConfigError(problem), files)


# --- Through the command line ----------------------------------------------------

# Six cases of any mutation (mostly refused) and four of one nudged number
# (mostly valid: exit 0 and a summary.json), so both ways out are exercised.
CLI_SEEDS = range(10)
GENTLE_FROM = 6


@dataclass
class CliOutcome:
    file: Path
    out: Path
    validate: subprocess.CompletedProcess
    run: subprocess.CompletedProcess


def _simulate(*args: str | Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "simulate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        env=env,
        cwd=ROOT,
    )


def _cli_case(seed: int, tmp: Path) -> CliOutcome:
    """Mutated config number ``seed`` through ``validate`` and ``run``."""
    rng = random.Random(seed)
    mutations, most = ([m_nudge], 1) if seed >= GENTLE_FROM else (MUTATIONS, 3)
    case = make_case(RandomChooser(rng), mutations, most)
    while case.overlay:  # the command line gets configs here
        case = make_case(RandomChooser(rng), mutations, most)
    file = tmp / f"case{seed}" / "config.yaml"
    file.parent.mkdir()
    file.write_text(case.text, encoding="utf-8")
    out = tmp / f"case{seed}" / "out"
    validate = _simulate("validate", file)
    run = _simulate("run", file, "--trials", "64", "--no-figures", "--out", out)
    return CliOutcome(file, out, validate, run)


@pytest.fixture(scope="module")
def cli_outcomes(tmp_path_factory) -> dict[int, CliOutcome]:
    """Every CLI case, three at a time (each command spends most of its time starting)."""
    tmp = tmp_path_factory.mktemp("cli")
    with ThreadPoolExecutor(3) as pool:
        done = pool.map(lambda s: (s, _cli_case(s, tmp)), CLI_SEEDS)
        return dict(done)


def _assert_clean_exit(proc: subprocess.CompletedProcess, file: Path, what: str) -> None:
    """Exit 0 or 2, no traceback, every stderr line an error or warning naming the file."""
    config = f"\n--- the config:\n{file.read_text(encoding='utf-8')[:3000]}"
    said = f"{what}: exit {proc.returncode}\n{proc.stderr[-3000:]}{config}"
    assert proc.returncode in (0, 2), said
    assert "Traceback" not in proc.stderr, said
    for line in proc.stderr.splitlines():
        assert line.startswith((f"error: {file}", f"warning: {file}")), said
    if proc.returncode == 2:
        assert any(line.startswith("error: ") for line in proc.stderr.splitlines()), said


@pytest.mark.parametrize("seed", CLI_SEEDS)
def test_cli_on_a_mutated_config_exits_0_finite_or_2_clearly(seed, cli_outcomes):
    o = cli_outcomes[seed]
    _assert_clean_exit(o.validate, o.file, "validate")
    _assert_clean_exit(o.run, o.file, "run")
    if o.run.returncode == 2:
        written = list(o.out.rglob("*")) if o.out.exists() else []
        assert written == [], f"exit 2, yet written: {written}"
        return
    assert sorted(p.name for p in o.out.iterdir()) == ["config"], "a stray file or temp folder"
    summary = json.loads((o.out / "config" / "summary.json").read_text())
    for name in CHECKED_OUTPUTS:
        stats = summary["metrics"][name]
        assert all(v is not None for v in stats.values()), f"{name} not finite: {stats}"


# --- The corpus of semantic cases the fuzz found ---------------------------------


CORPUS_CASES = sorted(CORPUS.glob("*.yaml"))


RUN_CORPUS_CASES = sorted((CORPUS / "run").glob("*.yaml"))


ACCEPTED_CORPUS_CASES = sorted((CORPUS / "accepted").glob("*.yaml"))


def test_the_corpus_is_there():
    assert len(CORPUS_CASES) >= 10 and len(RUN_CORPUS_CASES) >= 4, CORPUS
    assert ACCEPTED_CORPUS_CASES, CORPUS


@pytest.mark.parametrize("case", CORPUS_CASES, ids=lambda p: p.stem)
def test_corpus_case_is_refused_in_one_located_problem(case):
    """Each case has one mistake: one problem naming the file, its line and path, fast."""
    with time_limit(5), pytest.raises(ConfigError) as caught:
        simulate.load_config(case)
    assert len(caught.value.problems) == 1, str(caught.value)
    assert_names_files(caught.value, {str(case)})
    assert caught.value.problems[0].line is not None, str(caught.value)


def test_corpus_through_validate_exits_2_one_line_per_file():
    proc = _simulate("validate", *CORPUS_CASES)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert [line.split(":", 2)[:2] for line in lines] == [
        ["error", f" {case}"] for case in CORPUS_CASES
    ], proc.stderr


@pytest.mark.parametrize("case", ACCEPTED_CORPUS_CASES, ids=lambda p: p.stem)
def test_accepted_corpus_case_loads_and_runs_finite(case):
    """Once refused or broken, valid now: finite results, every draw inside its prior's support."""
    with warnings.catch_warnings(), time_limit(10):
        warnings.simplefilter("error")
        model = simulate.load_config(case)
        assert check_run(model, {str(case)}) == "ran"
        draws = simulate.run(model, trials=64, seed=0).inputs
    for inp, row in zip(model.inputs, draws, strict=True):
        support = inp.prior.support()
        assert all(support.contains_value(float(v)) for v in row), (inp.name, row[:3])


@pytest.mark.parametrize("case", RUN_CORPUS_CASES, ids=lambda p: p.stem)
def test_run_corpus_case_is_refused_never_non_finite(case):
    """Overflow that only the numbers show: loading or running refuses it in one problem."""
    with warnings.catch_warnings(), time_limit(10), pytest.raises(ConfigError) as caught:
        warnings.simplefilter("error")
        simulate.run(simulate.load_config(case), trials=64, seed=0)
    assert len(caught.value.problems) == 1, str(caught.value)
    assert_names_files(caught.value, {str(case)})


def test_run_corpus_through_run_exits_2_one_line_per_file_nothing_written(tmp_path):
    out = tmp_path / "out"
    proc = _simulate("run", *RUN_CORPUS_CASES, "--trials", "64", "--no-figures", "--out", out)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert [line.split(":", 2)[:2] for line in lines] == [
        ["error", f" {case}"] for case in RUN_CORPUS_CASES
    ], proc.stderr
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))
