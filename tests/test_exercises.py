"""Tests of calclib.exercises: every form of answer, the hints, and answers that never break."""

import copy
import math
import re
import signal
import threading
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calclib as cl
from calclib.exercises import TIME_LIMIT

x, y = sp.symbols("x y")
KINDS = ["local minimum", "local maximum", "saddle point", "inconclusive"]


@pytest.fixture(scope="module")
def derivative():
    return cl.Exercise(
        "1.1",
        answer="3*x**2 - 4",
        mistakes={"3*x**2": "The derivative of -4x is -4."},
        hint="Differentiate term by term.",
    )


@pytest.fixture(scope="module")
def gradient():
    return cl.Exercise(
        "2.1",
        answer=["2*x*y", "x^2 + 3y^2"],
        variables="x y",
        mistakes={("2*x*y", "x^2"): "Differentiate y^3 as well."},
    )


@pytest.fixture(scope="module")
def matrix():
    return cl.Exercise("3.1", [["1", "x"], ["0", "y"]], variables="x y")


@pytest.fixture(scope="module")
def hessian():
    return cl.Exercise("3.2", cl.exact_hessian("x^2 y + y^3", "x y"), variables="x y")


@pytest.fixture(scope="module")
def number():
    return cl.Exercise("1.2", "cos(1)", mistakes={"-cos(1)": "The derivative of sin is +cos."})


@pytest.fixture(scope="module")
def choice():
    return cl.Exercise(
        "4.1",
        "saddle point",
        choices=KINDS,
        mistakes={"local minimum": "One eigenvalue is negative."},
        hint="Look at the signs of the eigenvalues.",
    )


# --- every form of a right answer is accepted ---------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        "3*x**2 - 4",
        "3x^2 - 4",
        "3 x^2 - 4",
        " -4 + 3*x*x ",
        "x*(3x) - 4",
        3 * x**2 - 4,
        3 * sp.Symbol("x", real=True) ** 2 - 4,
        lambda x: 3 * x**2 - 4,
        lambda x: 3 * math.pow(x, 2) - 4,
        np.poly1d([3, 0, -4]),
    ],
)
def test_a_right_formula_in_any_form_is_accepted(derivative, response):
    feedback = derivative.check(response)
    assert feedback.correct, feedback.message
    assert feedback.kind == "correct"


@pytest.mark.parametrize(
    "response",
    [
        ["2*x*y", "x^2 + 3*y^2"],
        ("2xy", "x^2 + 3y^2"),
        "[2xy, x^2 + 3y^2]",
        np.array(["2*x*y", "x**2 + 3*y**2"]),
        cl.exact_gradient("x^2 y + y^3", "x y"),
        sp.Matrix([[2 * x * y, x**2 + 3 * y**2]]),
        [2 * x * y, "x^2 + 3y^2"],
        lambda p: np.array([2 * p[0] * p[1], p[0] ** 2 + 3 * p[1] ** 2]),
        lambda x, y: [2 * x * y, x**2 + 3 * y**2],
        [lambda x, y: 2 * x * y, "x^2 + 3y^2"],
    ],
)
def test_a_right_vector_in_any_form_is_accepted(gradient, response):
    feedback = gradient.check(response)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(
    "response",
    [
        [["2y", "2x"], ["2x", "6y"]],
        sp.Matrix([[2 * y, 2 * x], [2 * x, 6 * y]]),
        np.array([["2*y", "2*x"], ["2*x", "6*y"]]),
        lambda p: np.array([[2 * p[1], 2 * p[0]], [2 * p[0], 6 * p[1]]]),
    ],
)
def test_a_right_matrix_in_any_form_is_accepted(hessian, response):
    feedback = hessian.check(response)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(
    "response", ["cos(1)", math.cos(1), np.cos(1.0), sp.cos(1), 0.540302305868, "sin(pi/2 - 1)"]
)
def test_a_right_number_in_any_form_is_accepted(number, response):
    assert number.check(response).correct


def test_numbers_as_lists_and_arrays():
    ex = cl.Exercise("3.3", [[2, 0], [0, -2]], variables="x y")
    assert ex.check(np.array([[2.0, 0.0], [0.0, -2.0]])).correct
    assert ex.check(sp.Matrix([[2, 0], [0, -2]])).correct
    feedback = ex.check([[2, 0], [1, -2]])
    assert feedback.kind == "value"
    assert "Entry (2, 1) is not right" in feedback.message
    assert "it is too large" in feedback.message


@pytest.mark.parametrize(
    "response", ["saddle point", "Saddle Point", "  SADDLE   point. ", "saddle-point"]
)
def test_a_right_choice_ignores_case_and_spaces(choice, response):
    assert choice.check(response).correct


def test_a_function_answer_and_separate_variables():
    ex = cl.Exercise("2.2", lambda x, y: x * np.exp(y), variables="x y")
    assert ex.check("x exp(y)").correct
    assert ex.check(lambda p: p[..., 0] * np.exp(p[..., 1])).correct
    assert ex.check("x exp(-y)").kind == "value"


# --- typical wrong answers get the intended hint ------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        ("-3x^2 + 4", "sign", "Check the sign"),
        ("6x^2 - 8", "factor", "Off by a constant factor: your answer is 2 times"),
        ("1.5x^2 - 2", "factor", "1/2 times"),
        ("3x^2 - 1", "constant", "Off by a constant: your answer is the correct one plus 3"),
        ("3x^2 - 4x", "value", "At x = "),
        ("3x^2", "mistake", "The derivative of -4x is -4."),
        ("3.0001x^2 - 4", "close", "Close, but not accurate enough"),
        (2, "value", "Your answer is the constant 2, but the correct one changes with x"),
        ("0", "zero", "Your answer is 0"),
        ("log(x)", "undefined", "not defined at x = "),
    ],
)
def test_wrong_formulas_get_the_intended_hint(derivative, response, kind, says):
    feedback = derivative.check(response)
    assert not feedback.correct
    assert feedback.kind == kind, feedback.message
    assert says in feedback.message


def test_the_value_at_a_point_is_right(derivative):
    message = derivative.check("3x^2 - 4x").message
    point, yours, correct = re.search(
        r"At x = (\S+) your answer gives (\S+), but the correct value is (\S+)\.", message
    ).groups()
    t = float(point)
    assert math.isclose(float(yours), 3 * t**2 - 4 * t, rel_tol=1e-3, abs_tol=1e-3)
    assert math.isclose(float(correct), 3 * t**2 - 4, rel_tol=1e-3, abs_tol=1e-3)


def test_the_general_hint_follows_a_wrong_answer_but_not_a_listed_mistake(derivative):
    assert "Hint: Differentiate term by term." in derivative.check("3x^2 - 4x").message
    assert "Hint:" not in derivative.check("3x^2").message
    assert "Hint:" not in derivative.check("3x^2 - 4").message


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        (["x^2 + 3y^2", "2xy"], "order", "wrong order"),
        (["-2xy", "-x^2 - 3y^2"], "sign", "Check the sign"),
        (["4xy", "2x^2 + 6y^2"], "factor", "2 times"),
        (["2xy", "x^2 + 3y^2 + 1"], "constant", "Entry 2 is not right (entry 1 is right)"),
        (["2xy", "x^2 + y^2"], "value", "In entry 2: at x = "),
        (["2xy", "x^2"], "mistake", "Differentiate y^3 as well."),
        (["2xy"], "shape", "Wrong shape: expected a vector of length 2, got a vector of length 1"),
        ("2xy", "shape", "expected a vector of length 2, got a single value"),
        ([["2xy"], ["x^2 + 3y^2"]], "correct", ""),
    ],
)
def test_wrong_vectors_get_the_intended_hint(gradient, response, kind, says):
    feedback = gradient.check(response)
    assert feedback.kind == kind, feedback.message
    assert says in feedback.message


def test_a_transposed_matrix_is_recognised(matrix, hessian):
    assert matrix.check([["1", "0"], ["x", "y"]]).kind == "transpose"
    assert "transpose of the answer" in matrix.check(sp.Matrix([[1, 0], [x, y]])).message
    # A symmetric matrix is its own transpose: no false alarm.
    assert hessian.check([["2y", "2x"], ["2x", "6y"]]).correct
    wide = cl.Exercise("3.4", [["1", "x", "y"], ["0", "y", "1"]], variables="x y")
    assert wide.check([["1", "0"], ["x", "y"], ["y", "1"]]).kind == "transpose"


def test_wrong_matrices_get_the_intended_hint(matrix):
    feedback = matrix.check([["1", "x"], ["0", "-y"]])
    assert feedback.kind == "sign"
    assert "Entry (2, 2) is not right" in feedback.message
    feedback = matrix.check([1, 2, 3])
    assert feedback.kind == "shape"
    assert "Wrong shape: expected a 2×2 matrix, got a vector of length 3" in feedback.message
    feedback = matrix.check([["1", "x"], ["0"]])
    assert "rows have different lengths" in feedback.message


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        (-math.cos(1), "mistake", "The derivative of sin is +cos."),
        (2 * math.cos(1), "factor", "2 times the correct value"),
        (0.5403, "close", "Close, but not accurate enough"),
        (3, "value", "it is too large"),
        ("cos(x)", "not a number", "the answer is a number"),
    ],
)
def test_wrong_numbers_get_the_intended_hint(number, response, kind, says):
    feedback = number.check(response)
    assert feedback.kind == kind, feedback.message
    assert says in feedback.message


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        ("local minimum", "mistake", "One eigenvalue is negative."),
        ("local maximum", "wrong choice", "'local maximum' is not right"),
        ("saddle", "choice", "did you mean 'saddle point'?"),
        ("minimum", "choice", "did you mean 'local minimum'?"),
        ("sadle point", "choice", "did you mean 'saddle point'?"),
        ("banana", "choice", "not one of the choices: 'local minimum', 'local maximum'"),
        (3, "type", "answer with one of the choices as a string"),
    ],
)
def test_wrong_choices_get_a_helpful_message(choice, response, kind, says):
    feedback = choice.check(response)
    assert not feedback.correct
    assert feedback.kind == kind
    assert says in feedback.message
    if kind == "choice":
        assert all(repr(c) in feedback.message for c in KINDS)


CHAIN = [
    "J_f J_g, shape (2, 5)",
    "J_f J_g, shape (5, 2)",
    "J_g J_f, shape (5, 2)",
    "J_g J_f, shape (2, 5)",
    "J_f J_g, shape (3, 3)",
]


@pytest.fixture(scope="module")
def chain():
    return cl.Exercise(
        "2.4", CHAIN[0], choices=CHAIN, mistakes={CHAIN[3]: "The outer Jacobian comes first."}
    )


@pytest.mark.parametrize(
    "response",
    ["J_f J_g, shape (2,5)", "J_f J_g,shape (2, 5)", "j_f j_g,shape(2,5)", "JfJg, shape (2, 5)."],
)
def test_a_right_choice_ignores_missing_spaces(chain, response):
    feedback = chain.check(response)
    assert feedback.correct, feedback.message


def test_a_choice_without_spaces_is_still_told_apart(chain):
    assert chain.check("J_g J_f,shape (2,5)").message == "The outer Jacobian comes first."
    feedback = chain.check("J_f J_g,shape(5,2)")
    assert (feedback.correct, feedback.kind) == (False, "wrong choice")
    assert "'J_f J_g, shape (5, 2)' is not right" in feedback.message


def test_a_wrong_choice_is_not_told_it_may_mean_every_choice(chain):
    feedback = chain.check("J_f J_g, shape (2, 6)")
    assert feedback.kind == "choice"
    assert "did you mean" not in feedback.message
    assert feedback.message.startswith("'J_f J_g, shape (2, 6)' is not one of the choices: ")
    assert "did you mean 'J_g J_f, shape (5, 2)'?" in chain.check("J_g J_f, shape (5 2)").message


@pytest.mark.parametrize("response", ["zig-zags", "zig zags", "Zigzags.", "ZIG-ZAGS"])
def test_a_hyphen_inside_a_word_is_ignored(response):
    ex = cl.Exercise("7.3", "zig-zags", choices=["zig-zags", "diverges"])
    assert ex.check(response).correct


def test_a_minus_sign_is_not_ignored():
    ex = cl.Exercise("6.5", "x - 1", choices=["x - 1", "x 1", "-1", "1"])
    assert ex.check("x-1").correct
    assert ex.check("x1").kind == "wrong choice"
    numbers = cl.Exercise("6.6", "-1", choices=["-1", "1"])
    assert numbers.check("-1").correct
    assert numbers.check(" - 1").correct
    assert numbers.check("1").kind == "wrong choice"


@pytest.mark.parametrize(
    ("choices", "says"),
    [
        (["shape (2, 5)", "Shape (2,5)"], "'shape (2, 5)' and 'Shape (2,5)' differ only in"),
        (["zig-zag", "zigzag"], "'zig-zag' and 'zigzag' differ only in"),
        (["1e-5", "0.00001"], "'1e-5' and '0.00001' are the same number"),
        (["yes", "no", "yes"], "'yes' is listed twice"),
    ],
)
def test_choices_that_would_be_confused_are_the_authors_error(choices, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        cl.Exercise("5.5", choices[0], choices=choices)


STEPS = ["1e-2", "1e-5", "1e-8", "1e-11", "1e-16"]


@pytest.fixture(scope="module")
def step():
    return cl.Exercise(
        "1.7", "1e-5", choices=STEPS, mistakes={"1e-8": "That is the forward difference's step."}
    )


@pytest.mark.parametrize(
    "response",
    ["1e-5", "1e-05", "1E-5", "0.00001", " 1.0e-5 ", 1e-5, np.float64(1e-5), sp.Float("1e-5")],
)
def test_a_numeric_choice_accepts_the_same_number(step, response):
    feedback = step.check(response)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        ("1e-08", "mistake", "That is the forward difference's step."),
        (1e-8, "mistake", "That is the forward difference's step."),
        (1e-2, "wrong choice", "'1e-2' is not right"),
        (1e-3, "choice", "0.001 is not one of the choices: '1e-2', '1e-5'"),
        ("1e-3", "choice", "is not one of the choices"),
        (True, "type", "answer with one of the choices as a string"),
        ([1e-5], "type", "answer with one of the choices as a string"),
    ],
)
def test_a_numeric_choice_refuses_other_numbers(step, response, kind, says):
    feedback = step.check(response)
    assert not feedback.correct
    assert feedback.kind == kind
    assert says in feedback.message


def test_a_number_matches_only_a_choice_that_is_a_number():
    ex = cl.Exercise("3.9", "0", choices=["0", "1", "undefined"])
    assert ex.check(0).correct
    assert ex.check("0.0").correct
    assert ex.check(1).kind == "wrong choice"
    assert ex.check(2).kind == "choice"
    assert ex.check("Undefined").kind == "wrong choice"
    assert cl.Exercise("3.9", "local minimum", choices=KINDS).check(0).kind == "type"


# --- bad answers: a clear message, never an exception -------------------------------------


def _raises(x):
    raise ZeroDivisionError("division by zero")


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        (None, "no answer", "No answer yet: replace None with your answer (a formula in x"),
        (..., "no answer", "replace ... with"),
        ("", "empty", "Your answer is empty"),
        ("   ", "empty", "Your answer is empty"),
        (b"3x^2 - 4", "type", "bytes"),
        ({"x": 1}, "type", "(of type dict)"),
        (True, "type", "a truth value"),
        (float("nan"), "not finite", "nan, not a finite number"),
        (float("inf"), "not finite", "inf, not a finite number"),
        (1 + 2j, "type", "complex"),
        ("3*(x**2 - 4", "parse", 'the "(" at character 3 is never closed'),
        ("3x^2 - 4)", "parse", 'the ")" at character 9 has no matching "("'),
        ("3y^2 - 4", "unknown name", "uses y, which is not known here"),
        ("3X^2 - 4", "unknown name", "did you mean x?"),
        ("y = 3x^2 - 4", "parse", "write only the expression"),
        (sp.Eq(x, 1), "type", "equation"),
        (sp.Function("f")(x), "unknown name", "uses the function f"),
        (_raises, "error", "Your function raised ZeroDivisionError: division by zero (at x = "),
        (lambda x: None, "type", "did you forget 'return'?"),
        (lambda x: "3x", "type", "it should return a number"),
        (lambda x: [x, x], "shape", "expected a single value, got a vector of length 2"),
        (lambda: 1, "error", "TypeError"),
        ([1, [2, 3]], "shape", "some entries are lists and some are not"),
        ([[[1]]] * 2, "shape", "Wrong shape"),
    ],
)
def test_bad_answers_get_a_clear_message(derivative, response, kind, says):
    feedback = derivative.check(response)
    assert feedback.correct is False
    assert feedback.kind == kind, feedback.message
    assert says in feedback.message
    assert "Traceback" not in feedback.message


def test_the_unclosed_bracket_is_shown_with_a_caret(derivative):
    lines = derivative.check("3*(x**2 - 4").message.splitlines()
    formula, caret = lines[1], lines[2]
    assert formula.strip() == "3*(x**2 - 4"
    assert caret.index("^") == formula.index("(")


_stop = threading.Event()  # ends a loop that a fallback thread might otherwise run forever


def _forever(x):
    while not _stop.is_set():
        pass


def test_a_function_that_loops_forever_is_stopped(derivative):
    previous = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    feedback = derivative.check(_forever)
    elapsed = time.monotonic() - start
    _stop.set()
    assert feedback.kind == "timeout"
    assert "did not finish within" in feedback.message
    assert elapsed < 3 * TIME_LIMIT  # bounded, not a benchmark
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_function_that_loops_forever_is_stopped_off_the_main_thread(derivative):
    stop = threading.Event()

    def spins_until_told(x):
        while not stop.is_set():
            pass
        return 0.0

    results = []
    worker = threading.Thread(target=lambda: results.append(derivative.check(spins_until_told)))
    worker.start()
    worker.join(6 * TIME_LIMIT)
    stop.set()  # let the abandoned evaluation end
    assert not worker.is_alive()
    assert results[0].kind == "timeout"


def test_a_function_that_catches_everything_is_still_stopped(derivative):
    stop = threading.Event()

    def stubborn(x):
        while not stop.is_set():
            try:
                time.sleep(0.01)
            except Exception:
                pass

    assert derivative.check(stubborn).kind == "timeout"
    stop.set()


def test_a_function_calling_exit_gets_a_message(derivative):
    import sys

    feedback = derivative.check(lambda x: sys.exit(3))
    assert feedback.kind == "error"
    assert "SystemExit" in feedback.message


def test_a_response_is_never_changed(gradient, hessian):
    answers = [
        ["2*x*y", "x^2 + 3y^2"],
        ["2*x*y", "x^2"],
        [["2xy"], ["x^2 + 3y^2"]],
        np.array(["2*x*y", "x**2"]),
    ]
    for response in answers:
        before = copy.deepcopy(response)
        gradient.check(response)
        np.testing.assert_array_equal(response, before)
    arrays = [np.array([[1.0, 2.0], [3.0, 4.0]]), sp.Matrix([[2 * y, 2 * x], [2 * x, -6 * y]])]
    for response in arrays:
        before = response.copy()
        hessian.check(response)
        assert (
            (response == before) if isinstance(response, sp.Matrix) else np.all(response == before)
        )


def test_a_function_may_change_its_input_without_harm(gradient):
    def overwrites(p):
        p[:] = 0
        return [0.0, 0.0]

    assert gradient.check(overwrites).kind == "zero"
    assert gradient.check(["2*x*y", "x^2 + 3y^2"]).correct


answers = st.recursive(
    st.none()
    | st.just(...)
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.complex_numbers(allow_nan=True)
    | st.text(max_size=30)
    | st.text(alphabet="xy0123456789+-*/^()[], .sincoexp", max_size=25)
    | st.binary(max_size=10)
    | st.builds(object)
    | st.just(np.array([np.nan, np.inf]))
    | st.just(lambda *args: 1 / 0),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=2)
        | st.sets(st.integers(), max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(response=answers)
def test_no_bad_answer_ever_raises(derivative, gradient, hessian, choice, response):
    for exercise in (derivative, gradient, hessian, choice):
        feedback = exercise.check(response)
        assert isinstance(feedback, cl.Feedback)
        assert feedback.correct is False
        assert feedback.message
        assert str(feedback) and feedback._repr_html_()


# --- the feedback shows in a notebook and a terminal --------------------------------------


def _luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("response", ["3x^2 - 4", "3x^2"])
def test_feedback_html_is_readable_without_colour(derivative, response):
    feedback = derivative.check(response)
    page = feedback._repr_html_()
    text = re.search(r"[;\"]color:(#[0-9a-f]{6})", page).group(1)
    background = re.search(r"background:(#[0-9a-f]{6})", page).group(1)
    border = re.search(r"border:1px solid (#[0-9a-f]{6})", page).group(1)
    assert _contrast(text, background) >= 4.5  # WCAG AA for text
    assert _contrast(border, background) >= 3  # WCAG AA for graphics
    assert ("✓ Correct" if feedback.correct else "✗ Not yet") in page
    assert "http" not in page and "<script" not in page


def test_feedback_html_escapes_the_message():
    ex = cl.Exercise("x<y>", "x")
    page = ex.check("x <b> y").message, ex.check("x <b> y")._repr_html_()
    assert "<b>" not in page[1]
    assert "&lt;" in page[1]


def test_feedback_text_for_a_terminal(derivative):
    right, wrong = derivative.check("3x^2 - 4"), derivative.check("-3x^2 + 4")
    assert str(right).startswith("Exercise 1.1: ✓ Correct.")
    assert str(wrong).startswith("Exercise 1.1: ✗ Not yet. Check the sign")
    assert repr(wrong) == str(wrong)
    assert bool(right) and not bool(wrong)


# --- the exercise checks itself when it is written ----------------------------------------


def test_an_answer_outside_its_domain_is_the_authors_error():
    with pytest.raises(
        ValueError, match=r"Exercise '5.1': the answer is not defined at x = -.* pass a domain="
    ):
        cl.Exercise("5.1", "log(x)")
    assert cl.Exercise("5.1", "log(x)", domain=(0.1, 3)).check("ln(x)").correct


def test_a_mistake_equal_to_the_answer_is_the_authors_error():
    with pytest.raises(ValueError, match="the mistake '2\\*x' is accepted as correct"):
        cl.Exercise("5.2", "x + x", mistakes={"2*x": "no"})


def test_two_equivalent_mistakes_are_the_authors_error():
    with pytest.raises(ValueError, match="does not get its hint"):
        cl.Exercise("5.3", "2*x", mistakes={"x": "first", "x*1": "second"})


def test_a_misspelled_answer_is_the_authors_error():
    with pytest.raises(ValueError, match="uses saddle and point.*pass choices="):
        cl.Exercise("5.4", "saddle point")
    with pytest.raises(ValueError, match="the answer 'saddle' is not one of the choices"):
        cl.Exercise("5.4", "saddle", choices=KINDS)
    with pytest.raises(ValueError, match="the mistake 'minimum' is not one of the choices"):
        cl.Exercise("5.4", "saddle point", choices=KINDS, mistakes={"minimum": "no"})


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"label": "6", "answer": None}, ValueError, "the answer is None"),
        ({"label": "6", "answer": "x", "variables": "1x"}, ValueError, "variables must be names"),
        ({"label": "6", "answer": "x", "domain": (2, 1)}, ValueError, "low < high"),
        ({"label": "6", "answer": "x", "domain": "wide"}, ValueError, "domain must be"),
        (
            {"label": "6", "answer": "x*y", "variables": "x y", "domain": {"x": (0, 1)}},
            ValueError,
            "domain gives no interval for y",
        ),
        ({"label": "6", "answer": "x", "mistakes": {"2x": 3}}, TypeError, "must be a non-empty"),
        ({"label": "6", "answer": "x", "hint": 3}, TypeError, "hint must be a string"),
        ({"label": "6", "answer": "(x", "hint": None}, ValueError, "never closed"),
    ],
)
def test_bad_exercises_are_refused_clearly(kwargs, error, says):
    with pytest.raises(error, match=re.escape(says)):
        cl.Exercise(**kwargs)


@pytest.mark.parametrize(
    ("label", "error", "got"),
    [
        ("", ValueError, "got ''"),
        ("  ", ValueError, "got '  '"),
        ("\n", ValueError, "got '\\n'"),
        (None, TypeError, "got None"),
        (3, TypeError, "got 3"),
        (b"1.2", TypeError, "got b'1.2'"),
        (["1.2"], TypeError, "got ['1.2']"),
    ],
)
def test_a_bad_label_is_refused_clearly(label, error, got):
    with pytest.raises(error) as info:
        cl.Exercise(label, "x")
    message = str(info.value)
    assert message.startswith(
        'Exercise: label must be a non-empty string such as "ex-derivatives-1" or "2.3", got '
    ), message
    assert got in message
    if error is TypeError:
        assert message.endswith(f"(type {type(label).__name__})"), message
    else:
        assert message.endswith("(only whitespace)" if label else "(an empty string)"), message


def test_a_domain_per_variable():
    ex = cl.Exercise("6.1", "log(x) + y", variables="x y", domain={"x": (0.5, 2), "y": (-1, 1)})
    assert ex.check("ln x + y").correct
    ex = cl.Exercise("6.2", "log(x) + y", variables="x y", domain=[(0.5, 2), (-1, 1)])
    feedback = ex.check("log(x) - y")
    assert feedback.kind == "value"
    x_value = float(re.search(r"x = (\S+),", feedback.message).group(1))
    assert 0.5 <= x_value <= 2


def test_feedback_is_the_same_on_every_run():
    messages = {cl.Exercise("7.1", "x^3").check("x^2").message for _ in range(3)}
    assert len(messages) == 1


# --- the heading reads well -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "heading"),
    [
        ("ex-derivatives-1", "Exercise 1"),
        ("ex-total-derivative-12", "Exercise 12"),
        ("ex_chain_3", "Exercise 3"),
        ("2.3", "Exercise 2.3"),
        ("7", "Exercise 7"),
        ("warm-up", "Exercise"),
    ],
)
def test_the_heading_is_made_from_the_labels_number(label, heading):
    ex = cl.Exercise(label, "2*x")
    assert ex.label == label
    right, wrong = ex.check("2x"), ex.check("-2x")
    assert str(right).startswith(f"{heading}: ✓ Correct.")
    assert str(wrong).startswith(f"{heading}: ✗ Not yet. Check the sign")
    assert f"<strong>{heading}: ✗ Not yet.</strong>" in wrong._repr_html_()
    assert right.label == label
    if not heading.endswith(label):
        assert label not in str(right) + right._repr_html_()


def test_a_title_replaces_the_heading():
    ex = cl.Exercise("ex-derivatives-3", "2*x", title="Product rule <warm-up>")
    assert ex.label == "ex-derivatives-3"
    feedback = ex.check("2x")
    assert str(feedback).startswith("Product rule <warm-up>: ✓ Correct.")
    assert "<strong>Product rule &lt;warm-up&gt;: ✓ Correct.</strong>" in feedback._repr_html_()
    with pytest.raises(ValueError, match="title must be a non-empty string.*got '  '"):
        cl.Exercise("ex-derivatives-3", "2*x", title="  ")
    with pytest.raises(ValueError, match="title must be a non-empty string.*got ''"):
        cl.Exercise("ex-derivatives-3", "2*x", title="")
    with pytest.raises(TypeError, match="title must be a non-empty string.*got 3"):
        cl.Exercise("ex-derivatives-3", "2*x", title=3)


# --- a constant factor is claimed only when it is a simple one -------------------------------


@pytest.mark.parametrize(
    ("response", "ratio"),
    [(1.4, "2"), (0.35, "1/2"), (0.7 * 2 / 3, "2/3"), (-1.4, "-2"), (2.8, "4"), (0.525, "3/4")],
)
def test_a_simple_factor_of_a_number_is_named(response, ratio):
    feedback = cl.Exercise("ex-derivatives-6", 0.7).check(response)
    assert feedback.kind == "factor", feedback.message
    assert f"your answer is {ratio} times the correct value" in feedback.message


@pytest.mark.parametrize("response", [5.0, 3.5, 1.75, 0.7 * 7 / 3, -0.1, 0.7 * 4.0001])
def test_any_other_factor_of_a_number_is_not_claimed(response):
    feedback = cl.Exercise("ex-derivatives-6", 0.7).check(response)
    assert feedback.kind == "value", feedback.message
    assert "factor" not in feedback.message
    assert "too large" in feedback.message or "too small" in feedback.message


def test_the_factor_rule_holds_for_formulas_and_vectors(derivative, gradient):
    assert derivative.check("2x^2 - 8/3").kind == "factor"
    assert "2/3 times the correct one" in derivative.check("2x^2 - 8/3").message
    feedback = derivative.check("15x^2 - 20")  # 5 times: not a simple factor
    assert feedback.kind == "value", feedback.message
    assert "factor" not in feedback.message
    assert re.search(
        r"At x = \S+ your answer gives \S+, but the correct value is", feedback.message
    )
    assert gradient.check(["10xy", "5x^2 + 15y^2"]).kind != "factor"
    assert gradient.check(["-6xy", "-3x^2 - 9y^2"]).kind == "factor"


# --- "no answer yet" tells the kind of answer, never its shape -------------------------------


@pytest.mark.parametrize("placeholder", [None, ...])
def test_no_answer_does_not_give_away_the_shape(placeholder):
    shapes = [[[1], [2]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [1, 2], [1, 2, 3, 4, 5], [[1, 2]]]
    messages = {cl.Exercise("ex-matrix-6", a).check(placeholder).message for a in shapes}
    assert len(messages) == 1
    message = messages.pop()
    assert "a list for a vector" in message and "a list of rows for a matrix" in message
    assert "×" not in message and "length" not in message
    formulas = [["x", "y"], [["x"], ["y"]], [["x", "y"], ["1", "x*y"]]]
    messages = {
        cl.Exercise("ex-matrix-1", a, variables="x y").check(placeholder).message for a in formulas
    }
    assert len(messages) == 1
    assert "each entry a formula in x and y" in messages.pop()


@pytest.mark.parametrize("response", ["", b"[1, 2]"])
def test_an_empty_answer_does_not_give_away_the_shape(response):
    messages = {cl.Exercise("6", a).check(response).message for a in ([[1], [2]], [1, 2, 3])}
    assert len(messages) == 1
    assert "×" not in messages.pop()


@pytest.mark.parametrize(
    ("answer", "kwargs", "says"),
    [
        (0.7, {}, "(a number such as 0.5"),
        ("3*x**2", {}, '(a formula in x as a string, such as "x^2 + 1")'),
        ("saddle point", {"choices": KINDS}, "(one of the choices as a string: 'local minimum'"),
    ],
)
def test_no_answer_names_the_kind_of_answer(answer, kwargs, says):
    feedback = cl.Exercise("8", answer, **kwargs).check(None)
    assert feedback.kind == "no answer"
    assert "No answer yet: replace None with your answer " + says in feedback.message
    assert "list" not in feedback.message


# --- a one-row or one-column matrix may be given as a flat vector ----------------------------


@pytest.fixture(scope="module")
def column():
    return cl.Exercise(
        "ex-matrix-6",
        [[-2], [6]],
        mistakes={((-2, 6),): "This is the transpose, 1 x 2.", (2, -6): "Check the sign."},
    )


@pytest.mark.parametrize("response", [[-2, 6], np.array([-2.0, 6.0]), [[-2], [6]], "[-2, 6]"])
def test_a_column_answer_accepts_a_flat_vector(column, response):
    feedback = column.check(response)
    assert feedback.correct, feedback.message


def test_a_column_answer_still_refuses_a_row(column):
    feedback = column.check([[-2, 6]])
    assert not feedback.correct
    assert feedback.message == "This is the transpose, 1 x 2."
    plain = cl.Exercise("9", [[-2], [6]])
    assert plain.check([[-2, 6]]).kind == "transpose"


def test_a_mistake_matches_as_a_row_a_column_or_a_flat_vector(column):
    for response in ([2, -6], [[2], [-6]]):
        assert column.check(response).message == "Check the sign."


def test_a_row_answer_accepts_a_flat_vector():
    ex = cl.Exercise("ex-matrix-7", [["x", "2*y", "1"]], variables="x y")
    assert ex.check(["x", "2y", "1"]).correct
    assert ex.check("[x, 2y, 1]").correct
    assert ex.check([["x"], ["2y"], ["1"]]).kind == "transpose"
    feedback = ex.check(["x", "y^2", "1"])
    assert feedback.kind == "value"
    assert "Entry (1, 2) is not right" in feedback.message


@pytest.mark.parametrize(
    ("response", "says"),
    [
        ([2, 4, 2, 4, 8, 4], "The entries are right: arrange them as a list of 2 rows of 3"),
        ([[2, 4], [2, 4], [8, 4]], "The entries are right: arrange them"),
        ([2, 4, 4, 8, 2, 4], "The entries are right but listed column by column (transposed)"),
    ],
)
def test_a_wrong_shape_says_when_the_entries_are_right(response, says):
    ex = cl.Exercise("ex-matrix-5", [[2, 4, 2], [4, 8, 4]])
    feedback = ex.check(response)
    assert feedback.kind == "shape"
    assert feedback.message.startswith("Wrong shape: expected a 2×3 matrix")
    assert says in feedback.message
    wrong = ex.check([2, 4, 2, 4, 8, 5])
    assert wrong.kind == "shape" and "entries are right" not in wrong.message


def test_a_vector_in_a_matrix_of_the_wrong_shape_is_told_to_flatten():
    ex = cl.Exercise("10", [1, 2, 3, 4])
    feedback = ex.check([[1, 2], [3, 4]])
    assert feedback.kind == "shape"
    assert "The entries are right: give them as one flat list" in feedback.message
