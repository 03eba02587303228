"""Write a printable backpropagation problem sheet per student, and the answer key.

Usage:
    python tools/problems.py ROSTER.csv [--out _build/problems]
    make problems ROSTER=ROSTER.csv

The roster is a CSV file (UTF-8, comma-separated, with a header row) with a column named
``student`` (any case); other columns are ignored. Each student's problem comes from
``mytorch.problems.backprop_problem(student)``, so a student who runs
``python -m mytorch.problems "<their name>"`` gets the same problem as on the sheet.

Written to the output folder (files of an earlier roster are not removed; `make problems`
empties `_build/problems` first):

- ``<name>.html`` per student: a self-contained page (no external files) that prints on
  one A4 or Letter page: the formula, the point, the steps, room for the computational
  graph, and the table of operations with empty cells for values and gradients.
- ``index.html``: links to every sheet.
- ``answer_key.csv``: one row per student, with the columns
    ``student`` (as in the roster), ``id`` (normalised: what the problem is made from),
    ``sheet`` (the HTML file), ``formula`` (Python syntax), ``point`` (``x1=1; x2=-0.5; ...``),
    ``value`` (f at the point), ``grad_x1`` ... ``grad_x5``, and
    ``table``: the rows of the table separated by ``"; "``, each written
    ``name = definition [value V, grad G]``, e.g. ``a = x1 * x2 [value -1, grad 0.5]``.
  Numbers have six significant digits.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import re
import sys
import unicodedata
from pathlib import Path

from mytorch.problems import (
    INPUTS,
    OUTPUT,
    Problem,
    backprop_problem,
    check_call,
    format_number,
    instructions,
    normalize_id,
)

COLUMN = "student"

STYLE = """
@page { size: auto; margin: 12mm; }
body { font-family: Georgia, "Times New Roman", serif; color: #000; background: #fff;
       max-width: 180mm; margin: 1em auto; font-size: 10.5pt; line-height: 1.3; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 11.5pt; margin: 8pt 0 3pt; }
p { margin: 4pt 0; }
.formula { font-size: 15pt; margin: 8pt 0 4pt; }
.python, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 9pt; }
.point { font-size: 12pt; }
ol { margin: 4pt 0; padding-left: 18pt; }
.graph { border: 1px dashed #777; height: 42mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 2pt 6pt; text-align: left; }
th { background: #eee; }
td { height: 14pt; }
td.number { width: 28%; }
tr.input td { background: #f6f6f6; }
tr { break-inside: avoid; page-break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; }
  th, tr.input td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def read_roster(path: Path) -> list[str]:
    """The students of a roster CSV, in file order.

    Raises:
        ValueError: the file is missing, has no ``student`` column, has a row with an
            empty student, or names a student twice (after normalisation).
    """
    if not path.is_file():
        raise ValueError(f"roster: expected a CSV file with a '{COLUMN}' column, but {str(path)!r} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames or []
        column = next((name for name in header if name.strip().lower() == COLUMN), None)
        if column is None:
            raise ValueError(
                f"roster {path.name}: expected a '{COLUMN}' column, found "
                + (", ".join(repr(name) for name in header) if header else "no header row")
            )
        students = []
        for line, row in enumerate(reader, start=2):
            student = (row.get(column) or "").strip()
            if not student:
                raise ValueError(f"roster {path.name}, line {line}: expected a name in the '{COLUMN}' column, got none")
            students.append(student)
    if not students:
        raise ValueError(f"roster {path.name}: expected at least one student, found only the header row")
    seen: dict[str, str] = {}
    for student in students:
        normal = normalize_id(student)
        if normal in seen:
            raise ValueError(
                f"roster {path.name}: {seen[normal]!r} and {student!r} are the same ID {normal!r} and would get "
                "the same problem; make the IDs unique (e.g. add a student number)"
            )
        seen[normal] = student
    return students


def file_names(ids: list[str]) -> list[str]:
    """An HTML file name per normalised ID: an ASCII slug, with a hash where slugs clash."""
    slugs = []
    for normal in ids:
        ascii_name = unicodedata.normalize("NFKD", normal).encode("ascii", "ignore").decode()
        slugs.append(re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40])
    names = []
    for normal, slug in zip(ids, slugs):
        if not slug or slugs.count(slug) > 1:
            slug = f"{slug}-{hashlib.sha256(normal.encode()).hexdigest()[:8]}".lstrip("-")
        names.append(f"{slug}.html")
    return names


def sheet(student: str, problem: Problem) -> str:
    """The printable HTML page of one student's problem, with an empty table."""
    e = html.escape
    point = ", ".join(f"<i>x</i><sub>{x[1:]}</sub> = {_minus(v)}" for x, v in problem.point.items())
    steps = "\n".join(f"<li>{e(step)}</li>" for step in instructions(problem.student_id))
    steps = steps[: -len("</li>")] + f"<br><code>{e(check_call(problem.student_id))}</code></li>"
    rows = [
        f'<tr class="input"><td><i>x</i><sub>{x[1:]}</sub></td><td>input</td>'
        f'<td class="number">{_minus(problem.point[x])}</td><td class="number"></td></tr>'
        for x in INPUTS
    ]
    rows += [
        f'<tr><td><i>{n.name}</i></td><td>{n.definition_html()}</td><td class="number"></td>'
        f'<td class="number">{"1" if n.name == OUTPUT else ""}</td></tr>'
        for n in problem.nodes
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backpropagation by hand: {e(student)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Backpropagation by hand</h1>
<p class="who">{e(student)} <span class="python">(ID: {e(problem.student_id)})</span></p>
<p class="formula"><i>f</i> = {problem.formula_html()}</p>
<p class="point">at {point}</p>
<p>In Python: <code>{e(problem.formula)}</code></p>
<ol>
{steps}
</ol>
<h2>Computational graph</h2>
<div class="graph"></div>
<h2>Forward and backward pass</h2>
<table>
<thead><tr><th>node</th><th>definition</th><th>value</th><th>gradient &part;<i>f</i>/&part;node</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""


def index(entries: list[tuple[str, str]]) -> str:
    """A page linking every student's sheet."""
    items = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(student)}</a></li>' for student, name in entries)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Backpropagation problems</title><style>{STYLE}</style></head>
<body>
<h1>Backpropagation problems</h1>
<p>One sheet per student; the answers are in <code>answer_key.csv</code>.</p>
<ol>
{items}
</ol>
</body>
</html>
"""


def key_row(student: str, sheet_name: str, problem: Problem) -> dict[str, str]:
    """One row of ``answer_key.csv`` (columns documented at the top of this file)."""
    row = {
        "student": student,
        "id": problem.student_id,
        "sheet": sheet_name,
        "formula": problem.formula,
        "point": "; ".join(f"{x}={format_number(v)}" for x, v in problem.point.items()),
        "value": f"{problem.value:.6g}",
    }
    row.update((f"grad_{x}", f"{g:.6g}") for x, g in problem.gradient.items())
    row["table"] = "; ".join(f"{n.name} = {n.definition} [value {n.value:.6g}, grad {n.grad:.6g}]"
                             for n in problem.nodes)
    return row


KEY_COLUMNS = ["student", "id", "sheet", "formula", "point", "value", *(f"grad_{x}" for x in INPUTS), "table"]


def write(roster: Path, out: Path) -> list[Path]:
    """Write every sheet, ``index.html`` and ``answer_key.csv`` into ``out``; return the sheets."""
    students = read_roster(roster)
    problems = [backprop_problem(s) for s in students]
    names = file_names([p.student_id for p in problems])
    out.mkdir(parents=True, exist_ok=True)
    sheets = []
    for student, problem, name in zip(students, problems, names):
        path = out / name
        path.write_text(sheet(student, problem), encoding="utf-8")
        sheets.append(path)
    (out / "index.html").write_text(index(list(zip(students, names))), encoding="utf-8")
    with (out / "answer_key.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=KEY_COLUMNS)
        writer.writeheader()
        writer.writerows(key_row(*args) for args in zip(students, names, problems))
    return sheets


def _minus(x: float) -> str:
    """A number for HTML, with a minus sign rather than a hyphen."""
    return format_number(x).replace("-", "\u2212")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roster", type=Path, help=f"CSV file with a '{COLUMN}' column")
    parser.add_argument("--out", type=Path, default=Path("_build/problems"),
                        help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        sheets = write(args.roster, args.out)
    except ValueError as error:
        print(f"problems: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(sheets)} sheets, index.html and answer_key.csv to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
