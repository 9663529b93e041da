"""Size and install time of a reader's environment, beside the development environment.

Each environment is built from scratch in a temporary folder, from a copy of the project
(``requirements*.txt``, ``pyproject.toml``, ``README.md``, ``calclib/``), and timed from the
creation of the virtual environment to the end of the install:

- **reader**: ``python -m venv`` and its own pip, ``pip install -r requirements.txt``: what a
  learner types on their own machine, and what Binder installs on top of its base image (which
  already holds JupyterLab and a kernel);
- **reader + test runner**: the environment ``tests/test_binder.py`` makes to run every chapter
  with nbval: ``requirements.txt`` plus nbval, pytest and ipykernel, installed by the
  toolchain's pip into a virtual environment without pip and without compiling bytecode ahead
  (a kernel compiles what it imports);
- **development**: ``python -m venv`` and ``pip install -r requirements-dev.txt``, what the
  Makefile's set-up installs into ``.venv``; the size of the existing ``.venv`` is given too.

Pip's cache of wheels is used, as on a machine that installed them once before (``--cold``
adds ``--no-cache-dir``: every wheel is downloaded again). Sizes are the bytes of all files
(their apparent size) and the number of files. Reported, never asserted.

Run ``.venv/bin/python benchmarks/binder_env.py`` (``--skip-dev`` leaves out the development
install, the slowest). It prints a Markdown table and writes
``benchmarks/results/binder_env.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "binder_env.json"
PROJECT_FILES = ("requirements.txt", "requirements-dev.txt", "pyproject.toml", "README.md")
RUNNER = ("nbval", "pytest", "ipykernel")


def copy_project(destination: Path) -> Path:
    """Copy what the environments are installed from to ``destination``."""
    destination.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(ROOT / "calclib", destination / "calclib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def size_of(folder: Path) -> tuple[int, int]:
    """Bytes of all files under ``folder`` (symbolic links not followed) and their number."""
    total = files = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            total += os.lstat(os.path.join(directory, name)).st_size
            files += 1
    return total, files


def runner_pins() -> list[str]:
    """``name==version`` for the test runner, as requirements-dev.txt pins it."""
    pins = {}
    for line in (ROOT / "requirements-dev.txt").read_text("utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==\S+$", line.strip())
        if match:
            pins[match.group(1).lower()] = line.strip()
    return [pins[name] for name in RUNNER]


def run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")


def build(kind: str, project: Path, env_dir: Path, cold: bool) -> float:
    """Build one environment; return the seconds it took."""
    cache = ["--no-cache-dir"] if cold else []
    quiet = ["--quiet", "--disable-pip-version-check"]
    start = time.perf_counter()
    if kind == "reader + test runner":
        run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], project)
        run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"),
             "install", *quiet, *cache, "--no-compile", "-r", "requirements.txt",
             *runner_pins()], project)
    else:
        requirements = "requirements.txt" if kind == "reader" else "requirements-dev.txt"
        run([sys.executable, "-m", "venv", str(env_dir)], project)
        run([str(env_dir / "bin" / "python"), "-m", "pip", "install", *quiet, *cache,
             "-r", requirements], project)
    return time.perf_counter() - start


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-dev", action="store_true",
                        help="do not build the development environment (only .venv's size)")
    parser.add_argument("--cold", action="store_true",
                        help="no pip cache: download every wheel again")
    args = parser.parse_args()
    kinds = ["reader", "reader + test runner"] + ([] if args.skip_dev else ["development"])
    rows = []
    with tempfile.TemporaryDirectory(prefix="calclib-envs-") as scratch:
        project = copy_project(Path(scratch) / "project")
        for number, kind in enumerate(kinds):
            env_dir = Path(scratch) / f"env-{number}"
            seconds = build(kind, project, env_dir, args.cold)
            size, files = size_of(env_dir)
            rows.append({"environment": kind, "install_s": round(seconds, 1), "bytes": size,
                         "files": files})
            print(f"{kind}: {seconds:.0f} s, {megabytes(size)}", flush=True)
            shutil.rmtree(env_dir)
    venv = ROOT / ".venv"
    if venv.is_dir():
        size, files = size_of(venv)
        rows.append({"environment": "development, the existing .venv", "install_s": None,
                     "bytes": size, "files": files})
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "pip_cache": "none (cold)" if args.cold else "warm",
        "environments": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print("| environment | install time | size | files |")
    print("|---|---:|---:|---:|")
    for row in rows:
        seconds = "–" if row["install_s"] is None else f"{row['install_s']:.0f} s"
        print(f"| {row['environment']} | {seconds} | {megabytes(row['bytes'])} "
              f"| {row['files']:,} |")
    print()
    print(f"pip cache: {report['pip_cache']}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores; results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
