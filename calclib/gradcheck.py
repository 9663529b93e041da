"""Checking a hand-written gradient against the numerical one (chapters 2, 3, 5 and 7).

:func:`gradient_check` compares ``grad(x)`` with the gradient computed by the engine of
:mod:`calclib.finite_differences` (accurate to about 1e-10 relative or better) and returns a
:class:`GradCheckReport`.

A component passes when ``|hand-written - numerical| <= atol + rtol |numerical| + e``, where
``e`` is the engine's estimate of its own error (``rtol = 1e-6``, ``atol = 1e-8`` by default).
A wrong formula typically misses by far more, a correct one by far less.

For a square matrix ``x``, a failing gradient that would pass once transposed (while the
numerical gradient is not symmetric) gets a ``hint`` saying so: the classic slip of writing
``A`` for the gradient of ``trace(A @ X)``, which is ``A.T``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from calclib._checks import check_callable, check_tolerances, describe, fail
from calclib.matrix_calculus import entry_gradient

__all__ = ["GradCheckReport", "gradient_check"]


@dataclass(frozen=True, eq=False)
class GradCheckReport:
    """The result of :func:`gradient_check`; ``bool(report)`` is ``report.passed``.

    Attributes
    ----------
    passed : bool
        Whether every component is within the tolerance.
    max_abs_error : float
        Largest ``|hand-written - numerical|``.
    max_rel_error : float
        Largest ``|hand-written - numerical| / max(|hand-written|, |numerical|)`` (0 where
        both are 0).
    worst : tuple
        The worst components, worst first, as ``(index, hand_written, numerical)``.
    step : numpy.ndarray
        The finite-difference step used for each coordinate, shaped like ``x``.
    numerical : numpy.ndarray
        The numerical gradient, shaped like ``x``.
    rtol : float
        The relative tolerance.
    atol : float
        The absolute tolerance.
    hint : str
        A likely cause of the failure, shown by ``print(report)``: for a square matrix ``x``,
        that the hand-written gradient matches the numerical one transposed. Empty when none
        is seen.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> report = cl.gradient_check(lambda x: np.sum(x ** 3), lambda x: 3 * x ** 2, [1.0, 2.0])
    >>> bool(report), report.max_rel_error < 1e-10
    (True, True)
    """

    passed: bool
    max_abs_error: float
    max_rel_error: float
    worst: tuple
    step: np.ndarray
    numerical: np.ndarray
    rtol: float
    atol: float
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        # At most 72 characters a line, the width of the book's output boxes.
        lines = [
            f"gradient check {verdict}: max abs error {self.max_abs_error:.2e}, "
            f"max rel error {self.max_rel_error:.2e}",
            "  passes where |hand-written - numerical| <= atol + rtol |numerical|",
            f"    + estimated error of numerical; atol = {self.atol:.3g}, rtol = {self.rtol:.3g}",
            "  worst components (index: hand-written vs numerical):",
        ]
        for index, hand, numeric in self.worst:
            lines.append(f"    {index}: {hand:.10g} vs {numeric:.10g}")
        if self.hint:
            lines += textwrap.wrap(self.hint, 72, initial_indent="  hint: ",
                                   subsequent_indent="    ")
        low, high = float(np.min(self.step)), float(np.max(self.step))
        span = f"{low:.3g}" if low == high else f"{low:.3g} to {high:.3g}"
        lines.append(f"  step: {span} (Richardson-extrapolated differences)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return (
            f"<GradCheckReport {verdict}: max abs error {self.max_abs_error:.2e}, "
            f"max rel error {self.max_rel_error:.2e}>"
        )


def _within(
    hand: np.ndarray, numerical: np.ndarray, estimate: np.ndarray, rtol: float, atol: float
) -> bool:
    """The pass test of every component: ``|hand - numerical| <= atol + rtol |numerical| + e``."""
    return bool(np.all(np.abs(hand - numerical) <= atol + rtol * np.abs(numerical) + estimate))


def _hint(
    hand: np.ndarray, numerical: np.ndarray, estimate: np.ndarray, rtol: float, atol: float
) -> str:
    """Why a failing gradient fails, when it can be told: so far, a transposed gradient."""
    square = hand.ndim == 2 and hand.shape[0] == hand.shape[1]
    if (
        square
        and _within(hand.T, numerical, estimate, rtol, atol)
        # A gradient symmetric within the tolerances is its own transpose: no hint.
        and not _within(numerical.T, numerical, estimate, rtol, atol)
    ):
        return "your gradient matches the numerical one transposed; return its transpose (.T)"
    return ""


def gradient_check(
    f: Callable,
    grad: Callable,
    x: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    worst: int = 3,
) -> GradCheckReport:
    """Compare a hand-written gradient ``grad(x)`` with the numerical gradient of ``f``.

    First used in chapter 2 (backpropagation), then in chapters 3 and 5, and in chapter 7 on a real
    loss. ``x`` is one point of any shape (a vector, or a weight matrix): f takes an array shaped
    like ``x`` and returns a scalar, grad returns an array shaped like ``x``.

    Parameters
    ----------
    f : callable
        Scalar function.
    grad : callable
        The hand-written gradient of f.
    x : array_like
        The point.
    rtol : float
        Relative tolerance: a component passes when ``|hand-written - numerical| <= atol +
        rtol |numerical| + e``, with ``e`` the estimated error of the numerical value.
    atol : float
        Absolute tolerance in that test.
    worst : int
        How many of the worst components the report lists.

    Returns
    -------
    GradCheckReport
        Errors, worst components, verdict and step; ``print(report)`` shows a summary, with a
        hint when ``x`` is a square matrix and grad returns the gradient transposed.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> f = lambda w: np.sum(np.tanh(w) ** 2)
    >>> wrong = lambda w: 2 * np.tanh(w)  # forgot the factor 1 - tanh(w)**2
    >>> report = cl.gradient_check(f, wrong, [0.5, -1.0])
    >>> bool(report)
    False
    >>> print(report)
    gradient check FAILED: max abs error 8.83e-01, max rel error 5.80e-01
      passes where |hand-written - numerical| <= atol + rtol |numerical|
        + estimated error of numerical; atol = 1e-08, rtol = 1e-06
      worst components (index: hand-written vs numerical):
        (1,): -1.523188312 vs -0.6397000084
        (0,): 0.9242343145 vs 0.7268619814
      step: 0.00391 to 0.00781 (Richardson-extrapolated differences)

    The gradient of ``trace(A @ X)`` is ``A.T``, not ``A``:

    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> cl.gradient_check(lambda X: np.trace(A @ X), lambda X: A, np.eye(2)).hint
    'your gradient matches the numerical one transposed; return its transpose (.T)'
    """
    func = "gradient_check"
    check_callable(func, "grad", grad)
    check_tolerances(func, rtol=rtol, atol=atol)
    if isinstance(worst, bool) or not isinstance(worst, int | np.integer) or worst < 1:
        fail(func, f"worst must be a positive integer, got {describe(worst)}")
    numerical, steps, estimate = entry_gradient(func, f, x, error=True)
    hand = np.asarray(grad(np.array(x, dtype=float)))  # an exception here is the user's own
    if hand.dtype == object or not np.issubdtype(hand.dtype, np.number):
        fail(func, f"grad(x) must return numbers, got {describe(hand)}", TypeError)
    if hand.shape != numerical.shape:
        advice = "; return one partial derivative per coordinate of x"
        if hand.ndim == 2 and hand.shape == numerical.shape[::-1]:
            advice = (", x's shape transposed; if it is the gradient transposed, return its "
                      "transpose (.T)")
        fail(
            func,
            f"grad(x) must return an array shaped like x, {numerical.shape}, got shape "
            f"{hand.shape}{advice}",
        )
    if np.iscomplexobj(hand) and np.any(hand.imag != 0):
        fail(
            func,
            "grad(x) must return real numbers, got complex values; a gradient of a real f is "
            "real (take .real only if the imaginary parts are round-off)",
            TypeError,
        )
    if not np.all(np.isfinite(hand)):
        fail(func, "grad(x) returned NaN or infinity; the hand-written gradient must be finite")
    hand = hand.real.astype(float)
    diff = np.abs(hand - numerical)
    size = np.maximum(np.abs(hand), np.abs(numerical))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(size > 0, diff / size, 0.0)
    passed = _within(hand, numerical, estimate, rtol, atol)
    order = np.argsort(-diff, axis=None, kind="stable")[: int(worst)]
    listed = tuple(
        (index, float(hand[index]), float(numerical[index]))
        for index in (np.unravel_index(k, hand.shape) for k in order)
    )
    listed = tuple((tuple(int(i) for i in index), h, n) for index, h, n in listed)
    return GradCheckReport(
        passed=passed,
        max_abs_error=float(diff.max(initial=0.0)),
        max_rel_error=float(rel.max(initial=0.0)),
        worst=listed,
        step=steps,
        numerical=numerical,
        rtol=float(rtol),
        atol=float(atol),
        hint="" if passed else _hint(hand, numerical, estimate, rtol, atol),
    )
