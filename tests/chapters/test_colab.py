"""Run every chapter notebook the way Colab does.

Colab opens the committed ``.ipynb`` alone: no repository on disk, ``mytorch`` installed as
a regular package, the working directory somewhere else. This test recreates that: it
builds a wheel of ``code/``, installs it (not editable) into a fresh virtual environment
that borrows the other packages from ``.venv``, and executes each notebook with nbclient
from a temporary directory. A chapter that reads a file by a path inside the repository,
or imports something only the repository provides, fails here as it would on Colab.

The executed notebooks are kept in ``.cache/colab-run/`` so that the site tests can
compare their outputs with the book's own execution: two independent runs must agree.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import notebooks  # noqa: E402

CHAPTERS = notebooks.chapters()
RUN_DIR = ROOT / ".cache" / "colab-run"


@pytest.fixture(scope="session")
def colab_python(tmp_path_factory):
    """A Python whose ``mytorch`` comes from a wheel and which cannot see the repository."""
    base = tmp_path_factory.mktemp("colab")
    wheels = base / "wheels"
    # Build from a copy: setuptools leaves build/ and *.egg-info/ beside the sources.
    source = shutil.copytree(ROOT / "code", base / "code",
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(source)],
        check=True,
    )
    (wheel,) = wheels.glob("mytorch-*.whl")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
    )
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Borrow numpy, torch, ipykernel, ... from .venv. Paths listed in a .pth file are added
    # to sys.path, but .pth files inside them are not run, so .venv's editable hook for
    # mytorch stays inactive and the wheel's copy is the one imported.
    (site / "borrowed_from_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def test_the_colab_environment_imports_the_wheel_not_the_repository(colab_python, tmp_path):
    probe = subprocess.run(
        [str(colab_python), "-c", "import sys, mytorch; print(mytorch.__file__); print(*sys.path, sep='\\n')"],
        cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    module_file, path = probe[0], probe[1:]
    assert "site-packages" in module_file and not module_file.startswith(str(ROOT))
    assert str(ROOT) not in path and str(ROOT / "code") not in path


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_like_colab(md, colab_python, tmp_path):
    notebook = md.with_suffix(".ipynb")
    workdir = tmp_path / "content"  # Colab's working directory, far from the repository
    workdir.mkdir()
    (workdir / notebook.name).write_bytes(notebook.read_bytes())
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    runner = textwrap.dedent(
        """
        import sys, nbformat
        from nbclient import NotebookClient
        nb = nbformat.read(sys.argv[1], as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
        nbformat.write(nb, sys.argv[2])
        """
    )
    result = subprocess.run(
        [str(colab_python), "-c", runner, notebook.name, str(RUN_DIR / notebook.name)],
        cwd=workdir, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"{notebook.name} failed outside the repository:\n{result.stderr[-4000:]}"
    executed = json.loads((RUN_DIR / notebook.name).read_text(encoding="utf-8"))
    errors = [out for cell in executed["cells"] for out in cell.get("outputs", []) if out["output_type"] == "error"]
    stderr = [out for cell in executed["cells"] for out in cell.get("outputs", [])
              if out["output_type"] == "stream" and out["name"] == "stderr"]
    assert errors == [] and stderr == [], f"{notebook.name}: errors {errors} stderr {stderr}"
