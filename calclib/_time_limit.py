"""Running code with a time limit, so that an endless loop or a hopeless search stops.

Used by the exercises to bound reading and evaluating an answer, and sympy's ``simplify``
when two formulas are compared; and by :func:`calclib.exact_critical_points`, whose
``timeout`` bounds the search for critical points.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Timeout", "run_limited"]

_REPEAT = 0.05  # seconds between further interruptions once the time is up


class Timeout(BaseException):
    """Raised inside code that ran past its time limit (a BaseException: not caught by
    a learner's ``except Exception``)."""


def run_limited(fn: Callable[[], Any], seconds: float) -> Any:
    """Run ``fn()``; raise `Timeout` if it takes longer than ``seconds``.

    On the main thread a timer signal interrupts ``fn`` itself, and again every 0.05 s until
    ``fn`` gives up (code that catches every exception swallows the first); elsewhere ``fn``
    runs in a daemon thread that is abandoned when the time is up.

    Parameters
    ----------
    fn : callable
        A function of no arguments.
    seconds : float
        The time limit, in seconds.

    Returns
    -------
    object
        What ``fn()`` returned; an exception ``fn`` raised is raised again here.

    Examples
    --------
    >>> run_limited(lambda: 6 * 7, 1.0)
    42
    """
    main = threading.current_thread() is threading.main_thread()
    if main and hasattr(signal, "setitimer") and signal.getitimer(signal.ITIMER_REAL)[0] == 0:
        state = {"running": True}

        def on_alarm(signum: int, frame: Any) -> None:
            if state["running"]:
                raise Timeout

        previous = signal.signal(signal.SIGALRM, on_alarm)
        # Then again every _REPEAT seconds: code that swallows the first Timeout (a bare
        # ``except:``, in a learner's function or deep inside sympy) is interrupted again.
        signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
        try:
            return fn()
        finally:
            state["running"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Timeout
    if "error" in box:
        raise box["error"]
    return box["value"]
