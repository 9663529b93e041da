"""Exact derivatives with sympy, and a bridge from sympy to fast numpy functions.

The chapters compute every worked example twice: exactly with the functions below and
numerically with the finite-difference operators, side by side. Each function accepts a sympy
expression or a string as a reader would type it (``"3x^2 - 4"``, ``"x*exp(-y^2)"``).
Strings are read safely by :func:`calclib.formulas.parse_formula`: ``^`` means a power, and a
product can be written without ``*`` (``2x``, ``x y``, ``sin x``).

Variables are matched by name: ``"x"`` and a sympy ``Symbol("x")`` (with any assumptions)
are the same variable.
"""

from __future__ import annotations

import keyword
import math
import numbers
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from calclib._checks import describe, fail
from calclib._time_limit import Timeout, run_limited
from calclib.formulas import ParseError, parse_formula

__all__ = [
    "exact_derivative",
    "exact_gradient",
    "exact_jacobian",
    "exact_hessian",
    "exact_critical_points",
    "to_numpy",
]


def _variables(func: str, vars: Any, name: str = "vars") -> list[sp.Symbol]:
    """The variables as a list of symbols, from ``"x y"``, ``"x, y"``, symbols or names."""
    if isinstance(vars, str):
        items: list[Any] = vars.replace(",", " ").split()
    elif isinstance(vars, sp.Symbol):
        items = [vars]
    elif isinstance(vars, (list, tuple)) or (isinstance(vars, sp.MatrixBase) and 1 in vars.shape):
        items = list(vars)
    else:
        fail(
            func,
            f'{name} must be names such as "x y" or sympy symbols, got {describe(vars)}',
            TypeError,
        )
    symbols = []
    for item in items:
        if isinstance(item, sp.Symbol):
            symbols.append(item)
        elif (
            isinstance(item, str)
            and item.isidentifier()
            and not keyword.iskeyword(item)
            and not item.startswith("_")
        ):
            symbols.append(sp.Symbol(item))
        else:
            fail(
                func,
                f'{name} must be names such as "x y" or sympy symbols, got {item!r} in {vars!r}',
            )
    names = [str(s) for s in symbols]
    if not symbols:
        fail(func, f'{name} is empty; name at least one variable, such as "x"')
    if len(set(names)) != len(names):
        fail(func, f"{name} names a variable twice: {names}")
    return symbols


def _unify(expr: sp.Basic, symbols: list[sp.Symbol]) -> sp.Basic:
    """Replace each symbol of ``expr`` whose name is a variable's name by that variable."""
    by_name = {str(s): s for s in symbols}
    swap = {s: by_name[str(s)] for s in expr.free_symbols
            if str(s) in by_name and s != by_name[str(s)]}  # fmt: skip
    return expr.xreplace(swap) if swap else expr


def _parsed(func: str, text: str, symbols: list[sp.Symbol], name: str) -> Any:
    """``parse_formula(text)``, or the error of ``func`` saying that ``name`` was unreadable."""
    try:
        return parse_formula(text, symbols)
    except ParseError as exc:
        fail(func, f"could not read {name}: {exc}")


def _expression(func: str, expr: Any, symbols: list[sp.Symbol], name: str = "expr") -> sp.Expr:
    """A scalar sympy expression from a string, a sympy expression or a number."""
    if isinstance(expr, str):
        expr = _parsed(func, expr, symbols, name)
    elif isinstance(expr, (int, float)) and not isinstance(expr, bool):
        expr = sp.sympify(expr)
    if isinstance(expr, (list, tuple, sp.MatrixBase)):
        fail(
            func,
            f"{name} must be a single expression, got {describe(expr)}; use exact_jacobian"
            " for a vector of expressions",
        )
    if not isinstance(expr, sp.Expr):
        fail(
            func,
            f'{name} must be a sympy expression or a string such as "3x^2 - 4", got '
            f"{describe(expr)}",
            TypeError,
        )
    return _unify(expr, symbols)


def exact_derivative(expr: Any, var: Any, n: int = 1) -> sp.Expr:
    """The exact ``n``-th derivative of ``expr`` with respect to ``var``.

    Used from chapter 1 on.

    Parameters
    ----------
    expr : sympy.Expr or str
        The function, such as ``"x^3 - 4x"``.
    var : str or sympy.Symbol
        The variable to differentiate by.
    n : int
        The order of the derivative (1 for f', 2 for f'').

    Returns
    -------
    sympy.Expr
        The n-th derivative.

    Examples
    --------
    >>> from calclib import exact_derivative
    >>> exact_derivative("x^3 - 4x", "x")
    3*x**2 - 4
    >>> exact_derivative("sin(x)", "x", n=2)
    -sin(x)
    """
    symbols = _variables("exact_derivative", var, "var")
    if len(symbols) != 1:
        fail(
            "exact_derivative",
            f"var must be one variable such as \"x\", got {len(symbols)}: "
            f"{[str(s) for s in symbols]}; differentiate by one of them at a time, or use "
            "exact_gradient for all partial derivatives",
        )
    (symbol,) = symbols
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        fail("exact_derivative", f"n must be a positive integer such as 1 or 2, got {describe(n)}")
    return sp.diff(_expression("exact_derivative", expr, [symbol]), symbol, int(n))


def exact_gradient(expr: Any, vars: Any) -> sp.Matrix:
    """The exact gradient of a scalar expression, as a sympy column matrix.

    Taught in chapter 3.

    Parameters
    ----------
    expr : sympy.Expr or str
        The function, such as ``"x^2 y + y^3"``.
    vars : str or sequence
        The variables in order, such as ``"x y"`` or ``[x, y]``.

    Returns
    -------
    sympy.Matrix
        Shape (n, 1): entry i is the partial derivative by variable i.

    Examples
    --------
    >>> from calclib import exact_gradient
    >>> exact_gradient("x^2 y + y^3", "x y")
    Matrix([
    [        2*x*y],
    [x**2 + 3*y**2]])
    """
    symbols = _variables("exact_gradient", vars)
    f = _expression("exact_gradient", expr, symbols)
    return sp.Matrix([sp.diff(f, s) for s in symbols])


def exact_jacobian(exprs: Any, vars: Any) -> sp.Matrix:
    """The exact Jacobian of a vector of expressions, in numerator layout.

    Used in chapter 2 (the chain rule) and chapter 5 (layouts).

    Parameters
    ----------
    exprs : sequence, sympy.Matrix or str
        The m outputs, such as ``["x*y", "x + y"]`` or ``"[x*y, x + y]"``.
    vars : str or sequence
        The n variables in order.

    Returns
    -------
    sympy.Matrix
        Shape (m, n): row i is the gradient of output i.

    Examples
    --------
    >>> from calclib import exact_jacobian
    >>> exact_jacobian(["x*y", "x + y"], "x y")
    Matrix([
    [y, x],
    [1, 1]])
    """
    symbols = _variables("exact_jacobian", vars)
    if isinstance(exprs, str):
        exprs = _parsed("exact_jacobian", exprs, symbols, "exprs")
    if isinstance(exprs, sp.MatrixBase):
        exprs = list(exprs)
    elif isinstance(exprs, np.ndarray):
        exprs = exprs.ravel().tolist()
    elif not isinstance(exprs, (list, tuple)):
        exprs = [exprs]
    rows = [_expression("exact_jacobian", e, symbols, f"exprs[{i}]") for i, e in enumerate(exprs)]
    return sp.Matrix([[sp.diff(f, s) for s in symbols] for f in rows])


def exact_hessian(expr: Any, vars: Any) -> sp.Matrix:
    """The exact Hessian of a scalar expression: the symmetric matrix of second partials.

    Taught in chapter 6 (used in chapter 7).

    Parameters
    ----------
    expr : sympy.Expr or str
        The function.
    vars : str or sequence
        The n variables in order.

    Returns
    -------
    sympy.Matrix
        Shape (n, n): entry (i, j) is the second partial derivative by variables i and j.

    Examples
    --------
    >>> from calclib import exact_hessian
    >>> exact_hessian("x^2 y + y^3", "x y")
    Matrix([
    [2*y,  2*x],
    [2*x, 6*y]])
    """
    symbols = _variables("exact_hessian", vars)
    f = _expression("exact_hessian", expr, symbols)
    # The Jacobian of the gradient: f is differentiated once per variable, each gradient entry
    # only for j >= i, and the lower triangle mirrors the upper one (the Hessian is symmetric).
    gradient = [sp.diff(f, s) for s in symbols]
    n = len(symbols)
    rows = [[sp.S.Zero] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            rows[i][j] = rows[j][i] = sp.diff(gradient[i], symbols[j])
    return sp.Matrix(rows)


def _sort_key(solution: dict) -> tuple:
    key = []
    for value in solution.values():
        try:
            key.append((0, float(value), ""))
        except TypeError:
            key.append((1, 0.0, str(value)))
    return tuple(key)


# Real roots are shown as radicals when sympy finds short ones (at most this many operations,
# no I), otherwise as CRootOf objects: exact, real, and convertible with float().
_MAX_RADICAL_OPS = 20
# Digits to which a coordinate computed from the shape basis must agree with an exact root.
_DIGITS = 50


def _rational_polynomials(equations: list[sp.Expr], reals: list[sp.Symbol]) -> list | None:
    """The equations as polynomials with rational coefficients in ``reals``, or None."""
    polys = []
    for eq in equations:
        if not eq.is_polynomial(*reals):
            return None
        try:
            poly = sp.Poly(eq, *reals)
        except sp.PolynomialError:
            return None
        if not (poly.domain.is_ZZ or poly.domain.is_QQ):
            return None  # floats, parameters such as "a x^2", or sqrt(2) as a coefficient
        polys.append(poly.as_expr())
    return polys


def _real_roots(poly: sp.Poly) -> list[sp.Expr]:
    """The exact real roots of a squarefree polynomial over the rationals, ascending.

    Rationals and short real radicals where sympy finds them, CRootOf objects otherwise.
    """
    roots = []
    for factor, _ in poly.factor_list()[1]:
        found = factor.real_roots()
        if factor.degree() in (3, 4) and any(isinstance(r, sp.CRootOf) for r in found):
            radicals = [r for r in sp.roots(factor, multiple=True)
                        if not r.has(sp.I) and sp.count_ops(r) <= _MAX_RADICAL_OPS
                        and r.is_real]  # fmt: skip
            found = [_same_radical(r, radicals) for r in found]
        roots.extend(found)
    return sorted(roots, key=float)


def _same_radical(root: sp.Expr, radicals: list[sp.Expr]) -> sp.Expr:
    """The radical equal to ``root`` (two roots of one polynomial agreeing to 40 digits)."""
    value = sp.N(root, _DIGITS)
    for radical in radicals:
        if abs(sp.N(radical, _DIGITS) - value) < sp.Float(10) ** (10 - _DIGITS) * (1 + abs(value)):
            return radical
    return root


def _lex_basis(system: list[sp.Expr], gens: list[sp.Symbol]) -> sp.GroebnerBasis:
    """The reduced lex Groebner basis of a zero-dimensional system.

    Computed in grevlex order and converted with FGLM: much faster than Buchberger's
    algorithm in lex order once the system holds polynomials of high degree.
    """
    return sp.groebner(system, *gens, order="grevlex").fglm("lex")


def _eliminant(exprs: list[sp.Expr], reals: list[sp.Symbol], var: sp.Symbol) -> sp.Poly:
    """The monic polynomial of least degree in ``var`` alone that the equations imply."""
    basis = _lex_basis(exprs, [*(v for v in reals if v != var), var])
    (generator,) = [g for g in basis.exprs if g.free_symbols <= {var}]
    return sp.Poly(generator, var)


def _shape_basis(exprs: list[sp.Expr], reals: list[sp.Symbol], c: int) -> tuple | None:
    """The shape-lemma form of a radical zero-dimensional ideal, or None.

    With ``t = x_n + c x_(n-1) + c^2 x_(n-2) + ...`` (``t = x_n`` for ``c = 0``), returns
    ``(P, t, [g_1, ..., g_n])`` where the ideal's points are exactly ``x_i = g_i(t)`` for the
    roots ``t`` of ``P``, or None when ``t`` does not separate the points.
    """
    if c == 0:
        t, gens, system = reals[-1], reals, exprs
    else:
        t = sp.Dummy("t")
        form = sum(c**i * v for i, v in enumerate(reversed(reals)))
        gens, system = [*reals, t], [*exprs, t - form]
    basis = _lex_basis(system, gens)
    last, coords = None, {}
    for g in basis.exprs:
        inside = [v for v in reals if v != t and g.has(v)]
        if not inside and last is None:
            last = sp.Poly(g, t)
            continue
        if len(inside) != 1 or inside[0] in coords:
            return None
        lead, *rest = sp.Poly(g, inside[0]).all_coeffs()
        if len(rest) != 1 or not lead.is_Number:
            return None
        coords[inside[0]] = sp.Poly(-rest[0] / lead, t)
    if c == 0:
        coords[t] = sp.Poly(t, t)
    if last is None or len(coords) != len(reals):
        return None
    return last, t, [coords[v] for v in reals]


def _coordinate(g: sp.Poly, tau: sp.Expr, roots: list[sp.Expr], values: list) -> sp.Expr:
    """The exact value ``g(tau)``: the root of ``roots`` it equals, else the expression itself.

    ``g(tau)`` is known to be a root of the polynomial whose real roots are ``roots``, so it is
    the one it agrees with to many digits (``values`` holds them numerically).
    """
    # Digits lost to cancellation in the sum of c_j tau^j: at most log10 of sum |c_j tau^j|.
    with mpmath.workdps(15):
        size = max(1, abs(mpmath.mpf(sp.N(tau))))
        scale = sum(abs(mpmath.mpf(c.p) / c.q) * size**j
                    for j, c in enumerate(reversed(g.all_coeffs())))  # fmt: skip
        digits = _DIGITS + 10 + int(mpmath.ceil(mpmath.log10(scale + 1)))
    with mpmath.workdps(digits):
        coeffs = [mpmath.mpf(c.p) / c.q for c in g.all_coeffs()]
        value = mpmath.polyval(coeffs, mpmath.mpf(sp.N(tau, digits)))
        close = [r for r, v in zip(roots, map(mpmath.mpf, values), strict=True)
                 if abs(value - v) < mpmath.mpf(10) ** (20 - _DIGITS) * (1 + abs(v))]  # fmt: skip
    if len(close) == 1:
        return close[0]
    return sp.expand(g.as_expr().subs(g.gens[0], tau))


def _polynomial_critical_points(exprs: list[sp.Expr], reals: list[sp.Symbol]) -> list | None:
    """All real solutions of a polynomial system with finitely many solutions, or None.

    None means infinitely many complex solutions (such as a line of critical points). The
    route: a lex Groebner basis per variable gives each coordinate's polynomial; adding their
    squarefree parts makes the ideal radical; a separating linear form ``t`` then puts it in
    shape position (``x_i = g_i(t)``, ``P(t) = 0``), so the real points are exactly the real
    roots of ``P``, each coordinate identified with an exact root of its own polynomial.
    """
    basis = sp.groebner(exprs, *reals, order="grevlex")
    if basis.exprs == [1]:
        return []  # no solution, even complex
    if not basis.is_zero_dimensional:
        return None
    eliminants = [_eliminant(exprs, reals, var) for var in reals]
    coordinate_polys = [p.sqf_part() for p in eliminants]
    roots = [_real_roots(p) for p in coordinate_polys]
    if not all(roots):
        return []  # some coordinate has no real value
    values = [[sp.N(r, _DIGITS + 10) for r in rs] for rs in roots]
    # With the squarefree parts the ideal is radical (Seidenberg's lemma); those already
    # squarefree are in it, and adding them would only slow the Groebner basis down.
    radical = exprs + [q.as_expr() for p, q in zip(eliminants, coordinate_polys, strict=True)
                       if p.degree() != q.degree()]  # fmt: skip
    # Among this many forms x_n + c x_(n-1) + ..., c = 0, 1, ..., one separates the points.
    count = int(np.prod([p.degree() for p in coordinate_polys]))
    for c in range((len(reals) - 1) * count * (count - 1) // 2 + 1):
        shape = _shape_basis(radical, reals, c)
        if shape is not None:
            break
    else:  # unreachable: one of these linear forms separates the points
        return None
    last, _, coords = shape
    points = []
    for tau in last.real_roots():
        point = {
            var: _coordinate(g, tau, rs, vs)
            for var, g, rs, vs in zip(reals, coords, roots, values, strict=True)
        }
        if point not in points:
            points.append(point)
    return points


# How long exact_critical_points may take by default, in seconds. Longer limits than
# _NO_LIMIT (about 30 years) mean no limit: the system's timer cannot hold them.
_TIMEOUT = 10.0
_NO_LIMIT = 1e9
_NUMERIC_ROUTE = (
    "work numerically: f = calclib.to_numpy(expr, vars) is a numpy function, "
    "calclib.gradient(f, x) shows where the gradient is about zero (try a grid of points), "
    "and calclib.classify_critical_point(f, x) classifies each candidate x"
)


def _timeout_seconds(func: str, timeout: Any) -> float | None:
    """``timeout`` as a number of seconds, or None for no limit; refuse anything else."""
    if timeout is None:
        return None
    expected = "a positive number of seconds such as 10, or None to wait as long as it takes"
    if isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, numbers.Real):
        fail(func, f"timeout must be {expected}, got {describe(timeout)}", TypeError)
    try:
        seconds = float(timeout)
    except OverflowError:  # an integer too large for a float
        seconds = math.inf if timeout > 0 else -math.inf
    if math.isnan(seconds) or seconds <= 0:
        fail(func, f"timeout must be {expected}, got {describe(timeout)}")
    return None if seconds > _NO_LIMIT else seconds


def exact_critical_points(expr: Any, vars: Any, *, timeout: float | None = _TIMEOUT) -> list[dict]:
    """The real points where the gradient of ``expr`` is zero.

    Taught in chapter 6. Two routes:

    - **Complete** when every partial derivative is a polynomial with rational coefficients and
      there are finitely many critical points (counting complex ones): a Groebner basis gives
      *all* real critical points. A value is exact: a rational, a short radical such as
      ``sqrt(5)/2``, or else a ``CRootOf`` (an exact real root of a polynomial, used when the
      radicals would be long or need ``I``); ``float()`` gives its value.
    - **Best effort** otherwise (other functions, floats or parameters as coefficients, or
      infinitely many critical points): what ``sympy.solve`` finds over the reals. It may miss
      solutions of equations sympy cannot solve in closed form, and for periodic functions it
      lists one period's solutions. A variable missing from a solution can take any value
      there (a whole line of critical points); for a constant the result is ``[{}]``.

    Either route can take long: a Groebner basis for many variables or a high degree, or
    ``sympy.solve`` for equations it cannot untangle. After ``timeout`` seconds the search
    stops with a ``ValueError``. Classify each point with ``exact_hessian`` or numerically
    with ``classify_critical_point``.

    Parameters
    ----------
    expr : sympy.Expr or str
        The function.
    vars : str or sequence
        The variables.
    timeout : float or None, optional
        The most seconds to spend, 10 by default; ``None`` waits as long as it takes. In a
        notebook the search is stopped when the time is up; called from a thread other than
        the main one (or on Windows) it cannot be stopped, and goes on in the background until
        it ends.

    Returns
    -------
    list of dict
        One dict per critical point, mapping each variable (a sympy Symbol) to its value,
        sorted by value.

    Raises
    ------
    ValueError
        If sympy cannot solve the equations at all, or the search takes more than
        ``timeout`` seconds.
    TypeError
        If ``timeout`` is neither a number nor None.

    Examples
    --------
    >>> from calclib import exact_critical_points
    >>> exact_critical_points("x^3 - 3x + y^2", "x y")
    [{x: -1, y: 0}, {x: 1, y: 0}]
    >>> exact_critical_points("x^6/6 - x^2/2 - x", "x")  # x^5 - x - 1 = 0
    [{x: CRootOf(x**5 - x - 1, 0)}]
    >>> points = exact_critical_points("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "x y")
    >>> len(points)  # Himmelblau's function: 4 minima, 1 maximum, 4 saddle points
    9
    >>> exact_critical_points("(x - y)^2", "x y")  # a line: x = y for every y
    [{x: y}]
    >>> slow = "exp(x y) + x^3 y - 2x^2 + y^2 sin(x)"  # sympy.solve makes no headway
    >>> exact_critical_points(slow, "x y", timeout=0.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: exact_critical_points: finding the critical points took more than 0.5 seconds ...
    """
    func = "exact_critical_points"
    symbols = _variables(func, vars)
    f = _expression(func, expr, symbols)
    seconds = _timeout_seconds(func, timeout)
    if seconds is None:
        return _critical_points(f, symbols)
    try:
        return run_limited(lambda: _critical_points(f, symbols), seconds)
    except Timeout:
        pass  # reported below, outside the handler: the reader needs no traceback from sympy
    fail(
        func,
        f"finding the critical points took more than {seconds:g} seconds (timeout={seconds:g})."
        f" To wait longer, pass a larger timeout such as timeout={max(60, 6 * seconds):g}, or "
        f"timeout=None to wait as long as it takes; or {_NUMERIC_ROUTE}",
    )


def _critical_points(f: sp.Expr, symbols: list[sp.Symbol]) -> list[dict]:
    """The work of `exact_critical_points`, with no time limit."""
    reals = [sp.Dummy(str(s), real=True) for s in symbols]
    f_real = f.xreplace(dict(zip(symbols, reals, strict=True)))
    equations = [sp.diff(f_real, r) for r in reals]
    if all(eq == 0 for eq in equations):
        return [{}]  # a constant: every point is critical
    back = dict(zip(reals, symbols, strict=True))
    polys = _rational_polynomials(equations, reals)
    points = None if polys is None else _polynomial_critical_points(polys, reals)
    if points is not None:
        return sorted(({back[r]: v for r, v in point.items()} for point in points), key=_sort_key)
    try:
        if len(reals) == 1:
            solutions = sp.solve(equations[0], reals[0], dict=True)
        else:
            solutions = sp.solve(equations, reals, dict=True)
    except NotImplementedError as exc:
        fail(
            "exact_critical_points",
            f"sympy cannot solve gradient = 0 for this function ({exc}); {_NUMERIC_ROUTE} instead",
        )
    result = []
    for solution in solutions:
        if all(v.is_real is not False for v in solution.values()):
            result.append(
                {back[r]: sp.sympify(v).xreplace(back) for r, v in solution.items() if r in back}
            )
    return sorted(result, key=_sort_key)


def _numpy_input(func: str, x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        fail(func, f"x must be a number or an array of numbers, got {describe(x)}", TypeError)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.complexfloating)):
        arr = arr.astype(float)
    return arr


def to_numpy(expr: Any, vars: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A fast numpy function computing ``expr``, following calclib's conventions.

    For one variable the function is elementwise: ``f(x)`` has the shape of ``x``. For several
    variables it takes points as vectors, coordinates on the last axis: ``f(x)`` reads
    ``x[..., i]`` for variable i and returns shape ``x.shape[:-1]``. A vector or matrix of
    expressions (such as a gradient) gives a function whose result has that shape appended.
    Constants are broadcast to the input's shape. Used from chapter 1 on, to evaluate exact
    results beside numerical ones.

    Parameters
    ----------
    expr : sympy.Expr, str, sequence or sympy.Matrix
        The expression, or several (a column or row matrix counts as a vector).
    vars : str or sequence
        The variables, in the order of the coordinates.

    Returns
    -------
    callable
        ``f(x)`` as described above.

    Examples
    --------
    >>> import numpy as np
    >>> from calclib import exact_gradient, to_numpy
    >>> f = to_numpy("x^2 + 3y", "x y")
    >>> f(np.array([[1.0, 2.0], [3.0, 0.0]]))
    array([7., 9.])
    >>> to_numpy("2", "x")(np.zeros(3))
    array([2., 2., 2.])
    >>> grad = to_numpy(exact_gradient("x^2 + 3y", "x y"), "x y")
    >>> grad(np.array([1.0, 2.0]))
    array([2., 3.])
    """
    symbols = _variables("to_numpy", vars)
    if isinstance(expr, str):
        expr = _parsed("to_numpy", expr, symbols, "expr")
    if isinstance(expr, sp.MatrixBase) and 1 in expr.shape:
        expr = list(expr)
    if isinstance(expr, (list, tuple, sp.MatrixBase, np.ndarray)):
        try:
            table = np.array(
                expr.tolist() if isinstance(expr, sp.MatrixBase) else expr, dtype=object
            )
        except ValueError:
            fail(
                "to_numpy",
                "expr must be a rectangular vector or matrix of expressions, got "
                "rows of different lengths",
            )
    else:
        table = np.array(expr, dtype=object)
    exprs = [_expression("to_numpy", e, symbols) for e in table.ravel()]
    names = {str(s) for s in symbols}
    extra = sorted({str(s) for e in exprs for s in e.free_symbols} - names)
    if extra:
        fail(
            "to_numpy",
            f"the expression uses {', '.join(extra)}, which "
            f"{'is' if len(extra) == 1 else 'are'} not among vars {sorted(names)}; substitute "
            "a value first (expr.subs(a, 2)) or add it to vars",
        )
    unknown = sorted({str(g.func) for e in exprs for g in e.atoms(AppliedUndef)})
    if unknown:
        fail(
            "to_numpy",
            f"the expression uses the undefined function{'s' * (len(unknown) > 1)} "
            f"{', '.join(unknown)}, which numpy "
            "cannot compute; replace it by a formula first (expr.subs or expr.replace)",
        )
    functions = [sp.lambdify(symbols, e, modules="numpy") for e in exprs]
    shape, n = table.shape, len(symbols)
    order = ", ".join(map(str, symbols))

    def f(x: Any, *more: Any) -> np.ndarray:
        if more:
            fail(
                "to_numpy function",
                f"f takes one argument x, the point with its coordinates ({order}) on the last "
                f"axis, got {1 + len(more)} arguments; call f([{order}])"
                if n > 1
                else f"f takes one argument x, got {1 + len(more)} arguments; for several "
                "points pass one array, such as f([1.0, 2.0])",
                TypeError,
            )
        x = _numpy_input("to_numpy function", x)
        if n == 1:
            columns, batch = [x], x.shape
        else:
            if x.ndim == 0 or x.shape[-1] != n:
                fail(
                    "to_numpy function",
                    f"x must have its {n} coordinates ({order}) on the "
                    f"last axis, got shape {x.shape}",
                )
            columns, batch = [x[..., i] for i in range(n)], x.shape[:-1]
        values = [np.broadcast_to(np.asarray(g(*columns)), batch) for g in functions]
        dtype = np.result_type(x.dtype, *[v.dtype for v in values])
        out = np.stack(values, axis=-1).astype(dtype, copy=True) if values else np.zeros(batch)
        return out.reshape(batch + shape)

    f.__doc__ = f"numpy version of {expr} in the variables {', '.join(map(str, symbols))}"
    return f
