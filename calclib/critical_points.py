"""Classifying critical points by the eigenvalues of the Hessian (chapters 6 and 7).

At a point where the gradient is zero, the eigenvalues of the (symmetric) Hessian decide:
all positive, a local minimum; all negative, a local maximum; both signs, a saddle point. If an
eigenvalue is zero and the others share a sign, the second derivatives do not decide
("inconclusive": think of ``x**4`` and ``x**3`` at 0).

Tolerances
----------
A numerical eigenvalue is never exactly zero, so "zero" means ``|λ| <= rtol * max|λ| + atol``.
:func:`classify_hessian` uses ``rtol = 1e-6`` and ``atol = 0``. :func:`classify_critical_point`
uses ``rtol = 1e-6`` and ``atol = 100 * e``, where ``e`` is the engine's estimate of the error of
the finite-difference Hessian (largest entry): Hessians computed by calclib are accurate to
about 1e-9 of their largest eigenvalue, so ``rtol`` leaves a margin of 1000, and ``atol`` covers
a Hessian that is all round-off (``x**4 + y**4`` at 0). The gradient counts as zero when
``|∇f| <= 1e-6 * max(1, |x|) * max|λ| + 100 * e_g``: the step ``∇f / H`` to the nearby
critical point is below a millionth of the scale of ``x``, or the gradient is round-off.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from calclib._checks import as_points, check_callable, check_tolerances, describe, fail
from calclib.gradients import _gradient
from calclib.hessians import _hessian

__all__ = [
    "CriticalPoint",
    "CriticalPointWarning",
    "classify_critical_point",
    "classify_hessian",
]

RTOL = 1e-6  # an eigenvalue below RTOL * max|eigenvalue| counts as zero
NOISE = 100.0  # ... and so does one below NOISE * (estimated error of the Hessian)
KINDS = ("local minimum", "local maximum", "saddle point", "inconclusive")


class CriticalPointWarning(UserWarning):
    """Warned by :func:`classify_critical_point` when the gradient at x is not about zero.

    Examples
    --------
    >>> import warnings
    >>> import calclib as cl
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     kind = cl.classify_critical_point(lambda x: x[..., 0] ** 2, [1.0]).kind
    >>> caught[0].category.__name__, kind
    ('CriticalPointWarning', 'local minimum')
    """


def _short(values: np.ndarray) -> str:
    """Numbers rounded to 8 decimals, as a plain list."""
    return str((np.round(values, 8) + 0.0).tolist())


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """A classified critical point, returned by :func:`classify_critical_point`.

    Attributes
    ----------
    point : numpy.ndarray
        The point x, shape ``(n,)``.
    gradient : numpy.ndarray
        The gradient at x (about zero at a critical point), shape ``(n,)``.
    hessian : numpy.ndarray
        The symmetric Hessian at x, shape ``(n, n)``.
    eigenvalues : numpy.ndarray
        The eigenvalues of the Hessian, ascending.
    eigenvectors : numpy.ndarray
        The unit eigenvectors, as columns, in the order of the eigenvalues.
    kind : str
        ``"local minimum"``, ``"local maximum"``, ``"saddle point"`` or ``"inconclusive"``.

    Examples
    --------
    >>> import calclib as cl
    >>> cl.classify_critical_point(lambda x: x[..., 0] ** 2 - x[..., 1] ** 2, [0.0, 0.0])
    CriticalPoint(kind='saddle point', point=[0.0, 0.0], eigenvalues=[-2.0, 2.0])
    """

    point: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str

    def __repr__(self) -> str:
        return (
            f"CriticalPoint(kind={self.kind!r}, point={_short(self.point)}, "
            f"eigenvalues={_short(self.eigenvalues)})"
        )


def _kind(eigenvalues: np.ndarray, rtol: float, atol: float) -> str:
    """The kind of critical point for these eigenvalues; see the module notes."""
    scale = np.max(np.abs(eigenvalues), initial=0.0)
    tol = rtol * scale + atol
    positive = eigenvalues > tol
    negative = eigenvalues < -tol
    if positive.any() and negative.any():
        return "saddle point"
    if positive.all():
        return "local minimum"
    if negative.all():
        return "local maximum"
    return "inconclusive"


def classify_hessian(H: Any, *, rtol: float = RTOL, atol: float = 0.0) -> str:
    """Classify a critical point from its symmetric Hessian matrix ``H``.

    Taught in chapter 6. An eigenvalue counts as zero when ``|λ| <= rtol max|λ| + atol``.

    Parameters
    ----------
    H : array_like
        Symmetric matrix, shape ``(n, n)``.
    rtol : float
        Relative tolerance: an eigenvalue counts as zero when ``|λ| <= rtol max|λ| + atol``.
    atol : float
        Absolute tolerance, added to the relative one (0 by default).

    Returns
    -------
    str
        ``"local minimum"``, ``"local maximum"``, ``"saddle point"`` or ``"inconclusive"``.

    Examples
    --------
    >>> import calclib as cl
    >>> cl.classify_hessian([[2.0, 0.0], [0.0, -1.0]])
    'saddle point'
    >>> cl.classify_hessian([[2.0, 0.0], [0.0, 0.0]])  # positive semi-definite
    'inconclusive'
    """
    func = "classify_hessian"
    H = as_points(func, H, "H")
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        fail(func, f"H must be a square matrix of shape (n, n), got {describe(H)}")
    check_tolerances(func, rtol=rtol, atol=atol)
    asymmetry = np.max(np.abs(H - H.T))
    if asymmetry > 1e-6 * np.max(np.abs(H)):
        fail(
            func,
            f"H must be symmetric, got |H - H.T| up to {asymmetry:.3g}; a Hessian of a smooth "
            "function is symmetric (pass (H + H.T) / 2 to symmetrise)",
        )
    return _kind(np.linalg.eigvalsh((H + H.T) / 2), rtol, atol)


def classify_critical_point(f: Callable, x: Any, *, rtol: float = RTOL) -> CriticalPoint:
    """Classify the critical point ``x`` of f by the eigenvalues of its Hessian.

    Taught in chapter 6 (used in chapter 7). Warns with :class:`CriticalPointWarning` if the
    gradient at x is not about zero (the classification then describes the curvature at x, which is
    not a critical point). An eigenvalue counts as zero when ``|λ| <= rtol max|λ| + 100 e``,
    with ``e`` the estimated error of the numerical Hessian (largest entry).

    Parameters
    ----------
    f : callable
        Scalar function of a vector, ``f(x)`` with coordinates ``x[..., 0]``, ``x[..., 1]``, ...
    x : array_like
        The point, shape ``(n,)``.
    rtol : float
        Relative tolerance for a zero eigenvalue (above).

    Returns
    -------
    CriticalPoint
        Point, gradient, Hessian, its eigenvalues (ascending) and eigenvectors, and the kind.

    Examples
    --------
    >>> import calclib as cl
    >>> f = lambda x: x[..., 0] ** 2 + 3 * x[..., 1] ** 2  # a bowl
    >>> cl.classify_critical_point(f, [0.0, 0.0]).kind
    'local minimum'
    >>> cl.classify_critical_point(lambda x: x[..., 0] ** 4, [0.0]).kind
    'inconclusive'
    """
    func = "classify_critical_point"
    check_callable(func, "f", f)
    x = as_points(func, x)
    if x.ndim != 1 or x.size == 0:
        fail(func, f"x must be one point of shape (n,), got {describe(x)}")
    check_tolerances(func, rtol=rtol)
    grad, grad_error = _gradient(func, f, x, error=True)
    H, H_error = _hessian(func, f, x, error=True)
    eigenvalues, eigenvectors = np.linalg.eigh(H)
    scale = np.max(np.abs(eigenvalues))
    kind = _kind(eigenvalues, rtol, NOISE * np.max(H_error))
    size = np.linalg.norm(grad)
    allowed = RTOL * max(1.0, float(np.linalg.norm(x))) * scale + NOISE * np.linalg.norm(grad_error)
    if size > allowed:
        warnings.warn(
            f"{func}: the gradient at x = {_short(x)} has norm {size:.3g}, not about zero, so "
            f"x is not a critical point of f; the kind {kind!r} describes the curvature at x",
            CriticalPointWarning,
            stacklevel=2,
        )
    return CriticalPoint(x, grad, H, eigenvalues, eigenvectors, kind)
