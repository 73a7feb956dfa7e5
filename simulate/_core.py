"""Numba kernels: a matrix of draws in, per-trial outputs out (MODEL.md 3-6).

The model arrives as small tables, one row per benefit or cost line:

- ``code[l]``: the line type (see ``_schema``), ``is_cost[l]``;
- ``mode[l]`` (1 = absolute), ``scurve[l]`` (1 = s_curve ramp);
- ``src[l, s]``: the input column feeding parameter slot ``s``, or -1 for the
  constant ``const[l, s]``;
- ``prof_row[l]``: the row of ``profiles`` holding a scheduled or one_time
  line's per-period amounts.

Nothing here draws random numbers (numba's generators are per thread, so
results would depend on scheduling). ``prange`` runs over fixed-size blocks of
trials; every trial writes only its own output slots, and per-line PV sums
are kept per block and added up afterwards in block order, so the results are
bitwise identical for any number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._irr import irr
from ._schema import (  # line type codes and parameter slots (frozen into the kernels)
    CONVERSION,
    DEFLECT,
    HANDLE,
    PROFILE,
    RECURRING_COST,
    RETENTION,
    SLOT_DECAY,
    SLOT_LAG,
    SLOT_RAMP,
    SLOT_SCALE,
    SPEND,
)

# Trials per parallel work item. Part of the contract only through the order
# in which per-line PV sums are added; outputs do not depend on it otherwise.
BLOCK = 64


@njit(cache=True, inline="always")
def _param(inputs, src, const, line, slot, t):
    j = src[line, slot]
    if j < 0:
        return const[line, slot]
    return inputs[j, t]


@njit(cache=True, inline="always")
def _fill_effect(eff, lag, ramp, decay, scale, scurve):
    """``eff[m] = e(m)`` for m = 0..T (MODEL.md section 3); returns the first month > 0.

    Filled segment by segment (nothing, ramp, full effect) so that each loop
    is branch-free. After full effect the decay factor is ``q ** (tau - ramp)``
    with ``q = (1 - decay) ** (1/12)``: computed exactly at the first decayed
    month, then advanced by one multiplication a month.
    """
    T = eff.shape[0] - 1
    eff[0] = 0.0
    m = 1
    while m <= T and m - lag <= 0.0:
        eff[m] = 0.0
        m += 1
    first = m
    while m <= T and m - lag < ramp:
        x = (m - lag) / ramp
        if scurve:
            x = x * x * (3.0 - 2.0 * x)
        eff[m] = x * scale
        m += 1
    if decay > 0.0:
        if m <= T and m - lag == ramp:  # full effect, not yet decaying
            eff[m] = scale
            m += 1
        if m <= T:
            factor = (1.0 - decay) ** ((m - lag - ramp) / 12.0)
            eff[m] = scale * factor
            m += 1
            q = (1.0 - decay) ** (1.0 / 12.0)
            while m <= T:
                factor *= q
                eff[m] = scale * factor
                m += 1
    else:
        while m <= T:
            eff[m] = scale
            m += 1
    return first


@njit(cache=True, inline="always")
def _line_flows(l, t, inputs, code, mode, scurve, src, const, prof_row, profiles, disc, eff, out):
    """Add line ``l``'s amounts (all >= 0) for trial ``t`` to ``out[0..T]``; return their PV."""
    T = out.shape[0] - 1
    c = code[l]
    pv = 0.0
    scale = _param(inputs, src, const, l, SLOT_SCALE, t)
    if c == PROFILE:
        k = _param(inputs, src, const, l, 0, t) * scale
        row = prof_row[l]
        for m in range(T + 1):
            v = k * profiles[row, m]
            out[m] += v
            pv += v * disc[m]
        return pv
    p0 = _param(inputs, src, const, l, 0, t)
    p1 = _param(inputs, src, const, l, 1, t)
    p2 = _param(inputs, src, const, l, 2, t)
    p3 = _param(inputs, src, const, l, 3, t)
    if c == RECURRING_COST:
        amount, start, end, esc = p0, p1, p2, p3
        k = amount * scale
        years = 0.0
        growth = 1.0
        for m in range(1, T + 1):
            w = min(max(m - start + 1.0, 0.0), 1.0) * min(max(end - m + 1.0, 0.0), 1.0)
            if w > 0.0:
                y = math.floor(max(m - start, 0.0) / 12.0)
                if y != years:  # escalate once a year, not a pow a month
                    years = y
                    growth = (1.0 + esc) ** years
                v = w * k * growth
                out[m] += v
                pv += v * disc[m]
        return pv
    lag = _param(inputs, src, const, l, SLOT_LAG, t)
    ramp = _param(inputs, src, const, l, SLOT_RAMP, t)
    decay = _param(inputs, src, const, l, SLOT_DECAY, t)
    first = _fill_effect(eff, lag, ramp, decay, scale, scurve[l] == 1)
    if c == RETENTION:
        n0, arpu, margin, c0 = p0, p1, p2, p3
        d = _param(inputs, src, const, l, 4, t)
        a = _param(inputs, src, const, l, 5, t)
        absolute = mode[l] == 1
        base = n0
        treated = n0
        for m in range(1, T + 1):
            e = eff[m]
            cm = c0 - d * e if absolute else c0 * (1.0 - d * e)
            cm = max(cm, 0.0)
            base = base * (1.0 - c0) + a
            treated = treated * (1.0 - cm) + a
            v = (treated - base) * arpu * margin
            out[m] += v
            pv += v * disc[m]
        return pv
    if c == CONVERSION:
        leads, p_base, lift, value = p0, p1, p2, p3
        arpu = _param(inputs, src, const, l, 4, t)
        margin = _param(inputs, src, const, l, 5, t)
        churn = _param(inputs, src, const, l, 6, t)
        absolute = mode[l] == 1
        kept = 0.0
        for m in range(1, T + 1):
            e = eff[m]
            dp = lift * e if absolute else p_base * lift * e
            kept = kept * (1.0 - churn) + leads * dp
            v = leads * dp * value + kept * arpu * margin
            out[m] += v
            pv += v * disc[m]
        return pv
    # The rest are a monthly amount times the effect.
    if c == SPEND:
        k = p0 * p1 * p2 * p3
    elif c == HANDLE:
        k = p0 * p1 / 3600.0 * p2
    elif c == DEFLECT:
        k = p0 * p1 * p2
    else:  # RECURRING_BENEFIT
        k = p0
    for m in range(first, T + 1):  # e(m) = 0 before `first`
        v = k * eff[m]
        out[m] += v
        pv += v * disc[m]
    return pv


@njit(cache=True)
def payback(flows):
    """MODEL.md section 6 payback on ``flows[0..T]``; +inf when never."""
    s = 0.0
    dipped = False
    for m in range(flows.shape[0]):
        prev = s
        s += flows[m]
        if not dipped:
            dipped = s < 0.0
        elif s >= 0.0:
            return (m - 1) + (-prev) / flows[m]
    return math.inf if dipped else 0.0


# The per-line helpers above are inlined into the kernel: as calls they cost
# atomic refcount updates on the shared table arrays (2x slower on 2 threads).
# The IRR and payback helpers stay calls: inlining them gained 3% and made the
# first compile five times longer.
@njit(cache=True, parallel=True)
def simulate(
    inputs,  # (k, n) float64 draws, one row per uncertain input
    code,
    is_cost,
    mode,
    scurve,
    src,
    const,
    prof_row,
    profiles,
    disc,  # (T+1,) discount factors
    with_irr,
    npv,
    roi,
    pv_benefits,
    pv_costs,
    payback_months,
    discounted_payback_months,
    irr_out,
    paths,  # (n_paths, T+1) cumulative net cash flow of the first n_paths trials
    discounted_paths,
    block_line_pv,  # (n_blocks, L) per-block sums of each line's PV
):
    """Fill the per-trial outputs for every trial (one column of ``inputs`` each)."""
    n = npv.shape[0]
    n_lines = code.shape[0]
    T1 = disc.shape[0]
    n_paths = paths.shape[0]
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        ben = np.empty(T1)
        cost = np.empty(T1)
        eff = np.empty(T1)
        cf = np.empty(T1)
        cum = np.empty(T1)
        dcf = np.empty(T1)
        for t in range(b * BLOCK, min((b + 1) * BLOCK, n)):
            ben[:] = 0.0
            cost[:] = 0.0
            for l in range(n_lines):
                target = cost if is_cost[l] else ben
                block_line_pv[b, l] += _line_flows(
                    l,
                    t,
                    inputs,
                    code,
                    mode,
                    scurve,
                    src,
                    const,
                    prof_row,
                    profiles,
                    disc,
                    eff,
                    target,
                )
            pvb = 0.0
            pvc = 0.0
            s = 0.0
            for m in range(T1):
                pvb += ben[m] * disc[m]
                pvc += cost[m] * disc[m]
                cf[m] = ben[m] - cost[m]
                dcf[m] = cf[m] * disc[m]
                s += cf[m]
                cum[m] = s
            pv_benefits[t] = pvb
            pv_costs[t] = pvc
            npv[t] = pvb - pvc
            roi[t] = (pvb - pvc) / pvc if pvc != 0.0 else math.nan
            payback_months[t] = payback(cf)
            discounted_payback_months[t] = payback(dcf)
            irr_out[t] = irr(cf, cum) if with_irr else math.nan
            if t < n_paths:
                ds = 0.0
                for m in range(T1):
                    ds += dcf[m]
                    paths[t, m] = cum[m]
                    discounted_paths[t, m] = ds
