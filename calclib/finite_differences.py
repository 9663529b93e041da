"""The finite-difference engine of calclib: one engine for every numerical derivative.

:func:`line_derivative` differentiates a batch of functions of one variable ``t -> g(t)`` at
``t = 0``. The derivative of :mod:`calclib.derivatives` is the derivative of ``t -> f(x + t)``;
a partial derivative that of ``t -> f(x + t e_i)``; gradients, Jacobians, directional and total
derivatives and the Hessian (:mod:`calclib.gradients`, :mod:`calclib.hessians`) are built from
these.

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

from calclib._checks import check_finite_values, check_step, describe, fail

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
_CHUNK = 1 << 15  # function values per call of f: keeps the work arrays in the cache (L2)
_RETRIES = 12  # where f is not finite, quarter the step at most this many times,
_MARGIN = 32.0  # then divide the first step that fits by this margin


_EXPONENT = np.int64(0x7FF0000000000000)  # the exponent bits of a float64
_ONE = np.int64(1 << 52)  # adding this to the bits of a power of two doubles it


STEP = {"floor": -3, "cap": 2, "ratio": -7}  # the options of default_step for a derivative


def default_step(
    x: Any,
    floor: int = -3,
    cap: int = 2,
    ratio: int = -7,
    *,
    out: np.ndarray | None = None,
    huge: bool = True,
) -> np.ndarray:
    """The engine's steps for coordinates ``x``: powers of two between ``|x|/256`` and ``|x|/128``.

    Precisely ``2**ratio`` times the largest power of two not above ``|x|`` clipped to
    ``[2**floor, 2**cap]``: proportional to ``|x|`` (the stencil ``x +- 4h`` stays within 3% of
    ``|x|`` of the point, inside a domain edge at 0), with a floor ``2**-3`` for points near 0
    and a cap ``2**2 = 4`` for large ``|x|`` (beyond ``2**40`` the step grows with ``|x|``
    again, so that ``x + h`` differs from ``x``). Powers of two make every stencil point
    ``x + j*h`` exact. ``out``: an optional float array shaped like ``x`` for the result;
    ``huge=False`` skips the test for ``|x| > 2**40`` (when the caller knows there is none).

    Examples
    --------
    >>> from calclib.finite_differences import default_step
    >>> default_step(np.array([0.0, 0.05, 1.0, -3.0, 100.0])) * 2**10
    array([ 1.,  1.,  8., 16., 32.])
    """
    x = np.ascontiguousarray(x, dtype=float)
    steps = np.empty(x.shape) if out is None else out
    # The largest power of two not above |x| has the exponent bits of x (sign bit masked).
    bits = steps.view(np.int64)
    np.bitwise_and(x.view(np.int64), _EXPONENT, out=bits)
    if huge and bits.size and bits.max() > _bits(40):
        huge = bits - (40 - cap) * _ONE
        np.clip(bits, _bits(floor), _bits(cap), out=bits)
        np.maximum(bits, huge, out=bits)
    else:
        np.maximum(bits, _bits(floor), out=bits)
        np.minimum(bits, _bits(cap), out=bits)
    np.add(bits, ratio * _ONE, out=bits)
    return steps


def _bits(exponent: int) -> np.int64:
    """The bits of the float64 ``2**exponent``."""
    return np.int64((exponent + 1023) << 52)


def check_steps(func: str, h: Any) -> float | np.ndarray:
    """Return ``h`` (a number or an array of numbers) if every entry is finite and positive.

    Examples
    --------
    >>> from calclib.finite_differences import check_steps
    >>> check_steps("derivative", [0.1, 0.01])
    array([0.1 , 0.01])
    >>> check_steps("derivative", 0)
    Traceback (most recent call last):
    ...
    ValueError: derivative: h must be a finite positive number such as 1e-3, got 0.0
    """
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


def call(func: str, f: Callable, points: np.ndarray) -> np.ndarray:
    """Values of ``f`` at a batch of points (axis 0), in one call if f broadcasts.

    ``f`` is called on the whole batch; if it raises or returns the wrong shape, it is called
    point by point instead (so ``lambda x: x @ A @ x`` works), and then an exception raised by f
    propagates unchanged. The result has shape ``(len(points),) + (shape of one value)``.

    Examples
    --------
    >>> from calclib.finite_differences import call
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> call("gradient", lambda x: x @ A @ x, np.array([[1.0, 1.0], [1.0, 2.0]]))  # per point
    array([3., 6.])
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
    ):
        values = None
    if values is None:
        with np.errstate(all="ignore"):
            results = [np.asarray(f(point)) for point in points]
        shapes = {result.shape for result in results}
        if len(shapes) > 1:
            fail(func, f"f must return the same shape at every point, got shapes {sorted(shapes)}")
        values = np.stack(results)
    if values.dtype.kind not in "fciub":  # float, complex, integer, boolean
        fail(func, f"f must return numbers, got values of dtype {values.dtype}", TypeError)
    return values


def near_zero_step(x: Any, floor: int = -3, cap: int = 2, ratio: int = -7) -> np.ndarray:
    """Steps without the floor of :func:`default_step` for ``2**-30 <= |x| < 2**floor``, else 0.

    Examples
    --------
    >>> from calclib.finite_differences import near_zero_step
    >>> near_zero_step(np.array([0.0, 0.001, 0.05, 0.5])) * 2**17
    array([  0.,   1.,  32.,   0.])
    """
    x = np.ascontiguousarray(x, dtype=float)
    steps = np.zeros(x.shape)
    near = near_zero(x, floor)
    steps[near] = default_step(x[near], -30, cap, ratio)
    return steps


def near_zero(x: np.ndarray, floor: int = -3, **_: Any) -> np.ndarray:
    """Positions in the 1-D float array ``x`` of the values with ``2**-30 <= |x| < 2**floor``.

    Examples
    --------
    >>> from calclib.finite_differences import near_zero
    >>> near_zero(np.array([0.0, 0.01, -0.1, 1.0]))
    array([1, 2])
    """
    bits = np.bitwise_and(np.ascontiguousarray(x).view(np.int64), _EXPONENT)
    if not bits.size or bits.min() >= _bits(floor):  # a quick test: usually no point is near 0
        return np.zeros(0, int)
    return np.flatnonzero((bits < _bits(floor)) & (bits >= _bits(-30)))  # 1e-9 counts as 0


def line_derivative(
    func: str,
    evaluate: Callable[[Any, np.ndarray], np.ndarray],
    count: int,
    step_of: Callable[[Any], np.ndarray],
    where: Callable[[int], str],
    *,
    width: int = 1,
    adapt: bool = True,
    strict: bool = True,
    error: bool = False,
    near_lines: Callable[[Any], np.ndarray] | None = None,
    near_steps: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None, Callable[[], np.ndarray]]:
    """The engine: Richardson derivatives at ``t = 0`` of ``count`` functions ``g_j(t)``.

    ``evaluate(index, steps)`` returns ``g_j(OFFSETS * steps_j)`` for the lines ``j`` selected
    by ``index`` (a slice or an integer array; ``steps`` holds their steps), as an array of shape
    ``(8, len(steps)) + out``, or ``g_j(CENTERED * steps_j)``, shape ``(9, ...)``: then a NaN
    or infinity at the point itself also counts as f not being finite there. ``step_of(index)``
    gives the default steps of lines; ``where(j)`` describes line ``j`` for an error message;
    ``width`` is the number of coordinates of one point.

    The lines are computed in blocks of about ``_CHUNK`` function values, and only the result
    is as large as the batch: every extra large array can cost page faults worth several
    calls of a cheap f.

    With ``adapt``, lines where f is not finite are retried with smaller steps; lines that stay
    non-finite raise an error, or, if not ``strict``, are returned as NaN.
    ``near_lines(index)`` gives the positions in a block of the lines whose points are closer
    to 0 than the floor of the step, and ``near_steps(lines)`` smaller steps for them: both
    steps are tried with error estimates and the better result is kept (a domain edge at 0,
    as for ``np.log``, wants the smaller step; ``np.exp`` near 0 the larger).

    Returns the derivatives, shape ``(count,) + out``, the error estimates (or None) and a
    function that returns the steps used.

    Examples
    --------
    The derivatives of ``t -> sin(x + t)`` at 0, that is ``cos(x)``:

    >>> from calclib.finite_differences import OFFSETS, default_step, line_derivative
    >>> x = np.array([0.0, 1.0])
    >>> def evaluate(index, h):
    ...     return np.sin(x[index] + OFFSETS[:, None] * h)
    >>> value, _, _ = line_derivative("example", evaluate, 2, lambda i: default_step(x[i]), str)
    >>> np.allclose(value, np.cos(x), rtol=1e-13)
    True
    """
    chunk = max(1, _CHUNK // (len(CENTERED) * width))
    result: dict[str, np.ndarray] = {}
    changed: list[tuple[np.ndarray, np.ndarray]] = []  # (lines, steps) that left the default

    def compute(index: Any, h: np.ndarray, estimates: bool) -> tuple[np.ndarray, Any]:
        stencil = evaluate(index, h)
        flat = stencil.reshape(len(stencil), -1)
        value = np.dot(_SIGNED, flat[:8])
        if len(flat) > 8:
            value += 0.0 * flat[8]  # NaN where f is NaN or infinite at the point itself
        estimate = _estimate(flat, value) if estimates else None
        shape = (len(h),) + stencil.shape[2:]
        value = value.reshape(len(h), -1)
        value /= h[:, None]
        if estimates:
            estimate = estimate.reshape(len(h), -1) / h[:, None]
        return value.reshape(shape), (estimate.reshape(shape) if estimates else None)

    def store(index: Any, value: np.ndarray, estimate: Any) -> None:
        if not result:
            result["values"] = np.empty((count,) + value.shape[1:], value.dtype)
            if error:
                result["estimate"] = np.empty((count,) + value.shape[1:])
        result["values"][index] = value
        if error:
            result["estimate"][index] = estimate

    def not_finite(value: np.ndarray) -> np.ndarray:
        return ~np.isfinite(value.reshape(len(value), -1)).all(axis=1)

    near_parts = []
    for start in range(0, count, chunk):
        index = slice(start, min(start + chunk, count))
        h = step_of(index)
        if near_lines is not None:
            near = near_lines(index)
            if len(near):
                near_parts.append(start + near)
        if result and not error:  # the common case: write straight into the result
            _combine_into(result["values"][index], evaluate(index, h), h)
        else:
            store(index, *compute(index, h, error))
    if not result:  # no lines at all
        return np.zeros(0), (np.zeros(0) if error else None), lambda: np.zeros(0)
    values = result["values"]
    bad_parts = [] if np.isfinite(values).all() else [np.flatnonzero(not_finite(values))]
    bad = np.concatenate(bad_parts) if bad_parts else np.zeros(0, int)
    h = step_of(bad)
    for attempt in range(_RETRIES + 1):
        if len(bad) == 0:
            break
        if not adapt or attempt == _RETRIES:
            if strict:
                check_finite_values(func, np.nan, where(int(bad[0])))
            break
        # A domain edge is within 4h: find the largest quarter of h that fits, then take a
        # step 32 times smaller, so that the edge is 128 to 512 steps away, as for h ~ |x|/200.
        h = h / 4
        value, estimate = compute(bad, h, error)
        fits = ~not_finite(value)
        if fits.any():
            h[fits] /= _MARGIN
            value[fits], more = compute(bad[fits], h[fits], error)
            if error:
                estimate[fits] = more
        store(bad, value, estimate)
        done = ~not_finite(value)
        changed.append((bad[done], h[done]))
        bad, h = bad[~done], h[~done]

    if near_parts:
        lines = np.concatenate(near_parts)
        _prefer_smaller_step(lines, near_steps(lines), step_of, changed, compute, store)

    def steps_used() -> np.ndarray:
        steps = np.array(step_of(slice(0, count)))
        for lines, new_steps in changed:
            steps[lines] = new_steps
        return steps

    return result["values"], result.get("estimate"), steps_used


def _combine_into(target: np.ndarray, stencil: np.ndarray, h: np.ndarray) -> None:
    """Write the derivatives of a block of lines into ``target``, with few temporary arrays."""
    flat = stencil.reshape(len(stencil), -1)
    rows = target.reshape(len(h), -1)
    if target.flags.c_contiguous and flat.dtype == target.dtype:
        np.dot(_SIGNED, flat[:8], out=target.reshape(-1))
    else:
        rows[...] = np.dot(_SIGNED, flat[:8]).reshape(rows.shape)
    if len(flat) > 8:
        rows += 0.0 * flat[8].reshape(rows.shape)  # NaN where f is not finite at the point
    rows /= h[:, None]


def _estimate(flat: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Error estimate (times h) of ``value``, from its stencil values ``flat`` (rows: offsets).

    The difference from the previous extrapolation level, plus a round-off term.
    """
    lower = np.dot(_LOWER, flat[:3] - flat[4:7])
    size = np.dot(np.abs(_SIGNED), np.abs(flat[:8]))
    return np.abs(value - lower) + 2 * _EPS * size


def _prefer_smaller_step(
    index: np.ndarray,
    small: np.ndarray,
    step_of: Callable,
    changed: list,
    compute: Callable,
    store: Callable,
) -> None:
    """Redo the lines ``index`` with their smaller step; keep it where it estimates better."""
    h = step_of(index)
    for lines, steps in changed:  # the retries near a domain edge may have shrunk h already
        position = np.searchsorted(index, lines)
        inside = (position < len(index)) & (index[np.minimum(position, len(index) - 1)] == lines)
        h[position[inside]] = steps[inside]
    keep = (small > 0) & (small < h)
    index, h, small = index[keep], h[keep], small[keep]
    if len(index) == 0:
        return
    old_value, old_estimate = compute(index, h, True)
    new_value, new_estimate = compute(index, small, True)

    def per_line(array: np.ndarray) -> np.ndarray:
        return array.reshape(len(index), -1)

    old_error = per_line(old_estimate).max(axis=1)
    new_error = per_line(new_estimate).max(axis=1)
    change = np.abs(per_line(new_value) - per_line(old_value)).max(axis=1)
    # Better, and consistent with the first value (a step so small that f cannot resolve it
    # can return a derivative 0 with an error estimate 0). NaN compares False: keeps the old.
    better = (new_error < old_error) & (change <= old_error + new_error)
    value = np.where(better.reshape((-1,) + (1,) * (old_value.ndim - 1)), new_value, old_value)
    estimate = np.where(better.reshape((-1,) + (1,) * (old_value.ndim - 1)), new_estimate,
                        old_estimate)
    store(index, value, estimate)
    changed.append((index, np.where(better, small, h)))
