"""The validated model: what every later stage reads, and never checks again.

:func:`~simulate.config.load_config` builds a :class:`Model` (see
:mod:`.build`); after it, the model is trusted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .priors import Prior

__all__ = ["Gate", "Input", "Line", "Model", "PrecisionTarget", "Ref", "Settings"]


@dataclass(frozen=True)
class Ref:
    """A numeric field: a constant, or column ``input`` of the draws matrix."""

    value: float = math.nan
    input: int = -1

    @property
    def is_constant(self) -> bool:
        return self.input < 0


@dataclass(frozen=True)
class Input:
    """One uncertain input: a column of the draws matrix.

    ``name`` is the prior's name, or for an inline prior its path in the
    config (``benefits[2].uplift``). ``used_by`` lists the fields that see it.
    ``label`` is what charts and tables call it: the prior's ``label:``; else,
    for an inline prior, its line's label and the field
    (``Platform build: scale``); else its name.
    """

    name: str
    prior: Prior
    inline: bool
    used_by: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Line:
    """One benefit or cost line, its fields resolved to constants or inputs."""

    kind: str  # "benefit" or "cost"
    type: str
    code: int
    name: str
    path: str
    fields: Mapping[str, Ref]
    options: Mapping[str, str]
    # Per-period amounts (length horizon + 1) for scheduled and one_time lines,
    # before the `amount` (one_time) and `scale` multipliers.
    profile: tuple[float, ...] | None = None
    label: str | None = None  # the line's label:, shown on charts instead of its name

    @property
    def display(self) -> str:
        """What charts and tables call the line: its ``label:``, else its name."""
        return self.label or self.name


@dataclass(frozen=True)
class Gate:
    """A stage gate (docs/model.md section 5): at ``month``, continue only if ``flag`` passes.

    ``flag`` is the value the gate reads (a constant or an input's column);
    the gate passes in a trial where it is at least :attr:`threshold`. Where it fails, the lines at ``lines``
    (indices into :attr:`Model.lines`) stop from ``month`` on.
    """

    name: str
    path: str  # gates[i]
    month: int
    flag: Ref
    flag_name: str  # continue_if as written (a prior's name, or the path of an inline prior)
    at_least: float | None  # None: a 0/1 flag, which passes where it drew 1
    lines: tuple[int, ...]

    @property
    def threshold(self) -> float:
        """The gate passes where its value is at least this (0.5 for a 0/1 flag)."""
        return 0.5 if self.at_least is None else self.at_least

    @property
    def condition(self) -> str:
        """The condition in words: ``pilot_succeeds = 1``, ``pilot_lift >= 0.02``."""
        if self.at_least is None:
            return f"{self.flag_name} = 1"
        return f"{self.flag_name} >= {self.at_least:g}"


class PrecisionTarget(NamedTuple):
    """One figure's precision target (``simulate.config.tolerance``).

    ``tolerance`` is the largest accepted half-width of the figure's 95%
    interval: in the figure's own unit (money, months; a probability or the
    ROI as a fraction, so 0.5pp is 0.005), or with ``relative`` a fraction of
    the estimate's size (2% is 0.02). ``text`` is the tolerance as written,
    normalised (``"0.5pp"``, ``"2%"``, ``"50000"``).
    """

    figure: str
    tolerance: float
    relative: bool
    text: str

    def allowed(self, estimate: float) -> float | None:
        """The largest half-width this target accepts at ``estimate`` (None: no size to be
        relative to, an estimate of +-inf or NaN)."""
        if not self.relative:
            return self.tolerance
        return self.tolerance * abs(estimate) if math.isfinite(estimate) else None


@dataclass(frozen=True)
class Settings:
    """The top-level values of a config, with defaults filled in."""

    name: str
    description: str
    currency: str
    horizon_months: int
    discount_rate: float
    trials: int
    seed: int | None
    sampling: str
    target_payback_months: float | None
    target_roi: float | None
    # simulation.precision and simulation.max_trials (None when not set)
    precision: tuple[PrecisionTarget, ...] | None
    max_trials: int | None


@dataclass(frozen=True)
class Model(Settings):
    """A validated config: its :class:`Settings`, then its priors, inputs and lines.

    Build it with :func:`~simulate.config.load_config`.
    """

    priors: Mapping[str, Prior]
    inputs: tuple[Input, ...]
    correlations: tuple[tuple[int, int, float], ...]
    benefits: tuple[Line, ...]
    costs: tuple[Line, ...]
    file: str | None = None
    scenario: str | None = None
    scenarios: tuple[str, ...] = ()
    overlay: str | None = None  # the stem of the overlay file applied, if any
    # What identifies the run (summary.json's config_hash): the config file's hash for the
    # config as written, a hash over it, the scenario and the overlay otherwise
    # (simulate.config.identity); file_hash is the config file's own.
    config_hash: str = ""
    warnings: tuple[str, ...] = ()
    template: bool = False  # `template: true`: a config to copy, which batch skips
    gates: tuple[Gate, ...] = ()  # the stage gates, in the order written
    # The fields that name each prior under priors: (fixed ones too; none for an unused one).
    prior_users: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    file_hash: str = ""
    # The overlay applied: its file as given and its name: (else the file's stem).
    overlay_file: str | None = None
    overlay_name: str | None = None

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.benefits + self.costs

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def overlay_record(self) -> dict[str, str | None] | None:
        """The overlay applied as summary.json records it, ``{"file", "name"}``; None without one."""
        if self.overlay is None:
            return None
        return {"file": self.overlay_file, "name": self.overlay_name or self.overlay}

    @property
    def stem(self) -> str:
        """The result folder's name: the config's stem, plus ``--<scenario>``, ``--<overlay>``."""
        base = Path(self.file).stem if self.file else _slug(self.name)
        base = f"{base}--{self.scenario}" if self.scenario else base
        return f"{base}--{self.overlay}" if self.overlay else base


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "model"
