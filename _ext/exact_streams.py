"""Sphinx extension: a cell's printed text merged exactly, so every build shows the same.

The kernel sends what a cell prints in pieces, cut wherever its 0.2 s flush timer falls,
sometimes in the middle of a line. myst-nb merges the pieces of each stream into one
block, but it strips the trailing whitespace of every piece and ends it with a newline
(MyST-NB#604, written for prints from several processes). A ``print("w.grad =", w)`` cut
between its two arguments then shows as two lines in one build and one line in the next.
This joins the pieces exactly first and leaves the rest of myst-nb's merge (carriage
returns, backspaces, stdout before stderr) as it is.

``coalesce_streams`` is private to myst-nb, so this was written for one version of it,
``MYST_NB_VERSION`` (the one requirements.txt pins). With any other version the build
stops at ``setup`` and says what to check, rather than changing the outputs silently.
"""

import myst_nb
from myst_nb.core import render
from sphinx.errors import ExtensionError

# The myst-nb whose render.coalesce_streams(outputs) -> outputs this extension replaces.
MYST_NB_VERSION = "1.4.0"

_merge_pieces = getattr(render, "coalesce_streams", None)


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


def check_myst_nb() -> None:
    """Raise ``ExtensionError`` unless the installed myst-nb is the one this was written for."""
    installed = getattr(myst_nb, "__version__", None)
    if installed != MYST_NB_VERSION:
        raise ExtensionError(
            f"_ext/exact_streams.py was written for myst-nb {MYST_NB_VERSION}, but myst-nb "
            f"{installed or '(version unknown)'} is installed. It replaces the private function "
            "myst_nb.core.render.coalesce_streams: check that in the installed myst-nb it still "
            "takes and returns a list of outputs and merges them as before, then set "
            f"MYST_NB_VERSION in _ext/exact_streams.py to {installed or 'that version'} (or install "
            f"myst-nb=={MYST_NB_VERSION}, as requirements.txt pins it)."
        )
    if _merge_pieces is None or not callable(_merge_pieces):
        raise ExtensionError(
            f"_ext/exact_streams.py: myst-nb {installed} has no myst_nb.core.render.coalesce_streams "
            "to replace; find where it now merges stream outputs and update the extension."
        )


def setup(app):
    check_myst_nb()
    # myst-nb's renderer looks the function up in its module at every cell.
    render.coalesce_streams = coalesce_streams
    return {"parallel_read_safe": True, "parallel_write_safe": True}
