"""Numbers a chapter computes, handed to its prose: myst-nb's ``glue`` without myst-nb.

A chapter writes ``{glue:text}`name:.1e``` in its text and ``glue("name", value)`` in a
cell; when the book is built, myst-nb pastes the value into the sentence, so text and
output can never disagree. :func:`glue` emits exactly the output that ``myst_nb.glue``
emits with ``display=False`` (the papermill/scrapbook record, which myst-nb reads from
the executed notebook), but imports only IPython, which every Jupyter kernel has: the
same chapter therefore runs on Colab, where myst-nb is not installed and the record is
simply not shown.

Used by book/01_chain_rule.md, book/02_autograd_pytorch.md, book/03_linear.md,
book/04_activations.md, book/05_softmax_cross_entropy.md, book/06_networks.md and
book/08_normalization.md; no chapter derives it.
"""

from __future__ import annotations

import numbers

import numpy as np

#: The MIME prefix of a hidden record, ``myst_nb.ext.glue.GLUE_PREFIX``.
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value) -> None:
    """Record ``value`` under ``name`` for the ``{glue:text}`` and ``{glue:md}`` roles.

    The record is not shown below the cell.

    Args:
        name: the key the prose refers to, unique within the chapter.
        value: a number (NumPy scalars are turned into Python numbers, so that a format
            such as ``:.2e`` applies), a string, or any object with a rich display, such
            as ``IPython.display.Markdown`` for ``{glue:md}``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"glue: expected a non-empty string name, got {name!r}")
    # Imported here so that `import mytorch` needs only NumPy.
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    if isinstance(value, numbers.Number) and hasattr(value, "item"):
        value = value.item()  # np.float64(0.5) would be shown as "np.float64(0.5)"
    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True,
            metadata=metadata)


def latex_number(value: float, digits: int = 2) -> str:
    """``value`` written in LaTeX to ``digits`` significant digits.

    Numbers from ``1e-3`` up to ``1e4`` are written out (``0.54``); others in scientific
    notation (``1.1 \\times 10^{-11}``), with the mantissa dropped when it is 1
    (``10^{-8}``).
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(
            f"latex_number: expected digits to be a positive int, got {digits!r}"
        )
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return np.format_float_positional(value, precision=digits, unique=False,
                                          fractional=False, trim="-")
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    power = f"10^{{{int(exponent)}}}"
    if float(mantissa) == 1:
        return power
    if float(mantissa) == -1:
        return "-" + power
    return f"{mantissa} \\times {power}"


def glue_number(name: str, value: float, digits: int = 2) -> None:
    """Record ``value`` as inline math for the role ``{glue:md}`name:myst```.

    :func:`latex_number` writes it to ``digits`` significant digits.
    """
    from IPython.display import Markdown

    glue(name, Markdown(f"${latex_number(value, digits)}$"))
