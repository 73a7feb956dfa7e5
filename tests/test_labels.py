"""Human labels, units and identity on charts and tables (issue 14, items 2, 3 and 7).

An optional ``label:`` on priors and lines names an input or line on every
chart and table; each input's unit comes from the fields it feeds; every
chart names its scenario and overlay; the spider steps where a discrete
input's quantile function steps.
"""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest
from test_plotting import _collisions, _outside, _texts

from simulate import load_config
from simulate import sensitivity as sa
from simulate.config import model_from_dict
from simulate.config.schema import BENEFIT_TYPES, COST_TYPES
from simulate.errors import ConfigError
from simulate.plotting import ChartMeta, spider, tornado, waterfall
from simulate.plotting.figures import chart_meta, standard_figures, waterfall_items
from simulate.runner import RunOptions, identify, simulate_model
from simulate.sensitivity.labels import FIELD_UNITS, format_value, input_unit
from simulate.text import sensitivity_text

LONG = "Share of premium subscribers who stay after the price rise"  # 58 characters


def labelled_config(**extra) -> dict:
    """A config whose inputs carry labels with spaces, and one of each unit."""
    cfg = {
        "name": "Labelled case",
        "currency": "EUR",
        "horizon_months": 24,
        "discount_rate": 0.0,
        "priors": {
            "saving": {"dist": "uniform", "min": 20, "max": 40, "label": "  Seconds saved per call "},
            "delay": {"dist": "uniform", "min": 1, "max": 5, "label": "Go-live delay"},
            "stay": {"dist": "uniform", "min": 0.02, "max": 0.08, "label": LONG},
            "flag": {"dist": "bernoulli", "p": 0.75, "label": "Integration works"},
            "fee": {"dist": "discrete", "values": [8000, 10000, 15000], "probs": [0.3, 0.5, 0.2]},
        },
        "benefits": [
            {"type": "handle_time", "name": "AHT", "label": "Agent assist", "contacts_per_month": 90000,
             "seconds_saved": "saving", "cost_per_hour": 40, "lag": "delay", "scale": "flag"},
            {"type": "spend_uplift", "customers": 20000, "spend_per_customer": 30, "uplift": "stay",
             "margin": 0.4},
        ],
        "costs": [
            {"type": "one_time", "label": "Platform build", "amount": 500000,
             "scale": {"dist": "uniform", "min": 0.9, "max": 1.6}},
            {"type": "recurring", "amount": "fee"},
        ],
    }  # fmt: skip
    cfg.update(extra)
    return cfg


# --- label: in the config ---------------------------------------------------------


def test_labels_of_priors_lines_and_inline_priors():
    model = model_from_dict(labelled_config())
    labels = {inp.name: inp.label for inp in model.inputs}
    assert labels == {
        "saving": "Seconds saved per call",  # stripped
        "delay": "Go-live delay",
        "stay": LONG,
        "flag": "Integration works",
        "fee": "fee",  # a named prior without a label keeps its name
        "costs[0].scale": "Platform build: scale",  # an inline prior: its line and field
    }
    assert [line.display for line in model.lines] == [
        "Agent assist", "Spend uplift", "Platform build", "Recurring",
    ]  # fmt: skip
    assert model.lines[0].name == "AHT"  # the name still targets overrides


def test_a_shared_label_gets_the_name_added():
    cfg = labelled_config()
    cfg["priors"]["delay"]["label"] = "Seconds saved per call"
    cfg["costs"][1]["label"] = "Platform build"
    model = model_from_dict(cfg)
    labels = [inp.label for inp in model.inputs]
    assert "Seconds saved per call (saving)" in labels
    assert "Seconds saved per call (delay)" in labels
    assert [line.display for line in model.costs] == [
        "Platform build (costs[0])", "Platform build (costs[1])",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "message"),
    [
        (12, 'not the number 12; put it in quotes: label: "12"'),
        ("   ", "label is blank"),
        ("x" * 61, "label is 61 characters long; keep it to 60 at most"),
        ("two\nlines", "one line of text"),
        ("C1\u009b31m", "one line of text"),  # the one-character CSI of an ANSI escape
        (None, "label has no value"),
        (["a"], "not a list"),
    ],
)
def test_a_bad_label_is_one_problem_at_its_place(write_config, label, message):
    text = (
        "name: Bad label\npriors:\n  a:\n    dist: uniform\n    min: 1\n    max: 2\n"
        "    label: PRIOR\nbenefits:\n  - type: recurring\n    amount: a\n"
        "    label: LINE\ncosts:\n  - type: one_time\n    amount: 5\n"
    )
    shown = json.dumps(label)  # YAML reads JSON scalars and lists
    path = write_config(text.replace("PRIOR", shown).replace("LINE", shown))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    assert [(p.path, p.line) for p in problems] == [
        ("priors.a.label", 7),
        ("benefits[0].label", 11),
    ]
    assert all(message in p.message for p in problems)


NAMED = (
    "name: NAME\ndescription: DESC\npriors:\n  success: {dist: bernoulli, p: 0.5}\n"
    "benefits:\n  - type: recurring\n    amount: 3\n    name: LINE\n"
    "costs:\n  - type: one_time\n    amount: 5\n"
    "gates:\n  - month: 3\n    continue_if: success\n    name: GATE\n"
)


@pytest.mark.parametrize(
    ("key", "value", "path", "line", "what"),
    [
        ("NAME", "Ba\u0007se\u001b[31m", "name", 1, "U+0007 at character 3"),
        ("LINE", "Ca\nlls", "benefits[0].name", 8, "a line break at character 3"),
        ("GATE", "pilot\treview", "gates[0].name", 15, "a tab at character 6"),
        ("DESC", "one\u001b[2Jtwo", "description", 2, "U+001B at character 4"),
        ("DESC", "one\r\ntwo", "description", 2, "a carriage return at character 4"),
        ("LINE", "Calls \u202eslaC", "benefits[0].name", 8, "U+202E at character 7"),
    ],
)
def test_a_name_or_description_with_a_control_character_is_one_problem(
    write_config, key, value, path, line, what
):
    """Printed raw, it would ring the bell, recolour the terminal or split an error line."""
    fine = {"NAME": "Base", "LINE": "Calls", "GATE": "pilot", "DESC": "ok"}
    text = NAMED
    for k, v in {**fine, key: value}.items():
        text = text.replace(k, json.dumps(v))  # escapes in double quotes, as a user writes them
    with pytest.raises(ConfigError) as err:
        load_config(write_config(text))
    (problem,) = err.value.problems
    assert (problem.path, problem.line) == (path, line)
    assert what in problem.message and "\n" not in str(problem)


def test_a_description_keeps_its_line_breaks(write_config):
    text = NAMED.replace("DESC", '"First paragraph.\\n\\nSecond."')
    for k, v in {"NAME": "Base", "LINE": "Calls", "GATE": "pilot"}.items():
        text = text.replace(k, v)
    assert load_config(write_config(text)).description == "First paragraph.\n\nSecond."


@pytest.mark.parametrize("key", ["name", "description"])
def test_an_overlay_name_with_a_control_character_is_one_problem(write_config, key):
    from simulate.config import load_overlay

    path = write_config(f'{key}: "CFO\\u0007 review"\ndiscount_rate: 0.12\n', "cfo.yaml")
    with pytest.raises(ConfigError) as err:
        load_overlay(path)
    (problem,) = err.value.problems
    assert problem.path == key and "U+0007 at character 4" in problem.message


def test_a_label_of_sixty_characters_with_spaces_is_fine():
    cfg = labelled_config()
    cfg["priors"]["stay"]["label"] = "y" * 30 + " " + "z" * 29
    assert model_from_dict(cfg).inputs[2].label == "y" * 30 + " " + "z" * 29


def test_template_key_is_a_yes_or_no(write_config):
    path = write_config(
        "name: T\ntemplate: maybe\nbenefits: []\ncosts:\n  - {type: one_time, amount: 5}\n"
    )
    with pytest.raises(ConfigError, match="template must be true or false"):
        load_config(path)
    ok = write_config(
        "name: T\ntemplate: true\ncosts:\n  - {type: one_time, amount: 5}\n", "t.yaml"
    )
    assert load_config(ok).template is True


# --- units ------------------------------------------------------------------------


def test_every_field_of_every_line_type_has_a_unit():
    fields = {
        f.name for spec in (*BENEFIT_TYPES.values(), *COST_TYPES.values()) for f in spec.fields
    }
    assert fields <= set(FIELD_UNITS), fields - set(FIELD_UNITS)


def test_units_are_inferred_from_the_fields_an_input_feeds():
    model = model_from_dict(labelled_config())
    units = {inp.name: input_unit(inp) for inp in model.inputs}
    assert units == {"saving": "seconds", "delay": "months", "stay": "percent",
                     "flag": "multiplier", "fee": "currency",
                     "costs[0].scale": "multiplier"}  # fmt: skip
    cfg = labelled_config()
    cfg["benefits"][1]["margin"] = "delay"  # months and a fraction: no one unit fits
    cfg["priors"]["delay"] = {"dist": "uniform", "min": 0.1, "max": 0.9}
    mixed = model_from_dict(cfg)
    assert input_unit(next(i for i in mixed.inputs if i.name == "delay")) == "mixed"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (48, "currency", "€48"),
        (3.5, "months", "3.5 mo"),
        (45, "seconds", "45 s"),
        (0.052, "percent", "5.2%"),
        (1.05, "multiplier", "×1.05"),
        (200000, "count", "200k"),
        (0.5, "mixed", "0.5"),
        (None, "currency", "n/a"),
    ],
)
def test_values_are_written_in_their_unit(value, unit, text):
    assert format_value(value, unit, "EUR") == text


def test_every_section_names_its_inputs_by_name_and_label():
    model = model_from_dict(labelled_config())
    out = sa.analyze(model, methods=["tornado", "spider", "rank", "breakeven", "voi", "sobol"],
                     trials=2000, n_base=256, seed=3,
                     goal_seek_targets=[("saving", 0.6)], warn=False)  # fmt: skip
    labels = {inp.name: inp.label for inp in model.inputs}
    rows = [*out["tornado"], *out["spider"]["lines"], *out["rank"], *out["breakeven"],
            *out["voi"]["evppi"], *out["sobol"]["indices"], *out["goal_seek"]]  # fmt: skip
    for r in rows:
        assert r["label"] == labels[r["input"]], r
    for r in [*out["tornado"], *out["spider"]["lines"], *out["breakeven"], *out["goal_seek"]]:
        assert r["unit"] == input_unit(next(i for i in model.inputs if i.name == r["input"]))
    assert "Seconds saved per call" in out["goal_seek"][0]["note"]


def test_the_table_names_inputs_by_label_and_values_in_their_unit():
    model = model_from_dict(labelled_config())
    out = sa.analyze(model, methods=["tornado", "breakeven"], warn=False)
    text = sensitivity_text(out, name=model.name, currency="EUR", horizon_months=24)
    assert "Seconds saved per call" in text and "Go-live delay" in text
    assert LONG[:39] + "…" in text  # 58 characters: clipped to the column
    saving = next(r for r in out["breakeven"] if r["input"] == "saving")
    assert saving["value"] is not None
    assert f"{format_value(saving['value'], 'seconds', 'EUR', minus='-')}" in text


# --- charts -----------------------------------------------------------------------


def _meta(model) -> ChartMeta:
    return chart_meta(model, trials=1000, seed=1, sampling="random")


def _clean(fig) -> None:
    texts = _texts(fig)
    assert not _collisions(fig, texts)
    assert not _outside(fig, texts)


def test_tornado_names_rows_by_label_and_writes_units_at_the_bar_ends():
    model = model_from_dict(labelled_config())
    t = sa.tornado(model)
    fig = tornado(t["rows"], t["base"]["metric"], _meta(model))
    ax = fig.axes[0]
    names = [tick.get_text().replace("\n", " ") for tick in ax.get_yticklabels()]
    assert names == [r["label"] for r in t["rows"]]
    ends = {a.get_gid(): a.get_text() for a in ax.texts if str(a.get_gid()).startswith("value-")}
    for i, r in enumerate(t["rows"]):
        for which in ("low", "high"):
            assert ends[f"value-{i}-{which}"] == format_value(r[f"{which}_value"], r["unit"], "EUR")
    shown = " ".join(ends.values())
    for mark in ("€", " mo", " s", "%", "×"):
        assert mark in shown, mark
    _clean(fig)


def test_tornado_of_twenty_long_labels_keeps_its_ticks_apart():
    cfg = labelled_config()
    for i in range(15):
        cfg["priors"][f"x{i}"] = {"dist": "uniform", "min": 0.5, "max": 1.5,
                                  "label": f"{LONG[: 40 + i]}"}  # fmt: skip
        cfg["benefits"].append({"type": "recurring", "amount": 5e6 * (i + 1), "scale": f"x{i}"})
    model = model_from_dict(cfg)
    assert len(model.inputs) == 21
    t = sa.tornado(model)
    fig = tornado(t["rows"], t["base"]["metric"], _meta(model), max_rows=20)
    _clean(fig)  # the value axis ($1xxM) thins its ticks on the squeezed plot


def test_spider_steps_where_the_quantile_function_steps():
    model = model_from_dict(labelled_config())
    sp = sa.spider(model)
    flag = next(line for line in sp["lines"] if line["input"] == "flag")
    fee = next(line for line in sp["lines"] if line["input"] == "fee")
    # bernoulli(0.75): 0 up to P25, 1 above
    assert [(s["from"], s["to"], s["value"]) for s in flag["steps"]] == [
        (5.0, 25.0, 0.0), (25.0, 95.0, 1.0),
    ]  # fmt: skip
    assert [(s["from"], s["to"], s["value"]) for s in fee["steps"]] == [
        (5.0, 30.0, 8000.0), (30.0, 80.0, 10000.0), (80.0, 95.0, 15000.0),
    ]  # fmt: skip
    fig = spider(sp, sp_base(model), _meta(model))
    ax = fig.axes[0]
    i = [line["input"] for line in sp["lines"]].index("flag")
    (drawn,) = [ln for ln in ax.get_lines() if ln.get_gid() == f"line-{i}"]
    xy = drawn.get_path().vertices
    jumps = [x0 for (x0, y0), (_, y1) in itertools.pairwise(xy) if y0 != y1]
    assert jumps == [25.0]  # a vertical step at P25, not between P25 and P30
    assert drawn.get_xydata()[:, 1][0] == flag["steps"][0]["metric"]
    label = next(a for a in ax.texts if a.get_gid() == f"label-{i}").get_text()
    assert label == "Integration works  ×0–×1"
    labels = " ".join(a.get_text() for a in ax.texts if str(a.get_gid()).startswith("label-"))
    assert "Seconds saved per call  21 s–39 s" in labels
    assert "€8k–€15k" in labels
    _clean(fig)


def test_a_narrow_discrete_value_still_gets_its_step():
    cfg = labelled_config()
    cfg["priors"]["fee"] = {
        "dist": "discrete",
        "values": [8000, 9000, 15000],
        "probs": [0.5, 0.02, 0.48],
    }
    model = model_from_dict(cfg)
    fee = next(line for line in sa.spider(model)["lines"] if line["input"] == "fee")
    assert 9000.0 not in fee["values"]  # no percentile of the grid lands on it
    assert [(s["from"], s["to"], s["value"]) for s in fee["steps"]] == [
        (5.0, 50.0, 8000.0), (50.0, 52.0, 9000.0), (52.0, 95.0, 15000.0),
    ]  # fmt: skip


def sp_base(model) -> float:
    return sa.tornado(model)["base"]["metric"]


def test_waterfall_names_lines_by_label():
    model = model_from_dict(labelled_config())
    result = simulate_model(model, RunOptions(trials=500, seed=1))
    items = waterfall_items(result)
    assert [name for name, _ in items] == [
        "Agent assist",
        "Spend uplift",
        "Platform build",
        "Recurring",
    ]
    _clean(waterfall(items, _meta(model)))


# --- identity ---------------------------------------------------------------------


def test_titles_and_stamps_name_the_scenario_and_overlay(configs_dir):
    from simulate.config import load_overlay

    config = configs_dir / "contact_center_aht.yaml"
    overlay = load_overlay(configs_dir / "overlays" / "cfo_review.yaml")
    base = simulate_model(load_config(config), RunOptions(trials=500, seed=1))
    both = simulate_model(load_config(config, scenario="conservative", overlay=overlay),
                          RunOptions(trials=500, seed=1), overlay=overlay)  # fmt: skip
    summary = both.summary()
    assert summary["config_hash"] == both.model.config_hash != base.summary()["config_hash"]
    title = f"{summary['name']} · scenario: conservative · overlay: {overlay.name}"
    for name, fig in standard_figures(both).items():
        stamp = next(t for t in fig.texts if t.get_gid() == "simulate-stamp").get_text()
        texts = [t.get_text().replace("\n", " ") for t in fig.texts]
        assert title in texts, name
        assert f"config {summary['config_hash']}" in stamp, name
        assert "scenario conservative · overlay CFO review" in stamp, name
    meta = ChartMeta.from_summary(summary, config_hash=summary["config_hash"])
    assert meta.name == title and meta.overlay == overlay.name
    for fig in standard_figures(base).values():
        texts = [t.get_text() for t in fig.texts]
        assert base.model.name in texts and not any("overlay" in t for t in texts)


def test_sensitivity_cli_names_the_scenario_on_its_charts(configs_dir, tmp_path):
    from matplotlib.image import imread

    from simulate.cli import main

    status = main(["sensitivity", str(configs_dir / "contact_center_aht.yaml"), "--scenario",
                   "conservative", "--methods", "tornado", "--out", str(tmp_path), "--quiet"])  # fmt: skip
    assert status == 0
    png = tmp_path / "contact_center_aht--conservative" / "figures" / "tornado.png"
    assert imread(png).shape[2] in (3, 4)
    model = load_config(configs_dir / "contact_center_aht.yaml", scenario="conservative")
    meta = chart_meta(identify(model)[0], trials=1, seed=1)
    assert meta.name.endswith("· scenario: conservative")
    assert re.fullmatch(r"[0-9a-f]{8}", meta.config_hash)
    assert meta.config_hash != load_config(configs_dir / "contact_center_aht.yaml").config_hash


def test_example_tornado_has_no_raw_paths(configs_dir):
    model = load_config(configs_dir / "omnichannel.yaml")
    rows = sa.tornado(model)["rows"]
    assert not any(re.search(r"(benefits|costs)\[\d+\]", r["label"]) for r in rows)
    assert np.all([r["unit"] != "number" for r in rows])


def test_a_bad_label_on_the_only_costs_prior_is_one_problem(write_config):
    # The prior fails its checks, so its field reads as 0 while checking goes
    # on; that must not add "every cost is zero" about costs that are fine.
    path = write_config(
        "name: One mistake\npriors:\n  c: {dist: uniform, min: 0.8, max: 1.3, label: ''}\n"
        "benefits:\n  - {type: recurring, amount: 10}\n"
        "costs:\n  - {type: one_time, amount: 1000, scale: c}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert [(p.path, p.line) for p in err.value.problems] == [("priors.c.label", 3)]


def test_the_table_aligns_labels_in_wide_characters():
    cfg = labelled_config()
    cfg["priors"]["saving"]["label"] = "顧客あたり売上 (ARPU, 円)"
    model = model_from_dict(cfg)
    out = sa.analyze(model, methods=["tornado"], warn=False)
    text = sensitivity_text(out, name=model.name, currency="EUR", horizon_months=24)
    table = text.split("\n")[3 : 3 + 2 + len(model.inputs)]
    import unicodedata

    def columns(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    assert len({columns(line) for line in table}) == 1, table
    assert any("顧客あたり売上" in line for line in table)


def test_spider_end_labels_wrap_so_the_plot_keeps_its_width():
    model = model_from_dict(labelled_config())
    sp = sa.spider(model)
    fig = spider(sp, sp_base(model), _meta(model))
    ax = fig.axes[0]
    i = [line["input"] for line in sp["lines"]].index("stay")
    label = next(a for a in ax.texts if a.get_gid() == f"label-{i}").get_text()
    assert label.replace("\n", " ").startswith(LONG) and "\n" in label
    assert label.endswith("2.3%–7.7%")  # P5 and P95 of U(0.02, 0.08), in its unit
    assert ax.get_window_extent().width > 0.45 * fig.bbox.width
    _clean(fig)


def test_one_input_charts_name_it_and_write_its_unit():
    cfg = labelled_config()
    for name in ("delay", "stay", "flag", "fee"):
        cfg["priors"][name] = cfg["priors"][name].get("min", 1)
    cfg["costs"][0]["scale"] = 1.2
    model = model_from_dict(cfg)
    assert [inp.label for inp in model.inputs] == ["Seconds saved per call"]
    t = sa.tornado(model)
    fig = tornado(t["rows"], t["base"]["metric"], _meta(model))
    ends = [a.get_text() for a in fig.axes[0].texts if str(a.get_gid()).startswith("value-")]
    assert ends == ["22 s", "38 s"]
    _clean(fig)
    sp = sa.spider(model)
    fig = spider(sp, t["base"]["metric"], _meta(model))
    (label,) = [a.get_text() for a in fig.axes[0].texts if str(a.get_gid()).startswith("label-")]
    assert label == "Seconds saved per call  21 s–39 s"
    _clean(fig)


def test_a_money_range_on_the_spider_is_text_not_mathtext():
    cfg = labelled_config(currency="USD")
    model = model_from_dict(cfg)
    sp = sa.spider(model)
    fig = spider(sp, sp_base(model), _meta(model))
    i = [line["input"] for line in sp["lines"]].index("fee")
    label = next(a for a in fig.axes[0].texts if a.get_gid() == f"label-{i}")
    assert label.get_text().endswith("$8k–$15k")
    # two $ would make matplotlib set "8k–" as mathematics, the $ signs gone
    assert label.get_parse_math() is False
    _clean(fig)
