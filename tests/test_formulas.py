"""Tests of calclib.formulas: reading a formula as a reader types it."""

import pytest
import sympy as sp

from calclib.formulas import ParseError, parse_formula

x, y = sp.symbols("x y")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3*x**2 - 4", 3 * x**2 - 4),
        ("3x^2 - 4", 3 * x**2 - 4),
        ("2x y", 2 * x * y),
        ("xy", x * y),
        ("sin x", sp.sin(x)),
        ("2sin(x)cos(x)", 2 * sp.sin(x) * sp.cos(x)),
        ("e^x", sp.exp(x)),
        ("ln(x)", sp.log(x)),
        ("x²−1", x**2 - 1),
        ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
        ("relu(x)", sp.Max(0, x)),
        ("[2x, 2y]", [2 * x, 2 * y]),
    ],
)
def test_parse_formula_reads_what_a_reader_types(text, expected):
    assert parse_formula(text, [x, y]) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("3*(x**2 - 4", 'the "(" at character 3 is never closed'),
        ("3x^2 - 4)", 'the ")" at character 9 has no matching "("'),
        ("(x + 1]", 'closed by "]" at character 7'),
        ("y = 3x", 'contains "="'),
        ("sinx", "write sin(x) with brackets"),
        ("sin^2(x)", "sin(x)^2"),
        ("\\frac{1}{2}", "LaTeX"),
        ("x.__class__", 'a "." may only be a decimal point'),
        ("__builtins__", 'the word "__builtins__"'),
        ("x.real", 'a "." may only be a decimal point'),
        ("__import__('os').system('true')", 'the word "__import__"'),
        ("lambda: 1", 'the word "lambda"'),
        ("'x'", "quotes"),
        ("x $ 1", 'the character "$"'),
        ("2j", "imaginary"),
        ("sin", "needs an argument"),
        ("x +* 2", "not a valid formula"),
        ("", "empty"),
    ],
)
def test_parse_formula_says_what_is_wrong(text, says):
    with pytest.raises(ParseError, match=None) as info:
        parse_formula(text, [x])
    assert says in str(info.value)


def test_parse_formula_points_at_the_unclosed_bracket():
    with pytest.raises(ParseError) as info:
        parse_formula("3*(x**2 - 4", [x])
    lines = str(info.value).splitlines()
    assert lines[-2].strip() == "3*(x**2 - 4"
    assert lines[-1].index("^") == lines[-2].index("(")


def test_parse_formula_strict_lists_unknown_names():
    with pytest.raises(ParseError) as info:
        parse_formula("foo(x) + a", [x], strict=True)
    assert info.value.names == ["foo", "a"]
    assert parse_formula("a*x", [x]) == sp.Symbol("a") * x  # not strict: a new symbol


@pytest.mark.parametrize("text", ["open(x)", "eval(x)", "globals()", "exit(1)", "print(x)"])
def test_parse_formula_cannot_reach_python(text, capsys):
    # A name the parser does not know is read as symbols, never as a Python builtin:
    # nothing is printed, exit() does not exit, and the result is a formula.
    try:
        value = parse_formula(text, [x])
    except ParseError:
        value = sp.Integer(0)
    assert isinstance(value, sp.Expr)
    assert capsys.readouterr().out == ""
