"""Numba kernels: a block's totals and per-trial outputs from its benefits and costs by month.

:func:`simulate.kernel.cashflow.simulate` inlines these for each block of
trials, after the lines (docs/model.md section 6): the PVs, the net and
cumulative flows, both paybacks, the IRR and the kept cash-flow paths. As in
``cashflow``, the trials are the innermost loop and every recurrence runs
along the months of one lane, so the results do not depend on the SIMD width.
"""

from __future__ import annotations

import math

from numba import njit

from .jitcache import key_on_sources

__all__ = ["block_totals", "irr_and_paths", "store_outputs"]

_NOT_YET = -1.0  # payback lane state: no crossing found yet


@njit(cache=True, inline="always")
def _payback_step(m, s, dipped, month):
    """One month of docs/model.md section 6's payback on one lane: the new (dipped, crossing month).

    With ``s`` the cumulative flow: once it has been below 0 (dipped), the
    first month it is back at or above 0 is the crossing; a later dip does
    not undo it.

    The crossing month is recorded and interpolated after the loop (a
    division on every month of every lane would cost more than the rest).
    """
    hit = dipped and s >= 0.0 and month == _NOT_YET
    return dipped or s < 0.0, m if hit else month


@njit(cache=True, inline="always")
def _payback_result(dipped, month, flows, lane):
    """Payback from a lane's final state: 0 if it never dipped, +inf if it never
    recovered, else interpolated inside the crossing month."""
    if month == _NOT_YET:
        return math.inf if dipped else 0.0
    k = int(month)
    s = 0.0
    for m in range(k):  # S_{k-1}, summed in the same order as in the loop
        s += flows[m, lane]
    return (k - 1) + (-s) / flows[k, lane]


@njit(cache=True, inline="always")
def block_totals(disc, ben, cost, cf, dcf, pvb, pvc, s, ds, dip, ddip, pb, dpb, nb):
    """PVs, net flows, cumulative flows and both paybacks' states, month by month on every lane.

    Net flows are benefits_m - costs_m, as docs/model.md section 6 has them:
    exact ties stay exactly 0.
    """
    pvb[:] = 0.0
    pvc[:] = 0.0
    s[:] = 0.0
    ds[:] = 0.0
    dip[:] = False
    ddip[:] = False
    pb[:] = _NOT_YET
    dpb[:] = _NOT_YET
    for m in range(disc.shape[0]):
        d = disc[m]
        for i in range(nb):
            pvb[i] += ben[m, i] * d
            pvc[i] += cost[m, i] * d
            x = ben[m, i] - cost[m, i]
            cf[m, i] = x
            s[i] += x
            dip[i], pb[i] = _payback_step(m, s[i], dip[i], pb[i])
            dcf[m, i] = x * d
            ds[i] += dcf[m, i]
            ddip[i], dpb[i] = _payback_step(m, ds[i], ddip[i], dpb[i])


@njit(cache=True, inline="always")
def store_outputs(
    t0, nb, pvb, pvc, dip, pb, ddip, dpb, cf, dcf,
    npv, roi, pv_benefits, pv_costs, payback_months, discounted_payback_months, irr,
):  # fmt: skip
    """Write the block's per-trial outputs (IRR NaN until it is solved)."""
    for i in range(nb):
        t = t0 + i
        pv_benefits[t] = pvb[i]
        pv_costs[t] = pvc[i]
        npv[t] = pvb[i] - pvc[i]
        roi[t] = (pvb[i] - pvc[i]) / pvc[i] if pvc[i] != 0.0 else math.nan
        payback_months[t] = _payback_result(dip[i], pb[i], cf, i)
        discounted_payback_months[t] = _payback_result(ddip[i], dpb[i], dcf, i)
        irr[t] = math.nan


@njit(cache=True, inline="always")
def irr_and_paths(
    t0, nb, with_irr, cf, dcf, flow, cum, irr, paths, discounted_paths, annual_irr
):  # fmt: skip
    """Each trial's IRR and, for the first ``paths.shape[0]`` trials, its cumulative paths.

    Per trial, on a contiguous copy of its flows. ``annual_irr`` is
    :func:`simulate.kernel.irr.irr` as the kernel's first-class argument
    (``cashflow.IRR_FUNCTION``).
    """
    n_paths = paths.shape[0]
    for i in range(nb):
        t = t0 + i
        total = 0.0
        for m in range(cf.shape[0]):
            flow[m] = cf[m, i]
            total += flow[m]
            cum[m] = total
        if with_irr:
            irr[t] = annual_irr(flow, cum)
        if t < n_paths:
            dtotal = 0.0
            for m in range(cf.shape[0]):
                dtotal += dcf[m, i]
                paths[t, m] = cum[m]
                discounted_paths[t, m] = dtotal


# A change to any file the kernels are built from recompiles them (see jitcache).
key_on_sources(globals())
