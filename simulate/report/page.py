"""What report.html says, as text: the data's numbers put into words and table cells.

:func:`page_view` turns ``report_data.json`` into plain strings and lists
that the template (``templates/report.html.j2``) lays out and escapes; it
decides nothing about markup. Numbers become text through
:mod:`simulate.format` only, so the page and the terminal agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..format import (
    count_months,
    format_discount_rate,
    format_money,
    format_months,
    format_number,
    format_percent,
    format_probability,
)
from ..sensitivity.labels import format_value
from .flexibility import flexibility_of, flexibility_view
from .frontier import frontier_view
from .tei_rows import printed_lines
from .words import override_words

__all__ = ["MAX_YEAR_COLUMNS", "page_view", "prior_labels", "tei_view"]

# A table of more year columns than this does not fit a printed page: the
# first years are shown one by one, the middle ones as one column of summed
# means, the last year on its own (see tei_view). Eight were 918 px wide in
# print (A4 holds 718): Total, Present value and the deterministic columns were
# cut off; five and an en dash in each range keep 12 lines of 600 months in JPY
# to 688 px (tests/test_report_html.py measures it in a browser).
MAX_YEAR_COLUMNS = 5
# Rows of the assumptions register a printed page keeps (the screen has every row): ten,
# so that 25 inputs of 60-character labels leave the second sheet room to spare.
PRINT_INPUTS = 10
Z95 = 1.959963984540054  # two-sided 95% normal quantile
# A mean is shown beside a median when they differ by more than this share of the P10-P90 width.
MATERIAL = 0.10


def _money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else format_money(value, currency)


def _accounting(value: float | None, currency: str) -> str:
    """Money as a financial statement prints it: a negative amount in parentheses."""
    if value is None:
        return "n/a"
    text = format_money(abs(value), currency)
    return f"({text})" if value < 0 and text != format_money(0, currency) else text


def _percent(value: float | None) -> str:
    return "n/a" if value is None else format_percent(value)


def _interval(fig: Mapping[str, Any] | None, fmt) -> str:
    """A precision figure of summary.json (issue 13) as ``95%: a to b``."""
    if not fig or fig.get("low") is None or fig.get("high") is None:
        return ""
    return f"95% interval {fmt(fig['low'])} to {fmt(fig['high'])}"


def _pp(value: float) -> str:
    """A half-width of a probability, in percentage points."""
    pts = value * 100
    return f"{pts:.2g} pp" if pts < 1 else f"{pts:.1f} pp"


def _figure(key: str, label: str, value: str, detail: str, precision: str = "") -> dict:
    return {"key": key, "label": label, "value": value, "detail": detail, "precision": precision}


class _Precision:
    """Each decision figure's 95% Monte Carlo interval, as the summary gives it.

    ``summary.precision.figures`` (issue 13) where present; else the standard
    errors summary.json has always had: of the mean NPV and of P(NPV > 0).
    """

    def __init__(self, summary: Mapping[str, Any]):
        self.figures = (summary.get("precision") or {}).get("figures") or {}
        self.npv_se = summary["metrics"]["npv"].get("se_mean")
        self.p_se = summary["probabilities"].get("npv_positive_se")
        self.currency = summary["currency"]

    def of(self, fig: str, fmt) -> str:
        return _interval(self.figures.get(fig), fmt)

    def p_npv_positive(self) -> str:
        text = self.of("npv_positive", format_probability)
        if not text and self.p_se is not None:
            text = f"± {_pp(Z95 * self.p_se)} (95%)"
        return text

    def npv(self) -> str:
        def money(v):
            return _money(v, self.currency)

        mean = self.of("npv_mean", money)
        if not mean and self.npv_se is not None:
            mean = f"± {money(Z95 * self.npv_se)} (95%)"
        parts = [f"mean {mean}" if mean else ""]
        parts += [
            f"{q.upper()} {t}" for q in ("p50", "p10", "p90") if (t := self.of(f"npv_{q}", money))
        ]
        return "; ".join(p for p in parts if p)


def _figures(summary: Mapping[str, Any]) -> list[dict[str, str]]:
    """The decision figures, each with its Monte Carlo precision where the summary has one."""
    cur, horizon = summary["currency"], summary["horizon_months"]
    m, p = summary["metrics"], summary["probabilities"]
    prec = _Precision(summary)
    targets = summary.get("targets") or {}

    def money(v):
        return _money(v, cur)

    def months(v):
        return format_months(v, horizon)

    npv, roi, p_pos = m["npv"], m["roi"], p["npv_positive"]
    loss = format_probability(None if p_pos is None else 1 - p_pos)
    within = format_probability(p["payback_within_horizon"])
    figures = [
        _figure("npv_positive", "P(NPV > 0)", format_probability(p_pos),
                f"chance of losing money {loss}", prec.p_npv_positive()),
        _figure("npv", "NPV, median", money(npv["p50"]),
                f"P10 {money(npv['p10'])} · P90 {money(npv['p90'])} · mean {money(npv['mean'])}",
                prec.npv()),
        _figure("roi", "ROI, median", _percent(roi["p50"]),
                f"P10 {_percent(roi['p10'])} · P90 {_percent(roi['p90'])}",
                prec.of("roi_p50", _percent)),
        _figure("payback", "Payback, median", months(m["payback_months"]["p50"]),
                f"paid back within {count_months(horizon)}: {within}", prec.of("payback_p50", months)),
    ]  # fmt: skip
    if targets.get("payback_months") is not None:
        label = f"P(payback by month {format_number(targets['payback_months'])})"
        figures.append(_figure("payback_within_target", label,
                               format_probability(p.get("payback_within_target")),
                               "the payback target",
                               prec.of("payback_within_target", format_probability)))  # fmt: skip
    if targets.get("roi") is not None:
        label = f"P(ROI ≥ {_percent(targets['roi'])})"
        figures.append(_figure("roi_at_least_target", label,
                               format_probability(p.get("roi_at_least_target")), "the ROI target",
                               prec.of("roi_at_least_target", format_probability)))  # fmt: skip
    cvar = money(npv.get("cvar5"))
    figures.append(_figure("cvar5", "CVaR 5%", cvar, "mean NPV of the worst 5% of trials"))
    return figures


# --- the TEI table ----------------------------------------------------------------------------


_NA = {"median": "n/a", "range": "", "mean": "", "zero": False}


def _cell(cell: Mapping[str, Any] | None, currency: str, sign: float) -> dict[str, Any]:
    """A TEI cell: the median; the P10-P90 range beneath; the mean where it differs materially.

    The range is left out when its ends read the same; the mean is shown when
    it reads differently from the median and lies more than 10% of the range's
    width from it, or at all when the range has no width (a rare event: P10,
    P50 and P90 are 0 but the mean is not).
    """
    if not cell or cell.get("p50") is None:
        return dict(_NA)
    p10, p50, p90 = (cell[k] for k in ("p10", "p50", "p90"))
    median = _accounting(sign * p50, currency)
    low, high = _accounting(sign * p10, currency), _accounting(sign * p90, currency)  # P10 first
    width = abs(p90 - p10) if low != high else 0.0
    mean = cell.get("mean")
    mean_text = "" if mean is None else _accounting(sign * mean, currency)
    material = mean is not None and abs(mean - p50) > MATERIAL * width and mean_text != median
    return {
        "median": median,
        "range": f"{low}–{high}" if width else "",
        "mean": f"mean {mean_text}" if material else "",
        "zero": p10 == p50 == p90 == 0 and not mean,  # nothing in this cell, in any trial
    }


def _year_plan(columns: Sequence[str]) -> list[tuple[str, list[int]]]:
    """The columns to show: (heading, indices of the data's columns it stands for)."""
    n = len(columns)
    years = list(range(1, n - 2))
    if len(years) <= MAX_YEAR_COLUMNS:
        shown = [(columns[i], [i]) for i in years]
    else:
        first = years[: MAX_YEAR_COLUMNS - 2]
        middle = years[MAX_YEAR_COLUMNS - 2 : -1]
        shown = [(columns[i], [i]) for i in first]
        shown.append((f"Years {middle[0]}-{middle[-1]}", middle))
        shown.append((columns[years[-1]], [years[-1]]))
    return [(columns[0], [0]), *shown, (columns[n - 2], [n - 2]), (columns[n - 1], [n - 1])]


def _grouped_cell(row: Mapping[str, Any], idx: list[int], currency: str, sign: float) -> dict:
    """Several years in one cell: the sum of their means (a sum of medians means nothing)."""
    means = [row["cells"][i].get("mean") for i in idx]
    if any(v is None for v in means):
        return dict(_NA)
    total = sign * sum(means)
    text = _accounting(total, currency)
    return {"median": text, "range": "sum of means", "mean": "", "zero": total == 0}


_ROW_CLASS = {
    "benefit": "line",
    "cost": "line cost",
    "total_benefits": "total",
    "total_costs": "total cost",
    "net_benefits": "net",
}


def _adjustment(row: Mapping[str, Any]) -> str:
    """The implied risk adjustment (null where the deterministic PV is 0), to a tenth of a percent.

    Above 0 is worse than the plan: benefits and net below it (measured
    against its size, so a negative plan works too), costs above it.
    """
    value = row.get("risk_adjustment")
    return "n/a" if value is None else format_percent(round(value, 3))


def _row_view(row: Mapping[str, Any], plan, currency: str) -> dict[str, Any]:
    """One row of the TEI table as cell texts; a row of summed lines shows their summed means."""
    sign = -1.0 if row["kind"] in ("cost", "total_costs") else 1.0
    cells = [
        _cell(row["cells"][idx[0]], currency, sign)
        if len(idx) == 1 and not row.get("summed")
        else _grouped_cell(row, idx, currency, sign)
        for _, idx in plan
    ]
    det = (row.get("deterministic") or [None])[-1]
    return {
        "name": row.get("label") or row["name"],
        "kind": row["kind"],
        "css": _ROW_CLASS.get(row["kind"], "line"),
        "cells": cells,
        "deterministic": "n/a" if det is None else _accounting(sign * det, currency),
        "adjustment": _adjustment(row),
    }


def tei_view(tei: Mapping[str, Any], currency: str, horizon_months: int) -> dict[str, Any]:
    """The TEI-style table as the page shows it: headings, and rows of cell texts.

    The screen has every line; print the largest and, of each kind, a row
    summing the rest (:func:`simulate.report.tei_rows.printed_lines`).
    """
    plan = _year_plan(tei["columns"])
    hidden, summed = printed_lines(tei["rows"])
    rows = []
    for i, row in enumerate(tei["rows"]):
        rows.append(_row_view(row, plan, currency))
        if i in hidden:
            rows[-1]["css"] += " screen-only"
        if i in summed:
            rows.append(_row_view(summed[i], plan, currency))
            rows[-1]["css"] += " print-only"
    used, trials = tei.get("trials_used"), tei.get("trials")
    return {
        "headings": [h for h, _ in plan],
        "grouped": any(len(idx) > 1 for _, idx in plan),
        "rows": rows,
        "subset": f"from the first {used:,} of {trials:,} trials"
        if used and trials and used < trials
        else "",
        "returns": _returns(tei, currency, horizon_months),
    }


def _returns(tei: Mapping[str, Any], currency: str, horizon: int) -> list[dict[str, str]]:
    """The ROI and payback rows below the table."""
    out = []
    roi = tei.get("roi") or {}
    if roi:
        out.append(
            {
                "name": "ROI",
                "median": _percent(roi.get("p50")),
                "range": f"{_percent(roi.get('p10'))} to {_percent(roi.get('p90'))}",
                "mean": _percent(roi.get("mean")),
                "deterministic": _percent(roi.get("deterministic")),
            }
        )
    pay = tei.get("payback_months") or {}
    if pay:

        def months(v):
            return format_months(v, horizon)

        out.append(
            {
                "name": "Payback",
                "median": months(pay.get("p50")),
                "range": f"{months(pay.get('p10'))} to {months(pay.get('p90'))}",
                "mean": "",
                "deterministic": months(pay.get("deterministic")),
            }
        )
    return out


# --- assumptions, drivers, comparison, provenance ------------------------------------------


def _who(row: Mapping[str, Any], key: str = "input") -> str:
    """What the page calls an input: its label, else its name in the config."""
    return str(row.get("label") or row[key])


def _value(v: float | None, unit: str | None, currency: str) -> str:
    """An input's value in its unit, as a table writes it: ``$48``, ``3.5 mo``, ``6.1%``."""
    return "n/a" if v is None else format_value(v, unit, currency, minus="-")


def _assumptions(rows: Sequence[Mapping[str, Any]], currency: str) -> dict[str, Any]:
    """The register, largest tornado swing first, then the unranked in config order.

    Each input by its label (its name in the config beneath when they
    differ); its values in its unit (:func:`simulate.sensitivity.labels.format_value`).
    """
    ordered = sorted(rows, key=lambda r: (r.get("rank") is None, r.get("rank") or 0))
    out = []
    for r in ordered:
        unit = r.get("unit")
        label = _who(r, "name")
        out.append(
            {
                "rank": "" if r.get("rank") is None else str(r["rank"]),
                "name": label,
                "config_name": r["name"] if r["name"] != label else "",
                "distribution": r.get("distribution") or "",
                "p10": _value(r.get("p10"), unit, currency),
                "p50": _value(r.get("p50"), unit, currency),
                "p90": _value(r.get("p90"), unit, currency),
                "source": r.get("source") or "",
                "note": r.get("note") or "",
                "unused": not r.get("used_by"),
                "fixed": bool(r.get("fixed")),
            }
        )
    missing = sum(1 for r in out if not r["source"] and not r["unused"])
    # Counted as validate counts: a fixed prior is a constant, not an uncertain input.
    used = [r for r in out if not r["unused"]]
    fixed = sum(1 for r in used if r["fixed"])
    # Print keeps the first rows, those of the largest effect: 25 inputs of long
    # sources took a printed page of their own.
    for i, r in enumerate(out):
        r["css"] = " ".join(
            c for c, on in (("unused", r["unused"]), ("screen-only", i >= PRINT_INPUTS)) if on
        )
    more = max(len(out) - PRINT_INPUTS, 0)
    return {"rows": out, "missing": missing, "count": len(used) - fixed, "fixed": fixed,
            "more": more}  # fmt: skip


def _num(v: float | None) -> str:
    return "n/a" if v is None else format_number(v, sig=3)


def _drivers(drivers: Mapping[str, Any] | None, currency: str, top: int = 8) -> dict[str, Any]:
    drivers = drivers or {}
    # A tornado with no rows: the config has no uncertain input, so there is nothing
    # to rank and no pilot to value (EVPI is 0 by construction, not by finding).
    no_inputs = drivers.get("tornado") == []
    rank = {r["input"]: r for r in drivers.get("rank") or ()}
    rows = []
    for i, r in enumerate((drivers.get("tornado") or [])[:top]):
        rho = rank.get(r["input"], {}).get("spearman")
        rows.append(
            {
                "rank": str(i + 1),
                "input": _who(r),
                "low": _money(r.get("metric_low"), currency),
                "high": _money(r.get("metric_high"), currency),
                "swing": _money(r.get("swing"), currency),
                "rho": "" if rho is None else f"{rho:+.2f}",
            }
        )
    return {
        "rows": rows,
        "has_rank": bool(rank),
        "more": max(len(drivers.get("tornado") or ()) - top, 0),
        "base": _money(drivers.get("base"), currency),
        "breakeven": _breakeven(drivers.get("breakeven") or (), currency),
        "voi": None if no_inputs else _voi(drivers.get("voi"), currency),
        "no_inputs": no_inputs,
        "frontier": frontier_view(drivers.get("frontier"), currency),
    }


# Inputs named in a list of those with no break-even in range, or nothing above the
# noise: more are counted (a list of long labels took four printed lines).
_MAX_IDLE_NAMES = 4


def _breakeven(rows: Sequence[Mapping[str, Any]], currency: str) -> list[str]:
    """Each input's break-even in words; the inputs with none in range, in one line per kind.

    "none within range: NPV stays positive from 0.02 to 0.12" differs only in
    its range from input to input: they are grouped by the words before it.
    """
    found = [
        f"{_who(r)}: {r['note']} (base case {_value(r['base_value'], r.get('unit'), currency)})."
        for r in rows
        if r.get("value") is not None
    ]
    none: dict[str, list[str]] = {}
    for r in rows:
        if r.get("value") is None:
            kind = (r.get("note") or "no break-even in range").split(" from ")[0]
            none.setdefault(kind, []).append(_who(r))
    grouped = [
        f"{kind[:1].upper()}{kind[1:]} for "
        f"{_names(names) if len(names) <= _MAX_IDLE_NAMES else f'{len(names)} inputs (report.xlsx names them)'}."
        for kind, names in none.items()
    ]
    return found + grouped


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _voi(voi: Mapping[str, Any] | None, currency: str) -> dict[str, Any] | None:
    """EVPI, and the EVPPI of each input above the noise: what a pilot measuring it is worth."""
    if not voi:
        return None
    noise = 2.0 * (voi.get("noise_floor") or 0.0)
    pilots, idle = [], []
    for r in sorted(voi.get("evppi") or (), key=lambda r: -r["value"]):
        if r["value"] > noise and r.get("above_noise", True):
            share = r.get("share_of_evpi")
            pilots.append({
                "input": _who(r),
                "value": format_money(r["value"], currency),
                "share": "" if share is None else format_percent(share, sig=2),
            })  # fmt: skip
        else:
            idle.append(_who(r))
    return {
        "evpi": format_money(voi["evpi"], currency),
        "decision": voi.get("decision_now") or "",
        "expected": _money(voi.get("expected_npv"), currency),
        "pilots": pilots,
        # a long list of names says less than its count (the workbook lists them)
        "idle": (
            f"the other {len(idle)} inputs"
            if len(idle) > _MAX_IDLE_NAMES
            else _names(idle)
            if idle
            else ""
        ),
        "noise": format_money(noise, currency) if noise > 0 else "",
    }


def _pts(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} pp"


def _signed(x: float | None, currency: str) -> str:
    if x is None:
        return "n/a"
    text = format_money(x, currency)
    return "+" + text if x > 0 else text


def _attribution(rows: Any, currency: str, labels: Mapping[str, str]) -> list[dict[str, str]]:
    """overlay.json's attribution, as a list of rows or its one-at-a-time block."""
    if isinstance(rows, Mapping):
        rows = (rows.get("one_at_a_time") or {}).get("rows") or []
    return [
        {
            "path": override_words(r.get("path", ""), labels),
            "p": _pts(r.get("prob_npv_positive")),
            "p50": _signed(r.get("npv_p50"), currency),
            "mean": _signed(r.get("npv_mean"), currency),
            "note": r.get("note") or "",
        }
        for r in rows or ()
    ]


def _comparison(comp: Mapping[str, Any] | None, currency: str,
                labels: Mapping[str, str]) -> dict[str, Any] | None:  # fmt: skip
    if not comp:
        return None
    rows = []
    for r in comp.get("rows") or ():
        diff = r.get("diff") or {}
        rows.append(
            {
                "a": r.get("a") or comp.get("baseline") or "as written",
                "b": r.get("b") or comp.get("baseline") or "as written",
                "p": format_probability(r.get("p_a_beats_b")),
                "p_b": format_probability(r.get("p_b_beats_a")),
                "p10": _money(diff.get("p10"), currency),
                "p50": _money(diff.get("p50"), currency),
                "p90": _money(diff.get("p90"), currency),
                "mean": _money(diff.get("mean"), currency),
                # runs that do not share their draws are not compared
                "note": "" if r.get("paired", True) else (r.get("note") or "not paired"),
            }
        )
    return {
        "kind": comp.get("kind", ""),
        # P(B beats A) is not 1 - P(A beats B) when trials tie (both runs' flags fail)
        "reverse": any(r.get("p_b_beats_a") is not None for r in comp.get("rows") or ()),
        "rows": rows,
        "attribution": _attribution(comp.get("attribution"), currency, labels),
        "method": comp.get("attribution_method") or "",
    }


def _provenance(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    s = data["summary"]
    overlay = s.get("overlay") or {}
    items = [
        ("Tool", f"simulate {s.get('version', '')}"),
        ("Config", str(data.get("config_file") or s.get("config") or "")),
        ("Config hash", str(s.get("config_hash", ""))),
        ("Scenario", s.get("scenario") or "as written"),
        ("Overlay", f"{overlay.get('name') or ''} ({overlay.get('file')})" if overlay else "none"),
        ("Seed", str(s.get("seed"))),
        ("Trials", f"{s['trials']:,}"),
        ("Sampling", str(s.get("sampling"))),
        (
            "Horizon",
            f"{count_months(s['horizon_months'])} at {format_discount_rate(s['discount_rate'])} a year",
        ),
        ("Currency", str(s.get("currency"))),
        ("Run on", str(data.get("created") or "")),
    ]
    return items


def prior_labels(data: Mapping[str, Any]) -> dict[str, str]:
    """Each prior's label by its name, from the assumptions register."""
    return {a["name"]: a.get("label") or a["name"] for a in data.get("assumptions") or ()}


def page_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as text (the charts aside)."""
    s = data["summary"]
    cur = s["currency"]
    overlay = s.get("overlay") or {}
    tags = [
        t
        for t in (
            s.get("scenario") and f"scenario {s['scenario']}",
            overlay and f"overlay {overlay.get('name') or overlay.get('file')}",
        )
        if t
    ]
    return {
        "name": s["name"],
        "tags": tags,
        "description": data.get("description") or "",
        "sentence": (data.get("headline") or {}).get("sentence") or "",
        "run": f"{s['trials']:,} trials · {s['horizon_months']}-month horizon · "
        f"{format_discount_rate(s['discount_rate'])} discount rate · {cur}",
        "figures": _figures(s),
        "flexibility": flexibility_view(flexibility_of(data), cur),
        "tei": tei_view(data["tei"], cur, s["horizon_months"]),
        "assumptions": _assumptions(data.get("assumptions") or (), cur),
        # with the frontier on the page, six drivers leave it room on two printed pages
        "drivers": _drivers(
            data.get("drivers"), cur, top=6 if (data.get("drivers") or {}).get("frontier") else 8
        ),
        "comparison": _comparison(data.get("comparison"), cur, prior_labels(data)),
        "provenance": _provenance(data),
        "command": data.get("command") or "",
    }
