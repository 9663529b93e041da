"""The formulas chapter 3 (partial derivatives and the gradient) derives by hand, checked
against calclib."""

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

coordinates = st.floats(-3, 3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
angles = st.floats(-np.pi, np.pi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def worked_f(p):
    """f(x1, x2) = x1**2 x2 + sin x2, the chapter's running example."""
    return p[..., 0] ** 2 * p[..., 1] + np.sin(p[..., 1])


def worked_gradient(p):
    """The gradient derived by hand: (2 x1 x2, x1**2 + cos x2)."""
    return np.stack([2 * p[..., 0] * p[..., 1], p[..., 0] ** 2 + np.cos(p[..., 1])], axis=-1)


@given(coordinates, coordinates)
def test_hand_derived_partials_match_calclib(a, b):
    p = np.array([a, b])
    expected = worked_gradient(p)
    np.testing.assert_allclose(cl.partial_derivative(worked_f, p, 0), expected[0],
                               rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(cl.partial_derivative(worked_f, p, 1), expected[1],
                               rtol=1e-8, atol=1e-9)


def test_gradient_of_a_batch_of_points():
    points = np.random.default_rng(0).uniform(-2, 2, size=(4, 5, 2))
    np.testing.assert_allclose(cl.gradient(worked_f, points), worked_gradient(points),
                               rtol=1e-8, atol=1e-9)


@given(coordinates, coordinates, angles)
def test_directional_derivative_is_gradient_dot_unit_vector(a, b, theta):
    p, u = np.array([a, b]), np.array([np.cos(theta), np.sin(theta)])
    np.testing.assert_allclose(cl.directional_derivative(worked_f, p, u),
                               worked_gradient(p) @ u, rtol=1e-7, atol=1e-8)


@settings(max_examples=25)
@given(coordinates, coordinates)
def test_gradient_direction_is_steepest_ascent(a, b):
    p = np.array([a, b])
    g = worked_gradient(p)
    theta = np.linspace(-np.pi, np.pi, 361)
    units = np.stack([np.cos(theta), np.sin(theta)], axis=-1)
    rates = np.array([cl.directional_derivative(worked_f, p, u) for u in units])
    length = np.linalg.norm(g)
    # No direction beats the gradient's length; the gradient's own direction attains it.
    assert np.all(rates <= length * (1 + 1e-7) + 1e-9)
    if length > 1e-6:
        np.testing.assert_allclose(cl.directional_derivative(worked_f, p, g / length), length,
                                   rtol=1e-7)


def test_gradient_is_perpendicular_to_a_level_curve():
    def q(x):
        return x[..., 0] ** 2 + 3 * x[..., 1] ** 2

    def ellipse(t):  # the level curve q = 7
        return np.stack([np.sqrt(7) * np.cos(t), np.sqrt(7 / 3) * np.sin(t)], axis=-1)

    t = np.linspace(0, 2 * np.pi, 13)
    velocity = np.stack([-np.sqrt(7) * np.sin(t), np.sqrt(7 / 3) * np.cos(t)], axis=-1)
    np.testing.assert_allclose(q(ellipse(t)), 7.0)
    np.testing.assert_allclose(cl.total_derivative(q, ellipse, t), 0.0, atol=1e-8)
    dots = np.sum(cl.gradient(q, ellipse(t)) * velocity, axis=-1)
    np.testing.assert_allclose(dots, 0.0, atol=1e-8)
    # ... while the gradient is not: it points off the curve.
    assert np.all(np.linalg.norm(cl.gradient(q, ellipse(t)), axis=-1) > 1)


@settings(max_examples=20)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 5))
def test_mse_gradient_formula(seed, m, n):
    rng = np.random.default_rng(seed)
    X, y, w = rng.normal(size=(m, n)), rng.normal(size=m), rng.normal(size=n)

    def loss(v):
        return np.mean((v @ X.T - y) ** 2, axis=-1)

    formula = 2 / m * X.T @ (X @ w - y)
    np.testing.assert_allclose(cl.gradient(loss, w), formula, rtol=1e-6, atol=1e-8)
    assert cl.gradient_check(loss, lambda v: 2 / m * X.T @ (X @ v - y), w)
    # Dropping the factor 2 is caught unless the gradient is zero.
    if np.linalg.norm(formula) > 1e-3:
        assert not cl.gradient_check(loss, lambda v: X.T @ (X @ v - y) / m, w)


def test_exercise_answers_formulas():
    x, y = sp.symbols("x y")
    # 1, 2 and 3: partial derivatives and a gradient, exactly
    assert sp.simplify(cl.exact_derivative(x**3 * y**2 + 4 * y - 7, x) - 3 * x**2 * y**2) == 0
    assert sp.simplify(cl.exact_derivative(sp.exp(x * y) + x**2 * y, y)
                       - (x * sp.exp(x * y) + x**2)) == 0
    gradient = cl.exact_gradient(x * sp.sin(y) + y**2, [x, y])
    assert sp.simplify(gradient - sp.Matrix([sp.sin(y), x * sp.cos(y) + 2 * y])) == sp.zeros(2, 1)


def test_exercise_answers_numbers():
    def bowl(p):
        return p[..., 0] ** 2 + 3 * p[..., 1] ** 2

    def cubic(p):
        return p[..., 0] ** 2 * p[..., 1]

    def hyperbolic(p):
        return p[..., 0] ** 2 - p[..., 1] ** 2

    # 4: the bowl at (1, 2) along (3, 4), per unit distance
    np.testing.assert_allclose(cl.directional_derivative(bowl, [1.0, 2.0], [0.6, 0.8]), 10.8,
                               rtol=1e-9)
    # 5: x^2 y at (1, 2): steepest ascent along (4, 1)/sqrt(17)
    g = cl.gradient(cubic, [1.0, 2.0])
    np.testing.assert_allclose(g / np.linalg.norm(g), np.array([4, 1]) / np.sqrt(17), rtol=1e-9)
    # 6: x^2 - y^2 at (2, 1): the tangent (1, 2) of slope 2 is perpendicular to the gradient
    g = cl.gradient(hyperbolic, [2.0, 1.0])
    np.testing.assert_allclose(g @ np.array([1.0, 2.0]), 0.0, atol=1e-9)
    # 7: the tiny regression loss at w = (0, 1)
    X, y = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0, 2.0])

    def loss(v):
        return np.mean((v @ X.T - y) ** 2, axis=-1)

    np.testing.assert_allclose(cl.gradient(loss, [0.0, 1.0]), [-4 / 3, -2 / 3], rtol=1e-9)
