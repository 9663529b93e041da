"""What a reader on a phone relies on: figure text legible without zooming, tables that show
they scroll, and figure controls that each keep to one line.

A phone (390 CSS px wide) shows a figure at the width of its text column, about 342 CSS px, so
a figure's text comes out as large as its size in the image times that shrink. An interactive
figure says how large its smallest text is in image pixels (``data-text-px``, measured when its
frames are drawn); the chapters' other figures are drawn in the book's style
(``calclib.FIGURE_STYLE``), whose text size is that of their tick labels and legends.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from PIL import Image

import calclib as cl

from .conftest import DESKTOP, PHONE

# The smallest figure text a phone reader should have to read, in CSS px (the em size; digits
# are about 0.73 of it). The figures' old 10-point text at 8 inches came out at 5.9.
MIN_TEXT_PX = 9.0
# On a desktop the same figures must not shout: their text at most this size (body text is 16).
MAX_DESKTOP_TEXT_PX = 20.0
# The style's text size in points: tick labels, legends and titles of every chapter figure.
STYLE_POINTS = float(cl.FIGURE_STYLE["font.size"])
# The widest figure whose text a phone still shows at MIN_TEXT_PX: 342 CSS px for a width of
# `inches` at dpi d shows STYLE_POINTS * d / 72 image px as STYLE_POINTS * 342 / (72 * inches).
MAX_FIGURE_INCHES = STYLE_POINTS * 342 / (72 * MIN_TEXT_PX)
CHAPTERS = sorted((Path(__file__).resolve().parents[2] / "chapters").glob("*.ipynb"))

# Each image's width as shown, its width in pixels and, for an interactive figure, the size of
# its smallest text in image pixels.
FIGURE_IMAGES = """() => Array.from(document.querySelectorAll('article img'))
    .filter((img) => img.classList.contains('calclib-base')
        || (img.closest('.cell_output') && !img.closest('figure.calclib-figure')))
    .map((img) => {
        const figure = img.closest('figure.calclib-figure');
        return {
            interactive: Boolean(figure),
            src: img.getAttribute('src').startsWith('data:') ? '' : img.getAttribute('src'),
            shown: img.getBoundingClientRect().width,
            natural: img.naturalWidth,
            textPx: figure ? figure.dataset.textPx : null,
            alt: (figure ? figure.querySelector('img.calclib-frame').alt : img.alt).slice(0, 60),
        };
    })"""


def figure_text_sizes(page, built_site: Path, chapter_path: str) -> list[tuple[str, float]]:
    """(figure, size in CSS px of its smallest text as shown) for each figure of the page."""
    sizes = []
    for image in page.evaluate(FIGURE_IMAGES):
        assert image["natural"] > 0, f"{chapter_path}: figure {image['alt']!r} did not load"
        scale = image["shown"] / image["natural"]  # CSS px per image pixel
        if image["interactive"]:
            assert image["textPx"], (
                f"{chapter_path}: interactive figure {image['alt']!r} has no data-text-px"
            )
            text = float(image["textPx"])
        else:
            file = (built_site / chapter_path).parent / image["src"]
            dpi = Image.open(file).info.get("dpi", (72.0,))[0]
            text = STYLE_POINTS * dpi / 72
        sizes.append((image["alt"], text * scale))
    return sizes


def test_figure_text_is_legible_on_a_phone(open_page, built_site: Path, chapter_path: str):
    """At 390 CSS px, every figure's text is at least MIN_TEXT_PX tall: no pinch-zoom needed."""
    page = open_page(chapter_path, PHONE)
    sizes = figure_text_sizes(page, built_site, chapter_path)
    small = [f"{alt!r}: {size:.1f} px" for alt, size in sizes if size < MIN_TEXT_PX]
    assert small == [], (
        f"{chapter_path}: figure text below {MIN_TEXT_PX} CSS px on a phone (draw the figure "
        "narrower, at most about 6.3 inches in the book's style, or with fewer panels "
        "across):\n" + "\n".join(small)
    )


def test_chapter_figures_keep_to_the_style() -> None:
    """The static figures' check above assumes their text is the style's size: no chapter sets a
    smaller font size, and no figure is wider than MAX_FIGURE_INCHES (6.33)."""
    problems = []
    for path in CHAPTERS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            for size in re.findall(r"fontsize\s*=\s*([^,)\s]+)", cell.source):
                number = size.replace(".", "", 1).isdigit()
                if (number and float(size) < STYLE_POINTS) or "small" in size:
                    problems.append(f"{path.name}, cell {i}: fontsize={size}")
            for width in re.findall(r"figsize\s*=\s*\(\s*([0-9.]+)", cell.source):
                if float(width) > MAX_FIGURE_INCHES:
                    problems.append(f"{path.name}, cell {i}: figsize width {width} inches")
    assert CHAPTERS
    assert problems == [], "figure text a phone would shrink below the style:\n" + "\n".join(
        problems
    )


def test_figure_text_is_not_oversized_on_a_desktop(
    open_page, built_site: Path, chapter_path: str
):
    """At 1280 CSS px the same figures keep their text near the size of the body text."""
    page = open_page(chapter_path, DESKTOP)
    sizes = figure_text_sizes(page, built_site, chapter_path)
    large = [f"{alt!r}: {size:.1f} px" for alt, size in sizes if size > MAX_DESKTOP_TEXT_PX]
    assert large == [], f"{chapter_path}: figure text above {MAX_DESKTOP_TEXT_PX} px:\n" + (
        "\n".join(large)
    )


# For each table's scrolling container: how far it scrolls, and the classes that mark its edges.
TABLE_EDGES = """() => Array.from(document.querySelectorAll('.pst-scrollable-table-container'))
    .map((box) => ({
        hidden: box.scrollWidth - box.clientWidth,
        left: box.classList.contains('more-left'),
        right: box.classList.contains('more-right'),
        mask: getComputedStyle(box).maskImage || getComputedStyle(box).webkitMaskImage,
    }))"""
# Whether every table's classes say where it goes on (checked once the page has settled: the
# formulas in a table change its width as MathJax typesets them).
TABLE_EDGES_AGREE = """() => Array.from(
    document.querySelectorAll('.pst-scrollable-table-container')).every((box) => {
        const hidden = box.scrollWidth - box.clientWidth;
        return box.classList.contains('more-right') === (hidden > 1 && box.scrollLeft < hidden - 1)
            && box.classList.contains('more-left') === (hidden > 1 && box.scrollLeft > 1);
    })"""
SCROLL_TABLES_TO_END = """() => document.querySelectorAll('.pst-scrollable-table-container')
    .forEach((box) => { box.scrollLeft = box.scrollWidth; })"""


def wait_for_table_edges(page, where: str) -> list[dict]:
    """The tables' edges once their classes agree with how they scroll (fail after 5 s)."""
    try:
        page.wait_for_function(TABLE_EDGES_AGREE, timeout=5_000)
    except Exception:  # Playwright's TimeoutError: say what the tables look like
        pytest.fail(f"{where}: table edges not marked as they scroll: {page.evaluate(TABLE_EDGES)}")
    return page.evaluate(TABLE_EDGES)


def test_wide_tables_show_that_they_scroll_on_a_phone(open_page, chapter_path: str) -> None:
    """A table too wide for a phone fades at the edge where it goes on; one that fits does not."""
    page = open_page(chapter_path, PHONE)
    tables = wait_for_table_edges(page, chapter_path)
    for i, table in enumerate(tables, start=1):
        where = f"{chapter_path}, table {i} ({table['hidden']} px hidden)"
        wide = table["hidden"] > 1
        assert (table["left"], table["right"]) == (False, wide), where
        assert (table["mask"] not in ("none", "", None)) == wide, f"{where}: mask {table['mask']}"
    if not any(table["hidden"] > 1 for table in tables):
        return
    page.evaluate(SCROLL_TABLES_TO_END)
    for i, table in enumerate(wait_for_table_edges(page, chapter_path), start=1):
        if table["hidden"] > 1:
            where = f"{chapter_path}, table {i} scrolled to its end"
            assert (table["left"], table["right"]) == (True, False), where
            assert table["mask"] not in ("none", "", None), where


def test_a_wide_table_of_the_book_is_checked(open_page) -> None:
    """Chapter 5's four-column table is wider than a phone, so the test above has one to check."""
    page = open_page("chapters/05_matrix_derivatives.html", PHONE)
    tables = wait_for_table_edges(page, "chapter 5")
    assert any(table["hidden"] > 1 and table["right"] for table in tables), tables


# Each control of each figure: the height of its label against one line, and its slider's width.
CONTROLS = """() => Array.from(document.querySelectorAll('figure.calclib-figure .calclib-control'))
    .map((control) => {
        const label = control.querySelector('label');
        const slider = control.querySelector('input[type=range]');
        const output = control.querySelector('output');
        const figure = control.closest('figure').getBoundingClientRect();
        return {
            label: label.textContent,
            lines: label.getBoundingClientRect().height
                / parseFloat(getComputedStyle(label).lineHeight),
            slider: slider ? slider.getBoundingClientRect().width : null,
            valueBelow: Boolean(slider && output) && output.getBoundingClientRect().top
                >= slider.getBoundingClientRect().bottom,
            overflow: control.getBoundingClientRect().right - figure.right,
        };
    })"""


def test_figure_controls_keep_their_labels_on_one_line_on_a_phone(
    open_page, figure_page: str
) -> None:
    """On a phone each control's label is one line, its slider at least 6em wide with its value
    beside it, and the control stays inside the figure."""
    page = open_page(figure_page, PHONE)
    controls = page.evaluate(CONTROLS)
    assert controls, f"{figure_page}: no figure controls found"
    for control in controls:
        where = f"{figure_page}, control {control['label']!r}"
        assert control["lines"] < 1.5, f"{where}: label on {control['lines']:.1f} lines"
        if control["slider"] is not None:
            assert control["slider"] >= 96, f"{where}: slider only {control['slider']} px wide"
            assert not control["valueBelow"], f"{where}: its value is on the next line"
        assert control["overflow"] <= 1, f"{where}: sticks out {control['overflow']} px"
