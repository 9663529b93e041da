"""Chapters in a real JupyterLab, used the way a learner uses them.

For chapter 1 (the derivatives, with its h slider) and chapter 6 (the Hessian, with its
eigenvalue figure), once each exists: open the notebook, check that its MyST text is rendered
(no raw ``{exercise}`` or ``{eq}`` syntax left), run all cells, move the first control of every
interactive figure and see its image change, then answer an exercise wrongly and rightly and
see the feedback that calclib gives for each answer. A chapter that does not exist yet gets no
test at all (not a skipped one).
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from labserver import CHAPTERS, Tab
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import calclib as cl

# The chapters tested here, by number: each is tested once it exists.
TESTED = ("01", "06")
RUN_TIMEOUT = 300  # seconds for "Run All Cells"
RENDER_TIMEOUT = 120  # seconds for JupyterLab to render every Markdown cell with MyST
UPDATE_TIMEOUT = 30  # seconds for a figure or an exercise cell to show its new output
# MyST syntax that must not reach the reader as raw text.
RAW_MYST = re.compile(r"```|\{(exercise|solution|eq|doc|ref|math|note|admonition)\}|:label:")


def chapters_to_test() -> list[Path]:
    """The notebooks of the chapters in ``TESTED`` that exist now."""
    return [path for number in TESTED for path in sorted(CHAPTERS.glob(f"{number}_*.ipynb"))]


@pytest.fixture(params=chapters_to_test(), ids=lambda path: path.stem)
def chapter(request: pytest.FixtureRequest) -> Path:
    """One tested chapter's notebook in ``chapters/``."""
    return request.param


# -- the notebook's own cells -------------------------------------------------------------------


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def find_exercise(notebook: dict) -> dict:
    """The first exercise of the notebook that has a listed mistake and an answer cell.

    Returns the index of the cell where the learner answers, that cell's source, and, as
    source text, the reference answer and the first listed mistake, with the feedback calclib
    gives each (computed here, in the test's own process).
    """
    cells = notebook["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code" or "Exercise(" not in _source(cell):
            continue
        source = _source(cell)
        for node in ast.walk(ast.parse(source)):
            if not (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and ast.unparse(node.value.func).endswith("Exercise")
                and isinstance(node.targets[0], ast.Name)
            ):
                continue
            name = node.targets[0].id
            keywords = {keyword.arg: keyword.value for keyword in node.value.keywords}
            answer = keywords.get("answer")
            if answer is None and len(node.value.args) > 1:
                answer = node.value.args[1]
            mistakes = keywords.get("mistakes")
            if answer is None or not isinstance(mistakes, ast.Dict) or not mistakes.keys:
                continue
            answer_cell = next(
                (
                    j
                    for j in range(index + 1, len(cells))
                    if cells[j]["cell_type"] == "code"
                    and f"{name}.check(answer)" in _source(cells[j])
                    and re.search(r"^answer = ", _source(cells[j]), re.MULTILINE)
                ),
                None,
            )
            if answer_cell is None:
                continue
            namespace = {"cl": cl, "np": np, "sp": sp}
            try:
                exec(source, namespace)  # the exercise's definition, as the kernel runs it
            except NameError:  # it needs earlier cells of the chapter: try the next one
                continue
            exercise = namespace[name]
            right = ast.get_source_segment(source, answer)
            wrong = ast.get_source_segment(source, mistakes.keys[0])
            return {
                "name": name,
                "cell": answer_cell,
                "source": _source(cells[answer_cell]),
                "right": right,
                "wrong": wrong,
                "right_feedback": exercise.check(eval(right, namespace)),
                "wrong_feedback": exercise.check(eval(wrong, namespace)),
                "hint": ast.literal_eval(mistakes.values[0])
                if isinstance(mistakes.values[0], ast.Constant)
                else None,
            }
    raise AssertionError("no exercise with a listed mistake and an answer cell was found")


def with_answer(source: str, answer: str) -> str:
    """The answer cell's source with its ``answer = ...`` line set to ``answer``."""
    return re.sub(r"^answer = .*$", f"answer = {answer}", source, count=1, flags=re.MULTILINE)


def squash(text: str) -> str:
    """Text with every run of white space made one space (as the browser may wrap it)."""
    return " ".join(text.split())


# -- JupyterLab, through the browser --------------------------------------------------------

# The notebook on show (JupyterLab keeps other open notebooks in the page, hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELLS = f"{PANEL} .jp-Notebook .jp-Cell"

MARKDOWN_STATE = """(panel) => {
    // A cell whose source the author folded away shows a one-line placeholder instead.
    const cells = [...document.querySelectorAll(panel + ' .jp-MarkdownCell')]
        .filter((cell) => !cell.querySelector('.jp-InputPlaceholder'));
    const texts = cells.map((cell) => {
        const shown = cell.querySelector('.jp-Cell-inputArea > .myst, '
            + '.jp-Cell-inputArea > .jp-RenderedMarkdown');
        return shown ? shown.innerText : '';
    });
    return {count: cells.length, rendered: texts.filter((t) => t.trim()).length, texts};
}"""

RUN_STATE = """(panel) => {
    const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputArea-prompt')]
        .map((prompt) => prompt.textContent.trim());
    const busy = prompts.some((text) => text.includes('*'));
    const done = prompts.length > 0 && prompts.every((text) => /\\[\\d+\\]/.test(text));
    const errors = [...document.querySelectorAll(panel + ' .jp-OutputArea-output'
        + '[data-mime-type="application/vnd.jupyter.stderr"]')];
    return !busy && (done || errors.some((e) => /Error|Traceback/.test(e.innerText)));
}"""

FAILED_CELLS = """(panel) => [...document.querySelectorAll(panel + ' .jp-CodeCell')]
    .filter((cell) => !/\\[\\d+\\]/.test(
        (cell.querySelector('.jp-InputArea-prompt') || {textContent: '[0]'}).textContent))
    .slice(0, 1)
    .map((cell) => cell.innerText.slice(0, 2000))"""


def open_notebook(tab: Tab, chapter: Path, cell_count: int) -> None:
    """Open the chapter's copy in JupyterLab and wait until all its cells are there."""
    page = tab.page
    # reset: a fresh workspace, without the notebooks an earlier test left open
    page.goto(tab.server.url(f"lab/tree/chapters/{chapter.name}", reset=True))
    page.wait_for_function(
        f"() => document.querySelectorAll({json.dumps(CELLS)}).length === {cell_count}",
        timeout=120_000,
    )


def wait_for_markdown(tab: Tab) -> list[str]:
    """Wait until every Markdown cell on show is rendered; return their rendered texts."""
    deadline = time.monotonic() + RENDER_TIMEOUT
    state = tab.page.evaluate(MARKDOWN_STATE, PANEL)
    while state["rendered"] < state["count"] and time.monotonic() < deadline:
        time.sleep(0.5)
        state = tab.page.evaluate(MARKDOWN_STATE, PANEL)
    assert state["count"] > 0 and state["rendered"] == state["count"], (
        f"JupyterLab rendered {state['rendered']} of {state['count']} Markdown cells "
        f"within {RENDER_TIMEOUT} s"
    )
    return state["texts"]


def run_all(tab: Tab, screenshot: Path) -> None:
    """Run > Run All Cells, and wait until every code cell ran (or one failed)."""
    page = tab.page
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        page.wait_for_function(RUN_STATE, arg=PANEL, timeout=RUN_TIMEOUT * 1000)
    except PlaywrightTimeout:
        page.screenshot(path=str(screenshot))
        prompts = page.locator(f"{PANEL} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        pytest.fail(f"Run All Cells did not finish within {RUN_TIMEOUT} s; the prompts: "
                    f"{' '.join(prompts)}; see {screenshot}")
    failed = page.evaluate(FAILED_CELLS, PANEL)
    assert failed == [], f"Run All Cells stopped at a cell that failed:\n{failed[0]}"


def move_figures(tab: Tab, screenshots: Path, stem: str) -> list[str]:
    """Move the first control of every interactive figure; return what did not update."""
    page = tab.page
    images = page.locator(f"{CELLS} img.widget-image")
    problems = []
    assert images.count() > 0, "the chapter shows no interactive figure (ipywidgets Image)"
    for i in range(images.count()):
        image = images.nth(i)
        figure = image.locator("xpath=..")  # the figure's box: its controls, then the image
        handles = figure.locator(".noUi-handle")
        menus = figure.locator("select")
        image.scroll_into_view_if_needed()
        before = image.get_attribute("src")
        page.screenshot(path=str(screenshots / f"{stem}-figure-{i + 1}-before.png"))
        if handles.count():
            handle = handles.first
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute(
                "aria-valuemax"
            )
            handle.focus()
            for _ in range(3):  # three steps, as a reader taps the arrow key
                handle.press("ArrowLeft" if at_end else "ArrowRight")
            control = f"slider {figure.locator('.widget-label').first.inner_text()!r}"
        elif menus.count():
            menu = menus.first
            options = menu.locator("option").all_inner_texts()
            current = menu.evaluate("(select) => select.options[select.selectedIndex].text")
            menu.select_option(label=next(text for text in options if text != current))
            control = "menu"
        else:
            problems.append(f"figure {i + 1}: no slider and no menu beside the image")
            continue
        try:
            page.wait_for_function(
                "([image, before]) => image.getAttribute('src') !== before",
                arg=[image.element_handle(), before],
                timeout=UPDATE_TIMEOUT * 1000,
            )
        except PlaywrightTimeout:
            problems.append(f"figure {i + 1}: moving its {control} left the image as it was")
        time.sleep(0.3)  # let the new image be painted before the screenshot
        page.screenshot(path=str(screenshots / f"{stem}-figure-{i + 1}-after.png"))
    return problems


def answer_exercise(tab: Tab, cell_index: int, source: str) -> str:
    """Replace the answer cell's text with ``source``, run it, and return its new output."""
    page = tab.page
    cell = page.locator(CELLS).nth(cell_index)
    cell.scroll_into_view_if_needed()
    output = cell.locator(".jp-OutputArea-output")
    before = output.first.inner_text() if output.count() else ""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)  # as pasted: no auto-closed brackets or quotes
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + UPDATE_TIMEOUT
    text = before
    while time.monotonic() < deadline:
        if output.count():
            text = output.first.inner_text()
            prompt = cell.locator(".jp-InputArea-prompt").inner_text()
            if text != before and "*" not in prompt:
                break
        time.sleep(0.2)
    return text


def test_chapter_in_jupyterlab(tab: Tab, chapter: Path, screenshot_dir: Path) -> None:
    """Open, read, run, move a figure and answer an exercise, in JupyterLab."""
    notebook = json.loads((tab.server.root / "chapters" / chapter.name).read_text("utf-8"))
    exercise = find_exercise(notebook)
    stem = chapter.stem
    open_notebook(tab, chapter, len(notebook["cells"]))

    texts = wait_for_markdown(tab)
    tab.page.screenshot(path=str(screenshot_dir / f"{stem}-opened.png"))
    raw = [squash(text)[:120] for text in texts if RAW_MYST.search(text)]
    assert raw == [], f"Markdown cells show raw MyST syntax: {raw}"

    run_all(tab, screenshot_dir / f"{stem}-run-all-timeout.png")
    problems = move_figures(tab, screenshot_dir, stem)
    assert problems == [], "\n".join(problems)

    # A wrong answer: a listed mistake, which gets its own hint.
    wrong = answer_exercise(tab, exercise["cell"], with_answer(exercise["source"],
                                                               exercise["wrong"]))
    tab.page.screenshot(path=str(screenshot_dir / f"{stem}-exercise-wrong.png"))
    expected = exercise["wrong_feedback"]
    assert not expected.correct
    assert squash(wrong) == squash(str(expected)), (
        f"answering {exercise['wrong']} shows {wrong!r}, expected {str(expected)!r}"
    )
    if exercise["hint"]:
        assert squash(exercise["hint"]) in squash(wrong)

    # The right answer: accepted.
    right = answer_exercise(tab, exercise["cell"], with_answer(exercise["source"],
                                                               exercise["right"]))
    tab.page.screenshot(path=str(screenshot_dir / f"{stem}-exercise-right.png"))
    expected = exercise["right_feedback"]
    assert expected.correct
    assert squash(right) == squash(str(expected)), (
        f"answering {exercise['right']} shows {right!r}, expected {str(expected)!r}"
    )
    assert "Correct" in right

    assert tab.blocked == [], f"JupyterLab asked other hosts for: {tab.blocked}"
    assert tab.page_errors == [], f"uncaught errors in the page: {tab.page_errors}"
