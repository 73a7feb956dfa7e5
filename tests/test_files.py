"""simulate.files: JSON without NaN, and atomic writes of files and folders."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.files import (
    atomic_dir,
    dumps,
    finite_or_none,
    replace_text,
    replacing,
    write_json,
    write_samples,
)


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (-np.inf, None),
        (np.float32(0.5), 0.5),
        (np.int64(3), 3.0),
        (-0.0, -0.0),
        (1e308, 1e308),
    ],
)
def test_finite_or_none(value, expected):
    got = finite_or_none(value)
    assert got == expected and (got is None) == (expected is None)
    assert got is None or type(got) is float


def test_dumps_writes_nan_and_infinities_as_null_and_numpy_as_python():
    obj = {
        "nan": np.nan,
        "inf": float("inf"),
        "values": (np.float64(1.5), np.int32(2), np.bool_(True), "x", None),
        3: [np.float32(-np.inf)],
    }
    text = dumps(obj)
    assert text.endswith("}\n") and '\n  "nan": null,' in text  # indented, newline at the end
    assert json.loads(text) == {
        "nan": None,
        "inf": None,
        "values": [1.5, 2, True, "x", None],
        "3": [None],
    }


@given(
    st.recursive(
        st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.none(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_dumps_is_json_with_every_finite_number_kept(obj):
    def expected(x):
        if isinstance(x, dict):
            return {k: expected(v) for k, v in x.items()}
        if isinstance(x, list):
            return [expected(v) for v in x]
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x

    assert json.loads(dumps(obj)) == expected(obj)


# -- one file ----------------------------------------------------------------------------------


def test_replacing_replaces_the_file_in_one_rename(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    reader = tmp_path / "reader.txt"
    os.link(path, reader)  # a reader holding the old file
    with replacing(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".")
        tmp.write_text("new", encoding="utf-8")
        assert path.read_text(encoding="utf-8") == "old"  # nothing seen before the block ends
    assert path.read_text(encoding="utf-8") == "new"
    assert reader.read_text(encoding="utf-8") == "old"  # a new file, not the old one rewritten
    assert _entries(tmp_path) == ["out.txt", "reader.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_replacing_keeps_the_old_file_when_the_block_fails(tmp_path, error):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(error), replacing(path) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise error
    assert path.read_text(encoding="utf-8") == "old"
    assert _entries(tmp_path) == ["out.txt"]  # no .part file left behind


def test_replacing_a_missing_file_that_fails_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), replacing(tmp_path / "new.txt") as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError
    assert _entries(tmp_path) == []


def test_replace_text_and_write_json_write_through_replacing(tmp_path):
    for name, write, content, expected in (
        ("a.txt", replace_text, "é\n", "é\n"),
        ("a.json", write_json, {"x": np.nan}, '{\n  "x": null\n}\n'),
    ):
        path = tmp_path / name
        path.write_text("old", encoding="utf-8")
        reader = tmp_path / f"reader-{name}"
        os.link(path, reader)
        write(path, content)
        assert path.read_text(encoding="utf-8") == expected
        assert reader.read_text(encoding="utf-8") == "old"
    assert _entries(tmp_path) == ["a.json", "a.txt", "reader-a.json", "reader-a.txt"]


def test_write_json_that_cannot_encode_keeps_the_old_file(tmp_path):
    path = tmp_path / "summary.json"
    write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text(encoding="utf-8")) == {"ok": 1}
    assert _entries(tmp_path) == ["summary.json"]


def test_write_samples_round_trip(tmp_path):
    arrays = {"npv": np.linspace(-1.0, 1.0, 7), "input__cut": np.arange(7, dtype=np.float64)}
    path = tmp_path / "samples.npz"
    write_samples(path, arrays)
    assert _entries(tmp_path) == ["samples.npz"]  # numpy added no second .npz
    with np.load(path) as got:
        assert sorted(got.files) == sorted(arrays)
        for name, a in arrays.items():
            np.testing.assert_array_equal(got[name], a)
    reader = tmp_path / "reader.npz"
    os.link(path, reader)
    write_samples(path, {"npv": np.zeros(3)})
    with np.load(reader) as old, np.load(path) as new:  # replaced, not rewritten in place
        assert sorted(old.files) == sorted(arrays) and new.files == ["npv"]
    assert _entries(tmp_path) == ["reader.npz", "samples.npz"]


# -- one folder --------------------------------------------------------------------------------


def test_atomic_dir_replaces_the_whole_folder(tmp_path):
    target = tmp_path / "results" / "case"
    target.mkdir(parents=True)
    (target / "stale.txt").write_text("from the last run", encoding="utf-8")
    with atomic_dir(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".")
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
        assert _entries(target) == ["stale.txt"]  # the old folder until the block ends
    assert _entries(target) == ["summary.json"]
    assert _entries(tmp_path / "results") == ["case"]  # no temporary or old folder left


def test_atomic_dir_creates_the_parents(tmp_path):
    target = tmp_path / "a" / "b" / "case"
    with atomic_dir(target) as tmp:
        (tmp / "f").write_bytes(b"x")
    assert (target / "f").read_bytes() == b"x"


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_atomic_dir_keeps_the_old_folder_when_the_block_fails(tmp_path, error):
    target = tmp_path / "case"
    target.mkdir()
    (target / "summary.json").write_text("old", encoding="utf-8")
    with pytest.raises(error), atomic_dir(target) as tmp:
        (tmp / "summary.json").write_text("half", encoding="utf-8")
        raise error
    assert (target / "summary.json").read_text(encoding="utf-8") == "old"
    assert _entries(tmp_path) == ["case"]
