"""Tests of calclib.gradcheck."""

import dataclasses

import numpy as np
import pytest

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
    # Wrong, and not symmetric itself: transposing it would not help.
    wrong = S + np.triu(np.ones((3, 3)), 1)
    report = cl.gradient_check(lambda X: np.sum(S * X), lambda X: wrong, X)
    assert not report.passed and report.hint == ""


def test_no_hint_when_the_gradient_is_symmetric_within_the_tolerance():
    # N differs from N^T by 4e-4 < atol: symmetric as far as the check can tell. The
    # hand-written gradient is within atol of N^T but fails against N; no transpose hint.
    N = np.array([[1.0, 4e-4], [0.0, 1.0]])
    hand = np.array([[1.0, -9e-4], [4e-4, 1.0]])
    options = {"rtol": 0.0, "atol": 1e-3}
    report = cl.gradient_check(lambda X: np.sum(N * X), lambda X: hand, np.ones((2, 2)), **options)
    assert not report.passed and report.hint == ""
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
