"""The ``simulate`` command: its commands end to end, its value types, what each loads.

Other CLI tests live next to what they exercise (test_config: validate,
test_batch: batch and overlays, test_figures: charts).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulate.cli import build_parser, main
from simulate.cli.options import (
    formats,
    positive_int,
    root_seed_value,
    seed_value,
    sensitivity_methods,
)
from simulate.config import SAMPLING_METHODS
from simulate.kernel import JIT_DISABLED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def linear_yaml(write_config) -> Path:
    return write_config(
        """\
name: Two uniform benefits
horizon_months: 12
discount_rate: 0
simulation: {trials: 2000, seed: 3}
priors:
  a: {dist: uniform, min: 0, max: 1000}
  b: {dist: uniform, min: 0, max: 2000}
benefits:
  - {type: recurring, amount: a}
  - {type: recurring, amount: b}
costs:
  - {type: one_time, amount: 10000}
""",
        name="linear.yaml",
    )


# --------------------------------------------------------------------------
# Value types and the parser
# --------------------------------------------------------------------------
def test_value_types_accept_and_refuse():
    assert positive_int("10_000") == positive_int("10,000") == 10_000
    assert seed_value("0") == 0  # 0 is a seed
    assert formats(" SVG, png ") == ("svg", "png")
    assert sensitivity_methods("tornado,voi") == "tornado,voi"
    for parse, text, message in [
        (positive_int, "0", "must be at least 1"),
        (positive_int, "ten", "is not a whole number"),
        (seed_value, "-1", "must be 0 or more"),
        (seed_value, "1.5", "is not a whole number"),
        (formats, "gif", "formats are a comma-separated list of png, svg, pdf"),
        (formats, ",", "formats are a comma-separated list"),
        (sensitivity_methods, "configs/x.yaml", "looks like a config"),
        (sensitivity_methods, "x.yml", "looks like a config"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(text)


def test_sampling_choices_are_the_configs():
    parser = build_parser()
    for argv in (["run", "c.yaml"], ["sensitivity", "c.yaml"], ["batch", "c.yaml"]):
        for method in SAMPLING_METHODS:
            assert parser.parse_args([*argv, "--sampling", method]).sampling == method


@pytest.mark.parametrize("command", ["run", "sensitivity", "report", "batch"])
def test_an_empty_out_is_a_usage_error(command, linear_yaml, tmp_path, monkeypatch, capsys):
    # Path('') is '.': --out '' (an unset shell variable) wrote the result
    # folders and batch_summary.* into the current folder
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main([command, str(linear_yaml), "--out", "", "--no-figures", "--quiet"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "error: --out: give a folder, not an empty path\n"
    with pytest.raises(SystemExit) as exit_:  # spaces only: no more a folder than ''
        main([command, str(linear_yaml), "--out", "   ", "--no-figures", "--quiet"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "error: --out: give a folder, not an empty path\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([linear_yaml.name])


def _python(code: str) -> str:
    """What a new Python process running ``code`` in the repository prints."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    ("flags", "heavy"),
    [
        (["run", "--no-figures"], ["numba"]),
        (["batch", "--no-figures"], ["numba"]),
        # the tornado needs only the priors' quantiles: no scipy.stats; no charts, no matplotlib
        (["run", "--no-figures", "--sensitivity=tornado"], ["numba"]),
        # the charts are drawn by the chart process (simulate/drawing.py), which
        # imports matplotlib; the command itself does not
        (["run", "--format", "svg"], ["numba"]),
    ],
)
@pytest.mark.parametrize("dist", ["triangular", "pert"])
def test_each_command_loads_only_the_libraries_it_uses(flags, heavy, dist, tmp_path):
    # matplotlib and scipy.stats take a second to import: a run without charts
    # or --sensitivity needs neither (validate: see test_layout), whatever its
    # priors (a pert's draws come from a table built with scipy.special alone,
    # config/priors/betainv.py); nor numpy.f2py and numpy.testing, which scipy's
    # array-API layer would import (simulate/_scipy.py).
    text = (ROOT / "configs" / "lead_conversion.yaml").read_text(encoding="utf-8")
    assert text.count("dist: pert") == 1
    config = tmp_path / "lead_conversion.yaml"
    config.write_text(text.replace("dist: pert", f"dist: {dist}"), encoding="utf-8")
    command, *rest = flags
    argv = [command, str(config), *rest, "--trials", "500", "--quiet"]
    argv += ["--out", str(tmp_path / "out")]
    code = (
        "import sys\n"
        "from simulate.cli import main\n"
        f"status = main({argv!r})\n"
        "heavy = sorted(m for m in ('numba', 'matplotlib', 'scipy.stats', 'numpy.f2py',\n"
        "                          'numpy.testing') if m in sys.modules)\n"
        "print('HEAVY', heavy, status)\n"
    )
    out = _python(code)
    assert f"HEAVY {heavy} 0" in out, out
    if "--no-figures" not in rest:
        assert (tmp_path / "out" / "lead_conversion" / "figures" / "npv.svg").is_file()


# The console script (argv[1:] given here), with an exit handler that says whether it ran.
_CONSOLE = """
import atexit, sys
atexit.register(lambda: print("EXIT HANDLERS RAN"))
sys.argv = ["simulate", *sys.argv[1:]]
from simulate.cli import console
console()
"""


@pytest.mark.parametrize(
    ("argv", "status", "handlers"),
    [
        (["run", "--no-figures"], 0, False),
        (["validate"], 0, False),
        (["run", "--no-figures", "--scenario", "nosuch"], 2, False),  # a ConfigError
        (["batch", "--no-figures"], 0, True),  # its forkserver and tracker close at exit
    ],
)
def test_the_console_script_ends_at_once_when_its_command_is_done(argv, status, handlers, tmp_path):
    # Python's shutdown (every module taken apart, numba's and LLVM's among them) is skipped
    # once the command is done: what it printed arrives whole (flushed first), with its status.
    command, *rest = argv
    config = ROOT / "configs" / "lead_conversion.yaml"
    args = [command, str(config), *rest]
    if command != "validate":
        args += ["--trials", "300", "--out", str(tmp_path / "out")]
    done = subprocess.run([sys.executable, "-c", _CONSOLE, *args], capture_output=True,
                          text=True, cwd=tmp_path)  # fmt: skip
    assert done.returncode == status, done.stderr
    assert ("EXIT HANDLERS RAN" in done.stdout) is handlers
    if command == "run" and status == 0:
        assert done.stdout.rstrip().endswith(f"Results: {tmp_path / 'out' / 'lead_conversion'}")
        assert (tmp_path / "out" / "lead_conversion" / "summary.json").is_file()
    if status == 2:
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_the_console_script_says_nothing_more_when_its_reader_goes_away(tmp_path):
    # `simulate run ... | head -1`: the reader closes the pipe; no BrokenPipeError at exit.
    config = ROOT / "configs" / "lead_conversion.yaml"
    argv = [sys.executable, "-m", "simulate", "run", str(config), "--trials", "300",
            "--no-figures", "--out", str(tmp_path / "out")]  # fmt: skip
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path) as p:
        p.stdout.close()  # before it prints: every write to stdout meets a closed pipe
        err = p.stderr.read().decode()
        p.wait()
    assert "BrokenPipeError" not in err and "Exception ignored" not in err, err


def _closed_pipe() -> int:
    """The write end of a pipe whose reader has gone: every write meets EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("stdout", ["closed pipe", "/dev/full"])
def test_a_stdout_that_cannot_be_written_costs_only_the_printed_summary(command, stdout, tmp_path):
    # `simulate run CFG | head -1` and `> /dev/full` said "cannot write the results to
    # OUT: Broken pipe; nothing was written" (exit 1) when the folder was written in full,
    # and stopped before the next config. Now every folder is written; a reader that went
    # away ends quietly with the command's status (0); a full device is one line, status 1.
    configs = [str(ROOT / "configs" / c) for c in ("lead_conversion.yaml", "omnichannel.yaml")]
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "simulate", command, *configs, "--trials", "300", "--seed", "1",
            "--no-figures", "--out", str(out)]  # fmt: skip
    fd = _closed_pipe() if stdout == "closed pipe" else os.open("/dev/full", os.O_WRONLY)
    try:
        done = subprocess.run(argv, stdout=fd, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    finally:
        os.close(fd)
    errors = [line for line in done.stderr.splitlines() if not line.startswith("[")]  # progress
    if stdout == "closed pipe":
        assert (done.returncode, errors) == (0, [])
    else:
        assert done.returncode == 1
        assert errors == [
            "error: cannot write to stdout: No space left on device; what the command printed "
            "is incomplete (the files it wrote are not affected)"
        ]
    stems = ["lead_conversion", "omnichannel"]
    assert all((out / stem / "summary.json").is_file() for stem in stems)
    if command == "batch":
        rows = json.loads((out / "batch_summary.json").read_text(encoding="utf-8"))["rows"]
        assert rows and all(r["status"] == "ok" for r in rows)


@pytest.mark.parametrize("command", ["run", "sensitivity", "report", "batch"])
def test_a_command_that_runs_the_kernel_says_so_when_numba_may_not_compile(command, tmp_path):
    # NUMBA_DISABLE_JIT runs numba's functions as plain Python, which the kernel cannot do
    # (it calls compiled functions through pointers): one line saying what to do, status 2,
    # nothing written, no traceback.
    config = ROOT / "configs" / "lead_conversion.yaml"
    argv = [sys.executable, "-m", "simulate", command, str(config), "--out", str(tmp_path / "out")]
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"error: {JIT_DISABLED}"]
    assert "unset NUMBA_DISABLE_JIT" in JIT_DISABLED
    assert not (tmp_path / "out").exists()
    # validate needs no compiled code: it works as before
    argv = [sys.executable, "-m", "simulate", "validate", str(config)]
    assert subprocess.run(argv, capture_output=True, text=True, env=env).returncode == 0


def test_the_python_api_says_why_when_numba_may_not_compile():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    code = "import simulate.engine"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"RuntimeError: {JIT_DISABLED}"


def test_the_command_leaves_its_objects_to_the_os_but_a_call_from_python_does_not():
    # The console script (argv None) freezes the collector's objects, so that Python's exit
    # does not scan them all (0.1-0.2 s); main(argv) from Python leaves the collector alone.
    config = ROOT / "configs" / "omnichannel.yaml"
    code = (
        "import gc, sys\n"
        "from simulate.cli import main\n"
        f"status = main(['validate', {str(config)!r}])\n"
        "print('CALLED', status, gc.get_freeze_count())\n"
        f"sys.argv = ['simulate', 'validate', {str(config)!r}]\n"
        "status = main()\n"
        "print('COMMAND', status, gc.get_freeze_count() > 1000, gc.isenabled())\n"
    )
    out = _python(code)
    assert "CALLED 0 0" in out and "COMMAND 0 True True" in out, out


# --------------------------------------------------------------------------
# simulate sensitivity and run --sensitivity
# --------------------------------------------------------------------------
def test_cli_sensitivity_writes_json_and_charts_and_keeps_a_runs_files(
    linear_yaml, tmp_path, capsys
):
    out = tmp_path / "results"
    assert main(["run", str(linear_yaml), "--out", str(out), "--quiet", "--no-figures"]) == 0
    argv = ["sensitivity", str(linear_yaml), "--out", str(out), "--sobol-n", "1024",
            "--goal-seek", "b:0.8"]  # fmt: skip
    assert main(argv) == 0
    folder = out / "linear"
    assert (folder / "summary.json").exists()  # the run's results are kept
    sens = json.loads((folder / "sensitivity.json").read_text())
    assert {"metric", "base", "tornado", "rank", "sobol", "breakeven", "voi", "goal_seek"} <= set(
        sens
    )
    assert (folder / "figures" / "tornado.png").exists()
    assert (folder / "figures" / "spider.png").exists()
    text = capsys.readouterr().out
    assert "Sensitivity of NPV" in text and "EVPI" in text and "b" in text
    assert not list(out.glob(".*"))  # no temporary folders left behind


def test_cli_run_with_sensitivity(linear_yaml, tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["run", str(linear_yaml), "--out", str(out), "--sensitivity=tornado,voi", "--no-figures"]
    assert main(argv) == 0
    folder = out / "linear"
    sens = json.loads((folder / "sensitivity.json").read_text())
    assert {"tornado", "voi"} <= set(sens) and "sobol" not in set(sens)
    assert (folder / "summary.json").exists()
    assert "Sensitivity of NPV" in capsys.readouterr().out


def test_cli_metric_and_quantiles(linear_yaml, tmp_path):
    out = tmp_path / "r"
    argv = ["sensitivity", str(linear_yaml), "--out", str(out), "--methods", "tornado",
            "--metric", "roi", "--low-q", "0.05", "--high-q", "0.95", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    sens = json.loads((out / "linear" / "sensitivity.json").read_text())
    assert sens["metric"] == "roi"
    assert sens["tornado"][0]["low_q"] == 0.05
    assert (out / "linear" / "figures" / "tornado_roi.png").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--methods", "tornado,sobl"], "did you mean 'sobol'"),
        (["--goal-seek", "bb:0.8"], "did you mean 'b'"),
        (["--goal-seek", "b"], "INPUT:TARGET"),
        (["--low-q", "0"], "strictly between 0 and 1"),
        (["--low-q", "0.9", "--high-q", "0.2"], "must be below"),
        (["--metric", "npvv"], "did you mean 'npv'"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(linear_yaml, tmp_path, capsys, extra, message):
    out = tmp_path / "r"
    assert main(["sensitivity", str(linear_yaml), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and err[0].startswith("error:")
    assert "Traceback" not in err[0]
    assert not out.exists()


def test_cli_run_rejects_a_config_taken_as_methods(linear_yaml, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--sensitivity", str(linear_yaml)])
    assert info.value.code == 2
    assert "put --sensitivity after the CONFIGs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("address", "says"),
    [("not-an-address", "is not a scheduler address"), ("127.0.0.1:1", "cannot reach")],
)
def test_batch_with_a_bad_dask_address_fails_at_once_in_one_line(address, says, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["batch", str(ROOT / "configs" / "omnichannel.yaml"), "--dask", address,
                   "--out", str(out), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: --dask: ") and says in err and err.count("\n") == 1
    assert not out.exists()


# argparse's own usage errors (a value its type refuses, a choice, a flag it does not know):
# one `error:` line each, as every other usage error, never the command's usage block first.
_CFG = str(ROOT / "configs" / "lead_conversion.yaml")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["run", _CFG, "--precision", "npv_positive=0.5"],
         "error: --precision: npv_positive: a plain number (0.5) is ambiguous"),
        (["run", _CFG, "--max-trials", "abc"], "error: --max-trials: 'abc' is not a whole number"),
        (["run", _CFG, "--max-trials", "0"], "error: --max-trials: '0' must be at least 1"),
        (["run", _CFG, "--trials", "abc"], "error: --trials: 'abc' is not a whole number"),
        (["run", _CFG, "--trials", "0"], "error: --trials: '0' must be at least 1"),
        (["run", _CFG, "--sampling", "grid"], "error: --sampling: invalid choice: 'grid'"),
        (["run", _CFG, "--frobnicate"], "error: unrecognized arguments: --frobnicate"),
        (["sensitivity", _CFG, "--sobol-n", "abc"], "error: --sobol-n: 'abc' is not a whole"),
        (["sensitivity", _CFG, "--seed", "-3"], "error: --seed: "),
        (["report", _CFG, "--samples", "x"], "error: --samples: 'x' is not a whole number"),
        (["batch", _CFG, "--workers", "2", "--dask", "h:1"], "error: --dask: not allowed with"),
        (["batch", _CFG, "--dask-timeout", "0"], "error: --dask-timeout: '0' must be"),
        (["validate"], "error: the following arguments are required: CONFIG"),
        (["frobnicate"], "error: COMMAND: invalid choice: 'frobnicate'"),
        ([], "error: the following arguments are required: COMMAND"),
    ],
)  # fmt: skip
def test_every_argparse_usage_error_is_one_line_and_exit_2(argv, line, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main([*argv, "--out", str(tmp_path / "out")] if argv[:1] == ["run"] else argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(line), err
    assert not (tmp_path / "out").exists()


def test_a_seed_beyond_63_bits_is_refused_as_the_config_refuses_it(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(ROOT / "configs" / "lead_conversion.yaml"), "--seed", str(2**64),
              "--out", str(tmp_path / "out")])  # fmt: skip
    assert info.value.code == 2 and "--seed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_runs_seed_and_a_batchs_root_seed_have_their_own_limits():
    assert seed_value(str(2**63 - 1)) == 2**63 - 1
    assert root_seed_value(str(2**128 - 1)) == 2**128 - 1  # all a SeedSequence draws from the OS
    assert root_seed_value("0") == 0
    # a batch's root seed given to run says where it goes; beyond 128 bits, only the limit
    with pytest.raises(argparse.ArgumentTypeError) as info:
        seed_value(str(2**127))
    assert str(info.value) == (
        f"'{2**127}' is too large: a run's seed is at most 9223372036854775807 (63 bits, as "
        "simulation.seed); a batch's root_seed is passed back with 'simulate batch --seed', "
        "and each row of batch_summary.csv records its run's own seed"
    )
    with pytest.raises(
        argparse.ArgumentTypeError,
        match=r"at most 9223372036854775807 \(63 bits, as simulation.seed\)$",
    ):
        seed_value(str(2**128))
    with pytest.raises(argparse.ArgumentTypeError, match=r"a batch's root seed is at most 3402"):
        root_seed_value(str(2**128))
    with pytest.raises(argparse.ArgumentTypeError, match="must be 0 or more"):
        root_seed_value("-1")


# -- help texts -----------------------------------------------------------------------------------

_HELP_BLOCK = re.compile(r"```\n\$ (simulate[^\n]*) --help\n(.*?)```", re.S)


def test_the_help_texts_docs_quote_are_the_commands_own(monkeypatch, capsys):
    # docs/interface.md prints each command's --help verbatim at 80 columns, report's too
    # (its description was one unwrapped line of 638 characters, the others wrapped).
    monkeypatch.setenv("COLUMNS", "80")
    quoted = dict(_HELP_BLOCK.findall((ROOT / "docs" / "interface.md").read_text("utf-8")))
    commands = ("", "run", "validate", "sensitivity", "report", "batch", "schema")
    assert sorted(quoted) == sorted(f"simulate {c}".strip() for c in commands)
    for command, text in quoted.items():
        with pytest.raises(SystemExit):
            main([*command.split()[1:], "--help"])
        shown = capsys.readouterr().out
        assert shown == text, command
        assert max(map(len, shown.splitlines())) <= 80, command


# -- the examples docs/interface.md shows are the tool's own output ------------------------------

_DOCS = ROOT / "docs" / "interface.md"
_EXAMPLE_RUN = "simulate run configs/contact_center_aht.yaml --trials 20000 --seed 1"


def _run_printing(argv: list[str], cwd: Path) -> str:
    import contextlib
    import io

    out = io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            assert main(argv) == 0
    finally:
        os.chdir(here)
    return out.getvalue()


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> tuple[str, dict]:
    """What ``_EXAMPLE_RUN`` prints, and its summary.json (run from the checkout's root)."""
    out = tmp_path_factory.mktemp("docs") / "results"
    printed = _run_printing([*_EXAMPLE_RUN.split()[1:], "--out", str(out), "--no-figures"], ROOT)
    summary = json.loads((out / "contact_center_aht" / "summary.json").read_text("utf-8"))
    return printed.replace(str(out), "results"), summary


def _fenced_after(text: str, marker: str) -> str:
    start = text.index("```\n", text.index(marker)) + 4
    return text[start : text.index("```", start)]


def test_what_the_docs_say_a_run_prints_is_what_it_prints(example_run):
    # The docs showed the ROI line with a ± on its median only; the run prints three.
    shown = _fenced_after(_DOCS.read_text("utf-8"), f"What it prints (`{_EXAMPLE_RUN}`)")
    assert [line.removeprefix("  ") for line in shown.rstrip().splitlines()] == (
        example_run[0].rstrip("\n").splitlines()
    )


def test_the_summary_json_example_is_one_run(example_run):
    # Its metrics were of another run than its precision block (seed 1).
    text = _DOCS.read_text("utf-8")
    summary = example_run[1]
    example = _fenced_after(text, "### summary.json\n")
    assert f'"config_hash": "{summary["config_hash"]}"' in example
    for output, count in (("npv", 11), ("roi", 3), ("payback_months", 4)):
        block = re.search(rf'"{output}": \{{(.*?)\}}', example, re.S).group(1)
        pairs = re.findall(r'"(\w+)": (-?[\d.]+)', block)
        assert len(pairs) == count, output
        for key, shown in pairs:
            digits = len(shown.partition(".")[2])
            assert round(summary["metrics"][output][key], digits) == float(shown), (output, key)
    for key, shown in re.findall(r'"(\w+)": ([\d.]+)', example.split('"probabilities"')[1]):
        assert summary["probabilities"][key] == float(shown), key
    precision = _fenced_after(text, "### summary.json: precision and stop")
    mean = re.search(r'"npv_mean": \{"estimate": ([\d.]+), "low": ([\d.]+), "high": ([\d.]+)',
                     precision)  # fmt: skip
    for key, shown in zip(("estimate", "low", "high"), mean.groups(), strict=True):
        assert round(summary["precision"]["figures"]["npv_mean"][key], 1) == float(shown), key


@pytest.mark.parametrize(
    "targets", ["npv_p50=0.5%,payback_p50=0.05", "npv_mean=1000 --max-trials 40000"]
)
def test_the_precision_lines_the_docs_show_are_printed(targets, tmp_path):
    # The docs said a run with --max-trials 40000 stopped at 32,768 trials; it stops at
    # the last whole batch within the limit, 38,912 (batches of 2,048 under 81,920).
    argv = ["run", "configs/contact_center_aht.yaml", "--seed", "1", "--precision",
            *targets.split(), "--out", str(tmp_path), "--no-figures"]  # fmt: skip
    printed = " ".join(_run_printing(argv, ROOT).split())
    text = " ".join(_DOCS.read_text("utf-8").split())
    if "40000" in targets:
        said = re.search(r"`(not all met \(npv_mean=1000\): [^`]*)`", text).group(1)
    else:
        said = " ".join(_fenced_after(_DOCS.read_text("utf-8"), "two more lines say").split())
    assert said in printed


# The config whose preview docs/interface.md and the README show (the docs name it guided.yaml).
_GUIDED = """\
name: Guided checkout
priors:
  lift: {dist: metalog, p10: 0.01, p50: 0.05, p90: 0.2, min: 0, max: 1, source: vendor case study}
  spare: {dist: uniform, min: 1, max: 2}
benefits:
  - type: conversion
    leads_per_month: 10000
    conversion_lift: lift
    value_per_conversion: 50
costs:
  - type: one_time
    amount: 100000
"""


def test_the_preview_the_docs_and_the_readme_show_is_what_validate_prints(tmp_path, capsys):
    # The README's copy had lost the table's heading line and its source column.
    (tmp_path / "guided.yaml").write_text(_GUIDED, encoding="utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["validate", "--preview", "guided.yaml"]) == 0
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    printed = ["$ simulate validate --preview guided.yaml", *captured.out.splitlines(),
               *captured.err.splitlines()]  # fmt: skip
    text = _DOCS.read_text("utf-8")
    start = text.index("```\n$ simulate validate --preview guided.yaml\n") + 4
    assert text[start : text.index("```", start)].splitlines() == printed
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("    $ simulate validate --preview guided.yaml\n")
    block = readme[start : readme.index("\n\n", start)]
    assert [line.removeprefix("    ") for line in block.splitlines()] == printed


def test_the_layout_table_names_every_page_in_docs():
    row = next(
        line for line in _DOCS.read_text("utf-8").splitlines() if line.startswith("| `docs/`")
    )
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert page.name in row or page.name == "interface.md", page.name
