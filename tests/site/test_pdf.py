"""The printed book: `tools/pdf.py` run on the built HTML book (as `make pdf` runs it), then the
PDF read back with pypdf.

The expectations come from the HTML and _toc.yml, not from the PDF code: every page of the
table of contents starts a page of the PDF with its title, in order; MathJax typeset every
equation (no raw TeX in the text); every chapter with a raster figure in its HTML has images
on its pages; the solutions that the page folds away are printed; no link points at the
short-lived local server.
"""

import html
import multiprocessing
import os
import re
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
sys.path.insert(0, str(ROOT / "tools"))

from pdf import toc_entries  # noqa: E402

pytestmark = pytest.mark.site

# TeX that MathJax should have replaced: display and inline delimiters, common commands.
RAW_TEX = re.compile(r"\\mathbf|\\frac|\$\$|\\begin|\\[()\[\]]")


def _squash(text: str) -> str:
    """Text compared without spaces, line breaks or ligatures (pypdf reads "ﬁ" as one glyph)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Article(HTMLParser):
    """What the article of a page of the built book holds: its title (the text of its first
    <h1>), its raster images, and the prose of each solution (without the "Solution to"
    line, which prints even when folded, and without math or code, which pypdf does not
    read back as the same text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # open elements inside the article: (tag, role)
        self.title = ""
        self.images: set[str] = set()
        self.solutions: list[str] = []

    def _inside(self, role: str) -> bool:
        return any(r == role for _, r in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if not self.stack and not (tag == "article" and "bd-article" in classes):
            return
        if tag == "img" and re.search(r"\.(png|jpe?g)$|^data:image/(png|jpeg)", attrs.get("src", "")):
            self.images.add(attrs["src"])
        if tag in VOID:
            return
        role = ""
        if tag == "h1" and not self.title and not self._inside("title"):
            role = "title"
        elif "headerlink" in classes or "math" in classes or tag in ("pre", "code") or "highlight" in classes:
            role = "skip"
        elif tag == "div" and "solution" in classes and not self._inside("solution"):
            role = "solution"
            self.solutions.append("")
        elif "admonition-title" in classes:
            role = "skip"
        self.stack.append((tag, role))

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        while self.stack:  # close up to the matching element, as a browser would
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.stack or self._inside("skip"):
            return
        if self._inside("title"):
            self.title += data
        elif self._inside("solution"):
            self.solutions[-1] += data


def _article(page: str) -> _Article:
    parser = _Article()
    parser.feed((HTML / page).read_text(encoding="utf-8"))
    return parser


def _image_count(page) -> int:
    """Image XObjects drawn on a PDF page, including those inside form XObjects."""
    seen, count = set(), 0

    def walk(resources):
        nonlocal count
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            key = getattr(ref, "idnum", id(obj))
            if key in seen:
                continue
            seen.add(key)
            if obj.get("/Subtype") == "/Image":
                count += 1
            elif obj.get("/Subtype") == "/Form":
                walk(obj.get("/Resources"))

    walk(page.get("/Resources"))
    return count


def _read_pages(path: str, start: int, stop: int) -> list[tuple[str, str]]:
    """(text, text outside code) of pages start to stop - 1 of the PDF at `path`."""
    reader = pypdf.PdfReader(path)
    read = []
    for page in reader.pages[start:stop]:
        outside_code = []

        def keep_prose(text, cm, tm, font, size, outside_code=outside_code):
            # Code prints in a monospaced font; a matplotlib label in a cell may hold TeX.
            if font is None or "Mono" not in str(font.get("/BaseFont", "")):
                outside_code.append(text)

        read.append((page.extract_text(visitor_text=keep_prose), "\n".join(outside_code)))
    return read


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The book printed by tools/pdf.py: (reader, text of each page, its text outside code)."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run `make book` (or set BOOK_HTML)")
    output = tmp_path_factory.mktemp("pdf") / "book.pdf"
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "pdf.py"), str(HTML), str(output)],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, f"tools/pdf.py failed:\n{result.stdout}\n{result.stderr}"
    reader = pypdf.PdfReader(output)
    # pypdf reads about five pages a second here; two processes read the book in half the time.
    count = len(reader.pages)
    halves = [(str(output), 0, count // 2), (str(output), count // 2, count)]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        read = [page for half in pool.map(_read_pages, *zip(*halves)) for page in half]
    texts, prose = [text for text, _ in read], [outside_code for _, outside_code in read]
    print(f"tools/pdf.py printed {len(reader.pages)} pages in {seconds:.1f} s")
    return reader, texts, prose


def _chapter_starts(reader) -> list[tuple[str, int]]:
    """(title, first page) of each page's bookmark, in outline order; a part's bookmark holds
    its chapters, a chapter's holds its sections."""
    starts, items, parts = [], reader.outline, _part_captions()
    for i, item in enumerate(items):
        if isinstance(item, list):
            continue
        children = items[i + 1] if i + 1 < len(items) and isinstance(items[i + 1], list) else []
        chapters = [c for c in children if not isinstance(c, list)] if item.title in parts else [item]
        starts += [(c.title, reader.get_destination_page_number(c)) for c in chapters]
    return starts


def _part_captions() -> set[str]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return {part.get("caption") for part in toc.get("parts", []) if part.get("caption")}


def test_every_page_of_the_toc_starts_a_page_with_its_title_in_order(printed):
    reader, texts, _ = printed
    entries = toc_entries(ROOT / "_toc.yml", HTML)
    titles = [html.unescape(_article(e.path).title).strip() for e in entries]
    assert all(titles), f"a page of the table of contents has no <h1>: {list(zip(entries, titles))}"
    starts = _chapter_starts(reader)
    assert len(starts) == len(entries), (
        f"expected one bookmark per page of _toc.yml ({len(entries)}), got {len(starts)}: {starts}")
    previous = -1
    for entry, title, (bookmark, page) in zip(entries, titles, starts):
        assert _squash(title) in _squash(bookmark), f"bookmark {bookmark!r} where {entry.path} ({title!r}) was expected"
        assert page > previous, f"{entry.path} starts on page {page + 1}, not after the page before (page {previous + 1})"
        assert _squash(title) in _squash(texts[page]), (
            f"{entry.path}: its title {title!r} is not on its first page ({page + 1}), which reads:\n{texts[page][:300]}")
        previous = page
    assert len(reader.pages) >= len(entries)


def test_no_raw_tex_in_the_text(printed):
    _, _, prose = printed
    leftovers = [f"page {number}: {line.strip()[:160]}" for number, text in enumerate(prose, 1)
                 for line in text.splitlines() if RAW_TEX.search(line)]
    assert leftovers == [], "TeX that MathJax did not typeset:\n  " + "\n  ".join(leftovers)


def test_every_chapter_with_a_figure_has_images(printed):
    reader, _, _ = printed
    entries = toc_entries(ROOT / "_toc.yml", HTML)
    starts = [page for _, page in _chapter_starts(reader)] + [len(reader.pages)]
    counts = {e.path: sum(_image_count(reader.pages[i]) for i in range(starts[k], starts[k + 1]))
              for k, e in enumerate(entries)}
    with_figures = {e.path: len(_article(e.path).images) for e in entries if _article(e.path).images}
    assert with_figures, "no page of the built book has a PNG or JPEG figure: nothing to check"
    missing = {path: f"{counts[path]} images printed, {figures} in the HTML"
               for path, figures in with_figures.items() if counts[path] < 1}
    assert missing == {}, f"chapters whose figures are not in the PDF: {missing}"


def test_folded_solutions_are_printed(printed):
    _, texts, _ = printed
    book = _squash("".join(texts))
    checked, missing = 0, []
    for entry in toc_entries(ROOT / "_toc.yml", HTML):
        for solution in _article(entry.path).solutions:
            # The longest run of words without math or code, which pypdf reads as plain text.
            words = max(re.split(r"\s{2,}|\n", solution.strip()), key=len, default="").strip()
            if len(words) < 20:
                continue
            checked += 1
            if _squash(words[:60]) not in book:
                missing.append(f"{entry.path}: {words[:60]!r}")
    if not checked:
        pytest.skip("no solutions in this edition of the book")
    assert missing == [], "solution text not in the PDF (still folded?):\n  " + "\n  ".join(missing)


def test_no_link_points_at_the_local_server(printed):
    reader, _, _ = printed
    local = []
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if re.match(r"https?://(127\.0\.0\.1|localhost)", uri):
                local.append(f"page {number}: {uri}")
    assert local == [], "links to the server the pages were printed from:\n  " + "\n  ".join(local)
