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

This module holds what a chapter writes and sees, `Exercise` and `Feedback`, and the
multiple-choice questions; reading an answer and comparing it with the reference is the work of
``calclib.answers`` and ``calclib.diagnosis``.
"""

from __future__ import annotations

import difflib
import html
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from calclib._checks import fail
from calclib._time_limit import Timeout, run_limited
from calclib.answers import Evaluator, Reader, Reject, Value, join_names, show
from calclib.diagnosis import Reference
from calclib.symbolic import _variables

__all__ = ["Exercise", "Feedback"]

#: Seconds a learner's answer may take to read and evaluate (an endless loop stops here).
TIME_LIMIT = 2.0
#: How many random points of the domain the numerical comparison uses.
N_POINTS = 40
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


# A hyphen between two letters, as in "zig-zags"; a minus sign ("-1", "x - 1") is kept.
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_IGNORED = "case, spaces, underscores, hyphens inside words or a final full stop"


def _normalise(choice: str) -> str:
    """A choice as it is compared: ``"J_f J_g,shape (2,5)."`` gives ``"jfjg,shape(2,5)"``."""
    text = _WORD_HYPHEN.sub("", choice.casefold())
    return re.sub(r"[\s_]+", "", text).rstrip(".!")


def _words(choice: str) -> list[str]:
    """A choice's words, for suggesting the choice a learner may have meant."""
    return choice.casefold().replace("-", " ").replace("_", " ").strip(".! ").split()


def _number(value: Any) -> float | None:
    """The number a choice or response stands for (``"1e-05"``, ``1e-5``), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(number) else number


def _check_text(func: str, name: str, value: Any, example: str) -> None:
    """Refuse a ``value`` that is not a string (TypeError) or is empty or blank (ValueError)."""
    expected = f"{name} must be a non-empty string such as {example}"
    if not isinstance(value, str):
        fail(func, f"{expected}, got {show(value)} (type {type(value).__name__})", TypeError)
    if not value.strip():
        what = "an empty string" if not value else "only whitespace"
        fail(func, f"{expected}, got {show(value)} ({what})")


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
            'derivative of -4x is -4."}, got ' + show(mistakes),
            TypeError,
        )
    for key, hint in pairs:
        if not isinstance(hint, str) or not hint.strip():
            fail(
                func,
                f"the hint for the mistake {show(key)} must be a non-empty string, got "
                f"{show(hint)}",
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
                f"domain gives no interval for {join_names(missing)}; pass "
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
            f"dict of intervals, got {show(domain)}",
        )
    lows, highs = [], []
    for name, bound in zip(names, bounds, strict=True):
        try:
            low, high = (float(b) for b in bound)
        except (TypeError, ValueError):
            fail(func, f"the domain of {name} must be an interval (low, high), got {show(bound)}")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            fail(func, f"the domain of {name} must be finite with low < high, got {show(bound)}")
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
        "local maximum", "saddle point"]``. Answers are compared ignoring case, spaces,
        underscores, hyphens inside words and a final full stop; a choice that is a number,
        such as ``"1e-5"``, also accepts the same number written otherwise (``"1e-05"``,
        ``1e-5``).
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
    >>> from calclib import Exercise
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
    Power rule: ✗ Not yet. At x = -1.99 your answer gives 3.96, but the correct value is -3.98.
    >>> kind = Exercise("4.2", "saddle point", choices=["local minimum", "saddle point"])
    >>> kind.check("Saddle  Point").correct
    True
    >>> Exercise("1.7", "1e-5", choices=["1e-2", "1e-5", "1e-8"]).check(0.00001)
    Exercise 1.7: ✓ Correct.
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
        _check_text(func, "label", label, '"ex-derivatives-1" or "2.3"')
        if hint is not None and not isinstance(hint, str):
            fail(func, f"hint must be a string or None, got {show(hint)}", TypeError)
        if title is not None:
            _check_text(func, "title", title, '"Exercise 3 (product rule)" or None')
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
                f"point'], got {show(choices)}",
                TypeError,
            )
        self.choices = list(choices)
        self._choice_of: dict[str, str] = {}
        self._choice_by_number: dict[float, str] = {}
        for choice in self.choices:
            other = self._choice_of.get(_normalise(choice))
            if other == choice:
                fail(func, f"the choice {choice!r} is listed twice in choices; list it once")
            if other is not None:
                fail(
                    func,
                    f"the choices {other!r} and {choice!r} differ only in {_IGNORED}, which are "
                    "ignored when answers are compared; make them differ in a letter, digit or "
                    "sign",
                )
            self._choice_of[_normalise(choice)] = choice
            number = _number(choice)
            if number is not None:
                other = self._choice_by_number.setdefault(number, choice)
                if other != choice:
                    fail(
                        func,
                        f"the choices {other!r} and {choice!r} are the same number, and "
                        "numbers are compared by value; keep one of them",
                    )
        for what, value in [("answer", answer)] + [("mistake", key) for key, _ in pairs]:
            if not isinstance(value, str) or self._find_choice(value) is None:
                fail(func, f"the {what} {show(value)} is not one of the choices {self.choices}")
        self._choice_answer = self._find_choice(answer)
        self._choice_hints = {self._find_choice(key): hint for key, hint in pairs}

    def _find_choice(self, response: Any) -> str | None:
        """The choice a response stands for: the same number, if the choice is a number
        (``"1e-05"`` or ``1e-5`` for ``"1e-5"``), else the same text up to `_normalise`."""
        number = _number(response)
        if number is not None and number in self._choice_by_number:
            return self._choice_by_number[number]
        if isinstance(response, str):
            return self._choice_of.get(_normalise(response))
        return None

    def _init_formula(
        self, func: str, answer: Any, variables: Any, domain: Any, pairs: list
    ) -> None:
        self.variables = _variables(func, variables, "variables")
        names = [str(s) for s in self.variables]
        self._reader = Reader(self.variables)
        self._eval = Evaluator(self.variables, _sample(func, domain, names))
        answer_value, answer_values = self._author_value(func, "answer", answer)
        finite = np.all(np.isfinite(answer_values.reshape(N_POINTS, -1)), axis=1)
        if not finite.all():
            bad = int(np.argmin(finite))
            fail(
                func,
                f"the answer is not defined at {self._eval.at(bad)} (nor at "
                f"{N_POINTS - int(finite.sum()) - 1} more of the {N_POINTS} test points) in the "
                f"domain {domain}; pass a domain= where it is defined",
            )
        mistakes = []
        for key, hint in pairs:
            _, values = self._author_value(func, f"mistake {show(key)}", key)
            mistakes.append((values, hint))
        self._reference = Reference(answer_value, answer_values, self._eval, mistakes)
        self._reader.number_answer = self._reference.is_number

    def _author_value(self, func: str, what: str, value: Any) -> tuple[Value, np.ndarray]:
        if value is None or value is Ellipsis:
            fail(func, f"the {what} is {value!r}; give a formula, a number, a list or a function")
        try:
            read = self._reader.read(value)
            return read, self._eval.values(read)
        except Reject as exc:
            extra = ""
            if exc.kind == "unknown name" and isinstance(value, str):
                extra = " (for a multiple-choice question, pass choices=[...])"
            fail(func, f"the {what} cannot be used: {exc.message}{extra}")

    def _verify(self, func: str, pairs: list) -> None:
        result = self.check(self.answer)
        if not result.correct:
            fail(
                func,
                f"the reference answer {show(self.answer)} is not accepted by its own "
                f"check: {result.message}",
            )
        for key, hint in pairs:
            result = self.check(key)
            if result.correct:
                fail(
                    func,
                    f"the mistake {show(key)} is accepted as correct: it is equivalent "
                    "to the answer",
                )
            if hint not in result.message:
                fail(
                    func,
                    f"the mistake {show(key)} does not get its hint (is it equivalent to "
                    f"another listed mistake?); it gets: {result.message}",
                )

    def __repr__(self) -> str:
        return f"Exercise({self.label!r}, answer={show(self.answer)})"

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
        if self._reference.is_number:
            entry = 'a number (or an exact value as a string, such as "sqrt(2)/2")'
            single = 'a number such as 0.5, or an exact value as a string such as "sqrt(2)/2"'
        else:
            entry = f"a formula in {join_names(names)} as a string"
            single = f'a formula in {join_names(names)} as a string, such as "{names[0]}^2 + 1"'
        if self._reference.answer.shape == ():
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

        def read_and_evaluate() -> tuple[Value, np.ndarray]:
            value = self._reader.read(response)
            return value, self._eval.values(value)

        try:
            value, values = run_limited(read_and_evaluate, TIME_LIMIT)
        except Reject as exc:
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
        return self._reference.compare(value, values)

    def _check_choice(self, response: Any) -> tuple[bool, str, str]:
        listing = ", ".join(repr(c) for c in self.choices)
        choice = self._find_choice(response)
        if choice is not None:
            if choice == self._choice_answer:
                return True, "", "correct"
            if choice in self._choice_hints:
                return False, self._choice_hints[choice], "mistake"
            return False, f"{choice!r} is not right.", "wrong choice"
        number = _number(response)
        if not isinstance(response, str) and number is not None and self._choice_by_number:
            shown = show(response) if type(response) in (int, float) else show(number)
            return False, f"{shown} is not one of the choices: {listing}.", "choice"
        if not isinstance(response, str):
            return (
                False,
                (
                    f"Your answer is {show(response)}; answer with one of the choices as "
                    f"a string: {listing}."
                ),
                "type",
            )
        normal = " ".join(_words(response))
        words = [w for w in normal.split() if len(w) >= 3]
        spelled = {" ".join(_words(c)): c for c in self.choices}
        near = [
            c
            for n, c in spelled.items()
            if normal and (normal in n or n in normal or any(w in n.split() for w in words))
        ]
        near += [
            spelled[n] for n in difflib.get_close_matches(normal, spelled) if spelled[n] not in near
        ]
        letters = re.sub(r"[\W_]", "", normal)
        same_letters = [c for c in self.choices if re.sub(r"[\W_]", "", c.casefold()) == letters]
        if letters and same_letters:  # "(5 2)" for "(5, 2)": only the punctuation differs
            near = same_letters
        if near and len(near) < len(self.choices):  # a guess at every choice is no guess
            guesses = " or ".join(repr(c) for c in near)
            return (
                False,
                (
                    f"{show(response)} is not one of the choices; did you mean "
                    f"{guesses}? Answer with one of: {listing}."
                ),
                "choice",
            )
        return False, f"{show(response)} is not one of the choices: {listing}.", "choice"
