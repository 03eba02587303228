"""A scalar reverse-mode automatic differentiation engine.

Each :class:`Value` holds one number, ``data``, and after :meth:`Value.backward` the
derivative of the output with respect to it, ``grad``. Every operation builds a node of
the computational graph and, right beside its forward computation, defines
``_backward``: the chain rule for that node,

.. math:: \\bar{u} \\mathrel{+}= \\bar{y} \\, \\frac{\\partial y}{\\partial u},

where :math:`\\bar{y} = \\partial L / \\partial y` is the gradient arriving from the
output and :math:`\\partial y / \\partial u` the local derivative. Gradients accumulate
with ``+=`` because a value used twice receives a contribution along each path.

Derived in book/01_chain_rule.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Callable, Union

Number = Union[int, float]


def _is_number(x) -> bool:
    """True for a real number (int, float, a NumPy int or float scalar), not a bool."""
    return isinstance(x, Real) and not isinstance(x, bool)


class Value:
    """A scalar node of a computational graph.

    Args:
        data: the number this node holds.
        children: the nodes this one was computed from (empty for an input).
        op: a short label of the operation, used when drawing the graph.
        label: an optional name, such as ``"x1"``, shown when drawing the graph.

    Attributes:
        data (float): the value computed by the forward pass.
        grad (float): ``dL/d(self)`` after ``L.backward()``; 0.0 before.
    """

    __slots__ = ("data", "grad", "_backward", "_prev", "_op", "label")

    def __init__(self, data: Number, children: Iterable[Value] = (), op: str = "",
                 label: str = ""):
        if isinstance(data, Value):
            raise ValueError(
                "Value(data): expected a number, got a Value; use the Value itself"
            )
        if not _is_number(data):
            raise ValueError(
                f"Value(data): expected an int or a float, got {type(data).__name__}"
            )
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev = tuple(children)
        self._op = op
        self.label = label

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Value | Number) -> Value:
        """Sum ``y = u + v``; ``dy/du = 1`` and ``dy/dv = 1``."""
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # BEGIN SOLUTION eq-adjoint
            self.grad += out.grad
            other.grad += out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        """Product ``y = u v``; ``dy/du = v`` and ``dy/dv = u``."""
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # BEGIN SOLUTION eq-adjoint
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def __pow__(self, exponent: Value | Number) -> Value:
        """Power ``y = u ** p``.

        For a constant exponent, ``dy/du = p u^(p-1)``. For a ``Value`` exponent (which
        needs ``u > 0``), also ``dy/dp = u^p ln u``.
        """
        if isinstance(exponent, Value):
            if self.data <= 0:
                raise ValueError(
                    "Value ** Value: expected a positive base (the derivative in the "
                    f"exponent needs ln(base)), got {self.data}"
                )
            return (exponent * self.log()).exp()
        if not _is_number(exponent):
            raise ValueError(
                "Value ** p: expected p to be a number or a Value, "
                f"got {type(exponent).__name__}"
            )
        exponent = float(exponent)
        if self.data == 0 and exponent < 1 and exponent != 0:
            # 0 ** p is 0 for 0 < p < 1, but its derivative p 0^(p-1) is infinite (and
            # for p < 0 the power itself is): refuse here, not later in backward().
            raise ValueError(
                f"Value ** {exponent:g}: undefined at base 0.0 (the derivative "
                f"{exponent:g} * 0 ** {exponent - 1:g} is infinite); "
                "expected a base other than 0"
            )
        if self.data < 0 and not exponent.is_integer():
            raise ValueError(
                f"Value ** {exponent:g}: undefined for the negative base {self.data}"
            )
        out = Value(self.data**exponent, (self,), f"**{exponent:g}")

        def _backward():
            # BEGIN SOLUTION eq-adjoint
            # u^0 is constant; at u = 0 the formula would read 0 * 0^-1
            if exponent != 0:
                self.grad += exponent * self.data ** (exponent - 1) * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        """Negation ``y = -u``, built as ``u * (-1)``."""
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:
        """Difference ``y = u - v``, built as ``u + (-v)``."""
        return self + (-_as_value(other))

    def __truediv__(self, other: Value | Number) -> Value:
        """Quotient ``y = u / v``, built as ``u * v**-1``."""
        other = _as_value(other)
        if other.data == 0:
            raise ValueError("Value / Value: expected a non-zero divisor, got 0.0")
        return self * other**-1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    def __rpow__(self, base: Number) -> Value:
        return _as_value(base) ** self

    # ----------------------------------------------------------------- functions
    def _unary(self, data: float, local_grad: float, op: str) -> Value:
        """A node ``y = f(u)`` whose local derivative ``f'(u)`` is already computed."""
        out = Value(data, (self,), op)

        def _backward():
            # BEGIN SOLUTION eq-adjoint
            self.grad += local_grad * out.grad
            # END SOLUTION

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """``y = e^u``; ``dy/du = e^u = y``."""
        # BEGIN SOLUTION sec-value-engine
        y = math.exp(self.data)
        return self._unary(y, y, "exp")
        # END SOLUTION

    def log(self) -> Value:
        """``y = ln u`` for ``u > 0``; ``dy/du = 1/u``."""
        if self.data <= 0:
            raise ValueError(
                f"Value.log(): expected a positive number, got {self.data}"
            )
        # BEGIN SOLUTION sec-value-engine
        return self._unary(math.log(self.data), 1.0 / self.data, "log")
        # END SOLUTION

    def sin(self) -> Value:
        """``y = sin u``; ``dy/du = cos u``."""
        # BEGIN SOLUTION sec-value-engine
        return self._unary(math.sin(self.data), math.cos(self.data), "sin")
        # END SOLUTION

    def cos(self) -> Value:
        """``y = cos u``; ``dy/du = -sin u``."""
        # BEGIN SOLUTION sec-value-engine
        return self._unary(math.cos(self.data), -math.sin(self.data), "cos")
        # END SOLUTION

    def tan(self) -> Value:
        """``y = tan u``; ``dy/du = 1 + tan^2 u = 1 / cos^2 u``."""
        # BEGIN SOLUTION sec-value-engine
        y = math.tan(self.data)
        return self._unary(y, 1.0 + y * y, "tan")
        # END SOLUTION

    def atan(self) -> Value:
        """``y = arctan u``; ``dy/du = 1 / (1 + u^2)``.

        ``u * u`` rather than ``u ** 2``: for ``|u| > 1e154`` the float product is
        ``inf`` and the derivative 0, where ``**`` would raise ``OverflowError``.
        """
        # BEGIN SOLUTION sec-value-engine
        return self._unary(
            math.atan(self.data), 1.0 / (1.0 + self.data * self.data), "atan"
        )
        # END SOLUTION

    def tanh(self) -> Value:
        """``y = tanh u``; ``dy/du = 1 - y^2``."""
        # BEGIN SOLUTION sec-value-engine
        y = math.tanh(self.data)
        return self._unary(y, 1.0 - y * y, "tanh")
        # END SOLUTION

    def sigmoid(self) -> Value:
        """``y = 1 / (1 + e^-u)``; ``dy/du = y (1 - y)``.

        Evaluated as ``e^u / (1 + e^u)`` for negative ``u`` so that ``e^-u`` never
        overflows.
        """
        # BEGIN SOLUTION sec-value-engine
        if self.data >= 0:
            y = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            y = z / (1.0 + z)
        return self._unary(y, y * (1.0 - y), "sigmoid")
        # END SOLUTION

    def relu(self) -> Value:
        """``y = max(0, u)``; ``dy/du = 1`` for ``u > 0`` and 0 otherwise.

        The derivative at ``u = 0`` is taken to be 0, as in PyTorch.
        """
        # BEGIN SOLUTION sec-value-engine
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0, "relu")
        # END SOLUTION

    # ------------------------------------------------------------------ backward
    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with ``d(self)/d(node)``.

        Seeds ``self.grad = 1`` and applies each node's chain rule in reverse
        topological order, so a node passes its gradient on only after all its uses have
        added theirs. Gradients of the graph's nodes are reset first, so calling
        ``backward`` twice gives the same answer (unlike PyTorch, which accumulates
        across calls).
        """
        order = self.topological_order()
        # BEGIN SOLUTION eq-adjoint
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, itself last, each after all its children."""
        # BEGIN SOLUTION eq-adjoint
        order: list[Value] = []
        visited: set[int] = set()
        # An explicit stack instead of recursion: deep graphs (long sums) exceed
        # Python's recursion limit.
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend(
                (child, False) for child in node._prev if id(child) not in visited
            )
        return order
        # END SOLUTION

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"


def _as_value(x: Value | Number) -> Value:
    """Wrap a plain number as a constant :class:`Value`; pass a ``Value`` through."""
    if isinstance(x, Value):
        return x
    if not _is_number(x):
        raise ValueError(
            "Value arithmetic: expected a Value, an int or a float, "
            f"got {type(x).__name__}"
        )
    return Value(x)
