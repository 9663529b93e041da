"""Argument checks shared by every calclib function.

Each check raises a ``TypeError`` or ``ValueError`` whose message names the calling function,
the argument, what was received and what was expected, and suggests a fix, for example::

    hessian: f must return a scalar, got an array of shape (3,); use jacobian for vector-valued f
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    text = " ".join(repr(value).split("\n"))  # a sympy Matrix prints one row a line
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} (type {type(value).__name__})"


def fail(func: str, message: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error`` with the message ``"func: message"``."""
    raise error(f"{func}: {message}")


def check_callable(func: str, name: str, f: Any) -> Callable:
    """Return ``f`` if it is callable, else raise a ``TypeError``."""
    if not callable(f):
        fail(
            func,
            f"{name} must be a function such as lambda x: x**2, got {describe(f)}",
            TypeError,
        )
    return f


def check_step(func: str, h: Any, name: str = "h") -> float:
    """Return the step ``h`` as a float if it is finite and positive."""
    try:
        value = float(h)
    except (TypeError, ValueError):
        fail(func, f"{name} must be a positive number such as 1e-3, got {describe(h)}", TypeError)
    if not np.isfinite(value) or value <= 0:
        fail(func, f"{name} must be a finite positive number such as 1e-3, got {value!r}")
    return value


def check_tolerances(func: str, **tolerances: Any) -> None:
    """Refuse a tolerance (``rtol=...``, ``atol=...``) that is not a real number >= 0."""
    for name, value in tolerances.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
            fail(func, f"{name} must be a number >= 0, got {describe(value)}")


def as_points(func: str, x: Any, name: str = "x", *, allow_complex: bool = False) -> np.ndarray:
    """Return ``x`` as a float array, refusing non-numeric input, NaN and infinity."""
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and the like
        fail(func, f"{name} must be a number or an array of numbers, got {describe(x)}", TypeError)
    if arr.dtype == object:  # sympy numbers (sp.pi / 3, a sympy Matrix), fractions, decimals
        try:
            arr = np.array([float(v) for v in arr.reshape(-1)]).reshape(arr.shape)
        except OverflowError:  # an int such as 10**400
            fail(func, f"{name} holds a number too large for a float (above 1.8e308), got "
                 f"{describe(x)}")
        except (TypeError, ValueError):
            symbolic = "; it holds symbols: substitute numbers first with .subs" if any(
                getattr(v, "free_symbols", None) for v in arr.reshape(-1)
            ) else ""
            fail(
                func,
                f"{name} must be a number or an array of numbers, got {describe(x)}{symbolic}",
                TypeError,
            )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        fail(func, f"{name} must be a number or an array of numbers, got {describe(x)}", TypeError)
    if np.iscomplexobj(arr) and not allow_complex:
        fail(func, f"{name} must be real, got complex values", TypeError)
    arr = arr.astype(complex if np.iscomplexobj(arr) else float)
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.any(np.isnan(arr)) else "infinity"
        fail(func, f"{name} contains {bad}; every coordinate must be a finite number")
    return arr


def check_finite_values(func: str, values: np.ndarray, where: str) -> None:
    """Refuse a NaN or infinite function value instead of returning a silent NaN."""
    values = np.asarray(values)
    if values.dtype != object and np.all(np.isfinite(values)):
        return
    fail(
        func,
        f"f returned NaN or infinity {where}; the derivative needs f to be defined and finite "
        "around the point (is the point at the edge of f's domain?)",
    )
