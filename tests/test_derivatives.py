"""Tests of calclib.derivatives: the difference quotients, the engine and derivative."""

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import calclib as cl
from calclib.finite_differences import ELEMENTWISE, GENERAL, default_step, near_zero_step

X = sp.Symbol("x")
RNG = np.random.default_rng(0)


# The textbook quotients compute exactly the printed formulas.


@pytest.mark.parametrize("h", [0.1, 1e-3, 2.0**-10, 0.37])
def test_forward_difference_is_the_printed_formula(h):
    x = RNG.uniform(-3, 3, 50)
    assert_array_equal(cl.forward_difference(np.sin, x, h), (np.sin(x + h) - np.sin(x)) / h)


@pytest.mark.parametrize("h", [0.1, 1e-3, 2.0**-10, 0.37])
def test_backward_difference_is_the_printed_formula(h):
    x = RNG.uniform(-3, 3, 50)
    assert_array_equal(cl.backward_difference(np.exp, x, h), (np.exp(x) - np.exp(x - h)) / h)


@pytest.mark.parametrize("h", [0.1, 1e-3, 2.0**-10, 0.37])
def test_central_difference_is_the_printed_formula(h):
    x = RNG.uniform(0.5, 3, 50)
    expected = (np.log(x + h) - np.log(x - h)) / (2 * h)
    assert_array_equal(cl.central_difference(np.log, x, h), expected)


def test_quotients_of_a_parabola_by_hand():
    f = lambda x: x**2  # noqa: E731
    assert cl.forward_difference(f, 3.0, 0.5) == 6.5
    assert cl.backward_difference(f, 3.0, 0.5) == 5.5
    assert cl.central_difference(f, 3.0, 0.5) == 6.0


def test_quotients_broadcast_an_array_of_steps():
    h = np.logspace(-1, -6, 6)
    expected = (np.sin(1.0 + h) - np.sin(1.0)) / h
    assert_array_equal(cl.forward_difference(np.sin, 1.0, h), expected)
    # The error of the forward difference shrinks like h (chapter 1's plot).
    error = np.abs(expected - np.cos(1.0))
    assert np.all(np.diff(error) < 0)


def test_quotients_keep_the_shape_of_x():
    x = RNG.uniform(size=(3, 4))
    assert cl.central_difference(np.sin, x, 1e-3).shape == (3, 4)


# The engine.


def test_weights_are_richardson_over_central_differences():
    assert_allclose(ELEMENTWISE.weights, [3 / 4, -3 / 20, 1 / 60], rtol=1e-14)
    assert_allclose(GENERAL.weights, [4 / 5, -1 / 5, 4 / 105, -1 / 280], rtol=1e-14)
    for stencil in (ELEMENTWISE, GENERAL):
        # Exact for polynomials up to degree 2L: sum_j w_j (j**k - (-j)**k) = [k == 1] ...
        j = np.arange(1, stencil.levels + 1.0)
        for k in range(1, 2 * stencil.levels + 1):
            moment = np.sum(stencil.weights * (j**k - (-j) ** k))
            assert moment == pytest.approx(1.0 if k == 1 else 0.0, abs=1e-15 * 4**k)
        # ... and not beyond: the error is O(h**(2L))
        k = 2 * stencil.levels + 1
        assert abs(np.sum(stencil.weights * (j**k - (-j) ** k))) > 1


def test_default_step_is_a_power_of_two_in_the_documented_band():
    x = np.concatenate([RNG.uniform(-10, 10, 200), np.logspace(-8, 3, 50), [0.0]])
    h = default_step(x)
    assert_array_equal(np.log2(h), np.round(np.log2(h)))
    size = np.clip(np.abs(x), 2.0**-3, 4.0)
    assert np.all(h <= size / 128) and np.all(h > size / 256)


def test_steps_keep_the_stencil_near_small_points():
    x = np.array([0.125, 0.5, 3.0])
    assert np.all(4 * default_step(x) <= 0.04 * x)
    x = np.array([1e-6, 0.02, 0.05, 0.1])  # below the floor: the second, smaller step
    assert np.all(4 * near_zero_step(x) <= 0.04 * x) and np.all(near_zero_step(x) > x / 256)
    # the derivative's stencil x +- 3h, with h from |x|/512 to |x|/256 down to |x| = 1/16
    step = ELEMENTWISE.step
    x = np.array([0.0625, 0.5, 3.0])
    assert np.all(3 * default_step(x, **step) <= 0.012 * x)
    x = np.array([1e-6, 0.02, 0.05, 0.06])
    assert np.all(3 * near_zero_step(x, **step) <= 0.012 * x)
    assert np.all(near_zero_step(x, **step) > x / 512)


def test_default_step_grows_for_huge_points():
    x = np.array([1e13, -1e20, 1e300])
    h = default_step(x)
    assert np.all(x + h != x) and np.all(h <= np.abs(x) * 2.0**-40)


def test_given_step_is_the_stencil_spacing():
    x, h = 0.7, 0.01
    expected = sum(
        w * (np.sin(x + (j + 1) * h) - np.sin(x - (j + 1) * h))
        for j, w in enumerate(ELEMENTWISE.weights)
    )
    assert cl.derivative(np.sin, x, h=h) == pytest.approx(expected / h, rel=1e-14)


def test_stencil_has_six_points_and_the_point_itself():
    calls = []

    def f(x):
        calls.append(np.size(x))
        return np.exp(x)

    cl.derivative(f, np.linspace(0.5, 2, 1000))
    assert sum(calls) == 7 * 1000 and len(ELEMENTWISE.offsets) == 6


def test_points_near_zero_try_a_second_smaller_step():
    calls = []

    def f(x):
        calls.append(np.size(x))
        return np.log(x)

    x = np.array([0.02, 0.05, 0.5, 1.0])  # no stencil reaches 0
    assert_allclose(cl.derivative(f, x), 1 / x, rtol=1e-12)
    assert sum(calls) == 7 * 4 + 7 * 2 * 2  # both steps again, with error estimates
    # exp keeps the larger step near 0, where its round-off is smaller
    assert_allclose(cl.derivative(np.exp, x), np.exp(x), rtol=1e-11)


def test_one_call_per_block_of_points():
    calls = []

    def f(x):
        calls.append(np.size(x))
        return np.sin(x)

    cl.derivative(f, np.linspace(0.5, 1, 100))
    assert calls == [700]


# derivative: closed forms.


@pytest.mark.parametrize(
    ("f", "df", "x"),
    [
        (np.sin, np.cos, np.linspace(-5, 5, 41)),
        (np.exp, np.exp, np.linspace(-3, 3, 41)),
        (np.log, lambda x: 1 / x, np.array([0.01, 0.05, 0.2, 1.0, 30.0])),
        (np.arctan, lambda x: 1 / (1 + x**2), np.linspace(-4, 4, 41)),
        (lambda x: x**1.5, lambda x: 1.5 * np.sqrt(x), np.array([0.01, 0.1, 1.0, 4.0])),
    ],
)
def test_derivative_matches_closed_forms(f, df, x):
    assert_allclose(cl.derivative(f, x), df(x), rtol=1e-12, atol=1e-13)


def test_derivative_keeps_the_shape_of_x():
    x = RNG.uniform(-1, 1, size=(2, 3, 4))
    assert_allclose(cl.derivative(np.sin, x), np.cos(x), rtol=1e-12)
    assert np.ndim(cl.derivative(np.sin, 1.0)) == 0


def test_derivative_of_a_path_is_its_velocity():
    path = lambda t: np.array([np.cos(t), np.sin(t)])  # noqa: E731
    assert_allclose(cl.derivative(path, 0.5), [-np.sin(0.5), np.cos(0.5)], rtol=1e-12)
    assert cl.derivative(path, np.zeros(3)).shape == (3, 2)


def test_derivative_falls_back_to_point_by_point():
    x = np.array([0.0, 1.0, 2.0])
    assert_allclose(cl.derivative(lambda t: math.sin(t), x), np.cos(x), rtol=1e-12)


def test_derivative_near_a_domain_edge_retries_smaller_steps():
    # the default stencil at 1.01 would reach below 1, where log(x - 1) is NaN
    assert cl.derivative(lambda x: np.log(x - 1), 1.01) == pytest.approx(100, rel=1e-8)
    assert cl.derivative(np.log, 1e-4) == pytest.approx(1e4, rel=1e-8)


def test_complex_step_is_exact_to_round_off():
    x = np.linspace(0.1, 3, 30)
    assert_allclose(cl.derivative(np.exp, x, method="complex"), np.exp(x), rtol=1e-15)
    assert_allclose(cl.derivative(np.sin, x, method="complex"), np.cos(x), rtol=1e-15)
    assert_allclose(cl.derivative(np.log, x, method="complex"), 1 / x, rtol=1e-15)


def test_complex_step_calls_f_once_per_point():
    calls = []

    def f(x):
        calls.append(np.size(x))
        return np.exp(x)

    cl.derivative(f, np.linspace(0, 1, 10), method="complex")
    assert calls == [10]


@pytest.mark.parametrize("method", ["richardson", "complex"])
def test_error_estimate_bounds_the_error(method):
    x = np.linspace(0.05, 3, 60)
    value, error = cl.derivative(np.log, x, method=method, error=True)
    assert value.shape == error.shape == x.shape
    assert np.all(np.abs(value - 1 / x) <= error)
    assert np.all(error < 1e-9 / x)  # a bound of the O(h**4) level: pessimistic, yet small


def test_error_estimate_grows_with_a_too_large_step():
    _, small = cl.derivative(np.sin, 1.0, h=0.01, error=True)
    _, large = cl.derivative(np.sin, 1.0, h=0.5, error=True)
    assert large > 1e3 * small
    value = cl.derivative(np.sin, 1.0, h=0.5)
    assert abs(value - np.cos(1.0)) <= large


# derivative against sympy: random smooth functions from a small grammar.

UNARY = [sp.sin, sp.cos, sp.tanh, sp.atan, lambda e: sp.exp(e / 2), lambda e: e**2 / 3]
LEAVES = st.sampled_from([X, 2 * X, X + 1, X**3 / 4, -X])


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda p: p[0](p[1]))
    binary = st.tuples(st.sampled_from(["+", "*"]), children, children).map(
        lambda p: p[1] + p[2] if p[0] == "+" else p[1] * p[2]
    )
    return unary | binary


SMOOTH = st.recursive(LEAVES, _extend, max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(SMOOTH, st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=5))
def test_derivative_matches_sympy_on_random_smooth_functions(expr, points):
    f = sp.lambdify(X, expr, "numpy")
    df = sp.lambdify(X, sp.diff(expr, X), "numpy")
    x = np.array(points)
    with np.errstate(all="ignore"):
        values, exact = np.broadcast_to(f(x), x.shape), np.broadcast_to(df(x), x.shape)
    assume(np.all(np.abs(values) < 1e6) and np.all(np.isfinite(exact)))
    numeric = cl.derivative(lambda t: np.broadcast_to(f(t), np.shape(t)), x)
    scale = 1 + np.abs(exact) + np.abs(values)
    assert np.all(np.abs(numeric - exact) <= 1e-9 * scale)


@settings(max_examples=30, deadline=None)
@given(SMOOTH, st.floats(-1.5, 1.5))
def test_complex_step_matches_sympy(expr, x):
    f = sp.lambdify(X, expr, "numpy")
    exact = float(sp.diff(expr, X).subs(X, x))
    assume(abs(exact) < 1e6)
    value = cl.derivative(lambda t: f(t) + 0 * t, x, method="complex")
    assert value == pytest.approx(exact, rel=1e-13, abs=1e-13)


def test_f_may_itself_differentiate():
    # The inner derivative must not write into the stencil the outer one is evaluating.
    x = np.linspace(0.3, 2.0, 50)
    second = cl.derivative(lambda t: cl.derivative(np.sin, t), x)
    assert_allclose(second, -np.sin(x), rtol=1e-7, atol=1e-7)


def test_threads_differentiate_at_once():
    from concurrent.futures import ThreadPoolExecutor

    x = RNG.uniform(0.5, 2.0, 200_000)  # several blocks each

    def work(k: int) -> float:
        f = (np.sin, np.exp, np.log, np.tanh)[k % 4]
        exact = (np.cos(x), np.exp(x), 1 / x, 1 - np.tanh(x) ** 2)[k % 4]
        return float(np.max(np.abs(cl.derivative(f, x) - exact) / np.maximum(np.abs(exact), 1)))

    with ThreadPoolExecutor(4) as pool:
        assert max(pool.map(work, range(8))) < 1e-11



def test_where_f_has_no_derivative_the_docstring_says_what_comes_back():
    relu = lambda t: np.maximum(t, 0)  # noqa: E731
    value, estimate = cl.derivative(relu, 0.0, error=True)
    assert value == pytest.approx(0.5, abs=1e-12) and estimate < 1e-12  # mean of 0 and 1
    assert cl.derivative(np.abs, 0.0) == pytest.approx(0.0, abs=1e-12)  # mean of -1 and 1
    value, estimate = cl.derivative(np.sign, 0.0, error=True)
    assert value == pytest.approx(5051.7, abs=0.1) and estimate > 100
    assert "5051.7" in cl.derivative.__doc__
    assert "``0.5`` for ``max(x, 0)``" in cl.derivative.__doc__


def test_a_ufunc_writes_its_values_into_the_workspace():
    # Over several blocks, with points whose stencil reaches log's domain edge (retried with
    # smaller steps) and points near 0 (a second, smaller step): a ufunc, which writes into
    # the workspace, gives what the same function written as a lambda gives (up to the
    # rounding of the matrix-vector product, whose blocks differ), and 1/x.
    x = np.concatenate([RNG.uniform(0.5, 2.0, 100_000), [1e-3, 0.01, 0.04, 1e-7]])
    value = cl.derivative(np.log, x)
    assert_allclose(value, cl.derivative(lambda t: np.log(t), x), rtol=1e-13)
    assert_allclose(value, 1 / x, rtol=1e-11)
    # ... and allocates nothing beyond the result and block-sized arrays.
    import tracemalloc

    x = x[x > 0.5]
    cl.derivative(np.exp, x)  # the workspace exists from now on
    tracemalloc.start()
    try:
        cl.derivative(np.exp, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * x.nbytes


def test_a_ufunc_that_refuses_floats_is_a_clear_error():
    with pytest.raises(TypeError, match="invert"):
        cl.derivative(np.invert, np.linspace(0.5, 1, 10))

@pytest.mark.parametrize("x", [800.0, np.array([1.0, 800.0])])
def test_overflow_is_a_clear_error_and_no_numpy_warning(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy would fail here
        with pytest.raises(ValueError, match="NaN or infinity around x = 800.0"):
            cl.derivative(np.exp, x)
        with pytest.raises(ValueError, match="NaN or infinity"):
            cl.gradient(lambda v: np.exp(v[..., 0]) * v[..., 1], [800.0, 1.0])
