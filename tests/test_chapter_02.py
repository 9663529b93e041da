"""The formulas chapter 2 (the chain rule) derives by hand, checked against calclib."""

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

reals = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
seeds = st.integers(0, 2**32 - 1)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@given(reals)
def test_chain_rule_for_sine_of_square(x):
    # d/dx sin(x^2) = cos(x^2) * 2x: outer derivative at the inner value, times the inner one
    expected = np.cos(x**2) * 2 * x
    np.testing.assert_allclose(
        cl.derivative(lambda t: np.sin(t**2), x), expected, rtol=1e-8, atol=1e-10
    )


@given(reals)
def test_three_link_chain_multiplies_local_slopes(x):
    # x -> u = x^2 -> v = sin u -> y = e^v
    u = x**2
    v = np.sin(u)
    slope = np.exp(v) * np.cos(u) * 2 * x
    # e^sin(x^2) wiggles faster as |x| grows: compare within the engine's own error estimate
    numeric, error = cl.derivative(lambda t: np.exp(np.sin(t**2)), x, error=True)
    assert abs(numeric - slope) <= error + 1e-12 * (1 + abs(slope))
    assert error <= 1e-5 * (1 + abs(slope))


def test_forgetting_the_inner_factor_is_wrong():
    # The typical mistake f'(g(x)) alone differs from the derivative wherever g'(x) != 1.
    x = np.array([0.3, 1.1, 1.7])
    numeric = cl.derivative(lambda t: np.sin(t**2), x)
    assert np.all(np.abs(numeric - np.cos(x**2)) > 0.1)


def g_vec(x):
    x1, x2 = x[..., 0], x[..., 1]
    return np.stack([x1 * x2, np.sin(x1), x2**2], axis=-1)


def f_vec(u):
    u1, u2, u3 = u[..., 0], u[..., 1], u[..., 2]
    return np.stack([u1 + u2 * u3, np.exp(u1) - u3], axis=-1)


@settings(max_examples=25)
@given(seeds)
def test_jacobians_multiply(seed):
    point = np.random.default_rng(seed).uniform(-1.5, 1.5, size=2)
    product = cl.jacobian(f_vec, g_vec(point)) @ cl.jacobian(g_vec, point)
    composite = cl.jacobian(lambda p: f_vec(g_vec(p)), point)
    assert product.shape == (2, 2)
    np.testing.assert_allclose(product, composite, rtol=1e-7, atol=1e-9)


@settings(max_examples=25)
@given(seeds)
def test_gradient_is_pulled_back_through_the_transposed_jacobian(seed):
    point = np.random.default_rng(seed).uniform(-1.5, 1.5, size=2)

    def z(u):
        return u[..., 0] ** 2 + u[..., 1] * u[..., 2]

    pulled_back = cl.jacobian(g_vec, point).T @ cl.gradient(z, g_vec(point))
    direct = cl.gradient(lambda p: z(g_vec(p)), point)
    np.testing.assert_allclose(pulled_back, direct, rtol=1e-7, atol=1e-9)


def test_sum_over_paths_matches_sympy():
    x1, x2, u1, u2 = sp.symbols("x1 x2 u1 u2")
    u_of_x = {u1: x1 * x2, u2: x1 + x2**2}
    z_of_u = sp.sin(u1) + u2**2
    by_hand = x2 * sp.cos(x1 * x2) + 2 * (x1 + x2**2)
    assert sp.simplify(by_hand - cl.exact_derivative(z_of_u.subs(u_of_x), x1)) == 0


def neuron_backward(w, b, x, y):
    """The chapter's backward pass for L = (sigmoid(w x + b) - y)^2."""
    p = sigmoid(w * x + b)
    dL_dz = 2 * (p - y) * p * (1 - p)
    return np.array([dL_dz * x, dL_dz])


@settings(max_examples=40)
@given(reals, reals, reals, st.floats(0, 1))
def test_backpropagation_through_one_neuron(w, b, x, y):
    def loss(theta):
        return (sigmoid(theta[..., 0] * x + theta[..., 1]) - y) ** 2

    report = cl.gradient_check(loss, lambda t: neuron_backward(t[0], t[1], x, y), [w, b])
    assert report.passed, str(report)


def test_the_chapters_neuron_numbers():
    w, b, x, y = 0.4, -0.2, 1.5, 1.0
    np.testing.assert_allclose(neuron_backward(w, b, x, y), [-0.2893, -0.1928], atol=5e-5)


def test_gradient_check_catches_a_missing_sigmoid_factor():
    w, b, x, y = 0.4, -0.2, 1.5, 1.0

    def loss(theta):
        return (sigmoid(theta[..., 0] * x + theta[..., 1]) - y) ** 2

    def forgot(theta):
        p = sigmoid(theta[0] * x + theta[1])
        return np.array([2 * (p - y) * x, 2 * (p - y)])

    assert not cl.gradient_check(loss, forgot, [w, b]).passed


def test_sigmoid_tower_derivative_is_below_a_quarter_per_layer():
    for depth in [1, 2, 5, 10]:

        def tower(t, depth=depth):
            for _ in range(depth):
                t = sigmoid(t)
            return t

        slope = cl.derivative(tower, 0.0)
        assert 0 < slope <= 0.25**depth + 1e-11


def test_exercise_answers():
    x = sp.symbols("x")
    assert sp.simplify(cl.exact_derivative((3 * x + 1) ** 5, x) - 15 * (3 * x + 1) ** 4) == 0
    gauss = sp.exp(-(x**2) / 2)
    assert sp.simplify(cl.exact_derivative(gauss, x) + x * gauss) == 0
    sigma = 1 / (1 + sp.exp(-x))
    assert sp.simplify(cl.exact_derivative(sigma, x) - sp.exp(-x) / (1 + sp.exp(-x)) ** 2) == 0

    # exercise 4: a 2 x 3 Jacobian times a 3 x 5 one
    assert (np.ones((2, 3)) @ np.ones((3, 5))).shape == (2, 5)

    x1, x2 = sp.symbols("x1 x2")
    z = (x1 + x2) ** 2 * x1 * x2
    by_paths = 2 * (x1 + x2) * x1 * x2 + (x1 + x2) ** 2 * x2
    assert sp.simplify(cl.exact_derivative(z, x1) - by_paths) == 0

    # exercise 6: h = sigmoid(w x), p = v h, L = (p - y)^2 at x = 2, y = 1, w = 0, v = 3
    def loss(theta):
        w, v = theta[..., 0], theta[..., 1]
        return (v * sigmoid(w * 2.0) - 1.0) ** 2

    np.testing.assert_allclose(cl.gradient(loss, [0.0, 3.0]), [1.5, 0.5], rtol=1e-9)
