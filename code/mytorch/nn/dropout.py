"""Dropout: during training, each entry is zeroed with probability ``p``.

Derived in book/08_normalization.md.
"""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array, check_rng, is_real
from mytorch.nn.module import Module


class Dropout(Module):
    """Inverted dropout ``y = x * mask`` with ``mask = keep / (1 - p)``.

    Each entry of ``keep`` is 1 with probability ``1 - p`` and 0 otherwise.

    Dividing the kept entries by ``1 - p`` during training makes ``E[y] = x``, so that
    evaluation mode, where the layer is the identity, needs no rescaling.

    Args:
        p: the probability of zeroing an entry, ``0 <= p < 1`` (``p = 0``: the
            identity).
        rng: the ``np.random.Generator`` the masks are drawn from. Omitted, a freshly
            seeded ``np.random.default_rng()`` is used; pass
            ``np.random.default_rng(seed)`` for repeatable runs.

    Attributes:
        mask: the last mask, the shape of the input, entries ``0`` or ``1 / (1 - p)``
            (all ones after a forward pass in evaluation mode), kept for ``backward``.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None):
        if not (is_real(p) and 0 <= p < 1):
            raise ValueError(
                f"Dropout: expected a drop probability 0 <= p < 1, got p={p!r}"
                + (" (p = 1 would drop every entry, and 1 / (1 - p) is undefined)"
                   if p == 1 else "")
            )
        self.p = float(p)
        self.rng = check_rng(rng, "Dropout")
        self.mask = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = x * mask`` (equation eq-dropout-forward); keep ``mask``.

        In training mode ``mask = keep / (1 - p)`` is drawn afresh; in evaluation mode
        it is all ones and ``y = x``.

        Args:
            x: any shape.

        Returns:
            ``y``, the shape and dtype of ``x``.
        """
        x = self._check_input(x)
        # BEGIN SOLUTION eq-dropout-forward
        if self.training:
            keep = self.rng.random(x.shape) >= self.p      # True with probability 1 - p
            self.mask = keep * x.dtype.type(1 / (1 - self.p))
        else:
            self.mask = np.ones_like(x)
        return x * self.mask
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad * mask``, with the mask of the last forward pass.

        Args:
            grad: ``dL/dy``, the shape of ``x``.

        Returns:
            ``grad_x = dL/dx``, the shape of ``x``.
        """
        grad = self._check_grad(grad)
        # BEGIN SOLUTION eq-dropout-backward
        return grad * self.mask
        # END SOLUTION

    def _check_input(self, x) -> np.ndarray:
        return as_array(x, "Dropout.forward x")

    def _check_grad(self, grad) -> np.ndarray:
        return self._grad_like(grad, "mask", "Dropout's input x")

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
