"""The documented limits on a YAML input file (docs/model.md, "Input limits").

Each limit is far above any real config (the example configs are at most
7 KB, 355 values, 5 levels deep, with at most 14 entries in a mapping or
list) and low enough that a hostile file fails within a fraction of a
second and a few megabytes: the file is checked before it is read, and the
node, depth and entry counts as the parser composes it, before anything is
built from it. They apply to configs and overlays alike.
"""

from __future__ import annotations

__all__ = [
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "MAX_NUMBER_CHARS",
    "MAX_SCENARIOS",
    "MAX_TEXT",
    "entries_limit",
]

#: The largest file read, in bytes (1 MiB). At most this many bytes plus one
#: are ever read, so an endless file such as ``/dev/zero`` cannot fill memory.
MAX_FILE_BYTES = 1 << 20

#: The most YAML values (nodes: each mapping, list and scalar, keys included)
#: in the document as expanded: each use of an alias (``*name``) counts the
#: whole value it names again, so a "billion laughs" fails at its first
#: alias past the limit.
MAX_NODES = 100_000

#: The most characters of scalar text (keys included) in the document as
#: expanded: an alias of a long text counts it again, so an error message
#: that quotes a value cannot be multiplied into gigabytes.
MAX_TEXT = 4 * MAX_FILE_BYTES

#: The deepest nesting of mappings and lists, aliases expanded. A config
#: needs 5.
MAX_DEPTH = 64

#: The most entries in one mapping or list: priors, lines, scenarios,
#: ``monthly:`` amounts (600 at most are used: ``horizon_months`` is at most
#: 600), correlations.
MAX_ENTRIES = 10_000

#: The longest number written out, in characters (a float holds no more
#: than 309 digits before the point).
MAX_NUMBER_CHARS = 400

#: The most scenarios under the top-level ``scenarios:`` (each is validated
#: and run as a config of its own, so ``validate`` reads the file once per
#: scenario).
MAX_SCENARIOS = 100


def entries_limit(path: str) -> tuple[int, str]:
    """The most entries the mapping or list at ``path`` may have, and what they are called.

    >>> entries_limit("scenarios"), entries_limit("priors")
    ((100, 'scenarios'), (10000, 'entries'))
    """
    if path == "scenarios":
        return MAX_SCENARIOS, "scenarios"
    return MAX_ENTRIES, "entries"
