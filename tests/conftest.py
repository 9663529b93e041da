"""Settings shared by every test."""

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Deterministic property tests (the same examples on every run) with no per-example deadline:
# the machines that run the suite are shared and noisy, and timing is measured in benchmarks/.
settings.register_profile(
    "book",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("book")


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """Playwright, started once per test process and shared by every browser test.

    Its sync API allows one running instance per process: each browser fixture (the built book
    in tests/browser, JupyterLab in tests/jupyterlab) launches its Chromium from this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running
