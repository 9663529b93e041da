"""The formulas chapter 7 (derivatives at work) derives by hand, checked against calclib."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from problems import logistic_problem, sigmoid

import calclib as cl

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=15, deadline=None)
@given(seeds)
def test_logistic_gradient_is_inputs_times_prediction_minus_label(seed):
    rng, X, labels, loss = logistic_problem(seed)
    theta = rng.normal(size=3)
    m = len(labels)
    report = cl.gradient_check(loss, lambda t: X.T @ (sigmoid(X @ t) - labels) / m, theta)
    assert report.passed, str(report)


@settings(max_examples=15, deadline=None)
@given(seeds)
def test_logistic_hessian_and_its_curvature_bound(seed):
    rng, X, labels, loss = logistic_problem(seed)
    theta = rng.normal(size=3)
    m = len(labels)
    p = sigmoid(X @ theta)
    formula = X.T @ ((p * (1 - p))[:, None] * X) / m
    np.testing.assert_allclose(cl.hessian(loss, theta), formula, atol=1e-8)
    beta = np.linalg.eigvalsh(X.T @ X / m)[-1] / 4
    assert np.linalg.eigvalsh(formula)[-1] <= beta
    assert np.linalg.eigvalsh(formula)[0] >= 0


def test_wrong_gradients_of_the_chapter_fail_the_check():
    rng, X, labels, loss = logistic_problem(0, m=100)
    theta = rng.normal(size=3)
    m = len(labels)
    no_mean = cl.gradient_check(loss, lambda t: X.T @ (sigmoid(X @ t) - labels), theta)
    assert not no_mean.passed
    np.testing.assert_allclose(X.T @ (sigmoid(X @ theta) - labels) / no_mean.numerical, m)

    def typo(t):
        return X.T @ (1 / (1 + np.exp(X @ t)) - labels) / m  # exp(z) for exp(-z)

    assert cl.gradient_check(loss, typo, np.zeros(3)).passed  # hidden at theta = 0
    assert not cl.gradient_check(loss, typo, theta).passed


@settings(max_examples=20, deadline=None)
@given(seeds, st.floats(0.01, 3.0))
def test_gradient_descent_on_a_quadratic_multiplies_by_one_minus_eta_lambda(seed, scale):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(3, 3))
    H = A @ A.T + 0.1 * np.eye(3)
    eigenvalues, Q = np.linalg.eigh(H)
    eta = scale / eigenvalues[-1]
    x0 = rng.normal(size=3)
    x = x0
    for _ in range(10):
        x = x - eta * cl.gradient(lambda v: 0.5 * np.einsum("...i,ij,...j->...", v, H, v), x)
    predicted = Q @ ((1 - eta * eigenvalues) ** 10 * (Q.T @ x0))
    np.testing.assert_allclose(x, predicted, rtol=1e-6, atol=1e-9 * (1 + np.abs(x0).max()))


def test_stability_limit_two_over_lambda_max():
    H = np.array([[3.0, 2.0], [2.0, 3.0]])
    x0 = np.array([-2.0, -0.5])
    for eta, converges in [(0.39, True), (0.41, False)]:
        x = np.linalg.matrix_power(np.eye(2) - eta * H, 200) @ x0
        assert (np.linalg.norm(x) < np.linalg.norm(x0)) == converges


def test_newton_on_x_minus_log_x_squares_the_error():
    def step(x):
        return x - cl.derivative(lambda t: t - np.log(t), x) / cl.derivative(
            lambda t: 1 - 1 / t, x
        )

    for e in [0.5, -0.3, 0.1]:
        np.testing.assert_allclose(step(1 + e) - 1, -(e**2), rtol=1e-8)


def test_newton_step_of_exercise_4():
    def f(x):
        return np.exp(x[..., 0]) - x[..., 0] + x[..., 1] ** 2

    x = np.array([1.0, 1.0])
    new = x - np.linalg.solve(cl.hessian(f, x), cl.gradient(f, x))
    np.testing.assert_allclose(new, [np.exp(-1), 0], atol=1e-9)
