"""The chapter sources: table of contents, notebook twins, install cells, quoted code."""

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import notebooks  # noqa: E402

CHAPTERS = notebooks.chapters()


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_every_chapter_is_in_the_table_of_contents():
    listed = set(_toc_files())
    for md in (ROOT / "book").glob("*.md"):
        assert f"book/{md.stem}" in listed, f"{md.name} is not listed in _toc.yml"


def test_notebook_twins_and_install_cells_are_in_sync():
    stale = [str(path.relative_to(ROOT)) for path, _ in notebooks.differences()]
    assert stale == [], f"out of sync (run `make notebooks`): {stale}"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_points_at_the_configured_repository(md):
    cfg = notebooks.config()
    expected = notebooks.install_spec(cfg)
    assert cfg["repository"]["url"] in expected
    nb = md.with_suffix(".ipynb").read_text(encoding="utf-8")
    first_code = next(cell for cell in notebooks.jupytext.reads(nb, fmt="ipynb").cells if cell.cell_type == "code")
    assert first_code.source.startswith(notebooks.MARKER)
    assert expected in first_code.source
    assert first_code.metadata.get("tags") == ["remove-cell"]


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_quoted_objects_exist(md):
    """Every literalinclude names a file and an object that exist, so a rename in the
    package fails here with a clear message rather than in the middle of the build."""
    text = md.read_text(encoding="utf-8")
    for path, obj in re.findall(r"```\{literalinclude\} (\S+)\n:pyobject: (\S+)", text):
        source = (md.parent / path).resolve()
        assert source.exists(), f"{md.name} quotes missing file {path}"
        code = source.read_text(encoding="utf-8")
        *owner, name = obj.split(".")
        assert re.search(rf"^\s*(def|class) {re.escape(name)}\b", code, re.M), f"{md.name}: {obj} not in {path}"
        for cls in owner:
            assert re.search(rf"^class {re.escape(cls)}\b", code, re.M), f"{md.name}: class {cls} not in {path}"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_the_required_parts(md):
    text = md.read_text(encoding="utf-8")
    assert "Learning objectives" in text
    assert "## Summary" in text
    assert len(re.findall(r"\{exercise\}", text)) >= 3
    assert len(re.findall(r"\{solution(-start)?\} ", text)) == len(re.findall(r"\{exercise\}", text))
    assert re.search(r"\$\$ \(eq-[\w-]+\)", text), "no numbered equation"
    assert "{literalinclude}" in text
    assert "torch" in text
    # One import idiom: no aliases for mytorch, no star imports.
    assert not re.search(r"import mytorch as|from mytorch.* import \*", text)


NUMBERED_CITATION = re.compile(
    r"\b(?:[Cc]hapters?|[Ss]ections?|[Ee]quations?|[Ff]igures?) \(?\d|\b(?:next|previous|last|following) chapter\b")


@pytest.mark.parametrize("md", sorted((ROOT / "book").glob("*.md")), ids=lambda p: p.stem)
def test_chapters_cite_each_other_by_label_not_by_number(md):
    """An edition may drop or reorder chapters: "chapter 3", "equation (4.2)" or "the next
    chapter" would then be wrong, where {doc}, {numref} and {eq} stay right."""
    text = md.read_text(encoding="utf-8")
    prose = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)
    found = sorted({m.group(0) for m in NUMBERED_CITATION.finditer(prose)})
    assert found == [], f"{md.name} cites by number: {found}"


@pytest.mark.parametrize("module", sorted((ROOT / "code" / "mytorch").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT / "code")))
def test_every_module_docstring_ends_by_naming_its_chapter(module):
    # A reader who opens the module in an editor or in Colab finds the derivation.
    import ast

    docstring = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    last_paragraph = docstring.strip().split("\n\n")[-1]
    named = re.findall(r"book/(\w+\.md)", last_paragraph)
    assert named, f"{module.name}: the docstring's last paragraph names no chapter file"
    assert all((ROOT / "book" / name).is_file() for name in named), named
