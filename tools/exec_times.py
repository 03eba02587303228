"""Print each chapter's execution time from myst-nb's statistics page of the last build.

Usage: python tools/exec_times.py _build/html/book/exec_times.html
"""

import sys
from html.parser import HTMLParser
from pathlib import Path


class _TableCells(HTMLParser):
    """Collects the text of every table row of a page."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def main(path: str) -> int:
    page = Path(path)
    if not page.exists():
        print(f"no statistics page at {page}: build the book first (make book)", file=sys.stderr)
        return 1
    parser = _TableCells()
    parser.feed(page.read_text(encoding="utf-8"))
    rows = [row for row in parser.rows if row]
    if len(rows) < 2:
        print(f"{page} holds no execution table", file=sys.stderr)
        return 1
    header, body = rows[0], rows[1:]
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(header))]
    for row in [header, *body]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    runtime_col = next((i for i, name in enumerate(header) if "run" in name.lower() and "time" in name.lower()), None)
    if runtime_col is not None:
        total = sum(float(row[runtime_col]) for row in body if row[runtime_col].replace(".", "", 1).isdigit())
        print(f"\ntotal execution time: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html/book/exec_times.html"))
