"""Debian's Chromium for the tests that drive a real browser (tests/browser, tests/jupyterlab)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless on a machine with no network but the loopback: no background or update traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def install_chromium() -> str | None:
    """Install Debian's Chromium when it is missing; return why it cannot be had, or None."""
    if CHROMIUM.is_file():
        return None
    if shutil.which("apt-get") is None:
        return f"no Chromium at {CHROMIUM} and no apt-get to install it"
    lock_path = Path(tempfile.gettempdir()) / "calclib-book-chromium.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers install it once, in turn
        if CHROMIUM.is_file():
            return None
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
                return f"no Chromium at {CHROMIUM}, and `{' '.join(command)}` failed: {tail}"
    return None if CHROMIUM.is_file() else f"apt-get installed no {CHROMIUM}"


def launched_chromium(request: pytest.FixtureRequest) -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright; closed when the caller resumes.

    A generator for a session fixture to ``yield from``. Playwright is the ``playwright``
    fixture of tests/conftest.py, shared by the browser suites of a process (its sync API
    allows one instance per process). Skips the test when Chromium cannot be installed.
    """
    reason = install_chromium()
    if reason is not None:
        pytest.skip(reason)
    playwright = request.getfixturevalue("playwright")
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield chromium
    finally:
        chromium.close()
