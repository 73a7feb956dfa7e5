"""Files of a finished run: JSON without NaN, samples.npz, atomic result folders.

Writing is atomic, one way per kind. A folder (:func:`atomic_dir`) is filled
as a hidden temporary folder beside the target, which replaces the target
only once complete, keeping the files of the old folder that the new one
does not have (a run replaces only what it writes); a set of folders written
together (:func:`atomic_set`) is staged whole and swapped in only once
complete, one set at a time; a file (:func:`replacing`, used by every writer here) is written
under a hidden temporary name and renamed over the target. A failed or
interrupted run leaves no half-written result behind, two runs writing the
same folder at once never fail or leave a temporary folder (the last one
wins), and a folder's name can never lead outside its root
(:func:`result_folder`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = [
    "FIGURE_FORMATS",
    "FOLDER_RULE",
    "FORMULA_START",
    "MAX_NAME_BYTES",
    "MIN_FREE_BYTES",
    "atomic_dir",
    "atomic_set",
    "dumps",
    "finite_or_none",
    "folder_name_problem",
    "plain_numbers",
    "replace_text",
    "replacing",
    "result_folder",
    "writable_problem",
    "write_json",
    "write_samples",
]

# A result folder's name, in UTF-8 bytes: file systems allow 255, and the
# temporary folder beside it adds a dot, a random tag and ".tmp".
MAX_NAME_BYTES = 200
# Free space a destination must have before a run starts (a run with charts
# writes about 1 MB).
MIN_FREE_BYTES = 4 << 20


# The file formats a chart can be saved in (the CLI checks --format against it
# without loading matplotlib; plotting saves them).
FIGURE_FORMATS = ("png", "svg", "pdf")


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
    # A name of its own: two writers of the same file never share a temporary file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
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
    return json.dumps(plain_numbers(obj, for_json=True), indent=2, allow_nan=False) + "\n"


def plain_numbers(obj: Any, *, for_json: bool = False) -> Any:
    """``obj`` with every numpy scalar a plain Python float, int or bool (recursively).

    ``for_json`` also makes keys strings and NaN and infinities None.
    """
    if isinstance(obj, dict):
        return {
            (str(k) if for_json else k): plain_numbers(v, for_json=for_json) for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [plain_numbers(v, for_json=for_json) for v in obj]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return finite_or_none(obj) if for_json else float(obj)
    return obj


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON (see :func:`dumps`) to ``path`` atomically."""
    replace_text(path, dumps(obj))


# What Excel (and LibreOffice, Google Sheets) read as the start of a formula in a cell
# typed in or a CSV opened: a text written to a spreadsheet or a CSV that starts so is
# guarded (report.xlsx's quote prefix, a batch CSV's leading ').
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What folder_name_problem asks of a name, said where one is refused.
FOLDER_RULE = (
    "a folder's name holds no / or \\ or control character, does not start with '.' and has "
    f"at most {MAX_NAME_BYTES} bytes (UTF-8): rename or shorten it"
)


def folder_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a result folder (one safe path component), or None."""
    if not name:
        return "it is empty"
    if name in (".", ".."):
        return f"{name!r} is not a folder name"
    if name.startswith("."):
        return "it starts with '.' (a hidden name, kept for temporary folders)"
    bad = sorted({c for c in name if c in "/\\" or ord(c) < 32 or ord(c) == 127})
    if bad:
        return "it contains " + ", ".join(repr(c) for c in bad)
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return f"it is {size} bytes long, and a folder name may have at most {MAX_NAME_BYTES}"
    return None


def _inside(root: Path, target: Path) -> bool:
    """Whether ``target`` resolves to a path inside ``root`` (symbolic links followed)."""
    root, target = Path(os.path.realpath(root)), Path(os.path.realpath(target))
    return target != root and target.is_relative_to(root)


def result_folder(root: Path, name: str, *, what: str = "") -> Path:
    """``root / name``, checked: one safe component that stays inside ``root``.

    Raises ConfigError naming ``what`` (such as ``scenario 'x'``) otherwise.
    """
    why = folder_name_problem(name)
    if why is None and not _inside(root, Path(root) / name):
        why = f"it leads outside {root}"
    if why is not None:
        subject = f"{what} cannot name" if what else f"{name!r} cannot be"
        raise ConfigError(f"{subject} a result folder ({name!r}): {why}; {FOLDER_RULE}")
    return Path(root) / name


def writable_problem(folder: Path) -> str | None:
    """Why results cannot be written into ``folder`` (made if missing), or None.

    Checks the folder, or its nearest existing parent, is a folder this
    process can create files in, with at least :data:`MIN_FREE_BYTES` free.
    """
    folder = Path(folder)
    probe = folder
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return "it is a file, not a folder" if probe == folder else f"{probe} is a file"
    try:
        tag = probe / f".simulate-probe.{os.getpid()}-{secrets.token_hex(4)}"
        tag.touch(exist_ok=False)
        tag.unlink()
    except OSError as exc:
        return f"cannot create files in {probe}: {exc.strerror}"
    stat = os.statvfs(probe)
    free = stat.f_bavail * stat.f_frsize
    if free < MIN_FREE_BYTES:
        return f"only {free:,} bytes are free on its disk"
    return None


@contextmanager
def _temp_dir(near: Path) -> Iterator[Path]:
    """A new hidden folder beside ``near`` (the umask's permissions, not 0700), removed after.

    Its name is known before it is made, so an interrupt at any point, even
    the instant after ``mkdir``, leaves no folder behind.
    """
    tmp = None
    try:
        for _ in range(100):
            tmp = near.with_name(f".{near.name}.{secrets.token_hex(4)}.tmp")
            try:
                os.mkdir(tmp, 0o777)
                break
            except FileExistsError:
                tmp = None  # another's: not ours to remove
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(near))
        yield tmp
    finally:
        if tmp is not None and os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _keep_others(old: Path, new: Path) -> None:
    """Link (or copy) into ``new`` each file of ``old`` that ``new`` does not have."""
    for dirpath, _, filenames in os.walk(old):
        rel = Path(dirpath).relative_to(old)
        for name in filenames:
            dst = new / rel / name
            if os.path.lexists(dst):
                continue
            try:
                dst.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(Path(dirpath) / name, dst)
                except OSError:
                    shutil.copy2(Path(dirpath) / name, dst)
            except (FileNotFoundError, NotADirectoryError, FileExistsError):
                continue  # gone meanwhile (another run's swap), or a folder here now


def _restore_or_drop(old: Path, target: Path) -> None:
    """Put ``old`` back at ``target`` if the swap did not happen; else remove it.

    If another run's folder took ``target`` meanwhile, that folder wins and
    ``old`` is removed.
    """
    if not os.path.lexists(target):
        try:
            os.rename(old, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    shutil.rmtree(old, ignore_errors=True)


def _swap_in(tmp: Path, target: Path) -> None:
    """Move the complete folder ``tmp`` to ``target``, keeping the old folder's other files.

    Another run may swap its own folder in at the same moment: then the swap
    is retried over that folder (the last writer wins, and keeps its files).
    """
    for _ in range(100):
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        try:
            os.rename(target, old)
        except FileNotFoundError:
            old = None
        try:
            # from the old folder once it is out of the way: a file another run
            # writes into the target meanwhile is not lost between the copy and the swap
            if old is not None and old.is_dir():
                _keep_others(old, tmp)
            os.rename(tmp, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        finally:  # also on an interrupt between the two renames
            if old is not None:
                _restore_or_drop(old, target)
    raise OSError(errno.EBUSY, "the result folder kept changing; try again", str(target))


@contextmanager
def atomic_dir(target: Path, *, root: Path | None = None) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` when the block succeeds.

    Files of the old ``target`` that the block did not write are kept. The
    temporary folder is removed on any error or interrupt, leaving
    ``target`` as it was. ``root`` (the ``--out`` folder), if given, must
    contain ``target``; ``target``'s name must be a safe folder name
    (:func:`folder_name_problem`).
    """
    target = Path(target)
    why = folder_name_problem(target.name)
    if why is None and root is not None and not _inside(root, target):
        why = f"it leads outside {root}"
    if why is not None:
        raise ConfigError(f"{target} cannot be a result folder: {why}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temp_dir(target) as tmp:
        yield tmp
        _swap_in(tmp, target)


@contextmanager
def atomic_set(root: Path, folders: Sequence[str]) -> Iterator[Path]:
    """Yield a staging folder whose contents replace their places in ``root`` together.

    Write each result folder of ``folders`` as ``staging/<name>/`` and any
    other file where it goes under ``root`` (``staging/comparisons/x.json``).
    When the block succeeds, each folder replaces ``root/<name>`` (as
    :func:`atomic_dir` does, keeping its other files) and each other file
    replaces its counterpart; on an error or interrupt nothing in ``root``
    changes.
    """
    root = Path(root)
    for name in folders:
        result_folder(root, name)
    root.mkdir(parents=True, exist_ok=True)
    with _temp_dir(root / "simulate-set") as staging:
        yield staging
        for name in folders:
            (staging / name).mkdir(exist_ok=True)
        others = [
            p
            for p in sorted(staging.rglob("*"))
            if not p.is_dir() and p.relative_to(staging).parts[0] not in folders
        ]
        with _set_lock(root):  # another run's set swaps before or after, never between
            for name in folders:
                _swap_in(staging / name, root / name)
            for path in others:
                dest = root / path.relative_to(staging)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)


SET_LOCK = ".simulate-set.lock"  # in ``root`` while a set swaps in


@contextmanager
def _set_lock(root: Path) -> Iterator[None]:
    """Hold ``root``'s set lock (an exclusive ``flock``): one set swaps in at a time.

    Without it two runs of ``--scenario all`` into one folder swapped their
    folders in turn, one by one, and could leave one run's base beside the
    other's scenarios. The lock file is removed before it is unlocked; a run
    that then locks the removed file sees that it is no longer the one in
    ``root`` and takes the new one. A run killed outright (SIGKILL) may leave
    it behind: an empty file that the next set takes and removes.
    """
    path = root / SET_LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits; an interrupt unwinds from here
            try:
                current = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                current = False
        except BaseException:
            os.close(fd)
            raise
        if current:
            break
        os.close(fd)  # a lock file removed meanwhile: lock the one there now
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def write_samples(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """``samples.npz``: the given per-trial arrays by name (see ``Result.sample_arrays``).

    Written atomically (see :func:`replacing`); through an open file, since
    numpy would add ``.npz`` to the temporary file's name.
    """
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
