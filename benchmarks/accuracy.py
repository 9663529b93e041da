"""Accuracy, cost and speed of calclib's numerical derivatives, beside numdifftools and scipy.

Measures, and reports as Markdown tables on stdout (never asserts; these machines are noisy):

1. ``derivative`` at its defaults on a suite of smooth functions from the numerical
   differentiation literature, several points each, against exact derivatives (sympy,
   evaluated with mpmath at 50 digits), beside ``numdifftools.Derivative`` and
   ``scipy.differentiate.derivative`` at their defaults: median and worst relative error,
   NaN results, and function evaluations per point (points evaluated, counted in f).
2. The complex step (``method="complex"``) on the same suite: worst relative error.
3. Time over 100,000 points at once, as a multiple of the time of one ``f(xs)`` call:
   the median of repeats measured in turns, in CPU time of the process (the machine is
   shared: wall-clock time also counts the waits for a core, which grow with the length of a
   call) and in wall-clock time; and the best of back-to-back repeats of each, in CPU time.
4. ``hessian`` for n = 2 to 10 (Rosenbrock, random quadratics) beside
   ``scipy.differentiate.hessian``: relative error (Frobenius) and function evaluations.

Targets (from the project's issue): median relative error <= 1e-13, worst <= 1e-11, no NaN
where f is defined around x, median <= 10 evaluations per point; 100,000 points in <= 12 times
one ``f(xs)``; Hessian relative error <= 1e-8; complex step <= 1e-15.

Run ``.venv/bin/python benchmarks/accuracy.py`` (``--quick`` uses fewer timing repeats).
numdifftools and scipy are benchmark peers only; calclib never imports them.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import mpmath
import numdifftools as nd
import numpy as np
import sympy as sp
from scipy import differentiate

import calclib as cl

mpmath.mp.dps = 50
X = sp.Symbol("x")


def suite() -> list[tuple[str, sp.Expr, Callable, list[float]]]:
    """Name, sympy expression, numpy function and points of each test function."""
    x = X
    return [
        ("exp", sp.exp(x), np.exp, [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]),
        ("sin", sp.sin(x), np.sin, [-2.0, 0.5, 1.0, 2.0, 5.0]),
        ("log (edge at 0)", sp.log(x), np.log, [0.05, 0.2, 1.5, 3.0, 10.0]),
        ("x^(3/2)", x ** sp.Rational(3, 2), lambda t: t**1.5, [0.01, 0.1, 1.0, 4.0]),
        ("Runge 1/(1+25x²)", 1 / (1 + 25 * x**2), lambda t: 1 / (1 + 25 * t**2),
         [-0.8, -0.3, 0.1, 0.5, 1.0]),
        ("atan", sp.atan(x), np.arctan, [-3.0, -0.5, 0.5, 1.0, 3.0]),
        ("tanh", sp.tanh(x), np.tanh, [-2.0, -0.5, 0.3, 1.0, 2.0]),
        ("sigmoid", 1 / (1 + sp.exp(-x)), lambda t: 1 / (1 + np.exp(-t)),
         [-4.0, -1.0, 0.0, 1.0, 4.0]),
        ("softplus", sp.log(1 + sp.exp(x)), lambda t: np.log1p(np.exp(t)),
         [-3.0, -1.0, 0.0, 1.0, 3.0]),
        ("Squire–Trapp eˣ/√(sin³x+cos³x)", sp.exp(x) / sp.sqrt(sp.sin(x) ** 3 + sp.cos(x) ** 3),
         lambda t: np.exp(t) / np.sqrt(np.sin(t) ** 3 + np.cos(t) ** 3), [0.5, 1.0, 1.5]),
    ]


class Counted:
    """Wrap f and count the points it is evaluated at."""

    def __init__(self, f: Callable) -> None:
        self.f, self.points = f, 0

    def __call__(self, x):
        self.points += np.size(x)
        return self.f(x)


def exact(expr: sp.Expr, points: list[float]) -> np.ndarray:
    derivative = sp.lambdify(X, sp.diff(expr, X), "mpmath")
    return np.array([float(derivative(mpmath.mpf(p))) for p in points])


def calclib_default(f, x):
    return cl.derivative(f, x)


def calclib_complex(f, x):
    return cl.derivative(f, x, method="complex")


def numdifftools_default(f, x):
    return nd.Derivative(f)(x)


def scipy_default(f, x):
    return differentiate.derivative(f, x).df


METHODS = {
    "calclib `derivative`": calclib_default,
    "numdifftools `Derivative`": numdifftools_default,
    "scipy `differentiate.derivative`": scipy_default,
}


def accuracy() -> tuple[dict, dict]:
    """Relative errors and evaluation counts per method, one point at a time."""
    errors: dict[str, list[float]] = {name: [] for name in [*METHODS, "complex"]}
    counts: dict[str, list[float]] = {name: [] for name in [*METHODS, "complex"]}
    per_function: dict[str, dict[str, float]] = {}
    methods = {**METHODS, "complex": calclib_complex}
    for label, expr, f, points in suite():
        reference = exact(expr, points)
        per_function[label] = {}
        for name, method in methods.items():
            found = []
            for x, ref in zip(points, reference, strict=True):
                counted = Counted(f)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    try:
                        value = float(np.asarray(method(counted, x)))
                    except ValueError:
                        value = np.nan
                found.append(abs(value - ref) / abs(ref) if np.isfinite(value) else np.nan)
                counts[name].append(counted.points)
            errors[name].extend(found)
            per_function[label][name] = np.array(found)
    return {name: np.array(e) for name, e in errors.items()}, counts, per_function


def accuracy_tables() -> None:
    errors, counts, per_function = accuracy()
    n = len(errors["complex"])
    print(f"### Accuracy on the suite ({len(per_function)} functions, {n} points)\n")
    print("| method | median rel. error | worst rel. error | NaN | median evaluations/point |")
    print("|---|---|---|---|---|")
    for name in METHODS:
        e = errors[name]
        finite = e[np.isfinite(e)]
        print(
            f"| {name} | {np.median(finite):.1e} | {finite.max():.1e} | {np.isnan(e).sum()} "
            f"| {np.median(counts[name]):g} |"
        )
    e = errors["complex"]
    print(
        f"| calclib `derivative(method=\"complex\")` | {np.median(e):.1e} | {e.max():.1e} "
        f"| {np.isnan(e).sum()} | {np.median(counts['complex']):g} |"
    )
    print("\nWorst relative error per function (and results that are NaN):\n")
    names = [*METHODS, "complex"]
    labels = ["calclib", "numdifftools", "scipy", "calclib complex step"]
    print("| function | " + " | ".join(labels) + " |")
    print("|---" * (len(names) + 1) + "|")
    for label, row in per_function.items():
        cells = []
        for name in names:
            found = row[name]
            nan = int(np.isnan(found).sum())
            worst = f"{np.nanmax(found):.1e}" if nan < len(found) else "–"
            cells.append(worst + (f" ({nan} NaN)" if nan else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()


def ratios(call: Callable, base: Callable, repeats: int, clock: Callable) -> float:
    """Median time of ``call`` over median time of ``base``, measured in turns."""
    timed: list[list[float]] = [[], []]
    for _ in range(repeats):
        for times, fn in zip(timed, (base, call), strict=True):
            start = clock()
            fn()
            times.append(clock() - start)
    return float(np.median(timed[1]) / np.median(timed[0]))


def best_ratio(call: Callable, base: Callable, repeats: int, clock: Callable) -> float:
    """Best time of ``call`` over best time of ``base``, each repeated back to back.

    The strictest comparison: a function that makes temporary arrays (sigmoid, Runge) is
    at its fastest when it runs back to back (the memory it frees is reused at once), while
    in turns with a derivative it may have to page in fresh memory first.
    """
    best = []
    for fn in (base, call):
        times = []
        for _ in range(repeats):
            start = clock()
            fn()
            times.append(clock() - start)
        best.append(min(times))
    return best[1] / best[0]


def speed_table(repeats: int) -> None:
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.1, 2.0, 100_000)
    chosen = ["exp", "sin", "log (edge at 0)", "tanh", "sigmoid", "Runge 1/(1+25x²)",
              "Squire–Trapp eˣ/√(sin³x+cos³x)"]
    functions = {label: f for label, _, f, _ in suite() if label in chosen}
    clocks = {"CPU time": time.process_time, "wall-clock time": time.perf_counter}
    measures = {
        f"{clock}, median in turns": (ratios, measure) for clock, measure in clocks.items()
    }
    measures["CPU time, best of back-to-back runs"] = (best_ratio, time.process_time)
    rows = {}
    for label, f in functions.items():
        with np.errstate(all="ignore"):
            for method in METHODS.values():  # warm up
                method(f, xs)
            rows[label] = {
                name: [
                    compare(lambda f=f, m=m: m(f, xs), lambda f=f: f(xs), count, measure)
                    for m, count in zip(METHODS.values(), (repeats, 3, 5), strict=True)
                ]
                for name, (compare, measure) in measures.items()
            }
            rows[label]["f"] = float(np.median([timeit(lambda f=f: f(xs)) for _ in range(9)]))
    for name in measures:
        print(f"### Time for 100,000 points at once, in units of one `f(xs)` call ({name})\n")
        print("| function | one f(xs) | calclib | numdifftools | scipy.differentiate |")
        print("|---|---|---|---|---|")
        for label, row in rows.items():
            cells = " | ".join(f"{r:.1f}×" for r in row[name])
            print(f"| {label} | {row['f'] * 1e3:.2f} ms | {cells} |")
        print()


def timeit(call: Callable) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def rosenbrock(x):
    return np.sum(100 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2, axis=-1)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def hessian_table() -> None:
    rng = np.random.default_rng(1)
    print("### Hessian: relative error (Frobenius) and function evaluations\n")
    print("| function | n | calclib error | calclib evaluations | scipy error "
          "| scipy evaluations |")
    print("|---|---|---|---|---|---|")
    for n in (2, 3, 5, 10):
        A = rng.normal(size=(n, n))
        b = rng.normal(size=n)
        cases = {
            "Rosenbrock": (rosenbrock, rosenbrock_hessian),
            "quadratic xᵀAx + bᵀx": (
                lambda x, A=A, b=b: np.einsum("...i,ij,...j->...", x, A, x) + x @ b,
                lambda x, A=A: A + A.T,
            ),
        }
        for label, (f, H) in cases.items():
            x = rng.uniform(-2, 2, n)
            exact_H = H(x)
            ours = Counted(f)
            found = cl.hessian(ours, x)
            theirs = Counted(lambda y, f=f: f(np.moveaxis(y, 0, -1)))  # scipy: coordinates first
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                other = differentiate.hessian(theirs, x).ddf

            def rel(M, exact_H=exact_H):
                return np.linalg.norm(M - exact_H) / np.linalg.norm(exact_H)

            # scipy's f sees arrays of shape (n, ...): count points, not coordinates
            print(
                f"| {label} | {n} | {rel(found):.1e} | {ours.points // n} | {rel(other):.1e} "
                f"| {theirs.points // n} |"
            )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing repeats")
    args = parser.parse_args()
    print("## calclib's numerical derivatives beside numdifftools and scipy.differentiate\n")
    accuracy_tables()
    speed_table(repeats=9 if args.quick else 41)
    hessian_table()


if __name__ == "__main__":
    main()
