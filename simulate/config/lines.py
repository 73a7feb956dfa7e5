"""Benefit and cost lines: each item's type, options and fields, and its profile in time.

Each numeric field is resolved through :class:`.Inputs` to a constant or an
input, and checked against its type's range in :mod:`.schema`. Scheduled and
one-time lines also get a profile: the amount falling in each month.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import control_problem, describe_value, did_you_mean
from .checks import Checks
from .inputs import Inputs
from .line_refs import default_name, name_problem
from .loader import join_path
from .model import Line, Ref
from .priors.parse import label_problem
from .schema import (
    AMOUNT,
    BENEFIT_TYPES,
    COST_TYPES,
    MARGIN_WHY,
    NONNEG,
    PER_YEAR,
    UNIT,
    Bound,
    FieldSpec,
    LineSpec,
)
from .support import Support
from .transform import Unfit, divided, is_divisible

__all__ = ["read_lines"]

TIMINGS = ("end_of_year", "spread")
# The timing keys of the other benefits, which a scheduled line's written-out amounts do not take.
WRITTEN_OUT = ("lag", "ramp", "ramp_shape", "decay", "escalation")
_FAILED = object()  # a field whose annual form had a problem (reported)
# A scheduled line's amounts (initial, monthly, annual): fixed, each at most AMOUNT's bound.
SCHEDULED_AMOUNTS = NONNEG.clipped(AMOUNT.limit)


def read_lines(
    raw: Mapping, checks: Checks, inputs: Inputs, horizon: int
) -> tuple[list[Line], list[Line]]:
    """The benefits and costs of a config, and whether its costs make ROI defined."""
    reader = _LineReader(checks, inputs, horizon)
    benefits = reader.read(raw.get("benefits"), "benefits")
    costs = reader.read(raw.get("costs"), "costs")
    both = _distinct([*benefits, *costs])
    benefits, costs = both[: len(benefits)], both[len(benefits) :]
    if "costs" not in raw or (not costs and not checks.any_under("costs")):
        checks.error(
            "costs",
            "the config has no costs, so ROI (NPV / PV of costs) is undefined; "
            "add at least one line under costs:",
        )
    elif (
        costs
        and not checks.any_under("costs")
        # a cost that names a prior with a mistake of its own is not known to be zero
        and not any(p.startswith("costs") for p in inputs.unread)
        and not any(map(reader.can_cost, costs))
    ):
        checks.error(
            "costs",
            "every cost is zero (or falls beyond the horizon), so ROI (NPV / PV of costs) "
            "is undefined; give at least one cost a positive amount within the horizon",
        )
    if not benefits and "benefits" not in raw:
        checks.warnings.append("the config has no benefits: NPV is minus the costs")
    return benefits, costs


def _distinct(lines: list[Line]) -> list[Line]:
    """``lines`` with a name or label that two of them share (a benefit and a cost too)
    followed by each one's path: ``Calls (benefits[0])``, ``Calls (costs[1])``."""
    names = Counter(line.name for line in lines)
    lines = [
        line if names[line.name] == 1 else replace(line, name=f"{line.name} ({line.path})")
        for line in lines
    ]
    shown = Counter(line.display for line in lines)
    return [
        replace(line, label=f"{line.label} ({line.path})")
        if line.label and shown[line.label] > 1
        else line
        for line in lines
    ]


class _LineReader:
    """Reads the lines of one config against its inputs and horizon."""

    def __init__(self, checks: Checks, inputs: Inputs, horizon: int) -> None:
        self.checks = checks
        self.inputs = inputs
        self.horizon = horizon

    def read(self, items: Any, section: str) -> list[Line]:
        """The lines of ``benefits:`` or ``costs:``."""
        if items is None:
            return []
        if not isinstance(items, list):
            self.checks.error(
                section, f"{section}: must be a list of items, each starting with '- type: ...'"
            )
            return []
        out = []
        for i, item in enumerate(items):
            path = join_path(section, i)
            if not isinstance(item, Mapping):
                self.checks.error(
                    path,
                    f"each item of {section} must be a mapping with a type:, not {describe_value(item)}",
                )
                continue
            line = self._line(item, path, section)
            if line is not None:
                out.append(line)
        return out

    def _line(self, item: Mapping, path: str, section: str) -> Line | None:
        kind, types = ("benefit", BENEFIT_TYPES) if section == "benefits" else ("cost", COST_TYPES)
        type_ = item.get("type")
        # A list or mapping is no type either (and cannot be looked up in a dict).
        if not isinstance(type_, str) or type_ not in types:
            self.checks.error(
                join_path(path, "type"),
                f"{describe_value(type_)} is not a {kind} type{did_you_mean(str(type_), types)}; "
                f"use one of: {', '.join(types)}",
            )
            return None
        spec = types[type_]
        if spec.scheduled:
            self._written_out(item, path, kind)
            item = {k: v for k, v in item.items() if k not in WRITTEN_OUT}
        self.checks.check_keys(item, spec.allowed_keys(), path, f"a {type_} {kind}")
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            self.checks.error(join_path(path, "name"), "name must be text")
            name = None
        elif name is not None and (problem := control_problem(name, "name")):
            self.checks.error(join_path(path, "name"), problem)
            name = None  # not printed again, raw, where lines are listed
        elif name is not None and (problem := name_problem(name)):
            self.checks.error(join_path(path, "name"), problem)
        label = item.get("label")
        if "label" in item and label_problem(label) is not None:
            self.checks.error(join_path(path, "label"), label_problem(label))
            label = None
        options = self._options(item, path, spec)
        fields, supports = self._fields(item, path, spec, kind, options)
        self._relations(spec, item, path, options, supports)
        profile = None
        if spec.scheduled:
            profile = self._schedule(item, path)
        elif type_ == "one_time":
            profile = self._one_time_profile(fields, path)
        return Line(
            kind=kind,
            type=type_,
            code=spec.code,
            name=name or default_name(type_),
            path=path,
            fields=fields,
            options=options,
            profile=profile,
            label=label.strip() if label else None,
        )

    def _written_out(self, item: Mapping, path: str, kind: str) -> None:
        """A scheduled line given a timing key (``escalation:``, ``lag:``, ...): why it cannot be."""
        for key in WRITTEN_OUT:
            if key in item:
                # A recurring cost escalates but has no lag, ramp or decay.
                other = kind == "benefit" or key == "escalation"
                self.checks.error(
                    join_path(path, key),
                    f"unknown key {key!r} in a scheduled {kind}: its amounts are written out "
                    f"as they fall, so {key} does not apply; write the amounts as they are "
                    "in each month or year (monthly: [...] or annual: [...])"
                    + (f", or use a recurring {kind} with {key}:" if other else ""),
                )

    def _options(self, item: Mapping, path: str, spec: LineSpec) -> dict[str, str]:
        """The word-valued options (``mode``, ``ramp_shape``); a bad one becomes the default."""
        options = {}
        for opt, allowed in spec.options.items():
            value = item.get(opt, allowed[0])
            if value not in allowed:
                self.checks.error(
                    join_path(path, opt),
                    f"{describe_value(value)} is not a valid {opt}{did_you_mean(str(value), allowed)}; "
                    f"use one of: {', '.join(allowed)}",
                )
                value = allowed[0]
            options[opt] = value
        return options

    def _fields(
        self, item: Mapping, path: str, spec: LineSpec, kind: str, options: Mapping[str, str]
    ) -> tuple[dict[str, Ref], dict[str, Support]]:
        """Each numeric field as a constant or input, and the values it can take."""
        fields: dict[str, Ref] = {}
        supports: dict[str, Support] = {}
        for fspec in spec.fields:
            fpath = join_path(path, fspec.name)
            value = self._annual(item, path, fspec)
            if value is _FAILED:  # reported; read as 0 so that checking goes on
                fields[fspec.name], supports[fspec.name] = Ref(0.0), Support(0.0, 0.0)
            elif value is not None:
                allowed = _allowed(spec, fspec, options)
                before = len(self.checks.problems)
                fields[fspec.name], supports[fspec.name] = self.inputs.resolve(
                    value, fpath, fspec, allowed
                )
                if fspec.name not in item:  # read from <name>_per_year: problems are there
                    self._relocate(before, fpath, fspec.name)
            elif fspec.default is None:
                self.checks.error(
                    fpath,
                    f"a {spec.type} {kind} needs {fspec.name}:"
                    + (f" ({fspec.what})" if fspec.what else "")
                    + (f", or {fspec.name}{PER_YEAR}: (a year)" if fspec.monthly else ""),
                )
            else:
                default = self.horizon if fspec.default == "horizon" else (fspec.default or 0.0)
                fields[fspec.name] = Ref(float(default))
                supports[fspec.name] = Support(default, default)
        return fields, supports

    def _annual(self, item: Mapping, path: str, fspec: FieldSpec) -> Any:
        """The field's value as written; from ``<name>_per_year:``, divided by 12.

        None when neither is given; ``_FAILED`` after a problem with the annual form.
        """
        name, annual = fspec.name, fspec.name + PER_YEAR
        if not fspec.monthly or annual not in item:
            return item.get(name)
        ypath = join_path(path, annual)
        value = item[annual]
        if name in item:
            self.checks.error(
                ypath,
                f"give {name}: (a month) or {annual}: (a year, divided by 12), not both; "
                "delete one",
            )
            return _FAILED
        if isinstance(value, str) and value in self.inputs.declared:
            self.checks.error(
                ypath,
                f"{annual}: takes a number or an inline prior, not the named prior {value!r}: "
                "a named prior is drawn once and shared as written, so it cannot be divided "
                f"for one field; write the prior in monthly terms and use {name}:, or give "
                "the annual prior inline here",
            )
            return _FAILED
        if isinstance(value, str):
            return value  # a mistyped number or no prior's name: reported as for the field
        if isinstance(value, Mapping) and value.get("dist") == "bernoulli":
            try:
                divided(value, 12, annual)
            except Unfit as exc:  # a 0/1 flag is no amount
                self.checks.error(ypath, str(exc))
                return _FAILED
        if isinstance(value, Mapping) and is_divisible(value):
            return divided(value, 12, annual)
        # A number (checked as written, in a year's terms) or what is no value at all
        # (infinity, yes/no, a list, a mapping without a known dist:): the field's messages.
        yearly = replace(fspec, bound=Bound(12 * fspec.bound.limit, "an amount of money a year"))
        before = len(self.checks.problems)
        self.inputs.resolve(value, ypath, yearly, fspec.domain)
        return _FAILED if len(self.checks.problems) > before else value / 12

    def _relocate(self, start: int, fpath: str, name: str) -> None:
        """Point the problems recorded since ``start`` at ``fpath`` to its ``_per_year`` key."""
        problems = self.checks.problems
        for k in range(start, len(problems)):
            p = problems[k]
            if p.path == fpath or p.path.startswith((fpath + ".", fpath + "[")):
                problems[k] = replace(
                    p,
                    path=fpath + PER_YEAR + p.path[len(fpath) :],
                    message=f"{p.message} (read as {name}: = {name}{PER_YEAR} / 12)",
                )

    def _relations(
        self,
        spec: LineSpec,
        item: Mapping,
        path: str,
        options: Mapping[str, str],
        supports: Mapping[str, Support],
    ) -> None:
        """Rules across fields: a conversion's base and margin, a recurring cost's months."""
        if (
            spec.type == "conversion"
            and "margin" not in item
            and _may_be_positive(supports, "arpu")
        ):
            self.checks.error(
                join_path(path, "margin"),
                f"a conversion with arpu: needs margin: (the margin on arpu): {MARGIN_WHY}",
            )
        if (
            spec.type == "conversion"
            and options.get("mode") == "relative"
            and "base_conversion" not in item
        ):
            self.checks.error(
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
            s_hi = supports["start_month"].hi
            e_lo = supports["end_month"].lo
            if e_lo < s_hi:
                self.checks.error(
                    join_path(path, "end_month"),
                    f"end_month can be as low as {e_lo:g} but start_month can be as high as {s_hi:g}; "
                    "the end month's range must lie at or above the start month's",
                )

    def _one_time_profile(self, fields: Mapping[str, Ref], path: str) -> tuple[float, ...]:
        """``1 / spread`` in each of the ``spread_months`` months from ``month``."""
        horizon = self.horizon
        month = int(fields["month"].value)
        spread = max(int(fields["spread_months"].value), 1)
        profile = np.zeros(horizon + 1)
        last = month + spread - 1
        profile[month : min(last, horizon) + 1] = 1.0 / spread
        if last > horizon:
            dropped = last - max(month - 1, horizon)
            self.checks.warnings.append(
                f"{path}: {dropped} of its {spread} month(s) fall beyond the "
                f"{horizon}-month horizon and are dropped"
            )
        return tuple(profile)

    def _schedule(self, item: Mapping, path: str) -> tuple[float, ...]:
        """A scheduled line's ``initial`` amount and its ``monthly:`` or ``annual:`` amounts."""
        profile = np.zeros(self.horizon + 1)
        if "initial" in item:
            v = self.checks.number(
                item["initial"], join_path(path, "initial"), SCHEDULED_AMOUNTS, example="100000"
            )
            profile[0] = v or 0.0
        has_m, has_a = "monthly" in item, "annual" in item
        if has_m and has_a:
            self.checks.error(path, "give monthly: or annual:, not both")
            return tuple(profile)
        timing = item.get("timing", "end_of_year")
        if timing not in TIMINGS:
            self.checks.error(
                join_path(path, "timing"),
                f"{describe_value(timing)} is not a timing{did_you_mean(str(timing), TIMINGS)}; "
                "use end_of_year (year k lands at month 12k) or spread (year k / 12 in each month)",
            )
        elif "timing" in item and not has_a:
            self.checks.error(join_path(path, "timing"), "timing: applies only to annual: amounts")
        key = "monthly" if has_m else "annual" if has_a else None
        if key is None:
            if "initial" not in item:
                self.checks.error(
                    path, "a scheduled line needs initial:, monthly: [...] or annual: [...]"
                )
            return tuple(profile)
        self._add_amounts(profile, item[key], join_path(path, key), key, timing)
        return tuple(profile)

    def _add_amounts(
        self, profile: np.ndarray, amounts: Any, kpath: str, key: str, timing: Any
    ) -> None:
        """Add the ``monthly:`` or ``annual:`` amounts at ``kpath`` into ``profile``."""
        if not isinstance(amounts, list) or not amounts:
            self.checks.error(
                kpath, f"{key}: must be a non-empty list of amounts, e.g. [100000, 120000]"
            )
            return
        values = [
            self.checks.number(a, join_path(kpath, j), SCHEDULED_AMOUNTS, example="100000")
            for j, a in enumerate(amounts)
        ]
        if any(v is None for v in values):
            return
        dropped = 0
        for k, v in enumerate(values, start=1):
            if key == "monthly":
                months, per = [k], v
            elif timing == "spread":
                months, per = list(range(12 * (k - 1) + 1, 12 * k + 1)), v / 12.0
            else:
                months, per = [12 * k], v
            for m in months:
                if m <= self.horizon:
                    profile[m] += per
                elif v != 0:
                    dropped += 1
        if dropped:
            self.checks.warnings.append(
                f"{kpath}: amounts beyond the {self.horizon}-month horizon are dropped "
                f"({dropped} month(s) of amounts)"
            )

    def can_cost(self, line: Line) -> bool:
        """Whether a cost line can be nonzero in some trial within the horizon."""
        if not self._can_be_positive(line.fields["scale"]):
            return False
        if line.profile is not None:
            amount_ok = "amount" not in line.fields or self._can_be_positive(line.fields["amount"])
            return amount_ok and any(v > 0 for v in line.profile)
        if "amount" not in line.fields:  # missing, and reported: no second problem about it
            return True
        start = line.fields["start_month"]
        start_lo = start.value if start.is_constant else self.inputs.prior_of(start).support().lo
        return self._can_be_positive(line.fields["amount"]) and start_lo <= self.horizon

    def _can_be_positive(self, ref: Ref) -> bool:
        if ref.is_constant:
            return ref.value > 0
        return self.inputs.prior_of(ref).support().hi > 0


def _may_be_positive(supports: Mapping[str, Support], name: str) -> bool:
    """Whether the field ``name`` was read and can be above 0."""
    return name in supports and supports[name].hi > 0


def _allowed(spec: LineSpec, fspec: FieldSpec, options: Mapping[str, str]) -> Support:
    """The range of a field; a conversion lift's depends on its mode."""
    if spec.type == "conversion" and fspec.name == "conversion_lift":
        return UNIT if options.get("mode") == "absolute" else NONNEG
    return fspec.domain
