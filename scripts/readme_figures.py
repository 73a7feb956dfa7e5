"""Regenerate the charts in figures/ that the README shows, from configs/.

    python -m scripts.readme_figures

Run from the repository root. Runs the omnichannel example (its standard
charts, plus the sensitivity spider), the scenarios of the churn example,
and the portfolio batch, each with the seeds written in the configs (and
--seed 1 for the batch), then copies the PNGs into figures/. Deterministic: the same code gives the same
numbers, and the same SVGs byte for byte.

Then the review pack of the omnichannel example (``simulate report``, its
break-even frontier included) is shot with headless Chromium, 1,100 pixels
wide, into figures/report.png: the top of the page, as the README shows it.
Without a browser that step is skipped with a line saying so (the other
figures are still made).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from simulate.cli import main
from simulate.report.pdf import QUIET_FLAGS, find_browser

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
        run(["report", str(configs / "omnichannel.yaml"), "--out", str(tmp / "pack"),
             "--no-figures", "--quiet"])  # fmt: skip
        screenshot(tmp / "pack" / "omnichannel" / "report.html", out / "report.png", tmp)


# The README's view of the page: a laptop's width, the headline down to the charts.
SHOT_SIZE = (1100, 1450)


def screenshot(page: Path, target: Path, scratch: Path) -> None:
    """The top of ``page`` as a PNG at :data:`SHOT_SIZE`, taken by headless Chromium."""
    browser = find_browser()
    if browser is None:
        print(f"no chromium on PATH: {target} not regenerated (apt-get install chromium)")
        return
    shot = scratch / "report.png"
    width, height = SHOT_SIZE
    subprocess.run(
        [browser, *QUIET_FLAGS, f"--user-data-dir={scratch / 'chromium'}",
         f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    shutil.copyfile(shot, target)
    print(target)


if __name__ == "__main__":
    regenerate(ROOT / "figures")
