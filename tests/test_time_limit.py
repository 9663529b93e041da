"""Tests of calclib._time_limit: code past its time limit stops, even if it swallows the stop."""

import signal
import time

import pytest

from calclib._time_limit import Timeout, run_limited


def test_a_quick_function_returns_its_value_and_leaves_no_timer():
    assert run_limited(lambda: 6 * 7, 1.0) == 42
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_slow_function_is_stopped():
    start = time.perf_counter()
    with pytest.raises(Timeout):
        run_limited(lambda: time.sleep(10), 0.2)
    assert time.perf_counter() - start < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_function_that_swallows_the_first_stop_is_stopped_again():
    # As a learner's `except:` or a bare except deep inside a library would.
    def stubborn():
        try:
            time.sleep(10)
        except BaseException:  # noqa: BLE001 - the point of the test
            pass
        time.sleep(10)
        return "finished"

    start = time.perf_counter()
    with pytest.raises(Timeout):
        run_limited(stubborn, 0.2)
    assert time.perf_counter() - start < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
