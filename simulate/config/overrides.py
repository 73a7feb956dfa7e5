"""Overrides on a parsed config: scenarios and reviewers' overlays.

A scenario (an entry of the config's ``scenarios:`` block) and an overlay (a
second YAML file given to ``simulate run --overlay``) are both read into a
list of :class:`Change`, one per overridden item, and applied to a copy of the
config's raw mapping before it is validated like any config. Each change
remembers the file, path and line where it was written, so a problem that
the change causes is reported there (``cfo.yaml:7: lines.Churn avoided.lag:
...``) rather than at the config line it replaced.

What a change can say (the same in scenarios and overlays):

- a top-level value: ``horizon_months``, ``discount_rate``, ``description``;
- ``targets: {payback_months, roi}`` and, in scenarios only,
  ``simulation: {trials, seed, sampling}``, key by key;
- ``priors: {name: ...}``: a whole prior (a number, or a mapping with
  ``dist:``), some of its fields (``{max: 0.3}``), or a transform of it as it
  stands (``{multiply: 0.5}``, ``{add: 3}``, or both: ``x * multiply + add``);
- ``lines: {<line name or benefits[i] / costs[i]>: {field: ...}}``: a field of
  one benefit or cost line, with the same three forms (replace, by field,
  transform). A transform of a field that names a shared prior gives that
  field its own transformed copy (an inline prior, drawn from its own stream)
  and says so in the model's warnings; to move every field that shares the
  prior, transform the prior instead.

A transform keeps a prior's shape: a uniform, triangular, pert, normal, beta,
metalog, discrete or fixed prior has its location parameters shifted and
scaled (so the same random draw maps to ``draw * multiply + add`` exactly);
a lognormal can be multiplied but not shifted; a bernoulli flag cannot be
transformed.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Problem, did_you_mean
from .loader import join_path, read_yaml_file
from .schema import BENEFIT_TYPES, COST_TYPES

__all__ = [
    "OVERLAY_KEYS",
    "SCENARIO_KEYS",
    "Change",
    "Overlay",
    "apply_changes",
    "load_overlay",
    "parse_changes",
    "relocate",
]

# What a scenario may override (MODEL.md section 0 plus the `scenarios:` block).
SCENARIO_KEYS = (
    "description",
    "horizon_months",
    "discount_rate",
    "targets",
    "priors",
    "lines",
    "simulation",
)
# An overlay has its own name and description, and never changes the draws.
OVERLAY_KEYS = (
    "name",
    "description",
    "horizon_months",
    "discount_rate",
    "targets",
    "priors",
    "lines",
)
TRANSFORM_KEYS = ("add", "multiply")
_NESTED = ("targets", "simulation")
_LINE_PATH = re.compile(r"^(benefits|costs)\[(\d+)\]$")

# The parameters of each distribution that move with its values under
# x -> x * multiply + add ("location"), and those that only scale ("spread").
_LOCATION = {
    "fixed": ("value",),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "normal": ("mean", "p10", "p90", "min", "max"),
    "beta": ("mean", "min", "max"),
    "metalog": ("p10", "p50", "p90", "min", "max"),
    "discrete": ("values",),
}
_SPREAD = {
    "normal": ("sd",),
    "beta": ("sd",),
    "lognormal": ("mean", "sd", "p10", "p90", "median"),
}


@dataclass(frozen=True)
class Change:
    """One overridden item, and where it was written.

    ``section`` is ``"top"``, ``"targets"``, ``"simulation"``, ``"priors"`` or
    ``"lines"``; ``key`` the top-level key, target or simulation key, prior
    name, or line (its ``name:`` or ``benefits[i]`` / ``costs[i]``); ``field``
    the line's field. ``path`` is where the change is written (for example
    ``scenarios.slow.priors.aht`` or ``lines.Churn avoided.lag``), ``line`` its
    line in ``file``, and ``lines`` the lines of the keys inside it by
    relative path (``".max"``).
    """

    section: str
    key: str
    field: str | None
    value: Any
    path: str
    file: str | None = None
    line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    label: str = ""

    @property
    def affects_npv(self) -> bool:
        """False for changes that move no cash flow (targets, description)."""
        return self.section not in ("targets",) and not (
            self.section == "top" and self.key == "description"
        )

    def describe(self) -> str:
        """The change in words: ``multiply by 0.5``, ``add 3``, ``set to 0.12``."""
        v = self.value
        if isinstance(v, Mapping) and set(v) & set(TRANSFORM_KEYS):
            parts = []
            if "multiply" in v:
                parts.append(f"multiply by {_num(v['multiply'])}")
            if "add" in v:
                parts.append(f"add {_num(v['add'])}")
            return ", then ".join(parts)
        if isinstance(v, Mapping) and "dist" not in v:
            return "set " + ", ".join(f"{k}: {_num(x)}" for k, x in v.items())
        if isinstance(v, Mapping):
            return "replace with " + _inline(v)
        return f"set to {_num(v)}"


@dataclass(frozen=True)
class Overlay:
    """A reviewer's overrides from a YAML file (see :func:`load_overlay`)."""

    file: str
    name: str
    description: str
    changes: tuple[Change, ...]

    @property
    def stem(self) -> str:
        """The file's stem: it names the result folder (``<config>--<stem>``)."""
        return Path(self.file).stem

    def subset(self, indices: Iterable[int]) -> Overlay:
        """The same overlay with only ``changes[i]`` for ``i`` in ``indices`` (in order)."""
        keep = sorted(set(indices))
        return replace(self, changes=tuple(self.changes[i] for i in keep))


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def _inline(spec: Mapping) -> str:
    items = [f"{k}: {_num(v)}" for k, v in spec.items() if k not in ("source", "note")]
    return "{" + ", ".join(items) + "}"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _sublines(lines: Mapping[str, int], path: str) -> dict[str, int]:
    out = {}
    for p, ln in lines.items():
        if p == path or p.startswith(path + ".") or p.startswith(path + "["):
            out[p[len(path) :]] = ln
    return out


# --------------------------------------------------------------------------
# Reading overrides
# --------------------------------------------------------------------------


def parse_changes(
    overrides: Mapping,
    where: str,
    lines: Mapping[str, int],
    file: str | None,
    *,
    allowed: Sequence[str] = SCENARIO_KEYS,
    what: str = "a scenario",
) -> list[Change]:
    """Split an overrides mapping into one :class:`Change` per overridden item.

    ``where`` is the mapping's path in ``file`` (``"scenarios.slow"``, or ``""``
    for an overlay file), ``lines`` the file's map of path to line.

    Raises
    ------
    ConfigError
        For keys that cannot be overridden and values of the wrong shape.
    """
    problems: list[Problem] = []
    changes: list[Change] = []

    def problem(path: str, message: str) -> None:
        problems.append(Problem(message, path=path, file=file, line=lines.get(path)))

    def change(section, key, fld, value, path) -> None:
        label = path[len(where) + 1 :] if where else path
        changes.append(
            Change(
                section,
                str(key),
                fld,
                value,
                path,
                file,
                lines.get(path),
                _sublines(lines, path),
                label,
            )
        )

    for key, value in overrides.items():
        kpath = join_path(where, str(key))
        if key not in allowed:
            hint = ""
            if key == "simulation" and what == "an overlay":
                hint = (
                    "; an overlay is compared with its config on the same draws, so it cannot "
                    "change trials, seed or sampling: give them on the command line"
                )
            problem(
                kpath,
                f"{what} cannot override {str(key)!r}{did_you_mean(str(key), allowed)}; "
                f"it may override: {', '.join(k for k in allowed if k not in ('name',))}{hint}",
            )
            continue
        if what == "an overlay" and key in ("name", "description"):
            continue  # the overlay's own label, read by load_overlay
        if key in _NESTED or key == "priors":
            if value is None:
                continue
            if not isinstance(value, Mapping):
                problem(kpath, f"{key}: must be a mapping of the items it overrides")
                continue
            section = key if key in _NESTED else "priors"
            for name, spec in value.items():
                change(section, name, None, spec, join_path(kpath, str(name)))
        elif key == "lines":
            if value is None:
                continue
            if not isinstance(value, Mapping):
                problem(
                    kpath,
                    "lines: must map a line's name (or benefits[i] / costs[i]) to the fields "
                    "it overrides, e.g. lines: {Churn avoided: {lag: {add: 3}}}",
                )
                continue
            for line_key, fields in value.items():
                lpath = join_path(kpath, str(line_key))
                if not isinstance(fields, Mapping) or not fields:
                    problem(
                        lpath,
                        f"give the fields of line {str(line_key)!r} to override as a mapping, "
                        "e.g. {lag: {add: 3}, ramp: 9}",
                    )
                    continue
                for fld, spec in fields.items():
                    fpath = join_path(lpath, str(fld))
                    if fld in ("type", "name"):
                        problem(
                            fpath,
                            f"a line's {fld} cannot be overridden; change its fields, or "
                            "set its scale: 0 to drop it",
                        )
                        continue
                    change("lines", line_key, str(fld), spec, fpath)
        else:
            change("top", key, None, value, kpath)
    for c in changes:
        _check_transform(c, problems)
    if problems:
        raise ConfigError(problems)
    return changes


def _check_transform(c: Change, problems: list[Problem]) -> None:
    v = c.value
    if not (isinstance(v, Mapping) and set(v) & set(TRANSFORM_KEYS)):
        return
    line = c.line
    extra = [k for k in v if k not in TRANSFORM_KEYS]
    if extra:
        problems.append(
            Problem(
                f"add:/multiply: transform the value as it stands and cannot be combined with "
                f"{', '.join(map(str, extra))}; give either the transform or the new fields",
                path=c.path,
                file=c.file,
                line=line,
            )
        )
    if c.section not in ("priors", "lines"):
        problems.append(
            Problem(
                "add:/multiply: apply to priors and line fields; give a plain value here",
                path=c.path,
                file=c.file,
                line=line,
            )
        )
    for key in TRANSFORM_KEYS:
        if key not in v:
            continue
        x = v[key]
        kpath = join_path(c.path, key)
        kline = c.lines.get("." + key, line)
        if not _is_number(x):
            problems.append(
                Problem(f"{key} must be a number, not {x!r}", path=kpath, file=c.file, line=kline)
            )
        elif key == "multiply" and x <= 0:
            problems.append(
                Problem(
                    f"multiply must be above 0 (a factor that keeps the order of values), not {x!r}",
                    path=kpath,
                    file=c.file,
                    line=kline,
                )
            )


def load_overlay(path: str | Path) -> Overlay:
    """Read and check a reviewer's overlay file.

    The file is a mapping with an optional ``name:`` and ``description:`` and
    the overrides of a scenario, less ``simulation:`` (see the module
    docstring). Whether each change fits a given config is checked when it
    is applied (:func:`simulate.load_config` with ``overlay=``).

    Raises
    ------
    ConfigError
        Naming the overlay file, the path inside it and the line.
    """
    path = Path(path)
    file = str(path)
    raw, lines, _ = read_yaml_file(path, "overlay")
    if not isinstance(raw, Mapping):
        raise ConfigError(
            Problem(
                "an overlay must be a mapping of overrides, e.g. priors: {churn_cut: {multiply: 0.5}}",
                file=file,
                line=1,
            )
        )
    problems = []
    for key in ("name", "description"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            problems.append(
                Problem(f"{key} must be text", path=key, file=file, line=lines.get(key))
            )
    if problems:
        raise ConfigError(problems)
    changes = parse_changes(raw, "", lines, file, allowed=OVERLAY_KEYS, what="an overlay")
    if not changes:
        raise ConfigError(
            Problem(
                "the overlay overrides nothing; give priors:, lines:, horizon_months:, "
                "discount_rate: or targets:",
                file=file,
                line=1,
            )
        )
    return Overlay(
        file=file,
        name=str(raw.get("name") or path.stem),
        description=str(raw.get("description") or ""),
        changes=tuple(changes),
    )


# --------------------------------------------------------------------------
# Applying overrides
# --------------------------------------------------------------------------


def apply_changes(
    raw: Mapping, changes: Sequence[Change]
) -> tuple[dict, dict[str, Change], list[str]]:
    """Apply ``changes`` in order to a copy of ``raw``.

    Returns the merged mapping (without ``scenarios:``), the change behind
    each overridden path of the merged config, and notes for the user (a
    field that stops sharing a prior).

    Raises
    ------
    ConfigError
        For a prior or line that the config does not have, or a transform
        that the value cannot take.
    """
    out = copy.deepcopy(dict(raw))
    out.pop("scenarios", None)
    origins: dict[str, Change] = {}
    notes: list[str] = []
    problems: list[Problem] = []

    def fail(c: Change, message: str, suffix: str = "") -> None:
        problems.append(
            Problem(message, path=c.path + suffix, file=c.file, line=c.lines.get(suffix, c.line))
        )

    for c in changes:
        if c.section == "top":
            out[c.key] = copy.deepcopy(c.value)
            origins[c.key] = c
        elif c.section in _NESTED:
            base = out.get(c.section)
            out[c.section] = {**(base if isinstance(base, Mapping) else {}), c.key: c.value}
            origins[f"{c.section}.{c.key}"] = c
        elif c.section == "priors":
            priors = dict(out.get("priors") or {}) if isinstance(out.get("priors"), Mapping) else {}
            if c.key not in priors:
                fail(c, f"there is no prior {c.key!r} to override{did_you_mean(c.key, priors)}")
                continue
            try:
                priors[c.key] = _merge_value(priors[c.key], c.value, c, what=f"prior {c.key!r}")
            except _Unfit as exc:
                fail(c, str(exc), exc.suffix)
                continue
            out["priors"] = priors
            origins[f"priors.{c.key}"] = c
        else:
            target = _find_line(out, c, fail)
            if target is None:
                continue
            section, i = target
            item = dict(out[section][i])
            current = item.get(c.field)
            note = None
            priors = out.get("priors") if isinstance(out.get("priors"), Mapping) else {}
            if isinstance(current, str) and isinstance(c.value, Mapping) and "dist" not in c.value:
                # a field naming a shared prior gets its own modified copy of it
                if current not in priors:
                    fail(
                        c, f"{section}[{i}].{c.field} names prior {current!r}, which is not defined"
                    )
                    continue
                others = _users(out, current, skip=f"{section}[{i}].{c.field}")
                note = (
                    f"{c.label or c.path}: {section}[{i}].{c.field} now has its own copy of prior "
                    f"{current!r} ({c.describe()}), drawn separately"
                    + (f"; it no longer moves with {', '.join(others)}" if others else "")
                    + f" (to move them together, override priors.{current} instead)"
                )
                current = priors[current]
            if current is None:
                current = _default(item, section, c.field, out)
            try:
                item[c.field] = _merge_value(current, c.value, c, what=f"{section}[{i}].{c.field}")
            except _Unfit as exc:
                fail(c, str(exc), exc.suffix)
                continue
            lst = list(out[section])
            lst[i] = item
            out[section] = lst
            origins[f"{section}[{i}].{c.field}"] = c
            if note:
                notes.append(note)
    if problems:
        raise ConfigError(problems)
    return out, origins, notes


class _Unfit(Exception):
    def __init__(self, message: str, suffix: str = ""):
        super().__init__(message)
        self.suffix = suffix


def _merge_value(current: Any, value: Any, c: Change, *, what: str) -> Any:
    """``value`` applied to ``current``: a transform, a by-field update, or a replacement."""
    if isinstance(value, Mapping) and set(value) & set(TRANSFORM_KEYS):
        return _transform(current, value.get("add", 0), value.get("multiply", 1), what)
    if isinstance(value, Mapping) and "dist" not in value:
        if isinstance(current, Mapping):
            return {**current, **value}
        raise _Unfit(
            f"{what} is {_inline(current) if isinstance(current, Mapping) else repr(current)}, "
            "not a prior, so it cannot be updated field by field; give a whole value "
            "(a number, a prior's name or a mapping with dist:), or add:/multiply:"
        )
    return copy.deepcopy(value)


def _transform(current: Any, add: float, multiply: float, what: str) -> Any:
    if _is_number(current):
        return current * multiply + add
    if not isinstance(current, Mapping):
        raise _Unfit(f"{what} is {current!r}, which add:/multiply: cannot transform")
    dist = current.get("dist")
    if dist == "lognormal" and add != 0:
        raise _Unfit(
            f"{what} is a lognormal, which lives above 0 and cannot be shifted; use "
            "multiply:, or replace it with a prior that can (e.g. a pert)",
            ".add",
        )
    if dist not in _LOCATION and dist not in _SPREAD:
        raise _Unfit(
            f"{what} is a {dist} prior, which add:/multiply: cannot transform; replace it "
            "whole (e.g. {dist: bernoulli, p: 0.6})"
        )
    out = dict(current)
    if dist == "beta":  # make the default range explicit so that it moves too
        out.setdefault("min", 0.0)
        out.setdefault("max", 1.0)
    for key in _LOCATION.get(dist, ()):
        if key in out:
            out[key] = _affine(out[key], multiply, add)
    for key in _SPREAD.get(dist, ()):
        if key in out:
            out[key] = _affine(out[key], multiply, 0)
    return out


def _affine(x: Any, multiply: float, add: float) -> Any:
    if isinstance(x, list):
        return [_affine(v, multiply, add) for v in x]
    return x * multiply + add if _is_number(x) else x  # a bad value is left for validation


def _find_line(out: Mapping, c: Change, fail) -> tuple[str, int] | None:
    m = _LINE_PATH.match(c.key)
    if m:
        section, i = m.group(1), int(m.group(2))
        items = out.get(section) if isinstance(out.get(section), list) else []
        if i >= len(items):
            fail(c, f"the config has {len(items)} {section} (numbered from 0), so no {c.key}")
            return None
        if not isinstance(items[i], Mapping):
            fail(c, f"{c.key} is not a line with fields")
            return None
        return section, i
    found = []
    names = []
    for section in ("benefits", "costs"):
        items = out.get(section) if isinstance(out.get(section), list) else []
        for i, item in enumerate(items):
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                names.append(item["name"])
                if item["name"] == c.key:
                    found.append((section, i))
    if len(found) == 1:
        return found[0]
    if found:
        where = ", ".join(f"{s}[{i}]" for s, i in found)
        fail(
            c,
            f"{len(found)} lines are named {c.key!r} ({where}); name the one you mean by its path",
        )
        return None
    fail(
        c,
        f"there is no line named {c.key!r}{did_you_mean(c.key, names)}; name a line by its "
        f"name: ({', '.join(map(repr, names)) or 'none has one'}) or its path, e.g. benefits[0]",
    )
    return None


def _users(out: Mapping, prior: str, *, skip: str) -> list[str]:
    users = []
    for section in ("benefits", "costs"):
        items = out.get(section) if isinstance(out.get(section), list) else []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            for k, v in item.items():
                p = f"{section}[{i}].{k}"
                if v == prior and p != skip:
                    users.append(p)
    return users


def _default(item: Mapping, section: str, fld: str, out: Mapping) -> Any:
    types = BENEFIT_TYPES if section == "benefits" else COST_TYPES
    spec = types.get(item.get("type"))
    for f in spec.fields if spec else ():
        if f.name == fld:
            if f.default == "horizon":
                return out.get("horizon_months", 36)
            return f.default
    return None


def relocate(
    problems: Iterable[Problem], origins: Mapping[str, Change], context: str
) -> list[Problem]:
    """Point each problem that an override caused at the override.

    A problem at (or inside) an overridden path is reported at the change's
    file, path and line; any other problem gets ``context`` appended, since
    an override may have caused it indirectly.
    """
    out = []
    targets = sorted(origins, key=len, reverse=True)
    for p in problems:
        hit = next(
            (
                t
                for t in targets
                if p.path == t or p.path.startswith(t + ".") or p.path.startswith(t + "[")
            ),
            None,
        )
        if hit is None:
            out.append(replace(p, message=f"{p.message} ({context})") if context else p)
            continue
        c = origins[hit]
        suffix = p.path[len(hit) :]
        out.append(
            replace(
                p,
                path=c.path + suffix,
                file=c.file,
                line=c.lines.get(suffix, c.line),
            )
        )
    return out
