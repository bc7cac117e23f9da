"""The built documentation site in a real browser: pages load without errors, internal links resolve.

Runs only where the site has been built (``tox -e docs``, into ``docs/_build/html``), a Chromium
binary exists (Debian's ``chromium``) and playwright is importable; ``tox -e docs-check`` builds
the site and runs this module. The pages are served by a ``http.server`` on localhost started
here; Chromium is Debian's, never one that playwright downloads.

Set ``RAGGRAD_DOCS_SCREENSHOTS`` to a folder to save screenshots of the landing page and of two
notebook pages there (``docs/_static/screenshots`` holds the recorded ones).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest

HTML = Path(__file__).resolve().parents[1] / "docs" / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
# no sandbox inside containers; nothing that reaches out to the network; a fresh profile per run
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not (HTML / "index.html").is_file():
    pytest.skip(f"the site is not built ({HTML}); run `tox -e docs`", allow_module_level=True)
if not Path(CHROMIUM).is_file():
    pytest.skip("no chromium binary (apt-get install chromium)", allow_module_level=True)
if importlib.util.find_spec("playwright") is None:
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402 - only once the checks above pass

# the landing page, a notebook page with rendered output cells, and an API page
LANDING = "index.html"
NOTEBOOK = "user-guide/differentiation-jax.html"
ML_QUICKSTART = "user-guide/ml-quickstart.html"
API = "api/ops-reduction.html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        # a persistent context is how playwright passes --user-data-dir (launch() refuses it)
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def _open(browser: Any, url: str) -> tuple[Any, list[str]]:
    """Open ``url``; returns the page and every error it reported while loading."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, errors


def _ids(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r'\bid="([^"]+)"', text)) | set(re.findall(r'\bname="([^"]+)"', text))


def _broken_links(page: Any, base: str) -> list[str]:
    """Every internal ``<a href>`` of the page whose file (or anchor in it) does not exist."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    broken = []
    for href in hrefs:
        url = urljoin(page.url, href)
        if not url.startswith(base):
            continue  # an external link: not followed (there is no network)
        parts = urlsplit(url)
        path = HTML / unquote(parts.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            broken.append(f"{href} -> missing file {path.relative_to(HTML)}")
        elif parts.fragment and path.suffix == ".html" and unquote(parts.fragment) not in _ids(path):
            broken.append(f"{href} -> no anchor #{parts.fragment} in {path.relative_to(HTML)}")
    return broken


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("RAGGRAD_DOCS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_landing_page(browser: Any, server: str) -> None:
    page, errors = _open(browser, server + LANDING)
    assert errors == []
    assert "raggrad" in page.title()
    assert page.locator("h1").first.inner_text().startswith("raggrad")
    # the 30-second example ran during the build: its last cell shows the gradient
    assert "RaggedArray" in page.locator("div.cell_output").last.inner_text()
    assert _broken_links(page, server) == []
    _screenshot(page, "landing.png")
    page.close()


def test_notebook_page_has_rendered_outputs(browser: Any, server: str) -> None:
    page, errors = _open(browser, server + NOTEBOOK)
    assert errors == []
    outputs = page.locator("div.cell_output")
    assert outputs.count() >= 10, "the notebook's cells were not executed into the page"
    assert "RaggedArray" in outputs.first.inner_text()
    assert _broken_links(page, server) == []
    outputs.first.scroll_into_view_if_needed()
    _screenshot(page, "notebook.png")
    page.close()


def test_ml_quickstart_trains_with_one_compilation(browser: Any, server: str) -> None:
    page, errors = _open(browser, server + ML_QUICKSTART)
    assert errors == []
    outputs = page.locator("div.cell_output")
    assert outputs.count() >= 10, "the quick start's cells were not executed into the page"
    training = outputs.filter(has_text="traced 1 time(s) for 30 batches")
    assert training.count() == 1, "the training cell's output (one compilation) is not on the page"
    assert _broken_links(page, server) == []
    training.scroll_into_view_if_needed()
    _screenshot(page, "ml-quickstart.png")
    page.close()


def test_api_page(browser: Any, server: str) -> None:
    page, errors = _open(browser, server + API)
    assert errors == []
    entry = page.locator('dt[id="raggrad.sum"]')
    assert entry.count() == 1, "rg.sum has no reference entry on the reductions page"
    assert "sum" in entry.inner_text()
    assert _broken_links(page, server) == []
    page.close()
