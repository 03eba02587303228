"""Flatten: the reshape between convolutional feature maps and a fully connected layer."""

from __future__ import annotations

import math

import numpy as np

from mytorch.nn._checks import as_array
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
        x = as_array(x, "Flatten.forward x")
        if x.ndim < 2:
            raise ValueError(
                f"Flatten.forward x: expected an array of shape (N, d1, ...) with at least 2 "
                f"dimensions, got a {x.ndim}-D array of shape {x.shape}"
            )
        # BEGIN SOLUTION sec-conv-network
        self.input_shape = x.shape
        # math.prod rather than -1, so that an empty batch (N = 0) reshapes too.
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad.reshape(N, d1, ..., dk)``: reshaping moves values, it does not change them.

        Args:
            grad: ``dL/d(out)``, ``(N, d1 * ... * dk)``.

        Returns:
            ``dL/dx``, ``(N, d1, ..., dk)``.
        """
        input_shape = self._saved("input_shape")
        grad = as_array(grad, "Flatten.backward grad")
        expected = (input_shape[0], math.prod(input_shape[1:]))
        if grad.shape != expected:
            raise ValueError(f"Flatten.backward: expected grad of shape {expected}, got {grad.shape}")
        # BEGIN SOLUTION sec-conv-network
        return grad.reshape(input_shape)
        # END SOLUTION
