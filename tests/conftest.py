"""Settings shared by every test."""

from hypothesis import HealthCheck, settings

# Deterministic property tests (the same examples on every run) with no per-example deadline:
# the machines that run the suite are shared and noisy, and timing is measured in benchmarks/.
settings.register_profile(
    "book",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("book")
