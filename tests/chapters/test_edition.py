"""An instructor's edition: a fork that edits only ``_config.yml`` and ``_toc.yml`` and runs
``make notebooks``.

The test copies the repository, changes the title, the repository URL and the branch the
way the README tells a fork to, drops two chapters and swaps two others in the table of
contents, regenerates the notebooks and builds the HTML with warnings as errors. The
chapters are built from the outputs of the book's own build (so nothing runs twice). It
checks that the new values reached every page, launch link and notebook, that the old
repository is named nowhere, that a reference to a dropped chapter reads as that
chapter's title, and that every chapter number shown follows the new order.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tools"))

import student  # noqa: E402  (its with_outputs reuses the book's executed notebooks)

pytestmark = pytest.mark.edition

NEW_TITLE = "Deep Learning 101: Backpropagation"
NEW_URL = "https://github.com/example-university/dl101-backprop"
NEW_BRANCH = "fall-2027"
DROPPED = ["book/02_autograd_pytorch", "book/07_convolution"]
SWAPPED = ("book/04_activations", "book/05_softmax_cross_entropy")


@pytest.fixture(scope="module")
def fork(tmp_path_factory):
    executed = ROOT / "_build" / "jupyter_execute"
    if not executed.is_dir():
        pytest.fail("no executed notebooks in _build/jupyter_execute: run `make book` first (make test does)")
    fork = tmp_path_factory.mktemp("fork") / "dl101-backprop"
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (fork / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, fork / name)
    shutil.copytree(ROOT / "assets" / "vendor", fork / "assets" / "vendor")

    config_path = fork / "_config.yml"
    text = config_path.read_text(encoding="utf-8")
    old = yaml.safe_load(text)
    # Edit the file as a person would, line by line, keeping its comments.
    text = text.replace(f'title: "{old["title"]}"', f'title: "{NEW_TITLE}"')
    text = text.replace(f"url: {old['repository']['url']}", f"url: {NEW_URL}")
    text = text.replace(f"branch: {old['repository']['branch']}", f"branch: {NEW_BRANCH}", 1)
    edited = yaml.safe_load(text)
    assert (edited["title"], edited["repository"]["url"], edited["repository"]["branch"]) == (NEW_TITLE, NEW_URL, NEW_BRANCH)
    config_path.write_text(text, encoding="utf-8")

    toc_path = fork / "_toc.yml"
    toc = toc_path.read_text(encoding="utf-8")
    for page in DROPPED:
        toc = re.sub(rf"^\s*- file: {page}\n", "", toc, flags=re.M)
    a, b = SWAPPED
    toc = toc.replace(a, "SWAP").replace(b, a).replace("SWAP", b)
    toc_path.write_text(toc, encoding="utf-8")

    subprocess.run([sys.executable, "tools/notebooks.py", "sync"], cwd=fork, check=True, capture_output=True)
    committed = {md.stem: md.with_suffix(".ipynb").read_text(encoding="utf-8") for md in (fork / "book").glob("*.md")
                 if md.with_suffix(".ipynb").exists()}

    # Build from the executed notebooks: the fork's chapters with the book's outputs.
    for md in sorted((fork / "book").glob("*.md")):
        if "jupytext:" not in md.read_text(encoding="utf-8")[:400]:
            continue
        executed_nb = nbformat.read(executed / "book" / f"{md.stem}.ipynb", as_version=4)
        notebook = student.with_outputs(nbformat.reads(committed[md.stem], as_version=4), executed_nb, md.stem,
                                        student.executed_glue(f"book/{md.stem}"))
        nbformat.write(notebook, md.with_suffix(".ipynb"))
        md.unlink()
    text = text.replace(', "book/*.ipynb", "**/*.ipynb"', "").replace("execute_notebooks: force", 'execute_notebooks: "off"')
    config_path.write_text(text, encoding="utf-8")

    build = subprocess.run([str(BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"],
                           cwd=fork, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return fork, old["repository"]["url"], committed


def _chapter_stems(fork):
    """The chapters the fork's table of contents lists, in order."""
    toc = yaml.safe_load((fork / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [Path(f).name for f in files if (fork / f).with_suffix(".ipynb").exists()]


def test_fork_has_its_chapters_and_not_the_dropped_ones(fork):
    root, _, _ = fork
    stems = _chapter_stems(root)
    assert len(stems) >= 5
    for page in DROPPED:
        assert not (root / "_build" / "html" / f"{page}.html").exists()


def test_title_reaches_every_page(fork):
    root, _, _ = fork
    for page in (root / "_build" / "html" / "book").glob("*.html"):
        title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S).group(1)
        assert NEW_TITLE in title.replace("&#8212;", "—"), f"{page.name}: {title}"
    intro = (root / "_build" / "html" / "book" / "intro.html").read_text(encoding="utf-8")
    assert f"<h1>{NEW_TITLE}" in intro and NEW_URL in intro


def test_launch_links_point_at_the_fork(fork):
    root, _, _ = fork
    org_repo = NEW_URL.removeprefix("https://github.com/")
    for stem in _chapter_stems(root):
        page = (root / "_build" / "html" / "book" / f"{stem}.html").read_text(encoding="utf-8")
        assert f"https://colab.research.google.com/github/{org_repo}/blob/{NEW_BRANCH}/book/{stem}.ipynb" in page
        assert f"https://mybinder.org/v2/gh/{org_repo}/{NEW_BRANCH}?urlpath=tree/book/{stem}.ipynb" in page


def test_notebooks_install_from_the_fork(fork):
    _, _, committed = fork
    for stem, notebook in committed.items():
        assert f"git+{NEW_URL}@{NEW_BRANCH}#subdirectory=code" in notebook, stem


def test_old_repository_is_named_nowhere(fork):
    root, old_url, committed = fork
    old = old_url.removeprefix("https://github.com/")
    places = list((root / "_build" / "html").rglob("*.html")) + list((root / "book").glob("*.ipynb"))
    assert [str(p.relative_to(root)) for p in places if old in p.read_text(encoding="utf-8")] == []
    assert [stem for stem, text in committed.items() if old in text] == []


def test_references_to_dropped_chapters_read_as_their_titles(fork):
    root, _, _ = fork
    titles = {page: re.search(r"^# (.+)$", (ROOT / f"{page}.md").read_text(encoding="utf-8"), re.M).group(1)
              for page in DROPPED}
    cited = 0
    for page in (root / "_build" / "html" / "book").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for dropped in DROPPED:
            assert f'href="{Path(dropped).name}.html' not in text, f"{page.name} links to the dropped {dropped}"
            cited += text.count(f"<em>{titles[dropped]}</em>")
    assert cited > 0, "no page cites a dropped chapter: the test checks nothing"


def test_chapter_numbers_follow_the_new_order(fork):
    # With use_multitoc_numbering, chapters are numbered on across the numbered parts.
    root, _, _ = fork
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    numbered = [Path(c["file"]).name for part in toc["parts"] if part.get("numbered") for c in part["chapters"]]
    expected = {stem: number for number, stem in enumerate(numbered, 1)}
    shown = {}
    for stem in expected:
        text = (root / "_build" / "html" / "book" / f"{stem}.html").read_text(encoding="utf-8")
        shown[stem] = int(re.search(r'<h1><span class="section-number">(\d+)\. </span>', text).group(1))
    assert shown == expected
    # A cross-reference that shows a chapter's number shows the new one.
    for page in (root / "_build" / "html" / "book").glob("*.html"):
        for target, number in re.findall(r'href="(\d\d_\w+)\.html">(\d+)\. ', page.read_text(encoding="utf-8")):
            assert int(number) == expected[target], f"{page.name} shows {target} as chapter {number}"
