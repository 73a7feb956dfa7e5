"""What a sensitivity analysis may be asked for, and the one check of each request.

The methods, the metrics, the tornado's quantiles, goal-seek targets and
input names are checked here, for :func:`simulate.sensitivity.analyze` and
for the command line alike. A check given ``option`` (the flag the value came
from, such as ``--metric``) names that flag in its message, as the command
line reports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from ..config import Model
from ..errors import ConfigError, did_you_mean

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "METRICS",
    "check_methods",
    "check_metric",
    "check_quantiles",
    "check_target",
    "check_targets",
    "input_index",
    "parse_goal_seek",
    "parse_methods",
    "parse_pair",
    "parse_quantile",
]

METHODS = ("tornado", "spider", "rank", "sobol", "breakeven", "voi", "frontier")
# ``all``: every method but the frontier, which costs a grid of runs and is asked for by name
DEFAULT_METHODS = METHODS[:-1]
METRICS = ("npv", "roi", "payback_months")


@contextmanager
def _for_option(option: str | None) -> Iterator[None]:
    """Prefix the message of a ConfigError raised in the block with ``option``."""
    try:
        yield
    except ConfigError as exc:
        if option is None:
            raise
        raise ConfigError(f"{option}: {exc.problems[0].message}") from None


def check_methods(methods: Iterable[str]) -> tuple[str, ...]:
    """The method names, lower-cased, without repeats; ConfigError for an unknown one."""
    out: list[str] = []
    for m in methods:
        m = str(m).strip().lower()
        if m not in METHODS:
            raise ConfigError(
                f"{m!r} is not a sensitivity method{did_you_mean(m, METHODS)}; "
                f"use any of: {', '.join(METHODS)}",
                path="methods",
            )
        if m not in out:
            out.append(m)
    if not out:
        raise ConfigError(f"no sensitivity methods given; use any of: {', '.join(METHODS)}")
    return tuple(out)


def parse_methods(text: str, *, option: str | None = None) -> tuple[str, ...]:
    """``"tornado,sobol"`` -> ``("tornado", "sobol")``; ``"all"`` -> :data:`DEFAULT_METHODS`.

    Parameters
    ----------
    text
        Comma-separated method names, or ``all``.
    option
        The command-line flag ``text`` came from, named in the error message.
    """
    if str(text).strip().lower() == "all":
        return DEFAULT_METHODS
    with _for_option(option):
        return check_methods(t for t in str(text).split(",") if t.strip())


def check_metric(metric: str, *, option: str | None = None) -> None:
    """ConfigError unless ``metric`` is one of :data:`METRICS`."""
    if metric in METRICS:
        return
    hint = f"{did_you_mean(metric, METRICS)}; use one of: {', '.join(METRICS)}"
    if option is None:
        raise ConfigError(f"{metric!r} is not a sensitivity metric{hint}", path="metric")
    raise ConfigError(f"{option}: {metric!r} is not a metric{hint}")


def parse_quantile(text: str, *, option: str) -> float:
    """A quantile typed on the command line after ``option``: a number strictly in (0, 1)."""
    try:
        q = float(text)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a number; write e.g. 0.1 for P10") from None
    if not 0.0 < q < 1.0:
        raise ConfigError(
            f"{option}: {text} is outside (0, 1); a quantile lies strictly between 0 and 1, "
            "e.g. 0.05 for P5"
        )
    return q


def check_quantiles(
    low_q: float, high_q: float, *, names: tuple[str, str] = ("low_q", "high_q")
) -> None:
    """ConfigError unless ``0 < low_q < high_q < 1``; ``names`` are what the user called them."""
    for name, path, q in zip(names, ("low_q", "high_q"), (low_q, high_q), strict=True):
        if not (isinstance(q, (int, float)) and 0.0 < q < 1.0):
            raise ConfigError(
                f"{name} is {q!r}; a quantile lies strictly between 0 and 1 (e.g. 0.1 for P10)",
                path=path,
            )
    if low_q >= high_q:
        raise ConfigError(
            f"{names[0]} ({low_q:g}) must be below {names[1]} ({high_q:g}), e.g. 0.1 and 0.9",
            path="low_q",
        )


def input_index(model: Model, name: str, *, option: str | None = None) -> int:
    """The position of uncertain input ``name`` in ``model.inputs``; ConfigError if none.

    ``option`` is the command-line flag ``name`` came from, named in the message.
    """
    names = model.input_names
    if name in names:
        return names.index(name)
    fixed = [n for n, p in model.priors.items() if p.is_fixed]
    why = f" ({name!r} is a fixed prior, not an uncertain input)" if name in fixed else ""
    listed = ", ".join(names) or "none"
    with _for_option(option):
        raise ConfigError(
            f"{name!r} is not an uncertain input{why}{did_you_mean(name, names)}; "
            f"the uncertain inputs are: {listed}",
            path="input",
        )


def check_target(target: float, name: str | None = None) -> None:
    """ConfigError unless the goal-seek ``target`` (for input ``name``) lies in (0, 1)."""
    if 0.0 < float(target) < 1.0:
        return
    if name is None:
        raise ConfigError(
            f"the goal-seek target is {target!r}; a probability lies strictly between 0 and 1 "
            "(e.g. 0.8 for 80%)",
            path="goal_seek",
        )
    raise ConfigError(
        f"the goal-seek target for {name!r} is {target!r}; use a probability strictly "
        "between 0 and 1 (e.g. 0.8)",
        path="goal_seek",
    )


def check_targets(model: Model, targets: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """``(input, target)`` pairs as ``(str, float)``, each input and target checked."""
    out = [(str(name), float(t)) for name, t in targets]
    for name, t in out:
        input_index(model, name)
        check_target(t, name)
    return out


def parse_goal_seek(text: str, *, option: str | None = None) -> tuple[str, float]:
    """``"go_live:0.8"`` (or ``80%``) -> ``("go_live", 0.8)``; ConfigError if malformed.

    ``option`` is the command-line flag ``text`` came from, named in the message.
    """
    with _for_option(option):
        name, sep, value = str(text).rpartition(":")
        if not sep or not name:
            raise ConfigError(
                f"{text!r} is not INPUT:TARGET; write e.g. churn_cut:0.8 for P(NPV > 0) = 80%",
                path="goal_seek",
            )
        value = value.strip()
        try:
            target = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
        except ValueError:
            raise ConfigError(
                f"{value!r} in {text!r} is not a probability; write e.g. {name}:0.8",
                path="goal_seek",
            ) from None
        if not 0.0 < target < 1.0:
            raise ConfigError(
                f"the target in {text!r} must lie strictly between 0 and 1 (e.g. 0.8 or 80%)",
                path="goal_seek",
            )
    return name.strip(), target


def parse_pair(text: str, *, option: str | None = None) -> tuple[str, str]:
    """``"churn_cut,go_live"`` -> ``("churn_cut", "go_live")``: the frontier's two inputs.

    ``option`` is the command-line flag ``text`` came from, named in the message.
    """
    names = [t.strip() for t in str(text).split(",")]
    with _for_option(option):
        if len(names) != 2 or not all(names) or names[0] == names[1]:
            raise ConfigError(
                f"{text!r} is not two different inputs A,B; write e.g. churn_cut,go_live",
                path="frontier",
            )
    return names[0], names[1]
