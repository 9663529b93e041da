"""How fast the book builds, and how heavy and quick its chapter pages are in a browser.

Measures, and reports (never asserts; these machines are noisy):

- ``make book`` cold (no ``_build``), warm (nothing changed) and after a change to one code
  cell of one chapter, with the number of notebooks each build executed (the execution cache
  should run none when nothing changed, and only the changed chapter after an edit);
- for each chapter page (and each Markdown page), loaded in headless Chromium from a local
  server: bytes transferred (all responses), number of requests, requests to other hosts
  (should be none) and the time from navigation until MathJax has typeset the page (the
  formulas in view: it draws the others as they come into view), then how long drawing all
  the others at once takes (as before printing).

The builds run in a scratch copy of the book (the virtual environment is linked, not copied), so
the working tree and its ``_build`` are left alone. Targets: cold ≤ 240 s, warm ≤ 20 s, a chapter
page ≤ 3 MB, typeset ≤ 1.5 s.

Run ``.venv/bin/python benchmarks/book.py`` (``--pages-only`` measures the pages of the
already built ``_build/html`` instead). Results go to ``benchmarks/results/book.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from chromium import CHROMIUM, CHROMIUM_ARGS, install_chromium  # noqa: E402  (the tests' own)

EXECUTED = re.compile(r"^(?P<path>\S+\.ipynb): Executing notebook", re.MULTILINE)
# Record the moment MathJax has typeset the page (its startup promise resolves), relative to
# the start of navigation. The page sets window.MathJax itself, so hook it once it exists.
TYPESET_PROBE = """
(() => {
    const hook = setInterval(() => {
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
            clearInterval(hook);
            MathJax.startup.promise.then(() => { window.__typesetAt = performance.now(); });
        }
    }, 5);
})();
"""


def scratch_copy(target: Path) -> Path:
    """Copy the book's files (tracked and new, not ignored) to ``target``; link the venv."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # keeps times: make sees the venv up to date
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def make_book(folder: Path) -> dict:
    """Run ``make book`` in ``folder``; return its time and the notebooks it executed."""
    start = time.perf_counter()
    # -o: take the venv's install stamp as up to date, so that make never reinstalls the shared
    # venv from the scratch copy (which would point the editable calclib at a deleted folder).
    done = subprocess.run(
        ["make", "-o", ".venv/.installed", "book"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"make book failed in {folder}:\n{done.stdout[-3000:]}{done.stderr}")
    executed = sorted({Path(path).name for path in EXECUTED.findall(done.stdout)})
    return {"seconds": round(seconds, 1), "executed": executed}


def edit_one_chapter(folder: Path) -> str:
    """Append a comment to the first code cell of the book's first chapter; return its path."""
    page = chapter_pages(folder / "_build" / "html")[0]
    chapter = folder / page.replace(".html", ".ipynb")
    notebook = json.loads(chapter.read_text("utf-8"))
    cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    comment = "\n# edited by the build benchmark"
    if isinstance(cell["source"], list):
        cell["source"] = [*cell["source"], comment]
    else:
        cell["source"] += comment
    chapter.write_text(json.dumps(notebook, indent=1) + "\n", "utf-8")
    return chapter.relative_to(folder).as_posix()


def chapter_pages(site: Path) -> list[str]:
    """The built pages whose source is a notebook (the chapters)."""
    return sorted(
        path.relative_to(site / "_sources").with_suffix(".html").as_posix()
        for path in (site / "_sources").rglob("*.ipynb")
    )


def source_pages(site: Path) -> list[str]:
    """The built pages written by the authors: the chapters and the Markdown pages."""
    return sorted(
        {
            path.relative_to(site / "_sources").with_suffix(".html").as_posix()
            for path in (site / "_sources").rglob("*")
            if path.suffix in (".ipynb", ".md")
        }
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per request."""

    def handle(self) -> None:
        """Serve, ignoring a browser that closes a connection early (a page is left)."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


def measure_pages(site: Path) -> list[dict]:
    """Load each chapter page in a fresh Chromium context; measure bytes and typeset time."""
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results = []
    try:
        with sync_playwright() as playwright:
            reason = install_chromium()
            if reason is not None:
                raise SystemExit(reason)
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for page_path in source_pages(site):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(TYPESET_PROBE)
                outside: list[str] = []
                requests = []
                page = context.new_page()
                # Listen, do not intercept: routing every request through Playwright would
                # slow the page down. Outside requests are counted (with no network, they fail).
                page.on(
                    "request",
                    lambda request, outside=outside: None
                    if request.url.startswith((base, "data:"))
                    else outside.append(request.url),
                )
                page.on("requestfinished", lambda request, seen=requests: seen.append(request))
                page.goto(base + page_path, wait_until="networkidle")
                typeset, rest = page.evaluate(
                    """async () => {
                        const startup = window.MathJax && MathJax.startup;
                        if (!(startup && startup.promise)) return [null, null];
                        await startup.promise;
                        const start = performance.now();
                        await startup.document.lazyTypesetAll();
                        return [window.__typesetAt ?? null, performance.now() - start];
                    }"""
                )
                transferred = 0
                for request in requests:
                    if not request.url.startswith(base):
                        continue  # data: URLs are part of the page already counted
                    sizes = request.sizes()
                    transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                results.append(
                    {
                        "page": page_path,
                        "bytes": transferred,
                        "requests": sum(request.url.startswith(base) for request in requests),
                        "outside_requests": outside,
                        "typeset_ms": None if typeset is None else round(typeset),
                        "typeset_rest_ms": None if rest is None else round(rest),
                    }
                )
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def main() -> None:
    """Measure, print a summary and write ``benchmarks/results/book.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages-only", action="store_true", help="measure the pages of _build/html only"
    )
    args = parser.parse_args()
    report: dict = {"cpus": os.cpu_count()}
    if args.pages_only:
        site = ROOT / "_build" / "html"
        if not (site / "index.html").is_file():
            raise SystemExit("run make book first: _build/html/index.html is missing")
        report["pages"] = measure_pages(site)
    else:
        with tempfile.TemporaryDirectory(prefix="book-bench-") as scratch:
            folder = scratch_copy(Path(scratch))
            for build in ("cold", "warm", "one_chapter_changed"):
                if build == "one_chapter_changed":
                    if not chapter_pages(folder / "_build" / "html"):
                        break  # no chapter in _toc.yml yet
                    report["edited_chapter"] = edit_one_chapter(folder)
                report[build] = make_book(folder)
                result = report[build]
                print(f"{build:>20}: make book {result['seconds']:6.1f} s, "
                      f"executed {result['executed'] or 'no notebook'}", flush=True)
            report["pages"] = measure_pages(folder / "_build" / "html")
    for page in report["pages"]:
        typeset = (
            "no math"
            if page["typeset_ms"] is None
            else f"{page['typeset_ms']} ms (then {page['typeset_rest_ms']} ms for the rest)"
        )
        print(
            f"{page['page']:>40}: {page['bytes'] / 1e6:5.2f} MB in {page['requests']} requests, "
            f"typeset {typeset}, outside requests {page['outside_requests']}"
        )
    out = ROOT / "benchmarks" / "results" / "book.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
