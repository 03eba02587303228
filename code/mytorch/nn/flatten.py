"""Flatten: the reshape between convolutional feature maps and a fully connected layer.

Derived in book/07_convolution.md.
"""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import as_array, check_grad_shape
from mytorch.nn.module import Module


class Flatten(Module):
    """Reshape ``(N, d1, ..., dk) -> (N, d1 * ... * dk)``, keeping the batch axis.

    Attributes:
        input_shape: the shape of the last input, kept by ``forward`` for ``backward``.
    """

    def __init__(self):
        self.input_shape = None

    def forward(self, x) -> np.ndarray:
        """Return ``x.reshape(N, d1 * ... * dk)``.

        Args:
            x: ``(N, d1, ..., dk)`` with ``k >= 1``.

        Returns:
            ``(N, d1 * ... * dk)``, a view of ``x`` when ``x`` is contiguous.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION sec-conv-network
        self.input_shape = x.shape
        # math.prod rather than -1, so that an empty batch (N = 0) reshapes too.
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad.reshape(N, d1, ..., dk)``: a reshape only moves values.

        Args:
            grad: ``dL/d(out)``, ``(N, d1 * ... * dk)``.

        Returns:
            ``dL/dx``, ``(N, d1, ..., dk)``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION sec-conv-network
        return grad.reshape(self.input_shape)
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        x = as_array(x, "Flatten.forward x")
        if x.ndim < 2:
            raise ValueError(
                f"Flatten.forward x: expected an array of shape (N, d1, ...) with at "
                f"least 2 dimensions, got a {x.ndim}-D array of shape {x.shape}"
            )
        return x

    def _check_grad(self, grad) -> np.ndarray:
        input_shape = self._saved("input_shape")
        expected = (input_shape[0], math.prod(input_shape[1:]))
        return check_grad_shape(grad, expected, "(N, d1 * ... * dk)", "Flatten")
