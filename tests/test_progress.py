"""Progress on long work (issue 13 item 5): the engine reports, the CLI shows a bar on a terminal."""

from __future__ import annotations

import io

import pytest

import simulate
from simulate.cli import main
from simulate.cli import progress as pg


class Terminal(io.StringIO):
    """A stream that says it is a terminal, and records what was drawn on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def model():
    from conftest import CONFIGS

    return simulate.load_config(CONFIGS / "lead_conversion.yaml")


def test_a_fixed_run_reports_each_piece_up_to_its_trials(model):
    calls = []
    simulate.run(model, trials=5000, seed=1, chunk_size=1024, batch_size=512,
                 progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == 5000 and len(done) >= 4
    assert {t for _, t in calls} == {5000}


def test_a_precision_run_reports_each_check_point(model):
    calls = []
    r = simulate.run(model, seed=1, precision="npv_positive=0.1pp", max_trials=6 * 512,
                     batch_size=512, progress=lambda d, t: calls.append((d, t)))  # fmt: skip
    assert [d for d, _ in calls] == [c["trials"] for c in r.summary()["stop"]["checks"]]
    assert {t for _, t in calls} == {6 * 512}


def test_progress_changes_no_number(model):
    a = simulate.run(model, trials=3000, seed=2, chunk_size=1024, progress=lambda d, t: None)
    b = simulate.run(model, trials=3000, seed=2, chunk_size=1024)
    assert a.summary() == b.summary()


def test_the_bar_draws_on_a_terminal_after_its_delay(monkeypatch):
    monkeypatch.setattr(pg, "DELAY", 0.0)
    stream = Terminal()
    with pg.trial_bar("case.yaml", quiet=False, stream=stream) as bar:
        assert bar is not None
        for done in (1000, 2000, 3000):
            bar(done, 3000)
    text = stream.getvalue()
    assert "case.yaml" in text and "3.00k/3.00k" in text and "trials" in text


def test_no_bar_off_a_terminal_or_when_quiet():
    with pg.trial_bar("x", quiet=False, stream=io.StringIO()) as bar:
        assert bar is None
    with pg.trial_bar("x", quiet=True, stream=Terminal()) as bar:
        assert bar is None
    with pg.step_bar("x", 3, quiet=True, stream=Terminal()) as bar:
        assert bar is None


def test_a_short_job_draws_nothing_even_on_a_terminal():
    stream = Terminal()
    with pg.trial_bar("case.yaml", quiet=False, stream=stream) as bar:
        bar(10, 20)
        bar(20, 20)
    assert "case.yaml" not in stream.getvalue()  # done before the two-second delay


def test_an_open_ended_bar_counts_without_a_total(monkeypatch):
    monkeypatch.setattr(pg, "DELAY", 0.0)
    stream = Terminal()
    with pg.trial_bar("case.yaml", quiet=False, open_ended=True, stream=stream) as bar:
        bar(8192, 10_000_000)
        bar(16384, 10_000_000)
    text = stream.getvalue()
    assert "16.4k" in text and "10.0M" not in text and "%" not in text


def test_the_step_bar_names_each_step(monkeypatch):
    monkeypatch.setattr(pg, "DELAY", 0.0)
    stream = Terminal()
    with pg.step_bar("sensitivity", 2, quiet=False, stream=stream) as bar:
        bar("sobol")
        bar("voi")
    assert "sobol" in stream.getvalue() and "voi" in stream.getvalue()


def test_run_prints_nothing_on_stderr_off_a_terminal(configs_dir, tmp_path, capsys):
    config = str(configs_dir / "lead_conversion.yaml")
    argv = ["run", config, "--trials", "3000", "--no-figures", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
