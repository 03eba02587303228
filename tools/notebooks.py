"""Keep every chapter's notebook twin and its install cell in step with the sources.

Chapters are written as MyST markdown (``book/*.md``); Colab can only open ``.ipynb``, so
each chapter has a paired notebook, committed without outputs. The first cell of each
chapter installs ``mytorch`` from the repository named in ``_config.yml`` when it is
missing, so that a fork only edits ``_config.yml`` and runs ``make notebooks``.

Usage:
    python tools/notebooks.py sync    # rewrite install cells, regenerate the .ipynb twins
    python tools/notebooks.py check   # exit 1 and list what `sync` would change
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# mytorch-install"
INSTALL_CELL = re.compile(
    r"(```\{code-cell\} ipython3\n:tags: \[remove-cell\]\n\n" + re.escape(MARKER) + r".*?\n```)", re.S
)


def config() -> dict:
    """The parsed ``_config.yml``."""
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def install_spec(cfg: dict | None = None) -> str:
    """The pip requirement that installs mytorch from the configured repository and branch."""
    repo = (cfg or config())["repository"]
    url, branch = repo["url"].rstrip("/"), repo.get("branch", "main")
    return f"mytorch @ git+{url}@{branch}#subdirectory=code"


def install_cell(spec: str) -> str:
    """The MyST text of the hidden first cell of every chapter."""
    return f"""```{{code-cell}} ipython3
:tags: [remove-cell]

{MARKER}: runs the chapter outside the book's repository (Colab, Binder).
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("mytorch") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "{spec}"],
                   check=True)
    importlib.invalidate_caches()
```"""


def chapters() -> list[Path]:
    """Every MyST notebook under book/: the markdown files with a jupytext header."""
    return sorted(p for p in (ROOT / "book").glob("*.md") if "jupytext:" in p.read_text(encoding="utf-8")[:400])


def expected_markdown(path: Path, spec: str) -> str:
    """The chapter's text with its install cell regenerated from ``spec``."""
    text = path.read_text(encoding="utf-8")
    if len(INSTALL_CELL.findall(text)) != 1:
        raise SystemExit(f"{path.relative_to(ROOT)}: expected exactly one install cell starting with '{MARKER}'")
    return INSTALL_CELL.sub(lambda _: install_cell(spec), text)


def expected_notebook(markdown: str) -> str:
    """The outputs-free ``.ipynb`` text jupytext makes from a chapter's markdown."""
    notebook = jupytext.reads(markdown, fmt="md:myst")
    notebook.metadata.setdefault("jupytext", {})["formats"] = "md:myst,ipynb"
    for index, cell in enumerate(notebook.cells):
        # nbformat would draw random cell ids; fixed ones keep the committed file stable.
        cell.id = f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(notebook) + "\n"


def differences() -> list[tuple[Path, str]]:
    """Every file ``sync`` would rewrite, with its new content."""
    spec = install_spec()
    changes = []
    for md in chapters():
        markdown = expected_markdown(md, spec)
        if md.read_text(encoding="utf-8") != markdown:
            changes.append((md, markdown))
        ipynb = md.with_suffix(".ipynb")
        notebook = expected_notebook(markdown)
        if not ipynb.exists() or ipynb.read_text(encoding="utf-8") != notebook:
            changes.append((ipynb, notebook))
    return changes


def main(command: str) -> int:
    changes = differences()
    if command == "sync":
        for path, content in changes:
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        for path, _ in changes:
            print(f"out of sync: {path.relative_to(ROOT)}", file=sys.stderr)
        if changes:
            print("run `make notebooks` and commit the result", file=sys.stderr)
        return 1 if changes else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
