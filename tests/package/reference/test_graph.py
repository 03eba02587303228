"""Drawing the computational graph of a Value expression."""

import html
import shutil

import pytest

from mytorch import Value
from mytorch.graph import draw_graph

pytestmark = pytest.mark.ch01


def _example():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a
    y.label = "y"
    y.backward()
    return y


def test_dot_source_holds_every_node_with_value_and_gradient():
    source = draw_graph(_example()).source
    # a, b -> (*) -> ab; ab, a -> (+) -> y: six edges.
    assert source.count("->") == 6
    assert "data 2 " in source.replace("</td>", " ") and "grad -2 " in source.replace("</td>", " ")
    assert "data -3 " in source.replace("</td>", " ") and "grad 2 " in source.replace("</td>", " ")
    assert 'label="*"' in source and 'label="+"' in source


def test_drawing_is_deterministic():
    assert draw_graph(_example()).source == draw_graph(_example()).source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_renders():
    svg = html.unescape(draw_graph(_example()).svg())
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "grad -2" in svg


def test_rejects_a_non_value():
    with pytest.raises(ValueError, match="expected a mytorch.Value, got float"):
        draw_graph(1.0)
