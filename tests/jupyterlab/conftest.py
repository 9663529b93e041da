"""Fixtures for running chapters in a real JupyterLab, driven through Debian's Chromium.

A JupyterLab server (the one in ``.venv``, the one ``make lab`` starts) serves a temporary copy
of ``chapters/`` on 127.0.0.1, on a free port, behind a random token. Its configuration,
settings, workspaces and runtime files live in the same temporary folder, so no setting of the
machine's user leaks in and nothing is written into the repository: the tests never leave
modified notebooks or checkpoints in ``chapters/``. The server is stopped, with its kernels,
and its port freed, even when a test fails.

Every request the browser makes is routed: the server's own origin is allowed, any other host
is aborted and recorded, so a test can assert that JupyterLab asked nothing of the outside
world. Screenshots go to ``test-artifacts/jupyterlab/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launched_chromium
from labserver import (
    ARTIFACTS,
    LabServer,
    Tab,
    copy_chapters,
    running_lab,
)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server on a temporary copy of the chapters, for the whole session."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    copy_chapters(root)
    with running_lab(root, base / "state") as server:
        yield server


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright for the whole session."""
    yield from launched_chromium(request)


@pytest.fixture
def tab(browser, lab: LabServer) -> Iterator[Tab]:
    """A fresh tab whose every request is routed: only the server's origin gets through."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    seen = Tab(page=page, server=lab)

    def route(route) -> None:
        url = route.request.url
        if url.startswith((lab.origin + "/", "data:", "blob:")):
            route.continue_()
        else:
            seen.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where screenshots go (``test-artifacts/jupyterlab``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
