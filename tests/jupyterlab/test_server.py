"""The JupyterLab server the browser tests use: where it serves from, and that it always stops."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from labserver import ROOT, LabServer, copy_chapters, port_is_free, running_lab


class FailingTest(Exception):
    """Stands for a test that fails while the server runs."""


def test_server_stops_with_its_kernel_and_frees_its_port_when_a_test_fails(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    copy_chapters(root)
    with pytest.raises(FailingTest), running_lab(root, tmp_path / "state") as server:
        port, process = server.port, server.process
        assert server.api("api/status")["started"]
        kernel = server.api("api/kernels", method="POST", body={"name": "python3"})
        assert kernel["name"] == "python3"
        assert not port_is_free(port)  # the check below can fail: it sees a listening server
        raise FailingTest("a test fails while the server and a kernel run")
    assert process.poll() is not None, "the server process is still running"
    assert port_is_free(port), f"port {port} is still taken after the server stopped"
    assert server.kernel_pids() == [], "a kernel of the server is still running"


def test_server_serves_a_copy_of_the_chapters_behind_a_token(lab: LabServer) -> None:
    """Notebooks saved, and checkpoints written, by JupyterLab land outside the repository."""
    assert not lab.root.resolve().is_relative_to(ROOT.resolve())
    copies = sorted(path.name for path in (lab.root / "chapters").glob("*.ipynb"))
    assert "01_derivatives.ipynb" in copies
    listing = lab.api("api/contents/chapters")
    served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert served == copies
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{lab.origin}/api/contents/chapters", timeout=10)
    assert refused.value.code == 403
