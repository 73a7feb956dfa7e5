"""What the stages of a batch hand each other: items, their outcomes, rows, the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["BatchItem", "BatchReport", "ItemOutcome", "RowSpec", "exit_status"]


@dataclass(frozen=True)
class BatchItem:
    """One run of a batch: a config (as the user would name it), a scenario, a seed."""

    index: int  # the row's position
    config: str
    data: bytes = field(repr=False)
    scenario: str | None
    seed: int  # the config's batch seed; the config's own simulation.seed wins
    name: str = ""
    cost: float = 0.0  # a rough size, to start the largest items first
    write: bool = True  # False: only the draws are wanted (``--resume`` comparing a config)


@dataclass(frozen=True)
class RowSpec:
    """One row of the batch summary, known before anything runs."""

    index: int
    config: str
    scenario: str | None
    stem: str  # the result folder's name
    name: str  # the config's name (empty when it does not load)
    seed: int  # the config's batch seed


@dataclass
class ItemOutcome:
    """What a worker sends back: the summary, NPV per trial, the folder's files.

    Mutable on purpose: the caller drops ``files`` once the folder is written
    and ``npv`` once the config's comparisons are done, to keep memory flat
    over a long batch.
    """

    index: int
    status: str  # "ok", "error", or "interrupted" (the batch stopped before it finished)
    kind: str = ""  # for errors: "invalid" (a ConfigError) or "internal"
    problems: list[str] = field(default_factory=list)
    traceback: str = ""
    summary: dict[str, Any] | None = None
    npv: np.ndarray | None = field(default=None, repr=False)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)
    stem: str | None = None
    config_hash: str = ""
    seconds: float | None = None  # its time to run; None where not measured (not run, resumed)

    @property
    def error(self) -> str:
        return "; ".join(self.problems)


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: its rows, the paired comparisons, the files written."""

    rows: list[dict[str, Any]]
    stems: list[str]
    comparisons: list[dict[str, Any]]
    figures: list[str]
    meta: dict[str, Any]
    status: int  # the exit status: see exit_status


def exit_status(outcomes: Iterable[ItemOutcome]) -> int:
    """0 when every item succeeded, 1 when any failed for an internal reason, else 2."""
    failed = [o for o in outcomes if o.status != "ok"]
    if not failed:
        return 0
    return 1 if any(o.kind == "internal" for o in failed) else 2
