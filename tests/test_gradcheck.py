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
