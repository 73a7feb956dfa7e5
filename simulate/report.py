"""Files and text for a finished run: summary.json, samples.npz, the stdout table.

Writing is atomic per result folder: everything goes into a hidden temporary
folder beside the target, which replaces the target only once complete, so a
failed or interrupted run leaves no half-written result behind.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ._style import (
    format_money,
    format_months,
    format_number,
    format_percent,
    format_probability,
)
from .engine import Result

__all__ = [
    "atomic_dir",
    "dumps",
    "sensitivity_text",
    "summary_text",
    "write_json",
    "write_samples",
]


def dumps(obj: Any) -> str:
    """JSON text with NaN and infinities written as null (JSON has neither)."""
    return json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n"


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def write_json(path: Path, obj: Any) -> None:
    path.write_text(dumps(obj), encoding="utf-8")


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_samples(path: Path, result: Result) -> None:
    """``samples.npz``: each per-trial output, and each input as ``input__<name>``."""
    arrays = dict(result.outputs())
    if result.inputs is not None:
        for j, inp in enumerate(result.model.inputs):
            arrays[f"input__{inp.name}"] = result.inputs[j]
    np.savez_compressed(path, **arrays)


def summary_text(summary: dict[str, Any], result_dir: Path | None = None) -> str:
    """The short human summary printed on stdout after a run."""
    cur = summary["currency"]
    m = summary["metrics"]
    p = summary["probabilities"]

    def money(x):
        return "n/a" if x is None else format_money(x, cur)

    def pct(x):
        return "n/a" if x is None else format_percent(x)

    def months(x):
        return format_months(x, summary["horizon_months"])

    title = summary["name"] + (f" [{summary['scenario']}]" if summary.get("scenario") else "")
    rows = [
        title,
        f"  {summary['trials']:,} trials, seed {summary['seed']}, {summary['sampling']} sampling, "
        f"{summary['horizon_months']} months at {summary['discount_rate']:.1%} a year",
        "",
        f"  P(NPV > 0)            {format_probability(p['npv_positive'])}"
        f"  (Monte Carlo s.e. {pct(p['npv_positive_se'])})",
        f"  NPV   P10/P50/P90     {money(m['npv']['p10'])} / {money(m['npv']['p50'])} / "
        f"{money(m['npv']['p90'])}   (mean {money(m['npv']['mean'])})",
        f"  ROI   P10/P50/P90     {pct(m['roi']['p10'])} / {pct(m['roi']['p50'])} / {pct(m['roi']['p90'])}",
        f"  Payback median        {months(m['payback_months']['p50'])}"
        f"   (paid back within the horizon: {format_probability(p['payback_within_horizon'])})",
    ]
    if p.get("payback_within_target") is not None:
        rows.append(f"  P(payback by target)  {format_probability(p['payback_within_target'])}")
    if p.get("roi_at_least_target") is not None:
        rows.append(f"  P(ROI >= target)      {format_probability(p['roi_at_least_target'])}")
    if result_dir is not None:
        rows += ["", f"  Results: {result_dir}"]
    return "\n".join(rows)


def run_and_write(
    target: Path,
    writers: list[Callable[[Path], None]],
) -> Path:
    """Call each writer on a temporary folder, then move it into place."""
    with atomic_dir(target) as tmp:
        for write in writers:
            write(tmp)
    return target


def sensitivity_text(
    sens: dict[str, Any],
    *,
    name: str,
    currency: str,
    horizon_months: int,
    top: int = 8,
    result_dir: Path | None = None,
) -> str:
    """The short ranked table printed after a sensitivity analysis.

    One row per input (the ``top`` largest tornado swings, or Sobol' total
    indices without a tornado): the metric at the low and high quantile, the
    swing, the break-even value, Sobol' ST, Spearman's rho and EVPPI, for the
    sections that were computed; then EVPI and any goal seeks.
    """
    metric = sens["metric"]
    label = {"npv": "NPV", "roi": "ROI", "payback_months": "Payback"}[metric]

    def value(v):
        if metric == "payback_months":
            return format_months(v, horizon_months).replace(" months", " mo")
        if v is None:
            return "n/a"
        return format_money(v, currency) if metric == "npv" else format_percent(v)

    def swing(v):
        if v is None:
            return "n/a"
        if metric == "payback_months":
            return "∞" if math.isinf(v) else f"{v:.1f} mo"
        return value(v)

    tornado = sens.get("tornado") or []
    sobol = {r["input"]: r for r in sens.get("sobol", {}).get("indices", [])}
    rank = {r["input"]: r["spearman"] for r in sens.get("rank", [])}
    breakeven = {r["input"]: r for r in sens.get("breakeven", [])}
    voi = sens.get("voi")
    evppi = {r["input"]: r["value"] for r in voi["evppi"]} if voi else {}
    if tornado:
        order = [r["input"] for r in tornado]
    elif sobol:
        order = list(sobol)
    elif rank:
        order = list(rank)
    elif evppi:
        order = list(evppi)
    else:
        order = list(sens["base"]["inputs"])
    by_input = {r["input"]: r for r in tornado}

    head = ["input"]
    if tornado:
        q = f"P{tornado[0]['low_q'] * 100:g} / P{tornado[0]['high_q'] * 100:g}"
        head += [f"{label} at {q}", "swing"]
    if breakeven:
        head.append("NPV = 0 at")
    if sobol:
        head.append("Sobol ST")
    if rank:
        head.append("rank rho")
    if evppi:
        head.append("EVPPI")
    noise = 2.0 * voi["noise_floor"] if voi else 0.0
    table = [head]
    for inp in order[:top]:
        row = [inp if len(inp) <= 32 else inp[:31] + "…"]
        if tornado:
            r = by_input[inp]
            row += [f"{value(r['metric_low'])} / {value(r['metric_high'])}", swing(r["swing"])]
        if breakeven:
            b = breakeven[inp]
            if b["value"] is not None:
                row.append(format_number(b["value"], sig=4))
            elif b.get("positive_at") and len(b["positive_at"]) < len(b.get("values", ())):
                row.append("> 0 only at " + ", ".join(format_number(v) for v in b["positive_at"]))
            else:
                row.append("none in range")
        if sobol:
            s = sobol[inp]
            row.append("n/a" if s["ST"] is None else f"{s['ST']:.2f} ± {s['ST_conf'] or 0:.2f}")
        if rank:
            row.append("n/a" if rank[inp] is None else f"{rank[inp]:+.2f}")
        if evppi:
            v = evppi[inp]
            row.append("~0" if v <= noise else format_money(v, currency))
        table.append(row)
    widths = [max(len(r[c]) for r in table) for c in range(len(head))]

    def line(cells):
        return "  " + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [
        f"Sensitivity of {label}: {name}",
        f"  base case (every input at its median): {label} {value(sens['base']['metric'])}",
        "",
        line(table[0]),
        "  " + "  ".join("-" * w for w in widths),
        *(line(r) for r in table[1:]),
    ]
    if len(order) > top:
        out.append(f"  ... and {len(order) - top} more input(s) in sensitivity.json")
    if voi:
        floor = f" ({format_money(noise, currency)})" if noise > 0 else ""
        out += [
            "",
            f"  EVPI {format_money(voi['evpi'], currency)}: the most that perfect knowledge of "
            f"every input is worth to the decision (now: {voi['decision_now']}, "
            f"expected NPV {format_money(voi['expected_npv'], currency)}).",
            "  EVPPI: the same for one input alone, the most a pilot measuring it is worth; "
            f"~0 means at or below the noise level{floor}.",
        ]
    for g in sens.get("goal_seek", []):
        out.append(
            f"  Goal seek: P(NPV > 0) = {format_probability(g['target'])} via {g['input']}: "
            f"{g['note']}"
        )
    if result_dir is not None:
        out += ["", f"  Results: {result_dir}"]
    return "\n".join(out)
