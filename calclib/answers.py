"""Reading a learner's answer.

A learner's answer may be a formula string (``"3x^2 - 4"``), a sympy expression, a Python
function, a number, a vector or matrix of any of these, or one of an exercise's choices (the
choices are matched in `calclib.exercises`). `Reader` turns it into a `Value`, or raises
`Reject` with the message to show; `Evaluator` evaluates a `Value` at the exercise's points.
`calclib.diagnosis` then compares the values with the reference answer's and says what is
wrong.

This module serves `calclib.exercises` and is not part of calclib's public API.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from calclib.formulas import KNOWN_NAMES, ParseError, parse_formula

__all__ = [
    "Evaluator",
    "Reader",
    "Reject",
    "Value",
    "entry_name",
    "format_number",
    "join_names",
    "number_message",
    "shape_text",
    "show",
]

# Names of known functions and constants listed when a name is not known.
_KNOWN = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sigmoid", "pi", "e"]


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


def format_number(value: float, digits: int = 4) -> str:
    """A number for a message: ``0.73``, ``-1.2``, ``3``, ``nan``."""
    if not np.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def shape_text(shape: tuple) -> str:
    if shape == ():
        return "a single value"
    if shape == (0,):
        return "an empty list"
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    if len(shape) == 2:
        return f"a {shape[0]}×{shape[1]} matrix"
    return f"an array of shape {shape}"


def entry_name(index: tuple) -> str:
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
                where = entry_name(np.unravel_index(i, shape)) if shape else None
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
            message = number_message(f"Your answer{where}", used or names)
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
                raise Reject("shape", f"Wrong shape: got {shape_text(value.shape)}.")
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


def number_message(subject: str, names: list[str]) -> str:
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
            f"{s} = {format_number(v)}" for s, v in zip(self.symbols, self.points[row], strict=True)
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
                    f"Your function returned {shape_text(shape)} at "
                    f"{self.at(0)} but {shape_text(arr.shape)} at {self.at(row)}.",
                )
            if not whole and arr.shape != ():
                raise Reject(
                    "shape",
                    f"A function in your answer returned "
                    f"{shape_text(arr.shape)} at {self.at(row)}; expected a number.",
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
                raise Reject("shape", f"Your function returned {shape_text(arr.shape)}.")
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
