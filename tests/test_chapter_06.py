"""The formulas chapter 6 (the Hessian and critical points) derives by hand, checked against
calclib."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

coordinates = st.floats(-2, 2, allow_nan=False, allow_infinity=False, allow_subnormal=False)
eigenvalues = st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0])

x, y = sp.symbols("x y")
EGG = (x**2 - 1) ** 2 + (y**2 - 1) ** 2 + x * y  # the chapter's landscape with nine points


def worked_f(p):
    """f(x, y) = x**2 y + exp(x y), the chapter's first example."""
    return p[..., 0] ** 2 * p[..., 1] + np.exp(p[..., 0] * p[..., 1])


def worked_hessian(p):
    """Its Hessian, derived by hand in the chapter."""
    a, b = p[..., 0], p[..., 1]
    e = np.exp(a * b)
    off = 2 * a + (1 + a * b) * e
    return np.stack([np.stack([2 * b + b**2 * e, off], -1), np.stack([off, a**2 * e], -1)], -2)


@settings(max_examples=30)
@given(coordinates, coordinates)
def test_hand_derived_hessian_matches_calclib(a, b):
    p = np.array([a, b])
    np.testing.assert_allclose(cl.hessian(worked_f, p), worked_hessian(p), rtol=1e-7, atol=1e-8)


def test_mixed_partials_of_the_jacobian_of_the_gradient_agree():
    J = cl.jacobian(lambda p: cl.gradient(worked_f, p), [1.0, 0.0])
    np.testing.assert_allclose(J, [[0.0, 3.0], [3.0, 1.0]], atol=1e-8)
    assert abs(J[0, 1] - J[1, 0]) < 1e-8


def test_eigenvalues_at_the_worked_point():
    expected = (1 + np.sqrt(37) * np.array([-1.0, 1.0])) / 2  # roots of l^2 - l - 9
    np.testing.assert_allclose(np.linalg.eigvalsh(worked_hessian(np.array([1.0, 0.0]))),
                               expected)


def test_second_order_taylor_error_shrinks_like_the_cube():
    point, u = np.array([1.0, 0.0]), np.array([0.6, 0.8])
    g, H = cl.gradient(worked_f, point), cl.hessian(worked_f, point)

    def error(s):
        d = s * u
        return worked_f(point + d) - (worked_f(point) + g @ d + 0.5 * d @ H @ d)

    ratios = [error(s) / s**3 for s in (1e-1, 1e-2, 1e-3)]
    np.testing.assert_allclose(ratios[1:], ratios[-1], rtol=0.05)
    assert abs(ratios[-1]) > 0.1  # a genuine third-order term, not round-off


@given(eigenvalues, eigenvalues, st.floats(0, np.pi, allow_nan=False))
def test_quadratic_form_is_classified_by_the_signs_of_its_eigenvalues(l1, l2, theta):
    c, s = np.cos(theta), np.sin(theta)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([l1, l2]) @ R.T
    if l1 * l2 < 0:
        expected = "saddle point"
    elif l1 == 0 or l2 == 0:
        expected = "inconclusive"
    else:
        expected = "local minimum" if l1 > 0 else "local maximum"
    assert cl.classify_hessian((H + H.T) / 2) == expected
    result = cl.classify_critical_point(lambda p: 0.5 * np.einsum("...i,ij,...j->...", p, H, p),
                                        [0.0, 0.0])
    assert result.kind == expected


@pytest.mark.parametrize("expr, is_minimum", [
    (x**4 + y**4, True), (x**4 - y**4, False), (x**2 + y**4, True), (x**2 + y**3, False),
])
def test_zero_eigenvalue_leaves_the_test_inconclusive(expr, is_minimum):
    f = cl.to_numpy(expr, [x, y])
    assert cl.classify_critical_point(f, [0.0, 0.0]).kind == "inconclusive"
    t = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    circle = 0.1 * np.stack([np.cos(t), np.sin(t)], axis=-1)
    assert (f(circle).min() > 0) == is_minimum


def test_landscape_has_four_minima_one_maximum_four_saddles():
    f = cl.to_numpy(EGG, [x, y])
    points = cl.exact_critical_points(EGG, [x, y])
    kinds = [cl.classify_critical_point(f, [float(p[x]), float(p[y])]).kind for p in points]
    assert sorted(kinds) == sorted(["local minimum"] * 4 + ["local maximum"] + ["saddle point"] * 4)
    hand = sp.Matrix([[12 * x**2 - 4, 1], [1, 12 * y**2 - 4]])
    assert sp.expand(cl.exact_hessian(EGG, [x, y]) - hand) == sp.zeros(2, 2)
    saddles = np.array([[float(p[x]), float(p[y])] for p, k in zip(points, kinds, strict=True)
                        if k == "saddle point"])
    np.testing.assert_allclose(np.sum(saddles**2, axis=1), 1.0)  # on the unit circle
    np.testing.assert_allclose(saddles[:, 0] * saddles[:, 1], 0.25)
    global_minimum = {x: sp.sqrt(5) / 2, y: -sp.sqrt(5) / 2}
    assert sp.simplify(EGG.subs(global_minimum)) == sp.Rational(-9, 8)


def test_gradient_descent_limit_from_the_hessian_at_the_minimum():
    grad = cl.to_numpy(cl.exact_gradient(EGG, [x, y]), [x, y])
    minimum = np.array([np.sqrt(5) / 2, -np.sqrt(5) / 2])
    limit = 2 / np.linalg.eigvalsh(cl.hessian(cl.to_numpy(EGG, [x, y]), minimum)).max()
    np.testing.assert_allclose(limit, 2 / 12, rtol=1e-8)
    for eta in (0.9 * limit, 1.05 * limit):
        w = np.array([0.9, -1.3])
        for _ in range(300):
            w = w - eta * grad(w)
        assert (np.linalg.norm(w - minimum) < 1e-6) == (eta < limit)


def test_tiny_network_saddle_and_flat_minimum():
    f = lambda p: (p[..., 0] * p[..., 1] - 1) ** 2  # noqa: E731
    assert cl.classify_critical_point(f, [0.0, 0.0]).kind == "saddle point"
    at_minimum = cl.classify_critical_point(f, [2.0, 0.5])
    assert at_minimum.kind == "inconclusive"
    flat = at_minimum.eigenvectors[:, 0]
    tangent = np.array([2.0, -0.5]) / np.hypot(2.0, 0.5)  # tangent of w1 w2 = 1 at (2, 0.5)
    np.testing.assert_allclose(abs(flat @ tangent), 1.0, atol=1e-6)


def test_exercise_answers():
    # ex 2: eigenvalues of [[5, 2], [2, 2]]
    np.testing.assert_allclose(np.linalg.eigvalsh([[5.0, 2.0], [2.0, 2.0]]), [1.0, 6.0])
    # ex 3: x^2 + 4xy + y^2 has a saddle at the origin
    assert cl.classify_hessian([[2.0, 4.0], [4.0, 2.0]]) == "saddle point"
    # ex 5: the second-order estimate of f(1.1, 0.2) for the worked example
    d = np.array([0.1, 0.2])
    estimate = 1.0 + np.array([0.0, 2.0]) @ d + 0.5 * d @ np.array([[0, 3], [3, 1]]) @ d
    np.testing.assert_allclose(estimate, 1.48)
    np.testing.assert_allclose(worked_f(np.array([1.1, 0.2])), 1.48, atol=0.01)
    # ex 6: x^3 + 2xy + y^2 - 8x has its minimum at (2, -2) and a saddle at (-4/3, 4/3)
    expr = x**3 + 2 * x * y + y**2 - 8 * x
    f = cl.to_numpy(expr, [x, y])
    points = cl.exact_critical_points(expr, [x, y])
    assert points == [{x: sp.Rational(-4, 3), y: sp.Rational(4, 3)}, {x: 2, y: -2}]
    assert cl.classify_critical_point(f, [2.0, -2.0]).kind == "local minimum"
    assert cl.classify_critical_point(f, [-4 / 3, 4 / 3]).kind == "saddle point"
    # ex 7: x^2 + a xy + y^2 is convex exactly for |a| <= 2
    for a, convex in ((2.0, True), (2.01, False), (-2.0, True)):
        assert (np.linalg.eigvalsh([[2.0, a], [a, 2.0]]).min() >= -1e-12) == convex
