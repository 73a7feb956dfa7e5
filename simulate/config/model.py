"""Load and validate a config into a frozen :class:`Model`.

Validation happens once, here: after it, the model is trusted by every later
stage. Every problem found is collected (not just the first) and reported as a
:class:`~simulate.errors.ConfigError` naming the file, the path inside it and
the line, with what is allowed and how to fix it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, Problem, did_you_mean
from .correlation import correlation_matrices
from .loader import join_path, read_yaml_file
from .overrides import (
    SCENARIO_KEYS,
    Overlay,
    apply_changes,
    load_overlay,
    parse_changes,
    relocate,
)
from .priors import Prior, parse_prior
from .schema import BENEFIT_TYPES, COST_TYPES, NONNEG, UNIT, Domain, FieldSpec, LineSpec

__all__ = [
    "SAMPLING_METHODS",
    "SCENARIO_KEYS",
    "Input",
    "Line",
    "Model",
    "Overlay",
    "Ref",
    "load_config",
    "load_overlay",
    "model_from_dict",
]

SAMPLING_METHODS = ("random", "lhs", "sobol")
DEFAULT_TRIALS = 100_000
MAX_HORIZON = 600
TOP_KEYS = (
    "name",
    "description",
    "currency",
    "horizon_months",
    "discount_rate",
    "simulation",
    "targets",
    "priors",
    "correlations",
    "benefits",
    "costs",
    "scenarios",
)
SIMULATION_KEYS = ("trials", "seed", "sampling")
TARGET_KEYS = ("payback_months", "roi")
# What a scenario may override: see SCENARIO_KEYS in _overrides.py.
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    """

    name: str
    prior: Prior
    inline: bool
    used_by: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class Model:
    """A validated config. Build it with :func:`load_config`."""

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
    priors: Mapping[str, Prior]
    inputs: tuple[Input, ...]
    correlations: tuple[tuple[int, int, float], ...]
    benefits: tuple[Line, ...]
    costs: tuple[Line, ...]
    file: str | None = None
    scenario: str | None = None
    scenarios: tuple[str, ...] = ()
    overlay: str | None = None  # the stem of the overlay file applied, if any
    config_hash: str = ""
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.benefits + self.costs

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def stem(self) -> str:
        """The result folder's name: the config's stem, plus ``--<scenario>``, ``--<overlay>``."""
        base = Path(self.file).stem if self.file else _slug(self.name)
        base = f"{base}--{self.scenario}" if self.scenario else base
        return f"{base}--{self.overlay}" if self.overlay else base


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "model"


def load_config(
    path: str | Path,
    *,
    scenario: str | None = None,
    overlay: Overlay | None = None,
    data: bytes | None = None,
) -> Model:
    """Read, validate and freeze a YAML config.

    Parameters
    ----------
    path
        The YAML file.
    scenario
        The name of an entry under ``scenarios:`` whose overrides to apply.
    overlay
        A reviewer's overrides (:func:`load_overlay`), applied after the scenario.
    data
        The file's bytes, when already read (for example on a cluster worker
        that cannot see the file); ``path`` is then only recorded.

    Raises
    ------
    ConfigError
        With one problem per mistake found, each naming file, path and line.
    """
    file = str(path)
    raw, lines, data = read_yaml_file(path, "config", data)
    config_hash = hashlib.sha256(data).hexdigest()[:8]
    return model_from_dict(
        raw, file=file, lines=lines, scenario=scenario, overlay=overlay, config_hash=config_hash
    )


def model_from_dict(
    raw: Any,
    *,
    file: str | None = None,
    lines: Mapping[str, int] | None = None,
    scenario: str | None = None,
    overlay: Overlay | None = None,
    config_hash: str = "",
) -> Model:
    """Validate an already-parsed config mapping (see :func:`load_config`).

    A problem caused by an override of the scenario or overlay is reported
    where the override is written; any other problem found only with
    overrides applied says which were applied.
    """
    lines = dict(lines or {})
    if not isinstance(raw, Mapping):
        raise ConfigError(
            Problem(
                "the config must be a mapping of keys such as name:, benefits:, costs:",
                file=file,
                line=1,
            )
        )
    origins: dict = {}
    notes: list[str] = []
    context = []
    if scenario is not None:
        raw, origins, notes = _apply_scenario(raw, scenario, lines, file)
        context.append(f"scenario {scenario!r}")
    if overlay is not None:
        raw, more, more_notes = apply_changes(raw, overlay.changes)
        origins.update(more)
        notes += more_notes
        context.append(f"overlay {overlay.file}")
    builder = _Builder(raw, file, lines)
    model = builder.build(scenario, config_hash)
    if builder.problems:
        located = ConfigError(builder.problems).located(file, _line_finder(lines)).problems
        applied = f"with {' and '.join(context)} applied" if context else ""
        raise ConfigError(relocate(located, origins, applied))
    if overlay is not None or notes:
        model = replace(
            model,
            overlay=overlay.stem if overlay is not None else None,
            warnings=(*notes, *model.warnings),
        )
    return model


def _line_finder(lines: Mapping[str, int]):
    def line_of(path: str) -> int | None:
        # The deepest recorded ancestor of `path` (a missing key sits in its parent).
        while path:
            if path in lines:
                return lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    return line_of


def _apply_scenario(raw: Mapping, scenario: str, lines: dict[str, int], file):
    scenarios = raw.get("scenarios")
    if not isinstance(scenarios, Mapping) or scenario not in scenarios:
        names = list(scenarios) if isinstance(scenarios, Mapping) else []
        known = ", ".join(map(str, names)) or "none: the config has no scenarios: block"
        raise ConfigError(
            Problem(
                f"there is no scenario {scenario!r}{did_you_mean(scenario, names)}; "
                f"defined scenarios: {known}",
                path="scenarios",
                file=file,
                line=lines.get("scenarios"),
            )
        )
    overrides = scenarios[scenario]
    where = join_path("scenarios", scenario)
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ConfigError(
            Problem(
                "a scenario must be a mapping of overrides",
                path=where,
                file=file,
                line=lines.get(where),
            )
        )
    return apply_changes(raw, parse_changes(overrides, where, lines, file))


def apply_overrides(
    raw: Mapping, overrides: Mapping, where: str, lines: dict[str, int], file
) -> dict:
    """Merge a scenario's (or overlay's) overrides into a copy of ``raw``.

    Top-level values are replaced; ``targets`` and ``simulation`` are merged
    key by key; a prior or a line's field (``lines:``) is replaced whole by a
    number, a prior's name or a mapping with ``dist:``, transformed by
    ``{add:, multiply:}``, and otherwise updated field by field. See
    :mod:`simulate._overrides`, which also reports problems where the
    override is written.
    """
    return apply_changes(raw, parse_changes(overrides, where, lines, file))[0]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _describe(x: Any) -> str:
    if isinstance(x, bool):
        return f"{x!r} (a yes/no value)"
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, Mapping):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    if x is None:
        return "empty"
    return repr(x)


class _Builder:
    """Walks the raw mapping once, collecting problems and building the model."""

    def __init__(self, raw: Mapping, file: str | None, lines: Mapping[str, int]):
        self.raw = raw
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.priors: dict[str, Prior] = {}
        self.inputs: list[Input] = []
        self.input_index: dict[str, int] = {}
        self.used_by: dict[str, list[str]] = {}

    # -- helpers -----------------------------------------------------------
    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, path=path))

    def check_keys(self, mapping: Mapping, allowed, path: str, what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(
                    join_path(path, str(key)),
                    f"unknown key {key!r} in {what}{did_you_mean(str(key), allowed)}; "
                    f"allowed keys: {', '.join(allowed)}",
                )

    def number(self, value, path, domain: Domain | None = None, *, whole=False, what="a number"):
        """A plain number (or whole number) in ``domain``, or None after an error."""
        if not _is_number(value):
            self.error(path, f"{_describe(value)} is not {what}; write {what}, e.g. 12")
            return None
        if whole and not float(value).is_integer():
            self.error(path, f"{value!r} is not a whole number; write e.g. {math.floor(value)}")
            return None
        if domain is not None and not domain.contains_value(float(value)):
            self.error(path, f"{value!r} is outside the allowed range {domain}")
            return None
        return int(value) if whole else float(value)

    def mapping(self, value, path: str, what: str) -> Mapping:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(path, f"{what} must be a mapping of keys to values, not {_describe(value)}")
            return {}
        return value

    # -- top level ---------------------------------------------------------
    def build(self, scenario: str | None, config_hash: str) -> Model:
        raw = self.raw
        self.check_keys(raw, TOP_KEYS, "", "the config")
        name = raw.get("name")
        if name is None:
            self.error("name", "the config needs a name:, e.g. name: Agent assist pilot")
        elif not isinstance(name, str) or not name.strip():
            self.error("name", f"name must be text, not {_describe(name)}")
        description = raw.get("description", "") or ""
        if not isinstance(description, str):
            self.error("description", "description must be text")
            description = ""
        currency = raw.get("currency", "USD")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            self.error(
                "currency",
                f"{_describe(currency)} is not an ISO 4217 code; write three capital letters, e.g. USD, EUR, GBP",
            )
            currency = "USD"
        horizon = self.number(
            raw.get("horizon_months", 36),
            "horizon_months",
            Domain(1, MAX_HORIZON),
            whole=True,
            what=f"a whole number of months from 1 to {MAX_HORIZON}",
        )
        horizon = horizon or 36
        self.horizon = horizon
        rate = self.number(
            raw.get("discount_rate", 0.10), "discount_rate", Domain(-1, math.inf, False)
        )
        rate = 0.10 if rate is None else rate

        sim = self.mapping(raw.get("simulation"), "simulation", "simulation")
        self.check_keys(sim, SIMULATION_KEYS, "simulation", "simulation")
        trials = self.number(
            sim.get("trials", DEFAULT_TRIALS),
            "simulation.trials",
            Domain(1, math.inf),
            whole=True,
            what="a whole number of trials >= 1",
        )
        seed = sim.get("seed")
        if seed is not None:
            seed = self.number(
                seed, "simulation.seed", Domain(0, math.inf), whole=True, what="a whole number >= 0"
            )
        sampling = sim.get("sampling", "random")
        if sampling not in SAMPLING_METHODS:
            self.error(
                "simulation.sampling",
                f"{_describe(sampling)} is not a sampling method{did_you_mean(str(sampling), SAMPLING_METHODS)}; "
                f"use one of: {', '.join(SAMPLING_METHODS)}",
            )
            sampling = "random"

        targets = self.mapping(raw.get("targets"), "targets", "targets")
        self.check_keys(targets, TARGET_KEYS, "targets", "targets")
        target_payback = target_roi = None
        if targets.get("payback_months") is not None:
            target_payback = self.number(
                targets["payback_months"], "targets.payback_months", Domain(0, math.inf, False)
            )
        if targets.get("roi") is not None:
            target_roi = self.number(targets["roi"], "targets.roi")

        self.build_priors(self.mapping(raw.get("priors"), "priors", "priors"))
        benefits = self.build_lines(raw.get("benefits"), "benefits", BENEFIT_TYPES, horizon)
        costs = self.build_lines(raw.get("costs"), "costs", COST_TYPES, horizon)
        if "costs" not in raw or (
            not costs and not any(p.path.startswith("costs") for p in self.problems)
        ):
            self.error(
                "costs",
                "the config has no costs, so ROI (NPV / PV of costs) is undefined; "
                "add at least one line under costs:",
            )
        elif costs and not any(self.line_can_cost(line) for line in costs):
            self.error(
                "costs",
                "every cost is zero (or falls beyond the horizon), so ROI (NPV / PV of costs) "
                "is undefined; give at least one cost a positive amount within the horizon",
            )
        if not benefits and "benefits" not in raw:
            self.warnings.append("the config has no benefits: NPV is minus the costs")
        correlations = self.build_correlations(raw.get("correlations"))
        for pname in self.priors:
            if pname not in self.used_by:
                self.warnings.append(f"prior {pname!r} is defined but no field uses it")

        inputs = tuple(
            Input(i.name, i.prior, i.inline, tuple(self.used_by.get(i.name, ())))
            for i in self.inputs
        )
        scen = raw.get("scenarios")
        scenarios = tuple(str(k) for k in scen) if isinstance(scen, Mapping) else ()
        if scen is not None and not isinstance(scen, Mapping):
            self.error("scenarios", "scenarios: must be a mapping of scenario name to overrides")
        return Model(
            name=str(name) if isinstance(name, str) else "",
            description=description,
            currency=currency,
            horizon_months=int(horizon),
            discount_rate=float(rate),
            trials=int(trials or DEFAULT_TRIALS),
            seed=None if seed is None else int(seed),
            sampling=sampling,
            target_payback_months=target_payback,
            target_roi=target_roi,
            priors=dict(self.priors),
            inputs=inputs,
            correlations=correlations,
            benefits=tuple(benefits),
            costs=tuple(costs),
            file=self.file,
            scenario=scenario,
            scenarios=scenarios,
            config_hash=config_hash,
            warnings=tuple(self.warnings),
            raw=self.raw,
        )

    # -- priors ------------------------------------------------------------
    def build_priors(self, priors: Mapping) -> None:
        for name, spec in priors.items():
            path = join_path("priors", str(name))
            if not isinstance(name, str) or not _NAME_RE.match(name):
                self.error(
                    path,
                    f"{name!r} is not a usable prior name; use letters, digits and _ "
                    "(starting with a letter), e.g. churn_cut",
                )
                continue
            prior = self.parse_prior(spec, path)
            if prior is None:
                continue
            self.priors[name] = prior
            if not prior.is_fixed:
                self.input_index[name] = len(self.inputs)
                self.inputs.append(Input(name, prior, inline=False))

    def parse_prior(self, spec, path: str) -> Prior | None:
        if _is_number(spec):
            spec = {"dist": "fixed", "value": spec}
        if not isinstance(spec, Mapping):
            self.error(
                path,
                f"a prior must be a number or a mapping with dist:, not {_describe(spec)}; "
                "e.g. {dist: pert, min: 0.02, mode: 0.05, max: 0.10}",
            )
            return None
        try:
            return parse_prior(spec, path)
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            return None

    # -- numeric fields ----------------------------------------------------
    def value(self, raw_value, path: str, spec: FieldSpec, domain: Domain) -> tuple[Ref, tuple]:
        """Resolve one field to a Ref, and return its support (lo, hi, lo_closed, hi_closed)."""
        bad = (Ref(0.0), (0.0, 0.0, True, True))
        if spec.whole:
            v = self.number(raw_value, path, domain, whole=True, what="a whole number")
            return bad if v is None else (Ref(float(v)), (v, v, True, True))
        if _is_number(raw_value):
            v = float(raw_value)
            if not domain.contains_value(v):
                self.error(path, f"{raw_value!r} is outside the allowed range {domain}")
                return bad
            return Ref(v), (v, v, True, True)
        if isinstance(raw_value, str):
            if raw_value not in self.priors:
                defined = ", ".join(self.priors) or "none"
                declared = (
                    " (it is declared under priors: but has an error, reported above)"
                    if raw_value in (self.raw.get("priors") or {})
                    else ""
                )
                self.error(
                    path,
                    f"{raw_value!r} is not a prior{declared}{did_you_mean(raw_value, self.priors)}; "
                    f"defined priors: {defined}",
                )
                return bad
            prior = self.priors[raw_value]
            self.used_by.setdefault(raw_value, []).append(path)
            if not self.check_support(prior, path, domain, f"prior {raw_value!r}"):
                return bad
            if prior.is_fixed:
                v = float(prior.median())
                return Ref(v), (v, v, True, True)
            return Ref(input=self.input_index[raw_value]), self.support_tuple(prior)
        if isinstance(raw_value, Mapping):
            prior = self.parse_prior(raw_value, path)
            if prior is None:
                return bad
            if not self.check_support(prior, path, domain, "this prior"):
                return bad
            if prior.is_fixed:
                v = float(prior.median())
                return Ref(v), (v, v, True, True)
            self.input_index[path] = len(self.inputs)
            self.inputs.append(Input(path, prior, inline=True))
            self.used_by[path] = [path]
            return Ref(input=self.input_index[path]), self.support_tuple(prior)
        self.error(
            path,
            f"{_describe(raw_value)} is not a value; write a number, the name of a prior, "
            "or an inline prior such as {dist: triangular, min: 1, mode: 2, max: 4}",
        )
        return bad

    @staticmethod
    def support_tuple(prior: Prior) -> tuple:
        s = prior.support()
        return (s.lo, s.hi, s.lo_closed, s.hi_closed)

    def check_support(self, prior: Prior, path: str, domain: Domain, what: str) -> bool:
        s = prior.support()
        if domain.contains_support(s.lo, s.hi, s.lo_closed, s.hi_closed):
            return True
        self.error(
            path,
            f"{what} ({prior.describe()}) can take values in {s}, but this field must lie in "
            f"{domain}; bound the prior to the field's range (e.g. a normal with min:/max:, "
            "a pert or beta within the range) or pick a distribution whose support fits",
        )
        return False

    # -- lines -------------------------------------------------------------
    def build_lines(
        self, items, section: str, types: Mapping[str, LineSpec], horizon: int
    ) -> list[Line]:
        if items is None:
            return []
        if not isinstance(items, list):
            self.error(
                section, f"{section}: must be a list of items, each starting with '- type: ...'"
            )
            return []
        out = []
        for i, item in enumerate(items):
            path = join_path(section, i)
            if not isinstance(item, Mapping):
                self.error(
                    path,
                    f"each item of {section} must be a mapping with a type:, not {_describe(item)}",
                )
                continue
            line = self.build_line(item, path, section, types, horizon)
            if line is not None:
                out.append(line)
        names = [line.name for line in out]
        return [
            line if names.count(line.name) == 1 else _renamed(line, f"{line.name} ({line.path})")
            for line in out
        ]

    def build_line(self, item, path, section, types, horizon) -> Line | None:
        kind = "benefit" if section == "benefits" else "cost"
        type_ = item.get("type")
        if type_ not in types:
            self.error(
                join_path(path, "type"),
                f"{_describe(type_)} is not a {kind} type{did_you_mean(str(type_), types)}; "
                f"use one of: {', '.join(types)}",
            )
            return None
        spec = types[type_]
        self.check_keys(item, spec.allowed_keys(), path, f"a {type_} {kind}")
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            self.error(join_path(path, "name"), "name must be text")
            name = None
        options = {}
        for opt, allowed in spec.options.items():
            value = item.get(opt, allowed[0])
            if value not in allowed:
                self.error(
                    join_path(path, opt),
                    f"{_describe(value)} is not a valid {opt}{did_you_mean(str(value), allowed)}; "
                    f"use one of: {', '.join(allowed)}",
                )
                value = allowed[0]
            options[opt] = value
        fields: dict[str, Ref] = {}
        supports: dict[str, tuple] = {}
        for fspec in spec.fields:
            fpath = join_path(path, fspec.name)
            raw_value = item.get(fspec.name)
            if raw_value is None:
                if fspec.default is None:
                    self.error(
                        fpath,
                        f"a {type_} {kind} needs {fspec.name}:"
                        + (f" ({fspec.what})" if fspec.what else ""),
                    )
                    continue
                default = horizon if fspec.default == "horizon" else (fspec.default or 0.0)
                fields[fspec.name] = Ref(float(default))
                supports[fspec.name] = (default, default, True, True)
                continue
            domain = self.domain_for(spec, fspec, options)
            fields[fspec.name], supports[fspec.name] = self.value(raw_value, fpath, fspec, domain)
        self.check_relations(spec, item, path, options, supports)
        profile = None
        if spec.scheduled:
            profile = self.schedule(item, path, horizon)
        elif type_ == "one_time":
            profile = self.one_time_profile(fields, path, horizon)
        label = name or type_.replace("_", " ").capitalize()
        return Line(
            kind=kind,
            type=type_,
            code=spec.code,
            name=label,
            path=path,
            fields=fields,
            options=options,
            profile=profile,
        )

    @staticmethod
    def domain_for(spec: LineSpec, fspec: FieldSpec, options) -> Domain:
        if spec.type == "conversion" and fspec.name == "conversion_lift":
            return UNIT if options.get("mode") == "absolute" else NONNEG
        return fspec.domain

    def check_relations(self, spec, item, path, options, supports) -> None:
        if (
            spec.type == "conversion"
            and options.get("mode") == "relative"
            and "base_conversion" not in item
        ):
            self.error(
                join_path(path, "base_conversion"),
                "a relative conversion lift needs base_conversion: (the conversion rate it multiplies); "
                "add it, or use mode: absolute with the lift in percentage points",
            )
        if (
            spec.type == "recurring"
            and "end_month" in item
            and "start_month" in supports
            and "end_month" in supports
        ):
            s_hi = supports["start_month"][1]
            e_lo = supports["end_month"][0]
            if e_lo < s_hi:
                self.error(
                    join_path(path, "end_month"),
                    f"end_month can be as low as {e_lo:g} but start_month can be as high as {s_hi:g}; "
                    "the end month's range must lie at or above the start month's",
                )

    def one_time_profile(
        self, fields: Mapping[str, Ref], path: str, horizon: int
    ) -> tuple[float, ...]:
        month = int(fields["month"].value)
        spread = max(int(fields["spread_months"].value), 1)
        profile = np.zeros(horizon + 1)
        last = month + spread - 1
        profile[month : min(last, horizon) + 1] = 1.0 / spread
        if last > horizon:
            dropped = last - max(month - 1, horizon)
            self.warnings.append(
                f"{path}: {dropped} of its {spread} month(s) fall beyond the "
                f"{horizon}-month horizon and are dropped"
            )
        return tuple(profile)

    def schedule(self, item: Mapping, path: str, horizon: int) -> tuple[float, ...]:
        profile = np.zeros(horizon + 1)
        if "initial" in item:
            v = self.number(item["initial"], join_path(path, "initial"), NONNEG)
            profile[0] = v or 0.0
        has_m, has_a = "monthly" in item, "annual" in item
        if has_m and has_a:
            self.error(path, "give monthly: or annual:, not both")
            return tuple(profile)
        timing = item.get("timing", "end_of_year")
        if timing not in ("end_of_year", "spread"):
            self.error(
                join_path(path, "timing"),
                f"{_describe(timing)} is not a timing{did_you_mean(str(timing), ('end_of_year', 'spread'))}; "
                "use end_of_year (year k lands at month 12k) or spread (year k / 12 in each month)",
            )
        elif "timing" in item and not has_a:
            self.error(join_path(path, "timing"), "timing: applies only to annual: amounts")
        key = "monthly" if has_m else "annual" if has_a else None
        if key is None:
            if "initial" not in item:
                self.error(path, "a scheduled line needs initial:, monthly: [...] or annual: [...]")
            return tuple(profile)
        amounts = item[key]
        kpath = join_path(path, key)
        if not isinstance(amounts, list) or not amounts:
            self.error(kpath, f"{key}: must be a non-empty list of amounts, e.g. [100000, 120000]")
            return tuple(profile)
        values = [self.number(a, join_path(kpath, j), NONNEG) for j, a in enumerate(amounts)]
        if any(v is None for v in values):
            return tuple(profile)
        dropped = 0
        for k, v in enumerate(values, start=1):
            if key == "monthly":
                months = [k]
                per = v
            elif timing == "spread":
                months = list(range(12 * (k - 1) + 1, 12 * k + 1))
                per = v / 12.0
            else:
                months = [12 * k]
                per = v
            for m in months:
                if m <= horizon:
                    profile[m] += per
                elif v != 0:
                    dropped += 1
        if dropped:
            self.warnings.append(
                f"{kpath}: amounts beyond the {horizon}-month horizon are dropped "
                f"({dropped} month(s) of amounts)"
            )
        return tuple(profile)

    def line_can_cost(self, line: Line) -> bool:
        """Whether a cost line can be nonzero in some trial within the horizon."""

        def can_be_positive(ref: Ref) -> bool:
            if ref.is_constant:
                return ref.value > 0
            return self.inputs[ref.input].prior.support().hi > 0

        if not can_be_positive(line.fields["scale"]):
            return False
        if line.profile is not None:
            amount_ok = "amount" not in line.fields or can_be_positive(line.fields["amount"])
            return amount_ok and any(v > 0 for v in line.profile)
        start = line.fields["start_month"]
        start_lo = start.value if start.is_constant else self.inputs[start.input].prior.support().lo
        return can_be_positive(line.fields["amount"]) and start_lo <= self.horizon

    # -- correlations ------------------------------------------------------
    def build_correlations(self, rows) -> tuple[tuple[int, int, float], ...]:
        if rows is None:
            return ()
        if not isinstance(rows, list):
            self.error(
                "correlations", "correlations: must be a list of [prior_a, prior_b, rho] rows"
            )
            return ()
        out = []
        seen: dict[frozenset, str] = {}
        for r, row in enumerate(rows):
            path = join_path("correlations", r)
            if not (isinstance(row, list) and len(row) == 3):
                self.error(
                    path, f"each correlation is a row [prior_a, prior_b, rho], not {_describe(row)}"
                )
                continue
            a, b, rho = row
            ok = True
            for name in (a, b):
                if not isinstance(name, str) or name not in self.priors:
                    known = [n for n, p in self.priors.items() if not p.is_fixed]
                    self.error(
                        path,
                        f"{_describe(name)} is not a named prior{did_you_mean(str(name), known)}; "
                        f"correlations take names defined under priors: ({', '.join(known) or 'none'})",
                    )
                    ok = False
                elif self.priors[name].is_fixed:
                    self.error(
                        path,
                        f"prior {name!r} is fixed, so it cannot be correlated; remove this row",
                    )
                    ok = False
            if ok and a == b:
                self.error(path, f"a prior cannot be correlated with itself ({a!r})")
                ok = False
            if not _is_number(rho) or not -1 < rho < 1:
                self.error(
                    path, f"rho must be a number strictly between -1 and 1, not {_describe(rho)}"
                )
                ok = False
            if not ok:
                continue
            pair = frozenset((a, b))
            if pair in seen:
                self.error(
                    path, f"the pair ({a}, {b}) is already correlated at {seen[pair]}; keep one row"
                )
                continue
            seen[pair] = path
            out.append((self.input_index[a], self.input_index[b], float(rho)))
        if out and not any(p.path.startswith("correlations") for p in self.problems):
            self.check_positive_definite(out)
        return tuple(out)

    def check_positive_definite(self, rows) -> None:
        names = [self.inputs[i].name for i in sorted({i for r in rows for i in r[:2]})]
        spearman, pearson = correlation_matrices(rows)
        for label, mat in (
            ("Spearman correlation matrix", spearman),
            ("its normal-scores target", pearson),
        ):
            if np.linalg.eigvalsh(mat).min() <= 1e-10:
                self.error(
                    "correlations",
                    f"the {label} over ({', '.join(names)}) is not positive definite: these "
                    "correlations cannot hold together (e.g. a~b and b~c strongly positive "
                    "but a~c negative); weaken or remove some",
                )
                return


def _renamed(line: Line, name: str) -> Line:
    return replace(line, name=name)
