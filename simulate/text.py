"""Terminal text: the short tables printed after run, sensitivity, overlay and scenario runs.

Every function takes finished numbers (summary.json, sensitivity.json,
overlay.json or comparison rows, as dicts) and returns text; numbers become
words through :mod:`simulate.format` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .format import format_money, format_months, format_number, format_percent, format_probability

__all__ = ["comparisons_text", "overlay_text", "sensitivity_text", "summary_text"]


def summary_text(summary: dict[str, Any], result_dir: Path | None = None) -> str:
    """The short human summary printed on stdout after a run."""
    cur = summary["currency"]
    m = summary["metrics"]
    p = summary["probabilities"]

    def money(x):
        return "n/a" if x is None else format_money(x, cur)

    def pct(x):
        return "n/a" if x is None else format_percent(x)

    def months(x):
        return format_months(x, summary["horizon_months"])

    title = summary["name"] + (f" [{summary['scenario']}]" if summary.get("scenario") else "")
    rows = [
        title,
        f"  {summary['trials']:,} trials, seed {summary['seed']}, {summary['sampling']} sampling, "
        f"{summary['horizon_months']} months at {summary['discount_rate']:.1%} a year",
        "",
        f"  P(NPV > 0)            {format_probability(p['npv_positive'])}"
        f"  (Monte Carlo s.e. {pct(p['npv_positive_se'])})",
        f"  NPV   P10/P50/P90     {money(m['npv']['p10'])} / {money(m['npv']['p50'])} / "
        f"{money(m['npv']['p90'])}   (mean {money(m['npv']['mean'])})",
        f"  ROI   P10/P50/P90     {pct(m['roi']['p10'])} / {pct(m['roi']['p50'])} / {pct(m['roi']['p90'])}",
        f"  Payback median        {months(m['payback_months']['p50'])}"
        f"   (paid back within the horizon: {format_probability(p['payback_within_horizon'])})",
    ]
    if p.get("payback_within_target") is not None:
        rows.append(f"  P(payback by target)  {format_probability(p['payback_within_target'])}")
    if p.get("roi_at_least_target") is not None:
        rows.append(f"  P(ROI >= target)      {format_probability(p['roi_at_least_target'])}")
    if result_dir is not None:
        rows += ["", f"  Results: {result_dir}"]
    return "\n".join(rows)


def sensitivity_text(
    sens: dict[str, Any],
    *,
    name: str,
    currency: str,
    horizon_months: int,
    top: int = 8,
    result_dir: Path | None = None,
) -> str:
    """The short ranked table printed after a sensitivity analysis.

    One row per input (the ``top`` largest tornado swings, or Sobol' total
    indices without a tornado): the metric at the low and high quantile, the
    swing, the break-even value, Sobol' ST, Spearman's rho and EVPPI, for the
    sections that were computed; then EVPI and any goal seeks.
    """
    metric = sens["metric"]
    label = {"npv": "NPV", "roi": "ROI", "payback_months": "Payback"}[metric]

    def value(v):
        if metric == "payback_months":
            return format_months(v, horizon_months).replace(" months", " mo")
        if v is None:
            return "n/a"
        return format_money(v, currency) if metric == "npv" else format_percent(v)

    def swing(v):
        if v is None:
            return "n/a"
        if metric == "payback_months":
            return "∞" if math.isinf(v) else f"{v:.1f} mo"
        return value(v)

    tornado = sens.get("tornado") or []
    sobol = {r["input"]: r for r in sens.get("sobol", {}).get("indices", [])}
    rank = {r["input"]: r["spearman"] for r in sens.get("rank", [])}
    breakeven = {r["input"]: r for r in sens.get("breakeven", [])}
    voi = sens.get("voi")
    evppi = {r["input"]: r["value"] for r in voi["evppi"]} if voi else {}
    if tornado:
        order = [r["input"] for r in tornado]
    elif sobol:
        order = list(sobol)
    elif rank:
        order = list(rank)
    elif evppi:
        order = list(evppi)
    else:
        order = list(sens["base"]["inputs"])
    by_input = {r["input"]: r for r in tornado}

    head = ["input"]
    if tornado:
        q = f"P{tornado[0]['low_q'] * 100:g} / P{tornado[0]['high_q'] * 100:g}"
        head += [f"{label} at {q}", "swing"]
    if breakeven:
        head.append("NPV = 0 at")
    if sobol:
        head.append("Sobol ST")
    if rank:
        head.append("rank rho")
    if evppi:
        head.append("EVPPI")
    noise = 2.0 * voi["noise_floor"] if voi else 0.0
    table = [head]
    for inp in order[:top]:
        row = [inp if len(inp) <= 32 else inp[:31] + "…"]
        if tornado:
            r = by_input[inp]
            row += [f"{value(r['metric_low'])} / {value(r['metric_high'])}", swing(r["swing"])]
        if breakeven:
            b = breakeven[inp]
            if b["value"] is not None:
                row.append(format_number(b["value"], sig=4))
            elif b.get("positive_at") and len(b["positive_at"]) < len(b.get("values", ())):
                row.append("> 0 only at " + ", ".join(format_number(v) for v in b["positive_at"]))
            else:
                row.append("none in range")
        if sobol:
            s = sobol[inp]
            row.append("n/a" if s["ST"] is None else f"{s['ST']:.2f} ± {s['ST_conf'] or 0:.2f}")
        if rank:
            row.append("n/a" if rank[inp] is None else f"{rank[inp]:+.2f}")
        if evppi:
            v = evppi[inp]
            row.append("~0" if v <= noise else format_money(v, currency))
        table.append(row)
    widths = [max(len(r[c]) for r in table) for c in range(len(head))]

    def line(cells):
        return "  " + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [
        f"Sensitivity of {label}: {name}",
        f"  base case (every input at its median): {label} {value(sens['base']['metric'])}",
        "",
        line(table[0]),
        "  " + "  ".join("-" * w for w in widths),
        *(line(r) for r in table[1:]),
    ]
    if len(order) > top:
        out.append(f"  ... and {len(order) - top} more input(s) in sensitivity.json")
    if voi:
        floor = f" ({format_money(noise, currency)})" if noise > 0 else ""
        out += [
            "",
            f"  EVPI {format_money(voi['evpi'], currency)}: the most that perfect knowledge of "
            f"every input is worth to the decision (now: {voi['decision_now']}, "
            f"expected NPV {format_money(voi['expected_npv'], currency)}).",
            "  EVPPI: the same for one input alone, the most a pilot measuring it is worth; "
            f"~0 means at or below the noise level{floor}.",
        ]
    for g in sens.get("goal_seek", []):
        out.append(
            f"  Goal seek: P(NPV > 0) = {format_probability(g['target'])} via {g['input']}: "
            f"{g['note']}"
        )
    if result_dir is not None:
        out += ["", f"  Results: {result_dir}"]
    return "\n".join(out)


def comparisons_text(name: str, rows: Sequence[Mapping[str, Any]], currency: str) -> str:
    """A short table of paired comparisons for the terminal."""

    def label(x):
        return x or "as written"

    lines = [f"{name}: paired comparisons (same draws, trial by trial)"]
    width = max([len(f"{label(r['a'])} > {label(r['b'])}") for r in rows] + [10])
    lines.append(f"  {'':{width}}  {'P(A > B)':>9}  {'mean A - B':>11}  {'P10 .. P90 of A - B'}")
    for r in rows:
        pair = f"{label(r['a'])} > {label(r['b'])}"
        if not r["paired"]:
            lines.append(f"  {pair:{width}}  {r['note']}")
            continue
        lines.append(
            f"  {pair:{width}}  {format_probability(r['prob_a_above_b']):>9}  "
            f"{format_money(r['npv_diff_mean'], currency):>11}  "
            f"{format_money(r['npv_diff_p10'], currency)} .. "
            f"{format_money(r['npv_diff_p90'], currency)}"
        )
    return "\n".join(lines)


def _pts(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} pts"


def _money(x: float | None, currency: str, sign: bool = False) -> str:
    if x is None:
        return "n/a"
    text = format_money(x, currency)
    return ("+" + text) if sign and x > 0 else text


def overlay_text(report: Mapping[str, Any]) -> str:
    """The overlay's change and its attribution, as a short table for the terminal."""
    cur = report["currency"]
    b, o, d = report["base"], report["overlaid"], report["change"]
    title = report["name"] + (f" [{report['scenario']}]" if report.get("scenario") else "")
    lines = [
        f"Overlay {report['overlay']} ({report['overlay_name']}) on {title}",
        f"  {report['trials']:,} trials, seed {report['seed']}: every run on the same draws",
        "",
        f"  {'':34}{'P(NPV > 0)':>12}{'NPV P50':>12}{'NPV mean':>12}",
        f"  {'as written':34}{format_probability(b['prob_npv_positive']):>12}"
        f"{_money(b['npv_p50'], cur):>12}{_money(b['npv_mean'], cur):>12}",
        f"  {'with the overlay':34}{format_probability(o['prob_npv_positive']):>12}"
        f"{_money(o['npv_p50'], cur):>12}{_money(o['npv_mean'], cur):>12}",
        f"  {'change':34}{_pts(d['prob_npv_positive']):>12}"
        f"{_money(d['npv_p50'], cur, True):>12}{_money(d['npv_mean'], cur, True):>12}",
        f"  P(NPV with the overlay > as written) = "
        f"{format_probability(report['paired']['prob_a_above_b'])} of trials",
        "",
    ]
    att = report["attribution"]
    one = {r["path"]: r for r in att["one_at_a_time"]["rows"]}
    seq = att["sequential"]["rows"]
    if seq:
        lines.append(
            f"  {'Attribution of the change':34}{'one at a time':>24}{'sequential (file order)':>28}"
        )
        lines.append(f"  {'':34}{'P(NPV > 0)':>12}{'NPV P50':>12}{'P(NPV > 0)':>16}{'NPV P50':>12}")
        for r in seq:
            a = one.get(r["path"], {})
            name = r["path"] if len(r["path"]) <= 33 else r["path"][:32] + "…"
            lines.append(
                f"  {name:34}{_pts(a.get('prob_npv_positive')):>12}"
                f"{_money(a.get('npv_p50'), cur, True):>12}"
                f"{_pts(r['prob_npv_positive']):>16}{_money(r['npv_p50'], cur, True):>12}"
            )
        inter = att["one_at_a_time"]["interaction"]
        if inter is not None:
            lines.append(
                f"  {'interaction (total - sum)':34}{_pts(inter['prob_npv_positive']):>12}"
                f"{_money(inter['npv_p50'], cur, True):>12}"
            )
        notes = [f"{r['path']}: {r['note']}" for r in att["one_at_a_time"]["rows"] if r["note"]]
        lines += [f"  note: {n}" for n in notes]
    return "\n".join(lines)
