"""Hostile input files (tests/hostile/): each one clean problem, at once, through the CLI too.

Every file is a config (an overlay if its name starts with ``overlay_``) that
once crashed, hung, ate memory, ran silently with a wrong value, or was
accepted with a tag ignored (issue 11). Each must give exactly one problem
naming the file and the line, within a second, and through
``python -m simulate`` exit 2 with one line on stderr and nothing written.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulate import ConfigError, load_config
from simulate.config import compose, load_overlay, loader

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "hostile"
BOMB = "the document expands to more than 100,000 values"
DEEP = "mappings and lists nest more than 64 levels deep"
TAG = "is not allowed: a config holds only plain numbers"
MERGE = "<< (a merge) takes a mapping"
NUL = "a NUL character (U+0000)"
EMPTY = "the config is empty"
NOT_MAPPING = "the config must be a mapping"

# file -> (line, a part of the message)
EXPECTED = {
    "alias_as_key.yaml": (14, "n: a key must be a plain name"),
    "alias_bomb_priors.yaml": (11, f"priors.bomb.l5[0]: {BOMB}"),
    "alias_bomb_scenarios.yaml": (21, f"scenarios.lots.l5[0]: {BOMB}"),
    "bad_explicit_int.yaml": (12, "costs[0].amount: 'five' cannot be read as !!int"),
    "bell_character.yaml": (1, "the control character U+0007 in column 7"),
    "comments_only.yaml": (1, EMPTY),
    "deep_alias.yaml": (14, DEEP),
    "deep_block.yaml": (77, DEEP),
    "deep_flow.yaml": (13, DEEP),
    "duplicate_anchor.yaml": (14, "b: the anchor &x is already defined on line 13"),
    "empty.yaml": (1, EMPTY),
    "huge_float.yaml": (12, "costs[0].amount: 1.0e+999 is too large"),
    "huge_integer.yaml": (12, "costs[0].amount: 999999999999... (500 characters) is too large"),
    "invalid_utf8.yaml": (1, "the file is not UTF-8 text (byte 0xff"),
    "key_alias_twice.yaml": (3, "horizon_months: 'horizon_months' is given twice"),
    "list.yaml": (1, NOT_MAPPING),
    "merge_list_of_numbers.yaml": (15, f"item.<<: {MERGE}"),
    "merge_number.yaml": (5, f"priors.aht.<<: {MERGE}"),
    "nul_byte.yaml": (2, f"{NUL} in column 18"),
    "octal.yaml": (
        7,
        "contacts_per_month: 0100 starts with 0, so YAML 1.1 reads it as the octal number 64",
    ),
    "overlay_alias_bomb.yaml": (9, f"priors.aht.l5[0]: {BOMB}"),
    "recursive_alias_list.yaml": (13, "extra[0]: the alias *a is inside the value it names"),
    "recursive_alias_map.yaml": (13, "extra.x: the alias *a is inside the value it names"),
    "scalar.yaml": (1, NOT_MAPPING),
    "sexagesimal.yaml": (9, "cost_per_hour: 1:30 is a base-60 number to YAML 1.1, read as 90"),
    "tag_binary.yaml": (1, f"name: the YAML tag !!binary {TAG}"),
    "tag_python_apply.yaml": (13, f"extra: the YAML tag !!python/object/apply:os.system {TAG}"),
    "tag_python_name.yaml": (2, f"horizon_months: the YAML tag !!python/name:os.system {TAG}"),
    "tag_python_object.yaml": (3, f"priors: the YAML tag !!python/object:os.system {TAG}"),
    "tag_set.yaml": (13, f"extra: the YAML tag !!set {TAG}"),
    "tag_unknown_list.yaml": (10, f"costs: the YAML tag !lines {TAG}"),
    "tag_unknown_map.yaml": (4, f"priors.aht: the YAML tag !prior {TAG}"),
    "tag_unknown_scalar.yaml": (2, f"horizon_months: the YAML tag !years {TAG}"),
    "too_many_entries.yaml": (12, "costs[0].monthly: more than 10,000 entries in one list"),
    "two_documents.yaml": (13, "a second YAML document starts here"),
    "undefined_alias.yaml": (8, "seconds_saved: the alias *aht names no anchor &aht above it"),
    "utf16_bom.yaml": (1, "the file is UTF-16 text; save it as UTF-8"),
    "utf16_no_bom.yaml": (1, f"{NUL} in column 2, which YAML does not allow: is the file UTF-16"),
}


def test_every_file_of_the_corpus_has_its_expected_problem():
    assert sorted(p.name for p in CORPUS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_one_problem_naming_file_and_line(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # where a !!python tag would write, if it ran
    path = CORPUS / name
    load = load_overlay if name.startswith("overlay_") else load_config
    # CPU time of this process, not wall time: a guard against a hang or a
    # blow-up (seconds of work), which a loaded machine must not trip.
    start = time.process_time()
    with pytest.raises(ConfigError) as info:
        load(path)
    elapsed = time.process_time() - start
    line, part = EXPECTED[name]
    assert len(info.value.problems) == 1, info.value.problems
    assert str(info.value).startswith(f"{path}:{line}: ") and part in str(info.value)
    assert elapsed < 1.0
    assert list(tmp_path.iterdir()) == []


def _limited() -> None:  # in the child: a regression fails with MemoryError, not swapping
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def simulate_cli(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "simulate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,
        check=False,
    )


def _one_line_each(stderr: str, files: list[Path]) -> None:
    lines = stderr.splitlines()
    assert len(lines) == len(files), stderr
    for line, path in zip(lines, files, strict=True):
        assert line.removeprefix("error: ").startswith(f"{path}:"), line


def test_validate_exits_2_with_one_line_per_hostile_file(tmp_path):
    names = [
        "alias_bomb_priors.yaml",
        "alias_bomb_scenarios.yaml",
        "deep_flow.yaml",
        "recursive_alias_list.yaml",
        "tag_python_apply.yaml",
        "merge_number.yaml",
        "nul_byte.yaml",
        "utf16_no_bom.yaml",
        "empty.yaml",
        "huge_integer.yaml",
    ]
    files = [CORPUS / n for n in names]
    done = simulate_cli(["validate", *map(str, files)], tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    _one_line_each(done.stderr, files)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_validate_refuses_a_pipe_a_device_a_folder_and_a_huge_file_at_once(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "huge.yaml").write_bytes(b"monthly: [" + b"1, " * 1_000_000 + b"1]\n")  # 3 MB
    files = [tmp_path / "pipe.yaml", tmp_path / "folder.yaml", tmp_path / "huge.yaml"]
    if Path("/dev/zero").exists():
        files.append(Path("/dev/zero"))
    start = time.perf_counter()
    done = simulate_cli(["validate", *map(str, files)], work, timeout=30)
    assert done.returncode == 2
    _one_line_each(done.stderr, files)
    assert time.perf_counter() - start < 20  # a hang or a full read takes the whole timeout
    assert list(work.iterdir()) == []


def test_run_with_a_hostile_overlay_writes_nothing(tmp_path):
    overlay = CORPUS / "overlay_alias_bomb.yaml"
    config = ROOT / "configs" / "lead_conversion.yaml"
    done = simulate_cli(
        ["run", str(config), "--overlay", str(overlay), "--trials", "100", "--out", "out"], tmp_path
    )
    assert done.returncode == 2
    _one_line_each(done.stderr, [overlay])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(compose.CParser is None, reason="PyYAML has no libyaml here")
def test_the_pure_python_parser_gives_the_same_problems(monkeypatch):
    """Without libyaml the events come from PyYAML's own parser: same limits, same lines."""

    def problems() -> list[str]:
        found = []
        for name in sorted(EXPECTED):
            if (CORPUS / name).stat().st_size > 10_000:  # the pure-Python parser is slow
                continue
            monkeypatch.setattr(loader, "_last_read", (None, None, {}))
            load = load_overlay if name.startswith("overlay_") else load_config
            with pytest.raises(ConfigError) as info:
                load(CORPUS / name)
            found.append(str(info.value))
        return found

    with_libyaml = problems()
    monkeypatch.setattr(compose, "CParser", None)
    assert problems() == with_libyaml
