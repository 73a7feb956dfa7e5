"""Distributions for uncertain values (docs/model.md section 2), as a registry.

The maths of each family lives in its own module (:mod:`.uniform`,
:mod:`.beta`, :mod:`.normal`, :mod:`.metalog`, :mod:`.discrete`), each class a
frozen dataclass of canonical parameters with a vectorised ``ppf``, ``cdf``,
``sample``, ``median``, ``mean`` and ``support`` (:class:`Prior`). The config
syntax is apart from it: :mod:`.syntax` holds a distribution's alternative
forms of parameters, :mod:`.params` checks and fits each one (and holds
:data:`REGISTRY`), and :func:`parse_prior` turns one YAML mapping into a
prior, reporting every mistake in it at once as a
:class:`~simulate.errors.ConfigError`.

Every prior is drawn by its inverse CDF (``sample`` is ``ppf`` of uniforms,
as a run draws), so a changed prior maps the same uniforms monotonically.
The hot path (``ppf`` over 1e6-1e7 values) uses closed forms,
``scipy.special`` and, for beta and PERT, a table of the inverse CDF built
once per pair of shapes (:mod:`.betainv`); never ``scipy.stats``
objects, whose per-call overhead dominates at this scale.
"""

from ..support import Support
from .base import U_EPS, Prior
from .beta import Beta, Pert
from .discrete import Bernoulli, Discrete, Fixed
from .metalog import Metalog
from .normal import Lognormal, Normal
from .params import REGISTRY
from .parse import parse_prior
from .uniform import Triangular, Uniform

__all__ = [
    "REGISTRY",
    "U_EPS",
    "Bernoulli",
    "Beta",
    "Discrete",
    "Fixed",
    "Lognormal",
    "Metalog",
    "Normal",
    "Pert",
    "Prior",
    "Support",
    "Triangular",
    "Uniform",
    "parse_prior",
]
