"""Reading a formula as a reader types it: ``"3x^2 - 4"``, ``"x*exp(-y^2)"``, ``"sin x"``.

:func:`parse_formula` turns such a string into a sympy expression, safely: only numbers, names,
brackets, commas and the operators ``+ - * / ^ **`` are allowed, and nothing is ``eval``-ed as
Python; ``^`` means a power, and a product can be written without ``*`` (``2x``, ``x y``,
``sin x``). What it cannot read raises :class:`ParseError`, which says why and points at the
place. The exact functions of :mod:`calclib.symbolic` accept such strings, and exercises read
a learner's typed answers with it.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.parsing.sympy_parser import (
    _token_splittable,
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

__all__ = ["KNOWN_NAMES", "ParseError", "parse_formula"]

_TRANSFORMATIONS = standard_transformations + (implicit_multiplication_application, convert_xor)

_t = sp.Dummy("t")
#: The functions and constants a formula string may use, by the names a reader types.
KNOWN_NAMES: dict[str, Any] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "atan2": sp.atan2,
    "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "cbrt": sp.cbrt,
    "abs": sp.Abs, "Abs": sp.Abs, "sign": sp.sign, "floor": sp.floor, "ceiling": sp.ceiling,
    "max": sp.Max, "min": sp.Min, "Max": sp.Max, "Min": sp.Min,
    "Heaviside": sp.Heaviside, "factorial": sp.factorial,
    "sigmoid": sp.Lambda(_t, 1 / (1 + sp.exp(-_t))),
    "relu": sp.Lambda(_t, sp.Max(0, _t)),
    "softplus": sp.Lambda(_t, sp.log(1 + sp.exp(_t))),
    "pi": sp.pi, "π": sp.pi, "e": sp.E, "E": sp.E,
}  # fmt: skip

_FUNCTION_NAMES = sorted(
    (name for name, obj in KNOWN_NAMES.items() if callable(obj) and name.isalpha()),
    key=len,
    reverse=True,
)
# What the parser's own code needs; no builtins, so a formula cannot reach Python itself.
_GLOBALS = {
    "__builtins__": {},
    "Symbol": sp.Symbol,
    "Function": sp.Function,
    "Integer": sp.Integer,
    "Float": sp.Float,
    "Rational": sp.Rational,
    "Number": sp.Number,
    "factorial": sp.factorial,
}
_UNICODE = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/", "²": "^2", "³": "^3",
            "√": "sqrt ", "\t": " ", "\n": " ", "\r": " "}  # fmt: skip
_OPERATORS = {"+", "-", "*", "/", "**", "^", "(", ")", "[", "]", ","}
_PAIRS = {")": "(", "]": "["}
_MAX_LENGTH = 2000


class ParseError(ValueError):
    """A formula string that cannot be read; ``str(error)`` says why and where.

    ``names`` lists the unknown names, if that is the reason.
    """

    def __init__(self, message: str, names: Sequence[str] = ()):
        super().__init__(message)
        self.names = list(names)


def _snippet(text: str, pos: int) -> str:
    """The formula on one line and a caret under character ``pos`` (0-based)."""
    return f"\n    {text}\n    {' ' * pos}^"


def _check_brackets(text: str) -> None:
    stack: list[tuple[str, int]] = []
    for pos, char in enumerate(text):
        if char in "([":
            stack.append((char, pos))
        elif char in ")]":
            if not stack:
                raise ParseError(
                    f'the "{char}" at character {pos + 1} has no matching "{_PAIRS[char]}"'
                    + _snippet(text, pos)
                )
            opener, start = stack.pop()
            if opener != _PAIRS[char]:
                raise ParseError(
                    f'the "{opener}" at character {start + 1} is closed by "{char}" at '
                    f"character {pos + 1}; use round brackets ( ) for grouping"
                    + _snippet(text, pos)
                )
    if stack:
        opener, start = stack[-1]
        closer = ")" if opener == "(" else "]"
        raise ParseError(
            f'the "{opener}" at character {start + 1} is never closed; add a "{closer}" '
            "where it should end" + _snippet(text, start)
        )


def _splits_into_known(name: str, local: dict[str, Any]) -> bool:
    """Whether implicit multiplication reads ``name`` as a product of known names (``xy``)."""
    if not _token_splittable(name):
        return False
    return all(char.isdigit() or char in local for char in name)


def _check_tokens(text: str, local: dict[str, Any], strict: bool) -> None:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ParseError(f"it is not a valid formula ({exc})") from None
    unknown: list[str] = []
    for tok in tokens:
        kind, string, pos = tok.type, tok.string, tok.start[1]
        where = f" at character {pos + 1}" + _snippet(text, pos)
        if kind == tokenize.NAME:
            if keyword.iskeyword(string) or string.startswith("_") or "__" in string:
                raise ParseError(f'the word "{string}" cannot be used in a formula' + where)
            if string in local:
                continue
            for fname in _FUNCTION_NAMES:
                if string.startswith(fname) and string[len(fname)].isalpha():
                    rest = string[len(fname) :]
                    raise ParseError(
                        f'write {fname}({rest}) with brackets: "{string}" would be read as '
                        "a product of single letters" + where
                    )
            if strict and not _splits_into_known(string, local) and string not in unknown:
                unknown.append(string)
        elif kind == tokenize.NUMBER:
            if string[-1] in "jJ":
                raise ParseError(f'imaginary numbers such as "{string}" are not allowed' + where)
        elif kind == tokenize.OP:
            if string == ".":
                raise ParseError('a "." may only be a decimal point, as in 0.5' + where)
            if string in ("=", "==", "<", ">", "<=", ">=", "!="):
                raise ParseError(
                    f'it contains "{string}": write only the expression, such as "3*x**2 - 4" '
                    'rather than "y = 3*x**2 - 4"'
                )
            if string == "|":
                raise ParseError('write abs(x) for the absolute value instead of "|x|"' + where)
            if string not in _OPERATORS:
                raise ParseError(f'"{string}" is not allowed in a formula' + where)
        elif kind == tokenize.STRING:
            raise ParseError("remove the quotes inside the formula" + where)
        elif kind in (tokenize.ERRORTOKEN, tokenize.COMMENT):
            if string.strip():
                raise ParseError(f'the character "{string[0]}" is not allowed in a formula' + where)
    if unknown:
        listed = ", ".join(unknown)
        raise ParseError(f"unknown name{'s' if len(unknown) > 1 else ''}: {listed}", unknown)


def _check_result(value: Any, text: str) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_result(item, text)
    elif isinstance(value, sp.FunctionClass) or isinstance(value, sp.Lambda):
        raise ParseError(f"a function needs an argument in brackets, such as sin(x), in {text!r}")
    elif not isinstance(value, sp.Expr):
        raise ParseError(f"{text!r} is not a formula")


def parse_formula(text: str, symbols: Sequence[sp.Symbol] = (), *, strict: bool = False) -> Any:
    """Read a formula string into a sympy expression (or a nested list for ``[a, b]``).

    Parameters
    ----------
    text : str
        The formula, such as ``"3x^2 - 4"``, ``"x*exp(-y**2)"`` or ``"[2x, 2y]"``.
    symbols : sequence of sympy.Symbol
        The variables; a name in ``text`` equal to a symbol's name becomes that symbol.
    strict : bool
        If true, refuse names that are neither a variable nor a known function or constant
        (otherwise they become new symbols).

    Returns
    -------
    sympy.Expr or list
        The expression, or a list (of lists) of expressions for a bracketed list.

    Raises
    ------
    ParseError
        A ``ValueError`` saying what is wrong and where, for example an unclosed bracket.

    Examples
    --------
    >>> parse_formula("3x^2 - 4")
    3*x**2 - 4
    >>> parse_formula("3*(x^2 - 4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calclib.formulas.ParseError: the "(" at character 3 is never closed; ...
    """
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    text = text.strip()
    if not text:
        raise ParseError("the formula is empty")
    if len(text) > _MAX_LENGTH:
        raise ParseError(f"the formula is {len(text)} characters long; the limit is {_MAX_LENGTH}")
    if "\\" in text or "{" in text or "}" in text:
        raise ParseError(
            "this looks like LaTeX; write the formula as in Python: (1)/(2), x**2 or x^2, sqrt(x)"
        )
    local = dict(KNOWN_NAMES)
    local.update({str(s): s for s in symbols})
    _check_brackets(text)
    _check_tokens(text, local, strict)
    match = re.search(rf"\b({'|'.join(_FUNCTION_NAMES)})\s*(\^|\*\*)", text)
    if match:
        name = match.group(1)
        raise ParseError(f"write a power of {name} as {name}(x)^2, not {name}^2(x)")
    try:
        value = parse_expr(
            text, local_dict=local, global_dict=dict(_GLOBALS), transformations=_TRANSFORMATIONS
        )
    except Exception:  # any failure of the parser is the formula's fault
        raise ParseError(
            "it is not a valid formula; check for a missing operator or bracket, or a function "
            'given the wrong number of arguments, as in "3*x**2 - 4" or "3x^2 - 4"'
        ) from None
    _check_result(value, text)
    return value
