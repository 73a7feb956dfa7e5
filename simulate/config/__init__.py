"""The config stage: YAML in, a validated and frozen :class:`Model` out.

:mod:`.loader` reads YAML strictly (duplicate keys, lines of every path),
:mod:`.schema` holds each line type's fields and domains, :mod:`.priors` the
distributions, :mod:`.overrides` scenarios and overlays, :mod:`.correlation`
the rank-correlation target, and :mod:`.model` builds and checks the model.
Nothing here imports numba or matplotlib: ``simulate validate`` loads only
this package.
"""

from .model import (
    SAMPLING_METHODS,
    SCENARIO_KEYS,
    Input,
    Line,
    Model,
    Overlay,
    Ref,
    load_config,
    load_overlay,
    model_from_dict,
)

__all__ = [
    "SAMPLING_METHODS",
    "SCENARIO_KEYS",
    "Input",
    "Line",
    "Model",
    "Overlay",
    "Ref",
    "load_config",
    "load_overlay",
    "model_from_dict",
]
