"""What identifies a run's config: summary.json's ``config_hash`` and ``overlay``.

The config as written is identified by its file's bytes; a scenario or an
overlay changes what runs, so a model loaded with one carries a hash of its
own (:func:`config_hash`), and the overlay it was loaded with
(``Model.overlay_record``). :func:`~simulate.config.load_config` sets both,
so every run of the model, from the command line or from Python
(``simulate.run(model).summary()``), records the same identity.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .overrides import Overlay

__all__ = ["config_hash", "file_hash"]


def file_hash(digest: bytes) -> str:
    """The config as written's hash: the first 8 hex digits of ``digest``, the SHA-256 of its bytes."""
    return digest.hex()[:8]


def config_hash(base: str, scenario: str | None, overlay: Overlay | None) -> str:
    """The hash of a config (``base``: :func:`file_hash`) with ``scenario`` and ``overlay`` applied.

    ``base`` itself for the config as written; otherwise the first 8 hex
    digits of SHA-256 over ``base``, the scenario's name, the overlay file's
    stem and its bytes, so that a scenario or overlaid run never shares the
    base case's hash (docs/interface.md, summary.json).
    """
    if scenario is None and overlay is None:
        return base
    h = hashlib.sha256(base.encode())
    h.update(b"\0scenario\0" + (scenario or "").encode("utf-8", "surrogatepass"))
    h.update(b"\0overlay\0" + (overlay.stem if overlay else "").encode("utf-8", "surrogatepass"))
    if overlay is not None:
        h.update(b"\0" + _overlay_bytes(overlay))
    return h.hexdigest()[:8]


def _overlay_bytes(overlay: Overlay) -> bytes:
    """What identifies an overlay's content: its file's bytes as read, else its changes."""
    if overlay.data is not None:
        return overlay.data
    try:  # an Overlay made by hand, not by load_overlay
        return Path(overlay.file).read_bytes()
    except OSError:
        return repr((overlay.name, overlay.description, overlay.changes)).encode()
