"""A plain vectorised numpy implementation of the cash-flow model (baseline).

This is the yardstick ``bench/engine.py`` holds the numba kernel against: the
same model (docs/model.md sections 3-6), read from the same ``Tables`` and
the same ``(k, n)`` matrix of draws, written the way a careful numpy user
would write it without a compiler:

- Python loops over lines and months; every operation is vectorised over
  trials, which are processed in blocks (``block`` trials at a time) so the
  month-by-trial arrays of a block stay in cache;
- parameters are scalars when the config fixes them and rows of the draws
  matrix when they are uncertain, so numpy's broadcasting does the rest, and
  the decay power is skipped for lines without decay;
- payback from cumulative sums and ``argmax`` on boolean masks;
- IRR under section 6's uniqueness rules: sign changes counted month by
  month (zeros skipped), the root bracketed by doubling steps and then
  found by vectorised bisection in ``x = log(1 + monthly rate)``, evaluating
  the NPV by Horner's rule in ``exp(-x)`` (``x >= 0``) or ``exp(x)`` (``x < 0``)
  so that neither overflows. Only the trials whose IRR is still open take
  part in each step.

It is also an independent check of the kernel: ``tests/test_numpy_baseline.py``
asserts that both give the same per-trial outputs on every example config.
"""

from __future__ import annotations

import numpy as np

# The tables' encoding (line type codes, parameter slots) and the output
# names are the kernel's interface, not its arithmetic: shared, not copied.
from simulate.config.schema import (
    CONVERSION,
    DEFLECT,
    HANDLE,
    PROFILE,
    RECURRING_COST,
    RETENTION,
    SLOT_DECAY,
    SLOT_ESCALATION,
    SLOT_LAG,
    SLOT_RAMP,
    SLOT_SCALE,
    SPEND,
)
from simulate.kernel.tables import OUTPUT_NAMES

__all__ = ["DEFAULT_BLOCK", "OUTPUT_NAMES", "numpy_simulate"]

# Trials per block: the fastest of 4k..256k on a 2-core x86 machine (see README).
DEFAULT_BLOCK = 1 << 14
# The IRR bracket is searched out to |x| = 512 (steps 1, 2, 4, ..., 512), as in the kernel.
_MAX_STEP = 512.0
# Bisection stops when the bracket is this narrow relative to x (or after _MAX_BISECT steps).
_X_RTOL = 4e-16
_MAX_BISECT = 100


def numpy_simulate(
    tables, inputs: np.ndarray, *, with_irr: bool = True, block: int = DEFAULT_BLOCK
) -> dict[str, np.ndarray]:
    """Per-trial outputs of docs/model.md section 6 for each column of ``inputs``.

    Parameters
    ----------
    tables
        ``simulate.kernel.tables.Tables`` (``kernel_tables(model)``).
    inputs
        ``(k, n)`` draws, one row per uncertain input.
    with_irr
        Compute the IRR (otherwise it is NaN, as in the kernel).
    block
        Trials processed at a time.

    Returns
    -------
    dict
        ``npv, roi, pv_benefits, pv_costs, payback_months,
        discounted_payback_months, irr``, each of shape ``(n,)``.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    n = inputs.shape[1]
    out = {name: np.empty(n) for name in OUTPUT_NAMES}
    for b0 in range(0, n, block):
        b1 = min(b0 + block, n)
        res = _block(tables, inputs[:, b0:b1], with_irr)
        for name in OUTPUT_NAMES:
            out[name][b0:b1] = res[name]
    return out


def _block(tables, x: np.ndarray, with_irr: bool) -> dict[str, np.ndarray]:
    code, is_cost, mode, scurve, src, const, prof_row, profiles, disc = tables[:9]
    gate_src, gate_const, gate_at, gate_month, governs = tables[9:]
    nb = x.shape[1]
    T1 = disc.shape[0]
    # (months, trials): each month's row is contiguous.
    ben = np.zeros((T1, nb))
    cost = np.zeros((T1, nb))
    for line in range(code.shape[0]):
        params = [x[j] if j >= 0 else float(c) for j, c in zip(src[line], const[line], strict=True)]
        target = cost if is_cost[line] else ben
        # Stage gates (docs/model.md section 5): the earliest month of a failed gate.
        stop = np.full(nb, np.inf)
        for g in np.flatnonzero(governs[line]):
            value = x[gate_src[g]] if gate_src[g] >= 0 else np.full(nb, gate_const[g])
            stop = np.where(value < gate_at[g], np.minimum(stop, gate_month[g]), stop)
        _add_line_flows(
            target, int(code[line]), params, mode[line] == 1, scurve[line] == 1,
            profiles[prof_row[line]] if prof_row[line] >= 0 else None, stop,
        )  # fmt: skip
    dcol = disc[:, None]
    pvb = (ben * dcol).sum(axis=0)
    pvc = (cost * dcol).sum(axis=0)
    cf = ben - cost
    cum = _cumsum(cf)
    dcf = cf * dcol
    with np.errstate(invalid="ignore", divide="ignore"):
        roi = np.where(pvc != 0.0, (pvb - pvc) / pvc, np.nan)
    return {
        "npv": pvb - pvc,
        "roi": roi,
        "pv_benefits": pvb,
        "pv_costs": pvc,
        "payback_months": payback(cf, cum),
        "discounted_payback_months": payback(dcf, _cumsum(dcf)),
        "irr": irr(cf, cum) if with_irr else np.full(nb, np.nan),
    }


# ---------------------------------------------------------------------------
# Sections 3-5: one line's flows, month by month, all trials at once
# ---------------------------------------------------------------------------


def _add_line_flows(out, c, p, absolute, s_curve, profile, stop) -> None:
    """Add a line's per-period amounts (all >= 0) to ``out[0..T]``; none from month ``stop`` on."""
    T = out.shape[0] - 1
    scale = p[SLOT_SCALE]
    running = np.arange(T + 1)[:, None] < stop[None, :]  # (months, trials)
    if c == PROFILE:
        # Amount multiplier times scale, times the line's fixed profile.
        out += np.where(running, profile[:, None] * np.atleast_1d(p[0] * scale)[None, :], 0.0)
        return
    if c == RECURRING_COST:
        amount, start, end, esc = p[0], p[1], p[2], p[3]
        k = amount * scale
        log_growth = np.log1p(esc)  # (1 + esc) ** years as an exp: numpy's pow is scalar code
        for m in range(1, T + 1):
            w = np.clip(m - start + 1.0, 0.0, 1.0) * np.clip(end - m + 1.0, 0.0, 1.0)
            years = np.floor(np.maximum(m - start, 0.0) / 12.0)
            out[m] += np.where(running[m], w * k * np.exp(years * log_growth), 0.0)
        return
    gated = _Effect(p[SLOT_LAG], p[SLOT_RAMP], p[SLOT_DECAY], scale, s_curve)

    def effect(m):  # a failed gate ends the effect
        return np.where(running[m], gated(m), 0.0)

    grow = _Growth(p[SLOT_LAG], p[SLOT_ESCALATION])
    if c == RETENTION:
        n0, arpu, margin, c0, d, a = p[0], p[1], p[2], p[3], p[4], p[5]
        base = n0
        treated = n0
        money = arpu * margin
        for m in range(1, T + 1):
            e = effect(m)
            cm = np.maximum(c0 - d * e if absolute else c0 * (1.0 - d * e), 0.0)
            base = base * (1.0 - c0) + a
            treated = treated * (1.0 - cm) + a
            out[m] += grow((treated - base) * money, m)
        return
    if c == CONVERSION:
        leads, p_base, lift, value, arpu, margin, churn = p[:7]
        per_effect = lift if absolute else p_base * lift
        kept = 0.0
        money = arpu * margin
        for m in range(1, T + 1):
            new = leads * (per_effect * effect(m))
            kept = kept * (1.0 - churn) + new
            out[m] += grow(new * value + kept * money, m)
        return
    if c == SPEND:
        k = p[0] * p[1] * p[2] * p[3]
    elif c == HANDLE:
        k = p[0] * p[1] / 3600.0 * p[2]
    elif c == DEFLECT:
        k = p[0] * p[1] * p[2]
    else:  # RECURRING_BENEFIT
        k = p[0]
    for m in range(1, T + 1):
        out[m] += grow(k * effect(m), m)


class _Growth:
    """A benefit's escalation: its month's amount times ``g(m)``, docs/model.md section 3.

    ``g(m) = (1 + escalation) ** floor((m - m1) / 12)`` from the first month of
    effect ``m1 = floor(lag) + 1`` (1 before it, where the amount is 0). A line
    without escalation is left as it is.
    """

    def __init__(self, lag, escalation):
        self.m1 = np.floor(lag) + 1.0
        self.on = bool(np.any(np.asarray(escalation) != 0.0))
        # (1 + esc) ** years as an exp: numpy's pow is scalar code.
        self.log_growth = np.log1p(escalation)

    def __call__(self, amount, m: int):
        if not self.on:
            return amount
        years = np.floor(np.maximum(m - self.m1, 0.0) / 12.0)
        return amount * np.exp(years * self.log_growth)


class _Effect:
    """``e(m)`` of docs/model.md section 3 for all trials of a block.

    Lag, ramp, decay and scale are each a scalar or an array over trials. The
    phases are folded into clip/maximum arithmetic rather than ``np.where``,
    which is slow on the mixed masks that uncertain lags give.
    """

    def __init__(self, lag, ramp, decay, scale, s_curve):
        self.lag = lag
        self.ramp = ramp
        # Without a ramp, any tau > 0 is full effect: divide by a tiny number.
        self.ramp_div = np.where(np.asarray(ramp) > 0.0, ramp, 1e-300)
        self.s_curve = s_curve
        self.scale = scale
        self.has_decay = bool(np.any(np.asarray(decay) > 0.0))
        # (1 - decay) ** years as exp(years * log(1 - decay)): numpy's pow is scalar code.
        self.log_keep = np.log1p(-np.asarray(decay, dtype=float)) / 12.0

    def __call__(self, m: int):
        tau = m - self.lag
        x = np.clip(tau / self.ramp_div, 0.0, 1.0)  # 0 before the lag, 1 at full effect
        if self.s_curve:
            x = x * x * (3.0 - 2.0 * x)
        e = x * self.scale
        if self.has_decay:
            # exp(0) == 1 up to full effect.
            e = e * np.exp(np.maximum(tau - self.ramp, 0.0) * self.log_keep)
        return e


# ---------------------------------------------------------------------------
# Section 6: payback and IRR on (months, trials) arrays
# ---------------------------------------------------------------------------


def _cumsum(flows: np.ndarray) -> np.ndarray:
    """Cumulative sums down the months (``np.cumsum(axis=0)`` is 20x slower here)."""
    out = np.empty_like(flows)
    np.copyto(out[0], flows[0])
    for m in range(1, flows.shape[0]):
        np.add(out[m - 1], flows[m], out=out[m])
    return out


def payback(flows: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Payback in months (first crossing, interpolated); +inf if never, 0 if no dip."""
    T1, nb = flows.shape
    below = cum < 0.0
    dipped = below.any(axis=0)
    first_below = np.argmax(below, axis=0)
    months = np.arange(T1)[:, None]
    back = (cum >= 0.0) & (months > first_below)
    paid = back.any(axis=0) & dipped
    m = np.argmax(back, axis=0)
    cols = np.arange(nb)
    m_ok = np.where(paid, m, 1)  # any valid month where it is not used
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = -cum[m_ok - 1, cols] / flows[m_ok, cols]
    return np.where(paid, (m_ok - 1) + frac, np.where(dipped, np.inf, 0.0))


def _signs(x: np.ndarray):
    """Sign changes (zeros skipped), first and last non-zero sign, per column."""
    nb = x.shape[1]
    changes = np.zeros(nb, np.int64)
    first = np.zeros(nb)
    last = np.zeros(nb)  # the latest non-zero sign so far
    for row in np.sign(x):
        nonzero = row != 0.0
        changes += nonzero & (last != 0.0) & (row != last)
        np.copyto(first, row, where=first == 0.0)
        np.copyto(last, row, where=nonzero)
    return changes, first, last


def _h(cf: np.ndarray, x: np.ndarray, positive: bool) -> np.ndarray:
    """Sign-faithful NPV at x = log(1 + i): Horner in exp(-x) (x >= 0) or exp(x) (x < 0)."""
    T1 = cf.shape[0]
    acc = np.zeros(cf.shape[1])
    if positive:
        v = np.exp(-x)
        for m in range(T1 - 1, -1, -1):
            acc *= v
            acc += cf[m]
    else:
        w = np.exp(x)
        for m in range(T1):
            acc *= w
            acc += cf[m]
    return acc


def _root(cf: np.ndarray, direction: float, want: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """The root of h on the side ``direction`` of 0, where h(0) = f0 and h -> ``want``.

    Steps out 1, 2, 4, ..., 512 until h has the sign ``want`` (nan if never),
    then bisects the last step.
    """
    positive = direction > 0
    nb = cf.shape[1]
    x = np.full(nb, np.nan)
    inner = np.zeros(nb)  # the near end of the bracket: h has the sign of f0 there
    outer = np.full(nb, np.nan)
    open_ = np.arange(nb)
    step = 1.0
    while step <= _MAX_STEP and open_.size:
        trial = np.full(open_.size, direction * step)
        f = _h(cf.take(open_, axis=1), trial, positive)
        hit = (f == 0.0) | (np.sign(f) == want[open_])
        exact = f == 0.0
        x[open_[exact]] = trial[exact]
        found = hit & ~exact
        outer[open_[found]] = trial[found]
        inner[open_[~hit]] = trial[~hit]
        open_ = open_[~hit]
        step *= 2.0
    # Bisection on [inner, outer] for the trials with a bracket, kept as a start
    # (h has the sign of f0 there) and a signed width, so each step is arithmetic.
    todo = np.flatnonzero(~np.isnan(outer) & np.isnan(x))
    a = inner[todo]
    w = outer[todo] - a
    sub = cf.take(todo, axis=1)
    s0 = np.sign(f0[todo])
    for _ in range(_MAX_BISECT):
        half = 0.5 * w
        f = _h(sub, a + half, positive)
        nonzero = f != 0.0
        a += half * ((np.sign(f) == s0) | ~nonzero)  # move to the midpoint, or stop on a root
        w = half * nonzero
        still = np.abs(w) > _X_RTOL * (1.0 + np.abs(a))
        if not still.any():
            break
        # Drop the trials that have converged (take/compress keep rows contiguous:
        # plain fancy indexing along axis 1 would give strided rows, 4x slower).
        if still.sum() < 0.5 * still.size:
            x[todo[~still]] = a[~still] + 0.5 * w[~still]
            todo, a, w, s0 = todo[still], a[still], w[still], s0[still]
            sub = sub.compress(still, axis=1)
    x[todo] = a + 0.5 * w
    return x


def irr(cf: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Annualised IRR under docs/model.md section 6's uniqueness rules, else nan."""
    nb = cf.shape[1]
    out = np.full(nb, np.nan)
    changes, first, last = _signs(cf)
    f0 = cum[-1]  # h(0): the undiscounted sum
    conventional = changes == 1
    norstrom = ~conventional & (_signs(cum)[0] == 1)
    zero = (conventional | norstrom) & (f0 == 0.0)
    out[zero] = 0.0
    # Rule 1: h -> first as x -> +inf and -> last as x -> -inf; the side of 0 follows f0.
    # Rule 2 (Norstrom): a unique root in (0, inf), which needs h(0) of the other sign.
    below = conventional & ~zero & (np.sign(f0) == first)
    above = (conventional | norstrom) & ~zero & (np.sign(f0) != first)
    for mask, direction, want in ((below, -1.0, last), (above, 1.0, first)):
        idx = np.flatnonzero(mask)
        if idx.size:
            x = _root(cf.take(idx, axis=1), direction, want[idx], f0[idx])
            out[idx] = np.expm1(12.0 * x)
    return out
