"""Tests of calclib.gradcheck."""

import dataclasses
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from problems import logistic_problem, sigmoid

import calclib as cl

RNG = np.random.default_rng(3)


def loss(w):
    return np.sum(np.tanh(w) ** 2)


def right(w):
    return 2 * np.tanh(w) * (1 - np.tanh(w) ** 2)


def wrong(w):
    return 2 * np.tanh(w)


def test_a_correct_gradient_passes():
    w = RNG.normal(size=6)
    report = cl.gradient_check(loss, right, w)
    assert report.passed and bool(report)
    assert report.max_abs_error < 1e-10 and report.max_rel_error < 1e-10


def test_a_wrong_gradient_fails_and_names_the_worst_components():
    w = np.array([0.1, -2.0, 0.5])
    report = cl.gradient_check(loss, wrong, w)
    assert not report.passed and not bool(report)
    errors = np.abs(wrong(w) - right(w))
    assert report.max_abs_error == pytest.approx(errors.max(), rel=1e-9)
    index, hand, numeric = report.worst[0]
    assert index == (1,)
    assert hand == pytest.approx(wrong(w)[1])
    assert numeric == pytest.approx(right(w)[1], rel=1e-9)
    assert [entry[0] for entry in report.worst] == [(1,), (2,), (0,)]


def test_relative_error_is_relative_to_the_larger_value():
    report = cl.gradient_check(lambda x: np.sum(x**2), lambda x: 3 * x, np.array([1.0, -2.0]))
    assert report.max_rel_error == pytest.approx(1 / 3, rel=1e-9)
    assert report.max_abs_error == pytest.approx(2.0, rel=1e-9)


def test_a_tiny_error_fails_only_beyond_the_tolerance():
    x = np.array([1.0, 2.0])
    grad = lambda x: 2 * x * (1 + 1e-4)  # noqa: E731
    assert not cl.gradient_check(lambda x: np.sum(x**2), grad, x)
    assert cl.gradient_check(lambda x: np.sum(x**2), grad, x, rtol=1e-3)


def test_report_records_the_step_and_numerical_gradient():
    x = np.array([0.5, 3.0])
    report = cl.gradient_check(loss, right, x)
    assert report.step.shape == x.shape
    assert np.all(report.step > 0) and np.all(report.step < 0.1)
    np.testing.assert_allclose(report.numerical, right(x), rtol=1e-10)


def test_str_is_a_readable_summary():
    text = str(cl.gradient_check(loss, wrong, np.array([0.1, -2.0, 0.5])))
    lines = text.splitlines()
    assert lines[0].startswith("gradient check FAILED: max abs error")
    assert "worst components" in text and "(1,):" in text and "step:" in text
    assert len(lines) == 8
    assert "PASSED" in str(cl.gradient_check(loss, right, np.array([0.3])))
    assert repr(cl.gradient_check(loss, right, np.array([0.3]))).startswith("<GradCheckReport")


@pytest.mark.parametrize(
    "x, options",
    [
        (np.array([0.1, -2.0, 0.5]), {}),
        (RNG.normal(size=(12, 34)) * 1e-150, {"rtol": 1.23456789e-123, "atol": 9.87654321e-300}),
        (RNG.normal(size=(3, 4, 5)) * 1e200, {"worst": 5}),
    ],
)
def test_str_fits_the_books_output_boxes(x, options):
    text = str(cl.gradient_check(loss, wrong, x, **options))
    assert max(len(line) for line in text.splitlines()) <= 72, text


def test_report_is_frozen():
    report = cl.gradient_check(loss, right, np.array([0.3]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.passed = False


def test_checks_the_gradient_of_a_weight_matrix():
    X = RNG.normal(size=(5, 3))
    y = RNG.normal(size=5)

    def mse(W):
        return np.mean((X @ W - y[:, None]) ** 2)

    def mse_grad(W):
        return 2 * X.T @ (X @ W - y[:, None]) / X.shape[0]

    W = RNG.normal(size=(3, 1))
    report = cl.gradient_check(mse, mse_grad, W)
    assert report.passed
    assert report.step.shape == W.shape
    assert not cl.gradient_check(mse, lambda W: mse_grad(W).T.reshape(W.shape) * 2, W)


def test_worst_lists_at_most_the_size_of_x():
    report = cl.gradient_check(loss, wrong, np.array([0.5, 1.0]), worst=5)
    assert len(report.worst) == 2


# --- a gradient returned transposed is named as such ----------------------------------------

TRANSPOSED = "your gradient matches the numerical one transposed"


def test_a_transposed_gradient_of_a_square_matrix_gets_the_hint():
    # d trace(A X) / dX = A^T; writing A is the classic slip.
    A = RNG.normal(size=(3, 3))
    X = RNG.normal(size=(3, 3))
    report = cl.gradient_check(lambda X: np.trace(A @ X), lambda X: A, X)
    assert not report.passed
    assert report.hint.startswith(TRANSPOSED)
    text = str(report)
    assert f"  hint: {TRANSPOSED}" in text
    assert max(len(line) for line in text.splitlines()) <= 72, text
    fixed = cl.gradient_check(lambda X: np.trace(A @ X), lambda X: A.T, X)
    assert fixed.passed and fixed.hint == "" and "hint" not in str(fixed)


def test_a_nonlinear_transposed_gradient_gets_the_hint():
    # f(W) = sum(tanh(W B)), gradient (1 - tanh(W B)^2) B^T.
    B = RNG.normal(size=(4, 4))
    W = RNG.normal(size=(4, 4))

    def f(W):
        return np.sum(np.tanh(W @ B))

    def grad(W):
        return (1 - np.tanh(W @ B) ** 2) @ B.T

    assert cl.gradient_check(f, grad, W).passed
    assert cl.gradient_check(f, lambda W: grad(W).T, W).hint.startswith(TRANSPOSED)


@pytest.mark.parametrize(
    "hand",
    [
        lambda X: 2 * X.T,  # transposed, and also twice too large
        lambda X: -X.T,  # transposed, and the wrong sign
        lambda X: X.T + 1e-3,  # transposed, and a little off
        lambda X: np.zeros_like(X),
    ],
)
def test_no_hint_when_the_transpose_is_not_the_whole_story(hand):
    X = RNG.normal(size=(3, 3))
    report = cl.gradient_check(lambda X: np.sum(X**2) / 2, hand, X)
    assert not report.passed and report.hint == ""
    assert "hint" not in str(report)


def test_no_hint_for_a_symmetric_gradient():
    S = RNG.normal(size=(3, 3))
    S = S + S.T
    X = RNG.normal(size=(3, 3))
    # Its transpose is the gradient itself: it passes, no hint.
    report = cl.gradient_check(lambda X: np.sum(S * X), lambda X: S.T, X)
    assert report.passed and report.hint == ""
    # Wrong, and not symmetric itself: transposing it would not help. Its upper triangle is
    # wrong, the rest right: that is the hint, not a transpose.
    wrong = S + np.triu(np.ones((3, 3)), 1)
    report = cl.gradient_check(lambda X: np.sum(S * X), lambda X: wrong, X)
    assert not report.passed
    assert report.hint == (
        "only components (0, 1), (0, 2) and (1, 2) are wrong; the other 6 agree with the "
        "numerical gradient"
    )


def test_no_hint_when_the_gradient_is_symmetric_within_the_tolerance():
    # N differs from N^T by 4e-4 < atol: symmetric as far as the check can tell. The
    # hand-written gradient is within atol of N^T but fails against N; no transpose hint.
    N = np.array([[1.0, 4e-4], [0.0, 1.0]])
    hand = np.array([[1.0, -9e-4], [4e-4, 1.0]])
    options = {"rtol": 0.0, "atol": 1e-3}
    report = cl.gradient_check(lambda X: np.sum(N * X), lambda X: hand, np.ones((2, 2)), **options)
    assert not report.passed and not report.hint.startswith(TRANSPOSED)
    assert report.hint.startswith("only component (0, 1) is wrong")
    # Make N clearly unsymmetric and the same slip gets the hint.
    N[0, 1] = 0.5
    report = cl.gradient_check(lambda X: np.sum(N * X), lambda X: N.T, np.ones((2, 2)), **options)
    assert not report.passed and report.hint.startswith(TRANSPOSED)


@pytest.mark.parametrize("shape", [(4,), (1, 1), (2, 2, 2)])
def test_no_transpose_hint_without_a_square_matrix(shape):
    x = RNG.normal(size=shape) + 2.0
    report = cl.gradient_check(lambda x: np.sum(x**3), lambda x: 3 * x**2 + 1, x)
    assert not report.passed and report.hint == ""
    # A (2, 2, 2) gradient with its last two axes swapped is not called transposed either.
    if len(shape) == 3:
        swapped = cl.gradient_check(lambda x: np.sum(x**3 * np.arange(8).reshape(shape)),
                                    lambda x: np.swapaxes(3 * x**2 * np.arange(8).reshape(shape),
                                                          -1, -2), x)
        assert not swapped.passed and swapped.hint == ""


# --- a constant factor or a sign -------------------------------------------------------------


def mse_problem(m, seed=0):
    """Chapter 3's mean squared error on m examples, its gradient and a random point."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(m), rng.normal(size=(m, 2))])
    y = rng.normal(size=m)

    def loss(w):
        return np.mean((w @ X.T - y) ** 2, axis=-1)

    def grad(w):
        return 2 / m * X.T @ (X @ w - y)

    return loss, grad, rng.normal(size=3)


def test_a_forgotten_two_gets_the_factor_hint():
    # Chapter 3's bug: the 2 of the square dropped.
    loss, grad, w = mse_problem(40)
    report = cl.gradient_check(loss, lambda w: grad(w) / 2, w)
    assert not report.passed
    assert report.hint == "your gradient is 0.5 times the numerical one: a factor 2 missing?"
    text = str(report)
    assert "  hint: your gradient is 0.5 times" in text
    assert max(len(line) for line in text.splitlines()) <= 72, text
    assert cl.gradient_check(loss, grad, w).hint == ""


@pytest.mark.parametrize("m", [3, 100])
def test_a_mean_taken_as_a_sum_gets_the_factor_hint(m):
    # Chapter 7's bug: the gradient of a mean over m examples without its 1/m.
    rng, X, labels, loss = logistic_problem(m, m)

    def summed(theta):
        return X.T @ (sigmoid(X @ theta) - labels)

    report = cl.gradient_check(loss, summed, rng.normal(size=3))
    assert report.hint == (
        f"your gradient is {m} times the numerical one: a factor {m} too many, such as a mean "
        f"over {m} points taken as a sum?"
    )


@pytest.mark.parametrize(
    "c, told",
    [
        (2, "your gradient is 2 times the numerical one: a factor 2 too many?"),
        (1 / 3, "your gradient is 1/3 times the numerical one: a factor 3 missing?"),
        (2 / 3, "your gradient is 2/3 times the numerical one: a factor 3/2 missing?"),
        (1.5, "your gradient is 1.5 times the numerical one: a factor 1.5 too many?"),
        (0.4, "your gradient is 0.4 times the numerical one: a factor 2.5 missing?"),
        (0.75, "your gradient is 3/4 times the numerical one: a factor 4/3 missing?"),
        (1 / 40, "your gradient is 0.025 times the numerical one: a factor 40 missing?"),
        (-2, "your gradient is -2 times the numerical one: the opposite sign, and a factor 2 "
             "too many?"),
        (-1 / 7, "your gradient is -1/7 times the numerical one: the opposite sign, and a "
                 "factor 7 missing?"),
        # Not a simple fraction: the shortest decimal that passes, never rounded to 1.
        (1.2345, "your gradient is 1.2345 times the numerical one in every component: a "
                 "constant factor is wrong"),
        (1.0001, "your gradient is 1.0001 times the numerical one in every component: a "
                 "constant factor is wrong"),
        (-0.8765, "your gradient is -0.8765 times the numerical one in every component: the "
                  "opposite sign, and a constant factor is wrong"),
    ],
)
def test_the_factor_is_named_readably(c, told):
    loss, grad, w = mse_problem(40)
    report = cl.gradient_check(loss, lambda w: c * grad(w), w)
    assert not report.passed and report.hint == told


@pytest.mark.parametrize(
    "c, number",
    [(1e6, "1000000"), (1e-6, "0.000001"), (-2.5e-5, "-0.000025"), (2e7, "2e+07"),
     (5e306, "5e+306"), (-3e-7, "-3e-07")],
)
def test_a_huge_or_tiny_factor_is_a_short_number(c, number):
    # Not a fraction with a numerator of 300 digits, and no overflow on the way.
    with np.errstate(all="raise"):
        report = cl.gradient_check(lambda x: np.sum(x**2), lambda x: 2 * c * x, [1.0, 2.0])
    assert report.hint.startswith(f"your gradient is {number} times the numerical one"), (
        report.hint
    )


def test_a_negated_gradient_gets_the_sign_hint():
    # Ascent for descent: the gradient of -loss, or residuals y - Xw for Xw - y.
    loss, grad, w = mse_problem(40)
    report = cl.gradient_check(loss, lambda w: -grad(w), w)
    assert not report.passed
    assert report.hint.startswith(
        "your gradient has the opposite sign of the numerical one in every component"
    )
    # The same on a weight matrix, where the sign comes before any transpose.
    A = RNG.normal(size=(3, 3))
    X = RNG.normal(size=(3, 3))
    report = cl.gradient_check(lambda X: np.trace(A @ X), lambda X: -A.T, X)
    assert report.hint.startswith("your gradient has the opposite sign")


@pytest.mark.parametrize(
    "hand",
    [
        lambda w, g: g * np.array([1.0, 2.0, 3.0]),  # a factor that varies across components
        lambda w, g: g * (2 + np.array([0.0, 1e-4, 2e-4])),  # nearly the same factor, not quite
        lambda w, g: np.zeros(3),  # a gradient of zeros
        lambda w, g: 1e-12 * g,  # about zero: exactly proportional, but nothing to name
        lambda w, g: g + 1,  # off by a constant, not a factor
    ],
)
def test_no_factor_hint_when_the_factor_is_not_constant(hand):
    loss, grad, w = mse_problem(40)
    report = cl.gradient_check(loss, lambda w: hand(w, grad(w)), w)
    assert not report.passed and report.hint == ""


def test_a_factor_constant_within_looser_tolerances_is_named_there():
    # 2 (1 + 1e-4 k): not one factor at rtol=1e-6, one factor 2 at rtol=1e-3.
    loss, grad, w = mse_problem(40)
    wobble = np.array([0.0, 1e-4, 2e-4])
    report = cl.gradient_check(loss, lambda w: 2 * grad(w) * (1 + wobble), w, rtol=1e-3)
    assert not report.passed
    assert report.hint == "your gradient is 2 times the numerical one: a factor 2 too many?"


def test_no_factor_hint_where_the_numerical_gradient_is_zero():
    # At the minimum of sum(x**2) the gradient is zero: no ratio to take.
    f = lambda x: np.sum(x**2)  # noqa: E731
    report = cl.gradient_check(f, lambda x: 2 * x + 1, np.zeros(3))
    assert not report.passed and report.hint == ""
    # A ratio in a single component is no evidence: any two numbers differ by some factor.
    for x in (np.array([3.0]), np.array([3.0, 0.0])):
        report = cl.gradient_check(lambda x: np.sum(x**3), lambda x: x, x)  # 3x**2 at 3 is 9x
        assert not report.passed and report.hint == "", report.hint


def told_factor(hint):
    """The number c of 'your gradient is c times the numerical one', or -1 for the sign."""
    if hint.startswith("your gradient has the opposite sign"):
        return Fraction(-1)
    match = re.match(r"your gradient is (\S+) times the numerical one", hint)
    assert match, hint
    return Fraction(match.group(1))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 8),
    st.one_of(st.sampled_from([-1.0, 0.5, 2.0, 3.0, 1 / 3, 2 / 3, 100.0, 0.01]),
              st.floats(-50, 50).filter(lambda c: abs(c) > 1e-3 and abs(c - 1) > 1e-4)),
)
def test_the_factor_told_is_true(seed, n, c):
    # Whatever c, the hint names a number d such that dividing by it passes the check.
    rng = np.random.default_rng(seed)
    a, b, x = rng.uniform(0.5, 2.0, size=n), rng.normal(size=n), rng.normal(size=n)

    def f(x):
        return np.sum(a * x**2 / 2 + b * x, axis=-1)

    def grad(x):
        return a * x + b

    report = cl.gradient_check(f, lambda x: c * grad(x), x)
    assert not report.passed
    told = told_factor(report.hint)
    assert cl.gradient_check(f, lambda x: c * grad(x) / float(told), x).passed, report.hint
    if "/" in report.hint.split(" times")[0]:
        assert told.denominator <= 12 or (1 / told).denominator <= 12


# --- only some components wrong ----------------------------------------------------------------


def test_one_wrong_component_is_named():
    x = RNG.normal(size=9)
    report = cl.gradient_check(lambda x: np.sum(x**2), lambda x: 2 * x + np.eye(9)[4], x)
    assert not report.passed
    assert report.hint == (
        "only component (4,) is wrong; the other 8 agree with the numerical gradient"
    )
    assert report.worst[0][0] == (4,)  # the same index as the list of worst components


def test_wrong_components_of_a_matrix_are_named_by_row_and_column():
    X = RNG.normal(size=(3, 3))
    slip = np.zeros((3, 3))
    slip[0, 1], slip[2, 2] = 1.0, -0.5
    report = cl.gradient_check(lambda X: np.sum(X**2), lambda X: 2 * X + slip, X)
    assert report.hint == (
        "only components (0, 1) and (2, 2) are wrong; the other 7 agree with the numerical "
        "gradient"
    )


def test_many_wrong_components_are_counted_and_indices_stay_whole_in_print():
    X = RNG.normal(size=(5, 6))
    slip = np.zeros((5, 6))
    wrong = [(0, 1), (1, 2), (1, 5), (2, 0), (3, 3), (4, 1), (4, 4), (4, 5)]
    for index in wrong:
        slip[index] = 1.0
    report = cl.gradient_check(lambda X: np.sum(X**2), lambda X: 2 * X + slip, X)
    assert report.hint == (
        "only 8 of the 30 components are wrong, (0, 1), (1, 2), (1, 5), (2, 0), (3, 3) and 3 "
        "more; the other 22 agree with the numerical gradient"
    )
    text = str(report)
    assert max(len(line) for line in text.splitlines()) <= 72, text
    hint = text[text.index("  hint: "):text.index("  step:")]
    for index in wrong[:5]:
        assert str(index) in hint, hint  # never broken across two lines


@pytest.mark.parametrize("n_wrong, hinted", [(1, True), (3, True), (4, False), (9, False)])
def test_components_hint_only_for_at_most_a_third(n_wrong, hinted):
    x = RNG.normal(size=9) + 3.0
    slip = np.zeros(9)
    slip[:n_wrong] = RNG.uniform(1, 2, size=n_wrong) * RNG.choice([-1, 1], size=n_wrong)
    report = cl.gradient_check(lambda x: np.sum(x**2), lambda x: 2 * x + slip, x)
    assert not report.passed
    assert report.hint.startswith("only") == hinted, report.hint
    if not hinted:
        assert report.hint == ""


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 24))
def test_the_components_told_are_exactly_the_wrong_ones(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    picked = rng.choice(n, size=rng.integers(1, n // 3 + 1), replace=False)
    slip = np.zeros(n)
    slip[picked] = rng.uniform(0.1, 5.0, size=len(picked))

    def f(x):
        return np.sum(np.sin(x), axis=-1)

    report = cl.gradient_check(f, lambda x: np.cos(x) + slip, x)
    assert report.hint.startswith("only"), report.hint
    told = [int(i) for i in re.findall(r"\((\d+),\)", report.hint)]
    listed = sorted(picked.tolist())[: 5 if len(picked) > 6 else None]
    assert told == listed, report.hint
    # Repairing the components told (all of them when all are listed) makes the check pass.
    if len(picked) <= 6:
        repaired = slip.copy()
        repaired[told] = 0.0
        assert cl.gradient_check(f, lambda x: np.cos(x) + repaired, x).passed


def test_hint_precedence():
    # A transpose that explains everything comes before the few components it leaves wrong.
    N = np.diag([1.0, 2.0, 3.0])
    N[0, 1] = 5.0
    report = cl.gradient_check(lambda X: np.sum(N * X), lambda X: N.T, np.ones((3, 3)))
    assert report.hint.startswith(TRANSPOSED)
    # A constant factor comes before the components where the gradient is not zero.
    g = np.zeros(9)
    g[[2, 6]] = [1.5, -0.5]
    report = cl.gradient_check(lambda x: np.sum(g * x), lambda x: 2 * g, np.ones(9))
    assert report.hint == "your gradient is 2 times the numerical one: a factor 2 too many?"


def test_a_passing_check_never_has_a_hint():
    loss, grad, w = mse_problem(40)
    # Within a loose tolerance, 1.0001 times the gradient passes: no factor to name.
    report = cl.gradient_check(loss, lambda w: 1.0001 * grad(w), w, rtol=1e-3)
    assert report.passed and report.hint == "" and "hint" not in str(report)
