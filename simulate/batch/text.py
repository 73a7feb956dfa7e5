"""The table a batch prints on stdout when it ends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..format import format_money, format_months, format_percent, format_probability
from .records import BatchReport

__all__ = ["SEED_DIGITS", "batch_text", "readable_seed"]

# A root seed drawn from OS entropy has 38 or 39 digits: only this many are
# printed, the whole seed being in batch_summary.json.
SEED_DIGITS = 12


def readable_seed(meta: Mapping[str, Any]) -> str:
    """The batch's root seed for a footer: as given with --seed, else its first 12 digits.

    ``meta`` is batch_summary.json's (``root_seed``, ``root_seed_from``). A
    seed from OS entropy is cut to :data:`SEED_DIGITS` digits and an
    ellipsis, saying so: ``3081936012…`` is no seed to type back in.
    """
    text = str(meta["root_seed"])
    if meta.get("root_seed_from") == "--seed" or len(text) <= SEED_DIGITS:
        return f"{text} ({meta.get('root_seed_from')})"
    return (
        f"{text[:SEED_DIGITS]}… (OS entropy; first {SEED_DIGITS} digits, all in batch_summary.json)"
    )


def _where(meta: Mapping[str, Any]) -> str:
    """Where the batch ran: a Dask scheduler, worker processes or this process."""
    if meta["dask"]:
        return f"Dask scheduler {meta['dask']}"
    workers = meta["workers"]
    if workers and workers > 1:
        return f"{workers} worker processes"
    return "this process"


def _run_line(row: Mapping[str, Any], stem: str, width: int) -> str:
    if row["status"] != "ok":
        first = (row["error"] or "").split("; ")[0]
        return f"  {stem:{width}}  FAILED: {first[:110]}"
    cur = row["currency"]
    roi = "n/a" if row["roi_p50"] is None else format_percent(row["roi_p50"])
    return (
        f"  {stem:{width}}  {format_probability(row['prob_npv_positive']):>8}"
        f"  {format_money(row['npv_p10'], cur):>9}  {format_money(row['npv_p50'], cur):>9}"
        f"  {format_money(row['npv_p90'], cur):>9}  {roi:>8}"
        f"  {format_months(row['payback_p50'], None):>12}"
    )


def _paired_lines(comparisons: Sequence[Mapping[str, Any]]) -> list[str]:
    paired = [c for c in comparisons if c["paired"]]
    if not paired:
        return []
    lines = ["", "  Paired comparisons (same draws, trial by trial): P(A's NPV > B's)"]
    for c in paired:
        a, b = c["a"] or "as written", c["b"] or "as written"
        lines.append(
            f"    {Path(c['config']).stem}: P({a} > {b}) = "
            f"{format_probability(c['prob_a_above_b'])}, "
            f"P({b} > {a}) = {format_probability(c['prob_b_above_a'])}"
        )
    return lines


def batch_text(report: BatchReport) -> str:
    """The table printed on stdout at the end of a batch."""
    meta = report.meta
    width = max([len(s) for s in report.stems] + [3])
    skipped = len(meta.get("templates_skipped") or ())
    templates = f"; {skipped} template(s) skipped" if skipped else ""
    lines = [
        f"Batch: {meta['items']} run(s) of {meta['configs']} config(s) on {_where(meta)}"
        f"{templates}; root seed {readable_seed(meta)}",
        f"  {meta['ok']} ok, {meta['failed']} failed, in {meta['wall_seconds']:.1f} s",
        "",
        f"  {'run':{width}}  {'P(NPV>0)':>8}  {'NPV P10':>9}  {'NPV P50':>9}  {'NPV P90':>9}"
        f"  {'ROI P50':>8}  {'payback P50':>12}",
    ]
    lines += [_run_line(r, s, width) for r, s in zip(report.rows, report.stems, strict=True)]
    return "\n".join(lines + _paired_lines(report.comparisons))
