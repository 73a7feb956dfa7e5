"""Numba kernels: a matrix of draws in, per-trial outputs out (docs/model.md sections 3-6).

The model arrives as small tables (:mod:`.tables`), one row per benefit or
cost line:

- ``code[l]``: the line type (see ``config/schema``), ``is_cost[l]``;
- ``mode[l]`` (1 = absolute), ``scurve[l]`` (1 = s_curve ramp);
- ``src[l, s]``: the input column feeding parameter slot ``s``, or -1 for the
  constant ``const[l, s]``;
- ``prof_row[l]``: the row of ``profiles`` holding a scheduled or one_time
  line's per-period amounts.

Layout: the kernel walks fixed-size blocks of ``BLOCK`` trials (ranges of
groups of blocks on threads, :mod:`.launch`; the kernel releases the GIL), and
inside a block the trials are the innermost loop (``cf[m, i]`` is month ``m``
of the block's trial ``i``). Every formula is then the same arithmetic on
``BLOCK`` independent lanes, which LLVM turns into SIMD code; the serial
recurrences of docs/model.md (retention, conversion, cumulative sums, payback)
run along the months of each lane, never across trials, so no sum is
reassociated and the results do not depend on the SIMD width.

Nothing here draws random numbers (numba's generators are per thread, so
results would depend on scheduling). Every trial writes only its own output
slots, and per-line PV sums are kept per block and added up afterwards in
block order, so the results are bitwise identical for any number of threads.
No ``fastmath``: its reassociation would make the last bits machine-dependent.

The kernels take the tables' arrays, scratch and output buffers as plain
positional arguments, so they are exempt from the six-parameter rule: the
engine's one call passes them in the order of ``Tables`` and of
``OUTPUT_NAMES``, and the helpers' are their callers' arrays. Helpers marked
``inline="always"`` are inlined into their caller by numba before it is
compiled: splitting a kernel into them costs no speed.
"""

from __future__ import annotations

import math

import numba.experimental.function_type  # noqa: F401  (types a first-class function's value)
import numpy as np
from numba import njit, types

from ..config.schema import (  # line type codes and parameter slots (frozen into the kernels)
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
from . import irr as irr_module
from . import jitcache
from .jitcache import key_on_sources
from .totals import block_totals, irr_and_paths, store_outputs

# Trials per block: the SIMD lanes of every loop. Outputs do not depend on it,
# except through the order in which per-line PV sums are added.
BLOCK = 64
# Blocks per parallel work item (scratch arrays are allocated once per group).
GROUP = 16
# Rows of the per-lane timing table (see _timing).
_LAG, _RAMP, _INV_RAMP, _SCALE, _M0, _FAC, _Q, _STOP = range(8)


@njit(cache=True, inline="always")
def _clip01(x):
    # A select, unlike min/max, which numba lowers to code LLVM will not vectorise.
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@njit(cache=True, inline="always")
def _load(P, inputs, src, const, line, t0, nb):
    """``P[s, i]``: parameter slot ``s`` of ``line`` for trial ``t0 + i``."""
    for s in range(P.shape[0]):
        j = src[line, s]
        if j < 0:
            v = const[line, s]
            for i in range(nb):
                P[s, i] = v
        else:
            for i in range(nb):
                P[s, i] = inputs[j, t0 + i]


@njit(cache=True, inline="always")
def _stop_months(stop, inputs, gate_src, gate_const, gate_at, gate_month, governs, line, t0, nb):
    """``stop[i]``: the month from which trial ``t0 + i``'s failed gates stop ``line`` (else inf).

    A gate governing the line fails in a trial where the value it reads is
    below its threshold (docs/model.md section 5); the earliest failed gate counts.
    """
    for i in range(nb):
        stop[i] = math.inf
    for g in range(gate_src.shape[0]):
        if not governs[line, g]:
            continue
        j = gate_src[g]
        month = gate_month[g]
        for i in range(nb):
            v = inputs[j, t0 + i] if j >= 0 else gate_const[g]
            stop[i] = month if v < gate_at[g] and month < stop[i] else stop[i]


@njit(cache=True, inline="always")
def _timing(P, W, stop, nb, decays):
    """Per-lane constants of e(m) (docs/model.md section 3); returns the first month any lane has effect.

    After full effect (``tau > ramp``) the decay factor is
    ``(1 - decay) ** ((tau - ramp) / 12)``: computed at the first decayed month
    ``M0`` as ``exp(log(q) * (M0 - lag - ramp))`` and then advanced by
    ``q = (1 - decay) ** (1/12)``, one multiplication a month.
    """
    first = math.inf
    last_decay = math.nan
    log_q = 0.0
    q = 1.0
    for i in range(nb):
        lag = P[SLOT_LAG, i]
        ramp = P[SLOT_RAMP, i]
        W[_LAG, i] = lag
        W[_RAMP, i] = ramp
        W[_INV_RAMP, i] = 1.0 / ramp if ramp > 0.0 else math.inf
        W[_SCALE, i] = P[SLOT_SCALE, i]
        W[_STOP, i] = stop[i]
        first = min(first, math.floor(lag) + 1.0)
        W[_M0, i] = math.inf
        W[_FAC, i] = 1.0
        W[_Q, i] = 1.0
        if decays:
            decay = P[SLOT_DECAY, i]
            if decay > 0.0:
                m0 = math.floor(lag + ramp) + 1.0
                if m0 - lag <= ramp:  # rounding in lag + ramp
                    m0 += 1.0
                elif m0 - 1.0 - lag > ramp:
                    m0 -= 1.0
                if decay != last_decay:  # often the same for every lane
                    last_decay = decay
                    log_q = math.log1p(-decay) / 12.0
                    q = math.exp(log_q)
                W[_M0, i] = m0
                W[_FAC, i] = math.exp(log_q * (m0 - lag - ramp))
                W[_Q, i] = q
    return int(first)


@njit(cache=True, inline="always")
def _effect(W, i, m, scurve):
    """``e(m)`` of lane ``i``, and advance its decay factor past month ``m``.

    0 from the month a failed gate stops the line (``W[_STOP, i]``) on.
    """
    lag = W[_LAG, i]
    tau = m - lag
    x = tau * W[_INV_RAMP, i]
    if scurve:
        x = x * x * (3.0 - 2.0 * x)
    decayed = m >= W[_M0, i]
    stored = W[_FAC, i]
    fac = stored if decayed else 1.0
    W[_FAC, i] = stored * W[_Q, i] if decayed else stored
    e = x if tau < W[_RAMP, i] else fac
    return e * W[_SCALE, i] if tau > 0.0 and m < W[_STOP, i] else 0.0


@njit(cache=True, inline="always")
def _profile_line(P, S, stop, profile, disc, out, lpv, nb):
    """A scheduled or one_time line: its fixed per-period amounts times amount and scale,
    until a failed gate stops it (``stop``)."""
    for i in range(nb):
        S[0, i] = P[0, i] * P[SLOT_SCALE, i]
    for m in range(out.shape[0]):
        a = profile[m]
        d = disc[m]
        for i in range(nb):
            v = S[0, i] * a if m < stop[i] else 0.0
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, inline="always")
def _recurring_cost_line(P, S, stop, disc, out, lpv, nb):
    """A recurring cost between start_month and end_month, escalated once a year, until a
    failed gate stops it (``stop``)."""
    for i in range(nb):
        S[0, i] = P[0, i] * P[SLOT_SCALE, i]  # amount * scale
        S[1, i] = 12.0  # months after start_month of the next escalation
        S[2, i] = 1.0  # (1 + escalation) ** floor(max(m - start_month, 0) / 12)
    for m in range(1, out.shape[0]):
        d = disc[m]
        for i in range(nb):
            start = P[1, i]
            w = _clip01(m - start + 1.0) * _clip01(P[2, i] - m + 1.0) if m < stop[i] else 0.0
            # A year passes when m - start reaches the next multiple of 12
            # (at most one a month); compared, not divided, so it is exact.
            # No escalating once the cost has ended (w = 0), where an
            # overflow to inf would give 0 * inf.
            step = m - start >= S[1, i] and w > 0.0
            g = S[2, i] * (1.0 + P[3, i]) if step else S[2, i]
            S[1, i] = S[1, i] + 12.0 if step else S[1, i]
            S[2, i] = g
            v = w * S[0, i] * g
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, inline="always")
def _escalate(P, W, amounts, disc, out, lpv, nb):
    """Add a benefit's ``amounts`` times its escalation ``g(m)`` to ``out``, their PV to ``lpv``.

    ``g(m) = (1 + escalation) ** floor((m - m1) / 12)`` from the line's first
    month of effect ``m1 = floor(lag) + 1`` (docs/model.md section 3; before
    ``m1`` the amounts are 0). A year passes when ``m`` reaches the lane's
    next step month ``m1 + 12k`` (at most one a month): compared, not
    divided, so it is exact, as for a recurring cost. Within any horizon (at
    most 600 months) ``g <= 2 ** 49``: no overflow, so no ``0 * inf``.
    """
    for i in range(nb):  # W's rows are free again: the line's e(m) is done
        lpv[i] = 0.0
        W[0, i] = 1.0  # g
        W[1, i] = math.floor(P[SLOT_LAG, i]) + 13.0  # m1 + 12: the 13th month of effect
        W[2, i] = 1.0 + P[SLOT_ESCALATION, i]
    for m in range(1, out.shape[0]):
        d = disc[m]
        for i in range(nb):
            step = m >= W[1, i]
            g = W[0, i] * W[2, i] if step else W[0, i]
            W[1, i] = W[1, i] + 12.0 if step else W[1, i]
            W[0, i] = g
            v = amounts[m, i] * g
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, inline="always")
def _retention_line(absolute, scurve, P, W, S, disc, out, lpv, nb):
    """Retention: the margin of the customers the lower churn keeps (docs/model.md 4)."""
    for i in range(nb):
        S[0, i] = P[0, i]  # B_m, customers without the programme
        S[1, i] = P[0, i]  # I_m, with it
    for m in range(1, out.shape[0]):
        d = disc[m]
        for i in range(nb):
            e = _effect(W, i, m, scurve)
            c0 = P[3, i]
            dd = P[4, i]
            cm = c0 - dd * e if absolute else c0 * (1.0 - dd * e)
            cm = cm if cm > 0.0 else 0.0
            a = P[5, i]
            base = S[0, i] * (1.0 - c0) + a
            treated = S[1, i] * (1.0 - cm) + a
            S[0, i] = base
            S[1, i] = treated
            v = (treated - base) * P[1, i] * P[2, i]
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, inline="always")
def _conversion_line(first, absolute, scurve, P, W, S, disc, out, lpv, nb):
    """Conversion: value per extra conversion plus the margin of converts still paying."""
    for i in range(nb):
        S[0, i] = 0.0  # X_m, converted customers still paying
    for m in range(first, out.shape[0]):
        d = disc[m]
        for i in range(nb):
            e = _effect(W, i, m, scurve)
            leads = P[0, i]
            dp = P[2, i] * e if absolute else P[1, i] * P[2, i] * e
            kept = S[0, i] * (1.0 - P[6, i]) + leads * dp
            S[0, i] = kept
            v = leads * dp * P[3, i] + kept * P[4, i] * P[5, i]
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, inline="always")
def _effect_line(c, first, scurve, P, W, S, disc, out, lpv, nb):
    """spend_uplift, handle_time, deflection, recurring: a monthly amount times e(m)."""
    for i in range(nb):
        p0 = P[0, i]
        if c == SPEND:
            k = p0 * P[1, i] * P[2, i] * P[3, i]
        elif c == HANDLE:
            k = p0 * P[1, i] / 3600.0 * P[2, i]
        elif c == DEFLECT:
            k = p0 * P[1, i] * P[2, i]
        else:  # RECURRING_BENEFIT
            k = p0
        S[0, i] = k
    for m in range(first, out.shape[0]):
        d = disc[m]
        for i in range(nb):
            v = S[0, i] * _effect(W, i, m, scurve)
            out[m, i] += v
            lpv[i] += v * d


@njit(cache=True, error_model="numpy")
def _line_block(
    c, absolute, scurve, decays, escalates, P, W, S, stop, profile, disc, out, E, lpv, nb
):  # fmt: skip
    """Add a line's amounts (all >= 0) to ``out[:, :nb]`` and their PV to ``lpv``.

    ``c`` is the line's type code and ``P`` its parameters per lane
    (``_load``), ``stop`` the month each lane's failed gates stop it (inf
    where none does); ``W``, ``S`` and ``E`` are scratch. ``out`` is the
    block's benefits or its costs. A call, not inlined into :func:`simulate`:
    that cuts a cold compile from 44 s to 19 s for about 3% of warm speed
    (bench/README.md); and a call through a pointer (:data:`LINE_FUNCTION`),
    so the kernel compiles without it, beside it on a cold start.

    A benefit that ``escalates`` writes its amounts to ``E`` first, and
    :func:`_escalate` adds them to ``out`` month by month times ``g(m)``: the
    benefit formulas stay as they are, and a line without escalation runs
    exactly the code (and gives exactly the bits) it did before there was any.
    """
    for i in range(nb):
        lpv[i] = 0.0
    if c == PROFILE:
        _profile_line(P, S, stop, profile, disc, out, lpv, nb)
    elif c == RECURRING_COST:
        _recurring_cost_line(P, S, stop, disc, out, lpv, nb)
    else:
        if escalates:
            E[:] = 0.0
        amounts = E if escalates else out
        first = _timing(P, W, stop, nb, decays)
        if c == RETENTION:
            _retention_line(absolute, scurve, P, W, S, disc, amounts, lpv, nb)
        else:
            # Before `first` every lane has e(m) = 0: nothing to add
            # (conversion's X_m stays 0 there too).
            first = max(first, 1)
            if c == CONVERSION:
                _conversion_line(first, absolute, scurve, P, W, S, disc, amounts, lpv, nb)
            else:
                _effect_line(c, first, scurve, P, W, S, disc, amounts, lpv, nb)
        if escalates:
            _escalate(P, W, E, disc, out, lpv, nb)


@njit(cache=True, inline="always")
def _keep_line_flows(line, t0, nb, lout, target, disc, edges, line_flows, flows_at, A):
    """Add one line's amounts ``lout`` to ``target`` and keep its flows per column.

    ``line_flows[line, :, flows_at + t]`` of the block's trials ``t`` that
    are kept: the amount of month 0, the amount of each year (the cumulative
    sum at month ``edges[k]`` minus that at ``edges[k - 1]``), the total, and
    the line's PV. The cumulative sums and the PV run month by month from 0,
    in the order the kernel sums a one-line model's net path and PV, so the
    cells are the bits of that model's (``report/tei.py``).
    """
    keep = min(nb, line_flows.shape[2] - flows_at - t0)
    n_edges = edges.shape[0]
    for i in range(nb):
        A[0, i] = 0.0  # the cumulative amount
        A[1, i] = 0.0  # the PV
        A[2, i] = 0.0  # the cumulative amount at the last edge
    k = 0
    for m in range(disc.shape[0]):
        d = disc[m]
        for i in range(nb):
            v = lout[m, i]
            target[m, i] += v
            A[0, i] += v
            A[1, i] += v * d
        if k < n_edges and m == edges[k]:
            for i in range(keep):
                cum = A[0, i]
                cell = cum - A[2, i] if k > 0 else cum
                line_flows[line, k, flows_at + t0 + i] = cell + 0.0  # no -0.0
                A[2, i] = cum
            k += 1
    for i in range(keep):
        line_flows[line, n_edges, flows_at + t0 + i] = A[0, i] + 0.0
        line_flows[line, n_edges + 1, flows_at + t0 + i] = A[1, i] + 0.0


@njit(cache=True, inline="always")
def _block_lines(
    b, t0, nb, inputs, code, is_cost, mode, scurve, src, const, prof_row, profiles,
    no_profile, disc, gates, P, W, S, stop, ben, cost, lpv, block_line_pv,
    edges, line_flows, flows_at, lout, A, E, line_block,
):  # fmt: skip
    """Block ``b``'s benefits and costs by month, each line's PV summed into ``block_line_pv[b]``.

    For a block with trials to keep (``line_flows``), each line's amounts go
    to ``lout`` first, then into the block's benefits or costs, the same
    bits as when added directly (a sum from +0.0 is never -0.0).
    """
    ben[:] = 0.0
    cost[:] = 0.0
    keep = flows_at + t0 < line_flows.shape[2]
    gate_src, gate_const, gate_at, gate_month, governs = gates
    for line in range(code.shape[0]):
        _load(P, inputs, src, const, line, t0, nb)
        _stop_months(stop, inputs, gate_src, gate_const, gate_at, gate_month, governs, line,
                     t0, nb)  # fmt: skip
        c = code[line]
        decays = src[line, SLOT_DECAY] >= 0 or const[line, SLOT_DECAY] > 0.0
        # Slot 7 is a benefit's escalation; no cost or scheduled line uses it.
        escalates = src[line, SLOT_ESCALATION] >= 0 or const[line, SLOT_ESCALATION] != 0.0
        profile = profiles[prof_row[line]] if c == PROFILE else no_profile
        target = cost if is_cost[line] else ben
        if keep:
            lout[:] = 0.0
        line_block(
            c, mode[line] == 1, scurve[line] == 1, decays, escalates,
            P, W, S, stop, profile, disc, lout if keep else target, E, lpv, nb,
        )  # fmt: skip
        if keep:
            _keep_line_flows(line, t0, nb, lout, target, disc, edges, line_flows, flows_at, A)
        total = 0.0
        for i in range(nb):
            total += lpv[i]
        block_line_pv[b, line] = total


@njit(cache=True, nogil=True, error_model="numpy")
def simulate(
    inputs, code, is_cost, mode, scurve, src, const, prof_row, profiles, disc,
    gate_src, gate_const, gate_at, gate_month, governs, with_irr,
    npv, roi, pv_benefits, pv_costs, payback_months, discounted_payback_months, irr,
    paths, discounted_paths, block_line_pv, edges, line_flows, flows_at, line_block,
    irr_function, g_start, g_stop,
):  # fmt: skip
    """Fill the per-trial outputs of groups ``g_start`` to ``g_stop - 1`` of blocks of trials.

    Each group is ``GROUP`` blocks of ``BLOCK`` trials (one column of ``inputs``
    each). The kernel releases the GIL: :func:`simulate.engine.evaluate` runs
    disjoint ranges of groups on its threads, and no trial's outputs depend on
    which thread or range computed it.

    Parameters
    ----------
    inputs
        ``(k, n)`` float64 draws, one row per uncertain input.
    code, is_cost, mode, scurve, src, const, prof_row, profiles, disc
        The model as :class:`.tables.Tables` (``disc``: the ``(T+1,)``
        discount factors).
    gate_src, gate_const, gate_at, gate_month, governs
        The stage gates, as :class:`.tables.Tables` has them (none: the
        programme without the option to stop).
    with_irr
        Solve each trial's IRR (else it is NaN).
    npv, roi, pv_benefits, pv_costs, payback_months, discounted_payback_months, irr
        The ``(n,)`` outputs, written in place, in the order of
        :data:`.tables.OUTPUT_NAMES`.
    paths, discounted_paths
        ``(n_paths, T+1)``: the cumulative (discounted) net cash flow of the
        first ``n_paths`` trials, written in place.
    block_line_pv
        ``(n_blocks, L)``: each block's sum of each line's PV, written in place.
    edges, line_flows, flows_at
        ``edges``: the months closing each column (0, 12, 24, ..., T).
        ``line_flows``: ``(L, len(edges) + 2, n_keep)``; trial ``t`` of this
        call, if ``flows_at + t < n_keep``, writes its flows of each line per
        column (see :func:`_keep_line_flows`) to ``line_flows[:, :, flows_at + t]``.
    line_block, irr_function
        :data:`LINE_FUNCTION` and :data:`IRR_FUNCTION`: :func:`_line_block` and
        :func:`simulate.kernel.irr.irr` as first-class functions, called
        through pointers, so that the kernel compiles without them.
    g_start, g_stop
        The range of groups of blocks to compute.
    """
    n = npv.shape[0]
    T1 = disc.shape[0]
    n_blocks = (n + BLOCK - 1) // BLOCK
    for g in range(g_start, g_stop):
        # Scratch, allocated once per group of blocks. The line function gets
        # only arrays private to this call: its calls then update no
        # reference count shared between threads.
        local_disc = disc.copy()
        local_profiles = profiles.copy()
        no_profile = np.zeros(T1)
        P = np.empty((src.shape[1], BLOCK))
        W = np.empty((8, BLOCK))
        S = np.empty((3, BLOCK))
        ben = np.empty((T1, BLOCK))
        cost = np.empty((T1, BLOCK))
        cf = np.empty((T1, BLOCK))
        dcf = np.empty((T1, BLOCK))
        lpv = np.empty(BLOCK)
        stop = np.empty(BLOCK)
        pvb = np.empty(BLOCK)
        pvc = np.empty(BLOCK)
        s = np.empty(BLOCK)
        ds = np.empty(BLOCK)
        dip = np.empty(BLOCK, np.bool_)
        ddip = np.empty(BLOCK, np.bool_)
        pb = np.empty(BLOCK)
        dpb = np.empty(BLOCK)
        flow = np.empty(T1)
        cum = np.empty(T1)
        lout = np.empty((T1, BLOCK))
        E = np.empty((T1, BLOCK))  # an escalating benefit's amounts before g(m)
        A = np.empty((3, BLOCK))
        for b in range(g * GROUP, min((g + 1) * GROUP, n_blocks)):
            t0 = b * BLOCK
            nb = min(BLOCK, n - t0)
            _block_lines(
                b, t0, nb, inputs, code, is_cost, mode, scurve, src, const, prof_row,
                local_profiles, no_profile, local_disc,
                (gate_src, gate_const, gate_at, gate_month, governs),
                P, W, S, stop, ben, cost, lpv, block_line_pv,
                edges, line_flows, flows_at, lout, A, E, line_block,
            )  # fmt: skip
            block_totals(disc, ben, cost, cf, dcf, pvb, pvc, s, ds, dip, ddip, pb, dpb, nb)
            store_outputs(
                t0, nb, pvb, pvc, dip, pb, ddip, dpb, cf, dcf,
                npv, roi, pv_benefits, pv_costs, payback_months, discounted_payback_months, irr,
            )  # fmt: skip
            if with_irr or t0 < paths.shape[0]:
                irr_and_paths(t0, nb, with_irr, cf, dcf, flow, cum, irr, paths, discounted_paths,
                              irr_function)  # fmt: skip


# The argument types of _line_block, as the kernel calls it.
_F1, _F2, _B = types.float64[::1], types.float64[:, ::1], types.boolean
LINE_BLOCK_SIGNATURE = (
    types.int64, _B, _B, _B, _B,  # c, absolute, scurve, decays, escalates
    _F2, _F2, _F2, _F1, _F1, _F1,  # P, W, S, stop, profile, disc
    _F2, _F2, _F1, types.int64,  # out, E, lpv, nb
)  # fmt: skip


# The kernel's callees, passed to it as first-class functions (see jitcache.FirstClass).
LINE_FUNCTION = jitcache.FirstClass(_line_block, types.none, LINE_BLOCK_SIGNATURE)
IRR_FUNCTION = jitcache.FirstClass(irr_module.irr, types.float64, irr_module.IRR_SIGNATURE)
CALLEES = (LINE_FUNCTION, IRR_FUNCTION)


# A change to any file the kernels are built from recompiles them (see jitcache).
key_on_sources(globals())
