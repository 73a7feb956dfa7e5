"""The config stage: YAML in, a validated and frozen :class:`Model` out.

:mod:`.loader` reads YAML strictly (duplicate keys, lines of every path);
:mod:`.overrides` reads a scenario or an overlay and :mod:`.merge` applies
it. :mod:`.build` then checks each part with its own module:
:mod:`.settings` the top-level keys, :mod:`.inputs` the priors (the
distributions are in :mod:`.priors`) and the fields that use them,
:mod:`.lines` the benefits and costs against :mod:`.schema`, and
:mod:`.correlation` the rank-correlation target; every problem is collected
by :mod:`.checks`, and :mod:`.numbers` says what is a number and what to
write instead of a mistyped one. :mod:`.model` holds the result. Nothing here imports numba
or matplotlib: ``simulate validate`` loads only this package.
"""

from .build import load_config, model_from_dict
from .model import Input, Line, Model, Ref
from .overrides import SCENARIO_KEYS, Overlay, load_overlay
from .settings import SAMPLING_METHODS

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
