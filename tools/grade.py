"""``make grade SUBMISSIONS=dir``: grade every student's ``mytorch`` with the graded tests.

Each entry of ``dir`` is one student's submission, named after the student: a folder or a
``.zip`` holding the package as ``mytorch/`` or ``code/mytorch/`` (also one folder deeper,
as zipping a folder gives). For each, the graded tests (``tests/package/graded``) run with
pytest against that package, and the grader writes ``<out>/<student>/results.json`` in
the format Gradescope's autograder reads, and one ``<out>/grades.csv`` with a row per
student: ``student``, a column per question, ``total``, ``max``.

Student code is untrusted:

- only the ``.py`` files of the submission's ``mytorch`` package are copied into a fresh
  sandbox, so a ``conftest.py``, ``pytest.ini``, ``sitecustomize.py`` or ``tests/`` folder
  beside it never reaches the run; the tests, their configuration and the reference come
  from the instructor's checkout;
- each submission runs in its own process and session (a fork of the grader, which has
  imported NumPy, PyTorch and pytest once for all), with a time limit per test and per
  submission: the grader follows pytest's report log as the tests finish, and when a test
  exceeds its limit (an infinite loop, in Python or in NumPy) it kills the process group
  and starts a new process for the tests that remain, so a hang costs the points of that
  test;
- a crash costs the tests that had not finished, a syntax error every test (with the
  error in the feedback), and neither stops the other submissions;
- two canary tests, one that must pass and one that must fail, detect a submission that
  tampers with pytest from inside the process: its grade is then 0.

Points come from the graded tests' ``question`` markers (tests/package/graded/conftest.py),
read from the reference run of the instructor's checkout, not from the submission's run.

Usage: ``python tools/grade.py SUBMISSIONS [--out DIR] [--jobs N] [--test-timeout S]
[--timeout S]``; the exit status is 0 however badly the students did.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
GRADED = "tests/package/graded"
REFERENCE = ROOT / "code" / "mytorch"
CANARY_PASS = "test_canary_that_must_pass"
CANARY_FAIL = "test_canary_that_must_fail"
CANARY = f'''"""Written by the grader: outcomes a submission cannot change without tampering."""

import pytest


@pytest.mark.question("__canary__", points=0, parts=())
def {CANARY_PASS}():
    assert 1 + 1 == 2


@pytest.mark.question("__canary__", points=0, parts=())
def {CANARY_FAIL}():
    assert 1 + 1 == 3
'''
MAX_ZIP_BYTES = 50_000_000
# The exit status of a run whose package did not import.
IMPORT_FAILED = 5
FEEDBACK_CHARS = 3000


@dataclass
class Test:
    nodeid: str
    question: str
    points: float


@dataclass
class Outcome:
    passed: bool = False
    output: str = ""


@dataclass
class Result:
    student: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    note: str = ""


# ------------------------------------------------------------------------- the manifest
def manifest(python: str, with_parts: bool = False) -> list:
    """Every graded test with its question and points (and, with ``with_parts``, the
    regions it grades, as raw tuples), collected from the reference."""
    code = f"""
import json, sys, pytest
class Collect:
    def __init__(self): self.tests = []
    def pytest_collection_modifyitems(self, items):
        for item in items:
            m = item.get_closest_marker("question")
            parts = m.kwargs.get("parts")
            parts = [m.args[0]] if parts is None else list(parts)
            self.tests.append([item.nodeid, m.args[0], m.kwargs.get("points", 1), parts])
collect = Collect()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", {GRADED!r}], plugins=[collect])
json.dump(collect.tests, sys.stdout) if code == 0 else sys.exit(f"collection failed: {{code}}")
"""
    result = subprocess.run([python, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"grade: collecting the graded tests failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    entries = json.loads(result.stdout.splitlines()[-1])
    if with_parts:
        return [tuple(entry) for entry in entries]
    tests = [Test(*entry[:3]) for entry in entries]
    if not tests:
        raise SystemExit("grade: no graded tests found")
    return tests


# ---------------------------------------------------------------------- the submissions
def student_name(entry: Path) -> str:
    name = entry.stem if entry.suffix == ".zip" else entry.name
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "student"


def find_package(root: Path) -> Path | None:
    """The shallowest ``mytorch/__init__.py`` within three levels, preferring
    ``mytorch/`` and ``code/mytorch/``."""
    candidates = sorted((p.parent for p in root.rglob("__init__.py")
                         if p.parent.name == "mytorch" and len(p.relative_to(root).parts) <= 4),
                        key=lambda p: len(p.parts))
    return candidates[0] if candidates else None


def unpack(entry: Path, into: Path) -> Path:
    """The submission as a folder: a copy of a folder, or a checked extraction of a zip."""
    if entry.is_dir():
        shutil.copytree(entry, into, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".git"))
        return into
    with zipfile.ZipFile(entry) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError(f"the zip file unpacks to more than {MAX_ZIP_BYTES // 1_000_000} MB")
        for member in members:
            target = (into / member.filename).resolve()
            if not target.is_relative_to(into.resolve()):
                raise ValueError(f"the zip file holds a path outside itself: {member.filename}")
        archive.extractall(into)
    return into


def sandbox_for(entry: Path, work: Path) -> tuple[Path, str]:
    """A fresh folder holding the submission's package (its .py files only), the
    instructor's tests and the reference tools; returns it and a note for the feedback."""
    if work.exists():
        shutil.rmtree(work)
    (work / "pkg").mkdir(parents=True)
    raw = unpack(entry, Path(tempfile.mkdtemp(prefix="submission-", dir=work)) / "raw")
    package = find_package(raw)
    if package is None:
        raise ValueError("no mytorch package found: expected mytorch/__init__.py or code/mytorch/__init__.py")
    for path in package.rglob("*.py"):
        if path.is_symlink() or "__pycache__" in path.parts:
            continue
        target = work / "pkg" / "mytorch" / path.relative_to(package)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.rmtree(raw.parent)
    ignored = sorted(p.name for p in entry.iterdir() if p.name not in ("mytorch", "code")) if entry.is_dir() else []
    shutil.copytree(TESTS, work / "tests", ignore=shutil.ignore_patterns(
        "__pycache__", "visible", "reference", "chapters", "course", "site"))
    (work / GRADED / "test_zz_canary.py").write_text(CANARY, encoding="utf-8")
    (work / "tools").mkdir()
    shutil.copyfile(ROOT / "tools" / "regions.py", work / "tools" / "regions.py")
    shutil.copyfile(ROOT / "pytest.ini", work / "pytest.ini")
    note = f"ignored beside the package: {', '.join(ignored)}" if ignored else ""
    return work, note


# ---------------------------------------------------------------------------- the run
# What every run imports before it reaches a submission. The grader imports them once and
# starts each run as a fork of itself, which saves every submission seconds of imports.
# (Not hypothesis: pytest must import its plugin itself, to rewrite its assertions.)
PRELOAD = ("numpy", "torch", "torch.nn.functional", "torch.optim.sgd", "pytest")
# Set before NumPy and PyTorch load, so that neither starts a thread pool: forking a
# process that runs other threads is unsafe.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Run:
    """One submission being graded: its sandbox, the tests that have no outcome yet, and
    the process running them. A process that stops making progress is killed and the
    tests that remain go to a new one."""

    def __init__(self, entry: Path, tests: list[Test], out: Path, test_timeout: float, timeout: float):
        self.result = Result(student_name(entry))
        self.test_timeout = test_timeout
        self.deadline = time.monotonic() + timeout
        self.attempt = 0
        self.done = False
        try:
            self.work, self.result.note = sandbox_for(entry, out / ".work" / self.result.student)
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            for test in tests:
                self.result.outcomes[test.nodeid] = Outcome(False, f"not graded: {exc}")
            self.done = True
            return
        self.canaries = [f"{GRADED}/test_zz_canary.py::{CANARY_PASS}", f"{GRADED}/test_zz_canary.py::{CANARY_FAIL}"]
        self.remaining = [t.nodeid for t in tests] + self.canaries
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work),
            "HYPOTHESIS_PROFILE": "grading",
            "MYTORCH_REFERENCE": str(REFERENCE),
            "MYTORCH_SUBMISSION": str(self.work / "pkg"),
            "MYTORCH_TOOLS": str(self.work / "tools"),
            **SINGLE_THREADED,
        }
        if "HYPOTHESIS_MAX_EXAMPLES" in os.environ:  # the grader's own tests run fewer examples
            self.env["HYPOTHESIS_MAX_EXAMPLES"] = os.environ["HYPOTHESIS_MAX_EXAMPLES"]
        self.start()

    def start(self) -> None:
        """Fork a process that runs the remaining tests with pytest, in its own session."""
        self.attempt += 1
        self.log = self.work / f"report-{self.attempt}.jsonl"
        self.output = self.work / f"output-{self.attempt}.txt"
        args = ["-c", str(self.work / "pytest.ini"), "--rootdir", str(self.work), "-p", "no:cacheprovider", "-q",
                "--continue-on-collection-errors", "--report-log", str(self.log), *self.remaining]
        self.last_size, self.last_change, self.killed, self.status = -1, time.monotonic(), None, None
        pid = os.fork()
        if pid == 0:  # the child: it never returns
            code = 3
            try:
                os.setsid()
                descriptor = os.open(self.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(descriptor, 1)
                os.dup2(descriptor, 2)
                os.chdir(self.work)
                os.environ.clear()
                os.environ.update(self.env)
                sys.dont_write_bytecode = True
                sys.path.insert(0, str(self.work / "pkg"))
                # A package that does not import fails every test with its own error.
                # Imported here, pytest would report only the test modules that import
                # it first: NumPy-only modules already in sys.modules would stay usable.
                code = IMPORT_FAILED
                import pytest

                import mytorch  # noqa: F401

                code = pytest.main(args)
            except BaseException:  # noqa: BLE001 (report whatever happened, then leave)
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(code))
        self.pid = pid

    def poll(self) -> bool:
        """Check the running process; returns True once the submission is graded."""
        if self.done:
            return True
        finished, status = os.waitpid(self.pid, os.WNOHANG)
        if finished == 0:
            size = self.log.stat().st_size if self.log.exists() else 0
            now = time.monotonic()
            if size != self.last_size:
                self.last_size, self.last_change = size, now
            # The first test also waits for the imports and the collection.
            limit = self.test_timeout * (3 if size == 0 else 1)
            if now - self.last_change <= limit and now <= self.deadline:
                return False
            self.killed = "deadline" if now > self.deadline else "test"
            os.killpg(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(status)
        self.collect()
        if self.remaining:
            self.start()
            return False
        self.finish()
        return True

    def collect(self) -> None:
        """Record what the last process reported, and what remains to run."""
        result, remaining = self.result, self.remaining
        known = len(result.outcomes)
        output = self.output.read_text(encoding="utf-8", errors="replace") if self.output.exists() else ""
        if self.status == IMPORT_FAILED:
            for nodeid in remaining:
                result.outcomes[nodeid] = Outcome(False, "the package does not import, so no test ran:\n"
                                                  + output[-FEEDBACK_CHARS:])
            self.remaining = []
            return
        outcomes, broken_modules, running = _read_log(self.log)
        for nodeid, outcome in outcomes.items():
            result.outcomes.setdefault(nodeid, outcome)
        for module, error in broken_modules.items():  # a test module did not import
            for nodeid in remaining:
                if nodeid.startswith(module + "::"):
                    result.outcomes.setdefault(nodeid, Outcome(False, error))
        if running is not None:
            if self.killed == "deadline":
                why = "not finished: the submission's total time limit was reached"
            elif self.killed == "test":
                why = f"stopped after {self.test_timeout:g} s without finishing: an infinite loop?"
            else:
                why = f"the test process crashed during this test (exit status {self.status})"
            result.outcomes[running] = Outcome(False, why)
        self.remaining = [n for n in remaining if n not in result.outcomes]
        if self.remaining and (len(result.outcomes) == known or (self.killed is None and running is None)):
            # pytest ended without reporting these tests, or a process reported nothing at
            # all (a hang while collecting, say), which a new one would repeat.
            why = "no result: the test run ended early" if self.killed is None else \
                f"no result: the test process was stopped ({self.killed} time limit) before reporting a test"
            for nodeid in self.remaining:
                result.outcomes[nodeid] = Outcome(False, f"{why}\n{output[-FEEDBACK_CHARS:]}")
            self.remaining = []
        if time.monotonic() >= self.deadline:
            for nodeid in self.remaining:
                result.outcomes[nodeid] = Outcome(False, "not run: the submission's total time limit was reached")
            self.remaining = []

    def finish(self) -> None:
        """Check the canaries and remove the sandbox."""
        outcomes = self.result.outcomes
        canary_pass = outcomes.pop(self.canaries[0], Outcome()).passed
        canary_fail = outcomes.pop(self.canaries[1], Outcome()).passed
        if canary_fail or (not canary_pass and any(o.passed for o in outcomes.values())):
            self.result.note = "the test run was tampered with from inside the submission: every test counts as failed"
            for nodeid in outcomes:
                outcomes[nodeid] = Outcome(False, self.result.note)
        shutil.rmtree(self.work, ignore_errors=True)
        self.done = True


def grade_all(entries: list[Path], tests: list[Test], out: Path, jobs: int, test_timeout: float,
              timeout: float) -> list[Result]:
    """Grade every submission, ``jobs`` at a time, from this one thread."""
    os.environ.update(SINGLE_THREADED)
    for module in PRELOAD:
        importlib.import_module(module)
    waiting, running, results = list(entries), [], []
    while waiting or running:
        while waiting and len(running) < jobs:
            running.append(Run(waiting.pop(0), tests, out, test_timeout, timeout))
        for run in list(running):
            if run.poll():
                running.remove(run)
                results.append(run.result)
        time.sleep(0.05)
    return results


def _read_log(log: Path) -> tuple[dict[str, Outcome], dict[str, str], str | None]:
    """From pytest's report log: the outcomes of the tests that finished, the modules that
    failed to import with their errors, and the test that was running when it stopped."""
    outcomes: dict[str, Outcome] = {}
    broken: dict[str, str] = {}
    phases: dict[str, list] = {}
    if not log.exists():
        return outcomes, broken, None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the last line of a killed run may be cut short
        kind = entry.get("$report_type")
        if kind == "CollectReport" and entry.get("outcome") == "failed":
            broken[entry["nodeid"]] = _text(entry.get("longrepr"))
        elif kind == "TestReport":
            phases.setdefault(entry["nodeid"], []).append(entry)
    running = None
    for nodeid, entries in phases.items():
        failed = [e for e in entries if e["outcome"] == "failed"]
        finished = any(e["when"] == "teardown" for e in entries)
        if failed:
            outcomes[nodeid] = Outcome(False, _text(failed[0].get("longrepr")))
        elif finished:
            outcomes[nodeid] = Outcome(all(e["outcome"] == "passed" for e in entries), "")
        else:
            running = nodeid
    return outcomes, broken, running


def _text(longrepr) -> str:
    """The failure text pytest's report log holds, shortened for the feedback."""
    if isinstance(longrepr, dict):
        crash = (longrepr.get("reprcrash") or {}).get("message", "")
        entries = (longrepr.get("reprtraceback") or {}).get("reprentries") or []
        lines = entries[-1].get("data", {}).get("lines", []) if entries else []
        text = "\n".join(lines[-25:]) + ("\n" + crash if crash else "")
    elif isinstance(longrepr, (list, tuple)):
        text = str(longrepr[-1])
    else:
        text = str(longrepr or "")
    return text[-FEEDBACK_CHARS:]


# ---------------------------------------------------------------------------- reports
def questions_of(tests: list[Test]) -> list[str]:
    return list(dict.fromkeys(t.question for t in tests))


def write_reports(results: list[Result], tests: list[Test], out: Path) -> None:
    questions = questions_of(tests)
    maximum = {q: sum(t.points for t in tests if t.question == q) for q in questions}
    rows = []
    for result in sorted(results, key=lambda r: r.student):
        entries, score = [], {q: 0.0 for q in questions}
        for test in tests:
            outcome = result.outcomes.get(test.nodeid, Outcome(False, "no result"))
            points = test.points if outcome.passed else 0.0
            score[test.question] += points
            entries.append({
                "name": f"{test.question}: {test.nodeid.rsplit('::', 1)[-1]}",
                "score": points,
                "max_score": test.points,
                "output": outcome.output,
                "visibility": "visible",
            })
        total = sum(score.values())
        report = {"score": total, "max_score": sum(maximum.values()),
                  "output": result.note or f"{total:g} of {sum(maximum.values()):g} points", "tests": entries}
        folder = out / result.student
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        rows.append([result.student] + [f"{score[q]:g}" for q in questions]
                    + [f"{total:g}", f"{sum(maximum.values()):g}"])
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student"] + questions + ["total", "max"])
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Grade each submission's mytorch with the graded tests.")
    parser.add_argument("submissions", type=Path, help="a folder with one folder or .zip per student")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "grades")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 1))
    parser.add_argument("--test-timeout", type=float, default=60.0, help="seconds one test may take")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds one submission may take")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"grade: expected a folder of submissions, got {args.submissions}", file=sys.stderr)
        return 2
    entries = sorted(p for p in args.submissions.iterdir()
                     if (p.is_dir() or p.suffix == ".zip") and not p.name.startswith("."))
    names = [student_name(e) for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        print(f"grade: two submissions are named after the same student: {duplicates}", file=sys.stderr)
        return 2
    tests = manifest(sys.executable)
    args.out.mkdir(parents=True, exist_ok=True)
    results = grade_all(entries, tests, args.out, args.jobs, args.test_timeout, args.timeout)
    shutil.rmtree(args.out / ".work", ignore_errors=True)
    write_reports(results, tests, args.out)
    for result in sorted(results, key=lambda r: r.student):
        passed = sum(o.passed for n, o in result.outcomes.items() if "canary" not in n)
        note = f" ({result.note})" if result.note else ""
        print(f"{result.student}: {passed} of {len(tests)} tests passed{note}")
    print(f"wrote {args.out / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
