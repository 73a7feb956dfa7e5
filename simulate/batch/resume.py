"""``simulate batch --resume``: which items an earlier, unfinished batch already did.

An item is done when its result folder holds a ``summary.json`` (folders are
swapped in whole, so one that exists is complete) that matches what this
batch would write: the same config hash, scenario, seed, trials, sampling and
version, and charts in ``figures/`` when charts are asked for (for a config
with precision targets, the same targets in its ``stop`` block instead of
the trials). A summary
without ``config_hash`` (written before it was recorded) never matches.

A config's paired comparisons need every run's draws, which no result folder
keeps. So a config whose runs are all done keeps its comparison file when
that file names the same runs (and its chart, when charts are asked for);
otherwise each done run of the config is simulated again for its draws only
(its folder is left as it is), beside the runs that are not done yet. Such a
run is still taken as done: its row is read from its folder, like any done
run's (:attr:`Resumed.kept`).

The batch being resumed is read from its ``batch_summary.json``
(:func:`earlier_batch`): its root seed and ``--trials``, used when not given
again, and where that root seed came from, which the new summary keeps.

A done run keeps the time it took: the ``seconds`` of its row in the earlier
``batch_summary.json`` (same config, scenario, seed and trials), or none
when that summary has no such row (its row's ``seconds`` is then empty,
never a made-up 0).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import load_config
from ..errors import ConfigError
from ..runner import RunOptions, identify, targets_of
from ..seeds import MAX_ROOT_SEED
from ..version import __version__
from .plan import group_by_config
from .records import BatchItem, ItemOutcome, RowSpec

__all__ = ["Resumed", "earlier_batch", "resume"]


@dataclass
class Resumed:
    """What an earlier batch already did, and what is left to run."""

    items: list[BatchItem]  # to run (``write=False``: for the draws only)
    done: dict[int, ItemOutcome] = field(default_factory=dict)  # by row index
    # done runs simulated again for their draws only: their rows, read from their folders
    kept: dict[int, ItemOutcome] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)  # kept from the files
    charts: list[Path] = field(default_factory=list)  # comparison charts kept


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def earlier_batch(out: Path) -> dict[str, Any]:
    """The root seed, where it came from and the ``--trials`` of the batch summarised in ``out``.

    Only what is there and well formed: ``root_seed`` (0 to 2^128 - 1),
    ``root_seed_from`` (``--seed`` or ``OS entropy``), ``trials`` (a whole
    number >= 1); nothing from a missing or unreadable summary.
    """
    doc = _read_json(out / "batch_summary.json")
    if not isinstance(doc, dict):
        return {}
    found: dict[str, Any] = {}
    if _whole(doc.get("root_seed"), 0, MAX_ROOT_SEED):
        found["root_seed"] = doc["root_seed"]
    if doc.get("root_seed_from") in ("--seed", "OS entropy"):
        found["root_seed_from"] = doc["root_seed_from"]
    if _whole(doc.get("trials"), 1, 2**63):
        found["trials"] = doc["trials"]
    return found


def _charts_present(folder: Path, formats: Sequence[str]) -> bool:
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    return all(any(n.endswith(f".{fmt}") for n in names) for fmt in formats)


def _earlier_seconds(out: Path) -> dict[tuple, float]:
    """The seconds of each ok row of the summary in ``out``, by config, scenario, seed, trials.

    A resumed run's summary.json does not say how long it took; the summary
    of the batch that ran it (or of an earlier resume, which carried it on)
    does.
    """
    doc = _read_json(out / "batch_summary.json")
    rows = doc.get("rows") if isinstance(doc, dict) else None
    found = {}
    for row in rows if isinstance(rows, list) else []:
        try:
            key = (row["config"], row["scenario"], row["seed"], row["trials"])
            seconds = row["seconds"]
            ok = row["status"] == "ok"
        except (KeyError, TypeError):  # a summary of another shape: no time for it
            continue
        if ok and isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            found[key] = float(seconds)
    return found


def finished(
    folder: Path, item: BatchItem, options: RunOptions, seconds: Mapping[tuple, float]
) -> ItemOutcome | None:
    """The outcome of ``item`` read back from ``folder``, or None if it must run.

    Its ``seconds`` are those ``seconds`` (:func:`_earlier_seconds`) hold for
    it, else None: the folder does not record them.
    """
    summary = _read_json(folder / "summary.json")
    if not isinstance(summary, dict):
        return None
    try:
        # the hash a run records: over the config and, for a scenario, its name
        model, _ = identify(load_config(item.config, scenario=item.scenario, data=item.data))
    except Exception:  # it runs again, and the run reports why
        return None
    want = {
        "config_hash": model.config_hash,
        "scenario": item.scenario,
        "seed": item.seed if model.seed is None else model.seed,
        "trials": options.trials or model.trials,
        "sampling": options.sampling or model.sampling,
        "version": __version__,
    }
    try:
        targets = targets_of(model, options)
    except ConfigError:  # it runs again, and the run reports why
        return None
    if targets is not None:  # a run with precision targets stops where they are met
        del want["trials"]
        stop = summary.get("stop")
        if not isinstance(stop, dict) or stop.get("targets") != {t.figure: t.text for t in targets}:
            return None
    if not model.config_hash or any(summary.get(k) != v for k, v in want.items()):
        return None
    if options.figures and not _charts_present(folder / "figures", options.formats):
        return None
    took = seconds.get((item.config, item.scenario, summary["seed"], summary["trials"]))
    return ItemOutcome(item.index, "ok", summary=summary, stem=model.stem,
                       config_hash=model.config_hash, seconds=took)  # fmt: skip


def _kept_comparisons(
    out: Path, config: str, done: Sequence[ItemOutcome], options: RunOptions
) -> tuple[list[dict[str, Any]], list[Path]] | None:
    """A done config's comparison rows and chart from its files, if they match its runs."""
    stem = Path(config).stem
    doc = _read_json(out / "comparisons" / f"{stem}.json")
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return None
    key = ("scenario", "seed", "trials")
    try:
        runs = [tuple(r[k] for k in key) for r in doc["runs"]]
    except (KeyError, TypeError):
        return None
    if runs != [tuple(o.summary[k] for k in key) for o in done if o.summary]:
        return None
    charts = [out / "figures" / f"scenarios--{stem}.{fmt}" for fmt in options.formats]
    if options.figures and not all(c.is_file() for c in charts):
        return None
    return list(doc.get("comparisons", [])), charts if options.figures else []


def resume(
    out: Path, specs: Sequence[RowSpec], items: Sequence[BatchItem], options: RunOptions
) -> Resumed:
    """Split ``items`` into those an earlier batch in ``out`` did and those still to run."""
    left = Resumed([])
    seconds = _earlier_seconds(out)
    for group in group_by_config(items).values():
        mine = [it for it in items if it.index in group.indices]
        done = {it.index: finished(out / specs[it.index].stem, it, options, seconds) for it in mine}
        if all(done.values()):
            kept = _kept_comparisons(out, group.config, list(done.values()), options)
            if len(mine) < 2 or kept is not None:
                left.done.update(done)  # type: ignore[arg-type]  # all are outcomes here
                if kept is not None:
                    left.comparisons += kept[0]
                    left.charts += kept[1]
                continue
        for it in mine:  # run what is not done; the done ones for their draws only
            outcome = done[it.index]
            if outcome is not None:
                left.kept[it.index] = outcome
            left.items.append(it if outcome is None else replace(it, write=False))
    return left
