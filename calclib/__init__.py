"""calclib: the derivatives, gradients and Hessians that *Calculus for Machine Learning* uses."""

from calclib.derivatives import (
    backward_difference,
    central_difference,
    derivative,
    forward_difference,
)
from calclib.exercises import Exercise, Feedback
from calclib.gradients import (
    directional_derivative,
    gradient,
    jacobian,
    partial_derivative,
    total_derivative,
)
from calclib.hessians import hessian
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
    "backward_difference",
    "central_difference",
    "derivative",
    "forward_difference",
    "partial_derivative",
    "gradient",
    "jacobian",
    "directional_derivative",
    "total_derivative",
    "hessian",
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
