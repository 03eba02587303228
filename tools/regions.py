"""The solution regions of the reference package, and what the course tools do with them.

In ``code/mytorch`` the part of a body that a student writes sits between
``# BEGIN SOLUTION <label>`` and ``# END SOLUTION``, where ``<label>`` names the equation
(``eq-...``) or section (``sec-...``) of the book that derives it. This module

- finds the regions (:func:`package_regions`), each with the qualified name of the function
  a student completes (``Linear.backward``; for a region inside a nested function, the
  function that defines it, ``Value.__add__``);
- writes the student copy of a source file (:func:`student_source`): every region replaced
  by a stub that raises ``NotImplementedError`` naming that function, the label and the
  chapter, and every other byte kept;
- compiles the reference code of every such function (:func:`reference_code`), which the
  grader runs in place of a student's code for every part a test does not grade.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "code" / "mytorch"
BOOK = ROOT / "book"

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?: (?P<label>[\w-]+))?[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")


@dataclass(frozen=True)
class Region:
    """One ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block of a source file."""

    path: Path
    begin: int  # 1-based line number of the BEGIN marker
    end: int  # 1-based line number of the END marker
    indent: str
    label: str
    qualname: str  # the function a student completes: "Linear.backward", "im2col"
    inner: str  # the function the region is written in: "Value.__add__.<locals>._backward"

    @property
    def module(self) -> str:
        """The dotted module name, ``mytorch.nn.linear``."""
        parts = self.path.with_suffix("").parts
        return ".".join(parts[len(parts) - 1 - parts[::-1].index("mytorch"):])


def _functions(tree: ast.Module) -> list[tuple[int, int, str, bool]]:
    """Every function of a module: (first line, last line, qualified name, defined
    directly in the module or a class body)."""
    found = []

    def visit(node, prefix: str, top: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", top)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((child.lineno, child.end_lineno, prefix + child.name, top))
                visit(child, f"{prefix}{child.name}.<locals>.", False)
            else:
                visit(child, prefix, top)

    visit(tree, "", True)
    return found


def regions(path: Path) -> list[Region]:
    """The regions of one file, in order. Raises ValueError on unbalanced or nested
    markers, a marker without a label, or a region outside any function."""
    text = path.read_text(encoding="utf-8")
    functions = _functions(ast.parse(text))
    found, open_at = [], None
    for number, line in enumerate(text.splitlines(), 1):
        begin = BEGIN.match(line)
        if begin:
            if open_at is not None:
                raise ValueError(f"{path}:{number}: BEGIN SOLUTION inside the region opened at line {open_at[0]}")
            if not begin["label"]:
                raise ValueError(f"{path}:{number}: expected '# BEGIN SOLUTION <label>' naming the equation "
                                 f"or section that derives the code, got {line.strip()!r}")
            open_at = (number, begin["indent"], begin["label"])
        elif END.match(line):
            if open_at is None:
                raise ValueError(f"{path}:{number}: END SOLUTION without a BEGIN")
            start, indent, label = open_at
            enclosing = [f for f in functions if f[0] < start <= f[1]]
            if not enclosing:
                raise ValueError(f"{path}:{start}: a solution region must be inside a function")
            outer = next(name for first, last, name, top in sorted(enclosing) if top)
            inner = max(enclosing)[2]
            found.append(Region(path, start, number, indent, label, outer, inner))
            open_at = None
    if open_at is not None:
        raise ValueError(f"{path}:{open_at[0]}: BEGIN SOLUTION without an END")
    return found


def package_regions(package: Path = PACKAGE) -> list[Region]:
    """Every region of the package, file by file in sorted order."""
    return [r for path in sorted(package.rglob("*.py")) for r in regions(path)]


def chapter_of(label: str, book: Path = BOOK) -> tuple[str, str] | None:
    """``(file name, title)`` of the chapter that defines ``label`` (an equation label
    ``$$ (label)`` or a target ``(label)=``), or None."""
    pattern = re.compile(rf"^\$\$ \({re.escape(label)}\)\s*$|^\({re.escape(label)}\)=\s*$", re.M)
    for md in sorted(book.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        if pattern.search(text):
            title = re.search(r"^# (.+)$", text, re.M)
            return md.name, title.group(1).strip() if title else md.stem
    return None


def stub_lines(region: Region, book: Path = BOOK) -> list[str]:
    """The lines that replace a region in the student copy."""
    where = chapter_of(region.label, book)
    kind = "equation" if region.label.startswith("eq-") else "section"
    place = f"{kind} {region.label} of '{where[1]}' (book/{where[0]})" if where else f"{kind} {region.label}"
    part = ""
    if region.inner != region.qualname:
        part = f" (its inner function {region.inner.rsplit('.', 1)[-1]})"
    message = f"{region.qualname}{part}: not written yet; it is derived in {place}"
    # The message as string literals that Python joins, each line within the 88
    # characters of the package's other lines.
    width = 88 - len(region.indent) - 4 - 2
    pieces = textwrap.wrap(message, width, drop_whitespace=False, break_on_hyphens=False)
    return [
        f"{region.indent}raise NotImplementedError(",
        *(f'{region.indent}    "{_escaped(piece)}"' for piece in pieces),
        f"{region.indent})",
    ]


def _escaped(text: str) -> str:
    """``text`` for the inside of a double-quoted Python string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def student_source(path: Path, book: Path = BOOK) -> str:
    """The text of ``path`` with every region replaced by its stub, all else unchanged."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out, position = [], 0
    for region in regions(path):
        out += lines[position:region.begin - 1]
        out += [line + "\n" for line in stub_lines(region, book)]
        position = region.end
    out += lines[position:]
    return "".join(out)


def reference_code(package: Path = PACKAGE) -> dict[str, CodeType]:
    """The compiled reference code of every function that holds a region, by qualified
    name (``"Linear.backward"``), read from the source without importing it."""
    wanted: dict[Path, set[str]] = {}
    for region in package_regions(package):
        wanted.setdefault(region.path, set()).add(region.qualname)
    code: dict[str, CodeType] = {}
    for path, names in wanted.items():
        stack = [compile(path.read_text(encoding="utf-8"), str(path), "exec")]
        while stack:
            current = stack.pop()
            if current.co_qualname in names:
                code[current.co_qualname] = current
            stack += [c for c in current.co_consts if isinstance(c, CodeType)]
    return code
