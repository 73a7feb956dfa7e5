"""``python -m simulate`` and the ``simulate`` console script: :func:`main`."""

from __future__ import annotations

import os
import signal


def _leave(signum: int, frame: object) -> None:
    # Nothing is written before the command sets its own handlers (status.catch_signals),
    # so an interrupt while its modules load ends the process at once, as one after would.
    os.write(2, b"interrupted\n")
    os._exit(128 + signum)


def main() -> None:
    """Run the command line (``simulate.cli.console``), quiet on an interrupt while it loads.

    Importing the command's modules takes a few tenths of a second, before
    any handler of the command is set: SIGINT there would print a
    ``KeyboardInterrupt`` traceback. Until ``console`` sets its own, SIGINT
    and SIGTERM print ``interrupted`` and exit 130 / 143.
    """
    saved = {sig: signal.signal(sig, _leave) for sig in (signal.SIGINT, signal.SIGTERM)}
    from .cli import console  # the command's modules: loaded under _leave

    for sig, handler in saved.items():  # console sets the command's at once
        signal.signal(sig, handler)
    console()


if __name__ == "__main__":
    main()
