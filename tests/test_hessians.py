"""Tests of calclib.hessians."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

import calclib as cl

RNG = np.random.default_rng(2)


def rosenbrock(x):
    return np.sum(100 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2, axis=-1)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def test_hessian_matches_the_closed_form():
    def f(x):
        return x[..., 0] ** 2 * x[..., 1] + np.exp(x[..., 1]) * np.sin(x[..., 0])

    x, y = 0.8, -0.4
    expected = [
        [2 * y - np.exp(y) * np.sin(x), 2 * x + np.exp(y) * np.cos(x)],
        [2 * x + np.exp(y) * np.cos(x), np.exp(y) * np.sin(x)],
    ]
    assert_allclose(cl.hessian(f, [x, y]), expected, rtol=1e-9, atol=1e-10)


def test_hessian_of_rosenbrock_for_n_from_2_to_10():
    for n in range(2, 11):
        x = RNG.uniform(-2, 2, n)
        H = rosenbrock_hessian(x)
        error = np.linalg.norm(cl.hessian(rosenbrock, x) - H) / np.linalg.norm(H)
        assert error <= 1e-8, (n, error)


def test_hessian_of_a_quadratic_is_a_plus_a_transpose():
    A = RNG.normal(size=(5, 5))
    x = RNG.normal(size=5)
    H = cl.hessian(lambda x: x @ A @ x, x)  # does not broadcast: point by point
    assert_allclose(H, A + A.T, rtol=1e-9, atol=1e-9)


def test_hessian_of_a_batch():
    x = RNG.uniform(-1, 1, size=(3, 4, 2))
    H = cl.hessian(rosenbrock, x)
    assert H.shape == (3, 4, 2, 2)
    assert_allclose(H[1, 2], rosenbrock_hessian(x[1, 2]), rtol=1e-9, atol=1e-7)


def test_hessian_is_the_jacobian_of_the_gradient():
    def f(x):
        return np.log(1 + x[..., 0] ** 2 + x[..., 1] ** 4)

    x = np.array([0.7, -0.3])
    assert_allclose(cl.hessian(f, x), cl.jacobian(lambda y: cl.gradient(f, y), x), atol=1e-8)


def test_hessian_near_a_domain_edge():
    def f(x):
        return np.log(x[..., 0]) * x[..., 1]

    x = np.array([0.02, 3.0])  # the default Hessian stencil would reach below 0
    expected = [[-3 / 0.02**2, 1 / 0.02], [1 / 0.02, 0.0]]
    assert_allclose(cl.hessian(f, x), expected, rtol=1e-7, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, 3, elements=st.floats(-2, 2)),
    st.floats(0.1, 3),
    st.floats(-2, 2),
)
def test_hessian_is_symmetric(x, a, b):
    def f(y):
        return np.sin(a * y[..., 0] * y[..., 1]) + np.exp(b * y[..., 2]) * y[..., 0] ** 2

    H = cl.hessian(f, x)
    np.testing.assert_array_equal(H, H.T)
    # and symmetric before symmetrisation too, up to finite-difference error
    raw = cl.jacobian(lambda y: cl.gradient(f, y), x)
    assert np.max(np.abs(raw - raw.T)) <= 1e-7 * (1 + np.max(np.abs(raw)))
