"""An overlay's effect: the config with and without a reviewer's changes, on the same draws.

``simulate run --overlay`` runs the config as written, the overlaid config and
the partial overlays of the attribution with one seed and the same trials, so
every difference is paired (:mod:`simulate.compare`), and attributes the
change to each overridden item one at a time and in sequence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from .compare import KEY_METRICS, key_figure_change, key_figures, paired_comparison
from .config import Model, Overlay, load_config
from .errors import ConfigError
from .results import Result
from .runner import RunOptions, simulate_model
from .seeds import resolve_seed

__all__ = ["overlay_analysis"]

ONE_AT_A_TIME = (
    "one at a time: each change applied alone to the config, on the same draws; a row is "
    "that change's effect by itself. The rows need not add up to the total change: "
    "'interaction' is the total minus their sum."
)
SEQUENTIAL = (
    "sequential: the changes applied cumulatively in the order they are written in the "
    "overlay, on the same draws; a row is the effect of adding that change to those above "
    "it. The rows add up to the total change exactly; how it is split depends on the order."
)


class _Variants:
    """The config with some of the overlay's changes applied, each run once on the same draws.

    A variant is named by the set of indices of the changes it applies. The
    changes that move no cash flow (``fixed``: targets, a description) are
    in every variant the attribution asks for.
    """

    def __init__(
        self,
        overlay: Overlay,
        model_of: Callable[[frozenset], Model],
        npv_of: Callable[[Model], np.ndarray],
        overlaid: np.ndarray,
    ) -> None:
        self.overlay = overlay
        self._model_of = model_of  # ConfigError when a variant is not valid on its own
        self._npv_of = npv_of  # per-trial NPV on the shared draws
        self.all = frozenset(range(len(overlay.changes)))
        self.moving = [i for i, c in enumerate(overlay.changes) if c.affects_npv]
        self.fixed = self.all.difference(self.moving)
        self.npv: dict[frozenset, np.ndarray] = {self.all: overlaid}
        self._figures: dict[frozenset, tuple[dict | None, str]] = {}

    def label(self, i: int) -> str:
        return self.overlay.changes[i].label

    def figures(self, subset: frozenset) -> tuple[dict | None, str]:
        """The variant's key figures, or None and why it is not valid on its own."""
        if subset not in self._figures:
            if subset not in self.npv:
                try:
                    model = self._model_of(subset)
                except ConfigError as exc:
                    why = f"not valid on its own: {exc.problems[0].message}"
                    self._figures[subset] = (None, why)
                    return self._figures[subset]
                self.npv[subset] = self._npv_of(model)
            self._figures[subset] = (key_figures(self.npv[subset]), "")
        return self._figures[subset]


def _one_at_a_time(variants: _Variants, base: dict, total: dict) -> dict[str, Any]:
    """Each change applied alone: its effect, their sum, and the interaction left over."""
    rows = []
    for i in variants.moving:
        figs, note = variants.figures(frozenset({i}) | variants.fixed)
        change = key_figure_change(figs, base) if figs else dict.fromkeys(KEY_METRICS)
        rows.append({"path": variants.label(i), **change, "note": note})
    valid = [r for r in rows if r["note"] == ""]
    one_sum = {k: float(sum(r[k] for r in valid)) for k in KEY_METRICS} if valid else None
    interaction = (
        {k: total[k] - one_sum[k] for k in KEY_METRICS}
        if one_sum is not None and len(valid) == len(rows)
        else None
    )
    return {"method": ONE_AT_A_TIME, "rows": rows, "sum": one_sum, "interaction": interaction}


def _sequential(variants: _Variants, base: dict) -> dict[str, Any]:
    """The changes applied cumulatively in file order: what each adds to those above it."""
    rows = []
    previous = base
    for k, i in enumerate(variants.moving):
        figs, note = variants.figures(frozenset(variants.moving[: k + 1]) | variants.fixed)
        if figs is None or previous is None:
            rows.append({"path": variants.label(i), **dict.fromkeys(KEY_METRICS),
                         "note": note or "follows a step that is not valid"})  # fmt: skip
        else:
            rows.append(
                {"path": variants.label(i), **key_figure_change(figs, previous), "note": ""}
            )
        previous = figs
    return {"method": SEQUENTIAL, "order": [r["path"] for r in rows], "rows": rows}


def _changes(overlay: Overlay, base: Model, full: Model) -> list[dict[str, Any]]:
    """Each overridden item: what the change is, the item before and after, where it is written."""
    return [
        {
            "path": c.label,
            "change": c.describe(),
            "from": _current(base, full, c, before=True),
            "to": _current(base, full, c, before=False),
            "file": c.file,
            "line": c.line,
            "affects_npv": c.affects_npv,
        }
        for c in overlay.changes
    ]


def overlay_analysis(
    config: str,
    overlay: Overlay,
    options: RunOptions,
    *,
    scenario: str | None = None,
    data: bytes | None = None,
    keep_inputs: bool | None = None,
) -> tuple[Result, dict[str, Any]]:
    """Run ``config`` with and without ``overlay`` and attribute the difference.

    ``keep_inputs`` is passed on to the overlaid run (for samples.npz or
    sensitivity). Every run (the config as written, the overlaid config,
    and the partial overlays of the attribution) uses one seed (``options.seed``, else the
    config's, else one drawn from OS entropy and recorded) and the same
    trials, so all differences are paired.

    Returns
    -------
    result
        The overlaid run, as :func:`simulate.runner.simulate_model` makes it.
    report
        The ``overlay.json`` dict: key figures with and without the overlay,
        their change, P(overlaid NPV > the config's) and the attribution of
        the change to each overridden item, one at a time and sequentially.
    """

    def load(with_overlay: Overlay | None = None) -> Model:
        return load_config(config, scenario=scenario, overlay=with_overlay, data=data)

    base_model, full_model = load(), load(overlay)
    seed = resolve_seed(options.seed, base_model.seed)
    result = simulate_model(
        full_model, options, seed=seed, keep_inputs=keep_inputs, overlay=overlay
    )

    # The others on the overlaid run's trials (where --precision stopped it): same draws.
    same_trials = replace(options, trials=result.trials, precision=None)

    def model_of(subset: frozenset) -> Model:
        return load(overlay.subset(subset)) if subset else base_model

    def npv_of(model: Model) -> np.ndarray:
        return simulate_model(model, same_trials, seed=seed, keep_inputs=False, n_paths=0,
                              with_irr=False, line_flows=False).npv  # fmt: skip

    variants = _Variants(overlay, model_of, npv_of, result.npv)
    base, _ = variants.figures(frozenset())
    overlaid, _ = variants.figures(variants.all)
    total = key_figure_change(overlaid, base)
    one, seq = _one_at_a_time(variants, base, total), _sequential(variants, base)
    report = {
        "config": base_model.file,
        "name": base_model.name,
        "scenario": scenario,
        "overlay": overlay.file,
        "overlay_name": overlay.name,
        "overlay_description": overlay.description,
        "trials": result.trials,
        "seed": result.seed,
        "sampling": result.sampling,
        "currency": base_model.currency,
        "common_random_numbers": True,
        "changes": _changes(overlay, base_model, full_model),
        "notes": [w for w in full_model.warnings if w not in base_model.warnings],
        "base": base,
        "overlaid": overlaid,
        "change": total,
        "paired": paired_comparison(result.npv, variants.npv[frozenset()]),
        "attribution": {"metrics": list(KEY_METRICS), "one_at_a_time": one, "sequential": seq},
    }
    return result, report


def _current(base: Model, full: Model, change, *, before: bool) -> str:
    """The overridden item as the model sees it, before or after the overlay."""
    model = base if before else full
    if change.section == "priors":
        prior = model.priors.get(change.key)
        return prior.describe() if prior is not None else ""
    if change.section == "top":
        return str(getattr(model, change.key, "") or "")
    if change.section == "targets":
        value = getattr(model, f"target_{change.key}", None)
        return "" if value is None else f"{value:g}"
    if change.section == "lines":
        target = full if not before else base
        for line in target.lines:
            if line.name == change.key or line.path == change.key:
                ref = line.fields.get(change.field)
                if ref is None:
                    return str(line.options.get(change.field, ""))
                if ref.is_constant:
                    return f"{ref.value:g}"
                inp = target.inputs[ref.input]
                return f"{inp.name}: {inp.prior.describe()}"
    return ""
