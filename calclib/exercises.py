"""Exercises that check themselves.

An exercise is a few lines next to the chapter's content::

    ex = Exercise("1.1", answer="3*x**2 - 4", mistakes={"3*x**2": "The derivative of -4x is -4."})
    ex.check(my_answer)

``check`` accepts an answer in the forms a learner naturally types (a string such as
``"3x^2 - 4"``, a sympy expression, a Python function, a number, a list, numpy array or sympy
Matrix, or one of the ``choices``), never raises, and returns a `Feedback` that says whether
the answer is correct and, if not, what is wrong with it: a wrong shape, a sign, a constant
factor or offset, a transpose, entries in the wrong order, or the value at a point.

Answers are compared first by shape, then exactly with sympy where both sides are formulas
(``simplify`` of the difference, with a time limit), else numerically at random points of
the domain, drawn from a fixed seed so that the feedback is the same on every run. A learner's
function may run for at most `TIME_LIMIT` seconds.
"""

from __future__ import annotations

import difflib
import html
import inspect
import math
import numbers
import re
import warnings
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from calclib._checks import fail
from calclib._time_limit import Timeout, run_limited
from calclib.symbolic import ParseError, _variables, parse_formula

__all__ = ["Exercise", "Feedback"]

#: Seconds a learner's answer may take to read and evaluate (an endless loop stops here).
TIME_LIMIT = 2.0
#: Seconds sympy may spend deciding that two formulas are equal.
SIMPLIFY_LIMIT = 1.0
#: How many random points of the domain the numerical comparison uses.
N_POINTS = 40
_RTOL, _CLOSE = 1e-6, 1e-2
# A wrong answer is called off by a constant factor only for factors p/q with |p|, q <= this.
_MAX_FACTOR = 4
# (text, background, border) for correct and wrong feedback; the text contrast is above 10:1.
_COLOURS = {True: ("#0b3d1a", "#e8f5ec", "#1e7b34"), False: ("#4a2800", "#fff4e0", "#b35c00")}


def _title_of(label: str) -> str:
    """The heading for a label: ``"ex-derivatives-1"`` and ``"1"`` give ``"Exercise 1"``,
    ``"2.3"`` gives ``"Exercise 2.3"``, a label without a trailing number just ``"Exercise"``."""
    if not label:
        return ""
    number = re.search(r"(?:^|[^0-9A-Za-z.])(\d+(?:\.\d+)*)$", label)
    return f"Exercise {number.group(1)}" if number else "Exercise"


class Feedback:
    """The result of checking an answer.

    Shown in JupyterLab as a small coloured box with a check mark or a cross, and as plain
    text in a terminal. ``bool(feedback)`` is ``feedback.correct``.

    Attributes
    ----------
    correct : bool
        Whether the answer is right.
    message : str
        What is right or wrong, with a hint.
    kind : str
        A short name for the kind of feedback: ``"correct"``; a listed ``"mistake"``; a wrong
        answer's ``"sign"``, ``"factor"``, ``"zero"``, ``"constant"`` (offset),
        ``"transpose"``, ``"order"``, ``"close"`` (not accurate enough), ``"undefined"``,
        ``"not a number"`` or ``"value"`` (at a point); a wrong ``"choice"`` or
        ``"wrong choice"``; or an answer that cannot be compared: ``"no answer"``,
        ``"empty"``, ``"type"``, ``"parse"``, ``"unknown name"``, ``"shape"``,
        ``"not finite"``, ``"error"`` (the function raised) or ``"timeout"``.
    label : str
        The exercise's label.
    title : str
        The heading shown before the check mark, such as ``"Exercise 1"``.
    """

    def __init__(
        self,
        correct: bool,
        message: str,
        kind: str = "",
        label: str = "",
        title: str | None = None,
    ):
        self.correct = bool(correct)
        self.message = message
        self.kind = kind or ("correct" if correct else "wrong")
        self.label = label
        self.title = _title_of(label) if title is None else title

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "✓ Correct" if self.correct else "✗ Not yet"
        label = f"{self.title}: " if self.title else ""
        return f"{label}{mark}. {self.message}" if self.message else f"{label}{mark}."

    __repr__ = __str__

    def _repr_html_(self) -> str:
        text, background, border = _COLOURS[self.correct]
        mark = "✓ Correct" if self.correct else "✗ Not yet"
        label = f"{html.escape(self.title)}: " if self.title else ""
        lines = []
        for line in self.message.splitlines():
            if line.startswith("    "):  # a formula with a caret under it
                line = (
                    f'<code style="font-family:monospace;color:{text}">{html.escape(line)}</code>'
                )
            else:
                line = html.escape(line)
            lines.append(line)
        return (
            f'<div role="status" style="color:{text};background:{background};'
            f"border:1px solid {border};border-left:6px solid {border};border-radius:4px;"
            'padding:0.5em 0.75em;margin:0.25em 0;white-space:pre-wrap;line-height:1.4">'
            f"<strong>{label}{mark}.</strong> {'<br>'.join(lines)}</div>"
        )


class _Reject(Exception):
    """An answer that cannot be compared, with the message to show."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def _show(value: Any) -> str:
    """A short repr that never raises."""
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


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class _Value:
    """An answer made comparable: a table of entries (sympy expressions or functions of
    scalars), or one function returning the whole value."""

    def __init__(self, entries: np.ndarray | None = None, func: Callable | None = None):
        self.entries, self.func = entries, func
        self.shape: tuple | None = None if entries is None else entries.shape
        self.symbolic = entries is not None and all(isinstance(e, sp.Expr) for e in entries.ravel())


class _Reader:
    """Turns whatever was typed into a `_Value`, or raises `_Reject` saying what is wrong."""

    def __init__(self, symbols: list[sp.Symbol]):
        self.symbols = symbols
        self.names = [str(s) for s in symbols]

    def read(self, value: Any) -> _Value:
        if isinstance(value, str):
            if not value.strip():
                raise _Reject(
                    "empty", "Your answer is an empty string: type it between the quotes."
                )
            value = self._parse(value)
        if isinstance(value, (list, tuple, np.ndarray, sp.MatrixBase)):
            shape, items = self._table(value, 0)
            entries = np.empty(len(items), dtype=object)
            for i, item in enumerate(items):
                where = _entry_name(np.unravel_index(i, shape)) if shape else None
                entries[i] = self._scalar(item, where)
            return _Value(entries.reshape(shape))
        if callable(value) and not isinstance(value, sp.Basic):
            return _Value(func=value)
        return _Value(np.array(self._scalar(value, None), dtype=object))

    def _parse(self, text: str, where: str = "") -> Any:
        try:
            return parse_formula(text, self.symbols, strict=True)
        except ParseError as exc:
            if exc.names:
                self._unknown(exc.names, where)
            head, _, snippet = str(exc).partition("\n")
            message = f"Could not read {_show(text)}{where}: {head}."
            raise _Reject("parse", message + (f"\n{snippet}" if snippet else "")) from None

    def _unknown(self, names: list[str], where: str) -> None:
        lower = {n.lower(): n for n in self.names}
        for name in names:
            if name.lower() in lower:
                raise _Reject(
                    "unknown name",
                    f"Your answer{where} uses {name}; did you mean "
                    f"{lower[name.lower()]}? Names are case-sensitive.",
                )
        known = "sin, cos, tan, exp, log, sqrt, abs, sigmoid, pi, e"
        raise _Reject(
            "unknown name",
            f"Your answer{where} uses {_names(names)}, which "
            f"{'is' if len(names) == 1 else 'are'} not known here: the variables are "
            f"{_names(self.names)}, and known functions include {known}. Write products with "
            "* or a space (x*y or x y) and function arguments in brackets (sin(x)).",
        )

    def _table(self, value: Any, depth: int) -> tuple[tuple, list]:
        if isinstance(value, sp.MatrixBase):
            value = value.tolist()
        elif isinstance(value, np.ndarray):
            if value.size > 10_000:
                raise _Reject("shape", f"Wrong shape: got {_shape_text(value.shape)}.")
            value = value.tolist()
        if not isinstance(value, (list, tuple)):
            return (), [value]
        if depth >= 3 or len(value) > 1000:
            raise _Reject(
                "shape",
                "Wrong shape: the lists are nested too deeply or too long; "
                "give a vector as [a, b] and a matrix as [[a, b], [c, d]].",
            )
        parts = [self._table(item, depth + 1) for item in value]
        shapes = sorted({p[0] for p in parts}, key=len)
        if len(shapes) > 1:
            if shapes[0] == ():
                raise _Reject(
                    "shape",
                    "Wrong shape: some entries are lists and some are not; "
                    "give a matrix as a list of rows, [[a, b], [c, d]].",
                )
            lengths = _names([str(s[0]) for s in shapes])
            raise _Reject(
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
            raise _Reject("no answer", f"{subject} is {item!r}: replace it with a value.")
        if isinstance(item, (bool, np.bool_)):
            raise _Reject(
                "type", f"{subject} is {item}, a truth value; expected a number or a formula."
            )
        if isinstance(item, str):
            if not item.strip():
                raise _Reject("empty", f"{subject} is an empty string.")
            parsed = self._parse(item, in_where)
            if isinstance(parsed, (list, tuple)):
                raise _Reject("shape", f"{subject} is a list; expected a single value there.")
            item = parsed
        if isinstance(item, numbers.Number) and not isinstance(item, sp.Basic):
            try:
                number = complex(item)
            except (TypeError, ValueError, OverflowError):
                raise _Reject(
                    "type", f"{subject} is {_show(item)}, which is not a usable number."
                ) from None
            if number.imag != 0:
                raise _Reject(
                    "type",
                    f"{subject} is the complex number {_show(item)}; expected a real number.",
                )
            if not math.isfinite(number.real):
                raise _Reject("not finite", f"{subject} is {number.real}, not a finite number.")
            if isinstance(item, numbers.Integral):
                return sp.Integer(int(item))
            if isinstance(item, Fraction):
                return sp.Rational(item.numerator, item.denominator)
            return sp.Float(number.real)
        if isinstance(item, sp.Basic):
            return self._expression(item, subject, in_where)
        if callable(item):
            return item
        kind = type(item).__name__
        raise _Reject(
            "type",
            f"{subject} is {_show(item)} (of type {kind}); expected a formula as a "
            'string such as "3*x**2 - 4", a sympy expression, a number or a '
            "function.",
        )

    def _expression(self, expr: sp.Basic, subject: str, where: str) -> sp.Expr:
        if isinstance(expr, sp.core.relational.Relational):
            raise _Reject(
                "type",
                f"{subject} is an equation; write only the expression, such "
                'as "3*x**2 - 4" rather than "y = 3*x**2 - 4".',
            )
        if not isinstance(expr, sp.Expr):
            raise _Reject("type", f"{subject} is {_show(expr)}, not a formula.")
        undefined = sorted({str(f.func) for f in expr.atoms(AppliedUndef)})
        if undefined:
            raise _Reject(
                "unknown name",
                f"{subject} uses the function {_names(undefined)}, which is not known here.",
            )
        names = {str(s) for s in expr.free_symbols}
        unknown = sorted(names - set(self.names))
        if unknown:
            self._unknown(unknown, where)
        by_name = {str(s): s for s in self.symbols}
        expr = expr.xreplace({s: by_name[str(s)] for s in expr.free_symbols})
        if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise _Reject("not finite", f"{subject} contains infinity or nan ({_show(expr)}).")
        return expr


def _as_point_args(func: Callable, n: int) -> bool:
    """Whether a function of several variables takes them as separate arguments f(x, y)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return n > 1 and len(required) == n


class _Evaluator:
    """Evaluates `_Value` objects at the exercise's points, as float arrays (N, *shape)."""

    def __init__(self, symbols: list[sp.Symbol], points: np.ndarray):
        self.symbols, self.points = symbols, points

    def at(self, row: int) -> str:
        return ", ".join(
            f"{s} = {_fmt(v)}" for s, v in zip(self.symbols, self.points[row], strict=True)
        )

    def values(self, value: _Value) -> np.ndarray:
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
                raise _Reject(
                    "error",
                    f"Your function raised {type(exc).__name__}"
                    f"{': ' + detail if detail else ''} (at {self.at(row)}).",
                ) from None
            arr = self._number_array(out, row)
            if shape is not None and arr.shape != shape:
                raise _Reject(
                    "shape",
                    f"Your function returned {_shape_text(shape)} at "
                    f"{self.at(0)} but {_shape_text(arr.shape)} at {self.at(row)}.",
                )
            if not whole and arr.shape != ():
                raise _Reject(
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
            raise _Reject("type", f"Your function returned None at {at}: did you forget 'return'?")
        if isinstance(out, (str, bytes, bool, np.bool_)):
            raise _Reject(
                "type", f"Your function returned {_show(out)} at {at}; it should return a number."
            )
        if isinstance(out, sp.MatrixBase):
            out = out.tolist()
        if isinstance(out, sp.Basic) and out.free_symbols:
            raise _Reject(
                "type",
                f"Your function returned the formula {_show(out)} at {at}; "
                "it should return a number.",
            )
        try:
            arr = np.asarray(out)
            if arr.size > 10_000:
                raise _Reject("shape", f"Your function returned {_shape_text(arr.shape)}.")
            arr = arr.astype(complex)
        except (TypeError, ValueError):
            raise _Reject(
                "type",
                f"Your function returned {_show(out)} at {at}, which is not "
                "a number or an array of numbers.",
            ) from None
        if np.any(np.abs(arr.imag) > 1e-12 * (1 + np.abs(arr.real))):
            raise _Reject(
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


def _normalise(choice: str) -> str:
    return " ".join(choice.casefold().replace("-", " ").replace("_", " ").split()).strip(".!")


def _mistake_pairs(func: str, mistakes: Any) -> list[tuple[Any, str]]:
    if mistakes is None:
        return []
    items = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    try:
        pairs = [(key, hint) for key, hint in items]
    except (TypeError, ValueError):
        fail(
            func,
            'mistakes must map wrong answers to hints, such as {"3*x**2": "The '
            'derivative of -4x is -4."}, got ' + _show(mistakes),
            TypeError,
        )
    for key, hint in pairs:
        if not isinstance(hint, str) or not hint.strip():
            fail(
                func,
                f"the hint for the mistake {_show(key)} must be a non-empty string, got "
                f"{_show(hint)}",
                TypeError,
            )
    return pairs


def _sample(func: str, domain: Any, names: list[str]) -> np.ndarray:
    """N_POINTS seeded random points of the domain, rounded so messages show short numbers."""
    n = len(names)
    if isinstance(domain, Mapping):
        missing = [name for name in names if name not in domain]
        if missing:
            fail(
                func,
                f"domain gives no interval for {_names(missing)}; pass "
                f"domain={{'{missing[0]}': (-2, 2), ...}} with every variable",
            )
        bounds = [domain[name] for name in names]
    elif np.ndim(domain) == 1:
        bounds = [domain] * n
    elif np.ndim(domain) == 2 and len(domain) == n:
        bounds = list(domain)
    else:
        fail(
            func,
            f"domain must be an interval such as (-2, 2), one interval per variable, or a "
            f"dict of intervals, got {_show(domain)}",
        )
    lows, highs = [], []
    for name, bound in zip(names, bounds, strict=True):
        try:
            low, high = (float(b) for b in bound)
        except (TypeError, ValueError):
            fail(func, f"the domain of {name} must be an interval (low, high), got {_show(bound)}")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            fail(func, f"the domain of {name} must be finite with low < high, got {_show(bound)}")
        lows.append(low)
        highs.append(high)
    low, high = np.array(lows), np.array(highs)
    step = 10.0 ** (np.floor(np.log10(high - low)) - 2)
    points = np.random.default_rng(0).uniform(low, high, size=(N_POINTS, n))
    return np.clip(np.round(np.round(points / step) * step, 12), low, high)


class Exercise:
    """An exercise whose answer checks itself.

    On construction the exercise checks its own reference answer and each listed mistake, and
    raises a ``ValueError`` if the answer is not accepted or a mistake does not get its hint:
    running a notebook tests its exercises.

    Parameters
    ----------
    label : str
        A short name for the exercise, such as ``"ex-derivatives-1"`` or ``"2.3"``, kept as
        ``.label``. The feedback's heading is made from its trailing number: ``"Exercise 1"``,
        ``"Exercise 2.3"``.
    answer : str, sympy expression, number, callable, sequence, numpy array or sympy Matrix
        The reference answer: a formula (``"3*x**2 - 4"``), a vector or matrix of formulas or
        numbers, a function, or, with ``choices``, one of the choices.
    variables : str or sequence
        The variables of the formulas, such as ``"x"`` or ``"x y"``.
    domain : tuple, sequence of tuples or dict
        Where answers are compared numerically: one interval for every variable, one per
        variable, or a dict from variable name to interval. Choose it inside the domain of the
        answer (for ``log(x)`` use ``(0.1, 3)``).
    choices : sequence of str, optional
        For a multiple-choice question: the possible answers, such as ``["local minimum",
        "local maximum", "saddle point"]``. Answers are compared ignoring case and spaces.
    mistakes : dict, optional
        Typical wrong answers mapped to the hint they should get.
    hint : str, optional
        A general hint shown with a wrong answer that is not a listed mistake.
    title : str, optional
        The heading of the feedback, such as ``"Exercise 3 (product rule)"``, in place of the
        one made from the label.

    Notes
    -----
    A learner may answer with a string (``"3*x**2 - 4"``, ``"3x^2 - 4"``, ``"[2x, 2y]"``), a
    sympy expression or Matrix, a number, a list (of lists) or numpy array whose entries are
    any of these, or a Python function. A function of one variable is called as ``f(x)``
    with a number; of several variables as ``f(x, y)`` if it takes that many arguments, else
    as ``f(p)`` with a point ``p`` of shape (n,). It may run for ``TIME_LIMIT`` (2) seconds in all.
    A vector answer may be given as a row or a column, and a one-row or one-column matrix
    answer as a flat list. A wrong answer is said to be off by a constant factor only when
    the factor is a simple fraction such as 2, 1/2 or 2/3.

    Examples
    --------
    >>> ex = Exercise("1.1", answer="3*x**2 - 4", mistakes={"3*x**2": "Where did the -4x go?"})
    >>> ex.check("3x^2 - 4")
    Exercise 1.1: ✓ Correct. Your answer equals the reference answer.
    >>> ex.check("3*x**2")
    Exercise 1.1: ✗ Not yet. Where did the -4x go?
    >>> ex.check("-3*x**2 + 4").kind
    'sign'
    >>> Exercise("ex-derivatives-2", answer="2*x").check("2x")
    Exercise 2: ✓ Correct. Your answer equals the reference answer.
    >>> Exercise("ex-derivatives-2", answer="2*x", title="Power rule").check("x^2")
    Power rule: ✗ Not yet. At x = 0.55 your answer gives 0.3025, but the correct value is 1.1.
    >>> kind = Exercise("4.2", "saddle point", choices=["local minimum", "saddle point"])
    >>> kind.check("Saddle  Point").correct
    True
    """

    def __init__(
        self,
        label: str,
        answer: Any,
        *,
        variables: Any = "x",
        domain: Any = (-2, 2),
        choices: Any = None,
        mistakes: Any = None,
        hint: str | None = None,
        title: str | None = None,
    ):
        func = "Exercise"
        if not isinstance(label, str) or not label.strip():
            fail(
                func,
                f'label must be a non-empty string such as "1.2", got {_show(label)}',
                TypeError,
            )
        if hint is not None and not isinstance(hint, str):
            fail(func, f"hint must be a string or None, got {_show(hint)}", TypeError)
        if title is not None and (not isinstance(title, str) or not title.strip()):
            fail(
                func,
                f'title must be a non-empty string such as "Exercise 3 (product rule)" or None, '
                f"got {_show(title)}",
                TypeError,
            )
        self.label, self.answer, self.hint = label, answer, hint
        self.title = _title_of(label) if title is None else title.strip()
        func = f"Exercise {label!r}"
        pairs = _mistake_pairs(func, mistakes)
        self.choices: list[str] | None = None
        if choices is not None:
            self._init_choices(func, answer, choices, pairs)
        else:
            self._init_formula(func, answer, variables, domain, pairs)
        self._verify(func, pairs)

    def _init_choices(self, func: str, answer: Any, choices: Any, pairs: list) -> None:
        if isinstance(choices, str) or not all(isinstance(c, str) for c in choices):
            fail(
                func,
                f"choices must be a list of strings such as ['local minimum', 'saddle "
                f"point'], got {_show(choices)}",
                TypeError,
            )
        self.choices = list(choices)
        self._choice_of = {_normalise(c): c for c in self.choices}
        if len(self._choice_of) != len(self.choices):
            fail(func, f"choices has two entries that differ only in case or spaces: {choices}")
        for what, value in [("answer", answer)] + [("mistake", key) for key, _ in pairs]:
            if not isinstance(value, str) or _normalise(value) not in self._choice_of:
                fail(func, f"the {what} {_show(value)} is not one of the choices {self.choices}")
        self._choice_answer = self._choice_of[_normalise(answer)]
        self._choice_hints = {self._choice_of[_normalise(k)]: hint for k, hint in pairs}

    def _init_formula(
        self, func: str, answer: Any, variables: Any, domain: Any, pairs: list
    ) -> None:
        self.variables = _variables(func, variables, "variables")
        names = [str(s) for s in self.variables]
        self._reader = _Reader(self.variables)
        self._eval = _Evaluator(self.variables, _sample(func, domain, names))
        self._answer, self._values = self._author_value(func, "answer", answer)
        finite = np.all(np.isfinite(self._values.reshape(N_POINTS, -1)), axis=1)
        if not finite.all():
            bad = int(np.argmin(finite))
            fail(
                func,
                f"the answer is not defined at {self._eval.at(bad)} (nor at "
                f"{N_POINTS - int(finite.sum()) - 1} more of the {N_POINTS} test points) in the "
                f"domain {domain}; pass a domain= where it is defined",
            )
        self._is_number = self._answer.symbolic and not any(
            e.free_symbols for e in self._answer.entries.ravel()
        )
        self._mistakes = []
        for key, hint in pairs:
            value, values = self._author_value(func, f"mistake {_show(key)}", key)
            self._mistakes.append((value, values, hint))

    def _author_value(self, func: str, what: str, value: Any) -> tuple[_Value, np.ndarray]:
        if value is None or value is Ellipsis:
            fail(func, f"the {what} is {value!r}; give a formula, a number, a list or a function")
        try:
            read = self._reader.read(value)
            return read, self._eval.values(read)
        except _Reject as exc:
            extra = ""
            if exc.kind == "unknown name" and isinstance(value, str):
                extra = " (for a multiple-choice question, pass choices=[...])"
            fail(func, f"the {what} cannot be used: {exc.message}{extra}")

    def _verify(self, func: str, pairs: list) -> None:
        result = self.check(self.answer)
        if not result.correct:
            fail(
                func,
                f"the reference answer {_show(self.answer)} is not accepted by its own "
                f"check: {result.message}",
            )
        for key, hint in pairs:
            result = self.check(key)
            if result.correct:
                fail(
                    func,
                    f"the mistake {_show(key)} is accepted as correct: it is equivalent "
                    "to the answer",
                )
            if hint not in result.message:
                fail(
                    func,
                    f"the mistake {_show(key)} does not get its hint (is it equivalent to "
                    f"another listed mistake?); it gets: {result.message}",
                )

    def __repr__(self) -> str:
        return f"Exercise({self.label!r}, answer={_show(self.answer)})"

    # --- checking -------------------------------------------------------------------------

    def check(self, response: Any) -> Feedback:
        """Check a learner's answer; never raises.

        Parameters
        ----------
        response : object
            The answer in any form the exercise accepts; ``None`` means no answer yet.

        Returns
        -------
        Feedback
            ``correct`` and a message saying what is wrong, shown as a coloured box in
            JupyterLab and as text in a terminal.
        """
        try:
            correct, message, kind = self._check(response)
        except Timeout:
            correct, message, kind = False, "Checking this answer took too long.", "timeout"
        except Exception as exc:  # whatever happens, the learner gets a message, not a traceback
            correct, kind = False, "error"
            message = f"This answer could not be checked ({type(exc).__name__}: {exc})."
        if not correct and self.hint and kind not in ("mistake", "no answer", "empty"):
            message = f"{message}\nHint: {self.hint}"
        return Feedback(correct, message, kind, self.label, self.title)

    def _example(self) -> str:
        """What kind of answer to give (a number, a formula, a vector or matrix, a choice),
        never its shape: finding the shape may be the point of the exercise."""
        if self.choices is not None:
            return "one of the choices as a string: " + ", ".join(repr(c) for c in self.choices)
        names = [str(s) for s in self.variables]
        if self._is_number:
            entry = 'a number (or an exact value as a string, such as "sqrt(2)/2")'
            single = 'a number such as 0.5, or an exact value as a string such as "sqrt(2)/2"'
        else:
            entry = f"a formula in {_names(names)} as a string"
            single = f'a formula in {_names(names)} as a string, such as "{names[0]}^2 + 1"'
        if self._answer.shape == ():
            return single
        return (
            "a list for a vector, such as [a, b], or a list of rows for a matrix, such as "
            f"[[a, b], [c, d]]; each entry {entry}"
        )

    def _check(self, response: Any) -> tuple[bool, str, str]:
        if response is None or response is Ellipsis:
            placeholder = "None" if response is None else "..."
            return (
                False,
                f"No answer yet: replace {placeholder} with your answer ({self._example()}).",
                "no answer",
            )
        if isinstance(response, (bytes, bytearray, memoryview)):
            return (
                False,
                (
                    "Your answer is bytes (it starts with b'); write it as a plain "
                    f"string instead, {self._example()}."
                ),
                "type",
            )
        if isinstance(response, str) and not response.strip():
            return False, f"Your answer is empty: type {self._example()}.", "empty"
        if self.choices is not None:
            return self._check_choice(response)

        def read_and_evaluate() -> tuple[_Value, np.ndarray]:
            value = self._reader.read(response)
            return value, self._eval.values(value)

        try:
            value, values = run_limited(read_and_evaluate, TIME_LIMIT)
        except _Reject as exc:
            return False, exc.message, exc.kind
        except Timeout:
            if callable(response):
                return (
                    False,
                    (
                        f"Your function did not finish within {TIME_LIMIT:g} seconds: is "
                        "there a loop that never ends?"
                    ),
                    "timeout",
                )
            return False, f"Your answer took more than {TIME_LIMIT:g} seconds to read.", "timeout"
        return self._compare(value, values)

    def _check_choice(self, response: Any) -> tuple[bool, str, str]:
        listing = ", ".join(repr(c) for c in self.choices)
        if not isinstance(response, str):
            return (
                False,
                (
                    f"Your answer is {_show(response)}; answer with one of the choices as "
                    f"a string: {listing}."
                ),
                "type",
            )
        normal = _normalise(response)
        if normal in self._choice_of:
            choice = self._choice_of[normal]
            if choice == self._choice_answer:
                return True, "", "correct"
            if choice in self._choice_hints:
                return False, self._choice_hints[choice], "mistake"
            return False, f"{choice!r} is not right.", "wrong choice"
        words = [w for w in normal.split() if len(w) >= 3]
        near = [
            c
            for n, c in self._choice_of.items()
            if normal and (normal in n or n in normal or any(w in n.split() for w in words))
        ]
        near += [
            self._choice_of[n]
            for n in difflib.get_close_matches(normal, self._choice_of)
            if self._choice_of[n] not in near
        ]
        if near:
            guesses = " or ".join(repr(c) for c in near)
            return (
                False,
                (
                    f"{_show(response)} is not one of the choices; did you mean "
                    f"{guesses}? Answer with one of: {listing}."
                ),
                "choice",
            )
        return False, f"{_show(response)} is not one of the choices: {listing}.", "choice"

    def _fit_shape(self, values: np.ndarray) -> tuple[np.ndarray | None, str]:
        """The response's values in the answer's shape, or None and the message why not."""
        want, got = self._answer.shape, values.shape[1:]
        fitted = _fit(values, want)
        if fitted is not None:
            return fitted, ""
        if len(want) == 2 and got == want[::-1]:
            if np.all(_close(values.swapaxes(1, 2), self._values)):
                return None, "This is the transpose of the answer: swap rows and columns."
        message = f"Wrong shape: expected {_shape_text(want)}, got {_shape_text(got)}."
        if want == () and got in ((1,), (1, 1)):
            message += " Remove the brackets around your answer."
        elif values[0].size == self._values[0].size > 1:
            mine = values.reshape(N_POINTS, -1)
            if np.all(_close(mine, self._values.reshape(N_POINTS, -1))):
                message += f" The entries are right: {_arrangement(want)}."
            elif len(want) == 2:
                by_column = self._values.swapaxes(1, 2).reshape(N_POINTS, -1)
                if np.all(_close(mine, by_column)):
                    message += (
                        " The entries are right but listed column by column (transposed): "
                        f"{_arrangement(want)}."
                    )
        return None, message

    def _symbolically_equal(self, value: _Value) -> bool:
        def simplify() -> bool:
            pairs = zip(self._answer.entries.ravel(), value.entries.ravel(), strict=True)
            return all(sp.simplify(a - r) == 0 for a, r in pairs)

        try:
            return bool(run_limited(simplify, SIMPLIFY_LIMIT))
        except (Timeout, Exception):
            return False

    def _mistake(self, values: np.ndarray) -> str | None:
        """The hint of the listed mistake these values match, if any."""
        for _, mistake_values, hint in self._mistakes:
            if mistake_values.shape != values.shape and values.shape[1:] == self._answer.shape:
                # a mistake written as a row or column where the answer is the other
                mistake_values = _fit(mistake_values, self._answer.shape)
                if mistake_values is None:
                    continue
            known = np.isfinite(mistake_values)
            if values.shape == mistake_values.shape and np.all(
                _close(values[known], mistake_values[known])
            ):
                return hint
        return None

    def _compare(self, value: _Value, values: np.ndarray) -> tuple[bool, str, str]:
        fitted, message = self._fit_shape(values)
        if fitted is None:
            hint = self._mistake(values)
            if hint:
                return False, hint, "mistake"
            kind = "transpose" if message.startswith("This is the transpose") else "shape"
            return False, message, kind
        r, a = fitted, self._values
        same = _close(r, a)
        if np.all(same):
            return True, self._correct_text(value), "correct"
        # Formulas that differ clearly where both are finite cannot be equal: skip sympy.
        finite = np.isfinite(r) & np.isfinite(a)
        clearly = np.any(finite & ~_close(r, a, 1e-3) & (np.abs(a) < 1e6) & (np.abs(r) < 1e6))
        if value.symbolic and self._answer.symbolic and not clearly:
            if self._symbolically_equal(value):
                return True, self._correct_text(value), "correct"
        hint = self._mistake(fitted)
        if hint:
            return False, hint, "mistake"
        kind, message = self._diagnose(r, a)
        return False, message, kind

    def _correct_text(self, value: _Value) -> str:
        if value.symbolic:
            return "Your answer equals the reference answer."
        return f"Your answer agrees with the reference answer at all {N_POINTS} test points."

    # --- what is wrong --------------------------------------------------------------------

    def _diagnose(self, r: np.ndarray, a: np.ndarray) -> tuple[str, str]:
        """The kind of mismatch and its message; r and a have shape (points, *shape)."""
        shape = a.shape[1:]
        R, A = r.reshape(len(r), -1), a.reshape(len(a), -1)
        if not np.all(np.isfinite(R)):
            row, col = np.argwhere(~np.isfinite(R))[0]
            where = f" ({_entry_name(np.unravel_index(col, shape))})" if shape else ""
            return "undefined", (
                f"Your answer{where} is not defined at {self._eval.at(row)}: it gives "
                f"{R[row, col]}, but the correct value there is {_fmt(A[row, col])}."
            )
        if shape:
            found = self._whole_pattern(R, A, shape)
            if found:
                return found
            return self._entries(R, A, shape)
        return self._scalar(R[:, 0], A[:, 0])

    def _whole_pattern(self, R: np.ndarray, A: np.ndarray, shape: tuple) -> tuple[str, str] | None:
        if len(shape) == 2 and shape[0] == shape[1]:
            n_rows = len(R)
            At = A.reshape((n_rows,) + shape).swapaxes(1, 2).reshape(n_rows, -1)
            if np.all(_close(R, At)) and not np.all(_close(A, At)):
                return "transpose", "This is the transpose of the answer: swap rows and columns."
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
        if len(A.ravel()) > len(A):  # several entries: a pattern over all of them
            return self._pattern(R.ravel(), A.ravel(), "the correct one")
        return None

    def _pattern(self, r: np.ndarray, a: np.ndarray, correct: str) -> tuple[str, str] | None:
        """Sign, zero or a simple constant factor (`_simple_ratio`), over all values at once."""
        nonzero = np.abs(a) > 1e-9 * max(1.0, float(np.max(np.abs(a))))
        if not np.any(nonzero):
            return None
        if np.all(_close(r, -a)):
            return "sign", f"Check the sign: your answer is the negative of {correct}."
        if np.all(_close(r, 0 * r)):
            return "zero", f"Your answer is 0, but {correct} is not."
        ratio = _simple_ratio(float(np.median(r[nonzero] / a[nonzero])))
        if ratio is not None and ratio != 1 and np.all(_close(r, float(ratio) * a)):
            return "factor", f"Off by a constant factor: your answer is {ratio} times {correct}."
        return None

    def _entries(self, R: np.ndarray, A: np.ndarray, shape: tuple) -> tuple[str, str]:
        right = [bool(np.all(_close(R[:, k], A[:, k]))) for k in range(R.shape[1])]
        names = [_entry_name(np.unravel_index(k, shape)) for k in range(R.shape[1])]
        wrong = [k for k, ok in enumerate(right) if not ok]
        kind, detail = self._scalar(R[:, wrong[0]], A[:, wrong[0]])
        bad = _names([names[k] for k in wrong])
        good = [names[k] for k, ok in enumerate(right) if ok]
        if good:
            summary = f"{bad[0].upper()}{bad[1:]} {'is' if len(wrong) == 1 else 'are'} not right"
            summary += f" ({_names(good)} {'is' if len(good) == 1 else 'are'} right)."
        else:
            summary = "No entry is right."
        if len(shape) == 2:
            summary += " Entries are numbered (row, column) from 1."
        return kind, f"{summary} In {names[wrong[0]]}: {detail[0].lower()}{detail[1:]}"

    def _scalar(self, r: np.ndarray, a: np.ndarray) -> tuple[str, str]:
        """The mismatch of one scalar entry at the points."""
        varies = not np.all(_close(a, np.full_like(a, a[0])))
        r_varies = not np.all(_close(r, np.full_like(r, r[0])))
        if self._is_number and r_varies:
            return "not a number", (
                f"Your answer changes with {_names(list(map(str, self.variables)))}"
                ", but the answer is a number: substitute the point into "
                "your formula."
            )
        found = self._pattern(r, a, "the correct one" if varies else "the correct value")
        if found:
            return found
        if varies and np.all(_close(r - a, np.full_like(a, r[0] - a[0]))):
            offset = r[0] - a[0]
            return "constant", (
                f"Off by a constant: your answer is the correct one "
                f"{'plus' if offset > 0 else 'minus'} {_fmt(abs(offset))} "
                "everywhere."
            )
        k = int(np.argmax(~_close(r, a)))
        if np.all(_close(r, a, _CLOSE)):
            relative = abs(r[k] - a[k]) / max(abs(a[k]), 1e-300)
            at = f"at {self._eval.at(k)} " if varies else ""
            return "close", (
                f"Close, but not accurate enough: {at}your answer gives "
                f"{r[k]:.8g} and the correct value is {a[k]:.8g}, a relative "
                f"difference of {relative:.1e}. Give an exact formula or more "
                "digits."
            )
        if not varies:
            size = "large" if r[k] > a[k] else "small"
            return "value", f"Your answer {_fmt(r[k])} is not right: it is too {size}."
        prefix = ""
        if not r_varies:
            prefix = (
                f"Your answer is the constant {_fmt(r[0])}, but the correct one changes "
                f"with {_names(list(map(str, self.variables)))}. "
            )
        return "value", (
            f"{prefix}At {self._eval.at(k)} your answer gives {_fmt(r[k])}, "
            f"but the correct value is {_fmt(a[k])}."
        )
