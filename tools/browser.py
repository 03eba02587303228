"""The headless Chromium that checks and prints the built book, and when its pages are ready.

`launch(playwright)` starts Debian's /usr/bin/chromium (`make browser-deps`; `playwright
install` would download a browser of its own). `wait_until_ready(page)` (and its async twin)
waits until a page of the book is ready to be looked at or printed.

A page is ready when each of its own signals has come, in this order: the `load` event,
MathJax's first typeset (`MathJax.startup.promise`), every Jupyter widget view rendered,
MathJax again (the widget manager typesets widget labels after the widgets render), every
image loaded or failed, and every web font loaded. Each is a Playwright wait on a
condition in the page, so a slow page is waited for as long as it needs, up to `timeout`
per signal; a page on which a signal never comes raises `PageNotReady` naming that signal
and what was missing, instead of a bare timeout.

Used by the browser tests (tests/site/conftest.py) and the PDF printer (tools/pdf.py).
"""

from __future__ import annotations

import os

# Chromium from Debian; $CHROMIUM overrides.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root Chromium needs --no-sandbox; the rest keeps it from calling home at start.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Per signal; $BOOK_READY_TIMEOUT (seconds) overrides. Generous: on two cores busy with
# other builds, loading the convolution chapter once took longer than the 20 s the tests
# used to allow, and a page that is merely slow must not fail.
TIMEOUT_MS = int(float(os.environ.get("BOOK_READY_TIMEOUT", "120")) * 1000)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Truthy once MathJax has started (or the page does not load MathJax at all).
_MATHJAX_STARTED = """() => !document.querySelector('script[src*="mathjax"]')
  || Boolean(window.MathJax && MathJax.startup && MathJax.startup.promise)"""

# Resolves once every typeset MathJax has queued so far has finished. The page's
# widgets-offline.js chains the typesetting of widget labels onto the same promise.
_MATHJAX_TYPESET = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  return true;
}"""

_WIDGETS = """(widgetView) => {
  const views = [...document.querySelectorAll(`script[type="${widgetView}"]`)];
  return views.every((s) => s.previousElementSibling
    && s.previousElementSibling.querySelector(".jupyter-widgets"));
}"""

_WIDGETS_MISSING = """(widgetView) => {
  const views = [...document.querySelectorAll(`script[type="${widgetView}"]`)];
  const missing = views.filter((s) => !(s.previousElementSibling
    && s.previousElementSibling.querySelector(".jupyter-widgets")));
  return `${missing.length} of ${views.length} widget views did not render`
    + (window.require ? "" : " (RequireJS never loaded)");
}"""

# `complete` is true for an image that loaded and for one that failed (the tests report
# failed ones); an image still loading keeps the page waiting.
_IMAGES = "() => [...document.images].every((img) => img.complete)"
_IMAGES_MISSING = """() => "still loading: " + [...document.images].filter((img) => !img.complete)
  .map((img) => (img.getAttribute("src") || "").slice(0, 100)).join(", ")"""

# An async predicate is awaited once, not polled again, so it must resolve to true.
_FONTS = "async () => { await document.fonts.ready; return true; }"


def launch(playwright):
    """Chromium from `CHROMIUM`, headless, from a running `sync_playwright()` (or, awaited, async).

    Raises:
        RuntimeError: when the executable is missing, naming it and how to install it.
    """
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"expected Chromium at {CHROMIUM} (set $CHROMIUM), found nothing: run `make browser-deps`")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


class PageNotReady(RuntimeError):
    """A signal of the page's readiness did not come within the timeout."""


# (signal, predicate, argument, what is missing): the signals in the order they come.
# A predicate of None stands for the `load` event.
SIGNALS = [
    ("the load event", None, None, None),
    ("MathJax starting (window.MathJax.startup)", _MATHJAX_STARTED, None, None),
    ("MathJax typesetting the page (MathJax.startup.promise resolving)", _MATHJAX_TYPESET, None, None),
    ("every Jupyter widget view rendering", _WIDGETS, WIDGET_VIEW, _WIDGETS_MISSING),
    ("MathJax typesetting the widget labels (MathJax.startup.promise resolving)", _MATHJAX_TYPESET, None, None),
    ("every image loading", _IMAGES, None, _IMAGES_MISSING),
    ("every web font loading", _FONTS, None, None),
]


def _not_ready(url: str, signal: str, timeout: int, missing: str | None) -> PageNotReady:
    detail = f": {missing}" if missing else ""
    return PageNotReady(f"{url}: {signal} did not happen within {timeout / 1000:g} s{detail}")


def wait_until_ready(page, timeout: int = TIMEOUT_MS) -> None:
    """Wait for each readiness signal of `page` (sync Playwright) in turn, `timeout` ms at most each.

    Raises:
        PageNotReady: naming the page, the signal that never came and what was missing.
    """
    from playwright.sync_api import Error
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for signal, predicate, arg, missing in SIGNALS:
        try:
            if predicate is None:
                page.wait_for_load_state("load", timeout=timeout)
            else:
                page.wait_for_function(predicate, arg=arg, timeout=timeout)
        except PlaywrightTimeout:
            try:
                detail = page.evaluate(missing, arg) if missing else None
            except Error as error:  # the page may have gone; the signal still names the cause
                detail = f"(could not tell what is missing: {error.message})"
            raise _not_ready(page.url, signal, timeout, detail) from None


async def wait_until_ready_async(page, timeout: int = TIMEOUT_MS) -> None:
    """`wait_until_ready` for a page of async Playwright."""
    from playwright.async_api import Error
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    for signal, predicate, arg, missing in SIGNALS:
        try:
            if predicate is None:
                await page.wait_for_load_state("load", timeout=timeout)
            else:
                await page.wait_for_function(predicate, arg=arg, timeout=timeout)
        except PlaywrightTimeout:
            try:
                detail = await page.evaluate(missing, arg) if missing else None
            except Error as error:
                detail = f"(could not tell what is missing: {error.message})"
            raise _not_ready(page.url, signal, timeout, detail) from None
