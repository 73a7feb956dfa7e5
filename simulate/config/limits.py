"""The documented limits on a YAML input file (docs/model.md, "Input limits").

Each limit is far above any real config (the example configs are at most
7 KB, about 300 values, 5 levels deep, with at most 12 entries in a mapping
or list) and low enough that a hostile file fails within a fraction of a
second and a few megabytes: the file is checked before it is read, and the
node, depth and entry counts as the parser composes it, before anything is
built from it. They apply to configs and overlays alike.
"""

from __future__ import annotations

__all__ = ["MAX_DEPTH", "MAX_ENTRIES", "MAX_FILE_BYTES", "MAX_NODES", "MAX_NUMBER_CHARS"]

#: The largest file read, in bytes (1 MiB). At most this many bytes plus one
#: are ever read, so an endless file such as ``/dev/zero`` cannot fill memory.
MAX_FILE_BYTES = 1 << 20

#: The most YAML values (nodes: each mapping, list and scalar, keys included)
#: in the document as expanded: each use of an alias (``*name``) counts the
#: whole value it names again, so a "billion laughs" fails at its first
#: alias past the limit.
MAX_NODES = 100_000

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
