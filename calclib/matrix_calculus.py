"""Gradients with respect to vectors and matrices (chapter 5, matrix calculus).

The gradient of a scalar function of a matrix ``X`` is the matrix of the partial derivatives
``∂f/∂X_ij``, shaped like ``X`` (the layout in which ``∇_X ||X||_F^2 = 2X``). It is the gradient
of :mod:`calclib.gradients` applied to the entries of ``X`` laid out as one vector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from calclib._checks import as_points, check_callable, describe, fail
from calclib.gradients import along_axes, scalar_output

__all__ = ["matrix_gradient"]


def entry_gradient(
    func: str, f: Callable, X: Any, *, error: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradient of a scalar f with respect to every entry of one point ``X`` of any shape.

    Returns the gradient and the steps used (both shaped like ``X``) and the error estimates
    (or None); errors are reported as coming from ``func``.
    """
    check_callable(func, "f", f)
    name = "X" if func == "matrix_gradient" else "x"
    X = as_points(func, X, name)
    if X.size == 0:
        fail(func, f"{name} must hold at least one number, got {describe(X)}")
    shape = X.shape

    def flat_f(v: np.ndarray) -> Any:
        return f(v.reshape(v.shape[:-1] + shape))

    value, estimate, steps = along_axes(func, flat_f, X.reshape(1, -1), error=error)
    scalar_output(func, value.shape[2:], "take one output of f at a time, or use jacobian")
    estimate = estimate.reshape(shape) if error else None
    return value.reshape(shape), steps.reshape(shape), estimate


def matrix_gradient(f: Callable, X: Any) -> np.ndarray:
    """The gradient of a scalar function of a vector or a matrix, shaped like ``X``.

    Taught in chapter 5. Entry ``[i, j]`` of the result is ``∂f/∂X_ij``. The function f is
    called with arrays shaped like ``X`` (or with a batch of them, stacked on new leading axes,
    if it accepts one).

    Parameters
    ----------
    f : callable
        Scalar function of an array shaped like ``X``, such as
        ``lambda X: np.sum(X ** 2)``.
    X : array_like
        The point: a vector, a matrix, or any array.

    Returns
    -------
    numpy.ndarray
        ``∇_X f``, shaped like ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> np.round(cl.matrix_gradient(lambda X: np.sum(X ** 2), X), 10)  # ∇ ||X||_F^2 = 2X
    array([[2., 4.],
           [6., 8.]])
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> x = np.array([1.0, -1.0])
    >>> np.round(cl.matrix_gradient(lambda x: x @ A @ x, x), 10) + 0.0  # (A + A^T) x
    array([ 0., -4.])
    """
    return entry_gradient("matrix_gradient", f, X)[0]
