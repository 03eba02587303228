"""A slider over pictures drawn in advance, so that a page works without a kernel.

The book is static HTML: a widget callback needs a Python kernel, which a reader of the
page does not have. :func:`frame_slider` therefore draws every picture when the page is
built, stacks them, and links the slider to the stack in the browser (``jslink``), so
moving the slider only switches which picture shows.

Needs ``ipywidgets`` and ``matplotlib`` (both in Colab and in the book's environment);
they are imported when the function is called, so ``import mytorch`` needs only NumPy.

Used by book/04_activations.md, book/06_networks.md, book/07_convolution.md and
book/08_normalization.md; no chapter derives it.
"""

from __future__ import annotations

import base64
import io
from html import escape


def frame_slider(figures, alts, labels, description: str, value: int = 0):
    """A slider that shows ``figures[i]`` (alt text ``alts[i]``) at label ``labels[i]``.

    Each figure is rendered to PNG at its own dpi and then closed, so that Jupyter does
    not also show it below the cell. Frames are ``<img>`` elements inside
    ``ipywidgets.HTML`` because ``ipywidgets.Image`` cannot carry alt text.

    Args:
        figures: ``F`` matplotlib figures, the frames in slider order.
        alts: ``F`` strings, what each frame shows, for readers who cannot see it.
        labels: ``F`` strings, the slider's readout at each frame (e.g. ``"lr = 0.3"``).
        description: the slider's name, shown beside it and read by screen readers.
        value: index of the frame shown first, ``0 <= value < F``.

    Returns:
        An ``ipywidgets.VBox`` of the ``SelectionSlider`` and the ``Stack`` of frames,
        whose ``index`` and ``selected_index`` are linked in the browser.
    """
    figures, alts, labels = list(figures), list(alts), list(labels)
    if not figures:
        raise ValueError("frame_slider: expected at least one figure, got none")
    if len(alts) != len(figures) or len(labels) != len(figures):
        raise ValueError(
            "frame_slider: expected one alt text and one label per figure "
            f"({len(figures)} figures), "
            f"got {len(alts)} alt texts and {len(labels)} labels"
        )
    if len(set(labels)) != len(labels):
        raise ValueError(
            "frame_slider: expected distinct labels (the slider tells frames apart by "
            f"them), got {labels}"
        )
    if (isinstance(value, bool) or not isinstance(value, int)
            or not 0 <= value < len(figures)):
        raise ValueError(
            "frame_slider: expected value to be a frame index in "
            f"[0, {len(figures)}), got {value!r}"
        )
    import ipywidgets
    import matplotlib.pyplot as plt

    frames = []
    for figure, alt in zip(figures, alts):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        data = base64.b64encode(buffer.getvalue()).decode()
        frames.append(ipywidgets.HTML(
            f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
        ))
    stack = ipywidgets.Stack(frames, selected_index=value)
    slider = ipywidgets.SelectionSlider(options=labels, index=value,
                                        description=description, continuous_update=True,
                                        style={"description_width": "initial"})
    ipywidgets.jslink((slider, "index"), (stack, "selected_index"))
    return ipywidgets.VBox([slider, stack])

