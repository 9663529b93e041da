"""The formulas chapter 5 (matrix derivatives) derives by hand, checked against calclib."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 4)


@settings(max_examples=20, deadline=None)
@given(seeds, sizes, sizes)
def test_jacobian_of_a_linear_map_is_the_matrix_in_numerator_layout(seed, m, n):
    rng = np.random.default_rng(seed)
    A, x = rng.normal(size=(m, n)), rng.normal(size=n)
    J = cl.jacobian(lambda v: v @ A.T, x)
    assert J.shape == (m, n)
    np.testing.assert_allclose(J, A, rtol=1e-7, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(seeds, sizes, sizes)
def test_chain_rule_through_a_linear_map_uses_the_transpose(seed, m, n):
    rng = np.random.default_rng(seed)
    A, x = rng.normal(size=(m, n)), rng.normal(size=n)

    def loss(v):
        return np.sum(np.log(np.cosh(v @ A.T)), axis=-1)

    expected = A.T @ np.tanh(A @ x)
    np.testing.assert_allclose(cl.gradient(loss, x), expected, rtol=1e-7, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(seeds, st.integers(2, 5))
def test_quadratic_form_gradient_is_symmetric_part_twice(seed, n):
    rng = np.random.default_rng(seed)
    A, x = rng.normal(size=(n, n)), rng.normal(size=n)
    numeric = cl.gradient(lambda v: np.einsum("...i,ij,...j->...", v, A, v), x)
    np.testing.assert_allclose(numeric, (A + A.T) @ x, rtol=1e-7, atol=1e-9)
    antisymmetric = (A - A.T) / 2
    np.testing.assert_allclose(x @ antisymmetric @ x, 0, atol=1e-12)


def test_frobenius_and_bilinear_gradients():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 4))
    a, b = rng.normal(size=3), rng.normal(size=4)
    squared_norm = cl.matrix_gradient(lambda M: np.sum(M**2, axis=(-2, -1)), X)
    np.testing.assert_allclose(squared_norm, 2 * X, rtol=1e-8)
    bilinear = cl.matrix_gradient(lambda M: a @ M @ b, X)
    np.testing.assert_allclose(bilinear, np.outer(a, b), rtol=1e-8, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seeds)
def test_least_squares_gradient(seed):
    rng = np.random.default_rng(seed)
    X, y, w = rng.normal(size=(10, 3)), rng.normal(size=10), rng.normal(size=3)

    def loss(v):
        return np.sum((v @ X.T - y) ** 2, axis=-1)

    report = cl.gradient_check(loss, lambda v: 2 * X.T @ (X @ v - y), w)
    assert report.passed, str(report)


@settings(max_examples=20, deadline=None)
@given(seeds)
def test_factorisation_gradients_in_both_factors(seed):
    rng = np.random.default_rng(seed)
    X, U, V = rng.normal(size=(5, 4)), rng.normal(size=(5, 2)), rng.normal(size=(2, 4))
    residual = X - U @ V
    by_V = cl.matrix_gradient(lambda W: np.sum((X - U @ W) ** 2, axis=(-2, -1)), V)
    by_U = cl.matrix_gradient(lambda W: np.sum((X - W @ V) ** 2, axis=(-2, -1)), U)
    np.testing.assert_allclose(by_V, -2 * U.T @ residual, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(by_U, -2 * residual @ V.T, rtol=1e-7, atol=1e-8)


def test_linear_layer_weight_gradient_is_an_outer_product():
    rng = np.random.default_rng(1)
    W, b, x = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4)
    batch = rng.normal(size=(6, 4))

    def loss(V):
        return np.sum(np.log(np.cosh(V @ x + b)), axis=-1)

    def batch_loss(V):
        return np.sum(np.log(np.cosh(batch @ np.swapaxes(V, -1, -2) + b)), axis=(-2, -1))

    g = np.tanh(W @ x + b)
    G = np.tanh(batch @ W.T + b)
    np.testing.assert_allclose(cl.matrix_gradient(loss, W), np.outer(g, x), rtol=1e-8)
    np.testing.assert_allclose(cl.matrix_gradient(batch_loss, W), G.T @ batch, rtol=1e-8)
