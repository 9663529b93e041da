"""The formulas chapter 1 (derivatives) derives by hand, checked against calclib."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

reals = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@given(reals)
def test_sigmoid_derivative_is_sigma_times_one_minus_sigma(x):
    s = sigmoid(x)
    np.testing.assert_allclose(cl.derivative(sigmoid, x), s * (1 - s), rtol=1e-9, atol=1e-13)


def test_forward_difference_of_square_is_two_x_plus_h():
    x = np.linspace(-3, 3, 13)
    for h in [0.5, 0.1, 0.01]:
        np.testing.assert_allclose(
            cl.forward_difference(np.square, x, h), 2 * x + h, rtol=1e-10, atol=1e-12
        )


@given(reals, reals, reals)
def test_single_example_loss_derivative(w, x, y):
    def loss(v):
        return (v * x - y) ** 2

    scale = 1 + abs(2 * x * (w * x - y)) + x**2
    np.testing.assert_allclose(cl.derivative(loss, w), 2 * x * (w * x - y), atol=1e-9 * scale)


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1))
def test_mean_squared_error_derivative(seed):
    rng = np.random.default_rng(seed)
    inputs, targets = rng.normal(size=20), rng.normal(size=20)

    def loss(w):
        return np.mean((np.asarray(w)[..., None] * inputs - targets) ** 2, axis=-1)

    w = rng.normal(size=5)
    formula = np.mean(2 * inputs * (w[:, None] * inputs - targets), axis=-1)
    np.testing.assert_allclose(cl.derivative(loss, w), formula, rtol=1e-8, atol=1e-10)


def test_least_squares_slope_is_where_the_derivative_vanishes():
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 2, size=20)
    targets = 1.5 * inputs + rng.normal(0, 0.3, size=20)

    def loss(w):
        return np.mean((np.asarray(w)[..., None] * inputs - targets) ** 2, axis=-1)

    w_star = np.sum(inputs * targets) / np.sum(inputs**2)
    np.testing.assert_allclose(cl.derivative(loss, w_star), 0.0, atol=1e-10)
    assert cl.derivative(loss, w_star - 0.1) < 0 < cl.derivative(loss, w_star + 0.1)


def test_quotient_exercise_value():
    # f(x) = e^x / (1 + x^2): f'(x) = e^x (1 - x)^2 / (1 + x^2)^2, so f'(2) = e^2 / 25.
    def f(t):
        return np.exp(t) / (1 + t**2)

    x = np.array([-1.0, 0.0, 1.0, 2.0])
    np.testing.assert_allclose(
        cl.derivative(f, x), np.exp(x) * (1 - x) ** 2 / (1 + x**2) ** 2, rtol=1e-10, atol=1e-13
    )
    np.testing.assert_allclose(cl.derivative(f, 2.0), np.exp(2) / 25, rtol=1e-11)


def test_richardson_step_beats_the_central_difference():
    h, x0, exact = 0.01, 1.5, np.exp(1.5)
    coarse = cl.central_difference(np.exp, x0, h)
    fine = cl.central_difference(np.exp, x0, h / 2)
    np.testing.assert_allclose(fine - exact, (coarse - exact) / 4, rtol=1e-3)
    assert abs((4 * fine - coarse) / 3 - exact) < 1e-4 * abs(fine - exact)


def test_difference_quotient_error_turns_around():
    # Truncation error falls with h, then round-off makes it rise: the V of the chapter.
    steps = 10.0 ** -np.arange(1, 16)
    x0, exact = 1.5, np.exp(1.5)
    forward = np.abs(cl.forward_difference(np.exp, x0, steps) - exact)
    central = np.abs(cl.central_difference(np.exp, x0, steps) - exact)
    for errors, best in [(forward, np.sqrt(np.finfo(float).eps)),
                         (central, np.cbrt(np.finfo(float).eps))]:
        k = int(np.argmin(errors))
        assert 0 < k < len(steps) - 1
        assert abs(np.log10(steps[k] / best)) <= 1.5
        assert errors[0] > 100 * errors[k] and errors[-1] > 100 * errors[k]
