"""How quickly an interactive figure updates in a kernel, and how heavy it is in the book.

The figure is a typical chapter figure: two panels, the curve sin x with the secant line through
x0 and x0 + h (with a legend), and the log-log error of the forward difference against h with
the current h marked; controls h (a log slider from 1e-15 to 1, 25 steps) and x0 (three points).

Measures, and reports (never asserts; these machines are noisy, so the load average is recorded):

- in process, cold: set the slider to a value never drawn before and time until the Image
  widget's value has changed (draw, PNG encoding, widget update), over every step of h, both
  wall-clock and CPU time (the CPU time does not grow when other jobs share the machine);
- in a real kernel (ipykernel, driven as JupyterLab drives it): from the comm message a
  frontend sends when the reader moves the slider until the kernel sends the new image, for
  (a) every step drawn cold (frame cache and look-ahead off), and (b) a reader moving one step
  at a time, about three moves a second (0.3 s apart), which lets the figure draw the next
  frames ahead;
- static: time to precompute the frames and the size of the figure's HTML (raw and gzipped),
  and a chapter page's share for 1 and 3 such figures.

Targets: median update ≤ 50 ms; a chapter page (1–3 figures) ≤ 3 MB.
Run ``.venv/bin/python benchmarks/figures.py``. Results go to
``benchmarks/results/figures.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import time
from pathlib import Path

import ipywidgets
import matplotlib
import numpy as np

import calclib as cl
from calclib import widgets

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "figures.json"
STEPS = np.logspace(-15, 0, 200)


def secant_and_error(fig, h, x0):
    """The typical chapter figure: a secant line, and the forward difference's error."""
    left, right = fig.subplots(1, 2)
    x = np.linspace(-1, 3, 400)
    slope = cl.forward_difference(np.sin, x0, h)
    left.plot(x, np.sin(x), label="f(x) = sin x")
    left.plot(x, np.sin(x0) + slope * (x - x0), "--", label=f"secant, slope {slope:.6g}")
    left.plot([x0, x0 + h], np.sin([x0, x0 + h]), "o", color="C3")
    left.set(xlabel="x", ylabel="f(x)", ylim=(-1.6, 1.6),
             title="Secant line through x0 and x0 + h")
    left.legend(loc="lower left")
    error = np.abs(cl.forward_difference(np.sin, x0, STEPS) - np.cos(x0))
    right.loglog(STEPS, error, color="C0")
    right.loglog([h], [max(abs(slope - np.cos(x0)), 1e-17)], "o", color="C3")
    right.set(xlabel="step h", ylabel="|error|", ylim=(1e-17, 10),
              title="Error: round-off left, truncation right")


def make_figure():
    return cl.interactive_figure(
        secant_and_error,
        cl.Slider("h", 1e-15, 1, log=True, value=1e-8, label="step h"),
        cl.Choice("x0", [0.0, 1.0, 2.0], value=1.0, label="point x0"),
        alt="Left: sin x and its secant line between x0 and x0 + h. Right: the error of the "
        "forward difference against h on log-log axes.",
    )


def parts(figure):
    box = figure.widget()
    controls, image = box.children
    slider, choice = controls.children
    return slider, choice, image


def timed_move(slider, image, value):
    """Seconds from setting the slider until the image's value has changed: wall-clock time,
    and the CPU time of this thread (what the update costs, whatever else the machine runs)."""
    changed = []

    def handler(change):
        changed.append((time.perf_counter(), time.thread_time()))

    image.observe(handler, names="value")
    start, start_cpu = time.perf_counter(), time.thread_time()
    slider.value = value
    image.unobserve(handler, names="value")
    end, end_cpu = changed[0] if changed else (time.perf_counter(), time.thread_time())
    return end - start, end_cpu - start_cpu


def live_cold(figure):
    slider, choice, image = parts(figure)
    values = figure.controls[0].values
    times = []
    for value in values:  # every step; the cache is emptied so each one is drawn
        figure._cache.clear()
        times.append(timed_move(slider, image, value))
    return times


class Kernel:
    """A kernel showing the figure, driven through its comm messages like a frontend."""

    def __init__(self, cold):
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3")
        setup = [
            f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r})",
            "import calclib.widgets, figures",
            "calclib.widgets._CACHE_SIZE, calclib.widgets._PREFETCH_DELAY = 0, 1e9" if cold
            else "",
            "figure = figures.make_figure()",
            "slider, choice, image = figures.parts(figure)",
            "print(slider.model_id, image.model_id)",
        ]
        self.slider, self.image = self.run("\n".join(setup)).split()

    def run(self, code):
        msg_id = self.client.execute(code)
        out = []
        while True:
            msg = self.client.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)

    def move(self, value):
        """Seconds from the frontend's slider update until the kernel sends the new image."""
        state = {"method": "update", "state": {"value": value}, "buffer_paths": []}
        msg = self.client.session.msg("comm_msg", {"comm_id": self.slider, "data": state})
        start = time.perf_counter()
        self.client.shell_channel.send(msg)
        while True:
            reply = self.client.get_iopub_msg(timeout=120)
            if reply["msg_type"] == "comm_msg" and reply["content"]["comm_id"] == self.image:
                return time.perf_counter() - start

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def live_kernel(order, pause, cold):
    values = make_figure().controls[0].values
    kernel = Kernel(cold)
    try:
        times = []
        for i in order:
            times.append(kernel.move(values[i]))
            time.sleep(pause)  # the reader looks at the figure
        return times
    finally:
        kernel.close()


def summary(times):
    ms = sorted(1000 * t for t in times)
    return {
        "median_ms": round(statistics.median(ms), 1),
        "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
        "samples": len(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="cold sweeps over h (default 2)")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel round trips")
    args = parser.parse_args()
    matplotlib.use("Agg")
    results = {
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "machine": f"{platform.machine()}, Python {platform.python_version()}, "
                   f"matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}",
    }

    figure = make_figure()
    parts(figure)  # the first frame (and the fitted margins) is not a move
    cold = []
    for _ in range(args.repeat):
        cold += live_cold(figure)
    results["in_process_cold"] = summary([wall for wall, cpu in cold])
    results["in_process_cold_cpu"] = summary([cpu for wall, cpu in cold])

    steps = len(figure.controls[0].values)
    first = figure.controls[0].index
    every = [i for i in range(steps) if i != first]
    if not args.no_kernel:
        results["kernel_cold"] = summary(live_kernel(every, 0.05, cold=True))
        sweep = list(range(first + 1, steps)) + list(range(steps - 2, -1, -1))
        results["kernel_reader_one_step"] = summary(live_kernel(sweep, 0.3, cold=False))

    figure = make_figure()
    start = time.perf_counter()
    page = figure.to_html()
    seconds = time.perf_counter() - start
    raw = len(page.encode("utf-8"))
    zipped = len(gzip.compress(page.encode("utf-8")))
    frames = int(np.prod([len(c.values) for c in figure.controls]))
    results["static"] = {
        "frames": frames,
        "precompute_s": round(seconds, 1),
        "html_bytes": raw,
        "html_gzip_bytes": zipped,
        "bytes_per_frame": round(raw / frames),
        "page_share_1_figure_MB": round(raw / 1e6, 2),
        "page_share_3_figures_MB": round(3 * raw / 1e6, 2),
        "palette_colors": widgets.PALETTE_COLORS,
        "pixels": "x".join(str(n) for n in figure._figure.canvas.get_width_height()),
    }

    results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
