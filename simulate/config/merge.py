"""Applying overrides (:class:`.Change`) to a config's raw mapping, and tracing problems back.

Each change lands on one path of a copy of the config (``priors.aht``,
``benefits[0].lag``); :func:`apply_changes` records which change is behind
each path, so that :func:`relocate` can report a problem the merged config
has where the override that caused it is written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import ConfigError, Problem, did_you_mean
from .line_refs import LINE_PATH, LineNames, LineRefError
from .overrides import Change, flow_mapping
from .schema import BENEFIT_TYPES, COST_TYPES, PER_YEAR
from .transform import Unfit, is_transform, transform

__all__ = ["apply_changes", "relocate"]


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
    for c in changes:
        try:
            path, note = _APPLY[c.section](out, c)
        except Unfit as exc:
            line = c.lines.get(exc.suffix, c.line)
            problems.append(Problem(str(exc), path=c.path + exc.suffix, file=c.file, line=line))
            continue
        origins[path] = c
        if note:
            notes.append(note)
    if problems:
        raise ConfigError(problems)
    return out, origins, notes


def _apply_top(out: dict, c: Change) -> tuple[str, None]:
    out[c.key] = copy.deepcopy(c.value)
    return c.key, None


def _apply_nested(out: dict, c: Change) -> tuple[str, None]:
    """A key of ``targets:`` or ``simulation:``, the others kept."""
    base = out.get(c.section)
    out[c.section] = {**(base if isinstance(base, Mapping) else {}), c.key: c.value}
    return f"{c.section}.{c.key}", None


def _apply_prior(out: dict, c: Change) -> tuple[str, None]:
    priors = dict(out.get("priors") or {}) if isinstance(out.get("priors"), Mapping) else {}
    if c.key not in priors:
        raise Unfit(f"there is no prior {c.key!r} to override{did_you_mean(c.key, priors)}")
    priors[c.key] = _merge_value(priors[c.key], c.value, what=f"prior {c.key!r}")
    out["priors"] = priors
    return f"priors.{c.key}", None


def _apply_line_field(out: dict, c: Change) -> tuple[str, str | None]:
    """A field of one line; a field naming a shared prior gets its own modified copy of it."""
    section, i = _find_line(out, c)
    item = dict(out[section][i])
    path = f"{section}[{i}].{c.field}"
    current = item.get(c.field)
    other = _other_form(item, c.field)
    if other is not None:  # the line gives the field per month and the change per year, or back
        if is_transform(c.value) or (isinstance(c.value, Mapping) and "dist" not in c.value):
            raise Unfit(
                f"{section}[{i}] gives {other}:, not {c.field}:; change {other} instead "
                f"(e.g. {other}: {{multiply: 1.1}}), or replace the value whole"
            )
        del item[other]  # a whole value in the other form replaces it
    note = None
    priors = out.get("priors") if isinstance(out.get("priors"), Mapping) else {}
    if isinstance(current, str) and isinstance(c.value, Mapping) and "dist" not in c.value:
        if current not in priors:
            raise Unfit(f"{path} names prior {current!r}, which is not defined")
        others = _users(out, current, skip=path)
        note = (
            f"{c.label or c.path}: {path} now has its own copy of prior "
            f"{current!r} ({c.describe()}), drawn separately"
            + (f"; it no longer moves with {', '.join(others)}" if others else "")
            + f" (to move them together, override priors.{current} instead)"
        )
        current = priors[current]
    if current is None:
        current = _default(item, section, c.field, out)
    item[c.field] = _merge_value(current, c.value, what=path)
    lst = list(out[section])
    lst[i] = item
    out[section] = lst
    return path, note


_APPLY: dict[str, Callable[[dict, Change], tuple[str, str | None]]] = {
    "top": _apply_top,
    "targets": _apply_nested,
    "simulation": _apply_nested,
    "priors": _apply_prior,
    "lines": _apply_line_field,
}


def _merge_value(current: Any, value: Any, *, what: str) -> Any:
    """``value`` applied to ``current``: a transform, a by-field update, or a replacement."""
    if is_transform(value):
        return transform(current, value.get("add", 0), value.get("multiply", 1), what)
    if isinstance(value, Mapping) and "dist" not in value:
        if isinstance(current, Mapping):
            return {**current, **value}
        raise Unfit(
            f"{what} is {flow_mapping(current) if isinstance(current, Mapping) else repr(current)}, "
            "not a prior, so it cannot be updated field by field; give a whole value "
            "(a number, a prior's name or a mapping with dist:), or add:/multiply:"
        )
    return copy.deepcopy(value)


def _other_form(item: Mapping, fld: str) -> str | None:
    """``amount_per_year`` when ``item`` gives that and the change names ``amount``, and back."""
    if fld in item:
        return None
    other = fld[: -len(PER_YEAR)] if fld.endswith(PER_YEAR) else fld + PER_YEAR
    return other if other in item else None


def _line_items(out: Mapping, section: str) -> list:
    items = out.get(section)
    return items if isinstance(items, list) else []


def _find_line(out: Mapping, c: Change) -> tuple[str, int]:
    """The section and index of the line ``c.key`` names (``benefits[0]``, or its name)."""
    lines = LineNames(out)
    try:
        path = lines.find(c.key)
    except LineRefError as exc:
        raise Unfit(str(exc)) from None
    if path is None:
        raise Unfit(
            f"there is no line named {c.key!r}{did_you_mean(c.key, lines.names)}; name a line "
            f"by its name or its path: {lines.choices() or 'the config has none'}"
        )
    m = LINE_PATH.fullmatch(path)
    return m.group(1), int(m.group(2))


def _users(out: Mapping, prior: str, *, skip: str) -> list[str]:
    """The fields of every line that name ``prior``, but ``skip``."""
    users = []
    for section in ("benefits", "costs"):
        for i, item in enumerate(_line_items(out, section)):
            if not isinstance(item, Mapping):
                continue
            for k, v in item.items():
                p = f"{section}[{i}].{k}"
                if v == prior and p != skip:
                    users.append(p)
    return users


def _default(item: Mapping, section: str, fld: str, out: Mapping) -> Any:
    """The value a line's field takes when the config leaves it out (None if required)."""
    types = BENEFIT_TYPES if section == "benefits" else COST_TYPES
    type_ = item.get("type")
    spec = types.get(type_) if isinstance(type_, str) else None
    for f in spec.fields if spec else ():
        if f.name == fld:
            if f.default == "horizon":
                return out.get("horizon_months", 36)
            return f.default
    return None


def relocate(
    problems: Iterable[Problem],
    origins: Mapping[str, Change],
    context: str,
    causes: Mapping[tuple[str, str], tuple[str, str]] | None = None,
) -> list[Problem]:
    """Point each problem that an override caused at the override.

    A problem at (or inside) an overridden path is reported at the change's
    file, path and line; so is one that ``causes`` traces (by its path and
    message) to an overridden path, in the words it has there (a field that
    a changed prior no longer fits: at the prior's override). Any other
    problem gets ``context`` appended, since an override may have caused it
    indirectly.
    """
    out = []
    targets = sorted(origins, key=len, reverse=True)
    for p in problems:
        cause = (causes or {}).get((p.path, p.message))
        hit = next((t for t in targets if _within(p.path, t)), None)
        if hit is None and cause is not None and cause[0] in origins:
            c = origins[cause[0]]
            out.append(replace(p, message=cause[1], path=c.path, file=c.file, line=c.line))
            continue
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


def _within(path: str, target: str) -> bool:
    """Whether ``path`` is ``target`` or inside it."""
    return path == target or path.startswith((target + ".", target + "["))
