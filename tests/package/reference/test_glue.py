"""mytorch.glue emits exactly the record myst-nb's own glue emits, without importing myst-nb."""

import subprocess
import sys

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import Markdown
from IPython.utils.capture import capture_output
from myst_nb import glue as myst_nb_glue

from mytorch.glue import glue, glue_number, latex_number

pytestmark = pytest.mark.ch01


def _records(emit):
    InteractiveShell.instance()  # display() publishes through a shell, as in a kernel
    with capture_output() as captured:
        emit()
    return [(output.data, output.metadata) for output in captured.outputs]


@pytest.mark.parametrize("value", [1.5e-11, 3, "ten digits", Markdown("$10^{-11}$")], ids=repr)
def test_same_record_as_myst_nb(value):
    ours = _records(lambda: glue("key", value))
    theirs = _records(lambda: myst_nb_glue("key", value, display=False))
    assert ours == theirs
    assert len(ours) == 1 and ours[0][1]["scrapbook"]["name"] == "key"


def test_numpy_scalars_are_glued_as_python_numbers():
    # A format such as {glue:text}`key:.1e` parses the text; "np.float64(...)" would not parse.
    (data, _), = _records(lambda: glue("key", np.float64(2.5e-10)))
    assert data == {"application/papermill.record/text/plain": "2.5e-10"}
    (data, _), = _records(lambda: glue("key", np.int64(7)))
    assert data == {"application/papermill.record/text/plain": "7"}


def test_importing_mytorch_does_not_import_ipython_or_myst_nb():
    code = "import sys, mytorch.glue; print('IPython' in sys.modules, 'myst_nb' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_bad_name_raises():
    with pytest.raises(ValueError, match="expected a non-empty string name, got ''"):
        glue("", 1.0)


@pytest.mark.parametrize("value, digits, expected", [
    (1.0758e-11, 2, r"1.1 \times 10^{-11}"),
    (1e-8, 2, "10^{-8}"),
    (-3e-7, 1, r"-3 \times 10^{-7}"),
    (0.5403, 2, "0.54"),
    (3452.27, 2, "3500"),
    (12345.0, 2, r"1.2 \times 10^{4}"),
    (0.0, 2, "0"),
])
def test_latex_number(value, digits, expected):
    assert latex_number(value, digits) == expected


def test_glue_number_records_inline_math():
    (data, metadata), = _records(lambda: glue_number("err", 2.78e-11))
    assert data["application/papermill.record/text/markdown"] == r"$2.8 \times 10^{-11}$"
    assert metadata["scrapbook"]["name"] == "err"
