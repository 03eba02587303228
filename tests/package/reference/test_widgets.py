"""The slider over pictures drawn in advance (the browser test checks that it switches them)."""

import base64
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mytorch.widgets import frame_slider  # noqa: E402

pytestmark = pytest.mark.ch04

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _figures(count):
    figures = []
    for i in range(count):
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=40)
        ax.plot([0, 1], [0, i])
        figures.append(fig)
    return figures


def test_slider_reads_the_labels_and_shows_the_chosen_frame():
    figures = _figures(3)
    alts = ["a line of slope 0", 'slope 1, "quoted" & <marked>', "a line of slope 2"]
    box = frame_slider(figures, alts, ["s = 0", "s = 1", "s = 2"], "slope", value=1)
    slider, stack = box.children
    assert slider.options == ("s = 0", "s = 1", "s = 2")
    assert slider.index == 1 and stack.selected_index == 1
    assert slider.description == "slope"
    assert len(stack.children) == 3
    for frame, alt in zip(stack.children, ["a line of slope 0", "slope 1, &quot;quoted&quot; &amp; &lt;marked&gt;",
                                           "a line of slope 2"]):
        match = re.fullmatch(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">', frame.value)
        assert match, frame.value
        assert base64.b64decode(match.group(1)).startswith(PNG_SIGNATURE)
        assert match.group(2) == alt
    # The figures were closed, so Jupyter does not draw them a second time below the cell.
    assert not any(plt.fignum_exists(fig.number) for fig in figures)


def test_frames_differ_when_the_figures_do():
    box = frame_slider(_figures(2), ["first", "second"], ["1", "2"], "frame")
    first, second = (frame.value.split('"')[1] for frame in box.children[1].children)
    assert first != second


@pytest.mark.parametrize("alts, labels, value, message", [
    (["a"], ["1", "2"], 0, "expected one alt text and one label per figure (2 figures), got 1 alt texts and 2 labels"),
    (["a", "b"], ["1", "1"], 0, "expected distinct labels"),
    (["a", "b"], ["1", "2"], 2, "expected value to be a frame index in [0, 2), got 2"),
    (["a", "b"], ["1", "2"], True, "expected value to be a frame index in [0, 2), got True"),
])
def test_bad_arguments_are_named(alts, labels, value, message):
    figures = _figures(2)
    with pytest.raises(ValueError, match=re.escape(message)):
        frame_slider(figures, alts, labels, "frame", value=value)
    plt.close("all")


def test_no_figures_is_an_error():
    with pytest.raises(ValueError, match="expected at least one figure, got none"):
        frame_slider([], [], [], "frame")


def test_importing_the_module_imports_neither_ipywidgets_nor_matplotlib():
    code = ("import sys, mytorch.widgets; "
            "print(any(m.split('.')[0] in ('ipywidgets', 'matplotlib') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
