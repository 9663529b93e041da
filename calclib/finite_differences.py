"""The finite-difference engine of calclib: one engine for every numerical derivative.

:func:`line_derivative` differentiates a batch of functions of one variable ``t -> g(t)`` at
``t = 0``. The derivative of :mod:`calclib.derivatives` is the derivative of ``t -> f(x + t)``;
a partial derivative that of ``t -> f(x + t e_i)``; gradients, Jacobians, directional and total
derivatives and the Hessian (:mod:`calclib.gradients`, :mod:`calclib.hessians`) are built from
these.

How the engine works
--------------------
For a step ``h`` the central differences ``D(jh) = (g(jh) - g(-jh)) / (2jh)``, ``j = 1, ..., L``
have errors in even powers of the step. Richardson extrapolation of these ``L`` values to step
0 (the polynomial in ``(jh)**2`` through them, evaluated at 0) removes the ``h**2``, ...,
``h**(2L-2)`` terms: the result has error ``O(h**(2L))`` and costs ``2L`` function values per
point, plus the value at the point itself, which is only checked to be finite (a pole at x is
an error, not a large number). The previous extrapolation level (error ``O(h**(2L-2))``)
gives the error estimate: the difference of the two levels plus a round-off term
``2 eps sum_j |w_j| |g(+-jh)| / h``. The estimate is an upper bound, pessimistic by a factor
that grows as the step shrinks (often a thousand).

Two :class:`Stencil` objects balance round-off ``eps |f| / h`` against truncation:

- ``ELEMENTWISE`` (:func:`~calclib.derivative`, f of one variable): ``L = 3``, so 7 function
  values per point and error ``O(h**6)``, with steps between ``|x|/512`` and ``|x|/256``
  (``|x|`` clipped to ``[1/16, 4]``); the stencil ``x +- 3h`` stays within 1.2% of ``|x|``.
- ``GENERAL`` (partial derivatives, gradients, Jacobians, directional and total derivatives):
  ``L = 4``, 9 values per point, error ``O(h**8)``, with steps twice as large, between
  ``|x|/256`` and ``|x|/128`` (``|x|`` clipped to ``[1/8, 4]``). A function of a vector is
  often a sum (a loss) far larger than one coordinate's effect on it, so round-off relative to
  ``|f|`` limits the accuracy, and the larger step pays for its two extra evaluations.

The step (:func:`default_step`) is a power of two, so that ``x + j*h`` is exact (except just
below a power of two, where it is rounded once); proportional to ``|x|``, so that the stencil
stays inside a domain edge at 0 (``np.log`` at ``x = 0.05``); capped for large ``|x|``; and
with a floor for points near 0, where round-off ``1e-16 |f| / h`` would grow. For ``|x|`` below
the floor both steps are tried, the floor and the one proportional to ``|x|``, with error
estimates (3 times the evaluations), and the result with the smaller error estimate is kept:
``np.exp`` at 0.01 prefers the first, ``np.log`` at 0.01 the second. The constants balance
round-off against truncation on the suite of ``benchmarks/accuracy.py``.

Where f returns NaN or infinity on the stencil (a domain edge closer than ``Lh``), the engine
quarters the step of those points until the stencil fits, at most 12 times, then divides it by
32 more, so that the edge is again a few hundred steps away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from calclib._checks import check_finite_values, check_step, describe, fail

_EPS = np.finfo(float).eps


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


@dataclass(frozen=True, eq=False)
class Stencil:
    """Richardson extrapolation of the central differences with steps ``h, 2h, ..., Lh``.

    ``offsets`` are the points ``h, ..., Lh, -h, ..., -Lh`` in units of h; ``centered`` adds
    the point itself (0), where f is only checked to be finite; ``weights`` give the
    derivative ``sum_j w_j (g(jh) - g(-jh)) / h``, error ``O(h**(2L))``; ``step`` holds the
    options of :func:`default_step` that suit it.

    Examples
    --------
    >>> from calclib.finite_differences import ELEMENTWISE, GENERAL
    >>> ELEMENTWISE.weights * 60, len(ELEMENTWISE.centered), len(GENERAL.centered)
    (array([45., -9.,  1.]), 7, 9)
    """

    levels: int
    step: dict

    def __post_init__(self) -> None:
        j = np.arange(1, self.levels + 1)
        weights = _richardson_weights(j)
        lower = _richardson_weights(j[:-1])
        offsets = np.concatenate([j, -j]).astype(float)
        for name, value in [
            ("weights", weights),
            ("lower", lower),  # one level less: the error estimate
            ("signed", np.concatenate([weights, -weights])),  # the weights of the offsets
            ("offsets", offsets),
            ("centered", np.append(offsets, 0.0)),
        ]:
            value.flags.writeable = False
            object.__setattr__(self, name, value)


# f of one variable, elementwise (derivative): 7 evaluations per point, error O(h**6), steps
# |x|/512 to |x|/256 with |x| clipped to [1/16, 4].
ELEMENTWISE = Stencil(3, {"floor": -4, "cap": 2, "ratio": -8})
# f of a vector (partial derivatives, gradients, Jacobians, directional and total
# derivatives): its value is often a sum much larger than one term's change, so round-off
# |f| eps / h limits the accuracy, and a step twice as large with one more level
# (9 evaluations, error O(h**8)) pays: steps |x|/256 to |x|/128, |x| clipped to [1/8, 4].
GENERAL = Stencil(4, {"floor": -3, "cap": 2, "ratio": -7})

# Function values per call of f. A NumPy ufunc writes its values into the workspace (no
# allocation at all), so its blocks can be large: 2**17 values (1 MiB), which keeps the
# per-call overhead of the dozen NumPy calls of a block small. Any other f may build temporaries of
# the block's size, and freed blocks above 256 KiB tend to go back to the operating system:
# each block would then pay a page fault per 4 KiB, about 5 ns per value, several times a
# cheap f itself. So other functions get blocks of 2**15 values (256 KiB).
_UFUNC_BLOCK = 1 << 17
_BLOCK = 1 << 15
_RETRIES = 12  # where f is not finite, quarter the step at most this many times,
_MARGIN = 32.0  # then divide the first step that fits by this margin


_EXPONENT = np.int64(0x7FF0000000000000)  # the exponent bits of a float64
_ONE = np.int64(1 << 52)  # adding this to the bits of a power of two doubles it


def default_step(
    x: Any,
    floor: int = -3,
    cap: int = 2,
    ratio: int = -7,
    *,
    out: np.ndarray | None = None,
    span: tuple[float, float] | None = None,
) -> np.ndarray:
    """The engine's steps for coordinates ``x``: powers of two between ``|x|/256`` and ``|x|/128``.

    Precisely ``2**ratio`` times the largest power of two not above ``|x|`` clipped to
    ``[2**floor, 2**cap]``: proportional to ``|x|`` (the stencil ``x +- 4h`` stays within 3%
    of ``|x|`` of the point, inside a domain edge at 0), with a floor ``2**-3`` for points near
    0 and a cap ``2**2 = 4`` for large ``|x|`` (beyond ``2**40`` the step grows with ``|x|``
    again, so that ``x + h`` differs from ``x``). Powers of two keep ``x + j*h`` exact, except
    within ``3h`` below a power of two, where it is rounded to the nearer of two neighbours.
    ``out``: an optional float array shaped like ``x`` for the result; ``span``: the smallest
    and largest ``|x|``, if the caller knows them (then the clipping is skipped where no point
    needs it: each pass over the points costs about as much as a cheap f).

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
    if span is None:
        huge = bool(bits.size) and bits.max() > _bits(40)
        raise_small = lower_large = True
    else:
        huge = span[1] >= 2.0**41
        raise_small, lower_large = span[0] < 2.0**floor, span[1] >= 2.0 ** (cap + 1)
    if huge:
        grown = bits - (40 - cap) * _ONE
        np.clip(bits, _bits(floor), _bits(cap), out=bits)
        np.maximum(bits, grown, out=bits)
    else:
        if raise_small:
            np.maximum(bits, _bits(floor), out=bits)
        if lower_large:
            np.minimum(bits, _bits(cap), out=bits)
    np.add(bits, ratio * _ONE, out=bits)
    return steps


def _bits(exponent: int) -> np.int64:
    """The bits of the float64 ``2**exponent``."""
    return np.int64((exponent + 1023) << 52)


_WORKSPACE = threading.local()


@contextmanager
def workspace(size: int) -> Iterator[np.ndarray]:
    """A float array of at least ``size`` entries, kept between calls (one per thread).

    Fresh memory costs a page fault per 4 KiB on first touch, about 5 ns per float: more than
    evaluating a cheap f there. The stencils of the blocks are written into this array instead.
    A nested call (an f that itself differentiates) gets a new array.

    Examples
    --------
    >>> from calclib.finite_differences import workspace
    >>> with workspace(10) as outer, workspace(10) as inner:
    ...     outer is inner
    False
    """
    if getattr(_WORKSPACE, "busy", False):
        yield np.empty(size)
        return
    array = getattr(_WORKSPACE, "array", None)
    if array is None or len(array) < size:
        array = _WORKSPACE.array = np.empty(size)
    _WORKSPACE.busy = True
    try:
        yield array
    finally:
        _WORKSPACE.busy = False


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
        results = []
        for point in points:
            with np.errstate(all="ignore"):
                value = f(point)
            try:
                results.append(np.asarray(value))
            except ValueError:  # ragged, such as [x[0], [x[1], 1]]
                fail(
                    func,
                    f"f must return a number or an array of numbers, got {describe(value)} "
                    "whose entries have different shapes; return one flat list of numbers",
                )
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


def block_lines(f: Any = None, width: int = 1, stencil: Stencil | None = None) -> int:
    """Lines per block of :func:`line_derivative` for ``f``, at points of ``width`` coordinates.

    Examples
    --------
    >>> from calclib.finite_differences import ELEMENTWISE, block_lines
    >>> block_lines(np.exp, stencil=ELEMENTWISE), block_lines(lambda x: 1 / (1 + x**2))
    (18724, 3640)
    """
    values = _UFUNC_BLOCK if isinstance(f, np.ufunc) else _BLOCK
    return max(1, values // (len((stencil or GENERAL).centered) * width))


@np.errstate(all="ignore")  # f may return NaN or inf: found and reported, never warned about
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
    stencil: Stencil = GENERAL,
    block: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None, Callable[[], np.ndarray]]:
    """The engine: Richardson derivatives at ``t = 0`` of ``count`` functions ``g_j(t)``.

    ``evaluate(index, steps)`` returns ``g_j(stencil.offsets * steps_j)`` for the lines ``j``
    selected by ``index`` (a slice or an integer array; ``steps`` holds their steps), as an
    array of shape ``(len(offsets), len(steps)) + out``, or ``g_j(stencil.centered * steps_j)``,
    with one row more: then a NaN or infinity at the point itself also counts as f not being
    finite there. ``step_of(index)`` gives the default steps of lines; ``where(j)`` describes
    line ``j`` for an error message; ``width`` is the number of coordinates of one point.

    The lines are computed in blocks of ``block`` lines (default :func:`block_lines`), and
    only the result is as large as the batch: every extra large array can cost page faults
    worth several calls of a cheap f.

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

    >>> from calclib.finite_differences import GENERAL, default_step, line_derivative
    >>> x = np.array([0.0, 1.0])
    >>> def evaluate(index, h):
    ...     return np.sin(x[index] + GENERAL.offsets[:, None] * h)
    >>> value, _, _ = line_derivative("example", evaluate, 2, lambda i: default_step(x[i]), str)
    >>> np.allclose(value, np.cos(x), rtol=1e-13)
    True
    """
    chunk = block or block_lines(width=width, stencil=stencil)
    signed, rows = stencil.signed, len(stencil.offsets)
    result: dict[str, np.ndarray] = {}
    changed: list[tuple[np.ndarray, np.ndarray]] = []  # (lines, steps) that left the default

    def compute(index: Any, h: np.ndarray, estimates: bool) -> tuple[np.ndarray, Any]:
        values = evaluate(index, h)
        flat = values.reshape(len(values), -1)
        value = np.dot(signed, flat[:rows])
        if len(flat) > rows:
            value += 0.0 * flat[rows]  # NaN where f is NaN or infinite at the point itself
        estimate = _estimate(stencil, flat, value) if estimates else None
        shape = (len(h),) + values.shape[2:]
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
            _combine_into(signed, result["values"][index], evaluate(index, h), h)
        else:
            store(index, *compute(index, h, error))
    if not result:  # no lines at all
        return np.zeros(0), (np.zeros(0) if error else None), lambda: np.zeros(0)
    values = result["values"]
    # a sum is one quick pass, and NaN or infinite if a value is (or if they overflow)
    total = np.add.reduce(values, axis=None) if values.dtype.kind != "O" else np.nan
    bad_parts = [] if np.isfinite(total) else [np.flatnonzero(not_finite(values))]
    bad = np.concatenate(bad_parts) if bad_parts else np.zeros(0, int)
    h = step_of(bad)
    for attempt in range(_RETRIES + 1):
        if len(bad) == 0:
            break
        if not adapt or attempt == _RETRIES:
            if strict:
                check_finite_values(func, np.nan, where(int(bad[0])))
            break
        # A domain edge is within Lh: find the largest quarter of h that fits, then take a
        # step 32 times smaller, so that the edge is 32 L to 128 L steps away, as for the
        # default steps (about |x| / 256).
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


def _combine_into(
    signed: np.ndarray, target: np.ndarray, values: np.ndarray, h: np.ndarray
) -> None:
    """Write the derivatives of a block of lines into ``target``, with few temporary arrays.

    ``values`` are f on the stencil whose weights are ``signed``, and maybe at the point.
    """
    flat = values.reshape(len(values), -1)
    rows = target.reshape(len(h), -1)
    count = len(signed)
    if target.flags.c_contiguous and flat.dtype == target.dtype:
        np.dot(signed, flat[:count], out=target.reshape(-1))
    else:
        rows[...] = np.dot(signed, flat[:count]).reshape(rows.shape)
    rows /= h[:, None]
    if len(flat) > count:
        finite = np.isfinite(flat[count])
        if not finite.all():  # NaN where f is NaN or infinite at the point itself
            rows[~finite.reshape(rows.shape)] = np.nan


def _estimate(stencil: Stencil, flat: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Error estimate (times h) of ``value``, from its stencil values ``flat`` (rows: offsets).

    The difference from the previous extrapolation level, plus a round-off term.
    """
    levels = stencil.levels
    lower = np.dot(stencil.lower, flat[: levels - 1] - flat[levels : 2 * levels - 1])
    size = np.dot(np.abs(stencil.signed), np.abs(flat[: 2 * levels]))
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
