"""Whole commands, timed from outside: the table of issue 15 ("speed a user feels").

    python -m bench.commands                       # every row, median of 3 (~19 min, loaded VM)
    python -m bench.commands --rows validate,no-figures --repeat 5
    python -m bench.commands --quick               # every row once, small sizes (~2.5 min)
    python -m bench.commands --json /tmp/commands.json
    python -m bench.commands --rows no-figures,million --baseline /tmp/old   # before/after

Run from the repository root. Each row is a whole process (``python -m
simulate ...`` with this checkout on ``PYTHONPATH``), started and reaped
here with ``os.wait4``: its wall time (``time.perf_counter`` around it),
its CPU time (user + sys of the process and of its descendants: this
process is a Linux child subreaper, so a batch's workers, children of an
orphaned forkserver, are reaped and counted here too) and its peak RSS
(``ru_maxrss``: the largest process of the tree). Each figure is the median of ``--repeat`` runs. Rows:

- ``run``: ``simulate run configs/omnichannel.yaml`` (100k trials, six charts);
- ``no-figures``: the same with ``--no-figures``;
- ``validate``: ``simulate validate configs/omnichannel.yaml``;
- ``sensitivity``: ``simulate sensitivity configs/omnichannel.yaml`` (all methods, charts);
- ``first-run``: ``simulate run configs/omnichannel.yaml`` with ``NUMBA_CACHE_DIR``
  an empty folder, so the kernel compiles as on the first run after install;
- ``batch``: ``simulate batch`` of 50 initiatives (the example configs, renamed,
  each with its own discount rate, scenarios dropped) at 20k trials, with
  charts, ``--workers 2``;
- ``million``: ``simulate run bench/million.yaml --no-figures`` (1M trials, 12
  inputs, 10 lines, 60 months) against ``python -m bench.numpy_run`` (the plain
  numpy model, same draws, same summary) as a whole process, alternating, the
  ratio of their medians;
- ``memory``: ``simulate run configs/omnichannel.yaml --trials 10000000 --no-figures``,
  peak RSS.

``--src DIR`` times the simulate of another checkout (its folder is the
processes' working directory and ``PYTHONPATH``); ``--baseline DIR`` times
each row's simulate command from DIR too, alternating run by run with this
checkout (and, in the million row, with the numpy model), so before and
after come from one session (a shared host's speed can drift by a quarter in minutes).

The other rows run with the numba cache warm (one untimed run first), and
every row with Python's bytecode cache written (``PYTHONDONTWRITEBYTECODE`` is
dropped from the children's environment: a user's installed package has its
``.pyc`` files). The
machine may be shared: the 1-minute load average is printed before and after
(other work slows every figure; compare ratios from one run, not times from
different days). This process imports no numpy and stays small, because a
child's ``ru_maxrss`` starts at its parent's peak (Linux keeps it across exec).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import yaml

from . import _common

OMNI = str(_common.ROOT / "configs/omnichannel.yaml")
MILLION = str(_common.ROOT / "bench/million.yaml")
# The configs a batch's 50 initiatives are made from (templates excluded).
BATCH_SOURCES = ("configs/*.yaml", "configs/portfolio/*.yaml")


@dataclass(frozen=True)
class Sample:
    """One whole process: wall and CPU seconds, peak RSS in MiB."""

    wall: float
    cpu: float
    rss_mib: float


@dataclass(frozen=True)
class Command:
    """What a row runs: argv after ``python``, extra environment, and a fresh folder maker."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cwd: str = str(_common.ROOT)  # also its PYTHONPATH: the checkout whose simulate runs


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``), so they can be reaped here.

    A batch's workers are children of multiprocessing's forkserver, which the
    batch never waits for: without this their CPU time would not be counted.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def measure(cmd: Command, out: Path) -> Sample:
    """Run ``cmd`` once as a child process (``out`` is its ``--out``) and reap it with wait4.

    Wall time until the child exits; CPU and peak RSS of the child and of every
    descendant reaped with it (its own children, and orphans adopted here).
    """
    # A user's second run: Python keeps the modules' bytecode (the untimed warm-up
    # run writes it), as it does unless PYTHONDONTWRITEBYTECODE is set.
    kept = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**kept, "PYTHONPATH": cmd.cwd, **dict(cmd.env)}
    argv = [sys.executable, *(a.replace("{out}", str(out)) for a in cmd.argv)]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cmd.cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        usages = [usage]
        while True:  # orphans (a forkserver and its workers) end once the child has
            try:
                usages.append(os.wait4(-1, 0)[2])
            except ChildProcessError:
                break
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{tail}")
    cpu = sum(u.ru_utime + u.ru_stime for u in usages)
    return Sample(wall, cpu, max(u.ru_maxrss for u in usages) / 1024)


def median(samples: list[Sample]) -> Sample:
    """The median of each figure separately."""
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        statistics.median(s.rss_mib for s in samples),
    )


# The checkout whose simulate the rows time (--src), and the baseline of the million row.
SOURCES = {"src": str(_common.ROOT), "baseline": ""}


def simulate(*argv: str, src: str | None = None) -> Command:
    return Command(("-m", "simulate", *argv), (), src or SOURCES["src"])


# -- the rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    goal: str
    timed: Callable[[argparse.Namespace, Path], dict]


def _repeat(args, tmp: Path, cmd: Command, fresh_cache: bool = False) -> dict:
    """``--repeat`` runs of ``cmd``; with ``--baseline``, each alternating with the same
    command from the baseline checkout (which goes first on every other run)."""
    who = {"": cmd}
    if SOURCES["baseline"]:
        who["baseline"] = Command(cmd.argv, cmd.env, SOURCES["baseline"])
    samples: dict[str, list[Sample]] = {name: [] for name in who}
    for k in range(args.repeat):
        for name in sorted(who, reverse=k % 2 == 1):  # "" (this checkout) first on even runs
            run = who[name]
            if fresh_cache:
                cache = Path(tempfile.mkdtemp(prefix="numba-", dir=tmp))
                run = Command(run.argv, (("NUMBA_CACHE_DIR", str(cache)),), run.cwd)
            samples[name].append(measure(run, tmp / f"{name or 'out'}{k}"))
    report = {"median": asdict(median(samples[""])), "runs": [asdict(s) for s in samples[""]]}
    if "baseline" in samples:
        report["baseline_median"] = asdict(median(samples["baseline"]))
        report["baseline_runs"] = [asdict(s) for s in samples["baseline"]]
    return report


def row_run(args, tmp: Path) -> dict:
    return _repeat(args, tmp, simulate("run", OMNI, "--quiet", "--out", "{out}", *args.trials_100k))


def row_no_figures(args, tmp: Path) -> dict:
    argv = ("run", OMNI, "--no-figures", "--quiet", "--out", "{out}", *args.trials_100k)
    return _repeat(args, tmp, simulate(*argv))


def row_validate(args, tmp: Path) -> dict:
    return _repeat(args, tmp, simulate("validate", OMNI))


def row_sensitivity(args, tmp: Path) -> dict:
    return _repeat(args, tmp, simulate("sensitivity", OMNI, "--quiet", "--out", "{out}"))


def row_first_run(args, tmp: Path) -> dict:
    argv = ("run", OMNI, "--quiet", "--out", "{out}", *args.trials_100k)
    return _repeat(args, tmp, simulate(*argv), fresh_cache=True)


def batch_configs(folder: Path, count: int) -> list[Path]:
    """``count`` varied initiatives from the example configs: renamed, each its own discount
    rate (4% to 13%), scenarios dropped (one run each)."""
    sources = sorted(p for pattern in BATCH_SOURCES for p in _common.ROOT.glob(pattern))
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sources]
    docs = [d for d in docs if not d.get("template")]
    folder.mkdir()
    written = []
    for k in range(count):
        doc = dict(docs[k % len(docs)])
        doc.pop("scenarios", None)
        doc["name"] = f"{doc['name']} #{k + 1}"
        doc["discount_rate"] = round(0.04 + 0.01 * (k % 10), 2)
        path = folder / f"initiative_{k + 1:02d}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written


def row_batch(args, tmp: Path) -> dict:
    configs = batch_configs(tmp / "initiatives", args.batch_size)
    argv = ("batch", str(configs[0].parent), "--trials", str(args.batch_trials), "--seed", "1")
    report = _repeat(args, tmp, simulate(*argv, "--workers", "2", "--quiet", "--out", "{out}"))
    doc = json.loads((tmp / "out0" / "batch_summary.json").read_text())
    ok = sum(r["status"] == "ok" for r in doc["rows"])
    if ok != args.batch_size:
        sys.exit(f"batch: {ok} of {args.batch_size} initiatives ran")
    return {**report, "initiatives": ok, "trials": args.batch_trials}


def row_million(args, tmp: Path) -> dict:
    trials = str(args.million_trials)
    argv = ("run", MILLION, "--no-figures", "--quiet", "--trials", trials)
    numpy_cmd = Command(("-m", "bench.numpy_run", MILLION, "--trials", trials, "--out", "{out}"))
    who = {"simulate": simulate(*argv, "--out", "{out}"), "numpy": numpy_cmd}
    if SOURCES["baseline"]:
        who["baseline"] = simulate(*argv, "--out", "{out}", src=SOURCES["baseline"])
    runs: dict[str, list[Sample]] = {k: [] for k in who}
    for k in range(args.repeat):  # alternating: a busy spell slows each of them
        for name, cmd in who.items():
            runs[name].append(measure(cmd, tmp / f"{name}{k}"))
    means = [
        json.loads((tmp / f"{name}0" / sub / "summary.json").read_text())["metrics"]["npv"]["mean"]
        for name, sub in (("simulate", "million"), ("numpy", "."))
    ]
    fig = {
        name: {"median": asdict(median(r)), "runs": [asdict(s) for s in r]}
        for name, r in runs.items()
    }
    numpy_wall = median(runs["numpy"]).wall
    return {
        **fig.pop("simulate"),
        **{f"{name}_median": f["median"] for name, f in fig.items()},
        **{f"{name}_runs": f["runs"] for name, f in fig.items()},
        "ratio": numpy_wall / median(runs["simulate"]).wall,
        **(
            {"baseline_ratio": numpy_wall / median(runs["baseline"]).wall}
            if "baseline" in runs
            else {}
        ),
        "trials": args.million_trials,
        "npv_mean_simulate_numpy": means,
    }


def row_memory(args, tmp: Path) -> dict:
    argv = ("run", OMNI, "--no-figures", "--quiet", "--trials", str(args.memory_trials))
    report = _repeat(args, tmp, simulate(*argv, "--out", "{out}"))
    return {**report, "trials": args.memory_trials}


ROWS = (
    Row("run", f"simulate run {OMNI} (100k trials, six charts)", "<= 2.0 s", row_run),
    Row("no-figures", "the same with --no-figures", "<= 0.8 s", row_no_figures),
    Row("validate", f"simulate validate {OMNI}", "<= 0.3 s", row_validate),
    Row(
        "sensitivity",
        f"simulate sensitivity {OMNI} (all methods, charts)",
        "<= 2.5 s",
        row_sensitivity,
    ),
    Row("first-run", "first run after install (empty NUMBA_CACHE_DIR)", "<= 8 s", row_first_run),
    Row("batch", "batch of 50 initiatives at 20k trials, charts, 2 workers", "<= 45 s", row_batch),
    Row(
        "million",
        "1M trials, 12 inputs, 10 lines, 60 months, vs the numpy model",
        ">= 6x",
        row_million,
    ),
    Row("memory", "10M trials peak memory", "<= 1.5 GB", row_memory),
)


# -- the report ---------------------------------------------------------------------------------


def machine() -> dict:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "nproc": os.cpu_count(),
        "processor": _common.cpu_name(),
        "python": platform.python_version(),
        **{name: version(name) for name in ("numpy", "numba", "scipy", "matplotlib")},
    }


def print_row(row: Row, fig: dict, repeat: int) -> None:
    m = fig["median"]
    what = f"{m['wall']:7.2f} s wall {m['cpu']:7.2f} s CPU {m['rss_mib']:6.0f} MiB"
    extra = ""
    if row.key == "million":
        extra = f"; numpy model {fig['numpy_median']['wall']:.2f} s: {fig['ratio']:.2f}x"
        if "baseline_ratio" in fig:
            extra += (f"; baseline {fig['baseline_median']['wall']:.2f} s: "
                      f"{fig['baseline_ratio']:.2f}x")  # fmt: skip
    elif "baseline_median" in fig:
        b = fig["baseline_median"]
        fastest = min(r["wall"] for r in fig["baseline_runs"])
        extra = (f"; baseline {b['wall']:.2f} s wall {b['cpu']:.2f} s CPU, fastest "
                 f"{fastest:.2f} s, alternating")  # fmt: skip
    if len(fig["runs"]) > 1:  # on a host whose speed drifts, the fastest run says more
        extra += f"; fastest {min(r['wall'] for r in fig['runs']):.2f} s"
    if row.key == "memory":
        extra = f"; {m['rss_mib'] / 1024:.2f} GiB peak"
    print(f"{row.key:12s} {what}  (goal {row.goal}; median of {repeat}{extra})", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    keys = [r.key for r in ROWS]
    p.add_argument("--rows", default=",".join(keys), help=f"comma-separated, from {keys}")
    p.add_argument("--repeat", type=int, default=3, help="median of this many runs (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: every figure once, smaller batch and trial counts")  # fmt: skip
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    p.add_argument("--src", type=Path, default=_common.ROOT, metavar="DIR",
                   help="the checkout whose simulate runs (default: this one)")  # fmt: skip
    p.add_argument("--baseline", type=Path, metavar="DIR",
                   help="also time each row's simulate command from the checkout DIR, "
                        "alternating run by run with this one (before/after in one session)")  # fmt: skip
    args = p.parse_args(argv)
    args.rows = [k.strip() for k in args.rows.split(",") if k.strip()]
    unknown = sorted(set(args.rows) - set(keys))
    if unknown:
        p.error(f"unknown rows {unknown}; choose from {keys}")
    args.trials_100k = ()  # the config's 100,000
    args.batch_size, args.batch_trials = 50, 20_000
    args.million_trials, args.memory_trials = 1_000_000, 10_000_000
    if args.quick:
        args.repeat = 1
        args.trials_100k = ("--trials", "10000")
        args.batch_size, args.batch_trials = 6, 2000
        args.million_trials, args.memory_trials = 100_000, 1_000_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    SOURCES["src"] = str(args.src.resolve())
    SOURCES["baseline"] = str(args.baseline.resolve()) if args.baseline else ""
    state = _common.source_state(args.src.resolve(), "simulate")
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": state.get("commit"),
        "baseline": _common.source_state(args.baseline.resolve(), "simulate")
        if args.baseline
        else None,
        "edited": state.get("edited"),
        "machine": machine(),
        "repeat": args.repeat,
        "quick": args.quick,
        "loadavg_before": os.getloadavg(),
        "rows": {},
    }
    mach = report["machine"]
    edits = f" + {len(state['edited'])} edited file(s)" if state.get("edited") else ""
    print(f"{report['date']}, commit {state.get('commit', '?')}{edits}; {mach['processor']}, "
          f"nproc {mach['nproc']}, Python {mach['python']}, numpy {mach['numpy']}, "
          f"numba {mach['numba']}; load average {report['loadavg_before'][0]:.2f}", flush=True)  # fmt: skip
    report["subreaper"] = become_subreaper()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        tmp = Path(tmp)
        # the numba cache warm and the disk cache too: one untimed run (of each checkout)
        for k, src in enumerate(filter(None, (SOURCES["src"], SOURCES["baseline"]))):
            warm = simulate("run", OMNI, "--trials", "2000", "--quiet", "--out", "{out}", src=src)
            measure(warm, tmp / f"warm{k}")
        for row in ROWS:
            if row.key in args.rows:
                (tmp / row.key).mkdir()
                fig = row.timed(args, tmp / row.key)
                report["rows"][row.key] = {"label": row.label, "goal": row.goal, **fig}
                print_row(row, fig, args.repeat)
    report["loadavg_after"] = os.getloadavg()
    report["seconds"] = time.perf_counter() - t_start
    print(f"load average {report['loadavg_after'][0]:.2f} after; "
          f"{report['seconds'] / 60:.1f} min in all")  # fmt: skip
    _common.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
