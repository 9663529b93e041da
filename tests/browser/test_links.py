"""Every link and cross-reference inside the built book leads somewhere that exists.

Each page's ``href`` and ``src`` attributes that point inside the site are followed on disk:
the target file must exist and, for a ``#fragment``, the target page must have that ``id``.
This covers the sidebar, previous/next, equation, figure and exercise references between
chapters, the download buttons and every script, style sheet and image the pages load.
"""

from __future__ import annotations

import functools
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"


class _Page(HTMLParser):
    """Collects a page's link targets and element ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.targets.append(value)
            elif name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)


@functools.cache
def parse(path: Path) -> _Page:
    """The parsed page at ``path`` (parsed once per test run)."""
    page = _Page()
    page.feed(path.read_text("utf-8"))
    return page


def internal_target(page_path: str, target: str) -> tuple[str, str] | None:
    """Return (site path, fragment) of a link inside the site, or None for an outside link."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("//", "data:", "javascript:")):
        return None
    if not parts.path:
        return page_path, unquote(parts.fragment)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_path), unquote(parts.path)))
    if parts.path.endswith("/"):
        joined = posixpath.join(joined, "index.html")
    return joined, unquote(parts.fragment)


def test_internal_links_resolve(page_path: str, built_site: Path) -> None:
    """Each internal ``href``/``src`` of the page names an existing file and, if any, id."""
    broken = []
    for target in parse(SITE / page_path).targets:
        resolved = internal_target(page_path, target)
        if resolved is None:
            continue
        path, fragment = resolved
        file = SITE / path
        if path.startswith("..") or not file.is_file():
            broken.append(f"{target!r}: no file {path}")
        elif fragment and file.suffix == ".html" and fragment not in parse(file).ids:
            broken.append(f"{target!r}: {path} has no element with id {fragment!r}")
    assert broken == [], f"{page_path} has broken links:\n" + "\n".join(broken)


def test_internal_target_resolution() -> None:
    """Relative paths, fragments and queries resolve; outside links are left alone."""
    assert internal_target("chapters/a.html", "../intro.html#x") == ("intro.html", "x")
    assert internal_target("chapters/a.html", "#eq-1") == ("chapters/a.html", "eq-1")
    assert internal_target("a.html", "https://example.org/") is None
    assert internal_target("a.html", "_static/x.css?v=1") == ("_static/x.css", "")
