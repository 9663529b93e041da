"""What a learner is told about a wrong answer: calclib.answers, through calclib.Exercise."""

import math
import re

import numpy as np
import pytest
import sympy as sp

import calclib as cl
from calclib.answers import Evaluator, Reader
from calclib.diagnosis import _RTOL, Reference, _fmt_both

# --- a number answer: letters in the response -----------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kwargs", "response", "uses"),
    [
        (3, {}, "3*sin(2*t)", "t"),
        (2, {}, "a", "a"),
        (2, {}, "x", "x"),
        (2, {}, "2 + x*y", "x and y"),
        ("0.7", {"variables": "w"}, "w - 0.05*6", "w"),
        (2, {"variables": "x y"}, "3*sqrt(1 + x^2)", "x"),
        ([1, 2], {}, ["1", "2t"], "t"),
    ],
)
def test_letters_in_a_number_answer_get_one_clear_message(answer, kwargs, response, uses):
    message = cl.Exercise("t", answer, **kwargs).check(response).message
    assert message.startswith("Your answer")
    assert f"uses {uses}, but the answer is a number" in message
    assert "substituting the values the question gives" in message
    assert "the variables are" not in message
    assert "the point" not in message
    assert "changes with" not in message


def test_a_number_answer_names_only_the_variables_the_response_uses():
    ex = cl.Exercise("t", 2, variables="x y")
    message = ex.check("3*sqrt(1 + x^2)").message
    assert "uses x," in message and "y" not in message.split("but")[0]


def test_a_long_unknown_name_in_a_number_answer_is_shown_the_known_functions():
    message = cl.Exercise("t", 2).check("Sqrt(2)").message
    assert "uses Sqrt, but the answer is a number" in message
    assert "Known functions include sin" in message


@pytest.mark.parametrize(
    "response", [lambda x: 2 * x, lambda: 3, lambda x: None, lambda x: 1 / 0, [1, lambda x: 2]]
)
def test_a_function_for_a_number_answer_is_told_to_give_the_number(response):
    feedback = cl.Exercise("t", [1, 2] if isinstance(response, list) else 2).check(response)
    assert not feedback.correct
    assert feedback.kind == "type"
    assert "is a function, but the answer is a number" in feedback.message
    assert " at x = " not in feedback.message


def test_a_function_is_still_fine_for_a_formula_answer():
    assert cl.Exercise("t", "2*x").check(lambda x: 2 * x).correct


# --- a variable named like a known constant -------------------------------------------------


def test_a_variable_is_not_listed_as_a_known_constant():
    message = cl.Exercise("t", "-e**2", variables="e").check("2*x - x**2").message
    assert "the variables are e," in message
    known = message.split("known functions include ")[1].split(".")[0]
    assert "pi" in known
    assert not re.search(r"\be\b", known), known


def test_e_stays_a_known_constant_when_it_is_not_a_variable():
    message = cl.Exercise("t", "2*x").check("2*y").message
    assert "pi, e." in message


# --- the value at a point ---------------------------------------------------------------------


def test_right_and_wrong_values_are_printed_differently():
    ex = cl.Exercise("e", "-4*exp(-4*t) - 64*exp(-16*t)", variables="t", domain=(0, 2))
    message = ex.check("-4*exp(-4*t)").message
    point, yours, correct = re.search(
        r"At t = (\S+) your answer gives (\S+), but the correct value is (\S+)\.", message
    ).groups()
    assert yours != correct
    t = float(point)
    assert math.isclose(float(yours), -4 * math.exp(-4 * t), rel_tol=1e-3)
    assert math.isclose(
        float(correct), -4 * math.exp(-4 * t) - 64 * math.exp(-16 * t), rel_tol=1e-3
    )
    # the point where the relative difference is largest: near t = 0, where 64 e^(-16t) is big
    points = ex._eval.points[:, 0]
    relative = 16 * np.exp(-12 * points)
    assert math.isclose(t, float(points[np.argmax(relative)]), abs_tol=1e-9)


def test_two_different_numbers_are_printed_with_enough_digits_to_differ():
    assert _fmt_both(-0.024881, -0.024882) == ("-0.024881", "-0.024882")
    assert _fmt_both(1.5, 2.0) == ("1.5", "2")
    assert _fmt_both(3.14159265, 3.14159265) == ("3.142", "3.142")


def test_the_point_shown_has_the_largest_relative_difference():
    x = sp.Symbol("x")
    points = np.array([[1.0], [0.1], [2.0]])
    evaluator = Evaluator([x], points)
    reader = Reader([x])
    answer = reader.read("x")
    reference = Reference(answer, evaluator.values(answer), evaluator)
    response = reader.read("x + 0.5")
    _, message, kind = reference.compare(response, evaluator.values(response))
    # off by 0.5 everywhere is a constant offset; a varying error shows the worst point
    assert kind == "constant"
    response = reader.read("x + x^2")
    _, message, kind = reference.compare(response, evaluator.values(response))
    assert kind == "value"
    assert message == "At x = 2 your answer gives 6, but the correct value is 2."


# --- rounded decimals -------------------------------------------------------------------------


def _digits_needed() -> int:
    return math.ceil(1 - math.log10(2 * _RTOL))


@pytest.mark.parametrize(
    ("answer", "response", "digits"),
    [
        ("2/7", 0.29, 2),
        ("2/7", "0.29", 2),
        ("2/7", 0.2857, 4),
        ("cos(1)", 0.5403, 4),
        ("-2/7", -0.286, 3),
        ("2.9", 3, 1),
        ("sqrt(2)", "1.41421", 6),
    ],
)
def test_a_rounded_decimal_is_told_so(answer, response, digits):
    feedback = cl.Exercise("t", answer).check(response)
    assert feedback.kind == "close", feedback.message
    plural = "digit" if digits == 1 else "digits"
    assert f"is the correct value rounded to {digits} significant {plural}" in feedback.message
    assert f"at least {_digits_needed()} significant digits" in feedback.message
    assert "too large" not in feedback.message and "too small" not in feedback.message


def test_seven_digits_of_a_decimal_are_accepted():
    assert _digits_needed() == 7
    assert cl.Exercise("t", "2/7").check(0.2857143).correct
    assert cl.Exercise("t", "1/sqrt(17)").check(0.2425356).correct


@pytest.mark.parametrize(("answer", "response"), [(1.48, 1.4881), ("2/7", 0.287), (25, 30)])
def test_more_digits_are_advised_only_for_a_rounding(answer, response):
    message = cl.Exercise("t", answer).check(response).message
    assert "rounded" not in message
    assert "more digits" not in message
    assert "significant digits" not in message


def test_more_digits_are_still_advised_for_a_formula_with_decimals():
    message = cl.Exercise("t", "3*x**2 - 4").check("3.0001x^2 - 4").message
    assert "more digits" in message


# --- constant factors of plain numbers --------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "response"),
    [
        ([1, 6], [2, 5]),
        ([0.2, 0.8], [0.1, 0.9]),
        ([2, -2], [4 / 3, -4 / 3]),
        ([[1, 2], [3, 4]], [[2, 2], [3, 4]]),
        ([1, 3], [3, 3]),
    ],
)
def test_no_factor_is_claimed_for_plain_numbers_unless_telling(answer, response):
    feedback = cl.Exercise("t", answer).check(response)
    assert feedback.kind != "factor", feedback.message
    assert "factor" not in feedback.message
    assert "times the correct" not in feedback.message


@pytest.mark.parametrize(
    ("answer", "response", "ratio"),
    [
        ([1, 6], [2, 12], "2"),
        ([0.2, 0.8], [0.1, 0.4], "1/2"),
        ([1, -3], [-3, 9], "-3"),
        ([[1, 2], [3, 4]], [[1 / 4, 1 / 2], [3 / 4, 1]], "1/4"),
    ],
)
def test_a_telling_factor_of_a_whole_vector_of_numbers_is_named(answer, response, ratio):
    feedback = cl.Exercise("t", answer).check(response)
    assert feedback.kind == "factor", feedback.message
    assert f"your answer is {ratio} times the correct one" in feedback.message


def test_the_factor_diagnosis_stays_for_formulas():
    ex = cl.Exercise("t", ["x", "6x"])
    assert (
        "In entry 1: off by a constant factor: your answer is 2 times"
        in ex.check(["2x", "5x"]).message
    )
    assert (
        "2/3 times the correct one"
        in cl.Exercise("t", ["2x", "-2"]).check(["4x/3", "-4/3"]).message
    )


# --- sign before order ------------------------------------------------------------------------


def test_a_negated_vector_that_is_also_reordered_is_a_sign_error():
    feedback = cl.Exercise("t", [2, -2]).check([-2, 2])
    assert feedback.kind == "sign", feedback.message
    assert "Check the sign" in feedback.message
    assert cl.Exercise("t", [1, 2]).check([2, 1]).kind == "order"


# --- a decimal comma --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "fixed"), [("1,48", "1.48"), ("-0,5", "-0.5"), (" 12,125 ", "12.125")]
)
def test_a_decimal_comma_is_pointed_out(response, fixed):
    feedback = cl.Exercise("t", 1.48).check(response)
    assert feedback.kind == "shape"
    assert f"use a decimal point: {fixed}." in feedback.message


def test_a_comma_in_a_vector_answer_is_not_called_a_decimal_comma():
    feedback = cl.Exercise("t", [1, 2, 3]).check("1,48")
    assert "decimal point" not in feedback.message
    assert "decimal point" not in cl.Exercise("t", 1.48).check("[1, 48]").message
