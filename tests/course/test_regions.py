"""The solution regions of the reference package, which the student edition stubs and the
grader grades one at a time."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import mutants  # noqa: E402
import regions  # noqa: E402

REGIONS = regions.package_regions()
FILES = sorted({r.path for r in REGIONS})


def test_the_package_has_the_regions_a_course_asks_students_to_write():
    names = {r.qualname for r in REGIONS}
    expected = {"Value.backward", "Value.topological_order", "Value.__add__", "Value.__mul__", "Value.sin",
                "Linear.forward", "Linear.backward", "ReLU.backward", "Sigmoid.backward", "Tanh.backward",
                "CrossEntropyLoss.forward", "CrossEntropyLoss.backward", "MSELoss.backward", "BCELoss.backward",
                "SGD.step", "im2col", "col2im", "Conv2d.forward", "Conv2d.backward", "MaxPool2d.backward",
                "numerical_gradient", "Sequential.backward", "softmax"}
    assert expected <= names, sorted(expected - names)


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: f"{r.qualname}@{r.begin}")
def test_every_region_names_where_it_is_derived(region):
    where = regions.chapter_of(region.label)
    assert where is not None, f"{region.qualname}: label {region.label} is defined in no chapter of book/"


def test_qualified_names_are_unique():
    # The grader finds a part by its qualified name alone.
    names = [r.qualname for r in REGIONS]
    functions = {(r.module, r.qualname) for r in REGIONS}
    assert len({n for n in names}) == len(functions)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_student_copy_differs_only_inside_the_regions(path):
    original = path.read_text(encoding="utf-8").splitlines(keepends=True)
    student = regions.student_source(path).splitlines(keepends=True)
    ast.parse("".join(student))  # it compiles
    assert "SOLUTION" not in "".join(student)
    position, offset = 0, 0
    for region in regions.regions(path):
        outside = original[position:region.begin - 1]
        assert student[position + offset:region.begin - 1 + offset] == outside
        size = len(regions.stub_lines(region))
        stub = student[region.begin - 1 + offset:region.begin - 1 + offset + size]
        assert "raise NotImplementedError(" in stub[0] and stub[-1].strip() == ")"
        message = ast.literal_eval(" ".join(line.strip() for line in stub[1:-1]))
        assert region.qualname in message and region.label in message
        assert max(len(line.rstrip("\n")) for line in stub) <= 88
        offset += size - (region.end - region.begin + 1)
        position = region.end
    assert student[position + offset:] == original[position:]


def test_a_stub_raises_not_implemented_error_with_its_message(tmp_path):
    package = tmp_path / "mytorch"
    for path in sorted(regions.PACKAGE.rglob("*.py")):
        target = package / path.relative_to(regions.PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(regions.student_source(path), encoding="utf-8")
    probe = ("import numpy as np\nfrom mytorch import nn\n"
             "try:\n    nn.Linear(2, 3).forward(np.ones((1, 2)))\n"
             "except NotImplementedError as e:\n    print(e)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == ("Linear.forward: not written yet; it is derived in equation "
                                     "eq-linear-forward of 'The linear layer' (book/03_linear.md)")


def test_every_region_is_graded_by_exactly_one_question():
    questions = {}
    for nodeid, question, points, parts in grade.manifest(sys.executable, with_parts=True):
        assert points > 0, nodeid
        for part in parts:
            questions.setdefault(part, set()).add(question)
    assert set(questions) == {r.qualname for r in REGIONS}
    assert {part: qs for part, qs in questions.items() if len(qs) > 1} == {}


def test_every_region_has_a_planted_bug_and_every_planted_bug_applies(tmp_path):
    assert {m.part for m in mutants.MUTANTS if m.part} == {r.qualname for r in REGIONS}
    for number, mutant in enumerate(mutants.MUTANTS):
        mutants.planted_copy(mutant, tmp_path / str(number))
