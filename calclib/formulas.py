"""Reading a formula as a reader types it: ``"3x^2 - 4"``, ``"x*exp(-y^2)"``, ``"sin x"``.

:func:`parse_formula` turns such a string into a sympy expression, safely: only numbers, names,
brackets, commas and the operators ``+ - * / ^ **`` are allowed, and nothing is ``eval``-ed as
Python; ``^`` means a power, and a product can be written without ``*`` (``2x``, ``x y``,
``sin x``, ``2xsin(x)``), and an exponent in superscript digits (``x²``, ``x⁻¹``). What it
cannot read raises :class:`ParseError`, which says why and points at the place. The exact
functions of :mod:`calclib.symbolic` accept such strings, and exercises read a learner's typed
answers with it.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from tokenize import NAME, OP
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

# Longest first, so that a word is matched against sinh before sin.
_CALLABLE_NAMES = sorted(
    (name for name, obj in KNOWN_NAMES.items() if callable(obj)), key=len, reverse=True
)
_FUNCTION_NAMES = [name for name in _CALLABLE_NAMES if name.isalpha()]
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
_UNICODE = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/",
            "√": "sqrt ", "\t": " ", "\n": " ", "\r": " "}  # fmt: skip
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT = re.compile(f"[{_SUPERSCRIPT_DIGITS}⁺⁻]+")
_LONE_SIGN = re.compile(f"[⁺⁻](?![{_SUPERSCRIPT_DIGITS}])")
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS + "⁺⁻", "0123456789+-")
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


def _write_powers(text: str) -> str:
    """Superscript exponents as powers: ``x²`` is ``x^2``, ``x¹²`` ``x^12``, ``x⁻¹`` ``x^(-1)``.

    A run of superscript digits and signs is one exponent: ``x²⁺¹`` is ``x^(2+1)``.
    """
    lone = _LONE_SIGN.search(text)
    if lone:
        sign, pos = lone.group(), lone.start()
        raise ParseError(
            f'the superscript "{sign}" at character {pos + 1} needs superscript digits after it, '
            "as in x⁻¹; otherwise write the power with ^, as in x^(-1)" + _snippet(text, pos)
        )

    def power(match: re.Match) -> str:
        # int() drops leading zeros, which Python refuses in a number (x⁰⁵ is x^5)
        exponent = re.sub(r"\d+", lambda m: str(int(m[0])), match[0].translate(_FROM_SUPERSCRIPT))
        after = match.string[match.end() : match.end() + 1]
        # x²3 is x^2*3, not x^23: brackets keep the exponent apart from a following number.
        if exponent.isdigit() and not (after.isdigit() or after == "."):
            return f"^{exponent}"
        return f"^({exponent})"

    return _SUPERSCRIPT.sub(power, text)


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


def _product_before_call(word: str, local: dict[str, Any]) -> tuple[str, str] | None:
    """How a word written before ``(`` reads as a product times a function, or None.

    ``2xsin(x)`` is ``2x*sin(x)``: a word that is not itself a known name (``sinh`` stays
    sinh, a variable ``xsin`` stays that variable) and ends with a known function name is
    that function, multiplied by the part before it, if that part is a variable or
    constant (``pisin``) or splits into them (``xysin``). The longest function name that
    leaves such a part wins: ``xasin(x)`` is ``x*asin(x)``, never ``x*a*sin(x)``.
    """
    if word in local:
        return None
    for fname in _CALLABLE_NAMES:
        head = word[: -len(fname)]
        if not head or not word.endswith(fname) or local.get(fname) is not KNOWN_NAMES[fname]:
            continue
        if head in local:
            if not callable(local[head]):  # a variable or a constant, not a function
                return head, fname
        elif _splits_into_known(head, local) and not head.startswith(tuple(_FUNCTION_NAMES)):
            return head, fname
    return None


def _split_product_before_call(tokens: list, local: dict[str, Any], _globals: dict) -> list:
    """Parser step: a word such as ``xsin`` before ``(`` becomes ``x * sin``."""
    result = []
    for i, (kind, string) in enumerate(tokens):
        parts = None
        if kind == NAME and i + 1 < len(tokens) and tokens[i + 1] == (OP, "("):
            parts = _product_before_call(string, local)
        if parts:
            result.extend([(NAME, parts[0]), (OP, "*"), (NAME, parts[1])])
        else:
            result.append((kind, string))
    return result


_TRANSFORMATIONS = (
    (_split_product_before_call,)
    + standard_transformations
    + (implicit_multiplication_application, convert_xor)
)


def _check_tokens(text: str, local: dict[str, Any], strict: bool) -> None:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ParseError(f"it is not a valid formula ({exc})") from None
    unknown: list[str] = []
    for i, tok in enumerate(tokens):
        kind, string, pos = tok.type, tok.string, tok.start[1]
        where = f" at character {pos + 1}" + _snippet(text, pos)
        if kind == tokenize.NAME:
            if keyword.iskeyword(string) or string.startswith("_") or "__" in string:
                raise ParseError(f'the word "{string}" cannot be used in a formula' + where)
            if string in local:
                continue
            call = i + 1 < len(tokens) and tokens[i + 1].exact_type == tokenize.LPAR
            if call and _product_before_call(string, local):
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

    Notes
    -----
    A word written before a bracket that is not itself a variable or a known name, such as
    ``xsin`` in ``2xsin(x)``, is read as a product times a function when it ends with a known
    function name and the part before that is a variable or constant or splits into them:
    ``2x*sin(x)``. If several function names fit, the longest wins (``xasin(x)`` is
    ``x*asin(x)``). A known name keeps its meaning: ``sinh(x)`` is never ``sin*h(x)``.

    Examples
    --------
    >>> parse_formula("3x^2 - 4")
    3*x**2 - 4
    >>> x = sp.Symbol("x")
    >>> parse_formula("2xsin(x) + x⁻¹", [x], strict=True)
    2*x*sin(x) + 1/x
    >>> parse_formula("3*(x^2 - 4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calclib.formulas.ParseError: the "(" at character 3 is never closed; ...
    """
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    text = _write_powers(text.strip())
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
