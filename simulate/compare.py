"""Paired comparisons on common random numbers: scenarios, overlays, portfolios.

Runs of one config with the same seed, trials and sampling draw the same
random numbers for every input they share (``sampling.py`` keys each input's
stream by its name), so trial ``t`` of one run and trial ``t`` of another are
the same imagined future under two sets of assumptions. Differences are then
taken trial by trial: P(A's NPV > B's) is the share of trials in which A
beats B, and the simulation noise of a difference is far smaller than that of
either run.

Everything here computes numbers from arrays (and, for an overlay, calls the
one pipeline :func:`simulate.runner.simulate_model`); charts get the results.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._style import format_money, format_probability
from .config import Model, Overlay, load_config
from .engine import Result
from .errors import ConfigError
from .metrics import percentiles
from .runner import RunOptions, simulate_model

__all__ = [
    "KEY_METRICS",
    "PairedRun",
    "cdf_points",
    "comparisons_text",
    "key_figures",
    "overlay_analysis",
    "overlay_text",
    "paired_comparison",
    "scenario_comparisons",
]

# The figures an overlay's change is reported and attributed in.
KEY_METRICS = ("prob_npv_positive", "npv_p50", "npv_mean")

ONE_AT_A_TIME = (
    "one at a time: each change applied alone to the config, on the same draws; a row is "
    "that change's effect by itself. The rows need not add up to the total change: "
    "'interaction' is the total minus their sum."
)
SEQUENTIAL = (
    "sequential: the changes applied cumulatively in the order they are written in the "
    "overlay, on the same draws; a row is the effect of adding that change to those above "
    "it. The rows add up to the total change exactly; how it is split depends on the order."
)


def key_figures(npv: np.ndarray) -> dict[str, float]:
    """P(NPV > 0), median and mean NPV, computed as summary.json computes them."""
    npv = np.asarray(npv, dtype=float)
    return {
        "prob_npv_positive": float(np.mean(npv > 0)),
        "npv_p50": float(percentiles(npv, [50])[0]),
        "npv_mean": float(np.mean(npv)),
    }


def _delta(a: Mapping[str, float | None], b: Mapping[str, float | None]) -> dict[str, float | None]:
    return {k: None if a[k] is None or b[k] is None else a[k] - b[k] for k in KEY_METRICS}


def paired_comparison(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """How run ``a`` compares with run ``b``, trial by trial.

    Returns P(a > b), P(b > a) (ties count for neither: a success flag that
    fails in both runs gives equal NPVs), and the mean, P10, P50 and P90 of
    the paired difference ``a - b``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired runs need the same trials, not {a.shape} and {b.shape}")
    d = a - b
    p10, p50, p90 = (float(v) for v in percentiles(d, [10, 50, 90]))
    return {
        "prob_a_above_b": float(np.mean(a > b)),
        "prob_b_above_a": float(np.mean(b > a)),
        "npv_diff_mean": float(np.mean(d)),
        "npv_diff_p10": p10,
        "npv_diff_p50": p50,
        "npv_diff_p90": p90,
    }


@dataclass(frozen=True)
class PairedRun:
    """A run's label, what decides its draws, and its per-trial NPV."""

    label: str | None  # the scenario (None: the config as written)
    seed: int
    trials: int
    sampling: str
    npv: np.ndarray

    @classmethod
    def of(cls, result: Result) -> PairedRun:
        return cls(result.model.scenario, result.seed, result.trials, result.sampling, result.npv)


def scenario_comparisons(runs: Sequence[PairedRun]) -> list[dict[str, Any]]:
    """P(A's NPV > B's) for each pair of runs of one config, in the order given.

    Runs with different seeds, trials or sampling (a scenario that sets its
    own ``simulation:``) do not share their draws: such a pair is reported
    with ``paired: false`` and null figures.
    """
    out = []
    for i, a in enumerate(runs):
        for b in runs[i + 1 :]:
            row: dict[str, Any] = {"a": a.label, "b": b.label, "trials": a.trials}
            same = (a.seed, a.trials, a.sampling) == (b.seed, b.trials, b.sampling)
            row["paired"] = same
            if same:
                row.update(paired_comparison(a.npv, b.npv))
                row["note"] = ""
            else:
                row.update(dict.fromkeys(paired_comparison(np.zeros(1), np.zeros(1))))
                row["note"] = (
                    "not paired: the runs differ in seed, trials or sampling "
                    f"({a.seed}/{a.trials}/{a.sampling} vs {b.seed}/{b.trials}/{b.sampling})"
                )
            out.append(row)
    return out


def comparisons_text(name: str, rows: Sequence[Mapping[str, Any]], currency: str) -> str:
    """A short table of paired comparisons for the terminal."""

    def label(x):
        return x or "as written"

    lines = [f"{name}: paired comparisons (same draws, trial by trial)"]
    width = max([len(f"{label(r['a'])} > {label(r['b'])}") for r in rows] + [10])
    lines.append(f"  {'':{width}}  {'P(A > B)':>9}  {'mean A - B':>11}  {'P10 .. P90 of A - B'}")
    for r in rows:
        pair = f"{label(r['a'])} > {label(r['b'])}"
        if not r["paired"]:
            lines.append(f"  {pair:{width}}  {r['note']}")
            continue
        lines.append(
            f"  {pair:{width}}  {format_probability(r['prob_a_above_b']):>9}  "
            f"{format_money(r['npv_diff_mean'], currency):>11}  "
            f"{format_money(r['npv_diff_p10'], currency)} .. "
            f"{format_money(r['npv_diff_p90'], currency)}"
        )
    return "\n".join(lines)


def cdf_points(npv: np.ndarray, n: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """``(x, F)``: ``n`` points of the empirical CDF of ``npv``, for drawing.

    ``x`` are the NPV percentiles at ``F = 0, 1/(n-1), ..., 1`` (linear
    interpolation, as every percentile here).
    """
    prob = np.linspace(0.0, 1.0, n)
    return percentiles(np.asarray(npv, dtype=float), prob * 100.0), prob


# --------------------------------------------------------------------------
# Overlays
# --------------------------------------------------------------------------


def overlay_analysis(
    config: str,
    overlay: Overlay,
    options: RunOptions,
    *,
    scenario: str | None = None,
    data: bytes | None = None,
    keep_inputs: bool | None = None,
) -> tuple[Result, dict[str, Any]]:
    """Run ``config`` with and without ``overlay`` and attribute the difference.

    ``keep_inputs`` is passed on to the overlaid run (for samples.npz or
    sensitivity). Every run (the config as written, the overlaid config,
    and the partial overlays of the attribution) uses one seed (``options.seed``, else the
    config's, else one drawn from OS entropy and recorded) and the same
    trials, so all differences are paired.

    Returns
    -------
    result
        The overlaid run, as :func:`simulate.runner.simulate_model` makes it.
    report
        The ``overlay.json`` dict: key figures with and without the overlay,
        their change, P(overlaid NPV > the config's) and the attribution of
        the change to each overridden item, one at a time and sequentially.
    """
    base_model = load_config(config, scenario=scenario, data=data)
    full_model = load_config(config, scenario=scenario, overlay=overlay, data=data)
    seed = options.seed
    if seed is None:
        seed = base_model.seed if base_model.seed is not None else secrets.randbits(63)
    result = simulate_model(full_model, options, seed=seed, keep_inputs=keep_inputs)
    fast = {"keep_inputs": False, "n_paths": 0, "with_irr": False}
    cache: dict[frozenset, tuple[dict | None, str]] = {}
    npv_of: dict[frozenset, np.ndarray] = {}

    def figures_for(subset: frozenset) -> tuple[dict | None, str]:
        if subset not in cache:
            if subset == frozenset(range(len(overlay.changes))):
                npv = result.npv
            else:
                try:
                    if subset:
                        model = load_config(
                            config, scenario=scenario, overlay=overlay.subset(subset), data=data
                        )
                    else:
                        model = base_model
                except ConfigError as exc:
                    cache[subset] = (None, f"not valid on its own: {exc.problems[0].message}")
                    return cache[subset]
                npv = simulate_model(model, options, seed=seed, **fast).npv
            npv_of[subset] = npv
            cache[subset] = (key_figures(npv), "")
        return cache[subset]

    moving = [i for i, c in enumerate(overlay.changes) if c.affects_npv]
    fixed = frozenset(i for i, c in enumerate(overlay.changes) if not c.affects_npv)
    base, _ = figures_for(frozenset())
    overlaid, _ = figures_for(frozenset(range(len(overlay.changes))))
    total = _delta(overlaid, base)

    one = []
    for i in moving:
        figs, note = figures_for(frozenset({i}) | fixed)
        row = {
            "path": overlay.changes[i].label,
            **(_delta(figs, base) if figs else dict.fromkeys(KEY_METRICS)),
        }
        one.append({**row, "note": note})
    valid = [r for r in one if r["note"] == ""]
    one_sum = {k: float(sum(r[k] for r in valid)) for k in KEY_METRICS} if valid else None
    interaction = (
        {k: total[k] - one_sum[k] for k in KEY_METRICS}
        if one_sum is not None and len(valid) == len(one)
        else None
    )

    seq = []
    previous = base
    for k, i in enumerate(moving):
        figs, note = figures_for(frozenset(moving[: k + 1]) | fixed)
        if figs is None or previous is None:
            seq.append(
                {
                    "path": overlay.changes[i].label,
                    **dict.fromkeys(KEY_METRICS),
                    "note": note or "follows a step that is not valid",
                }
            )
        else:
            seq.append({"path": overlay.changes[i].label, **_delta(figs, previous), "note": ""})
        previous = figs

    report = {
        "config": base_model.file,
        "name": base_model.name,
        "scenario": scenario,
        "overlay": overlay.file,
        "overlay_name": overlay.name,
        "overlay_description": overlay.description,
        "trials": result.trials,
        "seed": result.seed,
        "sampling": result.sampling,
        "currency": base_model.currency,
        "common_random_numbers": True,
        "changes": [
            {
                "path": c.label,
                "change": c.describe(),
                "from": _current(base_model, full_model, c, before=True),
                "to": _current(base_model, full_model, c, before=False),
                "file": c.file,
                "line": c.line,
                "affects_npv": c.affects_npv,
            }
            for c in overlay.changes
        ],
        "notes": [w for w in full_model.warnings if w not in base_model.warnings],
        "base": base,
        "overlaid": overlaid,
        "change": total,
        "paired": paired_comparison(result.npv, npv_of[frozenset()]),
        "attribution": {
            "metrics": list(KEY_METRICS),
            "one_at_a_time": {
                "method": ONE_AT_A_TIME,
                "rows": one,
                "sum": one_sum,
                "interaction": interaction,
            },
            "sequential": {"method": SEQUENTIAL, "order": [r["path"] for r in seq], "rows": seq},
        },
    }
    return result, report


def _current(base: Model, full: Model, change, *, before: bool) -> str:
    """The overridden item as the model sees it, before or after the overlay."""
    model = base if before else full
    if change.section == "priors":
        prior = model.priors.get(change.key)
        return prior.describe() if prior is not None else ""
    if change.section == "top":
        return str(getattr(model, change.key, "") or "")
    if change.section == "targets":
        value = getattr(model, f"target_{change.key}", None)
        return "" if value is None else f"{value:g}"
    if change.section == "lines":
        target = full if not before else base
        for line in target.lines:
            if line.name == change.key or line.path == change.key:
                ref = line.fields.get(change.field)
                if ref is None:
                    return str(line.options.get(change.field, ""))
                if ref.is_constant:
                    return f"{ref.value:g}"
                inp = target.inputs[ref.input]
                return f"{inp.name}: {inp.prior.describe()}"
    return ""


def _pts(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} pts"


def _money(x: float | None, currency: str, sign: bool = False) -> str:
    if x is None:
        return "n/a"
    text = format_money(x, currency)
    return ("+" + text) if sign and x > 0 else text


def overlay_text(report: Mapping[str, Any]) -> str:
    """The overlay's change and its attribution, as a short table for the terminal."""
    cur = report["currency"]
    b, o, d = report["base"], report["overlaid"], report["change"]
    title = report["name"] + (f" [{report['scenario']}]" if report.get("scenario") else "")
    lines = [
        f"Overlay {report['overlay']} ({report['overlay_name']}) on {title}",
        f"  {report['trials']:,} trials, seed {report['seed']}: every run on the same draws",
        "",
        f"  {'':34}{'P(NPV > 0)':>12}{'NPV P50':>12}{'NPV mean':>12}",
        f"  {'as written':34}{format_probability(b['prob_npv_positive']):>12}"
        f"{_money(b['npv_p50'], cur):>12}{_money(b['npv_mean'], cur):>12}",
        f"  {'with the overlay':34}{format_probability(o['prob_npv_positive']):>12}"
        f"{_money(o['npv_p50'], cur):>12}{_money(o['npv_mean'], cur):>12}",
        f"  {'change':34}{_pts(d['prob_npv_positive']):>12}"
        f"{_money(d['npv_p50'], cur, True):>12}{_money(d['npv_mean'], cur, True):>12}",
        f"  P(NPV with the overlay > as written) = "
        f"{format_probability(report['paired']['prob_a_above_b'])} of trials",
        "",
    ]
    att = report["attribution"]
    one = {r["path"]: r for r in att["one_at_a_time"]["rows"]}
    seq = att["sequential"]["rows"]
    if seq:
        lines.append(
            f"  {'Attribution of the change':34}{'one at a time':>24}{'sequential (file order)':>28}"
        )
        lines.append(f"  {'':34}{'P(NPV > 0)':>12}{'NPV P50':>12}{'P(NPV > 0)':>16}{'NPV P50':>12}")
        for r in seq:
            a = one.get(r["path"], {})
            name = r["path"] if len(r["path"]) <= 33 else r["path"][:32] + "…"
            lines.append(
                f"  {name:34}{_pts(a.get('prob_npv_positive')):>12}"
                f"{_money(a.get('npv_p50'), cur, True):>12}"
                f"{_pts(r['prob_npv_positive']):>16}{_money(r['npv_p50'], cur, True):>12}"
            )
        inter = att["one_at_a_time"]["interaction"]
        if inter is not None:
            lines.append(
                f"  {'interaction (total - sum)':34}{_pts(inter['prob_npv_positive']):>12}"
                f"{_money(inter['npv_p50'], cur, True):>12}"
            )
        notes = [f"{r['path']}: {r['note']}" for r in att["one_at_a_time"]["rows"] if r["note"]]
        lines += [f"  note: {n}" for n in notes]
    return "\n".join(lines)
