"""How quickly every interactive figure of the book updates in a live kernel.

Each chapter is executed with nbclient in a live kernel (``CALCLIB_STATIC_FIGURES`` unset, as
in JupyterLab, Binder or Colab). Then, in the same kernel, the interactive figures the chapter
created are found (every ``calclib.widgets.InteractiveFigure`` alive in the kernel, in the order
they were made), and each control of each figure is set, through its ipywidgets control, to
several values it has not shown before. An update is timed from setting the control's value
until the figure's Image widget holds the new PNG: drawing the frame with matplotlib, encoding
it and sending the widget update, all in the kernel. Three kinds of move:

- cold: the figure's cache of frames is emptied first, and the moves come back to back, so
  nothing is drawn ahead: each frame is drawn for the first time, the slowest a reader waits;
- stepping: one step at a time with a pause between moves, while the figure draws the next
  frames ahead;
- jumps after reading: while the kernel idles, a figure whose frames all fit its cache draws
  all of them, nearest first; the jumps come after that.

Target: median update ≤ 50 ms for every figure. Reported, never asserted (the machine is
shared and noisy, so the CPU time, which does not count waits for a core, is given beside the
wall-clock time, and the load average is recorded).

Run ``.venv/bin/python benchmarks/figure_updates.py`` (``--chapters 01 06`` for some chapters
only). It prints a Markdown table and writes ``benchmarks/results/figure_updates.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
RESULTS = ROOT / "benchmarks" / "results" / "figure_updates.json"
TARGET_MS = 50.0
MARKER = "CALCLIB-FIGURE-UPDATES "

# Runs in the chapter's kernel after its last cell: times every control of every figure.
MEASURE = """
import asyncio as _asyncio, gc as _gc, json as _json, time as _time
from calclib.widgets import InteractiveFigure as _Figure, Slider as _Slider

def _forget(figure):  # empty the figure's cache of frames and stop its drawing ahead
    if figure._prefetch is not None:
        figure._prefetch.cancel()
        figure._prefetch = None
    figure._cache.clear()

def _timed_move(widget, value, image):
    before = image.value
    start_wall, start_cpu = _time.perf_counter(), _time.process_time()
    widget.value = value
    wall = 1000 * (_time.perf_counter() - start_wall)
    cpu = 1000 * (_time.process_time() - start_cpu)
    return wall, cpu, image.value is not before

async def _measure(moves, pause):
    figures = [obj for obj in _gc.get_objects() if isinstance(obj, _Figure)]
    figures.sort(key=lambda figure: getattr(figure, "_order", 0))
    report = []
    for number, figure in enumerate(figures, 1):
        box = figure.widget()
        controls, image = box.children
        rows = []
        for control, shown in zip(figure.controls, controls.children):
            widget = shown.children[1] if hasattr(shown, "children") else shown
            slider = isinstance(control, _Slider)
            def index():
                return control.index_of(widget.value) if slider else int(widget.value)
            def value_at(i):
                return control.values[i] if slider else i
            # Cold: values never drawn before (the cache is emptied, and nothing is drawn
            # ahead), spread over the control, back to back.
            _forget(figure)
            others = [i for i in range(len(control.values)) if i != index()]
            step = max(1, len(others) // moves)
            cold = [_timed_move(widget, value_at(i), image) for i in others[::step][:moves]]
            # Stepping: one step at a time, a pause between moves, the look-ahead on.
            stepping = []
            direction = 1
            for _ in range(moves):
                await _asyncio.sleep(pause)
                if not 0 <= index() + direction < len(control.values):
                    direction = -direction
                stepping.append(_timed_move(widget, value_at(index() + direction), image))
            # Jumps after reading: the reader moved once and paused; the figure drew ahead.
            waited = 0.0
            while figure._prefetch is not None and waited < 30:
                await _asyncio.sleep(0.1)
                waited += 0.1
            jumps = [_timed_move(widget, value_at(i), image) for i in others[::-step][:moves]]
            rows.append({
                "control": control.label, "kind": type(control).__name__,
                "values": len(control.values),
                "cold_wall_ms": [m[0] for m in cold], "cold_cpu_ms": [m[1] for m in cold],
                "stepping_wall_ms": [m[0] for m in stepping],
                "jump_wall_ms": [m[0] for m in jumps], "drawn_ahead_s": round(waited, 1),
                "images_changed": sum(m[2] for m in cold + stepping + jumps),
                "moves": len(cold) + len(stepping) + len(jumps),
            })
        report.append({"figure": number, "plot": getattr(figure.plot, "__name__", "plot"),
                       "alt": figure.alt[:80], "controls": rows})
    return report

print(%r + _json.dumps(await _measure(%d, %r)))
"""


def order_figures() -> str:
    """Code that numbers figures in the order they are made (run before the chapter)."""
    return (
        "import itertools as _itertools\n"
        "from calclib.widgets import InteractiveFigure as _Figure\n"
        "_count = _itertools.count()\n"
        "_init = _Figure.__init__\n"
        "def _numbered(self, *args, **kwargs):\n"
        "    _init(self, *args, **kwargs)\n"
        "    self._order = next(_count)\n"
        "_Figure.__init__ = _numbered\n"
    )


def measure_chapter(path: Path, moves: int, pause: float) -> tuple[list[dict], float]:
    """Execute one chapter live, then time its figures; return the report and run time."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(order_figures()))
    notebook.cells.append(nbformat.v4.new_code_cell(MEASURE % (MARKER, moves, pause)))
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith(MARKER):
                return json.loads(line[len(MARKER):]), seconds
    raise RuntimeError(f"{path.name}: the measuring cell printed no report")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(results: list[dict]) -> str:
    """One Markdown row per figure, its controls' moves pooled."""
    lines = [
        "| chapter | figure (plot function) | controls | cold: median ms | p90 | max "
        "| median CPU ms | stepping: median ms | max | jump after reading: median ms | max "
        "| median ≤ 50 ms (cold / stepping / jump after reading) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for chapter in results:
        for figure in chapter["figures"]:
            rows = figure["controls"]
            cold = [t for row in rows for t in row["cold_wall_ms"]]
            cpu = [t for row in rows for t in row["cold_cpu_ms"]]
            stepping = [t for row in rows for t in row["stepping_wall_ms"]]
            jumps = [t for row in rows for t in row["jump_wall_ms"]]
            if not cold:
                continue
            controls = ", ".join(
                f"{row['control']} ({row['kind'].lower()}, {row['values']} values)"
                for row in rows
            )
            verdicts = "/".join(
                "yes" if statistics.median(times) <= TARGET_MS else "**no**"
                for times in (cold, stepping, jumps)
            )
            lines.append(
                f"| {chapter['chapter']} | {figure['figure']} ({figure['plot']}) | {controls} "
                f"| {statistics.median(cold):.0f} | {percentile(cold, 0.9):.0f} "
                f"| {max(cold):.0f} | {statistics.median(cpu):.0f} "
                f"| {statistics.median(stepping):.1f} | {max(stepping):.0f} "
                f"| {statistics.median(jumps):.1f} | {max(jumps):.0f} | {verdicts} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="*", default=None,
                        help="chapter numbers to measure, e.g. 01 06 (default: all)")
    parser.add_argument("--moves", type=int, default=8,
                        help="moves of each control, cold and stepping each (default 8)")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between two stepping moves (default 0.3)")
    args = parser.parse_args()
    os.environ.pop("CALCLIB_STATIC_FIGURES", None)  # a reader's kernel: live figures
    paths = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name[:2] in set(args.chapters)]
    results = []
    for path in paths:
        figures, seconds = measure_chapter(path, args.moves, args.pause)
        results.append({"chapter": path.stem, "run_seconds": round(seconds, 1),
                        "figures": figures})
        print(f"{path.stem}: {len(figures)} interactive figure(s), chapter ran in "
              f"{seconds:.1f} s", flush=True)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "target_ms": TARGET_MS,
        "pause_s": args.pause,
        "chapters": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(results))
    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
