"""Derivatives of functions of one variable, and the finite-difference engine of calclib.

The textbook difference quotients (chapter 1) compute exactly the printed formulas.
:func:`derivative` is the accurate default: Richardson extrapolation of central differences,
vectorized over any array of points. Gradients, Jacobians and Hessians (the other modules) are
built from the same engine, :func:`_line_derivative`, which differentiates a batch of functions
of one variable ``t -> g(t)`` at ``t = 0``.

How the engine works
--------------------
For a step ``h`` the central differences ``D(jh) = (g(jh) - g(-jh)) / (2jh)``, ``j = 1, 2, 3, 4``
have errors in even powers of the step. Richardson extrapolation of these four values to step 0
(the polynomial in ``(jh)**2`` through them, evaluated at 0) removes the ``h**2``, ``h**4`` and
``h**6`` terms: the result has error ``O(h**8)`` and costs 8 function values per point (9 with
the value at the point itself, which is only checked to be finite: a pole at x is an error,
not a large number). The previous extrapolation level (``j = 1, 2, 3``, error ``O(h**6)``)
gives the error estimate: the difference of the two levels plus a round-off term
``2 eps sum_j |w_j| |g(+-jh)| / h``.

The step is a power of two (so that ``x + j*h`` is computed exactly) between ``|x|/256`` and
``|x|/128``, with ``|x|`` clipped to ``[1/8, 4]`` (:func:`default_step`): proportional to ``|x|``,
so that the stencil ``x +- 4h`` stays within 3% of ``|x|`` of the point, inside a domain edge at
0 (``np.log`` at ``x = 0.05``); capped for large ``|x|``; and with a floor for points near 0,
where round-off ``1e-16 |f| / h`` would grow. For ``|x|`` below the floor both steps are tried,
the floor and ``|x|/256`` to ``|x|/128``, with error estimates (27 evaluations in all), and the
result with the smaller error estimate is kept: ``np.exp`` at 0.01 prefers the first,
``np.log`` at 0.01 the second. The constants balance round-off against truncation on the suite
of ``benchmarks/accuracy.py``.

Where f returns NaN or infinity on the stencil (a domain edge closer than ``4h``), the engine
quarters the step of those points until the stencil fits, at most 12 times, then divides it by
32 more, so that the edge is again about 200 steps away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from calclib._checks import (
    as_points,
    check_callable,
    check_finite_values,
    check_step,
    describe,
    fail,
)

__all__ = [
    "backward_difference",
    "central_difference",
    "derivative",
    "forward_difference",
]

_EPS = np.finfo(float).eps
_LEVELS = np.arange(1, 5)  # central differences with steps h, 2h, 3h, 4h
OFFSETS = np.concatenate([_LEVELS, -_LEVELS]).astype(float)  # the stencil, in units of h
CENTERED = np.append(OFFSETS, 0.0)  # the stencil and the point itself, to check f there


def _richardson_weights(levels: np.ndarray) -> np.ndarray:
    """Weights ``w`` with ``derivative = sum_j w_j (g(jh) - g(-jh)) / h`` for these levels.

    The Lagrange weights at 0 of the nodes ``(j h)**2`` combine the central differences
    ``D(jh) = (g(jh) - g(-jh)) / (2 j h)``; dividing by ``2 j`` turns them into weights on the
    function values.
    """
    squares = levels.astype(float) ** 2
    lagrange = [
        np.prod([s / (s - t) for s in squares if s != t]) for t in squares
    ]
    return np.array(lagrange) / (2 * levels)


WEIGHTS = _richardson_weights(_LEVELS)  # [4/5, -1/5, 4/105, -1/280]: the O(h^8) derivative
_LOWER = _richardson_weights(_LEVELS[:3])  # [3/4, -3/20, 1/60]: the O(h^6) one, for the estimate
_SIGNED = np.concatenate([WEIGHTS, -WEIGHTS])  # the weights of g(h), ..., g(4h), g(-h), ...
_CHUNK = 1 << 14  # function values per call of f: keeps the work arrays in the cache
_RETRIES = 12  # where f is not finite, quarter the step at most this many times,
_MARGIN = 32.0  # then divide the first step that fits by this margin


_EXPONENT = np.int64(0x7FF0000000000000)  # the exponent bits of a float64
_ONE = np.int64(1 << 52)  # adding this to the bits of a power of two doubles it


STEP = {"floor": -3, "cap": 2, "ratio": -7}  # the options of default_step for a derivative


def default_step(x: Any, floor: int = -3, cap: int = 2, ratio: int = -7) -> np.ndarray:
    """The engine's steps for coordinates ``x``: powers of two between ``|x|/256`` and ``|x|/128``.

    Precisely ``2**ratio`` times the largest power of two not above ``|x|`` clipped to
    ``[2**floor, 2**cap]``: proportional to ``|x|`` (the stencil ``x +- 4h`` stays within 3% of
    ``|x|`` of the point, inside a domain edge at 0), with a floor ``2**-3`` for points near 0
    and a cap ``2**2 = 4`` for large ``|x|`` (beyond ``2**40`` the step grows with ``|x|``
    again, so that ``x + h`` differs from ``x``). Powers of two make every stencil point
    ``x + j*h`` exact.

    Examples
    --------
    >>> from calclib.derivatives import default_step
    >>> default_step(np.array([0.0, 0.05, 1.0, -3.0, 100.0])) * 2**10
    array([ 1.,  1.,  8., 16., 32.])
    """
    x = np.asarray(x, dtype=float)
    # The largest power of two not above |x| has the exponent bits of x (sign bit masked).
    bits = x.view(np.int64) & _EXPONENT
    low = np.float64(2.0**floor).view(np.int64)
    steps = np.clip(bits, low, np.float64(2.0**cap).view(np.int64))
    if bits.max(initial=low) > np.float64(2.0**40).view(np.int64):
        steps = np.maximum(steps, bits - (40 - cap) * _ONE)
    steps += ratio * _ONE
    return steps.view(np.float64)


def check_steps(func: str, h: Any) -> float | np.ndarray:
    """Return ``h`` (a number or an array of numbers) if every entry is finite and positive."""
    if isinstance(h, str | bytes):
        fail(func, f"h must be a positive number such as 1e-3, got {describe(h)}", TypeError)
    if np.ndim(h) == 0:
        return check_step(func, h)
    try:
        steps = np.asarray(h, dtype=float)
    except (TypeError, ValueError):
        fail(
            func,
            f"h must be a positive number or an array of them, such as 1e-3, got {describe(h)}",
            TypeError,
        )
    wrong = ~(np.isfinite(steps) & (steps > 0))
    if wrong.any():
        fail(func, f"h must be finite positive numbers such as 1e-3, got {steps[wrong][0]!r}")
    return steps


def call(func: str, f: Callable, points: np.ndarray, out_shape: tuple | None = None) -> np.ndarray:
    """Values of ``f`` at a batch of points (axis 0), in one call if f broadcasts.

    ``f`` is called on the whole batch; if it raises or returns the wrong shape, it is called
    point by point instead (so ``lambda x: x @ A @ x`` works), and then an exception raised by f
    propagates unchanged. The result has shape ``(len(points),) + out_shape``.
    """
    count = len(points)
    values = None
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(f(points))
    except Exception:  # f does not broadcast: call it point by point below
        values = None
    if values is not None and (
        values.shape[:1] != (count,)
        or count in values.shape[1:]  # ambiguous: a (n, K) output might be a transposed (K, n)
        or (out_shape is not None and values.shape[1:] != out_shape)
    ):
        values = None
    if values is None:
        with np.errstate(all="ignore"):
            results = [np.asarray(f(point)) for point in points]
        shapes = {result.shape for result in results}
        if len(shapes) > 1:
            fail(func, f"f must return the same shape at every point, got shapes {sorted(shapes)}")
        values = np.stack(results)
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_
    ):
        fail(func, f"f must return numbers, got values of dtype {values.dtype}", TypeError)
    return values


def near_zero_step(x: Any, floor: int = -3, cap: int = 2, ratio: int = -7) -> np.ndarray:
    """Steps without the floor of :func:`default_step` for ``2**-30 <= |x| < 2**floor``, else 0.

    Examples
    --------
    >>> from calclib.derivatives import near_zero_step
    >>> near_zero_step(np.array([0.0, 0.001, 0.05, 0.5])) * 2**17
    array([  0.,   1.,  32.,   0.])
    """
    x = np.asarray(x, dtype=float)
    size = np.abs(x)
    near = (size < 2.0**floor) & (size >= 2.0**-30)  # below 1e-9 counts as 0
    steps = np.zeros(x.shape)
    steps[near] = default_step(x[near], -30, cap, ratio)
    return steps


def _line_derivative(
    func: str,
    evaluate: Callable[[Any, np.ndarray], np.ndarray],
    h: np.ndarray,
    where: Callable[[int], str],
    *,
    width: int = 1,
    adapt: bool = True,
    strict: bool = True,
    error: bool = False,
    near_zero: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The engine: Richardson derivatives at ``t = 0`` of a batch of functions ``g_j(t)``.

    ``evaluate(index, steps)`` returns ``g_j(OFFSETS * steps_j)`` for the lines ``j`` selected
    by ``index`` (``steps`` holds their steps; ``index`` is a slice in the first pass, where the
    steps are still those of ``h``, and an integer array in the retries), as an array of
    shape ``(8, len(steps)) + out``, or ``g_j(CENTERED * steps_j)``, shape ``(9, ...)``: then
    a NaN or infinity at the point itself also counts as f not being finite there. ``h`` holds
    one step per line; ``where(j)`` describes line ``j`` for an error message; ``width`` is the
    number of coordinates of one point.

    With ``adapt``, lines where f is not finite are retried with smaller steps; lines that stay
    non-finite raise an error, or, if not ``strict``, are returned as NaN. ``near_zero`` holds
    optional smaller steps (0 for none) for points closer to 0 than the floor of the step: both
    steps are tried and the result with the smaller error estimate is kept (a domain edge at 0,
    as for ``np.log``, wants the smaller step; ``np.exp`` near 0 the larger).

    Returns the derivatives, shape ``(len(h),) + out``, the error estimates (or None) and the
    steps used.
    """
    lines = len(h)
    h = np.array(h, dtype=float)  # a copy: the retries change it
    if lines == 0:
        return np.zeros(0), (np.zeros(0) if error else None), h
    chunk = max(1, _CHUNK // (len(CENTERED) * width))
    state: dict[str, Any] = {}

    def combine(index: Any, stencil: np.ndarray, estimates: bool) -> None:
        """Store the (undivided) derivative, and if asked its error estimate, of these lines."""
        if not state:
            state["out"] = stencil.shape[2:]
            state["values"] = np.empty((lines,) + state["out"], np.result_type(stencil, float))
        shape = (-1,) + state["out"]
        flat = stencil.reshape(len(stencil), -1)
        value = np.dot(_SIGNED, flat[:8])
        if len(flat) > 8:
            value += 0.0 * flat[8]  # NaN where f is NaN or infinite at the point itself
        state["values"][index] = value.reshape(shape)
        if estimates:
            if "estimate" not in state:
                state["estimate"] = np.full((lines,) + state["out"], np.nan)
            state["estimate"][index] = _estimate(flat, value).reshape(shape)

    def run(index: Any, estimates: bool = error) -> None:
        combine(index, evaluate(index, h[index]), estimates)

    def per_line(array: np.ndarray, index: Any) -> np.ndarray:
        return array[index].reshape(len(h[index]), -1)

    def not_finite(index: Any) -> np.ndarray:
        return ~np.isfinite(per_line(state["values"], index)).all(axis=1)

    for start in range(0, lines, chunk):
        run(slice(start, min(start + chunk, lines)))
    values = state["values"]
    bad = np.flatnonzero(not_finite(slice(None))) if not np.isfinite(values).all() else []
    for attempt in range(_RETRIES + 1):
        if len(bad) == 0:
            break
        if not adapt or attempt == _RETRIES:
            if strict:
                check_finite_values(func, np.nan, where(int(bad[0])))
            break
        # A domain edge is within 4h: find the largest quarter of h that fits, then take a
        # step 32 times smaller, so that the edge is 128 to 512 steps away, as for h ~ |x|/200.
        h[bad] /= 4
        run(bad)
        still = not_finite(bad)
        fits = bad[~still]
        if len(fits):
            h[fits] /= _MARGIN
            run(fits)
            fits = fits[not_finite(fits)]
        bad = np.concatenate([bad[still], fits])
    if near_zero is not None:
        _prefer_smaller_step(state, h, near_zero, run, per_line)
    estimate = state.get("estimate") if error else None
    steps = h.reshape((lines,) + (1,) * len(state["out"]))
    if error:
        estimate /= steps
    values /= steps
    return values, estimate, h


def _estimate(flat: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Error estimate (times h) of ``value``, from its stencil values ``flat`` (rows: offsets).

    The difference from the previous extrapolation level, plus a round-off term.
    """
    lower = np.dot(_LOWER, flat[:3] - flat[4:7])
    size = np.dot(np.abs(_SIGNED), np.abs(flat[:8]))
    return np.abs(value - lower) + 2 * _EPS * size


def _prefer_smaller_step(
    state: dict, h: np.ndarray, near_zero: np.ndarray, run: Callable, per_line: Callable
) -> None:
    """Redo the lines with a smaller ``near_zero`` step; keep it where it estimates better.

    Both steps are evaluated with error estimates (the first again, unless it has one).
    """
    index = np.flatnonzero((near_zero > 0) & (near_zero < h))
    if len(index) == 0:
        return
    if "estimate" not in state or np.isnan(state["estimate"][index]).any():
        run(index, True)
    values, estimate = state["values"], state["estimate"]
    old = values[index], estimate[index], h[index]
    old_value = per_line(values, index) / h[index, None]
    old_error = per_line(estimate, index).max(axis=1) / h[index]
    h[index] = near_zero[index]
    run(index, True)
    new_error = per_line(estimate, index).max(axis=1) / h[index]
    change = np.abs(per_line(values, index) / h[index, None] - old_value).max(axis=1)
    # Better, and consistent with the first value (a step so small that f cannot resolve it
    # can return a derivative 0 with an error estimate 0).
    better = (new_error < old_error) & (change <= old_error + new_error)
    keep = ~better  # also where the new values are NaN
    values[index[keep]], estimate[index[keep]], h[index[keep]] = (part[keep] for part in old)


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
    block of 16384 values). Taught in chapter 1.

    Parameters
    ----------
    f : callable
        Elementwise function of one variable, such as ``np.sin``. If f returns an array of
        shape ``s`` for one number (a path), the result has shape ``x.shape + s``.
    x : float or array_like
        Point(s), any shape.
    method : {"richardson", "complex"}
        ``"richardson"`` (default): Richardson extrapolation of central differences with steps
        h, 2h, 3h, 4h, error ``O(h**8)``, 9 evaluations per point. ``"complex"``: the complex
        step ``Im f(x + ih) / h`` with ``h = 1e-20 max(|x|, 1)``, 1 evaluation per point,
        accurate to round-off when f is analytic and accepts complex input.
    h : float or array_like, optional
        Base step (broadcast against ``x``); default: chosen per point, see the module notes.
    error : bool
        Also return an estimate of the absolute error.

    Returns
    -------
    value : numpy.ndarray
        ``f'(x)``, shape of ``x``.
    error : numpy.ndarray
        Only with ``error=True``: the estimated absolute error, shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> cl.derivative(np.sin, np.array([0.0, np.pi / 3]))  # cos(x)
    array([1. , 0.5])
    >>> value, err = cl.derivative(np.log, 0.05, error=True)  # 1/x, near log's domain edge
    >>> print(f"{value:.12f}", err < 1e-10)
    20.000000000000 True
    >>> float(cl.derivative(np.exp, 1.0, method="complex")) == float(np.exp(1.0))
    True
    """
    func = "derivative"
    check_callable(func, "f", f)
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and np.isfinite(x).all():
        flat = x.reshape(-1)  # a fast path for the common case: no copy
    else:
        flat = as_points(func, x).reshape(-1)
    shape = np.shape(x)
    if method not in ("richardson", "complex"):
        fail(func, f"method must be 'richardson' or 'complex', got {describe(method)}")
    if h is not None:
        h = check_steps(func, h)
    if not isinstance(error, bool):
        fail(func, f"error must be True or False, got {describe(error)}", TypeError)
    near_zero = None
    if h is None:
        steps = default_step(flat, **STEP)
        if method == "complex":
            steps = 1e-20 * np.maximum(np.abs(flat), 1.0)
        elif flat.size and steps.min() <= 2.0 ** (STEP["floor"] + STEP["ratio"]):
            near_zero = near_zero_step(flat, **STEP)  # some |x| is below the floor
    else:
        steps = np.broadcast_to(h, shape).reshape(-1).astype(float)

    def where(j: int) -> str:
        return f"around x = {float(flat[j])!r}"

    if method == "complex":
        value, estimate = _complex_step(func, f, flat, steps, where)
    else:
        evaluate = _stencil_evaluator(func, f, flat)
        value, estimate, _ = _line_derivative(
            func, evaluate, steps, where, adapt=h is None, error=error, near_zero=near_zero
        )
    value = value.reshape(shape + value.shape[1:])
    if error:
        return value, estimate.reshape(value.shape)
    return value


def _stencil_evaluator(func: str, f: Callable, x: np.ndarray) -> Callable:
    """The ``evaluate`` of the engine for an elementwise f at the points ``x`` (1-D)."""
    # x + CENTERED * h as one matrix product, exact when h is a power of two. The first pass
    # (slices of lines) reuses two buffers, so that no large array is allocated per block.
    shifts = np.stack([np.ones_like(CENTERED), CENTERED], axis=1)
    buffers: list[np.ndarray] = []

    def evaluate(index: Any, step: np.ndarray) -> np.ndarray:
        if isinstance(index, slice):
            count = len(step)
            if not buffers or buffers[0].shape[1] < count:
                buffers[:] = [np.empty((2, count)), np.empty(len(CENTERED) * count)]
            pairs = buffers[0][:, :count]
            pairs[0], pairs[1] = x[index], step
            points = buffers[1][: len(CENTERED) * count].reshape(len(CENTERED), count)
            np.dot(shifts, pairs, out=points)
        else:
            points = np.dot(shifts, np.stack([x[index], step]))
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
    return value, 4 * _EPS * np.abs(value)
