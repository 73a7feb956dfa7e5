"""Shared fixtures. Tests import the package from the checkout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
TESTS = Path(__file__).parent
ROOT = TESTS.parent
CONFIGS = ROOT / "configs"
sys.path.insert(0, str(TESTS))  # for reference_model


@pytest.fixture
def configs_dir() -> Path:
    return CONFIGS


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
