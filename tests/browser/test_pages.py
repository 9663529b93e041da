"""Every page of the built book, loaded in Chromium: offline, clean, typeset and accessible."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# LaTeX that MathJax should have turned into mathematics; seen as text, it was not typeset.
RAW_TEX = ("\\frac", "\\(", "\\)", "\\[", "\\]", "$$", "\\begin{")
# Text a reader sees, without code (which may well hold LaTeX in a label or a string).
READER_TEXT = """() => {
    const copy = (document.querySelector('main') || document.body).cloneNode(true);
    copy.querySelectorAll(
        'pre, code, .highlight, .cell_input, script, style, textarea, mjx-container'
    ).forEach((element) => element.remove());
    return copy.textContent;
}"""
MATH_STATE = """() => {
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        math: math.length,
        untypeset: math.filter((element) => !element.querySelector('mjx-container'))
            .map((element) => element.textContent.trim().slice(0, 80)),
        errors: Array.from(document.querySelectorAll('mjx-merror'))
            .map((element) => element.getAttribute('data-mjx-error') || element.textContent),
    };
}"""


def test_page_loads_only_from_the_book(visit, page_path: str, screenshot_dir: Path) -> None:
    """No request leaves 127.0.0.1, nothing fails, the console shows no error."""
    visit.open(page_path)
    visit.page.wait_for_load_state("networkidle")
    if _has_source(page_path):
        name = page_path.removesuffix(".html").replace("/", "__")
        visit.page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
    assert visit.blocked == [], f"{page_path} asked other hosts for: {visit.blocked}"
    assert visit.failed == [], f"{page_path} had failed requests: {visit.failed}"
    assert visit.console_errors == [], f"{page_path} logged errors: {visit.console_errors}"


def _has_source(page_path: str) -> bool:
    """Whether the page was written by the authors (it has a source), not generated."""
    sources = Path(__file__).resolve().parents[2] / "_build" / "html" / "_sources"
    stem = page_path.removesuffix(".html")
    return any((sources / f"{stem}{suffix}").is_file() for suffix in (".md", ".ipynb", ".rst"))


def test_mathematics_is_typeset(visit, page_path: str) -> None:
    """MathJax typesets every formula, with no TeX error and no raw LaTeX left in the text."""
    visit.open(page_path)
    state = visit.page.evaluate(MATH_STATE)
    assert state["untypeset"] == [], f"{page_path}: formulas left untypeset: {state['untypeset']}"
    assert state["errors"] == [], f"{page_path}: MathJax could not typeset: {state['errors']}"
    if state["math"]:
        assert visit.page.locator("mjx-container").count() >= state["math"]
    text = visit.page.evaluate(READER_TEXT)
    raw = [
        text[max(0, index - 30) : index + 40].replace("\n", " ")
        for token in RAW_TEX
        for index in [text.find(token)]
        if index >= 0
    ]
    assert raw == [], f"{page_path}: raw LaTeX left in the page's text: {raw}"


def axe_source() -> str:
    """axe-core's script, as shipped in the PyPI package axe-playwright-python."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


# axe-core in two runs, for speed on pages with hundreds of formulas: every WCAG 2.1 A/AA rule
# but colour contrast on the whole page; then colour contrast outside the formulas, whose glyphs
# are CSS content (which axe cannot measure) over a visually hidden MathML copy for screen
# readers (which has no colour to check), thousands of elements that would only slow it down.
AXE_RUNS = """async (tags) => {
    const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
    const rest = await axe.run(document, {...options, rules: {'color-contrast': {enabled: false}}});
    const contrast = await axe.run(
        {exclude: [['mjx-container']]},
        {runOnly: {type: 'rule', values: ['color-contrast']}, resultTypes: ['violations']},
    );
    return [...rest.violations, ...contrast.violations];
}"""


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    page.add_script_tag(content=axe_source())
    return [
        f"[{violation['impact']}] {violation['id']}: {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:5]} "
        f"e.g. {violation['nodes'][0]['html'][:200]!r}"
        for violation in page.evaluate(AXE_RUNS, WCAG_TAGS)
        if violation["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_violation(visit, page_path: str) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation."""
    visit.open(page_path)
    problems = serious_violations(visit.page)
    assert problems == [], f"{page_path}:\n" + "\n".join(problems)


def test_search_works_offline(visit, built_site: Path) -> None:
    """Sphinx's own search index finds the how-to-use page, with no server-side search, and
    the results page is accessible."""
    visit.open("search.html?q=Binder+Colab")
    results = visit.page.locator("ul.search li a")
    results.first.wait_for(timeout=15_000)
    targets = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(target.startswith("how_to_use.html") for target in targets), targets
    assert visit.blocked == []
    problems = serious_violations(visit.page)
    assert problems == [], "search results:\n" + "\n".join(problems)


def test_search_as_you_type(visit, built_site: Path) -> None:
    """On any page, Ctrl+K opens the search box, which lists matching pages while typing."""
    visit.open("intro.html")
    visit.page.keyboard.press("Control+k")
    box = visit.page.locator("#pst-search-dialog input[name=q]")
    box.wait_for(state="visible", timeout=5_000)
    box.press_sequentially("Binder", delay=50)
    results = visit.page.locator("#search-results li a")
    results.first.wait_for(timeout=15_000)
    targets = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("how_to_use.html" in target for target in targets), targets
    assert visit.blocked == [] and visit.console_errors == [], (visit.blocked, visit.console_errors)
    problems = serious_violations(visit.page)
    assert problems == [], "search as you type:\n" + "\n".join(problems)


def test_chapter_navigation_and_launch_buttons(visit, chapter_path: str) -> None:
    """A chapter is numbered, has previous/next links, and Binder, Colab and .ipynb buttons."""
    visit.open(chapter_path)
    page = visit.page
    title = page.locator("article h1").first.inner_text()
    assert re.match(r"\d+(\.\d+)*\.?\s", title), f"{chapter_path}: unnumbered title {title!r}"
    assert page.locator(".prev-next-area a").count() >= 1, f"{chapter_path}: no previous/next"
    notebook = chapter_path.removesuffix(".html") + ".ipynb"
    repository = "calculus-for-ml/calculus-for-ml"
    expected = {
        "Binder (JupyterLab)": f"https://mybinder.org/v2/gh/{repository}/main?urlpath=lab/tree/"
        f"{notebook}",
        "Colab": f"https://colab.research.google.com/github/{repository}/blob/main/{notebook}",
    }
    links = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    for button, url in expected.items():
        assert url in links, f"{chapter_path}: no {button} launch button linking {url}"
    assert any(link.endswith(f"_sources/{notebook}") for link in links), (
        f"{chapter_path}: no download-as-.ipynb button"
    )


def test_how_to_use_comes_right_after_the_introduction(visit, built_site: Path) -> None:
    """In the sidebar, the first page after the introduction is "How to use this book"."""
    visit.open("intro.html")
    nav = visit.page.eval_on_selector_all(
        "nav.bd-links a.reference.internal", "links => links.map((a) => a.getAttribute('href'))"
    )
    pages = [href for href in nav if href.endswith(".html") and href != "intro.html"]
    assert pages[:1] == ["how_to_use.html"], nav
