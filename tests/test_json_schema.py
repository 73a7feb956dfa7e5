"""The config's JSON Schema (issue 16 item 1): generated, shipped, and agreeing with validate.

The schema must accept every config ``simulate validate`` accepts (an editor
must never flag a valid config) and reject the structural mistakes validate
rejects: unknown keys, values of the wrong type, missing required keys, two
forms of one prior.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from simulate.cli import main
from simulate.config import model_from_dict
from simulate.config.json_schema import SCHEMA_FILE, config_schema, schema_text
from simulate.config.schema import BENEFIT_TYPES, COST_TYPES
from simulate.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "simulate" / "config" / SCHEMA_FILE
EXAMPLES = sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("configs/portfolio/*.yaml")])
VALIDATOR = jsonschema.Draft7Validator(config_schema())


def _errors(config) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(config)]


def _validate_accepts(config) -> bool:
    """As ``simulate validate`` judges: the config and each of its scenarios."""
    try:
        model = model_from_dict(config)
        for scenario in model.scenarios:
            model_from_dict(config, scenario=scenario)
    except ConfigError:
        return False
    return True


def _template() -> dict:
    return yaml.safe_load((ROOT / "configs" / "template.yaml").read_text(encoding="utf-8"))


def test_the_schema_is_draft_07_and_the_shipped_file_is_the_generated_one():
    schema = config_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "simulate/config/config.schema.json is stale: regenerate it with "
        "'simulate schema > simulate/config/config.schema.json'"
    )


def test_simulate_schema_prints_it(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == schema_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_config_validates_and_names_the_shipped_schema(path):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), first
    assert (path.parent / first.split("=", 1)[1]).resolve() == SHIPPED
    assert _errors(yaml.safe_load(text)) == []


def test_a_field_shows_its_description_unit_and_domain():
    schema = config_schema()
    retention = schema["definitions"]["benefit_retention"]["properties"]
    arpu = retention["arpu"]["description"]
    assert "revenue per customer per month" in arpu
    assert "unit: the config's currency per month" in arpu and "domain: [0, 1e+12]" in arpu
    assert "arpu_per_year" in retention
    assert "a fraction" in retention["base_churn"]["description"]
    assert "[0, 1]" in retention["base_churn"]["description"]
    lag = retention["lag"]["description"]
    assert "months before any effect" in lag and "unit: months" in lag and "default: 0" in lag
    assert schema["properties"]["horizon_months"]["maximum"] == 600
    pert = schema["definitions"]["prior"]["properties"]["mode"]
    assert pert["description"] == "the most likely value"
    for kind, types in (("benefit", BENEFIT_TYPES), ("cost", COST_TYPES)):
        for t, spec in types.items():
            props = schema["definitions"][f"{kind}_{t}"]["properties"]
            for f in spec.fields:  # every field says what it is, its unit and its domain
                words = props[f.name]["description"]
                assert "unit: " in words and "domain: " in words, (t, f.name)


@pytest.mark.parametrize(
    ("where", "mistake"),
    [
        ("top-level typo", lambda c: c.update(horizon_month=36)),
        ("line typo", lambda c: c["benefits"][0].update(lagg=3)),
        ("key of another type", lambda c: c["benefits"][3].update(customers=10)),
        ("prior typo", lambda c: c["priors"]["go_live"].update(mde=4)),
        ("simulation typo", lambda c: c["simulation"].update(seeds=1)),
        ("targets typo", lambda c: c["targets"].update(npv=0)),
        ("scenario typo", lambda c: c.update(scenarios={"s": {"horizon": 12}})),
        ("scenario prior typo", lambda c: c.update(scenarios={"s": {"priors": {"lift": {"p91": 1}}}})),
        ("scenario line type", lambda c: c.update(scenarios={"s": {"lines": {"More sales": {"type": "x"}}}})),
        ("unknown line type", lambda c: c["costs"][0].update(type="one_off")),
        ("unknown dist", lambda c: c["priors"]["lift"].update(dist="metalogg")),
        ("text horizon", lambda c: c.update(horizon_months="36")),
        ("fractional horizon", lambda c: c.update(horizon_months=36.5)),
        ("yes as trials", lambda c: c["simulation"].update(trials=True)),
        ("list as a field", lambda c: c["benefits"][0].update(customers=[100000])),
        ("number as a mode", lambda c: c["benefits"][0].update(mode=1)),
        ("text as a prior parameter", lambda c: c["priors"]["aht_saved"].update(max="60")),
        ("list of text as probs", lambda c: c["priors"].update(d={"dist": "discrete", "values": [1], "probs": ["1"]})),
        ("mapping as a name", lambda c: c.update(name={"a": 1})),
        ("a list as benefits", lambda c: c.update(benefits={"type": "recurring"})),
        ("a missing name", lambda c: c.pop("name")),
        ("a missing required field", lambda c: c["benefits"][0].pop("customers")),
        ("a missing dist", lambda c: c["priors"]["go_live"].pop("dist")),
        ("two forms of a normal", lambda c: c["priors"].update(n={"dist": "normal", "mean": 1, "sd": 1, "p10": 0, "p90": 2})),
        ("half a form", lambda c: c["priors"].update(n={"dist": "normal", "mean": 1})),
        ("monthly and annual both", lambda c: c["costs"][1].update(amount_per_year=144000)),
        ("monthly: and annual: both", lambda c: c["benefits"][6].update(monthly=[1])),
        ("a correlation of two", lambda c: c["correlations"].append(["lift", "churn_cut"])),
        ("negative amount", lambda c: c["costs"][0].update(amount=-1)),
        ("margin above 1", lambda c: c["benefits"][0].update(margin=35)),
        ("a bad currency", lambda c: c.update(currency="usd")),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)  # fmt: skip
def test_the_schema_rejects_what_validate_rejects_for_structure(where, mistake):
    config = _template()
    assert _validate_accepts(config) and _errors(config) == []
    mistake(config)
    assert not _validate_accepts(config), where
    assert _errors(config), where


def test_annual_amounts_are_in_the_schema_where_validate_takes_them():
    config = _template()
    config["costs"][1].pop("amount")
    config["costs"][1]["amount_per_year"] = 144000
    config["benefits"][0].pop("arpu")
    config["benefits"][0]["arpu_per_year"] = {"dist": "pert", "min": 300, "mode": 360, "max": 420}
    assert _validate_accepts(config) and _errors(config) == []
    config["costs"][1]["amount_per_year"] = "go_live"  # a named prior is not divided
    assert not _validate_accepts(config) and _errors(config)


def _mutated(rng: random.Random) -> tuple[dict, str]:
    """An example config with one key renamed, deleted, retyped or renumbered."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fuzzing import (  # the fuzzer's mutations, driven by a seeded Random
        BASE_CONFIGS,
        _base_tree,
        m_add_key,
        m_delete,
        m_nudge,
        m_prior,
        m_rename,
        m_swap_type,
        pick,
        spots,
    )

    class Chooser:
        def integer(self, lo: int, hi: int) -> int:
            return rng.randint(lo, hi)

    ch = Chooser()
    tree = _base_tree(pick(ch, BASE_CONFIGS))
    mutation = pick(ch, [m_rename, m_swap_type, m_delete, m_nudge, m_add_key, m_prior])
    step = mutation(ch, tree, pick(ch, list(spots(tree))))
    return tree, step


def test_the_schema_never_flags_a_config_validate_accepts_and_catches_renamed_keys():
    # 300 seeded mutations of the examples: whatever validate accepts, the schema
    # accepts; a key renamed to a typo that validate calls unknown, the schema rejects.
    accepted = typos = 0
    for seed in range(300):
        tree, step = _mutated(random.Random(seed))
        ok = _validate_accepts(copy.deepcopy(tree))
        errors = _errors(tree)
        if ok:
            accepted += 1
            assert errors == [], (step, errors)
        elif step.startswith("rename") and "scenarios" not in step.split("->")[0]:
            try:
                model_from_dict(copy.deepcopy(tree))
            except ConfigError as exc:
                if any("unknown key" in p.message for p in exc.problems):
                    typos += 1
                    assert errors, step
    assert accepted > 30 and typos > 10, (accepted, typos)


def test_no_value_where_validate_takes_none_and_empty_values_where_it_does_not():
    # Every place of two examples (one with scenarios) set to null, {} or []: the
    # schema accepts whatever validate accepts (a key left empty takes its default).
    accepted = 0
    for name in ("template.yaml", "subscription_churn.yaml"):
        base = yaml.safe_load((ROOT / "configs" / name).read_text(encoding="utf-8"))
        sys.path.insert(0, str(ROOT / "tests"))
        from fuzzing import spots

        for i in range(len(list(spots(base)))):
            for value in (None, {}, []):
                config = copy.deepcopy(base)
                spot = list(spots(config))[i]
                spot.parent[spot.key] = value
                if _validate_accepts(config):
                    accepted += 1
                    assert _errors(config) == [], (name, spot.path, value)
    assert accepted > 50


@pytest.mark.parametrize("value", [[], {}, 0, False])
def test_validate_refuses_a_description_that_is_no_text(value):
    # Found by the test above: an empty list or a 0 was read as no description.
    config = _template()
    config["description"] = value
    with pytest.raises(ConfigError, match="description must be text"):
        model_from_dict(config)
    assert _errors(config)


def test_the_overlay_schema_ships_and_takes_the_example_overlay(tmp_path):
    from simulate.config import load_overlay
    from simulate.config.json_schema import OVERLAY_SCHEMA_FILE, overlay_schema, overlay_schema_text

    shipped = ROOT / "simulate" / "config" / OVERLAY_SCHEMA_FILE
    assert shipped.read_text(encoding="utf-8") == overlay_schema_text()
    jsonschema.Draft7Validator.check_schema(overlay_schema())
    overlays = jsonschema.Draft7Validator(overlay_schema())
    path = ROOT / "configs" / "overlays" / "cfo_review.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert (path.parent / first.split("=", 1)[1]).resolve() == shipped
    raw = yaml.safe_load(text)
    assert list(overlays.iter_errors(raw)) == []
    # what load_overlay refuses for structure, the schema refuses too
    for mistake in (
        {"simulation": {"trials": 10}},  # an overlay never changes the draws
        {"prior": {"seconds_saved": {"multiply": 0.5}}},
        {"lines": {"Handle time saved": {"type": "deflection"}}},
        {"priors": {"seconds_saved": {"multiply": "half"}}},
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump({**raw, **mistake}), encoding="utf-8")
        with pytest.raises(ConfigError):
            load_overlay(bad)
        assert list(overlays.iter_errors({**raw, **mistake})), mistake


def test_scenario_names_the_schema_takes_are_those_validate_takes():
    from test_overrides import ACCEPTED_NAMES, REFUSED_NAMES

    base = _template()

    def with_name(name: str) -> dict:
        return {**base, "scenarios": {name: {"discount_rate": 0.2}}}

    for name in ACCEPTED_NAMES:
        assert _validate_accepts(with_name(name)), name
        assert _errors(with_name(name)) == [], name
    assert not _validate_accepts(with_name("all")) and _errors(with_name("all"))
    for written, why in REFUSED_NAMES:
        name = yaml.safe_load(f'"{written}"')  # as the YAML file gives it
        assert not _validate_accepts(with_name(name)), name
        if "bytes long" in why and len(name) <= 200:
            continue  # the schema counts characters; only validate counts bytes
        assert _errors(with_name(name)), name
