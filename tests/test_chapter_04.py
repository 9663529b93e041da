"""The formulas chapter 4 (the total derivative) derives by hand, checked against calclib."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import calclib as cl

times = st.floats(-3, 3, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def worked_f(p):
    """f(x, y) = x**2 y + sin y."""
    return p[..., 0] ** 2 * p[..., 1] + np.sin(p[..., 1])


def worked_path(t):
    """(cos t, t**2)."""
    return np.stack([np.cos(t), t**2], axis=-1)


@given(times)
def test_worked_example_matches_the_hand_formula(t):
    formula = 2 * np.cos(t) * t**2 * (-np.sin(t)) + (np.cos(t) ** 2 + np.cos(t**2)) * 2 * t
    np.testing.assert_allclose(cl.total_derivative(worked_f, worked_path, t), formula,
                               rtol=1e-8, atol=1e-9)


@given(times)
def test_total_derivative_is_directional_derivative_along_the_velocity(t):
    velocity = np.array([-np.sin(t), 2 * t])
    np.testing.assert_allclose(
        cl.total_derivative(worked_f, worked_path, t),
        cl.directional_derivative(worked_f, worked_path(t), velocity),
        rtol=1e-8, atol=1e-9,
    )


def test_explicit_time_adds_the_partial_in_t():
    def f(p):
        return p[..., 0] * p[..., 1] ** 2

    def path(t):
        return np.stack([t, np.sin(t)], axis=-1)

    t = np.linspace(-2, 2, 9)
    formula = np.sin(t) ** 2 + 2 * t * np.sin(t) * np.cos(t)
    np.testing.assert_allclose(cl.total_derivative(f, path, t), formula, rtol=1e-8, atol=1e-10)


def test_exercise_answers():
    t = np.linspace(0.1, 1.9, 7)
    # 1: f = xy on (t^2, t^3)
    got = cl.total_derivative(lambda p: p[..., 0] * p[..., 1],
                              lambda s: np.stack([s**2, s**3], axis=-1), t)
    np.testing.assert_allclose(got, 5 * t**4, rtol=1e-8)
    # 2: f = x^2 + y^2 on (cos t, 2 sin t) at pi/4
    got = cl.total_derivative(lambda p: np.sum(p**2, axis=-1),
                              lambda s: np.stack([np.cos(s), 2 * np.sin(s)], axis=-1), np.pi / 4)
    np.testing.assert_allclose(got, 3, rtol=1e-8)
    # 3: f(t, x) = e^-t x^2 with x = sin t
    got = cl.total_derivative(lambda p: np.exp(-p[..., 0]) * p[..., 1] ** 2,
                              lambda s: np.stack([s, np.sin(s)], axis=-1), t)
    np.testing.assert_allclose(got, np.exp(-t) * (2 * np.sin(t) * np.cos(t) - np.sin(t) ** 2),
                               rtol=1e-8, atol=1e-12)
    # 5: L = th1^2 + 4 th2^2 along (e^-2t, e^-8t)
    got = cl.total_derivative(lambda p: p[..., 0] ** 2 + 4 * p[..., 1] ** 2,
                              lambda s: np.stack([np.exp(-2 * s), np.exp(-8 * s)], axis=-1), t)
    np.testing.assert_allclose(got, -4 * np.exp(-4 * t) - 64 * np.exp(-16 * t), rtol=1e-7)
    # 6: the slope along the step vanishes at s = 17/65
    g = np.array([1.0, 4.0])
    got = cl.total_derivative(lambda p: 0.5 * (p[..., 0] ** 2 + 4 * p[..., 1] ** 2),
                              lambda s: np.array([1.0, 1.0]) - s * g, 17 / 65)
    np.testing.assert_allclose(got, 0, atol=1e-9)


def test_exercise_4_the_largest_rate_at_speed_three():
    def f(p):
        return p[..., 0] * np.exp(p[..., 1])

    point = np.array([2.0, 0.0])
    g = cl.gradient(f, point)
    angles = np.linspace(0, 2 * np.pi, 3601)
    rates = 3 * (np.cos(angles) * g[0] + np.sin(angles) * g[1])   # grad f . v with |v| = 3
    np.testing.assert_allclose(rates.max(), 3 * np.sqrt(5), rtol=1e-6)
    best = 3 * g / np.linalg.norm(g)
    np.testing.assert_allclose(cl.directional_derivative(f, point, best), 3 * np.sqrt(5),
                               rtol=1e-9)


@settings(max_examples=20)
@given(st.integers(0, 2**32 - 1), st.floats(0, 5))
def test_gradient_flow_rate_is_minus_squared_gradient(seed, t):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, 3))
    a = m @ m.T + 0.5 * np.eye(3)
    c = rng.normal(size=3)
    theta_0 = rng.normal(size=3)

    def loss(theta):
        return 0.5 * np.einsum("...i,ij,...j->...", theta, a, theta) - theta @ c

    star = np.linalg.solve(a, c)
    eigenvalues, q = np.linalg.eigh(a)

    def flow(s):
        return star + q @ (np.exp(-eigenvalues * s) * (q.T @ (theta_0 - star)))

    squared = np.sum((a @ flow(t) - c) ** 2)
    np.testing.assert_allclose(cl.total_derivative(loss, flow, t), -squared,
                               rtol=1e-6, atol=1e-9)
