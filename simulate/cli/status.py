"""Exit status and how the ``simulate`` command reports problems on stderr.

0 success; 2 an invalid config or usage (one line per problem, no
traceback); 1 an unexpected internal error (loud, with traceback).
"""

from __future__ import annotations

import sys

from ..errors import ConfigError

__all__ = ["EXIT_FAILED", "EXIT_INVALID", "EXIT_OK", "report_invalid", "usage_error", "warn"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def warn(message: str) -> None:
    """``warning: message`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def report_invalid(exc: ConfigError) -> None:
    """One ``error:`` line per problem, each naming its file and place in it."""
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def usage_error(exc: ConfigError) -> int:
    """Report a bad command-line value (problems without a file show only their message)."""
    for problem in exc.problems:
        text = str(problem) if problem.file else problem.message
        print(f"error: {text}", file=sys.stderr)
    return EXIT_INVALID
