"""Step 1 of a batch: the config files that the command line's paths name."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError, Problem

__all__ = ["YAML_SUFFIXES", "discover"]

YAML_SUFFIXES = (".yaml", ".yml")


def _is_yaml(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in YAML_SUFFIXES


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _is_yaml(p) and not p.name.startswith("."))


def _matches(text: str) -> tuple[list[Path], Problem | None]:
    """The config files one path names, or the problem with it."""
    p = Path(text)
    if p.is_dir():
        matches = _yaml_files(p)
        if not matches:
            return [], Problem("the folder has no *.yaml or *.yml files", file=text)
        return matches, None
    if p.is_file():
        return [p], None
    if glob.has_magic(text):
        matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if _is_yaml(Path(m)))
        if not matches:
            return [], Problem("the pattern matches no *.yaml or *.yml file", file=text)
        return matches, None
    return [], Problem("no such file or folder", file=text)


def discover(paths: Sequence[str | Path]) -> list[str]:
    """Config files named by ``paths``: files, folders and glob patterns.

    A folder gives its ``*.yaml`` / ``*.yml`` files (not recursive, hidden
    files skipped), a glob its matching YAML files (``**`` recurses); both
    sorted. The configs keep the order of ``paths``; a file named twice (by
    any route, symlinks resolved) comes once, where it is first named.

    Raises
    ------
    ConfigError
        Naming each path that is missing or matches no YAML file.
    """
    found: list[str] = []
    seen: set[str] = set()
    problems = []
    for raw in paths:
        matches, problem = _matches(str(raw))
        if problem is not None:
            problems.append(problem)
        for m in matches:
            key = os.path.realpath(m)
            if key not in seen:
                seen.add(key)
                found.append(str(m))
    if problems:
        raise ConfigError(problems)
    return found
