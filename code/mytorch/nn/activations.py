"""Elementwise activation functions.

Each keeps the one array its backward pass needs: ``ReLU`` its input ``x`` (the sign of
``x`` decides the derivative), ``Sigmoid`` and ``Tanh`` their output ``y`` (their
derivatives are cheapest written in terms of ``y``). They keep copies, so that a caller
who edits an input or an output in place after ``forward`` cannot change the gradient.

Derived in book/04_activations.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array
from mytorch.nn.functional import sigmoid
from mytorch.nn.module import Module


class _Elementwise(Module):
    """The checks of an activation: any input shape, and a ``grad`` of the shape of the
    array ``forward`` kept (``_kept``, which ``_kept_as`` describes in errors)."""

    _kept = "x"
    _kept_as = "input x"

    def __init__(self):
        setattr(self, self._kept, None)

    def _check_input(self, x) -> np.ndarray:
        return as_array(x, f"{type(self).__name__}.forward x")

    def _check_grad(self, grad) -> np.ndarray:
        what = f"{type(self).__name__}'s {self._kept_as}"
        return self._grad_like(grad, self._kept, what)


class ReLU(_Elementwise):
    """Rectified linear unit ``y = max(x, 0)``, elementwise.

    Attributes:
        x: the last input, any shape, kept by ``forward`` for ``backward``.
    """

    def forward(self, x) -> np.ndarray:
        """Compute ``y = max(x, 0)`` and keep ``x``.

        Args:
            x: any shape.

        Returns:
            ``y``, the shape and dtype of ``x``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-act-relu
        self.x = x.copy()  # a copy: the caller may change x in place before backward
        return np.maximum(x, 0)
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad * (x > 0)``.

        ReLU has no derivative at 0; like PyTorch we use the subgradient 0 there.

        Args:
            grad: ``dL/dy``, the shape of ``x``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``x``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-act-relu-backward
        return grad * (self.x > 0)
        # END SOLUTION


class Sigmoid(_Elementwise):
    """Logistic sigmoid ``y = 1 / (1 + exp(-x))``, elementwise and overflow-free.

    Attributes:
        y: the last output, any shape, kept by ``forward`` for ``backward``.
    """

    _kept = "y"
    _kept_as = "output y"

    def forward(self, x) -> np.ndarray:
        """Compute ``y = 1 / (1 + exp(-x))`` and keep ``y``; finite for ``x = ±1e4``.

        Args:
            x: any shape.

        Returns:
            ``y`` in ``[0, 1]``, the shape and dtype of ``x``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-act-sigmoid-stable
        y = sigmoid(x)
        self.y = y.copy()  # a copy: the caller may change the returned y in place
        return y
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad * y * (1 - y)``, since ``dy/dx = y (1 - y)``.

        Args:
            grad: ``dL/dy``, the shape of ``y``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``y``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-act-sigmoid-backward
        y = self.y
        return grad * y * (1 - y)
        # END SOLUTION


class Tanh(_Elementwise):
    """Hyperbolic tangent ``y = tanh(x)``, elementwise.

    Attributes:
        y: the last output, any shape, kept by ``forward`` for ``backward``.
    """

    _kept = "y"
    _kept_as = "output y"

    def forward(self, x) -> np.ndarray:
        """Compute ``y = tanh(x)`` and keep ``y``.

        Args:
            x: any shape.

        Returns:
            ``y`` in ``[-1, 1]``, the shape and dtype of ``x``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-act-tanh-derivative
        y = np.tanh(x)
        self.y = y.copy()  # a copy: the caller may change the returned y in place
        return y
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad * (1 - y**2)``, since ``dy/dx = 1 - tanh(x)**2``.

        Args:
            grad: ``dL/dy``, the shape of ``y``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``y``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-act-tanh-derivative
        y = self.y
        return grad * (1 - y * y)
        # END SOLUTION
