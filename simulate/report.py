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

from ._style import format_money, format_months, format_percent, format_probability
from .engine import Result

__all__ = ["atomic_dir", "dumps", "summary_text", "write_json", "write_samples"]


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
