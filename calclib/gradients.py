"""Partial derivatives, gradients, Jacobians, directional and total derivatives (chapters 2-5).

Every function here is the one-variable engine of :mod:`calclib.finite_differences` applied along
lines: a partial derivative is the derivative of ``t -> f(x + t e_i)``, a gradient stacks the
partial derivatives, a Jacobian stacks the gradients of the outputs, a directional derivative
differentiates ``t -> f(x + t v)`` and a total derivative ``t -> f(path(t))``.

A function of a vector takes a point ``x`` of shape ``(n,)`` or a batch of points of shape
``(..., n)`` (coordinates on the last axis). If f does not accept a batch, it is called point by
point, so ``lambda x: x @ A @ x`` works too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from calclib._checks import as_points, check_callable, check_finite_values, describe, fail
from calclib.finite_differences import (
    GENERAL,
    call,
    default_step,
    line_derivative,
    near_zero,
    near_zero_step,
)

__all__ = [
    "directional_derivative",
    "gradient",
    "jacobian",
    "partial_derivative",
    "total_derivative",
]


def vector_point(func: str, x: Any) -> np.ndarray:
    """``x`` as a float array of shape ``(..., n)`` with ``n >= 1``."""
    x = as_points(func, x)
    if x.ndim == 0 or x.shape[-1] == 0:
        fail(
            func,
            f"x must be a point with n >= 1 coordinates (shape (n,)) or a batch of points "
            f"(shape (..., n)), got {describe(x)}; for a function of one variable use derivative",
        )
    return x


def scalar_output(func: str, out_shape: tuple, fix: str) -> None:
    """Refuse a vector-valued f where a scalar function is needed."""
    if out_shape != ():
        fail(
            func,
            f"f must return a scalar, got an array of shape {out_shape}; {fix}",
        )


def column_note(func: str, f: Callable, shape: tuple) -> Callable:
    """f, adding to an exception it raises that x of shape (m, 1) is m points, not one.

    Only for x of shape ``(m, 1)``, ``m > 1`` (a column where a point ``(m,)`` was meant);
    the exception itself is unchanged.
    """
    if len(shape) != 2 or shape[1] != 1 or shape[0] < 2 or getattr(f, "noted", False):
        return f

    def noted(points: np.ndarray) -> Any:
        try:
            return f(points)
        except Exception as error:
            error.add_note(
                f"{func}: x of shape {shape} is read as {shape[0]} points of 1 coordinate each; "
                f"for one point of {shape[0]} coordinates pass shape ({shape[0]},), "
                "such as np.ravel(x)"
            )
            raise

    noted.noted = True  # type: ignore[attr-defined]
    return noted


def along_axes(
    func: str,
    f: Callable,
    x: np.ndarray,
    axes: Sequence[int] | None = None,
    *,
    step: dict | None = None,
    strict: bool = True,
    center: bool = True,
    error: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Derivatives of f along coordinate axes at every point of ``x`` (shape ``(..., n)``).

    Returns an array of shape ``x.shape[:-1] + (len(axes),) + out`` (``out``: the shape of one
    value of f), the error estimates (or None) and the steps used (shape ``x.shape[:-1] +
    (len(axes),)``). ``axes`` defaults to all coordinates; ``step`` holds the options of
    :func:`~calclib.finite_differences.default_step`. If ``strict``, f must be finite around the
    points (and at them, if ``center``); if not, a derivative that is not finite is NaN.
    """
    batch, n = x.shape[:-1], x.shape[-1]
    f = column_note(func, f, x.shape)
    axes = np.arange(n) if axes is None else np.asarray(axes)
    base = x.reshape(-1, n)
    if strict and center:
        values = call(func, f, base)
        finite = np.isfinite(values.reshape(len(base), -1)).all(axis=1)
        if not finite.all():
            check_finite_values(func, np.nan, f"at x = {base[np.argmin(finite)]}")
    coordinates = base[:, axes].reshape(-1)
    options = step or GENERAL.step

    def step_of(index: Any) -> np.ndarray:
        return default_step(coordinates[index], **options)

    def near_lines(index: Any) -> np.ndarray:
        return near_zero(coordinates[index], **options)

    def near_steps(lines: np.ndarray) -> np.ndarray:
        return near_zero_step(coordinates[lines], **options)

    points = np.repeat(np.arange(len(base)), len(axes))
    coords = np.tile(axes, len(base))

    def evaluate(index: Any, step: np.ndarray) -> np.ndarray:
        rows, cols = points[index], coords[index]
        stencil = np.repeat(base[rows][None], len(GENERAL.offsets), axis=0)
        stencil[:, np.arange(len(rows)), cols] += GENERAL.offsets[:, None] * step
        values = call(func, f, stencil.reshape(-1, n))
        return values.reshape(stencil.shape[:2] + values.shape[1:])

    def where(j: int) -> str:
        return f"around x = {base[points[j]]}"

    value, estimate, steps_used = line_derivative(
        func,
        evaluate,
        len(coordinates),
        step_of,
        where,
        width=n,
        strict=strict,
        error=error,
        near_lines=near_lines,
        near_steps=near_steps,
    )
    shape = batch + (len(axes),) + value.shape[1:]
    estimate = estimate.reshape(shape) if error else None
    return value.reshape(shape), estimate, steps_used().reshape(batch + (len(axes),))


def _gradient(
    func: str,
    f: Callable,
    x: Any,
    *,
    step: dict | None = None,
    strict: bool = True,
    error: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The gradient with the argument checks of ``func``; see :func:`gradient`."""
    check_callable(func, "f", f)
    x = vector_point(func, x)
    value, estimate, _ = along_axes(func, f, x, step=step, strict=strict, error=error)
    scalar_output(func, value.shape[x.ndim:], "use jacobian for vector-valued f")
    return value, estimate


def _jacobian(
    func: str,
    f: Callable,
    x: Any,
    *,
    step: dict | None = None,
    center: bool = True,
    error: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The Jacobian with the argument checks of ``func``; see :func:`jacobian`."""
    check_callable(func, "f", f)
    x = vector_point(func, x)
    value, estimate, _ = along_axes(func, f, x, step=step, center=center, error=error)
    # (..., n, *out) -> (..., *out, n): row i is the gradient of output i.
    value = np.moveaxis(value, x.ndim - 1, -1)
    return value, (np.moveaxis(estimate, x.ndim - 1, -1) if error else None)


def partial_derivative(f: Callable, x: Any, i: int) -> np.ndarray:
    """The partial derivative ``∂f/∂x_i`` at ``x``, holding the other coordinates fixed.

    Taught in chapter 3 (used in chapter 2).

    Parameters
    ----------
    f : callable
        Function of a vector, ``f(x)`` with coordinates ``x[..., 0]``, ``x[..., 1]``, ...
    x : array_like
        Point, shape ``(n,)``, or a batch of points, shape ``(..., n)``.
    i : int
        Index of the coordinate, ``0 <= i < n`` (negative indices count from the end).

    Returns
    -------
    numpy.ndarray
        Shape ``x.shape[:-1]`` (a number for one point) times the shape of f's value.

    Examples
    --------
    >>> import calclib as cl
    >>> f = lambda x: x[..., 0] ** 2 * x[..., 1]
    >>> print(f"{cl.partial_derivative(f, [3.0, 2.0], 0):.10f}")  # 2 x y
    12.0000000000
    """
    func = "partial_derivative"
    check_callable(func, "f", f)
    x = vector_point(func, x)
    n = x.shape[-1]
    if isinstance(i, bool) or not isinstance(i, int | np.integer):
        fail(func, f"i must be an integer index such as 0, got {describe(i)}", TypeError)
    if not -n <= i < n:
        fail(func, f"i must be between 0 and {n - 1} for a point with {n} coordinates, got {i}")
    value, _, _ = along_axes(func, f, x, [int(i) % n])
    return np.take(value, 0, axis=x.ndim - 1)


def gradient(f: Callable, x: Any) -> np.ndarray:
    """The gradient ``∇f(x)``: the vector of partial derivatives, shaped like ``x``.

    Taught in chapter 3. Accurate to about 1e-13 relative (see :func:`calclib.derivative`),
    using ``8 n + 1`` evaluations of f per point.

    Parameters
    ----------
    f : callable
        Scalar function of a vector, ``f(x)`` with coordinates ``x[..., 0]``, ``x[..., 1]``, ...
    x : array_like
        Point, shape ``(n,)``, or a batch of points, shape ``(..., n)``.

    Returns
    -------
    numpy.ndarray
        ``∇f(x)``, shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> f = lambda x: x[..., 0] ** 2 + 3 * x[..., 1]
    >>> np.round(cl.gradient(f, [1.0, 2.0]), 10)  # (2 x, 3)
    array([2., 3.])
    """
    return _gradient("gradient", f, x)[0]


def jacobian(f: Callable, x: Any) -> np.ndarray:
    """The Jacobian matrix of a vector-valued f, numerator layout: row i is ``∇f_i(x)``.

    Taught in chapter 2 (the chain rule) and chapter 5.

    Parameters
    ----------
    f : callable
        Function of a vector returning shape ``(m,)`` for one point (``(..., m)`` for a batch,
        or shape ``(m,)`` point by point).
    x : array_like
        Point, shape ``(n,)``, or a batch of points, shape ``(..., n)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(m, n)`` (``(..., m, n)`` for a batch); ``(n,)`` if f returns a scalar.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> np.round(cl.jacobian(lambda x: A @ x, [1.0, -1.0]), 10)  # the Jacobian of Ax is A
    array([[1., 2.],
           [3., 4.],
           [5., 6.]])
    """
    return _jacobian("jacobian", f, x)[0]


def directional_derivative(f: Callable, x: Any, v: Any) -> np.ndarray:
    """The directional derivative ``∇f(x)·v``, the rate of change of f along ``v``.

    Taught in chapter 3 (used in chapter 4). Computed directly as the derivative of
    ``t -> f(x + t v)`` at 0 (9 evaluations per point), so comparing it with
    ``gradient(f, x) @ v`` checks the formula. Pass a unit vector ``v`` for the rate of change
    per unit distance.

    Parameters
    ----------
    f : callable
        Scalar function of a vector.
    x : array_like
        Point, shape ``(n,)``, or a batch of points, shape ``(..., n)``.
    v : array_like
        Direction, shape ``(n,)`` or broadcastable to ``x``.

    Returns
    -------
    numpy.ndarray
        Shape ``x.shape[:-1]`` (a number for one point).

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> f = lambda x: x[..., 0] ** 2 + 3 * x[..., 1]
    >>> print(f"{cl.directional_derivative(f, [1.0, 2.0], [0.6, 0.8]):.10f}")  # 2*0.6 + 3*0.8
    3.6000000000
    """
    func = "directional_derivative"
    check_callable(func, "f", f)
    x = vector_point(func, x)
    v = as_points(func, v, "v")
    try:
        v = np.broadcast_to(v, x.shape)
    except ValueError:
        fail(
            func,
            f"v must have the shape of x, {x.shape} (or broadcast to it), got shape {v.shape}",
        )
    n = x.shape[-1]
    base, direction = x.reshape(-1, n), v.reshape(-1, n)
    # Differentiate along u = v / 2**e, scaled exactly so that max |u_i| lies in [0.5, 1), then
    # scale back: d/dt f(x + t v) = 2**e d/ds f(x + s u). A tiny v (even subnormal) thus gets a
    # finite step, and the stencil points are the same as for v itself.
    _, exponent = np.frexp(np.abs(direction).max(axis=1))
    unit = np.ldexp(direction, -exponent[:, None])
    # Move no coordinate by more than its own default step: s |u_i| <= h_i. Only components far
    # smaller than the largest (u_i = 0, or below 1e-300) divide by zero or overflow, to inf;
    # the largest one always gives a finite ratio, at most 2 h_i.
    with np.errstate(divide="ignore", over="ignore"):
        ratio = default_step(base, **GENERAL.step) / np.abs(unit)
    steps = ratio.min(axis=1)
    steps[~np.isfinite(steps)] = 1.0  # v = 0: any step gives the derivative 0

    def evaluate(index: Any, step: np.ndarray) -> np.ndarray:
        t = GENERAL.centered[:, None, None] * step[:, None]
        stencil = base[index][None] + t * unit[index][None]
        values = call(func, f, stencil.reshape(-1, n))
        return values.reshape(stencil.shape[:2] + values.shape[1:])

    def where(j: int) -> str:
        return f"around x = {base[j]} along v = {direction[j]}"

    value, _, _ = line_derivative(
        func, evaluate, len(steps), lambda index: steps[index], where, width=n
    )
    scalar_output(func, value.shape[1:], "use jacobian(f, x) @ v for vector-valued f")
    value = np.ldexp(value, exponent)
    value[~direction.any(axis=1)] = 0.0  # exactly, not round-off of f(x) - f(x)
    return value.reshape(x.shape[:-1])


def total_derivative(f: Callable, path: Callable, t: Any) -> np.ndarray:
    """The total derivative ``df/dt`` of ``f(path(t))``, which equals ``∇f(x(t))·x′(t)``.

    Taught in chapter 4. Computed directly as the derivative of ``t -> f(path(t))`` (9
    evaluations of path and f per value of t), so comparing it with the sum of partial
    derivatives times ``dx_i/dt`` checks the chain rule.

    Parameters
    ----------
    f : callable
        Scalar function of a vector.
    path : callable
        Maps a number ``t`` to a point of shape ``(n,)`` (called value by value unless it maps
        an array of shape ``(k,)`` to an array of shape ``(k, n)``).
    t : float or array_like
        Time(s), any shape.

    Returns
    -------
    numpy.ndarray
        ``df/dt``, shape of ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> f = lambda x: x[..., 0] * x[..., 1]
    >>> path = lambda t: np.array([np.cos(t), np.sin(t)])  # f(path(t)) = sin(2t) / 2
    >>> print(f"{cl.total_derivative(f, path, 0.0):.10f}")  # cos(2t)
    1.0000000000
    """
    func = "total_derivative"
    check_callable(func, "f", f)
    check_callable(func, "path", path)
    t = as_points(func, t, "t")
    flat = t.reshape(-1)

    def evaluate(index: Any, step: np.ndarray) -> np.ndarray:
        times = flat[index][None] + GENERAL.centered[:, None] * step
        points = call(func, path, times.reshape(-1))
        if points.ndim != 2:
            fail(
                func,
                "path must map a number t to a point of shape (n,), got an array of shape "
                f"{points.shape[1:]}",
            )
        values = call(func, f, points)
        scalar_output(func, values.shape[1:], "differentiate one output of f at a time")
        return values.reshape(times.shape)

    def where(j: int) -> str:
        return f"around t = {float(flat[j])!r}"

    value, _, _ = line_derivative(
        func,
        evaluate,
        len(flat),
        lambda index: default_step(flat[index], **GENERAL.step),
        where,
        near_lines=lambda index: near_zero(flat[index], **GENERAL.step),
        near_steps=lambda lines: near_zero_step(flat[lines], **GENERAL.step),
    )
    return value.reshape(t.shape)
