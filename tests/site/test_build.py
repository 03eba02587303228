"""The built HTML book (run after `make book`; `make test` builds it from scratch first)."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The built book: _build/html, or $BOOK_HTML (as in conftest.py).
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()

pytestmark = pytest.mark.site


def _pages():
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts and p.name not in ("genindex.html", "search.html"))


def test_index_and_chapter_pages_exist():
    assert (HTML / "index.html").exists()
    assert (HTML / "book" / "intro.html").exists()
    assert (HTML / "book" / "01_chain_rule.html").exists()


def test_chapter_shows_executed_outputs():
    page = (HTML / "book" / "01_chain_rule.html").read_text(encoding="utf-8")
    # The gradient of the log/exp/sin example, printed by a cell of the chapter.
    assert "dy/dx1 = 3.7730" in page
    # myst-nb writes SVG outputs to files and links them as images.
    graphs = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+\.svg)"', page)
    assert graphs, "the computational graph was not rendered"
    assert "grad" in (HTML / "book" / graphs[0]).read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="[^"]+\.png"', page), "the figure is missing"


def test_no_page_shows_a_local_path():
    leaks = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for marker in (str(ROOT), "/home/", "/root/", "/tmp/", "site-packages"):
            if marker in text:
                leaks.append(f"{page.relative_to(HTML)}: {marker}")
    assert leaks == []
