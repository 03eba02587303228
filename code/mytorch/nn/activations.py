"""Elementwise activation functions.

Each keeps the one array its backward pass needs: ``ReLU`` its input ``x`` (the sign of
``x`` decides the derivative), ``Sigmoid`` and ``Tanh`` their output ``y`` (their
derivatives are cheapest written in terms of ``y``). They keep copies, so that a caller
who edits an input or an output in place after ``forward`` cannot change the gradient.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array, check_same_shape
from mytorch.nn.functional import sigmoid
from mytorch.nn.module import Module


class ReLU(Module):
    """Rectified linear unit ``y = max(x, 0)``, elementwise.

    Attributes:
        x: the last input, any shape, kept by ``forward`` for ``backward``.
    """

    def __init__(self):
        self.x = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = max(x, 0)`` and keep ``x``.

        Args:
            x: any shape.

        Returns:
            ``y``, the shape and dtype of ``x``.
        """
        x = as_array(x, "ReLU.forward x")
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
        x = self._saved("x")
        grad = as_array(grad, "ReLU.backward grad")
        check_same_shape(x, grad, "ReLU's input x", "grad")
        # BEGIN SOLUTION eq-act-relu-backward
        return grad * (x > 0)
        # END SOLUTION


class Sigmoid(Module):
    """Logistic sigmoid ``y = 1 / (1 + exp(-x))``, elementwise and overflow-free.

    Attributes:
        y: the last output, any shape, kept by ``forward`` for ``backward``.
    """

    def __init__(self):
        self.y = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = 1 / (1 + exp(-x))`` and keep ``y``; finite for ``x = ±1e4``.

        Args:
            x: any shape.

        Returns:
            ``y`` in ``[0, 1]``, the shape and dtype of ``x``.
        """
        x = as_array(x, "Sigmoid.forward x")
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
        y = self._saved("y")
        grad = as_array(grad, "Sigmoid.backward grad")
        check_same_shape(y, grad, "Sigmoid's output y", "grad")
        # BEGIN SOLUTION eq-act-sigmoid-backward
        return grad * y * (1 - y)
        # END SOLUTION


class Tanh(Module):
    """Hyperbolic tangent ``y = tanh(x)``, elementwise.

    Attributes:
        y: the last output, any shape, kept by ``forward`` for ``backward``.
    """

    def __init__(self):
        self.y = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = tanh(x)`` and keep ``y``.

        Args:
            x: any shape.

        Returns:
            ``y`` in ``[-1, 1]``, the shape and dtype of ``x``.
        """
        x = as_array(x, "Tanh.forward x")
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
        y = self._saved("y")
        grad = as_array(grad, "Tanh.backward grad")
        check_same_shape(y, grad, "Tanh's output y", "grad")
        # BEGIN SOLUTION eq-act-tanh-derivative
        return grad * (1 - y * y)
        # END SOLUTION
