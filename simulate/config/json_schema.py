"""The config's JSON Schema (draft-07), generated from the tables that validate it.

Editors with a YAML language server read it to complete keys, flag a typo and
show each field's meaning, unit and domain before the tool runs
(``simulate schema`` prints it; ``config.schema.json`` beside this module is
the same text, for a ``# yaml-language-server: $schema=...`` line). Nothing
here is written by hand twice: the top-level, ``simulation:`` and
``targets:`` keys and their domains come from :mod:`.settings`, the line
types and their fields from :mod:`.schema`, the distributions and their
alternative forms from :data:`.priors.params.SYNTAX`, scenario keys from
:mod:`.overrides`, precision figures from :mod:`.tolerance`.

The schema checks structure (keys, types, ranges of plain numbers, required
keys, one form per prior); ``simulate validate`` checks everything, including
what a schema cannot say (a prior's support within its field's range, a
positive-definite correlation matrix, the lines a scenario names).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..files import MAX_NAME_BYTES
from ..format import format_as_written
from . import settings as st
from .gates import GATE
from .inputs import NAME_PATTERN
from .line_refs import LINE_PATH
from .overrides import OVERLAY_KEYS, SCENARIO_KEYS, SCENARIO_NAME
from .priors.params import SYNTAX
from .priors.parse import LABEL_MAX
from .priors.syntax import META, PARAMETERS
from .schema import BENEFIT_TYPES, COST_TYPES, PER_YEAR, FieldSpec, LineSpec
from .support import Support
from .tolerance import FIGURES
from .transform import TRANSFORM_KEYS

__all__ = [
    "DRAFT",
    "OVERLAY_SCHEMA_FILE",
    "SCHEMA_FILE",
    "config_schema",
    "overlay_schema",
    "overlay_schema_text",
    "schema_text",
]

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_FILE = "config.schema.json"  # beside this module: the shipped copy of schema_text()
OVERLAY_SCHEMA_FILE = "overlay.schema.json"  # and of overlay_schema_text()
_REF = "#/definitions/"
_UNIT_WORDS = {
    "currency": "the config's currency",
    "months": "months",
    "seconds": "seconds",
    "percent": "a fraction (0.05 is 5%)",
    "multiplier": "a multiplier (1 = as is)",
    "count": "a count",
}
_SCHEDULED = {
    "initial": "an amount at the decision (period 0)",
    "monthly": "amounts for months 1, 2, ... (not with annual:)",
    "annual": "amounts for years 1, 2, ... (not with monthly:)",
    "timing": "for annual: end_of_year (year k at month 12k) or spread (a twelfth a month)",
}


def schema_text() -> str:
    """The schema as ``simulate schema`` prints it: indented JSON with a final newline."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def overlay_schema_text() -> str:
    """The overlay's schema as shipped in ``overlay.schema.json``."""
    return json.dumps(overlay_schema(), indent=2, ensure_ascii=False) + "\n"


def overlay_schema() -> dict[str, Any]:
    """The JSON Schema of a reviewer's overlay (``simulate run --overlay FILE``)."""
    return {
        "$schema": DRAFT,
        "title": "simulate overlay",
        "description": "A reviewer's overrides of a config: what a scenario takes, less "
        "simulation:, plus a name of its own.",
        "type": "object",
        **_overrides(OVERLAY_KEYS),
        "definitions": _definitions(),
    }


def config_schema() -> dict[str, Any]:
    """The JSON Schema of a config file."""
    return {
        "$schema": DRAFT,
        "title": "simulate config",
        "description": "A CX investment for simulate: its priors, benefits and costs. "
        "Amounts are per month in the config's currency unless a key says otherwise "
        "(..._per_year); rates and fractions are fractions (0.12 is 12%).",
        "type": "object",
        "properties": {key: _described(_top(key), st.TOP[key]) for key in st.TOP},
        "required": ["name", "costs"],
        "additionalProperties": False,
        "definitions": _definitions(),
    }


def _described(schema: dict[str, Any], words: str) -> dict[str, Any]:
    return {"description": words, **schema}


def _number(domain: Support, *, whole: bool = False) -> dict[str, Any]:
    """A plain number (or whole number) within ``domain``."""
    out: dict[str, Any] = {"type": "integer" if whole else "number"}
    if math.isfinite(domain.lo):
        out["minimum" if domain.lo_closed else "exclusiveMinimum"] = _json_number(domain.lo)
    if math.isfinite(domain.hi):
        out["maximum" if domain.hi_closed else "exclusiveMaximum"] = _json_number(domain.hi)
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, or no value (null), which validation reads as the key left out."""
    return {"anyOf": [schema, {"type": "null"}]}


def _json_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() and abs(x) < 2**63 else x


def _top(key: str) -> dict[str, Any]:
    """The schema of one top-level key."""
    simple: dict[str, dict[str, Any]] = {
        "name": {"type": "string", "pattern": r"\S"},
        "description": {"type": ["string", "null"]},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "USD"},
        "horizon_months": {**_number(Support(1, st.MAX_HORIZON), whole=True), "default": 36},
        "discount_rate": {**_number(st.DISCOUNT_RATES), "default": 0.10},
        "template": {"type": "boolean", "default": False},
        "priors": {"$ref": _REF + "priors"},
        "correlations": {"$ref": _REF + "correlations"},
        "simulation": {"$ref": _REF + "simulation"},
        "targets": {"$ref": _REF + "targets"},
        "benefits": _lines("benefit"),
        "costs": _lines("cost"),
        "scenarios": {"$ref": _REF + "scenarios"},
        "gates": {"$ref": _REF + "gates"},
    }
    return simple[key]


def _definitions() -> dict[str, Any]:
    return {
        "prior_name": {
            "description": "the name of a prior under priors:",
            "type": "string",
            "pattern": NAME_PATTERN,
        },
        "prior": _prior(),
        "priors": {
            "type": ["object", "null"],
            "propertyNames": {"pattern": NAME_PATTERN},
            "additionalProperties": {
                "description": "a number (a fixed value) or a distribution with dist:",
                "anyOf": [{"type": "number"}, {"$ref": _REF + "prior"}],
            },
        },
        "correlations": {
            "type": ["array", "null"],
            "items": {
                "description": "[prior_a, prior_b, rho]: a Spearman rank correlation",
                "type": "array",
                "items": [
                    {"$ref": _REF + "prior_name"},
                    {"$ref": _REF + "prior_name"},
                    _number(Support(-1.0, 1.0, False, False)),
                ],
                "minItems": 3,
                "additionalItems": False,
            },
        },
        "simulation": _simulation(),
        "targets": _targets(),
        "scenarios": _scenarios(),
        "gates": _gates(),
        **{f"{kind}_{t}": _line(spec, kind) for kind, t, spec in _all_types()},
    }


def _all_types() -> list[tuple[str, str, LineSpec]]:
    return [
        *(("benefit", t, s) for t, s in BENEFIT_TYPES.items()),
        *(("cost", t, s) for t, s in COST_TYPES.items()),
    ]


# --------------------------------------------------------------------------
# Priors
# --------------------------------------------------------------------------
def _prior() -> dict[str, Any]:
    """An inline prior: ``dist:`` picks the keys and the forms it takes."""
    keys: dict[str, Any] = {}
    branches = []
    for dist, syntax in SYNTAX.items():
        own = {k: _parameter(k, k in syntax.list_keys) for k in syntax.keys()}
        keys.update(own)
        then: dict[str, Any] = {
            "properties": {"dist": {"const": dist}, **own, **_meta()},
            "additionalProperties": False,
        }
        forms = [{"required": list(form)} for form in syntax.forms]
        if len(forms) == 1:
            then.update(forms[0])
        else:
            then["oneOf"] = forms  # exactly one form
        branches.append({"if": {"properties": {"dist": {"const": dist}}}, "then": then})
    return {
        "description": "a distribution: "
        + "; ".join(f"{dist} ({s.words()})" for dist, s in SYNTAX.items()),
        "type": "object",
        "required": ["dist"],
        "properties": {
            "dist": {"description": "the distribution", "enum": list(SYNTAX)},
            **keys,
            **_meta(),
        },
        "allOf": branches,
    }


def _parameter(key: str, is_list: bool) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "number"}
    if is_list:
        return {"description": PARAMETERS[key], "type": "array", "items": number, "minItems": 1}
    return {"description": PARAMETERS[key], **number}


def _meta() -> dict[str, Any]:
    out = {k: {"description": words, "type": ["string", "null"]} for k, words in META.items()}
    out["label"] = {"description": META["label"], "type": "string", "maxLength": LABEL_MAX}
    return out


# --------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------
def _lines(kind: str) -> dict[str, Any]:
    """``benefits:`` or ``costs:``: a list of lines, each checked against its type."""
    types = BENEFIT_TYPES if kind == "benefit" else COST_TYPES
    union: dict[str, Any] = {}
    for spec in types.values():
        for key, schema in _line(spec, kind)["properties"].items():
            union.setdefault(key, {"description": schema.get("description", "")})
    union["type"] = {"description": f"the {kind} type", "enum": list(types)}
    item = {
        "type": "object",
        "required": ["type"],
        "properties": union,
        "allOf": [
            {
                "if": {"properties": {"type": {"const": t}}, "required": ["type"]},
                "then": {"$ref": f"{_REF}{kind}_{t}"},
            }
            for t in types
        ],
    }
    return {"type": ["array", "null"], "items": item}


def _line(spec: LineSpec, kind: str) -> dict[str, Any]:
    """One line type: its fields, options and (for scheduled) amounts; nothing else."""
    props: dict[str, Any] = {
        "type": {"const": spec.type},
        "name": {
            "description": "names the line (default: its type's, e.g. One time); scenarios, "
            "overlays and gates find it by name, or by its path benefits[i] / costs[i] where "
            "two lines share a name; a name cannot be such a path",
            "type": ["string", "null"],
            "not": {"type": "string", "pattern": f"^{LINE_PATH.pattern}$"},
        },
        "label": {
            "description": "what charts and tables show instead of the name",
            "type": "string",
            "maxLength": LABEL_MAX,
        },
    }
    rules: list[dict[str, Any]] = []
    required = []
    for f in spec.fields:
        props[f.name] = _field(f)
        if f.monthly:
            annual = f.name + PER_YEAR
            props[annual] = _field(f, annual=True)
            rules.append({"not": {"required": [f.name, annual]}})
            if f.default is None:
                rules.append({"anyOf": [{"required": [f.name]}, {"required": [annual]}]})
        elif f.default is None:
            required.append(f.name)
    for option, allowed in spec.options.items():
        props[option] = {
            "description": f"one of {', '.join(allowed)} (default {allowed[0]})",
            "enum": list(allowed),
            "default": allowed[0],
        }
    if spec.scheduled:
        props.update(_scheduled())
        rules.append({"not": {"required": ["monthly", "annual"]}})
    out: dict[str, Any] = {
        "description": f"a {spec.type} {kind}",
        "type": "object",
        "properties": props,
        "required": ["type", *required],
        "additionalProperties": False,
    }
    if rules:
        out["allOf"] = rules
    return out


def _field(f: FieldSpec, *, annual: bool = False) -> dict[str, Any]:
    """A numeric field: a number in its domain, a prior's name, or an inline prior."""
    limit = f.bound.limit * (12 if annual else 1)
    domain = f.domain.clipped(limit)
    words = _field_words(f, domain, annual)
    number = _number(domain, whole=f.whole)
    anyof = [number] if f.whole else [number, {"$ref": _REF + "prior"}]
    if not annual and not f.whole:  # a named prior is shared as written: not divided by 12
        anyof.insert(1, {"$ref": _REF + "prior_name"})
    if f.default is not None and not annual:
        anyof.append({"type": "null"})  # no value: the default
    return {"description": words, "anyOf": anyof, **_default(f)}


def _default(f: FieldSpec) -> dict[str, Any]:
    return {"default": f.default} if isinstance(f.default, float) else {}


def _field_words(f: FieldSpec, domain: Support, annual: bool) -> str:
    """What a field is, its unit, domain and default, in one line."""
    what = f.what or f.name.replace("_", " ")
    unit = _UNIT_WORDS[f.unit]
    if annual:
        what = f"{f.name} given per year instead of per month (divided by 12 when read)"
        unit += " per year"
    elif f.monthly:
        unit += f" per month (or {f.name}{PER_YEAR}: per year)"
    elif f.per:
        unit += f" {f.per}"
    parts = [what, f"unit: {unit}", f"domain: {domain}"]
    if f.whole:
        parts.append("a whole number")
    if f.default == "horizon":
        parts.append("default: horizon_months")
    elif f.default is not None and not annual:
        parts.append(f"default: {format_as_written(f.default)}")
    else:
        parts.append("required" if not annual else "instead of " + f.name)
    if not f.whole:
        parts.append("a number, a prior's name or an inline prior {dist: ...}")
    return "; ".join(parts)


def _scheduled() -> dict[str, Any]:
    amount = {"type": "number", "minimum": 0}
    amounts = {"type": "array", "items": amount, "minItems": 1}
    shapes = {
        "initial": amount,
        "monthly": amounts,
        "annual": amounts,
        "timing": {"enum": ["end_of_year", "spread"], "default": "end_of_year"},
    }
    return {k: _described(shapes[k], words) for k, words in _SCHEDULED.items()}


# --------------------------------------------------------------------------
# simulation, targets, scenarios
# --------------------------------------------------------------------------
def _simulation() -> dict[str, Any]:
    trials = _number(Support(1, st.MAX_TRIALS), whole=True)
    shapes = {
        "trials": {**trials, "default": st.DEFAULT_TRIALS},
        "seed": _nullable(_number(Support(0, st.MAX_SEED), whole=True)),
        "sampling": {"enum": list(st.SAMPLING_METHODS), "default": "random"},
        "precision": {
            "anyOf": [
                {"type": ["string", "null"]},
                {
                    "type": "object",
                    "propertyNames": {"enum": list(FIGURES)},
                    "additionalProperties": {"type": ["number", "string"]},
                },
            ]
        },
        "max_trials": _nullable(trials),
    }
    return _block(shapes, st.SIMULATION)


def _targets() -> dict[str, Any]:
    shapes = {
        "payback_months": _nullable(_number(Support(0, math.inf, False))),
        "roi": _nullable(_number(st.TARGET_ROIS)),
    }
    return _block(shapes, st.TARGETS)


def _block(shapes: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
    return {
        "type": ["object", "null"],
        "properties": {k: _described(shapes[k], words[k]) for k in words},
        "additionalProperties": False,
    }


def _gates() -> dict[str, Any]:
    """Each gate: a month, what it reads, and the lines it governs."""
    shapes = {
        "name": {"type": ["string", "null"], "pattern": r"\S"},
        "month": _number(Support(1, st.MAX_HORIZON), whole=True),
        "continue_if": {
            "anyOf": [{"$ref": _REF + "prior_name"}, {"type": "number"}, {"$ref": _REF + "prior"}]
        },
        "at_least": {"type": "number"},
        "lines": {
            "type": ["array", "string", "null"],
            "items": {"type": "string"},
            "minItems": 1,
        },
    }
    return {
        "type": ["array", "null"],
        "items": {**_block(shapes, GATE), "type": "object", "required": ["month", "continue_if"]},
    }


def _scenarios() -> dict[str, Any]:
    """Each scenario overrides some top-level values, priors and line fields."""
    return {
        "type": ["object", "null"],
        # A name's bytes (at most MAX_NAME_BYTES) only validate counts; its characters here.
        # (and "all" is --scenario all: every scenario, never one)
        "propertyNames": {
            "pattern": f"^{SCENARIO_NAME.pattern}$",
            "maxLength": MAX_NAME_BYTES,
            "not": {"const": "all"},
        },
        "additionalProperties": {"type": ["object", "null"], **_overrides(SCENARIO_KEYS)},
    }


def _overrides(keys: tuple[str, ...]) -> dict[str, Any]:
    """What a scenario (or an overlay) may override: ``keys`` of :mod:`.overrides`."""
    shapes = {
        "name": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "horizon_months": _top("horizon_months"),
        "discount_rate": _top("discount_rate"),
        "targets": {"$ref": _REF + "targets"},
        "simulation": {"$ref": _REF + "simulation"},
        "priors": {
            "type": ["object", "null"],
            "additionalProperties": _override(
                _prior_keys(),
                "a number, a prior with dist:, some of its keys, or {multiply:, add:}",
            ),
        },
        "lines": {
            "type": ["object", "null"],
            "additionalProperties": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"enum": _line_keys()},
                "additionalProperties": _override(
                    _prior_keys(), "a number, a prior's name, a prior, or {multiply:, add:}"
                ),
            },
        },
    }
    words = {
        **st.TOP,
        "name": "the overlay's name (default: its file's stem)",
        "priors": "priors to override, by name",
        "lines": "line fields to override, by line name or benefits[i] / costs[i] (the path "
        "where two lines share a name)",
    }
    return {
        "properties": {k: _described(shapes[k], words[k]) for k in keys},
        "additionalProperties": False,
    }


def _prior_keys() -> dict[str, Any]:
    """Every key a prior, or an override of one, may have, with the type of its value."""
    keys: dict[str, Any] = {"dist": {"enum": list(SYNTAX)}, **_meta()}
    for syntax in SYNTAX.values():
        keys.update({k: _parameter(k, k in syntax.list_keys) for k in syntax.keys()})
    keys.update({k: {"type": "number"} for k in TRANSFORM_KEYS})
    return keys


def _line_keys() -> list[str]:
    """The keys of any line a scenario may override (a line's type and name stay)."""
    keys = [k for _, _, spec in _all_types() for k in spec.allowed_keys()]
    return [k for k in dict.fromkeys(keys) if k not in ("type", "name")]


def _override(keys: dict[str, Any], words: str) -> dict[str, Any]:
    """An override's value: a whole value, or a mapping of prior keys (some, or a transform)."""
    return {
        "description": words,
        "anyOf": [
            {"type": ["number", "string", "null"]},
            {"type": "object", "properties": keys, "additionalProperties": False},
        ],
    }
