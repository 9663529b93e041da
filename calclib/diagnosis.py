"""Saying what is wrong with a learner's answer, by comparing it with the reference.

`Reference` holds the reference answer of an exercise and its values at the exercise's points
(read and evaluated by `calclib.answers`). `Reference.compare` decides whether an answer is
right and, if not, says what is wrong: a wrong shape, a sign, a constant factor or offset, a
transpose, entries in the wrong order, or the value at the point where it is most wrong. For
plain numbers, a decimal that is the correct value rounded is told so, and a constant factor is
named only for a whole vector or matrix, when it is an integer or the reciprocal of one.
Formulas are compared exactly with sympy (``simplify`` of the difference, within
`SIMPLIFY_LIMIT` seconds) where the numbers alone do not settle it.

This module serves `calclib.exercises` and is not part of calclib's public API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from calclib._time_limit import Timeout, run_limited
from calclib.answers import (
    Evaluator,
    Value,
    entry_name,
    format_number,
    join_names,
    number_message,
    shape_text,
)

__all__ = ["SIMPLIFY_LIMIT", "Reference"]

#: Seconds sympy may spend deciding that two formulas are equal.
SIMPLIFY_LIMIT = 1.0
_RTOL, _CLOSE = 1e-6, 1e-2
# A wrong answer is called off by a constant factor only for factors p/q with |p|, q <= this.
_MAX_FACTOR = 4

# Significant digits a decimal needs to pass: rounding to n digits is off by a relative
# 0.5 * 10**(1 - n) at most, which must be within _RTOL.
_DIGITS = math.ceil(1 - math.log10(2 * _RTOL))

# A number written with a decimal comma, such as 1,48 or -0,5.
_DECIMAL_COMMA = re.compile(r"\s*([-+−]?\d+),(\d+)\s*")


def _fmt_both(yours: float, correct: float) -> tuple[str, str]:
    """Two different numbers for a message, with enough digits that they differ.

    Examples
    --------
    >>> _fmt_both(-0.024881, -0.024882)
    ('-0.024881', '-0.024882')
    """
    if yours != correct:
        for digits in range(4, 18):
            pair = format_number(yours, digits), format_number(correct, digits)
            if pair[0] != pair[1]:
                return pair
    return format_number(yours), format_number(correct)


def _rounded_digits(number: Any, correct: float) -> tuple[int, str] | None:
    """The significant digits of ``number`` (a decimal or integer as typed) and its shortest
    text, if it is ``correct`` rounded to that many digits; else None."""
    if not isinstance(number, (sp.Float, sp.Integer)) or number == 0:
        return None
    value = float(number)
    text = repr(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
    _, digits, exponent = Decimal(text).as_tuple()
    n = len(digits)
    if not isinstance(exponent, int) or abs(value - correct) > 0.5 * 10.0**exponent * (1 + 1e-9):
        return None
    return n, text


def _simple_ratio(value: float) -> Fraction | None:
    """``value`` as a simple fraction such as 2, 1/2, -3 or 2/3 (numerator and denominator
    at most `_MAX_FACTOR` in size), or None: any two numbers differ by some factor, and only
    a simple one is a likely mistake."""
    if not math.isfinite(value) or value == 0:
        return None
    frac = Fraction(value).limit_denominator(_MAX_FACTOR)
    if abs(frac.numerator) > _MAX_FACTOR or abs(float(frac) - value) > 1e-6 * abs(value):
        return None
    return frac


def _close(r: np.ndarray, a: np.ndarray, rtol: float = _RTOL) -> np.ndarray:
    """Elementwise: both finite and equal up to ``rtol`` (and a small absolute tolerance)."""
    scale = max(1.0, float(np.max(np.abs(a), initial=0.0, where=np.isfinite(a))))
    with np.errstate(invalid="ignore"):
        return np.isfinite(r) & np.isfinite(a) & (np.abs(r - a) <= rtol * np.abs(a) + 1e-9 * scale)


def _fit(values: np.ndarray, want: tuple) -> np.ndarray | None:
    """Values of shape (points, *got) in the answer's shape ``want``, or None if they do not
    fit: a vector may be given as a row or a column, and a one-row or one-column matrix as a
    flat vector."""
    got = values.shape[1:]
    if got == want:
        return values
    size = int(np.prod(got))
    vector_as_matrix = len(want) == 1 and len(got) == 2 and 1 in got and size == want[0]
    matrix_as_vector = len(want) == 2 and 1 in want and len(got) == 1 and size == np.prod(want)
    if vector_as_matrix or matrix_as_vector:
        return values.reshape((len(values),) + want)
    return None


def _arrangement(want: tuple) -> str:
    """How to write an answer of this shape, to follow 'The entries are right'."""
    if len(want) == 1:
        return "give them as one flat list, [a, b, ...]"
    if len(want) == 2:
        rows, columns = want
        entries = "entry" if columns == 1 else "entries"
        return (
            f"arrange them as a list of {rows} row{'s' if rows != 1 else ''} "
            f"of {columns} {entries} each, [[a, b, ...], ...]"
        )
    return f"arrange them as an array of shape {want}"


class Reference:
    """A reference answer evaluated at the exercise's points, which a learner's answer is
    compared with.

    Parameters
    ----------
    answer : Value
        The reference answer, as read by a `Reader`.
    values : numpy.ndarray
        Its values at the evaluator's points, of shape (points, *shape).
    evaluator : Evaluator
        The evaluator that gave ``values``; it names the points in messages.
    mistakes : sequence of (numpy.ndarray, str)
        The values of each listed wrong answer at the points, with its hint.

    Examples
    --------
    >>> from calclib.answers import Evaluator, Reader
    >>> x = sp.Symbol("x")
    >>> reader = Reader([x])
    >>> evaluator = Evaluator([x], np.array([[-1.0], [0.5], [2.0]]))
    >>> answer = reader.read("3*x**2 - 4")
    >>> reference = Reference(answer, evaluator.values(answer), evaluator)
    >>> response = reader.read("4 - 3x^2")
    >>> reference.compare(response, evaluator.values(response))
    (False, 'Check the sign: your answer is the negative of the correct one.', 'sign')
    """

    def __init__(
        self,
        answer: Value,
        values: np.ndarray,
        evaluator: Evaluator,
        mistakes: Sequence[tuple[np.ndarray, str]] = (),
    ):
        self.answer, self.answer_values, self.evaluator = answer, values, evaluator
        self.mistakes = list(mistakes)
        #: Whether the answer is a single number or a table of numbers (no variables in it).
        self.is_number = answer.symbolic and not any(e.free_symbols for e in answer.entries.ravel())

    def compare(self, value: Value, values: np.ndarray) -> tuple[bool, str, str]:
        """Whether a learner's answer is right, the message to show and its kind.

        Parameters
        ----------
        value : Value
            The learner's answer, as read by a `Reader`.
        values : numpy.ndarray
            Its values at the evaluator's points.

        Returns
        -------
        tuple of (bool, str, str)
            Correct or not, the message, and a short name for the kind of feedback (see
            `calclib.exercises.Feedback`).
        """
        fitted, message = self._fit_shape(values)
        if fitted is None:
            hint = self._mistake(values)
            if hint:
                return False, hint, "mistake"
            kind = "transpose" if message.startswith("This is the transpose") else "shape"
            comma = _DECIMAL_COMMA.fullmatch(value.text or "")
            if kind == "shape" and self.answer.shape == () and comma:
                message += (
                    f" For a decimal number, use a decimal point: {'.'.join(comma.groups())}."
                )
            return False, message, kind
        r, a = fitted, self.answer_values
        same = _close(r, a)
        if np.all(same):
            return True, self._correct_text(value), "correct"
        # Formulas that differ clearly where both are finite cannot be equal: skip sympy.
        finite = np.isfinite(r) & np.isfinite(a)
        clearly = np.any(finite & ~_close(r, a, 1e-3) & (np.abs(a) < 1e6) & (np.abs(r) < 1e6))
        if value.symbolic and self.answer.symbolic and not clearly:
            if self._symbolically_equal(value):
                return True, self._correct_text(value), "correct"
        hint = self._mistake(fitted)
        if hint:
            return False, hint, "mistake"
        entries = None if value.entries is None else list(value.entries.ravel())
        kind, message = self._diagnose(r, a, entries)
        return False, message, kind

    def _fit_shape(self, values: np.ndarray) -> tuple[np.ndarray | None, str]:
        """The response's values in the answer's shape, or None and the message why not."""
        want, got = self.answer.shape, values.shape[1:]
        fitted = _fit(values, want)
        if fitted is not None:
            return fitted, ""
        if len(want) == 2 and got == want[::-1]:
            if np.all(_close(values.swapaxes(1, 2), self.answer_values)):
                return None, "This is the transpose of the answer: swap rows and columns."
        message = f"Wrong shape: expected {shape_text(want)}, got {shape_text(got)}."
        if want == () and got in ((1,), (1, 1)):
            message += " Remove the brackets around your answer."
        elif values[0].size == self.answer_values[0].size > 1:
            mine = values.reshape(len(values), -1)
            if np.all(_close(mine, self.answer_values.reshape(len(values), -1))):
                message += f" The entries are right: {_arrangement(want)}."
            elif len(want) == 2:
                by_column = self.answer_values.swapaxes(1, 2).reshape(len(values), -1)
                if np.all(_close(mine, by_column)):
                    message += (
                        " The entries are right but listed column by column (transposed): "
                        f"{_arrangement(want)}."
                    )
        return None, message

    def _symbolically_equal(self, value: Value) -> bool:
        def simplify() -> bool:
            pairs = zip(self.answer.entries.ravel(), value.entries.ravel(), strict=True)
            return all(sp.simplify(a - r) == 0 for a, r in pairs)

        try:
            return bool(run_limited(simplify, SIMPLIFY_LIMIT))
        except (Timeout, Exception):
            return False

    def _mistake(self, values: np.ndarray) -> str | None:
        """The hint of the listed mistake these values match, if any."""
        for mistake_values, hint in self.mistakes:
            if mistake_values.shape != values.shape and values.shape[1:] == self.answer.shape:
                # a mistake written as a row or column where the answer is the other
                mistake_values = _fit(mistake_values, self.answer.shape)
                if mistake_values is None:
                    continue
            known = np.isfinite(mistake_values)
            if values.shape == mistake_values.shape and np.all(
                _close(values[known], mistake_values[known])
            ):
                return hint
        return None

    def _correct_text(self, value: Value) -> str:
        if value.symbolic:
            return "Your answer equals the reference answer."
        n_points = len(self.answer_values)
        return f"Your answer agrees with the reference answer at all {n_points} test points."

    # --- what is wrong --------------------------------------------------------------------

    def _diagnose(self, r: np.ndarray, a: np.ndarray, entries: list | None) -> tuple[str, str]:
        """The kind of mismatch and its message; r and a have shape (points, *shape), and
        ``entries`` are the response's entries (None for a function)."""
        shape = a.shape[1:]
        R, A = r.reshape(len(r), -1), a.reshape(len(a), -1)
        if not np.all(np.isfinite(R)):
            row, col = np.argwhere(~np.isfinite(R))[0]
            where = f" ({entry_name(np.unravel_index(col, shape))})" if shape else ""
            return "undefined", (
                f"Your answer{where} is not defined at {self.evaluator.at(row)}: it gives "
                f"{R[row, col]}, but the correct value there is {format_number(A[row, col])}."
            )
        if shape:
            found = self._whole_pattern(R, A, shape)
            if found:
                return found
            return self._entries(R, A, shape, entries)
        return self._scalar(R[:, 0], A[:, 0], entries[0] if entries else None)

    def _whole_pattern(self, R: np.ndarray, A: np.ndarray, shape: tuple) -> tuple[str, str] | None:
        if len(shape) == 2 and shape[0] == shape[1]:
            n_rows = len(R)
            At = A.reshape((n_rows,) + shape).swapaxes(1, 2).reshape(n_rows, -1)
            if np.all(_close(R, At)) and not np.all(_close(A, At)):
                return "transpose", "This is the transpose of the answer: swap rows and columns."
        several = len(A.ravel()) > len(A)
        if several:  # a pattern over all entries; the sign before the order: [-2, 2] for [2, -2]
            # For plain numbers only a telling factor (2, 1/2, -3), not any ratio such as 2/3.
            found = self._pattern(R.ravel(), A.ravel(), "the correct one", telling=self.is_number)
            if found:
                return found
        if len(shape) == 1 and shape[0] > 1:
            match = [
                next((j for j in range(shape[0]) if np.all(_close(R[:, i], A[:, j]))), None)
                for i in range(shape[0])
            ]
            if None not in match and sorted(match) == list(range(shape[0])):
                i = next(i for i, j in enumerate(match) if i != j)
                return "order", (
                    f"The entries are right but in the wrong order: your entry {i + 1} "
                    f"belongs at position {match[i] + 1}."
                )
        return None

    def _pattern(
        self, r: np.ndarray, a: np.ndarray, correct: str, factor: bool = True, telling: bool = False
    ) -> tuple[str, str] | None:
        """Sign, zero or a simple constant factor (`_simple_ratio`), over all values at once;
        no factor if not ``factor``, and if ``telling`` only an integer or its reciprocal."""
        nonzero = np.abs(a) > 1e-9 * max(1.0, float(np.max(np.abs(a))))
        if not np.any(nonzero):
            return None
        if np.all(_close(r, -a)):
            return "sign", f"Check the sign: your answer is the negative of {correct}."
        if np.all(_close(r, 0 * r)):
            return "zero", f"Your answer is 0, but {correct} is not."
        if not factor:
            return None
        ratio = _simple_ratio(float(np.median(r[nonzero] / a[nonzero])))
        if (
            ratio is None
            or ratio == 1
            or (telling and 1 not in (abs(ratio.numerator), ratio.denominator))
        ):
            return None
        if np.all(_close(r, float(ratio) * a)):
            return "factor", f"Off by a constant factor: your answer is {ratio} times {correct}."
        return None

    def _entries(
        self, R: np.ndarray, A: np.ndarray, shape: tuple, entries: list | None
    ) -> tuple[str, str]:
        right = [bool(np.all(_close(R[:, k], A[:, k]))) for k in range(R.shape[1])]
        names = [entry_name(np.unravel_index(k, shape)) for k in range(R.shape[1])]
        wrong = [k for k, ok in enumerate(right) if not ok]
        entry = entries[wrong[0]] if entries else None
        # One number of several off by some factor is a coincidence, not a diagnosis.
        factor = not (self.is_number and R.shape[1] > 1)
        kind, detail = self._scalar(R[:, wrong[0]], A[:, wrong[0]], entry, factor)
        bad = join_names([names[k] for k in wrong])
        good = [names[k] for k, ok in enumerate(right) if ok]
        if good:
            summary = f"{bad[0].upper()}{bad[1:]} {'is' if len(wrong) == 1 else 'are'} not right"
            summary += f" ({join_names(good)} {'is' if len(good) == 1 else 'are'} right)."
        else:
            summary = "No entry is right."
        if len(shape) == 2:
            summary += " Entries are numbered (row, column) from 1."
        return kind, f"{summary} In {names[wrong[0]]}: {detail[0].lower()}{detail[1:]}"

    def _names(self, entry: Any, fallback: Any) -> str:
        """The variables an entry uses, else those of ``fallback``, else all, for a message."""
        for expr in (entry, fallback):
            if isinstance(expr, sp.Expr) and expr.free_symbols:
                return join_names(
                    [str(s) for s in self.evaluator.symbols if s in expr.free_symbols]
                )
        return join_names([str(s) for s in self.evaluator.symbols])

    def _scalar(
        self, r: np.ndarray, a: np.ndarray, entry: Any = None, factor: bool = True
    ) -> tuple[str, str]:
        """The mismatch of one scalar entry at the points; ``entry`` is the response's entry
        (a sympy expression or a function) if known, and ``factor`` whether to look for a
        constant factor."""
        varies = not np.all(_close(a, np.full_like(a, a[0])))
        r_varies = not np.all(_close(r, np.full_like(r, r[0])))
        if self.is_number and r_varies:
            if isinstance(entry, sp.Expr) and entry.free_symbols:
                return "not a number", number_message("Your answer", [self._names(entry, None)])
            return "not a number", (
                f"Your answer changes with {self._names(None, None)}, but the answer is a "
                "number: work it out, substituting the values the question gives."
            )
        if not varies and not r_varies:
            rounded = _rounded_digits(entry, float(a[0]))
            if rounded is not None:
                digits, text = rounded
                return "close", (
                    f"Close, but not accurate enough: your answer {text} is the "
                    f"correct value rounded to {digits} significant "
                    f"digit{'' if digits == 1 else 's'}; give an exact value or at least "
                    f"{_DIGITS} significant digits."
                )
        found = self._pattern(r, a, "the correct one" if varies else "the correct value", factor)
        if found:
            return found
        if varies and np.all(_close(r - a, np.full_like(a, r[0] - a[0]))):
            offset = r[0] - a[0]
            return "constant", (
                f"Off by a constant: your answer is the correct one "
                f"{'plus' if offset > 0 else 'minus'} {format_number(abs(offset))} "
                "everywhere."
            )
        # the point where the answers differ most, relative to the correct value
        scale = max(1.0, float(np.max(np.abs(a))))
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.abs(r - a) / np.maximum(np.abs(a), 1e-9 * scale)
        k = int(np.argmax(np.where(np.isfinite(relative), relative, np.inf)))
        if np.all(_close(r, a, _CLOSE)):
            relative = abs(r[k] - a[k]) / max(abs(a[k]), 1e-300)
            at = f"at {self.evaluator.at(k)} " if varies else ""
            # More digits help a function or a formula with decimals in it; not an exact
            # formula, nor a number that is not the correct value rounded (that is above).
            helps = not isinstance(entry, sp.Expr) or (entry.has(sp.Float) and not entry.is_number)
            opening = "Close, but not accurate enough" if helps else "Close, but not right"
            advice = " Give an exact formula or more digits." if helps else ""
            return "close", (
                f"{opening}: {at}your answer gives "
                f"{r[k]:.8g} and the correct value is {a[k]:.8g}, a relative "
                f"difference of {relative:.1e}.{advice}"
            )
        if not varies:
            size = "large" if r[k] > a[k] else "small"
            return "value", f"Your answer {format_number(r[k])} is not right: it is too {size}."
        prefix = ""
        if not r_varies:
            answer = self.answer.entries
            single = answer.ravel()[0] if answer is not None and answer.size == 1 else None
            prefix = (
                f"Your answer is the constant {format_number(r[0])}, but the correct one changes "
                f"with {self._names(None, single)}. "
            )
        yours, correct = _fmt_both(float(r[k]), float(a[k]))
        return "value", (
            f"{prefix}At {self.evaluator.at(k)} your answer gives {yours}, "
            f"but the correct value is {correct}."
        )
