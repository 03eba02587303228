"""An instructor's edition: a fork that edits only ``_config.yml`` and runs ``make notebooks``.

The test copies the repository, changes the title, the repository URL and the branch the
way the README tells a fork to, regenerates the notebooks, builds the HTML (without
executing the chapters: launch links and titles do not depend on outputs) and checks that
the new values reached every page, every launch link and every notebook, and that the
old repository is named nowhere.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

NEW_TITLE = "Deep Learning 101: Backpropagation"
NEW_URL = "https://github.com/example-university/dl101-backprop"
NEW_BRANCH = "fall-2027"


@pytest.fixture(scope="module")
def fork(tmp_path_factory):
    fork = tmp_path_factory.mktemp("fork") / "dl101-backprop"
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (fork / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, fork / name)

    config_path = fork / "_config.yml"
    text = config_path.read_text(encoding="utf-8")
    old = yaml.safe_load(text)
    # Edit the file as a person would, line by line, keeping its comments.
    text = text.replace(f'title: "{old["title"]}"', f'title: "{NEW_TITLE}"')
    text = text.replace(f"url: {old['repository']['url']}", f"url: {NEW_URL}")
    text = text.replace(f"branch: {old['repository']['branch']}", f"branch: {NEW_BRANCH}")
    # Only for this test: skip execution, which launch links and titles do not depend on.
    text = text.replace("execute_notebooks: force", "execute_notebooks: \"off\"")
    config_path.write_text(text, encoding="utf-8")
    edited = yaml.safe_load(text)
    assert (edited["title"], edited["repository"]["url"], edited["repository"]["branch"]) == (NEW_TITLE, NEW_URL, NEW_BRANCH)

    subprocess.run([sys.executable, "tools/notebooks.py", "sync"], cwd=fork, check=True, capture_output=True)
    build = subprocess.run([str(BIN / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"],
                           cwd=fork, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return fork, old["repository"]["url"]


def _chapter_stems(fork):
    """The chapters the fork's table of contents lists that have a notebook twin."""
    toc = yaml.safe_load((fork / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    return [Path(f).name for f in files if (fork / f).with_suffix(".ipynb").exists()]


def test_fork_has_chapters(fork):
    assert _chapter_stems(fork[0])


def test_title_reaches_every_page(fork):
    root, _ = fork
    for page in (root / "_build" / "html" / "book").glob("*.html"):
        title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S).group(1)
        assert NEW_TITLE in title.replace("&#8212;", "—"), f"{page.name}: {title}"


def test_launch_links_point_at_the_fork(fork):
    root, _ = fork
    org_repo = NEW_URL.removeprefix("https://github.com/")
    for stem in _chapter_stems(root):
        page = (root / "_build" / "html" / "book" / f"{stem}.html").read_text(encoding="utf-8")
        assert f"https://colab.research.google.com/github/{org_repo}/blob/{NEW_BRANCH}/book/{stem}.ipynb" in page
        assert f"https://mybinder.org/v2/gh/{org_repo}/{NEW_BRANCH}?urlpath=tree/book/{stem}.ipynb" in page


def test_notebooks_install_from_the_fork(fork):
    root, _ = fork
    for stem in _chapter_stems(root):
        notebook = root / "book" / f"{stem}.ipynb"
        assert f"git+{NEW_URL}@{NEW_BRANCH}#subdirectory=code" in notebook.read_text(encoding="utf-8")


def test_old_repository_is_named_nowhere(fork):
    root, old_url = fork
    old = old_url.removeprefix("https://github.com/")
    places = list((root / "_build" / "html").rglob("*.html")) + list((root / "book").glob("*.ipynb")) + list((root / "book").glob("*.md"))
    assert [str(p.relative_to(root)) for p in places if old in p.read_text(encoding="utf-8")] == []
