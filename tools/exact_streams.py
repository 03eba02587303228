"""Sphinx extension: a cell's printed text merged exactly, so every build shows the same.

The kernel sends what a cell prints in pieces, cut wherever its 0.2 s flush timer falls,
sometimes in the middle of a line. myst-nb merges the pieces of each stream into one
block, but it strips the trailing whitespace of every piece and ends it with a newline
(MyST-NB#604, written for prints from several processes). A ``print("w.grad =", w)`` cut
between its two arguments then shows as two lines in one build and one line in the next.
This joins the pieces exactly first and leaves the rest of myst-nb's merge (carriage
returns, backspaces, stdout before stderr) as it is.
"""

from myst_nb.core import render

_merge_pieces = render.coalesce_streams


def coalesce_streams(outputs):
    """myst-nb's merge, applied to outputs whose stream pieces are already joined."""
    first_of_stream = {}
    joined = []
    for output in outputs:
        if output["output_type"] == "stream" and output["name"] in first_of_stream:
            first_of_stream[output["name"]]["text"] += output["text"]
            continue
        if output["output_type"] == "stream":
            first_of_stream[output["name"]] = output
        joined.append(output)
    return _merge_pieces(joined)


def setup(app):
    # myst-nb's renderer looks the function up in its module at every cell.
    render.coalesce_streams = coalesce_streams
    return {"parallel_read_safe": True, "parallel_write_safe": True}
