"""Files of a finished run: JSON without NaN, samples.npz, atomic result folders.

Writing is atomic, one way per kind. A folder (:func:`atomic_dir`) is filled
as a hidden temporary folder beside the target, which replaces the target
only once complete; a file (:func:`replacing`, used by every writer here) is
written under a hidden temporary name and renamed over the target. A failed
or interrupted run leaves no half-written result behind.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_dir",
    "dumps",
    "finite_or_none",
    "replace_text",
    "replacing",
    "write_json",
    "write_samples",
]


def finite_or_none(x: Any) -> float | None:
    """A JSON-able float: None for None, NaN and infinities (JSON has none of them)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path`` that replaces it when the block succeeds.

    A reader never sees a half-written file: the new content appears at
    ``path`` in one rename, or not at all (the temporary file is removed on
    any error or interrupt).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`replacing`)."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def dumps(obj: Any) -> str:
    """JSON text with NaN and infinities written as null (JSON has neither)."""
    return json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n"


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return finite_or_none(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON (see :func:`dumps`) to ``path`` atomically."""
    replace_text(path, dumps(obj))


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_samples(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """``samples.npz``: the given per-trial arrays by name (see ``Result.sample_arrays``).

    Written atomically (see :func:`replacing`); through an open file, since
    numpy would add ``.npz`` to the temporary file's name.
    """
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
