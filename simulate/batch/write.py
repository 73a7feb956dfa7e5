"""Step 4 of a batch: result folders, ``batch_summary.csv``/``.json`` and comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..compare import PairedRun, scenario_comparisons
from ..files import atomic_dir, dumps, replace_text, write_json
from .charts import draw_scenarios
from .records import ItemOutcome, RowSpec
from .tables import csv_text

__all__ = [
    "ROW_COLUMNS",
    "row_for",
    "write_config_comparison",
    "write_files",
    "write_summary",
]

ROW_COLUMNS = (
    "config",
    "name",
    "scenario",
    "seed",
    "trials",
    "sampling",
    "currency",
    "status",
    "error",
    "prob_npv_positive",
    "npv_mean",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "npv_cvar5",
    "pv_costs_mean",
    "roi_p50",
    "payback_p50",
    "payback_within_target",
    "roi_at_least_target",
    "result_dir",
    "seconds",
    "flexibility_value",
)

COMMON_RANDOM_NUMBERS = (
    "runs with the same seed, trials and sampling share their draws, "
    "so each comparison is over the same simulated futures"
)


def row_for(spec: RowSpec, outcome: ItemOutcome, out: Path) -> dict[str, Any]:
    """The batch_summary row of an item (see :data:`ROW_COLUMNS`)."""
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(config=spec.config, name=spec.name or None, scenario=spec.scenario, seed=spec.seed)
    row["status"] = outcome.status
    row["error"] = outcome.error
    row["seconds"] = None if outcome.seconds is None else round(outcome.seconds, 3)
    s = outcome.summary
    if s is not None:
        m, p = s["metrics"], s["probabilities"]
        row.update(
            name=s["name"],
            seed=s["seed"],
            trials=s["trials"],
            sampling=s["sampling"],
            currency=s["currency"],
            prob_npv_positive=p["npv_positive"],
            npv_mean=m["npv"]["mean"],
            npv_p10=m["npv"]["p10"],
            npv_p50=m["npv"]["p50"],
            npv_p90=m["npv"]["p90"],
            npv_cvar5=m["npv"]["cvar5"],
            pv_costs_mean=m["pv_costs"]["mean"],
            roi_p50=m["roi"]["p50"],
            payback_p50=m["payback_months"]["p50"],
            payback_within_target=p["payback_within_target"],
            roi_at_least_target=p["roi_at_least_target"],
            result_dir=str(out / spec.stem),
            flexibility_value=(s.get("flexibility") or {}).get("value"),
        )
    return row


def write_files(target: Path, files: Mapping[str, bytes], *, root: Path | None = None) -> None:
    """Write a result folder from a worker's files, atomically (see ``files.atomic_dir``).

    ``root`` (the batch's ``--out``), if given, must contain ``target``.
    """
    with atomic_dir(target, root=root) as tmp:
        for rel, blob in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)


def write_summary(out: Path, rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> None:
    """``batch_summary.csv`` (one row per item) and ``batch_summary.json`` (``meta`` and rows).

    In the CSV an empty cell is a missing value (a failed item, a payback
    beyond the horizon, a target that is not set); floats keep every digit.
    """
    table = csv_text(ROW_COLUMNS, ([row.get(c) for c in ROW_COLUMNS] for row in rows))
    out.mkdir(parents=True, exist_ok=True)
    replace_text(out / "batch_summary.csv", table)
    replace_text(out / "batch_summary.json", dumps({**meta, "rows": list(rows)}))


def _comparison_doc(
    out: Path,
    config: str,
    runs: Sequence[tuple[str, Mapping[str, Any], np.ndarray]],
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """``comparisons/<stem>.json``: the runs compared, then the comparisons."""
    first = runs[0][1]
    return {
        "config": config,
        "name": first["name"],
        "currency": first["currency"],
        "common_random_numbers": COMMON_RANDOM_NUMBERS,
        "runs": [
            {
                "scenario": s["scenario"],
                "result_dir": str(out / folder),
                "seed": s["seed"],
                "trials": s["trials"],
                "prob_npv_positive": s["probabilities"]["npv_positive"],
                "npv_mean": s["metrics"]["npv"]["mean"],
                "npv_p50": s["metrics"]["npv"]["p50"],
            }
            for folder, s, _ in runs
        ],
        "comparisons": rows,
    }


def write_config_comparison(
    out: Path,
    config: str,
    runs: Sequence[tuple[str, Mapping[str, Any], np.ndarray]],
    *,
    figures: bool = True,
    formats: Sequence[str] = ("png",),
    config_hash: str = "",
    stem: str | None = None,
    write_to: Path | None = None,
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Paired comparisons of one config's runs: ``OUT/comparisons/<stem>.json`` and a chart.

    ``runs`` are ``(result folder name, summary, npv per trial)`` in the order
    to compare (the config as written first, then its scenarios). Writes the
    comparison file, and with ``figures`` the overlaid NPV CDFs as
    ``OUT/figures/scenarios--<stem>``; ``stem`` defaults to the config's
    (``run --overlay`` adds ``--<overlay>``). ``write_to`` writes the files
    there instead of ``out`` (a staging folder that replaces its places in
    ``out`` later; the paths recorded still name ``out``). Returns the
    comparison rows and the chart files (as they will be under ``out``).
    """
    paired = [
        PairedRun(s["scenario"], s["seed"], s["trials"], s["sampling"], npv) for _, s, npv in runs
    ]
    name = runs[0][1]["name"]
    rows = [{"config": config, "name": name, **r} for r in scenario_comparisons(paired)]
    stem = stem or Path(config).stem
    dest = out if write_to is None else Path(write_to)
    (dest / "comparisons").mkdir(parents=True, exist_ok=True)
    write_json(dest / "comparisons" / f"{stem}.json", _comparison_doc(out, config, runs, rows))
    written: list[Path] = []
    if figures and len(runs) >= 2:
        path = dest / "figures" / f"scenarios--{stem}"
        written = draw_scenarios(path, runs, formats, config_hash=config_hash)
        written = [out / p.relative_to(dest) for p in written]
    return rows, written
