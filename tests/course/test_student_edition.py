"""The student edition that `make student` writes to _build/student/ (make test builds it
after the instructor's book): the repository students receive and their site."""

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import notebooks  # noqa: E402
import regions  # noqa: E402
import student  # noqa: E402

pytestmark = pytest.mark.edition

OUT = ROOT / "_build" / "student"
REPO, HTML = OUT / "repo", OUT / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = student.student_toc(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
CHAPTERS = [page for page in student.toc_pages(TOC) if page != TOC["root"]]


@pytest.fixture(scope="module", autouse=True)
def built():
    if not (REPO.is_dir() and HTML.is_dir()):
        pytest.fail("no student edition in _build/student: run `make student` (make test does)")


# ----------------------------------------------------------------------- the repository
def test_the_repository_holds_what_students_use_and_nothing_graded():
    for name in ("README.md", "Makefile", "requirements.txt", "pytest.ini", "_config.yml", "_toc.yml",
                 ".gitignore", "code/pyproject.toml", "tests/conftest.py", "tests/helpers.py", "tests/strategies.py"):
        assert (REPO / name).is_file(), name
    assert sorted(p.name for p in (REPO / "tests" / "package").iterdir()) == ["visible"]
    visible = sorted(p.name for p in (ROOT / "tests" / "package" / "visible").glob("test_*.py"))
    assert sorted(p.name for p in (REPO / "tests" / "package" / "visible").glob("test_*.py")) == visible
    graded_names = {p.name for p in (ROOT / "tests" / "package" / "graded").glob("test_*.py")}
    assert not any(p.name in graded_names for p in REPO.rglob("*.py"))
    # The instructor's build machinery (tools/, the Sphinx extensions in _ext/) stays behind.
    assert not any((REPO / name).exists() for name in ("tools", "_ext", "bench"))


def test_code_differs_from_the_reference_only_inside_the_regions():
    reference = ROOT / "code"
    copied = sorted(p.relative_to(REPO / "code") for p in (REPO / "code").rglob("*") if p.is_file())
    assert copied == sorted(p.relative_to(reference) for p in reference.rglob("*") if p.is_file()
                            and "__pycache__" not in p.parts and ".egg-info" not in str(p) and "build" not in p.parts)
    for relative in copied:
        text = (REPO / "code" / relative).read_bytes()
        if relative.suffix == ".py":
            assert text == regions.student_source(reference / relative).encode("utf-8"), relative
            assert b"SOLUTION" not in text, relative
        else:
            assert text == (reference / relative).read_bytes(), relative


def test_the_untouched_handout_fails_every_visible_test_with_not_implemented_error(tmp_path):
    report = tmp_path / "junit.xml"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO / "code"), "HOME": str(tmp_path),
           "PYTHONDONTWRITEBYTECODE": "1"}
    origin = subprocess.run([sys.executable, "-c", "import mytorch; print(mytorch.__file__)"], cwd=REPO, env=env,
                            capture_output=True, text=True, check=True).stdout.strip()
    assert Path(origin).is_relative_to(REPO / "code"), origin
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
                   cwd=REPO, env=env, capture_output=True, text=True)
    cases = ET.parse(report).getroot().iter("testcase")
    outcomes = {}
    for case in cases:
        problems = [child for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = problems
    assert len(outcomes) >= 30
    wrong = {name: [(p.tag, (p.get("message") or "")[:120]) for p in problems]
             for name, problems in outcomes.items()
             if len(problems) != 1 or problems[0].tag != "failure"
             or not (problems[0].get("message") or "").startswith("NotImplementedError")}
    assert wrong == {}, "visible tests that did not fail with NotImplementedError on the handout"


def test_every_chapter_has_its_exercises_but_no_solution_and_installs_the_student_package():
    spec = student.student_spec(CONFIG)
    for page in CHAPTERS:
        md = (REPO / f"{page}.md").read_text(encoding="utf-8")
        source = (ROOT / f"{page}.md").read_text(encoding="utf-8")
        assert not re.search(r"\{solution", md), page
        assert md.count("{exercise}") == source.count("{exercise}") > 0, page
        notebook = (REPO / f"{page}.ipynb").read_text(encoding="utf-8")
        assert notebook == notebooks.expected_notebook(md), f"{page}.ipynb is not the twin of its .md"
        assert spec in notebook and CONFIG["repository"]["url"] + "@" not in notebook, page


def test_settings_name_the_student_edition():
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert config["title"] == CONFIG["title"] + " (student edition)"
    assert config["repository"]["url"] == CONFIG["student_repository"]["url"]
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    assert "book/exec_times" not in student.toc_pages(toc)
    ini = (REPO / "pytest.ini").read_text(encoding="utf-8")
    assert "ch03:" in ini and "question" not in ini and "site:" not in ini


def test_the_readme_says_how_to_set_up_test_and_hand_in():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for phrase in ("make test", "make test CH=ch03", "NotImplementedError", "What to hand in", "code/mytorch/",
                   CONFIG["student_repository"]["url"]):
        assert phrase in readme, phrase
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: ", makefile, re.M) and "pytest tests" in makefile


# -------------------------------------------------------------------------------- the site
def test_the_site_has_every_chapter_and_no_instructor_page():
    for page in CHAPTERS:
        assert (HTML / f"{page}.html").is_file(), page
    assert not (HTML / "book" / "exec_times.html").exists()
    intro = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    assert "(student edition)" in re.search(r"<title>(.*?)</title>", intro, re.S).group(1)


def test_quoted_regions_show_their_stubs():
    page = _page_text(HTML / "book" / "03_linear.html")
    assert "raise NotImplementedError" in page
    assert "Linear.backward: not written yet" in page
    assert "return grad @ self.weight.T" not in page


def test_outputs_are_those_of_the_reference_package():
    page = _page_text(HTML / "book" / "01_chain_rule.html")
    assert "dy/dx1 = 3.7730" in page  # printed by a cell that calls the reference Value


def test_launch_buttons_and_downloads_open_the_student_notebooks():
    org_repo = CONFIG["student_repository"]["url"].removeprefix("https://github.com/")
    for page in CHAPTERS:
        text = (HTML / f"{page}.html").read_text(encoding="utf-8")
        assert f"https://colab.research.google.com/github/{org_repo}/blob/" in text, page
        downloads = re.findall(r'href="([^"]+)"[^>]*\n?[^>]*class="btn btn-sm btn-download-notebook-button', text)
        assert downloads == [f"../_notebooks/{page}.ipynb"], page
        assert "btn-download-source-button" not in text
        assert not re.search(r"\{solution", (HTML / "_notebooks" / f"{page}.ipynb").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ the leak
def _page_text(path: Path) -> str:
    """The text of an HTML page as a reader sees it: tags removed, entities decoded."""
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S) if path.suffix == ".html" else text
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _notebook_text(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        parts.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += ["".join(v) if isinstance(v, list) else str(v) for v in output.get("data", {}).values()]
    return "\n".join(parts)


def _words(text: str) -> str:
    """Lower-case words and numbers only, so that markup (Markdown, HTML, TeX delimiters)
    does not hide a sentence."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _squeezed(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


WINDOW = 8


def _windows(words: str) -> set[str]:
    """Every run of ``WINDOW`` consecutive words of ``words``: a sentence of a solution
    survives in a text when one of its windows is among the text's."""
    split = words.split()
    return {" ".join(split[i:i + WINDOW]) for i in range(len(split) - WINDOW + 1)}


@pytest.fixture(scope="module")
def everything_students_get():
    """Every text file under _build/student, as (name, text, words)."""
    files = []
    for path in sorted(OUT.rglob("*")):
        if not path.is_file() or path.suffix not in {".html", ".js", ".json", ".ipynb", ".md", ".py", ".txt", ".yml", ".ini"}:
            continue
        text = _notebook_text(path) if path.suffix == ".ipynb" else _page_text(path)
        files.append((str(path.relative_to(OUT)), _squeezed(text), _windows(_words(text))))
    return files


@pytest.fixture(scope="module")
def legitimate():
    """Text the student edition may hold because it comes from no solution: the chapters
    without their solutions, the outputs of the cells that remain (from the book's own
    build), the stubbed package, and the visible tests, README and settings students get.
    A solution's sentence or line that also appears here proves nothing."""
    texts = []
    for md in sorted((ROOT / "book").glob("*.md")):
        kept, answers = student.split_solutions(md.read_text(encoding="utf-8"))
        assert len(kept) + sum(len(a) for a in answers) <= len(md.read_text(encoding="utf-8"))
        assert not re.search(r"\{solution", kept)
        texts.append(kept)
        if "jupytext:" in kept[:400]:  # its notebook joins the cells without the fences between
            cells = json.loads(notebooks.expected_notebook(kept))["cells"]
            texts.append("\n".join("".join(cell["source"]) for cell in cells))
        executed = ROOT / "_build" / "jupyter_execute" / "book" / f"{md.stem}.ipynb"
        if executed.exists():
            notebook = json.loads(executed.read_text(encoding="utf-8"))
            texts += [_notebook_text_of([cell]) for cell in notebook["cells"]
                      if cell["cell_type"] == "code" and "".join(cell["source"]) in kept]
    for path in sorted(regions.PACKAGE.rglob("*.py")):
        texts.append(regions.student_source(path))
    for path in sorted((ROOT / "tests" / "package" / "visible").glob("*.py")) + [
            ROOT / "tests" / "helpers.py", ROOT / "tests" / "strategies.py", ROOT / "tests" / "conftest.py",
            ROOT / "tools" / "student_templates" / "README.md", ROOT / "code" / "README.md", ROOT / "_config.yml"]:
        texts.append(path.read_text(encoding="utf-8"))
    return _squeezed("\n".join(texts)), set().union(*(_windows(_words(text)) for text in texts))


def _solution_needles(legitimate):
    """Windows of eight words from every solution's prose, and every line of its code."""
    legit_text, legit_windows = legitimate
    windows, lines = set(), set()
    for md in sorted((ROOT / "book").glob("*.md")):
        for answer in student.split_solutions(md.read_text(encoding="utf-8"))[1]:
            prose = re.sub(r"^(```|:::).*$|^:\w[\w-]*:.*$", "", answer, flags=re.M)
            windows |= _windows(_words(re.sub(r"```\{code-cell\}.*?```", " ", prose, flags=re.S)))
            for block in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", answer, flags=re.S):
                lines |= {_squeezed(line) for line in block.splitlines()
                          if len(_squeezed(line)) >= 20 and not line.lstrip().startswith((":", "#"))}
    return windows - legit_windows, {line for line in lines if line not in legit_text}


def _region_needles(legitimate):
    """The lines of every solution region."""
    legit_text, _ = legitimate
    needles = set()
    for path in sorted(regions.PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for region in regions.regions(path):
            needles |= {_squeezed(line) for line in lines[region.begin:region.end - 1]
                        if len(_squeezed(line)) >= 16 and not line.lstrip().startswith("#")}
    return {line for line in needles if line not in legit_text}


def _notebook_text_of(cells) -> str:
    parts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += ["".join(v) if isinstance(v, list) else str(v) for v in output.get("data", {}).values()]
    return "\n".join(parts)


def test_no_solution_prose_or_code_survives_anywhere(everything_students_get, legitimate):
    windows, code_lines = _solution_needles(legitimate)
    assert len(windows) > 200 and len(code_lines) > 20  # the needles are real
    leaks = [(name, w) for name, _, file_windows in everything_students_get for w in sorted(windows & file_windows)]
    leaks += [(name, line) for name, text, _ in everything_students_get for line in code_lines if line in text]
    assert leaks == [], f"solution text in the student edition: {leaks[:10]}"


def test_no_line_of_a_solution_region_survives_anywhere(everything_students_get, legitimate):
    needles = _region_needles(legitimate)
    assert len(needles) > 60
    leaks = [(name, line) for name, text, _ in everything_students_get for line in needles if line in text]
    assert leaks == [], f"region code in the student edition: {leaks[:10]}"
