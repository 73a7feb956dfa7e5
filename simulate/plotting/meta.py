"""What a chart says about the run it comes from: title, subtitle and footer stamp."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..format import format_discount_rate

__all__ = ["ChartMeta", "run_title"]


def run_title(name: str, scenario: str | None = None, overlay: str | None = None) -> str:
    """A chart's title: the config's name, then the scenario and the overlay it ran with.

    ``Agent assist · scenario: conservative · overlay: CFO review``, so that
    two charts of one config with different answers never look alike.
    """
    parts = [str(name)]
    if scenario:
        parts.append(f"scenario: {scenario}")
    if overlay:
        parts.append(f"overlay: {overlay}")
    return " · ".join(parts)


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about the run it comes from.

    ``name`` is the chart title; the rest feeds the subtitle and the footer
    stamp. ``discount_rate`` (annual, 0.10 = 10%), ``scenario`` and
    ``overlay`` (the overlay's name) are optional and shown when given: the
    scenario and overlay in the stamp, and, made by :func:`chart_meta
    <simulate.plotting.figures.chart_meta>` or :meth:`from_summary`, in the
    title too (:func:`run_title`). ``config_hash`` is summary.json's, which
    covers the config, its scenario and its overlay
    (:func:`simulate.runner.identify`).
    """

    name: str
    currency: str
    trials: int
    seed: int
    sampling: str
    version: str
    config_hash: str
    horizon_months: int
    target_payback_months: float | None = None
    target_roi: float | None = None
    discount_rate: float | None = None
    scenario: str | None = None
    overlay: str | None = None

    @classmethod
    def from_summary(
        cls,
        summary: Mapping,
        *,
        config_hash: str,
        target_payback_months: float | None = None,
        target_roi: float | None = None,
    ) -> ChartMeta:
        """A ChartMeta from a summary.json dict plus what it does not hold.

        The title names the run's scenario and overlay (:func:`run_title`).
        """
        overlay = (summary.get("overlay") or {}).get("name")
        return cls(
            name=run_title(str(summary["name"]), summary.get("scenario"), overlay),
            currency=str(summary.get("currency") or "USD"),
            trials=int(summary["trials"]),
            seed=int(summary["seed"]),
            sampling=str(summary["sampling"]),
            version=str(summary["version"]),
            config_hash=str(config_hash),
            horizon_months=int(summary["horizon_months"]),
            target_payback_months=target_payback_months,
            target_roi=target_roi,
            discount_rate=summary.get("discount_rate"),
            scenario=summary.get("scenario"),
            overlay=overlay,
        )

    def stamp(self) -> str:
        """The footer: ``simulate 0.1.0 · 100,000 trials · seed 42 · random · config 3fa9c2e1``.

        A scenario and an overlay are named after the version.
        """
        parts = [f"simulate {self.version}"]
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
        if self.overlay:
            parts.append(f"overlay {self.overlay}")
        parts += [
            f"{self.trials:,} trials",
            f"seed {self.seed}",
            self.sampling,
            f"config {self.config_hash}",
        ]
        return " · ".join(parts)

    def run_description(self) -> str:
        """``100,000 simulated trials · 36-month horizon · 10% annual discount rate``."""
        parts = [f"{self.trials:,} simulated trials", f"{self.horizon_months}-month horizon"]
        if self.discount_rate is not None:
            parts.append(f"{format_discount_rate(self.discount_rate)} annual discount rate")
        return " · ".join(parts)
