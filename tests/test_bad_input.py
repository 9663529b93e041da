"""Bad input to the numerical functions: a clear error naming the function and the argument,
never a silent NaN, and the user's own exceptions unchanged."""

import math
import traceback
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import calclib as cl


def scalar(x):
    return x[..., 0] ** 2 + x[..., 1]


def vector(x):
    return x**2  # shape (n,): not a scalar


X2 = np.array([1.0, 2.0])

# Every numerical function, called with (f, x) in the right form.
CALLS = {
    "forward_difference": lambda f, x: cl.forward_difference(f, x, 0.1),
    "backward_difference": lambda f, x: cl.backward_difference(f, x, 0.1),
    "central_difference": lambda f, x: cl.central_difference(f, x, 0.1),
    "derivative": lambda f, x: cl.derivative(f, x),
    "partial_derivative": lambda f, x: cl.partial_derivative(f, x, 0),
    "gradient": lambda f, x: cl.gradient(f, x),
    "jacobian": lambda f, x: cl.jacobian(f, x),
    "directional_derivative": lambda f, x: cl.directional_derivative(f, x, [1.0, 1.0]),
    "hessian": lambda f, x: cl.hessian(f, x),
    "classify_critical_point": lambda f, x: cl.classify_critical_point(f, x),
    "gradient_check": lambda f, x: cl.gradient_check(f, lambda y: 0 * y, x),
    "matrix_gradient": lambda f, x: cl.matrix_gradient(f, x),
}
ONE_VARIABLE = {"forward_difference", "backward_difference", "central_difference", "derivative"}


def good_point(name):
    return 1.0 if name in ONE_VARIABLE else X2


# f not callable


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("f", [3, "np.sin", None, [np.sin]])
def test_f_not_callable(name, f):
    with pytest.raises(TypeError, match=rf"^{name}: f must be a function"):
        CALLS[name](f, good_point(name))


def test_path_and_grad_not_callable():
    with pytest.raises(TypeError, match="total_derivative: path must be a function"):
        cl.total_derivative(scalar, "circle", 0.0)
    with pytest.raises(TypeError, match="gradient_check: grad must be a function"):
        cl.gradient_check(scalar, 2.0, X2)


# h zero, negative, not finite, not a number


QUOTIENTS = ["forward_difference", "backward_difference", "central_difference"]


@pytest.mark.parametrize("name", QUOTIENTS + ["derivative"])
@pytest.mark.parametrize("h", [0, 0.0, -1e-3, np.inf, -np.inf, np.nan, [0.1, 0.0], [0.1, -1]])
def test_step_not_positive_or_not_finite(name, h):
    call = (lambda f, x: cl.derivative(f, x, h=h)) if name == "derivative" else (
        lambda f, x: getattr(cl, name)(f, x, h)
    )
    with pytest.raises(ValueError, match=rf"^{name}: h must be (a )?finite positive number"):
        call(np.sin, np.array([1.0, 2.0]))


@pytest.mark.parametrize("name", QUOTIENTS + ["derivative"])
@pytest.mark.parametrize("h", ["0.1", [0.1, "a"], {"h": 1}])
def test_step_not_a_number(name, h):
    call = (lambda f, x: cl.derivative(f, x, h=h)) if name == "derivative" else (
        lambda f, x: getattr(cl, name)(f, x, h)
    )
    with pytest.raises(TypeError, match=rf"^{name}: h must be"):
        call(np.sin, np.array([1.0, 2.0]))


def test_quotient_step_is_required():
    with pytest.raises(TypeError, match="forward_difference: h must be a positive number"):
        cl.forward_difference(np.sin, 1.0, None)


# x containing NaN or infinity, or not numbers


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_x_not_finite(name, bad):
    x = good_point(name) * np.array([1.0, 1.0])
    x[1] = bad
    with pytest.raises(ValueError, match=rf"^{name}: (x|X) contains (NaN|infinity)"):
        CALLS[name](np.sin if name in ONE_VARIABLE else scalar, x)


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("bad", [["1.0", "2.0"], "x", [1.0, None], [[1.0], [1.0, 2.0]]])
def test_x_not_numeric(name, bad):
    with pytest.raises(TypeError, match=rf"^{name}: (x|X) must be a number or an array"):
        CALLS[name](np.sin if name in ONE_VARIABLE else scalar, bad)


def test_t_and_v_not_numeric():
    with pytest.raises(ValueError, match="total_derivative: t contains NaN"):
        cl.total_derivative(scalar, lambda t: np.array([t, t]), np.nan)
    with pytest.raises(TypeError, match="directional_derivative: v must be a number or an array"):
        cl.directional_derivative(scalar, X2, ["a", "b"])


def test_complex_x_is_refused():
    with pytest.raises(TypeError, match="derivative: x must be real"):
        cl.derivative(np.sin, 1 + 2j)


# f returning an array where a scalar is needed


@pytest.mark.parametrize(
    "name",
    ["gradient", "hessian", "classify_critical_point", "directional_derivative", "matrix_gradient"],
)
def test_f_must_return_a_scalar(name):
    message = rf"^{name}: f must return a scalar, got an array of shape \(2,\)"
    with pytest.raises(ValueError, match=message):
        CALLS[name](vector, X2)


def test_hessian_message_suggests_jacobian():
    with pytest.raises(ValueError) as info:
        cl.hessian(vector, np.array([1.0, 2.0, 3.0]))
    assert str(info.value) == (
        "hessian: f must return a scalar, got an array of shape (3,); "
        "use jacobian for vector-valued f"
    )


def test_gradient_check_and_total_derivative_need_a_scalar_f():
    with pytest.raises(ValueError, match="gradient_check: f must return a scalar"):
        cl.gradient_check(vector, lambda x: 2 * x, X2)
    with pytest.raises(ValueError, match="total_derivative: f must return a scalar"):
        cl.total_derivative(vector, lambda t: np.array([t, 1.0]), 0.5)


def test_path_must_return_a_point():
    with pytest.raises(ValueError, match=r"total_derivative: path must map a number t to a point"):
        cl.total_derivative(scalar, lambda t: np.ones((2, 2)) * t, 0.5)


def test_f_must_return_numbers():
    with pytest.raises(TypeError, match="derivative: f must return numbers"):
        cl.derivative(lambda x: np.full(np.shape(x), "a"), 1.0)


def test_f_must_return_one_shape():
    shapes = iter([(2,), (3,)] * 10)
    with pytest.raises(ValueError, match="derivative: f must return the same shape at every"):
        cl.derivative(lambda x: np.zeros(next(shapes)) + float(x), 1.0)


# mismatched shapes


def test_direction_shape_must_match_x():
    message = r"directional_derivative: v must have the shape of x, \(2,\)"
    with pytest.raises(ValueError, match=message):
        cl.directional_derivative(scalar, X2, [1.0, 0.0, 0.0])


def test_gradient_check_shape_mismatch():
    with pytest.raises(ValueError) as info:
        cl.gradient_check(lambda x: np.sum(x**2), lambda x: 2 * x[:2], np.ones(3))
    assert str(info.value).startswith(
        "gradient_check: grad(x) must return an array shaped like x, (3,), got shape (2,)"
    )


@pytest.mark.parametrize("shape", [(2, 3), (3, 1), (1, 3)])
def test_gradient_check_a_gradient_shaped_like_x_transposed(shape):
    A = np.arange(1.0, 7.0)[: shape[0] * shape[1]].reshape(shape)
    with pytest.raises(ValueError) as info:
        cl.gradient_check(lambda X: np.sum(A * X), lambda X: A.T, np.ones(shape))
    message = str(info.value)
    assert message.startswith(
        f"gradient_check: grad(x) must return an array shaped like x, {shape}, got shape "
        f"{shape[::-1]}, x's shape transposed; "
    ), message
    assert message.endswith("return its transpose (.T)"), message
    # Any other wrong shape keeps the general advice.
    with pytest.raises(ValueError, match="return one partial derivative per coordinate") as info:
        cl.gradient_check(lambda X: np.sum(A * X), lambda X: A.ravel(), np.ones(shape))
    assert "transpose" not in str(info.value)


def test_gradient_check_grad_not_numbers_or_not_finite():
    with pytest.raises(TypeError, match="gradient_check: grad\\(x\\) must return numbers"):
        cl.gradient_check(lambda x: np.sum(x**2), lambda x: "2x", X2)
    with pytest.raises(ValueError, match="gradient_check: grad\\(x\\) returned NaN"):
        cl.gradient_check(lambda x: np.sum(x**2), lambda x: x * np.nan, X2)


def test_point_shapes():
    with pytest.raises(ValueError, match="gradient: x must be a point with n >= 1 coordinates"):
        cl.gradient(scalar, 1.0)
    with pytest.raises(ValueError, match="classify_critical_point: x must be one point"):
        cl.classify_critical_point(scalar, np.ones((2, 2)))
    with pytest.raises(ValueError, match="classify_hessian: H must be a square matrix"):
        cl.classify_hessian(np.ones((2, 3)))


# f returning NaN or infinity at or around the point: never a silent NaN

EDGE = "is the point at the edge of f's domain?"


@pytest.mark.parametrize(
    ("f", "x"), [(np.sqrt, 0.0), (np.log, 0.0), (lambda x: 1 / x, 0.0), (np.arcsin, 1.0)]
)
def test_derivative_at_a_domain_edge(f, x):
    with pytest.raises(ValueError, match="derivative: f returned NaN or infinity around x") as info:
        with np.errstate(all="ignore"):
            cl.derivative(f, np.array([0.5, x]))
    assert EDGE in str(info.value)


def test_derivative_with_a_given_step_does_not_retry():
    with pytest.raises(ValueError, match="derivative: f returned NaN or infinity around x = 0.01"):
        cl.derivative(np.log, 0.01, h=0.01)


@pytest.mark.parametrize(("name", "x"), list(zip(QUOTIENTS, [0.0, 0.05, 0.05], strict=True)))
def test_quotients_at_a_domain_edge(name, x):
    with pytest.raises(ValueError, match=rf"^{name}: f returned NaN or infinity"):
        with np.errstate(all="ignore"):
            getattr(cl, name)(np.log, x, 0.1)


@pytest.mark.parametrize("name", ["gradient", "jacobian", "hessian", "partial_derivative"])
def test_vector_functions_at_a_domain_edge(name):
    def f(x):
        return np.sqrt(x[..., 0]) + x[..., 1]

    with pytest.raises(ValueError, match=rf"^{name}: f returned NaN or infinity around x") as info:
        with np.errstate(all="ignore"):
            CALLS[name](f, np.array([0.0, 1.0]))
    assert EDGE in str(info.value)


def test_complex_step_not_finite():
    with pytest.raises(ValueError, match="derivative: f returned NaN or infinity"):
        with np.errstate(all="ignore"):
            cl.derivative(np.exp, 1000.0, method="complex")  # overflow


def test_f_not_finite_at_the_point_itself():
    # the stencil around 0 is finite, but the pole at 0 is not
    with pytest.raises(ValueError, match="derivative: f returned NaN or infinity around x = 0.0"):
        with np.errstate(all="ignore"):
            cl.derivative(lambda x: 1 / x, 0.0)
    with pytest.raises(ValueError, match=r"gradient: f returned NaN or infinity at x = \[0. 1.\]"):
        with np.errstate(all="ignore"):
            cl.gradient(lambda x: 1 / x[..., 0] + x[..., 1], [0.0, 1.0])
    with pytest.raises(ValueError, match="directional_derivative: f returned NaN or infinity"):
        with np.errstate(all="ignore"):
            cl.directional_derivative(lambda x: 1 / x[..., 0], [0.0, 1.0], [0.0, 1.0])


def test_complex_step_needs_complex_f():
    with pytest.raises(ValueError, match="derivative: method='complex' needs f to return complex"):
        cl.derivative(np.abs, 1.0, method="complex")


def test_method_and_error_arguments():
    with pytest.raises(ValueError, match="derivative: method must be 'richardson' or 'complex'"):
        cl.derivative(np.sin, 1.0, method="central")
    with pytest.raises(TypeError, match="derivative: error must be True or False"):
        cl.derivative(np.sin, 1.0, error="yes")


def test_index_argument():
    with pytest.raises(TypeError, match="partial_derivative: i must be an integer"):
        cl.partial_derivative(scalar, X2, 0.5)
    with pytest.raises(ValueError, match="partial_derivative: i must be between 0 and 1"):
        cl.partial_derivative(scalar, X2, 2)


def test_tolerance_arguments():
    with pytest.raises(ValueError, match="gradient_check: rtol must be a number >= 0"):
        cl.gradient_check(scalar, lambda x: x, X2, rtol=-1)
    with pytest.raises(ValueError, match="gradient_check: worst must be a positive integer"):
        cl.gradient_check(scalar, lambda x: x, X2, worst=0)
    with pytest.raises(ValueError, match="classify_critical_point: rtol must be a number >= 0"):
        cl.classify_critical_point(scalar, X2, rtol="small")
    with pytest.raises(ValueError, match="classify_hessian: atol must be a number >= 0"):
        cl.classify_hessian(np.eye(2), atol=np.nan)


# the user's own exception propagates unchanged


class UserBug(Exception):
    pass


def buggy(x):
    raise UserBug("a bug in f")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_exception_inside_f_propagates_unchanged(name):
    with pytest.raises(UserBug, match="^a bug in f$") as info:
        CALLS[name](buggy, good_point(name))
    assert traceback.extract_tb(info.tb)[-1].name == "buggy"


def test_exception_inside_path_and_grad_propagates_unchanged():
    def path(t):
        raise UserBug("a bug in path")

    with pytest.raises(UserBug, match="a bug in path"):
        cl.total_derivative(scalar, path, 0.0)
    with pytest.raises(UserBug, match="a bug in f"):
        cl.gradient_check(lambda x: np.sum(x**2), buggy, X2)


def test_math_functions_raise_their_own_error_on_complex_input():
    with pytest.raises(TypeError):
        cl.derivative(lambda x: math.sqrt(x) if isinstance(x, float) else math.sqrt(x.real + "")
                      , 1.0, method="complex")


# inputs a student plausibly passes that used to end in a numpy, sympy or Python traceback


@pytest.mark.parametrize("name", QUOTIENTS + ["derivative"])
def test_steps_that_do_not_broadcast_to_x(name):
    call = (lambda x, h: cl.derivative(np.sin, x, h=h)) if name == "derivative" else (
        lambda x, h: getattr(cl, name)(np.sin, x, h)
    )
    message = (
        rf"^{name}: h must be one step or an array of steps that broadcasts to the shape of x, "
        r"\(3,\), got steps of shape \(2,\)"
    )
    with pytest.raises(ValueError, match=message):
        call(np.array([1.0, 2.0, 3.0]), [0.1, 0.2])


def test_derivative_steps_cannot_add_points():
    # the quotients broadcast x against h; derivative keeps the shape of x
    assert cl.central_difference(np.sin, 1.0, [0.1, 0.01]).shape == (2,)
    with pytest.raises(ValueError, match=r"^derivative: h must be .* shape of x, \(\), got"):
        cl.derivative(np.sin, 1.0, h=[0.1, 0.01])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: cl.derivative(np.sin, sp.pi / 3), 0.5),
        (lambda: cl.derivative(np.sin, Fraction(1, 3)), math.cos(1 / 3)),
        (lambda: cl.gradient(scalar, [sp.Integer(1), sp.Rational(1, 2)]), [2.0, 1.0]),
        (lambda: cl.central_difference(lambda x: x**2, sp.Float(3.0), 0.5), 6.0),
    ],
)
def test_sympy_and_fraction_numbers_are_numbers(call, expected):
    np.testing.assert_allclose(call(), expected, rtol=1e-12)


def test_sympy_matrix_hessian_is_classified():
    H = cl.exact_hessian("x^2 - y^2", "x y")
    assert cl.classify_hessian(H) == "saddle point"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cl.classify_hessian(sp.Matrix([[sp.Symbol("a"), 0], [0, 1]])),
         r"^classify_hessian: H must be a number or an array of numbers, got Matrix.*"
         r"substitute numbers first with \.subs"),
        (lambda: cl.derivative(np.sin, sp.Symbol("a")),
         r"^derivative: x must be a number or an array of numbers, got a .*substitute"),
    ],
)
def test_sympy_symbols_are_not_numbers(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("name", ["matrix_gradient", "gradient_check"])
def test_empty_point(name):
    with pytest.raises(ValueError, match=rf"^{name}: (x|X) must hold at least one number, got an"):
        CALLS[name](lambda x: 0.0, [])


@pytest.mark.parametrize(
    ("name", "f"),
    [("jacobian", lambda x: [x[0], [x[1], 1.0]]), ("derivative", lambda x: [x, [x, 1.0]])],
)
def test_f_returning_a_ragged_list(name, f):
    with pytest.raises(ValueError, match=rf"^{name}: f must return a number or an array of "
                       r"numbers, got a list of length 2 whose entries have different shapes"):
        CALLS[name](f, good_point(name))


@pytest.mark.parametrize(
    "name", ["gradient", "jacobian", "hessian", "partial_derivative"]
)
def test_column_x_error_of_f_says_how_x_was_read(name):
    # a column (2, 1) is a batch of two points of one coordinate: f's own IndexError says so
    with pytest.raises(IndexError, match="index 1 is out of bounds") as info:
        CALLS[name](scalar, np.array([[1.0], [2.0]]))
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert f"{name}: x of shape (2, 1) is read as 2 points of 1 coordinate" in notes
    assert "np.ravel(x)" in notes


def test_column_x_of_points_of_one_coordinate_still_works():
    np.testing.assert_allclose(
        cl.gradient(lambda x: x[..., 0] ** 2, np.array([[1.0], [2.0]])), [[2.0], [4.0]]
    )


@pytest.mark.parametrize("var", [["x", "y"], "x y", sp.symbols("x y")])
def test_exact_derivative_by_several_variables(var):
    message = (r'^exact_derivative: var must be one variable such as "x", got 2: '
               r"\['x', 'y'\]; .*use exact_gradient")
    with pytest.raises(ValueError, match=message):
        cl.exact_derivative("x^2 y", var)


@pytest.mark.parametrize("log", ["no", "yes", 1, None])
def test_slider_log_must_be_true_or_false(log):
    with pytest.raises(TypeError, match=r"^Slider: log must be True or False, got"):
        cl.Slider("h", 1e-8, 1, log=log)


def test_slider_accepts_sympy_numbers():
    assert cl.Slider("t", 0, sp.pi).high == pytest.approx(math.pi)
    with pytest.raises(TypeError, match=r"^Slider: high must be a real number, got b \(type"):
        cl.Slider("t", 0, sp.Symbol("b"))


def test_choice_value_given_as_a_dict_text():
    with pytest.raises(ValueError, match=r"^Choice: value must be one of the dict's values, not "
                       r"one of its texts, got 'one' \(type str\); write value=options\['one'\]"):
        cl.Choice("k", {"one": 1, "two": 2}, value="one")


@pytest.mark.parametrize(("x", "h"), [(1.0, 1e-17), (np.array([0.0, 1e20]), 1e-3)])
def test_derivative_step_below_float_resolution(x, h):
    # it returned -7.43 for cos(1) with h = 1e-17: x + h rounds to x
    with pytest.raises(ValueError, match=r"^derivative: h = .* is too small for x = .*: x \+ h "
                       r"rounds to x .*; leave h out"):
        cl.derivative(np.sin, x, h=h)


def test_derivative_tiny_step_where_it_is_resolved():
    np.testing.assert_allclose(cl.derivative(np.sin, 0.0, h=1e-300), 1.0, rtol=1e-12)
    np.testing.assert_allclose(cl.derivative(np.sin, 1.0, h=1e-17, method="complex"),
                               math.cos(1.0), rtol=1e-14)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_derivative_of_a_numpy_matrix_of_points():
    np.testing.assert_allclose(cl.derivative(np.sin, np.matrix([[1.0, 2.0]])),
                               [[math.cos(1.0), math.cos(2.0)]], rtol=1e-12)


@pytest.mark.parametrize("name", ["derivative", "gradient"])
def test_integer_too_large_for_a_float(name):
    x = 10**400 if name == "derivative" else [10**400, 1]
    with pytest.raises(ValueError, match=rf"^{name}: x holds a number too large for a float"):
        CALLS[name](np.sin if name == "derivative" else scalar, x)


@pytest.mark.parametrize(
    ("variables", "message"),
    [("x y", r"got 2 arguments; call f\(\[x, y\]\)"),
     ("x", r"got 2 arguments; for several points pass one array")],
)
def test_to_numpy_function_called_with_one_argument_per_variable(variables, message):
    f = cl.to_numpy("x^2", variables)
    with pytest.raises(TypeError, match=rf"^to_numpy function: f takes one argument x.*{message}"):
        f(1.0, 2.0)


def test_to_numpy_undefined_function():
    # it used to build f, which then raised NameError: name 'q' is not defined
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match=r"^to_numpy: the expression uses the undefined function "
                       r"q, which numpy cannot compute"):
        cl.to_numpy(sp.Function("q")(x) + x, "x")


def test_gradient_check_complex_gradient():
    # it passed: the imaginary parts were dropped with only a numpy ComplexWarning
    with pytest.raises(TypeError, match=r"^gradient_check: grad\(x\) must return real numbers, "
                       "got complex values"):
        cl.gradient_check(lambda x: x @ x, lambda x: 2 * x + 1j, X2)
    assert cl.gradient_check(lambda x: x @ x, lambda x: 2 * x + 0j, X2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: cl.gradient_check(lambda x: x @ x, lambda x: 2 * x, X2, rtol=np.float32(1e-3),
                                  atol=np.float64(0), worst=np.int64(1)),
        lambda: cl.classify_critical_point(lambda x: x @ x, [0.0, 0.0], rtol=np.float32(1e-3)),
        lambda: cl.classify_hessian(np.eye(2), rtol=np.float32(1e-3), atol=Fraction(1, 1000)),
    ],
)
def test_numpy_number_tolerances(call):
    # they were refused as 'rtol must be a number >= 0, got np.float32(0.001)'
    result = call()
    assert bool(result) if isinstance(result, cl.GradCheckReport) else result
