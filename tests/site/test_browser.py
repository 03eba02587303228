"""The built book in a real browser (headless Chromium driven by Playwright), offline.

Every page is served from 127.0.0.1 and every other request is blocked and reported, so a
green run shows that the equations, widgets and search work with no network. See conftest.py
for the server and `visit`; the pages each test runs on are found in the built HTML.
"""

import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from browser import TIMEOUT_MS  # tools/browser.py, on the path through conftest.py
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT = HTML.parent / "page_weight.txt"
SCREENSHOTS = HTML.parent / "screenshots"
FIRST_PAGE_BUDGET = 2_000_000  # bytes transferred for index.html -> the first page

# Console errors and uncaught exceptions that are not the book's to fix: substring -> why.
ALLOWED = {
    "Identifier 'THEBE_JS_URL' has already been declared": (
        "Sphinx 7.4 writes sphinx-thebe's inline config <script> twice (add_js_file(None, body=...) "
        "after the builder starts is not deduplicated; fixed in Sphinx 8.2, sphinx-doc/sphinx#13402, "
        "which Jupyter Book 1 cannot use). The second copy fails to redeclare its consts; thebe "
        "is not enabled in this book, so nothing depends on it."
    ),
}

# Serious or critical axe-core violations that the theme's or a library's own markup causes:
# (rule, part of the offending element's HTML) -> why the book cannot fix it.
KNOWN = {
    ("label-content-name-mismatch", "search-button__button"): (
        "pydata-sphinx-theme 0.17's search button has aria-label='Search' while its visible "
        "text also holds the 'Ctrl+K' shortcut; the button is in the theme's navbar template."
    ),
    ("label-content-name-mismatch", "theme-switch-button"): (
        "pydata-sphinx-theme 0.17's colour-mode button is labelled 'Color mode' while its icons "
        "carry the titles 'Light', 'Dark', 'System Settings'; it is in the theme's navbar template."
    ),
}

# TeX that MathJax should have replaced: $$, \( \) \[ \], common commands, sub/superscripts.
RAW_TEX = re.compile(
    r"\$\$|\\[()\[\]]|\\(frac|begin|end|sum|prod|partial|mathbf|boldsymbol|left|right|cdot|times|nabla)\b|[_^]\{"
)

# The visible text of the page with code, scripts and typeset math left out.
TEXT_OUTSIDE_CODE_JS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight")
      .forEach((el) => el.remove());
  return body.textContent;
}"""


def _first_page() -> str:
    """The page index.html redirects to (book/intro.html)."""
    return re.search(r'url=([^"]+)"', (HTML / "index.html").read_text(encoding="utf-8")).group(1)


def _expected_launch_links(chapter_page: str) -> dict[str, str]:
    repo = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").rstrip("/")
    notebook = f"book/{chapter_page.removeprefix('book/').removesuffix('.html')}.ipynb"
    return {
        "Colab": f"https://colab.research.google.com/github/{org_repo}/blob/{repo['branch']}/{notebook}",
        "Binder": f"https://mybinder.org/v2/gh/{org_repo}/{repo['branch']}?urlpath=tree/{notebook}",
    }


def _lines(items) -> str:
    return "".join(f"\n  {item}" for item in items)


# --- offline, errors, broken resources ------------------------------------------------------

def test_loads_nothing_from_outside(visit, html_page):
    blocked = visit(html_page).blocked
    assert blocked == [], "the page asks the network for these (blocked here):" + _lines(blocked)


def test_every_resource_loads(visit, html_page):
    broken = visit(html_page).broken
    assert broken == [], "requests that failed or got an HTTP error:" + _lines(broken)


def test_no_javascript_errors(visit, html_page):
    page = visit(html_page)
    errors = [e for e in page.console_errors + page.page_errors if not any(a in e for a in ALLOWED)]
    assert errors == [], "console errors or uncaught exceptions (not in ALLOWED):" + _lines(errors)


def test_no_broken_images(visit, html_page):
    broken = visit(html_page).page.evaluate(
        "[...document.images].filter((img) => !(img.complete && img.naturalWidth > 0))"
        ".map((img) => img.getAttribute('src').slice(0, 100))"
    )
    assert broken == [], "images that did not load:" + _lines(broken)


# --- math -----------------------------------------------------------------------------------

def test_no_raw_tex_outside_code(visit, html_page):
    text = visit(html_page).page.evaluate(TEXT_OUTSIDE_CODE_JS)
    leftovers = sorted({line.strip()[:160] for line in text.splitlines() if RAW_TEX.search(line)})
    assert leftovers == [], "TeX that MathJax did not typeset:" + _lines(leftovers)


def test_every_equation_is_typeset(visit, math_page):
    page = visit(math_page).page
    counts = page.evaluate("""() => ({
      math: document.querySelectorAll(".math").length,
      typeset: [...document.querySelectorAll(".math")].filter((m) => m.querySelector("mjx-container")).length,
      errors: [...document.querySelectorAll("mjx-merror")]
          .map((e) => e.getAttribute("data-mjx-error") || e.textContent),
    })""")
    assert counts["math"] > 0
    assert counts["typeset"] == counts["math"], "some equations were not typeset by MathJax"
    assert counts["errors"] == [], "MathJax could not parse these:" + _lines(counts["errors"])


# --- chapters: launch buttons and widgets ---------------------------------------------------

def test_launch_buttons_open_colab_and_binder(visit, chapter_page):
    page = visit(chapter_page).page
    page.get_by_role("button", name="Launch interactive content").click()
    for name, href in _expected_launch_links(chapter_page).items():
        link = page.locator(f'.dropdown-launch-buttons a[href="{href}"]')
        expect(link, f"no visible {name} button linking to {href}").to_be_visible()
        expect(link).to_have_text(name)
    page.keyboard.press("Escape")


# The SHA-256 of the image that the box around a slider shows now (the frame of the Stack
# that the slider is jslinked to), or null while that image has not loaded.
SHOWN_FRAME_JS = """async (slider) => {
  const img = slider.closest(".widget-box").querySelector("img");
  if (!img || !img.complete || img.naturalWidth === 0) return null;
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}"""

# The source of the image beside the slider now, "" while none has loaded.
SHOWN_SRC_JS = """(slider) => {
  const img = slider.closest(".widget-box").querySelector("img");
  return img && img.complete && img.naturalWidth > 0 ? img.src : "";
}"""

# True once a loaded image other than `before` shows beside the slider.
FRAME_CHANGED_JS = """([slider, before]) => {
  const img = slider.closest(".widget-box").querySelector("img");
  return Boolean(img && img.complete && img.naturalWidth > 0 && img.src !== before);
}"""


def _frame_after(page, slider, key: str) -> str:
    """Press `key` on the slider's handle, wait until another frame shows, return its SHA-256.

    Fails, naming the key, when no other frame has loaded within the page's timeout.
    """
    before = slider.evaluate(SHOWN_SRC_JS)
    slider.locator(".noUi-handle").press(key)
    try:
        page.wait_for_function(FRAME_CHANGED_JS, arg=[slider.element_handle(), before])
    except PlaywrightTimeout:
        pytest.fail(f"pressing {key} on the slider did not show another frame within "
                    f"{TIMEOUT_MS / 1000:g} s")
    return slider.evaluate(SHOWN_FRAME_JS)


def test_widgets_render_and_sliders_switch_frames(visit, widget_page):
    page = visit(widget_page).page
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    rendered = page.locator(".widget-subarea > .jupyter-widgets").count()
    assert views > 0 and rendered == views, "not every widget of the page rendered"
    sliders = page.locator(".widget-box:has(img) .widget-slider")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        handle = slider.locator(".noUi-handle")
        # assets/widgets-offline.js names the handle after the slider's description.
        description = slider.locator(".widget-label").inner_text().strip()
        assert description and slider.get_by_role("slider", name=description, exact=True).count() == 1, (
            f"the slider handle is not named after its description {description!r}")
        first = slider.evaluate(SHOWN_FRAME_JS)
        assert first is not None, "the frame beside the slider did not load"
        at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        forward, back = ("ArrowLeft", "ArrowRight") if at_max else ("ArrowRight", "ArrowLeft")
        assert _frame_after(page, slider, forward) != first, "moving the slider did not change the frame"
        assert _frame_after(page, slider, back) == first, "moving it back did not restore the frame"


# --- search ---------------------------------------------------------------------------------

def test_search_finds_the_chain_rule_chapter(visit):
    page = visit("search.html?q=chain+rule").page
    page.wait_for_function("""() => /finished|did not match/.test(
      (document.querySelector("#search-results .search-summary") || {}).textContent)""")
    results = page.locator("#search-results ul.search li > a")
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(h.split("#")[0].endswith("01_chain_rule.html") for h in hrefs), hrefs


# --- accessibility --------------------------------------------------------------------------

def _known(rule: str, html: str) -> bool:
    return any(rule == r and part in html for r, part in KNOWN)


def test_accessibility_axe(visit, html_page):
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    page = visit(html_page).page
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
      .violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .flatMap((v) => v.nodes.map((n) => ({
        rule: v.id, impact: v.impact, help: v.help,
        target: n.target.join(" "), html: n.html, summary: n.failureSummary,
      })))""")
    unknown = [f"{v['rule']} ({v['impact']}) at {v['target']}: {v['help']}\n    {v['summary']}"
               for v in violations if not _known(v["rule"], v["html"])]
    assert unknown == [], "serious or critical violations (not in KNOWN):" + _lines(unknown)


# --- page weight ----------------------------------------------------------------------------

def test_page_weight(visit, book_pages):
    """Bytes transferred to show each page to a first-time reader (gzip, as GitHub Pages
    serves), written to _build/page_weight.txt; the first page must stay light."""
    first_page = _first_page()
    first_name = f"index.html -> {first_page}"
    visits = {first_name: visit("index.html", lands_on=first_page)}
    visits.update({page: visit(page) for page in book_pages})
    rows = sorted(
        ((sum(t for t, _ in v.transferred.values()), sum(r for _, r in v.transferred.values()),
          len(v.transferred), name) for name, v in visits.items()),
        reverse=True,
    )
    first = visits[first_name].transferred
    heaviest = sorted(first.items(), key=lambda item: -item[1][0])[:8]
    lines = [f"{'transferred':>12} {'uncompressed':>13} {'requests':>8}  page", *(
        f"{t:>12,} {r:>13,} {n:>8}  {name}" for t, r, n, name in rows),
        "", "heaviest responses of the first page:", *(
        f"{t:>12,} {r:>13,}  {re.sub(r'^https?://[^/]+/', '', url)}" for url, (t, r) in heaviest)]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    total = sum(t for t, _ in first.values())
    assert total < FIRST_PAGE_BUDGET, f"the first page weighs {total:,} bytes; see {REPORT}"


# --- screenshots ----------------------------------------------------------------------------

def test_screenshot_of_each_part(visit):
    """A screenshot of the first screen of the first page and of the first chapter of each
    part of the table of contents, in _build/screenshots/, for a person to look at."""
    first_page = _first_page()
    parts = visit(first_page).page.evaluate("""() => [...document.querySelectorAll("nav.bd-docs-nav p.caption")]
      .map((caption) => ({
        part: caption.textContent.trim(),
        href: caption.nextElementSibling.querySelector("a.reference").getAttribute("href"),
      }))""")
    assert parts, "the sidebar lists no parts"
    shots = [("intro", first_page)] + [
        (part["part"], urljoin(first_page, part["href"]).split("#")[0]) for part in parts]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    for number, (name, path) in enumerate(shots):
        page = visit(path).page
        page.evaluate("window.scrollTo(0, 0)")
        slug = re.sub(r"\W+", "_", name.lower()).strip("_")
        target = SCREENSHOTS / f"{number:02d}_{slug}.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 10_000
