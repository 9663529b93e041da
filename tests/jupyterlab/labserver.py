"""A JupyterLab server for tests, on 127.0.0.1, a free port and a token, and Debian's Chromium.

:func:`running_lab` starts the server that ``make lab`` starts (the one in this environment) on
a folder of notebooks, with its configuration, settings, workspaces and runtime files in a
folder of their own, so no setting of the machine's user leaks in and nothing is written
beside the notebooks but what JupyterLab writes there itself. On leaving the ``with`` block,
however it is left, the server is shut down with its kernels and its port is free again.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
ARTIFACTS = ROOT / "test-artifacts" / "jupyterlab"
# Seconds the server may take to answer its first request, and to stop.
START_TIMEOUT = 90
STOP_TIMEOUT = 30

# User settings of the JupyterLab under test. Every cell stays in the page (no windowing), so
# that the test can find each one; no question about fetching news or checking for updates
# pops up over the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
# Server configuration: the server itself asks no other host for news, updates or extensions.
SERVER_CONFIG = {
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a new server could listen on ``port`` of 127.0.0.1 (nothing listens there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


def copy_chapters(destination: Path) -> Path:
    """Copy the chapter notebooks (and nothing else) to ``destination/chapters``."""
    target = destination / "chapters"
    target.mkdir(parents=True)
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)
    return target


@dataclass
class LabServer:
    """A running JupyterLab server and where it keeps its files."""

    port: int
    token: str
    root: Path
    state: Path
    process: subprocess.Popen
    log: Path

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``, the only origin the browser may reach."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, *, reset: bool = False) -> str:
        """The address of ``path`` in JupyterLab (``lab/tree/chapters/x.ipynb``), with the
        token; ``reset`` starts from an empty workspace (no notebook left open before)."""
        return f"{self.origin}/{path}?{'reset&' if reset else ''}token={self.token}"

    def api(self, path: str, method: str = "GET", body: object = None) -> object:
        """Call the server's REST API (``api/kernels``, ...) and return the decoded JSON."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.origin}/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read()
        return json.loads(answer) if answer else None

    def kernel_pids(self) -> list[int]:
        """The process ids of this server's kernels still running (found by their
        connection files, which live in this server's runtime folder)."""
        runtime = str(self.state / "runtime") + os.sep
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:  # the process has just ended
                continue
            if runtime in command and "kernel" in command:
                pids.append(int(entry.name))
        return pids

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote to its log."""
        if not self.log.is_file():
            return ""
        return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), "utf-8")


def _wait_until_up(server: LabServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.process.returncode} before answering:\n"
                + server.log_tail()
            )
        try:
            server.api("api/status")
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.25)
    raise RuntimeError(
        f"JupyterLab did not answer on port {server.port} within {START_TIMEOUT} s:\n"
        + server.log_tail()
    )


def _stop(server: LabServer) -> None:
    """Shut the server down with its kernels; force it if it does not go in time."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            server.api("api/shutdown", method="POST")  # stops every kernel, then the server
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    # A kernel the server could not stop: end it by its id.
    for pid in server.kernel_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_lab(root: Path, state: Path) -> Iterator[LabServer]:
    """Run JupyterLab on ``root`` (127.0.0.1, a free port, a token); stop it on leaving.

    ``state`` is an empty folder for the server's configuration, settings, workspaces and
    runtime files. The server is stopped, and its kernels with it, however the block is left.
    """
    for relative, settings in SETTINGS.items():
        _write_json(state / "settings" / relative, settings)
    _write_json(state / "config" / "jupyter_server_config.json", SERVER_CONFIG)
    (state / "workspaces").mkdir(parents=True, exist_ok=True)
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")
    }
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        IPYTHONDIR=str(state / "ipython"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("CALCLIB_STATIC_FIGURES", None)  # a reader's kernel draws figures live
    port = free_port()
    token = secrets.token_hex(24)
    log = state / "server.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_remote_access=False",
    ]
    if os.geteuid() == 0:  # a container often runs as root; JupyterLab refuses without this
        command.append("--allow-root")
    with open(log, "w") as output:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = LabServer(port, token, root, state, process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(server)


@dataclass
class Tab:
    """A browser tab on the JupyterLab server, and what it asked of other hosts."""

    page: object
    server: LabServer
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
