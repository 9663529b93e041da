"""Keep the built book offline and private: every page loads only files of the book itself.

A reader may open the book with no network, and no page should tell another host who reads it.
The default jupyter-book page breaks both, so this Sphinx extension:

- serves MathJax 3 from the book, instead of the CDN address Sphinx uses by default: the few
  components a page needs (TeX input, HTML output, MathML for screen readers, typesetting as
  formulas come into view), their fonts and the TeX extensions are copied from the PyPI
  package ``django-static-mathjax`` (pinned in ``requirements-dev.txt``) into
  ``_static/mathjax`` of the built site; a page loads MathJax only if it has a formula of its
  own, and then names its components in its head so that the browser fetches them at once;
- switches thebe off: its scripts (which fetch thebe from a CDN and start a remote kernel) and
  style sheet are never added to a page;
- adds no ipywidgets or require.js script from a CDN: the book's figures switch precomputed
  frames with their own script, and a notebook run live uses JupyterLab's own widget manager;
- drops the theme's 1.5 MB ``fontawesome.js`` (which redraws icons as SVG): the icons come
  from Font Awesome's web fonts, which the theme's style sheet already declares;
- turns on the theme's search as you type: every page loads Sphinx's search index anyway, so
  the search box lists matching pages while the reader types, offline;
- leaves out of the site what no browser reads: the theme's source maps and the translations
  of its labels (about 2.5 MB);
- fails the build (a warning, and the book builds with ``-W``) if any page still links a
  script, style sheet, image or frame on another host, naming the page and the address.

Launch buttons (Binder, Colab) and ordinary links stay: they are followed only when clicked.
"""

from __future__ import annotations

import filecmp
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Where MathJax lives in the built site, relative to ``_static``.
MATHJAX_DIR = "mathjax"
#: The MathJax components a page with mathematics loads: TeX in, HTML with CSS out, the hidden
#: MathML that screen readers read, and lazy typesetting (each formula is drawn as it comes
#: into view, and all of them before printing), so that a chapter with hundreds of formulas
#: shows its first screen quickly. (No context menu: it would double the download.)
MATHJAX_LOAD = ["input/tex", "output/chtml", "a11y/assistive-mml", "ui/lazy"]
#: The MathJax files the site needs, relative to the package's ``es5`` folder: the components
#: above with what they depend on, their fonts, and the TeX extensions that ``input/tex`` loads
#: on demand (for ``boldsymbol``, ``cancel``, ...), each only on a page that uses it.
MATHJAX_FILES = (
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions/*.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "output/chtml/fonts/woff-v2/*.woff",
    "a11y/assistive-mml.js",
    "ui/lazy.js",
)
#: What ``startup.js`` goes on to load on every page with mathematics: named in the page's head
#: (``<link rel="preload">``), so the browser fetches them at once instead of one after another.
MATHJAX_PRELOAD = (
    "core.js",
    "input/tex.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "a11y/assistive-mml.js",
    "ui/lazy.js",
)
#: Every TeX extension in one file: never loaded, since the extensions come one by one.
MATHJAX_SKIP = {"input/tex/extensions/all-packages.js"}
#: How the MathJax package is installed: named in every error about it.
MATHJAX_PACKAGE = "django-static-mathjax"

# The theme's script tag for fontawesome.js, written by its template (not a Sphinx asset).
_FONTAWESOME_JS = re.compile(
    r'[ \t]*<script\b[^>]*\ssrc="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*></script>\n?'
)

# An attribute that makes the browser fetch something as the page loads, with a URL that leaves
# the site (an absolute URL or a protocol-relative one).
_REMOTE_LOAD = re.compile(
    r"<(?:script|img|iframe|audio|video|source|embed|track)\b[^>]*?\s(?:src|srcset|poster)"
    r"\s*=\s*[\"']?\s*(?P<url>(?:[a-z][a-z0-9+.-]*:)?//[^\"'\s>]+)"
    r"|<link\b[^>]*?\shref\s*=\s*[\"']?\s*(?P<link>(?:[a-z][a-z0-9+.-]*:)?//[^\"'\s>]+)"
    r"|url\(\s*[\"']?(?P<css>(?:[a-z][a-z0-9+.-]*:)?//[^\"')\s]+)",
    re.IGNORECASE,
)


def mathjax_source() -> Path:
    """Return the folder of MathJax's ``es5`` files in the installed package.

    Raises
    ------
    sphinx.errors.ExtensionError
        If the package is missing or does not hold the expected files.
    """
    fix = "install it with `make book` (or `pip install -r requirements-dev.txt`)"
    try:
        root = resources.files("mathjax")
    except ModuleNotFoundError:
        raise ExtensionError(
            f"offline_book: MathJax is not installed (the {MATHJAX_PACKAGE} package); {fix}"
        ) from None
    source = Path(str(root)) / "static" / "mathjax" / "es5"
    if not (source / "startup.js").is_file():
        raise ExtensionError(
            f"offline_book: the installed 'mathjax' package has no startup.js under "
            f"{source}; expected the {MATHJAX_PACKAGE} package; {fix}"
        )
    return source


def _configure(app: Sphinx, config: Config) -> None:
    """Point MathJax at the local copy, search as you type; no thebe, no CDN widget scripts."""
    config.mathjax_path = f"{MATHJAX_DIR}/startup.js"
    # The theme loads the search index on every page anyway: let the search box use it.
    config.html_theme_options = {**config.html_theme_options, "search_as_you_type": True}
    mathjax3_config = dict(config.mathjax3_config or {})
    mathjax3_config["loader"] = {**mathjax3_config.get("loader", {}), "load": MATHJAX_LOAD}
    config.mathjax3_config = mathjax3_config
    config.nb_ipywidgets_js = {}
    # thebe registers its listeners and style sheet when loaded; drop every one of them.
    for listeners in app.events.listeners.values():
        listeners[:] = [
            listener
            for listener in listeners
            if not getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
        ]
    app.registry.css_files = [
        (name, attributes)
        for name, attributes in app.registry.css_files
        if "sphinx-thebe" not in name
    ]
    mathjax_source()  # fail at once, not after the whole build, if MathJax is missing


def _asset_urls(assets: list[Any]) -> list[str]:
    """Return the file names or URLs of the page's script or style sheet entries."""
    return [str(getattr(asset, "filename", asset) or "") for asset in assets]


def _mathjax_only_where_needed(app: Sphinx, pagename: str, context: dict[str, Any]) -> None:
    """Preload MathJax's components on a page with mathematics; leave it off any other page.

    Sphinx loads MathJax on a page when any page in its table of contents has mathematics, so
    the introduction (whose table of contents lists every chapter) would load it for nothing.
    """
    if app.builder.name != "html" or "script_files" not in context:
        return
    own = app.env.get_domain("math").data["has_equations"].get(pagename, False)
    if own:
        links = [context["pathto"](f"_static/{MATHJAX_DIR}/{name}", 1) for name in MATHJAX_PRELOAD]
        context["metatags"] = context.get("metatags", "") + "".join(
            f'\n<link rel="preload" as="script" href="{link}" />' for link in links
        )
        return
    startup = f"{MATHJAX_DIR}/startup.js"
    context["script_files"][:] = [
        script
        for script in context["script_files"]
        if not str(getattr(script, "filename", "") or "").endswith(startup)
        and not getattr(script, "attributes", {}).get("body", "").startswith("window.MathJax")
    ]


def _check_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop MathJax where unused; warn about anything fetched from another host."""
    if app.builder.format != "html":
        return
    _mathjax_only_where_needed(app, pagename, context)
    remote = [
        url
        for url in _asset_urls(context.get("script_files", []))
        + _asset_urls(context.get("css_files", []))
        if "//" in url
    ]
    for match in _REMOTE_LOAD.finditer(context.get("body", "")):
        remote.append(match.group("url") or match.group("link") or match.group("css"))
    for url in dict.fromkeys(remote):
        logger.warning(
            "offline_book: page %r would load %s from another host; the book must work "
            "offline, so ship the file in the book (under _static) or remove it",
            pagename,
            url,
            location=pagename,
        )


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.is_file() and filecmp.cmp(source, target, shallow=True):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def _copy_mathjax(outdir: Path) -> None:
    """Copy the MathJax files the pages load into ``_static/mathjax``, and nothing else."""
    source = mathjax_source()
    target = outdir / "_static" / MATHJAX_DIR
    wanted = set()
    for pattern in MATHJAX_FILES:
        files = sorted(source.glob(pattern))
        if not files:
            raise ExtensionError(
                f"offline_book: no MathJax file matches {pattern!r} in {source}; "
                f"reinstall {MATHJAX_PACKAGE} (see requirements-dev.txt)"
            )
        for path in files:
            relative = path.relative_to(source)
            if relative.as_posix() not in MATHJAX_SKIP:
                _copy_if_changed(path, target / relative)
                wanted.add(target / relative)
    for path in target.rglob("*"):
        if path.is_file() and path not in wanted:
            path.unlink()  # left by an earlier build with other files


def _drop_fontawesome_js(outdir: Path) -> None:
    """Remove the theme's fontawesome.js and its script tag from every page."""
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] == "_static":
            continue
        html = page.read_text("utf-8")
        lean = _FONTAWESOME_JS.sub("", html)
        if lean != html:
            page.write_text(lean, "utf-8")
    for path in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        path.unlink()


def _drop_unread_theme_files(outdir: Path) -> None:
    """Remove theme files no browser reads: source maps, and the translations of the theme's
    labels (used while building, copied along with its static files)."""
    static = outdir / "_static"
    for path in static.rglob("*.map"):
        path.unlink()
    shutil.rmtree(static / "locales", ignore_errors=True)


def _finish(app: Sphinx, exception: Exception | None) -> None:
    """After an HTML build: ship MathJax, drop fontawesome.js and files no browser reads."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    _copy_mathjax(outdir)
    _drop_fontawesome_js(outdir)
    _drop_unread_theme_files(outdir)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension with Sphinx."""
    app.connect("config-inited", _configure, priority=900)
    app.connect("html-page-context", _check_page, priority=900)
    app.connect("build-finished", _finish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
