"""Stage gates: the ``gates:`` block, where a programme may stop (docs/model.md section 5).

A gate is a decision at a month: continue only if a drawn input passes
(a pilot succeeded, a measured lift reached a threshold). Where it fails,
the lines it governs stop from that month on; the kernel applies it per
trial (:mod:`simulate.kernel.cashflow`), and the engine also runs the
programme without the option to stop, for the value of flexibility.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..errors import control_problem, describe_value, did_you_mean
from ..format import count_months, format_as_written
from .checks import Checks
from .inputs import Inputs
from .line_refs import LineNames, LineRefError
from .loader import join_path
from .model import Gate, Line, Ref
from .numbers import as_yaml_number, percent_as_fraction
from .schema import AMOUNT, FieldSpec
from .settings import MAX_HORIZON
from .support import Support

__all__ = ["GATE", "GATE_KEYS", "read_gates"]

# What each key of a gate is (the JSON Schema's descriptions: simulate schema).
GATE = {
    "name": "what the decision is called in tables and charts (default: gate 1, gate 2, ...)",
    "month": "the whole month of the decision, 1 or more: where the gate fails, the lines it "
    "governs stop from this month on (beyond the horizon it never acts)",
    "continue_if": "the prior the decision reads: a bernoulli flag (continue where it drew 1), "
    "or with at_least: any prior",
    "at_least": "continue where continue_if drew at least this value (needed unless "
    "continue_if only takes the values 0 and 1): above its least value and not above its "
    "greatest (below it for an interval), so that some draws pass and some fail; a fraction "
    "for a fraction (0.2, not 20)",
    "lines": "the benefit and cost lines the gate governs, by path (such as costs[1]) or name "
    "(or label); a name two lines share is an error: give the path; default: every line",
}
GATE_KEYS = tuple(GATE)
# continue_if: any value a prior may take, bounded as an amount is (every sum stays finite)
_FLAG = FieldSpec(
    "continue_if", -1, Support(-math.inf, math.inf), what="the value a gate reads", bound=AMOUNT
)
_ALL = Support(-math.inf, math.inf)
_FRACTION = Support(0.0, 1.0)
# For a threshold on a fixed value (which decides the same in every trial).
_VARY = "{dist: pert, min: 0.1, mode: 0.3, max: 0.6}"


def read_gates(
    raw: Any,
    checks: Checks,
    inputs: Inputs,
    lines: Sequence[Line],
    names: LineNames,
    horizon: int,
    changed: Collection[str] = (),
) -> tuple[Gate, ...]:
    """The ``gates:`` list as :class:`.Gate` s, governing ``lines`` (benefits, then costs).

    ``names`` are the lines as the config writes them, which a gate's ``lines:``
    names. ``changed`` holds the paths a scenario or overlay overrode
    (``priors.adoption``): a threshold that a changed prior makes decide
    nothing is a warning there.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        checks.error(
            "gates",
            "gates: must be a list of decisions, each like "
            "'- {month: 6, continue_if: pilot_succeeds}'",
        )
        return ()
    gates = []
    for g, item in enumerate(raw):
        path = join_path("gates", g)
        if not isinstance(item, Mapping):
            checks.error(
                path,
                f"each gate must be a mapping such as {{month: 6, continue_if: pilot_succeeds}}, "
                f"not {describe_value(item)}",
            )
            continue
        gate = _gate(item, path, g, raw, checks, inputs, (lines, names), changed)
        if gate is not None:
            gates.append(gate)
    seen: dict[str, str] = {}
    for gate in gates:  # one problem per repeated name, where it is repeated
        if gate.name in seen:
            checks.error(
                join_path(gate.path, "name"),
                f"{gate.name!r} is already the name of {seen[gate.name]}; give each gate its "
                "own name",
            )
        seen.setdefault(gate.name, gate.path)
    for gate in gates:
        if gate.month > horizon:
            checks.warnings.append(
                f"{gate.path} is at month {gate.month}, beyond the horizon ({count_months(horizon)}): "
                "it never stops anything"
            )
    return tuple(gates)


def _gate(
    item: Mapping,
    path: str,
    g: int,
    others: list,
    checks: Checks,
    inputs: Inputs,
    lines: tuple[Sequence[Line], LineNames],
    changed: Collection[str],
) -> Gate | None:
    checks.check_keys(item, GATE_KEYS, path, "a gate")
    before = len(checks.problems)
    name = item.get("name")
    if name is None:  # the default, unless a gate is called so: then its path too
        taken = {n.get("name") for n in others if isinstance(n, Mapping)}
        name = f"gate {g + 1}" if f"gate {g + 1}" not in taken else f"gate {g + 1} ({path})"
    elif not isinstance(name, str) or not name.strip():
        checks.error(
            join_path(path, "name"),
            f"a gate's name must be text, not {describe_value(name)}; e.g. name: pilot review",
        )
    elif problem := control_problem(name, "a gate's name"):
        checks.error(join_path(path, "name"), problem)
    month = _month(item, path, checks)
    condition = _condition(item, path, checks, inputs, changed)
    governed = _governed(item.get("lines"), join_path(path, "lines"), checks, *lines)
    if len(checks.problems) > before or month is None or condition is None:
        return None
    flag, written, at_least = condition
    return Gate(str(name), path, month, flag, written, at_least, governed)


def _month(item: Mapping, path: str, checks: Checks) -> int | None:
    where = join_path(path, "month")
    if "month" not in item:
        checks.error(where, "a gate needs month: the whole month of the decision, e.g. month: 6")
        return None
    # Beyond the horizon (after a scenario shortens it) is allowed: the gate never acts.
    month = checks.number(
        item["month"], where, Support(1, MAX_HORIZON), whole=True, what="a whole month", example="6"
    )
    return None if month is None else int(month)


def _condition(
    item: Mapping, path: str, checks: Checks, inputs: Inputs, changed: Collection[str]
) -> tuple[Ref, str, float | None] | None:
    """What the gate reads, its name as written, and ``at_least`` (None: a 0/1 flag)."""
    where = join_path(path, "continue_if")
    if "continue_if" not in item:
        checks.error(
            where,
            "a gate needs continue_if: the prior it reads, e.g. continue_if: pilot_succeeds "
            "(a bernoulli prior)",
        )
        return None
    value = item["continue_if"]
    written = value if isinstance(value, str) else where
    before = len(checks.problems)
    ref, support = inputs.resolve(value, where, _FLAG, _ALL)
    if len(checks.problems) > before:
        return None
    if "at_least" in item:
        here = join_path(path, "at_least")
        at_least = checks.number(item["at_least"], here, _ALL, what="a threshold", example="0.1")
        if at_least is None:
            return None
        # (a prior whose own error is reported where it is declared reads as a constant 0)
        moot = None if where in inputs.unread else _moot(float(at_least), support, value)
        if moot is not None:
            finding, fix, slip = moot
            if slip or not (isinstance(value, str) and f"priors.{value}" in changed):
                checks.error(here, f"{finding}; {fix}")
                return None
            # A scenario or overlay that moves the prior may settle the gate on purpose
            # (a pessimistic case in which the programme always stops): said, not refused.
            checks.warnings.append(f"{here}: {finding}")
        return ref, written, float(at_least)
    # only a discrete prior or a constant takes only some values (an interval from 0 to 1 is no flag)
    values = support.values if support.values is not None else {support.lo, support.hi}
    if (support.values is None and support.lo != support.hi) or not set(values) <= {0.0, 1.0}:
        checks.error(
            where,
            f"continue_if takes values in {support}, not only 0 and 1: make it a bernoulli "
            "prior (e.g. pilot_succeeds: {dist: bernoulli, p: 0.7}), or give the gate "
            "at_least: (continue where the value drawn is at least that)",
        )
        return None
    return ref, written, None  # a 0/1 flag: continue where it drew 1


def _moot(at_least: float, support: Support, value: Any) -> tuple[str, str, bool] | None:
    """Why a threshold decides nothing, its fix, and whether it reads as a percentage; or None.

    A gate fails where the value drawn is below ``at_least``: at or below the
    least value of ``support`` every trial passes (the gate never stops
    anything), above the greatest none does (it stops its lines in every
    trial), as at the top of an interval, which a draw reaches with
    probability 0. A threshold above 1 on a prior within [0, 1] whose
    hundredth would decide is a percentage written as a whole number.
    """
    what = f"prior {value!r}" if isinstance(value, str) else "continue_if"
    lo, hi, shown = support.lo, support.hi, format_as_written(at_least)
    if lo == hi:  # a fixed value: the same decision in every trial, whatever the threshold
        fate = "pass" if at_least <= lo else "fail"
        return (
            f"{what} is fixed at {format_as_written(lo)}, so the gate would {fate} in every trial",
            f"a gate with at_least: needs continue_if to vary: make it a prior such as {_VARY}, "
            "or drop the gate",
            False,
        )
    discrete = support.values is not None
    if at_least <= lo:
        finding = (
            f"{shown} is at or below every value {what} can take, {support}, so the gate "
            "would pass in every trial and never stop anything"
        )
    elif at_least > hi or (not discrete and at_least == hi):
        where = (
            f"above every value {what} can take, {support},"
            if at_least > hi
            else (
                f"the top of the range of {what}, {support}, which a draw reaches with probability 0,"
            )
        )
        finding = f"{shown} is {where} so the gate would fail in every trial"
    else:
        return None
    decides = Support(lo, hi, False, discrete)  # the thresholds some draws pass and some fail
    fraction = percent_as_fraction(at_least) if _FRACTION.contains(support) else None
    if fraction is not None and decides.contains_value(float(fraction)):
        return (
            finding,
            f"{what} is a fraction, so write its threshold as one: did you mean "
            f"{as_yaml_number(fraction)}?",
            True,
        )
    return finding, f"give a threshold in {decides}", False


def _governed(
    value: Any, where: str, checks: Checks, lines: Sequence[Line], names: LineNames
) -> tuple[int, ...]:
    """The indices (into benefits then costs) of the lines named by ``value``; all by default.

    Each entry is a line's path, else its name, else its label (:class:`.LineNames`):
    one that names two lines is an error, as in a scenario's ``lines:``.
    """
    if value is None:
        return tuple(range(len(lines)))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        checks.error(
            where,
            "lines: must be a list of line names, e.g. [Agent assist, Platform licence]",
        )
        return ()
    index = {line.path: i for i, line in enumerate(lines)}
    out: set[int] = set()
    for k, ref in enumerate(value):
        try:
            path = names.find(ref, labels=True)
        except LineRefError as exc:
            checks.error(join_path(where, k), str(exc))
            continue
        if path is None:
            checks.error(
                join_path(where, k),
                f"{describe_value(ref)} is not a line{did_you_mean(str(ref), names.names)}; "
                f"lines: {names.choices() or 'none'}",
            )
        elif path in index:  # (a line with a mistake of its own is not)
            out.add(index[path])
    return tuple(sorted(out))
