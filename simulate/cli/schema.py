"""``simulate schema``: the config's JSON Schema (draft-07) on stdout.

Loads the config layer only, as ``validate`` does.
"""

from __future__ import annotations

import argparse
import sys

from ..config.json_schema import schema_text
from .status import EXIT_OK

__all__ = ["cmd_schema"]


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema; editors read it (see docs/interface.md, simulate schema)."""
    sys.stdout.write(schema_text())
    return EXIT_OK
