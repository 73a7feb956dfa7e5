"""The strict YAML loader: duplicate keys are errors, and every path knows its line."""

from __future__ import annotations

import math

import pytest
from test_config import BASE, one_problem

from simulate import ConfigError, load_config
from simulate.config.loader import is_number, join_path, load_yaml, read_yaml_file


def test_key_given_twice_is_an_error(write_config):
    msg = one_problem(
        write_config,
        BASE.replace("horizon_months: 24\n", "horizon_months: 24\nhorizon_months: 36\n"),
    )
    assert "given twice" in msg and ":3:" in msg


def test_yaml_syntax_error_names_the_line(write_config):
    msg = one_problem(write_config, BASE + "oops: [1, 2\n")
    assert "not valid YAML" in msg


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
        read_yaml_file("not-there.yaml", "config", b"\xff\xfe")
    assert str(info.value) == "not-there.yaml: the file is not UTF-8 text"


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
