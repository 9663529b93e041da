"""Fixtures for testing the built book in a real browser.

The built site (``_build/html``, made by ``make book``) is served on 127.0.0.1 by a threaded
``http.server`` on a free port, and Debian's Chromium, driven by Playwright, loads its pages.
Every request the browser makes is routed: the book's own server is allowed, any other host is
aborted and recorded, so a test can assert that a page asks nothing of the outside world.

Pages are discovered from the built site, so a chapter added to ``_toc.yml`` is tested without
editing the tests.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import launched_chromium

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
# Folders of the built site that hold assets and copies of sources, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "_downloads"}
MISSING_BOOK = "run make book first: the built book _build/html/index.html is missing"


def site_pages() -> list[str]:
    """Return the built site's HTML pages as paths relative to the site root, sorted.

    Redirect stubs (such as ``index.html`` pointing at the root document) are left out.
    """
    if not book_is_built():
        return []
    pages = []
    for path in sorted(SITE.rglob("*.html")):
        relative = path.relative_to(SITE)
        if relative.parts[0] in NOT_PAGES:
            continue
        if re.search(r"http-equiv=[\"']?refresh", path.read_text("utf-8"), re.IGNORECASE):
            continue
        pages.append(relative.as_posix())
    return pages


def chapter_pages() -> list[str]:
    """Return the pages built from notebooks (the chapters), as paths relative to the site."""
    return [
        page
        for page in site_pages()
        if (SITE / "_sources" / page).with_suffix(".ipynb").is_file()
    ]


def pages_containing(marker: str) -> list[str]:
    """Return the built pages whose HTML contains ``marker``."""
    return [page for page in site_pages() if marker in (SITE / page).read_text("utf-8")]


def parametrize_pages(metafunc: pytest.Metafunc, name: str, pages: list[str], why: str) -> None:
    """Parametrize ``name`` over ``pages``; with none, one case that fails or skips with a reason.

    With no built book, the case fails (``pytest_runtest_call`` says to run ``make book``);
    with a built book that simply has no such page yet, it is skipped and says so.
    """
    if pages:
        metafunc.parametrize(name, pages)
    elif not site_pages():
        metafunc.parametrize(name, [pytest.param(None, id="no-built-book")])
    else:
        metafunc.parametrize(name, [pytest.param(None, marks=pytest.mark.skip(reason=why))])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give each browser test one case per page it is about (see the fixture names)."""
    if "page_path" in metafunc.fixturenames:
        parametrize_pages(metafunc, "page_path", site_pages(), "the built book has no page")
    if "chapter_path" in metafunc.fixturenames:
        parametrize_pages(
            metafunc, "chapter_path", chapter_pages(), "no chapter in _toc.yml yet"
        )
    if "figure_page" in metafunc.fixturenames:
        parametrize_pages(
            metafunc,
            "figure_page",
            pages_containing("calclib-figure"),
            "no page of the built book has an interactive figure yet",
        )
    if "solution_page" in metafunc.fixturenames:
        parametrize_pages(
            metafunc,
            "solution_page",
            pages_containing('class="solution dropdown'),
            "no page of the built book has a dropdown solution yet",
        )


def book_is_built() -> bool:
    """Whether ``make book`` has built the site."""
    return (SITE / "index.html").is_file()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Fail (not skip, not error) every test of the built book when it was not built."""
    if "built_site" in item.fixturenames and not book_is_built():
        pytest.fail(MISSING_BOOK, pytrace=False)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The built book's folder (a test using it fails when the book was not built)."""
    return SITE


# The screens a page is opened on: a phone (touch) and a desktop.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet: no line per request."""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: tuple) -> None:
        """A browser that leaves a page drops its pending requests: not an error of the book."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Serve the built book on 127.0.0.1 (a free port) for the session; yield its base URL."""
    if not book_is_built():
        yield ""  # nothing to serve: the test fails with MISSING_BOOK
        return
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser(built_site: Path, request: pytest.FixtureRequest):
    """Debian's Chromium, headless, driven by Playwright for the whole session."""
    if not book_is_built():
        yield None  # nothing to load: the test fails with MISSING_BOOK
        return
    yield from launched_chromium(request)


@dataclass
class Visit:
    """A browser tab on the served book and what it asked for."""

    page: object
    base: str
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Load ``path`` of the site and wait until any mathematics is typeset."""
        self.page.goto(self.base + path, wait_until="load")
        wait_for_mathjax(self.page)


def wait_for_mathjax(page) -> None:
    """Wait until MathJax, if the page loads it, has typeset every formula of the page.

    MathJax draws formulas as they come into view; the tests ask it to draw them all, as it
    does before printing, so that they check (and screenshots show) the whole page.
    """
    page.evaluate(
        """async () => {
            if (!document.querySelector('script[src*="mathjax"]')) return;
            for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup
                 && MathJax.startup.promise); i++) {
                await new Promise((resolve) => setTimeout(resolve, 25));
            }
            if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return;
            await MathJax.startup.promise;
            const math = MathJax.startup.document;
            if (math.lazyTypesetAll) await math.lazyTypesetAll();
            for (let frame = 0; frame < 2; frame++) {  // let the page react to the new sizes
                await new Promise((resolve) => requestAnimationFrame(() => resolve()));
            }
        }"""
    )


@pytest.fixture
def visit(browser, site_url: str) -> Iterator[Visit]:
    """A fresh browser tab whose every request is routed: only 127.0.0.1 gets through."""
    if browser is None:
        yield None  # no built book: the test fails with MISSING_BOOK
        return
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    seen = Visit(page=tab, base=site_url)

    def route(route) -> None:
        url = route.request.url
        if url.startswith(site_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            seen.blocked.append(url)
            route.abort()

    def on_response(response) -> None:
        if response.status >= 400:
            seen.failed.append(f"{response.status} {response.url}")

    context.route("**/*", route)
    tab.on(
        "console",
        lambda message: message.type == "error"
        and seen.console_errors.append(f"{message.text} ({message.location.get('url')})"),
    )
    tab.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
    tab.on("requestfailed", lambda request: seen.failed.append(
        f"{request.url}: {request.failure}"
    ))
    tab.on("response", on_response)
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where full-page screenshots go (``test-artifacts/screenshots``)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_page(browser, site_url: str):
    """Open a page of the book in a fresh tab of the given kind of screen; closed afterwards."""
    contexts = []

    def open_(path: str, screen: dict):
        context = browser.new_context(**screen)
        contexts.append(context)
        page = context.new_page()
        page.goto(site_url + path, wait_until="load")
        return page

    yield open_
    for context in contexts:
        context.close()
