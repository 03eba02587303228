"""Dropout: during training, each entry is zeroed with probability ``p``."""

from __future__ import annotations

from numbers import Real

import numpy as np

from mytorch.nn._checks import as_array, check_same_shape
from mytorch.nn.module import Module


class Dropout(Module):
    """Inverted dropout ``y = x * mask``, ``mask = keep / (1 - p)`` with ``keep ~ Bernoulli(1 - p)`` per entry.

    Dividing the kept entries by ``1 - p`` during training makes ``E[y] = x``, so that
    evaluation mode, where the layer is the identity, needs no rescaling.

    Args:
        p: the probability of zeroing an entry, ``0 <= p < 1`` (``p = 0``: the identity).
        rng: the ``np.random.Generator`` the masks are drawn from. Omitted, a freshly
            seeded ``np.random.default_rng()`` is used; pass ``np.random.default_rng(seed)``
            for repeatable runs.

    Attributes:
        mask: the last mask, the shape of the input, entries ``0`` or ``1 / (1 - p)``
            (all ones after a forward pass in evaluation mode), kept for ``backward``.
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None):
        if isinstance(p, bool) or not isinstance(p, Real) or not 0 <= p < 1:
            raise ValueError(
                f"Dropout: expected a drop probability 0 <= p < 1, got p={p!r}"
                + (" (p = 1 would drop every entry, and 1 / (1 - p) is undefined)" if p == 1 else "")
            )
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"Dropout: expected rng to be a numpy.random.Generator such as "
                f"np.random.default_rng(0), got {type(rng).__name__}"
            )
        self.p = float(p)
        self.rng = rng
        self.mask = None

    def forward(self, x) -> np.ndarray:
        """Compute ``y = x * mask`` with a fresh ``mask = keep / (1 - p)`` in training mode, ``y = x`` in evaluation mode; keep ``mask``.

        Args:
            x: any shape.

        Returns:
            ``y``, the shape and dtype of ``x``.
        """
        x = as_array(x, "Dropout.forward x")
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
        mask = self._saved("mask")
        grad = as_array(grad, "Dropout.backward grad")
        check_same_shape(mask, grad, "Dropout's input x", "grad")
        # BEGIN SOLUTION eq-dropout-backward
        return grad * mask
        # END SOLUTION

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
