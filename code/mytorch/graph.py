"""Drawing the computational graph of a :class:`mytorch.Value` expression.

:func:`draw_graph` describes the graph in Graphviz's DOT language and renders it to SVG
with the ``dot`` program (Debian/Ubuntu: ``apt-get install graphviz``; Colab has it). In
Jupyter the returned object displays itself as the SVG picture.

Used by book/01_chain_rule.md, book/02_autograd_pytorch.md and book/08_normalization.md;
no chapter derives it.
"""

from __future__ import annotations

import shutil
import subprocess
from html import escape

from mytorch.engine import Value


class Graph:
    """A drawn computational graph.

    Attributes:
        source (str): the graph in the DOT language, deterministic for a given
            expression.
    """

    def __init__(self, source: str):
        self.source = source

    def svg(self) -> str:
        """Render ``source`` to an SVG document with Graphviz's ``dot`` program."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(
                "draw_graph needs Graphviz's 'dot' program to render SVG: expected it "
                "on PATH, found none (install it with 'apt-get install graphviz' or "
                "'brew install graphviz'); the DOT text is available as .source"
            )
        result = subprocess.run([dot, "-Tsvg"], input=self.source,
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"dot failed with exit code {result.returncode}: "
                f"{result.stderr.strip()}"
            )
        # Drop the XML prolog and DOCTYPE so the SVG can be inlined in an HTML page.
        return result.stdout[result.stdout.index("<svg"):]

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"Graph({self.source.count('->')} edges)"


def draw_graph(root: Value, rankdir: str = "LR", show_grad: bool = True) -> Graph:
    """Draw every node ``root`` depends on, each with its ``data`` and ``grad``.

    Each value is a record ``label | data | grad``; each operation is a small ellipse
    between its inputs and its result, so the picture reads like the chain rule: an
    operation's local derivative connects the gradient on its right to those on its
    left.

    Args:
        root: the output of an expression, usually after ``root.backward()``.
        rankdir: ``"LR"`` draws inputs on the left, ``"TB"`` at the top.
        show_grad: whether to print ``grad`` in each node (off before ``backward``).

    Returns:
        A :class:`Graph`; in Jupyter it displays as SVG, and ``.source`` holds the DOT
        text.
    """
    if not isinstance(root, Value):
        raise ValueError(
            f"draw_graph: expected a mytorch.Value, got {type(root).__name__}"
        )
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(
            f"draw_graph: expected rankdir 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}"
        )
    order = root.topological_order()
    # Names from the order of the walk, not from id(), so that the same expression gives
    # the same drawing in every run.
    names = {id(node): f"v{i}" for i, node in enumerate(order)}
    lines = [
        "digraph G {",
        f"  rankdir={rankdir};",
        '  bgcolor="transparent";',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    for node in order:
        name = names[id(node)]
        fields = [f"data {node.data:.4g}"]
        if show_grad:
            fields.append(f"grad {node.grad:.4g}")
        if node.label:
            fields.insert(0, escape(node.label))
        record = " | ".join(f"<td>{field}</td>" for field in fields)
        fill = "#e8f1fb" if not node._prev else "#ffffff"
        lines.append(
            f'  {name} [shape=plain, label=<<table border="1" cellborder="0" '
            f'cellspacing="0" cellpadding="4" bgcolor="{fill}"><tr>{record}</tr>'
            '</table>>];'
        )
        if node._prev:
            op_name = f"{name}_op"
            lines.append(
                f'  {op_name} [shape=ellipse, style=filled, fillcolor="#fdf1d8", '
                f'label="{escape(node._op)}"];'
            )
            lines.append(f"  {op_name} -> {name};")
            for child in node._prev:
                lines.append(f"  {names[id(child)]} -> {op_name};")
    lines.append("}")
    return Graph("\n".join(lines) + "\n")
