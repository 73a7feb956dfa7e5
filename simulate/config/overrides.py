"""Overrides on a parsed config: scenarios and reviewers' overlays.

A scenario (an entry of the config's ``scenarios:`` block) and an overlay (a
second YAML file given to ``simulate run --overlay``) are both read into a
list of :class:`Change`, one per overridden item, and applied to a copy of the
config's raw mapping (:mod:`.merge`) before it is validated like any config. Each change
remembers the file, path and line where it was written, so a problem that
the change causes is reported there (``cfo.yaml:7: lines.Churn avoided.lag:
...``) rather than at the config line it replaced.

What a change can say (the same in scenarios and overlays):

- a top-level value: ``horizon_months``, ``discount_rate``, ``description``;
- ``targets: {payback_months, roi}`` and, in scenarios only,
  ``simulation: {trials, seed, sampling}``, key by key;
- ``priors: {name: ...}``: a whole prior (a number, or a mapping with
  ``dist:``), some of its fields (``{max: 0.3}``), or a transform of it as it
  stands (``{multiply: 0.5}``, ``{add: 3}``, or both: ``x * multiply + add``;
  see :mod:`.transform`);
- ``lines: {<line name or benefits[i] / costs[i]>: {field: ...}}``: a field of
  one benefit or cost line, with the same three forms (replace, by field,
  transform). A transform of a field that names a shared prior gives that
  field its own transformed copy (an inline prior, drawn from its own stream)
  and says so in the model's warnings; to move every field that shares the
  prior, transform the prior instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Problem, control_problem, describe_value, did_you_mean
from ..files import MAX_NAME_BYTES
from .loader import join_path, read_yaml_file
from .numbers import is_number, number_problem
from .transform import TRANSFORM_KEYS, is_transform

__all__ = [
    "OVERLAY_KEYS",
    "SCENARIO_KEYS",
    "Change",
    "Overlay",
    "flow_mapping",
    "load_overlay",
    "parse_changes",
    "scenario_name_problems",
]

# What a scenario may override (docs/model.md section 0 plus the `scenarios:` block).
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
_NESTED = ("targets", "simulation")
# A scenario's name becomes part of a result folder's name (`<config>--<scenario>`), on
# whichever system the config is run. So it holds no character a folder name cannot
# hold on Linux, macOS or Windows: / and \ (paths), : * ? " < > | (Windows), control
# characters (C0, DEL, C1) and Unicode's bidirectional controls (shown in another order
# than written, as errors.control_problem refuses in names); it neither starts with '.'
# (hidden; the temporary folders' mark) nor ends with a space or '.' (Windows drops
# them); and it has at most MAX_NAME_BYTES bytes, as any result folder's name.
_NOT_IN_NAMES = r'/\\:*?"<>|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069'  # a class's inside
SCENARIO_NAME = re.compile(
    f"(?:[^ .{_NOT_IN_NAMES}]|[^.{_NOT_IN_NAMES}][^{_NOT_IN_NAMES}]*[^ .{_NOT_IN_NAMES}])"
)
_SCENARIO_RULE = (
    "a scenario's name is part of its result folder's name (<config>--<scenario>) on "
    "Linux, macOS and Windows, so it may hold letters, digits, spaces and punctuation but "
    "not / \\ : * ? \" < > | or control characters, must not start with '.' nor end with a "
    f"space or '.', and has at most {MAX_NAME_BYTES} bytes (UTF-8), "
    "e.g. 'Bear case (CFO)' or 'plan+10%'"
)


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
        if is_transform(v):
            parts = []
            if "multiply" in v:
                parts.append(f"multiply by {_num(v['multiply'])}")
            if "add" in v:
                parts.append(f"add {_num(v['add'])}")
            return ", then ".join(parts)
        if isinstance(v, Mapping) and "dist" not in v:
            return "set " + ", ".join(f"{k}: {_num(x)}" for k, x in v.items())
        if isinstance(v, Mapping):
            return "replace with " + flow_mapping(v)
        return f"set to {_num(v)}"


@dataclass(frozen=True)
class Overlay:
    """A reviewer's overrides from a YAML file (see :func:`load_overlay`)."""

    file: str
    name: str
    description: str
    changes: tuple[Change, ...]
    # The file's bytes as read: with the config's hash, they identify an overlaid run
    # (simulate.config.identity). None for an overlay made by hand.
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def stem(self) -> str:
        """The file's stem: it names the result folder (``<config>--<stem>``)."""
        return Path(self.file).stem

    def subset(self, indices: Iterable[int]) -> Overlay:
        """The same overlay with only ``changes[i]`` for ``i`` in ``indices`` (in order)."""
        keep = sorted(set(indices))
        return replace(self, changes=tuple(self.changes[i] for i in keep))


def _num(x: Any) -> str:
    """An overridden value as the user wrote it, whole floats without their ``.0``."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def flow_mapping(spec: Mapping) -> str:
    """A prior mapping in YAML's flow style, without its source, note and label: ``{dist: ...}``."""
    items = [f"{k}: {_num(v)}" for k, v in spec.items() if k not in ("source", "note", "label")]
    return "{" + ", ".join(items) + "}"


def _within(path: str, lines: Mapping[str, int]) -> dict[str, int]:
    """The lines at and inside ``path``, by path relative to it (``""``, ``".max"``)."""
    out = {}
    for p, ln in lines.items():
        if p == path or p.startswith(path + ".") or p.startswith(path + "["):
            out[p[len(path) :]] = ln
    return out


def scenario_name_problems(scenarios: Mapping) -> list[tuple[str, str]]:
    """``(path, message)`` for each key of ``scenarios:`` that cannot name a scenario.

    A name is text (``2025:``, ``null:`` and ``true:`` are a number, nothing
    and a yes/no value to YAML) that can be part of a result folder's name on
    Linux, macOS and Windows (:data:`SCENARIO_NAME`, at most
    :data:`~simulate.files.MAX_NAME_BYTES` bytes); and no two names of a
    config differ only in case or Unicode normalisation, which would write
    one folder on macOS and Windows.
    """
    out = []
    seen: dict[str, str] = {}
    for name in scenarios:
        path = join_path("scenarios", str(name))
        if not isinstance(name, str):
            text = {None: "null", True: "true", False: "false"}.get(name, str(name))
            kind = (
                "nothing (null)"
                if name is None
                else "a yes/no value"
                if isinstance(name, bool)
                else "a number"
                if isinstance(name, (int, float))
                else f"a {type(name).__name__}"
            )
            out.append(
                (
                    path,
                    f"scenario names are text, but YAML reads {text}: as {kind}; "
                    f"write '{text}': in quotes, or a name such as optimistic",
                )
            )
        elif (why := _folder_problem(name)) is not None:
            out.append(
                (
                    path,
                    f"scenario name {describe_value(name)} cannot name a result folder: "
                    f"{why}; {_SCENARIO_RULE}",
                )
            )
        elif name == "all":
            out.append(
                (
                    path,
                    "a scenario cannot be named all: --scenario all means every scenario, so "
                    "this one could not be run alone; rename it, e.g. all_levers",
                )
            )
        elif (first := seen.setdefault(_folded(name), name)) != name:
            if first.casefold() == name.casefold():
                how = "differ only in case, so on macOS and Windows"
            else:  # macOS alone also ignores how accents are encoded
                nfc = unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", name)
                how = (
                    "differ only in how their accents are encoded (Unicode NFC and NFD)"
                    f"{'' if nfc else ' and in case'}, so on macOS"
                )
            out.append(
                (
                    path,
                    f"scenario names {first!r} and {name!r} {how} they would write the same "
                    "result folder; rename one",
                )
            )
    return out


def _folder_problem(name: str) -> str | None:
    """Why a scenario's ``name`` cannot be part of a result folder's name, or None."""
    if SCENARIO_NAME.fullmatch(name):
        size = len(name.encode("utf-8", "surrogatepass"))
        return f"it is {size} bytes long" if size > MAX_NAME_BYTES else None
    if not name:
        return "it is empty"
    if name.startswith("."):
        return "it starts with '.'"
    bad = re.search(f"[{_NOT_IN_NAMES}]", name)
    if bad is not None:
        c = bad.group()
        if c.isprintable():
            shown = repr(c)
        elif unicodedata.category(c) == "Cc":
            shown = f"the control character U+{ord(c):04X}"
        else:  # shown as nothing, it reorders what follows it
            shown = f"the bidirectional control U+{ord(c):04X}"
        return f"it contains {shown} (character {bad.start() + 1})"
    return f"it ends with {'a space' if name.endswith(' ') else repr('.')}"


def _folded(name: str) -> str:
    """``name`` as file systems that ignore case (macOS, Windows) or Unicode
    normalisation (macOS) compare it."""
    return unicodedata.normalize("NFC", name).casefold()


# --------------------------------------------------------------------------
# Reading overrides
# --------------------------------------------------------------------------
class _ChangeReader:
    """Collects the changes (and problems) of one overrides mapping at ``where`` in ``file``."""

    def __init__(self, where: str, lines: Mapping[str, int], file: str | None) -> None:
        self.where = where
        self.lines = lines
        self.file = file
        self.problems: list[Problem] = []
        self.changes: list[Change] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, path=path, file=self.file, line=self.lines.get(path)))

    def change(self, section: str, key: Any, fld: str | None, value: Any, path: str) -> None:
        self.changes.append(
            Change(
                section,
                str(key),
                fld,
                value,
                path,
                self.file,
                self.lines.get(path),
                _within(path, self.lines),
                label=path[len(self.where) + 1 :] if self.where else path,
            )
        )

    def section(self, key: str, value: Any, kpath: str) -> None:
        """``targets:``, ``simulation:`` or ``priors:``: one change per item."""
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.problem(kpath, f"{key}: must be a mapping of the items it overrides")
            return
        for name, spec in value.items():
            self.change(key, name, None, spec, join_path(kpath, str(name)))

    def line_fields(self, value: Any, kpath: str) -> None:
        """``lines:``: one change per overridden field of a line."""
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.problem(
                kpath,
                "lines: must map a line's name (or benefits[i] / costs[i]) to the fields "
                "it overrides, e.g. lines: {Churn avoided: {lag: {add: 3}}}",
            )
            return
        for line_key, fields in value.items():
            lpath = join_path(kpath, str(line_key))
            if not isinstance(fields, Mapping) or not fields:
                self.problem(
                    lpath,
                    f"give the fields of line {describe_value(str(line_key))} to override as a mapping, "
                    "e.g. {lag: {add: 3}, ramp: 9}",
                )
                continue
            for fld, spec in fields.items():
                fpath = join_path(lpath, str(fld))
                if fld in ("type", "name"):
                    self.problem(
                        fpath,
                        f"a line's {fld} cannot be overridden; change its fields, or "
                        "set its scale: 0 to drop it",
                    )
                    continue
                self.change("lines", line_key, str(fld), spec, fpath)


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
    reader = _ChangeReader(where, lines, file)
    for key, value in overrides.items():
        kpath = join_path(where, str(key))
        if key not in allowed:
            hint = ""
            if key == "simulation" and what == "an overlay":
                hint = (
                    "; an overlay is compared with its config on the same draws, so it cannot "
                    "change trials, seed or sampling: give them on the command line"
                )
            reader.problem(
                kpath,
                f"{what} cannot override {describe_value(str(key))}{did_you_mean(str(key), allowed)}; "
                f"it may override: {', '.join(k for k in allowed if k not in ('name',))}{hint}",
            )
        elif what == "an overlay" and key in ("name", "description"):
            continue  # the overlay's own label, read by load_overlay
        elif key in _NESTED or key == "priors":
            reader.section(key, value, kpath)
        elif key == "lines":
            reader.line_fields(value, kpath)
        else:
            reader.change("top", key, None, value, kpath)
    for c in reader.changes:
        _check_transform(c, reader.problems)
    if reader.problems:
        raise ConfigError(reader.problems)
    return reader.changes


def _check_transform(c: Change, problems: list[Problem]) -> None:
    """A transform is add:/multiply: alone, on a prior or a line's field, by numbers."""
    v = c.value
    if not is_transform(v):
        return
    extra = [k for k in v if k not in TRANSFORM_KEYS]
    if extra:
        problems.append(
            Problem(
                f"add:/multiply: transform the value as it stands and cannot be combined with "
                f"{', '.join(map(str, extra))}; give either the transform or the new fields",
                path=c.path,
                file=c.file,
                line=c.line,
            )
        )
    if c.section not in ("priors", "lines"):
        problems.append(
            Problem(
                "add:/multiply: apply to priors and line fields; give a plain value here",
                path=c.path,
                file=c.file,
                line=c.line,
            )
        )
    for key in TRANSFORM_KEYS:
        if key not in v:
            continue
        x = v[key]
        kpath = join_path(c.path, key)
        kline = c.lines.get("." + key, c.line)
        if not is_number(x):
            problems.append(
                Problem(
                    f"{key}: {number_problem(x, 'a number', '0.5' if key == 'multiply' else '3')}",
                    path=kpath,
                    file=c.file,
                    line=kline,
                )
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


def _label_problem(value: Any, key: str) -> str | None:
    """What is wrong with an overlay's ``name:`` or ``description:`` (None: nothing).

    Both are printed on the terminal and in the pack, as a config's are.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{key} must be text"
    return control_problem(value, key, line_breaks=key == "description")


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
    raw, lines, data = read_yaml_file(path, "overlay")
    if not isinstance(raw, Mapping):
        raise ConfigError(
            Problem(
                "an overlay must be a mapping of overrides, e.g. priors: {churn_cut: {multiply: 0.5}}",
                file=file,
                line=1,
            )
        )
    problems = [
        Problem(message, path=key, file=file, line=lines.get(key))
        for key in ("name", "description")
        if (message := _label_problem(raw.get(key), key)) is not None
    ]
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
        data=data,
    )
