"""The two-input break-even frontier (issue 14, item 6).

On a model whose NPV is linear in its inputs the frontier is known exactly:
with ``a``, ``b`` and ``c`` uniform, a success flag ``f`` (bernoulli 0.9) on
5,000 a month, and NPV = 12 (a + b + c + 5000 f) - 12 x 9,000 (no
discounting), the base-case zero line (c at its median, f at 1) is
``a + b = 2,500``, and with ``c`` and ``f`` uncertain
P(NPV > 0 | a, b) = 0.9 P(c > 4,000 - a - b) (+ 0.1 P(c > 9,000 - a - b), 0 here).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from test_plotting import _collisions, _outside, _texts

from simulate import sensitivity as sa
from simulate.cli import main
from simulate.config import model_from_dict
from simulate.errors import ConfigError
from simulate.plotting import frontier as frontier_chart
from simulate.plotting.figures import chart_meta
from simulate.plotting.inline import thin_crowded_ticks
from simulate.report.charts import FIGSIZES
from simulate.sensitivity.frontier import contour_lines

C_MAX = 3000.0  # c ~ U(0, 3000)
COST = 12 * 9000.0  # NPV = 0 where a + b + c + 5000 f = 9,000


def linear_config() -> dict:
    return {
        "name": "Linear frontier",
        "horizon_months": 12,
        "discount_rate": 0.0,
        "priors": {
            "a": {"dist": "uniform", "min": 0, "max": 3000, "label": "Benefit A"},
            "b": {"dist": "uniform", "min": 0, "max": 2000, "label": "Benefit B"},
            "c": {"dist": "uniform", "min": 0, "max": C_MAX},
            "flag": {"dist": "bernoulli", "p": 0.9},
        },
        "benefits": [
            {"type": "recurring", "amount": "a"},
            {"type": "recurring", "amount": "b"},
            {"type": "recurring", "amount": "c"},
            {"type": "recurring", "amount": 5000, "scale": "flag"},
        ],
        "costs": [{"type": "one_time", "amount": COST}],
    }


# --- contours of a gridded field ---------------------------------------------------


def test_contours_of_a_linear_field_are_exact():
    x, y = np.linspace(0, 1, 11), np.linspace(0, 2, 21)
    z = x[:, None] + 0.5 * y[None, :]  # z[i, j] at (x[i], y[j])
    (line,) = contour_lines(x, y, z, 0.7)
    pts = np.array(line)
    assert np.allclose(pts[:, 0] + 0.5 * pts[:, 1], 0.7, atol=1e-12)
    # one open line from border to border, no point twice
    assert len({tuple(p) for p in line}) == len(line)
    assert {round(float(pts[0, 1]), 12), round(float(pts[-1, 1]), 12)} == {0.0, 1.4}


def test_a_closed_contour_ends_where_it_began_and_a_saddle_splits():
    x = y = np.linspace(-1, 1, 41)
    z = x[:, None] ** 2 + y[None, :] ** 2
    (ring,) = contour_lines(x, y, z, 0.25)
    assert ring[0] == ring[-1]
    r = np.hypot(*np.array(ring).T)
    assert np.all(np.abs(r - 0.5) < 0.01)  # linear interpolation on a 0.05 grid
    # a saddle: z = x y on a 2 x 2 grid has two separate lines at 0.1
    x2 = y2 = np.array([-1.0, 1.0])
    lines = contour_lines(x2, y2, x2[:, None] * y2[None, :], 0.1)
    assert len(lines) == 2 and all(len(line) == 2 for line in lines)
    assert contour_lines(x2, y2, np.zeros((2, 2)), 1.0) == []


# --- the frontier --------------------------------------------------------------------


@pytest.fixture(scope="module")
def linear():
    model = model_from_dict(linear_config())
    out = sa.frontier(model, ("a", "b"), trials=4000, seed=7, grid=15)
    return model, out


def test_the_zero_line_is_where_the_base_case_npv_is_zero(linear):
    _, out = linear
    (line,) = out["zero_curve"]
    pts = np.array(line)
    median_c = C_MAX / 2
    assert np.allclose(pts.sum(axis=1), COST / 12 - 5000 - median_c, atol=1e-6)
    assert len(pts) >= 10
    axis_a, axis_b = out["inputs"]
    assert (
        axis_a["input"] == "a" and axis_a["label"] == "Benefit A" and axis_a["unit"] == "currency"
    )
    assert axis_a["values"][0] == pytest.approx(30.0) and axis_a["values"][-1] == pytest.approx(
        2970.0
    )
    assert (axis_a["p10"], axis_a["p50"], axis_a["p90"]) == pytest.approx((300.0, 1500.0, 2700.0))
    assert len(axis_b["values"]) == out["grid"] == 15
    npv = np.array(out["npv"])
    xs, ys = np.array(axis_a["values"]), np.array(axis_b["values"])
    expected = 12 * (xs[:, None] + ys[None, :] + median_c + 5000) - COST  # flag at its median, 1
    assert np.allclose(npv, expected, rtol=1e-12, atol=1e-6)


def test_probability_contours_match_the_closed_form_within_monte_carlo_error(linear):
    _, out = linear
    n = out["trials_per_point"]
    assert n == 4000
    xs, ys = (np.array(ax["values"]) for ax in out["inputs"])
    prob = np.array(out["probability"])
    # NPV > 0 needs the flag (p = 0.9) and c > 4,000 - a - b (a + b < 6,000: never without it)
    exact = 0.9 * np.clip((C_MAX - (4000 - xs[:, None] - ys[None, :])) / C_MAX, 0, 1)
    se = np.sqrt(exact * (1 - exact) / n)
    assert np.all(np.abs(prob - exact) <= 4 * se + 1e-12)
    levels = [c["level"] for c in out["contours"]]
    assert levels == [0.5, 0.8, 0.95]
    for c in out["contours"][:2]:  # 95% is beyond the flag's 90%: never reached
        pts = np.vstack([np.array(line) for line in c["lines"]])
        # P = 0.9 (a + b - 1,000) / c_max: a + b = 1,000 + c_max level / 0.9
        target = 1000 + C_MAX * c["level"] / 0.9
        band = 4 * math.sqrt(c["level"] * (1 - c["level"]) / n) * C_MAX / 0.9
        assert np.all(np.abs(pts.sum(axis=1) - target) <= band + 1e-9), c["level"]
    assert out["contours"][2]["lines"] == []


def test_the_frontier_is_reproducible_and_uses_a_runs_draws():
    model = model_from_dict(linear_config())
    again = sa.frontier(model, ("a", "b"), trials=500, seed=7, grid=7)
    assert again == sa.frontier(model, ("a", "b"), trials=500, seed=7, grid=7)
    from simulate.engine import run

    result = run(model, trials=300, seed=7)
    out = sa.analyze(model, result, methods=["frontier"], frontier_pair=("b", "a"), warn=False,
                     frontier_grid=5)  # fmt: skip
    assert out["frontier"]["trials_per_point"] == 300  # the run's trials, fewer than 2,000
    assert [ax["input"] for ax in out["frontier"]["inputs"]] == ["b", "a"]


def test_the_default_pair_is_the_two_largest_continuous_swings():
    model = model_from_dict(linear_config())
    rows = sa.tornado(model)["rows"]
    assert rows[0]["input"] == "flag"  # the largest swing is the bernoulli's...
    out = sa.analyze(model, methods=["frontier"], trials=500, seed=1, frontier_grid=5, warn=False)
    continuous = [r["input"] for r in rows if r["input"] != "flag"]
    assert [ax["input"] for ax in out["frontier"]["inputs"]] == continuous[:2]  # ...not drawn
    assert "frontier" not in sa.analyze(model, methods=["tornado"], warn=False)
    assert sa.parse_methods("all") == sa.DEFAULT_METHODS and "frontier" not in sa.DEFAULT_METHODS


def test_one_continuous_input_is_a_warning_not_a_frontier():
    cfg = linear_config()
    for name in ("b", "c"):
        cfg["priors"][name] = 500
    model = model_from_dict(cfg)
    out = sa.analyze(model, methods=["frontier"], trials=200, seed=1, warn=False)
    assert "frontier" not in out
    assert any("two continuous uncertain inputs" in w and "has 1" in w for w in out["warnings"])


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (("a", "a"), "two different inputs"),
        (("a", "flag"), "'flag' is discrete"),
        (("a", "nope"), "'nope' is not an uncertain input"),
        (("a",), "two different inputs"),
    ],
)
def test_a_bad_pair_is_a_config_error(pair, message):
    model = model_from_dict(linear_config())
    with pytest.raises(ConfigError, match=message):
        sa.frontier(model, pair, trials=10, seed=1)


# --- command line and chart -------------------------------------------------------


def _config(write_config) -> str:
    import yaml

    return str(write_config(yaml.safe_dump(linear_config(), sort_keys=False), "linear.yaml"))


def test_cli_frontier_writes_its_block_and_chart(write_config, tmp_path, capsys):
    path = _config(write_config)
    out = tmp_path / "out"
    argv = ["sensitivity", path, "--methods", "tornado", "--frontier", "a,b", "--trials", "600",
            "--seed", "3", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Break-even frontier of Benefit A and Benefit B" in text
    sens = json.loads((out / "linear" / "sensitivity.json").read_text())
    block = sens["frontier"]
    assert set(block) == {"inputs", "grid", "trials_per_point", "npv", "probability",
                          "zero_curve", "contours", "note"}  # fmt: skip
    assert block["trials_per_point"] == 600 and block["grid"] == sa.DEFAULT_FRONTIER_GRID
    figures = sorted(p.name for p in (out / "linear" / "figures").iterdir())
    assert figures == ["frontier.png", "tornado.png"]


@pytest.mark.parametrize(
    ("value", "message"),
    [("a", "is not two different inputs"), ("a,flag", "'flag' is discrete"),
     ("a,zz", "'zz' is not an uncertain input")],
)  # fmt: skip
def test_cli_bad_frontier_is_a_usage_error(write_config, tmp_path, capsys, value, message):
    argv = ["sensitivity", _config(write_config), "--frontier", value, "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--frontier" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "linear").exists()


def test_frontier_chart_draws_the_numbers(linear):
    model, out = linear
    fig = frontier_chart(out, chart_meta(model, trials=4000, seed=7))
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    (zero,) = [ln for gid, ln in lines.items() if str(gid).startswith("zero-")]
    assert np.array_equal(zero.get_xydata(), np.array(out["zero_curve"][0]))
    drawn = sorted(gid for gid in lines if str(gid).startswith("contour-"))
    assert drawn == sorted(
        f"contour-{k}-{m}" for k, c in enumerate(out["contours"]) for m in range(len(c["lines"]))
    )
    base = lines["base"].get_xydata()[0]
    assert tuple(base) == (out["inputs"][0]["p50"], out["inputs"][1]["p50"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["P10–P90 of both inputs", "P(NPV > 0) = 50%", "P(NPV > 0) = 80%",
                      "NPV = 0, others at median", "base case (medians)"]  # fmt: skip
    notes = next(t.get_text() for t in fig.texts if t.get_gid() == "notes").replace("\n", " ")
    assert "P(NPV > 0) stays below 95% everywhere here" in notes  # the flag caps it at 90%
    assert ax.get_xlabel() == "Benefit A (USD)" and ax.get_ylabel() == "Benefit B (USD)"
    texts = _texts(fig)
    assert not _collisions(fig, texts) and not _outside(fig, texts)


def test_a_plane_that_is_all_positive_says_so_once(configs_dir, tmp_path):
    config = str(configs_dir / "contact_center_aht.yaml")
    argv = ["run", config, "--trials", "2000", "--seed", "1", "--out", str(tmp_path), "--quiet",
            "--no-figures", "--sensitivity=frontier"]  # fmt: skip
    assert main(argv) == 0
    sens = json.loads((tmp_path / "contact_center_aht" / "sensitivity.json").read_text())
    block = sens["frontier"]
    assert block["zero_curve"] == [] and all(c["lines"] == [] for c in block["contours"])
    assert min(min(row) for row in block["probability"]) >= 0.95
    from simulate import load_config

    meta = chart_meta(load_config(config), trials=2000, seed=1)
    fig = frontier_chart(block, meta)
    notes = next(t.get_text() for t in fig.texts if t.get_gid() == "notes").replace("\n", " ")
    assert "the base-case NPV is positive over the whole plane: no break-even line" in notes
    assert notes.count("P(NPV > 0)") == 1 and "95% or more everywhere here" in notes
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["P10–P90 of both inputs", "base case (medians)"]
    assert main([*argv[:-2], "--sensitivity=frontier"]) == 0  # with figures: the chart too
    assert (tmp_path / "contact_center_aht" / "figures" / "frontier.png").is_file()


# --- the frontier read off at the first input's P10, P50 and P90 (the review pack's table) ---


def test_the_table_reads_each_line_at_the_first_inputs_quantiles(linear):
    """NPV = 0 where a + b = 2,500 (c at its median 1,500, the flag at 1): b over 20..1,980."""
    from simulate.sensitivity.frontier import frontier_table

    _, out = linear
    table = frontier_table(out)
    assert table["rises"] is True  # NPV rises with b: b must be at least the value
    assert [c["kind"] for c in table["columns"]] == ["zero", "probability", "probability",
                                                     "probability"]  # fmt: skip
    p10, p50, p90 = table["rows"]
    assert (p10["value"], p50["value"], p90["value"]) == pytest.approx((300.0, 1500.0, 2700.0))
    # a = 300 needs b = 2,200, beyond its P99; a = 2,700 pays with any b
    assert p10["cells"][0] == {"values": [], "reached": "nowhere"}
    assert p90["cells"][0] == {"values": [], "reached": "everywhere"}
    (b,) = p50["cells"][0]["values"]
    assert b == pytest.approx(1000.0, abs=1e-6)
    # P(NPV > 0) at a = 1,500 is 0.9 P(c > 2,500 - b) (the flag's 10% never pays here):
    # 50% at b = 2,500 - 3,000 (1 - 0.5 / 0.9); its Monte Carlo error over 4,000 draws is
    # about 0.008 in P, 26 in b (the slope is 0.9 / 3,000 per unit of b): 4 of them
    (b50,) = p50["cells"][1]["values"]
    assert b50 == pytest.approx(2500 - 3000 * (1 - 0.5 / 0.9), abs=4 * 26)
    # 95% needs P(c > 2,500 - b) above 1: nowhere, at any a within range
    assert all(r["cells"][3]["reached"] == "nowhere" for r in table["rows"][:2])


def test_the_table_of_a_falling_npv_says_at_most():
    from simulate.report.frontier import frontier_cell
    from simulate.sensitivity.frontier import frontier_table

    xs, ys = np.linspace(0, 1, 5), np.linspace(0, 2, 9)
    npv = 1.0 - xs[:, None] - ys[None, :]  # falls with the second input: zero at y = 1 - x
    block = {
        "inputs": [{"input": "x", "values": xs.tolist(), "p10": 0.1, "p50": 0.5, "p90": 0.9},
                   {"input": "y", "values": ys.tolist(), "unit": "months"}],
        "npv": npv.tolist(),
        "probability": np.zeros_like(npv).tolist(),
        "zero_curve": [[[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]],
        "contours": [{"level": 0.5, "lines": []}],
    }  # fmt: skip
    table = frontier_table(block)
    assert table["rises"] is False
    cell = table["rows"][1]["cells"][0]
    assert cell["values"] == [pytest.approx(0.5)]
    assert frontier_cell(cell, table["rises"], "months", "USD") == "≤ 0.5 mo"
    assert table["rows"][1]["cells"][1] == {"values": [], "reached": "nowhere"}


def test_with_no_other_uncertain_input_every_contour_is_the_break_even_line():
    """P(NPV > 0) is a step (0 or 1) without other uncertain inputs: no staircases."""
    config = linear_config()
    config["priors"] = {k: v for k, v in config["priors"].items() if k in ("a", "b")}
    config["benefits"] = [*config["benefits"][:2], {"type": "recurring", "amount": 6500}]
    model = model_from_dict(config)
    assert len(model.inputs) == 2
    out = sa.frontier(model, ("a", "b"), trials=500, seed=7, grid=15)
    (line,) = out["zero_curve"]
    assert np.allclose(np.array(line).sum(axis=1), COST / 12 - 6500, atol=1e-6)
    assert all(c["lines"] == out["zero_curve"] for c in out["contours"])
    assert "No other input is uncertain" in out["note"]
    assert set(np.unique(out["probability"])) <= {0.0, 1.0}
    fig = frontier_chart(out, chart_meta(model, trials=500, seed=7))
    notes = [t.get_text() for t in fig.texts if t.get_gid() == "notes"]
    assert len(notes) == 1 and "every contour is that line" in notes[0]
    assert not fig.axes[0].collections  # no tints: a 0-or-1 chance has no bands between levels


# Labels of 45 to 60 characters (a config label's limit) with their units: on a plot
# shorter than the label, it once ran up into the subtitle and key and down into the notes.
_LONG_LABELS = (
    "Réduction d'attrition « relative » & <em>x</em> αβγ",
    "Average handle time saved per assisted contact, all queues",
    "Share_of_contacts_deflected_to_self_service_in_year_one_x",
)


@pytest.mark.parametrize("label", _LONG_LABELS)
@pytest.mark.parametrize("where", ["png", "page"])
def test_a_long_y_label_stays_clear_of_the_other_texts(linear, label, where):
    model, out = linear
    block = {**out, "inputs": [out["inputs"][0], {**out["inputs"][1], "label": label}]}
    meta = chart_meta(model, trials=4000, seed=7)
    if where == "png":  # a long name takes the height of the figure: a short plot
        meta = dataclasses.replace(meta, name=f"A programme whose name runs on, {label} " * 3)
        fig = frontier_chart(block, meta)
    else:  # as the review pack draws it: its size, the key above the plot, no head
        fig = Figure(figsize=FIGSIZES["frontier"], layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        frontier_chart(block, meta, ax=ax, head="")
        thin_crowded_ticks(ax)
    texts = _texts(fig)
    ax = fig.axes[0]
    assert ax.yaxis.label in texts
    assert ax.yaxis.label.get_text().replace("\n", "").replace(" ", "") == (
        f"{label} (USD)".replace(" ", "")
    )
    assert _collisions(fig, texts) == [] and _outside(fig, texts) == []
    # and within the plot's height, so clear of the key above it and the notes below
    renderer = fig.canvas.get_renderer()
    box, plot = ax.yaxis.label.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert plot.y0 - 1 <= box.y0 and box.y1 <= plot.y1 + 1
