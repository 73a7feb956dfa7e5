"""report.pdf: report.html printed by a headless Chromium, when one is installed.

The PDF is the browser's print of the page (its print style sheet), not a
layout of its own. The browser runs with a throwaway profile inside the
folder being written and is stopped after a timeout, so nothing is written
outside that folder and a hung browser never hangs the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import ConfigError, Problem
from ..files import replacing

__all__ = ["BROWSERS", "QUIET_FLAGS", "TIMEOUT_S", "ReportError", "find_browser", "write_pdf"]

# Names of a Chromium on PATH, in the order they are looked for.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120.0
NO_BROWSER = (
    "no headless Chromium on the PATH to print report.pdf (looked for "
    + ", ".join(BROWSERS)
    + "): install one (Debian/Ubuntu: apt-get install chromium), or open report.html "
    "in a browser and print it to PDF"
)
# A page of local content needs no network, sync, extension or first-run screen.
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


class ReportError(ConfigError):
    """The pack could not be written as asked (exit status 2), with what to do about it."""


def find_browser() -> str | None:
    """The path of the first of :data:`BROWSERS` on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run the browser in a session of its own; on timeout stop it and every process it started."""
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as proc:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        finally:
            if proc.poll() is None:  # an interrupt (Ctrl-C) while it printed
                os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err.decode("utf-8", "replace")


def _failure(pdf: Path, message: str) -> ReportError:
    return ReportError(
        Problem(
            f"{message}; open report.html in a browser and print it to PDF",
            path="--pdf",
            file=str(pdf),
        )
    )


def write_pdf(
    html: Path, pdf: Path, *, browser: str | None = None, timeout: float = TIMEOUT_S
) -> Path:
    """Print ``html`` to ``pdf`` with a headless Chromium; return ``pdf``.

    ``pdf`` is written whole or not at all. The browser's profile, cache and
    any crash report live in a temporary folder beside ``pdf``, removed
    afterwards.

    Raises
    ------
    ReportError
        Without a browser (the message says how to get one), or when the
        browser fails or takes longer than ``timeout`` seconds.
    """
    html, pdf = Path(html).resolve(), Path(pdf)
    browser = browser or find_browser()
    if browser is None:
        raise ReportError(Problem(NO_BROWSER, path="--pdf", file=str(pdf)))
    profile = Path(tempfile.mkdtemp(prefix=".browser-", dir=pdf.parent))
    # HOME and the XDG folders too: fontconfig and crash handlers write there.
    env = {
        **os.environ,
        "HOME": str(profile),
        "XDG_CONFIG_HOME": str(profile),
        "XDG_CACHE_HOME": str(profile),
    }
    try:
        with replacing(pdf) as tmp:
            command = [
                browser,
                *QUIET_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                "--print-to-pdf-no-header",  # the same, for Chromium before 111
                f"--print-to-pdf={tmp.resolve()}",
                html.as_uri(),
            ]
            try:
                code, err = _run(command, env, timeout)
            except subprocess.TimeoutExpired:
                raise _failure(pdf, f"{browser} did not print within {timeout:g} s") from None
            if code != 0 or not tmp.exists() or not tmp.read_bytes()[:5] == b"%PDF-":
                last = err.strip().splitlines()[-1:] or ["no message"]
                raise _failure(pdf, f"{browser} failed to print (exit status {code}: {last[0]})")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return pdf
