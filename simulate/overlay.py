"""An overlay's effect: the config with and without a reviewer's changes, on the same draws.

``simulate run --overlay`` runs the config as written, the overlaid config and
the partial overlays of the attribution with one seed and the same trials, so
every difference is paired (:mod:`simulate.compare`), and attributes the
change to each overridden item one at a time and in sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compare import KEY_METRICS, key_figure_change, key_figures, paired_comparison
from .config import Model, Overlay, load_config
from .engine import Result
from .errors import ConfigError
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
    base_model = load_config(config, scenario=scenario, data=data)
    full_model = load_config(config, scenario=scenario, overlay=overlay, data=data)
    seed = resolve_seed(options.seed, base_model.seed)
    result = simulate_model(full_model, options, seed=seed, keep_inputs=keep_inputs)
    fast = {"keep_inputs": False, "n_paths": 0, "with_irr": False}
    cache: dict[frozenset, tuple[dict | None, str]] = {}
    npv_of: dict[frozenset, np.ndarray] = {}

    def figures_for(subset: frozenset) -> tuple[dict | None, str]:
        if subset not in cache:
            if subset == frozenset(range(len(overlay.changes))):
                npv = result.npv
            else:
                try:
                    if subset:
                        model = load_config(
                            config, scenario=scenario, overlay=overlay.subset(subset), data=data
                        )
                    else:
                        model = base_model
                except ConfigError as exc:
                    cache[subset] = (None, f"not valid on its own: {exc.problems[0].message}")
                    return cache[subset]
                npv = simulate_model(model, options, seed=seed, **fast).npv
            npv_of[subset] = npv
            cache[subset] = (key_figures(npv), "")
        return cache[subset]

    moving = [i for i, c in enumerate(overlay.changes) if c.affects_npv]
    fixed = frozenset(i for i, c in enumerate(overlay.changes) if not c.affects_npv)
    base, _ = figures_for(frozenset())
    overlaid, _ = figures_for(frozenset(range(len(overlay.changes))))
    total = key_figure_change(overlaid, base)

    one = []
    for i in moving:
        figs, note = figures_for(frozenset({i}) | fixed)
        row = {
            "path": overlay.changes[i].label,
            **(key_figure_change(figs, base) if figs else dict.fromkeys(KEY_METRICS)),
        }
        one.append({**row, "note": note})
    valid = [r for r in one if r["note"] == ""]
    one_sum = {k: float(sum(r[k] for r in valid)) for k in KEY_METRICS} if valid else None
    interaction = (
        {k: total[k] - one_sum[k] for k in KEY_METRICS}
        if one_sum is not None and len(valid) == len(one)
        else None
    )

    seq = []
    previous = base
    for k, i in enumerate(moving):
        figs, note = figures_for(frozenset(moving[: k + 1]) | fixed)
        if figs is None or previous is None:
            seq.append(
                {
                    "path": overlay.changes[i].label,
                    **dict.fromkeys(KEY_METRICS),
                    "note": note or "follows a step that is not valid",
                }
            )
        else:
            seq.append(
                {"path": overlay.changes[i].label, **key_figure_change(figs, previous), "note": ""}
            )
        previous = figs

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
        "changes": [
            {
                "path": c.label,
                "change": c.describe(),
                "from": _current(base_model, full_model, c, before=True),
                "to": _current(base_model, full_model, c, before=False),
                "file": c.file,
                "line": c.line,
                "affects_npv": c.affects_npv,
            }
            for c in overlay.changes
        ],
        "notes": [w for w in full_model.warnings if w not in base_model.warnings],
        "base": base,
        "overlaid": overlaid,
        "change": total,
        "paired": paired_comparison(result.npv, npv_of[frozenset()]),
        "attribution": {
            "metrics": list(KEY_METRICS),
            "one_at_a_time": {
                "method": ONE_AT_A_TIME,
                "rows": one,
                "sum": one_sum,
                "interaction": interaction,
            },
            "sequential": {"method": SEQUENTIAL, "order": [r["path"] for r in seq], "rows": seq},
        },
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
