"""``python -m simulate`` is the ``simulate`` command."""

from .cli import console

console()
