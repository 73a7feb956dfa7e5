"""Load and validate a config into a frozen :class:`.Model`.

Validation happens once, here: after it, the model is trusted by every later
stage. Every problem found is collected (not just the first) and reported as a
:class:`~simulate.errors.ConfigError` naming the file, the path inside it and
the line, with what is allowed and how to fix it. Each part of a config is
read by its own module: :mod:`.settings` (top-level keys), :mod:`.inputs`
(priors and the fields that use them), :mod:`.lines` (benefits and costs),
:mod:`.correlation`; scenarios and overlays are read (:mod:`.overrides`) and
applied (:mod:`.merge`) first.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Problem, did_you_mean
from .checks import Checks
from .correlation import read_correlations
from .gates import read_gates
from .identity import config_hash as identity_hash
from .identity import file_hash
from .inputs import Inputs
from .line_refs import LineNames
from .lines import read_lines
from .loader import join_path, limits_now, read_yaml_file
from .merge import apply_changes, relocate
from .model import Model
from .overrides import Change, Overlay, parse_changes, scenario_name_problems
from .priors import Prior
from .settings import read_settings, read_template

__all__ = ["load_config", "model_from_dict"]


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

    The file is valid only if the config as written and each of its
    scenarios are (as ``simulate validate`` says): a model is returned only
    then, whichever scenario or overlay is asked for, so that no command
    runs a file that ``validate`` refuses.

    Raises
    ------
    ConfigError
        With one problem per mistake found, each naming file, path and line.
    """
    file = str(path)
    raw, lines, data = read_yaml_file(path, "config", data)
    digest = hashlib.sha256(data).digest()
    model = model_from_dict(
        raw, file=file, lines=lines, scenario=scenario, overlay=overlay,
        config_hash=file_hash(digest),
    )  # fmt: skip
    valid = {scenario} if overlay is None else set()  # what this build has shown valid
    problems = _file_problems(raw, lines, file, (file, digest, limits_now()), valid)
    if problems:
        raise ConfigError(problems)
    return model


# The verdicts of _file_problems by (file, the bytes' digest, the limits):
# `run --scenario all` and a batch load one file once per scenario; each
# scenario is built once.
_verdicts: dict[tuple, tuple[Problem, ...]] = {}
_MAX_VERDICTS = 256


def _file_problems(
    raw: Mapping, lines: Mapping[str, int], file: str, key: tuple, valid: set[str | None]
) -> tuple[Problem, ...]:
    """The problems of the config as written and of each of its scenarios (none: valid).

    ``valid`` holds those just built without problems (None: the config as
    written), not built again. Scenarios are read only if the config is valid.
    """
    if key in _verdicts:
        return _verdicts[key]
    problems: list[Problem] = []
    if None not in valid:
        try:
            model_from_dict(raw, file=file, lines=lines)
        except ConfigError as exc:
            problems += exc.problems
    scenarios = raw.get("scenarios")
    if not problems and isinstance(scenarios, Mapping):
        for name in scenarios:
            if name in valid:
                continue
            try:
                model_from_dict(raw, file=file, lines=lines, scenario=name)
            except ConfigError as exc:
                problems += exc.problems
    if len(_verdicts) >= _MAX_VERDICTS:
        _verdicts.clear()
    _verdicts[key] = verdict = tuple(problems)
    return verdict


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
    overrides applied says which were applied. ``config_hash`` identifies
    the config as written (:func:`load_config` gives its file's hash); the
    model's own ``config_hash`` covers the scenario and the overlay too
    (:func:`simulate.config.identity.config_hash`), and the model records the
    overlay (``Model.overlay_record``), as summary.json does.
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
    origins: dict[str, Change] = {}
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
    model, checks = _build(
        raw, file=file, scenario=scenario, config_hash=identity_hash(config_hash, scenario, overlay),
        changed=frozenset(origins),
    )  # fmt: skip
    if checks.problems:
        located = ConfigError(checks.problems).located(file, _line_finder(lines)).problems
        applied = f"with {' and '.join(context)} applied" if context else ""
        raise ConfigError(relocate(located, origins, applied, checks.causes))
    model = replace(model, file_hash=config_hash, warnings=(*notes, *model.warnings))
    if overlay is not None:
        model = replace(
            model, overlay=overlay.stem, overlay_file=overlay.file, overlay_name=overlay.name
        )
    return model


def _heavy_tail(prior: Prior) -> str | None:
    """Why ``prior``'s tail is too heavy for the run's means and their intervals, or None.

    From a tail index ``k >= 1/2`` (:meth:`Prior.tail_index`: a metalog
    bounded on one side) the variance is infinite, so a mean over the trials
    (mean NPV) settles slowly and the t intervals of the precision block,
    which assume a finite variance, come out too narrow.
    """
    k = prior.tail_index()
    if k is None or k < 0.5:
        return None
    upper = math.isinf(prior.support().hi)  # the heavy tail is the unbounded end
    end, fix = ("upper", "p90 nearer p50") if upper else ("lower", "p10 nearer p50")
    what = "its mean is infinite" if k >= 1.0 else "its variance is infinite"
    return (
        f"the {prior.dist}'s {end} tail falls off as a power (tail index {k:.2f}; from 0.5 the "
        f"variance is infinite, from 1 the mean): {what}, so the mean NPV settles slowly and "
        f"its ± intervals are too narrow; give both min: and max:, or a {fix}"
    )


def _build(
    raw: Mapping,
    *,
    file: str | None,
    scenario: str | None,
    config_hash: str,
    changed: frozenset[str] = frozenset(),
) -> tuple[Model, Checks]:
    """Read every part of ``raw`` once; the model is only meaningful without problems.

    ``changed`` holds the paths that a scenario or overlay overrode.
    """
    checks = Checks()
    settings = read_settings(raw, checks)
    inputs = Inputs(checks, raw.get("priors"))
    inputs.read_priors(checks.mapping(raw.get("priors"), "priors", "priors"))
    benefits, costs = read_lines(raw, checks, inputs, settings.horizon_months)
    correlations = read_correlations(raw.get("correlations"), checks, inputs)
    gates = read_gates(raw.get("gates"), checks, inputs, (*benefits, *costs), LineNames(raw),
                       settings.horizon_months, changed)  # fmt: skip
    for name in inputs.priors:
        if name not in inputs.used_by:
            checks.warnings.append(f"prior {name!r} is defined but no field uses it")
    scen = raw.get("scenarios")
    scenarios = tuple(str(k) for k in scen) if isinstance(scen, Mapping) else ()
    if scen is not None and not isinstance(scen, Mapping):
        checks.error("scenarios", "scenarios: must be a mapping of scenario name to overrides")
    for path, message in scenario_name_problems(scen if isinstance(scen, Mapping) else {}):
        checks.error(path, message)
    frozen = inputs.frozen(
        {
            **{line.path: line.display for line in (*benefits, *costs)},
            **{gate.path: gate.name for gate in gates},  # an inline continue_if's label
        }
    )
    for inp in frozen:  # named priors and those written inline in a field
        if (why := _heavy_tail(inp.prior)) is not None:
            where = f"prior {inp.name!r}" if inp.name in inputs.priors else inp.name
            checks.warnings.append(f"{where}: {why}")
    model = Model(
        **asdict(settings),
        priors=dict(inputs.priors),
        inputs=frozen,
        correlations=correlations,
        benefits=tuple(benefits),
        costs=tuple(costs),
        file=file,
        scenario=scenario,
        scenarios=scenarios,
        config_hash=config_hash,
        warnings=tuple(checks.warnings),
        template=read_template(raw, checks),
        gates=gates,
        prior_users={n: tuple(inputs.used_by.get(n, ())) for n in inputs.priors},
    )
    return model, checks


def _line_finder(lines: Mapping[str, int]) -> Callable[[str], int | None]:
    def line_of(path: str) -> int | None:
        # The deepest recorded ancestor of `path` (a missing key sits in its parent).
        while path:
            if path in lines:
                return lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    return line_of


def _apply_scenario(
    raw: Mapping, scenario: str, lines: dict[str, int], file: str | None
) -> tuple[dict, dict[str, Change], list[str]]:
    """``raw`` with the named scenario's overrides applied (see :func:`.apply_changes`)."""
    scenarios = raw.get("scenarios")
    bad_names = scenario_name_problems(scenarios if isinstance(scenarios, Mapping) else {})
    if bad_names:
        raise ConfigError(
            Problem(message, path=path, file=file, line=lines.get(path))
            for path, message in bad_names
        )
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
