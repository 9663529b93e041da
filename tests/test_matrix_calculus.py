"""Tests of calclib.matrix_calculus: the identities of the matrix-calculus chapter."""

import numpy as np
from numpy.testing import assert_allclose

import calclib as cl

RNG = np.random.default_rng(4)


def test_gradient_of_ax_is_a_transpose():
    # ∇_x Ax = Aᵀ is the denominator-layout Jacobian: jacobian (numerator layout) transposed.
    A = RNG.normal(size=(3, 4))
    x = RNG.normal(size=4)
    assert_allclose(cl.jacobian(lambda x: A @ x, x).T, A.T, rtol=1e-12, atol=1e-13)
    # column by column: the gradient of the i-th output is the i-th row of A
    for i, row in enumerate(A):
        output_i = lambda x, i=i: (A @ x)[i]  # noqa: E731
        assert_allclose(cl.matrix_gradient(output_i, x), row, atol=1e-12)


def test_gradient_of_a_quadratic_form():
    A = RNG.normal(size=(4, 4))
    x = RNG.normal(size=4)
    assert_allclose(cl.matrix_gradient(lambda x: x @ A @ x, x), (A + A.T) @ x, atol=1e-11)


def test_gradient_of_the_squared_frobenius_norm_is_2x():
    X = RNG.normal(size=(3, 5))
    grad = cl.matrix_gradient(lambda X: np.sum(X**2), X)
    assert grad.shape == X.shape
    assert_allclose(grad, 2 * X, rtol=1e-10, atol=1e-10)


def test_gradient_of_a_factorisation_loss():
    X = RNG.normal(size=(4, 5))
    U = RNG.normal(size=(4, 2))
    V = RNG.normal(size=(2, 5))
    grad = cl.matrix_gradient(lambda V: np.sum((X - U @ V) ** 2), V)
    assert_allclose(grad, -2 * U.T @ (X - U @ V), rtol=1e-9, atol=1e-9)


def test_f_may_take_a_batch_of_matrices():
    X = RNG.normal(size=(2, 3))
    calls = []

    def f(X):
        calls.append(X.shape)
        return np.sum(np.sin(X), axis=(-2, -1))

    assert_allclose(cl.matrix_gradient(f, X), np.cos(X), rtol=1e-12)
    assert calls[1] == (8 * 6, 2, 3)  # after X itself, one call for all the stencil points
    assert all(len(shape) == 3 for shape in calls)


def test_gradient_with_respect_to_a_scalar_and_a_3d_array():
    scalar = cl.matrix_gradient(lambda a: a**3, 2.0)
    assert scalar.shape == () and abs(scalar - 12.0) < 1e-12
    T = RNG.normal(size=(2, 2, 2))
    assert_allclose(cl.matrix_gradient(lambda T: np.sum(T**3), T), 3 * T**2, atol=1e-10)
