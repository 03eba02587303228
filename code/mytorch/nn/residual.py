"""Residual connections: a block whose input skips past it and is added to its output."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from mytorch.nn._checks import as_array, check_same_shape
from mytorch.nn.module import Module


class Residual(Module):
    """Residual block ``y = x + block(x)``: the block learns a correction to the identity.

    Args:
        block: a :class:`Module` whose output has the shape of its input, e.g.
            ``Sequential(Linear(D, D), ReLU())``.

    Attributes:
        block: the wrapped module; its parameters are this block's parameters.
        x_shape: the shape of the last input, kept by ``forward`` to check ``backward``'s
            ``grad``.
    """

    def __init__(self, block: Module):
        if not isinstance(block, Module):
            got = f"the class {block.__name__}" if isinstance(block, type) else type(block).__name__
            raise ValueError(f"Residual: expected the block to be a mytorch.nn.Module instance, got {got}")
        self.block = block
        self.x_shape = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = x + block(x)``.

        Args:
            x: any shape the block accepts, ``(N, D)`` for a block of ``Linear(D, D)``.

        Returns:
            ``y``, the shape of ``x``.
        """
        x = as_array(x, "Residual.forward x")
        fx = self.block.forward(x)
        check_same_shape(x, np.asarray(fx), "Residual's input x", "the block's output")
        self.x_shape = x.shape
        # BEGIN SOLUTION eq-residual-forward
        return x + fx
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad + block.backward(grad)``: the skip path passes ``grad`` on unchanged.

        The block's backward pass stores the gradients of its parameters on the way.

        Args:
            grad: ``dL/dy``, the shape of ``x``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``x``.
        """
        x_shape = self._saved("x_shape")
        grad = as_array(grad, "Residual.backward grad")
        if grad.shape != x_shape:
            raise ValueError(f"Residual.backward: expected grad of the input's shape {x_shape}, got {grad.shape}")
        # BEGIN SOLUTION eq-residual-backward
        return grad + self.block.backward(grad)
        # END SOLUTION

    def modules(self) -> Iterator[Module]:
        """Yield this block, then every module inside the wrapped block."""
        yield self
        yield from self.block.modules()

    def __repr__(self) -> str:
        return "Residual(\n  " + repr(self.block).replace("\n", "\n  ") + "\n)"
