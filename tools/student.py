"""``make student``: the student edition, built from the instructor's checkout without editing it.

Writes, under ``_build/student/``:

- ``repo/``: the repository students receive, ready for ``git init``: ``code/`` with every
  solution region replaced by a stub (``tools/regions.py``), the chapters and their
  notebooks without solutions and installing from the student repository, the visible
  tests only, and a README, Makefile, requirements and settings for students;
- ``html/``: the student site, executed with the reference package so that every output
  shows what a correct implementation prints, with every solution removed from the
  sources before the build (so from the pages, the search index and the notebooks) and
  every quoted region shown as its stub.

Usage: ``python tools/student.py [--repo-only]``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import notebooks  # noqa: E402
import regions  # noqa: E402

OUT = ROOT / "_build" / "student"
SUFFIX = " (student edition)"
# What students run: the visible tests need these beside them.
TEST_SUPPORT = ["conftest.py", "helpers.py", "strategies.py"]
# Pages of the instructor's book that are not for students.
INSTRUCTOR_ONLY_PAGES = {"book/exec_times"}
# The Sphinx extensions the site's _config.yml loads (`local_extensions`), from _ext/.
EXTENSIONS = ["solution_markers.py", "exact_streams.py", "edition.py"]
EXTENSIONS_DIR = "_ext"

# The MIME prefix of a glue record in a notebook (myst_nb.ext.glue.GLUE_PREFIX).
GLUE_PREFIX = "application/papermill.record/"
FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}")


# --------------------------------------------------------------------------- chapters
def strip_solutions(text: str) -> str:
    """The chapter without its answers: every ``{solution}`` block, and everything from a
    ``{solution-start}`` block to the end of its ``{solution-end}`` block (code cells
    included), removed; the exercise statements stay."""
    return split_solutions(text)[0]


def split_solutions(text: str) -> tuple[str, list[str]]:
    """The chapter without its answers, and the answers it held, one string each."""
    lines = text.splitlines(keepends=True)
    out, answers, i = [], [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match and match["name"] in ("solution", "solution-start"):
            start = i
            i = _skip_block(lines, i, match["fence"])
            if match["name"] == "solution-start":
                while i < len(lines):
                    inner = FENCE.match(lines[i])
                    i = _skip_block(lines, i, inner["fence"]) if inner else i + 1
                    if inner and inner["name"] == "solution-end":
                        break
            answers.append("".join(lines[start:i]))
            # Drop the blank line the block leaves behind, so paragraphs keep one.
            if out and out[-1].strip() == "" and i < len(lines) and lines[i].strip() == "":
                i += 1
            continue
        out.append(lines[i])
        i += 1
    result = "".join(out)
    if re.search(r"\{solution(-start|-end)?\}", result):
        raise ValueError("a solution block survived stripping; check its fences")
    return result, answers


def _skip_block(lines: list[str], start: int, fence: str) -> int:
    """The index just after the fenced block that opens at ``start`` with ``fence``."""
    closing = re.compile(rf"^{re.escape(fence)}\s*$")
    for j in range(start + 1, len(lines)):
        if closing.match(lines[j]):
            return j + 1
    raise ValueError(f"unclosed block opened by {lines[start].strip()!r}")


def student_spec(cfg: dict) -> str:
    """The pip requirement that installs the student package from the student repository."""
    return notebooks.install_spec({"repository": cfg["student_repository"]})


def write_chapters(book: Path, cfg: dict, pages: list[str]) -> None:
    """The chapters of ``pages`` without solutions, their notebooks, and nothing else."""
    book.mkdir(parents=True, exist_ok=True)
    spec = student_spec(cfg)
    for page in pages:
        source = ROOT / f"{page}.md"
        text = strip_solutions(source.read_text(encoding="utf-8"))
        if notebooks.INSTALL_CELL.search(text):
            text = notebooks.INSTALL_CELL.sub(lambda _: notebooks.install_cell(spec), text)
        (book / source.name).write_text(text, encoding="utf-8")
        if (ROOT / f"{page}.ipynb").exists():
            (book / f"{source.stem}.ipynb").write_text(notebooks.expected_notebook(text), encoding="utf-8")


# ---------------------------------------------------------------------- configuration
def student_config_text(cfg_text: str, cfg: dict) -> str:
    """``_config.yml`` of the student edition: its title and repository, edited line by
    line so that every comment of the instructor's file stays."""
    student = cfg["student_repository"]
    text = cfg_text.replace(f'title: "{cfg["title"]}"', f'title: "{cfg["title"]}{SUFFIX}"', 1)
    text = text.replace(f"  url: {cfg['repository']['url']}\n  branch: {cfg['repository']['branch']}\n",
                        f"  url: {student['url']}\n  branch: {student.get('branch', 'main')}\n", 1)
    edited = yaml.safe_load(text)
    if edited["title"] != cfg["title"] + SUFFIX or edited["repository"]["url"] != student["url"]:
        raise ValueError("could not edit the title and repository of _config.yml; keep the EDITION block's layout")
    return text


def repo_config_text(cfg_text: str, cfg: dict) -> str:
    """``_config.yml`` of the students' repository: the student edition's settings without
    the instructor's build machinery (local extensions, vendored assets), which the
    repository does not carry."""
    student = yaml.safe_load(student_config_text(cfg_text, cfg))
    student.pop("student_repository", None)
    sphinx = student.get("sphinx", {})
    sphinx.pop("local_extensions", None)
    for key in ("html_static_path", "html_css_files", "mathjax_path", "nb_ipywidgets_js"):
        sphinx.get("config", {}).pop(key, None)
    return ("# Settings of the student edition (written by `make student` from the course's\n"
            "# _config.yml). The course site is built by the instructor; this file records\n"
            "# the edition's title and repository, which the notebooks' install cells use.\n"
            + yaml.safe_dump(student, sort_keys=False, allow_unicode=True))


def student_toc(toc: dict) -> dict:
    """The table of contents without the instructor-only pages."""
    parts = []
    for part in toc["parts"]:
        chapters = [c for c in part["chapters"] if c["file"] not in INSTRUCTOR_ONLY_PAGES]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {**toc, "parts": parts}


def toc_pages(toc: dict) -> list[str]:
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def dump_toc(toc: dict) -> str:
    return ("# Table of contents of the student edition (written by `make student`).\n"
            + yaml.safe_dump(toc, sort_keys=False))


# ----------------------------------------------------------------------- the repository
def write_code(target: Path) -> None:
    """``code/`` with every region stubbed, every other byte as in the reference."""
    source = ROOT / "code"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    for path in sorted((target / "mytorch").rglob("*.py")):
        original = source / path.relative_to(target)
        path.write_text(regions.student_source(original), encoding="utf-8")


STUDENT_CONFTEST_DOC = '''"""Test settings shared by the tests.

``package/visible/`` holds the tests of every part you write, with the course's worked
examples; each test module carries the marker of its chapter, so ``pytest -m ch03`` (or
``make test CH=ch03``) runs the tests of the linear layer.
"""'''


def write_tests(target: Path) -> None:
    (target / "package").mkdir(parents=True)
    for name in TEST_SUPPORT:
        shutil.copyfile(ROOT / "tests" / name, target / name)
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    docstring = re.match(r'"""(.*?)"""', conftest, re.S)
    (target / "conftest.py").write_text(STUDENT_CONFTEST_DOC + conftest[docstring.end():], encoding="utf-8")
    shutil.copytree(ROOT / "tests" / "package" / "visible", target / "package" / "visible",
                    ignore=shutil.ignore_patterns("__pycache__"))


def student_pytest_ini() -> str:
    """The instructor's pytest.ini with the instructor-only markers left out."""
    lines = (ROOT / "pytest.ini").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not re.match(r"\s+(site|question)[:(]", line))


def student_requirements() -> str:
    """What students install: the package, NumPy and PyTorch, the test tools, and what the
    chapter notebooks import, pinned as in the instructor's requirements.txt."""
    wanted = {"torch", "numpy", "matplotlib", "scikit-learn", "ipywidgets", "ipykernel", "jupytext",
              "pytest", "hypothesis", "graphviz"}
    pins = []
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = re.split(r"[=<>\[ ]", line.strip())[0]
        if name in wanted:
            pins.append(line.strip())
    return ("# The package (editable, so your changes are what the tests import), PyTorch for\n"
            "# comparison, the test tools, and what the chapter notebooks import.\n"
            "-e ./code\n"
            "# torch 2.13.0 is the CPU wheel; an unpinned torch pulls several GB of CUDA packages.\n"
            + "\n".join(pins) + "\n")


def write_repo(repo: Path, cfg: dict, cfg_text: str, toc: dict) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    write_code(repo / "code")
    write_tests(repo / "tests")
    write_chapters(repo / "book", cfg, toc_pages(toc))
    shutil.copytree(ROOT / "binder", repo / "binder")
    (repo / "_config.yml").write_text(repo_config_text(cfg_text, cfg), encoding="utf-8")
    (repo / "_toc.yml").write_text(dump_toc(toc), encoding="utf-8")
    (repo / "pytest.ini").write_text(student_pytest_ini(), encoding="utf-8")
    (repo / "requirements.txt").write_text(student_requirements(), encoding="utf-8")
    shutil.copyfile(ROOT / ".gitignore", repo / ".gitignore")
    templates = ROOT / "tools" / "student_templates"
    title = cfg["title"]
    for name in ("README.md", "Makefile"):
        text = (templates / name).read_text(encoding="utf-8")
        text = text.replace("{title}", title).replace("{student_url}", cfg["student_repository"]["url"])
        (repo / name).write_text(text, encoding="utf-8")


# ----------------------------------------------------------------------------- the site
def with_outputs(student: nbformat.NotebookNode, executed: nbformat.NotebookNode, name: str,
                 glue: dict | None = None) -> nbformat.NotebookNode:
    """The student notebook with the outputs of the instructor's executed notebook: its
    code cells are those of the instructor's chapter minus the solutions', in order, so
    each takes the outputs of the next executed cell with the same source.

    myst-nb takes the values that ``glue`` recorded out of the executed notebook and
    keeps them beside it (``<chapter>.glue.json``); ``glue`` is that file's content, and
    the values the student text refers to go back into its first code cell, where the
    build finds them again."""
    executed_cells = iter(c for c in executed.cells if c.cell_type == "code")
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        match = next((c for c in executed_cells if _same_cell(c.source, cell.source)), None)
        if match is None:
            raise ValueError(f"{name}: no executed cell matches {cell.source[:80]!r}; rebuild the book first")
        cell.outputs, cell.execution_count = _merged_streams(match.outputs), match.execution_count
    student.metadata = executed.metadata
    if glue:
        text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
        used = set(re.findall(r"\{glue(?::\w+)?\}`([\w.-]+)", text))
        records = [nbformat.from_dict({**glue[key], "data": {GLUE_PREFIX + mime: value
                                                             for mime, value in glue[key]["data"].items()}})
                   for key in sorted(used) if key in glue]
        first_code = next(c for c in student.cells if c.cell_type == "code")
        first_code.outputs = list(first_code.outputs) + records
    return student


def executed_glue(page: str) -> dict:
    """The glue records of a chapter from the instructor's build, or an empty dict."""
    path = ROOT / "_build" / "jupyter_execute" / f"{page}.glue.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _same_cell(executed: str, student: str) -> bool:
    """The same code, or both the install cell (which names another repository here)."""
    return executed == student or (executed.startswith(notebooks.MARKER) and student.startswith(notebooks.MARKER))


def _merged_streams(outputs: list) -> list:
    """The outputs as the page shows them: myst-nb's build (_ext/exact_streams.py) leaves
    each stream's whole text in its first piece, and the later pieces behind."""
    seen, kept = set(), []
    for output in outputs:
        if output.output_type == "stream":
            if output.name in seen:
                continue
            seen.add(output.name)
        kept.append(output)
    return kept


def write_site_source(src: Path, repo: Path, cfg: dict, cfg_text: str, toc: dict) -> None:
    """A book folder to build the student site from: the student chapters as notebooks
    holding the outputs of the instructor's build (executed with the reference package,
    so nothing is executed again), the student code that the pages quote, the
    instructor's assets and extensions, and the student edition's settings."""
    executed_dir = ROOT / "_build" / "jupyter_execute"
    if src.exists():
        shutil.rmtree(src)
    (src / "book").mkdir(parents=True)
    for page in toc_pages(toc):
        name = Path(page).name
        text = (repo / f"{page}.md").read_text(encoding="utf-8")
        executed = executed_dir / f"{page}.ipynb"
        if "jupytext:" not in text[:400]:
            (src / f"{page}.md").write_text(text, encoding="utf-8")
            continue
        if not executed.exists():
            raise SystemExit(f"{executed.relative_to(ROOT)} is missing: run `make book` first")
        notebook = with_outputs(jupytext.reads(text, fmt="md:myst"), nbformat.read(executed, as_version=4), name,
                                executed_glue(page))
        nbformat.write(notebook, src / f"{page}.ipynb")
    shutil.copytree(repo / "code", src / "code")
    shutil.copytree(ROOT / "assets", src / "assets")
    # Where the copied _config.yml's local_extensions look for them.
    (src / EXTENSIONS_DIR).mkdir()
    for name in EXTENSIONS:
        shutil.copyfile(ROOT / EXTENSIONS_DIR / name, src / EXTENSIONS_DIR / name)
    config = student_config_text(cfg_text, cfg)
    # The notebooks are the sources here, and they already hold their outputs.
    config = config.replace(', "book/*.ipynb", "**/*.ipynb"', "").replace(
        "execute_notebooks: force", 'execute_notebooks: "off"')
    if 'execute_notebooks: "off"' not in config or "*.ipynb" in config:
        raise ValueError("could not switch the student site to its executed notebooks; check _config.yml")
    (src / "_config.yml").write_text(config, encoding="utf-8")
    (src / "_toc.yml").write_text(dump_toc(toc), encoding="utf-8")


def build_site(src: Path, html: Path) -> None:
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(src), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-6000:])
        raise SystemExit("the student site did not build")
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(src / "_build" / "html"), str(html))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo-only", action="store_true", help="write the repository, not the site")
    args = parser.parse_args(argv)
    cfg_text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    cfg = yaml.safe_load(cfg_text)
    if "student_repository" not in cfg:
        raise SystemExit("_config.yml: expected a student_repository entry (url, branch) in the EDITION block")
    toc = student_toc(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    repo = OUT / "repo"
    write_repo(repo, cfg, cfg_text, toc)
    print(f"wrote {repo.relative_to(ROOT)}")
    if not args.repo_only:
        src = OUT / "src"
        write_site_source(src, repo, cfg, cfg_text, toc)
        build_site(src, OUT / "html")
        shutil.rmtree(src)
        print(f"wrote {(OUT / 'html').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
