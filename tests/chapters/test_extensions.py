"""The book's Sphinx extensions in ``_ext/``: where ``_config.yml`` loads them from, and the
guard of ``exact_streams``, which replaces a private function of myst-nb and so must stop
the build when another myst-nb is installed."""

import sys
import types
from pathlib import Path

import myst_nb
import pytest
import yaml
from myst_nb.core import render
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))

import exact_streams  # noqa: E402


def test_config_loads_every_extension_from_ext():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = config["sphinx"]["local_extensions"]
    assert set(extensions) == {"solution_markers", "exact_streams", "edition"}
    for name, folder in extensions.items():
        assert folder == "_ext/"
        assert (ROOT / folder / f"{name}.py").is_file()


@pytest.fixture
def render_restored(monkeypatch):
    """Undo, after the test, the replacement that ``setup`` makes in myst-nb's module."""
    monkeypatch.setattr(render, "coalesce_streams", render.coalesce_streams)


def test_another_myst_nb_stops_the_build(monkeypatch, render_restored):
    monkeypatch.setattr(myst_nb, "__version__", "9.9.9")
    original = render.coalesce_streams
    with pytest.raises(ExtensionError) as error:
        exact_streams.setup(types.SimpleNamespace())
    message = str(error.value)
    assert f"myst-nb {exact_streams.MYST_NB_VERSION}" in message and "myst-nb 9.9.9" in message
    assert "coalesce_streams" in message and "MYST_NB_VERSION" in message
    assert render.coalesce_streams is original


def test_a_myst_nb_without_a_version_stops_the_build(monkeypatch, render_restored):
    monkeypatch.delattr(myst_nb, "__version__")
    with pytest.raises(ExtensionError, match="version unknown"):
        exact_streams.setup(types.SimpleNamespace())


def test_the_pinned_myst_nb_is_patched(render_restored):
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"myst-nb=={exact_streams.MYST_NB_VERSION}" in requirements
    assert myst_nb.__version__ == exact_streams.MYST_NB_VERSION
    metadata = exact_streams.setup(types.SimpleNamespace())
    assert metadata["parallel_read_safe"]
    assert render.coalesce_streams is exact_streams.coalesce_streams
    pieces = [{"output_type": "stream", "name": "stdout", "text": "w.grad ="},
              {"output_type": "stream", "name": "stdout", "text": " [1. 2.]\n"}]
    merged = render.coalesce_streams([dict(p) for p in pieces])
    assert [o["text"] for o in merged] == ["w.grad = [1. 2.]\n"]
