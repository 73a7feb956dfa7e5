"""The strict YAML loader: duplicate keys are errors, every path knows its line,
and hostile input (aliases, depth, tags, odd files and characters) is one clean
problem."""

from __future__ import annotations

import codecs
import contextlib
import math
import os
import re
import socket
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from test_config import BASE, one_problem

from simulate import ConfigError, load_config
from simulate.config import limits, load_overlay, loader
from simulate.config.loader import (
    is_number,
    join_path,
    load_yaml,
    read_file_bytes,
    read_yaml_file,
)


def test_key_given_twice_is_an_error(write_config):
    msg = one_problem(
        write_config,
        BASE.replace("horizon_months: 24\n", "horizon_months: 24\nhorizon_months: 36\n"),
    )
    assert "given twice" in msg and ":3:" in msg


def test_yaml_syntax_error_names_the_line(write_config):
    msg = one_problem(write_config, BASE + "oops: [1, 2\n")
    assert "not valid YAML" in msg


CHECK = "check the indentation, colons and quotes"


@pytest.mark.parametrize(
    ("text", "line", "column", "hint"),
    [
        ("a: [1, 2\n", 2, 1, CHECK),
        ("a:\n\tb: 1\n", 2, 1, "this is a tab: YAML indents with spaces"),
        ("a: b: c\n", 1, 5, CHECK),
    ],
)
def test_a_syntax_error_names_line_column_and_what_to_check(text, line, column, hint):
    with pytest.raises(ConfigError) as info:
        load_yaml(text, "f.yaml")
    assert str(info.value).startswith(f"f.yaml:{line}: this is not valid YAML: ")
    assert str(info.value).endswith(f" (column {column}); {hint}")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_every_key_and_list_item_has_its_line():
    value, lines = load_yaml("a:\n  b: 1\n  c:\n    - 1\n    - x: 2\nd: 3\n")
    assert value == {"a": {"b": 1, "c": [1, {"x": 2}]}, "d": 3}
    assert lines == {"a": 1, "a.b": 2, "a.c": 3, "a.c[0]": 4, "a.c[1]": 5, "a.c[1].x": 5, "d": 6}


def test_merge_keys_are_resolved():
    value, lines = load_yaml("base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n")
    assert value["item"] == {"x": 1, "y": 2}
    assert lines["item.y"] == 4


def test_a_key_must_be_a_plain_name():
    with pytest.raises(ConfigError, match="a key must be a plain name") as info:
        load_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert str(info.value) == "f.yaml:1: a key must be a plain name"


def test_bytes_given_are_read_instead_of_the_file():
    assert read_yaml_file("not-there.yaml", "config", b"a: 1\n") == ({"a": 1}, {"a": 1}, b"a: 1\n")
    with pytest.raises(ConfigError) as info:
        read_yaml_file("not-there.yaml", "config", b"a: 1\nb: \xff\n")
    assert str(info.value) == (
        "not-there.yaml:2: the file is not UTF-8 text (byte 0xff on this line cannot be "
        "read); save it as UTF-8"
    )


def test_a_file_read_again_is_parsed_once_and_never_shared(monkeypatch):
    data = b"a: {b: [1, 2]}\n"
    monkeypatch.setattr(loader, "_last_read", (None, None, {}))
    calls = []
    monkeypatch.setattr(loader, "load_yaml", lambda *a: calls.append(a) or load_yaml(*a))
    first, lines, _ = read_yaml_file("c.yaml", "config", data)
    first["a"]["b"].append(3)
    lines.clear()
    assert read_yaml_file("c.yaml", "config", data)[:2] == (
        {"a": {"b": [1, 2]}},
        {"a": 1, "a.b": 1, "a.b[0]": 1, "a.b[1]": 1},
    )
    assert len(calls) == 1
    monkeypatch.setattr(limits, "MAX_NODES", 3)  # read within other limits: parsed again
    with pytest.raises(ConfigError, match="more than 3 values"):
        read_yaml_file("c.yaml", "config", data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, True), (0.5, True), (True, False), (math.inf, False), (math.nan, False), ("3", False)],
)
def test_is_number(value, expected):
    assert is_number(value) is expected


def test_join_path():
    assert join_path("benefits", 1) == "benefits[1]"
    assert join_path("benefits[1]", "lag") == "benefits[1].lag"
    assert join_path("", "priors") == "priors"


# Hostile input (issue 11): limits, tags, merges, characters, numbers. Small
# limits are set with monkeypatch; one test of each limit uses the default.


def problem_of(text: str, file: str = "f.yaml") -> str:
    """The one problem ``load_yaml`` finds in ``text``, as the CLI prints it."""
    with pytest.raises(ConfigError) as info:
        load_yaml(text, file)
    assert len(info.value.problems) == 1, info.value.problems
    return str(info.value.problems[0])


def laughs(levels: int, indent: str = "") -> str:
    """A "billion laughs": each level a list of nine aliases of the level below."""
    out = [f"{indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        out.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(out) + "\n"


ALIASES = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\nc: [*a, *a, *a]\n"  # 66 values


def test_each_alias_counts_what_it_names_again(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 66)
    value, _ = load_yaml(ALIASES)
    assert value["c"] == [list(range(1, 10))] * 3
    monkeypatch.setattr(limits, "MAX_NODES", 65)
    assert problem_of(ALIASES).startswith(
        "f.yaml:3: c[2]: the document expands to more than 65 values (each alias counts "
        "what it names again"
    )


@pytest.mark.parametrize(
    "text",
    [
        "priors:\n  bomb:\n" + laughs(9, "    "),
        "scenarios:\n  s:\n" + laughs(9, "    "),
        laughs(9) + "x: [*l8, *l8, *l8]\n",
    ],
    ids=["priors", "scenarios", "top"],
)
def test_a_billion_laughs_fails_at_once_with_the_default_limit(text):
    tracemalloc.start()
    start = time.perf_counter()
    message = problem_of(text)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"more than {limits.MAX_NODES:,} values" in message
    assert re.match(r"f\.yaml:\d+: (\S+\.)?l5\[\d\]: the document expands", message), message
    assert elapsed < 1.0 and peak < 20e6, (elapsed, peak)


def test_an_overlay_alias_bomb_fails_at_once(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text("name: x\npriors:\n  aht:\n" + laughs(9, "    "))
    with pytest.raises(ConfigError, match=r"review\.yaml:9: priors\.aht\.l5\[\d\]: the document"):
        load_overlay(path)


def test_the_text_aliases_expand_to_is_limited(monkeypatch):
    """A long text aliased many times would be quoted by every error message about it."""
    big = "x" * (limits.MAX_TEXT // 4)
    text = f"big: &b {big}\nuses: [*b, *b, *b, *b]\n"
    assert problem_of(text).startswith(
        f"f.yaml:2: uses[2]: the document expands to more than {limits.MAX_TEXT:,} characters "
        "of text (each alias counts the text it names again)"
    )
    monkeypatch.setattr(limits, "MAX_TEXT", 32)  # a, 10 x's, b, 2 x 10 x's
    assert load_yaml("a: &a xxxxxxxxxx\nb: [*a, *a]\n")[0]["b"] == ["x" * 10] * 2
    assert problem_of("a: &a xxxxxxxxxx\nb: [*a, *a, *a]\n").startswith("f.yaml:2: b[2]: ")


@pytest.mark.parametrize(
    ("text", "line", "path"),
    [
        ("a: &a [*a]\n", 1, "a[0]"),
        ("a: &a {x: *a}\n", 1, "a.x"),
        ("a:\n  - b: &a\n      - c: [1, *a]\n", 3, "a[0].b[0].c[1]"),
        ("a: &a {<<: *a}\n", 1, "a.<<"),
    ],
)
def test_a_recursive_alias_is_an_error_not_a_recursion_error(text, line, path):
    assert problem_of(text) == (
        f"f.yaml:{line}: {path}: the alias *a is inside the value it names (a recursive "
        "alias), which never ends: remove the alias"
    )


def nested(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


def test_nesting_is_limited_aliases_expanded(monkeypatch):
    assert load_yaml(nested(limits.MAX_DEPTH - 1))[0]["a"] is not None  # the root is level 1
    message = problem_of(nested(limits.MAX_DEPTH))
    assert message.startswith("f.yaml:1: a[0][0] ...(")
    assert message.endswith(
        f"more than {limits.MAX_DEPTH} levels deep (a config needs 5): flatten the structure"
    )
    monkeypatch.setattr(limits, "MAX_DEPTH", 4)
    assert load_yaml("a: &a [[1]]\nb: [*a]\n")[0]["b"] == [[[1]]]
    assert problem_of("a: &a [[1]]\nb: [[*a]]\n").startswith(
        "f.yaml:2: b[0][0]: mappings and lists"
    )


@pytest.mark.parametrize(
    "text",
    [
        nested(500),
        "".join("  " * i + f"k{i}:\n" for i in range(500)) + "  " * 500 + "x: 1\n",
        "".join("  " * i + "-\n" for i in range(500)) + "  " * 500 + "x\n",
    ],
    ids=["flow", "block-mappings", "block-lists"],
)
def test_500_levels_deep_is_a_clean_error(text):
    assert "levels deep" in problem_of(text)


def test_entries_of_one_mapping_or_list_are_limited(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ENTRIES", 3)
    assert load_yaml("a: [1, 2, 3]\nb: {x: 1, y: 2, z: 3}\n")[0]["b"] == {"x": 1, "y": 2, "z": 3}
    assert problem_of("x: 1\na: [1, 2, 3, 4]\n") == (
        "f.yaml:2: a: more than 3 entries in one list: a config has at most a few hundred; "
        "split it or shorten it"
    )
    assert problem_of("a:\n  b: {w: 1, x: 2, y: 3, z: 4}\n").startswith(
        "f.yaml:2: a.b: more than 3 entries in one mapping"
    )
    merged = "a: &a {w: 1, x: 2}\nb: &b {y: 1, z: 2}\nc: {<<: [*a, *b]}\n"
    assert problem_of(merged).startswith("f.yaml:3: c: more than 3 entries in one mapping")


def test_scenarios_are_limited_where_they_end_up(monkeypatch):
    many = "".join(f"  s{i}: {{}}\n" for i in range(limits.MAX_SCENARIOS + 1))
    assert problem_of("name: x\nscenarios:\n" + many) == (
        f"f.yaml:{limits.MAX_SCENARIOS + 3}: scenarios: more than {limits.MAX_SCENARIOS} "
        "scenarios: each is validated "
        "and run as a config of its own; split them over several configs"
    )
    monkeypatch.setattr(limits, "MAX_SCENARIOS", 2)
    assert load_yaml("scenarios: {a: {}, b: {}}\nx: {scenarios: {a: 1, b: 2, c: 3}}\n")
    aliased = "s: &s {a: {}, b: {}, c: {}}\nscenarios: *s\n"
    assert problem_of(aliased).startswith("f.yaml:2: scenarios: more than 2 scenarios")
    merged = "s: &s {a: {}, b: {}}\nscenarios:\n  <<: *s\n  c: {}\n"
    assert problem_of(merged).startswith("f.yaml:2: scenarios: more than 2 scenarios")


def test_the_default_entry_limit():
    many = "monthly: [" + "1, " * (limits.MAX_ENTRIES - 1) + "1]\n"
    assert len(load_yaml(many)[0]["monthly"]) == limits.MAX_ENTRIES
    assert f"more than {limits.MAX_ENTRIES:,} entries" in problem_of(many.replace("[", "[1, "))


# Files: only regular files, at most MAX_FILE_BYTES.


def _unblock_later(fifo: Path, after: float = 3.0) -> None:
    """Open ``fifo`` for writing after a while, so a reader blocked on it (a bug) returns."""

    def run() -> None:
        time.sleep(after)
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader waiting: nothing to unblock
            pass

    threading.Thread(target=run, daemon=True).start()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    _unblock_later(fifo)
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_config(fifo)
    assert (
        str(info.value)
        == f"{fifo}: cannot read the config: it is a named pipe (FIFO), not a file: give the path of a YAML file"
    )
    assert time.perf_counter() - start < 1.0


def test_a_folder_a_device_and_a_socket_are_refused(tmp_path):
    cases = {tmp_path: "a folder"}
    if Path("/dev/zero").exists():
        cases[Path("/dev/zero")] = "a character device"
    with contextlib.ExitStack() as stack:
        if hasattr(socket, "AF_UNIX"):
            sock = stack.enter_context(socket.socket(socket.AF_UNIX))
            sock.bind(str(tmp_path / "s.yaml"))
            cases[tmp_path / "s.yaml"] = "a socket"
        for path, kind in cases.items():
            with pytest.raises(ConfigError) as info:
                read_yaml_file(path, "overlay")
            assert (
                str(info.value)
                == f"{path}: cannot read the overlay: it is {kind}, not a file: give the path of a YAML file"
            )


def test_a_path_with_a_nul_character_is_a_problem():
    with pytest.raises(ConfigError) as info:
        load_config("a\0b.yaml")
    assert str(info.value) == "'a\\x00b.yaml': cannot read the config: its path has a NUL character"


def test_the_file_size_is_limited(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * limits.MAX_FILE_BYTES + b"\n")
    message = (
        f"{path}: the config is larger than 1,048,576 bytes (1 MiB), the limit for an input file"
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)
    with open(path, "wb") as sparse:
        sparse.truncate(1 << 40)  # 1 TiB that says so: refused before reading
    with pytest.raises(ConfigError, match=re.escape(message)):
        read_file_bytes(path)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    path.write_bytes(b"a: 1234567")  # 10 bytes
    assert read_yaml_file(path, "config")[0] == {"a": 1234567}
    with pytest.raises(ConfigError, match="larger than 10 bytes"):
        read_yaml_file(path, "config", data=b"a: 12345678")  # bytes given (a cluster worker)


def test_no_more_than_the_limit_is_read_from_a_file_that_says_it_is_empty(tmp_path, monkeypatch):
    """A /proc-like file whose size is 0 until read: reading stops past the limit."""
    path = tmp_path / "endless.yaml"
    path.write_bytes(b"#" * 10_000)
    real_stat, real_read, total = os.stat, os.read, []

    def stat_says_empty(p, *args, **kwargs):
        info = real_stat(p, *args, **kwargs)
        return os.stat_result((*info[:6], 0, *info[7:]))

    def counting_read(fd, n):
        chunk = real_read(fd, n)
        total.append(len(chunk))
        return chunk

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(os, "stat", stat_says_empty)
    monkeypatch.setattr(os, "read", counting_read)
    with pytest.raises(ConfigError, match="larger than 100 bytes"):
        read_file_bytes(path)
    assert sum(total) == 101


# Tags: only the plain YAML types; nothing is ever constructed from a tag.


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/name:os.system\n", "!!python/name:os.system"),
        ("a: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
        ("a: !!python/object:os.system {x: 1}\n", "!!python/object:os.system"),
        ("a: !foo 1\n", "!foo"),
        ("a: !foo [1]\n", "!foo"),
        ("a: !foo {x: 1}\n", "!foo"),
        ("a: !!binary aGk=\n", "!!binary"),
        ("a: !!timestamp 2025-01-31\n", "!!timestamp"),
        ("a: !!set {x}\n", "!!set"),
        ("a: !!omap [x: 1]\n", "!!omap"),
        ("a: !!str [1]\n", "!!str"),
        ("a: !<tag:example.com,2000:x> 1\n", "tag:example.com,2000:x"),
        ("? !foo k\n: 1\n", "!foo"),
    ],
)
def test_a_tag_is_an_error_naming_it(text, tag):
    assert problem_of(text).startswith("f.yaml:1: ")
    assert (
        f"the YAML tag {tag} is not allowed: a config holds only plain numbers, text, lists and mappings; remove the tag"
        in problem_of(text)
    )


def test_nothing_is_constructed_from_a_tag(monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("a PyYAML constructor was called")

    for cls in (yaml.constructor.BaseConstructor, yaml.constructor.FullConstructor):
        for name in ("construct_object", "construct_document", "find_python_name"):
            if hasattr(cls, name):
                monkeypatch.setattr(cls, name, forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.chdir(tmp_path)
    value, _ = load_yaml(
        "a: 1\nb: [x, 2.5, null, yes, '3']\nbase: &b {k: 1}\nc: {<<: *b, z: 2025-01-31}\n"
    )
    assert value == {
        "a": 1,
        "b": ["x", 2.5, None, True, "3"],
        "base": {"k": 1},
        "c": {"k": 1, "z": "2025-01-31"},
    }
    with pytest.raises(ConfigError, match="not allowed"):
        load_yaml("a: !!python/object/apply:os.system [touch pwned]\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("!!str 12", "12"),
        ("!!int '12'", 12),
        ("!!float 1", 1.0),
        ("!!bool yes", True),
        ("!!null ''", None),
        ("!!seq [1]", [1]),
        ("!!map {x: 1}", {"x": 1}),
    ],
)
def test_the_plain_tags_are_allowed(text, value):
    assert load_yaml(f"a: {text}\n")[0]["a"] == value


@pytest.mark.parametrize(
    "text", ["!!int five", "!!int ''", "!!float x", "!!bool maybe", "!!null x"]
)
def test_a_value_that_does_not_fit_its_tag(text):
    tag = text.split()[0]
    assert problem_of(f"x: 1\na: {text}\n").startswith("f.yaml:2: a: ")
    assert f"cannot be read as {tag}: fix the value or remove the tag" in problem_of(f"a: {text}\n")


# Merges (<<): a mapping or a list of mappings; the mapping's own keys win.


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a:\n  <<: 5\n", 2),
        ("b: &b {x: 1}\na:\n  y: 1\n  <<: [*b, 5]\n", 4),
        ("s: &s text\na: {<<: *s}\n", 2),
        ("a: {<<: [[1]]}\n", 1),
    ],
)
def test_a_merge_of_anything_but_mappings_is_an_error(text, line):
    assert problem_of(text) == (
        f"f.yaml:{line}: a.<<: << (a merge) takes a mapping, e.g. <<: *defaults, or a list "
        "of them, not a number, text or a list of other values: fix or remove it"
    )


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1, y: 1}\nitem: {<<: *b, x: 2}\n",
        "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc: {<<: [*a, *b], w: 3}\n",
        "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, x: 3}\n",
        "a: &a {x: 1}\nc: {w: 0, <<: *a, v: 2}\n",
    ],
)
def test_merged_keys_are_overridden_as_pyyaml_does_not_given_twice(text):
    value, lines = load_yaml(text)
    expected = yaml.safe_load(text)
    assert value == expected and [list(v) for v in value.values()] == [
        list(v) for v in expected.values()
    ]
    assert all(path in lines for path in ("c.x", "item.x") if path.split(".")[0] in value)


def test_a_key_given_twice_beside_a_merge_is_still_an_error():
    message = problem_of("a: &a {x: 1}\nc:\n  <<: *a\n  y: 1\n  y: 2\n")
    assert message.startswith("f.yaml:5: c.y: 'y' is given twice in this mapping (first on line 4)")


# Characters and encodings.


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        ("a: 1\n".encode("utf-16"), 1, "the file is UTF-16 text; save it as UTF-8"),
        ("a: 1\n".encode("utf-32"), 1, "the file is UTF-32 text; save it as UTF-8"),
        (
            "a: 1\n".encode("utf-16-le"),
            1,
            "a NUL character (U+0000) in column 2, which YAML does not allow: is the file "
            "UTF-16 or binary? Save it as UTF-8 text",
        ),
        (b"a: 1\nb: 2\x003\n", 2, "a NUL character (U+0000) in column 5"),
        (
            b"a: 1\n\nb: x\x07\n",
            3,
            "the control character U+0007 in column 5, which YAML does not allow: delete it",
        ),
        (b"a: \x1b[31m\n", 1, "the control character U+001B in column 4"),
        (b"a: x\x7f\n", 1, "the control character U+007F in column 5"),
        ("a: x\x80\n".encode(), 1, "the control character U+0080 in column 5"),
        (
            b"a: 1\nb: 2\nc: \xc3\x28\n",
            3,
            "the file is not UTF-8 text (byte 0xc3 on this line cannot be read); save it as UTF-8",
        ),
    ],
)
def test_an_unreadable_file_is_one_problem_with_its_line(data, line, message):
    with pytest.raises(ConfigError) as info:
        read_yaml_file("c.yaml", "config", data)
    assert len(info.value.problems) == 1
    assert str(info.value).startswith(f"c.yaml:{line}: {message}")


def test_utf8_with_a_byte_order_mark_tabs_and_crlf_are_read():
    data = codecs.BOM_UTF8 + b"a: 1\r\nb: 'x\ty'\r\n"
    assert read_yaml_file("c.yaml", "config", data)[:2] == ({"a": 1, "b": "x\ty"}, {"a": 1, "b": 2})


def test_a_lone_surrogate_in_text_is_a_problem_not_a_crash():
    assert problem_of("a: 1\nb: \ud800\n").startswith("f.yaml:2: the control character U+D800")


@pytest.mark.parametrize("what", ["config", "overlay"])
@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_says_so(tmp_path, what, text):
    path = tmp_path / "e.yaml"
    path.write_text(text)
    load = load_config if what == "config" else load_overlay
    with pytest.raises(ConfigError) as info:
        load(path)
    example = "configs/template.yaml" if what == "config" else "configs/overlays/cfo_review.yaml"
    assert str(info.value) == (
        f"{path}:1: the {what} is empty (nothing but blank lines or comments); write its "
        f"keys, as in {example}"
    )


@pytest.mark.parametrize("load", [load_config, load_overlay])
@pytest.mark.parametrize("text", ["just text\n", "12\n", "- a\n- b\n"])
def test_a_file_that_is_not_a_mapping_is_one_problem(tmp_path, load, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert len(info.value.problems) == 1 and str(info.value).startswith(f"{path}:1: ")
    assert "must be a mapping" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &x 1\nb: &x 2\n",
            "f.yaml:2: b: the anchor &x is already defined on line 1: give this one another name",
        ),
        (
            "a: 1\nb: *x\n",
            "f.yaml:2: b: the alias *x names no anchor &x above it: define the anchor first, or write the value (a prior is named without *)",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2: a second YAML document starts here (after ---), but a file holds one: delete the second or move it to a file of its own",
        ),
        (
            "&k a: 1\n*k : 2\n",
            "f.yaml:2: a: 'a' is given twice in this mapping (first on line 1); YAML would silently keep the last one. Delete one of them.",
        ),
        ("m: &m {a: 1}\nn: {*m : 2}\n", "f.yaml:2: n: a key must be a plain name"),
    ],
)
def test_anchors_aliases_and_documents(text, message):
    assert problem_of(text) == message


def test_a_key_with_a_line_break_cannot_add_a_line_to_a_problem(write_config):
    path = write_config(BASE + '"x\\nerror: other.yaml:1: injected": 1\n\u202eyek: 2\n"": 3\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = [str(p) for p in info.value.problems]
    assert all("\n" not in p and "\u202e" not in p for p in found), found
    assert f"{path}:18: 'x\\nerror: other.yaml:1: injected': unknown key" in found[0]
    assert f"{path}:19: '\\u202eyek': unknown key" in found[1]
    assert f"{path}:20: '': unknown key ''" in found[2]


def test_keys_equal_in_python_are_given_twice_with_the_first_line():
    assert problem_of("a: 1\n1.0: x\n1: y\n").startswith(
        "f.yaml:3: 1: 1 is given twice in this mapping (first on line 2)"
    )


# Numbers: what YAML 1.1 would silently read as another number is an error.


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1:30",
            "1:30 is a base-60 number to YAML 1.1, read as 90: write the number you mean (e.g. 90), or quote it ('1:30') if it is text",
        ),
        ("-1:30", "-1:30 is a base-60 number to YAML 1.1, read as -90"),
        ("1:30.5", "1:30.5 is a base-60 number to YAML 1.1, read as 90.5"),
        ("190:20:30", "read as 685230"),
        (
            "010",
            "010 starts with 0, so YAML 1.1 reads it as the octal number 8: write 10 (no leading zero) for the decimal number, or quote it if it is text",
        ),
        ("-0_17", "-0_17 starts with 0, so YAML 1.1 reads it as the octal number -15: write -17"),
        (
            "9" * 400,
            "999999999999... (400 characters) is too large: a number in a config must be below 1.8e308",
        ),
        ("9" * 5000, "(5000 characters) is too large"),
        ("1" + "0" * 309, "(310 characters) is too large"),
        ("0x" + "f" * 300, "is too large"),
        ("1.0e+999", "1.0e+999 is too large: a number in a config must be below 1.8e308"),
        ("-1e999", "-1e999 is too large"),
    ],
)
def test_numbers_yaml_would_misread_are_errors(text, message):
    found = problem_of(f"x: 0\nn: {text}\n")
    assert found.startswith("f.yaml:2: n: ") and message in found


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1_000", 1000),
        ("1_000.5", 1000.5),
        ("0x1F", 31),
        ("-0b101", -5),
        ("0", 0),
        ("+5", 5),
        ("1e5", 1e5),
        ("2.5E-3", 2.5e-3),
        ("-1e+2", -100.0),
        (".5", 0.5),
        ("1.0e+308", 1e308),
        ("'1:30'", "1:30"),
        ("'010'", "010"),
        ("2025-01-31", "2025-01-31"),
        ("2025-01-31 10:00:00", "2025-01-31 10:00:00"),
        ("yes", True),
        ("off", False),
        ("1e5x", "1e5x"),
        ("1,000", "1,000"),
    ],
)
def test_numbers_dates_and_yes_no_are_read_as_written(text, value):
    assert load_yaml(f"n: {text}\n")[0]["n"] == value


def test_infinity_and_nan_are_left_to_validation():
    value = load_yaml("a: .inf\nb: -.inf\nc: .nan\n")[0]
    assert value["a"] == math.inf and value["b"] == -math.inf and math.isnan(value["c"])
    assert not any(is_number(v) for v in value.values())


def test_is_number_of_an_integer_too_large_for_a_float():
    assert is_number(10**308) and not is_number(10**400) and not is_number(-(10**400))
