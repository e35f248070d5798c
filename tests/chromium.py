"""Headless Chromium for the tests that render a page: where it is, the flags that work on
these machines (no sandbox as root, no network chatter), and a skip, or a failure under CI
(CORRIDOR_REQUIRE_CHROMIUM=1, set by .ci/run), when it is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def require_chromium() -> str:
    """The browser's path; skips the test without one (fails it under CI)."""
    if CHROMIUM is None:
        if os.environ.get("CORRIDOR_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is not installed (CI installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    return CHROMIUM


def headless(profile: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the browser with the working flags, a fresh profile folder and ``args``."""
    return subprocess.run(
        [require_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
