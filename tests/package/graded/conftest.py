"""The graded tests: each grades only the parts its ``question`` marker names.

A graded test is marked ``@pytest.mark.question(name, points=1, parts=None)``: it counts
``points`` towards the question ``name``, and it grades the solution regions whose
qualified names are in ``parts`` (by default ``name`` itself, e.g. ``"Linear.backward"``).
For the duration of the test, every other function that holds a solution region runs the
reference code instead, compiled from the instructor's ``code/mytorch`` and executed in
the submission's own modules. A test of ``Sequential.backward`` therefore passes with a
correct ``Sequential.backward`` even when the same submission's ``Linear.backward`` is
wrong, and that mistake costs points once, in the question that grades it.

Run in the instructor's repository, the swap replaces the reference with itself. The
grader (``tools/grade.py``) sets ``MYTORCH_REFERENCE`` (the reference package) and
``MYTORCH_SUBMISSION`` (the folder the submission's ``mytorch`` must come from).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("MYTORCH_REFERENCE", ROOT / "code" / "mytorch"))
sys.path.insert(0, str(Path(os.environ.get("MYTORCH_TOOLS", ROOT / "tools"))))

import regions  # noqa: E402

MODULE_OF = {region.qualname: region.module for region in regions.package_regions(REFERENCE)}
REFERENCE_CODE = regions.reference_code(REFERENCE)


def pytest_configure(config):
    """Refuse to grade a package other than the submission (a submission in the wrong
    folder would otherwise import the reference that .venv has installed)."""
    expected = os.environ.get("MYTORCH_SUBMISSION")
    if expected:
        try:
            import mytorch
        except Exception:  # noqa: BLE001 (a broken submission fails its tests, with this error)
            return
        origin = Path(mytorch.__file__).resolve()
        if not origin.is_relative_to(Path(expected).resolve()):
            raise pytest.UsageError(f"expected mytorch from {expected}, imported {origin}")


def parts_of(item) -> tuple[str, ...]:
    """The qualified names of the regions a graded test grades."""
    marker = item.get_closest_marker("question")
    parts = marker.kwargs.get("parts")
    return (marker.args[0],) if parts is None else tuple(parts)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if not Path(item.path).is_relative_to(here):
            continue  # the hook sees the whole session's items
        marker = item.get_closest_marker("question")
        if marker is None or not marker.args:
            raise pytest.UsageError(f"{item.nodeid}: a graded test needs @pytest.mark.question(name, points=...)")
        unknown = set(parts_of(item)) - set(REFERENCE_CODE)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: parts {sorted(unknown)} hold no solution region")


@pytest.fixture(autouse=True)
def reference_for_other_parts(request, monkeypatch):
    graded = parts_of(request.node)
    for qualname, code in REFERENCE_CODE.items():
        if qualname not in graded:
            _run_reference(qualname, code, monkeypatch)


def _run_reference(qualname: str, code: types.CodeType, monkeypatch) -> None:
    """Make the submission's ``qualname`` run the reference ``code`` in its own module."""
    try:
        owner = importlib.import_module(MODULE_OF[qualname])
        *path, name = qualname.split(".")
        for attribute in path:
            owner = getattr(owner, attribute)
        function = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    except (ImportError, AttributeError, KeyError, SyntaxError):
        return  # missing in the submission: the tests that need it fail on their own
    if isinstance(owner, type):
        replacement = types.FunctionType(code, function.__globals__, name, function.__defaults__)
        replacement.__kwdefaults__ = function.__kwdefaults__
        monkeypatch.setattr(owner, name, replacement)
    else:
        # Other modules hold the function under their own name (from ... import im2col),
        # so the function object itself must change: its code, not its binding.
        monkeypatch.setattr(function, "__code__", code)
