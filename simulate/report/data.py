"""``report_data.json``: every number the review pack shows, saved with each run.

:func:`pack_data` gathers them from a run (the summary, the TEI table, the
assumptions register, the drivers, the comparison and the charts' data),
:func:`write_pack_data` saves them in the result folder and
:func:`read_pack_data` reads them back, so ``simulate report RESULT_DIR``
renders the pack without simulating again. The file's format is
docs/report-data.md.

Nothing here imports matplotlib, jinja2 or xlsxwriter: the runner writes this
file for every run, charts or not.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics
from ..config import Model
from ..errors import ConfigError, Problem
from ..files import write_json
from ..results import Result
from ..sampling import DEFAULT_CHUNK
from ..sensitivity.frontier import frontier_table
from ..sensitivity.labels import field_unit, fields_unit
from .tei import tei_table
from .words import distribution_words, flexibility_sentence, headline_sentence

__all__ = [
    "FILE_NAME",
    "FORMAT",
    "QUANTILE_LEVELS",
    "assumptions",
    "chart_data",
    "comparison_block",
    "flexibility",
    "pack_data",
    "read_pack_data",
    "run_command",
    "waterfall_items",
    "write_pack_data",
]

FORMAT = "simulate-report-data/1"
FILE_NAME = "report_data.json"
# The NPV and ROI distributions are kept as this many quantiles, at levels (i + 0.5) / n.
QUANTILE_LEVELS = metrics.QUANTILE_LEVELS
# What every report_data.json has at its top level (read_pack_data checks them).
_KEYS = (
    "format", "summary", "config_file", "description", "command", "created", "headline", "tei",
    "assumptions", "drivers", "comparison", "charts",
)  # fmt: skip
_FIX = "run `simulate run CONFIG` again, or `simulate report CONFIG`"


def pack_data(
    result: Result,
    *,
    tornado: Mapping[str, Any] | None = None,
    sensitivity: Mapping[str, Any] | None = None,
    comparison: Any = None,
    command: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The report_data.json dict of a run (docs/report-data.md).

    Parameters
    ----------
    result
        The run.
    tornado
        :func:`simulate.sensitivity.tornado` of the run's model (NPV); computed
        here (a few kernel calls) when not given.
    sensitivity
        The run's sensitivity.json dict (``run --sensitivity``), for the rank
        correlations, break-even values and value of information.
    comparison
        The scenario comparison rows (comparisons/<config>.json's
        ``comparisons``), an overlay.json dict, or a ready ``comparison`` block.
    command
        The command that made the run; by default the ``simulate run`` command
        that reproduces it (:func:`run_command`).
    created
        When the run was made (now by default).
    """
    model = result.model
    if tornado is None:
        from ..sensitivity.oat import tornado as one_at_a_time  # a few kernel calls

        tornado = one_at_a_time(model)
    summary = result.summary()
    created = created or datetime.now(timezone.utc)
    data: dict[str, Any] = {
        "format": FORMAT,
        "summary": summary,
        "config_file": model.file,
        "description": model.description or "",
        "command": command or run_command(result),
        "created": created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "headline": {
            "sentence": "",
            "benefit_pv": _quartet(summary["metrics"]["pv_benefits"]),
            "cost_pv": _quartet(summary["metrics"]["pv_costs"]),
        },
        "tei": _labelled_tei(result),
        "assumptions": assumptions(model, tornado.get("rows", [])),
        "drivers": _drivers(tornado, sensitivity),
        "comparison": comparison_block(comparison),
        "charts": chart_data(result),
    }
    data["headline"]["sentence"] = headline_sentence(data)
    if summary.get("flexibility"):  # a run with stage gates (absent otherwise)
        data["flexibility"] = flexibility(summary, model, data["assumptions"])
    return data


def _labelled_tei(result: Result) -> dict[str, Any]:
    """The TEI table, each line's row with its ``label`` (the line's ``label:``, else its name)."""
    table = tei_table(result)
    shown = {line.path: line.display for line in result.model.lines}
    for row in table["rows"]:
        row["label"] = shown.get(row.get("path"), row["name"])
    return table


def _quartet(stats: Mapping[str, Any]) -> dict[str, Any]:
    return {k: stats[k] for k in ("p10", "p50", "p90", "mean")}


def run_command(result: Result) -> str:
    """The ``simulate run`` command that reproduces ``result`` exactly.

    The config file as given, its scenario and overlay file, and the run's
    seed, trials and sampling (each of which decides the draws).
    """
    model = result.model
    words = ["simulate", "run", model.file or "CONFIG"]
    if model.scenario:
        words += ["--scenario", model.scenario]
    overlay = (result.overlay or {}).get("file")
    if overlay:
        words += ["--overlay", overlay]
    words += ["--seed", str(result.seed), "--trials", str(result.trials)]
    words += ["--sampling", result.sampling]
    text = shlex.join(words)
    if result.chunk_size != DEFAULT_CHUNK:  # only the Python API can change it
        text += f"  # Python API: chunk_size={result.chunk_size}"
    return text


# -- the assumptions register ------------------------------------------------------------


# The units the register writes after a value (sensitivity.labels infers every field's unit).
_REGISTER_UNITS = {"months": "months", "seconds": "seconds"}


def _field_unit(path: str, model: Model) -> str | None:
    """The unit of a field (``benefits[3].seconds_saved``): seconds, months, the currency."""
    unit = field_unit(path)
    return model.currency if unit == "currency" else _REGISTER_UNITS.get(unit)


def _unit(used_by: Sequence[str], model: Model) -> str | None:
    """The unit all the fields using an input share, or None."""
    units = {_field_unit(p, model) for p in used_by}
    return units.pop() if len(units) == 1 else None


def assumptions(model: Model, tornado_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The assumptions register: every named prior (fixed ones too), then each inline prior.

    Each with its label, its distribution in words, its unit (one of
    :data:`simulate.sensitivity.labels.UNITS`), P10/P50/P90, the fields
    that use it, its ``source`` and ``note``, and its rank and swing in the
    NPV tornado.
    """
    rank = {row["input"]: (i + 1, row["swing"]) for i, row in enumerate(tornado_rows)}
    inputs = {inp.name: inp for inp in model.inputs}
    entries = [(name, prior, False) for name, prior in model.priors.items()]
    entries += [(inp.name, inp.prior, True) for inp in model.inputs if inp.inline]
    out = []
    for name, prior, inline in entries:
        inp = inputs.get(name)
        # A fixed prior is no input, but the fields that name it still use it.
        used_by = list(inp.used_by if inp is not None else model.prior_users.get(name, ()))
        unit = _unit(used_by, model)
        p10, p50, p90 = (float(v) for v in prior.ppf(np.array([0.1, 0.5, 0.9])))
        r, swing = rank.get(name, (None, None))
        out.append(
            {
                "name": name,
                "label": (inp.label if inp is not None else prior.label) or name,
                "inline": inline,
                "used_by": used_by,
                "distribution": distribution_words(prior, unit),
                "unit": fields_unit(used_by),
                "fixed": prior.is_fixed,
                "p10": p10,
                "p50": p50,
                "p90": p90,
                "source": prior.source,
                "note": prior.note,
                "rank": r,
                "swing": swing,
            }
        )
    return out


# -- the value of flexibility -----------------------------------------------------------


def flexibility(
    summary: Mapping[str, Any], model: Model, register: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """summary.json's ``flexibility`` block with what the pack shows of it.

    The same numbers; each gate also gets the ``label`` and ``unit`` of the
    input it reads (as the assumptions ``register`` has them), the labels of
    the lines it governs and whether that is ``every_line``; the block gets
    its ``sentence`` (:func:`simulate.report.words.flexibility_sentence`).
    """
    block = dict(summary["flexibility"])
    inputs = {a["name"]: a for a in register}
    shown = {line.name: line.display for line in model.lines}
    gates = []
    for gate in block["gates"]:
        entry = inputs.get(gate["continue_if"]) or {}
        gates.append(
            {
                **gate,
                "label": entry.get("label") or gate["continue_if"],
                "unit": entry.get("unit") or "number",
                "line_labels": [shown.get(name, name) for name in gate["lines"]],
                "every_line": len(set(gate["lines"])) == len(model.lines),
            }
        )
    block["gates"] = gates
    block["sentence"] = flexibility_sentence(block, summary["currency"])
    return block


# -- drivers and comparison --------------------------------------------------------------


def _drivers(tornado: Mapping[str, Any], sens: Mapping[str, Any] | None) -> dict[str, Any]:
    sens = sens or {}
    return {
        "metric": "npv",
        "base": tornado.get("base", {}).get("npv"),
        "tornado": list(tornado.get("rows", [])),
        "rank": sens.get("rank"),
        "sobol": sens.get("sobol"),
        "breakeven": sens.get("breakeven"),
        "voi": sens.get("voi"),
        "frontier": _frontier(sens.get("frontier")),
    }


def _frontier(block: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """sensitivity.json's ``frontier``, with its ``table``: the second input each level needs."""
    if not block:
        return None
    return {**block, "table": frontier_table(block)}


def _diff(row: Mapping[str, Any]) -> dict[str, Any]:
    return {q: row.get(f"npv_diff_{q}") for q in ("p10", "p50", "p90", "mean")}


def comparison_block(comparison: Any) -> dict[str, Any] | None:
    """The ``comparison`` block from scenario comparison rows or an overlay.json dict."""
    if comparison is None:
        return None
    if isinstance(comparison, Mapping) and "kind" in comparison:
        return dict(comparison)
    if isinstance(comparison, Mapping):  # overlay.json: a = overlaid, b = as written
        paired = comparison["paired"]
        name = comparison.get("overlay_name") or Path(str(comparison.get("overlay"))).stem
        sequential = (comparison.get("attribution") or {}).get("sequential") or {}
        return {
            "kind": "overlay",
            "baseline": "as written",
            "rows": [
                {
                    "a": name,
                    "b": "as written",
                    "p_a_beats_b": paired["prob_a_above_b"],
                    "p_b_beats_a": paired["prob_b_above_a"],
                    "diff": _diff(paired),
                    "paired": True,
                    "note": "",
                }
            ],
            "attribution": sequential.get("rows"),
            "attribution_method": sequential.get("method"),
        }
    rows = [
        {
            "a": row["a"] or "as written",
            "b": row["b"] or "as written",
            "p_a_beats_b": row.get("prob_a_above_b"),
            "p_b_beats_a": row.get("prob_b_above_a"),
            "diff": _diff(row),
            "paired": row.get("paired", True),
            "note": row.get("note", ""),
        }
        for row in comparison
    ]
    return {"kind": "scenarios", "baseline": "as written", "rows": rows, "attribution": None}


# -- the charts' data --------------------------------------------------------------------


def waterfall_items(result: Result) -> list[list[Any]]:
    """Mean PV of each benefit line (+) and cost line (-), in config order (JSON lists)."""
    return [list(item) for item in metrics.waterfall_items(result.model.lines, result.line_pv_mean)]


def chart_data(result: Result) -> dict[str, Any]:
    """What the pack's charts are drawn from: quantiles, curves and bands, not trials.

    The payback curve and the fan are the data of the run's own
    ``figures/payback`` and ``figures/cashflow``: the empirical CDF of the
    (interpolated) paybacks (``payback_cdf``; ``payback`` keeps the whole
    months) and, when a success flag splits the outcome, each group's NPV
    quantiles (``npv_groups``) and bands (``fan.groups``), so that the page
    draws what the PNGs draw.
    """
    model = result.model
    curves = result.quantile_curves()  # from the summary's sorts
    months, prob = metrics.payback_curve(result.payback_months, model.horizon_months)
    cdf_months, cdf_prob = metrics.payback_cdf(result.payback_months, model.horizon_months)
    bands = metrics.fan_bands(result.paths)
    split = metrics.outcome_split(result.npv, result.flags)
    return {
        "npv_quantiles": curves["npv"],
        "npv_groups": _npv_groups(result, split),
        "roi_quantiles": curves["roi"],
        "payback": {"months": months.tolist(), "prob": prob.tolist()},
        "payback_cdf": {"months": cdf_months.tolist(), "prob": cdf_prob.tolist()},
        "fan": {
            "months": list(range(model.horizon_months + 1)),
            "bands": _bands(bands),
            "n_paths": int(result.paths.shape[0]),
            "groups": _fan_groups(result, split),
        },
        "waterfall": waterfall_items(result),
    }


def _bands(bands: Mapping[str, np.ndarray]) -> dict[str, list[float]]:
    return {k: v.tolist() for k, v in bands.items()}


def _npv_groups(result: Result, split: metrics.Split | None) -> list[dict[str, Any]] | None:
    """Each group's NPV when a success flag splits the outcome (``split``), else None.

    As ``figures/npv`` splits its histogram (:meth:`simulate.metrics.Split.groups`):
    the flag at 1 first, each group's share and number of all the trials, and
    its NPV at the levels of ``npv_quantiles``, a summary of the group's trials
    as that grid is of all of them.
    """
    if split is None:
        return None
    levels = metrics.quantile_levels()
    out = []
    for label, mask in split.groups():
        trials = int(np.count_nonzero(mask))
        out.append(
            {
                "label": label,
                "share": trials / mask.size,
                "trials": trials,
                "npv_quantiles": metrics.percentiles(result.npv[mask], levels).tolist(),
            }
        )
    return out


def _fan_groups(result: Result, split: metrics.Split | None) -> list[dict[str, Any]] | None:
    """The fan of each group of trials when a success flag splits the outcome (``split``), else None.

    As ``figures/cashflow`` draws them (:func:`simulate.metrics.outcome_split`,
    :func:`simulate.metrics.split_fan`): the flag at 1 first, each group's
    share of all the trials, its kept paths and its bands over them.
    """
    if split is None:
        return None
    return [
        {"label": label, "share": float(share), "n_paths": int(n), "bands": _bands(bands)}
        for label, share, n, bands in metrics.split_fan(result.paths, split)
    ]


# -- the file ----------------------------------------------------------------------------


def write_pack_data(folder: Path, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as ``folder/report_data.json`` (atomically); return its path."""
    path = Path(folder) / FILE_NAME
    write_json(path, data)
    return path


def read_pack_data(folder: Path) -> dict[str, Any]:
    """The report_data.json of a result folder.

    Raises
    ------
    ConfigError
        Naming the file and the fix when it is missing, unreadable, not JSON
        (a truncated file), or not a report_data.json of this format.
    """
    path = Path(folder) / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error(
            path, f"no {FILE_NAME} in this folder (is it a result folder?); {_FIX}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise _error(path, f"cannot be read ({why}); {_FIX}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(
            path, f"is not complete JSON ({exc.msg}): damaged or cut short; {_FIX}", exc.lineno
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("format"), str):
        raise _error(path, f"is not a simulate report data file (no format: key); {_FIX}")
    fmt = data["format"]
    if fmt != FORMAT:
        newer = fmt.startswith("simulate-report-data/")
        why = "was written by another version of simulate" if newer else "is not report data"
        raise _error(path, f"has format {fmt!r}, which {why} (this one reads {FORMAT}); {_FIX}")
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise _error(path, f"lacks {', '.join(missing)}: damaged or incomplete; {_FIX}")
    return data


def _error(path: Path, message: str, line: int | None = None) -> ConfigError:
    return ConfigError(Problem(message, file=str(path), line=line))
