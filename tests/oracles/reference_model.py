"""A slow, plain-Python reference implementation of the cash-flow model.

This module is a test oracle. It was written from ``docs/model.md`` (sections 1-6)
alone, without reading the ``simulate`` package, so that the fast engine can
be checked against an independent reading of the spec. It favours being easy
to check line by line against the spec over speed: plain loops over months,
one function per line type, the spec's symbols as variable names.

It does not import ``simulate``.

``reference_trial(config, values)`` computes one trial: ``config`` is the
mapping a YAML config gives after ``yaml.safe_load``, ``values`` the value of
each uncertain input in this trial (prior name, or field path such as
``"benefits[2].uplift"`` for an inline prior).

The small configs with outputs worked out by hand, against which this model
and the kernel are both checked, are in :mod:`oracles.handworked`.
"""

from __future__ import annotations

import math
from itertools import accumulate, pairwise

from scipy.optimize import brentq

__all__ = [
    "effect_multiplier",
    "escalation_factor",
    "gate_stops",
    "irr_annual",
    "payback",
    "reference_trial",
]

DEFAULT_HORIZON_MONTHS = 36  # docs/model.md section 1
DEFAULT_DISCOUNT_RATE = 0.10  # docs/model.md section 1

_REQUIRED = object()  # sentinel: a field without a default


# --------------------------------------------------------------------------
# Section 2: the value of each numeric field in this trial
# --------------------------------------------------------------------------


class LineFields:
    """Reads the fields of one benefit or cost line for one trial.

    A numeric field is a number (fixed), the name of an entry under
    ``priors:`` (drawn once per trial, shared by every field naming it), or an
    inline prior (a mapping with ``dist:``, its own input, keyed in ``values``
    by the field's path ``"benefits[i].field"``). A prior with ``dist: fixed``
    that has no entry in ``values`` uses its ``value``.
    """

    def __init__(self, line: dict, path: str, priors: dict, values: dict, stop=math.inf):
        self.line = line
        self.path = path  # e.g. "benefits[2]"
        self.priors = priors
        self.values = values
        self.stop = stop  # section 5, stage gates: the month a failed gate stops the line

    def number(self, name: str, default=_REQUIRED) -> float:
        """The value of numeric field ``name`` in this trial."""
        if name not in self.line:
            if default is _REQUIRED:
                raise KeyError(f"{self.path}.{name}: required field is missing")
            return float(default)
        raw = self.line[name]
        if isinstance(raw, bool):
            raise ValueError(f"{self.path}.{name}: {raw!r} is not a number")
        if isinstance(raw, str):  # a named prior
            return self._prior_value(key=raw, prior=self.priors.get(raw), where=name)
        if isinstance(raw, dict):  # an inline prior
            return self._prior_value(key=f"{self.path}.{name}", prior=raw, where=name)
        return float(raw)

    def whole(self, name: str, default: int) -> int:
        """A field that must be a fixed whole number (one_time month, spread_months)."""
        raw = self.line.get(name, default)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != int(raw):
            raise ValueError(f"{self.path}.{name}: {raw!r} is not a fixed whole number")
        return int(raw)

    def text(self, name: str, default: str) -> str:
        return self.line.get(name, default)

    def _prior_value(self, key: str, prior: dict | None, where: str) -> float:
        if key in self.values:
            return float(self.values[key])
        if prior is not None and prior.get("dist") == "fixed":
            return float(prior["value"])
        raise KeyError(f"{self.path}.{where}: no value given for uncertain input {key!r}")


# --------------------------------------------------------------------------
# Section 3: timing of an effect
# --------------------------------------------------------------------------


def effect_multiplier(m, lag, ramp, ramp_shape, decay, scale) -> float:
    """e(m) of docs/model.md section 3."""
    tau = m - lag
    if tau <= 0:
        return 0.0
    if ramp == 0:
        x = 1.0
    else:
        x = min(tau / ramp, 1.0)
    if ramp_shape == "s_curve":
        x = x * x * (3 - 2 * x)
    elif ramp_shape != "linear":
        raise ValueError(f"unknown ramp_shape {ramp_shape!r}")
    if tau > ramp:  # after full effect
        x = x * (1 - decay) ** ((tau - ramp) / 12)
    return x * scale


def escalation_factor(m, lag, escalation) -> float:
    """g(m) of docs/model.md section 3: 1 in the first 12 months of effect, then
    times (1 + escalation) each 12 months; m1 = floor(lag) + 1 is the first
    month with tau = m - lag > 0."""
    m1 = math.floor(lag) + 1
    if m < m1:
        return 1.0  # no effect yet: the amount is 0 anyway
    years = (m - m1) // 12
    return (1 + escalation) ** years


def _escalate(f: LineFields, out: list[float]) -> list[float]:
    """A benefit's monthly amounts times g(m) (after the effect, scale and stocks)."""
    lag = f.number("lag", 0)
    escalation = f.number("escalation", 0)
    return [out[0]] + [out[m] * escalation_factor(m, lag, escalation) for m in range(1, len(out))]


def _effect_function(f: LineFields):
    """e(m) for this line, with its timing fields read once for the trial."""
    lag = f.number("lag", 0)
    ramp = f.number("ramp", 0)
    ramp_shape = f.text("ramp_shape", "linear")
    decay = f.number("decay", 0)
    scale = f.number("scale", 1)
    # Section 5, stage gates: a failed gate ends the effect from its month on.
    return lambda m: (
        effect_multiplier(m, lag, ramp, ramp_shape, decay, scale) if m < f.stop else 0.0
    )


# --------------------------------------------------------------------------
# Section 4: benefit types. Each returns amounts for periods 0..T.
# --------------------------------------------------------------------------


def retention_benefit(f: LineFields, T: int) -> list[float]:
    N0 = f.number("customers")
    arpu = f.number("arpu")
    margin = f.number("margin", 1)
    c0 = f.number("base_churn")
    d = f.number("churn_reduction")
    mode = f.text("mode", "relative")
    A = f.number("new_customers_per_month", 0)
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    B = N0  # B_0: customers without the investment
    I = N0  # I_0: customers with the investment
    for m in range(1, T + 1):
        if mode == "relative":
            c_m = max(c0 * (1 - d * e(m)), 0)
        elif mode == "absolute":
            c_m = max(c0 - d * e(m), 0)
        else:
            raise ValueError(f"{f.path}.mode: unknown mode {mode!r}")
        B = B * (1 - c0) + A
        I = I * (1 - c_m) + A
        out[m] = (I - B) * arpu * margin
    return out


def conversion_benefit(f: LineFields, T: int) -> list[float]:
    L = f.number("leads_per_month")
    d = f.number("conversion_lift")
    mode = f.text("mode", "absolute")
    value_per_conversion = f.number("value_per_conversion", 0)
    arpu = f.number("arpu", 0)
    margin = f.number("margin", 1)
    churn = f.number("churn", 0)
    if mode == "relative":
        p0 = f.number("base_conversion")  # needed only in relative mode
    elif mode != "absolute":
        raise ValueError(f"{f.path}.mode: unknown mode {mode!r}")
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    X = 0.0  # X_0: extra customers still paying recurring value
    for m in range(1, T + 1):
        if mode == "absolute":
            dp_m = d * e(m)
        else:
            dp_m = p0 * d * e(m)
        X = X * (1 - churn) + L * dp_m
        out[m] = L * dp_m * value_per_conversion + X * arpu * margin
    return out


def spend_uplift_benefit(f: LineFields, T: int) -> list[float]:
    customers = f.number("customers")
    spend_per_customer = f.number("spend_per_customer")
    uplift = f.number("uplift")
    margin = f.number("margin", 1)
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    for m in range(1, T + 1):
        out[m] = customers * spend_per_customer * uplift * margin * e(m)
    return out


def handle_time_benefit(f: LineFields, T: int) -> list[float]:
    contacts = f.number("contacts_per_month")
    seconds_saved = f.number("seconds_saved")
    cost_per_hour = f.number("cost_per_hour")
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    for m in range(1, T + 1):
        out[m] = contacts * seconds_saved / 3600 * cost_per_hour * e(m)
    return out


def deflection_benefit(f: LineFields, T: int) -> list[float]:
    contacts = f.number("contacts_per_month")
    deflection_rate = f.number("deflection_rate")
    cost_per_contact = f.number("cost_per_contact")
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    for m in range(1, T + 1):
        out[m] = contacts * deflection_rate * cost_per_contact * e(m)
    return out


def recurring_benefit(f: LineFields, T: int) -> list[float]:
    amount = f.number("amount")
    e = _effect_function(f)

    out = [0.0] * (T + 1)
    for m in range(1, T + 1):
        out[m] = amount * e(m)
    return out


def scheduled_line(f: LineFields, T: int) -> list[float]:
    """The ``scheduled`` benefit, and the cost of that name (section 5: "as the benefit")."""
    for name in ("lag", "ramp", "ramp_shape", "decay", "escalation"):
        if name in f.line:
            raise ValueError(f"{f.path}.{name}: not accepted on a scheduled line")
    if "monthly" in f.line and "annual" in f.line:
        raise ValueError(f"{f.path}: monthly and annual exclude each other")
    initial = f.number("initial", 0)
    scale = f.number("scale", 1)
    timing = f.text("timing", "end_of_year")

    out = [0.0] * (T + 1)
    out[0] = initial * scale
    for k, a_k in enumerate(f.line.get("monthly", []), start=1):
        if k <= T:  # beyond the horizon: dropped
            out[k] += a_k * scale
    for k, y_k in enumerate(f.line.get("annual", []), start=1):
        if timing == "end_of_year":
            if 12 * k <= T:
                out[12 * k] += y_k * scale
        elif timing == "spread":
            for m in range(12 * (k - 1) + 1, 12 * k + 1):
                if m <= T:
                    out[m] += y_k / 12 * scale
        else:
            raise ValueError(f"{f.path}.timing: unknown timing {timing!r}")
    return out


# --------------------------------------------------------------------------
# Section 5: cost types (positive amounts, periods 0..T)
# --------------------------------------------------------------------------


def one_time_cost(f: LineFields, T: int) -> list[float]:
    amount = f.number("amount")
    month = f.whole("month", 0)
    spread_months = f.whole("spread_months", 1)
    scale = f.number("scale", 1)

    out = [0.0] * (T + 1)
    for m in range(month, month + spread_months):
        if 0 <= m <= T:  # any part beyond the horizon is dropped
            out[m] += amount / spread_months * scale
    return out


def recurring_cost(f: LineFields, T: int) -> list[float]:
    amount = f.number("amount")
    start_month = f.number("start_month", 1)
    end_month = f.number("end_month", T)
    escalation = f.number("escalation", 0)
    scale = f.number("scale", 1)

    def clip01(x):
        return min(max(x, 0), 1)

    out = [0.0] * (T + 1)
    for m in range(1, T + 1):  # recurring costs fall in months 1..T only
        w = clip01(m - start_month + 1) * clip01(end_month - m + 1)
        years_escalated = math.floor(max(m - start_month, 0) / 12)
        out[m] = w * amount * (1 + escalation) ** years_escalated * scale
    return out


def _escalating(benefit):
    """The benefit ``benefit`` with its ``escalation`` applied (section 3)."""

    def escalated(f: LineFields, T: int) -> list[float]:
        return _escalate(f, benefit(f, T))

    return escalated


BENEFIT_TYPES = {
    "retention": _escalating(retention_benefit),
    "conversion": _escalating(conversion_benefit),
    "spend_uplift": _escalating(spend_uplift_benefit),
    "handle_time": _escalating(handle_time_benefit),
    "deflection": _escalating(deflection_benefit),
    "recurring": _escalating(recurring_benefit),
    "scheduled": scheduled_line,
}

COST_TYPES = {
    "one_time": one_time_cost,
    "recurring": recurring_cost,
    "scheduled": scheduled_line,
}


# --------------------------------------------------------------------------
# Section 6: what each trial yields
# --------------------------------------------------------------------------


def payback(flows: list[float]) -> float:
    """Payback in months on ``flows`` (periods 0..T), docs/model.md section 6."""
    S = list(accumulate(flows))  # S_m = cf_0 + ... + cf_m
    k = next((j for j, S_j in enumerate(S) if S_j < 0), None)
    if k is None:
        return 0.0
    for m in range(k + 1, len(S)):
        if S[m] >= 0:  # first crossing; a later dip does not undo it
            return (m - 1) + (-S[m - 1]) / flows[m]
    return math.inf


def _sign_changes(xs: list[float]) -> int:
    signs = [x > 0 for x in xs if x != 0]  # zeros skipped
    return sum(1 for a, b in pairwise(signs) if a != b)


def _npv_in_log_rate(cf: list[float], x: float) -> float:
    """sum(cf_m * (1 + i) ** -m) with x = log(1 + i), times a positive factor.

    Each term is cf_m * exp(-m x); all are divided by the largest exp(-m x)
    among the nonzero flows, so nothing overflows for large |x|. The factor is
    positive and continuous in x, so the sign and the roots are unchanged.
    """
    terms = [(m, c) for m, c in enumerate(cf) if c != 0]
    top = max(-m * x for m, _ in terms)
    return sum(c * math.exp(-m * x - top) for m, c in terms)


def _first_nonzero_is_positive(xs) -> bool:
    return next(x for x in xs if x != 0) > 0


def _expand_until_sign(f, x: float, positive: bool) -> float:
    """Double x until f(x) is zero or has the sign ``positive`` says."""
    while f(x) != 0 and (f(x) > 0) != positive:
        x *= 2
    return x


def _root(f, lo: float, hi: float) -> float:
    return brentq(f, lo, hi, xtol=1e-15, rtol=4 * 2.220446049250313e-16, maxiter=500)


def irr_annual(cf: list[float]) -> float:
    """Annualised IRR of monthly flows cf_0..cf_T, or NaN, per docs/model.md section 6."""

    def f(x):
        return _npv_in_log_rate(cf, x)

    if _sign_changes(cf) == 1:
        # Rule 1, a conventional investment: one root x in (-inf, inf). As
        # x -> +inf the sum takes the sign of the first nonzero flow, as
        # x -> -inf that of the last. Expand the bracket until it shows them.
        hi = _expand_until_sign(f, 1.0, _first_nonzero_is_positive(cf))
        lo = _expand_until_sign(f, -1.0, _first_nonzero_is_positive(cf[::-1]))
        x = _root(f, lo, hi)
    elif _sign_changes(list(accumulate(cf))) == 1:
        # Rule 2, Norstrom: the unique root with i >= 0, i.e. x >= 0. At x = 0
        # the sum is S_T; as x -> +inf it takes the sign of the first flow,
        # which is the sign of the first nonzero S, opposite to S_T.
        if f(0.0) == 0:
            x = 0.0
        else:
            hi = _expand_until_sign(f, 1.0, _first_nonzero_is_positive(cf))
            x = _root(f, 0.0, hi)
    else:
        return math.nan  # rule 3: not unique, or does not exist
    try:
        return math.expm1(12 * x)  # (1 + i) ** 12 - 1 with 1 + i = exp(x)
    except OverflowError:
        return math.inf


def gate_stops(config: dict, values: dict, priors: dict) -> dict[str, float]:
    """Section 5, stage gates: for each line's path, the earliest month of a failed gate.

    A gate fails where its ``continue_if`` value is below ``at_least`` (a 0/1
    flag: where it is 0). ``lines`` names lines by ``name``, else path, else ``label``.
    """
    lines = [
        (f"{section}[{i}]", line)
        for section in ("benefits", "costs")
        for i, line in enumerate(config.get(section) or [])
    ]
    paths = {}  # a line's name wins over another's path, a path over a label
    for key in ("name", "path", "label"):
        for path, line in lines:
            word = path if key == "path" else line.get(key)
            if word is not None:
                paths.setdefault(word, path)
    stops = dict.fromkeys(set(paths.values()), math.inf)
    for g, gate in enumerate(config.get("gates") or []):
        flag = LineFields(gate, f"gates[{g}]", priors, values).number("continue_if")
        failed = flag < gate.get("at_least", 0.5)  # a 0/1 flag fails where it is 0
        if not failed:
            continue
        names = gate.get("lines")
        governed = set(stops) if names is None else {paths[n] for n in names}
        for path in governed:
            stops[path] = min(stops[path], gate["month"])
    return stops


def reference_trial(config: dict, values: dict[str, float] | None = None, gates=True) -> dict:
    """One trial of the cash-flow model, computed the slow, obvious way.

    Parameters
    ----------
    config : dict
        The mapping a YAML config gives after ``yaml.safe_load``. Only
        ``horizon_months``, ``discount_rate``, ``priors``, ``benefits`` and
        ``costs`` are read, and ``gates`` unless ``gates`` is false (the
        programme without the option to stop).
    values : dict, optional
        The value of each uncertain input in this trial: prior names, and
        field paths such as ``"benefits[2].uplift"`` for inline priors.

    Returns
    -------
    dict
        ``benefits``, ``costs``, ``cf`` (lists over periods 0..T), ``line_pv``
        (benefit lines then cost lines, costs positive), ``pv_benefits``,
        ``pv_costs``, ``npv``, ``roi``, ``payback_months``,
        ``discounted_payback_months``, ``irr``.
    """
    values = {} if values is None else values
    T = int(config.get("horizon_months", DEFAULT_HORIZON_MONTHS))
    r = float(config.get("discount_rate", DEFAULT_DISCOUNT_RATE))
    priors = config.get("priors") or {}

    # Section 1: d_0 = 1, d_m = (1 + r) ** (-m / 12)
    d = [1.0] + [(1 + r) ** (-m / 12) for m in range(1, T + 1)]

    stops = gate_stops(config, values, priors) if gates else {}
    benefit_lines = []
    for i, line in enumerate(config.get("benefits") or []):
        stop = stops.get(f"benefits[{i}]", math.inf)
        fields = LineFields(line, f"benefits[{i}]", priors, values, stop)
        amounts = BENEFIT_TYPES[line["type"]](fields, T)
        if line["type"] == "scheduled":  # no effect: its amounts stop
            amounts = [a if m < stop else 0.0 for m, a in enumerate(amounts)]
        benefit_lines.append(amounts)
    cost_lines = []
    for i, line in enumerate(config.get("costs") or []):
        stop = stops.get(f"costs[{i}]", math.inf)
        fields = LineFields(line, f"costs[{i}]", priors, values, stop)
        amounts = COST_TYPES[line["type"]](fields, T)
        cost_lines.append([a if m < stop else 0.0 for m, a in enumerate(amounts)])

    benefits = [sum(line[m] for line in benefit_lines) for m in range(T + 1)]
    costs = [sum(line[m] for line in cost_lines) for m in range(T + 1)]
    cf = [benefits[m] - costs[m] for m in range(T + 1)]

    line_pv = [sum(line[m] * d[m] for m in range(T + 1)) for line in benefit_lines + cost_lines]
    pv_benefits = sum(benefits[m] * d[m] for m in range(T + 1))
    pv_costs = sum(costs[m] * d[m] for m in range(T + 1))
    npv = pv_benefits - pv_costs
    roi = npv / pv_costs if pv_costs != 0 else math.nan

    return {
        "benefits": benefits,
        "costs": costs,
        "cf": cf,
        "line_pv": line_pv,
        "pv_benefits": pv_benefits,
        "pv_costs": pv_costs,
        "npv": npv,
        "roi": roi,
        "payback_months": payback(cf),
        "discounted_payback_months": payback([cf[m] * d[m] for m in range(T + 1)]),
        "irr": irr_annual(cf),
    }
