"""Print the built HTML book to one PDF, chapters in table-of-contents order, with bookmarks.

    python tools/pdf.py _build/html _build/pdf/book.pdf

Each page of the table of contents (`root`, then every part's chapters, in _toc.yml order;
pages missing from the HTML folder are skipped) is served from 127.0.0.1, opened in one
headless Chromium (tools/browser.py), waited on until MathJax has typeset it and every
widget, figure and font has loaded, and printed; pypdf then joins the prints into one file.

What is printed is what the page shows, without the site's chrome (the sidebars, the
header, the launch and download buttons, the previous/next links). Exercise solutions,
which the page folds into dropdowns, are unfolded. The outline has one entry per part,
one per chapter under it, and the chapter's sections under that. A link to another page
of the book jumps to that page in the PDF; a link to a page that is not printed (the
index, the search page) is dropped, since no address on 127.0.0.1 will work later.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import io
import json
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, Fit, FloatObject, NameObject, NullObject

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import TIMEOUT_MS, launch, wait_until_ready_async  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# The site's chrome, hidden in print (the theme hides only part of it), and solutions and
# other toggled blocks shown open without their toggle buttons.
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
@media print {
  .bd-header, .bd-header-announcement, .bd-sidebar-primary, .bd-sidebar-secondary,
  .header-article, .bd-header-article, .prev-next-area, .prev-next-footer, .bd-footer,
  .bd-footer-article, .bd-footer-content, .skip-link, .search-button-field, #pst-back-to-top,
  #jb-print-docs-body, .toggle-button, .headerlink, .sidebar-toggle, .primary-toggle,
  .secondary-toggle, .theme-switch-button, .dropdown-launch-buttons,
  .dropdown-download-buttons, .article-header-buttons { display: none !important; }
  /* The theme lays the page out in flex rows sized for a screen; in print one column,
     as wide as the paper, in which long code lines wrap instead of running off the page. */
  body, .bd-container, .bd-container__inner, .bd-main, .bd-main .bd-content,
  .bd-article-container, .bd-article {
    display: block !important; width: auto !important; min-width: 0 !important;
    max-width: 100% !important; margin: 0 !important; padding: 0 !important;
  }
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  img { max-width: 100% !important; height: auto; }
  /* The theme prints the page title in its own print-only header; the article's own
     title carries the chapter number. */
  .bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
  /* A cell that fits on a page moves to the next one whole, rather than leaving its
     empty frame at the bottom of this one. */
  figure, img, div.cell_input, div.cell_output, mjx-container[display="true"], table {
    break-inside: avoid;
  }
}
"""

# 16 px text prints at 12 pt; at 0.85 it prints at about 10 pt, and the page is laid out
# 810 px wide, wide enough for the book's widest display equations and code lines.
SCALE = 0.85

# Before printing: unfold what the page folds, solution dropdowns (sphinx-togglebutton's
# `toggle-hidden`) and <details> blocks, as the theme itself does before a browser prints.
# And remove MathJax's hidden copy of each equation for screen readers (MathML, clipped to
# a pixel): it adds nothing to the paper and a third to the time Chromium takes to print.
PREPARE_JS = """() => {
  document.querySelectorAll(".admonition.toggle-hidden").forEach((el) => el.classList.remove("toggle-hidden"));
  document.querySelectorAll("details").forEach((el) => { el.open = true; });
  document.querySelectorAll("mjx-assistive-mml").forEach((el) => el.remove());
}"""

# Runs in every page before its own scripts: the print styles go in as soon as the
# document is parsed, before MathJax and the widgets render, so that (with print media
# emulated) the page is styled and laid out for paper from the start rather than for a
# screen first. And every image loads now: a lazily loaded figure would print empty.
BEFORE_LOAD_JS = """document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.id = "book-print-styles";
  style.textContent = %s;
  document.head.appendChild(style);
  document.querySelectorAll('img[loading="lazy"]').forEach((img) => { img.loading = "eager"; });
});"""

# The headings of the article (h1 to h3, as the page numbers them), each with the id of
# its section, for the outline. Read before PREPARE_JS, while each equation still has its
# MathML copy, whose text stands in for the equation in a heading ("y = sin(w⊤x) − b").
HEADINGS_JS = """() => [...document.querySelectorAll(".bd-article :is(h1, h2, h3)")]
  .filter((h) => h.getClientRects().length > 0)
  .map((h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    copy.querySelectorAll("mjx-container").forEach((m) => {
      const mml = m.querySelector("mjx-assistive-mml");
      m.replaceWith(mml ? mml.textContent : "");
    });
    const section = h.closest("section");
    return {
      level: Number(h.tagName[1]),
      text: copy.textContent.replace(/\\s+/g, " ").trim(),
      id: section ? section.id : h.id,
    };
  })"""


@dataclass
class Entry:
    """One page of the table of contents, as a path under the HTML folder."""

    path: str
    part: str | None  # the caption of the part it belongs to, None for the root page


def toc_entries(toc_file: Path, html_dir: Path) -> list[Entry]:
    """`root`, then each part's chapters (and their sections), in order, if built.

    Raises:
        ValueError: when the table of contents has no `root`, or lists no built page.
    """
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError(f"{toc_file}: expected a table of contents with a `root` entry, got {toc!r:.200}")

    def html_of(file: str) -> str:
        return str(Path(file).with_suffix("")) + ".html" if Path(file).suffix in (".md", ".ipynb") else f"{file}.html"

    def walk(items, part):
        for item in items or []:
            if "file" in item:
                yield Entry(html_of(item["file"]), part)
            yield from walk(item.get("sections"), part)

    entries = [Entry(html_of(toc["root"]), None)]
    entries += walk(toc.get("chapters"), None)
    for part in toc.get("parts", []) or []:
        entries += walk(part.get("chapters"), part.get("caption"))
    built = [e for e in entries if (html_dir / e.path).is_file()]
    if not built:
        raise ValueError(f"{html_dir}: expected the pages of {toc_file} (e.g. {entries[0].path}), found none of them")
    return built


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@contextmanager
def serve(directory: Path):
    """http://127.0.0.1:PORT/ serving `directory` from a thread, for as long as the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Heading:
    level: int  # 1 for the page's title, 2 for its sections, 3 for their subsections
    text: str
    id: str  # the id of the heading's section, a link target in the print


@dataclass
class Printed:
    entry: Entry
    headings: list[Heading]
    pdf: bytes

    @property
    def title(self) -> str:
        return next((h.text for h in self.headings if h.level == 1), self.entry.path)


def print_pages(html_dir: Path, entries: list[Entry], workers: int = 2, log=print) -> tuple[str, list[Printed]]:
    """Print every entry from one browser and one context, `workers` pages at a time.

    Returns the base URL the pages were served from and the prints, in the order of `entries`.
    """
    with serve(html_dir) as base_url:
        return base_url, asyncio.run(_print_all(base_url, entries, workers, log))


async def _print_all(base_url: str, entries: list[Entry], workers: int, log) -> list[Printed]:
    from playwright.async_api import async_playwright

    printed: list[Printed | None] = [None] * len(entries)
    queue = iter(range(len(entries)))  # shared by the workers, which run on one event loop

    async def worker(context):
        page = await context.new_page()
        await page.emulate_media(media="print")
        for index in queue:
            started = time.perf_counter()
            printed[index] = await _print_page(page, base_url, entries[index])
            pages = len(PdfReader(io.BytesIO(printed[index].pdf)).pages)
            log(f"  {entries[index].path}: {pages} pages, {time.perf_counter() - started:.1f} s")
        await page.close()

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 1400})
            context.set_default_timeout(TIMEOUT_MS)
            await context.add_init_script(BEFORE_LOAD_JS % json.dumps(PRINT_CSS))
            await asyncio.gather(*(worker(context) for _ in range(max(1, min(workers, len(entries))))))
        finally:
            await browser.close()
    return printed


async def _print_page(page, base_url: str, entry: Entry) -> Printed:
    await page.goto(base_url + entry.path, wait_until="domcontentloaded")
    await wait_until_ready_async(page)
    if not await page.evaluate("() => Boolean(document.getElementById('book-print-styles'))"):
        raise RuntimeError(
            f"{page.url}: expected the print styles in the page, found none (BEFORE_LOAD_JS did not run)")
    headings = [Heading(**h) for h in await page.evaluate(HEADINGS_JS)]
    await page.evaluate(PREPARE_JS)
    await wait_until_ready_async(page)  # anything the unfolded blocks show (images, fonts)
    # Tagged: the PDF carries the structure of the page (headings, lists, tables, figures'
    # alt text) for a reader's screen reader. The outline is made from `headings` instead
    # of Chromium's, which runs together the two halves of a heading split by a page break.
    pdf = await page.pdf(print_background=True, prefer_css_page_size=True, tagged=True, scale=SCALE)
    return Printed(entry, headings, pdf)


def join(printed: list[Printed], base_url: str, output: Path) -> None:
    """Join the prints into `output`, with an outline and links rewired to pages of the PDF."""
    writer = PdfWriter()
    starts: dict[str, int] = {}  # page path -> index of its first page in the PDF
    owners: list[str] = []  # PDF page index -> the path of the page it was printed from
    # page path -> element id -> (PDF page index, top) of each link target of the print
    anchors: dict[str, dict[str, tuple[int, float | None]]] = {}
    for item in printed:
        reader = PdfReader(io.BytesIO(item.pdf))
        start = len(writer.pages)
        starts[item.entry.path] = start
        owners += [item.entry.path] * len(reader.pages)
        anchors[item.entry.path] = {
            name.removeprefix("/"): (start + reader.get_destination_page_number(dest), _top(dest))
            for name, dest in reader.named_destinations.items()}
        writer.append(reader, import_outline=False)

    parts: dict[str, object] = {}
    for item in printed:
        path, start = item.entry.path, starts[item.entry.path]
        parent = None
        if item.entry.part:
            if item.entry.part not in parts:
                parts[item.entry.part] = writer.add_outline_item(title=item.entry.part, page_number=start)
            parent = parts[item.entry.part]
        stack = [(1, writer.add_outline_item(title=item.title, page_number=start, parent=parent))]
        for heading in item.headings:
            if heading.level == 1:
                continue
            page, top = anchors[path].get(heading.id, (start, None))
            while stack[-1][0] >= heading.level:
                stack.pop()
            fit = Fit.xyz(top=top) if top is not None else Fit.fit()
            node = writer.add_outline_item(title=heading.text, page_number=page, parent=stack[-1][1],
                                           fit=fit, is_open=False)
            stack.append((heading.level, node))

    _rewire_links(writer, base_url, starts, owners, anchors)
    # Every link now names its page; the prints' named destinations repeat from chapter to
    # chapter ("main-content", the target of every page's skip link) and would collide.
    root = writer._root_object
    root.pop("/Dests", None)
    if "/Names" in root:
        root["/Names"].get_object().pop("/Dests", None)
    writer.add_metadata({"/Title": printed[0].title, "/Creator": "tools/pdf.py: Chromium and pypdf"})
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as f:
        writer.write(f)


def _top(dest) -> float | None:
    top = dest.get("/Top")
    return float(top) if top is not None else None


def _rewire_links(writer: PdfWriter, base_url: str, starts, owners, anchors) -> None:
    """Point every link inside the book at a page of the PDF.

    A link within a page (a named destination of its print) and a link to another printed
    page (a URL on 127.0.0.1, which will not exist later) become explicit destinations; a
    link to a page of the site that is not printed is removed, its text stays.
    """
    for index, page in enumerate(writer.pages):
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            action = annot["/A"].get_object() if "/A" in annot else None
            uri = str(action.get("/URI", "")) if action is not None else ""
            if isinstance(annot.get("/Dest"), str):
                path, fragment = owners[index], str(annot["/Dest"]).removeprefix("/")
            elif uri.startswith(base_url):
                parts = urlsplit(uri)
                path, fragment = unquote(parts.path.removeprefix(urlsplit(base_url).path)), unquote(parts.fragment)
                if path not in starts:
                    continue  # a page of the site that the PDF does not hold
            else:
                kept.append(ref)
                continue
            target, top = anchors[path].get(fragment, (starts[path], None))
            target_ref = writer.pages[target].indirect_reference
            if top is None:
                dest = ArrayObject([target_ref, NameObject("/Fit")])
            else:
                dest = ArrayObject([target_ref, NameObject("/XYZ"), NullObject(), FloatObject(top), NullObject()])
            annot.pop("/A", None)
            annot[NameObject("/Dest")] = dest
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path, help="the built HTML book (e.g. _build/html)")
    parser.add_argument("output", type=Path, help="the PDF to write (e.g. _build/pdf/book.pdf)")
    parser.add_argument("--workers", type=int, default=2, help="pages printed at the same time (default: 2)")
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml", help="the table of contents (default: _toc.yml)")
    args = parser.parse_args(argv)
    html_dir = args.html_dir.resolve()
    if not (html_dir / "index.html").is_file():
        parser.error(f"expected a built book in {html_dir} (with index.html), found none: run `make book`")
    started = time.perf_counter()
    entries = toc_entries(args.toc, html_dir)
    print(f"printing {len(entries)} pages of {html_dir}")
    base_url, printed = print_pages(html_dir, entries, args.workers)
    join(printed, base_url, args.output)
    pages = len(PdfReader(args.output).pages)
    print(f"wrote {args.output}: {pages} pages in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
