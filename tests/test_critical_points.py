"""Tests of calclib.critical_points."""

import dataclasses
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

import calclib as cl


def bowl(x):
    return x[..., 0] ** 2 + 3 * x[..., 1] ** 2


def test_kinds_of_quadratic_critical_points():
    cases = {
        "local minimum": lambda x: x[..., 0] ** 2 + 3 * x[..., 1] ** 2,
        "local maximum": lambda x: -(x[..., 0] ** 2) - 0.5 * x[..., 1] ** 2,
        "saddle point": lambda x: x[..., 0] ** 2 - x[..., 1] ** 2,
    }
    for kind, f in cases.items():
        assert cl.classify_critical_point(f, [0.0, 0.0]).kind == kind


def test_rosenbrock_minimum():
    def f(x):
        return 100 * (x[..., 1] - x[..., 0] ** 2) ** 2 + (1 - x[..., 0]) ** 2

    point = cl.classify_critical_point(f, [1.0, 1.0])
    assert point.kind == "local minimum"
    exact = np.linalg.eigvalsh([[802.0, -400.0], [-400.0, 200.0]])
    assert_allclose(point.eigenvalues, exact, rtol=1e-9)


def test_fields_of_a_critical_point():
    point = cl.classify_critical_point(lambda x: x[..., 0] ** 2 - 2 * x[..., 1] ** 2, [0.0, 0.0])
    assert_allclose(point.point, [0, 0])
    assert_allclose(point.gradient, [0, 0], atol=1e-12)
    assert_allclose(point.hessian, [[2, 0], [0, -4]], atol=1e-9)
    assert_allclose(point.eigenvalues, [-4, 2], atol=1e-9)  # ascending
    H, V, lam = point.hessian, point.eigenvectors, point.eigenvalues
    assert_allclose(H @ V, V * lam, atol=1e-9)  # eigenvectors are the columns


def test_critical_point_is_frozen_with_a_readable_repr():
    point = cl.classify_critical_point(lambda x: x[..., 0] ** 2 - x[..., 1] ** 2, [0.0, 0.0])
    assert repr(point) == (
        "CriticalPoint(kind='saddle point', point=[0.0, 0.0], eigenvalues=[-2.0, 2.0])"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.kind = "local minimum"


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x[..., 0] ** 4 + x[..., 1] ** 4,  # a minimum the Hessian cannot see
        lambda x: x[..., 0] ** 3 + x[..., 1] ** 2,  # a semi-definite Hessian
        lambda x: x[..., 0] ** 4 - x[..., 1] ** 2 * 0 + 5.0,
    ],
)
def test_zero_eigenvalues_are_inconclusive(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cl.classify_critical_point(f, [0.0, 0.0]).kind == "inconclusive"


def test_a_large_constant_does_not_fake_an_eigenvalue():
    f = lambda x: 1e6 + x[..., 0] ** 2 - 1e-3 * x[..., 1] ** 2  # noqa: E731
    assert cl.classify_critical_point(f, [0.0, 0.0]).kind == "saddle point"


def test_warns_when_the_gradient_is_not_zero():
    with pytest.warns(cl.CriticalPointWarning, match="not about zero"):
        point = cl.classify_critical_point(bowl, [0.5, 0.0])
    assert point.kind == "local minimum"  # the curvature at x


def test_no_warning_at_a_critical_point_found_to_round_off():
    x = np.array([1e-12, -2e-12])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cl.classify_critical_point(bowl, x).kind == "local minimum"


def test_critical_point_warning_is_a_user_warning():
    assert issubclass(cl.CriticalPointWarning, UserWarning)


def test_classify_hessian():
    assert cl.classify_hessian([[2.0, 1.0], [1.0, 3.0]]) == "local minimum"
    assert cl.classify_hessian(-np.eye(3)) == "local maximum"
    assert cl.classify_hessian([[1.0, 0.0], [0.0, -1e-3]]) == "saddle point"
    assert cl.classify_hessian([[1.0, 0.0], [0.0, 1e-9]]) == "inconclusive"
    assert cl.classify_hessian(np.zeros((2, 2))) == "inconclusive"
    assert cl.classify_hessian([[1.0, 0.0], [0.0, 1e-9]], rtol=1e-12) == "local minimum"
    assert cl.classify_hessian([[1.0, 0.0], [0.0, 0.1]], atol=0.5) == "inconclusive"


def test_classify_hessian_saddle_with_a_zero_eigenvalue():
    assert cl.classify_hessian(np.diag([1.0, 0.0, -1.0])) == "saddle point"


def test_classify_hessian_refuses_an_asymmetric_matrix():
    with pytest.raises(ValueError, match="classify_hessian: H must be symmetric"):
        cl.classify_hessian([[1.0, 2.0], [0.0, 1.0]])
