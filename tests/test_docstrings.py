"""The chapters named in calclib's docstrings are the chapters that teach and use each helper."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

import calclib as cl

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"

# Where each helper is taught or used, as its docstring should say.
EXPECTED = {
    "forward_difference": {1},
    "backward_difference": {1},
    "central_difference": {1},
    "derivative": {1},
    "partial_derivative": {2, 3},
    "gradient": {3},
    "jacobian": {2, 5},
    "directional_derivative": {3, 4},
    "total_derivative": {4},
    "matrix_gradient": {5},
    "hessian": {6, 7},
    "classify_hessian": {6},
    "classify_critical_point": {6, 7},
    "gradient_check": {2, 3, 5, 7},
    "exact_derivative": {1},
    "exact_gradient": {3},
    "exact_jacobian": {2, 5},
    "exact_hessian": {6, 7},
    "exact_critical_points": {6},
}

MENTION = re.compile(r"\bchapters?\s+(\d+(?:\s*(?:-|,|and|, and)\s*\d+)*)", re.IGNORECASE)


def named_chapters(text: str) -> set[int]:
    """The chapter numbers a docstring names: "chapter 3", "chapters 2, 3 and 5", "2-5"."""
    found = set()
    for match in MENTION.finditer(text or ""):
        for part in re.split(r"\s*(?:,|and)\s*", match.group(1)):
            if "-" in part:
                low, high = (int(p) for p in part.split("-"))
                found.update(range(low, high + 1))
            elif part:
                found.add(int(part))
    return found


def notebook(number: int) -> str:
    (path,) = CHAPTERS.glob(f"{number:02d}_*.ipynb")
    return path.read_text(encoding="utf-8")


def test_parser_reads_lists_and_ranges():
    text = "chapter 2 (x), then in chapters 3 and 5, and in chapter 7"
    assert named_chapters(text) == {2, 3, 5, 7}
    assert named_chapters("(chapters 2, 3, 5 and 7).") == {2, 3, 5, 7}
    assert named_chapters("(chapters 2-5)") == {2, 3, 4, 5}
    assert named_chapters("Taught in chapter 3 (used in chapter 4).") == {3, 4}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_docstring_names_its_chapters(name):
    assert named_chapters(inspect.getdoc(getattr(cl, name))) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_chapters_use_the_helper(name):
    for number in EXPECTED[name]:
        assert re.search(rf"\bcl\.{name}\b", notebook(number)), (name, number)


@pytest.mark.parametrize(
    "module",
    ["derivatives", "gradients", "hessians", "critical_points", "gradcheck", "matrix_calculus"],
)
def test_module_docstring_names_its_functions_chapters(module):
    mod = importlib.import_module(f"calclib.{module}")
    functions = [n for n in EXPECTED if getattr(getattr(cl, n), "__module__", "") == mod.__name__]
    assert functions
    union = set().union(*(EXPECTED[n] for n in functions))
    assert named_chapters(mod.__doc__) == union
