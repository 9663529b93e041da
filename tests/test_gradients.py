"""Tests of calclib.gradients: partial derivatives, gradients, Jacobians, directional and total
derivatives."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

import calclib as cl

RNG = np.random.default_rng(1)


def f(x):
    """x² y + sin(y) z, vectorized over the last axis."""
    return x[..., 0] ** 2 * x[..., 1] + np.sin(x[..., 1]) * x[..., 2]


def grad_f(x):
    d0 = 2 * x[..., 0] * x[..., 1]
    d1 = x[..., 0] ** 2 + np.cos(x[..., 1]) * x[..., 2]
    return np.stack([d0, d1, np.sin(x[..., 1])], axis=-1)


def test_gradient_matches_the_closed_form():
    x = np.array([1.5, -0.7, 2.0])
    assert_allclose(cl.gradient(f, x), grad_f(x), rtol=1e-12, atol=1e-13)


def test_gradient_of_a_batch_has_the_shape_of_x():
    x = RNG.uniform(-2, 2, size=(4, 5, 3))
    g = cl.gradient(f, x)
    assert g.shape == x.shape
    assert_allclose(g, grad_f(x), rtol=1e-11, atol=1e-12)


def test_gradient_of_a_non_broadcasting_function():
    A = RNG.normal(size=(4, 4))
    x = RNG.normal(size=4)
    assert_allclose(cl.gradient(lambda x: x @ A @ x, x), (A + A.T) @ x, rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (3, 3), elements=st.floats(-5, 5)),
    arrays(np.float64, 3, elements=st.floats(-5, 5)),
)
def test_gradient_of_a_quadratic_form_is_a_plus_a_transpose_times_x(A, x):
    g = cl.gradient(lambda y: np.einsum("...i,ij,...j->...", y, A, y), x)
    expected = (A + A.T) @ x
    scale = 1 + np.abs(A).sum() * (1 + np.abs(x).max())
    assert np.all(np.abs(g - expected) <= 1e-11 * scale)


def test_partial_derivative_holds_the_other_coordinates():
    x = np.array([1.5, -0.7, 2.0])
    for i in range(3):
        assert cl.partial_derivative(f, x, i) == pytest.approx(grad_f(x)[i], rel=1e-12)
    assert cl.partial_derivative(f, x, -1) == pytest.approx(grad_f(x)[2], rel=1e-12)


def test_partial_derivative_of_a_batch():
    x = RNG.uniform(-1, 1, size=(6, 3))
    assert_allclose(cl.partial_derivative(f, x, 1), grad_f(x)[:, 1], rtol=1e-11)


def test_jacobian_is_numerator_layout():
    A = RNG.normal(size=(2, 3))
    x = RNG.normal(size=3)
    J = cl.jacobian(lambda x: A @ x, x)
    assert J.shape == (2, 3)
    assert_allclose(J, A, rtol=1e-12, atol=1e-13)


def test_jacobian_of_a_nonlinear_map():
    def F(x):
        return np.stack([x[..., 0] * x[..., 1], np.exp(x[..., 0]), np.sin(x[..., 1])], axis=-1)

    x = np.array([0.3, 1.2])
    expected = np.array([[x[1], x[0]], [np.exp(x[0]), 0], [0, np.cos(x[1])]])
    assert_allclose(cl.jacobian(F, x), expected, rtol=1e-12, atol=1e-13)
    batch = RNG.normal(size=(5, 2))
    assert cl.jacobian(F, batch).shape == (5, 3, 2)


def test_jacobian_rows_are_the_gradients_of_the_outputs():
    def F(x):
        return np.stack([f(x), f(x[..., ::-1])], axis=-1)

    x = np.array([0.4, 1.1, -0.3])
    J = cl.jacobian(F, x)
    assert_allclose(J[0], cl.gradient(f, x), rtol=1e-12)
    assert_allclose(J[1], cl.gradient(lambda y: f(y[..., ::-1]), x), rtol=1e-12)


def test_directional_derivative_is_gradient_dot_v():
    x = np.array([1.5, -0.7, 2.0])
    v = np.array([0.2, -1.0, 0.5])
    assert cl.directional_derivative(f, x, v) == pytest.approx(grad_f(x) @ v, rel=1e-11)
    assert cl.directional_derivative(f, x, np.zeros(3)) == 0.0


def test_directional_derivative_per_unit_distance_needs_a_unit_v():
    x = np.array([1.0, 2.0, 0.5])
    v = np.array([3.0, 4.0, 0.0])
    rate = cl.directional_derivative(f, x, v / np.linalg.norm(v))
    assert rate == pytest.approx(cl.directional_derivative(f, x, v) / 5, rel=1e-11)


def test_directional_derivative_of_a_batch():
    x = RNG.uniform(-1, 1, size=(7, 3))
    v = np.array([1.0, 0.0, -1.0])
    assert_allclose(cl.directional_derivative(f, x, v), grad_f(x) @ v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "v, expected",
    [
        ([1e-320, 1.0], 1.0),  # a subnormal component next to a normal one
        ([1e-320, 0.0], 2e-320),  # only a subnormal component: the rate is tiny, not 0
        ([1e300, -1e300], 1e300),  # huge components: 2e300 - 1e300
    ],
)
def test_directional_derivative_of_tiny_and_huge_directions_is_quiet(v, expected):
    quadratic = lambda x: x[..., 0] ** 2 + x[..., 1]  # noqa: E731  (gradient (2, 1) at x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = cl.directional_derivative(quadratic, [1.0, 2.0], v)
    assert_allclose(value, expected, rtol=1e-10)


def test_total_derivative_is_the_chain_rule():
    def path(t):
        return np.array([np.cos(t), np.sin(t), t**2])

    def velocity(t):
        return np.array([-np.sin(t), np.cos(t), 2 * t])

    for t in [0.0, 0.3, 1.7]:
        chain_rule = grad_f(path(t)) @ velocity(t)
        assert cl.total_derivative(f, path, t) == pytest.approx(chain_rule, rel=1e-11)


def test_total_derivative_over_an_array_of_times():
    def path(t):
        return np.stack([np.cos(t), np.sin(t), t], axis=-1)  # broadcasts: shape (k, 3)

    t = np.linspace(0, 2, 9)
    velocity = np.stack([-np.sin(t), np.cos(t), np.ones_like(t)], axis=-1)
    chain_rule = np.einsum("ki,ki->k", grad_f(path(t)), velocity)
    assert_allclose(cl.total_derivative(f, path, t), chain_rule, rtol=1e-11, atol=1e-12)
