"""Sphinx extension: ``literalinclude`` without the ``# BEGIN SOLUTION`` markers.

The package wraps the part of each body a student would write between ``# BEGIN
SOLUTION`` and ``# END SOLUTION`` (the nbgrader convention), for the student editions of
the book. On the page they are noise, and ``:pyobject:`` would show half a pair: it ends
a quoted function at its last statement, before the trailing ``# END SOLUTION``. This
replaces Sphinx's ``literalinclude`` with one that drops both marker lines.
"""

import re

from docutils import nodes
from sphinx.directives.code import LiteralInclude

MARKER = re.compile(r"^[ \t]*# (BEGIN SOLUTION( [\w-]+)?|END SOLUTION)[ \t]*(\n|\Z)", re.MULTILINE)


class LiteralIncludeWithoutMarkers(LiteralInclude):
    def run(self):
        result = super().run()
        for block in result:
            for literal in block.findall(nodes.literal_block):
                text = MARKER.sub("", literal.astext())
                literal.rawsource = text
                literal.children = [nodes.Text(text)]
        return result


def setup(app):
    app.add_directive("literalinclude", LiteralIncludeWithoutMarkers, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
