"""Hand-made review-pack data (report_data.json's shape, pack-contract.md) for the workbook tests.

:func:`pack` builds a dict that follows the contract key for key from
synthetic trials drawn with a fixed seed, so each block is consistent with
the others (the TEI cells are percentiles of per-trial flows, summary's
percentiles are numpy's). The knobs make the awkward cases: another
currency, a 600-month horizon, 20 inputs, a project that never pays back,
a huge right tail, a comparison, the precision block of issue 13.
"""

from __future__ import annotations

import math

import numpy as np

LEVELS = 2001
OUTPUTS = (
    "npv",
    "pv_benefits",
    "pv_costs",
    "roi",
    "irr",
    "payback_months",
    "discounted_payback_months",
)


def _stats(x: np.ndarray, *, extra: dict | None = None) -> dict:
    """summary.json's statistics of one output: mean, sd, p5..p95 (None where undefined)."""
    finite = x[np.isfinite(x)]
    out = {"mean": float(finite.mean()) if finite.size else None}
    out["sd"] = float(finite.std(ddof=1)) if finite.size > 1 else None
    over = x[~np.isnan(x)]  # ROI, IRR: over the trials where defined; payback: inf stays
    for p in (5, 10, 25, 50, 75, 90, 95):
        with np.errstate(invalid="ignore"):
            q = float(np.percentile(over, p)) if over.size else math.nan
        out[f"p{p}"] = q if math.isfinite(q) else None
    return {**out, **(extra or {})}


def _columns(horizon: int) -> list[str]:
    years = -(-horizon // 12)
    cols = ["Initial"]
    for k in range(1, years + 1):
        last = min(12 * k, horizon)
        label = f"Year {k}"
        if last < 12 * k:
            first = 12 * (k - 1) + 1
            label += f" (month {first})" if first == last else f" (months {first}-{last})"
        cols.append(label)
    return [*cols, "Total", "Present value"]


def _cells(flows: np.ndarray) -> list[dict]:
    """One {p10, p50, p90, mean} per column of a (trials, columns) array."""
    p10, p50, p90 = np.percentile(flows, [10, 50, 90], axis=0)
    mean = flows.mean(axis=0)
    return [
        {"p10": float(a), "p50": float(b), "p90": float(c), "mean": float(d)}
        for a, b, c, d in zip(p10, p50, p90, mean, strict=True)
    ]


def _adjustment(kind: str, mean_pv: float, det_pv: float) -> float | None:
    if det_pv == 0:
        return None
    if kind in ("cost", "total_costs"):
        return mean_pv / det_pv - 1
    return 1 - mean_pv / det_pv


def _line_flows(rng, n, years, size, *, initial=0.0, sigma=0.3, rate=0.1):
    """Per-trial flows of one line: (n, columns) with Initial, years, Total, PV."""
    yearly = size * rng.lognormal(0.0, sigma, (n, years))
    first = np.full((n, 1), initial) * rng.uniform(0.9, 1.4, (n, 1))
    body = np.hstack([first, yearly])
    total = body.sum(axis=1, keepdims=True)
    discount = np.concatenate([[1.0], (1 + rate) ** -np.arange(1, years + 1)])
    pv = (body * discount).sum(axis=1, keepdims=True)
    return np.hstack([body, total, pv])


def _tei(rng, n, horizon, *, benefit_scale, sigma, rate):
    years = -(-horizon // 12)
    specs = [
        ("Handle time saved", "benefit", "handle_time", benefit_scale, 0.0),
        ("Self-service deflection", "benefit", "deflection", benefit_scale / 3, 0.0),
        ("Integration", "cost", "one_time", 0.0, 600_000.0),
        ("Licences (400 seats x $45)", "cost", "recurring", 216_000.0, 0.0),
    ]
    rows, per_kind = [], {"benefit": [], "cost": []}
    for i, (name, kind, typ, size, initial) in enumerate(specs):
        flows = _line_flows(rng, n, years, size, initial=initial, sigma=sigma, rate=rate)
        per_kind[kind].append(flows)
        index = sum(1 for s in specs[:i] if s[1] == kind)
        rows.append((name, kind, typ, f"{kind}s[{index}]", flows))
    benefits, costs = sum(per_kind["benefit"]), sum(per_kind["cost"])
    totals = [
        ("Total benefits", "total_benefits", benefits),
        ("Total costs", "total_costs", costs),
        ("Net benefits", "net_benefits", benefits - costs),
    ]
    ordered = [r for r in rows if r[1] == "benefit"] + [(*totals[0][:2], None, None, totals[0][2])]
    ordered += [r for r in rows if r[1] == "cost"] + [(*totals[1][:2], None, None, totals[1][2])]
    ordered += [(*totals[2][:2], None, None, totals[2][2])]
    out = []
    for name, kind, typ, path, flows in ordered:
        det = [float(v) for v in np.median(flows, axis=0)]
        out.append(
            {
                "name": name,
                "kind": kind,
                "type": typ,
                "path": path,
                "cells": _cells(flows),
                "deterministic": det,
                "risk_adjustment": _adjustment(kind, float(flows[:, -1].mean()), det[-1]),
            }
        )
    return {"columns": _columns(horizon), "trials_used": n, "trials": n, "rows": out}, (
        benefits[:, -1],
        costs[:, -1],
    )


def _assumptions(n_inputs: int) -> list[dict]:
    out = []
    for i in range(n_inputs):
        inline = i == n_inputs - 1 and n_inputs > 2
        fixed = i == 1
        scale = 10.0 ** (i % 7 - 2)  # 0.01 .. 10,000: values of every size
        out.append(
            {
                "name": f"benefits[0].uplift_{i}" if inline else f"input_{i:02d}",
                "inline": inline,
                "used_by": [] if i == 2 else [f"benefits[0].field_{i}"],
                "distribution": f"PERT {3 * scale:g} / {6 * scale:g} / {8 * scale:g} seconds",
                "unit": "seconds",
                "fixed": fixed,
                "p10": 6 * scale if fixed else 4.5 * scale,
                "p50": 6 * scale if fixed else 5.87654321 * scale,
                "p90": 6 * scale if fixed else 7.05 * scale,
                "source": None if i % 3 == 0 else f"vendor pilot {i}, discounted for pilot bias",
                "note": "owner - operations; integration projects overrun" if i % 2 else None,
                "rank": None if fixed or i == 2 else i + 1,
                "swing": None if fixed or i == 2 else 1.8e6 / (i + 1),
            }
        )
    return out


def _drivers(assumptions: list[dict], *, full: bool, sobol: bool) -> dict:
    ranked = [a for a in assumptions if a["rank"] is not None]
    base = 2_955_042.85
    tornado = [
        {
            "input": a["name"],
            "low_q": 0.1,
            "high_q": 0.9,
            "low_value": a["p10"],
            "high_value": a["p90"],
            "metric_low": base - a["swing"] * (0.6 if k % 2 == 0 else -0.3),
            "metric_high": base + a["swing"] * (0.4 if k % 2 == 0 else -0.7),
            "swing": a["swing"],
        }
        for k, a in enumerate(ranked)
    ]
    drivers = {"metric": "npv", "base": base, "tornado": tornado}
    drivers["rank"] = (
        [
            {"input": a["name"], "spearman": 0.9 / (k + 1), "contribution": 0.8 / (k + 1)}
            for k, a in enumerate(ranked)
        ]
        if full
        else None
    )
    drivers["breakeven"] = (
        [
            {
                "input": "input_00",
                "value": 62332.77,
                "note": "NPV is zero at 62.33k; positive above it",
                "base_value": 200000.0,
                "npv_at_base": base,
                "npv_positive": "above",
            },
            {
                "input": "input_03",
                "value": None,
                "note": "none within range: NPV stays positive from 30 to 80",
                "base_value": 58.7,
                "npv_at_base": base,
            },
            {
                "input": "input_04",
                "value": None,
                "note": "NPV is positive at 2 of 3 values",
                "base_value": 2.0,
                "npv_at_base": base,
                "values": [1.0, 2.0, 3.0],
                "positive_at": [2.0, 3.0],
            },
        ]
        if full
        else None
    )
    drivers["voi"] = (
        {
            "evpi": 125_000.0,
            "evppi": [
                {
                    "input": "input_00",
                    "value": 90_000.0,
                    "share_of_evpi": 0.72,
                    "above_noise": True,
                },
                {"input": "input_03", "value": 0.0, "share_of_evpi": None, "above_noise": False},
            ],
            "expected_npv": 2_925_716.7,
            "decision_now": "invest",
            "bins": 50,
            "trials": 4000,
            "noise_floor": 1_200.0,
            "evpi_se": 3_000.0,
            "currency": "USD",
        }
        if full
        else None
    )
    if sobol:
        drivers["sobol"] = {
            "n_base": 256,
            "evaluations": 1792,
            "conf_level": 0.95,
            "n_bootstrap": 1000,
            "indices": [
                {
                    "input": a["name"],
                    "S1": 0.8 / (k + 1),
                    "S1_conf": 0.03,
                    "ST": 0.85 / (k + 1),
                    "ST_conf": 0.1,
                }
                for k, a in enumerate(ranked)
            ],
            "notes": ["Sobol' indices assume independent inputs."],
        }
    return drivers


def _comparison(kind: str | None) -> dict | None:
    if kind is None:
        return None
    diff = {"p10": -350_000.0, "p50": 120_000.0, "p90": 640_000.0, "mean": 131_000.5}
    if kind == "scenarios":
        rows = [
            {
                "a": "as written",
                "b": "conservative",
                "p_a_beats_b": 0.83,
                "p_b_beats_a": 0.16,
                "diff": diff,
                "paired": True,
                "note": "",
            },
            {
                "a": "as written",
                "b": "own seed",
                "p_a_beats_b": None,
                "paired": False,
                "diff": dict.fromkeys(diff),
                "note": "different seeds: not paired",
            },
            {
                "a": "optimistic",
                "b": "as written",
                "p_a_beats_b": 0.61,
                "p_b_beats_a": 0.39,
                "diff": {**diff, "p50": 50_000.0},
            },
        ]
        return {"kind": "scenarios", "baseline": "as written", "rows": rows, "attribution": None}
    rows = [
        {
            "a": "cfo_review",
            "b": "as written",
            "p_a_beats_b": 0.12,
            "p_b_beats_a": 0.87,
            "diff": diff,
        }
    ]
    attribution = [
        {
            "path": "priors.seconds_saved",
            "prob_npv_positive": -0.05,
            "npv_p50": -400_000.0,
            "npv_mean": -390_000.0,
            "note": None,
        },
        {
            "path": "discount_rate",
            "prob_npv_positive": None,
            "npv_p50": None,
            "npv_mean": None,
            "note": "not valid on its own",
        },
    ]
    return {
        "kind": "overlay",
        "baseline": "as written",
        "rows": rows,
        "attribution": attribution,
        "attribution_method": "sequential: each override added in the file's order",
    }


def _summary(name, currency, horizon, outputs, n, *, precision):
    npv, roi, payback = outputs["npv"], outputs["roi"], outputs["payback_months"]
    metrics = {}
    for key in OUTPUTS:
        extra = None
        if key == "npv":
            worst = np.sort(npv)[: max(1, n // 20)]
            extra = {"cvar5": float(worst.mean()), "se_mean": float(npv.std(ddof=1) / math.sqrt(n))}
        elif key in ("roi", "irr"):
            extra = {"defined_fraction": float(np.isfinite(outputs[key]).mean())}
        metrics[key] = _stats(outputs[key], extra=extra)
    positive = float((npv > 0).mean())
    summary = {
        "name": name,
        "config": "configs/contact_center_aht.yaml",
        "scenario": None,
        "overlay": None,
        "config_hash": "783ac7cb",
        "trials": n,
        "seed": 9_223_372_036_854_775_807,  # 2^63 - 1: more digits than a float holds
        "sampling": "random",
        "horizon_months": horizon,
        "discount_rate": 0.1,
        "currency": currency,
        "targets": {"payback_months": 18.0, "roi": 0.5},
        "metrics": metrics,
        "probabilities": {
            "npv_positive": positive,
            "npv_positive_se": math.sqrt(positive * (1 - positive) / n),
            "payback_within_horizon": float(np.isfinite(payback).mean()),
            "payback_within_target": float((payback <= 18.0).mean()),
            "roi_at_least_target": float((np.nan_to_num(roi, nan=-np.inf) >= 0.5).mean()),
        },
        "version": "0.1.0",
    }
    if precision:
        figures = {
            "npv_positive": {
                "estimate": positive,
                "low": max(0.0, positive - 0.004),
                "high": min(1.0, positive + 0.003),
                "method": "Wilson score",
            },
            "npv_p50": {
                "estimate": metrics["npv"]["p50"],
                "low": metrics["npv"]["p50"] - 21_000.0,
                "high": metrics["npv"]["p50"] + 19_500.0,
                "method": "order statistics",
            },
        }
        summary["precision"] = {"level": 0.9, "figures": figures}
    return summary


def pack(
    *,
    name: str = "Agent assist - handle time",
    currency: str = "USD",
    horizon_months: int = 36,
    n_inputs: int = 5,
    trials: int = 4000,
    comparison: str | None = None,
    precision: bool = False,
    full_drivers: bool = True,
    sobol: bool = False,
    never_pays_back: bool = False,
    huge_tail: bool = False,
    seed: int = 7,
) -> dict:
    """A review-pack data dict, as ``simulate.report.data.pack_data`` returns it."""
    rng = np.random.default_rng(seed)
    scale = 60_000.0 if never_pays_back else 1_900_000.0
    tei, (pv_b, pv_c) = _tei(
        rng, trials, horizon_months, benefit_scale=scale, sigma=2.5 if huge_tail else 0.3, rate=0.1
    )
    npv = pv_b - pv_c
    roi = npv / pv_c
    roi[::97] = np.nan  # ROI undefined in some trials
    payback = np.where(npv > 0, rng.uniform(6, horizon_months, trials), np.inf)
    outputs = {
        "npv": npv,
        "pv_benefits": pv_b,
        "pv_costs": pv_c,
        "roi": roi,
        "irr": np.where(npv > 0, rng.uniform(0.1, 3.0, trials), np.nan),
        "payback_months": payback,
        "discounted_payback_months": np.where(np.isfinite(payback), payback * 1.05, np.inf),
    }
    summary = _summary(name, currency, horizon_months, outputs, trials, precision=precision)
    levels = (np.arange(LEVELS) + 0.5) / LEVELS
    roi_q = np.quantile(roi[np.isfinite(roi)], levels)
    assumptions = _assumptions(n_inputs)
    months = list(range(horizon_months + 1))
    cum = [float(v) for v in np.linspace(-1.0, 1.0, horizon_months + 1)]
    data = {
        "format": "simulate-report-data/1",
        "summary": summary,
        "config_file": "configs/contact_center_aht.yaml",
        "description": "AI agent assist across the service contact centre; benefit is handle time saved.",
        "command": "simulate run configs/contact_center_aht.yaml --seed 9223372036854775807 "
        f"--trials {trials} --sampling random",
        "created": "2026-12-02T01:23:45Z",
        "headline": {
            "sentence": f"{name} brings $4.27M of benefit (P10-P90 $3.28M-$5.26M) in present value "
            "at a cost of $1.35M; median ROI 217%; chance of losing money 0%.",
            "benefit_pv": {
                k: summary["metrics"]["pv_benefits"][k] for k in ("p10", "p50", "p90", "mean")
            },
            "cost_pv": {
                k: summary["metrics"]["pv_costs"][k] for k in ("p10", "p50", "p90", "mean")
            },
        },
        "tei": {
            **tei,
            "roi": {
                "p10": summary["metrics"]["roi"]["p10"],
                "p50": summary["metrics"]["roi"]["p50"],
                "p90": summary["metrics"]["roi"]["p90"],
                "mean": summary["metrics"]["roi"]["mean"],
                "deterministic": 2.1,
            },
            "payback_months": {
                k: summary["metrics"]["payback_months"][k] for k in ("p10", "p50", "p90")
            }
            | {"deterministic": None if never_pays_back else 10.2},
        },
        "assumptions": assumptions,
        "drivers": _drivers(assumptions, full=full_drivers, sobol=sobol),
        "comparison": _comparison(comparison),
        "charts": {
            "npv_quantiles": [float(v) for v in np.quantile(npv, levels)],
            "roi_quantiles": [None if i < 30 else float(v) for i, v in enumerate(roi_q)],
            "payback": {"months": months, "prob": [m / horizon_months for m in months]},
            "fan": {
                "months": months,
                "bands": {b: cum for b in ("p10", "p25", "p50", "p75", "p90")},
                "n_paths": 2000,
            },
            "waterfall": [
                [r["name"], r["cells"][-1]["mean"] * (-1 if r["kind"] == "cost" else 1)]
                for r in tei["rows"]
                if r["kind"] in ("benefit", "cost")
            ],
        },
    }
    return data


def trials_columns(n: int, *, seed: int = 3) -> dict[str, np.ndarray]:
    """Per-trial arrays for the Trials sheet: two inputs and the outputs (with NaN and inf)."""
    rng = np.random.default_rng(seed)
    npv = rng.normal(2.9e6, 7.6e5, n)
    payback = rng.uniform(6, 40, n)
    payback[payback > 36] = np.inf
    roi = npv / 1.3e6
    roi[::11] = np.nan
    return {
        "input__seconds_saved": rng.uniform(30, 80, n),
        "input__go_live": rng.uniform(2, 4, n),
        "npv": npv,
        "roi": roi,
        "payback_months": payback,
    }
