"""Fixtures of the browser tests: the built book served on 127.0.0.1, one headless Chromium,
and `visit(path)`, which opens a page once, offline, and records what happened while it loaded.

The book is read from $BOOK_HTML (default: _build/html, what `make test` has just built).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import mimetypes
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
sys.path.insert(0, str(ROOT / "tools"))

# Chromium from Debian (`make browser-deps`), and when a page is ready: tools/browser.py,
# which the PDF printer (tools/pdf.py) shares.
from browser import CHROMIUM, TIMEOUT_MS, WIDGET_VIEW, launch, wait_until_ready  # noqa: E402

# --- the pages, found in the built book -----------------------------------------------------

def html_pages() -> list[str]:
    """Every page of the book, as a path relative to the HTML root. index.html is left out:
    it only redirects to the first page (the page-weight test follows it)."""
    if not HTML.is_dir():
        return []
    pages = (p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html"))
    return sorted(p for p in pages if not p.startswith("_") and p != "index.html")


def _source(page: str) -> str:
    return (HTML / page).read_text(encoding="utf-8")


def pytest_generate_tests(metafunc):
    """Parametrize the tests over the pages they are about, by argument name."""
    pages = html_pages()
    kinds = {
        "html_page": pages,
        # Numbered chapters: book/NN_topic.html.
        "chapter_page": [p for p in pages if re.fullmatch(r"book/\d\d_\w+\.html", p)],
        "math_page": [p for p in pages if 'class="math' in _source(p)],
        "widget_page": [p for p in pages if WIDGET_VIEW in _source(p)],
    }
    for name, values in kinds.items():
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values, ids=[v.removesuffix(".html") for v in values])


@pytest.fixture(scope="session")
def book_pages() -> list[str]:
    return html_pages()


# --- the server -----------------------------------------------------------------------------

COMPRESSIBLE = re.compile(r"text/|application/(javascript|json|xml)|image/svg\+xml")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the book as GitHub Pages does: text gzip-compressed when the browser asks."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        ctype = mimetypes.guess_type(path.name)[0] or ""
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and accepts_gzip and COMPRESSIBLE.match(ctype)):
            return super().send_head()
        body = _gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@functools.lru_cache(maxsize=None)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


@pytest.fixture(scope="session")
def base_url():
    """http://127.0.0.1:PORT/ serving the built book from a thread."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run `make book` (or set BOOK_HTML)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps`")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        # expect(...) waits as long as a page may take to become ready on a busy machine.
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One page, loaded once in a fresh browser context (a cold cache, as a first-time
    reader has), with what happened while it loaded."""

    path: str
    page: object  # playwright.sync_api.Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests that left 127.0.0.1
    broken: list[str] = field(default_factory=list)  # requests that failed or got >= 400
    # URL -> (bytes transferred, bytes uncompressed), for every response until ready.
    transferred: dict[str, tuple[int, int]] = field(default_factory=dict)


@pytest.fixture(scope="session")
def visit(browser, base_url):
    """visit(path, lands_on=None) -> Visit, each path loaded once per session."""
    visits: dict[str, Visit] = {}
    contexts = []

    def local_file(url: str) -> Path:
        return HTML / unquote(urlsplit(url).path.lstrip("/"))

    def open_page(path: str, lands_on: str | None = None) -> Visit:
        if path in visits:
            return visits[path]
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        # Every wait of the tests on this page (clicks, locators, wait_for_function) may take
        # as long as a readiness signal: a page that is slow on a busy machine passes, and one
        # that never gets there fails naming what it waited for.
        page.set_default_timeout(TIMEOUT_MS)
        result = Visit(path, page)
        sizes_so_far: dict[str, tuple[int, int]] = {}

        def route(route):
            url = route.request.url
            if url.startswith((base_url, "blob:", "data:")):
                route.continue_()
            else:
                result.blocked.append(url)
                route.abort("blockedbyclient")

        def finished(request):
            if request.url.startswith(base_url):
                sizes = request.sizes()
                file = local_file(request.url)
                raw = file.stat().st_size if file.is_file() else sizes["responseBodySize"]
                sizes_so_far[request.url] = (sizes["responseBodySize"] + sizes["responseHeadersSize"], raw)

        def failed(request):
            if request.url not in result.blocked:
                result.broken.append(f"{request.url}: {request.failure}")

        def response(resp):
            if resp.status >= 400:
                result.broken.append(f"{resp.url}: HTTP {resp.status}")

        def console(message):
            if message.type == "error":
                result.console_errors.append(message.text)

        context.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda e: result.page_errors.append(str(e)))
        page.on("requestfinished", finished)
        page.on("requestfailed", failed)
        page.on("response", response)
        page.goto(base_url + path, wait_until="commit")
        if lands_on is not None:
            page.wait_for_url(base_url + lands_on)
        # The load event, MathJax, the widgets, the images and the fonts, each waited for in
        # turn; tools/browser.py raises PageNotReady naming the one that never came. Not
        # Playwright's "networkidle" (no request for 500 ms): it is a guess, not a signal of
        # the page, and on the convolution chapter it has not come within two minutes of the
        # last request finishing. Everything the page loads to show itself has loaded
        # once it is ready.
        wait_until_ready(page)
        result.transferred = dict(sizes_so_far)  # what loading the page took, not later clicks
        visits[path] = result
        return result

    yield open_page
    for context in contexts:
        context.close()
