"""Launch links of the built chapters, and the agreement of two independent executions."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The built book: _build/html, or $BOOK_HTML (as in conftest.py).
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))  # the book's Sphinx extensions

import notebooks  # noqa: E402
from exact_streams import coalesce_streams  # noqa: E402  (the build's own merge)

pytestmark = pytest.mark.site
CHAPTERS = notebooks.chapters()


def _tracked(path: str) -> bool:
    return subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=ROOT, capture_output=True).returncode == 0


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_colab_and_binder_open_a_committed_notebook(md):
    repo = notebooks.config()["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").rstrip("/")
    page = (HTML / "book" / f"{md.stem}.html").read_text(encoding="utf-8")
    colab = re.findall(r'href="https://colab\.research\.google\.com/github/([^"]+)"', page)
    binder = re.findall(r'href="https://mybinder\.org/v2/gh/([^"]+)"', page)
    assert colab == [f"{org_repo}/blob/{repo['branch']}/book/{md.stem}.ipynb"]
    assert binder == [f"{org_repo}/{repo['branch']}?urlpath=tree/book/{md.stem}.ipynb"]
    assert _tracked(f"book/{md.stem}.ipynb"), f"book/{md.stem}.ipynb is not committed, so Colab cannot open it"


def _outputs(path: Path, built: bool):
    """The text, image and HTML outputs of every code cell, in order, as the page shows
    them (widget ids excluded: they are fresh random identifiers on every run).

    The page shows one block per stream and cell, the pieces the kernel sent joined by
    ``coalesce_streams`` (_ext/exact_streams.py, which the build uses too). In the
    build's own notebook the first piece already holds the merged text (the later pieces
    stay behind, unused), so only it counts; the Colab-style run is merged here the same
    way. Texts are compared exactly: the merge no longer depends on where the kernel cut
    them.
    """
    notebook = nbformat.read(path, as_version=4)
    result = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        if built:
            first_of_each_stream = {}
            for output in outputs:
                if output.output_type == "stream":
                    first_of_each_stream.setdefault(output.name, output)
            outputs = [o for o in outputs if o.output_type != "stream" or first_of_each_stream[o.name] is o]
        else:
            outputs = coalesce_streams(outputs)
        for output in outputs:
            if output.output_type == "stream":
                result.append(("stream", output.text))
            elif "data" in output:
                data = output.data
                for mime in ("text/plain", "image/png", "image/svg+xml", "text/html"):
                    if mime in data and "application/vnd.jupyter.widget-view+json" not in data:
                        result.append((mime, data[mime]))
    return result


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_two_executions_give_the_same_outputs(md):
    """The book's build and the Colab-style run of tests/chapters are independent
    executions; seeded chapters must print and draw exactly the same."""
    colab_run = ROOT / ".cache" / "colab-run" / f"{md.stem}.ipynb"
    built = HTML.parent / "jupyter_execute" / "book" / f"{md.stem}.ipynb"
    if not colab_run.exists():
        pytest.skip("run tests/chapters/test_colab.py first (make test does)")
    first, second = _outputs(built, built=True), _outputs(colab_run, built=False)
    assert len(first) == len(second)
    for (kind_a, a), (kind_b, b) in zip(first, second):
        assert kind_a == kind_b and a == b, f"{md.stem}: {kind_a} output differs between two runs"


def test_stream_pieces_cut_mid_line_are_joined_exactly():
    """A print cut by the kernel between its arguments must read as one line on the page."""
    pieces = [
        nbformat.v4.new_output("stream", name="stdout", text="y = 1\nw.grad ="),
        nbformat.v4.new_output("stream", name="stdout", text=" [1. 2.]\n"),
        nbformat.v4.new_output("stream", name="stdout", text="\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    merged = coalesce_streams(pieces)
    assert [o.output_type for o in merged] == ["stream", "display_data"]
    assert merged[0].text == "y = 1\nw.grad = [1. 2.]\n\ndone\n"
