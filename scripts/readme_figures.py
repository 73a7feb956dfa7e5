"""Regenerate the charts in figures/ that the README shows, from configs/.

    python -m scripts.readme_figures

Run from the repository root. Runs the omnichannel example (its standard
charts, plus the sensitivity spider), the scenarios of the churn example,
and the portfolio batch, each with the seeds written in the configs (and
--seed 1 for the batch), then copies the PNGs into figures/. Deterministic: the same code gives the same
numbers, and the same SVGs byte for byte.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from simulate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str]) -> None:
    status = main(argv)
    if status != 0:
        raise SystemExit(f"simulate {' '.join(argv)} exited {status}")


def regenerate(out: Path) -> None:
    figures = ROOT / "figures"
    figures.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        configs = ROOT / "configs"
        run(
            [
                "run",
                str(configs / "omnichannel.yaml"),
                "--out",
                str(tmp),
                "--sensitivity=tornado,spider",
                "--quiet",
            ]
        )
        run(
            [
                "run",
                str(configs / "subscription_churn.yaml"),
                "--scenario",
                "all",
                "--out",
                str(tmp),
                "--quiet",
            ]
        )
        run(
            [
                "batch",
                str(configs / "portfolio"),
                "--seed",
                "1",
                "--out",
                str(tmp / "portfolio"),
                "--quiet",
            ]
        )
        wanted = [
            (png, f"omnichannel_{png.name}")
            for png in (tmp / "omnichannel" / "figures").glob("*.png")
        ]
        wanted += [
            (tmp / "figures" / "scenarios--subscription_churn.png", "churn_scenarios.png"),
            (tmp / "portfolio" / "figures" / "risk_return.png", "portfolio_risk_return.png"),
        ]
        for src, name in sorted(wanted):
            shutil.copyfile(src, out / name)
            print(out / name)


if __name__ == "__main__":
    regenerate(ROOT / "figures")
