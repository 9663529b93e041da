"""What a reader does with a page: move a figure's controls, open a solution, open the menus.

The figures follow the contract of calclib's figure mechanism: each figure of the built book is a
``<figure class="calclib-figure">`` with one ``<img class="calclib-frame">`` and its controls,
``<input type="range">`` and ``<select>``; moving a control changes the image's ``src``.
"""

from __future__ import annotations

from .conftest import DESKTOP, PHONE

# For a range input: one step along, by keyboard, the way a reader would (left at the end).
STEP_SLIDER = """(slider) => Number(slider.value) >= Number(slider.max)"""
OPTIONS = """(select) => Array.from(select.options).map((option) => option.value)"""
DESCRIBE = """(element) => element.getAttribute('aria-label') || element.name || element.id
    || (element.labels && element.labels[0] && element.labels[0].textContent.trim())
    || element.outerHTML.slice(0, 80)"""


def test_every_figure_control_changes_the_picture(visit, figure_page: str) -> None:
    """In each interactive figure, each slider and menu switches the picture to another frame."""
    visit.open(figure_page)
    figures = visit.page.locator("figure.calclib-figure")
    problems = []
    for i in range(figures.count()):
        figure = figures.nth(i)
        where = f"{figure_page}, figure {i + 1}"
        frames = figure.locator("img.calclib-frame")
        controls = figure.locator("input[type=range], select")
        if frames.count() != 1 or controls.count() == 0:
            problems.append(
                f"{where}: expected one img.calclib-frame and at least one control, found "
                f"{frames.count()} image(s) and {controls.count()} control(s)"
            )
            continue
        for j in range(controls.count()):
            control = controls.nth(j)
            before = frames.get_attribute("src")
            control.scroll_into_view_if_needed()
            if control.evaluate("(element) => element.tagName") == "SELECT":
                current = control.input_value()
                others = [value for value in control.evaluate(OPTIONS) if value != current]
                if not others:
                    problems.append(f"{where}: menu {control.evaluate(DESCRIBE)!r} has one option")
                    continue
                control.select_option(others[0])
            else:
                control.focus()
                control.press("ArrowLeft" if control.evaluate(STEP_SLIDER) else "ArrowRight")
            if frames.get_attribute("src") == before:
                name = control.evaluate(DESCRIBE)
                problems.append(f"{where}: moving control {name!r} left the picture as it was")
    assert figures.count() > 0
    assert problems == [], "\n".join(problems)
    assert visit.console_errors == [], visit.console_errors


def test_solutions_stay_hidden_until_opened(visit, solution_page: str) -> None:
    """A dropdown solution shows only its title until the reader opens it."""
    visit.open(solution_page)
    solutions = visit.page.locator("div.solution.dropdown")
    assert solutions.count() > 0
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        title = solution.locator(".admonition-title").inner_text().strip()
        body = solution.locator(":scope > :not(.admonition-title)")
        assert body.count() > 0, f"{solution_page}: solution {title!r} is empty"
        shown = [body.nth(k).is_visible() for k in range(body.count())]
        assert not any(shown), f"{solution_page}: solution {title!r} is visible before opening"
        solution.locator("button.toggle-button").click()
        body.first.wait_for(state="visible", timeout=5_000)
        assert body.first.is_visible(), f"{solution_page}: solution {title!r} did not open"


# Whether the navigation drawer / page-contents drawer (phone) is open, or the sidebar folded.
DRAWER_OPEN = """(id) => document.getElementById(id).open"""
SIDEBAR_FOLDED = """() => document.querySelector('#pst-primary-sidebar')
    .classList.contains('pst-sidebar-hidden')"""


def test_menu_buttons_open_the_navigation_on_a_phone(open_page) -> None:
    """On a phone, the header's two menu buttons open the chapter list and the page contents."""
    page = open_page("intro.html", PHONE)
    for button, drawer in (
        ("button.primary-toggle", "pst-primary-sidebar-modal"),
        ("button.secondary-toggle", "pst-secondary-sidebar-modal"),
    ):
        assert not page.evaluate(DRAWER_OPEN, drawer), f"{drawer} is open before a tap"
        page.locator(f"{button}:visible").first.tap()
        page.wait_for_function(DRAWER_OPEN, arg=drawer, timeout=5_000)
        page.keyboard.press("Escape")
        page.wait_for_function(f"(id) => !({DRAWER_OPEN})(id)", arg=drawer, timeout=5_000)


def test_menu_button_folds_the_sidebar_on_a_desktop(open_page) -> None:
    """On a wide screen, the header's menu button folds the chapter list away and back."""
    page = open_page("intro.html", DESKTOP)
    button = page.locator("button.primary-toggle:visible").first
    assert not page.evaluate(SIDEBAR_FOLDED)
    button.click()
    page.wait_for_function(SIDEBAR_FOLDED, timeout=5_000)
    button.click()
    page.wait_for_function(f"() => !({SIDEBAR_FOLDED})()", timeout=5_000)
