"""The GitHub workflows a fork runs: CPU-only PyTorch and cached downloads, so that a push
is built in minutes rather than after a multi-gigabyte download."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_torch_comes_from_the_cpu_index_and_downloads_are_cached(path):
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    python = [s for s in steps if s.get("uses", "").startswith("actions/setup-python")]
    node = [s for s in steps if s.get("uses", "").startswith("actions/setup-node")]
    if python:
        assert python[0]["with"]["python-version"] == "3.11" and python[0]["with"]["cache"] == "pip"
        assert "requirements.txt" in python[0]["with"]["cache-dependency-path"]
    if node:
        assert node[0]["with"]["cache"] == "npm"
    assert python or node or not any("run" in s for s in steps)


def test_requirements_pin_torch_without_an_index():
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "torch==2.13.0" in requirements.splitlines()
    assert "--extra-index-url" not in requirements and "--index-url" not in requirements
