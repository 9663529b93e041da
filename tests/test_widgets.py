"""Tests of calclib.widgets: controls, static HTML frames, live ipywidgets, errors."""

import asyncio
import base64
import io
import json
import os
import subprocess
import sys
import warnings
from html.parser import HTMLParser

import ipywidgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle
from numpy.testing import assert_allclose
from PIL import Image

import calclib as cl
from calclib import widgets

SMALL = {"figsize": (2, 1.5), "dpi": 40}


def colour_plot(fig, a, b):
    """Fill the figure with the colour (a, 0, b): a frame shows which values drew it."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, color=(a, 0, b)))


def centre_colour(png, base=None):
    """The colour at the centre of a PNG, drawn over the PNG ``base`` as a page shows it."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    if base is not None:
        image = Image.alpha_composite(Image.open(io.BytesIO(base)).convert("RGBA"),
                                      image.convert("RGBA"))
    rgb = np.asarray(image.convert("RGB"), dtype=float) / 255
    return rgb[rgb.shape[0] // 2, rgb.shape[1] // 2]


def data_url(src):
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    return base64.b64decode(src[len(prefix):], validate=True)


class Markup(HTMLParser):
    """The elements of a static figure, by tag, with their attributes and text."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.text = {}
        self._open = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._open = len(self.elements) - 1

    def handle_data(self, data):
        if self._open is not None:
            self.text[self._open] = self.text.get(self._open, "") + data

    def find(self, tag, **attrs):
        return [
            (i, a) for i, (t, a) in enumerate(self.elements)
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def payload(self):
        (i, _), = self.find("script", type="application/json", **{"class": "calclib-frames"})
        return json.loads(self.text[i])


def frames_of(markup):
    data = markup.payload()
    return data, [base64.b64decode(frame, validate=True) for frame in data["frames"]]


# -- controls ------------------------------------------------------------------------------


def test_slider_values_linear_and_log():
    s = cl.Slider("x", -2, 2, steps=5)
    assert s.values == (-2.0, -1.0, 0.0, 1.0, 2.0)
    assert s.value == 0.0
    h = cl.Slider("h", 1e-15, 1, log=True, steps=16, value=1e-8)
    assert_allclose(h.values, np.logspace(-15, 0, 16), rtol=1e-12)
    assert h.value == 1e-8
    assert h.texts[0] == "1e-15" and h.texts[-1] == "1"


def test_slider_value_rounds_to_nearest_step():
    s = cl.Slider("x", 0, 1, steps=5, value=0.3)
    assert s.value == 0.25
    assert cl.Play("t", 0, 1, steps=3).value == 0.0


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(-1e6, 1e6), width=st.floats(1e-3, 1e6),
    steps=st.integers(2, widgets.MAX_FRAMES), log=st.booleans(),
)
def test_slider_grid_law(low, width, steps, log):
    if log:
        low = abs(low) + 1e-3
    s = cl.Slider("x", low, low + width, steps=steps, log=log)
    values = np.array(s.values)
    assert len(values) == steps
    assert np.all(np.diff(values) > 0)
    assert_allclose([values[0], values[-1]], [low, low + width], rtol=1e-11)
    assert [s.index_of(v) for v in values] == list(range(steps))


def test_choice_list_and_dict():
    c = cl.Choice("x0", [-1, 0, 2.5], value=2.5, label="point")
    assert c.texts == ("-1", "0", "2.5") and c.value == 2.5 and c.index == 2
    f = cl.Choice("f", {"sine": np.sin, "exponential": np.exp}, value=np.exp)
    assert f.texts == ("sine", "exponential") and f.value is np.exp


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: cl.Slider("h", 1, 1), ValueError, "low must be less than high"),
        (lambda: cl.Slider("h", 2, 1), ValueError, "low must be less than high"),
        (lambda: cl.Slider("h", 0, 1, log=True), ValueError, "0 < low"),
        (lambda: cl.Slider("h", -1, 1, log=True), ValueError, "0 < low"),
        (lambda: cl.Slider("h", 0, 1, value=2), ValueError, "value must lie between"),
        (lambda: cl.Slider("h", 0, np.inf), ValueError, "high must be a finite number"),
        (lambda: cl.Slider("h", "0", 1), TypeError, "low must be a real number"),
        (lambda: cl.Slider("h", 0, 1, steps=1), ValueError, "steps must be between"),
        (lambda: cl.Slider("h", 0, 1, steps=2.5), TypeError, "steps must be an integer"),
        (lambda: cl.Slider("my h", 0, 1), ValueError, "name must be a Python identifier"),
        (lambda: cl.Slider(3, 0, 1), TypeError, "name must be a Python identifier"),
        (lambda: cl.Play("t", 1, 0), ValueError, "Play: low must be less than high"),
        (lambda: cl.Choice("x", []), ValueError, "options is empty"),
        (lambda: cl.Choice("x", {}), ValueError, "options is empty"),
        (lambda: cl.Choice("x", "abc"), TypeError, "options must be a list"),
        (lambda: cl.Choice("x", 3), TypeError, "options must be a list"),
        (lambda: cl.Choice("x", [1, 2], value=3), ValueError, "value must be one of"),
        (lambda: cl.Choice("x", [1, 1.0]), ValueError, "different texts"),
    ],
)
def test_bad_controls_raise_clear_errors(make, error, words):
    with pytest.raises(error, match=words) as info:
        make()
    assert str(info.value).split(":")[0] in {"Slider", "Play", "Choice"}


@pytest.mark.parametrize("make", [
    lambda name: cl.Slider(name, 0, 1),
    lambda name: cl.Play(name, 0, 1),
    lambda name: cl.Choice(name, [1, 2]),
])
@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("lambda", "'lam' or 'lmbda'"), ("class", "'class_'"), ("in", "'in_'"),
     ("None", "'None_'"), ("True", "'True_'")],
)
def test_a_python_keyword_is_refused_as_a_name(make, name, suggestion):
    with pytest.raises(ValueError) as info:
        make(name)
    message = str(info.value)
    assert message.split(":")[0] in {"Slider", "Play", "Choice"}
    assert f"name must not be a Python keyword, got {name!r}" in message, message
    assert f"use a name such as {suggestion}" in message, message
    assert f"label={name!r}" in message, message


def test_a_name_near_a_keyword_or_a_soft_keyword_is_accepted():
    # match, case, type and _ are soft keywords: plot(fig, match=1) is valid Python.
    for name in ["lam", "lmbda", "lambda_", "Lambda", "match", "type", "_"]:
        slider = cl.Slider(name, 0, 1, label="λ")
        assert slider.name == name and slider.label == "λ"
        assert cl.Choice(name, [1, 2]).name == name


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        (("not a function", cl.Slider("a", 0, 1)), {}, TypeError, "plot must be a function"),
        ((colour_plot,), {}, ValueError, "at least one control"),
        ((colour_plot, (0, 1)), {}, TypeError, "must be a Slider, Choice or Play"),
        ((colour_plot, cl.Slider("a", 0, 1), cl.Slider("a", 0, 1)), {}, ValueError, "differ"),
        ((colour_plot, cl.Slider("c", 0, 1)), {}, TypeError, "keyword arguments"),
        ((colour_plot, cl.Slider("a", 0, 1, steps=11), cl.Slider("b", 0, 1, steps=10)), {},
         ValueError, "110 frames"),
        ((colour_plot, cl.Slider("a", 0, 1), cl.Choice("b", [0])), {"alt": ""}, ValueError,
         "alt must be"),
        ((colour_plot, cl.Slider("a", 0, 1), cl.Choice("b", [0])), {"figsize": 8}, TypeError,
         "figsize"),
        ((colour_plot, cl.Slider("a", 0, 1), cl.Choice("b", [0])), {"dpi": 5000}, ValueError,
         "dpi"),
    ],
)
def test_bad_figure_arguments_raise_clear_errors(args, kwargs, error, words):
    with pytest.raises(error, match=words) as info:
        cl.interactive_figure(*args, **kwargs)
    assert str(info.value).startswith("interactive_figure: ")


# -- static rendering ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "controls",
    [
        [cl.Slider("a", 0, 1, steps=4), cl.Choice("b", [0.0, 1.0])],
        [cl.Choice("a", {"none": 0.0, "half": 0.5, "full": 1.0}), cl.Play("b", 0, 1, steps=3)],
        [cl.Play("a", 0.1, 1, steps=3, log=True), cl.Slider("b", 0, 1, steps=2)],
    ],
    ids=["slider x choice", "choice x play", "log play x slider"],
)
def test_static_html_has_a_frame_per_combination(controls):
    figure = cl.interactive_figure(colour_plot, *controls, alt="A coloured square", **SMALL)
    markup = Markup(figure.to_html())
    data, frames = frames_of(markup)
    shape = [len(c.values) for c in controls]
    assert data["shape"] == shape
    assert len(data["index"]) == np.prod(shape)
    assert len(frames) == np.prod(shape)  # every combination draws a different colour
    (_, img), = markup.find("img", **{"class": "calclib-frame"})
    (_, under), = markup.find("img", **{"class": "calclib-base"})
    base = data_url(under["src"])
    assert under["alt"] == ""
    start = np.ravel_multi_index([c.index for c in controls], shape)
    assert data_url(img["src"]) == frames[data["index"][start]]
    assert img["alt"].startswith("A coloured square (")
    a0, b0 = controls[0].value, controls[1].value
    assert_allclose(centre_colour(base), [a0, 0, b0], atol=0.02)
    initial = Image.open(io.BytesIO(frames[data["index"][start]])).convert("RGBA")
    assert initial.getextrema()[3] == (0, 0)  # the base shows through everywhere
    for k, (i, j) in enumerate(np.ndindex(*shape)):
        a, b = controls[0].values[i], controls[1].values[j]
        assert_allclose(centre_colour(frames[data["index"][k]], base), [a, 0, b], atol=0.02)
    for png in frames:
        assert Image.open(io.BytesIO(png)).size == (80, 60)


def grey_band_plot(fig, a):
    """A large light-grey band (235, 235, 235) among thousands of colours and light tints."""
    left, right = fig.subplots(1, 2)
    left.axvspan(0.0, 0.5, color=(235 / 255,) * 3)
    left.axvspan(0.5, 1.0, color="#009E73", alpha=0.12)
    for k in range(12):
        left.plot([0, 1], [k / 12, a - k / 12], color=f"C{k % 10}")
    xx, yy = np.meshgrid(np.linspace(-2, 2, 400), np.linspace(-2, 2, 400))
    right.imshow(np.sin(3 * xx) * np.cos(2 * yy), cmap="BuGn", extent=(-2, 2, -2, 2))


def test_static_frames_keep_a_light_grey_grey():
    figure = cl.interactive_figure(grey_band_plot, cl.Slider("a", 0, 1, steps=2), alt="A band")
    markup = Markup(figure.to_html())
    data, frames = frames_of(markup)
    (_, under), = markup.find("img", **{"class": "calclib-base"})
    base = Image.open(io.BytesIO(data_url(under["src"]))).convert("RGBA")
    for a, k in [(0.0, 0), (1.0, 1)]:
        rgb = np.asarray(figure._image_of({"a": a}))
        band = np.all(rgb == 235, axis=2)
        assert band.sum() > 10_000 and len(np.unique(rgb.reshape(-1, 3), axis=0)) > 1000
        frame = Image.open(io.BytesIO(frames[data["index"][k]])).convert("RGBA")
        shown = np.asarray(Image.alpha_composite(base, frame).convert("RGB"), dtype=int)
        assert np.abs(shown[band] - 235).max() <= 3, np.unique(shown[band], axis=0)[:3]


def test_static_frames_of_few_colours_keep_them_exactly():
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, size=(200, 3), dtype=np.uint8)
    rgb = colours[rng.integers(0, 200, size=(30, 40))]
    png = widgets.InteractiveFigure._small_png(rgb)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), rgb)


def test_static_controls_are_labelled():
    controls = [cl.Slider("a", 0, 1, steps=3, label="redness"), cl.Choice("b", [0, 1]),
                cl.Play("c", 0, 1, steps=2, label="time")]
    figure = cl.interactive_figure(lambda fig, a, b, c: colour_plot(fig, a, b), *controls,
                                   alt="A square", **SMALL)
    markup = Markup(figure.to_html())
    assert len(markup.find("figure", **{"class": "calclib-figure"})) == 1
    ranges = markup.find("input", type="range")
    selects = markup.find("select")
    assert len(ranges) == 2 and len(selects) == 1
    labels = {a["for"]: markup.text[i] for i, a in markup.find("label")}
    for _, attrs in ranges + selects:
        assert attrs["id"] in labels
    assert [labels[a["id"]] for _, a in ranges + selects] == ["redness", "time", "b"]
    assert [a["aria-valuetext"] for _, a in ranges] == ["0.5", "0"]
    (i, button), = markup.find("button", type="button")
    assert markup.text[i] == "Play" and button["aria-controls"] == ranges[1][1]["id"]
    assert len(markup.find("option")) == 2


def test_two_figures_on_a_page_have_different_ids():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=2),
                                   cl.Choice("b", [0]), **SMALL)
    first, second = Markup(figure.to_html()), Markup(figure.to_html())
    ids = [m.find("figure")[0][1]["id"] for m in (first, second)]
    assert ids[0] != ids[1]


def test_static_mime_bundle_is_html_and_text_only(monkeypatch):
    monkeypatch.setattr(widgets, "_STATIC", True)
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=2),
                                   cl.Choice("b", [0, 1]), alt="A square", **SMALL)
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert 'class="calclib-figure"' in bundle["text/html"]
    assert "a: slider from 0 to 1" in bundle["text/plain"]


def test_environment_variable_decides_the_mode():
    code = "import calclib.widgets as w; print(w._STATIC)"
    for value, expected in (("1", "True"), ("0", "False")):
        env = {**os.environ, "CALCLIB_STATIC_FIGURES": value}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        assert out.stdout.strip() == expected


# -- errors drawn in the figure ------------------------------------------------------------


def domain_plot(fig, x):
    if x > 1:
        raise ValueError(f"x = {x} is outside the domain [0, 1]")
    warnings.warn("a warning while drawing", RuntimeWarning, stacklevel=1)
    colour_plot(fig, x, 0)


def test_exception_in_plot_is_drawn_as_a_message():
    figure = cl.interactive_figure(domain_plot, cl.Slider("x", 0, 2, steps=3), **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = figure.render(x=2.0)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    texts = " ".join(" ".join(t.get_text().split()) for t in figure._figure.texts)
    assert "cannot be drawn for x = 2" in texts
    assert "ValueError: x = 2.0 is outside the domain" in texts
    markup = Markup(figure.to_html())
    data, frames = frames_of(markup)
    assert len(frames) == 3
    base = data_url(markup.find("img", **{"class": "calclib-base"})[0][1]["src"])
    assert_allclose(centre_colour(frames[data["index"][0]], base), [0, 0, 0], atol=0.02)


def test_exception_while_drawing_is_caught_too():
    def bad_label(fig, x):
        fig.subplots().set_title(r"$\frac{1$")  # mathtext fails only when drawn

    figure = cl.interactive_figure(bad_label, cl.Slider("x", 0, 1, steps=2), **SMALL)
    figure.render()
    assert "cannot be drawn" in figure._figure.texts[0].get_text()


def test_render_refuses_unknown_names():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1), cl.Choice("b", [0]))
    with pytest.raises(ValueError, match=r"unknown control names \['c'\]"):
        figure.render(c=1)


# -- live rendering ------------------------------------------------------------------------


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def parts(figure, kind):
    return [w for w in walk(figure.widget()) if isinstance(w, kind)]


def test_live_slider_updates_the_image():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=5, value=0),
                                   cl.Choice("b", [0.0, 1.0]), **SMALL)
    (image,), (slider,) = parts(figure, ipywidgets.Image), parts(figure, ipywidgets.FloatSlider)
    assert_allclose(centre_colour(image.value), [0, 0, 0], atol=0.02)
    slider.value = 0.75
    assert_allclose(centre_colour(image.value), [0.75, 0, 0], atol=0.02)
    assert image.value == figure.render(a=0.75)
    slider.value = 0.74  # a value between steps shows the nearest step, as the book does
    assert image.value == figure.render(a=0.75)


def test_live_log_slider_choice_and_play_update_the_image():
    figure = cl.interactive_figure(
        lambda fig, a, b, c: colour_plot(fig, a, b * c),
        cl.Slider("a", 0.01, 1, log=True, steps=3, value=0.01),
        cl.Choice("b", {"off": 0.0, "on": 1.0}),
        cl.Play("c", 0, 1, steps=3), **SMALL,
    )
    (image,) = parts(figure, ipywidgets.Image)
    (log_slider,) = parts(figure, ipywidgets.FloatLogSlider)
    (dropdown,) = parts(figure, ipywidgets.Dropdown)
    (play,) = parts(figure, ipywidgets.Play)
    (play_slider,) = parts(figure, ipywidgets.FloatSlider)
    assert dropdown.options == (("off", 0), ("on", 1))
    before = image.value
    log_slider.value = 1.0
    assert_allclose(centre_colour(image.value), [1, 0, 0], atol=0.02)
    dropdown.value = 1
    play.value = 2  # the play button moves the linked slider, which redraws
    assert play_slider.value == 1.0
    assert_allclose(centre_colour(image.value), [1, 0, 1], atol=0.02)
    play_slider.value = 0.5
    assert play.value == 1
    assert_allclose(centre_colour(image.value), [1, 0, 0.5], atol=0.02)
    assert image.value != before


def test_live_mime_bundle_has_widget_text_and_png(monkeypatch):
    monkeypatch.setattr(widgets, "_STATIC", False)
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=3),
                                   cl.Choice("b", [0]), alt="A square", **SMALL)
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/plain",
                           "image/png"}
    assert bundle["text/plain"].startswith("Interactive figure drawn by colour_plot: A square")
    png = base64.b64decode(bundle["image/png"])
    assert_allclose(centre_colour(png), [0.5, 0, 0], atol=0.02)


def test_live_figure_draws_the_next_frames_when_idle():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=7),
                                   cl.Choice("b", [0.0, 1.0]), **SMALL)

    async def reader():
        (slider,) = parts(figure, ipywidgets.FloatSlider)
        assert set(figure._cache) == {(3, 0)}
        await asyncio.sleep(widgets._PREFETCH_DELAY + 0.2)
        assert set(figure._cache) == {(3, 0)}  # nothing is drawn before the reader moves
        slider.value = slider.value + slider.step  # one step right
        assert set(figure._cache) == {(3, 0), (4, 0)}
        for _ in range(100):  # until every frame is drawn (at most 10 s)
            await asyncio.sleep(0.1)
            if len(figure._cache) == 14:
                break
        return list(figure._cache)

    drawn = asyncio.run(reader())
    # two steps on to the right, then one step either way on each control ...
    assert drawn[:5] == [(3, 0), (4, 0), (5, 0), (6, 0), (4, 1)]
    # ... then every other frame (the cache holds them all), nearest to (4, 0) first
    assert sorted(drawn) == [(i, j) for i in range(7) for j in range(2)]
    assert drawn[5:] == sorted(drawn[5:], key=lambda ij: abs(ij[0] - 4) + ij[1])


def test_a_figure_just_shown_draws_ahead_once_the_kernel_idles(monkeypatch):
    monkeypatch.setattr(widgets, "_IDLE_DELAY", 0.3)
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=7),
                                   cl.Choice("b", [0.0, 1.0]), **SMALL)

    async def reader():
        parts(figure, ipywidgets.FloatSlider)  # shows the figure
        await asyncio.sleep(0.1)
        assert set(figure._cache) == {(3, 0)}  # not yet: the kernel may still be running cells
        for _ in range(100):
            await asyncio.sleep(0.1)
            if len(figure._cache) == 14:
                break
        return list(figure._cache)

    drawn = asyncio.run(reader())
    assert sorted(drawn) == [(i, j) for i in range(7) for j in range(2)]
    assert drawn[:4] == [(3, 0), (4, 0), (2, 0), (3, 1)]  # one step either way first


def test_drawing_ahead_waits_while_cells_run(monkeypatch):
    monkeypatch.setattr(widgets, "_IDLE_DELAY", 0.2)
    cells = {"run": 0, "running": True}

    def cells_run():  # as if the kernel ran a cell between any two checks
        cells["run"] += cells["running"]
        return cells["run"]

    monkeypatch.setattr(widgets, "_cells_run", cells_run)
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=7),
                                   cl.Choice("b", [0.0]), **SMALL)

    async def reader():
        (slider,) = parts(figure, ipywidgets.FloatSlider)
        slider.value = slider.value + slider.step
        await asyncio.sleep(1.0)
        waiting = set(figure._cache)
        cells["running"] = False  # the notebook has finished: the kernel idles
        for _ in range(100):
            await asyncio.sleep(0.1)
            if len(figure._cache) == 7:
                break
        return waiting, set(figure._cache)

    waiting, drawn = asyncio.run(reader())
    assert waiting == {(3, 0), (4, 0)}
    assert drawn == {(i, 0) for i in range(7)}


def test_a_figure_larger_than_the_cache_draws_only_the_neighbours_ahead():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=41),
                                   cl.Choice("b", [0.0, 1.0]), **SMALL)  # 82 frames

    async def reader():
        (slider,) = parts(figure, ipywidgets.FloatSlider)
        slider.value = slider.value + slider.step
        await asyncio.sleep(widgets._PREFETCH_DELAY + 1)
        return list(figure._cache)

    assert asyncio.run(reader()) == [(20, 0), (21, 0), (22, 0), (23, 0), (21, 1)]


def test_live_figure_without_event_loop_draws_on_demand_only():
    figure = cl.interactive_figure(colour_plot, cl.Slider("a", 0, 1, steps=7),
                                   cl.Choice("b", [0.0, 1.0]), **SMALL)
    (slider,) = parts(figure, ipywidgets.FloatSlider)
    slider.value = 1.0
    assert set(figure._cache) == {(3, 0), (6, 0)}


# -- layout --------------------------------------------------------------------------------


def long_labels(fig, a):
    ax = fig.subplots()
    ax.plot([0, 1], [0, 10.0 ** (6 * a)])
    ax.set(xlabel="x", ylabel="a quantity with a long name", title="A title")


def test_margins_are_fitted_once_and_kept():
    figure = cl.interactive_figure(long_labels, cl.Slider("a", 0, 1, steps=3), **SMALL)
    figure.render(a=0.0)
    first = figure._figure.axes[0].get_position().bounds
    figure.render(a=1.0)  # other tick labels: the axes stay where they were
    assert figure._figure.axes[0].get_position().bounds == first
    assert first[0] > 0.125  # moved right of matplotlib's default to make room for the label


def test_a_plot_that_sets_its_margins_keeps_them():
    def own_margins(fig, a):
        fig.subplots_adjust(left=0.4, right=0.9)
        long_labels(fig, a)

    figure = cl.interactive_figure(own_margins, cl.Slider("a", 0, 1, steps=3), **SMALL)
    figure.render(a=1.0)
    assert_allclose(figure._figure.axes[0].get_position().x0, 0.4)
    assert_allclose(figure._figure.axes[0].get_position().x1, 0.9)


# -- the book's Sphinx extension -----------------------------------------------------------


def test_extension_never_picks_a_widget_view_for_html():
    from types import SimpleNamespace

    from calclib import sphinxext

    config = SimpleNamespace(nb_mime_priority_overrides=[("latex", "image/png", 1)])
    sphinxext._prefer_image_to_widget(None, config)
    assert ("latex", "image/png", 1) in config.nb_mime_priority_overrides
    assert ("html", sphinxext.WIDGET_VIEW, None) in config.nb_mime_priority_overrides


def test_extension_warns_about_a_figure_executed_live(caplog):
    from types import SimpleNamespace

    from docutils import nodes

    from calclib import sphinxext

    def bundle(text):
        node = nodes.container(nb_element="mime_bundle")
        node += nodes.container("", nodes.literal_block(text, text), mime_type="text/plain")
        node += nodes.container(mime_type=sphinxext.WIDGET_VIEW)
        return node

    doctree = nodes.document("", "")
    doctree += bundle("Interactive figure drawn by plot: a secant line")
    doctree += bundle("FloatSlider(value=1.0)")  # some other widget: not ours to judge
    app = SimpleNamespace(env=SimpleNamespace(docname="chapters/01_derivatives"))
    with caplog.at_level("WARNING"):
        sphinxext._warn_about_live_figures(app, doctree)
    warnings_seen = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings_seen) == 1
    assert "chapters/01_derivatives holds an interactive figure" in warnings_seen[0]
    assert "jupyter-book clean --all" in warnings_seen[0]
