"""`make grade`: the grader on submissions whose grades are known in advance.

One run of tools/grade.py grades, side by side: the reference (full marks), the untouched
handout as a zip (0), a package that hangs in one part, one with a syntax error, one that
ships a tampering conftest.py, pytest.ini, sitecustomize.py and tests/ folder, and the
planted bugs of tools/mutants.py, one per solution region. The planted bugs are spread
over few submissions on a grid: each submission holds the bugs of one row (or one column)
of the grid, and must lose points in exactly the questions of those bugs. Every two parts
share at most one submission, so a bug whose cost leaked into another question would show
in a submission where that question has no bug of its own.
"""

import csv
import json
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import mutants  # noqa: E402

pytestmark = pytest.mark.edition

HANDOUT = ROOT / "_build" / "student" / "repo" / "code"
TEST_TIMEOUT = 10


def _parts_and_questions():
    entries = grade.manifest(sys.executable, with_parts=True)
    question_of = {part: question for _, question, _, parts in entries for part in parts}
    maximum = {}
    for _, question, points, _ in entries:
        maximum[question] = maximum.get(question, 0) + points
    return question_of, maximum


def _grid(parts: list[str], question_of: dict[str, str]) -> dict[str, list[str]]:
    """Submissions named row-R and col-C: part i sits at row i % k and column
    (i // k + i) % k, with the parts of one question next to each other, so that no row
    or column holds two parts of a question that has at most k parts."""
    ordered = sorted(parts, key=lambda p: (question_of[p], p))
    largest = max(sum(question_of[p] == q for p in parts) for q in set(question_of.values()))
    k = max(math.ceil(math.sqrt(len(ordered))), largest)
    batches: dict[str, list[str]] = {}
    for i, part in enumerate(ordered):
        batches.setdefault(f"row-{i % k}", []).append(part)
        batches.setdefault(f"col-{(i // k + i) % k}", []).append(part)
    return batches


def _plant(parts: list[str], target: Path) -> None:
    """The reference package at ``target/mytorch`` with the planted bug of each part."""
    shutil.copytree(mutants.PACKAGE, target / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    by_part = {m.part: m for m in mutants.MUTANTS if m.part}
    for part in parts:
        mutant = by_part[part]
        path = target / "mytorch" / mutant.file
        text = path.read_text(encoding="utf-8")
        assert text.count(mutant.old) == 1, mutant.name
        path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grades of every fixture submission, from one run of the grader."""
    if not HANDOUT.is_dir():
        pytest.fail("no handout in _build/student/repo: run `make student` (make test does)")
    question_of, maximum = _parts_and_questions()
    submissions = tmp_path_factory.mktemp("submissions")
    shutil.copytree(ROOT / "code", submissions / "reference" / "code", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))

    with zipfile.ZipFile(submissions / "handout.zip", "w") as archive:
        for path in sorted((HANDOUT / "mytorch").rglob("*.py")):
            archive.write(path, Path("code") / path.relative_to(HANDOUT))

    _plant([], submissions / "hangs")
    functional = submissions / "hangs" / "mytorch" / "nn" / "functional.py"
    text = functional.read_text(encoding="utf-8")
    functional.write_text(text.replace("    T = np.zeros((labels.shape[0], num_classes), dtype=dtype)\n",
                                       "    while True:  # an infinite loop\n        pass\n"), encoding="utf-8")

    _plant([], submissions / "syntax_error")
    linear = submissions / "syntax_error" / "mytorch" / "nn" / "linear.py"
    linear.write_text(linear.read_text(encoding="utf-8").replace("return grad @ self.weight.T", "return grad @ self.weight.T)"),
                      encoding="utf-8")

    tampering = submissions / "tampering"
    _plant(["Linear.backward"], tampering)
    (tampering / "conftest.py").write_text(
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n", encoding="utf-8")
    (tampering / "pytest.ini").write_text("[pytest]\naddopts = -p no:python\n", encoding="utf-8")
    (tampering / "sitecustomize.py").write_text("raise SystemExit('sitecustomize ran')\n", encoding="utf-8")
    (tampering / "tests").mkdir()
    (tampering / "tests" / "conftest.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    (tampering / "mytorch" / "conftest.py").write_text("import sys\nsys.exit(4)\n", encoding="utf-8")

    grid = _grid(sorted(question_of), question_of)
    for name, parts in grid.items():
        _plant(parts, submissions / name)

    out = tmp_path_factory.mktemp("grades")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"), str(submissions), "--out", str(out),
                             "--jobs", "2", "--test-timeout", str(TEST_TIMEOUT)],
                            cwd=ROOT, capture_output=True, text=True, env={**grade.os.environ, "HYPOTHESIS_MAX_EXAMPLES": "4"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "out": out, "grid": grid, "question_of": question_of, "maximum": maximum}


def _lost(row, maximum):
    """The questions in which a row lost points."""
    return {q for q, m in maximum.items() if float(row[q]) < m}


def test_grades_csv_has_a_row_per_student_and_a_column_per_question(graded):
    rows = graded["rows"]
    expected = {"reference", "handout", "hangs", "syntax_error", "tampering"} | set(graded["grid"])
    assert set(rows) == expected
    header = list(next(iter(rows.values())))
    assert header[0] == "student" and header[-2:] == ["total", "max"]
    assert set(header[1:-2]) == set(graded["maximum"])


def test_the_reference_scores_full_marks(graded):
    row = graded["rows"]["reference"]
    assert _lost(row, graded["maximum"]) == set()
    assert float(row["total"]) == float(row["max"]) == sum(graded["maximum"].values())


def test_the_untouched_handout_scores_zero(graded):
    row = graded["rows"]["handout"]
    assert float(row["total"]) == 0
    report = json.loads((graded["out"] / "handout" / "results.json").read_text(encoding="utf-8"))
    assert all("NotImplementedError" in test["output"] for test in report["tests"]), "feedback names the stub"


def test_an_infinite_loop_costs_only_the_part_it_is_in(graded):
    row = graded["rows"]["hangs"]
    assert _lost(row, graded["maximum"]) == {"one_hot"}
    assert float(row["one_hot"]) == 0
    report = json.loads((graded["out"] / "hangs" / "results.json").read_text(encoding="utf-8"))
    hung = [t for t in report["tests"] if t["name"].startswith("one_hot:")]
    assert hung and all(f"stopped after {TEST_TIMEOUT} s" in t["output"] for t in hung)


def test_a_syntax_error_scores_zero_and_says_where(graded):
    assert float(graded["rows"]["syntax_error"]["total"]) == 0
    report = json.loads((graded["out"] / "syntax_error" / "results.json").read_text(encoding="utf-8"))
    assert all("SyntaxError" in test["output"] and "linear.py" in test["output"] for test in report["tests"])


def test_files_beside_the_package_change_nothing(graded):
    # The tampering submission carries one real bug, in Linear.backward.
    assert _lost(graded["rows"]["tampering"], graded["maximum"]) == {graded["question_of"]["Linear.backward"]}


def test_each_planted_bug_costs_points_in_its_own_question_and_nowhere_else(graded):
    question_of, maximum = graded["question_of"], graded["maximum"]
    for name, parts in graded["grid"].items():
        expected = {question_of[p] for p in parts}
        assert _lost(graded["rows"][name], maximum) == expected, name


def test_results_json_follows_the_gradescope_format(graded):
    report = json.loads((graded["out"] / "tampering" / "results.json").read_text(encoding="utf-8"))
    assert set(report) >= {"score", "tests"}
    assert report["score"] == sum(t["score"] for t in report["tests"])
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output"}
        assert 0 <= test["score"] <= test["max_score"]
    failed = [t for t in report["tests"] if t["score"] < t["max_score"]]
    assert failed and all(t["name"].startswith("Linear.backward:") and t["output"] for t in failed)
