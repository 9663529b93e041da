"""The controls that drive an interactive figure: :class:`Slider`, :class:`Play`, :class:`Choice`.

A control names one keyword argument of a figure's plotting function and the finite list of values
it may take (``values``, shown as ``texts``), and says which one is shown first (``index``). The
finite list is what lets the same chapter code work in both places a figure is read:

- in a live kernel, each control becomes an ipywidgets control (a slider, a play button beside a
  slider, a drop-down list) whose moves redraw the figure;
- in the static HTML book, each control becomes a plain HTML control (``<input type="range">``, a
  button, ``<select>``) that switches among frames drawn in advance, one per combination of the
  controls' values, with no kernel.

The figure itself, its frames and their rendering live in :mod:`calclib.widgets`.
"""

from __future__ import annotations

import html
import keyword
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from calclib._checks import describe, fail

#: Most frames one static figure may hold (the product of its controls' sizes).
MAX_FRAMES = 100
#: Milliseconds between two frames while a Play control plays.
PLAY_INTERVAL_MS = 250
# Inline styles of the static book's HTML controls (a page may hold no style sheet of ours).
_CONTROL_STYLE = "display:inline-flex;align-items:center;gap:0.5em"
_OUTPUT_STYLE = "display:inline-block;min-width:4.5em;font-variant-numeric:tabular-nums"
_BUTTON_STYLE = "min-width:4.5em;padding:0.1em 0.6em"
# Names to suggest in place of a Python keyword; any other keyword k gets k + "_".
_KEYWORD_NAMES = {"lambda": "'lam' or 'lmbda'"}


def _format_number(value: float) -> str:
    """Three significant digits, exponents written short: ``1e-8``, ``0.333``, ``2.5e3``."""
    text = f"{value:.3g}"
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + m.group(1).replace("+", "") + m.group(2), text)


def _format_option(option: Any) -> str:
    if isinstance(option, (bool, np.bool_)):
        return str(bool(option))
    if isinstance(option, (int, np.integer)):
        return str(int(option))
    if isinstance(option, (float, np.floating)):
        return _format_number(float(option))
    return str(getattr(option, "__name__", option))


def _check_name(func: str, name: Any) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        fail(
            func,
            f"name must be a Python identifier such as 'h', the keyword plot receives, "
            f"got {describe(name)}",
            TypeError if not isinstance(name, str) else ValueError,
        )
    if keyword.iskeyword(name):  # soft keywords (match, case, type, _) are valid names
        better = _KEYWORD_NAMES.get(name, f"'{name}_'")
        fail(
            func,
            f"name must not be a Python keyword, got {name!r}: plot receives the value as a "
            f"keyword argument, and def plot(fig, {name}) is a syntax error; use a name such "
            f"as {better}, with label={name!r} to show {name!r} beside the control",
        )
    return name


def _check_label(func: str, label: Any, name: str) -> str:
    if label is None:
        return name
    if not isinstance(label, str) or not label.strip():
        fail(func, f"label must be a non-empty string such as 'step h', got {describe(label)}",
             TypeError if not isinstance(label, str) else ValueError)
    return label


def _check_real(func: str, name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or (
        np.ndim(value) != 0
    ):
        fail(func, f"{name} must be a real number, got {describe(value)}", TypeError)
    try:
        value = float(value)  # also sympy numbers (sp.pi) and fractions
    except (TypeError, ValueError):
        fail(func, f"{name} must be a real number, got {describe(value)}", TypeError)
    if not math.isfinite(value):
        fail(func, f"{name} must be a finite number, got {value!r}")
    return value


def _tidy(value: float) -> float:
    """Drop the last-digit noise of linspace/geomspace: 0.9999999999999998 becomes 1.0."""
    return float(f"{value:.12g}")


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # arrays and other values without a single truth value
        return False


class Slider:
    """A slider over ``steps`` values from ``low`` to ``high``, evenly or log-spaced.

    The plotting function receives the value as the keyword argument ``name``.

    Parameters
    ----------
    name : str
        Keyword argument of the plotting function, e.g. ``"h"``; not a Python keyword (for λ
        write ``"lam"``).
    low, high : float
        The end values, ``low < high``; both are among the values.
    value : float, optional
        The first value shown, rounded to the nearest of the ``steps`` values. Default: the
        middle one (the lower of the two middle ones for an even ``steps``).
    steps : int, optional
        How many values the slider takes (at least 2). In the HTML book each is one
        precomputed frame.
    log : bool, optional
        Space the values evenly on a log scale (``low`` must be positive), e.g. a step ``h``
        from ``1e-15`` to ``1``.
    label : str, optional
        Text shown next to the control. Default: ``name``.

    Examples
    --------
    >>> import calclib as cl
    >>> s = cl.Slider("h", 1e-15, 1, log=True, steps=16, value=1e-8)
    >>> s.value, len(s.values)
    (1e-08, 16)
    >>> cl.Slider("x", 0, 1, steps=5).values
    (0.0, 0.25, 0.5, 0.75, 1.0)
    """

    _kind = "slider"

    def __init__(
        self,
        name: str,
        low: float,
        high: float,
        *,
        value: float | None = None,
        steps: int = 25,
        log: bool = False,
        label: str | None = None,
    ) -> None:
        func = type(self).__name__
        self.name = _check_name(func, name)
        self.label = _check_label(func, label, name)
        low = _check_real(func, "low", low)
        high = _check_real(func, "high", high)
        if low >= high:
            fail(func, f"low must be less than high, got low={low!r} and high={high!r}; "
                 "swap them if the slider should run the other way")
        if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)):
            fail(func, f"steps must be an integer such as 25, got {describe(steps)}", TypeError)
        if not 2 <= steps <= MAX_FRAMES:
            fail(func, f"steps must be between 2 and {MAX_FRAMES}, got {steps}")
        if not isinstance(log, (bool, np.bool_)):
            fail(func, f"log must be True or False, got {describe(log)}", TypeError)
        self.log = bool(log)
        if self.log and low <= 0:
            fail(func, f"a log-scale slider needs 0 < low, got low={low!r}; "
                 "use a small positive value such as 1e-15")
        self.low, self.high, self.steps = low, high, int(steps)
        grid = np.geomspace(low, high, steps) if self.log else np.linspace(low, high, steps)
        tidy = [_tidy(v) for v in grid]
        self.values = tuple(tidy if np.all(np.diff(tidy) > 0) else grid.tolist())
        self.texts = tuple(_format_number(v) for v in self.values)
        if value is None:
            self.index = (self.steps - 1) // 2
        else:
            value = _check_real(func, "value", value)
            slack = 1e-9 * (high - low)
            if not low - slack <= value <= high + slack:
                fail(func, f"value must lie between low={low!r} and high={high!r}, "
                     f"got {value!r}")
            self.index = self.index_of(value)

    @property
    def value(self) -> float:
        """The value shown first."""
        return self.values[self.index]

    def index_of(self, value: float) -> int:
        """The index of the slider value nearest to ``value``."""
        grid = np.asarray(self.values)
        if self.log:
            return int(np.argmin(np.abs(np.log(grid) - math.log(max(value, 1e-300)))))
        return int(np.argmin(np.abs(grid - value)))

    def __repr__(self) -> str:
        scale = ", log=True" if self.log else ""
        return (f"{type(self).__name__}({self.name!r}, {self.low!r}, {self.high!r}, "
                f"value={self.value!r}, steps={self.steps}{scale})")

    def _describe(self) -> str:
        scale = "log-scale " if self.log else ""
        return (f"{self.label}: {scale}{self._kind} from {self.texts[0]} to {self.texts[-1]}, "
                f"{self.steps} values, starts at {self.texts[self.index]}")

    def _widget(self, widgets: Any) -> tuple[Any, Any]:
        """Return (the widget to show, the widget whose ``value`` to observe)."""
        common = {
            "value": self.value,
            "description": self.label,
            "readout_format": ".3g",
            "continuous_update": True,
            "style": {"description_width": "initial"},
        }
        if self.log:
            lo, hi = math.log10(self.low), math.log10(self.high)
            slider = widgets.FloatLogSlider(
                base=10, min=lo, max=hi, step=(hi - lo) / (self.steps - 1), **common
            )
        else:
            slider = widgets.FloatSlider(
                min=self.low, max=self.high, step=(self.high - self.low) / (self.steps - 1),
                **common,
            )
        return slider, slider

    def _index_from_widget(self, value: float) -> int:
        return self.index_of(float(value))

    def _html(self, ident: str, position: int, before: str = "") -> str:
        text = html.escape(self.texts[self.index])
        return (
            f'<span class="calclib-control" style="{_CONTROL_STYLE}">{before}'
            f'<label for="{ident}">{html.escape(self.label)}</label>'
            f'<input type="range" id="{ident}" class="calclib-input" data-control="{position}" '
            f'min="0" max="{self.steps - 1}" step="1" value="{self.index}" '
            f'aria-valuetext="{text}" style="width:12em;max-width:60vw">'
            f'<output for="{ident}" aria-hidden="true" style="{_OUTPUT_STYLE}">{text}</output>'
            "</span>"
        )


class Play(Slider):
    """A slider with a play button that steps through its values, like an animation.

    Taught in chapter 4. Takes the same arguments as :class:`Slider`; the first value shown
    defaults to ``low``. Playing stops at ``high``; pressing play there starts again from
    ``low``.

    Parameters
    ----------
    name, low, high, value, steps, log, label
        As for :class:`Slider`.

    Examples
    --------
    >>> import calclib as cl
    >>> t = cl.Play("t", 0, 1, steps=11)
    >>> t.value, t.values[-1]
    (0.0, 1.0)
    """

    _kind = "animation"

    def __init__(
        self,
        name: str,
        low: float,
        high: float,
        *,
        value: float | None = None,
        steps: int = 25,
        log: bool = False,
        label: str | None = None,
    ) -> None:
        super().__init__(name, low, high, value=low if value is None else value, steps=steps,
                         log=log, label=label)

    def _widget(self, widgets: Any) -> tuple[Any, Any]:
        import traitlets

        slider, _ = super()._widget(widgets)
        play = widgets.Play(
            value=self.index, min=0, max=self.steps - 1, step=1, interval=PLAY_INTERVAL_MS,
            description=f"Play {self.label}", show_repeat=False,
        )
        values = self.values
        traitlets.link(
            (play, "value"), (slider, "value"),
            transform=(lambda i: values[int(i)], self.index_of),
        )
        return widgets.HBox([play, slider]), slider

    def _html(self, ident: str, position: int) -> str:
        button = (
            f'<button type="button" class="calclib-play" aria-controls="{ident}" '
            f'style="{_BUTTON_STYLE}">Play</button>'
        )
        return super()._html(ident, position, before=button)


class Choice:
    """A choice of one option among a few, shown as a drop-down list.

    Taught in chapter 6. Its ``values`` are the options' values, and ``texts`` the texts shown
    for them.

    Parameters
    ----------
    name : str
        Keyword argument of the plotting function, e.g. ``"x0"``; not a Python keyword.
    options : list or dict
        The values to choose from, e.g. ``[-1, 0, 2]``, or a dict mapping the text shown to the
        value passed, e.g. ``{"sin": np.sin, "exp": np.exp}``.
    value : optional
        The option chosen first (one of the values). Default: the first.
    label : str, optional
        Text shown next to the control. Default: ``name``.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> cl.Choice("x0", [-1, 0, 2.5], value=0).texts
    ('-1', '0', '2.5')
    >>> f = cl.Choice("f", {"sine": np.sin, "exponential": np.exp})
    >>> f.value is np.sin
    True
    """

    _kind = "choice"

    def __init__(
        self,
        name: str,
        options: Sequence[Any] | Mapping[str, Any],
        *,
        value: Any = None,
        label: str | None = None,
    ) -> None:
        func = "Choice"
        self.name = _check_name(func, name)
        self.label = _check_label(func, label, name)
        if isinstance(options, Mapping):
            texts = [str(key) for key in options]
            values = list(options.values())
        elif isinstance(options, (str, bytes)) or not isinstance(options, (Sequence, np.ndarray)):
            fail(func, f"options must be a list such as [-1, 0, 1] or a dict such as "
                 f"{{'sine': np.sin}}, got {describe(options)}", TypeError)
        else:
            values = list(options)
            texts = [_format_option(option) for option in values]
        if not values:
            fail(func, "options is empty; give at least one option, e.g. [-1, 0, 1]")
        if len(values) > MAX_FRAMES:
            fail(func, f"options holds {len(values)} options, more than {MAX_FRAMES}; "
                 "use a Slider for a range of numbers")
        if len(set(texts)) != len(texts):
            fail(func, f"options must show different texts, got {texts}; use a dict to name "
                 "each option")
        self.values, self.texts = tuple(values), tuple(texts)
        if value is None:
            self.index = 0
        else:
            matches = [i for i, option in enumerate(values) if _same(option, value)]
            if not matches and isinstance(options, Mapping) and isinstance(value, str) \
                    and value in texts:
                fail(func, f"value must be one of the dict's values, not one of its texts, got "
                     f"{describe(value)}; write value=options[{value!r}]")
            if not matches:
                fail(func, f"value must be one of the options {list(texts)}, got {describe(value)}")
            self.index = matches[0]

    @property
    def value(self) -> Any:
        """The option chosen first."""
        return self.values[self.index]

    def __repr__(self) -> str:
        return f"Choice({self.name!r}, {list(self.texts)}, value={self.texts[self.index]!r})"

    def _describe(self) -> str:
        return (f"{self.label}: choice of {', '.join(self.texts)}, "
                f"starts at {self.texts[self.index]}")

    def _widget(self, widgets: Any) -> tuple[Any, Any]:
        dropdown = widgets.Dropdown(
            options=[(text, i) for i, text in enumerate(self.texts)], value=self.index,
            description=self.label, style={"description_width": "initial"},
            layout=widgets.Layout(width="max-content"),
        )
        return dropdown, dropdown

    def _index_from_widget(self, index: int) -> int:
        return int(index)

    def _html(self, ident: str, position: int) -> str:
        options = "".join(
            f'<option value="{i}"{" selected" if i == self.index else ""}>'
            f"{html.escape(text)}</option>"
            for i, text in enumerate(self.texts)
        )
        return (
            f'<span class="calclib-control" style="{_CONTROL_STYLE}">'
            f'<label for="{ident}">{html.escape(self.label)}</label>'
            f'<select id="{ident}" class="calclib-input" data-control="{position}">'
            f"{options}</select></span>"
        )


#: Any control (a Play is a Slider).
_Control = Slider | Choice


def _text_of(control: _Control, value: Any) -> str:
    """The text ``control`` shows for ``value``; any other value is formatted on its own."""
    if isinstance(control, Slider):
        return _format_number(float(value))
    for i, option in enumerate(control.values):
        if _same(option, value):
            return control.texts[i]
    return _format_option(value)
