"""Checking a hand-written gradient against the numerical one (chapters 2, 3, 5 and 7).

:func:`gradient_check` compares ``grad(x)`` with the gradient computed by the engine of
:mod:`calclib.finite_differences` (accurate to about 1e-10 relative or better) and returns a
:class:`GradCheckReport`.

A component passes when ``|hand-written - numerical| <= atol + rtol |numerical| + e``, where
``e`` is the engine's estimate of its own error (``rtol = 1e-6``, ``atol = 1e-8`` by default).
A wrong formula typically misses by far more, a correct one by far less.

A failing gradient gets a ``hint`` when the data show a likely cause, each hint a statement
that the check itself confirms (it uses the same pass test):

- transposed: for a square matrix ``x``, the gradient would pass once transposed (while the
  numerical gradient is not symmetric), the slip of writing ``A`` for the gradient of
  ``trace(A @ X)``, which is ``A.T``;
- a constant factor: the gradient would pass once divided by one number ``c``, the same for
  every component, such as the forgotten 2 of ``d/dx x**2`` (``c = 0.5``) or the forgotten
  ``1/m`` of a mean (``c = m``); ``c = -1`` is a sign error. It is named as a simple fraction
  when one passes (``1/3``, not ``0.3333333``), else as the shortest decimal that passes. It
  needs two components or more where the numerical gradient is clearly not zero (any two
  numbers differ by some factor) and a hand-written gradient that is not about zero;
- some components: at most a third of the components fail, the others pass; the hint lists
  the failing ones by index in ``x``'s shape.

The first that applies, in this order, is given.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from calclib._checks import check_callable, check_tolerances, describe, fail
from calclib.matrix_calculus import entry_gradient

__all__ = ["GradCheckReport", "gradient_check"]

# A component's index as the report prints it: (3,) or (0, 1).
_INDEX = re.compile(r"\(\d+(?:, \d+)*,?\)")
# A constant factor is named as a fraction p/q (an integer when q = 1) when c or 1/c has a
# denominator up to _MAX_DENOMINATOR and a numerator up to _MAX_NUMERATOR, else as a decimal.
_MAX_DENOMINATOR = 12
_MAX_NUMERATOR = 10**6


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
        A likely cause of the failure, shown by ``print(report)``: the hand-written gradient
        matches the numerical one transposed, or times a constant factor (-1: the opposite
        sign), or only a few components are wrong. Empty when none is seen, and always when
        the check passes.

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
            # An index such as (0, 1) stays on one line: its spaces are not break points.
            hint = _INDEX.sub(lambda m: m.group().replace(" ", "\0"), self.hint)
            wrapped = textwrap.wrap(hint, 72, initial_indent="  hint: ", subsequent_indent="    ")
            lines += [line.replace("\0", " ") for line in wrapped]
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


def _agree(
    hand: np.ndarray, numerical: np.ndarray, estimate: np.ndarray, rtol: float, atol: float
) -> np.ndarray:
    """The pass test, component by component: ``|hand - numerical| <= atol + rtol |numerical|
    + e``."""
    with np.errstate(invalid="ignore"):
        return np.abs(hand - numerical) <= atol + rtol * np.abs(numerical) + estimate


def _within(
    hand: np.ndarray, numerical: np.ndarray, estimate: np.ndarray, rtol: float, atol: float
) -> bool:
    """Whether every component passes `_agree`: the verdict of the check."""
    return bool(np.all(_agree(hand, numerical, estimate, rtol, atol)))


def _number(value: Fraction) -> str:
    """A fraction as a short decimal if it has one (0.5, 0.025, 100), else as p/q (2/3)."""
    q = value.denominator
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    if q == 1:
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        if len(text.strip("-0.")) <= 4:
            return text
    return str(value)


def _factor(
    hand: np.ndarray, numerical: np.ndarray, passes: Callable[[np.ndarray], bool]
) -> Fraction | str | None:
    """The number c, the same for every component, such that ``hand / c`` passes, if there
    is one: a simple fraction when one passes, else the shortest decimal that passes."""
    size_n, size_h = float(np.max(np.abs(numerical))), float(np.max(np.abs(hand)))
    if size_n == 0 or size_h == 0:
        return None
    n, h = numerical / size_n, hand / size_h  # scaled apart: no overflow, no underflow
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        # the least-squares fit hand = c numerical
        c = float(np.vdot(h, n) / np.vdot(n, n) * (size_h / size_n))
        if not np.isfinite(c) or c == 0 or not passes(hand / c):
            return None
        candidates = [Fraction(c).limit_denominator(_MAX_DENOMINATOR)]
        if np.isfinite(1 / c):
            inverse = Fraction(1 / c).limit_denominator(_MAX_DENOMINATOR)
            if inverse != 0:
                candidates.append(1 / inverse)
        for fraction in candidates:
            small = max(abs(fraction.numerator), fraction.denominator) <= _MAX_NUMERATOR
            if fraction != 0 and small and passes(hand / float(fraction)):
                return fraction
        for digits in range(1, 17):
            text = f"{c:.{digits}g}"
            if passes(hand / float(text)):
                return text
    return repr(c)  # c itself passes


def _factor_hint(c: Fraction | str) -> str:
    """The hint for a hand-written gradient that is c times the numerical one."""
    if c == -1:
        return ("your gradient has the opposite sign of the numerical one in every component: "
                "a sign slip, such as y - p written for p - y, or the gradient of -f?")
    if isinstance(c, str):
        sign = "the opposite sign, and " if c.startswith("-") else ""
        return (f"your gradient is {c} times the numerical one in every component: {sign}a "
                "constant factor is wrong")
    size = abs(c)
    name, inverse = _number(c), _number(1 / size)
    if size < 1 and "/" in name + inverse:  # both as fractions, 2/3 and 3/2, not 2/3 and 1.5
        name, inverse = str(c), str(1 / size)
    text = f"your gradient is {name} times the numerical one:"
    if c < 0:
        text += " the opposite sign, and"
    if size > 1:
        text += f" a factor {name.lstrip('-')} too many"
        if size.denominator == 1 and size >= 3:
            text += f", such as a mean over {size} points taken as a sum"
    else:
        text += f" a factor {inverse} missing"
    return text + "?"


def _components_hint(wrong: np.ndarray) -> str:
    """The hint for a gradient whose failing components (``wrong``) are a few of them."""
    names = [str(tuple(int(i) for i in np.unravel_index(k, wrong.shape)))
             for k in np.flatnonzero(wrong)]
    others = wrong.size - len(names)
    if len(names) == 1:
        listed = f"only component {names[0]} is wrong"
    elif len(names) <= 6:
        listed = f"only components {', '.join(names[:-1])} and {names[-1]} are wrong"
    else:
        listed = (f"only {len(names)} of the {wrong.size} components are wrong, "
                  f"{', '.join(names[:5])} and {len(names) - 5} more")
    return f"{listed}; the other {others} agree with the numerical gradient"


def _hint(
    hand: np.ndarray, numerical: np.ndarray, estimate: np.ndarray, rtol: float, atol: float
) -> str:
    """Why a failing gradient fails, when the data tell: transposed, a constant factor (or
    sign), or a few wrong components (see the module's notes for the order)."""

    def passes(values: np.ndarray) -> bool:
        return _within(values, numerical, estimate, rtol, atol)

    square = hand.ndim == 2 and hand.shape[0] == hand.shape[1]
    # A gradient symmetric within the tolerances is its own transpose: no hint.
    if square and passes(hand.T) and not passes(numerical.T):
        return "your gradient matches the numerical one transposed; return its transpose (.T)"
    zeros = np.zeros_like(numerical)
    # A ratio tells something only where the numerical gradient is clearly not zero, and
    # only in two components or more: any two numbers differ by some factor. A hand-written
    # gradient that is about zero has no factor to name.
    telling = int(np.count_nonzero(~_agree(zeros, numerical, estimate, rtol, atol)))
    about_zero = _within(hand, zeros, estimate, rtol, atol)
    c = None if telling < 2 or about_zero else _factor(hand, numerical, passes)
    if c is not None:
        return _factor_hint(c)
    wrong = ~_agree(hand, numerical, estimate, rtol, atol)
    if 0 < np.count_nonzero(wrong) <= wrong.size / 3:
        return _components_hint(wrong)
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
        hint when the failure has a likely cause: the gradient transposed, a constant factor
        or the opposite sign, or only a few components wrong.

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

    A gradient off by the same factor in every component is told so (here the 2 of the
    square is missing):

    >>> cl.gradient_check(lambda w: np.sum(w ** 2), lambda w: w, [0.5, -1.0]).hint
    'your gradient is 0.5 times the numerical one: a factor 2 missing?'

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
