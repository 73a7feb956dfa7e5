"""A hand-made ``report_data.json`` dict for the HTML tests, shaped exactly as the contract says.

Made without simulating, so the HTML tests are fast and every awkward case
(a long horizon, 20 inputs, a name with markup, a project that never pays
back, a comparison) is a keyword away. The numbers are made to be told
apart: each TEI cell's median, P10, P90 and mean differ, so a test can find
the data's numbers in the page. :func:`make_data` takes the case's options.
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from statistics import NormalDist
from typing import Any

from simulate.report.pdf import QUIET_FLAGS

LEVELS = [(i + 0.5) / 2001 for i in range(2001)]
QUANTILES = ("p5", "p10", "p25", "p50", "p75", "p90", "p95")
_Z = {q: NormalDist().inv_cdf(int(q[1:]) / 100) for q in QUANTILES}


def _stats(mean: float, sd: float) -> dict[str, float]:
    return {"mean": mean, "sd": sd, **{q: mean + z * sd for q, z in _Z.items()}}


def _cell(p50: float, *, skew: float = 0.0) -> dict[str, float]:
    """P10 / P50 / P90 / mean of a cell; ``skew`` moves the mean away from the median."""
    return {"p10": 0.81 * p50, "p50": p50, "p90": 1.27 * p50, "mean": p50 * (1.02 + skew)}


def _years(horizon_months: int) -> list[str]:
    full, part = divmod(horizon_months, 12)
    labels = [f"Year {k}" for k in range(1, full + 1)]
    if part:
        k = full + 1
        first = 12 * full + 1
        span = f"month {first}" if first == horizon_months else f"months {first}-{horizon_months}"
        labels.append(f"Year {k} ({span})")
    return labels


def _line_row(name: str, kind: str, index: int, years: int, *, skew: float) -> dict[str, Any]:
    """A benefit line ramping up, or a cost line with a build cost and a run cost."""
    if kind == "benefit":
        flows = [0.0] + [(110_000 + 7_919 * index) * min(k, 2) * 6 for k in range(1, years + 1)]
    else:
        flows = [1_200_000 + 13_337 * index] + [240_000 + 1_009 * index] * years
    cells = [_cell(v, skew=skew) for v in flows]
    total = sum(flows)
    pv = sum(v / 1.09**k for k, v in enumerate(flows))
    cells += [_cell(total, skew=skew), _cell(pv, skew=skew)]
    deterministic = [v * 1.04 for v in flows] + [total * 1.04, pv * 1.04]
    mean_pv = cells[-1]["mean"]
    adjustment = (
        1 - mean_pv / deterministic[-1] if kind == "benefit" else mean_pv / deterministic[-1] - 1
    )
    path = f"{'benefits' if kind == 'benefit' else 'costs'}[{index}]"
    return {
        "name": name,
        "kind": kind,
        "type": "deflection" if kind == "benefit" else "one_off",
        "path": path,
        "cells": cells,
        "deterministic": deterministic,
        "risk_adjustment": adjustment,
    }


def _total_row(name: str, kind: str, rows: list[dict[str, Any]], sign: float = 1.0) -> dict:
    n = len(rows[0]["cells"])

    def add(key: str, i: int) -> float:
        return sum(r["cells"][i][key] * (sign if r["kind"] == "cost" else 1.0) for r in rows)

    cells = [{k: add(k, i) for k in ("p10", "p50", "p90", "mean")} for i in range(n)]
    for c in cells:  # a difference's P10 is not the difference of P10s: keep them ordered
        lo, hi = sorted((c["p10"], c["p90"]))
        c["p10"], c["p90"] = lo, hi
    det = [
        sum(r["deterministic"][i] * (sign if r["kind"] == "cost" else 1.0) for r in rows)
        for i in range(n)
    ]
    mean_pv = cells[-1]["mean"]
    adjustment = None
    if det[-1]:
        adjustment = (
            mean_pv / det[-1] - 1 if kind == "total_costs" else (det[-1] - mean_pv) / abs(det[-1])
        )
    return {
        "name": name,
        "kind": kind,
        "type": None,
        "path": None,
        "cells": cells,
        "deterministic": det,
        "risk_adjustment": adjustment,
    }


def _tei(benefits: list[str], costs: list[str], horizon: int, trials_used: int, trials: int):
    years = _years(horizon)
    b_rows = [
        _line_row(n, "benefit", i, len(years), skew=0.3 * (i == 0)) for i, n in enumerate(benefits)
    ]
    c_rows = [_line_row(n, "cost", i, len(years), skew=0.0) for i, n in enumerate(costs)]
    rows = list(b_rows)
    if b_rows:
        rows.append(_total_row("Total benefits", "total_benefits", b_rows))
    rows += c_rows
    if c_rows:
        rows.append(_total_row("Total costs", "total_costs", c_rows))
    rows.append(_total_row("Net benefits", "net_benefits", b_rows + c_rows, sign=-1.0))
    return {
        "columns": ["Initial", *years, "Total", "Present value"],
        "trials_used": trials_used,
        "trials": trials,
        "rows": rows,
        "roi": {
            "p10": -0.0153,
            "p50": 0.3098,
            "p90": 0.7100,
            "mean": 0.3328,
            "deterministic": 0.371,
        },
        "payback_months": {"p10": 30.4, "p50": 39.4, "p90": 51.3, "deterministic": 37.0},
    }


def _assumptions(n: int, tornado: list[dict]) -> list[dict[str, Any]]:
    rank = {r["input"]: (i + 1, r["swing"]) for i, r in enumerate(tornado)}
    out = []
    for i in range(n):
        name = f"input_{i:02d}" if i else "aht_saved"
        r, swing = rank.get(name, (None, None))
        out.append(
            {
                "name": name,
                "inline": False,
                "used_by": [f"benefits[{i % 3}].seconds_saved"] if i != n - 1 else [],
                "distribution": "PERT 30 / 60 / 80 seconds"
                if i == 0
                else f"uniform {i} / {2 * i + 3}",
                "fixed": False,
                "p10": 41.5 + i,
                "p50": 57.25 + i,
                "p90": 70.125 + i,
                "source": None if i % 4 == 1 else f"Time-and-motion study {2020 + i % 5}",
                "note": f"Measured on queue {i}" if i % 3 == 0 else None,
                "rank": r,
                "swing": swing,
            }
        )
    return out


def _tornado(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(min(n, 12)):
        swing = 4_300_000 / (1 + 0.4 * i)
        rows.append(
            {
                "input": f"input_{i:02d}" if i else "aht_saved",
                "low_q": 0.1,
                "high_q": 0.9,
                "low_value": 10.0 + i,
                "high_value": 20.0 + 2 * i,
                "metric_low": 4_980_000 - swing * 0.45,
                "metric_high": 4_980_000 + swing * 0.55,
                "swing": swing,
            }
        )
    return rows


def _charts(horizon: int, lines: list[tuple[str, float]], never_pays_back: bool) -> dict:
    dist = NormalDist(4_585_913.0, 3_897_967.0)
    npv = [dist.inv_cdf(p) for p in LEVELS]
    roi = [NormalDist(0.3328, 0.2909).inv_cdf(p) for p in LEVELS]
    months = list(range(horizon + 1))

    def paid(m: int) -> float:
        return 0.0 if never_pays_back else 1 / (1 + math.exp(-(m - 39.4) / 5))

    def band(m: int, z: float) -> float:
        return -8e6 + 2.8e5 * m + z * 6e4 * m

    bands = {f"p{q}": [band(m, _Z[f"p{q}"]) for m in months] for q in (10, 25, 50, 75, 90)}
    return {
        "npv_quantiles": npv,
        "npv_groups": None,
        "roi_quantiles": roi,
        "payback": {"months": months, "prob": [paid(m) for m in months]},
        "payback_cdf": {"months": months, "prob": [paid(m) for m in months]},
        "fan": {"months": months, "bands": bands, "n_paths": 2000, "groups": None},
        "waterfall": [[n, v] for n, v in lines],
    }


def _summary(name: str, currency: str, horizon: int, trials: int, never_pays_back: bool) -> dict:
    payback = {
        "mean": 39.66,
        "sd": 7.48,
        "p5": 28.52,
        "p10": 30.45,
        "p25": 33.99,
        "p50": 39.37,
        "p75": 45.14,
        "p90": 51.30,
        "p95": 55.85,
    }
    if never_pays_back:
        payback = {"mean": None, "sd": None, **dict.fromkeys(QUANTILES)}
    npv = _stats(4_585_913.06, 3_897_967.41)
    npv.update({"cvar5": -3_126_833.41, "se_mean": 3_897_967.41 / math.sqrt(trials)})
    p = 0.8873
    return {
        "name": name,
        "config": "configs/omnichannel.yaml",
        "scenario": None,
        "overlay": None,
        "config_hash": "23e26ca7",
        "trials": trials,
        "seed": 20240601,
        "sampling": "random",
        "horizon_months": horizon,
        "discount_rate": 0.09,
        "currency": currency,
        "targets": {"payback_months": 36.0, "roi": 0.3},
        "metrics": {
            "npv": npv,
            "pv_benefits": _stats(19_274_056.5, 3_353_917.1),
            "pv_costs": _stats(14_688_143.5, 1_773_120.4),
            "roi": {**_stats(0.3328, 0.2909), "defined_fraction": 1.0},
            "irr": {**_stats(0.2678, 0.1410), "defined_fraction": 0.97575},
            "payback_months": payback,
            "discounted_payback_months": payback,
        },
        "probabilities": {
            "npv_positive": 0.0 if never_pays_back else p,
            "npv_positive_se": 0.0 if never_pays_back else math.sqrt(p * (1 - p) / (trials - 1)),
            "payback_within_horizon": 0.0 if never_pays_back else 0.97405,
            "payback_within_target": 0.0 if never_pays_back else 0.3163,
            "roi_at_least_target": 0.5131,
        },
        "version": "0.1.0",
    }


def _comparison(kind: str) -> dict[str, Any]:
    diff = {"p10": -812_000.0, "p50": 1_234_000.0, "p90": 3_456_000.0, "mean": 1_301_000.0}
    if kind == "scenarios":
        rows = [
            {"a": "optimistic", "b": "as written", "p_a_beats_b": 0.8125, "diff": diff},
            {
                "a": "pessimistic",
                "b": "as written",
                "p_a_beats_b": 0.0412,
                "diff": {k: -v for k, v in diff.items()},
            },
        ]
        return {"kind": kind, "baseline": "as written", "rows": rows, "attribution": None}
    attribution = [
        {
            "path": "priors.overrun",
            "prob_npv_positive": -0.062,
            "npv_p50": -1_100_000.0,
            "npv_mean": -1_050_000.0,
            "note": "",
        },
        {
            "path": "benefits[0].adoption",
            "prob_npv_positive": -0.021,
            "npv_p50": -400_000.0,
            "npv_mean": -380_000.0,
            "note": "",
        },
    ]
    rows = [{"a": "cfo_review", "b": "as written", "p_a_beats_b": 0.1875, "diff": diff}]
    return {"kind": kind, "baseline": "as written", "rows": rows, "attribution": attribution}


def _drivers(tornado: list[dict], n_inputs: int, sensitivity: bool) -> dict[str, Any]:
    drivers: dict[str, Any] = {
        "metric": "npv",
        "base": 4_980_037.17,
        "tornado": tornado,
        "rank": None,
        "breakeven": None,
        "voi": None,
    }
    if not sensitivity or not tornado:
        return drivers
    names = [r["input"] for r in tornado]
    drivers["rank"] = [
        {"input": n, "spearman": 0.61 / (1 + i), "contribution": 0.4 / (1 + i)}
        for i, n in enumerate(names)
    ]
    drivers["breakeven"] = [
        {
            "input": names[0],
            "value": 12.5,
            "note": "NPV is zero at 12.5; positive above it",
            "base_value": 25.6,
            "npv_at_base": 4_980_037.17,
            "npv_positive": "above",
        },
        {
            "input": names[1],
            "value": None,
            "note": "none within range: NPV is positive at every value",
            "base_value": 0.76,
            "npv_at_base": 4_980_037.17,
            "npv_positive": None,
        },
    ][: max(n_inputs, 1)]
    drivers["voi"] = {
        "evpi": 812_345.0,
        "evppi": [
            {"input": names[0], "value": 345_678.0, "share_of_evpi": 0.4255, "above_noise": True},
            {"input": names[-1], "value": 1_234.0, "share_of_evpi": 0.0015, "above_noise": False},
        ],
        "expected_npv": 4_585_913.0,
        "decision_now": "invest",
        "bins": 20,
        "trials": 100_000,
        "noise_floor": 2_000.0,
        "evpi_se": 12_000.0,
        "currency": "USD",
    }
    return drivers


BENEFITS = ["Churn avoided", "Self-service deflection", "Agent assist"]
COSTS = ["Platform build", "Licences"]


def make_data(
    *,
    name: str = "Omnichannel service platform",
    currency: str = "USD",
    description: str = "Replace four contact channels with one platform.",
    horizon_months: int = 60,
    benefits: list[str] | None = None,
    costs: list[str] | None = None,
    n_inputs: int = 6,
    trials: int = 100_000,
    trials_used: int | None = None,
    never_pays_back: bool = False,
    sensitivity: bool = True,
    comparison: str | None = None,
    precision: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """A report_data dict as ``simulate.report.data.pack_data`` makes it (contract of issue 12)."""
    benefits = list(BENEFITS if benefits is None else benefits)
    costs = list(COSTS if costs is None else costs)
    tornado = _tornado(n_inputs)
    tei = _tei(benefits, costs, horizon_months, trials_used or trials, trials)
    if never_pays_back:
        tei["payback_months"] = dict.fromkeys(("p10", "p50", "p90", "deterministic"))
    lines = [
        (r["name"], r["cells"][-1]["mean"] * (1 if r["kind"] == "benefit" else -1))
        for r in tei["rows"]
        if r["path"]
    ]
    summary = _summary(name, currency, horizon_months, trials, never_pays_back)
    if precision:
        summary["precision"] = {
            "level": 0.95,
            "figures": {
                "npv_positive": {
                    "estimate": 0.8873,
                    "low": 0.8853,
                    "high": 0.8893,
                    "method": "wilson",
                },
                "npv_mean": {
                    "estimate": 4_585_913.06,
                    "low": 4_561_000.0,
                    "high": 4_610_000.0,
                    "method": "t",
                },
            },
        }
    assumptions = _assumptions(n_inputs, tornado)
    if note is not None and assumptions:
        assumptions[0]["note"] = note
    return {
        "format": "simulate-report-data/1",
        "summary": summary,
        "config_file": "configs/omnichannel.yaml",
        "description": description,
        "command": "simulate run configs/omnichannel.yaml --seed 20240601 --trials "
        f"{trials} --sampling random",
        "created": "2026-12-02T01:23:45Z",
        "headline": {
            "sentence": f"{name} brings $19.1M of benefit (P10-P90 $15.1M-$23.6M) in present "
            "value at a cost of $14.5M; median ROI 31%; chance of losing money 11.3%.",
            "benefit_pv": {
                "p10": 15_123_096.9,
                "p50": 19_107_312.4,
                "p90": 23_609_565.3,
                "mean": 19_274_056.5,
            },
            "cost_pv": {
                "p10": 12_562_834.4,
                "p50": 14_527_807.2,
                "p90": 17_024_006.3,
                "mean": 14_688_143.5,
            },
        },
        "tei": tei,
        "assumptions": assumptions,
        "drivers": _drivers(tornado, n_inputs, sensitivity),
        "comparison": _comparison(comparison) if comparison else None,
        "charts": _charts(horizon_months, lines, never_pays_back),
    }


# -- a real browser -----------------------------------------------------------------------


class Chromium:
    """A headless Chromium driven over its DevTools pipe (``--remote-debugging-pipe``).

    Commands go in on the browser's fd 3 and answers and events come out on
    its fd 4, as NUL-terminated JSON. Every event is kept in :attr:`events`.
    """

    def __init__(self, exe: str, profile: Path):
        to_browser_r, self._w = os.pipe()
        self._r, from_browser_w = os.pipe()
        # The browser reads fd 3 and writes fd 4: a small Python moves the pipes there.
        fds = (
            "import os, sys; r, w = os.dup(int(sys.argv[1])), os.dup(int(sys.argv[2])); "
            "os.dup2(r, 3); os.dup2(w, 4); os.set_inheritable(3, True); os.set_inheritable(4, True); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                fds,
                str(to_browser_r),
                str(from_browser_w),
                exe,
                "--remote-debugging-pipe",
                *QUIET_FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_r, from_browser_w),
            start_new_session=True,
            env={**os.environ, "HOME": str(profile)},
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the browser did not answer in time")
            if select.select([self._r], [], [], left)[0]:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise EOFError("the browser closed its pipe")
                self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return json.loads(message)

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method: str, session: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        for event in self.events[:seen]:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def open(self, url: str) -> str:
        """A new tab showing ``url`` (loaded); its session id."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return session

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
            self.proc.wait(10)
        except Exception:  # a browser that does not close is stopped
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        finally:
            os.close(self._w)
            os.close(self._r)


def page_problems(browser: Chromium, session: str, url: str) -> list[str]:
    """Console errors, uncaught exceptions, and requests for anything but the page itself."""
    problems = []
    for e in browser.events:
        if e.get("sessionId") != session:
            continue
        method, params = e.get("method"), e.get("params", {})
        if method == "Network.requestWillBeSent":
            requested = params["request"]["url"]
            if requested != url and not requested.startswith("data:"):
                problems.append(f"request: {requested}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
            problems.append(f"console {params['type']}: {params.get('args')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            problems.append(f"log: {params['entry'].get('text')}")
    return problems


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its page objects, which must agree with its page tree's count."""
    objects = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert counts and max(counts) == objects, (objects, counts)
    return objects


# -- awkward configs, for real runs ----------------------------------------------------------------

NEVER_PAYS_BACK = """\
name: Never pays back
currency: USD
horizon_months: 24
discount_rate: 0.10
targets: {payback_months: 18}
priors:
  saved: {dist: pert, min: 1, mode: 2, max: 4, source: guess}
benefits:
  - {type: handle_time, name: Handle time, contacts_per_month: 1000, seconds_saved: saved,
     cost_per_hour: 40}
costs:
  - {type: one_time, name: Build, amount: 2000000}
"""

NO_BENEFITS = """\
name: Compliance spend (no benefits)
currency: GBP
horizon_months: 36
discount_rate: 0.08
priors:
  overrun: {dist: pert, min: 0.9, mode: 1.0, max: 1.8}
costs:
  - {type: one_time, name: Build, amount: 400000, scale: overrun}
  - {type: recurring, name: Run, amount: 12000}
"""


def many_inputs(n_lines: int = 10, horizon_months: int = 594) -> str:
    """EUR, a name with markup, a 594-month horizon (49 years and a half), a huge right tail, 2 inputs per line."""
    priors = []
    benefits = []
    for i in range(n_lines):
        priors.append(
            f"  amount_{i}: {{dist: lognormal, median: {20_000 + 1_000 * i}, p90: "
            f"{(150_000 if i == 0 else 40_000) + 1_000 * i}, source: 'Survey <b>{i}</b>'}}"
        )
        priors.append(f"  lag_{i}: {{dist: uniform, min: 1, max: {4 + i}}}")
        benefits.append(
            f"  - {{type: recurring, name: 'Line {i} <script>x</script>', amount: amount_{i}, "
            f"lag: lag_{i}}}"
        )
    return (
        "name: 'Twenty inputs <script>alert(1)</script> over fifty years'\n"
        "description: 'A <i>long</i> programme with a fat tail.'\n"
        f"currency: EUR\nhorizon_months: {horizon_months}\ndiscount_rate: 0.07\n"
        "priors:\n" + "\n".join(priors) + "\nbenefits:\n" + "\n".join(benefits) + "\n"
        "costs:\n  - {type: one_time, name: Build, amount: 3000000}\n"
        "  - {type: recurring, name: Run, amount: 60000}\n"
    )


def many_lines() -> str:
    """30 lines and 25 inputs, each with a 55-60 character label and a 150-character source.

    It printed on four A4 pages: a TEI row per line, a register row per input, long names wrapping.
    """
    priors, benefits, costs = [], [], []
    for i in range(20):
        priors.append(
            f"  p{i}: {{dist: pert, min: {10 + i}, mode: {20 + i}, max: {40 + 2 * i}, "
            f'label: "Input {i:02d} wwwwwwwwww lorem ipsum dolor sit amet consecte", '
            f'source: "Source {i} {"x" * 140}"}}'
        )
        benefits.append(
            f"  - {{type: handle_time, name: b{i}, "
            f'label: "Benefit line {i:02d} with a label of exactly sixty characters!!", '
            f"contacts_per_month: {10_000 + 1_000 * i}, seconds_saved: p{i}, cost_per_hour: 40, "
            f"lag: {i % 6}}}"
        )
    for i in range(10):
        label = f'label: "Cost line {i:02d} with a long label that runs to sixty characters"'
        if i % 2:
            scale = "scale: {dist: pert, min: 0.9, mode: 1, max: 1.5}"
            costs.append(
                f"  - {{type: one_time, name: c{i}, {label}, amount: {100_000 * (i + 1)}, {scale}}}"
            )
        else:
            costs.append(f"  - {{type: recurring, name: c{i}, {label}, amount: {5_000 * (i + 1)}}}")
    return (
        "name: Thirty lines with sixty-character labels everywhere in the config\n"
        "currency: GBP\nhorizon_months: 120\ndiscount_rate: 0.07\n"
        "targets: {payback_months: 60, roi: 0.3}\n"
        "priors:\n" + "\n".join(priors) + "\nbenefits:\n" + "\n".join(benefits) + "\n"
        "costs:\n" + "\n".join(costs) + "\n"
    )


# -- stage gates: configs whose pack has the value of flexibility ------------------------------------

# /tmp/gate1.yaml of issue 16: one 0/1 gate over every line.
ONE_GATE = """\
name: Gate test
horizon_months: 24
discount_rate: 0.0
simulation: {trials: 2000, seed: 1}
priors:
  pilot_succeeds: {dist: bernoulli, p: 0.6}
benefits:
  - type: recurring
    name: Savings
    amount: 100
    scale: pilot_succeeds
costs:
  - type: recurring
    name: Licence
    amount: 50
gates:
  - name: pilot review
    month: 7
    continue_if: pilot_succeeds
"""

# Two 0/1 gates, the second over two of five lines, labels on lines and inputs, markup in a name.
TWO_GATES = """\
name: Omnichannel rollout with stage gates
horizon_months: 48
discount_rate: 0.09
simulation: {trials: 2000, seed: 11}
priors:
  pilot_succeeds: {dist: bernoulli, p: 0.7, label: Pilot meets its targets, source: pilots}
  regional_ok: {dist: bernoulli, p: 0.8, label: Regional adoption above plan}
  saving: {dist: pert, min: 30000, mode: 45000, max: 70000, label: Monthly saving}
benefits:
  - {type: recurring, name: Contact savings, label: Contact centre savings, amount: saving,
     scale: pilot_succeeds, lag: 3}
  - {type: recurring, name: Upsell, label: Upsell from offers, amount: 15000,
     scale: regional_ok, lag: 12}
costs:
  - {type: one_time, name: Platform build, amount: 400000}
  - {type: recurring, name: Licence, amount: 12000}
  - {type: recurring, name: Regional team, amount: 9000}
gates:
  - {name: Pilot review, month: 6, continue_if: pilot_succeeds}
  - {name: 'Regional <b>go</b>/no-go', month: 12, continue_if: regional_ok,
     lines: [Upsell, Regional team]}
"""

# A gate with a threshold (at_least): stop the line and its licence where the pilot's lift is small.
AT_LEAST_GATE = """\
name: Lift gate
horizon_months: 36
discount_rate: 0.08
simulation: {trials: 2000, seed: 3}
priors:
  pilot_lift: {dist: uniform, min: 0, max: 0.2, label: Pilot conversion lift}
benefits:
  - {type: recurring, name: Savings, amount: 60000, scale: pilot_lift}
costs:
  - {type: recurring, name: Licence, amount: 4000}
  - {type: one_time, name: Build, amount: 20000}
gates:
  - {name: pilot review, month: 6, continue_if: pilot_lift, at_least: 0.05,
     lines: [Savings, Licence]}
"""

# Stopping a line worth continuing: the option to stop is worth less than nothing.
COSTLY_GATE = """\
name: Costly gate
horizon_months: 24
discount_rate: 0.0
priors:
  coin: {dist: bernoulli, p: 0.5}
benefits:
  - {type: recurring, name: Savings, amount: 1000}
costs:
  - {type: recurring, name: Licence, amount: 100}
gates:
  - {name: coin toss, month: 4, continue_if: coin, lines: [Savings]}
"""
