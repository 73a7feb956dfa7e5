"""``python -m simulate`` is the ``simulate`` command."""

from .cli import main

raise SystemExit(main())
