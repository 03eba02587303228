"""Residual connections: a block whose input skips past it and is added to its output.

Derived in book/08_normalization.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mytorch.nn._checks import as_array, kind_of
from mytorch.nn.module import Module


class Residual(Module):
    """Residual block ``y = x + block(x)``: the block learns a change to the identity.

    Args:
        block: a :class:`Module` whose output has the shape of its input, e.g.
            ``Sequential(Linear(D, D), ReLU())``.

    Attributes:
        block: the wrapped module; its parameters are this block's parameters.
        x_shape: the shape of the last input, kept by ``forward`` to check
            ``backward``'s ``grad``.
    """

    def __init__(self, block: Module):
        if not isinstance(block, Module):
            raise ValueError(
                f"Residual: expected the block to be a mytorch.nn.Module instance, "
                f"got {kind_of(block)}"
            )
        self.block = block
        self.x_shape = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = x + block(x)``.

        Args:
            x: any shape the block accepts, ``(N, D)`` for a block of ``Linear(D, D)``.

        Returns:
            ``y``, the shape of ``x``.
        """
        x = self._check_input(x)
        fx = self._check_block_output(self.block.forward(x))
        # BEGIN SOLUTION eq-residual-forward
        return x + fx
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad + block.backward(grad)`` (eq-residual-backward).

        The skip path passes ``grad`` on unchanged.

        The block's backward pass stores the gradients of its parameters on the way.

        Args:
            grad: ``dL/dy``, the shape of ``x``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``x``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-residual-backward
        return grad + self.block.backward(grad)
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        x = as_array(x, "Residual.forward x")
        self.x_shape = x.shape
        return x

    def _check_block_output(self, fx) -> np.ndarray:
        fx = np.asarray(fx)
        if fx.shape != self.x_shape:
            raise ValueError(
                f"expected the block's output to have the shape of Residual's input x, "
                f"{self.x_shape}, got {fx.shape}"
            )
        return fx

    def _check_grad(self, grad) -> np.ndarray:
        x_shape = self._saved("x_shape")
        grad = as_array(grad, "Residual.backward grad")
        if grad.shape != x_shape:
            raise ValueError(
                f"Residual.backward: expected grad of the input's shape {x_shape}, "
                f"got {grad.shape}"
            )
        return grad

    def modules(self) -> Iterator[Module]:
        """Yield this block, then every module inside the wrapped block."""
        yield self
        yield from self.block.modules()

    def __repr__(self) -> str:
        return "Residual(\n  " + repr(self.block).replace("\n", "\n  ") + "\n)"
