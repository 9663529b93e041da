"""Derivatives of functions of one variable (chapter 1).

The textbook difference quotients compute exactly the printed formulas. :func:`derivative` is
the accurate default: Richardson extrapolation of central differences by the engine of
:mod:`calclib.finite_differences`, vectorized over any array of points, or the complex step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from calclib._checks import (
    as_points,
    check_callable,
    check_finite_values,
    describe,
    fail,
)
from calclib.finite_differences import (
    ELEMENTWISE,
    block_lines,
    call,
    check_steps,
    default_step,
    line_derivative,
    near_zero,
    near_zero_step,
    workspace,
)

__all__ = [
    "backward_difference",
    "central_difference",
    "derivative",
    "forward_difference",
]


def _elementwise(func: str, f: Callable, x: Any) -> np.ndarray:
    """Check the arguments of a function of one variable; return x as a float array."""
    check_callable(func, "f", f)
    return as_points(func, x)


def _evaluate(func: str, f: Callable, points: np.ndarray) -> np.ndarray:
    """f at the points, elementwise, refusing NaN and infinity."""
    flat = points.reshape(-1)
    values = call(func, f, flat)
    values = values.reshape(points.shape + values.shape[1:])
    check_finite_values(func, values, "at one of the points")
    return values


def _broadcast_step(func: str, points: tuple, h: Any, grow: bool = True) -> np.ndarray:
    """``h`` broadcast against x's shape ``points`` (to it alone unless ``grow``), or an error."""
    shape = np.shape(h)
    try:
        target = np.broadcast_shapes(points, shape)
    except ValueError:
        target = None
    if target is None or (not grow and target != points):
        fail(
            func,
            f"h must be one step or an array of steps that broadcasts to the shape of x, "
            f"{points}, got steps of shape {shape}; pass one number such as 1e-3, or one step "
            "per point",
        )
    return np.broadcast_to(np.asarray(h, dtype=float), target)


def _quotient(values: np.ndarray, h: Any, ndim: int) -> np.ndarray:
    """Divide by h, broadcasting over the output axes of a vector-valued f."""
    h = np.asarray(h, dtype=float)
    return values / h.reshape(h.shape + (1,) * (values.ndim - ndim))


def forward_difference(f: Callable, x: Any, h: Any) -> np.ndarray:
    """The forward difference quotient ``(f(x + h) - f(x)) / h``, exactly as printed.

    Taught in chapter 1 (error ``O(h)``).

    Parameters
    ----------
    f : callable
        Elementwise function of one variable, such as ``np.sin``.
    x : float or array_like
        Point(s).
    h : float or array_like
        Step(s), finite and positive; broadcast against ``x``.

    Returns
    -------
    numpy.ndarray
        The quotient at every point, shape of ``x`` broadcast with ``h``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> float(cl.forward_difference(lambda x: x**2, 3.0, 0.5))  # (3.5**2 - 3**2) / 0.5
    6.5
    """
    func = "forward_difference"
    x = _elementwise(func, f, x)
    h = check_steps(func, h)
    h = _broadcast_step(func, x.shape, h)
    x, h = np.broadcast_arrays(x, h)
    return _quotient(_evaluate(func, f, x + h) - _evaluate(func, f, x), h, x.ndim)


def backward_difference(f: Callable, x: Any, h: Any) -> np.ndarray:
    """The backward difference quotient ``(f(x) - f(x - h)) / h``, exactly as printed.

    Taught in chapter 1 (error ``O(h)``).

    Parameters
    ----------
    f : callable
        Elementwise function of one variable, such as ``np.sin``.
    x : float or array_like
        Point(s).
    h : float or array_like
        Step(s), finite and positive; broadcast against ``x``.

    Returns
    -------
    numpy.ndarray
        The quotient at every point, shape of ``x`` broadcast with ``h``.

    Examples
    --------
    >>> import calclib as cl
    >>> float(cl.backward_difference(lambda x: x**2, 3.0, 0.5))  # (3**2 - 2.5**2) / 0.5
    5.5
    """
    func = "backward_difference"
    x = _elementwise(func, f, x)
    h = check_steps(func, h)
    h = _broadcast_step(func, x.shape, h)
    x, h = np.broadcast_arrays(x, h)
    return _quotient(_evaluate(func, f, x) - _evaluate(func, f, x - h), h, x.ndim)


def central_difference(f: Callable, x: Any, h: Any) -> np.ndarray:
    """The central difference quotient ``(f(x + h) - f(x - h)) / (2h)``, exactly as printed.

    Taught in chapter 1 (error ``O(h**2)``).

    Parameters
    ----------
    f : callable
        Elementwise function of one variable, such as ``np.sin``.
    x : float or array_like
        Point(s).
    h : float or array_like
        Step(s), finite and positive; broadcast against ``x``.

    Returns
    -------
    numpy.ndarray
        The quotient at every point, shape of ``x`` broadcast with ``h``.

    Examples
    --------
    >>> import calclib as cl
    >>> float(cl.central_difference(lambda x: x**2, 3.0, 0.5))  # exact for a parabola
    6.0
    """
    func = "central_difference"
    x = _elementwise(func, f, x)
    h = check_steps(func, h)
    h = _broadcast_step(func, x.shape, h)
    x, h = np.broadcast_arrays(x, h)
    upper = _evaluate(func, f, x + h)
    lower = _evaluate(func, f, x - h)
    return _quotient(upper - lower, 2 * h, x.ndim)


def derivative(
    f: Callable,
    x: Any,
    *,
    method: str = "richardson",
    h: Any = None,
    error: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The derivative ``f'(x)`` of a function of one variable, accurate to about 1e-13.

    Vectorized: f is called once on all the stencil points of all the points (or once per
    block of 32,768 values; 131,072 for a NumPy ufunc such as ``np.exp``, which makes no
    temporary arrays). Taught in chapter 1.

    f must be differentiable around x. That is not checked: from f at a few points near x, a
    corner cannot be told reliably from a smooth function that bends sharply between them. At
    a corner the result is the mean of the one-sided slopes (``0.5`` for ``max(x, 0)`` at 0,
    ``0`` for ``abs`` at 0, with a small error estimate); at a jump it is a large meaningless
    number (5051.7 for ``np.sign`` at 0), with a large error estimate (``error=True``).

    Parameters
    ----------
    f : callable
        Elementwise function of one variable, such as ``np.sin``. If f returns an array of
        shape ``s`` for one number (a path), the result has shape ``x.shape + s``.
    x : float or array_like
        Point(s), any shape.
    method : {"richardson", "complex"}
        ``"richardson"`` (default): Richardson extrapolation of central differences with steps
        h, 2h, 3h, error ``O(h**6)``, 7 evaluations per point. ``"complex"``: the complex
        step ``Im f(x + ih) / h`` with ``h = 1e-20 max(|x|, 1)``, 1 evaluation per point,
        accurate to round-off when f is analytic and accepts complex input.
    h : float or array_like, optional
        Base step (broadcast against ``x``); default: per point, a power of two between
        ``|x|/512`` and ``|x|/256`` (``|x|`` clipped to ``[1/16, 4]``).
    error : bool
        Also return an estimate of the absolute error.

    Returns
    -------
    value : numpy.ndarray
        ``f'(x)``, shape of ``x`` (``x.shape + s`` for a path).
    error : numpy.ndarray
        Only with ``error=True``: the estimated absolute error, shaped like the value.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> cl.derivative(np.sin, np.array([0.0, np.pi / 3]))  # cos(x)
    array([1. , 0.5])
    >>> value, err = cl.derivative(np.log, 0.05, error=True)  # 1/x, near log's domain edge
    >>> print(f"{value:.10f}", err < 1e-8)
    20.0000000000 True
    >>> float(cl.derivative(np.exp, 1.0, method="complex")) == float(np.exp(1.0))
    True
    """
    func = "derivative"
    check_callable(func, "f", f)
    fast = type(x) is np.ndarray and x.dtype == np.float64 and x.size > 0  # not np.matrix
    low, high = (float(x.min()), float(x.max())) if fast else (np.nan, np.nan)
    if np.isfinite(low) and np.isfinite(high):  # min and max are NaN if x holds a NaN
        flat = x.reshape(-1)  # the common case: no copy, no extra pass over x
    else:
        flat = as_points(func, x).reshape(-1)
        low, high = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 0.0)
    shape = np.shape(x)
    if method not in ("richardson", "complex"):
        fail(func, f"method must be 'richardson' or 'complex', got {describe(method)}")
    if h is not None:
        h = check_steps(func, h)
    if not isinstance(error, bool):
        fail(func, f"error must be True or False, got {describe(error)}", TypeError)
    near_lines = near_steps = None
    # the smallest and largest |x|, to skip clipping steps where no point needs it
    span = (max(low, -high, 0.0), max(-low, high))
    if h is not None:
        given = _broadcast_step(func, shape, h, grow=False).reshape(-1)
        lost = (flat + given == flat) | (flat - given == flat)
        if method == "richardson" and lost.any():
            j = int(np.flatnonzero(lost)[0])
            fail(
                func,
                f"h = {float(given[j])!r} is too small for x = {float(flat[j])!r}: x + h rounds "
                f"to x (floats near x are {float(np.spacing(abs(flat[j])))!r} apart); leave h "
                "out for a step chosen per point, or use method='complex'",
            )

        def step_of(index: Any, out: np.ndarray | None = None) -> np.ndarray:
            return given[index]

    else:

        def step_of(index: Any, out: np.ndarray | None = None) -> np.ndarray:
            return default_step(flat[index], **ELEMENTWISE.step, out=out, span=span)

        if span[0] < 2.0 ** ELEMENTWISE.step["floor"]:  # some |x| is below the floor of the step

            def near_lines(index: Any) -> np.ndarray:
                return near_zero(flat[index], **ELEMENTWISE.step)

            def near_steps(lines: np.ndarray) -> np.ndarray:
                return near_zero_step(flat[lines], **ELEMENTWISE.step)

    def where(j: int) -> str:
        return f"around x = {float(flat[j])!r}"

    if method == "complex":
        steps = 1e-20 * np.maximum(np.abs(flat), 1.0) if h is None else step_of(slice(None))
        value, estimate = _complex_step(func, f, flat, steps, where)
    else:
        block = block_lines(f, stencil=ELEMENTWISE)
        rows = len(ELEMENTWISE.centered) * (2 if _plain_ufunc(f) else 1)  # + its values
        with workspace((rows + 1) * block) as work:
            value, estimate, _ = line_derivative(
                func,
                _stencil_evaluator(func, f, flat, work, block),
                len(flat),
                _blockwise(step_of, work[:block]),
                where,
                adapt=h is None,
                error=error,
                near_lines=near_lines,
                near_steps=near_steps,
                stencil=ELEMENTWISE,
                block=block,
            )
    value = value.reshape(shape + value.shape[1:])
    if error:
        return value, estimate.reshape(value.shape)
    return value


def _blockwise(step_of: Callable, out: np.ndarray) -> Callable[[Any], np.ndarray]:
    """``step_of`` that writes the steps of a block of lines (a slice) into ``out``.

    Only the engine's blocks (slices with both ends, no longer than ``out``) use ``out``;
    any other request gets a new array.
    """

    def steps(index: Any) -> np.ndarray:
        if isinstance(index, slice) and None not in (index.start, index.stop) and (
            0 <= index.stop - index.start <= len(out)
        ):
            return step_of(index, out[: index.stop - index.start])
        return step_of(index)

    return steps


def _plain_ufunc(f: Callable) -> bool:
    """Whether f is a NumPy ufunc of one argument and one result, which can write into ``out``."""
    return isinstance(f, np.ufunc) and f.nin == 1 and f.nout == 1


def _stencil_evaluator(
    func: str, f: Callable, x: np.ndarray, work: np.ndarray, start: int
) -> Callable[[Any, np.ndarray], np.ndarray]:
    """The ``evaluate`` of the engine for an elementwise f at the points ``x`` (1-D).

    The stencil of a block of lines (a slice) is written into ``work`` after the block's
    steps (``work[:start]``), and a ufunc's values after the stencil, so that blocks allocate
    no large array.
    """
    levels = ELEMENTWISE.levels  # the rows are x + h, ..., x + Lh, x - h, ..., x - Lh, x
    rows = 2 * levels + 1
    ufunc = _plain_ufunc(f)

    def evaluate(index: Any, step: np.ndarray) -> np.ndarray:
        size = rows * len(step)
        if isinstance(index, slice) and start + size <= len(work):
            points = work[start : start + size].reshape(rows, -1)
        else:
            points = np.empty((rows, len(step)))
        here = x[index]
        # x + j h by repeated addition, one pass per row; exact where x + j h is representable
        # (h is a power of two below |x|/256: everywhere but just below a power of two)
        np.add(here, step, out=points[0])
        np.subtract(here, step, out=points[levels])
        for j in range(1, levels):
            np.add(points[j - 1], step, out=points[j])
            np.subtract(points[levels + j - 1], step, out=points[levels + j])
        points[-1] = here
        if ufunc and isinstance(index, slice) and start + 2 * size <= len(work):
            try:  # a ufunc writes into the workspace too: no fresh memory at all
                return f(points, out=work[start + size : start + 2 * size].reshape(rows, -1))
            except TypeError:  # such as np.invert, which refuses floats: call says so below
                pass
        values = call(func, f, points.reshape(-1))
        return values.reshape(points.shape + values.shape[1:])

    return evaluate


def _complex_step(
    func: str, f: Callable, x: np.ndarray, h: np.ndarray, where: Callable[[int], str]
) -> tuple[np.ndarray, np.ndarray]:
    """The complex-step derivative ``Im f(x + ih) / h`` and a round-off error estimate."""
    if x.size == 0:
        return np.zeros(0), np.zeros(0)
    values = call(func, f, x + 1j * h)
    if not np.iscomplexobj(values):
        fail(
            func,
            "method='complex' needs f to return complex values for complex input, got real "
            f"values of dtype {values.dtype} (f may use abs, np.real or a comparison); "
            "use method='richardson'",
        )
    bad = ~np.isfinite(values.reshape(len(x), -1)).all(axis=1)
    if bad.any():
        check_finite_values(func, np.nan, where(int(np.flatnonzero(bad)[0])))
    steps = h.reshape((-1,) + (1,) * (values.ndim - 1))
    value = values.imag / steps
    return value, 4 * np.finfo(float).eps * np.abs(value)
