"""calclib: the derivatives, gradients and Hessians that *Calculus for Machine Learning* uses."""

from calclib.exercises import Exercise, Feedback
from calclib.symbolic import (
    exact_critical_points,
    exact_derivative,
    exact_gradient,
    exact_hessian,
    exact_jacobian,
    to_numpy,
)
from calclib.widgets import Choice, Play, Slider, interactive_figure

__all__: list[str] = [
    "exact_derivative",
    "exact_gradient",
    "exact_jacobian",
    "exact_hessian",
    "exact_critical_points",
    "to_numpy",
    "Exercise",
    "Feedback",
    "Choice",
    "Play",
    "Slider",
    "interactive_figure",
]
