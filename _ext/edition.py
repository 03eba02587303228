"""Sphinx extension: what makes one source publish as several editions.

- The edition's title and repository (the ``EDITION`` block of ``_config.yml``) reach the
  pages as the substitutions ``{{ title }}`` and ``{{ repository }}``, and the footer's
  ``{title}``, so a fork edits them in one place.
- A reference to a chapter that the edition's ``_toc.yml`` leaves out (``{doc}``, ``{ref}``,
  ``{numref}`` or ``{eq}`` to a label of that chapter) is written as the chapter's title in
  italics instead of a link, so an edition may drop chapters and still build with
  ``-W -n``; a reference to a label that no chapter defines still fails the build.
- The download menu offers the chapter's notebook (the ``.ipynb`` twin that Colab opens,
  copied into ``_notebooks/``) and printing, never the ``.md`` source, which the site does
  not publish (``html_copy_source: false``).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from docutils import nodes

LABEL = re.compile(r"^\$\$ \(([\w-]+)\)\s*$|^\(([\w-]+)\)=\s*$|^:label: ([\w-]+)\s*$", re.M)
NOTEBOOKS = "_notebooks"


def chapter_titles_and_labels(srcdir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``{docname: title}`` of every chapter file under ``book/`` (MyST markdown, or a
    notebook, whose markdown cells are read), and ``{label: docname}`` of every label
    those chapters define."""
    titles, labels = {}, {}
    for source in sorted((srcdir / "book").glob("*.md")) + sorted((srcdir / "book").glob("*.ipynb")):
        docname = f"book/{source.stem}"
        if docname in titles:
            continue  # an .md and its notebook twin
        if source.suffix == ".ipynb":
            cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        else:
            text = source.read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", text, re.M)
        titles[docname] = title.group(1).strip() if title else source.stem
        for match in LABEL.finditer(text):
            labels[next(g for g in match.groups() if g)] = docname
    return titles, labels


def on_config_inited(app, config):
    title = config.html_title or config.project
    repository = (config.html_theme_options or {}).get("repository_url", "")
    config.myst_substitutions = {**config.myst_substitutions, "title": title, "repository": repository}
    options = dict(config.html_theme_options or {})
    if "{title}" in options.get("extra_footer", ""):
        options["extra_footer"] = options["extra_footer"].replace("{title}", title)
        config.html_theme_options = options


def on_missing_reference(app, env, node, contnode):
    """Write a reference to a chapter left out of this edition as the chapter's title."""
    titles, labels = app.env.edition_chapters
    target = node.get("reftarget", "")
    docname = None
    if node.get("reftype") == "doc":
        candidate = re.sub(r"\.md$", "", str(Path(node.get("refdoc", "")).parent / target)).lstrip("./")
        docname = candidate if candidate in titles else None
    elif target in labels:
        docname = labels[target]
    if docname is None or docname in env.found_docs:
        return None  # a real dangling reference: let Sphinx report it
    return nodes.emphasis(text=titles[docname])


def on_page_context(app, pagename, templatename, context, doctree):
    """Point the download menu at the chapter's notebook and drop the .md entry."""
    notebook = Path(app.srcdir) / f"{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        buttons = [b for b in group["buttons"] if b.get("label") == "download-pdf-button"]
        if notebook.exists():
            buttons.insert(0, {
                "type": "link",
                "url": context["pathto"](f"{NOTEBOOKS}/{pagename}.ipynb", 1),
                "text": ".ipynb",
                "icon": "fas fa-code",
                "tooltip": "Download the notebook",
                "label": "download-notebook-button",
            })
        group["buttons"] = buttons


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for docname in app.env.found_docs:
        notebook = Path(app.srcdir) / f"{docname}.ipynb"
        if notebook.exists():
            target = Path(app.outdir) / NOTEBOOKS / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)


def on_builder_inited(app):
    app.env.edition_chapters = chapter_titles_and_labels(Path(app.srcdir))


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("missing-reference", on_missing_reference)
    # After sphinx-book-theme has assembled its header buttons (priority 500).
    app.connect("html-page-context", on_page_context, priority=900)
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
