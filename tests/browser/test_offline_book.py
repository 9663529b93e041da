"""The book's offline mechanism (``_ext/offline_book.py``) and what it leaves in the built site."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def offline_book():
    """The extension module, loaded from its file (it is not an installed package)."""
    spec = importlib.util.spec_from_file_location("offline_book", ROOT / "_ext" / "offline_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("html", "url"),
    [
        ('<img alt="" src="https://example.org/a.png">', "https://example.org/a.png"),
        ("<script src='//cdn.example.org/x.js'></script>", "//cdn.example.org/x.js"),
        ('<link rel="stylesheet" href="http://example.org/s.css">', "http://example.org/s.css"),
        ('<div style="background: url(https://example.org/b.png)">', "https://example.org/b.png"),
        ('<iframe src="https://example.org/embed"></iframe>', "https://example.org/embed"),
    ],
)
def test_remote_loads_are_found(offline_book, html: str, url: str) -> None:
    """Anything a page would fetch from another host as it loads is caught."""
    match = offline_book._REMOTE_LOAD.search(html)
    assert match is not None
    assert (match.group("url") or match.group("link") or match.group("css")) == url


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://mybinder.org/v2/gh/x/y/main">Binder</a>',  # a link, followed on click
        '<img alt="" src="_static/logo.png">',
        '<img alt="" src="data:image/png;base64,iVBORw0KGgo=">',
        '<script src="../_static/mathjax/startup.js"></script>',
    ],
)
def test_links_and_local_files_are_allowed(offline_book, html: str) -> None:
    """Links (requests only when clicked), local files and inline data pass."""
    assert offline_book._REMOTE_LOAD.search(html) is None


def test_fontawesome_script_is_dropped(offline_book, tmp_path: Path) -> None:
    """The theme's fontawesome.js goes, from the pages and the site; other scripts stay."""
    scripts = tmp_path / "_static" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "fontawesome.js").write_text("/* 1.5 MB */")
    (scripts / "bootstrap.js").write_text("/* kept */")
    page = tmp_path / "chapters" / "a.html"
    page.parent.mkdir()
    page.write_text(
        "<head>\n"
        '  <script defer src="../_static/scripts/fontawesome.js?digest=1"></script>\n'
        '  <script defer src="../_static/scripts/bootstrap.js?digest=1"></script>\n'
        "</head>"
    )
    offline_book._drop_fontawesome_js(tmp_path)
    assert "fontawesome" not in page.read_text()
    assert "bootstrap.js" in page.read_text()
    assert not (scripts / "fontawesome.js").exists()
    assert (scripts / "bootstrap.js").exists()


def test_built_site_ships_only_the_mathjax_it_loads(built_site: Path, offline_book) -> None:
    """MathJax is in the site, small: the components and fonts pages load, no bundle."""
    mathjax = built_site / "_static" / offline_book.MATHJAX_DIR
    files = [path for path in mathjax.rglob("*") if path.is_file()]
    assert (mathjax / "startup.js").is_file()
    assert not list(mathjax.glob("tex-*.js")), "a combined MathJax bundle is copied for nothing"
    size = sum(path.stat().st_size for path in files)
    assert size < 2_000_000, f"_static/mathjax holds {size / 1e6:.1f} MB"
    assert not (built_site / "_static" / "scripts" / "fontawesome.js").exists()


def test_mathjax_loads_only_on_pages_with_mathematics(built_site: Path, page_path: str) -> None:
    """A page loads MathJax if and only if it has a formula (the introduction does not)."""
    html = (built_site / page_path).read_text("utf-8")
    has_math = 'class="math notranslate' in html
    loads_mathjax = "mathjax/startup.js" in html
    assert loads_mathjax == has_math, f"{page_path}: math {has_math}, MathJax {loads_mathjax}"


def test_built_site_leaves_out_files_no_browser_reads(built_site: Path) -> None:
    """No source maps, no translation catalogues of the theme in the built site."""
    static = built_site / "_static"
    assert not list(static.rglob("*.map"))
    assert not (static / "locales").exists()
