"""Interactive figures that respond to the reader in a live kernel and in the static HTML book.

A chapter declares a figure once: a plotting function ``plot(fig, **values)`` and its controls
(:class:`Slider`, :class:`Choice`, :class:`Play`, defined in :mod:`calclib.controls` and
re-exported here). :func:`interactive_figure` returns an object that Jupyter displays in one of
two ways, decided once per process:

- **live** (a kernel in JupyterLab, Notebook 7, Binder or Colab): an ipywidgets control per
  control and an image that is redrawn with matplotlib's Agg renderer each time a control moves;
  the inline backend is enough, ``%matplotlib widget`` is not needed;
- **static** (the environment variable ``CALCLIB_STATIC_FIGURES`` is ``1``, as the book's Sphinx
  extension :mod:`calclib.sphinxext` sets it for the kernels that execute the chapters): every
  frame is drawn in advance and embedded in the page as a small PNG, and a few lines of inline
  JavaScript switch frames when the reader moves an HTML control, with no kernel and no network.

The chapter code is the same in both cases. An exception raised while drawing a frame is caught
and its message is drawn in the figure instead of a traceback.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import inspect
import io
import itertools
import json
import math
import os
import textwrap
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from calclib._checks import check_callable, describe, fail
from calclib.controls import (
    MAX_FRAMES,
    PLAY_INTERVAL_MS,
    Choice,
    Play,
    Slider,
    _Control,
    _text_of,
)

__all__ = [
    "FIGURE_STYLE",
    "MAX_FRAMES",
    "PALETTE_COLORS",
    "PLAY_INTERVAL_MS",
    "STATIC_ENV_VAR",
    "Choice",
    "InteractiveFigure",
    "Play",
    "Slider",
    "interactive_figure",
]

#: The environment variable that switches every figure of the process to static frames.
STATIC_ENV_VAR = "CALCLIB_STATIC_FIGURES"
# Read once, when calclib is imported: a process renders all its figures the same way.
_STATIC = os.environ.get(STATIC_ENV_VAR, "") == "1"

#: Colours of the palette a static frame is reduced to: its exact colours when it has no more,
#: else an octree quantization (which keeps near-greys grey; one colour is the transparent one).
PALETTE_COLORS = 256
# Pixels around each change that a frame also covers: a browser that scales the figure down
# blends neighbouring pixels, which must then match the base, or the base would show through.
_OVERLAP = 3
# Live frames kept, so that returning to a value costs nothing.
_CACHE_SIZE = 64
# Seconds of quiet after an update before a live figure draws the frames one step away, and
# between two of them: the kernel stays free to answer the reader's next move at once.
_PREFETCH_DELAY = 0.1
_PREFETCH_GAP = 0.05
# Seconds in which the kernel ran no cell before a figure just shown starts drawing ahead
# (a notebook run from top to bottom, as by nbval, is never idle that long).
_IDLE_DELAY = 2.0
#: The book's figure style, as matplotlib rcParams. One text size for tick labels, axis
#: labels, legends and panel titles, large enough that a figure at most 6.3 inches wide, shrunk
#: to a phone's 342 CSS px column, still shows its text 9 CSS px tall or more. Every frame of an
#: interactive figure is drawn with it; the chapters apply it to their other figures with
#: ``plt.rcParams.update(cl.FIGURE_STYLE)``.
FIGURE_STYLE: dict[str, Any] = {
    "font.size": 12.0,
    "axes.titlesize": "medium",
    "figure.titlesize": "large",
    "legend.fontsize": "medium",
}
# Matplotlib settings for every frame: the book's style, and the title sits at the top of its
# axes instead of being moved above tick labels on top, which skips a costly measurement of
# every tick label.
_RC = {**FIGURE_STYLE, "axes.titley": 1.0}
_figure_count = itertools.count(1)


def _quantize(rgb: np.ndarray, colors: int) -> tuple[np.ndarray, list[int]]:
    """Palette indices (uint8, shaped like the image) and a flat RGB palette of <= colors.

    An image of at most ``colors`` colours keeps them exactly; otherwise Pillow's fast octree
    quantization picks them (unlike maximum coverage, it never moves a large light-grey area
    to the nearest tint of a frequent colour).
    """
    from PIL import Image

    packed = rgb.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    colours, inverse = np.unique(packed, return_inverse=True)
    if len(colours) <= colors:
        palette = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1)
        return inverse.reshape(rgb.shape[:2]).astype(np.uint8), palette.ravel().tolist()
    small = Image.fromarray(rgb).quantize(
        colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    return np.array(small), small.getpalette()[: 3 * colors]


def _grow(mask: np.ndarray, r: int) -> np.ndarray:
    """``mask`` widened by ``r`` pixels in every direction (a square dilation)."""
    out = mask.copy()
    for s in range(1, r + 1):
        out[s:] |= mask[:-s]
        out[:-s] |= mask[s:]
    rows = out.copy()
    for s in range(1, r + 1):
        out[:, s:] |= rows[:, :-s]
        out[:, :-s] |= rows[:, s:]
    return out


# The two images lie exactly on top of each other: no padding, border or background that a
# page's style sheet (a dark theme, say) may give images.
_IMAGE_STYLE = "margin:0;padding:0;border:0;border-radius:0;background:transparent"

# The script of every static figure: the same text each time, so pages compress well.
_SCRIPT = """(function () {
  var fig = document.getElementById("%s");
  if (!fig || fig.getAttribute("data-ready")) { return; }
  fig.setAttribute("data-ready", "1");
  var d = JSON.parse(fig.querySelector("script.calclib-frames").textContent);
  var img = fig.querySelector("img.calclib-frame");
  var inputs = fig.querySelectorAll(".calclib-input");
  function show() {
    var k = 0, parts = [];
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i], j = parseInt(el.value, 10), text = d.texts[i][j];
      k = k * d.shape[i] + j;
      parts.push(d.labels[i] + " = " + text);
      if (el.type === "range") {
        el.setAttribute("aria-valuetext", text);
        var out = fig.querySelector("output[for='" + el.id + "']");
        if (out) { out.textContent = text; }
      }
    }
    img.src = "data:image/png;base64," + d.frames[d.index[k]];
    img.alt = d.alt + " (" + parts.join(", ") + ")";
  }
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", show);
    inputs[i].addEventListener("change", show);
  }
  var buttons = fig.querySelectorAll("button.calclib-play");
  for (var b = 0; b < buttons.length; b++) {
    (function (button) {
      var el = document.getElementById(button.getAttribute("aria-controls")), timer = null;
      function stop() { clearInterval(timer); timer = null; button.textContent = "Play"; }
      button.addEventListener("click", function () {
        if (timer) { stop(); return; }
        if (+el.value >= +el.max) { el.value = el.min; show(); }
        button.textContent = "Pause";
        timer = setInterval(function () {
          if (+el.value >= +el.max) { stop(); return; }
          el.value = +el.value + 1;
          show();
        }, d.interval);
      });
    })(buttons[b]);
  }
})();"""


def _cells_run() -> int | None:
    """How many cells the IPython kernel has run (None outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return None if shell is None else shell.execution_count


class InteractiveFigure:
    """A figure with controls; made by :func:`interactive_figure`, shown by Jupyter."""

    def __init__(
        self,
        plot: Callable[..., Any],
        controls: tuple[_Control, ...],
        alt: str,
        figsize: tuple[float, float],
        dpi: int,
    ) -> None:
        self.plot = plot
        self.controls = controls
        self.alt = alt
        self.figsize = figsize
        self.dpi = dpi
        self._figure: Any = None
        self._margins: dict[str, float] | None = None
        self._view: Any = None
        self._image: Any = None
        self._inputs: list[Any] = []
        self._cache: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._prefetch: asyncio.TimerHandle | None = None
        self._shown: tuple[int, ...] = ()  # the control indices of the frame on show
        self._heading: tuple[int, int] | None = None  # (control, +1 or -1) of the last move
        self._cells: int | None = None  # cells the kernel had run when drawing ahead was due

    # -- drawing ---------------------------------------------------------------------------

    def _clear(self) -> Any:
        """Clear the reused figure (removing the axes first skips clearing each of them)."""
        fig = self._canvas()
        for ax in tuple(fig.axes):
            fig.delaxes(ax)
        fig.clear()
        return fig

    def _canvas(self) -> Any:
        """The reused Agg figure, created on first use."""
        if self._figure is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            self._figure = Figure(figsize=self.figsize, dpi=self.dpi, facecolor="white")
            FigureCanvasAgg(self._figure)
        return self._figure

    def _fit_margins(self) -> None:
        """Fit the margins once, on the first frame, and keep them for every frame.

        The figure then does not jump as a control moves, and no frame pays for a layout
        engine. A plot that sets its own layout (a layout engine or ``fig.subplots_adjust``)
        keeps it.
        """
        self._margins = {}
        fig = self._clear()
        default = dict(vars(fig.subplotpars))
        try:
            self.plot(fig, **self.initial_values())
            if fig.get_layout_engine() is None and dict(vars(fig.subplotpars)) == default:
                fig.tight_layout()
                self._margins = dict(vars(fig.subplotpars))
        except Exception:  # the frame itself will show the message
            self._margins = {}

    def _draw(self, values: dict[str, Any]) -> Any:
        """Draw the frame for ``values`` into the reused Agg figure; return the figure."""
        import matplotlib

        fig = self._canvas()
        with matplotlib.rc_context(_RC), warnings.catch_warnings():
            # A frame at the extreme of a control (h = 1e-15) would print the same numpy
            # warning for every frame; the figure itself is where the reader should look.
            warnings.simplefilter("ignore")
            if self._margins is None:
                self._fit_margins()
            self._clear()
            if self._margins:
                fig.subplots_adjust(**self._margins)
            try:
                self.plot(fig, **values)
                fig.canvas.draw()
            except Exception as exc:  # shown in the figure, never as a traceback
                self._clear()
                self._draw_message(fig, exc, values)
                fig.canvas.draw()
        return fig

    def _draw_message(self, fig: Any, exc: Exception, values: dict[str, Any]) -> None:
        where = ", ".join(f"{c.name} = {_text_of(c, values[c.name])}" for c in self.controls)
        reason = str(exc).strip() or "no message"
        if len(reason) > 300:
            reason = reason[:297] + "..."
        width = max(30, int(self.figsize[0] * 9))
        body = "\n".join(textwrap.wrap(f"{type(exc).__name__}: {reason}", width))
        fig.text(0.5, 0.62, f"This figure cannot be drawn for {where}.", ha="center",
                 va="center", fontsize=12, color="#222222")
        fig.text(0.5, 0.42, body, ha="center", va="center", fontsize=10, color="#333333",
                 family="monospace")

    def _image_of(self, values: dict[str, Any]) -> Any:
        """The frame for ``values`` as an RGB Pillow image."""
        from PIL import Image

        fig = self._draw(values)
        size = fig.canvas.get_width_height(physical=True)
        rgba = Image.frombuffer("RGBA", size, fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        return rgba.convert("RGB")

    def _smallest_text_px(self) -> float:
        """The size in image pixels of the smallest text of the frame last drawn (0: none)."""
        from matplotlib.text import Text

        sizes = [
            text.get_fontsize() * self.dpi / 72
            for text in self._canvas().findobj(Text)
            if text.get_visible() and text.get_text().strip()
        ]
        return min(sizes, default=0.0)

    def _png(self, values: dict[str, Any]) -> bytes:
        """PNG bytes of one frame, encoded for speed (a live update)."""
        out = io.BytesIO()
        self._image_of(values).save(out, format="PNG", compress_level=1)
        return out.getvalue()

    @staticmethod
    def _small_png(rgb: np.ndarray, base: np.ndarray | None = None) -> bytes:
        """A frame as a small PNG of ``PALETTE_COLORS`` colours.

        Given the ``base`` frame, the PNG is transparent wherever the two are the same (the
        page shows the base underneath), so a frame costs only what changes in it.
        """
        from PIL import Image

        out = io.BytesIO()
        if base is None:
            indices, palette = _quantize(rgb, PALETTE_COLORS)
            frame = Image.fromarray(indices, "P")
            frame.putpalette(palette)
            frame.save(out, format="PNG", optimize=True)
            return out.getvalue()
        clear = PALETTE_COLORS - 1  # the index of the transparent colour
        indices, palette = _quantize(rgb, clear)
        indices[~_grow(np.any(rgb != base, axis=2), _OVERLAP)] = clear
        palette += [0] * (3 * clear - len(palette)) + [255, 255, 255]
        frame = Image.fromarray(indices, "P")
        frame.putpalette(palette)
        frame.save(out, format="PNG", optimize=True, transparency=clear)
        return out.getvalue()

    def initial_values(self) -> dict[str, Any]:
        """The value of each control when the figure is first shown, by name."""
        return {c.name: c.value for c in self.controls}

    def render(self, **values: Any) -> bytes:
        """Return the PNG bytes of the frame for ``values`` (missing ones: initial values)."""
        unknown = set(values) - {c.name for c in self.controls}
        if unknown:
            fail("InteractiveFigure.render", f"unknown control names {sorted(unknown)}; the "
                 f"controls are {[c.name for c in self.controls]}")
        return self._png({**self.initial_values(), **values})

    # -- static rendering ------------------------------------------------------------------

    def to_html(self) -> str:
        """Return the self-contained HTML of the figure with every frame precomputed."""
        shape = [len(c.values) for c in self.controls]
        base = np.asarray(self._image_of(self.initial_values()))
        text_px = self._smallest_text_px()
        frames: list[str] = []
        seen: dict[str, int] = {}
        index: list[int] = []
        for combination in itertools.product(*(range(n) for n in shape)):
            values = {c.name: c.values[i] for c, i in zip(self.controls, combination, strict=True)}
            png = self._small_png(np.asarray(self._image_of(values)), base)
            data = base64.b64encode(png).decode("ascii")
            if data not in seen:
                seen[data] = len(frames)
                frames.append(data)
            index.append(seen[data])
        start = int(np.ravel_multi_index([c.index for c in self.controls], shape))
        payload = {
            "shape": shape, "index": index, "frames": frames,
            "labels": [c.label for c in self.controls],
            "texts": [list(c.texts) for c in self.controls],
            "alt": self.alt, "interval": PLAY_INTERVAL_MS,
        }
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        digest = hashlib.sha1(data.encode("ascii")).hexdigest()[:8]
        ident = f"calclib-figure-{next(_figure_count)}-{digest}"
        controls = "".join(
            c._html(f"{ident}-{i}", i) for i, c in enumerate(self.controls)
        )
        height, width = base.shape[:2]
        alt = html.escape(f"{self.alt} ({self._value_text(self.initial_values())})")
        under = base64.b64encode(self._small_png(base)).decode("ascii")
        size = f'width="{width}" height="{height}"'
        return (
            f'<figure class="calclib-figure" id="{ident}" data-text-px="{text_px:.1f}" '
            'style="margin:1em 0">'
            f'<div class="calclib-controls" style="display:flex;flex-wrap:wrap;'
            f'align-items:center;gap:0.5em 1.5em;margin-bottom:0.5em">{controls}</div>'
            f'<div class="calclib-stage" style="position:relative;width:{width}px;'
            'max-width:100%">'
            f'<img class="calclib-base" src="data:image/png;base64,{under}" alt="" {size} '
            f'style="display:block;width:100%;height:auto;{_IMAGE_STYLE}">'
            f'<img class="calclib-frame" src="data:image/png;base64,{frames[index[start]]}" '
            f'alt="{alt}" {size} style="position:absolute;left:0;top:0;width:100%;height:100%;'
            f'{_IMAGE_STYLE}">'
            "</div>"
            f'<script type="application/json" class="calclib-frames">{data}</script>'
            f"<script>{_SCRIPT % ident}</script>"
            "</figure>"
        )

    def _value_text(self, values: dict[str, Any]) -> str:
        return ", ".join(f"{c.label} = {_text_of(c, values[c.name])}" for c in self.controls)

    # -- live rendering --------------------------------------------------------------------

    def widget(self) -> Any:
        """Return the ipywidgets box (controls above the image) that a live kernel shows."""
        if self._view is not None:
            return self._view
        import ipywidgets as widgets

        self._shown = self._current_indices()
        first = self._frame(self._shown)
        self._schedule_prefetch(_IDLE_DELAY)
        shown = []
        for control in self.controls:
            box, value_widget = control._widget(widgets)
            shown.append(box)
            self._inputs.append(value_widget)
            value_widget.observe(self._update, names="value")
        self._image = widgets.Image(value=first, format="png",
                                    layout=widgets.Layout(max_width="100%", height="auto"))
        controls = widgets.HBox(shown, layout=widgets.Layout(flex_flow="row wrap"))
        self._view = widgets.VBox([controls, self._image])
        return self._view

    def _current_indices(self) -> tuple[int, ...]:
        """The index of each control's value: its widget's, or the initial one."""
        if not self._inputs:
            return tuple(c.index for c in self.controls)
        pairs = zip(self.controls, self._inputs, strict=True)
        return tuple(c._index_from_widget(w.value) for c, w in pairs)

    def _frame(self, indices: tuple[int, ...]) -> bytes:
        """The PNG of the frame at these control indices, drawn once and then kept."""
        png = self._cache.get(indices)
        if png is None:
            values = {c.name: c.values[i] for c, i in zip(self.controls, indices, strict=True)}
            png = self._png(values)
            self._cache[indices] = png
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(indices)
        return png

    def _update(self, change: Any = None) -> None:
        """Show the frame of the controls' current values (a widget observer)."""
        here = self._current_indices()
        moved = [(p, 1 if new > old else -1)
                 for p, (new, old) in enumerate(zip(here, self._shown, strict=True)) if new != old]
        if moved:
            self._heading = moved[0]
        self._shown = here
        self._image.value = self._frame(here)
        self._schedule_prefetch()

    def _neighbours(self) -> list[tuple[int, ...]]:
        """The frames the reader may ask for next: two steps on in the direction of the last
        move, then one step either way on each control."""
        here = self._shown
        moves = [(p, step) for p in range(len(self.controls)) for step in (1, -1)]
        if self._heading is not None:
            position, step = self._heading
            moves = [(position, step), (position, 2 * step)] + moves
        near = []
        for position, step in moves:
            i = here[position] + step
            indices = here[:position] + (i,) + here[position + 1:]
            if 0 <= i < len(self.controls[position].values) and indices not in near:
                near.append(indices)
        return near

    def _wanted(self) -> list[tuple[int, ...]]:
        """The frames to draw ahead, likeliest first: the neighbours, then, if the cache holds
        every frame of the figure, all the others, nearest first (so that after a few seconds
        of reading even a jump along a slider shows a frame already drawn)."""
        near = self._neighbours()
        shape = [len(c.values) for c in self.controls]
        if math.prod(shape) > _CACHE_SIZE:
            return near
        here = self._shown

        def distance(indices: tuple[int, ...]) -> int:
            return sum(abs(i - j) for i, j in zip(indices, here, strict=True))

        rest = sorted(itertools.product(*(range(n) for n in shape)), key=distance)
        return near + [indices for indices in rest if indices not in near and indices != here]

    def _schedule_prefetch(self, delay: float = _PREFETCH_DELAY) -> None:
        """Once the reader pauses, draw the frames they may ask for next, one at a time."""
        if self._prefetch is not None:
            self._prefetch.cancel()
            self._prefetch = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script, a test): draw on demand only
            return
        self._cells = _cells_run()
        self._prefetch = loop.call_later(delay, self._prefetch_one)

    def _prefetch_one(self) -> None:
        self._prefetch = None
        if _cells_run() != self._cells:  # the kernel is running cells: wait until it idles
            self._schedule_prefetch(_IDLE_DELAY)
            return
        missing = [indices for indices in self._wanted() if indices not in self._cache]
        if not missing:
            return
        self._frame(missing[0])
        if len(missing) > 1:
            loop = asyncio.get_running_loop()
            self._prefetch = loop.call_later(_PREFETCH_GAP, self._prefetch_one)

    # -- display ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        name = getattr(self.plot, "__name__", type(self.plot).__name__)
        lines = [f"Interactive figure drawn by {name}: {self.alt}"]
        lines += [f"  {c._describe()}" for c in self.controls]
        return "\n".join(lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if _STATIC:
            return {"text/plain": repr(self), "text/html": self.to_html()}
        view = self.widget()
        bundle = dict(view._repr_mimebundle_())
        bundle["text/plain"] = repr(self)
        # A notebook saved with its outputs and reopened without a kernel shows this frame.
        bundle["image/png"] = base64.b64encode(self._image.value).decode("ascii")
        return bundle


def interactive_figure(
    plot: Callable[..., Any],
    *controls: _Control,
    alt: str | None = None,
    figsize: tuple[float, float] = (6, 3.5),
    dpi: int = 100,
) -> InteractiveFigure:
    """A figure whose controls redraw it, live in a kernel and precomputed in the HTML book.

    Parameters
    ----------
    plot : callable
        ``plot(fig, **values)`` draws into ``fig``, a cleared :class:`matplotlib.figure.Figure`,
        with one keyword argument per control (its ``name``). Use ``fig.subplots()`` and the
        axes' methods, not ``pyplot``. It must depend on its arguments only: the book draws
        each frame in advance. An exception it raises is drawn in the figure as a short message.
        Warnings raised while drawing are not printed. The margins are fitted once, on the
        first frame, and kept (the figure does not jump as a control moves), unless ``plot``
        sets its own with ``fig.subplots_adjust`` or a layout engine.
    *controls : Slider, Choice or Play
        At least one. The HTML book holds one frame per combination of their values, at most
        ``MAX_FRAMES`` (100) in all.
    alt : str, optional
        What the figure shows, for readers who cannot see it (the image's alternative text;
        the current values are appended). Default: a sentence naming the controls.
    figsize : tuple of float, optional
        Width and height in inches. The text is drawn in the book's style
        (``calclib.FIGURE_STYLE``, 12 points): keep the width at 6.3 inches or less, so that
        the text stays legible (9 CSS px or more) when a phone shrinks the figure to the width
        of its screen.
    dpi : int, optional
        Pixels per inch of the image (the width in pixels is ``figsize[0] * dpi``).

    Returns
    -------
    InteractiveFigure
        Displayed by Jupyter: ipywidgets controls and an image redrawn live, or, when the
        environment variable ``CALCLIB_STATIC_FIGURES`` is ``1`` (the book's build), HTML
        with precomputed frames and inline JavaScript. ``render(**values)`` returns one frame
        as PNG bytes, ``to_html()`` the static HTML, ``widget()`` the ipywidgets box. In the
        HTML, the figure's ``data-text-px`` attribute is the size of its smallest text in
        image pixels (the book's tests check it against the width a phone shows).

    Notes
    -----
    In a kernel, each frame drawn is kept, and while the kernel is idle frames are drawn
    ahead: once the reader pauses after a move, the frames one step away on each control (two
    in the direction of the last move), so that a move of one step usually shows at once;
    then, if all the figure's frames fit the cache (64), every other frame, nearest first, so
    that a jump shows at once too. A figure just shown starts drawing ahead once the kernel
    has run no cell for 2 s (so a notebook run from top to bottom, as by nbval, spends no
    time on it), and pauses while cells run. In the book, a frame is a PNG of at most
    ``PALETTE_COLORS`` (256) colours laid over the first frame and transparent where it does
    not differ from it, so it costs only what changes.

    Examples
    --------
    >>> import numpy as np
    >>> import calclib as cl
    >>> def secant(fig, h):
    ...     ax = fig.subplots()
    ...     x = np.linspace(0, 2, 50)
    ...     ax.plot(x, np.sin(x))
    ...     ax.plot([1, 1 + h], np.sin([1, 1 + h]), "o-")
    >>> figure = cl.interactive_figure(
    ...     secant, cl.Slider("h", 1e-3, 1, log=True, steps=4),
    ...     alt="The sine curve and its secant line from x = 1 to x = 1 + h")
    >>> print(figure)
    Interactive figure drawn by secant: The sine curve and its secant line from x = 1 to x = 1 + h
      h: log-scale slider from 0.001 to 1, 4 values, starts at 0.01
    >>> figure.to_html().count('<img class="calclib-frame"')
    1
    """
    func = "interactive_figure"
    check_callable(func, "plot", plot)
    if not controls:
        fail(func, "give at least one control, e.g. interactive_figure(plot, Slider('h', "
             "1e-15, 1, log=True)); for a figure without controls draw it with matplotlib")
    for control in controls:
        if not isinstance(control, (Slider, Choice)):
            fail(func, f"each control must be a Slider, Choice or Play, got {describe(control)}",
                 TypeError)
    names = [c.name for c in controls]
    if len(set(names)) != len(names):
        fail(func, f"the controls' names must differ, got {names}")
    try:
        signature = inspect.signature(plot)
    except (TypeError, ValueError):  # some builtins have no signature; let the call decide
        signature = None
    if signature is not None:
        try:
            signature.bind(None, **{name: None for name in names})
        except TypeError:
            fail(func, f"plot must accept a figure and the keyword arguments {names} (one per "
                 f"control), but its signature is {signature}; rename the controls or plot's "
                 "parameters so that they match", TypeError)
    frames = math.prod(len(c.values) for c in controls)
    if frames > MAX_FRAMES:
        sizes = " x ".join(f"{c.name}: {len(c.values)}" for c in controls)
        fail(func, f"the controls make {frames} frames ({sizes}), more than {MAX_FRAMES}, "
             "too many for one page of the book; lower steps or offer fewer options")
    if alt is None:
        alt = f"A figure that changes with {', '.join(c.label for c in controls)}"
    elif not isinstance(alt, str) or not alt.strip():
        fail(func, f"alt must be a sentence saying what the figure shows, got {describe(alt)}",
             TypeError if not isinstance(alt, str) else ValueError)
    try:
        width, height = (float(v) for v in figsize)
    except (TypeError, ValueError):
        fail(func, f"figsize must be (width, height) in inches such as (6, 3.5), "
             f"got {describe(figsize)}", TypeError)
    if not (0 < width <= 20 and 0 < height <= 20):
        fail(func, f"figsize must hold two sizes between 0 and 20 inches, got {figsize!r}")
    if isinstance(dpi, (bool, np.bool_)) or not isinstance(dpi, (int, np.integer)):
        fail(func, f"dpi must be an integer such as 100, got {describe(dpi)}", TypeError)
    if not 20 <= dpi <= 300:
        fail(func, f"dpi must be between 20 and 300, got {dpi}")
    return InteractiveFigure(plot, tuple(controls), alt.strip(), (width, height), int(dpi))
