"""Mutated example configs, and the contract every outcome must keep (issue 11).

A case is one of the example configs (``configs/*.yaml``,
``configs/portfolio/*.yaml``) or the example overlay
(``configs/overlays/*.yaml``, applied to the config it was written for), with
one to three mutations at places chosen in its tree: a key deleted or renamed
(a typo), a value swapped for another type, an extreme or huge number, NaN or
infinity, unicode or a long string, a non-string key, a reference to a prior
that does not exist, a YAML tag, an alias to another node (or to itself) and a
merge key. The mutated tree is written as YAML text by a dumper that can write
tags, anchors and merge keys, so the loader sees them as a person would write
them.

Every choice goes through a :class:`Chooser`: hypothesis drives it in
``tests/test_fuzz.py`` (and shrinks a failure to a small case), a seeded
``random.Random`` drives it in ``tests/fuzz_sweep.py``, a script that sweeps
thousands of cases and groups the failures by exception type and raising line.

The contract (:func:`check_case`): ``load_config`` gives a ``Model`` or a
``ConfigError`` each of whose problems names the file, a place in it (a key
path or a line) on one line; a model's run gives finite NPV, PV of benefits
and PV of costs in every trial, or a ``ConfigError`` of the same kind; no
other exception, no numpy warning and no hang.
"""

from __future__ import annotations

import copy
import math
import random
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
BASE_CONFIGS = sorted(CONFIGS.glob("*.yaml")) + sorted((CONFIGS / "portfolio").glob("*.yaml"))
OVERLAYS = sorted((CONFIGS / "overlays").glob("*.yaml"))
# The config each example overlay was written for (its header says so).
OVERLAY_TARGET = CONFIGS / "contact_center_aht.yaml"
CHECKED_OUTPUTS = ("npv", "pv_benefits", "pv_costs")
RUN_TRIALS = 64
MAX_SCENARIOS = 3  # of a mutated config, each loaded and run as `simulate validate` does


class Chooser(Protocol):
    """Where every choice of a mutation comes from."""

    def integer(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``; the first options are the simplest."""


class RandomChooser:
    """Choices from a seeded ``random.Random`` (the script's sweep)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def pick(ch: Chooser, options: list | tuple) -> Any:
    return options[ch.integer(0, len(options) - 1)]


# --- What the dumper can write beyond plain data ---------------------------------


@dataclass(eq=False)
class Tagged:
    """A value written with an explicit tag: ``!!python/object/apply:os.system [..]``, ``!x 5``."""

    tag: str
    value: Any


@dataclass(eq=False)
class Shared:
    """A scalar written once with an anchor and then as an alias wherever it is reused."""

    value: Any


class MergeKey:
    """The YAML merge key ``<<`` (as a key: ``<<: *other`` or ``<<: 5``)."""

    def __repr__(self) -> str:
        return "<<"


MERGE = MergeKey()


class FuzzDumper(yaml.SafeDumper):
    """A safe dumper that also writes :class:`Tagged`, :class:`Shared` and ``<<``."""

    def ignore_aliases(self, data: Any) -> bool:
        return isinstance(data, MergeKey) or super().ignore_aliases(data)


def _represent_tagged(dumper: FuzzDumper, data: Tagged) -> yaml.Node:
    v = data.value
    if isinstance(v, dict):
        return dumper.represent_mapping(data.tag, v)
    if isinstance(v, list):
        return dumper.represent_sequence(data.tag, v)
    return dumper.represent_scalar(data.tag, str(v))


def _represent_shared(dumper: FuzzDumper, data: Shared) -> yaml.Node:
    # Called with alias_key = id(data): the scalar node is recorded for the aliases.
    return dumper.yaml_representers[type(data.value)](dumper, data.value)


def _represent_merge(dumper: FuzzDumper, data: MergeKey) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:merge", "<<")


FuzzDumper.add_representer(Tagged, _represent_tagged)
FuzzDumper.add_representer(Shared, _represent_shared)
FuzzDumper.add_representer(MergeKey, _represent_merge)


def to_yaml(tree: Any) -> str:
    """YAML text of a mutated tree (block style, keys in their order, unicode as is)."""
    return yaml.dump(tree, Dumper=FuzzDumper, sort_keys=False, allow_unicode=True, width=10_000)


# --- Values and keys that mutations put in ----------------------------------------

HUGE_INT = 10**400  # a YAML int no float can hold
EXTREME_NUMBERS = [0, -1, 1e308, -1e308, 5e-324, -5e-324, 2**64, HUGE_INT, -HUGE_INT, 1e-300,
                   1e300, -0.0, 0.5, 1.7e308, 2**63 - 1, 10**20]  # fmt: skip
NON_FINITE = [math.nan, math.inf, -math.inf, "nan", "inf", "-inf", ".nan", "NaN", "1e400"]
STRINGS = ["", " ", "x", "é", "名前", "🙂", "\u202e", "a\0b", "line\nbreak", "x" * 300,
           "y" * 20_000, "1e3", "0x10", "1_000", "yes", "~", "null", "12 months"]  # fmt: skip
ODD_KEYS = [2025, None, True, False, 1.5, -1, "", "é", "x" * 300]
UNDEFINED_PRIOR = "no_such_prior"
TAGS = [
    ("tag:yaml.org,2002:python/object/apply:os.system", ["echo pwned"]),
    ("tag:yaml.org,2002:python/name:os.system", ""),
    ("tag:yaml.org,2002:python/object:object", {}),
    ("!unknown", "5"),
    ("!unknown", {"a": 1}),
    ("!unknown", [1, 2]),
    ("tag:yaml.org,2002:str", "5"),
    ("tag:yaml.org,2002:int", "abc"),
    ("tag:yaml.org,2002:float", "abc"),
    ("tag:yaml.org,2002:bool", "maybe"),
    ("tag:yaml.org,2002:binary", "!!!"),
    ("tag:yaml.org,2002:timestamp", "2025-13-45"),
    ("tag:yaml.org,2002:timestamp", "2025-01-01"),
    ("tag:yaml.org,2002:set", {"a": None}),
    ("tag:yaml.org,2002:omap", [{"a": 1}]),
    ("tag:yaml.org,2002:pairs", [{"a": 1}]),
    ("tag:yaml.org,2002:null", "x"),
    ("tag:yaml.org,2002:map", [1]),
    ("tag:yaml.org,2002:seq", {"a": 1}),
]


def _typo(ch: Chooser, key: str) -> str:
    if not key:
        return "x"
    i = ch.integer(0, len(key) - 1)
    how = ch.integer(0, 5)
    if how == 0:  # a letter dropped
        return key[:i] + key[i + 1 :] or "x"
    if how == 1:  # two letters swapped
        return key[:i] + key[i + 1 : i + 2] + key[i] + key[i + 2 :]
    if how == 2:  # a letter doubled
        return key[: i + 1] + key[i:]
    if how == 3:
        return key.upper()
    if how == 4:
        return key + "s"
    return key.replace("_", "-") if "_" in key else key + "_"


def _swap_type(ch: Chooser, value: Any) -> Any:
    """``value`` as another YAML type: number, string, list, mapping, null or yes/no."""
    options: list[Callable[[], Any]] = [
        lambda: None,
        lambda: str(value),
        lambda: [value],
        lambda: {"value": value},
        lambda: {value: value} if isinstance(value, (str, int, float)) else {"x": value},
        lambda: True,
        lambda: False,
        lambda: [],
        lambda: {},
        lambda: 1,
        lambda: 0.5,
        lambda: "text",
    ]
    return pick(ch, options)()


def _scaled(ch: Chooser, value: Any) -> Any:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return pick(ch, EXTREME_NUMBERS)
    factor = pick(ch, [-1, 0, 10, 0.1, 1e6, 1e-6, 1e300, 1e-300, 1e308])
    out = value * factor
    return int(out) if isinstance(value, int) and math.isfinite(out) else out


# --- Where in the tree ---------------------------------------------------------------


@dataclass
class Spot:
    """A place in the tree: ``parent[key]`` (``parent`` is a dict or a list)."""

    parent: Any
    key: Any
    path: str


def spots(tree: Any, path: str = "", seen: set[int] | None = None) -> Iterator[Spot]:
    """Every place in the tree, parents before children, in document order (a node once)."""
    seen = set() if seen is None else seen
    if not isinstance(tree, (dict, list)) or id(tree) in seen:
        return
    seen.add(id(tree))
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for k, v in list(items):
        p = f"{path}[{k}]" if isinstance(tree, list) else (f"{path}.{k}" if path else str(k))
        yield Spot(tree, k, p)
        yield from spots(v, p, seen)


def _containers(tree: Any) -> list[Any]:
    out = [tree] if isinstance(tree, (dict, list)) else []
    out += [s.parent[s.key] for s in spots(tree) if isinstance(s.parent[s.key], (dict, list))]
    return out


def _prior_names(tree: Any) -> list[str]:
    priors = tree.get("priors") if isinstance(tree, dict) else None
    return [k for k in priors if isinstance(k, str)] if isinstance(priors, dict) else []


# --- The mutations -------------------------------------------------------------------


def _set(spot: Spot, value: Any) -> None:
    spot.parent[spot.key] = value


def _rename(spot: Spot, new: Any) -> None:
    d = spot.parent
    items = [(new if k == spot.key else k, v) for k, v in d.items() if k != new or k == spot.key]
    d.clear()
    d.update(items)


def m_delete(ch: Chooser, tree: Any, spot: Spot) -> str:
    del spot.parent[spot.key]
    return f"delete {spot.path}"


def m_rename(ch: Chooser, tree: Any, spot: Spot) -> str:
    if not isinstance(spot.parent, dict):
        return m_delete(ch, tree, spot)
    key = spot.key
    new = _typo(ch, key) if isinstance(key, str) and ch.integer(0, 3) else pick(ch, ODD_KEYS)
    _rename(spot, new)
    return f"rename {spot.path} -> {new!r}"


def m_swap_type(ch: Chooser, tree: Any, spot: Spot) -> str:
    new = _swap_type(ch, spot.parent[spot.key])
    _set(spot, new)
    return f"swap type of {spot.path}"


def m_extreme(ch: Chooser, tree: Any, spot: Spot) -> str:
    old = spot.parent[spot.key]
    new = _scaled(ch, old) if ch.integer(0, 1) else pick(ch, EXTREME_NUMBERS)
    _set(spot, new)
    return f"{spot.path} = {new!r}"[:200]


def m_nudge(ch: Chooser, tree: Any, spot: Spot) -> str:
    """A number halved, doubled, ten times, zeroed or negated: often still a valid config."""
    old = spot.parent[spot.key]
    if not isinstance(old, (int, float)) or isinstance(old, bool):
        return m_extreme(ch, tree, spot)
    new = old * pick(ch, [2, 0.5, 10, 0, -1])
    _set(spot, new)
    return f"{spot.path} = {new!r}"


def m_non_finite(ch: Chooser, tree: Any, spot: Spot) -> str:
    _set(spot, pick(ch, NON_FINITE))
    return f"{spot.path} = non-finite"


def m_string(ch: Chooser, tree: Any, spot: Spot) -> str:
    _set(spot, pick(ch, STRINGS))
    return f"{spot.path} = a string"


def m_reference(ch: Chooser, tree: Any, spot: Spot) -> str:
    names = _prior_names(tree)
    options = [UNDEFINED_PRIOR, *names, *(_typo(ch, n) for n in names[:1])]
    new = pick(ch, options)
    if ch.integer(0, 3) == 0:
        new = {"dist": pick(ch, ["normal", "lognormal", "beta", "metalog", "pert", "nope"]),
               "of": new}  # fmt: skip
    _set(spot, new)
    return f"{spot.path} = reference {new!r}"


def m_add_key(ch: Chooser, tree: Any, spot: Spot) -> str:
    target = spot.parent[spot.key]
    if not isinstance(target, dict):
        target = spot.parent
    if not isinstance(target, dict):
        return m_swap_type(ch, tree, spot)
    key = pick(ch, [*ODD_KEYS, "unknown_key", "<<", "dist", "type", "scale", "lag"])
    target[key] = pick(ch, [1, None, "x", [1], {"a": 1}, math.nan])
    return f"add key {key!r} at {spot.path}"


def m_tag(ch: Chooser, tree: Any, spot: Spot) -> str:
    tag, value = pick(ch, TAGS)
    if ch.integer(0, 2) == 0:  # the node's own value, tagged
        value = spot.parent[spot.key]
    _set(spot, Tagged(tag, copy.deepcopy(value)))
    return f"{spot.path} tagged {tag}"


def m_alias(ch: Chooser, tree: Any, spot: Spot) -> str:
    how = ch.integer(0, 3)
    containers = _containers(tree)
    if how == 0:  # the same node here and somewhere else
        other = pick(ch, containers)
        _set(spot, other)
        return f"{spot.path} = alias of another node"
    if how == 1:  # a node containing itself: `a: &x [*x]`
        box: list = []
        box.append(box)
        _set(spot, box if ch.integer(0, 1) else {"a": box})
        return f"{spot.path} = recursive alias"
    if how == 2:  # an anchored scalar reused
        old = spot.parent[spot.key]
        shared = Shared(old if isinstance(old, (int, float, str)) else 1)
        _set(spot, shared)
        other = pick(ch, list(spots(tree)))
        other.parent[other.key] = shared
        return f"{spot.path} and {other.path} = shared anchor"
    nested: Any = [spot.parent[spot.key]]  # a small alias tree: 3^depth nodes
    for _ in range(ch.integer(1, 4)):
        nested = [nested, nested, nested]
    _set(spot, nested)
    return f"{spot.path} = alias tree"


def m_merge(ch: Chooser, tree: Any, spot: Spot) -> str:
    target = spot.parent[spot.key]
    if not isinstance(target, dict):
        target = spot.parent if isinstance(spot.parent, dict) else None
    if target is None:
        return m_alias(ch, tree, spot)
    source = pick(ch, [*_containers(tree), 5, "x", None, [1, 2], [{"a": 1}, 3]])
    target[MERGE] = source
    return f"merge key at {spot.path}"


PRIOR_FORMS = [("uniform", "min max"), ("triangular", "min mode max"), ("pert", "min mode max"),
               ("pert", "min mode max lambda"), ("normal", "mean sd"), ("normal", "p10 p90"),
               ("normal", "mean sd min max"), ("lognormal", "mean sd"), ("lognormal", "p10 p90"),
               ("lognormal", "median p90"), ("beta", "alpha beta"), ("beta", "mean sd"),
               ("beta", "alpha beta min max"), ("metalog", "p10 p50 p90"),
               ("metalog", "p10 p50 p90 min"), ("metalog", "p10 p50 p90 min max"),
               ("bernoulli", "p"), ("fixed", "value")]  # fmt: skip
PARAMETERS = [0, 1, 0.5, 2, 10, -1, 1e-9, 0.999999, 100, 1e6, 1e-300, 5e-324, 1e160, 1e300,
              1.7e308, -1e308, HUGE_INT]  # fmt: skip
ORDERED = ("min", "mode", "max", "p10", "p50", "median", "p90")


def m_prior(ch: Chooser, tree: Any, spot: Spot) -> str:
    """A prior of any distribution with parameters from tiny to huge (mostly in order)."""
    dist, names = pick(ch, PRIOR_FORMS)
    keys = names.split()
    values = [pick(ch, PARAMETERS) for _ in keys]
    if ch.integer(0, 3):  # min <= mode <= max, p10 <= p50 <= p90: a fit is attempted
        ordered = iter(sorted(v for n, v in zip(keys, values, strict=True) if n in ORDERED))
        values = [next(ordered) if n in ORDERED else v for n, v in zip(keys, values, strict=True)]
    spec = {"dist": dist, **dict(zip(keys, values, strict=True))}
    _set(spot, spec)
    return f"{spot.path} = {spec}"


# Mutations of what the config says, and of how YAML writes it (tags, aliases, merge keys).
SEMANTIC = [m_delete, m_rename, m_swap_type, m_extreme, m_non_finite, m_string, m_reference,
            m_add_key, m_prior, m_nudge]  # fmt: skip
YAML_LEVEL = [m_tag, m_alias, m_merge]
MUTATIONS = SEMANTIC + YAML_LEVEL


# --- Cases ---------------------------------------------------------------------------


@dataclass
class Case:
    """A mutated document: a config, or an overlay applied to ``config``."""

    base: Path
    text: str
    overlay: bool = False
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        kind = "overlay" if self.overlay else "config"
        return f"{kind} {self.base.relative_to(ROOT)}: {'; '.join(self.steps)}\n{self.text}"


_BASE_TREES: dict[Path, Any] = {}


def _base_tree(path: Path) -> Any:
    if path not in _BASE_TREES:
        _BASE_TREES[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_BASE_TREES[path])


NUMERIC_MUTATIONS = ("m_extreme", "m_non_finite", "m_prior", "m_nudge")


def _preferred(ch: Chooser, mutation: Callable, places: list[Spot]) -> list[Spot]:
    """Numbers for the numeric mutations, three times in four; else any place."""
    if mutation.__name__ not in NUMERIC_MUTATIONS or not ch.integer(0, 3):
        return places
    numbers = [s for s in places if isinstance(s.parent[s.key], (int, float))]
    if mutation.__name__ == "m_prior":  # where a prior may stand: a prior, or a line's field
        numbers += [s for s in places if s.path.startswith("priors.") and s.path.count(".") == 1]
    return numbers or places


def make_case(ch: Chooser, mutations: list[Callable] = MUTATIONS, most: int = 3) -> Case:
    """One to ``most`` ``mutations`` of one example config or overlay."""
    sources = [(p, False) for p in BASE_CONFIGS] + [(p, True) for p in OVERLAYS]
    base, overlay = pick(ch, sources)
    tree = _base_tree(base)
    steps = []
    for _ in range(ch.integer(1, most)):
        places = list(spots(tree))
        if not places:
            break
        mutation = pick(ch, mutations)
        spot = pick(ch, _preferred(ch, mutation, places))
        steps.append(mutation(ch, tree, spot))
    return Case(base, to_yaml(tree), overlay, steps)


# --- The contract --------------------------------------------------------------------


class Hang(BaseException):
    """A case ran past its time limit (a BaseException: nothing on the way may swallow it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in this (main) thread after ``seconds``."""

    def on_alarm(signum, frame):
        raise Hang(f"no outcome within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_names_files(exc: Exception, files: set[str]) -> None:
    """Every problem of a ConfigError names one of ``files`` and a place, on one line."""
    assert exc.problems, "a ConfigError without problems"
    for p in exc.problems:
        assert p.file in files, f"problem without the file ({p.file!r} not in {files}): {p}"
        assert p.path or p.line is not None, f"problem without a place in the file: {p}"
        assert "\n" not in str(p), f"a problem spans several lines: {p!r}"
        assert p.message.strip(), f"a problem without a message: {p!r}"


def check_run(model: Any, files: set[str]) -> str:
    """``run`` gives finite NPV, PV benefits and PV costs in every trial, or a ConfigError."""
    import simulate
    from simulate import ConfigError

    try:
        result = simulate.run(model, trials=RUN_TRIALS, seed=0)
    except ConfigError as exc:
        assert_names_files(exc, files)
        return "run refused"
    for name in CHECKED_OUTPUTS:
        values = getattr(result, name)
        bad = np.flatnonzero(~np.isfinite(values))
        assert bad.size == 0, (
            f"{name} is not finite in {bad.size} of {values.size} trials "
            f"(first: trial {bad[0]}, {values[bad[0]]}) and nothing said so"
        )
    result.summary()
    return "ran"


def _models(path: Path, overlay: Any, files: set[str]) -> Iterator[Any]:
    """The model as written and each of its scenarios (as `simulate validate` loads them)."""
    from simulate import ConfigError, load_config

    model = load_config(path, overlay=overlay)
    yield model
    for scenario in model.scenarios[:MAX_SCENARIOS]:
        try:
            yield load_config(path, scenario=scenario, overlay=overlay)
        except ConfigError as exc:
            assert_names_files(exc, files)


def check_case(case: Case, folder: Path) -> str:
    """Check the contract for one case; the outcome's kind, or an AssertionError."""
    from simulate import ConfigError
    from simulate.config import load_overlay

    written = folder / ("overlay.yaml" if case.overlay else "config.yaml")
    written.write_text(case.text, encoding="utf-8")
    config = OVERLAY_TARGET if case.overlay else written
    files = {str(written), str(config)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            overlay = load_overlay(written) if case.overlay else None
            outcomes = [check_run(model, files) for model in _models(config, overlay, files)]
        except ConfigError as exc:
            assert_names_files(exc, files)
            return "invalid"
    return "ran" if all(o == "ran" for o in outcomes) else "run refused"
