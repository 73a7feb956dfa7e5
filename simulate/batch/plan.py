"""Step 2 of a batch: each config's seed and items, and the rows of the summary.

A config whose ``simulation:`` sets no seed gets child ``i`` of the batch's
root ``SeedSequence`` (``root.spawn(number of configs)``, in discovery order);
every scenario of a config shares its seed, so they run on common random
numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..config import Model, load_config
from ..config.loader import read_file_bytes
from ..errors import ConfigError, Problem
from ..files import FOLDER_RULE, folder_name_problem
from ..seeds import seed_of
from .records import BatchItem, ItemOutcome, RowSpec

__all__ = ["ConfigRuns", "Plan", "group_by_config", "item_seed", "plan"]

# A config's batch seed: the first 63 bits of its child SeedSequence, the
# same rule (and so the same seeds) as every other recorded seed.
item_seed = seed_of


def _load(config: str) -> tuple[bytes, Model] | list[str]:
    """The config's bytes and model, or the problems that stop it loading."""
    try:
        # regular files only, within the size limit: never a FIFO or /dev/zero
        data = read_file_bytes(config, "config")
        return data, load_config(config, data=data)
    except OSError as exc:
        return [str(Problem(f"cannot read the config: {exc.strerror}", file=config))]
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    except Exception as exc:  # a bug in loading: this config's error row, not the batch's end
        return [" ".join(f"{config}: internal error: {type(exc).__name__}: {exc}".split())]


def _bad_folder(config: str, scenario: str | None, folder: str, why: str) -> str:
    """The error row of a config or scenario whose name cannot name its result folder."""
    what = f"scenario {scenario!r}" if scenario else f"config {Path(config).name!r}"
    return str(
        Problem(
            f"{what} cannot name a result folder ({folder!r}): {why}; {FOLDER_RULE}",
            path=f"scenarios.{scenario}" if scenario else "",
            file=config,
        )
    )


def _refuse_clashes(specs: Iterable[RowSpec]) -> None:
    """Raise a ConfigError when two configs would write the same result folder."""
    owner: dict[str, str] = {}
    clashes = []
    for spec in specs:
        key = spec.stem.lower()  # a clash on case-insensitive file systems too
        if key in owner and owner[key] != spec.config:
            clashes.append(
                Problem(
                    f"{owner[key]} and {spec.config} would both write the result folder "
                    f"{spec.stem!r}; rename one, or run them in separate batches",
                    file=spec.config,
                )
            )
        owner.setdefault(key, spec.config)
    if clashes:
        raise ConfigError(clashes)


class Plan(NamedTuple):
    """What a batch will do: its rows, the items to run, the error rows, the templates skipped."""

    specs: list[RowSpec]
    items: list[BatchItem]
    failed: list[ItemOutcome]
    templates: list[str]  # configs marked ``template: true``, not run


def plan(
    configs: Sequence[str],
    root: np.random.SeedSequence,
    *,
    trials: int | None = None,
    include_templates: bool = False,
) -> Plan:
    """The rows of the batch, the items to run, and error rows for configs that do not load.

    Each config gets child ``i`` of ``root`` and contributes a row for itself
    and one per scenario (a config that does not load: one error row). A
    config marked ``template: true`` is skipped (listed in ``templates``)
    unless ``include_templates``; it keeps its place in the numbering, so
    skipping it moves no other config's seed. ``trials`` (the batch's
    ``--trials``) only sizes the items, to start the largest first.

    Raises
    ------
    ConfigError
        When two rows would write the same result folder.
    """
    specs: list[RowSpec] = []
    items: list[BatchItem] = []
    failed: list[ItemOutcome] = []
    templates: list[str] = []
    for config, child in zip(configs, root.spawn(len(configs)), strict=True):
        seed = item_seed(child)
        stem = Path(config).stem
        loaded = _load(config)
        if isinstance(loaded, list):
            kind = "internal" if "internal error:" in loaded[0] else "invalid"
            failed.append(ItemOutcome(len(specs), "error", kind, loaded))
            specs.append(RowSpec(len(specs), config, None, stem, "", seed))
            continue
        data, model = loaded
        if model.template and not include_templates:
            templates.append(config)
            continue
        cost = (trials or model.trials) * (model.horizon_months + 1) * max(len(model.lines), 1)
        for scenario in (None, *model.scenarios):
            folder = f"{stem}--{scenario}" if scenario else stem
            index = len(specs)
            specs.append(RowSpec(index, config, scenario, folder, model.name, seed))
            why = folder_name_problem(folder)
            if why is not None:  # never a folder outside --out, nor a failure after writing
                failed.append(ItemOutcome(index, "error", "invalid", [_bad_folder(config, scenario, folder, why)]))  # fmt: skip
                continue
            items.append(BatchItem(index, config, data, scenario, seed, model.name, cost))
    _refuse_clashes(specs)
    return Plan(specs, items, failed, templates)


@dataclass
class ConfigRuns:
    """The items of one config, gathered until all of them are done."""

    config: str
    name: str
    indices: list[int]
    done: dict[int, ItemOutcome] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.indices)


def group_by_config(items: Iterable[BatchItem]) -> dict[str, ConfigRuns]:
    """The items of each config, by config path (to compare its scenarios once all are done)."""
    groups: dict[str, ConfigRuns] = {}
    for it in items:
        groups.setdefault(it.config, ConfigRuns(it.config, it.name, [])).indices.append(it.index)
    return groups
