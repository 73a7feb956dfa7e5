"""simulate.files: JSON without NaN, and atomic writes of files and folders."""

from __future__ import annotations

import json
import math
import os
import threading
import time
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


def test_atomic_dir_replaces_what_it_writes_and_keeps_the_rest(tmp_path):
    target = tmp_path / "results" / "case"
    (target / "figures").mkdir(parents=True)
    (target / "summary.json").write_text("old", encoding="utf-8")
    (target / "sensitivity.json").write_text("kept", encoding="utf-8")
    (target / "figures" / "spider.png").write_bytes(b"kept")
    with atomic_dir(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".")
        (tmp / "summary.json").write_text("new", encoding="utf-8")
        (tmp / "figures").mkdir()
        (tmp / "figures" / "npv.png").write_bytes(b"new")
        assert (target / "summary.json").read_text() == "old"  # until the block ends
    assert _entries(target) == ["figures", "sensitivity.json", "summary.json"]
    assert (target / "summary.json").read_text() == "new"
    assert (target / "sensitivity.json").read_text() == "kept"
    assert _entries(target / "figures") == ["npv.png", "spider.png"]
    assert _entries(tmp_path / "results") == ["case"]  # no temporary or old folder left


def test_a_file_written_into_the_target_just_before_the_swap_is_kept(tmp_path, monkeypatch):
    # Another run writes report.html into the folder at the moment this run swaps its
    # own in: the other files are taken from the old folder once it is moved aside, so
    # the late file is not lost (it was, when they were copied before the move).
    import simulate.files as files

    target = tmp_path / "case"
    target.mkdir()
    (target / "summary.json").write_text("old", encoding="utf-8")
    real_rename = os.rename

    def rename(src, dst):
        if Path(src) == target and str(dst).endswith(".old"):
            (target / "report.html").write_text("late", encoding="utf-8")
        return real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", rename)
    with atomic_dir(target) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert (target / "summary.json").read_text() == "new"
    assert (target / "report.html").read_text() == "late"
    assert _entries(tmp_path) == ["case"]


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


def test_atomic_dir_respects_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "case") as tmp:
            (tmp / "summary.json").write_text("{}", encoding="utf-8")
    finally:
        os.umask(old)
    assert (tmp_path / "case").stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0700


def test_two_writers_racing_into_one_folder_never_fail_or_leave_a_temporary(tmp_path):
    import threading

    target = tmp_path / "out" / "case"
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(tag: str) -> None:
        try:
            for i in range(40):
                if i == 0:
                    start.wait()
                with atomic_dir(target) as tmp:
                    (tmp / "summary.json").write_text(f"{tag}{i}", encoding="utf-8")
                    (tmp / f"only-{tag}.txt").write_text(str(i), encoding="utf-8")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _entries(tmp_path / "out") == ["case"]  # no .tmp or .old left
    assert (target / "summary.json").read_text() in {"a39", "b39"}
    assert _entries(target) == ["only-a.txt", "only-b.txt", "summary.json"]


@pytest.mark.parametrize(
    "name", ["x/../../escaped", "../escaped", "a" * 300, "a\0b", "..", ".hidden", "a\\b", ""]
)
def test_a_folder_name_never_leads_outside_its_root(tmp_path, name):
    from simulate.errors import ConfigError
    from simulate.files import result_folder

    root = tmp_path / "out"
    with pytest.raises(ConfigError, match="cannot"):
        result_folder(root, name, what="scenario 'x'")
    with (
        pytest.raises(ConfigError, match="cannot be a result folder"),
        atomic_dir(root / name, root=root),
    ):
        pass
    assert not list(tmp_path.rglob("*")) or _entries(tmp_path) == ["out"]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_folder_name_too_long_says_the_rule_not_a_narrower_one(tmp_path):
    # The advice was "use letters, digits, '-', '_', '.' and spaces", which scenario
    # names (café, plan+10%) and file stems are not held to: it states the real rule.
    from simulate.errors import ConfigError
    from simulate.files import result_folder

    with pytest.raises(ConfigError) as info:
        result_folder(tmp_path, "case--" + "y" * 195, what="scenario 'y...'")
    message = str(info.value)
    assert "it is 201 bytes long" in message and "rename or shorten it" in message
    assert "no / or \\ or control character" in message and "use letters" not in message
    assert result_folder(tmp_path, "case--plan+10% (café)") == tmp_path / "case--plan+10% (café)"


def test_atomic_dir_refuses_a_target_outside_its_root(tmp_path):
    from simulate.errors import ConfigError

    with (
        pytest.raises(ConfigError, match="outside"),
        atomic_dir(tmp_path / "out" / "x" / ".." / ".." / "escaped", root=tmp_path / "out"),
    ):
        pass
    assert not (tmp_path / "escaped").exists()


def test_atomic_set_replaces_folders_and_files_together(tmp_path):
    from simulate.files import atomic_set

    out = tmp_path / "out"
    for name in ("case", "case--high"):
        (out / name).mkdir(parents=True)
        (out / name / "summary.json").write_text("old", encoding="utf-8")
    (out / "comparisons").mkdir()
    (out / "comparisons" / "case.json").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_set(out, ["case", "case--high"]) as stage:
        (stage / "case").mkdir()
        (stage / "case" / "summary.json").write_text("new", encoding="utf-8")
        raise KeyboardInterrupt  # before the scenario and the comparison are written
    assert {p.read_text() for p in out.rglob("*.json")} == {"old"}
    assert _entries(out) == ["case", "case--high", "comparisons"]
    with atomic_set(out, ["case", "case--high"]) as stage:
        for name in ("case", "case--high", "comparisons"):
            (stage / name).mkdir()
        for path in ("case/summary.json", "case--high/summary.json", "comparisons/case.json"):
            (stage / path).write_text("new", encoding="utf-8")
    assert {p.read_text() for p in out.rglob("*.json")} == {"new"}
    assert _entries(out) == ["case", "case--high", "comparisons"]


def test_two_sets_written_into_one_folder_at_once_are_never_mixed(tmp_path, monkeypatch):
    # two `run --scenario all` into one --out swapped their folders in turn:
    # one left its base beside the other's scenarios and comparison
    from simulate import files

    out, folders = tmp_path / "out", ["case", "case--high"]
    first_in = threading.Event()
    swap_in = files._swap_in

    def slow_swap_in(tmp: Path, target: Path) -> None:
        swap_in(tmp, target)
        if threading.current_thread().name == "slow":  # its base is in; its scenario waits
            first_in.set()
            time.sleep(0.5)

    def write_set(tag: str) -> None:
        with files.atomic_set(out, folders) as stage:
            for name in (*folders, "comparisons"):
                (stage / name).mkdir()
            for path in ("case/summary.json", "case--high/summary.json", "comparisons/case.json"):
                (stage / path).write_text(tag, encoding="utf-8")

    monkeypatch.setattr(files, "_swap_in", slow_swap_in)
    slow = threading.Thread(target=write_set, args=("slow",), name="slow")
    slow.start()
    try:
        assert first_in.wait(10)
        write_set("fast")  # waits for the slow set, then replaces it whole
    finally:
        slow.join()
    assert {p.read_text() for p in out.rglob("*.json")} == {"fast"}
    assert _entries(out) == ["case", "case--high", "comparisons"]  # no lock file left


def test_writable_problem_names_files_and_full_disks(tmp_path, monkeypatch):
    from simulate import files

    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    assert files.writable_problem(tmp_path / "new" / "deeper") is None
    assert files.writable_problem(a_file) == "it is a file, not a folder"
    assert files.writable_problem(a_file / "sub") == f"{a_file} is a file"
    assert _entries(tmp_path) == ["file.txt"]  # the probe leaves nothing

    class Full:
        f_bavail, f_frsize = 10, 4096

    monkeypatch.setattr(files.os, "statvfs", lambda _: Full)
    assert "40,960 bytes are free" in files.writable_problem(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_writable_problem_names_a_read_only_folder(tmp_path):
    from simulate.files import writable_problem

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert "cannot create files" in writable_problem(folder / "out")
    finally:
        folder.chmod(0o755)
