"""Per-student backpropagation problems (mytorch.problems) and their sheets (tools/problems.py).

Values and gradients are checked against PyTorch in float64 (the formula string evaluated
with torch functions), the table against its own definitions evaluated with the math
module and against central differences, and a student who rounds every number to four
significant digits against the check's tolerance.
"""

import csv
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mytorch import Value
from mytorch.problems import (
    FUNCTIONS,
    INPUTS,
    CheckReport,
    backprop_problem,
    normalize_id,
)

pytestmark = pytest.mark.ch01

ROOT = Path(__file__).resolve().parents[3]
IDS = [f"student {i:04d}" for i in range(1000)]


@pytest.fixture(scope="module")
def problems():
    return [backprop_problem(i) for i in IDS]


def full_answers(problem):
    """Every entry of the table, exact: row values, grad_<row>, and the inputs' gradients."""
    answers = {n.name: n.value for n in problem.nodes}
    answers.update({f"grad_{n.name}": n.grad for n in problem.nodes})
    answers.update(problem.gradient)
    return answers


# ------------------------------------------------------------------------ determinism
def test_same_id_gives_the_same_problem_and_ids_are_normalised():
    assert backprop_problem("Ada Lovelace") == backprop_problem("Ada Lovelace")
    assert backprop_problem("  ADA \t lovelace\n") == backprop_problem("Ada Lovelace")
    assert normalize_id("  ADA \t lovelace\n") == "ada lovelace"
    # NFC: an accent typed as one character or as a combining mark is the same name.
    assert backprop_problem("Jos\u00e9") == backprop_problem("Jose\u0301")
    assert backprop_problem("Ada Lovelace").formula != backprop_problem("Ada Lovelace 2").formula


def test_golden_problems_are_the_same_on_every_machine():
    # The problem of an ID must never change: students of a course on different machines,
    # Python and NumPy versions have to get the same formula as the answer key. These
    # strings were written down once; a change to the generator that alters them changes
    # every student's problem and must be a deliberate new version, not an accident.
    ada = backprop_problem("Ada Lovelace")
    assert ada.formula == "(x4 - (x5 + x2 * x1 - 2)) / (exp(x4) + cos(tan(x3)))"
    assert ada.point == {"x1": 1.0, "x2": 3.0, "x3": -0.5, "x4": -1.0, "x5": -3.0}
    emmy = backprop_problem("Emmy Noether")  # the example of the chapter's exercise
    assert emmy.formula == "exp(x1 * (x5 + x3)) - (x3 / x4 - 2 - cos(x2))"
    assert emmy.point == {"x1": -0.5, "x2": 3.0, "x3": -3.0, "x4": -1.0, "x5": 2.0}
    assert [(n.name, n.definition) for n in emmy.nodes] == [
        ("a", "x5 + x3"), ("b", "x1 * a"), ("c", "exp(b)"), ("d", "x3 / x4"),
        ("g", "d - 2"), ("h", "cos(x2)"), ("j", "g - h"), ("f", "c - j"),
    ]
    # By hand: f = e^(1/2) - (3 - 2 - cos 3); x3 feeds a (through b = x1 a) and d = x3 / x4.
    root_e = math.exp(0.5)
    assert abs(emmy.value - (root_e - 1 + math.cos(3))) < 1e-12
    by_hand = {"x1": -root_e, "x2": -math.sin(3), "x3": 1 - 0.5 * root_e, "x4": -3.0, "x5": -0.5 * root_e}
    for x, g in by_hand.items():
        assert abs(emmy.gradient[x] - g) < 1e-12, x


def test_bad_ids_are_refused():
    for bad in ("", "   \t"):
        with pytest.raises(ValueError, match="non-empty"):
            backprop_problem(bad)
    with pytest.raises(ValueError, match="expected a str, got int"):
        backprop_problem(42)


# ------------------------------------------------------------------ against PyTorch
TORCH = {"exp": torch.exp, "log": torch.log, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
         "tanh": torch.tanh, "atan": torch.atan, "sqrt": torch.sqrt, "sigmoid": torch.sigmoid}


def test_value_and_gradient_match_pytorch(problems):
    assert set(TORCH) == set(FUNCTIONS)
    for problem in problems:
        xs = {x: torch.tensor(v, dtype=torch.float64, requires_grad=True) for x, v in problem.point.items()}
        f = eval(problem.formula, {"__builtins__": {}, **TORCH}, dict(xs))
        f.backward()
        assert abs(f.item() - problem.value) <= 1e-10 * (1 + abs(f.item())), problem.formula
        for x in INPUTS:
            expected = xs[x].grad.item()
            assert abs(problem.gradient[x] - expected) <= 1e-10 * (1 + abs(expected)), (problem.formula, x)


def test_formula_string_runs_with_value_and_evaluate_labels_every_node(problems):
    value_functions = {fn: getattr(Value, fn) for fn in FUNCTIONS if fn != "sqrt"}
    value_functions["sqrt"] = lambda u: u**0.5
    for problem in problems[:100]:
        xs = {x: Value(v) for x, v in problem.point.items()}
        f = eval(problem.formula, {"__builtins__": {}, **value_functions}, dict(xs))
        f.backward()
        assert abs(f.data - problem.value) <= 1e-12 * (1 + abs(f.data))
        out, values = problem.evaluate()
        assert out.label == "f" and abs(out.data - problem.value) <= 1e-12 * (1 + abs(out.data))
        assert set(values) == set(INPUTS) | {n.name for n in problem.nodes}
        for x in INPUTS:
            assert abs(values[x].grad - xs[x].grad) <= 1e-12 * (1 + abs(xs[x].grad))


# ------------------------------------------------- the table, independently of Value
MATH = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan,
        "tanh": math.tanh, "atan": math.atan, "sqrt": math.sqrt, "sigmoid": lambda u: 1 / (1 + math.exp(-u))}


def forward(problem, point=None, bump=None, h=0.0):
    """Every row evaluated from its definition string with the math module, at ``point``
    (default: the problem's); the row named ``bump`` is shifted by ``h`` after it is
    computed, and the rows after it see the shift."""
    env = dict(point or problem.point)
    for n in problem.nodes:
        env[n.name] = eval(n.definition, {"__builtins__": {}, **MATH}, env) + (h if n.name == bump else 0.0)
    return env


def test_table_rows_are_single_operations_that_reproduce_the_values(problems):
    for problem in problems[:200]:
        assert problem.nodes[-1].name == "f"
        known = set(INPUTS)
        for n in problem.nodes:
            names = [o for o in n.operands if isinstance(o, str)]
            assert names and set(names) <= known, (n, known)
            known.add(n.name)
        env = forward(problem)
        for n in problem.nodes:
            assert abs(env[n.name] - n.value) <= 1e-12 * (1 + abs(n.value)), (problem.formula, n)


def test_table_gradients_match_central_differences(problems):
    """grad of a row = d f / d row, the rows that use it recomputed: a central difference
    in the row's value, which knows nothing of local derivatives."""
    h = 1e-6
    for problem in problems[:60]:
        for n in problem.nodes:
            numeric = (forward(problem, bump=n.name, h=h)["f"] - forward(problem, bump=n.name, h=-h)["f"]) / (2 * h)
            assert abs(n.grad - numeric) <= 1e-6 * (1 + abs(numeric)), (problem.formula, n.name, n.grad, numeric)
        for x in INPUTS:
            plus, minus = dict(problem.point), dict(problem.point)
            plus[x] += h
            minus[x] -= h
            numeric = (forward(problem, plus)["f"] - forward(problem, minus)["f"]) / (2 * h)
            assert abs(problem.gradient[x] - numeric) <= 1e-6 * (1 + abs(numeric)), (problem.formula, x)


# -------------------------------------------------------------------- what a problem is
def structure(formula):
    """The formula with every number and every input index replaced: its shape and operations."""
    return re.sub(r"x[1-5]", "x", re.sub(r"(?<![\w.])\d+(\.\d+)?", "N", formula))


def test_formulas_are_structurally_different(problems):
    shapes = {structure(p.formula) for p in problems[:500]}
    assert len(shapes) >= 0.95 * 500, f"only {len(shapes)} distinct structures over 500 IDs"


def test_every_problem_has_five_operations_two_functions_and_all_inputs(problems):
    for problem in problems:
        assert len(problem.nodes) >= 5, problem.formula
        functions = {n.op for n in problem.nodes if n.op in FUNCTIONS}
        assert len(functions) >= 2, problem.formula
        for x in INPUTS:
            assert re.search(rf"\b{x}\b", problem.formula), (problem.formula, x)


def test_every_problem_is_tame_at_its_point(problems):
    for problem in problems:
        values = {**problem.point, **{n.name: n.value for n in problem.nodes}}
        for x, v in problem.point.items():
            assert abs(v) <= 3 and float(2 * v).is_integer(), (x, v)  # halves and integers
        for n in problem.nodes:
            args = [values[o] if isinstance(o, str) else o for o in n.operands]
            if n.op in ("log", "sqrt"):
                assert args[0] >= 0.2, (problem.formula, n)
            if n.op == "/":
                assert abs(args[1]) >= 0.5, (problem.formula, n)
            if n.op == "tan":
                assert abs(math.cos(args[0])) >= 0.3, (problem.formula, n)
            assert math.isfinite(n.value) and abs(n.value) <= 50, (problem.formula, n)
            assert math.isfinite(n.grad) and abs(n.grad) <= 50, (problem.formula, n)
        for x, g in problem.gradient.items():
            assert math.isfinite(g) and 0.01 <= abs(g) <= 50, (problem.formula, x, g)


# A student's hand computation: every number written down rounded to four significant
# digits, local derivatives taken from the rounded operands, either from the result y as
# the book writes them (1 - y^2 for tanh) or from the operand u (1 - tanh(u)^2).
def _local(op, u, v, y, from_result):
    if op == "+":
        return (1.0, 1.0)
    if op == "-":
        return (1.0, -1.0)
    if op == "*":
        return (v, u)
    if op == "/":
        return (1 / v, -u / v**2)
    if op == "**":
        return (v * u ** (v - 1),)
    s = 1 / (1 + math.exp(-u))
    if from_result:
        table = {"exp": lambda: y, "tan": lambda: 1 + y * y, "tanh": lambda: 1 - y * y,
                 "sqrt": lambda: 1 / (2 * y), "sigmoid": lambda: y * (1 - y)}
    else:
        table = {"exp": lambda: math.exp(u), "tan": lambda: 1 / math.cos(u) ** 2, "tanh": lambda: 1 - math.tanh(u) ** 2,
                 "sqrt": lambda: 0.5 / math.sqrt(u), "sigmoid": lambda: s * (1 - s)}
    table.update({"log": lambda: 1 / u, "sin": lambda: math.cos(u), "cos": lambda: -math.sin(u),
                  "atan": lambda: 1 / (1 + u * u)})
    return (table[op](),)


def by_hand(problem, from_result, digits=4):
    def r(x):
        return float(f"{x:.{digits}g}")

    val = dict(problem.point)
    local = {}
    for n in problem.nodes:
        args = [val[o] if isinstance(o, str) else o for o in n.operands]
        y = r(eval(n.definition, {"__builtins__": {}, **MATH}, val))
        local[n.name] = _local(n.op, args[0], args[1] if len(args) > 1 else None, y, from_result)
        val[n.name] = y
    grad = dict.fromkeys(val, 0.0)
    grad["f"] = 1.0
    for n in reversed(problem.nodes):
        for o, d in zip(n.operands, local[n.name]):
            if isinstance(o, str):
                grad[o] = r(grad[o] + r(grad[n.name] * r(d)))
    answers = {n.name: val[n.name] for n in problem.nodes}
    answers.update({f"grad_{n.name}": grad[n.name] for n in problem.nodes})
    answers.update({x: grad[x] for x in INPUTS})
    return answers


def test_a_hand_computation_with_four_significant_digits_passes_the_check(problems):
    for problem in problems[:300]:
        for from_result in (True, False):
            report = problem.check(by_hand(problem, from_result))
            assert report.complete, (problem.formula, from_result, str(report))


# --------------------------------------------------------------------------- check()
def test_check_accepts_a_correct_table_rounded_to_four_digits():
    problem = backprop_problem("Emmy Noether")
    answers = {k: float(f"{v:.4g}") for k, v in full_answers(problem).items()}
    report = problem.check(answers)
    assert isinstance(report, CheckReport)
    assert report.ok and report.complete
    assert report.wrong == {} and report.unknown == () and report.missing == ()
    assert len(report.right) == len(answers)
    assert "The whole table is right" in str(report)
    # Aliases, strings from a CSV file, spaces and case in names.
    report = problem.check({"value": "-0.3413", " GRAD_X4 ": "-3", "x5": -0.8244, "C": 1.649})
    assert report.ok and not report.complete
    assert set(report.right) == {"value", "grad_x4", "x5", "c"}
    assert "x4" not in report.missing and "f" not in report.missing and "grad_f" not in report.missing


def test_check_names_wrong_numbers_with_expected_and_given():
    problem = backprop_problem("Emmy Noether")
    answers = full_answers(problem)
    # The classic slips: a forgotten path (x3 gets only its share through a), a sign.
    answers["x3"] = answers["grad_a"]
    answers["grad_h"] = -answers["grad_h"]
    report = problem.check(answers)
    assert not report.ok and not report.complete
    assert list(report.wrong) == ["grad_h", "x3"]  # in the order of the computation
    expected, given = report.wrong["x3"]
    assert abs(expected - (1 - 0.5 * math.exp(0.5))) < 1e-12 and given == answers["x3"]
    text = str(report)
    assert "grad_h" in text and "x3" in text and "expected 0.175639" in text
    # A relative error of 1%, well above the tolerance, is wrong for every entry.
    for name, exact in full_answers(problem).items():
        if name == "grad_f":
            continue
        off = problem.check({name: exact + 0.01 * (abs(exact) + 1)})
        assert list(off.wrong) == [name], name


def test_check_reports_unknown_names_and_refuses_non_numbers():
    problem = backprop_problem("Emmy Noether")
    report = problem.check({"a": -1, "z": 3.0, "grad_q": 1.0, "x6": 0.0})
    assert report.unknown == ("z", "grad_q", "x6")
    assert report.right == ("a",)
    assert not report.ok  # an unknown name is a mistake too
    assert "unknown names" in str(report) and "grad_q" in str(report)
    assert not problem.check({}).ok
    with pytest.raises(ValueError, match="expected a number for 'a', got 'one'"):
        problem.check({"a": "one"})
    with pytest.raises(ValueError, match="expected a number for 'a', got True"):
        problem.check({"a": True})
    with pytest.raises(ValueError, match="expected a dict"):
        problem.check([("a", 1.0)])
    with pytest.raises(ValueError, match="rtol >= 0"):
        problem.check({"a": -1}, rtol=-1)


# --------------------------------------------------------------------------------- CLI
def run(*args, cwd=None):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_command_line_prints_the_worksheet_and_the_key():
    problem = backprop_problem("Emmy Noether")
    sheet = run("-m", "mytorch.problems", "Emmy", "Noether")
    assert sheet.returncode == 0 and sheet.stderr == ""
    assert problem.formula in sheet.stdout and "x1 = -0.5" in sheet.stdout
    assert re.search(r"d\s+x3 / x4\s+_+\s+_+", sheet.stdout)
    assert "1.64872" not in sheet.stdout  # no answers on the worksheet
    key = run("-m", "mytorch.problems", "--answers", "emmy noether")
    assert key.returncode == 0
    assert re.search(r"c\s+exp\(b\)\s+1\.64872\s+1\b", key.stdout)
    assert re.search(r"x4\s+input\s+-1\s+-3\b", key.stdout)
    empty = run("-m", "mytorch.problems", " ")
    assert empty.returncode == 2 and "non-empty" in empty.stderr


# ----------------------------------------------------------------------- the sheets tool
def make_sheets(tmp_path, text):
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    return run(str(ROOT / "tools" / "problems.py"), str(roster), "--out", str(tmp_path / "out"))


def test_tool_writes_a_sheet_per_student_and_the_answer_key(tmp_path):
    result = make_sheets(tmp_path, "email,Student,group\na@x.org,Emmy Noether,1\nb@x.org, Jos\u00e9 Mart\u00ed ,2\nc@x.org,Ada Lovelace,1\n")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "ada-lovelace.html", "answer_key.csv", "emmy-noether.html", "index.html", "jose-marti.html"]
    emmy = backprop_problem("Emmy Noether")
    page = (out / "emmy-noether.html").read_text(encoding="utf-8")
    # Self-contained and printable: no external resource, every row present and empty.
    assert not re.search(r"https?://|<script|<link|@import", page)
    assert "@media print" in page
    for n in emmy.nodes:
        assert f"<td><i>{n.name}</i></td><td>{n.definition_html()}</td><td class=\"number\"></td>" in page
    assert "1.64872" not in page and "1.6487" not in page
    assert "exp(<i>x</i><sub>1</sub> · (<i>x</i><sub>5</sub> + <i>x</i><sub>3</sub>))" in page

    with (out / "answer_key.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [r["student"] for r in rows] == ["Emmy Noether", "José Martí", "Ada Lovelace"]
    assert list(rows[0]) == ["student", "id", "sheet", "formula", "point", "value",
                             "grad_x1", "grad_x2", "grad_x3", "grad_x4", "grad_x5", "table"]
    row = rows[0]
    assert row["id"] == "emmy noether" and row["sheet"] == "emmy-noether.html"
    assert row["formula"] == emmy.formula
    assert row["point"] == "x1=-0.5; x2=3; x3=-3; x4=-1; x5=2"
    assert abs(float(row["value"]) - (math.exp(0.5) - 1 + math.cos(3))) < 1e-5
    assert abs(float(row["grad_x3"]) - (1 - 0.5 * math.exp(0.5))) < 1e-5
    entries = row["table"].split("; ")
    assert len(entries) == len(emmy.nodes)
    for entry, n in zip(entries, emmy.nodes):
        match = re.fullmatch(r"(\w+) = (.+) \[value (\S+), grad (\S+)\]", entry)
        assert match, entry
        assert match[1] == n.name and match[2] == n.definition
        assert abs(float(match[3]) - n.value) <= 1e-5 * (1 + abs(n.value))
        assert abs(float(match[4]) - n.grad) <= 1e-5 * (1 + abs(n.grad))


def test_tool_reports_a_missing_column_a_missing_file_and_clashing_ids(tmp_path):
    result = make_sheets(tmp_path, "name,email\nEmmy Noether,a@x.org\n")
    assert result.returncode == 2
    assert "expected a 'student' column, found 'name', 'email'" in result.stderr
    assert not (tmp_path / "out").exists()
    missing = run(str(ROOT / "tools" / "problems.py"), str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "absent.csv" in missing.stderr and "does not exist" in missing.stderr
    clash = make_sheets(tmp_path, "student\nEmmy Noether\nemmy  noether\n")
    assert clash.returncode == 2 and "same ID 'emmy noether'" in clash.stderr
    blank = make_sheets(tmp_path, "student,group\nEmmy Noether,1\n,2\n")
    assert blank.returncode == 2 and "line 3" in blank.stderr
