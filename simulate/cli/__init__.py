"""The ``simulate`` command: the only place that parses argv and writes to disk.

This module holds the parser and :func:`main`; each command lives in its own
module (:mod:`.run`, :mod:`.validate`, :mod:`.sensitivity`, :mod:`.report`, :mod:`.batch`),
imported only when chosen. Exit status (:mod:`.status`): 0 success; 2
invalid config or usage (one line per problem on stderr, no traceback); 1 an
unexpected internal error (loud, with traceback).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

# OpenBLAS starts a busy-waiting thread per core when numpy is imported, for
# the handful of small matrix products a run makes (Cholesky factors of the
# correlation matrix): 0.1 CPU-s of every command, taken from the kernel's own
# threads. One thread gives the same bits (checked on the correlated
# examples); a user's own setting is kept. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Light on purpose: the console script imports this module before main() can
# catch SIGINT and SIGTERM, so the config layer (numpy, scipy) loads in main().
from ..errors import ConfigError
from ..version import __version__
from .status import (
    EXIT_INVALID,
    Stdout,
    catch_signals,
    exit_interrupted,
    interrupted_anyway,
    report_invalid,
    restore_signals,
)

__all__ = ["build_parser", "console", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors print as every other usage error: one line.

    argparse prints the command's usage (nine lines for ``run``) before its
    ``prog: error: argument --trials: ...``; docs/interface.md promises one
    ``error:`` line per problem, as :func:`.status.usage_error` prints them
    (``error: --trials: ...``). Each command's parser is one of these
    (``add_subparsers`` makes its parsers of the parent's class); ``--help``
    still shows the usage.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"error: {message.removeprefix('argument ')}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``simulate`` parser and its commands."""
    parser = _Parser(
        prog="simulate",
        description=(
            "Monte Carlo risk for customer-experience investments: YAML priors on "
            "lift, churn, cost and lag in; NPV, ROI and payback distributions out."
        ),
        epilog="Run 'simulate COMMAND --help' for a command's options. "
        "Start a new config from configs/template.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"simulate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run_parser(sub)
    validate = sub.add_parser(
        "validate",
        help="check configs without running them",
        description="Check each CONFIG and report every problem found (exit status 2 if any).",
    )
    validate.add_argument("configs", nargs="+", metavar="CONFIG")
    validate.add_argument(
        "--preview",
        action="store_true",
        help="also print a table of every input: its distribution, P1/P10/P50/P90/P99, "
        "the fields that use it and its source, with warnings for implausible tails",
    )
    _add_sensitivity_parser(sub)
    _add_report_parser(sub)
    _add_batch_parser(sub)
    sub.add_parser(
        "schema",
        help="print the config's JSON Schema (for editors)",
        description="Print the JSON Schema (draft-07) of a config on stdout: editors with a "
        "YAML language server complete keys and flag typos with it.",
    )
    return parser


def _add_run_parser(sub) -> None:
    from .options import (  # the config layer: after main() catches signals
        add_output_options,
        add_precision_options,
        add_simulation_options,
        sensitivity_methods,
    )

    run = sub.add_parser(
        "run",
        help="simulate configs and write summary.json, figures and more",
        description=(
            "Simulate each CONFIG and write OUT/<config>[--<scenario>]/summary.json "
            "(plus figures/, and samples.npz with --save-samples). A short summary "
            "is printed for each. Command-line values override the config's "
            "simulation: block."
        ),
    )
    run.add_argument("configs", nargs="+", metavar="CONFIG", help="YAML config file(s)")
    add_simulation_options(run)
    run.add_argument(
        "--scenario",
        metavar="NAME",
        help="apply the overrides of scenarios: NAME from the config ('all': the config "
        "as written and then each scenario, compared on the same draws)",
    )
    run.add_argument(
        "--save-samples",
        action="store_true",
        help="also write samples.npz: every per-trial output and every input's draws",
    )
    add_output_options(run)
    run.add_argument(
        "--overlay",
        metavar="FILE",
        help="a reviewer's overrides (YAML: priors:, lines:, horizon_months:, discount_rate:, "
        "targets:) to apply on top; writes OUT/<config>--<overlay>/ with overlay.json: the "
        "change in P(NPV > 0) and NPV, attributed to each override on the same draws",
    )
    run.add_argument(
        "--sensitivity",
        nargs="?",
        const="all",
        type=sensitivity_methods,
        metavar="METHODS",
        help="also write sensitivity.json (and a spider chart) from the run's samples: "
        "'all' (the default when given bare: every method but frontier) or a "
        "comma-separated list of tornado, spider, rank, sobol, breakeven, voi, frontier "
        "(the two-input break-even frontier of the two largest NPV swings, also drawn as "
        "figures/frontier); put it after the CONFIGs or write --sensitivity=METHODS",
    )
    run.add_argument(
        "--report",
        action="store_true",
        help="also write the review pack into each result folder: report.html (one page, "
        "prints on two) and report.xlsx (see 'simulate report --help')",
    )
    add_precision_options(run)


def _add_sensitivity_parser(sub) -> None:
    from .options import add_output_options, add_simulation_options, positive_int  # config

    p = sub.add_parser(
        "sensitivity",
        help="which inputs drive the result, break-even values, value of information",
        description=(
            "Sensitivity and decision analysis of CONFIG: tornado and spider (one input at a "
            "time), rank correlation and Sobol' indices (which inputs drive the spread), "
            "break-even values and the two-input break-even frontier, goal seek and the value "
            "of information (EVPI/EVPPI). Writes OUT/<config>/sensitivity.json and "
            "figures/tornado, figures/spider (and figures/frontier), keeping "
            "anything else already in that folder (such as a run's summary.json), and prints "
            "a short ranked table."
        ),
    )
    p.add_argument("config", metavar="CONFIG", help="YAML config file")
    p.add_argument(
        "--methods",
        default="all",
        metavar="M[,M]",
        help="any of tornado, spider, rank, sobol, breakeven, voi, frontier (default: "
        "all: every one but frontier)",
    )
    p.add_argument("--metric", default="npv",
                   help="npv (default), roi or payback_months: what the tornado, spider, "
                   "rank and Sobol' rank inputs by (break-even, goal seek and value of "
                   "information are always about NPV)")  # fmt: skip
    p.add_argument("--low-q", default="0.1", metavar="Q",
                   help="the tornado's low quantile (default 0.1 = P10)")  # fmt: skip
    p.add_argument("--high-q", default="0.9", metavar="Q",
                   help="the tornado's high quantile (default 0.9 = P90)")  # fmt: skip
    p.add_argument("--sobol-n", type=positive_int, default=None, metavar="N",
                   help="Sobol' base samples, best a power of two (default 8192); costs "
                   "N x (inputs + 2) model evaluations")  # fmt: skip
    p.add_argument("--goal-seek", action="append", default=[], metavar="INPUT:P",
                   help="the value of INPUT (the others uncertain) at which P(NPV > 0) "
                   "reaches P, e.g. churn_cut:0.8; may be repeated")  # fmt: skip
    p.add_argument("--frontier", metavar="A,B",
                   help="the break-even frontier of two continuous inputs: the line in their "
                   "plane where NPV = 0 (the others at their medians) and where P(NPV > 0) "
                   "reaches 50%%, 80%% and 95%% (the others uncertain); with --methods "
                   "frontier and no A,B: the two with the largest NPV swings")  # fmt: skip
    add_simulation_options(p)
    p.add_argument("--scenario", metavar="NAME",
                   help="apply the overrides of scenarios: NAME from the config")  # fmt: skip
    add_output_options(p)


def _add_report_parser(sub) -> None:
    from .options import (  # config
        add_output_options,
        add_precision_options,
        add_simulation_options,
        positive_int,
        sensitivity_methods,
    )

    p = sub.add_parser(
        "report",
        help="the CFO review pack: report.html, report.xlsx (and report.pdf)",
        description=(
            "Write the review pack of a run: report.html (one self-contained page: the "
            "headline, the TEI-style financial table with a distribution in every cell, the "
            "charts, the assumptions register with sources, the drivers and the provenance) "
            "and report.xlsx (the same numbers in sheets a finance team can audit). Given a "
            "CONFIG, it runs it first, as 'simulate run CONFIG --report' does (with "
            "sensitivity tornado,rank,breakeven,voi,frontier for the drivers and the "
            "two-input break-even frontier). Given a RESULT_DIR "
            "written earlier by 'simulate run', it renders the pack from the run's saved "
            "numbers without simulating again, changing no other file."
        ),
        epilog="examples:  simulate report configs/omnichannel.yaml\n"
        "           simulate report results/omnichannel/ --pdf\n"
        "           simulate report configs/contact_center_aht.yaml --scenario all",
        formatter_class=_ExamplesHelp,
    )
    p.add_argument("target", metavar="CONFIG|RESULT_DIR",
                   help="a YAML config, or a result folder written by 'simulate run'")  # fmt: skip
    add_simulation_options(p)
    add_precision_options(p)
    p.add_argument("--scenario", metavar="NAME",
                   help="a scenario of the config ('all': one pack per scenario, each with the "
                   "paired comparison)")  # fmt: skip
    p.add_argument("--overlay", metavar="FILE",
                   help="a reviewer's overrides on top; the pack shows the change and its "
                   "attribution")  # fmt: skip
    p.add_argument("--sensitivity", type=sensitivity_methods, metavar="METHODS",
                   help="the methods behind the drivers section (default: "
                   "tornado,rank,breakeven,voi,frontier; add sobol for Sobol' indices; 'all' "
                   "is every method but frontier)")  # fmt: skip
    p.add_argument("--pdf", action="store_true",
                   help="also print report.html to report.pdf with a headless Chromium")  # fmt: skip
    p.add_argument("--samples", type=positive_int, metavar="N",
                   help="add a Trials sheet to report.xlsx with the first N trials' inputs and "
                   "outputs (at most 1,048,575, a worksheet's limit)")  # fmt: skip
    add_output_options(p)


class _ExamplesHelp(argparse.HelpFormatter):
    """argparse's help, but a text of several lines (examples) keeps its lines as written.

    A one-paragraph description is wrapped to the terminal, as every other
    command's is; ``RawDescriptionHelpFormatter`` would keep it one long line.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text:
            return super()._fill_text(text, width, indent)
        return "".join(indent + line for line in text.splitlines(keepends=True))


def _add_batch_parser(sub) -> None:
    from ..config import SAMPLING_METHODS  # numpy, scipy: after main() catches signals
    from .options import add_output_options, positive_int, root_seed_value  # the config layer

    p = sub.add_parser(
        "batch",
        help="run many configs and all their scenarios, locally or on a Dask cluster",
        description=(
            "Run every config named by PATH (files, folders of *.yaml / *.yml, or glob "
            "patterns; '**' recurses) and each of its scenarios, as 'simulate run' would: "
            "one result folder per config and scenario in OUT, plus OUT/batch_summary.csv "
            "and .json (one row per run), OUT/comparisons/<config>.json (P(A's NPV > B's) "
            "for the scenarios of a config, on the same draws) and comparison charts in "
            "OUT/figures/. A config that sets simulation.seed keeps it; the others get a "
            "child of the batch's root seed (--seed, or OS entropy), recorded in each row. "
            "A config that fails is reported and skipped; the exit status is then 2 if "
            "every failure is an invalid config, 1 if any run failed otherwise. "
            "Interrupted (Ctrl-C, SIGTERM), it stops its workers, writes the summary of "
            "the runs that finished (the others marked interrupted) and exits 130 / 143; "
            "--resume then runs only what is left."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="config files, folders or globs")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, default=1, metavar="N",
                       help="local worker processes (default 1: run in this process)")  # fmt: skip
    where.add_argument("--dask", metavar="ADDRESS",
                       help="send the runs to a running Dask scheduler, e.g. "
                       "tcp://scheduler:8786 (needs pip install -e '.[distributed]')")  # fmt: skip
    p.add_argument("--dask-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="with --dask: how long to wait while the scheduler has no worker "
                   "before the runs not done are reported as not run (default: 60)")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="skip the runs whose result folder in OUT is complete and matches "
                   "(config hash, scenario, seed, trials, sampling, version): finish a batch "
                   "that was interrupted (with its --seed and --trials, from OUT/batch_summary.json, "
                   "unless given)")  # fmt: skip
    p.add_argument("--trials", type=positive_int, metavar="N",
                   help="trials for every run (default: each config's)")  # fmt: skip
    p.add_argument("--seed", type=root_seed_value, metavar="S",
                   help="the batch's root seed, 0 to 2^128 - 1 (default: drawn from OS entropy "
                   "and recorded as root_seed in OUT/batch_summary.json); configs that set "
                   "simulation.seed keep theirs")  # fmt: skip
    p.add_argument("--sampling", choices=SAMPLING_METHODS,
                   help="sampling for every run (default: each config's)")  # fmt: skip
    p.add_argument("--include-templates", action="store_true",
                   help="also run configs marked template: true (such as "
                   "configs/template.yaml), which are skipped otherwise")  # fmt: skip
    add_output_options(p, quiet="no progress and no table; problems are still reported")


def _seconds(text: str) -> float:
    """A number of seconds greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above 0")
    return value


# The commands that run the kernel (numba's compiled code).
_COMPILED = ("run", "sensitivity", "report", "batch")
# The commands whose charts chart processes draw (drawing.start_early forks them first).
_DRAWING = ("run", "sensitivity")


def _jit_disabled() -> bool:
    """Say so, and return True, when ``NUMBA_DISABLE_JIT`` is set: the kernel cannot run."""
    from ..kernel import JIT_DISABLED, jit_disabled  # loads numba, as the command would

    if not jit_disabled():
        return False
    print(f"error: {JIT_DISABLED}", file=sys.stderr)
    return True


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that carries out command ``name``; its module is imported only now.

    The command modules load numba, matplotlib and scipy at their top, and
    ``validate`` must load none of them.
    """
    if name == "validate":
        from .validate import cmd_validate as command  # the config layer only: stays fast
    elif name == "schema":
        from .schema import cmd_schema as command  # the config layer only
    elif name == "run":
        from .run import cmd_run as command  # numba (and charts): only this command
    elif name == "sensitivity":
        from .sensitivity import cmd_sensitivity as command  # numba, matplotlib, scipy.stats
    elif name == "report":
        from .report import cmd_report as command  # numba, matplotlib, jinja2, xlsxwriter
    else:
        from .batch import cmd_batch as command  # numba: only this command
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command of ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    SIGINT and SIGTERM are caught first, before anything heavy is imported:
    either one unwinds the command like Ctrl-C (every temporary file and
    folder is removed, a batch stops its workers), prints ``interrupted`` and
    returns 130 (SIGINT) or 143 (SIGTERM). Called with ``argv`` (from Python,
    as the tests do), the previous handlers are put back on return; the
    console script (:func:`console`) keeps them until the process exits, and
    freezes the garbage collector's objects (:func:`_freeze_objects`).
    """
    return _main(argv)[0]


def console() -> NoReturn:
    """The ``simulate`` console script and ``python -m simulate``: :func:`main`, then exit.

    Once the command has returned (its files written and closed, its child
    processes ended), stdout and stderr are flushed and the process ends at
    once (``os._exit``): Python's own shutdown would take every module apart,
    numba's and LLVM's among them, and join the thread pool's idle threads,
    25-40 ms of every command that change nothing. A batch ends the usual
    way, so that Python's exit handlers close its forkserver, resource
    tracker or Dask client. An error that escapes the command (a bug) ends
    the usual way too, with its traceback.
    """
    status, command = _main(None)
    if command == "batch":
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a closed stream
            pass
    os._exit(status)


def _main(argv: Sequence[str] | None) -> tuple[int, str | None]:
    """:func:`main`, and the command it ran (None if the command line named none)."""
    saved = catch_signals()
    if argv is None:
        gc.disable()  # no collections while the libraries load (see _freeze_objects)
    name = None
    stop_early: Callable[[], None] | None = None  # ends chart processes no command took
    try:
        args = build_parser().parse_args(argv)
        name = args.command
        if argv is None:
            from .. import _scipy  # numpy, which the parser's config layer has loaded

            _scipy.plain_docs()  # scipy's import leaves its docstrings as they are
        if name in _DRAWING and not args.no_figures:
            from .. import drawing  # the config layer: no numba, no matplotlib

            drawing.start_early()  # the chart processes import matplotlib while this imports
            stop_early = drawing.stop_early
        if name in _COMPILED and _jit_disabled():
            return EXIT_INVALID, name
        command = _command(args.command)
        if argv is None:
            _freeze_objects()  # the libraries just loaded
        return interrupted_anyway(_with_stdout(command, args)), name
    except ConfigError as exc:
        report_invalid(exc)
        return EXIT_INVALID, name
    except KeyboardInterrupt as exc:  # Ctrl-C, or status.Interrupted (SIGINT, SIGTERM)
        return exit_interrupted(exc), name
    finally:
        if stop_early is not None:
            stop_early()
        if argv is not None:
            restore_signals(saved)
        else:
            _freeze_objects()


def _with_stdout(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """``command(args)``, a stdout that fails to be written costing only what is printed.

    See :class:`.status.Stdout`: the command still writes all of its files;
    a reader that went away (``| head``) leaves the exit status as it is, any
    other failure (``> /dev/full``) is one line on stderr and exit status 1.
    """
    out = sys.stdout = Stdout(sys.stdout)
    try:
        status = command(args)
    finally:
        sys.stdout = out.stream
    return out.status(status)


def _freeze_objects() -> None:
    """Move every object the garbage collector tracks out of its reach, and turn it on.

    With numba, scipy and matplotlib loaded a process holds about 80,000
    objects that the cyclic garbage collector tracks. Python's exit ran full
    collections over all of them while it tore the modules down: 0.1 to 0.2 s
    after the last file was written. ``gc.freeze()`` moves them to the
    collector's permanent generation, which no collection scans; the modules
    are still torn down, and every file was closed before (Python does not
    promise to finalise objects alive at exit anyway). :func:`main` calls it
    when the command's modules are loaded (with the collector off while they
    load: numba's import alone made it run full collections worth 0.04 s),
    so collections during the run scan only what the run made, and again
    when the command is done. Only for the console script and ``python -m
    simulate`` (``argv`` None): a call from Python keeps its collector as it was.
    """
    gc.freeze()
    gc.enable()
