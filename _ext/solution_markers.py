"""Sphinx extension: ``literalinclude`` without the ``# BEGIN SOLUTION`` markers.

The package wraps the part of each body a student would write between ``# BEGIN
SOLUTION`` and ``# END SOLUTION`` (the nbgrader convention), for the student editions of
the book. On the page they are noise, and ``:pyobject:`` would show half a pair: it ends
a quoted function at its last statement, before the trailing ``# END SOLUTION``. This
replaces Sphinx's ``literalinclude`` with one that drops both marker lines, and dedents
what it quotes.

With the flag ``:region:``, only the inside of the quoted function's solution regions is
shown, dedented: the mathematics without the signature, docstring and checks. In the
student edition, whose package has stubs in place of the regions, the same directive
shows the stub.
"""

import re
import textwrap

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import LiteralInclude
from sphinx.errors import ExtensionError

MARKER = re.compile(
    r"^[ \t]*# (BEGIN SOLUTION( [\w-]+)?|END SOLUTION)[ \t]*(\n|\Z)", re.MULTILINE
)
# A region, or the last one of a function, whose END marker :pyobject: leaves out.
REGION = re.compile(
    r"^[ \t]*# BEGIN SOLUTION[^\n]*\n(.*?)(?:^[ \t]*# END SOLUTION|\Z)",
    re.MULTILINE | re.DOTALL,
)
# The stub that tools/regions.py writes in place of a region.
STUB = re.compile(r"^([ \t]*)raise NotImplementedError\(\n.*?^\1\)\n?", re.M | re.S)


def region_only(text: str, where: str) -> str:
    """The regions of ``text`` (or, in a student copy, their stubs), dedented."""
    parts = REGION.findall(text) or [m.group(0) for m in STUB.finditer(text)]
    if not parts:
        raise ExtensionError(
            f"literalinclude :region: in {where}: expected a '# BEGIN SOLUTION' region "
            f"(or its NotImplementedError stub) in the quoted code, found none"
        )
    return "\n".join(textwrap.dedent(part).rstrip("\n") for part in parts) + "\n"


class LiteralIncludeWithoutMarkers(LiteralInclude):
    option_spec = {**LiteralInclude.option_spec, "region": directives.flag}

    def run(self):
        result = super().run()
        for block in result:
            for literal in block.findall(nodes.literal_block):
                text = literal.astext()
                if "region" in self.options:
                    where = f"{self.env.docname}, line {self.lineno}"
                    text = region_only(text + "\n", where)
                # A method quoted alone starts four spaces in; dedented, a line of the
                # package (88 characters at most) fits the page's code box.
                text = textwrap.dedent(MARKER.sub("", text))
                literal.rawsource = text
                literal.children = [nodes.Text(text)]
        return result


def setup(app):
    app.add_directive("literalinclude", LiteralIncludeWithoutMarkers, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
