"""Reading a learner's answer and comparing it with the reference.

A learner's answer may be a formula string (``"3x^2 - 4"``), a sympy expression, a Python
function, a number, a vector or matrix of any of these, or one of an exercise's choices (the
choices are matched in `calclib.exercises`). `Reader` turns it into a `Value`, or raises
`Reject` with the message to show; `Evaluator` evaluates a `Value` at the exercise's points;
`Reference` compares the values with the reference answer's and says what is wrong: a wrong
shape, a sign, a constant factor or offset, a transpose, entries in the wrong order, or the
value at a point. For plain numbers, a decimal that is the correct value rounded is told
so, and a constant factor is named only for a whole vector or matrix, when it is an integer or
the reciprocal of one. Formulas are compared exactly with sympy (``simplify`` of the difference,
within `SIMPLIFY_LIMIT` seconds) where the numbers alone do not settle it.

This module serves `calclib.exercises` and is not part of calclib's public API.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
import warnings
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from calclib._time_limit import Timeout, run_limited
from calclib.formulas import KNOWN_NAMES, ParseError, parse_formula

__all__ = [
    "SIMPLIFY_LIMIT",
    "Evaluator",
    "Reader",
    "Reference",
    "Reject",
    "Value",
    "join_names",
    "show",
]

#: Seconds sympy may spend deciding that two formulas are equal.
SIMPLIFY_LIMIT = 1.0
_RTOL, _CLOSE = 1e-6, 1e-2
# A wrong answer is called off by a constant factor only for factors p/q with |p|, q <= this.
_MAX_FACTOR = 4
# Significant digits a decimal needs to pass: rounding to n digits is off by a relative
# 0.5 * 10**(1 - n) at most, which must be within _RTOL.
_DIGITS = math.ceil(1 - math.log10(2 * _RTOL))
# Names of known functions and constants listed when a name is not known.
_KNOWN = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sigmoid", "pi", "e"]
# A number written with a decimal comma, such as 1,48 or -0,5.
_DECIMAL_COMMA = re.compile(r"\s*([-+−]?\d+),(\d+)\s*")


class Reject(Exception):
    """An answer that cannot be compared, with the message to show.

    Attributes
    ----------
    kind : str
        A short name for what is wrong, such as ``"parse"`` or ``"shape"``.
    message : str
        The message for the learner.

    Examples
    --------
    >>> try:
    ...     Reader([sp.Symbol("x")]).read("")
    ... except Reject as exc:
    ...     print(exc.kind)
    empty
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def show(value: Any) -> str:
    """A short repr of ``value`` for messages (at most 60 characters) that never raises.

    Examples
    --------
    >>> show([1, 2])
    '[1, 2]'
    >>> len(show(list(range(100))))
    60
    """
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 60 else text[:57] + "..."


def _fmt(value: float, digits: int = 4) -> str:
    """A number for a message: ``0.73``, ``-1.2``, ``3``, ``nan``."""
    if not np.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def _fmt_both(yours: float, correct: float) -> tuple[str, str]:
    """Two different numbers for a message, with enough digits that they differ.

    Examples
    --------
    >>> _fmt_both(-0.024881, -0.024882)
    ('-0.024881', '-0.024882')
    """
    if yours != correct:
        for digits in range(4, 18):
            pair = _fmt(yours, digits), _fmt(correct, digits)
            if pair[0] != pair[1]:
                return pair
    return _fmt(yours), _fmt(correct)


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


def _shape_text(shape: tuple) -> str:
    if shape == ():
        return "a single value"
    if shape == (0,):
        return "an empty list"
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    if len(shape) == 2:
        return f"a {shape[0]}×{shape[1]} matrix"
    return f"an array of shape {shape}"


def _entry_name(index: tuple) -> str:
    if len(index) == 1:
        return f"entry {index[0] + 1}"
    if len(index) == 2:
        return f"entry ({index[0] + 1}, {index[1] + 1})"
    return f"entry {index}"


def join_names(items: list[str]) -> str:
    """One name or more joined as in a sentence: commas, and "and" before the last.

    Examples
    --------
    >>> join_names(["x"])
    'x'
    >>> join_names(["x", "y", "z"])
    'x, y and z'
    """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Value:
    """An answer made comparable: a table of entries (sympy expressions or functions of
    scalars), or one function returning the whole value.

    Attributes
    ----------
    entries : numpy.ndarray of object or None
        The entries, in the answer's shape.
    func : callable or None
        A function returning the whole value at a point.
    shape : tuple or None
        The answer's shape; for a function, known once an `Evaluator` has called it.
    symbolic : bool
        Whether every entry is a sympy expression.
    text : str or None
        The answer as typed, if it was a string.
    """

    def __init__(self, entries: np.ndarray | None = None, func: Callable | None = None):
        self.entries, self.func = entries, func
        self.text: str | None = None
        self.shape: tuple | None = None if entries is None else entries.shape
        self.symbolic = entries is not None and all(isinstance(e, sp.Expr) for e in entries.ravel())


class Reader:
    """Turns whatever was typed into a `Value`, or raises `Reject` saying what is wrong.

    Parameters
    ----------
    symbols : list of sympy.Symbol
        The variables an answer may use.

    Attributes
    ----------
    number_answer : bool
        Whether the reference answer is a number (or a table of numbers); then a letter in
        an answer, or a function given as one, is told to work the number out.

    Examples
    --------
    >>> x, y = sp.symbols("x y")
    >>> value = Reader([x, y]).read(["2x y", "x^2"])
    >>> value.shape, value.symbolic
    ((2,), True)
    """

    def __init__(self, symbols: list[sp.Symbol]):
        self.symbols = symbols
        self.names = [str(s) for s in symbols]
        self.number_answer = False

    def read(self, value: Any) -> Value:
        """The answer ``value`` as a `Value`; raises `Reject` if it cannot be compared."""
        text = value if isinstance(value, str) else None
        if isinstance(value, str):
            if not value.strip():
                raise Reject("empty", "Your answer is an empty string: type it between the quotes.")
            value = self._parse(value)
        if isinstance(value, (list, tuple, np.ndarray, sp.MatrixBase)):
            shape, items = self._table(value, 0)
            entries = np.empty(len(items), dtype=object)
            for i, item in enumerate(items):
                where = _entry_name(np.unravel_index(i, shape)) if shape else None
                entries[i] = self._scalar(item, where)
            read = Value(entries.reshape(shape))
        elif callable(value) and not isinstance(value, sp.Basic):
            self._no_function("Your answer")
            read = Value(func=value)
        else:
            read = Value(np.array(self._scalar(value, None), dtype=object))
        read.text = text
        return read

    def _no_function(self, subject: str) -> None:
        if self.number_answer:
            raise Reject(
                "type",
                f"{subject} is a function, but the answer is a number: work it out and give "
                "the number itself, such as 0.5, or an exact value as a string such as "
                '"sqrt(2)/2".',
            )

    def _parse(self, text: str, where: str = "") -> Any:
        try:
            return parse_formula(text, self.symbols, strict=True)
        except ParseError as exc:
            if exc.names:
                self._unknown(exc.names, where, self._letters(text, exc.names))
            head, _, snippet = str(exc).partition("\n")
            message = f"Could not read {show(text)}{where}: {head}."
            raise Reject("parse", message + (f"\n{snippet}" if snippet else "")) from None

    def _letters(self, text: str, unknown: list[str]) -> list[str]:
        """The unknown names and the variables a formula string uses, in order of appearance
        (``"xy"`` uses x and y)."""
        used: list[str] = []
        for word in re.findall(r"[^\W\d]\w*", text):
            if word in unknown or word in self.names:
                parts = [word]
            elif word not in KNOWN_NAMES:
                parts = [char for char in word if char in self.names]
            else:
                parts = []
            used += [part for part in parts if part not in used]
        return used

    def _unknown(self, names: list[str], where: str, used: list[str] | None = None) -> None:
        known = ", ".join(n for n in _KNOWN if n not in self.names)
        if self.number_answer:
            message = _number_message(f"Your answer{where}", used or names)
            if any(len(name) > 1 for name in names):
                message += f" Known functions include {known}."
            raise Reject("not a number", message)
        lower = {n.lower(): n for n in self.names}
        for name in names:
            if name.lower() in lower:
                raise Reject(
                    "unknown name",
                    f"Your answer{where} uses {name}; did you mean "
                    f"{lower[name.lower()]}? Names are case-sensitive.",
                )
        raise Reject(
            "unknown name",
            f"Your answer{where} uses {join_names(names)}, which "
            f"{'is' if len(names) == 1 else 'are'} not known here: the variables are "
            f"{join_names(self.names)}, and known functions include {known}. Write products with "
            "* or a space (x*y or x y) and function arguments in brackets (sin(x)).",
        )

    def _table(self, value: Any, depth: int) -> tuple[tuple, list]:
        if isinstance(value, sp.MatrixBase):
            value = value.tolist()
        elif isinstance(value, np.ndarray):
            if value.size > 10_000:
                raise Reject("shape", f"Wrong shape: got {_shape_text(value.shape)}.")
            value = value.tolist()
        if not isinstance(value, (list, tuple)):
            return (), [value]
        if depth >= 3 or len(value) > 1000:
            raise Reject(
                "shape",
                "Wrong shape: the lists are nested too deeply or too long; "
                "give a vector as [a, b] and a matrix as [[a, b], [c, d]].",
            )
        parts = [self._table(item, depth + 1) for item in value]
        shapes = sorted({p[0] for p in parts}, key=len)
        if len(shapes) > 1:
            if shapes[0] == ():
                raise Reject(
                    "shape",
                    "Wrong shape: some entries are lists and some are not; "
                    "give a matrix as a list of rows, [[a, b], [c, d]].",
                )
            lengths = join_names([str(s[0]) for s in shapes])
            raise Reject(
                "shape",
                f"Wrong shape: the rows have different lengths ({lengths}); "
                "every row of a matrix needs the same number of entries.",
            )
        inner = shapes[0] if shapes else ()
        return (len(value),) + inner, [x for p in parts for x in p[1]]

    def _scalar(self, item: Any, where: str | None) -> Any:
        """One entry: a sympy expression, or a function."""
        in_where = f" in {where}" if where else ""
        subject = f"{where[0].upper()}{where[1:]} of your answer" if where else "Your answer"
        if item is None or item is Ellipsis:
            raise Reject("no answer", f"{subject} is {item!r}: replace it with a value.")
        if isinstance(item, (bool, np.bool_)):
            raise Reject(
                "type", f"{subject} is {item}, a truth value; expected a number or a formula."
            )
        if isinstance(item, str):
            if not item.strip():
                raise Reject("empty", f"{subject} is an empty string.")
            parsed = self._parse(item, in_where)
            if isinstance(parsed, (list, tuple)):
                raise Reject("shape", f"{subject} is a list; expected a single value there.")
            item = parsed
        if isinstance(item, numbers.Number) and not isinstance(item, sp.Basic):
            try:
                number = complex(item)
            except (TypeError, ValueError, OverflowError):
                raise Reject(
                    "type", f"{subject} is {show(item)}, which is not a usable number."
                ) from None
            if number.imag != 0:
                raise Reject(
                    "type",
                    f"{subject} is the complex number {show(item)}; expected a real number.",
                )
            if not math.isfinite(number.real):
                raise Reject("not finite", f"{subject} is {number.real}, not a finite number.")
            if isinstance(item, numbers.Integral):
                return sp.Integer(int(item))
            if isinstance(item, Fraction):
                return sp.Rational(item.numerator, item.denominator)
            return sp.Float(number.real)
        if isinstance(item, sp.Basic):
            return self._expression(item, subject, in_where)
        if callable(item):
            self._no_function(subject)
            return item
        kind = type(item).__name__
        raise Reject(
            "type",
            f"{subject} is {show(item)} (of type {kind}); expected a formula as a "
            'string such as "3*x**2 - 4", a sympy expression, a number or a '
            "function.",
        )

    def _expression(self, expr: sp.Basic, subject: str, where: str) -> sp.Expr:
        if isinstance(expr, sp.core.relational.Relational):
            raise Reject(
                "type",
                f"{subject} is an equation; write only the expression, such "
                'as "3*x**2 - 4" rather than "y = 3*x**2 - 4".',
            )
        if not isinstance(expr, sp.Expr):
            raise Reject("type", f"{subject} is {show(expr)}, not a formula.")
        undefined = sorted({str(f.func) for f in expr.atoms(AppliedUndef)})
        if undefined:
            raise Reject(
                "unknown name",
                f"{subject} uses the function {join_names(undefined)}, which is not known here.",
            )
        names = {str(s) for s in expr.free_symbols}
        unknown = sorted(names - set(self.names))
        if unknown:
            self._unknown(unknown, where, sorted(names))
        by_name = {str(s): s for s in self.symbols}
        expr = expr.xreplace({s: by_name[str(s)] for s in expr.free_symbols})
        if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise Reject("not finite", f"{subject} contains infinity or nan ({show(expr)}).")
        return expr


def _number_message(subject: str, names: list[str]) -> str:
    """What to tell an answer that uses letters where the answer is a number."""
    return (
        f"{subject} uses {join_names(names)}, but the answer is a number: work it out, "
        "substituting the values the question gives."
    )


def _as_point_args(func: Callable, n: int) -> bool:
    """Whether a function of several variables takes them as separate arguments f(x, y)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return n > 1 and len(required) == n


class Evaluator:
    """Evaluates `Value` objects at the exercise's points, as float arrays (N, *shape).

    An entry or function that is undefined at a point gives nan there; a function that raises,
    or returns something other than numbers, raises `Reject`.

    Parameters
    ----------
    symbols : list of sympy.Symbol
        The variables, in the order of the points' coordinates.
    points : numpy.ndarray
        The N points, of shape (N, len(symbols)).

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> evaluator = Evaluator([x], np.array([[1.0], [2.0]]))
    >>> evaluator.values(Reader([x]).read(["x^2", lambda x: 3 * x]))
    array([[1., 3.],
           [4., 6.]])
    >>> evaluator.at(1)
    'x = 2'
    """

    def __init__(self, symbols: list[sp.Symbol], points: np.ndarray):
        self.symbols, self.points = symbols, points

    def at(self, row: int) -> str:
        """The point of this row, for a message: ``"x = 0.5, y = -1.2"``."""
        return ", ".join(
            f"{s} = {_fmt(v)}" for s, v in zip(self.symbols, self.points[row], strict=True)
        )

    def values(self, value: Value) -> np.ndarray:
        """The values of ``value`` at the points, of shape (N, *shape)."""
        if value.func is not None:
            out = self._call(value.func, whole=True)
            value.shape = out.shape[1:]
            return out
        columns = [self._entry(e) for e in value.entries.ravel()]
        stacked = np.stack(columns, axis=-1) if columns else np.zeros((len(self.points), 0))
        return stacked.reshape((len(self.points),) + value.entries.shape)

    def _entry(self, entry: Any) -> np.ndarray:
        if not isinstance(entry, sp.Expr):
            return self._call(entry, whole=False)
        n_points = len(self.points)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = sp.lambdify(self.symbols, entry, modules="numpy")(*self.points.T)
                out = np.broadcast_to(np.asarray(out, dtype=complex), (n_points,))
            except Exception:  # a function numpy lacks: evaluate point by point with sympy
                out = np.full(n_points, np.nan, dtype=complex)
                for row, point in enumerate(self.points):
                    try:
                        out[row] = complex(
                            entry.evalf(subs=dict(zip(self.symbols, point, strict=True)))
                        )
                    except (TypeError, ValueError):
                        pass
        real = np.abs(out.imag) <= 1e-12 * (1 + np.abs(out.real))
        return np.where(real, out.real, np.nan)

    def _call(self, func: Callable, whole: bool) -> np.ndarray:
        n = len(self.symbols)
        separate = _as_point_args(func, n)
        results, shape = [], None
        for row, point in enumerate(self.points):
            args = (
                (float(point[0]),)
                if n == 1
                else (tuple(float(c) for c in point) if separate else (point.copy(),))
            )
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = func(*args)
            except (Exception, SystemExit) as exc:
                detail = str(exc).splitlines()[0] if str(exc) else ""
                raise Reject(
                    "error",
                    f"Your function raised {type(exc).__name__}"
                    f"{': ' + detail if detail else ''} (at {self.at(row)}).",
                ) from None
            arr = self._number_array(out, row)
            if shape is not None and arr.shape != shape:
                raise Reject(
                    "shape",
                    f"Your function returned {_shape_text(shape)} at "
                    f"{self.at(0)} but {_shape_text(arr.shape)} at {self.at(row)}.",
                )
            if not whole and arr.shape != ():
                raise Reject(
                    "shape",
                    f"A function in your answer returned "
                    f"{_shape_text(arr.shape)} at {self.at(row)}; expected a number.",
                )
            shape = arr.shape
            results.append(arr)
        return np.stack(results)

    def _number_array(self, out: Any, row: int) -> np.ndarray:
        at = self.at(row)
        if out is None:
            raise Reject("type", f"Your function returned None at {at}: did you forget 'return'?")
        if isinstance(out, (str, bytes, bool, np.bool_)):
            raise Reject(
                "type", f"Your function returned {show(out)} at {at}; it should return a number."
            )
        if isinstance(out, sp.MatrixBase):
            out = out.tolist()
        if isinstance(out, sp.Basic) and out.free_symbols:
            raise Reject(
                "type",
                f"Your function returned the formula {show(out)} at {at}; "
                "it should return a number.",
            )
        try:
            arr = np.asarray(out)
            if arr.size > 10_000:
                raise Reject("shape", f"Your function returned {_shape_text(arr.shape)}.")
            arr = arr.astype(complex)
        except (TypeError, ValueError):
            raise Reject(
                "type",
                f"Your function returned {show(out)} at {at}, which is not "
                "a number or an array of numbers.",
            ) from None
        if np.any(np.abs(arr.imag) > 1e-12 * (1 + np.abs(arr.real))):
            raise Reject(
                "type", f"Your function returned a complex value at {at}; expected a real number."
            )
        return arr.real.copy()


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
        message = f"Wrong shape: expected {_shape_text(want)}, got {_shape_text(got)}."
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
            where = f" ({_entry_name(np.unravel_index(col, shape))})" if shape else ""
            return "undefined", (
                f"Your answer{where} is not defined at {self.evaluator.at(row)}: it gives "
                f"{R[row, col]}, but the correct value there is {_fmt(A[row, col])}."
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
        names = [_entry_name(np.unravel_index(k, shape)) for k in range(R.shape[1])]
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
                return "not a number", _number_message("Your answer", [self._names(entry, None)])
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
                f"{'plus' if offset > 0 else 'minus'} {_fmt(abs(offset))} "
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
            return "value", f"Your answer {_fmt(r[k])} is not right: it is too {size}."
        prefix = ""
        if not r_varies:
            answer = self.answer.entries
            single = answer.ravel()[0] if answer is not None and answer.size == 1 else None
            prefix = (
                f"Your answer is the constant {_fmt(r[0])}, but the correct one changes "
                f"with {self._names(None, single)}. "
            )
        yours, correct = _fmt_both(float(r[k]), float(a[k]))
        return "value", (
            f"{prefix}At {self.evaluator.at(k)} your answer gives {yours}, "
            f"but the correct value is {correct}."
        )
