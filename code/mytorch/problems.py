"""Per-student backpropagation problems: the same problem for an ID on every machine.

``backprop_problem("Ada Lovelace")`` returns a :class:`Problem`: a formula
:math:`f(x_1, \\dots, x_5)` built from ``+ - * / **`` and the functions
``exp, log, sin, cos, tan, tanh, atan, sqrt, sigmoid``; a point with small round
coordinates; and the table a student fills in by hand, one row (:class:`Node`) per
operation, with its value (forward pass) and its gradient, the adjoint
:math:`\\bar v = \\partial f / \\partial v` (backward pass). The numbers come from
:class:`mytorch.Value` (:meth:`Problem.evaluate`), and :meth:`Problem.check` marks a
student's answers.

IDs are normalised before use (:func:`normalize_id`): Unicode NFC, surrounding
whitespace stripped, inner runs of whitespace reduced to one space, case folded. So
``" ADA  lovelace"`` and ``"Ada Lovelace"`` get the same problem.

All randomness comes from SHA-256 of the normalised ID, an attempt number and a draw
counter, never from ``random`` or NumPy, whose streams may change between versions. An
attempt draws a point and grows a formula around it, choosing only operations that are
defined and tame there (the limits below); an attempt that ends outside the limits is
discarded and the next attempt number is tried.

From a shell, ``python -m mytorch.problems Ada Lovelace`` prints the worksheet and
``python -m mytorch.problems --answers Ada Lovelace`` the filled-in table.

Used by the per-student exercise of book/01_chain_rule.md; no chapter derives it.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Union

from mytorch.engine import Value

INPUTS = ("x1", "x2", "x3", "x4", "x5")
FUNCTIONS = ("exp", "log", "sin", "cos", "tan", "tanh", "atan", "sqrt", "sigmoid")
BINARY = ("+", "-", "*", "/")
OUTPUT = "f"

#: An answer is right when ``|given - expected| <= RTOL * |expected| + ATOL``: about
#: three significant digits. Every problem is chosen so that a hand computation rounding
#: every number it writes down to ``HAND_DIGITS`` significant digits stays within half
#: of that.
RTOL = 2e-3
ATOL = 1e-4
HAND_DIGITS = 4

# Limits every problem meets at its point. Hand arithmetic wants moderate numbers, and
# each function argument keeps a margin from where the function or its derivative
# misbehaves, so that no answer hinges on a rounding.
VALUE_LIMIT = 50.0  # |value| of every node
GRAD_LIMIT = 50.0  # |gradient| of every node and input
MIN_INPUT_GRAD = 0.01  # every input matters: |df/dx_i| at least this
MIN_POSITIVE = 0.2  # arguments of log and sqrt at least this
MIN_DIVISOR = 0.5  # |divisor| at least this
MAX_TAN_ARGUMENT = 1.25  # |u| at most this for tan u: one branch, 1 + tan^2 u <= 10.1
MIN_OPERATIONS = 5
MIN_FUNCTIONS = 2
COORDINATES = (-3, -2, -1, -0.5, 0.5, 1, 2, 3)
CONSTANTS = (1, 2, 3)
EXPONENTS = (2, 3)
MAX_ATTEMPTS = 1000

# Where each function is used: defined, and with a local derivative neither huge (log,
# sqrt, tan near their edges) nor vanishing (tanh and sigmoid when saturated).
_DOMAIN: dict[str, Callable[[float], bool]] = {
    "exp": lambda u: -4.0 <= u <= 3.5,
    "log": lambda u: u >= MIN_POSITIVE,
    "sin": lambda u: True,
    "cos": lambda u: True,
    "tan": lambda u: abs(u) <= MAX_TAN_ARGUMENT,
    "tanh": lambda u: abs(u) <= 2.5,
    "atan": lambda u: True,
    "sqrt": lambda u: u >= MIN_POSITIVE,
    "sigmoid": lambda u: abs(u) <= 4.0,
}

# Node names: letters without e (Euler's number), f (the output), i, l and o (read as
# digits) and x (the inputs). A formula has at most 5 + 3 + 1 + 1 = 10 operations.
_NAMES = "abcdghjkmnpqrstuvwyz"
_INVERSE = {"exp": "log", "log": "exp", "tan": "atan", "atan": "tan", "sqrt": "**"}
# Bumping the version changes every student's problem: only for a new term.
_VERSION = "mytorch.problems/1"

Operand = Union[str, int, float]


def normalize_id(student_id: str) -> str:
    """The canonical form of a student ID: NFC, stripped, single spaces, case folded.

    Args:
        student_id: a name or any other identifier, e.g. ``"Ada Lovelace"``.

    Returns:
        The normalised ID, e.g. ``"ada lovelace"``.
    """
    if not isinstance(student_id, str):
        raise ValueError(f"student ID: expected a str, got {type(student_id).__name__}")
    normal = " ".join(unicodedata.normalize("NFC", student_id).split()).casefold()
    if not normal:
        raise ValueError(
            f"student ID: expected a non-empty name or ID, got {student_id!r}"
        )
    return normal


# ------------------------------------------------------------------------ the problem
@dataclass(frozen=True)
class Node:
    """One row of the table: an operation, its value and its gradient at the point.

    Attributes:
        name: ``"a"``, ``"b"``, ...; the last row, the output, is ``"f"``.
        op: ``"+"``, ``"-"``, ``"*"``, ``"/"``, ``"**"`` or a function name.
        operands: input names (``"x1"``...), names of earlier rows, or constants.
        definition: the row as Python, e.g. ``"x1 * x2"``, ``"exp(a)"``, ``"b ** 2"``.
        value: the node's value (forward pass).
        grad: ``df/d(node)``, the adjoint (backward pass).
    """

    name: str
    op: str
    operands: tuple[Operand, ...]
    definition: str
    value: float
    grad: float

    def definition_html(self) -> str:
        """The definition as HTML, written like :meth:`Problem.formula_html`."""
        return _render_definition(self.op, self.operands, _HTML)


@dataclass(frozen=True)
class Problem:
    """A backpropagation problem: a formula, a point, and its table of operations.

    Attributes:
        student_id: the normalised ID it was generated from.
        formula: a Python expression over ``x1``...``x5`` using ``+ - * / **`` and the
            functions of :data:`FUNCTIONS` (``log`` is the natural logarithm,
            ``sigmoid(u) = 1 / (1 + exp(-u))``).
        point: ``{"x1": value, ...}``, small round numbers.
        value: ``f`` at the point.
        gradient: ``{"x1": df/dx1, ...}`` at the point.
        nodes: the table, one :class:`Node` per operation in evaluation order; each
            operand is an input or an earlier row; the last row is ``f``.
    """

    student_id: str
    formula: str
    point: dict[str, float]
    value: float
    gradient: dict[str, float]
    nodes: tuple[Node, ...]

    def evaluate(self) -> tuple[Value, dict[str, Value]]:
        """Rebuild the table with :class:`mytorch.Value` at the point; run ``backward``.

        Returns:
            ``(f, values)``: the output ``Value`` (``f.data`` is the value, draw it with
            :func:`mytorch.graph.draw_graph`) and ``{name: Value}`` for every input and
            row, each labelled with its name and holding ``data`` and ``grad``.
        """
        return _evaluate(self.point, [(n.name, n.op, n.operands) for n in self.nodes])

    def formula_html(self) -> str:
        """The formula as HTML: indices, powers, ``·`` for products, ``ln`` for log."""
        return _render_formula(self.nodes, _HTML)

    def expected(self) -> dict[str, float]:
        """Every name :meth:`check` accepts, with its exact answer.

        A row's name stands for its value and ``grad_<row>`` for its gradient; an
        input's name ``x1`` stands for its gradient (so does ``grad_x1``); ``value`` is
        ``f``.
        """
        answers: dict[str, float] = {"value": self.value}
        answers.update((n.name, n.value) for n in self.nodes)
        answers.update((f"grad_{n.name}", n.grad) for n in reversed(self.nodes))
        answers.update(self.gradient)
        answers.update((f"grad_{x}", g) for x, g in self.gradient.items())
        return answers

    def check(self, answers: dict[str, object], rtol: float = RTOL,
              atol: float = ATOL) -> CheckReport:
        """Mark answers: right when ``|given - expected| <= rtol |expected| + atol``.

        Args:
            answers: ``{name: number}``. A row's name (``"a"``, ..., ``"f"``) means its
                value, ``"grad_a"`` its gradient; an input's name (``"x1"``) means
                ``df/dx1`` (``"grad_x1"`` too); ``"value"`` means ``f``. Names are
                matched after stripping spaces and lowering case; numbers may be given
                as ``int``, ``float`` or numeric strings (as read from a CSV file).
            rtol, atol: the tolerance; the defaults accept three significant digits.

        Returns:
            A :class:`CheckReport`; ``print`` it, or read ``.ok``, ``.wrong``,
            ``.unknown``.
        """
        if not isinstance(answers, dict):
            raise ValueError(
                "check: expected a dict of name -> number, "
                f"got {type(answers).__name__}"
            )
        if not (rtol >= 0 and atol >= 0):
            raise ValueError(
                "check: expected rtol >= 0 and atol >= 0, "
                f"got rtol={rtol}, atol={atol}"
            )
        expected = self.expected()
        right: list[str] = []
        wrong: dict[str, tuple[float, float]] = {}
        unknown: list[str] = []
        given: dict[str, float] = {}
        for key, number in answers.items():
            name = key.strip().lower() if isinstance(key, str) else key
            if name not in expected:
                unknown.append(str(key))
                continue
            given[name] = _as_number(name, number)
        answered = set(given)
        for name, exact in expected.items():  # the order of the computation
            if name not in given:
                continue
            if abs(given[name] - exact) <= rtol * abs(exact) + atol:
                right.append(name)
            else:
                wrong[name] = (exact, given[name])
        aliases = {"value": OUTPUT, **{f"grad_{x}": x for x in INPUTS}}
        answered |= {aliases[name] for name in answered if name in aliases}
        given_on_the_sheet = {f"grad_{OUTPUT}"}  # df/df = 1 starts the backward pass
        missing = tuple(
            name for name in expected
            if name not in answered and name not in aliases
            and name not in given_on_the_sheet
        )
        return CheckReport(tuple(right), wrong, tuple(unknown), missing, rtol, atol)

    def worksheet(self, answers: bool = False) -> str:
        """The problem as text: formula, point, instructions and the table to fill in.

        Args:
            answers: fill in the table (the answer key) instead of leaving it empty.
        """
        lines = [
            f'Backpropagation by hand: the problem of "{self.student_id}"',
            "",
            f"  f = {self.formula}",
            "",
            "  at  " + ",  ".join(f"{x} = {format_number(v)}"
                                  for x, v in self.point.items()),
            "",
            *(
                textwrap.fill(step, width=88, initial_indent=f"{k}. ",
                              subsequent_indent="   ")
                for k, step in enumerate(instructions(self.student_id), start=1)
            ),
            f"     {check_call(self.student_id)}",
            "",
            *self._table(answers),
        ]
        return "\n".join(lines) + "\n"

    def _table(self, answers: bool) -> list[str]:
        blank = "_" * 10
        rows = [("node", "definition", "value", "gradient df/dnode")]
        for x in INPUTS:
            rows.append((x, "input", format_number(self.point[x]),
                         f"{self.gradient[x]:.6g}" if answers else blank))
        for n in self.nodes:
            value = f"{n.value:.6g}" if answers else blank
            grad = "1" if n.name == OUTPUT else (f"{n.grad:.6g}" if answers else blank)
            rows.append((n.name, n.definition, value, grad))
        widths = [max(len(row[k]) for row in rows) for k in range(4)]
        return ["  " + "   ".join(cell.ljust(w)
                                  for cell, w in zip(row, widths)).rstrip()
                for row in rows]

    def __str__(self) -> str:
        return self.worksheet()


def instructions(student_id: str) -> list[str]:
    """The steps of the exercise, shared by the text and the printed worksheets.

    The last step ends with a colon: :func:`check_call` is the line of code it
    introduces.
    """
    return [
        "Draw the computational graph: one node per row of the table, with an arrow "
        "from each operand to the row that uses it.",
        "Forward pass: compute the value of every row, from the top down.",
        "Backward pass: compute the gradient df/dnode of every row and input, from f "
        "(gradient 1) up. A node used by several rows adds one term per use: the "
        "user's gradient times the local derivative.",
        "Keep four significant digits. log is the natural logarithm, angles are in "
        "radians, and sigmoid(u) = 1 / (1 + exp(-u)).",
        "Check your numbers with PyTorch or mytorch.Value, then with the line below "
        "(a row's name stands for its value, grad_<row> for its gradient, x1 ... x5 "
        "for their gradients):",
    ]


def check_call(student_id: str) -> str:
    """The Python line that checks a student's answers, for the worksheets."""
    return (f"backprop_problem({student_id!r})"
            '.check({"a": ..., "grad_a": ..., "x1": ...})')


@dataclass(frozen=True)
class CheckReport:
    """What :meth:`Problem.check` found, printable and inspectable.

    Attributes:
        right: names whose number is right, in the order of the computation.
        wrong: ``{name: (expected, given)}`` in the order of the computation, so the
            first entry is the earliest slip.
        unknown: names that are not in the problem, as given.
        missing: names of the table (values, ``grad_<row>``, inputs) not answered;
            ``grad_f``, which is 1 on every sheet, is never missing.
        rtol, atol: the tolerance used.
    """

    right: tuple[str, ...]
    wrong: dict[str, tuple[float, float]]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        """True when at least one answer was given and every answer given is right."""
        return bool(self.right) and not self.wrong and not self.unknown

    @property
    def complete(self) -> bool:
        """True when every entry of the table is answered and right."""
        return self.ok and not self.missing

    def __str__(self) -> str:
        checked = len(self.right) + len(self.wrong)
        lines = [
            f"{len(self.right)} of {checked} answers right "
            f"(right means |given - expected| <= {self.rtol:g} |expected| "
            f"+ {self.atol:g})"
        ]
        if self.wrong:
            lines.append(
                "wrong, in the order of the computation (fix the first one first):"
            )
            width = max(len(name) for name in self.wrong)
            lines += [f"  {name.ljust(width)}  expected {exp:.6g}, given {giv:.6g}"
                      for name, (exp, giv) in self.wrong.items()]
        if self.unknown:
            lines.append("unknown names (a row's name, grad_<row>, x1...x5 or value): "
                         + ", ".join(self.unknown))
        if self.missing:
            lines.append("not answered: " + ", ".join(self.missing))
        if self.complete:
            lines.append("The whole table is right.")
        return "\n".join(lines)


def backprop_problem(student_id: str) -> Problem:
    """The backpropagation problem of a student, the same for an ID on every machine.

    Args:
        student_id: a name or ID; case, surrounding and repeated spaces do not matter.

    Returns:
        A :class:`Problem` with at least five operations and two different functions,
        all values within ``VALUE_LIMIT``, every gradient within ``GRAD_LIMIT`` and
        every input's gradient at least ``MIN_INPUT_GRAD`` in size.
    """
    normal = normalize_id(student_id)
    for attempt in range(MAX_ATTEMPTS):
        grown = _grow(_Draws(f"{_VERSION}\x00{normal}\x00{attempt}"))
        if grown is None:
            continue
        point, rows = grown
        output, values = _evaluate(point, rows)
        if not _tame(point, rows, values):
            continue
        nodes = tuple(
            Node(name, op, operands, _render_definition(op, operands, _PYTHON),
                 values[name].data, values[name].grad)
            for name, op, operands in rows
        )
        return Problem(
            student_id=normal,
            formula=_render_formula(nodes, _PYTHON),
            point={x: point[x] for x in INPUTS},
            value=output.data,
            gradient={x: values[x].grad for x in INPUTS},
            nodes=nodes,
        )
    raise RuntimeError(
        f"backprop_problem: no tame problem for {normal!r} in {MAX_ATTEMPTS} attempts"
    )


# ------------------------------------------------------------- generating a formula
class _Draws:
    """Integers drawn from SHA-256 of a key and a counter: the same stream forever."""

    def __init__(self, key: str):
        self._key = key
        self._counter = 0

    def below(self, n: int) -> int:
        """A number in ``range(n)``; the bias of ``% n`` on 256 bits is negligible."""
        digest = hashlib.sha256(f"{self._key}\x00{self._counter}".encode()).digest()
        self._counter += 1
        return int.from_bytes(digest, "big") % n

    def choice(self, options: Sequence):
        return options[self.below(len(options))]

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):  # Fisher-Yates
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


@dataclass
class _Expr:
    """A subexpression while a formula grows, with its value at the point.

    ``op`` is ``"input"`` (``args`` holds the name), ``"const"`` (``args`` holds the
    number), or an operation whose ``args`` are the operand subexpressions.
    """

    op: str
    args: tuple
    value: float


def _grow(
    draws: _Draws,
) -> tuple[dict[str, float], list[tuple[str, str, tuple[Operand, ...]]]] | None:
    """One attempt: a point and the table of a formula over all five inputs built there.

    The inputs (one of them possibly twice, so that its gradient adds two paths) start
    as separate subexpressions; each step either combines two of them with ``+ - * /``
    or wraps one in a function, a power or an operation with a constant, until a single
    expression is left and every planned wrapping is placed. Returns None when a step
    finds no allowed operation.
    """
    point = {x: float(draws.choice(COORDINATES)) for x in INPUTS}
    pool = [_Expr("input", (x,), float(point[x])) for x in INPUTS]
    if draws.below(2):
        twice = draws.choice(INPUTS)
        pool.append(_Expr("input", (twice,), float(point[twice])))
    draws.shuffle(pool)
    wrappings = (["function"] * (2 + draws.below(2)) + ["power"] * draws.below(2)
                 + ["constant"] * draws.below(2))
    draws.shuffle(wrappings)
    while len(pool) > 1 or wrappings:
        if wrappings and draws.below(len(wrappings) + len(pool) - 1) < len(wrappings):
            i = draws.below(len(pool))
            grown = _wrap(draws, wrappings.pop(), pool[i])
            if grown is None:
                return None
            pool[i] = grown
        else:
            i = draws.below(len(pool))
            j = draws.below(len(pool) - 1)
            j += j >= i
            grown = _combine(draws, pool[i], pool[j])
            if grown is None:
                return None
            pool = [e for k, e in enumerate(pool) if k not in (i, j)] + [grown]
    return point, _table_of(pool[0])


def _allowed(op: str, args: Sequence[_Expr]) -> float | None:
    """The value of ``op`` on ``args`` if the operation is allowed there, else None."""
    u, *v = [a.value for a in args]
    if op in FUNCTIONS and not _DOMAIN[op](u):
        return None
    if op == "/" and abs(v[0]) < MIN_DIVISOR:
        return None
    result = _FORWARD[op](u, v[0] if v else None)
    return result if abs(result) <= VALUE_LIMIT else None


def _combine(draws: _Draws, left: _Expr, right: _Expr) -> _Expr | None:
    """``left op right``, the operation drawn among those allowed at the point."""
    if draws.below(2):
        left, right = right, left
    # x - x and x / x are constants in disguise, x + x is 2 x: only x * x earns a row.
    same_input = left.op == right.op == "input" and left.args == right.args
    return _pick(draws, [(op, (left, right))
                         for op in (("*",) if same_input else BINARY)])


def _wrap(draws: _Draws, kind: str, inner: _Expr) -> _Expr | None:
    """A function of ``inner``, a power of it, or ``inner`` with a constant."""
    if kind == "function":
        # A function right after its inverse would cancel it: log(exp(u)) is u, and
        # sqrt(u ** 2) is |u| (sqrt is listed as the inverse of any power).
        forms = [(fn, (inner,)) for fn in FUNCTIONS if _INVERSE.get(fn) != inner.op]
    elif kind == "power":
        k = draws.choice(EXPONENTS)
        forms = [] if inner.op == "sqrt" else [("**", (inner, _constant(k)))]
    else:
        c = _constant(draws.choice(CONSTANTS))
        forms = [("+", (c, inner)), ("-", (inner, c)), ("/", (c, inner))]
        # Multiplying or dividing by 1 changes nothing.
        forms += [("*", (c, inner)), ("/", (inner, c))] if c.value != 1 else []
    return _pick(draws, forms)


def _pick(draws: _Draws,
          forms: Sequence[tuple[str, tuple[_Expr, ...]]]) -> _Expr | None:
    """One of the candidates ``(op, operands)`` allowed at the point, or None."""
    allowed = []
    for op, args in forms:
        value = _allowed(op, args)
        if value is not None:
            allowed.append(_Expr(op, args, value))
    return draws.choice(allowed) if allowed else None


def _constant(c: int) -> _Expr:
    return _Expr("const", (c,), float(c))


def _table_of(root: _Expr) -> list[tuple[str, str, tuple[Operand, ...]]]:
    """Rows ``(name, op, operands)`` of ``root``, in evaluation order (post-order)."""
    ops: list[tuple[str, tuple]] = []

    def visit(e: _Expr):
        if e.op in ("input", "const"):
            return e.args[0]
        operands = tuple(visit(child) for child in e.args)
        ops.append((e.op, operands))
        return _Row(len(ops) - 1)

    visit(root)
    names = [_NAMES[k] for k in range(len(ops) - 1)] + [OUTPUT]
    return [
        (name, op, tuple(names[o] if isinstance(o, _Row) else o for o in operands))
        for name, (op, operands) in zip(names, ops)
    ]


class _Row(int):
    """The index of a row while the table is numbered (constants are plain ints)."""


def _apply(op: str, operands: Sequence[Value | float]) -> Value:
    """One operation on Values and constants: ``u op v``, ``u ** k`` or ``fn(u)``."""
    u = operands[0]
    if op == "+":
        return u + operands[1]
    if op == "-":
        return u - operands[1]
    if op == "*":
        return u * operands[1]
    if op == "/":
        return u / operands[1]
    if op == "**":
        return u ** operands[1]
    # Value has no sqrt: u ** 0.5 has the same derivative, 1 / (2 sqrt u)
    if op == "sqrt":
        return u**0.5
    return getattr(u, op)()


def _evaluate(point: dict[str, float], rows) -> tuple[Value, dict[str, Value]]:
    """Forward and backward pass with :class:`Value`; see :meth:`Problem.evaluate`."""
    values = {x: Value(float(point[x]), label=x) for x in INPUTS}
    for name, op, operands in rows:
        out = _apply(op, [values[o] if isinstance(o, str) else o for o in operands])
        out.label = name
        values[name] = out
    out.backward()
    return out, values


def _tame(point: dict[str, float], rows, values: dict[str, Value]) -> bool:
    """Whether a table meets the module's limits (values are checked as it grows)."""
    functions = {op for _, op, _ in rows if op in FUNCTIONS}
    if len(rows) < MIN_OPERATIONS or len(functions) < MIN_FUNCTIONS:
        return False
    grads = [v.grad for v in values.values()]
    if not all(math.isfinite(g) and abs(g) <= GRAD_LIMIT for g in grads):
        return False
    if not all(abs(values[x].grad) >= MIN_INPUT_GRAD for x in INPUTS):
        return False
    # Rounding is the one error a careful student cannot avoid: where it alone would
    # fail the check (sin of a large rounded argument, a difference of near neighbours),
    # the problem tests luck, not backpropagation. Half the tolerance leaves room for
    # another order of the arithmetic; one more digit catches a problem where four
    # digits round luckily (tan(atan(3)) is 3 with four digits, 2.9995 with five).
    for digits in (HAND_DIGITS, HAND_DIGITS + 1):
        hand_values, hand_grads = _by_hand(point, rows, digits)
        pairs = [(hand_values[n], values[n].data) for n in hand_values]
        pairs += [(hand_grads[n], values[n].grad) for n in hand_grads]
        if not all(abs(hand - exact) <= 0.5 * (RTOL * abs(exact) + ATOL)
                   for hand, exact in pairs):
            return False
    return True


def _by_hand(point: dict[str, float], rows,
             digits: int) -> tuple[dict[str, float], dict[str, float]]:
    """The table as a student computes it: every number rounded to ``digits`` digits.

    Each row's value comes from the rounded values of its operands, each local
    derivative from the rounded operands and result (as :data:`_LOCAL` writes it), and
    each term of the backward sums is rounded too.

    Returns:
        ``(values, grads)``, each ``{name: number}`` over the inputs and the rows.
    """

    def rounded(x: float) -> float:
        return float(f"{x:.{digits - 1}e}")

    values = {x: float(point[x]) for x in INPUTS}
    local: dict[str, tuple[float, ...]] = {}
    for name, op, operands in rows:
        u, v = ([values[o] if isinstance(o, str) else o for o in operands]
                + [None] * (op in FUNCTIONS))
        y = rounded(_FORWARD[op](u, v))
        values[name] = y
        local[name] = tuple(rounded(d) for d in _LOCAL[op](u, v, y))
    grads = dict.fromkeys(values, 0.0)
    grads[OUTPUT] = 1.0
    for name, _, operands in reversed(rows):
        for operand, derivative in zip(operands, local[name]):
            if isinstance(operand, str):
                grads[operand] = rounded(grads[operand]
                                         + rounded(grads[name] * derivative))
    return values, grads


# Each operation on plain floats, u op v or fn(u), to choose operations quickly while a
# formula grows; the problem's numbers come from Value.
_FORWARD: dict[str, Callable[[float, float | None], float]] = {
    "+": lambda u, v: u + v,
    "-": lambda u, v: u - v,
    "*": lambda u, v: u * v,
    "/": lambda u, v: u / v,
    "**": lambda u, k: u**k,
    "exp": lambda u, v: math.exp(u),
    "log": lambda u, v: math.log(u),
    "sin": lambda u, v: math.sin(u),
    "cos": lambda u, v: math.cos(u),
    "tan": lambda u, v: math.tan(u),
    "tanh": lambda u, v: math.tanh(u),
    "atan": lambda u, v: math.atan(u),
    "sqrt": lambda u, v: math.sqrt(u),
    "sigmoid": lambda u, v: 1.0 / (1.0 + math.exp(-u)),
}

# The local derivatives of each operation with respect to its operands, written as a
# student does, from the operands u, v and the result y (e.g. 1 - y^2 for tanh).
_LOCAL: dict[str, Callable[[float, float | None, float], tuple[float, ...]]] = {
    "+": lambda u, v, y: (1.0, 1.0),
    "-": lambda u, v, y: (1.0, -1.0),
    "*": lambda u, v, y: (v, u),
    "/": lambda u, v, y: (1.0 / v, -u / v**2),
    "**": lambda u, k, y: (k * u ** (k - 1),),
    "exp": lambda u, v, y: (y,),
    "log": lambda u, v, y: (1.0 / u,),
    "sin": lambda u, v, y: (math.cos(u),),
    "cos": lambda u, v, y: (-math.sin(u),),
    "tan": lambda u, v, y: (1.0 + y * y,),
    "tanh": lambda u, v, y: (1.0 - y * y,),
    "atan": lambda u, v, y: (1.0 / (1.0 + u * u),),
    "sqrt": lambda u, v, y: (0.5 / y,),
    "sigmoid": lambda u, v, y: (y * (1.0 - y),),
}


# --------------------------------------------------------------------------- printing
# Precedence as in Python; inputs, constants and function calls are atoms.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3}
_ATOM = 4


@dataclass(frozen=True)
class _Style:
    name: Callable[[str], str]
    number: Callable[[float], str]
    symbol: dict[str, str]
    power: Callable[[str, str], str]
    call: Callable[[str, str], str]
    paren: Callable[[str], str]


def format_number(x: float) -> str:
    """``2`` for 2.0, ``-0.5`` for -0.5: how a constant or a coordinate is written."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


_PYTHON = _Style(
    name=str,
    number=format_number,
    symbol={op: f" {op} " for op in BINARY},
    power=lambda base, k: f"{base} ** {k}",
    call=lambda fn, arg: f"{fn}({arg})",
    paren=lambda text: f"({text})",
)

_HTML_FUNCTIONS = {"log": "ln", "atan": "arctan", "sigmoid": "σ", "sqrt": "√"}
_HTML = _Style(
    name=lambda n: f"<i>x</i><sub>{n[1:]}</sub>" if n in INPUTS else f"<i>{n}</i>",
    number=lambda x: format_number(x).replace("-", "−"),
    symbol={"+": " + ", "-": " − ", "*": " · ", "/": " / "},
    power=lambda base, k: f"{base}<sup>{k}</sup>",
    call=lambda fn, arg: f"{_HTML_FUNCTIONS.get(fn, fn)}({arg})",
    paren=lambda text: f"({text})",
)


def _compose(op: str, operands: Sequence[tuple[str, int]],
             style: _Style) -> tuple[str, int]:
    """One operation in ``style`` from its written operands ``(text, precedence)``.

    The right operand of a binary operation is bracketed at equal precedence too, so
    that the formula reads exactly as the table computes it (``a + (b + c)``, not
    ``a + b + c``).
    """
    if op in FUNCTIONS:
        return style.call(op, operands[0][0]), _ATOM
    p = _PRECEDENCE[op]
    (left, lp), (right, rp) = operands
    if op == "**":
        return style.power(left if lp == _ATOM else style.paren(left), right), p
    left = left if lp >= p else style.paren(left)
    right = right if rp > p else style.paren(right)
    return f"{left}{style.symbol[op]}{right}", p


def _atom(operand: Operand, style: _Style) -> tuple[str, int]:
    return (style.name(operand) if isinstance(operand, str)
            else style.number(operand)), _ATOM


def _render_definition(op: str, operands: Sequence[Operand], style: _Style) -> str:
    """A row in terms of its operands, e.g. ``x1 * x2`` or ``exp(a)``."""
    return _compose(op, [_atom(o, style) for o in operands], style)[0]


def _render_formula(nodes: Sequence[Node], style: _Style) -> str:
    """The whole formula, each row's name replaced by its written expression."""
    written: dict[str, tuple[str, int]] = {}
    for n in nodes:
        written[n.name] = _compose(
            n.op,
            [written[o] if isinstance(o, str) and o in written else _atom(o, style)
             for o in n.operands],
            style,
        )
    return written[OUTPUT][0]


def _as_number(name: str, given: object) -> float:
    """A student's answer as a float; a string is parsed as a number."""
    if isinstance(given, bool):
        raise ValueError(f"check: expected a number for {name!r}, got {given!r}")
    try:
        return float(given.strip() if isinstance(given, str) else given)
    except (TypeError, ValueError):
        raise ValueError(
            f"check: expected a number for {name!r}, got {given!r}"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mytorch.problems [--answers] ID...``: print a student's worksheet."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m mytorch.problems",
        description="Print the backpropagation problem of a student: formula, point "
                    "and the table to fill in.",
    )
    parser.add_argument("student_id", nargs="+",
                        help="the student's name or ID (several words are joined by "
                             "spaces)")
    parser.add_argument("--answers", action="store_true",
                        help="fill in the table: the answer key")
    args = parser.parse_args(argv)
    try:
        problem = backprop_problem(" ".join(args.student_id))
    except ValueError as error:
        parser.error(str(error))
    print(problem.worksheet(answers=args.answers), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
