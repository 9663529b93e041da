"""The notebooks where readers run them: Binder, a fresh environment, and Colab.

- **Binder** builds the repository with repo2docker. Its dry run (``repo2docker --no-build``,
  no Docker engine needed) prints the Dockerfile it would build: it must use the Python that
  ``runtime.txt`` pins and install ``requirements.txt`` after the repository is copied in
  (``requirements.txt`` installs calclib itself with ``-e .``).
- **A reader's environment**: a fresh virtual environment made from ``requirements.txt`` alone,
  plus only the test runner (nbval, pytest, ipykernel), runs every chapter with nbval.
- **Colab** has no calclib: each chapter's guard cell installs it from the repository URL of
  ``_config.yml`` (the one the launch buttons use), and does nothing where calclib is installed.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
# The test runner added to requirements.txt, at the versions requirements-dev.txt pins.
RUNNER = ("nbval", "pytest", "ipykernel")
# What a fresh project copy needs: the files pip reads to install calclib, and the chapters.
PROJECT_FILES = ("requirements.txt", "pyproject.toml", "README.md")
CELL_TIMEOUT = 300  # seconds one cell may take in the reader's environment


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def code_cells(notebook: Path) -> list[dict]:
    """The code cells of a notebook, in order."""
    cells = json.loads(notebook.read_text("utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def repository_url() -> str:
    """The repository URL of ``_config.yml``, the one the launch buttons point at."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    return config["repository"]["url"]


def pinned(requirements: Path, names: tuple[str, ...]) -> list[str]:
    """The lines ``name==version`` of ``requirements`` for ``names``, in that order."""
    lines = {}
    for line in requirements.read_text("utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==\S+$", line.strip())
        if match:
            lines[match.group(1).lower()] = line.strip()
    missing = [name for name in names if name not in lines]
    assert not missing, f"{requirements.name} pins no version of {missing}"
    return [lines[name] for name in names]


# -- Binder: repo2docker's dry run ----------------------------------------------------------


def _unescape(path: str) -> str:
    """Undo repo2docker's escaping of build-script paths (``-2e`` is ``.``, ``-2f`` is ``/``;
    a last ``-`` and six hex digits are a hash)."""
    path = re.sub(r"-[0-9a-f]{6}$", "", path)
    return re.sub(r"-([0-9a-f]{2})", lambda match: chr(int(match.group(1), 16)), path)


@pytest.fixture(scope="module")
def dockerfile() -> tuple[list[str], str]:
    """The Dockerfile repo2docker would build for the repository, as lines, and its log."""
    repo2docker = Path(sys.executable).parent / "repo2docker"
    assert repo2docker.is_file(), "repo2docker is missing: install requirements-dev.txt"
    done = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, f"repo2docker failed:\n{done.stderr[-3000:]}"
    return done.stdout.splitlines(), done.stderr


def test_runtime_txt_pins_a_python_version() -> None:
    text = (ROOT / "runtime.txt").read_text("utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", text), f"runtime.txt says {text!r}"


def test_binder_builds_with_the_python_of_runtime_txt(dockerfile: tuple[list[str], str]) -> None:
    lines, log = dockerfile
    version = (ROOT / "runtime.txt").read_text("utf-8").strip().removeprefix("python-")
    assert f"python={version}\n" in log + "\n", f"repo2docker's log: {log[-500:]}"
    # The base environment is a lock file of that Python's conda environment.
    locks = [
        _unescape(line.split()[-2])
        for line in lines
        if line.startswith("COPY") and line.endswith("/tmp/env/environment.lock")
    ]
    assert len(locks) == 1, "the Dockerfile copies no (or several) environment lock file(s)"
    name = Path(locks[0]).name
    assert name.startswith(f"environment.py-{version}-"), name
    conda = Path(importlib.util.find_spec("repo2docker").origin).parent / "buildpacks" / "conda"
    text = (conda / name).read_text("utf-8")
    assert re.search(rf"/python-{re.escape(version)}\.\d+-", text), (
        f"{name} pins no Python {version}"
    )


def test_binder_installs_the_requirements_after_copying_the_repository(
    dockerfile: tuple[list[str], str],
) -> None:
    lines, _ = dockerfile
    copies = [i for i, line in enumerate(lines) if re.match(r"COPY .*\bsrc/ \$\{REPO_DIR\}/?$",
                                                               line)]
    installs = [
        i for i, line in enumerate(lines)
        if re.match(r'RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install .*-r "?requirements\.txt"?$',
                    line)
    ]
    assert len(copies) == 1, "the Dockerfile does not copy the repository in exactly once"
    assert len(installs) == 1, (
        "the Dockerfile does not install requirements.txt into the kernel's environment"
    )
    assert copies[0] < installs[0], (
        "requirements.txt is installed before the repository is copied in, so its '-e .' "
        "would find no calclib"
    )


def test_requirements_txt_is_pinned_and_installs_calclib_from_the_repository() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "-e ." in lines
    loose = [line for line in lines if line != "-e ." and not re.fullmatch(r"[\w.-]+==\S+", line)]
    assert loose == [], f"requirements.txt has unpinned lines: {loose}"
    names = {line.split("==")[0].lower() for line in lines if "==" in line}
    assert "jupyterlab-myst" in names, "Binder readers need jupyterlab-myst to read MyST"
    toolchain = names & {"jupyter-book", "pytest", "nbval", "ruff", "playwright", "scipy"}
    assert not toolchain, f"requirements.txt holds toolchain packages: {sorted(toolchain)}"


# -- a reader's environment -----------------------------------------------------------------


def copy_project(destination: Path) -> Path:
    """Copy what a reader's environment is made from (and the chapters) to ``destination``."""
    destination.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(ROOT / "calclib", destination / "calclib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (destination / "chapters").mkdir()
    for notebook in CHAPTERS:
        shutil.copy2(notebook, destination / "chapters" / notebook.name)
    # The project's own pytest settings (doctests of calclib, ...) are not for this run.
    (destination / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return destination


def clean_environ(env_dir: Path, scratch: Path) -> dict[str, str]:
    """The environment variables of a process run in the reader's environment: its ``bin``
    first on PATH, no other virtual environment, Jupyter and IPython files in ``scratch``."""
    environ = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "CALCLIB", "MPLBACKEND"))
    }
    environ.update(
        PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(env_dir),
        JUPYTER_DATA_DIR=str(scratch / "jupyter-data"),
        JUPYTER_CONFIG_DIR=str(scratch / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(scratch / "jupyter-runtime"),
        IPYTHONDIR=str(scratch / "ipython"),
        MPLCONFIGDIR=str(scratch / "matplotlib"),
    )
    return environ


@pytest.fixture(scope="module")
def reader_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A fresh virtual environment from ``requirements.txt`` and the test runner only.

    Made as fast as pip allows: no pip inside it (the toolchain's pip installs into it), no
    bytecode compiled ahead (a kernel compiles what it imports), pip's cache of wheels used.
    Yields the environment's folder and the project copy it was installed from; removed after.
    """
    base = tmp_path_factory.mktemp("reader")
    project = copy_project(base / "project")
    env_dir = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    runner = pinned(ROOT / "requirements-dev.txt", RUNNER)
    done = subprocess.run(
        [
            sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"),
            "install", "--quiet", "--no-compile", "--disable-pip-version-check",
            "-r", "requirements.txt", *runner,
        ],
        cwd=project, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, f"pip could not install requirements.txt:\n{done.stderr[-3000:]}"
    try:
        yield env_dir, project
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_reader_env_has_calclib_and_not_the_toolchain(reader_env: tuple[Path, Path]) -> None:
    env_dir, project = reader_env
    probe = (
        "import importlib.util as u, json, calclib; "
        "print(json.dumps({'calclib': calclib.__file__, 'absent': [n for n in "
        "('jupyter_book', 'scipy', 'numdifftools', 'hypothesis', 'playwright') "
        "if u.find_spec(n)]}))"
    )
    done = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", probe], cwd=project.parent,
        env=clean_environ(env_dir, project.parent), capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["calclib"]).is_relative_to(project / "calclib")  # installed with -e .
    assert found["absent"] == [], f"the reader's environment has {found['absent']}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_in_a_reader_environment(
    reader_env: tuple[Path, Path], chapter: Path
) -> None:
    env_dir, project = reader_env
    done = subprocess.run(
        [
            str(env_dir / "bin" / "python"), "-m", "pytest", "-q", "--nbval-lax",
            "--nbval-current-env", f"--nbval-cell-timeout={CELL_TIMEOUT}",
            f"chapters/{chapter.name}",
        ],
        cwd=project, env=clean_environ(env_dir, project.parent),
        capture_output=True, text=True, timeout=1800, check=False,
    )
    assert done.returncode == 0, f"{chapter.name} failed in the reader's environment:\n" + (
        done.stdout[-4000:] + done.stderr[-2000:]
    )


# -- Colab: the guard cell ------------------------------------------------------------------


def guard_cells(notebook: Path) -> list[tuple[int, dict]]:
    """The code cells (with their index among code cells) that install a package."""
    return [
        (i, cell) for i, cell in enumerate(code_cells(notebook))
        if re.search(r"\bpip\b.*\binstall\b|\binstall\b.*\bpip\b", _source(cell), re.DOTALL)
    ]


class Recorder:
    """Stands in for every way a cell could start a process, and records the commands."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def __call__(self, command: object, *args: object, **kwargs: object) -> object:
        self.commands.append(command if isinstance(command, str) else " ".join(map(str, command)))
        return subprocess.CompletedProcess(command, 0)

    def run_line_magic(self, name: str, line: str) -> None:
        self.commands.append(f"%{name} {line}")

    def system(self, command: str) -> None:
        self.commands.append(command)


def run_guard(cell: dict, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the guard cell's code with every process start recorded; return the commands."""
    recorder = Recorder()
    for name in ("run", "call", "check_call", "check_output", "Popen"):
        monkeypatch.setattr(subprocess, name, recorder)
    monkeypatch.setattr(os, "system", recorder)
    code = TransformerManager().transform_cell(_source(cell))  # %pip and !pip, as IPython does
    exec(compile(code, "<guard cell>", "exec"), {"get_ipython": lambda: recorder})
    return recorder.commands


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_guard_cell_installs_from_the_repository_url(chapter: Path) -> None:
    guards = guard_cells(chapter)
    assert len(guards) == 1, f"{chapter.name} has {len(guards)} cells that install something"
    index, cell = guards[0]
    assert "remove-cell" in cell["metadata"].get("tags", []), "the guard cell shows in the book"
    strings = [
        node.value
        for node in ast.walk(ast.parse(TransformerManager().transform_cell(_source(cell))))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    sources = [text for text in strings if "git+" in text or "github.com" in text]
    assert sources == [f"git+{repository_url()}"], (
        f"the guard cell installs from {sources}, not from _config.yml's repository.url"
    )
    imports = [
        i for i, code in enumerate(code_cells(chapter))
        if re.search(r"^\s*(import calclib|from calclib)", _source(code), re.MULTILINE)
    ]
    assert imports and index < imports[0], "the guard cell must run before calclib is imported"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_guard_cell_does_nothing_where_calclib_is_installed(
    chapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert importlib.util.find_spec("calclib") is not None
    (_, cell), = guard_cells(chapter)
    assert run_guard(cell, monkeypatch) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_guard_cell_installs_where_calclib_is_missing(
    chapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_, cell), = guard_cells(chapter)
    monkeypatch.setitem(sys.modules, "calclib", None)  # import calclib fails, find_spec: None
    commands = run_guard(cell, monkeypatch)
    assert len(commands) == 1 and f"git+{repository_url()}" in commands[0].split(), commands
    assert "pip" in commands[0] and "install" in commands[0]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_needs_nothing_colab_lacks(chapter: Path) -> None:
    """No interactive matplotlib backend: Colab has no ipympl; the inline backend is enough."""
    needs = [
        line.strip()
        for cell in code_cells(chapter)
        for line in _source(cell).splitlines()
        if re.search(r"%matplotlib\s+(widget|ipympl|notebook|qt|tk)|\bipympl\b", line)
    ]
    assert needs == [], f"{chapter.name} needs what Colab lacks: {needs}"
