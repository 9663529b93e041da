"""Tests of calclib.symbolic against hand-computed derivatives."""

import inspect
import itertools
import math
import signal
import threading
import time
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import calclib as cl

x, y, z = sp.symbols("x y z")


# --- derivatives ----------------------------------------------------------------------------


def test_exact_derivative_of_strings_and_expressions():
    assert cl.exact_derivative("x^3 - 4x", "x") == 3 * x**2 - 4
    assert cl.exact_derivative(x**3 - 4 * x, x) == 3 * x**2 - 4
    assert cl.exact_derivative("sin(x)", "x", n=2) == -sp.sin(x)
    assert (
        sp.simplify(cl.exact_derivative("2x sin x", "x") - (2 * sp.sin(x) + 2 * x * sp.cos(x))) == 0
    )


def test_exact_derivative_matches_variables_by_name():
    positive = sp.Symbol("x", positive=True)
    assert cl.exact_derivative(positive**2, "x") == 2 * x
    assert cl.exact_derivative(positive**2, x) == 2 * x


def test_exact_derivative_treats_other_names_as_constants():
    assert cl.exact_derivative("a x^2 + b", "x") == 2 * sp.Symbol("a") * x


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_exact_derivative_refuses_a_bad_order(n):
    with pytest.raises(ValueError, match="exact_derivative: n must be a positive integer"):
        cl.exact_derivative("x^2", "x", n=n)


def test_exact_derivative_refuses_bad_input_clearly():
    with pytest.raises(ValueError, match="exact_derivative: could not read expr.*never closed"):
        cl.exact_derivative("3*(x^2", "x")
    with pytest.raises(TypeError, match="exact_derivative: expr must be a sympy expression"):
        cl.exact_derivative({"x": 1}, "x")
    with pytest.raises(ValueError, match="exact_derivative: var must be names"):
        cl.exact_derivative("x^2", "1x")


def test_exact_gradient_is_a_column_of_partials():
    grad = cl.exact_gradient("x^2 y + y^3", "x y")
    assert grad.shape == (2, 1)
    assert grad == sp.Matrix([2 * x * y, x**2 + 3 * y**2])
    assert cl.exact_gradient(x * y * z, [x, y, z]) == sp.Matrix([y * z, x * z, x * y])
    assert cl.exact_gradient("x*y", "x, y") == sp.Matrix([y, x])


def test_exact_jacobian_is_numerator_layout():
    jac = cl.exact_jacobian(["x*y", "x + y^2", "sin(x)"], "x y")
    assert jac.shape == (3, 2)
    assert jac == sp.Matrix([[y, x], [1, 2 * y], [sp.cos(x), 0]])
    assert cl.exact_jacobian("[x*y, x + y]", "x y") == sp.Matrix([[y, x], [1, 1]])
    assert cl.exact_jacobian(sp.Matrix([x * y, x]), [x, y]) == sp.Matrix([[y, x], [1, 0]])


def test_exact_jacobian_of_a_gradient_is_the_hessian():
    f = "x^3 y - 2 x y^2 + exp(x)"
    assert cl.exact_jacobian(cl.exact_gradient(f, "x y"), "x y") == cl.exact_hessian(f, "x y")


def test_exact_hessian_by_hand():
    hess = cl.exact_hessian("x^2 y + y^3", "x y")
    assert hess == sp.Matrix([[2 * y, 2 * x], [2 * x, 6 * y]])
    assert hess == hess.T


def test_exact_hessian_of_a_long_sum_is_unchanged_and_symmetric():
    xs = sp.symbols("x0:4")
    terms = [sp.sin(xs[k % 4] * xs[(k + 1) % 4]) * xs[(k + 2) % 4] ** 2 / (1 + k) for k in range(8)]
    f = sp.Add(*terms, sp.exp(xs[0] * xs[3]))
    hess = cl.exact_hessian(f, xs)
    assert hess == hess.T
    for i, a in enumerate(xs):
        for j, b in enumerate(xs):
            assert sp.expand(hess[i, j] - sp.diff(f, a, b)) == 0, (i, j)


def test_exact_hessian_differentiates_f_once_per_variable(monkeypatch):
    x, y, z = sp.symbols("x y z")
    f = x**2 * y * z + sp.sin(x * y) + z**3
    calls = []
    diff = sp.diff

    def counting_diff(expr, *args, **kwargs):
        calls.append(expr)
        return diff(expr, *args, **kwargs)

    monkeypatch.setattr(sp, "diff", counting_diff)
    hess = cl.exact_hessian(f, [x, y, z])
    monkeypatch.undo()
    assert (hess - sp.hessian(f, [x, y, z])).expand() == sp.zeros(3, 3)
    assert sum(expr == f for expr in calls) == 3  # then the gradient entries, j >= i
    assert len(calls) == 3 + 6


def test_exact_hessian_refuses_a_vector():
    with pytest.raises(ValueError, match="exact_hessian: expr must be a single expression"):
        cl.exact_hessian(["x", "y"], "x y")


# --- critical points ------------------------------------------------------------------------


def test_exact_critical_points_by_hand():
    assert cl.exact_critical_points("x^3 - 3x + y^2", "x y") == [{x: -1, y: 0}, {x: 1, y: 0}]
    assert cl.exact_critical_points("x^4/4 - x^2/2", "x") == [{x: -1}, {x: 0}, {x: 1}]


def test_exact_critical_points_keeps_only_real_solutions():
    assert cl.exact_critical_points("x^3/3 + x", "x") == []  # x^2 + 1 = 0 has no real root
    points = cl.exact_critical_points("x^2 + y^3/3 + y", "x y")
    assert points == []


def test_exact_critical_points_of_a_line_and_a_constant():
    assert cl.exact_critical_points("x^2", "x y") == [{x: 0}]  # y is free
    assert cl.exact_critical_points("5", "x y") == [{}]


def test_exact_critical_points_of_a_quintic_uses_a_root_object():
    (point,) = cl.exact_critical_points("x^6/6 - x^2/2 + x", "x")  # x^5 - x + 1 = 0
    assert_allclose(float(point[x]) ** 5 - float(point[x]) + 1, 0, atol=1e-12)


HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"


def _assert_critical(expr, variables, points, digits=30):
    """Each point is real, distinct from the others, and zeroes the exact gradient."""
    gradient = cl.exact_gradient(expr, variables)
    for point in points:
        assert all(value.is_real is True for value in point.values()), point
        for entry in gradient:
            assert abs(sp.N(entry.subs(point), digits)) < 10.0 ** (10 - digits), point
    keys = {tuple(round(float(p[v]), 9) for v in variables) for p in points}
    assert len(keys) == len(points)


def test_exact_critical_points_of_himmelblau_finds_all_nine():
    points = cl.exact_critical_points(HIMMELBLAU, "x y")
    assert len(points) == 9
    _assert_critical(HIMMELBLAU, [x, y], points)
    assert {x: 3, y: 2} in points  # the one rational minimum stays exact
    f = cl.to_numpy(HIMMELBLAU, "x y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a CriticalPointWarning would mean a nonzero gradient
        kinds = [cl.classify_critical_point(f, [float(p[x]), float(p[y])]).kind for p in points]
    assert [kinds.count(k) for k in ("local minimum", "local maximum", "saddle point")] == [4, 1, 4]
    minima = sorted((float(p[x]), float(p[y])) for p, k in zip(points, kinds, strict=True)
                    if k == "local minimum")  # fmt: skip
    known = [(-3.779310253377747, -3.283185991286169), (-2.805118086952745, 3.131312518250573),
             (3.0, 2.0), (3.584428340330492, -1.848126526964404)]  # fmt: skip
    assert_allclose(minima, known, rtol=1e-12)
    (maximum,) = [p for p, k in zip(points, kinds, strict=True) if k == "local maximum"]
    assert_allclose([float(maximum[x]), float(maximum[y])], [-0.270845, -0.923039], atol=1e-6)


def test_exact_critical_points_keeps_a_quintic_root_exact():
    (point,) = cl.exact_critical_points("x^6/6 - x^2/2 - x", "x")  # x^5 - x - 1 = 0
    assert isinstance(point[x], sp.CRootOf)
    assert point[x].is_real is True
    assert abs(sp.N(point[x] ** 5 - point[x] - 1, 50)) < 1e-45
    assert_allclose(float(point[x]), 1.1673039782614187, rtol=1e-15)


def test_exact_critical_points_of_the_chapter_6_landscape_are_nine_closed_forms():
    egg = (x**2 - 1) ** 2 + (y**2 - 1) ** 2 + x * y
    points = cl.exact_critical_points(egg, [x, y])
    assert len(points) == 9
    _assert_critical(egg, [x, y], points)
    assert not any(value.has(sp.CRootOf) for p in points for value in p.values())
    for known in ({x: 0, y: 0}, {x: sp.sqrt(3) / 2, y: sp.sqrt(3) / 2},
                  {x: sp.sqrt(5) / 2, y: -sp.sqrt(5) / 2}):  # fmt: skip
        assert known in points
    floats = [(float(p[x]), float(p[y])) for p in points]
    assert floats == sorted(floats)


def test_exact_critical_points_of_three_variables():
    points = cl.exact_critical_points("x y z + x^2 + y^2 + z^2", "x y z")
    z_ = sp.Symbol("z")
    assert points == [
        {x: -2, y: -2, z_: -2}, {x: -2, y: 2, z_: 2}, {x: 0, y: 0, z_: 0},
        {x: 2, y: -2, z_: 2}, {x: 2, y: 2, z_: -2},
    ]  # fmt: skip


def test_exact_critical_points_of_a_degenerate_point_counts_it_once():
    # The gradient (4x^3, 4y^3) vanishes to third order at the origin.
    assert cl.exact_critical_points("x^4 + y^4", "x y") == [{x: 0, y: 0}]
    assert cl.exact_critical_points("x^3", "x") == [{x: 0}]


def test_exact_critical_points_outside_the_polynomial_route_behave_as_before():
    assert cl.exact_critical_points("sin(x) + y^2", "x y") == [
        {x: sp.pi / 2, y: 0}, {x: 3 * sp.pi / 2, y: 0}
    ]  # fmt: skip
    assert cl.exact_critical_points("(x - y)^2", "x y") == [{x: y}]  # a line, y free
    w1, w2 = sp.symbols("w1 w2")
    assert cl.exact_critical_points((w1 * w2 - 1) ** 2, [w1, w2]) == [
        {w1: 0, w2: 0}, {w2: 1 / w1}
    ]  # fmt: skip
    a = sp.Symbol("a")
    assert cl.exact_critical_points("x^2 + y^2 + a x", "x y") == [{x: -a / 2, y: 0}]
    assert cl.exact_critical_points("x + y", "x y") == []


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=3, max_size=5).filter(lambda c: c[-1] != 0),
    st.lists(st.integers(-3, 3), min_size=3, max_size=5).filter(lambda c: c[-1] != 0),
)
def test_exact_critical_points_of_a_rotated_sum_are_a_grid(g_coefficients, h_coefficients):
    # f = g(u) + h(v) with (u, v) a rotation of (x, y): the critical points are exactly the
    # pairs of real roots of g' and h', so their number is the product of the two counts.
    t = sp.Symbol("t")
    g = sum(c * t**k for k, c in enumerate(g_coefficients))
    h = sum(c * t**k for k, c in enumerate(h_coefficients))
    u, v = (3 * x + 4 * y) / 5, (-4 * x + 3 * y) / 5
    f = g.subs(t, u) + h.subs(t, v)
    points = cl.exact_critical_points(f, [x, y])
    counts = [sp.Poly(sp.diff(p, t), t).sqf_part().count_roots() for p in (g, h)]
    assert len(points) == counts[0] * counts[1]
    _assert_critical(f, [x, y], points, digits=40)


# --- the time limit of exact_critical_points ------------------------------------------------


def _dense_polynomial(variables, degree, seed):
    """Every monomial of degree 1 to ``degree``, with seeded random coefficients in -3..3."""
    monomials = [sp.Mul(*m) for d in range(1, degree + 1)
                 for m in itertools.combinations_with_replacement(variables, d)]  # fmt: skip
    coefficients = np.random.default_rng(seed).integers(-3, 4, size=len(monomials))
    return sum(int(c) * m for c, m in zip(coefficients, monomials, strict=True))


# A dense quintic in three variables: its gradient is a quartic system with rational
# coefficients (the Groebner route), and solving it takes well over a minute.
SLOW_POLYNOMIAL = _dense_polynomial([x, y, z], 5, seed=0)
# Not a polynomial (the sympy.solve route); sympy.solve works on it for well over a minute.
SLOW_TRANSCENDENTAL = "exp(x y) + x^3 y - 2x^2 + y^2 sin(x)"


@pytest.mark.parametrize(
    ("expr", "variables"), [(SLOW_POLYNOMIAL, [x, y, z]), (SLOW_TRANSCENDENTAL, "x y")]
)
def test_exact_critical_points_stops_at_the_timeout(expr, variables):
    threads = threading.active_count()
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        cl.exact_critical_points(expr, variables, timeout=0.5)
    elapsed = time.perf_counter() - start
    assert elapsed < 5  # loose: the full solve takes over a minute
    message = str(info.value)
    assert message.startswith("exact_critical_points: ")
    assert "took more than 0.5 seconds" in message
    assert "timeout=None" in message
    for name in ("to_numpy", "gradient", "classify_critical_point"):
        assert f"calclib.{name}(" in message
        assert name in cl.__all__  # the advice names functions that exist
    assert info.value.__context__ is None  # no traceback from inside sympy
    # The search itself was stopped (not left running in a thread), and the alarm cleared.
    assert threading.active_count() == threads
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_exact_critical_points_after_a_timeout_solves_as_before():
    with pytest.raises(ValueError, match="took more than 0.2 seconds"):
        cl.exact_critical_points(SLOW_POLYNOMIAL, [x, y, z], timeout=0.2)
    points = cl.exact_critical_points(HIMMELBLAU, "x y")  # the default limit
    assert len(points) == 9
    assert {x: 3, y: 2} in points
    assert cl.exact_critical_points(HIMMELBLAU, "x y", timeout=None) == points
    time.sleep(0.3)  # a quick solve under a short limit leaves no alarm behind to go off later
    assert cl.exact_critical_points("x^3 - 3x + y^2", "x y", timeout=0.2) == [
        {x: -1, y: 0}, {x: 1, y: 0}
    ]  # fmt: skip
    time.sleep(0.3)


def test_exact_critical_points_waits_ten_seconds_by_default():
    timeout = inspect.signature(cl.exact_critical_points).parameters["timeout"]
    assert timeout.kind is inspect.Parameter.KEYWORD_ONLY
    assert timeout.default == 10


@pytest.mark.parametrize("timeout", [None, math.inf, 1e12, 10**400, 3, np.float64(2.5)])
def test_exact_critical_points_accepts_any_positive_timeout(timeout):
    assert cl.exact_critical_points("x^4/4 - x^2/2", "x", timeout=timeout) == [
        {x: -1}, {x: 0}, {x: 1}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("timeout", "error", "says"),
    [
        (0, ValueError, "got 0 (type int)"),
        (-1, ValueError, "got -1 (type int)"),
        (-math.inf, ValueError, "got -inf"),
        (-(10**400), ValueError, "got -1000000"),
        (math.nan, ValueError, "got nan (type float)"),
        ("10", TypeError, "got '10' (type str)"),
        (True, TypeError, "got True (type bool)"),
        (np.True_, TypeError, "got np.True_ (type bool)"),
        ([10], TypeError, "got a list of length 1"),
        (1j, TypeError, "got 1j (type complex)"),
    ],
)
def test_exact_critical_points_refuses_a_bad_timeout(timeout, error, says):
    with pytest.raises(error) as info:
        cl.exact_critical_points("x^2", "x", timeout=timeout)
    message = str(info.value)
    assert message.startswith("exact_critical_points: timeout must be a positive number of ")
    assert "or None to wait as long as it takes" in message
    assert says in message


# --- to_numpy -------------------------------------------------------------------------------


def test_to_numpy_one_variable_is_elementwise():
    f = cl.to_numpy("x^2 - 4", "x")
    xs = np.arange(6.0).reshape(2, 3)
    assert_allclose(f(xs), xs**2 - 4)
    assert f(xs).shape == (2, 3)
    assert_allclose(f(3), 5.0)


def test_to_numpy_several_variables_read_the_last_axis():
    f = cl.to_numpy("x^2 + 3y", "x y")
    points = np.random.default_rng(0).normal(size=(3, 4, 2))
    assert_allclose(f(points), points[..., 0] ** 2 + 3 * points[..., 1])
    assert f(np.array([1.0, 2.0])).shape == ()


def test_to_numpy_broadcasts_constants():
    assert_allclose(cl.to_numpy("2", "x")(np.zeros((2, 2))), np.full((2, 2), 2.0))
    g = cl.to_numpy(cl.exact_gradient("x^2 + 3y", "x y"), "x y")
    points = np.array([[1.0, 0.0], [2.0, 5.0], [-1.0, 1.0]])
    assert_allclose(g(points), np.column_stack([2 * points[:, 0], np.full(3, 3.0)]))


def test_to_numpy_of_a_matrix_appends_its_shape():
    h = cl.to_numpy(cl.exact_hessian("x^2 y + y^3", "x y"), "x y")
    points = np.random.default_rng(1).normal(size=(5, 2))
    out = h(points)
    assert out.shape == (5, 2, 2)
    assert_allclose(out[:, 0, 1], 2 * points[:, 0])
    assert_allclose(out[:, 1, 1], 6 * points[:, 1])


def test_to_numpy_keeps_complex_input_for_the_complex_step():
    f = cl.to_numpy("x^3", "x")
    h = 1e-20
    assert_allclose(f(2.0 + 1j * h).imag / h, 12.0)


def test_to_numpy_refuses_unknown_symbols_and_bad_points():
    with pytest.raises(ValueError, match="to_numpy: the expression uses a, which is not among"):
        cl.to_numpy("a*x", "x")
    f = cl.to_numpy("x*y", "x y")
    with pytest.raises(ValueError, match=r"x must have its 2 coordinates \(x, y\) on the last"):
        f(np.ones(3))
    with pytest.raises(TypeError, match="x must be a number or an array of numbers"):
        f("1, 2")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=1, max_size=5),
    st.floats(-2, 2, allow_nan=False),
)
def test_exact_derivative_agrees_with_the_complex_step(coefficients, point):
    poly = sum(c * x**k for k, c in enumerate(coefficients)) + sp.sin(x)
    f = cl.to_numpy(poly, "x")
    df = cl.to_numpy(cl.exact_derivative(poly, "x"), "x")
    h = 1e-20
    assert_allclose(f(point + 1j * h).imag / h, df(point), rtol=1e-12, atol=1e-12)
