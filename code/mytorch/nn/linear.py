"""The fully connected (affine) layer."""

from __future__ import annotations

import numpy as np

from mytorch.nn._checks import as_array, check_ndim, check_parameter, check_size
from mytorch.nn.module import Module


def _positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise a ValueError naming ``name`` and ``value``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Linear: expected {name} to be a positive int, got {value!r}")
    return int(value)


class Linear(Module):
    """Affine layer ``out = x @ weight + bias``, the bias broadcast over the rows of ``x``.

    Args:
        in_features: width of each input row.
        out_features: width of each output row.
        rng: the ``np.random.Generator`` the initial parameters are drawn from. Omitted,
            a freshly seeded ``np.random.default_rng()`` is used; pass
            ``np.random.default_rng(seed)`` for repeatable runs.
        dtype: floating dtype of ``weight`` and ``bias`` (float64 by default; float32 for
            speed).

    Attributes:
        weight: ``(in_features, out_features)``. Both parameters start from
            ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, PyTorch's default, which
            keeps the output's scale independent of ``in_features``.
        bias: ``(1, out_features)``.
        grad_weight: ``(in_features, out_features)``, set by ``backward`` (``None`` before).
        grad_bias: ``(1, out_features)``, set by ``backward`` (``None`` before).
        x: the last input, ``(N, in_features)``, kept by ``forward`` for ``backward``.
    """

    param_names = ("weight", "bias")

    def __init__(self, in_features: int, out_features: int, *, rng: np.random.Generator | None = None,
                 dtype=np.float64):
        in_features = _positive_int(in_features, "in_features")
        out_features = _positive_int(out_features, "out_features")
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise ValueError(
                f"Linear: expected rng to be a numpy.random.Generator such as "
                f"np.random.default_rng(0), got {type(rng).__name__}"
            )
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise ValueError(f"Linear: expected a floating dtype, got {np.dtype(dtype)}")
        bound = 1.0 / np.sqrt(in_features)
        self.weight = rng.uniform(-bound, bound, (in_features, out_features)).astype(dtype, copy=False)
        self.bias = rng.uniform(-bound, bound, (1, out_features)).astype(dtype, copy=False)
        self.grad_weight = None
        self.grad_bias = None
        self.x = None

    # The widths are read off the weight, so they stay right when a test or a chapter
    # assigns ``layer.weight`` directly.
    @property
    def in_features(self) -> int:
        """Width of an input row, ``weight.shape[0]``."""
        return self.weight.shape[0]

    @property
    def out_features(self) -> int:
        """Width of an output row, ``weight.shape[1]``."""
        return self.weight.shape[1]

    def forward(self, x) -> np.ndarray:
        """Compute ``out = x @ weight + bias`` and keep ``x``.

        Args:
            x: ``(N, in_features)``.

        Returns:
            ``out``, ``(N, out_features)``.
        """
        x = as_array(x, "Linear.forward x")
        check_ndim(x, 2, "Linear.forward x", "(N, in_features)")
        self._check_parameters()
        check_size(x.shape[1], self.in_features, "Linear.forward x", "in_features", x.shape)
        # BEGIN SOLUTION eq-linear-forward
        self.x = x.copy()  # a copy: the caller may change x in place before backward
        return x @ self.weight + self.bias
        # END SOLUTION

    def backward(self, grad) -> np.ndarray:
        """Return ``grad_x = grad @ weight.T``; store ``grad_weight = x.T @ grad`` and ``grad_bias = sum_n grad[n]``.

        Each output row ``out[n]`` depends on ``weight`` and ``bias``, so their gradients
        add up the contributions of all ``N`` rows; ``x[n]`` affects only ``out[n]``.

        Args:
            grad: ``dL/d(out)``, ``(N, out_features)``.

        Returns:
            ``grad_x = dL/dx``, ``(N, in_features)``.
        """
        x = self._saved("x")
        grad = as_array(grad, "Linear.backward grad")
        expected = (x.shape[0], self.out_features)
        if grad.shape != expected:
            raise ValueError(
                f"Linear.backward: expected grad of shape {expected} (N, out_features), got {grad.shape}"
            )
        # BEGIN SOLUTION eq-linear-backward
        self.grad_weight = x.T @ grad
        self.grad_bias = grad.sum(axis=0, keepdims=True)
        return grad @ self.weight.T
        # END SOLUTION

    def _check_parameters(self) -> None:
        """Check that ``weight`` is ``(in_features, out_features)`` and ``bias`` ``(1, out_features)``."""
        weight = check_parameter(self, "weight", 2, "(in_features, out_features)")
        bias = check_parameter(self, "bias", 2, f"(1, {weight.shape[1]}) (1, out_features)")
        if bias.shape != (1, weight.shape[1]):
            raise ValueError(
                f"Linear.bias: expected shape (1, {weight.shape[1]}) (1, out_features) to match "
                f"weight of shape {weight.shape}, got {bias.shape}"
            )

    def __repr__(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"
