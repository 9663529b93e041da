"""calclib: the derivatives, gradients and Hessians that *Calculus for Machine Learning* uses."""

from calclib.widgets import Choice, Play, Slider, interactive_figure

__all__: list[str] = [
    "Choice",
    "Play",
    "Slider",
    "interactive_figure",
]
