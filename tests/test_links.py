"""References between chapters work in the built book and in JupyterLab alike.

A chapter is read as a page of the book (Sphinx, MyST-NB) and as a notebook in JupyterLab with
jupyterlab-myst. Two kinds of reference work only in the book, so the chapters avoid them:

- a ``{doc}`` role: in JupyterLab it links to a path without ``.ipynb``. A chapter links to
  another with a plain Markdown link to the notebook file, ``[text](02_chain_rule.ipynb)``,
  which the book turns into a link to the page;
- an ``{eq}`` role to a label defined in another notebook: jupyterlab-myst resolves labels only
  inside the same notebook. A chapter restates such a formula and links the chapter instead;
- likewise a ``{ref}`` role to a section or exercise label of another notebook: a chapter
  names the section and links the chapter instead.

The checks read the notebooks' Markdown cells with ``json``; each is also run on a broken copy
held in memory, to show that it fails when it should.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_DIR = ROOT / "chapters"
CHAPTERS = sorted(CHAPTER_DIR.glob("[0-9][0-9]_*.ipynb"))

DOC_ROLE = re.compile(r"\{doc\}`[^`]*`")
EQ_ROLE = re.compile(r"\{eq\}`([^`]*)`")
REF_ROLE = re.compile(r"\{ref\}`([^`]*)`")
# A target "(label)=" on a line of its own, or a ":label:" option of any directive.
TARGET = re.compile(r"^[ \t]*\(([^()\s]+)\)=[ \t]*$", re.MULTILINE)
# A label after display maths: a line "$$ (eq-label)" closing the block.
DOLLAR_LABEL = re.compile(r"^[ \t]*\$\$[ \t]*\(([^()\s]+)\)[ \t]*$", re.MULTILINE)
# A math directive (``` or ::: fence) and the ":label:" option inside it.
MATH_DIRECTIVE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|:{3,})\{math\}[^\n]*\n(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
OPTION_LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)[ \t]*$", re.MULTILINE)
# An inline Markdown link [text](target), the target without spaces (MyST's usual form).
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")


def load(path: Path) -> dict:
    """Return the notebook at ``path`` as a dict."""
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def markdown_cells(notebook: dict) -> list[str]:
    """Return the text of each Markdown cell of ``notebook``."""
    cells = notebook["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]


def doc_roles(notebook: dict) -> list[str]:
    """Return every ``{doc}`` role in the notebook's Markdown."""
    return [role for text in markdown_cells(notebook) for role in DOC_ROLE.findall(text)]


def defined_equations(notebook: dict) -> set[str]:
    """Return the equation labels the notebook defines (``$$ (label)`` or a math ``:label:``)."""
    labels = set()
    for text in markdown_cells(notebook):
        labels.update(DOLLAR_LABEL.findall(text))
        for directive in MATH_DIRECTIVE.finditer(text):
            labels.update(OPTION_LABEL.findall(directive["body"]))
    return labels


def defined_targets(notebook: dict) -> set[str]:
    """Return the labels ``{ref}`` can cite: ``(label)=`` targets and ``:label:`` options."""
    labels = set()
    for text in markdown_cells(notebook):
        labels.update(TARGET.findall(text))
        labels.update(OPTION_LABEL.findall(text))
    return labels


def cited_labels(notebook: dict, role: re.Pattern = EQ_ROLE) -> list[str]:
    """Return the labels the notebook cites with ``role`` (``label`` or ``text <label>``)."""
    labels = []
    for text in markdown_cells(notebook):
        for content in role.findall(text):
            explicit = re.fullmatch(r"(?s).*<([^<>]+)>\s*", content)
            labels.append((explicit[1] if explicit else content).strip())
    return labels


def notebook_links(notebook: dict) -> list[tuple[str, str]]:
    """Return (text, path) of each relative Markdown link to a ``.ipynb`` file."""
    links = []
    for text in markdown_cells(notebook):
        for link in MARKDOWN_LINK.finditer(text):
            parts = urlsplit(link["target"])
            if parts.scheme or parts.netloc or not parts.path.endswith(".ipynb"):
                continue
            links.append((link["text"], unquote(parts.path)))
    return links


def link_problems(notebook: dict, folder: Path = CHAPTER_DIR) -> list[str]:
    """Return what is wrong with the notebook's links to notebooks, one line each."""
    chapters = {path.resolve() for path in CHAPTERS}
    problems = []
    for text, target in notebook_links(notebook):
        if (folder / target).resolve() not in chapters:
            problems.append(f"[{text}]({target}) names no chapter notebook in chapters/")
        if not text.strip():
            problems.append(f"[]({target}) has no text: JupyterLab would show an empty link")
    return problems


def chapter_id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def chapter_two() -> dict:
    """A chapter with links, equation labels and {eq} roles, for breaking copies of it."""
    return load(CHAPTER_DIR / "02_chain_rule.ipynb")


def append_markdown(notebook: dict, text: str) -> dict:
    """Return a copy of ``notebook`` with one more Markdown cell holding ``text``."""
    broken = copy.deepcopy(notebook)
    cell = {"cell_type": "markdown", "id": "broken", "metadata": {}, "source": [text]}
    broken["cells"].append(cell)
    return broken


def test_chapters_found() -> None:
    assert len(CHAPTERS) >= 7, f"expected the chapter notebooks in {CHAPTER_DIR}"


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_id)
def test_no_doc_roles(path: Path) -> None:
    """(a) No {doc} role: JupyterLab would link to a path without .ipynb."""
    roles = doc_roles(load(path))
    assert roles == [], (
        f"{path.name}: replace each {{doc}} role by a Markdown link to the notebook file, "
        f"e.g. [next chapter](02_chain_rule.ipynb): {roles}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_id)
def test_equation_references_are_local(path: Path) -> None:
    """(b) Every {eq} label cited in a notebook is defined in that same notebook."""
    notebook = load(path)
    missing = sorted(set(cited_labels(notebook)) - defined_equations(notebook))
    assert missing == [], (
        f"{path.name} cites equations it does not define (JupyterLab cannot resolve them): "
        f"{missing}; restate the formula and link the chapter that derives it"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_id)
def test_section_references_are_local(path: Path) -> None:
    """Every {ref} label cited in a notebook is defined in that same notebook."""
    notebook = load(path)
    missing = sorted(set(cited_labels(notebook, REF_ROLE)) - defined_targets(notebook))
    assert missing == [], (
        f"{path.name} cites sections it does not define (JupyterLab cannot resolve them): "
        f"{missing}; name the section and link the chapter instead"
    )


def test_foreign_section_is_caught(chapter_two: dict) -> None:
    defined = defined_targets(chapter_two)
    assert "sec-chain-backprop" in defined and "sec-hessian-convexity" not in defined
    broken = append_markdown(chapter_two, "It is **convex** ({ref}`sec-hessian-convexity`).")
    missing = set(cited_labels(broken, REF_ROLE)) - defined_targets(broken)
    assert missing == {"sec-hessian-convexity"}


@pytest.mark.parametrize("path", CHAPTERS, ids=chapter_id)
def test_notebook_links_name_chapters(path: Path) -> None:
    """(c) Every relative Markdown link to a .ipynb file names an existing chapter."""
    problems = link_problems(load(path))
    assert problems == [], f"{path.name}:\n" + "\n".join(problems)


def test_chapters_link_to_each_other() -> None:
    """The links check has something to check: the chapters do link to one another."""
    assert sum(len(notebook_links(load(path))) for path in CHAPTERS) > 0


def test_doc_role_is_caught(chapter_two: dict) -> None:
    assert doc_roles(chapter_two) == []
    broken = append_markdown(chapter_two, "See the {doc}`next chapter <03_partial_derivatives>`.")
    assert doc_roles(broken) == ["{doc}`next chapter <03_partial_derivatives>`"]


def test_label_parsing() -> None:
    """Labels are found after $$ and in math directives; roles with and without text."""
    text = (
        "$$\na = b\n$$ (eq-one)\n\n"
        "```{math}\n:label: eq-two\nc = d\n```\n\n"
        "```{exercise}\n:label: ex-not-an-equation\n```\n\n"
        "By {eq}`eq-one` and {eq}`the second <eq-two>`.\n"
    )
    notebook = {"cells": [{"cell_type": "markdown", "source": text.splitlines(keepends=True)}]}
    assert defined_equations(notebook) == {"eq-one", "eq-two"}
    assert cited_labels(notebook) == ["eq-one", "eq-two"]


def test_foreign_equation_is_caught(chapter_two: dict) -> None:
    defined = defined_equations(chapter_two)
    assert "eq-chain-single" in defined and "eq-hessian-taylor" not in defined
    broken = append_markdown(chapter_two, "By {eq}`the Taylor model <eq-hessian-taylor>`, ...")
    assert set(cited_labels(broken)) - defined_equations(broken) == {"eq-hessian-taylor"}


def test_bad_notebook_links_are_caught(chapter_two: dict) -> None:
    assert link_problems(chapter_two) == []
    broken = append_markdown(
        chapter_two,
        "[a typo](03_partial_derivative.ipynb), [a fragment](01_derivatives.ipynb#sec-x), "
        "[elsewhere](https://example.org/a.ipynb), [a chapter](./06_hessian.ipynb)",
    )
    broken = append_markdown(broken, "[](01_derivatives.ipynb)")
    assert link_problems(broken) == [
        "[a typo](03_partial_derivative.ipynb) names no chapter notebook in chapters/",
        "[](01_derivatives.ipynb) has no text: JupyterLab would show an empty link",
    ]
