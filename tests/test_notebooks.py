"""Conventions of the chapter notebooks that no execution test sees.

A chapter is committed without outputs (the book and nbval execute it from a fresh kernel), and
every cell the book hides or removes is also folded in JupyterLab and Binder, which ignore the
book's tags: a reader opening the notebook should not scroll past plotting code either.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))
# Tags under which the book shows a cell's code folded, or not at all.
HIDDEN_IN_THE_BOOK = {"hide-input", "hide-cell", "remove-cell", "remove-input"}


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def notebook(request: pytest.FixtureRequest) -> tuple[str, nbformat.NotebookNode]:
    path = request.param
    return path.name, nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, cell) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]


def first_line(cell: nbformat.NotebookNode) -> str:
    return cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"


def test_there_are_chapters() -> None:
    assert len(CHAPTERS) >= 7


def test_chapters_are_committed_without_outputs(notebook) -> None:
    name, nb = notebook
    kept = [
        f"{name}, cell {i} ({first_line(cell)!r})"
        for i, cell in code_cells(nb)
        if cell.outputs or cell.execution_count is not None
    ]
    assert kept == [], "outputs or execution counts committed:\n" + "\n".join(kept)


def test_cells_hidden_in_the_book_are_folded_in_jupyterlab(notebook) -> None:
    name, nb = notebook
    unfolded = [
        f"{name}, cell {i} ({first_line(cell)!r}), tags {cell.metadata.get('tags')}"
        for i, cell in code_cells(nb)
        if HIDDEN_IN_THE_BOOK & set(cell.metadata.get("tags", []))
        and not cell.metadata.get("jupyter", {}).get("source_hidden")
    ]
    assert unfolded == [], (
        'set "jupyter": {"source_hidden": true} in the metadata of:\n' + "\n".join(unfolded)
    )
