"""calclib: the derivatives, gradients and Hessians that *Calculus for Machine Learning* uses."""

from calclib.controls import Choice, Play, Slider
from calclib.critical_points import (
    CriticalPoint,
    CriticalPointWarning,
    classify_critical_point,
    classify_hessian,
)
from calclib.derivatives import (
    backward_difference,
    central_difference,
    derivative,
    forward_difference,
)
from calclib.exercises import Exercise, Feedback
from calclib.gradcheck import GradCheckReport, gradient_check
from calclib.gradients import (
    directional_derivative,
    gradient,
    jacobian,
    partial_derivative,
    total_derivative,
)
from calclib.hessians import hessian
from calclib.matrix_calculus import matrix_gradient
from calclib.symbolic import (
    exact_critical_points,
    exact_derivative,
    exact_gradient,
    exact_hessian,
    exact_jacobian,
    to_numpy,
)
from calclib.widgets import FIGURE_STYLE, interactive_figure

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
    "classify_critical_point",
    "classify_hessian",
    "CriticalPoint",
    "CriticalPointWarning",
    "gradient_check",
    "GradCheckReport",
    "matrix_gradient",
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
    "FIGURE_STYLE",
]
