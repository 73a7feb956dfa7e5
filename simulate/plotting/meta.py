"""What a chart says about the run it comes from: title, subtitle and footer stamp."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..format import format_discount_rate

__all__ = ["ChartMeta"]


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about the run it comes from.

    ``name`` is the chart title; the rest feeds the subtitle and the footer
    stamp. ``discount_rate`` (annual, 0.10 = 10%) and ``scenario`` are
    optional and shown when given.
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

    @classmethod
    def from_summary(
        cls,
        summary: Mapping,
        *,
        config_hash: str,
        target_payback_months: float | None = None,
        target_roi: float | None = None,
    ) -> ChartMeta:
        """A ChartMeta from a summary.json dict plus what it does not hold."""
        return cls(
            name=str(summary["name"]),
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
        )

    def stamp(self) -> str:
        """The footer: ``simulate 0.1.0 · 100,000 trials · seed 42 · random · config 3fa9c2e1``."""
        parts = [f"simulate {self.version}"]
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
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
