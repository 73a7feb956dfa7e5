"""Terminal text: the short tables printed after run, sensitivity, overlay and scenario runs.

Every function takes finished numbers (summary.json, sensitivity.json,
overlay.json or comparison rows, as dicts) and returns text; numbers become
words through :mod:`simulate.format` only.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config.tolerance import parse_targets
from .format import (
    count_months,
    format_money,
    format_months,
    format_number,
    format_percent,
    format_points,
    format_probability,
    probability_decimals,
)
from .precision import MIN_BATCHES, Interval, shown_half_width
from .sensitivity.labels import format_value
from .sensitivity.wording import ranked, unresolved_groups

__all__ = ["comparisons_text", "overlay_text", "sensitivity_text", "summary_text"]


def summary_text(summary: dict[str, Any], result_dir: Path | None = None) -> str:
    """The short human summary printed on stdout after a run.

    With summary.json's ``precision`` block, each headline figure carries
    its 95% interval ("89.0% ± 0.2 pp"); with ``--precision``, a line says
    why the run stopped.
    """
    cur = summary["currency"]
    p = summary["probabilities"]
    figures = (summary.get("precision") or {}).get("figures")
    # a figure without an interval (a summary.json from before it had one) shows its estimate
    iv = _Intervals({**_estimates(summary), **(figures or {})}, cur, summary["horizon_months"])
    rows = [
        *_heading(summary),
        f"  P(NPV > 0)            {iv.probability('npv_positive')}",
        f"  NPV   P10/P50/P90     {iv.money('npv_p10')} / {iv.money('npv_p50')} / "
        f"{iv.money('npv_p90')}",
        f"  NPV   mean            {iv.money('npv_mean')}",
        f"  ROI   P10/P50/P90     {iv.roi('roi_p10')} / {iv.roi('roi_p50')} / {iv.roi('roi_p90')}",
        f"  Payback median        {iv.months('payback_p50')}"
        f"   (paid back within the horizon: {format_probability(p['payback_within_horizon'])})",
    ]
    if p.get("payback_within_target") is not None:
        rows.append(f"  P(payback by target)  {iv.probability('payback_within_target')}")
    if p.get("roi_at_least_target") is not None:
        rows.append(f"  P(ROI >= target)      {iv.probability('roi_at_least_target')}")
    rows += _flexibility_lines(summary.get("flexibility"), iv)
    if figures:
        rows += ["", "  ± is half a 95% interval of the simulation's own noise (see summary.json)"]
        rows += _stop_lines(summary.get("stop") or {}, figures)
    return _ending(rows, result_dir)


def _flexibility_lines(flex: Mapping[str, Any] | None, iv: _Intervals) -> list[str]:
    """With stage gates: the value of the option to stop, and the programme without it."""
    if not flex:
        return []
    value = _Intervals({"value": {"estimate": flex["value"], **flex["value_interval"]}},
                       iv.currency, iv.horizon).money("value")  # fmt: skip
    without = flex["without_gates"]
    rows = [
        f"  Value of flexibility  {value}",
        f"    without the option to stop: NPV mean "
        f"{format_money(without['npv_mean'], iv.currency)}, "
        f"P(NPV > 0) {format_probability(without['npv_positive'])}",
    ]
    for gate in flex["gates"]:
        rows.append(
            f"    gate {gate['name']!r} at month {gate['month']}: continue if "
            f"{gate['condition']} (passed in {format_probability(gate['pass_fraction'])} of trials)"
        )
    return rows


def _estimates(summary: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The headline figures without intervals, for a summary.json written before them."""
    m, p = summary["metrics"], summary["probabilities"]
    values = {
        "npv_mean": m["npv"]["mean"],
        "npv_positive": p["npv_positive"],
        "npv_p10": m["npv"]["p10"],
        "npv_p50": m["npv"]["p50"],
        "npv_p90": m["npv"]["p90"],
        "roi_p10": m["roi"].get("p10"),
        "roi_p50": m["roi"]["p50"],
        "roi_p90": m["roi"].get("p90"),
        "payback_p10": m["payback_months"].get("p10"),
        "payback_p50": m["payback_months"]["p50"],
        "payback_p90": m["payback_months"].get("p90"),
        "payback_within_target": p.get("payback_within_target"),
        "roi_at_least_target": p.get("roi_at_least_target"),
    }
    return {k: {"estimate": v, "low": None, "high": None} for k, v in values.items()}


def _heading(summary: Mapping[str, Any]) -> list[str]:
    """The title, the line saying what was run, and a blank line."""
    title = summary["name"] + (f" [{summary['scenario']}]" if summary.get("scenario") else "")
    return [
        title,
        f"  {summary['trials']:,} trials, seed {summary['seed']}, {summary['sampling']} sampling, "
        f"{count_months(summary['horizon_months'])} at {summary['discount_rate']:.1%} a year",
        "",
    ]


def _ending(rows: list[str], result_dir: Path | None) -> str:
    """``rows`` and where the results are, as one text."""
    if result_dir is not None:
        rows = [*rows, "", f"  Results: {result_dir}"]
    return "\n".join(rows)


def _bound(p: float) -> str:
    """A probability (or an end of its interval) with the digits it needs, never a false 0% or 100%.

    One decimal where that is not a false end (:func:`format_probability`);
    otherwise as many as it takes (``99.95%``, ``99.997%``).
    """
    text = format_probability(p)
    if text not in ("<0.1%", ">99.9%"):
        return text
    more = f"{p * 100:.{probability_decimals(p, 2)}f}"
    return more + "%" if float(more) not in (0.0, 100.0) else text  # past 9 decimals: as is


@dataclass(frozen=True)
class _Intervals:
    """Each headline figure with its 95% interval, as the summary table writes it."""

    figures: Mapping[str, Mapping[str, Any]]
    currency: str
    horizon: int

    def _with(self, name: str, show: Callable[[float | None], str], half: Callable[[float], str]):
        fig = self.figures.get(name)
        if fig is None:
            return "n/a"
        est, low, high = fig["estimate"], fig["low"], fig["high"]
        text = show(est)
        if low is None and high is None:
            return text
        width = shown_half_width(est, low, high)
        if width is not None:
            return f"{text} ± {half(width)}"
        # an open end (beyond the horizon), or lopsided: both ends
        ends = [show(v) if v is not None else "..." for v in (low, high)]
        return f"{text} (95%: {ends[0]} to {ends[1]})"

    def probability(self, name: str) -> str:
        return self._with(name, lambda v: "n/a" if v is None else _bound(v), format_points)

    def money(self, name: str) -> str:
        def show(v):
            return "n/a" if v is None else format_money(v, self.currency)

        return self._with(name, show, lambda h: format_money(h, self.currency))

    def roi(self, name: str) -> str:
        return self._with(name, self.percent, format_points)

    @staticmethod
    def percent(v: float | None) -> str:
        return "n/a" if v is None else format_percent(v)

    def months(self, name: str) -> str:
        def show(v):
            return format_months(v, self.horizon)

        return self._with(name, show, lambda h: format_number(h, sig=2))


def _stop_lines(stop: Mapping[str, Any], figures: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Why a run with ``--precision`` stopped where it did (nothing for a fixed number of trials)."""
    asked = stop.get("targets")
    if not asked:
        return []
    text = ", ".join(f"{fig}={tol}" for fig, tol in asked.items())
    if stop["reason"] == "precision":
        return [f"  Precision targets {text}", f"  met at two check points in a row: "
                f"stopped at {stop['trials']:,} trials"]  # fmt: skip
    targets, _ = parse_targets(text)
    unmet = []
    for t in targets:
        fig = figures.get(t.figure) or {}
        interval = Interval(
            math.nan if fig.get("estimate") is None else fig["estimate"],
            -math.inf if fig.get("low") is None else fig["low"],
            math.inf if fig.get("high") is None else fig["high"],
            "",
        )
        if not interval.meets(t):
            unmet.append(f"{t.figure}={t.text}")
    limit = stop.get("max_trials", stop["trials"])
    where = f"stopped at {stop['trials']:,} trials, the --max-trials limit ({limit:,})"
    if unmet:
        return [f"  Precision targets {text}", f"  not all met ({', '.join(unmet)}): {where}"]
    # Every interval is within its target at the stop, yet the run did not stop on it.
    checks = stop.get("checks") or ()
    if checks and checks[-1].get("met"):
        why = "met at the last check point only, where two in a row are needed"
    else:
        why = (f"met only by intervals taken as if the trials were independent; "
               f"{MIN_BATCHES} batches are needed to measure the error")  # fmt: skip
    return [f"  Precision targets {text}", f"  {why}: {where}"]


_METRIC_LABELS = {"npv": "NPV", "roi": "ROI", "payback_months": "Payback"}


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, an ellipsis marking the cut."""
    if _width(text) <= width:
        return text
    while _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _pad(text: str, width: int, left: bool) -> str:
    """``text`` padded to ``width`` terminal columns, on the right (``left``-aligned) or left."""
    gap = " " * max(width - _width(text), 0)
    return text + gap if left else gap + text


@dataclass(frozen=True)
class _MetricCells:
    """How the values of a sensitivity metric are written in the table."""

    metric: str
    currency: str
    horizon_months: int

    @property
    def label(self) -> str:
        return _METRIC_LABELS[self.metric]

    def value(self, v: float | None) -> str:
        if self.metric == "payback_months":
            return format_months(v, self.horizon_months).replace(" months", " mo")
        if v is None:
            return "n/a"
        return format_money(v, self.currency) if self.metric == "npv" else format_percent(v)

    def ends(self, row: Mapping[str, Any]) -> str:
        """A tornado row's metric at the low and at the high quantile."""
        return f"{self.value(row['metric_low'])} / {self.value(row['metric_high'])}"

    def swing(self, v: float | None) -> str:
        if v is None:
            return "n/a"
        if self.metric == "payback_months":
            return "∞" if math.isinf(v) else f"{v:.1f} mo"
        return self.value(v)


def _input_order(sens: Mapping[str, Any]) -> list[str]:
    """Rows by tornado swing, else Sobol' ST, else |rho|, else EVPPI, else the model's order."""
    for rows in (
        sens.get("tornado") or [],
        sens.get("sobol", {}).get("indices", []),
        sens.get("rank", []),
        (sens.get("voi") or {}).get("evppi", []),
    ):
        if rows:
            return list(dict.fromkeys(r["input"] for r in rows))
    return list(sens["base"]["inputs"])


def _input_labels(sens: Mapping[str, Any]) -> dict[str, str]:
    """What the table calls each input: the ``label`` its rows carry, else its name."""
    rows = [
        *(sens.get("tornado") or []),
        *(sens.get("spider") or {}).get("lines", []),
        *sens.get("sobol", {}).get("indices", []),
        *sens.get("rank", []),
        *sens.get("breakeven", []),
        *(sens.get("voi") or {}).get("evppi", []),
    ]
    return {r["input"]: r.get("label") or r["input"] for r in rows}


def _breakeven_cell(row: Mapping[str, Any], currency: str) -> str:
    unit = row.get("unit")
    if row["value"] is not None:
        if unit in (None, "mixed", "number"):
            return format_number(row["value"], sig=4)
        return format_value(row["value"], unit, currency, minus="-")
    positive = row.get("positive_at")
    if positive and len(positive) < len(row.get("values", ())):
        shown = (format_value(v, unit, currency, minus="-") for v in positive)
        return "> 0 only at " + ", ".join(shown)
    return "none in range"


def _sobol_cell(row: Mapping[str, Any]) -> str:
    return "n/a" if row["ST"] is None else f"{row['ST']:.2f} ± {row['ST_conf'] or 0:.2f}"


def _rank_cell(row: Mapping[str, Any]) -> str:
    if row["spearman"] is None:
        return "n/a"
    low, high = row.get("spearman_low"), row.get("spearman_high")
    if low is None or high is None:
        return f"{row['spearman']:+.2f}"
    return f"{row['spearman']:+.2f} ± {(high - low) / 2:.2f}"


# A column of the sensitivity table: its heading, the section's rows by input,
# and how a row is written in the cell.
_Column = tuple[str, dict[str, Mapping[str, Any]], Callable[[Mapping[str, Any]], str]]


def _sensitivity_columns(sens: Mapping[str, Any], cells: _MetricCells) -> list[_Column]:
    """The columns after the input's name: one or two per computed section, left to right."""

    def by_input(rows) -> dict[str, Mapping[str, Any]]:
        return {r["input"]: r for r in rows}

    columns: list[_Column] = []
    tornado = by_input(sens.get("tornado") or [])
    if tornado:
        first = sens["tornado"][0]
        q = f"P{first['low_q'] * 100:g} / P{first['high_q'] * 100:g}"
        columns.append((f"{cells.label} at {q}", tornado, cells.ends))
        columns.append(("swing", tornado, lambda r: cells.swing(r["swing"])))
    voi = sens.get("voi")
    noise = 2.0 * voi["noise_floor"] if voi else 0.0

    def breakeven_cell(row: Mapping[str, Any]) -> str:
        return _breakeven_cell(row, cells.currency)

    def evppi_cell(row: Mapping[str, Any]) -> str:
        if row["value"] <= noise:
            return "~0"
        text = format_money(row["value"], cells.currency)
        if row.get("value_low") is None or row.get("value_high") is None:
            return text
        return (
            f"{text} ± {format_money((row['value_high'] - row['value_low']) / 2, cells.currency)}"
        )

    sections: list[_Column] = [
        ("NPV = 0 at", by_input(sens.get("breakeven", [])), breakeven_cell),
        ("Sobol ST", by_input(sens.get("sobol", {}).get("indices", [])), _sobol_cell),
        ("rank rho", by_input(sens.get("rank", [])), _rank_cell),
        ("EVPPI", by_input(voi["evppi"] if voi else []), evppi_cell),
    ]
    return columns + [column for column in sections if column[1]]


def _aligned(table: Sequence[Sequence[str]]) -> list[str]:
    """A heading row, a rule and the rows: the first column left-aligned, the rest right."""
    widths = [max(_width(r[c]) for r in table) for c in range(len(table[0]))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(
            _pad(c, w, left=i == 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return [line(table[0]), "  " + "  ".join("-" * w for w in widths), *map(line, table[1:])]


def _unresolved_lines(sens: Mapping[str, Any], top: int) -> list[str]:
    """Which inputs' order each estimated ranking cannot tell apart (± is a 95% interval)."""
    sections = (
        ("rank rho", sens.get("rank") or []),
        ("Sobol ST", (sens.get("sobol") or {}).get("indices") or []),
        ("EVPPI", (sens.get("voi") or {}).get("evppi") or []),
    )
    found = [
        f"    {label}: " + "; ".join(" ≈ ".join(g) for g in groups)
        for label, rows in sections
        if (groups := unresolved_groups(ranked(label, rows)[:top]))
    ]
    if not found:
        return []
    return ["", "  Order not resolved at this sample size (95% intervals overlap):", *found]


def _voi_lines(voi: Mapping[str, Any] | None, currency: str) -> list[str]:
    if not voi:
        return []
    noise = 2.0 * voi["noise_floor"]
    floor = f" ({format_money(noise, currency)})" if noise > 0 else ""
    return [
        "",
        f"  EVPI {format_money(voi['evpi'], currency)}: the most that perfect knowledge of "
        f"every input is worth to the decision (now: {voi['decision_now']}, "
        f"expected NPV {format_money(voi['expected_npv'], currency)}).",
        "  EVPPI: the same for one input alone, the most a pilot measuring it is worth; "
        f"~0 means at or below the noise level{floor}.",
    ]


# What the table says instead of its rows when the config has no uncertain input.
_NO_INPUTS = "  No uncertain input to rank: every value in the config is fixed."


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
    sections that were computed; then EVPI, the frontier and any goal seeks.
    """
    cells = _MetricCells(sens["metric"], currency, horizon_months)
    order = _input_order(sens)
    names = _input_labels(sens)
    columns = _sensitivity_columns(sens, cells)
    table = [["input", *(heading for heading, _, _ in columns)]]
    table += [
        [_clip(names.get(inp, inp), 40), *(cell(rows[inp]) for _, rows, cell in columns)]
        for inp in order[:top]
    ]
    out = [
        f"Sensitivity of {cells.label}: {name}",
        f"  base case (every input at its median): {cells.label} "
        f"{cells.value(sens['base']['metric'])}",
        "",
        *(_aligned(table) if order else [_NO_INPUTS]),
    ]
    if len(order) > top:
        out.append(f"  ... and {len(order) - top} more input(s) in sensitivity.json")
    out += _unresolved_lines(sens, top)
    if order:  # with no input, EVPI is 0 by construction and there is no EVPPI to read
        out += _voi_lines(sens.get("voi"), currency)
    if sens.get("frontier"):
        note = sens["frontier"]["note"]
        out += ["", textwrap.fill(note, 100, initial_indent="  ", subsequent_indent="  ")]
    for g in sens.get("goal_seek", []):
        out.append(
            f"  Goal seek: P(NPV > 0) = {format_probability(g['target'])} via "
            f"{g.get('label') or g['input']}: "
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


def _attribution_lines(att: Mapping[str, Any], cur: str) -> list[str]:
    """The overlay's change per overridden item: one at a time, and in file order."""
    one = {r["path"]: r for r in att["one_at_a_time"]["rows"]}
    seq = att["sequential"]["rows"]
    if not seq:
        return []
    lines = [
        f"  {'Attribution of the change':34}{'one at a time':>24}{'sequential (file order)':>28}",
        f"  {'':34}{'P(NPV > 0)':>12}{'NPV P50':>12}{'P(NPV > 0)':>16}{'NPV P50':>12}",
    ]
    for r in seq:
        a = one.get(r["path"], {})
        lines.append(
            f"  {_clip(r['path'], 33):34}{_pts(a.get('prob_npv_positive')):>12}"
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
    return lines + [f"  note: {n}" for n in notes]


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
    lines += _attribution_lines(report["attribution"], cur)
    return "\n".join(lines)
