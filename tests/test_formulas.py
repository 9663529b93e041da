"""Tests of calclib.formulas: reading a formula as a reader types it."""

import pytest
import sympy as sp

from calclib.formulas import KNOWN_NAMES, ParseError, parse_formula

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


SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
t = sp.Symbol("t")


@pytest.mark.parametrize("digit", range(10))
def test_parse_formula_reads_each_superscript_digit_as_a_power(digit):
    assert parse_formula(f"x{SUPERSCRIPT_DIGITS[digit]}", [x]) == x**digit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5t⁴", 5 * t**4),
        ("x¹²", x**12),
        ("x¹⁰ + 1", x**10 + 1),
        ("x⁻¹", 1 / x),
        ("x⁻²", x**-2),
        ("x²⁺¹", x**3),  # a run of superscripts is one exponent
        ("x⁰⁵", x**5),
        ("2⁻¹x", x / 2),
        ("2x²y", 2 * x**2 * y),
        ("x²3", 3 * x**2),  # the 3 is a factor, not part of the exponent
        ("(x+1)²", (x + 1) ** 2),
        ("(x+1)⁻¹", 1 / (x + 1)),
        ("exp(x)²", sp.exp(2 * x)),
    ],
)
def test_parse_formula_reads_superscript_exponents(text, expected):
    assert parse_formula(text, [x, y, t], strict=True) == expected


def test_parse_formula_says_a_superscript_minus_needs_digits():
    with pytest.raises(ParseError) as info:
        parse_formula("e⁻x", [x])
    assert 'superscript "⁻" at character 2' in str(info.value)
    assert "x^(-1)" in str(info.value)


def test_exercise_accepts_a_superscript_power():
    import calclib as cl

    feedback = cl.Exercise("t", answer="5*t**4", variables="t").check("5t⁴")
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2xsin(x)", 2 * x * sp.sin(x)),
        ("2xcos(x)", 2 * x * sp.cos(x)),
        ("xexp(xy)", x * sp.exp(x * y)),
        ("xysin(x)", x * y * sp.sin(x)),
        ("x^2cos(x)", x**2 * sp.cos(x)),
        ("2xsin (x)", 2 * x * sp.sin(x)),
        ("esin(x)", sp.E * sp.sin(x)),
        ("pisin(x)", sp.pi * sp.sin(x)),
        ("xsinh(x)", x * sp.sinh(x)),
        ("xasin(x)", x * sp.asin(x)),  # the longest function name: asin, not a*sin
        ("xatan2(y, x)", x * sp.atan2(y, x)),
        ("ylog(x) + xln(y)", y * sp.log(x) + x * sp.log(y)),
    ],
)
def test_parse_formula_reads_a_variable_written_before_a_function(text, expected):
    assert parse_formula(text, [x, y], strict=True) == expected
    assert parse_formula(text, [x, y]) == expected


@pytest.mark.parametrize(
    "name",
    ["sin", "sinh", "asin", "asinh", "arcsin", "arccos", "arctan", "cosh", "acosh",
     "exp", "sigmoid", "softplus", "ln", "log", "sqrt", "relu", "Heaviside"],
)  # fmt: skip
def test_parse_formula_keeps_function_names_when_every_letter_is_a_variable(name):
    letters = [sp.Symbol(c) for c in "abcdfghilmnoprstuvwxyzH"]
    expected = KNOWN_NAMES[name](x)
    assert parse_formula(f"{name}(x)", letters, strict=True) == expected
    assert parse_formula(f"2{name}(x)", letters, strict=True) == 2 * expected


def test_parse_formula_keeps_atan2_when_every_letter_is_a_variable():
    letters = [sp.Symbol(c) for c in "abcnstxy"]
    assert parse_formula("atan2(y, x)", letters, strict=True) == sp.atan2(y, x)


def test_parse_formula_keeps_a_variable_whose_name_ends_like_a_function():
    xs, xsin = sp.symbols("xs xsin")
    # "xsin(x)" with a variable xs: the longest function name at the end is sin, so x*sin(x).
    assert parse_formula("xsin(x)", [x, xs], strict=True) == x * sp.sin(x)
    assert parse_formula("xs*sin(x)", [x, xs], strict=True) == xs * sp.sin(x)
    # A variable named xsin is that variable, never x*sin.
    assert parse_formula("xsin*(x+1)", [x, xsin], strict=True) == xsin * (x + 1)


@pytest.mark.parametrize(
    ("text", "unknown"),
    [("bsin(x)", ["bsin"]), ("xsin x", ["xsin"]), ("bxsin(x)", ["bxsin"])],
)
def test_parse_formula_splits_a_name_before_a_function_only_into_known_names(text, unknown):
    with pytest.raises(ParseError) as info:
        parse_formula(text, [x], strict=True)
    assert info.value.names == unknown
